//! The tokio connections and subscription, on non-blocking sockets driven
//! by tokio's reactor, with the same request engine (the private `engine` module) and so
//! the same semantics as the blocking [`Connection`](crate::Connection):
//! sequence and sender matching, extended ACK with attribute paths, dumps,
//! the controller watched, the retry after a module reload, `ENOBUFS` as
//! [`Error::EventsLost`], `MSG_TRUNC` detection, timeouts.
//!
//! - [`AsyncConnection`]: one request at a time per connection (`&mut`).
//! - [`AsyncSharedConnection`]: many tasks, one socket; each reply goes
//!   to the task that asked, by sequence number; the task that needs a
//!   reply reads the socket itself when no other task is reading (like the
//!   thread-shared [`SharedConnection`](crate::SharedConnection)), so there
//!   is no reader task.
//! - [`AsyncSubscription`]: a multicast group; [`AsyncSubscription::next_of`]
//!   yields one notification type, decoded as declared.
//!
//! The connections run on any [`AsyncTransport`]: the kernel's socket by
//! default, or a [fake kernel](crate::testing::FakeKernel) in tests.
//!
//! Enable with the `tokio` feature.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use crate::demux::Requests;
use crate::engine::CtrlEvent;
use crate::error::{Error, Result};

mod connection;
mod shared;
mod subscription;
mod transport;
mod turn;

pub use connection::AsyncConnection;
pub use shared::AsyncSharedConnection;
pub use subscription::AsyncSubscription;
pub use transport::{AsyncTransport, TokioSocket};

/// Hands the messages of the datagram in `rx` from byte `from` on to
/// `requests` (what is before it was taken already), reading on
/// without waiting while one waits on a deleted family; returns the
/// notifications seen.
fn dispatch<T: AsyncTransport>(
    transport: &T,
    requests: &mut Requests,
    rx: &mut Vec<u8>,
    from: usize,
) -> Vec<Option<CtrlEvent>> {
    let portid = transport.port_id();
    let mut events = requests.dispatch(rx.get(from..).unwrap_or_default(), portid);
    // On a socket error the requests end by their timeouts.
    if let Ok(more) = requests.settle(portid, rx, |b| transport.try_recv(b)) {
        events.extend(more);
    }
    events
}

/// `work`, failed with [`Error::Timeout`] if it takes longer than
/// `timeout` (`None`: as long as it takes). Work done at its first poll
/// (a reply the kernel queued before `send` returned) reads no clock and
/// arms no timer.
async fn within<F: Future>(timeout: Option<Duration>, work: F) -> Result<F::Output> {
    let mut work = std::pin::pin!(work);
    let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
    if let Poll::Ready(out) = first {
        return Ok(out);
    }
    match timeout {
        Some(t) => ::tokio::time::timeout(t, work)
            .await
            .map_err(|_| Error::Timeout),
        None => Ok(work.await),
    }
}

/// A timeout shared by every handle of a connection: nanoseconds,
/// `u64::MAX` for none.
#[derive(Debug)]
struct SharedTimeout(std::sync::atomic::AtomicU64);

impl SharedTimeout {
    fn new(timeout: Option<Duration>) -> Self {
        let t = SharedTimeout(u64::MAX.into());
        t.set(timeout);
        t
    }

    fn set(&self, timeout: Option<Duration>) {
        let nanos = timeout.map_or(u64::MAX, |t| {
            u64::try_from(t.as_nanos()).unwrap_or(u64::MAX - 1)
        });
        self.0.store(nanos, Ordering::Relaxed);
    }

    fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            u64::MAX => None,
            n => Some(Duration::from_nanos(n)),
        }
    }
}

#[cfg(test)]
mod tests;
