//! The family model: one parsed, validated view of a family's schema that
//! every renderer reads (in the spirit of the kernel's `ynl-gen-c.py`: one
//! parsed family, many renderers).
//!
//! [`FamilyModel::new`] walks the schema descriptors once, computes the
//! names of the family's parts (C constants and identifiers, YNL names),
//! and checks the rules below; the renderers ([`uapi`](crate::uapi),
//! [`kernel`](crate::kernel), [`ynl_spec`](crate::ynl_spec)) then only format what
//! they are given and cannot fail. The model knows nothing of kernel C
//! policies: lowering its requests to `nla_policy` arrays and generated
//! checks, with the rules that need it (what a policy cannot express,
//! every C identifier defined once), comes after it, and [`crate::lower`]
//! runs both steps, as the kernel's `ynl-gen-c.py` renders C from a
//! parsed family.
//!
//! # Attribute sets
//!
//! A set is identified by its Rust path. The C and YNL outputs have one
//! attribute set per *root* set: a subset (`#[genl(subset_of = Parent)]`)
//! renders as its root, and only decides which attributes one operation
//! accepts ([`AttrList`]) and which of them it requires.
//!
//! # Naming
//!
//! - Family prefix `P`: the family's `c_prefix`, or its name in capitals
//!   (`-` becomes `_`); its lower-case form `p` prefixes C identifiers.
//! - Commands: `P_CMD_<VARIANT>` (`KvSet` → `GENL_DEMO_CMD_KV_SET`).
//! - Attribute sets: `<set prefix>_<FIELD>`; the set prefix is the root
//!   set's `c_prefix`, or `P_A_<TYPE>` (`KvMeta` → `GENL_DEMO_A_KV_META`).
//!   The pad attribute is `<set prefix>_PAD`.
//! - Value enums: `enum <prefix lower-case>` with constants
//!   `<prefix>_<VARIANT>`; the prefix is the enum's `c_prefix` or `P_<TYPE>`.
//! - Multicast groups: `P_MCGRP_<NAME>` (the name string, uapi) and
//!   `P_NLGRP_<NAME>` (the index into the family's group array, kernel).
//! - Kernel: handlers `p_nl_<cmd>_doit` / `p_nl_<cmd>_dumpit` (the module
//!   implements them), required-attribute checks `p_nl_<cmd>_doit_checked`,
//!   op policies `p_<cmd>_nl_policy` (`p_<cmd>_do_nl_policy` and
//!   `p_<cmd>_dump_nl_policy` when the do and dump requests differ), nested
//!   policies `p_<set>_nl_policy`, pad helpers `p_nl_put_<set>_<attr>`,
//!   `p_nl_ops`, `p_nl_mcgrps`, `p_nl_family`.
//!
//! # Rules
//!
//! Beyond names being C identifiers and ids being in range, the model
//! refuses:
//! - two different root sets (or value enums) with one name or C prefix,
//!   naming both Rust paths;
//! - a set the kernel sends (a reply, a dumped message, an event, or a nest
//!   in one) with a `u64`/`s64` attribute but no pad attribute;
//! - do and dump requests of one command that are not views of the same
//!   root set (Linux 6.1's `genl_ops` has one policy per command);
//! - a command whose sets are not views of one root set (a YNL operation
//!   has one `attribute-set`);
//! - attribute types and checks YNL cannot express.

use std::collections::{BTreeMap, BTreeSet};

use genl_core::schema::{
    AttrSchema, AttrSetSchema, AttrType, ByteOrder, CommandSchema, EnumVariant, FamilySchema,
    ValueEnumSchema,
};

use crate::names::{c_upper, kebab, screaming, snake};
use crate::CodegenError;

mod build;
mod commands;

fn err<T>(msg: impl Into<String>) -> Result<T, CodegenError> {
    Err(CodegenError::new(msg))
}

/// The longest family or multicast group name (`GENL_NAMSIZ - 1`), from
/// [`genl_rules::limits`].
pub use genl_rules::limits::GENL_NAME_MAX;
/// The longest C identifier the generator writes (C99's significant length
/// of internal identifiers).
pub const MAX_C_NAME: usize = 63;
/// The largest attribute id (`NLA_TYPE_MASK`: the type without the
/// `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` bits), from
/// [`genl_rules::limits`].
pub use genl_rules::limits::MAX_ATTR_ID;

/// Index of a root attribute set in [`FamilyModel::sets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetId(pub usize);

/// Index of a value enum in [`FamilyModel::enums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumId(pub usize);

/// A multicast group.
#[derive(Debug, Clone)]
pub struct Group {
    /// The group name.
    pub name: &'static str,
    /// `P_MCGRP_<NAME>`: the uapi define of the name.
    pub mcgrp_define: String,
    /// `P_NLGRP_<NAME>`: the group's index in the kernel's group array.
    pub nlgrp: String,
    /// Whether YNL's default define name differs from ours (the spec then
    /// names it: `c-define-name`, genetlink-c).
    pub ynl_define_explicit: bool,
}

/// One variant of a value enum.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The schema.
    pub schema: &'static EnumVariant,
    /// The C constant (`GENL_DEMO_STATE_ACTIVE`).
    pub c_name: String,
    /// The YNL entry name (`active`).
    pub ynl_name: String,
}

/// A value enum with its C and YNL names.
#[derive(Debug, Clone)]
pub struct ValueEnum {
    /// The schema.
    pub schema: &'static ValueEnumSchema,
    /// The prefix of its constants (`GENL_DEMO_STATE`).
    pub prefix: String,
    /// The enum tag (`genl_demo_state`).
    pub tag: String,
    /// The variants, in declaration order.
    pub variants: Vec<Variant>,
    /// Indexes into `variants` of the lowest and highest value, when the
    /// values are contiguous (a policy then checks the range).
    pub contiguous: Option<(usize, usize)>,
    /// The YNL definition name (`state`).
    pub ynl_name: String,
    /// Whether YNL's default names differ from ours, so that the spec
    /// spells out `name-prefix` and `enum-name` (genetlink-c).
    pub ynl_explicit: bool,
}

/// The pad attribute of a set (`#[genl(pad = N)]`).
#[derive(Debug, Clone)]
pub struct Pad {
    /// The attribute id.
    pub id: u16,
    /// The C constant (`GENL_DEMO_A_ECHO_PAD`).
    pub c_name: String,
}

/// A `static inline` helper putting a 64-bit attribute aligned with the
/// set's pad attribute (`nla_put_u64_64bit` and friends).
#[derive(Debug, Clone)]
pub struct PutHelper {
    /// The function (`genl_demo_nl_put_echo_cookie`).
    pub name: String,
    /// The C type of the value (`u64`, `s64`, `__be64`).
    pub c_type: &'static str,
    /// The kernel function it calls (`nla_put_u64_64bit`, `nla_put_s64`,
    /// `nla_put_be64`).
    pub put: &'static str,
}

/// One attribute of a root set.
#[derive(Debug, Clone)]
pub struct Attr {
    /// The root set's declaration.
    pub schema: &'static AttrSchema,
    /// The C constant (`GENL_DEMO_A_KV_KEY`).
    pub c_name: String,
    /// The YNL name (`key`).
    pub ynl_name: String,
    /// The nested set (root), for nests and arrays of nests.
    pub nested: Option<SetId>,
    /// The value enum carried, if any.
    pub value_enum: Option<EnumId>,
    /// `(suffix, value)` of the limit defines (`MAX_LEN`, `MIN`, …) of the
    /// declared checks.
    pub limits: Vec<(&'static str, String)>,
    /// The pad helper, for 64-bit attributes of sets the kernel sends.
    pub put_helper: Option<PutHelper>,
}

/// A root attribute set: one C enum, one YNL attribute set.
#[derive(Debug, Clone)]
pub struct AttrSet {
    /// The root set.
    pub root: &'static AttrSetSchema,
    /// The subsets of it the family uses, in first-seen order.
    pub subsets: Vec<&'static AttrSetSchema>,
    /// The C prefix (`GENL_DEMO_A_KV`).
    pub prefix: String,
    /// `<prefix>_UNSPEC`.
    pub unspec: String,
    /// `__<prefix>_MAX`.
    pub cnt: String,
    /// `<prefix>_MAX`.
    pub max: String,
    /// The YNL name (`kv`).
    pub ynl_name: String,
    /// The attributes, by id.
    pub attrs: Vec<Attr>,
    /// The pad attribute.
    pub pad: Option<Pad>,
    /// Whether the kernel sends it (a reply, dumped message or event, or a
    /// nest in one).
    pub sent_by_kernel: bool,
}

impl AttrSet {
    /// The attribute with `id`.
    pub fn attr(&self, id: u16) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.schema.id == id)
    }
}

/// An attribute an operation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    /// The attribute id (in the root set).
    pub id: u16,
    /// Whether the operation requires it.
    pub required: bool,
}

/// The attributes of one message of an operation: a view (the set or a
/// subset of it) of a root set.
#[derive(Debug, Clone)]
pub struct AttrList {
    /// The root set.
    pub set: SetId,
    /// The Rust set the operation names (the root or a subset).
    pub view: &'static AttrSetSchema,
    /// The attributes, in the view's declaration order.
    pub attrs: Vec<Listed>,
}

impl AttrList {
    /// The ids of the required attributes.
    pub fn required(&self) -> impl Iterator<Item = u16> + '_ {
        self.attrs.iter().filter(|a| a.required).map(|a| a.id)
    }
}

/// The `do` or `dump` of a command.
#[derive(Debug, Clone)]
pub struct Op {
    /// The request's attributes, if it has any.
    pub request: Option<AttrList>,
    /// The reply's (each dumped message's) attributes, if any.
    pub reply: Option<AttrList>,
    /// The handler the module implements (`p_nl_<cmd>_doit`/`_dumpit`).
    pub handler: String,
}

/// A notification.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its attributes.
    pub attrs: AttrList,
    /// Index of its multicast group in [`FamilyModel::groups`].
    pub group: usize,
}

/// A command.
#[derive(Debug, Clone)]
pub struct Command {
    /// The schema.
    pub schema: &'static CommandSchema,
    /// The C constant (`GENL_DEMO_CMD_KV_GET`).
    pub c_name: String,
    /// The YNL name (`kv-get`).
    pub ynl_name: String,
    /// The one root set all its messages use (YNL's `attribute-set`).
    pub set: Option<SetId>,
    /// The `do` operation.
    pub do_: Option<Op>,
    /// The `dump` operation.
    pub dump: Option<Op>,
    /// The notification.
    pub event: Option<Event>,
}

impl Command {
    /// Whether the kernel serves it (it has a do or a dump).
    pub fn is_op(&self) -> bool {
        self.do_.is_some() || self.dump.is_some()
    }
}

/// The level of YNL spec a family needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum YnlProtocol {
    /// `genetlink`: names follow YNL's defaults.
    Genetlink,
    /// `genetlink-c`: C names spelled out (`c-family-name`, …).
    GenetlinkC,
    /// `genetlink-legacy`: a family version other than 1.
    GenetlinkLegacy,
}

impl YnlProtocol {
    /// The `protocol:` value.
    pub fn as_str(self) -> &'static str {
        match self {
            YnlProtocol::Genetlink => "genetlink",
            YnlProtocol::GenetlinkC => "genetlink-c",
            YnlProtocol::GenetlinkLegacy => "genetlink-legacy",
        }
    }
}

/// What the YNL spec needs beyond the names of the parts.
#[derive(Debug, Clone)]
pub struct YnlInfo {
    /// The spec level.
    pub protocol: YnlProtocol,
    /// `c-family-name` and `c-version-name`, when ours differ from YNL's.
    pub c_family_names: Option<(String, String)>,
}

/// A family, parsed and checked once: everything the renderers need.
#[derive(Debug, Clone)]
pub struct FamilyModel {
    /// The schema.
    pub schema: &'static FamilySchema,
    /// The C prefix (`GENL_DEMO`).
    pub c_prefix: String,
    /// Its lower-case form (`genl_demo`), prefixing C identifiers.
    pub c_lower: String,
    /// The uapi header's path under `include/uapi/` (`linux/genl_demo.h`).
    pub uapi_header: String,
    /// The uapi header's include guard (`_UAPI_LINUX_GENL_DEMO_H`).
    pub uapi_guard: String,
    /// The kernel header's include guard (`_GENL_DEMO_NL_H`).
    pub kernel_guard: String,
    /// The multicast groups, in declaration order.
    pub groups: Vec<Group>,
    /// The value enums.
    pub enums: Vec<ValueEnum>,
    /// The root attribute sets, in first-seen order.
    pub sets: Vec<AttrSet>,
    /// The commands, by number.
    pub commands: Vec<Command>,
    /// The root set of every Rust set the family uses (a root or a subset
    /// of it), by Rust path.
    pub view_root: BTreeMap<&'static str, SetId>,
    /// YNL details.
    pub ynl: YnlInfo,
}

impl FamilyModel {
    /// Parses and checks `family`. The error names the family, set and
    /// attribute concerned and what to write instead.
    pub fn new(family: &'static FamilySchema) -> Result<FamilyModel, CodegenError> {
        let fam = family.name;
        let (up, low, uapi_header) = build::names(family)?;
        let groups = build::groups(family, &up)?;
        let cmds = build::commands(family, &up)?;
        let walk = build::walk(fam, &cmds)?;
        let enums = build::value_enums(fam, &up, &walk)?;
        let sets = build::root_sets(fam, &up, &walk, &enums)?;

        let mut m = FamilyModel {
            schema: family,
            uapi_guard: build::uapi_guard(&uapi_header, fam),
            kernel_guard: format!("_{up}_NL_H"),
            c_lower: low,
            c_prefix: up,
            uapi_header,
            groups,
            enums,
            sets,
            commands: Vec::new(),
            view_root: walk
                .view_root
                .iter()
                .map(|(path, i)| (*path, SetId(*i)))
                .collect(),
            ynl: YnlInfo {
                protocol: YnlProtocol::Genetlink,
                c_family_names: None,
            },
        };
        let view_root = walk.view_root;
        m.commands = cmds
            .iter()
            .map(|c| m.command(c, &view_root))
            .collect::<Result<_, _>>()?;
        m.mark_sent(&view_root)?;
        m.ynl_level();
        Ok(m)
    }

    /// The root set `id`.
    pub fn set(&self, id: SetId) -> &AttrSet {
        &self.sets[id.0]
    }

    /// The value enum `id`.
    pub fn value_enum(&self, id: EnumId) -> &ValueEnum {
        &self.enums[id.0]
    }

    /// The attribute `id` of set `set`.
    pub fn attr(&self, set: SetId, id: u16) -> &Attr {
        self.set(set)
            .attr(id)
            .expect("lists only hold attributes of their set")
    }

    /// The commands the kernel serves (a do or a dump), by number.
    pub fn ops(&self) -> impl Iterator<Item = &Command> + '_ {
        self.commands.iter().filter(|c| c.is_op())
    }

    /// The YNL spec level the family needs.
    fn ynl_level(&mut self) {
        let ident = c_upper(&self.schema.name.replace('-', "_"));
        let mut level = YnlProtocol::Genetlink;
        if ident != self.c_prefix {
            self.ynl.c_family_names = Some((
                format!("{}_FAMILY_NAME", self.c_prefix),
                format!("{}_FAMILY_VERSION", self.c_prefix),
            ));
            level = YnlProtocol::GenetlinkC;
        }
        if self.enums.iter().any(|e| e.ynl_explicit)
            || self.groups.iter().any(|g| g.ynl_define_explicit)
        {
            level = YnlProtocol::GenetlinkC;
        }
        if self.schema.version != 1 {
            level = YnlProtocol::GenetlinkLegacy;
        }
        self.ynl.protocol = level;
    }

    /// Whether Linux 6.12 ships a uapi header at this family's path
    /// ([`crate::kernel_has_uapi_header`]); [`crate::render`] refuses such
    /// a family.
    pub fn uapi_header_clashes(&self) -> bool {
        crate::kernel_has_uapi_header(&self.uapi_header)
    }
}
