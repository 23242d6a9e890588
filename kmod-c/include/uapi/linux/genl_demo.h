/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the genl_demo family; regenerate with `cargo xtask codegen` */
/* genl uapi header */

#ifndef _UAPI_LINUX_GENL_DEMO_H
#define _UAPI_LINUX_GENL_DEMO_H

#define GENL_DEMO_FAMILY_NAME		"genl_demo"
#define GENL_DEMO_FAMILY_VERSION	1

/**
 * enum genl_demo_state - State of a key/value entry.
 * @GENL_DEMO_STATE_ACTIVE: The entry is in use.
 * @GENL_DEMO_STATE_STALE: The entry is kept but out of date.
 */
enum genl_demo_state {
	GENL_DEMO_STATE_ACTIVE = 1,
	GENL_DEMO_STATE_STALE,
};

/**
 * enum genl_demo_op - What happened to an entry, in an event.
 * @GENL_DEMO_OP_SET: The entry was created or replaced.
 * @GENL_DEMO_OP_DEL: The entry was deleted.
 */
enum genl_demo_op {
	GENL_DEMO_OP_SET = 1,
	GENL_DEMO_OP_DEL,
};

/*
 * Attribute set GENL_DEMO_A_ECHO (Rust: Echo).
 * Request and reply of ECHO.
 * @GENL_DEMO_A_ECHO_MSG: (string) Text echoed back unchanged.
 * @GENL_DEMO_A_ECHO_COOKIE: (u64) Opaque number echoed back unchanged.
 * @GENL_DEMO_A_ECHO_PAD: (pad) Padding the kernel puts before 64-bit attributes
 *	to align them.
 */
enum {
	GENL_DEMO_A_ECHO_UNSPEC,
	GENL_DEMO_A_ECHO_MSG,
	GENL_DEMO_A_ECHO_COOKIE,
	GENL_DEMO_A_ECHO_PAD,

	__GENL_DEMO_A_ECHO_MAX,
	GENL_DEMO_A_ECHO_MAX = (__GENL_DEMO_A_ECHO_MAX - 1)
};

/*
 * Attribute set GENL_DEMO_A_KV (Rust: KvEntry; subsets KvKey).
 * A key/value entry: request of KV_SET, reply of KV_GET.
 * @GENL_DEMO_A_KV_KEY: (string) The key, 1 to 64 bytes.
 * @GENL_DEMO_A_KV_VALUE: (binary) The value, up to 1024 bytes.
 * @GENL_DEMO_A_KV_META: (nest GENL_DEMO_A_META) Metadata.
 */
enum {
	GENL_DEMO_A_KV_UNSPEC,
	GENL_DEMO_A_KV_KEY,
	GENL_DEMO_A_KV_VALUE,
	GENL_DEMO_A_KV_META,

	__GENL_DEMO_A_KV_MAX,
	GENL_DEMO_A_KV_MAX = (__GENL_DEMO_A_KV_MAX - 1)
};

/*
 * Attribute set GENL_DEMO_A_META (Rust: KvMeta).
 * Metadata of an entry (a nested set).
 * @GENL_DEMO_A_META_STATE: (u32, enum genl_demo_state) The entry's state.
 * @GENL_DEMO_A_META_PORT: (u16, big-endian) A port number, in network byte
 *	order on the wire.
 */
enum {
	GENL_DEMO_A_META_UNSPEC,
	GENL_DEMO_A_META_STATE,
	GENL_DEMO_A_META_PORT,

	__GENL_DEMO_A_META_MAX,
	GENL_DEMO_A_META_MAX = (__GENL_DEMO_A_META_MAX - 1)
};

/*
 * Attribute set GENL_DEMO_A_DEFER (Rust: Deferred).
 * Request and (later) reply of DEFERRED.
 * @GENL_DEMO_A_DEFER_ID: (u32) Caller-chosen id, echoed in the reply.
 * @GENL_DEMO_A_DEFER_DELAY_MS: (u32) How long the module waits before replying,
 *	0 to 10000 ms.
 */
enum {
	GENL_DEMO_A_DEFER_UNSPEC,
	GENL_DEMO_A_DEFER_ID,
	GENL_DEMO_A_DEFER_DELAY_MS,

	__GENL_DEMO_A_DEFER_MAX,
	GENL_DEMO_A_DEFER_MAX = (__GENL_DEMO_A_DEFER_MAX - 1)
};

/*
 * Attribute set GENL_DEMO_A_EVENT (Rust: KvEvent).
 * A change notification on the events group.
 * @GENL_DEMO_A_EVENT_OP: (u32, enum genl_demo_op) What happened.
 * @GENL_DEMO_A_EVENT_KEY: (string) The entry's key.
 * @GENL_DEMO_A_EVENT_VALUE: (binary) The new value (for Set).
 */
enum {
	GENL_DEMO_A_EVENT_UNSPEC,
	GENL_DEMO_A_EVENT_OP,
	GENL_DEMO_A_EVENT_KEY,
	GENL_DEMO_A_EVENT_VALUE,

	__GENL_DEMO_A_EVENT_MAX,
	GENL_DEMO_A_EVENT_MAX = (__GENL_DEMO_A_EVENT_MAX - 1)
};

/*
 * Commands of the genl_demo family.
 * @GENL_DEMO_CMD_ECHO: (do, set GENL_DEMO_A_ECHO) Echo a message back.
 * @GENL_DEMO_CMD_KV_SET: (do, admin, set GENL_DEMO_A_KV) Create or replace an
 *	entry (needs CAP_NET_ADMIN).
 * @GENL_DEMO_CMD_KV_GET: (do, dump, set GENL_DEMO_A_KV) Get one entry, or dump
 *	all of them.
 * @GENL_DEMO_CMD_KV_DEL: (do, admin, set GENL_DEMO_A_KV) Delete an entry (needs
 *	CAP_NET_ADMIN).
 * @GENL_DEMO_CMD_DEFERRED: (do, set GENL_DEMO_A_DEFER) Answered later, from a
 *	workqueue.
 * @GENL_DEMO_CMD_KV_EVENT: (event to group events, set GENL_DEMO_A_EVENT)
 *	Notification sent to the events group on every change.
 */
enum {
	GENL_DEMO_CMD_UNSPEC,
	GENL_DEMO_CMD_ECHO,
	GENL_DEMO_CMD_KV_SET,
	GENL_DEMO_CMD_KV_GET,
	GENL_DEMO_CMD_KV_DEL,
	GENL_DEMO_CMD_DEFERRED,
	GENL_DEMO_CMD_KV_EVENT,

	__GENL_DEMO_CMD_MAX,
	GENL_DEMO_CMD_MAX = (__GENL_DEMO_CMD_MAX - 1)
};

#define GENL_DEMO_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_GENL_DEMO_H */
