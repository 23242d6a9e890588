//! `genl trace`: watches netlink traffic live through an nlmon device
//! ([`crate::nlmon`]; `--netns`, `--write`, `--count`, `--duration`, stopped
//! by SIGINT/SIGTERM, the device removed on the way out), or decodes a
//! capture (`--read FILE.pcap`, pcap or pcapng); one line per netlink
//! message, the same decoder ([`Decoder`]) for both.
//!
//! The capture is what [`genl_core::pcap`] records (`GENL_PCAP=FILE` or
//! `Socket::record`) or what `tcpdump -i nlmon0 -w FILE` writes: link type
//! `LINKTYPE_NETLINK` (253) with the cooked header, or `LINUX_SLL`/
//! `LINUX_SLL2` with the netlink protocol in it. For each message: the
//! direction (nlmon's packet type: to the kernel or to a user socket), the
//! netlink port (`nlmsg_pid`), type, flags and sequence number; for
//! generic netlink the family and command, named from the nlctrl
//! `GETFAMILY` replies in the capture (id → name) and from the YNL specs
//! given with `--spec`, which also decode the attributes as `genl ynl`
//! prints them. nlctrl is always decoded (its spec is built in).
//! `NLMSG_ERROR` shows the errno and the extended ACK (message, offset,
//! missing attribute); an ACK and `NLMSG_DONE` are named as such, and take
//! the family and command of the request with their sequence number.
//!
//! Text output is one line per message; `--json` prints one JSON object
//! per line with the keys `frame`, `time`, `dir`, `pkttype` (as captured;
//! `dir` is taken from `NLM_F_REQUEST` when it is neither 6 nor 7, as in a
//! live nlmon capture), `protocol`, `port`,
//! `type` (`nlmsg_type`), `kind` (`message`, `error`, `ack`, `done`, …), `flags`, `seq`, then for generic netlink `family`, `family_id`,
//! `cmd`, `cmd_id`, `version`, `attrs` (or `raw`, hex, when there is no
//! spec or it does not decode, with `decode_error` then), and for errors
//! and ACKs `error` (`{"errno", "name", "msg", "offset", "miss_type",
//! "miss_nest"}`; `errno` 0 for an ACK).

use crate::fuzz::program::hex;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use genl_core::codec::Decode as _;
use genl_core::extack::{ErrorView, ExtAck};
use genl_core::message::{GenlHeader, Messages, NLM_F_ACK_TLVS, NLM_F_DUMP};
use genl_core::pcap::{self, PacketType};
use genl_ynl::codec::DecodeOptions;
use genl_ynl::family::Family;

/// The nlctrl YNL spec (the kernel's, BSD-3-Clause), always loaded.
const NLCTRL_SPEC: &str = include_str!("../specs/nlctrl.yaml");
/// nlctrl's fixed family id (`GENL_ID_CTRL`).
const GENL_ID_CTRL: u16 = 0x10;
/// `NETLINK_GENERIC`.
const NETLINK_GENERIC: u16 = 16;

/// `genl trace`'s arguments.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Live capture (no --read) creates an nlmon device (genlmon<pid>) in the network namespace (--netns), captures on it until Ctrl-C, SIGTERM, --count or --duration, and removes it. It needs CAP_NET_ADMIN and CAP_NET_RAW and a kernel with nlmon (CONFIG_NETLINK_MON, module nlmon). Without them, record a program's own traffic with GENL_PCAP=FILE.pcap and read it with --read.\n\nExamples:\n  genl trace --spec genl_demo.yaml --family genl_demo\n  genl trace --netns test1 --write s.pcap --count 20\n  GENL_PCAP=s.pcap ./my-client && genl trace --read s.pcap --json"
)]
pub struct TraceArgs {
    /// Decode this capture instead of capturing live: a pcap or pcapng
    /// file from `GENL_PCAP=FILE` (or `Socket::record`), `genl trace
    /// --write`, `tcpdump -i nlmon0 -w`, dumpcap or tshark.
    #[arg(long, value_name = "FILE.pcap", conflicts_with_all = ["write", "netns", "device"])]
    pub read: Option<PathBuf>,
    /// Live capture: also write what is captured (every protocol, before
    /// the filters) to this pcap file, readable by tcpdump, Wireshark and
    /// `genl trace --read`.
    #[arg(long, value_name = "FILE.pcap")]
    pub write: Option<PathBuf>,
    /// Live capture: in this network namespace (`/run/netns/NAME`, as `ip
    /// netns` names them, or a path such as /proc/PID/ns/net) instead of
    /// the current one.
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
    /// Live capture: the name of the nlmon device to create (default
    /// `genlmon<pid>`).
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Stop after this many messages printed (after the filters).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Live capture: stop after this many seconds.
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// A YNL spec to name the commands of and decode the attributes with
    /// (repeatable); its family is recognized by name once the capture has
    /// the nlctrl reply that gives its id (live, also by asking nlctrl at
    /// the start). nlctrl's is built in; without any, the spec of the genl
    /// project around the current directory (genl.toml), if there is one.
    #[arg(long = "spec", value_name = "FILE.yaml")]
    pub specs: Vec<PathBuf>,
    /// Print one JSON object per message instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only messages of this generic netlink family (name, or id as
    /// learned from the capture).
    #[arg(long, value_name = "NAME")]
    pub family: Option<String>,
    /// Only messages of this command (its spec name, e.g. getfamily, or its
    /// number).
    #[arg(long, value_name = "NAME")]
    pub cmd: Option<String>,
    /// Take the spec's numbers as they are, without checking them against
    /// the uapi headers (as `genl ynl --no-uapi`).
    #[arg(long)]
    pub no_uapi: bool,
}

/// The specs of `--spec`, else the project's family spec (if any).
fn load_specs(args: &TraceArgs) -> Result<Vec<Family>, String> {
    let mut specs = Vec::new();
    for p in &args.specs {
        let (text, _) = genl_ynl::uapi::read_corrected(p, None, !args.no_uapi)?;
        let fam = Family::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        specs.push(fam);
    }
    if args.specs.is_empty() {
        let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
        if let Some(p) = crate::project::Project::find(&cwd)
            .ok()
            .and_then(|pr| pr.family_spec().ok())
        {
            // The project's spec is generated with its uapi numbers.
            match std::fs::read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|t| Family::parse(&t).map_err(|e| e.to_string()))
            {
                Ok(f) => specs.push(f),
                Err(e) => eprintln!("genl trace: the project's spec {}: {e}", p.display()),
            }
        }
    }
    Ok(specs)
}

/// Runs `genl trace`.
pub fn run(args: TraceArgs) -> Result<(), String> {
    let specs = load_specs(&args)?;
    let Some(read) = &args.read else {
        return live(&args, specs);
    };
    let bytes = std::fs::read(read).map_err(|e| format!("{}: {e}", read.display()))?;
    let lines = decode(&bytes, specs).map_err(|e| format!("{}: {e}", read.display()))?;
    let mut out = std::io::stdout().lock();
    let limit = args
        .count
        .map_or(usize::MAX, |c| c.try_into().unwrap_or(usize::MAX));
    for m in lines.iter().filter(|m| m.matches(&args)).take(limit) {
        let s = if args.json { m.to_json() } else { m.to_text() };
        writeln!(out, "{s}").map_err(|e| format!("stdout: {e}"))?;
    }
    Ok(())
}

/// Set by SIGINT, SIGTERM and SIGHUP during a live capture.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Catches SIGINT, SIGTERM and SIGHUP (without `SA_RESTART`, so a wait
/// returns), so that the capture ends through its guard.
fn catch_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a handler that only stores to an atomic.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Live capture through an nlmon device (see [`crate::nlmon`]).
fn live(args: &TraceArgs, specs: Vec<Family>) -> Result<(), String> {
    use crate::nlmon::{enter_netns, Nlmon, PacketSocket};
    catch_signals();
    if let Some(ns) = &args.netns {
        enter_netns(ns).map_err(|e| e.to_string())?;
    }
    let mut dec = Decoder::new(specs)?;
    // Ids of the specs' families, from nlctrl now (the capture may begin
    // after the programs resolved them); genl family ids are global.
    let wanted: Vec<String> = dec.names.specs.iter().map(|f| f.name.clone()).collect();
    if let Ok(mut conn) = genl_core::Connection::new() {
        for name in wanted {
            if let Ok(f) = conn.resolve(&name) {
                dec.names.ids.insert(f.id, name);
            }
        }
    }
    let name = args
        .device
        .clone()
        .unwrap_or_else(|| format!("genlmon{}", std::process::id()));
    let dev = Nlmon::create(&name).map_err(|e| e.to_string())?;
    let sock = PacketSocket::bind(dev.ifindex()).map_err(|e| e.to_string())?;
    let rec = match &args.write {
        Some(p) => Some(
            genl_core::pcap::Recorder::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        None => None,
    };
    eprintln!(
        "genl trace: capturing on {}{} (Ctrl-C to stop)",
        dev.name(),
        args.netns
            .as_deref()
            .map(|n| format!(" in netns {n}"))
            .unwrap_or_default()
    );
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut buf = vec![0u8; pcap::SNAPLEN as usize];
    let mut out = std::io::stdout().lock();
    let (mut frames, mut printed) = (0usize, 0u64);
    let mut cut = 0usize;
    let result = loop {
        let stopping = STOP.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d);
        // Once stopping, what is queued is still read (without waiting):
        // every message sent before the signal is in the socket already.
        let wait = if stopping {
            None
        } else {
            Some(
                deadline
                    .map_or(Duration::from_millis(200), |d| {
                        d.saturating_duration_since(Instant::now())
                    })
                    .min(Duration::from_millis(200)),
            )
        };
        let got = match sock.recv(&mut buf, wait) {
            Ok(g) => g,
            Err(e) => break Err(format!("reading the packet socket: {e}")),
        };
        let Some(c) = got else {
            if stopping {
                break Ok(());
            }
            continue;
        };
        frames += 1;
        if c.orig_len > c.len {
            cut += 1;
        }
        let data = &buf[..c.len];
        let pkttype = PacketType::from_raw(c.pkttype.into());
        // One timestamp for the line printed and the record written, so
        // that `--read` of the file prints the same lines.
        let ts = std::time::SystemTime::now();
        if let Some(r) = &rec {
            r.record_at(ts, pkttype, c.protocol, data);
        }
        let since = ts.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let p = pcap::Packet {
            ts_sec: since.as_secs() as u32,
            ts_frac: since.subsec_micros(),
            pkttype,
            protocol: c.protocol,
            data,
            orig_len: c.orig_len,
        };
        let mut done = false;
        for m in dec.packet(frames, &p) {
            if !m.matches(args) {
                continue;
            }
            let s = if args.json { m.to_json() } else { m.to_text() };
            if let Err(e) = writeln!(out, "{s}").and_then(|()| out.flush()) {
                return Err(format!("stdout: {e}"));
            }
            printed += 1;
            if args.count.is_some_and(|n| printed >= n) {
                done = true;
                break;
            }
        }
        if done {
            break Ok(());
        }
    };
    let drops = sock.drops();
    drop(sock);
    let removed = dev.remove();
    if let Some(e) = rec.as_ref().and_then(|r| r.error()) {
        return Err(format!("writing the capture: {e}"));
    }
    if drops > 0 {
        eprintln!("genl trace: the kernel dropped {drops} datagram(s): the reader fell behind");
    }
    if cut > 0 {
        eprintln!(
            "genl trace: {cut} datagram(s) longer than {} bytes were cut",
            pcap::SNAPLEN
        );
    }
    eprintln!("genl trace: {frames} datagram(s) captured, {printed} message(s) shown");
    result.and(removed)
}

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
struct Names {
    specs: Vec<Family>,
    ids: HashMap<u16, String>,
    /// Requests by sequence number: family id and command, for their
    /// answers.
    requests: HashMap<u32, (u16, u8)>,
}

impl Names {
    fn spec(&self, id: u16) -> Option<&Family> {
        let name = self.ids.get(&id)?;
        self.specs.iter().find(|f| &f.name == name)
    }
}

/// A decoder fed one captured datagram at a time (a file's records, or a
/// live capture), keeping what it learns (family ids, requests).
pub struct Decoder {
    names: Names,
}

impl Decoder {
    /// A decoder with `specs` (nlctrl's is added).
    pub fn new(mut specs: Vec<Family>) -> Result<Decoder, String> {
        if !specs.iter().any(|f| f.name == "nlctrl") {
            specs.push(
                Family::parse(NLCTRL_SPEC).map_err(|e| format!("built-in nlctrl spec: {e}"))?,
            );
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
pub fn decode(file: &[u8], specs: Vec<Family>) -> Result<Vec<TraceMessage>, String> {
    let packets = pcap::read(file).map_err(|e| e.to_string())?;
    let mut dec = Decoder::new(specs)?;
    let mut out = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        out.extend(dec.packet(i + 1, p));
    }
    Ok(out)
}

fn one(
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

fn info(errno: i32, ack: &ExtAck<'_>) -> ErrorInfo {
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
fn genl(names: &mut Names, t: &mut TraceMessage, payload: &[u8]) {
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
fn learn(names: &mut Names, cmd: u8, body: &[u8]) {
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
fn errno_name(e: i32) -> Option<&'static str> {
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

impl TraceMessage {
    /// Whether it passes `--family` and `--cmd`.
    fn matches(&self, args: &TraceArgs) -> bool {
        let is = |want: &str, name: &Option<String>, id: Option<u32>| {
            name.as_deref() == Some(want) || id.is_some_and(|id| parse_num(want) == Some(id))
        };
        args.family
            .as_deref()
            .is_none_or(|f| is(f, &self.family, self.family_id.map(u32::from)))
            && args
                .cmd
                .as_deref()
                .is_none_or(|c| is(c, &self.cmd, self.cmd_id.map(u32::from)))
    }

    /// The direction's name: `to-kernel`, `to-user`, else `pkttype-N`.
    pub fn dir_name(&self) -> String {
        match self.dir {
            PacketType::ToKernel => "to-kernel".into(),
            PacketType::ToUser => "to-user".into(),
            PacketType::Other(n) => format!("pkttype-{n}"),
        }
    }

    /// What kind of message: `error`, `ack`, `done`, `noop`, `overrun`,
    /// else `message`.
    pub fn kind(&self) -> &'static str {
        match self.ty {
            1 => "noop",
            2 if self.error.as_ref().is_some_and(|e| e.errno == 0) => "ack",
            2 => "error",
            3 => "done",
            4 => "overrun",
            _ => "message",
        }
    }

    /// The flags' names (`request`, `multi`, `ack`, `echo`, `dump-intr`,
    /// `dump-filtered`, `dump` for a request's root|match, `capped` and
    /// `ack-tlvs` on errors and done); other bits in hex.
    pub fn flag_names(&self) -> Vec<String> {
        let mut f = self.flags;
        let mut out = Vec::new();
        let mut take = |bits: u16, name: &str, out: &mut Vec<String>| {
            if f & bits == bits {
                out.push(name.to_owned());
                f &= !bits;
            }
        };
        for (bits, name) in [
            (0x1, "request"),
            (0x2, "multi"),
            (0x4, "ack"),
            (0x8, "echo"),
            (0x10, "dump-intr"),
            (0x20, "dump-filtered"),
        ] {
            take(bits, name, &mut out);
        }
        if self.ty == 2 || self.ty == 3 {
            take(0x100, "capped", &mut out);
            take(0x200, "ack-tlvs", &mut out);
        } else if self.flags & 1 != 0 {
            take(NLM_F_DUMP, "dump", &mut out);
        }
        if f != 0 {
            out.push(format!("{f:#x}"));
        }
        out
    }

    /// One line of text.
    pub fn to_text(&self) -> String {
        let arrow = match self.dir {
            PacketType::ToKernel => "->K",
            PacketType::ToUser => "<-U",
            PacketType::Other(_) => "?? ",
        };
        let mut s = format!(
            "#{} {}.{:06} {arrow} port {} seq {}",
            self.frame, self.time.0, self.time.1, self.port, self.seq
        );
        let kind = self.kind();
        if self.ty >= 0x10 && self.protocol == NETLINK_GENERIC {
            s += &format!(
                " {}",
                self.family
                    .clone()
                    .unwrap_or_else(|| format!("{:#x}", self.ty))
            );
        } else {
            s += &format!(" {kind}");
            if self.family_id.is_some() {
                s += &format!(
                    " (for {}",
                    self.family
                        .clone()
                        .unwrap_or_else(|| format!("{:#x}", self.family_id.unwrap_or_default()))
                );
                if let Some(c) = self.cmd.clone().or(self.cmd_id.map(|c| c.to_string())) {
                    s += &format!(" {c}");
                }
                s += ")";
            }
        }
        if self.ty >= 0x10 {
            if let Some(c) = &self.cmd {
                s += &format!(" {c}");
            } else if let Some(c) = self.cmd_id {
                s += &format!(" cmd {c}");
            }
        }
        let flags = self.flag_names();
        s += &format!(" [{}]", flags.join(","));
        if let Some(e) = &self.error {
            if e.errno != 0 || self.ty == 3 {
                s += &format!(" {}", e.errno);
                if let Some(n) = errno_name(e.errno) {
                    s += &format!(" {n}");
                }
            }
            if let Some(m) = &e.msg {
                s += &format!(" {m:?}");
            }
            if let Some(o) = e.offset {
                s += &format!(" at offset {o}");
            }
            if let Some(mt) = e.miss_type {
                s += &format!(" missing attribute {mt}");
            }
        }
        if let Some(a) = &self.attrs {
            s += &format!(" {a}");
        } else if let Some(r) = &self.raw {
            s += &format!(" raw {r}");
        }
        if let Some(d) = &self.decode_error {
            s += &format!(" (undecoded: {d})");
        }
        s
    }

    /// One line of JSON (keys in a fixed order; `attrs` as `genl ynl`
    /// prints them).
    pub fn to_json(&self) -> String {
        let j = |v: serde_json::Value| v.to_string();
        let mut kv: Vec<(&str, String)> = vec![
            ("frame", j(self.frame.into())),
            (
                "time",
                j(format!("{}.{:06}", self.time.0, self.time.1).into()),
            ),
            ("dir", j(self.dir_name().into())),
            ("pkttype", j(self.pkttype.into())),
            ("protocol", j(self.protocol.into())),
            ("port", j(self.port.into())),
            ("type", j(self.ty.into())),
            ("kind", j(self.kind().into())),
            ("flags", j(self.flag_names().into())),
            ("seq", j(self.seq.into())),
        ];
        if let Some(id) = self.family_id {
            kv.push(("family", j(self.family.clone().into())));
            kv.push(("family_id", j(id.into())));
            kv.push(("cmd", j(self.cmd.clone().into())));
            kv.push(("cmd_id", j(self.cmd_id.into())));
        }
        if let Some(v) = self.version {
            kv.push(("version", j(v.into())));
        }
        if let Some(a) = &self.attrs {
            kv.push(("attrs", a.clone()));
        }
        if let Some(r) = &self.raw {
            kv.push(("raw", j(r.clone().into())));
        }
        if let Some(d) = &self.decode_error {
            kv.push(("decode_error", j(d.clone().into())));
        }
        if let Some(e) = &self.error {
            kv.push((
                "error",
                j(serde_json::json!({
                    "errno": e.errno,
                    "name": errno_name(e.errno),
                    "msg": e.msg,
                    "offset": e.offset,
                    "miss_type": e.miss_type,
                    "miss_nest": e.miss_nest,
                })),
            ));
        }
        let body: Vec<String> = kv
            .into_iter()
            .map(|(k, v)| format!("{}: {v}", j(k.into())))
            .collect();
        format!("{{{}}}", body.join(", "))
    }
}

fn parse_num(s: &str) -> Option<u32> {
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}
