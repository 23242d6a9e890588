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
//! Each command is also a type (`demo_cmd::KvGet`, see [`command`]) that
//! carries its request and reply types: `conn.query(demo_cmd::KvGet, &e)`
//! returns a `KvEntry`, and a wrong request type does not compile.
//!
//! Modules, one per concept:
//!
//! | module | what it is |
//! |---|---|
//! | [`wire`] | the attribute TLV format: writer, zero-copy iterator |
//! | [`codec`] | the traits the derives implement, built-in value types |
//! | [`multi`] | lazily decoded repeated attributes |
//! | [`flags`] | bit flags of a flags value enum in one attribute |
//! | [`schema`] | the `const` descriptors the derives emit, compile-time family checks |
//! | [`command`] | typed commands: each command's request and reply types |
//! | [`message`] | netlink and genl headers, message iteration, classification, flags |
//! | [`extack`] | `NLMSG_ERROR`/`NLMSG_DONE` payloads, extended ACK, attribute paths |
//! | `engine` (private) | the sans-IO request engine every connection drives |
//! | [`resolve`] | family resolution, its cache and the retry after a reload |
//! | `demux` (private) | many requests on one socket: each reply to its request |
//! | [`sys`] | the operating system's netlink socket |
//! | [`pcap`] | recording what sockets send and receive, as nlmon would |
//! | [`transport`] | what a connection needs from the kernel (real or [`testing`]) |
//! | [`connection`] | the blocking [`Connection`], its dumps and [`Subscription`] |
//! | [`batch`] | pipelined requests: many per datagram, each with its own outcome |
//! | [`sync`] | [`SharedConnection`], for many threads |
//! | `tokio` | async connections and subscription (feature `tokio`) |
//! | [`owned`] | owned messages for threads, tasks and iterators |
//! | [`classic`] | classic netlink: any protocol, any peer |
//! | [`controller`] | nlctrl, declared with these same derives |
//! | [`drift`] | a schema against the running kernel's policy |
//! | [`support`] | what the running module supports; typed requests it cannot take fail before sending |
//! | [`testing`] | a fake kernel that serves families from closures (feature `testing`) |
//! | [`error`] | every error type |

#![warn(missing_docs)]

// Lets the derives' `::genl_core::...` paths resolve inside this crate.
extern crate self as genl_core;

pub mod batch;
pub mod bitfield;
pub mod classic;
mod client;
pub mod codec;
pub mod command;
pub mod connection;
pub mod controller;
mod demux;
pub mod drift;
pub mod dump;
mod engine;
pub mod error;
pub mod extack;
mod families;
pub mod flags;
pub mod header;
pub mod message;
pub mod module_features;
pub mod multi;
mod nlmsg;
pub mod owned;
pub mod pcap;
pub mod resolve;
pub mod schema;
pub mod subscription;
pub mod support;
pub mod sync;
pub mod sys;
#[cfg(any(test, doc, feature = "testing"))]
pub mod testing;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod transport;
pub mod varint;
pub mod wire;

#[cfg(feature = "tokio")]
pub use crate::tokio::{AsyncConnection, AsyncSharedConnection, AsyncSubscription, AsyncTransport};
pub use batch::Batch;
pub use bitfield::Bitfield32;
#[doc(hidden)]
pub use codec::__private;
pub use codec::{
    AttrEnum, AttrEnumIter, AttrSet, Be, Decode, DecodeOwned, Encode, Family, Keyed, NlaValue,
    ValueEnum,
};
pub use command::{Ack, Command, DumpCommand, Notification, Query};
pub use connection::Connection;
pub use dump::{Dump, RawDump};
pub use error::{
    DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, KernelError, Result,
    Unsupported,
};
pub use flags::Flags;
pub use header::{FixedHeader, Headed};
pub use message::{GenlHeader, GenlMessage, GenlView};
pub use multi::{LazyMulti, LazyMultiIter, Multi, MultiIter};
pub use owned::{Event, Item, OwnedMessage, Reply};
pub use resolve::ResolvedFamily;
pub use subscription::Subscription;
pub use sync::SharedConnection;
pub use transport::Transport;
pub use varint::{Sint, Uint};
pub use wire::{Attr, AttrIter, AttrWriter};

/// Derive macros (re-exported from `genl-derive`, as serde does).
pub use genl_derive::{AttrSet, Attrs, Family, ValueEnum};

/// Re-export of the netlink-packet-core crate the message layer builds on.
pub use netlink_packet_core;
