//! `genl-bench`: genl against hand-written code, neli 0.7 and rust-netlink
//! (netlink-packet-generic 0.5 / genetlink 0.3), on one realistic message
//! and on real kernel round trips to nlctrl.
//!
//! ```text
//! cargo run --release -p genl-bench -- [--quick] [--only NAME [--iters N]]
//! ```
//!
//! All contenders run interleaved, round by round (the order rotating each
//! round), so drift on a noisy machine affects them all alike; each sample
//! times a batch of operations, and the table shows the median, p10 and p90
//! per operation over all samples. Allocations per operation are counted
//! with a counting global allocator, in a separate pass. The last lines are
//! machine-readable: `RATIO <name> <genl / reference>`, `ALLOCS <op> <n>`,
//! `NS cached_resolve <ns>`, then one `TARGET` line per claim of the
//! guide's Performance section (`docs/guide.md`) that this run checks
//! ([`TARGETS`], and no allocation in any genl case), each PASS or MISS. A missed target, or a
//! case that could not run, makes the run fail (exit status 1).
//!
//! `--only NAME` runs one case in a loop without timing rounds, for
//! profiling: `valgrind --tool=callgrind target/release/genl-bench --only
//! encode/genl`.
//!
//! `dump_small_msgs` replays a dump of 4096 small messages from memory
//! (no kernel), to show the per-message cost of genl's receive path
//! against a minimal hand-written loop.
//!
//! The VM benchmarks against the `genl_demo` module (echo round trips and a
//! full dump, genl vs the raw C client `genl-bench/c/genl_demo_raw.c`) run
//! inside the guests of `cargo xtask vm test`: see `tests/vm_bench.rs` and
//! the guide's Performance section (`docs/guide.md`).

mod clients;
mod hand;
mod kernel;
mod kernel_cases;
mod matrix;
mod msg;
mod neli_impl;
mod replay;
mod rust_netlink;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use genl_core::message::{build_message, GenlView, Messages, NlMessage};
use genl_core::{Connection, Decode, GenlHeader};

use msg::{Extracted, Link, CMD, FAMILY_ID, FLAGS, SEQ, VERSION};

/// Counts every allocation (and reallocation) of the process.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The stated ratio targets of the guide's Performance section (genl /
/// reference, lower is better):
/// GETFAMILY round trips to nlctrl and ethtool together within 1.10× of a
/// raw socket client, and each family within 1.05× of it (the client
/// taking only the kernel's datagrams, as genl does), nlctrl's within
/// 1.20× (its 3.6 µs round trip flips between runs of the same code: 1.053
/// to 1.084 before the one-core work of issue 23, then 1.088, 1.142, 1.127,
/// 1.076 and 1.172 in CI runs whose request path did not change; the two
/// families' sum, gated at 1.10, measured 1.04–1.08 in the same runs);
/// `SharedConnection`, `AsyncConnection` and `AsyncSharedConnection` each
/// within 1.10× of `Connection` per request (see [`clients`]); the codec
/// matrix's shapes within 1.10× of their
/// hand-written codecs (those steady enough to gate; the others are in
/// [`matrix::NOT_GATED`], with the reason).
pub const TARGETS: &[(&str, f64)] = &[
    ("getfamily_vs_raw", 1.10),
    ("getfamily_nlctrl_vs_raw", 1.20),
    ("getfamily_ethtool_vs_raw", 1.05),
    ("clients_shared_vs_connection", 1.10),
    ("clients_async_vs_connection", 1.10),
    ("clients_async_shared_vs_connection", 1.10),
    ("scalars_encode_vs_hand", 1.10),
    ("scalars_decode_vs_hand", 1.10),
    ("strings_encode_vs_hand", 1.10),
    ("strings_decode_vs_hand", 1.10),
    ("deep_encode_vs_hand", 1.10),
    ("deep_decode_vs_hand", 1.10),
    ("multi1000_encode_vs_hand", 1.10),
    ("multi1000_decode_vs_hand", 1.10),
    ("indexed_encode_vs_hand", 1.10),
    ("one_attr_encode_vs_hand", 1.10),
    ("reviewer_encode_vs_hand", 1.10),
    ("reviewer_decode_vs_hand", 1.10),
];

/// How far above a target a ratio may land before the run fails. Measured
/// on a 2-core VM: `getfamily_vs_raw` was 1.061–1.068 over ten `--quick`
/// runs, 1.062 with a CPU hog on one of the two cores, 1.063–1.065 over
/// two full runs, and the Performance section's earlier full runs found 1.086 and 1.098;
/// interleaved rounds make the ratio far steadier than the timings. 3 %
/// keeps a full run honest (1.133) and clears the highest value seen.
const MARGIN_FULL: f64 = 0.03;
/// `--quick` (20 s instead of 90 s, fewer rounds): 5 % (1.155).
const MARGIN_QUICK: f64 = 0.05;

/// One benchmarked operation.
struct Case {
    name: String,
    /// Operations per timed sample (calibrated).
    batch: usize,
    run: Box<dyn FnMut()>,
    samples: Vec<f64>,
    allocs: f64,
}

impl Case {
    fn new(name: impl Into<String>, run: impl FnMut() + 'static) -> Self {
        Case {
            name: name.into(),
            batch: 1,
            run: Box::new(run),
            samples: Vec::new(),
            allocs: f64::NAN,
        }
    }

    fn sample(&mut self) {
        let t = Instant::now();
        for _ in 0..self.batch {
            (self.run)();
        }
        let ns = t.elapsed().as_nanos() as f64 / self.batch as f64;
        self.samples.push(ns);
    }

    /// Chooses the batch so a sample takes about `target`.
    fn calibrate(&mut self, target: Duration) {
        for _ in 0..3 {
            (self.run)();
        }
        let mut n = 1usize;
        loop {
            let t = Instant::now();
            for _ in 0..n {
                (self.run)();
            }
            let e = t.elapsed();
            if e >= target / 4 || n >= 1 << 20 {
                let per = e.as_nanos().max(1) as f64 / n as f64;
                self.batch = ((target.as_nanos() as f64 / per) as usize).clamp(1, 1 << 20);
                return;
            }
            n *= 4;
        }
    }

    fn count_allocs(&mut self) {
        let n = self.batch.clamp(10, 1000);
        let before = ALLOCS.load(Ordering::Relaxed);
        for _ in 0..n {
            (self.run)();
        }
        self.allocs = (ALLOCS.load(Ordering::Relaxed) - before) as f64 / n as f64;
    }

    fn pct(&self, p: f64) -> f64 {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        if s.is_empty() {
            return f64::NAN;
        }
        let i = ((s.len() - 1) as f64 * p).round() as usize;
        s[i]
    }

    fn median(&self) -> f64 {
        self.pct(0.5)
    }
}

/// genl: the whole request into a reused buffer.
#[inline(never)]
fn genl_encode(l: &Link<'_>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
    build_message(
        buf,
        FAMILY_ID,
        FLAGS,
        SEQ,
        GenlHeader {
            cmd: CMD,
            version: VERSION,
        },
        l,
    )
}

/// genl: the message parsed as a connection does, the set decoded
/// (borrowing), every value read.
#[inline(never)]
fn genl_decode(bytes: &[u8]) -> Res<Extracted<&str>> {
    let raw: NlMessage<'_> = Messages::new(bytes).next().ok_or("no message")??;
    let view = GenlView::parse(&raw)?;
    let l = Link::decode(view.attrs)?;
    let mut e = Extracted {
        ifindex: l.ifindex,
        name: l.name,
        mtu: l.mtu,
        min_mtu: l.min_mtu,
        max_mtu: l.max_mtu,
        tx_queues: l.tx_queues,
        rx_queues: l.rx_queues,
        flags: l.flags,
        carrier: l.carrier,
        operstate: l.operstate,
        group: l.group,
        rx_bytes: l.rx_bytes,
        tx_bytes: l.tx_bytes,
        qdisc: l.qdisc,
        alias: l.alias,
        port: l.port,
        vlan: l.vlan,
        weight: l.weight,
        up: l.up,
        address: l.address.try_into().map_err(|_| "address length")?,
        rx_errors: l.stats.rx_errors,
        tx_errors: l.stats.tx_errors,
        rx_dropped: l.stats.rx_dropped,
        queue_count: 0,
        queue_sum: 0,
    };
    for q in l.queues.iter() {
        e.queue_sum += u64::from(q);
        e.queue_count += 1;
    }
    Ok(e)
}

struct Opts {
    quick: bool,
    only: Option<String>,
    iters: Option<usize>,
}

fn parse_args() -> Opts {
    let mut o = Opts {
        quick: false,
        only: None,
        iters: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--only" => o.only = args.next(),
            "--iters" => o.iters = args.next().and_then(|n| n.parse().ok()),
            "-h" | "--help" => {
                println!("usage: genl-bench [--quick] [--only NAME [--iters N]]");
                std::process::exit(0);
            }
            other => {
                eprintln!("genl-bench: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    o
}

/// Checks every contender produces the same bytes, and every decoder the
/// same values, before anything is timed.
fn verify_codec(sample: &Link<'static>) -> Res<Vec<u8>> {
    let mut genl = Vec::new();
    genl_encode(sample, &mut genl)?;
    let mut hand = Vec::new();
    hand::encode(sample, &mut hand).map_err(|e| format!("{e:?}"))?;
    let mut neli = Vec::new();
    neli_impl::encode(sample, &mut neli)?;
    let mut rn = Vec::new();
    rust_netlink::encode(sample, &mut rn);
    for (who, bytes) in [("hand", &hand), ("neli", &neli), ("rust-netlink", &rn)] {
        if bytes != &genl {
            let at = bytes.iter().zip(&genl).position(|(a, b)| a != b);
            return Err(format!(
                "{who} encodes differently from genl ({} vs {} bytes, first difference at {at:?})",
                bytes.len(),
                genl.len()
            )
            .into());
        }
    }
    let want = genl_decode(&genl)?.normalize();
    let hand = hand::decode(&genl)
        .map_err(|e| format!("{e:?}"))?
        .normalize();
    let neli = neli_impl::decode(&genl)?.normalize();
    let rn = rust_netlink::decode(&genl)?.normalize();
    for (who, got) in [("hand", hand), ("neli", neli), ("rust-netlink", rn)] {
        if got != want {
            return Err(format!("{who} decodes differently:\n{got:?}\nvs genl\n{want:?}").into());
        }
    }
    if want.queue_count != 16 || want.name != sample.name || want.rx_dropped != 42 {
        return Err("decoded values differ from the sample".into());
    }
    Ok(genl)
}

/// A dump of [`replay::ENTRIES`] small messages from a replaying
/// transport: genl's receive path against the minimal hand loop.
fn replay_cases(cases: &mut Vec<Case>) -> Res<()> {
    let mut conn = Connection::with_transport(replay::Replay::new())?;
    let t = replay::Replay::new();
    let (mut buf, seq) = (Vec::with_capacity(64 * 1024), std::cell::Cell::new(0));
    let want = replay::hand(&t, &mut buf, &seq);
    let got = replay::genl(&mut conn);
    if got != want {
        return Err(
            format!("replayed dump: genl read {got} key bytes, the hand loop {want}").into(),
        );
    }
    cases.push(Case::new("dump_small_msgs/genl", move || {
        black_box(replay::genl(&mut conn));
    }));
    cases.push(Case::new("dump_small_msgs/hand", move || {
        black_box(replay::hand(&t, &mut buf, &seq));
    }));
    Ok(())
}

fn codec_cases(cases: &mut Vec<Case>, bytes: &'static [u8]) {
    let l: &'static Link<'static> = Box::leak(Box::new(msg::sample()));
    let mut b = Vec::with_capacity(1024);
    cases.push(Case::new("encode/genl", move || {
        genl_encode(black_box(l), &mut b).unwrap();
        black_box(&b);
    }));
    let mut b = Vec::with_capacity(1024);
    cases.push(Case::new("encode/hand", move || {
        hand::encode(black_box(l), &mut b).unwrap();
        black_box(&b);
    }));
    let mut b = Vec::with_capacity(1024);
    cases.push(Case::new("encode/neli", move || {
        neli_impl::encode(black_box(l), &mut b).unwrap();
        black_box(&b);
    }));
    let mut b = Vec::with_capacity(1024);
    cases.push(Case::new("encode/rust-netlink", move || {
        rust_netlink::encode(black_box(l), &mut b);
        black_box(&b);
    }));
    cases.push(Case::new("decode/genl", move || {
        black_box(genl_decode(black_box(bytes)).unwrap());
    }));
    cases.push(Case::new("decode/hand", move || {
        black_box(hand::decode(black_box(bytes)).unwrap());
    }));
    cases.push(Case::new("decode/neli", move || {
        black_box(neli_impl::decode(black_box(bytes)).unwrap());
    }));
    cases.push(Case::new("decode/rust-netlink", move || {
        black_box(rust_netlink::decode(black_box(bytes)).unwrap());
    }));
}

/// Samples every case in interleaved rounds until `budget` is spent (at
/// least `min_rounds`); returns the rounds run and the time taken.
fn sample_rounds(cases: &mut [Case], budget: Duration, min_rounds: usize) -> (usize, Duration) {
    let started = Instant::now();
    let mut rounds = 0;
    while rounds < min_rounds || started.elapsed() < budget {
        let n = cases.len();
        for i in 0..n {
            cases[(i + rounds) % n].sample();
        }
        rounds += 1;
    }
    (rounds, started.elapsed())
}

/// The measured ratio of the [`TARGETS`] entry `label` (`None`: a case it
/// needs did not run).
fn target_ratio(cases: &[Case], label: &str) -> Res<Option<f64>> {
    let med = |name: &str| cases.iter().find(|c| c.name == name).map(Case::median);
    match label {
        "getfamily_vs_raw" => {
            // Both families together: the sum of the medians.
            let sum = |who: &str| -> Option<f64> {
                let v: Vec<f64> = ["nlctrl", "ethtool"]
                    .iter()
                    .filter_map(|f| med(&format!("getfamily_{f}/{who}")))
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum())
            };
            Ok(sum("genl").zip(sum("raw")).map(|(x, y)| x / y))
        }
        "getfamily_nlctrl_vs_raw" | "getfamily_ethtool_vs_raw" => {
            let family = label
                .strip_prefix("getfamily_")
                .and_then(|l| l.strip_suffix("_vs_raw"))
                .expect("matched above");
            let genl = med(&format!("getfamily_{family}/genl"));
            let raw = med(&format!("getfamily_{family}/raw"));
            Ok(genl.zip(raw).map(|(x, y)| x / y))
        }
        other if other.starts_with("clients_") => {
            let Some(&(_, case, per_run)) = clients::RATIOS.iter().find(|r| r.0 == other) else {
                return Err(format!("no ratio named {other:?}").into());
            };
            Ok(med(case)
                .zip(med(clients::BASE))
                .map(|(x, y)| x / per_run as f64 / y))
        }
        other => match matrix::ratio(cases, other) {
            Some(r) => Ok(r),
            None => Err(format!("no ratio named {other:?}").into()),
        },
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("genl-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let opts = parse_args();
    let sample = msg::sample();
    let bytes: &'static [u8] = verify_codec(&sample)?.leak();
    println!(
        "codec message: {} bytes (nlmsghdr + genlmsghdr + 20 scalar/string attributes, \
         a nest, a 16-element multi-attribute); all four encoders produce identical bytes, \
         all four decoders the same values",
        bytes.len()
    );

    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    codec_cases(&mut cases, bytes);
    matrix::cases(&mut cases)?;
    replay_cases(&mut cases)?;
    kernel_cases::kernel_cases(&mut cases, &mut skipped)?;
    clients::cases(&mut cases)?;
    if let Some(only) = &opts.only {
        cases.retain(|c| &c.name == only);
        let Some(c) = cases.first_mut() else {
            return Err(format!("no case named {only:?}").into());
        };
        let n = opts.iters.unwrap_or(100_000);
        let t = Instant::now();
        for _ in 0..n {
            (c.run)();
        }
        println!(
            "{}: {n} iterations, {:.1} ns/op",
            c.name,
            t.elapsed().as_nanos() as f64 / n as f64
        );
        return Ok(());
    }

    // Rounds run until the time budget is spent (at least `min_rounds`).
    let (budget, min_rounds, codec_target, kernel_target) = if opts.quick {
        (
            Duration::from_secs(20),
            100,
            Duration::from_micros(100),
            Duration::from_micros(300),
        )
    } else {
        (
            Duration::from_secs(90),
            300,
            Duration::from_micros(200),
            Duration::from_micros(500),
        )
    };
    for c in cases.iter_mut() {
        let target = if c.name.starts_with("encode/") || c.name.starts_with("decode/") {
            codec_target
        } else {
            kernel_target
        };
        c.calibrate(target);
        c.count_allocs();
    }
    let (rounds, elapsed) = sample_rounds(&mut cases, budget, min_rounds);

    println!(
        "\n{} rounds, interleaved, {:.1} s; ns per operation\n",
        rounds,
        elapsed.as_secs_f64()
    );
    println!(
        "{:<28} {:>12} {:>12} {:>12} {:>10}",
        "case", "median ns", "p10", "p90", "allocs/op"
    );
    for c in &cases {
        println!(
            "{:<28} {:>12.1} {:>12.1} {:>12.1} {:>10.1}",
            c.name,
            c.median(),
            c.pct(0.1),
            c.pct(0.9),
            c.allocs
        );
    }
    matrix::table(&cases);
    for s in &skipped {
        println!("\n!!! NOT RUN: {s}");
    }

    let get = |name: &str| cases.iter().find(|c| c.name == name);
    let med = |name: &str| get(name).map(Case::median);
    let ratio = |label: &str, a: &str, b: &str| {
        if let (Some(x), Some(y)) = (med(a), med(b)) {
            println!("RATIO {label} {:.3}", x / y);
        }
    };
    println!();
    ratio("encode_vs_hand", "encode/genl", "encode/hand");
    ratio("decode_vs_hand", "decode/genl", "decode/hand");
    ratio("encode_vs_neli", "encode/genl", "encode/neli");
    ratio("decode_vs_neli", "decode/genl", "decode/neli");
    ratio(
        "encode_vs_rust_netlink",
        "encode/genl",
        "encode/rust-netlink",
    );
    ratio(
        "decode_vs_rust_netlink",
        "decode/genl",
        "decode/rust-netlink",
    );
    // Both families together: the sum of the medians.
    let sum = |who: &str| -> Option<f64> {
        let v: Vec<f64> = ["nlctrl", "ethtool"]
            .iter()
            .filter_map(|f| med(&format!("getfamily_{f}/{who}")))
            .collect();
        (!v.is_empty()).then(|| v.iter().sum())
    };
    for (label, who) in [
        ("getfamily_vs_raw", "raw"),
        ("getfamily_vs_neli", "neli"),
        ("getfamily_vs_genetlink", "genetlink"),
    ] {
        if let (Some(x), Some(y)) = (sum("genl"), sum(who)) {
            println!("RATIO {label} {:.3}", x / y);
        }
    }
    for f in ["nlctrl", "ethtool"] {
        ratio(
            &format!("getfamily_{f}_vs_raw"),
            &format!("getfamily_{f}/genl"),
            &format!("getfamily_{f}/raw"),
        );
        ratio(
            &format!("getfamily_{f}_vs_raw_nocheck"),
            &format!("getfamily_{f}/genl"),
            &format!("getfamily_{f}/raw-nocheck"),
        );
    }
    ratio("dump_vs_raw", "dump/genl", "dump/raw");
    // genl's own controller types (everything decoded and read) against
    // the raw client (id and name parsed): reported, not gated.
    for f in ["nlctrl", "ethtool"] {
        ratio(
            &format!("getfamily_{f}_info_vs_raw"),
            &format!("getfamily_{f}/genl-info"),
            &format!("getfamily_{f}/raw"),
        );
    }
    ratio("dump_info_vs_raw", "dump/genl-info", "dump/raw");
    for &(label, case, per_run) in clients::RATIOS {
        if let (Some(x), Some(y)) = (med(case), med(clients::BASE)) {
            println!("RATIO {label} {:.3}", x / per_run as f64 / y);
        }
    }
    // The support check (on by default) against the same query without it.
    ratio(
        "getfamily_nlctrl_check_on_vs_off",
        "getfamily_nlctrl/genl",
        "getfamily_nlctrl/genl-nocheck",
    );
    ratio(
        "getfamily_ethtool_check_on_vs_off",
        "getfamily_ethtool/genl",
        "getfamily_ethtool/genl-nocheck",
    );
    ratio(
        "dump_small_msgs_vs_hand",
        "dump_small_msgs/genl",
        "dump_small_msgs/hand",
    );
    matrix::ratios(&cases);
    for op in ["encode", "decode"] {
        if let Some(c) = get(&format!("{op}/genl")) {
            println!("ALLOCS {op} {}", c.allocs);
        }
    }
    if let Some(ns) = med("cached_resolve/genl") {
        println!("NS cached_resolve {ns:.1}");
    }
    // N threads on one shared connection against N connections (reported).
    for n in [2, 4] {
        clients::threads(n, if opts.quick { 2_000 } else { 10_000 })?;
    }

    // The claims, checked.
    let margin = if opts.quick {
        MARGIN_QUICK
    } else {
        MARGIN_FULL
    };
    let mut misses = Vec::new();
    println!();
    let mut got = TARGETS
        .iter()
        .map(|&(label, _)| target_ratio(&cases, label))
        .collect::<Res<Vec<_>>>()?;
    let missed = |got: &[Option<f64>]| {
        TARGETS
            .iter()
            .zip(got)
            .any(|(&(_, target), r)| r.is_none_or(|r| r > target * (1.0 + margin)))
    };
    if missed(&got) {
        // One miss can be a neighbour's burst of work on a 2-core machine:
        // measure every case again (fresh samples, the same budget) and
        // judge the second measurement; a real regression misses twice.
        for (&(label, _), r) in TARGETS.iter().zip(&got) {
            match r {
                Some(r) => println!("TARGET {label} first measurement: {r:.3}"),
                None => println!("TARGET {label} first measurement: not measured"),
            }
        }
        println!("TARGET a ratio missed: measuring again to confirm");
        for c in cases.iter_mut() {
            c.samples.clear();
        }
        let (rounds, elapsed) = sample_rounds(&mut cases, budget, min_rounds);
        println!(
            "TARGET second measurement: {rounds} rounds, {:.1} s",
            elapsed.as_secs_f64()
        );
        got = TARGETS
            .iter()
            .map(|&(label, _)| target_ratio(&cases, label))
            .collect::<Res<Vec<_>>>()?;
    }
    for (&(label, target), got) in TARGETS.iter().zip(got) {
        let limit = target * (1.0 + margin);
        match got {
            Some(r) if r <= limit => println!(
                "TARGET {label} {r:.3} <= {target:.2} (+{:.0}% noise margin: {limit:.3}): PASS",
                margin * 100.0
            ),
            Some(r) => {
                println!(
                    "TARGET {label} {r:.3} > {target:.2} (+{:.0}% noise margin: {limit:.3}): MISS",
                    margin * 100.0
                );
                misses.push(format!("{label} {r:.3} > {limit:.3}"));
            }
            None => {
                println!("TARGET {label}: NOT MEASURED");
                misses.push(format!("{label} not measured"));
            }
        }
    }
    // The guide's allocation column (Performance): no genl case allocates,
    // nor one through genl's own controller types.
    for c in cases
        .iter()
        .filter(|c| c.name.ends_with("/genl") || c.name.ends_with("/genl-info"))
    {
        if c.allocs == 0.0 {
            println!("TARGET allocs {} 0: PASS", c.name);
        } else {
            println!("TARGET allocs {} {}: MISS", c.name, c.allocs);
            misses.push(format!(
                "{} allocates {} times per operation",
                c.name, c.allocs
            ));
        }
    }
    if !skipped.is_empty() {
        misses.push(format!(
            "{} case(s) could not run: {}",
            skipped.len(),
            skipped.join("; ")
        ));
    }
    if misses.is_empty() {
        Ok(())
    } else {
        Err(format!("{} check(s) failed: {}", misses.len(), misses.join("; ")).into())
    }
}
