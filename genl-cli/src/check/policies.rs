//! Our generated kernel code (`<family>-nl.[ch]`) against the kernel's own
//! generator: `ynl-gen-c.py --mode kernel --source` and `--header` (Linux
//! 6.12's, see [`kernel_source`]) run on the family's YNL spec, and the two
//! compared by meaning, not by text:
//!
//! - every `nla_policy` array, attribute by attribute: type, length and
//!   range checks, nested policy, validation function (values evaluated
//!   with the constants of the uapi header, so `GENL_DEMO_STATE_STALE` and
//!   `2` are equal; forms the kernel defines alike are alike:
//!   `NLA_POLICY_EXACT_LEN(6)` is `NLA_POLICY_RANGE(NLA_BINARY, 6, 6)`);
//! - the split ops table (≥ 6.2): per command and do/dump, the handler,
//!   `.start`, policy, `maxattr` and flags;
//! - our `genl_ops` table (< 6.2) against our split ops: one entry per
//!   command whose policy is the union of the split policies, with
//!   generated checks that reject what each op does not take;
//! - the multicast groups and the family's fields (in both branches);
//! - the header's handler prototypes, extern policies and enums;
//! - every function of ours: each is of a known kind and checked as such
//!   (a validation function accepts exactly what the spec says, a check
//!   wrapper checks and calls its handler, ...).
//!
//! Differences that are ours by design are allowed, each printed with its
//! reason and where it applies ([`Allowed`]); anything else is a
//! [`Difference`] that fails, unless the project allows it ([`UserAllow`]).
//! Comparing fewer than all of ynl-gen-c's policy entries fails too (a
//! floor: nothing of theirs may go uncompared). Constructs 6.12's
//! ynl-gen-c cannot render (see [`spec`](super::spec)) are removed from
//! its copy of the spec, listed, and our policy entries for them compared
//! with the spec instead.

mod c;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use c::{
    calls_of, ops, policies, read_c, skip_group, type_limits, CFile, Checks, Op, OpKey, Pol,
    PolicyArray, Values,
};

use super::spec::{prepare, SpecEnum, SpecInfo};
use super::ynl::{constants, not_applicable, run_ynl_gen_c, ynl_work_tree};
use super::{find_allow, CheckOptions, DiffClass, UserAllow};
use crate::kernel_source::{self, ensure_python};

/// A difference ours has by design: allowed, printed with its reason and
/// where it applies, and compared for what it must be instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Allowed {
    /// Our policy arrays are sized by the set's `_MAX` (every attribute id
    /// of the set is a valid index, `maxattr` is the set's), ynl-gen-c's by
    /// the largest attribute the op lists.
    SizedBySetMax,
    /// Our doits are wrapped by a generated `<doit>_checked` that checks the
    /// request (required attributes, nests) before the handler.
    RequiredCheckWrapper,
    /// Our dumps' requests are checked by a generated `.start`
    /// (`<p>_nl_<cmd>_dump_start`).
    DumpStartCheck,
    /// A big-endian integer is `NLA_BE16`/`NLA_BE32` in our policy (range
    /// checks compare host-order values); 6.12's ynl-gen-c ignores
    /// `byte-order` in policies and writes `NLA_U16`/`NLA_U32` (both accept
    /// exactly the integer's size).
    BigEndianType,
    /// A string's `min-len`, which `nla_policy` cannot express for strings:
    /// 6.12's ynl-gen-c drops it, we check it in a generated validation
    /// function (`NLA_POLICY_VALIDATE_FN`).
    StringMinLenFn,
    /// Our range structures (`struct netlink_range_validation`) are not
    /// `const`: Linux 6.1's `struct nla_policy` points at them without
    /// `const`.
    RangeNotConst,
    /// A construct 6.12's ynl-gen-c cannot render (a binary's checks other
    /// than a lone `min-len` or an `exact-len`; an indexed array of
    /// scalars): removed from its copy of the spec, ours compared with the
    /// spec instead.
    NotRenderedByYnlGenC,
    /// A value enum whose values are not contiguous: 6.12's ynl-gen-c
    /// raises on any attribute using it, so its copy of the spec goes
    /// without the attribute's `enum:`; our validation function (or mask)
    /// is compared with the spec's values.
    NoncontiguousEnum,
    /// Linux < 6.2: one `genl_ops` entry per command, its policy the union
    /// of the do and dump requests, with generated checks rejecting what
    /// each op does not take.
    LegacyUnionOps,
    /// An operation without a request: a generated check (doit wrapper or
    /// dump `.start`) rejects any attribute, where ynl-gen-c has none.
    NoAttributes,
    /// An indexed array of nests: 6.12's ynl-gen-c prints `{ .type =
    /// NLA_INDEXED_ARRAY, }`, not a kernel policy type.
    IndexedArrayNest,
    /// A repeated (`multi-attr`) string: 6.12's ynl-gen-c writes
    /// `NLA_STRING`, the spec's string type is `NLA_NUL_STRING`.
    MultiAttrString,
    /// A nest seen through a subset of its set: our nested policy is the
    /// view's (only what the subset names), ynl-gen-c's the whole set's.
    NestedView,
    /// A set named as its family: ynl-gen-c's nested policy is
    /// `<family>_nl_policy`, ours `<family>_<set>_nl_policy`.
    FamilyNamedSet,
    /// A `genetlink-c` or `genetlink-legacy` spec: 6.12's ynl-gen-c leaves
    /// the family structure to the module and exports its ops table; ours
    /// defines the family.
    FamilyStruct,
    /// A binary's lone `min-len`: ours `NLA_POLICY_MIN_LEN(n)`, 6.12's
    /// ynl-gen-c `{ .len = n }` (`NLA_UNSPEC`).
    BinaryMinLenUnspec,
    /// A one-sided integer bound beyond `s16`: our range structure has the
    /// type's limit as the other bound, 6.12's ynl-gen-c leaves it 0.
    FullRangeOneSided,
    /// Our generated nest checks (`<p>_nl_check_<view>()`).
    NestCheck,
    /// Our generated parse helpers (`<p>_nl_parse_<view>()`).
    ParseHelper,
    /// Our `<p>_nl_dump_attrs()`, in both kernel branches.
    DumpAttrs,
    /// Our put helpers of 64-bit attributes (`<p>_nl_put_<set>_<attr>()`).
    PutHelper,
}

impl Allowed {
    /// Why.
    pub fn reason(self) -> &'static str {
        match self {
            Allowed::SizedBySetMax => {
                "policies sized by the set's _MAX (ynl-gen-c: by the op's largest attribute)"
            }
            Allowed::RequiredCheckWrapper => {
                "doit wrapped by the generated request check (<doit>_checked: required \
                 attributes, nests), which then calls the handler"
            }
            Allowed::DumpStartCheck => {
                "dump request checked by the generated .start (<p>_nl_<cmd>_dump_start: required \
                 attributes, nests); ynl-gen-c checks nothing beyond the policy"
            }
            Allowed::BigEndianType => {
                "big-endian integer as NLA_BE16/BE32 (6.12 ynl-gen-c ignores byte-order: NLA_U16/U32)"
            }
            Allowed::StringMinLenFn => {
                "string min-len checked by a validation function (6.12 ynl-gen-c drops it)"
            }
            Allowed::RangeNotConst => "range structure not const (Linux 6.1's nla_policy)",
            Allowed::NotRenderedByYnlGenC => {
                "what 6.12 ynl-gen-c cannot render (a binary's checks beyond a lone min-len or \
                 an exact-len; an indexed array of scalars, or of a set a plain nest also nests): \
                 removed from its copy of the spec, ours compared with the spec"
            }
            Allowed::NoncontiguousEnum => {
                "value enum whose values are not contiguous: 6.12 ynl-gen-c raises on it \
                 (EnumSet.value_range()), so its copy of the spec goes without the attribute's \
                 enum:; ours (the range of its values in the policy, each value checked by a \
                 generated validation function the generated checks call) compared with the \
                 spec's values"
            }
            Allowed::LegacyUnionOps => {
                "Linux < 6.2 (no split ops): one genl_ops per command, its policy the union of \
                 the do and dump policies, generated checks rejecting what each op does not take \
                 (compared with our split ops)"
            }
            Allowed::NoAttributes => {
                "an op without a request rejects any attribute in a generated check: 6.12 lets \
                 every attribute through to a split op without a policy (genl_get_cmd_split() \
                 leaves it without one), and before 6.2 such an op may share its command's \
                 policy; ynl-gen-c generates no check"
            }
            Allowed::IndexedArrayNest => {
                "indexed array of nests: ours NLA_POLICY_NESTED_ARRAY(<set>), 6.12 ynl-gen-c \
                 prints { .type = NLA_INDEXED_ARRAY, } (its TypeArrayNest has no _attr_policy; \
                 not a kernel policy type): ours compared with the spec's nested set"
            }
            Allowed::MultiAttrString => {
                "multi-attr string: ours NLA_NUL_STRING, as the spec's string says; 6.12 \
                 ynl-gen-c writes NLA_STRING (TypeMultiAttr does not take TypeString's \
                 attr_policy, so NLA_{type})"
            }
            Allowed::NestedView => {
                "nest seen through a subset: ours a nested policy per view, accepting only what \
                 the subset names (stricter); ynl-gen-c one per attribute set: the view's \
                 entries compared with the set's, the rest listed as left out"
            }
            Allowed::FamilyNamedSet => {
                "a set named as its family: 6.12 ynl-gen-c names its nested policy \
                 <family>_nl_policy (Struct.render_name), ours <family>_<set>_nl_policy; \
                 compared entry by entry"
            }
            Allowed::FamilyStruct => {
                "genetlink-c/-legacy spec (C names spelled out, or a version other than 1): \
                 6.12 ynl-gen-c leaves the family structure to the module and exports the ops \
                 table (kernel_can_gen_family_struct); ours defines the family with that table \
                 and the groups, as for genetlink"
            }
            Allowed::BinaryMinLenUnspec => {
                "binary lone min-len: ours NLA_POLICY_MIN_LEN(n) (NLA_BINARY); 6.12 ynl-gen-c \
                 writes { .len = n } (NLA_UNSPEC, which strict validation rejects: \
                 NL_VALIDATE_UNSPEC)"
            }
            Allowed::FullRangeOneSided => {
                "one-sided bound beyond s16: our range structure has the type's limit as the \
                 other bound, 6.12 ynl-gen-c leaves that field out (0)"
            }
            Allowed::NestCheck => {
                "generated nest check (<p>_nl_check_<view>(): required attributes inside a \
                 nest, NL_SET_ERR_ATTR_MISS), ours alone, called by the request checks"
            }
            Allowed::ParseHelper => {
                "generated parse helper (<p>_nl_parse_<view>(): nla_parse_nested with the \
                 view's policy), ours alone, declared in the header"
            }
            Allowed::DumpAttrs => {
                "<p>_nl_dump_attrs(): a dump's parsed attributes on every kernel \
                 (genl_dumpit_info(cb)->info.attrs from 6.2, ->attrs before), ours alone"
            }
            Allowed::PutHelper => {
                "put helper of a 64-bit attribute (nla_put_u64_64bit with its set's pad \
                 attribute), ours alone"
            }
        }
    }
}

/// A difference no [`Allowed`] class explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Its class (what `genl.toml` may allow).
    pub class: DiffClass,
    /// Where, and what differs.
    pub at: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.at, self.class)
    }
}

/// What [`ynl_gen_c_policies`] compared.
#[derive(Debug, Default)]
pub struct PolicyReport {
    /// Policy arrays compared (op, nested and < 6.2 union ones).
    pub policies: usize,
    /// Policy entries (attributes) compared.
    pub entries: usize,
    /// Ops table entries compared (split ops and `genl_ops`).
    pub ops: usize,
    /// Header declarations compared.
    pub declarations: usize,
    /// The differences by design met, with where.
    pub allowed: Vec<(Allowed, String)>,
    /// The differences the project allows, with its reason.
    pub user_allowed: Vec<(Difference, UserAllow)>,
    /// The unexplained differences (the check failed if any).
    pub differences: Vec<Difference>,
}

// ---------------------------------------------------------------------------
// The comparison.

/// The C texts compared.
struct Sources<'a> {
    our_src: &'a str,
    our_hdr: &'a str,
    their_src: &'a str,
    their_hdr: &'a str,
}

struct Cmp<'a> {
    /// Our policies (the ≥ 6.2 branch and the common part).
    ours: &'a BTreeMap<String, PolicyArray>,
    /// Our policies of the < 6.2 branch and the common part.
    old_p: &'a BTreeMap<String, PolicyArray>,
    theirs: &'a BTreeMap<String, PolicyArray>,
    /// Our source, ≥ 6.2 and < 6.2.
    new: &'a CFile,
    old: &'a CFile,
    spec: &'a SpecInfo,
    v: &'a Values,
    report: PolicyReport,
    /// Nested policies compared, (ours, theirs).
    nested_done: BTreeSet<(String, String)>,
    /// Our policies compared.
    ours_done: BTreeSet<String>,
    /// Our policies compared as views of one of theirs.
    views: BTreeSet<String>,
    /// Their nested policies ours names otherwise: theirs → ours.
    renamed: BTreeMap<String, String>,
    /// Their entries compared or explained: (policy, attribute value).
    covered: BTreeSet<(String, i128)>,
    /// Our functions accounted for.
    fns: BTreeSet<String>,
}

/// How a policy of ours is compared with one of theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The same policy: the same name, the same entries.
    Same,
    /// A set named as its family: other names, the same entries.
    Renamed,
    /// Ours a view of their set's: a subset of the entries.
    View,
}

/// A big-endian type of ours where 6.12's ynl-gen-c writes the host one.
fn is_be(ours: &str, theirs: &str) -> bool {
    (ours == "NLA_BE16" && theirs == "NLA_U16") || (ours == "NLA_BE32" && theirs == "NLA_U32")
}

impl Cmp<'_> {
    fn allow(&mut self, a: Allowed, at: String) {
        self.report.allowed.push((a, at));
    }

    fn differ(&mut self, class: DiffClass, at: String) {
        self.report.differences.push(Difference { class, at });
    }

    /// A function of ours (either branch), by name.
    fn our_fn(&self, name: &str) -> Option<&Vec<String>> {
        self.new
            .functions
            .get(name)
            .or_else(|| self.old.functions.get(name))
    }

    /// Compares our policy `ours_name` with their `theirs_name`; as a view
    /// (`view`), their entries ours lacks are listed, not differences.
    fn policy(&mut self, at: &str, ours_name: &str, theirs_name: &str, mode: Mode) {
        let view = mode == Mode::View;
        if mode == Mode::Same && ours_name != theirs_name {
            self.differ(
                DiffClass::Policy,
                format!("{at}: policy {ours_name} (ours) vs {theirs_name} (ynl-gen-c)"),
            );
        }
        let (ours, theirs) = (self.ours, self.theirs);
        let (Some(o), Some(t)) = (ours.get(ours_name), theirs.get(theirs_name)) else {
            self.differ(
                DiffClass::Policy,
                format!("{at}: policy {ours_name} or {theirs_name} not found"),
            );
            return;
        };
        self.report.policies += 1;
        self.ours_done.insert(ours_name.to_owned());
        let their_max = t.entries.keys().max().copied();
        if o.size != t.size {
            match (o.size, t.size, their_max) {
                (Some(os), Some(ts), Some(m)) if os > ts && ts == m + 1 => self.allow(
                    Allowed::SizedBySetMax,
                    format!("{at}: {ours_name}[{os}] vs [{ts}]"),
                ),
                _ => self.differ(
                    DiffClass::Policy,
                    format!("{at}: {ours_name} size {:?} vs {:?}", o.size, t.size),
                ),
            }
        }
        let ids: BTreeSet<i128> = o.entries.keys().chain(t.entries.keys()).copied().collect();
        let mut left_out = Vec::new();
        for id in ids {
            match (o.entries.get(&id), t.entries.get(&id)) {
                (Some((oname, op)), Some((_, tp))) => {
                    self.report.entries += 1;
                    self.covered.insert((theirs_name.to_owned(), id));
                    self.entry(&format!("{at} [{oname}]"), oname, op, tp);
                }
                (None, Some((tname, _))) if view => {
                    self.covered.insert((theirs_name.to_owned(), id));
                    left_out.push(tname.clone());
                }
                (Some((name, _)), None) => self.differ(
                    DiffClass::PolicyEntry,
                    format!("{at}: attribute {name} only in ours ({ours_name})"),
                ),
                (None, Some((name, _))) => self.differ(
                    DiffClass::PolicyEntry,
                    format!("{at}: attribute {name} only in ynl-gen-c's ({theirs_name})"),
                ),
                (None, None) => {}
            }
        }
        if view {
            let kept: Vec<&str> = o.entries.values().map(|(n, _)| n.as_str()).collect();
            self.allow(
                Allowed::NestedView,
                format!(
                    "{at}: ours {ours_name} [{}] for ynl-gen-c's {theirs_name}; left out: {}",
                    kept.join(", "),
                    if left_out.is_empty() {
                        "none".into()
                    } else {
                        left_out.join(", ")
                    }
                ),
            );
        }
    }

    /// Compares the nested policies of one entry: the same set's, or ours a
    /// view of theirs.
    fn nested(&mut self, at: &str, on: &str, tn: &str) {
        if !self.nested_done.insert((on.to_owned(), tn.to_owned())) {
            return;
        }
        let at = format!("{at} nested");
        if on == tn {
            return self.policy(&at, on, tn, Mode::Same);
        }
        // A set named as its family: ynl-gen-c's `Struct.render_name` is
        // then the family's alone.
        let ident = self.spec.name.replace('-', "_");
        let own_name = self.spec.sets.iter().any(|(set, s)| {
            s.policy == tn
                && set.to_lowercase().replace('-', "_") == ident
                && on == format!("{ident}_{ident}_nl_policy")
        });
        if own_name {
            self.renamed.insert(tn.to_owned(), on.to_owned());
            self.allow(
                Allowed::FamilyNamedSet,
                format!("{at}: ours {on}, ynl-gen-c's {tn}"),
            );
            return self.policy(&at, on, tn, Mode::Renamed);
        }
        let is_view = match (self.ours.get(on), self.theirs.get(tn)) {
            (Some(o), Some(t)) => o.entries.keys().all(|k| t.entries.contains_key(k)),
            _ => false,
        };
        if is_view {
            self.views.insert(on.to_owned());
            self.policy(&at, on, tn, Mode::View);
        } else {
            self.differ(
                DiffClass::PolicyEntry,
                format!("{at}: nested policy {on} (ours) vs {tn} (ynl-gen-c), not a view of it"),
            );
        }
    }

    /// One attribute's entries: equal, or different only in allowed ways
    /// (each checked against the spec or our generated code).
    fn entry(&mut self, at: &str, c_name: &str, o: &Pol, t: &Pol) {
        // Where ynl-gen-c's copy went without a check, equal is not enough:
        // ours must carry the spec's.
        let stripped = self.spec.stripped.iter().any(|s| s.c_name == c_name);
        if o == t && !stripped {
            // Equal, nested policies by name: those are compared too.
            if let (Some(on), Some(tn)) = (&o.nested, &t.nested) {
                self.nested(at, on, tn);
            }
            return;
        }
        let spec = self.spec;
        let (mut o2, mut t2) = (o.clone(), t.clone());
        let mut notes: Vec<(Allowed, String)> = Vec::new();
        let mut bad: Vec<String> = Vec::new();
        if let Some(a) = spec.attrs.get(c_name) {
            if a.big_endian && is_be(&o2.ty, &t2.ty) {
                t2.ty = o2.ty.clone();
                notes.push((
                    Allowed::BigEndianType,
                    format!("{at}: {} vs {}", o.ty, t.ty),
                ));
            }
            if a.multi_attr
                && a.ty == "string"
                && !a.checks.contains_key("unterminated-ok")
                && o2.ty == "NLA_NUL_STRING"
                && t2.ty == "NLA_STRING"
            {
                t2.ty = o2.ty.clone();
                notes.push((Allowed::MultiAttrString, format!("{at}: ours {o} vs {t}")));
            }
            if let (Some(f), None) = (o2.validate_fn.clone(), &t2.validate_fn) {
                if f.contains("_validate_str_min") {
                    match self.check_str_min(&f, a.check("min-len"), &o2.ty) {
                        Ok(()) => {
                            o2.validate_fn = None;
                            self.fns.insert(f);
                            notes.push((Allowed::StringMinLenFn, format!("{at}: {o} vs {t}")));
                        }
                        Err(e) => bad.push(e),
                    }
                }
            }
            if let Some(st) = spec.stripped(c_name, "enum") {
                let e = a.enum_.as_ref().and_then(|n| spec.enums.get(n));
                let detail = format!("spec {}", st.detail);
                if let (Some(f), None) = (o2.validate_fn.clone(), &t2.validate_fn) {
                    match self.check_enum_fn(&f, &o2.ty, e) {
                        Ok(what) => {
                            o2.validate_fn = None;
                            self.fns.insert(f);
                            notes.push((
                                Allowed::NoncontiguousEnum,
                                format!("{at}: ours {o}: {what}; {detail}"),
                            ));
                        }
                        Err(e) => bad.push(e),
                    }
                } else if let (Some(m), None) = (o2.mask.clone(), &t2.mask) {
                    let want = e.map(SpecEnum::mask).unwrap_or_default();
                    if m == want.to_string() {
                        o2.mask = None;
                        notes.push((
                            Allowed::NoncontiguousEnum,
                            format!("{at}: ours {o}: the flags' mask {want:#x}; {detail}"),
                        ));
                    } else {
                        bad.push(format!("mask {m}, the spec's flags make {want}"));
                    }
                } else if let (Some(e), None) =
                    (e.filter(|e| !e.values.is_empty()), &o2.validate_fn)
                {
                    // The range of its values in the policy, each value
                    // checked by a validator a generated check calls.
                    match self.enum_range_and_validator(&o2, e) {
                        Ok(what) => {
                            o2.min = None;
                            o2.max = None;
                            o2 = o2.normalized();
                            notes.push((
                                Allowed::NoncontiguousEnum,
                                format!("{at}: ours {o}: {what}; {detail}"),
                            ));
                        }
                        Err(e) => bad.push(e),
                    }
                } else if e.is_some_and(|e| e.values.is_empty()) {
                    notes.push((
                        Allowed::NoncontiguousEnum,
                        format!("{at}: ours {o} (the enum has no value to check); {detail}"),
                    ));
                } else {
                    bad.push(format!(
                        "the spec's {}, which ours does not check",
                        st.detail
                    ));
                }
            }
            if let Some(st) = spec.stripped(c_name, "binary-checks") {
                t2.min_len = a.check("min-len").map(|v| v.to_string());
                t2.max_len = a.check("max-len").map(|v| v.to_string());
                t2 = t2.normalized();
                notes.push((
                    Allowed::NotRenderedByYnlGenC,
                    format!("{at}: ours {o}; spec {}", st.detail),
                ));
            }
            if let Some(st) = spec.stripped(c_name, "indexed-array") {
                // An array of scalars has no nested policy; one of nests,
                // its set's.
                let nested = (a.sub_type.as_deref() == Some("nest"))
                    .then(|| a.nested.as_ref().and_then(|n| spec.sets.get(n)))
                    .flatten()
                    .map(|s| s.policy.clone());
                t2 = Pol {
                    ty: "NLA_NESTED_ARRAY".into(),
                    nested,
                    ..Pol::default()
                };
                notes.push((
                    Allowed::NotRenderedByYnlGenC,
                    format!("{at}: ours {o}; spec {}", st.detail),
                ));
            }
            let lone_min_len = a.ty == "binary"
                && a.checks.len() == 1
                && a.checks.contains_key("min-len")
                && spec.stripped(c_name, "binary-checks").is_none();
            if lone_min_len && t2.ty == "NLA_UNSPEC" && o2.ty == "NLA_BINARY" {
                t2.ty = "NLA_BINARY".into();
                t2 = t2.normalized();
                notes.push((
                    Allowed::BinaryMinLenUnspec,
                    format!("{at}: ours {o} vs {t}"),
                ));
            }
            if t2.ty == "NLA_INDEXED_ARRAY"
                && a.ty == "indexed-array"
                && a.sub_type.as_deref() == Some("nest")
            {
                t2.ty = "NLA_NESTED_ARRAY".into();
                t2.nested = a
                    .nested
                    .as_ref()
                    .and_then(|n| spec.sets.get(n))
                    .map(|s| s.policy.clone());
                notes.push((
                    Allowed::IndexedArrayNest,
                    format!(
                        "{at}: ours {o} vs ynl-gen-c {t}; spec: nested-attributes {}",
                        a.nested.as_deref().unwrap_or("?")
                    ),
                ));
            }
            if let (Some((lo, hi)), None) = (type_limits(&o2.ty), &a.enum_) {
                let (has_min, has_max) =
                    (a.checks.contains_key("min"), a.checks.contains_key("max"));
                let (hi, lo) = (Some(hi.to_string()), Some(lo.to_string()));
                let zero = Some("0".to_owned());
                if has_min && !has_max && t2.max == zero && o2.max == hi {
                    t2.max = o2.max.clone();
                    notes.push((Allowed::FullRangeOneSided, format!("{at}: ours {o} vs {t}")));
                } else if has_max && !has_min && lo != zero && t2.min == zero && o2.min == lo {
                    t2.min = o2.min.clone();
                    notes.push((Allowed::FullRangeOneSided, format!("{at}: ours {o} vs {t}")));
                }
            }
        }
        // Nested policies: the same set's, or ours a view of theirs.
        if let (Some(on), Some(tn)) = (o2.nested.clone(), t2.nested.clone()) {
            let (mut x, mut y) = (o2.clone(), t2.clone());
            x.nested = None;
            y.nested = None;
            if x == y && bad.is_empty() {
                self.nested(at, &on, &tn);
                o2.nested = None;
                t2.nested = None;
            }
        }
        if o2 == t2 && bad.is_empty() {
            for (a, w) in notes {
                self.allow(a, w);
            }
            return;
        }
        let why = if bad.is_empty() {
            String::new()
        } else {
            format!(" ({})", bad.join("; "))
        };
        self.differ(
            DiffClass::PolicyEntry,
            format!("{at}: ours {o} vs ynl-gen-c {t}{why}"),
        );
    }

    /// A string `min-len` validation function `f`: named for the spec's
    /// minimum N (`…_validate_str_minN`), and rejecting exactly the strings
    /// shorter than N: `if (strnlen(nla_data(attr), nla_len(attr)) < N)`
    /// … `return -EINVAL;` … `return 0;`.
    fn check_str_min(&self, f: &str, spec_min: Option<i128>, ty: &str) -> Result<(), String> {
        let min = f
            .rsplit_once("_validate_str_min")
            .and_then(|(_, n)| n.parse::<i128>().ok());
        if !ty.ends_with("STRING") {
            return Err(format!("{f} on a {ty}, not a string"));
        }
        let Some(n) = min.filter(|n| Some(*n) == spec_min) else {
            return Err(format!(
                "validate={f}: the spec's min-len is {}",
                spec_min.map_or("none".into(), |m| m.to_string())
            ));
        };
        let b = self
            .our_fn(f)
            .ok_or_else(|| format!("validate={f}: not defined"))?;
        let n = n.to_string();
        let test = [
            "if", "(", "strnlen", "(", "nla_data", "(", "attr", ")", ",", "nla_len", "(", "attr",
            ")", ")", "<", &n, ")",
        ];
        let has = |seq: &[&str]| b.windows(seq.len()).any(|w| w.iter().eq(seq.iter()));
        if has(&test)
            && has(&["return", "-", "EINVAL", ";"])
            && b.ends_with(&["return", "0", ";", "}"].map(String::from))
        {
            Ok(())
        } else {
            Err(format!(
                "validate={f} does not reject exactly the strings shorter than {n}"
            ))
        }
    }

    /// A non-contiguous enum's entry `o`: the range of the enum's values
    /// (lowest to highest; a lowest 0 of an unsigned type left out, as for
    /// any enum), and one of our validation functions accepting exactly its
    /// values ([`check_enum_fn`](Self::check_enum_fn)), called by a
    /// generated check.
    fn enum_range_and_validator(&mut self, o: &Pol, e: &SpecEnum) -> Result<String, String> {
        let lo = e.values.iter().min().copied().unwrap_or_default();
        let hi = e.values.iter().max().copied().unwrap_or_default();
        let want_min = (lo != 0 || o.ty.starts_with("NLA_S")).then(|| lo.to_string());
        if o.min != want_min || o.max != Some(hi.to_string()) {
            return Err(format!(
                "range {:?}..{:?}, the enum's values span {lo}..{hi}",
                o.min, o.max
            ));
        }
        let names: Vec<String> = self
            .new
            .functions
            .keys()
            .filter(|f| f.contains("_nl_validate_") && !f.contains("_validate_str_min"))
            .cloned()
            .collect();
        let f = names
            .iter()
            .find(|f| self.check_enum_fn(f, &o.ty, Some(e)).is_ok())
            .ok_or_else(|| {
                format!(
                    "no validation function accepts exactly the enum's values {:?}",
                    e.values
                )
            })?
            .clone();
        let called =
            self.new.functions.iter().any(|(name, body)| {
                *name != f && body.windows(2).any(|w| w[0] == f && w[1] == "(")
            });
        if !called {
            return Err(format!(
                "{f} accepts the enum's values but no check calls it"
            ));
        }
        self.fns.insert(f.clone());
        Ok(format!(
            "the range {lo}..{hi} of the enum's values, each checked by {f}, which accepts exactly {:?}",
            e.values
        ))
    }

    /// An enum validation function `f` for an entry of type `ty`: `switch
    /// (nla_get_<ty>(attr)) { case A: case B: return 0; }` then `return
    /// -EINVAL;`, its cases exactly the spec enum's values.
    fn check_enum_fn(&self, f: &str, ty: &str, e: Option<&SpecEnum>) -> Result<String, String> {
        let e = e.ok_or_else(|| format!("validate={f}: the spec's enum is unknown"))?;
        let b = self
            .our_fn(f)
            .ok_or_else(|| format!("validate={f}: not defined"))?;
        let get = match ty {
            "NLA_U8" => "nla_get_u8",
            "NLA_U16" => "nla_get_u16",
            "NLA_U32" => "nla_get_u32",
            "NLA_U64" => "nla_get_u64",
            "NLA_BE16" => "nla_get_be16",
            "NLA_BE32" => "nla_get_be32",
            other => return Err(format!("validate={f} on a {other}")),
        };
        let bad = |why: &str| Err(format!("validate={f}: {why}"));
        let Some(sw) = b.iter().position(|t| t == "switch") else {
            return bad("no switch");
        };
        let mut i = sw + 1;
        let cond = skip_group(b, &mut i, "(", ")");
        if !cond.iter().any(|t| t == get) {
            return bad(&format!("does not read the attribute with {get}"));
        }
        if let Some(conv) = ty.strip_prefix("NLA_BE").map(|w| format!("be{w}_to_cpu")) {
            if !cond.contains(&conv) {
                return bad(&format!("does not convert with {conv}"));
            }
        }
        let cases = skip_group(b, &mut i, "{", "}");
        let inner = &cases[1..cases.len().saturating_sub(1)];
        let mut values = BTreeSet::new();
        let mut j = 0;
        while inner.get(j).map(String::as_str) == Some("case") {
            let end = inner[j..]
                .iter()
                .position(|t| t == ":")
                .map(|p| j + p)
                .ok_or("case without :")?;
            let v = self
                .values()
                .eval(&inner[j + 1..end])
                .ok_or_else(|| format!("validate={f}: cannot evaluate a case"))?;
            values.insert(v);
            j = end + 1;
        }
        if inner[j..] != ["return", "0", ";"] {
            return bad("its cases do more than return 0");
        }
        let rest = &b[i..];
        let returns = rest.iter().filter(|t| *t == "return").count();
        if returns != 1 || !rest.ends_with(&["return", "-", "EINVAL", ";", "}"].map(String::from)) {
            return bad("does not end by returning -EINVAL for any other value");
        }
        let want: BTreeSet<i128> = e.values.iter().copied().collect();
        if values != want {
            return bad(&format!("accepts {values:?}, the spec's enum has {want:?}"));
        }
        Ok(format!("{f} accepts exactly {values:?}"))
    }

    fn values(&self) -> &Values {
        self.v
    }

    /// The split ops (≥ 6.2), op by op.
    fn split_ops(&mut self, ours: &BTreeMap<OpKey, Op>, theirs: &BTreeMap<OpKey, Op>) {
        let keys: BTreeSet<OpKey> = ours.keys().chain(theirs.keys()).copied().collect();
        for k in keys {
            let at = format!("op cmd {} {}", k.0, k.1);
            let (o, t) = match (ours.get(&k), theirs.get(&k)) {
                (Some(o), Some(t)) => (o, t),
                (o, _) => {
                    let side = if o.is_some() { "ours" } else { "ynl-gen-c's" };
                    self.differ(DiffClass::Op, format!("{at}: only in {side}"));
                    continue;
                }
            };
            self.report.ops += 1;
            if o.flags != t.flags {
                self.differ(
                    DiffClass::Op,
                    format!("{at}: flags {:?} vs {:?}", o.flags, t.flags),
                );
            }
            if o.dumpit != t.dumpit {
                self.differ(
                    DiffClass::Op,
                    format!("{at}: dumpit {:?} vs {:?}", o.dumpit, t.dumpit),
                );
            }
            match (&o.doit, &t.doit) {
                (a, b) if a == b => {}
                (Some(a), Some(b)) if *a == format!("{b}_checked") => {
                    // The wrapper must check, then call the handler.
                    let c = self.new.functions.get(a).map(|body| Checks::read(body));
                    match c {
                        Some(c)
                            if c.calls.as_deref() == Some(b)
                                && c.checks_anything()
                                && c.rejects_all == o.policy.is_none() =>
                        {
                            self.fns.insert(a.clone());
                            let class = if c.rejects_all {
                                Allowed::NoAttributes
                            } else {
                                Allowed::RequiredCheckWrapper
                            };
                            self.allow(class, format!("{at}: {a}: {}", c.describe()));
                        }
                        _ => self.differ(
                            DiffClass::Op,
                            format!("{at}: {a} does not check and call {b}"),
                        ),
                    }
                }
                (a, b) => self.differ(DiffClass::Op, format!("{at}: doit {a:?} vs {b:?}")),
            }
            match (&o.start, &t.start) {
                (a, b) if a == b => {}
                (Some(s), None) if o.dumpit.is_some() => match self.start_checks(self.new, s) {
                    Ok(c) if c.rejects_all != o.policy.is_none() => self.differ(
                        DiffClass::Op,
                        format!(
                            "{at}: .start {s}: rejects any attribute: {}, has a policy: {}",
                            c.rejects_all,
                            o.policy.is_some()
                        ),
                    ),
                    Ok(c) => {
                        self.fns.insert(s.clone());
                        let class = if c.rejects_all {
                            Allowed::NoAttributes
                        } else {
                            Allowed::DumpStartCheck
                        };
                        self.allow(class, format!("{at}: .start = {s}: {}", c.describe()));
                    }
                    Err(e) => self.differ(DiffClass::Op, format!("{at}: .start {s}: {e}")),
                },
                (a, b) => self.differ(DiffClass::Op, format!("{at}: start {a:?} vs {b:?}")),
            }
            match (&o.policy, &t.policy) {
                (Some(a), Some(b)) => {
                    self.policy(&at, a, b, Mode::Same);
                    let (os, ts) = (
                        self.ours.get(a).and_then(|p| p.size),
                        self.theirs.get(b).and_then(|p| p.size),
                    );
                    match (o.maxattr, t.maxattr) {
                        (x, y) if x == y => {}
                        (Some(x), Some(y)) if x > y && os == Some(x + 1) && ts == Some(y + 1) => {
                            self.allow(Allowed::SizedBySetMax, format!("{at}: maxattr {x} vs {y}"))
                        }
                        (x, y) => {
                            self.differ(DiffClass::Op, format!("{at}: maxattr {x:?} vs {y:?}"))
                        }
                    }
                }
                // An op without a request: no policy on either side.
                (None, None) if o.maxattr.is_none() && t.maxattr.is_none() => {}
                (a, b) => self.differ(
                    DiffClass::Op,
                    format!(
                        "{at}: policy {a:?} (maxattr {:?}) vs {b:?} (maxattr {:?})",
                        o.maxattr, t.maxattr
                    ),
                ),
            }
        }
    }

    /// A dump's generated `.start` in `f`: it reads the request with
    /// `<p>_nl_dump_attrs(cb)`, checks something, and returns 0 when the
    /// request passes.
    fn start_checks(&self, f: &CFile, name: &str) -> Result<Checks, String> {
        let body = f.functions.get(name).ok_or("not defined")?;
        let c = Checks::read(body);
        let reads = body.iter().any(|t| t.ends_with("_nl_dump_attrs"));
        // Only a check of the attributes themselves needs them parsed.
        let needs_attrs = c.checks_anything() && !(c.rejects_all && c.rejected.is_empty());
        if (needs_attrs && !reads) || !c.ends_ok || !c.checks_anything() {
            return Err(format!(
                "does not read the request with <p>_nl_dump_attrs, check it and return 0 ({})",
                c.describe()
            ));
        }
        Ok(c)
    }

    /// Policies no ops table reached: theirs by name; ours must not exist.
    fn unreached(&mut self, our_ops: &BTreeMap<OpKey, Op>, their_ops: &BTreeMap<OpKey, Op>) {
        let theirs = self.theirs;
        for name in theirs.keys() {
            let reached = self.nested_done.iter().any(|(_, t)| t == name)
                || their_ops
                    .values()
                    .any(|o| o.policy.as_deref() == Some(name));
            if !reached {
                if self.ours.contains_key(name) {
                    self.policy(&format!("policy {name}"), name, name, Mode::Same);
                } else {
                    self.differ(
                        DiffClass::Policy,
                        format!("policy {name}: only in ynl-gen-c's"),
                    );
                }
            }
        }
        let ours = self.ours;
        for name in ours.keys() {
            let reached = self.ours_done.contains(name)
                || our_ops.values().any(|o| o.policy.as_deref() == Some(name));
            if !reached {
                self.differ(DiffClass::Policy, format!("policy {name}: only in ours"));
            }
        }
    }

    /// Our < 6.2 table: one `genl_ops` per command, saying what the split
    /// ops say: the union of their policies, their handlers, and generated
    /// checks that reject what each op does not take.
    fn legacy_ops(&mut self, split: &BTreeMap<OpKey, Op>, legacy: &BTreeMap<OpKey, Op>) {
        let cmds: BTreeSet<i128> = split.keys().map(|k| k.0).collect();
        let mut union_policies = BTreeSet::new();
        for cmd in &cmds {
            let at = format!("genl_ops cmd {cmd}");
            let Some(l) = legacy.get(&(*cmd, "cmd")) else {
                self.differ(DiffClass::GenlOps, format!("{at}: missing"));
                continue;
            };
            self.report.ops += 1;
            let (d, u) = (split.get(&(*cmd, "do")), split.get(&(*cmd, "dump")));
            match self.legacy_entry(l, d, u) {
                Ok((policy, notes)) => {
                    union_policies.extend(policy);
                    for (a, what) in notes {
                        self.allow(a, format!("{at}: {what}"));
                    }
                }
                Err(problems) => {
                    self.differ(DiffClass::GenlOps, format!("{at}: {}", problems.join("; ")))
                }
            }
        }
        if legacy.len() != cmds.len() {
            self.differ(
                DiffClass::GenlOps,
                format!(
                    "genl_ops has {} entries for {} commands",
                    legacy.len(),
                    cmds.len()
                ),
            );
        }
        // Every policy of the < 6.2 branch alone is a union one.
        let old_only: Vec<String> = self
            .old_p
            .keys()
            .filter(|n| !self.ours.contains_key(*n) && !union_policies.contains(*n))
            .cloned()
            .collect();
        for n in old_only {
            self.differ(
                DiffClass::GenlOps,
                format!("policy {n} (< 6.2): not the union policy of a command"),
            );
        }
    }

    /// One command's `genl_ops` entry `l` against its split do `d` and dump
    /// `u`: the union policy (if the entry has one of its own) and the
    /// allowed differences from a plain copy of them, or the problems.
    #[allow(clippy::type_complexity)]
    fn legacy_entry(
        &mut self,
        l: &Op,
        d: Option<&Op>,
        u: Option<&Op>,
    ) -> Result<(Option<String>, Vec<(Allowed, String)>), Vec<String>> {
        let mut problems = Vec::new();
        let caps = [
            "GENL_CMD_CAP_DO",
            "GENL_CMD_CAP_DUMP",
            "GENL_CMD_CAP_HASPOL",
        ];
        let want_flags: BTreeSet<String> = d
            .iter()
            .chain(u.iter())
            .flat_map(|o| o.flags.iter())
            .filter(|f| !caps.contains(&f.as_str()))
            .cloned()
            .collect();
        if l.flags != want_flags {
            problems.push(format!(
                "flags {:?}, the split ops' {want_flags:?}",
                l.flags
            ));
        }
        if l.dumpit != u.and_then(|o| o.dumpit.clone()) {
            problems.push(format!("dumpit {:?} vs the split dump's", l.dumpit));
        }
        let want_max = d.and_then(|o| o.maxattr).max(u.and_then(|o| o.maxattr));
        if l.maxattr != want_max {
            problems.push(format!(
                "maxattr {:?}, the split ops' {want_max:?}",
                l.maxattr
            ));
        }
        // The union of the split policies; a nest both list through
        // different views (a conflict) must be validated again by each op.
        let ours = self.ours;
        let pol = |o: Option<&Op>| o.and_then(|o| o.policy.as_ref()).and_then(|n| ours.get(n));
        let (pd, pu) = (pol(d), pol(u));
        let mut union: BTreeMap<i128, (String, Pol)> = BTreeMap::new();
        let mut conflicts: BTreeMap<i128, (String, String)> = BTreeMap::new();
        for (id, (name, p)) in pd.iter().flat_map(|p| p.entries.iter()) {
            union.insert(*id, (name.clone(), p.clone()));
        }
        for (id, (name, p)) in pu.iter().flat_map(|p| p.entries.iter()) {
            match union.get(id) {
                None => {
                    union.insert(*id, (name.clone(), p.clone()));
                }
                Some((_, q)) if q == p => {}
                Some((_, q)) => {
                    let (mut a, mut b) = (q.clone(), p.clone());
                    let (an, bn) = (a.nested.take(), b.nested.take());
                    match (an, bn) {
                        (Some(an), Some(bn)) if a == b => {
                            conflicts.insert(*id, (an, bn));
                        }
                        _ => problems.push(format!("{name}: do {q} vs dump {p}, no union")),
                    }
                }
            }
        }
        let name_of = |ids: &BTreeSet<i128>| -> BTreeSet<String> {
            ids.iter()
                .filter_map(|i| union.get(i).map(|(n, _)| n.clone()))
                .collect()
        };
        let ids = |p: Option<&PolicyArray>| -> BTreeSet<i128> {
            p.map(|p| p.entries.keys().copied().collect())
                .unwrap_or_default()
        };
        let all: BTreeSet<i128> = union.keys().copied().collect();
        let reject_do = name_of(&all.difference(&ids(pd)).copied().collect());
        let reject_dump = name_of(&all.difference(&ids(pu)).copied().collect());
        // The legacy policy is the union.
        let mut legacy_nested: BTreeMap<i128, String> = BTreeMap::new();
        let mut union_name = None;
        match &l.policy {
            None if union.is_empty() => {}
            None => problems.push("no policy for a command whose ops take attributes".into()),
            Some(n) => match self.old_p.get(n) {
                None => problems.push(format!("policy {n} not found")),
                Some(lp) => {
                    let own = !self.ours.contains_key(n);
                    if own {
                        self.report.policies += 1;
                    }
                    let keys: BTreeSet<i128> = lp.entries.keys().copied().collect();
                    if keys != all {
                        problems.push(format!(
                            "policy {n} takes {:?}, the union of the split policies {:?}",
                            lp.entries.values().map(|(n, _)| n).collect::<Vec<_>>(),
                            union.values().map(|(n, _)| n).collect::<Vec<_>>()
                        ));
                    }
                    for (id, (an, p)) in &lp.entries {
                        let Some((_, want)) = union.get(id) else {
                            continue;
                        };
                        if own {
                            self.report.entries += 1;
                        }
                        if conflicts.contains_key(id) {
                            let (mut a, mut b) = (p.clone(), want.clone());
                            let nested = a.nested.take();
                            b.nested = None;
                            match nested {
                                Some(x) if a == b => {
                                    legacy_nested.insert(*id, x);
                                }
                                _ => problems.push(format!("{an}: {p}, not a nest")),
                            }
                        } else if p != want {
                            problems.push(format!("{an}: {p}, the split ops' {want}"));
                        }
                    }
                    let want_size = pd.and_then(|p| p.size).max(pu.and_then(|p| p.size));
                    if lp.size != want_size {
                        problems.push(format!(
                            "policy {n} size {:?}, the split ones' {want_size:?}",
                            lp.size
                        ));
                    }
                    if !self.ours.contains_key(n) {
                        union_name = Some(n.clone());
                    }
                }
            },
        }
        // Each op's own nested policy where the union had to take another.
        let revalidate = |dump: bool| -> BTreeSet<String> {
            conflicts
                .iter()
                .filter_map(|(id, (dn, un))| {
                    let own = if dump { un } else { dn };
                    (legacy_nested.get(id) != Some(own)).then(|| own.clone())
                })
                .collect()
        };
        let mut what = Vec::new();
        let mut notes = Vec::new();
        // The do.
        let (sd, ld) = (d.and_then(|o| o.doit.clone()), l.doit.clone());
        match (&sd, &ld) {
            (None, None) => {}
            (Some(sd), Some(ld)) => {
                let split_c = self.new.functions.get(sd).map(|b| Checks::read(b));
                let handler = match &split_c {
                    Some(c)
                        if c.calls
                            .as_ref()
                            .is_some_and(|h| *sd == format!("{h}_checked")) =>
                    {
                        c.calls.clone().unwrap_or_default()
                    }
                    _ => sd.clone(),
                };
                let split_c = split_c.filter(|_| handler != *sd).unwrap_or_default();
                let want_reval = revalidate(false);
                if reject_do.is_empty() && want_reval.is_empty() && !split_c.checks_anything() {
                    if ld != sd {
                        problems.push(format!("doit {ld}, the split do's {sd}"));
                    }
                } else if *ld != format!("{handler}_checked") {
                    problems.push(format!("doit {ld}, not a check of {handler}"));
                } else {
                    match self.old.functions.get(ld).map(|b| Checks::read(b)) {
                        None => problems.push(format!("{ld} not defined (< 6.2)")),
                        Some(c) => {
                            let mut p = self.same_checks(&c, &split_c, &reject_do, &want_reval);
                            if c.calls.as_deref() != Some(handler.as_str()) {
                                p.push(format!("{ld} does not end by calling {handler}"));
                            }
                            if p.is_empty() {
                                self.fns.insert(ld.clone());
                                if !reject_do.is_empty() || !want_reval.is_empty() {
                                    what.push(format!("doit {ld} {}", c.describe()));
                                }
                            }
                            problems.extend(p);
                        }
                    }
                }
            }
            (a, b) => problems.push(format!("doit {b:?}, the split do's {a:?}")),
        }
        // The dump.
        match (u, &l.start) {
            (None, None) => {}
            (None, Some(s)) => problems.push(format!(".start {s} for a command without a dump")),
            (Some(u), ls) => {
                let split_c = match &u.start {
                    Some(s) => self.start_checks(self.new, s).unwrap_or_default(),
                    None => Checks::default(),
                };
                let want_reval = revalidate(true);
                if reject_dump.is_empty() && want_reval.is_empty() && !split_c.checks_anything() {
                    if *ls != u.start {
                        problems.push(format!(".start {ls:?}, the split dump's {:?}", u.start));
                    }
                } else {
                    let want_name = u.start.clone().or_else(|| {
                        u.dumpit
                            .as_ref()
                            .and_then(|h| h.strip_suffix("_dumpit"))
                            .map(|p| format!("{p}_dump_start"))
                    });
                    match ls {
                        None => problems.push("no .start to check the dump's request".into()),
                        Some(ls) if want_name.as_ref().is_some_and(|w| w != ls) => {
                            problems.push(format!(".start {ls}, not {want_name:?}"))
                        }
                        Some(ls) => match self.start_checks(self.old, ls) {
                            Err(e) => problems.push(format!(".start {ls} (< 6.2): {e}")),
                            Ok(c) => {
                                let p = self.same_checks(&c, &split_c, &reject_dump, &want_reval);
                                if p.is_empty() {
                                    self.fns.insert(ls.clone());
                                    if !reject_dump.is_empty() || !want_reval.is_empty() {
                                        what.push(format!(".start {ls} {}", c.describe()));
                                    }
                                }
                                problems.extend(p);
                            }
                        },
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let (dn, un) = (
            d.and_then(|o| o.policy.clone()),
            u.and_then(|o| o.policy.clone()),
        );
        if union_name.is_some() || !what.is_empty() {
            let mut text = format!(
                "policy {} = the union of {} and {}",
                l.policy.as_deref().unwrap_or("-"),
                dn.as_deref().unwrap_or("(no do policy)"),
                un.as_deref().unwrap_or("(no dump policy)")
            );
            for w in what {
                text += &format!("; {w}");
            }
            notes.push((Allowed::LegacyUnionOps, text));
        }
        Ok((union_name, notes))
    }

    /// A < 6.2 check `c` against the split one `split`: the same
    /// requirements and nest checks, and exactly the rejections `reject`
    /// and the nested validations `revalidate` the union needs.
    fn same_checks(
        &self,
        c: &Checks,
        split: &Checks,
        reject: &BTreeSet<String>,
        revalidate: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut p = Vec::new();
        if c.rejects_all != split.rejects_all {
            p.push(format!(
                "rejects any attribute: {}, the split op: {}",
                c.rejects_all, split.rejects_all
            ));
        }
        if c.rejected != *reject && !c.rejects_all {
            p.push(format!(
                "rejects {:?}, the ops' difference is {reject:?}",
                c.rejected
            ));
        }
        if c.required != split.required || c.nest_checks != split.nest_checks {
            p.push(format!(
                "checks ({}) differ from the split op's ({})",
                c.describe(),
                split.describe()
            ));
        }
        let want: BTreeSet<String> = split.revalidated.union(revalidate).cloned().collect();
        if c.revalidated != want {
            p.push(format!(
                "validates nests again with {:?}, needs {want:?}",
                c.revalidated
            ));
        }
        p
    }

    /// Every function of ours is accounted for: the wrappers and validation
    /// functions by the comparisons above, the others by their kind. Every
    /// function of theirs must be in ours, alike.
    fn functions(&mut self, theirs: &CFile) {
        let names: BTreeSet<String> = self
            .new
            .functions
            .keys()
            .chain(self.old.functions.keys())
            .cloned()
            .collect();
        for f in &names {
            if self.fns.contains(f) {
                continue;
            }
            let body = self.our_fn(f).cloned().unwrap_or_default();
            let called = self
                .new
                .functions
                .iter()
                .chain(self.old.functions.iter())
                .any(|(g, b)| g != f && b.iter().any(|t| t == f));
            if f.contains("_nl_check_") {
                let ok = body.iter().any(|t| t == "nla_find_nested")
                    && body.iter().any(|t| t == "NL_SET_ERR_ATTR_MISS")
                    && body.ends_with(&["return", "0", ";", "}"].map(String::from));
                let required: BTreeSet<String> = calls_of(&body, "nla_find_nested")
                    .iter()
                    .filter_map(|a| a.get(1).map(|x| x.join(" ")))
                    .collect();
                if ok && called {
                    self.allow(
                        Allowed::NestCheck,
                        format!(
                            "{f}: requires {}",
                            required.into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    );
                } else {
                    self.differ(
                        DiffClass::Function,
                        format!("{f}: not a nest check called by a request check"),
                    );
                }
            } else if f.contains("_nl_parse_") {
                let policy = calls_of(&body, "nla_parse_nested")
                    .first()
                    .and_then(|a| a.get(3).map(|x| x.join("")));
                match policy {
                    Some(p) if self.ours.contains_key(&p) => self.allow(
                        Allowed::ParseHelper,
                        format!("{f}: nla_parse_nested with {p}"),
                    ),
                    p => self.differ(
                        DiffClass::Function,
                        format!("{f}: parses with {p:?}, not a policy of ours"),
                    ),
                }
            } else if f.ends_with("_nl_dump_attrs") {
                let has = |b: Option<&Vec<String>>, seq: &[&str]| {
                    b.is_some_and(|b| b.windows(seq.len()).any(|w| w.iter().eq(seq.iter())))
                };
                let (n, o) = (self.new.functions.get(f), self.old.functions.get(f));
                let new_ok = has(
                    n,
                    &[
                        "genl_dumpit_info",
                        "(",
                        "cb",
                        ")",
                        "-",
                        ">",
                        "info",
                        ".",
                        "attrs",
                    ],
                );
                let old_ok = has(o, &["genl_dumpit_info", "(", "cb", ")", "-", ">", "attrs"]);
                if new_ok && old_ok {
                    self.allow(
                        Allowed::DumpAttrs,
                        format!("{f}: genl_dumpit_info(cb)->info.attrs (≥ 6.2), ->attrs (< 6.2)"),
                    );
                } else {
                    self.differ(
                        DiffClass::Function,
                        format!(
                            "{f}: not genl_dumpit_info(cb)->info.attrs (≥ 6.2) and ->attrs (< 6.2)"
                        ),
                    );
                }
            } else {
                self.differ(
                    DiffClass::Function,
                    format!("{f}: only in ours, of no known kind (or unused)"),
                );
            }
        }
        for (f, body) in &theirs.functions {
            if self.our_fn(f) != Some(body) {
                self.differ(
                    DiffClass::Function,
                    format!("{f}: ynl-gen-c's, not in ours alike"),
                );
            }
        }
    }

    /// The groups and the family, in both branches: ≥ 6.2 as ynl-gen-c's,
    /// < 6.2 the same with `.ops`/`.n_ops` for the split ones.
    fn family(&mut self, theirs: &CFile) {
        for name in ["struct genl_multicast_group", "struct genl_family"] {
            let o = self.new.defs.iter().find(|d| d.ty == name);
            let t = theirs.defs.iter().find(|d| d.ty == name);
            let key = |d: Option<&c::Def>| d.map(|d| (d.name.clone(), d.init.clone()));
            let left_to_module = name == "struct genl_family"
                && t.is_none()
                && matches!(
                    self.spec.protocol.as_str(),
                    "genetlink-c" | "genetlink-legacy"
                );
            if let (Some(d), true) = (o, left_to_module) {
                match self.our_family(d, theirs) {
                    Ok(what) => self.allow(Allowed::FamilyStruct, what),
                    Err(e) => self.differ(DiffClass::Family, e),
                }
            } else if key(o) != key(t) {
                self.differ(
                    DiffClass::Family,
                    format!(
                        "{name}: {:?} vs {:?}",
                        o.map(|d| (&d.name, d.init.text())),
                        t.map(|d| (&d.name, d.init.text()))
                    ),
                );
            }
            let old = self.old.defs.iter().find(|d| d.ty == name);
            let renamed = old.map(|d| {
                let text = d
                    .init
                    .text()
                    .replace(".n_ops =", ".n_split_ops =")
                    .replace(".ops =", ".split_ops =");
                (d.name.clone(), text)
            });
            if renamed != o.map(|d| (d.name.clone(), d.init.text())) {
                self.differ(
                    DiffClass::GenlOps,
                    format!(
                        "{name} (< 6.2): {:?} vs ≥ 6.2 {:?}",
                        old.map(|d| d.init.text()),
                        o.map(|d| d.init.text())
                    ),
                );
            }
        }
    }

    /// Our family structure where ynl-gen-c leaves it to the module: it
    /// has ynl-gen-c's ops table (the split one; `.ops` below 6.2) and
    /// groups, and the uapi header's name and version.
    fn our_family(&self, d: &c::Def, theirs: &CFile) -> Result<String, String> {
        let field = |k: &str| d.init.field(k).map(|i| i.text());
        let table = theirs
            .defs
            .iter()
            .find(|d| d.ty == "struct genl_split_ops")
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let groups = theirs
            .defs
            .iter()
            .find(|d| d.ty == "struct genl_multicast_group")
            .map(|d| d.name.clone());
        let want = [
            (".split_ops", Some(table.clone())),
            (".n_split_ops", Some(format!("ARRAY_SIZE ( {table} )"))),
            (".mcgrps", groups.clone()),
            (
                ".n_mcgrps",
                groups.as_ref().map(|g| format!("ARRAY_SIZE ( {g} )")),
            ),
        ];
        let mut bad = Vec::new();
        for (k, v) in &want {
            if field(k) != *v {
                bad.push(format!("{k} {:?}, not {v:?}", field(k)));
            }
        }
        let ident = self.spec.name.replace('-', "_").to_uppercase();
        for (k, suffix) in [(".name", "_FAMILY_NAME"), (".version", "_FAMILY_VERSION")] {
            if !field(k).is_some_and(|v| v.ends_with(suffix) && v.starts_with(&ident)) {
                bad.push(format!(
                    "{k} {:?}, not the uapi header's {ident}…{suffix}",
                    field(k)
                ));
            }
        }
        if bad.is_empty() {
            Ok(format!(
                "{} ({} spec): ours with {table}{}",
                d.name,
                self.spec.protocol,
                groups.map(|g| format!(" and {g}")).unwrap_or_default()
            ))
        } else {
            Err(format!("struct genl_family {}: {}", d.name, bad.join("; ")))
        }
    }

    /// The headers: theirs' prototypes, externs and enums in ours, alike;
    /// ours' others of known kinds.
    fn headers(&mut self, oh: &CFile, th: &CFile) {
        for (name, proto) in &th.prototypes {
            self.report.declarations += 1;
            match oh.prototypes.get(name) {
                Some(p) if p == proto => {}
                p => self.differ(
                    DiffClass::Declaration,
                    format!("header: {name}: {p:?} vs {proto}"),
                ),
            }
        }
        for name in oh
            .prototypes
            .keys()
            .filter(|n| !th.prototypes.contains_key(*n))
        {
            let ok = self.report.allowed.iter().any(|(a, w)| {
                matches!(a, Allowed::ParseHelper | Allowed::DumpAttrs)
                    && w.starts_with(&format!("{name}:"))
            });
            let kind = if name.ends_with("_nl_dump_attrs") {
                Allowed::DumpAttrs
            } else {
                Allowed::ParseHelper
            };
            if ok {
                self.allow(kind, format!("header: {name} declared"));
            } else {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: {name}: only in ours, of no known kind"),
                );
            }
        }
        let family_ours = self
            .report
            .allowed
            .iter()
            .any(|(a, _)| *a == Allowed::FamilyStruct);
        for (name, ty) in &th.externs {
            self.report.declarations += 1;
            let ours_name = self.renamed.get(name).unwrap_or(name);
            match oh.externs.get(ours_name) {
                Some(t) if t == ty => {
                    if ours_name != name {
                        self.allow(
                            Allowed::FamilyNamedSet,
                            format!("header: extern {ours_name} for ynl-gen-c's {name}"),
                        );
                    }
                }
                // Their exported ops table is our static one.
                None if family_ours
                    && ty == "struct genl_split_ops"
                    && self.new.defs.iter().any(|d| d.name == *name && d.ty == *ty) =>
                {
                    self.allow(
                        Allowed::FamilyStruct,
                        format!("header: ynl-gen-c exports {name}, ours is static to its family"),
                    );
                }
                t => self.differ(
                    DiffClass::Declaration,
                    format!("header: extern {name}: {t:?} vs {ty}"),
                ),
            }
        }
        let renamed_ours: BTreeSet<String> = self.renamed.values().cloned().collect();
        for name in oh.externs.keys().filter(|n| !th.externs.contains_key(*n)) {
            let ty = oh.externs.get(name).map(String::as_str);
            if self.views.contains(name) {
                self.allow(
                    Allowed::NestedView,
                    format!("header: extern {name} (a view's policy)"),
                );
            } else if renamed_ours.contains(name) {
                // Allowed with their name, above.
            } else if family_ours && ty == Some("struct genl_family") {
                self.allow(
                    Allowed::FamilyStruct,
                    format!("header: extern {name} (ours defines the family)"),
                );
            } else {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: extern {name}: only in ours"),
                );
            }
        }
        for e in &th.enums {
            self.report.declarations += 1;
            if !oh.enums.contains(e) {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: enum {{ {e} }}: not in ours"),
                );
            }
        }
        for (f, body) in &th.functions {
            if oh.functions.get(f) != Some(body) {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: {f}: ynl-gen-c's, not in ours alike"),
                );
            }
        }
        for (f, body) in &oh.functions {
            if th.functions.contains_key(f) {
                continue;
            }
            match self.put_helper(body) {
                Ok(what) => self.allow(Allowed::PutHelper, format!("header: {f}: {what}")),
                Err(e) => self.differ(DiffClass::Declaration, format!("header: {f}: {e}")),
            }
        }
    }

    /// A put helper: `return nla_put_u64_64bit(skb, A, value, PAD);` with
    /// A a 64-bit attribute and PAD the pad attribute of its set.
    fn put_helper(&self, body: &[String]) -> Result<String, String> {
        let calls = calls_of(body, "nla_put_u64_64bit");
        let [args] = &calls[..] else {
            return Err("only in ours, of no known kind".into());
        };
        let arg = |i: usize| args.get(i).map(|a| a.join(" ")).unwrap_or_default();
        let (a, pad) = (arg(1), arg(3));
        let wide =
            |x: &super::spec::SpecAttr| matches!(x.ty.as_str(), "u64" | "s64" | "uint" | "sint");
        match (self.spec.attrs.get(&a), self.spec.attrs.get(&pad)) {
            (Some(x), Some(p)) if wide(x) && p.ty == "pad" && p.set == x.set => {
                Ok(format!("nla_put_u64_64bit({a}, pad {pad})"))
            }
            _ => Err(format!(
                "puts {a} with pad {pad}: not a 64-bit attribute and its set's pad"
            )),
        }
    }

    /// Every entry of theirs was compared (the floor).
    fn coverage(&mut self) {
        let theirs = self.theirs;
        let missing: Vec<String> = theirs
            .iter()
            .flat_map(|(n, p)| {
                p.entries
                    .iter()
                    .filter(|(id, _)| !self.covered.contains(&(n.clone(), **id)))
                    .map(move |(_, (a, _))| format!("{n} [{a}]"))
            })
            .collect();
        if !missing.is_empty() {
            self.differ(
                DiffClass::Coverage,
                format!(
                    "ynl-gen-c's policy entries not compared: {}",
                    missing.join(", ")
                ),
            );
        }
    }
}

/// Compares our kernel code with ynl-gen-c's, by meaning; the differences
/// `allow` allows are moved to [`PolicyReport::user_allowed`].
fn compare(
    s: &Sources<'_>,
    v: &Values,
    spec: &SpecInfo,
    allow: &[UserAllow],
) -> Result<PolicyReport, String> {
    // Ours with split ops (as 6.12 builds it) and without (as 6.1 does);
    // ynl-gen-c's has no feature switch.
    let new = read_c(s.our_src, &[c::SPLIT_OPS])?;
    let old = read_c(s.our_src, &[])?;
    let theirs = read_c(s.their_src, &[])?;
    let (ours_p, ours_ranges) = policies(&new, v)?;
    let (old_p, _) = policies(&old, v)?;
    let (theirs_p, _) = policies(&theirs, v)?;
    let (_, our_ops) = ops(&new, v)?;
    let (_, their_ops) = ops(&theirs, v)?;
    let (_, legacy) = ops(&old, v)?;
    let mut c = Cmp {
        ours: &ours_p,
        old_p: &old_p,
        theirs: &theirs_p,
        new: &new,
        old: &old,
        spec,
        v,
        report: PolicyReport::default(),
        nested_done: BTreeSet::new(),
        ours_done: BTreeSet::new(),
        views: BTreeSet::new(),
        renamed: BTreeMap::new(),
        covered: BTreeSet::new(),
        fns: BTreeSet::new(),
    };
    for (name, (_, is_const)) in &ours_ranges {
        if !is_const {
            c.allow(Allowed::RangeNotConst, name.clone());
        }
    }
    c.split_ops(&our_ops, &their_ops);
    c.unreached(&our_ops, &their_ops);
    c.legacy_ops(&our_ops, &legacy);
    c.functions(&theirs);
    c.family(&theirs);
    let (oh, th) = (
        read_c(s.our_hdr, &[c::SPLIT_OPS])?,
        read_c(s.their_hdr, &[])?,
    );
    c.headers(&oh, &th);
    c.coverage();
    let mut r = c.report;
    let (mine, left): (Vec<Difference>, Vec<Difference>) =
        r.differences.into_iter().partition(|d| {
            d.class != DiffClass::Coverage && find_allow(allow, d.class, &d.at).is_some()
        });
    r.differences = left;
    r.user_allowed = mine
        .into_iter()
        .filter_map(|d| {
            let a = find_allow(allow, d.class, &d.at)?.clone();
            Some((d, a))
        })
        .collect();
    print_report(&r);
    Ok(r)
}

/// Runs the kernel's `ynl-gen-c.py --mode kernel` (`--source` and
/// `--header`) on `spec` and compares the policies, ops, groups, functions
/// and declarations with ours (`our_source`, `our_header`: the generated
/// `<family>-nl.c` and `-nl.h`), using the constants of `uapi_header`:
/// [`ynl_gen_c_policies_with`] with the default [`CheckOptions`].
pub fn ynl_gen_c_policies(
    spec: &Path,
    our_source: &Path,
    our_header: &Path,
    uapi_header: &Path,
) -> Result<PolicyReport, String> {
    ynl_gen_c_policies_with(
        spec,
        our_source,
        our_header,
        uapi_header,
        &CheckOptions::default(),
    )
}

/// [`ynl_gen_c_policies`] with `options`: differences `options.allow`
/// allows pass (printed with their reasons); if ynl-gen-c cannot process
/// the spec at all and `options.allow` allows that
/// ([`DiffClass::YnlGenCFails`]), the step is "not applicable" and the
/// report empty. Prints the comparison; an error lists the unexplained
/// differences. The work directory is removed on every path unless
/// `options.keep_work`.
pub fn ynl_gen_c_policies_with(
    spec: &Path,
    our_source: &Path,
    our_header: &Path,
    uapi_header: &Path,
    options: &CheckOptions,
) -> Result<PolicyReport, String> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    let tree = kernel_source::tree()?;
    let gen = kernel_source::ynl_gen_c(&tree)?;
    let (work, work_spec) = ynl_work_tree(spec, "kernel", options.keep_work)?;
    let result = (|| {
        let info = prepare(&work_spec, true)?;
        info.print_stripped();
        let mut theirs = BTreeMap::new();
        for (mode, ext) in [("--source", "c"), ("--header", "h")] {
            let out = work.path().join(format!("ynl-kernel.{ext}"));
            println!(
                "ynl: {} --mode kernel {mode} --spec {}",
                gen.display(),
                spec.display()
            );
            if let Err(e) = run_ynl_gen_c(&gen, &["--mode", "kernel", mode], &work_spec, &out) {
                return not_applicable(e, &options.allow).map(|()| None);
            }
            let text =
                std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            theirs.insert(mode, text);
        }
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let consts = constants(uapi_header, &work.path().join("uapi"))?;
        let values = Values::new(
            consts
                .values
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.parse().ok()?)))
                .collect(),
        );
        let (src, hdr) = (read(our_source)?, read(our_header)?);
        let sources = Sources {
            our_src: &src,
            our_hdr: &hdr,
            their_src: &theirs["--source"],
            their_hdr: &theirs["--header"],
        };
        compare(&sources, &values, &info, &options.allow).map(Some)
    })();
    match result {
        Ok(Some(r)) if r.differences.is_empty() => Ok(r),
        Ok(None) => Ok(PolicyReport::default()),
        Ok(Some(r)) => Err(format!(
            "our kernel code differs from ynl-gen-c's (unexplained): {}{}",
            r.differences
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            work.note()
        )),
        Err(e) => Err(format!("{e}{}", work.note())),
    }
}

fn print_report(r: &PolicyReport) {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nynl-gen-c --mode kernel: {} policies, {} attribute entries, {} ops entries, {} header declarations compared",
        r.policies, r.entries, r.ops, r.declarations
    );
    let mut by: BTreeMap<Allowed, Vec<&String>> = BTreeMap::new();
    for (a, at) in &r.allowed {
        by.entry(*a).or_default().push(at);
    }
    for (a, ats) in &by {
        let _ = writeln!(s, "  allowed ({}): {}", ats.len(), a.reason());
        for at in ats {
            let _ = writeln!(s, "      {at}");
        }
    }
    let mut mine: BTreeMap<String, (String, Vec<&Difference>)> = BTreeMap::new();
    for (d, a) in &r.user_allowed {
        mine.entry(a.label())
            .or_insert_with(|| (a.reason.clone(), Vec::new()))
            .1
            .push(d);
    }
    for (label, (reason, ds)) in &mine {
        let _ = writeln!(
            s,
            "  allowed by genl.toml ({}, {label}): {reason}",
            ds.len()
        );
        for d in ds {
            let _ = writeln!(s, "      {}", d.at);
        }
    }
    if r.differences.is_empty() {
        let _ = writeln!(s, "  no other difference");
    } else {
        for d in &r.differences {
            let _ = writeln!(s, "  DIFFERS ({}): {}", d.class, d.at);
        }
    }
    print!("{s}");
}
