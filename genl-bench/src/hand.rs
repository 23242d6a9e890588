//! Hand-written codec for the benchmark message: the limit. Direct byte
//! writes into a reused buffer, and one hand loop over the attributes, with
//! the same checks genl makes (attribute length overflow, interior NUL,
//! exact scalar lengths, UTF-8, required attributes, malformed headers).

use crate::msg::{id, Extracted, Link, CMD, FAMILY_ID, FLAGS, SEQ, VERSION};

// The TLV helpers are the codec matrix's (`matrix::hand`): one hand-written
// reference codec, used by both benchmarks.
use crate::matrix::hand::{bytes, each_attr, fixed, get, get_str, string};
pub use crate::matrix::hand::{DecodeFailed, EncodeFailed as HandError};

/// Encodes `l` as a whole netlink message into `buf` (cleared first).
#[inline(never)]
pub fn encode(l: &Link<'_>, buf: &mut Vec<u8>) -> Result<(), HandError> {
    buf.clear();
    buf.reserve(512);
    buf.extend_from_slice(&[0u8; 16]);
    buf.extend_from_slice(&[CMD, VERSION, 0, 0]);
    fixed::<4, 8>(buf, id::IFINDEX, l.ifindex.to_ne_bytes());
    string(buf, id::NAME, l.name)?;
    fixed::<4, 8>(buf, id::MTU, l.mtu.to_ne_bytes());
    fixed::<4, 8>(buf, id::MIN_MTU, l.min_mtu.to_ne_bytes());
    fixed::<4, 8>(buf, id::MAX_MTU, l.max_mtu.to_ne_bytes());
    fixed::<4, 8>(buf, id::TX_QUEUES, l.tx_queues.to_ne_bytes());
    fixed::<4, 8>(buf, id::RX_QUEUES, l.rx_queues.to_ne_bytes());
    fixed::<4, 8>(buf, id::FLAGS, l.flags.to_ne_bytes());
    fixed::<1, 8>(buf, id::CARRIER, [l.carrier]);
    fixed::<1, 8>(buf, id::OPERSTATE, [l.operstate]);
    fixed::<4, 8>(buf, id::GROUP, l.group.to_ne_bytes());
    fixed::<8, 12>(buf, id::RX_BYTES, l.rx_bytes.to_ne_bytes());
    fixed::<8, 12>(buf, id::TX_BYTES, l.tx_bytes.to_ne_bytes());
    string(buf, id::QDISC, l.qdisc)?;
    if let Some(a) = l.alias {
        string(buf, id::ALIAS, a)?;
    }
    if let Some(p) = l.port {
        fixed::<2, 8>(buf, id::PORT, p.to_be_bytes());
    }
    fixed::<2, 8>(buf, id::VLAN, l.vlan.to_ne_bytes());
    fixed::<4, 8>(buf, id::WEIGHT, l.weight.to_ne_bytes());
    if l.up {
        fixed::<0, 4>(buf, id::UP, []);
    }
    bytes(buf, id::ADDRESS, l.address, false)?;
    // The nest: 4-byte header, then three attributes (8 + 8 + 12 bytes).
    let nest = 4 + 8 + 8 + 12;
    buf.extend_from_slice(&(nest as u16).to_ne_bytes());
    buf.extend_from_slice(&(id::STATS | 0x8000).to_ne_bytes());
    fixed::<4, 8>(buf, id::ST_RX_ERRORS, l.stats.rx_errors.to_ne_bytes());
    fixed::<4, 8>(buf, id::ST_TX_ERRORS, l.stats.tx_errors.to_ne_bytes());
    fixed::<8, 12>(buf, id::ST_RX_DROPPED, l.stats.rx_dropped.to_ne_bytes());
    for q in l.queues.iter() {
        fixed::<4, 8>(buf, id::QUEUE, q.to_ne_bytes());
    }
    let len = buf.len() as u32;
    buf[0..4].copy_from_slice(&len.to_ne_bytes());
    buf[4..6].copy_from_slice(&FAMILY_ID.to_ne_bytes());
    buf[6..8].copy_from_slice(&FLAGS.to_ne_bytes());
    buf[8..12].copy_from_slice(&SEQ.to_ne_bytes());
    Ok(())
}

/// Decodes a whole netlink message, extracting every value.
#[inline(never)]
pub fn decode(msg: &[u8]) -> Result<Extracted<&str>, DecodeFailed> {
    if msg.len() < 20 {
        return Err(DecodeFailed);
    }
    let len = u32::from_ne_bytes(get(&msg[0..4])?) as usize;
    if len < 20 || len > msg.len() {
        return Err(DecodeFailed);
    }
    let attrs = &msg[20..len];
    let mut e = Extracted::<&str>::default();
    let mut seen = 0u32;
    each_attr(attrs, |ty, v| {
        match ty {
            id::IFINDEX => e.ifindex = u32::from_ne_bytes(get(v)?),
            id::NAME => {
                let s = get_str(v)?;
                if s.len() > 15 {
                    return Err(DecodeFailed);
                }
                e.name = s;
            }
            id::MTU => e.mtu = u32::from_ne_bytes(get(v)?),
            id::MIN_MTU => e.min_mtu = u32::from_ne_bytes(get(v)?),
            id::MAX_MTU => e.max_mtu = u32::from_ne_bytes(get(v)?),
            id::TX_QUEUES => e.tx_queues = u32::from_ne_bytes(get(v)?),
            id::RX_QUEUES => e.rx_queues = u32::from_ne_bytes(get(v)?),
            id::FLAGS => e.flags = u32::from_ne_bytes(get(v)?),
            id::CARRIER => e.carrier = get::<1>(v)?[0],
            id::OPERSTATE => e.operstate = get::<1>(v)?[0],
            id::GROUP => e.group = u32::from_ne_bytes(get(v)?),
            id::RX_BYTES => e.rx_bytes = u64::from_ne_bytes(get(v)?),
            id::TX_BYTES => e.tx_bytes = u64::from_ne_bytes(get(v)?),
            id::QDISC => e.qdisc = get_str(v)?,
            id::ALIAS => e.alias = Some(get_str(v)?),
            id::PORT => e.port = Some(u16::from_be_bytes(get(v)?)),
            id::VLAN => e.vlan = u16::from_ne_bytes(get(v)?),
            id::WEIGHT => e.weight = i32::from_ne_bytes(get(v)?),
            id::UP => {
                get::<0>(v)?;
                e.up = true;
            }
            id::ADDRESS => e.address = get(v)?,
            id::STATS => {
                let mut nseen = 0u32;
                each_attr(v, |ty, v| {
                    match ty {
                        id::ST_RX_ERRORS => e.rx_errors = u32::from_ne_bytes(get(v)?),
                        id::ST_TX_ERRORS => e.tx_errors = u32::from_ne_bytes(get(v)?),
                        id::ST_RX_DROPPED => e.rx_dropped = u64::from_ne_bytes(get(v)?),
                        _ => return Ok(()),
                    }
                    nseen |= 1 << ty;
                    Ok(())
                })?;
                if nseen != 0b1110 {
                    return Err(DecodeFailed);
                }
            }
            id::QUEUE => {
                e.queue_sum += u64::from(u32::from_ne_bytes(get(v)?));
                e.queue_count += 1;
            }
            _ => return Ok(()),
        }
        seen |= 1 << ty;
        Ok(())
    })?;
    // Required: everything but alias (15), port (16), up (19), queues (22).
    const REQUIRED: u32 = ((1 << 22) - 2) & !(1 << 15 | 1 << 16 | 1 << 19);
    if seen & REQUIRED != REQUIRED {
        return Err(DecodeFailed);
    }
    Ok(e)
}
