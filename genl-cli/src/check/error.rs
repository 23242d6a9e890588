//! What can go wrong in `genl check` ([`run`](super::run)): the project's
//! `[check] allow` ([`AllowError`], [`AllowClassError`]), one check that
//! failed ([`StepError`], [`FailedCheck`]) and the run itself
//! ([`CheckError`]).

use std::fmt;
use std::sync::Arc;

use super::ynl::YnlCheckError;
use super::{CheckpatchError, DiffClass, PolicyCheckError};
use crate::project::ProjectError;

/// Why a class named in `[check] allow` cannot be allowed
/// ([`DiffClass::allowable`]). `Display` names the classes that can.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowClassError {
    /// No class has this name.
    Unknown {
        /// The name.
        name: String,
    },
    /// [`DiffClass::Coverage`], which is never allowed: nothing of
    /// ynl-gen-c's may go uncompared.
    Coverage,
}

impl fmt::Display for AllowClassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = DiffClass::ALL
            .iter()
            .filter(|c| **c != DiffClass::Coverage)
            .map(|c| c.name())
            .collect();
        match self {
            AllowClassError::Unknown { name } => write!(
                f,
                "unknown class {name:?}; known classes: {}",
                known.join(", ")
            ),
            AllowClassError::Coverage => write!(
                f,
                "class \"coverage\" cannot be allowed (nothing of ynl-gen-c's may go \
                 uncompared); known classes: {}",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for AllowClassError {}

/// Why an entry of genl.toml's `[check] allow` is wrong
/// ([`UserAllow::from_config`](super::UserAllow::from_config)). Each names
/// the entry by its position, from 1. `Display` is the message `genl`
/// prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowError {
    /// Its class cannot be allowed.
    Class {
        /// The entry's position, from 1.
        entry: usize,
        /// Why.
        error: AllowClassError,
    },
    /// Its reason is empty.
    EmptyReason {
        /// The entry's position, from 1.
        entry: usize,
        /// Its class, as written.
        class: String,
    },
    /// Its `at` is empty (to allow the whole class, it is left out).
    EmptyAt {
        /// The entry's position, from 1.
        entry: usize,
        /// Its class, as written.
        class: String,
    },
}

impl fmt::Display for AllowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = |entry: &usize| format!("genl.toml: [check] allow #{entry}");
        match self {
            AllowError::Class { entry, error } => write!(f, "{}: {error}", what(entry)),
            AllowError::EmptyReason { entry, class } => {
                write!(f, "{} (class {class}): the reason is empty", what(entry))
            }
            AllowError::EmptyAt { entry, class } => write!(
                f,
                "{} (class {class}): `at` is empty (leave it out to allow the whole class)",
                what(entry)
            ),
        }
    }
}

impl std::error::Error for AllowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AllowError::Class { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why one check of [`run`](super::run) failed: what it found, or why it
/// could not run. `Display` is what `genl check` prints after `FAIL:`.
#[derive(Debug)]
#[non_exhaustive]
pub enum StepError {
    /// genl.toml names no directory to run checkpatch over.
    NoModuleDir,
    /// checkpatch found something, or could not run.
    Checkpatch(CheckpatchError),
    /// The YNL spec does not validate, or ynl-gen-c's uapi header differs
    /// from ours (or either could not be checked).
    Ynl(YnlCheckError),
    /// Our kernel code differs from ynl-gen-c's (or could not be compared).
    Policies(PolicyCheckError),
    /// The project lacks a file the check needs (the spec, the uapi header,
    /// the kernel files). Shared: a missing uapi header fails both checks
    /// that need it.
    Project(Arc<ProjectError>),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::NoModuleDir => {
                f.write_str("genl.toml names no module dir ([vm] module-dir or [generate] dir)")
            }
            StepError::Checkpatch(e) => e.fmt(f),
            StepError::Ynl(e) => e.fmt(f),
            StepError::Policies(e) => e.fmt(f),
            StepError::Project(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StepError::NoModuleDir => None,
            StepError::Checkpatch(e) => Some(e),
            StepError::Ynl(e) => Some(e),
            StepError::Policies(e) => Some(e),
            StepError::Project(e) => Some(e.as_ref()),
        }
    }
}

crate::error::wrap_errors!(StepError {
    Checkpatch(CheckpatchError),
    Ynl(YnlCheckError),
    Policies(PolicyCheckError),
});

impl From<ProjectError> for StepError {
    fn from(e: ProjectError) -> Self {
        StepError::Project(Arc::new(e))
    }
}

/// One check of [`run`](super::run) that failed.
#[derive(Debug)]
pub struct FailedCheck {
    /// The check, as `genl check` names it (`checkpatch <dir>`, `ynl
    /// schema`, `ynl-gen-c uapi header`, ...).
    pub name: String,
    /// What it found or why it could not run.
    pub error: StepError,
}

/// Why [`run`](super::run) failed.
#[derive(Debug)]
pub enum CheckError {
    /// genl.toml's `[check] allow` is wrong (an unknown class, no reason,
    /// ...): nothing ran.
    Config(AllowError),
    /// These checks failed (every check ran).
    Failed(Vec<FailedCheck>),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Config(e) => e.fmt(f),
            CheckError::Failed(failed) => write!(
                f,
                "{} check(s) failed: {}",
                failed.len(),
                failed
                    .iter()
                    .map(|c| format!("{}: {}", c.name, c.error))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Config(e) => Some(e),
            CheckError::Failed(_) => None,
        }
    }
}

crate::error::wrap_errors!(CheckError { Config(AllowError) });
crate::error::into_text!(CheckError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_entry_error_names_the_entry_and_keeps_the_cause() {
        let e = AllowError::Class {
            entry: 2,
            error: AllowClassError::Unknown { name: "x".into() },
        };
        assert!(
            e.to_string()
                .starts_with("genl.toml: [check] allow #2: unknown class \"x\"; known classes: "),
            "{e}"
        );
        let cause = e.source().unwrap().downcast_ref::<AllowClassError>();
        assert!(matches!(cause, Some(AllowClassError::Unknown { .. })));
    }

    #[test]
    fn failed_checks_are_listed_with_their_errors() {
        let e = CheckError::Failed(vec![FailedCheck {
            name: "checkpatch".into(),
            error: StepError::NoModuleDir,
        }]);
        assert_eq!(
            e.to_string(),
            "1 check(s) failed: checkpatch: genl.toml names no module dir ([vm] module-dir or \
             [generate] dir)"
        );
    }
}
