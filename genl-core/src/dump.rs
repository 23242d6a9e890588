//! Dumps: [`Dump`] (a typed command's, each message decoded) over
//! [`RawDump`] (untyped views), lending iterators over the connection's
//! receive buffer, resent once when the family was reloaded meanwhile.

use crate::client::{self, Client};
use crate::codec::{Encode, Family};
use crate::command::DumpCommand;
use crate::connection::{Connection, Span};
use crate::engine::{self, Exchange, Mode, Request, Route, Step};
use crate::error::Result;
use crate::message::{GenlHeader, GenlView, Messages};
use crate::owned::OwnedMessage;
use crate::request::RawRequest;
use crate::resolve::FamilyRetry;
use crate::schema::AttrSetSchema;
use crate::sys::Socket;
use crate::transport::{Deadline, Transport};

/// A dump of a typed command in progress: a lending iterator over the
/// dumped messages, each decoded as the command declares.
///
/// ```no_run
/// # use genl_core::{Connection, controller::ctrl_cmd};
/// let mut conn = Connection::new()?;
/// let mut dump = conn.dump(ctrl_cmd::GetFamily, &())?;
/// while let Some(fam) = dump.next()? {
///     println!("{} {}", fam.family_id, fam.family_name);
/// }
/// # Ok::<(), genl_core::Error>(())
/// ```
///
/// The items borrow the connection's buffer, so `Dump` is not an
/// [`Iterator`]; [`owned`](Self::owned) is one, over owned copies.
pub struct Dump<'c, C: DumpCommand, T: Transport = Socket> {
    pub(crate) raw: RawDump<'c, T>,
    pub(crate) _cmd: std::marker::PhantomData<C>,
}

impl<C: DumpCommand, T: Transport> std::fmt::Debug for Dump<'_, C, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dump")
            .field("command", &C::NAME)
            .field("raw", &self.raw)
            .finish()
    }
}

impl<'c, C: DumpCommand, T: Transport> Dump<'c, C, T> {
    /// The next dumped message, decoded, borrowing the receive buffer;
    /// `Ok(None)` after `NLMSG_DONE`.
    ///
    /// Always inlined, as [`RawDump::next`] is: a call would return the
    /// decoded item through memory, and the caller's loop would copy it.
    #[allow(clippy::should_implement_trait)]
    #[inline(always)]
    pub fn next(&mut self) -> Result<Option<C::Item<'_>>> {
        match self.raw.next()? {
            Some(view) => Ok(Some(view.decode::<C::Item<'_>>()?)),
            None => Ok(None),
        }
    }

    /// The next dumped message as an undecoded view.
    pub fn next_view(&mut self) -> Result<Option<GenlView<'_>>> {
        self.raw.next()
    }

    /// Runs `f` on every dumped message, collecting its results.
    pub fn map<U>(mut self, mut f: impl FnMut(C::Item<'_>) -> U) -> Result<Vec<U>> {
        let mut out = Vec::new();
        while let Some(m) = self.next()? {
            out.push(f(m));
        }
        Ok(out)
    }

    /// An [`Iterator`] over owned copies of the messages (decode each with
    /// [`Item::get`](crate::Item::get)), for `for` loops and adapters.
    pub fn owned(self) -> impl Iterator<Item = Result<crate::Item<C>>> + 'c {
        let mut raw = self.raw;
        std::iter::from_fn(move || match raw.next() {
            Ok(Some(v)) => Some(Ok(crate::Item::new(OwnedMessage::from_view(&v)))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        })
    }

    /// The untyped dump underneath.
    pub fn into_raw(self) -> RawDump<'c, T> {
        self.raw
    }
}

/// A dump in progress, untyped: a lending iterator over the reply messages
/// as [`GenlView`]s (see [`Connection::dump_by_id`]).
#[derive(Debug)]
pub struct RawDump<'c, T: Transport = Socket> {
    conn: &'c mut Connection<T>,
    ex: Exchange,
    schema: Option<&'static AttrSetSchema>,
    /// Where the next message of `conn.rx` starts.
    pos: usize,
    /// The family's name (a typed dump): restart once after a reload.
    family: Option<&'static str>,
    retry: FamilyRetry,
    finished: bool,
}

impl<'c, T: Transport> RawDump<'c, T> {
    pub(crate) fn start<P: Encode + ?Sized>(
        conn: &'c mut Connection<T>,
        family: Option<&'static str>,
        req: Request<'_, P>,
    ) -> Result<Self> {
        let (family_id, schema) = (req.family_id, req.schema);
        let seq = conn.seq.next_mut();
        req.build(&mut conn.tx, seq)?;
        conn.transport.send(&conn.tx)?;
        conn.deadline = Deadline::new(conn.timeout);
        conn.rx.clear();
        let mut retry = FamilyRetry::default();
        retry.check(family_id)?;
        Ok(RawDump {
            conn,
            ex: req.exchange(seq),
            schema,
            pos: 0,
            family,
            retry,
            finished: false,
        })
    }

    /// Resends the request to `family_id` with a new sequence number.
    fn restart(&mut self, family_id: u16) -> Result<()> {
        let seq = self.conn.seq.next_mut();
        crate::nlmsg::set_type(&mut self.conn.tx, family_id);
        crate::nlmsg::set_seq(&mut self.conn.tx, seq);
        self.conn.transport.send(&self.conn.tx)?;
        self.conn.rx.clear();
        self.pos = 0;
        self.ex = Exchange::new(seq, Mode::Dump, family_id);
        Ok(())
    }

    /// The next message of the dump, borrowed from the receive buffer;
    /// `Ok(None)` after `NLMSG_DONE`.
    #[allow(clippy::should_implement_trait)]
    #[inline(always)]
    pub fn next(&mut self) -> Result<Option<GenlView<'_>>> {
        // The common case, inlined into the caller's loop: the next message
        // of the datagram in hand is one of the dump's.
        if !self.finished {
            let portid = self.conn.transport.port_id();
            let rx = &self.conn.rx;
            let hit = (self.ex.take_data(rx, self.pos, portid)).map(|(v, n)| (Span::of(rx, &v), n));
            if let Some((span, next)) = hit {
                self.pos = next;
                return Ok(Some(span.view(&self.conn.rx)));
            }
        }
        self.next_slow()
    }

    /// [`next`](Self::next) past the datagram in hand: receiving, control
    /// messages, the end, the restart after a reload.
    #[inline(never)]
    fn next_slow(&mut self) -> Result<Option<GenlView<'_>>> {
        // Each wait for more items has the whole timeout (see
        // `DEFAULT_TIMEOUT`): the caller's time between items is not counted.
        self.conn.deadline = Deadline::new(self.conn.timeout);
        loop {
            if self.finished {
                return Ok(None);
            }
            if let Some(span) = self.advance()? {
                return Ok(Some(span.view(&self.conn.rx)));
            }
            if self.ex.is_done() {
                let r = self.ex.finish(&self.conn.tx, self.schema);
                // Only a typed dump that delivered nothing can restart.
                let r = match (self.family, self.ex.replies()) {
                    (Some(name), 0) => {
                        let (conn, id) = (&*self.conn, self.ex.family_id());
                        let moved = || conn.families.moved(name, id);
                        match self.retry.after(r, moved) {
                            None => {
                                self.conn.invalidate(name);
                                // Resolving builds its own request: keep ours.
                                let request = std::mem::take(&mut self.conn.tx);
                                let id = self.conn.resolve(name).map(|f| f.id);
                                self.conn.tx = request;
                                let id = id?;
                                self.retry.check(id)?;
                                self.restart(id)?;
                                continue;
                            }
                            Some(r) => r,
                        }
                    }
                    _ => r,
                };
                self.finished = true;
                r?;
                return Ok(None);
            }
        }
    }

    /// Reads messages until the next data message of the dump (its span in
    /// `conn.rx`) or the dump's end.
    fn advance(&mut self) -> Result<Option<Span>> {
        let portid = self.conn.transport.port_id();
        loop {
            if self.ex.is_done() {
                return Ok(None);
            }
            if self.pos >= self.conn.rx.len() {
                self.pos = 0;
                if !self.conn.receive_for(&mut self.ex)? {
                    self.conn.rx.clear();
                    return Ok(None);
                }
            }
            if let Some((v, next)) = self.ex.take_data(&self.conn.rx, self.pos, portid) {
                self.pos = next;
                return Ok(Some(Span::of(&self.conn.rx, &v)));
            }
            let mut found = None;
            let mut events = Vec::new();
            let mut it = Messages::new(&self.conn.rx[self.pos..]);
            let base = self.pos;
            for msg in it.by_ref() {
                let msg = msg?;
                match engine::route(&msg, portid) {
                    Route::Request(s) if s == self.ex.seq() => {
                        if let Step::Reply(v) = self.ex.absorb(&msg) {
                            found = Some(Span::of(&self.conn.rx, &v));
                            break;
                        }
                        if self.ex.is_done() {
                            break;
                        }
                    }
                    Route::Control(ev) => events.push(ev),
                    Route::Request(_) | Route::Ignore => {}
                }
            }
            self.pos = base + it.position();
            self.conn.on_events(&mut self.ex, events);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// Runs `f` on every message of the dump, collecting its results.
    pub fn map<U>(mut self, mut f: impl FnMut(GenlView<'_>) -> Result<U>) -> Result<Vec<U>> {
        let mut out = Vec::new();
        while let Some(m) = self.next()? {
            out.push(f(m)?);
        }
        Ok(out)
    }
}

impl<T: Transport> Connection<T> {
    /// Starts an untyped dump ([`RawRequest`]: any family by id, any
    /// attributes, `NLM_F_DUMP` and the request's own flags); iterate the
    /// returned [`RawDump`] with [`RawDump::next`].
    pub fn dump_by_id<P: Encode + ?Sized>(
        &mut self,
        req: RawRequest<'_, P>,
    ) -> Result<RawDump<'_, T>> {
        RawDump::start(self, None, req.in_mode(Mode::Dump))
    }

    /// Starts the dump `req` (the engine's request, already in dump mode),
    /// for the connection's own dumps (`GETPOLICY`).
    pub(crate) fn start_dump<P: Encode + ?Sized>(
        &mut self,
        req: Request<'_, P>,
    ) -> Result<RawDump<'_, T>> {
        RawDump::start(self, None, req)
    }

    /// Starts a dump of command `cmd` (see [`DumpCommand`]); iterate the
    /// returned [`Dump`] with [`Dump::next`]. If the family's module was
    /// reloaded since it was resolved, the dump is restarted once at the
    /// new id.
    pub fn dump<C: DumpCommand>(
        &mut self,
        cmd: C,
        req: &C::DumpRequest<'_>,
    ) -> Result<Dump<'_, C, T>> {
        let _ = cmd;
        let fam = <C::Family as Family>::SCHEMA;
        let schema = client::dump_request::<C>();
        let mut id = Client::family_id(self, fam.name)?;
        let asked = client::asked::<C>(true, schema);
        if !client::check_support(self, (id, asked), req)? {
            // The family moved: check again at its new id (a refusal now stands).
            id = Client::family_id(self, fam.name)?;
            client::check_support(self, (id, asked), req)?;
        }
        let genl = GenlHeader {
            cmd: C::ID,
            version: fam.version,
        };
        let req = RawRequest {
            schema,
            ..RawRequest::new(id, genl, req)
        };
        Ok(Dump {
            raw: RawDump::start(self, Some(fam.name), req.in_mode(Mode::Dump))?,
            _cmd: std::marker::PhantomData,
        })
    }
}

#[cfg(test)]
mod tests;
