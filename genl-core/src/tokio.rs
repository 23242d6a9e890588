//! The tokio connections and subscription, on non-blocking sockets driven
//! by tokio's reactor, with the same request engine (the private `engine` module) and so
//! the same semantics as the blocking [`Connection`](crate::Connection):
//! sequence and sender matching, extended ACK with attribute paths, dumps,
//! the controller watched, the retry after a module reload, `ENOBUFS` as
//! [`Error::EventsLost`], `MSG_TRUNC` detection, timeouts.
//!
//! - [`AsyncConnection`]: one request at a time per connection (`&mut`).
//! - [`AsyncSharedConnection`]: many tasks, one socket; a reader task
//!   routes each reply to the task that asked, by sequence number (like
//!   the thread-shared [`SharedConnection`](crate::SharedConnection)).
//! - [`AsyncSubscription`]: a multicast group; [`AsyncSubscription::next_of`]
//!   yields one notification type, decoded as declared.
//!
//! Enable with the `tokio` feature.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ::tokio::io::unix::AsyncFd;
use ::tokio::sync::oneshot;

use crate::client::{self, AsyncClient, Families};
use crate::codec::Encode;
use crate::command::{Ack, DumpCommand, Notification, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyPolicy, GENL_ID_CTRL};
use crate::demux::Requests;
use crate::engine::{self, CtrlEvent, Mode, Request, SeqCounter};
use crate::error::{Error, Result};
use crate::message::{GenlView, Messages};
use crate::owned::{Event, Item, OwnedMessage, Reply};
use crate::resolve::{self, DrainClock, FamilyCache, ResolvedFamily};
use crate::support::{self, SupportState};
use crate::sys::{Recv, Socket};
use crate::transport::Transport;

/// A generic netlink socket registered with the reactor.
fn open() -> Result<AsyncFd<Socket>> {
    let s = crate::transport::generic_socket()?;
    s.set_nonblocking(true)?;
    // SAFETY: the socket owns its descriptor, which stays open and is not
    // replaced while the AsyncFd holds it.
    unsafe { AsyncFd::register(s) }.map_err(|e| Error::Io(e.into()))
}

/// Receives the next datagram from the kernel (others are dropped).
async fn recv(fd: &AsyncFd<Socket>, buf: &mut Vec<u8>) -> Result<()> {
    loop {
        let mut guard = fd.readable().await?;
        match guard.get_inner().recv_from(buf, true)? {
            Recv::Datagram { sender: 0 } => return Ok(()),
            Recv::Datagram { .. } | Recv::Interrupted => {}
            Recv::WouldBlock => guard.clear_ready(),
        }
    }
}

/// Hands the messages of the datagram in `rx` to `requests`, reading on
/// without waiting while one waits on a deleted family; returns the
/// notifications seen.
fn dispatch(
    fd: &AsyncFd<Socket>,
    requests: &mut Requests,
    rx: &mut Vec<u8>,
) -> Vec<Option<CtrlEvent>> {
    let sock = fd.get_ref();
    let portid = sock.port_id();
    let mut events = requests.dispatch(rx, portid);
    // On a socket error the requests end by their timeouts.
    if let Ok(more) = requests.settle(portid, rx, |b| sock.try_recv(b)) {
        events.extend(more);
    }
    events
}

/// `work`, failed with [`Error::Timeout`] if it takes longer than
/// `timeout` (`None`: as long as it takes).
async fn within<F: std::future::Future>(timeout: Option<Duration>, work: F) -> Result<F::Output> {
    match timeout {
        Some(t) => ::tokio::time::timeout(t, work)
            .await
            .map_err(|_| Error::Timeout),
        None => Ok(work.await),
    }
}

/// A timeout shared by every handle of a connection: nanoseconds,
/// `u64::MAX` for none.
#[derive(Debug)]
struct SharedTimeout(std::sync::atomic::AtomicU64);

impl SharedTimeout {
    fn new(timeout: Option<Duration>) -> Self {
        let t = SharedTimeout(u64::MAX.into());
        t.set(timeout);
        t
    }

    fn set(&self, timeout: Option<Duration>) {
        let nanos = timeout.map_or(u64::MAX, |t| {
            u64::try_from(t.as_nanos()).unwrap_or(u64::MAX - 1)
        });
        self.0.store(nanos, Ordering::Relaxed);
    }

    fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            u64::MAX => None,
            n => Some(Duration::from_nanos(n)),
        }
    }
}

/// An async generic netlink connection (one request at a time per
/// connection; share an [`AsyncSharedConnection`] for concurrent ones).
pub struct AsyncConnection {
    fd: AsyncFd<Socket>,
    seq: SeqCounter,
    rx: Vec<u8>,
    tx: Vec<u8>,
    /// The one request in flight (kept for its capacity: a request
    /// allocates no table of its own).
    requests: Requests,
    families: FamilyCache,
    drain: DrainClock,
    watching: bool,
    ack_queries: bool,
    check_support: bool,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for AsyncConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("port_id", &self.port_id())
            .finish_non_exhaustive()
    }
}

impl AsyncConnection {
    /// Opens a `NETLINK_GENERIC` socket registered with the tokio reactor,
    /// watching the controller's notifications.
    pub fn new() -> Result<Self> {
        let fd = open()?;
        let watching = fd.get_ref().join_group(u32::from(GENL_ID_CTRL)).is_ok();
        Ok(AsyncConnection {
            fd,
            seq: SeqCounter::for_socket(),
            rx: Vec::new(),
            tx: Vec::new(),
            requests: Requests::default(),
            families: FamilyCache::default(),
            drain: DrainClock::default(),
            watching,
            ack_queries: false,
            check_support: true,
            timeout: Some(DEFAULT_TIMEOUT),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.fd.get_ref().port_id()
    }

    crate::connection::setters!();

    /// Sends one request of `mode` and collects its replies until it
    /// completes.
    async fn exchange<P: Encode + ?Sized>(
        &mut self,
        req: Request<'_, P>,
    ) -> Result<Vec<OwnedMessage>> {
        let seq = self.seq.next();
        req.build(&mut self.tx, seq)?;
        self.fd.get_ref().send_to(&self.tx, 0, 0)?;
        let schema = req.schema;
        let (fd, rx, families, requests) = (
            &self.fd,
            &mut self.rx,
            &mut self.families,
            &mut self.requests,
        );
        // One request at a time (`&mut self`): anything left is a request
        // whose future was dropped, and its replies are dropped with it.
        requests.clear();
        let work = async move {
            requests.insert(req.exchange(seq));
            while !requests.is_done(seq) {
                match recv(fd, rx).await {
                    Ok(()) => {
                        for ev in dispatch(fd, requests, rx) {
                            families.on_control(ev.as_ref());
                        }
                    }
                    Err(Error::EventsLost) => {
                        families.clear();
                        requests.on_overflow();
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(requests.remove(seq).expect("present"))
        };
        within(self.timeout, work).await??.finish(&self.tx, schema)
    }

    /// Reads the controller notifications queued on the socket (and drops
    /// anything else: replies of requests that gave up).
    fn drain_notifications(&mut self) -> Result<()> {
        let sock = self.fd.get_ref();
        resolve::drain(&mut self.families, &mut self.rx, sock.port_id(), |b| {
            sock.try_recv(b)
        })
    }

    /// Resolves a family by name through the controller, once; later calls
    /// use the cache, kept fresh by the controller's notifications (see
    /// [`crate::resolve`]).
    pub async fn resolve(&mut self, name: &str) -> Result<ResolvedFamily> {
        self.lookup(name, ResolvedFamily::clone).await
    }

    /// [`resolve`](Self::resolve), reading what `f` needs from the family.
    async fn lookup<R>(&mut self, name: &str, f: impl Fn(&ResolvedFamily) -> R) -> Result<R> {
        if self.watching && (self.families.get(name).is_none() || self.drain.due()) {
            self.drain_notifications()?;
        }
        if let Some(fam) = self.families.get(name) {
            return Ok(f(fam));
        }
        let req = resolve::getfamily_request(name);
        let r = self.exchange(resolve::getfamily(&req)).await;
        let fam = resolve::getfamily_owned(name, r)?;
        Ok(f(self.families.insert(name, fam)))
    }

    /// Forgets a cached family.
    pub fn invalidate(&mut self, name: &str) {
        self.families.invalidate(name);
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`](crate::Connection::request)).
    pub async fn request<C: Ack>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = client::do_request::<C>();
        let replies = client::send_async::<C, _, _>(self, req, schema, Mode::Ack).await?;
        client::ack_only(replies.len())
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`].
    pub async fn query<C: Query>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let schema = client::do_request::<C>();
        let mode = client::query_mode(self.ack_queries);
        let mut replies = client::send_async::<C, _, _>(self, req, schema, mode).await?;
        client::the_reply(replies.pop()).map(Reply::new)
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub async fn dump<C: DumpCommand>(
        &mut self,
        cmd: C,
        req: &C::DumpRequest<'_>,
    ) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let schema = client::dump_request::<C>();
        let replies = client::send_async::<C, _, _>(self, req, schema, Mode::Dump).await?;
        Ok(replies.into_iter().map(Item::new).collect())
    }
}

/// The requests of an [`AsyncSharedConnection`] in flight: their state,
/// and whom to wake when one completes.
#[derive(Default)]
struct Waiting {
    requests: Requests,
    wake: HashMap<u32, oneshot::Sender<()>>,
}

/// What the reader task and the requesting tasks share.
struct Inner {
    fd: AsyncFd<Socket>,
    seq: SeqCounter,
    waiting: Mutex<Waiting>,
    families: Mutex<FamilyCache>,
    watching: bool,
    ack_queries: std::sync::atomic::AtomicBool,
    check_support: std::sync::atomic::AtomicBool,
    timeout: SharedTimeout,
}

impl Inner {
    fn waiting(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn families(&self) -> MutexGuard<'_, FamilyCache> {
        self.families.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The reader: routes every datagram's messages to their requests,
    /// controller notifications to every request and the cache.
    async fn read(self: Arc<Self>) {
        let mut rx = Vec::new();
        loop {
            let r = recv(&self.fd, &mut rx).await;
            let events: Vec<Option<CtrlEvent>> = {
                let mut w = self.waiting();
                let events = match r {
                    Ok(()) => dispatch(&self.fd, &mut w.requests, &mut rx),
                    Err(Error::EventsLost) => {
                        w.requests.on_overflow();
                        vec![None]
                    }
                    // A socket error no request can recover from: they end
                    // by their timeouts.
                    Err(_) => Vec::new(),
                };
                let Waiting { requests, wake } = &mut *w;
                for seq in requests.done() {
                    if let Some(tx) = wake.remove(&seq) {
                        let _ = tx.send(());
                    }
                }
                events
            };
            let mut fams = self.families();
            for ev in events {
                fams.on_control(ev.as_ref());
            }
        }
    }
}

/// Aborts the reader task when the last handle goes.
struct ReaderGuard(::tokio::task::JoinHandle<()>);

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An async generic netlink connection many tasks share (`Clone`): one
/// socket, a reader task routing each reply to the task that asked by its
/// sequence number.
#[derive(Clone)]
pub struct AsyncSharedConnection {
    inner: Arc<Inner>,
    _reader: Arc<ReaderGuard>,
}

impl std::fmt::Debug for AsyncSharedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSharedConnection")
            .field("port_id", &self.port_id())
            .finish_non_exhaustive()
    }
}

impl AsyncSharedConnection {
    /// Opens a socket and starts its reader task (on the current tokio
    /// runtime), watching the controller's notifications.
    pub fn new() -> Result<Self> {
        let fd = open()?;
        let watching = fd.get_ref().join_group(u32::from(GENL_ID_CTRL)).is_ok();
        let inner = Arc::new(Inner {
            fd,
            seq: SeqCounter::for_socket(),
            waiting: Mutex::new(Waiting::default()),
            families: Mutex::new(FamilyCache::default()),
            watching,
            ack_queries: false.into(),
            check_support: true.into(),
            timeout: SharedTimeout::new(Some(DEFAULT_TIMEOUT)),
        });
        let reader = ::tokio::spawn(inner.clone().read());
        Ok(AsyncSharedConnection {
            inner,
            _reader: Arc::new(ReaderGuard(reader)),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.inner.fd.get_ref().port_id()
    }

    /// Sets how long a request may take (`None`: forever), for every
    /// handle of this connection; see [`DEFAULT_TIMEOUT`] for what it
    /// covers.
    pub fn set_timeout(&self, timeout: Option<Duration>) {
        self.inner.timeout.set(timeout);
    }

    /// Whether [`query`](Self::query) asks for an ACK after the reply, for
    /// every handle of this connection (see
    /// [`Connection::set_ack_queries`](crate::Connection::set_ack_queries)).
    pub fn set_ack_queries(&self, on: bool) {
        self.inner.ack_queries.store(on, Ordering::Relaxed);
    }

    /// Whether typed requests are checked against what the running module
    /// supports before they are sent, for every handle of this connection
    /// (on by default; see
    /// [`Connection::set_check_support`](crate::Connection::set_check_support)).
    pub fn set_check_support(&self, on: bool) {
        self.inner.check_support.store(on, Ordering::Relaxed);
    }

    /// Sends one request of `mode` and waits until the reader completes it.
    async fn exchange<P: Encode + ?Sized>(&self, req: Request<'_, P>) -> Result<Vec<OwnedMessage>> {
        let inner = &self.inner;
        let seq = inner.seq.next();
        let mut tx = Vec::with_capacity(256);
        req.build(&mut tx, seq)?;
        let schema = req.schema;
        let (wake, done) = oneshot::channel();
        {
            let mut w = inner.waiting();
            w.requests.insert(req.exchange(seq));
            w.wake.insert(seq, wake);
        }
        let forget = |inner: &Inner| {
            let mut w = inner.waiting();
            w.wake.remove(&seq);
            w.requests.remove(seq)
        };
        if let Err(e) = inner.fd.get_ref().send_to(&tx, 0, 0) {
            forget(inner);
            return Err(e);
        }
        let outcome = within(inner.timeout.get(), done).await;
        let p = forget(inner);
        match (outcome, p) {
            (Ok(Ok(())), Some(p)) => p.finish(&tx, schema),
            (Err(_), _) => Err(Error::Timeout),
            // The reader task is gone (its runtime shut down).
            _ => Err(Error::UnexpectedReply(
                "the connection's reader task stopped",
            )),
        }
    }

    /// Resolves a family by name (cached; the reader task applies the
    /// controller's notifications as they come).
    pub async fn resolve(&self, name: &str) -> Result<ResolvedFamily> {
        self.lookup(name, ResolvedFamily::clone).await
    }

    /// [`resolve`](Self::resolve), reading what `f` needs from the family.
    async fn lookup<R>(&self, name: &str, f: impl Fn(&ResolvedFamily) -> R) -> Result<R> {
        if let Some(fam) = self.inner.families().get(name) {
            return Ok(f(fam));
        }
        let req = resolve::getfamily_request(name);
        let r = self.exchange(resolve::getfamily(&req)).await;
        let fam = resolve::getfamily_owned(name, r)?;
        let out = f(&fam);
        self.inner.families().insert(name, fam);
        Ok(out)
    }

    /// Forgets a cached family.
    pub fn invalidate(&self, name: &str) {
        self.inner.families().invalidate(name);
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`](crate::Connection::request)).
    pub async fn request<C: Ack>(&self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = client::do_request::<C>();
        let replies = client::send_async::<C, _, _>(&mut &*self, req, schema, Mode::Ack).await?;
        client::ack_only(replies.len())
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`].
    pub async fn query<C: Query>(&self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let schema = client::do_request::<C>();
        let mode = client::query_mode(self.inner.ack_queries.load(Ordering::Relaxed));
        let mut replies = client::send_async::<C, _, _>(&mut &*self, req, schema, mode).await?;
        client::the_reply(replies.pop()).map(Reply::new)
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub async fn dump<C: DumpCommand>(
        &self,
        cmd: C,
        req: &C::DumpRequest<'_>,
    ) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let schema = client::dump_request::<C>();
        let replies = client::send_async::<C, _, _>(&mut &*self, req, schema, Mode::Dump).await?;
        Ok(replies.into_iter().map(Item::new).collect())
    }
}

/// An async multicast subscription on its own socket.
pub struct AsyncSubscription {
    fd: AsyncFd<Socket>,
    family: ResolvedFamily,
    queue: std::collections::VecDeque<OwnedMessage>,
    rx: Vec<u8>,
}

impl std::fmt::Debug for AsyncSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSubscription")
            .field("family", &self.family.name)
            .finish_non_exhaustive()
    }
}

impl AsyncSubscription {
    /// Joins group `group` of family `family` (both by name); also the
    /// controller's notifications, to end with [`Error::FamilyNotFound`]
    /// when the family goes away.
    pub async fn new(family: &str, group: &str) -> Result<Self> {
        let fam = AsyncConnection::new()?.resolve(family).await?;
        let fd = open()?;
        fd.get_ref().join_group(fam.group_id(group)?)?;
        let _ = fd.get_ref().join_group(u32::from(GENL_ID_CTRL));
        Ok(AsyncSubscription {
            fd,
            family: fam,
            queue: Default::default(),
            rx: Vec::new(),
        })
    }

    /// Sets the receive socket buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.fd.get_ref().set_recv_buffer(bytes)
    }

    /// The next event; [`Error::EventsLost`] reports an overflow, after
    /// which the subscription keeps working.
    pub async fn next_event(&mut self) -> Result<OwnedMessage> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(e);
            }
            recv(&self.fd, &mut self.rx).await?;
            let mut gone = false;
            for msg in Messages::new(&self.rx) {
                let msg = msg?;
                if msg.header.message_type == self.family.id {
                    self.queue
                        .push_back(OwnedMessage::from_view(&GenlView::parse(&msg)?));
                } else if let Some(Some(ev)) = engine::control_event(&msg) {
                    gone |= ev.deletes_family() && ev.family_id == self.family.id;
                }
            }
            if gone && self.queue.is_empty() {
                return Err(Error::FamilyNotFound(self.family.name.clone()));
            }
        }
    }

    /// The next notification of type `C` (others are skipped), decoded as
    /// `C` declares it with [`Event::get`].
    pub async fn next_of<C: Notification>(&mut self, cmd: C) -> Result<Event<C>> {
        let _ = cmd;
        loop {
            if let Ok(e) = Event::from_message(self.next_event().await?) {
                return Ok(e);
            }
        }
    }
}

impl AsyncClient for AsyncConnection {
    type Replies = Vec<OwnedMessage>;

    async fn family_id(&mut self, name: &'static str) -> Result<u16> {
        self.lookup(name, |f| f.id).await
    }

    async fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies> {
        AsyncConnection::exchange(self, req).await
    }

    async fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy> {
        let req = support::policy_request(name, cmd);
        let r = AsyncConnection::exchange(self, support::policy(&req)).await;
        support::policy_from_owned(name, cmd, r)
    }
}

impl Families for AsyncConnection {
    fn moved(&self, name: &str, id: u16) -> bool {
        !self.watching || self.families.moved(name, id)
    }

    fn invalidate(&mut self, name: &str) {
        self.families.invalidate(name);
    }

    fn checks_support(&self) -> bool {
        self.check_support
    }

    fn with_support<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&ResolvedFamily, &mut SupportState) -> R,
    ) -> Option<R> {
        self.families.support(name).map(|(fam, s)| f(fam, s))
    }

    fn refresh(&mut self) -> Result<()> {
        if self.watching {
            self.drain_notifications()?;
        }
        Ok(())
    }
}

impl AsyncClient for &AsyncSharedConnection {
    type Replies = Vec<OwnedMessage>;

    async fn family_id(&mut self, name: &'static str) -> Result<u16> {
        self.lookup(name, |f| f.id).await
    }

    async fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies> {
        AsyncSharedConnection::exchange(self, req).await
    }

    async fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy> {
        let req = support::policy_request(name, cmd);
        let r = AsyncSharedConnection::exchange(self, support::policy(&req)).await;
        support::policy_from_owned(name, cmd, r)
    }
}

impl Families for &AsyncSharedConnection {
    fn moved(&self, name: &str, id: u16) -> bool {
        !self.inner.watching || self.inner.families().moved(name, id)
    }

    fn invalidate(&mut self, name: &str) {
        self.inner.families().invalidate(name);
    }

    fn checks_support(&self) -> bool {
        self.inner.check_support.load(Ordering::Relaxed)
    }

    fn with_support<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&ResolvedFamily, &mut SupportState) -> R,
    ) -> Option<R> {
        self.inner
            .families()
            .support(name)
            .map(|(fam, s)| f(fam, s))
    }

    fn refresh(&mut self) -> Result<()> {
        // The reader task applies the notifications as they come.
        Ok(())
    }
}
