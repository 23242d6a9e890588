// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/portwatch.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "ynl-kernel.h"

#include <uapi/linux/portwatch.h>

/* Integer value ranges */
static const struct netlink_range_validation portwatch_a_match_port_range = {
	.min	= 1ULL,
	.max	= 65535ULL,
};

static const struct netlink_range_validation portwatch_a_action_arg_range = {
	.max	= 1000000ULL,
};

/* Common nested types */
const struct nla_policy portwatch_action_nl_policy[PORTWATCH_A_ACTION_ARG + 1] = {
	[PORTWATCH_A_ACTION_KIND] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[PORTWATCH_A_ACTION_ARG] = NLA_POLICY_FULL_RANGE(NLA_U32, &portwatch_a_action_arg_range),
};

const struct nla_policy portwatch_match_nl_policy[PORTWATCH_A_MATCH_MARK + 1] = {
	[PORTWATCH_A_MATCH_PORT] = NLA_POLICY_FULL_RANGE(NLA_U16, &portwatch_a_match_port_range),
	[PORTWATCH_A_MATCH_PROTO] = { .type = NLA_U8, },
	[PORTWATCH_A_MATCH_MARK] = { .type = NLA_U32, },
};

/* PORTWATCH_CMD_ADD - do */
static const struct nla_policy portwatch_add_nl_policy[PORTWATCH_A_RULE_ACTIONS + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_nl_policy),
	[PORTWATCH_A_RULE_COMMENT] = { .type = NLA_NUL_STRING, .len = 64, },
	[PORTWATCH_A_RULE_VERDICT] = NLA_POLICY_MAX(NLA_U32, 2),
	[PORTWATCH_A_RULE_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x7),
	[PORTWATCH_A_RULE_PRIORITY] = NLA_POLICY_RANGE(NLA_U8, 1, 255),
	[PORTWATCH_A_RULE_COOKIE] = { .type = NLA_BINARY, },
	[PORTWATCH_A_RULE_HWADDR] = NLA_POLICY_EXACT_LEN(6),
	[PORTWATCH_A_RULE_TAGS] = { .type = NLA_STRING, .len = 16, },
	[PORTWATCH_A_RULE_ACTIONS] = { .type = NLA_INDEXED_ARRAY, },
};

/* PORTWATCH_CMD_DEL - do */
static const struct nla_policy portwatch_del_nl_policy[PORTWATCH_A_RULE_ID + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* PORTWATCH_CMD_GET - do */
static const struct nla_policy portwatch_get_do_nl_policy[PORTWATCH_A_RULE_ID + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* PORTWATCH_CMD_GET - dump */
static const struct nla_policy portwatch_get_dump_nl_policy[PORTWATCH_A_RULE_MATCH + 1] = {
	[PORTWATCH_A_RULE_MATCH] = NLA_POLICY_NESTED(portwatch_match_nl_policy),
};

/* PORTWATCH_CMD_HIT - do */
static const struct nla_policy portwatch_hit_nl_policy[PORTWATCH_A_RULE_BYTES + 1] = {
	[PORTWATCH_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[PORTWATCH_A_RULE_BYTES] = { .type = NLA_U64, },
};

/* Ops table for portwatch */
static const struct genl_split_ops portwatch_nl_ops[] = {
	{
		.cmd		= PORTWATCH_CMD_ADD,
		.doit		= portwatch_nl_add_doit,
		.policy		= portwatch_add_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_ACTIONS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_DEL,
		.doit		= portwatch_nl_del_doit,
		.policy		= portwatch_del_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_GET,
		.doit		= portwatch_nl_get_doit,
		.policy		= portwatch_get_do_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_GET,
		.dumpit		= portwatch_nl_get_dumpit,
		.policy		= portwatch_get_dump_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_MATCH,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= PORTWATCH_CMD_FLUSH,
		.doit	= portwatch_nl_flush_doit,
		.flags	= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PORTWATCH_CMD_HIT,
		.doit		= portwatch_nl_hit_doit,
		.policy		= portwatch_hit_nl_policy,
		.maxattr	= PORTWATCH_A_RULE_BYTES,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PORTWATCH_CMD_STATS,
		.doit	= portwatch_nl_stats_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PORTWATCH_CMD_PORTS,
		.dumpit	= portwatch_nl_ports_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
};

static const struct genl_multicast_group portwatch_nl_mcgrps[] = {
	[PORTWATCH_NLGRP_RULES] = { "rules", },
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
