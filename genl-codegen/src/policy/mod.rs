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

use std::collections::{BTreeMap, BTreeSet};

use genl_core::schema::{AttrSetSchema, AttrType, ByteOrder, Presence};

use crate::model::{Attr, EnumId, FamilyModel, SetId};
use crate::names::snake;
use crate::CodegenError;

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

/// Index of a view in [`FamilyModel::views`].
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
    /// Index of the command in [`FamilyModel::commands`].
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

/// Builder state of [`build`].
struct Builder<'m> {
    m: &'m FamilyModel,
    views: Vec<View>,
    by_path: BTreeMap<&'static str, ViewId>,
    ranges: BTreeMap<String, RangeCheck>,
    validators: BTreeMap<String, StrMinValidator>,
    enum_validators: BTreeMap<String, EnumValidator>,
    /// Views nested in a request (they get a nested policy).
    nested: BTreeSet<ViewId>,
    /// The enum validator of an attribute, by (root set, id).
    attr_validators: BTreeMap<(usize, u16), String>,
}

impl Builder<'_> {
    /// The view of `schema`, created (with the views nested in it) on first
    /// sight.
    fn view(
        &mut self,
        schema: &'static AttrSetSchema,
        view_root: &BTreeMap<&'static str, usize>,
        stack: &mut Vec<&'static str>,
    ) -> Result<ViewId, CodegenError> {
        if let Some(v) = self.by_path.get(schema.path) {
            return Ok(*v);
        }
        if stack.contains(&schema.path) {
            return err(format!(
                "family {}: attribute set `{}` nests itself: static kernel policies cannot \
                 express recursion",
                self.m.schema.name, schema.path
            ));
        }
        stack.push(schema.path);
        let set = SetId(view_root[schema.path]);
        let root = self.m.set(set);
        let mut attrs = Vec::new();
        for a in schema.attrs {
            let nested = match a.ty.nested_set() {
                Some(n) => {
                    let v = self.view(n, view_root, stack)?;
                    self.nested.insert(v);
                    Some(v)
                }
                None => None,
            };
            let repeat = match (a.presence, a.ty) {
                (_, AttrType::IndexedArray(_)) => Repeat::Indexed,
                (Presence::Multi, _) => Repeat::Multi,
                _ => Repeat::One,
            };
            let root_attr = root
                .attr(a.id)
                .expect("subsets are checked against their set");
            let base = self.policy_entry(set, root_attr)?;
            let validator = self.attr_validators.get(&(set.0, a.id)).cloned();
            attrs.push((
                a.id,
                a.presence == Presence::Required,
                repeat,
                nested,
                base,
                validator,
            ));
        }
        stack.pop();
        let c_name = if schema.subset_of.is_none() {
            root.ynl_name.replace('-', "_")
        } else {
            snake(schema.name)
        };
        let id = ViewId(self.views.len());
        // Nest policies are filled in once every view is named.
        let mut attrs: Vec<ViewAttr> = attrs
            .into_iter()
            .map(
                |(id, required, repeat, nested, policy, validator)| ViewAttr {
                    id,
                    required,
                    repeat,
                    nested,
                    policy,
                    validator,
                },
            )
            .collect();
        attrs.sort_by_key(|a| a.id);
        self.views.push(View {
            schema,
            set,
            attrs,
            c_name,
            nested_policy: None,
            parse: None,
            check: None,
        });
        self.by_path.insert(schema.path, id);
        Ok(id)
    }

    /// The policy entry of `attr` of root set `s`, nests pointing nowhere
    /// yet.
    fn policy_entry(&mut self, s: SetId, attr: &Attr) -> Result<Policy, CodegenError> {
        let m = self.m;
        let set = m.set(s);
        let a = attr.schema;
        let at = || {
            format!(
                "family {}: attribute {}.{}",
                m.schema.name, set.root.name, a.name
            )
        };
        let c = &a.checks;
        let has_len = c.min_len.is_some() || c.max_len.is_some() || c.exact_len.is_some();
        let has_val = c.min.is_some() || c.max.is_some();
        let range_name = format!(
            "{}_{}_{}_range",
            m.c_lower,
            snake(set.root.name),
            snake(a.name)
        );
        match a.ty {
            AttrType::U8
            | AttrType::U16
            | AttrType::U32
            | AttrType::U64
            | AttrType::S8
            | AttrType::S16
            | AttrType::S32
            | AttrType::S64 => {
                if has_len {
                    return err(format!(
                        "{}: length checks apply to strings and bytes, not {}",
                        at(),
                        describe_type(&a.ty)
                    ));
                }
                let tp = match (a.byte_order, a.ty) {
                    (ByteOrder::Big, AttrType::U16) => "NLA_BE16",
                    (ByteOrder::Big, AttrType::U32) => "NLA_BE32",
                    (ByteOrder::Big, _) if has_val => {
                        return err(format!(
                            "{}: the kernel has no big-endian {} policy type to check a range on",
                            at(),
                            describe_type(&a.ty)
                        ))
                    }
                    _ => a.ty.kernel_name(),
                };
                self.int_policy(attr, tp, &at(), range_name)
            }
            AttrType::Flag => {
                if has_len || has_val {
                    return err(format!("{}: a flag carries no value to check", at()));
                }
                Ok(Policy::Type("NLA_FLAG"))
            }
            AttrType::String => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let min = c.exact_len.or(c.min_len).unwrap_or(0);
                let max = c.exact_len.or(c.max_len);
                if let Some(mx) = max {
                    if mx > u32::from(u16::MAX) {
                        return err(format!("{}: max_len {mx} exceeds 65535", at()));
                    }
                    if mx < min {
                        return err(format!("{}: max_len {mx} below min_len {min}", at()));
                    }
                }
                if min > 0 {
                    let name = format!("{}_nl_validate_str_min{min}", m.c_lower);
                    self.validators.insert(
                        name.clone(),
                        StrMinValidator {
                            name: name.clone(),
                            min,
                        },
                    );
                    Ok(Policy::StringValidated {
                        validator: name,
                        max,
                    })
                } else {
                    Ok(match max {
                        Some(mx) => Policy::StringMax(mx),
                        None => Policy::Type("NLA_NUL_STRING"),
                    })
                }
            }
            AttrType::Binary => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let (min, max) = match c.exact_len {
                    Some(e) => (Some(e), Some(e)),
                    None => (c.min_len, c.max_len),
                };
                for v in [min, max].into_iter().flatten() {
                    if v > u32::from(u16::MAX) {
                        return err(format!("{}: length {v} exceeds 65535", at()));
                    }
                }
                let s16 = |v: u32| v <= i16::MAX as u32;
                Ok(match (min, max) {
                    (None, None) => Policy::Type("NLA_BINARY"),
                    (None, Some(mx)) => Policy::BinaryMax(mx),
                    (Some(mn), None) if s16(mn) => Policy::BinaryMinLen(mn),
                    (Some(mn), Some(mx)) if mn > mx => {
                        return err(format!("{}: max_len {mx} below min_len {mn}", at()))
                    }
                    (Some(mn), Some(mx)) if mn == mx && s16(mn) => Policy::BinaryExact(mn),
                    (Some(mn), Some(mx)) if s16(mn) && s16(mx) => Policy::BinaryRange(mn, mx),
                    (mn, mx) => {
                        self.ranges.insert(
                            range_name.clone(),
                            RangeCheck {
                                name: range_name.clone(),
                                signed: false,
                                min: format!("{}ULL", mn.unwrap_or(0)),
                                max: mx.map_or("U16_MAX".to_owned(), |v| format!("{v}ULL")),
                            },
                        );
                        Policy::FullRange {
                            ty: "NLA_BINARY",
                            range: range_name,
                            signed: false,
                        }
                    }
                })
            }
            AttrType::Nested(_) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to nests", at()));
                }
                Ok(Policy::Nested(String::new()))
            }
            AttrType::IndexedArray(inner) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to arrays", at()));
                }
                Ok(match inner.nested_set() {
                    Some(_) => Policy::NestedArray(Some(String::new())),
                    None => Policy::NestedArray(None),
                })
            }
            #[allow(unreachable_patterns)]
            _ => err(format!(
                "{}: type {:?} has no kernel policy mapping",
                at(),
                a.ty
            )),
        }
    }

    /// Integer policy: the declared checks (bounds kept as declared), else
    /// what a value enum accepts (its mask, its contiguous range, or a
    /// validation function), else the type alone.
    fn int_policy(
        &mut self,
        attr: &Attr,
        tp: &'static str,
        at: &str,
        range_name: String,
    ) -> Result<Policy, CodegenError> {
        let m = self.m;
        let a = attr.schema;
        let (tmin, tmax) = type_range(&a.ty);
        let c = &a.checks;
        let bound = |v: i64| Bound {
            value: i128::from(v),
            c: int_literal(v),
        };
        let mut lo: Option<Bound> = c.min.map(bound);
        let mut hi: Option<Bound> = c.max.map(bound);
        let declared = lo.is_some() || hi.is_some();
        if let Some(eid) = attr.value_enum {
            let e = m.value_enum(eid);
            if e.schema.flags {
                if declared {
                    return err(format!(
                        "{at}: carries the flags enum `{}`, whose mask is its check; remove \
                         min/max",
                        e.schema.path
                    ));
                }
                return Ok(Policy::Mask(tp, e.schema.mask()));
            }
            if !declared {
                match e.contiguous {
                    Some((f, l)) => {
                        let b = |i: usize| Bound {
                            value: i128::from(e.variants[i].schema.value),
                            c: e.variants[i].c_name.clone(),
                        };
                        // As ynl-gen-c: the minimum only when it is not 0
                        // for an unsigned type, the maximum always.
                        if e.variants[f].schema.value != 0 || a.ty.is_signed() {
                            lo = Some(b(f));
                        }
                        hi = Some(b(l));
                    }
                    None if e.variants.is_empty() => {}
                    None => {
                        // The range of its values in the policy; each value
                        // by the validator the generated checks call.
                        let name = self.enum_validator(eid, tp);
                        let set = m
                            .sets
                            .iter()
                            .position(|s| s.attrs.iter().any(|x| std::ptr::eq(x.schema, a)));
                        if let Some(set) = set {
                            self.attr_validators.insert((set, a.id), name);
                        }
                        let (mut low, mut high) = (&e.variants[0], &e.variants[0]);
                        for v in &e.variants {
                            if v.schema.value < low.schema.value {
                                low = v;
                            }
                            if v.schema.value > high.schema.value {
                                high = v;
                            }
                        }
                        let b = |v: &crate::model::Variant| Bound {
                            value: i128::from(v.schema.value),
                            c: v.c_name.clone(),
                        };
                        if low.schema.value != 0 || a.ty.is_signed() {
                            lo = Some(b(low));
                        }
                        hi = Some(b(high));
                    }
                }
            }
        }
        for b in lo.iter().chain(hi.iter()) {
            if b.value < tmin || b.value > tmax {
                return err(format!(
                    "{at}: bound {} is outside the range of {}",
                    b.value,
                    describe_type(&a.ty)
                ));
            }
        }
        if let (Some(l), Some(h)) = (&lo, &hi) {
            if l.value > h.value {
                return err(format!("{at}: min {} above max {}", l.value, h.value));
            }
        }
        let small = |b: &Option<Bound>| {
            b.as_ref()
                .is_none_or(|b| (i128::from(i16::MIN)..=i128::from(i16::MAX)).contains(&b.value))
        };
        if small(&lo) && small(&hi) {
            return Ok(match (lo, hi) {
                (None, None) => Policy::Type(tp),
                (Some(l), None) => Policy::Min(tp, l),
                (None, Some(h)) => Policy::Max(tp, h),
                (Some(l), Some(h)) => Policy::Range(tp, l, h),
            });
        }
        let (bmin, bmax) = type_bounds(&a.ty);
        let lit = |b: Option<Bound>, dflt: &str| match b {
            Some(b) if b.value >= 0 => format!("{}ULL", b.value),
            Some(b) if b.value == i128::from(i64::MIN) => "S64_MIN".into(),
            Some(b) => format!("{}LL", b.value),
            None => dflt.to_owned(),
        };
        let signed = a.ty.is_signed();
        self.ranges.insert(
            range_name.clone(),
            RangeCheck {
                name: range_name.clone(),
                signed,
                min: lit(lo, bmin),
                max: lit(hi, bmax),
            },
        );
        Ok(Policy::FullRange {
            ty: tp,
            range: range_name,
            signed,
        })
    }

    /// The validation function of a value enum that is not contiguous, for
    /// an attribute of type `tp`.
    fn enum_validator(&mut self, eid: EnumId, tp: &'static str) -> String {
        let m = self.m;
        let e = m.value_enum(eid);
        let (get, to_cpu) = match tp {
            "NLA_U8" => ("nla_get_u8", None),
            "NLA_U16" => ("nla_get_u16", None),
            "NLA_U32" => ("nla_get_u32", None),
            "NLA_BE16" => ("nla_get_be16", Some("be16_to_cpu")),
            "NLA_BE32" => ("nla_get_be32", Some("be32_to_cpu")),
            _ => ("nla_get_u64", None),
        };
        let base = format!("{}_nl_validate_{}", m.c_lower, e.ynl_name.replace('-', "_"));
        // One function per enum, or per enum and type when it is carried in
        // several integer types.
        let same_enum: Vec<&EnumValidator> = self
            .enum_validators
            .values()
            .filter(|v| v.value_enum == eid)
            .collect();
        let name = match same_enum.iter().find(|v| v.get == get) {
            Some(v) => v.name.clone(),
            None if same_enum.is_empty() && !self.enum_widths_differ(eid) => base,
            None => format!("{base}_{}", &get["nla_get_".len()..]),
        };
        self.enum_validators.insert(
            name.clone(),
            EnumValidator {
                name: name.clone(),
                value_enum: eid,
                get,
                to_cpu,
            },
        );
        name
    }

    /// Whether the family carries the enum `eid` in more than one integer
    /// type (its validators then carry the type in their names).
    fn enum_widths_differ(&self, eid: EnumId) -> bool {
        let mut kinds = BTreeSet::new();
        for s in &self.m.sets {
            for a in &s.attrs {
                if a.value_enum == Some(eid) {
                    kinds.insert((
                        a.schema.ty.kernel_name(),
                        a.schema.byte_order == ByteOrder::Big,
                    ));
                }
            }
        }
        kinds.len() > 1
    }
}

/// `(value, C expression)` bounds of integer types.
fn type_range(ty: &AttrType) -> (i128, i128) {
    match ty {
        AttrType::U8 => (0, u8::MAX.into()),
        AttrType::U16 => (0, u16::MAX.into()),
        AttrType::U32 => (0, u32::MAX.into()),
        AttrType::U64 => (0, u64::MAX.into()),
        AttrType::S8 => (i8::MIN.into(), i8::MAX.into()),
        AttrType::S16 => (i16::MIN.into(), i16::MAX.into()),
        AttrType::S32 => (i32::MIN.into(), i32::MAX.into()),
        AttrType::S64 => (i64::MIN.into(), i64::MAX.into()),
        _ => (0, 0),
    }
}

/// Type bounds as C expressions (for one-sided full ranges).
fn type_bounds(ty: &AttrType) -> (&'static str, &'static str) {
    match ty {
        AttrType::U8 => ("0", "U8_MAX"),
        AttrType::U16 => ("0", "U16_MAX"),
        AttrType::U32 => ("0", "U32_MAX"),
        AttrType::U64 => ("0", "U64_MAX"),
        AttrType::S8 => ("S8_MIN", "S8_MAX"),
        AttrType::S16 => ("S16_MIN", "S16_MAX"),
        AttrType::S32 => ("S32_MIN", "S32_MAX"),
        AttrType::S64 => ("S64_MIN", "S64_MAX"),
        _ => ("0", "U16_MAX"),
    }
}

pub(crate) fn int_literal(v: i64) -> String {
    if v == i64::MIN {
        "S64_MIN".into()
    } else if v < 0 {
        format!("({v})")
    } else {
        v.to_string()
    }
}

/// What [`build`] decides for one operation.
struct OpResult {
    command: usize,
    dump: bool,
    view: Option<ViewId>,
    check: Option<String>,
    split: OpCheck,
    genl_ops: OpCheck,
}

/// Builds every policy, view and check of `m` (its commands already
/// built). `view_root` maps each set's Rust path to its root's index.
pub(crate) fn build(
    m: &mut FamilyModel,
    view_root: &BTreeMap<&'static str, usize>,
) -> Result<(), CodegenError> {
    let low = m.c_lower.clone();
    let mut b = Builder {
        m: &*m,
        views: Vec::new(),
        by_path: BTreeMap::new(),
        ranges: BTreeMap::new(),
        validators: BTreeMap::new(),
        enum_validators: BTreeMap::new(),
        nested: BTreeSet::new(),
        attr_validators: BTreeMap::new(),
    };

    // The request view of every operation.
    let mut op_views: Vec<(usize, bool, ViewId)> = Vec::new();
    for (ci, c) in b.m.commands.iter().enumerate() {
        for (is_dump, o) in [(false, &c.do_), (true, &c.dump)] {
            let Some(r) = o.as_ref().and_then(|o| o.request.as_ref()) else {
                continue;
            };
            if r.attrs.is_empty() {
                continue;
            }
            let v = b.view(r.view, view_root, &mut Vec::new())?;
            op_views.push((ci, is_dump, v));
        }
    }
    let view_of = |ci: usize, dump: bool| {
        op_views
            .iter()
            .find(|(c, d, _)| *c == ci && *d == dump)
            .map(|(_, _, v)| *v)
    };

    // Every view nested in a request gets its policy and parse helper; each
    // nest's entry then points at its view's policy.
    let nested = std::mem::take(&mut b.nested);
    for v in &nested {
        ensure_nested_policy(&mut b, *v, &low);
    }
    let names: Vec<Option<String>> = b.views.iter().map(|v| v.nested_policy.clone()).collect();
    for view in &mut b.views {
        for a in &mut view.attrs {
            if let Some(t) = a.nested.and_then(|n| names[n.0].clone()) {
                if let Policy::Nested(p) | Policy::NestedArray(Some(p)) = &mut a.policy {
                    *p = t;
                }
            }
        }
    }

    // Checks of nested views: a view needs one when it, or a view below it,
    // requires an attribute. Views are made innermost first.
    for i in 0..b.views.len() {
        let needs = b.views[i].attrs.iter().any(|a| {
            a.required
                || a.validator.is_some()
                || a.nested.is_some_and(|n| b.views[n.0].check.is_some())
        });
        if needs && nested.contains(&ViewId(i)) {
            b.views[i].check = Some(format!("{low}_nl_check_{}", b.views[i].c_name));
        }
    }

    // Per-operation policies.
    let mut policies: Vec<OpPolicy> = Vec::new();
    let n_cmds = b.m.commands.len();
    let mut per_cmd: Vec<CmdPolicies> = Vec::with_capacity(n_cmds);
    for ci in 0..n_cmds {
        let sn = snake(b.m.commands[ci].schema.name);
        let (dv, uv) = (view_of(ci, false), view_of(ci, true));
        let entries = |b: &Builder<'_>, v: ViewId| -> Vec<(u16, Policy)> {
            b.views[v.0]
                .attrs
                .iter()
                .map(|a| (a.id, a.policy.clone()))
                .collect()
        };
        let mut add =
            |b: &Builder<'_>, name: String, what: &str, v: ViewId, entries, split, genl_ops| {
                policies.push(OpPolicy {
                    name,
                    command: ci,
                    what: what.to_owned(),
                    set: b.views[v.0].set,
                    entries,
                    split,
                    genl_ops,
                });
                policies.len() - 1
            };
        let mut cp = CmdPolicies::default();
        match (dv, uv) {
            (None, None) => {}
            (Some(v), None) | (None, Some(v)) => {
                let what = if dv.is_some() { "do" } else { "dump" };
                let e = entries(&b, v);
                let p = add(&b, format!("{low}_{sn}_nl_policy"), what, v, e, true, true);
                if dv.is_some() {
                    cp.do_ = Some(p);
                } else {
                    cp.dump = Some(p);
                }
                cp.genl_ops = Some(p);
            }
            (Some(d), Some(u)) if entries(&b, d) == entries(&b, u) => {
                let e = entries(&b, d);
                let p = add(
                    &b,
                    format!("{low}_{sn}_nl_policy"),
                    "do, dump",
                    d,
                    e,
                    true,
                    true,
                );
                cp.do_ = Some(p);
                cp.dump = Some(p);
                cp.genl_ops = Some(p);
            }
            (Some(d), Some(u)) => {
                let (ed, eu) = (entries(&b, d), entries(&b, u));
                // The union: where both list a nest seen through different
                // views, the root set's own view; each operation then
                // validates that nest again with its own.
                let mut union: BTreeMap<u16, Policy> = BTreeMap::new();
                for (id, p) in ed.iter().chain(eu.iter()) {
                    match union.get(id) {
                        Some(q) if q != p => {
                            cp.conflicts.insert(*id);
                        }
                        Some(_) => {}
                        None => {
                            union.insert(*id, p.clone());
                        }
                    }
                }
                for id in cp.conflicts.clone() {
                    let root = b.m.set(b.views[d.0].set).root;
                    let root_attr = root.attr(id).expect("an attribute of the set");
                    let n = root_attr
                        .ty
                        .nested_set()
                        .expect("only nests differ by view");
                    let rv = b.view(n, view_root, &mut Vec::new())?;
                    let policy = ensure_nested_policy(&mut b, rv, &low);
                    let p = match root_attr.ty {
                        AttrType::IndexedArray(_) => Policy::NestedArray(Some(policy)),
                        _ => Policy::Nested(policy),
                    };
                    union.insert(id, p);
                }
                let pd = add(
                    &b,
                    format!("{low}_{sn}_do_nl_policy"),
                    "do",
                    d,
                    ed,
                    true,
                    false,
                );
                let pu = add(
                    &b,
                    format!("{low}_{sn}_dump_nl_policy"),
                    "dump",
                    u,
                    eu,
                    true,
                    false,
                );
                let pg = add(
                    &b,
                    format!("{low}_{sn}_nl_policy"),
                    "do, dump (Linux < 6.2: one policy per command)",
                    d,
                    union.into_iter().collect(),
                    false,
                    true,
                );
                cp.do_ = Some(pd);
                cp.dump = Some(pu);
                cp.genl_ops = Some(pg);
            }
        }
        per_cmd.push(cp);
    }

    // The check of each operation, in both kernel branches.
    let mut results: Vec<OpResult> = Vec::new();
    for (ci, cp) in per_cmd.iter().enumerate() {
        let sn = snake(b.m.commands[ci].schema.name);
        let union_ids: BTreeSet<u16> = cp
            .genl_ops
            .map(|p| policies[p].ids().collect())
            .unwrap_or_default();
        let cmd = &b.m.commands[ci];
        for dump in [false, true] {
            if if dump {
                cmd.dump.is_none()
            } else {
                cmd.do_.is_none()
            } {
                continue;
            }
            let v = view_of(ci, dump);
            let mut split = OpCheck::default();
            let mut own: BTreeSet<u16> = BTreeSet::new();
            if let Some(v) = v {
                let view = &b.views[v.0];
                for a in &view.attrs {
                    own.insert(a.id);
                    if a.required {
                        split.required.push(a.id);
                    }
                    if let Some(n) = a.nested.filter(|n| b.views[n.0].check.is_some()) {
                        split.nests.push((a.id, a.repeat, n));
                    }
                    if let Some(f) = &a.validator {
                        split.validated.push((a.id, a.repeat, f.clone()));
                    }
                }
            }
            // An op without a request: every attribute rejected, on both
            // kernels (see `OpCheck::reject_all`).
            // reject-all policy does it (no policy for the command at all).
            split.reject_all = v.is_none();
            let mut genl_ops = split.clone();
            genl_ops.reject_all = v.is_none();
            // Linux < 6.2: the command's one policy is the union of its
            // requests; what this op does not take is rejected.
            if v.is_some() {
                genl_ops.reject = union_ids.difference(&own).copied().collect();
            }
            if let Some(view) = v.map(|v| &b.views[v.0]) {
                for id in &cp.conflicts {
                    if let Some(n) = view.attr(*id).and_then(|a| a.nested) {
                        genl_ops.revalidate.push((*id, n));
                    }
                }
            }
            let name = if dump {
                format!("{low}_nl_{sn}_dump_start")
            } else {
                format!("{low}_nl_{sn}_doit_checked")
            };
            results.push(OpResult {
                command: ci,
                dump,
                view: v,
                check: (!split.is_empty() || !genl_ops.is_empty()).then_some(name),
                split,
                genl_ops,
            });
        }
    }

    let nested_policies: Vec<ViewId> = (0..b.views.len())
        .map(ViewId)
        .filter(|v| b.views[v.0].nested_policy.is_some())
        .collect();
    let Builder {
        views,
        ranges,
        validators,
        enum_validators,
        ..
    } = b;
    for r in results {
        let c = &mut m.commands[r.command];
        let op = if r.dump {
            c.dump.as_mut()
        } else {
            c.do_.as_mut()
        }
        .expect("has the op");
        op.view = r.view;
        op.check = r.check;
        op.split_check = r.split;
        op.genl_ops_check = r.genl_ops;
    }
    for (c, cp) in m.commands.iter_mut().zip(&per_cmd) {
        if let Some(d) = c.do_.as_mut() {
            d.policy = cp.do_;
        }
        if let Some(d) = c.dump.as_mut() {
            d.policy = cp.dump;
        }
        c.genl_ops_policy = cp.genl_ops;
    }
    m.views = views;
    m.nested_policies = nested_policies;
    m.policies = policies;
    m.ranges = ranges.into_values().collect();
    m.validators = validators.into_values().collect();
    m.enum_validators = enum_validators.into_values().collect();
    Ok(())
}

/// The policies of one command.
#[derive(Default)]
struct CmdPolicies {
    do_: Option<usize>,
    dump: Option<usize>,
    genl_ops: Option<usize>,
    /// Attributes the do and dump see through different views.
    conflicts: BTreeSet<u16>,
}

/// Gives `v` a nested policy (and the nests inside it theirs), returning
/// its name.
fn ensure_nested_policy(b: &mut Builder<'_>, v: ViewId, low: &str) -> String {
    if let Some(p) = &b.views[v.0].nested_policy {
        return p.clone();
    }
    let name = format!("{low}_{}_nl_policy", b.views[v.0].c_name);
    b.views[v.0].nested_policy = Some(name.clone());
    b.views[v.0].parse = Some(format!("{low}_nl_parse_{}", b.views[v.0].c_name));
    let children: Vec<(usize, ViewId)> = b.views[v.0]
        .attrs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.nested.map(|n| (i, n)))
        .collect();
    for (i, n) in children {
        let p = ensure_nested_policy(b, n, low);
        match &mut b.views[v.0].attrs[i].policy {
            Policy::Nested(x) | Policy::NestedArray(Some(x)) => *x = p,
            _ => {}
        }
    }
    name
}
