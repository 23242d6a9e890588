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
use crate::controller::{CtrlCmd, FamilyInfo, GetFamily, CTRL_VERSION, GENL_ID_CTRL};
use crate::error::{Error, Result};
use crate::message::{build_message, GenlHeader, Messages};
use crate::schema::AttrSetSchema;
use crate::shared::{OwnedReply, Pending};
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

    /// Sends command `cmd` of family `F`, waits for the ACK, returns the
    /// reply if any. Retries once if the family was re-registered under a
    /// new id (module reload).
    pub async fn request<F: Family, P: Encode + ?Sized>(
        &mut self,
        cmd: F,
        req: &P,
    ) -> Result<Option<OwnedReply>> {
        let schema = F::SCHEMA.command(cmd.cmd()).and_then(|c| c.request_set());
        let genl = GenlHeader {
            cmd: cmd.cmd(),
            version: F::SCHEMA.version,
        };
        let id = self.resolve(F::SCHEMA.name).await?.id;
        let mut replies = match self.exchange(id, genl, NLM_F_ACK, req, schema).await {
            Err(Error::Kernel(k)) if k.errno == libc::ENOENT || k.errno == libc::EOPNOTSUPP => {
                self.invalidate(F::SCHEMA.name);
                let new_id = self.resolve(F::SCHEMA.name).await?.id;
                if new_id == id {
                    return Err(Error::Kernel(k));
                }
                self.exchange(new_id, genl, NLM_F_ACK, req, schema).await?
            }
            other => other?,
        };
        match replies.len() {
            0 => Ok(None),
            1 => Ok(replies.pop()),
            _ => Err(Error::UnexpectedReply(
                "more than one reply message to a single request",
            )),
        }
    }

    /// Runs a dump of command `cmd` of family `F`, collecting every message.
    pub async fn dump<F: Family, P: Encode + ?Sized>(
        &mut self,
        cmd: F,
        req: &P,
    ) -> Result<Vec<OwnedReply>> {
        let schema = F::SCHEMA.command(cmd.cmd()).and_then(|c| c.request_set());
        let genl = GenlHeader {
            cmd: cmd.cmd(),
            version: F::SCHEMA.version,
        };
        let id = self.resolve(F::SCHEMA.name).await?.id;
        self.exchange(id, genl, NLM_F_DUMP, req, schema).await
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
