//! Fixed headers: a C struct between the message header(s) and the
//! attributes. Generic netlink families of the `genetlink-legacy` kind may
//! have one after `genlmsghdr` (Open vSwitch's `struct ovs_header`); classic
//! netlink messages nearly always do (`struct ifinfomsg`, `rtmsg`, …).
//!
//! A [`FixedHeader`] is the struct; [`Headed`] puts one before a set of
//! attributes and is itself an [`Encode`]/[`Decode`] payload, so a command
//! whose request or reply is `Headed<OvsHeader, DpAttrs>` goes through the
//! same connection methods as any other.

use crate::codec::{AttrSet, Decode, Encode};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::schema::AttrSetSchema;
use crate::wire::{nla_align, AttrWriter};

/// A fixed-size C struct carried before a message's attributes, in host
/// byte order unless its fields say otherwise.
pub trait FixedHeader: Sized {
    /// The C struct's size in bytes (`sizeof`), padding included.
    const LEN: usize;
    /// The C struct's name, for errors and documentation.
    const C_NAME: &'static str;

    /// Writes the struct into `out`, which is exactly [`LEN`](Self::LEN)
    /// zeroed bytes.
    fn write(&self, out: &mut [u8]);

    /// Reads the struct from `bytes`, which are exactly [`LEN`](Self::LEN)
    /// bytes.
    fn read(bytes: &[u8]) -> Self;
}

/// `N` bytes of `b` from `at`, for a [`FixedHeader::read`]: bytes past the
/// end of `b` read as zero (never a panic).
#[inline]
pub fn bytes<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = b.get(at..) {
        let n = src.len().min(N);
        out[..n].copy_from_slice(&src[..n]);
    }
    out
}

/// Copies `v` into `out` at `at`, for a [`FixedHeader::write`]: what does
/// not fit in `out` is left out (never a panic).
#[inline]
pub fn put(out: &mut [u8], at: usize, v: &[u8]) {
    if let Some(dst) = out.get_mut(at..) {
        let n = dst.len().min(v.len());
        dst[..n].copy_from_slice(&v[..n]);
    }
}

/// A payload that is only a fixed header (a sub-message format without
/// attributes): at least [`FixedHeader::LEN`] bytes, else an error.
pub fn read_exact<H: FixedHeader>(bytes: &[u8]) -> Result<H, DecodeError> {
    match bytes.get(..H::LEN) {
        Some(b) => Ok(H::read(b)),
        None => Err(DecodeError::new(
            DecodeErrorKind::TruncatedMessage {
                needed: H::LEN,
                available: bytes.len(),
            },
            0,
        )
        .in_set(H::C_NAME)),
    }
}

/// A fixed header followed by attributes: a whole message payload (after
/// `genlmsghdr` for generic netlink, after `nlmsghdr` for classic
/// protocols).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Headed<H, A> {
    /// The fixed header.
    pub header: H,
    /// The attributes after it.
    pub attrs: A,
}

impl<H, A> Headed<H, A> {
    /// `header` then `attrs`.
    pub fn new(header: H, attrs: A) -> Self {
        Headed { header, attrs }
    }
}

impl<H: FixedHeader, A: Encode> Encode for Headed<H, A> {
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        w.put_with(H::LEN, |out| self.header.write(out));
        self.attrs.encode(w)
    }
}

impl<'a, H: FixedHeader, A: Decode<'a>> Decode<'a> for Headed<H, A> {
    fn decode_at(buf: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let Some(bytes) = buf.get(..H::LEN) else {
            return Err(DecodeError::new(
                DecodeErrorKind::TruncatedMessage {
                    needed: H::LEN,
                    available: buf.len(),
                },
                base,
            )
            .in_set(H::C_NAME));
        };
        let header = H::read(bytes);
        let start = nla_align(H::LEN).min(buf.len());
        let attrs = A::decode_at(&buf[start..], base + start)?;
        Ok(Headed { header, attrs })
    }
}

/// The attributes' schema: the header is not an attribute.
impl<H, A: AttrSet> AttrSet for Headed<H, A> {
    const SCHEMA: &'static AttrSetSchema = A::SCHEMA;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `struct ovs_header { int dp_ifindex; }` (include/uapi/linux/openvswitch.h).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct OvsHeader {
        dp_ifindex: i32,
    }

    impl FixedHeader for OvsHeader {
        const LEN: usize = 4;
        const C_NAME: &'static str = "ovs_header";
        fn write(&self, out: &mut [u8]) {
            out.copy_from_slice(&self.dp_ifindex.to_ne_bytes());
        }
        fn read(b: &[u8]) -> Self {
            OvsHeader {
                dp_ifindex: i32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            }
        }
    }

    /// `struct rtgenmsg { unsigned char rtgen_family; }`: 1 byte, padded to
    /// 4 before the attributes (NLMSG_ALIGN).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct RtGen(u8);

    impl FixedHeader for RtGen {
        const LEN: usize = 1;
        const C_NAME: &'static str = "rtgenmsg";
        fn write(&self, out: &mut [u8]) {
            out[0] = self.0;
        }
        fn read(b: &[u8]) -> Self {
            RtGen(b[0])
        }
    }

    #[derive(Debug)]
    struct OneU32(u32);
    impl Encode for OneU32 {
        fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
            w.put_u32(1, self.0);
            Ok(())
        }
    }
    impl<'a> Decode<'a> for OneU32 {
        fn decode_at(buf: &'a [u8], base: usize) -> Result<Self, DecodeError> {
            let a = crate::wire::AttrIter::with_base(buf, base)
                .next()
                .ok_or(DecodeError::new(DecodeErrorKind::Missing { id: 1 }, base))??;
            Ok(OneU32(u32::from_ne_bytes(a.fixed::<4>()?)))
        }
    }

    #[test]
    fn header_then_attributes() {
        let m = Headed::new(OvsHeader { dp_ifindex: 7 }, OneU32(9));
        let bytes = m.encode_to_vec().unwrap();
        let mut want = 7i32.to_ne_bytes().to_vec();
        want.extend([8, 0, 1, 0]);
        want.extend(9u32.to_ne_bytes());
        assert_eq!(bytes, want);
        let back = Headed::<OvsHeader, OneU32>::decode(&bytes).unwrap();
        assert_eq!((back.header.dp_ifindex, back.attrs.0), (7, 9));
    }

    #[test]
    fn short_header_is_padded_to_four() {
        let m = Headed::new(RtGen(2), OneU32(1));
        let bytes = m.encode_to_vec().unwrap();
        assert_eq!(&bytes[..4], &[2, 0, 0, 0]);
        assert_eq!(bytes.len(), 12);
        let back = Headed::<RtGen, OneU32>::decode(&bytes).unwrap();
        assert_eq!(back.header, RtGen(2));
    }

    #[test]
    fn truncated_header_is_an_error() {
        let e = Headed::<OvsHeader, OneU32>::decode(&[1, 2]).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::TruncatedMessage {
                needed: 4,
                available: 2
            }
        ));
        assert_eq!(e.set(), Some("ovs_header"));
    }
}
