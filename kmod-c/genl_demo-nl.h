/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the genl_demo family; regenerate with `cargo xtask codegen` */
/* genl kernel header */

#ifndef _GENL_DEMO_NL_H
#define _GENL_DEMO_NL_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl_compat.h"
#include <uapi/linux/genl_demo.h>

/* Declared limits, enforced by the generated policies */
#define GENL_DEMO_A_ECHO_MSG_MAX_LEN	256
#define GENL_DEMO_A_KV_KEY_MIN_LEN	1
#define GENL_DEMO_A_KV_KEY_MAX_LEN	64
#define GENL_DEMO_A_KV_VALUE_MAX_LEN	1024
#define GENL_DEMO_A_DEFER_DELAY_MS_MAX	10000

/* Common nested types */
extern const struct nla_policy genl_demo_meta_nl_policy[GENL_DEMO_A_META_MAX + 1];

/* Parse helpers of the nests of requests (tb: the set's _MAX + 1 entries) */
int genl_demo_nl_parse_meta(struct nlattr **tb, const struct nlattr *nest,
			    struct netlink_ext_ack *extack);

/* The parsed, validated attributes of a dump's request, on every kernel */
struct nlattr **genl_demo_nl_dump_attrs(struct netlink_callback *cb);

/* Handlers the module implements */
int genl_demo_nl_echo_doit(struct sk_buff *skb, struct genl_info *info);
int genl_demo_nl_kv_set_doit(struct sk_buff *skb, struct genl_info *info);
int genl_demo_nl_kv_get_doit(struct sk_buff *skb, struct genl_info *info);
int genl_demo_nl_kv_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int genl_demo_nl_kv_del_doit(struct sk_buff *skb, struct genl_info *info);
int genl_demo_nl_deferred_doit(struct sk_buff *skb, struct genl_info *info);

/* 64-bit attributes the kernel sends, aligned by the pad attribute */
/**
 * genl_demo_nl_put_echo_cookie() - put GENL_DEMO_A_ECHO_COOKIE, 64-bit aligned
 * @skb: the message
 * @value: the value
 *
 * Puts GENL_DEMO_A_ECHO_PAD before it when needed to align it
 * (nla_put_u64_64bit()).
 *
 * Return: 0, or -EMSGSIZE when @skb has no room.
 */
static inline int genl_demo_nl_put_echo_cookie(struct sk_buff *skb, u64 value)
{
	return nla_put_u64_64bit(skb, GENL_DEMO_A_ECHO_COOKIE, value, GENL_DEMO_A_ECHO_PAD);
}

enum {
	GENL_DEMO_NLGRP_EVENTS,
};

extern struct genl_family genl_demo_nl_family;

#endif /* _GENL_DEMO_NL_H */
