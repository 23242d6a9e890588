//! Schema descriptors: `const` data that the derives emit beside the codec.
//!
//! Every generator (C headers, YNL spec, drift check against the running
//! kernel's policy, extack path resolution) reads only these descriptors, so
//! nothing about a family is written twice. They are plain `'static` data: no
//! allocation, usable in `const` context — `#[derive(Family)]` checks a
//! whole family at compile time (the sets and value enums it reaches must
//! not share a name or a C prefix).
//!
//! # Identity
//!
//! A set is identified by its Rust [`path`](AttrSetSchema::path)
//! (`my_crate::a::Entry`), never by its type name alone: two `Entry` types in
//! different modules are two sets, and a family that reaches both under the
//! same [`name`](AttrSetSchema::name) is a compile error naming both paths
//! (their C and YNL names would collide). A *subset*
//! ([`subset_of`](AttrSetSchema::subset_of)) is a per-operation view of
//! another set: the same attributes (ids, types, checks declared once), a
//! selection of them, each required or not.
//!
//! Sets reference their nested sets directly (`&'static`), so schemas are
//! acyclic: a set cannot nest itself, directly or through others.

mod attr;
mod family;
mod set;
mod value_enum;
pub(crate) mod verify;

pub use attr::{AttrSchema, AttrType, ByteOrder, Checks, Presence};
pub use family::{CommandSchema, EventSchema, FamilySchema, OpSchema};
pub use set::AttrSetSchema;
pub use value_enum::{EnumVariant, ValueEnumSchema};

/// Byte-wise string equality, usable in `const` context.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
