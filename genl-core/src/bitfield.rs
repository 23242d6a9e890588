//! `bitfield32` (`NLA_BITFIELD32`, `struct nla_bitfield32`): a value and a
//! selector naming which of its bits the request sets.

use crate::codec::NlaValue;
use crate::error::{DecodeError, EncodeError};
use crate::schema::AttrType;
use crate::wire::{Attr, AttrWriter};

/// A `struct nla_bitfield32`: bits of `value` whose `selector` bit is set
/// are the ones that count; the kernel rejects value bits outside the
/// selector and selector bits outside the policy's valid mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Bitfield32 {
    /// The bits' values.
    pub value: u32,
    /// Which bits are set by this attribute.
    pub selector: u32,
}

impl<'a> NlaValue<'a> for Bitfield32 {
    const TYPE: AttrType = AttrType::Bitfield32;
    const EXACT_LEN: Option<u32> = Some(8);
    #[inline]
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&self.value.to_ne_bytes());
        b[4..].copy_from_slice(&self.selector.to_ne_bytes());
        w.put_fixed(id, b);
        Ok(())
    }
    #[inline]
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        let [a, b, c, d, e, f, g, h] = attr.fixed::<8>()?;
        Ok(Bitfield32 {
            value: u32::from_ne_bytes([a, b, c, d]),
            selector: u32::from_ne_bytes([e, f, g, h]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::AttrIter;

    /// `struct nla_bitfield32 { __u32 value; __u32 selector; }`
    /// (include/uapi/linux/netlink.h), laid out by hand.
    #[test]
    fn value_then_selector() {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        let bf = Bitfield32 {
            value: 0x5,
            selector: 0x7,
        };
        bf.encode_attr(&mut w, 3).unwrap();
        let mut want = vec![12, 0, 3, 0];
        want.extend(5u32.to_ne_bytes());
        want.extend(7u32.to_ne_bytes());
        assert_eq!(buf, want);
        let a = AttrIter::new(&buf).next().unwrap().unwrap();
        assert_eq!(Bitfield32::decode_attr(&a).unwrap(), bf);
        let short = [8, 0, 3, 0, 1, 0, 0, 0];
        let a = AttrIter::new(&short).next().unwrap().unwrap();
        assert!(Bitfield32::decode_attr(&a).is_err());
    }
}
