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

// ---------------------------------------------------------------------------
// portwatch, as both generators wrote it.

#[test]
fn portwatch_compares_equal_but_for_the_allowed_classes() {
    let r = portwatch(OURS_C, THEIRS_C, &portwatch_spec(), &[]);
    assert!(r.differences.is_empty(), "{:#?}", r.differences);
    assert_eq!(
        kinds(&r),
        [
            Allowed::SizedBySetMax,
            Allowed::RequiredCheckWrapper,
            Allowed::DumpStartCheck,
            Allowed::RangeNotConst,
            Allowed::NotRenderedByYnlGenC,
            Allowed::NoncontiguousEnum,
            Allowed::LegacyUnionOps,
            Allowed::NoAttributes,
            Allowed::IndexedArrayNest,
            Allowed::MultiAttrString,
            Allowed::NestedView,
            Allowed::NestCheck,
            Allowed::ParseHelper,
            Allowed::DumpAttrs,
            Allowed::PutHelper,
        ]
        .into_iter()
        .collect()
    );
    // ynl-gen-c's 7 policies (44 entries with the nested ones, each
    // compared), 8 split ops and 7 genl_ops.
    assert_eq!(r.ops, 8 + 7);
    assert!(r.policies > 7, "{}", r.policies);
    // 8 handlers, 3 externs (2 policies, the family) and the groups' enum
    // of ynl-gen-c's header.
    assert_eq!(r.declarations, 8 + 3 + 1);
}

/// Defect 1: `proto` (tcp = 6, udp = 17) is not contiguous; ynl-gen-c ran
/// without its `enum:`, and ours (the range 6..17 in the policy, each value
/// checked by a validation function the generated checks call) is checked
/// against the spec's values.
#[test]
fn a_noncontiguous_enum_is_checked_against_the_spec() {
    let spec = portwatch_spec();
    let s = spec.stripped("PORTWATCH_A_MATCH_PROTO", "enum").unwrap();
    assert!(s.detail.contains("noncontiguous"), "{}", s.detail);
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::NoncontiguousEnum);
    assert!(
        w.iter()
            .any(|w| w.contains("[PORTWATCH_A_MATCH_PROTO]") && w.contains("exactly [6, 17]")),
        "{w:?}"
    );
    // A function that forgets a value, accepts one more, or lets anything
    // through fails.
    let none = "no validation function accepts exactly the enum's values";
    for (from, to, why) in [
        ("\tcase PORTWATCH_PROTO_UDP:\n", "", none),
        (
            "\tcase PORTWATCH_PROTO_UDP:\n",
            "\tcase PORTWATCH_PROTO_UDP:\n\tcase 7:\n",
            none,
        ),
        (
            "\tNL_SET_ERR_MSG_ATTR(extack, attr, \"not a value of its enum\");\n\treturn -EINVAL;",
            "\treturn 0;",
            none,
        ),
        (
            "switch (nla_get_u8(attr))",
            "switch (nla_get_u16(attr))",
            none,
        ),
        // The range of the values, not another.
        (
            "NLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, PORTWATCH_PROTO_UDP)",
            "NLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, 20)",
            "the enum's values span 6..17",
        ),
        // A validator no check calls checks nothing.
        (
            "\t\t\terr = portwatch_nl_validate_proto(pos, extack);",
            "\t\t\terr = 0;",
            "no check calls it",
        ),
    ] {
        // Every occurrence (the validator is called in each nest's check).
        assert!(OURS_C.contains(from), "{from:?} is not in the text");
        let r = portwatch(&OURS_C.replace(from, to), THEIRS_C, &spec, &[]);
        assert!(
            differs(&r, DiffClass::PolicyEntry, why),
            "{why}: {:#?}",
            r.differences
        );
    }
    // No check at all is what ynl-gen-c's copy printed, and still wrong.
    let r = portwatch(
        &OURS_C.replace(
            "\n\t\tNLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, PORTWATCH_PROTO_UDP)",
            " { .type = NLA_U8, }",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(
        differs(&r, DiffClass::PolicyEntry, "span 6..17"),
        "{:#?}",
        r.differences
    );
    // An enum value the module's function does not know (the spec has a
    // third protocol).
    let mut spec3 = portwatch_spec();
    spec3.enums.get_mut("proto").unwrap().values.push(132);
    let r = portwatch(OURS_C, THEIRS_C, &spec3, &[]);
    assert!(
        differs(&r, DiffClass::PolicyEntry, "132"),
        "{:#?}",
        r.differences
    );
}

/// Defect 2: GET's do and dump take different requests; our < 6.2 entry is
/// the union with checks, compared for being exactly that.
#[test]
fn do_and_dump_with_different_requests_are_one_checked_genl_ops_entry() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::LegacyUnionOps);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(
            "genl_ops cmd 3: policy portwatch_get_nl_policy = the union of \
                          portwatch_get_do_nl_policy and portwatch_get_dump_nl_policy"
        ) && w[0].contains("doit portwatch_nl_get_doit_checked rejects PORTWATCH_A_RULE_MATCH")
            && w[0].contains(".start portwatch_nl_get_dump_start rejects PORTWATCH_A_RULE_ID"),
        "{}",
        w[0]
    );
    // The union policy missing the dump's attribute.
    let legacy_policy =
        "static const struct nla_policy portwatch_get_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {\n\
                         \t[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),\n";
    let r = portwatch(
        &edit(
            OURS_C,
            &format!("{legacy_policy}\t[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_filter_nl_policy),\n"),
            legacy_policy,
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(
        differs(&r, DiffClass::GenlOps, "genl_ops cmd 3"),
        "{:#?}",
        r.differences
    );
    // The < 6.2 doit no longer rejecting the dump's attribute.
    let reject = "\tnest = info->attrs[PORTWATCH_A_RULE_MATCH];\n\tif (nest) {\n\t\tNL_SET_ERR_MSG_ATTR(info->extack, nest, \"attribute not accepted by this operation\");\n\t\treturn -EINVAL;\n\t}\n";
    let r = portwatch(&edit(OURS_C, reject, ""), THEIRS_C, &spec, &[]);
    assert!(
        differs(&r, DiffClass::GenlOps, "rejects {}"),
        "{:#?}",
        r.differences
    );
    // The < 6.2 entry without its .start.
    let start = "\t\t.start\t\t= portwatch_nl_get_dump_start,\n\t\t.dumpit\t\t= portwatch_nl_get_dumpit,\n\t\t.policy\t\t= portwatch_get_nl_policy,";
    let r = portwatch(
        &edit(
            OURS_C,
            start,
            "\t\t.dumpit\t\t= portwatch_nl_get_dumpit,\n\t\t.policy\t\t= portwatch_get_nl_policy,",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(
        differs(&r, DiffClass::GenlOps, "no .start"),
        "{:#?}",
        r.differences
    );
    // The split dump's .start gone: its nest check is then unused.
    let r = portwatch(
        &edit(OURS_C, "\t\t.start\t\t= portwatch_nl_get_dump_start,\n\t\t.dumpit\t\t= portwatch_nl_get_dumpit,\n\t\t.policy\t\t= portwatch_get_dump_nl_policy,", "\t\t.dumpit\t\t= portwatch_nl_get_dumpit,\n\t\t.policy\t\t= portwatch_get_dump_nl_policy,"),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(!r.differences.is_empty());
}

/// Defect 3: kept bounds compare by value (`portwatch_match_port_range`
/// and ynl-gen-c's `portwatch_a_match_port_range`; `1, 255`), and so does
/// a range structure's missing `.min` (0).
#[test]
fn kept_bounds_compare_equal_by_value() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    assert!(r.differences.is_empty());
    for (from, to, attr) in [
        (
            "\t.min\t= 1ULL,\n\t.max\t= 65535ULL,",
            "\t.min\t= 1ULL,\n\t.max\t= 65534ULL,",
            "PORTWATCH_A_MATCH_PORT",
        ),
        (
            "NLA_POLICY_RANGE(NLA_U8, 1, 255)",
            "NLA_POLICY_RANGE(NLA_U8, 1, 254)",
            "PORTWATCH_A_RULE_PRIORITY",
        ),
        (
            "static const struct netlink_range_validation portwatch_a_action_arg_range = {\n",
            "static const struct netlink_range_validation portwatch_a_action_arg_range = {\n\t.min\t= 1ULL,\n",
            "PORTWATCH_A_ACTION_ARG",
        ),
    ] {
        let r = portwatch(OURS_C, &edit(THEIRS_C, from, to), &spec, &[]);
        assert!(
            differs(&r, DiffClass::PolicyEntry, attr),
            "{attr}: {:#?}",
            r.differences
        );
    }
}

/// Defect 4: an indexed array of nests, `{ .type = NLA_INDEXED_ARRAY, }`
/// on ynl-gen-c's side; ours is compared with the spec's nested set.
#[test]
fn an_indexed_array_of_nests_is_compared_with_the_spec() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::IndexedArrayNest);
    assert!(
        w.len() == 1 && w[0].contains("[PORTWATCH_A_RULE_ACTIONS]") && w[0].contains("action"),
        "{w:?}"
    );
    // The nested set is compared: an element's policy that differs fails.
    let r = portwatch(
        &edit(
            OURS_C,
            "NLA_POLICY_RANGE(NLA_U32, PORTWATCH_ACTION_KIND_MARK, PORTWATCH_ACTION_KIND_RATE)",
            "NLA_POLICY_RANGE(NLA_U32, PORTWATCH_ACTION_KIND_MARK, PORTWATCH_ACTION_KIND_MIRROR)",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(
        differs(&r, DiffClass::PolicyEntry, "[PORTWATCH_A_ACTION_KIND]"),
        "{:#?}",
        r.differences
    );
    // A plain nest where the spec says indexed array fails.
    let r = portwatch(
        &edit(
            OURS_C,
            "NLA_POLICY_NESTED_ARRAY(portwatch_action_nl_policy)",
            "NLA_POLICY_NESTED(portwatch_action_nl_policy)",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(
        differs(&r, DiffClass::PolicyEntry, "[PORTWATCH_A_RULE_ACTIONS]"),
        "{:#?}",
        r.differences
    );
}

/// Defect 5: the repeated string `tags`: ours NLA_NUL_STRING, ynl-gen-c's
/// NLA_STRING, same length.
#[test]
fn a_multi_attr_string_is_a_nul_string() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::MultiAttrString);
    assert!(
        w.len() == 1 && w[0].contains("NLA_NUL_STRING max_len=16 vs NLA_STRING max_len=16"),
        "{w:?}"
    );
    // Not allowed for a string that is not multi-attr, nor with another
    // length.
    let mut single = portwatch_spec();
    single
        .attrs
        .get_mut("PORTWATCH_A_RULE_TAGS")
        .unwrap()
        .multi_attr = false;
    let r = portwatch(OURS_C, THEIRS_C, &single, &[]);
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_RULE_TAGS]"
    ));
    let r = portwatch(
        OURS_C,
        &edit(
            THEIRS_C,
            "{ .type = NLA_STRING, .len = 16, }",
            "{ .type = NLA_STRING, .len = 15, }",
        ),
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_RULE_TAGS]"
    ));
}

/// Defect 6: `cookie` (4..64) cannot be rendered by 6.12's ynl-gen-c
/// ("More than one check for binary type"): its copy goes without the
/// checks, ours is compared with the spec's.
#[test]
fn a_binary_with_min_and_max_len_is_compared_with_the_spec() {
    let spec = portwatch_spec();
    assert!(spec
        .stripped("PORTWATCH_A_RULE_COOKIE", "binary-checks")
        .is_some());
    // ynl-gen-c's copy rendered the attribute without checks.
    assert!(THEIRS_C.contains("[PORTWATCH_A_RULE_COOKIE] = { .type = NLA_BINARY, },"));
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::NotRenderedByYnlGenC);
    assert!(
        w.len() == 1 && w[0].contains("ours NLA_BINARY min_len=4 max_len=64"),
        "{w:?}"
    );
    let r = portwatch(
        &edit(
            OURS_C,
            "NLA_POLICY_RANGE(NLA_BINARY, 4, 64)",
            "NLA_POLICY_RANGE(NLA_BINARY, 4, 63)",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_RULE_COOKIE]"
    ));
    // Ours without the checks is what ynl-gen-c's copy printed, and still
    // wrong: the spec has them.
    let r = portwatch(
        &edit(
            OURS_C,
            "NLA_POLICY_RANGE(NLA_BINARY, 4, 64)",
            "{ .type = NLA_BINARY, }",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_RULE_COOKIE]"
    ));
}

/// Defect 7: `[u8; 6]` is `NLA_POLICY_EXACT_LEN(6)` on both sides: equal,
/// and an exact length is labelled as one.
#[test]
fn an_exact_length_compares_equal_and_is_labelled_as_such() {
    let spec = portwatch_spec();
    assert!(OURS_C.contains("[PORTWATCH_A_RULE_HWADDR] = NLA_POLICY_EXACT_LEN(6),"));
    assert!(THEIRS_C.contains("[PORTWATCH_A_RULE_HWADDR] = NLA_POLICY_EXACT_LEN(6),"));
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    assert!(r
        .allowed
        .iter()
        .all(|(_, w)| !w.contains("PORTWATCH_A_RULE_HWADDR")));
    let r = portwatch(
        &edit(OURS_C, "NLA_POLICY_EXACT_LEN(6)", "NLA_POLICY_EXACT_LEN(4)"),
        THEIRS_C,
        &spec,
        &[],
    );
    let d: Vec<&Difference> = r
        .differences
        .iter()
        .filter(|d| d.at.contains("HWADDR"))
        .collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].at
            .ends_with("[PORTWATCH_A_RULE_HWADDR]: ours NLA_BINARY exact_len=4 vs ynl-gen-c NLA_BINARY exact_len=6"),
        "{}",
        d[0].at
    );
    assert!(!d[0].at.contains("NLA_UNSPEC"));
}

/// Defect 8: flags as `NLA_POLICY_MASK(NLA_U32, 0x7)` on both sides.
#[test]
fn a_flags_mask_compares_equal() {
    let spec = portwatch_spec();
    assert!(THEIRS_C.contains("[PORTWATCH_A_RULE_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x7),"));
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    assert!(r.differences.is_empty());
    assert!(r.allowed.iter().all(|(_, w)| !w.contains("RULE_FLAGS")));
    let r = portwatch(
        &edit(
            OURS_C,
            "NLA_POLICY_MASK(NLA_U32, 0x7)",
            "NLA_POLICY_MASK(NLA_U32, 0x3)",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "mask=3 vs ynl-gen-c NLA_U32 mask=7"
    ));
}

/// Defect 9: the dump filter's `match` is our view `MatchFilter` (its own
/// policy, `proto` only), ynl-gen-c's the whole `match` set.
#[test]
fn a_nested_subset_is_compared_as_a_view_of_its_set() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::NestedView);
    assert!(
        w.iter().any(|w| w.contains(
            "ours portwatch_match_filter_nl_policy [PORTWATCH_A_MATCH_PROTO] for ynl-gen-c's \
             portwatch_match_nl_policy; left out: PORTWATCH_A_MATCH_PORT, PORTWATCH_A_MATCH_MARK"
        )),
        "{w:?}"
    );
    // The view's entry must equal the set's.
    let view = "const struct nla_policy portwatch_match_filter_nl_policy[PORTWATCH_A_MATCH_MAX + 1] = {\n\t[PORTWATCH_A_MATCH_PROTO] =\n\t\tNLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, PORTWATCH_PROTO_UDP),\n";
    let r = portwatch(
        &edit(
            OURS_C,
            view,
            "const struct nla_policy portwatch_match_filter_nl_policy[PORTWATCH_A_MATCH_MAX + 1] = {\n\t[PORTWATCH_A_MATCH_PROTO] = { .type = NLA_U8, },\n",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_MATCH_PROTO]"
    ));
    // A view that takes an attribute differently from its set fails too.
    let r = portwatch(
        &edit(
            OURS_C,
            view,
            &format!("{view}\t[PORTWATCH_A_MATCH_MARK] = {{ .type = NLA_U16, }},\n"),
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::PolicyEntry,
        "[PORTWATCH_A_MATCH_MARK]"
    ));
}

/// Defect 10: what ynl-gen-c does not have is allowed by kind, each
/// checked; a function of no known kind fails.
#[test]
fn our_extras_are_allowed_by_kind_and_nothing_else() {
    let spec = portwatch_spec();
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    assert_eq!(at(&r, Allowed::NestCheck).len(), 3);
    assert!(at(&r, Allowed::ParseHelper).contains(
        &"portwatch_nl_parse_match_filter: nla_parse_nested with portwatch_match_filter_nl_policy"
    ));
    assert!(at(&r, Allowed::ParseHelper).contains(&"header: portwatch_nl_parse_match declared"));
    assert_eq!(at(&r, Allowed::DumpAttrs).len(), 2);
    assert_eq!(at(&r, Allowed::PutHelper).len(), 3);
    assert!(at(&r, Allowed::DumpStartCheck)[0].contains(".start = portwatch_nl_get_dump_start"));
    let extra =
        "static int portwatch_nl_extra(void)\n{\n\treturn 0;\n}\n\n/* Common nested types */";
    let r = portwatch(
        &edit(OURS_C, "/* Common nested types */", extra),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(&r, DiffClass::Function, "portwatch_nl_extra"));
    // A nest check nothing calls.
    let r = portwatch(
        &edit(
            OURS_C,
            "\t\t\t\terr = portwatch_nl_check_action(elem, info->extack);",
            "\t\t\t\terr = 0;",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(
        &r,
        DiffClass::Function,
        "portwatch_nl_check_action"
    ));
    // dump_attrs reading the wrong field on >= 6.2.
    let r = portwatch(
        &edit(
            OURS_C,
            "return genl_dumpit_info(cb)->info.attrs;",
            "return genl_dumpit_info(cb)->attrs;",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(differs(&r, DiffClass::Function, "portwatch_nl_dump_attrs"));
}

/// Defect 11: FLUSH, STATS and PORTS have no request: no policy on either
/// side, their op entries compared; ours reject any attribute in a
/// generated check (6.12 hands a split op without a policy every attribute).
#[test]
fn attribute_less_commands_compare_their_op_entries() {
    let spec = portwatch_spec();
    let theirs_flush = "\t{\n\t\t.cmd\t= PORTWATCH_CMD_FLUSH,\n\t\t.doit\t= portwatch_nl_flush_doit,\n\t\t.flags\t= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,\n\t},\n";
    let flush = "\t{\n\t\t.cmd\t= PORTWATCH_CMD_FLUSH,\n\t\t.doit\t= portwatch_nl_flush_doit_checked,\n\t\t.flags\t= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,\n\t},\n";
    assert!(THEIRS_C.contains(theirs_flush) && OURS_C.contains(flush));
    let r = portwatch(OURS_C, THEIRS_C, &spec, &[]);
    let w = at(&r, Allowed::NoAttributes);
    assert!(
        w.len() == 3 && w.iter().all(|w| w.contains("rejects any attribute")),
        "{w:?}"
    );
    // Without the check, or with one that lets attributes through, it
    // differs.
    let r = portwatch(&edit(OURS_C, flush, theirs_flush), THEIRS_C, &spec, &[]);
    assert!(
        differs(&r, DiffClass::GenlOps, "cmd 4"),
        "{:#?}",
        r.differences
    );
    let r = portwatch(
        &edit(
            OURS_C,
            "\"this operation takes no attributes\"",
            "\"anything\"",
        ),
        THEIRS_C,
        &spec,
        &[],
    );
    assert!(!r.differences.is_empty());
    let r = portwatch(&edit(OURS_C, flush, ""), THEIRS_C, &spec, &[]);
    assert!(differs(
        &r,
        DiffClass::Op,
        "op cmd 4 do: only in ynl-gen-c's"
    ));
    let r = portwatch(
        OURS_C,
        &edit(
            THEIRS_C,
            "\t\t.dumpit\t= portwatch_nl_ports_dumpit,\n\t\t.flags\t= GENL_CMD_CAP_DUMP,",
            "\t\t.dumpit\t= portwatch_nl_ports_dumpit,\n\t\t.flags\t= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,",
        ),
        &spec,
        &[],
    );
    assert!(differs(&r, DiffClass::Op, "op cmd 7 dump: flags"));
}

/// A difference the project allows in genl.toml passes, kept with its
/// reason; nothing of ynl-gen-c's may go uncompared.
#[test]
fn allowed_by_the_project_and_the_floor() {
    let spec = portwatch_spec();
    let mutated = edit(
        OURS_C,
        "NLA_POLICY_RANGE(NLA_U8, 1, 255)",
        "NLA_POLICY_RANGE(NLA_U8, 1, 100)",
    );
    let allow = UserAllow {
        class: DiffClass::PolicyEntry,
        at: Some("PORTWATCH_A_RULE_PRIORITY".into()),
        reason: "priorities above 100 are reserved".into(),
    };
    let r = portwatch(&mutated, THEIRS_C, &spec, std::slice::from_ref(&allow));
    assert!(r.differences.is_empty(), "{:#?}", r.differences);
    assert_eq!(r.user_allowed.len(), 1);
    assert_eq!(r.user_allowed[0].1, allow);
    // Another class, or another place, is not allowed by it.
    let other = UserAllow {
        at: Some("PORTWATCH_A_RULE_ID".into()),
        ..allow.clone()
    };
    let r = portwatch(&mutated, THEIRS_C, &spec, &[other]);
    assert_eq!(r.differences.len(), 1);
    // A policy of ynl-gen-c's that ours lacks: reported, and its entries
    // left uncompared fail the floor, which nothing allows.
    let extra = "/* PORTWATCH_CMD_ADD - do */";
    let theirs = edit(
        THEIRS_C,
        extra,
        &format!("static const struct nla_policy portwatch_x_nl_policy[PORTWATCH_A_RULE_ID + 1] = {{\n\t[PORTWATCH_A_RULE_ID] = {{ .type = NLA_U32, }},\n}};\n\n{extra}"),
    );
    let all = UserAllow {
        class: DiffClass::Policy,
        at: None,
        reason: "test".into(),
    };
    let r = portwatch(OURS_C, &theirs, &spec, &[all]);
    assert_eq!(r.differences.len(), 1, "{:#?}", r.differences);
    assert_eq!(r.differences[0].class, DiffClass::Coverage);
    assert!(r.differences[0]
        .at
        .contains("portwatch_x_nl_policy [PORTWATCH_A_RULE_ID]"));
}

// ---------------------------------------------------------------------------
// Shapes portwatch does not have.

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

/// Ours for a family `t` as genl writes it (`NLA_POLICY_MIN_LEN`, full
/// ranges with the type's limit as the other bound, an indexed array of
/// u32), in both kernel branches.
const T_OURS: &str = r#"
static struct netlink_range_validation t_x_big_range = {
	.min	= 100000ULL,
	.max	= U32_MAX,
};

static struct netlink_range_validation_signed t_x_neg_range = {
	.min	= S32_MIN,
	.max	= 100000LL,
};

/* T_CMD_SET - do */
static const struct nla_policy t_set_nl_policy[T_A_X_MAX + 1] = {
	[T_A_X_BLOB] = NLA_POLICY_MIN_LEN(4),
	[T_A_X_BIG] = NLA_POLICY_FULL_RANGE(NLA_U32, &t_x_big_range),
	[T_A_X_NEG] = NLA_POLICY_FULL_RANGE_SIGNED(NLA_S32, &t_x_neg_range),
	[T_A_X_LIST] = { .type = NLA_NESTED_ARRAY, },
};

#ifdef GENL_HAVE_SPLIT_OPS
static const struct genl_split_ops t_nl_ops[] = {
	{
		.cmd		= T_CMD_SET,
		.doit		= t_nl_set_doit,
		.policy		= t_set_nl_policy,
		.maxattr	= T_A_X_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
};
#else
static const struct genl_ops t_nl_ops[] = {
	{
		.cmd		= T_CMD_SET,
		.doit		= t_nl_set_doit,
		.policy		= t_set_nl_policy,
		.maxattr	= T_A_X_MAX,
	},
};
#endif
"#;

/// What 6.12's `ynl-gen-c.py --mode kernel --source` printed (its body)
/// for `t`'s spec: `blob` binary `min-len: 4`, `big` u32 `min: 100000`,
/// `neg` s32 `max: 100000`, and `list`, an indexed-array of u32, as the
/// binary its copy of the spec has in its place.
const T_THEIRS: &str = r#"
/* Integer value ranges */
static const struct netlink_range_validation t_a_x_big_range = {
	.min	= 100000ULL,
};

static const struct netlink_range_validation_signed t_a_x_neg_range = {
	.max	= 100000LL,
};

/* T_CMD_SET - do */
static const struct nla_policy t_set_nl_policy[T_A_X_LIST + 1] = {
	[T_A_X_BLOB] = { .len = 4, },
	[T_A_X_BIG] = NLA_POLICY_FULL_RANGE(NLA_U32, &t_a_x_big_range),
	[T_A_X_NEG] = NLA_POLICY_FULL_RANGE(NLA_S32, &t_a_x_neg_range),
	[T_A_X_LIST] = { .type = NLA_BINARY, },
};

/* Ops table for t */
static const struct genl_split_ops t_nl_ops[] = {
	{
		.cmd		= T_CMD_SET,
		.doit		= t_nl_set_doit,
		.policy		= t_set_nl_policy,
		.maxattr	= T_A_X_LIST,
		.flags		= GENL_CMD_CAP_DO,
	},
};
"#;

fn t_values() -> Values {
    values(&[
        ("T_A_X_BLOB", 1),
        ("T_A_X_BIG", 2),
        ("T_A_X_NEG", 3),
        ("T_A_X_LIST", 4),
        ("T_A_X_MAX", 4),
        ("T_CMD_SET", 1),
    ])
}

fn t_spec() -> SpecInfo {
    let mut list = spec_attr("T_A_X_LIST", "x", "indexed-array", &[]);
    list.1.sub_type = Some("u32".into());
    SpecInfo {
        attrs: [
            spec_attr("T_A_X_BLOB", "x", "binary", &[("min-len", "4")]),
            spec_attr("T_A_X_BIG", "x", "u32", &[("min", "100000")]),
            spec_attr("T_A_X_NEG", "x", "s32", &[("max", "100000")]),
            list,
        ]
        .into_iter()
        .collect(),
        stripped: vec![super::super::spec::Stripped {
            set: "x".into(),
            attr: "list".into(),
            c_name: "T_A_X_LIST".into(),
            kind: "indexed-array".into(),
            detail: "indexed-array of u32".into(),
        }],
        ..SpecInfo::default()
    }
}

#[test]
fn ynl_gen_c_bugs_on_lengths_and_one_sided_ranges_are_allowed_by_the_spec() {
    let r = run(T_OURS, T_THEIRS, &t_values(), &t_spec());
    assert!(r.differences.is_empty(), "{:#?}", r.differences);
    assert_eq!(
        kinds(&r),
        [
            Allowed::RangeNotConst,
            Allowed::NotRenderedByYnlGenC,
            Allowed::BinaryMinLenUnspec,
            Allowed::FullRangeOneSided,
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(at(&r, Allowed::FullRangeOneSided).len(), 2);
    // A bound that is not the type's limit is a difference.
    let r = run(
        &edit(T_OURS, "\t.max\t= U32_MAX,", "\t.max\t= 200000ULL,"),
        T_THEIRS,
        &t_values(),
        &t_spec(),
    );
    assert!(differs(&r, DiffClass::PolicyEntry, "[T_A_X_BIG]"));
    // An indexed array of u32 must be a plain NLA_NESTED_ARRAY.
    let r = run(
        &edit(
            T_OURS,
            "{ .type = NLA_NESTED_ARRAY, }",
            "{ .type = NLA_BINARY, }",
        ),
        T_THEIRS,
        &t_values(),
        &t_spec(),
    );
    assert!(differs(&r, DiffClass::PolicyEntry, "[T_A_X_LIST]"));
}

/// A command whose do takes a request and whose dump takes none (genl's
/// own `genl_demo` KV_GET): the < 6.2 entry has the do's policy.
#[test]
fn a_dump_without_a_request_rejects_the_do_attributes_before_6_2() {
    // As genl generates it: on < 6.2 the dump shares the do's policy, so a
    // generated .start rejects what the dump does not take (≥ 6.2 gives
    // the dump the kernel's reject-all policy).
    let ours = r#"
static const struct nla_policy f_get_nl_policy[F_A_X_MAX + 1] = {
	[F_A_X_ONE] = { .type = NLA_U32, },
};
#ifdef GENL_HAVE_SPLIT_OPS
struct nlattr **f_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}

static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd		= F_CMD_GET,
		.doit		= f_nl_get_doit,
		.policy		= f_get_nl_policy,
		.maxattr	= F_A_X_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= F_CMD_GET,
		.dumpit	= f_nl_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
};
#else
struct nlattr **f_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}

static int f_nl_get_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = f_nl_dump_attrs(cb);
	const struct nlattr *nest;

	nest = attrs[F_A_X_ONE];
	if (nest) {
		NL_SET_ERR_MSG_ATTR(cb->extack, nest, "attribute not accepted by this operation");
		return -EINVAL;
	}
	return 0;
}

static const struct genl_ops f_nl_ops[] = {
	{
		.cmd		= F_CMD_GET,
		.doit		= f_nl_get_doit,
		.start		= f_nl_get_dump_start,
		.dumpit		= f_nl_get_dumpit,
		.policy		= f_get_nl_policy,
		.maxattr	= F_A_X_MAX,
	},
};
#endif
"#;
    // 6.12's ynl-gen-c for a do with `request: [ one ]` and a dump
    // without one.
    let theirs = r#"
static const struct nla_policy f_get_nl_policy[F_A_X_ONE + 1] = {
	[F_A_X_ONE] = { .type = NLA_U32, },
};
static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd		= F_CMD_GET,
		.doit		= f_nl_get_doit,
		.policy		= f_get_nl_policy,
		.maxattr	= F_A_X_ONE,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= F_CMD_GET,
		.dumpit	= f_nl_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
};
"#;
    let v = values(&[("F_A_X_ONE", 1), ("F_A_X_MAX", 2), ("F_CMD_GET", 1)]);
    let r = run(ours, theirs, &v, &SpecInfo::default());
    assert!(r.differences.is_empty(), "{:#?}", r.differences);
    let w = at(&r, Allowed::LegacyUnionOps);
    assert!(
        w.len() == 1 && w[0].contains(".start f_nl_get_dump_start rejects F_A_X_ONE"),
        "{w:?}"
    );
    // Without the .start, the < 6.2 dump would take the do's attribute
    // unchecked: a difference.
    let r = run(
        &edit(ours, "\t\t.start\t\t= f_nl_get_dump_start,\n", ""),
        theirs,
        &v,
        &SpecInfo::default(),
    );
    assert!(
        differs(&r, DiffClass::GenlOps, ".start"),
        "{:#?}",
        r.differences
    );
    // The < 6.2 entry must still carry the do's policy and the dump.
    let r = run(
        &edit(
            ours,
            "\t\t.dumpit\t\t= f_nl_get_dumpit,\n\t\t.policy",
            "\t\t.policy",
        ),
        theirs,
        &v,
        &SpecInfo::default(),
    );
    assert!(differs(&r, DiffClass::GenlOps, "dumpit"));
}

// ---------------------------------------------------------------------------
// The first comparison's snippets (a string min-len, ops flags).

fn f_values() -> Values {
    values(&[
        ("F_A_X_ONE", 1),
        ("F_A_X_TWO", 2),
        ("F_A_X_MAX", 3),
        ("F_CMD_GET", 1),
        ("F_STATE_B", 2),
    ])
}

const OURS: &str = r#"
/* a comment */
static int f_nl_validate_str_min1(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (strnlen(nla_data(attr), nla_len(attr)) < 1)
		return -EINVAL;
	return 0;
}
static const struct nla_policy f_get_nl_policy[F_A_X_MAX + 1] = {
	[F_A_X_ONE] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, f_nl_validate_str_min1, 16),
	[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, F_STATE_B),
};
static int f_nl_get_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, F_A_X_ONE))
		return -EINVAL;
	return f_nl_get_doit(skb, info);
}
#ifdef GENL_HAVE_SPLIT_OPS
static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd = F_CMD_GET,
		.doit = f_nl_get_doit_checked,
		.policy = f_get_nl_policy,
		.maxattr = F_A_X_MAX,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};
#else
static const struct genl_ops f_nl_ops[] = {
	{
		.cmd = F_CMD_GET,
		.doit = f_nl_get_doit_checked,
		.policy = f_get_nl_policy,
		.maxattr = F_A_X_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};
#endif
"#;

const THEIRS: &str = r#"
static const struct nla_policy f_get_nl_policy[F_A_X_TWO + 1] = {
	[F_A_X_ONE] = { .type = NLA_NUL_STRING, .len = 16, },
	[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
};
static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd		= F_CMD_GET,
		.doit		= f_nl_get_doit,
		.policy		= f_get_nl_policy,
		.maxattr	= F_A_X_TWO,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};
"#;

/// The spec's side of `F_A_X_ONE`: a string with `min-len: 1`.
fn f_spec() -> SpecInfo {
    SpecInfo {
        attrs: [spec_attr("F_A_X_ONE", "x", "string", &[("min-len", "1")])]
            .into_iter()
            .collect(),
        ..SpecInfo::default()
    }
}

fn f_run(ours: &str, theirs: &str) -> PolicyReport {
    run(ours, theirs, &f_values(), &f_spec())
}

#[test]
fn a_string_min_len_function_must_check_the_specs_min_len() {
    let min_len_differs = |r: &PolicyReport| {
        r.differences
            .iter()
            .any(|d| d.at.contains("F_A_X_ONE") && d.at.contains("validate="))
    };
    // A function that lets the empty string through...
    let r = f_run(&OURS.replace(")) < 1)", ")) <= 0)"), THEIRS);
    assert!(min_len_differs(&r), "{:?}", r.differences);
    // ... or rejects 1-byte strings the spec allows.
    let r = f_run(&OURS.replace(")) < 1)", ")) <= 1)"), THEIRS);
    assert!(min_len_differs(&r), "{:?}", r.differences);
    // ... or that does not fail.
    let r = f_run(
        &OURS.replace("return -EINVAL;\n\treturn 0;", "return 0;\n\treturn 0;"),
        THEIRS,
    );
    assert!(min_len_differs(&r), "{:?}", r.differences);
    // A consistent min-len of 2 (name, test) that the spec does not say.
    let r = f_run(
        &OURS
            .replace("str_min1", "str_min2")
            .replace(")) < 1)", ")) < 2)"),
        THEIRS,
    );
    assert!(min_len_differs(&r), "{:?}", r.differences);
}

#[test]
fn by_design_differences_are_allowed_and_named() {
    let r = f_run(OURS, THEIRS);
    assert!(r.differences.is_empty(), "{:?}", r.differences);
    assert_eq!(
        kinds(&r),
        [
            Allowed::SizedBySetMax,
            Allowed::RequiredCheckWrapper,
            Allowed::StringMinLenFn
        ]
        .into_iter()
        .collect()
    );
    assert_eq!((r.policies, r.entries, r.ops), (1, 2, 2));
}

#[test]
fn any_other_difference_fails() {
    // A changed range.
    let r = f_run(
        OURS,
        &THEIRS.replace(
            "NLA_POLICY_RANGE(NLA_U32, 1, 2)",
            "NLA_POLICY_RANGE(NLA_U32, 1, 3)",
        ),
    );
    assert_eq!(r.differences.len(), 1, "{:?}", r.differences);
    assert!(r.differences[0].at.contains("max=2") && r.differences[0].at.contains("max=3"));
    // A lost admin flag.
    let r = f_run(
        &OURS.replacen("GENL_ADMIN_PERM | GENL_CMD_CAP_DO", "GENL_CMD_CAP_DO", 1),
        THEIRS,
    );
    assert!(differs(&r, DiffClass::Op, "flags"), "{:?}", r.differences);
    // An attribute only one side has.
    let r = f_run(
        OURS,
        &THEIRS.replace("\t[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, 2),\n", ""),
    );
    assert!(
        differs(&r, DiffClass::PolicyEntry, "only in ours"),
        "{:?}",
        r.differences
    );
    // The 6.1 table disagreeing with the split ops.
    let r = f_run(&OURS.replace(".flags = GENL_ADMIN_PERM,", ""), THEIRS);
    assert!(
        differs(&r, DiffClass::GenlOps, "genl_ops cmd 1"),
        "{:?}",
        r.differences
    );
    // A wrapper that does not check.
    let r = f_run(&OURS.replace("GENL_REQ_ATTR_CHECK", "IGNORE"), THEIRS);
    assert!(
        differs(&r, DiffClass::Op, "does not check"),
        "{:?}",
        r.differences
    );
}

#[test]
fn equal_meanings_in_other_words_are_equal() {
    let v = f_values();
    let none = BTreeMap::new();
    let pol = |text: &str| {
        let toks = tokens(text);
        let init = if toks.first().map(String::as_str) == Some("{") {
            parse_init(&toks, &mut 0).unwrap()
        } else {
            Init::Expr(toks)
        };
        pol_of(&init, &v, &none).unwrap()
    };
    // include/net/netlink.h (6.12): NLA_POLICY_MAX_LEN(_len) is
    // NLA_POLICY_MAX(NLA_BINARY, _len), NLA_POLICY_EXACT_LEN(_len) is
    // NLA_POLICY_RANGE(NLA_BINARY, _len, _len), NLA_POLICY_MIN_LEN(_len)
    // is NLA_POLICY_MIN(NLA_BINARY, _len); a binary's .len is its maximum.
    assert_eq!(
        pol("NLA_POLICY_MAX_LEN(1024)"),
        pol("{ .type = NLA_BINARY, .len = 1024, }")
    );
    assert_eq!(
        pol("NLA_POLICY_MAX_LEN(1024)"),
        pol("NLA_POLICY_MAX(NLA_BINARY, 1024)")
    );
    assert_eq!(
        pol("NLA_POLICY_EXACT_LEN(6)"),
        pol("NLA_POLICY_RANGE(NLA_BINARY, 6, 6)")
    );
    assert_eq!(
        pol("NLA_POLICY_MIN_LEN(4)"),
        pol("NLA_POLICY_MIN(NLA_BINARY, 4)")
    );
    assert_eq!(
        pol("NLA_POLICY_EXACT_LEN(6)").to_string(),
        "NLA_BINARY exact_len=6"
    );
    // `{ .len = n }` is NLA_UNSPEC with a minimum length: not the same.
    assert_ne!(pol("NLA_POLICY_MIN_LEN(4)"), pol("{ .len = 4, }"));
    assert_eq!(
        pol("NLA_POLICY_RANGE(NLA_U32, F_A_X_ONE, F_STATE_B)"),
        pol("NLA_POLICY_RANGE(NLA_U32, 1, 2)")
    );
    assert_eq!(
        pol("NLA_POLICY_MASK(NLA_U32, 0x7)"),
        pol("NLA_POLICY_MASK(NLA_U32, 7)")
    );
}

/// ynl-gen-c's output above (`ynl-gen-c-6.12.[ch]`, `spec.json`) was
/// made from this copy of portwatch's spec, which must be the one genl
/// generates today (`examples/portwatch/kmod/`, kept fresh by `genl generate
/// --check`); genl's own C is read from there directly.
#[test]
fn the_portwatch_spec_copy_is_genls_current_output() {
    let current = include_str!("../../../../examples/portwatch/kmod/portwatch.yaml");
    assert!(
        current == include_str!("../testdata/portwatch/portwatch.yaml"),
        "genl-cli/src/check/testdata/portwatch/portwatch.yaml is old: copy \
         examples/portwatch/kmod/portwatch.yaml there, and run ynl-gen-c again for \
         ynl-gen-c-6.12.[ch] and spec.json"
    );
}
