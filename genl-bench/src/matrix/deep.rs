//! A deep nest: four levels of nested sets, each with scalars and a string
//! beside the next level (a tunnel → encap → key → options chain, as
//! `tc`/`ovs` actions nest).

use genl_core::AttrSet;

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// Level 4 (innermost).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Opts<'a> {
    #[nla(id = 1)]
    pub class: u16,
    #[nla(id = 2)]
    pub kind: u8,
    #[nla(id = 3)]
    pub data: &'a [u8],
}

/// Level 3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Key<'a> {
    #[nla(id = 1)]
    pub id: u64,
    #[nla(id = 2, be)]
    pub dst_port: u16,
    #[nla(id = 3, nested)]
    pub opts: Opts<'a>,
}

/// Level 2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Encap<'a> {
    #[nla(id = 1)]
    pub kind: &'a str,
    #[nla(id = 2)]
    pub ttl: u8,
    #[nla(id = 3, nested)]
    pub key: Key<'a>,
    #[nla(id = 4)]
    pub tos: u8,
}

/// Level 1: the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Tunnel<'a> {
    #[nla(id = 1)]
    pub ifindex: u32,
    #[nla(id = 2)]
    pub name: &'a str,
    #[nla(id = 3, nested)]
    pub encap: Encap<'a>,
    #[nla(id = 4)]
    pub mtu: u32,
}

/// The shape.
pub struct Deep;

const OPT_DATA: [u8; 12] = [0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7];

impl Shape for Deep {
    const NAME: &'static str = "deep";
    const WHAT: &'static str = "a nest 4 levels deep, 2-4 attributes per level";
    type Input = Tunnel<'static>;
    type Values<'a> = Tunnel<'a>;

    fn sample() -> Tunnel<'static> {
        Tunnel {
            ifindex: 12,
            name: "vxlan0",
            encap: Encap {
                kind: "vxlan",
                ttl: 64,
                key: Key {
                    id: 0x0012_3456,
                    dst_port: 4789,
                    opts: Opts {
                        class: 0x0102,
                        kind: 0x80,
                        data: &OPT_DATA,
                    },
                },
                tos: 0x10,
            },
            mtu: 1450,
        }
    }

    fn expected<'a>(input: &'a Tunnel<'static>) -> Tunnel<'a> {
        *input
    }

    #[inline(never)]
    fn genl_encode(t: &Tunnel<'static>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(t, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<Tunnel<'_>, genl_core::DecodeError> {
        super::genl_parse(msg)
    }

    #[inline(never)]
    fn hand_encode(t: &Tunnel<'static>, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        hand::start(buf, 256);
        hand::u32_(buf, 1, t.ifindex);
        hand::string(buf, 2, t.name)?;
        let encap = hand::nest_start(buf, 3);
        let e = &t.encap;
        hand::string(buf, 1, e.kind)?;
        hand::fixed::<1, 8>(buf, 2, [e.ttl]);
        let key = hand::nest_start(buf, 3);
        hand::u64_(buf, 1, e.key.id);
        hand::fixed::<2, 8>(buf, 2, e.key.dst_port.to_be_bytes());
        let opts = hand::nest_start(buf, 3);
        let o = &e.key.opts;
        hand::fixed::<2, 8>(buf, 1, o.class.to_ne_bytes());
        hand::fixed::<1, 8>(buf, 2, [o.kind]);
        hand::bytes(buf, 3, o.data, false)?;
        hand::nest_end(buf, opts)?;
        hand::nest_end(buf, key)?;
        hand::fixed::<1, 8>(buf, 4, [e.tos]);
        hand::nest_end(buf, encap)?;
        hand::u32_(buf, 4, t.mtu);
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<Tunnel<'_>, DecodeFailed> {
        fn opts(buf: &[u8]) -> Result<Opts<'_>, DecodeFailed> {
            let mut o = Opts::default();
            let mut seen = 0u32;
            hand::each_attr(buf, |ty, v| {
                match ty {
                    1 => o.class = u16::from_ne_bytes(hand::get(v)?),
                    2 => o.kind = hand::get::<1>(v)?[0],
                    3 => o.data = v,
                    _ => return Ok(()),
                }
                seen |= 1 << ty;
                Ok(())
            })?;
            if seen != 0b1110 {
                return Err(DecodeFailed);
            }
            Ok(o)
        }
        fn key(buf: &[u8]) -> Result<Key<'_>, DecodeFailed> {
            let mut k = Key::default();
            let mut seen = 0u32;
            hand::each_attr(buf, |ty, v| {
                match ty {
                    1 => k.id = hand::get_u64(v)?,
                    2 => k.dst_port = u16::from_be_bytes(hand::get(v)?),
                    3 => k.opts = opts(v)?,
                    _ => return Ok(()),
                }
                seen |= 1 << ty;
                Ok(())
            })?;
            if seen != 0b1110 {
                return Err(DecodeFailed);
            }
            Ok(k)
        }
        fn encap(buf: &[u8]) -> Result<Encap<'_>, DecodeFailed> {
            let mut e = Encap::default();
            let mut seen = 0u32;
            hand::each_attr(buf, |ty, v| {
                match ty {
                    1 => e.kind = hand::get_str(v)?,
                    2 => e.ttl = hand::get::<1>(v)?[0],
                    3 => e.key = key(v)?,
                    4 => e.tos = hand::get::<1>(v)?[0],
                    _ => return Ok(()),
                }
                seen |= 1 << ty;
                Ok(())
            })?;
            if seen != 0b11110 {
                return Err(DecodeFailed);
            }
            Ok(e)
        }
        let mut t = Tunnel::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, v| {
            match ty {
                1 => t.ifindex = hand::get_u32(v)?,
                2 => t.name = hand::get_str(v)?,
                3 => t.encap = encap(v)?,
                4 => t.mtu = hand::get_u32(v)?,
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        if seen != 0b11110 {
            return Err(DecodeFailed);
        }
        Ok(t)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // The innermost `class` (a u16) renamed: a required attribute
        // missing four levels down. Find it: the opts nest's first child.
        let mut missing = msg.to_vec();
        let at = find(&missing, &[6, 0, 1, 0, 0x02, 0x01]).expect("opts.class in the message");
        missing[at + 2] = 9;
        vec![("a required attribute missing at level 4", missing)]
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
