//! [`Multi`]: a repeated (`multi`) attribute field that decodes without
//! allocating.
//!
//! A `Vec<T>` multi field collects its values into a vector, which allocates
//! on every decode. A `Multi<'a, T>` field instead borrows the received
//! attributes: decoding validates every occurrence (same errors, same
//! checks as the `Vec` field) and records where they are; iterating decodes
//! them again, lazily. For encoding, build one from a slice with
//! [`Multi::new`].
//!
//! ```
//! use genl_core::{AttrSet, Decode, Encode, Multi};
//!
//! #[derive(Debug, PartialEq, AttrSet)]
//! pub struct Queues<'a> {
//!     #[nla(id = 1)] pub name: &'a str,
//!     #[nla(id = 2, multi)] pub ids: Multi<'a, u32>,
//! }
//!
//! let bytes = Queues { name: "q", ids: Multi::new(&[3, 1, 2]) }.encode_to_vec()?;
//! let q = Queues::decode(&bytes)?;                    // no allocation
//! assert_eq!(q.ids.len(), 3);
//! assert_eq!(q.ids.iter().collect::<Vec<_>>(), [3, 1, 2]);
//! assert_eq!(q.ids, Multi::new(&[3, 1, 2]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::codec::NlaValue;
use crate::wire::{nla_align, Attr, AttrIter, NLA_HDRLEN};

/// The values of a repeated attribute, borrowed: either a slice (to encode)
/// or the received attributes (decoded lazily, already validated).
///
/// Elements are `Copy` values (integers, `&str`, `&[u8]`, `Be<T>`, value
/// enums, `Copy` nested sets): iteration yields them by value.
pub struct Multi<'a, T> {
    repr: Repr<'a, T>,
}

enum Repr<'a, T> {
    Slice(&'a [T]),
    Wire {
        /// The attributes from the first occurrence to the end of the last.
        attrs: &'a [u8],
        /// Offset of `attrs` in the outermost decoded buffer.
        base: usize,
        id: u16,
        len: usize,
        /// The occurrences follow each other with nothing in between
        /// (the usual layout): iteration need not look at ids.
        packed: bool,
    },
}

impl<T> Clone for Repr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Repr<'_, T> {}

impl<T> Clone for Multi<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Multi<'_, T> {}

impl<'a, T> Multi<'a, T> {
    /// Values to encode, one attribute each, in order.
    pub const fn new(items: &'a [T]) -> Self {
        Multi {
            repr: Repr::Slice(items),
        }
    }

    /// How many values there are.
    #[inline]
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Slice(s) => s.len(),
            Repr::Wire { len, .. } => len,
        }
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a, T: NlaValue<'a> + Copy> Multi<'a, T> {
    /// Iterates the values (decoding received ones on the fly).
    #[inline]
    pub fn iter(&self) -> MultiIter<'a, T> {
        MultiIter {
            repr: match self.repr {
                Repr::Slice(s) => IterRepr::Slice(s.iter()),
                Repr::Wire {
                    attrs,
                    base,
                    len,
                    packed: true,
                    ..
                } => IterRepr::Packed {
                    inner: AttrIter::with_base(attrs, base),
                    left: len,
                },
                Repr::Wire {
                    attrs,
                    base,
                    id,
                    len,
                    packed: false,
                } => IterRepr::Wire {
                    inner: AttrIter::with_base(attrs, base),
                    id,
                    left: len,
                },
            },
        }
    }
}

impl<'a, T> Default for Multi<'a, T> {
    fn default() -> Self {
        Multi::new(&[])
    }
}

impl<'a, T> From<&'a [T]> for Multi<'a, T> {
    fn from(items: &'a [T]) -> Self {
        Multi::new(items)
    }
}

impl<'a, T> From<&'a Vec<T>> for Multi<'a, T> {
    fn from(items: &'a Vec<T>) -> Self {
        Multi::new(items)
    }
}

impl<'a, T: NlaValue<'a> + Copy> IntoIterator for Multi<'a, T> {
    type Item = T;
    type IntoIter = MultiIter<'a, T>;
    fn into_iter(self) -> MultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Copy> IntoIterator for &Multi<'a, T> {
    type Item = T;
    type IntoIter = MultiIter<'a, T>;
    fn into_iter(self) -> MultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Copy + fmt::Debug> fmt::Debug for Multi<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, 'b, T, U> PartialEq<Multi<'b, U>> for Multi<'a, T>
where
    T: NlaValue<'a> + Copy + PartialEq<U>,
    U: NlaValue<'b> + Copy,
{
    fn eq(&self, other: &Multi<'b, U>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: NlaValue<'a> + Copy + Eq> Eq for Multi<'a, T> {}

/// Iterator over the values of a [`Multi`].
pub struct MultiIter<'a, T> {
    repr: IterRepr<'a, T>,
}

enum IterRepr<'a, T> {
    Slice(std::slice::Iter<'a, T>),
    /// Occurrences back to back: each header is the next one's.
    Packed {
        inner: AttrIter<'a>,
        left: usize,
    },
    /// Occurrences interleaved with other attributes.
    Wire {
        inner: AttrIter<'a>,
        id: u16,
        left: usize,
    },
}

impl<'a, T: NlaValue<'a> + Copy> Iterator for MultiIter<'a, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match &mut self.repr {
            IterRepr::Slice(s) => s.next().copied(),
            IterRepr::Packed { inner, left } => {
                if *left == 0 {
                    return None;
                }
                // Validated when the set was decoded; a failure here would
                // be a bug, and ends the iteration rather than panicking.
                let a = inner.try_next().ok().flatten();
                *left = if a.is_some() { *left - 1 } else { 0 };
                a.and_then(|a| T::decode_attr(&a).ok())
            }
            IterRepr::Wire { inner, id, left } => {
                while *left > 0 {
                    // Every occurrence was validated when the set was
                    // decoded, so neither the header nor the value fails.
                    let Ok(Some(a)) = inner.try_next() else { break };
                    if a.id == *id {
                        if let Ok(v) = T::decode_attr(&a) {
                            *left -= 1;
                            return Some(v);
                        }
                    }
                }
                *left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.repr {
            IterRepr::Slice(s) => s.len(),
            IterRepr::Packed { left, .. } | IterRepr::Wire { left, .. } => *left,
        };
        (n, Some(n))
    }
}

impl<'a, T: NlaValue<'a> + Copy> ExactSizeIterator for MultiIter<'a, T> {}

/// Records the occurrences of a `Multi` field while a set is decoded
/// (used by derived code; not a stable API).
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct MultiSlots {
    first: usize,
    end: usize,
    len: usize,
    packed: bool,
}

impl MultiSlots {
    /// An empty record.
    #[inline]
    pub const fn new() -> Self {
        MultiSlots {
            first: 0,
            end: 0,
            len: 0,
            packed: true,
        }
    }

    /// Notes one validated occurrence.
    #[inline]
    pub fn note(&mut self, attr: &Attr<'_>) {
        if self.len == 0 {
            self.first = attr.offset;
        } else if attr.offset != self.end {
            self.packed = false;
        }
        self.end = attr.offset + nla_align(NLA_HDRLEN + attr.value.len());
        self.len += 1;
    }

    /// The field, over `buf` (decoded with offsets from `base`).
    #[inline]
    pub fn finish<'a, T>(&self, buf: &'a [u8], base: usize, id: u16) -> Multi<'a, T> {
        if self.len == 0 {
            return Multi::new(&[]);
        }
        let start = self.first - base;
        let end = (self.end - base).min(buf.len());
        Multi {
            repr: Repr::Wire {
                attrs: &buf[start..end],
                base: self.first,
                id,
                len: self.len,
                packed: self.packed,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Multi;
    use crate::{AttrSet, Decode};

    #[derive(Debug, AttrSet)]
    struct Set<'a> {
        #[nla(id = 1)]
        name: Option<&'a str>,
        #[nla(id = 2, multi)]
        ids: Multi<'a, u16>,
    }

    /// `nla_put_u16(skb, 2, v)`: len 6, type 2, value, 2 bytes of padding.
    fn u16_attr(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&[6, 0, 2, 0]);
        out.extend_from_slice(&v.to_ne_bytes());
        out.extend_from_slice(&[0, 0]);
    }

    /// `nla_put_string(skb, 1, "x")`: len 6, type 1, "x\0", padding.
    fn name_attr(out: &mut Vec<u8>) {
        out.extend_from_slice(&[6, 0, 1, 0, b'x', 0, 0, 0]);
    }

    #[test]
    fn back_to_back_occurrences_iterate_in_order() {
        let mut b = Vec::new();
        name_attr(&mut b);
        for v in [7, 0xffff, 0] {
            u16_attr(&mut b, v);
        }
        // The last attribute without its trailing padding is accepted.
        b.truncate(b.len() - 2);
        let s = Set::decode(&b).unwrap();
        assert_eq!(s.name, Some("x"));
        assert_eq!(s.ids.len(), 3);
        assert_eq!(s.ids.iter().collect::<Vec<_>>(), [7, 0xffff, 0]);
        assert_eq!(s.ids.iter().len(), 3);
    }

    #[test]
    fn interleaved_occurrences_skip_the_other_attributes() {
        let mut b = Vec::new();
        u16_attr(&mut b, 1);
        name_attr(&mut b);
        u16_attr(&mut b, 2);
        name_attr(&mut b);
        name_attr(&mut b);
        u16_attr(&mut b, 3);
        name_attr(&mut b);
        let s = Set::decode(&b).unwrap();
        assert_eq!(s.ids.iter().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(s.ids, Multi::new(&[1u16, 2, 3]));
    }

    #[test]
    fn a_bad_occurrence_fails_the_decode() {
        let mut b = Vec::new();
        u16_attr(&mut b, 1);
        // A u16 attribute of 3 value bytes.
        b.extend_from_slice(&[7, 0, 2, 0, 1, 2, 3, 0]);
        let e = Set::decode(&b).unwrap_err();
        assert_eq!(e.offset(), 8, "{e}");
    }
}
