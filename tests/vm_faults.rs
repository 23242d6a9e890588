//! Systematic fault injection, the way syzkaller does it, against both
//! modules inside the `6.12-debug` VM kernel (`cargo xtask vm test`; the
//! kernel is built with failslab, fail_page_alloc and KASAN, kmemleak,
//! lockdep, UBSAN: see `genl_cli::vm::debug_kernel`).
//!
//! For each command of `genl_demo` (and each request of the classic
//! `netlink_test`), run `n = 1, 2, …`: write `n` to
//! `/proc/thread-self/fail-nth`, so that the n-th allocation this thread
//! makes in the kernel fails, send the request and read the whole answer.
//! The file is armed only while the `sendto` and `recv` calls run (read
//! back after each, re-armed with what is left before the next: see
//! [`Window`]), so that the program's own page faults between them never
//! take a fault point. The sweep ends with the first run in which no fault
//! was injected: that run must succeed.
//!
//! Every run must end in one of these, and nothing else:
//! - the whole answer: the expected replies (type, command and content
//!   checked), a dump's entries each exactly once, then the ACK or
//!   `NLMSG_DONE` (when the failed allocation had a fallback);
//! - an error reply with an errno the command's code paths can return when
//!   an allocation fails ([`Errnos`], derived from the module and from Linux
//!   6.12's `net/netlink/genetlink.c` and `af_netlink.c`);
//! - `sendmsg` failing with `ENOBUFS` (`netlink_sendmsg`: the request's skb
//!   could not be allocated);
//! - `recv` failing with `ENOBUFS` (`netlink_ack` could not allocate the
//!   ACK, or a dump's next skb could not be allocated: `sk_err`).
//!
//! A run that hears nothing within [`ANSWER_TIMEOUT`] fails the sweep: a
//! module that drops its reply and ACK silently when an allocation fails is
//! a bug. So does any other errno, a wrong or extra message, and a
//! duplicated or missing dump entry. Where a change is notified, a listener
//! must see exactly the expected event or `ENOBUFS`, never silence, and the
//! store must hold the change exactly when it was acknowledged. After each
//! sweep the module must still answer.
//!
//! Oopses, KASAN/UBSAN/lockdep reports and leaks (kmemleak after `rmmod`)
//! are the harness's to catch. Each command prints a `FAULTS` line (the
//! distinct failure points reached and the outcomes), which the VM summary
//! repeats.
//!
//! The kernels without fault injection (Debian's) fail this suite loudly:
//! genl.toml runs it on `6.12-debug` only.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use genl::demo::{Deferred, Echo, KvEntry, KvEvent, KvKey, KvMeta, KvOp, KvState};
use genl_core::message::build_message;
use genl_core::{Connection, Decode, Family, GenlHeader};

const NETLINK_GENERIC: i32 = 16;
const NETLINK_TEST: i32 = 25;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_DUMP_INTR: u16 = 0x10;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLTEST_MSG_ECHO: u16 = 0x10;
const NLTEST_MSG_DEFERRED: u16 = 0x11;
const NLTEST_MSG_MCAST: u16 = 0x12;
const NLTEST_MSG_INFO: u16 = 0x13;
const NLTEST_GRP_EVENTS: u32 = 1;
/// How long one run may wait for its answer (a dropped reply ends this
/// way); generous for KASAN under emulation.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a listener is given to see an event.
const EVENT_WAIT: Duration = Duration::from_millis(500);
/// No sweep may go on past this many runs.
const MAX_RUNS: u32 = 400;
/// Fewer failure points than this means injection is not reaching the
/// request (e.g. GFP_KERNEL allocations still ignored).
const MIN_POINTS: usize = 5;

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

fn write_debugfs(path: &str, value: &str) {
    std::fs::write(path, value).unwrap_or_else(|e| {
        panic!(
            "{path}: {e}: this kernel has no fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS, \
             CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC): run this suite on the 6.12-debug kernel"
        )
    })
}

/// Makes failslab and fail_page_alloc fail any allocation the task's
/// fail-nth counter picks (GFP_KERNEL ones included, order 0 included),
/// silently (a stack trace per injected fault would fill the log).
fn configure_fault_injection() {
    for (file, value) in [
        ("failslab/ignore-gfp-wait", "N"),
        ("failslab/verbose", "0"),
        ("fail_page_alloc/ignore-gfp-wait", "N"),
        ("fail_page_alloc/ignore-gfp-highmem", "N"),
        ("fail_page_alloc/min-order", "0"),
        ("fail_page_alloc/verbose", "0"),
    ] {
        write_debugfs(&format!("/sys/kernel/debug/{file}"), value);
    }
}

/// The calling thread's `/proc/thread-self/fail-nth`, kept open so that
/// arming and reading it allocate nothing in the window.
struct FailNth(File);

impl FailNth {
    fn open() -> FailNth {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .unwrap_or_else(|e| {
                panic!(
                    "/proc/thread-self/fail-nth: {e}: this kernel has no fault injection \
                     (CONFIG_FAULT_INJECTION): run this suite on the 6.12-debug kernel"
                )
            });
        FailNth(f)
    }

    /// The n-th fault point this thread passes from now fails.
    fn arm(&self, n: u32) {
        self.0.write_at(n.to_string().as_bytes(), 0).unwrap();
    }

    /// Disarms; the fault points that were still to pass before the armed
    /// one (0: the fault was injected).
    fn disarm(&self) -> u32 {
        let mut buf = [0u8; 16];
        let len = self.0.read_at(&mut buf, 0).unwrap();
        let left: u32 = std::str::from_utf8(&buf[..len])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        self.0.write_at(b"0", 0).unwrap();
        left
    }
}

/// The fault window of one run: armed only while a system call of the
/// exchange runs, and re-armed with what is left between them, so that
/// the n-th fault point is the n-th of the kernel's work for the request,
/// never a page fault of this program's own processing in between (whose
/// failed page allocation the kernel reports as "VM_FAULT_OOM leaked out").
struct Window<'a> {
    fail: Option<&'a FailNth>,
    left: u32,
}

impl<'a> Window<'a> {
    /// The `n`-th fault point of the exchange's system calls fails.
    fn new(fail: &'a FailNth, n: u32) -> Window<'a> {
        Window {
            fail: Some(fail),
            left: n,
        }
    }

    /// No fault.
    fn none() -> Window<'static> {
        Window {
            fail: None,
            left: 0,
        }
    }

    /// Whether the fault was injected.
    fn injected(&self) -> bool {
        self.fail.is_some() && self.left == 0
    }

    /// Runs `call` (one system call) armed, unless the fault was injected.
    fn during<T>(&mut self, call: impl FnOnce() -> T) -> T {
        match self.fail {
            Some(f) if self.left > 0 => {
                f.arm(self.left);
                let r = call();
                self.left = f.disarm();
                r
            }
            _ => call(),
        }
    }
}

/// A netlink socket through libc, so that the fault window holds exactly
/// the `sendto` and `recv` calls of the exchange.
struct Sock {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

/// One message: type, flags, seq, payload (after the 16-byte header).
struct Msg {
    ty: u16,
    flags: u16,
    seq: u32,
    payload: Vec<u8>,
}

impl Msg {
    /// The errno of an NLMSG_ERROR or NLMSG_DONE (0: ACK or clean end).
    fn code(&self) -> i32 {
        self.payload
            .get(..4)
            .map_or(0, |b| -i32::from_ne_bytes(b.try_into().unwrap()))
    }
}

#[derive(Debug)]
enum RecvError {
    Timeout,
    Errno(i32),
    /// A datagram that is not a sequence of netlink messages.
    Malformed(String),
}

impl Sock {
    fn new(protocol: i32, timeout: Duration) -> Sock {
        // SAFETY: plain socket calls on a descriptor this function owns;
        // the option values are the types and sizes passed.
        unsafe {
            let fd = libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            );
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let fd = OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as u16;
            let r = libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            );
            assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
            let tv = libc::timeval {
                tv_sec: timeout.as_secs() as libc::time_t,
                tv_usec: timeout.subsec_micros() as libc::suseconds_t,
            };
            let r = libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as u32,
            );
            assert_eq!(r, 0, "SO_RCVTIMEO: {}", std::io::Error::last_os_error());
            Sock {
                fd,
                seq: 1,
                // Not zeroes: written, so that every page is there before
                // a fault window (recv would page-fault on a fresh one).
                buf: vec![0x5a; 256 * 1024],
            }
        }
    }

    fn join(&self, group: u32) {
        // SAFETY: setsockopt with a u32 value of the size passed.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_NETLINK,
                libc::NETLINK_ADD_MEMBERSHIP,
                (&group as *const u32).cast(),
                4,
            )
        };
        assert_eq!(
            r,
            0,
            "join group {group}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Gives `msg` (one complete message) the next sequence number.
    fn stamp(&mut self, msg: &mut [u8]) -> u32 {
        self.seq += 1;
        msg[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        self.seq
    }

    /// Sends `msg` to the kernel; the errno of `sendto` on failure.
    fn send(&self, msg: &[u8]) -> Result<(), i32> {
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: the buffer and address are valid for the sizes passed.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error().raw_os_error().unwrap());
        }
        assert_eq!(n as usize, msg.len(), "short send");
        Ok(())
    }

    /// The messages of the next datagram.
    fn recv(&mut self) -> Result<Vec<Msg>, RecvError> {
        let n = self.recv_raw()?;
        self.parse(n)
    }

    /// Receives the next datagram into the buffer (the system call alone);
    /// its length.
    fn recv_raw(&mut self) -> Result<usize, RecvError> {
        // SAFETY: the buffer is valid for its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                self.buf.as_mut_ptr().cast(),
                self.buf.len(),
                0,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap();
            return Err(if e == libc::EAGAIN {
                RecvError::Timeout
            } else {
                RecvError::Errno(e)
            });
        }
        Ok(n as usize)
    }

    /// The messages of the datagram of `n` bytes in the buffer.
    fn parse(&self, n: usize) -> Result<Vec<Msg>, RecvError> {
        let d = &self.buf[..n];
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 16 <= d.len() {
            let len = u32::from_ne_bytes(d[pos..pos + 4].try_into().unwrap()) as usize;
            if len < 16 || pos + len > d.len() {
                return Err(RecvError::Malformed(format!(
                    "at {pos} (nlmsg_len {len}) of {} bytes: {:02x?}",
                    d.len(),
                    &d[..d.len().min(64)]
                )));
            }
            out.push(Msg {
                ty: u16::from_ne_bytes([d[pos + 4], d[pos + 5]]),
                flags: u16::from_ne_bytes([d[pos + 6], d[pos + 7]]),
                seq: u32::from_ne_bytes(d[pos + 8..pos + 12].try_into().unwrap()),
                payload: d[pos + 16..pos + len].to_vec(),
            });
            pos += (len + 3) & !3;
        }
        Ok(out)
    }
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The whole answer: the expected replies and the ACK or DONE.
    Answered,
    /// An NLMSG_ERROR with this errno.
    ErrorReply(i32),
    /// An NLMSG_DONE ending a dump with this errno.
    DoneError(i32),
    /// `sendto` failed with this errno.
    SendFailed(i32),
    /// `recv` failed with this errno (ENOBUFS: a reply was dropped).
    RecvFailed(i32),
    /// Nothing (more) within ANSWER_TIMEOUT: the answer, or its rest, was
    /// dropped; what had arrived.
    Timeout(String),
    /// A datagram that is not netlink messages.
    Malformed(String),
    /// A message that is not (or not now) part of the expected answer: a
    /// wrong type, command or content, a duplicate, an extra reply.
    Wrong(String),
}

impl Outcome {
    fn label(&self) -> String {
        match self {
            Outcome::Answered => "answered (the failed allocation had a fallback)".into(),
            Outcome::ErrorReply(e) => format!("error reply {}", errno_name(*e)),
            Outcome::DoneError(e) => format!("dump DONE with {}", errno_name(*e)),
            Outcome::SendFailed(e) => format!("sendmsg {}", errno_name(*e)),
            Outcome::RecvFailed(e) => format!("recv {}", errno_name(*e)),
            Outcome::Timeout(_) => "no answer (timeout)".into(),
            Outcome::Malformed(m) => format!("MALFORMED datagram {m}"),
            Outcome::Wrong(m) => format!("WRONG answer: {m}"),
        }
    }
}

fn errno_name(e: i32) -> String {
    match e {
        libc::ENOMEM => "ENOMEM".to_owned(),
        libc::ENOBUFS => "ENOBUFS".to_owned(),
        libc::EINVAL => "EINVAL".to_owned(),
        libc::EMSGSIZE => "EMSGSIZE".to_owned(),
        e => format!("errno {e}"),
    }
}

/// The errnos a run may end with when an allocation fails, per call.
/// Derived from the code paths of Linux 6.12 and the modules:
#[derive(Clone, Copy)]
struct Errnos {
    /// In an error reply (NLMSG_ERROR): what the command's handler and the
    /// core before it return when an allocation fails.
    reply: &'static [i32],
}

/// `sendmsg`: `netlink_sendmsg` returns `-ENOBUFS` when
/// `netlink_alloc_large_skb` fails; nothing else on its path allocates
/// (no control messages, the socket is bound).
const SEND_ERRNOS: &[i32] = &[libc::ENOBUFS];
/// `recv`: `sk_err`, which `netlink_ack` sets to `ENOBUFS` when it cannot
/// allocate the ACK (or error reply), and `netlink_recvmsg` to the error of
/// `netlink_dump` (`-ENOBUFS` when the next skb of a dump cannot be
/// allocated).
const RECV_ERRNOS: &[i32] = &[libc::ENOBUFS];
/// A generic netlink `do`: `genl_family_rcv_msg_attrs_parse` returns
/// `-ENOMEM` when the attribute table cannot be allocated; the handlers of
/// both modules return `-ENOMEM` for each allocation of theirs (the reply
/// skb, `kmemdup`, `kzalloc`, `xa_alloc_cyclic`); a failed notification is
/// the listeners' `ENOBUFS`, not the request's error.
const DO_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM],
};
/// A generic netlink dump: `genl_start` returns `-ENOMEM` when
/// `genl_dumpit_info_alloc` fails, `__netlink_dump_start` the `-ENOBUFS`
/// of the first `netlink_dump` (its skb). The dumpit allocates nothing:
/// its NLMSG_DONE always carries 0.
const DUMP_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM, libc::ENOBUFS],
};
/// netlink_test's requests: `nltest_build` (the reply or event skb) and
/// the deferred reply's `kzalloc` return `-ENOMEM`; `netlink_rcv_skb`
/// allocates nothing itself.
const CLASSIC_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM],
};

/// Whether a run's outcome is one the kernel may give when an allocation
/// fails (see the module docs); the reason when not.
fn allowed(o: &Outcome, errnos: Errnos) -> Result<(), String> {
    let check = |what: &str, e: i32, list: &[i32]| {
        if list.contains(&e) {
            Ok(())
        } else {
            Err(format!(
                "{what} {} is none of {:?}, the errnos its code path can return when an \
                 allocation fails",
                errno_name(e),
                list.iter().map(|e| errno_name(*e)).collect::<Vec<_>>()
            ))
        }
    };
    match o {
        Outcome::Answered => Ok(()),
        Outcome::ErrorReply(e) => check("error reply", *e, errnos.reply),
        Outcome::SendFailed(e) => check("sendmsg", *e, SEND_ERRNOS),
        Outcome::RecvFailed(e) => check("recv", *e, RECV_ERRNOS),
        Outcome::DoneError(e) => Err(format!(
            "a dump ended with {}: the dumpit allocates nothing",
            errno_name(*e)
        )),
        Outcome::Timeout(had) => Err(format!(
            "nothing more within {ANSWER_TIMEOUT:?} after {had}: the rest of the answer \
             (reply, ACK or error) dropped in silence"
        )),
        Outcome::Malformed(m) => Err(format!("malformed datagram: {m}")),
        Outcome::Wrong(m) => Err(format!("wrong answer: {m}")),
    }
}

/// A message an answer must hold: its netlink type and a check of the
/// whole message.
#[derive(Clone, Copy)]
struct Reply<'a> {
    ty: u16,
    check: &'a dyn Fn(&Msg) -> Result<(), String>,
}

impl Reply<'_> {
    fn matches(&self, m: &Msg) -> Result<(), String> {
        if m.ty != self.ty {
            return Err(format!("message type {} (expected {})", m.ty, self.ty));
        }
        (self.check)(m)
    }
}

/// What a complete answer looks like.
#[derive(Clone, Copy)]
enum Answer<'a> {
    /// These replies, in order, then the ACK.
    Acked { replies: &'a [Reply<'a>] },
    /// Messages (`NLM_F_MULTI`) each of which `entry` checks and names,
    /// until NLMSG_DONE: exactly the `entries`, each once.
    Dump {
        ty: u16,
        entry: &'a dyn Fn(&Msg) -> Result<String, String>,
        entries: &'a BTreeSet<String>,
    },
    /// The ACK and, in any order, `reply` sent later (each exactly once).
    AckThenLater { reply: Reply<'a> },
}

/// How long one run may take in all, whatever arrives.
const RUN_DEADLINE: Duration = Duration::from_secs(10);

/// Sends `msg` on `sock` and reads its whole answer, each system call in
/// the fault window `w`.
fn exchange(sock: &mut Sock, mut msg: Vec<u8>, answer: Answer<'_>, w: &mut Window<'_>) -> Outcome {
    let seq = sock.stamp(&mut msg);
    if let Err(e) = w.during(|| sock.send(&msg)) {
        return Outcome::SendFailed(e);
    }
    let started = Instant::now();
    let (mut data, mut acked, mut later) = (0usize, false, false);
    let mut seen = BTreeSet::new();
    loop {
        if started.elapsed() > RUN_DEADLINE {
            return Outcome::Wrong(format!(
                "still receiving after {RUN_DEADLINE:?} ({data} messages)"
            ));
        }
        let msgs = match w.during(|| sock.recv_raw()).and_then(|n| sock.parse(n)) {
            Ok(m) => m,
            Err(RecvError::Timeout) => {
                return Outcome::Timeout(match answer {
                    _ if data == 0 && !acked && !later => "nothing".to_owned(),
                    Answer::Acked { replies } => format!("{data} of {} replies", replies.len()),
                    Answer::Dump { entries, .. } => {
                        format!("{data} of {} dump entries", entries.len())
                    }
                    Answer::AckThenLater { .. } if acked => "the ACK".to_owned(),
                    Answer::AckThenLater { .. } => "the reply, not the ACK".to_owned(),
                })
            }
            Err(RecvError::Errno(e)) => return Outcome::RecvFailed(e),
            Err(RecvError::Malformed(m)) => return Outcome::Malformed(m),
        };
        let n = msgs.len();
        for (i, m) in msgs.into_iter().enumerate() {
            let last = i + 1 == n;
            if m.seq != seq {
                return Outcome::Wrong(format!(
                    "a message of type {} with seq {} (the request's: {seq})",
                    m.ty, m.seq
                ));
            }
            match (m.ty, answer) {
                (NLMSG_ERROR, _) if m.code() != 0 => {
                    return if last {
                        Outcome::ErrorReply(m.code())
                    } else {
                        Outcome::Wrong("messages after the error reply".into())
                    }
                }
                (NLMSG_ERROR, Answer::Acked { replies }) => {
                    return if data != replies.len() {
                        Outcome::Wrong(format!(
                            "ACK after {data} of {} replies (a reply lost silently)",
                            replies.len()
                        ))
                    } else if !last {
                        Outcome::Wrong("messages after the ACK".into())
                    } else {
                        Outcome::Answered
                    };
                }
                (NLMSG_ERROR, Answer::AckThenLater { .. }) if acked => {
                    return Outcome::Wrong("a second ACK".into())
                }
                (NLMSG_ERROR, Answer::AckThenLater { .. }) => acked = true,
                (NLMSG_ERROR, Answer::Dump { .. }) => {
                    return Outcome::Wrong("an ACK ended a dump".into())
                }
                (NLMSG_DONE, Answer::Dump { entries, .. }) => {
                    if m.code() != 0 {
                        return Outcome::DoneError(m.code());
                    }
                    if !last {
                        return Outcome::Wrong("messages after NLMSG_DONE".into());
                    }
                    let missing: Vec<_> = entries.difference(&seen).collect();
                    return if missing.is_empty() {
                        Outcome::Answered
                    } else {
                        Outcome::Wrong(format!(
                            "the dump ended without {} of its {} entries: {missing:?}",
                            missing.len(),
                            entries.len()
                        ))
                    };
                }
                (_, Answer::Dump { ty, entry, entries }) => {
                    if m.ty != ty {
                        return Outcome::Wrong(format!("dump message of type {}", m.ty));
                    }
                    if m.flags & NLM_F_MULTI == 0 {
                        return Outcome::Wrong("dump part without NLM_F_MULTI".into());
                    }
                    if m.flags & NLM_F_DUMP_INTR != 0 {
                        return Outcome::Wrong("NLM_F_DUMP_INTR, nothing changed".into());
                    }
                    let key = match entry(&m) {
                        Ok(k) => k,
                        Err(e) => return Outcome::Wrong(format!("dump entry {data}: {e}")),
                    };
                    if !entries.contains(&key) {
                        return Outcome::Wrong(format!("dump entry {key:?}, not in the store"));
                    }
                    if !seen.insert(key.clone()) {
                        return Outcome::Wrong(format!("dump entry {key:?} twice"));
                    }
                    data += 1;
                }
                (_, Answer::AckThenLater { reply }) => {
                    if later {
                        return Outcome::Wrong("a second reply".into());
                    }
                    if let Err(e) = reply.matches(&m) {
                        return Outcome::Wrong(format!("the later reply: {e}"));
                    }
                    later = true;
                }
                (_, Answer::Acked { replies }) => {
                    let Some(r) = replies.get(data) else {
                        return Outcome::Wrong(format!("reply {} of {}", data + 1, replies.len()));
                    };
                    if let Err(e) = r.matches(&m) {
                        return Outcome::Wrong(format!("reply {}: {e}", data + 1));
                    }
                    data += 1;
                }
            }
        }
        if acked && later {
            return Outcome::Answered;
        }
    }
}

/// What a listener saw after a run.
#[derive(Debug, PartialEq, Eq)]
enum Heard {
    /// The expected event, once.
    Event,
    /// ENOBUFS: the event could not be delivered.
    Lost,
    Nothing,
    /// A datagram that is not netlink messages (fails the sweep).
    Malformed(String),
    /// Another message than the expected event, or the event twice (fails
    /// the sweep).
    Wrong(String),
}

/// Reads what `sock` hears until it has been quiet for EVENT_WAIT (at most
/// RUN_DEADLINE); each message must be `event`.
fn listen(sock: &mut Sock, event: Reply<'_>) -> Heard {
    let mut heard = Heard::Nothing;
    let started = Instant::now();
    loop {
        if started.elapsed() > RUN_DEADLINE {
            return Heard::Wrong(format!("still hearing after {RUN_DEADLINE:?}"));
        }
        match sock.recv() {
            Ok(msgs) => {
                for m in msgs {
                    if let Err(e) = event.matches(&m) {
                        return Heard::Wrong(format!("not the event: {e}"));
                    }
                    if heard == Heard::Event {
                        return Heard::Wrong("the event twice".into());
                    }
                    heard = Heard::Event;
                }
            }
            Err(RecvError::Errno(libc::ENOBUFS)) => return Heard::Lost,
            Err(RecvError::Timeout) => return heard,
            Err(RecvError::Malformed(m)) => return Heard::Malformed(m),
            Err(RecvError::Errno(e)) => {
                return Heard::Wrong(format!("listener recv: {}", errno_name(e)))
            }
        }
    }
}

/// One command's sweep.
struct Sweep {
    module: &'static str,
    command: &'static str,
    /// Outcome of each run that injected a fault, by fault point.
    injected: BTreeMap<u32, Outcome>,
    /// Events heard by the listener after faulty runs, where there is one.
    heard: BTreeMap<String, u64>,
}

impl Sweep {
    fn print(&self) {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for o in self.injected.values() {
            *counts.entry(o.label()).or_default() += 1;
        }
        let outcomes: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let heard: Vec<String> = self
            .heard
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!(
            "FAULTS {} {}: {} failure points; {}{}",
            self.module,
            self.command,
            self.injected.len(),
            outcomes.join(", "),
            if heard.is_empty() {
                String::new()
            } else {
                format!("; listener: {}", heard.join(", "))
            }
        );
    }
}

/// A command to sweep: its socket protocol, what to do before each run
/// (outside the fault window), the request, the answer it gets, the errnos
/// it may fail with, and a check after each run (given its outcome and what
/// the listener heard).
struct Case<'a> {
    module: &'static str,
    command: &'static str,
    protocol: i32,
    /// A multicast group to listen on during each run, and the event the
    /// request sends there.
    listen: Option<(u32, Reply<'a>)>,
    prepare: &'a mut dyn FnMut(),
    request: &'a mut dyn FnMut() -> Vec<u8>,
    answer: Answer<'a>,
    errnos: Errnos,
    check: &'a mut dyn FnMut(&Outcome, Option<&Heard>),
}

fn sweep(case: Case<'_>) -> Sweep {
    let fail_nth = FailNth::open();
    let mut s = Sweep {
        module: case.module,
        command: case.command,
        injected: BTreeMap::new(),
        heard: BTreeMap::new(),
    };
    let mut violations = Vec::new();
    let started = Instant::now();
    for n in 1..=MAX_RUNS {
        (case.prepare)();
        let mut sock = Sock::new(case.protocol, ANSWER_TIMEOUT);
        let mut listener = case.listen.map(|(g, event)| {
            let l = Sock::new(case.protocol, EVENT_WAIT);
            l.join(g);
            (l, event)
        });
        let msg = (case.request)();
        // Debugging aid: GENL_VM_FAULTS_TRACE=<a>-<b> logs the stacks of
        // faults a to b of every sweep (the kernel log then fails the run).
        let trace = std::env::var("GENL_VM_FAULTS_TRACE").is_ok_and(|v| {
            let (a, b) = v.split_once('-').unwrap_or((&v, &v));
            (a.parse().unwrap_or(0)..=b.parse().unwrap_or(0)).contains(&n)
        });
        if trace {
            println!("FAULTS trace: run {n}");
            write_debugfs("/sys/kernel/debug/failslab/verbose", "2");
            write_debugfs("/sys/kernel/debug/fail_page_alloc/verbose", "2");
        }
        let mut window = Window::new(&fail_nth, n);
        let outcome = exchange(&mut sock, msg, case.answer, &mut window);
        let injected = window.injected();
        if trace {
            write_debugfs("/sys/kernel/debug/failslab/verbose", "0");
            write_debugfs("/sys/kernel/debug/fail_page_alloc/verbose", "0");
        }
        let heard = listener.as_mut().map(|(l, event)| listen(l, *event));
        let run = format!("run {n} (fault injected: {injected}, {})", outcome.label());
        if let Err(e) = allowed(&outcome, case.errnos) {
            violations.push(format!("{run}: {e}"));
        }
        match &heard {
            Some(Heard::Malformed(m)) => violations.push(format!("{run}: event {m}")),
            Some(Heard::Wrong(m)) => violations.push(format!("{run}: listener: {m}")),
            _ => {}
        }
        if matches!(outcome, Outcome::Malformed(_) | Outcome::Wrong(_))
            || matches!(heard, Some(Heard::Malformed(_) | Heard::Wrong(_)))
        {
            // Stop here: the rest of the sweep says nothing more.
            s.print();
            panic!(
                "{} {}: {}",
                case.module,
                case.command,
                violations.join("; ")
            );
        }
        (case.check)(&outcome, heard.as_ref());
        if !injected {
            assert_eq!(
                outcome,
                Outcome::Answered,
                "{} {}: the run without a fault (n = {n}) must succeed",
                case.module,
                case.command
            );
            println!(
                "FAULTS {} {}: sweep of {n} runs in {:.1} s",
                case.module,
                case.command,
                started.elapsed().as_secs_f64()
            );
            s.print();
            assert!(
                violations.is_empty(),
                "{} {}: {} of {n} runs ended in a way the kernel's code paths do not \
                 explain:\n{}",
                case.module,
                case.command,
                violations.len(),
                violations.join("\n")
            );
            assert!(
                s.injected.len() >= MIN_POINTS,
                "{} {}: only {} failure points reached",
                case.module,
                case.command,
                s.injected.len()
            );
            return s;
        }
        if let Some(h) = heard {
            let h = match h {
                Heard::Event => "event",
                Heard::Lost => "ENOBUFS",
                Heard::Nothing => "nothing",
                Heard::Malformed(_) | Heard::Wrong(_) => unreachable!("failed above"),
            };
            *s.heard.entry(h.to_owned()).or_default() += 1;
        }
        // A complete answer despite the fault is fine: the allocation had a
        // fallback (netlink_trim keeps the untrimmed skb, netlink_dump
        // retries with a smaller skb, kmemleak and debug objects fall back
        // to their pools, ...). An answer that lost a part is `Wrong`.
        s.injected.insert(n, outcome);
    }
    panic!(
        "{} {}: still injecting faults after {MAX_RUNS} runs",
        case.module, case.command
    );
}

fn genl_request<P: genl_core::Encode + ?Sized>(family: u16, cmd: u8, flags: u16, p: &P) -> Vec<u8> {
    let mut buf = Vec::new();
    build_message(
        &mut buf,
        family,
        flags,
        0,
        GenlHeader { cmd, version: 1 },
        p,
    )
    .unwrap();
    buf
}

fn demo_family() -> (u16, u32) {
    let mut conn = Connection::new().unwrap();
    let f = conn.resolve("genl_demo").expect("genl_demo is loaded");
    (f.id, f.group("events").expect("the events group"))
}

/// The value of `key` in the store (outside the fault window).
fn stored(key: &str) -> Option<Vec<u8>> {
    let mut conn = Connection::new().unwrap();
    match conn.query(genl::demo::demo_cmd::KvGet, &KvKey { key }) {
        Ok(e) => Some(e.value.unwrap_or_default().to_vec()),
        Err(genl_core::Error::Kernel(k)) if k.errno == libc::ENOENT => None,
        Err(e) => panic!("KV_GET {key}: {e}"),
    }
}

fn set(key: &str, value: &[u8]) {
    let mut conn = Connection::new().unwrap();
    conn.request(
        genl::demo::demo_cmd::KvSet,
        &KvEntry {
            key,
            value: Some(value),
            meta: None,
        },
    )
    .unwrap();
}

/// Deletes `key` if the store has it.
fn del(key: &str) {
    let mut conn = Connection::new().unwrap();
    match conn.request(genl::demo::demo_cmd::KvDel, &KvKey { key }) {
        Ok(()) => {}
        Err(genl_core::Error::Kernel(k)) if k.errno == libc::ENOENT => {}
        Err(e) => panic!("KV_DEL {key}: {e}"),
    }
}

fn still_answers() {
    let mut conn = Connection::new().unwrap();
    let e: Echo<'_> = conn
        .query(
            genl::demo::demo_cmd::Echo,
            &Echo {
                msg: "after the faults",
                cookie: None,
            },
        )
        .expect("genl_demo answers after the fault sweep");
    assert_eq!(e.msg, "after the faults");
}

fn no_check(_: &Outcome, _: Option<&Heard>) {}

fn report(sweeps: &[Sweep]) {
    println!();
    for s in sweeps {
        s.print();
    }
}

/// The attributes of a generic netlink message of command `cmd` (the
/// family's version, 1, in its header).
fn genl_attrs(m: &Msg, cmd: u8) -> Result<&[u8], String> {
    match m.payload.get(..4) {
        None => Err(format!(
            "{} bytes, no generic netlink header",
            m.payload.len()
        )),
        Some(h) if h[0] != cmd => Err(format!("command {} (expected {cmd})", h[0])),
        Some(h) if h[1] != 1 => Err(format!("version {} (expected 1)", h[1])),
        Some(_) => Ok(&m.payload[4..]),
    }
}

/// Decodes a generic netlink message of command `cmd` as `T` and compares
/// it with `want`.
fn genl_is<'m, T>(m: &'m Msg, cmd: u8, want: &T) -> Result<(), String>
where
    T: genl_core::Decode<'m> + PartialEq + std::fmt::Debug,
{
    let got = T::decode(genl_attrs(m, cmd)?).map_err(|e| format!("undecodable: {e}"))?;
    if got == *want {
        Ok(())
    } else {
        Err(format!("{got:?} (expected {want:?})"))
    }
}

/// Moves this thread into a network namespace of its own: genl_demo's
/// store is per namespace, so it starts empty, whatever the suites before
/// left in the initial one.
fn in_fresh_netns() {
    // SAFETY: unshare(2) changes only this thread's namespaces.
    let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "unshare: {}", std::io::Error::last_os_error());
}

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn genl_demo_every_command_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    in_fresh_netns();
    let (family, events) = demo_family();
    let mut sweeps = Vec::new();
    let cmd = |c: genl::demo::DemoCmd| c.cmd();
    use genl::demo::DemoCmd as C;

    // ECHO, with a cookie (the pad attribute path).
    let echo = Echo {
        msg: "fault",
        cookie: Some(7),
    };
    let echo_reply = |m: &Msg| genl_is(m, cmd(C::Echo), &echo);
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "ECHO",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || genl_request(family, cmd(C::Echo), NLM_F_REQUEST | NLM_F_ACK, &echo),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: family,
                check: &echo_reply,
            }],
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    still_answers();

    // KV_SET of a new key with a value and metadata, a listener on `events`:
    // the entry exists exactly when the set was acknowledged, and the
    // listener hears of every acknowledged change (or of its loss).
    let value = vec![0x5a; 512];
    let set_event = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvEvent),
            &KvEvent {
                op: KvOp::Set,
                key: "fi-set",
                value: Some(&value),
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (new key, listener)",
        protocol: NETLINK_GENERIC,
        listen: Some((
            events,
            Reply {
                ty: family,
                check: &set_event,
            },
        )),
        prepare: &mut || del("fi-set"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvSet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvEntry {
                    key: "fi-set",
                    value: Some(&value),
                    meta: Some(KvMeta {
                        state: Some(KvState::Active),
                        port: Some(8080),
                    }),
                },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, heard| {
            let now = stored("fi-set");
            match o {
                Outcome::Answered => {
                    assert_eq!(now.as_deref(), Some(&value[..]));
                    assert_ne!(heard, Some(&Heard::Nothing), "acknowledged set, no event");
                }
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert_eq!(now, None, "failed set left an entry");
                    assert_ne!(heard, Some(&Heard::Event), "failed set notified");
                }
                // The change may or may not have happened (the ACK was
                // lost); any other outcome has failed the sweep.
                _ => {}
            }
        },
    }));
    del("fi-set");
    // KV_SET replacing an existing entry's value.
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (replace)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || set("fi-replace", b"old"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvSet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvEntry {
                    key: "fi-replace",
                    value: Some(b"new"),
                    meta: None,
                },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, _| {
            let now = stored("fi-replace");
            match o {
                Outcome::Answered => assert_eq!(now.as_deref(), Some(&b"new"[..])),
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert_eq!(
                        now.as_deref(),
                        Some(&b"old"[..]),
                        "failed replace changed it"
                    )
                }
                _ => {}
            }
        },
    }));
    del("fi-replace");
    still_answers();

    // KV_GET of one entry.
    set("fi-get", b"value");
    let get_reply = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvGet),
            &KvEntry {
                key: "fi-get",
                value: Some(b"value"),
                meta: None,
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (do)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvGet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-get" },
            )
        },
        answer: Answer::Acked {
            replies: &[Reply {
                ty: family,
                check: &get_reply,
            }],
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    del("fi-get");
    still_answers();

    // A KV_GET dump spanning several messages (48 entries of 1 KiB): the
    // namespace's store holds exactly these, and the dump must return each
    // of them once.
    let big = vec![0xa5; 1024];
    let keys: BTreeSet<String> = (0..48).map(|i| format!("fi-dump-{i:02}")).collect();
    for k in &keys {
        set(k, &big);
    }
    let dump_entry = |m: &Msg| {
        let e = KvEntry::decode(genl_attrs(m, cmd(C::KvGet))?)
            .map_err(|e| format!("undecodable: {e}"))?;
        if e.value != Some(&big[..]) || e.meta.is_some() {
            return Err(format!("{:?}: not the entry stored", e.key));
        }
        Ok(e.key.to_owned())
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (dump, 48 entries)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || genl_request(family, cmd(C::KvGet), NLM_F_REQUEST | NLM_F_DUMP, &()),
        answer: Answer::Dump {
            ty: family,
            entry: &dump_entry,
            entries: &keys,
        },
        errnos: DUMP_ERRNOS,
        check: &mut no_check,
    }));
    for k in &keys {
        del(k);
    }
    still_answers();

    // KV_DEL, a listener on `events`.
    let del_event = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvEvent),
            &KvEvent {
                op: KvOp::Del,
                key: "fi-del",
                value: None,
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_DEL (listener)",
        protocol: NETLINK_GENERIC,
        listen: Some((
            events,
            Reply {
                ty: family,
                check: &del_event,
            },
        )),
        prepare: &mut || set("fi-del", b"x"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvDel),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-del" },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, heard| {
            let now = stored("fi-del");
            match o {
                Outcome::Answered => {
                    assert_eq!(now, None);
                    assert_ne!(
                        heard,
                        Some(&Heard::Nothing),
                        "acknowledged delete, no event"
                    );
                }
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert!(now.is_some(), "failed delete removed the entry");
                    assert_ne!(heard, Some(&Heard::Event), "failed delete notified");
                }
                _ => {}
            }
        },
    }));
    still_answers();

    // DEFERRED: the ACK now, the reply later from the workqueue (the module
    // builds it with the request, in this thread: its allocation is swept
    // and must end in an error reply).
    let deferred = Deferred {
        id: 9,
        delay_ms: Some(0),
    };
    let deferred_reply = |m: &Msg| genl_is(m, cmd(C::Deferred), &deferred);
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "DEFERRED",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::Deferred),
                NLM_F_REQUEST | NLM_F_ACK,
                &deferred,
            )
        },
        answer: Answer::AckThenLater {
            reply: Reply {
                ty: family,
                check: &deferred_reply,
            },
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    still_answers();
    wait_no_pending_deferred();
    report(&sweeps);
}

/// genl_demo's debugfs count of pending deferred replies comes back to 0.
fn wait_no_pending_deferred() {
    let path = "/sys/kernel/debug/genl_demo/pending";
    let t = Instant::now();
    loop {
        let v = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if v.trim() == "0" {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{path} stays at {}",
            v.trim()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn classic_request(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![0u8; 16];
    m[0..4].copy_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&ty.to_ne_bytes());
    m[6..8].copy_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(payload);
    m
}

/// A netlink_test message whose payload is `want`, byte for byte.
fn payload_is(m: &Msg, want: &[u8]) -> Result<(), String> {
    if m.payload == want {
        Ok(())
    } else {
        Err(format!(
            "payload of {} bytes {:02x?}… (expected {} bytes {:02x?}…)",
            m.payload.len(),
            &m.payload[..m.payload.len().min(16)],
            want.len(),
            &want[..want.len().min(16)]
        ))
    }
}

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn netlink_test_every_request_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    let mut sweeps = Vec::new();
    let payload = vec![0x42u8; 200];
    let echo_reply = |m: &Msg| payload_is(m, &payload);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "ECHO",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: NLTEST_MSG_ECHO,
                check: &echo_reply,
            }],
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    // struct nltest_deferred: id, delay_ms; the reply repeats it.
    let mut deferred = Vec::new();
    deferred.extend_from_slice(&7u32.to_ne_bytes());
    deferred.extend_from_slice(&0u32.to_ne_bytes());
    let deferred_reply = |m: &Msg| payload_is(m, &deferred);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "DEFERRED",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_DEFERRED, NLM_F_REQUEST | NLM_F_ACK, &deferred),
        answer: Answer::AckThenLater {
            reply: Reply {
                ty: NLTEST_MSG_DEFERRED,
                check: &deferred_reply,
            },
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    let mcast_event = |m: &Msg| payload_is(m, &payload);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "MCAST (listener)",
        protocol: NETLINK_TEST,
        listen: Some((
            NLTEST_GRP_EVENTS,
            Reply {
                ty: NLTEST_MSG_MCAST,
                check: &mcast_event,
            },
        )),
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked { replies: &[] },
        errnos: CLASSIC_ERRNOS,
        check: &mut |o, heard| match o {
            Outcome::Answered => assert_ne!(
                heard,
                Some(&Heard::Nothing),
                "acknowledged multicast, nothing heard"
            ),
            Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                assert_ne!(heard, Some(&Heard::Event), "failed multicast sent")
            }
            _ => {}
        },
    }));
    // struct nltest_info: netns_cookie (u64), requests, pending, protocol,
    // reserved (u32 each).
    let info_reply = |m: &Msg| {
        let p = &m.payload;
        let u32_at = |i: usize| u32::from_ne_bytes(p[i..i + 4].try_into().unwrap());
        if p.len() != 24 {
            return Err(format!("{} bytes, struct nltest_info has 24", p.len()));
        }
        if u32_at(16) != NETLINK_TEST as u32 || u32_at(20) != 0 || u32_at(8) == 0 {
            return Err(format!("not this module's info: {p:02x?}"));
        }
        Ok(())
    };
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "INFO",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_INFO, NLM_F_REQUEST | NLM_F_ACK, &[]),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: NLTEST_MSG_INFO,
                check: &info_reply,
            }],
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    // Still answering, and no deferred reply left pending.
    let mut sock = Sock::new(NETLINK_TEST, ANSWER_TIMEOUT);
    let after = |m: &Msg| payload_is(m, b"after");
    assert_eq!(
        exchange(
            &mut sock,
            classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, b"after"),
            Answer::Acked {
                replies: &[Reply {
                    ty: NLTEST_MSG_ECHO,
                    check: &after,
                }]
            },
            &mut Window::none(),
        ),
        Outcome::Answered
    );
    report(&sweeps);
}

/// Without fault injection this suite cannot run: it says so by failing.
#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn fault_injection_is_available() {
    in_vm();
    configure_fault_injection();
    let f = FailNth::open();
    // The next fault point (opening a file allocates) fails.
    f.arm(1);
    let r = File::open("/proc/self/status");
    assert_eq!(f.disarm(), 0, "fail-nth injected no fault");
    assert!(r.is_err(), "the injected fault did not fail open()");
}
