//! The netlink attribute (TLV) wire format: a writer that appends to a reusable
//! buffer and a borrowing iterator that never copies.
//!
//! ```text
//!  0               2               4
//!  +---------------+---------------+-----------------+---------+
//!  |    nla_len    |   nla_type    |  value ...      | padding |
//!  +---------------+---------------+-----------------+---------+
//!  nla_len = 4 + value length (no padding); padding to 4 bytes, zeroed
//!  nla_type = id | NLA_F_NESTED (bit 15) | NLA_F_NET_BYTEORDER (bit 14)
//! ```
//!
//! Rules this module enforces (see `include/uapi/linux/netlink.h`):
//! every attribute starts 4-byte aligned and padding is zeroed; an attribute or
//! nest longer than 65 535 bytes is an [`EncodeError`], never a wrap-around;
//! the type's flag bits are masked off when reading the id; nesting is a
//! property of the schema, not of the `NLA_F_NESTED` bit, which the writer
//! always sets on nests.

use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};

/// Size of an attribute header (`struct nlattr`).
pub const NLA_HDRLEN: usize = 4;
/// Flag bit: the attribute carries nested attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// Flag bit: the payload is in network byte order.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// Mask that strips the flag bits from `nla_type`.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);
/// Largest `nla_len` (header included).
pub const NLA_MAX_LEN: usize = u16::MAX as usize;

/// Rounds `len` up to the netlink alignment of 4 bytes.
#[inline]
pub const fn nla_align(len: usize) -> usize {
    (len + 3) & !3
}

/// Whether `flagged` holds for any 8-byte word of `s`: every byte is seen
/// in at least one word (the last word overlaps the one before; fewer than
/// 8 bytes are padded with 0x01, an ASCII byte other than NUL). No byte
/// loop and no library call: strings of attributes are short, and this is
/// on every string encoded and decoded.
#[inline(always)]
fn any_word(s: &[u8], flagged: impl Fn(u64) -> bool) -> bool {
    let word = |at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| u64::from(u32::from_ne_bytes(s[at..at + 4].try_into().expect("4")));
    let n = s.len();
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if flagged(word(at)) {
                return true;
            }
            at += 8;
        }
        return flagged(word(n - 8));
    }
    let w = match n {
        0 => return false,
        1..=3 => {
            let b = |i: usize| u64::from(s[i]);
            0x0101_0101_0100_0000 | b(0) | (b(n / 2) << 8) | (b(n - 1) << 16)
        }
        _ => half(0) | (half(n - 4) << 32),
    };
    flagged(w)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether a word has a zero byte (exact: `(w - 0x01…) & !w & 0x80…` is
/// non-zero if and only if one of its bytes is 0).
#[inline(always)]
fn has_zero_byte(w: u64) -> bool {
    w.wrapping_sub(LO) & !w & HI != 0
}

/// Whether `s` holds a NUL byte.
#[inline]
pub(crate) fn has_nul(s: &[u8]) -> bool {
    any_word(s, has_zero_byte)
}

/// Whether every byte of `s` is ASCII other than NUL (1 to 0x7f): no byte
/// with its top bit set, and no zero byte.
#[inline]
pub(crate) fn ascii_without_nul(s: &[u8]) -> bool {
    !any_word(s, |w| w & HI != 0 || has_zero_byte(w))
}

/// Appends attributes to a caller-owned buffer.
///
/// The buffer is reused across messages by the caller (`buf.clear()`); the
/// writer only appends. Nests are opened with [`begin_nest`](Self::begin_nest)
/// and their header is patched in place by [`end_nest`](Self::end_nest).
#[derive(Debug)]
pub struct AttrWriter<'b> {
    buf: &'b mut Vec<u8>,
}

/// An open nest: the position of its header, returned by
/// [`AttrWriter::begin_nest`] and consumed by [`AttrWriter::end_nest`].
#[derive(Debug)]
#[must_use = "a nest must be closed with AttrWriter::end_nest"]
pub struct Nest {
    start: usize,
}

impl<'b> AttrWriter<'b> {
    /// A writer appending to `buf`. `buf.len()` must already be 4-byte aligned
    /// (it is, when it holds whole netlink headers and attributes).
    #[inline]
    pub fn new(buf: &'b mut Vec<u8>) -> Self {
        debug_assert_eq!(buf.len() % 4, 0, "attribute writer needs an aligned start");
        AttrWriter { buf }
    }

    /// The bytes written so far (the whole underlying buffer).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }

    /// Current length of the underlying buffer.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the underlying buffer is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends already-encoded attributes verbatim, then zero padding up to
    /// the next 4-byte boundary.
    pub fn put_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.buf.resize(nla_align(self.buf.len()), 0);
    }

    /// Appends `len` zeroed bytes, lets `fill` write them (a fixed header's
    /// C struct), then zero padding up to the next 4-byte boundary.
    pub fn put_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        let start = self.buf.len();
        self.buf.resize(start + len, 0);
        fill(&mut self.buf[start..]);
        self.buf.resize(nla_align(self.buf.len()), 0);
    }

    /// Appends one attribute: header, `payload`, then `extra_zeros` zero
    /// bytes counted in the length (a string's NUL), then zero padding.
    #[inline(always)]
    fn put_value(
        &mut self,
        id: u16,
        payload: &[u8],
        extra_zeros: usize,
    ) -> Result<(), EncodeError> {
        let len = NLA_HDRLEN + payload.len() + extra_zeros;
        if len > NLA_MAX_LEN {
            return Err(EncodeError::new(EncodeErrorKind::AttrTooLong { len }));
        }
        let padded = nla_align(len);
        self.buf.reserve(padded);
        let start = self.buf.len();
        // SAFETY: `reserve` made room for `padded` bytes after `start`; all
        // of them are written (header, payload, zeros) before `set_len`.
        unsafe {
            let p = self.buf.as_mut_ptr().add(start);
            // The last word zeroed first (`padded` >= 4): what the header,
            // payload and NUL do not overwrite is the padding, zeroed
            // without a call for 0 to 3 bytes.
            std::ptr::write_unaligned(p.add(padded - 4).cast::<u32>(), 0);
            std::ptr::copy_nonoverlapping((len as u16).to_ne_bytes().as_ptr(), p, 2);
            std::ptr::copy_nonoverlapping(id.to_ne_bytes().as_ptr(), p.add(2), 2);
            std::ptr::copy_nonoverlapping(payload.as_ptr(), p.add(NLA_HDRLEN), payload.len());
            let end = NLA_HDRLEN + payload.len();
            // `extra_zeros` (a string's NUL) may reach before the last word.
            if padded - end > 4 {
                std::ptr::write_bytes(p.add(end), 0, padded - end - 4);
            }
            self.buf.set_len(start + padded);
        }
        Ok(())
    }

    /// Appends one attribute whose payload is the concatenation of `parts`.
    #[inline]
    pub fn put_parts(&mut self, id: u16, parts: &[&[u8]]) -> Result<(), EncodeError> {
        if let [one] = parts {
            return self.put_value(id, one, 0);
        }
        let value_len: usize = parts.iter().map(|p| p.len()).sum();
        let len = NLA_HDRLEN + value_len;
        if len > NLA_MAX_LEN {
            return Err(EncodeError::new(EncodeErrorKind::AttrTooLong { len }));
        }
        let padded = nla_align(len);
        self.buf.reserve(padded);
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&id.to_ne_bytes());
        for p in parts {
            self.buf.extend_from_slice(p);
        }
        self.buf.resize(self.buf.len() + (padded - len), 0);
        Ok(())
    }

    /// Appends one attribute with `payload` as its value.
    #[inline]
    pub fn put(&mut self, id: u16, payload: &[u8]) -> Result<(), EncodeError> {
        self.put_value(id, payload, 0)
    }

    /// Appends a fixed-size value (the scalar fast path: no length checks
    /// needed, one reservation).
    #[inline(always)]
    pub fn put_fixed<const N: usize>(&mut self, id: u16, value: [u8; N]) {
        const { assert!(N <= 64) };
        let len = NLA_HDRLEN + N;
        let padded = nla_align(len);
        self.buf.reserve(padded);
        let start = self.buf.len();
        // SAFETY: `reserve` made room for `padded` bytes after `start`; all
        // of them are written (header, value, zero padding) before `set_len`.
        unsafe {
            let p = self.buf.as_mut_ptr().add(start);
            std::ptr::copy_nonoverlapping((len as u16).to_ne_bytes().as_ptr(), p, 2);
            std::ptr::copy_nonoverlapping(id.to_ne_bytes().as_ptr(), p.add(2), 2);
            std::ptr::copy_nonoverlapping(value.as_ptr(), p.add(NLA_HDRLEN), N);
            std::ptr::write_bytes(p.add(len), 0, padded - len);
            self.buf.set_len(start + padded);
        }
    }

    /// Appends one fixed-size attribute with `id` for each of `values` (a
    /// multi attribute of integers): one reservation for the run, no
    /// capacity check nor length update per attribute, each written at
    /// once (header, value and padding).
    #[inline]
    pub fn put_fixed_each<const N: usize>(
        &mut self,
        id: u16,
        values: impl ExactSizeIterator<Item = [u8; N]>,
    ) {
        const { assert!(N <= 12) };
        let len = NLA_HDRLEN + N;
        let padded = nla_align(len);
        let n = values.len();
        self.buf.reserve(n * padded);
        let start = self.buf.len();
        let mut a = [0u8; 16];
        a[..2].copy_from_slice(&(len as u16).to_ne_bytes());
        a[2..4].copy_from_slice(&id.to_ne_bytes());
        let mut written = 0;
        // SAFETY: `reserve` made room for `n * padded` bytes after `start`;
        // at most `n` attributes of `padded` bytes are written (`take(n)`,
        // whatever the iterator's `len` claimed), each whole, and
        // `set_len` counts only those written.
        unsafe {
            let mut p = self.buf.as_mut_ptr().add(start);
            for v in values.take(n) {
                a[NLA_HDRLEN..len].copy_from_slice(&v);
                std::ptr::copy_nonoverlapping(a.as_ptr(), p, padded);
                p = p.add(padded);
                written += 1;
            }
            self.buf.set_len(start + written * padded);
        }
    }

    /// Appends a flag attribute (no payload).
    #[inline]
    pub fn put_flag(&mut self, id: u16) {
        self.put_fixed(id, []);
    }

    /// Appends a `u8` attribute.
    #[inline]
    pub fn put_u8(&mut self, id: u16, v: u8) {
        self.put_fixed(id, [v]);
    }

    /// Appends a `u16` attribute in host byte order.
    #[inline]
    pub fn put_u16(&mut self, id: u16, v: u16) {
        self.put_fixed(id, v.to_ne_bytes());
    }

    /// Appends a `u32` attribute in host byte order.
    #[inline]
    pub fn put_u32(&mut self, id: u16, v: u32) {
        self.put_fixed(id, v.to_ne_bytes());
    }

    /// Appends a `u64` attribute in host byte order.
    #[inline]
    pub fn put_u64(&mut self, id: u16, v: u64) {
        self.put_fixed(id, v.to_ne_bytes());
    }

    /// Appends a NUL-terminated string attribute (accepted by both
    /// `NLA_STRING` and `NLA_NUL_STRING` policies).
    #[inline]
    pub fn put_str(&mut self, id: u16, s: &str) -> Result<(), EncodeError> {
        if has_nul(s.as_bytes()) {
            return Err(EncodeError::new(EncodeErrorKind::InteriorNul));
        }
        self.put_value(id, s.as_bytes(), 1)
    }

    /// Opens a nest with `id`; `NLA_F_NESTED` is set on it.
    #[inline]
    pub fn begin_nest(&mut self, id: u16) -> Nest {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf
            .extend_from_slice(&(id | NLA_F_NESTED).to_ne_bytes());
        Nest { start }
    }

    /// Closes `nest`, patching its length. A nest over 65 535 bytes is an
    /// error (the buffer is then truncated back to before the nest).
    #[inline]
    pub fn end_nest(&mut self, nest: Nest) -> Result<(), EncodeError> {
        let len = self.buf.len() - nest.start;
        if len > NLA_MAX_LEN {
            self.buf.truncate(nest.start);
            return Err(EncodeError::new(EncodeErrorKind::AttrTooLong { len }));
        }
        self.buf[nest.start..nest.start + 2].copy_from_slice(&(len as u16).to_ne_bytes());
        Ok(())
    }

    /// Abandons an open nest, removing it and everything written inside it.
    pub fn cancel_nest(&mut self, nest: Nest) {
        self.buf.truncate(nest.start);
    }
}

/// One attribute, borrowed from the buffer it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    /// The attribute id, flag bits masked off.
    pub id: u16,
    /// The raw `nla_type`, flag bits included.
    pub raw_type: u16,
    /// The payload (without header or padding).
    pub value: &'a [u8],
    /// Offset of this attribute's header from the start of the outermost
    /// buffer being decoded.
    pub offset: usize,
}

impl<'a> Attr<'a> {
    /// Whether the sender set `NLA_F_NESTED`. Informational only: decoders
    /// decide nesting from the schema.
    pub fn nested_flag(&self) -> bool {
        self.raw_type & NLA_F_NESTED != 0
    }

    /// Whether the sender set `NLA_F_NET_BYTEORDER`.
    pub fn net_byteorder_flag(&self) -> bool {
        self.raw_type & NLA_F_NET_BYTEORDER != 0
    }

    /// Offset of the payload from the start of the outermost buffer.
    pub fn value_offset(&self) -> usize {
        self.offset + NLA_HDRLEN
    }

    /// Iterates the attributes nested in this one.
    pub fn nested(&self) -> AttrIter<'a> {
        AttrIter::with_base(self.value, self.value_offset())
    }

    /// The payload as exactly `N` bytes.
    #[inline]
    pub fn fixed<const N: usize>(&self) -> Result<[u8; N], DecodeError> {
        self.value.try_into().map_err(|_| {
            DecodeError::new(
                DecodeErrorKind::BadValueLength {
                    expected: N,
                    actual: self.value.len(),
                },
                self.offset,
            )
        })
    }
}

/// Iterates the attributes in a buffer without copying.
///
/// Yields `Err` once, at the first malformed header, then ends. A final
/// attribute without its trailing padding is accepted.
#[derive(Debug, Clone)]
pub struct AttrIter<'a> {
    buf: &'a [u8],
    /// Where the next header starts; at or past `buf.len()` once done.
    pos: usize,
    base: usize,
}

impl<'a> AttrIter<'a> {
    /// Iterates `buf`, reporting offsets from its start.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// Iterates `buf`, reporting offsets as `base + position in buf`.
    #[inline]
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        AttrIter { buf, pos: 0, base }
    }

    /// The next attribute, `Ok(None)` at the end: [`Iterator::next`] with
    /// the `Option` and `Result` the other way round, which is what a
    /// decoder that stops at the first error wants (one test per attribute
    /// instead of two). After an error the iterator is at its end.
    #[inline]
    pub fn try_next(&mut self) -> Result<Option<Attr<'a>>, DecodeError> {
        let pos = self.pos;
        if pos >= self.buf.len() {
            return Ok(None);
        }
        let rest = &self.buf[pos..];
        let offset = self.base + pos;
        let Some(&[l0, l1, t0, t1]) = rest.first_chunk::<NLA_HDRLEN>() else {
            self.pos = self.buf.len();
            return Err(DecodeError::new(
                DecodeErrorKind::TruncatedHeader {
                    remaining: rest.len(),
                },
                offset,
            ));
        };
        let nla_len = u16::from_ne_bytes([l0, l1]);
        let raw_type = u16::from_ne_bytes([t0, t1]);
        let len = nla_len as usize;
        if len < NLA_HDRLEN || len > rest.len() {
            self.pos = self.buf.len();
            return Err(DecodeError::new(
                DecodeErrorKind::BadAttrLength {
                    nla_len,
                    remaining: rest.len(),
                },
                offset,
            ));
        }
        // May pass the end (a last attribute without its padding): the
        // next call then ends the iteration.
        self.pos = pos + nla_align(len);
        Ok(Some(Attr {
            id: raw_type & NLA_TYPE_MASK,
            raw_type,
            value: &rest[NLA_HDRLEN..len],
            offset,
        }))
    }
}

impl<'a> AttrIter<'a> {
    /// The next attribute if it is well formed and has id `id` (flag bits
    /// masked); otherwise `None`, and the iterator has not moved (so a
    /// malformed header is still reported by the next `try_next`).
    #[inline]
    pub(crate) fn next_if_id(&mut self, id: u16) -> Option<Attr<'a>> {
        let pos = self.pos;
        let rest = self.buf.get(pos..)?;
        let &[l0, l1, t0, t1] = rest.first_chunk::<NLA_HDRLEN>()?;
        let raw_type = u16::from_ne_bytes([t0, t1]);
        let len = u16::from_ne_bytes([l0, l1]) as usize;
        if raw_type & NLA_TYPE_MASK != id || len < NLA_HDRLEN || len > rest.len() {
            return None;
        }
        self.pos = pos + nla_align(len);
        Some(Attr {
            id,
            raw_type,
            value: &rest[NLA_HDRLEN..len],
            offset: self.base + pos,
        })
    }
}

impl<'a> AttrIter<'a> {
    /// The next attribute if its header is exactly `header` (same length
    /// and type, flag bits included) and its `value_len` bytes of value
    /// are there; otherwise `None`, and the iterator has not moved. The
    /// fast path of a run of same-sized occurrences.
    #[inline(always)]
    pub(crate) fn next_if_header(&mut self, header: [u8; 4], value_len: usize) -> Option<Attr<'a>> {
        let pos = self.pos;
        let whole = self.buf.get(pos..)?.get(..NLA_HDRLEN + value_len)?;
        let (&h, value) = whole.split_first_chunk::<NLA_HDRLEN>()?;
        if h != header {
            return None;
        }
        self.pos = pos + nla_align(NLA_HDRLEN + value_len);
        let raw_type = u16::from_ne_bytes([h[2], h[3]]);
        Some(Attr {
            id: raw_type & NLA_TYPE_MASK,
            raw_type,
            value,
            offset: self.base + pos,
        })
    }

    /// Continues at `pos` (a position in the buffer, as
    /// [`next_offset`](Self::next_offset) minus the base).
    #[inline]
    pub(crate) fn skip_to(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Offset (from the outermost buffer's start) where the next header
    /// would start.
    #[inline]
    pub(crate) fn next_offset(&self) -> usize {
        self.base + self.pos
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<Attr<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.try_next().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_layout_matches_kernel_nla_put_u32() {
        // nla_put_u32(skb, 7, 0x01020304) on little endian:
        // len=8, type=7, value 04 03 02 01.
        let mut buf = Vec::new();
        AttrWriter::new(&mut buf).put_u32(7, 0x0102_0304);
        assert_eq!(buf, [8, 0, 7, 0, 4, 3, 2, 1]);
    }

    #[test]
    fn string_is_nul_terminated_and_padded_with_zeros() {
        // nla_put_string(skb, 2, "nlctrl"): len = 4 + 7 = 11, padded to 12.
        let mut buf = vec![0xAA; 0];
        AttrWriter::new(&mut buf).put_str(2, "nlctrl").unwrap();
        assert_eq!(buf, b"\x0b\x00\x02\x00nlctrl\x00\x00");
    }

    #[test]
    fn a_run_of_fixed_attributes_is_each_as_nla_put_writes_it() {
        // nla_put_u8(skb, 3, 1); nla_put_u8(skb, 3, 2): len 5, padded to 8
        // with zeros (in a buffer that held 0xFF); then nla_put_u64 (no
        // pad attribute): len 12. Little endian.
        let mut buf = vec![0xFF; 64];
        buf.truncate(4);
        let mut w = AttrWriter::new(&mut buf);
        w.put_fixed_each(3, [[1u8], [2u8]].into_iter());
        w.put_fixed_each(4, [0x0102_0304_0506_0708u64.to_le_bytes()].into_iter());
        w.put_fixed_each::<4>(5, std::iter::empty());
        assert_eq!(
            buf,
            [
                0xFF, 0xFF, 0xFF, 0xFF, 5, 0, 3, 0, 1, 0, 0, 0, 5, 0, 3, 0, 2, 0, 0, 0, 12, 0, 4,
                0, 8, 7, 6, 5, 4, 3, 2, 1
            ]
        );
    }

    #[test]
    fn padding_is_zeroed_even_in_reused_buffers() {
        let mut buf = vec![0xFF; 64];
        buf.clear();
        AttrWriter::new(&mut buf).put_u8(1, 9);
        assert_eq!(buf, [5, 0, 1, 0, 9, 0, 0, 0]);
    }

    #[test]
    fn nest_sets_flag_and_patches_length() {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        let n = w.begin_nest(6);
        w.put_u16(1, 0x10);
        w.end_nest(n).unwrap();
        assert_eq!(buf, [12, 0, 6, 0x80, 6, 0, 1, 0, 0x10, 0, 0, 0]);
    }

    #[test]
    fn oversize_attribute_is_an_error_not_a_wraparound() {
        let mut buf = Vec::new();
        let big = vec![0u8; 65532];
        let err = AttrWriter::new(&mut buf).put(1, &big).unwrap_err();
        assert_eq!(err.kind(), &EncodeErrorKind::AttrTooLong { len: 65536 });
        assert!(buf.is_empty());
        // 65531 bytes of payload is the largest that fits.
        AttrWriter::new(&mut buf).put(1, &big[..65531]).unwrap();
        assert_eq!(&buf[..2], &[0xff, 0xff]);
    }

    #[test]
    fn oversize_nest_is_an_error_and_rolled_back() {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        w.put_u8(1, 1);
        let n = w.begin_nest(2);
        for _ in 0..3 {
            w.put(3, &[0u8; 30000]).unwrap();
        }
        let err = w.end_nest(n).unwrap_err();
        assert!(matches!(err.kind(), EncodeErrorKind::AttrTooLong { .. }));
        assert_eq!(buf.len(), 8);
    }

    #[test]
    fn iterator_masks_flags_and_reports_offsets() {
        let bytes = [8, 0, 7, 0x80, 1, 0, 0, 0, 5, 0, 2, 0x40, 9, 0, 0, 0];
        let attrs: Vec<_> = AttrIter::with_base(&bytes, 100)
            .map(Result::unwrap)
            .collect();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].id, 7);
        assert!(attrs[0].nested_flag());
        assert_eq!(attrs[0].offset, 100);
        assert_eq!(attrs[1].id, 2);
        assert!(attrs[1].net_byteorder_flag());
        assert_eq!(attrs[1].value, &[9]);
        assert_eq!(attrs[1].offset, 108);
    }

    #[test]
    fn last_attribute_may_omit_padding() {
        let bytes = [5, 0, 1, 0, 9];
        let a: Vec<_> = AttrIter::new(&bytes).collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].as_ref().unwrap().value, &[9]);
    }

    #[test]
    fn malformed_headers_error_once_with_offset() {
        // Second attribute claims 200 bytes.
        let bytes = [8, 0, 1, 0, 1, 2, 3, 4, 200, 0, 2, 0, 0, 0];
        let mut it = AttrIter::new(&bytes);
        assert!(it.next().unwrap().is_ok());
        let e = it.next().unwrap().unwrap_err();
        assert_eq!(e.offset(), 8);
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::BadAttrLength { nla_len: 200, .. }
        ));
        assert!(it.next().is_none());
        // A 2-byte tail is a truncated header.
        let e = AttrIter::new(&[8, 0]).next().unwrap().unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::TruncatedHeader { remaining: 2 }
        ));
        // nla_len below the header size.
        let e = AttrIter::new(&[2, 0, 1, 0]).next().unwrap().unwrap_err();
        assert!(matches!(e.kind(), DecodeErrorKind::BadAttrLength { .. }));
    }

    proptest::proptest! {
        /// The word-at-a-time scans agree with a byte loop on every length
        /// up to 40 and every byte value, including at every offset of the
        /// overlapping last word and the padded short cases.
        #[test]
        fn word_scans_agree_with_a_byte_loop(
            s in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY,
                    0x01u8..0x80,
                    proptest::strategy::Just(0u8),
                    proptest::strategy::Just(0x80u8),
                ],
                0..40,
            )
        ) {
            proptest::prop_assert_eq!(has_nul(&s), s.contains(&0));
            proptest::prop_assert_eq!(
                ascii_without_nul(&s),
                s.iter().all(|&b| (1..=0x7f).contains(&b))
            );
        }
    }

    #[test]
    fn word_scans_find_a_single_bad_byte_anywhere() {
        for n in 0..=33usize {
            let ok = vec![b'a'; n];
            assert!(!has_nul(&ok) && ascii_without_nul(&ok), "{n}");
            for at in 0..n {
                for bad in [0u8, 0x80, 0xff] {
                    let mut s = ok.clone();
                    s[at] = bad;
                    assert_eq!(has_nul(&s), bad == 0, "len {n}, {bad:#x} at {at}");
                    assert!(!ascii_without_nul(&s), "len {n}, {bad:#x} at {at}");
                }
            }
        }
    }

    /// Padding (and a string's NUL) is zero even when the buffer's spare
    /// capacity holds old bytes, for every payload length around a word.
    #[test]
    fn padding_is_zeroed_over_a_dirty_buffer() {
        for n in 0..=13usize {
            let payload: Vec<u8> = (1..=n as u8).collect();
            let text = "a".repeat(n);
            for string in [false, true] {
                let mut buf = vec![0xffu8; 64];
                buf.clear();
                let mut w = AttrWriter::new(&mut buf);
                if string {
                    w.put_str(7, &text).unwrap();
                } else {
                    w.put(7, &payload).unwrap();
                }
                let len = 4 + n + usize::from(string);
                assert_eq!(buf.len(), nla_align(len), "n {n}");
                assert_eq!(u16::from_ne_bytes([buf[0], buf[1]]) as usize, len);
                let body = if string {
                    text.as_bytes()
                } else {
                    &payload[..]
                };
                assert_eq!(&buf[4..4 + n], body, "n {n}");
                assert!(buf[4 + n..].iter().all(|&b| b == 0), "n {n}: {buf:?}");
            }
        }
    }
}
