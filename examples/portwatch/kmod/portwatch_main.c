// SPDX-License-Identifier: GPL-2.0
/*
 * portwatch: rules that watch transport ports, per network namespace.
 *
 * The family's attributes, policies, ops table and multicast group come from
 * its Rust schema (portwatch/src/lib.rs) through `genl generate`:
 * portwatch-nl.[ch] and include/uapi/linux/portwatch.h. The generated code
 * checks every request against the schema before a handler runs: types,
 * limits, value enums (the sparse protocol numbers one by one), flag masks,
 * required attributes at every level (the rule's match, its port
 * and protocol, each action's kind, the dump filter's protocol), what each
 * operation accepts, and CAP_NET_ADMIN for the admin commands. This file
 * implements the handlers:
 *
 * - ADD stores a rule under its id and replies with it;
 * - DEL deletes one, FLUSH every rule of the namespace;
 * - GET replies with one rule, or dumps them (resumable), filtered by protocol;
 * - HIT counts a packet on a rule (a test hook standing in for the packet
 *   path); a one-shot rule is deleted after its first hit;
 * - STATS replies with the namespace's counters, PORTS dumps the ports the
 *   rules match;
 * - every rule added or deleted, and every flush, is sent to the "rules"
 *   group as RULE_CHANGED.
 *
 * The family has parallel_ops: each namespace's state has its own mutex.
 * Nothing here depends on the kernel version: the generated code hides the
 * differences (split ops, where a dump's request attributes live).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "portwatch-nl.h"

/* Most rules one network namespace may hold. */
#define PORTWATCH_MAX_RULES	4096
/* Most tags, and most actions, one rule may carry. */
#define PORTWATCH_MAX_TAGS	16
#define PORTWATCH_MAX_ACTIONS	16

/**
 * struct portwatch_action - one action of a rule
 * @kind: enum portwatch_action_kind
 * @arg: its argument, valid if @has_arg
 * @has_arg: whether the action has an argument
 */
struct portwatch_action {
	u32 kind;
	u32 arg;
	bool has_arg;
};

/**
 * struct portwatch_rule - one rule
 * @id: its id, the key in &portwatch_net.rules
 * @port: the transport port it matches
 * @proto: the transport protocol it matches (enum portwatch_proto)
 * @has_mark: whether it also matches @mark
 * @mark: the packet mark it matches, valid if @has_mark
 * @verdict: enum portwatch_verdict
 * @has_flags: whether flags were given (they are echoed then)
 * @flags: enum portwatch_rule_flag bits
 * @priority: 1 to 255, 0 when not given
 * @has_comment: whether @comment is set
 * @comment: a comment, NUL-terminated
 * @cookie_len: bytes of @cookie, 0 when there is none (a cookie has at
 *	least PORTWATCH_A_RULE_COOKIE_MIN_LEN)
 * @cookie: an opaque cookie
 * @has_hwaddr: whether @hwaddr is set
 * @hwaddr: a hardware address
 * @n_tags: the tags in @tags
 * @tags: tags, each NUL-terminated, in request order
 * @n_actions: the actions in @actions
 * @actions: actions, in request order
 * @hits: packets counted
 * @bytes: bytes counted
 */
struct portwatch_rule {
	u32 id;
	u16 port;
	u8 proto;
	bool has_mark;
	u32 mark;
	u32 verdict;
	bool has_flags;
	u32 flags;
	u8 priority;
	bool has_comment;
	char comment[PORTWATCH_A_RULE_COMMENT_MAX_LEN + 1];
	u8 cookie_len;
	u8 cookie[PORTWATCH_A_RULE_COOKIE_MAX_LEN];
	bool has_hwaddr;
	u8 hwaddr[PORTWATCH_A_RULE_HWADDR_EXACT_LEN];
	unsigned int n_tags;
	char tags[PORTWATCH_MAX_TAGS][PORTWATCH_A_RULE_TAGS_MAX_LEN + 1];
	unsigned int n_actions;
	struct portwatch_action actions[PORTWATCH_MAX_ACTIONS];
	u64 hits;
	u64 bytes;
};

/**
 * struct portwatch_net - per network namespace state
 * @lock: protects everything below
 * @rules: the rules by id
 * @ports: for each port some rule matches, how many do (xa_mk_value())
 * @count: number of rules
 * @hits: packets counted by every rule of the namespace, deleted ones too
 * @gen: bumped whenever a rule comes or goes; dumps report NLM_F_DUMP_INTR
 *	across one
 */
struct portwatch_net {
	struct mutex lock; /* protects the state, see above */
	struct xarray rules;
	struct xarray ports;
	unsigned int count;
	u64 hits;
	unsigned int gen;
};

/**
 * struct portwatch_dump_ctx - a dump's position, kept in &netlink_callback.ctx
 * @next: the rule id (GET) or port (PORTS) to resume at
 */
struct portwatch_dump_ctx {
	unsigned long next;
};

static unsigned int portwatch_net_id __read_mostly;

/**
 * portwatch_pernet() - the module's state in a network namespace
 * @net: the namespace
 *
 * Return: the namespace's &struct portwatch_net.
 */
static struct portwatch_net *portwatch_pernet(const struct net *net)
{
	return net_generic(net, portwatch_net_id);
}

/**
 * portwatch_match_size() - room a rule's match nest needs
 *
 * Return: the nest's total size.
 */
static size_t portwatch_match_size(void)
{
	return nla_total_size(nla_total_size(sizeof(u16)) +
			      nla_total_size(sizeof(u8)) +
			      nla_total_size(sizeof(u32)));
}

/**
 * portwatch_rule_size() - room the largest rule message needs
 *
 * Return: the payload size for genlmsg_new().
 */
static size_t portwatch_rule_size(void)
{
	size_t action = nla_total_size(2 * nla_total_size(sizeof(u32)));

	return nla_total_size(sizeof(u32)) +			/* id */
	       portwatch_match_size() +				/* match */
	       nla_total_size(PORTWATCH_A_RULE_COMMENT_MAX_LEN + 1) +
	       nla_total_size(sizeof(u32)) +			/* verdict */
	       nla_total_size(sizeof(u32)) +			/* flags */
	       nla_total_size(sizeof(u8)) +			/* priority */
	       nla_total_size(PORTWATCH_A_RULE_COOKIE_MAX_LEN) +
	       nla_total_size(PORTWATCH_A_RULE_HWADDR_EXACT_LEN) +
	       PORTWATCH_MAX_TAGS *
	       nla_total_size(PORTWATCH_A_RULE_TAGS_MAX_LEN + 1) +
	       nla_total_size(PORTWATCH_MAX_ACTIONS * action) +	/* actions */
	       2 * nla_total_size_64bit(sizeof(u64));		/* hits, bytes */
}

/**
 * portwatch_put_match() - put a rule's match nest into a message
 * @skb: the message
 * @r: the rule
 *
 * Return: 0, or -EMSGSIZE when @skb has no room (nothing of the nest is
 * left).
 */
static int portwatch_put_match(struct sk_buff *skb,
			       const struct portwatch_rule *r)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, PORTWATCH_A_RULE_MATCH);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, PORTWATCH_A_MATCH_PORT, r->port) ||
	    nla_put_u8(skb, PORTWATCH_A_MATCH_PROTO, r->proto) ||
	    (r->has_mark && nla_put_u32(skb, PORTWATCH_A_MATCH_MARK, r->mark))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * portwatch_put_actions() - put a rule's actions, an indexed array
 * @skb: the message
 * @r: the rule, with at least one action
 *
 * The elements are numbered from 1, in the rule's order.
 *
 * Return: 0, or -EMSGSIZE when @skb has no room (nothing of the array is
 * left).
 */
static int portwatch_put_actions(struct sk_buff *skb,
				 const struct portwatch_rule *r)
{
	struct nlattr *array, *elem;
	unsigned int i;

	array = nla_nest_start(skb, PORTWATCH_A_RULE_ACTIONS);
	if (!array)
		return -EMSGSIZE;
	for (i = 0; i < r->n_actions; i++) {
		const struct portwatch_action *a = &r->actions[i];

		elem = nla_nest_start(skb, i + 1);
		if (!elem)
			goto cancel;
		if (nla_put_u32(skb, PORTWATCH_A_ACTION_KIND, a->kind) ||
		    (a->has_arg &&
		     nla_put_u32(skb, PORTWATCH_A_ACTION_ARG, a->arg)))
			goto cancel;
		nla_nest_end(skb, elem);
	}
	nla_nest_end(skb, array);
	return 0;

cancel:
	nla_nest_cancel(skb, array);
	return -EMSGSIZE;
}

/**
 * portwatch_fill_rule() - put a rule's attributes into a message
 * @skb: the message
 * @r: the rule
 *
 * The counters go 64-bit aligned, through the generated helpers.
 *
 * Return: 0, or -EMSGSIZE when @skb has no room (the caller cancels the
 * message).
 */
static int portwatch_fill_rule(struct sk_buff *skb,
			       const struct portwatch_rule *r)
{
	unsigned int i;

	if (nla_put_u32(skb, PORTWATCH_A_RULE_ID, r->id) ||
	    portwatch_put_match(skb, r))
		return -EMSGSIZE;
	if (r->has_comment &&
	    nla_put_string(skb, PORTWATCH_A_RULE_COMMENT, r->comment))
		return -EMSGSIZE;
	if (nla_put_u32(skb, PORTWATCH_A_RULE_VERDICT, r->verdict))
		return -EMSGSIZE;
	if (r->has_flags && nla_put_u32(skb, PORTWATCH_A_RULE_FLAGS, r->flags))
		return -EMSGSIZE;
	if (r->priority &&
	    nla_put_u8(skb, PORTWATCH_A_RULE_PRIORITY, r->priority))
		return -EMSGSIZE;
	if (r->cookie_len &&
	    nla_put(skb, PORTWATCH_A_RULE_COOKIE, r->cookie_len, r->cookie))
		return -EMSGSIZE;
	if (r->has_hwaddr &&
	    nla_put(skb, PORTWATCH_A_RULE_HWADDR, sizeof(r->hwaddr), r->hwaddr))
		return -EMSGSIZE;
	for (i = 0; i < r->n_tags; i++)
		if (nla_put_string(skb, PORTWATCH_A_RULE_TAGS, r->tags[i]))
			return -EMSGSIZE;
	if (r->n_actions && portwatch_put_actions(skb, r))
		return -EMSGSIZE;
	if (portwatch_nl_put_rule_hits(skb, r->hits) ||
	    portwatch_nl_put_rule_bytes(skb, r->bytes))
		return -EMSGSIZE;
	return 0;
}

/**
 * portwatch_notify() - send RULE_CHANGED to the "rules" group
 * @net: the namespace of the change
 * @r: the rule added or deleted (before it is freed), NULL for a flush
 * @change: enum portwatch_change
 *
 * The event carries the rule's id and match, or for a flush neither.
 * Called with the namespace's lock held, so that events are sent in the
 * order of the changes. Listeners who cannot be told (no memory) get
 * ENOBUFS on their sockets, as for an overrun.
 */
static void portwatch_notify(struct net *net, const struct portwatch_rule *r,
			     u32 change)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&portwatch_nl_family, net,
				PORTWATCH_NLGRP_RULES))
		return;
	skb = genlmsg_new(2 * nla_total_size(sizeof(u32)) +
			  portwatch_match_size(), GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &portwatch_nl_family, 0,
			  PORTWATCH_CMD_RULE_CHANGED);
	if (!hdr)
		goto free;
	if (r && (nla_put_u32(skb, PORTWATCH_A_RULE_ID, r->id) ||
		  portwatch_put_match(skb, r)))
		goto free;
	if (nla_put_u32(skb, PORTWATCH_A_RULE_CHANGE, change))
		goto free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&portwatch_nl_family, net, skb, 0,
				PORTWATCH_NLGRP_RULES, GFP_KERNEL);
	return;

free:
	nlmsg_free(skb);
lost:
	/* Negative, as netlink_set_err() wants it: listeners then see ENOBUFS. */
	genl_set_err(&portwatch_nl_family, net, 0, PORTWATCH_NLGRP_RULES,
		     -ENOBUFS);
}

/**
 * portwatch_audit() - log a change of a rule that has the audit flag
 * @r: the rule
 * @what: what happened to it
 */
static void portwatch_audit(const struct portwatch_rule *r, const char *what)
{
	if (r->flags & PORTWATCH_RULE_FLAG_AUDIT)
		pr_info("rule %u (port %u, protocol %u) %s\n", r->id, r->port,
			r->proto, what);
}

/**
 * portwatch_port_get() - count one more rule matching a port
 * @pn: per-namespace state, with @pn->lock held
 * @port: the port
 *
 * Return: 0, or -ENOMEM.
 */
static int portwatch_port_get(struct portwatch_net *pn, u16 port)
{
	void *old = xa_load(&pn->ports, port);
	unsigned long n = old ? xa_to_value(old) : 0;

	lockdep_assert_held(&pn->lock);
	return xa_err(xa_store(&pn->ports, port, xa_mk_value(n + 1),
			       GFP_KERNEL));
}

/**
 * portwatch_port_put() - count one rule fewer matching a port
 * @pn: per-namespace state, with @pn->lock held
 * @port: the port, counted by portwatch_port_get()
 *
 * Replacing an entry that is there allocates nothing, so this cannot fail.
 */
static void portwatch_port_put(struct portwatch_net *pn, u16 port)
{
	unsigned long n = xa_to_value(xa_load(&pn->ports, port));

	lockdep_assert_held(&pn->lock);
	if (n > 1)
		xa_store(&pn->ports, port, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&pn->ports, port);
}

/**
 * portwatch_unlink() - take a rule out of its namespace
 * @pn: per-namespace state, with @pn->lock held
 * @r: the rule; the caller frees it
 */
static void portwatch_unlink(struct portwatch_net *pn,
			     struct portwatch_rule *r)
{
	lockdep_assert_held(&pn->lock);
	xa_erase(&pn->rules, r->id);
	portwatch_port_put(pn, r->port);
	pn->count--;
	pn->gen++;
}

/**
 * portwatch_parse_tags() - copy the tags of an ADD request
 * @r: the new rule
 * @info: the request
 *
 * The tags attribute is repeated: every occurrence is a tag, in order. The
 * policy has checked each one's length.
 *
 * Return: 0, or -E2BIG (with an extended ACK message) for too many.
 */
static int portwatch_parse_tags(struct portwatch_rule *r,
				struct genl_info *info)
{
	const struct nlattr *pos;
	int rem;

	nlmsg_for_each_attr(pos, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(pos) != PORTWATCH_A_RULE_TAGS)
			continue;
		if (r->n_tags == PORTWATCH_MAX_TAGS) {
			NL_SET_ERR_MSG_ATTR(info->extack, pos,
					    "too many tags (at most 16)");
			return -E2BIG;
		}
		nla_strscpy(r->tags[r->n_tags++], pos, sizeof(r->tags[0]));
	}
	return 0;
}

/**
 * portwatch_parse_actions() - copy the actions of an ADD request
 * @r: the new rule
 * @info: the request, with PORTWATCH_A_RULE_ACTIONS
 *
 * The policy has validated each element, and the generated code has checked
 * that each has a kind.
 *
 * Return: 0, or a negative errno with an extended ACK message.
 */
static int portwatch_parse_actions(struct portwatch_rule *r,
				   struct genl_info *info)
{
	struct nlattr *tb[PORTWATCH_A_ACTION_MAX + 1];
	const struct nlattr *elem;
	int rem, err;

	nla_for_each_nested(elem, info->attrs[PORTWATCH_A_RULE_ACTIONS], rem) {
		struct portwatch_action *a;

		if (r->n_actions == PORTWATCH_MAX_ACTIONS) {
			NL_SET_ERR_MSG_ATTR(info->extack, elem,
					    "too many actions (at most 16)");
			return -E2BIG;
		}
		err = portwatch_nl_parse_action(tb, elem, info->extack);
		if (err)
			return err;
		a = &r->actions[r->n_actions++];
		a->kind = nla_get_u32(tb[PORTWATCH_A_ACTION_KIND]);
		a->has_arg = !!tb[PORTWATCH_A_ACTION_ARG];
		if (a->has_arg)
			a->arg = nla_get_u32(tb[PORTWATCH_A_ACTION_ARG]);
	}
	return 0;
}

/**
 * portwatch_parse_rule() - a new rule from an ADD request
 * @r: the rule, zeroed
 * @info: the request, checked by the generated code (id and match are
 *	there, the match has its port and protocol)
 *
 * Return: 0, or a negative errno with an extended ACK message.
 */
static int portwatch_parse_rule(struct portwatch_rule *r,
				struct genl_info *info)
{
	struct nlattr *tb[PORTWATCH_A_MATCH_MAX + 1];
	struct nlattr **attrs = info->attrs;
	int err;

	r->id = nla_get_u32(attrs[PORTWATCH_A_RULE_ID]);
	err = portwatch_nl_parse_match(tb, attrs[PORTWATCH_A_RULE_MATCH],
				       info->extack);
	if (err)
		return err;
	r->port = nla_get_u16(tb[PORTWATCH_A_MATCH_PORT]);
	r->proto = nla_get_u8(tb[PORTWATCH_A_MATCH_PROTO]);
	r->has_mark = !!tb[PORTWATCH_A_MATCH_MARK];
	if (r->has_mark)
		r->mark = nla_get_u32(tb[PORTWATCH_A_MATCH_MARK]);

	r->has_comment = !!attrs[PORTWATCH_A_RULE_COMMENT];
	if (r->has_comment)
		nla_strscpy(r->comment, attrs[PORTWATCH_A_RULE_COMMENT],
			    sizeof(r->comment));
	r->verdict = PORTWATCH_VERDICT_COUNT;
	if (attrs[PORTWATCH_A_RULE_VERDICT])
		r->verdict = nla_get_u32(attrs[PORTWATCH_A_RULE_VERDICT]);
	r->has_flags = !!attrs[PORTWATCH_A_RULE_FLAGS];
	if (r->has_flags)
		r->flags = nla_get_u32(attrs[PORTWATCH_A_RULE_FLAGS]);
	if (attrs[PORTWATCH_A_RULE_PRIORITY])
		r->priority = nla_get_u8(attrs[PORTWATCH_A_RULE_PRIORITY]);
	if (attrs[PORTWATCH_A_RULE_COOKIE]) {
		r->cookie_len = nla_len(attrs[PORTWATCH_A_RULE_COOKIE]);
		nla_memcpy(r->cookie, attrs[PORTWATCH_A_RULE_COOKIE],
			   sizeof(r->cookie));
	}
	r->has_hwaddr = !!attrs[PORTWATCH_A_RULE_HWADDR];
	if (r->has_hwaddr)
		nla_memcpy(r->hwaddr, attrs[PORTWATCH_A_RULE_HWADDR],
			   sizeof(r->hwaddr));

	err = portwatch_parse_tags(r, info);
	if (err)
		return err;
	if (attrs[PORTWATCH_A_RULE_ACTIONS])
		return portwatch_parse_actions(r, info);
	return 0;
}

/**
 * portwatch_insert() - add a new rule to its namespace
 * @pn: per-namespace state, with @pn->lock held
 * @r: the rule
 * @info: the ADD request
 *
 * Return: 0, or a negative errno (-EEXIST for a taken id, -ENOSPC when the
 * namespace is full) with an extended ACK message.
 */
static int portwatch_insert(struct portwatch_net *pn, struct portwatch_rule *r,
			    struct genl_info *info)
{
	struct nlattr *id = info->attrs[PORTWATCH_A_RULE_ID];
	int err;

	lockdep_assert_held(&pn->lock);
	if (xa_load(&pn->rules, r->id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "a rule with this id exists");
		return -EEXIST;
	}
	if (pn->count >= PORTWATCH_MAX_RULES) {
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "rule limit of the namespace reached");
		return -ENOSPC;
	}
	err = xa_insert(&pn->rules, r->id, r, GFP_KERNEL);
	if (err)
		return err;
	err = portwatch_port_get(pn, r->port);
	if (err) {
		xa_erase(&pn->rules, r->id);
		return err;
	}
	pn->count++;
	pn->gen++;
	return 0;
}

/**
 * portwatch_nl_add_doit() - ADD: add a rule, reply with it
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops). Notifies the
 * "rules" group.
 *
 * Return: 0, or a negative errno with an extended ACK message (-EEXIST for
 * an id in use).
 */
int portwatch_nl_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct portwatch_rule *r;
	struct sk_buff *reply;
	void *hdr;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	err = portwatch_parse_rule(r, info);
	if (err)
		goto free_rule;
	reply = genlmsg_new(portwatch_rule_size(), GFP_KERNEL);
	if (!reply) {
		err = -ENOMEM;
		goto free_rule;
	}
	hdr = genlmsg_put_reply(reply, info, &portwatch_nl_family, 0,
				PORTWATCH_CMD_ADD);
	if (!hdr || portwatch_fill_rule(reply, r)) {
		err = -EMSGSIZE;
		goto free_reply;
	}

	mutex_lock(&pn->lock);
	err = portwatch_insert(pn, r, info);
	if (!err) {
		portwatch_audit(r, "added");
		portwatch_notify(genl_info_net(info), r, PORTWATCH_CHANGE_ADDED);
	}
	mutex_unlock(&pn->lock);
	if (err)
		goto free_reply;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

free_reply:
	nlmsg_free(reply);
free_rule:
	kfree(r);
	return err;
}

/**
 * portwatch_nl_del_doit() - DEL: delete a rule
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops). Notifies the
 * "rules" group.
 *
 * Return: 0, -ENOENT (with a message) for an unknown id, or another negative
 * errno.
 */
int portwatch_nl_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct nlattr *id = info->attrs[PORTWATCH_A_RULE_ID];
	struct portwatch_rule *r;

	mutex_lock(&pn->lock);
	r = xa_load(&pn->rules, nla_get_u32(id));
	if (r) {
		portwatch_unlink(pn, r);
		portwatch_audit(r, "deleted");
		portwatch_notify(genl_info_net(info), r,
				 PORTWATCH_CHANGE_DELETED);
	}
	mutex_unlock(&pn->lock);
	if (!r) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no rule with this id");
		return -ENOENT;
	}
	kfree(r);
	return 0;
}

/**
 * portwatch_nl_get_doit() - GET: reply with one rule
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Return: 0, -ENOENT (with a message) for an unknown id, or another negative
 * errno.
 */
int portwatch_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct nlattr *id = info->attrs[PORTWATCH_A_RULE_ID];
	struct portwatch_rule *r;
	struct sk_buff *reply;
	void *hdr;
	int err;

	reply = genlmsg_new(portwatch_rule_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &portwatch_nl_family, 0,
				PORTWATCH_CMD_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	mutex_lock(&pn->lock);
	r = xa_load(&pn->rules, nla_get_u32(id));
	err = r ? portwatch_fill_rule(reply, r) : -ENOENT;
	mutex_unlock(&pn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no rule with this id");
	if (err)
		goto free;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

free:
	nlmsg_free(reply);
	return err;
}

/**
 * portwatch_nl_get_dumpit() - GET dump: the rules, filtered by protocol
 * @skb: the message to fill
 * @cb: the dump's state; &struct portwatch_dump_ctx in @cb->ctx
 *
 * The request's attributes (validated, and checked by the generated .start)
 * come from portwatch_nl_dump_attrs(): an optional match nest with the
 * protocol to list. Rules are visited in id order from the saved position,
 * so a dump resumes correctly across messages even when rules come and go
 * in between; a change during the dump sets NLM_F_DUMP_INTR.
 *
 * Return: the length of @skb while more rules follow, 0 when done, or a
 * negative errno.
 */
int portwatch_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct portwatch_dump_ctx *ctx = (struct portwatch_dump_ctx *)cb->ctx;
	struct portwatch_net *pn = portwatch_pernet(sock_net(skb->sk));
	struct nlattr **attrs = portwatch_nl_dump_attrs(cb);
	struct nlattr *tb[PORTWATCH_A_MATCH_MAX + 1] = {};
	struct portwatch_rule *r;
	unsigned long index;
	int err = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	if (attrs && attrs[PORTWATCH_A_RULE_MATCH]) {
		err = portwatch_nl_parse_match_filter(tb,
						      attrs[PORTWATCH_A_RULE_MATCH],
						      cb->extack);
		if (err)
			return err;
	}

	mutex_lock(&pn->lock);
	/* Non-zero, and different after every change. */
	cb->seq = pn->gen + 1;
	xa_for_each_start(&pn->rules, index, r, ctx->next) {
		if (tb[PORTWATCH_A_MATCH_PROTO] &&
		    r->proto != nla_get_u8(tb[PORTWATCH_A_MATCH_PROTO])) {
			ctx->next = index + 1;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &portwatch_nl_family,
				  NLM_F_MULTI, PORTWATCH_CMD_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (portwatch_fill_rule(skb, r)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->next = index + 1;
	}
	mutex_unlock(&pn->lock);

	/* A full message: send it and come back for the rest. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/**
 * portwatch_nl_flush_doit() - FLUSH: delete every rule of the namespace
 * @skb: the request
 * @info: the request, without attributes
 *
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops). Notifies the
 * "rules" group once, without id or match.
 *
 * The generated check (portwatch_nl_flush_doit_checked()) has rejected a
 * request with attributes.
 *
 * Return: 0.
 */
int portwatch_nl_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct portwatch_rule *r;
	unsigned long index;

	mutex_lock(&pn->lock);
	xa_for_each(&pn->rules, index, r) {
		portwatch_unlink(pn, r);
		portwatch_audit(r, "flushed");
		kfree(r);
	}
	pn->gen++;
	portwatch_notify(genl_info_net(info), NULL, PORTWATCH_CHANGE_FLUSHED);
	mutex_unlock(&pn->lock);
	return 0;
}

/**
 * portwatch_nl_hit_doit() - HIT: count a packet on a rule
 * @skb: the request
 * @info: the request's parsed attributes: the rule, and the packet's size
 *	(default 0)
 *
 * A test hook standing in for the packet path. A disabled rule matches
 * nothing, so counts nothing; a rule whose verdict is "log" logs the hit; a
 * one-shot rule is deleted after its first hit (and the "rules" group told).
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops).
 *
 * Return: 0, -ENOENT for an unknown id, -EOVERFLOW when the rule's byte
 * counter would wrap (each with a message), or another negative errno.
 */
int portwatch_nl_hit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct nlattr *id = info->attrs[PORTWATCH_A_RULE_ID];
	struct nlattr *bytes = info->attrs[PORTWATCH_A_RULE_BYTES];
	struct portwatch_rule *r, *gone = NULL;
	int err = 0;
	u64 sum;

	mutex_lock(&pn->lock);
	r = xa_load(&pn->rules, nla_get_u32(id));
	if (!r) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no rule with this id");
		err = -ENOENT;
		goto unlock;
	}
	if (r->flags & PORTWATCH_RULE_FLAG_DISABLED)
		goto unlock;
	if (check_add_overflow(r->bytes, bytes ? nla_get_u64(bytes) : 0,
			       &sum)) {
		NL_SET_ERR_MSG_ATTR(info->extack, bytes,
				    "the rule's byte counter would overflow");
		err = -EOVERFLOW;
		goto unlock;
	}
	r->hits++;
	r->bytes = sum;
	pn->hits++;
	if (r->verdict == PORTWATCH_VERDICT_LOG)
		net_info_ratelimited("rule %u: hit %llu, %llu bytes\n", r->id,
				     r->hits, r->bytes);
	if (r->flags & PORTWATCH_RULE_FLAG_ONESHOT) {
		portwatch_unlink(pn, r);
		portwatch_audit(r, "deleted after its one hit");
		portwatch_notify(genl_info_net(info), r,
				 PORTWATCH_CHANGE_DELETED);
		gone = r;
	}
unlock:
	mutex_unlock(&pn->lock);
	kfree(gone);
	return err;
}

/**
 * portwatch_nl_stats_doit() - STATS: reply with the namespace's counters
 * @skb: the request
 * @info: the request, without attributes
 *
 * The generated check (portwatch_nl_stats_doit_checked()) has rejected a
 * request with attributes.
 *
 * Return: 0, or a negative errno.
 */
int portwatch_nl_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct portwatch_net *pn = portwatch_pernet(genl_info_net(info));
	struct sk_buff *reply;
	unsigned int rules;
	void *hdr;
	u64 hits;

	reply = genlmsg_new(nla_total_size(sizeof(u32)) +
			    nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &portwatch_nl_family, 0,
				PORTWATCH_CMD_STATS);
	if (!hdr)
		goto nospace;
	mutex_lock(&pn->lock);
	rules = pn->count;
	hits = pn->hits;
	mutex_unlock(&pn->lock);
	if (nla_put_u32(reply, PORTWATCH_A_STATS_RULES, rules) ||
	    portwatch_nl_put_stats_hits(reply, hits))
		goto nospace;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

nospace:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

/**
 * portwatch_nl_ports_dumpit() - PORTS dump: each port the rules match
 * @skb: the message to fill
 * @cb: the dump's state; &struct portwatch_dump_ctx in @cb->ctx
 *
 * Ports are visited in ascending order from the saved position, each with
 * the number of rules matching it (whatever their protocol).
 *
 * Return: the length of @skb while more ports follow, 0 when done, or a
 * negative errno.
 */
int portwatch_nl_ports_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct portwatch_dump_ctx *ctx = (struct portwatch_dump_ctx *)cb->ctx;
	struct portwatch_net *pn = portwatch_pernet(sock_net(skb->sk));
	unsigned long port;
	void *entry;
	int err = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	mutex_lock(&pn->lock);
	cb->seq = pn->gen + 1;
	xa_for_each_start(&pn->ports, port, entry, ctx->next) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &portwatch_nl_family,
				  NLM_F_MULTI, PORTWATCH_CMD_PORTS);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u16(skb, PORTWATCH_A_PORT_USE_PORT, port) ||
		    nla_put_u32(skb, PORTWATCH_A_PORT_USE_RULES,
				xa_to_value(entry))) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->next = port + 1;
	}
	mutex_unlock(&pn->lock);

	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/**
 * portwatch_net_init() - set up a namespace's state
 * @net: the new namespace
 *
 * Return: 0.
 */
static int __net_init portwatch_net_init(struct net *net)
{
	struct portwatch_net *pn = portwatch_pernet(net);

	mutex_init(&pn->lock);
	xa_init(&pn->rules);
	xa_init(&pn->ports);
	pn->count = 0;
	pn->hits = 0;
	pn->gen = 0;
	return 0;
}

/**
 * portwatch_net_exit() - free a namespace's rules
 * @net: the namespace going away (or every namespace, at module unload)
 */
static void __net_exit portwatch_net_exit(struct net *net)
{
	struct portwatch_net *pn = portwatch_pernet(net);
	struct portwatch_rule *r;
	unsigned long index;

	mutex_lock(&pn->lock);
	xa_for_each(&pn->rules, index, r) {
		xa_erase(&pn->rules, index);
		kfree(r);
	}
	pn->count = 0;
	mutex_unlock(&pn->lock);
	xa_destroy(&pn->rules);
	xa_destroy(&pn->ports);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations portwatch_net_ops = {
	.init = portwatch_net_init,
	.exit = portwatch_net_exit,
	.id = &portwatch_net_id,
	.size = sizeof(struct portwatch_net),
};

/**
 * portwatch_init() - module init: per-namespace state, then the family
 *
 * Return: 0 or a negative errno.
 */
static int __init portwatch_init(void)
{
	int err;

	err = register_pernet_subsys(&portwatch_net_ops);
	if (err)
		return err;
	err = genl_register_family(&portwatch_nl_family);
	if (err)
		unregister_pernet_subsys(&portwatch_net_ops);
	return err;
}

/**
 * portwatch_exit() - module exit, in the reverse order of portwatch_init()
 */
static void __exit portwatch_exit(void)
{
	genl_unregister_family(&portwatch_nl_family);
	unregister_pernet_subsys(&portwatch_net_ops);
}

module_init(portwatch_init);
module_exit(portwatch_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("portwatch: rules that watch transport ports, per network namespace");
MODULE_ALIAS_GENL_FAMILY(PORTWATCH_FAMILY_NAME);
