//! Schema descriptors: `const` data that the derives emit beside the codec.
//!
//! Every generator (C headers, YNL spec, drift check against the running
//! kernel's policy, extack path resolution) reads only these descriptors, so
//! nothing about a family is written twice. They are plain `'static` data: no
//! allocation, usable in `const` context — [`verify`] checks a whole family
//! at compile time.
//!
//! # Identity
//!
//! A set is identified by its Rust [`path`](AttrSetSchema::path)
//! (`my_crate::a::Entry`), never by its type name alone: two `Entry` types in
//! different modules are two sets, and a family that reaches both under the
//! same [`name`](AttrSetSchema::name) is a compile error naming both paths
//! (their C and YNL names would collide). A *subset*
//! ([`subset_of`](AttrSetSchema::subset_of)) is a per-operation view of
//! another set: the same attributes (ids, types, checks declared once), a
//! selection of them, each required or not.
//!
//! Sets reference their nested sets directly (`&'static`), so schemas are
//! acyclic: a set cannot nest itself, directly or through others.

use std::fmt;

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
    /// `NLA_UINT` (Linux 6.8+): an unsigned integer of 4 or 8 bytes.
    Uint,
    /// `NLA_SINT` (Linux 6.8+): a signed integer of 4 or 8 bytes.
    Sint,
    /// `NLA_BITFIELD32`: `struct nla_bitfield32` (value, selector).
    Bitfield32,
    /// `NLA_FLAG`: presence only.
    Flag,
    /// `NLA_NUL_STRING` (sent NUL-terminated, accepted with or without).
    String,
    /// `NLA_BINARY`: opaque bytes.
    Binary,
    /// `NLA_NESTED`: an attribute set.
    Nested(&'static AttrSetSchema),
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
            AttrType::Uint => "NLA_UINT",
            AttrType::Sint => "NLA_SINT",
            AttrType::Bitfield32 => "NLA_BITFIELD32",
            AttrType::Flag => "NLA_FLAG",
            AttrType::String => "NLA_NUL_STRING",
            AttrType::Binary => "NLA_BINARY",
            AttrType::Nested(_) => "NLA_NESTED",
            AttrType::IndexedArray(_) => "NLA_NESTED_ARRAY",
        }
    }

    /// The YNL type name (`u32`, `string`, `nest`, `indexed-array`, …).
    pub const fn ynl_name(&self) -> &'static str {
        match self {
            AttrType::U8 => "u8",
            AttrType::U16 => "u16",
            AttrType::U32 => "u32",
            AttrType::U64 => "u64",
            AttrType::S8 => "s8",
            AttrType::S16 => "s16",
            AttrType::S32 => "s32",
            AttrType::S64 => "s64",
            AttrType::Uint => "uint",
            AttrType::Sint => "sint",
            AttrType::Bitfield32 => "bitfield32",
            AttrType::Flag => "flag",
            AttrType::String => "string",
            AttrType::Binary => "binary",
            AttrType::Nested(_) => "nest",
            AttrType::IndexedArray(_) => "indexed-array",
        }
    }

    /// Size in bytes of a fixed-size integer type.
    pub const fn int_size(&self) -> Option<usize> {
        match self {
            AttrType::U8 | AttrType::S8 => Some(1),
            AttrType::U16 | AttrType::S16 => Some(2),
            AttrType::U32 | AttrType::S32 => Some(4),
            AttrType::U64 | AttrType::S64 => Some(8),
            _ => None,
        }
    }

    /// Whether the type is a signed integer.
    pub const fn is_signed(&self) -> bool {
        matches!(
            self,
            AttrType::S8 | AttrType::S16 | AttrType::S32 | AttrType::S64 | AttrType::Sint
        )
    }

    /// Whether the type is a 64-bit integer (sent by a kernel with
    /// `nla_put_u64_64bit`, which needs a pad attribute).
    pub const fn is_64bit(&self) -> bool {
        matches!(self, AttrType::U64 | AttrType::S64)
    }

    /// The nested set, for `Nested` (and arrays of nests).
    pub const fn nested_set(&self) -> Option<&'static AttrSetSchema> {
        match self {
            AttrType::Nested(s) => Some(*s),
            AttrType::IndexedArray(inner) => inner.nested_set(),
            _ => None,
        }
    }

    /// Structural equality: the same wire type, nests of the same set
    /// ([`AttrSetSchema::same_set`]: a subset and its set are the same set).
    pub const fn same_as(&self, other: &AttrType) -> bool {
        match (self, other) {
            (AttrType::Nested(a), AttrType::Nested(b)) => a.same_set(b),
            (AttrType::IndexedArray(a), AttrType::IndexedArray(b)) => a.same_as(b),
            (AttrType::U8, AttrType::U8)
            | (AttrType::U16, AttrType::U16)
            | (AttrType::U32, AttrType::U32)
            | (AttrType::U64, AttrType::U64)
            | (AttrType::S8, AttrType::S8)
            | (AttrType::S16, AttrType::S16)
            | (AttrType::S32, AttrType::S32)
            | (AttrType::S64, AttrType::S64)
            | (AttrType::Uint, AttrType::Uint)
            | (AttrType::Sint, AttrType::Sint)
            | (AttrType::Bitfield32, AttrType::Bitfield32)
            | (AttrType::Flag, AttrType::Flag)
            | (AttrType::String, AttrType::String)
            | (AttrType::Binary, AttrType::Binary) => true,
            _ => false,
        }
    }
}

impl fmt::Debug for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrType::Nested(s) => write!(f, "Nested({})", s.name),
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
    /// Must be present (a `T` field). Decoding without it is an error, and
    /// the generated kernel code rejects a request without it
    /// (`GENL_REQ_ATTR_CHECK`, with the missing attribute in the extended ACK).
    Required,
    /// May be absent (an `Option<T>` or `bool` flag field).
    Optional,
    /// May repeat (a `Vec<T>` or `Multi<T>` field marked `multi`).
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
    /// The set's name: the Rust type name unless `#[genl(name = "...")]`
    /// says otherwise. C and YNL names are derived from it, so it is unique
    /// among the sets of a family.
    pub name: &'static str,
    /// The Rust path of the type (`my_crate::kv::KvEntry`): the set's
    /// identity.
    pub path: &'static str,
    /// Prefix of the C enum constants (`DEMO_A_KV`), if declared.
    pub c_prefix: Option<&'static str>,
    /// For a subset (`#[genl(subset_of = Set)]`): the set whose attributes
    /// it selects. Subsets render as that set in C and YNL; an operation
    /// using a subset accepts exactly the subset's attributes and requires
    /// those that are [`Presence::Required`] there.
    pub subset_of: Option<&'static AttrSetSchema>,
    /// The pad attribute's id (`#[genl(pad = N)]`), which the kernel emits
    /// before 64-bit attributes to align them (`nla_put_u64_64bit`).
    pub pad: Option<u16>,
    /// The attributes, in declaration order.
    pub attrs: &'static [AttrSchema],
    /// Doc comment of the type.
    pub doc: &'static str,
}

impl AttrSetSchema {
    /// The set that declares the attributes: `self`, or for a subset the
    /// root of its [`subset_of`](Self::subset_of) chain.
    pub const fn root(&'static self) -> &'static AttrSetSchema {
        let mut s = self;
        while let Some(p) = s.subset_of {
            s = p;
        }
        s
    }

    /// The root's path, without needing a `'static` receiver.
    const fn root_path(&self) -> &'static str {
        match self.subset_of {
            None => self.path,
            Some(p) => p.root().path,
        }
    }

    /// Whether `self` and `other` are views of the same set (same root).
    pub const fn same_set(&self, other: &AttrSetSchema) -> bool {
        str_eq(self.root_path(), other.root_path())
    }

    /// The attribute with `id`.
    pub fn attr(&self, id: u16) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.id == id)
    }

    /// The attribute named `name` (usable in `const` context).
    pub const fn attr_named(&self, name: &str) -> Option<&'static AttrSchema> {
        let mut i = 0;
        while i < self.attrs.len() {
            if str_eq(self.attrs[i].name, name) {
                return Some(&self.attrs[i]);
            }
            i += 1;
        }
        None
    }

    /// Resolves a byte `offset` inside `attrs` (attributes encoded as this
    /// set) to the dotted path of the attribute there, `KvEntry.meta.port`,
    /// descending into nests through the schema, and into the elements of
    /// indexed arrays, numbered from 0 in their order on the wire
    /// (`Request.actions[1].kind`). Also returns the nested set when the
    /// attribute found is a nest or an element of an array of nests (for
    /// `NLMSGERR_ATTR_MISS_NEST`).
    pub fn path_at(
        &'static self,
        attrs: &[u8],
        offset: usize,
    ) -> Option<(String, Option<&'static AttrSetSchema>)> {
        use crate::wire::{AttrIter, NLA_HDRLEN};
        let contains = |a: &crate::wire::Attr<'_>, off: usize| {
            off >= a.offset && off < a.offset + NLA_HDRLEN + a.value.len()
        };
        let mut path = self.name.to_owned();
        let mut set = self;
        let mut buf = attrs;
        let mut off = offset;
        loop {
            let attr = AttrIter::new(buf)
                .map_while(Result::ok)
                .find(|a| contains(a, off))?;
            let schema = set.attr(attr.id).or_else(|| set.root().attr(attr.id));
            let Some(s) = schema else {
                path.push_str(&format!(".<attribute {}>", attr.id));
                return Some((path, None));
            };
            path.push('.');
            path.push_str(s.name);
            let mut inner = off - attr.offset;
            let mut value = attr.value;
            let mut ty = &s.ty;
            // An array: find the element, then go on inside it.
            if let AttrType::IndexedArray(elem_ty) = ty {
                if inner < NLA_HDRLEN {
                    return Some((path, None));
                }
                let elem_off = inner - NLA_HDRLEN;
                let Some((i, elem)) = AttrIter::new(value)
                    .map_while(Result::ok)
                    .enumerate()
                    .find(|(_, e)| contains(e, elem_off))
                else {
                    return Some((path, None));
                };
                path.push_str(&format!("[{i}]"));
                inner = elem_off - elem.offset;
                value = elem.value;
                ty = elem_ty;
            }
            match ty {
                AttrType::Nested(n) if inner >= NLA_HDRLEN => {
                    set = n;
                    buf = value;
                    off = inner - NLA_HDRLEN;
                }
                AttrType::Nested(n) => return Some((path, Some(*n))),
                _ => return Some((path, None)),
            }
        }
    }

    /// The largest attribute id (the pad attribute's included), 0 for an
    /// empty set.
    pub fn max_id(&self) -> u16 {
        self.attrs
            .iter()
            .map(|a| a.id)
            .chain(self.pad)
            .max()
            .unwrap_or(0)
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
    /// The Rust path of the type: the enum's identity.
    pub path: &'static str,
    /// Prefix of the C constants, if declared.
    pub c_prefix: Option<&'static str>,
    /// The variants, in declaration order.
    pub variants: &'static [EnumVariant],
    /// A flags enum (`#[genl(flags)]`): each variant is one bit, and an
    /// attribute carries any OR of them ([`Flags`](crate::Flags)).
    pub flags: bool,
    /// Doc comment.
    pub doc: &'static str,
}

impl ValueEnumSchema {
    /// The OR of every variant's value (for a flags enum: every declared
    /// bit).
    pub const fn mask(&self) -> u64 {
        let mut m = 0;
        let mut i = 0;
        while i < self.variants.len() {
            m |= self.variants[i].value;
            i += 1;
        }
        m
    }

    /// Whether the values are contiguous (`lo..=hi` with every value
    /// between declared): a range check can then validate them. `None` for
    /// an enum without variants.
    pub fn contiguous_range(&self) -> Option<(u64, u64)> {
        let mut v: Vec<u64> = self.variants.iter().map(|v| v.value).collect();
        v.sort_unstable();
        v.dedup();
        let (lo, hi) = (*v.first()?, *v.last()?);
        (hi - lo + 1 == v.len() as u64).then_some((lo, hi))
    }
}

/// The request and reply of one operation (`do` or `dump`) of a command.
#[derive(Debug, Clone, Copy)]
pub struct OpSchema {
    /// The attribute set a request carries; `None`: no attributes.
    pub request: Option<&'static AttrSetSchema>,
    /// The attribute set the reply (each dumped message) carries; `None`:
    /// the operation is answered by an ACK only.
    pub reply: Option<&'static AttrSetSchema>,
}

/// A notification the kernel multicasts.
#[derive(Debug, Clone, Copy)]
pub struct EventSchema {
    /// The attribute set the notification carries.
    pub attrs: &'static AttrSetSchema,
    /// The multicast group it is sent to (one of the family's groups).
    pub group: &'static str,
}

/// One command of a family.
#[derive(Debug, Clone, Copy)]
pub struct CommandSchema {
    /// The Rust variant name.
    pub name: &'static str,
    /// The command number (`genlmsghdr.cmd`).
    pub id: u8,
    /// The `do` operation (`doit`), if the kernel serves one.
    pub do_: Option<OpSchema>,
    /// The `dump` operation (`dumpit`), if the kernel serves one.
    pub dump: Option<OpSchema>,
    /// The notification, if the kernel sends the command as an event.
    pub event: Option<EventSchema>,
    /// Whether the command needs `CAP_NET_ADMIN` (`GENL_ADMIN_PERM`).
    pub admin_perm: bool,
    /// Doc comment.
    pub doc: &'static str,
}

impl CommandSchema {
    /// The request set of the `do` operation, else of the `dump`.
    pub fn request_set(&self) -> Option<&'static AttrSetSchema> {
        self.do_
            .and_then(|o| o.request)
            .or_else(|| self.dump.and_then(|o| o.request))
    }

    /// Whether the kernel serves this command (it has a do or a dump).
    pub fn is_op(&self) -> bool {
        self.do_.is_some() || self.dump.is_some()
    }

    /// Every set the command names: requests, replies, the event's set.
    pub fn sets(&self) -> impl Iterator<Item = &'static AttrSetSchema> {
        let ops = [self.do_, self.dump];
        ops.into_iter()
            .flatten()
            .flat_map(|o| [o.request, o.reply])
            .chain([self.event.map(|e| e.attrs)])
            .flatten()
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
    /// The uapi header's path under `include/uapi/` (`linux/demo.h`), if
    /// declared; see [`uapi_header`](Self::uapi_header).
    pub uapi_header: Option<&'static str>,
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

    /// The uapi header's path under `include/uapi/`: the declared one, or
    /// `linux/<name>.h` (`-` in the name becomes `_`).
    pub fn uapi_header(&self) -> String {
        match self.uapi_header {
            Some(h) => h.to_owned(),
            None => format!("linux/{}.h", self.name.replace('-', "_")),
        }
    }

    /// Every attribute set reachable from the commands (requests, replies,
    /// events and their nests, subsets included), each once, in first-seen
    /// order.
    pub fn attr_sets(&self) -> Vec<&'static AttrSetSchema> {
        let mut out: Vec<&'static AttrSetSchema> = Vec::new();
        fn visit(set: &'static AttrSetSchema, out: &mut Vec<&'static AttrSetSchema>) {
            if out.iter().any(|s| s.path == set.path) {
                return;
            }
            out.push(set);
            if let Some(p) = set.subset_of {
                visit(p, out);
            }
            for a in set.attrs {
                if let Some(n) = a.ty.nested_set() {
                    visit(n, out);
                }
            }
        }
        for c in self.commands {
            for s in c.sets() {
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
                    if !out.iter().any(|x| x.path == e.path) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }
}

/// Byte-wise string equality, usable in `const` context.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub mod verify {
    //! Compile-time checks of whole families, run by `#[derive(Family)]`
    //! in a `const` item: a family whose schema is inconsistent does not
    //! compile, and the error names what collides.
    //!
    //! Checked here, across sets the derive of one type cannot see:
    //! - two different sets (different Rust paths) reached by one family
    //!   must have different [`names`](super::AttrSetSchema::name) and
    //!   different explicit `c_prefix`es: their C enums and YNL attribute
    //!   sets would collide;
    //! - the same for value enums.

    // `const fn`s cannot box their errors; these run in the compiler only.
    #![allow(clippy::result_large_err)]

    use super::{str_eq, AttrSetSchema, FamilySchema, ValueEnumSchema};

    /// A message built in `const` context (at most 512 bytes; longer
    /// messages are cut).
    #[derive(Clone, Copy)]
    pub struct Message {
        buf: [u8; 512],
        len: usize,
    }

    impl Message {
        /// An empty message.
        pub const fn new() -> Self {
            Message {
                buf: [0; 512],
                len: 0,
            }
        }

        /// Appends `s` (cut at the capacity, on a character boundary).
        pub const fn push(mut self, s: &str) -> Self {
            let b = s.as_bytes();
            let mut i = 0;
            while i < b.len() && self.len < self.buf.len() {
                // Never cut inside a UTF-8 sequence.
                let width = if b[i] < 0x80 {
                    1
                } else if b[i] >= 0xf0 {
                    4
                } else if b[i] >= 0xe0 {
                    3
                } else {
                    2
                };
                if self.len + width > self.buf.len() {
                    break;
                }
                let mut k = 0;
                while k < width && i + k < b.len() {
                    self.buf[self.len] = b[i + k];
                    self.len += 1;
                    k += 1;
                }
                i += width;
            }
            self
        }

        /// The text.
        pub const fn as_str(&self) -> &str {
            match core::str::from_utf8(self.buf.split_at(self.len).0) {
                Ok(s) => s,
                Err(_) => "(message not UTF-8)",
            }
        }
    }

    impl Default for Message {
        fn default() -> Self {
            Self::new()
        }
    }

    const MAX_SETS: usize = 256;

    struct Seen {
        sets: [Option<&'static AttrSetSchema>; MAX_SETS],
        n_sets: usize,
        /// Every set and subset already followed, so that a set reached by
        /// many paths (a large family's DAG of nests) is followed once.
        visited: [Option<&'static AttrSetSchema>; 2 * MAX_SETS],
        n_visited: usize,
        enums: [Option<&'static ValueEnumSchema>; MAX_SETS],
        n_enums: usize,
    }

    const fn set_clash(
        fam: &FamilySchema,
        a: &AttrSetSchema,
        b: &AttrSetSchema,
        what: &str,
    ) -> Message {
        Message::new()
            .push("family `")
            .push(fam.name)
            .push("`: attribute sets `")
            .push(a.path)
            .push("` and `")
            .push(b.path)
            .push("` have the same ")
            .push(what)
            .push(", so their C and YNL names collide; rename one or give it its own #[genl(")
            .push(if str_eq(what, "name") {
                "name = \"...\""
            } else {
                "c_prefix = \"...\""
            })
            .push(")]")
    }

    const fn visit_enum(
        fam: &FamilySchema,
        e: &'static ValueEnumSchema,
        seen: &mut Seen,
    ) -> Result<(), Message> {
        let mut i = 0;
        while i < seen.n_enums {
            let o = match seen.enums[i] {
                Some(o) => o,
                None => break,
            };
            if str_eq(o.path, e.path) {
                return Ok(());
            }
            let same_prefix = match (o.c_prefix, e.c_prefix) {
                (Some(x), Some(y)) => str_eq(x, y),
                _ => false,
            };
            if str_eq(o.name, e.name) || same_prefix {
                return Err(Message::new()
                    .push("family `")
                    .push(fam.name)
                    .push("`: value enums `")
                    .push(o.path)
                    .push("` and `")
                    .push(e.path)
                    .push("` have the same name or C prefix, so their C names collide; rename one or give it its own #[genl(c_prefix = \"...\")]"));
            }
            i += 1;
        }
        if seen.n_enums == MAX_SETS {
            return Err(Message::new()
                .push("family `")
                .push(fam.name)
                .push("`: more than 256 value enums; the compile-time check cannot follow them"));
        }
        seen.enums[seen.n_enums] = Some(e);
        seen.n_enums += 1;
        Ok(())
    }

    const fn visit(
        fam: &FamilySchema,
        s: &'static AttrSetSchema,
        seen: &mut Seen,
    ) -> Result<(), Message> {
        let mut v = 0;
        while v < seen.n_visited {
            if let Some(o) = seen.visited[v] {
                if str_eq(o.path, s.path) {
                    return Ok(());
                }
            }
            v += 1;
        }
        if seen.n_visited < seen.visited.len() {
            seen.visited[seen.n_visited] = Some(s);
            seen.n_visited += 1;
        }
        let root = s.root();
        let mut i = 0;
        let mut known = false;
        while i < seen.n_sets {
            let o = match seen.sets[i] {
                Some(o) => o,
                None => break,
            };
            if str_eq(o.path, root.path) {
                known = true;
                break;
            }
            if str_eq(o.name, root.name) {
                return Err(set_clash(fam, o, root, "name"));
            }
            if let (Some(x), Some(y)) = (o.c_prefix, root.c_prefix) {
                if str_eq(x, y) {
                    return Err(set_clash(fam, o, root, "c_prefix"));
                }
            }
            i += 1;
        }
        if !known {
            if seen.n_sets == MAX_SETS {
                return Err(Message::new().push("family `").push(fam.name).push(
                    "`: more than 256 attribute sets; the compile-time check cannot follow them",
                ));
            }
            seen.sets[seen.n_sets] = Some(root);
            seen.n_sets += 1;
        }
        // A subset's attributes are its root's, but its nests may be
        // subsets of their own: follow both.
        let mut pass = 0;
        while pass < 2 {
            let set = if pass == 0 { s } else { root };
            let mut j = 0;
            while j < set.attrs.len() {
                let a = &set.attrs[j];
                if let Some(n) = a.ty.nested_set() {
                    if !(known && pass == 1) {
                        if let Err(m) = visit(fam, n, seen) {
                            return Err(m);
                        }
                    }
                }
                if let Some(e) = a.value_enum {
                    if let Err(m) = visit_enum(fam, e, seen) {
                        return Err(m);
                    }
                }
                j += 1;
            }
            pass += 1;
        }
        Ok(())
    }

    /// Checks a family; `Err` holds the message of the first problem.
    pub const fn family(fam: &FamilySchema) -> Result<(), Message> {
        let mut seen = Seen {
            sets: [None; MAX_SETS],
            n_sets: 0,
            visited: [None; 2 * MAX_SETS],
            n_visited: 0,
            enums: [None; MAX_SETS],
            n_enums: 0,
        };
        let mut c = 0;
        while c < fam.commands.len() {
            let cmd = &fam.commands[c];
            let sets = [
                match cmd.do_ {
                    Some(o) => o.request,
                    None => None,
                },
                match cmd.do_ {
                    Some(o) => o.reply,
                    None => None,
                },
                match cmd.dump {
                    Some(o) => o.request,
                    None => None,
                },
                match cmd.dump {
                    Some(o) => o.reply,
                    None => None,
                },
                match cmd.event {
                    Some(e) => Some(e.attrs),
                    None => None,
                },
            ];
            let mut k = 0;
            while k < sets.len() {
                if let Some(s) = sets[k] {
                    if let Err(m) = visit(fam, s, &mut seen) {
                        return Err(m);
                    }
                }
                k += 1;
            }
            c += 1;
        }
        Ok(())
    }

    /// [`family`], panicking with its message: what `#[derive(Family)]`
    /// evaluates in a `const` item, so a bad family is a compile error.
    pub const fn assert_family(fam: &FamilySchema) {
        if let Err(m) = family(fam) {
            panic!("{}", m.as_str());
        }
    }
}
