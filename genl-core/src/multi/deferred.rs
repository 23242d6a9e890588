//! [`DeferredMulti`]: a repeated or indexed-array attribute field whose values
//! are decoded, and checked, only as they are iterated.

use std::fmt;

use crate::codec::NlaValue;
use crate::error::DecodeError;
use crate::schema::AttrSetSchema;
use crate::wire::AttrIter;

#[cfg(doc)]
use super::CheckedMulti;
/// The values of a repeated (`multi`) or indexed-array (`indexed`)
/// attribute, borrowed and checked only as they are iterated (checks
/// deferred from the set's decode): one pass over the bytes.
///
/// Decoding the set records where the values are and checks no more than
/// their attribute headers (for an indexed array, not even those);
/// iterating decodes each value, applies the field's declared checks and
/// yields `Result<T, DecodeError>`, the error carrying the same path and
/// offset a [`CheckedMulti`] or `Vec` field would have reported at decode time.
/// Choose it for nested sets (validating a nest is decoding it, so a
/// [`CheckedMulti`] of nests decodes each one twice) and long strings; a [`CheckedMulti`]
/// suits integers, whose validation is a length test. For encoding, build
/// one from a slice with [`DeferredMulti::new`].
///
/// ```
/// use genl_core::{AttrSet, Decode, Encode, DeferredMulti};
///
/// #[derive(Debug, Clone, Copy, PartialEq, AttrSet)]
/// pub struct Op {
///     #[nla(id = 1)] pub id: u32,
///     #[nla(id = 2)] pub flags: u32,
/// }
///
/// #[derive(Debug, PartialEq, AttrSet)]
/// pub struct Ops<'a> {
///     #[nla(id = 1, indexed)] pub ops: DeferredMulti<'a, Op>,
/// }
///
/// let ops = [Op { id: 1, flags: 2 }, Op { id: 2, flags: 6 }];
/// let bytes = Ops { ops: DeferredMulti::new(&ops) }.encode_to_vec()?;
/// let got = Ops::decode(&bytes)?;                   // no allocation
/// let mut flags = 0;
/// for op in got.ops.iter() {
///     flags |= op?.flags;                           // errors surface here
/// }
/// assert_eq!(flags, 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DeferredMulti<'a, T> {
    pub(super) repr: DeferredRepr<'a, T>,
}

pub(super) enum DeferredRepr<'a, T> {
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

impl<T> Clone for DeferredRepr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for DeferredRepr<'_, T> {}

impl<T> Clone for DeferredMulti<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for DeferredMulti<'_, T> {}

impl<'a, T> DeferredMulti<'a, T> {
    /// Values to encode, in order.
    pub const fn new(items: &'a [T]) -> Self {
        DeferredMulti {
            repr: DeferredRepr::Slice(items),
        }
    }

    /// Whether there are no values (for received values: no attributes).
    #[inline]
    pub fn is_empty(&self) -> bool {
        match self.repr {
            DeferredRepr::Slice(s) => s.is_empty(),
            DeferredRepr::Wire { attrs, .. } => attrs.is_empty(),
        }
    }

    /// The values as a slice, when this was built from one
    /// ([`DeferredMulti::new`]); `None` for received values.
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            DeferredRepr::Slice(s) => Some(s),
            DeferredRepr::Wire { .. } => None,
        }
    }
}

impl<'a, T: NlaValue<'a> + Clone> DeferredMulti<'a, T> {
    /// Iterates the values, decoding received ones; the first error ends
    /// the iteration.
    #[inline]
    pub fn iter(&self) -> DeferredMultiIter<'a, T> {
        DeferredMultiIter {
            repr: match self.repr {
                DeferredRepr::Slice(s) => DeferredIterRepr::Slice(s.iter()),
                DeferredRepr::Wire {
                    attrs,
                    base,
                    only,
                    set,
                    index,
                    checked,
                } => DeferredIterRepr::Wire {
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

impl<'a, T> Default for DeferredMulti<'a, T> {
    fn default() -> Self {
        DeferredMulti::new(&[])
    }
}

impl<'a, T> From<&'a [T]> for DeferredMulti<'a, T> {
    fn from(items: &'a [T]) -> Self {
        DeferredMulti::new(items)
    }
}

impl<'a, T> From<&'a Vec<T>> for DeferredMulti<'a, T> {
    fn from(items: &'a Vec<T>) -> Self {
        DeferredMulti::new(items)
    }
}

impl<'a, T: NlaValue<'a> + Clone> IntoIterator for DeferredMulti<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = DeferredMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> DeferredMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Clone> IntoIterator for &DeferredMulti<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = DeferredMultiIter<'a, T>;
    #[inline]
    fn into_iter(self) -> DeferredMultiIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: NlaValue<'a> + Clone + fmt::Debug> fmt::Debug for DeferredMulti<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when both yield equal values (an error compares unequal to a
/// value, and equal to the same error).
impl<'a, 'b, T, U> PartialEq<DeferredMulti<'b, U>> for DeferredMulti<'a, T>
where
    T: NlaValue<'a> + Clone + PartialEq<U>,
    U: NlaValue<'b> + Clone,
{
    fn eq(&self, other: &DeferredMulti<'b, U>) -> bool {
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

impl<'a, T: NlaValue<'a> + Clone + Eq> Eq for DeferredMulti<'a, T> {}

/// Iterator over the values of a [`DeferredMulti`].
pub struct DeferredMultiIter<'a, T> {
    repr: DeferredIterRepr<'a, T>,
}

enum DeferredIterRepr<'a, T> {
    Slice(std::slice::Iter<'a, T>),
    Wire {
        inner: AttrIter<'a>,
        only: Option<u16>,
        set: &'static AttrSetSchema,
        index: usize,
        checked: bool,
    },
}

impl<'a, T: NlaValue<'a> + Clone> Iterator for DeferredMultiIter<'a, T> {
    type Item = Result<T, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.repr {
            DeferredIterRepr::Slice(s) => s.next().cloned().map(Ok),
            DeferredIterRepr::Wire {
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

impl<'a, T: NlaValue<'a> + Clone> std::iter::FusedIterator for DeferredMultiIter<'a, T> {}

/// An error met while iterating a [`DeferredMulti`], placed in its field.
#[cold]
fn lazy_error(e: DecodeError, set: &'static AttrSetSchema, index: usize) -> DecodeError {
    let field = set.attrs.get(index).map_or("?", |a| a.name);
    e.within(set.name, field)
}
