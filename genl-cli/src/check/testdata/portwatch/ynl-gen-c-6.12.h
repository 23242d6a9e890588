/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/portwatch.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PORTWATCH_GEN_H
#define _LINUX_PORTWATCH_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/portwatch.h>

/* Common nested types */
extern const struct nla_policy portwatch_action_nl_policy[PORTWATCH_A_ACTION_ARG + 1];
extern const struct nla_policy portwatch_match_nl_policy[PORTWATCH_A_MATCH_MARK + 1];

int portwatch_nl_add_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_del_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_get_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int portwatch_nl_flush_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_hit_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_stats_doit(struct sk_buff *skb, struct genl_info *info);
int portwatch_nl_ports_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

enum {
	PORTWATCH_NLGRP_RULES,
};

extern struct genl_family portwatch_nl_family;

#endif /* _LINUX_PORTWATCH_GEN_H */
