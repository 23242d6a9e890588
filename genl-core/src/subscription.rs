//! [`Subscription`]: a multicast group of a family on a socket of its own,
//! so that events never interleave with request replies.

use std::time::Duration;

use crate::connection::{Connection, Span};
use crate::controller::GENL_ID_CTRL;
use crate::engine;
use crate::error::{Error, Result};
use crate::message::{GenlView, Messages};
use crate::owned::OwnedMessage;
use crate::resolve::ResolvedFamily;
use crate::sys::{Socket, RX_BUF_SIZE};
use crate::transport::Transport;

/// A multicast subscription on its own socket, so events never interleave
/// with request replies.
#[derive(Debug)]
pub struct Subscription<T: Transport = Socket> {
    transport: T,
    rx: Vec<u8>,
    pos: usize,
    family: ResolvedFamily,
    timeout: Option<Duration>,
}

impl Subscription<Socket> {
    /// Joins group `group` of family `family`, both by name (resolved
    /// through the controller; group ids above 31 work, as the socket joins
    /// with `NETLINK_ADD_MEMBERSHIP`).
    pub fn new(family: &str, group: &str) -> Result<Self> {
        let fam = Connection::new()?.resolve(family)?.clone();
        Self::with_transport(crate::transport::generic_socket()?, fam, group)
    }

    /// Sets the receive socket buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.transport.set_recv_buffer(bytes)
    }
}

impl<T: Transport> Subscription<T> {
    /// Joins group `group` of `family` (already resolved) on `transport`;
    /// also joins the controller's notifications, to end with
    /// [`Error::FamilyNotFound`] when the family goes away.
    pub fn with_transport(transport: T, family: ResolvedFamily, group: &str) -> Result<Self> {
        transport.join_group(family.group_id(group)?)?;
        let _ = transport.join_group(u32::from(GENL_ID_CTRL));
        Ok(Subscription {
            transport,
            rx: Vec::with_capacity(RX_BUF_SIZE),
            pos: 0,
            family,
            timeout: None,
        })
    }

    /// Sets how long [`next_event`](Self::next_event) waits (`None`: forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// The next event of the family, borrowed from the receive buffer.
    /// [`Error::EventsLost`] reports an overflow, and the subscription keeps
    /// working after it; [`Error::FamilyNotFound`] says the family was
    /// unregistered (its groups are gone with it).
    pub fn next_event(&mut self) -> Result<GenlView<'_>> {
        loop {
            if self.pos >= self.rx.len() {
                self.pos = 0;
                self.transport.recv(&mut self.rx, self.timeout)?;
            }
            let base = self.pos;
            let mut found = None;
            let mut gone = false;
            let mut it = Messages::new(&self.rx[base..]);
            for msg in it.by_ref() {
                let msg = msg?;
                if msg.header.message_type == self.family.id {
                    let v = GenlView::parse(&msg)?;
                    found = Some(Span::of(&self.rx, &v));
                    break;
                }
                if let Some(Some(ev)) = engine::control_event(&msg) {
                    gone |= ev.deletes_family() && ev.family_id == self.family.id;
                }
            }
            self.pos = base + it.position();
            if gone {
                return Err(Error::FamilyNotFound(self.family.name.clone()));
            }
            if let Some(span) = found {
                return Ok(span.view(&self.rx));
            }
        }
    }

    /// An [`Iterator`] over owned copies of the events, for `for` loops;
    /// it ends at the first error after yielding it.
    pub fn owned(&mut self) -> impl Iterator<Item = Result<OwnedMessage>> + '_ {
        let mut failed = false;
        std::iter::from_fn(move || {
            if failed {
                return None;
            }
            match self.next_event() {
                Ok(v) => Some(Ok(OwnedMessage::from_view(&v))),
                Err(e) => {
                    failed = true;
                    Some(Err(e))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
