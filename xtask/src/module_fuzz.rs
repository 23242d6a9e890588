//! `genl fuzz` in CI, and the planted-bug suite that shows what it earns.
//!
//! - `cargo xtask genl-fuzz [--time S]`: `genl fuzz` on this repository's
//!   family (genl_demo, kmod-c) in the debug kernel: coverage reported, no
//!   finding allowed.
//! - `cargo xtask fuzz-planted [--budget S] [--baseline] [--jobs N] [BUG...]`: each
//!   planted bug of `xtask/fuzz-planted/` (a patch to the module `genl new
//!   planted` scaffolds) applied to a fresh copy of that scaffold, then
//!   `genl fuzz --stop-on-finding` with the budget; it must find the bug
//!   (the report's title names what the bug's table row says). With
//!   `--baseline` the random fuzzer (`genl fuzz --random`) gets the same
//!   budget on each. Prints the table: time and executions to the finding,
//!   basic blocks reached, the reproducer's size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value as Json;

use crate::util;

/// A planted bug: its file stem under `xtask/fuzz-planted/`, and what the
/// report's title must contain.
pub struct Bug {
    /// `<n>-<slug>`: the patch is `<stem>.patch`.
    pub stem: &'static str,
    /// The report's kind (`kasan`, `warn`, `kmemleak`, `ubsan`).
    pub kind: &'static str,
    /// Text the report's title contains.
    pub title: &'static str,
}

/// The planted bugs (see xtask/fuzz-planted/README.md).
pub const BUGS: &[Bug] = &[
    Bug {
        stem: "1-oob-max-len",
        kind: "kasan",
        title: "BUG: KASAN: slab-out-of-bounds in planted_nl_add_doit",
    },
    Bug {
        stem: "2-dump-leak",
        kind: "kmemleak",
        title: "memory leak in planted_nl_get_dumpit",
    },
    Bug {
        stem: "3-reset-uaf",
        kind: "kasan",
        title: "BUG: KASAN: slab-use-after-free in planted_nl_get_dumpit",
    },
    Bug {
        stem: "4-missing-check",
        kind: "ubsan",
        title: "UBSAN: array-index-out-of-bounds in",
    },
    Bug {
        stem: "5-warn-3-steps",
        kind: "warn",
        title: "planted_nl_add_doit",
    },
    Bug {
        stem: "6-reset-oops",
        kind: "bug",
        title: "general protection fault in planted_nl_reset_doit",
    },
];

/// The `genl` executable of this checkout, built (dev profile) if needed.
pub fn genl_exe() -> Result<PathBuf, String> {
    let root = util::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "--quiet", "-p", "genl-cli", "--bin", "genl"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cargo build -p genl-cli: {e}"))?;
    if !st.success() {
        return Err("cargo build -p genl-cli failed".into());
    }
    Ok(root.join("target/debug/genl"))
}

/// Runs `genl fuzz ARGS --json FILE` in `dir`; the JSON report and whether
/// the command succeeded.
fn genl_fuzz(genl: &Path, dir: &Path, args: &[&str]) -> Result<(Json, bool), String> {
    let (v, ok, _) = genl_fuzz_in(genl, dir, args, false)?;
    Ok((v, ok))
}

/// [`genl_fuzz`], its output printed as it comes or (`capture`) returned
/// (runs side by side print whole).
fn genl_fuzz_in(
    genl: &Path,
    dir: &Path,
    args: &[&str],
    capture: bool,
) -> Result<(Json, bool, String), String> {
    let json = dir.join("target/genl-fuzz-report.json");
    let _ = std::fs::create_dir_all(json.parent().unwrap());
    let _ = std::fs::remove_file(&json);
    let head = format!(
        "\nfuzz: $ (cd {}; genl fuzz {})",
        dir.display(),
        args.join(" ")
    );
    let mut cmd = Command::new(genl);
    cmd.arg("fuzz")
        .args(args)
        .arg("--json")
        .arg(&json)
        .current_dir(dir)
        .env_remove("GENL_VM_KERNELS");
    let (st, out) = if capture {
        let o = cmd.output().map_err(|e| format!("genl fuzz: {e}"))?;
        let text = format!(
            "{head}\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status, text)
    } else {
        println!("{head}");
        (
            cmd.status().map_err(|e| format!("genl fuzz: {e}"))?,
            String::new(),
        )
    };
    let text = std::fs::read_to_string(&json).map_err(|e| {
        format!(
            "genl fuzz wrote no report ({st}): {}: {e}\n{out}",
            json.display()
        )
    })?;
    let v = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
    Ok((v, st.success(), out))
}

fn arg_value(args: &[String], name: &str) -> Result<Option<u64>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{name} takes a number of seconds")),
    }
}

/// `cargo xtask genl-fuzz [--time S]`.
pub fn demo(args: &[String]) -> Result<(), String> {
    let time = arg_value(args, "--time")?.unwrap_or(60).to_string();
    let genl = genl_exe()?;
    let root = util::workspace_root();
    let (v, ok) = genl_fuzz(&genl, &root, &["--time", &time, "--seed", "1"])?;
    let run = &v["runs"][0];
    let (blocks, reached) = (
        run["blocks"].as_u64().unwrap_or(0),
        run["blocks_reached"].as_u64().unwrap_or(0),
    );
    println!(
        "GENL-FUZZ genl_demo on {}: {} execs in {:.0} s, {reached}/{blocks} basic blocks, corpus {}, findings {}",
        run["release"].as_str().unwrap_or("?"),
        run["execs"],
        run["seconds"].as_f64().unwrap_or(0.0),
        run["corpus"],
        run["findings"].as_array().map_or(0, Vec::len)
    );
    if !ok {
        return Err("genl fuzz failed on genl_demo (findings or errors above)".into());
    }
    if run["kcov"] != Json::Bool(true) || reached == 0 {
        return Err("genl fuzz ran without coverage on the debug kernel".into());
    }
    Ok(())
}

/// One row of the planted-bug table.
struct Row {
    bug: &'static str,
    found: Option<(f64, u64, String, usize, Option<bool>)>,
    blocks: (u64, u64),
    baseline: Option<Option<(f64, u64)>>,
    baseline_blocks: (u64, u64),
    error: Option<String>,
}

/// The first finding of a run: seconds, executions, title, reproducer
/// calls, reproduced (`None`: not replayed, a leak or an oops).
fn first_finding(v: &Json) -> Option<(f64, u64, String, usize, Option<bool>)> {
    let f = v["runs"][0]["findings"].as_array()?.first()?;
    Some((
        f["t"].as_f64().unwrap_or(0.0),
        f["execs"].as_u64().unwrap_or(0),
        format!(
            "{} [{}]",
            f["title"].as_str().unwrap_or("?"),
            f["kind"].as_str().unwrap_or("?")
        ),
        f["reproducer"]["calls"].as_array().map_or(0, Vec::len),
        f["reproduced"].as_bool(),
    ))
}

fn blocks(v: &Json) -> (u64, u64) {
    let r = &v["runs"][0];
    (
        r["blocks_reached"].as_u64().unwrap_or(0),
        r["blocks"].as_u64().unwrap_or(0),
    )
}

/// `cargo xtask fuzz-planted [--budget S] [--baseline] [--jobs N] [BUG...]`
/// (`--jobs`: bugs fuzzed side by side, default 2).
pub fn planted(args: &[String]) -> Result<(), String> {
    let budget = arg_value(args, "--budget")?.unwrap_or(120);
    let jobs = arg_value(args, "--jobs")?.unwrap_or(2).max(1) as usize;
    let baseline = args.iter().any(|a| a == "--baseline");
    let wanted: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0 || !matches!(args[i - 1].as_str(), "--budget" | "--jobs"))
        })
        .map(|(_, a)| a)
        .collect();
    let bugs: Vec<&Bug> = BUGS
        .iter()
        .filter(|b| wanted.is_empty() || wanted.iter().any(|w| b.stem.contains(w.as_str())))
        .collect();
    if bugs.is_empty() {
        return Err(format!("no planted bug matches {wanted:?}"));
    }
    let root = util::workspace_root();
    let planted_dir = root.join("xtask/fuzz-planted");
    let genl = genl_exe()?;
    let tmp = std::env::temp_dir().join(format!("genl-fuzz-planted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let result = (|| -> Result<Vec<Row>, String> {
        // The scaffold, once; each bug gets a copy.
        let st = Command::new(&genl)
            .args(["new", "planted"])
            .current_dir(&tmp)
            .status()
            .map_err(|e| format!("genl new planted: {e}"))?;
        if !st.success() {
            return Err("genl new planted failed".into());
        }
        let base = tmp.join("planted");
        // Two bugs at a time: a fuzzer keeps one vCPU busy, the machine
        // has two cores.
        let results = genl_cli::lanes::in_lanes(bugs.clone(), jobs, &|_| 0, |b| {
            let r = one_bug(&genl, &base, &tmp, &planted_dir, b, budget, baseline);
            if let Ok((_, out)) = &r {
                print!("{out}");
            }
            r.map(|x| x.0)
        });
        let rows = results.into_iter().collect::<Result<Vec<Row>, String>>()?;
        Ok(rows)
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    let rows = result?;
    println!("\n==================== planted bugs: genl fuzz (budget {budget} s of fuzzing each, 6.12-debug) ====================");
    println!(
        "{:<20} {:>28} {:>12} {:>9}  {}",
        "bug",
        "genl fuzz: found after",
        "blocks",
        "repro",
        if baseline {
            "random fuzzer (same budget): found after / blocks"
        } else {
            ""
        }
    );
    let mut failed = Vec::new();
    for r in &rows {
        let found = match &r.found {
            Some((t, n, _, _, _)) => format!("{t:.1} s ({n} execs)"),
            None => "NOT FOUND".into(),
        };
        let repro = match &r.found {
            Some((_, _, _, calls, ok)) => format!(
                "{calls} calls{}",
                match ok {
                    Some(true) => "",
                    Some(false) => " (!)",
                    None => " (~)",
                }
            ),
            None => "-".into(),
        };
        let base = match &r.baseline {
            None => String::new(),
            Some(None) => format!(
                "not found / {}/{}",
                r.baseline_blocks.0, r.baseline_blocks.1
            ),
            Some(Some((t, n))) => format!(
                "{t:.1} s ({n} execs) / {}/{}",
                r.baseline_blocks.0, r.baseline_blocks.1
            ),
        };
        println!(
            "PLANTED {:<20} {:>28} {:>12} {:>9}  {base}",
            r.bug,
            found,
            format!("{}/{}", r.blocks.0, r.blocks.1),
            repro
        );
        if let Some((_, _, title, _, _)) = &r.found {
            println!("        {title}");
        }
        if let Some(e) = &r.error {
            failed.push(format!("{}: {e}", r.bug));
        }
    }
    println!("repro: the reproducer's calls; (!) it did not reproduce the bug on a fresh module; (~) not replayed (a leak, or an oops that left the module stuck: `genl fuzz --replay` replays it)");
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// One planted bug: a copy of the scaffold, the patch, `genl fuzz` (and
/// the baseline); the row and what the runs printed.
fn one_bug(
    genl: &Path,
    base: &Path,
    tmp: &Path,
    planted_dir: &Path,
    b: &Bug,
    budget: u64,
    baseline: bool,
) -> Result<(Row, String), String> {
    let mut printed = String::new();
    let dir = tmp.join(b.stem);
    let st = Command::new("cp")
        .arg("-a")
        .arg(base)
        .arg(&dir)
        .status()
        .map_err(|e| format!("cp: {e}"))?;
    if !st.success() {
        return Err(format!("cp -a {} {}", base.display(), dir.display()));
    }
    let patch = planted_dir.join(format!("{}.patch", b.stem));
    let st = Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(&patch)
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("patch: {e}"))?;
    if !st.success() {
        return Err(format!(
            "{} does not apply to the scaffold of `genl new planted` (the template changed?)",
            patch.display()
        ));
    }
    let t = Instant::now();
    let budget_s = budget.to_string();
    let mut row = Row {
        bug: b.stem,
        found: None,
        blocks: (0, 0),
        baseline: None,
        baseline_blocks: (0, 0),
        error: None,
    };
    let (v, _, out) = genl_fuzz_in(
        genl,
        &dir,
        &[
            "--time",
            &budget_s,
            "--stop-on-finding",
            "--fresh",
            "--seed",
            "1",
        ],
        true,
    )?;
    printed += &out;
    row.found = first_finding(&v);
    row.blocks = blocks(&v);
    match &row.found {
        None => row.error = Some(format!("not found within {budget} s")),
        Some((_, _, title, _, _))
            if !title.contains(b.title) || !title.ends_with(&format!("[{}]", b.kind)) =>
        {
            row.error = Some(format!(
                "found something else: {title:?} (expected {:?})",
                b.title
            ))
        }
        _ => {}
    }
    if baseline {
        let (v, _, out) = genl_fuzz_in(
            genl,
            &dir,
            &[
                "--time",
                &budget_s,
                "--stop-on-finding",
                "--random",
                "--seed",
                "1",
            ],
            true,
        )?;
        printed += &out;
        row.baseline = Some(first_finding(&v).map(|f| (f.0, f.1)));
        row.baseline_blocks = blocks(&v);
    }
    printed += &format!(
        "fuzz-planted: {} done in {:.0} s\n",
        b.stem,
        t.elapsed().as_secs_f64()
    );
    Ok((row, printed))
}
