//! The model a spec resolves to: protocols, attribute types, sets,
//! enums, structs, sub-messages, operations and groups.

use std::collections::HashMap;

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
    /// `nested-attributes`: the nested set's index in [`SpecFamily::sets`](super::SpecFamily::sets).
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
    pub(super) by_name: HashMap<String, usize>,
    pub(super) by_id: HashMap<u16, usize>,
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
    /// Its attribute set (index in [`SpecFamily::sets`](super::SpecFamily::sets)).
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
    /// Its attribute set (index in [`SpecFamily::sets`](super::SpecFamily::sets)), directly or through
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
