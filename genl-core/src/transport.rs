//! What a blocking connection needs from the kernel: send a datagram,
//! receive the kernel's datagrams, join a group. [`sys::Socket`] is the real
//! one; [`testing::FakeKernel`](crate::testing::FakeKernel) hands out fake
//! ones, so every runtime path can be tested without a kernel.

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::sys::{self, Recv};

/// How long a request may still wait for the kernel: its timeout (see
/// [`DEFAULT_TIMEOUT`](crate::connection::DEFAULT_TIMEOUT) for what a
/// timeout covers), counted from the first time it has to wait. Shared by
/// the receives of one request; a request answered at once reads no clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadline {
    timeout: Option<Duration>,
    at: Option<Instant>,
}

impl Deadline {
    /// A deadline `timeout` away (`None`: never), not yet started.
    pub fn new(timeout: Option<Duration>) -> Self {
        Deadline { timeout, at: None }
    }

    /// When it passes (started now if not yet); `None`: never.
    pub fn instant(&mut self) -> Option<Instant> {
        let t = self.timeout?;
        Some(*self.at.get_or_insert_with(|| Instant::now() + t))
    }

    /// How long is left (started now if not yet); `None`: forever.
    pub fn remaining(&mut self) -> Option<Duration> {
        self.instant()
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
}

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

    /// [`recv`](Self::recv) within a request's `deadline`, which several
    /// receives of one request share (see [`Deadline`]).
    fn recv_by(&self, buf: &mut Vec<u8>, deadline: &mut Deadline) -> Result<()> {
        self.recv(buf, deadline.remaining())
    }

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
        self.recv_by(buf, &mut Deadline::new(timeout))
    }

    fn recv_by(&self, buf: &mut Vec<u8>, deadline: &mut Deadline) -> Result<()> {
        // The kernel usually has the reply queued by the time `sendto`
        // returns (doit handlers and the first dump skb run in the sender's
        // context): try a non-blocking receive first and only `poll` when
        // nothing is there, one syscall per datagram. The deadline is
        // computed only then: the common path reads no clock.
        loop {
            match self.recv_from(buf, true)? {
                Recv::Datagram { sender: 0 } => return Ok(()),
                Recv::Datagram { .. } | Recv::Interrupted => buf.clear(),
                Recv::WouldBlock => self.wait_readable(deadline.instant())?,
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
