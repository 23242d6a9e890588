// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test: a classic netlink protocol of its own, the NETLINK_TEST of
 * the netlink tutorials the genl Rust workspace grew from, done the modern
 * way. Every network namespace gets a kernel socket on the protocol (25 by
 * default, the "proto" parameter overrides it) that
 *
 * - echoes NLTEST_MSG_ECHO requests back to their sender;
 * - answers NLTEST_MSG_DEFERRED requests later, from a workqueue (the
 *   tutorial's kernel thread); pending replies are cancelled when their
 *   namespace goes away;
 * - multicasts NLTEST_MSG_MCAST requests to group NLTEST_GRP_EVENTS;
 * - describes itself in reply to NLTEST_MSG_INFO.
 *
 * Bad requests get an NLMSG_ERROR with an extended ACK message. The
 * protocol sets no NL_CFG_F_NONROOT_* flag: joining its group and sending
 * to other user sockets (or groups) on it need CAP_NET_ADMIN; requests to
 * the kernel socket do not. The message formats are in
 * <uapi/linux/netlink_test.h>.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include <uapi/linux/netlink_test.h>

#include "genl_compat.h"

static int proto = NETLINK_TEST;
module_param(proto, int, 0444);
MODULE_PARM_DESC(proto, "netlink protocol number to serve (default "
		 __stringify(NETLINK_TEST) ", NETLINK_TEST)");

/**
 * struct nltest_net - per network namespace state
 * @nlsk: the namespace's kernel socket on the protocol
 * @lock: protects @pending, @npending and @dying
 * @pending: deferred replies not sent yet (&struct nltest_reply)
 * @npending: number of entries on @pending
 * @dying: the namespace is going away: no more deferred replies
 * @requests: requests of a known type received, for NLTEST_MSG_INFO
 */
struct nltest_net {
	struct sock *nlsk;
	spinlock_t lock; /* protects @pending, @npending and @dying */
	struct list_head pending;
	unsigned int npending;
	bool dying;
	atomic_t requests;
};

/**
 * struct nltest_reply - a deferred reply waiting for its time
 * @dwork: runs nltest_deferred_work()
 * @node: link in &nltest_net.pending while pending; whoever unlinks it (the
 *	work, or namespace exit) owns the reply
 * @pn: the namespace's state (namespace exit cancels the reply before it
 *	frees that state)
 * @skb: the reply, built when the request came in
 * @portid: the requester's port
 */
struct nltest_reply {
	struct delayed_work dwork;
	struct list_head node;
	struct nltest_net *pn;
	struct sk_buff *skb;
	u32 portid;
};

static unsigned int nltest_net_id __read_mostly;
static struct workqueue_struct *nltest_wq;

/**
 * nltest_pernet() - the module's state in a network namespace
 * @net: the namespace
 *
 * Return: the namespace's &struct nltest_net.
 */
static struct nltest_net *nltest_pernet(const struct net *net)
{
	return net_generic(net, nltest_net_id);
}

/**
 * nltest_build() - build a message with a payload copied as it is
 * @portid: the nlmsg_pid to put in the header
 * @seq: the sequence number
 * @type: the message type
 * @data: the payload
 * @len: length of @data
 *
 * nlmsg_len is the exact length (not rounded up to NLMSG_ALIGNTO), so the
 * receiver sees the payload byte for byte.
 *
 * Return: the message, or NULL when out of memory.
 */
static struct sk_buff *nltest_build(u32 portid, u32 seq, u16 type,
				    const void *data, size_t len)
{
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	skb = nlmsg_new(len, GFP_KERNEL);
	if (!skb)
		return NULL;
	nlh = nlmsg_put(skb, portid, seq, type, len, 0);
	if (!nlh) {
		nlmsg_free(skb);
		return NULL;
	}
	/* nlmsg_put() set nlmsg_len; nlmsg_end() would round it up. */
	memcpy(nlmsg_data(nlh), data, len);
	return skb;
}

/**
 * nltest_reply_to() - send a reply to the sender of a request
 * @pn: the namespace's state
 * @skb: the request's buffer
 * @nlh: the request
 * @data: the reply's payload
 * @len: length of @data
 *
 * The reply has the request's type and sequence number.
 *
 * Return: 0 or a negative errno.
 */
static int nltest_reply_to(struct nltest_net *pn, const struct sk_buff *skb,
			   const struct nlmsghdr *nlh, const void *data,
			   size_t len)
{
	u32 portid = NETLINK_CB(skb).portid;
	struct sk_buff *msg;

	msg = nltest_build(portid, nlh->nlmsg_seq, nlh->nlmsg_type, data, len);
	if (!msg)
		return -ENOMEM;
	return nlmsg_unicast(pn->nlsk, msg, portid);
}

/**
 * nltest_echo() - NLTEST_MSG_ECHO: send the payload back
 * @pn: the namespace's state
 * @skb: the request's buffer
 * @nlh: the request
 * @extack: where to report errors
 *
 * Return: 0 or a negative errno.
 */
static int nltest_echo(struct nltest_net *pn, const struct sk_buff *skb,
		       const struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	if (nlmsg_len(nlh) > NLTEST_PAYLOAD_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "echo payload too long");
		return -EMSGSIZE;
	}
	return nltest_reply_to(pn, skb, nlh, nlmsg_data(nlh), nlmsg_len(nlh));
}

/**
 * nltest_reply_free() - free a deferred reply that was not sent
 * @r: the reply, off every list, its work neither pending nor running
 */
static void nltest_reply_free(struct nltest_reply *r)
{
	nlmsg_free(r->skb);
	kfree(r);
}

/**
 * nltest_deferred_work() - send a deferred reply once its delay has passed
 * @work: &nltest_reply.dwork
 *
 * Takes the reply off its namespace's pending list and sends it; if
 * namespace exit got there first, exit owns the reply and this does
 * nothing. A requester that has gone away is no error: the reply is
 * dropped. Namespace exit flushes the workqueue before it releases the
 * socket used here.
 */
static void nltest_deferred_work(struct work_struct *work)
{
	struct nltest_reply *r = container_of(to_delayed_work(work),
					      struct nltest_reply, dwork);
	struct nltest_net *pn = r->pn;
	bool owned;

	spin_lock(&pn->lock);
	owned = !list_empty(&r->node);
	if (owned) {
		list_del_init(&r->node);
		pn->npending--;
	}
	spin_unlock(&pn->lock);
	if (!owned)
		return;

	nlmsg_unicast(pn->nlsk, r->skb, r->portid);
	kfree(r);
}

/**
 * nltest_deferred() - NLTEST_MSG_DEFERRED: queue the reply for later
 * @pn: the namespace's state
 * @skb: the request's buffer
 * @nlh: the request
 * @extack: where to report errors
 *
 * The reply is built now, so that running out of memory is reported to the
 * requester; the work only sends it.
 *
 * Return: 0 or a negative errno.
 */
static int nltest_deferred(struct nltest_net *pn, const struct sk_buff *skb,
			   const struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	const struct nltest_deferred *req = nlmsg_data(nlh);
	struct nltest_reply *r;
	int err = 0;

	if (nlmsg_len(nlh) != sizeof(*req)) {
		NL_SET_ERR_MSG_MOD(extack, "payload must be 8 bytes: id, delay_ms");
		return -EINVAL;
	}
	if (req->delay_ms > NLTEST_DEFERRED_MAX_DELAY_MS) {
		NL_SET_ERR_MSG_MOD(extack, "delay too long");
		return -ERANGE;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->portid = NETLINK_CB(skb).portid;
	r->skb = nltest_build(r->portid, nlh->nlmsg_seq, nlh->nlmsg_type, req,
			      sizeof(*req));
	if (!r->skb) {
		kfree(r);
		return -ENOMEM;
	}
	r->pn = pn;
	INIT_DELAYED_WORK(&r->dwork, nltest_deferred_work);

	/*
	 * Queued under the lock: namespace exit relies on every reply on the
	 * list having its work pending or running.
	 */
	spin_lock(&pn->lock);
	if (pn->dying) {
		NL_SET_ERR_MSG_MOD(extack, "network namespace is going away");
		err = -ENETDOWN;
	} else if (pn->npending >= NLTEST_DEFERRED_MAX_PENDING) {
		NL_SET_ERR_MSG_MOD(extack, "too many deferred replies pending");
		err = -EBUSY;
	} else {
		list_add_tail(&r->node, &pn->pending);
		pn->npending++;
		/*
		 * The timer fires on the delay-th tick from now, and the
		 * current tick is partly over: one more keeps the reply
		 * from coming up to a tick before delay_ms.
		 */
		queue_delayed_work(nltest_wq, &r->dwork,
				   msecs_to_jiffies(req->delay_ms) + 1);
	}
	spin_unlock(&pn->lock);

	if (err)
		nltest_reply_free(r);
	return err;
}

/**
 * nltest_mcast() - NLTEST_MSG_MCAST: send the payload to the events group
 * @pn: the namespace's state
 * @skb: the request's buffer
 * @nlh: the request
 * @extack: where to report errors
 *
 * Members of the group in the namespace get the payload with the request's
 * sequence number and the requester's port (in nlmsg_pid). Members that
 * cannot take the message see ENOBUFS on their own sockets; that is no
 * error of the request.
 *
 * Return: 0 or a negative errno.
 */
static int nltest_mcast(struct nltest_net *pn, const struct sk_buff *skb,
			const struct nlmsghdr *nlh,
			struct netlink_ext_ack *extack)
{
	struct sk_buff *msg;

	if (nlmsg_len(nlh) > NLTEST_PAYLOAD_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "multicast payload too long");
		return -EMSGSIZE;
	}
	if (!netlink_has_listeners(pn->nlsk, NLTEST_GRP_EVENTS))
		return 0;

	msg = nltest_build(NETLINK_CB(skb).portid, nlh->nlmsg_seq,
			   NLTEST_MSG_MCAST, nlmsg_data(nlh), nlmsg_len(nlh));
	if (!msg)
		return -ENOMEM;
	/* -ESRCH (no member left) and -ENOBUFS (see above) are no errors. */
	nlmsg_multicast(pn->nlsk, msg, 0, NLTEST_GRP_EVENTS, GFP_KERNEL);
	return 0;
}

/**
 * nltest_info() - NLTEST_MSG_INFO: describe the namespace's kernel socket
 * @pn: the namespace's state
 * @skb: the request's buffer
 * @nlh: the request
 * @extack: where to report errors
 *
 * Return: 0 or a negative errno.
 */
static int nltest_info(struct nltest_net *pn, const struct sk_buff *skb,
		       const struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	struct nltest_info info = {};

	if (nlmsg_len(nlh)) {
		NL_SET_ERR_MSG_MOD(extack, "info request takes no payload");
		return -EINVAL;
	}
	info.netns_cookie = genl_compat_net_cookie(sock_net(pn->nlsk));
	info.requests = atomic_read(&pn->requests);
	spin_lock(&pn->lock);
	info.pending = pn->npending;
	spin_unlock(&pn->lock);
	info.protocol = proto;
	return nltest_reply_to(pn, skb, nlh, &info, sizeof(info));
}

/**
 * nltest_rcv_msg() - handle one request
 * @skb: the buffer holding it
 * @nlh: the request; netlink_rcv_skb() has checked that its length fits
 * @extack: where to report errors
 *
 * Return: 0, or a negative errno that netlink_rcv_skb() sends back in an
 * NLMSG_ERROR with @extack.
 */
static int nltest_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			  struct netlink_ext_ack *extack)
{
	struct nltest_net *pn = nltest_pernet(sock_net(skb->sk));

	if (nlh->nlmsg_type < __NLTEST_MSG_MAX)
		atomic_inc(&pn->requests);

	switch (nlh->nlmsg_type) {
	case NLTEST_MSG_ECHO:
		return nltest_echo(pn, skb, nlh, extack);
	case NLTEST_MSG_DEFERRED:
		return nltest_deferred(pn, skb, nlh, extack);
	case NLTEST_MSG_MCAST:
		return nltest_mcast(pn, skb, nlh, extack);
	case NLTEST_MSG_INFO:
		return nltest_info(pn, skb, nlh, extack);
	default:
		NL_SET_ERR_MSG_MOD(extack, "unknown message type");
		return -EOPNOTSUPP;
	}
}

/**
 * nltest_rcv() - the kernel socket's input: every message of a datagram
 * @skb: the datagram
 *
 * netlink_rcv_skb() walks the messages, skips those without NLM_F_REQUEST
 * and the control types, drops a datagram whose lengths do not add up, and
 * sends an NLMSG_ERROR for each failed message (or an ACK on NLM_F_ACK).
 */
static void nltest_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, nltest_rcv_msg);
}

/**
 * nltest_net_init() - create a namespace's kernel socket
 * @net: the new namespace
 *
 * Return: 0, or -ENOMEM when the socket cannot be created (out of memory,
 * or another kernel socket serves the protocol already).
 */
static int __net_init nltest_net_init(struct net *net)
{
	struct nltest_net *pn = nltest_pernet(net);
	struct netlink_kernel_cfg cfg = {
		.groups = NLTEST_GRP_MAX,
		.input = nltest_rcv,
	};

	spin_lock_init(&pn->lock);
	INIT_LIST_HEAD(&pn->pending);
	atomic_set(&pn->requests, 0);
	pn->nlsk = netlink_kernel_create(net, proto, &cfg);
	if (!pn->nlsk) {
		pr_err_ratelimited("cannot create a kernel socket on netlink protocol %d\n",
				   proto);
		return -ENOMEM;
	}
	return 0;
}

/**
 * nltest_net_exit() - cancel a namespace's pending replies, release its socket
 * @net: the namespace going away (or every namespace, at module unload)
 */
static void __net_exit nltest_net_exit(struct net *net)
{
	struct nltest_net *pn = nltest_pernet(net);
	struct nltest_reply *r;

	spin_lock(&pn->lock);
	pn->dying = true;
	spin_unlock(&pn->lock);

	for (;;) {
		spin_lock(&pn->lock);
		r = list_first_entry_or_null(&pn->pending, struct nltest_reply,
					     node);
		if (r) {
			list_del_init(&r->node);
			pn->npending--;
		}
		spin_unlock(&pn->lock);
		if (!r)
			break;
		/* A work already running finds itself unlinked and returns. */
		cancel_delayed_work_sync(&r->dwork);
		nltest_reply_free(r);
	}
	/* Works that unlinked their reply first may still be sending it. */
	flush_workqueue(nltest_wq);

	netlink_kernel_release(pn->nlsk);
	pn->nlsk = NULL;
}

static struct pernet_operations nltest_net_ops = {
	.init = nltest_net_init,
	.exit = nltest_net_exit,
	.id = &nltest_net_id,
	.size = sizeof(struct nltest_net),
};

/**
 * nltest_init() - module init: check the protocol, workqueue, namespaces
 *
 * Return: 0 or a negative errno.
 */
static int __init nltest_init(void)
{
	int err;

	if (proto < 0 || proto >= MAX_LINKS) {
		pr_err("proto=%d is not a netlink protocol number (0 to %d)\n",
		       proto, MAX_LINKS - 1);
		return -EINVAL;
	}

	/*
	 * Unbound: the delayed replies need no CPU affinity, and Linux 7.x
	 * warns about a workqueue that says neither WQ_UNBOUND nor WQ_PERCPU.
	 */
	nltest_wq = alloc_workqueue("netlink_test", WQ_UNBOUND, 0);
	if (!nltest_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&nltest_net_ops);
	if (err) {
		destroy_workqueue(nltest_wq);
		return err;
	}
	return 0;
}

/**
 * nltest_exit() - module exit, in the reverse order of nltest_init()
 *
 * User sockets on the protocol hold a reference to the module, so none is
 * left by now; namespace exit cancels the pending replies.
 */
static void __exit nltest_exit(void)
{
	unregister_pernet_subsys(&nltest_net_ops);
	destroy_workqueue(nltest_wq);
}

module_init(nltest_init);
module_exit(nltest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink_test: a classic netlink protocol with unicast, deferred and multicast replies");
MODULE_ALIAS_NET_PF_PROTO(PF_NETLINK, NETLINK_TEST);
