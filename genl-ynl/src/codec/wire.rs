//! The netlink wire format: attribute TLVs, fixed-width integers in
//! either byte order, padding and NUL-terminated strings.

use super::*;

/// One attribute TLV.
pub(super) struct Tlv<'b> {
    pub(super) id: u16,
    pub(super) nested: bool,
    pub(super) raw: &'b [u8],
}

/// Splits `bytes` into attributes; an error names the byte offset.
pub(super) fn tlvs<'b>(bytes: &'b [u8], path: &str) -> Result<Vec<Tlv<'b>>, CodecError> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < bytes.len() {
        let rest = &bytes[off..];
        if rest.len() < 4 {
            return Err(cerr(
                path,
                format!(
                    "{} stray bytes at offset {off} (not an attribute)",
                    rest.len()
                ),
            ));
        }
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        let ty = u16::from_ne_bytes([rest[2], rest[3]]);
        if len < 4 || len > rest.len() {
            return Err(cerr(
                path,
                format!(
                    "attribute at offset {off} has length {len}, {} bytes remain",
                    rest.len()
                ),
            ));
        }
        out.push(Tlv {
            id: ty & NLA_TYPE_MASK,
            nested: ty & NLA_F_NESTED != 0,
            raw: &rest[4..len],
        });
        off += (len + 3) & !3;
    }
    Ok(out)
}

/// A fixed-width integer from `raw` (exactly its width).
pub(super) fn read_int(raw: &[u8], ty: AttrType, order: ByteOrder) -> Option<i128> {
    let (w, signed) = ty.int_width()?;
    if raw.len() != w {
        return None;
    }
    let mut b = [0u8; 8];
    b[..w].copy_from_slice(raw);
    let be = match order {
        ByteOrder::Big => true,
        ByteOrder::Little => false,
        ByteOrder::Host => cfg!(target_endian = "big"),
    };
    let u: u64 = if be {
        let mut x = 0u64;
        for &c in &raw[..w] {
            x = (x << 8) | u64::from(c);
        }
        x
    } else {
        let mut x = 0u64;
        for &c in raw[..w].iter().rev() {
            x = (x << 8) | u64::from(c);
        }
        x
    };
    Some(if signed {
        let shift = 64 - 8 * w as u32;
        i128::from(((u << shift) as i64) >> shift)
    } else {
        i128::from(u)
    })
}

/// Writes `v` as a fixed-width integer; `None` if it does not fit.
pub(super) fn write_int(out: &mut Vec<u8>, v: i128, ty: AttrType, order: ByteOrder) -> Option<()> {
    let (w, signed) = ty.int_width()?;
    let bits = 8 * w as u32;
    let (lo, hi) = if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    if v < lo || v > hi {
        return None;
    }
    let u = v as u64;
    let be = match order {
        ByteOrder::Big => true,
        ByteOrder::Little => false,
        ByteOrder::Host => cfg!(target_endian = "big"),
    };
    for i in 0..w {
        let shift = if be { 8 * (w - 1 - i) } else { 8 * i };
        out.push((u >> shift) as u8);
    }
    Some(())
}
pub(super) fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// A string attribute's text: up to the first NUL.
pub(super) fn strz(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}
