//! What the kernel checks on a request, lowered to its terms: `nla_policy`
//! entries, per-operation and nested policy arrays, and the generated checks
//! that policies cannot express (required attributes at every level, value
//! enums whose values are not contiguous, what one operation accepts where
//! Linux 6.1 has one policy per command).
//!
//! # Views
//!
//! A request sees a root set through a *view*: the set itself or a subset
//! of it (`#[genl(subset_of = ...)]`). Each operation's request is a view;
//! so is each nest inside it, through the field's type: a dump filter whose
//! `match` field is a `MatchFilter` subset sees the `match` nest as that
//! subset. Every view nested in a request has its own nested policy, so a
//! subset nest accepts only its attributes (strict validation rejects the
//! others), and every view records which attributes it requires.
//!
//! # Checks beyond the policy
//!
//! - Required attributes: an operation whose request (or a nest in it, at
//!   any depth) requires attributes gets a generated check, run before the
//!   module's handler: `<p>_nl_<cmd>_doit_checked` wraps the doit,
//!   `<p>_nl_<cmd>_dump_start` is the dump's `.start`. A missing top-level
//!   attribute is reported with `GENL_REQ_ATTR_CHECK`/`NL_REQ_ATTR_CHECK`, a
//!   missing nested one with `NL_SET_ERR_ATTR_MISS` naming the nest, so the
//!   extended ACK carries the attribute and its nest.
//! - Linux before 6.2 has one policy per command (`struct genl_ops`): the
//!   union of the do and dump requests. There the generated check also
//!   rejects an attribute the operation's own request does not list, and
//!   validates a nest with the operation's own view where the union had to
//!   take another, so both kernels accept the same requests.
//! - A value enum whose values are not contiguous is checked by a generated
//!   validation function (`NLA_POLICY_VALIDATE_FN`); a flags enum by its mask
//!   (`NLA_POLICY_MASK`); a contiguous one by its range.
//!
//! # One way
//!
//! The model ([`crate::model`]) knows nothing of this module:
//! [`Policies::new`] lowers a built [`FamilyModel`] into the views, policy
//! arrays and checks the kernel C renderers ([`crate::kernel`]) print,
//! refusing what a policy cannot express (a set nesting itself, a check on
//! a type that takes none, a length beyond 65535, …), then checks that
//! every C identifier the outputs define, the model's and its own, is
//! defined once. [`crate::lower`] runs the model and this lowering.

use std::collections::{BTreeMap, BTreeSet};

use genl_core::schema::{AttrSetSchema, AttrType, ByteOrder, Presence};

use crate::model::{Attr, Command, EnumId, FamilyModel, SetId};
use crate::names::snake;
use crate::text::int_literal;
use crate::CodegenError;

mod lower;
mod ops;
mod unique;

use lower::Builder;

fn err<T>(msg: impl Into<String>) -> Result<T, CodegenError> {
    Err(CodegenError::new(msg))
}

fn describe_type(ty: &AttrType) -> String {
    format!("{ty:?}").to_lowercase()
}

/// A bound of an integer check: its value and its C expression (a number,
/// or a value enum's constant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The value.
    pub value: i128,
    /// The C expression.
    pub c: String,
}

/// How the kernel validates one attribute: an `nla_policy` entry, in the
/// terms of `include/net/netlink.h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// `{ .type = T, }`.
    Type(&'static str),
    /// `NLA_POLICY_MIN(T, min)`.
    Min(&'static str, Bound),
    /// `NLA_POLICY_MAX(T, max)`.
    Max(&'static str, Bound),
    /// `NLA_POLICY_RANGE(T, min, max)`.
    Range(&'static str, Bound, Bound),
    /// `NLA_POLICY_FULL_RANGE(T, &range)` (`_SIGNED` for signed types):
    /// bounds beyond `s16`, in a [`RangeCheck`].
    FullRange {
        /// The policy type.
        ty: &'static str,
        /// The name of the [`RangeCheck`].
        range: String,
        /// Whether the range is signed.
        signed: bool,
    },
    /// `NLA_POLICY_MASK(T, mask)`: a flags enum's bits.
    Mask(&'static str, u64),
    /// `{ .type = NLA_NUL_STRING, .len = N, }`.
    StringMax(u32),
    /// `NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, validator[, max])`: a string
    /// with a minimum length, checked by a [`StrMinValidator`].
    StringValidated {
        /// The validator function.
        validator: String,
        /// The maximum length, if any.
        max: Option<u32>,
    },
    /// `{ .type = NLA_BINARY, .len = N, }`.
    BinaryMax(u32),
    /// `NLA_POLICY_MIN_LEN(N)`.
    BinaryMinLen(u32),
    /// `NLA_POLICY_EXACT_LEN(N)`.
    BinaryExact(u32),
    /// `NLA_POLICY_RANGE(NLA_BINARY, min, max)`.
    BinaryRange(u32, u32),
    /// `NLA_POLICY_NESTED(policy)`.
    Nested(String),
    /// `NLA_POLICY_NESTED_ARRAY(policy)`, or `{ .type = NLA_NESTED_ARRAY, }`
    /// for arrays of scalars.
    NestedArray(Option<String>),
}

/// A `struct netlink_range_validation[_signed]` a policy points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCheck {
    /// The variable's name.
    pub name: String,
    /// `netlink_range_validation_signed` rather than unsigned.
    pub signed: bool,
    /// The `.min` expression.
    pub min: String,
    /// The `.max` expression.
    pub max: String,
}

/// A validation function for a string's minimum length, which
/// `nla_policy` cannot express for `NLA_NUL_STRING`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrMinValidator {
    /// The function's name.
    pub name: String,
    /// The minimum length in bytes, without the NUL.
    pub min: u32,
}

/// A function accepting exactly the values of a value enum whose values are
/// not contiguous, which a range policy cannot express. The policy checks
/// their range (lowest to highest value) and the generated checks call the
/// function on each such attribute of a request: a validation function in
/// the policy itself (`NLA_POLICY_VALIDATE_FN`) is not possible for an
/// integer, whose policy dump (`CTRL_CMD_GETPOLICY`) reads a range from the
/// fields the function pointer shares (a WARN in
/// `nla_get_range_unsigned()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValidator {
    /// The function's name.
    pub name: String,
    /// The enum.
    pub value_enum: EnumId,
    /// The kernel getter of the attribute's integer (`nla_get_u32`, …).
    pub get: &'static str,
    /// The converter of a big-endian integer to host order, if any
    /// (`be16_to_cpu`).
    pub to_cpu: Option<&'static str>,
}

/// Index of a view in [`Policies::views`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ViewId(pub usize);

/// How an attribute repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// At most once (a duplicate replaces it: the last one wins).
    One,
    /// Any number of times (`multi`).
    Multi,
    /// One nest of elements numbered 1..=n (`indexed`).
    Indexed,
}

/// One attribute of a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewAttr {
    /// The attribute id (in the root set).
    pub id: u16,
    /// Whether the view requires it.
    pub required: bool,
    /// How it repeats.
    pub repeat: Repeat,
    /// The view of its nested set (nests and arrays of nests).
    pub nested: Option<ViewId>,
    /// Its policy entry in this view (a nest points at its view's policy).
    pub policy: Policy,
    /// The [`EnumValidator`] the generated checks call on it, for a value
    /// enum whose values are not contiguous.
    pub validator: Option<String>,
}

/// A root set as one request, or one nest in a request, sees it.
#[derive(Debug, Clone)]
pub struct View {
    /// The Rust set: the root or a subset of it.
    pub schema: &'static AttrSetSchema,
    /// The root set.
    pub set: SetId,
    /// The attributes it accepts, by id.
    pub attrs: Vec<ViewAttr>,
    /// The name its C identifiers take (`match_filter`; for a root set, its
    /// YNL name in snake case, as ynl-gen-c names nested policies).
    pub c_name: String,
    /// Its nested policy (`<p>_<c_name>_nl_policy`), when it is nested in
    /// a request.
    pub nested_policy: Option<String>,
    /// The parse helper the module calls on such a nest
    /// (`<p>_nl_parse_<c_name>`).
    pub parse: Option<String>,
    /// The generated check of its required attributes (and of those of the
    /// views nested in it), when it or a view below requires any
    /// (`<p>_nl_check_<c_name>`).
    pub check: Option<String>,
}

impl View {
    /// The attribute with `id`.
    pub fn attr(&self, id: u16) -> Option<&ViewAttr> {
        self.attrs.iter().find(|a| a.id == id)
    }
}

/// What the check generated for one operation does, in one kernel branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpCheck {
    /// Top-level attributes the request requires.
    pub required: Vec<u16>,
    /// Nests whose view has a check: `(id, how it repeats, view)`.
    pub nests: Vec<(u16, Repeat, ViewId)>,
    /// Attributes of a value enum whose values are not contiguous, checked
    /// by its validator: `(id, how it repeats, validator)`.
    pub validated: Vec<(u16, Repeat, String)>,
    /// Attributes the command's policy accepts that this operation's
    /// request does not (Linux < 6.2: one policy per command).
    pub reject: Vec<u16>,
    /// Nests the command's policy validated with another view than this
    /// operation's: validated again with this one (Linux < 6.2).
    pub revalidate: Vec<(u16, ViewId)>,
    /// The operation takes no attributes, and the kernel would let some
    /// through: Linux 6.2 and later parse nothing for a split op without a
    /// policy (`genl_get_cmd_split()`), and before 6.2 such an op shares its
    /// command's policy when the other op has a request. The check rejects
    /// any attribute, naming the first.
    pub reject_all: bool,
}

impl OpCheck {
    /// Whether it checks anything.
    pub fn is_empty(&self) -> bool {
        !self.reject_all
            && self.required.is_empty()
            && self.nests.is_empty()
            && self.validated.is_empty()
            && self.reject.is_empty()
            && self.revalidate.is_empty()
    }
}

/// A per-operation policy array.
#[derive(Debug, Clone)]
pub struct OpPolicy {
    /// The array's name.
    pub name: String,
    /// Index of the command in [`FamilyModel::commands`] (and
    /// [`Policies::commands`]).
    pub command: usize,
    /// What it validates, for its comment (`do`, `dump`, `do, dump`).
    pub what: String,
    /// The root set.
    pub set: SetId,
    /// The entries, by attribute id.
    pub entries: Vec<(u16, Policy)>,
    /// Whether split ops (Linux 6.2 and later) use it.
    pub split: bool,
    /// Whether `genl_ops` (Linux before 6.2) use it.
    pub genl_ops: bool,
}

impl OpPolicy {
    /// The attribute ids it accepts, ascending.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.entries.iter().map(|(id, _)| *id)
    }
}

/// What the kernel does with the request of one operation (the `do` or
/// `dump` of a command): its view, policy and generated check.
#[derive(Debug, Clone)]
pub struct LoweredOp {
    /// The handler the module implements (`p_nl_<cmd>_doit`/`_dumpit`),
    /// the model's [`Op::handler`](crate::model::Op::handler).
    pub handler: String,
    /// The request's view, when it has attributes.
    pub view: Option<ViewId>,
    /// The generated check run before the handler (a doit wrapper,
    /// `<p>_nl_<cmd>_doit_checked`, or a dump's `.start`,
    /// `<p>_nl_<cmd>_dump_start`), when some kernel branch needs one.
    pub check: Option<String>,
    /// What the check does with split ops (Linux 6.2 and later).
    pub split_check: OpCheck,
    /// What the check does with `genl_ops` (Linux before 6.2).
    pub genl_ops_check: OpCheck,
    /// The policy of the split op (Linux 6.2 and later): an index into
    /// [`Policies::policies`].
    pub policy: Option<usize>,
}

impl LoweredOp {
    /// The check the ops table of one branch (`split`: Linux 6.2 and later)
    /// points at, if that branch needs it.
    pub fn check_in(&self, split: bool) -> Option<&str> {
        let c = if split {
            &self.split_check
        } else {
            &self.genl_ops_check
        };
        self.check.as_deref().filter(|_| !c.is_empty())
    }

    /// What a doit entry of one branch points at: the check, else the
    /// handler.
    pub fn entry(&self, split: bool) -> &str {
        self.check_in(split).unwrap_or(&self.handler)
    }
}

/// The operations of one command, lowered.
#[derive(Debug, Clone, Default)]
pub struct LoweredCommand {
    /// The `do` operation.
    pub do_: Option<LoweredOp>,
    /// The `dump` operation.
    pub dump: Option<LoweredOp>,
    /// The policy of its `genl_ops` entry (Linux before 6.2: one per
    /// command, do and dump), an index into [`Policies::policies`].
    pub genl_ops_policy: Option<usize>,
}

/// A family's requests lowered to the kernel's terms: what the kernel C
/// renderers ([`kernel`](crate::kernel)) print besides the model.
#[derive(Debug, Clone)]
pub struct Policies {
    /// The commands, parallel to [`FamilyModel::commands`].
    pub commands: Vec<LoweredCommand>,
    /// The per-operation policies.
    pub policies: Vec<OpPolicy>,
    /// The views requests see sets through.
    pub views: Vec<View>,
    /// Views with a nested policy, innermost first.
    pub nested_policies: Vec<ViewId>,
    /// Range structs the policies point at.
    pub ranges: Vec<RangeCheck>,
    /// String validators the policies point at.
    pub validators: Vec<StrMinValidator>,
    /// Value enum validators the policies point at.
    pub enum_validators: Vec<EnumValidator>,
}

impl Policies {
    /// Lowers the requests of `m`, then checks that every C identifier the
    /// outputs define (the model's and the policies') is defined once. The
    /// error names the family, set and attribute concerned and what to
    /// write instead.
    pub fn new(m: &FamilyModel) -> Result<Policies, CodegenError> {
        let p = ops::build(m)?;
        unique::check_unique_names(m, &p)?;
        Ok(p)
    }

    /// The view `id`.
    pub fn view(&self, id: ViewId) -> &View {
        &self.views[id.0]
    }

    /// The commands the kernel serves (a do or a dump), by number, with
    /// their lowering.
    pub fn ops<'a>(
        &'a self,
        m: &'a FamilyModel,
    ) -> impl Iterator<Item = (&'a Command, &'a LoweredCommand)> + 'a {
        m.commands
            .iter()
            .zip(&self.commands)
            .filter(|(c, _)| c.is_op())
    }

    /// Whether a dump takes a request with attributes, or has a generated
    /// check (the kernel files then have the dump attributes helper,
    /// `<p>_nl_dump_attrs`).
    pub fn has_dump_requests(&self) -> bool {
        self.commands.iter().any(|c| {
            c.dump
                .as_ref()
                .is_some_and(|d| d.view.is_some() || d.check.is_some())
        })
    }
}
