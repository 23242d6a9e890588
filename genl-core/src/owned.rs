//! Owned messages: a received message copied out of the receive buffer,
//! for connections that hand replies across threads or tasks
//! ([`SharedConnection`](crate::SharedConnection), the tokio connections)
//! and for iterators ([`Dump::owned`](crate::Dump::owned)). The typed
//! wrappers [`Reply`] and [`Item`] decode as their command declares.

use crate::codec::Decode;
use crate::command::{DumpCommand, Query};
use crate::error::{DecodeError, Result};
use crate::message::{GenlHeader, GenlView, GENL_HDRLEN};

/// One generic netlink message, owned: the genl header and attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedMessage {
    payload: Vec<u8>,
    family_id: u16,
}

impl OwnedMessage {
    /// Copies `v` out of its buffer.
    pub fn from_view(v: &GenlView<'_>) -> OwnedMessage {
        let mut payload = Vec::with_capacity(GENL_HDRLEN + v.attrs.len());
        payload.extend_from_slice(&v.genl.to_bytes());
        payload.extend_from_slice(v.attrs);
        OwnedMessage {
            payload,
            family_id: v.header.message_type,
        }
    }

    /// The generic netlink header.
    pub fn genl(&self) -> GenlHeader {
        GenlHeader {
            cmd: self.payload[0],
            version: self.payload[1],
        }
    }

    /// The attributes.
    pub fn attrs(&self) -> &[u8] {
        &self.payload[GENL_HDRLEN..]
    }

    /// The family id the message came with (`nlmsg_type`).
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    /// Decodes the attributes as `T`, borrowing from this message.
    pub fn decode<'a, T: Decode<'a>>(&'a self) -> Result<T, DecodeError> {
        T::decode(self.attrs())
    }
}

/// The owned reply of a typed command's `do` operation.
pub struct Reply<C: Query> {
    raw: OwnedMessage,
    _cmd: std::marker::PhantomData<fn() -> C>,
}

impl<C: Query> Reply<C> {
    pub(crate) fn new(raw: OwnedMessage) -> Self {
        Reply {
            raw,
            _cmd: std::marker::PhantomData,
        }
    }

    /// Decodes the reply as the command declares it, borrowing from it.
    pub fn get(&self) -> Result<C::Reply<'_>, DecodeError> {
        self.raw.decode()
    }

    /// The undecoded reply.
    pub fn raw(&self) -> &OwnedMessage {
        &self.raw
    }
}

impl<C: Query> std::fmt::Debug for Reply<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("command", &C::NAME)
            .field("raw", &self.raw)
            .finish()
    }
}

/// One owned message of a typed command's dump.
pub struct Item<C: DumpCommand> {
    raw: OwnedMessage,
    _cmd: std::marker::PhantomData<fn() -> C>,
}

impl<C: DumpCommand> Item<C> {
    pub(crate) fn new(raw: OwnedMessage) -> Self {
        Item {
            raw,
            _cmd: std::marker::PhantomData,
        }
    }

    /// Decodes the message as the command declares it, borrowing from it.
    pub fn get(&self) -> Result<C::Item<'_>, DecodeError> {
        self.raw.decode()
    }

    /// The undecoded message.
    pub fn raw(&self) -> &OwnedMessage {
        &self.raw
    }
}

impl<C: DumpCommand> std::fmt::Debug for Item<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item")
            .field("command", &C::NAME)
            .field("raw", &self.raw)
            .finish()
    }
}

/// One owned notification of a typed event command.
pub struct Event<C: crate::command::Notification> {
    raw: OwnedMessage,
    _cmd: std::marker::PhantomData<fn() -> C>,
}

impl<C: crate::command::Notification> Event<C> {
    /// `raw` as notification `C`, if it is one (its command number);
    /// otherwise `raw` back.
    pub fn from_message(raw: OwnedMessage) -> std::result::Result<Self, OwnedMessage> {
        if raw.genl().cmd == C::ID {
            Ok(Event {
                raw,
                _cmd: std::marker::PhantomData,
            })
        } else {
            Err(raw)
        }
    }

    /// Decodes the notification as the command declares it.
    pub fn get(&self) -> Result<C::Event<'_>, DecodeError> {
        self.raw.decode()
    }

    /// The undecoded notification.
    pub fn raw(&self) -> &OwnedMessage {
        &self.raw
    }
}

impl<C: crate::command::Notification> std::fmt::Debug for Event<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("command", &C::NAME)
            .field("raw", &self.raw)
            .finish()
    }
}
