//! Repeated (`multi`) and indexed-array (`indexed`) attribute fields that
//! decode without allocating, borrowing the received attributes. The two
//! differ in when the values are checked:
//!
//! - [`CheckedMulti`]: checked when the set is decoded (every occurrence
//!   decoded and its declared checks applied: the same errors as a `Vec`
//!   field), decoded again as it is iterated; iterating cannot fail and
//!   yields `T`.
//! - [`DeferredMulti`]: checked only as it is iterated (decoding the set
//!   records where the values are); iterating yields `Result<T, _>`.
//!
//! A `Vec<T>` field collects its values into a vector, which allocates on
//! every decode. For encoding, build either from a slice
//! ([`CheckedMulti::new`], [`DeferredMulti::new`]).
//!
//! ```
//! use genl_core::{AttrSet, Decode, Encode, CheckedMulti};
//!
//! #[derive(Debug, PartialEq, AttrSet)]
//! pub struct Queues<'a> {
//!     #[nla(id = 1)] pub name: &'a str,
//!     #[nla(id = 2, multi)] pub ids: CheckedMulti<'a, u32>,
//! }
//!
//! let bytes = Queues { name: "q", ids: CheckedMulti::new(&[3, 1, 2]) }.encode_to_vec()?;
//! let q = Queues::decode(&bytes)?;                    // no allocation
//! assert_eq!(q.ids.len(), 3);
//! assert_eq!(q.ids.iter().collect::<Vec<_>>(), [3, 1, 2]);
//! assert_eq!(q.ids, CheckedMulti::new(&[3, 1, 2]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!

use std::fmt;

use crate::codec::NlaValue;
use crate::wire::{nla_align, Attr, AttrIter, NLA_HDRLEN, NLA_TYPE_MASK};

mod deferred;
pub(crate) mod slots;
#[cfg(test)]
mod tests;

pub use deferred::{DeferredMulti, DeferredMultiIter};

/// The values of a repeated (`multi`) or indexed-array (`indexed`)
/// attribute, borrowed and checked when the set is decoded: either a slice
/// (to encode) or the received attributes (already validated, decoded
/// again as they are iterated, so iterating cannot fail). See
/// [`DeferredMulti`] for the kind checked only as it is iterated.
///
/// Elements are `Copy` values (integers, `&str`, `&[u8]`, `Be<T>`, value
/// enums, `Copy` nested sets): iteration yields them by value.
pub struct CheckedMulti<'a, T> {
    repr: Repr<'a, T>,
}

enum Repr<'a, T> {
    Slice(&'a [T]),
    Wire {
        /// The attributes from the first occurrence to the end of the last
        /// (for an indexed array: the nest's payload).
        attrs: &'a [u8],
        /// Offset of `attrs` in the outermost decoded buffer.
        base: usize,
        id: u16,
        len: usize,
        layout: Layout,
    },
}

/// How received occurrences lie in `attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Back to back, every value `n` bytes long (the usual case for
    /// integers): iteration steps by `NLA_ALIGN(4 + n)`, reading no length.
    Uniform(usize),
    /// Back to back, of different lengths: iteration walks the headers.
    Packed,
    /// Interleaved with other attributes: iteration also checks the ids.
    Interleaved,
}

impl<T> Clone for Repr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Repr<'_, T> {}

impl<T> Clone for CheckedMulti<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for CheckedMulti<'_, T> {}

impl<'a, T> CheckedMulti<'a, T> {
    /// Values to encode, one attribute each, in order.
    pub const fn new(items: &'a [T]) -> Self {
        CheckedMulti {
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

    /// The values as a slice, when this was built from one
    /// ([`CheckedMulti::new`]); `None` for received values (use
    /// [`iter`](Self::iter)).
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            Repr::Slice(s) => Some(s),
            Repr::Wire { .. } => None,
        }
    }
}

impl<'a, T: NlaValue<'a> + Copy> CheckedMulti<'a, T> {
    /// Iterates the values (decoding received ones on the fly).
    #[inline]
    pub fn iter(&self) -> CheckedMultiIter<'a, T> {
        let mut it = CheckedMultiIter {
            slice: [].iter(),
            attrs: &[],
            pos: 0,
            base: 0,
            left: 0,
            value_len: WALK,
            only: None,
        };
        match self.repr {
            Repr::Slice(s) => it.slice = s.iter(),
            Repr::Wire {
                attrs,
                base,
                id,
                len,
                layout,
            } => {
                (it.attrs, it.base, it.left) = (attrs, base, len);
                match layout {
                    Layout::Uniform(n) => it.value_len = n,
                    Layout::Packed => {}
                    Layout::Interleaved => it.only = Some(id),
                }
            }
        }
        it
    }
}

impl<'a, T> Default for CheckedMulti<'a, T> {
    fn default() -> Self {
        CheckedMulti::new(&[])
    }
}

impl<'a, T> From<&'a [T]> for CheckedMulti<'a, T> {
    fn from(items: &'a [T]) -> Self {
        CheckedMulti::new(items)
    }
}

impl<'a, T> From<&'a Vec<T>> for CheckedMulti<'a, T> {
    fn from(items: &'a Vec<T>) -> Self {
        CheckedMulti::new(items)
    }
}

impl<'a, T: NlaValue<'a> + Copy> IntoIterator for CheckedMulti<'a, T> {
    type Item = T;
    type IntoIter = CheckedMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> CheckedMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Copy> IntoIterator for &CheckedMulti<'a, T> {
    type Item = T;
    type IntoIter = CheckedMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> CheckedMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Copy + fmt::Debug> fmt::Debug for CheckedMulti<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, 'b, T, U> PartialEq<CheckedMulti<'b, U>> for CheckedMulti<'a, T>
where
    T: NlaValue<'a> + Copy + PartialEq<U>,
    U: NlaValue<'b> + Copy,
{
    fn eq(&self, other: &CheckedMulti<'b, U>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: NlaValue<'a> + Copy + Eq> Eq for CheckedMulti<'a, T> {}

/// `CheckedMultiIter::value_len` when occurrences differ in length: walk the
/// headers.
const WALK: usize = usize::MAX;

/// Iterator over the values of a [`CheckedMulti`].
///
/// One flat state for every representation (no enum to dispatch on, and
/// nothing taken by reference out of line), so that the loop it is used in
/// keeps it in registers.
pub struct CheckedMultiIter<'a, T> {
    /// Values built from a slice (empty for received ones).
    slice: std::slice::Iter<'a, T>,
    /// Received occurrences, from `pos` on; `left` of them still to yield.
    attrs: &'a [u8],
    pos: usize,
    /// Offset of `attrs` in the outermost decoded buffer.
    base: usize,
    left: usize,
    /// The length of every value (back-to-back occurrences of one size:
    /// step without reading lengths), or [`WALK`].
    value_len: usize,
    /// Occurrences interleaved with other attributes: this id only.
    only: Option<u16>,
}

/// The next occurrence by walking headers: state in, state out (by value,
/// so the caller's iterator never has to live in memory).
#[inline(never)]
fn walk_next<'a, T: NlaValue<'a>>(
    attrs: &'a [u8],
    base: usize,
    pos: usize,
    only: Option<u16>,
) -> (usize, Option<T>) {
    let mut inner = AttrIter::with_base(attrs, base);
    inner.skip_to(pos);
    loop {
        let Ok(Some(a)) = inner.try_next() else {
            return (attrs.len(), None);
        };
        if only.is_some_and(|id| a.id != id) {
            continue;
        }
        let v = T::decode_attr(&a).ok();
        return (inner.next_offset() - base, v);
    }
}

impl<'a, T: NlaValue<'a> + Copy> Iterator for CheckedMultiIter<'a, T> {
    type Item = T;

    // Every received occurrence was validated when the set was decoded, so
    // neither a header nor a value fails here; if one did (a bug), the
    // iteration ends rather than panicking.
    #[inline(always)]
    fn next(&mut self) -> Option<T> {
        if let Some(v) = self.slice.next() {
            return Some(*v);
        }
        if self.left == 0 {
            return None;
        }
        let v = if self.value_len != WALK {
            let at = self.pos;
            self.pos = at + nla_align(NLA_HDRLEN + self.value_len);
            self.attrs
                .get(at..at + NLA_HDRLEN + self.value_len)
                .and_then(|a| a.split_first_chunk::<NLA_HDRLEN>())
                .and_then(|(&[_, _, t0, t1], value)| {
                    let raw_type = u16::from_ne_bytes([t0, t1]);
                    T::decode_attr(&Attr {
                        id: raw_type & NLA_TYPE_MASK,
                        raw_type,
                        value,
                        offset: self.base + at,
                    })
                    .ok()
                })
        } else {
            let (pos, v) = walk_next(self.attrs, self.base, self.pos, self.only);
            self.pos = pos;
            v
        };
        self.left = if v.is_some() { self.left - 1 } else { 0 };
        v
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.slice.len() + self.left;
        (n, Some(n))
    }
}

impl<'a, T: NlaValue<'a> + Copy> ExactSizeIterator for CheckedMultiIter<'a, T> {}
