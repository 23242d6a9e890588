//! What [`test()`](super::test) returns: each kernel's outcome, printed as
//! the VM summary, and the errors a run stops with.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::boot::{BootError, GuestFailure};
use super::guest::GuestError;
use super::kernels::FetchError;
use super::kmod::KmodError;
use super::rev::RevError;
use crate::cache::CacheDirError;
use crate::host::HostError;
use crate::kernel_source::SourceError;
use crate::project::ProjectError;

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
    pub verdict: Result<(), KernelFailure>,
}

/// Why a kernel failed in a [`VmReport`]. `Display` is the reason the
/// summary shows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KernelFailure {
    /// The module dir did not build against it.
    ModuleBuild {
        /// The `--module-rev` commit, when it was that revision's copy.
        rev: Option<String>,
        /// Why.
        error: Arc<KmodError>,
    },
    /// Its guest could not be made or booted.
    Run(Arc<VmError>),
    /// Its guest failed: the verdict, the release it booted, the test
    /// counts, each that failed.
    Guest(Vec<GuestFailure>),
}

impl fmt::Display for KernelFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelFailure::ModuleBuild { rev: None, error } => {
                write!(f, "module build failed: {error}")
            }
            KernelFailure::ModuleBuild {
                rev: Some(commit),
                error,
            } => write!(f, "module build failed: module dir at {commit}: {error}"),
            KernelFailure::Run(e) => e.fmt(f),
            KernelFailure::Guest(failures) => {
                for (i, e) in failures.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for KernelFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KernelFailure::ModuleBuild { error, .. } => Some(error.as_ref()),
            KernelFailure::Run(e) => Some(e.as_ref()),
            KernelFailure::Guest(_) => None,
        }
    }
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
    Host(HostError),
    /// A kernel could not be fetched.
    Fetch(FetchError),
    /// The module dir has no `Kbuild` or `Makefile`.
    NoModuleDir {
        /// The module dir.
        dir: PathBuf,
    },
    /// The plan names no kernel.
    NoKernel,
    /// The modules did not build (`vm build`, `vm shell`).
    Kmod(KmodError),
    /// The module dir at `--module-rev` could not be had.
    Rev(RevError),
    /// The guest programs, helpers or initramfs could not be made.
    Guest(GuestError),
    /// The guest's python and YNL CLI could not be had.
    Source(SourceError),
    /// The shell's boot could not be run.
    Boot(BootError),
    /// The run completed, and these series' kernels failed (each one's
    /// reasons are in the [`VmReport`]).
    KernelsFailed(Vec<&'static str>),
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VmError::Host(e) => e.fmt(f),
            VmError::Fetch(e) => e.fmt(f),
            VmError::NoModuleDir { dir } => write!(
                f,
                "module source dir {} has no Kbuild or Makefile (not written yet?); \
                 set [vm] module-dir in genl.toml or pass --module-dir DIR",
                dir.display()
            ),
            VmError::NoKernel => f.write_str("no kernel selected"),
            VmError::Kmod(e) => e.fmt(f),
            VmError::Rev(e) => e.fmt(f),
            VmError::Guest(e) => e.fmt(f),
            VmError::Source(e) => e.fmt(f),
            VmError::Boot(e) => e.fmt(f),
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
            VmError::Fetch(e) => Some(e),
            VmError::Kmod(e) => Some(e),
            VmError::Rev(e) => Some(e),
            VmError::Guest(e) => Some(e),
            VmError::Source(e) => Some(e),
            VmError::Boot(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(VmError {
    Host(HostError),
    Fetch(FetchError),
    Kmod(KmodError),
    Rev(RevError),
    Guest(GuestError),
    Source(SourceError),
    Boot(BootError),
});
crate::error::into_text!(VmError);

/// Why a [`Plan`](super::Plan) or the [`Overrides`](super::Overrides)
/// could not be made. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlanError {
    /// `GENL_VM_TIMEOUT` is not a number of seconds.
    Timeout {
        /// Its value.
        value: String,
    },
    /// A kernel series no one knows.
    UnknownKernel {
        /// The name asked for.
        name: String,
        /// The series there are.
        known: Vec<&'static str>,
    },
    /// A `[[vm.guest]]`'s `kernels` is wrong.
    GuestKernels {
        /// The guest program's target name.
        target: String,
        /// What is wrong.
        error: Box<PlanError>,
    },
    /// A `--guest-bin` is wrong.
    Guest(GuestError),
    /// A `[[vm.guest]]` with `ynl = true` and no family spec.
    NeedsSpec(ProjectError),
    /// The project has no module dir.
    Project(ProjectError),
    /// The cache directory cannot be found.
    Cache(CacheDirError),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Timeout { value } => {
                write!(f, "GENL_VM_TIMEOUT: not a number of seconds: {value:?}")
            }
            PlanError::UnknownKernel { name, known } => {
                write!(f, "unknown kernel {name:?}; known: {}", known.join(", "))
            }
            PlanError::GuestKernels { target, error } => {
                write!(f, "[[vm.guest]] `{target}`: kernels: {error}")
            }
            PlanError::Guest(e) => e.fmt(f),
            PlanError::NeedsSpec(e) => write!(
                f,
                "a [[vm.guest]] with ynl = true needs the family's YNL spec: {e}"
            ),
            PlanError::Project(e) => e.fmt(f),
            PlanError::Cache(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlanError::GuestKernels { error, .. } => Some(error.as_ref()),
            PlanError::Guest(e) => Some(e),
            PlanError::NeedsSpec(e) | PlanError::Project(e) => Some(e),
            PlanError::Cache(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(PlanError {
    Guest(GuestError),
    Project(ProjectError),
    Cache(CacheDirError),
});
crate::error::into_text!(PlanError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_kernel_in_a_guest_program_names_both() {
        let e = PlanError::GuestKernels {
            target: "vm_e2e".into(),
            error: Box::new(PlanError::UnknownKernel {
                name: "4.19".into(),
                known: vec!["5.10", "6.1"],
            }),
        };
        assert_eq!(
            e.to_string(),
            "[[vm.guest]] `vm_e2e`: kernels: unknown kernel \"4.19\"; known: 5.10, 6.1"
        );
    }

    #[test]
    fn a_failed_kernel_lists_each_reason() {
        let e = KernelFailure::Guest(vec![
            GuestFailure::Failed {
                reasons: "rmmod genl_demo failed".into(),
            },
            GuestFailure::NoRelease,
        ]);
        assert_eq!(
            e.to_string(),
            "rmmod genl_demo failed; the guest never reported its kernel release"
        );
        let e = KernelFailure::ModuleBuild {
            rev: Some("0123abcd".into()),
            error: Arc::new(KmodError::NoModule {
                src: PathBuf::from("/w/rev/0123abcd/kernel"),
            }),
        };
        assert_eq!(
            e.to_string(),
            "module build failed: module dir at 0123abcd: /w/rev/0123abcd/kernel produced no .ko"
        );
    }

    #[test]
    fn a_module_dir_without_kbuild_says_how_to_name_another() {
        let e = VmError::NoModuleDir {
            dir: PathBuf::from("/p/kernel"),
        };
        assert_eq!(
            e.to_string(),
            "module source dir /p/kernel has no Kbuild or Makefile (not written yet?); \
             set [vm] module-dir in genl.toml or pass --module-dir DIR"
        );
    }
}
