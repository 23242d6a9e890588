//! The async multicast subscription, [`AsyncSubscription`]: one group of
//! one family on its own socket, ended when the family goes away.

use std::collections::VecDeque;

use super::transport::{self, AsyncTransport, TokioSocket};
use super::AsyncConnection;
use crate::command::Notification;
use crate::controller::GENL_ID_CTRL;
use crate::engine;
use crate::error::{Error, Result};
use crate::message::{GenlView, Messages};
use crate::owned::{Event, OwnedMessage};
use crate::resolve::ResolvedFamily;

/// An async multicast subscription on its own socket.
pub struct AsyncSubscription {
    fd: TokioSocket,
    family: ResolvedFamily,
    queue: VecDeque<OwnedMessage>,
    rx: Vec<u8>,
}

impl std::fmt::Debug for AsyncSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSubscription")
            .field("family", &self.family.name)
            .finish_non_exhaustive()
    }
}

impl AsyncSubscription {
    /// Joins group `group` of family `family` (both by name); also the
    /// controller's notifications, to end with [`Error::FamilyNotFound`]
    /// when the family goes away.
    pub async fn new(family: &str, group: &str) -> Result<Self> {
        let fam = AsyncConnection::new()?.resolve(family).await?;
        let fd = TokioSocket::open()?;
        fd.join_group(fam.group_id(group)?)?;
        let _ = fd.join_group(u32::from(GENL_ID_CTRL));
        Ok(AsyncSubscription {
            fd,
            family: fam,
            queue: Default::default(),
            rx: Vec::new(),
        })
    }

    /// Sets the receive socket buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.fd.socket().set_recv_buffer(bytes)
    }

    /// The next event; [`Error::EventsLost`] reports an overflow, after
    /// which the subscription keeps working.
    pub async fn next_event(&mut self) -> Result<OwnedMessage> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(e);
            }
            transport::recv(&self.fd, &mut self.rx).await?;
            let mut gone = false;
            for msg in Messages::new(&self.rx) {
                let msg = msg?;
                if msg.header.message_type == self.family.id {
                    self.queue
                        .push_back(OwnedMessage::from_view(&GenlView::parse(&msg)?));
                } else if let Some(Some(ev)) = engine::control_event(&msg) {
                    gone |= ev.deletes_family() && ev.family_id == self.family.id;
                }
            }
            if gone && self.queue.is_empty() {
                return Err(Error::FamilyNotFound(self.family.name.clone()));
            }
        }
    }

    /// The next notification of type `C` (others are skipped), decoded as
    /// `C` declares it with [`Event::get`].
    pub async fn next_of<C: Notification>(&mut self, cmd: C) -> Result<Event<C>> {
        let _ = cmd;
        loop {
            if let Ok(e) = Event::from_message(self.next_event().await?) {
                return Ok(e);
            }
        }
    }
}
