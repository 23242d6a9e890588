//! The async connection many tasks share, [`AsyncSharedConnection`]: one
//! socket, concurrent requests, each reply delivered to the task that
//! asked for it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ::tokio::io::unix::AsyncFd;
use ::tokio::sync::oneshot;

use super::transport::{self, AsyncTransport};
use super::{within, SharedTimeout};
use crate::client::{self, AsyncClient, Families};
use crate::codec::Encode;
use crate::command::{Ack, DumpCommand, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyPolicy, GENL_ID_CTRL};
use crate::demux::Requests;
use crate::engine::{CtrlEvent, Mode, Request, SeqCounter};
use crate::error::{Error, Result};
use crate::owned::{Item, OwnedMessage, Reply};
use crate::resolve::{self, FamilyCache, ResolvedFamily};
use crate::support::{self, SupportState};
use crate::sys::Socket;

/// The requests of an [`AsyncSharedConnection`] in flight: their state,
/// and whom to wake when one completes.
#[derive(Default)]
struct Waiting {
    requests: Requests,
    wake: HashMap<u32, oneshot::Sender<()>>,
}

/// What the reader task and the requesting tasks share.
struct Inner<T> {
    transport: T,
    seq: SeqCounter,
    waiting: Mutex<Waiting>,
    families: Mutex<FamilyCache>,
    watching: bool,
    ack_queries: std::sync::atomic::AtomicBool,
    check_support: std::sync::atomic::AtomicBool,
    timeout: SharedTimeout,
}

impl<T: AsyncTransport> Inner<T> {
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
            let r = transport::recv(&self.transport, &mut rx).await;
            let events: Vec<Option<CtrlEvent>> = {
                let mut w = self.waiting();
                let events = match r {
                    Ok(()) => super::dispatch(&self.transport, &mut w.requests, &mut rx),
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
pub struct AsyncSharedConnection<T: AsyncTransport = AsyncFd<Socket>> {
    inner: Arc<Inner<T>>,
    _reader: Arc<ReaderGuard>,
}

impl<T: AsyncTransport> Clone for AsyncSharedConnection<T> {
    fn clone(&self) -> Self {
        AsyncSharedConnection {
            inner: self.inner.clone(),
            _reader: self._reader.clone(),
        }
    }
}

impl<T: AsyncTransport> std::fmt::Debug for AsyncSharedConnection<T> {
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
        Self::with_transport(transport::open()?)
    }
}

impl<T: AsyncTransport + 'static> AsyncSharedConnection<T> {
    /// A shared connection over `transport`, its reader task started on
    /// the current tokio runtime, watching the controller's notifications
    /// when the transport lets it join their group.
    pub fn with_transport(transport: T) -> Result<Self> {
        let watching = transport.join_group(u32::from(GENL_ID_CTRL)).is_ok();
        let inner = Arc::new(Inner {
            transport,
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
}

impl<T: AsyncTransport> AsyncSharedConnection<T> {
    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.inner.transport.port_id()
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
        req.build(&mut tx, seq, 0)?;
        let schema = req.schema;
        let (wake, done) = oneshot::channel();
        {
            let mut w = inner.waiting();
            w.requests.insert(req.exchange(seq));
            w.wake.insert(seq, wake);
        }
        let forget = |inner: &Inner<T>| {
            let mut w = inner.waiting();
            w.wake.remove(&seq);
            w.requests.remove(seq)
        };
        if let Err(e) = inner.transport.send(&tx) {
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

impl<T: AsyncTransport> AsyncClient for &AsyncSharedConnection<T> {
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

impl<T: AsyncTransport> Families for &AsyncSharedConnection<T> {
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
