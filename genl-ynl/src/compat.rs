//! Semantic compatibility of two YNL specs of one family: what an old tool
//! meets when it talks to a new module, and a new tool to an old one.
//!
//! [`compare`] loads both specs with [`Family::parse`](crate::family::Family::parse),
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

use crate::family::{yaml_kind, Attr, AttrSet, AttrType, Family, Op, Protocol, StructDef};

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
pub fn compare(old_yaml: &str, new_yaml: &str) -> Result<Vec<Finding>, String> {
    let old = Side::load(old_yaml).map_err(|e| format!("old spec: {e}"))?;
    let new = Side::load(new_yaml).map_err(|e| format!("new spec: {e}"))?;
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

// ---------------------------------------------------------------------------
// What the model does not carry, read from the YAML.

#[derive(Default)]
struct AttrExtra {
    checks: BTreeMap<String, Yaml>,
    required: bool,
}

#[derive(Default, Clone)]
struct MsgExtra {
    attrs: Vec<String>,
    required: Vec<String>,
}

#[derive(Default)]
struct OpExtra {
    flags: Vec<String>,
    dont_validate: Vec<String>,
    /// `do`/`dump`, `request`/`reply`: the message, if written.
    msgs: HashMap<(&'static str, &'static str), MsgExtra>,
    event: Option<MsgExtra>,
}

struct Side {
    fam: Family,
    /// (set, attribute) of full sets.
    attrs: HashMap<(String, String), AttrExtra>,
    ops: HashMap<String, OpExtra>,
}

fn names(v: Option<&Yaml>, at: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Sequence(s)) => s
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{at}: expected names, found {}", yaml_kind(x)))
            })
            .collect(),
        Some(v) => Err(format!("{at}: expected a list, found {}", yaml_kind(v))),
    }
}

fn list<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y [Yaml], String> {
    match m.get(k) {
        None | Some(Yaml::Null) => Ok(&[]),
        Some(Yaml::Sequence(s)) => Ok(s),
        Some(v) => Err(format!("{at}/{k}: expected a list, found {}", yaml_kind(v))),
    }
}

fn msg(m: Option<&Yaml>, at: &str) -> Result<Option<MsgExtra>, String> {
    match m {
        None => Ok(None),
        Some(Yaml::Null) => Ok(Some(MsgExtra::default())),
        Some(Yaml::Mapping(m)) => Ok(Some(MsgExtra {
            attrs: names(m.get("attributes"), &format!("{at}/attributes"))?,
            required: names(m.get("required"), &format!("{at}/required"))?,
        })),
        Some(v) => Err(format!("{at}: expected a map, found {}", yaml_kind(v))),
    }
}

impl Side {
    fn load(text: &str) -> Result<Side, String> {
        let fam = Family::parse(text).map_err(|e| e.to_string())?;
        let doc: Yaml = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        let top = doc.as_mapping().ok_or("expected a map")?;
        let mut attrs = HashMap::new();
        for s in list(top, "attribute-sets", "")? {
            let Some(s) = s.as_mapping() else { continue };
            if s.get("subset-of").is_some_and(|v| !v.is_null()) {
                continue;
            }
            let Some(sn) = s.get("name").and_then(Yaml::as_str) else {
                continue;
            };
            let at = format!("attribute-sets/{sn}");
            for a in list(s, "attributes", &at)? {
                let Some(a) = a.as_mapping() else { continue };
                let Some(an) = a.get("name").and_then(Yaml::as_str) else {
                    continue;
                };
                let aat = format!("{at}/{an}");
                let mut x = AttrExtra::default();
                match a.get("checks") {
                    None | Some(Yaml::Null) => {}
                    Some(Yaml::Mapping(c)) => {
                        for (k, v) in c {
                            let k = k.as_str().ok_or_else(|| {
                                format!("{aat}/checks: expected names, found {}", yaml_kind(k))
                            })?;
                            x.checks.insert(k.to_owned(), v.clone());
                        }
                    }
                    Some(v) => {
                        return Err(format!(
                            "{aat}/checks: expected a map, found {}",
                            yaml_kind(v)
                        ))
                    }
                }
                x.required = match a.get("required") {
                    None | Some(Yaml::Null) => false,
                    Some(Yaml::Bool(b)) => *b,
                    Some(v) => {
                        return Err(format!(
                            "{aat}/required: expected true or false, found {}",
                            yaml_kind(v)
                        ))
                    }
                };
                attrs.insert((sn.to_owned(), an.to_owned()), x);
            }
        }
        let mut ops = HashMap::new();
        if let Some(Yaml::Mapping(o)) = top.get("operations") {
            for op in list(o, "list", "operations")? {
                let Some(op) = op.as_mapping() else { continue };
                let Some(on) = op.get("name").and_then(Yaml::as_str) else {
                    continue;
                };
                let at = format!("operations/{on}");
                let mut x = OpExtra {
                    flags: names(op.get("flags"), &format!("{at}/flags"))?,
                    dont_validate: names(op.get("dont-validate"), &format!("{at}/dont-validate"))?,
                    ..OpExtra::default()
                };
                for mode in ["do", "dump"] {
                    let Some(Yaml::Mapping(md)) = op.get(mode) else {
                        continue;
                    };
                    for dir in ["request", "reply"] {
                        if let Some(m) = msg(md.get(dir), &format!("{at}/{mode}/{dir}"))? {
                            x.msgs.insert((mode, dir), m);
                        }
                    }
                }
                x.event = msg(op.get("event"), &format!("{at}/event"))?;
                ops.insert(on.to_owned(), x);
            }
        }
        Ok(Side { fam, attrs, ops })
    }

    fn attr_extra(&self, set: &AttrSet, attr: &str) -> Option<&AttrExtra> {
        let full = set.subset_of.as_deref().unwrap_or(&set.name);
        // A subset of a subset: follow to the full set.
        let mut full = full.to_owned();
        for _ in 0..16 {
            match self.fam.set(&full).and_then(|s| s.subset_of.clone()) {
                Some(p) => full = p,
                None => break,
            }
        }
        self.attrs.get(&(full, attr.to_owned()))
    }

    /// The attributes a request requires.
    fn required(&self, op: &Op, mode: &'static str) -> Vec<String> {
        let Some(m) = self
            .ops
            .get(&op.name)
            .and_then(|x| x.msgs.get(&(mode, "request")))
        else {
            return Vec::new();
        };
        let set = op.attr_set.map(|i| &self.fam.sets[i]);
        let mut r: Vec<String> = m.required.clone();
        if let Some(set) = set {
            for a in &m.attrs {
                if self.attr_extra(set, a).is_some_and(|x| x.required) && !r.contains(a) {
                    r.push(a.clone());
                }
            }
        }
        r
    }

    fn perm(&self, op: &str) -> u8 {
        self.ops.get(op).map_or(0, |x| {
            if x.flags.iter().any(|f| f == "admin-perm") {
                2
            } else if x.flags.iter().any(|f| f == "uns-admin-perm") {
                1
            } else {
                0
            }
        })
    }
}

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
fn check_value(fam: &Family, v: &Yaml) -> Option<i128> {
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

    fn family(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        if o.name != n.name {
            self.push(
                FAMILY_RENAMED,
                "name",
                format!(
                    "the family `{}` is now `{}`: an old client resolving `{}` through nlctrl gets ENOENT",
                    o.name, n.name, o.name
                ),
            );
        }
        if o.protocol != n.protocol {
            let p = |p: Protocol| match p {
                Protocol::Genetlink => "generic netlink".to_owned(),
                Protocol::Raw { protonum } => format!("netlink protocol {protonum}"),
            };
            self.push(
                PROTOCOL_CHANGED,
                "protocol",
                format!("{} is now {}", p(o.protocol), p(n.protocol)),
            );
        }
        if o.version != n.version {
            self.push(
                VERSION_CHANGED,
                "version",
                format!(
                    "version {} is now {}: the kernel accepts requests of any version; clients that check the version nlctrl reports may refuse the module",
                    o.version, n.version
                ),
            );
        }
    }

    fn definitions(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut enums: Vec<&String> = o.enums.keys().collect();
        enums.sort();
        for name in enums {
            let oe = &o.enums[name];
            let at = format!("definitions/{name}");
            let Some(ne) = n.enums.get(name) else {
                self.push(
                    ENUM_REMOVED,
                    at,
                    format!(
                        "the {} `{name}` is gone",
                        if oe.flags { "flags" } else { "enum" }
                    ),
                );
                continue;
            };
            if oe.flags != ne.flags {
                self.push(
                    ENUM_KIND_CHANGED,
                    at,
                    if oe.flags {
                        "flags (bits) became an enum (values)"
                    } else {
                        "an enum (values) became flags (bits)"
                    },
                );
                continue;
            }
            let what = |flags: bool, v: u64| {
                if flags {
                    format!("bit {v} (0x{:x})", 1u128 << v.min(127))
                } else {
                    format!("{v}")
                }
            };
            let mut removed = Vec::new();
            for (en, ov) in &oe.entries {
                match ne.value_of(en) {
                    Some(nv) if nv != *ov => self.push(
                        ENUM_ENTRY_RENUMBERED,
                        format!("{at}/{en}"),
                        format!(
                            "`{en}` was {} and is now {}: old and new peers read each other's value as another entry",
                            what(oe.flags, *ov),
                            what(ne.flags, nv)
                        ),
                    ),
                    Some(_) => {}
                    None => removed.push((en.as_str(), *ov)),
                }
            }
            let mut added: Vec<(&str, u64)> = ne
                .entries
                .iter()
                .filter(|(en, _)| oe.value_of(en).is_none())
                .map(|(en, v)| (en.as_str(), *v))
                .collect();
            for (r, a) in pair_renames(&mut removed, &mut added, |r, a| r.1 == a.1) {
                self.push(
                    ENUM_ENTRY_RENAMED,
                    format!("{at}/{}", r.0),
                    format!(
                        "`{}` is now `{}` (same value {})",
                        r.0,
                        a.0,
                        what(oe.flags, r.1)
                    ),
                );
            }
            for (en, v) in removed {
                self.push(
                    ENUM_ENTRY_REMOVED,
                    format!("{at}/{en}"),
                    format!(
                        "`{en}` ({}) is gone: an old client sending it may get EINVAL, and the new module never reports it",
                        what(oe.flags, v)
                    ),
                );
            }
            for (en, v) in added {
                self.push(
                    ENUM_ENTRY_ADDED,
                    format!("{at}/{en}"),
                    format!(
                        "new `{en}` ({}): an old client may receive it and not know it; a new client sending it to an old module may get EINVAL (out of range) or have it misread",
                        what(ne.flags, v)
                    ),
                );
            }
        }
        let mut consts: Vec<&String> = o.consts.keys().collect();
        consts.sort();
        for name in consts {
            let at = format!("definitions/{name}");
            match n.consts.get(name) {
                None => self.push(CONST_REMOVED, at, format!("the constant `{name}` is gone")),
                Some(v) if *v != o.consts[name] => self.push(
                    CONST_CHANGED,
                    at,
                    format!("`{name}` was {} and is now {v}", o.consts[name]),
                ),
                Some(_) => {}
            }
        }
    }

    fn sets(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        for os in &o.sets {
            let at = format!("attribute-sets/{}", os.name);
            let Some(ns) = n.set(&os.name) else {
                self.push(
                    SET_REMOVED,
                    at,
                    format!("the attribute set `{}` is gone", os.name),
                );
                continue;
            };
            if os.subset_of.is_some() || ns.subset_of.is_some() {
                continue;
            }
            let mut removed: Vec<&Attr> = Vec::new();
            let mut matched: Vec<(&Attr, &Attr)> = Vec::new();
            for oa in &os.attrs {
                match ns.attr(&oa.name) {
                    Some(na) => matched.push((oa, na)),
                    None => removed.push(oa),
                }
            }
            let mut added: Vec<&Attr> = ns
                .attrs
                .iter()
                .filter(|a| os.attr(&a.name).is_none())
                .collect();
            let renamed = pair_renames(&mut removed, &mut added, |r, a| {
                r.id == a.id && r.ty == a.ty
            });
            let mut map = HashMap::new();
            for (oa, na) in &matched {
                self.attr(&at, os, oa, na);
            }
            for (oa, na) in renamed {
                self.push(
                    ATTR_RENAMED,
                    format!("{at}/{}", oa.name),
                    format!(
                        "`{}` is now `{}` (same id {} and type {})",
                        oa.name,
                        na.name,
                        oa.id,
                        oa.ty.name()
                    ),
                );
                map.insert(oa.name.clone(), na.name.clone());
                self.attr(&at, os, oa, na);
            }
            for oa in removed {
                self.push(
                    ATTR_REMOVED,
                    format!("{at}/{}", oa.name),
                    format!(
                        "`{}` (id {}) is gone: an old client sending it gets EINVAL under strict validation (unknown attribute), and no longer finds it in replies",
                        oa.name, oa.id
                    ),
                );
            }
            for na in added {
                self.push(
                    ATTR_ADDED,
                    format!("{at}/{}", na.name),
                    format!(
                        "new `{}` (id {}, {}): a new client sending it to an old module gets EINVAL (\"Unknown attribute type\" under strict validation); an old client ignores it in replies and notifications",
                        na.name,
                        na.id,
                        na.ty.name()
                    ),
                );
            }
            self.renames.insert(os.name.clone(), map);
        }
    }

    fn attr(&mut self, set_at: &str, os: &AttrSet, oa: &Attr, na: &Attr) {
        let at = format!("{set_at}/{}", oa.name);
        let (o, n) = (&self.old.fam, &self.new.fam);
        if oa.id != na.id {
            self.push(
                ATTR_RENUMBERED,
                &at,
                format!(
                    "`{}` was id {} and is now id {}: old and new peers read each other's `{}` as another attribute",
                    oa.name, oa.id, na.id, oa.name
                ),
            );
        }
        let array = |a: &Attr, b: &Attr| a.multi && !b.multi && b.ty == AttrType::IndexedArray;
        let mut wire_same = true;
        if array(oa, na) || array(na, oa) {
            wire_same = false;
            self.push(
                ATTR_ARRAY_FORM_CHANGED,
                &at,
                if oa.multi {
                    "a repeated (multi-attr) attribute became an indexed-array: one nest of indexed entries"
                } else {
                    "an indexed-array (one nest of indexed entries) became a repeated (multi-attr) attribute"
                },
            );
        } else if is_nest(oa) != is_nest(na) {
            wire_same = false;
            self.push(
                ATTR_NEST_CHANGED,
                &at,
                format!(
                    "`{}` changed from {} to {}: peers read a nest as a value or the other way",
                    oa.name,
                    oa.ty.name(),
                    na.ty.name()
                ),
            );
        } else {
            if oa.ty != na.ty || oa.sub_type != na.sub_type {
                wire_same = false;
                let t = |a: &Attr| match a.sub_type {
                    Some(s) => format!("{} of {}", a.ty.name(), s.name()),
                    None => a.ty.name().to_owned(),
                };
                let mut m = format!("`{}` changed from {} to {}", oa.name, t(oa), t(na));
                if let (Some(wo), Some(wn)) = (width(oa.ty), width(na.ty)) {
                    if wo != wn {
                        m.push_str(&format!(
                            " ({wo} to {wn}): an old client's value fails the new module's length check (EINVAL) or is misread, and an old client misreads replies"
                        ));
                    }
                    if matches!(na.ty, AttrType::Uint | AttrType::Sint) {
                        m.push_str("; compatible while values fit in 32 bits");
                    }
                }
                self.push(ATTR_TYPE_CHANGED, &at, m);
            }
            if oa.multi != na.multi {
                wire_same = false;
                self.push(
                    ATTR_MULTI_CHANGED,
                    &at,
                    if oa.multi {
                        "multi-attr dropped: a repeated attribute is now single (the new module keeps one of several)"
                    } else {
                        "multi-attr added: a single attribute now repeats (an old client keeps one of several)"
                    },
                );
            }
            match (oa.nested, na.nested) {
                (Some(a), Some(b)) if o.sets[a].name != n.sets[b].name => {
                    wire_same = false;
                    self.push(
                        ATTR_NESTED_SET_CHANGED,
                        &at,
                        format!(
                            "the nest held `{}` and now holds `{}`",
                            o.sets[a].name, n.sets[b].name
                        ),
                    );
                }
                _ => {}
            }
        }
        if wire_same && oa.byte_order != na.byte_order {
            self.push(
                ATTR_BYTE_ORDER_CHANGED,
                &at,
                format!(
                    "byte order {:?} is now {:?}: peers read each other's value byte-swapped",
                    oa.byte_order, na.byte_order
                ),
            );
        }
        if wire_same {
            // A struct of the same name that changed is STRUCT_LAYOUT_CHANGED.
            if let (Some(a), Some(b)) = (&oa.struct_, &na.struct_) {
                let la = o.structs.get(a).map(layout);
                let lb = n.structs.get(b).map(layout);
                if a != b && la != lb {
                    self.push(
                        ATTR_STRUCT_CHANGED,
                        &at,
                        format!(
                            "the binary is laid out as struct `{b}` ({} bytes), was `{a}` ({} bytes)",
                            n.struct_size(Some(b)),
                            o.struct_size(Some(a))
                        ),
                    );
                }
            }
            if oa.sub_message != na.sub_message || oa.selector != na.selector {
                self.push(
                    ATTR_SUB_MESSAGE_CHANGED,
                    &at,
                    format!(
                        "sub-message `{}` selected by `{}` is now `{}` selected by `{}`",
                        oa.sub_message.as_deref().unwrap_or("-"),
                        oa.selector.as_deref().unwrap_or("-"),
                        na.sub_message.as_deref().unwrap_or("-"),
                        na.selector.as_deref().unwrap_or("-")
                    ),
                );
            }
        }
        if (oa.enum_.is_some() && na.enum_.is_some() && oa.enum_ != na.enum_)
            || (oa.enum_.is_some() && na.enum_.is_some() && oa.enum_as_flags != na.enum_as_flags)
        {
            self.push(
                ATTR_ENUM_CHANGED,
                &at,
                format!(
                    "values were read as `{}`{} and now as `{}`{}",
                    oa.enum_.as_deref().unwrap_or("-"),
                    if oa.enum_as_flags { " (as flags)" } else { "" },
                    na.enum_.as_deref().unwrap_or("-"),
                    if na.enum_as_flags { " (as flags)" } else { "" },
                ),
            );
        }
        self.checks(&at, os, oa, na);
    }

    fn checks(&mut self, at: &str, os: &AttrSet, oa: &Attr, na: &Attr) {
        let empty = BTreeMap::new();
        let oc = self
            .old
            .attrs
            .get(&(os.name.clone(), oa.name.clone()))
            .map_or(&empty, |x| &x.checks);
        let nc = self
            .new
            .attrs
            .get(&(os.name.clone(), na.name.clone()))
            .map_or(&empty, |x| &x.checks);
        let mut keys: Vec<&String> = oc.keys().chain(nc.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let (ov, nv) = (oc.get(k), nc.get(k));
            let num = |f: &Family, v: Option<&Yaml>| v.and_then(|v| check_value(f, v));
            let (on, nn) = (num(&self.old.fam, ov), num(&self.new.fam, nv));
            // The same limit (maybe spelled differently), or the same
            // text that is not a number.
            if (on.is_some() && on == nn) || (on.is_none() && nn.is_none() && ov == nv) {
                continue;
            }
            let sv = |v: Option<&Yaml>| v.map_or("none".to_owned(), show);
            let desc = format!("`{k}` {} is now {}", sv(ov), sv(nv));
            // Some(true): tightened, Some(false): loosened, None: no change.
            let tight: Option<bool> = match (k.as_str(), ov.is_some(), nv.is_some()) {
                ("min" | "min-len", true, true) => match (on, nn) {
                    (Some(a), Some(b)) => Some(b > a),
                    _ => Some(true),
                },
                ("max" | "max-len", true, true) => match (on, nn) {
                    (Some(a), Some(b)) => Some(b < a),
                    _ => Some(true),
                },
                ("unterminated-ok", _, _) => {
                    let t = |v: Option<i128>| v.unwrap_or(0) != 0;
                    match (t(on), t(nn)) {
                        (a, b) if a == b => None,
                        (a, _) => Some(a),
                    }
                }
                (_, false, true) => Some(true),
                (_, true, false) => Some(false),
                // exact-len and unknown checks changed.
                _ => Some(true),
            };
            match tight {
                Some(true) => self.push(
                    ATTR_CHECK_TIGHTENED,
                    at,
                    format!(
                        "{desc}: values an old client sends may now be rejected (EINVAL/ERANGE)"
                    ),
                ),
                Some(false) => self.push(
                    ATTR_CHECK_LOOSENED,
                    at,
                    format!(
                        "{desc}: a new client sending the newly allowed values to an old module gets EINVAL/ERANGE"
                    ),
                ),
                None => {}
            }
        }
    }

    fn structs(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let headers: HashSet<&str> = o
            .ops
            .iter()
            .filter_map(|op| op.fixed_header.as_deref())
            .chain(
                o.sub_messages
                    .values()
                    .flat_map(|s| s.formats.iter().filter_map(|f| f.fixed_header.as_deref())),
            )
            .collect();
        let mut names: Vec<&String> = o.structs.keys().collect();
        names.sort();
        for name in names {
            let os = &o.structs[name];
            let at = format!("definitions/{name}");
            let Some(ns) = n.structs.get(name) else {
                self.push(STRUCT_REMOVED, at, format!("the struct `{name}` is gone"));
                continue;
            };
            let (lo, ln) = (layout(os), layout(ns));
            if lo != ln {
                if !headers.contains(name.as_str()) {
                    self.push(
                        STRUCT_LAYOUT_CHANGED,
                        at,
                        format!(
                            "the struct `{name}` changed layout ({} bytes, now {}): peers misread its members",
                            os.size, ns.size
                        ),
                    );
                }
                continue;
            }
            for (a, b) in os.members.iter().zip(&ns.members) {
                if a.name != b.name {
                    self.push(
                        STRUCT_MEMBER_RENAMED,
                        format!("{at}/{}", a.name),
                        format!("member `{}` is now `{}`", a.name, b.name),
                    );
                }
            }
        }
    }

    fn sub_messages(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut names: Vec<&String> = o.sub_messages.keys().collect();
        names.sort();
        for name in names {
            let Some(ns) = n.sub_messages.get(name) else {
                // Its attributes report ATTR_SUB_MESSAGE_CHANGED or removal.
                continue;
            };
            let at = format!("sub-messages/{name}");
            let os = &o.sub_messages[name];
            for f in &os.formats {
                let fat = format!("{at}/{}", f.value);
                match ns.format(&f.value) {
                    None => self.push(
                        SUB_MESSAGE_FORMAT_REMOVED,
                        fat,
                        format!("selector value `{}` has no format any more", f.value),
                    ),
                    Some(g) => {
                        let set = |fam: &Family, i: Option<usize>| {
                            i.and_then(|i| fam.sets.get(i)).map(|s| s.name.clone())
                        };
                        let hl = |fam: &Family, h: &Option<String>| {
                            h.as_ref().and_then(|h| fam.structs.get(h)).map(layout)
                        };
                        if set(o, f.attr_set) != set(n, g.attr_set)
                            || hl(o, &f.fixed_header) != hl(n, &g.fixed_header)
                        {
                            self.push(
                                SUB_MESSAGE_FORMAT_CHANGED,
                                fat,
                                format!(
                                    "the format of `{}` changed its attribute set or fixed header",
                                    f.value
                                ),
                            );
                        }
                    }
                }
            }
            for g in &ns.formats {
                if os.format(&g.value).is_none() {
                    self.push(
                        SUB_MESSAGE_FORMAT_ADDED,
                        format!("{at}/{}", g.value),
                        format!(
                            "new format for selector value `{}`: an old client cannot decode it; an old module rejects it",
                            g.value
                        ),
                    );
                }
            }
        }
    }

    fn ops(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let primary = |op: &Op| {
            if op.is_async {
                op.rsp_value
            } else {
                op.req_value
            }
        };
        let mut matched: Vec<(&Op, &Op)> = Vec::new();
        let mut removed: Vec<&Op> = Vec::new();
        for oo in &o.ops {
            match n.op(&oo.name) {
                Some(no) => matched.push((oo, no)),
                None => removed.push(oo),
            }
        }
        let mut added: Vec<&Op> = n.ops.iter().filter(|x| o.op(&x.name).is_none()).collect();
        let renamed = pair_renames(&mut removed, &mut added, |r, a| {
            primary(r) == primary(a) && r.is_async == a.is_async
        });
        for (oo, no) in &renamed {
            self.push(
                OP_RENAMED,
                format!("operations/{}", oo.name),
                format!(
                    "`{}` is now `{}` (same message id {})",
                    oo.name,
                    no.name,
                    primary(oo).map_or("-".into(), |v| v.to_string())
                ),
            );
        }
        let mut header_changes: Vec<(Option<String>, Option<String>, Vec<String>)> = Vec::new();
        for (oo, no) in matched.iter().chain(&renamed) {
            self.op(oo, no);
            let hl = |fam: &Family, h: &Option<String>| {
                h.as_ref().and_then(|h| fam.structs.get(h)).map(layout)
            };
            if hl(o, &oo.fixed_header) != hl(n, &no.fixed_header) {
                let key = (oo.fixed_header.clone(), no.fixed_header.clone());
                match header_changes
                    .iter_mut()
                    .find(|h| (&h.0, &h.1) == (&key.0, &key.1))
                {
                    Some(h) => h.2.push(oo.name.clone()),
                    None => header_changes.push((key.0, key.1, vec![oo.name.clone()])),
                }
            }
        }
        for (a, b, ops) in header_changes {
            let at = match &a {
                Some(h) => format!("definitions/{h}"),
                None => format!("operations/{}", ops[0]),
            };
            self.push(
                FIXED_HEADER_CHANGED,
                at,
                format!(
                    "the fixed header of {} was `{}` ({} bytes) and is now `{}` ({} bytes): every attribute after it is misread",
                    ops.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.as_deref().unwrap_or("none"),
                    o.struct_size(a.as_deref()),
                    b.as_deref().unwrap_or("none"),
                    n.struct_size(b.as_deref())
                ),
            );
        }
        for oo in removed {
            let m = if oo.is_async {
                format!(
                    "the notification `{}` is gone: old listeners no longer receive it",
                    oo.name
                )
            } else {
                format!(
                    "`{}` (command {}) is gone: an old client calling it gets EOPNOTSUPP",
                    oo.name,
                    oo.req_value.map_or("-".into(), |v| v.to_string())
                )
            };
            self.push(OP_REMOVED, format!("operations/{}", oo.name), m);
        }
        for no in added {
            let m = if no.is_async {
                format!(
                    "new notification `{}` (message id {}): old clients ignore it; an old module never sends it",
                    no.name,
                    no.rsp_value.map_or("-".into(), |v| v.to_string())
                )
            } else {
                format!(
                    "new `{}` (command {}): a new client calling it on an old module gets EOPNOTSUPP",
                    no.name,
                    no.req_value.map_or("-".into(), |v| v.to_string())
                )
            };
            self.push(OP_ADDED, format!("operations/{}", no.name), m);
        }
    }

    fn op(&mut self, oo: &Op, no: &Op) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let at = format!("operations/{}", oo.name);
        if oo.is_async != no.is_async {
            self.push(
                OP_KIND_CHANGED,
                &at,
                if oo.is_async {
                    "a notification became a request"
                } else {
                    "a request became a notification"
                },
            );
            return;
        }
        let id = |v: Option<u16>| v.map_or("none".to_owned(), |v| v.to_string());
        if oo.is_async {
            if oo.rsp_value != no.rsp_value {
                self.push(
                    OP_RENUMBERED,
                    &at,
                    format!(
                        "the notification's message id {} is now {}: old listeners misread it as another message",
                        id(oo.rsp_value),
                        id(no.rsp_value)
                    ),
                );
            }
        } else {
            if oo.req_value != no.req_value {
                self.push(
                    OP_RENUMBERED,
                    &at,
                    format!(
                        "command {} is now {}: an old client's request runs another command or gets EOPNOTSUPP",
                        id(oo.req_value),
                        id(no.req_value)
                    ),
                );
            }
            let separate = |op: &Op| op.rsp_value.is_some() && op.rsp_value != op.req_value;
            if let (Some(a), Some(b)) = (oo.rsp_value, no.rsp_value) {
                if a != b && (separate(oo) || separate(no)) {
                    self.push(
                        OP_REPLY_RENUMBERED,
                        &at,
                        format!("replies carried message id {a} and now {b}"),
                    );
                }
            }
        }
        let set_name = |fam: &Family, op: &Op| {
            op.attr_set
                .and_then(|i| fam.sets.get(i))
                .map(|s| s.name.clone())
        };
        let (os, ns) = (set_name(o, oo), set_name(n, no));
        let same_set = os == ns;
        if !same_set && os.is_some() && ns.is_some() {
            self.push(
                OP_ATTR_SET_CHANGED,
                &at,
                format!(
                    "messages carried `{}` and now carry `{}`",
                    os.as_deref().unwrap_or("-"),
                    ns.as_deref().unwrap_or("-")
                ),
            );
        }
        if oo.is_async {
            if oo.mcgrp != no.mcgrp && !self.group_renamed(&oo.mcgrp, &no.mcgrp) {
                self.push(
                    OP_MCGRP_CHANGED,
                    &at,
                    format!(
                        "sent to group `{}`, now to `{}`: old listeners of `{}` miss it",
                        oo.mcgrp.as_deref().unwrap_or("none"),
                        no.mcgrp.as_deref().unwrap_or("none"),
                        oo.mcgrp.as_deref().unwrap_or("none")
                    ),
                );
            }
            if same_set {
                let ev = |s: &Side, op: &Op| {
                    s.ops
                        .get(&op.name)
                        .and_then(|x| x.event.clone())
                        .unwrap_or_default()
                };
                let (a, b) = (ev(self.old, oo), ev(self.new, no));
                self.attr_lists(&format!("{at}/event"), os.as_deref(), &a.attrs, &b.attrs);
            }
            return;
        }
        for (mode, had, has) in [
            ("do", oo.has_do, no.has_do),
            ("dump", oo.has_dump, no.has_dump),
        ] {
            match (had, has) {
                (true, false) => self.push(
                    OP_MODE_REMOVED,
                    format!("{at}/{mode}"),
                    format!("`{}` has no {mode} any more: an old client's {mode} gets EOPNOTSUPP", oo.name),
                ),
                (false, true) => self.push(
                    OP_MODE_ADDED,
                    format!("{at}/{mode}"),
                    format!("`{}` gained a {mode}: a new client's {mode} on an old module gets EOPNOTSUPP", oo.name),
                ),
                _ => {}
            }
        }
        if oo.has_do && no.has_do && oo.do_reply != no.do_reply {
            if oo.do_reply {
                self.push(
                    OP_REPLY_REMOVED,
                    format!("{at}/do"),
                    "the do replied and is now answered by an ACK only: an old client waiting for the reply gets none",
                );
            } else {
                self.push(
                    OP_REPLY_ADDED,
                    format!("{at}/do"),
                    "the do was answered by an ACK and now replies first: an old client waiting for the ACK skips the reply; a new client gets no reply from an old module",
                );
            }
        }
        let (opm, npm) = (self.old.perm(&oo.name), self.new.perm(&no.name));
        let perm = |p: u8| {
            [
                "no capability",
                "CAP_NET_ADMIN in its user namespace (uns-admin-perm)",
                "CAP_NET_ADMIN (admin-perm)",
            ][usize::from(p)]
        };
        if npm > opm {
            self.push(
                OP_ADMIN_PERM_ADDED,
                &at,
                format!(
                    "`{}` needed {} and now needs {}: unprivileged old clients get EPERM",
                    oo.name,
                    perm(opm),
                    perm(npm)
                ),
            );
        } else if npm < opm {
            self.push(
                OP_ADMIN_PERM_REMOVED,
                &at,
                format!("`{}` needed {} and now needs {}: a new client without it gets EPERM from an old module", oo.name, perm(opm), perm(npm)),
            );
        }
        let dv = |s: &Side, op: &Op| {
            s.ops
                .get(&op.name)
                .map(|x| x.dont_validate.clone())
                .unwrap_or_default()
        };
        let (odv, ndv) = (dv(self.old, oo), dv(self.new, no));
        for d in &odv {
            if !ndv.contains(d) {
                self.push(
                    OP_VALIDATION_TIGHTENED,
                    &at,
                    format!("`dont-validate: {d}` dropped: requests the old module accepted may get EINVAL"),
                );
            }
        }
        for d in &ndv {
            if !odv.contains(d) {
                self.push(
                    OP_VALIDATION_LOOSENED,
                    &at,
                    format!("`dont-validate: {d}` added: an old module validates more strictly"),
                );
            }
        }
        if !same_set {
            return;
        }
        for (mode, both) in [
            ("do", oo.has_do && no.has_do),
            ("dump", oo.has_dump && no.has_dump),
        ] {
            if !both {
                continue;
            }
            let m = |s: &Side, op: &Op, dir: &'static str| {
                s.ops
                    .get(&op.name)
                    .and_then(|x| x.msgs.get(&(mode, dir)).cloned())
                    .unwrap_or_default()
            };
            let (oq, nq) = (m(self.old, oo, "request"), m(self.new, no, "request"));
            let (or, nr) = (m(self.old, oo, "reply"), m(self.new, no, "reply"));
            let map = os
                .as_ref()
                .and_then(|s| self.renames.get(s))
                .cloned()
                .unwrap_or_default();
            let tr = |v: Vec<String>| -> Vec<String> {
                v.into_iter()
                    .map(|a| map.get(&a).cloned().unwrap_or(a))
                    .collect()
            };
            let oreq = tr(self.old.required(oo, mode));
            let nreq = self.new.required(no, mode);
            let qat = format!("{at}/{mode}/request");
            for r in &nreq {
                if !oreq.contains(r) {
                    self.push(
                        REQUIRED_ATTR_ADDED,
                        &qat,
                        format!("`{r}` is now required: an old client not sending it gets EINVAL"),
                    );
                }
            }
            for r in &oreq {
                if !nreq.contains(r) {
                    self.push(
                        REQUIRED_ATTR_RELAXED,
                        &qat,
                        format!("`{r}` is no longer required: a new client omitting it gets EINVAL from an old module"),
                    );
                }
            }
            let new_req: Vec<String> = nq
                .attrs
                .iter()
                .filter(|a| !nreq.contains(a))
                .cloned()
                .collect();
            self.attr_lists_req(&qat, os.as_deref(), &oq.attrs, &nq.attrs, &new_req);
            if (oo.do_reply && no.do_reply) || mode == "dump" {
                self.attr_lists(
                    &format!("{at}/{mode}/reply"),
                    os.as_deref(),
                    &or.attrs,
                    &nr.attrs,
                );
            }
        }
    }

    fn group_renamed(&self, a: &Option<String>, b: &Option<String>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => {
                self.new.fam.mcast_groups.iter().all(|g| &g.name != a)
                    && self.old.fam.mcast_groups.iter().all(|g| &g.name != b)
            }
            _ => false,
        }
    }

    /// The names of `old` in the new set's names, without attributes gone
    /// from the set (reported as ATTR_REMOVED).
    fn translate(&self, set: Option<&str>, old: &[String]) -> Vec<String> {
        let map = set.and_then(|s| self.renames.get(s));
        let old_set = set.and_then(|s| self.old.fam.set(s));
        let new_set = set.and_then(|s| self.new.fam.set(s));
        let gone = |a: &str| {
            old_set.is_some_and(|s| s.attr(a).is_some())
                && new_set.is_some_and(|s| s.attr(a).is_none())
        };
        old.iter()
            .filter(|a| !gone(a) || map.is_some_and(|m| m.contains_key(*a)))
            .map(|a| {
                map.and_then(|m| m.get(a))
                    .cloned()
                    .unwrap_or_else(|| a.clone())
            })
            .collect()
    }

    fn attr_lists_req(
        &mut self,
        at: &str,
        set: Option<&str>,
        old: &[String],
        new: &[String],
        optional: &[String],
    ) {
        let old = self.translate(set, old);
        for a in &old {
            if !new.contains(a) {
                self.push(
                    OP_REQUEST_ATTR_REMOVED,
                    at,
                    format!("the request no longer lists `{a}`: an old client sending it gets EINVAL (per-operation policy) or has it ignored"),
                );
            }
        }
        for a in optional {
            if !old.contains(a) {
                self.push(
                    OP_REQUEST_ATTR_ADDED,
                    at,
                    format!("the request now lists `{a}` (optional): old clients do not send it; a new client sending it to an old module gets EINVAL under strict validation"),
                );
            }
        }
    }

    fn attr_lists(&mut self, at: &str, set: Option<&str>, old: &[String], new: &[String]) {
        let old = self.translate(set, old);
        for a in &old {
            if !new.contains(a) {
                self.push(
                    OP_REPLY_ATTR_REMOVED,
                    at,
                    format!(
                        "`{a}` is no longer sent: an old client relying on it finds it missing"
                    ),
                );
            }
        }
        for a in new {
            if !old.contains(a) {
                self.push(
                    OP_REPLY_ATTR_ADDED,
                    at,
                    format!("`{a}` is now sent: old clients ignore it; a new client finds it missing from an old module"),
                );
            }
        }
    }

    fn groups(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut removed: Vec<&crate::family::McastGroup> = Vec::new();
        for g in &o.mcast_groups {
            match n.mcast_groups.iter().find(|x| x.name == g.name) {
                Some(x) if x.value != g.value => self.push(
                    MCGRP_RENUMBERED,
                    format!("mcast-groups/{}", g.name),
                    format!(
                        "group number {} is now {}",
                        g.value.map_or("-".into(), |v| v.to_string()),
                        x.value.map_or("-".into(), |v| v.to_string())
                    ),
                ),
                Some(_) => {}
                None => removed.push(g),
            }
        }
        let mut added: Vec<&crate::family::McastGroup> = n
            .mcast_groups
            .iter()
            .filter(|x| o.mcast_groups.iter().all(|g| g.name != x.name))
            .collect();
        // Renamed: the same fixed number, or the same notifications moved.
        let moved = |a: &str, b: &str| {
            o.ops.iter().any(|op| {
                op.mcgrp.as_deref() == Some(a)
                    && n.op(&op.name)
                        .is_some_and(|x| x.mcgrp.as_deref() == Some(b))
            })
        };
        let renamed = pair_renames(&mut removed, &mut added, |r, a| {
            (r.value.is_some() && r.value == a.value) || moved(&r.name, &a.name)
        });
        for (r, a) in renamed {
            self.push(
                MCGRP_RENAMED,
                format!("mcast-groups/{}", r.name),
                format!(
                    "group `{}` is now `{}`: an old client joining `{}` by name fails",
                    r.name, a.name, r.name
                ),
            );
        }
        for r in removed {
            self.push(
                MCGRP_REMOVED,
                format!("mcast-groups/{}", r.name),
                format!(
                    "group `{}` is gone: an old client joining it fails (nlctrl does not list it)",
                    r.name
                ),
            );
        }
        for a in added {
            self.push(
                MCGRP_ADDED,
                format!("mcast-groups/{}", a.name),
                format!("new group `{}`: a new client joining it on an old module fails to resolve it; old clients are unaffected", a.name),
            );
        }
    }
}
