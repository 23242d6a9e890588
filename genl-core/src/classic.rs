//! Classic netlink: any protocol number, any peer — the systems genl grew
//! from: a kernel module with its own protocol number (`NETLINK_TEST`-style,
//! via `netlink_kernel_create`), user↔user unicast between two sockets
//! (e.g. on `NETLINK_USERSOCK`), multicast groups. On the same socket layer
//! as generic netlink ([`sys::Socket`]): typed errors, `MSG_TRUNC` and
//! `ENOBUFS` detection, timeouts, borrowed message views, and the engine's
//! sequence numbers (never 0).

use std::time::Duration;

use netlink_packet_core::NetlinkBuffer;

use crate::codec::{Decode, Encode};
use crate::engine::{self, Exchange, Mode, SeqCounter};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, Error, Result};

use crate::connection::DEFAULT_TIMEOUT;
use crate::message::{Messages, NlMessage, NLMSG_HDRLEN, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
use crate::sys::{self, Recv};
use crate::transport::Deadline;
use crate::wire::nla_align;

/// `NETLINK_USERSOCK`: reserved for user-space protocols (user↔user).
pub const NETLINK_USERSOCK: isize = 2;

/// A netlink socket of any protocol, talking to any peer.
#[derive(Debug)]
pub struct ClassicConnection {
    sock: sys::Socket,
    tx: Vec<u8>,
    rx: Vec<u8>,
    seq: SeqCounter,
    timeout: Option<Duration>,
}

/// One received datagram: its sender and its messages, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    /// The sender's port id (0: the kernel).
    pub sender: u32,
    /// The raw bytes.
    pub bytes: &'a [u8],
}

impl<'a> Datagram<'a> {
    /// The netlink messages in the datagram.
    pub fn messages(&self) -> Messages<'a> {
        Messages::new(self.bytes)
    }

    /// The first message (most datagrams carry one).
    pub fn first(&self) -> Result<NlMessage<'a>> {
        match self.messages().next() {
            Some(m) => Ok(m?),
            None => Err(Error::UnexpectedReply("empty datagram")),
        }
    }
}

/// One operation of a classic netlink family, such as rtnetlink's
/// `getlink`: what `genl-ynl` generates for each operation of a
/// `netlink-raw` YNL spec, and what [`ClassicConnection::request`] and
/// [`ClassicConnection::dump`] take, so that a request of the wrong type
/// does not compile.
pub trait ClassicOp {
    /// The operation's name in its spec (`getlink`).
    const NAME: &'static str;
    /// The netlink protocol of the family (`NETLINK_ROUTE` is 0).
    const PROTOCOL: isize;
    /// `nlmsg_type` of the request (`RTM_GETLINK`).
    const REQUEST: u16;
    /// `nlmsg_type` of the replies (`RTM_NEWLINK`), `None` when the
    /// operation is answered by an ACK only.
    const REPLY: Option<u16>;
    /// The request payload: the fixed header and the attributes, which may
    /// borrow (strings, bytes).
    type Request<'a>: Encode;
    /// One reply payload, borrowed from the receive buffer.
    type Reply<'a>: Decode<'a>;
}

/// One request of [`ClassicConnection::exchange_all`].
#[derive(Debug, Clone, Copy)]
pub struct ClassicRequest<'a> {
    /// `nlmsg_type` (a classic family's message id, or a generic netlink
    /// family's id with a genl header first in `payload`).
    pub message_type: u16,
    /// Flags besides `NLM_F_REQUEST | NLM_F_ACK` (and `NLM_F_DUMP`).
    pub flags: u16,
    /// What follows the `nlmsghdr`.
    pub payload: &'a [u8],
    /// A dump (`NLM_F_DUMP`, complete at `NLMSG_DONE`).
    pub dump: bool,
}

/// How a request of [`ClassicConnection::exchange`] ended, when it did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Some reply carried `NLM_F_DUMP_INTR`: the kernel's table changed
    /// during the dump, which may be inconsistent (repeat it to be sure).
    pub interrupted: bool,
    /// The extended ACK's message of a request that succeeded (a kernel
    /// warning), also logged (see [`crate::extack::warn_on_success`]).
    pub warning: Option<String>,
}

impl ClassicConnection {
    /// Sends a request to the kernel and hands each of its replies to
    /// `each`, until the request completes. A `do` (`dump == false`) is sent
    /// with `NLM_F_REQUEST | NLM_F_ACK | flags` and completes at the ACK; a
    /// dump adds `NLM_F_DUMP` and completes at `NLMSG_DONE`.
    ///
    /// The rules are the request engine's, as for generic
    /// netlink: messages from another sender, to another port or with
    /// another sequence number are not this request's and are passed over;
    /// a `do` has at most one reply (a second is [`Error::UnexpectedReply`]);
    /// `NLM_F_DUMP_INTR` on a reply sets [`Completion::interrupted`]; an
    /// `NLMSG_ERROR` with a code, or
    /// an `NLMSG_DONE` with a negative one, is [`Error::Kernel`] (with the
    /// extended ACK's message and offset); an error `each` returns ends the
    /// request with that error.
    pub fn exchange(
        &mut self,
        message_type: u16,
        flags: u16,
        payload: &[u8],
        dump: bool,
        mut each: impl FnMut(NlMessage<'_>) -> Result<()>,
    ) -> Result<Completion> {
        let req = ClassicRequest {
            message_type,
            flags,
            payload,
            dump,
        };
        let mut out = self.exchange_all(&[req], |_, m| each(m))?;
        out.pop()
            .unwrap_or(Err(Error::UnexpectedReply("no outcome")))
    }

    /// Sends several requests in one datagram (as `cli.py --multi` does,
    /// and as nftables needs for a batch) and hands each reply to `each`
    /// with the index of its request, until every request has completed
    /// (see [`exchange`](Self::exchange)). Each request has its own outcome:
    /// one that the kernel rejects fails alone. An I/O error, or an error
    /// `each` returns, ends them all.
    pub fn exchange_all(
        &mut self,
        reqs: &[ClassicRequest<'_>],
        mut each: impl FnMut(usize, NlMessage<'_>) -> Result<()>,
    ) -> Result<Vec<Result<Completion>>> {
        if reqs.is_empty() {
            return Ok(Vec::new());
        }
        self.tx.clear();
        let mut seqs = Vec::with_capacity(reqs.len());
        for r in reqs {
            let mut f = NLM_F_REQUEST | NLM_F_ACK | r.flags;
            if r.dump {
                f |= NLM_F_DUMP;
            }
            seqs.push(self.append(r.message_type, f, r.payload)?);
        }
        self.sock.send_to(&self.tx, 0, 0)?;
        let portid = self.sock.port_id();
        let mut pending = Pending::new(seqs, reqs);
        let mut deadline = Deadline::new(self.timeout);
        while pending.open > 0 {
            let dg = self.recv_by(&mut deadline)?;
            if dg.sender == 0 {
                pending.take(dg.bytes, portid, &mut each)?;
            }
        }
        Ok(pending.outcome.into_iter().flatten().collect())
    }

    /// A `do` of operation `O`: sends `req` (with `flags` such as
    /// `NLM_F_CREATE | NLM_F_EXCL` besides the request and ACK flags) and
    /// hands each reply to `each` (an operation answered by an ACK has
    /// none). A reply of another message type is an error, never dropped.
    pub fn request<O: ClassicOp>(
        &mut self,
        flags: u16,
        req: &O::Request<'_>,
        mut each: impl FnMut(O::Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        let payload = req.encode_to_vec()?;
        self.exchange(O::REQUEST, flags, &payload, false, |m| {
            each(decode_reply::<O>(&m)?)
        })
        .map(|_| ())
    }

    /// A dump of operation `O` with request `req` (a filter, often only the
    /// fixed header): hands each entry to `each`.
    pub fn dump<O: ClassicOp>(
        &mut self,
        req: &O::Request<'_>,
        mut each: impl FnMut(O::Reply<'_>) -> Result<()>,
    ) -> Result<Completion> {
        let payload = req.encode_to_vec()?;
        self.exchange(O::REQUEST, 0, &payload, true, |m| {
            each(decode_reply::<O>(&m)?)
        })
    }

    /// Opens and binds a socket of netlink `protocol` (`NETLINK_ROUTE`,
    /// `NETLINK_USERSOCK`, a module's own number, …).
    pub fn new(protocol: isize) -> Result<Self> {
        Ok(ClassicConnection {
            sock: sys::Socket::open(protocol)?,
            tx: Vec::new(),
            rx: Vec::new(),
            seq: SeqCounter::for_socket(),
            timeout: Some(DEFAULT_TIMEOUT),
        })
    }

    /// This socket's port id.
    pub fn port_id(&self) -> u32 {
        self.sock.port_id()
    }

    /// The socket (for socket options).
    pub fn socket(&self) -> &sys::Socket {
        &self.sock
    }

    /// Sets how long a request of [`exchange`](Self::exchange) may take,
    /// and how long [`recv`](Self::recv) waits (`None`: forever); see
    /// [`DEFAULT_TIMEOUT`] for what it covers.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Joins multicast group `group` (`NETLINK_ADD_MEMBERSHIP`).
    pub fn join_group(&self, group: u32) -> Result<()> {
        self.sock.join_group(group)
    }

    /// Sends one message (`nlmsghdr` + `payload`) to port `port` (0: the
    /// kernel) and, if `group` is non-zero, to that multicast group (1 to
    /// 32). Returns the sequence number used.
    ///
    /// The kernel delivers a multicast send to `port` as well; on a protocol
    /// without a kernel socket (`NETLINK_USERSOCK`) pass your own port id,
    /// since port 0 would fail with `ECONNREFUSED` after the broadcast.
    pub fn send(
        &mut self,
        port: u32,
        group: u32,
        message_type: u16,
        flags: u16,
        payload: &[u8],
    ) -> Result<u32> {
        self.tx.clear();
        let seq = self.append(message_type, flags, payload)?;
        self.sock.send_to(&self.tx, port, group)?;
        Ok(seq)
    }

    /// Appends one message (`nlmsghdr` + `payload`, aligned) to the send
    /// buffer; returns its sequence number.
    fn append(&mut self, message_type: u16, flags: u16, payload: &[u8]) -> Result<u32> {
        let seq = self.seq.next();
        let len = NLMSG_HDRLEN + payload.len();
        let len32 = u32::try_from(len)
            .map_err(|_| EncodeError::new(EncodeErrorKind::MessageTooLong { len }))?;
        let start = nla_align(self.tx.len());
        self.tx.resize(start + nla_align(len), 0);
        let mut nl = NetlinkBuffer::new(&mut self.tx[start..]);
        nl.set_length(len32);
        nl.set_message_type(message_type);
        nl.set_flags(flags);
        nl.set_sequence_number(seq);
        nl.set_port_number(self.sock.port_id());
        self.tx[start + NLMSG_HDRLEN..start + len].copy_from_slice(payload);
        // The last message goes without its padding, as the kernel sends.
        self.tx.truncate(start + len);
        Ok(seq)
    }

    /// Sends `bytes` as they are (one or more complete netlink messages) to
    /// port `port` and group `group` (a group number 1 to 32, 0 for none).
    pub fn send_datagram(&self, port: u32, group: u32, bytes: &[u8]) -> Result<()> {
        self.sock.send_to(bytes, port, group)
    }

    /// Receives the next datagram, from any sender.
    pub fn recv(&mut self) -> Result<Datagram<'_>> {
        self.recv_by(&mut Deadline::new(self.timeout))
    }

    /// [`recv`](Self::recv) within `deadline`.
    fn recv_by(&mut self, deadline: &mut Deadline) -> Result<Datagram<'_>> {
        let sender = loop {
            match self.sock.recv_from(&mut self.rx, true)? {
                Recv::Datagram { sender } => break sender,
                Recv::Interrupted => {}
                Recv::WouldBlock => self.sock.wait_readable(deadline.instant())?,
            }
        };
        Ok(Datagram {
            sender,
            bytes: &self.rx,
        })
    }
}

/// The requests of one [`ClassicConnection::exchange_all`] in flight.
struct Pending {
    seqs: Vec<u32>,
    exs: Vec<Exchange>,
    outcome: Vec<Option<Result<Completion>>>,
    /// How many have no outcome yet.
    open: usize,
}

impl Pending {
    /// Requests `reqs`, sent with numbers `seqs`.
    fn new(seqs: Vec<u32>, reqs: &[ClassicRequest<'_>]) -> Self {
        let exs = seqs
            .iter()
            .zip(reqs)
            .map(|(&seq, r)| {
                let mode = if r.dump { Mode::Dump } else { Mode::Ack };
                Exchange::new(seq, mode, r.message_type)
            })
            .collect();
        Pending {
            seqs,
            exs,
            outcome: (0..reqs.len()).map(|_| None).collect(),
            open: reqs.len(),
        }
    }

    /// Takes one datagram from the kernel, received on port `portid`, by
    /// the engine's rules, as for generic netlink: a message is a request's
    /// if it carries our port and the request's number; a `do` has at most
    /// one reply before its ACK, a dump ends at `NLMSG_DONE`. Hands each
    /// reply to `each` with its request's index.
    fn take(
        &mut self,
        datagram: &[u8],
        portid: u32,
        each: &mut impl FnMut(usize, NlMessage<'_>) -> Result<()>,
    ) -> Result<()> {
        for m in Messages::new(datagram) {
            let m = m?;
            let Some(seq) = engine::request_of(&m, portid) else {
                continue;
            };
            let Some(i) = self.seqs.iter().position(|&s| s == seq) else {
                continue;
            };
            if self.outcome[i].is_some() {
                continue;
            }
            let ex = &mut self.exs[i];
            if ex.absorb_raw(&m) {
                each(i, m)?;
            }
            if ex.is_done() {
                self.outcome[i] = Some(completion(ex));
                self.open -= 1;
            }
        }
        Ok(())
    }
}

/// The outcome of a completed classic request: the engine's, with an
/// interrupted dump flagged rather than failed (the caller may keep it).
fn completion(ex: &mut Exchange) -> Result<Completion> {
    let interrupted = match ex.finish(&[], None) {
        Ok(()) => ex.interrupted(),
        Err(Error::DumpInterrupted) => true,
        Err(e) => return Err(e),
    };
    Ok(Completion {
        interrupted,
        warning: ex.take_warning(),
    })
}

/// A reply of `O`, checked to have `O`'s reply type.
fn decode_reply<'a, O: ClassicOp>(m: &NlMessage<'a>) -> Result<O::Reply<'a>> {
    if O::REPLY != Some(m.header.message_type) {
        return Err(Error::Decode(DecodeError::new(
            DecodeErrorKind::UnexpectedMessageType {
                message_type: m.header.message_type,
            },
            0,
        )));
    }
    Ok(O::Reply::decode_at(m.payload, NLMSG_HDRLEN)?)
}

#[cfg(test)]
mod tests;
