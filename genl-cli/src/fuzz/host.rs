//! `genl fuzz` on the host: builds the project's module with KCOV for each
//! kernel asked for (the debug kernel by default), boots it with this
//! `genl` executable as the guest fuzzer, shows its progress live, and
//! keeps what it found under `target/genl-fuzz/<family>/`: the corpus
//! (`corpus/*.json`, fed back to the next run), findings
//! (`findings/<n>-<title>/`: `reproducer.json`, `transcript.txt`,
//! `report.txt`) and the coverage by function (`coverage.txt`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value as Json;

use super::coverage;
use super::error::FuzzError;
use super::protocol::{parse, Line};
pub use super::report::{coverage_table, Finding, FuzzReport, KernelRun};
use crate::project::Project;
use crate::vm::{self, kmod, Overrides, Plan};

/// `genl fuzz`'s arguments.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
The fuzzer runs in the debug kernel (KASAN, kmemleak, lockdep, UBSAN, KCOV),
built once into the cache (`genl vm fetch --kernels 6.12-debug`, ~8 min on 2
cores). It reads the family's YNL spec (genl generate writes it), so it knows
every operation, attribute, type and limit: requests start valid and are then
mutated at the edges the policy draws, as sequences over several sockets. A
program that reaches new code of the module (KCOV) joins the corpus, kept in
target/genl-fuzz/<family>/corpus and fed back to the next run.

A finding is a KASAN, UBSAN, lockdep, WARN, BUG or oops report, or a kmemleak
leak allocated through the module. Each is shrunk to a reproducer and saved
with a transcript in the schema's names; `genl fuzz --replay FILE` runs it
again. Findings fail the command (exit 1).")]
pub struct FuzzArgs {
    /// Seconds of fuzzing per kernel (the boot, the module build and the
    /// shrinking of findings come on top).
    #[arg(long, default_value_t = 60, value_name = "S")]
    pub time: u64,
    /// Kernels to fuzz on (comma-separated series) [default: 6.12-debug;
    /// others have no KCOV: the fuzzer then runs without coverage, and says so].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub kernels: Vec<String>,
    /// The random seed [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    /// The baseline: random commands and attribute bytes, no schema, no
    /// coverage feedback (coverage is still measured), no corpus.
    #[arg(long)]
    pub random: bool,
    /// Run this reproducer once (a program JSON) and report what the
    /// kernel says.
    #[arg(long, value_name = "FILE", conflicts_with = "random")]
    pub replay: Option<PathBuf>,
    /// Stop at the first finding.
    #[arg(long)]
    pub stop_on_finding: bool,
    /// Start from an empty corpus (the saved one is left as it is).
    #[arg(long)]
    pub fresh: bool,
    /// The family's YNL spec [default: the project's, from genl generate].
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The kernel module holding the family [default: the module dir's
    /// module named like the family, or its only one].
    #[arg(long, value_name = "NAME")]
    pub module: Option<String>,
    /// Write the run's summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Stream the guest console.
    #[arg(long)]
    pub verbose: bool,
}

/// The family's module among `kos`.
fn pick_module(kos: &[PathBuf], family: &str, asked: Option<&str>) -> Result<PathBuf, FuzzError> {
    let norm = |s: &str| s.replace('-', "_");
    let stem = |p: &Path| norm(&p.file_stem().unwrap_or_default().to_string_lossy());
    if let Some(m) = asked {
        return kos
            .iter()
            .find(|k| stem(k) == norm(m))
            .cloned()
            .ok_or_else(|| FuzzError::NoModule { name: m.to_owned() });
    }
    if let Some(k) = kos.iter().find(|k| stem(k) == norm(family)) {
        return Ok(k.clone());
    }
    match kos {
        [one] => Ok(one.clone()),
        _ => Err(FuzzError::WhichModule {
            count: kos.len(),
            family: family.to_owned(),
        }),
    }
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(60).collect()
}

/// Runs `genl fuzz` for `project`, handing `progress` each line of
/// progress as it happens (the guest's status, findings, each kernel's
/// end); returns the report, whose `Display` is the summary.
pub fn run(
    project: &Project,
    a: &FuzzArgs,
    progress: &mut dyn FnMut(&str),
) -> Result<FuzzReport, FuzzError> {
    let spec_path = match &a.spec {
        Some(s) => s.clone(),
        None => project.family_spec()?,
    };
    let spec_text = std::fs::read_to_string(&spec_path).map_err(io(&spec_path))?;
    let fam = genl_ynl::family::SpecFamily::parse(&spec_text).map_err(|error| FuzzError::Spec {
        path: spec_path.clone(),
        error,
    })?;
    let kernels = if a.kernels.is_empty() {
        vec!["6.12-debug".to_owned()]
    } else {
        a.kernels.clone()
    };
    let plan = Plan::new(
        project,
        &Overrides {
            kernels: Some(kernels),
            verbose: a.verbose,
            ..Default::default()
        },
    )
    .map_err(vm_error)?;
    let out_dir = project.root.join("target/genl-fuzz").join(&fam.name);
    let corpus_dir = out_dir.join("corpus");
    let exe = std::env::current_exe().map_err(FuzzError::Exe)?;
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let mut report = FuzzReport {
        family: fam.name.clone(),
        runs: Vec::new(),
        out_dir: out_dir.clone(),
    };
    let _lock = crate::cache::lock_project(&plan.work_dir)?;
    for k in vm::fetch(&plan).map_err(vm_error)? {
        let mut run = KernelRun {
            series: k.series.to_owned(),
            release: k.release.clone(),
            ..Default::default()
        };
        let kos = match kmod::build_with(
            &plan.work_dir,
            &plan.module_dir,
            &k,
            &kmod::BuildOptions { kcov: true },
        ) {
            Ok(kos) => kos,
            Err(e @ kmod::KmodError::NoKcov { .. }) => {
                progress(&format!(
                    "fuzz: {}: !!! {e}; fuzzing without coverage",
                    k.series
                ));
                kmod::build(&plan.work_dir, &plan.module_dir, &k).map_err(vm_error)?
            }
            Err(e) => return Err(vm_error(e)),
        };
        let ko = pick_module(&kos, &fam.name, a.module.as_deref())?;
        let module = ko
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .replace('-', "_");
        let mut files = vec![(
            "/etc/genl-fuzz/spec.yaml".to_owned(),
            spec_text.clone().into_bytes(),
        )];
        let mut args: Vec<String> = vec![
            "fuzz-guest".into(),
            "--spec".into(),
            "/etc/genl-fuzz/spec.yaml".into(),
            "--module".into(),
            module.clone(),
            "--ko".into(),
            format!(
                "/lib/modules/{}/extra/{}",
                k.release,
                ko.file_name().unwrap().to_string_lossy()
            ),
            "--time".into(),
            a.time.to_string(),
            "--seed".into(),
            seed.to_string(),
        ];
        if a.random {
            args.push("--random".into());
        }
        if a.stop_on_finding {
            args.push("--stop-on-finding".into());
        }
        if let Some(r) = &a.replay {
            let text = std::fs::read(r).map_err(io(r))?;
            files.push(("/etc/genl-fuzz/replay.json".into(), text));
            args.extend(["--replay".into(), "/etc/genl-fuzz/replay.json".into()]);
        } else if !a.random && !a.fresh {
            let mut n = 0;
            if let Ok(rd) = std::fs::read_dir(&corpus_dir) {
                for e in rd.flatten() {
                    if let Ok(b) = std::fs::read(e.path()) {
                        files.push((format!("/etc/genl-fuzz/corpus/{n}.json"), b));
                        n += 1;
                    }
                }
            }
            if n > 0 {
                args.extend(["--corpus-dir".into(), "/etc/genl-fuzz/corpus".into()]);
                progress(&format!(
                    "fuzz: starting from the saved corpus: {n} program(s) in {}",
                    corpus_dir.display()
                ));
            }
        }
        let start = Instant::now();
        let mut corpus: Vec<Json> = Vec::new();
        let mut cov: Option<Json> = None;
        let mut ended = false;
        let series = k.series;
        let mut on_line = |line: &str| {
            let Some((kind, v)) = parse(line) else { return };
            match kind {
                Line::Start => {
                    run.kcov = v["kcov"].as_bool().unwrap_or(false);
                    let why = v["no_coverage_because"].as_str().unwrap_or("");
                    progress(&format!(
                        "fuzz: {series}: fuzzing family {} (id {}) in module {} for {} s, {} mode, seed {}, coverage {}",
                        v["family"].as_str().unwrap_or("?"),
                        v["family_id"], v["module"].as_str().unwrap_or("?"), v["time"],
                        v["mode"].as_str().unwrap_or("?"), v["seed"],
                        if run.kcov { "KCOV".to_owned() } else { format!("OFF ({why})") }
                    ));
                }
                Line::Progress => {
                    progress(&format!(
                        "fuzz: {series}: {:>5} s  {} execs ({}/s)  {} blocks  {} edges  corpus {}  findings {}",
                        v["t"], v["execs"], v["eps"], v["pcs"], v["edges"], v["corpus"], v["findings"]
                    ));
                    if a.verbose {
                        progress(&format!("fuzz: {series}: time spent: {}", v["spent"]));
                    }
                    run.execs = v["execs"].as_u64().unwrap_or(0);
                    run.seconds = v["t"].as_f64().unwrap_or(0.0);
                    run.pcs = v["pcs"].as_u64().unwrap_or(0) as usize;
                    run.corpus = v["corpus"].as_u64().unwrap_or(0) as usize;
                }
                Line::Found => progress(&format!(
                    "fuzz: {series}: !!! FOUND after {:.1} s ({} execs): {} — shrinking it",
                    v["t"].as_f64().unwrap_or(0.0),
                    v["execs"],
                    v["title"].as_str().unwrap_or("?")
                )),
                Line::Finding => {
                    let f = Finding {
                        title: v["title"].as_str().unwrap_or("?").to_owned(),
                        kind: v["kind"].as_str().unwrap_or("?").to_owned(),
                        t: v["t"].as_f64().unwrap_or(0.0),
                        execs: v["execs"].as_u64().unwrap_or(0),
                        reproduced: v["reproduced"].as_bool(),
                        not_replayed_because: v["not_replayed_because"].as_str().map(str::to_owned),
                        reproducer: v["reproducer"].clone(),
                        transcript: strings(&v["transcript"]),
                        report: strings(&v["report"]),
                        also: strings(&v["also"]),
                        dir: None,
                    };
                    progress(&format!(
                        "fuzz: {series}: finding: {} ({}; reproducer of {} call(s), {})",
                        f.title,
                        f.kind,
                        f.reproducer["calls"].as_array().map_or(0, Vec::len),
                        match (f.reproduced, &f.not_replayed_because) {
                            (Some(true), _) => "reproduced on a fresh module".to_owned(),
                            (Some(false), _) => "NOT reproduced on a fresh module".to_owned(),
                            (None, Some(why)) => format!("not replayed: {why}"),
                            (None, None) =>
                                "not replayed (a leak: `genl fuzz --replay` checks it)".to_owned(),
                        },
                    ));
                    run.findings.push(f);
                }
                Line::Corpus => corpus.push(v),
                Line::Coverage => cov = Some(v),
                Line::Replayed => {
                    run.replay = strings(&v["transcript"]);
                }
                Line::End => {
                    ended = true;
                    let sp = &v["spent"];
                    if sp.is_object() {
                        progress(&format!(
                            "fuzz: {series}: time spent: running programs {} s, {} module reloads {} s, {} kmemleak scans {} s",
                            sp["exec"], sp["reloads"], sp["reload"], sp["scans"], sp["scan"]
                        ));
                    }
                    run.execs = v["execs"].as_u64().unwrap_or(run.execs);
                    if let Some(t) = v["t"].as_f64() {
                        run.seconds = t;
                    }
                    if let Some(p) = v["pcs"].as_u64() {
                        run.pcs = p as usize;
                    }
                }
            }
        };
        // Fuzzing, the shrinking of findings and kmemleak's scans; the debug
        // kernel's factor comes on top.
        let timeout = a.time + 240;
        // Logs and the initramfs of its own (`vm test` keeps its beside).
        let boot = vm::boot_program(
            &plan.work_dir.join("fuzz"),
            vm::ProgramBoot {
                kernel: &k,
                kos: &kos,
                program: &exe,
                args: &args,
                files: &files,
                timeout,
                on_line: &mut on_line,
                keep_going: true,
            },
        );
        match boot {
            Err(e) => run.errors.push(e.to_string()),
            Ok(r) => {
                if !ended {
                    run.errors.push(format!(
                        "the fuzzer did not finish (killed by an oops? the VM's timeout?): see {}",
                        r.log_path.display()
                    ));
                }
                // With findings the guest's kernel-log check fails too:
                // that is the same news. Without, it is news of its own.
                if let Err(e) = r.verdict() {
                    if run.findings.is_empty() {
                        run.errors.push(format!(
                            "the VM run failed: {e} (log: {})",
                            r.log_path.display()
                        ));
                    }
                }
            }
        }
        progress(&format!(
            "fuzz: {}: done in {:.0} s (boot included)",
            k.series,
            start.elapsed().as_secs_f64()
        ));
        // The corpus: one file per program, named by its content.
        if !corpus.is_empty() {
            std::fs::create_dir_all(&corpus_dir).map_err(io(&corpus_dir))?;
            for p in &corpus {
                let text = p.to_string();
                let name = format!("{:016x}.json", crate::cache::fnv1a(text.as_bytes()));
                let _ = std::fs::write(corpus_dir.join(name), text + "\n");
            }
        }
        if let Some(c) = &cov {
            match coverage::objdump(&ko) {
                Ok(od) => {
                    let sites = coverage::sites(&od);
                    let sections: BTreeMap<String, u64> = c["sections"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                                .collect()
                        })
                        .unwrap_or_default();
                    let pcs: Vec<u64> = c["pcs"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Json::as_u64).collect())
                        .unwrap_or_default();
                    let reached: HashSet<(String, u64)> = coverage::place(&pcs, &sections);
                    run.functions = coverage::by_function(&sites, &reached);
                }
                Err(e) => run.errors.push(format!("coverage by function: {e}")),
            }
        }
        save(&out_dir, k.series, &mut run)?;
        report.runs.push(run);
    }
    if let Some(j) = &a.json {
        std::fs::write(j, report.to_json().to_string() + "\n").map_err(io(j))?;
    }
    Ok(report)
}

crate::error::io_at!(FuzzError);

/// [`FuzzError::Vm`]: the VM steps' error, whatever its type.
fn vm_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> FuzzError {
    FuzzError::Vm(e.into())
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Writes each finding's files and the coverage table.
fn save(out: &Path, series: &str, run: &mut KernelRun) -> Result<(), FuzzError> {
    let w = |p: &Path, text: &str| std::fs::write(p, text).map_err(io(p));
    for (i, f) in run.findings.iter_mut().enumerate() {
        let dir = out
            .join("findings")
            .join(format!("{series}-{}-{}", i + 1, slug(&f.title)));
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        w(
            &dir.join("reproducer.json"),
            &(serde_json::to_string_pretty(&f.reproducer).unwrap_or_default() + "\n"),
        )?;
        w(
            &dir.join("transcript.txt"),
            &(f.transcript.join("\n") + "\n"),
        )?;
        w(&dir.join("report.txt"), &(f.report.join("\n") + "\n"))?;
        f.dir = Some(dir);
    }
    if !run.functions.is_empty() {
        std::fs::create_dir_all(out).map_err(io(out))?;
        w(
            &out.join(format!("coverage-{series}.txt")),
            &coverage_table(&run.functions),
        )?;
    }
    Ok(())
}
