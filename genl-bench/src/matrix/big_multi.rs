//! A 1 000-element multi-attribute: one `u32` attribute repeated 1 000
//! times after a small header, as a list of ids or ports.

use genl_core::{AttrSet, CheckedMulti};

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// Elements of the multi-attribute.
pub const N: usize = 1000;

/// The message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct IdList<'a> {
    #[nla(id = 1)]
    pub table: u32,
    #[nla(id = 2)]
    pub generation: u64,
    /// The ids, borrowed (no allocation on decode).
    #[nla(id = 3, multi)]
    pub ids: CheckedMulti<'a, u32>,
}

/// What a decoder reads: the scalars, and the ids' count, sum and a
/// position-sensitive checksum (every id read, in order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values {
    pub table: u32,
    pub generation: u64,
    pub count: u32,
    pub sum: u64,
    pub check: u64,
}

impl Values {
    #[inline(always)]
    fn add(&mut self, id: u32) {
        self.count += 1;
        self.sum += u64::from(id);
        self.check = self.check.rotate_left(5) ^ u64::from(id);
    }
}

/// The shape.
pub struct BigMulti;

impl Shape for BigMulti {
    const NAME: &'static str = "multi1000";
    const WHAT: &'static str = "a u32 and a u64, then one u32 attribute repeated 1000 times";
    type Input = IdList<'static>;
    type Values<'a> = Values;

    fn sample() -> IdList<'static> {
        let ids: Vec<u32> = (0..N as u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        IdList {
            table: 254,
            generation: 0x1_0000_0001,
            ids: CheckedMulti::new(ids.leak()),
        }
    }

    fn expected(input: &IdList<'static>) -> Values {
        let mut v = Values {
            table: input.table,
            generation: input.generation,
            ..Values::default()
        };
        for &id in input.ids.as_slice().expect("built from a slice") {
            v.add(id);
        }
        v
    }

    #[inline(never)]
    fn genl_encode(l: &IdList<'static>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(l, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<Values, genl_core::DecodeError> {
        let l: IdList<'_> = super::genl_parse(msg)?;
        let mut v = Values {
            table: l.table,
            generation: l.generation,
            ..Values::default()
        };
        for id in l.ids {
            v.add(id);
        }
        Ok(v)
    }

    #[inline(never)]
    fn hand_encode(l: &IdList<'static>, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        let ids = l.ids.as_slice().ok_or(EncodeFailed)?;
        hand::start(buf, 32 + 8 * ids.len());
        hand::u32_(buf, 1, l.table);
        hand::u64_(buf, 2, l.generation);
        for &id in ids {
            hand::u32_(buf, 3, id);
        }
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<Values, DecodeFailed> {
        let mut v = Values::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, val| {
            match ty {
                1 => v.table = hand::get_u32(val)?,
                2 => v.generation = hand::get_u64(val)?,
                3 => v.add(hand::get_u32(val)?),
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        if seen & 0b110 != 0b110 {
            return Err(DecodeFailed);
        }
        Ok(v)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // The 500th id given 5 bytes.
        let mut bad = msg.to_vec();
        let at = 20 + 8 + 12 + 499 * 8;
        bad[at] = 9;
        vec![("one of the 1000 ids with 5 bytes", bad)]
    }
}
