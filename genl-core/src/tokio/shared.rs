//! The async connection many tasks share, [`AsyncSharedConnection`]: one
//! socket, concurrent requests, each reply delivered to the task that
//! asked for it, with no reader task (see the private `turn` module).

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::transport::{AsyncTransport, TokioSocket};
use super::turn::{self, Shared, Turn, Waiters};
use super::{within, SharedTimeout};
use crate::client::{self, AsyncClient};
use crate::codec::Encode;
use crate::command::{Ack, DumpCommand, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyPolicy, GENL_ID_CTRL};
use crate::demux::{Demux, Replies};
use crate::engine::{Mode, Request, SeqCounter};
use crate::error::Result;
use crate::families::{self, FamilyState, SharedFamilies};
use crate::owned::{Item, Reply};
use crate::resolve::ResolvedFamily;
use crate::support;

/// What the handles of an [`AsyncSharedConnection`] share.
struct Inner<T> {
    transport: T,
    seq: SeqCounter,
    demux: Mutex<Demux<Waiters>>,
    families: Mutex<FamilyState>,
    ack_queries: AtomicBool,
    timeout: SharedTimeout,
}

impl<T: AsyncTransport> Shared for Inner<T> {
    type Transport = T;

    fn transport(&self) -> &T {
        &self.transport
    }

    fn demux(&self) -> MutexGuard<'_, Demux<Waiters>> {
        self.demux.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn absorb(&self, d: &mut Demux<Waiters>, received: Result<()>) -> Result<()> {
        let t = &self.transport;
        let events = d.absorb(received, t.port_id(), |b| t.try_recv(b))?;
        turn::wake_done(d);
        families::apply(&self.families, events);
        Ok(())
    }
}

/// An async generic netlink connection many tasks share (`Clone`): one
/// socket; each reply goes to the task that asked, by its sequence
/// number. A task reads the socket itself when no other task is reading,
/// so a lone request costs what it does on an [`AsyncConnection`](super::AsyncConnection).
pub struct AsyncSharedConnection<T: AsyncTransport = TokioSocket> {
    inner: Arc<Inner<T>>,
}

impl<T: AsyncTransport> Clone for AsyncSharedConnection<T> {
    fn clone(&self) -> Self {
        AsyncSharedConnection {
            inner: self.inner.clone(),
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
    /// Opens a `NETLINK_GENERIC` socket that joins the tokio reactor when a
    /// task first waits on it ([`TokioSocket`])
    /// (of the current runtime), watching the controller's notifications.
    pub fn new() -> Result<Self> {
        Self::with_transport(TokioSocket::open()?)
    }
}

impl<T: AsyncTransport> AsyncSharedConnection<T> {
    /// A shared connection over `transport`, watching the controller's
    /// notifications when the transport lets it join their group.
    pub fn with_transport(transport: T) -> Result<Self> {
        let watching = transport.join_group(u32::from(GENL_ID_CTRL)).is_ok();
        let inner = Arc::new(Inner {
            transport,
            seq: SeqCounter::for_socket(),
            demux: Mutex::new(Demux::default()),
            families: Mutex::new(FamilyState::new(watching)),
            ack_queries: false.into(),
            timeout: SharedTimeout::new(Some(DEFAULT_TIMEOUT)),
        });
        Ok(AsyncSharedConnection { inner })
    }

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
        self.families().check_support = on;
    }

    /// Sends one request and waits for its completion (reading the socket
    /// while no other task does); returns every reply message.
    async fn exchange<P: Encode + ?Sized>(&self, req: Request<'_, P>) -> Result<Replies> {
        let inner = &*self.inner;
        let seq = inner.seq.next();
        let mut tx = Vec::with_capacity(256);
        req.build(&mut tx, seq)?;
        let schema = req.schema;
        inner.demux().requests.insert(req.exchange(seq));
        // From here on, however this future ends, the request leaves.
        let mut turn = Turn::new(inner, seq);
        inner.transport.send(&tx)?;
        if let Some(r) = turn.try_now() {
            return r?.finish(&tx, schema);
        }
        let p = within(inner.timeout.get(), poll_fn(|cx| turn.poll(cx))).await??;
        p.finish(&tx, schema)
    }

    /// Resolves a family by name (cached; kept fresh by the controller's
    /// notifications, see [`crate::resolve`]).
    pub async fn resolve(&self, name: &str) -> Result<ResolvedFamily> {
        self.lookup(name, ResolvedFamily::clone).await
    }

    /// [`resolve`](Self::resolve), reading what `f` needs from the family.
    async fn lookup<R>(&self, name: &str, f: impl Fn(&ResolvedFamily) -> R) -> Result<R> {
        client::lookup_async(&mut &*self, name, f).await
    }

    /// Forgets a cached family.
    pub fn invalidate(&self, name: &str) {
        self.families().cache.invalidate(name);
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
    type Replies = Replies;

    async fn family_id(&mut self, name: &'static str) -> Result<u16> {
        client::family_id_async(self, name).await
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

impl<T: AsyncTransport> SharedFamilies for AsyncSharedConnection<T> {
    fn family_lock(&self) -> &Mutex<FamilyState> {
        &self.inner.families
    }

    fn drain_notifications(&self) -> Result<()> {
        let inner = &*self.inner;
        let t = &inner.transport;
        let mut d = inner.demux();
        let r = d.drain_queued(t.port_id(), |b| t.try_recv(b), &inner.families);
        if r.is_some() {
            turn::wake_done(&mut d);
        }
        r.unwrap_or(Ok(()))
    }
}
