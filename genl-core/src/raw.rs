//! Raw netlink: any protocol number, any peer. The classic netlink systems
//! genl grew from — a kernel module with its own protocol number
//! (`NETLINK_TEST`-style, via `netlink_kernel_create`), user↔user unicast
//! between two sockets (e.g. on `NETLINK_USERSOCK`), multicast groups — on
//! the same socket layer as generic netlink: typed errors, `MSG_TRUNC` and
//! `ENOBUFS` detection, timeouts, and borrowed message views.

use std::time::{Duration, Instant};

use netlink_packet_core::NetlinkBuffer;
use netlink_sys::SocketAddr;

use crate::error::{EncodeError, EncodeErrorKind, Error, Result};
use crate::message::{Messages, RawMessage, NLMSG_HDRLEN};
use crate::socket::{RawSocket, Recv};
use crate::wire::nla_align;

/// `NETLINK_USERSOCK`: reserved for user-space protocols (user↔user).
pub const NETLINK_USERSOCK: isize = 2;

/// A netlink socket of any protocol.
#[derive(Debug)]
pub struct RawConnection {
    raw: RawSocket,
    tx: Vec<u8>,
    rx: Vec<u8>,
    seq: u32,
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
    pub fn first(&self) -> Result<RawMessage<'a>> {
        match self.messages().next() {
            Some(m) => Ok(m?),
            None => Err(Error::UnexpectedReply("empty datagram")),
        }
    }
}

impl RawConnection {
    /// Opens and binds a socket of netlink `protocol` (`NETLINK_ROUTE`,
    /// `NETLINK_USERSOCK`, a module's own number, …).
    pub fn new(protocol: isize) -> Result<Self> {
        let mut raw = RawSocket::open(protocol)?;
        raw.timeout = Some(crate::socket::DEFAULT_TIMEOUT);
        Ok(RawConnection {
            raw,
            tx: Vec::new(),
            rx: Vec::new(),
            seq: std::process::id().wrapping_mul(31),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.raw.portid
    }

    /// How long [`recv`](Self::recv) waits (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.raw.timeout = timeout;
    }

    /// Joins multicast group `group` (`NETLINK_ADD_MEMBERSHIP`).
    pub fn join_group(&self, group: u32) -> Result<()> {
        self.raw.sock.add_membership(group)?;
        Ok(())
    }

    /// Sends one message (`nlmsghdr` + `payload`) to port `port` (0: the
    /// kernel) and, if `group` is non-zero, to that multicast group. Returns
    /// the sequence number used.
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
        self.seq = self.seq.wrapping_add(1);
        let len = NLMSG_HDRLEN + payload.len();
        let len32 = u32::try_from(len)
            .map_err(|_| EncodeError::new(EncodeErrorKind::MessageTooLong { len }))?;
        self.tx.clear();
        self.tx.resize(nla_align(len), 0);
        let mut nl = NetlinkBuffer::new(&mut self.tx[..]);
        nl.set_length(len32);
        nl.set_message_type(message_type);
        nl.set_flags(flags);
        nl.set_sequence_number(self.seq);
        nl.set_port_number(self.raw.portid);
        self.tx[NLMSG_HDRLEN..len].copy_from_slice(payload);
        self.tx.truncate(len);
        // Multicast group bitmasks address groups 1..=32 only.
        let groups = match group {
            0 => 0,
            g @ 1..=32 => 1u32 << (g - 1),
            _ => {
                return Err(Error::UnexpectedReply(
                    "group ids above 32 cannot be sent to",
                ))
            }
        };
        let n = self
            .raw
            .sock
            .send_to(&self.tx, &SocketAddr::new(port, groups), 0)?;
        if n != self.tx.len() {
            return Err(Error::UnexpectedReply("short send"));
        }
        Ok(self.seq)
    }

    /// Sends `bytes` as they are (one or more complete netlink messages) to
    /// port `port` and group `group` (a group number, 0 for none).
    pub fn send_datagram(&self, port: u32, group: u32, bytes: &[u8]) -> Result<()> {
        let groups = match group {
            0 => 0,
            g @ 1..=32 => 1u32 << (g - 1),
            _ => {
                return Err(Error::UnexpectedReply(
                    "group ids above 32 cannot be sent to",
                ))
            }
        };
        let n = self
            .raw
            .sock
            .send_to(bytes, &SocketAddr::new(port, groups), 0)?;
        if n != bytes.len() {
            return Err(Error::UnexpectedReply("short send"));
        }
        Ok(())
    }

    /// Receives the next datagram, from any sender.
    pub fn recv(&mut self) -> Result<Datagram<'_>> {
        let deadline = self.raw.timeout.map(|t| Instant::now() + t);
        let sender = loop {
            self.raw.wait_readable(deadline)?;
            match self.raw.recv_any(&mut self.rx)? {
                (Recv::Kernel, sender) => break sender,
                _ => continue,
            }
        };
        Ok(Datagram {
            sender,
            bytes: &self.rx,
        })
    }
}
