//! The hand-written side's toolkit: the few lines a competent engineer
//! writes once for a netlink codec (no genl code): put a header, put a
//! fixed-size or variable attribute, open and close a nest, walk the
//! attributes of a buffer, read a fixed-size or string value.

/// Family id, command, version, flags and sequence number of every matrix
/// message (the same for both sides).
pub const FAMILY_ID: u16 = 0x22;
/// Command in the genl header.
pub const CMD: u8 = 1;
/// Version in the genl header.
pub const VERSION: u8 = 2;
/// `NLM_F_REQUEST | NLM_F_ACK`.
pub const FLAGS: u16 = 0x05;
/// Sequence number.
pub const SEQ: u32 = 0x0bad_cafe;

/// Encoding failed (an attribute or nest too long, a string with a NUL).
#[derive(Debug)]
pub struct EncodeFailed;

/// Decoding failed.
#[derive(Debug)]
pub struct DecodeFailed;

/// Starts a message: `nlmsghdr` (patched by [`finish`]) and `genlmsghdr`.
#[inline(always)]
pub fn start(buf: &mut Vec<u8>, reserve: usize) {
    buf.clear();
    buf.reserve(reserve);
    buf.extend_from_slice(&[0u8; 16]);
    buf.extend_from_slice(&[CMD, VERSION, 0, 0]);
}

/// Fills in the `nlmsghdr`.
#[inline(always)]
pub fn finish(buf: &mut [u8]) {
    let len = buf.len() as u32;
    buf[0..4].copy_from_slice(&len.to_ne_bytes());
    buf[4..6].copy_from_slice(&FAMILY_ID.to_ne_bytes());
    buf[6..8].copy_from_slice(&FLAGS.to_ne_bytes());
    buf[8..12].copy_from_slice(&SEQ.to_ne_bytes());
    buf[12..16].copy_from_slice(&0u32.to_ne_bytes());
}

/// A fixed-size attribute: header, value and zero padding in one write
/// (`M` = `NLA_ALIGN(4 + N)`).
#[inline(always)]
pub fn fixed<const N: usize, const M: usize>(buf: &mut Vec<u8>, ty: u16, v: [u8; N]) {
    let mut a = [0u8; M];
    a[..2].copy_from_slice(&((4 + N) as u16).to_ne_bytes());
    a[2..4].copy_from_slice(&ty.to_ne_bytes());
    a[4..4 + N].copy_from_slice(&v);
    buf.extend_from_slice(&a);
}

/// `u32` attribute.
#[inline(always)]
pub fn u32_(buf: &mut Vec<u8>, ty: u16, v: u32) {
    fixed::<4, 8>(buf, ty, v.to_ne_bytes());
}

/// `u64` attribute (no pad attribute: the families here declare none).
#[inline(always)]
pub fn u64_(buf: &mut Vec<u8>, ty: u16, v: u64) {
    fixed::<8, 12>(buf, ty, v.to_ne_bytes());
}

/// A variable-length attribute (`nul`: add a terminating NUL).
#[inline(always)]
pub fn bytes(buf: &mut Vec<u8>, ty: u16, v: &[u8], nul: bool) -> Result<(), EncodeFailed> {
    let len = 4 + v.len() + nul as usize;
    if len > u16::MAX as usize {
        return Err(EncodeFailed);
    }
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(v);
    let pad = ((len + 3) & !3) - len + nul as usize;
    buf.extend_from_slice(&[0u8; 4][..pad]);
    Ok(())
}

/// A NUL-terminated string attribute.
#[inline(always)]
pub fn string(buf: &mut Vec<u8>, ty: u16, s: &str) -> Result<(), EncodeFailed> {
    if s.as_bytes().contains(&0) {
        return Err(EncodeFailed);
    }
    bytes(buf, ty, s.as_bytes(), true)
}

/// Opens a nest (`NLA_F_NESTED` set); returns where its header is.
#[inline(always)]
pub fn nest_start(buf: &mut Vec<u8>, ty: u16) -> usize {
    let at = buf.len();
    buf.extend_from_slice(&[0, 0]);
    buf.extend_from_slice(&(ty | 0x8000).to_ne_bytes());
    at
}

/// Closes the nest opened at `at`, patching its length.
#[inline(always)]
pub fn nest_end(buf: &mut [u8], at: usize) -> Result<(), EncodeFailed> {
    let len = buf.len() - at;
    if len > u16::MAX as usize {
        return Err(EncodeFailed);
    }
    buf[at..at + 2].copy_from_slice(&(len as u16).to_ne_bytes());
    Ok(())
}

/// The attributes of a whole message (`nlmsghdr`, `genlmsghdr`, attributes).
#[inline(always)]
pub fn attrs(msg: &[u8]) -> Result<&[u8], DecodeFailed> {
    if msg.len() < 20 {
        return Err(DecodeFailed);
    }
    let len = u32::from_ne_bytes(get(&msg[0..4])?) as usize;
    if len < 20 || len > msg.len() {
        return Err(DecodeFailed);
    }
    Ok(&msg[20..len])
}

/// The value as exactly `N` bytes.
#[inline(always)]
pub fn get<const N: usize>(v: &[u8]) -> Result<[u8; N], DecodeFailed> {
    v.try_into().map_err(|_| DecodeFailed)
}

/// A `u32` value.
#[inline(always)]
pub fn get_u32(v: &[u8]) -> Result<u32, DecodeFailed> {
    Ok(u32::from_ne_bytes(get(v)?))
}

/// A `u64` value.
#[inline(always)]
pub fn get_u64(v: &[u8]) -> Result<u64, DecodeFailed> {
    Ok(u64::from_ne_bytes(get(v)?))
}

/// A string value, with or without its NUL (NUL padding allowed), UTF-8.
#[inline(always)]
pub fn get_str(v: &[u8]) -> Result<&str, DecodeFailed> {
    let v = match v.iter().position(|&b| b == 0) {
        None => v,
        Some(p) if v[p..].iter().all(|&b| b == 0) => &v[..p],
        Some(_) => return Err(DecodeFailed),
    };
    std::str::from_utf8(v).map_err(|_| DecodeFailed)
}

/// Calls `f(type, value)` for every attribute of `buf` (flag bits masked).
#[inline(always)]
pub fn each_attr<'a>(
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
