//! A YNL spec resolved for use at run time (what `genl ynl` drives): every
//! attribute set indexed by name and by id, enums and flags, C structs
//! (fixed headers and `binary` attributes), sub-messages and operations
//! with their request and reply message ids, numbered as the kernel's
//! `tools/net/ynl/lib/nlspec.py` numbers them.
//!
//! Every reference is checked when the spec is loaded (a nest naming a set
//! that does not exist, an enum, a struct, a sub-message, a fixed header),
//! and a [`SpecError`] names where: `attribute-sets/link-attrs/linkinfo:
//! unknown sub-message `x``. Loading never panics on a malformed spec.
//!
//! ```
//! let fam = genl_ynl::family::Family::parse("
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u32 }
//!       - { name: label, type: string }
//! operations:
//!   list:
//!     - name: get
//!       attribute-set: main
//!       do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
//! ").unwrap();
//! let set = fam.set("main").unwrap();
//! assert_eq!(set.attr("label").unwrap().id, 2);
//! assert_eq!(fam.op("get").unwrap().req_value, Some(1));
//! ```

use std::collections::HashMap;
use std::fmt;

use serde_yaml_ng::{Mapping, Value as Yaml};

/// Why a spec could not be loaded: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where in the spec (`attribute-sets/dev/ifindex`), or empty for the
    /// whole text.
    pub at: String,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "invalid YNL spec: {}", self.what)
        } else {
            write!(f, "invalid YNL spec: {}: {}", self.at, self.what)
        }
    }
}

impl std::error::Error for SpecError {}

fn err(at: impl Into<String>, what: impl Into<String>) -> SpecError {
    SpecError {
        at: at.into(),
        what: what.into(),
    }
}

/// The netlink protocol a family speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Generic netlink (`genetlink`, `genetlink-c`, `genetlink-legacy`):
    /// the family id is resolved by name through nlctrl.
    Genetlink,
    /// Classic netlink (`netlink-raw`) of protocol number `protonum`
    /// (`NETLINK_ROUTE` = 0, `NETLINK_NETFILTER` = 12): message ids are the
    /// spec's.
    Raw {
        /// The `protonum` of the spec (below 32, `MAX_LINKS`).
        protonum: u8,
    },
}

/// The type of an attribute, a struct member or an array item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AttrType {
    Unused,
    Pad,
    Flag,
    Binary,
    Bitfield32,
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
    /// 4 or 8 bytes on the wire.
    Uint,
    /// 4 or 8 bytes on the wire.
    Sint,
    String,
    Nest,
    IndexedArray,
    NestTypeValue,
    SubMessage,
}

/// Every YNL type name with its type: [`AttrType::parse`] and
/// [`AttrType::name`] read this one table.
const TYPE_NAMES: &[(&str, AttrType)] = &[
    ("unused", AttrType::Unused),
    ("pad", AttrType::Pad),
    ("flag", AttrType::Flag),
    ("binary", AttrType::Binary),
    ("bitfield32", AttrType::Bitfield32),
    ("u8", AttrType::U8),
    ("u16", AttrType::U16),
    ("u32", AttrType::U32),
    ("u64", AttrType::U64),
    ("s8", AttrType::S8),
    ("s16", AttrType::S16),
    ("s32", AttrType::S32),
    ("s64", AttrType::S64),
    ("uint", AttrType::Uint),
    ("sint", AttrType::Sint),
    ("string", AttrType::String),
    ("nest", AttrType::Nest),
    ("indexed-array", AttrType::IndexedArray),
    ("nest-type-value", AttrType::NestTypeValue),
    ("sub-message", AttrType::SubMessage),
];

impl AttrType {
    /// Parses a YNL type name.
    pub fn parse(s: &str) -> Option<AttrType> {
        TYPE_NAMES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
    }

    /// The YNL type name (`u32`, `indexed-array`, …), as [`parse`](Self::parse) reads it.
    pub fn name(self) -> &'static str {
        TYPE_NAMES
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("unknown", |(n, _)| n)
    }

    /// The size and signedness of a fixed-width integer type.
    pub fn int_width(self) -> Option<(usize, bool)> {
        Some(match self {
            AttrType::U8 => (1, false),
            AttrType::U16 => (2, false),
            AttrType::U32 => (4, false),
            AttrType::U64 => (8, false),
            AttrType::S8 => (1, true),
            AttrType::S16 => (2, true),
            AttrType::S32 => (4, true),
            AttrType::S64 => (8, true),
            _ => return None,
        })
    }
}

/// Byte order of an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ByteOrder {
    /// The host's (no `byte-order` in the spec).
    #[default]
    Host,
    /// `little-endian`.
    Little,
    /// `big-endian` (network order).
    Big,
}

/// A `display-hint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DisplayHint {
    Hex,
    Mac,
    Fddi,
    Ipv4,
    Ipv6,
    Uuid,
}

/// One attribute of a set.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Its YNL name.
    pub name: String,
    /// Its id.
    pub id: u16,
    /// Its type.
    pub ty: AttrType,
    /// `multi-attr`.
    pub multi: bool,
    /// `nested-attributes`: the nested set's index in [`Family::sets`].
    pub nested: Option<usize>,
    /// `byte-order`.
    pub byte_order: ByteOrder,
    /// `enum`: the name of an enum or flags definition.
    pub enum_: Option<String>,
    /// `enum-as-flags`.
    pub enum_as_flags: bool,
    /// `struct` (of a `binary` attribute).
    pub struct_: Option<String>,
    /// `sub-type` (of `indexed-array` and `binary`).
    pub sub_type: Option<AttrType>,
    /// `display-hint`.
    pub display_hint: Option<DisplayHint>,
    /// `sub-message` (of a `sub-message` attribute).
    pub sub_message: Option<String>,
    /// `selector`: the attribute whose value selects the sub-message format.
    pub selector: Option<String>,
    /// `type-value` (of `nest-type-value`).
    pub type_value: Vec<String>,
    /// `checks`: the limits the kernel's policy enforces.
    pub checks: Checks,
}

/// The `checks` of an attribute, resolved to numbers: the limits the
/// kernel's policy enforces (what a fuzzer probes the edges of).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checks {
    /// `min`.
    pub min: Option<i128>,
    /// `max`.
    pub max: Option<i128>,
    /// `min-len`.
    pub min_len: Option<u64>,
    /// `max-len`.
    pub max_len: Option<u64>,
    /// `exact-len`.
    pub exact_len: Option<u64>,
}

/// An attribute set.
#[derive(Debug, Clone)]
pub struct AttrSet {
    /// Its YNL name.
    pub name: String,
    /// `subset-of`, if it is a subset.
    pub subset_of: Option<String>,
    /// Its attributes in spec order.
    pub attrs: Vec<Attr>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<u16, usize>,
}

impl AttrSet {
    /// The attribute named `name`.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.by_name.get(name).map(|&i| &self.attrs[i])
    }

    /// The attribute with id `id`.
    pub fn attr_by_id(&self, id: u16) -> Option<&Attr> {
        self.by_id.get(&id).map(|&i| &self.attrs[i])
    }
}

/// An `enum` or `flags` definition.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Its YNL name.
    pub name: String,
    /// `flags` (entries are bit positions) rather than `enum`.
    pub flags: bool,
    /// Entries: name and value (the bit position for flags).
    pub entries: Vec<(String, u64)>,
}

impl EnumDef {
    /// The name of the entry with value (or bit) `v`.
    pub fn name_of(&self, v: u64) -> Option<&str> {
        // The last entry of a value wins, as in nlspec.py's dict.
        self.entries
            .iter()
            .rev()
            .find(|e| e.1 == v)
            .map(|e| e.0.as_str())
    }

    /// The value (or bit) of the entry named `name`.
    pub fn value_of(&self, name: &str) -> Option<u64> {
        self.entries.iter().find(|e| e.0 == name).map(|e| e.1)
    }
}

/// A member of a C struct.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its type (`pad`, `binary`, a fixed-width integer, `string`).
    pub ty: AttrType,
    /// Its size in bytes.
    pub size: usize,
    /// `byte-order`.
    pub byte_order: ByteOrder,
    /// `enum`.
    pub enum_: Option<String>,
    /// `enum-as-flags`.
    pub enum_as_flags: bool,
    /// `display-hint`.
    pub display_hint: Option<DisplayHint>,
    /// `struct`: a nested struct (of a `binary` member).
    pub struct_: Option<String>,
}

/// A `struct` definition (a fixed header, or the layout of a `binary`
/// attribute).
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Its YNL name.
    pub name: String,
    /// Its members in order.
    pub members: Vec<Member>,
    /// Its size in bytes (members packed, as the spec lays them out).
    pub size: usize,
}

/// One format of a sub-message.
#[derive(Debug, Clone)]
pub struct SubMessageFormat {
    /// The selector value that picks it.
    pub value: String,
    /// Its fixed header struct.
    pub fixed_header: Option<String>,
    /// Its attribute set (index in [`Family::sets`]).
    pub attr_set: Option<usize>,
}

/// A `sub-messages` entry.
#[derive(Debug, Clone)]
pub struct SubMessage {
    /// Its name.
    pub name: String,
    /// Its formats.
    pub formats: Vec<SubMessageFormat>,
}

impl SubMessage {
    /// The format for selector value `value`.
    pub fn format(&self, value: &str) -> Option<&SubMessageFormat> {
        self.formats.iter().find(|f| f.value == value)
    }
}

/// One operation (or notification) of the spec.
#[derive(Debug, Clone)]
pub struct Op {
    /// Its YNL name.
    pub name: String,
    /// The message id (genl command, or netlink message type) of requests.
    pub req_value: Option<u16>,
    /// The message id of replies and notifications.
    pub rsp_value: Option<u16>,
    /// Has `do`.
    pub has_do: bool,
    /// Has `dump`.
    pub has_dump: bool,
    /// Has `do` with a reply.
    pub do_reply: bool,
    /// A notification or event (`notify` or `event`).
    pub is_async: bool,
    /// `notify`: the operation whose reply this notification carries.
    pub notify: Option<String>,
    /// Has `event`.
    pub has_event: bool,
    /// Its attribute set (index in [`Family::sets`]), directly or through
    /// the operation it `notify`s for.
    pub attr_set: Option<usize>,
    /// Its fixed header struct (its own, else the family's).
    pub fixed_header: Option<String>,
    /// `mcgrp`.
    pub mcgrp: Option<String>,
    /// Has `attribute-set` itself (what `cli.py --list-ops` lists).
    pub own_attr_set: bool,
    /// `do: request: attributes`: the attributes a `do` request carries,
    /// by name (`None` without a `do` request).
    pub do_request: Option<Vec<String>>,
    /// `dump: request: attributes` (`None` without a `dump` request).
    pub dump_request: Option<Vec<String>>,
}

impl Op {
    /// The modes (`do`, `dump`, `notify`, `event`), as `cli.py
    /// --list-ops` and `--list-msgs` name them.
    pub fn modes(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        for (on, name) in [
            (self.has_do, "do"),
            (self.has_dump, "dump"),
            (self.notify.is_some(), "notify"),
            (self.has_event, "event"),
        ] {
            if on {
                m.push(name);
            }
        }
        m
    }
}

/// A multicast group.
#[derive(Debug, Clone)]
pub struct McastGroup {
    /// Its name.
    pub name: String,
    /// Its fixed id (`netlink-raw` only; genl ids are resolved by name).
    pub value: Option<u32>,
}

/// A whole spec, resolved.
#[derive(Debug, Clone)]
pub struct Family {
    /// The family name.
    pub name: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The `protocol:` as written (`genetlink` when absent).
    pub proto_name: String,
    /// `version`, for the genl header of requests (default 1).
    pub version: u8,
    /// Attribute sets in spec order.
    pub sets: Vec<AttrSet>,
    /// Enums and flags by name.
    pub enums: HashMap<String, EnumDef>,
    /// Structs by name.
    pub structs: HashMap<String, StructDef>,
    /// Integer constants by name.
    pub consts: HashMap<String, i128>,
    /// Sub-messages by name.
    pub sub_messages: HashMap<String, SubMessage>,
    /// Operations and notifications in spec order.
    pub ops: Vec<Op>,
    /// Multicast groups.
    pub mcast_groups: Vec<McastGroup>,
    set_by_name: HashMap<String, usize>,
}

// ---------------------------------------------------------------------------
// Reading YAML.

/// The value of a YNL limit name (`u32-max`, `s16-min`, …).
fn limit_value(s: &str) -> Option<i128> {
    let (ty, end) = s.split_once('-')?;
    let bits: u32 = ty.get(1..)?.parse().ok()?;
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return None;
    }
    match (ty.as_bytes()[0], end) {
        (b'u', "max") => Some((1i128 << bits) - 1),
        (b'u', "min") => Some(0),
        (b's', "max") => Some((1i128 << (bits - 1)) - 1),
        (b's', "min") => Some(-(1i128 << (bits - 1))),
        _ => None,
    }
}

fn key<'y>(m: &'y Mapping, k: &str) -> Option<&'y Yaml> {
    m.get(k)
}

fn as_map<'y>(v: &'y Yaml, at: &str) -> Result<&'y Mapping, SpecError> {
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

fn opt_str<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<Option<&'y str>, SpecError> {
    match key(m, k) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::String(s)) => Ok(Some(s)),
        Some(v) => Err(err(
            format!("{at}/{k}"),
            format!("expected a string, found {}", yaml_kind(v)),
        )),
    }
}

fn req_str<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y str, SpecError> {
    opt_str(m, k, at)?.ok_or_else(|| err(at, format!("`{k}` is missing")))
}

fn opt_bool(m: &Mapping, k: &str, at: &str) -> Result<bool, SpecError> {
    match key(m, k) {
        None | Some(Yaml::Null) => Ok(false),
        Some(Yaml::Bool(b)) => Ok(*b),
        Some(v) => Err(err(
            format!("{at}/{k}"),
            format!("expected true or false, found {}", yaml_kind(v)),
        )),
    }
}

fn seq<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y [Yaml], SpecError> {
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
fn elem_name(v: &Yaml, i: usize) -> String {
    match v {
        Yaml::String(s) => s.clone(),
        Yaml::Mapping(m) => match m.get("name") {
            Some(Yaml::String(s)) => s.clone(),
            _ => format!("#{i}"),
        },
        _ => format!("#{i}"),
    }
}

impl Family {
    /// Loads a spec from its YAML text.
    pub fn parse(text: &str) -> Result<Family, SpecError> {
        let doc: Yaml = serde_yaml_ng::from_str(text).map_err(|e| err("", e.to_string()))?;
        let top = as_map(&doc, "")?;
        let name = req_str(top, "name", "")?.to_owned();
        let proto_name = opt_str(top, "protocol", "")?
            .unwrap_or("genetlink")
            .to_owned();
        let protocol = match proto_name.as_str() {
            "genetlink" | "genetlink-c" | "genetlink-legacy" => Protocol::Genetlink,
            "netlink-raw" => {
                let n = key(top, "protonum")
                    .and_then(Yaml::as_u64)
                    .ok_or_else(|| err("protonum", "a netlink-raw spec needs `protonum`"))?;
                let protonum = u8::try_from(n)
                    .ok()
                    .filter(|&n| n < 32)
                    .ok_or_else(|| err("protonum", format!("{n} is not a protocol number")))?;
                Protocol::Raw { protonum }
            }
            p => return Err(err("protocol", format!("unknown protocol `{p}`"))),
        };
        let version = match key(top, "version") {
            None | Some(Yaml::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| err("version", "the family version is a number 0 to 255"))?,
        };
        let mut fam = Family {
            name,
            protocol,
            proto_name,
            version,
            sets: Vec::new(),
            enums: HashMap::new(),
            structs: HashMap::new(),
            consts: HashMap::new(),
            sub_messages: HashMap::new(),
            ops: Vec::new(),
            mcast_groups: Vec::new(),
            set_by_name: HashMap::new(),
        };
        fam.load_definitions(top)?;
        fam.load_sets(top)?;
        fam.load_sub_messages(top)?;
        fam.load_ops(top)?;
        if let Some(g) = key(top, "mcast-groups") {
            let g = as_map(g, "mcast-groups")?;
            for (i, e) in seq(g, "list", "mcast-groups")?.iter().enumerate() {
                let at = format!("mcast-groups/{}", elem_name(e, i));
                let m = as_map(e, &at)?;
                let value = match key(m, "value") {
                    None | Some(Yaml::Null) => None,
                    Some(v) => Some(
                        v.as_u64()
                            .and_then(|v| u32::try_from(v).ok())
                            .ok_or_else(|| err(&at, "`value` is not a group number"))?,
                    ),
                };
                fam.mcast_groups.push(McastGroup {
                    name: req_str(m, "name", &at)?.to_owned(),
                    value,
                });
            }
        }
        fam.check_references()?;
        Ok(fam)
    }

    /// The attribute set named `name`.
    pub fn set(&self, name: &str) -> Option<&AttrSet> {
        self.set_by_name.get(name).map(|&i| &self.sets[i])
    }

    /// The operation (or notification) named `name`.
    pub fn op(&self, name: &str) -> Option<&Op> {
        self.ops.iter().find(|o| o.name == name)
    }

    /// The operations `cli.py --list-ops` lists: not notifications, with an
    /// attribute set of their own.
    pub fn call_ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(|o| !o.is_async && o.own_attr_set)
    }

    /// The first operation whose attribute set `nlspec.py` cannot resolve,
    /// for which `cli.py` refuses the whole spec ("Can't resolve attribute
    /// set for op 'NAME'"): a `do`, `dump` or `event` without an
    /// `attribute-set` of its own, or a `notify` of an operation without
    /// one. Reserved entries (no `do`, `dump`, `event` or `notify`) need
    /// none.
    pub fn op_without_attr_set(&self) -> Option<&Op> {
        self.ops.iter().find(|o| {
            if o.own_attr_set {
                return false;
            }
            match &o.notify {
                Some(t) => !self.ops.iter().any(|x| &x.name == t && x.own_attr_set),
                None => o.has_do || o.has_dump || o.is_async,
            }
        })
    }

    /// The operation whose replies or notifications carry message id `id`
    /// (the last one in the spec, as nlspec.py's `rsp_by_value`).
    pub fn op_by_rsp(&self, id: u16) -> Option<&Op> {
        self.ops.iter().rev().find(|o| o.rsp_value == Some(id))
    }

    /// The operation whose requests carry message id `id`.
    pub fn op_by_req(&self, id: u16) -> Option<&Op> {
        self.ops.iter().rev().find(|o| o.req_value == Some(id))
    }

    /// The size of struct `name` (0 for `None`).
    pub fn struct_size(&self, name: Option<&str>) -> usize {
        name.and_then(|n| self.structs.get(n)).map_or(0, |s| s.size)
    }

    /// An integer: a number, or the name of an integer `const` definition.
    fn int_or_const(&self, v: &Yaml, at: &str) -> Result<i128, SpecError> {
        if let Some(n) = v.as_i64() {
            return Ok(n.into());
        }
        if let Some(n) = v.as_u64() {
            return Ok(n.into());
        }
        match v.as_str() {
            Some(s) => match self.consts.get(s) {
                Some(&n) => Ok(n),
                None => s
                    .parse::<i128>()
                    .map_err(|_| err(at, format!("`{s}` is not a number or a known constant"))),
            },
            None => Err(err(
                at,
                format!("expected a number, found {}", yaml_kind(v)),
            )),
        }
    }

    fn load_definitions(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let defs = seq(top, "definitions", "")?;
        // Constants first: others may refer to them.
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            if opt_str(m, "type", &at)? == Some("const") {
                let name = req_str(m, "name", &at)?;
                // A const that is not an integer (a string) is simply unused.
                if let Some(v) = key(m, "value") {
                    if let Ok(n) = self.int_or_const(v, &at) {
                        self.consts.insert(name.to_owned(), n);
                    }
                }
            }
        }
        // Enums and flags.
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            let name = req_str(m, "name", &at)?;
            let ty = req_str(m, "type", &at)?;
            match ty {
                "enum" | "flags" => {
                    let mut val: i128 = match key(m, "value-start") {
                        None | Some(Yaml::Null) => 0,
                        Some(v) => self.int_or_const(v, &format!("{at}/value-start"))?,
                    };
                    let mut entries = Vec::new();
                    for (j, e) in seq(m, "entries", &at)?.iter().enumerate() {
                        let eat = format!("{at}/entries/{}", elem_name(e, j));
                        let ename = match e {
                            Yaml::String(s) => s.clone(),
                            Yaml::Mapping(em) => {
                                if let Some(v) = key(em, "value") {
                                    val = self.int_or_const(v, &eat)?;
                                }
                                req_str(em, "name", &eat)?.to_owned()
                            }
                            v => {
                                return Err(err(
                                    eat,
                                    format!("expected a name or a map, found {}", yaml_kind(v)),
                                ))
                            }
                        };
                        let v = u64::try_from(val)
                            .map_err(|_| err(&eat, format!("value {val} is negative")))?;
                        if ty == "flags" && v > 63 {
                            return Err(err(eat, format!("flag bit {v} exceeds 63")));
                        }
                        entries.push((ename, v));
                        val += 1;
                    }
                    self.enums.insert(
                        name.to_owned(),
                        EnumDef {
                            name: name.to_owned(),
                            flags: ty == "flags",
                            entries,
                        },
                    );
                }
                "const" | "struct" => {}
                t => return Err(err(at, format!("unknown definition type `{t}`"))),
            }
        }
        // Structs, which may nest structs defined later.
        let mut pending: Vec<(String, &Mapping)> = Vec::new();
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            if opt_str(m, "type", &at)? == Some("struct") {
                pending.push((at, m));
            }
        }
        while !pending.is_empty() {
            let before = pending.len();
            let mut later = Vec::new();
            for (at, m) in pending {
                match self.load_struct(&at, m)? {
                    Some(s) => {
                        self.structs.insert(s.name.clone(), s);
                    }
                    None => later.push((at, m)),
                }
            }
            if later.len() == before {
                let (at, m) = &later[0];
                // Name the first member that refers to an unknown struct.
                for (j, mem) in seq(m, "members", at)?.iter().enumerate() {
                    if let Some(s) = mem
                        .as_mapping()
                        .and_then(|mm| mm.get("struct"))
                        .and_then(Yaml::as_str)
                    {
                        if !self.structs.contains_key(s) {
                            return Err(err(
                                format!("{at}/members/{}", elem_name(mem, j)),
                                format!("unknown struct `{s}` (or structs nest in a cycle)"),
                            ));
                        }
                    }
                }
                return Err(err(at, "structs nest in a cycle"));
            }
            pending = later;
        }
        Ok(())
    }

    /// A struct whose nested structs are all known; `None` if one is not
    /// loaded yet.
    fn load_struct(&self, at: &str, m: &Mapping) -> Result<Option<StructDef>, SpecError> {
        let name = req_str(m, "name", at)?;
        let mut members = Vec::new();
        let mut size = 0;
        for (j, mem) in seq(m, "members", at)?.iter().enumerate() {
            let mat = format!("{at}/members/{}", elem_name(mem, j));
            let mm = as_map(mem, &mat)?;
            let mname = req_str(mm, "name", &mat)?;
            let tname = req_str(mm, "type", &mat)?;
            let ty = AttrType::parse(tname)
                .ok_or_else(|| err(&mat, format!("unknown member type `{tname}`")))?;
            let struct_ = opt_str(mm, "struct", &mat)?.map(str::to_owned);
            let len = match key(mm, "len") {
                None | Some(Yaml::Null) => None,
                Some(v) => {
                    let n = self.int_or_const(v, &format!("{mat}/len"))?;
                    Some(usize::try_from(n).map_err(|_| err(&mat, "negative `len`"))?)
                }
            };
            let msize = match (ty, &struct_) {
                (AttrType::Binary, Some(s)) => match self.structs.get(s) {
                    Some(sd) => sd.size,
                    None => return Ok(None),
                },
                (AttrType::Binary | AttrType::Pad | AttrType::String, _) => {
                    len.ok_or_else(|| err(&mat, format!("a `{tname}` member needs `len`")))?
                }
                (t, _) => match t.int_width() {
                    Some((w, _)) => w,
                    None => {
                        return Err(err(
                            &mat,
                            format!("a struct member cannot be of type `{tname}`"),
                        ))
                    }
                },
            };
            size += msize;
            members.push(Member {
                name: mname.to_owned(),
                ty,
                size: msize,
                byte_order: byte_order(mm, &mat)?,
                enum_: opt_str(mm, "enum", &mat)?.map(str::to_owned),
                enum_as_flags: opt_bool(mm, "enum-as-flags", &mat)?,
                display_hint: display_hint(mm, &mat)?,
                struct_,
            });
        }
        Ok(Some(StructDef {
            name: name.to_owned(),
            members,
            size,
        }))
    }

    fn load_sets(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let sets = seq(top, "attribute-sets", "")?;
        // Names first: nests may refer to sets defined later.
        for (i, s) in sets.iter().enumerate() {
            let at = format!("attribute-sets/{}", elem_name(s, i));
            let m = as_map(s, &at)?;
            let name = req_str(m, "name", &at)?;
            if self.set_by_name.insert(name.to_owned(), i).is_some() {
                return Err(err(at, "a second attribute set of this name"));
            }
            self.sets.push(AttrSet {
                name: name.to_owned(),
                subset_of: opt_str(m, "subset-of", &at)?.map(str::to_owned),
                attrs: Vec::new(),
                by_name: HashMap::new(),
                by_id: HashMap::new(),
            });
        }
        // Full sets.
        for (i, s) in sets.iter().enumerate() {
            if self.sets[i].subset_of.is_some() {
                continue;
            }
            let at = format!("attribute-sets/{}", self.sets[i].name);
            let m = as_map(s, &at)?;
            let mut id: u64 = 1;
            let mut attrs = Vec::new();
            for (j, a) in seq(m, "attributes", &at)?.iter().enumerate() {
                let aat = format!("{at}/{}", elem_name(a, j));
                let am = as_map(a, &aat)?;
                if let Some(v) = key(am, "value") {
                    id = v
                        .as_u64()
                        .ok_or_else(|| err(&aat, "`value` is not an attribute id"))?;
                }
                if id > 0x3fff {
                    return Err(err(&aat, format!("attribute id {id} exceeds 16383")));
                }
                attrs.push(self.load_attr(&aat, am, id as u16)?);
                id += 1;
            }
            self.fill_set(i, attrs, &at)?;
        }
        // Subsets (of full sets, or of subsets already filled).
        let mut left: Vec<usize> = (0..self.sets.len())
            .filter(|&i| self.sets[i].subset_of.is_some())
            .collect();
        let mut filled: Vec<bool> = self.sets.iter().map(|s| s.subset_of.is_none()).collect();
        while !left.is_empty() {
            let before = left.len();
            let mut later = Vec::new();
            for i in left {
                let at = format!("attribute-sets/{}", self.sets[i].name);
                let parent_name = self.sets[i].subset_of.clone().unwrap_or_default();
                let p = *self.set_by_name.get(&parent_name).ok_or_else(|| {
                    err(
                        format!("{at}/subset-of"),
                        format!("unknown attribute set `{parent_name}`"),
                    )
                })?;
                if !filled[p] {
                    later.push(i);
                    continue;
                }
                let m = as_map(&sets[i], &at)?;
                let mut attrs = Vec::new();
                for (j, a) in seq(m, "attributes", &at)?.iter().enumerate() {
                    let aat = format!("{at}/{}", elem_name(a, j));
                    let am = as_map(a, &aat)?;
                    let an = req_str(am, "name", &aat)?;
                    let pa = self.sets[p].attr(an).ok_or_else(|| {
                        err(
                            &aat,
                            format!("attribute set `{parent_name}` has no attribute `{an}`"),
                        )
                    })?;
                    // A name listed twice names the same attribute
                    // (devlink's dl-dpipe-table does this).
                    if !attrs.iter().any(|x: &Attr| x.name == pa.name) {
                        attrs.push(pa.clone());
                    }
                }
                self.fill_set(i, attrs, &at)?;
                filled[i] = true;
            }
            if later.len() == before {
                return Err(err(
                    format!("attribute-sets/{}", self.sets[later[0]].name),
                    "subsets refer to each other in a cycle",
                ));
            }
            left = later;
        }
        Ok(())
    }

    fn fill_set(&mut self, i: usize, attrs: Vec<Attr>, at: &str) -> Result<(), SpecError> {
        let set = &mut self.sets[i];
        for (k, a) in attrs.iter().enumerate() {
            if set.by_name.insert(a.name.clone(), k).is_some() {
                return Err(err(
                    format!("{at}/{}", a.name),
                    "a second attribute of this name",
                ));
            }
            // A second attribute with an id: the last wins for decoding, as
            // in nlspec.py.
            set.by_id.insert(a.id, k);
        }
        set.attrs = attrs;
        Ok(())
    }

    fn load_attr(&self, at: &str, m: &Mapping, id: u16) -> Result<Attr, SpecError> {
        let name = req_str(m, "name", at)?.to_owned();
        let tname = req_str(m, "type", at)?;
        let ty =
            AttrType::parse(tname).ok_or_else(|| err(at, format!("unknown type `{tname}`")))?;
        let nested = match opt_str(m, "nested-attributes", at)? {
            None => None,
            Some(n) => Some(*self.set_by_name.get(n).ok_or_else(|| {
                err(
                    format!("{at}/nested-attributes"),
                    format!("unknown attribute set `{n}`"),
                )
            })?),
        };
        let sub_type = match opt_str(m, "sub-type", at)? {
            None => None,
            Some(t) => Some(
                AttrType::parse(t)
                    .ok_or_else(|| err(format!("{at}/sub-type"), format!("unknown type `{t}`")))?,
            ),
        };
        let type_value = seq(m, "type-value", at)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("{at}/type-value"), "expected names"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let a = Attr {
            name,
            id,
            ty,
            multi: opt_bool(m, "multi-attr", at)?,
            nested,
            byte_order: byte_order(m, at)?,
            enum_: opt_str(m, "enum", at)?.map(str::to_owned),
            enum_as_flags: opt_bool(m, "enum-as-flags", at)?,
            struct_: opt_str(m, "struct", at)?.map(str::to_owned),
            sub_type,
            display_hint: display_hint(m, at)?,
            sub_message: opt_str(m, "sub-message", at)?.map(str::to_owned),
            selector: opt_str(m, "selector", at)?.map(str::to_owned),
            type_value,
            checks: self.load_checks(m, at)?,
        };
        let needs_nest = matches!(ty, AttrType::Nest | AttrType::NestTypeValue)
            || (ty == AttrType::IndexedArray && sub_type == Some(AttrType::Nest));
        if needs_nest && a.nested.is_none() {
            return Err(err(at, format!("a `{tname}` needs `nested-attributes`")));
        }
        if ty == AttrType::IndexedArray && sub_type.is_none() {
            return Err(err(at, "an `indexed-array` needs `sub-type`"));
        }
        if ty == AttrType::SubMessage && (a.sub_message.is_none() || a.selector.is_none()) {
            return Err(err(
                at,
                "a `sub-message` needs `sub-message` and `selector`",
            ));
        }
        Ok(a)
    }

    /// `checks`: numbers, `const` names, or the limits `u8-max` … `s64-min`.
    fn load_checks(&self, m: &Mapping, at: &str) -> Result<Checks, SpecError> {
        let Some(c) = key(m, "checks") else {
            return Ok(Checks::default());
        };
        let at = format!("{at}/checks");
        let c = as_map(c, &at)?;
        let num = |k: &str| -> Result<Option<i128>, SpecError> {
            let Some(v) = key(c, k) else { return Ok(None) };
            if let Some(lim) = v.as_str().and_then(limit_value) {
                return Ok(Some(lim));
            }
            self.int_or_const(v, &format!("{at}/{k}")).map(Some)
        };
        let len = |k: &str| -> Result<Option<u64>, SpecError> {
            num(k)?
                .map(|v| {
                    u64::try_from(v)
                        .map_err(|_| err(format!("{at}/{k}"), format!("{v} is not a length")))
                })
                .transpose()
        };
        Ok(Checks {
            min: num("min")?,
            max: num("max")?,
            min_len: len("min-len")?,
            max_len: len("max-len")?,
            exact_len: len("exact-len")?,
        })
    }

    fn load_sub_messages(&mut self, top: &Mapping) -> Result<(), SpecError> {
        for (i, s) in seq(top, "sub-messages", "")?.iter().enumerate() {
            let at = format!("sub-messages/{}", elem_name(s, i));
            let m = as_map(s, &at)?;
            let name = req_str(m, "name", &at)?.to_owned();
            let mut formats = Vec::new();
            for (j, f) in seq(m, "formats", &at)?.iter().enumerate() {
                let fat = format!("{at}/formats/#{j}");
                let fm = as_map(f, &fat)?;
                let value = match key(fm, "value") {
                    Some(Yaml::String(s)) => s.clone(),
                    Some(Yaml::Number(n)) => n.to_string(),
                    _ => return Err(err(fat, "`value` is missing")),
                };
                let attr_set = match opt_str(fm, "attribute-set", &fat)? {
                    None => None,
                    Some(n) => Some(*self.set_by_name.get(n).ok_or_else(|| {
                        err(
                            format!("{fat}/attribute-set"),
                            format!("unknown attribute set `{n}`"),
                        )
                    })?),
                };
                let fixed_header = opt_str(fm, "fixed-header", &fat)?.map(str::to_owned);
                if let Some(h) = &fixed_header {
                    if !self.structs.contains_key(h) {
                        return Err(err(
                            format!("{fat}/fixed-header"),
                            format!("unknown struct `{h}`"),
                        ));
                    }
                }
                formats.push(SubMessageFormat {
                    value,
                    fixed_header,
                    attr_set,
                });
            }
            self.sub_messages
                .insert(name.clone(), SubMessage { name, formats });
        }
        Ok(())
    }

    fn load_ops(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let Some(ops) = key(top, "operations") else {
            return Ok(());
        };
        let ops = as_map(ops, "operations")?;
        let directional = match opt_str(ops, "enum-model", "operations")? {
            None | Some("unified") => false,
            Some("directional") => true,
            Some(m) => {
                return Err(err(
                    "operations/enum-model",
                    format!("unknown enum model `{m}`"),
                ))
            }
        };
        let family_header = opt_str(ops, "fixed-header", "operations")?.map(str::to_owned);
        let list = seq(ops, "list", "operations")?;
        let (mut req_val, mut rsp_val): (Option<u64>, Option<u64>) = (Some(1), Some(1));
        let mut unified_val: u64 = 1;
        let mut pending_sets: Vec<Option<String>> = Vec::new();
        let mut notify_of: Vec<Option<String>> = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let at = format!("operations/{}", elem_name(o, i));
            let m = as_map(o, &at)?;
            let name = req_str(m, "name", &at)?.to_owned();
            // A mode: absent, or present (maybe empty).
            let mode = |k: &str| -> Result<Option<Option<&Mapping>>, SpecError> {
                match key(m, k) {
                    None => Ok(None),
                    Some(Yaml::Null) => Ok(Some(None)),
                    Some(v) => as_map(v, &format!("{at}/{k}")).map(|m| Some(Some(m))),
                }
            };
            let do_ = mode("do")?;
            let dump = mode("dump")?;
            let notify = opt_str(m, "notify", &at)?.map(str::to_owned);
            let event = key(m, "event").is_some();
            let is_async = notify.is_some() || event;
            let sub_value =
                |md: Option<Option<&Mapping>>, k: &str| -> Result<Option<u64>, SpecError> {
                    let Some(Some(md)) = md else { return Ok(None) };
                    match key(md, k) {
                        Some(Yaml::Mapping(r)) => match key(r, "value") {
                            None | Some(Yaml::Null) => Ok(None),
                            Some(v) => v
                                .as_u64()
                                .map(Some)
                                .ok_or_else(|| err(&at, format!("`{k}` value is not a number"))),
                        },
                        _ => Ok(None),
                    }
                };
            let has = |md: Option<Option<&Mapping>>, k: &str| {
                md.flatten().is_some_and(|md| key(md, k).is_some())
            };
            let (req, rsp);
            if !directional {
                if let Some(v) = key(m, "value") {
                    unified_val = v
                        .as_u64()
                        .ok_or_else(|| err(&at, "`value` is not a number"))?;
                }
                req = Some(unified_val);
                rsp = Some(unified_val);
                unified_val += 1;
            } else if is_async {
                if let Some(v) = key(m, "value") {
                    rsp_val = Some(
                        v.as_u64()
                            .ok_or_else(|| err(&at, "`value` is not a number"))?,
                    );
                }
                let r = rsp_val.ok_or_else(|| err(&at, "no message id"))?;
                req = None;
                rsp = Some(r);
                // nlspec.py: the request counter stays, and is not used.
                rsp_val = Some(r + 1);
            } else if do_.is_some() || dump.is_some() {
                let md = do_.or(dump);
                // nlspec.py ignores a zero value (`if v:`).
                if let Some(v) = sub_value(md, "request")?.filter(|&v| v != 0) {
                    req_val = Some(v);
                }
                if let Some(v) = sub_value(md, "reply")?.filter(|&v| v != 0) {
                    rsp_val = Some(v);
                }
                let q = req_val.ok_or_else(|| err(&at, "no request message id"))?;
                let r = rsp_val.ok_or_else(|| err(&at, "no reply message id"))?;
                let has_reply = has(md, "reply");
                req = Some(q);
                rsp = if has_reply { Some(r) } else { None };
                req_val = Some(q + 1);
                rsp_val = Some(r + u64::from(has_reply));
            } else {
                return Err(err(
                    &at,
                    "a directional operation needs do, dump, notify or event",
                ));
            }
            let fit = |v: Option<u64>| -> Result<Option<u16>, SpecError> {
                v.map(|v| {
                    let max = match self.protocol {
                        Protocol::Genetlink => 255,
                        Protocol::Raw { .. } => u64::from(u16::MAX),
                    };
                    if v > max {
                        Err(err(&at, format!("message id {v} exceeds {max}")))
                    } else {
                        Ok(v as u16)
                    }
                })
                .transpose()
            };
            let fixed_header = opt_str(m, "fixed-header", &at)?
                .map(str::to_owned)
                .or_else(|| family_header.clone());
            if let Some(h) = &fixed_header {
                if !self.structs.contains_key(h) {
                    return Err(err(
                        format!("{at}/fixed-header"),
                        format!("unknown struct `{h}`"),
                    ));
                }
            }
            let set_name = opt_str(m, "attribute-set", &at)?.map(str::to_owned);
            let request_attrs =
                |md: Option<Option<&Mapping>>, k: &str| -> Result<Option<Vec<String>>, SpecError> {
                    let Some(Some(Yaml::Mapping(r))) =
                        md.map(|md| md.and_then(|md| key(md, "request")))
                    else {
                        return Ok(None);
                    };
                    seq(r, "attributes", &format!("{at}/{k}/request"))?
                        .iter()
                        .map(|v| {
                            v.as_str().map(str::to_owned).ok_or_else(|| {
                                err(format!("{at}/{k}/request/attributes"), "expected names")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                };
            let do_request = request_attrs(do_, "do")?;
            let dump_request = request_attrs(dump, "dump")?;
            self.ops.push(Op {
                name,
                req_value: fit(req)?,
                rsp_value: fit(rsp)?,
                has_do: do_.is_some(),
                has_dump: dump.is_some(),
                do_reply: has(do_, "reply"),
                is_async,
                notify: notify.clone(),
                has_event: event,
                attr_set: None,
                fixed_header,
                mcgrp: opt_str(m, "mcgrp", &at)?.map(str::to_owned),
                own_attr_set: set_name.is_some(),
                do_request,
                dump_request,
            });
            pending_sets.push(set_name);
            notify_of.push(notify);
        }
        // Attribute sets, directly or through the notified operation.
        for i in 0..self.ops.len() {
            let at = format!("operations/{}", self.ops[i].name);
            let name = match (&pending_sets[i], &notify_of[i]) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(t)) => {
                    let j = self.ops.iter().position(|o| &o.name == t).ok_or_else(|| {
                        err(format!("{at}/notify"), format!("unknown operation `{t}`"))
                    })?;
                    pending_sets[j].clone()
                }
                (None, None) => None,
            };
            if let Some(n) = name {
                let s = *self.set_by_name.get(&n).ok_or_else(|| {
                    err(
                        format!("{at}/attribute-set"),
                        format!("unknown attribute set `{n}`"),
                    )
                })?;
                self.ops[i].attr_set = Some(s);
            }
        }
        Ok(())
    }

    /// Every enum, struct and sub-message an attribute or member names
    /// exists.
    fn check_references(&self) -> Result<(), SpecError> {
        for s in &self.sets {
            for a in &s.attrs {
                let at = format!("attribute-sets/{}/{}", s.name, a.name);
                if let Some(e) = &a.enum_ {
                    if !self.enums.contains_key(e) {
                        return Err(err(&at, format!("unknown enum `{e}`")));
                    }
                }
                if let Some(st) = &a.struct_ {
                    if !self.structs.contains_key(st) {
                        return Err(err(&at, format!("unknown struct `{st}`")));
                    }
                }
                if let Some(sm) = &a.sub_message {
                    if !self.sub_messages.contains_key(sm) {
                        return Err(err(&at, format!("unknown sub-message `{sm}`")));
                    }
                }
            }
        }
        for st in self.structs.values() {
            for mem in &st.members {
                if let Some(e) = &mem.enum_ {
                    if !self.enums.contains_key(e) {
                        return Err(err(
                            format!("definitions/{}/members/{}", st.name, mem.name),
                            format!("unknown enum `{e}`"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn byte_order(m: &Mapping, at: &str) -> Result<ByteOrder, SpecError> {
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

fn display_hint(m: &Mapping, at: &str) -> Result<Option<DisplayHint>, SpecError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks and request lists as the kernel's specs write them
    /// (Documentation/netlink/specs/: `max: u16-max`, `min-len`, a `const`
    /// by name).
    #[test]
    fn checks_resolve_numbers_limit_names_and_consts() {
        let f = Family::parse(
            "name: t\n\
             definitions:\n  - {type: const, name: name-len, value: 16}\n\
             attribute-sets:\n  - name: a\n    attributes:\n\
             \x20     - {name: x, type: u16, checks: {min: 1, max: u16-max}}\n\
             \x20     - {name: s, type: string, checks: {min-len: 1, max-len: name-len}}\n\
             \x20     - {name: n, type: s32, checks: {min: s32-min}}\n\
             \x20     - {name: b, type: binary, checks: {exact-len: 6}}\n\
             operations:\n  list:\n\
             \x20   - name: get\n      attribute-set: a\n      do:\n        request: {attributes: [x, s]}\n      dump: {}\n",
        )
        .unwrap();
        let a = &f.sets[0];
        let c = |n: &str| a.attr(n).unwrap().checks;
        assert_eq!((c("x").min, c("x").max), (Some(1), Some(65535)));
        assert_eq!((c("s").min_len, c("s").max_len), (Some(1), Some(16)));
        assert_eq!(c("n").min, Some(-2_147_483_648));
        assert_eq!(c("b").exact_len, Some(6));
        let op = f.op("get").unwrap();
        assert_eq!(
            op.do_request.as_deref(),
            Some(&["x".to_owned(), "s".to_owned()][..])
        );
        assert_eq!(op.dump_request, None, "a dump without a request");
        assert!(Family::parse(
            "name: t\nattribute-sets:\n  - name: a\n    attributes:\n      - {name: x, type: u8, checks: {max-len: -1}}\n"
        )
        .is_err());
    }
}
