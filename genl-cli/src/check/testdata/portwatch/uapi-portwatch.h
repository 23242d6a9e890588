/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from the Rust schema of */
/*	the portwatch family; regenerate with `genl generate` */
/* genl uapi header */

#ifndef _UAPI_LINUX_PORTWATCH_H
#define _UAPI_LINUX_PORTWATCH_H

#define PORTWATCH_FAMILY_NAME		"portwatch"
#define PORTWATCH_FAMILY_VERSION	1

/**
 * enum portwatch_verdict - What a rule does with a matching packet (contiguous from 0: the kernel
 *	checks a range).
 * @PORTWATCH_VERDICT_COUNT: Count it only.
 * @PORTWATCH_VERDICT_LOG: Count and log it.
 * @PORTWATCH_VERDICT_DROP: Count and drop it.
 */
enum portwatch_verdict {
	PORTWATCH_VERDICT_COUNT,
	PORTWATCH_VERDICT_LOG,
	PORTWATCH_VERDICT_DROP,
};

/**
 * enum portwatch_rule_flag - Options of a rule (flags: any OR of them; the kernel rejects other
 *	bits).
 * @PORTWATCH_RULE_FLAG_DISABLED: The rule matches nothing until cleared.
 * @PORTWATCH_RULE_FLAG_ONESHOT: The rule is deleted after its first hit.
 * @PORTWATCH_RULE_FLAG_AUDIT: Every change of the rule is also logged.
 */
enum portwatch_rule_flag {
	PORTWATCH_RULE_FLAG_DISABLED = 1,
	PORTWATCH_RULE_FLAG_ONESHOT = 2,
	PORTWATCH_RULE_FLAG_AUDIT = 4,
};

/**
 * enum portwatch_change - Why an event was sent.
 * @PORTWATCH_CHANGE_ADDED: The rule was added.
 * @PORTWATCH_CHANGE_DELETED: The rule was deleted (by DEL, or after a one-shot hit).
 * @PORTWATCH_CHANGE_FLUSHED: Every rule was deleted (FLUSH).
 */
enum portwatch_change {
	PORTWATCH_CHANGE_ADDED = 1,
	PORTWATCH_CHANGE_DELETED,
	PORTWATCH_CHANGE_FLUSHED,
};

/**
 * enum portwatch_proto - A transport protocol, by its IANA protocol number (the values are not
 *	contiguous: the kernel checks them with a generated validation function).
 * @PORTWATCH_PROTO_TCP: TCP.
 * @PORTWATCH_PROTO_UDP: UDP.
 */
enum portwatch_proto {
	PORTWATCH_PROTO_TCP = 6,
	PORTWATCH_PROTO_UDP = 17,
};

/**
 * enum portwatch_action_kind - What an action does.
 * @PORTWATCH_ACTION_KIND_MARK: Set the packet mark to the action's argument.
 * @PORTWATCH_ACTION_KIND_MIRROR: Mirror the packet to the interface whose index is the argument.
 * @PORTWATCH_ACTION_KIND_RATE: Limit matching packets to the argument per second.
 */
enum portwatch_action_kind {
	PORTWATCH_ACTION_KIND_MARK = 1,
	PORTWATCH_ACTION_KIND_MIRROR,
	PORTWATCH_ACTION_KIND_RATE,
};

/*
 * Attribute set PORTWATCH_A_RULE (Rust: Rule; subsets RuleSpec, RuleId, RuleFilter, Hit,
 *	RuleNotice).
 * A rule: every attribute of the rule set, each declared once.
 * @PORTWATCH_A_RULE_ID: (u32) The rule's id, from 1, unique in its network
 *	namespace.
 * @PORTWATCH_A_RULE_MATCH: (nest PORTWATCH_A_MATCH) What it matches.
 * @PORTWATCH_A_RULE_COMMENT: (string) A comment, up to 64 bytes.
 * @PORTWATCH_A_RULE_VERDICT: (u32, enum portwatch_verdict) What it does
 *	(default: count).
 * @PORTWATCH_A_RULE_FLAGS: (u32, enum portwatch_rule_flag) Its options.
 * @PORTWATCH_A_RULE_PRIORITY: (u8) Its priority, 1 (first) to 255.
 * @PORTWATCH_A_RULE_COOKIE: (binary) An opaque cookie of 4 to 64 bytes.
 * @PORTWATCH_A_RULE_HWADDR: (binary) A hardware address (exactly 6 bytes).
 * @PORTWATCH_A_RULE_TAGS: (string) Tags, each up to 16 bytes (the attribute
 *	repeated).
 * @PORTWATCH_A_RULE_ACTIONS: (indexed-array PORTWATCH_A_ACTION) Actions, in
 *	order (an indexed array of nests).
 * @PORTWATCH_A_RULE_HITS: (u64) Packets matched.
 * @PORTWATCH_A_RULE_PAD: (pad) Padding the kernel puts before 64-bit attributes
 *	to align them.
 * @PORTWATCH_A_RULE_BYTES: (u64) Bytes matched.
 * @PORTWATCH_A_RULE_CHANGE: (u32, enum portwatch_change) Why an event was sent.
 */
enum {
	PORTWATCH_A_RULE_UNSPEC,
	PORTWATCH_A_RULE_ID,
	PORTWATCH_A_RULE_MATCH,
	PORTWATCH_A_RULE_COMMENT,
	PORTWATCH_A_RULE_VERDICT,
	PORTWATCH_A_RULE_FLAGS,
	PORTWATCH_A_RULE_PRIORITY,
	PORTWATCH_A_RULE_COOKIE,
	PORTWATCH_A_RULE_HWADDR,
	PORTWATCH_A_RULE_TAGS,
	PORTWATCH_A_RULE_ACTIONS,
	PORTWATCH_A_RULE_HITS,
	PORTWATCH_A_RULE_PAD,
	PORTWATCH_A_RULE_BYTES,
	PORTWATCH_A_RULE_CHANGE,

	__PORTWATCH_A_RULE_MAX,
	PORTWATCH_A_RULE_MAX = (__PORTWATCH_A_RULE_MAX - 1)
};

/*
 * Attribute set PORTWATCH_A_MATCH (Rust: Match; subsets MatchFilter).
 * What a rule matches (a nest). Port and protocol are required wherever the
 * whole set is sent.
 * @PORTWATCH_A_MATCH_PORT: (u16) The transport port, 1 to 65535.
 * @PORTWATCH_A_MATCH_PROTO: (u8, enum portwatch_proto) The transport protocol.
 * @PORTWATCH_A_MATCH_MARK: (u32) The packet mark, if the rule also matches it.
 */
enum {
	PORTWATCH_A_MATCH_UNSPEC,
	PORTWATCH_A_MATCH_PORT,
	PORTWATCH_A_MATCH_PROTO,
	PORTWATCH_A_MATCH_MARK,

	__PORTWATCH_A_MATCH_MAX,
	PORTWATCH_A_MATCH_MAX = (__PORTWATCH_A_MATCH_MAX - 1)
};

/*
 * Attribute set PORTWATCH_A_ACTION (Rust: Action).
 * One action of a rule (an element of the actions array).
 * @PORTWATCH_A_ACTION_KIND: (u32, enum portwatch_action_kind) What it does.
 * @PORTWATCH_A_ACTION_ARG: (u32) Its argument, up to 1000000.
 */
enum {
	PORTWATCH_A_ACTION_UNSPEC,
	PORTWATCH_A_ACTION_KIND,
	PORTWATCH_A_ACTION_ARG,

	__PORTWATCH_A_ACTION_MAX,
	PORTWATCH_A_ACTION_MAX = (__PORTWATCH_A_ACTION_MAX - 1)
};

/*
 * Attribute set PORTWATCH_A_STATS (Rust: Stats).
 * Counters of the namespace: the reply of STATS.
 * @PORTWATCH_A_STATS_RULES: (u32) Rules in the namespace.
 * @PORTWATCH_A_STATS_HITS: (u64) Packets matched by every rule since the module
 *	loaded.
 * @PORTWATCH_A_STATS_PAD: (pad) Padding the kernel puts before 64-bit
 *	attributes to align them.
 */
enum {
	PORTWATCH_A_STATS_UNSPEC,
	PORTWATCH_A_STATS_RULES,
	PORTWATCH_A_STATS_HITS,
	PORTWATCH_A_STATS_PAD,

	__PORTWATCH_A_STATS_MAX,
	PORTWATCH_A_STATS_MAX = (__PORTWATCH_A_STATS_MAX - 1)
};

/*
 * Attribute set PORTWATCH_A_PORT_USE (Rust: PortUse).
 * A port in use: an item of the PORTS dump.
 * @PORTWATCH_A_PORT_USE_PORT: (u16) The port.
 * @PORTWATCH_A_PORT_USE_RULES: (u32) The rules that match it.
 */
enum {
	PORTWATCH_A_PORT_USE_UNSPEC,
	PORTWATCH_A_PORT_USE_PORT,
	PORTWATCH_A_PORT_USE_RULES,

	__PORTWATCH_A_PORT_USE_MAX,
	PORTWATCH_A_PORT_USE_MAX = (__PORTWATCH_A_PORT_USE_MAX - 1)
};

/*
 * Commands of the portwatch family.
 * @PORTWATCH_CMD_ADD: (do, admin, set PORTWATCH_A_RULE) Adds a rule and replies
 *	with it. Needs CAP_NET_ADMIN.
 * @PORTWATCH_CMD_DEL: (do, admin, set PORTWATCH_A_RULE) Deletes a rule. Needs
 *	CAP_NET_ADMIN.
 * @PORTWATCH_CMD_GET: (do, dump, set PORTWATCH_A_RULE) Gets one rule, or dumps
 *	them, filtered by protocol.
 * @PORTWATCH_CMD_FLUSH: (do, admin) Deletes every rule of the namespace. Needs
 *	CAP_NET_ADMIN.
 * @PORTWATCH_CMD_HIT: (do, admin, set PORTWATCH_A_RULE) Counts a matched packet
 *	on a rule (a test hook standing in for the packet path). Needs
 *	CAP_NET_ADMIN.
 * @PORTWATCH_CMD_STATS: (do, set PORTWATCH_A_STATS) The namespace's counters.
 * @PORTWATCH_CMD_PORTS: (dump, set PORTWATCH_A_PORT_USE) Every port some rule
 *	matches, with how many rules match it.
 * @PORTWATCH_CMD_RULE_CHANGED: (event to group rules, set PORTWATCH_A_RULE)
 *	Sent to the rules group when a rule is added or deleted.
 */
enum {
	PORTWATCH_CMD_UNSPEC,
	PORTWATCH_CMD_ADD,
	PORTWATCH_CMD_DEL,
	PORTWATCH_CMD_GET,
	PORTWATCH_CMD_FLUSH,
	PORTWATCH_CMD_HIT,
	PORTWATCH_CMD_STATS,
	PORTWATCH_CMD_PORTS,
	PORTWATCH_CMD_RULE_CHANGED,

	__PORTWATCH_CMD_MAX,
	PORTWATCH_CMD_MAX = (__PORTWATCH_CMD_MAX - 1)
};

#define PORTWATCH_MCGRP_RULES	"rules"

#endif /* _UAPI_LINUX_PORTWATCH_H */
