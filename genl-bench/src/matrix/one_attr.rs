//! One attribute: a request carrying only an `ifindex` (the commonest
//! `do` request), where the fixed costs of a message dominate.

use genl_core::AttrSet;

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// The message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct ByIndex {
    #[nla(id = 1)]
    pub ifindex: u32,
}

/// The shape.
pub struct OneAttr;

impl Shape for OneAttr {
    const NAME: &'static str = "one_attr";
    const WHAT: &'static str = "a single required u32 attribute";
    type Input = ByIndex;
    type Values<'a> = ByIndex;

    fn sample() -> ByIndex {
        ByIndex { ifindex: 7 }
    }

    fn expected(input: &ByIndex) -> ByIndex {
        *input
    }

    #[inline(never)]
    fn genl_encode(b: &ByIndex, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(b, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<ByIndex, genl_core::DecodeError> {
        super::genl_parse(msg)
    }

    #[inline(never)]
    fn hand_encode(b: &ByIndex, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        hand::start(buf, 28);
        hand::u32_(buf, 1, b.ifindex);
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<ByIndex, DecodeFailed> {
        let mut ifindex = None;
        hand::each_attr(hand::attrs(msg)?, |ty, v| {
            if ty == 1 {
                ifindex = Some(hand::get_u32(v)?);
            }
            Ok(())
        })?;
        Ok(ByIndex {
            ifindex: ifindex.ok_or(DecodeFailed)?,
        })
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        let mut other = msg.to_vec();
        other[22] = 2;
        vec![("the attribute under another id", other)]
    }
}
