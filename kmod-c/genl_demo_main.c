// SPDX-License-Identifier: GPL-2.0
/*
 * genl_demo: the companion kernel module of the genl Rust workspace.
 *
 * The family, its attribute sets, policies and ops table are generated from
 * the Rust schema (genl_demo-nl.[ch], include/uapi/linux/genl_demo.h; run
 * `cargo xtask codegen`). This file implements the handlers:
 *
 * - ECHO replies with the message and cookie it was sent;
 * - KV_SET, KV_GET (do and a resumable dump) and KV_DEL keep a key/value
 *   store per network namespace and notify the "events" group of changes;
 * - DEFERRED is answered later, from a workqueue; the reply is built when
 *   the request comes in, so that running out of memory is the requester's
 *   error, never a reply lost in silence.
 *
 * For tests, debugfs has genl_demo/pending: the DEFERRED replies queued and
 * not yet sent or cancelled, in every namespace. Unloading the module cancels
 * them; it says how many in the kernel log, and warns if any is left.
 *
 * Nothing here depends on the kernel version: the one compatibility switch
 * (split ops, Linux 6.2) lives in the generated genl_demo-nl.c. Neither do
 * the handlers check that required attributes are present: the generated
 * ops table calls them only after generated code has (GENL_REQ_ATTR_CHECK,
 * the missing attribute reported in the extended ACK).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "genl_demo-nl.h"

/* Most entries one network namespace may hold. */
#define GENL_DEMO_MAX_ENTRIES	65536
#define GENL_DEMO_HASH_BITS	8

/**
 * struct genl_demo_entry - one key/value entry
 * @node: link in &genl_demo_net.by_key
 * @id: index in &genl_demo_net.entries (insertion order, dump position)
 * @state: enum genl_demo_state, 0 when unset
 * @port: port in network byte order, valid if @has_port
 * @has_port: whether @port is set
 * @has_value: whether a value is set (it may be empty)
 * @value_len: length of @value
 * @value: the value, NULL when absent or empty
 * @key: the key, NUL-terminated
 */
struct genl_demo_entry {
	struct hlist_node node;
	u32 id;
	u32 state;
	__be16 port;
	bool has_port;
	bool has_value;
	u32 value_len;
	u8 *value;
	char key[GENL_DEMO_A_KV_KEY_MAX_LEN + 1];
};

/**
 * struct genl_demo_net - per network namespace state
 * @lock: protects @entries, @by_key, @next_id, @count and @gen
 * @entries: the entries by id, in insertion order
 * @by_key: the entries by key
 * @next_id: next id for xa_alloc_cyclic()
 * @count: number of entries
 * @gen: bumped on every change; dumps report NLM_F_DUMP_INTR across one
 * @deferred_lock: protects @deferred
 * @deferred: pending deferred replies (&struct genl_demo_deferred)
 */
struct genl_demo_net {
	struct mutex lock; /* protects the entries, see above */
	struct xarray entries;
	DECLARE_HASHTABLE(by_key, GENL_DEMO_HASH_BITS);
	u32 next_id;
	unsigned int count;
	unsigned int gen;
	spinlock_t deferred_lock; /* protects @deferred */
	struct list_head deferred;
};

/**
 * struct genl_demo_deferred - a DEFERRED request waiting for its reply
 * @dwork: runs genl_demo_deferred_work()
 * @node: link in &genl_demo_net.deferred while pending; whoever unlinks it
 *	owns (and frees) the request
 * @net: the requester's namespace (a reference is held)
 * @portid: the requester's netlink port
 * @reply: the reply, built when the request came in
 */
struct genl_demo_deferred {
	struct delayed_work dwork;
	struct list_head node;
	struct net *net;
	u32 portid;
	struct sk_buff *reply;
};

/**
 * struct genl_demo_dump_ctx - KV_GET dump position, kept in &netlink_callback.ctx
 * @next: the entry id to resume at
 */
struct genl_demo_dump_ctx {
	unsigned long next;
};

static unsigned int genl_demo_net_id __read_mostly;
static struct workqueue_struct *genl_demo_wq;
/* DEFERRED replies queued and neither sent nor cancelled yet. */
static atomic_t genl_demo_pending = ATOMIC_INIT(0);
/* DEFERRED replies cancelled by namespace exit (module unload). */
static atomic_t genl_demo_cancelled = ATOMIC_INIT(0);
static struct dentry *genl_demo_debugfs;

/**
 * genl_demo_pernet() - the module's state in a network namespace
 * @net: the namespace
 *
 * Return: the namespace's &struct genl_demo_net.
 */
static struct genl_demo_net *genl_demo_pernet(const struct net *net)
{
	return net_generic(net, genl_demo_net_id);
}

/**
 * genl_demo_hash() - hash of a key for &genl_demo_net.by_key
 * @key: NUL-terminated key
 *
 * Return: the hash.
 */
static u32 genl_demo_hash(const char *key)
{
	return jhash(key, strlen(key), 0);
}

/**
 * genl_demo_find() - look an entry up by key
 * @pn: per-namespace state, with @pn->lock held
 * @key: NUL-terminated key
 *
 * Return: the entry, or NULL if there is none.
 */
static struct genl_demo_entry *genl_demo_find(struct genl_demo_net *pn,
					      const char *key)
{
	struct genl_demo_entry *e;

	lockdep_assert_held(&pn->lock);
	hash_for_each_possible(pn->by_key, e, node, genl_demo_hash(key))
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

/**
 * genl_demo_get_key() - copy the key attribute of a request
 * @info: the request
 * @key: buffer of @size bytes
 * @size: size of @key
 *
 * The key is required: the generated code has checked it is there, and
 * the policy has checked its length.
 *
 * Return: 0, or -EINVAL with an extended ACK message.
 */
static int genl_demo_get_key(struct genl_info *info, char *key, size_t size)
{
	if (nla_strscpy(key, info->attrs[GENL_DEMO_A_KV_KEY], size) < 0) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[GENL_DEMO_A_KV_KEY],
				    "key too long");
		return -EINVAL;
	}
	return 0;
}

/**
 * genl_demo_fill_entry() - put an entry's attributes into a message
 * @skb: the message
 * @e: the entry
 *
 * Return: 0, or -EMSGSIZE when @skb is full (nothing of the entry is left).
 */
static int genl_demo_fill_entry(struct sk_buff *skb,
				const struct genl_demo_entry *e)
{
	struct nlattr *meta;

	if (nla_put_string(skb, GENL_DEMO_A_KV_KEY, e->key))
		return -EMSGSIZE;
	if (e->has_value &&
	    nla_put(skb, GENL_DEMO_A_KV_VALUE, e->value_len, e->value))
		return -EMSGSIZE;
	if (!e->state && !e->has_port)
		return 0;
	meta = nla_nest_start(skb, GENL_DEMO_A_KV_META);
	if (!meta)
		return -EMSGSIZE;
	if (e->state && nla_put_u32(skb, GENL_DEMO_A_META_STATE, e->state))
		goto cancel;
	if (e->has_port && nla_put_be16(skb, GENL_DEMO_A_META_PORT, e->port))
		goto cancel;
	nla_nest_end(skb, meta);
	return 0;

cancel:
	nla_nest_cancel(skb, meta);
	return -EMSGSIZE;
}

/**
 * genl_demo_notify() - tell the "events" group about a change
 * @net: the namespace of the change
 * @op: GENL_DEMO_OP_SET or GENL_DEMO_OP_DEL
 * @e: the entry (after a set, before its deletion)
 *
 * Called with the namespace's lock held, so that events are sent in the
 * order of the changes. Listeners who cannot be told (no memory) get
 * ENOBUFS on their sockets, as for an overrun.
 */
static void genl_demo_notify(struct net *net, u32 op,
			     const struct genl_demo_entry *e)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&genl_demo_nl_family, net,
				GENL_DEMO_NLGRP_EVENTS))
		return;

	skb = genlmsg_new(nla_total_size(sizeof(u32)) +
			  nla_total_size(strlen(e->key) + 1) +
			  nla_total_size(e->value_len), GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &genl_demo_nl_family, 0,
			  GENL_DEMO_CMD_KV_EVENT);
	if (!hdr)
		goto free;
	if (nla_put_u32(skb, GENL_DEMO_A_EVENT_OP, op) ||
	    nla_put_string(skb, GENL_DEMO_A_EVENT_KEY, e->key))
		goto free;
	if (op == GENL_DEMO_OP_SET && e->has_value &&
	    nla_put(skb, GENL_DEMO_A_EVENT_VALUE, e->value_len, e->value))
		goto free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&genl_demo_nl_family, net, skb, 0,
				GENL_DEMO_NLGRP_EVENTS, GFP_KERNEL);
	return;

free:
	nlmsg_free(skb);
lost:
	/* Negative, as netlink_set_err() wants it: listeners then see ENOBUFS. */
	genl_set_err(&genl_demo_nl_family, net, 0, GENL_DEMO_NLGRP_EVENTS,
		     -ENOBUFS);
}

/**
 * genl_demo_nl_echo_doit() - ECHO: reply with the message and cookie received
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * The message is required (checked by the generated code) and NUL-terminated
 * (NLA_NUL_STRING in the policy); the optional u64 cookie goes back 64-bit
 * aligned, after a pad attribute when needed.
 *
 * Return: 0 or a negative errno.
 */
int genl_demo_nl_echo_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *text = nla_data(info->attrs[GENL_DEMO_A_ECHO_MSG]);
	struct nlattr *cookie = info->attrs[GENL_DEMO_A_ECHO_COOKIE];
	struct sk_buff *msg;
	size_t size;
	void *hdr;

	size = nla_total_size(strlen(text) + 1);
	if (cookie)
		size += nla_total_size_64bit(sizeof(u64));
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &genl_demo_nl_family, 0,
				GENL_DEMO_CMD_ECHO);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, GENL_DEMO_A_ECHO_MSG, text))
		goto nospace;
	if (cookie && genl_demo_nl_put_echo_cookie(msg, nla_get_u64(cookie)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/**
 * genl_demo_nl_kv_set_doit() - KV_SET: create or replace an entry
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * The value and the metadata are replaced as a whole: attributes absent
 * from the request are cleared. Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in
 * the generated ops). Notifies the "events" group.
 *
 * Return: 0 or a negative errno, with an extended ACK message.
 */
int genl_demo_nl_kv_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *meta[ARRAY_SIZE(genl_demo_meta_nl_policy)] = {};
	struct genl_demo_net *pn = genl_demo_pernet(genl_info_net(info));
	struct nlattr *value_attr = info->attrs[GENL_DEMO_A_KV_VALUE];
	char key[GENL_DEMO_A_KV_KEY_MAX_LEN + 1];
	struct genl_demo_entry *e, *fresh = NULL;
	u8 *value = NULL;
	u32 value_len = 0;
	int err;

	err = genl_demo_get_key(info, key, sizeof(key));
	if (err)
		return err;
	if (info->attrs[GENL_DEMO_A_KV_META]) {
		err = nla_parse_nested(meta, ARRAY_SIZE(meta) - 1,
				       info->attrs[GENL_DEMO_A_KV_META],
				       genl_demo_meta_nl_policy,
				       info->extack);
		if (err)
			return err;
	}
	if (value_attr && nla_len(value_attr)) {
		value_len = nla_len(value_attr);
		value = kmemdup(nla_data(value_attr), value_len, GFP_KERNEL);
		if (!value)
			return -ENOMEM;
	}

	mutex_lock(&pn->lock);
	e = genl_demo_find(pn, key);
	if (!e) {
		if (pn->count >= GENL_DEMO_MAX_ENTRIES) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[GENL_DEMO_A_KV_KEY],
					    "entry limit of the namespace reached");
			err = -ENOSPC;
			goto unlock;
		}
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			err = -ENOMEM;
			goto unlock;
		}
		strscpy(fresh->key, key, sizeof(fresh->key));
		err = xa_alloc_cyclic(&pn->entries, &fresh->id, fresh,
				      xa_limit_32b, &pn->next_id, GFP_KERNEL);
		if (err < 0) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[GENL_DEMO_A_KV_KEY],
					    "cannot allocate an entry id");
			kfree(fresh);
			goto unlock;
		}
		hash_add(pn->by_key, &fresh->node, genl_demo_hash(fresh->key));
		pn->count++;
		e = fresh;
	}

	kfree(e->value);
	e->has_value = !!value_attr;
	e->value = value;
	e->value_len = value_len;
	value = NULL;
	e->state = meta[GENL_DEMO_A_META_STATE] ?
		   nla_get_u32(meta[GENL_DEMO_A_META_STATE]) : 0;
	e->has_port = !!meta[GENL_DEMO_A_META_PORT];
	e->port = e->has_port ? nla_get_be16(meta[GENL_DEMO_A_META_PORT]) : 0;
	pn->gen++;
	genl_demo_notify(genl_info_net(info), GENL_DEMO_OP_SET, e);
	err = 0;

unlock:
	mutex_unlock(&pn->lock);
	kfree(value);
	return err;
}

/**
 * genl_demo_nl_kv_get_doit() - KV_GET: reply with one entry
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Return: 0, -ENOENT (with a message) for an unknown key, or another
 * negative errno.
 */
int genl_demo_nl_kv_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct genl_demo_net *pn = genl_demo_pernet(genl_info_net(info));
	char key[GENL_DEMO_A_KV_KEY_MAX_LEN + 1];
	struct genl_demo_entry *e;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = genl_demo_get_key(info, key, sizeof(key));
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &genl_demo_nl_family, 0,
				GENL_DEMO_CMD_KV_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}

	mutex_lock(&pn->lock);
	e = genl_demo_find(pn, key);
	if (e)
		err = genl_demo_fill_entry(msg, e);
	mutex_unlock(&pn->lock);
	if (!e) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[GENL_DEMO_A_KV_KEY],
				    "no entry with this key");
		err = -ENOENT;
		goto free;
	}
	if (err)
		goto free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free:
	nlmsg_free(msg);
	return err;
}

/**
 * genl_demo_nl_kv_get_dumpit() - KV_GET dump: every entry of the namespace
 * @skb: the message to fill
 * @cb: the dump's state; &struct genl_demo_dump_ctx in @cb->ctx
 *
 * Entries are visited in id order from the saved position, so a dump
 * resumes correctly across messages even when entries come and go in
 * between; a change during the dump sets NLM_F_DUMP_INTR.
 *
 * Return: the length of @skb while more entries follow, 0 when done, or a
 * negative errno.
 */
int genl_demo_nl_kv_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct genl_demo_dump_ctx *ctx = (struct genl_demo_dump_ctx *)cb->ctx;
	struct genl_demo_net *pn = genl_demo_pernet(sock_net(skb->sk));
	struct genl_demo_entry *e;
	unsigned long index;
	int err = 0;
	void *hdr;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	mutex_lock(&pn->lock);
	/* Non-zero, and different after every change. */
	cb->seq = pn->gen + 1;
	xa_for_each_start(&pn->entries, index, e, ctx->next) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &genl_demo_nl_family,
				  NLM_F_MULTI, GENL_DEMO_CMD_KV_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (genl_demo_fill_entry(skb, e)) {
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
 * genl_demo_nl_kv_del_doit() - KV_DEL: delete an entry
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * Needs CAP_NET_ADMIN (GENL_ADMIN_PERM in the generated ops). Notifies the
 * "events" group.
 *
 * Return: 0, -ENOENT (with a message) for an unknown key, or another
 * negative errno.
 */
int genl_demo_nl_kv_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct genl_demo_net *pn = genl_demo_pernet(genl_info_net(info));
	char key[GENL_DEMO_A_KV_KEY_MAX_LEN + 1];
	struct genl_demo_entry *e;
	int err;

	err = genl_demo_get_key(info, key, sizeof(key));
	if (err)
		return err;

	mutex_lock(&pn->lock);
	e = genl_demo_find(pn, key);
	if (!e) {
		mutex_unlock(&pn->lock);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[GENL_DEMO_A_KV_KEY],
				    "no entry with this key");
		return -ENOENT;
	}
	hash_del(&e->node);
	xa_erase(&pn->entries, e->id);
	pn->count--;
	pn->gen++;
	genl_demo_notify(genl_info_net(info), GENL_DEMO_OP_DEL, e);
	mutex_unlock(&pn->lock);

	kfree(e->value);
	kfree(e);
	return 0;
}

/**
 * genl_demo_deferred_build() - build the reply of a DEFERRED request
 * @info: the request
 *
 * The reply echoes the request's id and, if it had one, its delay.
 *
 * Return: the reply, or an ERR_PTR(): -ENOMEM, or -EMSGSIZE.
 */
static struct sk_buff *genl_demo_deferred_build(struct genl_info *info)
{
	struct nlattr *delay = info->attrs[GENL_DEMO_A_DEFER_DELAY_MS];
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &genl_demo_nl_family, 0,
				GENL_DEMO_CMD_DEFERRED);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, GENL_DEMO_A_DEFER_ID,
			nla_get_u32(info->attrs[GENL_DEMO_A_DEFER_ID])))
		goto nospace;
	if (delay && nla_put_u32(msg, GENL_DEMO_A_DEFER_DELAY_MS,
				 nla_get_u32(delay)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return msg;

nospace:
	nlmsg_free(msg);
	return ERR_PTR(-EMSGSIZE);
}

/**
 * genl_demo_deferred_free() - free a DEFERRED request that was not answered
 * @d: the request, off every list, its work neither pending nor running
 */
static void genl_demo_deferred_free(struct genl_demo_deferred *d)
{
	nlmsg_free(d->reply);
	put_net(d->net);
	kfree(d);
}

/**
 * genl_demo_deferred_work() - answer a DEFERRED request once its delay ran out
 * @work: &genl_demo_deferred.dwork
 *
 * Takes the request off its namespace's pending list; if namespace exit got
 * there first, the exit path owns the request and this does nothing.
 */
static void genl_demo_deferred_work(struct work_struct *work)
{
	struct genl_demo_deferred *d =
		container_of(to_delayed_work(work), struct genl_demo_deferred, dwork);
	struct genl_demo_net *pn = genl_demo_pernet(d->net);
	bool owned;

	spin_lock(&pn->deferred_lock);
	owned = !list_empty(&d->node);
	list_del_init(&d->node);
	spin_unlock(&pn->deferred_lock);
	if (!owned)
		return;

	atomic_dec(&genl_demo_pending);
	/* A requester that has gone away is not an error: the reply is dropped. */
	genlmsg_unicast(d->net, d->reply, d->portid);
	put_net(d->net);
	kfree(d);
}

/**
 * genl_demo_nl_deferred_doit() - DEFERRED: queue the reply for later
 * @skb: the request
 * @info: the request's parsed attributes
 *
 * The reply goes to the requesting port, in its namespace (held until the
 * reply is sent), after the requested delay (the policy caps it). It is
 * built now, so that running out of memory is reported to the requester;
 * the work only sends it. The id is required: the generated code has
 * checked it is there.
 *
 * Return: 0 or a negative errno.
 */
int genl_demo_nl_deferred_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct genl_demo_net *pn = genl_demo_pernet(genl_info_net(info));
	struct nlattr *delay = info->attrs[GENL_DEMO_A_DEFER_DELAY_MS];
	struct genl_demo_deferred *d;
	struct sk_buff *reply;
	u32 delay_ms;

	reply = genl_demo_deferred_build(info);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		nlmsg_free(reply);
		return -ENOMEM;
	}
	INIT_DELAYED_WORK(&d->dwork, genl_demo_deferred_work);
	d->net = get_net(genl_info_net(info));
	d->portid = info->snd_portid;
	d->reply = reply;
	delay_ms = delay ? nla_get_u32(delay) : 0;

	spin_lock(&pn->deferred_lock);
	list_add_tail(&d->node, &pn->deferred);
	atomic_inc(&genl_demo_pending);
	spin_unlock(&pn->deferred_lock);
	/*
	 * The timer fires on the delay-th tick from now, and the current tick
	 * is partly over: one more keeps the reply from coming up to a tick
	 * before delay_ms.
	 */
	queue_delayed_work(genl_demo_wq, &d->dwork,
			   msecs_to_jiffies(delay_ms) + 1);
	return 0;
}

/**
 * genl_demo_net_init() - set up a namespace's state
 * @net: the new namespace
 *
 * Return: 0.
 */
static int __net_init genl_demo_net_init(struct net *net)
{
	struct genl_demo_net *pn = genl_demo_pernet(net);

	mutex_init(&pn->lock);
	xa_init_flags(&pn->entries, XA_FLAGS_ALLOC1);
	hash_init(pn->by_key);
	spin_lock_init(&pn->deferred_lock);
	INIT_LIST_HEAD(&pn->deferred);
	return 0;
}

/**
 * genl_demo_net_exit() - tear a namespace's state down
 * @net: the namespace going away (or every namespace, at module unload)
 *
 * Cancels the pending deferred replies (a namespace with some only exits at
 * module unload, as they hold a reference) and frees every entry.
 */
static void __net_exit genl_demo_net_exit(struct net *net)
{
	struct genl_demo_net *pn = genl_demo_pernet(net);
	struct genl_demo_deferred *d;
	struct genl_demo_entry *e;
	unsigned long index;

	for (;;) {
		spin_lock(&pn->deferred_lock);
		d = list_first_entry_or_null(&pn->deferred,
					     struct genl_demo_deferred, node);
		if (d)
			list_del_init(&d->node);
		spin_unlock(&pn->deferred_lock);
		if (!d)
			break;
		cancel_delayed_work_sync(&d->dwork);
		atomic_inc(&genl_demo_cancelled);
		atomic_dec(&genl_demo_pending);
		genl_demo_deferred_free(d);
	}

	mutex_lock(&pn->lock);
	xa_for_each(&pn->entries, index, e) {
		xa_erase(&pn->entries, index);
		kfree(e->value);
		kfree(e);
	}
	pn->count = 0;
	mutex_unlock(&pn->lock);
	xa_destroy(&pn->entries);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations genl_demo_net_ops = {
	.init = genl_demo_net_init,
	.exit = genl_demo_net_exit,
	.id = &genl_demo_net_id,
	.size = sizeof(struct genl_demo_net),
};

/**
 * genl_demo_init() - module init: workqueue, per-namespace state, family,
 *	debugfs
 *
 * Return: 0 or a negative errno.
 */
static int __init genl_demo_init(void)
{
	int err;

	/*
	 * Unbound: the delayed replies need no CPU affinity, and Linux 7.x
	 * warns about a workqueue that says neither WQ_UNBOUND nor WQ_PERCPU.
	 */
	genl_demo_wq = alloc_workqueue("genl_demo", WQ_UNBOUND, 0);
	if (!genl_demo_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&genl_demo_net_ops);
	if (err)
		goto err_wq;
	err = genl_register_family(&genl_demo_nl_family);
	if (err)
		goto err_pernet;
	/* Test instrumentation only: its failure is not the module's. */
	genl_demo_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_atomic_t("pending", 0444, genl_demo_debugfs,
				&genl_demo_pending);
	return 0;

err_pernet:
	unregister_pernet_subsys(&genl_demo_net_ops);
err_wq:
	destroy_workqueue(genl_demo_wq);
	return err;
}

/**
 * genl_demo_exit() - module exit, in the reverse order of genl_demo_init()
 *
 * Once the family is gone no request can start; namespace exit then cancels
 * pending deferred replies, and destroying the workqueue waits for one that
 * is running. Every deferred reply is then either sent or cancelled: the
 * kernel log says how many were cancelled, and a warning says if the count
 * of pending ones did not come back to zero.
 */
static void __exit genl_demo_exit(void)
{
	int cancelled, pending;

	debugfs_remove(genl_demo_debugfs);
	genl_unregister_family(&genl_demo_nl_family);
	unregister_pernet_subsys(&genl_demo_net_ops);
	destroy_workqueue(genl_demo_wq);
	cancelled = atomic_read(&genl_demo_cancelled);
	pending = atomic_read(&genl_demo_pending);
	if (cancelled)
		pr_info("unloaded: %d deferred replies cancelled, %d pending\n",
			cancelled, pending);
	WARN(pending, "%d deferred replies neither sent nor cancelled\n",
	     pending);
}

module_init(genl_demo_init);
module_exit(genl_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("genl_demo: generic netlink demo family of the genl Rust workspace");
MODULE_ALIAS_GENL_FAMILY(GENL_DEMO_FAMILY_NAME);
