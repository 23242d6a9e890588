//! A connection shared by many threads, [`SharedConnection`]: one socket,
//! concurrent requests, each reply delivered to the thread that asked for
//! it. It drives the same [request engine](crate::engine) as
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

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::codec::{Encode, Family};
use crate::command::{Ack, Command, DumpCommand, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyInfo, GetFamily, GENL_ID_CTRL};
use crate::engine::{self, CtrlEvent, Exchange, Mode, Route, SeqCounter, Step};
use crate::error::{Error, Result};
use crate::message::{GenlHeader, Messages};
use crate::owned::{Item, OwnedMessage, Reply};
use crate::resolve::{self, DrainClock, FamilyCache, FamilyRetry, ResolvedFamily};
use crate::schema::AttrSetSchema;
use crate::sys::Socket;
use crate::transport::Transport;

/// One request in flight: its engine state and the replies so far.
#[derive(Debug)]
pub(crate) struct Pending {
    ex: Exchange,
    replies: Vec<OwnedMessage>,
}

impl Pending {
    /// A request in flight.
    pub(crate) fn new(ex: Exchange) -> Self {
        Pending {
            ex,
            replies: Vec::new(),
        }
    }

    /// Takes one message routed to it.
    pub(crate) fn absorb(&mut self, msg: &crate::message::NlMessage<'_>) {
        if let Step::Reply(v) = self.ex.absorb(msg) {
            self.replies.push(OwnedMessage::from_view(&v));
        }
    }

    /// Takes a controller notification.
    pub(crate) fn on_control(&mut self, ev: &CtrlEvent) {
        self.ex.on_control(ev);
    }

    /// The socket overflowed.
    pub(crate) fn on_overflow(&mut self) {
        self.ex.on_overflow();
    }

    /// Whether the request is complete.
    pub(crate) fn is_done(&self) -> bool {
        self.ex.is_done()
    }

    /// The outcome: the replies, or the error with its extack paths
    /// resolved against `request` (the message sent).
    pub(crate) fn finish(
        self,
        request: &[u8],
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedMessage>> {
        self.ex.finish(request, schema)?;
        Ok(self.replies)
    }
}

/// Routes every message of `datagram` to the requests in `pending`;
/// returns the controller notifications it carried (each already given to
/// every pending request).
pub(crate) fn dispatch(
    datagram: &[u8],
    portid: u32,
    pending: &mut HashMap<u32, Pending>,
) -> Vec<Option<CtrlEvent>> {
    let mut events = Vec::new();
    for msg in Messages::new(datagram) {
        // A malformed datagram: its requests learn nothing more from it;
        // they end by their own deadline.
        let Ok(msg) = msg else { break };
        match engine::route(&msg, portid) {
            Route::Request(seq) => {
                if let Some(p) = pending.get_mut(&seq) {
                    p.absorb(&msg);
                } // else: a request that already gave up
            }
            Route::Control(ev) => {
                if let Some(e) = &ev {
                    for p in pending.values_mut() {
                        p.on_control(e);
                    }
                }
                events.push(ev);
            }
            Route::Ignore => {}
        }
    }
    events
}

#[derive(Debug, Default)]
struct Demux {
    reader_active: bool,
    pending: HashMap<u32, Pending>,
}

/// A thread-safe generic netlink connection (`Sync`: share it with `Arc`
/// or scoped threads).
pub struct SharedConnection<T: Transport = Socket> {
    transport: T,
    seq: SeqCounter,
    demux: Mutex<Demux>,
    wake: Condvar,
    families: Mutex<(FamilyCache, DrainClock)>,
    timeout: Duration,
    watching: bool,
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
            seq: SeqCounter::new(std::process::id().wrapping_mul(104_729)),
            demux: Mutex::new(Demux::default()),
            wake: Condvar::new(),
            families: Mutex::new((FamilyCache::default(), DrainClock::default())),
            timeout: DEFAULT_TIMEOUT,
            watching,
        })
    }

    /// Sets how long a request may wait for its answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.transport.port_id()
    }

    fn lock(&self) -> MutexGuard<'_, Demux> {
        self.demux.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn families(&self) -> MutexGuard<'_, (FamilyCache, DrainClock)> {
        self.families.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies notifications read by a reader to the family cache.
    fn on_control(&self, events: Vec<Option<CtrlEvent>>) {
        if events.is_empty() {
            return;
        }
        let mut f = self.families();
        for ev in events {
            f.0.on_control(ev.as_ref());
        }
    }

    /// Reads the controller notifications queued on the socket, unless a
    /// reader is active (it reads them anyway).
    fn drain_notifications(&self) -> Result<()> {
        let mut st = self.lock();
        if st.reader_active {
            return Ok(());
        }
        st.reader_active = true;
        drop(st);
        let mut rx = Vec::new();
        let mut r = Ok(());
        loop {
            match self.transport.try_recv(&mut rx) {
                Ok(true) => {
                    let mut st = self.lock();
                    let events = dispatch(&rx, self.transport.port_id(), &mut st.pending);
                    drop(st);
                    self.on_control(events);
                }
                Ok(false) => break,
                Err(Error::EventsLost) => self.on_overflow(),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        self.lock().reader_active = false;
        self.wake.notify_all();
        r
    }

    /// Every waiting request learns that the socket overflowed (its answer
    /// may be gone) rather than waiting for it; the cache forgets all.
    fn on_overflow(&self) {
        for p in self.lock().pending.values_mut() {
            p.on_overflow();
        }
        self.families().0.clear();
    }

    /// Resolves a family by name through the controller, on this
    /// connection's own socket (cached; kept fresh by the controller's
    /// notifications, see [`crate::resolve`]).
    pub fn resolve(&self, name: &str) -> Result<ResolvedFamily> {
        let due = {
            let mut f = self.families();
            f.0.get(name).is_none() || f.1.due()
        };
        if self.watching && due {
            self.drain_notifications()?;
        }
        if let Some(f) = self.families().0.get(name) {
            return Ok(f.clone());
        }
        let (genl, req) = resolve::getfamily_request(name);
        let r = self.exchange(
            GENL_ID_CTRL,
            genl,
            Mode::Ack,
            &req,
            Some(<GetFamily<'_> as crate::AttrSet>::SCHEMA),
        );
        // At most one reply: the engine rejects more for a `do`.
        let fam = match r.map(|mut replies| replies.pop()) {
            Ok(Some(m)) => {
                resolve::getfamily_outcome(name, Ok(Some(m.decode::<FamilyInfo<'_>>()?)))?
            }
            Ok(None) => resolve::getfamily_outcome(name, Ok(None))?,
            Err(e) => resolve::getfamily_outcome(name, Err(e))?,
        };
        self.families().0.insert(name, fam.clone());
        Ok(fam)
    }

    /// Forgets a cached family.
    pub fn invalidate(&self, name: &str) {
        self.families().0.invalidate(name);
    }

    /// Sends one request of `mode` and waits for its completion; returns
    /// every reply message (none for an ACK-only command, several for a
    /// dump).
    fn exchange<P: Encode + ?Sized>(
        &self,
        family_id: u16,
        genl: GenlHeader,
        mode: Mode,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedMessage>> {
        let seq = self.seq.next();
        let mut tx = Vec::with_capacity(256);
        engine::build_request(&mut tx, family_id, genl, mode, seq, payload)?;
        self.lock()
            .pending
            .insert(seq, Pending::new(Exchange::new(seq, mode, family_id)));
        if let Err(e) = self.transport.send(&tx) {
            self.lock().pending.remove(&seq);
            return Err(e);
        }
        let deadline = Instant::now() + self.timeout;
        let mut rx = Vec::new();
        let mut st = self.lock();
        loop {
            if st.pending.get(&seq).is_some_and(Pending::is_done) {
                let p = st.pending.remove(&seq).expect("checked");
                drop(st);
                return p.finish(&tx, schema);
            }
            let now = Instant::now();
            if now >= deadline {
                st.pending.remove(&seq);
                return Err(Error::Timeout);
            }
            if st.reader_active {
                st = self
                    .wake
                    .wait_timeout(st, deadline - now)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
                continue;
            }
            st.reader_active = true;
            drop(st);
            // Read one datagram; wake up periodically so a finished leader
            // never keeps others waiting for its deadline.
            let step = (deadline - now).min(Duration::from_millis(200));
            let r = self.transport.recv(&mut rx, Some(Instant::now() + step));
            st = self.lock();
            st.reader_active = false;
            match r {
                Ok(()) => {
                    let events = dispatch(&rx, self.transport.port_id(), &mut st.pending);
                    drop(st);
                    self.on_control(events);
                    st = self.lock();
                }
                Err(Error::Timeout) => {}
                Err(Error::EventsLost) => {
                    drop(st);
                    self.on_overflow();
                    st = self.lock();
                }
                Err(e) => {
                    st.pending.remove(&seq);
                    self.wake.notify_all();
                    return Err(e);
                }
            }
            self.wake.notify_all();
        }
    }

    /// Sends command `C` with `req` in `mode`, resolving its family and
    /// resending once after a module reload.
    fn send_command<C: Command, P: Encode + ?Sized>(
        &self,
        req: &P,
        schema: Option<&'static AttrSetSchema>,
        mode: Mode,
    ) -> Result<Vec<OwnedMessage>> {
        let fam = <C::Family as Family>::SCHEMA;
        let genl = GenlHeader {
            cmd: C::ID,
            version: fam.version,
        };
        let mut retry = FamilyRetry::default();
        loop {
            let id = self.resolve(fam.name)?.id;
            retry.check(id)?;
            match retry.after(self.exchange(id, genl, mode, req, schema)) {
                Some(r) => return r,
                None => self.invalidate(fam.name),
            }
        }
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`](crate::Connection::request)).
    pub fn request<C: Ack>(&self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        match self.send_command::<C, _>(req, schema, Mode::Ack)?.len() {
            0 => Ok(()),
            _ => Err(Error::UnexpectedReply(
                "a reply to a command whose schema declares none",
            )),
        }
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`] (see [`Connection::query`](crate::Connection::query)).
    pub fn query<C: Query>(&self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        match self.send_command::<C, _>(req, schema, Mode::Ack)?.pop() {
            Some(m) => Ok(Reply::new(m)),
            None => Err(Error::UnexpectedReply("the command sent no reply")),
        }
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub fn dump<C: DumpCommand>(&self, cmd: C, req: &C::DumpRequest<'_>) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let schema = C::schema().dump.and_then(|o| o.request);
        Ok(self
            .send_command::<C, _>(req, schema, Mode::Dump)?
            .into_iter()
            .map(Item::new)
            .collect())
    }
}
