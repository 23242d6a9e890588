//! Downloading and unpacking Debian's kernels and headers (never installing).

use std::path::Path;
use std::process::Command;

use super::apt::{self, Apt};
use super::kernel::Kernel;
use super::progress;
use super::toolchain::{self, Toolchain};
use super::{debug_kernel, Series, SeriesSource};
use crate::cache;
use crate::host::{self, HostError};

mod error;
pub use error::FetchError;

const STAMP: &str = ".genl-vm-complete";

/// Whether `root` holds a completely unpacked (or built) kernel.
pub fn is_complete(root: &Path) -> bool {
    root.join(STAMP).is_file()
}

/// An already unpacked release of `series` (newest first), for when apt
/// cannot tell (no index and no network).
pub fn cached_release(cache_dir: &Path, series: &str) -> Option<String> {
    let dir = cache::kernels_dir(cache_dir);
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

/// The release `meta` names in the suite's lists, without refreshing them
/// (`genl vm kernels`), else the newest cached one of `series`.
pub fn known_release(cache_dir: &Path, series: &Series) -> Option<String> {
    match series.source {
        SeriesSource::Debian { meta, suite } => Apt::new(cache_dir, suite)
            .meta_release(meta)
            .or_else(|| cached_release(cache_dir, series.name)),
        SeriesSource::Debug => cached_release(cache_dir, series.name),
    }
}

/// The current release of `series` from its suite's lists: refreshed when
/// missing, older than [`apt::MAX_AGE`] (and not tried since) or not naming
/// `meta`; without the network, the newest cached release.
fn resolve(cache_dir: &Path, series: &Series, apt: &Apt, meta: &str) -> Result<String, FetchError> {
    let mut update = Ok(());
    if apt.lists_age().is_none() || apt.refresh_age().is_none_or(|a| a > apt::MAX_AGE) {
        update = apt.update(cache_dir);
        if let Err(e) = &update {
            progress::warn(format_args!(
                "{}: refreshing the package lists failed: {e}",
                apt.suite().name
            ));
        }
    }
    if let Some(r) = apt.meta_release(meta) {
        return Ok(r);
    }
    if !apt.updated() {
        update = apt.update(cache_dir);
        if let Some(r) = apt.meta_release(meta) {
            return Ok(r);
        }
    }
    if let Some(r) = cached_release(cache_dir, series.name) {
        progress::warn(format_args!(
            "{} does not name a kernel in {}'s lists ({}); using the cached {r}",
            meta,
            apt.suite().name,
            error::refresh_text(&update)
        ));
        return Ok(r);
    }
    Err(FetchError::NotFound {
        meta: meta.to_owned(),
        suite: apt.suite().name,
        update,
    })
}

/// Whether a dependency of a kernel's image or headers package is part of
/// the kernel: its own packages (`*-<release>`: the image, split into
/// `linux-binary-`, `linux-modules-`, `linux-base-` from 7.x on; the arch
/// headers), the shared `-common` headers and the kbuild tools.
fn part_of_kernel(pkg: &str, release: &str) -> bool {
    pkg.starts_with("linux-")
        && (pkg.ends_with(&format!("-{release}"))
            || (pkg.starts_with("linux-headers-") && pkg.ends_with("-common"))
            || pkg.starts_with("linux-kbuild-"))
}

/// The packages of `release`: its image and headers and, transitively,
/// their dependencies that are [`part_of_kernel`].
fn kernel_packages(apt: &Apt, release: &str) -> Result<Vec<String>, FetchError> {
    let mut pkgs = vec![
        format!("linux-image-{release}"),
        format!("linux-headers-{release}"),
    ];
    let mut asked = 0;
    while asked < pkgs.len() {
        let ask: Vec<String> = pkgs[asked..].to_vec();
        asked = pkgs.len();
        let deps = apt.depends(&ask);
        for p in &ask {
            let d = deps.get(p).ok_or_else(|| FetchError::NoPackage {
                suite: apt.suite().name,
                package: p.clone(),
                release: release.to_owned(),
            })?;
            for d in d {
                if part_of_kernel(d, release) && !pkgs.contains(d) {
                    pkgs.push(d.clone());
                }
            }
        }
    }
    Ok(pkgs)
}

/// Fails unless `release` belongs to `series` (`6.12.117+deb12-cloud-amd64`
/// to `6.12`, not `6.1`): a changed apt source must not boot one kernel
/// under another's name. A series without a fixed version (`newest`)
/// takes any release that starts with a version number.
pub fn check_release(series: &Series, release: &str) -> Result<(), FetchError> {
    let digit = |r: &str| r.starts_with(|c: char| c.is_ascii_digit());
    let ok = match series.version {
        Some(v) => release
            .strip_prefix(v)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(digit),
        None => digit(release) && release.contains('.'),
    };
    if ok {
        Ok(())
    } else {
        Err(FetchError::WrongRelease {
            series: series.name,
            release: release.to_owned(),
            version: series.version.unwrap_or("versioned"),
        })
    }
}

/// Fetches (or finds cached, or builds: [`debug_kernel`]) the current
/// kernel of `series` in the cache directory `cache_dir`, and checks that
/// its release belongs to the series. The caller holds the cache lock.
pub fn fetch(cache_dir: &Path, series: &'static Series) -> Result<Kernel, FetchError> {
    let k = match series.source {
        SeriesSource::Debian { meta, suite } => {
            fetch_debian(cache_dir, series, &Apt::new(cache_dir, suite), meta)?
        }
        SeriesSource::Debug => debug_kernel::fetch(cache_dir, series)?,
    };
    check_release(series, &k.release)?;
    Ok(k)
}

fn fetch_debian(
    cache_dir: &Path,
    series: &'static Series,
    apt: &Apt,
    meta: &str,
) -> Result<Kernel, FetchError> {
    let release = resolve(cache_dir, series, apt, meta)?;
    let kernels = cache::kernels_dir(cache_dir);
    let root = kernels.join(&release);
    let mut k = Kernel {
        series: series.name,
        release: release.clone(),
        root: root.clone(),
        cached: true,
        toolchain: Toolchain::Host { cc: None },
    };
    if root.join(STAMP).is_file() {
        k.toolchain = toolchain::prepare(cache_dir, apt.suite(), &k.release, &k.headers())?;
        return Ok(k);
    }
    k.cached = false;
    let pkgs = match kernel_packages(apt, &release) {
        Err(e) if !apt.updated() => {
            progress::warn(format_args!("{e}; refreshing the package lists"));
            apt.update(cache_dir)?;
            return fetch_debian(cache_dir, series, apt, meta);
        }
        r => r?,
    };
    let debs = kernels.join(format!("{release}.debs"));
    let _ = std::fs::remove_dir_all(&debs);
    std::fs::create_dir_all(&debs).map_err(io(&debs))?;
    if let Err(e) = apt.download(cache_dir, &debs, &pkgs) {
        if apt.updated() {
            return Err(e.into());
        }
        // A stale index names files the mirror no longer has (old ABIs
        // leave it): refresh it and pick the release again.
        progress::warn(format_args!("{e}; refreshing the package lists"));
        apt.update(cache_dir)?;
        let _ = std::fs::remove_dir_all(&debs);
        return fetch_debian(cache_dir, series, apt, meta);
    }

    let tmp = kernels.join(format!("{release}.partial"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    for p in &pkgs {
        let deb =
            host::deb_file(&debs, p).ok_or_else(|| FetchError::NoDeb { package: p.clone() })?;
        let st = Command::new("dpkg")
            .arg("-x")
            .arg(&deb)
            .arg(&tmp)
            .status()
            .map_err(|error| HostError::Spawn {
                what: "dpkg -x".into(),
                error,
            })?;
        if !st.success() {
            return Err(HostError::Failed {
                what: format!("dpkg -x {}", deb.display()),
            }
            .into());
        }
    }
    fix_makefile(&tmp, &root, &release)?;
    merged_usr_links(&tmp, &release)?;
    let _ = std::fs::remove_dir_all(&root);
    std::fs::rename(&tmp, &root).map_err(io(&root))?;
    if !k.vmlinuz().is_file() || !k.headers().join("Makefile").is_file() {
        return Err(FetchError::Incomplete {
            release,
            vmlinuz: k.vmlinuz(),
            headers: k.headers(),
        });
    }
    let stamp = format!(
        "series {}\nsuite {}\n{}\n",
        series.name,
        apt.suite().name,
        pkgs.join("\n")
    );
    let stamp_file = root.join(STAMP);
    std::fs::write(&stamp_file, stamp).map_err(io(&stamp_file))?;
    // The .debs are no longer needed once unpacked.
    let _ = std::fs::remove_dir_all(&debs);
    k.toolchain = toolchain::prepare(cache_dir, apt.suite(), &k.release, &k.headers())?;
    Ok(k)
}

crate::error::io_at!(FetchError);

/// Packages of a merged-/usr suite (trixie on) put the modules in
/// `usr/lib/modules/<release>/` and the image there as `vmlinuz`, not in
/// `/boot`: link `lib` and `boot/vmlinuz-<release>` to them, so every
/// unpacked kernel has the classic layout. `tmp` is the unpacked tree.
fn merged_usr_links(tmp: &Path, release: &str) -> Result<(), FetchError> {
    let usr_mods = tmp.join("usr/lib/modules").join(release);
    if !usr_mods.is_dir() {
        return Ok(());
    }
    let lib = tmp.join("lib");
    if !lib.exists() {
        std::os::unix::fs::symlink("usr/lib", &lib).map_err(io(&lib))?;
    }
    let boot = tmp.join("boot");
    let image = boot.join(format!("vmlinuz-{release}"));
    if !image.exists() && usr_mods.join("vmlinuz").is_file() {
        std::fs::create_dir_all(&boot).map_err(io(&boot))?;
        let target = format!("../usr/lib/modules/{release}/vmlinuz");
        std::os::unix::fs::symlink(target, &image).map_err(io(&image))?;
    }
    Ok(())
}

/// The arch headers' Makefile names the `-common` tree (`include
/// /usr/src/...`) and, from 7.x on, its own dir (`KBUILD_OUTPUT=/usr/src/...`)
/// by absolute `/usr/src/...` paths: point them at the unpacked copy.
/// `tmp` is where it is unpacked now, `root` where it will live.
fn fix_makefile(tmp: &Path, root: &Path, release: &str) -> Result<(), FetchError> {
    let mk = tmp
        .join("usr/src")
        .join(format!("linux-headers-{release}"))
        .join("Makefile");
    let text = std::fs::read_to_string(&mk).map_err(io(&mk))?;
    let fixed = relocate_makefile(&text, &root.join("usr/src"));
    if fixed == text {
        return Err(FetchError::MakefileLayout { makefile: mk });
    }
    std::fs::write(&mk, fixed).map_err(io(&mk))
}

/// `text` (a headers Makefile) with the `/usr/src/` that starts an
/// `include` argument or a variable's value replaced by `usr_src`.
fn relocate_makefile(text: &str, usr_src: &Path) -> String {
    let to = format!("{}/", usr_src.display());
    text.lines()
        .map(|l| {
            let l = match l.strip_prefix("include /usr/src/") {
                Some(rest) => format!("include {to}{rest}"),
                None => match l.split_once("=/usr/src/") {
                    Some((var, rest)) if !var.contains(char::is_whitespace) => {
                        format!("{var}={to}{rest}")
                    }
                    _ => l.to_owned(),
                },
            };
            l + "\n"
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::series;

    #[test]
    fn releases_must_belong_to_their_series() {
        let s = series(&[
            "6.1".into(),
            "6.12".into(),
            "6.12-debug".into(),
            "5.10".into(),
            "newest".into(),
        ])
        .unwrap();
        assert!(check_release(s[0], "6.1.0-56-cloud-amd64").is_ok());
        assert!(check_release(s[0], "6.12.117+deb12-cloud-amd64").is_err());
        assert!(check_release(s[1], "6.12.117+deb12-cloud-amd64").is_ok());
        assert!(check_release(s[1], "6.1.0-56-cloud-amd64").is_err());
        assert!(check_release(s[1], "6.120.1").is_err());
        assert!(check_release(s[2], "6.12.117-genl-debug").is_ok());
        let e = check_release(s[0], "6.12.117").unwrap_err();
        assert!(
            matches!(&e, FetchError::WrongRelease { series: "6.1", release, version: "6.1" }
                if release == "6.12.117"),
            "{e:?}"
        );
        assert!(e.to_string().contains("not a 6.1 kernel"), "{e}");
        assert!(check_release(s[3], "5.10.0-46-cloud-amd64").is_ok());
        assert!(check_release(s[3], "5.1.0-1-cloud-amd64").is_err());
        assert!(check_release(s[4], "7.3.4+deb13-cloud-amd64").is_ok());
        assert!(check_release(s[4], "cloud-amd64").is_err());
    }

    #[test]
    fn a_kernel_is_its_own_packages_its_headers_and_kbuild() {
        let r = "7.3.4+deb13-cloud-amd64";
        // Dependencies of linux-image-7.3.4+deb13-cloud-amd64 and
        // linux-headers-7.3.4+deb13-cloud-amd64 in trixie-backports.
        for p in [
            "linux-base-7.3.4+deb13-cloud-amd64",
            "linux-binary-7.3.4+deb13-cloud-amd64",
            "linux-modules-7.3.4+deb13-cloud-amd64",
            "linux-headers-7.3.4+deb13-common",
            "linux-kbuild-7.3.4+deb13",
        ] {
            assert!(part_of_kernel(p, r), "{p}");
        }
        for p in [
            "linux-base",
            "linux-doc-7.3",
            "libelf1t64",
            "gcc-14-for-host",
        ] {
            assert!(!part_of_kernel(p, r), "{p}");
        }
        // bullseye's: linux-kbuild-5.10, linux-headers-5.10.0-46-common.
        let r = "5.10.0-46-cloud-amd64";
        assert!(part_of_kernel("linux-kbuild-5.10", r));
        assert!(part_of_kernel("linux-headers-5.10.0-46-common", r));
        assert!(!part_of_kernel("linux-compiler-gcc-10-x86", r));
    }

    #[test]
    fn merged_usr_kernels_get_the_classic_layout() {
        let tmp = std::env::temp_dir().join(format!("genl-merged-usr-{}", std::process::id()));
        let r = "7.3.4+deb13-cloud-amd64";
        let mods = tmp.join("usr/lib/modules").join(r);
        std::fs::create_dir_all(mods.join("kernel")).unwrap();
        std::fs::write(mods.join("vmlinuz"), b"image").unwrap();
        merged_usr_links(&tmp, r).unwrap();
        let image = std::fs::read(tmp.join("boot").join(format!("vmlinuz-{r}"))).unwrap();
        assert_eq!(image, b"image");
        assert!(tmp.join("lib/modules").join(r).join("kernel").is_dir());
        // A classic layout stays as it is.
        let classic = tmp.join("classic");
        std::fs::create_dir_all(classic.join("lib/modules/6.1.0-57-cloud-amd64")).unwrap();
        merged_usr_links(&classic, "6.1.0-57-cloud-amd64").unwrap();
        assert!(!classic.join("boot").exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn headers_makefiles_point_at_the_unpacked_tree() {
        let to = Path::new("/c/kernels/R/usr/src");
        // linux-headers-5.10.0-46-cloud-amd64's Makefile (bullseye-security).
        assert_eq!(
            relocate_makefile(
                "include /usr/src/linux-headers-5.10.0-46-common/Makefile\n",
                to
            ),
            "include /c/kernels/R/usr/src/linux-headers-5.10.0-46-common/Makefile\n"
        );
        // linux-headers-7.3.4+deb13-cloud-amd64's (trixie-backports).
        assert_eq!(
            relocate_makefile(
                "KBUILD_OUTPUT=/usr/src/linux-headers-7.3.4+deb13-cloud-amd64\n\
                 include /usr/src/linux-headers-7.3.4+deb13-common/Makefile\n",
                to
            ),
            "KBUILD_OUTPUT=/c/kernels/R/usr/src/linux-headers-7.3.4+deb13-cloud-amd64\n\
             include /c/kernels/R/usr/src/linux-headers-7.3.4+deb13-common/Makefile\n"
        );
    }

    #[test]
    fn meta_packages_name_their_release() {
        let deps: Vec<String> = [
            "linux-base-cloud-amd64",
            "linux-image-7.3.4+deb13-cloud-amd64",
            "linux-modules-cloud-amd64",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            apt::release_from_depends(&deps).as_deref(),
            Some("7.3.4+deb13-cloud-amd64")
        );
    }
}
