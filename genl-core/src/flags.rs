//! Bit flags: a set of the variants of a flags value enum
//! (`#[derive(ValueEnum)]` with `#[genl(flags)]`), carried in one integer
//! attribute as the OR of their bits.
//!
//! The enum declares each flag once, as a single bit; the code generator
//! renders it as a YNL `flags` definition and a uapi enum of the bit values,
//! and the kernel policy of an attribute carrying it as
//! `NLA_POLICY_MASK(type, <every declared bit>)`, so the kernel rejects a
//! bit the family does not know.
//!
//! ```
//! use genl_core::{AttrSet, Decode, Encode, Flags, ValueEnum};
//!
//! /// What a rule does besides matching.
//! #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
//! #[genl(flags)]
//! #[repr(u32)]
//! pub enum RuleOpt { Log = 1, Count = 2, Oneshot = 4 }
//!
//! #[derive(Debug, PartialEq, AttrSet)]
//! pub struct Rule { #[nla(id = 1)] pub opts: Option<Flags<RuleOpt>> }
//!
//! let r = Rule { opts: Some(RuleOpt::Log | RuleOpt::Oneshot) };
//! let bytes = r.encode_to_vec()?;
//! let back = Rule::decode(&bytes)?;
//! assert_eq!(back.opts.unwrap().bits(), 5);
//! assert!(back.opts.unwrap().contains(RuleOpt::Oneshot));
//! assert_eq!(back.opts.unwrap().iter().collect::<Vec<_>>(), [RuleOpt::Log, RuleOpt::Oneshot]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decoding keeps bits the enum does not declare (a newer kernel may send
//! them): [`Flags::unknown_bits`] reports them, nothing is dropped.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitOr, BitOrAssign};

use crate::codec::{NlaValue, ValueEnum};
use crate::error::{DecodeError, EncodeError};
use crate::schema::{AttrType, ValueEnumSchema};
use crate::wire::{Attr, AttrWriter};

/// A set of flags of the flags value enum `E`, as the bits of one integer
/// attribute (of `E`'s `#[repr]` width).
pub struct Flags<E> {
    bits: u64,
    _enum: PhantomData<fn() -> E>,
}

impl<E> Clone for Flags<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Flags<E> {}
impl<E> PartialEq for Flags<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<E> Eq for Flags<E> {}
impl<E> std::hash::Hash for Flags<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}
impl<E> Default for Flags<E> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<E> Flags<E> {
    /// No flag set.
    pub const fn empty() -> Self {
        Flags {
            bits: 0,
            _enum: PhantomData,
        }
    }

    /// The set with exactly these bits, declared by `E` or not.
    pub const fn from_bits_retain(bits: u64) -> Self {
        Flags {
            bits,
            _enum: PhantomData,
        }
    }

    /// The bits, as carried on the wire.
    pub const fn bits(self) -> u64 {
        self.bits
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }
}

impl<E: ValueEnum> Flags<E> {
    /// The OR of every bit `E` declares.
    pub fn all_bits() -> u64 {
        E::SCHEMA.mask()
    }

    /// Whether `flag` is set.
    pub fn contains(self, flag: E) -> bool {
        let b = flag.to_value();
        b != 0 && self.bits & b == b
    }

    /// Sets `flag`.
    pub fn insert(&mut self, flag: E) {
        self.bits |= flag.to_value();
    }

    /// Clears `flag`.
    pub fn remove(&mut self, flag: E) {
        self.bits &= !flag.to_value();
    }

    /// Bits set that `E` does not declare (sent by a newer peer).
    pub fn unknown_bits(self) -> u64 {
        self.bits & !Self::all_bits()
    }

    /// The declared flags that are set, in `E`'s declaration order.
    pub fn iter(self) -> impl Iterator<Item = E> {
        E::SCHEMA
            .variants
            .iter()
            .filter_map(|v| E::from_value(v.value))
            .filter(move |f| self.contains(*f))
    }
}

impl<E: ValueEnum> From<E> for Flags<E> {
    fn from(flag: E) -> Self {
        Flags::from_bits_retain(flag.to_value())
    }
}

impl<E: ValueEnum> FromIterator<E> for Flags<E> {
    fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
        let mut f = Flags::empty();
        for e in iter {
            f.insert(e);
        }
        f
    }
}

impl<E: ValueEnum> BitOr<E> for Flags<E> {
    type Output = Flags<E>;
    fn bitor(mut self, rhs: E) -> Flags<E> {
        self.insert(rhs);
        self
    }
}

impl<E> BitOr for Flags<E> {
    type Output = Flags<E>;
    fn bitor(self, rhs: Flags<E>) -> Flags<E> {
        Flags::from_bits_retain(self.bits | rhs.bits)
    }
}

impl<E: ValueEnum> BitOrAssign<E> for Flags<E> {
    fn bitor_assign(&mut self, rhs: E) {
        self.insert(rhs);
    }
}

impl<E: ValueEnum + fmt::Debug> fmt::Debug for Flags<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Flags(")?;
        let mut first = true;
        for flag in self.iter() {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{flag:?}")?;
            first = false;
        }
        let unknown = self.unknown_bits();
        if unknown != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{unknown:#x}")?;
        }
        f.write_str(")")
    }
}

impl<'a, E: ValueEnum + NlaValue<'a>> NlaValue<'a> for Flags<E> {
    const TYPE: AttrType = E::TYPE;
    const VALUE_ENUM: Option<&'static ValueEnumSchema> = Some(E::SCHEMA);

    #[inline]
    fn encode_attr(&self, w: &mut AttrWriter<'_>, id: u16) -> Result<(), EncodeError> {
        let b = self.bits;
        match E::TYPE.int_size() {
            Some(1) => w.put_fixed(id, (b as u8).to_ne_bytes()),
            Some(2) => w.put_fixed(id, (b as u16).to_ne_bytes()),
            Some(4) => w.put_fixed(id, (b as u32).to_ne_bytes()),
            _ => w.put_fixed(id, b.to_ne_bytes()),
        }
        Ok(())
    }

    #[inline]
    fn decode_attr(attr: &Attr<'a>) -> Result<Self, DecodeError> {
        let bits = match E::TYPE.int_size() {
            Some(1) => u64::from(u8::from_ne_bytes(attr.fixed::<1>()?)),
            Some(2) => u64::from(u16::from_ne_bytes(attr.fixed::<2>()?)),
            Some(4) => u64::from(u32::from_ne_bytes(attr.fixed::<4>()?)),
            _ => u64::from_ne_bytes(attr.fixed::<8>()?),
        };
        Ok(Flags::from_bits_retain(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::AttrIter;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, crate::ValueEnum)]
    #[genl(flags)]
    #[repr(u16)]
    enum Opt {
        A = 1,
        B = 2,
        C = 8,
    }

    #[test]
    fn flags_are_the_or_of_their_bits_in_the_repr_width() {
        let f = Opt::A | Opt::C;
        assert_eq!(f.bits(), 9);
        let mut buf = Vec::new();
        f.encode_attr(&mut AttrWriter::new(&mut buf), 3).unwrap();
        // nla_len 6 (4 + u16), type 3, 0x0009 in host order, 2 bytes of pad.
        let mut want = vec![6, 0, 3, 0];
        want.extend_from_slice(&9u16.to_ne_bytes());
        want.extend_from_slice(&[0, 0]);
        assert_eq!(buf, want);
        let a = AttrIter::new(&buf).next().unwrap().unwrap();
        let back = Flags::<Opt>::decode_attr(&a).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.iter().collect::<Vec<_>>(), [Opt::A, Opt::C]);
    }

    #[test]
    fn unknown_bits_are_kept_and_shown() {
        let f = Flags::<Opt>::from_bits_retain(0x8001 | 2);
        assert_eq!(f.unknown_bits(), 0x8000);
        assert_eq!(Flags::<Opt>::all_bits(), 0b1011);
        assert_eq!(format!("{f:?}"), "Flags(A | B | 0x8000)");
        assert!(!f.contains(Opt::C));
    }

    #[test]
    fn the_schema_says_flags_and_its_mask() {
        let s = <Opt as ValueEnum>::SCHEMA;
        assert!(s.flags);
        assert_eq!(s.mask(), 11);
        assert_eq!(
            <Flags<Opt> as NlaValue<'_>>::VALUE_ENUM.map(|e| e.name),
            Some("Opt")
        );
    }
}
