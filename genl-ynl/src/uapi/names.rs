//! Every numbered thing of a spec named as `ynl-gen-c.py` names it in C,
//! with the value `nlspec.py` gives it.

use super::*;

/// What a numbered name of a spec numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An attribute of an attribute set (not a subset).
    Attribute,
    /// An operation's command (unified) or request id (directional).
    Operation,
    /// The message id of a directional operation's reply or notification.
    Reply,
    /// An entry of an `enum` definition.
    EnumEntry,
    /// An entry of a `flags` definition (the C value is `1 << position`).
    FlagsEntry,
    /// A `const` definition.
    Const,
    /// The family name (`<NAME>_FAMILY_NAME` or `c-family-name`).
    FamilyName,
    /// The family version (`<NAME>_FAMILY_VERSION` or `c-version-name`).
    Version,
    /// A multicast group: its name, or its number in a netlink-raw spec.
    McastGroup,
}

/// Where a spec name lives, for [`corrected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Attr(usize, usize),
    Op(usize),
    Entry(usize, usize),
    None,
}

/// One numbered (or named) thing of a spec, with the C name ynl-gen-c
/// gives it and the value nlspec.py gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecName {
    /// The place in the spec (`attribute-sets/policy-attrs/mask`).
    pub at: String,
    /// What it is.
    pub kind: NameKind,
    /// Its C name (`NL_POLICY_TYPE_ATTR_MASK`).
    pub c_name: String,
    /// Its value as the spec gives it (flags: `1 << position`).
    pub value: ConstValue,
    pub(super) slot: Slot,
}

pub(super) fn c_upper(s: &str) -> String {
    s.to_uppercase().replace('-', "_")
}

pub(super) fn str_of<'v>(m: &'v Mapping, key: &str) -> Option<&'v str> {
    m.get(key).and_then(Value::as_str)
}

pub(super) fn int_of(m: &Mapping, key: &str) -> Option<i128> {
    m.get(key).and_then(Value::as_i64).map(i128::from)
}

pub(super) fn list<'v>(m: &'v Mapping, key: &str) -> &'v [Value] {
    m.get(key)
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

/// Every numbered or named thing of the spec, as `ynl-gen-c.py` (Linux
/// 6.12) names it in C and `nlspec.py` numbers it.
pub fn spec_names(spec_yaml: &str) -> Result<Vec<SpecName>, UapiError> {
    let v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    names_of(&v)
}

pub(super) fn names_of(v: &Value) -> Result<Vec<SpecName>, UapiError> {
    let top = v
        .as_mapping()
        .ok_or_else(|| UapiError("the spec is not a mapping".into()))?;
    let family = str_of(top, "name").ok_or_else(|| UapiError("the spec has no name".into()))?;
    let ident = family.replace('-', "_");
    let mut out = Vec::new();
    let mut push = |at: String, kind, c_name: String, value, slot| {
        out.push(SpecName {
            at,
            kind,
            c_name: c_upper(&c_name),
            value,
            slot,
        })
    };
    let raw = str_of(top, "protocol") == Some("netlink-raw");
    if !raw {
        push(
            "name".into(),
            NameKind::FamilyName,
            str_of(top, "c-family-name")
                .map_or_else(|| format!("{family}_FAMILY_NAME"), str::to_owned),
            ConstValue::Str(family.to_owned()),
            Slot::None,
        );
        push(
            "version".into(),
            NameKind::Version,
            str_of(top, "c-version-name")
                .map_or_else(|| format!("{family}_FAMILY_VERSION"), str::to_owned),
            ConstValue::Int(int_of(top, "version").unwrap_or(1)),
            Slot::None,
        );
    }
    for (di, d) in list(top, "definitions").iter().enumerate() {
        let Some(d) = d.as_mapping() else { continue };
        let Some(name) = str_of(d, "name") else {
            continue;
        };
        match str_of(d, "type") {
            Some(ty @ ("enum" | "flags")) => {
                let pfx = str_of(d, "name-prefix")
                    .map_or_else(|| format!("{ident}-{name}-"), str::to_owned);
                let mut val = int_of(d, "value-start").unwrap_or(0);
                for (ei, e) in list(d, "entries").iter().enumerate() {
                    let (ename, explicit) = match e {
                        Value::String(s) => (s.as_str(), None),
                        Value::Mapping(m) => (str_of(m, "name").unwrap_or(""), int_of(m, "value")),
                        _ => continue,
                    };
                    if let Some(x) = explicit {
                        val = x;
                    }
                    let (kind, c_val) = if ty == "flags" {
                        (
                            NameKind::FlagsEntry,
                            1i128.checked_shl(u32::try_from(val).unwrap_or(u32::MAX)),
                        )
                    } else {
                        (NameKind::EnumEntry, Some(val))
                    };
                    if let Some(c_val) = c_val {
                        push(
                            format!("definitions/{name}/{ename}"),
                            kind,
                            format!("{pfx}{ename}"),
                            ConstValue::Int(c_val),
                            Slot::Entry(di, ei),
                        );
                    }
                    val += 1;
                }
            }
            Some("const") => {
                let value = match d.get("value") {
                    Some(Value::String(s)) => ConstValue::Str(s.clone()),
                    Some(x) => match x.as_i64() {
                        Some(i) => ConstValue::Int(i.into()),
                        None => continue,
                    },
                    None => continue,
                };
                push(
                    format!("definitions/{name}"),
                    NameKind::Const,
                    format!("{ident}-{name}"),
                    value,
                    Slot::None,
                );
            }
            _ => {}
        }
    }
    for (si, s) in list(top, "attribute-sets").iter().enumerate() {
        let Some(s) = s.as_mapping() else { continue };
        if s.contains_key("subset-of") {
            continue;
        }
        let Some(sname) = str_of(s, "name") else {
            continue;
        };
        let pfx = match str_of(s, "name-prefix") {
            Some(p) => p.to_owned(),
            None if sname == family => format!("{ident}-a-"),
            None => format!("{ident}-a-{sname}-"),
        };
        let mut val = 1i128;
        for (ai, a) in list(s, "attributes").iter().enumerate() {
            let Some(a) = a.as_mapping() else { continue };
            let aname = str_of(a, "name").unwrap_or("");
            if let Some(x) = int_of(a, "value") {
                val = x;
            }
            let c = match str_of(a, "name-prefix") {
                Some(p) => format!("{p}{aname}"),
                None => format!("{pfx}{aname}"),
            };
            push(
                format!("attribute-sets/{sname}/{aname}"),
                NameKind::Attribute,
                c,
                ConstValue::Int(val),
                Slot::Attr(si, ai),
            );
            val += 1;
        }
    }
    if let Some(ops) = top.get("operations").and_then(Value::as_mapping) {
        let op_pfx =
            str_of(ops, "name-prefix").map_or_else(|| format!("{family}-cmd-"), str::to_owned);
        let async_pfx = str_of(ops, "async-prefix").map_or_else(|| op_pfx.clone(), str::to_owned);
        let directional = str_of(ops, "enum-model") == Some("directional");
        let mut val = 1i128;
        for (oi, o) in list(ops, "list").iter().enumerate() {
            let Some(o) = o.as_mapping() else { continue };
            let oname = str_of(o, "name").unwrap_or("");
            let is_async = o.contains_key("notify") || o.contains_key("event");
            let pfx = if is_async { &async_pfx } else { &op_pfx };
            let at = format!("operations/{oname}");
            if !directional {
                if let Some(x) = int_of(o, "value") {
                    val = x;
                }
                push(
                    at,
                    NameKind::Operation,
                    format!("{pfx}{oname}"),
                    ConstValue::Int(val),
                    Slot::Op(oi),
                );
                val += 1;
                continue;
            }
            // Directional: ids written on each message (ethtool writes all).
            let mode = o
                .get("do")
                .or_else(|| o.get("dump"))
                .and_then(Value::as_mapping);
            let msg_value = |m: Option<&Mapping>, key: &str| {
                m.and_then(|m| m.get(key))
                    .and_then(Value::as_mapping)
                    .and_then(|r| int_of(r, "value"))
            };
            if is_async {
                if let Some(x) = int_of(o, "value") {
                    push(
                        at,
                        NameKind::Reply,
                        format!("{pfx}{oname}"),
                        ConstValue::Int(x),
                        Slot::None,
                    );
                }
                continue;
            }
            if let Some(x) = msg_value(mode, "request") {
                push(
                    at.clone(),
                    NameKind::Operation,
                    format!("{pfx}{oname}"),
                    ConstValue::Int(x),
                    Slot::None,
                );
            }
            if let Some(x) = msg_value(mode, "reply") {
                push(
                    format!("{at}/reply"),
                    NameKind::Reply,
                    format!("{pfx}{oname}-reply"),
                    ConstValue::Int(x),
                    Slot::None,
                );
            }
        }
    }
    if let Some(groups) = top.get("mcast-groups").and_then(Value::as_mapping) {
        for g in list(groups, "list") {
            let Some(g) = g.as_mapping() else { continue };
            let gname = str_of(g, "name").unwrap_or("");
            let c = str_of(g, "c-define-name")
                .map_or_else(|| format!("{ident}-mcgrp-{gname}"), str::to_owned);
            let value = match int_of(g, "value") {
                Some(x) => ConstValue::Int(x),
                None => ConstValue::Str(gname.to_owned()),
            };
            push(
                format!("mcast-groups/{gname}"),
                NameKind::McastGroup,
                c,
                value,
                Slot::None,
            );
        }
    }
    Ok(out)
}
