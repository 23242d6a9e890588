//! The codec traits the derives implement, and their implementations for
//! the built-in value types.
//!
//! - [`NlaValue`]: a value carried in one attribute (integers, flags, strings,
//!   bytes, value enums, nested sets, your own types).
//! - [`Encode`] / [`Decode`]: a whole attribute set (the payload of a message
//!   or of a nest).
//! - [`AttrSet`], [`AttrEnum`], [`ValueEnum`], [`Family`]: what
//!   `#[derive(AttrSet)]`, `#[derive(AttrEnum)]`, `#[derive(ValueEnum)]` and
//!   `#[derive(Family)]` implement, each with a `const` schema descriptor.

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::schema::{AttrSetSchema, AttrType, ByteOrder, FamilySchema, ValueEnumSchema};
use crate::wire::{Attr, AttrIter, AttrWriter, NLA_HDRLEN};

/// A value carried in a single attribute.
///
/// Implement it for your own types to use them as fields of derived sets:
/// `encode_attr` appends one whole attribute with the given id,
/// `decode_attr` reads one from its payload (borrowing from it if it likes).
///
/// ```
/// use genl_core::{schema::AttrType, Attr, AttrWriter, DecodeError, EncodeError, NlaValue};
///
/// /// An IPv4 address, sent as 4 bytes in network order.
/// struct Ipv4(std::net::Ipv4Addr);
///
/// impl<'a> NlaValue<'a> for Ipv4 {
///     const TYPE: AttrType = AttrType::Binary;
///     const EXACT_LEN: Option<u32> = Some(4);
///     fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
///         w.put_fixed(id, self.0.octets());
///         Ok(())
///     }
///     fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
///         Ok(Ipv4(attr.fixed::<4>()?.into()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be carried in a netlink attribute",
    label = "unsupported attribute type",
    note = "supported: integers, bool (flag), &str, String, &[u8], Vec<u8>, [u8; N], \
            Be<T>, value enums, derived attribute sets, and types implementing NlaValue"
)]
pub trait NlaValue<'a>: Sized {
    /// The wire type, for the schema descriptor.
    const TYPE: AttrType;
    /// Byte order of integer payloads.
    const BYTE_ORDER: ByteOrder = ByteOrder::Host;
    /// The value enum this type represents, if it is one.
    const VALUE_ENUM: Option<&'static ValueEnumSchema> = None;
    /// The exact payload length, for fixed-size binary types.
    const EXACT_LEN: Option<u32> = None;

    /// Appends this value as one attribute with `id`.
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError>;

    /// Appends each of `items` as one attribute with `id` (a multi
    /// attribute): by default [`NlaValue::encode_attr`] for each; the
    /// integers write the whole run at once.
    #[doc(hidden)]
    #[inline]
    fn encode_each(items: &[Self], w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        for v in items {
            v.encode_attr(w, id)?;
        }
        Ok(())
    }

    /// Reads a value from one attribute.
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError>;

    /// The length that `min_len`/`max_len` checks apply to (strings without
    /// their NUL, bytes), or `None` when length checks do not apply.
    fn check_len(&self) -> Option<usize> {
        None
    }

    /// The number that `min`/`max` checks apply to, or `None`.
    fn check_int(&self) -> Option<i128> {
        None
    }
}

/// Encodes an attribute set: the attributes of a message payload or a nest.
pub trait Encode {
    /// Appends this set's attributes to `w`.
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError>;

    /// Encodes into a fresh buffer (convenience; reuse a buffer on hot paths).
    fn encode_to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::new();
        self.encode(&mut AttrWriter::new(&mut v))?;
        Ok(v)
    }
}

/// Decodes an attribute set from a buffer, borrowing from it where the field
/// types allow (`&'a str`, `&'a [u8]`).
pub trait Decode<'a>: Sized {
    /// Decodes `buf`, reporting error offsets as `base + position in buf`.
    fn decode_at(buf: &'a [u8], base: usize) -> Result<Self, DecodeError>;

    /// Decodes `buf`, reporting error offsets from its start.
    #[inline]
    fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_at(buf, 0)
    }
}

/// A set that owns all its data and so decodes from buffers of any lifetime.
pub trait DecodeOwned: for<'a> Decode<'a> {}
impl<T> DecodeOwned for T where T: for<'a> Decode<'a> {}

/// A typed attribute set (what `#[derive(AttrSet)]` and `#[derive(AttrEnum)]`
/// implement): its schema descriptor.
pub trait AttrSet {
    /// The set's descriptor.
    const SCHEMA: &'static AttrSetSchema;

    /// The descriptor, as a function.
    fn schema() -> &'static AttrSetSchema {
        Self::SCHEMA
    }
}

/// An attribute enum (what `#[derive(AttrEnum)]` implements on an enum):
/// the attributes of an open set, each decoding to one variant; unknown
/// ids go to the `other` variant when the enum has one.
pub trait AttrEnum<'a>: Sized {
    /// Decodes one attribute.
    fn decode_one(attr: &Attr<'a>) -> Result<Self, DecodeError>;
    /// Encodes this variant as one attribute.
    fn encode_one(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError>;

    /// Iterates the attributes of `buf` as variants, without allocating.
    fn iter(buf: &'a [u8]) -> AttrEnumIter<'a, Self> {
        AttrEnumIter {
            inner: AttrIter::new(buf),
            _marker: std::marker::PhantomData,
        }
    }
}

/// Iterator returned by [`AttrEnum::iter`].
#[derive(Debug, Clone)]
pub struct AttrEnumIter<'a, E> {
    inner: AttrIter<'a>,
    _marker: std::marker::PhantomData<fn() -> E>,
}

impl<'a, E: AttrEnum<'a>> Iterator for AttrEnumIter<'a, E> {
    type Item = Result<E, DecodeError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|a| a.and_then(|a| E::decode_one(&a)))
    }
}

impl<'a, E: AttrEnum<'a>> Decode<'a> for Vec<E> {
    fn decode_at(buf: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        AttrIter::with_base(buf, base)
            .map(|a| a.and_then(|a| E::decode_one(&a)))
            .collect()
    }
}

impl<'a, E: AttrEnum<'a>> Encode for [E] {
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        self.iter().try_for_each(|e| e.encode_one(w))
    }
}

impl<'a, E: AttrEnum<'a>> Encode for Vec<E> {
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        self.as_slice().encode(w)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        (**self).encode(w)
    }
}

/// The empty attribute set, for commands without attributes.
impl Encode for () {
    fn encode(&self, _w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// A C-like enum carried in an integer attribute (`#[derive(ValueEnum)]`).
pub trait ValueEnum: Sized + Copy {
    /// The enum's descriptor.
    const SCHEMA: &'static ValueEnumSchema;
    /// The numeric value of this variant.
    fn to_value(self) -> u64;
    /// The variant with this numeric value.
    fn from_value(v: u64) -> Option<Self>;
}

/// A generic netlink family, declared on its command enum with
/// `#[derive(Family)]`.
pub trait Family: Sized + Copy {
    /// The family's descriptor: name, version, groups, commands.
    const SCHEMA: &'static FamilySchema;
    /// The command number of this variant.
    fn cmd(self) -> u8;
    /// The variant with command number `cmd`.
    fn from_cmd(cmd: u8) -> Option<Self>;
}

// ---------------------------------------------------------------------------
// Built-in value types.

macro_rules! int_value {
    ($($t:ty => $ty:ident, $n:literal;)*) => {$(
        impl<'a> NlaValue<'a> for $t {
            const TYPE: AttrType = AttrType::$ty;
            #[inline]
            fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
                w.put_fixed(id, self.to_ne_bytes());
                Ok(())
            }
            #[inline]
            fn encode_each(items: &[Self], w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
                w.put_fixed_each(id, items.iter().map(|v| v.to_ne_bytes()));
                Ok(())
            }
            #[inline]
            fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
                Ok(<$t>::from_ne_bytes(attr.fixed::<$n>()?))
            }
            #[inline]
            fn check_int(&self) -> Option<i128> {
                Some(*self as i128)
            }
        }
    )*};
}

int_value! {
    u8 => U8, 1; u16 => U16, 2; u32 => U32, 4; u64 => U64, 8;
    i8 => S8, 1; i16 => S16, 2; i32 => S32, 4; i64 => S64, 8;
}

/// A flag: present means `true`. Encoding `false` writes nothing.
impl<'a> NlaValue<'a> for bool {
    const TYPE: AttrType = AttrType::Flag;
    #[inline]
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        if *self {
            w.put_flag(id);
        }
        Ok(())
    }
    #[inline]
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        attr.fixed::<0>().map(|_| true)
    }
}

/// A string payload (at `value_offset`) without its NUL terminator and
/// any NUL padding after it; a NUL followed by anything else is an error.
fn text_bytes(v: &[u8], value_offset: usize) -> Result<&[u8], DecodeError> {
    match v.iter().position(|&b| b == 0) {
        None => Ok(v),
        Some(p) if v[p..].iter().all(|&b| b == 0) => Ok(&v[..p]),
        Some(p) => Err(DecodeError::new(
            DecodeErrorKind::InteriorNul,
            value_offset + p,
        )),
    }
}

/// A string attribute's text. The fast path is what the kernel's
/// `nla_put_string` writes: ASCII text and one NUL terminator, checked a
/// word at a time; anything else takes [`text_bytes`] and a full UTF-8
/// validation, with the same outcome either way.
#[inline]
fn decode_str<'a>(attr: &Attr<'a>) -> Result<&'a str, DecodeError> {
    let v = attr.value;
    let text = match v.split_last() {
        Some((0, text)) => text,
        _ => v,
    };
    if crate::wire::ascii_without_nul(text) {
        // SAFETY: ASCII is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(text) });
    }
    // The payload and offset, not the `Attr`: the caller's `Attr` can stay
    // in registers, since nothing on the common path needs its address.
    decode_str_slow(v, attr.offset)
}

#[cold]
#[inline(never)]
fn decode_str_slow(v: &[u8], offset: usize) -> Result<&str, DecodeError> {
    std::str::from_utf8(text_bytes(v, offset + NLA_HDRLEN)?)
        .map_err(|_| DecodeError::new(DecodeErrorKind::InvalidUtf8, offset))
}

impl<'a> NlaValue<'a> for &'a str {
    const TYPE: AttrType = AttrType::String;
    #[inline]
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        w.put_str(id, self)
    }
    #[inline]
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        decode_str(attr)
    }
    #[inline]
    fn check_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<'a> NlaValue<'a> for String {
    const TYPE: AttrType = AttrType::String;
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        w.put_str(id, self)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        <&str as NlaValue>::decode_attr(attr).map(str::to_owned)
    }
    fn check_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<'a> NlaValue<'a> for &'a [u8] {
    const TYPE: AttrType = AttrType::Binary;
    #[inline]
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        w.put(id, self)
    }
    #[inline]
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        Ok(attr.value)
    }
    #[inline]
    fn check_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<'a> NlaValue<'a> for Vec<u8> {
    const TYPE: AttrType = AttrType::Binary;
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        w.put(id, self)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        Ok(attr.value.to_vec())
    }
    fn check_len(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<'a, const N: usize> NlaValue<'a> for [u8; N] {
    const TYPE: AttrType = AttrType::Binary;
    const EXACT_LEN: Option<u32> = Some(N as u32);
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        w.put(id, self)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        attr.fixed::<N>()
    }
}

/// An integer in network byte order (big-endian) on the wire, such as a port.
/// Fields marked `#[nla(be)]` use it implicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Be<T>(pub T);

macro_rules! be_value {
    ($($t:ty => $ty:ident, $n:literal;)*) => {$(
        impl<'a> NlaValue<'a> for Be<$t> {
            const TYPE: AttrType = AttrType::$ty;
            const BYTE_ORDER: ByteOrder = ByteOrder::Big;
            #[inline]
            fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
                w.put_fixed(id, self.0.to_be_bytes());
                Ok(())
            }
            #[inline]
            fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
                Ok(Be(<$t>::from_be_bytes(attr.fixed::<$n>()?)))
            }
            fn check_int(&self) -> Option<i128> {
                Some(self.0 as i128)
            }
        }
    )*};
}

be_value! {
    u16 => U16, 2; u32 => U32, 4; u64 => U64, 8;
    i16 => S16, 2; i32 => S32, 4; i64 => S64, 8;
}

/// A value together with the id of the attribute that carried it: for
/// nests whose children are keyed by their attribute type (the kernel's
/// policy dumps: policy index → attribute id → description). Encoding uses
/// `key` as the attribute id; inside an `indexed` field the children keep
/// their keys instead of being renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Keyed<T> {
    /// The attribute id.
    pub key: u16,
    /// The value.
    pub value: T,
}

impl<'a, T: NlaValue<'a>> NlaValue<'a> for Keyed<T> {
    const TYPE: AttrType = T::TYPE;
    const BYTE_ORDER: ByteOrder = T::BYTE_ORDER;
    const VALUE_ENUM: Option<&'static ValueEnumSchema> = T::VALUE_ENUM;
    const EXACT_LEN: Option<u32> = T::EXACT_LEN;
    fn encode_attr(&self, w: &mut AttrWriter<'_>, _id: u16) -> Result<(), EncodeError> {
        self.value.encode_attr(w, self.key)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        Ok(Keyed {
            key: attr.id,
            value: T::decode_attr(attr)?,
        })
    }
}

/// A nest of keyed children as one value (a map by attribute id).
impl<'a, T: NlaValue<'a>> NlaValue<'a> for Vec<Keyed<T>> {
    const TYPE: AttrType = AttrType::IndexedArray(&T::TYPE);
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        indexed::encode_indexed(self, w, id)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        let mut out = Vec::new();
        indexed::decode_indexed(attr, &mut out)?;
        Ok(out)
    }
}

/// The indexed-array codec of `Vec<T>` fields, which derived code also
/// calls (through [`crate::__private`]).
pub(crate) mod indexed {
    use super::*;

    /// Encodes `items` as an indexed array: a nest whose children are
    /// numbered 1..=n.
    pub fn encode_indexed<'a, T: NlaValue<'a>>(
        items: &[T],
        w: &mut AttrWriter<'_>,
        id: u16,
    ) -> Result<(), EncodeError> {
        let nest = w.begin_nest(id);
        for (i, item) in items.iter().enumerate() {
            if let Err(e) = item.encode_attr(w, (i + 1) as u16) {
                w.cancel_nest(nest);
                return Err(e);
            }
        }
        w.end_nest(nest)
    }

    /// Decodes an indexed array's children (their ids are ignored).
    pub fn decode_indexed<'a, T: NlaValue<'a>>(
        attr: &Attr<'a>,
        out: &mut Vec<T>,
    ) -> Result<(), DecodeError> {
        for child in attr.nested() {
            out.push(T::decode_attr(&child?)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Attr<'_> {
        AttrIter::new(bytes).next().unwrap().unwrap()
    }

    #[test]
    fn strings_decode_with_or_without_nul() {
        assert_eq!(
            <&str>::decode_attr(&one(b"\x0a\x00\x01\x00abcdef")).unwrap(),
            "abcdef"
        );
        assert_eq!(
            <&str>::decode_attr(&one(b"\x0b\x00\x01\x00abcdef\x00\x00")).unwrap(),
            "abcdef"
        );
        // NUL padding inside the attribute (fixed-size char arrays) is fine.
        assert_eq!(
            <&str>::decode_attr(&one(b"\x0c\x00\x01\x00abc\x00\x00\x00\x00\x00")).unwrap(),
            "abc"
        );
        let e = <&str>::decode_attr(&one(b"\x0a\x00\x01\x00ab\x00def")).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::InteriorNul);
        assert_eq!(e.offset(), 6);
        let e = <&str>::decode_attr(&one(b"\x06\x00\x01\x00\xff\xfe")).unwrap_err();
        assert_eq!(e.kind(), &DecodeErrorKind::InvalidUtf8);
    }

    #[test]
    fn integers_need_their_exact_size() {
        let e = u32::decode_attr(&one(&[6, 0, 1, 0, 1, 2])).unwrap_err();
        assert_eq!(
            e.kind(),
            &DecodeErrorKind::BadValueLength {
                expected: 4,
                actual: 2
            }
        );
        assert_eq!(
            u16::decode_attr(&one(&[6, 0, 1, 0, 0x34, 0x12])).unwrap(),
            0x1234
        );
    }

    #[test]
    fn big_endian_wrapper_uses_network_order() {
        let mut buf = Vec::new();
        Be(8080u16)
            .encode_attr(&mut AttrWriter::new(&mut buf), 5)
            .unwrap();
        assert_eq!(buf, [6, 0, 5, 0, 0x1f, 0x90, 0, 0]);
        assert_eq!(Be::<u16>::decode_attr(&one(&buf)).unwrap(), Be(8080));
    }

    #[test]
    fn flags_have_no_payload() {
        let mut buf = Vec::new();
        true.encode_attr(&mut AttrWriter::new(&mut buf), 3).unwrap();
        false
            .encode_attr(&mut AttrWriter::new(&mut buf), 4)
            .unwrap();
        assert_eq!(buf, [4, 0, 3, 0]);
        assert!(bool::decode_attr(&one(&buf)).unwrap());
        assert!(bool::decode_attr(&one(&[5, 0, 3, 0, 1, 0, 0, 0])).is_err());
    }

    #[test]
    fn strings_with_nul_cannot_be_encoded() {
        let mut buf = Vec::new();
        assert!("a\0b"
            .encode_attr(&mut AttrWriter::new(&mut buf), 1)
            .is_err());
    }

    proptest::proptest! {
        /// The string fast path (ASCII and one NUL, word at a time) and the
        /// general one (first NUL, NUL padding only after it, full UTF-8
        /// validation) decode every payload to the same text or error.
        #[test]
        fn string_fast_path_agrees_with_the_general_one(
            v in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY,
                    0x20u8..0x7f,
                    proptest::strategy::Just(0u8),
                ],
                0..24,
            )
        ) {
            let attr = Attr { id: 1, raw_type: 1, value: &v, offset: 8 };
            let fast = decode_str(&attr).map_err(|e| (e.kind().clone(), e.offset()));
            let slow = decode_str_slow(attr.value, attr.offset)
                .map_err(|e| (e.kind().clone(), e.offset()));
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
