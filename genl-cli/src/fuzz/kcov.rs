//! Coverage from the kernel: KCOV (`/sys/kernel/debug/kcov`) in
//! `KCOV_TRACE_PC` mode, for the fuzzer's own thread. The debug kernel is
//! built with `CONFIG_KCOV` but without `KCOV_INSTRUMENT_ALL`, and the
//! module under test with `KCOV_INSTRUMENT=y`: the PCs recorded are the
//! module's (kept only if they fall in its text, from `/proc/modules`).
//! A recorded PC is the return address of a `__sanitizer_cov_trace_pc`
//! call, one per basic block.

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// `_IOR('c', 1, unsigned long)`.
const KCOV_INIT_TRACE: libc::c_ulong = 0x8008_6301;
/// `_IO('c', 100)`.
const KCOV_ENABLE: libc::c_ulong = 0x6364;
/// `KCOV_TRACE_PC`.
const KCOV_TRACE_PC: libc::c_ulong = 0;
/// Entries of the trace buffer.
const COVER_SIZE: usize = 1 << 18;

/// KCOV's debugfs file.
const KCOV_PATH: &str = "/sys/kernel/debug/kcov";

/// Why there is no coverage: KCOV ([`Kcov::open`]) or the module's place
/// ([`ModuleRange::of`]) is unknown. The guest says it in its start line.
#[derive(Debug)]
#[non_exhaustive]
pub enum KcovError {
    /// `/proc/modules` could not be read.
    ProcModules(io::Error),
    /// The module is not loaded, or its address is hidden.
    NoModule {
        /// The module's name.
        name: String,
    },
    /// KCOV's file could not be opened: no `CONFIG_KCOV`, or no debugfs.
    Open(io::Error),
    /// An ioctl setting KCOV up failed.
    Ioctl {
        /// The request: `KCOV_INIT_TRACE` or `KCOV_ENABLE`.
        request: &'static str,
        /// What the system said.
        error: io::Error,
    },
    /// Mapping KCOV's trace buffer failed.
    Mmap(io::Error),
}

impl fmt::Display for KcovError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KcovError::ProcModules(e) => write!(f, "/proc/modules: {e}"),
            KcovError::NoModule { name } => write!(
                f,
                "module {name} is not in /proc/modules (or its address is hidden)"
            ),
            KcovError::Open(e) => write!(
                f,
                "{KCOV_PATH}: {e} (a kernel without CONFIG_KCOV, or no debugfs)"
            ),
            KcovError::Ioctl { request, error } => write!(f, "{request}: {error}"),
            KcovError::Mmap(e) => write!(f, "kcov mmap: {e}"),
        }
    }
}

impl std::error::Error for KcovError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KcovError::ProcModules(e) | KcovError::Open(e) | KcovError::Mmap(e) => Some(e),
            KcovError::Ioctl { error, .. } => Some(error),
            KcovError::NoModule { .. } => None,
        }
    }
}

/// Where a module sits in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleRange {
    /// Its text's start.
    pub start: u64,
    /// Its size (`/proc/modules`).
    pub size: u64,
}

impl ModuleRange {
    /// Finds `name` in `/proc/modules` (root sees the addresses).
    pub fn of(name: &str) -> Result<ModuleRange, KcovError> {
        let text = std::fs::read_to_string("/proc/modules").map_err(KcovError::ProcModules)?;
        Self::parse(&text, name).ok_or_else(|| KcovError::NoModule {
            name: name.to_owned(),
        })
    }

    /// Parses a `/proc/modules` text.
    pub fn parse(text: &str, name: &str) -> Option<ModuleRange> {
        text.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.first() != Some(&name) || f.len() < 6 {
                return None;
            }
            let size = f[1].parse().ok()?;
            let start = u64::from_str_radix(f[5].trim_start_matches("0x"), 16).ok()?;
            (start != 0).then_some(ModuleRange { start, size })
        })
    }

    /// Whether `pc` is in the module.
    pub fn contains(&self, pc: u64) -> bool {
        pc >= self.start && pc - self.start < self.size
    }
}

/// An enabled KCOV handle of this thread.
pub struct Kcov {
    _fd: OwnedFd,
    area: *mut u64,
}

// SAFETY: the mapping belongs to the handle; it is only used by the thread
// that enabled it (the fuzzer's one thread), never shared.
unsafe impl Send for Kcov {}

impl Kcov {
    /// Opens and enables KCOV for the calling thread.
    pub fn open() -> Result<Kcov, KcovError> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(KCOV_PATH)
            .map_err(KcovError::Open)?;
        let fd = OwnedFd::from(f);
        let raw = fd.as_raw_fd();
        // SAFETY: ioctls and mmap on the kcov fd, as Documentation/dev-tools/kcov.rst does.
        unsafe {
            if libc::ioctl(raw, KCOV_INIT_TRACE, COVER_SIZE as libc::c_ulong) != 0 {
                return Err(KcovError::Ioctl {
                    request: "KCOV_INIT_TRACE",
                    error: io::Error::last_os_error(),
                });
            }
            let area = libc::mmap(
                std::ptr::null_mut(),
                COVER_SIZE * 8,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                raw,
                0,
            );
            if area == libc::MAP_FAILED {
                return Err(KcovError::Mmap(io::Error::last_os_error()));
            }
            if libc::ioctl(raw, KCOV_ENABLE, KCOV_TRACE_PC) != 0 {
                return Err(KcovError::Ioctl {
                    request: "KCOV_ENABLE",
                    error: io::Error::last_os_error(),
                });
            }
            Ok(Kcov {
                _fd: fd,
                area: area.cast(),
            })
        }
    }

    /// Starts a new trace.
    pub fn reset(&mut self) {
        // SAFETY: area[0] is the kernel's count; writing it restarts the trace.
        unsafe { std::ptr::write_volatile(self.area, 0) };
    }

    /// The PCs recorded since [`Kcov::reset`], in order.
    pub fn pcs(&self) -> Vec<u64> {
        // SAFETY: area holds COVER_SIZE u64s; the count is clamped to it.
        unsafe {
            let n = (std::ptr::read_volatile(self.area) as usize).min(COVER_SIZE - 1);
            (1..=n)
                .map(|i| std::ptr::read_volatile(self.area.add(i)))
                .collect()
        }
    }
}

/// What the fuzzer has reached: module PCs and edges (pairs of PCs in one
/// trace).
#[derive(Debug, Default, Clone)]
pub struct Coverage {
    /// PCs, as offsets in the module.
    pub pcs: HashSet<u64>,
    /// Edges (hashed pairs of consecutive PCs).
    pub edges: HashSet<u64>,
}

impl Coverage {
    /// Adds one trace of `range`'s PCs; the number of new edges and PCs.
    pub fn add(&mut self, range: &ModuleRange, trace: &[u64]) -> usize {
        let mut new = 0;
        let mut prev = 0u64;
        for &pc in trace {
            if !range.contains(pc) {
                continue;
            }
            let off = pc - range.start;
            if self.pcs.insert(off) {
                new += 1;
            }
            let e = (prev.rotate_left(17) ^ off).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            if self.edges.insert(e) {
                new += 1;
            }
            prev = off;
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_ranges_come_from_proc_modules() {
        let t = "nlmon 12288 0 - Live 0xffffffffc0010000\n\
                 genl_demo 45056 0 - Live 0xffffffffc0200000 (O)\n\
                 hidden 4096 0 - Live 0x0000000000000000\n";
        let r = ModuleRange::parse(t, "genl_demo").unwrap();
        assert_eq!(r.start, 0xffff_ffff_c020_0000);
        assert!(r.contains(0xffff_ffff_c020_0000 + 45055));
        assert!(!r.contains(0xffff_ffff_c020_0000 + 45056));
        assert_eq!(
            ModuleRange::parse(t, "hidden"),
            None,
            "a hidden address is no range"
        );
        assert_eq!(ModuleRange::parse(t, "genl"), None);
        let mut c = Coverage::default();
        let pcs = [r.start + 5, r.start + 9, 0xffff_ffff_8100_0000, r.start + 5];
        assert_eq!(c.add(&r, &pcs), 2 + 3);
        assert_eq!(c.add(&r, &pcs), 0);
        assert_eq!(c.pcs.len(), 2);
    }
}
