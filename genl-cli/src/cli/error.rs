//! What can go wrong on `genl`'s command line ([`CliError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use genl_ynl::uapi::UapiReadError;
use genl_ynl::wireshark::DissectorSpecError;
use genl_ynl::ImportError;

use crate::cache::CacheDirError;
use crate::check::compat::CompatError;
use crate::check::CheckError;
use crate::ctrl::CtrlError;
use crate::fuzz::error::{FuzzError, FuzzerError};
use crate::generate::GenerateError;
use crate::project::ProjectError;
use crate::scaffold::ScaffoldError;
use crate::trace::TraceError;
use crate::vendor::VendorError;
use crate::vm::{PlanError, VmError};
use crate::ynl::YnlError;

/// Why a `genl` command ([`run`](super::run), [`run_args`](super::run_args),
/// [`vm_command`](super::vm_command), ...) failed: the error of the module
/// that carried it out, or what the command line itself found wrong.
/// `Display` is the message `genl` prints (after `genl COMMAND: `).
#[derive(Debug)]
#[non_exhaustive]
pub enum CliError {
    /// The command line does not parse (clap's message, usage included).
    Usage(clap::Error),
    /// The project could not be found or loaded, or lacks what the command
    /// needs from it.
    Project(ProjectError),
    /// What the project needs from this tool could not be restored
    /// (`genl sync`, and every project command first).
    Vendor(VendorError),
    /// `genl new` could not create the project.
    Scaffold(ScaffoldError),
    /// `genl generate` failed, or with `--check` found stale files.
    Generate(GenerateError),
    /// `genl ctrl` failed.
    Ctrl(CtrlError),
    /// `genl check` failed, or found what it does not allow.
    Check(CheckError),
    /// `genl check --compat` failed, or found a breaking change it does
    /// not allow.
    Compat(CompatError),
    /// `genl ynl` failed.
    Ynl(YnlError),
    /// `genl trace` failed.
    Trace(TraceError),
    /// `genl fuzz` could not run.
    Fuzz(FuzzError),
    /// `genl fuzz` ran, and found bugs or met errors (its report, printed
    /// before, says which).
    FuzzFindings {
        /// The findings, over every kernel.
        findings: usize,
        /// The errors, over every kernel.
        errors: usize,
    },
    /// The fuzzer's guest side (`genl fuzz-guest`) failed.
    Fuzzer(FuzzerError),
    /// `genl import`'s spec could not be read, or numbered from the uapi
    /// headers (the file or the directory is named).
    ImportSpec(UapiReadError),
    /// `genl import --wireshark`: the spec has no dissector.
    Wireshark {
        /// The spec.
        spec: PathBuf,
        /// Why: it does not load, or is not generic netlink.
        error: DissectorSpecError,
    },
    /// `genl import`: the spec has no Rust bindings.
    Import {
        /// The spec.
        spec: PathBuf,
        /// Where in the spec, and what is wrong.
        error: ImportError,
    },
    /// `genl import`'s output file (`--out`, `--wireshark`) could not be
    /// written.
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// Writing the output to standard output failed.
    Stdout(io::Error),
    /// The per-user cache directory is unknown (`genl vm kernels`).
    CacheDir(CacheDirError),
    /// The current directory (that `genl vm`'s paths are relative to) is
    /// unknown.
    CurrentDir(io::Error),
    /// `genl vm`'s plan could not be made: its overrides or the project's
    /// `[vm]` section are wrong.
    Plan(PlanError),
    /// A `genl vm` step failed, or `genl vm test` had failures.
    Vm(VmError),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(e) => f.write_str(e.render().to_string().trim_end()),
            CliError::Project(e) => e.fmt(f),
            CliError::Vendor(e) => e.fmt(f),
            CliError::Scaffold(e) => e.fmt(f),
            CliError::Generate(e) => e.fmt(f),
            CliError::Ctrl(e) => e.fmt(f),
            CliError::Check(e) => e.fmt(f),
            CliError::Compat(e) => e.fmt(f),
            CliError::Ynl(e) => e.fmt(f),
            CliError::Trace(e) => e.fmt(f),
            CliError::Fuzz(e) => e.fmt(f),
            CliError::FuzzFindings { findings, errors } => {
                write!(f, "fuzz: {findings} finding(s), {errors} error(s)")
            }
            CliError::Fuzzer(e) => e.fmt(f),
            CliError::ImportSpec(e) => e.fmt(f),
            CliError::Wireshark { spec, error } => write!(f, "{}: {error}", spec.display()),
            CliError::Import { spec, error } => write!(f, "{}: {error}", spec.display()),
            CliError::Write { path, error } => write!(f, "{}: {error}", path.display()),
            CliError::Stdout(e) => write!(f, "stdout: {e}"),
            CliError::CacheDir(e) => e.fmt(f),
            CliError::CurrentDir(e) => write!(f, "current directory: {e}"),
            CliError::Plan(e) => e.fmt(f),
            CliError::Vm(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Usage(e) => Some(e),
            CliError::Project(e) => Some(e),
            CliError::Vendor(e) => Some(e),
            CliError::Scaffold(e) => Some(e),
            CliError::Generate(e) => Some(e),
            CliError::Ctrl(e) => Some(e),
            CliError::Check(e) => Some(e),
            CliError::Compat(e) => Some(e),
            CliError::Ynl(e) => Some(e),
            CliError::Trace(e) => Some(e),
            CliError::Fuzz(e) => Some(e),
            CliError::FuzzFindings { .. } => None,
            CliError::Fuzzer(e) => Some(e),
            CliError::ImportSpec(e) => Some(e),
            CliError::Wireshark { error, .. } => Some(error),
            CliError::Import { error, .. } => Some(error),
            CliError::Write { error, .. } => Some(error),
            CliError::Stdout(e) | CliError::CurrentDir(e) => Some(e),
            CliError::CacheDir(e) => Some(e),
            CliError::Plan(e) => Some(e),
            CliError::Vm(e) => Some(e),
        }
    }
}

crate::error::wrap_errors!(CliError {
    Usage(clap::Error),
    Project(ProjectError),
    Vendor(VendorError),
    Scaffold(ScaffoldError),
    Generate(GenerateError),
    Ctrl(CtrlError),
    Check(CheckError),
    Compat(CompatError),
    Ynl(YnlError),
    Trace(TraceError),
    Fuzz(FuzzError),
    Fuzzer(FuzzerError),
    CacheDir(CacheDirError),
    Plan(PlanError),
    Vm(VmError),
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn fuzz_findings_are_counted() {
        let e = CliError::FuzzFindings {
            findings: 2,
            errors: 0,
        };
        assert_eq!(e.to_string(), "fuzz: 2 finding(s), 0 error(s)");
        assert!(e.source().is_none());
    }

    #[test]
    fn import_failures_name_the_file() {
        let e = CliError::Write {
            path: PathBuf::from("/o/x.lua"),
            error: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert_eq!(e.to_string(), "/o/x.lua: Permission denied (os error 13)");
        let e = CliError::Wireshark {
            spec: PathBuf::from("rt-link.yaml"),
            error: DissectorSpecError::NotGenetlink {
                family: "rt-link".into(),
                protocol: "netlink-raw".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "rt-link.yaml: family `rt-link` is netlink-raw, not generic netlink: Wireshark's \
             genl.family table never sees it"
        );
        assert!(e.source().unwrap().is::<DissectorSpecError>());
        let e = CliError::ImportSpec(UapiReadError::Read {
            path: PathBuf::from("s.yaml"),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        });
        assert_eq!(
            e.to_string(),
            "s.yaml: No such file or directory (os error 2)"
        );
        assert!(e.source().unwrap().is::<UapiReadError>());
    }

    #[test]
    fn io_failures_say_where() {
        let e = CliError::Stdout(io::Error::from_raw_os_error(libc::EPIPE));
        assert_eq!(e.to_string(), "stdout: Broken pipe (os error 32)");
        let e = CliError::CurrentDir(io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(
            e.to_string(),
            "current directory: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_usage_error_is_clap_s_message_without_the_last_newline() {
        use clap::CommandFactory as _;
        let e = crate::cli::Cli::command()
            .try_get_matches_from(["genl", "frobnicate"])
            .unwrap_err();
        let e = CliError::from(e);
        assert_eq!(
            e.to_string(),
            "error: unrecognized subcommand 'frobnicate'\n\n\
             Usage: genl [OPTIONS] <COMMAND>\n\n\
             For more information, try '--help'."
        );
        assert!(e.source().unwrap().is::<clap::Error>());
    }

    #[test]
    fn a_wrapped_error_is_its_cause() {
        let cause = ProjectError::NotFound {
            start: PathBuf::from("/nowhere"),
        };
        let e = CliError::from(cause);
        assert_eq!(
            e.to_string(),
            "no genl.toml in /nowhere or any parent directory (pass --project DIR, \
             or create a project with `genl new NAME`)"
        );
        let source = e.source().unwrap().downcast_ref::<ProjectError>().unwrap();
        assert!(
            matches!(source, ProjectError::NotFound { start } if start == &PathBuf::from("/nowhere")),
            "{source:?}"
        );
    }
}
