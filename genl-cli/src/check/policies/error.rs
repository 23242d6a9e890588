//! What can go wrong comparing our kernel code with ynl-gen-c's
//! ([`PolicyCheckError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::c::CReadError;
use super::Difference;
use crate::check::spec::SpecError;
use crate::check::ynl::YnlCheckError;
use crate::kernel_source::SourceError;

/// Why [`ynl_gen_c_policies_with`](super::ynl_gen_c_policies_with)
/// failed: differences no one allows, or why the comparison could not be
/// made. `Display` is the message `genl check` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum PolicyCheckError {
    /// The kernel's tree, its ynl-gen-c or Debian's python could not be
    /// had.
    Source(SourceError),
    /// ynl-gen-c's work tree or the uapi header's constants could not be
    /// made, or ynl-gen-c could not process the spec (and the project does
    /// not allow that).
    Ynl(YnlCheckError),
    /// The spec could not be read (or its copy for ynl-gen-c made).
    Spec(SpecError),
    /// A file (ynl-gen-c's output, our source or header) could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// Our C or ynl-gen-c's is not what the reader understands.
    Read(CReadError),
    /// Our kernel code differs from ynl-gen-c's, and neither genl nor the
    /// project allows it.
    Differ {
        /// The differences.
        differences: Vec<Difference>,
    },
    /// One of the above, with where the work files are (or how to keep
    /// them).
    Work {
        /// What failed.
        error: Box<PolicyCheckError>,
        /// The work directory's note.
        note: String,
    },
}

impl fmt::Display for PolicyCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyCheckError::Source(e) => e.fmt(f),
            PolicyCheckError::Ynl(e) => e.fmt(f),
            PolicyCheckError::Spec(e) => e.fmt(f),
            PolicyCheckError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            PolicyCheckError::Read(e) => e.fmt(f),
            PolicyCheckError::Differ { differences } => write!(
                f,
                "our kernel code differs from ynl-gen-c's (unexplained): {}",
                differences
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            PolicyCheckError::Work { error, note } => write!(f, "{error}{note}"),
        }
    }
}

impl std::error::Error for PolicyCheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PolicyCheckError::Source(e) => Some(e),
            PolicyCheckError::Ynl(e) => Some(e),
            PolicyCheckError::Spec(e) => Some(e),
            PolicyCheckError::Io { error, .. } => Some(error),
            PolicyCheckError::Read(e) => Some(e),
            PolicyCheckError::Work { error, .. } => Some(error.as_ref()),
            PolicyCheckError::Differ { .. } => None,
        }
    }
}

crate::error::wrap_errors!(PolicyCheckError {
    Source(SourceError),
    Ynl(YnlCheckError),
    Spec(SpecError),
    Read(CReadError),
});
crate::error::into_text!(PolicyCheckError);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::DiffClass;
    use std::error::Error as _;

    #[test]
    fn differences_are_listed_with_the_work_note() {
        let e = PolicyCheckError::Work {
            error: Box::new(PolicyCheckError::Differ {
                differences: vec![
                    Difference {
                        class: DiffClass::Op,
                        at: "op cmd 1 do: flags".into(),
                    },
                    Difference {
                        class: DiffClass::Policy,
                        at: "policy p: only in ours".into(),
                    },
                ],
            }),
            note: "\n(work files kept in /tmp/w)".into(),
        };
        assert_eq!(
            e.to_string(),
            "our kernel code differs from ynl-gen-c's (unexplained): op cmd 1 do: flags [op]; \
             policy p: only in ours [policy]\n(work files kept in /tmp/w)"
        );
        let cause = e.source().unwrap().downcast_ref::<PolicyCheckError>();
        assert!(matches!(cause, Some(PolicyCheckError::Differ { .. })));
    }
}
