//! Fault injection: the debug kernel's failslab and fail_page_alloc set up,
//! `/proc/thread-self/fail-nth` ([`FailNth`]) and the window it is armed in
//! ([`Window`]).

use super::*;

pub(crate) fn write_debugfs(path: &str, value: &str) {
    std::fs::write(path, value).unwrap_or_else(|e| {
        panic!(
            "{path}: {e}: this kernel has no fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS, \
             CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC): run this suite on the 6.12-debug kernel"
        )
    })
}

/// Makes failslab and fail_page_alloc fail any allocation the task's
/// fail-nth counter picks (GFP_KERNEL ones included, order 0 included),
/// silently (a stack trace per injected fault would fill the log).
pub(crate) fn configure_fault_injection() {
    for (file, value) in [
        ("failslab/ignore-gfp-wait", "N"),
        ("failslab/verbose", "0"),
        ("fail_page_alloc/ignore-gfp-wait", "N"),
        ("fail_page_alloc/ignore-gfp-highmem", "N"),
        ("fail_page_alloc/min-order", "0"),
        ("fail_page_alloc/verbose", "0"),
    ] {
        write_debugfs(&format!("/sys/kernel/debug/{file}"), value);
    }
}

/// The calling thread's `/proc/thread-self/fail-nth`, kept open so that
/// arming and reading it allocate nothing in the window.
pub(crate) struct FailNth(File);

impl FailNth {
    pub(crate) fn open() -> FailNth {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .unwrap_or_else(|e| {
                panic!(
                    "/proc/thread-self/fail-nth: {e}: this kernel has no fault injection \
                     (CONFIG_FAULT_INJECTION): run this suite on the 6.12-debug kernel"
                )
            });
        FailNth(f)
    }

    /// The n-th fault point this thread passes from now fails.
    pub(crate) fn arm(&self, n: u32) {
        self.0.write_at(n.to_string().as_bytes(), 0).unwrap();
    }

    /// Disarms; the fault points that were still to pass before the armed
    /// one (0: the fault was injected).
    pub(crate) fn disarm(&self) -> u32 {
        let mut buf = [0u8; 16];
        let len = self.0.read_at(&mut buf, 0).unwrap();
        let left: u32 = std::str::from_utf8(&buf[..len])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        self.0.write_at(b"0", 0).unwrap();
        left
    }
}

/// The fault window of one run: armed only while a system call of the
/// exchange runs, and re-armed with what is left between them, so that
/// the n-th fault point is the n-th of the kernel's work for the request,
/// never a page fault of this program's own processing in between (whose
/// failed page allocation the kernel reports as "VM_FAULT_OOM leaked out").
pub(crate) struct Window<'a> {
    pub(crate) fail: Option<&'a FailNth>,
    pub(crate) left: u32,
}

impl<'a> Window<'a> {
    /// The `n`-th fault point of the exchange's system calls fails.
    pub(crate) fn new(fail: &'a FailNth, n: u32) -> Window<'a> {
        Window {
            fail: Some(fail),
            left: n,
        }
    }

    /// No fault.
    pub(crate) fn none() -> Window<'static> {
        Window {
            fail: None,
            left: 0,
        }
    }

    /// Whether the fault was injected.
    pub(crate) fn injected(&self) -> bool {
        self.fail.is_some() && self.left == 0
    }

    /// Runs `call` (one system call) armed, unless the fault was injected.
    pub(crate) fn during<T>(&mut self, call: impl FnOnce() -> T) -> T {
        match self.fail {
            Some(f) if self.left > 0 => {
                f.arm(self.left);
                let r = call();
                self.left = f.disarm();
                r
            }
            _ => call(),
        }
    }
}
