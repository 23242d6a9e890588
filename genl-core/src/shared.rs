//! A connection shared by many threads: one socket, concurrent requests,
//! each reply delivered to the thread that asked for it.
//!
//! Requests are matched to replies by sequence number (and our port id,
//! from the kernel only). Whichever waiting thread finds no reader active
//! becomes the reader for one datagram, hands every message in it to the
//! request it belongs to, and wakes the others (a leader/follower scheme:
//! no background thread, nothing to shut down). Messages for requests that
//! are no longer waiting (timed out) are dropped; they are never handed to
//! another request. Replies are owned ([`OwnedReply`]): decode them with
//! [`OwnedReply::decode`], which borrows from the reply.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::codec::{Decode, Encode, Family};
use crate::command::{Ack, Command, DumpCommand, Query};
use crate::error::{DecodeError, Error, KernelError, Result};
use crate::message::{
    build_message, ext_ack_error, GenlHeader, GenlView, Messages, RawMessage, Received,
    GENL_HDRLEN, NLM_F_DUMP_INTR,
};
use crate::schema::AttrSetSchema;
use crate::socket::{
    resolve_paths, Connection, RawSocket, ResolvedFamily, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};

/// One reply message, owned: the genl header and attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedReply {
    payload: Vec<u8>,
    family_id: u16,
}

impl OwnedReply {
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

    /// The family id the reply came with.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    /// Decodes the attributes as `T`, borrowing from this reply.
    pub fn decode<'a, T: Decode<'a>>(&'a self) -> Result<T, DecodeError> {
        T::decode(self.attrs())
    }

    pub(crate) fn from_view(v: &GenlView<'_>) -> OwnedReply {
        let mut payload = Vec::with_capacity(GENL_HDRLEN + v.attrs.len());
        payload.extend_from_slice(&v.genl.to_bytes());
        payload.extend_from_slice(v.attrs);
        OwnedReply {
            payload,
            family_id: v.header.message_type,
        }
    }
}

/// The owned reply of a typed command's `do` operation.
pub struct Reply<C: Query> {
    raw: OwnedReply,
    _cmd: std::marker::PhantomData<fn() -> C>,
}

impl<C: Query> Reply<C> {
    pub(crate) fn new(raw: OwnedReply) -> Self {
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
    pub fn raw(&self) -> &OwnedReply {
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
    raw: OwnedReply,
    _cmd: std::marker::PhantomData<fn() -> C>,
}

impl<C: DumpCommand> Item<C> {
    pub(crate) fn new(raw: OwnedReply) -> Self {
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
    pub fn raw(&self) -> &OwnedReply {
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

/// The replies and outcome of one request in flight.
#[derive(Default)]
pub(crate) struct Pending {
    replies: Vec<OwnedReply>,
    /// Set when the request is complete: Ok after ACK / DONE.
    finished: Option<Result<(), PendingError>>,
    interrupted: bool,
}

enum PendingError {
    Kernel(KernelError),
    Other(Error),
}

impl Pending {
    /// Takes one message addressed to this request.
    pub(crate) fn absorb(&mut self, msg: &RawMessage<'_>) {
        if msg.header.flags & NLM_F_DUMP_INTR != 0 {
            self.interrupted = true;
        }
        match Received::parse(msg) {
            Ok(Received::Genl(v)) => self.replies.push(OwnedReply::from_view(&v)),
            Ok(Received::Error(e)) => {
                self.finished = Some(match e.to_kernel_error() {
                    Some(k) => Err(PendingError::Kernel(k)),
                    None => Ok(()),
                });
            }
            Ok(Received::Done { code, ext_ack, .. }) => {
                self.finished = Some(if code < 0 {
                    Err(PendingError::Kernel(ext_ack_error(code, &ext_ack)))
                } else {
                    Ok(())
                });
            }
            Ok(Received::Noop(_)) => {}
            Err(e) => self.finished = Some(Err(PendingError::Other(Error::Decode(e)))),
        }
    }

    /// Whether the ACK, `NLMSG_DONE` or an error has arrived.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The outcome, with extack paths resolved against the request `tx`.
    pub(crate) fn into_result(
        self,
        tx: &[u8],
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedReply>> {
        match self.finished {
            Some(Ok(())) if self.interrupted => Err(Error::DumpInterrupted),
            Some(Ok(())) => Ok(self.replies),
            Some(Err(PendingError::Kernel(k))) => Err(Error::Kernel(resolve_paths(k, tx, schema))),
            Some(Err(PendingError::Other(e))) => Err(e),
            None => Err(Error::UnexpectedReply("request vanished")),
        }
    }
}

#[derive(Default)]
struct Demux {
    reader_active: bool,
    pending: HashMap<u32, Pending>,
}

/// A thread-safe generic netlink connection (`Sync`: share it with `Arc`
/// or scoped threads).
pub struct SharedConnection {
    raw: RawSocket,
    seq: AtomicU32,
    demux: Mutex<Demux>,
    wake: Condvar,
    families: Mutex<HashMap<String, ResolvedFamily>>,
    timeout: Duration,
}

impl std::fmt::Debug for SharedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConnection")
            .field("port_id", &self.raw.portid)
            .finish_non_exhaustive()
    }
}

impl SharedConnection {
    /// Opens a `NETLINK_GENERIC` socket.
    pub fn new() -> Result<Self> {
        Ok(SharedConnection {
            raw: RawSocket::open(netlink_sys::protocols::NETLINK_GENERIC)?,
            seq: AtomicU32::new(std::process::id().wrapping_mul(104_729)),
            demux: Mutex::new(Demux::default()),
            wake: Condvar::new(),
            families: Mutex::new(HashMap::new()),
            timeout: crate::socket::DEFAULT_TIMEOUT,
        })
    }

    /// Sets how long a request may wait for its answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.raw.portid
    }

    fn lock(&self) -> MutexGuard<'_, Demux> {
        self.demux.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolves a family by name (cached; a separate blocking connection
    /// asks the controller on a miss).
    pub fn resolve(&self, name: &str) -> Result<ResolvedFamily> {
        let mut fams = self.families.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = fams.get(name) {
            return Ok(f.clone());
        }
        let f = Connection::new()?.resolve(name)?.clone();
        fams.insert(name.to_owned(), f.clone());
        Ok(f)
    }

    /// Forgets a cached family.
    pub fn invalidate(&self, name: &str) {
        self.families
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }

    /// Sends one request and waits for its completion; returns every reply
    /// message (none for an ACK-only command, several for a dump).
    pub fn exchange<P: Encode + ?Sized>(
        &self,
        family_id: u16,
        genl: GenlHeader,
        flags: u16,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedReply>> {
        let mut seq = self.seq.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if seq == 0 {
            seq = self.seq.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        }
        let mut tx = Vec::with_capacity(256);
        build_message(
            &mut tx,
            family_id,
            NLM_F_REQUEST | flags,
            seq,
            genl,
            payload,
        )?;
        self.lock().pending.insert(seq, Pending::default());
        if let Err(e) = self.raw.send(&tx) {
            self.lock().pending.remove(&seq);
            return Err(e);
        }
        let deadline = Instant::now() + self.timeout;
        let mut rx = Vec::new();
        let mut st = self.lock();
        loop {
            if st.pending.get(&seq).is_some_and(Pending::is_finished) {
                let p = st.pending.remove(&seq).unwrap_or_default();
                drop(st);
                return p.into_result(&tx, schema);
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
            let r = self.raw.recv(&mut rx, Some(Instant::now() + step));
            st = self.lock();
            st.reader_active = false;
            match r {
                Ok(()) => self.dispatch(&mut st, &rx),
                Err(Error::Timeout) => {}
                Err(Error::EventsLost) => {
                    // Replies may have been dropped by the kernel: every
                    // waiting request learns it rather than hanging.
                    for p in st.pending.values_mut() {
                        p.finished
                            .get_or_insert(Err(PendingError::Other(Error::EventsLost)));
                    }
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

    fn dispatch(&self, st: &mut Demux, datagram: &[u8]) {
        for msg in Messages::new(datagram) {
            let Ok(msg) = msg else { return };
            if msg.header.port_number != self.raw.portid {
                continue;
            }
            if let Some(p) = st.pending.get_mut(&msg.header.sequence_number) {
                p.absorb(&msg);
            } // else: a request that already gave up
        }
    }

    /// Sends command `cmd` of family `F` with `flags`, resolving the family
    /// through the cache. If the kernel answers `ENOENT`/`EOPNOTSUPP` and the
    /// family's id has changed since it was cached (module reloaded), the
    /// stale entry is dropped and the request is sent once more to the new
    /// id; a family that is gone is [`Error::FamilyNotFound`].
    fn exchange_family<C: Command, P: Encode + ?Sized>(
        &self,
        flags: u16,
        req: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedReply>> {
        let name = <C::Family as Family>::SCHEMA.name;
        let fam = self.resolve(name)?;
        let genl = GenlHeader {
            cmd: C::ID,
            version: <C::Family as Family>::SCHEMA.version,
        };
        match self.exchange(fam.id, genl, flags, req, schema) {
            Err(Error::Kernel(k)) if k.errno == libc::ENOENT || k.errno == libc::EOPNOTSUPP => {
                self.invalidate(name);
                let now = self.resolve(name)?;
                if now.id == fam.id {
                    return Err(Error::Kernel(k));
                }
                self.exchange(now.id, genl, flags, req, schema)
            }
            other => other,
        }
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`]).
    pub fn request<C: Ack>(&self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        match self.exchange_family::<C, _>(NLM_F_ACK, req, schema)?.len() {
            0 => Ok(()),
            _ => Err(Error::UnexpectedReply(
                "a reply to a command whose schema declares none",
            )),
        }
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`] (see [`Connection::query`]).
    pub fn query<C: Query>(&self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        let mut replies = self.exchange_family::<C, _>(NLM_F_ACK, req, schema)?;
        match replies.len() {
            0 => Err(Error::UnexpectedReply("the command sent no reply")),
            1 => Ok(Reply::new(replies.pop().expect("one reply"))),
            _ => Err(Error::UnexpectedReply(
                "more than one reply message to a single request",
            )),
        }
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub fn dump<C: DumpCommand>(&self, cmd: C, req: &C::DumpRequest<'_>) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let schema = C::schema().dump.and_then(|o| o.request);
        Ok(self
            .exchange_family::<C, _>(NLM_F_DUMP, req, schema)?
            .into_iter()
            .map(Item::new)
            .collect())
    }
}
