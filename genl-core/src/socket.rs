//! A blocking generic netlink connection on `netlink-sys`.
//!
//! - Every request gets its own sequence number; replies are accepted only
//!   when they come from the kernel (sender port 0) with that sequence number
//!   and our port id. Anything else (stale replies of a timed-out request,
//!   messages from other sockets) is skipped, never handed to the caller.
//! - `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK` are on. An ACK alone is `Ok`; an
//!   `NLMSG_ERROR` becomes [`Error::Kernel`] with errno, the kernel's extack
//!   message, and the failing attribute's *path* resolved through the
//!   request's schema.
//! - Replies are decoded in place: a [`GenlView`] borrows the receive buffer.
//! - Requests are typed ([`crate::command`]): [`Connection::request`],
//!   [`Connection::query`] and [`Connection::dump`] take a command type and
//!   only its declared request, and return its declared reply.
//! - Dumps are a lending iterator ([`Dump`]); `NLMSG_DONE` with an error is an
//!   error and `NLM_F_DUMP_INTR` is reported as [`Error::DumpInterrupted`].
//! - A datagram larger than the receive buffer (`MSG_TRUNC`) is an error, not
//!   silent truncation; `ENOBUFS` is [`Error::EventsLost`].

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

use crate::codec::{Encode, Family};
use crate::command::{Ack, Command, DumpCommand, Query};
use crate::controller::{self, CtrlCmd, FamilyInfo};
use crate::error::{Error, KernelError, Result};
use crate::message::{
    build_message, ext_ack_error, GenlHeader, GenlView, Messages, Received, GENL_HDRLEN,
    NLMSG_HDRLEN, NLM_F_DUMP_INTR,
};
use crate::schema::AttrSetSchema;

/// `NLM_F_REQUEST`.
pub const NLM_F_REQUEST: u16 = 0x01;
/// `NLM_F_ACK`.
pub const NLM_F_ACK: u16 = 0x04;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
pub const NLM_F_DUMP: u16 = 0x300;

/// Receive buffer size. The kernel sizes dump skbs to at most 32 KiB plus
/// headroom for large-page systems; 64 KiB holds any of them, and larger
/// datagrams are detected with `MSG_TRUNC` rather than cut silently.
pub const RX_BUF_SIZE: usize = 64 * 1024;

/// Default time to wait for each reply datagram.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The family cache: requested name and family. A connection resolves a
/// handful of families, so a linear scan beats hashing: a cache hit costs
/// a few string comparisons.
type FamilyCache = Vec<(String, ResolvedFamily)>;

/// A resolved family: what the controller reported about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFamily {
    /// The family name.
    pub name: String,
    /// The id to address it with (`nlmsg_type`).
    pub id: u16,
    /// The version the kernel registered.
    pub version: u32,
    /// The largest attribute id it accepts.
    pub max_attr: u32,
    /// Multicast groups: name and id.
    pub mcast_groups: Vec<(String, u32)>,
}

impl ResolvedFamily {
    pub(crate) fn from_info(info: &FamilyInfo<'_>) -> Self {
        ResolvedFamily {
            name: info.family_name.to_owned(),
            id: info.family_id,
            version: info.version,
            max_attr: info.maxattr,
            mcast_groups: info
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
        }
    }

    /// The id of multicast group `name`.
    pub fn group(&self, name: &str) -> Option<u32> {
        self.mcast_groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }
}

/// What one receive call produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recv {
    /// A datagram is in the buffer (from the kernel, for `recv_once`).
    Kernel,
    /// Nothing usable (interrupted, or a datagram from another socket).
    Retry,
    /// A non-blocking socket has nothing queued.
    WouldBlock,
}

/// The raw socket with the receive logic shared by connections and
/// subscriptions.
#[derive(Debug)]
pub(crate) struct RawSocket {
    pub(crate) sock: Socket,
    pub(crate) portid: u32,
    pub(crate) timeout: Option<Duration>,
}

impl RawSocket {
    pub(crate) fn open(protocol: isize) -> Result<Self> {
        let mut sock = Socket::new(protocol)?;
        let addr = sock.bind_auto()?;
        // Best effort: old kernels without these options still work, with
        // less detail in errors.
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        Ok(RawSocket {
            sock,
            portid: addr.port_number(),
            timeout: Some(DEFAULT_TIMEOUT),
        })
    }

    pub(crate) fn send(&self, buf: &[u8]) -> Result<()> {
        let kernel = SocketAddr::new(0, 0);
        let n = self.sock.send_to(buf, &kernel, 0)?;
        if n != buf.len() {
            return Err(Error::UnexpectedReply("short send"));
        }
        Ok(())
    }

    /// Receives one datagram from the kernel into `buf` (resized to its
    /// length). Datagrams from other senders are skipped.
    pub(crate) fn recv(&self, buf: &mut Vec<u8>, deadline: Option<Instant>) -> Result<()> {
        let r = self.recv_inner(buf, deadline);
        if r.is_err() {
            // Never leave stale or zeroed bytes behind to be parsed later.
            buf.clear();
        }
        r
    }

    fn recv_inner(&self, buf: &mut Vec<u8>, deadline: Option<Instant>) -> Result<()> {
        // The kernel usually has the reply queued by the time `sendto`
        // returns (doit handlers and the first dump skb run in the sender's
        // context), so try a non-blocking receive first and only wait (with
        // `poll`) when nothing is there: one syscall per datagram.
        loop {
            match self.recv_flags(buf, libc::MSG_DONTWAIT)? {
                Recv::Kernel => return Ok(()),
                Recv::Retry => {}
                Recv::WouldBlock => self.wait_readable_or_forever(deadline)?,
            }
        }
    }

    /// [`wait_readable`](Self::wait_readable), but without a deadline it
    /// waits as long as it takes.
    fn wait_readable_or_forever(&self, deadline: Option<Instant>) -> Result<()> {
        match deadline {
            Some(_) => self.wait_readable(deadline),
            None => loop {
                let mut pfd = libc::pollfd {
                    fd: self.sock.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                if unsafe { libc::poll(&mut pfd, 1, -1) } >= 0 {
                    return Ok(());
                }
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EINTR) {
                    return Err(Error::Io(e));
                }
            },
        }
    }

    /// One `recvfrom` into `buf` that keeps only datagrams from the kernel.
    pub(crate) fn recv_once(&self, buf: &mut Vec<u8>) -> Result<Recv> {
        self.recv_flags(buf, 0)
    }

    /// [`recv_once`](Self::recv_once) with extra `recvfrom` flags.
    fn recv_flags(&self, buf: &mut Vec<u8>, flags: libc::c_int) -> Result<Recv> {
        match self.recv_any_flags(buf, flags)? {
            (Recv::Kernel, 0) => Ok(Recv::Kernel),
            (Recv::Kernel, _) => {
                buf.clear();
                Ok(Recv::Retry) // not from the kernel
            }
            (other, _) => Ok(other),
        }
    }

    /// One `recvfrom` into `buf` (resized to the datagram), from any sender;
    /// returns the sender's port id. Detects truncation (`MSG_TRUNC`) and
    /// overflow (`ENOBUFS`).
    pub(crate) fn recv_any(&self, buf: &mut Vec<u8>) -> Result<(Recv, u32)> {
        self.recv_any_flags(buf, 0)
    }

    fn recv_any_flags(&self, buf: &mut Vec<u8>, flags: libc::c_int) -> Result<(Recv, u32)> {
        // Receive into the spare capacity: no zeroing of 64 KiB per call.
        buf.clear();
        buf.reserve(RX_BUF_SIZE);
        let cap = buf.capacity();
        // SAFETY: an all-zero sockaddr_nl is valid; recvfrom writes at
        // most `cap` bytes into the buffer's allocation and at most `alen`
        // into `addr`.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        let mut alen = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        let n = unsafe {
            libc::recvfrom(
                self.sock.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                cap,
                libc::MSG_TRUNC | flags,
                (&mut addr as *mut libc::sockaddr_nl).cast(),
                &mut alen,
            )
        };
        if n < 0 {
            buf.clear();
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOBUFS) => Err(Error::EventsLost),
                Some(libc::EINTR) => Ok((Recv::Retry, 0)),
                Some(libc::EAGAIN) => Ok((Recv::WouldBlock, 0)),
                _ => Err(Error::Io(e)),
            };
        }
        let n = n as usize;
        if n > cap {
            return Err(Error::Truncated {
                size: n,
                buffer: cap,
            });
        }
        // SAFETY: the kernel initialized the first `n <= cap` bytes.
        unsafe { buf.set_len(n) };
        Ok((Recv::Kernel, addr.nl_pid))
    }

    pub(crate) fn wait_readable(&self, deadline: Option<Instant>) -> Result<()> {
        let Some(deadline) = deadline else {
            return Ok(());
        };
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = left.as_millis().min(i32::MAX as u128) as i32;
            let mut pfd = libc::pollfd {
                fd: self.sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r > 0 {
                return Ok(());
            }
            if r == 0 {
                return Err(Error::Timeout);
            }
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINTR) {
                return Err(Error::Io(e));
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }
}

/// A blocking generic netlink connection.
///
/// ```no_run
/// use genl_core::{Connection, controller::CtrlCmd};
/// let mut conn = Connection::new()?;
/// let nlctrl = conn.resolve("nlctrl")?;
/// assert_eq!(nlctrl.id, 0x10);
/// # Ok::<(), genl_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Connection {
    raw: RawSocket,
    seq: u32,
    tx: Vec<u8>,
    rx: Vec<u8>,
    held: Vec<u8>,
    families: FamilyCache,
    watch: Option<FamilyWatch>,
}

/// Listens to nlctrl's `notify` group (fixed id `GENL_ID_CTRL`) on a
/// non-blocking socket, to invalidate cached families.
#[derive(Debug)]
struct FamilyWatch {
    raw: RawSocket,
    rx: Vec<u8>,
    /// Coarse monotonic time (ns) before which the socket is not checked.
    next_check: u64,
}

/// How often a cache hit looks at the notify socket. Checking costs a
/// `recvfrom` syscall (hundreds of ns, far more than the lookup itself), so
/// hits check at most once per interval; a miss always checks. A family
/// that changed within the interval can thus still be served from the
/// cache for up to one interval (plus one tick of the coarse clock, 1–4
/// ms); a request sent with such a stale id fails with `ENOENT` and
/// [`Connection::request`] then resolves again and retries.
const WATCH_INTERVAL_NS: u64 = 1_000_000;

/// `CLOCK_MONOTONIC_COARSE` in ns: read from the vDSO without a syscall,
/// a few ns.
fn coarse_now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl FamilyWatch {
    fn open() -> Result<Self> {
        let raw = RawSocket::open(NETLINK_GENERIC)?;
        raw.sock.set_non_blocking(true)?;
        raw.sock
            .add_membership(u32::from(controller::GENL_ID_CTRL))?;
        Ok(FamilyWatch {
            raw,
            rx: Vec::new(),
            next_check: 0,
        })
    }

    /// [`drain`](Self::drain) if `force` or the last check is older than
    /// [`WATCH_INTERVAL_NS`].
    /// Returns whether it drained.
    #[inline]
    fn refresh(&mut self, cache: &mut FamilyCache, force: bool) -> bool {
        let now = coarse_now_ns();
        if force || now >= self.next_check {
            self.next_check = now + WATCH_INTERVAL_NS;
            self.drain(cache);
            return true;
        }
        false
    }

    /// Drops cache entries of families that changed since the last call.
    fn drain(&mut self, cache: &mut FamilyCache) {
        loop {
            match self.raw.recv_once(&mut self.rx) {
                Ok(Recv::Kernel) => {}
                Ok(Recv::Retry) => continue,
                Ok(Recv::WouldBlock) => return,
                // Lost notifications: anything may have changed.
                Err(_) => {
                    cache.clear();
                    return;
                }
            }
            for msg in Messages::new(&self.rx).map_while(|m| m.ok()) {
                if msg.header.message_type != controller::GENL_ID_CTRL {
                    continue;
                }
                let Ok(Received::Genl(v)) = Received::parse(&msg) else {
                    continue;
                };
                match v.decode::<FamilyInfo<'_>>() {
                    Ok(f) => cache.retain(|(n, _)| n != f.family_name),
                    Err(_) => cache.clear(),
                }
            }
        }
    }
}

/// Where the reply of a request is: which buffer, which bytes.
#[derive(Clone, Copy)]
struct ReplyAt {
    in_held: bool,
    start: usize,
    end: usize,
    family_id: u16,
    seq: u32,
}

impl Connection {
    /// Opens a `NETLINK_GENERIC` socket.
    pub fn new() -> Result<Self> {
        Self::with_protocol(NETLINK_GENERIC)
    }

    /// Opens a socket of another netlink protocol (requests and replies use
    /// the same framing; `GenlView` then reads the first 4 payload bytes as
    /// the genl header, so use [`Connection::request_raw`]'s raw bytes).
    pub fn with_protocol(protocol: isize) -> Result<Self> {
        Ok(Connection {
            raw: RawSocket::open(protocol)?,
            seq: std::process::id().wrapping_mul(7919),
            tx: Vec::with_capacity(4096),
            rx: Vec::with_capacity(RX_BUF_SIZE),
            held: Vec::new(),
            families: FamilyCache::new(),
            watch: None,
        })
    }

    /// This socket's port id (`nl_pid`), assigned by the kernel.
    pub fn port_id(&self) -> u32 {
        self.raw.portid
    }

    /// The sequence number of the last request sent (the next one is this
    /// plus one, skipping 0). For diagnostics and tests, e.g. to check that
    /// a forged reply with a matching number is ignored.
    pub fn last_seq(&self) -> u32 {
        self.seq
    }

    /// Sets how long to wait for each reply datagram (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.raw.timeout = timeout;
    }

    /// The underlying netlink-sys socket (for socket options).
    pub fn socket(&self) -> &Socket {
        &self.raw.sock
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        if self.seq == 0 {
            self.seq = 1;
        }
        self.seq
    }

    /// Sends one request (`NLM_F_REQUEST | NLM_F_ACK | flags`) and waits for
    /// its ACK. Returns the reply message if the kernel sent one.
    ///
    /// `schema` is the request's attribute set; with it, an extack offset is
    /// resolved to the attribute's path.
    pub fn request_raw<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        flags: u16,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Option<GenlView<'_>>> {
        match self.exchange(family_id, genl, flags, payload, schema)? {
            Some(at) => self.view_at(at).map(Some),
            None => Ok(None),
        }
    }

    /// Sends a request and receives until its ACK; returns where the reply
    /// is (without borrowing, so callers can decide what to do next).
    fn exchange<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        flags: u16,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Option<ReplyAt>> {
        self.exchange_mode(family_id, genl, flags, payload, schema, true)
    }

    /// [`exchange`](Self::exchange); with `ack == false` the request does not
    /// ask for an ACK and completes at its first reply message.
    fn exchange_mode<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        flags: u16,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
        ack: bool,
    ) -> Result<Option<ReplyAt>> {
        let seq = self.next_seq();
        let ack_flag = if ack { NLM_F_ACK } else { 0 };
        build_message(
            &mut self.tx,
            family_id,
            NLM_F_REQUEST | ack_flag | flags,
            seq,
            genl,
            payload,
        )?;
        self.raw.send(&self.tx)?;
        let deadline = self.raw.deadline();
        let mut reply: Option<ReplyAt> = None;
        let mut extra_replies = 0usize;
        loop {
            self.raw.recv(&mut self.rx, deadline)?;
            let mut acked = false;
            for msg in Messages::new(&self.rx) {
                let msg = msg?;
                let h = msg.header;
                if h.sequence_number != seq || h.port_number != self.raw.portid {
                    continue;
                }
                match Received::parse(&msg)? {
                    Received::Error(e) => {
                        if let Some(err) = e.to_kernel_error() {
                            return Err(Error::Kernel(resolve_paths(err, &self.tx, schema)));
                        }
                        acked = true;
                    }
                    Received::Genl(_) => {
                        if reply.is_some() {
                            extra_replies += 1;
                            continue;
                        }
                        let start = msg.payload.as_ptr() as usize - self.rx.as_ptr() as usize;
                        reply = Some(ReplyAt {
                            in_held: false,
                            start,
                            end: start + msg.payload.len(),
                            family_id,
                            seq,
                        });
                    }
                    Received::Done { code, ext_ack, .. } => {
                        if code < 0 {
                            let err = ext_ack_error(code, &ext_ack);
                            return Err(Error::Kernel(resolve_paths(err, &self.tx, schema)));
                        }
                        acked = true;
                    }
                    Received::Noop(_) => {}
                }
            }
            if acked || (!ack && reply.is_some()) {
                break;
            }
            // Keep the datagram holding the reply while receiving the ACK.
            if let Some(r) = reply.as_mut() {
                if !r.in_held {
                    std::mem::swap(&mut self.rx, &mut self.held);
                    r.in_held = true;
                }
            }
        }
        if extra_replies > 0 {
            return Err(Error::UnexpectedReply(
                "more than one reply message to a single request",
            ));
        }
        Ok(reply)
    }

    /// The reply recorded by [`exchange`](Self::exchange), as a view.
    fn view_at(&self, r: ReplyAt) -> Result<GenlView<'_>> {
        let buf = if r.in_held { &self.held } else { &self.rx };
        let payload = &buf[r.start..r.end];
        let genl = GenlHeader::parse(payload)?;
        let mut header = netlink_packet_core::NetlinkHeader::default();
        header.length = (payload.len() + NLMSG_HDRLEN) as u32;
        header.message_type = r.family_id;
        header.sequence_number = r.seq;
        header.port_number = self.raw.portid;
        Ok(GenlView {
            header,
            genl,
            attrs: &payload[GENL_HDRLEN..],
        })
    }

    /// Starts a dump (`NLM_F_REQUEST | NLM_F_DUMP`) of any family and
    /// command; iterate the returned [`RawDump`] with [`RawDump::next`].
    pub fn dump_raw<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<RawDump<'_>> {
        let seq = self.next_seq();
        build_message(
            &mut self.tx,
            family_id,
            NLM_F_REQUEST | NLM_F_DUMP,
            seq,
            genl,
            payload,
        )?;
        self.raw.send(&self.tx)?;
        self.rx.clear();
        Ok(RawDump {
            deadline_step: self.raw.timeout,
            conn: self,
            seq,
            pos: 0,
            done: false,
            interrupted: false,
            schema,
        })
    }

    /// Resolves a family by name through the controller, once; later calls
    /// use the cache. The cache listens to the controller's `notify` group:
    /// a family that was unregistered or registered again since is looked up
    /// anew. To keep cache hits cheap (tens of ns, no syscall), a hit checks
    /// the notifications at most once per millisecond; a request that still
    /// used a stale id gets `ENOENT`, and [`request`](Self::request)
    /// resolves again and retries.
    pub fn resolve(&mut self, name: &str) -> Result<&ResolvedFamily> {
        if self.watch.is_none() {
            // Best effort: without it, stale ids are still caught by the
            // ENOENT retry in `request`.
            self.watch = FamilyWatch::open().ok();
        }
        let find = |c: &FamilyCache| c.iter().position(|(n, _)| n == name);
        let mut at = find(&self.families);
        if let Some(w) = self.watch.as_mut() {
            if w.refresh(&mut self.families, at.is_none()) {
                at = find(&self.families);
            }
        }
        let i = match at {
            Some(i) => i,
            None => {
                let fam = self.lookup_family(name)?;
                self.families.push((name.to_owned(), fam));
                self.families.len() - 1
            }
        };
        Ok(&self.families[i].1)
    }

    /// Forgets a cached family (it will be resolved again on next use).
    pub fn invalidate(&mut self, name: &str) {
        self.families.retain(|(n, _)| n != name);
    }

    fn lookup_family(&mut self, name: &str) -> Result<ResolvedFamily> {
        let req = controller::GetFamily::by_name(name);
        let genl = GenlHeader {
            cmd: CtrlCmd::GetFamily.cmd(),
            version: controller::CTRL_VERSION,
        };
        match self.request_raw(
            controller::GENL_ID_CTRL,
            genl,
            0,
            &req,
            Some(<controller::GetFamily<'_> as crate::AttrSet>::SCHEMA),
        ) {
            Ok(Some(view)) => Ok(ResolvedFamily::from_info(&view.decode::<FamilyInfo<'_>>()?)),
            Ok(None) => Err(Error::UnexpectedReply("GETFAMILY returned no family")),
            Err(Error::Kernel(k)) if k.errno == libc::ENOENT => {
                Err(Error::FamilyNotFound(name.to_owned()))
            }
            Err(e) => Err(e),
        }
    }

    fn header_for<F: Family>(&mut self, cmd: u8) -> Result<(u16, GenlHeader)> {
        let id = self.resolve(F::SCHEMA.name)?.id;
        Ok((
            id,
            GenlHeader {
                cmd,
                version: F::SCHEMA.version,
            },
        ))
    }

    /// Sends command `C` with `req`; with `ack`, waits for the ACK,
    /// otherwise for the first reply. The family is resolved (and cached)
    /// by name; if the kernel answers `ENOENT`/`EOPNOTSUPP` and the family's
    /// id has changed (module reloaded), the request is retried once.
    fn send_command<C: Command, P: Encode + ?Sized>(
        &mut self,
        req: &P,
        schema: Option<&'static AttrSetSchema>,
        ack: bool,
    ) -> Result<Option<ReplyAt>> {
        let name = <C::Family as Family>::SCHEMA.name;
        let (id, genl) = self.header_for::<C::Family>(C::ID)?;
        match self.exchange_mode(id, genl, 0, req, schema, ack) {
            Err(Error::Kernel(k)) if self.family_moved(name, id, &k)? => {
                let (id, genl) = self.header_for::<C::Family>(C::ID)?;
                self.exchange_mode(id, genl, 0, req, schema, ack)
            }
            other => other,
        }
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK: for
    /// commands whose `do` operation has no reply (see [`Ack`]). A reply
    /// message, which such a command does not declare, is an
    /// [`Error::UnexpectedReply`].
    pub fn request<C: Ack>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        match self.send_command::<C, _>(req, schema, true)? {
            None => Ok(()),
            Some(_) => Err(Error::UnexpectedReply(
                "a reply to a command whose schema declares none",
            )),
        }
    }

    /// Sends command `cmd` with *any* attributes, not necessarily the request
    /// it declares, and waits for the ACK; returns the reply message if the
    /// kernel sent one. For tests and tools that must send what the schema
    /// forbids (a missing required attribute, an out-of-range value) to see
    /// the kernel reject it; typed code uses [`request`](Self::request) and
    /// [`query`](Self::query). Extended-ACK paths still resolve through the
    /// command's declared request set.
    pub fn request_unchecked<C: Command, P: Encode + ?Sized>(
        &mut self,
        cmd: C,
        payload: &P,
    ) -> Result<Option<GenlView<'_>>> {
        let _ = cmd;
        let schema = C::schema().request_set();
        match self.send_command::<C, _>(payload, schema, true)? {
            Some(at) => self.view_at(at).map(Some),
            None => Ok(None),
        }
    }

    /// Sends command `cmd` with `req` and returns its reply, decoded as the
    /// command declares it (see [`Query`]), borrowing the connection's
    /// receive buffer.
    pub fn query<'c, C: Query>(&'c mut self, cmd: C, req: &C::Request<'_>) -> Result<C::Reply<'c>> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        let at = self.send_command::<C, _>(req, schema, true)?;
        let this: &'c Self = self;
        match at {
            Some(at) => Ok(this.view_at(at)?.decode::<C::Reply<'c>>()?),
            None => Err(Error::UnexpectedReply("the command sent no reply")),
        }
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
        let schema = C::schema().do_.and_then(|o| o.request);
        let at = self.send_command::<C, _>(req, schema, false)?;
        let this: &'c Self = self;
        match at {
            Some(at) => Ok(this.view_at(at)?.decode::<C::Reply<'c>>()?),
            None => Err(Error::UnexpectedReply("the command sent no reply")),
        }
    }

    /// Starts a dump of command `cmd` (see [`DumpCommand`]); iterate the
    /// returned [`Dump`] with [`Dump::next`].
    pub fn dump<C: DumpCommand>(
        &mut self,
        cmd: C,
        req: &C::DumpRequest<'_>,
    ) -> Result<Dump<'_, C>> {
        let _ = cmd;
        let schema = C::schema().dump.and_then(|o| o.request);
        let (id, genl) = self.header_for::<C::Family>(C::ID)?;
        Ok(Dump {
            raw: self.dump_raw(id, genl, req, schema)?,
            _cmd: std::marker::PhantomData,
        })
    }

    /// After a kernel error: whether the family was re-registered under a
    /// new id (then the caller retries). Drops the stale cache entry.
    fn family_moved(&mut self, name: &str, old_id: u16, err: &KernelError) -> Result<bool> {
        if err.errno != libc::ENOENT && err.errno != libc::EOPNOTSUPP {
            return Ok(false);
        }
        self.invalidate(name);
        match self.resolve(name) {
            Ok(f) => Ok(f.id != old_id),
            Err(Error::FamilyNotFound(n)) => Err(Error::FamilyNotFound(n)),
            Err(e) => Err(e),
        }
    }
}

/// Fills in [`KernelError::path`] and [`KernelError::missing_path`] from the
/// offsets the kernel reported, through the request's schema.
pub(crate) fn resolve_paths(
    mut err: KernelError,
    request: &[u8],
    schema: Option<&'static AttrSetSchema>,
) -> KernelError {
    let Some(set) = schema else { return err };
    let attrs_at = NLMSG_HDRLEN + GENL_HDRLEN;
    let attrs = request.get(attrs_at..).unwrap_or_default();
    if let Some(off) = err.offset {
        if let Some(off) = (off as usize).checked_sub(attrs_at) {
            err.path = set.path_at(attrs, off).map(|(p, _)| p);
        }
    }
    if let Some(t) = err.missing_type {
        let (prefix, nest_set) = match err.missing_nest {
            Some(n) => match (n as usize)
                .checked_sub(attrs_at)
                .and_then(|o| set.path_at(attrs, o))
            {
                Some((p, Some(s))) => (p, s),
                _ => return err,
            },
            None => (set.name.to_owned(), set),
        };
        err.missing_path = Some(match u16::try_from(t).ok().and_then(|t| nest_set.attr(t)) {
            Some(a) => format!("{prefix}.{}", a.name),
            None => format!("{prefix}.<attribute {t}>"),
        });
    }
    err
}

/// A dump of a typed command in progress: a lending iterator over the
/// dumped messages, each decoded as the command declares.
///
/// ```no_run
/// # use genl_core::{Connection, controller::ctrl_cmd};
/// let mut conn = Connection::new()?;
/// let mut dump = conn.dump(ctrl_cmd::GetFamily, &())?;
/// while let Some(fam) = dump.next()? {
///     println!("{} {}", fam.family_id, fam.family_name);
/// }
/// # Ok::<(), genl_core::Error>(())
/// ```
pub struct Dump<'c, C: DumpCommand> {
    raw: RawDump<'c>,
    _cmd: std::marker::PhantomData<C>,
}

impl<C: DumpCommand> std::fmt::Debug for Dump<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dump")
            .field("command", &C::NAME)
            .field("raw", &self.raw)
            .finish()
    }
}

impl<'c, C: DumpCommand> Dump<'c, C> {
    /// The next dumped message, decoded, borrowing the receive buffer;
    /// `Ok(None)` after `NLMSG_DONE`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<C::Item<'_>>> {
        match self.raw.next()? {
            Some(view) => Ok(Some(view.decode::<C::Item<'_>>()?)),
            None => Ok(None),
        }
    }

    /// The next dumped message as an undecoded view.
    pub fn next_view(&mut self) -> Result<Option<GenlView<'_>>> {
        self.raw.next()
    }

    /// Runs `f` on every dumped message, collecting its results.
    pub fn map<T>(mut self, mut f: impl FnMut(C::Item<'_>) -> T) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(m) = self.next()? {
            out.push(f(m));
        }
        Ok(out)
    }

    /// The untyped dump underneath.
    pub fn into_raw(self) -> RawDump<'c> {
        self.raw
    }
}

/// A dump in progress, untyped: a lending iterator over the reply messages
/// as [`GenlView`]s (see [`Connection::dump_raw`]).
#[derive(Debug)]
pub struct RawDump<'c> {
    conn: &'c mut Connection,
    seq: u32,
    pos: usize,
    done: bool,
    interrupted: bool,
    deadline_step: Option<Duration>,
    schema: Option<&'static AttrSetSchema>,
}

impl RawDump<'_> {
    /// The next message of the dump, borrowed from the receive buffer;
    /// `Ok(None)` after `NLMSG_DONE`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<GenlView<'_>>> {
        if self.done {
            return Ok(None);
        }
        loop {
            if self.pos >= self.conn.rx.len() {
                let deadline = self.deadline_step.map(|t| Instant::now() + t);
                self.conn.raw.recv(&mut self.conn.rx, deadline)?;
                self.pos = 0;
            }
            // Find the next message of ours; remember where it is so the
            // borrow of the buffer is taken only once, on return.
            let mut found: Option<(usize, usize)> = None;
            let rest = &self.conn.rx[self.pos..];
            let base = self.pos;
            let mut consumed = rest.len();
            for msg in Messages::new(rest) {
                let msg = msg?;
                let h = msg.header;
                let start = msg.payload.as_ptr() as usize - rest.as_ptr() as usize;
                let next_pos = crate::wire::nla_align(start + msg.payload.len()).min(rest.len());
                if h.sequence_number != self.seq || h.port_number != self.conn.raw.portid {
                    continue;
                }
                if h.flags & NLM_F_DUMP_INTR != 0 {
                    self.interrupted = true;
                }
                match Received::parse(&msg)? {
                    Received::Genl(_) => {
                        found = Some((base + start, base + start + msg.payload.len()));
                        consumed = next_pos;
                        break;
                    }
                    Received::Done { code, ext_ack, .. } => {
                        self.done = true;
                        if code < 0 {
                            let err = ext_ack_error(code, &ext_ack);
                            return Err(Error::Kernel(resolve_paths(
                                err,
                                &self.conn.tx,
                                self.schema,
                            )));
                        }
                        if self.interrupted {
                            return Err(Error::DumpInterrupted);
                        }
                        return Ok(None);
                    }
                    Received::Error(e) => {
                        self.done = true;
                        return match e.to_kernel_error() {
                            Some(err) => Err(Error::Kernel(resolve_paths(
                                err,
                                &self.conn.tx,
                                self.schema,
                            ))),
                            None => Ok(None),
                        };
                    }
                    Received::Noop(_) => {}
                }
            }
            self.pos = base + consumed;
            if let Some((start, end)) = found {
                let payload = &self.conn.rx[start..end];
                let genl = GenlHeader::parse(payload)?;
                let mut header = netlink_packet_core::NetlinkHeader::default();
                header.length = (payload.len() + NLMSG_HDRLEN) as u32;
                header.sequence_number = self.seq;
                header.port_number = self.conn.raw.portid;
                return Ok(Some(GenlView {
                    header,
                    genl,
                    attrs: &payload[GENL_HDRLEN..],
                }));
            }
        }
    }

    /// Runs `f` on every message of the dump, collecting its results.
    pub fn map<T>(mut self, mut f: impl FnMut(GenlView<'_>) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(m) = self.next()? {
            out.push(f(m)?);
        }
        Ok(out)
    }
}

/// A multicast subscription on its own socket, so events never interleave
/// with request replies.
#[derive(Debug)]
pub struct Subscription {
    raw: RawSocket,
    rx: Vec<u8>,
    pos: usize,
    family_id: u16,
}

impl Subscription {
    /// Joins group `group` of family `family`, both by name (resolved
    /// through the controller; group ids above 31 work, as the socket joins
    /// with `NETLINK_ADD_MEMBERSHIP`).
    pub fn new(family: &str, group: &str) -> Result<Self> {
        let mut conn = Connection::new()?;
        let fam = conn.resolve(family)?.clone();
        let gid = fam.group(group).ok_or_else(|| Error::GroupNotFound {
            family: family.to_owned(),
            group: group.to_owned(),
        })?;
        let mut raw = RawSocket::open(NETLINK_GENERIC)?;
        raw.sock.add_membership(gid)?;
        raw.timeout = None;
        Ok(Subscription {
            raw,
            rx: Vec::with_capacity(RX_BUF_SIZE),
            pos: 0,
            family_id: fam.id,
        })
    }

    /// Sets the receive socket buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.raw.sock.set_rx_buf_sz(bytes)?;
        Ok(())
    }

    /// Sets how long [`next_event`](Self::next_event) waits (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.raw.timeout = timeout;
    }

    /// The next event of the family, borrowed from the receive buffer.
    /// [`Error::EventsLost`] reports an overflow; the subscription keeps
    /// working after it.
    pub fn next_event(&mut self) -> Result<GenlView<'_>> {
        loop {
            if self.pos >= self.rx.len() {
                self.pos = 0;
                self.rx.clear();
                let deadline = self.raw.deadline();
                self.raw.recv(&mut self.rx, deadline)?;
            }
            let rest = &self.rx[self.pos..];
            let base = self.pos;
            let mut found = None;
            let mut consumed = rest.len();
            for msg in Messages::new(rest) {
                let msg = msg?;
                let start = msg.payload.as_ptr() as usize - rest.as_ptr() as usize;
                if msg.header.message_type == self.family_id {
                    found = Some((base + start, base + start + msg.payload.len()));
                    consumed = crate::wire::nla_align(start + msg.payload.len()).min(rest.len());
                    break;
                }
            }
            self.pos = base + consumed;
            if let Some((s, e)) = found {
                let payload = &self.rx[s..e];
                let genl = GenlHeader::parse(payload)?;
                let mut header = netlink_packet_core::NetlinkHeader::default();
                header.length = (payload.len() + NLMSG_HDRLEN) as u32;
                header.message_type = self.family_id;
                return Ok(GenlView {
                    header,
                    genl,
                    attrs: &payload[GENL_HDRLEN..],
                });
            }
        }
    }
}
