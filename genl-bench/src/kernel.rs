//! Kernel round trips against the host's nlctrl: genl's `Connection`, and
//! the limit, raw netlink-sys send/recv of a pre-built request with a hand
//! parse of the reply (taking only the kernel's datagrams, as genl does;
//! [`Raw::without_sender_check`] takes any).

use genl_core::controller::{ctrl_cmd, FamilyInfo, GetFamily};
use genl_core::{AttrSet, Connection, Family};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket};

/// What the benchmarks read from a family message: its id and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct FamilyIdName<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    #[nla(id = 1)]
    pub family_id: u16,
    /// `CTRL_ATTR_FAMILY_NAME`.
    #[nla(id = 2)]
    pub family_name: &'a str,
}

/// nlctrl's `GETFAMILY` as the benchmarks see it: the reply decoded as
/// [`FamilyIdName`] only, as the raw client parses only those two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "nlctrl", version = 2, commands_mod = "bench_ctrl")]
pub enum BenchCtrl {
    /// `CTRL_CMD_GETFAMILY`.
    #[genl(cmd = 3, request = GetFamily<'a>, reply = FamilyIdName<'a>, dump)]
    GetFamily,
}

/// A failure in a kernel round trip.
pub type KResult<T> = Result<T, Box<dyn std::error::Error>>;

/// genl: `CTRL_CMD_GETFAMILY` by name through `Connection::query`, the
/// reply decoded (id and name).
#[inline(never)]
pub fn genl_get_family(conn: &mut Connection, name: &str) -> KResult<u16> {
    let f = conn.query(bench_ctrl::GetFamily, &GetFamily::by_name(name))?;
    Ok(f.family_id)
}

/// genl: a whole `CTRL_CMD_GETFAMILY` dump; returns how many families
/// there are and the sum of their ids (every message decoded).
#[inline(never)]
pub fn genl_dump(conn: &mut Connection) -> KResult<(u32, u32)> {
    let mut dump = conn.dump(bench_ctrl::GetFamily, &())?;
    let (mut n, mut sum) = (0, 0);
    while let Some(f) = dump.next()? {
        n += 1;
        sum += u32::from(f.family_id) + f.family_name.len() as u32;
    }
    Ok((n, sum))
}

/// What the `*-info` cases read of a [`FamilyInfo`] beyond its id and
/// name: every op and group, so that all of it is decoded.
#[inline(always)]
fn read_info(f: &FamilyInfo<'_>) -> u32 {
    let mut n = 0u32;
    for op in f.ops.iter() {
        n = n.wrapping_add(op.id ^ op.flags);
    }
    for g in f.mcast_groups.iter() {
        n = n.wrapping_add(g.id).wrapping_add(g.name.len() as u32);
    }
    std::hint::black_box(n)
}

/// genl with its own controller types: `CTRL_CMD_GETFAMILY` by name
/// through `Connection::query(ctrl_cmd::GetFamily, …)`, the whole reply
/// decoded as [`FamilyInfo`] and every op and group read; returns the id.
#[inline(never)]
pub fn genl_get_family_info(conn: &mut Connection, name: &str) -> KResult<u16> {
    let f = conn.query(ctrl_cmd::GetFamily, &GetFamily::by_name(name))?;
    read_info(&f);
    Ok(f.family_id)
}

/// [`genl_dump`] with genl's own controller types: every message decoded
/// as [`FamilyInfo`], every op and group read.
#[inline(never)]
pub fn genl_dump_info(conn: &mut Connection) -> KResult<(u32, u32)> {
    let mut dump = conn.dump(ctrl_cmd::GetFamily, &())?;
    let (mut n, mut sum) = (0, 0);
    while let Some(f) = dump.next()? {
        read_info(&f);
        n += 1;
        sum += u32::from(f.family_id) + f.family_name.len() as u32;
    }
    Ok((n, sum))
}

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const GENL_ID_CTRL: u16 = 0x10;

/// Raw netlink-sys: one socket, pre-built requests, one receive buffer.
pub struct Raw {
    sock: Socket,
    portid: u32,
    rx: Vec<u8>,
    seq: u32,
    /// Whether only the kernel's datagrams count (`recvfrom`, sender port
    /// 0), as genl and iproute2 take them; off: `recv`, any sender.
    check_sender: bool,
}

/// A pre-built `CTRL_CMD_GETFAMILY` request (by name, or a dump).
pub fn raw_request(name: Option<&str>, flags: u16) -> Vec<u8> {
    let mut req = vec![0u8; 16];
    req.extend_from_slice(&[3, 2, 0, 0]);
    if let Some(name) = name {
        let len = 4 + name.len() + 1;
        req.extend_from_slice(&(len as u16).to_ne_bytes());
        req.extend_from_slice(&2u16.to_ne_bytes());
        req.extend_from_slice(name.as_bytes());
        req.resize(req.len() + ((len + 3) & !3) - len + 1, 0);
    }
    let len = req.len() as u32;
    req[0..4].copy_from_slice(&len.to_ne_bytes());
    req[4..6].copy_from_slice(&GENL_ID_CTRL.to_ne_bytes());
    req[6..8].copy_from_slice(&flags.to_ne_bytes());
    req
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The family id and name length in one nlctrl family message's attributes.
fn hand_family(attrs: &[u8]) -> KResult<(u16, usize)> {
    let (mut id, mut name) = (None, None);
    let mut pos = 0;
    while pos + 4 <= attrs.len() {
        let len = u16_at(attrs, pos) as usize;
        if len < 4 || pos + len > attrs.len() {
            return Err("bad attribute".into());
        }
        let v = &attrs[pos + 4..pos + len];
        match u16_at(attrs, pos + 2) & 0x3fff {
            1 if v.len() == 2 => id = Some(u16_at(v, 0)),
            2 => {
                let s = v.strip_suffix(&[0]).unwrap_or(v);
                name = Some(std::str::from_utf8(s)?.len());
            }
            _ => {}
        }
        pos += (len + 3) & !3;
    }
    Ok((id.ok_or("no id")?, name.ok_or("no name")?))
}

impl Raw {
    /// Opens and binds a socket with the options genl sets.
    pub fn new() -> KResult<Self> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        let portid = sock.bind_auto()?.port_number();
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        Ok(Raw {
            sock,
            portid,
            rx: Vec::with_capacity(64 * 1024),
            seq: 1,
            check_sender: true,
        })
    }

    /// Takes datagrams from any sender (`recv`, no address asked): less
    /// work for the kernel, and what a client that can be fed forged
    /// replies does.
    pub fn without_sender_check(mut self) -> Self {
        self.check_sender = false;
        self
    }

    /// Receives the next datagram into `rx` (from the kernel only, unless
    /// the sender check is off).
    #[inline(always)]
    fn recv(&mut self) -> KResult<()> {
        loop {
            self.rx.clear();
            if !self.check_sender {
                self.sock.recv(&mut self.rx, 0)?;
                return Ok(());
            }
            let (_, from) = self.sock.recv_from(&mut self.rx, 0)?;
            if from.port_number() == 0 {
                return Ok(());
            }
        }
    }

    fn send(&mut self, req: &mut [u8]) -> KResult<u32> {
        self.seq = self.seq.wrapping_add(1);
        req[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        self.sock.send(req, 0)?;
        Ok(self.seq)
    }

    /// Sends `req` (GETFAMILY by name) and receives its reply, and the ACK
    /// too if `req` asks for one (`NLM_F_ACK`); returns the family id from
    /// the reply.
    #[inline(never)]
    pub fn get_family(&mut self, req: &mut [u8]) -> KResult<u16> {
        let acked = u16_at(req, 6) & 0x04 != 0;
        let seq = self.send(req)?;
        let mut id = None;
        loop {
            self.recv()?;
            let mut pos = 0;
            let b = &self.rx[..];
            while pos + 16 <= b.len() {
                let len = u32_at(b, pos) as usize;
                if len < 16 || pos + len > b.len() {
                    return Err("bad message".into());
                }
                let ty = u16_at(b, pos + 4);
                if u32_at(b, pos + 8) == seq && u32_at(b, pos + 12) == self.portid {
                    if ty == NLMSG_ERROR {
                        if u32_at(b, pos + 16) != 0 {
                            return Err("kernel error".into());
                        }
                        return id.ok_or_else(|| "no reply".into());
                    }
                    if ty == GENL_ID_CTRL && len >= 20 {
                        id = Some(hand_family(&b[pos + 20..pos + len])?.0);
                        if !acked {
                            return id.ok_or_else(|| "no reply".into());
                        }
                    }
                }
                pos += (len + 3) & !3;
            }
        }
    }

    /// Sends a dump request and reads every message until `NLMSG_DONE`;
    /// returns the family count and the sum of ids and name lengths.
    #[inline(never)]
    pub fn dump(&mut self, req: &mut [u8]) -> KResult<(u32, u32)> {
        let seq = self.send(req)?;
        let (mut n, mut sum) = (0, 0);
        loop {
            self.recv()?;
            let mut pos = 0;
            let b = &self.rx[..];
            while pos + 16 <= b.len() {
                let len = u32_at(b, pos) as usize;
                if len < 16 || pos + len > b.len() {
                    return Err("bad message".into());
                }
                let ty = u16_at(b, pos + 4);
                if u32_at(b, pos + 8) == seq && u32_at(b, pos + 12) == self.portid {
                    match ty {
                        NLMSG_DONE => {
                            if len >= 20 && u32_at(b, pos + 16) != 0 {
                                return Err("dump failed".into());
                            }
                            return Ok((n, sum));
                        }
                        NLMSG_ERROR => return Err("kernel error".into()),
                        GENL_ID_CTRL if len >= 20 => {
                            let (id, name_len) = hand_family(&b[pos + 20..pos + len])?;
                            n += 1;
                            sum += u32::from(id) + name_len as u32;
                        }
                        _ => {}
                    }
                }
                pos += (len + 3) & !3;
            }
        }
    }
}
