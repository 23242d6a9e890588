//! Pipelined requests: many ACK-only commands sent without waiting for
//! each answer, a datagram holding many of them, each request's own
//! outcome reported (see [`Batch`]).

use crate::client;
use crate::codec::{Encode, Family};
use crate::command::Ack;
use crate::connection::Connection;
use crate::engine::{self, Round, Route};
use crate::error::Result;
use crate::message::{self, GenlHeader, Messages, NLM_F_ACK, NLM_F_REQUEST};
use crate::request::RawRequest;
use crate::schema::AttrSetSchema;
use crate::sys::Socket;
use crate::transport::Transport;
use crate::wire::nla_align;

/// Requests per datagram at most. Every request of a round may fail, and
/// each error is a datagram of its own in the socket's receive queue, where
/// it is charged its whole buffer (about 1 KiB): 128 stay well inside the
/// default 208 KiB, so no error is dropped for lack of room.
pub const ROUND_REQUESTS: usize = 128;
/// Bytes of requests per datagram at most (far below the default send
/// buffer).
pub const ROUND_BYTES: usize = 32 * 1024;

/// One queued request.
#[derive(Debug)]
struct Queued {
    /// Where its message is in the batch's buffer.
    start: usize,
    end: usize,
    family_id: u16,
    /// Its own `nlmsg_flags` ([`RawRequest::flags`]).
    flags: u16,
    seq: u32,
    schema: Option<&'static AttrSetSchema>,
}

/// ACK-only commands sent together: [`request`](Self::request) queues each
/// (encoded at once: a bad request fails there), [`send`](Self::send) sends
/// them in rounds of up to [`ROUND_REQUESTS`] per datagram and returns each
/// request's outcome, in order. The kernel handles every request of a
/// datagram on its own, in order: one that fails (its errno, extack message
/// and attribute path in its outcome) does not stop the others.
///
/// Only the last request of a round asks for an ACK; an earlier one is
/// answered only if it fails. So a round costs one `sendmsg` and, when all
/// succeed, one receive.
///
/// ```no_run
/// # use genl_core::{AttrSet, Connection, Family};
/// # #[derive(AttrSet)] pub struct Entry<'a> { #[nla(id = 1)] pub key: &'a str }
/// # #[derive(Clone, Copy, Family)] #[genl(name = "genl_demo")]
/// # pub enum DemoCmd { #[genl(cmd = 2, request = Entry<'a>)] KvSet }
/// let mut conn = Connection::new()?;
/// let keys: Vec<String> = (0..10_000).map(|i| format!("key-{i}")).collect();
/// let mut batch = conn.batch();
/// for k in &keys {
///     batch.request(demo_cmd::KvSet, &Entry { key: k })?;
/// }
/// for (k, outcome) in keys.iter().zip(batch.send()?) {
///     if let Err(e) = outcome {
///         eprintln!("{k}: {e}");
///     }
/// }
/// # Ok::<(), genl_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Batch<'c, T: Transport = Socket> {
    conn: &'c mut Connection<T>,
    buf: Vec<u8>,
    queued: Vec<Queued>,
}

impl<'c, T: Transport> Batch<'c, T> {
    pub(crate) fn new(conn: &'c mut Connection<T>) -> Self {
        Batch {
            conn,
            buf: Vec::new(),
            queued: Vec::new(),
        }
    }

    /// Queues command `cmd` with `req` (its family resolved now); returns
    /// its index in [`send`](Self::send)'s outcomes.
    pub fn request<C: Ack>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<usize> {
        let _ = cmd;
        let fam = <C::Family as Family>::SCHEMA;
        let family_id = client::Client::family_id(&mut *self.conn, fam.name)?;
        let genl = GenlHeader {
            cmd: C::ID,
            version: fam.version,
        };
        self.request_by_id(RawRequest {
            schema: client::do_request::<C>(),
            ..RawRequest::new(family_id, genl, req)
        })
    }

    /// Queues an untyped request ([`RawRequest`]: any family by id, any
    /// attributes; its own flags are sent with the round's); the reply, if
    /// the kernel sends one, is an error for it.
    pub fn request_by_id<P: Encode + ?Sized>(&mut self, req: RawRequest<'_, P>) -> Result<usize> {
        let seq = self.conn.seq.next_mut();
        let start = nla_align(self.buf.len());
        // The flags are set when the rounds are known.
        let head = message::headers(req.family_id, 0, seq, req.genl);
        message::append_message(&mut self.buf, head, req.payload)?;
        self.queued.push(Queued {
            start,
            end: self.buf.len(),
            family_id: req.family_id,
            flags: req.flags,
            seq,
            schema: req.schema,
        });
        Ok(self.queued.len() - 1)
    }

    /// How many requests are queued.
    pub fn len(&self) -> usize {
        self.queued.len()
    }

    /// Whether no request is queued.
    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }

    /// Sends every queued request and waits for all of them; returns each
    /// one's outcome, in the order queued. `Err` only for what ends the
    /// whole batch (a socket error); a round the socket could not hold
    /// every answer of (`ENOBUFS`) reports [`EventsLost`] for the requests
    /// whose outcome is unknown.
    ///
    /// [`EventsLost`]: crate::Error::EventsLost
    pub fn send(mut self) -> Result<Vec<Result<()>>> {
        let mut out = Vec::with_capacity(self.queued.len());
        let mut first = 0;
        while first < self.queued.len() {
            let mut last = first;
            while last + 1 < self.queued.len()
                && last + 1 - first < ROUND_REQUESTS
                && self.queued[last + 1].end - self.queued[first].start <= ROUND_BYTES
            {
                last += 1;
            }
            out.extend(self.round(first, last)?);
            first = last + 1;
        }
        Ok(out)
    }

    /// Sends requests `first..=last` in one datagram and collects their
    /// outcomes.
    fn round(&mut self, first: usize, last: usize) -> Result<Vec<Result<()>>> {
        for (i, q) in self.queued[first..=last].iter().enumerate() {
            let flags = if first + i == last {
                NLM_F_REQUEST | NLM_F_ACK
            } else {
                NLM_F_REQUEST
            };
            crate::nlmsg::set_flags(&mut self.buf[q.start..], flags | q.flags);
        }
        let (start, end) = (self.queued[first].start, self.queued[last].end);
        self.conn.transport.send(&self.buf[start..end])?;
        self.conn.deadline = crate::transport::Deadline::new(self.conn.timeout);
        let seqs = self.queued[first..=last].iter().map(|q| q.seq).collect();
        let mut round = Round::new(seqs, self.queued[last].family_id);
        let portid = self.conn.transport.port_id();
        while !round.is_done() {
            if !self.conn.receive_for(round.last())? {
                break;
            }
            let mut events = Vec::new();
            for msg in Messages::new(&self.conn.rx) {
                let msg = msg?;
                match engine::route(&msg, portid) {
                    Route::Request(seq) => {
                        if let Some(i) = round.index(seq) {
                            round.absorb(i, &msg);
                        }
                    }
                    Route::Control(ev) => events.push(ev),
                    Route::Ignore => {}
                }
            }
            self.conn.on_events(round.last(), events);
        }
        let (queued, buf) = (&self.queued[first..=last], &self.buf);
        Ok(round.finish(|i| (&buf[queued[i].start..queued[i].end], queued[i].schema)))
    }
}

impl<T: Transport> Connection<T> {
    /// Starts a [`Batch`]: ACK-only commands sent
    /// together, without waiting for each answer.
    pub fn batch(&mut self) -> Batch<'_, T> {
        Batch::new(self)
    }
}

#[cfg(test)]
mod tests;
