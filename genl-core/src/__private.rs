//! Helpers called by derived code, and only by it (the derives emit
//! `::genl_core::__private::…`). Not a stable API: hidden from the docs,
//! gathered here from the modules that implement them.

use crate::codec::*;
use crate::error::EncodeErrorKind;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::schema::Checks;
use crate::wire::{Attr, AttrWriter};

pub use crate::codec::indexed::{decode_indexed, encode_indexed};
pub use crate::multi::slots::{
    deferred_encode, deferred_indexed, encode_multi, encode_multi_indexed, multi_try_each,
    MultiSlots,
};
pub use crate::schema::verify::assert_family;

#[cold]
pub fn missing(id: u16, offset: usize, set: &'static str, field: &'static str) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Missing { id }, offset).within(set, field)
}

// The error constructors take an attribute's id and offset, not the
// `Attr`: a decoder's `Attr` then stays in registers, as nothing on its
// common path needs its address.

#[cold]
pub fn unknown_attr(id: u16, offset: usize) -> DecodeError {
    DecodeError::new(DecodeErrorKind::UnknownAttr { id }, offset)
}

#[cold]
pub fn unknown_enum_value(enum_name: &'static str, value: u64, offset: usize) -> DecodeError {
    DecodeError::new(
        DecodeErrorKind::UnknownEnumValue { enum_name, value },
        offset,
    )
}

/// Applies declared checks to a decoded value.
#[inline]
pub fn check_decoded<'a, T: NlaValue<'a>>(
    v: &T,
    c: &Checks,
    attr: &Attr<'_>,
) -> Result<(), DecodeError> {
    match c.check(v) {
        Ok(()) => Ok(()),
        Err(r) => Err(DecodeError::new(
            DecodeErrorKind::OutOfRange(r),
            attr.offset,
        )),
    }
}

/// Applies declared checks to a value about to be encoded.
#[inline]
pub fn check_encoded<'a, T: NlaValue<'a>>(v: &T, c: &Checks) -> Result<(), EncodeError> {
    match c.check(v) {
        Ok(()) => Ok(()),
        Err(r) => Err(EncodeError::new(EncodeErrorKind::OutOfRange(r))),
    }
}

/// Encodes an attribute set as a nest.
#[inline]
pub fn encode_nested<T: Encode + ?Sized>(
    v: &T,
    w: &mut AttrWriter<'_>,
    id: u16,
) -> Result<(), EncodeError> {
    let nest = w.begin_nest(id);
    if let Err(e) = v.encode(w) {
        w.cancel_nest(nest);
        return Err(e);
    }
    w.end_nest(nest)
}
