//! Typed commands: each command of a family is a type that carries its
//! request and reply types, so that the connection's methods only accept the
//! request a command declares and return the reply it declares.
//!
//! `#[derive(Family)]` on `enum DemoCmd` writes a module `demo_cmd` with one
//! unit struct per command, implementing [`Command`] and, as the command
//! has them, [`DoCommand`] with [`Query`] or [`Ack`], [`DumpCommand`] and
//! [`Notification`]:
//!
//! ```no_run
//! use genl_core::{AttrSet, Connection, Family};
//!
//! #[derive(Debug, AttrSet)]
//! pub struct Entry<'a> {
//!     #[nla(id = 1, max_len = 64)] pub key: &'a str,
//!     #[nla(id = 2)] pub value: Option<&'a [u8]>,
//! }
//! #[derive(AttrSet)]
//! #[genl(subset_of = Entry)]
//! pub struct Key<'a> { pub key: &'a str }
//!
//! #[derive(Debug, Clone, Copy, Family)]
//! #[genl(name = "genl_demo", version = 1)]
//! pub enum DemoCmd {
//!     #[genl(cmd = 2, request = Entry<'a>, admin_perm)] KvSet,
//!     #[genl(cmd = 3, request = Key<'a>, reply = Entry<'a>, dump)] KvGet,
//! }
//!
//! let mut conn = Connection::new()?;
//! conn.request(demo_cmd::KvSet, &Entry { key: "k", value: Some(b"v") })?;
//! let e = conn.query(demo_cmd::KvGet, &Key { key: "k" })?;   // an `Entry`
//! println!("{:?}", e.value);
//! let mut dump = conn.dump(demo_cmd::KvGet, &())?;
//! while let Some(e) = dump.next()? {                          // `Entry`s
//!     println!("{}", e.key);
//! }
//! # Ok::<(), genl_core::Error>(())
//! ```
//!
//! Sending `demo_cmd::KvGet` with an `Entry`, or reading its reply as
//! anything but an `Entry`, does not compile; neither does `query` on a
//! command answered by an ACK only.

use crate::codec::{Decode, Encode, Family};
use crate::schema::CommandSchema;

/// A command of a family, as a type.
pub trait Command: Copy + Send + Sync + 'static {
    /// The family (its `#[derive(Family)]` enum).
    type Family: Family;
    /// The command number (`genlmsghdr.cmd`).
    const ID: u8;
    /// The Rust name of the command (the enum variant).
    const NAME: &'static str;

    /// The command's schema. This default searches the family's commands
    /// by number; `#[derive(Family)]` returns the command's place in that
    /// list instead (checked at compile time), with no search per request.
    fn schema() -> &'static CommandSchema {
        Self::Family::SCHEMA
            .command(Self::ID)
            .expect("a typed command is in its family's schema")
    }
}

/// A command with a `do` operation: the request it takes. Each such
/// command is also either a [`Query`] (answered with a reply) or an
/// [`Ack`] (answered by an ACK only), the traits the connections' methods
/// ask for.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a command with a `do` operation: pass the type `#[derive(Family)]` writes for the command (`demo_cmd::KvSet`), not a variant of the family enum (`DemoCmd::KvSet`)"
)]
pub trait DoCommand: Command {
    /// The request's attribute set (`()` for none).
    type Request<'a>: Encode;
}

/// A command whose `do` operation returns a reply (`request = T, reply = R`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `do` operation with a reply",
    label = "`query` needs a command declared with `reply = ...`",
    note = "a command answered by an ACK only is sent with `request`; a dump-only command with `dump`",
    note = "commands are passed as the types `#[derive(Family)]` writes (`demo_cmd::KvGet`), not as variants of the family enum (`DemoCmd::KvGet`)"
)]
pub trait Query: DoCommand {
    /// The reply's attribute set, decoded borrowing the receive buffer.
    type Reply<'a>: Decode<'a>;
}

/// A command whose `do` operation is answered by an ACK only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `do` operation answered by an ACK only",
    label = "`request` needs a command declared without `reply`",
    note = "a command with a reply is sent with `query`; a dump-only command with `dump`",
    note = "commands are passed as the types `#[derive(Family)]` writes (`demo_cmd::KvSet`), not as variants of the family enum (`DemoCmd::KvSet`)"
)]
pub trait Ack: DoCommand {}

/// A command with a `dump` operation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `dump` operation",
    label = "`dump` needs a command declared with `dump` or `dump_only`",
    note = "commands are passed as the types `#[derive(Family)]` writes (`demo_cmd::KvGet`), not as variants of the family enum (`DemoCmd::KvGet`)"
)]
pub trait DumpCommand: Command {
    /// The dump request's attribute set (`()` for none).
    type DumpRequest<'a>: Encode;
    /// The attribute set of each dumped message.
    type Item<'a>: Decode<'a>;
}

/// A notification the kernel multicasts (`event`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event",
    label = "declare the command with `event`"
)]
pub trait Notification: Command {
    /// The attribute set the notification carries.
    type Event<'a>: Decode<'a>;
    /// The multicast group it is sent to.
    const GROUP: &'static str;
}
