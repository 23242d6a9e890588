//! What derived code calls for [`CheckedMulti`] and [`DeferredMulti`] fields: to
//! build them while a set is decoded ([`MultiSlots`], [`deferred_indexed`]),
//! and to encode them ([`multi_try_each`], [`encode_multi_indexed`],
//! [`deferred_encode`]). Reached through `genl_core::__private`; not a stable
//! API.

use super::deferred::DeferredRepr;
use super::{CheckedMulti, DeferredMulti, Layout, Repr};
use crate::codec::{Keyed, NlaValue};
use crate::error::{DecodeError, EncodeError};
use crate::schema::AttrSetSchema;
use crate::schema::AttrType;
use crate::wire::{Attr, AttrIter, AttrWriter, NLA_HDRLEN, NLA_TYPE_MASK};

/// Records the occurrences of a `CheckedMulti` field while a set is decoded.
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
    pub fn finish<'a, T>(&self, buf: &'a [u8], base: usize, id: u16) -> CheckedMulti<'a, T> {
        if self.len == 0 {
            return CheckedMulti::new(&[]);
        }
        let start = self.first - base;
        let end = (self.end - base).min(buf.len());
        CheckedMulti {
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
    ) -> Result<CheckedMulti<'a, T>, DecodeError> {
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
        Ok(CheckedMulti {
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
    /// their values (for a [`DeferredMulti`] field).
    #[inline]
    pub fn note_run<'a>(&mut self, first: &Attr<'a>, iter: &mut AttrIter<'a>) {
        let _ = self.take_run(first, iter, |_| Ok(()));
    }

    /// The [`DeferredMulti`] field `index` of `set`, over `buf` (decoded with
    /// offsets from `base`).
    #[inline]
    pub fn finish_deferred<'a, T>(
        &self,
        buf: &'a [u8],
        base: usize,
        id: u16,
        set: &'static AttrSetSchema,
        index: usize,
    ) -> DeferredMulti<'a, T> {
        if self.len == 0 {
            return DeferredMulti::new(&[]);
        }
        let start = self.first - base;
        let end = (self.end - base).min(buf.len());
        DeferredMulti {
            repr: DeferredRepr::Wire {
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

/// Calls `f` on every value of `items`, stopping at its first error: the
/// loop the derived encoders run (one test of the representation, then a
/// plain loop over a slice).
#[inline]
pub fn multi_try_each<'a, T: NlaValue<'a> + Copy, E>(
    items: &CheckedMulti<'a, T>,
    mut f: impl FnMut(&T) -> Result<(), E>,
) -> Result<(), E> {
    match items.repr {
        Repr::Slice(s) => {
            for v in s {
                f(v)?;
            }
        }
        Repr::Wire { .. } => {
            for v in items.iter() {
                f(&v)?;
            }
        }
    }
    Ok(())
}

/// Encodes `items` as a multi attribute, each element one attribute with
/// `id` (what the derived encoders call for a field without checks: a
/// borrowed slice goes to [`NlaValue::encode_each`] whole).
#[inline]
pub fn encode_multi<'a, T: NlaValue<'a> + Copy>(
    items: &CheckedMulti<'a, T>,
    w: &mut AttrWriter<'_>,
    id: u16,
) -> Result<(), EncodeError> {
    match items.repr {
        Repr::Slice(s) => T::encode_each(s, w, id),
        Repr::Wire { .. } => {
            for v in items.iter() {
                v.encode_attr(w, id)?;
            }
            Ok(())
        }
    }
}

/// Encodes `items` as an indexed array: a nest whose children are numbered
/// 1..=n.
#[inline]
pub fn encode_multi_indexed<'a, T: NlaValue<'a> + Copy>(
    items: &CheckedMulti<'a, T>,
    w: &mut AttrWriter<'_>,
    id: u16,
) -> Result<(), EncodeError> {
    let nest = w.begin_nest(id);
    let mut i = 0u16;
    let r = multi_try_each(items, |item| {
        i = i.wrapping_add(1);
        item.encode_attr(w, i)
    });
    if let Err(e) = r {
        w.cancel_nest(nest);
        return Err(e);
    }
    w.end_nest(nest)
}

/// The [`DeferredMulti`] indexed array field `index` of `set`: the children of
/// the nest `attr`, not looked at until iterated.
#[inline]
pub fn deferred_indexed<'a, T>(
    attr: &Attr<'a>,
    set: &'static AttrSetSchema,
    index: usize,
) -> DeferredMulti<'a, T> {
    DeferredMulti {
        repr: DeferredRepr::Wire {
            attrs: attr.value,
            base: attr.value_offset(),
            only: None,
            set,
            index,
            checked: false,
        },
    }
}

/// Encodes a [`DeferredMulti`] field: each slice element through
/// `each(value, w, id)` (`id`: the field's, or for an indexed array the
/// element's number in a nest with the field's id); received values are
/// copied as they came, payload and flag bits.
#[inline]
pub fn deferred_encode<T>(
    items: &DeferredMulti<'_, T>,
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
    let r = match items.repr {
        DeferredRepr::Slice(s) => s.iter().try_for_each(|v| each(v, w, next_id())),
        DeferredRepr::Wire {
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

/// A nest of keyed children as one value, borrowed: every child is checked
/// when the nest is decoded, and decoded again, without allocating, as it
/// is iterated (the [`Vec<Keyed<T>>`] value without the vector).
impl<'a, T: NlaValue<'a> + Copy> NlaValue<'a> for CheckedMulti<'a, Keyed<T>> {
    const TYPE: AttrType = AttrType::IndexedArray(&T::TYPE);
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        encode_multi_indexed(self, w, id)
    }
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        MultiSlots::indexed(attr, |child| T::decode_attr(child).map(drop))
    }
}
