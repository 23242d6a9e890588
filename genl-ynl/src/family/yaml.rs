//! Reading the spec's YAML: typed fields with errors that say where.

use serde_yaml_ng::{Mapping, Value as Yaml};

use super::{err, ByteOrder, DisplayHint, SpecError};

pub(super) fn key<'y>(m: &'y Mapping, k: &str) -> Option<&'y Yaml> {
    m.get(k)
}

pub(super) fn as_map<'y>(v: &'y Yaml, at: &str) -> Result<&'y Mapping, SpecError> {
    v.as_mapping()
        .ok_or_else(|| err(at, format!("expected a map, found {}", yaml_kind(v))))
}

/// What a YAML value is, for messages (`a map`, `a list`, …).
pub(crate) fn yaml_kind(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "nothing",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a map",
        Yaml::Tagged(_) => "a tagged value",
    }
}

pub(super) fn opt_str<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<Option<&'y str>, SpecError> {
    match key(m, k) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::String(s)) => Ok(Some(s)),
        Some(v) => Err(err(
            format!("{at}/{k}"),
            format!("expected a string, found {}", yaml_kind(v)),
        )),
    }
}

pub(super) fn req_str<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y str, SpecError> {
    opt_str(m, k, at)?.ok_or_else(|| err(at, format!("`{k}` is missing")))
}

pub(super) fn opt_bool(m: &Mapping, k: &str, at: &str) -> Result<bool, SpecError> {
    match key(m, k) {
        None | Some(Yaml::Null) => Ok(false),
        Some(Yaml::Bool(b)) => Ok(*b),
        Some(v) => Err(err(
            format!("{at}/{k}"),
            format!("expected true or false, found {}", yaml_kind(v)),
        )),
    }
}

pub(super) fn seq<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y [Yaml], SpecError> {
    match key(m, k) {
        None | Some(Yaml::Null) => Ok(&[]),
        Some(Yaml::Sequence(s)) => Ok(s),
        Some(v) => Err(err(
            format!("{at}/{k}"),
            format!("expected a list, found {}", yaml_kind(v)),
        )),
    }
}

/// The name of a list element, for error paths.
pub(super) fn elem_name(v: &Yaml, i: usize) -> String {
    match v {
        Yaml::String(s) => s.clone(),
        Yaml::Mapping(m) => match m.get("name") {
            Some(Yaml::String(s)) => s.clone(),
            _ => format!("#{i}"),
        },
        _ => format!("#{i}"),
    }
}

pub(super) fn byte_order(m: &Mapping, at: &str) -> Result<ByteOrder, SpecError> {
    Ok(match opt_str(m, "byte-order", at)? {
        None => ByteOrder::Host,
        Some("little-endian") => ByteOrder::Little,
        Some("big-endian") => ByteOrder::Big,
        Some(o) => {
            return Err(err(
                format!("{at}/byte-order"),
                format!("unknown byte order `{o}`"),
            ))
        }
    })
}

pub(super) fn display_hint(m: &Mapping, at: &str) -> Result<Option<DisplayHint>, SpecError> {
    Ok(Some(match opt_str(m, "display-hint", at)? {
        None => return Ok(None),
        Some("hex") => DisplayHint::Hex,
        Some("mac") => DisplayHint::Mac,
        Some("fddi") => DisplayHint::Fddi,
        Some("ipv4") => DisplayHint::Ipv4,
        Some("ipv6") => DisplayHint::Ipv6,
        Some("uuid") => DisplayHint::Uuid,
        Some(h) => {
            return Err(err(
                format!("{at}/display-hint"),
                format!("unknown display hint `{h}`"),
            ))
        }
    }))
}
