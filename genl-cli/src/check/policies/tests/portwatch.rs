//! portwatch, as both generators wrote it.

use super::*;

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

/// ynl-gen-c's output above (`ynl-gen-c-6.12.[ch]`, `spec.json`) was
/// made from this copy of portwatch's spec, which must be the one genl
/// generates today (`examples/portwatch/kmod/`, kept fresh by `genl generate
/// --check`); genl's own C is read from there directly.
#[test]
fn the_portwatch_spec_copy_is_genls_current_output() {
    let current = include_str!("../../../../../examples/portwatch/kmod/portwatch.yaml");
    assert!(
        current == include_str!("../../testdata/portwatch/portwatch.yaml"),
        "genl-cli/src/check/testdata/portwatch/portwatch.yaml is old: copy \
         examples/portwatch/kmod/portwatch.yaml there, and run ynl-gen-c again for \
         ynl-gen-c-6.12.[ch] and spec.json"
    );
}
