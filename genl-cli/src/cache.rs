//! Where `genl` keeps what it downloads (shared by every project of a user)
//! and what it builds (per project).
//!
//! The per-user cache directory is, first match wins:
//! 1. `$GENL_CACHE_DIR` (made absolute against the current directory),
//! 2. `$XDG_CACHE_HOME/genl` (ignored unless absolute, as the XDG base
//!    directory spec says),
//! 3. `$HOME/.cache/genl`.
//!
//! Empty variables count as unset. Inside it:
//! - `kernels/<release>/`: a Debian kernel image + headers, unpacked with
//!   `dpkg -x` (never installed); `kernels/<release>.debs/` while downloading.
//! - `linux-source-6.12/`: the parts of Debian's `linux-source-6.12` the YNL
//!   tools and checkpatch need.
//! - `debs/`: Debian's `linux-source-6.12` package (≈ 150 MB), kept for the
//!   debug kernel.
//! - `kernels/debug-<key>/`: the debug kernel (`genl vm test --kernels
//!   6.12-debug`), built from it once per configuration (`<key>` hashes the
//!   configuration fragment and the build recipe; see
//!   [`crate::vm::debug_kernel`]): `boot/`, `lib/modules/`, and the built
//!   tree in `usr/src/` that modules build against.
//! - `crates/genl-<version>-<hash>/`: the genl library crates the tool
//!   carries, written on first use; projects made by `genl new` build
//!   against them through their `.genl/crates` link (see
//!   [`crate::vendor`]; `genl sync` writes them again when missing).
//! - `apt/<suite>/`: genl's own apt configuration of a Debian suite
//!   (`sources.list`, package lists, an empty dpkg status; see
//!   [`crate::vm::apt`]): kernels come from any suite without the host's
//!   apt sources.
//! - `roots/<suite>-<key>/`: a root of a Debian suite made with mmdebstrap
//!   (`<key>` hashes its package list), where modules build for kernels
//!   built by a newer gcc than the host's ([`crate::vm::toolchain`]);
//!   `roots/<suite>-<key>.log` is mmdebstrap's log.
//! - `timings`: how long each long preparation step (root, downloads) took
//!   last time, shown while it runs again.
//! - `lock`: held while downloading or unpacking, so two runs (two projects,
//!   CI and a developer) never unpack into the same place at once.
//!
//! Build products stay with the project, in `<project>/target/genl-vm/`
//! ([`project_work_dir`]): module build dirs, initramfs images, the guest
//! programs' cargo target dir, C helpers and console logs, with a `lock` of
//! their own.

use std::path::{Path, PathBuf};

use crate::host::{HostError, Lock};

/// Why the cache directory is unknown. `Display` is the message `genl`
/// prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum CacheDirError {
    /// The current directory (against which a relative `GENL_CACHE_DIR`
    /// is taken) is unknown.
    CurrentDir(std::io::Error),
    /// None of `GENL_CACHE_DIR`, `XDG_CACHE_HOME` (absolute) and `HOME` is
    /// set.
    Unset,
}

impl std::fmt::Display for CacheDirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheDirError::CurrentDir(e) => write!(f, "current directory: {e}"),
            CacheDirError::Unset => {
                f.write_str("no cache directory: set GENL_CACHE_DIR (or XDG_CACHE_HOME or HOME)")
            }
        }
    }
}

impl std::error::Error for CacheDirError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CacheDirError::CurrentDir(e) => Some(e),
            CacheDirError::Unset => None,
        }
    }
}

crate::error::into_text!(CacheDirError);

/// The per-user cache directory (see the [module docs](self)), from the
/// process environment.
pub fn cache_dir() -> Result<PathBuf, CacheDirError> {
    let cwd = std::env::current_dir().map_err(CacheDirError::CurrentDir)?;
    cache_dir_from(|k| std::env::var_os(k).map(PathBuf::from), &cwd)
}

/// The rules of [`cache_dir`] over any environment (`env` returns a
/// variable's value); `cwd` makes a relative `GENL_CACHE_DIR` absolute.
pub fn cache_dir_from(
    env: impl Fn(&str) -> Option<PathBuf>,
    cwd: &Path,
) -> Result<PathBuf, CacheDirError> {
    let get = |k: &str| env(k).filter(|v| !v.as_os_str().is_empty());
    if let Some(d) = get("GENL_CACHE_DIR") {
        return Ok(cwd.join(d));
    }
    if let Some(d) = get("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Ok(d.join("genl"));
    }
    if let Some(h) = get("HOME") {
        return Ok(cwd.join(h).join(".cache").join("genl"));
    }
    Err(CacheDirError::Unset)
}

/// `<cache>/kernels`: unpacked Debian kernels, one directory per release.
pub fn kernels_dir(cache: &Path) -> PathBuf {
    cache.join("kernels")
}

/// Locks the cache directory for a download or unpack (waits for the
/// holder). Never take it while already holding it in the same process.
pub fn lock_cache(cache: &Path) -> Result<Lock, HostError> {
    Lock::acquire(cache, "another genl run downloading into the same cache")
}

/// `<project>/target/genl-vm`: the project's build products.
pub fn project_work_dir(project_root: &Path) -> PathBuf {
    project_root.join("target").join("genl-vm")
}

/// Locks a project's build directory for a whole `vm build|test|shell` run:
/// two runs at once would clobber each other's build dirs and images.
pub fn lock_project(work_dir: &Path) -> Result<Lock, HostError> {
    Lock::acquire(work_dir, "another `genl vm` run of this project")
}

/// 64-bit FNV-1a: a cache key or a content name, not a security measure.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn dir(vars: &[(&str, &str)]) -> Result<PathBuf, CacheDirError> {
        let m: BTreeMap<String, PathBuf> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), PathBuf::from(v)))
            .collect();
        cache_dir_from(|k| m.get(k).cloned(), Path::new("/cwd"))
    }

    #[test]
    fn genl_cache_dir_wins() {
        let all = [
            ("GENL_CACHE_DIR", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(dir(&all).unwrap(), PathBuf::from("/c"));
        // Relative: against the current directory.
        assert_eq!(
            dir(&[("GENL_CACHE_DIR", "rel/c")]).unwrap(),
            PathBuf::from("/cwd/rel/c")
        );
    }

    #[test]
    fn then_xdg_cache_home_then_home() {
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]).unwrap(),
            PathBuf::from("/x/genl")
        );
        assert_eq!(
            dir(&[("HOME", "/h")]).unwrap(),
            PathBuf::from("/h/.cache/genl")
        );
    }

    #[test]
    fn empty_and_relative_xdg_values_are_ignored() {
        assert_eq!(
            dir(&[
                ("GENL_CACHE_DIR", ""),
                ("XDG_CACHE_HOME", ""),
                ("HOME", "/h")
            ])
            .unwrap(),
            PathBuf::from("/h/.cache/genl")
        );
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/h")]).unwrap(),
            PathBuf::from("/h/.cache/genl")
        );
        let err = dir(&[]).unwrap_err();
        assert!(matches!(err, CacheDirError::Unset), "{err:?}");
        assert!(err.to_string().contains("GENL_CACHE_DIR"), "{err}");
    }

    #[test]
    fn layout() {
        let c = Path::new("/c");
        assert_eq!(kernels_dir(c), PathBuf::from("/c/kernels"));
        assert_eq!(
            project_work_dir(Path::new("/p")),
            PathBuf::from("/p/target/genl-vm")
        );
    }
}
