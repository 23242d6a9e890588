//! `cargo xtask fuzz [--seconds N] [--sanitizer S] [--write-seeds] [TARGET...]`
//!
//! Builds the cargo-fuzz targets in `fuzz/` and runs each for N seconds
//! (default 20), starting from the seeds checked in under
//! `fuzz/seeds/<target>/` (real kernel replies from `tests/fixtures/*.hex`)
//! plus whatever earlier runs left in the git-ignored `fuzz/corpus/<target>/`.
//! Prints the executions per second and in total of each target, and fails on
//! any crash, assertion failure, timeout or leak; libFuzzer keeps the input
//! under `fuzz/artifacts/<target>/`. Installs cargo-fuzz when it is missing
//! and fails (never skips) when that is impossible.
//!
//! cargo-fuzz needs nightly compiler flags (`-Zsanitizer=...`,
//! `-Cpasses=sancov-module`); the machine has only the stable toolchain, so
//! the build runs with `RUSTC_BOOTSTRAP=1`, which makes stable rustc accept
//! them. AddressSanitizer works that way (the default, `--sanitizer address`);
//! `--sanitizer none` builds faster and runs about twice as fast.
//!
//! `--write-seeds` regenerates `fuzz/seeds/` from the fixtures and exits.
//! Environment: `GENL_FUZZ_TARGET_DIR` overrides the build directory
//! (default `fuzz/target`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util;

/// Every fuzz target (the `[[bin]]`s of `fuzz/Cargo.toml`).
pub const TARGETS: &[&str] = &[
    "attr_iter",
    "attr_set",
    "attr_enum",
    "nlctrl",
    "messages",
    "extack",
];

struct Opts {
    seconds: u64,
    sanitizer: String,
    write_seeds: bool,
    targets: Vec<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        seconds: 20,
        sanitizer: "address".into(),
        write_seeds: false,
        targets: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                o.seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&s| s > 0)
                    .ok_or("--seconds takes a positive number")?;
            }
            "--sanitizer" => {
                o.sanitizer = it
                    .next()
                    .filter(|s| ["address", "none"].contains(&s.as_str()))
                    .ok_or("--sanitizer takes `address` or `none`")?
                    .clone();
            }
            "--write-seeds" => o.write_seeds = true,
            t if TARGETS.contains(&t) => o.targets.push(t.to_owned()),
            other => {
                return Err(format!(
                    "unknown argument {other:?}\nusage: cargo xtask fuzz [--seconds N] \
                     [--sanitizer address|none] [--write-seeds] [TARGET...]\ntargets: {}",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    if o.targets.is_empty() {
        o.targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    Ok(o)
}

/// One target's result.
struct Outcome {
    target: String,
    execs: u64,
    per_sec: u64,
    new_units: u64,
    corpus: usize,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let root = util::workspace_root();
    let fuzz = root.join("fuzz");
    if o.write_seeds {
        return write_seeds(&root);
    }
    // The fuzz crate's own tests first: every target's invariants replayed
    // over the checked-in seeds (crashes found earlier are kept there).
    let st = Command::new("cargo")
        .args(["test", "--quiet"])
        .current_dir(&fuzz)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo test (fuzz crate): {e}"))?;
    if !st.success() {
        return Err("the fuzz crate's tests (seed replays) failed".into());
    }
    ensure_cargo_fuzz()?;
    let target_dir = std::env::var_os("GENL_FUZZ_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| fuzz.join("target"));
    let common = |cmd: &mut Command| {
        cmd.current_dir(&root)
            .env("RUSTC_BOOTSTRAP", "1")
            .arg("--sanitizer")
            .arg(&o.sanitizer)
            .arg("--target-dir")
            .arg(&target_dir);
    };

    println!(
        "fuzz: building {} targets (sanitizer {}) in {}",
        o.targets.len(),
        o.sanitizer,
        target_dir.display()
    );
    let t0 = Instant::now();
    let mut build = Command::new("cargo");
    build.args(["fuzz", "build"]);
    common(&mut build);
    let st = build
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo fuzz build: {e}"))?;
    if !st.success() {
        return Err("cargo fuzz build failed".into());
    }
    println!("fuzz: built in {:.0} s", t0.elapsed().as_secs_f64());

    let mut done = Vec::new();
    for t in &o.targets {
        let corpus = fuzz.join("corpus").join(t);
        let seeds = fuzz.join("seeds").join(t);
        let artifacts = fuzz.join("artifacts").join(t);
        for d in [&corpus, &artifacts] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        if !seeds.is_dir() {
            return Err(format!(
                "{} is missing (cargo xtask fuzz --write-seeds)",
                seeds.display()
            ));
        }
        println!("fuzz: {t} for {} s", o.seconds);
        let mut cmd = Command::new("cargo");
        cmd.args(["fuzz", "run", t]);
        common(&mut cmd);
        // New inputs go to the first directory (git-ignored); the seeds are
        // only read.
        cmd.arg(&corpus).arg(&seeds).arg("--").args([
            format!("-max_total_time={}", o.seconds),
            "-print_final_stats=1".into(),
            // A single input taking this long is a hang: report it.
            "-timeout=10".into(),
            format!("-artifact_prefix={}/", artifacts.display()),
        ]);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cargo fuzz run {t}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            for l in tail.iter().rev() {
                eprintln!("  {l}");
            }
            let found = list_dir(&artifacts);
            return Err(format!(
                "fuzz target {t} failed ({}); artifacts: {}\n  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run \
                 --sanitizer {} {t} <artifact>",
                out.status,
                if found.is_empty() {
                    "none (build error?)".to_owned()
                } else {
                    found.join(", ")
                },
                o.sanitizer
            ));
        }
        let stat = |key: &str| -> u64 {
            log.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let r = Outcome {
            target: t.clone(),
            execs: stat("stat::number_of_executed_units:"),
            per_sec: stat("stat::average_exec_per_sec:"),
            new_units: stat("stat::new_units_added:"),
            corpus: list_dir(&corpus).len(),
        };
        if r.execs == 0 {
            return Err(format!("fuzz target {t} ran no inputs:\n{log}"));
        }
        println!(
            "fuzz: {t}: {} execs, {} execs/s, {} new units",
            r.execs, r.per_sec, r.new_units
        );
        done.push(r);
    }
    println!(
        "\nfuzz summary ({} s per target, sanitizer {}):",
        o.seconds, o.sanitizer
    );
    println!(
        "  {:<12} {:>12} {:>10} {:>6} {:>7}",
        "target", "execs", "execs/s", "new", "corpus"
    );
    for r in &done {
        println!(
            "  {:<12} {:>12} {:>10} {:>6} {:>7}",
            r.target, r.execs, r.per_sec, r.new_units, r.corpus
        );
    }
    println!("  no crashes");
    Ok(())
}

fn list_dir(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .map(|r| {
            r.flatten()
                .map(|e| e.path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let have = || {
        Command::new("cargo")
            .args(["fuzz", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if have() {
        return Ok(());
    }
    println!("fuzz: cargo-fuzz missing; cargo install cargo-fuzz --locked");
    let st = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo install cargo-fuzz: {e}"))?;
    if st.success() && have() {
        Ok(())
    } else {
        Err(
            "cannot install cargo-fuzz (cargo install cargo-fuzz --locked failed): \
             the fuzz suite cannot run"
                .into(),
        )
    }
}

// ---------------------------------------------------------------------------
// Seeds from the captured kernel replies.

const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn hex(line: &str) -> Result<Vec<u8>, String> {
    let line = line.trim();
    if line.len() % 2 == 1 {
        return Err(format!("odd-length hex line ({} chars)", line.len()));
    }
    (0..line.len() / 2)
        .map(|i| {
            u8::from_str_radix(&line[2 * i..2 * i + 2], 16).map_err(|e| format!("bad hex: {e}"))
        })
        .collect()
}

/// One netlink message of a datagram: (type, flags, payload).
fn messages(d: &[u8]) -> Vec<(u16, u16, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + NLMSG_HDRLEN <= d.len() {
        let len = u32::from_ne_bytes(d[pos..pos + 4].try_into().unwrap()) as usize;
        if len < NLMSG_HDRLEN || pos + len > d.len() {
            break;
        }
        let ty = u16::from_ne_bytes([d[pos + 4], d[pos + 5]]);
        let flags = u16::from_ne_bytes([d[pos + 6], d[pos + 7]]);
        out.push((ty, flags, &d[pos + NLMSG_HDRLEN..pos + len]));
        pos += align4(len);
    }
    out
}

/// Splits `tests/fixtures/*.hex` into `fuzz/seeds/<target>/`: whole
/// datagrams for `messages`; flags + payload of every `NLMSG_ERROR`/`DONE`
/// for `extack`; the attributes of every genl message and the extended-ACK
/// TLVs for the attribute targets. Then the fuzz crate's unit tests add the
/// synthetic seeds (`GENL_FUZZ_WRITE_SEEDS=1`).
pub fn write_seeds(root: &Path) -> Result<(), String> {
    let fixtures = root.join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("{}: {e}", fixtures.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hex"))
        .collect();
    files.sort();
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        for (ln, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let d = hex(line).map_err(|e| format!("{}:{}: {e}", f.display(), ln + 1))?;
            let name = format!("{stem}-{}", ln + 1);
            for (i, (ty, flags, p)) in messages(&d).into_iter().enumerate() {
                let mname = format!("{name}-{i}");
                if ty == NLMSG_ERROR || ty == NLMSG_DONE {
                    let mut e = flags.to_ne_bytes().to_vec();
                    e.extend_from_slice(p);
                    seeds.push(("extack", mname.clone(), e));
                    // The extended-ACK TLVs.
                    if flags & NLM_F_ACK_TLVS != 0 && p.len() >= 4 + NLMSG_HDRLEN {
                        let req_len = u32::from_ne_bytes(p[4..8].try_into().unwrap()) as usize;
                        let code = i32::from_ne_bytes(p[..4].try_into().unwrap());
                        let echoed = if ty == NLMSG_DONE {
                            0
                        } else if flags & NLM_F_CAPPED != 0 || code == 0 {
                            NLMSG_HDRLEN
                        } else {
                            align4(req_len).max(NLMSG_HDRLEN)
                        };
                        if let Some(tlv) = p.get(4 + echoed..).filter(|t| !t.is_empty()) {
                            for t in ["attr_iter", "attr_set"] {
                                seeds.push((t, format!("{mname}-extack"), tlv.to_vec()));
                            }
                        }
                    }
                } else if ty >= 16 && p.len() > GENL_HDRLEN {
                    for t in ["attr_iter", "attr_set", "attr_enum", "nlctrl"] {
                        seeds.push((t, mname.clone(), p[GENL_HDRLEN..].to_vec()));
                    }
                }
            }
            seeds.push(("messages", name, d));
        }
    }
    let dir = root.join("fuzz/seeds");
    for t in TARGETS {
        let d = dir.join(t);
        if d.exists() {
            std::fs::remove_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let mut seen: BTreeSet<(&str, Vec<u8>)> = BTreeSet::new();
    let mut n = 0;
    for (t, name, bytes) in seeds {
        if seen.insert((t, bytes.clone())) {
            let p = dir.join(t).join(name);
            std::fs::write(&p, &bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            n += 1;
        }
    }
    println!("fuzz: wrote {n} seed files from {} fixtures", files.len());
    let st = Command::new("cargo")
        .args(["test", "--manifest-path", "fuzz/Cargo.toml", "--lib"])
        .current_dir(root)
        .env("GENL_FUZZ_WRITE_SEEDS", "1")
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cargo test (fuzz seeds): {e}"))?;
    if !st.success() {
        return Err("the fuzz crate's seed tests failed".into());
    }
    Ok(())
}
