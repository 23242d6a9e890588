//! What [`test()`](super::test) returns: each kernel's outcome, printed as
//! the VM summary, and the errors a run stops with.

use std::fmt;
use std::time::Duration;

/// One kernel's outcome in [`VmReport`].
#[derive(Debug, Clone)]
pub struct KernelOutcome {
    /// The series (`6.1`, `6.12-debug`, ...).
    pub series: &'static str,
    /// `uname -r` of the kernel booted.
    pub release: String,
    /// Time spent fetching the kernel (or finding it cached).
    pub fetch: Duration,
    /// Time spent building the module dir against it.
    pub build: Duration,
    /// Boot to the guest's verdict, if it booted.
    pub boot: Option<Duration>,
    /// The guest's per-program result lines.
    pub results: Vec<String>,
    /// PASS, or why it failed.
    pub verdict: Result<(), String>,
}

/// What `genl vm test` found, kernel by kernel; its [`Display`](fmt::Display)
/// is the VM summary.
#[derive(Debug, Clone, Default)]
pub struct VmReport {
    /// One per kernel of the plan, in its order.
    pub kernels: Vec<KernelOutcome>,
}

impl VmReport {
    /// The series whose kernel failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.kernels
            .iter()
            .filter(|o| o.verdict.is_err())
            .map(|o| o.series)
            .collect()
    }

    /// `Ok` if every kernel passed, else [`VmError::KernelsFailed`].
    pub fn verdict(&self) -> Result<(), VmError> {
        let failed = self.failed();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(VmError::KernelsFailed(failed))
        }
    }
}

impl fmt::Display for VmReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n==================== VM summary ====================")?;
        for o in &self.kernels {
            writeln!(
                f,
                "{:>4}  {} ({})  fetch {:.1}s, module build {:.1}s, boot-to-result {}",
                if o.verdict.is_ok() { "PASS" } else { "FAIL" },
                o.series,
                o.release,
                o.fetch.as_secs_f64(),
                o.build.as_secs_f64(),
                o.boot
                    .map(|d| format!("{:.1}s", d.as_secs_f64()))
                    .unwrap_or_else(|| "-".into()),
            )?;
            for r in &o.results {
                writeln!(f, "        {r}")?;
            }
            if let Err(e) = &o.verdict {
                writeln!(f, "        {e}")?;
            }
        }
        Ok(())
    }
}

/// Why a VM run failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum VmError {
    /// The cache or project lock could not be taken, or the host's tools
    /// not installed.
    Host(crate::host::HostError),
    /// The run stopped without a verdict for each kernel: the cache or
    /// project lock, a kernel's download, the host tools, the guest
    /// programs' build, the shell's boot, ... (the message names what and
    /// where).
    Stopped(String),
    /// The run completed, and these series' kernels failed (each one's
    /// reasons are in the [`VmReport`]).
    KernelsFailed(Vec<&'static str>),
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VmError::Host(e) => e.fmt(f),
            VmError::Stopped(e) => f.write_str(e),
            VmError::KernelsFailed(series) => {
                write!(f, "VM suites failed on kernel(s) {}", series.join(", "))
            }
        }
    }
}

impl std::error::Error for VmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VmError::Host(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(VmError { Host(crate::host::HostError), Stopped(String) });
crate::error::into_text!(VmError);
