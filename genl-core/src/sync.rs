//! A connection shared by many threads, [`SharedConnection`]: one socket,
//! concurrent requests, each reply delivered to the thread that asked for
//! it. It drives the same request engine (the private `engine` module) as
//! [`Connection`](crate::Connection), with the same rules: sequence and
//! sender matching, extended ACK paths, dumps, the controller watched (a
//! request pending on a family that goes away fails at once), the retry
//! after a module reload.
//!
//! Whichever waiting thread finds no reader active becomes the reader for
//! one datagram, hands every message in it to the request it belongs to,
//! and wakes the others (a leader/follower scheme: no background thread,
//! nothing to shut down). Messages for requests that are no longer waiting
//! (timed out) are dropped; they are never handed to another request.
//! Replies are owned ([`Reply`], [`Item`]).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::client::{self, Client, Families};
use crate::codec::Encode;
use crate::command::{Ack, DumpCommand, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyPolicy, GENL_ID_CTRL};
use crate::demux::{Demux, Replies};
use crate::engine::{Mode, Request, SeqCounter};
use crate::error::{Error, Result};
use crate::families::{self, FamilyState, SharedFamilies};
use crate::owned::{Item, Reply};
use crate::resolve::{self, ResolvedFamily};
use crate::support;
use crate::sys::Socket;
use crate::transport::{Deadline, Transport};

/// A thread-safe generic netlink connection (`Sync`: share it with `Arc`
/// or scoped threads).
pub struct SharedConnection<T: Transport = Socket> {
    transport: T,
    seq: SeqCounter,
    /// The requests in flight and the reader role; `waiters` counts the
    /// threads waiting on `wake` (none: a finished reader wakes no one,
    /// and makes no syscall to do so).
    demux: Mutex<Demux<usize>>,
    wake: Condvar,
    families: Mutex<FamilyState>,
    timeout: Option<Duration>,
    ack_queries: bool,
}

impl<T: Transport> std::fmt::Debug for SharedConnection<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConnection")
            .field("port_id", &self.transport.port_id())
            .finish_non_exhaustive()
    }
}

impl SharedConnection<Socket> {
    /// Opens a `NETLINK_GENERIC` socket.
    pub fn new() -> Result<Self> {
        Self::with_transport(crate::transport::generic_socket()?)
    }
}

impl<T: Transport> SharedConnection<T> {
    /// A shared connection over `transport`, watching the controller's
    /// notifications when the transport lets it join their group.
    pub fn with_transport(transport: T) -> Result<Self> {
        let watching = transport.join_group(u32::from(GENL_ID_CTRL)).is_ok();
        Ok(SharedConnection {
            transport,
            seq: SeqCounter::for_socket(),
            demux: Mutex::new(Demux::default()),
            wake: Condvar::new(),
            families: Mutex::new(FamilyState::new(watching)),
            timeout: Some(DEFAULT_TIMEOUT),
            ack_queries: false,
        })
    }

    /// Sets how long a request may take (`None`: forever); see
    /// [`DEFAULT_TIMEOUT`] for what it covers.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// [`set_timeout`](Self::set_timeout) as a builder.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Whether [`query`](Self::query) asks for an ACK after the reply (see
    /// [`Connection::set_ack_queries`](crate::Connection::set_ack_queries)).
    pub fn with_ack_queries(mut self, on: bool) -> Self {
        self.ack_queries = on;
        self
    }

    /// Whether typed requests are checked against what the running module
    /// supports before they are sent (on by default; see
    /// [`Connection::set_check_support`](crate::Connection::set_check_support)).
    pub fn with_check_support(mut self, on: bool) -> Self {
        self.families_mut().check_support = on;
        self
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.transport.port_id()
    }

    fn lock(&self) -> MutexGuard<'_, Demux<usize>> {
        self.demux.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn families_mut(&mut self) -> &mut FamilyState {
        self.families.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a receive's outcome `received` into the demux state (see
    /// [`Demux::absorb`]); applies the notifications to the cache.
    fn absorb(&self, st: &mut Demux<usize>, received: Result<()>) -> Result<()> {
        let t = &self.transport;
        let events = st.absorb(received, t.port_id(), |b| t.try_recv(b))?;
        families::apply(&self.families, events);
        Ok(())
    }

    /// Resolves a family by name through the controller, on this
    /// connection's own socket (cached; kept fresh by the controller's
    /// notifications, see [`crate::resolve`]).
    pub fn resolve(&self, name: &str) -> Result<ResolvedFamily> {
        self.lookup(name, ResolvedFamily::clone)
    }

    /// [`resolve`](Self::resolve), reading what `f` needs from the family
    /// (a cache hit copies nothing else).
    fn lookup<R>(&self, name: &str, f: impl Fn(&ResolvedFamily) -> R) -> Result<R> {
        let mut this = self;
        if let Some(r) = this.cached(name, &f)? {
            return Ok(r);
        }
        let req = resolve::getfamily_request(name);
        let r = self.exchange(resolve::getfamily(&req));
        let fam = resolve::getfamily_owned(name, r.map(Vec::from_iter))?;
        Ok(this.keep(name, fam, f))
    }

    /// Forgets a cached family.
    pub fn invalidate(&self, name: &str) {
        self.families().cache.invalidate(name);
    }

    /// Sends one request of `mode` and waits for its completion; returns
    /// every reply message (none for an ACK-only command, several for a
    /// dump).
    fn exchange<P: Encode + ?Sized>(&self, req: Request<'_, P>) -> Result<Replies> {
        let seq = self.seq.next();
        let mut tx = Vec::with_capacity(256);
        req.build(&mut tx, seq)?;
        let schema = req.schema;
        self.lock().requests.insert(req.exchange(seq));
        if let Err(e) = self.transport.send(&tx) {
            self.lock().requests.remove(seq);
            return Err(e);
        }
        // Started only when the request has to wait: one answered at once
        // reads no clock.
        let mut deadline = Deadline::new(self.timeout);
        let mut st = self.lock();
        loop {
            if st.requests.is_done(seq) {
                let p = st.requests.remove(seq).expect("checked");
                drop(st);
                return p.finish(&tx, schema);
            }
            if st.reader_active {
                // Wake up periodically so a finished reader never keeps
                // others waiting for their deadline.
                let step = Duration::from_millis(200);
                let left = match deadline.remaining() {
                    Some(left) if left.is_zero() => {
                        st.requests.remove(seq);
                        return Err(Error::Timeout);
                    }
                    Some(left) => left.min(step),
                    None => step,
                };
                st.waiters += 1;
                st = self
                    .wake
                    .wait_timeout(st, left)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
                st.waiters -= 1;
                continue;
            }
            st.reader_active = true;
            let mut rx = std::mem::take(&mut st.rx);
            drop(st);
            let r = self.transport.recv_by(&mut rx, &mut deadline);
            st = self.lock();
            st.rx = rx;
            let failed = self.absorb(&mut st, r).err();
            st.reader_active = false;
            if st.waiters > 0 {
                self.wake.notify_all();
            }
            match failed {
                // The deadline passed while reading: the loop's check ends
                // the request unless the datagrams read completed it.
                Some(Error::Timeout) if st.requests.is_done(seq) => {}
                Some(e) => {
                    st.requests.remove(seq);
                    return Err(e);
                }
                None => {}
            }
        }
    }

    /// Whether the running module has command `cmd` (see
    /// [`Connection::supports`](crate::Connection::supports)).
    pub fn supports<C: crate::Command>(&self, cmd: C) -> Result<bool> {
        let _ = cmd;
        client::supports::<C, _>(&mut &*self)
    }

    /// Whether the running module accepts the attribute at `path` in
    /// command `cmd`'s request (see
    /// [`Connection::supports_attr`](crate::Connection::supports_attr)).
    pub fn supports_attr<C: crate::Command>(&self, cmd: C, path: &str) -> Result<bool> {
        let _ = cmd;
        client::supports_attr::<C, _>(&mut &*self, path)
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`](crate::Connection::request)).
    pub fn request<C: Ack>(&self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let replies =
            client::send::<C, _, _>(&mut &*self, req, client::do_request::<C>(), Mode::Ack)?;
        client::ack_only(replies.len())
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`] (see [`Connection::query`](crate::Connection::query)).
    pub fn query<C: Query>(&self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let mode = client::query_mode(self.ack_queries);
        let mut replies =
            client::send::<C, _, _>(&mut &*self, req, client::do_request::<C>(), mode)?;
        client::the_reply(replies.pop()).map(Reply::new)
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub fn dump<C: DumpCommand>(&self, cmd: C, req: &C::DumpRequest<'_>) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let replies =
            client::send::<C, _, _>(&mut &*self, req, client::dump_request::<C>(), Mode::Dump)?;
        Ok(replies.into_iter().map(Item::new).collect())
    }
}

impl<T: Transport> Client for &SharedConnection<T> {
    type Replies = Replies;

    fn family_id(&mut self, name: &'static str) -> Result<u16> {
        if let Some(id) = self.last_id(name)? {
            return Ok(id);
        }
        let id = self.lookup(name, |f| f.id)?;
        self.remember(name, id);
        Ok(id)
    }

    fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies> {
        SharedConnection::exchange(self, req)
    }

    fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy> {
        let req = support::policy_request(name, cmd);
        let r = SharedConnection::exchange(self, support::policy(&req));
        support::policy_from_owned(name, cmd, r)
    }
}

impl<T: Transport> SharedFamilies for SharedConnection<T> {
    fn family_lock(&self) -> &Mutex<FamilyState> {
        &self.families
    }

    fn drain_notifications(&self) -> Result<()> {
        let t = &self.transport;
        let mut st = self.lock();
        let r = st.drain_queued(t.port_id(), |b| t.try_recv(b), &self.families);
        if r.is_some() && st.waiters > 0 {
            self.wake.notify_all();
        }
        r.unwrap_or(Ok(()))
    }
}

#[cfg(test)]
mod tests;
