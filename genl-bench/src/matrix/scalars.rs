//! Scalars only: 16 fixed-size attributes (u8, u16, u32, u64, s32, a
//! big-endian port, a flag), as a statistics or configuration message.

use genl_core::AttrSet;

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// The message (every field required but the flag).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Counters {
    #[nla(id = 1)]
    pub ifindex: u32,
    #[nla(id = 2)]
    pub mtu: u32,
    #[nla(id = 3)]
    pub rx_packets: u64,
    #[nla(id = 4)]
    pub tx_packets: u64,
    #[nla(id = 5)]
    pub rx_bytes: u64,
    #[nla(id = 6)]
    pub tx_bytes: u64,
    #[nla(id = 7)]
    pub rx_errors: u32,
    #[nla(id = 8)]
    pub tx_errors: u32,
    #[nla(id = 9)]
    pub carrier: u8,
    #[nla(id = 10)]
    pub operstate: u8,
    #[nla(id = 11)]
    pub vlan: u16,
    #[nla(id = 12)]
    pub weight: i32,
    #[nla(id = 13, be)]
    pub port: u16,
    #[nla(id = 14)]
    pub queues: u16,
    #[nla(id = 15)]
    pub group: u32,
    #[nla(id = 16)]
    pub up: bool,
}

/// The shape.
pub struct Scalars;

impl Shape for Scalars {
    const NAME: &'static str = "scalars";
    const WHAT: &'static str = "16 fixed-size attributes (u8/u16/u32/u64/s32, a be16, a flag)";
    type Input = Counters;
    type Values<'a> = Counters;

    fn sample() -> Counters {
        Counters {
            ifindex: 7,
            mtu: 1500,
            rx_packets: 81_234_567,
            tx_packets: 61_234_567,
            rx_bytes: 123_456_789_012,
            tx_bytes: 98_765_432_109,
            rx_errors: 3,
            tx_errors: 1,
            carrier: 1,
            operstate: 6,
            vlan: 42,
            weight: -3,
            port: 8080,
            queues: 16,
            group: 0,
            up: true,
        }
    }

    fn expected(input: &Counters) -> Counters {
        *input
    }

    #[inline(never)]
    fn genl_encode(c: &Counters, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(c, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<Counters, genl_core::DecodeError> {
        super::genl_parse(msg)
    }

    #[inline(never)]
    fn hand_encode(c: &Counters, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        hand::start(buf, 256);
        hand::u32_(buf, 1, c.ifindex);
        hand::u32_(buf, 2, c.mtu);
        hand::u64_(buf, 3, c.rx_packets);
        hand::u64_(buf, 4, c.tx_packets);
        hand::u64_(buf, 5, c.rx_bytes);
        hand::u64_(buf, 6, c.tx_bytes);
        hand::u32_(buf, 7, c.rx_errors);
        hand::u32_(buf, 8, c.tx_errors);
        hand::fixed::<1, 8>(buf, 9, [c.carrier]);
        hand::fixed::<1, 8>(buf, 10, [c.operstate]);
        hand::fixed::<2, 8>(buf, 11, c.vlan.to_ne_bytes());
        hand::fixed::<4, 8>(buf, 12, c.weight.to_ne_bytes());
        hand::fixed::<2, 8>(buf, 13, c.port.to_be_bytes());
        hand::fixed::<2, 8>(buf, 14, c.queues.to_ne_bytes());
        hand::u32_(buf, 15, c.group);
        if c.up {
            hand::fixed::<0, 4>(buf, 16, []);
        }
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<Counters, DecodeFailed> {
        let mut c = Counters::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, v| {
            match ty {
                1 => c.ifindex = hand::get_u32(v)?,
                2 => c.mtu = hand::get_u32(v)?,
                3 => c.rx_packets = hand::get_u64(v)?,
                4 => c.tx_packets = hand::get_u64(v)?,
                5 => c.rx_bytes = hand::get_u64(v)?,
                6 => c.tx_bytes = hand::get_u64(v)?,
                7 => c.rx_errors = hand::get_u32(v)?,
                8 => c.tx_errors = hand::get_u32(v)?,
                9 => c.carrier = hand::get::<1>(v)?[0],
                10 => c.operstate = hand::get::<1>(v)?[0],
                11 => c.vlan = u16::from_ne_bytes(hand::get(v)?),
                12 => c.weight = i32::from_ne_bytes(hand::get(v)?),
                13 => c.port = u16::from_be_bytes(hand::get(v)?),
                14 => c.queues = u16::from_ne_bytes(hand::get(v)?),
                15 => c.group = hand::get_u32(v)?,
                16 => {
                    hand::get::<0>(v)?;
                    c.up = true;
                }
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        // Required: 1..=15.
        const REQUIRED: u32 = ((1 << 16) - 1) & !1;
        if seen & REQUIRED != REQUIRED {
            return Err(DecodeFailed);
        }
        Ok(c)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // The first attribute (ifindex, a u32) given 3 value bytes.
        let mut short = msg.to_vec();
        short[20] = 7;
        // The second (mtu) renamed to an unknown id: a required one missing.
        let mut missing = msg.to_vec();
        missing[30] = 99;
        vec![
            ("a u32 with 3 bytes", short),
            ("a required attribute missing", missing),
        ]
    }
}
