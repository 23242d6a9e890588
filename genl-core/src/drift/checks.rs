//! The checks of one attribute as each side states them: how the kernel's
//! type fits the schema's, the integer range or mask the policy dump shows
//! and the values the schema's clients send, and how each is described in a
//! [`Drift`](super::Drift).

use crate::controller::{NlAttrType, PolicyAttr};
use crate::schema::{AttrSchema, AttrType};

/// How the kernel's type of an attribute relates to the schema's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeFit {
    /// The same wire type (`NLA_STRING` and `NLA_NUL_STRING` both carry
    /// genl's NUL-terminated strings).
    Same,
    /// The kernel takes every encoding the schema sends, and more.
    KernelLooser,
    /// The kernel takes some of the encodings the schema sends.
    KernelStricter,
    /// Unrelated types.
    Different,
}

pub(super) fn type_fit(ty: &AttrType, k: Option<NlAttrType>) -> TypeFit {
    use NlAttrType as K;
    let Some(k) = k else {
        return TypeFit::Different;
    };
    match (ty, k) {
        (AttrType::U8, K::U8)
        | (AttrType::U16, K::U16)
        | (AttrType::U32, K::U32)
        | (AttrType::U64, K::U64)
        | (AttrType::S8, K::S8)
        | (AttrType::S16, K::S16)
        | (AttrType::S32, K::S32)
        | (AttrType::S64, K::S64)
        | (AttrType::Uint, K::Uint)
        | (AttrType::Sint, K::Sint)
        | (AttrType::Bitfield32, K::Bitfield32)
        | (AttrType::Flag, K::Flag)
        | (AttrType::String, K::String | K::NulString)
        | (AttrType::Binary, K::Binary)
        | (AttrType::Nested(_), K::Nested)
        | (AttrType::IndexedArray(_), K::NestedArray) => TypeFit::Same,
        // NLA_UINT/NLA_SINT take 4 or 8 bytes; the schema sends one width.
        (AttrType::U32 | AttrType::U64, K::Uint) | (AttrType::S32 | AttrType::S64, K::Sint) => {
            TypeFit::KernelLooser
        }
        // genl sends a uint/sint in 4 bytes when the value fits, else 8;
        // NLA_U32/NLA_U64 (strict) take exactly one width.
        (AttrType::Uint, K::U32 | K::U64) | (AttrType::Sint, K::S32 | K::S64) => {
            TypeFit::KernelStricter
        }
        _ => TypeFit::Different,
    }
}

/// The values of the kernel's integer type `k` (what the dump shows for an
/// integer without a range check).
pub(super) fn full_range(k: NlAttrType) -> Option<(i128, i128)> {
    use NlAttrType as K;
    Some(match k {
        K::U8 => (0, u8::MAX.into()),
        K::U16 => (0, u16::MAX.into()),
        K::U32 => (0, u32::MAX.into()),
        K::U64 | K::Uint => (0, u64::MAX.into()),
        K::S8 => (i8::MIN.into(), i8::MAX.into()),
        K::S16 => (i16::MIN.into(), i16::MAX.into()),
        K::S32 => (i32::MIN.into(), i32::MAX.into()),
        K::S64 | K::Sint => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

pub(super) fn is_signed(k: NlAttrType) -> bool {
    use NlAttrType as K;
    matches!(k, K::S8 | K::S16 | K::S32 | K::S64 | K::Sint)
}

/// An integer check as a policy dump shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueCheck {
    /// `NL_POLICY_TYPE_ATTR_{MIN,MAX}_VALUE_{U,S}`: the full range when the
    /// policy has no range check.
    Range(i128, i128),
    /// `NL_POLICY_TYPE_ATTR_MASK`.
    Mask(u64),
}

/// The values the schema's clients may send in an integer attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Accepted {
    Range(i128, i128),
    /// A value enum's values (not contiguous).
    Values(Vec<i128>),
    /// Any OR of a flags enum's bits.
    Submasks(u64),
}

impl Accepted {
    /// Whether every value accepted here passes the kernel's check `k`.
    pub(super) fn within(&self, k: ValueCheck) -> bool {
        let submask = |v: i128, m: u64| v >= 0 && v <= i128::from(u64::MAX) && (v as u64) & !m == 0;
        match (self, k) {
            (Accepted::Range(lo, hi), ValueCheck::Range(klo, khi)) => klo <= *lo && *hi <= khi,
            (Accepted::Values(v), ValueCheck::Range(klo, khi)) => {
                v.iter().all(|v| klo <= *v && *v <= khi)
            }
            (Accepted::Submasks(m), ValueCheck::Range(klo, khi)) => {
                klo <= 0 && i128::from(*m) <= khi
            }
            (Accepted::Range(lo, hi), ValueCheck::Mask(km)) => {
                if lo > hi {
                    return true;
                }
                if hi - lo < 4096 {
                    return (*lo..=*hi).all(|v| submask(v, km));
                }
                // A long range: a sufficient condition (every value from 0
                // to hi is a submask when km holds every bit below hi's
                // highest); a range failing it is taken as breaking.
                let low = if km == u64::MAX {
                    u64::MAX
                } else {
                    (1u64 << km.trailing_ones()) - 1
                };
                *lo >= 0 && *hi <= i128::from(low)
            }
            (Accepted::Values(v), ValueCheck::Mask(km)) => v.iter().all(|v| submask(*v, km)),
            (Accepted::Submasks(m), ValueCheck::Mask(km)) => m & !km == 0,
        }
    }

    /// The smallest and largest value accepted.
    pub(super) fn bounds(&self) -> (i128, i128) {
        match self {
            Accepted::Range(lo, hi) => (*lo, *hi),
            Accepted::Values(v) => (
                v.iter().copied().min().unwrap_or(0),
                v.iter().copied().max().unwrap_or(0),
            ),
            Accepted::Submasks(m) => (0, i128::from(*m)),
        }
    }
}

/// The kernel's check of an integer attribute of type `k`.
pub(super) fn kernel_value_check(p: &PolicyAttr, k: NlAttrType, full: (i128, i128)) -> ValueCheck {
    if let Some(m) = p.mask {
        return ValueCheck::Mask(m);
    }
    if is_signed(k) {
        ValueCheck::Range(
            p.min_value_s.map_or(full.0, i128::from),
            p.max_value_s.map_or(full.1, i128::from),
        )
    } else {
        ValueCheck::Range(
            p.min_value_u.map_or(full.0, i128::from),
            p.max_value_u.map_or(full.1, i128::from),
        )
    }
}

/// What the dump shows for an integer attribute declared as `a` (of the
/// kernel's type, whose values are `full`), and what the schema's clients
/// send in it.
pub(super) fn schema_value_check(a: &AttrSchema, full: (i128, i128)) -> (ValueCheck, Accepted) {
    let e = a.value_enum.filter(|e| !e.variants.is_empty());
    if let Some(e) = e.filter(|e| e.flags) {
        return (ValueCheck::Mask(e.mask()), Accepted::Submasks(e.mask()));
    }
    let c = &a.checks;
    let values = |lo: i128, hi: i128| -> Option<Vec<i128>> {
        let e = e?;
        Some(
            e.variants
                .iter()
                .map(|v| i128::from(v.value))
                .filter(|v| lo <= *v && *v <= hi)
                .collect(),
        )
    };
    if c.min.is_some() || c.max.is_some() {
        // Declared bounds are the policy's, an enum or not.
        let (lo, hi) = (
            c.min.map_or(full.0, i128::from),
            c.max.map_or(full.1, i128::from),
        );
        let accepted = values(lo, hi).map_or(Accepted::Range(lo, hi), Accepted::Values);
        return (ValueCheck::Range(lo, hi), accepted);
    }
    match e {
        Some(e) => match e.contiguous_range() {
            Some((lo, hi)) => {
                let (lo, hi) = (i128::from(lo), i128::from(hi));
                (ValueCheck::Range(lo, hi), Accepted::Range(lo, hi))
            }
            // The range of its values in the policy (each value checked
            // by the generated checks, which the dump does not show).
            None => {
                let v = values(full.0, full.1).unwrap_or_default();
                match (v.iter().min(), v.iter().max()) {
                    (Some(lo), Some(hi)) => (ValueCheck::Range(*lo, *hi), Accepted::Values(v)),
                    _ => (ValueCheck::Range(full.0, full.1), Accepted::Values(v)),
                }
            }
        },
        None => (
            ValueCheck::Range(full.0, full.1),
            Accepted::Range(full.0, full.1),
        ),
    }
}

pub(super) fn describe_bound(v: i128, type_bound: i128) -> String {
    if v == type_bound {
        "none".to_owned()
    } else {
        v.to_string()
    }
}

pub(super) fn describe_value_check(c: ValueCheck, full: (i128, i128)) -> String {
    match c {
        ValueCheck::Mask(m) => format!("{m:#x}"),
        ValueCheck::Range(lo, hi) if (lo, hi) == full => "none".to_owned(),
        ValueCheck::Range(lo, hi) => format!("the range {lo}..={hi}"),
    }
}

pub(super) fn describe_len(v: Option<u32>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}
