//! What the model refuses, and what its errors say.

use super::{model, model_err};
use genl_core::schema::{
    AttrSchema, AttrSetSchema, AttrType, ByteOrder, Checks, CommandSchema, EventSchema,
    FamilySchema, OpSchema, Presence,
};
use genl_core::{AttrSet, Family, ValueEnum};

// ---------------------------------------------------------------------------
// 64-bit attributes the kernel sends need a pad attribute.

/// Counters without a pad attribute.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Stats {
    #[nla(id = 1)]
    pub packets: u32,
    #[nla(id = 2)]
    pub bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "stats_demo")]
pub enum StatsCmd {
    #[genl(cmd = 1, reply = Stats)]
    Get,
}

#[test]
fn a_u64_the_kernel_sends_without_a_pad_attribute_is_an_error() {
    assert_eq!(
        model_err(StatsCmd::SCHEMA),
        "family stats_demo: set Stats carries u64 `bytes` from the kernel: declare a pad \
         attribute id, #[genl(pad = N)] (the kernel aligns 64-bit attributes with \
         nla_put_u64_64bit(), which puts a pad attribute before them)"
    );
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "stats_in")]
pub enum StatsInCmd {
    /// Only user space sends the u64: no pad needed, no helper.
    #[genl(cmd = 1, request = Stats)]
    Set,
}

#[test]
fn a_u64_only_user_space_sends_needs_no_pad() {
    let m = model(StatsInCmd::SCHEMA);
    assert!(!m.sets[0].sent_by_kernel);
    assert!(m.sets[0].attrs.iter().all(|a| a.put_helper.is_none()));
}

/// A nest carrying an s64.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Offset {
    #[nla(id = 1)]
    pub ns: Option<i64>,
}

/// An event carrying the nest.
#[derive(AttrSet)]
#[genl(pad = 9)]
#[allow(dead_code)]
pub struct Change {
    #[nla(id = 1, nested)]
    pub offset: Option<Offset>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "chg_demo", mcast_groups("changes"))]
pub enum ChangeCmd {
    #[genl(cmd = 1, reply = Change, event = "changes")]
    Changed,
}

#[test]
fn a_nest_in_an_event_needs_its_own_pad_attribute() {
    let e = model_err(ChangeCmd::SCHEMA);
    assert!(
        e.starts_with(
            "family chg_demo: set Offset carries s64 `ns` from the kernel: declare a pad \
             attribute id, #[genl(pad = N)]"
        ),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Requests.

/// An entry.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Item<'a> {
    #[nla(id = 1)]
    pub name: &'a str,
    #[nla(id = 2)]
    pub size: Option<u32>,
}

/// Another set.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Other {
    #[nla(id = 1)]
    pub size: Option<u32>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "items61")]
pub enum Items61Cmd {
    #[genl(cmd = 1, request = Item<'a>, reply = Item<'a>, dump, dump_request = Other)]
    Get,
}

#[test]
fn do_and_dump_requests_of_different_sets_cannot_share_a_6_1_policy() {
    let e = model_err(Items61Cmd::SCHEMA);
    assert!(
        e.starts_with(
            "family items61: command Get: the do request `genl_codegen::tests::rules::Item` \
             and the dump request `genl_codegen::tests::rules::Other` are not subsets of one \
             set; Linux 6.1 (genl_ops) has one policy per command"
        ),
        "{e}"
    );
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "items_ynl")]
pub enum ItemsYnlCmd {
    #[genl(cmd = 1, request = Item<'a>, reply = Other)]
    Get,
}

#[test]
fn a_command_uses_one_attribute_set() {
    let e = model_err(ItemsYnlCmd::SCHEMA);
    assert!(
        e.contains("a YNL operation has one attribute-set") && e.contains("rules::Other"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Collisions.

const fn attr(name: &'static str, id: u16, ty: AttrType) -> AttrSchema {
    AttrSchema {
        name,
        id,
        ty,
        value_enum: None,
        byte_order: ByteOrder::Host,
        presence: Presence::Optional,
        checks: Checks::NONE,
        doc: "",
    }
}

const fn set(
    name: &'static str,
    path: &'static str,
    attrs: &'static [AttrSchema],
) -> AttrSetSchema {
    AttrSetSchema {
        name,
        path,
        c_prefix: None,
        subset_of: None,
        pad: None,
        attrs,
        doc: "",
    }
}

const fn cmd(name: &'static str, id: u8, request: &'static AttrSetSchema) -> CommandSchema {
    CommandSchema {
        name,
        id,
        do_: Some(OpSchema {
            request: Some(request),
            reply: None,
        }),
        dump: None,
        event: None,
        admin_perm: false,
        doc: "",
    }
}

const fn family(name: &'static str, commands: &'static [CommandSchema]) -> FamilySchema {
    FamilySchema {
        name,
        version: 1,
        c_prefix: None,
        uapi_header: None,
        mcast_groups: &[],
        commands,
        doc: "",
    }
}

/// Two `Entry` types in different modules: `#[derive(Family)]` refuses
/// them when it compiles; a hand-written descriptor reaches the model.
mod a {
    use super::*;
    pub static ENTRY: AttrSetSchema =
        set("Entry", "app::a::Entry", &[attr("key", 1, AttrType::U32)]);
}
mod b {
    use super::*;
    pub static ENTRY: AttrSetSchema = AttrSetSchema {
        c_prefix: Some("TWO_A_OTHER"),
        ..set("Entry", "app::b::Entry", &[attr("id", 1, AttrType::U32)])
    };
}
static TWO_ENTRIES: FamilySchema = family("two", &[cmd("A", 1, &a::ENTRY), cmd("B", 2, &b::ENTRY)]);

#[test]
fn two_root_sets_with_one_name_are_an_error_naming_both_paths() {
    assert_eq!(
        model_err(&TWO_ENTRIES),
        "family two: attribute sets `app::a::Entry` and `app::b::Entry` are both named Entry, \
         so their C and YNL names collide; rename one with #[genl(name = \"...\")]"
    );
}

/// Its default C prefix is `PFX_A_KV_META`…
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct KvMeta {
    #[nla(id = 1)]
    pub state: Option<u32>,
}

/// …which another set declares: the compile-time check compares declared
/// prefixes only, the model compares the prefixes it computes.
#[derive(AttrSet)]
#[genl(c_prefix = "PFX_A_KV_META")]
#[allow(dead_code)]
pub struct Meta {
    #[nla(id = 1)]
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "pfx")]
pub enum PfxCmd {
    #[genl(cmd = 1, request = KvMeta)]
    A,
    #[genl(cmd = 2, request = Meta)]
    B,
}

#[test]
fn two_root_sets_with_one_c_prefix_are_an_error_naming_both_paths() {
    let e = model_err(PfxCmd::SCHEMA);
    assert!(
        e.starts_with(
            "family pfx: attribute sets `genl_codegen::tests::rules::KvMeta` and \
             `genl_codegen::tests::rules::Meta` have the same C prefix PFX_A_KV_META"
        ),
        "{e}"
    );
}

/// Default prefix `VE_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[repr(u32)]
pub enum Mode {
    /// On.
    On = 1,
}

/// Declares `VE_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "VE_MODE")]
#[repr(u32)]
pub enum Kind {
    /// Off.
    Off = 1,
}

/// Carries both.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Both {
    #[nla(id = 1)]
    pub mode: Option<Mode>,
    #[nla(id = 2)]
    pub kind: Option<Kind>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "ve")]
pub enum VeCmd {
    #[genl(cmd = 1, request = Both)]
    Set,
}

#[test]
fn two_value_enums_with_one_c_prefix_are_an_error_naming_both_paths() {
    let e = model_err(VeCmd::SCHEMA);
    assert!(
        e.contains("value enums `genl_codegen::tests::rules::Mode` and `genl_codegen::tests::rules::Kind` have the same C prefix VE_MODE"),
        "{e}"
    );
}

/// An attribute named `max` would collide with the enum's own `_MAX`.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Limits {
    #[nla(id = 1)]
    pub max: u32,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "y")]
pub enum CollideCmd {
    #[genl(cmd = 1, request = Limits)]
    Set,
}

#[test]
fn colliding_c_names_are_an_error() {
    let e = model_err(CollideCmd::SCHEMA);
    assert!(e.contains("C name Y_A_LIMITS_MAX stands for both"), "{e}");
}

/// Nested in `Host`'s request: its policy is `kc_kv_meta_nl_policy`…
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Holder {
    #[nla(id = 1, nested)]
    pub meta: Option<KvMeta>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "kc")]
pub enum KernelCollideCmd {
    #[genl(cmd = 1, request = Holder)]
    Host,
    /// …the name of this command's op policy too.
    #[genl(cmd = 2, request = KvMeta)]
    KvMeta,
}

#[test]
fn colliding_kernel_identifiers_are_an_error() {
    let e = model_err(KernelCollideCmd::SCHEMA);
    assert!(
        e.contains("C name kc_kv_meta_nl_policy stands for both"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Types, names and references.

/// An s8.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Tiny {
    #[nla(id = 1)]
    pub delta: Option<i8>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "tiny")]
pub enum TinyCmd {
    #[genl(cmd = 1, request = Tiny)]
    Set,
}

#[test]
fn types_ynl_cannot_express_are_an_error() {
    // Documentation/netlink/genetlink*.yaml (6.12): attribute types are
    // unused, pad, flag, binary, (bitfield32,) uint, sint, u8, u16, u32,
    // u64, s32, s64, string, nest, indexed-array, nest-type-value.
    assert_eq!(
        model_err(TinyCmd::SCHEMA),
        "family tiny: attribute Tiny.delta: type s8 has no YNL type (YNL has u8, u16, u32, \
         u64, s32 and s64); use i32"
    );
}

/// The derive rejects such a name already; a hand-written descriptor can
/// still carry one.
static LONG: FamilySchema = family("a_much_too_long_family", &[]);

#[test]
fn family_names_longer_than_genl_namsiz_are_an_error() {
    assert!(model_err(&LONG).contains("GENL_NAMSIZ"));
}

static EV_SET: AttrSetSchema = set("Ev", "app::Ev", &[attr("x", 1, AttrType::U32)]);
static EV_GROUP: FamilySchema = family(
    "ev",
    &[CommandSchema {
        name: "Ev",
        id: 1,
        do_: None,
        dump: None,
        event: Some(EventSchema {
            attrs: &EV_SET,
            group: "nowhere",
        }),
        admin_perm: false,
        doc: "",
    }],
);

#[test]
fn an_event_to_an_undeclared_group_is_an_error() {
    assert!(model_err(&EV_GROUP)
        .contains("multicast group \"nowhere\", which the family does not declare"));
}

static ROOT: AttrSetSchema = set("Root", "app::Root", &[attr("x", 1, AttrType::U32)]);
static BAD_SUBSET: AttrSetSchema = AttrSetSchema {
    subset_of: Some(&ROOT),
    ..set("Sub", "app::Sub", &[attr("x", 2, AttrType::U32)])
};
static SUBSET_FAMILY: FamilySchema = family("sub_bad", &[cmd("A", 1, &BAD_SUBSET)]);

#[test]
fn a_subset_must_select_its_roots_attributes_unchanged() {
    assert!(model_err(&SUBSET_FAMILY).contains(
        "subset `app::Sub` has attribute `x`, which its set `app::Root` does not declare with the same id"
    ));
}

static DUP_CMDS: FamilySchema = family("dup", &[cmd("A", 1, &ROOT), cmd("B", 1, &ROOT)]);

#[test]
fn duplicate_command_numbers_are_an_error() {
    assert!(model_err(&DUP_CMDS).contains("commands A and B share number 1"));
}
