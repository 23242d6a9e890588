//! Many requests on one socket: every received message goes to the
//! request its sequence number names, controller notifications go to all
//! of them, and the replies are kept (owned) until their request
//! completes. The thread-shared [`SharedConnection`](crate::SharedConnection)
//! and the tokio connections read their socket through this; the
//! [engine] decides what each message does to its request.
//!
//! [engine]: crate::engine

use std::collections::HashMap;

use crate::engine::{self, CtrlEvent, Exchange, Route, Step};
use crate::error::{Error, Result};
use crate::message::{Messages, NlMessage};
use crate::owned::OwnedMessage;
use crate::schema::AttrSetSchema;

/// One request in flight: its engine state and its replies so far.
#[derive(Debug)]
pub(crate) struct Pending {
    ex: Exchange,
    replies: Vec<OwnedMessage>,
}

impl Pending {
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
    ) -> Result<Vec<OwnedMessage>> {
        self.ex.finish(request, schema)?;
        Ok(self.replies)
    }
}

/// The requests in flight on one socket, by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    pending: HashMap<u32, Pending>,
}

impl Requests {
    /// Registers `ex` (before its request is sent, so no reply can be
    /// missed).
    pub(crate) fn insert(&mut self, ex: Exchange) {
        self.pending.insert(
            ex.seq(),
            Pending {
                ex,
                replies: Vec::new(),
            },
        );
    }

    /// Forgets every request (keeping the table's capacity).
    #[cfg(feature = "tokio")]
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Removes request `seq` (complete, or given up).
    pub(crate) fn remove(&mut self, seq: u32) -> Option<Pending> {
        self.pending.remove(&seq)
    }

    /// Whether request `seq` is complete.
    pub(crate) fn is_done(&self, seq: u32) -> bool {
        self.pending.get(&seq).is_some_and(Pending::is_done)
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
                    if let Some(p) = self.pending.get_mut(&seq) {
                        p.absorb(&msg);
                    }
                }
                Route::Control(ev) => {
                    if let Some(e) = &ev {
                        for p in self.pending.values_mut() {
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
        for p in self.pending.values_mut() {
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
        while self.pending.values().any(|p| p.ex.awaits_idle()) {
            match try_recv(rx) {
                Ok(true) => events.extend(self.dispatch(rx, portid)),
                Ok(false) => {
                    for p in self.pending.values_mut() {
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

    /// The sequence numbers of the complete requests.
    #[cfg(feature = "tokio")]
    pub(crate) fn done(&self) -> impl Iterator<Item = u32> + '_ {
        self.pending
            .iter()
            .filter(|(_, p)| p.is_done())
            .map(|(seq, _)| *seq)
    }
}
