//! `genl trace` live, inside the VM: an nlmon device (Debian's `nlmon.ko`,
//! shipped in the initramfs) in a network namespace of the test's own,
//! capturing a session against the `genl_demo` module — family lookup,
//! echo, kv set and get, a dump, errors with extended ACKs (a message and
//! offset; a missing attribute), a multicast event — while the session runs
//! on a thread in that namespace.
//!
//! Checked here: what `genl trace` printed live equals the client's own
//! requests and the answers the client received (values the client has
//! from its connection, not from the trace); the capture written with
//! `--write` reads back (`genl trace --read`) into the same lines; the
//! nlmon device is gone afterwards. The capture is then printed to the
//! console as base64 between `GENL-TRACE-PCAP-BEGIN` and `-END` lines, for
//! the host to decode with tshark and the generated dissector
//! (`xtask/src/trace_check.rs`), and `genl trace --read`'s text as
//! `TRACE>` lines.
//!
//! `#[ignore]`d on the host; run by `cargo xtask vm test` (6.1 and 6.12:
//! the debug kernel has no nlmon).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use genl::demo::{demo_cmd, Echo, KvEntry, KvKey, KvMeta, KvOp, KvState};
use genl_core::message::AttrBuf;
use genl_core::{AttrWriter, Connection, Error, Subscription};
use serde_json::Value;

const SPEC: &str = include_str!("../kmod-c/genl_demo.yaml");
const NETNS: &str = "genl-trace";

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

/// The `genl` tool packed into the guest (`/tests/NN-genl`).
fn genl_tool() -> PathBuf {
    std::fs::read_dir("/tests")
        .expect("/tests: the guest's programs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("-genl"))
        })
        .expect("the genl tool among the guest's programs")
}

fn c(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).unwrap()
}

/// A named network namespace (`/run/netns/NAME`, as `ip netns add`
/// makes one): a thread unshares, its namespace is bind-mounted there.
/// Returns the thread's handle; it runs `f` inside once told to go.
fn named_netns<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> (mpsc::Sender<()>, std::thread::JoinHandle<T>) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        // SAFETY: affects only this thread.
        let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "unshare: {}", std::io::Error::last_os_error());
        std::fs::create_dir_all("/run/netns").unwrap();
        let target = format!("/run/netns/{NETNS}");
        std::fs::write(&target, b"").unwrap();
        // SAFETY: gettid.
        let tid = unsafe { libc::gettid() };
        let src = format!("/proc/self/task/{tid}/ns/net");
        // SAFETY: a bind mount of this thread's namespace file.
        let r = unsafe {
            libc::mount(
                c(&src).as_ptr(),
                c(&target).as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "mount --bind: {}", std::io::Error::last_os_error());
        ready_tx.send(()).unwrap();
        go_rx.recv().unwrap();
        f()
    });
    ready_rx.recv().unwrap();
    (go_tx, h)
}

fn drop_named_netns() {
    let target = format!("/run/netns/{NETNS}");
    // SAFETY: unmounting the bind mount made above.
    unsafe { libc::umount2(c(&target).as_ptr(), libc::MNT_DETACH) };
    let _ = std::fs::remove_file(&target);
}

/// What the session knows from its own connection.
struct Session {
    port: u32,
    cookie: u64,
    enoent: genl_core::KernelError,
    too_long: genl_core::KernelError,
    missing: genl_core::KernelError,
    dumped: Vec<String>,
    event_key: String,
    nlmon_after: Option<u32>,
}

fn kernel_error(r: Result<impl std::fmt::Debug, Error>) -> genl_core::KernelError {
    match r {
        Err(Error::Kernel(k)) => *k,
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

fn raw_attrs(f: impl FnOnce(&mut AttrWriter<'_>)) -> AttrBuf {
    let mut v = Vec::new();
    f(&mut AttrWriter::new(&mut v));
    AttrBuf(v)
}

fn session() -> Session {
    let mut sub = Subscription::new("genl_demo", "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(10)));
    let mut conn = Connection::new().unwrap();
    let port = conn.port_id();
    let cookie = 0x1122_3344_5566_7788;
    let req = Echo {
        msg: "hello nlmon",
        cookie: Some(cookie),
    };
    let reply: Echo<'_> = conn.query(demo_cmd::Echo, &req).unwrap();
    assert_eq!(reply, req);
    conn.request(
        demo_cmd::KvSet,
        &KvEntry {
            key: "greeting",
            value: Some(b"hello"),
            meta: Some(KvMeta {
                state: Some(KvState::Stale),
                port: Some(8080),
            }),
        },
    )
    .unwrap();
    let got: KvEntry<'_> = conn
        .query(demo_cmd::KvGet, &KvKey { key: "greeting" })
        .unwrap();
    assert_eq!(got.value, Some(&b"hello"[..]));
    conn.request(
        demo_cmd::KvSet,
        &KvEntry {
            key: "second",
            value: Some(b"world"),
            meta: None,
        },
    )
    .unwrap();
    let mut dumped = Vec::new();
    let mut dump = conn.dump(demo_cmd::KvGet, &()).unwrap();
    while let Some(e) = dump.next().unwrap() {
        dumped.push(e.key.to_owned());
    }
    drop(dump);
    let enoent = kernel_error(
        conn.query(demo_cmd::KvGet, &KvKey { key: "nope" })
            .map(|e: KvEntry<'_>| e.key.to_owned()),
    );
    let long = "k".repeat(65);
    let too_long = kernel_error(conn.request_unchecked(
        demo_cmd::KvSet,
        &raw_attrs(|w| w.put_str(1, &long).unwrap()),
    ));
    let missing = kernel_error(conn.request_unchecked(
        demo_cmd::KvSet,
        &raw_attrs(|w| w.put(2, b"value without key").unwrap()),
    ));
    let ev = sub.next_event().unwrap();
    let e = ev.event(demo_cmd::KvEvent).expect("a KV_EVENT").unwrap();
    assert_eq!(e.op, KvOp::Set);
    let event_key = e.key.to_owned();
    Session {
        port,
        cookie,
        enoent,
        too_long,
        missing,
        dumped,
        event_key,
        nlmon_after: None,
    }
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in data.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= ch.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn lines_json(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Messages of `dir` and command `cmd`.
fn find<'a>(msgs: &'a [Value], dir: &str, kind: &str, cmd: &str) -> Vec<&'a Value> {
    msgs.iter()
        .filter(|m| m["dir"] == dir && m["kind"] == kind && m["cmd"] == cmd)
        .collect()
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn live_nlmon_capture_of_a_genl_demo_session() {
    in_vm();
    let genl = genl_tool();
    let dir = Path::new("/tmp/genl-trace");
    std::fs::create_dir_all(dir).unwrap();
    let spec = dir.join("genl_demo.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let pcap = dir.join("demo.pcap");
    // Debian ships nlmon as a module (the kernel would also load it on
    // demand, through the rtnl-link-nlmon alias).
    let mp = Command::new("modprobe").arg("nlmon").output();
    println!("TRACE! modprobe nlmon: {mp:?}");

    let (go, session) = named_netns(|| {
        let mut s = session();
        // SAFETY: a NUL-terminated name; in this thread's namespace.
        let idx = unsafe { libc::if_nametoindex(c("genlmon-test").as_ptr()) };
        s.nlmon_after = Some(idx);
        s
    });
    let mut trace = Command::new(&genl)
        .args(["trace", "--netns", NETNS, "--device", "genlmon-test"])
        .arg("--write")
        .arg(&pcap)
        .arg("--spec")
        .arg(&spec)
        .args(["--no-uapi", "--json", "--family", "genl_demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running genl trace");
    let mut err = BufReader::new(trace.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    println!("TRACE! {}", first.trim_end());
    assert!(
        first.contains("capturing on genlmon-test in netns genl-trace"),
        "genl trace did not start: {first}"
    );
    go.send(()).unwrap();
    let s = session.join().expect("the session");
    // Still capturing, so the device is still there.
    assert_ne!(
        s.nlmon_after,
        Some(0),
        "the nlmon device during the capture"
    );
    // SAFETY: a signal to our child.
    assert_eq!(unsafe { libc::kill(trace.id() as i32, libc::SIGTERM) }, 0);
    let mut out = String::new();
    trace
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    for l in rest.lines() {
        println!("TRACE! {l}");
    }
    let status = trace.wait().unwrap();
    assert!(
        status.success(),
        "genl trace after SIGTERM: {status}\n{rest}"
    );
    // The device is gone.
    let gone = std::thread::spawn(|| {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(format!("/run/netns/{NETNS}")).unwrap();
        // SAFETY: setns on this thread.
        assert_eq!(unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) }, 0);
        // SAFETY: a NUL-terminated name.
        unsafe { libc::if_nametoindex(c("genlmon-test").as_ptr()) }
    })
    .join()
    .unwrap();
    assert_eq!(gone, 0, "the nlmon device is removed");
    drop_named_netns();

    // The capture first, for the host's check even when a check here fails.
    let bytes = std::fs::read(&pcap).unwrap();
    let kernel = std::env::var("GENL_VM_KERNEL").unwrap_or_default();
    println!("GENL-TRACE-PCAP-BEGIN {kernel} {}", bytes.len());
    let b64 = base64(&bytes);
    for chunk in b64.as_bytes().chunks(76) {
        println!("GENL-TRACE-PCAP: {}", std::str::from_utf8(chunk).unwrap());
    }
    println!("GENL-TRACE-PCAP-END");
    let text = Command::new(&genl)
        .args(["trace", "--read"])
        .arg(&pcap)
        .arg("--spec")
        .arg(&spec)
        .args(["--no-uapi", "--family", "genl_demo"])
        .output()
        .unwrap();
    for l in String::from_utf8_lossy(&text.stdout).lines() {
        println!("TRACE> {l}");
    }
    let live = lines_json(&out);
    check_session(&live, &s);

    // The file reads back into the same messages.
    let read = Command::new(&genl)
        .args(["trace", "--read"])
        .arg(&pcap)
        .arg("--spec")
        .arg(&spec)
        .args(["--no-uapi", "--json", "--family", "genl_demo"])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let from_file = lines_json(&String::from_utf8(read.stdout).unwrap());
    assert_eq!(from_file, live, "--read of the --write file");
}

/// The live lines against what the session sent and received.
fn check_session(msgs: &[Value], s: &Session) {
    assert!(!msgs.is_empty(), "genl trace printed nothing");
    for m in msgs {
        assert_eq!(m["family"], "genl_demo", "{m}");
        assert!(m.get("decode_error").is_none(), "{m}");
    }
    // Echo: request and reply carry what the client sent.
    for dir in ["to-kernel", "to-user"] {
        let e = find(msgs, dir, "message", "echo");
        assert_eq!(e.len(), 1, "echo {dir}: {msgs:?}");
        assert_eq!(e[0]["attrs"]["msg"], "hello nlmon");
        assert_eq!(e[0]["attrs"]["cookie"], s.cookie);
    }
    let reply = find(msgs, "to-user", "message", "echo")[0];
    assert_eq!(reply["port"], s.port, "replies go to the session's port");
    // kv-set requests: the two entries, then the two rejected ones.
    let sets = find(msgs, "to-kernel", "message", "kv-set");
    assert_eq!(sets.len(), 4, "{sets:?}");
    assert_eq!(sets[0]["attrs"]["key"], "greeting");
    assert_eq!(sets[0]["attrs"]["value"], "68656c6c6f"); // b"hello"
    assert_eq!(sets[0]["attrs"]["meta"]["state"], "stale");
    assert_eq!(sets[0]["attrs"]["meta"]["port"], 8080);
    assert_eq!(sets[1]["attrs"]["key"], "second");
    // kv-get reply of greeting, and the dump's entries in its order.
    let gets = find(msgs, "to-user", "message", "kv-get");
    assert_eq!(gets[0]["attrs"]["key"], "greeting");
    let dumped: Vec<&str> = gets[1..]
        .iter()
        .map(|m| m["attrs"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(dumped, s.dumped);
    assert!(msgs
        .iter()
        .any(|m| m["kind"] == "done" && m["cmd"] == "kv-get"));
    // Errors: errno and extended ACK as the connection got them.
    let errors: Vec<&Value> = msgs.iter().filter(|m| m["kind"] == "error").collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (m, (k, cmd)) in errors.iter().zip([
        (&s.enoent, "kv-get"),
        (&s.too_long, "kv-set"),
        (&s.missing, "kv-set"),
    ]) {
        assert_eq!(m["cmd"], cmd, "{m}");
        assert_eq!(m["error"]["errno"], k.errno, "{m}");
        assert_eq!(m["error"]["msg"].as_str(), k.message.as_deref(), "{m}");
        assert_eq!(
            m["error"]["offset"].as_u64(),
            k.offset.map(u64::from),
            "{m}"
        );
        assert_eq!(
            m["error"]["miss_type"].as_u64(),
            k.missing_type.map(u64::from),
            "{m}"
        );
    }
    assert_eq!(s.enoent.errno, libc::ENOENT);
    assert!(s.missing.missing_type.is_some());
    assert!(s.too_long.offset.is_some());
    // ACKs of the two sets that succeeded.
    assert!(
        msgs.iter()
            .filter(|m| m["kind"] == "ack" && m["cmd"] == "kv-set")
            .count()
            >= 2
    );
    // The multicast event, as the subscriber received it.
    let ev = find(msgs, "to-user", "message", "kv-event");
    assert!(!ev.is_empty(), "{msgs:?}");
    assert_eq!(ev[0]["attrs"]["key"], s.event_key.as_str());
    assert_eq!(ev[0]["attrs"]["op"], "set");
}
