// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the genl_demo family; regenerate with `cargo xtask codegen` */
/* genl kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl_demo-nl.h"

#include <uapi/linux/genl_demo.h>

/* Checks that nla_policy types cannot express */
static int genl_demo_nl_validate_str_min1(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (strnlen(nla_data(attr), nla_len(attr)) < 1) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "string shorter than 1 byte");
		return -EINVAL;
	}
	return 0;
}

/* Common nested types */
const struct nla_policy genl_demo_meta_nl_policy[GENL_DEMO_A_META_MAX + 1] = {
	[GENL_DEMO_A_META_STATE] =
		NLA_POLICY_RANGE(NLA_U32, GENL_DEMO_STATE_ACTIVE, GENL_DEMO_STATE_STALE),
	[GENL_DEMO_A_META_PORT] = { .type = NLA_BE16, },
};

/* GENL_DEMO_CMD_ECHO - do */
static const struct nla_policy genl_demo_echo_nl_policy[GENL_DEMO_A_ECHO_MAX + 1] = {
	[GENL_DEMO_A_ECHO_MSG] = { .type = NLA_NUL_STRING, .len = 256, },
	[GENL_DEMO_A_ECHO_COOKIE] = { .type = NLA_U64, },
};

/* GENL_DEMO_CMD_KV_SET - do */
static const struct nla_policy genl_demo_kv_set_nl_policy[GENL_DEMO_A_KV_MAX + 1] = {
	[GENL_DEMO_A_KV_KEY] =
		NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, genl_demo_nl_validate_str_min1, 64),
	[GENL_DEMO_A_KV_VALUE] = { .type = NLA_BINARY, .len = 1024, },
	[GENL_DEMO_A_KV_META] = NLA_POLICY_NESTED(genl_demo_meta_nl_policy),
};

/* GENL_DEMO_CMD_KV_GET - do */
static const struct nla_policy genl_demo_kv_get_nl_policy[GENL_DEMO_A_KV_MAX + 1] = {
	[GENL_DEMO_A_KV_KEY] =
		NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, genl_demo_nl_validate_str_min1, 64),
};

/* GENL_DEMO_CMD_KV_DEL - do */
static const struct nla_policy genl_demo_kv_del_nl_policy[GENL_DEMO_A_KV_MAX + 1] = {
	[GENL_DEMO_A_KV_KEY] =
		NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, genl_demo_nl_validate_str_min1, 64),
};

/* GENL_DEMO_CMD_DEFERRED - do */
static const struct nla_policy genl_demo_deferred_nl_policy[GENL_DEMO_A_DEFER_MAX + 1] = {
	[GENL_DEMO_A_DEFER_ID] = { .type = NLA_U32, },
	[GENL_DEMO_A_DEFER_DELAY_MS] = NLA_POLICY_MAX(NLA_U32, 10000),
};

/**
 * genl_demo_nl_parse_meta() - parse a request's KvMeta nest
 * @tb: its attributes, by type (GENL_DEMO_A_META_MAX + 1 entries)
 * @nest: the nest
 * @extack: the extended ACK
 *
 * The kernel validated the nest with its policy before the handler ran; this
 * fills @tb (of a repeated attribute, the last).
 *
 * Return: 0, or a negative error code (with @extack set).
 */
int genl_demo_nl_parse_meta(struct nlattr **tb, const struct nlattr *nest,
			    struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, GENL_DEMO_A_META_MAX, nest, genl_demo_meta_nl_policy, extack);
}

/**
 * genl_demo_nl_echo_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of GENL_DEMO_CMD_ECHO. The request must carry
 * GENL_DEMO_A_ECHO_MSG.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what genl_demo_nl_echo_doit() returns.
 */
static int genl_demo_nl_echo_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, GENL_DEMO_A_ECHO_MSG)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: Echo.msg");
		return -EINVAL;
	}
	return genl_demo_nl_echo_doit(skb, info);
}

/**
 * genl_demo_nl_kv_set_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of GENL_DEMO_CMD_KV_SET. The request must carry
 * GENL_DEMO_A_KV_KEY.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what genl_demo_nl_kv_set_doit() returns.
 */
static int genl_demo_nl_kv_set_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, GENL_DEMO_A_KV_KEY)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: KvEntry.key");
		return -EINVAL;
	}
	return genl_demo_nl_kv_set_doit(skb, info);
}

/**
 * genl_demo_nl_kv_get_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of GENL_DEMO_CMD_KV_GET. The request must carry
 * GENL_DEMO_A_KV_KEY.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what genl_demo_nl_kv_get_doit() returns.
 */
static int genl_demo_nl_kv_get_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, GENL_DEMO_A_KV_KEY)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: KvKey.key");
		return -EINVAL;
	}
	return genl_demo_nl_kv_get_doit(skb, info);
}

/**
 * genl_demo_nl_kv_get_dump_start() - check a request before its handler
 * @cb: the dump's callback
 *
 * Checks the dump of GENL_DEMO_CMD_KV_GET. It takes no attributes: any is
 * rejected (the kernel parses none for an op without a policy, and before Linux
 * 6.2 one shares its command's policy).
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else 0.
 */
static int genl_demo_nl_kv_get_dump_start(struct netlink_callback *cb)
{
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(cb->extack, nlmsg_attrdata(cb->nlh, GENL_HDRLEN),
				    "this operation takes no attributes");
		return -EINVAL;
	}
	return 0;
}

/**
 * genl_demo_nl_kv_del_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of GENL_DEMO_CMD_KV_DEL. The request must carry
 * GENL_DEMO_A_KV_KEY.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what genl_demo_nl_kv_del_doit() returns.
 */
static int genl_demo_nl_kv_del_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, GENL_DEMO_A_KV_KEY)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: KvKey.key");
		return -EINVAL;
	}
	return genl_demo_nl_kv_del_doit(skb, info);
}

/**
 * genl_demo_nl_deferred_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of GENL_DEMO_CMD_DEFERRED. The request must carry
 * GENL_DEMO_A_DEFER_ID.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what genl_demo_nl_deferred_doit() returns.
 */
static int genl_demo_nl_deferred_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, GENL_DEMO_A_DEFER_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: Deferred.id");
		return -EINVAL;
	}
	return genl_demo_nl_deferred_doit(skb, info);
}

static const struct genl_multicast_group genl_demo_nl_mcgrps[] = {
	[GENL_DEMO_NLGRP_EVENTS] = { "events", },
};

/*
 * Ops table and family for genl_demo. Linux 6.2 added split ops (one entry per
 * do and per dump, struct genl_split_ops); earlier kernels take struct genl_ops
 * with one policy per command. resv_start_op stays 0: every op is strictly
 * validated. parallel_ops: the module does its own locking.
 */
#ifdef GENL_HAVE_SPLIT_OPS
/**
 * genl_demo_nl_dump_attrs() - the attributes of a dump's request
 * @cb: the dump's callback
 *
 * The kernel parsed and validated them with the dump's policy before the dump
 * started (genl_info_dump() from Linux 6.6, genl_dumpit_info() before).
 *
 * Return: the attributes by type (the set's _MAX + 1 entries), NULL for a dump
 * without a policy.
 */
struct nlattr **genl_demo_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}

static const struct genl_split_ops genl_demo_nl_ops[] = {
	{
		.cmd		= GENL_DEMO_CMD_ECHO,
		.doit		= genl_demo_nl_echo_doit_checked,
		.policy		= genl_demo_echo_nl_policy,
		.maxattr	= GENL_DEMO_A_ECHO_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_SET,
		.doit		= genl_demo_nl_kv_set_doit_checked,
		.policy		= genl_demo_kv_set_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_GET,
		.doit		= genl_demo_nl_kv_get_doit_checked,
		.policy		= genl_demo_kv_get_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= GENL_DEMO_CMD_KV_GET,
		.start	= genl_demo_nl_kv_get_dump_start,
		.dumpit	= genl_demo_nl_kv_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_DEL,
		.doit		= genl_demo_nl_kv_del_doit_checked,
		.policy		= genl_demo_kv_del_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= GENL_DEMO_CMD_DEFERRED,
		.doit		= genl_demo_nl_deferred_doit_checked,
		.policy		= genl_demo_deferred_nl_policy,
		.maxattr	= GENL_DEMO_A_DEFER_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
};

struct genl_family genl_demo_nl_family __ro_after_init = {
	.name		= GENL_DEMO_FAMILY_NAME,
	.version	= GENL_DEMO_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= genl_demo_nl_ops,
	.n_split_ops	= ARRAY_SIZE(genl_demo_nl_ops),
	.mcgrps		= genl_demo_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(genl_demo_nl_mcgrps),
};
#else /* !GENL_HAVE_SPLIT_OPS */
/**
 * genl_demo_nl_dump_attrs() - the attributes of a dump's request
 * @cb: the dump's callback
 *
 * The kernel parsed and validated them with the dump's policy before the dump
 * started (genl_info_dump() from Linux 6.6, genl_dumpit_info() before).
 *
 * Return: the attributes by type (the set's _MAX + 1 entries), NULL for a dump
 * without a policy.
 */
struct nlattr **genl_demo_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}

static const struct genl_ops genl_demo_nl_ops[] = {
	{
		.cmd		= GENL_DEMO_CMD_ECHO,
		.doit		= genl_demo_nl_echo_doit_checked,
		.policy		= genl_demo_echo_nl_policy,
		.maxattr	= GENL_DEMO_A_ECHO_MAX,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_SET,
		.doit		= genl_demo_nl_kv_set_doit_checked,
		.policy		= genl_demo_kv_set_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_GET,
		.doit		= genl_demo_nl_kv_get_doit_checked,
		.start		= genl_demo_nl_kv_get_dump_start,
		.dumpit		= genl_demo_nl_kv_get_dumpit,
		.policy		= genl_demo_kv_get_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
	},
	{
		.cmd		= GENL_DEMO_CMD_KV_DEL,
		.doit		= genl_demo_nl_kv_del_doit_checked,
		.policy		= genl_demo_kv_del_nl_policy,
		.maxattr	= GENL_DEMO_A_KV_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= GENL_DEMO_CMD_DEFERRED,
		.doit		= genl_demo_nl_deferred_doit_checked,
		.policy		= genl_demo_deferred_nl_policy,
		.maxattr	= GENL_DEMO_A_DEFER_MAX,
	},
};

struct genl_family genl_demo_nl_family __ro_after_init = {
	.name		= GENL_DEMO_FAMILY_NAME,
	.version	= GENL_DEMO_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= genl_demo_nl_ops,
	.n_ops		= ARRAY_SIZE(genl_demo_nl_ops),
	.mcgrps		= genl_demo_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(genl_demo_nl_mcgrps),
};
#endif /* GENL_HAVE_SPLIT_OPS */
