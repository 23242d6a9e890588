//! Schema descriptors: `const` data that the derives emit beside the codec.
//!
//! Every generator (C headers, YNL spec, drift check against the running
//! kernel's policy, extack path resolution) reads only these descriptors, so
//! nothing about a family is written twice. They are plain `'static` data: no
//! allocation, usable in `const` context.

use std::fmt;

/// A link to an attribute set's descriptor. A function rather than a
/// reference, so that recursive sets (a nest that contains itself) are fine.
pub type SetRef = fn() -> &'static AttrSetSchema;

/// The wire type of one attribute.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum AttrType {
    /// `NLA_U8`.
    U8,
    /// `NLA_U16`.
    U16,
    /// `NLA_U32`.
    U32,
    /// `NLA_U64`.
    U64,
    /// `NLA_S8`.
    S8,
    /// `NLA_S16`.
    S16,
    /// `NLA_S32`.
    S32,
    /// `NLA_S64`.
    S64,
    /// `NLA_FLAG`: presence only.
    Flag,
    /// `NLA_NUL_STRING` (sent NUL-terminated, accepted with or without).
    String,
    /// `NLA_BINARY`: opaque bytes.
    Binary,
    /// `NLA_NESTED`: an attribute set.
    Nested(SetRef),
    /// `NLA_NESTED_ARRAY`: a nest whose children are numbered 1..=n and each
    /// carry one value of the inner type (nlctrl's ops and groups lists).
    IndexedArray(&'static AttrType),
}

impl AttrType {
    /// The kernel policy type name (`NLA_U32`, …).
    pub fn kernel_name(&self) -> &'static str {
        match self {
            AttrType::U8 => "NLA_U8",
            AttrType::U16 => "NLA_U16",
            AttrType::U32 => "NLA_U32",
            AttrType::U64 => "NLA_U64",
            AttrType::S8 => "NLA_S8",
            AttrType::S16 => "NLA_S16",
            AttrType::S32 => "NLA_S32",
            AttrType::S64 => "NLA_S64",
            AttrType::Flag => "NLA_FLAG",
            AttrType::String => "NLA_NUL_STRING",
            AttrType::Binary => "NLA_BINARY",
            AttrType::Nested(_) => "NLA_NESTED",
            AttrType::IndexedArray(_) => "NLA_NESTED_ARRAY",
        }
    }

    /// The YNL type name (`u32`, `string`, `nest`, `indexed-array`, …).
    pub fn ynl_name(&self) -> &'static str {
        match self {
            AttrType::U8 => "u8",
            AttrType::U16 => "u16",
            AttrType::U32 => "u32",
            AttrType::U64 => "u64",
            AttrType::S8 => "s8",
            AttrType::S16 => "s16",
            AttrType::S32 => "s32",
            AttrType::S64 => "s64",
            AttrType::Flag => "flag",
            AttrType::String => "string",
            AttrType::Binary => "binary",
            AttrType::Nested(_) => "nest",
            AttrType::IndexedArray(_) => "indexed-array",
        }
    }

    /// Size in bytes of a fixed-size integer type.
    pub fn int_size(&self) -> Option<usize> {
        match self {
            AttrType::U8 | AttrType::S8 => Some(1),
            AttrType::U16 | AttrType::S16 => Some(2),
            AttrType::U32 | AttrType::S32 => Some(4),
            AttrType::U64 | AttrType::S64 => Some(8),
            _ => None,
        }
    }

    /// Whether the type is a signed integer.
    pub fn is_signed(&self) -> bool {
        matches!(
            self,
            AttrType::S8 | AttrType::S16 | AttrType::S32 | AttrType::S64
        )
    }

    /// The nested set, for `Nested` (and arrays of nests).
    pub fn nested_set(&self) -> Option<&'static AttrSetSchema> {
        match self {
            AttrType::Nested(f) => Some(f()),
            AttrType::IndexedArray(inner) => inner.nested_set(),
            _ => None,
        }
    }

    /// Structural equality (nested sets compared by name).
    pub fn same_as(&self, other: &AttrType) -> bool {
        match (self, other) {
            (AttrType::Nested(a), AttrType::Nested(b)) => a().name == b().name,
            (AttrType::IndexedArray(a), AttrType::IndexedArray(b)) => a.same_as(b),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl fmt::Debug for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrType::Nested(s) => write!(f, "Nested({})", s().name),
            AttrType::IndexedArray(t) => write!(f, "IndexedArray({t:?})"),
            other => f.write_str(&other.ynl_name().to_uppercase()),
        }
    }
}

impl PartialEq for AttrType {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
    }
}

/// Byte order of an integer attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Host byte order (the netlink default).
    Host,
    /// Network (big-endian) byte order, e.g. ports and addresses.
    Big,
}

/// How often an attribute appears in its set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be present (a `T` field). Decoding without it is an error.
    Required,
    /// May be absent (an `Option<T>` or `bool` flag field).
    Optional,
    /// May repeat (a `Vec<T>` field marked `multi`).
    Multi,
}

/// Validation declared on an attribute; mirrors the kernel's policy checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checks {
    /// Minimum payload length (strings without their NUL).
    pub min_len: Option<u32>,
    /// Maximum payload length (strings without their NUL).
    pub max_len: Option<u32>,
    /// Exact payload length (fixed-size byte arrays).
    pub exact_len: Option<u32>,
    /// Minimum integer value.
    pub min: Option<i64>,
    /// Maximum integer value.
    pub max: Option<i64>,
}

impl Checks {
    /// No checks.
    pub const NONE: Checks = Checks {
        min_len: None,
        max_len: None,
        exact_len: None,
        min: None,
        max: None,
    };

    /// Whether any check is declared.
    pub const fn is_empty(&self) -> bool {
        self.min_len.is_none()
            && self.max_len.is_none()
            && self.exact_len.is_none()
            && self.min.is_none()
            && self.max.is_none()
    }
}

/// One attribute of a set.
#[derive(Debug, Clone, Copy)]
pub struct AttrSchema {
    /// The Rust field (or variant) name, `snake_case` for fields.
    pub name: &'static str,
    /// The attribute id (`nla_type`), 1..=16383.
    pub id: u16,
    /// The wire type.
    pub ty: AttrType,
    /// The value enum carried by a `U*` attribute, if any.
    pub value_enum: Option<&'static ValueEnumSchema>,
    /// Byte order of integer payloads.
    pub byte_order: ByteOrder,
    /// Required, optional or repeated.
    pub presence: Presence,
    /// Declared validation.
    pub checks: Checks,
    /// Doc comment of the field.
    pub doc: &'static str,
}

/// An attribute set: a struct (closed set) or an enum (open stream).
#[derive(Debug)]
pub struct AttrSetSchema {
    /// The Rust type name.
    pub name: &'static str,
    /// Prefix of the C enum constants (`DEMO_A_KV`), if declared.
    pub c_prefix: Option<&'static str>,
    /// The attributes, in declaration order.
    pub attrs: &'static [AttrSchema],
    /// Doc comment of the type.
    pub doc: &'static str,
}

impl AttrSetSchema {
    /// The attribute with `id`.
    pub fn attr(&self, id: u16) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.id == id)
    }

    /// The attribute named `name`.
    pub fn attr_named(&self, name: &str) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Resolves a byte `offset` inside `attrs` (attributes encoded as this
    /// set) to the dotted path of the attribute there, `KvEntry.meta.port`,
    /// descending into nests through the schema. Also returns the nested set
    /// when the attribute found is a nest (for `NLMSGERR_ATTR_MISS_NEST`).
    pub fn path_at(
        &'static self,
        attrs: &[u8],
        offset: usize,
    ) -> Option<(String, Option<&'static AttrSetSchema>)> {
        let mut path = self.name.to_owned();
        let mut set = self;
        let mut buf = attrs;
        let mut off = offset;
        loop {
            let attr = crate::wire::AttrIter::new(buf)
                .map_while(Result::ok)
                .find(|a| {
                    off >= a.offset && off < a.offset + crate::wire::NLA_HDRLEN + a.value.len()
                })?;
            let schema = set.attr(attr.id);
            match schema {
                Some(s) => {
                    path.push('.');
                    path.push_str(s.name);
                }
                None => {
                    path.push_str(&format!(".<attribute {}>", attr.id));
                    return Some((path, None));
                }
            }
            let inner = off - attr.offset;
            let nested = schema.and_then(|s| match s.ty {
                AttrType::Nested(f) => Some(f()),
                _ => None,
            });
            match nested {
                Some(n) if inner >= crate::wire::NLA_HDRLEN => {
                    set = n;
                    buf = attr.value;
                    off = inner - crate::wire::NLA_HDRLEN;
                }
                _ => return Some((path, nested)),
            }
        }
    }

    /// The largest attribute id (`__MAX - 1`), 0 for an empty set.
    pub fn max_id(&self) -> u16 {
        self.attrs.iter().map(|a| a.id).max().unwrap_or(0)
    }
}

/// One variant of a value enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumVariant {
    /// The Rust variant name.
    pub name: &'static str,
    /// Its numeric value.
    pub value: u64,
    /// Doc comment.
    pub doc: &'static str,
}

/// A C-like enum carried in an integer attribute.
#[derive(Debug, PartialEq, Eq)]
pub struct ValueEnumSchema {
    /// The Rust type name.
    pub name: &'static str,
    /// Prefix of the C constants, if declared.
    pub c_prefix: Option<&'static str>,
    /// The variants, in declaration order.
    pub variants: &'static [EnumVariant],
    /// Doc comment.
    pub doc: &'static str,
}

/// One command of a family.
#[derive(Debug, Clone, Copy)]
pub struct CommandSchema {
    /// The Rust variant name.
    pub name: &'static str,
    /// The command number (`genlmsghdr.cmd`).
    pub id: u8,
    /// The attribute set a request carries, if any.
    pub request: Option<SetRef>,
    /// The attribute set a reply carries, if any.
    pub reply: Option<SetRef>,
    /// Whether a plain request (`doit`) is supported.
    pub do_: bool,
    /// Whether a dump (`dumpit`) is supported.
    pub dump: bool,
    /// Whether the command needs `CAP_NET_ADMIN` (`GENL_ADMIN_PERM`).
    pub admin_perm: bool,
    /// Whether this command is only sent by the kernel (a notification).
    pub event: bool,
    /// Doc comment.
    pub doc: &'static str,
}

impl CommandSchema {
    /// The request set's descriptor.
    pub fn request_set(&self) -> Option<&'static AttrSetSchema> {
        self.request.map(|f| f())
    }

    /// The reply set's descriptor.
    pub fn reply_set(&self) -> Option<&'static AttrSetSchema> {
        self.reply.map(|f| f())
    }
}

/// A generic netlink family.
#[derive(Debug)]
pub struct FamilySchema {
    /// The family name registered with the controller (at most 15 bytes).
    pub name: &'static str,
    /// The family version (`genlmsghdr.version`).
    pub version: u8,
    /// Prefix of the C constants (`DEMO`), if declared.
    pub c_prefix: Option<&'static str>,
    /// Multicast group names.
    pub mcast_groups: &'static [&'static str],
    /// The commands.
    pub commands: &'static [CommandSchema],
    /// Doc comment.
    pub doc: &'static str,
}

impl FamilySchema {
    /// The command with number `id`.
    pub fn command(&self, id: u8) -> Option<&'static CommandSchema> {
        self.commands.iter().find(|c| c.id == id)
    }

    /// Every attribute set reachable from the commands (requests, replies and
    /// their nests), each once, in first-seen order.
    pub fn attr_sets(&self) -> Vec<&'static AttrSetSchema> {
        let mut out: Vec<&'static AttrSetSchema> = Vec::new();
        fn visit(set: &'static AttrSetSchema, out: &mut Vec<&'static AttrSetSchema>) {
            if out
                .iter()
                .any(|s| std::ptr::eq(*s, set) || s.name == set.name)
            {
                return;
            }
            out.push(set);
            for a in set.attrs {
                if let Some(n) = a.ty.nested_set() {
                    visit(n, out);
                }
            }
        }
        for c in self.commands {
            for s in [c.request_set(), c.reply_set()].into_iter().flatten() {
                visit(s, &mut out);
            }
        }
        out
    }

    /// Every value enum used by the family's attribute sets, each once.
    pub fn value_enums(&self) -> Vec<&'static ValueEnumSchema> {
        let mut out: Vec<&'static ValueEnumSchema> = Vec::new();
        for s in self.attr_sets() {
            for a in s.attrs {
                if let Some(e) = a.value_enum {
                    if !out.iter().any(|x| x.name == e.name) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }
}
