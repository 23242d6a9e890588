//! genl's own apt configuration per Debian suite, under the per-user cache:
//! kernels come from any suite (bullseye, bookworm, trixie-backports, ...)
//! without touching the host's apt sources.
//!
//! `<cache>/apt/<suite>/` holds a `sources.list` naming only that suite's
//! archives (signed-by Debian's archive keyring), its own package lists,
//! an empty dpkg status (the host's installed packages play no part) and
//! apt's download cache. apt itself verifies the `InRelease` signatures
//! (gpgv against [`KEYRING`]) and each index's and `.deb`'s SHA256.
//!
//! The lists are refreshed when older than [`MAX_AGE`] (a failed refresh
//! keeps the old ones), when a package is unknown, or when a download
//! fails (old releases leave the archive); cached runs never need the
//! network.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::progress::{self, PreparationError};

/// Debian's archive keyring (package `debian-archive-keyring`).
pub const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// How old a suite's package lists may get before a run refreshes them.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// A Debian suite kernels come from.
#[derive(Debug)]
pub struct Suite {
    /// Its name, also its directory under `<cache>/apt/` (`bullseye`).
    pub name: &'static str,
    /// Its archives, each `URI SUITE` (component `main`); a package's
    /// candidate is its highest version among them.
    pub archives: &'static [&'static str],
    /// The release codenames whose archive keys must be in [`KEYRING`]
    /// (checked through the per-release keyring files the same package
    /// installs next to it).
    pub keys: &'static [&'static str],
    /// The suite whose compiler built its kernels: a module build that
    /// needs a newer compiler than the host's runs in a root of this suite
    /// (see `vm/toolchain.rs`).
    pub toolchain_suite: &'static str,
}

/// Debian 11's archive and its security updates (5.10 kernels).
pub const BULLSEYE: Suite = Suite {
    name: "bullseye",
    archives: &[
        "http://deb.debian.org/debian bullseye",
        "http://deb.debian.org/debian-security bullseye-security",
    ],
    keys: &["bullseye"],
    toolchain_suite: "bullseye",
};

/// Debian 12's archive, its updates and security updates (6.1 and 6.12).
pub const BOOKWORM: Suite = Suite {
    name: "bookworm",
    archives: &[
        "http://deb.debian.org/debian bookworm",
        "http://deb.debian.org/debian bookworm-updates",
        "http://deb.debian.org/debian-security bookworm-security",
    ],
    keys: &["bookworm"],
    toolchain_suite: "bookworm",
};

/// Debian 13's backports only: its kernel meta package names the newest
/// kernel Debian builds for trixie.
pub const TRIXIE_BACKPORTS: Suite = Suite {
    name: "trixie-backports",
    archives: &["http://deb.debian.org/debian trixie-backports"],
    keys: &["trixie"],
    toolchain_suite: "trixie",
};

/// Why a suite's package lists could not be refreshed or its packages
/// downloaded. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum AptError {
    /// Debian's archive keyring is not installed.
    NoKeyring,
    /// The archive keyring lacks the keys of one of the suite's releases.
    NoKeys {
        /// The release whose keys are missing (`trixie`).
        release: &'static str,
        /// The per-release keyring file that is missing.
        file: PathBuf,
        /// The suite.
        suite: &'static str,
    },
    /// The suite's apt configuration could not be written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// An archive's signature did not verify against [`KEYRING`].
    Signature {
        /// The suite.
        suite: &'static str,
        /// `apt-get update`'s error and warning lines.
        lines: Vec<String>,
    },
    /// `apt-get update` logged errors (it exits 0 after some).
    Update {
        /// What ran, `apt-get update (<suite>)`.
        what: String,
        /// Its error lines.
        lines: Vec<String>,
    },
    /// `apt-get update` or `apt-get download` failed.
    Step(PreparationError),
}

impl fmt::Display for AptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AptError::NoKeyring => write!(
                f,
                "{KEYRING} is missing: install the Debian package debian-archive-keyring"
            ),
            AptError::NoKeys {
                release,
                file,
                suite,
            } => write!(
                f,
                "Debian's archive keyring has no {release} keys ({} is missing): upgrade \
                 debian-archive-keyring (e.g. from your release's -updates or \
                 -backports suite) to download {suite} kernels",
                file.display()
            ),
            AptError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            AptError::Signature { suite, lines } => write!(
                f,
                "the {suite} archive's signature did not verify against {KEYRING}: {}; \
                 upgrade debian-archive-keyring",
                lines.join(" | ")
            ),
            AptError::Update { what, lines } => write!(f, "{what}: {}", lines.join(" | ")),
            AptError::Step(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AptError::Io { error, .. } => Some(error),
            AptError::Step(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(AptError { Step(PreparationError) });

/// The suites whose lists a process refreshed (at most once each).
static UPDATED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// One suite's apt configuration in the cache.
#[derive(Debug, Clone)]
pub struct Apt {
    suite: &'static Suite,
    dir: PathBuf,
}

/// The `sources.list` of `suite`.
pub fn sources_list(suite: &Suite) -> String {
    suite
        .archives
        .iter()
        .map(|a| format!("deb [signed-by={KEYRING}] {a} main\n"))
        .collect()
}

/// The packages each of `asked` depends on (`Depends:` and `PreDepends:`,
/// every alternative, virtual `<...>` ones left out), from `apt-cache
/// depends` output; packages apt does not know are absent.
pub fn parse_depends(text: &str, asked: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for l in text.lines() {
        if !l.starts_with(' ') {
            let name = l.trim();
            current = asked.iter().any(|a| a == name).then(|| name.to_owned());
            if let Some(c) = &current {
                out.entry(c.clone()).or_default();
            }
            continue;
        }
        let Some(c) = &current else { continue };
        let d = l.trim().trim_start_matches('|');
        let dep = d
            .strip_prefix("Depends: ")
            .or_else(|| d.strip_prefix("PreDepends: "));
        if let Some(dep) = dep.filter(|d| !d.starts_with('<')) {
            if let Some(v) = out.get_mut(c) {
                v.push(dep.trim().to_owned());
            }
        }
    }
    out
}

/// The release a kernel meta package names (`linux-image-<release>` among
/// its dependencies).
pub fn release_from_depends(deps: &[String]) -> Option<String> {
    deps.iter()
        .find_map(|d| d.strip_prefix("linux-image-").map(str::to_owned))
}

impl Apt {
    /// The configuration of `suite` under `cache` (written on first use).
    pub fn new(cache: &Path, suite: &'static Suite) -> Apt {
        Apt {
            suite,
            dir: cache.join("apt").join(suite.name),
        }
    }

    /// The suite.
    pub fn suite(&self) -> &'static Suite {
        self.suite
    }

    fn setup(&self) -> Result<(), AptError> {
        let e = |p: &Path, error| AptError::Io {
            path: p.to_owned(),
            error,
        };
        for d in ["lists/partial", "cache/archives/partial", "empty"] {
            let p = self.dir.join(d);
            std::fs::create_dir_all(&p).map_err(|x| e(&p, x))?;
        }
        let sl = self.dir.join("sources.list");
        let want = sources_list(self.suite);
        if std::fs::read_to_string(&sl).ok().as_deref() != Some(want.as_str()) {
            std::fs::write(&sl, want).map_err(|x| e(&sl, x))?;
        }
        let status = self.dir.join("status");
        if !status.is_file() {
            std::fs::write(&status, "").map_err(|x| e(&status, x))?;
        }
        Ok(())
    }

    /// The `-o` options that make apt use this configuration only.
    fn options(&self) -> Vec<String> {
        let d = |p: &str| self.dir.join(p).display().to_string();
        [
            format!("Dir::Etc::sourcelist={}", d("sources.list")),
            format!("Dir::Etc::sourceparts={}", d("empty")),
            format!("Dir::Etc::preferences={}", d("empty/none")),
            format!("Dir::Etc::preferencesparts={}", d("empty")),
            format!("Dir::State::Lists={}", d("lists")),
            format!("Dir::State::status={}", d("status")),
            format!("Dir::Cache={}", d("cache")),
            // Kept (containers' apt.conf.d often turn them off): each
            // apt-cache call would parse every index again.
            "Dir::Cache::pkgcache=pkgcache.bin".into(),
            "Dir::Cache::srcpkgcache=srcpkgcache.bin".into(),
            "APT::Architecture=amd64".into(),
            "APT::Architectures=amd64".into(),
            // Only the package indexes: no translations, AppStream data or
            // Contents (the host's apt.conf.d may ask for them).
            "Acquire::Languages=none".into(),
            "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false".into(),
            "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false".into(),
            "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false".into(),
            "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false".into(),
            "APT::Update::Post-Invoke-Success::=".into(),
            "Acquire::http::Timeout=20".into(),
            // Offline, fail at once: the cached release is used then.
            "Acquire::Retries=0".into(),
            "APT::Sandbox::User=root".into(),
        ]
        .into_iter()
        .flat_map(|o| ["-o".to_owned(), o])
        .collect()
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.args(self.options())
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null());
        c
    }

    /// How long ago the lists were last refreshed or tried to be (a failed
    /// refresh, e.g. offline, is not tried again for [`MAX_AGE`]).
    pub fn refresh_age(&self) -> Option<Duration> {
        let tried = std::fs::metadata(self.dir.join("update-tried"))
            .and_then(|m| m.modified())
            .ok()
            .map(|t| SystemTime::now().duration_since(t).unwrap_or_default());
        match (self.lists_age(), tried) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// How long ago the lists were fetched (`None`: never).
    pub fn lists_age(&self) -> Option<Duration> {
        let lists = self.dir.join("lists");
        std::fs::read_dir(lists)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with("_InRelease"))
            .filter_map(|e| e.metadata().ok()?.modified().ok())
            .max()
            .map(|t| SystemTime::now().duration_since(t).unwrap_or_default())
    }

    /// Whether this process refreshed the lists already.
    pub fn updated(&self) -> bool {
        UPDATED.lock().unwrap().contains(self.suite.name)
    }

    /// Fails, saying how to fix it, unless the archive keyring holds the
    /// suite's keys.
    fn check_keys(&self) -> Result<(), AptError> {
        if !Path::new(KEYRING).is_file() {
            return Err(AptError::NoKeyring);
        }
        let dir = Path::new(KEYRING).parent().unwrap_or(Path::new("/"));
        for k in self.suite.keys {
            let f = dir.join(format!("debian-archive-{k}-automatic.gpg"));
            if !f.is_file() {
                return Err(AptError::NoKeys {
                    release: k,
                    file: f,
                    suite: self.suite.name,
                });
            }
        }
        Ok(())
    }

    /// `apt-get update` of this suite, at most once per process (later
    /// calls return `Ok`).
    pub fn update(&self, cache: &Path) -> Result<(), AptError> {
        if !UPDATED.lock().unwrap().insert(self.suite.name) {
            return Ok(());
        }
        self.check_keys()?;
        self.setup()?;
        let _ = std::fs::write(self.dir.join("update-tried"), "");
        let mut cmd = self.command("apt-get");
        cmd.args(["-q", "update"]);
        let log = self.dir.join("update.log");
        let what = format!("apt-get update ({})", self.suite.name);
        let r = progress::run(
            cache,
            &what,
            &format!("apt-update-{}", self.suite.name),
            cmd,
            &log,
        );
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // apt-get update exits 0 after some index failures: read its log.
        let bad: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("E:") || l.starts_with("W:") || l.starts_with("Err:"))
            .map(str::to_owned)
            .collect();
        if bad
            .iter()
            .any(|l| l.contains("NO_PUBKEY") || l.contains("not signed"))
        {
            return Err(AptError::Signature {
                suite: self.suite.name,
                lines: bad,
            });
        }
        r?;
        if bad
            .iter()
            .any(|l| l.starts_with("E:") || l.starts_with("Err:"))
        {
            return Err(AptError::Update { what, lines: bad });
        }
        Ok(())
    }

    /// The packages each of `pkgs` depends on, from the suite's lists
    /// (see [`parse_depends`]); empty when there are no lists yet.
    pub fn depends(&self, pkgs: &[String]) -> BTreeMap<String, Vec<String>> {
        if self.lists_age().is_none() {
            return BTreeMap::new();
        }
        let Ok(out) = self.command("apt-cache").arg("depends").args(pkgs).output() else {
            return BTreeMap::new();
        };
        parse_depends(&String::from_utf8_lossy(&out.stdout), pkgs)
    }

    /// The version stamp of the lists: the newest `InRelease`'s mtime.
    fn lists_stamp(&self) -> Option<u128> {
        let lists = self.dir.join("lists");
        std::fs::read_dir(lists)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with("_InRelease"))
            .filter_map(|e| e.metadata().ok()?.modified().ok())
            .max()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
    }

    /// The release `meta`'s `linux-image-<release>` dependency names in the
    /// lists; remembered per lists version in `resolved-<meta>` (asking
    /// apt-cache costs ≈ 0.3 s on bullseye's lists).
    pub fn meta_release(&self, meta: &str) -> Option<String> {
        let stamp = self.lists_stamp()?;
        let memo = self.dir.join(format!("resolved-{meta}"));
        if let Ok(text) = std::fs::read_to_string(&memo) {
            if let Some((s, r)) = text.trim().split_once(' ') {
                if s.parse::<u128>().ok() == Some(stamp) && !r.is_empty() {
                    return Some(r.to_owned());
                }
            }
        }
        let r = release_from_depends(self.depends(&[meta.to_owned()]).get(meta)?)?;
        let _ = std::fs::write(&memo, format!("{stamp} {r}\n"));
        Some(r)
    }

    /// `apt-get download`s `pkgs` into `dir` (apt checks each `.deb`'s
    /// SHA256 against the signed index), showing progress.
    pub fn download(&self, cache: &Path, dir: &Path, pkgs: &[String]) -> Result<(), AptError> {
        self.setup()?;
        let mut cmd = self.command("apt-get");
        cmd.args(["-q", "download"]).args(pkgs).current_dir(dir);
        let log = dir.join("download.log");
        progress::run(
            cache,
            &format!(
                "downloading {} packages from {}",
                pkgs.len(),
                self.suite.name
            ),
            &format!("download-{}", self.suite.name),
            cmd,
            &log,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `apt-cache depends linux-image-cloud-amd64
    /// linux-image-7.3.4+deb13-cloud-amd64 nosuchpkg` over trixie-backports'
    /// lists (2026-12-06); apt prints unknown packages on stderr only.
    const TRIXIE_BACKPORTS_DEPENDS: &str = "\
linux-image-cloud-amd64
  Depends: linux-base-cloud-amd64
  Depends: linux-image-7.3.4+deb13-cloud-amd64
  Depends: linux-modules-cloud-amd64
linux-image-7.3.4+deb13-cloud-amd64
  PreDepends: linux-base
 |Depends: <dracut>
 |Depends: <initramfs-tools>
  Depends: <linux-initramfs-tool>
  Depends: linux-base-7.3.4+deb13-cloud-amd64
  Depends: linux-binary-7.3.4+deb13-cloud-amd64
  Depends: linux-modules-7.3.4+deb13-cloud-amd64
  Breaks: <fwupdate>
  Breaks: <initramfs-tools>
  Breaks: <wireless-regdb>
  Recommends: <apparmor>
  Suggests: <debian-kernel-handbook>
  Suggests: <firmware-linux-free>
 |Suggests: <grub-pc>
 |Suggests: <grub-efi-amd64>
  Suggests: <extlinux>
  Suggests: linux-doc-7.3
";

    #[test]
    fn depends_of_a_split_kernel_image() {
        let asked: Vec<String> = [
            "linux-image-cloud-amd64",
            "linux-image-7.3.4+deb13-cloud-amd64",
            "nosuchpkg",
        ]
        .map(String::from)
        .to_vec();
        let d = parse_depends(TRIXIE_BACKPORTS_DEPENDS, &asked);
        assert_eq!(
            d["linux-image-cloud-amd64"],
            [
                "linux-base-cloud-amd64",
                "linux-image-7.3.4+deb13-cloud-amd64",
                "linux-modules-cloud-amd64"
            ]
        );
        assert_eq!(
            d["linux-image-7.3.4+deb13-cloud-amd64"],
            [
                "linux-base",
                "linux-base-7.3.4+deb13-cloud-amd64",
                "linux-binary-7.3.4+deb13-cloud-amd64",
                "linux-modules-7.3.4+deb13-cloud-amd64"
            ]
        );
        assert!(!d.contains_key("nosuchpkg"));
    }

    #[test]
    fn sources_name_only_the_suite_and_the_keyring() {
        assert_eq!(
            sources_list(&TRIXIE_BACKPORTS),
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
             http://deb.debian.org/debian trixie-backports main\n"
        );
        assert_eq!(sources_list(&BOOKWORM).lines().count(), 3);
    }

    #[test]
    fn options_keep_apt_inside_the_cache() {
        let a = Apt::new(Path::new("/c"), &BULLSEYE);
        let o = a.options().join(" ");
        for want in [
            "Dir::Etc::sourcelist=/c/apt/bullseye/sources.list",
            "Dir::Etc::sourceparts=/c/apt/bullseye/empty",
            "Dir::State::Lists=/c/apt/bullseye/lists",
            "Dir::State::status=/c/apt/bullseye/status",
            "Dir::Cache=/c/apt/bullseye/cache",
        ] {
            assert!(o.contains(want), "{o}");
        }
    }

    #[test]
    fn a_keyring_without_the_suites_keys_says_what_to_upgrade() {
        let e = AptError::NoKeys {
            release: "trixie",
            file: PathBuf::from("/usr/share/keyrings/debian-archive-trixie-automatic.gpg"),
            suite: "trixie-backports",
        };
        assert_eq!(
            e.to_string(),
            "Debian's archive keyring has no trixie keys \
             (/usr/share/keyrings/debian-archive-trixie-automatic.gpg is missing): upgrade \
             debian-archive-keyring (e.g. from your release's -updates or -backports suite) \
             to download trixie-backports kernels"
        );
        let e = AptError::Signature {
            suite: "bookworm",
            lines: vec![
                "W: GPG error: NO_PUBKEY 1234".into(),
                "E: not signed".into(),
            ],
        };
        assert_eq!(
            e.to_string(),
            "the bookworm archive's signature did not verify against \
             /usr/share/keyrings/debian-archive-keyring.gpg: W: GPG error: NO_PUBKEY 1234 | \
             E: not signed; upgrade debian-archive-keyring"
        );
    }
}
