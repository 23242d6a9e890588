//! Hostile input, faults and load against the `genl_demo` module, inside the
//! VM (`cargo xtask vm test` runs this with `--include-ignored --nocapture`).
//! The harness fails the kernel on any oops/BUG/WARNING/refcount/leak line
//! in `dmesg` and on a failing `rmmod` at the end, so "no crash, clean
//! unload" is checked after these tests too.
//!
//! Figures are printed (`FUZZ`, `LOAD` lines) and land in the VM console log.
//! Sizes: `GENL_VM_FUZZ_MESSAGES` (default 100 000) malformed messages;
//! `GENL_VM_LOAD_REQUESTS` (default 100 000) requests per client × 8 clients.
//! On the sanitizer kernel (`GENL_VM_DEBUG=1`: KASAN and lockdep under
//! emulation make every request ≈ 20× slower) the load test's default is
//! 3 000 requests per client (≈ 30 s there) and the fuzzer's 25 000
//! messages (the first quarter of the same seeded sequence, ≈ 37 s there:
//! the full 100 000 took 149 s, the longest step of CI's debug-kernel run);
//! a `SCALED` line says so (the VM summary repeats it). 5.10 and the newest
//! kernel run both in full.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use genl::demo::{demo_cmd, DemoCmd, Echo, KvEntry, KvKey};
use genl_core::classic::ClassicConnection;
use genl_core::wire::nla_align;
use genl_core::{Connection, Error, Family, SharedConnection};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `name` from the environment, else `full`, or `debug` on the sanitizer
/// kernel (printed as a `SCALED` line).
fn size(name: &str, full: usize, debug: usize) -> usize {
    if std::env::var_os(name).is_none() && std::env::var_os("GENL_VM_DEBUG").is_some() {
        println!("SCALED {name} {full} -> {debug} (sanitizer kernel)");
        return debug;
    }
    env_usize(name, full)
}

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

/// xorshift64*: deterministic, seeded, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// Appends one possibly malformed attribute (maybe a nest of more).
fn attr(rng: &mut Rng, out: &mut Vec<u8>, depth: u32) {
    let id: u16 = if rng.chance(4) {
        rng.next() as u16
    } else {
        rng.below(6) as u16
    };
    let flags: u16 = match rng.below(8) {
        0 => 0x8000,
        1 => 0x4000,
        2 => 0xc000,
        _ => 0,
    };
    let start = out.len();
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(id | flags).to_ne_bytes());
    if depth < 100 && rng.chance(3) {
        // A nest, sometimes very deep.
        let children = if rng.chance(8) { 1 } else { rng.below(4) };
        for _ in 0..children {
            attr(rng, out, depth + 1);
        }
    } else {
        let len = match rng.below(10) {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 8,
            4 => rng.below(300) as usize,
            _ => 4,
        };
        for _ in 0..len {
            out.push(rng.next() as u8);
        }
    }
    let real = out.len() - start;
    let claimed: u16 = match rng.below(12) {
        0 => rng.below(4) as u16,                        // below the header size
        1 => (real + 1 + rng.below(64) as usize) as u16, // past the end
        2 => 0xffff,
        _ => real as u16,
    };
    out[start..start + 2].copy_from_slice(&claimed.to_ne_bytes());
    if !rng.chance(6) {
        out.resize(nla_align(out.len()), 0);
    }
}

/// One malformed (or occasionally valid-looking) generic netlink message.
fn message(rng: &mut Rng, family: u16, seq: u32) -> Vec<u8> {
    let mut m = vec![0u8; 16];
    let cmd = match rng.below(10) {
        0 => 0,
        1 => rng.next() as u8,
        _ => 1 + rng.below(6) as u8,
    };
    let version = if rng.chance(10) { rng.next() as u8 } else { 1 };
    let reserved: u16 = if rng.chance(20) { rng.next() as u16 } else { 0 };
    if !rng.chance(30) {
        m.push(cmd);
        m.push(version);
        m.extend_from_slice(&reserved.to_ne_bytes());
    }
    match rng.below(40) {
        0 => m.resize(m.len() + 60_000, 0xa5), // huge
        1 => {}                                // no attributes
        _ => {
            for _ in 0..rng.below(8) {
                attr(rng, &mut m, 0);
            }
        }
    }
    if rng.chance(25) && m.len() > 17 {
        let cut = 16 + rng.below((m.len() - 16) as u64) as usize;
        m.truncate(cut); // truncated body
    }
    let flags: u16 = [0x1, 0x5, 0x301, 0x305, 0x0, 0x1 | 0x200][rng.below(6) as usize];
    let len = if rng.chance(50) {
        rng.next() as u32 // lies about its length
    } else {
        m.len() as u32
    };
    m[0..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&family.to_ne_bytes());
    m[6..8].copy_from_slice(&flags.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    m
}

fn echo(conn: &mut Connection, msg: &str) -> Result<String, Error> {
    let e: Echo<'_> = conn.query(demo_cmd::Echo, &Echo { msg, cookie: None })?;
    Ok(e.msg.to_owned())
}

/// `Slab:` from /proc/meminfo, in KiB.
fn slab_kib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Slab:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn a_fuzz_the_module_with_malformed_messages() {
    in_vm();
    let n = size("GENL_VM_FUZZ_MESSAGES", 100_000, 25_000);
    let mut conn = Connection::new().unwrap();
    let family = conn.resolve("genl_demo").unwrap().id;
    let mut raw = ClassicConnection::new(16).unwrap();
    raw.set_timeout(Some(Duration::ZERO));
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut replies: BTreeMap<i32, u64> = BTreeMap::new();
    let (mut sent, mut refused, mut lost) = (0u64, 0u64, 0u64);
    let t = Instant::now();
    for i in 0..n {
        let m = message(&mut rng, family, i as u32 + 1);
        match raw.send_datagram(0, 0, &m) {
            Ok(()) => sent += 1,
            Err(_) => refused += 1, // the kernel may refuse at sendmsg
        }
        // Drain whatever came back (errors, acks, dump data).
        if i % 8 == 0 {
            let deadline = common::Deadline::new("a drained socket", Duration::from_secs(60));
            loop {
                deadline.check();
                match raw.recv() {
                    Ok(d) => {
                        for msg in d.messages().flatten() {
                            let code = if msg.header.message_type == 2 && msg.payload.len() >= 4 {
                                i32::from_ne_bytes(msg.payload[..4].try_into().unwrap())
                            } else {
                                1 // data or done
                            };
                            *replies.entry(code).or_default() += 1;
                        }
                    }
                    Err(Error::EventsLost) => lost += 1,
                    Err(_) => break,
                }
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "FUZZ kernel={} messages={n} sent={sent} refused_at_send={refused} overflows={lost} seconds={secs:.1}",
        std::env::var("GENL_VM_KERNEL").unwrap_or_default()
    );
    for (code, count) in &replies {
        let name = match code {
            0 => "ack".to_owned(),
            1 => "data/done".to_owned(),
            c => std::io::Error::from_raw_os_error(-c).to_string(),
        };
        println!("FUZZ reply {code:>4} {name}: {count}");
    }
    assert_eq!(sent + refused, n as u64);
    assert!(
        replies.get(&-libc::EINVAL).copied().unwrap_or(0) > 0,
        "the module rejected malformed input"
    );
    // The module still works.
    let mut conn = Connection::new().unwrap();
    assert_eq!(echo(&mut conn, "still alive").unwrap(), "still alive");
    conn.request(
        demo_cmd::KvSet,
        &KvEntry {
            key: "after-fuzz",
            value: Some(b"ok"),
            meta: None,
        },
    )
    .unwrap();
    let e: KvEntry<'_> = conn
        .query(demo_cmd::KvGet, &KvKey { key: "after-fuzz" })
        .unwrap();
    assert_eq!(e.value, Some(&b"ok"[..]));
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn b_load_eight_clients_every_request_answered_none_crossed() {
    in_vm();
    let per = size("GENL_VM_LOAD_REQUESTS", 100_000, 3_000);
    let before = slab_kib();
    let conn = SharedConnection::new()
        .unwrap()
        .with_timeout(Duration::from_secs(30));
    let t = Instant::now();
    let answered = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for c in 0..8 {
            let (conn, answered) = (&conn, &answered);
            s.spawn(move || {
                let mut own = Connection::new().unwrap();
                for i in 0..per {
                    if i % 4 == 3 {
                        // A KV round trip on this client's own key.
                        let key = format!("c{c}-{}", i % 64);
                        let val = format!("{c}/{i}");
                        own.request(
                            demo_cmd::KvSet,
                            &KvEntry {
                                key: &key,
                                value: Some(val.as_bytes()),
                                meta: None,
                            },
                        )
                        .unwrap();
                        let e: KvEntry<'_> =
                            own.query(demo_cmd::KvGet, &KvKey { key: &key }).unwrap();
                        assert_eq!(e.value, Some(val.as_bytes()), "client {c} request {i}");
                    } else {
                        let msg = format!("client {c} request {i}");
                        let r = conn
                            .query(
                                demo_cmd::Echo,
                                &Echo {
                                    msg: &msg,
                                    cookie: Some(i as u64),
                                },
                            )
                            .expect("echo replies");
                        let e: Echo<'_> = r.get().unwrap();
                        assert_eq!((e.msg, e.cookie), (msg.as_str(), Some(i as u64)));
                    }
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                for k in 0..64 {
                    let _ = own.request(
                        demo_cmd::KvDel,
                        &KvKey {
                            key: &format!("c{c}-{k}"),
                        },
                    );
                }
            });
        }
    });
    let secs = t.elapsed().as_secs_f64();
    let total = answered.into_inner();
    // Give RCU and the slab caches a moment to settle.
    std::thread::sleep(Duration::from_millis(500));
    let after = slab_kib();
    println!(
        "LOAD clients=8 requests_per_client={per} answered={total} seconds={secs:.1} slab_kib_before={before} slab_kib_after={after}"
    );
    assert_eq!(total, 8 * per as u64);
    assert!(
        after <= before + 4096,
        "slab grew by {} KiB over the load run",
        after.saturating_sub(before)
    );
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn c_deleting_a_namespace_frees_its_entries() {
    in_vm();
    let before = slab_kib();
    for round in 0..3 {
        std::thread::scope(|s| {
            s.spawn(|| {
                // SAFETY: affects only this thread.
                assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0);
                let mut conn = Connection::new().unwrap();
                let value = vec![0x5au8; 1024];
                for i in 0..5_000 {
                    conn.request(
                        demo_cmd::KvSet,
                        &KvEntry {
                            key: &format!("r{round}-{i}"),
                            value: Some(&value),
                            meta: None,
                        },
                    )
                    .unwrap();
                }
            })
            .join()
            .unwrap()
        });
    }
    // Namespace teardown runs from a workqueue; wait for it.
    let mut after = slab_kib();
    for _ in 0..50 {
        if after <= before + 4096 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        after = slab_kib();
    }
    println!("NETNS entries=15000x1KiB slab_kib_before={before} slab_kib_after={after}");
    // 15 000 entries of ≥ 1 KiB would be ≥ 15 MiB if they leaked.
    assert!(
        after <= before + 4096,
        "slab {before} -> {after} KiB after the namespaces went away"
    );
}

/// genl_demo's count of DEFERRED replies queued and neither sent nor
/// cancelled (debugfs).
const PENDING: &str = "/sys/kernel/debug/genl_demo/pending";

fn pending() -> u32 {
    std::fs::read_to_string(PENDING)
        .unwrap_or_else(|e| panic!("{PENDING}: {e}"))
        .trim()
        .parse()
        .unwrap()
}

/// The last line of the kernel log containing `what`.
fn last_kernel_log_line(what: &str) -> Option<String> {
    let out = std::process::Command::new("dmesg").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| l.contains(what))
        .map(str::to_owned)
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn d_family_unloaded_mid_request_is_a_clear_error_then_recovery() {
    in_vm();
    let dir = std::env::var("GENL_VM_MODULE_DIR").expect("set by the VM harness");
    let module = format!("{dir}/genl_demo.ko");
    std::fs::write("/proc/sys/kernel/modprobe", "/bin/false\n").unwrap();
    let mut conn = Connection::new().unwrap();
    conn.set_timeout(Some(Duration::from_secs(5)));
    assert_eq!(pending(), 0, "deferred replies pending before the test");
    let t = Instant::now();
    let (outcome, pending_at_unload) = std::thread::scope(|s| {
        let unload = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            // The request is queued in the module, its reply 2.7 s away.
            let n = pending();
            let st = std::process::Command::new("rmmod")
                .arg("genl_demo")
                .status()
                .unwrap();
            assert!(st.success(), "rmmod while a deferred reply is pending");
            n
        });
        let outcome = conn
            .query_deferred(
                demo_cmd::Deferred,
                &genl::demo::Deferred {
                    id: 1,
                    delay_ms: Some(3_000),
                },
            )
            .map(|_| ());
        (outcome, unload.join().unwrap())
    });
    let waited = t.elapsed();
    println!(
        "FAULT unload-mid-request outcome={outcome:?} after={waited:?} pending_at_unload={pending_at_unload}"
    );
    assert_eq!(pending_at_unload, 1, "the module counted the queued reply");
    // The module cancelled it: it says so, and its count came back to 0
    // (a count left non-zero is also a WARN, which fails the whole VM run).
    let line = last_kernel_log_line("genl_demo: unloaded:")
        .expect("genl_demo logged what its unload cancelled");
    assert!(
        line.contains("unloaded: 1 deferred replies cancelled, 0 pending"),
        "{line}"
    );
    // The family's unregistration (the controller's DELFAMILY) ends the
    // pending request at once with a clear error: no waiting for the 5 s
    // timeout, never a hang.
    assert!(
        matches!(outcome, Err(Error::FamilyNotFound(ref n)) if n == "genl_demo"),
        "{outcome:?}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "{waited:?}: not the timeout"
    );
    // Requests while the family is gone.
    assert!(matches!(
        echo(&mut conn, "gone"),
        Err(Error::FamilyNotFound(_))
    ));
    let st = std::process::Command::new("insmod")
        .arg(&module)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write("/proc/sys/kernel/modprobe", "/sbin/modprobe\n").unwrap();
    assert_eq!(echo(&mut conn, "back").unwrap(), "back");
    assert_eq!(pending(), 0, "a fresh module has nothing pending");
    // A deferred reply that is sent brings the count back to 0 too.
    conn.query_deferred(
        demo_cmd::Deferred,
        &genl::demo::Deferred {
            id: 2,
            delay_ms: Some(10),
        },
    )
    .unwrap();
    assert_eq!(pending(), 0, "a sent reply is no longer pending");
    assert!(DemoCmd::SCHEMA.command(5).is_some());
}
