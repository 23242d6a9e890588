/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * netlink_test: a classic netlink protocol of its own (the NETLINK_TEST of
 * the netlink tutorials), served by the netlink_test module of the genl Rust
 * workspace. Messages are a struct nlmsghdr and the payload given per type
 * below; every request needs NLM_F_REQUEST. Errors come back as NLMSG_ERROR
 * with an extended ACK message; NLM_F_ACK asks for an ACK on success too.
 */

#ifndef _UAPI_LINUX_NETLINK_TEST_H
#define _UAPI_LINUX_NETLINK_TEST_H

#include <linux/netlink.h>
#include <linux/types.h>

/* The default protocol number; the module's "proto" parameter overrides it. */
#define NETLINK_TEST			25

/* Longest payload of NLTEST_MSG_ECHO and NLTEST_MSG_MCAST. */
#define NLTEST_PAYLOAD_MAX		4096
/* Longest delay of NLTEST_MSG_DEFERRED. */
#define NLTEST_DEFERRED_MAX_DELAY_MS	10000
/* Most NLTEST_MSG_DEFERRED requests a network namespace may have pending. */
#define NLTEST_DEFERRED_MAX_PENDING	64

/**
 * enum nltest_msg_type - message types of the netlink_test protocol
 * @NLTEST_MSG_ECHO: request: any payload (up to %NLTEST_PAYLOAD_MAX bytes);
 *	reply: the same type, sequence number and payload, to the sender.
 * @NLTEST_MSG_DEFERRED: request: a &struct nltest_deferred; reply: the same
 *	type, sequence number and payload, sent from a workqueue once the
 *	delay has passed. Replies still pending when the network namespace
 *	goes away (or the module is unloaded) are dropped. With NLM_F_ACK the
 *	ACK is sent at once; it may arrive after a reply with a zero delay.
 * @NLTEST_MSG_MCAST: request: any payload (up to %NLTEST_PAYLOAD_MAX bytes);
 *	sent to multicast group %NLTEST_GRP_EVENTS of the namespace as a
 *	message of this type, with the request's sequence number and, in
 *	nlmsg_pid, the requester's port. No reply but the optional ACK.
 * @NLTEST_MSG_INFO: request: no payload; reply: a &struct nltest_info
 *	describing the namespace's kernel socket.
 * @__NLTEST_MSG_MAX: one past the last message type
 */
enum nltest_msg_type {
	NLTEST_MSG_ECHO = NLMSG_MIN_TYPE,
	NLTEST_MSG_DEFERRED,
	NLTEST_MSG_MCAST,
	NLTEST_MSG_INFO,

	__NLTEST_MSG_MAX,
};

/**
 * enum nltest_groups - multicast groups of the netlink_test protocol
 * @NLTEST_GRP_NONE: no group
 * @NLTEST_GRP_EVENTS: where NLTEST_MSG_MCAST messages go
 * @__NLTEST_GRP_MAX: one past the last group
 */
enum nltest_groups {
	NLTEST_GRP_NONE,
	NLTEST_GRP_EVENTS,

	__NLTEST_GRP_MAX,
};

#define NLTEST_GRP_MAX	(__NLTEST_GRP_MAX - 1)

/**
 * struct nltest_deferred - payload of NLTEST_MSG_DEFERRED, both ways
 * @id: chosen by the requester, echoed
 * @delay_ms: how long to wait before replying, at most
 *	%NLTEST_DEFERRED_MAX_DELAY_MS
 */
struct nltest_deferred {
	__u32 id;
	__u32 delay_ms;
};

/**
 * struct nltest_info - reply payload of NLTEST_MSG_INFO
 * @netns_cookie: the cookie of the kernel socket's network namespace (as
 *	getsockopt(SO_NETNS_COOKIE) reports it for a socket there)
 * @requests: valid requests this namespace's kernel socket has served,
 *	this one included
 * @pending: NLTEST_MSG_DEFERRED replies pending in the namespace
 * @protocol: the protocol number the module serves
 * @reserved: zero
 */
struct nltest_info {
	__u64 netns_cookie;
	__u32 requests;
	__u32 pending;
	__u32 protocol;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_NETLINK_TEST_H */
