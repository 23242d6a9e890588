//! What can go wrong on the host: a program that could not run or failed,
//! packages that cannot be installed, a file ([`HostError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a host operation (a command, `apt-get`, a lock) failed. `Display`
/// is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// Debian packages are missing and we are not root to install them.
    NotRoot {
        /// The missing packages.
        missing: Vec<String>,
    },
    /// A program could not be started.
    Spawn {
        /// What was run, e.g. `apt-get update`.
        what: String,
        /// Why it could not start.
        error: io::Error,
    },
    /// A program ran and failed; its output went to the terminal.
    Failed {
        /// What was run, e.g. `apt-get install ["gcc"]`.
        what: String,
    },
    /// A program ran and failed; its output was captured.
    CommandFailed {
        /// What was run.
        what: String,
        /// How it ended.
        status: ExitStatus,
        /// Its standard output.
        stdout: String,
        /// Its standard error.
        stderr: String,
    },
    /// A file or directory operation failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::NotRoot { missing } => write!(
                f,
                "missing Debian packages {missing:?} and not root to install them"
            ),
            HostError::Spawn { what, error } => write!(f, "{what}: {error}"),
            HostError::Failed { what } => write!(f, "{what} failed"),
            HostError::CommandFailed {
                what,
                status,
                stdout,
                stderr,
            } => write!(f, "{what} failed ({status}):\n{stdout}{stderr}"),
            HostError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::Spawn { error, .. } | HostError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

crate::error::into_text!(HostError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_failed_command_shows_its_status_and_output() {
        let e = HostError::CommandFailed {
            what: "git rev-parse".into(),
            // Exit code 3, as wait(2) encodes it.
            status: ExitStatus::from_raw(3 << 8),
            stdout: "out\n".into(),
            stderr: "err\n".into(),
        };
        assert_eq!(
            e.to_string(),
            "git rev-parse failed (exit status: 3):\nout\nerr\n"
        );
        assert!(e.source().is_none());
    }

    #[test]
    fn missing_packages_are_listed_as_before() {
        let e = HostError::NotRoot {
            missing: vec!["gcc".into(), "make".into()],
        };
        assert_eq!(
            e.to_string(),
            r#"missing Debian packages ["gcc", "make"] and not root to install them"#
        );
    }

    #[test]
    fn a_spawn_failure_carries_the_errno() {
        let e = HostError::Spawn {
            what: "apt-get".into(),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        };
        let cause = e.source().unwrap().downcast_ref::<io::Error>().unwrap();
        assert_eq!(cause.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().starts_with("apt-get: "), "{e}");
    }
}
