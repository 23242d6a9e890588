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

mod decode;
mod error;
mod render;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use genl_core::codec::Decode as _;
use genl_core::extack::{ErrorView, ExtAck};
use genl_core::message::{GenlHeader, Messages, NLM_F_ACK_TLVS, NLM_F_DUMP};
use genl_core::pcap::{self, PacketType};
use genl_ynl::codec::DecodeOptions;
use genl_ynl::family::SpecFamily;

use crate::fuzz::program::hex;
pub use decode::{decode, Decoder, ErrorInfo, TraceMessage};
pub use error::{TraceDecodeError, TraceError};

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

/// The specs of `--spec`, else the project's family spec (if any; one that
/// does not load is left out, with a note).
fn load_specs(args: &TraceArgs, note: &mut dyn FnMut(&str)) -> Result<Vec<SpecFamily>, TraceError> {
    let mut specs = Vec::new();
    for p in &args.specs {
        let (text, _) =
            genl_ynl::uapi::read_corrected(p, None, !args.no_uapi).map_err(TraceError::SpecRead)?;
        let fam = SpecFamily::parse(&text).map_err(|error| TraceError::Spec {
            path: p.clone(),
            error,
        })?;
        specs.push(fam);
    }
    if args.specs.is_empty() {
        let cwd = std::env::current_dir().map_err(TraceError::CurrentDir)?;
        if let Some(p) = crate::project::Project::find(&cwd)
            .ok()
            .and_then(|pr| pr.family_spec().ok())
        {
            // The project's spec is generated with its uapi numbers.
            match std::fs::read_to_string(&p) {
                Ok(t) => match SpecFamily::parse(&t) {
                    Ok(f) => specs.push(f),
                    Err(e) => note(&format!("the project's spec {}: {e}", p.display())),
                },
                Err(e) => note(&format!("the project's spec {}: {e}", p.display())),
            }
        }
    }
    Ok(specs)
}

/// Runs `genl trace`: writes one line per message to `out` (text or
/// JSON), and hands `note` what the command says besides (which capture
/// device, what was dropped or cut, the counts at the end; `genl` prints
/// them to stderr).
pub fn run(
    args: TraceArgs,
    out: &mut dyn Write,
    note: &mut dyn FnMut(&str),
) -> Result<(), TraceError> {
    let specs = load_specs(&args, note)?;
    let Some(read) = &args.read else {
        return live(&args, specs, out, note);
    };
    let bytes = std::fs::read(read).map_err(|error| TraceError::Read {
        path: read.clone(),
        error,
    })?;
    let lines = decode(&bytes, specs).map_err(|error| TraceError::Decode {
        path: read.clone(),
        error,
    })?;
    let limit = args
        .count
        .map_or(usize::MAX, |c| c.try_into().unwrap_or(usize::MAX));
    for m in lines.iter().filter(|m| m.matches(&args)).take(limit) {
        let s = if args.json { m.to_json() } else { m.to_text() };
        writeln!(out, "{s}").map_err(TraceError::Output)?;
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
fn live(
    args: &TraceArgs,
    specs: Vec<SpecFamily>,
    out: &mut dyn Write,
    note: &mut dyn FnMut(&str),
) -> Result<(), TraceError> {
    use crate::nlmon::{enter_netns, Nlmon, PacketSocket};
    catch_signals();
    if let Some(ns) = &args.netns {
        enter_netns(ns)?;
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
    let dev = Nlmon::create(&name)?;
    let sock = PacketSocket::bind(dev.ifindex())?;
    let rec = match &args.write {
        Some(p) => {
            Some(
                genl_core::pcap::Recorder::create(p).map_err(|error| TraceError::Write {
                    path: p.clone(),
                    error,
                })?,
            )
        }
        None => None,
    };
    note(&format!(
        "capturing on {}{} (Ctrl-C to stop)",
        dev.name(),
        args.netns
            .as_deref()
            .map(|n| format!(" in netns {n}"))
            .unwrap_or_default()
    ));
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut buf = vec![0u8; pcap::SNAPLEN as usize];
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
            Err(e) => break Err(TraceError::Recv(e)),
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
                return Err(TraceError::Output(e));
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
        return Err(TraceError::Recording(e));
    }
    if drops > 0 {
        note(&format!(
            "the kernel dropped {drops} datagram(s): the reader fell behind"
        ));
    }
    if cut > 0 {
        note(&format!(
            "{cut} datagram(s) longer than {} bytes were cut",
            pcap::SNAPLEN
        ));
    }
    note(&format!(
        "{frames} datagram(s) captured, {printed} message(s) shown"
    ));
    result.and(removed.map_err(TraceError::Remove))
}
