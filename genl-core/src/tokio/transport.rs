//! What a tokio connection needs from the kernel, [`AsyncTransport`]: the
//! blocking [`Transport`](crate::Transport)'s operations, with receiving
//! as a poll a task can wait on. The kernel's socket, joining tokio's
//! reactor when a task first waits on it ([`TokioSocket`]), is the real one;
//! [`FakeSocket`](crate::testing::FakeSocket) is the fake kernel's.

use std::future::poll_fn;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, OnceLock};
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

/// A receive into `buf` that does not wait: `Some` with its outcome when a
/// datagram was queued (or the socket failed), `None` when none was.
pub(crate) fn try_take<T: AsyncTransport + ?Sized>(
    transport: &T,
    buf: &mut Vec<u8>,
) -> Option<Result<()>> {
    match transport.try_recv(buf) {
        Ok(true) => Some(Ok(())),
        Ok(false) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Receives the next datagram a request awaits: at once when one is
/// queued, as the kernel's reply usually is by the time `send` returns
/// (doit handlers and dumps run in the sender's context), with no
/// readiness poll; otherwise waits for one ([`recv`]).
pub(crate) async fn recv_reply<T: AsyncTransport + ?Sized>(
    transport: &T,
    buf: &mut Vec<u8>,
) -> Result<()> {
    match try_take(transport, buf) {
        Some(r) => r,
        None => recv(transport, buf).await,
    }
}

/// The kernel's socket as the tokio clients use it: a non-blocking
/// [`Socket`] that joins tokio's reactor only when a task first has to
/// wait on it.
///
/// A request the kernel answers before `send` returns (doit handlers and
/// dumps run in the sender's context) is read at once and never waits. And
/// a socket in the reactor's epoll set costs the kernel a wake-up callback,
/// under the epoll lock, on every datagram queued to it: measured on
/// `GETFAMILY` round trips, about 5 % of each.
#[derive(Debug)]
pub struct TokioSocket {
    /// The registration, made at the first wait (declared first: it is
    /// dropped, leaving the reactor, before the socket closes).
    registration: OnceLock<AsyncFd<Fd>>,
    /// Held while registering, so one registration is ever made.
    registering: Mutex<()>,
    socket: Socket,
}

/// The socket's descriptor, as the reactor holds it.
#[derive(Debug)]
struct Fd(RawFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl TokioSocket {
    /// Opens a non-blocking `NETLINK_GENERIC` socket.
    pub(crate) fn open() -> Result<Self> {
        let socket = crate::transport::generic_socket()?;
        socket.set_nonblocking(true)?;
        Ok(TokioSocket {
            registration: OnceLock::new(),
            registering: Mutex::new(()),
            socket,
        })
    }

    /// The socket.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// The reactor's registration, made now if it was not yet: in the
    /// current runtime (an error outside one, where tokio would panic).
    fn registration(&self) -> Result<&AsyncFd<Fd>> {
        if let Some(r) = self.registration.get() {
            return Ok(r);
        }
        let _one = self.registering.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = self.registration.get() {
            return Ok(r);
        }
        ::tokio::runtime::Handle::try_current().map_err(|e| Error::Io(std::io::Error::other(e)))?;
        // SAFETY: the descriptor is the socket's, which stays open and is
        // never replaced while the registration lives (it is dropped
        // first, see the field order).
        let fd = unsafe { AsyncFd::register(Fd(self.socket.as_raw_fd())) }
            .map_err(|e| Error::Io(e.into()))?;
        Ok(self.registration.get_or_init(|| fd))
    }
}

impl AsyncTransport for TokioSocket {
    fn port_id(&self) -> u32 {
        self.socket.port_id()
    }

    fn send(&self, datagram: &[u8]) -> Result<()> {
        self.socket.send_to(datagram, 0, 0)
    }

    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut Vec<u8>) -> Poll<Result<()>> {
        loop {
            // Not registered yet: read, and join the reactor only if
            // nothing is queued. Its first poll reports a datagram that
            // came in between (epoll reports the state at registration).
            let Some(fd) = self.registration.get() else {
                if Transport::try_recv(&self.socket, buf)? {
                    return Poll::Ready(Ok(()));
                }
                self.registration()?;
                continue;
            };
            let mut guard = ready!(fd.poll_read_ready(cx))?;
            match self.socket.recv_from(buf, true)? {
                Recv::Datagram { sender: 0 } => return Poll::Ready(Ok(())),
                Recv::Datagram { .. } | Recv::Interrupted => buf.clear(),
                Recv::WouldBlock => guard.clear_ready(),
            }
        }
    }

    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool> {
        Transport::try_recv(&self.socket, buf)
    }

    fn join_group(&self, group: u32) -> Result<()> {
        self.socket.join_group(group)
    }
}
