// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the portwatch family; regenerate with `genl generate` */
/* genl kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "portwatch-nl.h"

#include <uapi/linux/portwatch.h>

/* Integer value ranges (not const: Linux 6.1 takes them writable) */
static struct netlink_range_validation portwatch_action_arg_range = {
	.min	= 0,
	.max	= 1000000ULL,
};

static struct netlink_range_validation portwatch_match_port_range = {
	.min	= 1ULL,
	.max	= 65535ULL,
};

/* Checks that nla_policy types cannot express */
static int portwatch_nl_validate_proto(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	switch (nla_get_u8(attr)) {
	case PORTWATCH_PROTO_TCP:
	case PORTWATCH_PROTO_UDP:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "not a value of its enum");
	return -EINVAL;
}

/* Common nested types */
const struct nla_policy portwatch_match_nl_policy[PORTWATCH_A_MATCH_MAX + 1] = {
	[PORTWATCH_A_MATCH_PORT] = NLA_POLICY_FULL_RANGE(NLA_U16, &portwatch_match_port_range),
	[PORTWATCH_A_MATCH_PROTO] =
		NLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, PORTWATCH_PROTO_UDP),
	[PORTWATCH_A_MATCH_MARK] = { .type = NLA_U32, },
};

const struct nla_policy portwatch_action_nl_policy[PORTWATCH_A_ACTION_MAX + 1] = {
	[PORTWATCH_A_ACTION_KIND] =
		NLA_POLICY_RANGE(NLA_U32, PORTWATCH_ACTION_KIND_MARK, PORTWATCH_ACTION_KIND_RATE),
	[PORTWATCH_A_ACTION_ARG] = NLA_POLICY_FULL_RANGE(NLA_U32, &portwatch_action_arg_range),
};

const struct nla_policy portwatch_match_filter_nl_policy[PORTWATCH_A_MATCH_MAX + 1] = {
	[PORTWATCH_A_MATCH_PROTO] =
		NLA_POLICY_RANGE(NLA_U8, PORTWATCH_PROTO_TCP, PORTWATCH_PROTO_UDP),
};

/* PORTWATCH_CMD_ADD - do */
static const struct nla_policy portwatch_add_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_nl_policy),
	[PORTWATCH_A_RULE_COMMENT] = { .type = NLA_NUL_STRING, .len = 64, },
	[PORTWATCH_A_RULE_VERDICT] = NLA_POLICY_MAX(NLA_U32, PORTWATCH_VERDICT_DROP),
	[PORTWATCH_A_RULE_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x7),
	[PORTWATCH_A_RULE_PRIORITY] = NLA_POLICY_RANGE(NLA_U8, 1, 255),
	[PORTWATCH_A_RULE_COOKIE] = NLA_POLICY_RANGE(NLA_BINARY, 4, 64),
	[PORTWATCH_A_RULE_HWADDR] = NLA_POLICY_EXACT_LEN(6),
	[PORTWATCH_A_RULE_TAGS] = { .type = NLA_NUL_STRING, .len = 16, },
	[PORTWATCH_A_RULE_ACTIONS] = NLA_POLICY_NESTED_ARRAY(portwatch_action_nl_policy),
};

/* PORTWATCH_CMD_DEL - do */
static const struct nla_policy portwatch_del_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* PORTWATCH_CMD_HIT - do */
static const struct nla_policy portwatch_hit_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[PORTWATCH_A_RULE_BYTES] = { .type = NLA_U64, },
};

/**
 * portwatch_nl_parse_match() - parse a request's Match nest
 * @tb: its attributes, by type (PORTWATCH_A_MATCH_MAX + 1 entries)
 * @nest: the nest
 * @extack: the extended ACK
 *
 * The kernel validated the nest with its policy before the handler ran; this
 * fills @tb (of a repeated attribute, the last).
 *
 * Return: 0, or a negative error code (with @extack set).
 */
int portwatch_nl_parse_match(struct nlattr **tb, const struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, PORTWATCH_A_MATCH_MAX, nest, portwatch_match_nl_policy, extack);
}

/**
 * portwatch_nl_parse_action() - parse a request's Action nest
 * @tb: its attributes, by type (PORTWATCH_A_ACTION_MAX + 1 entries)
 * @nest: the nest
 * @extack: the extended ACK
 *
 * The kernel validated the nest with its policy before the handler ran; this
 * fills @tb (of a repeated attribute, the last).
 *
 * Return: 0, or a negative error code (with @extack set).
 */
int portwatch_nl_parse_action(struct nlattr **tb, const struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, PORTWATCH_A_ACTION_MAX, nest, portwatch_action_nl_policy,
				extack);
}

/**
 * portwatch_nl_parse_match_filter() - parse a request's MatchFilter nest
 * @tb: its attributes, by type (PORTWATCH_A_MATCH_MAX + 1 entries)
 * @nest: the nest
 * @extack: the extended ACK
 *
 * The kernel validated the nest with its policy before the handler ran; this
 * fills @tb (of a repeated attribute, the last).
 *
 * Return: 0, or a negative error code (with @extack set).
 */
int portwatch_nl_parse_match_filter(struct nlattr **tb, const struct nlattr *nest,
				    struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, PORTWATCH_A_MATCH_MAX, nest, portwatch_match_filter_nl_policy,
				extack);
}

/**
 * portwatch_nl_check_match() - check a request's Match nest
 * @nest: the nest, validated by its policy
 * @extack: the extended ACK
 *
 * The nest must carry PORTWATCH_A_MATCH_PORT, PORTWATCH_A_MATCH_PROTO. Values
 * of its enums that are not contiguous are checked one by one.
 *
 * Return: 0, or -EINVAL when a required attribute is missing (the attribute and
 * its nest in @extack) or a value is not one of its enum's (the attribute in
 * @extack).
 */
static int portwatch_nl_check_match(const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	int rem, err;

	if (!nla_find_nested(nest, PORTWATCH_A_MATCH_PORT)) {
		NL_SET_ERR_ATTR_MISS(extack, nest, PORTWATCH_A_MATCH_PORT);
		NL_SET_ERR_MSG(extack, "missing attribute: Match.port");
		return -EINVAL;
	}
	if (!nla_find_nested(nest, PORTWATCH_A_MATCH_PROTO)) {
		NL_SET_ERR_ATTR_MISS(extack, nest, PORTWATCH_A_MATCH_PROTO);
		NL_SET_ERR_MSG(extack, "missing attribute: Match.proto");
		return -EINVAL;
	}

	nla_for_each_nested(pos, nest, rem) {
		switch (nla_type(pos)) {
		case PORTWATCH_A_MATCH_PROTO:
			err = portwatch_nl_validate_proto(pos, extack);
			if (err)
				return err;
			break;
		}
	}
	return 0;
}

/**
 * portwatch_nl_check_action() - check a request's Action nest
 * @nest: the nest, validated by its policy
 * @extack: the extended ACK
 *
 * The nest must carry PORTWATCH_A_ACTION_KIND.
 *
 * Return: 0, or -EINVAL when a required attribute is missing (the attribute and
 * its nest in @extack) or a value is not one of its enum's (the attribute in
 * @extack).
 */
static int portwatch_nl_check_action(const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	if (!nla_find_nested(nest, PORTWATCH_A_ACTION_KIND)) {
		NL_SET_ERR_ATTR_MISS(extack, nest, PORTWATCH_A_ACTION_KIND);
		NL_SET_ERR_MSG(extack, "missing attribute: Action.kind");
		return -EINVAL;
	}
	return 0;
}

/**
 * portwatch_nl_check_match_filter() - check a request's MatchFilter nest
 * @nest: the nest, validated by its policy
 * @extack: the extended ACK
 *
 * The nest must carry PORTWATCH_A_MATCH_PROTO. Values of its enums that are not
 * contiguous are checked one by one.
 *
 * Return: 0, or -EINVAL when a required attribute is missing (the attribute and
 * its nest in @extack) or a value is not one of its enum's (the attribute in
 * @extack).
 */
static int portwatch_nl_check_match_filter(const struct nlattr *nest,
					   struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	int rem, err;

	if (!nla_find_nested(nest, PORTWATCH_A_MATCH_PROTO)) {
		NL_SET_ERR_ATTR_MISS(extack, nest, PORTWATCH_A_MATCH_PROTO);
		NL_SET_ERR_MSG(extack, "missing attribute: MatchFilter.proto");
		return -EINVAL;
	}

	nla_for_each_nested(pos, nest, rem) {
		switch (nla_type(pos)) {
		case PORTWATCH_A_MATCH_PROTO:
			err = portwatch_nl_validate_proto(pos, extack);
			if (err)
				return err;
			break;
		}
	}
	return 0;
}

/**
 * portwatch_nl_add_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_ADD. The request must carry
 * PORTWATCH_A_RULE_ID, PORTWATCH_A_RULE_MATCH. Nests checked for their required
 * attributes: PORTWATCH_A_RULE_MATCH, PORTWATCH_A_RULE_ACTIONS.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_add_doit() returns.
 */
static int portwatch_nl_add_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *nest;
	const struct nlattr *pos, *elem;
	int rem, erem, err;

	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: RuleSpec.id");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_MATCH)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: RuleSpec.match");
		return -EINVAL;
	}

	nest = info->attrs[PORTWATCH_A_RULE_MATCH];
	if (nest) {
		err = portwatch_nl_check_match(nest, info->extack);
		if (err)
			return err;
	}

	nlmsg_for_each_attr(pos, info->nlhdr, GENL_HDRLEN, rem) {
		switch (nla_type(pos)) {
		case PORTWATCH_A_RULE_ACTIONS:
			nla_for_each_nested(elem, pos, erem) {
				err = portwatch_nl_check_action(elem, info->extack);
				if (err)
					return err;
			}
			break;
		}
	}
	return portwatch_nl_add_doit(skb, info);
}

/**
 * portwatch_nl_del_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_DEL. The request must carry
 * PORTWATCH_A_RULE_ID.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_del_doit() returns.
 */
static int portwatch_nl_del_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: RuleId.id");
		return -EINVAL;
	}
	return portwatch_nl_del_doit(skb, info);
}

/**
 * portwatch_nl_flush_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_FLUSH. It takes no attributes: any is rejected
 * (the kernel parses none for an op without a policy, and before Linux 6.2 one
 * shares its command's policy).
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_flush_doit() returns.
 */
static int portwatch_nl_flush_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (nlmsg_attrlen(info->nlhdr, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nlmsg_attrdata(info->nlhdr, GENL_HDRLEN),
				    "this operation takes no attributes");
		return -EINVAL;
	}
	return portwatch_nl_flush_doit(skb, info);
}

/**
 * portwatch_nl_hit_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_HIT. The request must carry
 * PORTWATCH_A_RULE_ID.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_hit_doit() returns.
 */
static int portwatch_nl_hit_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: Hit.id");
		return -EINVAL;
	}
	return portwatch_nl_hit_doit(skb, info);
}

/**
 * portwatch_nl_stats_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_STATS. It takes no attributes: any is rejected
 * (the kernel parses none for an op without a policy, and before Linux 6.2 one
 * shares its command's policy).
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_stats_doit() returns.
 */
static int portwatch_nl_stats_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (nlmsg_attrlen(info->nlhdr, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nlmsg_attrdata(info->nlhdr, GENL_HDRLEN),
				    "this operation takes no attributes");
		return -EINVAL;
	}
	return portwatch_nl_stats_doit(skb, info);
}

/**
 * portwatch_nl_ports_dump_start() - check a request before its handler
 * @cb: the dump's callback
 *
 * Checks the dump of PORTWATCH_CMD_PORTS. It takes no attributes: any is
 * rejected (the kernel parses none for an op without a policy, and before Linux
 * 6.2 one shares its command's policy).
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else 0.
 */
static int portwatch_nl_ports_dump_start(struct netlink_callback *cb)
{
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(cb->extack, nlmsg_attrdata(cb->nlh, GENL_HDRLEN),
				    "this operation takes no attributes");
		return -EINVAL;
	}
	return 0;
}

static const struct genl_multicast_group portwatch_nl_mcgrps[] = {
	[PORTWATCH_NLGRP_RULES] = { "rules", },
};

/*
 * Ops table and family for portwatch. Linux 6.2 added split ops (one entry per
 * do and per dump, struct genl_split_ops); earlier kernels take struct genl_ops
 * with one policy per command. resv_start_op stays 0: every op is strictly
 * validated. parallel_ops: the module does its own locking.
 */
#ifdef GENL_HAVE_SPLIT_OPS
/* PORTWATCH_CMD_GET - do */
static const struct nla_policy portwatch_get_do_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* PORTWATCH_CMD_GET - dump */
static const struct nla_policy portwatch_get_dump_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_filter_nl_policy),
};

/**
 * portwatch_nl_dump_attrs() - the attributes of a dump's request
 * @cb: the dump's callback
 *
 * The kernel parsed and validated them with the dump's policy before the dump
 * started (genl_info_dump() from Linux 6.6, genl_dumpit_info() before).
 *
 * Return: the attributes by type (the set's _MAX + 1 entries), NULL for a dump
 * without a policy.
 */
struct nlattr **portwatch_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}

/**
 * portwatch_nl_get_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_GET. The request must carry
 * PORTWATCH_A_RULE_ID.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_get_doit() returns.
 */
static int portwatch_nl_get_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: RuleId.id");
		return -EINVAL;
	}
	return portwatch_nl_get_doit(skb, info);
}

/**
 * portwatch_nl_get_dump_start() - check a request before its handler
 * @cb: the dump's callback
 *
 * Checks the dump of PORTWATCH_CMD_GET. Nests checked for their required
 * attributes: PORTWATCH_A_RULE_MATCH.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else 0.
 */
static int portwatch_nl_get_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = portwatch_nl_dump_attrs(cb);
	const struct nlattr *nest;
	int err;

	nest = attrs[PORTWATCH_A_RULE_MATCH];
	if (nest) {
		err = portwatch_nl_check_match_filter(nest, cb->extack);
		if (err)
			return err;
	}
	return 0;
}

static const struct genl_split_ops portwatch_nl_ops[] = {
	{
		.cmd		= PORTWATCH_CMD_ADD,
		.doit		= portwatch_nl_add_doit_checked,
		.policy		= portwatch_add_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_DEL,
		.doit		= portwatch_nl_del_doit_checked,
		.policy		= portwatch_del_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_GET,
		.doit		= portwatch_nl_get_doit_checked,
		.policy		= portwatch_get_do_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_GET,
		.start		= portwatch_nl_get_dump_start,
		.dumpit		= portwatch_nl_get_dumpit,
		.policy		= portwatch_get_dump_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= PORTWATCH_CMD_FLUSH,
		.doit	= portwatch_nl_flush_doit_checked,
		.flags	= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_HIT,
		.doit		= portwatch_nl_hit_doit_checked,
		.policy		= portwatch_hit_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PORTWATCH_CMD_STATS,
		.doit	= portwatch_nl_stats_doit_checked,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PORTWATCH_CMD_PORTS,
		.start	= portwatch_nl_ports_dump_start,
		.dumpit	= portwatch_nl_ports_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
};

struct genl_family portwatch_nl_family __ro_after_init = {
	.name		= PORTWATCH_FAMILY_NAME,
	.version	= PORTWATCH_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= portwatch_nl_ops,
	.n_split_ops	= ARRAY_SIZE(portwatch_nl_ops),
	.mcgrps		= portwatch_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(portwatch_nl_mcgrps),
};
#else /* !GENL_HAVE_SPLIT_OPS */
/* PORTWATCH_CMD_GET - do, dump (Linux < 6.2: one policy per command) */
static const struct nla_policy portwatch_get_nl_policy[PORTWATCH_A_RULE_MAX + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_filter_nl_policy),
};

/**
 * portwatch_nl_dump_attrs() - the attributes of a dump's request
 * @cb: the dump's callback
 *
 * The kernel parsed and validated them with the dump's policy before the dump
 * started (genl_info_dump() from Linux 6.6, genl_dumpit_info() before).
 *
 * Return: the attributes by type (the set's _MAX + 1 entries), NULL for a dump
 * without a policy.
 */
struct nlattr **portwatch_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}

/**
 * portwatch_nl_get_doit_checked() - check a request before its handler
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Checks the do of PORTWATCH_CMD_GET. Linux before 6.2 has one policy for its
 * do and dump: this rejects PORTWATCH_A_RULE_MATCH, which the do does not take.
 * The request must carry PORTWATCH_A_RULE_ID.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else what portwatch_nl_get_doit() returns.
 */
static int portwatch_nl_get_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *nest;

	nest = info->attrs[PORTWATCH_A_RULE_MATCH];
	if (nest) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "attribute not accepted by this operation");
		return -EINVAL;
	}

	if (GENL_REQ_ATTR_CHECK(info, PORTWATCH_A_RULE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute: RuleId.id");
		return -EINVAL;
	}
	return portwatch_nl_get_doit(skb, info);
}

/**
 * portwatch_nl_get_dump_start() - check a request before its handler
 * @cb: the dump's callback
 *
 * Checks the dump of PORTWATCH_CMD_GET. Linux before 6.2 has one policy for its
 * do and dump: this rejects PORTWATCH_A_RULE_ID, which the dump does not take.
 * Nests checked for their required attributes: PORTWATCH_A_RULE_MATCH.
 *
 * Return: -EINVAL when the request fails a check (the reason in the extended
 * ACK), else 0.
 */
static int portwatch_nl_get_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = portwatch_nl_dump_attrs(cb);
	const struct nlattr *nest;
	int err;

	nest = attrs[PORTWATCH_A_RULE_ID];
	if (nest) {
		NL_SET_ERR_MSG_ATTR(cb->extack, nest, "attribute not accepted by this operation");
		return -EINVAL;
	}

	nest = attrs[PORTWATCH_A_RULE_MATCH];
	if (nest) {
		err = portwatch_nl_check_match_filter(nest, cb->extack);
		if (err)
			return err;
	}
	return 0;
}

static const struct genl_ops portwatch_nl_ops[] = {
	{
		.cmd		= PORTWATCH_CMD_ADD,
		.doit		= portwatch_nl_add_doit_checked,
		.policy		= portwatch_add_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PORTWATCH_CMD_DEL,
		.doit		= portwatch_nl_del_doit_checked,
		.policy		= portwatch_del_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PORTWATCH_CMD_GET,
		.doit		= portwatch_nl_get_doit_checked,
		.start		= portwatch_nl_get_dump_start,
		.dumpit		= portwatch_nl_get_dumpit,
		.policy		= portwatch_get_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
	},
	{
		.cmd	= PORTWATCH_CMD_FLUSH,
		.doit	= portwatch_nl_flush_doit_checked,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PORTWATCH_CMD_HIT,
		.doit		= portwatch_nl_hit_doit_checked,
		.policy		= portwatch_hit_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd	= PORTWATCH_CMD_STATS,
		.doit	= portwatch_nl_stats_doit_checked,
	},
	{
		.cmd	= PORTWATCH_CMD_PORTS,
		.start	= portwatch_nl_ports_dump_start,
		.dumpit	= portwatch_nl_ports_dumpit,
	},
};

struct genl_family portwatch_nl_family __ro_after_init = {
	.name		= PORTWATCH_FAMILY_NAME,
	.version	= PORTWATCH_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= portwatch_nl_ops,
	.n_ops		= ARRAY_SIZE(portwatch_nl_ops),
	.mcgrps		= portwatch_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(portwatch_nl_mcgrps),
};
#endif /* GENL_HAVE_SPLIT_OPS */
