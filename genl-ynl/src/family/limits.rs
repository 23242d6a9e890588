//! The limit names a `checks` entry may use instead of a number (`max:
//! u16-max`), as the YNL schemas (`Documentation/netlink/genetlink*.yaml`)
//! list them: the least and greatest value of every fixed-width integer.

/// Every YNL limit name with its value, in the schemas' order.
pub(crate) const LIMITS: &[(&str, i128)] = &[
    ("u8-min", u8::MIN as i128),
    ("u16-min", u16::MIN as i128),
    ("u32-min", u32::MIN as i128),
    ("u64-min", u64::MIN as i128),
    ("s8-min", i8::MIN as i128),
    ("s16-min", i16::MIN as i128),
    ("s32-min", i32::MIN as i128),
    ("s64-min", i64::MIN as i128),
    ("u8-max", u8::MAX as i128),
    ("u16-max", u16::MAX as i128),
    ("u32-max", u32::MAX as i128),
    ("u64-max", u64::MAX as i128),
    ("s8-max", i8::MAX as i128),
    ("s16-max", i16::MAX as i128),
    ("s32-max", i32::MAX as i128),
    ("s64-max", i64::MAX as i128),
];

/// The value of a YNL limit name (`u32-max`, `s16-min`, …), `None` for
/// any other name.
pub(crate) fn limit_value(name: &str) -> Option<i128> {
    LIMITS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of the kernel's `include/linux/limits.h` (`U8_MAX`,
    /// `S16_MIN`, …), written out, for every name the schemas allow.
    #[test]
    fn every_schema_limit_name_has_its_c_value() {
        let want: &[(&str, i128)] = &[
            ("u8-min", 0),
            ("u8-max", 0xff),
            ("u16-min", 0),
            ("u16-max", 0xffff),
            ("u32-min", 0),
            ("u32-max", 0xffff_ffff),
            ("u64-min", 0),
            ("u64-max", 0xffff_ffff_ffff_ffff),
            ("s8-min", -128),
            ("s8-max", 127),
            ("s16-min", -32_768),
            ("s16-max", 32_767),
            ("s32-min", -2_147_483_648),
            ("s32-max", 2_147_483_647),
            ("s64-min", -9_223_372_036_854_775_808),
            ("s64-max", 9_223_372_036_854_775_807),
        ];
        for &(name, v) in want {
            assert_eq!(limit_value(name), Some(v), "{name}");
        }
        assert_eq!(LIMITS.len(), want.len(), "a name the schemas do not list");
        for bad in ["u128-max", "s8-mid", "u-max", "max", "", "U8-MAX"] {
            assert_eq!(limit_value(bad), None, "{bad}");
        }
    }
}
