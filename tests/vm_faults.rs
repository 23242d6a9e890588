//! Systematic fault injection, the way syzkaller does it, against both
//! modules inside the `6.12-debug` VM kernel (`cargo xtask vm test`; the
//! kernel is built with failslab, fail_page_alloc and KASAN, kmemleak,
//! lockdep, UBSAN: see `genl_cli::vm::debug_kernel`).
//!
//! For each command of `genl_demo` (and each request of the classic
//! `netlink_test`), run `n = 1, 2, …`: write `n` to
//! `/proc/thread-self/fail-nth`, so that the n-th allocation this thread
//! makes in the kernel fails, send the request and read the whole answer,
//! then read the file back (0: the fault was injected) and disarm it. The
//! sweep ends with the first run in which no fault was injected: that run
//! must succeed. Every run must end in an error reply, an error of the
//! socket call (`ENOMEM` from `sendmsg`, `ENOBUFS` when a reply was
//! dropped) or a complete answer (when the failed allocation had a
//! fallback); a run that gets nothing within [`ANSWER_TIMEOUT`] is counted
//! and reported as a timeout (bounded, never a hang). An ACK without the
//! reply it should follow fails the sweep (a reply lost silently). Where a change is notified, a listener must see the event or
//! `ENOBUFS`, never silence, and the store must hold the change exactly when
//! it was acknowledged. After each sweep the module must still answer.
//!
//! Oopses, KASAN/UBSAN/lockdep reports and leaks (kmemleak after `rmmod`)
//! are the harness's to catch. Each command prints a `FAULTS` line (the
//! distinct failure points reached and the outcomes), which the VM summary
//! repeats.
//!
//! The kernels without fault injection (Debian's) fail this suite loudly:
//! genl.toml runs it on `6.12-debug` only.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use genl::demo::{Deferred, Echo, KvEntry, KvKey, KvMeta, KvState};
use genl_core::message::build_message;
use genl_core::{Connection, Family, GenlHeader};

const NETLINK_GENERIC: i32 = 16;
const NETLINK_TEST: i32 = 25;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
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

    /// Disarms; whether the fault was injected (the counter reached 0).
    fn disarm(&self) -> bool {
        let mut buf = [0u8; 16];
        let len = self.0.read_at(&mut buf, 0).unwrap();
        let left: u32 = std::str::from_utf8(&buf[..len])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        self.0.write_at(b"0", 0).unwrap();
        left == 0
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
                buf: vec![0; 256 * 1024],
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

    /// Sends one complete message (its header's seq is set here) to the
    /// kernel; the errno of `sendto` on failure.
    fn send(&mut self, mut msg: Vec<u8>) -> Result<u32, i32> {
        self.seq += 1;
        msg[8..12].copy_from_slice(&self.seq.to_ne_bytes());
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
        Ok(self.seq)
    }

    /// The messages of the next datagram.
    fn recv(&mut self) -> Result<Vec<Msg>, RecvError> {
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
        let d = &self.buf[..n as usize];
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
    /// The whole answer: replies (data messages) and the ACK or DONE.
    Answered,
    /// An NLMSG_ERROR (or a DONE) with this errno.
    ErrorReply(i32),
    /// `sendto` failed with this errno.
    SendFailed(i32),
    /// `recv` failed with this errno (ENOBUFS: a reply was dropped).
    RecvFailed(i32),
    /// Nothing (more) within ANSWER_TIMEOUT: the answer was dropped.
    Timeout,
    /// A datagram that is not netlink messages (fails the sweep).
    Malformed(String),
}

impl Outcome {
    fn label(&self) -> String {
        let name = |e: i32| match e {
            libc::ENOMEM => "ENOMEM".to_owned(),
            libc::ENOBUFS => "ENOBUFS".to_owned(),
            libc::EINVAL => "EINVAL".to_owned(),
            libc::EMSGSIZE => "EMSGSIZE".to_owned(),
            e => format!("errno {e}"),
        };
        match self {
            Outcome::Answered => "answered (the failed allocation had a fallback)".into(),
            Outcome::ErrorReply(e) => format!("error reply {}", name(*e)),
            Outcome::SendFailed(e) => format!("sendmsg {}", name(*e)),
            Outcome::RecvFailed(e) => format!("recv {}", name(*e)),
            Outcome::Timeout => "no answer (timeout)".into(),
            Outcome::Malformed(m) => format!("MALFORMED datagram {m}"),
        }
    }
}

/// What a complete answer looks like.
#[derive(Clone, Copy)]
enum Answer {
    /// `replies` data messages, then the ACK.
    Acked { replies: usize },
    /// Data messages (`NLM_F_MULTI`) until NLMSG_DONE, at least `min`.
    Dump { min: usize },
    /// The ACK and, in any order, one reply of this type sent later.
    AckThenLater { reply_type: u16 },
}

/// Sends `msg` on `sock` and reads its whole answer.
fn exchange(sock: &mut Sock, msg: Vec<u8>, answer: Answer) -> Outcome {
    let seq = match sock.send(msg) {
        Ok(s) => s,
        Err(e) => return Outcome::SendFailed(e),
    };
    let (mut data, mut acked, mut later) = (0usize, false, false);
    loop {
        let msgs = match sock.recv() {
            Ok(m) => m,
            Err(RecvError::Timeout) => return Outcome::Timeout,
            Err(RecvError::Errno(e)) => return Outcome::RecvFailed(e),
            Err(RecvError::Malformed(m)) => return Outcome::Malformed(m),
        };
        for m in msgs {
            if m.seq != seq {
                continue;
            }
            match (m.ty, answer) {
                (NLMSG_ERROR, _) if m.code() != 0 => return Outcome::ErrorReply(m.code()),
                (NLMSG_ERROR, Answer::Acked { replies }) => {
                    assert_eq!(data, replies, "replies before the ACK");
                    return Outcome::Answered;
                }
                (NLMSG_ERROR, Answer::AckThenLater { .. }) => acked = true,
                (NLMSG_ERROR, Answer::Dump { .. }) => panic!("an ACK ended a dump"),
                (NLMSG_DONE, Answer::Dump { min }) => {
                    if m.code() != 0 {
                        return Outcome::ErrorReply(m.code());
                    }
                    assert!(data >= min, "dump of {data} entries, {min} expected");
                    return Outcome::Answered;
                }
                (t, Answer::AckThenLater { reply_type }) if t == reply_type => later = true,
                (_, Answer::Dump { .. }) => {
                    assert!(m.flags & NLM_F_MULTI != 0, "dump part without NLM_F_MULTI");
                    data += 1;
                }
                _ => data += 1,
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
    Event,
    Lost,
    Nothing,
    /// A datagram that is not netlink messages (fails the sweep).
    Malformed(String),
}

fn listen(sock: &mut Sock) -> Heard {
    let mut heard = Heard::Nothing;
    loop {
        match sock.recv() {
            Ok(msgs) if !msgs.is_empty() => heard = Heard::Event,
            Ok(_) => {}
            Err(RecvError::Errno(libc::ENOBUFS)) => return Heard::Lost,
            Err(RecvError::Timeout) => return heard,
            Err(RecvError::Malformed(m)) => return Heard::Malformed(m),
            Err(e) => panic!("listener: {e:?}"),
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
    /// Datagrams that were not netlink messages.
    malformed: Vec<String>,
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
/// (outside the fault window), the request, the answer it gets, and a
/// check after each run (given its outcome and what the listener heard).
struct Case<'a> {
    module: &'static str,
    command: &'static str,
    protocol: i32,
    /// A multicast group to listen on during each run.
    listen_group: Option<u32>,
    prepare: &'a mut dyn FnMut(),
    request: &'a mut dyn FnMut() -> Vec<u8>,
    answer: Answer,
    check: &'a mut dyn FnMut(&Outcome, Option<&Heard>),
}

fn sweep(case: Case<'_>) -> Sweep {
    let fail_nth = FailNth::open();
    let mut s = Sweep {
        module: case.module,
        command: case.command,
        injected: BTreeMap::new(),
        heard: BTreeMap::new(),
        malformed: Vec::new(),
    };
    let started = Instant::now();
    for n in 1..=MAX_RUNS {
        (case.prepare)();
        let mut sock = Sock::new(case.protocol, ANSWER_TIMEOUT);
        let mut listener = case.listen_group.map(|g| {
            let l = Sock::new(case.protocol, EVENT_WAIT);
            l.join(g);
            l
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
        fail_nth.arm(n);
        let outcome = exchange(&mut sock, msg, case.answer);
        let injected = fail_nth.disarm();
        if trace {
            write_debugfs("/sys/kernel/debug/failslab/verbose", "0");
            write_debugfs("/sys/kernel/debug/fail_page_alloc/verbose", "0");
        }
        let heard = listener.as_mut().map(listen);
        if let Outcome::Malformed(m) = &outcome {
            s.malformed
                .push(format!("run {n} (fault injected: {injected}): reply {m}"));
        }
        if let Some(Heard::Malformed(m)) = &heard {
            s.malformed.push(format!(
                "run {n} (fault injected: {injected}, reply {}): event {m}",
                outcome.label()
            ));
        }
        if !s.malformed.is_empty() {
            // Stop here: the rest of the sweep says nothing more.
            s.print();
            panic!(
                "{} {}: malformed datagrams: {}",
                case.module,
                case.command,
                s.malformed.join("; ")
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
                Heard::Malformed(_) => "malformed",
            };
            *s.heard.entry(h.to_owned()).or_default() += 1;
        }
        // A complete answer despite the fault is fine: the allocation had a
        // fallback (netlink_trim keeps the untrimmed skb, kmemleak and
        // debug objects fall back to their pools, ...). An answer that lost
        // a part would have failed in `exchange` or in the check.
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

fn del(key: &str) {
    let mut conn = Connection::new().unwrap();
    let _ = conn.request(genl::demo::demo_cmd::KvDel, &KvKey { key });
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

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn genl_demo_every_command_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    let (family, events) = demo_family();
    let mut sweeps = Vec::new();
    let cmd = |c: genl::demo::DemoCmd| c.cmd();
    use genl::demo::DemoCmd as C;

    // ECHO, with a cookie (the pad attribute path).
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "ECHO",
        protocol: NETLINK_GENERIC,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::Echo),
                NLM_F_REQUEST | NLM_F_ACK,
                &Echo {
                    msg: "fault",
                    cookie: Some(7),
                },
            )
        },
        answer: Answer::Acked { replies: 1 },
        check: &mut no_check,
    }));
    still_answers();

    // KV_SET of a new key with a value and metadata, a listener on `events`:
    // the entry exists exactly when the set was acknowledged, and the
    // listener hears of every acknowledged change (or of its loss).
    let value = vec![0x5a; 512];
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (new key, listener)",
        protocol: NETLINK_GENERIC,
        listen_group: Some(events),
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
        answer: Answer::Acked { replies: 0 },
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
                // The change may or may not have happened.
                Outcome::RecvFailed(_) | Outcome::Timeout | Outcome::Malformed(_) => {}
            }
        },
    }));
    // KV_SET replacing an existing entry's value.
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (replace)",
        protocol: NETLINK_GENERIC,
        listen_group: None,
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
        answer: Answer::Acked { replies: 0 },
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
                Outcome::RecvFailed(_) | Outcome::Timeout | Outcome::Malformed(_) => {}
            }
        },
    }));
    still_answers();

    // KV_GET of one entry.
    set("fi-get", b"value");
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (do)",
        protocol: NETLINK_GENERIC,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvGet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-get" },
            )
        },
        answer: Answer::Acked { replies: 1 },
        check: &mut no_check,
    }));
    still_answers();

    // A KV_GET dump spanning several messages (48 entries of 1 KiB).
    let big = vec![0xa5; 1024];
    for i in 0..48 {
        set(&format!("fi-dump-{i:02}"), &big);
    }
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (dump, 48 entries)",
        protocol: NETLINK_GENERIC,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || genl_request(family, cmd(C::KvGet), NLM_F_REQUEST | NLM_F_DUMP, &()),
        answer: Answer::Dump { min: 48 },
        check: &mut no_check,
    }));
    for i in 0..48 {
        del(&format!("fi-dump-{i:02}"));
    }
    still_answers();

    // KV_DEL, a listener on `events`.
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_DEL (listener)",
        protocol: NETLINK_GENERIC,
        listen_group: Some(events),
        prepare: &mut || set("fi-del", b"x"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvDel),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-del" },
            )
        },
        answer: Answer::Acked { replies: 0 },
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
                Outcome::RecvFailed(_) | Outcome::Timeout | Outcome::Malformed(_) => {}
            }
        },
    }));
    still_answers();

    // DEFERRED: the ACK now, the reply from the workqueue (outside this
    // thread, so its allocations are not swept).
    let deferred_type = family;
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "DEFERRED",
        protocol: NETLINK_GENERIC,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::Deferred),
                NLM_F_REQUEST | NLM_F_ACK,
                &Deferred {
                    id: 9,
                    delay_ms: Some(0),
                },
            )
        },
        answer: Answer::AckThenLater {
            reply_type: deferred_type,
        },
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

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn netlink_test_every_request_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    let mut sweeps = Vec::new();
    let payload = vec![0x42u8; 200];
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "ECHO",
        protocol: NETLINK_TEST,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked { replies: 1 },
        check: &mut no_check,
    }));
    let mut deferred = Vec::new();
    deferred.extend_from_slice(&7u32.to_ne_bytes());
    deferred.extend_from_slice(&0u32.to_ne_bytes());
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "DEFERRED",
        protocol: NETLINK_TEST,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_DEFERRED, NLM_F_REQUEST | NLM_F_ACK, &deferred),
        answer: Answer::AckThenLater {
            reply_type: NLTEST_MSG_DEFERRED,
        },
        check: &mut no_check,
    }));
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "MCAST (listener)",
        protocol: NETLINK_TEST,
        listen_group: Some(NLTEST_GRP_EVENTS),
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked { replies: 0 },
        check: &mut |o, heard| {
            if *o == Outcome::Answered {
                assert_ne!(
                    heard,
                    Some(&Heard::Nothing),
                    "acknowledged multicast, nothing heard"
                );
            }
        },
    }));
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "INFO",
        protocol: NETLINK_TEST,
        listen_group: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_INFO, NLM_F_REQUEST | NLM_F_ACK, &[]),
        answer: Answer::Acked { replies: 1 },
        check: &mut no_check,
    }));
    // Still answering, and no deferred reply left pending.
    let mut sock = Sock::new(NETLINK_TEST, ANSWER_TIMEOUT);
    assert_eq!(
        exchange(
            &mut sock,
            classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, b"after"),
            Answer::Acked { replies: 1 }
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
    assert!(f.disarm(), "fail-nth injected no fault");
    assert!(r.is_err(), "the injected fault did not fail open()");
}
