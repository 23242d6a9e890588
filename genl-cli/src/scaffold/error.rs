//! What can go wrong creating a project with `genl new`
//! ([`ScaffoldError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::cache::CacheDirError;
use crate::generate::GenerateError;
use crate::project::ProjectError;

/// Why `genl new` could not create the project. `Display` is the message
/// `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScaffoldError {
    /// The name cannot name a family, crate, module and C identifiers.
    BadName {
        /// The name given.
        name: String,
    },
    /// Both uapi header names the family could take are the kernel's.
    HeaderTaken {
        /// The family's name.
        name: String,
    },
    /// The directory exists and is not empty.
    NotEmpty {
        /// The directory.
        dir: PathBuf,
    },
    /// The current directory is unknown.
    CurrentDir(io::Error),
    /// A file or directory could not be listed, made or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The cache directory (for the genl crates) is unknown.
    Cache(CacheDirError),
    /// Pointing the project at this tool's genl crates failed.
    Vendor(crate::vendor::VendorError),
    /// The project written does not load.
    Project(ProjectError),
    /// Generating the kernel files of the project written failed.
    Generate(GenerateError),
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaffoldError::BadName { name } => write!(
                f,
                "{name:?} cannot name a family here: use 1 to 15 lower-case letters, digits and \
                 `_`, starting with a letter (it names the family, the crate, the module and C \
                 identifiers)"
            ),
            ScaffoldError::HeaderTaken { name } => write!(
                f,
                "both linux/{name}.h and linux/{name}_genl.h are kernel uapi headers; pick \
                 another name"
            ),
            ScaffoldError::NotEmpty { dir } => write!(
                f,
                "{} exists and is not empty; `genl new` writes a new project",
                dir.display()
            ),
            ScaffoldError::CurrentDir(e) => write!(f, "current directory: {e}"),
            ScaffoldError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ScaffoldError::Cache(e) => e.fmt(f),
            ScaffoldError::Vendor(e) => e.fmt(f),
            ScaffoldError::Project(e) => e.fmt(f),
            ScaffoldError::Generate(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScaffoldError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScaffoldError::CurrentDir(error) | ScaffoldError::Io { error, .. } => Some(error),
            ScaffoldError::Cache(e) => Some(e),
            ScaffoldError::Project(e) => Some(e),
            ScaffoldError::Generate(e) => Some(e),
            ScaffoldError::Vendor(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(ScaffoldError { Cache(CacheDirError), Project(ProjectError), Generate(GenerateError), Vendor(crate::vendor::VendorError) });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_header_names_both_candidates() {
        let e = ScaffoldError::HeaderTaken { name: "x".into() };
        assert_eq!(
            e.to_string(),
            "both linux/x.h and linux/x_genl.h are kernel uapi headers; pick another name"
        );
    }
}
