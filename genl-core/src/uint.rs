//! YNL's variable-width integers, `uint` and `sint` (the kernel's
//! `NLA_UINT`/`NLA_SINT`, Linux 6.8+): 4 bytes when the value fits, else 8.
//! The sender picks the width (`nla_put_uint` writes 4 bytes for small
//! values), so a decoder must take both.

use crate::codec::NlaValue;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::schema::AttrType;
use crate::wire::{Attr, AttrWriter};

/// An unsigned `uint` attribute: 4 or 8 bytes on the wire, host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uint(pub u64);

/// A signed `sint` attribute: 4 or 8 bytes on the wire, host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Sint(pub i64);

/// Conversions both ways between a variable-width newtype and its integer.
macro_rules! both_ways {
    ($wrapper:ident, $int:ty) => {
        impl From<$int> for $wrapper {
            fn from(v: $int) -> Self {
                $wrapper(v)
            }
        }

        impl From<$wrapper> for $int {
            fn from(v: $wrapper) -> Self {
                v.0
            }
        }
    };
}

both_ways!(Uint, u64);
both_ways!(Sint, i64);

#[cold]
fn width_error(len: usize, offset: usize) -> DecodeError {
    DecodeError::new(
        DecodeErrorKind::BadValueLength {
            expected: if len < 4 { 4 } else { 8 },
            actual: len,
        },
        offset,
    )
}

/// `NlaValue` of a variable-width integer: `$narrow` on the wire when the
/// value fits, else `$wide`; either accepted when decoding.
macro_rules! uint_value {
    ($($t:ident($wide:ty, $narrow:ty) => $ty:ident;)*) => {$(
        impl<'a> NlaValue<'a> for $t {
            const TYPE: AttrType = AttrType::$ty;
            #[inline]
            fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
                match <$narrow>::try_from(self.0) {
                    Ok(v) => w.put_fixed(id, v.to_ne_bytes()),
                    Err(_) => w.put_fixed(id, self.0.to_ne_bytes()),
                }
                Ok(())
            }
            #[inline]
            fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
                match *attr.value {
                    [a, b, c, d] => Ok($t(<$narrow>::from_ne_bytes([a, b, c, d]).into())),
                    [a, b, c, d, e, f, g, h] => {
                        Ok($t(<$wide>::from_ne_bytes([a, b, c, d, e, f, g, h])))
                    }
                    _ => Err(width_error(attr.value.len(), attr.offset)),
                }
            }
            #[inline]
            fn check_int(&self) -> Option<i128> {
                Some(self.0.into())
            }
        }
    )*};
}

uint_value! {
    Uint(u64, u32) => Uint;
    Sint(i64, i32) => Sint;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::AttrIter;

    fn one<'a, T: NlaValue<'a>>(buf: &'a [u8]) -> Result<T, DecodeError> {
        let a = AttrIter::new(buf).next().unwrap().unwrap();
        T::decode_attr(&a)
    }

    // Expected bytes as `nla_put_uint()` writes them (include/net/netlink.h:
    // a u32 when the value fits, else a u64), written out by hand.
    #[test]
    fn width_follows_the_value() {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        Uint(7).encode_attr(&mut w, 1).unwrap();
        Uint(1 << 32).encode_attr(&mut w, 2).unwrap();
        Sint(-2).encode_attr(&mut w, 3).unwrap();
        Sint(i64::MIN).encode_attr(&mut w, 4).unwrap();
        let mut want = Vec::new();
        want.extend([8, 0, 1, 0, 7, 0, 0, 0]);
        want.extend([12, 0, 2, 0]);
        want.extend((1u64 << 32).to_ne_bytes());
        want.extend([8, 0, 3, 0]);
        want.extend((-2i32).to_ne_bytes());
        want.extend([12, 0, 4, 0]);
        want.extend(i64::MIN.to_ne_bytes());
        assert_eq!(buf, want);
        let mut it = AttrIter::new(&buf);
        let mut next = || it.next().unwrap().unwrap();
        assert_eq!(Uint::decode_attr(&next()).unwrap(), Uint(7));
        assert_eq!(Uint::decode_attr(&next()).unwrap(), Uint(1 << 32));
        assert_eq!(Sint::decode_attr(&next()).unwrap(), Sint(-2));
        assert_eq!(Sint::decode_attr(&next()).unwrap(), Sint(i64::MIN));
    }

    #[test]
    fn other_widths_are_errors() {
        let e = one::<Uint>(&[6, 0, 1, 0, 1, 2, 0, 0]).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::BadValueLength {
                expected: 4,
                actual: 2
            }
        ));
        let e = one::<Sint>(&[9, 0, 1, 0, 1, 2, 3, 4, 5, 0, 0, 0]).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::BadValueLength {
                expected: 8,
                actual: 5
            }
        ));
    }
}
