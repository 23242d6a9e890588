//! Why two specs could not be compared ([`SpecCompareError`]).

use std::fmt;

use serde_yaml_ng::Value as Yaml;

use crate::family::{yaml_kind, SpecError};

/// Which of the two specs given to [`compare`](super::compare).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareSide {
    /// The old spec (`old_yaml`).
    Old,
    /// The new spec (`new_yaml`).
    New,
}

impl fmt::Display for CompareSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareSide::Old => "old",
            CompareSide::New => "new",
        })
    }
}

/// Why [`compare`](super::compare) could not compare two specs: one of
/// them does not load. `Display` names the spec (`old spec: `, `new spec:
/// `), then the place and what is wrong.
#[derive(Debug)]
pub struct SpecCompareError {
    /// The spec that does not load.
    pub side: CompareSide,
    /// Why.
    pub error: SpecLoadError,
}

impl fmt::Display for SpecCompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} spec: {}", self.side, self.error)
    }
}

impl std::error::Error for SpecCompareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Why one spec does not load for [`compare`](super::compare): the
/// family does not load, or a key the comparison reads (`checks`,
/// `required`, `flags`, a request's `attributes`, ...) has another type
/// than it takes.
#[derive(Debug)]
pub enum SpecLoadError {
    /// The family does not load
    /// ([`SpecFamily::parse`](crate::family::SpecFamily::parse)).
    Family(SpecError),
    /// The text is not YAML.
    Yaml(serde_yaml_ng::Error),
    /// The document is not a map.
    NotAMap,
    /// A value is not of the type its key takes.
    WrongType {
        /// Where in the spec (`attribute-sets/rule/id/required`).
        at: String,
        /// What the key takes (`a list`, `a map`, `names`, `true or
        /// false`).
        expected: &'static str,
        /// What the spec has (`a string`, `a number`, ...).
        found: &'static str,
    },
}

impl SpecLoadError {
    /// `found` at `at`, where `expected` belongs.
    pub(super) fn wrong_type(at: impl Into<String>, expected: &'static str, found: &Yaml) -> Self {
        SpecLoadError::WrongType {
            at: at.into(),
            expected,
            found: yaml_kind(found),
        }
    }
}

impl fmt::Display for SpecLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecLoadError::Family(e) => e.fmt(f),
            SpecLoadError::Yaml(e) => e.fmt(f),
            SpecLoadError::NotAMap => f.write_str("expected a map"),
            SpecLoadError::WrongType {
                at,
                expected,
                found,
            } => write!(f, "{at}: expected {expected}, found {found}"),
        }
    }
}

impl std::error::Error for SpecLoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecLoadError::Family(e) => Some(e),
            SpecLoadError::Yaml(e) => Some(e),
            SpecLoadError::NotAMap | SpecLoadError::WrongType { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn each_failure_says_what_it_said_as_text() {
        let e = SpecCompareError {
            side: CompareSide::Old,
            error: SpecLoadError::Family(SpecError {
                at: "attribute-sets/rule/label/checks".into(),
                what: "expected a map, found a list".into(),
            }),
        };
        assert_eq!(
            e.to_string(),
            "old spec: invalid YNL spec: attribute-sets/rule/label/checks: expected a map, \
             found a list"
        );
        let cause = e.source().unwrap().downcast_ref::<SpecLoadError>().unwrap();
        assert!(cause.source().unwrap().is::<SpecError>());
        let e = SpecCompareError {
            side: CompareSide::New,
            error: SpecLoadError::NotAMap,
        };
        assert_eq!(e.to_string(), "new spec: expected a map");
        assert!(e.source().unwrap().source().is_none());
        let e = SpecCompareError {
            side: CompareSide::New,
            error: SpecLoadError::wrong_type(
                "attribute-sets/rule/id/required",
                "true or false",
                &Yaml::from(3),
            ),
        };
        assert_eq!(
            e.to_string(),
            "new spec: attribute-sets/rule/id/required: expected true or false, found a number"
        );
        let yaml = serde_yaml_ng::from_str::<Yaml>("name: [").unwrap_err();
        let text = yaml.to_string();
        let e = SpecCompareError {
            side: CompareSide::Old,
            error: SpecLoadError::Yaml(yaml),
        };
        assert_eq!(e.to_string(), format!("old spec: {text}"));
        let cause = e.source().unwrap().source().unwrap();
        assert!(cause.is::<serde_yaml_ng::Error>());
    }

    #[test]
    fn a_wrong_type_names_the_place_the_type_and_what_is_there() {
        let e = SpecLoadError::wrong_type("operations/add/flags", "a list", &Yaml::from("x"));
        assert_eq!(
            e.to_string(),
            "operations/add/flags: expected a list, found a string"
        );
        assert!(matches!(
            e,
            SpecLoadError::WrongType {
                expected: "a list",
                found: "a string",
                ..
            }
        ));
        assert!(e.source().is_none());
    }
}
