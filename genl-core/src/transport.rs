//! What a blocking connection needs from the kernel: send a datagram,
//! receive the kernel's datagrams, join a group. [`sys::Socket`] is the real
//! one; [`testing::FakeKernel`](crate::testing::FakeKernel) hands out fake
//! ones, so every runtime path can be tested without a kernel.

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::sys::{self, Recv};

/// A datagram channel to the kernel.
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// The port id the kernel addresses replies to.
    fn port_id(&self) -> u32;

    /// Sends one datagram (whole messages) to the kernel.
    fn send(&self, datagram: &[u8]) -> Result<()>;

    /// Receives the next datagram from the kernel into `buf` (resized to
    /// it), waiting at most `timeout` once it has to wait
    /// ([`Error::Timeout`]; `None`: as long as it takes). Datagrams from
    /// other senders are dropped.
    ///
    /// [`Error::Timeout`]: crate::Error::Timeout
    fn recv(&self, buf: &mut Vec<u8>, timeout: Option<Duration>) -> Result<()>;

    /// Receives a datagram from the kernel if one is queued, without
    /// waiting; `Ok(false)` if none is.
    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool>;

    /// Joins multicast group `group`.
    fn join_group(&self, group: u32) -> Result<()>;
}

impl Transport for sys::Socket {
    fn port_id(&self) -> u32 {
        sys::Socket::port_id(self)
    }

    fn send(&self, datagram: &[u8]) -> Result<()> {
        self.send_to(datagram, 0, 0)
    }

    fn recv(&self, buf: &mut Vec<u8>, timeout: Option<Duration>) -> Result<()> {
        // The kernel usually has the reply queued by the time `sendto`
        // returns (doit handlers and the first dump skb run in the sender's
        // context): try a non-blocking receive first and only `poll` when
        // nothing is there, one syscall per datagram. The deadline is
        // computed only then: the common path reads no clock.
        let mut deadline: Option<Option<Instant>> = None;
        loop {
            match self.recv_from(buf, true)? {
                Recv::Datagram { sender: 0 } => return Ok(()),
                Recv::Datagram { .. } | Recv::Interrupted => buf.clear(),
                Recv::WouldBlock => {
                    let d = *deadline.get_or_insert_with(|| timeout.map(|t| Instant::now() + t));
                    self.wait_readable(d)?
                }
            }
        }
    }

    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool> {
        loop {
            match self.recv_from(buf, true)? {
                Recv::Datagram { sender: 0 } => return Ok(true),
                Recv::Datagram { .. } | Recv::Interrupted => buf.clear(),
                Recv::WouldBlock => return Ok(false),
            }
        }
    }

    fn join_group(&self, group: u32) -> Result<()> {
        sys::Socket::join_group(self, group)
    }
}

/// Opens a `NETLINK_GENERIC` socket.
pub(crate) fn generic_socket() -> Result<sys::Socket> {
    sys::Socket::open(netlink_sys::protocols::NETLINK_GENERIC)
}
