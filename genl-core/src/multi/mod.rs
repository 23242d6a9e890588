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
use crate::error::{DecodeError, EncodeError};
use crate::schema::AttrSetSchema;
use crate::wire::{nla_align, Attr, AttrIter, AttrWriter, NLA_HDRLEN, NLA_TYPE_MASK};

/// The values of a repeated (`multi`) or indexed-array (`indexed`)
/// attribute, borrowed: either a slice (to encode) or the received
/// attributes (already validated, decoded again as they are iterated).
///
/// Elements are `Copy` values (integers, `&str`, `&[u8]`, `Be<T>`, value
/// enums, `Copy` nested sets): iteration yields them by value.
pub struct Multi<'a, T> {
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

    /// The values as a slice, when this was built from one
    /// ([`Multi::new`]); `None` for received values (use
    /// [`iter`](Self::iter)).
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            Repr::Slice(s) => Some(s),
            Repr::Wire { .. } => None,
        }
    }
}

impl<'a, T: NlaValue<'a> + Copy> Multi<'a, T> {
    /// Iterates the values (decoding received ones on the fly).
    #[inline]
    pub fn iter(&self) -> MultiIter<'a, T> {
        let mut it = MultiIter {
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

    /// Calls `f` on every value, stopping at its first error: the loop the
    /// derived encoders run (one test of the representation, then a plain
    /// loop over a slice). Not a stable API.
    #[doc(hidden)]
    #[inline]
    pub fn __try_each<E>(&self, mut f: impl FnMut(&T) -> Result<(), E>) -> Result<(), E> {
        match self.repr {
            Repr::Slice(s) => {
                for v in s {
                    f(v)?;
                }
            }
            Repr::Wire { .. } => {
                for v in self.iter() {
                    f(&v)?;
                }
            }
        }
        Ok(())
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
    #[inline]
    fn into_iter(self) -> MultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Copy> IntoIterator for &Multi<'a, T> {
    type Item = T;
    type IntoIter = MultiIter<'a, T>;
    #[inline]
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

/// `MultiIter::value_len` when occurrences differ in length: walk the
/// headers.
const WALK: usize = usize::MAX;

/// Iterator over the values of a [`Multi`].
///
/// One flat state for every representation (no enum to dispatch on, and
/// nothing taken by reference out of line), so that the loop it is used in
/// keeps it in registers.
pub struct MultiIter<'a, T> {
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

impl<'a, T: NlaValue<'a> + Copy> Iterator for MultiIter<'a, T> {
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

impl<'a, T: NlaValue<'a> + Copy> ExactSizeIterator for MultiIter<'a, T> {}

/// Records the occurrences of a `Multi` field while a set is decoded
/// (used by derived code; not a stable API).
#[doc(hidden)]
#[derive(Debug)]
pub struct MultiSlots {
    first: usize,
    end: usize,
    len: usize,
    /// The length of every value so far, `usize::MAX` once they differ.
    value_len: usize,
    /// Every occurrence so far directly follows the previous one.
    packed: bool,
}

impl Default for MultiSlots {
    fn default() -> Self {
        Self::new()
    }
}

impl MultiSlots {
    /// An empty record.
    #[inline]
    pub const fn new() -> Self {
        MultiSlots {
            first: 0,
            end: 0,
            len: 0,
            value_len: 0,
            packed: true,
        }
    }

    /// Notes the occurrence `first`, just read from `iter`, and every
    /// occurrence with the same id right after it, which it takes from
    /// `iter`; `check` validates each (decodes it, applies the declared
    /// checks). A malformed header ends the run untouched, for the caller's
    /// loop to report.
    #[inline]
    pub fn take_run<'a>(
        &mut self,
        first: &Attr<'a>,
        iter: &mut AttrIter<'a>,
        mut check: impl FnMut(&Attr<'a>) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        check(first)?;
        let n = first.value.len();
        if self.len == 0 {
            self.first = first.offset;
            self.value_len = n;
        } else {
            if first.offset != self.end {
                self.packed = false;
            }
            if n != self.value_len {
                self.value_len = usize::MAX;
            }
        }
        // The usual run: every header the same as the first (same length,
        // same type bits), so only the value is left to check.
        let mut header = [0u8; NLA_HDRLEN];
        header[..2].copy_from_slice(&((NLA_HDRLEN + n) as u16).to_ne_bytes());
        header[2..].copy_from_slice(&first.raw_type.to_ne_bytes());
        let mut count = 1;
        loop {
            while let Some(a) = iter.next_if_header(header, n) {
                check(&a)?;
                count += 1;
            }
            // Another length or other flag bits, same id.
            let Some(a) = iter.next_if_id(first.id) else {
                break;
            };
            check(&a)?;
            if a.value.len() != n {
                self.value_len = usize::MAX;
            }
            count += 1;
        }
        self.len += count;
        self.end = iter.next_offset();
        Ok(())
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
                layout: match (self.packed, self.value_len) {
                    (false, _) => Layout::Interleaved,
                    (true, usize::MAX) => Layout::Packed,
                    (true, n) => Layout::Uniform(n),
                },
            },
        }
    }

    /// An indexed array (`indexed` field): every child of the nest `attr`,
    /// whatever its id, each validated by `check`.
    #[inline]
    pub fn indexed<'a, T>(
        attr: &Attr<'a>,
        mut check: impl FnMut(&Attr<'a>) -> Result<(), DecodeError>,
    ) -> Result<Multi<'a, T>, DecodeError> {
        let mut iter = AttrIter::with_base(attr.value, attr.value_offset());
        let (mut len, mut value_len) = (0usize, None);
        while let Some(child) = iter.try_next()? {
            check(&child)?;
            len += 1;
            value_len = match value_len {
                None => Some(child.value.len()),
                Some(n) if n == child.value.len() => Some(n),
                Some(_) => Some(usize::MAX),
            };
        }
        Ok(Multi {
            repr: Repr::Wire {
                attrs: attr.value,
                base: attr.value_offset(),
                id: 0,
                len,
                layout: match value_len {
                    Some(usize::MAX) | None => Layout::Packed,
                    Some(n) => Layout::Uniform(n),
                },
            },
        })
    }
}

/// The values of a repeated (`multi`) or indexed-array (`indexed`)
/// attribute, decoded only as they are iterated: one pass over the bytes.
///
/// Decoding the set records where the values are and checks no more than
/// their attribute headers (for an indexed array, not even those);
/// iterating decodes each value, applies the field's declared checks and
/// yields `Result<T, DecodeError>`, the error carrying the same path and
/// offset a [`Multi`] or `Vec` field would have reported at decode time.
/// Choose it for nested sets (validating a nest is decoding it, so a
/// [`Multi`] of nests decodes each one twice) and long strings; a [`Multi`]
/// suits integers, whose validation is a length test. For encoding, build
/// one from a slice with [`LazyMulti::new`].
///
/// ```
/// use genl_core::{AttrSet, Decode, Encode, LazyMulti};
///
/// #[derive(Debug, Clone, Copy, PartialEq, AttrSet)]
/// pub struct Op {
///     #[nla(id = 1)] pub id: u32,
///     #[nla(id = 2)] pub flags: u32,
/// }
///
/// #[derive(Debug, PartialEq, AttrSet)]
/// pub struct Ops<'a> {
///     #[nla(id = 1, indexed)] pub ops: LazyMulti<'a, Op>,
/// }
///
/// let ops = [Op { id: 1, flags: 2 }, Op { id: 2, flags: 6 }];
/// let bytes = Ops { ops: LazyMulti::new(&ops) }.encode_to_vec()?;
/// let got = Ops::decode(&bytes)?;                   // no allocation
/// let mut flags = 0;
/// for op in got.ops.iter() {
///     flags |= op?.flags;                           // errors surface here
/// }
/// assert_eq!(flags, 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LazyMulti<'a, T> {
    repr: LazyRepr<'a, T>,
}

enum LazyRepr<'a, T> {
    Slice(&'a [T]),
    Wire {
        /// The occurrences (for an indexed array: the nest's payload).
        attrs: &'a [u8],
        /// Offset of `attrs` in the outermost decoded buffer.
        base: usize,
        /// `Some(id)`: occurrences of `id` among other attributes; `None`:
        /// every attribute of `attrs`.
        only: Option<u16>,
        /// The set holding the field, and the field's index in it: names
        /// for errors, and the declared checks.
        set: &'static AttrSetSchema,
        index: usize,
        /// Apply the field's declared checks (not for indexed arrays).
        checked: bool,
    },
}

impl<T> Clone for LazyRepr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for LazyRepr<'_, T> {}

impl<T> Clone for LazyMulti<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for LazyMulti<'_, T> {}

impl<'a, T> LazyMulti<'a, T> {
    /// Values to encode, in order.
    pub const fn new(items: &'a [T]) -> Self {
        LazyMulti {
            repr: LazyRepr::Slice(items),
        }
    }

    /// Whether there are no values (for received values: no attributes).
    #[inline]
    pub fn is_empty(&self) -> bool {
        match self.repr {
            LazyRepr::Slice(s) => s.is_empty(),
            LazyRepr::Wire { attrs, .. } => attrs.is_empty(),
        }
    }

    /// The values as a slice, when this was built from one
    /// ([`LazyMulti::new`]); `None` for received values.
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            LazyRepr::Slice(s) => Some(s),
            LazyRepr::Wire { .. } => None,
        }
    }

    /// An indexed array: the children of the nest `attr` (used by derived
    /// code; not a stable API).
    #[doc(hidden)]
    #[inline]
    pub fn __indexed(attr: &Attr<'a>, set: &'static AttrSetSchema, index: usize) -> Self {
        LazyMulti {
            repr: LazyRepr::Wire {
                attrs: attr.value,
                base: attr.value_offset(),
                only: None,
                set,
                index,
                checked: false,
            },
        }
    }

    /// Encodes the values: each slice element through `each(value, w, id)`
    /// (`id`: the field's, or for an indexed array the element's number in
    /// a nest with the field's id); received values are copied as they
    /// came, payload and flag bits (used by derived code; not a stable API).
    #[doc(hidden)]
    #[inline]
    pub fn __encode(
        &self,
        w: &mut AttrWriter<'_>,
        id: u16,
        indexed: bool,
        mut each: impl FnMut(&T, &mut AttrWriter<'_>, u16) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let nest = indexed.then(|| w.begin_nest(id));
        let mut n = 0u16;
        let mut next_id = || {
            n = n.wrapping_add(1);
            if indexed {
                n
            } else {
                id
            }
        };
        let r = match self.repr {
            LazyRepr::Slice(s) => s.iter().try_for_each(|v| each(v, w, next_id())),
            LazyRepr::Wire {
                attrs, base, only, ..
            } => AttrIter::with_base(attrs, base)
                .filter_map(Result::ok)
                .filter(|a| only.is_none_or(|id| a.id == id))
                .try_for_each(|a| w.put(next_id() | (a.raw_type & !NLA_TYPE_MASK), a.value)),
        };
        match (r, nest) {
            (Err(e), Some(nest)) => {
                w.cancel_nest(nest);
                Err(e)
            }
            (Err(e), None) => Err(e),
            (Ok(()), Some(nest)) => w.end_nest(nest),
            (Ok(()), None) => Ok(()),
        }
    }
}

impl<'a, T: NlaValue<'a> + Clone> LazyMulti<'a, T> {
    /// Iterates the values, decoding received ones; the first error ends
    /// the iteration.
    #[inline]
    pub fn iter(&self) -> LazyMultiIter<'a, T> {
        LazyMultiIter {
            repr: match self.repr {
                LazyRepr::Slice(s) => LazyIterRepr::Slice(s.iter()),
                LazyRepr::Wire {
                    attrs,
                    base,
                    only,
                    set,
                    index,
                    checked,
                } => LazyIterRepr::Wire {
                    inner: AttrIter::with_base(attrs, base),
                    only,
                    set,
                    index,
                    checked,
                },
            },
        }
    }
}

impl<'a, T> Default for LazyMulti<'a, T> {
    fn default() -> Self {
        LazyMulti::new(&[])
    }
}

impl<'a, T> From<&'a [T]> for LazyMulti<'a, T> {
    fn from(items: &'a [T]) -> Self {
        LazyMulti::new(items)
    }
}

impl<'a, T> From<&'a Vec<T>> for LazyMulti<'a, T> {
    fn from(items: &'a Vec<T>) -> Self {
        LazyMulti::new(items)
    }
}

impl<'a, T: NlaValue<'a> + Clone> IntoIterator for LazyMulti<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = LazyMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> LazyMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Clone> IntoIterator for &LazyMulti<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = LazyMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> LazyMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Clone + fmt::Debug> fmt::Debug for LazyMulti<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when both yield equal values (an error compares unequal to a
/// value, and equal to the same error).
impl<'a, 'b, T, U> PartialEq<LazyMulti<'b, U>> for LazyMulti<'a, T>
where
    T: NlaValue<'a> + Clone + PartialEq<U>,
    U: NlaValue<'b> + Clone,
{
    fn eq(&self, other: &LazyMulti<'b, U>) -> bool {
        let (mut a, mut b) = (self.iter(), other.iter());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(Ok(x)), Some(Ok(y))) if x == y => {}
                (Some(Err(x)), Some(Err(y))) if x == y => {}
                _ => return false,
            }
        }
    }
}

impl<'a, T: NlaValue<'a> + Clone + Eq> Eq for LazyMulti<'a, T> {}

/// Iterator over the values of a [`LazyMulti`].
pub struct LazyMultiIter<'a, T> {
    repr: LazyIterRepr<'a, T>,
}

enum LazyIterRepr<'a, T> {
    Slice(std::slice::Iter<'a, T>),
    Wire {
        inner: AttrIter<'a>,
        only: Option<u16>,
        set: &'static AttrSetSchema,
        index: usize,
        checked: bool,
    },
}

impl<'a, T: NlaValue<'a> + Clone> Iterator for LazyMultiIter<'a, T> {
    type Item = Result<T, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.repr {
            LazyIterRepr::Slice(s) => s.next().cloned().map(Ok),
            LazyIterRepr::Wire {
                inner,
                only,
                set,
                index,
                checked,
            } => loop {
                let a = match inner.try_next() {
                    Ok(Some(a)) => a,
                    Ok(None) => return None,
                    Err(e) => return Some(Err(lazy_error(e, set, *index))),
                };
                if only.is_some_and(|id| a.id != id) {
                    continue;
                }
                let v = T::decode_attr(&a).and_then(|v| {
                    if *checked {
                        let checks = &set.attrs[*index].checks;
                        if !checks.is_empty() {
                            crate::__private::check_decoded(&v, checks, &a)?;
                        }
                    }
                    Ok(v)
                });
                return Some(v.map_err(|e| {
                    *inner = AttrIter::with_base(&[], 0);
                    lazy_error(e, set, *index)
                }));
            },
        }
    }
}

impl<'a, T: NlaValue<'a> + Clone> std::iter::FusedIterator for LazyMultiIter<'a, T> {}

/// An error met while iterating a [`LazyMulti`], placed in its field.
#[cold]
fn lazy_error(e: DecodeError, set: &'static AttrSetSchema, index: usize) -> DecodeError {
    let field = set.attrs.get(index).map_or("?", |a| a.name);
    e.within(set.name, field)
}

impl MultiSlots {
    /// Notes the occurrence `first`, just read from `iter`, and the run of
    /// occurrences with the same id right after it, without looking at
    /// their values (for a [`LazyMulti`] field).
    #[inline]
    pub fn note_run<'a>(&mut self, first: &Attr<'a>, iter: &mut AttrIter<'a>) {
        let _ = self.take_run(first, iter, |_| Ok(()));
    }

    /// The [`LazyMulti`] field `index` of `set`, over `buf` (decoded with
    /// offsets from `base`).
    #[inline]
    pub fn finish_lazy<'a, T>(
        &self,
        buf: &'a [u8],
        base: usize,
        id: u16,
        set: &'static AttrSetSchema,
        index: usize,
    ) -> LazyMulti<'a, T> {
        if self.len == 0 {
            return LazyMulti::new(&[]);
        }
        let start = self.first - base;
        let end = (self.end - base).min(buf.len());
        LazyMulti {
            repr: LazyRepr::Wire {
                attrs: &buf[start..end],
                base: self.first,
                only: (!self.packed).then_some(id),
                set,
                index,
                checked: true,
            },
        }
    }
}

/// Encodes `items` as an indexed array: a nest whose children are numbered
/// 1..=n (used by derived code; not a stable API).
#[doc(hidden)]
#[inline]
pub fn encode_indexed<'a, T: NlaValue<'a> + Copy>(
    items: &Multi<'a, T>,
    w: &mut AttrWriter<'_>,
    id: u16,
) -> Result<(), EncodeError> {
    let nest = w.begin_nest(id);
    let mut i = 0u16;
    let r = items.__try_each(|item| {
        i = i.wrapping_add(1);
        item.encode_attr(w, i)
    });
    if let Err(e) = r {
        w.cancel_nest(nest);
        return Err(e);
    }
    w.end_nest(nest)
}

#[cfg(test)]
mod tests {
    use super::{LazyMulti, Multi};
    use crate::{AttrSet, Decode, Encode};

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

    #[derive(Debug, AttrSet)]
    struct Lazy<'a> {
        #[nla(id = 1)]
        name: Option<&'a str>,
        #[nla(id = 2, multi)]
        ids: LazyMulti<'a, u16>,
    }

    #[derive(Debug, AttrSet)]
    struct Names<'a> {
        #[nla(id = 2, multi)]
        names: Multi<'a, &'a str>,
    }

    #[derive(Debug, AttrSet)]
    struct Array<'a> {
        #[nla(id = 3, indexed)]
        ports: Multi<'a, u32>,
    }

    /// `nla_nest_start(skb, 3)` holding `nla_put_u32(skb, i, v)` for
    /// i = 1..: the layout of the kernel's indexed arrays.
    fn indexed_u32(values: &[u32]) -> Vec<u8> {
        let len = 4 + 8 * values.len() as u16;
        let mut b = Vec::new();
        b.extend_from_slice(&len.to_ne_bytes());
        b.extend_from_slice(&(3u16 | 0x8000).to_ne_bytes());
        for (i, v) in values.iter().enumerate() {
            b.extend_from_slice(&8u16.to_ne_bytes());
            b.extend_from_slice(&(i as u16 + 1).to_ne_bytes());
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b
    }

    #[test]
    fn an_indexed_multi_decodes_and_encodes_the_kernel_layout() {
        let b = indexed_u32(&[80, 443, 8080]);
        let a = Array::decode(&b).unwrap();
        assert_eq!(a.ports.len(), 3);
        assert_eq!(a.ports.iter().collect::<Vec<_>>(), [80, 443, 8080]);
        let again = Array {
            ports: Multi::new(&[80, 443, 8080]),
        };
        assert_eq!(again.encode_to_vec().unwrap(), b);
        // An element of 2 bytes fails the decode, at its offset.
        let mut bad = b.clone();
        bad[12] = 6;
        let e = Array::decode(&bad).unwrap_err();
        assert_eq!(e.offset(), 12, "{e}");
    }

    #[test]
    fn occurrences_of_different_lengths_iterate_in_order() {
        // `nla_put_string(skb, 2, s)` for "a", "bcdef", "" (lengths 6, 10, 5).
        let mut b = Vec::new();
        b.extend_from_slice(&[6, 0, 2, 0, b'a', 0, 0, 0]);
        b.extend_from_slice(&[10, 0, 2, 0, b'b', b'c', b'd', b'e', b'f', 0, 0, 0]);
        b.extend_from_slice(&[5, 0, 2, 0, 0, 0, 0, 0]);
        let n = Names::decode(&b).unwrap();
        assert_eq!(n.names.iter().collect::<Vec<_>>(), ["a", "bcdef", ""]);
    }

    #[test]
    fn a_lazy_multi_reports_a_bad_occurrence_when_iterated() {
        let mut b = Vec::new();
        u16_attr(&mut b, 1);
        name_attr(&mut b);
        // A u16 attribute of 3 value bytes, at offset 16.
        b.extend_from_slice(&[7, 0, 2, 0, 1, 2, 3, 0]);
        u16_attr(&mut b, 4);
        let s = Lazy::decode(&b).unwrap();
        assert_eq!(s.name, Some("x"));
        let got: Vec<_> = s.ids.iter().collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], Ok(1));
        let e = got[1].clone().unwrap_err();
        assert_eq!(e.offset(), 16, "{e}");
        assert!(e.path().contains("ids"), "{}", e.path());
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
