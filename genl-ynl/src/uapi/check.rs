//! The spec's names compared with the headers' values.

use super::*;

/// A name whose value the spec and a header give differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The spec's name.
    pub name: SpecName,
    /// The header's constant.
    pub header: HeaderConst,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the spec gives {} = {}, <{}> has {}",
            self.name.at, self.name.c_name, self.name.value, self.header.header, self.header.value
        )
    }
}

/// The outcome of [`cross_check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossCheck {
    /// Names found in the headers with the spec's value.
    pub agreed: usize,
    /// Names found with another value.
    pub disagreements: Vec<Disagreement>,
    /// Names the headers do not define (or not as a constant).
    pub missing: Vec<SpecName>,
}

impl CrossCheck {
    /// One line: how many names were found, how many agree.
    pub fn summary(&self) -> String {
        format!(
            "{} names checked against the uapi headers: {} agree, {} disagree, {} not in the headers",
            self.agreed + self.disagreements.len() + self.missing.len(),
            self.agreed,
            self.disagreements.len(),
            self.missing.len()
        )
    }
}

/// Compares every name of the spec ([`spec_names`]) with the headers.
pub fn cross_check(spec_yaml: &str, headers: &HeaderConstants) -> Result<CrossCheck, UapiError> {
    let v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    Ok(check_names(names_of(&v)?, headers))
}

pub(super) fn check_names(names: Vec<SpecName>, headers: &HeaderConstants) -> CrossCheck {
    let mut r = CrossCheck::default();
    for n in names {
        match headers.get(&n.c_name) {
            Some(h) if h.value == n.value => r.agreed += 1,
            Some(h) => r.disagreements.push(Disagreement { name: n, header: h }),
            None => r.missing.push(n),
        }
    }
    r
}
