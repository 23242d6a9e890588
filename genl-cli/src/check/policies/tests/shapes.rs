//! Shapes portwatch does not have: ynl-gen-c's bugs on lengths and
//! one-sided ranges, and a dump without a request before 6.2.

use super::*;

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
        stripped: vec![crate::check::spec::Stripped {
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
