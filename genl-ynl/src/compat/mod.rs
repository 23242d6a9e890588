//! Semantic compatibility of two YNL specs of one family: what an old tool
//! meets when it talks to a new module, and a new tool to an old one.
//!
//! [`compare`] loads both specs with [`SpecFamily::parse`](crate::family::SpecFamily::parse),
//! so every id is the one on the wire (entries without `value:` numbered
//! previous + 1, as `nlspec.py` numbers them: reordering a list renumbers
//! it), matches attribute sets, attributes, enums and their entries,
//! structs, operations and multicast groups **by name**, and reports each
//! difference as a [`Finding`] of one [`Rule`] of [`RULES`].
//!
//! A finding has a [`Category`]: [`Wire`](Category::Wire) (bytes mean
//! something else, or a name resolved through nlctrl is gone),
//! [`Source`](Category::Source) (generated names change, the wire does not)
//! or [`Behaviour`](Category::Behaviour) (the same bytes are accepted,
//! rejected or answered differently), and an [`Impact`]:
//! [`Breaking`](Impact::Breaking) for an existing peer, or
//! [`Compatible`](Impact::Compatible) (additions: the message says what a
//! new client meets on an old module).
//!
//! ```
//! use genl_ynl::compat::{compare, Impact};
//! let old = "
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u16 }
//! ";
//! let new = old.replace("type: u16", "type: u32");
//! let f = compare(old, &new).unwrap();
//! assert_eq!(f.len(), 1);
//! assert_eq!(f[0].rule, "ATTR_TYPE_CHANGED");
//! assert_eq!(f[0].impact, Impact::Breaking);
//! assert_eq!(f[0].path, "attribute-sets/main/id");
//! ```
//!
//! # What the specs do not say
//!
//! - Required attributes: neither the kernel's YNL schema nor the spec genl
//!   exports (`genl-codegen`'s `ynl.rs`; genl checks required attributes in
//!   the generated C, `<cmd>_doit_checked`) has a key for them. This module
//!   reads two non-standard forms, an attribute's `required: true` (required
//!   in every request that lists it) and a request's `required: [ names ]`;
//!   a spec without them never raises `REQUIRED_ATTR_ADDED`.
//! - `netnsok`, `parallel_ops` and other `struct genl_family` fields are not
//!   in YNL specs, so they are not compared.
//! - Not compared either: `doc`, `display-hint`, C names (`name-prefix`,
//!   `c-*`, `header`), `pre`/`post` hooks, `type-value` of
//!   `nest-type-value` attributes, the membership of `subset-of` sets (their
//!   attributes are their parent's, compared there), a notification's
//!   `notify` target, and `const` or `enum` additions (they matter only
//!   where used, which is compared).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use serde_yaml_ng::{Mapping, Value as Yaml};

use crate::family::{yaml_kind, Attr, AttrSet, AttrType, Op, Protocol, SpecFamily, StructDef};

/// What a change affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Category {
    /// The bytes on the wire, or a name resolved at run time (family,
    /// multicast group): a peer built from the other spec misreads or fails.
    Wire,
    /// Generated names only (C constants, Rust identifiers); the wire is
    /// unchanged.
    Source,
    /// The same messages are accepted, rejected or answered differently
    /// (validation, permissions, replies).
    Behaviour,
}

/// Whether a change breaks a peer built from the old spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Impact {
    /// An old client (or module, or program compiled against the old
    /// names) breaks.
    Breaking,
    /// Old peers keep working; the finding's message says what a new
    /// client meets on an old module.
    Compatible,
}

/// One rule of the compatibility check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Its id (`ATTR_RENUMBERED`).
    pub id: &'static str,
    /// What it affects.
    pub category: Category,
    /// Whether it breaks old peers.
    pub impact: Impact,
    /// What it detects and why it matters.
    pub doc: &'static str,
}

/// One difference between the old and the new spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The id of its [`Rule`].
    pub rule: &'static str,
    /// The rule's category.
    pub category: Category,
    /// The rule's impact.
    pub impact: Impact,
    /// Where in the spec (`attribute-sets/rule/port`, `operations/get/do`,
    /// `mcast-groups/events`; `name`, `version` for the family).
    pub path: String,
    /// What changed and what it means for old and new peers.
    pub message: String,
}

impl Finding {
    /// The finding as JSON: `{"rule", "category", "impact", "path",
    /// "message"}`, category and impact as their variant names.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "rule": self.rule,
            "category": format!("{:?}", self.category),
            "impact": format!("{:?}", self.impact),
            "path": self.path,
            "message": self.message,
        })
    }

    /// Whether it breaks an old peer.
    pub fn is_breaking(&self) -> bool {
        self.impact == Impact::Breaking
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let impact = match self.impact {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        };
        let cat = match self.category {
            Category::Wire => "wire",
            Category::Source => "source",
            Category::Behaviour => "behaviour",
        };
        write!(
            f,
            "{} ({cat}, {impact}) {}: {}",
            self.rule, self.path, self.message
        )
    }
}

macro_rules! rules {
    ($($name:ident: $cat:ident, $imp:ident, $doc:expr;)*) => {
        $(
            const $name: Rule = Rule {
                id: stringify!($name),
                category: Category::$cat,
                impact: Impact::$imp,
                doc: $doc,
            };
        )*
        /// Every rule of the check, one entry per id.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    FAMILY_RENAMED: Wire, Breaking,
        "The family name changed: clients resolve the family id by name through nlctrl, so an old client gets ENOENT.";
    PROTOCOL_CHANGED: Wire, Breaking,
        "The protocol changed between generic netlink and classic netlink, or the netlink protocol number changed.";
    VERSION_CHANGED: Behaviour, Compatible,
        "The family version changed: a note. The kernel does not check the version of requests; a client that checks the version nlctrl reports may refuse.";
    ATTR_REMOVED: Wire, Breaking,
        "An attribute is gone: an old client sending it gets EINVAL under strict validation, and misses it in replies.";
    ATTR_RENUMBERED: Wire, Breaking,
        "An attribute's id changed (an explicit `value:`, or a reordered or inserted entry of an implicitly numbered list): old and new peers read each other's attribute as another one.";
    ATTR_RENAMED: Source, Breaking,
        "An attribute has a new name at the same id and type: the wire is unchanged, generated names change.";
    ATTR_ADDED: Wire, Compatible,
        "A new attribute: old clients ignore it in replies; a new client sending it to an old module gets EINVAL (unknown attribute under strict validation).";
    ATTR_TYPE_CHANGED: Wire, Breaking,
        "An attribute's type or width changed (u16 to u32, string to u64, a sub-type), with the same nest-ness.";
    ATTR_BYTE_ORDER_CHANGED: Wire, Breaking,
        "An attribute's byte order changed: peers read each other's integers byte-swapped.";
    ATTR_NEST_CHANGED: Wire, Breaking,
        "An attribute changed between a nest (nest, indexed-array, nest-type-value, sub-message) and a flat value.";
    ATTR_NESTED_SET_CHANGED: Wire, Breaking,
        "A nest now holds the attributes of another set.";
    ATTR_MULTI_CHANGED: Wire, Breaking,
        "`multi-attr` was toggled: a repeated attribute became single, or the other way.";
    ATTR_ARRAY_FORM_CHANGED: Wire, Breaking,
        "An array changed between `multi-attr` (repeated attributes) and `indexed-array` (one nest of indexed entries).";
    ATTR_STRUCT_CHANGED: Wire, Breaking,
        "A binary attribute names another `struct`, laid out differently (a struct of the same name that changed is STRUCT_LAYOUT_CHANGED).";
    ATTR_ENUM_CHANGED: Source, Breaking,
        "An attribute's values are now read as another enum, or `enum-as-flags` was toggled.";
    ATTR_SUB_MESSAGE_CHANGED: Wire, Breaking,
        "A sub-message attribute names another sub-message or selector.";
    ATTR_CHECK_TIGHTENED: Behaviour, Breaking,
        "A validation check got stricter (`min` raised, `max` lowered, `min-len` raised, `max-len` lowered, `exact-len` changed or added, `unterminated-ok` dropped): values an old client sends may now get EINVAL/ERANGE.";
    ATTR_CHECK_LOOSENED: Behaviour, Compatible,
        "A validation check got looser: a new client sending the newly allowed values to an old module gets EINVAL/ERANGE.";
    SET_REMOVED: Source, Breaking,
        "An attribute set is gone (its uses are reported where they changed).";
    ENUM_REMOVED: Source, Breaking,
        "An enum or flags definition is gone (its uses are reported where they changed).";
    ENUM_KIND_CHANGED: Wire, Breaking,
        "A definition changed between `enum` (values) and `flags` (bits).";
    ENUM_ENTRY_REMOVED: Wire, Breaking,
        "An enum or flags entry is gone: a value an old client sends or expects means nothing to the new module.";
    ENUM_ENTRY_RENUMBERED: Wire, Breaking,
        "An enum value or flag bit changed (explicitly, or by reordering an implicitly numbered list or a changed `value-start`).";
    ENUM_ENTRY_RENAMED: Source, Breaking,
        "An enum or flags entry has a new name at the same value.";
    ENUM_ENTRY_ADDED: Wire, Compatible,
        "A new enum value or flag: an old client may receive a value it does not know; a new client sending it to an old module may get EINVAL.";
    CONST_CHANGED: Source, Breaking,
        "A `const` definition changed value (array sizes, limits in uapi headers).";
    CONST_REMOVED: Source, Breaking,
        "A `const` definition is gone.";
    STRUCT_REMOVED: Source, Breaking,
        "A struct definition is gone (its uses are reported where they changed).";
    STRUCT_LAYOUT_CHANGED: Wire, Breaking,
        "A struct (not a fixed header) changed members, types, sizes or byte orders.";
    STRUCT_MEMBER_RENAMED: Source, Breaking,
        "A struct member has a new name at the same place and type.";
    FIXED_HEADER_CHANGED: Wire, Breaking,
        "The fixed header of operations changed layout or size (the family's `hdrsize`): every attribute after it moves.";
    OP_REMOVED: Wire, Breaking,
        "An operation is gone: an old client calling it gets EOPNOTSUPP; a notification old listeners wait for is no longer sent.";
    OP_RENUMBERED: Wire, Breaking,
        "An operation's message id (the command of a request, or of a notification) changed.";
    OP_REPLY_RENUMBERED: Wire, Breaking,
        "The message id of an operation's replies changed (directional model).";
    OP_RENAMED: Source, Breaking,
        "An operation has a new name at the same message id.";
    OP_ADDED: Wire, Compatible,
        "A new operation: a new client calling it on an old module gets EOPNOTSUPP.";
    OP_KIND_CHANGED: Wire, Breaking,
        "An operation changed between a request (do/dump) and a notification (event/notify).";
    OP_MODE_REMOVED: Wire, Breaking,
        "An operation lost `do` or `dump`: an old client using that mode gets EOPNOTSUPP.";
    OP_MODE_ADDED: Wire, Compatible,
        "An operation gained `do` or `dump`: a new client using it on an old module gets EOPNOTSUPP.";
    OP_REPLY_REMOVED: Behaviour, Breaking,
        "A `do` that replied is now answered by an ACK only: an old client waiting for the reply gets none.";
    OP_REPLY_ADDED: Behaviour, Compatible,
        "A `do` answered by an ACK now replies first: old clients that only wait for the ACK skip it; a new client gets no reply from an old module.";
    OP_REQUEST_ATTR_REMOVED: Behaviour, Breaking,
        "A request no longer lists an attribute: an old client sending it gets EINVAL (per-operation policies reject it) or has it ignored.";
    OP_REQUEST_ATTR_ADDED: Behaviour, Compatible,
        "A request lists a new attribute: old clients do not send it; a new client sending it to an old module gets EINVAL under strict validation.";
    OP_REPLY_ATTR_REMOVED: Behaviour, Breaking,
        "A reply, notification or event no longer carries an attribute old clients may rely on.";
    OP_REPLY_ATTR_ADDED: Behaviour, Compatible,
        "A reply, notification or event carries a new attribute: old clients ignore it; a new client finds it missing from an old module.";
    REQUIRED_ATTR_ADDED: Behaviour, Breaking,
        "A request attribute became required (non-standard `required: true` on the attribute, or `required: [..]` on the request): an old client not sending it gets EINVAL.";
    REQUIRED_ATTR_RELAXED: Behaviour, Compatible,
        "A request attribute is no longer required: a new client omitting it on an old module gets EINVAL.";
    OP_ADMIN_PERM_ADDED: Behaviour, Breaking,
        "An operation now needs more privilege (`admin-perm`: CAP_NET_ADMIN; `uns-admin-perm`: CAP_NET_ADMIN in the user namespace): unprivileged old clients get EPERM.";
    OP_ADMIN_PERM_REMOVED: Behaviour, Compatible,
        "An operation needs less privilege: a new client without it gets EPERM from an old module.";
    OP_VALIDATION_TIGHTENED: Behaviour, Breaking,
        "An operation dropped a `dont-validate` entry (`strict`, `dump`, `dump-strict`): requests it accepted may now get EINVAL.";
    OP_VALIDATION_LOOSENED: Behaviour, Compatible,
        "An operation added a `dont-validate` entry: it accepts more than an old module does.";
    OP_ATTR_SET_CHANGED: Wire, Breaking,
        "An operation's messages now carry the attributes of another set.";
    OP_MCGRP_CHANGED: Behaviour, Breaking,
        "A notification is sent to another multicast group: old listeners of the old group miss it.";
    MCGRP_REMOVED: Wire, Breaking,
        "A multicast group is gone: an old client joining it by name fails (nlctrl does not list it).";
    MCGRP_RENAMED: Wire, Breaking,
        "A multicast group has a new name (the same notifications, or the same fixed id): generic netlink groups are resolved by name, so old clients fail to join.";
    MCGRP_RENUMBERED: Wire, Breaking,
        "A classic netlink multicast group has another fixed number.";
    MCGRP_ADDED: Wire, Compatible,
        "A new multicast group: a new client joining it on an old module fails to resolve it.";
    SUB_MESSAGE_FORMAT_REMOVED: Wire, Breaking,
        "A sub-message lost the format of a selector value.";
    SUB_MESSAGE_FORMAT_CHANGED: Wire, Breaking,
        "A sub-message format changed its attribute set or fixed header.";
    SUB_MESSAGE_FORMAT_ADDED: Wire, Compatible,
        "A sub-message has a new format: old clients cannot decode it; an old module rejects it.";
}

/// The rule of id `id`.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Compares the spec `old_yaml` with its successor `new_yaml`; every
/// difference that matters, in spec order (old entries first, then
/// additions). Err names the spec and the place when one does not load.
pub fn compare(old_yaml: &str, new_yaml: &str) -> Result<Vec<Finding>, SpecCompareError> {
    let load = |text, side| Side::load(text).map_err(|error| SpecCompareError { side, error });
    let old = load(old_yaml, CompareSide::Old)?;
    let new = load(new_yaml, CompareSide::New)?;
    let mut c = Cmp {
        old: &old,
        new: &new,
        out: Vec::new(),
        renames: HashMap::new(),
    };
    c.family();
    c.definitions();
    c.sets();
    c.structs();
    c.sub_messages();
    c.ops();
    c.groups();
    Ok(c.out)
}

mod error;
mod ops;
mod sets;
mod side;
mod top;

pub use error::{CompareSide, SpecCompareError, SpecLoadError};
use side::Side;

// ---------------------------------------------------------------------------
// The comparison.

struct Cmp<'a> {
    old: &'a Side,
    new: &'a Side,
    out: Vec<Finding>,
    /// Per set: old attribute name → new name, for renamed attributes.
    renames: HashMap<String, HashMap<String, String>>,
}

/// Pairs of (removed, added) that are one entry renamed.
fn pair_renames<T: Copy>(
    removed: &mut Vec<T>,
    added: &mut Vec<T>,
    same: impl Fn(T, T) -> bool,
) -> Vec<(T, T)> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < removed.len() {
        match added.iter().position(|&a| same(removed[i], a)) {
            Some(j) => {
                pairs.push((removed.remove(i), added.remove(j)));
            }
            None => i += 1,
        }
    }
    pairs
}

fn is_nest(a: &Attr) -> bool {
    matches!(
        a.ty,
        AttrType::Nest | AttrType::IndexedArray | AttrType::NestTypeValue | AttrType::SubMessage
    )
}

fn width(t: AttrType) -> Option<String> {
    match t {
        AttrType::Uint | AttrType::Sint => Some("4 or 8 bytes".into()),
        AttrType::Flag => Some("no payload".into()),
        AttrType::Bitfield32 => Some("8 bytes".into()),
        t => t.int_width().map(|(w, _)| format!("{w} bytes")),
    }
}

/// A number in `checks`: an integer, a `const`, or a limit name
/// (`u32-max`, `s16-min`).
fn check_value(fam: &SpecFamily, v: &Yaml) -> Option<i128> {
    if let Some(n) = v.as_i64() {
        return Some(n.into());
    }
    if let Some(n) = v.as_u64() {
        return Some(n.into());
    }
    if let Some(b) = v.as_bool() {
        return Some(b.into());
    }
    let s = v.as_str()?;
    if let Some(&n) = fam.consts.get(s) {
        return Some(n);
    }
    if let Ok(n) = s.parse::<i128>() {
        return Some(n);
    }
    let (ty, lim) = s.split_once('-')?;
    let bits: u32 = ty.get(1..)?.parse().ok()?;
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return None;
    }
    match (ty.as_bytes().first()?, lim) {
        (b'u', "max") => Some((1i128 << bits) - 1),
        (b'u', "min") => Some(0),
        (b's', "max") => Some((1i128 << (bits - 1)) - 1),
        (b's', "min") => Some(-(1i128 << (bits - 1))),
        _ => None,
    }
}

fn show(v: &Yaml) -> String {
    match v {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        v => yaml_kind(v).to_owned(),
    }
}

/// One member of a struct layout: offset, size, type, byte order.
type Slot = (usize, usize, AttrType, crate::family::ByteOrder);

fn layout(s: &StructDef) -> Vec<Slot> {
    let mut off = 0;
    s.members
        .iter()
        .map(|m| {
            let slot = (off, m.size, m.ty, m.byte_order);
            off += m.size;
            slot
        })
        .collect()
}

impl Cmp<'_> {
    fn push(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Finding {
            rule: rule.id,
            category: rule.category,
            impact: rule.impact,
            path: path.into(),
            message: message.into(),
        });
    }
}
