//! # genl-core
//!
//! A Rust framework for Linux **generic netlink** where one Rust schema is
//! the single source of truth. Annotate structs and enums; the derives
//! generate the attribute codec, command and attribute ids, the family
//! descriptor, and a `const` schema that code generators (C headers, YNL
//! specs, drift checks) read.
//!
//! ```
//! use genl_core::{AttrSet, Decode, Encode, Family, ValueEnum};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
//! #[repr(u32)]
//! pub enum State { Up = 1, Down = 2 }
//!
//! /// A key/value entry.
//! #[derive(Debug, PartialEq, AttrSet)]
//! #[genl(c_prefix = "DEMO_A_KV")]
//! pub struct KvEntry<'a> {
//!     #[nla(id = 1, max_len = 64)] pub key: &'a str,
//!     #[nla(id = 2)] pub value: Option<&'a [u8]>,
//!     #[nla(id = 3, multi)] pub tags: Vec<u32>,
//!     #[nla(id = 4)] pub state: Option<State>,
//!     #[nla(id = 5, be)] pub port: Option<u16>,
//! }
//!
//! #[derive(Debug, Clone, Copy, Family)]
//! #[genl(name = "genl_demo", version = 1, mcast_groups("events"))]
//! pub enum DemoCmd {
//!     #[genl(cmd = 1, request = KvEntry<'a>, admin_perm)] KvSet,
//!     #[genl(cmd = 2, request = KvEntry<'a>, reply = KvEntry<'a>, dump)] KvGet,
//! }
//!
//! let e = KvEntry { key: "k", value: Some(b"v"), tags: vec![1, 2],
//!                   state: Some(State::Up), port: Some(80) };
//! let bytes = e.encode_to_vec()?;
//! assert_eq!(KvEntry::decode(&bytes)?, e);   // borrows from `bytes`
//! assert_eq!(DemoCmd::SCHEMA.name, "genl_demo");
//! assert_eq!(KvEntry::SCHEMA.attrs[0].checks.max_len, Some(64));
//! assert_eq!(KvEntry::PORT, 5);                  // ids as constants
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each command is also a type (`demo_cmd::KvGet`, see [`Command`]) that
//! carries its request and reply types: `conn.query(demo_cmd::KvGet, &e)`
//! returns a `KvEntry`, and a wrong request type does not compile.
//!
//! The public API by concept. The clients and the traits users name are at
//! the crate root; a module is public where it holds a concept's several
//! items.
//!
//! | concept | where |
//! |---|---|
//! | the attribute TLV format: writer, zero-copy iterator | [`wire`]: [`AttrWriter`], [`AttrIter`], [`Attr`] |
//! | the traits the derives implement, built-in value types | [`codec`]: [`AttrSet`], [`Decode`], [`Encode`], [`ValueEnum`], [`Family`], [`Be`]; [`Bitfield32`], [`Flags`], [`Uint`], [`Sint`] |
//! | repeated attributes, decoded without allocating | [`multi`]: [`CheckedMulti`], [`DeferredMulti`] |
//! | users' fixed headers | [`fixed_header`]: [`FixedHeader`], [`Headed`] |
//! | the `const` descriptors the derives emit, compile-time family checks | [`schema`] |
//! | typed commands: each command's request and reply types | [`Command`], [`DoCommand`] ([`Query`] or [`Ack`]), [`DumpCommand`], [`Notification`] |
//! | netlink and genl headers, message building, iteration, classification | [`message`]: [`GenlHeader`], [`GenlView`] |
//! | `NLMSG_ERROR`/`NLMSG_DONE` payloads, extended ACK, attribute paths | [`extack`]: [`KernelError`] |
//! | the blocking client, its dumps and batches | [`Connection`], [`Dump`], [`RawDump`], [`RawRequest`], [`Batch`], [`DEFAULT_TIMEOUT`] |
//! | one connection for many threads | [`SharedConnection`] |
//! | async connections and subscription (feature `tokio`) | `AsyncConnection`, `AsyncSharedConnection`, `AsyncSubscription`, `AsyncTransport`, `TokioSocket` |
//! | multicast notifications | [`Subscription`] |
//! | owned messages for threads, tasks and iterators | [`OwnedMessage`], [`Reply`], [`Item`], [`Event`] |
//! | family resolution, its cache and the retry after a reload | [`resolve`]: [`ResolvedFamily`] |
//! | the operating system's netlink socket | [`sys`] |
//! | what a connection needs from the kernel (real or [`testing`]) | [`transport`]: [`Transport`] |
//! | recording what sockets send and receive, as nlmon would | [`pcap`] |
//! | classic netlink: any protocol, any peer | [`classic`] |
//! | nlctrl, declared with these same derives | [`controller`] |
//! | a schema against the running kernel's policy | [`drift`] |
//! | what the running module supports; typed requests it cannot take fail before sending | [`support`], [`module_features`] |
//! | netlink-packet-core's `NetlinkMessage` with a typed payload | [`packet_core`] |
//! | a fake kernel that serves families from closures (feature `testing`) | [`testing`] |
//! | every error type | [`error`]: [`Error`], [`DecodeError`], [`EncodeError`] |
//!
//! Private, beneath every client: the sans-IO request engine (`engine`),
//! the demultiplexer of many requests on one socket (`demux`) and the one
//! typed-send path all clients share (`client`).

#![warn(missing_docs)]

// Lets the derives' `::genl_core::...` paths resolve inside this crate.
extern crate self as genl_core;

#[doc(hidden)]
pub mod __private;
mod batch;
mod bitfield;
pub mod classic;
mod client;
pub mod codec;
mod command;
mod connection;
pub mod controller;
mod demux;
pub mod drift;
mod dump;
mod engine;
pub mod error;
pub mod extack;
mod families;
pub mod fixed_header;
mod flags;
pub mod message;
pub mod module_features;
pub mod multi;
mod nlmsg;
mod owned;
pub mod packet_core;
pub mod pcap;
mod request;
pub mod resolve;
pub mod schema;
mod subscription;
pub mod support;
mod sync;
pub mod sys;
#[cfg(any(test, doc, feature = "testing"))]
pub mod testing;
#[cfg(feature = "tokio")]
mod tokio;
pub mod transport;
pub mod uint;
pub mod wire;

#[cfg(feature = "tokio")]
pub use crate::tokio::{
    AsyncConnection, AsyncSharedConnection, AsyncSubscription, AsyncTransport, TokioSocket,
};
pub use batch::{Batch, ROUND_BYTES, ROUND_REQUESTS};
pub use bitfield::Bitfield32;
pub use codec::{
    AttrEnum, AttrEnumIter, AttrSet, Be, Decode, DecodeOwned, Encode, Family, Keyed, NlaValue,
    ValueEnum,
};
pub use command::{Ack, Command, DoCommand, DumpCommand, Notification, Query};
pub use connection::{Connection, DEFAULT_TIMEOUT};
pub use dump::{Dump, RawDump};
pub use error::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, KernelError, OutOfRange,
    Result, Unsupported,
};
pub use fixed_header::{FixedHeader, Headed};
pub use flags::Flags;
pub use message::{GenlHeader, GenlView};
pub use multi::{CheckedMulti, CheckedMultiIter, DeferredMulti, DeferredMultiIter};
pub use owned::{Event, Item, OwnedMessage, Reply};
pub use request::RawRequest;
pub use resolve::ResolvedFamily;
pub use subscription::Subscription;
pub use sync::SharedConnection;
pub use transport::Transport;
pub use uint::{Sint, Uint};
pub use wire::{Attr, AttrIter, AttrWriter};

/// Derive macros (re-exported from `genl-derive`, as serde does).
pub use genl_derive::{AttrEnum, AttrSet, Family, ValueEnum};

/// Re-export of the netlink-packet-core crate the message layer builds on.
pub use netlink_packet_core;
