/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the portwatch family; regenerate with `genl generate` */
/* genl kernel header */

#ifndef _PORTWATCH_NL_H
#define _PORTWATCH_NL_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl_compat.h"
#include <uapi/linux/portwatch.h>

/* Declared limits, enforced by the generated policies */
#define PORTWATCH_A_RULE_ID_MIN			1
#define PORTWATCH_A_RULE_COMMENT_MAX_LEN	64
#define PORTWATCH_A_RULE_PRIORITY_MIN		1
#define PORTWATCH_A_RULE_PRIORITY_MAX		255
#define PORTWATCH_A_RULE_COOKIE_MIN_LEN		4
#define PORTWATCH_A_RULE_COOKIE_MAX_LEN		64
#define PORTWATCH_A_RULE_HWADDR_EXACT_LEN	6
#define PORTWATCH_A_RULE_TAGS_MAX_LEN		16
#define PORTWATCH_A_MATCH_PORT_MIN		1
#define PORTWATCH_A_MATCH_PORT_MAX		65535
#define PORTWATCH_A_ACTION_ARG_MAX		1000000

/* Common nested types */
extern const struct nla_policy portwatch_match_nl_policy[PORTWATCH_A_MATCH_MAX + 1];
extern const struct nla_policy portwatch_action_nl_policy[PORTWATCH_A_ACTION_MAX + 1];
extern const struct nla_policy portwatch_match_filter_nl_policy[PORTWATCH_A_MATCH_MAX + 1];

/* Parse helpers of the nests of requests (tb: the set's _MAX + 1 entries) */
int portwatch_nl_parse_match(struct nlattr **tb, const struct nlattr *nest,
			     struct netlink_ext_ack *extack);
int portwatch_nl_parse_action(struct nlattr **tb, const struct nlattr *nest,
			      struct netlink_ext_ack *extack);
int portwatch_nl_parse_match_filter(struct nlattr **tb, const struct nlattr *nest,
				    struct netlink_ext_ack *extack);

/* The parsed, validated attributes of a dump's request, on every kernel */
struct nlattr **portwatch_nl_dump_attrs(struct netlink_callback *cb);

/* Handlers the module implements */
int portwatch_nl_add_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_del_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_get_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int portwatch_nl_flush_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_hit_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_stats_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_ports_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* 64-bit attributes the kernel sends, aligned by the pad attribute */
/**
 * portwatch_nl_put_rule_hits() - put PORTWATCH_A_RULE_HITS, 64-bit aligned
 * @skb: the message
 * @value: the value
 *
 * Puts PORTWATCH_A_RULE_PAD before it when needed to align it
 * (nla_put_u64_64bit()).
 *
 * Return: 0, or -EMSGSIZE when @skb has no room.
 */
static inline int portwatch_nl_put_rule_hits(struct sk_buff *skb, u64 value)
{
	return nla_put_u64_64bit(skb, PORTWATCH_A_RULE_HITS, value, PORTWATCH_A_RULE_PAD);
}

/**
 * portwatch_nl_put_rule_bytes() - put PORTWATCH_A_RULE_BYTES, 64-bit aligned
 * @skb: the message
 * @value: the value
 *
 * Puts PORTWATCH_A_RULE_PAD before it when needed to align it
 * (nla_put_u64_64bit()).
 *
 * Return: 0, or -EMSGSIZE when @skb has no room.
 */
static inline int portwatch_nl_put_rule_bytes(struct sk_buff *skb, u64 value)
{
	return nla_put_u64_64bit(skb, PORTWATCH_A_RULE_BYTES, value, PORTWATCH_A_RULE_PAD);
}

/**
 * portwatch_nl_put_stats_hits() - put PORTWATCH_A_STATS_HITS, 64-bit aligned
 * @skb: the message
 * @value: the value
 *
 * Puts PORTWATCH_A_STATS_PAD before it when needed to align it
 * (nla_put_u64_64bit()).
 *
 * Return: 0, or -EMSGSIZE when @skb has no room.
 */
static inline int portwatch_nl_put_stats_hits(struct sk_buff *skb, u64 value)
{
	return nla_put_u64_64bit(skb, PORTWATCH_A_STATS_HITS, value, PORTWATCH_A_STATS_PAD);
}

enum {
	PORTWATCH_NLGRP_RULES,
};

extern struct genl_family portwatch_nl_family;

#endif /* _PORTWATCH_NL_H */
