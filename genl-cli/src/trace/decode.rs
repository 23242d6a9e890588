//! Decoding a capture: each netlink message named from the specs and
//! the families the controller announced.

use super::*;

/// One decoded netlink message of a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceMessage {
    /// The pcap record it is in, from 1 (as tshark counts).
    pub frame: usize,
    /// Its timestamp: seconds and microseconds (or nanoseconds).
    pub time: (u32, u32),
    /// Which way it went: the capture's packet type when it says
    /// (`PACKET_KERNEL`, `PACKET_USER`: genl's recorder), else from
    /// `NLM_F_REQUEST` (a live nlmon capture gives `PACKET_OUTGOING`).
    pub dir: PacketType,
    /// The packet type as captured.
    pub pkttype: u16,
    /// The netlink protocol (16: generic netlink).
    pub protocol: u16,
    /// `nlmsg_pid`.
    pub port: u32,
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// The generic netlink family's id: the message type, or for an error,
    /// ACK or done the type of the request it answers.
    pub family_id: Option<u16>,
    /// The family's name, when known.
    pub family: Option<String>,
    /// The genl command (for error, ACK, done: the request's).
    pub cmd_id: Option<u8>,
    /// The command's name, from a spec.
    pub cmd: Option<String>,
    /// The genl header's version.
    pub version: Option<u8>,
    /// The attributes as JSON (`genl ynl`'s shapes).
    pub attrs: Option<String>,
    /// The payload in hex when it was not decoded.
    pub raw: Option<String>,
    /// Why the attributes did not decode.
    pub decode_error: Option<String>,
    /// For `NLMSG_ERROR` and `NLMSG_DONE`: the outcome.
    pub error: Option<ErrorInfo>,
}

/// The outcome an `NLMSG_ERROR` (ACK when `errno` is 0) or `NLMSG_DONE`
/// reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The error number (positive; 0: success).
    pub errno: i32,
    /// The extended ACK's message.
    pub msg: Option<String>,
    /// The extended ACK's offset of the bad attribute in the request.
    pub offset: Option<u32>,
    /// The type of a missing attribute.
    pub miss_type: Option<u32>,
    /// The offset of the nest missing it.
    pub miss_nest: Option<u32>,
}

/// What is known of the families in a capture: the specs, and ids learned.
pub(super) struct Names {
    pub(super) specs: Vec<SpecFamily>,
    pub(super) ids: HashMap<u16, String>,
    /// Requests by sequence number: family id and command, for their
    /// answers.
    pub(super) requests: HashMap<u32, (u16, u8)>,
}

impl Names {
    pub(super) fn spec(&self, id: u16) -> Option<&SpecFamily> {
        let name = self.ids.get(&id)?;
        self.specs.iter().find(|f| &f.name == name)
    }
}

/// A decoder fed one captured datagram at a time (a file's records, or a
/// live capture), keeping what it learns (family ids, requests).
pub struct Decoder {
    pub(super) names: Names,
}

impl Decoder {
    /// A decoder with `specs` (nlctrl's is added).
    pub fn new(mut specs: Vec<SpecFamily>) -> Result<Decoder, TraceDecodeError> {
        if !specs.iter().any(|f| f.name == "nlctrl") {
            specs.push(SpecFamily::parse(NLCTRL_SPEC).map_err(TraceDecodeError::NlctrlSpec)?);
        }
        Ok(Decoder {
            names: Names {
                specs,
                ids: HashMap::from([(GENL_ID_CTRL, "nlctrl".to_owned())]),
                requests: HashMap::new(),
            },
        })
    }

    /// The messages of one datagram, `frame` its number (from 1).
    pub fn packet(&mut self, frame: usize, p: &pcap::Packet<'_>) -> Vec<TraceMessage> {
        let mut out = Vec::new();
        for m in Messages::new(p.data) {
            let Ok(m) = m else {
                // The rest of the datagram is not whole messages.
                break;
            };
            out.push(one(&mut self.names, frame, p, m));
        }
        out
    }
}

/// Decodes a capture held in memory with `specs` (nlctrl's is added).
/// Errors are the file's (not pcap, truncated record), never a message's:
/// a message that does not parse is shown with its raw bytes.
pub fn decode(file: &[u8], specs: Vec<SpecFamily>) -> Result<Vec<TraceMessage>, TraceDecodeError> {
    let packets = pcap::read(file).map_err(TraceDecodeError::Pcap)?;
    let mut dec = Decoder::new(specs)?;
    let mut out = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        out.extend(dec.packet(i + 1, p));
    }
    Ok(out)
}

pub(super) fn one(
    names: &mut Names,
    frame: usize,
    p: &pcap::Packet<'_>,
    m: genl_core::message::NlMessage<'_>,
) -> TraceMessage {
    let h = m.header;
    let mut t = TraceMessage {
        frame,
        time: (p.ts_sec, p.ts_frac),
        dir: match p.pkttype {
            // Live nlmon capture (PACKET_OUTGOING) or another tool's: the
            // direction from NLM_F_REQUEST, as Wireshark's dissectors take it.
            PacketType::Other(_) if h.flags & 1 != 0 => PacketType::ToKernel,
            PacketType::Other(_) => PacketType::ToUser,
            d => d,
        },
        pkttype: p.pkttype.to_raw(),
        protocol: p.protocol,
        port: h.port_number,
        ty: h.message_type,
        flags: h.flags,
        seq: h.sequence_number,
        family_id: None,
        family: None,
        cmd_id: None,
        cmd: None,
        version: None,
        attrs: None,
        raw: None,
        decode_error: None,
        error: None,
    };
    let answered = |names: &Names, t: &mut TraceMessage| {
        if let Some(&(fid, cmd)) = names.requests.get(&t.seq) {
            t.family_id = Some(fid);
            t.cmd_id = Some(cmd);
        }
    };
    match h.message_type {
        2 => {
            // NLMSG_ERROR: the echoed request says which family it was for.
            match ErrorView::parse(h.flags, m.payload) {
                Ok(e) => {
                    t.error = Some(info(-e.code, &e.ext_ack));
                    if p.protocol == NETLINK_GENERIC {
                        answered(names, &mut t);
                        t.family_id = Some(e.request.message_type);
                    }
                }
                Err(e) => {
                    t.decode_error = Some(e.to_string());
                    t.raw = Some(hex(m.payload));
                }
            }
        }
        3 => {
            // NLMSG_DONE: the dump's status, maybe an extended ACK.
            let code = m
                .payload
                .get(..4)
                .map_or(0, |b| i32::from_ne_bytes(b.try_into().unwrap_or_default()));
            let ack = if h.flags & NLM_F_ACK_TLVS != 0 && m.payload.len() > 4 {
                ExtAck::decode(&m.payload[4..]).unwrap_or_default()
            } else {
                ExtAck::default()
            };
            t.error = Some(info(-code, &ack));
            if p.protocol == NETLINK_GENERIC {
                answered(names, &mut t);
            }
        }
        ty if ty >= 0x10 && p.protocol == NETLINK_GENERIC => genl(names, &mut t, m.payload),
        _ => {
            if !m.payload.is_empty() {
                t.raw = Some(hex(m.payload));
            }
        }
    }
    if let Some(id) = t.family_id {
        t.family = names.ids.get(&id).cloned();
        if let (Some(fam), Some(cmd)) = (names.spec(id), t.cmd_id) {
            let to_kernel = t.dir == PacketType::ToKernel && h.message_type >= 0x10;
            let op = if to_kernel || t.error.is_some() {
                fam.op_by_req(cmd.into())
            } else {
                fam.op_by_rsp(cmd.into())
                    .or_else(|| fam.op_by_req(cmd.into()))
            };
            t.cmd = op.map(|o| o.name.clone());
        }
    }
    t
}

pub(super) fn info(errno: i32, ack: &ExtAck<'_>) -> ErrorInfo {
    ErrorInfo {
        errno,
        msg: ack.msg.map(str::to_owned),
        offset: ack.offs,
        miss_type: ack.miss_type,
        miss_nest: ack.miss_nest,
    }
}

/// A generic netlink message: the genl header, the attributes by the spec,
/// and what nlctrl replies teach about family ids.
pub(super) fn genl(names: &mut Names, t: &mut TraceMessage, payload: &[u8]) {
    let id = t.ty;
    t.family_id = Some(id);
    let Ok(g) = GenlHeader::parse(payload) else {
        t.decode_error = Some("shorter than the genl header".into());
        t.raw = Some(hex(payload));
        return;
    };
    t.cmd_id = Some(g.cmd);
    t.version = Some(g.version);
    let body = &payload[4..];
    if t.dir == PacketType::ToKernel && t.flags & 1 != 0 {
        names.requests.insert(t.seq, (id, g.cmd));
    }
    if id == GENL_ID_CTRL {
        learn(names, g.cmd, body);
    }
    let Some(fam) = names.spec(id) else {
        t.raw = Some(hex(body));
        return;
    };
    let request = t.dir == PacketType::ToKernel;
    let op = if request {
        fam.op_by_req(g.cmd.into())
    } else {
        fam.op_by_rsp(g.cmd.into())
    };
    let Some(op) = op else {
        t.decode_error = Some(format!(
            "{} has no operation with {} id {}",
            fam.name,
            if request { "request" } else { "reply" },
            g.cmd
        ));
        t.raw = Some(hex(body));
        return;
    };
    match fam.decode_message(op, body, DecodeOptions::default()) {
        Ok(v) => t.attrs = Some(v.to_python_json()),
        Err(e) => {
            t.decode_error = Some(e.to_string());
            t.raw = Some(hex(body));
        }
    }
}

/// Learns a family's id and name from an nlctrl `NEWFAMILY` (1: a
/// `GETFAMILY` reply or a notification); a `DELFAMILY` (2) forgets it.
pub(super) fn learn(names: &mut Names, cmd: u8, body: &[u8]) {
    if cmd != 1 && cmd != 2 {
        return;
    }
    // genl-core's own controller declaration reads the reply.
    let Ok(attrs) = <genl_core::controller::CtrlAttrs<'_> as genl_core::Decode>::decode(body)
    else {
        return;
    };
    let (id, name) = (attrs.family_id, attrs.family_name.map(str::to_owned));
    if let (Some(id), Some(name)) = (id, name) {
        if cmd == 1 {
            names.ids.insert(id, name);
        } else if names.ids.get(&id) == Some(&name) && id != GENL_ID_CTRL {
            names.ids.remove(&id);
        }
    }
}

/// Names of the common error numbers (asm-generic/errno*.h).
pub(super) fn errno_name(e: i32) -> Option<&'static str> {
    Some(match e {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        7 => "E2BIG",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        28 => "ENOSPC",
        34 => "ERANGE",
        61 => "ENODATA",
        71 => "EPROTO",
        75 => "EOVERFLOW",
        90 => "EMSGSIZE",
        93 => "EPROTONOSUPPORT",
        95 => "EOPNOTSUPP",
        105 => "ENOBUFS",
        110 => "ETIMEDOUT",
        114 => "EALREADY",
        115 => "EINPROGRESS",
        _ => return None,
    })
}
