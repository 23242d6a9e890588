//! # genl-ynl
//!
//! Imports a kernel YNL spec (`Documentation/netlink/specs/*.yaml`) as Rust
//! declarations that use the derives of `genl-core`: a
//! [`ValueEnum`](https://docs.rs/genl-core) per `enum` definition, a module
//! of constants per `flags` definition, an `AttrSet` struct per attribute
//! set and a `Family` command enum.
//!
//! ```
//! let spec = "
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u32 }
//! operations:
//!   list:
//!     - name: get
//!       attribute-set: main
//!       do: { request: { attributes: [id] }, reply: { attributes: [id] } }
//! ";
//! let rust = genl_ynl::import(spec, &genl_ynl::ImportOptions::default()).unwrap();
//! assert!(rust.contains("#[nla(id = 1)]"));
//! assert!(rust.contains("#[genl(cmd = 1, request = Main, reply = Main)]"));
//! ```
//!
//! Numbering follows the kernel's `tools/net/ynl/lib/nlspec.py`: attributes
//! from 1 (or the last explicit `value:` + 1), enum entries from
//! `value-start` (default 0), flags are `1 << position`, operations from 1
//! in the `unified` model and with separate request and reply counters in
//! the `directional` model.
//!
//! Every attribute becomes an `Option` (or `Vec` for `multi-attr`, `bool` for
//! flags), since replies omit attributes. Integers that the spec ties to an
//! enum stay integers (a newer kernel may send values this import does not
//! know); the doc comment names the enum. `uint`/`sint` are
//! `genl_core::Uint`/`Sint`, `bitfield32` is `genl_core::Bitfield32`.
//!
//! Every spec of Linux 6.12 imports (the workspace's `tests/ynl/kernel/`):
//! - `struct` definitions become structs implementing
//!   `genl_core::FixedHeader`; an operation with a fixed header (Open
//!   vSwitch's `ovs-header`, rtnetlink's `ifinfomsg`, …) carries
//!   `genl_core::Headed<Header, Attrs>`;
//! - `netlink-raw` families (rtnetlink, tc, nftables) get a module `ops` of
//!   types implementing `genl_core::classic::RawOp` with the spec's message
//!   ids, for `ClassicConnection::request` and `dump`; generic netlink
//!   families get a `Family` command enum;
//! - a `sub-message` attribute (its layout chosen by another attribute's
//!   value, as rtnetlink's `data` by `kind`) is raw bytes in its set, and
//!   gets an enum of the formats (`LinkinfoDataMsg::Bridge(..)`, …,
//!   `Other(bytes)`) and an accessor on the set that decodes it by its
//!   selector (`linkinfo.data_msg()`), when the selector is a string of the
//!   same set;
//! - a `type-value` nest (children keyed by their attribute type, as
//!   nlctrl's policy dump: policy index → attribute id → policy) is
//!   `Vec<Keyed<…>>`, one `genl_core::Keyed` level per key;
//! - what has no typed form yet is the attribute's raw bytes, with a doc
//!   comment saying how to read them: indexed arrays of non-nests,
//!   sub-messages selected by an integer or from another set (nftables'
//!   `obj-data`), and nests that contain their own set again (`encap` in
//!   ovs_flow's `key-attrs`);
//! - `pad` attributes are left out (or, with `exact`, the set's `pad` key),
//!   as is an operation numbered 0 (team's `noop`: the derive reserves
//!   command 0), listed in the command enum's doc.
//!
//! Errors ([`ImportError`]) name the place in the spec: unknown types or
//! references, ids out of range, names that collide.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write as _};

pub mod codec;
pub mod compat;
pub mod family;
mod spec;
mod structs;
mod sub_message;
pub mod uapi;
pub mod value;
pub mod wireshark;

use spec::{AttrSpec, OpMode, Spec};

/// Options of [`import`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import only these operations (by YNL name) and the attribute sets
    /// they reach; `None` imports all of them.
    pub ops: Option<Vec<String>>,
    /// Import the schema exactly (`--exact`): the attributes' `checks`
    /// (`min`, `max`, `min-len`, `max-len`, `exact-len`, as the derive's
    /// `min`, `max`, `min_len`, `max_len` keys, enforced on both sides), and
    /// for an operation whose request or reply lists only some attributes of
    /// its set, a subset struct (`#[genl(subset_of = Set)]`) with those.
    /// Off by default: the kernel's specs write checks for the requests the
    /// kernel accepts, and its replies may carry values outside them, which
    /// the derive's decoder would then reject.
    pub exact: bool,
}

/// Why a spec could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The text is not YAML of the expected shape.
    Yaml(String),
    /// The spec uses a construct the importer cannot express.
    Unsupported {
        /// Where in the spec (e.g. `attribute-sets/dev/ifindex`).
        at: String,
        /// What is unsupported.
        what: String,
    },
    /// A name refers to something the spec does not define.
    Unknown {
        /// Where the reference is.
        at: String,
        /// What kind of thing was looked up (`attribute set`, `operation`, ...).
        kind: &'static str,
        /// The missing name.
        name: String,
    },
    /// A value is out of range or inconsistent.
    Invalid {
        /// Where in the spec.
        at: String,
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Yaml(e) => write!(f, "invalid YNL spec: {e}"),
            ImportError::Unsupported { at, what } => write!(f, "{at}: unsupported: {what}"),
            ImportError::Unknown { at, kind, name } => write!(f, "{at}: unknown {kind} `{name}`"),
            ImportError::Invalid { at, what } => write!(f, "{at}: {what}"),
        }
    }
}

impl std::error::Error for ImportError {}

fn unsupported(at: impl Into<String>, what: impl Into<String>) -> ImportError {
    ImportError::Unsupported {
        at: at.into(),
        what: what.into(),
    }
}

fn invalid(at: impl Into<String>, what: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        at: at.into(),
        what: what.into(),
    }
}

/// Largest netlink attribute id (`NLA_TYPE_MASK`).
const MAX_ATTR_ID: u64 = 0x3fff;

// ---------------------------------------------------------------------------
// Names.

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// Names a generated type must not take: they would shadow what the
/// generated code (or the derives' output) uses unqualified.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Result",
    "Ok",
    "Err",
    "Box",
    "Self",
    "AttrSet",
    "Family",
    "ValueEnum",
    "Default",
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
];

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

fn camel(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(c) = cs.next() {
            s.push(c.to_ascii_uppercase());
            s.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'N');
    }
    s
}

fn snake(name: &str) -> String {
    let mut s = words(name)
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if ["self", "super", "crate"].contains(&s.as_str()) {
        s.push('_');
    } else if KEYWORDS.contains(&s.as_str()) {
        s.insert_str(0, "r#");
    }
    s
}

fn upper(name: &str) -> String {
    let mut s = words(name)
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// Hands out unique type names.
#[derive(Default)]
struct Names {
    taken: HashSet<String>,
}

impl Names {
    fn take(&mut self, base: String, suffix: &str) -> String {
        let mut name = base.clone();
        if RESERVED_TYPES.contains(&name.as_str()) || self.taken.contains(&name) {
            name = format!("{base}{suffix}");
        }
        let mut n = 2;
        while RESERVED_TYPES.contains(&name.as_str()) || self.taken.contains(&name) {
            name = format!("{base}{suffix}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

// ---------------------------------------------------------------------------
// Doc comments.

/// Escapes text from the spec for rustdoc: no intra-doc links, HTML tags or
/// code blocks by accident.
fn escape_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            out.push('<');
            out.push_str(word);
            out.push('>');
            continue;
        }
        for c in word.chars() {
            if matches!(c, '[' | ']' | '<' | '>') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// The paragraphs of a spec `doc:`, each on one line, escaped.
fn doc_paragraphs(doc: Option<&str>) -> Vec<String> {
    let Some(doc) = doc else { return Vec::new() };
    let mut paras = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in doc.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                paras.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(t);
        }
    }
    if !cur.is_empty() {
        paras.push(cur.join(" "));
    }
    paras
        .into_iter()
        .map(|p| {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            escape_doc(&p)
        })
        .collect()
}

/// Writes `///` lines: the spec's paragraphs, then `extra` (already rustdoc).
fn write_doc(out: &mut String, indent: &str, spec_doc: Option<&str>, extra: &[String]) {
    let mut paras = doc_paragraphs(spec_doc);
    paras.extend(extra.iter().cloned());
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{indent}///");
        }
        let _ = writeln!(out, "{indent}/// {p}");
    }
}

// ---------------------------------------------------------------------------
// The resolved model.

/// How one attribute becomes a field.
#[derive(Clone)]
enum FieldKind {
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

struct Field {
    ynl_name: String,
    ident: String,
    id: u64,
    kind: FieldKind,
    doc: Option<String>,
    note: String,
    /// The derive's check keys (`max_len = 64`), with `exact`.
    checks: Vec<String>,
}

struct SetOut {
    ynl_name: String,
    rust: String,
    doc: Option<String>,
    subset_of: Option<String>,
    fields: Vec<Field>,
}

/// Ids of an attribute set: name → (id, spec).
fn numbered(attrs: &[AttrSpec]) -> Vec<(u64, &AttrSpec)> {
    let mut val = 1;
    attrs
        .iter()
        .map(|a| {
            if let Some(v) = a.value {
                val = v;
            }
            let r = (val, a);
            val += 1;
            r
        })
        .collect()
}

fn scalar_ty(t: &str) -> Option<&'static str> {
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
fn field_kind(
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

fn single_or_multi(ty: String, be: bool, nested: bool, multi: bool) -> FieldKind {
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
fn type_value_ty(inner: &str, depth: usize) -> String {
    let mut t = format!("genl_core::Keyed<{inner}>");
    for _ in 1..depth {
        t = format!("genl_core::Keyed<Vec<{t}>>");
    }
    format!("Vec<{t}>")
}

/// An operation's ids.
struct OpIds {
    /// The command number the request carries (the `Family` variant's).
    req: Option<u64>,
    /// The message id of replies and notifications.
    rsp: Option<u64>,
}

fn op_mode(op: &spec::OpSpec) -> Option<&OpMode> {
    op.do_.as_ref().or(op.dump.as_ref())
}

/// The value of a check: a number, a named limit (`u32-max`, `s16-min`)
/// or the name of an integer `const` definition.
fn check_value(
    at: &str,
    v: &serde_yaml_ng::Value,
    defs: &[spec::Definition],
) -> Result<i128, ImportError> {
    if let Some(n) = v.as_i64() {
        return Ok(n.into());
    }
    if let Some(n) = v.as_u64() {
        return Ok(n.into());
    }
    let Some(name) = v.as_str() else {
        return Err(invalid(
            at,
            format!("check value {v:?} is not a number or a name"),
        ));
    };
    let limit = match name {
        "u8-max" => Some(u8::MAX.into()),
        "u16-max" => Some(u16::MAX.into()),
        "u32-max" => Some(u32::MAX.into()),
        "u64-max" => Some(u64::MAX.into()),
        "s8-min" => Some(i8::MIN.into()),
        "s8-max" => Some(i8::MAX.into()),
        "s16-min" => Some(i16::MIN.into()),
        "s16-max" => Some(i16::MAX.into()),
        "s32-min" => Some(i32::MIN.into()),
        "s32-max" => Some(i32::MAX.into()),
        "s64-min" => Some(i64::MIN.into()),
        "s64-max" => Some(i64::MAX.into()),
        _ => None,
    };
    if let Some(l) = limit {
        return Ok(l);
    }
    defs.iter()
        .find(|d| d.name == name && d.ty == "const")
        .and_then(|d| d.value.as_ref())
        .and_then(|v| v.as_i64())
        .map(i128::from)
        .ok_or(ImportError::Unknown {
            at: at.to_owned(),
            kind: "check limit",
            name: name.to_owned(),
        })
}

/// The derive's check keys for the `checks` of `a` (with `exact`).
fn check_keys(
    at: &str,
    a: &AttrSpec,
    defs: &[spec::Definition],
) -> Result<Vec<String>, ImportError> {
    let Some(c) = &a.checks else {
        return Ok(Vec::new());
    };
    if let Some(k) = c.other.keys().next() {
        return Err(unsupported(at, format!("check `{k}`")));
    }
    let mut out = Vec::new();
    let mut key = |name: &str, v: &Option<serde_yaml_ng::Value>| -> Result<(), ImportError> {
        if let Some(v) = v {
            out.push(format!("{name} = {}", check_value(at, v, defs)?));
        }
        Ok(())
    };
    key("min", &c.min)?;
    key("max", &c.max)?;
    key("min_len", &c.min_len)?;
    key("max_len", &c.max_len)?;
    key("min_len", &c.exact_len)?;
    key("max_len", &c.exact_len)?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// The import.

/// Turns a YNL spec into Rust source using the `genl-core` derives.
///
/// The output is one module's worth of items (with a `//!` header), already
/// `rustfmt`-formatted, meant to be saved as a module file, e.g.
/// `src/netdev.rs`. It names `genl_core`, which the including crate must
/// depend on.
pub fn import(spec_yaml: &str, opts: &ImportOptions) -> Result<String, ImportError> {
    let spec: Spec =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| ImportError::Yaml(e.to_string()))?;
    // The run-time model resolves what both need the same way: message ids
    // of every protocol, each operation's fixed header, struct layouts.
    let model = family::Family::parse(spec_yaml).map_err(|e| ImportError::Invalid {
        at: e.at,
        what: e.what,
    })?;
    let raw = match model.protocol {
        family::Protocol::Genetlink => None,
        family::Protocol::Raw { protonum } => Some(protonum),
    };
    if raw.is_none() && (spec.name.is_empty() || spec.name.len() > 15) {
        return Err(invalid("name", "family names have 1 to 15 bytes"));
    }
    let directional = match spec
        .operations
        .as_ref()
        .and_then(|o| o.enum_model.as_deref())
    {
        None | Some("unified") => false,
        Some("directional") => true,
        Some(m) => return Err(unsupported("operations/enum-model", format!("`{m}`"))),
    };
    let ops_list: &[spec::OpSpec] = spec.operations.as_ref().map_or(&[], |o| &o.list);
    // The operations' numbers, as the run-time model gives them (one
    // implementation of YNL's numbering: `family.rs`).
    if model.ops.len() != ops_list.len() {
        return Err(invalid(
            "operations",
            format!(
                "{} operations in the spec, {} in the model",
                ops_list.len(),
                model.ops.len()
            ),
        ));
    }
    let ids: Vec<OpIds> = model
        .ops
        .iter()
        .map(|o| OpIds {
            req: o.req_value.map(u64::from),
            rsp: o.rsp_value.map(u64::from),
        })
        .collect();

    // Selected operations.
    let selected: Vec<usize> = match &opts.ops {
        None => (0..ops_list.len()).collect(),
        Some(names) => {
            let mut v = Vec::new();
            for n in names {
                let i = ops_list
                    .iter()
                    .position(|o| &o.name == n)
                    .ok_or(ImportError::Unknown {
                        at: "--ops".into(),
                        kind: "operation",
                        name: n.clone(),
                    })?;
                if !v.contains(&i) {
                    v.push(i);
                }
            }
            v.sort_unstable();
            v
        }
    };

    let sets_by_name: HashMap<&str, &spec::AttrSetSpec> = spec
        .attribute_sets
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let op_set =
        |i: usize| -> Result<Option<&str>, ImportError> {
            let op = &ops_list[i];
            let mut name = op.attribute_set.as_deref();
            if name.is_none() {
                if let Some(target) = &op.notify {
                    let t = ops_list.iter().find(|o| &o.name == target).ok_or(
                        ImportError::Unknown {
                            at: format!("operations/{}", op.name),
                            kind: "operation",
                            name: target.clone(),
                        },
                    )?;
                    name = t.attribute_set.as_deref();
                }
            }
            if let Some(n) = name {
                if !sets_by_name.contains_key(n) {
                    return Err(ImportError::Unknown {
                        at: format!("operations/{}", op.name),
                        kind: "attribute set",
                        name: n.to_owned(),
                    });
                }
            }
            Ok(name)
        };

    // Attribute sets to generate: all, or those the selected ops reach.
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    if opts.ops.is_none() {
        wanted.extend(spec.attribute_sets.iter().map(|s| s.name.as_str()));
    } else {
        let mut todo: Vec<&str> = Vec::new();
        for &i in &selected {
            if let Some(s) = op_set(i)? {
                todo.push(s);
            }
        }
        while let Some(s) = todo.pop() {
            if !wanted.insert(s) {
                continue;
            }
            let set = sets_by_name[s];
            let attrs: Vec<&AttrSpec> = match &set.subset_of {
                None => set.attributes.iter().collect(),
                Some(p) => {
                    let parent = sets_by_name.get(p.as_str()).ok_or(ImportError::Unknown {
                        at: format!("attribute-sets/{s}"),
                        kind: "attribute set",
                        name: p.clone(),
                    })?;
                    set.attributes
                        .iter()
                        .filter_map(|a| parent.attributes.iter().find(|pa| pa.name == a.name))
                        .collect()
                }
            };
            for a in attrs {
                if let Some(n) = &a.nested_attributes {
                    if !sets_by_name.contains_key(n.as_str()) {
                        return Err(ImportError::Unknown {
                            at: format!("attribute-sets/{s}/{}", a.name),
                            kind: "attribute set",
                            name: n.clone(),
                        });
                    }
                    todo.push(n);
                }
            }
        }
    }

    // Type names: sets first, then the command enum, helpers, enums.
    let mut names = Names::default();
    let mut set_names: HashMap<&str, String> = HashMap::new();
    for s in &spec.attribute_sets {
        if wanted.contains(s.name.as_str()) {
            set_names.insert(&s.name, names.take(camel(&s.name), "Attrs"));
        }
    }
    let cmd_name = names.take("Cmd".into(), "Family");
    // C structs (fixed headers, layouts of binary attributes).
    let mut struct_names: HashMap<&str, String> = HashMap::new();
    for d in &spec.definitions {
        if d.ty == "struct" {
            struct_names.insert(&d.name, names.take(camel(&d.name), "Struct"));
        }
    }
    // The fixed header of operation `i`, as a Rust type.
    let header_of = |i: usize| -> Option<String> {
        let name = model.ops.get(i)?.fixed_header.as_deref()?;
        struct_names.get(name).cloned()
    };
    // enum name → (Rust name, is flags)
    let mut enum_names: HashMap<&str, (String, bool)> = HashMap::new();
    let mut flag_mods: HashSet<String> = HashSet::new();
    for d in &spec.definitions {
        match d.ty.as_str() {
            "enum" if !d.entries.is_empty() => {
                enum_names.insert(&d.name, (names.take(camel(&d.name), "Enum"), false));
            }
            "flags" => {
                let mut m = snake(&d.name);
                while !flag_mods.insert(m.clone()) {
                    m.push('_');
                }
                enum_names.insert(&d.name, (m, true));
            }
            _ => {}
        }
    }

    // Resolve the sets.
    let mut sets: Vec<SetOut> = Vec::new();
    for s in &spec.attribute_sets {
        if !wanted.contains(s.name.as_str()) {
            continue;
        }
        let at_set = format!("attribute-sets/{}", s.name);
        let all: Vec<(u64, &AttrSpec)> = match &s.subset_of {
            None => numbered(&s.attributes),
            Some(p) => {
                let parent = sets_by_name.get(p.as_str()).ok_or(ImportError::Unknown {
                    at: at_set.clone(),
                    kind: "attribute set",
                    name: p.clone(),
                })?;
                let pn = numbered(&parent.attributes);
                let mut v = Vec::new();
                let mut listed = HashSet::new();
                for a in &s.attributes {
                    // A name listed twice (devlink's `dl-dpipe-table` does)
                    // is one attribute.
                    if !listed.insert(a.name.as_str()) {
                        continue;
                    }
                    let found = pn.iter().find(|(_, pa)| pa.name == a.name).ok_or(
                        ImportError::Unknown {
                            at: at_set.clone(),
                            kind: "attribute of the parent set",
                            name: a.name.clone(),
                        },
                    )?;
                    v.push(*found);
                }
                v
            }
        };
        let mut fields = Vec::new();
        let mut seen_ids: HashMap<u64, &str> = HashMap::new();
        let mut seen_idents: HashSet<String> = HashSet::new();
        for (id, a) in all {
            let at = format!("{at_set}/{}", a.name);
            // `unspec`-style placeholders (`type: unused`, usually id 0,
            // as genl's own export and many kernel specs write them) only
            // reserve an id.
            if a.ty.as_deref() == Some("unused") {
                continue;
            }
            if id > MAX_ATTR_ID {
                return Err(invalid(
                    &at,
                    format!("attribute id {id} is not in 0..=16383"),
                ));
            }
            if let Some(prev) = seen_ids.insert(id, &a.name) {
                return Err(invalid(
                    &at,
                    format!("attribute id {id} also used by `{prev}`"),
                ));
            }
            let mut note = Vec::new();
            let (kind, _nests) = field_kind(&at, a, &set_names, &enum_names, &mut note)?;
            let ident = snake(&a.name);
            if !matches!(kind, FieldKind::Skip(_)) && !seen_idents.insert(ident.clone()) {
                return Err(invalid(
                    &at,
                    format!("two attributes map to the field `{ident}`"),
                ));
            }
            let ty = a.ty.as_deref().unwrap_or_default();
            let mut line = format!("`{}`: `{ty}`, id {id}.", escape_doc(&a.name));
            for n in note {
                line.push(' ');
                line.push_str(&n);
            }
            let checks = if opts.exact {
                check_keys(&at, a, &spec.definitions)?
            } else {
                Vec::new()
            };
            fields.push(Field {
                ynl_name: a.name.clone(),
                ident,
                id,
                kind,
                doc: a.doc.clone(),
                note: line,
                checks,
            });
        }
        sets.push(SetOut {
            ynl_name: s.name.clone(),
            rust: set_names[s.name.as_str()].clone(),
            doc: s.doc.clone(),
            subset_of: s.subset_of.clone(),
            fields,
        });
    }

    // Nests that lead back to their own set (ovs_flow's `encap` is a
    // `key-attrs` inside `key-attrs`) would make an infinitely large type
    // and a cyclic schema; such a field is the nest's raw bytes, decoded
    // on demand with the set's own decoder.
    let nests = |f: &Field| -> Option<String> {
        match &f.kind {
            FieldKind::Single {
                ty, nested: true, ..
            } => Some(ty.clone()),
            FieldKind::Multi { ty }
            | FieldKind::Indexed { ty }
            | FieldKind::TypeValue { inner: ty, .. }
                if sets.iter().any(|s| &s.rust == ty) =>
            {
                Some(ty.clone())
            }
            _ => None,
        }
    };
    let edges: HashMap<String, Vec<String>> = sets
        .iter()
        .map(|s| (s.rust.clone(), s.fields.iter().filter_map(nests).collect()))
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut todo = vec![from.to_owned()];
        let mut seen = HashSet::new();
        while let Some(n) = todo.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                todo.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut cyclic: Vec<(usize, usize, String)> = Vec::new();
    for (si, s) in sets.iter().enumerate() {
        for (fi, f) in s.fields.iter().enumerate() {
            if let Some(t) = nests(f) {
                if reaches(&t, &s.rust) {
                    cyclic.push((si, fi, t));
                }
            }
        }
    }
    for (si, fi, t) in cyclic {
        let f = &mut sets[si].fields[fi];
        f.kind = match &f.kind {
            FieldKind::Single { .. } | FieldKind::TypeValue { .. } => FieldKind::Single {
                ty: "&'a [u8]".into(),
                be: false,
                nested: false,
            },
            _ => FieldKind::Multi {
                ty: "&'a [u8]".into(),
            },
        };
        f.note.push_str(&format!(
            " A nest of [`{t}`], which nests this set again: raw bytes of the nest here \
             (decode them with `{t}::decode`)."
        ));
    }

    // Which sets borrow ('a): strings, bytes, or a nested set that does.
    let mut borrows: HashSet<String> = HashSet::new();
    loop {
        let mut changed = false;
        for s in &sets {
            if borrows.contains(&s.rust) {
                continue;
            }
            let b = s.fields.iter().any(|f| match &f.kind {
                FieldKind::Single { ty, .. }
                | FieldKind::Multi { ty, .. }
                | FieldKind::Indexed { ty }
                | FieldKind::TypeValue { inner: ty, .. } => {
                    ty.contains("'a") || borrows.contains(ty)
                }
                _ => false,
            });
            if b {
                borrows.insert(s.rust.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let with_lt = |ty: &str| -> String {
        if borrows.contains(ty) {
            format!("{ty}<'a>")
        } else {
            ty.to_owned()
        }
    };

    // ---- Emit.
    let mut out = String::new();
    match raw {
        None => {
            let _ = writeln!(
                out,
                "//! Bindings for the `{}` generic netlink family, generated by `genl-ynl`",
                spec.name
            );
        }
        Some(p) => {
            let _ = writeln!(
                out,
                "//! Bindings for the `{}` netlink family (protocol {p}), generated by",
                spec.name
            );
            let _ = writeln!(
                out,
                "//! `genl-ynl`; its operations go through `genl_core::classic::ClassicConnection`."
            );
        }
    }
    let _ = writeln!(
        out,
        "//! from its YNL spec. Do not edit; regenerate instead."
    );
    if let Some(o) = &opts.ops {
        let _ = writeln!(out, "//!");
        let _ = writeln!(
            out,
            "//! Imported operations (`--ops`): {}.",
            o.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for p in doc_paragraphs(spec.doc.as_deref()) {
        let _ = writeln!(out, "//!");
        let _ = writeln!(out, "//! {p}");
    }
    out.push('\n');
    let mut imports = Vec::new();
    if !sets.is_empty() {
        imports.push("AttrSet");
    }
    if !selected.is_empty() && raw.is_none() {
        imports.push("Family");
    }
    if enum_names.values().any(|(_, flags)| !flags) {
        imports.push("ValueEnum");
    }
    match imports.len() {
        0 => {}
        1 => {
            let _ = writeln!(out, "use genl_core::{};", imports[0]);
        }
        _ => {
            let _ = writeln!(out, "use genl_core::{{{}}};", imports.join(", "));
        }
    }

    // Definitions.
    for d in &spec.definitions {
        let at = format!("definitions/{}", d.name);
        out.push('\n');
        match d.ty.as_str() {
            "enum" if d.entries.is_empty() => {
                let _ = writeln!(
                    out,
                    "// Enum `{}` has no entries in the spec; nothing to generate.",
                    d.name
                );
            }
            "enum" => {
                let (rust, _) = &enum_names[d.name.as_str()];
                let mut val = d.value_start.unwrap_or(0);
                let mut entries = Vec::new();
                let mut seen = HashSet::new();
                for e in &d.entries {
                    if let Some(v) = e.value() {
                        val = v;
                    }
                    let ident = camel(e.name());
                    if !seen.insert(ident.clone()) {
                        return Err(invalid(&at, format!("two entries map to `{ident}`")));
                    }
                    entries.push((ident, val, e));
                    val += 1;
                }
                let max = entries.iter().map(|e| e.1).max().unwrap_or(0);
                let repr = if max > u64::from(u32::MAX) {
                    "u64"
                } else {
                    "u32"
                };
                write_doc(
                    &mut out,
                    "",
                    d.doc.as_deref(),
                    &[format!("The YNL enum `{}`.", escape_doc(&d.name))],
                );
                let _ = writeln!(
                    out,
                    "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]"
                );
                let _ = writeln!(out, "#[allow(clippy::enum_variant_names)]");
                let _ = writeln!(out, "#[repr({repr})]");
                let _ = writeln!(out, "pub enum {rust} {{");
                for (ident, v, e) in &entries {
                    write_doc(
                        &mut out,
                        "    ",
                        e.doc(),
                        &[format!("`{}` = {v}.", escape_doc(e.name()))],
                    );
                    let _ = writeln!(out, "    {ident} = {v},");
                }
                let _ = writeln!(out, "}}");
            }
            "flags" => {
                let (module, _) = &enum_names[d.name.as_str()];
                let mut pos = d.value_start.unwrap_or(0);
                let mut entries = Vec::new();
                let mut seen = HashSet::new();
                for e in &d.entries {
                    if let Some(v) = e.value() {
                        pos = v;
                    }
                    if pos > 63 {
                        return Err(invalid(&at, format!("flag bit {pos} exceeds 63")));
                    }
                    let ident = upper(e.name());
                    if !seen.insert(ident.clone()) {
                        return Err(invalid(&at, format!("two entries map to `{ident}`")));
                    }
                    entries.push((ident, pos, e));
                    pos += 1;
                }
                let ty = if entries.iter().any(|e| e.1 > 31) {
                    "u64"
                } else {
                    "u32"
                };
                write_doc(
                    &mut out,
                    "",
                    d.doc.as_deref(),
                    &[format!(
                        "Bits of the YNL flags `{}`, as `{ty}` constants.",
                        escape_doc(&d.name)
                    )],
                );
                let _ = writeln!(out, "pub mod {module} {{");
                for (i, (ident, p, e)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    write_doc(
                        &mut out,
                        "    ",
                        e.doc(),
                        &[format!("`{}` = `1 << {p}`.", escape_doc(e.name()))],
                    );
                    let _ = writeln!(out, "    pub const {ident}: {ty} = 1 << {p};");
                }
                let _ = writeln!(out, "}}");
            }
            "const" => match d.value.as_ref().and_then(|v| v.as_i64()) {
                Some(v) => {
                    write_doc(
                        &mut out,
                        "",
                        d.doc.as_deref(),
                        &[format!("The YNL constant `{}`.", escape_doc(&d.name))],
                    );
                    let _ = writeln!(out, "pub const {}: i64 = {v};", upper(&d.name));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "// Constant `{}` is not an integer; not imported.",
                        d.name
                    );
                }
            },
            "struct" => {
                let def = model
                    .structs
                    .get(&d.name)
                    .ok_or_else(|| invalid(&at, "a struct the model does not have"))?;
                structs::emit(
                    &mut out,
                    &struct_names[d.name.as_str()],
                    def,
                    d.doc.as_deref(),
                )?;
            }
            t => {
                let _ = writeln!(
                    out,
                    "// Definition `{}` of type `{t}` is not imported; attributes using it are raw bytes.",
                    d.name
                );
            }
        }
    }

    // Attribute sets.
    for s in &sets {
        out.push('\n');
        let extra = vec![format!(
            "The YNL attribute set `{}`{}.",
            escape_doc(&s.ynl_name),
            match &s.subset_of {
                Some(p) => format!(" (a subset of `{}`)", escape_doc(p)),
                None => String::new(),
            }
        )];
        write_doc(&mut out, "", s.doc.as_deref(), &extra);
        let _ = writeln!(
            out,
            "#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]"
        );
        // `exact`: the set's pad attribute, as the derive's `pad` key (the
        // encoder aligns 64-bit attributes with it).
        let pad = s
            .fields
            .iter()
            .find(|f| opts.exact && matches!(&f.kind, FieldKind::Skip(why) if why == "padding"));
        if let Some(p) = pad {
            let _ = writeln!(out, "#[genl(pad = {})]", p.id);
        }
        // Attribute id 0 is a real attribute of some kernel sets.
        if s.subset_of.is_none()
            && s.fields
                .iter()
                .any(|f| f.id == 0 && !matches!(f.kind, FieldKind::Skip(_)))
        {
            let _ = writeln!(out, "#[genl(id0)]");
        }
        let lt = if borrows.contains(&s.rust) {
            "<'a>"
        } else {
            ""
        };
        if s.fields.is_empty() {
            let _ = writeln!(out, "pub struct {}{lt} {{}}", s.rust);
            continue;
        }
        let _ = writeln!(out, "pub struct {}{lt} {{", s.rust);
        for f in &s.fields {
            let (attr, ty) = match &f.kind {
                FieldKind::Skip(why) => {
                    let _ = writeln!(
                        out,
                        "    // `{}` (id {}): not imported ({why}).",
                        f.ynl_name, f.id
                    );
                    continue;
                }
                FieldKind::Flag => (format!("id = {}", f.id), "bool".to_owned()),
                FieldKind::Single { ty, be, nested } => (
                    format!(
                        "id = {}{}{}",
                        f.id,
                        if *nested { ", nested" } else { "" },
                        if *be { ", be" } else { "" }
                    ),
                    format!("Option<{}>", with_lt(ty)),
                ),
                FieldKind::Multi { ty, .. } => (
                    format!("id = {}, multi", f.id),
                    format!("Vec<{}>", with_lt(ty)),
                ),
                FieldKind::Indexed { ty } => (
                    format!("id = {}, indexed", f.id),
                    format!("Vec<{}>", with_lt(ty)),
                ),
                FieldKind::TypeValue { inner, depth } => (
                    format!("id = {}, indexed", f.id),
                    type_value_ty(&with_lt(inner), *depth),
                ),
            };
            write_doc(
                &mut out,
                "    ",
                f.doc.as_deref(),
                std::slice::from_ref(&f.note),
            );
            let mut attr = attr;
            for c in &f.checks {
                attr.push_str(", ");
                attr.push_str(c);
            }
            let _ = writeln!(out, "    #[nla({attr})]");
            let _ = writeln!(out, "    pub {}: {ty},", f.ident);
        }
        let _ = writeln!(out, "}}");
    }

    // Typed accessors of sub-message attributes.
    let mut sub_message_of: HashMap<(String, String), (String, String)> = HashMap::new();
    for set in &spec.attribute_sets {
        let parent = set
            .subset_of
            .as_deref()
            .and_then(|p| sets_by_name.get(p).copied());
        for a in &set.attributes {
            let full = parent
                .and_then(|p| p.attributes.iter().find(|x| x.name == a.name))
                .unwrap_or(a);
            if let (Some(m), Some(sel)) = (&full.sub_message, &full.selector) {
                sub_message_of.insert((set.name.clone(), a.name.clone()), (m.clone(), sel.clone()));
            }
        }
    }
    sub_message::emit(
        &mut out,
        &sets,
        &model,
        &sub_message_of,
        &set_names,
        &struct_names,
        &borrows,
        &mut |base| names.take(base, "Msg"),
    );

    // The family.
    if !selected.is_empty() {
        out.push('\n');
        let mut variants = String::new();
        // Subset structs of operations (`exact`), written before the family.
        let mut subsets = String::new();
        let mut notifications = Vec::new();
        let mut seen = HashSet::new();
        let mut cmds: BTreeMap<u64, &str> = BTreeMap::new();
        let mut raw_ops: Vec<RawOpOut> = Vec::new();
        // Operations the command enum does not carry, and why (its doc
        // lists them).
        let mut not_imported: Vec<String> = Vec::new();
        let n_groups = spec.mcast_groups.as_ref().map_or(0, |g| g.list.len());
        for &i in &selected {
            let op = &ops_list[i];
            let at = format!("operations/{}", op.name);
            let ident = camel(&op.name);
            if !seen.insert(ident.clone()) {
                return Err(invalid(&at, format!("two operations map to `{ident}`")));
            }
            let is_event = op.notify.is_some() || op.event.is_some();
            // A placeholder (`unspec`, value 0, as genl's own export writes
            // it): it only reserves a command number.
            if op.do_.is_none() && op.dump.is_none() && !is_event {
                continue;
            }
            let set = op_set(i)?.map(|n| set_names[n].clone());
            // The message type: the set, after the operation's fixed header.
            let wrap = |t: String| match header_of(i) {
                Some(h) => format!("genl_core::Headed<{h}, {t}>"),
                None => t,
            };
            if raw.is_some() {
                if is_event {
                    continue;
                }
                let Some(s) = &set else {
                    return Err(unsupported(
                        &at,
                        "a netlink-raw operation without an attribute set",
                    ));
                };
                let body = if borrows.contains(s) {
                    format!("{s}<'a>")
                } else {
                    s.clone()
                };
                let m = &model.ops[i];
                let req = m
                    .req_value
                    .ok_or_else(|| invalid(&at, "no request message id"))?;
                raw_ops.push(RawOpOut {
                    ident: ident.clone(),
                    name: op.name.clone(),
                    doc: op.doc.clone(),
                    ty: wrap(body),
                    req,
                    rsp: m.rsp_value.filter(|_| m.do_reply || m.has_dump),
                    has_do: m.has_do,
                    has_dump: m.has_dump,
                });
                continue;
            }
            if directional && is_event {
                notifications.push((upper(&op.name), ids[i].rsp, op));
                continue;
            }
            let cmd = ids[i]
                .req
                .ok_or_else(|| invalid(&at, "no command number"))?;
            if cmd == 0 {
                not_imported.push(format!(
                    "`{}` (cmd 0): the derive reserves command 0 (`CMD_UNSPEC`).",
                    escape_doc(&op.name)
                ));
                continue;
            }
            if cmd > 255 {
                return Err(invalid(&at, format!("command {cmd} is not in 1..=255")));
            }
            if let Some(prev) = cmds.insert(cmd, &op.name) {
                return Err(invalid(&at, format!("command {cmd} also used by `{prev}`")));
            }
            let mut keys = vec![format!("cmd = {cmd}")];
            let mut extra = Vec::new();
            // A set that borrows is written with the receive buffer's
            // lifetime (`request = Dev<'a>`).
            let typed = |s: &String| {
                if borrows.contains(s) {
                    format!("{s}<'a>")
                } else {
                    s.clone()
                }
            };
            if is_event {
                let group = match (&op.mcgrp, n_groups) {
                    (Some(g), _) => format!(" = {g:?}"),
                    (None, 1) => String::new(),
                    (None, _) => {
                        not_imported.push(format!(
                            "`{}` (cmd {cmd}): an event without `mcgrp` in a family of \
                             {n_groups} groups.",
                            escape_doc(&op.name)
                        ));
                        continue;
                    }
                };
                if let Some(s) = &set {
                    keys.push(format!("reply = {}", wrap(typed(s))));
                }
                keys.push(format!("event{group}"));
                if let Some(t) = &op.notify {
                    extra.push(format!(
                        "Notification with the reply of `{}`.",
                        escape_doc(t)
                    ));
                }
            } else if op.do_.is_none() && op.dump.is_none() {
                not_imported.push(format!(
                    "`{}` (cmd {cmd}): no do, dump, notify or event.",
                    escape_doc(&op.name)
                ));
                continue;
            } else {
                let do_req = op.do_.as_ref().and_then(|m| m.request.as_ref());
                let dump_req = op.dump.as_ref().and_then(|m| m.request.as_ref());
                let reply = op
                    .do_
                    .as_ref()
                    .and_then(|m| m.reply.as_ref())
                    .or_else(|| op.dump.as_ref().and_then(|m| m.reply.as_ref()));
                // The type of one message: the set, or (`exact`) a subset
                // of it when the message lists only some of its attributes.
                let mut msg_type = |m: &spec::OpMsg, role: &str| -> Result<String, ImportError> {
                    let s = set.as_ref().expect("checked by the caller");
                    if !opts.exact {
                        return Ok(typed(s));
                    }
                    let parent = sets.iter().find(|x| &x.rust == s).expect("a generated set");
                    let importable: Vec<&Field> = parent
                        .fields
                        .iter()
                        .filter(|f| !matches!(f.kind, FieldKind::Skip(_)))
                        .collect();
                    let mut chosen: Vec<&Field> = Vec::new();
                    for name in &m.attributes {
                        match parent.fields.iter().find(|f| &f.ynl_name == name) {
                            Some(f) if matches!(f.kind, FieldKind::Skip(_)) => {}
                            Some(f) => {
                                if !chosen.iter().any(|c| c.id == f.id) {
                                    chosen.push(f);
                                }
                            }
                            None => {
                                return Err(ImportError::Unknown {
                                    at: format!("{at}/{role}"),
                                    kind: "attribute",
                                    name: name.clone(),
                                })
                            }
                        }
                    }
                    if m.attributes.is_empty() || chosen.len() == importable.len() {
                        return Ok(typed(s));
                    }
                    let name = names.take(format!("{ident}{}", camel(role)), "Msg");
                    let fields: Vec<(String, String)> = chosen
                        .iter()
                        .map(|f| {
                            let ty = match &f.kind {
                                FieldKind::Flag => "bool".to_owned(),
                                FieldKind::Single { ty, .. } => format!("Option<{}>", with_lt(ty)),
                                FieldKind::Multi { ty } | FieldKind::Indexed { ty } => {
                                    format!("Vec<{}>", with_lt(ty))
                                }
                                FieldKind::TypeValue { inner, depth } => {
                                    type_value_ty(&with_lt(inner), *depth)
                                }
                                FieldKind::Skip(_) => unreachable!("filtered"),
                            };
                            (f.ident.clone(), ty)
                        })
                        .collect();
                    let lt = fields.iter().any(|(_, ty)| ty.contains("'a"));
                    subsets.push('\n');
                    write_doc(
                        &mut subsets,
                        "",
                        None,
                        &[format!(
                            "The {} of the YNL operation `{}`: the attributes of [`{s}`] it lists.",
                            role.replace('-', " "),
                            escape_doc(&op.name)
                        )],
                    );
                    let _ = writeln!(
                        subsets,
                        "#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]"
                    );
                    let _ = writeln!(subsets, "#[genl(subset_of = {s})]");
                    let _ = writeln!(
                        subsets,
                        "pub struct {name}{} {{",
                        if lt { "<'a>" } else { "" }
                    );
                    for ((ident, ty), f) in fields.iter().zip(&chosen) {
                        let _ =
                            writeln!(subsets, "    /// `{}` of [`{s}`].", escape_doc(&f.ynl_name));
                        let _ = writeln!(subsets, "    pub {ident}: {ty},");
                    }
                    let _ = writeln!(subsets, "}}");
                    Ok(if lt { format!("{name}<'a>") } else { name })
                };
                if set.is_some() {
                    match (op.do_.is_some(), op.dump.is_some(), do_req, dump_req) {
                        (true, _, Some(m), _) => {
                            keys.push(format!("request = {}", wrap(msg_type(m, "request")?)))
                        }
                        (false, true, _, Some(m)) => {
                            keys.push(format!("request = {}", wrap(msg_type(m, "request")?)))
                        }
                        _ => {}
                    }
                    if let Some(m) = reply {
                        keys.push(format!("reply = {}", wrap(msg_type(m, "reply")?)));
                    }
                }
                match (op.do_.is_some(), op.dump.is_some()) {
                    (true, true) => {
                        keys.push("dump".into());
                        if let (true, Some(m)) = (set.is_some(), dump_req) {
                            keys.push(format!(
                                "dump_request = {}",
                                wrap(msg_type(m, "dump-request")?)
                            ));
                        }
                    }
                    (false, true) => keys.push("dump_only".into()),
                    _ => {}
                }
                if op.flags.iter().any(|f| f == "admin-perm") {
                    keys.push("admin_perm".into());
                }
                if directional {
                    if let (Some(r), true) =
                        (ids[i].rsp, op_mode(op).is_some_and(|m| m.reply.is_some()))
                    {
                        extra.push(format!("Replies carry message id {r}."));
                    }
                }
            }
            if !variants.is_empty() {
                variants.push('\n');
            }
            let mut ex = vec![format!("The YNL operation `{}`.", escape_doc(&op.name))];
            ex.extend(extra);
            write_doc(&mut variants, "    ", op.doc.as_deref(), &ex);
            let _ = writeln!(variants, "    #[genl({})]", keys.join(", "));
            let _ = writeln!(variants, "    {ident},");
        }
        if let Some(protonum) = raw {
            emit_raw_ops(&mut out, &spec.name, protonum, &raw_ops);
            let groups: Vec<(String, u32)> = model
                .mcast_groups
                .iter()
                .filter_map(|g| g.value.map(|v| (g.name.clone(), v)))
                .collect();
            emit_raw_groups(&mut out, &spec.name, &groups);
            return Ok(out);
        }
        let groups: Vec<String> = spec
            .mcast_groups
            .as_ref()
            .map(|g| g.list.iter().map(|g| format!("{:?}", g.name)).collect())
            .unwrap_or_default();
        for g in spec.mcast_groups.iter().flat_map(|g| &g.list) {
            if g.name.is_empty() || g.name.len() > 15 {
                return Err(invalid(
                    format!("mcast-groups/{}", g.name),
                    "multicast group names have 1 to 15 bytes",
                ));
            }
        }
        if !subsets.is_empty() {
            out.push_str(subsets.trim_start_matches('\n'));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "/// The commands of the `{}` family.",
            escape_doc(&spec.name)
        );
        if !not_imported.is_empty() {
            let _ = writeln!(out, "///");
            let _ = writeln!(out, "/// Not imported:");
            for n in &not_imported {
                let _ = writeln!(out, "/// - {n}");
            }
        }
        let _ = writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]");
        let _ = writeln!(out, "#[allow(clippy::enum_variant_names)]");
        let version = spec.version.unwrap_or(1);
        if version > 255 {
            return Err(invalid("version", "the family version is a u8"));
        }
        let mut head = format!("name = {:?}, version = {version}", spec.name);
        if !groups.is_empty() {
            let _ = write!(head, ", mcast_groups({})", groups.join(", "));
        }
        if head.len() + 8 <= 100 {
            let _ = writeln!(out, "#[genl({head})]");
        } else {
            let _ = writeln!(out, "#[genl(");
            let _ = writeln!(out, "    name = {:?},", spec.name);
            let _ = writeln!(out, "    version = {version},");
            if !groups.is_empty() {
                let _ = writeln!(out, "    mcast_groups({})", groups.join(", "));
            }
            let _ = writeln!(out, ")]");
        }
        let _ = writeln!(out, "pub enum {cmd_name} {{");
        out.push_str(&variants);
        let _ = writeln!(out, "}}");
        if !notifications.is_empty() {
            out.push('\n');
            let _ = writeln!(
                out,
                "/// Message ids of notifications (kernel to user; the `directional` model)."
            );
            let _ = writeln!(out, "pub mod ntf {{");
            for (i, (name, id, op)) in notifications.iter().enumerate() {
                let at = format!("operations/{}", op.name);
                let id = id.ok_or_else(|| invalid(&at, "no message id"))?;
                if id > 255 {
                    return Err(invalid(&at, format!("message id {id} exceeds 255")));
                }
                if i > 0 {
                    out.push('\n');
                }
                let mut ex = vec![format!("The YNL notification `{}`.", escape_doc(&op.name))];
                if let Some(t) = &op.notify {
                    ex.push(format!("Carries the reply of `{}`.", escape_doc(t)));
                }
                write_doc(&mut out, "    ", op.doc.as_deref(), &ex);
                let _ = writeln!(out, "    pub const {name}: u8 = {id};");
            }
            let _ = writeln!(out, "}}");
        }
    }
    Ok(out)
}

/// One operation of a `netlink-raw` family, as a `RawOp` type.
struct RawOpOut {
    ident: String,
    name: String,
    doc: Option<String>,
    /// The request and reply payload type (fixed header and attributes).
    ty: String,
    req: u16,
    rsp: Option<u16>,
    has_do: bool,
    has_dump: bool,
}

/// The operations of a `netlink-raw` family: a module of types implementing
/// `genl_core::classic::RawOp`.
fn emit_raw_ops(out: &mut String, family: &str, protonum: u8, ops: &[RawOpOut]) {
    if ops.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "/// The operations of the `{}` family (netlink protocol {protonum}), for",
        escape_doc(family)
    );
    let _ = writeln!(
        out,
        "/// `ClassicConnection::request` (a do) and `ClassicConnection::dump`."
    );
    let _ = writeln!(out, "pub mod ops {{");
    let _ = writeln!(out, "    #[allow(unused_imports)]");
    let _ = writeln!(out, "    use super::*;");
    for o in ops {
        out.push('\n');
        let modes = match (o.has_do, o.has_dump) {
            (true, true) => "do and dump",
            (true, false) => "do",
            (false, true) => "dump",
            (false, false) => "neither do nor dump",
        };
        let mut extra = vec![format!(
            "The YNL operation `{}` ({modes}): request message id {}, {}.",
            escape_doc(&o.name),
            o.req,
            match o.rsp {
                Some(r) => format!("replies {r}"),
                None => "answered by an ACK".into(),
            }
        )];
        if !o.has_do {
            extra.push("The kernel has no `do` of it: use `ClassicConnection::dump`.".into());
        }
        write_doc(out, "    ", o.doc.as_deref(), &extra);
        let _ = writeln!(out, "    #[derive(Debug, Clone, Copy, PartialEq, Eq)]");
        let _ = writeln!(out, "    pub struct {};", o.ident);
        out.push('\n');
        let _ = writeln!(out, "    impl genl_core::classic::RawOp for {} {{", o.ident);
        let _ = writeln!(out, "        const NAME: &'static str = {:?};", o.name);
        let _ = writeln!(out, "        const PROTOCOL: isize = {protonum};");
        let _ = writeln!(out, "        const REQUEST: u16 = {};", o.req);
        let _ = writeln!(
            out,
            "        const REPLY: Option<u16> = {};",
            match o.rsp {
                Some(r) => format!("Some({r})"),
                None => "None".into(),
            }
        );
        let _ = writeln!(out, "        type Request<'a> = {};", o.ty);
        let _ = writeln!(out, "        type Reply<'a> = {};", o.ty);
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
}

/// The multicast groups of a `netlink-raw` family, by number, for
/// `ClassicConnection::join_group`.
fn emit_raw_groups(out: &mut String, family: &str, groups: &[(String, u32)]) {
    if groups.is_empty() {
        return;
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "/// The multicast groups of the `{}` family, for",
        escape_doc(family)
    );
    let _ = writeln!(
        out,
        "/// `ClassicConnection::join_group`; notifications carry the replies' types."
    );
    let _ = writeln!(out, "pub mod groups {{");
    for (i, (name, v)) in groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "    /// The group `{}`.", escape_doc(name));
        let _ = writeln!(out, "    pub const {}: u32 = {v};", upper(name));
    }
    let _ = writeln!(out, "}}");
}
