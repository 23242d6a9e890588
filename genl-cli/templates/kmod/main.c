// SPDX-License-Identifier: GPL-2.0
/*
 * @name@: a generic netlink family of named counters, per network namespace.
 *
 * The family's attributes, policies, ops table and multicast group come
 * from its Rust schema (@name@/src/lib.rs) through `genl generate`:
 * @name@-nl.[ch] and include/uapi/@uapi_header@. The generated code checks
 * every request against the schema (types, limits, required attributes,
 * CAP_NET_ADMIN for admin commands) before a handler runs. This file
 * implements the handlers:
 *
 * - ADD adds a delta to a counter, creating it at 0, and replies with it;
 * - GET replies with one counter, or dumps them all;
 * - RESET sets a counter back to 0;
 * - every change is sent to the "changes" group as CHANGED.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "@name@-nl.h"

/* Most counters one network namespace may hold. */
#define @NAME@_MAX_COUNTERS	1024

/**
 * struct @name@_counter - one named counter
 * @node: link in &@name@_net.counters (creation order: the dump order)
 * @value: the value
 * @name: the name, NUL-terminated
 */
struct @name@_counter {
	struct list_head node;
	u64 value;
	char name[@NAME@_A_NAME_MAX_LEN + 1];
};

/**
 * struct @name@_net - per network namespace state
 * @lock: protects @counters and @count
 * @counters: the counters, in creation order; they live as long as the
 *	namespace
 * @count: number of counters
 */
struct @name@_net {
	struct mutex lock; /* protects @counters and @count */
	struct list_head counters;
	unsigned int count;
};

/**
 * struct @name@_dump_ctx - GET dump position, kept in &netlink_callback.ctx
 * @next: index in &@name@_net.counters of the next counter to send
 */
struct @name@_dump_ctx {
	unsigned long next;
};

static unsigned int @name@_net_id __read_mostly;

/**
 * @name@_pernet() - the module's state in a network namespace
 * @net: the namespace
 *
 * Return: the namespace's &struct @name@_net.
 */
static struct @name@_net *@name@_pernet(const struct net *net)
{
	return net_generic(net, @name@_net_id);
}

/**
 * @name@_find() - look a counter up by name
 * @pn: per-namespace state, with @pn->lock held
 * @name: NUL-terminated name
 *
 * Return: the counter, or NULL if there is none.
 */
static struct @name@_counter *
@name@_find(struct @name@_net *pn, const char *name)
{
	struct @name@_counter *c;

	lockdep_assert_held(&pn->lock);
	list_for_each_entry(c, &pn->counters, node)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/**
 * @name@_msg_size() - room a message about one counter needs
 *
 * Return: the payload size for genlmsg_new().
 */
static size_t @name@_msg_size(void)
{
	return nla_total_size(@NAME@_A_NAME_MAX_LEN + 1) +
	       nla_total_size_64bit(sizeof(u64));
}

/**
 * @name@_fill() - put a counter's attributes into a message
 * @skb: the message
 * @c: the counter
 *
 * Return: 0, or -EMSGSIZE when @skb has no room.
 */
static int @name@_fill(struct sk_buff *skb, const struct @name@_counter *c)
{
	if (nla_put_string(skb, @NAME@_A_NAME, c->name) ||
	    @name@_nl_put_counter_value(skb, c->value))
		return -EMSGSIZE;
	return 0;
}

/**
 * @name@_notify_changed() - send CHANGED about a counter to "changes"
 * @net: the namespace of the change
 * @c: the counter, with the namespace's lock held (events keep the order
 *	of the changes)
 *
 * Listeners who cannot be told (no memory) get ENOBUFS on their sockets,
 * as for an overrun.
 */
static void
@name@_notify_changed(struct net *net, const struct @name@_counter *c)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&@name@_nl_family, net, @NAME@_NLGRP_CHANGES))
		return;
	skb = genlmsg_new(@name@_msg_size(), GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &@name@_nl_family, 0, @NAME@_CMD_CHANGED);
	if (!hdr || @name@_fill(skb, c)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&@name@_nl_family, net, skb, 0,
				@NAME@_NLGRP_CHANGES, GFP_KERNEL);
	return;

lost:
	/* Negative, as netlink_set_err() wants it: listeners then see ENOBUFS. */
	genl_set_err(&@name@_nl_family, net, 0, @NAME@_NLGRP_CHANGES, -ENOBUFS);
}

/**
 * @name@_nl_add_doit() - ADD: add a delta to a counter, reply with it
 * @skb: the request
 * @info: the request's parsed attributes (name and delta are there: the
 *	generated code has checked)
 *
 * Creates the counter at 0 first if there is none. Needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM in the generated ops). Notifies "changes".
 *
 * Return: 0, or a negative errno with an extended ACK message.
 */
int @name@_nl_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct @name@_net *pn = @name@_pernet(genl_info_net(info));
	struct nlattr *name = info->attrs[@NAME@_A_NAME];
	u64 delta = nla_get_u32(info->attrs[@NAME@_A_DELTA]);
	struct @name@_counter *c;
	struct sk_buff *reply;
	u64 sum;
	void *hdr;
	int err;

	reply = genlmsg_new(@name@_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &@name@_nl_family, 0,
				@NAME@_CMD_ADD);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}

	mutex_lock(&pn->lock);
	c = @name@_find(pn, nla_data(name));
	if (!c) {
		if (pn->count >= @NAME@_MAX_COUNTERS) {
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "counter limit of the namespace reached");
			err = -ENOSPC;
			goto unlock;
		}
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c) {
			err = -ENOMEM;
			goto unlock;
		}
		nla_strscpy(c->name, name, sizeof(c->name));
		list_add_tail(&c->node, &pn->counters);
		pn->count++;
	}
	if (check_add_overflow(c->value, delta, &sum)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[@NAME@_A_DELTA],
				    "the counter would overflow");
		err = -EOVERFLOW;
		goto unlock;
	}
	c->value = sum;
	err = @name@_fill(reply, c);
	@name@_notify_changed(genl_info_net(info), c);
unlock:
	mutex_unlock(&pn->lock);
	if (err)
		goto free;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

free:
	nlmsg_free(reply);
	return err;
}

/**
 * @name@_nl_get_doit() - GET: reply with one counter
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Return: 0, -ENOENT (with a message) for an unknown name, or another
 * negative errno.
 */
int @name@_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct @name@_net *pn = @name@_pernet(genl_info_net(info));
	struct nlattr *name = info->attrs[@NAME@_A_NAME];
	struct @name@_counter *c;
	struct sk_buff *reply;
	void *hdr;
	int err;

	reply = genlmsg_new(@name@_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &@name@_nl_family, 0,
				@NAME@_CMD_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	mutex_lock(&pn->lock);
	c = @name@_find(pn, nla_data(name));
	err = c ? @name@_fill(reply, c) : -ENOENT;
	mutex_unlock(&pn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no counter with this name");
	if (err)
		goto free;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

free:
	nlmsg_free(reply);
	return err;
}

/**
 * @name@_nl_get_dumpit() - GET dump: every counter of the namespace
 * @skb: the message to fill
 * @cb: the dump's state; &struct @name@_dump_ctx in @cb->ctx
 *
 * Counters are only ever appended, so a position in the list stays valid
 * between the messages of a dump.
 *
 * Return: the length of @skb while more counters follow, 0 when done, or a
 * negative errno.
 */
int @name@_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct @name@_dump_ctx *ctx = (struct @name@_dump_ctx *)cb->ctx;
	struct @name@_net *pn = @name@_pernet(sock_net(skb->sk));
	struct @name@_counter *c;
	unsigned long i = 0;
	int err = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	mutex_lock(&pn->lock);
	list_for_each_entry(c, &pn->counters, node) {
		if (i++ < ctx->next)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &@name@_nl_family,
				  NLM_F_MULTI, @NAME@_CMD_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		if (@name@_fill(skb, c)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->next = i;
	}
	mutex_unlock(&pn->lock);

	/* A full message: send it and come back for the rest. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/**
 * @name@_nl_reset_doit() - RESET: set a counter back to 0
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops). Notifies
 * "changes".
 *
 * Return: 0, -ENOENT (with a message) for an unknown name, or another
 * negative errno.
 */
int @name@_nl_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct @name@_net *pn = @name@_pernet(genl_info_net(info));
	struct nlattr *name = info->attrs[@NAME@_A_NAME];
	struct @name@_counter *c;

	mutex_lock(&pn->lock);
	c = @name@_find(pn, nla_data(name));
	if (c) {
		c->value = 0;
		@name@_notify_changed(genl_info_net(info), c);
	}
	mutex_unlock(&pn->lock);
	if (!c) {
		NL_SET_ERR_MSG_ATTR(info->extack, name, "no counter with this name");
		return -ENOENT;
	}
	return 0;
}

/**
 * @name@_net_init() - set up a namespace's state
 * @net: the new namespace
 *
 * Return: 0.
 */
static int __net_init @name@_net_init(struct net *net)
{
	struct @name@_net *pn = @name@_pernet(net);

	mutex_init(&pn->lock);
	INIT_LIST_HEAD(&pn->counters);
	pn->count = 0;
	return 0;
}

/**
 * @name@_net_exit() - free a namespace's counters
 * @net: the namespace going away (or every namespace, at module unload)
 */
static void __net_exit @name@_net_exit(struct net *net)
{
	struct @name@_net *pn = @name@_pernet(net);
	struct @name@_counter *c, *tmp;

	mutex_lock(&pn->lock);
	list_for_each_entry_safe(c, tmp, &pn->counters, node) {
		list_del(&c->node);
		kfree(c);
	}
	pn->count = 0;
	mutex_unlock(&pn->lock);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations @name@_net_ops = {
	.init = @name@_net_init,
	.exit = @name@_net_exit,
	.id = &@name@_net_id,
	.size = sizeof(struct @name@_net),
};

/**
 * @name@_init() - module init: per-namespace state, then the family
 *
 * Return: 0 or a negative errno.
 */
static int __init @name@_init(void)
{
	int err;

	err = register_pernet_subsys(&@name@_net_ops);
	if (err)
		return err;
	err = genl_register_family(&@name@_nl_family);
	if (err)
		unregister_pernet_subsys(&@name@_net_ops);
	return err;
}

/**
 * @name@_exit() - module exit, in the reverse order of @name@_init()
 */
static void __exit @name@_exit(void)
{
	genl_unregister_family(&@name@_nl_family);
	unregister_pernet_subsys(&@name@_net_ops);
}

module_init(@name@_init);
module_exit(@name@_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("@name@: a generic netlink family of named counters");
MODULE_ALIAS_GENL_FAMILY(@NAME@_FAMILY_NAME);
