//! The comparison on C both generators really wrote: genl's output for the
//! portwatch schema (`examples/portwatch/kmod/`), and in `testdata/portwatch/`
//! the YNL spec and what Linux 6.12's `ynl-gen-c.py --mode
//! kernel --source`/`--header` printed for that spec (on the copy `genl
//! check` gives it: `ynl-gen-c-6.12.[ch]`); `spec.json` is the spec as the
//! check reads it. Each defect is shown on these files, then on a mutation
//! that must fail. Smaller shapes portwatch does not have use snippets whose
//! ynl-gen-c side is what 6.12's ynl-gen-c printed for them (quoted where
//! used).

use std::collections::BTreeSet;

use super::super::spec::{SpecAttr, SpecInfo};
use super::super::ynl::tokens;
use super::super::ynl::{constants, WorkDir};
use super::c::{parse_init, pol_of, Init, Values};
use super::*;

const OURS_C: &str = include_str!("../../../../examples/portwatch/kmod/portwatch-nl.c");
const OURS_H: &str = include_str!("../../../../examples/portwatch/kmod/portwatch-nl.h");
const THEIRS_C: &str = include_str!("../testdata/portwatch/ynl-gen-c-6.12.c");
const THEIRS_H: &str = include_str!("../testdata/portwatch/ynl-gen-c-6.12.h");
const SPEC_JSON: &str = include_str!("../testdata/portwatch/spec.json");

/// The uapi header's constants, as `genl check` computes them (gcc).
fn portwatch_values() -> Values {
    assert!(
        crate::host::have("gcc"),
        "gcc is needed to evaluate the uapi header"
    );
    let work = WorkDir::new(
        std::env::temp_dir().join(format!(
            "genl-ynl-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        )),
        false,
    )
    .unwrap();
    let header = work.path().join("portwatch.h");
    std::fs::write(
        &header,
        include_str!("../../../../examples/portwatch/kmod/include/uapi/linux/portwatch.h"),
    )
    .unwrap();
    let c = constants(&header, &work.path().join("c")).unwrap();
    Values::new(
        c.values
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.parse().ok()?)))
            .collect(),
    )
}

fn portwatch_spec() -> SpecInfo {
    serde_json::from_str(SPEC_JSON).unwrap()
}

/// Runs the comparison on portwatch with `ours_c`/`theirs_c` (mutated or
/// not) and the spec `spec`.
fn portwatch(ours_c: &str, theirs_c: &str, spec: &SpecInfo, allow: &[UserAllow]) -> PolicyReport {
    let s = Sources {
        our_src: ours_c,
        our_hdr: OURS_H,
        their_src: theirs_c,
        their_hdr: THEIRS_H,
    };
    compare(&s, &portwatch_values(), spec, allow).unwrap()
}

fn kinds(r: &PolicyReport) -> BTreeSet<Allowed> {
    r.allowed.iter().map(|(a, _)| *a).collect()
}

/// The places an allowed class was met at.
fn at(r: &PolicyReport, a: Allowed) -> Vec<&str> {
    r.allowed
        .iter()
        .filter(|(k, _)| *k == a)
        .map(|(_, w)| w.as_str())
        .collect()
}

/// Replaces `from` (which must be there) by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in the text");
    text.replacen(from, to, 1)
}

fn differs(r: &PolicyReport, class: DiffClass, needle: &str) -> bool {
    r.differences
        .iter()
        .any(|d| d.class == class && d.at.contains(needle))
}

mod portwatch;
mod shapes;
mod snippets;

// Shapes portwatch does not have: snippets, compared with made-up values
// and spec attributes.

fn values(pairs: &[(&str, i128)]) -> Values {
    Values::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
}

fn spec_attr(c: &str, set: &str, ty: &str, checks: &[(&str, &str)]) -> (String, SpecAttr) {
    (
        c.to_owned(),
        SpecAttr {
            set: set.into(),
            ty: ty.into(),
            checks: checks
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..SpecAttr::default()
        },
    )
}

fn run(ours: &str, theirs: &str, v: &Values, spec: &SpecInfo) -> PolicyReport {
    let s = Sources {
        our_src: ours,
        our_hdr: "",
        their_src: theirs,
        their_hdr: "",
    };
    compare(&s, v, spec, &[]).unwrap()
}

#[test]
fn the_summary_lists_what_was_compared_allowed_and_differs() {
    let r = PolicyReport {
        policies: 2,
        entries: 9,
        ops: 3,
        declarations: 4,
        allowed: vec![],
        user_allowed: vec![(
            Difference {
                class: DiffClass::Op,
                at: "op get".into(),
            },
            UserAllow {
                class: DiffClass::Op,
                at: None,
                reason: "ours has more".into(),
            },
        )],
        differences: vec![Difference {
            class: DiffClass::PolicyEntry,
            at: "X_A_Y".into(),
        }],
    };
    assert_eq!(
        r.summary(),
        "\nynl-gen-c --mode kernel: 2 policies, 9 attribute entries, 3 ops entries, \
         4 header declarations compared\n  \
         allowed by genl.toml (1, op): ours has more\n      \
         op get\n  \
         DIFFERS (policy-entry): X_A_Y\n"
    );
    let clean = PolicyReport::default();
    assert!(clean.summary().ends_with("\n  no other difference\n"));
}
