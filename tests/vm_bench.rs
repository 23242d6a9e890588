//! VM benchmark: genl against a raw C client (`genl-bench/c/genl_demo_raw.c`,
//! plain sockets, no libnl) on the `genl_demo` module, inside the guests of
//! `cargo xtask vm test` (Debian 6.1 and 6.12 under QEMU TCG).
//!
//! In a fresh network namespace the store is filled to the module's cap of
//! [`ENTRIES`] entries (`GENL_DEMO_MAX_ENTRIES`: the 100 000 of the plan is
//! more than a namespace may hold), untimed. Then, round by round, each
//! genl sample right beside the C sample it is compared with (the side going
//! first alternating), so that a change in the host's speed hits both:
//! - echo: [`ECHO_N`] `ECHO` round trips with genl ([`Connection::request`]
//!   with the typed [`Echo`], reply decoded and checked) and with the C
//!   client (`genl_demo_raw echo N`, which checks each reply too, and
//!   takes only the kernel's datagrams, as genl and iproute2 do); genl
//!   once more on a connection without a timeout (no clock read per
//!   request), and the C client once more without the sender check
//!   (`--no-sender-check`: `recv` instead of `recvfrom`), both reported
//!   apart;
//! - dump: one `KV_GET` dump of the whole store with genl (the [`Dump`]
//!   iterator, every entry decoded as [`KvEntry`]) and with the C client
//!   (`genl_demo_raw dump`, every entry's attributes decoded too); then the
//!   resident set of each before and after one dump.
//!
//! Pipelining ([`pipelined_kv_sets_vs_c_round_trips`]): [`SETS`] KV_SETs
//! as one genl [`Batch`](genl_core::Batch) against the C client's one
//! round trip per KV_SET, each sample in a fresh namespace, every entry
//! checked by a dump afterwards.
//!
//! Every sample runs in a process of its own, genl's as the C client's:
//! genl's is this test binary started again for one sample
//! ([`genl_sample`], in the same namespace and on the same vCPU). Each side
//! times its own loops and prints nanoseconds, so process start-up is not
//! in the figures. (With all of genl's samples in this one process, its
//! dump took the same time in every round of a boot but 1.07-1.08x the C
//! client's in some boots and 1.15-1.18x in others, while the C client's
//! samples, one process each, varied from round to round.)
//!
//! Printed: `VMBENCH` lines with each round's samples and ratios, the
//! medians over [`ROUNDS`] rounds, and `RATIO vm_echo_vs_c <genl / C>`,
//! `RATIO vm_dump_vs_c <genl / C>`: the median of the rounds' ratios. (The
//! ratio of the two sides' medians, printed beside it, pairs samples of
//! different rounds: the host running QEMU moves between a fast and a slow
//! speed for seconds at a time, and the two medians can land on different
//! ones.) Only correctness is asserted (entry counts, replies), never
//! speed: TCG is far too noisy for timing asserts.
//!
//! The harness builds this test with `--release` (`release = true` in `genl.toml`)
//! and the C client with `gcc -O2 -static`; the C client is
//! `/usr/bin/genl_demo_raw` in the guest (the `[[vm.helper]]` of `genl.toml`),
//! or `$GENL_DEMO_RAW`. `#[ignore]`d on the host.
//!
//! [`Dump`]: genl_core::Dump

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use genl::demo::{demo_cmd, Echo, KvEntry};
use genl_core::{Connection, Error};

/// Entries in the store: the module's per-namespace cap.
const ENTRIES: usize = 65_536;
/// Echo round trips per sample.
const ECHO_N: usize = 5_000;
/// Rounds: samples of each kind (odd: the median is one of them).
const ROUNDS: usize = 15;
/// The message every echo carries (the C client's is as long).
const ECHO_MSG: &str = "hello from the genl client!";

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

/// The raw C client's path in the guest.
fn c_client() -> String {
    std::env::var("GENL_DEMO_RAW").unwrap_or_else(|_| "/usr/bin/genl_demo_raw".into())
}

/// Runs the C client; returns the two numbers of its `CBENCH <what>` line.
fn run_c(args: &[&str]) -> (u64, u64) {
    let lines = run_c_lines(args);
    lines[command_of(args)]
}

/// The command word of a client's arguments (after its options).
fn command_of<'a>(args: &[&'a str]) -> &'a str {
    args.iter()
        .find(|a| !a.starts_with("--"))
        .expect("a command")
}

/// Runs the C client; returns every `CBENCH <what> <a> <b>` line as
/// `what → (a, b)` (at least the one named like the command).
fn run_c_lines(args: &[&str]) -> HashMap<String, (u64, u64)> {
    let exe = c_client();
    let out = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {exe}: {e}"));
    bench_lines(&exe, args, "CBENCH ", out)
}

/// This test, whose process is also every genl sample's (see
/// [`genl_sample`]).
const BENCH_TEST: &str = "genl_vs_raw_c_client_echo_and_full_dump";
/// Set (to the sample's arguments) in a genl sample's process.
const SAMPLE_ENV: &str = "GENL_VM_BENCH_SAMPLE";

/// Runs one genl sample in a process of its own, as each C sample runs:
/// this test binary again, only [`BENCH_TEST`], with [`SAMPLE_ENV`] set to
/// `args`; returns the two numbers of its `GBENCH <what>` line.
fn run_genl(args: &[&str]) -> (u64, u64) {
    run_genl_lines(args)[command_of(args)]
}

/// [`run_genl`], every `GBENCH <what> <a> <b>` line as `what → (a, b)`.
fn run_genl_lines(args: &[&str]) -> HashMap<String, (u64, u64)> {
    let exe = std::env::current_exe().expect("this test's executable");
    let out = Command::new(&exe)
        .args(["--exact", BENCH_TEST, "--ignored", "--nocapture", "-q"])
        .args(["--test-threads", "1"])
        .env(SAMPLE_ENV, args.join(" "))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    bench_lines(&exe.display().to_string(), args, "GBENCH ", out)
}

/// The `<prefix><what> <a> <b>` lines of a finished sample process as
/// `what → (a, b)`: at least the one named like the command, and the
/// process must have succeeded.
fn bench_lines(
    exe: &str,
    args: &[&str],
    prefix: &str,
    out: std::process::Output,
) -> HashMap<String, (u64, u64)> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{exe} {args:?} failed ({}): {stdout}{stderr}",
        out.status
    );
    let mut found = HashMap::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix(prefix)) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let nums: Vec<u64> = words[1..]
            .iter()
            .map(|w| {
                w.parse()
                    .unwrap_or_else(|_| panic!("bad {prefix}line {line:?}"))
            })
            .collect();
        assert_eq!(nums.len(), 2, "bad {prefix}line {line:?}");
        found.insert(words[0].to_owned(), (nums[0], nums[1]));
    }
    let cmd = command_of(args);
    assert!(
        found.contains_key(cmd),
        "{exe} {args:?}: no {prefix}{cmd} line in {stdout:?}"
    );
    found
}

/// In a genl sample's process: runs the sample `args` asks for and prints
/// its `GBENCH` lines, as the C client does for its own:
/// - `echo N`, `echo-untimed N` (a connection without a timeout): one
///   untimed echo first (it resolves the family), then `N` timed ones;
///   `GBENCH echo N <ns per round trip>`;
/// - `dump COUNT`: the family resolved, then one timed dump of `COUNT`
///   entries; `GBENCH dump <entries> <ns>` and `GBENCH rss <kB before>
///   <kB after>`.
fn genl_sample(args: &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let mut conn = Connection::new().unwrap();
    match words[..] {
        [what @ ("echo" | "echo-untimed"), n] => {
            let n: usize = n.parse().expect("a count");
            if what == "echo-untimed" {
                conn.set_timeout(None);
            }
            genl_echo(&mut conn, 1, 0);
            println!("\nGBENCH {what} {n} {}", genl_echo(&mut conn, n, 1));
        }
        ["dump", count] => {
            conn.resolve("genl_demo").expect("genl_demo is registered");
            let rss = rss_kb();
            let (entries, ns) = genl_dump(&mut conn);
            let after = rss_kb();
            println!("\nGBENCH dump {entries} {ns}\nGBENCH rss {rss} {after}");
            assert_eq!(entries.to_string(), count, "genl dump: every entry once");
        }
        _ => panic!("{SAMPLE_ENV}={args:?}: not a sample"),
    }
}

/// This process's resident set in kB: `Rss` of `/proc/self/smaps_rollup`,
/// counted from the page tables. (`VmRSS` of `/proc/self/status` is not
/// used: before Linux 6.2 a thread's page faults reach it only in batches
/// of 64, so a small process shows a few kB there.)
fn rss_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("Rss:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no Rss in /proc/self/smaps_rollup: {s:?}"))
}

/// Fills the store with `n` entries `{prefix}-{i:05}` = `value {i}` in
/// one [`Batch`](genl_core::Batch); every request must succeed. Each key and
/// value is formatted into a reused buffer just before its request is
/// queued, as the C client formats each into a stack buffer (`snprintf`)
/// just before sending it. Returns the ns spent formatting and queueing
/// (encoding) the requests, and sending them with every answer read.
fn batch_fill(conn: &mut Connection, prefix: &str, n: usize) -> [u64; 2] {
    use std::fmt::Write as _;
    let t = Instant::now();
    let mut batch = conn.batch();
    let (mut key, mut value) = (String::with_capacity(32), String::with_capacity(32));
    for i in 0..n {
        key.clear();
        value.clear();
        write!(key, "{prefix}-{i:05}").expect("formats");
        write!(value, "value {i}").expect("formats");
        let e = KvEntry {
            key: &key,
            value: Some(value.as_bytes()),
            meta: None,
        };
        batch.request(demo_cmd::KvSet, &e).expect("queued");
    }
    let queued = Instant::now();
    let outcomes = batch.send().expect("batch sent");
    let sent = Instant::now();
    assert_eq!(outcomes.len(), n, "one outcome per request");
    for (i, outcome) in outcomes.into_iter().enumerate() {
        outcome.unwrap_or_else(|e| panic!("set {prefix}-{i:05}: {e}"));
    }
    [
        (queued - t).as_nanos() as u64,
        (sent - queued).as_nanos() as u64,
    ]
}

/// Checks by a dump that the store holds exactly the `n` entries
/// `{prefix}-{i:05}` = `value {i}`.
fn verify_store(conn: &mut Connection, prefix: &str, n: usize) {
    let mut seen = vec![false; n];
    let mut dump = conn.dump(demo_cmd::KvGet, &()).expect("dump");
    while let Some(e) = dump.next().expect("dump message") {
        let i: usize = e
            .key
            .strip_prefix(prefix)
            .and_then(|k| k.strip_prefix('-'))
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("unexpected key {:?}", e.key));
        assert!(i < n && !seen[i], "key {} twice or out of range", e.key);
        assert_eq!(
            e.value,
            Some(format!("value {i}").as_bytes()),
            "value of {}",
            e.key
        );
        seen[i] = true;
    }
    assert!(
        seen.iter().all(|s| *s),
        "{} of {n} entries",
        seen.iter().filter(|s| **s).count()
    );
}

/// genl: `n` echo round trips, each reply decoded and checked; ns per trip.
fn genl_echo(conn: &mut Connection, n: usize, round: usize) -> u64 {
    let base = 0x9e41_0000_0000_0000u64 + ((round as u64) << 32);
    let t = Instant::now();
    for i in 0..n as u64 {
        let req = Echo {
            msg: ECHO_MSG,
            cookie: Some(base + i),
        };
        let reply: Echo<'_> = conn.query(demo_cmd::Echo, &req).expect("echo");
        assert_eq!(reply, req);
    }
    t.elapsed().as_nanos() as u64 / n as u64
}

/// genl: one dump of the store, every entry decoded; (entries, ns).
fn genl_dump(conn: &mut Connection) -> (usize, u64) {
    let t = Instant::now();
    let mut dump = conn.dump(demo_cmd::KvGet, &()).expect("starting the dump");
    let mut entries = 0usize;
    let mut key_bytes = 0usize;
    while let Some(e) = dump.next().expect("dump message (decoded)") {
        key_bytes += e.key.len();
        assert!(e.value.is_some(), "entry {} has its value", e.key);
        entries += 1;
        // Bounded: each receive has its timeout, and no more entries than
        // the store holds.
        assert!(entries <= ENTRIES, "a dump of more than {ENTRIES} entries");
    }
    let ns = t.elapsed().as_nanos() as u64;
    assert!(key_bytes >= entries, "every key is non-empty");
    (entries, ns)
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn median_f64(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs a pair of samples back to back: `genl`'s first if `genl_first`,
/// else `c`'s.
fn in_turn(genl_first: bool, genl: impl FnOnce(), c: impl FnOnce()) {
    if genl_first {
        genl();
        c();
    } else {
        c();
        genl();
    }
}

/// Runs `f` on a thread of its own inside a fresh network namespace (the
/// module's store is per namespace: this one starts empty), on vCPU 0
/// only; the C client, started from that thread, is in the same namespace
/// and on the same vCPU. Pinned, neither side pays for a move to the other
/// vCPU (under TCG its translated code and softmmu TLB are cold there);
/// unpinned, the C client's echo samples were bimodal (16.7-49.6 us on
/// 6.12 in one run) and the medians landed on different modes.
fn in_new_netns<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: affects only this thread.
            let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "unshare: {}", std::io::Error::last_os_error());
            // SAFETY: a zeroed cpu_set_t is a valid empty set, and the
            // call affects only this thread (and what it starts).
            let r = unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(0, &mut set);
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
            };
            assert_eq!(
                r,
                0,
                "sched_setaffinity: {}",
                std::io::Error::last_os_error()
            );
            f()
        })
        .join()
        .unwrap()
    })
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn genl_vs_raw_c_client_echo_and_full_dump() {
    in_vm();
    if let Ok(args) = std::env::var(SAMPLE_ENV) {
        return genl_sample(&args);
    }
    in_new_netns(|| {
        let mut conn = Connection::new().unwrap();
        let kernel = std::env::var("GENL_VM_KERNEL").unwrap_or_default();

        // Fill the store to the cap, pipelined (not timed, but reported).
        let t = Instant::now();
        batch_fill(&mut conn, "key", ENTRIES);
        let fill = t.elapsed();
        // The cap is real: one more entry is refused.
        match conn.request(
            demo_cmd::KvSet,
            &KvEntry {
                key: "one-too-many",
                value: Some(b"x"),
                meta: None,
            },
        ) {
            Err(Error::Kernel(k)) => assert_eq!(k.errno, libc::ENOSPC, "{k}"),
            other => panic!("entry {} past the cap: {other:?}", ENTRIES + 1),
        }
        println!(
            "VMBENCH fill {ENTRIES} entries in {:.2} s ({:.1} us per KV_SET, genl, one batch)",
            fill.as_secs_f64(),
            fill.as_secs_f64() * 1e6 / ENTRIES as f64
        );

        // Warm-up of both sides (page faults, caches), not counted.
        run_genl(&["echo", "100"]);
        run_c(&["echo", "100"]);

        // What a clock read costs here (the guests run on the hpet
        // clocksource, a trapped MMIO read per clock_gettime under TCG).
        // genl's echo samples also run on a connection without a timeout
        // (`echo_u`): its requests read no clock (no deadline). Reported,
        // not in the RATIO lines.
        let clock_ns = {
            let t = Instant::now();
            for _ in 0..1000 {
                std::hint::black_box(Instant::now());
            }
            t.elapsed().as_nanos() as u64 / 1000
        };

        let (mut echo_g, mut echo_u) = (Vec::new(), Vec::new());
        let (mut echo_c, mut echo_nc) = (Vec::new(), Vec::new());
        let (mut dump_g, mut dump_c) = (Vec::new(), Vec::new());
        // Each round's own ratios, genl / C.
        let (mut echo_r, mut dump_r) = (Vec::new(), Vec::new());
        let total = Instant::now();
        let (n, expect) = (ECHO_N.to_string(), ENTRIES.to_string());
        for round in 0..ROUNDS {
            // Each pair of samples compared runs back to back, the side
            // going first alternating from round to round: a change in the
            // host's speed between rounds hits both samples of a pair.
            let genl_first = round % 2 == 0;
            let genl_echoes = || {
                // The two genl samples take turns going first too: the one
                // measured right after the other process pays for its cold
                // caches (and, under TCG, re-translated code).
                if round % 4 < 2 {
                    echo_g.push(run_genl(&["echo", &n]).1);
                    echo_u.push(run_genl(&["echo-untimed", &n]).1);
                } else {
                    echo_u.push(run_genl(&["echo-untimed", &n]).1);
                    echo_g.push(run_genl(&["echo", &n]).1);
                }
            };
            let c_echoes = || {
                let (count, ns) = run_c(&["echo", &n]);
                assert_eq!(count, ECHO_N as u64);
                echo_c.push(ns);
                let (count, ns) = run_c(&["--no-sender-check", "echo", &n]);
                assert_eq!(count, ECHO_N as u64);
                echo_nc.push(ns);
            };
            in_turn(genl_first, genl_echoes, c_echoes);
            let genl_dumps = || {
                let (entries, ns) = run_genl(&["dump", &expect]);
                assert_eq!(entries, ENTRIES as u64, "genl dump: every entry");
                dump_g.push(ns);
            };
            let c_dumps = || {
                let (entries, ns) = run_c(&["dump", &expect]);
                assert_eq!(entries, ENTRIES as u64, "C dump: every entry");
                dump_c.push(ns);
            };
            in_turn(genl_first, genl_dumps, c_dumps);
            echo_r.push(echo_g[round] as f64 / echo_c[round] as f64);
            dump_r.push(dump_g[round] as f64 / dump_c[round] as f64);
            println!(
                "VMBENCH round {round}: echo genl {} ns (no timeout {} ns) c {} ns \
                 (no sender check {} ns) = {:.2}; dump genl {:.1} ms c {:.1} ms = {:.2}",
                echo_g[round],
                echo_u[round],
                echo_c[round],
                echo_nc[round],
                echo_r[round],
                dump_g[round] as f64 / 1e6,
                dump_c[round] as f64 / 1e6,
                dump_r[round],
            );
        }
        // Memory: the resident set before and after one dump, each side in
        // a process of its own.
        let (rss_g, after_g) = run_genl_lines(&["dump", &expect])["rss"];
        let (rss_c, after_c) = run_c_lines(&["dump", &expect])["rss"];
        println!(
            "VMBENCH dump resident set (kB): genl {rss_g} before, {after_g} after ({:+}); \
             c {rss_c} before, {after_c} after ({:+})",
            after_g as i64 - rss_g as i64,
            after_c as i64 - rss_c as i64
        );

        // The ratios: the median of the rounds' own ratios (each of two
        // samples taken back to back), and beside it the ratio of the two
        // sides' medians, which pairs samples of different rounds.
        let (echo_r, dump_r) = (median_f64(&mut echo_r), median_f64(&mut dump_r));
        let (eg, ec) = (median(&mut echo_g), median(&mut echo_c));
        let eu = median(&mut echo_u);
        let enc = median(&mut echo_nc);
        let (dg, dc) = (median(&mut dump_g), median(&mut dump_c));
        println!(
            "VMBENCH kernel {kernel}: {ROUNDS} rounds in {:.1} s; medians:",
            total.elapsed().as_secs_f64()
        );
        println!(
            "VMBENCH echo genl {eg} ns/op c {ec} ns/op ({ECHO_N} round trips per sample); \
             median of the rounds' ratios {echo_r:.2}, ratio of the medians {:.2}",
            eg as f64 / ec as f64
        );
        println!(
            "VMBENCH echo c without the sender check {enc} ns/op (genl / it: {:.2})",
            eg as f64 / enc as f64
        );
        println!(
            "VMBENCH echo genl without a timeout {eu} ns/op (clock read: {clock_ns} ns; \
             ratio to c {:.2})",
            eu as f64 / ec as f64
        );
        println!(
            "VMBENCH dump genl {:.1} ms c {:.1} ms ({ENTRIES} entries each, both decode every \
             entry); median of the rounds' ratios {dump_r:.2}, ratio of the medians {:.2}",
            dg as f64 / 1e6,
            dc as f64 / 1e6,
            dg as f64 / dc as f64
        );
        println!("RATIO vm_echo_vs_c {echo_r:.2}");
        println!("RATIO vm_dump_vs_c {dump_r:.2}");
    });
}

/// KV_SETs per pipelining sample.
const SETS: usize = 10_000;
/// Pipelining samples of each side (each in a fresh namespace).
const SET_ROUNDS: usize = 5;

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn pipelined_kv_sets_vs_c_round_trips() {
    in_vm();
    let (mut genl_ns, mut c_ns) = (Vec::new(), Vec::new());
    for round in 0..SET_ROUNDS {
        // genl: one batch of SETS KV_SETs, then every entry checked.
        let genl_side = || {
            in_new_netns(|| {
                let mut conn = Connection::new().unwrap();
                conn.resolve("genl_demo").unwrap();
                let t = Instant::now();
                let [queue, send] = batch_fill(&mut conn, "p", SETS);
                let ns = t.elapsed().as_nanos() as u64;
                println!(
                    "VMBENCH set batch: format and queue {:.1} ms, send and answers {:.1} ms",
                    queue as f64 / 1e6,
                    send as f64 / 1e6
                );
                verify_store(&mut conn, "p", SETS);
                ns
            })
        };
        // C: SETS round trips, one at a time, then every entry checked.
        let c_side = || {
            in_new_netns(|| {
                let (n, per) = run_c(&["set", &SETS.to_string()]);
                assert_eq!(n, SETS as u64);
                verify_store(&mut Connection::new().unwrap(), "c", SETS);
                per * SETS as u64
            })
        };
        if round % 2 == 0 {
            genl_ns.push(genl_side());
            c_ns.push(c_side());
        } else {
            c_ns.push(c_side());
            genl_ns.push(genl_side());
        }
        println!(
            "VMBENCH set round {round}: genl batch {:.1} ms, c one at a time {:.1} ms",
            genl_ns[round] as f64 / 1e6,
            c_ns[round] as f64 / 1e6
        );
    }
    let (g, c) = (median(&mut genl_ns), median(&mut c_ns));
    println!(
        "VMBENCH set {SETS} entries: genl pipelined {:.1} ms ({:.2} us each), \
         c round trips {:.1} ms ({:.2} us each): genl {:.1}x faster; every entry verified",
        g as f64 / 1e6,
        g as f64 / 1e3 / SETS as f64,
        c as f64 / 1e6,
        c as f64 / 1e3 / SETS as f64,
        c as f64 / g as f64
    );
    println!("RATIO vm_pipelined_set_vs_c {:.2}", g as f64 / c as f64);
}
