//! Runs a [`Program`] against the running module: raw generic netlink
//! sockets (so that any bytes can be sent), one per program socket, opened
//! lazily and closed when the program ends. What each call got back
//! (replies, the errno and extack message of the ACK, a dump's end) is
//! kept for the transcript.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use genl_core::codec::Decode;
use genl_core::extack::{ErrorView, ExtAck};
use genl_core::message::NLM_F_ACK_TLVS;
use genl_ynl::family::SpecFamily;

use super::program::{Action, Call, Program, Read, SOCKETS};

const NETLINK_GENERIC: i32 = 16;
const SOL_NETLINK: i32 = 270;
const NETLINK_ADD_MEMBERSHIP: i32 = 1;
const NETLINK_CAP_ACK: i32 = 10;
const NETLINK_EXT_ACK: i32 = 11;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// How long a call waits for the kernel's answer when one is due (an ACK
/// was asked for, or a dump's end): the kernel answers in the sender's own
/// `sendmsg`, so the wait is only long for work it defers.
const REPLY_WAIT: Duration = Duration::from_secs(2);
/// The most datagrams one call reads.
const MAX_DATAGRAMS: u32 = 4096;
/// How long a call waits when no answer is due (no `NLM_F_ACK`, or a bare
/// read): enough for what is already queued.
const IDLE_WAIT: Duration = Duration::from_millis(5);

/// Why [`Target::resolve`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ResolveError {
    /// No generic netlink socket.
    Socket(genl_core::Error),
    /// nlctrl does not know the family (the module is not loaded), or
    /// could not be asked.
    Family {
        /// The family's name.
        name: String,
        /// What nlctrl said.
        error: genl_core::Error,
    },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Socket(e) => write!(f, "netlink socket: {e}"),
            ResolveError::Family { name, error } => write!(f, "family {name:?}: {error}"),
        }
    }
}

impl std::error::Error for ResolveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResolveError::Socket(e) | ResolveError::Family { error: e, .. } => Some(e),
        }
    }
}

/// What the family is called by, in the running kernel.
#[derive(Debug, Clone)]
pub struct Target {
    /// The family id.
    pub id: u16,
    /// The version requests carry.
    pub version: u8,
    /// Multicast groups: name and id.
    pub groups: Vec<(String, u32)>,
}

impl Target {
    /// Asks nlctrl for `name`.
    pub fn resolve(name: &str, version: u8) -> Result<Target, ResolveError> {
        let mut c = genl_core::Connection::new().map_err(ResolveError::Socket)?;
        let f = c.resolve(name).map_err(|error| ResolveError::Family {
            name: name.to_owned(),
            error,
        })?;
        Ok(Target {
            id: f.id,
            version,
            groups: f.mcast_groups.clone(),
        })
    }
}

/// The outcome of one call, for the transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages received (not counting the final ACK/error/done).
    pub replies: usize,
    /// Errno of the ACK or error (0: success), if one came.
    pub errno: Option<i32>,
    /// The extack message, if any.
    pub extack: Option<String>,
    /// The dump ended (`NLMSG_DONE`).
    pub done: bool,
    /// The first reply's payload (after the genl header), for decoding.
    pub first_reply: Option<(u8, Vec<u8>)>,
    /// A local failure (socket, send), not the kernel's answer.
    pub local: Option<String>,
}

/// The sockets of one program run.
pub struct Executor {
    socks: Vec<Option<OwnedFd>>,
    /// Sockets with state a next program must not inherit (a group
    /// joined, another namespace, a dump left open, other flags).
    dirty: Vec<bool>,
    seq: u32,
    buf: Vec<u8>,
    /// The original network namespace, to come back to after [`Action::Netns`].
    home_ns: Option<OwnedFd>,
}

fn errno() -> io::Error {
    io::Error::last_os_error()
}

fn open_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the fd is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            NETLINK_GENERIC,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: fd is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    for opt in [NETLINK_EXT_ACK, NETLINK_CAP_ACK] {
        let one: i32 = 1;
        // SAFETY: setsockopt with a valid int.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                SOL_NETLINK,
                opt,
                (&one as *const i32).cast(),
                4,
            )
        };
    }
    // A socket buffer big enough that notifications do not overflow it at
    // once.
    let size: i32 = 1 << 20;
    // SAFETY: as above.
    unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const i32).cast(),
            4,
        )
    };
    Ok(fd)
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// No sockets yet.
    pub fn new() -> Executor {
        let home_ns = std::fs::File::open("/proc/self/ns/net")
            .ok()
            .map(OwnedFd::from);
        Executor {
            socks: (0..SOCKETS).map(|_| None).collect(),
            dirty: vec![false; usize::from(SOCKETS)],
            seq: 1,
            buf: vec![0; 1 << 16],
            home_ns,
        }
    }

    /// Closes every socket (the end of a program).
    pub fn close_all(&mut self) {
        for s in &mut self.socks {
            *s = None;
        }
        self.dirty.fill(false);
    }

    fn sock(&mut self, i: u8) -> io::Result<i32> {
        let slot = &mut self.socks[usize::from(i)];
        if slot.is_none() {
            *slot = Some(open_socket()?);
        }
        Ok(slot.as_ref().unwrap().as_raw_fd())
    }

    /// Runs `p`; one outcome per call. Sockets with state are closed at
    /// the end; the others, drained, serve the next program (opening a
    /// netlink socket costs more than most requests).
    pub fn run(&mut self, fam: &SpecFamily, t: &Target, p: &Program) -> Vec<Outcome> {
        let out = p.calls.iter().map(|c| self.call(fam, t, c)).collect();
        self.end_program();
        out
    }

    fn end_program(&mut self) {
        for i in 0..self.socks.len() {
            let Some(fd) = self.socks[i].as_ref().map(|s| s.as_raw_fd()) else {
                continue;
            };
            // SAFETY: a non-blocking recv into our buffer.
            let pending = unsafe {
                libc::recv(
                    fd,
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    libc::MSG_DONTWAIT,
                )
            } >= 0;
            if pending || self.dirty[i] {
                self.socks[i] = None;
                self.dirty[i] = false;
            }
        }
    }

    fn call(&mut self, fam: &SpecFamily, t: &Target, c: &Call) -> Outcome {
        let mut o = Outcome::default();
        let i = usize::from(c.sock);
        self.dirty[i] |= c.flags.is_some()
            || matches!(
                c.action,
                Action::Subscribe(_)
                    | Action::Netns
                    | Action::Dump {
                        read: Read::Count(_),
                        ..
                    }
                    | Action::Recv(_)
            );
        let r = match &c.action {
            Action::Do { op } => self.request(fam, t, c, *op, false, Read::All, &mut o),
            Action::Dump { op, read } => self.request(fam, t, c, *op, true, *read, &mut o),
            Action::Recv(read) => self.sock(c.sock).map(|fd| {
                self.receive(fd, *read, None, &mut o, IDLE_WAIT);
            }),
            Action::Subscribe(g) => match t.groups.iter().find(|x| &x.0 == g) {
                None => Err(io::Error::other(format!("no group {g:?}"))),
                Some(&(_, id)) => self.sock(c.sock).and_then(|fd| {
                    // SAFETY: setsockopt with a valid u32.
                    let r = unsafe {
                        libc::setsockopt(
                            fd,
                            SOL_NETLINK,
                            NETLINK_ADD_MEMBERSHIP,
                            (&id as *const u32).cast(),
                            4,
                        )
                    };
                    if r < 0 {
                        Err(errno())
                    } else {
                        Ok(())
                    }
                }),
            },
            Action::Netns => self.reopen_in_new_netns(c.sock),
            Action::CloseAll => {
                self.close_all();
                Ok(())
            }
        };
        if let Err(e) = r {
            o.local = Some(e.to_string());
        }
        o
    }

    fn reopen_in_new_netns(&mut self, i: u8) -> io::Result<()> {
        let home = self
            .home_ns
            .as_ref()
            .ok_or_else(|| io::Error::other("no /proc/self/ns/net"))?
            .as_raw_fd();
        // SAFETY: unshare/setns on this thread only; we return to `home`.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
            return Err(errno());
        }
        let s = open_socket();
        // SAFETY: as above.
        let back = unsafe { libc::setns(home, libc::CLONE_NEWNET) };
        if back < 0 {
            return Err(io::Error::other(format!(
                "cannot return to the first network namespace: {}",
                errno()
            )));
        }
        self.socks[usize::from(i)] = Some(s?);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &mut self,
        fam: &SpecFamily,
        t: &Target,
        c: &Call,
        op: usize,
        dump: bool,
        read: Read,
        o: &mut Outcome,
    ) -> io::Result<()> {
        let fd = self.sock(c.sock)?;
        let o_ = &fam.ops[op];
        let cmd = c.cmd.unwrap_or(o_.req_value.unwrap_or(0) as u8);
        let hdr = fam.struct_size(o_.fixed_header.as_deref());
        let hdr = (hdr + 3) & !3;
        let flags = c.flags.unwrap_or(if dump {
            NLM_F_REQUEST | NLM_F_DUMP
        } else {
            NLM_F_REQUEST | NLM_F_ACK
        });
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let len = 16 + 4 + hdr + c.attrs.len();
        let mut m = Vec::with_capacity(len);
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&t.id.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&[cmd, c.version.unwrap_or(t.version), 0, 0]);
        m.resize(m.len() + hdr, 0);
        m.extend_from_slice(&c.attrs);
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: sendto with a valid buffer and address.
        let r = unsafe {
            libc::sendto(
                fd,
                m.as_ptr().cast(),
                m.len(),
                0,
                (&sa as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r < 0 {
            return Err(errno());
        }
        // An answer is due for a dump, or when an ACK was asked for (an
        // error comes regardless, right away).
        let due = flags & (NLM_F_ACK | NLM_F_DUMP) != 0;
        self.receive(
            fd,
            read,
            Some(seq),
            o,
            if due { REPLY_WAIT } else { IDLE_WAIT },
        );
        Ok(())
    }

    /// Reads datagrams: to the end of the answer to `seq` (ACK, error or
    /// done), `read` many, or until nothing comes within `wait`.
    fn receive(&mut self, fd: i32, read: Read, seq: Option<u32>, o: &mut Outcome, wait: Duration) {
        let start = Instant::now();
        let mut n = 0u32;
        loop {
            if let Read::Count(max) = read {
                if n >= max {
                    return;
                }
            }
            // A module that never ends its dump (a broken one: a list
            // walked in a circle) must not hold the fuzzer: a call reads
            // for at most REPLY_WAIT, and at most MAX_DATAGRAMS.
            if n >= MAX_DATAGRAMS || start.elapsed() >= REPLY_WAIT.max(wait) {
                o.local = Some(format!(
                    "still answering after {n} datagrams in {:.1} s: stopped reading",
                    start.elapsed().as_secs_f64()
                ));
                return;
            }
            // SAFETY: recv into our buffer. The kernel usually answered
            // inside sendmsg already: try first, poll only when nothing is
            // there (a syscall less per message, which counts under TCG).
            let mut got = unsafe {
                libc::recv(
                    fd,
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if got < 0 && errno().raw_os_error() == Some(libc::EAGAIN) {
                let left = wait.saturating_sub(start.elapsed());
                if left.is_zero() {
                    return;
                }
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: poll on one valid pollfd.
                let r = unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as i32) };
                if r <= 0 {
                    return;
                }
                // SAFETY: as above.
                got = unsafe {
                    libc::recv(
                        fd,
                        self.buf.as_mut_ptr().cast(),
                        self.buf.len(),
                        libc::MSG_DONTWAIT,
                    )
                };
            }
            if got < 0 {
                let e = errno();
                if e.raw_os_error() == Some(libc::ENOBUFS) {
                    o.local = Some("the socket overflowed (ENOBUFS)".into());
                    continue;
                }
                return;
            }
            n += 1;
            let dgram = self.buf[..got as usize].to_vec();
            if absorb(&dgram, seq, o) {
                return;
            }
        }
    }
}

/// Takes in one datagram's messages; true when the answer to `seq` ended.
fn absorb(d: &[u8], seq: Option<u32>, o: &mut Outcome) -> bool {
    let mut off = 0;
    let mut ended = false;
    while off + 16 <= d.len() {
        let len = u32::from_ne_bytes(d[off..off + 4].try_into().unwrap()) as usize;
        if len < 16 || off + len > d.len() {
            break;
        }
        let ty = u16::from_ne_bytes([d[off + 4], d[off + 5]]);
        let flags = u16::from_ne_bytes([d[off + 6], d[off + 7]]);
        let mseq = u32::from_ne_bytes(d[off + 8..off + 12].try_into().unwrap());
        let body = &d[off + 16..off + len];
        let ours = seq.is_none_or(|s| s == mseq);
        match ty {
            NLMSG_ERROR if body.len() >= 4 => {
                let e = i32::from_ne_bytes(body[..4].try_into().unwrap());
                if ours {
                    o.errno = Some(-e);
                    o.extack = extack_msg(body, flags);
                    ended = true;
                }
            }
            NLMSG_DONE => {
                if ours {
                    o.done = true;
                    if body.len() >= 4 {
                        let e = i32::from_ne_bytes(body[..4].try_into().unwrap());
                        o.errno = Some(-e);
                    }
                    o.extack = extack_msg_done(body, flags);
                    ended = true;
                }
            }
            _ => {
                o.replies += 1;
                if o.first_reply.is_none() && body.len() >= 4 {
                    o.first_reply = Some((body[0], body[4..].to_vec()));
                }
            }
        }
        off += (len + 3) & !3;
    }
    ended
}

/// The extack message of an `NLMSG_ERROR` body (genl-core's parser).
fn extack_msg(body: &[u8], flags: u16) -> Option<String> {
    ErrorView::parse(flags, body)
        .ok()?
        .ext_ack
        .msg
        .map(str::to_owned)
}

/// The extack message of an `NLMSG_DONE` body (errno, then the TLVs).
fn extack_msg_done(body: &[u8], flags: u16) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }
    ExtAck::decode_at(body.get(4..)?, 4)
        .ok()?
        .msg
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use genl_core::message::NLM_F_CAPPED;

    #[test]
    fn acks_errors_and_dump_ends_are_read_from_the_bytes() {
        // An error for seq 7 with extack "bad" (capped), built by hand as
        // the kernel lays it out (netlink_ack).
        let mut d = Vec::new();
        let mut tlv = Vec::new();
        // NLMSGERR_ATTR_MSG (1)
        super::super::generate::put_attr(&mut tlv, 1, b"bad\0");
        let len = 16 + 4 + 16 + tlv.len();
        d.extend_from_slice(&(len as u32).to_ne_bytes());
        d.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        d.extend_from_slice(&(NLM_F_CAPPED | NLM_F_ACK_TLVS).to_ne_bytes());
        d.extend_from_slice(&7u32.to_ne_bytes());
        d.extend_from_slice(&0u32.to_ne_bytes());
        d.extend_from_slice(&(-22i32).to_ne_bytes());
        d.extend_from_slice(&[0u8; 16]);
        d.extend_from_slice(&tlv);
        let mut o = Outcome::default();
        assert!(!absorb(&d, Some(8), &mut o), "another request's answer");
        assert!(absorb(&d, Some(7), &mut o));
        assert_eq!(o.errno, Some(22));
        assert_eq!(o.extack.as_deref(), Some("bad"));
    }
}

/// Against the host kernel's nlctrl: what the executor reads back is what
/// the kernel answers (its family table, its errno for an unknown command).
#[cfg(test)]
mod host_kernel {
    use super::*;

    #[test]
    fn nlctrl_answers_a_program_of_do_dump_and_unknown_command() {
        let fam = SpecFamily::parse(include_str!("../../specs/nlctrl.yaml")).unwrap();
        let t = Target::resolve("nlctrl", 1).unwrap();
        assert_eq!(t.id, 0x10, "nlctrl's id is GENL_ID_CTRL");
        let v = serde_json::json!({"calls": [
            {"do": "getfamily", "attrs": {"family-name": "nlctrl"}},
            {"dump": "getfamily"},
            {"do": "getfamily", "attrs": {"family-name": "nlctrl"}, "cmd": 200},
            {"do": "getfamily", "attrs": {"family-name": "no-such-family"}, "sock": 1},
        ]});
        let p = super::super::program::Program::from_json(&fam, &v).unwrap();
        let out = Executor::new().run(&fam, &t, &p);
        assert_eq!((out[0].replies, out[0].errno), (1, Some(0)), "{:?}", out[0]);
        // Every host kernel here has nlctrl, ethtool, netdev, …
        assert!(out[1].replies >= 3 && out[1].done, "{:?}", out[1]);
        assert_eq!(out[2].errno, Some(libc::EOPNOTSUPP), "{:?}", out[2]);
        assert_eq!(out[3].errno, Some(libc::ENOENT), "{:?}", out[3]);
        let t = crate::fuzz::transcript::render(&fam, &p, &out);
        assert!(
            t[0].contains(r#"do getfamily {"family-name": "nlctrl"}"#),
            "{}",
            t[0]
        );
        assert!(t[2].contains("sent as command 200"), "{}", t[2]);
    }
}
