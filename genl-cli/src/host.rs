//! The host: who we are, which programs it has, Debian packages (through
//! `apt-get` and `dpkg`, the only package tools used), running commands, and
//! file locks.
//!
//! Kernels are only ever *downloaded* (`apt-get download`, through genl's
//! own apt configuration: [`crate::vm::apt`]) and unpacked (`dpkg -x`),
//! never installed: installing a `linux-image` runs the host's initramfs
//! and bootloader hooks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

mod error;
pub use error::HostError;

/// Whether we run as root (needed to install packages).
pub fn is_root() -> bool {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

/// Whether `program` is on `PATH`.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the Debian packages of `packages` that are missing (as root,
/// `--no-install-recommends`; otherwise an error naming them). Runs
/// `apt-get update` first, at most once per process. Threads of one
/// process install one after the other; another process's `apt-get` or
/// `dpkg` is waited for (up to 10 minutes), not failed on.
pub fn apt_install(packages: &[&str]) -> Result<(), HostError> {
    let missing = missing_packages(packages);
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(HostError::NotRoot {
            missing: missing.iter().map(|p| p.to_string()).collect(),
        });
    }
    let mut updated = APT.lock().unwrap_or_else(|p| p.into_inner());
    // Another thread may have installed them while this one waited.
    let missing = missing_packages(packages);
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing Debian packages: {}", missing.join(" "));
    update_once(&mut updated)?;
    let st = Command::new("apt-get")
        .args(["-qq", "-y", "--no-install-recommends"])
        .args(["-o", DPKG_LOCK_WAIT, "install"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|error| HostError::Spawn {
            what: "apt-get".into(),
            error,
        })?;
    if st.success() {
        Ok(())
    } else {
        Err(HostError::Failed {
            what: format!("apt-get install {missing:?}"),
        })
    }
}

/// The packages of `packages` dpkg does not list as installed.
fn missing_packages<'p>(packages: &[&'p str]) -> Vec<&'p str> {
    packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect()
}

/// The host's package database is changed by one thread of this process at
/// a time (`apt-get` fails at once on a lock another holds); the flag says
/// whether `apt-get update` ran.
static APT: Mutex<bool> = Mutex::new(false);

/// `apt-get` waits this long for another process's lock on the package
/// database instead of failing.
const DPKG_LOCK_WAIT: &str = "DPkg::Lock::Timeout=600";

/// `apt-get update` of the host's sources, at most once per process (later
/// calls return `Ok`).
pub(crate) fn apt_update() -> Result<(), HostError> {
    update_once(&mut APT.lock().unwrap_or_else(|p| p.into_inner()))
}

/// [`apt_update`], with [`APT`] held (`updated` its flag).
fn update_once(updated: &mut bool) -> Result<(), HostError> {
    if std::mem::replace(updated, true) {
        return Ok(());
    }
    println!("apt-get update");
    let st = Command::new("apt-get")
        .args(["-qq", "-o", DPKG_LOCK_WAIT, "update"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|error| HostError::Spawn {
            what: "apt-get update".into(),
            error,
        })?;
    if st.success() {
        Ok(())
    } else {
        Err(HostError::Failed {
            what: "apt-get update".into(),
        })
    }
}

/// The downloaded `.deb` of `pkg` in `dir` (`pkg_version_arch.deb`).
pub(crate) fn deb_file(dir: &Path, pkg: &str) -> Option<PathBuf> {
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

/// `apt-get download`s into `dir` those of `pkgs` not yet there.
pub(crate) fn apt_download(dir: &Path, pkgs: &[String]) -> Result<(), HostError> {
    let missing: Vec<&String> = pkgs.iter().filter(|p| deb_file(dir, p).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let st = Command::new("apt-get")
        .args(["-qq", "-o", "APT::Sandbox::User=root", "download"])
        .args(&missing)
        .current_dir(dir)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|error| HostError::Spawn {
            what: "apt-get download".into(),
            error,
        })?;
    if st.success() {
        Ok(())
    } else {
        Err(HostError::Failed {
            what: format!("apt-get download {missing:?}"),
        })
    }
}

/// Runs `cmd` (stdin `/dev/null`) and returns its stdout; when it fails, an
/// error with `what`, its status, stdout and stderr.
pub fn output(cmd: &mut Command, what: &str) -> Result<String, HostError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|error| HostError::Spawn {
            what: what.to_string(),
            error,
        })?;
    if !out.status.success() {
        return Err(HostError::CommandFailed {
            what: what.to_string(),
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// An exclusive `flock` on a file, held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Locks `dir/lock` (creating `dir`), waiting for the holder to finish;
    /// `who` says in the waiting message what holds it.
    pub fn acquire(dir: &Path, who: &str) -> Result<Lock, HostError> {
        use std::os::fd::AsRawFd;
        extern "C" {
            fn flock(fd: i32, op: i32) -> i32;
        }
        const LOCK_EX: i32 = 2;
        const LOCK_NB: i32 = 4;
        std::fs::create_dir_all(dir).map_err(|error| HostError::Io {
            path: dir.to_path_buf(),
            error,
        })?;
        let path = dir.join("lock");
        let f = match std::fs::File::create(&path) {
            Ok(f) => f,
            Err(error) => return Err(HostError::Io { path, error }),
        };
        // SAFETY: flock on a file descriptor we own; no memory is involved.
        if unsafe { flock(f.as_raw_fd(), LOCK_EX | LOCK_NB) } != 0 {
            println!("waiting for {who} to finish (lock {})", path.display());
            // SAFETY: as above.
            if unsafe { flock(f.as_raw_fd(), LOCK_EX) } != 0 {
                return Err(HostError::Io {
                    path,
                    error: std::io::Error::last_os_error(),
                });
            }
        }
        Ok(Lock { _file: f })
    }
}
