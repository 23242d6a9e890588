//! Many requests on one socket: every received message goes to the
//! request its sequence number names, controller notifications go to all
//! of them, and the replies are kept (owned) until their request
//! completes. The thread-shared [`SharedConnection`](crate::SharedConnection)
//! and the tokio connections read their socket through this; the
//! [engine] decides what each message does to its request.
//!
//! [engine]: crate::engine

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use crate::engine::{self, CtrlEvent, Exchange, Route, Step};
use crate::error::{Error, Result};
use crate::families::{self, FamilyState};
use crate::message::{Messages, NlMessage};
use crate::owned::OwnedMessage;
use crate::schema::AttrSetSchema;

/// The owned replies of one request: the first in place (most requests
/// have one, which then costs no list), any more in a list.
#[derive(Debug, Default)]
pub(crate) struct Replies {
    first: Option<OwnedMessage>,
    rest: Vec<OwnedMessage>,
}

impl Replies {
    /// Adds the next reply.
    fn push(&mut self, m: OwnedMessage) {
        match self.first {
            None => self.first = Some(m),
            Some(_) => self.rest.push(m),
        }
    }

    /// How many replies there are.
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// The last reply (a `do`'s only one: the engine refuses a second).
    pub(crate) fn pop(&mut self) -> Option<OwnedMessage> {
        self.rest.pop().or_else(|| self.first.take())
    }
}

impl IntoIterator for Replies {
    type Item = OwnedMessage;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<OwnedMessage>, std::vec::IntoIter<OwnedMessage>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

/// One request in flight: its engine state and its replies so far.
#[derive(Debug)]
pub(crate) struct Pending {
    ex: Exchange,
    replies: Replies,
}

impl Pending {
    /// Request `ex`, with `first` its first reply if the caller already
    /// took it from a datagram (the engine counted it).
    pub(crate) fn new(ex: Exchange, first: Option<OwnedMessage>) -> Self {
        Pending {
            ex,
            replies: Replies {
                first,
                rest: Vec::new(),
            },
        }
    }

    /// Takes one message routed to it.
    fn absorb(&mut self, msg: &NlMessage<'_>) {
        if let Step::Reply(v) = self.ex.absorb(msg) {
            self.replies.push(OwnedMessage::from_view(&v));
        }
    }

    /// Whether the request is complete.
    pub(crate) fn is_done(&self) -> bool {
        self.ex.is_done()
    }

    /// The outcome: the replies, or the error with its extack paths
    /// resolved against `request` (the message sent) through `schema`.
    pub(crate) fn finish(
        self,
        request: &[u8],
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Replies> {
        self.ex.finish(request, schema)?;
        Ok(self.replies)
    }
}

/// Hashes a sequence number with one multiplication (Fibonacci hashing),
/// which spreads consecutive numbers over the table: a socket's own
/// numbers need no protection against chosen keys, and SipHash cost a
/// request some 400 instructions over its insert, lookups and removal.
#[derive(Default)]
pub(crate) struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The requests in flight on one socket, by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    /// One request in place: a lone request (the common case, and the
    /// only one of an `AsyncConnection`) costs no hashing.
    first: Option<Pending>,
    /// The others, by sequence number.
    more: HashMap<u32, Pending, BuildHasherDefault<SeqHasher>>,
}

impl Requests {
    /// Registers `ex` (before its request is sent, so no reply can be
    /// missed).
    pub(crate) fn insert(&mut self, ex: Exchange) {
        self.insert_with(ex, None);
    }

    /// [`insert`](Self::insert) for a request whose first reply the caller
    /// already took from a datagram (the engine counted it).
    pub(crate) fn insert_with(&mut self, ex: Exchange, first: Option<OwnedMessage>) {
        let p = Pending::new(ex, first);
        match self.first {
            None => self.first = Some(p),
            Some(_) => {
                self.more.insert(p.ex.seq(), p);
            }
        }
    }

    /// Forgets every request (keeping the table's capacity).
    #[cfg(feature = "tokio")]
    pub(crate) fn clear(&mut self) {
        self.first = None;
        self.more.clear();
    }

    /// Removes request `seq` (complete, or given up).
    pub(crate) fn remove(&mut self, seq: u32) -> Option<Pending> {
        if self.first.as_ref().is_some_and(|p| p.ex.seq() == seq) {
            return self.first.take();
        }
        self.more.remove(&seq)
    }

    /// Request `seq`, if in flight.
    fn get(&self, seq: u32) -> Option<&Pending> {
        match &self.first {
            Some(p) if p.ex.seq() == seq => Some(p),
            _ => self.more.get(&seq),
        }
    }

    /// Request `seq`, if in flight, to update.
    fn get_mut(&mut self, seq: u32) -> Option<&mut Pending> {
        match &mut self.first {
            Some(p) if p.ex.seq() == seq => Some(p),
            _ => self.more.get_mut(&seq),
        }
    }

    /// Every request in flight.
    fn all(&mut self) -> impl Iterator<Item = &mut Pending> {
        self.first.iter_mut().chain(self.more.values_mut())
    }

    /// Whether request `seq` is complete.
    pub(crate) fn is_done(&self, seq: u32) -> bool {
        self.get(seq).is_some_and(Pending::is_done)
    }

    /// Routes every message of `datagram` (received on port `portid`);
    /// returns the controller notifications it carried, each already given
    /// to every request. Messages of requests no longer waiting are
    /// dropped, never handed to another.
    pub(crate) fn dispatch(&mut self, datagram: &[u8], portid: u32) -> Vec<Option<CtrlEvent>> {
        let mut events = Vec::new();
        for msg in Messages::new(datagram) {
            // A malformed datagram: its requests learn nothing more from
            // it; they end by their own deadline.
            let Ok(msg) = msg else { break };
            match engine::route(&msg, portid) {
                Route::Request(seq) => {
                    if let Some(p) = self.get_mut(seq) {
                        p.absorb(&msg);
                    }
                }
                Route::Control(ev) => {
                    if let Some(e) = &ev {
                        for p in self.all() {
                            p.ex.on_control(e);
                        }
                    }
                    events.push(ev);
                }
                Route::Ignore => {}
            }
        }
        events
    }

    /// The socket overflowed: every request's answer may be lost, so each
    /// fails with [`Error::EventsLost`] rather than waiting.
    pub(crate) fn on_overflow(&mut self) {
        for p in self.all() {
            p.ex.on_overflow();
        }
    }

    /// After a datagram is dispatched: while a request waits on a deleted
    /// family ([`Exchange::awaits_idle`]), reads what is already queued
    /// with `try_recv` (non-blocking; `Ok(false)`: nothing) into `rx`, and
    /// once nothing is, ends those requests. Returns the notifications
    /// read; `Err(EventsLost)` has been applied to every request.
    pub(crate) fn settle(
        &mut self,
        portid: u32,
        rx: &mut Vec<u8>,
        mut try_recv: impl FnMut(&mut Vec<u8>) -> Result<bool>,
    ) -> Result<Vec<Option<CtrlEvent>>> {
        let mut events = Vec::new();
        while self.all().any(|p| p.ex.awaits_idle()) {
            match try_recv(rx) {
                Ok(true) => events.extend(self.dispatch(rx, portid)),
                Ok(false) => {
                    for p in self.all() {
                        p.ex.on_idle();
                    }
                }
                Err(Error::EventsLost) => {
                    self.on_overflow();
                    events.push(None);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(events)
    }
}

/// The state of a socket that many requesters share (threads of a
/// [`SharedConnection`](crate::SharedConnection), tasks of an
/// [`AsyncSharedConnection`](crate::AsyncSharedConnection)): the requests
/// in flight, and the reader role. A requester whose request is not yet
/// complete reads the socket itself when no one else is reading, and
/// hands every message to the request it belongs to; the others wait in
/// `waiters` (threads on a condition variable, tasks by their wakers) and
/// are woken only when there are any.
#[derive(Debug, Default)]
pub(crate) struct Demux<W> {
    /// Whether a requester is reading the socket.
    pub(crate) reader_active: bool,
    /// Whoever waits for the reader.
    pub(crate) waiters: W,
    /// The reader's receive buffer, kept between requests.
    pub(crate) rx: Vec<u8>,
    /// The requests in flight.
    pub(crate) requests: Requests,
}

impl<W> Demux<W> {
    /// Takes the outcome `received` of a receive into `rx` on the socket
    /// with port `portid`: a datagram is dispatched (reading on with
    /// `try_recv` while a request waits on a deleted family, see
    /// [`Requests::settle`]), an overflow fails every request. Returns the
    /// controller notifications read (`None`: some may be lost), for the
    /// family cache; a socket error is returned as it is.
    pub(crate) fn absorb(
        &mut self,
        received: Result<()>,
        portid: u32,
        try_recv: impl FnMut(&mut Vec<u8>) -> Result<bool>,
    ) -> Result<Vec<Option<CtrlEvent>>> {
        match received {
            Ok(()) => {
                let mut events = self.requests.dispatch(&self.rx, portid);
                // On a socket error the requests end by their deadlines,
                // or by the next read.
                if let Ok(more) = self.requests.settle(portid, &mut self.rx, try_recv) {
                    events.extend(more);
                }
                Ok(events)
            }
            Err(Error::EventsLost) => {
                self.requests.on_overflow();
                Ok(vec![None])
            }
            Err(e) => Err(e),
        }
    }

    /// Reads with `try_recv` what is queued on the socket, unless a reader
    /// is active (it reads it anyway: `None`), and applies the controller
    /// notifications read to the shared cache `families`. The caller wakes
    /// whoever the datagrams read completed.
    pub(crate) fn drain_queued(
        &mut self,
        portid: u32,
        try_recv: impl FnMut(&mut Vec<u8>) -> Result<bool>,
        families: &Mutex<FamilyState>,
    ) -> Option<Result<()>> {
        if self.reader_active {
            return None;
        }
        let (events, r) = self.drain(portid, try_recv);
        families::apply(families, events);
        Some(r)
    }

    /// Reads with `try_recv` what is queued on the socket, absorbing each
    /// datagram, until nothing is ([`absorb`](Self::absorb)); returns the
    /// notifications read. On a socket error they end with `None`: what
    /// follows it is unknown, the cache forgets all.
    fn drain(
        &mut self,
        portid: u32,
        mut try_recv: impl FnMut(&mut Vec<u8>) -> Result<bool>,
    ) -> (Vec<Option<CtrlEvent>>, Result<()>) {
        let mut events = Vec::new();
        loop {
            let r = match try_recv(&mut self.rx) {
                Ok(false) => return (events, Ok(())),
                r => self.absorb(r.map(drop), portid, &mut try_recv),
            };
            match r {
                Ok(more) => events.extend(more),
                Err(e) => {
                    events.push(None);
                    return (events, Err(e));
                }
            }
        }
    }
}
