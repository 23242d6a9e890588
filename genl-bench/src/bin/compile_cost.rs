//! `compile-cost`: what a genl message costs to compile, next to neli.
//!
//! Generates two crates into a temporary directory, each defining the same
//! 50-attribute message (48 scalars, strings, byte arrays and optionals, a
//! nest of 4 counters, a `u32` multi-attribute) with an encoder and a
//! decoder:
//!
//! - `cc_genl`: `#[derive(AttrSet)]` on the structs, `build_message` and
//!   `Decode::decode`;
//! - `cc_neli`: neli 0.7's `#[neli_enum]` attribute types and the builder
//!   and accessor code neli asks its users to write (as
//!   `genl-bench/src/neli_impl.rs` does for the benchmark message).
//!
//! For each crate (dev profile, offline, dependencies built once first):
//! the incremental `cargo build` after touching `src/lib.rs`, `--runs`
//! times (median, min, max), and again without the incremental cache (the
//! whole crate compiled: what a change to the message costs at most); the
//! expanded source (`-Zunpretty=expanded`,
//! what `cargo expand` prints), its lines; the LLVM IR of the crate, its
//! lines; and the `.rlib`'s size. Targets: genl's incremental build
//! ≤ 1.5 s and not above neli's; a miss exits with status 1.
//!
//! Run: `cargo run --release -p genl-bench --bin compile-cost -- [--runs N]
//! [--keep]`. Builds go to `target/compile-cost` of this workspace (kept,
//! so that later runs find the dependencies built).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Incremental build target, seconds.
const TARGET_SECS: f64 = 1.5;

/// Attributes of the message besides the nest and the multi-attribute.
const SCALARS: usize = 48;

/// The kinds of scalar attributes, cycled through.
#[derive(Clone, Copy)]
enum Kind {
    U32,
    U64,
    U16,
    U8,
    Str,
    OptU32,
    Mac,
}

const KINDS: [Kind; 7] = [
    Kind::U32,
    Kind::U64,
    Kind::U16,
    Kind::U8,
    Kind::Str,
    Kind::OptU32,
    Kind::Mac,
];

fn kind(i: usize) -> Kind {
    KINDS[i % KINDS.len()]
}

/// Field `i`'s type in the genl struct.
fn genl_ty(k: Kind) -> &'static str {
    match k {
        Kind::U32 => "u32",
        Kind::U64 => "u64",
        Kind::U16 => "u16",
        Kind::U8 => "u8",
        Kind::Str => "&'a str",
        Kind::OptU32 => "Option<u32>",
        Kind::Mac => "[u8; 6]",
    }
}

/// Field `i`'s type in the neli crate's struct.
fn neli_ty(k: Kind) -> &'static str {
    match k {
        Kind::Str => "String",
        other => genl_ty(other),
    }
}

/// A field name that says its kind.
fn field(i: usize) -> String {
    let k = match kind(i) {
        Kind::U32 => "count",
        Kind::U64 => "bytes",
        Kind::U16 => "port",
        Kind::U8 => "state",
        Kind::Str => "name",
        Kind::OptU32 => "limit",
        Kind::Mac => "addr",
    };
    format!("{k}_{i}")
}

/// The variant of attribute `i` in the neli attribute enum.
fn variant(i: usize) -> String {
    let f = field(i);
    let mut out = String::new();
    for part in f.split('_') {
        let mut c = part.chars();
        if let Some(first) = c.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(c);
        }
    }
    out
}

const STATS: [&str; 4] = ["rx_packets", "tx_packets", "rx_dropped", "tx_dropped"];
const STATS_VARIANTS: [&str; 4] = ["RxPackets", "TxPackets", "RxDropped", "TxDropped"];

/// The genl crate's `lib.rs`.
fn genl_source() -> String {
    let mut s = String::from(
        "//! A 50-attribute message with genl's derive.\n\
         #![allow(missing_docs)]\n\
         use genl_core::message::build_message;\n\
         use genl_core::{AttrSet, Decode, GenlHeader, CheckedMulti};\n\n\
         #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]\n\
         pub struct Stats {\n",
    );
    for (i, f) in STATS.iter().enumerate() {
        let _ = writeln!(s, "    #[nla(id = {})]\n    pub {f}: u64,", i + 1);
    }
    s.push_str(
        "}\n\n#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]\npub struct Big<'a> {\n",
    );
    for i in 0..SCALARS {
        let _ = writeln!(
            s,
            "    #[nla(id = {})]\n    pub {}: {},",
            i + 1,
            field(i),
            genl_ty(kind(i))
        );
    }
    let _ = writeln!(
        s,
        "    #[nla(id = {}, nested)]\n    pub stats: Stats,\n    #[nla(id = {}, multi)]\n    pub queues: CheckedMulti<'a, u32>,\n}}\n",
        SCALARS + 1,
        SCALARS + 2
    );
    s.push_str(
        "/// The whole request message.\n\
         pub fn encode(m: &Big<'_>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {\n\
         \x20   build_message(buf, 0x20, 5, 1, GenlHeader { cmd: 1, version: 1 }, m)\n\
         }\n\n\
         /// The attributes decoded, and the queues summed.\n\
         pub fn decode(attrs: &[u8]) -> Result<(Big<'_>, u64), genl_core::DecodeError> {\n\
         \x20   let m = Big::decode(attrs)?;\n\
         \x20   let sum = m.queues.iter().map(u64::from).sum();\n\
         \x20   Ok((m, sum))\n\
         }\n",
    );
    s
}

/// The neli crate's `lib.rs`.
fn neli_source() -> String {
    let mut s = String::from(
        "//! The same 50-attribute message with neli 0.7.\n\
         #![allow(missing_docs)]\n\
         use std::io::Cursor;\n\
         use neli::{\n\
         \x20   attr::Attribute,\n\
         \x20   consts::{genl::{Cmd, NlAttrType}, nl::NlmF},\n\
         \x20   genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder},\n\
         \x20   neli_enum,\n\
         \x20   nl::{NlPayload, Nlmsghdr, NlmsghdrBuilder},\n\
         \x20   types::{Buffer, GenlBuffer},\n\
         \x20   FromBytes, Size, ToBytes,\n\
         };\n\n\
         pub type Error = Box<dyn std::error::Error>;\n\n\
         #[neli_enum(serialized_type = \"u8\")]\n\
         pub enum BigCmd {\n    Unspec = 0,\n    Get = 1,\n}\n\
         impl Cmd for BigCmd {}\n\n\
         #[neli_enum(serialized_type = \"u16\")]\n\
         pub enum StatsAttr {\n    Unspec = 0,\n",
    );
    for (i, v) in STATS_VARIANTS.iter().enumerate() {
        let _ = writeln!(s, "    {v} = {},", i + 1);
    }
    s.push_str("}\nimpl NlAttrType for StatsAttr {}\n\n#[neli_enum(serialized_type = \"u16\")]\npub enum BigAttr {\n    Unspec = 0,\n");
    for i in 0..SCALARS {
        let _ = writeln!(s, "    {} = {},", variant(i), i + 1);
    }
    let _ = writeln!(
        s,
        "    Stats = {},\n    Queue = {},\n}}\nimpl NlAttrType for BigAttr {{}}\n",
        SCALARS + 1,
        SCALARS + 2
    );
    s.push_str("#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]\npub struct Stats {\n");
    for f in STATS {
        let _ = writeln!(s, "    pub {f}: u64,");
    }
    s.push_str("}\n\n#[derive(Debug, Clone, Default, PartialEq, Eq)]\npub struct Big {\n");
    for i in 0..SCALARS {
        let _ = writeln!(s, "    pub {}: {},", field(i), neli_ty(kind(i)));
    }
    s.push_str("    pub stats: Stats,\n    pub queues: Vec<u32>,\n}\n\n");
    s.push_str(
        "fn attr<T: NlAttrType, P: Size + ToBytes>(t: T, p: P) -> Result<Nlattr<T, Buffer>, Error> {\n\
         \x20   Ok(NlattrBuilder::default()\n\
         \x20       .nla_type(AttrTypeBuilder::default().nla_type(t).build()?)\n\
         \x20       .nla_payload(p)\n\
         \x20       .build()?)\n\
         }\n\n\
         type Msg = Nlmsghdr<u16, Genlmsghdr<BigCmd, BigAttr>>;\n\n\
         /// The whole request message.\n\
         pub fn encode(m: &Big, buf: &mut Vec<u8>) -> Result<(), Error> {\n\
         \x20   use BigAttr as A;\n\
         \x20   let mut attrs = GenlBuffer::new();\n",
    );
    for i in 0..SCALARS {
        let (v, f) = (variant(i), field(i));
        let line = match kind(i) {
            Kind::Str => format!("    attrs.push(attr(A::{v}, m.{f}.as_str())?);\n"),
            Kind::OptU32 => {
                format!("    if let Some(v) = m.{f} {{\n        attrs.push(attr(A::{v}, v)?);\n    }}\n")
            }
            _ => format!("    attrs.push(attr(A::{v}, m.{f})?);\n"),
        };
        s.push_str(&line);
    }
    s.push_str(
        "    let mut stats = NlattrBuilder::default()\n\
         \x20       .nla_type(AttrTypeBuilder::default().nla_type(A::Stats).nla_nested(true).build()?)\n\
         \x20       .nla_payload(Buffer::new())\n\
         \x20       .build()?;\n",
    );
    for (f, v) in STATS.iter().zip(STATS_VARIANTS) {
        let _ = writeln!(
            s,
            "    stats = stats.nest(&attr(StatsAttr::{v}, m.stats.{f})?)?;"
        );
    }
    s.push_str(
        "    attrs.push(stats);\n\
         \x20   for q in &m.queues {\n\
         \x20       attrs.push(attr(A::Queue, *q)?);\n\
         \x20   }\n\
         \x20   let genl = GenlmsghdrBuilder::default().cmd(BigCmd::Get).version(1).attrs(attrs).build()?;\n\
         \x20   let msg: Msg = NlmsghdrBuilder::default()\n\
         \x20       .nl_type(0x20)\n\
         \x20       .nl_flags(NlmF::REQUEST | NlmF::ACK)\n\
         \x20       .nl_seq(1)\n\
         \x20       .nl_pid(0)\n\
         \x20       .nl_payload(NlPayload::Payload(genl))\n\
         \x20       .build()?;\n\
         \x20   let mut c = Cursor::new(std::mem::take(buf));\n\
         \x20   c.get_mut().clear();\n\
         \x20   let r = msg.to_bytes(&mut c);\n\
         \x20   *buf = c.into_inner();\n\
         \x20   Ok(r?)\n\
         }\n\n\
         /// The whole message decoded, and the queues summed.\n\
         pub fn decode(bytes: &[u8]) -> Result<(Big, u64), Error> {\n\
         \x20   use BigAttr as A;\n\
         \x20   let msg = Msg::from_bytes(&mut Cursor::new(bytes))?;\n\
         \x20   let genl = msg.get_payload().ok_or(\"no payload\")?;\n\
         \x20   let mut m = Big::default();\n\
         \x20   for a in genl.attrs().iter() {\n\
         \x20       match a.nla_type().nla_type() {\n",
    );
    for i in 0..SCALARS {
        let (v, f) = (variant(i), field(i));
        let line = match kind(i) {
            Kind::Str => format!(
                "            A::{v} => m.{f} = a.get_payload_as_with_len_borrowed::<&str>()?.trim_end_matches('\\0').to_string(),\n"
            ),
            Kind::OptU32 => format!("            A::{v} => m.{f} = Some(a.get_payload_as()?),\n"),
            _ => format!("            A::{v} => m.{f} = a.get_payload_as()?,\n"),
        };
        s.push_str(&line);
    }
    s.push_str("            A::Stats => {\n                let h = a.get_attr_handle::<StatsAttr>()?;\n                for n in h.iter() {\n                    match n.nla_type().nla_type() {\n");
    for (f, v) in STATS.iter().zip(STATS_VARIANTS) {
        let _ = writeln!(
            s,
            "                        StatsAttr::{v} => m.stats.{f} = n.get_payload_as()?,"
        );
    }
    s.push_str(
        "                        _ => {}\n\
         \x20                   }\n\
         \x20               }\n\
         \x20           }\n\
         \x20           A::Queue => m.queues.push(a.get_payload_as()?),\n\
         \x20           _ => {}\n\
         \x20       }\n\
         \x20   }\n\
         \x20   let sum = m.queues.iter().copied().map(u64::from).sum();\n\
         \x20   Ok((m, sum))\n\
         }\n",
    );
    s
}

struct Opts {
    runs: usize,
    keep: bool,
}

fn parse_args() -> Res<Opts> {
    let mut o = Opts {
        runs: 5,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                o.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--runs takes a positive number")?
            }
            "--keep" => o.keep = true,
            "-h" | "--help" => {
                println!(
                    "usage: compile-cost [--runs N] [--keep]\n\n\
                     Incremental build time (after touching src/lib.rs, N runs, default 5), \
                     expanded lines, LLVM IR lines and .rlib size of a 50-attribute message \
                     with genl's derive and with neli 0.7. --keep leaves the generated crates \
                     in place."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    Ok(o)
}

/// Runs cargo with `args` in `dir`; its stdout, or an error with stderr.
fn cargo(dir: &Path, target: &Path, args: &[&str], env: &[(&str, &str)]) -> Res<String> {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output()?;
    if !out.status.success() {
        return Err(format!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// What was measured for one crate.
struct Cost {
    name: &'static str,
    builds: Vec<f64>,
    noop: f64,
    full: Vec<f64>,
    expanded_lines: usize,
    ir_lines: usize,
    rlib_bytes: u64,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn measure(ws: &Path, target: &Path, name: &'static str, runs: usize) -> Res<Cost> {
    let lib = ws.join(name).join("src/lib.rs");
    let src = std::fs::read(&lib)?;
    let build = ["build", "--offline", "-q", "-p", name];
    cargo(ws, target, &build, &[])?;
    let mut builds = Vec::with_capacity(runs);
    for _ in 0..runs {
        // Touching: same content, a newer modification time.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&lib, &src)?;
        let t = Instant::now();
        cargo(ws, target, &build, &[])?;
        builds.push(t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    cargo(ws, target, &build, &[])?;
    let noop = t.elapsed().as_secs_f64();
    // The whole crate again (what any change to the message costs at
    // most): no incremental cache. Only this crate's flags change, so only
    // it is rebuilt.
    let mut full = Vec::with_capacity(runs);
    for i in 0..=runs {
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&lib, &src)?;
        let t = Instant::now();
        cargo(ws, target, &build, &[("CARGO_INCREMENTAL", "0")])?;
        // The first one also rebuilds after the change of flags.
        if i > 0 {
            full.push(t.elapsed().as_secs_f64());
        }
    }
    let rlib = std::fs::read_dir(target.join("debug"))?
        .filter_map(Result::ok)
        .find(|e| e.file_name() == *format!("lib{name}.rlib"))
        .ok_or_else(|| format!("no lib{name}.rlib in {}", target.display()))?;
    let rlib_bytes = rlib.metadata()?.len();
    let expanded = cargo(
        ws,
        target,
        &[
            "rustc",
            "--offline",
            "-q",
            "-p",
            name,
            "--lib",
            "--",
            "-Zunpretty=expanded",
        ],
        &[("RUSTC_BOOTSTRAP", "1")],
    )?;
    let ir_dir = target.join("ir").join(name);
    std::fs::create_dir_all(&ir_dir)?;
    let ir_file = ir_dir.join("lib.ll");
    let emit = format!("--emit=llvm-ir={}", ir_file.display());
    cargo(
        ws,
        target,
        &["rustc", "--offline", "-q", "-p", name, "--lib", "--", &emit],
        &[],
    )?;
    let ir_lines = std::fs::read_to_string(&ir_file)?.lines().count();
    Ok(Cost {
        name,
        builds,
        noop,
        full,
        expanded_lines: expanded.lines().count(),
        ir_lines,
        rlib_bytes,
    })
}

fn write_workspace(ws: &Path, root: &Path) -> Res<()> {
    let core = root.join("genl-core");
    std::fs::create_dir_all(ws.join("cc_genl/src"))?;
    std::fs::create_dir_all(ws.join("cc_neli/src"))?;
    std::fs::write(
        ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"cc_genl\", \"cc_neli\"]\nresolver = \"2\"\n",
    )?;
    // The main workspace's lock file: the same dependency versions, and
    // nothing to resolve online.
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"))?;
    std::fs::write(
        ws.join("cc_genl/Cargo.toml"),
        format!(
            "[package]\nname = \"cc_genl\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ngenl-core = {{ path = {:?} }}\n",
            core.display().to_string()
        ),
    )?;
    std::fs::write(
        ws.join("cc_neli/Cargo.toml"),
        "[package]\nname = \"cc_neli\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nneli = \"0.7\"\n",
    )?;
    std::fs::write(ws.join("cc_genl/src/lib.rs"), genl_source())?;
    std::fs::write(ws.join("cc_neli/src/lib.rs"), neli_source())?;
    Ok(())
}

fn run() -> Res<bool> {
    let opts = parse_args()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("genl-bench has no parent directory")?
        .to_path_buf();
    let ws: PathBuf =
        std::env::temp_dir().join(format!("genl-compile-cost-{}", std::process::id()));
    let target = root.join("target").join("compile-cost");
    write_workspace(&ws, &root)?;
    println!(
        "compile cost: a 50-attribute message ({SCALARS} scalars/strings/arrays/optionals, \
         a nest of 4, a u32 multi-attribute) with encode and decode, in {}",
        ws.display()
    );
    let result = (|| -> Res<Vec<Cost>> {
        Ok(vec![
            measure(&ws, &target, "cc_genl", opts.runs)?,
            measure(&ws, &target, "cc_neli", opts.runs)?,
        ])
    })();
    if opts.keep {
        println!("kept: {}", ws.display());
    } else {
        let _ = std::fs::remove_dir_all(&ws);
    }
    let costs = result?;
    println!(
        "\nseconds: medians of {} runs (min..max); incremental = `cargo build` after touching \
         src/lib.rs, full = the same without the incremental cache, no-op = nothing to do\n",
        opts.runs
    );
    println!(
        "{:<6} {:>12} {:>14} {:>7} {:>14} {:>8} {:>14} {:>9} {:>10}",
        "crate",
        "incremental",
        "min..max",
        "full",
        "min..max",
        "no-op",
        "expanded lines",
        "IR lines",
        "rlib bytes"
    );
    let range = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        format!("{lo:.3}..{hi:.3}")
    };
    for c in &costs {
        println!(
            "{:<6} {:>12.3} {:>14} {:>7.3} {:>14} {:>8.3} {:>14} {:>9} {:>10}",
            c.name.trim_start_matches("cc_"),
            median(&c.builds),
            range(&c.builds),
            median(&c.full),
            range(&c.full),
            c.noop,
            c.expanded_lines,
            c.ir_lines,
            c.rlib_bytes
        );
    }
    let (g, n) = (&costs[0], &costs[1]);
    let (gm, nm) = (median(&g.builds), median(&n.builds));
    println!();
    println!("COMPILE genl_incremental_s {gm:.3}");
    println!("COMPILE neli_incremental_s {nm:.3}");
    println!("COMPILE genl_full_s {:.3}", median(&g.full));
    println!("COMPILE neli_full_s {:.3}", median(&n.full));
    println!("RATIO compile_genl_vs_neli {:.3}", gm / nm);
    println!(
        "RATIO compile_full_genl_vs_neli {:.3}",
        median(&g.full) / median(&n.full)
    );
    println!(
        "RATIO expanded_lines_genl_vs_neli {:.3}",
        g.expanded_lines as f64 / n.expanded_lines as f64
    );
    println!(
        "RATIO ir_lines_genl_vs_neli {:.3}",
        g.ir_lines as f64 / n.ir_lines as f64
    );
    let mut ok = true;
    for (what, pass) in [
        (
            format!("genl incremental build {gm:.3} s <= {TARGET_SECS} s"),
            gm <= TARGET_SECS,
        ),
        (
            format!("genl incremental build {gm:.3} s <= neli's {nm:.3} s"),
            gm <= nm,
        ),
    ] {
        println!("TARGET {what}: {}", if pass { "PASS" } else { "MISS" });
        ok &= pass;
    }
    Ok(ok)
}

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("compile-cost: {e}");
            std::process::exit(2);
        }
    }
}
