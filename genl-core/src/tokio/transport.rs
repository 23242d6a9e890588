//! What a tokio connection needs from the kernel, [`AsyncTransport`]: the
//! blocking [`Transport`](crate::Transport)'s operations, with receiving
//! as a poll a task can wait on. The kernel's socket registered with
//! tokio's reactor (`AsyncFd<Socket>`) is the real one;
//! [`FakeSocket`](crate::testing::FakeSocket) is the fake kernel's.

use std::future::poll_fn;
use std::task::{ready, Context, Poll};

use ::tokio::io::unix::AsyncFd;

use crate::error::{Error, Result};
use crate::sys::{Recv, Socket};
use crate::transport::Transport;

/// A datagram channel to the kernel that a tokio task can wait on.
pub trait AsyncTransport: Send + Sync + std::fmt::Debug {
    /// The port id the kernel addresses replies to.
    fn port_id(&self) -> u32;

    /// Sends one datagram (whole messages) to the kernel, without waiting:
    /// the kernel takes a netlink request in the sender's context.
    fn send(&self, datagram: &[u8]) -> Result<()>;

    /// Receives the next datagram from the kernel into `buf` (resized to
    /// it); `Poll::Pending` when none is queued, after arranging for the
    /// task to be woken when one may be. Datagrams from other senders are
    /// dropped.
    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut Vec<u8>) -> Poll<Result<()>>;

    /// Receives a datagram from the kernel if one is queued, without
    /// waiting; `Ok(false)` if none is.
    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool>;

    /// Joins multicast group `group`.
    fn join_group(&self, group: u32) -> Result<()>;
}

/// Receives the next datagram from `transport` into `buf`.
pub(crate) async fn recv<T: AsyncTransport + ?Sized>(
    transport: &T,
    buf: &mut Vec<u8>,
) -> Result<()> {
    poll_fn(|cx| transport.poll_recv(cx, buf)).await
}

/// A generic netlink socket registered with the reactor.
pub(crate) fn open() -> Result<AsyncFd<Socket>> {
    let s = crate::transport::generic_socket()?;
    s.set_nonblocking(true)?;
    // SAFETY: the socket owns its descriptor, which stays open and is not
    // replaced while the AsyncFd holds it.
    unsafe { AsyncFd::register(s) }.map_err(|e| Error::Io(e.into()))
}

impl AsyncTransport for AsyncFd<Socket> {
    fn port_id(&self) -> u32 {
        self.get_ref().port_id()
    }

    fn send(&self, datagram: &[u8]) -> Result<()> {
        self.get_ref().send_to(datagram, 0, 0)
    }

    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut Vec<u8>) -> Poll<Result<()>> {
        loop {
            let mut guard = ready!(self.poll_read_ready(cx))?;
            match self.get_ref().recv_from(buf, true)? {
                Recv::Datagram { sender: 0 } => return Poll::Ready(Ok(())),
                Recv::Datagram { .. } | Recv::Interrupted => buf.clear(),
                Recv::WouldBlock => guard.clear_ready(),
            }
        }
    }

    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool> {
        Transport::try_recv(self.get_ref(), buf)
    }

    fn join_group(&self, group: u32) -> Result<()> {
        self.get_ref().join_group(group)
    }
}
