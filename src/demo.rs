//! The `genl_demo` family: the Rust schema that the companion kernel module
//! (`kmod-c/`) is generated from. Its C headers are produced from these
//! declarations by `cargo xtask codegen`; nothing here is written twice.
//! Typed commands are in [`demo_cmd`].

use genl_core::{AttrSet, Family, ValueEnum};

/// State of a key/value entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[genl(c_prefix = "GENL_DEMO_STATE")]
#[repr(u32)]
pub enum KvState {
    /// The entry is in use.
    Active = 1,
    /// The entry is kept but out of date.
    Stale = 2,
}

/// What happened to an entry, in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
#[genl(c_prefix = "GENL_DEMO_OP")]
#[repr(u32)]
pub enum KvOp {
    /// The entry was created or replaced.
    Set = 1,
    /// The entry was deleted.
    Del = 2,
}

/// Request and reply of `ECHO`.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "GENL_DEMO_A_ECHO", pad = 3)]
pub struct Echo<'a> {
    /// Text echoed back unchanged.
    #[nla(id = 1, max_len = 256)]
    pub msg: &'a str,
    /// Opaque number echoed back unchanged.
    #[nla(id = 2)]
    pub cookie: Option<u64>,
}

/// Metadata of an entry (a nested set).
#[derive(Debug, Clone, PartialEq, Eq, Default, AttrSet)]
#[genl(c_prefix = "GENL_DEMO_A_META")]
pub struct KvMeta {
    /// The entry's state.
    #[nla(id = 1)]
    pub state: Option<KvState>,
    /// A port number, in network byte order on the wire.
    #[nla(id = 2, be)]
    pub port: Option<u16>,
}

/// A key/value entry: request of `KV_SET`, reply of `KV_GET`.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "GENL_DEMO_A_KV")]
pub struct KvEntry<'a> {
    /// The key, 1 to 64 bytes.
    #[nla(id = 1, min_len = 1, max_len = 64)]
    pub key: &'a str,
    /// The value, up to 1024 bytes.
    #[nla(id = 2, max_len = 1024)]
    pub value: Option<&'a [u8]>,
    /// Metadata.
    #[nla(id = 3, nested)]
    pub meta: Option<KvMeta>,
}

/// A key alone: request of `KV_GET` and `KV_DEL`, a subset of [`KvEntry`]
/// (the key's id and limits are [`KvEntry`]'s).
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = KvEntry)]
pub struct KvKey<'a> {
    /// The key.
    pub key: &'a str,
}

/// Request and (later) reply of `DEFERRED`.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "GENL_DEMO_A_DEFER")]
pub struct Deferred {
    /// Caller-chosen id, echoed in the reply.
    #[nla(id = 1)]
    pub id: u32,
    /// How long the module waits before replying, 0 to 10000 ms.
    #[nla(id = 2, max = 10000)]
    pub delay_ms: Option<u32>,
}

/// A change notification on the `events` group.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "GENL_DEMO_A_EVENT")]
pub struct KvEvent<'a> {
    /// What happened.
    #[nla(id = 1)]
    pub op: KvOp,
    /// The entry's key.
    #[nla(id = 2)]
    pub key: &'a str,
    /// The new value (for `Set`).
    #[nla(id = 3)]
    pub value: Option<&'a [u8]>,
}

/// The commands of the `genl_demo` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(
    name = "genl_demo",
    version = 1,
    c_prefix = "GENL_DEMO",
    mcast_groups("events")
)]
pub enum DemoCmd {
    /// Echo a message back.
    #[genl(cmd = 1, request = Echo<'a>, reply = Echo<'a>)]
    Echo,
    /// Create or replace an entry (needs `CAP_NET_ADMIN`).
    #[genl(cmd = 2, request = KvEntry<'a>, admin_perm)]
    KvSet,
    /// Get one entry, or dump all of them.
    #[genl(cmd = 3, request = KvKey<'a>, reply = KvEntry<'a>, dump)]
    KvGet,
    /// Delete an entry (needs `CAP_NET_ADMIN`).
    #[genl(cmd = 4, request = KvKey<'a>, admin_perm)]
    KvDel,
    /// Answered later, from a workqueue.
    #[genl(cmd = 5, request = Deferred, reply = Deferred)]
    Deferred,
    /// Notification sent to the `events` group on every change.
    #[genl(cmd = 6, reply = KvEvent<'a>, event = "events")]
    KvEvent,
}
