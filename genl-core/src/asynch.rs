//! The async (tokio) connection and subscription: the same semantics as the
//! blocking [`Connection`](crate::Connection) — sequence and sender
//! matching, extended ACK with attribute paths, dumps, `ENOBUFS` as
//! [`Error::EventsLost`], `MSG_TRUNC` detection, timeouts — on a
//! non-blocking socket driven by tokio's reactor.
//!
//! Enable with the `tokio` feature.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use netlink_sys::protocols::NETLINK_GENERIC;
use tokio::io::unix::AsyncFd;

use crate::codec::{Encode, Family};
use crate::command::{Ack, Command, DumpCommand, Query};
use crate::controller::{CtrlCmd, FamilyInfo, GetFamily, CTRL_VERSION, GENL_ID_CTRL};
use crate::error::{Error, Result};
use crate::message::{build_message, GenlHeader, Messages};
use crate::schema::AttrSetSchema;
use crate::shared::{Item, OwnedReply, Pending, Reply};
use crate::socket::{RawSocket, Recv, ResolvedFamily, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};

struct Fd(RawSocket);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.sock.as_raw_fd()
    }
}

async fn recv(fd: &AsyncFd<Fd>, buf: &mut Vec<u8>) -> Result<()> {
    loop {
        let mut guard = fd.readable().await?;
        match guard.get_inner().0.recv_once(buf)? {
            Recv::Kernel => return Ok(()),
            Recv::Retry => {}
            Recv::WouldBlock => guard.clear_ready(),
        }
    }
}

fn open() -> Result<AsyncFd<Fd>> {
    let raw = RawSocket::open(NETLINK_GENERIC)?;
    raw.sock.set_non_blocking(true)?;
    // SAFETY: the netlink-sys socket owns its descriptor, which stays open
    // and is not replaced while the AsyncFd holds it.
    unsafe { AsyncFd::register(Fd(raw)) }.map_err(|e| Error::Io(e.into()))
}

/// An async generic netlink connection (one request at a time per
/// connection; open several for parallel requests).
pub struct AsyncConnection {
    fd: AsyncFd<Fd>,
    seq: u32,
    rx: Vec<u8>,
    tx: Vec<u8>,
    families: HashMap<String, ResolvedFamily>,
    timeout: Duration,
}

impl std::fmt::Debug for AsyncConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("port_id", &self.port_id())
            .finish_non_exhaustive()
    }
}

impl AsyncConnection {
    /// Opens a `NETLINK_GENERIC` socket registered with the tokio reactor.
    pub fn new() -> Result<Self> {
        Ok(AsyncConnection {
            fd: open()?,
            seq: std::process::id().wrapping_mul(15_485_863),
            rx: Vec::new(),
            tx: Vec::new(),
            families: HashMap::new(),
            timeout: crate::socket::DEFAULT_TIMEOUT,
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.fd.get_ref().0.portid
    }

    /// Sets how long a request may wait for its completion.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends one request and collects its replies until the ACK (or
    /// `NLMSG_DONE` for a dump).
    pub async fn exchange<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        flags: u16,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedReply>> {
        self.seq = self.seq.wrapping_add(1).max(1);
        let seq = self.seq;
        build_message(
            &mut self.tx,
            family_id,
            NLM_F_REQUEST | flags,
            seq,
            genl,
            payload,
        )?;
        self.fd.get_ref().0.send(&self.tx)?;
        let portid = self.port_id();
        let (fd, rx) = (&self.fd, &mut self.rx);
        let work = async move {
            let mut pending = Pending::default();
            while !pending.is_finished() {
                recv(fd, rx).await?;
                for msg in Messages::new(rx) {
                    let msg = msg?;
                    if msg.header.sequence_number == seq && msg.header.port_number == portid {
                        pending.absorb(&msg);
                    }
                }
            }
            Ok::<_, Error>(pending)
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(p) => p?.into_result(&self.tx, schema),
            Err(_) => Err(Error::Timeout),
        }
    }

    /// Resolves a family by name (cached).
    pub async fn resolve(&mut self, name: &str) -> Result<ResolvedFamily> {
        if let Some(f) = self.families.get(name) {
            return Ok(f.clone());
        }
        let genl = GenlHeader {
            cmd: CtrlCmd::GetFamily.cmd(),
            version: CTRL_VERSION,
        };
        let replies = match self
            .exchange(
                GENL_ID_CTRL,
                genl,
                NLM_F_ACK,
                &GetFamily::by_name(name),
                None,
            )
            .await
        {
            Err(Error::Kernel(k)) if k.errno == libc::ENOENT => {
                return Err(Error::FamilyNotFound(name.to_owned()))
            }
            other => other?,
        };
        let reply = replies
            .first()
            .ok_or(Error::UnexpectedReply("GETFAMILY returned no family"))?;
        let f = ResolvedFamily::from_info(&reply.decode::<FamilyInfo<'_>>()?);
        self.families.insert(name.to_owned(), f.clone());
        Ok(f)
    }

    /// Forgets a cached family.
    pub fn invalidate(&mut self, name: &str) {
        self.families.remove(name);
    }

    /// Sends command `C` with `flags`, resolving its family; retries once if
    /// the family was re-registered under a new id (module reload).
    async fn exchange_command<C: Command, P: Encode + ?Sized>(
        &mut self,
        flags: u16,
        req: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Vec<OwnedReply>> {
        let fam = <C::Family as Family>::SCHEMA;
        let genl = GenlHeader {
            cmd: C::ID,
            version: fam.version,
        };
        let id = self.resolve(fam.name).await?.id;
        match self.exchange(id, genl, flags, req, schema).await {
            Err(Error::Kernel(k)) if k.errno == libc::ENOENT || k.errno == libc::EOPNOTSUPP => {
                self.invalidate(fam.name);
                let new_id = self.resolve(fam.name).await?.id;
                if new_id == id {
                    return Err(Error::Kernel(k));
                }
                self.exchange(new_id, genl, flags, req, schema).await
            }
            other => other,
        }
    }

    /// Sends command `cmd` with `req` and waits for the kernel's ACK (see
    /// [`Connection::request`](crate::Connection::request)).
    pub async fn request<C: Ack>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<()> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        match self
            .exchange_command::<C, _>(NLM_F_ACK, req, schema)
            .await?
            .len()
        {
            0 => Ok(()),
            _ => Err(Error::UnexpectedReply(
                "a reply to a command whose schema declares none",
            )),
        }
    }

    /// Sends command `cmd` with `req` and returns its reply, owned; decode
    /// it with [`Reply::get`].
    pub async fn query<C: Query>(&mut self, cmd: C, req: &C::Request<'_>) -> Result<Reply<C>> {
        let _ = cmd;
        let schema = C::schema().do_.and_then(|o| o.request);
        let mut replies = self
            .exchange_command::<C, _>(NLM_F_ACK, req, schema)
            .await?;
        match replies.len() {
            0 => Err(Error::UnexpectedReply("the command sent no reply")),
            1 => Ok(Reply::new(replies.pop().expect("one reply"))),
            _ => Err(Error::UnexpectedReply(
                "more than one reply message to a single request",
            )),
        }
    }

    /// Runs a dump of command `cmd`, collecting every message.
    pub async fn dump<C: DumpCommand>(
        &mut self,
        cmd: C,
        req: &C::DumpRequest<'_>,
    ) -> Result<Vec<Item<C>>> {
        let _ = cmd;
        let schema = C::schema().dump.and_then(|o| o.request);
        Ok(self
            .exchange_command::<C, _>(NLM_F_DUMP, req, schema)
            .await?
            .into_iter()
            .map(Item::new)
            .collect())
    }
}

/// An async multicast subscription on its own socket.
pub struct AsyncSubscription {
    fd: AsyncFd<Fd>,
    family_id: u16,
    queue: std::collections::VecDeque<OwnedReply>,
    rx: Vec<u8>,
}

impl std::fmt::Debug for AsyncSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSubscription")
            .field("family_id", &self.family_id)
            .finish_non_exhaustive()
    }
}

impl AsyncSubscription {
    /// Joins group `group` of family `family` (both by name).
    pub async fn new(family: &str, group: &str) -> Result<Self> {
        let fam = AsyncConnection::new()?.resolve(family).await?;
        let gid = fam.group(group).ok_or_else(|| Error::GroupNotFound {
            family: family.to_owned(),
            group: group.to_owned(),
        })?;
        let fd = open()?;
        fd.get_ref().0.sock.add_membership(gid)?;
        Ok(AsyncSubscription {
            fd,
            family_id: fam.id,
            queue: Default::default(),
            rx: Vec::new(),
        })
    }

    /// Sets the receive socket buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.fd.get_ref().0.sock.set_rx_buf_sz(bytes)?;
        Ok(())
    }

    /// The next event; [`Error::EventsLost`] reports an overflow, after which
    /// the subscription keeps working.
    pub async fn next_event(&mut self) -> Result<OwnedReply> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(e);
            }
            recv(&self.fd, &mut self.rx).await?;
            for msg in Messages::new(&self.rx) {
                let msg = msg?;
                if msg.header.message_type == self.family_id {
                    if let Ok(crate::message::Received::Genl(v)) =
                        crate::message::Received::parse(&msg)
                    {
                        self.queue.push_back(OwnedReply::from_view(&v));
                    }
                }
            }
        }
    }
}
