//! What can go wrong comparing the family with an earlier version of it
//! (`genl check --compat REF`, [`run`](super::run)): [`CompatError`].

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::string::FromUtf8Error;

use genl_ynl::compat::SpecCompareError;

use crate::check::ynl::YnlCheckError;
use crate::project::ProjectError;

/// Why `genl check --compat` failed: a breaking change, or why the two
/// versions could not be compared. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum CompatError {
    /// The project lacks its spec or uapi header.
    Project(ProjectError),
    /// `git` could not run.
    Git(io::Error),
    /// `git show REF:PATH` failed (no such ref, or the file is not there).
    GitShow {
        /// The ref.
        reference: String,
        /// The file, relative to the project.
        path: PathBuf,
        /// What git said.
        stderr: String,
        /// The repository is a shallow clone (the ref may be beyond it).
        shallow: bool,
    },
    /// The file at the ref is not UTF-8.
    NotUtf8 {
        /// The ref.
        reference: String,
        /// The decoding error.
        error: FromUtf8Error,
    },
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// One of the two specs could not be read by the rules
    /// ([`genl_ynl::compat::compare`]); the message names the side.
    Spec(SpecCompareError),
    /// genl.toml's `[check] compat-allow` names a rule that does not exist.
    UnknownRule {
        /// The rule, as written.
        rule: String,
    },
    /// The findings could not be written as JSON.
    Json(serde_json::Error),
    /// abidiff is not installed: the uapi ABI comparison cannot run.
    NoAbidiff,
    /// The temporary directory of the ABI comparison could not be made.
    WorkDir(YnlCheckError),
    /// gcc could not be run, fed or waited for.
    Gcc(io::Error),
    /// gcc's standard input could not be had.
    GccStdin,
    /// One version of the uapi header does not compile as check-uapi.sh
    /// compiles it.
    Compile {
        /// `old` or `new`.
        side: &'static str,
        /// The header, as named in messages.
        name: String,
        /// What gcc said.
        stderr: String,
    },
    /// abidiff could not be run.
    Abidiff(io::Error),
    /// abidiff ran but failed (not a verdict on the headers).
    AbidiffFailed {
        /// Its exit status (-1 if killed by a signal).
        code: i32,
        /// Its standard error.
        stderr: String,
        /// Its report (standard output).
        report: String,
    },
    /// Changes that break the family's users, not allowed by genl.toml
    /// (listed above, one by one).
    Breaking {
        /// How many.
        count: usize,
        /// The ref compared with.
        reference: String,
    },
}

impl fmt::Display for CompatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompatError::Project(e) => e.fmt(f),
            CompatError::Git(e) => write!(f, "git: {e} (is git installed?)"),
            CompatError::GitShow {
                reference,
                path,
                stderr,
                shallow,
            } => write!(
                f,
                "git show {reference}:./{}: {stderr}{}",
                path.display(),
                if *shallow {
                    " (the repository is a shallow clone: fetch more history, e.g. `git fetch \
                     --deepen=1`)"
                } else {
                    ""
                }
            ),
            CompatError::NotUtf8 { reference, error } => write!(f, "{reference}: {error}"),
            CompatError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            CompatError::Spec(e) => e.fmt(f),
            CompatError::UnknownRule { rule } => write!(
                f,
                "genl.toml: [check] compat-allow: unknown rule {rule:?} (the rules: `genl check \
                 --compat-rules`)"
            ),
            CompatError::Json(e) => e.fmt(f),
            CompatError::NoAbidiff => f.write_str(
                "abidiff is not installed (Debian: apt-get install abigail-tools): the uapi ABI \
                 comparison cannot run",
            ),
            CompatError::WorkDir(e) => e.fmt(f),
            CompatError::Gcc(e) => write!(f, "gcc: {e}"),
            CompatError::GccStdin => f.write_str("gcc: no stdin"),
            CompatError::Compile { side, name, stderr } => write!(
                f,
                "the {side} {name} does not compile as check-uapi.sh compiles it: {stderr}"
            ),
            CompatError::Abidiff(e) => write!(f, "abidiff: {e}"),
            CompatError::AbidiffFailed {
                code,
                stderr,
                report,
            } => write!(
                f,
                "abidiff did not run properly (status {code}): {stderr}{report}"
            ),
            CompatError::Breaking { count, reference } => write!(
                f,
                "{count} breaking change(s) since {reference}; allow a deliberate one in \
                 genl.toml ([[check.compat-allow]] rule = \"…\", at = \"…\", reason = \"…\")"
            ),
        }
    }
}

impl std::error::Error for CompatError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CompatError::Project(e) => Some(e),
            CompatError::Git(e) | CompatError::Gcc(e) | CompatError::Abidiff(e) => Some(e),
            CompatError::NotUtf8 { error, .. } => Some(error),
            CompatError::Io { error, .. } => Some(error),
            CompatError::Spec(e) => Some(e),
            CompatError::Json(e) => Some(e),
            CompatError::WorkDir(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(CompatError {
    Project(ProjectError),
    WorkDir(YnlCheckError),
    Json(serde_json::Error),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_git_show_says_when_the_clone_is_shallow() {
        let e = |shallow| CompatError::GitShow {
            reference: "HEAD~1".into(),
            path: "kmod/x.yaml".into(),
            stderr: "fatal: bad revision".into(),
            shallow,
        };
        assert_eq!(
            e(false).to_string(),
            "git show HEAD~1:./kmod/x.yaml: fatal: bad revision"
        );
        assert!(e(true).to_string().ends_with(
            "(the repository is a shallow clone: fetch more history, e.g. `git fetch --deepen=1`)"
        ));
    }

    #[test]
    fn a_spec_the_rules_cannot_read_is_named_by_its_side() {
        use genl_ynl::compat::{CompareSide, SpecLoadError};
        use std::error::Error as _;
        let e = CompatError::Spec(SpecCompareError {
            side: CompareSide::Old,
            error: SpecLoadError::NotAMap,
        });
        assert_eq!(e.to_string(), "old spec: expected a map");
        assert!(e.source().unwrap().is::<SpecCompareError>());
    }

    #[test]
    fn breaking_changes_say_how_to_allow_one() {
        let e = CompatError::Breaking {
            count: 2,
            reference: "v1".into(),
        };
        assert_eq!(
            e.to_string(),
            "2 breaking change(s) since v1; allow a deliberate one in genl.toml \
             ([[check.compat-allow]] rule = \"…\", at = \"…\", reason = \"…\")"
        );
    }
}
