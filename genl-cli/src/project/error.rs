//! What can go wrong finding, reading or using a project's `genl.toml`
//! ([`ProjectError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::FILE_NAME;

/// Why a project could not be found or loaded, or lacks what a command
/// needs from it. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProjectError {
    /// `genl.toml` is not valid TOML, or has an unknown key or a wrong type.
    Parse {
        /// The file, as named in errors.
        file: String,
        /// TOML's error (it names the key and the line).
        error: toml::de::Error,
    },
    /// A `[[vm.guest]]` names none, or more than one, of `bin`, `test`,
    /// `example`.
    GuestTarget {
        /// The file, as named in errors.
        file: String,
        /// The guest's position in the file, from 1.
        index: usize,
        /// Its cargo package.
        package: String,
        /// How many of the three it names.
        count: usize,
    },
    /// A `[[vm.helper]]`'s name is empty or has a `/`.
    HelperName {
        /// The file, as named in errors.
        file: String,
        /// The helper's position in the file, from 1.
        index: usize,
        /// The name.
        name: String,
    },
    /// `genl.toml` could not be read (often: there is none).
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// The file has no parent directory.
    NoParent {
        /// The file.
        file: PathBuf,
    },
    /// No `genl.toml` in the start directory or any parent.
    NotFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// The current directory is unknown.
    CurrentDir(io::Error),
    /// A section or key a command needs is missing.
    Missing {
        /// The project's `genl.toml`.
        file: PathBuf,
        /// What is missing, e.g. `[generate] dir`.
        what: &'static str,
    },
    /// A directory of the project could not be listed.
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// An entry of a directory being listed could not be read.
    DirEntry(io::Error),
    /// No `*.yaml` in the generate directory.
    NoSpec {
        /// The generate directory.
        dir: PathBuf,
    },
    /// More than one `*.yaml` in the generate directory.
    SeveralSpecs {
        /// The generate directory.
        dir: PathBuf,
        /// The specs found.
        found: Vec<PathBuf>,
    },
    /// A generated kernel file (`<family>-nl.c` or `-nl.h`) is missing.
    KernelFileMissing {
        /// The file.
        file: PathBuf,
    },
    /// No `*.h` under the uapi directory.
    NoUapiHeader {
        /// `<generate dir>/include/uapi`.
        dir: PathBuf,
    },
    /// Several `*.h` under the uapi directory, and not exactly one named
    /// after the family.
    SeveralUapiHeaders {
        /// `<generate dir>/include/uapi`.
        dir: PathBuf,
        /// The family's name.
        family: String,
        /// The headers found.
        found: Vec<PathBuf>,
    },
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectError::Parse { file, error } => write!(f, "{file}: {error}"),
            ProjectError::GuestTarget {
                file,
                index,
                package,
                count,
            } => write!(
                f,
                "{file}: [[vm.guest]] #{index} (package {package:?}) needs exactly one of \
                 `bin`, `test`, `example`, has {count}"
            ),
            ProjectError::HelperName { file, index, name } => write!(
                f,
                "{file}: [[vm.helper]] #{index}: name {name:?} must be a plain file name"
            ),
            ProjectError::Read { file, error } => write!(
                f,
                "{}: {error} (a genl project is a directory with a {FILE_NAME})",
                file.display()
            ),
            ProjectError::NoParent { file } => {
                write!(f, "{}: no parent directory", file.display())
            }
            ProjectError::NotFound { start } => write!(
                f,
                "no {FILE_NAME} in {} or any parent directory (pass --project DIR, \
                 or create a project with `genl new NAME`)",
                start.display()
            ),
            ProjectError::CurrentDir(e) => write!(f, "current directory: {e}"),
            ProjectError::Missing { file, what } => {
                write!(f, "{} has no {what}", file.display())
            }
            ProjectError::ReadDir { dir, error } => write!(f, "{}: {error}", dir.display()),
            ProjectError::DirEntry(e) => write!(f, "{e}"),
            ProjectError::NoSpec { dir } => write!(
                f,
                "no YNL spec (<family>.yaml) in {} (run `genl generate`?)",
                dir.display()
            ),
            ProjectError::SeveralSpecs { dir, found } => write!(
                f,
                "several YNL specs in {}, expected one: {}",
                dir.display(),
                names(found)
            ),
            ProjectError::KernelFileMissing { file } => {
                write!(f, "{} is missing (run `genl generate`)", file.display())
            }
            ProjectError::NoUapiHeader { dir } => {
                write!(f, "no uapi header (*.h) under {}", dir.display())
            }
            ProjectError::SeveralUapiHeaders { dir, family, found } => write!(
                f,
                "several uapi headers under {} and not exactly one named {family}.h: {}",
                dir.display(),
                names(found)
            ),
        }
    }
}

impl std::error::Error for ProjectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProjectError::Parse { error, .. } => Some(error),
            ProjectError::Read { error, .. }
            | ProjectError::ReadDir { error, .. }
            | ProjectError::CurrentDir(error)
            | ProjectError::DirEntry(error) => Some(error),
            _ => None,
        }
    }
}

crate::error::into_text!(ProjectError);

/// The paths, comma-separated.
fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn messages_name_the_file_and_what_is_wrong() {
        let e = ProjectError::Missing {
            file: PathBuf::from("/p/genl.toml"),
            what: "[generate] dir",
        };
        assert_eq!(e.to_string(), "/p/genl.toml has no [generate] dir");
        let e = ProjectError::SeveralSpecs {
            dir: PathBuf::from("/k"),
            found: vec![PathBuf::from("/k/a.yaml"), PathBuf::from("/k/b.yaml")],
        };
        assert_eq!(
            e.to_string(),
            "several YNL specs in /k, expected one: /k/a.yaml, /k/b.yaml"
        );
        assert!(e.source().is_none());
    }

    #[test]
    fn io_failures_carry_their_cause() {
        let e = ProjectError::Read {
            file: PathBuf::from("/p/genl.toml"),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        };
        let cause = e.source().unwrap().downcast_ref::<io::Error>().unwrap();
        assert_eq!(cause.raw_os_error(), Some(libc::ENOENT));
        assert!(
            e.to_string().starts_with("/p/genl.toml: ")
                && e.to_string()
                    .ends_with("(a genl project is a directory with a genl.toml)"),
            "{e}"
        );
    }
}
