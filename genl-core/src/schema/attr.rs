//! One attribute of a set: its wire type, byte order, presence and
//! declared checks ([`AttrSchema`]).

use std::fmt;

use super::{AttrSetSchema, ValueEnumSchema};

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
    /// May repeat (a `Vec<T>` or `CheckedMulti<T>` field marked `multi`).
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
    /// Whether `v` passes the length and value checks (the exact length
    /// is the codec's: a fixed-size value cannot have another).
    #[inline]
    pub fn check<'a, T: crate::codec::NlaValue<'a>>(
        &self,
        v: &T,
    ) -> Result<(), crate::error::OutOfRange> {
        use crate::error::OutOfRange;
        if let Some(len) = v.check_len() {
            if self.min_len.is_some_and(|m| len < m as usize)
                || self.max_len.is_some_and(|m| len > m as usize)
            {
                return Err(OutOfRange::Length {
                    min: self.min_len,
                    max: self.max_len,
                    actual: len,
                });
            }
        }
        if let Some(x) = v.check_int() {
            if self.min.is_some_and(|m| x < m as i128) || self.max.is_some_and(|m| x > m as i128) {
                return Err(OutOfRange::Value {
                    min: self.min,
                    max: self.max,
                    actual: x,
                });
            }
        }
        Ok(())
    }

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
