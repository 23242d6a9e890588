//! The `portwatch` generic netlink family: its one schema.
//!
//! The kernel keeps, per network namespace, rules that watch transport
//! ports: each matches a port and a protocol (and optionally a packet mark),
//! carries a verdict, flags, a priority, a cookie, a hardware address, tags
//! and a list of actions, and counts the packets and bytes it matched.
//!
//! It is genl's worked example of a family of every shape, and its gallery
//! test: a nest with required attributes (`match`), a nested subset as a
//! dump filter (`match { proto }`), a value enum whose values are not
//! contiguous (IANA protocol numbers) and one that is, flags, 64-bit
//! counters with a pad attribute, bytes with a minimum and a maximum length
//! and with an exact one, a repeated string, an indexed array of nests,
//! commands without attributes (`FLUSH`, `STATS`, `PORTS`), a do-only, a
//! dump-only and a do + dump command, and an event carrying a nest.
//! `genl generate` renders it into `kmod/` (uapi header, policies and ops,
//! YNL spec); `kmod/portwatch_main.c` implements the handlers.

use genl_core::{AttrSet, Family, Flags, ValueEnum};

/// A transport protocol, by its IANA protocol number (the values are not
/// contiguous: the kernel checks them with a generated validation function).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[repr(u8)]
pub enum Proto {
    /// TCP.
    Tcp = 6,
    /// UDP.
    Udp = 17,
}

/// What a rule does with a matching packet (contiguous from 0: the kernel
/// checks a range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[repr(u32)]
pub enum Verdict {
    /// Count it only.
    Count = 0,
    /// Count and log it.
    Log = 1,
    /// Count and drop it.
    Drop = 2,
}

/// Options of a rule (flags: any OR of them; the kernel rejects other
/// bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[genl(flags)]
#[repr(u32)]
pub enum RuleFlag {
    /// The rule matches nothing until cleared.
    Disabled = 1,
    /// The rule is deleted after its first hit.
    Oneshot = 2,
    /// Every change of the rule is also logged.
    Audit = 4,
}

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[repr(u32)]
pub enum ActionKind {
    /// Set the packet mark to the action's argument.
    Mark = 1,
    /// Mirror the packet to the interface whose index is the argument.
    Mirror = 2,
    /// Limit matching packets to the argument per second.
    Rate = 3,
}

/// Why an event was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[repr(u32)]
pub enum Change {
    /// The rule was added.
    Added = 1,
    /// The rule was deleted (by `DEL`, or after a one-shot hit).
    Deleted = 2,
    /// Every rule was deleted (`FLUSH`).
    Flushed = 3,
}

/// What a rule matches (a nest). Port and protocol are required wherever
/// the whole set is sent.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Match {
    /// The transport port, 1 to 65535.
    #[nla(id = 1, min = 1, max = 65535)]
    pub port: u16,
    /// The transport protocol.
    #[nla(id = 2)]
    pub proto: Proto,
    /// The packet mark, if the rule also matches it.
    #[nla(id = 3)]
    pub mark: Option<u32>,
}

/// A dump filter's view of [`Match`]: the protocol alone, required. The
/// kernel checks this nest with its own policy, so a filter with a port or
/// a mark is rejected.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Match)]
pub struct MatchFilter {
    /// The protocol of the rules to list.
    pub proto: Proto,
}

/// One action of a rule (an element of the `actions` array).
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Action {
    /// What it does.
    #[nla(id = 1)]
    pub kind: ActionKind,
    /// Its argument, up to 1000000.
    #[nla(id = 2, max = 1000000)]
    pub arg: Option<u32>,
}

/// A rule: every attribute of the `rule` set, each declared once.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(pad = 12)]
pub struct Rule<'a> {
    /// The rule's id, from 1, unique in its network namespace.
    #[nla(id = 1, min = 1)]
    pub id: u32,
    /// What it matches.
    #[nla(id = 2)]
    pub r#match: Match,
    /// A comment, up to 64 bytes.
    #[nla(id = 3, max_len = 64)]
    pub comment: Option<&'a str>,
    /// What it does (default: count).
    #[nla(id = 4)]
    pub verdict: Option<Verdict>,
    /// Its options.
    #[nla(id = 5)]
    pub flags: Option<Flags<RuleFlag>>,
    /// Its priority, 1 (first) to 255.
    #[nla(id = 6, min = 1, max = 255)]
    pub priority: Option<u8>,
    /// An opaque cookie of 4 to 64 bytes.
    #[nla(id = 7, min_len = 4, max_len = 64)]
    pub cookie: Option<&'a [u8]>,
    /// A hardware address (exactly 6 bytes).
    #[nla(id = 8)]
    pub hwaddr: Option<[u8; 6]>,
    /// Tags, each up to 16 bytes (the attribute repeated).
    #[nla(id = 9, multi, max_len = 16)]
    pub tags: Vec<&'a str>,
    /// Actions, in order (an indexed array of nests).
    #[nla(id = 10, indexed)]
    pub actions: Vec<Action>,
    /// Packets matched.
    #[nla(id = 11)]
    pub hits: Option<u64>,
    /// Bytes matched.
    #[nla(id = 13)]
    pub bytes: Option<u64>,
    /// Why an event was sent.
    #[nla(id = 14)]
    pub change: Option<Change>,
}

/// The request of `ADD`: a rule without its counters; id and match are
/// required.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Rule)]
pub struct RuleSpec<'a> {
    /// The new rule's id.
    pub id: u32,
    /// What it matches.
    pub r#match: Match,
    /// A comment.
    pub comment: Option<&'a str>,
    /// Its verdict.
    pub verdict: Option<Verdict>,
    /// Its options.
    pub flags: Option<Flags<RuleFlag>>,
    /// Its priority.
    pub priority: Option<u8>,
    /// Its cookie.
    pub cookie: Option<&'a [u8]>,
    /// Its hardware address.
    pub hwaddr: Option<[u8; 6]>,
    /// Its tags.
    #[nla(multi)]
    pub tags: Vec<&'a str>,
    /// Its actions.
    #[nla(indexed)]
    pub actions: Vec<Action>,
}

/// The request of `GET` (do) and `DEL`: a rule's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Rule)]
pub struct RuleId {
    /// The rule.
    pub id: u32,
}

/// The request of `GET`'s dump: an optional filter by protocol.
#[derive(Debug, Clone, PartialEq, Eq, Default, AttrSet)]
#[genl(subset_of = Rule)]
pub struct RuleFilter {
    /// Only rules matching this protocol.
    pub r#match: Option<MatchFilter>,
}

/// The request of `HIT`: a packet of `bytes` bytes matched the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Rule)]
pub struct Hit {
    /// The rule.
    pub id: u32,
    /// The packet's size (default 0).
    pub bytes: Option<u64>,
}

/// The `RULE_CHANGED` notification: which rule, what it matches, why.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Rule)]
pub struct RuleNotice {
    /// The rule (absent for `FLUSH`: rule ids start at 1).
    pub id: Option<u32>,
    /// What it matched (absent for `FLUSH`).
    pub r#match: Option<Match>,
    /// What happened.
    pub change: Change,
}

/// Counters of the namespace: the reply of `STATS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(pad = 3)]
pub struct Stats {
    /// Rules in the namespace.
    #[nla(id = 1)]
    pub rules: u32,
    /// Packets matched by every rule since the module loaded.
    #[nla(id = 2)]
    pub hits: u64,
}

/// A port in use: an item of the `PORTS` dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct PortUse {
    /// The port.
    #[nla(id = 1)]
    pub port: u16,
    /// The rules that match it.
    #[nla(id = 2)]
    pub rules: u32,
}

/// The commands of the `portwatch` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "portwatch", version = 1, mcast_groups("rules"))]
pub enum PortwatchCmd {
    /// Adds a rule and replies with it. Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 1, request = RuleSpec<'a>, reply = Rule<'a>, admin_perm)]
    Add,
    /// Deletes a rule. Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 2, request = RuleId, admin_perm)]
    Del,
    /// Gets one rule, or dumps them, filtered by protocol.
    #[genl(cmd = 3, request = RuleId, reply = Rule<'a>, dump, dump_request = RuleFilter)]
    Get,
    /// Deletes every rule of the namespace. Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 4, admin_perm)]
    Flush,
    /// Counts a matched packet on a rule (a test hook standing in for the
    /// packet path). Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 5, request = Hit, admin_perm)]
    Hit,
    /// The namespace's counters.
    #[genl(cmd = 6, reply = Stats)]
    Stats,
    /// Every port some rule matches, with how many rules match it.
    #[genl(cmd = 7, reply = PortUse, dump_only)]
    Ports,
    /// Sent to the `rules` group when a rule is added or deleted.
    #[genl(cmd = 8, reply = RuleNotice, event = "rules")]
    RuleChanged,
}
