//! The request engine: the protocol rules of a generic netlink request,
//! with no I/O. Every connection — blocking ([`Connection`]), thread-shared
//! ([`SharedConnection`]), tokio — sends what the engine builds and feeds
//! it what it receives, so each rule below exists once:
//!
//! - sequence numbers: one counter per socket, never 0 (`SeqCounter`);
//! - which received messages belong to which request, and which are
//!   controller notifications (`route`); anything else (another sender,
//!   another port, a stale sequence number) is ignored, never delivered;
//! - how a request completes (`Exchange`): data, ACK, `NLMSG_DONE` with
//!   its code, `NLMSG_ERROR` with extended ACK, `NLM_F_DUMP_INTR`, too many
//!   replies, the request's family unregistered while it waits;
//! - family resolution and the retry after a module reload
//!   ([`crate::resolve`]).
//!
//! [`Connection`]: crate::Connection
//! [`SharedConnection`]: crate::SharedConnection

use std::sync::atomic::{AtomicU32, Ordering};

use crate::codec::Encode;
use crate::controller::{self, CtrlCmd, GENL_ID_CTRL};
use crate::error::{DecodeError, Error, KernelError, Result};
use crate::extack::attribute_paths;
use crate::message::{
    build_message, GenlHeader, GenlView, NlMessage, Received, NLMSG_MIN_TYPE, NLM_F_ACK,
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use crate::schema::AttrSetSchema;
use crate::Family as _;

/// Sequence numbers of one socket: increasing, wrapping, never 0 (the
/// kernel's own notifications carry 0).
#[derive(Debug)]
pub(crate) struct SeqCounter(AtomicU32);

impl SeqCounter {
    /// A counter starting after `seed`.
    pub(crate) fn new(seed: u32) -> Self {
        SeqCounter(AtomicU32::new(seed))
    }

    /// The counter of a new socket, whatever its kind: the one seed rule,
    /// the process id and how many sockets the process opened before,
    /// spread over the 32 bits (a Fibonacci hash), so that two sockets of
    /// one program, or of two programs, rarely count through the same
    /// numbers (a stale reply then never matches by accident).
    pub(crate) fn for_socket() -> Self {
        static OPENED: AtomicU32 = AtomicU32::new(0);
        let n = OPENED.fetch_add(1, Ordering::Relaxed);
        let seed = std::process::id().wrapping_add(n << 22);
        SeqCounter::new(seed.wrapping_mul(0x9E37_79B9))
    }

    /// The next number.
    pub(crate) fn next(&self) -> u32 {
        loop {
            let n = self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if n != 0 {
                return n;
            }
        }
    }

    /// The next number, through exclusive access (no atomic operation:
    /// a connection used by one thread at a time).
    #[inline]
    pub(crate) fn next_mut(&mut self) -> u32 {
        let n = self.0.get_mut();
        *n = n.wrapping_add(1);
        if *n == 0 {
            *n = 1;
        }
        *n
    }

    /// The last number handed out.
    pub(crate) fn last(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// How a request completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `NLM_F_ACK`: complete at the ACK (or error); at most one reply before.
    Ack,
    /// No ACK asked: complete at the first reply (or error), however late
    /// it comes (replies deferred to a workqueue).
    FirstReply,
    /// `NLM_F_DUMP`: complete at `NLMSG_DONE` (or error).
    Dump,
}

impl Mode {
    /// The request's `nlmsg_flags`.
    pub(crate) fn flags(self) -> u16 {
        match self {
            Mode::Ack => NLM_F_REQUEST | NLM_F_ACK,
            Mode::FirstReply => NLM_F_REQUEST,
            Mode::Dump => NLM_F_REQUEST | NLM_F_DUMP,
        }
    }
}

/// One generic netlink request, as every connection's exchange takes it:
/// where it goes, how it completes, its attributes and their schema (for
/// the extended ACK's paths).
#[derive(Debug)]
pub(crate) struct Request<'p, P: ?Sized> {
    pub(crate) family_id: u16,
    pub(crate) genl: GenlHeader,
    pub(crate) mode: Mode,
    /// `nlmsg_flags` beyond those of `mode` ([`crate::RawRequest::flags`]).
    pub(crate) flags: u16,
    pub(crate) payload: &'p P,
    pub(crate) schema: Option<&'static AttrSetSchema>,
}

impl<P: ?Sized> Clone for Request<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ?Sized> Copy for Request<'_, P> {}

impl<P: Encode + ?Sized> Request<'_, P> {
    /// Writes the request into `tx` with number `seq`: the message flags
    /// of its mode and its own.
    #[inline]
    pub(crate) fn build(&self, tx: &mut Vec<u8>, seq: u32) -> Result<()> {
        let flags = self.mode.flags() | self.flags;
        build_message(tx, self.family_id, flags, seq, self.genl, self.payload)?;
        Ok(())
    }

    /// The exchange that follows it, sent with number `seq`.
    #[inline]
    pub(crate) fn exchange(&self, seq: u32) -> Exchange {
        Exchange::new(seq, self.mode, self.family_id)
    }
}

/// A controller notification (`nlctrl`'s `notify` group), as far as the
/// engine cares: which family changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CtrlEvent {
    /// The notification's command.
    pub(crate) cmd: Option<CtrlCmd>,
    /// The family's id.
    pub(crate) family_id: u16,
    /// The family's name.
    pub(crate) family_name: String,
}

impl CtrlEvent {
    /// Whether the family is gone (`CTRL_CMD_DELFAMILY`).
    pub(crate) fn deletes_family(&self) -> bool {
        self.cmd == Some(CtrlCmd::DelFamily)
    }
}

/// Where a message received on a request socket goes.
#[derive(Debug)]
pub(crate) enum Route {
    /// To the request with this sequence number.
    Request(u32),
    /// A controller notification; `None` when it could not be read (then
    /// any family may have changed).
    Control(Option<CtrlEvent>),
    /// Nowhere: not for this socket.
    Ignore,
}

/// Routes one message received (from the kernel) on the socket with port
/// `portid`: replies carry the port and the request's sequence number;
/// controller notifications carry neither.
#[inline]
pub(crate) fn route(msg: &NlMessage<'_>, portid: u32) -> Route {
    if let Some(seq) = request_of(msg, portid) {
        return Route::Request(seq);
    }
    match control_event(msg) {
        Some(event) => Route::Control(event),
        None => Route::Ignore,
    }
}

/// The sequence number of the request `msg` answers, if it answers one of
/// the socket with port `portid`: a reply carries the port and a non-zero
/// number (the protocol-neutral half of [`route`], which classic netlink
/// uses alone).
#[inline]
pub(crate) fn request_of(msg: &NlMessage<'_>, portid: u32) -> Option<u32> {
    let h = &msg.header;
    (h.port_number == portid && h.sequence_number != 0).then_some(h.sequence_number)
}

/// `Some` if `msg` is a controller notification (type `GENL_ID_CTRL`,
/// sequence number 0), with the event if it could be read.
pub(crate) fn control_event(msg: &NlMessage<'_>) -> Option<Option<CtrlEvent>> {
    let h = &msg.header;
    if h.message_type != GENL_ID_CTRL || h.sequence_number != 0 {
        return None;
    }
    Some(match Received::parse(msg) {
        Ok(Received::Genl(v)) => v
            .decode::<controller::FamilyRef<'_>>()
            .ok()
            .map(|f| CtrlEvent {
                cmd: CtrlCmd::from_cmd(v.genl.cmd),
                family_id: f.family_id,
                family_name: f.family_name.to_owned(),
            }),
        _ => None,
    })
}

/// Why a request failed, before the extack paths are resolved.
#[derive(Debug, Clone)]
enum Failure {
    Kernel(Box<KernelError>),
    Decode(DecodeError),
    FamilyGone(String),
    /// The socket overflowed (`ENOBUFS`): the answer may have been dropped.
    Lost,
}

impl Failure {
    /// The error, with kernel errors' extack paths resolved against
    /// `request` through `schema`.
    fn into_error(self, request: &[u8], schema: Option<&'static AttrSetSchema>) -> Error {
        match self {
            Failure::Kernel(mut k) => {
                *k = attribute_paths(*k, request, schema);
                Error::Kernel(k)
            }
            Failure::Decode(e) => Error::Decode(e),
            Failure::FamilyGone(name) => Error::FamilyNotFound(name),
            Failure::Lost => Error::EventsLost,
        }
    }
}

/// What a message did to its request.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// A data message: the caller keeps it (or its position).
    Reply(GenlView<'a>),
    /// Nothing to deliver (an ACK, `NLMSG_DONE`, an error, a no-op); see
    /// [`Exchange::is_done`].
    Nothing,
}

/// One request in flight: feed it every message routed to it, until
/// [`is_done`](Self::is_done); then [`finish`](Self::finish).
#[derive(Debug)]
pub(crate) struct Exchange {
    seq: u32,
    mode: Mode,
    /// The family the request went to (to fail at once if it goes away).
    family_id: u16,
    replies: usize,
    interrupted: bool,
    /// The family was unregistered (its name): see [`Exchange::on_control`].
    gone: Option<String>,
    /// The extended ACK's message of a success (a kernel warning).
    warning: Option<String>,
    done: Option<std::result::Result<(), Failure>>,
}

impl Exchange {
    /// A request with number `seq`, sent to `family_id` in `mode`.
    pub(crate) fn new(seq: u32, mode: Mode, family_id: u16) -> Self {
        Exchange {
            seq,
            mode,
            family_id,
            replies: 0,
            interrupted: false,
            gone: None,
            warning: None,
            done: None,
        }
    }

    /// The request's sequence number.
    #[inline]
    pub(crate) fn seq(&self) -> u32 {
        self.seq
    }

    /// The id of the family the request went to.
    pub(crate) fn family_id(&self) -> u16 {
        self.family_id
    }

    /// How many data messages arrived so far.
    #[inline]
    pub(crate) fn replies(&self) -> usize {
        self.replies
    }

    /// Whether a data message carried `NLM_F_DUMP_INTR` (the table changed
    /// during the dump).
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// The kernel's warning, if the request succeeded with one (also
    /// logged, see [`crate::extack::warn_on_success`]).
    pub(crate) fn take_warning(&mut self) -> Option<String> {
        self.warning.take()
    }

    /// [`absorb`](Self::absorb) for any netlink protocol: a message of a
    /// type above the control types is a reply whatever its payload (no
    /// genl header is read); returns whether it is one to deliver. The
    /// control messages and the counting rules are the same.
    pub(crate) fn absorb_raw(&mut self, msg: &NlMessage<'_>) -> bool {
        if msg.header.message_type < NLMSG_MIN_TYPE {
            self.absorb_other(msg);
            return false;
        }
        if self.done.is_some() {
            // After the end (a late duplicate): counted, not delivered.
            self.replies += 1;
            return false;
        }
        self.on_data(msg.header.flags);
        true
    }

    /// Takes one message addressed to this request (parsed once, here).
    #[inline(always)]
    pub(crate) fn absorb<'a>(&mut self, msg: &NlMessage<'a>) -> Step<'a> {
        // The common case, inlined into the receive loops: a data message
        // (any type above the netlink control types) of a running request.
        if self.done.is_none() && msg.header.message_type >= NLMSG_MIN_TYPE {
            if let Ok(v) = GenlView::parse(msg) {
                self.on_data(msg.header.flags);
                return Step::Reply(v);
            }
        }
        self.absorb_other(msg)
    }

    /// A data message of this running request was taken.
    #[inline(always)]
    fn on_data(&mut self, flags: u16) {
        if flags & NLM_F_DUMP_INTR != 0 {
            self.interrupted = true;
        }
        self.replies += 1;
        if self.mode == Mode::FirstReply {
            // Only ever called on a running request: nothing to drop.
            self.done.get_or_insert(Ok(()));
        }
    }

    /// The receive loops' common case in one step, straight from the
    /// bytes: if the message at `pos` of `datagram` is whole, addressed to
    /// this running request (port `portid`, its sequence number) and a data
    /// message with its genl header, it is taken as [`absorb`](Self::absorb)
    /// takes it; returns its view and where the next message starts.
    /// `None` for anything else (the end of the datagram, a control
    /// message, another request's, a malformed one): nothing is taken, and
    /// the caller reads the message the general way ([`Messages`], [`route`],
    /// [`absorb`](Self::absorb)), which gives it its meaning. Same outcome
    /// either way, without building the iterator and the route per message.
    ///
    /// [`Messages`]: crate::message::Messages
    #[inline(always)]
    pub(crate) fn take_data<'a>(
        &mut self,
        datagram: &'a [u8],
        pos: usize,
        portid: u32,
    ) -> Option<(GenlView<'a>, usize)> {
        let rest = datagram.get(pos..)?;
        let view = GenlView::at_start(rest)?;
        let h = &view.header;
        if self.done.is_some()
            || h.port_number != portid
            || h.sequence_number != self.seq
            || h.message_type < NLMSG_MIN_TYPE
        {
            return None;
        }
        self.on_data(h.flags);
        let len = h.length as usize;
        Some((view, pos + crate::wire::nla_align(len).min(rest.len())))
    }

    /// [`absorb`](Self::absorb) for everything else: control messages,
    /// late duplicates, malformed messages.
    fn absorb_other<'a>(&mut self, msg: &NlMessage<'a>) -> Step<'a> {
        if self.done.is_some() {
            // After the end (a late duplicate): nothing more to deliver.
            if matches!(Received::parse(msg), Ok(Received::Genl(_))) {
                self.replies += 1;
            }
            return Step::Nothing;
        }
        if msg.header.flags & NLM_F_DUMP_INTR != 0 {
            self.interrupted = true;
        }
        match Received::parse(msg) {
            Ok(Received::Genl(v)) => {
                self.replies += 1;
                if self.mode == Mode::FirstReply {
                    self.done = Some(Ok(()));
                }
                Step::Reply(v)
            }
            Ok(Received::Error { error, .. }) => {
                self.note_warning(crate::extack::warn_on_success(error.code, &error.ext_ack));
                self.done = Some(match error.to_kernel_error() {
                    Some(k) => Err(Failure::Kernel(Box::new(k))),
                    None => Ok(()),
                });
                Step::Nothing
            }
            Ok(Received::Done { code, ext_ack, .. }) => {
                self.note_warning(crate::extack::warn_on_success(code, &ext_ack));
                self.done = Some(if code < 0 {
                    Err(Failure::Kernel(Box::new(crate::extack::ext_ack_error(
                        code, &ext_ack,
                    ))))
                } else {
                    Ok(())
                });
                Step::Nothing
            }
            Ok(Received::Noop(_)) => Step::Nothing,
            Err(e) => {
                self.done = Some(Err(Failure::Decode(e)));
                Step::Nothing
            }
        }
    }

    /// Keeps the kernel's warning (rare: allocates only then).
    fn note_warning(&mut self, warning: Option<&str>) {
        if let Some(w) = warning {
            self.warning = Some(w.to_owned());
        }
    }

    /// Takes a controller notification. A request whose family was
    /// unregistered ends as soon as the socket is idle
    /// ([`awaits_idle`](Self::awaits_idle)): the kernel handles a request
    /// inside the `sendmsg` that carries it, so a refusal (`ENOENT` for an
    /// id already gone) is queued behind the notification, while a request
    /// the family had accepted and not answered never will be.
    pub(crate) fn on_control(&mut self, event: &CtrlEvent) {
        if self.done.is_none() && event.deletes_family() && event.family_id == self.family_id {
            self.gone = Some(event.family_name.clone());
        }
    }

    /// Whether the driver should stop waiting and only look for what is
    /// already queued, then call [`on_idle`](Self::on_idle) if nothing is.
    #[inline]
    pub(crate) fn awaits_idle(&self) -> bool {
        self.done.is_none() && self.gone.is_some()
    }

    /// Nothing more is queued on the socket: a request whose family was
    /// unregistered fails with [`Error::FamilyNotFound`].
    pub(crate) fn on_idle(&mut self) {
        if self.done.is_none() {
            if let Some(name) = self.gone.take() {
                self.done = Some(Err(Failure::FamilyGone(name)));
            }
        }
    }

    /// The socket's receive queue overflowed: the answer may be lost, so
    /// the request fails with [`Error::EventsLost`] rather than waiting.
    pub(crate) fn on_overflow(&mut self) {
        self.done.get_or_insert(Err(Failure::Lost));
    }

    /// Whether the request is complete.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.done.is_some()
    }

    /// The outcome, once [`is_done`](Self::is_done): kernel errors with
    /// their extack paths resolved against `request` (the message sent)
    /// through `schema`.
    #[inline(always)]
    pub(crate) fn finish(
        &self,
        request: &[u8],
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<()> {
        // Inlined: the plain success (no interruption, at most one reply)
        // is `Ok` in every mode.
        if matches!(self.done, Some(Ok(()))) && !self.interrupted && self.replies <= 1 {
            return Ok(());
        }
        self.finish_other(request, schema)
    }

    /// [`finish`](Self::finish) for everything but the plain success.
    #[inline(never)]
    fn finish_other(&self, request: &[u8], schema: Option<&'static AttrSetSchema>) -> Result<()> {
        match &self.done {
            None => Err(Error::UnexpectedReply("the request did not complete")),
            Some(Err(f)) => Err(f.clone().into_error(request, schema)),
            Some(Ok(())) if self.mode == Mode::Dump && self.interrupted => {
                Err(Error::DumpInterrupted)
            }
            Some(Ok(())) if self.mode != Mode::Dump && self.replies > 1 => Err(
                Error::UnexpectedReply("more than one reply message to a single request"),
            ),
            Some(Ok(())) => Ok(()),
        }
    }
}

/// Requests sent together, one datagram, without waiting for each answer
/// (a [`Batch`](crate::batch::Batch) round). Only the last asks for an
/// ACK: the kernel handles the messages of a datagram in order, each to
/// completion, so the last one's ACK (or error) means every earlier one
/// was handled, and an earlier one that failed has its `NLMSG_ERROR`
/// queued before, naming it by sequence number. Success costs the kernel
/// no message.
#[derive(Debug)]
pub(crate) struct Round {
    /// The sequence numbers, in sending order (the last: `last`'s).
    seqs: Vec<u32>,
    /// Each request but the last: sent without `NLM_F_ACK`, so only an
    /// error (or a reply, which an ACK-only command must not send) comes.
    earlier: Vec<Exchange>,
    last: Exchange,
}

impl Round {
    /// A round of requests numbered `seqs` (in order; at least one), the
    /// last sent to `family_id` with `NLM_F_ACK`, the others without.
    pub(crate) fn new(seqs: Vec<u32>, family_id: u16) -> Self {
        let (&last_seq, before) = seqs.split_last().expect("a round has a request");
        Round {
            earlier: before
                .iter()
                .map(|&s| Exchange::new(s, Mode::Ack, family_id))
                .collect(),
            last: Exchange::new(last_seq, Mode::Ack, family_id),
            seqs,
        }
    }

    /// The index of request `seq` in the round.
    pub(crate) fn index(&self, seq: u32) -> Option<usize> {
        self.seqs.iter().position(|s| *s == seq)
    }

    /// Takes one message addressed to request `index`, by the rules of
    /// [`Exchange::absorb`].
    pub(crate) fn absorb(&mut self, index: usize, msg: &NlMessage<'_>) {
        self.earlier
            .get_mut(index)
            .unwrap_or(&mut self.last)
            .absorb(msg);
    }

    /// The inner [`Exchange`] of the last request, which decides when the
    /// round is complete (notifications, idleness, overflow go to it).
    pub(crate) fn last(&mut self) -> &mut Exchange {
        &mut self.last
    }

    /// Whether the round is complete.
    pub(crate) fn is_done(&self) -> bool {
        self.last.is_done()
    }

    /// Each request's outcome, once [`is_done`](Self::is_done);
    /// `request(i)` gives request `i`'s bytes and schema (for extack
    /// paths). Requests with no answer succeeded if the last one was
    /// handled; if the round ended otherwise (the family gone, the socket
    /// overflowed), they share its failure.
    pub(crate) fn finish<'r>(
        self,
        mut request: impl FnMut(usize) -> (&'r [u8], Option<&'static AttrSetSchema>),
    ) -> Vec<Result<()>> {
        let handled = matches!(
            &self.last.done,
            Some(Ok(())) | Some(Err(Failure::Kernel(_)))
        );
        let mut out: Vec<Result<()>> = self
            .earlier
            .iter()
            .enumerate()
            .map(|(i, ex)| match &ex.done {
                Some(Err(_)) => {
                    let (bytes, schema) = request(i);
                    ex.finish(bytes, schema)
                }
                _ if ex.replies() > 0 => Err(Error::UnexpectedReply(
                    "a reply to a command whose schema declares none",
                )),
                Some(Ok(())) => Ok(()),
                None if handled => Ok(()),
                None => Err(match &self.last.done {
                    Some(Err(f)) => f.clone().into_error(&[], None),
                    _ => Error::UnexpectedReply("the request did not complete"),
                }),
            })
            .collect();
        let (bytes, schema) = request(self.seqs.len() - 1);
        out.push(self.last.finish(bytes, schema));
        out
    }
}

#[cfg(test)]
mod tests;
