//! Recording netlink traffic to a pcap file, as `tcpdump -i nlmon0 -w`
//! would, without an nlmon device, root or a second process.
//!
//! # The file format
//!
//! What tcpdump writes for an nlmon device, so that files from both sources
//! read the same (in Wireshark, tshark and `genl trace --read`):
//!
//! * a classic pcap file (magic `0xa1b2c3d4`, version 2.4, microsecond
//!   timestamps, written little-endian), link type
//!   [`LINKTYPE_NETLINK`] (253, "Linux netlink (cooked)");
//! * each record is a 16-byte cooked header followed by the datagram as it
//!   went over the socket (one or more netlink messages, host byte order).
//!   The header is libpcap's `sll_header`, all fields big-endian:
//!   packet type (2), `ARPHRD_NETLINK` = 824 (2), address length 0 (2),
//!   address (8 zero bytes), netlink protocol (2: 16 for generic netlink).
//!
//! The packet type is the one the kernel's nlmon tap gives: the
//! destination's kind, [`PacketType::ToKernel`] (`PACKET_KERNEL`, 7) for a
//! datagram sent to the kernel, [`PacketType::ToUser`] (`PACKET_USER`, 6)
//! for one delivered to a user-space socket (every datagram this process
//! receives, and a send to another port or a group).
//!
//! # Switching it on
//!
//! * For one socket: [`Socket::record`](crate::sys::Socket::record), e.g.
//!   `conn.socket().record(Recorder::create("s.pcap")?)`.
//! * For every socket opened afterwards: [`record_all`], or the
//!   environment variable `GENL_PCAP=/path/file.pcap` (read once, at the
//!   first socket opened; the file is created then).
//!
//! Off, a send or a receive pays one load and one predictable branch. On,
//! each datagram is one `write(2)` to the file under a lock, so records
//! from many threads ([`SharedConnection`](crate::SharedConnection)) stay
//! whole and in order, and a crash loses nothing written. Write errors do
//! not fail the send or receive: the recorder stops and keeps the first
//! one ([`Recorder::error`]).

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// pcap link type of Linux netlink with a cooked header (`DLT_NETLINK`).
pub const LINKTYPE_NETLINK: u32 = 253;
/// pcap link type of Linux cooked capture v1 (`DLT_LINUX_SLL`), which
/// older tcpdump versions wrote for nlmon devices; read, never written.
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// pcap link type of Linux cooked capture v2 (`DLT_LINUX_SLL2`, tcpdump
/// `-y LINUX_SLL2`); read, never written.
pub const LINKTYPE_LINUX_SLL2: u32 = 276;
/// `ARPHRD_NETLINK`, the hardware type of nlmon devices.
pub const ARPHRD_NETLINK: u16 = 824;
/// The snapshot length written in the global header (the largest record).
pub const SNAPLEN: u32 = 262_144;
/// Length of the cooked (`sll_header`) header before each datagram.
pub const COOKED_HEADER_LEN: usize = 16;
/// The environment variable that switches recording on for the process.
pub const ENV_VAR: &str = "GENL_PCAP";

/// Which way a datagram went, as nlmon's packet type says it: the kind of
/// socket it was delivered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// Delivered to a user-space socket (`PACKET_USER`, 6): what this
    /// process received, or sent to another port or group.
    ToUser,
    /// Delivered to the kernel (`PACKET_KERNEL`, 7): a request.
    ToKernel,
    /// Any other value, as found in a file.
    Other(u16),
}

impl PacketType {
    /// The value in the cooked header.
    pub fn to_raw(self) -> u16 {
        match self {
            PacketType::ToUser => 6,
            PacketType::ToKernel => 7,
            PacketType::Other(v) => v,
        }
    }

    /// The packet type of a cooked header's value.
    pub fn from_raw(v: u16) -> Self {
        match v {
            6 => PacketType::ToUser,
            7 => PacketType::ToKernel,
            v => PacketType::Other(v),
        }
    }
}

/// The 24-byte pcap global header this module writes: magic, version 2.4,
/// zone 0, sigfigs 0, [`SNAPLEN`], [`LINKTYPE_NETLINK`], little-endian.
pub fn global_header() -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    // thiszone (8..12) and sigfigs (12..16) are 0.
    h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
    h[20..24].copy_from_slice(&LINKTYPE_NETLINK.to_le_bytes());
    h
}

/// Appends one record to `out`: the 16-byte record header (seconds,
/// microseconds, captured and original length), the cooked header and the
/// datagram (cut to [`SNAPLEN`], the original length kept).
pub fn encode_record(
    out: &mut Vec<u8>,
    ts: SystemTime,
    pkttype: PacketType,
    protocol: u16,
    datagram: &[u8],
) {
    let since = ts.duration_since(UNIX_EPOCH).unwrap_or_default();
    let orig = COOKED_HEADER_LEN + datagram.len();
    let incl = orig.min(SNAPLEN as usize);
    out.reserve(16 + incl);
    out.extend_from_slice(&(since.as_secs() as u32).to_le_bytes());
    out.extend_from_slice(&since.subsec_micros().to_le_bytes());
    out.extend_from_slice(&(incl as u32).to_le_bytes());
    out.extend_from_slice(&(orig.min(u32::MAX as usize) as u32).to_le_bytes());
    out.extend_from_slice(&pkttype.to_raw().to_be_bytes());
    out.extend_from_slice(&ARPHRD_NETLINK.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&protocol.to_be_bytes());
    out.extend_from_slice(&datagram[..incl - COOKED_HEADER_LEN]);
}

struct Sink {
    out: Box<dyn Write + Send>,
    buf: Vec<u8>,
    error: Option<Arc<io::Error>>,
}

/// A pcap file being written; cheap to clone (clones share the file), safe
/// to use from many threads.
#[derive(Clone)]
pub struct Recorder {
    sink: Arc<Mutex<Sink>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates (or truncates) the file at `path` and writes the global
    /// header.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Recorder> {
        Recorder::new(File::create(path)?)
    }

    /// Writes the global header to `out` and records into it. Each record
    /// is given to `out` in one `write_all`; nothing is buffered here.
    pub fn new(mut out: impl Write + Send + 'static) -> io::Result<Recorder> {
        out.write_all(&global_header())?;
        Ok(Recorder {
            sink: Arc::new(Mutex::new(Sink {
                out: Box::new(out),
                buf: Vec::new(),
                error: None,
            })),
        })
    }

    /// Records `datagram` of netlink `protocol`, timestamped now. After a
    /// write error it does nothing (see [`Recorder::error`]).
    pub fn record(&self, pkttype: PacketType, protocol: u16, datagram: &[u8]) {
        self.record_at(SystemTime::now(), pkttype, protocol, datagram)
    }

    /// [`Recorder::record`] with the timestamp `ts` (e.g. when the datagram
    /// was captured).
    pub fn record_at(&self, ts: SystemTime, pkttype: PacketType, protocol: u16, datagram: &[u8]) {
        let mut sink = match self.sink.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if sink.error.is_some() {
            return;
        }
        let mut buf = std::mem::take(&mut sink.buf);
        buf.clear();
        encode_record(&mut buf, ts, pkttype, protocol, datagram);
        if let Err(e) = sink.out.write_all(&buf).and_then(|()| sink.out.flush()) {
            sink.error = Some(Arc::new(e));
        }
        sink.buf = buf;
    }

    /// The write error that stopped this recorder, if one did.
    pub fn error(&self) -> Option<Arc<io::Error>> {
        match self.sink.lock() {
            Ok(s) => s.error.clone(),
            Err(poisoned) => poisoned.into_inner().error.clone(),
        }
    }
}

static APP: Mutex<Option<Recorder>> = Mutex::new(None);
static ENV: OnceLock<Option<Recorder>> = OnceLock::new();

/// Records every socket opened from now on to `rec` (until
/// [`stop_recording_all`]); sockets already open are not affected (use
/// [`Socket::record`](crate::sys::Socket::record) for those). Takes
/// precedence over `GENL_PCAP`.
pub fn record_all(rec: Recorder) {
    *APP.lock().unwrap_or_else(|p| p.into_inner()) = Some(rec);
}

/// Undoes [`record_all`] for sockets opened from now on.
pub fn stop_recording_all() {
    *APP.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// The recorder a socket opened now records to: [`record_all`]'s, else
/// the one of `GENL_PCAP` (the variable is read, and its file created, on
/// the first call; a file that cannot be created is reported on standard
/// error once and recording stays off).
pub fn process_recorder() -> Option<Recorder> {
    if let Some(r) = APP.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Some(r.clone());
    }
    ENV.get_or_init(|| {
        let path = std::env::var_os(ENV_VAR).filter(|p| !p.is_empty())?;
        match Recorder::create(&path) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!(
                    "genl: {ENV_VAR}={}: cannot create the file: {e}",
                    Path::new(&path).display()
                );
                None
            }
        }
    })
    .clone()
}

/// A pcap file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Shorter than the 24-byte global header.
    TooShort,
    /// The first four bytes (read little-endian) are neither a pcap magic
    /// number nor a pcapng section header.
    NotPcap(u32),
    /// A link type that does not carry netlink.
    LinkType(u32),
    /// Record `index` (from 0) at byte `offset` ends past the end of file.
    Truncated {
        /// The record's index.
        index: usize,
        /// Its offset in the file.
        offset: usize,
    },
    /// Record `index` is too short for its cooked header.
    ShortRecord {
        /// The record's index.
        index: usize,
    },
    /// A pcapng block at byte `offset` is not well formed.
    BadBlock {
        /// Its offset in the file.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A pcapng packet (record `index`, at byte `offset`) names an
    /// interface the file has not described.
    NoInterface {
        /// The record's index.
        index: usize,
        /// Its offset in the file.
        offset: usize,
        /// The interface id it names.
        interface: u32,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooShort => write!(f, "not a pcap file: shorter than its 24-byte header"),
            ReadError::NotPcap(m) => write!(f, "not a pcap or pcapng file (magic {m:#010x})"),
            ReadError::LinkType(t) => write!(
                f,
                "link type {t} is not netlink (expected {LINKTYPE_NETLINK}, {LINKTYPE_LINUX_SLL} or {LINKTYPE_LINUX_SLL2})"
            ),
            ReadError::Truncated { index, offset } => {
                write!(f, "record {index} at byte {offset} is truncated")
            }
            ReadError::ShortRecord { index } => {
                write!(f, "record {index} is shorter than its cooked header")
            }
            ReadError::BadBlock { offset, reason } => {
                write!(f, "pcapng block at byte {offset}: {reason}")
            }
            ReadError::NoInterface {
                index,
                offset,
                interface,
            } => write!(
                f,
                "record {index} at byte {offset} names interface {interface}, which the file does not describe"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// One record of a netlink capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Seconds since the epoch.
    pub ts_sec: u32,
    /// The fraction: microseconds, or nanoseconds in a nanosecond file.
    pub ts_frac: u32,
    /// nlmon's packet type: which way it went.
    pub pkttype: PacketType,
    /// The netlink protocol (16: generic netlink).
    pub protocol: u16,
    /// The datagram as captured (may be cut at the snapshot length).
    pub data: &'a [u8],
    /// The datagram's length on the wire.
    pub orig_len: usize,
}

/// Reads a netlink capture held in memory: a pcap file (either byte
/// order, micro- or nanosecond timestamps) or a pcapng file (what dumpcap,
/// tshark and Wireshark write; timestamps given in microseconds), link
/// type [`LINKTYPE_NETLINK`], [`LINKTYPE_LINUX_SLL`] or
/// [`LINKTYPE_LINUX_SLL2`].
pub fn read(file: &[u8]) -> Result<Vec<Packet<'_>>, ReadError> {
    if file.len() >= 4 && file[0..4] == PCAPNG_SHB.to_le_bytes() {
        return read_pcapng(file);
    }
    if file.len() < 24 {
        return Err(ReadError::TooShort);
    }
    let magic = u32::from_le_bytes(file[0..4].try_into().unwrap());
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        m => return Err(ReadError::NotPcap(m)),
    };
    let u32_at = |b: &[u8], o: usize| {
        let a: [u8; 4] = b[o..o + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let linktype = u32_at(file, 20) & 0x0fff_ffff;
    if !matches!(
        linktype,
        LINKTYPE_NETLINK | LINKTYPE_LINUX_SLL | LINKTYPE_LINUX_SLL2
    ) {
        return Err(ReadError::LinkType(linktype));
    }
    let mut out = Vec::new();
    let mut off = 24;
    while off < file.len() {
        let index = out.len();
        if file.len() - off < 16 {
            return Err(ReadError::Truncated { index, offset: off });
        }
        let (ts_sec, ts_frac) = (u32_at(file, off), u32_at(file, off + 4));
        let incl = u32_at(file, off + 8) as usize;
        let orig = u32_at(file, off + 12) as usize;
        let body = off + 16;
        if file.len() - body < incl {
            return Err(ReadError::Truncated { index, offset: off });
        }
        let rec = &file[body..body + incl];
        out.push(cooked(linktype, index, ts_sec, ts_frac, rec, orig)?);
        off = body + incl;
    }
    Ok(out)
}

/// A record's cooked header taken apart.
fn cooked(
    linktype: u32,
    index: usize,
    ts_sec: u32,
    ts_frac: u32,
    rec: &[u8],
    orig: usize,
) -> Result<Packet<'_>, ReadError> {
    let be16 = |b: &[u8], o: usize| u16::from_be_bytes([b[o], b[o + 1]]);
    let (pkttype, protocol, hdr) = if linktype == LINKTYPE_LINUX_SLL2 {
        if rec.len() < 20 {
            return Err(ReadError::ShortRecord { index });
        }
        (u16::from(rec[10]), be16(rec, 0), 20)
    } else {
        if rec.len() < COOKED_HEADER_LEN {
            return Err(ReadError::ShortRecord { index });
        }
        (be16(rec, 0), be16(rec, 14), COOKED_HEADER_LEN)
    };
    Ok(Packet {
        ts_sec,
        ts_frac,
        pkttype: PacketType::from_raw(pkttype),
        protocol,
        data: &rec[hdr..],
        orig_len: orig.saturating_sub(hdr),
    })
}

/// The pcapng Section Header Block's type (also its first bytes).
const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
/// pcapng block types: interface description, simple and enhanced packet.
const PCAPNG_IDB: u32 = 1;
const PCAPNG_SPB: u32 = 3;
const PCAPNG_EPB: u32 = 6;

/// One interface of a pcapng section: link type, snapshot length, units of
/// a second per timestamp tick.
struct Interface {
    linktype: u32,
    snaplen: u32,
    ticks_per_sec: u64,
}

/// Reads a pcapng file (draft-ietf-opsawg-pcapng): sections in either byte
/// order, their interfaces, enhanced and simple packet blocks; other blocks
/// (statistics, name resolution, custom) are passed over. A packet of an
/// interface whose link type is not netlink is an error.
fn read_pcapng(file: &[u8]) -> Result<Vec<Packet<'_>>, ReadError> {
    let bad = |offset, reason| ReadError::BadBlock { offset, reason };
    let mut out = Vec::new();
    let mut off = 0;
    let mut le = true;
    let mut ifaces: Vec<Interface> = Vec::new();
    while off < file.len() {
        if file.len() - off < 12 {
            return Err(bad(off, "shorter than a block header"));
        }
        let raw_type = u32::from_le_bytes(file[off..off + 4].try_into().unwrap());
        if raw_type == PCAPNG_SHB {
            // The byte-order magic says how to read this section.
            if file.len() - off < 28 {
                return Err(bad(off, "section header shorter than 28 bytes"));
            }
            le = match u32::from_le_bytes(file[off + 8..off + 12].try_into().unwrap()) {
                0x1a2b_3c4d => true,
                0x4d3c_2b1a => false,
                _ => return Err(bad(off, "section header with no byte-order magic")),
            };
            ifaces.clear();
        }
        let u32_at = |o: usize| {
            let a: [u8; 4] = file[o..o + 4].try_into().unwrap();
            if le {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            }
        };
        let u16_at = |o: usize| {
            let a = [file[o], file[o + 1]];
            if le {
                u16::from_le_bytes(a)
            } else {
                u16::from_be_bytes(a)
            }
        };
        let ty = u32_at(off);
        let len = u32_at(off + 4) as usize;
        if len < 12 || len % 4 != 0 {
            return Err(bad(off, "block length not a multiple of 4 of at least 12"));
        }
        if len > file.len() - off {
            return Err(ReadError::Truncated {
                index: out.len(),
                offset: off,
            });
        }
        if u32_at(off + len - 4) as usize != len {
            return Err(bad(
                off,
                "trailing block length differs from the leading one",
            ));
        }
        let body = &file[off + 8..off + len - 4];
        match ty {
            PCAPNG_IDB => {
                if body.len() < 8 {
                    return Err(bad(off, "interface description shorter than 8 bytes"));
                }
                let mut iface = Interface {
                    linktype: u32::from(u16_at(off + 8)),
                    snaplen: u32_at(off + 12),
                    ticks_per_sec: 1_000_000,
                };
                // Options: if_tsresol (9) changes the timestamp unit.
                let mut o = off + 16;
                let end = off + len - 4;
                while o + 4 <= end {
                    let (code, olen) = (u16_at(o), u16_at(o + 2) as usize);
                    if code == 0 {
                        break;
                    }
                    if 4 + olen.div_ceil(4) * 4 > end - o {
                        return Err(bad(off, "interface option runs past its block"));
                    }
                    if code == 9 && olen >= 1 {
                        let r = file[o + 4];
                        let ticks = if r & 0x80 != 0 {
                            1u64.checked_shl(u32::from(r & 0x7f))
                        } else {
                            10u64.checked_pow(u32::from(r))
                        };
                        iface.ticks_per_sec =
                            ticks.ok_or_else(|| bad(off, "if_tsresol out of range"))?;
                    }
                    o += 4 + olen.div_ceil(4) * 4;
                }
                ifaces.push(iface);
            }
            PCAPNG_EPB | PCAPNG_SPB => {
                let index = out.len();
                let (iface_id, ts, caplen, orig, data_at) = if ty == PCAPNG_EPB {
                    if body.len() < 20 {
                        return Err(bad(off, "enhanced packet block shorter than 20 bytes"));
                    }
                    let ts = u64::from(u32_at(off + 12)) << 32 | u64::from(u32_at(off + 16));
                    (
                        u32_at(off + 8),
                        Some(ts),
                        u32_at(off + 20) as usize,
                        u32_at(off + 24) as usize,
                        off + 28,
                    )
                } else {
                    if body.len() < 4 {
                        return Err(bad(off, "simple packet block shorter than 4 bytes"));
                    }
                    let orig = u32_at(off + 8) as usize;
                    let snap = ifaces.first().map_or(u32::MAX, |i| i.snaplen) as usize;
                    let snap = if snap == 0 { usize::MAX } else { snap };
                    (0, None, orig.min(snap), orig, off + 12)
                };
                let iface = ifaces
                    .get(iface_id as usize)
                    .ok_or(ReadError::NoInterface {
                        index,
                        offset: off,
                        interface: iface_id,
                    })?;
                if !matches!(
                    iface.linktype,
                    LINKTYPE_NETLINK | LINKTYPE_LINUX_SLL | LINKTYPE_LINUX_SLL2
                ) {
                    return Err(ReadError::LinkType(iface.linktype));
                }
                if caplen > off + len - 4 - data_at {
                    return Err(ReadError::Truncated { index, offset: off });
                }
                let (sec, usec) = ts.map_or((0, 0), |t| {
                    let tps = iface.ticks_per_sec;
                    let sec = t / tps;
                    let frac = t % tps;
                    let usec = (u128::from(frac) * 1_000_000 / u128::from(tps)) as u32;
                    (sec as u32, usec)
                });
                let rec = &file[data_at..data_at + caplen];
                out.push(cooked(iface.linktype, index, sec, usec, rec, orig)?);
            }
            _ => {}
        }
        off += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The global header, byte for byte, from the pcap format
    /// (draft-ietf-opsawg-pcap, section 4): magic a1b2c3d4 in the writer's
    /// order (little-endian here), major 2, minor 4, reserved 0 0,
    /// snaplen, then the link type 253 in the low 28 bits.
    #[test]
    fn global_header_layout() {
        assert_eq!(
            global_header(),
            [
                0xd4, 0xc3, 0xb2, 0xa1, // magic
                0x02, 0x00, 0x04, 0x00, // version 2.4
                0, 0, 0, 0, // thiszone
                0, 0, 0, 0, // sigfigs
                0x00, 0x00, 0x04, 0x00, // snaplen 262144
                0xfd, 0x00, 0x00, 0x00, // LINKTYPE_NETLINK
            ]
        );
    }

    /// A record: ts seconds, ts microseconds, captured and original length
    /// (little-endian, as the global header), then libpcap's sll_header
    /// (big-endian): pkttype 7 (PACKET_KERNEL), hatype 824 (0x0338),
    /// halen 0, 8 address bytes, protocol 16, then the datagram.
    #[test]
    fn record_layout() {
        let ts = UNIX_EPOCH + Duration::new(0x0102_0304, 5_006_000);
        let mut out = Vec::new();
        encode_record(
            &mut out,
            ts,
            PacketType::ToKernel,
            16,
            &[0xaa, 0xbb, 0xcc, 0xdd],
        );
        #[rustfmt::skip]
        let want = [
            0x04, 0x03, 0x02, 0x01, // seconds
            0x8e, 0x13, 0x00, 0x00, // 5006 microseconds
            20, 0, 0, 0,            // captured
            20, 0, 0, 0,            // original
            0x00, 0x07,             // pkttype
            0x03, 0x38,             // ARPHRD_NETLINK
            0x00, 0x00,             // address length
            0, 0, 0, 0, 0, 0, 0, 0, // address
            0x00, 0x10,             // NETLINK_GENERIC
            0xaa, 0xbb, 0xcc, 0xdd,
        ];
        assert_eq!(out, want);
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn recorder_writes_what_read_reads() {
        let sink = Shared::default();
        let rec = Recorder::new(sink.clone()).unwrap();
        rec.record(PacketType::ToKernel, 16, b"request!");
        rec.clone().record(PacketType::ToUser, 16, b"reply");
        let bytes = sink.0.lock().unwrap().clone();
        let pkts = read(&bytes).unwrap();
        assert_eq!(pkts.len(), 2);
        assert_eq!(pkts[0].pkttype, PacketType::ToKernel);
        assert_eq!(pkts[0].data, b"request!");
        assert_eq!(pkts[1].pkttype, PacketType::ToUser);
        assert_eq!(pkts[1].protocol, 16);
        assert_eq!(pkts[1].data, b"reply");
        assert!(rec.error().is_none());
    }

    /// A pcapng file built by the format's rules (draft-ietf-opsawg-pcapng,
    /// sections 4.1, 4.2, 4.3): a section header (byte-order magic
    /// 1a2b3c4d, version 1.0, section length -1), an interface description
    /// (link type 253, snaplen 262144, option if_tsresol = 9:
    /// nanoseconds), a statistics-like block of an unknown type (skipped),
    /// and an enhanced packet block (interface 0, 64-bit timestamp in
    /// nanoseconds, captured/original length, data padded to 4).
    fn pcapng_sample() -> Vec<u8> {
        let mut f = Vec::new();
        let block = |f: &mut Vec<u8>, ty: u32, body: &[u8]| {
            let len = (12 + body.len()) as u32;
            f.extend_from_slice(&ty.to_le_bytes());
            f.extend_from_slice(&len.to_le_bytes());
            f.extend_from_slice(body);
            f.extend_from_slice(&len.to_le_bytes());
        };
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&u64::MAX.to_le_bytes());
        block(&mut f, 0x0a0d_0d0a, &shb);
        let mut idb = Vec::new();
        idb.extend_from_slice(&253u16.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&262_144u32.to_le_bytes());
        idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0]); // if_tsresol 9
        idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        block(&mut f, 1, &idb);
        block(&mut f, 0x8000_0001, &[1, 2, 3, 4]);
        let mut data = Vec::new();
        data.extend_from_slice(&7u16.to_be_bytes()); // PACKET_KERNEL
        data.extend_from_slice(&824u16.to_be_bytes());
        data.extend_from_slice(&[0; 10]);
        data.extend_from_slice(&16u16.to_be_bytes());
        data.extend_from_slice(b"netlink!!"); // 9 bytes: padded
        let ts: u64 = 1_700_000_000 * 1_000_000_000 + 123_456_789;
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&data);
        epb.resize(epb.len().div_ceil(4) * 4, 0);
        block(&mut f, 6, &epb);
        f
    }

    #[test]
    fn pcapng_reads_and_bad_pcapng_is_a_typed_error() {
        let f = pcapng_sample();
        let pkts = read(&f).unwrap();
        assert_eq!(pkts.len(), 1);
        let p = &pkts[0];
        assert_eq!((p.ts_sec, p.ts_frac), (1_700_000_000, 123_456));
        assert_eq!(p.pkttype, PacketType::ToKernel);
        assert_eq!(p.protocol, 16);
        assert_eq!(p.data, b"netlink!!");
        // Every cut: a typed error or (at a block boundary) fewer packets,
        // never a panic.
        let boundaries = [28, 28 + 32, 28 + 32 + 16, f.len()];
        for cut in 0..f.len() {
            match read(&f[..cut]) {
                Ok(p) => assert!(boundaries.contains(&cut) && p.is_empty(), "cut {cut}"),
                Err(e) => assert!(!boundaries.contains(&cut) || cut == 0, "cut {cut}: {e}"),
            }
        }
        // A packet of an interface never described.
        let mut g = f.clone();
        let epb = 28 + 32 + 16;
        g[epb + 8] = 5;
        assert!(matches!(
            read(&g),
            Err(ReadError::NoInterface { interface: 5, .. })
        ));
        // An Ethernet interface.
        let mut g = f.clone();
        g[28 + 8] = 1;
        assert_eq!(read(&g), Err(ReadError::LinkType(1)));
        // Leading and trailing lengths that differ.
        let mut g = f.clone();
        let n = g.len();
        g[n - 4] ^= 4;
        assert!(matches!(read(&g), Err(ReadError::BadBlock { .. })));
    }

    #[test]
    fn bad_files_are_errors() {
        assert_eq!(read(b"short"), Err(ReadError::TooShort));
        assert!(matches!(
            read(&[
                0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            ]),
            Err(ReadError::BadBlock { offset: 0, .. })
        ));
        assert_eq!(
            read(b"GIF89a and then some more bytes"),
            Err(ReadError::NotPcap(0x3846_4947))
        );
        let mut h = global_header().to_vec();
        h[20] = 1; // Ethernet
        assert_eq!(read(&h), Err(ReadError::LinkType(1)));
        let mut f = global_header().to_vec();
        encode_record(&mut f, UNIX_EPOCH, PacketType::ToUser, 16, b"abcdef");
        for cut in 25..f.len() {
            assert!(
                matches!(
                    read(&f[..cut]),
                    Err(ReadError::Truncated {
                        index: 0,
                        offset: 24
                    })
                ),
                "cut at {cut}"
            );
        }
        // A record whose length cannot hold the cooked header.
        let mut g = global_header().to_vec();
        g.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 2]);
        assert_eq!(read(&g), Err(ReadError::ShortRecord { index: 0 }));
    }
}
