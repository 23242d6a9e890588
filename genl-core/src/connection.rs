//! The blocking connection, [`Connection`]: one socket, one request at a
//! time, replies decoded in place (a [`GenlView`] borrows the receive
//! buffer). It drives the request engine (the private `engine` module):
//!
//! - every request gets its own sequence number; replies are accepted only
//!   from the kernel, with that number and our port id; anything else is
//!   skipped, never handed to the caller;
//! - `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK` are on: an ACK alone is `Ok`;
//!   `NLMSG_ERROR` is [`Error::Kernel`] with errno, the kernel's message and
//!   the failing attribute's *path* resolved through the request's schema;
//! - requests are typed ([`crate::command`]): [`Connection::request`],
//!   [`Connection::query`] and [`Connection::dump`] take a command type and
//!   only its declared request, and return its declared reply;
//! - dumps are a lending iterator ([`Dump`](crate::Dump)); `NLMSG_DONE` with an error is
//!   an error and `NLM_F_DUMP_INTR` is [`Error::DumpInterrupted`];
//! - the socket watches the controller: a family unregistered while a
//!   request waits fails it at once with [`Error::FamilyNotFound`], and a
//!   request or dump that hits a reloaded module's old id is resent once to
//!   the new one ([`crate::resolve`]);
//! - a datagram larger than the buffer (`MSG_TRUNC`) is an error, not silent
//!   truncation; `ENOBUFS` is [`Error::EventsLost`].
//!
//! A `Connection<T>` runs on any [`Transport`]: the kernel's socket by
//! default, or a [fake kernel](crate::testing::FakeKernel) in tests.

use std::time::Duration;

use netlink_packet_core::NetlinkHeader;

use crate::client::{self, Client, Families};
use crate::codec::{Encode, Family};
use crate::command::{Ack, Command, Query};
use crate::controller::{FamilyInfo, FamilyPolicy, PolicyMessage, GENL_ID_CTRL};
use crate::engine::{self, Exchange, Mode, Request, Route, SeqCounter, Step};
use crate::error::{Error, Result};
use crate::families::FamilyState;
use crate::message::{GenlHeader, GenlView, Messages};
use crate::request::RawRequest;
use crate::resolve::{self, ResolvedFamily};
use crate::schema::AttrSetSchema;
use crate::support;
use crate::sys::{Socket, RX_BUF_SIZE};
use crate::transport::{Deadline, Transport};

/// The timeout every connection starts with.
///
/// A timeout means the same on every connection ([`Connection`],
/// [`SharedConnection`](crate::SharedConnection), the tokio ones,
/// [`ClassicConnection`](crate::classic::ClassicConnection)), set the same
/// way, `set_timeout(Option<Duration>)` (`None`: wait as long as it takes):
/// it bounds one request, from sending it to its completion (the ACK, the
/// reply, `NLMSG_DONE`), however many datagrams it takes; past it the
/// request fails with [`Error::Timeout`]. A dump read item by item
/// ([`Dump`](crate::Dump)) is the exception: the time the caller spends between items is
/// not the kernel's, so the timeout bounds each wait for more items.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a generic netlink message is in a receive buffer: its headers,
/// parsed once, and its attributes' byte range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    header: NetlinkHeader,
    genl: GenlHeader,
    attrs: (usize, usize),
}

impl Span {
    /// The span of `view`, which borrows from `buf`.
    #[inline]
    pub(crate) fn of(buf: &[u8], view: &GenlView<'_>) -> Span {
        let start = view.attrs.as_ptr() as usize - buf.as_ptr() as usize;
        Span {
            header: view.header,
            genl: view.genl,
            attrs: (start, start + view.attrs.len()),
        }
    }

    /// The view of this span in `buf`.
    #[inline]
    pub(crate) fn view(self, buf: &[u8]) -> GenlView<'_> {
        GenlView {
            header: self.header,
            genl: self.genl,
            attrs: &buf[self.attrs.0..self.attrs.1],
        }
    }
}

/// The settings of a connection used through `&mut self` ([`Connection`],
/// [`AsyncConnection`](crate::AsyncConnection)), written once: each type has
/// `timeout` and `ack_queries` fields and a `families` field (the private
/// `FamilyState`).
macro_rules! setters {
    () => {
        /// Sets how long a request may take (`None`: forever); see
        /// [`DEFAULT_TIMEOUT`](crate::connection::DEFAULT_TIMEOUT) for what it covers.
        pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) {
            self.timeout = timeout;
        }

        /// Whether [`query`](Self::query) asks for an ACK after the reply. Off
        /// by default, as in iproute2 and libnl: the reply already says the
        /// request succeeded, and errors come either way. On, a command that
        /// sends no reply fails at once ("the command sent no reply") instead
        /// of at the timeout, and an error sent after a reply is not missed.
        pub fn set_ack_queries(&mut self, on: bool) {
            self.ack_queries = on;
        }

        /// Whether typed requests are checked, before they are sent, against
        /// what the running module supports: a command it lacks, or an
        /// attribute its policy for the command does not accept, fails with
        /// [`Error::Unsupported`](crate::Error::Unsupported) instead of the kernel's `EOPNOTSUPP` or
        /// `EINVAL` (see [`crate::support`], which also says what the check
        /// cannot know and lets through). On by default; what it needs is
        /// learned lazily, one `GETPOLICY` dump for the first request of each
        /// command that carries attributes, so a connection that sends none
        /// pays nothing. Off, requests go out as they are.
        pub fn set_check_support(&mut self, on: bool) {
            self.families.check_support = on;
        }
    };
}
#[cfg(feature = "tokio")]
pub(crate) use setters;

/// A blocking generic netlink connection.
///
/// ```no_run
/// use genl_core::Connection;
/// let mut conn = Connection::new()?;
/// let nlctrl = conn.resolve("nlctrl")?;
/// assert_eq!(nlctrl.id, 0x10);
/// # Ok::<(), genl_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Connection<T: Transport = Socket> {
    pub(crate) transport: T,
    pub(crate) seq: SeqCounter,
    pub(crate) timeout: Option<Duration>,
    /// The current request's deadline (see [`DEFAULT_TIMEOUT`]).
    pub(crate) deadline: Deadline,
    pub(crate) tx: Vec<u8>,
    pub(crate) rx: Vec<u8>,
    /// The datagram holding a reply while the ACK is read into `rx`.
    pub(crate) held: Vec<u8>,
    /// The family cache, and whether the socket watches the controller
    /// and requests are checked against what the module supports.
    pub(crate) families: FamilyState,
    /// Whether `query` asks for an ACK too.
    pub(crate) ack_queries: bool,
}

impl Connection<Socket> {
    /// Opens a `NETLINK_GENERIC` socket.
    pub fn new() -> Result<Self> {
        Self::with_transport(crate::transport::generic_socket()?)
    }

    /// The socket (for socket options).
    pub fn socket(&self) -> &Socket {
        &self.transport
    }
}

impl<T: Transport> Connection<T> {
    /// A connection over `transport`, watching the controller's
    /// notifications when the transport lets it join their group.
    pub fn with_transport(transport: T) -> Result<Self> {
        let watching = transport.join_group(u32::from(GENL_ID_CTRL)).is_ok();
        Ok(Connection {
            seq: SeqCounter::for_socket(),
            transport,
            timeout: Some(DEFAULT_TIMEOUT),
            deadline: Deadline::default(),
            tx: Vec::with_capacity(4096),
            rx: Vec::with_capacity(RX_BUF_SIZE),
            held: Vec::new(),
            families: FamilyState::new(watching),
            ack_queries: false,
        })
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// This socket's port id (`nl_pid`), assigned by the kernel.
    pub fn port_id(&self) -> u32 {
        self.transport.port_id()
    }

    /// The sequence number of the last request sent (the next one is this
    /// plus one, skipping 0). For diagnostics and tests, e.g. to check that
    /// a forged reply with a matching number is ignored.
    pub fn last_seq(&self) -> u32 {
        self.seq.last()
    }

    setters!();

    /// Applies the controller notifications `events`, read while `ex` was
    /// running, to `ex` (its family may be gone) and to the cache.
    pub(crate) fn on_events(&mut self, ex: &mut Exchange, events: Vec<Option<engine::CtrlEvent>>) {
        for ev in events {
            if let Some(e) = &ev {
                ex.on_control(e);
            }
            self.families.cache.on_control(ev.as_ref());
        }
    }

    /// Reads the controller notifications queued on the socket (and drops
    /// anything else: replies of requests that gave up).
    fn drain_notifications(&mut self) -> Result<()> {
        let portid = self.transport.port_id();
        let transport = &self.transport;
        resolve::drain(&mut self.families.cache, &mut self.rx, portid, |b| {
            transport.try_recv(b)
        })
    }

    /// Receives the next datagram for `ex` into `rx`. While `ex` waits on
    /// a deleted family, only what is already queued is read (see
    /// [`Exchange::awaits_idle`]). `Ok(false)`: `ex` ended without one
    /// (nothing more was queued, or the socket overflowed).
    #[inline(always)]
    pub(crate) fn receive_for(&mut self, ex: &mut Exchange) -> Result<bool> {
        // The common case, inlined into the caller: a blocking receive.
        if !ex.awaits_idle() {
            return match self.transport.recv_by(&mut self.rx, &mut self.deadline) {
                Ok(()) => Ok(true),
                Err(e) => self.receive_failed(ex, e),
            };
        }
        match self.transport.try_recv(&mut self.rx) {
            Ok(true) => Ok(true),
            Ok(false) => {
                ex.on_idle();
                Ok(false)
            }
            Err(e) => self.receive_failed(ex, e),
        }
    }

    /// [`receive_for`](Self::receive_for) after the receive failed with `e`.
    #[cold]
    #[inline(never)]
    fn receive_failed(&mut self, ex: &mut Exchange, e: Error) -> Result<bool> {
        match e {
            // Notifications may be lost too: anything may have changed.
            Error::EventsLost => {
                self.families.cache.clear();
                ex.on_overflow();
                Ok(false)
            }
            e => Err(e),
        }
    }

    /// Sends one request of `mode` and receives until it completes; returns
    /// where its (first) reply is, if it had one.
    #[inline]
    fn exchange<P: Encode + ?Sized>(
        &mut self,
        req: Request<'_, P>,
    ) -> Result<Option<(Span, bool)>> {
        let seq = self.seq.next_mut();
        req.build(&mut self.tx, seq)?;
        self.transport.send(&self.tx)?;
        self.deadline = Deadline::new(self.timeout);
        let schema = req.schema;
        let mut ex = req.exchange(seq);
        // The common case, inlined: the first datagram is the one reply
        // that completes the request.
        if !self.receive_for(&mut ex)? {
            // Ended without a datagram (the socket overflowed).
            ex.finish(&self.tx, schema)?;
            return Ok(None);
        }
        let portid = self.transport.port_id();
        match ex.take_data(&self.rx, 0, portid) {
            Some((v, next)) => {
                let reply = Span::of(&self.rx, &v);
                if next == self.rx.len() && ex.is_done() {
                    ex.finish(&self.tx, schema)?;
                    return Ok(Some((reply, false)));
                }
                self.complete(ex, Some(reply), next, schema)
            }
            None => self.complete(ex, None, 0, schema),
        }
    }

    /// The rest of [`exchange`](Self::exchange): reads the datagram in
    /// `rx` from `pos` on, then receives until `ex` completes. `first` is
    /// the first reply, if already taken.
    #[inline(never)]
    fn complete(
        &mut self,
        mut ex: Exchange,
        first: Option<Span>,
        mut pos: usize,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Option<(Span, bool)>> {
        // The first reply: its span and whether it is in `held`.
        let mut reply: Option<(Span, bool)> = first.map(|s| (s, false));
        let portid = self.transport.port_id();
        let seq = ex.seq();
        loop {
            let mut events = Vec::new();
            while pos < self.rx.len() {
                // The common case in one step: a data message of ours.
                if let Some((v, next)) = ex.take_data(&self.rx, pos, portid) {
                    if reply.is_none() {
                        reply = Some((Span::of(&self.rx, &v), false));
                    }
                    pos = next;
                    continue;
                }
                let mut it = Messages::at(&self.rx, pos);
                let Some(msg) = it.next() else { break };
                let msg = msg?;
                pos = it.position();
                match engine::route(&msg, portid) {
                    Route::Request(s) if s == seq => {
                        if let Step::Reply(v) = ex.absorb(&msg) {
                            if reply.is_none() {
                                reply = Some((Span::of(&self.rx, &v), false));
                            }
                        }
                    }
                    Route::Control(ev) => events.push(ev),
                    Route::Request(_) | Route::Ignore => {}
                }
            }
            self.on_events(&mut ex, events);
            // Keep the datagram holding the reply while receiving the rest.
            if let Some((_, in_held @ false)) = &mut reply {
                if !ex.is_done() {
                    std::mem::swap(&mut self.rx, &mut self.held);
                    *in_held = true;
                }
            }
            if ex.is_done() || !self.receive_for(&mut ex)? {
                break;
            }
            pos = 0;
        }
        ex.finish(&self.tx, schema)?;
        Ok(reply)
    }

    /// The reply recorded by [`exchange`](Self::exchange), as a view.
    fn reply_view(&self, (span, in_held): (Span, bool)) -> GenlView<'_> {
        span.view(if in_held { &self.held } else { &self.rx })
    }

    /// Sends one untyped request ([`RawRequest`]: any family by id, any
    /// attributes, `NLM_F_ACK` and the request's own flags) and waits for
    /// its ACK; returns the reply message if the kernel sent one. Typed
    /// code uses [`request`](Self::request) and [`query`](Self::query).
    pub fn request_by_id<P: Encode + ?Sized>(
        &mut self,
        req: RawRequest<'_, P>,
    ) -> Result<Option<GenlView<'_>>> {
        let at = self.exchange(req.in_mode(Mode::Ack))?;
        Ok(at.map(|at| self.reply_view(at)))
    }

    /// Resolves a family by name through the controller, once; later calls
    /// use the cache, which the controller's notifications keep fresh (read
    /// at most once per millisecond on a hit; see [`crate::resolve`]).
    pub fn resolve(&mut self, name: &str) -> Result<&ResolvedFamily> {
        if self.families.due(name) {
            self.drain_notifications()?;
        }
        if let Some(i) = self.families.cache.position(name) {
            return Ok(self.families.cache.at(i));
        }
        let req = resolve::getfamily_request(name);
        let r = self
            .exchange(resolve::getfamily(&req))
            .and_then(|at| match at {
                Some(at) => Ok(Some(self.reply_view(at).decode::<FamilyInfo<'_>>()?)),
                None => Ok(None),
            });
        let fam = resolve::getfamily_outcome(name, r)?;
        Ok(self.families.cache.insert(name, fam))
    }

    /// Whether the running module has command `cmd`: every operation
    /// (`do`, `dump`) its schema declares is in the op list the controller
    /// reports for the family (`GETFAMILY`, which resolving the family
    /// reads anyway: no extra round trip). A family the controller does
    /// not describe counts as having it ([`crate::support`]). For
    /// branching on what an older module offers:
    ///
    /// ```no_run
    /// # use genl_core::{Connection, controller::ctrl_cmd};
    /// let mut conn = Connection::new()?;
    /// if conn.supports(ctrl_cmd::GetPolicy)? {
    ///     // ...
    /// }
    /// # Ok::<(), genl_core::Error>(())
    /// ```
    pub fn supports<C: Command>(&mut self, cmd: C) -> Result<bool> {
        let _ = cmd;
        client::supports::<C, _>(self)
    }

    /// Whether the running family `family` has a command numbered `cmd`
    /// (a `do`, a `dump` or both), by the controller's op list; untyped
    /// [`supports`](Self::supports). A family the controller does not
    /// describe counts as having it.
    pub fn supports_cmd(&mut self, family: &str, cmd: u8) -> Result<bool> {
        let ops = &self.resolve(family)?.ops;
        Ok(support::op_listed(ops, cmd, false).unwrap_or(true)
            || support::op_listed(ops, cmd, true).unwrap_or(true))
    }

    /// Whether the running module accepts the attribute at `path` in
    /// command `cmd`'s request (of its `do`, else of its `dump`): `path` is
    /// a schema path, the request set's name first or not
    /// (`"AddRule.expires"`, `"expires"`, `"meta.state"`; an array's
    /// elements are passed over: `"actions.kind"`). The module's policy for
    /// the command is learned on first use (one `GETPOLICY` dump, cached
    /// with the family). What the kernel does not say counts as accepted
    /// ([`crate::support`]). A path the schema does not have is
    /// [`Error::InvalidArgument`].
    pub fn supports_attr<C: Command>(&mut self, cmd: C, path: &str) -> Result<bool> {
        let _ = cmd;
        client::supports_attr::<C, _>(self, path)
    }

    /// The version of family `F` the running module registered
    /// (`CTRL_ATTR_VERSION`) and the one this client was built for
    /// ([`FamilySchema::version`](crate::schema::FamilySchema::version)).
    pub fn family_versions<F: Family>(&mut self) -> Result<crate::support::FamilyVersions> {
        let schema = F::SCHEMA;
        Ok(crate::support::FamilyVersions {
            kernel: self.resolve(schema.name)?.version,
            client: schema.version,
        })
    }

    /// Forgets a cached family (it will be resolved again on next use).
    pub fn invalidate(&mut self, name: &str) {
        self.families.cache.invalidate(name);
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK: for
    /// commands whose `do` operation has no reply (see [`Ack`]). A reply
    /// message, which such a command does not declare, is an
    /// [`Error::UnexpectedReply`].
    pub fn request<C: Ack>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let reply = client::send::<C, _, _>(self, req, client::do_request::<C>(), Mode::Ack)?;
        client::ack_only(usize::from(reply.is_some()))
    }

    /// Sends command `cmd` with *any* attributes, not necessarily the request
    /// it declares, and waits for the ACK; returns the reply message if the
    /// kernel sent one. For tests and tools that must send what the schema
    /// forbids (a missing required attribute, an out-of-range value) to see
    /// the kernel reject it; typed code uses [`request`](Self::request) and
    /// [`query`](Self::query). Extended-ACK paths still resolve through the
    /// command's declared request set. The [support
    /// check](Self::set_check_support) does not apply: the kernel decides.
    pub fn request_unchecked<C: Command, P: Encode + ?Sized>(
        &mut self,
        cmd: C,
        payload: &P,
    ) -> Result<Option<GenlView<'_>>> {
        let _ = cmd;
        let schema = C::schema().request_set();
        let at = client::send_with::<C, _, _>(self, payload, schema, Mode::Ack, false)?;
        Ok(at.map(|at| self.reply_view(at)))
    }

    /// Sends command `cmd` with `req` and returns its reply, decoded as the
    /// command declares it (see [`Query`]), borrowing the connection's
    /// receive buffer.
    pub fn query<'c, C: Query>(&'c mut self, cmd: C, req: &C::Request<'_>) -> Result<C::Reply<'c>> {
        let _ = cmd;
        let mode = client::query_mode(self.ack_queries);
        let at = client::send::<C, _, _>(self, req, client::do_request::<C>(), mode)?;
        let this: &'c Self = self;
        Ok(this
            .reply_view(client::the_reply(at)?)
            .decode::<C::Reply<'c>>()?)
    }

    /// Like [`query`](Self::query), without asking for an ACK, and waiting
    /// (up to the timeout) for the reply however late it comes: for
    /// commands the kernel answers asynchronously, e.g. from a workqueue,
    /// with the request's sequence number. Errors still arrive as
    /// `NLMSG_ERROR`.
    pub fn query_deferred<'c, C: Query>(
        &'c mut self,
        cmd: C,
        req: &C::Request<'_>,
    ) -> Result<C::Reply<'c>> {
        let _ = cmd;
        let at = client::send::<C, _, _>(self, req, client::do_request::<C>(), Mode::FirstReply)?;
        let this: &'c Self = self;
        Ok(this
            .reply_view(client::the_reply(at)?)
            .decode::<C::Reply<'c>>()?)
    }
}

impl<T: Transport> Client for Connection<T> {
    type Replies = Option<(Span, bool)>;

    #[inline]
    fn family_id(&mut self, name: &'static str) -> Result<u16> {
        if let Some(id) = self.last_id(name)? {
            return Ok(id);
        }
        let id = self.resolve(name)?.id;
        self.remember(name, id);
        Ok(id)
    }

    #[inline]
    fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies> {
        Connection::exchange(self, req)
    }

    fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy> {
        let req = support::policy_request(name, cmd);
        let p = support::policy(&req);
        let policy = self.start_dump(p).and_then(|mut dump| {
            // Every message is read, even after one fails to decode.
            let mut out = support::PolicyCollector::default();
            while let Some(m) = dump.next()? {
                out.add(m.decode::<PolicyMessage<'_>>());
            }
            out.finish()
        });
        support::collect_policy(name, cmd, policy)
    }
}

impl<T: Transport> Families for Connection<T> {
    type State<'a>
        = &'a mut FamilyState
    where
        T: 'a;

    #[inline]
    fn state(&mut self) -> &mut FamilyState {
        &mut self.families
    }

    fn drain(&mut self) -> Result<()> {
        self.drain_notifications()
    }
}

#[cfg(test)]
mod tests;
