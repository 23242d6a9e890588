//! A value enum ([`ValueEnumSchema`]): the C-like enum, or flags enum,
//! carried in an integer attribute.

/// One variant of a value enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumVariant {
    /// The Rust variant name.
    pub name: &'static str,
    /// Its numeric value.
    pub value: u64,
    /// Doc comment.
    pub doc: &'static str,
}

/// A C-like enum carried in an integer attribute.
#[derive(Debug, PartialEq, Eq)]
pub struct ValueEnumSchema {
    /// The Rust type name.
    pub name: &'static str,
    /// The Rust path of the type: the enum's identity.
    pub path: &'static str,
    /// Prefix of the C constants, if declared.
    pub c_prefix: Option<&'static str>,
    /// The variants, in declaration order.
    pub variants: &'static [EnumVariant],
    /// A flags enum (`#[genl(flags)]`): each variant is one bit, and an
    /// attribute carries any OR of them ([`Flags`](crate::Flags)).
    pub flags: bool,
    /// Doc comment.
    pub doc: &'static str,
}

impl ValueEnumSchema {
    /// The OR of every variant's value (for a flags enum: every declared
    /// bit).
    pub const fn mask(&self) -> u64 {
        let mut m = 0;
        let mut i = 0;
        while i < self.variants.len() {
            m |= self.variants[i].value;
            i += 1;
        }
        m
    }

    /// Whether the values are contiguous (`lo..=hi` with every value
    /// between declared): a range check can then validate them. `None` for
    /// an enum without variants.
    pub fn contiguous_range(&self) -> Option<(u64, u64)> {
        let mut v: Vec<u64> = self.variants.iter().map(|v| v.value).collect();
        v.sort_unstable();
        v.dedup();
        let (lo, hi) = (*v.first()?, *v.last()?);
        (hi - lo + 1 == v.len() as u64).then_some((lo, hi))
    }
}
