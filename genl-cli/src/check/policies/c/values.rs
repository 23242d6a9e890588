//! The constants' values: the kernel's integer limits and an evaluator of
//! the constant expressions the generators write.

use std::collections::BTreeMap;

/// The kernel's integer limits (`include/linux/limits.h`), which policies
/// and range structures use.
const LIMITS: &[(&str, i128)] = &[
    ("U8_MAX", u8::MAX as i128),
    ("U16_MAX", u16::MAX as i128),
    ("U32_MAX", u32::MAX as i128),
    ("U64_MAX", u64::MAX as i128),
    ("S8_MIN", i8::MIN as i128),
    ("S8_MAX", i8::MAX as i128),
    ("S16_MIN", i16::MIN as i128),
    ("S16_MAX", i16::MAX as i128),
    ("S32_MIN", i32::MIN as i128),
    ("S32_MAX", i32::MAX as i128),
    ("S64_MIN", i64::MIN as i128),
    ("S64_MAX", i64::MAX as i128),
];

/// The values an integer policy type can carry.
pub(in crate::check::policies) fn type_limits(ty: &str) -> Option<(i128, i128)> {
    let (lo, hi): (i128, i128) = match ty {
        "NLA_U8" => (0, u8::MAX.into()),
        "NLA_U16" | "NLA_BE16" => (0, u16::MAX.into()),
        "NLA_U32" | "NLA_BE32" => (0, u32::MAX.into()),
        "NLA_U64" | "NLA_UINT" | "NLA_MSECS" => (0, u64::MAX.into()),
        "NLA_S8" => (i8::MIN.into(), i8::MAX.into()),
        "NLA_S16" => (i16::MIN.into(), i16::MAX.into()),
        "NLA_S32" => (i32::MIN.into(), i32::MAX.into()),
        "NLA_S64" | "NLA_SINT" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    };
    Some((lo, hi))
}

/// Integer values of the uapi header's constants, and the kernel's limits.
pub(in crate::check::policies) struct Values(BTreeMap<String, i128>);

impl Values {
    /// The constants `m` and [`LIMITS`].
    pub(in crate::check::policies) fn new(mut m: BTreeMap<String, i128>) -> Values {
        for (k, v) in LIMITS {
            m.entry((*k).to_owned()).or_insert(*v);
        }
        Values(m)
    }

    /// Evaluates `a + b - 1`-style expressions of numbers and constants.
    pub(in crate::check::policies) fn eval(&self, e: &[String]) -> Option<i128> {
        let mut total = 0i128;
        let mut sign = 1i128;
        let mut any = false;
        for t in e {
            match t.as_str() {
                "+" => sign = 1,
                "-" => sign = -1,
                "(" | ")" => {}
                t => {
                    let digits = t.trim_end_matches(['U', 'L', 'u', 'l']);
                    let v = if let Some(h) = digits
                        .strip_prefix("0x")
                        .or_else(|| digits.strip_prefix("0X"))
                    {
                        i128::from_str_radix(h, 16).ok()?
                    } else if let Ok(v) = digits.parse() {
                        v
                    } else {
                        *self.0.get(t)?
                    };
                    total = total.checked_add(sign.checked_mul(v)?)?;
                    sign = 1;
                    any = true;
                }
            }
        }
        any.then_some(total)
    }

    /// The value of `e` as text, or `e` itself when it has none.
    pub(in crate::check::policies) fn show(&self, e: &[String]) -> String {
        match self.eval(e) {
            Some(v) => v.to_string(),
            None => e.join(" "),
        }
    }
}
