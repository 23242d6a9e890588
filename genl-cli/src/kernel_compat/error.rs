//! What can go wrong reading a build's features header ([`FeaturesError`])
//! and comparing it with the table ([`FeaturesCheckError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::Series;

/// Why a features header's text ([`parse_features`](super::parse_features))
/// is not one this genl writes: a header from another genl version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FeaturesError {
    /// A `#define GENL_HAVE_<X>` line not of the form `#define
    /// GENL_HAVE_<X>\t1`.
    UnexpectedLine {
        /// The line, trimmed.
        line: String,
    },
    /// A feature genl does not probe.
    Unknown {
        /// Its name, after `GENL_HAVE_`.
        name: String,
    },
    /// A feature with two lines.
    Twice {
        /// Its name, after `GENL_HAVE_`.
        name: String,
    },
    /// Features with no line.
    Missing {
        /// Their names, in the order of [`FEATURES`](super::FEATURES).
        names: Vec<String>,
    },
}

impl fmt::Display for FeaturesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeaturesError::UnexpectedLine { line } => write!(f, "unexpected line {line:?}"),
            FeaturesError::Unknown { name } => write!(f, "unknown feature GENL_HAVE_{name}"),
            FeaturesError::Twice { name } => write!(f, "GENL_HAVE_{name} twice"),
            FeaturesError::Missing { names } => write!(f, "no line for {}", names.join(", ")),
        }
    }
}

impl std::error::Error for FeaturesError {}

/// Why a build's features cannot be read ([`detected`](super::detected)),
/// or differ from what its kernel is known to have
/// ([`check_build`](super::check_build)).
#[derive(Debug)]
#[non_exhaustive]
pub enum FeaturesCheckError {
    /// The features header could not be read.
    Read {
        /// The header.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The features header is not one this genl writes.
    Parse {
        /// The header.
        path: PathBuf,
        /// What is wrong.
        error: FeaturesError,
    },
    /// The kernel release is of no series of the table.
    UnknownSeries {
        /// The release (`uname -r` form).
        release: String,
    },
    /// The build's probes found other features than the table has.
    Disagree {
        /// The release (`uname -r` form).
        release: String,
        /// Its series.
        series: Series,
        /// The build's features header.
        header: PathBuf,
        /// Each difference (`X probed present, expected absent`).
        differences: Vec<String>,
    },
}

impl fmt::Display for FeaturesCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeaturesCheckError::Read { path, error } => write!(
                f,
                "{}: {error} (was the module built with genl_compat.mk included in its Kbuild?)",
                path.display()
            ),
            FeaturesCheckError::Parse { path, error } => write!(f, "{}: {error}", path.display()),
            FeaturesCheckError::UnknownSeries { release } => {
                write!(f, "kernel {release}: not a series of the compat table")
            }
            FeaturesCheckError::Disagree {
                release,
                series,
                header,
                differences,
            } => write!(
                f,
                "kernel {release} ({}): the build's probes ({}) disagree with the table read \
                 from its headers: {}",
                series.name(),
                header.display(),
                differences.join("; ")
            ),
        }
    }
}

impl std::error::Error for FeaturesCheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FeaturesCheckError::Read { error, .. } => Some(error),
            FeaturesCheckError::Parse { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_header_asks_whether_the_probes_were_built() {
        let e = FeaturesCheckError::Read {
            path: PathBuf::from("/b/genl_compat_features.h"),
            error: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(
            e.to_string(),
            "/b/genl_compat_features.h: entity not found (was the module built with \
             genl_compat.mk included in its Kbuild?)"
        );
    }

    #[test]
    fn an_unknown_release_is_named() {
        let e = FeaturesCheckError::UnknownSeries {
            release: "4.19.0-1-amd64".into(),
        };
        assert_eq!(
            e.to_string(),
            "kernel 4.19.0-1-amd64: not a series of the compat table"
        );
    }

    #[test]
    fn missing_features_are_listed() {
        let e = FeaturesError::Missing {
            names: vec!["NLA_UINT".into(), "WQ_PERCPU".into()],
        };
        assert_eq!(e.to_string(), "no line for NLA_UINT, WQ_PERCPU");
    }
}
