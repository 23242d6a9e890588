//! What each attribute becomes: its field's kind and type, its checks.

use std::collections::HashMap;

use super::doc::escape_doc;
use crate::family::{Checks, SpecFamily};
use crate::spec::{self, AttrSpec, OpMode};
use crate::{invalid, unsupported, ImportError};

/// Largest netlink attribute id (`NLA_TYPE_MASK`).
pub(crate) const MAX_ATTR_ID: u64 = genl_rules::limits::MAX_ATTR_ID as u64;

/// How one attribute becomes a field.
#[derive(Clone)]
pub(crate) enum FieldKind {
    /// `Option<ty>`; `nested` marks nested sets.
    Single { ty: String, be: bool, nested: bool },
    /// `bool` for a flag.
    Flag,
    /// `Vec<ty>` with `multi`.
    Multi { ty: String },
    /// `Vec<ty>` with `indexed`.
    Indexed { ty: String },
    /// A `type-value` nest: `depth` levels of children keyed by their
    /// attribute type, then `inner` (a set or a scalar), as
    /// `Vec<Keyed<…>>` with `indexed`.
    TypeValue { inner: String, depth: usize },
    /// No field; the reason goes into a comment.
    Skip(String),
}

pub(crate) struct Field {
    pub(crate) ynl_name: String,
    pub(crate) ident: String,
    pub(crate) id: u64,
    pub(crate) kind: FieldKind,
    pub(crate) doc: Option<String>,
    pub(crate) note: String,
    /// The derive's check keys (`max_len = 64`), with `exact`.
    pub(crate) checks: Vec<String>,
}

pub(crate) struct SetOut {
    pub(crate) ynl_name: String,
    pub(crate) rust: String,
    pub(crate) doc: Option<String>,
    pub(crate) subset_of: Option<String>,
    pub(crate) fields: Vec<Field>,
}

/// The ids of `attrs`, the attributes of set `set`, as the run-time model
/// numbered them (YNL's attribute numbering lives in `family` only).
pub(crate) fn numbered<'a>(
    model: &SpecFamily,
    set: &str,
    attrs: &'a [AttrSpec],
) -> Result<Vec<(u64, &'a AttrSpec)>, ImportError> {
    attrs
        .iter()
        .map(|a| {
            let id = model.set(set).and_then(|s| s.attr(&a.name)).map(|m| m.id);
            let id = id.ok_or_else(|| {
                invalid(
                    format!("attribute-sets/{set}/{}", a.name),
                    "not in the run-time model",
                )
            })?;
            Ok((u64::from(id), a))
        })
        .collect()
}

pub(crate) fn scalar_ty(t: &str) -> Option<&'static str> {
    Some(match t {
        "u8" => "u8",
        "u16" => "u16",
        "u32" => "u32",
        "u64" => "u64",
        "s8" => "i8",
        "s16" => "i16",
        "s32" => "i32",
        "s64" => "i64",
        "uint" => "genl_core::Uint",
        "sint" => "genl_core::Sint",
        _ => return None,
    })
}

/// What an attribute becomes, and the set it nests.
pub(crate) fn field_kind(
    at: &str,
    a: &AttrSpec,
    set_names: &HashMap<&str, String>,
    enum_names: &HashMap<&str, (String, bool)>,
    note: &mut Vec<String>,
) -> Result<(FieldKind, Option<String>), ImportError> {
    let Some(ty) = a.ty.as_deref() else {
        return Err(invalid(at, "attribute without `type`"));
    };
    let multi = a.multi_attr.unwrap_or(false);
    let be = match a.byte_order.as_deref() {
        None | Some("little-endian") | Some("host") => false,
        Some("big-endian") => true,
        Some(o) => return Err(unsupported(at, format!("byte-order `{o}`"))),
    };
    if a.sub_message.is_some() || ty == "sub-message" {
        note.push(format!(
            "A sub-message `{}`: its layout is chosen by the value of `{}` (the spec's \
             `sub-messages` name the attribute set of each value); raw bytes here.",
            escape_doc(a.sub_message.as_deref().unwrap_or("?")),
            escape_doc(a.selector.as_deref().unwrap_or("?"))
        ));
        return Ok((
            single_or_multi("&'a [u8]".into(), false, false, multi),
            None,
        ));
    }
    if let Some(e) = &a.enum_ {
        match enum_names.get(e.as_str()) {
            Some((rust, false)) => note.push(format!("Values of the enum [`{rust}`].")),
            Some((rust, true)) => note.push(format!("Bits of [`{rust}`].")),
            None => note.push(format!("Values of the spec's `{}` enum.", escape_doc(e))),
        }
    }
    let nested_set = |at: &str| -> Result<String, ImportError> {
        let n = a
            .nested_attributes
            .as_deref()
            .ok_or_else(|| invalid(at, "nest without `nested-attributes`"))?;
        set_names.get(n).cloned().ok_or(ImportError::Unknown {
            at: at.to_owned(),
            kind: "attribute set",
            name: n.to_owned(),
        })
    };
    let kind = match ty {
        "pad" => return Ok((FieldKind::Skip("padding".into()), None)),
        "unused" => return Ok((FieldKind::Skip("unused".into()), None)),
        "bitfield32" => single_or_multi("genl_core::Bitfield32".into(), false, false, multi),
        _ if a.type_value.is_some() || ty == "nest-type-value" => {
            let keys = a.type_value.as_deref().unwrap_or_default();
            let listed = keys
                .iter()
                .map(|t| format!("`{}`", escape_doc(t)))
                .collect::<Vec<_>>()
                .join(", ");
            // The leaves: the nested set, or a scalar of the attribute's type.
            let inner = match (a.nested_attributes.as_deref(), scalar_ty(ty)) {
                (Some(_), _) => Some((nested_set(at)?, true)),
                (None, Some(t)) => Some((t.to_owned(), false)),
                (None, None) => None,
            };
            match inner {
                Some((inner, is_set)) if !keys.is_empty() && !multi => {
                    note.push(format!(
                        "A nest keyed by value (`type-value`: {listed}): each leaf with the \
                         attribute types of the nests above it, as `Keyed` values."
                    ));
                    let set = is_set.then(|| inner.clone());
                    return Ok((
                        FieldKind::TypeValue {
                            inner,
                            depth: keys.len(),
                        },
                        set,
                    ));
                }
                _ => {
                    note.push(format!(
                        "A nest keyed by value (`type-value`: {listed}); raw bytes of the \
                         nest here (iterate them with `genl_core::AttrIter`)."
                    ));
                    single_or_multi("&'a [u8]".into(), false, false, multi)
                }
            }
        }
        "flag" if multi => return Err(unsupported(at, "multi-attr flag")),
        "flag" => FieldKind::Flag,
        "string" => single_or_multi("&'a str".into(), false, false, multi),
        "binary" => {
            if let Some(s) = &a.struct_ {
                note.push(format!("Raw bytes of the C struct `{}`.", escape_doc(s)));
            } else if let Some(s) = &a.sub_type {
                note.push(format!(
                    "Raw bytes of an array of `{}` (host byte order).",
                    escape_doc(s)
                ));
            }
            single_or_multi("&'a [u8]".into(), false, false, multi)
        }
        "nest" => {
            let set = nested_set(at)?;
            return Ok((single_or_multi(set.clone(), false, true, multi), Some(set)));
        }
        "indexed-array" => match a.sub_type.as_deref() {
            Some("nest") => {
                let set = nested_set(at)?;
                return Ok((FieldKind::Indexed { ty: set.clone() }, Some(set)));
            }
            Some(t) if scalar_ty(t).is_some() => FieldKind::Indexed {
                ty: scalar_ty(t).unwrap_or_default().into(),
            },
            Some(t) => {
                note.push(format!(
                    "An indexed array of `{}`; raw bytes of the nest here.",
                    escape_doc(t)
                ));
                single_or_multi("&'a [u8]".into(), false, false, multi)
            }
            None => return Err(invalid(at, "indexed-array without `sub-type`")),
        },
        t => match scalar_ty(t) {
            Some(rust) => {
                if be && (t == "uint" || t == "sint") {
                    return Err(unsupported(at, format!("big-endian `{t}`")));
                }
                // One byte has no byte order.
                let be = be && !matches!(t, "u8" | "s8");
                single_or_multi(rust.into(), be, false, multi)
            }
            None => return Err(unsupported(at, format!("attribute type `{t}`"))),
        },
    };
    Ok((kind, None))
}

pub(crate) fn single_or_multi(ty: String, be: bool, nested: bool, multi: bool) -> FieldKind {
    if multi {
        let _ = nested;
        if be {
            FieldKind::Multi {
                ty: format!("genl_core::Be<{ty}>"),
            }
        } else {
            FieldKind::Multi { ty }
        }
    } else {
        FieldKind::Single { ty, be, nested }
    }
}

/// The field type of a `type-value` nest `depth` levels deep over `inner`:
/// `Vec<Keyed<inner>>`, `Vec<Keyed<Vec<Keyed<inner>>>>`, …
pub(crate) fn type_value_ty(inner: &str, depth: usize) -> String {
    let mut t = format!("genl_core::Keyed<{inner}>");
    for _ in 1..depth {
        t = format!("genl_core::Keyed<Vec<{t}>>");
    }
    format!("Vec<{t}>")
}

/// An operation's ids.
pub(crate) struct OpIds {
    /// The command number the request carries (the `Family` variant's).
    pub(crate) req: Option<u64>,
    /// The message id of replies and notifications.
    pub(crate) rsp: Option<u64>,
}

pub(crate) fn op_mode(op: &spec::OpSpec) -> Option<&OpMode> {
    op.do_.as_ref().or(op.dump.as_ref())
}

/// The derive's check keys for the `checks` of `a` (with `exact`), with
/// the values the run-time model resolved them to (`checks`: numbers,
/// `const` names and YNL limit names, read in one place).
pub(crate) fn check_keys(
    at: &str,
    a: &AttrSpec,
    checks: &Checks,
) -> Result<Vec<String>, ImportError> {
    if a.checks.is_none() {
        return Ok(Vec::new());
    }
    let known = ["min", "max", "min-len", "max-len", "exact-len"];
    let mut names = a.checks.iter().flat_map(|c| c.0.keys());
    if let Some(k) = names.find(|k| !known.contains(&k.as_str())) {
        return Err(unsupported(at, format!("check `{k}`")));
    }
    let mut out = Vec::new();
    let mut key = |name: &str, v: Option<i128>| {
        if let Some(v) = v {
            out.push(format!("{name} = {v}"));
        }
    };
    key("min", checks.min);
    key("max", checks.max);
    key("min_len", checks.min_len.map(i128::from));
    key("max_len", checks.max_len.map(i128::from));
    key("min_len", checks.exact_len.map(i128::from));
    key("max_len", checks.exact_len.map(i128::from));
    Ok(out)
}
