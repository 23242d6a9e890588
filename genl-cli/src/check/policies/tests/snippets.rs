//! The first comparison's snippets (a string min-len, ops flags).

use super::*;

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
