//! Downloading and unpacking Debian's kernels and headers (never installing).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{debug_kernel, Series, SeriesSource};
use crate::cache;
use crate::host::{self, apt_depends as depends};

/// A kernel unpacked under `<cache>/kernels/<release>/`.
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

fn release_from_meta(meta: &str) -> Option<String> {
    depends(meta)?
        .iter()
        .find_map(|d| d.strip_prefix("linux-image-").map(str::to_owned))
}

/// An already unpacked release of `series` (newest first), for when apt
/// cannot tell (no index and no network).
fn cached_release(cache_dir: &Path, series: &str) -> Option<String> {
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

fn resolve(cache_dir: &Path, series: &Series, meta: &str) -> Result<String, String> {
    if let Some(r) = release_from_meta(meta) {
        return Ok(r);
    }
    let update = host::apt_update();
    if let Some(r) = release_from_meta(meta) {
        return Ok(r);
    }
    if let Some(r) = cached_release(cache_dir, series.name) {
        eprintln!("vm: apt does not know {meta} ({update:?}); using the cached {r}");
        return Ok(r);
    }
    Err(format!(
        "cannot find Debian package {meta} (apt-get update: {update:?})"
    ))
}

/// Fails unless `release` belongs to `series` (`6.12.117+deb12-cloud-amd64`
/// to `6.12`, not `6.1`): a changed apt source must not boot one kernel
/// under another's name.
pub fn check_release(series: &Series, release: &str) -> Result<(), String> {
    let ok = release
        .strip_prefix(series.version)
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "kernel series {} resolved to release {release}, which is not a {} kernel",
            series.name, series.version
        ))
    }
}

/// Fetches (or finds cached, or builds: [`debug_kernel`]) the current
/// kernel of `series` in the cache directory `cache_dir`, and checks that
/// its release belongs to the series. The caller holds the cache lock.
pub fn fetch(cache_dir: &Path, series: &'static Series) -> Result<Kernel, String> {
    let k = match series.source {
        SeriesSource::Debian { meta } => fetch_debian(cache_dir, series, meta)?,
        SeriesSource::Debug => debug_kernel::fetch(cache_dir, series)?,
    };
    check_release(series, &k.release)?;
    Ok(k)
}

fn fetch_debian(cache_dir: &Path, series: &'static Series, meta: &str) -> Result<Kernel, String> {
    let release = resolve(cache_dir, series, meta)?;
    let kernels = cache::kernels_dir(cache_dir);
    let root = kernels.join(&release);
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
            host::apt_update()?;
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

    let debs = kernels.join(format!("{release}.debs"));
    std::fs::create_dir_all(&debs).map_err(|e| format!("{}: {e}", debs.display()))?;
    if let Err(e) = host::apt_download(&debs, &pkgs) {
        if host::apt_updated() {
            return Err(e);
        }
        // A stale index names files the mirror no longer has (old ABIs
        // leave it): refresh it and pick the release again.
        eprintln!("vm: {e}; refreshing the package index");
        host::apt_update()?;
        let _ = std::fs::remove_dir_all(&debs);
        return fetch_debian(cache_dir, series, meta);
    }

    let tmp = kernels.join(format!("{release}.partial"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    for p in &pkgs {
        let deb = host::deb_file(&debs, p).ok_or_else(|| format!("{p}: no .deb downloaded"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::series;

    #[test]
    fn releases_must_belong_to_their_series() {
        let s = series(&["6.1".into(), "6.12".into(), "6.12-debug".into()]).unwrap();
        assert!(check_release(s[0], "6.1.0-56-cloud-amd64").is_ok());
        assert!(check_release(s[0], "6.12.117+deb12-cloud-amd64").is_err());
        assert!(check_release(s[1], "6.12.117+deb12-cloud-amd64").is_ok());
        assert!(check_release(s[1], "6.1.0-56-cloud-amd64").is_err());
        assert!(check_release(s[1], "6.120.1").is_err());
        assert!(check_release(s[2], "6.12.117-genl-debug").is_ok());
        let e = check_release(s[0], "6.12.117").unwrap_err();
        assert!(e.contains("not a 6.1 kernel"), "{e}");
    }
}
