//! What derived code calls to build [`Multi`] and [`LazyMulti`] fields
//! while a set is decoded ([`MultiSlots`]), and to encode an indexed array
//! ([`encode_indexed`]). Not a stable API.

use super::lazy::LazyRepr;
use super::{Layout, LazyMulti, Multi, Repr};
use crate::codec::NlaValue;
use crate::error::{DecodeError, EncodeError};
use crate::schema::AttrSetSchema;
use crate::wire::{Attr, AttrIter, AttrWriter, NLA_HDRLEN};
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
