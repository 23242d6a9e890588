//! `genl check` on genl's own output, end to end: families of shapes the
//! examples do not have are rendered by genl-codegen here, then checked
//! with the kernel's real tools (checkpatch, the YNL schema, Linux 6.12's
//! ynl-gen-c from the cache, gcc) exactly as `genl check` runs them. Each
//! must pass with nothing allowed by the project, and the differences by
//! design it meets are the expected classes.

use std::collections::BTreeSet;

use genl_core::{AttrSet, Family, Flags, ValueEnum};

use super::*;

/// A value enum whose values are not contiguous, in a `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[repr(u32)]
pub enum Sparse {
    /// One.
    One = 1,
    /// Five.
    Five = 5,
}

/// Flags whose bits are not contiguous (bit numbers 0 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[genl(flags)]
#[repr(u32)]
pub enum Bits {
    /// Bit 0.
    Low = 1,
    /// Bit 2.
    High = 4,
}

/// A nested set.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Inner {
    /// A.
    #[nla(id = 1, max = 10)]
    pub a: u32,
    /// B.
    #[nla(id = 2)]
    pub b: Option<u32>,
}

/// The do's view of [`Inner`].
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Inner)]
pub struct InnerA {
    /// A.
    pub a: u32,
}

/// The dump's view of [`Inner`].
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Inner)]
pub struct InnerB {
    /// B.
    pub b: Option<u32>,
}

/// Every shape at once.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Item<'a> {
    /// An id.
    #[nla(id = 1, min = 1)]
    pub id: u32,
    /// A nest.
    #[nla(id = 2)]
    pub inner: Option<Inner>,
    /// Bytes with a lone minimum length.
    #[nla(id = 3, min_len = 4)]
    pub blob: Option<&'a [u8]>,
    /// A one-sided bound beyond s16.
    #[nla(id = 4, min = 100000)]
    pub big: Option<u32>,
    /// A one-sided signed bound beyond s16.
    #[nla(id = 5, max = 100000)]
    pub neg: Option<i32>,
    /// An indexed array of scalars.
    #[nla(id = 6, indexed)]
    pub list: Vec<u32>,
    /// A big-endian port.
    #[nla(id = 7, be)]
    pub port: Option<u16>,
    /// A sparse enum.
    #[nla(id = 8)]
    pub sparse: Option<Sparse>,
    /// Sparse flags.
    #[nla(id = 9)]
    pub bits: Option<Flags<Bits>>,
    /// A string with a minimum length.
    #[nla(id = 10, min_len = 2, max_len = 10)]
    pub name: Option<&'a str>,
    /// A repeated integer.
    #[nla(id = 11, multi)]
    pub many: Vec<u32>,
}

/// GET's do request: `inner` seen as [`InnerA`].
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Item)]
pub struct ItemKey {
    /// The id.
    pub id: u32,
    /// A nest, seen through a view.
    pub inner: Option<InnerA>,
}

/// GET's dump request: `inner` seen as [`InnerB`].
#[derive(Debug, Clone, PartialEq, Eq, Default, AttrSet)]
#[genl(subset_of = Item)]
pub struct ItemFilter {
    /// A nest, seen through another view.
    pub inner: Option<InnerB>,
    /// A bound.
    pub big: Option<u32>,
}

/// The commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "gcklive", version = 1)]
pub enum LiveCmd {
    /// The do and the dump see `inner` through different views.
    #[genl(cmd = 1, request = ItemKey, reply = Item<'a>, dump, dump_request = ItemFilter)]
    Get,
    /// Every attribute.
    #[genl(cmd = 2, request = Item<'a>, admin_perm)]
    Set,
    /// A dump without a request.
    #[genl(cmd = 3, reply = Item<'a>, dump_only)]
    List,
    /// A do without a request, whose dump has one.
    #[genl(cmd = 4, reply = Item<'a>, dump, dump_request = ItemFilter)]
    Ping,
}

/// A set named as its family (ynl-gen-c names its nested policy
/// `<family>_nl_policy`), nested in another, in an indexed array, and an
/// operation's own; an event.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Gckfam {
    /// X.
    #[nla(id = 1)]
    pub x: u32,
    /// Y.
    #[nla(id = 2, max = 8)]
    pub y: Option<u16>,
}

/// The outer set.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Outer {
    /// The nest.
    #[nla(id = 1)]
    pub fam: Option<Gckfam>,
    /// Elements.
    #[nla(id = 2, indexed)]
    pub elems: Vec<Gckfam>,
}

/// The commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "gckfam", version = 2, mcast_groups("news"))]
pub enum FamCmd {
    /// A do.
    #[genl(cmd = 1, request = Outer, reply = Outer)]
    Put,
    /// An event.
    #[genl(cmd = 2, reply = Outer, event = "news")]
    News,
    /// The nested set as an operation's own.
    #[genl(cmd = 3, request = Gckfam, admin_perm)]
    Set,
}

/// Renders `family` into a work directory and runs `genl check`'s steps on
/// it, nothing allowed; returns the kernel comparison's report.
fn check_rendered(family: &'static genl_core::schema::FamilySchema) -> PolicyReport {
    let files = genl_codegen::render(family, &genl_codegen::Options::new("genl generate")).unwrap();
    let work = ynl::WorkDir::new(
        std::env::temp_dir().join(format!(
            "genl-ynl-live-{}-{}",
            family.name,
            std::process::id()
        )),
        false,
    )
    .unwrap();
    for f in &files {
        let p = work.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.contents).unwrap();
    }
    let dir = work.path();
    let name = family.name;
    let (spec, uapi) = (
        dir.join(format!("{name}.yaml")),
        dir.join(format!("include/uapi/linux/{name}.h")),
    );
    let (c, h) = (
        dir.join(format!("{name}-nl.c")),
        dir.join(format!("{name}-nl.h")),
    );
    let none = CheckOptions::default();
    checkpatch(dir, &mut |_| {}).unwrap();
    ynl_validate(&spec, &mut |_| {}).unwrap();
    ynl_gen_c_compare_with(&spec, &uapi, &none, &mut |_| {}).unwrap();
    let r = ynl_gen_c_policies_with(&spec, &c, &h, &uapi, &none, &mut |_| {}).unwrap();
    assert!(r.user_allowed.is_empty() && r.differences.is_empty());
    r
}

#[test]
fn a_set_named_as_its_family_nested_and_in_an_indexed_array() {
    let r = check_rendered(<FamCmd as genl_core::Family>::SCHEMA);
    assert!(r.entries >= 4, "{}", r.entries);
}

#[test]
fn genl_check_passes_on_genls_output_of_every_shape() {
    let r = check_rendered(<LiveCmd as genl_core::Family>::SCHEMA);
    let kinds: BTreeSet<Allowed> = r.allowed.iter().map(|(a, _)| *a).collect();
    for k in [
        Allowed::NoncontiguousEnum,
        Allowed::BigEndianType,
        Allowed::StringMinLenFn,
        Allowed::NotRenderedByYnlGenC,
        Allowed::BinaryMinLenUnspec,
        Allowed::FullRangeOneSided,
        Allowed::LegacyUnionOps,
        Allowed::NestedView,
    ] {
        assert!(kinds.contains(&k), "{k:?} not met: {:#?}", r.allowed);
    }
    // The do and the dump of GET see `inner` through different views: the
    // < 6.2 union takes the set's own, and each op validates it again.
    let union = r
        .allowed
        .iter()
        .find(|(a, w)| *a == Allowed::LegacyUnionOps && w.starts_with("genl_ops cmd 1:"))
        .map(|(_, w)| w.clone())
        .unwrap();
    assert!(union.contains("validates nests again with"), "{union}");
}
