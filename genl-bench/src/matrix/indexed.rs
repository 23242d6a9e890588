//! Kernel-style indexed arrays: a `CTRL_CMD_GETFAMILY` reply as nlctrl
//! sends it (`ctrl_fill_info()`): id, name, version, header size, max
//! attribute, then `CTRL_ATTR_OPS` and `CTRL_ATTR_MCAST_GROUPS`, each a nest
//! whose children are numbered 1..n and hold a nest of `{id, flags}` or
//! `{name, id}`. 46 ops and 2 groups (ethtool-sized).

use genl_core::{AttrSet, DeferredMulti};

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// One op (`CTRL_ATTR_OP_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Op {
    #[nla(id = 1)]
    pub id: u32,
    #[nla(id = 2)]
    pub flags: u32,
}

/// One multicast group (`CTRL_ATTR_MCAST_GRP_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct Group<'a> {
    #[nla(id = 1)]
    pub name: &'a str,
    #[nla(id = 2)]
    pub id: u32,
}

/// The reply (`CTRL_ATTR_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct GetFamilyReply<'a> {
    #[nla(id = 1)]
    pub family_id: u16,
    #[nla(id = 2)]
    pub family_name: &'a str,
    #[nla(id = 3)]
    pub version: u32,
    #[nla(id = 4)]
    pub hdrsize: u32,
    #[nla(id = 5)]
    pub maxattr: u32,
    #[nla(id = 6, indexed)]
    pub ops: DeferredMulti<'a, Op>,
    #[nla(id = 7, indexed)]
    pub mcast_groups: DeferredMulti<'a, Group<'a>>,
}

/// Ops in the sample (ethtool in 6.12 has 46).
pub const OPS: usize = 46;
/// Largest number of groups a decoder keeps.
pub const MAX_GROUPS: usize = 4;

/// What a decoder reads: the scalars, every op folded into a checksum,
/// the groups kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values<'a> {
    pub family_id: u16,
    pub family_name: &'a str,
    pub version: u32,
    pub hdrsize: u32,
    pub maxattr: u32,
    pub ops: u32,
    pub ops_check: u64,
    pub groups: usize,
    pub group: [(&'a str, u32); MAX_GROUPS],
}

impl<'a> Values<'a> {
    #[inline(always)]
    fn op(&mut self, id: u32, flags: u32) {
        self.ops += 1;
        self.ops_check = self.ops_check.rotate_left(7) ^ (u64::from(id) << 32 | u64::from(flags));
    }

    /// Keeps the first [`MAX_GROUPS`] groups (the rest are still checked).
    #[inline(always)]
    fn group(&mut self, name: &'a str, id: u32) {
        if self.groups < MAX_GROUPS {
            self.group[self.groups] = (name, id);
            self.groups += 1;
        }
    }
}

/// The shape.
pub struct Indexed;

impl Shape for Indexed {
    const NAME: &'static str = "indexed";
    const WHAT: &'static str =
        "a GETFAMILY reply: 5 attributes, 46 ops and 2 groups in indexed arrays of nests";
    type Input = GetFamilyReply<'static>;
    type Values<'a> = Values<'a>;

    fn sample() -> GetFamilyReply<'static> {
        let ops: Vec<Op> = (1..=OPS as u32)
            .map(|id| Op {
                id,
                // GENL_CMD_CAP_DO | HASPOL, some DUMP, some ADMIN_PERM.
                flags: 0x2 | 0x8 | if id % 2 == 0 { 0x4 } else { 0x1 },
            })
            .collect();
        let groups = vec![
            Group {
                name: "monitor",
                id: 0x17,
            },
            Group {
                name: "events-admin",
                id: 0x18,
            },
        ];
        GetFamilyReply {
            family_id: 0x14,
            family_name: "ethtool",
            version: 1,
            hdrsize: 0,
            maxattr: 0,
            ops: DeferredMulti::new(ops.leak()),
            mcast_groups: DeferredMulti::new(groups.leak()),
        }
    }

    fn expected<'a>(f: &'a GetFamilyReply<'static>) -> Values<'a> {
        let mut v = Values {
            family_id: f.family_id,
            family_name: f.family_name,
            version: f.version,
            hdrsize: f.hdrsize,
            maxattr: f.maxattr,
            ..Values::default()
        };
        for op in f.ops.as_slice().expect("a slice") {
            v.op(op.id, op.flags);
        }
        for g in f.mcast_groups.as_slice().expect("a slice") {
            v.group(g.name, g.id);
        }
        v
    }

    #[inline(never)]
    fn genl_encode(
        f: &GetFamilyReply<'static>,
        buf: &mut Vec<u8>,
    ) -> Result<(), genl_core::EncodeError> {
        super::genl_message(f, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<Values<'_>, genl_core::DecodeError> {
        let f: GetFamilyReply<'_> = super::genl_parse(msg)?;
        let mut v = Values {
            family_id: f.family_id,
            family_name: f.family_name,
            version: f.version,
            hdrsize: f.hdrsize,
            maxattr: f.maxattr,
            ..Values::default()
        };
        for op in f.ops {
            let op = op?;
            v.op(op.id, op.flags);
        }
        for g in f.mcast_groups {
            let g = g?;
            v.group(g.name, g.id);
        }
        Ok(v)
    }

    #[inline(never)]
    fn hand_encode(f: &GetFamilyReply<'static>, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        let (ops, groups) = (
            f.ops.as_slice().ok_or(EncodeFailed)?,
            f.mcast_groups.as_slice().ok_or(EncodeFailed)?,
        );
        hand::start(buf, 64 + 24 * ops.len() + 32 * groups.len());
        hand::fixed::<2, 8>(buf, 1, f.family_id.to_ne_bytes());
        hand::string(buf, 2, f.family_name)?;
        hand::u32_(buf, 3, f.version);
        hand::u32_(buf, 4, f.hdrsize);
        hand::u32_(buf, 5, f.maxattr);
        let nest = hand::nest_start(buf, 6);
        for (i, op) in ops.iter().enumerate() {
            // Each op: a 20-byte nest of two u32 attributes.
            buf.extend_from_slice(&20u16.to_ne_bytes());
            buf.extend_from_slice(&((i + 1) as u16 | 0x8000).to_ne_bytes());
            hand::u32_(buf, 1, op.id);
            hand::u32_(buf, 2, op.flags);
        }
        hand::nest_end(buf, nest)?;
        let nest = hand::nest_start(buf, 7);
        for (i, g) in groups.iter().enumerate() {
            let grp = hand::nest_start(buf, (i + 1) as u16);
            hand::string(buf, 1, g.name)?;
            hand::u32_(buf, 2, g.id);
            hand::nest_end(buf, grp)?;
        }
        hand::nest_end(buf, nest)?;
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<Values<'_>, DecodeFailed> {
        let mut v = Values::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, val| {
            match ty {
                1 => v.family_id = u16::from_ne_bytes(hand::get(val)?),
                2 => v.family_name = hand::get_str(val)?,
                3 => v.version = hand::get_u32(val)?,
                4 => v.hdrsize = hand::get_u32(val)?,
                5 => v.maxattr = hand::get_u32(val)?,
                6 => hand::each_attr(val, |_, op| {
                    let (mut id, mut flags, mut have) = (0, 0, 0u8);
                    hand::each_attr(op, |ty, val| {
                        match ty {
                            1 => id = hand::get_u32(val)?,
                            2 => flags = hand::get_u32(val)?,
                            _ => return Ok(()),
                        }
                        have |= 1 << ty;
                        Ok(())
                    })?;
                    if have != 0b110 {
                        return Err(DecodeFailed);
                    }
                    v.op(id, flags);
                    Ok(())
                })?,
                7 => hand::each_attr(val, |_, grp| {
                    let (mut name, mut id, mut have) = ("", 0, 0u8);
                    hand::each_attr(grp, |ty, val| {
                        match ty {
                            1 => name = hand::get_str(val)?,
                            2 => id = hand::get_u32(val)?,
                            _ => return Ok(()),
                        }
                        have |= 1 << ty;
                        Ok(())
                    })?;
                    if have != 0b110 {
                        return Err(DecodeFailed);
                    }
                    v.group(name, id);
                    Ok(())
                })?,
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        // Required: 1..=5 (the arrays may be absent: no ops, no groups).
        if seen & 0b11_1110 != 0b11_1110 {
            return Err(DecodeFailed);
        }
        Ok(v)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // The 30th op's flags renamed: a required attribute missing in an
        // array element.
        let ops = 20 + 8 + 12 + 3 * 8;
        let at = ops + 4 + 29 * 20 + 4 + 8;
        let mut missing = msg.to_vec();
        assert_eq!(&missing[at..at + 4], &[8, 0, 2, 0], "op 30's flags header");
        missing[at + 2] = 3;
        vec![("an op without its flags", missing)]
    }
}
