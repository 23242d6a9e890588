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
mod compare;
mod error;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use c::Values;
use compare::{compare, Sources};

pub use c::CReadError;
pub use error::PolicyCheckError;

use super::spec::prepare;
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
    say: &mut dyn FnMut(&str),
) -> Result<PolicyReport, PolicyCheckError> {
    ynl_gen_c_policies_with(
        spec,
        our_source,
        our_header,
        uapi_header,
        &CheckOptions::default(),
        say,
    )
}

/// [`ynl_gen_c_policies`] with `options`: differences `options.allow`
/// allows pass (printed with their reasons); if ynl-gen-c cannot process
/// the spec at all and `options.allow` allows that
/// ([`DiffClass::YnlGenCFails`]), the step is "not applicable" and the
/// report empty. Says what it runs and the comparison
/// ([`PolicyReport::summary`]) to `say`; an error lists the unexplained
/// differences. The work directory is removed on every path unless
/// `options.keep_work`.
pub fn ynl_gen_c_policies_with(
    spec: &Path,
    our_source: &Path,
    our_header: &Path,
    uapi_header: &Path,
    options: &CheckOptions,
    say: &mut dyn FnMut(&str),
) -> Result<PolicyReport, PolicyCheckError> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    let tree = kernel_source::tree()?;
    let gen = kernel_source::ynl_gen_c(&tree)?;
    let (work, work_spec) = ynl_work_tree(spec, "kernel", options.keep_work)?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|error| PolicyCheckError::Io {
            path: path.to_owned(),
            error,
        })
    };
    let result = (|| -> Result<Option<PolicyReport>, PolicyCheckError> {
        let info = prepare(&work_spec, true)?;
        info.say_stripped(say);
        let mut theirs = BTreeMap::new();
        for (mode, ext) in [("--source", "c"), ("--header", "h")] {
            let out = work.path().join(format!("ynl-kernel.{ext}"));
            say(&format!(
                "ynl: {} --mode kernel {mode} --spec {}",
                gen.display(),
                spec.display()
            ));
            if let Err(e) = run_ynl_gen_c(&gen, &["--mode", "kernel", mode], &work_spec, &out) {
                not_applicable(e, &options.allow, say)?;
                return Ok(None);
            }
            theirs.insert(mode, read(&out)?);
        }
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
        let r = compare(&sources, &values, &info, &options.allow)?;
        say(r.summary().trim_end_matches('\n'));
        Ok(Some(r))
    })();
    let result = match result {
        Ok(Some(r)) if r.differences.is_empty() => Ok(r),
        Ok(None) => Ok(PolicyReport::default()),
        Ok(Some(r)) => Err(PolicyCheckError::Differ {
            differences: r.differences,
        }),
        Err(e) => Err(e),
    }
    .map_err(|e| PolicyCheckError::Work {
        error: Box::new(e),
        note: work.note(),
    });
    work.finish(say);
    result
}

impl PolicyReport {
    /// The comparison as `genl check` shows it: what was compared, what
    /// is allowed (by genl and by genl.toml) and what differs, a line each.
    pub fn summary(&self) -> String {
        let r = self;
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
        s
    }
}
