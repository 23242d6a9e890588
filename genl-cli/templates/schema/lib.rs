//! The `@name@` generic netlink family: its one schema.
//!
//! Everything about the family is declared here, once. The derives give
//! Rust clients its codec and typed commands ([`@name@_cmd`]); `genl
//! generate` renders the same declarations into the kernel module's files
//! (`kmod/include/uapi/@uapi_header@`, `kmod/@name@-nl.[ch]`) and a YNL spec
//! (`kmod/@name@.yaml`). Change this file, run `genl generate`, and both
//! sides agree again.
//!
//! The starter family keeps named counters in the kernel, per network
//! namespace: `ADD` (admin), `GET` (one, or a dump of all), `RESET` (admin)
//! and a `CHANGED` notification on the `changes` group.

use genl_core::{AttrSet, Family};

/// A named counter: every attribute of the family, each declared once with
/// its id and its checks. The checks are enforced twice: by the Rust codec,
/// and by the kernel through the generated policy.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "@NAME@_A", pad = 4)]
pub struct Counter<'a> {
    /// The counter's name, 1 to 32 bytes.
    #[nla(id = 1, min_len = 1, max_len = 32)]
    pub name: &'a str,
    /// Its value.
    #[nla(id = 2)]
    pub value: Option<u64>,
    /// How much `ADD` adds: 1 to 1000000.
    #[nla(id = 3, min = 1, max = 1000000)]
    pub delta: Option<u32>,
}

/// The request of `ADD`: which counter, and how much to add. Both are
/// required: the generated kernel code rejects a request without either.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Counter)]
pub struct AddRequest<'a> {
    /// The counter.
    pub name: &'a str,
    /// How much to add.
    pub delta: u32,
}

/// The request of `GET` and `RESET`: a counter's name.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Counter)]
pub struct CounterName<'a> {
    /// The counter.
    pub name: &'a str,
}

/// The commands of the `@name@` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "@name@", version = 1, mcast_groups("changes")@uapi_key@)]
pub enum @Name@Cmd {
    /// Adds `delta` to a counter (created at 0 first) and replies with it.
    /// Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 1, request = AddRequest<'a>, reply = Counter<'a>, admin_perm)]
    Add,
    /// Gets one counter, or dumps them all.
    #[genl(cmd = 2, request = CounterName<'a>, reply = Counter<'a>, dump)]
    Get,
    /// Sets a counter back to 0. Needs `CAP_NET_ADMIN`.
    #[genl(cmd = 3, request = CounterName<'a>, admin_perm)]
    Reset,
    /// Sent to the `changes` group whenever a counter changes.
    #[genl(cmd = 4, reply = Counter<'a>, event = "changes")]
    Changed,
}
