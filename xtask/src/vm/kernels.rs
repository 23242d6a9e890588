//! Downloading and unpacking Debian's kernels and headers (never installing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{vm_dir, Series};

/// A kernel unpacked under `target/vm/kernels/<release>/`.
pub struct Kernel {
    /// The series name (`6.1`, `6.12`).
    pub series: &'static str,
    /// `uname -r` of the kernel, e.g. `6.1.0-56-cloud-amd64`.
    pub release: String,
    /// The `dpkg -x` root holding `boot/`, `lib/modules/`, `usr/src/`.
    pub root: PathBuf,
    /// Whether it was already there.
    pub cached: bool,
}

impl Kernel {
    /// The kbuild dir for `make -C`.
    pub fn headers(&self) -> PathBuf {
        self.root
            .join("usr/src")
            .join(format!("linux-headers-{}", self.release))
    }

    /// The bootable image.
    pub fn vmlinuz(&self) -> PathBuf {
        self.root
            .join("boot")
            .join(format!("vmlinuz-{}", self.release))
    }
}

const STAMP: &str = ".genl-vm-complete";

static UPDATED: AtomicBool = AtomicBool::new(false);

/// `apt-get update`, at most once per run.
pub fn apt_update() -> Result<(), String> {
    if UPDATED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    DEPS.lock().unwrap().clear();
    println!("vm: apt-get update");
    let st = Command::new("apt-get")
        .args(["-qq", "update"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("apt-get update: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err("apt-get update failed".into())
    }
}

/// `apt-cache depends` answers, by package (`None`: apt does not know it).
type DepCache = BTreeMap<String, Option<Vec<String>>>;

static DEPS: Mutex<DepCache> = Mutex::new(BTreeMap::new());

/// Asks `apt-cache depends` about `pkgs` in one go (each call costs ≈ 1 s
/// here) and caches the answers until `apt_update`.
pub fn warm(pkgs: &[&str]) {
    let mut cache = DEPS.lock().unwrap();
    let ask: Vec<&str> = pkgs
        .iter()
        .copied()
        .filter(|p| !cache.contains_key(*p))
        .collect();
    if ask.is_empty() {
        return;
    }
    for p in &ask {
        cache.insert((*p).to_owned(), None);
    }
    // Unknown packages only print a warning on stderr; known ones a block.
    let Ok(out) = Command::new("apt-cache").arg("depends").args(&ask).output() else {
        return;
    };
    let mut current: Option<String> = None;
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        if !l.starts_with(' ') {
            current = ask.contains(&l.trim()).then(|| l.trim().to_owned());
            if let Some(c) = &current {
                cache.insert(c.clone(), Some(Vec::new()));
            }
            continue;
        }
        let Some(c) = &current else { continue };
        if let Some(d) = l.trim().trim_start_matches('|').strip_prefix("Depends: ") {
            if !d.starts_with('<') {
                if let Some(Some(v)) = cache.get_mut(c) {
                    v.push(d.to_owned());
                }
            }
        }
    }
}

/// The packages `pkg` depends on (first alternative and `|` ones alike).
fn depends(pkg: &str) -> Option<Vec<String>> {
    warm(&[pkg]);
    DEPS.lock().unwrap().get(pkg).cloned().flatten()
}

fn release_from_meta(meta: &str) -> Option<String> {
    depends(meta)?
        .iter()
        .find_map(|d| d.strip_prefix("linux-image-").map(str::to_owned))
}

/// An already unpacked release of `series` (newest first), for when apt
/// cannot tell (no index and no network).
fn cached_release(series: &str) -> Option<String> {
    let dir = vm_dir().join("kernels");
    let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let stamp = std::fs::read_to_string(e.path().join(STAMP)).ok()?;
            let first = stamp.lines().next()?.strip_prefix("series ")?.to_owned();
            (first == series).then_some(())?;
            let t = e.metadata().ok()?.modified().ok()?;
            Some((t, e.file_name().to_string_lossy().into_owned()))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, r)| r)
}

fn resolve(series: &Series) -> Result<String, String> {
    if let Some(r) = release_from_meta(series.meta) {
        return Ok(r);
    }
    let update = apt_update();
    if let Some(r) = release_from_meta(series.meta) {
        return Ok(r);
    }
    if let Some(r) = cached_release(series.name) {
        eprintln!(
            "vm: apt does not know {} ({update:?}); using the cached {r}",
            series.meta
        );
        return Ok(r);
    }
    Err(format!(
        "cannot find Debian package {} (apt-get update: {update:?})",
        series.meta
    ))
}

/// Fetches (or finds cached) the current kernel of `series`.
pub fn fetch(series: &'static Series) -> Result<Kernel, String> {
    let release = resolve(series)?;
    let root = vm_dir().join("kernels").join(&release);
    let mut k = Kernel {
        series: series.name,
        release: release.clone(),
        root: root.clone(),
        cached: true,
    };
    if root.join(STAMP).is_file() {
        return Ok(k);
    }
    k.cached = false;
    let image = format!("linux-image-{release}");
    let headers = format!("linux-headers-{release}");
    let mut pkgs = vec![image, headers.clone()];
    let hdeps = match depends(&headers) {
        Some(d) if !d.is_empty() => d,
        _ => {
            apt_update()?;
            depends(&headers).ok_or_else(|| format!("apt-cache depends {headers} failed"))?
        }
    };
    pkgs.extend(
        hdeps
            .into_iter()
            .filter(|d| d.starts_with("linux-headers-") || d.starts_with("linux-kbuild-")),
    );
    pkgs.dedup();
    println!("vm: downloading {}", pkgs.join(" "));

    let debs = vm_dir().join("debs").join(&release);
    std::fs::create_dir_all(&debs).map_err(|e| format!("{}: {e}", debs.display()))?;
    if let Err(e) = download(&debs, &pkgs) {
        if UPDATED.load(Ordering::SeqCst) {
            return Err(e);
        }
        // A stale index names files the mirror no longer has (old ABIs
        // leave it): refresh it and pick the release again.
        eprintln!("vm: {e}; refreshing the package index");
        apt_update()?;
        let _ = std::fs::remove_dir_all(&debs);
        return fetch(series);
    }

    let tmp = root.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    for p in &pkgs {
        let deb = deb_file(&debs, p).ok_or_else(|| format!("{p}: no .deb downloaded"))?;
        let st = Command::new("dpkg")
            .arg("-x")
            .arg(&deb)
            .arg(&tmp)
            .status()
            .map_err(|e| format!("dpkg -x: {e}"))?;
        if !st.success() {
            return Err(format!("dpkg -x {} failed", deb.display()));
        }
    }
    fix_makefile(&tmp, &root, &release)?;
    let _ = std::fs::remove_dir_all(&root);
    std::fs::rename(&tmp, &root).map_err(|e| format!("{}: {e}", root.display()))?;
    let stamp = format!("series {}\n{}\n", series.name, pkgs.join("\n"));
    std::fs::write(root.join(STAMP), stamp).map_err(|e| e.to_string())?;
    if !k.vmlinuz().is_file() || !k.headers().join("Makefile").is_file() {
        return Err(format!(
            "unpacked {release} lacks {} or {}",
            k.vmlinuz().display(),
            k.headers().display()
        ));
    }
    // The .debs are no longer needed once unpacked.
    let _ = std::fs::remove_dir_all(&debs);
    Ok(k)
}

/// The downloaded `.deb` of `pkg` in `dir` (`pkg_version_arch.deb`).
pub fn deb_file(dir: &Path, pkg: &str) -> Option<PathBuf> {
    let prefix = format!("{pkg}_");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
}

/// `apt-get download`s those of `pkgs` not yet in `dir`.
pub fn download(dir: &Path, pkgs: &[String]) -> Result<(), String> {
    let missing: Vec<&String> = pkgs.iter().filter(|p| deb_file(dir, p).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let st = Command::new("apt-get")
        .args(["-qq", "-o", "APT::Sandbox::User=root", "download"])
        .args(&missing)
        .current_dir(dir)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("apt-get download: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("apt-get download {missing:?} failed"))
    }
}

/// The arch headers' Makefile includes the `-common` tree by its absolute
/// `/usr/src/...` path: point it at the unpacked copy instead.
/// `tmp` is where it is unpacked now, `root` where it will live.
fn fix_makefile(tmp: &Path, root: &Path, release: &str) -> Result<(), String> {
    let mk = tmp
        .join("usr/src")
        .join(format!("linux-headers-{release}"))
        .join("Makefile");
    let text = std::fs::read_to_string(&mk).map_err(|e| format!("{}: {e}", mk.display()))?;
    let usr_src = root.join("usr/src");
    let fixed: String = text
        .lines()
        .map(|l| match l.strip_prefix("include /usr/src/") {
            Some(rest) => format!("include {}/{rest}\n", usr_src.display()),
            None => format!("{l}\n"),
        })
        .collect();
    if fixed == text {
        return Err(format!(
            "{}: no `include /usr/src/...` line to fix (layout changed?)",
            mk.display()
        ));
    }
    std::fs::write(&mk, fixed).map_err(|e| format!("{}: {e}", mk.display()))
}
