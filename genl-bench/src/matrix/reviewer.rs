//! A message built like the independent reviewer's: 308 bytes in all, 24
//! top-level attributes of which one is a nest (three counters) and 16 are
//! one multi-attribute (`u32`), the other 7 scalars, strings and bytes.
//! (24 attributes beside a nest and 16 occurrences cannot fit in 308 bytes:
//! the multi's occurrences are counted among the 24.)

use genl_core::{AttrSet, CheckedMulti};

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// The nest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Stats {
    #[nla(id = 1)]
    pub rx_errors: u32,
    #[nla(id = 2)]
    pub tx_errors: u32,
    #[nla(id = 3)]
    pub rx_dropped: u64,
}

/// The message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct Port<'a> {
    #[nla(id = 1)]
    pub ifindex: u32,
    #[nla(id = 2)]
    pub mtu: u32,
    #[nla(id = 3)]
    pub rx_bytes: u64,
    #[nla(id = 4)]
    pub tx_bytes: u64,
    #[nla(id = 5, max_len = 15)]
    pub name: &'a str,
    #[nla(id = 6)]
    pub address: [u8; 6],
    #[nla(id = 7)]
    pub alias: Option<&'a str>,
    #[nla(id = 8, nested)]
    pub stats: Stats,
    #[nla(id = 9, multi)]
    pub queues: CheckedMulti<'a, u32>,
}

/// What a decoder reads: every field, the queues summed and checksummed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values<'a> {
    pub ifindex: u32,
    pub mtu: u32,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub name: &'a str,
    pub address: [u8; 6],
    pub alias: Option<&'a str>,
    pub stats: Stats,
    pub queues: u32,
    pub queue_sum: u64,
    pub queue_check: u64,
}

impl Values<'_> {
    #[inline(always)]
    fn queue(&mut self, q: u32) {
        self.queues += 1;
        self.queue_sum += u64::from(q);
        self.queue_check = self.queue_check.rotate_left(5) ^ u64::from(q);
    }
}

const QUEUES: [u32; 16] = [
    0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103, 1000, 1001, 65535, 70000,
];

/// The shape.
pub struct Reviewer;

impl Shape for Reviewer {
    const NAME: &'static str = "reviewer";
    const WHAT: &'static str =
        "24 top-level attributes: 7 scalars/strings/bytes, a nest of 3, a 16-element multi";
    type Input = Port<'static>;
    type Values<'a> = Values<'a>;

    fn sample() -> Port<'static> {
        Port {
            ifindex: 7,
            mtu: 9000,
            rx_bytes: 123_456_789_012,
            tx_bytes: 98_765_432_109,
            name: "enp3s0f1",
            address: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
            alias: Some("uplink to the spine switch, rack 12 port 48 (LACP a)"),
            stats: Stats {
                rx_errors: 3,
                tx_errors: 1,
                rx_dropped: 42,
            },
            queues: CheckedMulti::new(&QUEUES),
        }
    }

    fn expected<'a>(p: &'a Port<'static>) -> Values<'a> {
        let mut v = Values {
            ifindex: p.ifindex,
            mtu: p.mtu,
            rx_bytes: p.rx_bytes,
            tx_bytes: p.tx_bytes,
            name: p.name,
            address: p.address,
            alias: p.alias,
            stats: p.stats,
            ..Values::default()
        };
        for &q in p.queues.as_slice().expect("a slice") {
            v.queue(q);
        }
        v
    }

    #[inline(never)]
    fn genl_encode(p: &Port<'static>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(p, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<Values<'_>, genl_core::DecodeError> {
        let p: Port<'_> = super::genl_parse(msg)?;
        let mut v = Values {
            ifindex: p.ifindex,
            mtu: p.mtu,
            rx_bytes: p.rx_bytes,
            tx_bytes: p.tx_bytes,
            name: p.name,
            address: p.address,
            alias: p.alias,
            stats: p.stats,
            ..Values::default()
        };
        for q in p.queues {
            v.queue(q);
        }
        Ok(v)
    }

    #[inline(never)]
    fn hand_encode(p: &Port<'static>, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        let queues = p.queues.as_slice().ok_or(EncodeFailed)?;
        hand::start(buf, 512);
        hand::u32_(buf, 1, p.ifindex);
        hand::u32_(buf, 2, p.mtu);
        hand::u64_(buf, 3, p.rx_bytes);
        hand::u64_(buf, 4, p.tx_bytes);
        if p.name.len() > 15 {
            return Err(EncodeFailed);
        }
        hand::string(buf, 5, p.name)?;
        hand::bytes(buf, 6, &p.address, false)?;
        if let Some(a) = p.alias {
            hand::string(buf, 7, a)?;
        }
        // The nest: 4-byte header, then 8 + 8 + 12 bytes.
        buf.extend_from_slice(&32u16.to_ne_bytes());
        buf.extend_from_slice(&(8u16 | 0x8000).to_ne_bytes());
        hand::u32_(buf, 1, p.stats.rx_errors);
        hand::u32_(buf, 2, p.stats.tx_errors);
        hand::u64_(buf, 3, p.stats.rx_dropped);
        for &q in queues {
            hand::u32_(buf, 9, q);
        }
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<Values<'_>, DecodeFailed> {
        let mut v = Values::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, val| {
            match ty {
                1 => v.ifindex = hand::get_u32(val)?,
                2 => v.mtu = hand::get_u32(val)?,
                3 => v.rx_bytes = hand::get_u64(val)?,
                4 => v.tx_bytes = hand::get_u64(val)?,
                5 => {
                    let s = hand::get_str(val)?;
                    if s.len() > 15 {
                        return Err(DecodeFailed);
                    }
                    v.name = s;
                }
                6 => v.address = hand::get(val)?,
                7 => v.alias = Some(hand::get_str(val)?),
                8 => {
                    let mut nseen = 0u32;
                    hand::each_attr(val, |ty, val| {
                        match ty {
                            1 => v.stats.rx_errors = hand::get_u32(val)?,
                            2 => v.stats.tx_errors = hand::get_u32(val)?,
                            3 => v.stats.rx_dropped = hand::get_u64(val)?,
                            _ => return Ok(()),
                        }
                        nseen |= 1 << ty;
                        Ok(())
                    })?;
                    if nseen != 0b1110 {
                        return Err(DecodeFailed);
                    }
                }
                9 => v.queue(hand::get_u32(val)?),
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        // Required: all but alias (7) and the queues (9).
        const REQUIRED: u32 = 0b1_0111_1110;
        if seen & REQUIRED != REQUIRED {
            return Err(DecodeFailed);
        }
        Ok(v)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // The 8th queue given 2 bytes; the address given 5.
        let mut queue = msg.to_vec();
        let q8 = msg.len() - 9 * 8;
        assert_eq!(&queue[q8..q8 + 4], &[8, 0, 9, 0]);
        queue[q8] = 6;
        let mut addr = msg.to_vec();
        let a = 20 + 8 + 8 + 12 + 12 + 16;
        assert_eq!(&addr[a..a + 4], &[10, 0, 6, 0]);
        addr[a] = 9;
        vec![("a queue with 2 bytes", queue), ("a 5-byte address", addr)]
    }
}
