//! What can go wrong getting Linux's source tree, its YNL tools and the
//! python they need ([`SourceError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{PYTHON, SOURCE_PKG};
use crate::cache::CacheDirError;
use crate::host::HostError;

/// Why the kernel's source tree, its tools or the guest's python payload
/// could not be had. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceError {
    /// The cache directory is unknown.
    Cache(CacheDirError),
    /// A host step failed: the cache lock, `apt-get`, `bash`, a command.
    Host(HostError),
    /// A file or directory could not be made, read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// Unpacking the tools from the source package failed.
    Unpack {
        /// The package file.
        deb: PathBuf,
        /// The shell pipeline that failed.
        script: String,
    },
    /// The unpacked tree lacks a file genl needs (the package's layout
    /// changed).
    Layout {
        /// The file, relative to the tree.
        need: &'static str,
    },
    /// `apt-get download` left no `.deb` of the source package.
    NoDeb {
        /// Where it should be.
        dir: PathBuf,
    },
    /// Unpacking the whole kernel tree (for the debug kernel) failed.
    UnpackTree {
        /// The package file.
        deb: PathBuf,
    },
    /// The tree has no `ynl-gen-c.py`.
    NoYnlGenC {
        /// The tree.
        tree: PathBuf,
    },
    /// Debian's python cannot import the modules, and we are not root to
    /// install them.
    PythonNotRoot {
        /// The modules, as `import` takes them.
        modules: String,
        /// The packages that would provide them.
        packages: Vec<String>,
    },
    /// Debian's python still cannot import the modules after installing
    /// the packages.
    PythonStill {
        /// The modules, as `import` takes them.
        modules: String,
        /// The packages installed.
        packages: Vec<String>,
    },
    /// A line of the payload manifest the python script printed is not
    /// understood.
    Manifest {
        /// The line.
        line: String,
    },
    /// A manifest line's file mode is not octal.
    Mode(std::num::ParseIntError),
    /// The family's spec path has no file name.
    NotAFile {
        /// The path.
        path: PathBuf,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Cache(e) => e.fmt(f),
            SourceError::Host(e) => e.fmt(f),
            SourceError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            SourceError::Unpack { deb, script } => {
                write!(f, "unpacking {} failed: {script}", deb.display())
            }
            SourceError::Layout { need } => {
                write!(f, "{SOURCE_PKG} has no {need} (layout changed?)")
            }
            SourceError::NoDeb { dir } => {
                write!(f, "{SOURCE_PKG}: no .deb downloaded in {}", dir.display())
            }
            SourceError::UnpackTree { deb } => {
                write!(f, "unpacking the kernel tree of {} failed", deb.display())
            }
            SourceError::NoYnlGenC { tree } => {
                write!(f, "no ynl-gen-c.py under {}/tools/net/ynl", tree.display())
            }
            SourceError::PythonNotRoot { modules, packages } => write!(
                f,
                "{PYTHON} cannot import {modules} and we are not root to install {packages:?}"
            ),
            SourceError::PythonStill { modules, packages } => write!(
                f,
                "{PYTHON} still cannot import {modules} after installing {packages:?}"
            ),
            SourceError::Manifest { line } => write!(f, "odd payload manifest line {line:?}"),
            SourceError::Mode(e) => e.fmt(f),
            SourceError::NotAFile { path } => write!(f, "{}: not a file name", path.display()),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Cache(e) => Some(e),
            SourceError::Host(e) => Some(e),
            SourceError::Io { error, .. } => Some(error),
            SourceError::Mode(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(SourceError { Cache(CacheDirError), Host(HostError) });
crate::error::into_text!(SourceError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn python_messages_name_the_modules_and_packages() {
        let e = SourceError::PythonNotRoot {
            modules: "yaml".into(),
            packages: vec!["python3-yaml".into()],
        };
        assert_eq!(
            e.to_string(),
            r#"/usr/bin/python3 cannot import yaml and we are not root to install ["python3-yaml"]"#
        );
    }

    #[test]
    fn a_host_failure_is_shown_as_is_and_kept_as_the_cause() {
        let e = SourceError::from(HostError::Failed {
            what: "apt-get update".into(),
        });
        assert_eq!(e.to_string(), "apt-get update failed");
        assert!(e.source().unwrap().downcast_ref::<HostError>().is_some());
    }

    #[test]
    fn a_bad_manifest_line_is_quoted() {
        let e = SourceError::Manifest {
            line: "X\ty".into(),
        };
        assert_eq!(e.to_string(), r#"odd payload manifest line "X\ty""#);
    }
}
