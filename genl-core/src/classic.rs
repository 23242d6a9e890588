//! Classic netlink: any protocol number, any peer — the systems genl grew
//! from: a kernel module with its own protocol number (`NETLINK_TEST`-style,
//! via `netlink_kernel_create`), user↔user unicast between two sockets
//! (e.g. on `NETLINK_USERSOCK`), multicast groups. On the same socket layer
//! as generic netlink ([`sys::Socket`]): typed errors, `MSG_TRUNC` and
//! `ENOBUFS` detection, timeouts, borrowed message views, and the engine's
//! sequence numbers (never 0).

use std::time::{Duration, Instant};

use netlink_packet_core::NetlinkBuffer;

use crate::engine::SeqCounter;
use crate::error::{EncodeError, EncodeErrorKind, Error, Result};
use crate::message::{Messages, NlMessage, NLMSG_HDRLEN};
use crate::sys::{self, Recv};
use crate::wire::nla_align;

/// `NETLINK_USERSOCK`: reserved for user-space protocols (user↔user).
pub const NETLINK_USERSOCK: isize = 2;

/// A netlink socket of any protocol, talking to any peer.
#[derive(Debug)]
pub struct ClassicConnection {
    sock: sys::Socket,
    tx: Vec<u8>,
    rx: Vec<u8>,
    seq: SeqCounter,
    timeout: Option<Duration>,
}

/// One received datagram: its sender and its messages, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    /// The sender's port id (0: the kernel).
    pub sender: u32,
    /// The raw bytes.
    pub bytes: &'a [u8],
}

impl<'a> Datagram<'a> {
    /// The netlink messages in the datagram.
    pub fn messages(&self) -> Messages<'a> {
        Messages::new(self.bytes)
    }

    /// The first message (most datagrams carry one).
    pub fn first(&self) -> Result<NlMessage<'a>> {
        match self.messages().next() {
            Some(m) => Ok(m?),
            None => Err(Error::UnexpectedReply("empty datagram")),
        }
    }
}

impl ClassicConnection {
    /// Opens and binds a socket of netlink `protocol` (`NETLINK_ROUTE`,
    /// `NETLINK_USERSOCK`, a module's own number, …).
    pub fn new(protocol: isize) -> Result<Self> {
        Ok(ClassicConnection {
            sock: sys::Socket::open(protocol)?,
            tx: Vec::new(),
            rx: Vec::new(),
            seq: SeqCounter::new(std::process::id().wrapping_mul(31)),
            timeout: Some(crate::connection::DEFAULT_TIMEOUT),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.sock.port_id()
    }

    /// The socket (for socket options).
    pub fn socket(&self) -> &sys::Socket {
        &self.sock
    }

    /// How long [`recv`](Self::recv) waits (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Joins multicast group `group` (`NETLINK_ADD_MEMBERSHIP`).
    pub fn join_group(&self, group: u32) -> Result<()> {
        self.sock.join_group(group)
    }

    /// Sends one message (`nlmsghdr` + `payload`) to port `port` (0: the
    /// kernel) and, if `group` is non-zero, to that multicast group (1 to
    /// 32). Returns the sequence number used.
    ///
    /// The kernel delivers a multicast send to `port` as well; on a protocol
    /// without a kernel socket (`NETLINK_USERSOCK`) pass your own port id,
    /// since port 0 would fail with `ECONNREFUSED` after the broadcast.
    pub fn send(
        &mut self,
        port: u32,
        group: u32,
        message_type: u16,
        flags: u16,
        payload: &[u8],
    ) -> Result<u32> {
        let seq = self.seq.next();
        let len = NLMSG_HDRLEN + payload.len();
        let len32 = u32::try_from(len)
            .map_err(|_| EncodeError::new(EncodeErrorKind::MessageTooLong { len }))?;
        self.tx.clear();
        self.tx.resize(nla_align(len), 0);
        let mut nl = NetlinkBuffer::new(&mut self.tx[..]);
        nl.set_length(len32);
        nl.set_message_type(message_type);
        nl.set_flags(flags);
        nl.set_sequence_number(seq);
        nl.set_port_number(self.sock.port_id());
        self.tx[NLMSG_HDRLEN..len].copy_from_slice(payload);
        self.tx.truncate(len);
        self.sock.send_to(&self.tx, port, group)?;
        Ok(seq)
    }

    /// Sends `bytes` as they are (one or more complete netlink messages) to
    /// port `port` and group `group` (a group number 1 to 32, 0 for none).
    pub fn send_datagram(&self, port: u32, group: u32, bytes: &[u8]) -> Result<()> {
        self.sock.send_to(bytes, port, group)
    }

    /// Receives the next datagram, from any sender.
    pub fn recv(&mut self) -> Result<Datagram<'_>> {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        let sender = loop {
            match self.sock.recv_from(&mut self.rx, true)? {
                Recv::Datagram { sender } => break sender,
                Recv::Interrupted => {}
                Recv::WouldBlock => self.sock.wait_readable(deadline)?,
            }
        };
        Ok(Datagram {
            sender,
            bytes: &self.rx,
        })
    }
}
