//! What can go wrong checking a YNL spec with the kernel's YNL tools
//! ([`YnlCheckError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::check::spec::SpecError;
use crate::host::HostError;
use crate::kernel_source::SourceError;

/// Why a YNL check ([`ynl_validate`](super::ynl_validate),
/// [`ynl_gen_c_compare_with`](super::ynl_gen_c_compare_with)) failed.
/// `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum YnlCheckError {
    /// The kernel's tree or Debian's python could not be had.
    Source(SourceError),
    /// A host program (python, gcc, the compiled constants program)
    /// could not run or failed.
    Host(HostError),
    /// gcc is not installed.
    NoGcc,
    /// The spec does not validate against the kernel's schema (the
    /// validator's output says where).
    Invalid {
        /// The spec.
        spec: PathBuf,
    },
    /// The spec's copy for ynl-gen-c could not be made.
    Prepare(SpecError),
    /// ynl-gen-c could not process the spec (and the project does not
    /// allow that): its exception.
    YnlGenC(String),
    /// A file or directory could not be made, read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The spec path has no file name.
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The constants program printed a line that is not `NAME<TAB>VALUE`.
    OddLine {
        /// The program.
        program: PathBuf,
        /// The line.
        line: String,
    },
    /// The constants program printed fewer values than the header has
    /// names.
    Missing {
        /// The header.
        header: PathBuf,
        /// Its names.
        names: usize,
        /// The values printed.
        values: usize,
    },
    /// The uapi headers' constants differ, and genl.toml does not allow it.
    Differ {
        /// The constants that differ (or are only in one).
        names: Vec<String>,
    },
    /// One of the above, with where the work files are (or how to keep
    /// them).
    Work {
        /// What failed.
        error: Box<YnlCheckError>,
        /// The work directory's note ([`WorkDir::note`](super::WorkDir)).
        note: String,
    },
}

impl fmt::Display for YnlCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YnlCheckError::Source(e) => e.fmt(f),
            YnlCheckError::Host(e) => e.fmt(f),
            YnlCheckError::NoGcc => {
                f.write_str("gcc is not installed (needed to compile both uapi headers)")
            }
            YnlCheckError::Invalid { spec } => write!(
                f,
                "{} does not validate against the kernel's schema",
                spec.display()
            ),
            YnlCheckError::Prepare(e) => e.fmt(f),
            YnlCheckError::YnlGenC(e) => f.write_str(e),
            YnlCheckError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            YnlCheckError::NotAFile { path } => write!(f, "{}: not a file name", path.display()),
            YnlCheckError::OddLine { program, line } => {
                write!(f, "{}: odd line {line:?}", program.display())
            }
            YnlCheckError::Missing {
                header,
                names,
                values,
            } => write!(f, "{}: {names} names but {values} values", header.display()),
            YnlCheckError::Differ { names } => {
                write!(f, "uapi headers differ (unexplained): {}", names.join(" "))
            }
            YnlCheckError::Work { error, note } => write!(f, "{error}{note}"),
        }
    }
}

impl std::error::Error for YnlCheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            YnlCheckError::Source(e) => Some(e),
            YnlCheckError::Host(e) => Some(e),
            YnlCheckError::Prepare(e) => Some(e),
            YnlCheckError::Io { error, .. } => Some(error),
            YnlCheckError::Work { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(YnlCheckError {
    Source(SourceError),
    Host(HostError),
});
crate::error::into_text!(YnlCheckError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_failure_with_its_work_note_keeps_the_cause() {
        let e = YnlCheckError::Work {
            error: Box::new(YnlCheckError::Differ {
                names: vec!["A".into(), "B".into()],
            }),
            note: "\n(work files kept in /tmp/w)".into(),
        };
        assert_eq!(
            e.to_string(),
            "uapi headers differ (unexplained): A B\n(work files kept in /tmp/w)"
        );
        let cause = e.source().unwrap().downcast_ref::<YnlCheckError>();
        assert!(matches!(cause, Some(YnlCheckError::Differ { .. })));
    }

    #[test]
    fn a_spec_copy_that_could_not_be_made_keeps_the_cause() {
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let e = YnlCheckError::Prepare(SpecError::Json {
            spec: PathBuf::from("/w/x.yaml"),
            error: json,
        });
        assert_eq!(
            e.to_string(),
            "/w/x.yaml: reading its JSON: EOF while parsing an object at line 1 column 1"
        );
        assert!(e.source().unwrap().is::<SpecError>());
    }
}
