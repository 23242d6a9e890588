//! Hand-written codec for the benchmark message: the limit. Direct byte
//! writes into a reused buffer, and one hand loop over the attributes, with
//! the same checks genl makes (attribute length overflow, interior NUL,
//! exact scalar lengths, UTF-8, required attributes, malformed headers).

use crate::msg::{id, Extracted, Link, CMD, FAMILY_ID, FLAGS, SEQ, VERSION};

/// Encoding failed (an attribute too long or a string with a NUL).
#[derive(Debug)]
pub struct HandError;

#[inline(always)]
fn fixed<const N: usize, const M: usize>(buf: &mut Vec<u8>, ty: u16, v: [u8; N]) {
    // M = NLA_ALIGN(4 + N): header, value and zero padding in one write.
    let mut a = [0u8; M];
    a[..2].copy_from_slice(&((4 + N) as u16).to_ne_bytes());
    a[2..4].copy_from_slice(&ty.to_ne_bytes());
    a[4..4 + N].copy_from_slice(&v);
    buf.extend_from_slice(&a);
}

#[inline(always)]
fn bytes(buf: &mut Vec<u8>, ty: u16, v: &[u8], nul: bool) -> Result<(), HandError> {
    let len = 4 + v.len() + nul as usize;
    if len > u16::MAX as usize {
        return Err(HandError);
    }
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(v);
    let pad = ((len + 3) & !3) - len + nul as usize;
    buf.extend_from_slice(&[0u8; 4][..pad]);
    Ok(())
}

#[inline(always)]
fn string(buf: &mut Vec<u8>, ty: u16, s: &str) -> Result<(), HandError> {
    if s.as_bytes().contains(&0) {
        return Err(HandError);
    }
    bytes(buf, ty, s.as_bytes(), true)
}

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

/// Decoding failed.
#[derive(Debug)]
pub struct DecodeFailed;

#[inline(always)]
fn get<const N: usize>(v: &[u8]) -> Result<[u8; N], DecodeFailed> {
    v.try_into().map_err(|_| DecodeFailed)
}

#[inline(always)]
fn get_str(v: &[u8]) -> Result<&str, DecodeFailed> {
    let v = match v.iter().position(|&b| b == 0) {
        None => v,
        Some(p) if v[p..].iter().all(|&b| b == 0) => &v[..p],
        Some(_) => return Err(DecodeFailed),
    };
    std::str::from_utf8(v).map_err(|_| DecodeFailed)
}

/// Calls `f(id, value)` for every attribute of `buf`.
#[inline(always)]
fn each_attr<'a>(
    buf: &'a [u8],
    mut f: impl FnMut(u16, &'a [u8]) -> Result<(), DecodeFailed>,
) -> Result<(), DecodeFailed> {
    let mut pos = 0;
    while pos < buf.len() {
        let rest = &buf[pos..];
        if rest.len() < 4 {
            return Err(DecodeFailed);
        }
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        let ty = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
        if len < 4 || len > rest.len() {
            return Err(DecodeFailed);
        }
        f(ty, &rest[4..len])?;
        pos += (len + 3) & !3;
    }
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
