//! The fake kernel for the tokio connections: [`FakeSocket`] as an
//! [`AsyncTransport`] (a receive with nothing queued parks the task until
//! the kernel delivers something), and the connections on new sockets.

use std::task::{Context, Poll};

use super::{FakeKernel, FakeSocket};
use crate::error::{Error, Result};
use crate::tokio::{AsyncConnection, AsyncSharedConnection, AsyncTransport};
use crate::transport::Transport;

impl FakeKernel {
    /// An [`AsyncConnection`] on a new socket.
    pub fn async_connection(&self) -> AsyncConnection<FakeSocket> {
        AsyncConnection::with_transport(self.socket()).expect("a fake socket always connects")
    }

    /// An [`AsyncSharedConnection`] on a new socket (inside a tokio
    /// runtime).
    pub fn async_shared_connection(&self) -> AsyncSharedConnection<FakeSocket> {
        AsyncSharedConnection::with_transport(self.socket()).expect("a fake socket always connects")
    }
}

impl AsyncTransport for FakeSocket {
    fn port_id(&self) -> u32 {
        self.port
    }

    fn send(&self, datagram: &[u8]) -> Result<()> {
        Transport::send(self, datagram)
    }

    fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut Vec<u8>) -> Poll<Result<()>> {
        let mut st = self.kernel.state();
        let Some(q) = st.sockets.get_mut(&self.port) else {
            return Poll::Ready(Err(Error::UnexpectedReply("fake socket closed")));
        };
        match q.deliveries.pop_front() {
            Some(d) => {
                drop(st);
                Poll::Ready(FakeSocket::deliver(d, buf))
            }
            None => {
                // Registered under the lock that every delivery takes: a
                // delivery after this check wakes the task.
                if !st.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    st.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool> {
        Transport::try_recv(self, buf)
    }

    fn join_group(&self, group: u32) -> Result<()> {
        Transport::join_group(self, group)
    }
}
