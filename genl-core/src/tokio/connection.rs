//! The async connection, [`AsyncConnection`]: one socket, one request at
//! a time (`&mut self`), replies owned.

use std::time::Duration;

use super::transport::{self, AsyncTransport, TokioSocket};
use super::within;
use crate::client::{self, AsyncClient, Families};
use crate::codec::Encode;
use crate::command::{Ack, DumpCommand, Query};
use crate::connection::DEFAULT_TIMEOUT;
use crate::controller::{FamilyPolicy, GENL_ID_CTRL};
use crate::demux::{Pending, Replies, Requests};
use crate::engine::{Mode, Request, SeqCounter};
use crate::error::{Error, Result};
use crate::families::FamilyState;
use crate::owned::{Item, OwnedMessage, Reply};
use crate::resolve::{self, ResolvedFamily};
use crate::support;

/// An async generic netlink connection (one request at a time per
/// connection; share an [`AsyncSharedConnection`](super::AsyncSharedConnection)
/// for concurrent ones).
pub struct AsyncConnection<T: AsyncTransport = TokioSocket> {
    transport: T,
    seq: SeqCounter,
    rx: Vec<u8>,
    tx: Vec<u8>,
    /// The one request in flight (kept for its capacity: a request
    /// allocates no table of its own).
    requests: Requests,
    families: FamilyState,
    ack_queries: bool,
    timeout: Option<Duration>,
}

impl<T: AsyncTransport> std::fmt::Debug for AsyncConnection<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("port_id", &self.port_id())
            .finish_non_exhaustive()
    }
}

impl AsyncConnection {
    /// Opens a `NETLINK_GENERIC` socket that joins the tokio reactor when a
    /// task first waits on it ([`TokioSocket`]),
    /// watching the controller's notifications.
    pub fn new() -> Result<Self> {
        Self::with_transport(TokioSocket::open()?)
    }
}

impl<T: AsyncTransport> AsyncConnection<T> {
    /// A connection over `transport`, watching the controller's
    /// notifications when the transport lets it join their group.
    pub fn with_transport(transport: T) -> Result<Self> {
        let watching = transport.join_group(u32::from(GENL_ID_CTRL)).is_ok();
        Ok(AsyncConnection {
            transport,
            seq: SeqCounter::for_socket(),
            rx: Vec::new(),
            tx: Vec::new(),
            requests: Requests::default(),
            families: FamilyState::new(watching),
            ack_queries: false,
            timeout: Some(DEFAULT_TIMEOUT),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.transport.port_id()
    }

    crate::connection::setters!();

    /// Sends one request of `mode` and collects its replies until it
    /// completes.
    async fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Replies> {
        let seq = self.seq.next();
        req.build(&mut self.tx, seq)?;
        self.transport.send(&self.tx)?;
        let schema = req.schema;
        let mut ex = req.exchange(seq);
        // One request at a time (`&mut self`): anything left is a request
        // whose future was dropped, and its replies are dropped with it.
        self.requests.clear();
        // The common case, as `Connection` takes it, before any future of
        // its own: the kernel queued the one reply that completes the
        // request before `send` returned. Anything else goes to the
        // demultiplexer, with what was taken.
        let first = transport::try_take(&self.transport, &mut self.rx);
        let (mut from, mut taken) = (0, None);
        if let Some(Ok(())) = first {
            let portid = self.transport.port_id();
            if let Some((v, next)) = ex.take_data(&self.rx, 0, portid) {
                let reply = OwnedMessage::from_view(&v);
                if next == self.rx.len() && ex.is_done() {
                    return Pending::new(ex, Some(reply)).finish(&self.tx, schema);
                }
                (taken, from) = (Some(reply), next);
            }
        }
        let (transport, rx, families, requests) = (
            &self.transport,
            &mut self.rx,
            &mut self.families,
            &mut self.requests,
        );
        requests.insert_with(ex, taken);
        let work = async move {
            let mut received = match first {
                Some(r) => r,
                None => transport::recv(transport, rx).await,
            };
            loop {
                match received {
                    Ok(()) => {
                        for ev in super::dispatch(transport, requests, rx, from) {
                            families.cache.on_control(ev.as_ref());
                        }
                    }
                    Err(Error::EventsLost) => {
                        families.cache.clear();
                        requests.on_overflow();
                    }
                    Err(e) => return Err(e),
                }
                if requests.is_done(seq) {
                    return Ok(requests.remove(seq).expect("present"));
                }
                from = 0;
                received = transport::recv_reply(transport, rx).await;
            }
        };
        within(self.timeout, work).await??.finish(&self.tx, schema)
    }

    /// Reads the controller notifications queued on the socket (and drops
    /// anything else: replies of requests that gave up).
    fn drain_notifications(&mut self) -> Result<()> {
        let t = &self.transport;
        resolve::drain(&mut self.families.cache, &mut self.rx, t.port_id(), |b| {
            t.try_recv(b)
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
        client::lookup_async(self, name, f).await
    }

    /// Forgets a cached family.
    pub fn invalidate(&mut self, name: &str) {
        self.families.cache.invalidate(name);
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

impl<T: AsyncTransport> AsyncClient for AsyncConnection<T> {
    type Replies = Replies;

    async fn family_id(&mut self, name: &'static str) -> Result<u16> {
        client::family_id_async(self, name).await
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

impl<T: AsyncTransport> Families for AsyncConnection<T> {
    type State<'a>
        = &'a mut FamilyState
    where
        T: 'a;

    fn state(&mut self) -> &mut FamilyState {
        &mut self.families
    }

    fn drain(&mut self) -> Result<()> {
        self.drain_notifications()
    }
}
