//! The comparison of our kernel code with ynl-gen-c's (see [`super`]):
//! the state it keeps, the entry point [`compare`] and the floor
//! ([`Cmp::coverage`]); the parts compared are in the submodules.

mod functions;
mod headers;
mod mismatch;
mod ops;
mod policy;

use std::collections::{BTreeMap, BTreeSet};

use super::c::{
    self, calls_of, ops, policies, read_c, skip_group, type_limits, CFile, CReadError, Checks, Op,
    OpKey, Pol, PolicyArray, Values,
};
use super::{find_allow, Allowed, DiffClass, Difference, PolicyReport, UserAllow};
use crate::check::spec::{SpecEnum, SpecInfo};
use mismatch::Mismatch;

/// The C texts compared.
pub(super) struct Sources<'a> {
    pub(super) our_src: &'a str,
    pub(super) our_hdr: &'a str,
    pub(super) their_src: &'a str,
    pub(super) their_hdr: &'a str,
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
pub(super) fn compare(
    s: &Sources<'_>,
    v: &Values,
    spec: &SpecInfo,
    allow: &[UserAllow],
) -> Result<PolicyReport, CReadError> {
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
    Ok(r)
}
