//! Generic netlink messages: the genl header on top of netlink-packet-core's
//! `nlmsghdr`, a zero-copy builder and views, `NLMSG_ERROR`/extended-ACK
//! parsing. A typed message as netlink-packet-core's `NetlinkMessage`
//! carries it is in [`crate::packet_core`].
//!
//! ```text
//!  nlmsghdr (16)            genlmsghdr (4)              attributes
//!  len | type=family id |   cmd | version | reserved=0  TLV TLV ...
//!  flags | seq | portid
//! ```

use netlink_packet_core::{NetlinkHeader, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN};

use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::extack::{ErrorView, ExtAck};
use crate::nlmsg;
use crate::wire::{nla_align, AttrWriter};

pub(crate) use crate::nlmsg::read_header;
pub use crate::nlmsg::{
    GENL_HDRLEN, NLMSG_HDRLEN, NLMSG_MIN_TYPE, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_APPEND,
    NLM_F_CAPPED, NLM_F_CREATE, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_EXCL, NLM_F_MULTI,
    NLM_F_REPLACE, NLM_F_REQUEST,
};

/// The generic netlink header (`struct genlmsghdr`); its reserved field is
/// always written as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GenlHeader {
    /// The command.
    pub cmd: u8,
    /// The family version.
    pub version: u8,
}

impl GenlHeader {
    /// Parses the 4-byte header at the start of `payload`.
    #[inline]
    pub fn parse(payload: &[u8]) -> Result<Self, DecodeError> {
        if payload.len() < GENL_HDRLEN {
            return Err(DecodeError::new(
                DecodeErrorKind::TruncatedMessage {
                    needed: GENL_HDRLEN,
                    available: payload.len(),
                },
                0,
            ));
        }
        Ok(GenlHeader {
            cmd: payload[0],
            version: payload[1],
        })
    }

    /// The header's 4 wire bytes.
    #[inline]
    pub fn to_bytes(self) -> [u8; GENL_HDRLEN] {
        [self.cmd, self.version, 0, 0]
    }
}

/// Writes a complete generic netlink request into `buf` (cleared first):
/// `nlmsghdr`, `genlmsghdr`, then `payload`'s attributes.
#[inline]
pub fn build_message<P: Encode + ?Sized>(
    buf: &mut Vec<u8>,
    family_id: u16,
    flags: u16,
    seq: u32,
    genl: GenlHeader,
    payload: &P,
) -> Result<(), EncodeError> {
    buf.clear();
    append_message(buf, headers(family_id, flags, seq, genl), payload)
}

/// A request's `nlmsghdr` (its length 0, patched once the attributes are
/// written; port 0: the kernel) and `genlmsghdr`, as one copy writes them.
#[inline]
pub(crate) fn headers(
    family_id: u16,
    flags: u16,
    seq: u32,
    genl: GenlHeader,
) -> [u8; NLMSG_HDRLEN + GENL_HDRLEN] {
    let mut head = [0u8; NLMSG_HDRLEN + GENL_HDRLEN];
    nlmsg::set_type(&mut head, family_id);
    nlmsg::set_flags(&mut head, flags);
    nlmsg::set_seq(&mut head, seq);
    head[NLMSG_HDRLEN..].copy_from_slice(&genl.to_bytes());
    head
}

/// Writes a message of `head` ([`headers`]) and `payload`'s attributes
/// after the messages already in `buf` (several messages in one datagram);
/// on error `buf` is left as it was.
#[inline]
pub(crate) fn append_message<P: Encode + ?Sized>(
    buf: &mut Vec<u8>,
    head: [u8; NLMSG_HDRLEN + GENL_HDRLEN],
    payload: &P,
) -> Result<(), EncodeError> {
    let start = nla_align(buf.len());
    buf.resize(start, 0);
    buf.extend_from_slice(&head);
    let written = payload.encode(&mut AttrWriter::new(buf));
    let len = buf.len() - start;
    match (written, u32::try_from(len)) {
        (Ok(()), Ok(l)) => {
            buf[start..start + 4].copy_from_slice(&l.to_ne_bytes());
            Ok(())
        }
        (Err(e), _) => {
            buf.truncate(start);
            Err(e)
        }
        (_, Err(_)) => {
            buf.truncate(start);
            Err(EncodeError::new(EncodeErrorKind::MessageTooLong { len }))
        }
    }
}

/// One netlink message inside a received datagram, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct NlMessage<'a> {
    /// The netlink header.
    pub header: NetlinkHeader,
    /// Everything after the netlink header, up to `nlmsg_len`.
    pub payload: &'a [u8],
}

/// Iterates the netlink messages packed in one datagram.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Messages<'a> {
    /// Iterates the messages in `datagram`.
    #[inline]
    pub fn new(datagram: &'a [u8]) -> Self {
        Messages {
            buf: datagram,
            pos: 0,
            failed: false,
        }
    }

    /// Iterates the messages of `datagram` from byte `pos` on (the start of
    /// one), with positions and error offsets still counted from the
    /// datagram's start.
    #[inline]
    pub fn at(datagram: &'a [u8], pos: usize) -> Self {
        Messages {
            buf: datagram,
            pos,
            failed: false,
        }
    }

    /// Where the next message starts in the datagram (its length once every
    /// message was read).
    #[inline]
    pub fn position(&self) -> usize {
        self.pos.min(self.buf.len())
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<NlMessage<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.pos..)?;
        if rest.is_empty() || self.failed {
            return None;
        }
        let fail = |kind| Some(Err(DecodeError::new(kind, self.pos)));
        if rest.len() < NLMSG_HDRLEN {
            self.failed = true;
            return fail(DecodeErrorKind::TruncatedMessage {
                needed: NLMSG_HDRLEN,
                available: rest.len(),
            });
        }
        let header = read_header(rest);
        let len = header.length;
        if (len as usize) < NLMSG_HDRLEN || len as usize > rest.len() {
            self.failed = true;
            return fail(DecodeErrorKind::BadMessageLength {
                nlmsg_len: len,
                remaining: rest.len(),
            });
        }
        let payload = &rest[NLMSG_HDRLEN..len as usize];
        self.pos += nla_align(len as usize).min(rest.len());
        Some(Ok(NlMessage { header, payload }))
    }
}

/// A received generic netlink message, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy)]
pub struct GenlView<'a> {
    /// The netlink header.
    pub header: NetlinkHeader,
    /// The generic netlink header.
    pub genl: GenlHeader,
    /// The attributes after the genl header.
    pub attrs: &'a [u8],
}

impl<'a> GenlView<'a> {
    /// Views `msg` as a generic netlink message.
    #[inline]
    pub fn parse(msg: &NlMessage<'a>) -> Result<Self, DecodeError> {
        let genl = GenlHeader::parse(msg.payload)?;
        Ok(GenlView {
            header: msg.header,
            genl,
            attrs: &msg.payload[GENL_HDRLEN..],
        })
    }

    /// Views `bytes`, one whole message held in memory (`nlmsghdr`,
    /// `genlmsghdr`, attributes; e.g. captured), as a generic netlink
    /// message. Bytes after `nlmsg_len` (padding, or a next message) are
    /// not part of it.
    #[inline]
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        match GenlView::at_start(bytes) {
            Some(view) => Ok(view),
            None => Self::from_bytes_other(bytes),
        }
    }

    /// The whole generic netlink message at the start of `bytes`, both
    /// headers read and checked at once: `None` unless `bytes` holds them
    /// and `nlmsg_len` covers them without passing its end. (The message
    /// iterator and [`GenlView::parse`] accept exactly these, in two steps.)
    #[inline(always)]
    pub(crate) fn at_start(bytes: &'a [u8]) -> Option<Self> {
        let head = bytes.first_chunk::<{ NLMSG_HDRLEN + GENL_HDRLEN }>()?;
        let header = read_header(head);
        let len = header.length as usize;
        if !(NLMSG_HDRLEN + GENL_HDRLEN..=bytes.len()).contains(&len) {
            return None;
        }
        Some(GenlView {
            header,
            genl: GenlHeader {
                cmd: head[NLMSG_HDRLEN],
                version: head[NLMSG_HDRLEN + 1],
            },
            attrs: &bytes[NLMSG_HDRLEN + GENL_HDRLEN..len],
        })
    }

    /// [`from_bytes`](Self::from_bytes) for what is not a whole message with
    /// both headers: the error, as the message iterator gives it.
    #[cold]
    #[inline(never)]
    fn from_bytes_other(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        match Messages::new(bytes).next() {
            Some(m) => GenlView::parse(&m?),
            None => Err(DecodeError::new(
                DecodeErrorKind::TruncatedMessage {
                    needed: NLMSG_HDRLEN,
                    available: 0,
                },
                0,
            )),
        }
    }

    /// Decodes the attributes as `T`, borrowing from the receive buffer.
    /// Error offsets count from the start of the attributes.
    #[inline]
    pub fn decode<T: Decode<'a>>(&self) -> Result<T, DecodeError> {
        T::decode(self.attrs)
    }

    /// If this message is notification `C` (its command number), the
    /// notification decoded as `C` declares it; `None` for other commands.
    ///
    /// ```no_run
    /// # use genl_core::{controller::ctrl_cmd, Subscription};
    /// let mut sub = Subscription::new("nlctrl", "notify")?;
    /// let ev = sub.next_event()?;
    /// if let Some(fam) = ev.event(ctrl_cmd::NewFamily) {
    ///     println!("new family {}", fam?.family_name);
    /// }
    /// # Ok::<(), genl_core::Error>(())
    /// ```
    pub fn event<C: crate::command::Notification>(
        &self,
        cmd: C,
    ) -> Option<Result<C::Event<'a>, DecodeError>> {
        let _ = cmd;
        (self.genl.cmd == C::ID).then(|| C::Event::decode(self.attrs))
    }
}

/// Decodes one whole generic netlink message held in memory in one call:
/// its headers, and its attributes as `T` (error offsets count from the
/// message's start).
///
/// ```
/// # use genl_core::{AttrSet, message::{build_message, decode_message, GenlHeader}};
/// #[derive(Debug, PartialEq, AttrSet)]
/// struct Ping { #[nla(id = 1)] n: u32 }
/// let mut bytes = Vec::new();
/// build_message(&mut bytes, 0x20, 0, 7, GenlHeader { cmd: 1, version: 1 }, &Ping { n: 5 })?;
/// let (view, ping) = decode_message::<Ping>(&bytes)?;
/// assert_eq!((view.genl.cmd, view.header.sequence_number, ping), (1, 7, Ping { n: 5 }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_message<'a, T: Decode<'a>>(
    bytes: &'a [u8],
) -> Result<(GenlView<'a>, T), DecodeError> {
    let view = GenlView::from_bytes(bytes)?;
    let attrs = T::decode_at(view.attrs, NLMSG_HDRLEN + GENL_HDRLEN)?;
    Ok((view, attrs))
}

/// What one received netlink message is, parsed once.
#[derive(Debug, Clone)]
pub enum Received<'a> {
    /// A message of the family (or any non-control type).
    Genl(GenlView<'a>),
    /// `NLMSG_ERROR`: an ACK (code 0) or an error.
    Error {
        /// The `NLMSG_ERROR` message's own header.
        header: NetlinkHeader,
        /// Its payload: the code, the echoed request header, extended ACK.
        error: ErrorView<'a>,
    },
    /// `NLMSG_DONE`: the end of a dump, with its status code (0 or -errno).
    Done {
        /// The netlink header.
        header: NetlinkHeader,
        /// The status code.
        code: i32,
        /// Extended-ACK attributes of the done message.
        ext_ack: ExtAck<'a>,
    },
    /// `NLMSG_NOOP` or `NLMSG_OVERRUN`: nothing to deliver.
    Noop(NetlinkHeader),
}

impl<'a> Received<'a> {
    /// Classifies one raw message.
    pub fn parse(msg: &NlMessage<'a>) -> Result<Self, DecodeError> {
        let h = msg.header;
        Ok(match h.message_type {
            NLMSG_ERROR => Received::Error {
                header: h,
                error: ErrorView::parse(h.flags, msg.payload)?,
            },
            NLMSG_DONE => {
                let p = msg.payload;
                let code = p
                    .get(..4)
                    .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(0);
                let ext_ack = if h.flags & NLM_F_ACK_TLVS != 0 && p.len() > 4 {
                    ExtAck::decode_at(&p[4..], NLMSG_HDRLEN + 4)?
                } else {
                    ExtAck::default()
                };
                Received::Done {
                    header: h,
                    code,
                    ext_ack,
                }
            }
            NLMSG_NOOP | NLMSG_OVERRUN => Received::Noop(h),
            _ => Received::Genl(GenlView::parse(msg)?),
        })
    }

    /// The netlink header of this message (for an `NLMSG_ERROR`, its own
    /// header, not the echoed request's: that is [`ErrorView::request`]).
    pub fn header(&self) -> &NetlinkHeader {
        match self {
            Received::Genl(g) => &g.header,
            Received::Error { header, .. }
            | Received::Done { header, .. }
            | Received::Noop(header) => header,
        }
    }
}

/// Attributes already encoded, owned (the payload type for the
/// netlink-packet-core serialization path, whose `serialize` cannot fail).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttrBuf(pub Vec<u8>);

impl Encode for AttrBuf {
    /// Copies the bytes verbatim, padded to the 4-byte alignment.
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), EncodeError> {
        w.put_raw(&self.0);
        Ok(())
    }
}

impl<'a> Decode<'a> for AttrBuf {
    fn decode_at(buf: &'a [u8], _base: usize) -> Result<Self, DecodeError> {
        Ok(AttrBuf(buf.to_vec()))
    }
}
