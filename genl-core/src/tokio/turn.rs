//! How the tasks of an [`AsyncSharedConnection`](super::AsyncSharedConnection)
//! share its socket: a task whose request is not complete reads the socket
//! itself when no other task is reading (its [`Turn`]), hands every
//! message to the request it belongs to, and wakes the tasks whose
//! requests that completed; the others wait by their wakers. No reader
//! task, no channel: a lone task reads its own reply, and wakes no one.

use std::task::{Context, Poll, Waker};

use super::transport::{self, AsyncTransport};
use crate::demux::{Demux, Pending};
use crate::error::Result;

/// The tasks waiting for the reader: each request's sequence number and
/// its task's waker.
pub(super) type Waiters = Vec<(u32, Waker)>;

/// What a [`Turn`] needs of the connection: its transport, its demux
/// state, and where the controller's notifications go.
pub(super) trait Shared {
    /// The transport.
    type Transport: AsyncTransport;

    /// The transport.
    fn transport(&self) -> &Self::Transport;

    /// Locks the demux state.
    fn demux(&self) -> std::sync::MutexGuard<'_, Demux<Waiters>>;

    /// Takes a receive's outcome under the demux lock (see
    /// [`Demux::absorb`]) and wakes the tasks whose requests it completed.
    fn absorb(&self, d: &mut Demux<Waiters>, received: Result<()>) -> Result<()>;
}

/// Wakes the tasks whose requests are complete.
pub(super) fn wake_done(d: &mut Demux<Waiters>) {
    if d.waiters.is_empty() {
        return;
    }
    let Demux {
        waiters, requests, ..
    } = d;
    waiters.retain(|(seq, w)| {
        let done = requests.is_done(*seq);
        if done {
            w.wake_by_ref();
        }
        !done
    });
}

/// One request's wait for its completion.
pub(super) struct Turn<'a, S: Shared> {
    shared: &'a S,
    seq: u32,
    /// Whether this task holds the reader role.
    reading: bool,
    /// Whether the request left the demux (complete or failed).
    left: bool,
}

impl<'a, S: Shared> Turn<'a, S> {
    /// The wait of request `seq`, already in the demux state.
    pub(super) fn new(shared: &'a S, seq: u32) -> Self {
        Turn {
            shared,
            seq,
            reading: false,
            left: false,
        }
    }

    /// Reads while no one else does, until the request is complete.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<Pending>> {
        let shared = self.shared;
        let mut d = shared.demux();
        loop {
            if let Some(p) = self.take_if_done(&mut d) {
                return Poll::Ready(Ok(p));
            }
            if d.reader_active && !self.reading {
                let w = cx.waker();
                match d.waiters.iter_mut().find(|(s, _)| *s == self.seq) {
                    Some((_, old)) => old.clone_from(w),
                    None => d.waiters.push((self.seq, w.clone())),
                }
                return Poll::Pending;
            }
            d.reader_active = true;
            self.reading = true;
            // What is queued is read at once (the kernel usually queues a
            // reply before `send` returns); the reactor is asked only when
            // nothing is.
            let t = shared.transport();
            let r = match transport::try_take(t, &mut d.rx) {
                Some(r) => r,
                None => std::task::ready!(t.poll_recv(cx, &mut d.rx)),
            };
            if let Err(e) = shared.absorb(&mut d, r) {
                self.leave(&mut d);
                return Poll::Ready(Err(e));
            }
        }
    }

    /// One read without waiting, before any future is polled: if no other
    /// task is reading and a datagram is queued (the kernel usually queues
    /// a reply before `send` returns), it is read and handed out, as
    /// [`poll`](Self::poll) does under the same lock; returns the request's
    /// outcome if that completed it. `None`: wait with `poll`.
    pub(super) fn try_now(&mut self) -> Option<Result<Pending>> {
        let shared = self.shared;
        let mut d = shared.demux();
        if d.reader_active {
            return None;
        }
        let r = transport::try_take(shared.transport(), &mut d.rx)?;
        if let Err(e) = shared.absorb(&mut d, r) {
            self.leave(&mut d);
            return Some(Err(e));
        }
        self.take_if_done(&mut d).map(Ok)
    }

    /// The request's outcome if it is complete (it leaves).
    fn take_if_done(&mut self, d: &mut Demux<Waiters>) -> Option<Pending> {
        if !d.requests.is_done(self.seq) {
            return None;
        }
        let p = d.requests.remove(self.seq).expect("checked");
        self.leave(d);
        Some(p)
    }

    /// The request leaves: it is forgotten, and if this task was reading,
    /// the waiting tasks are woken for one of them to read on.
    fn leave(&mut self, d: &mut Demux<Waiters>) {
        self.left = true;
        d.requests.remove(self.seq);
        if !d.waiters.is_empty() {
            d.waiters.retain(|(s, _)| *s != self.seq);
        }
        if self.reading {
            self.reading = false;
            d.reader_active = false;
            for (_, w) in d.waiters.drain(..) {
                w.wake();
            }
        }
    }
}

impl<S: Shared> Drop for Turn<'_, S> {
    /// A request given up (its timeout, or its future dropped) leaves too.
    fn drop(&mut self) {
        if !self.left {
            let shared = self.shared;
            self.leave(&mut shared.demux());
        }
    }
}
