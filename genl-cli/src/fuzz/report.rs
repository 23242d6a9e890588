//! What `genl fuzz` found ([`FuzzReport`]): per kernel its numbers,
//! findings, errors and coverage; `Display` is the summary the command
//! ends with.

use std::fmt;
use std::path::PathBuf;

use serde_json::Value as Json;

use super::coverage;

/// One finding as the guest reported it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The report's title.
    pub title: String,
    /// Its kind (`kasan`, `warn`, `kmemleak`, …).
    pub kind: String,
    /// Seconds into the fuzzing when it was seen.
    pub t: f64,
    /// Executions until then.
    pub execs: u64,
    /// Whether the reproducer reproduced it on a fresh module (`None`: not
    /// replayed, as for leaks; see `not_replayed_because`).
    pub reproduced: Option<bool>,
    /// Why it was not replayed (a leak; an oops that left the module
    /// stuck), when `reproduced` is `None`.
    pub not_replayed_because: Option<String>,
    /// The reproducer (program JSON).
    pub reproducer: Json,
    /// Its transcript.
    pub transcript: Vec<String>,
    /// The kernel's report.
    pub report: Vec<String>,
    /// Other reports the same inputs caused (part of this finding).
    pub also: Vec<String>,
    /// Where it was saved.
    pub dir: Option<PathBuf>,
}

/// One kernel's run.
#[derive(Debug, Clone, Default)]
pub struct KernelRun {
    /// The series.
    pub series: String,
    /// The release.
    pub release: String,
    /// Executions.
    pub execs: u64,
    /// Seconds fuzzed.
    pub seconds: f64,
    /// Whether KCOV coverage was on.
    pub kcov: bool,
    /// Module PCs (basic blocks) reached.
    pub pcs: usize,
    /// Corpus programs at the end.
    pub corpus: usize,
    /// Coverage by function (empty without KCOV).
    pub functions: Vec<coverage::FunctionCoverage>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// What went wrong besides findings (the fuzzer did not finish, the VM
    /// failed).
    pub errors: Vec<String>,
    /// The replay's transcript (`--replay`).
    pub replay: Vec<String>,
}

/// What `genl fuzz` did.
#[derive(Debug, Clone, Default)]
pub struct FuzzReport {
    /// The family.
    pub family: String,
    /// Per kernel.
    pub runs: Vec<KernelRun>,
    /// Where the corpus, findings and coverage tables are kept
    /// (`target/genl-fuzz/<family>`).
    pub out_dir: PathBuf,
}

impl FuzzReport {
    /// Findings or errors on any kernel.
    pub fn failed(&self) -> bool {
        self.runs
            .iter()
            .any(|r| !r.findings.is_empty() || !r.errors.is_empty())
    }

    /// As JSON (`--json`).
    pub fn to_json(&self) -> Json {
        serde_json::json!({
            "family": self.family,
            "runs": self.runs.iter().map(|r| serde_json::json!({
                "series": r.series, "release": r.release, "execs": r.execs,
                "seconds": r.seconds, "kcov": r.kcov, "pcs": r.pcs, "corpus": r.corpus,
                "blocks": r.functions.iter().map(|f| f.blocks).sum::<usize>(),
                "blocks_reached": r.functions.iter().map(|f| f.reached).sum::<usize>(),
                "functions": r.functions.iter().map(|f| serde_json::json!({"name": f.name, "blocks": f.blocks, "reached": f.reached})).collect::<Vec<_>>(),
                "findings": r.findings.iter().map(|f| serde_json::json!({
                    "title": f.title, "kind": f.kind, "t": f.t, "execs": f.execs,
                    "reproduced": f.reproduced, "not_replayed_because": f.not_replayed_because,
                    "reproducer": f.reproducer, "also": f.also,
                    "transcript": f.transcript, "dir": f.dir,
                })).collect::<Vec<_>>(),
                "errors": r.errors,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The coverage table: blocks reached per function, the unreached last.
pub fn coverage_table(fs: &[coverage::FunctionCoverage]) -> String {
    let (b, r): (usize, usize) = fs
        .iter()
        .fold((0, 0), |(b, r), f| (b + f.blocks, r + f.reached));
    let mut s = format!(
        "basic blocks reached: {r} of {b} ({:.0}%)\n",
        100.0 * r as f64 / b.max(1) as f64
    );
    let mut sorted: Vec<&coverage::FunctionCoverage> = fs.iter().collect();
    sorted.sort_by(|x, y| {
        (y.reached > 0)
            .cmp(&(x.reached > 0))
            .then(x.name.cmp(&y.name))
    });
    for f in sorted {
        s += &format!(
            "  {:>4}/{:<4} {}{}\n",
            f.reached,
            f.blocks,
            f.name,
            if f.reached == 0 {
                "   (never reached)"
            } else {
                ""
            }
        );
    }
    s
}

/// The summary `genl fuzz` ends with: per kernel PASS or FAIL, its
/// numbers, findings, errors and where the coverage by function is.
impl fmt::Display for FuzzReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, out) = (self, &self.out_dir);
        writeln!(
            f,
            "\n==================== fuzz summary: {} ====================",
            r.family
        )?;
        for run in &r.runs {
            let (b, reached): (usize, usize) = run
                .functions
                .iter()
                .fold((0, 0), |(b, x), c| (b + c.blocks, x + c.reached));
            writeln!(
                f,
                "{:>4}  {} ({}): {} execs in {:.0} s, coverage {}, corpus {}, {} finding(s)",
                if run.findings.is_empty() && run.errors.is_empty() {
                    "PASS"
                } else {
                    "FAIL"
                },
                run.series,
                run.release,
                run.execs,
                run.seconds,
                if run.kcov {
                    format!(
                        "{reached}/{b} basic blocks ({:.0}%)",
                        100.0 * reached as f64 / b.max(1) as f64
                    )
                } else {
                    "off (no KCOV)".into()
                },
                run.corpus,
                run.findings.len()
            )?;
            for x in &run.findings {
                writeln!(
                    f,
                    "      FINDING {} [{}] after {:.1} s",
                    x.title, x.kind, x.t
                )?;
                for a in &x.also {
                    writeln!(f, "        with: {a}")?;
                }
                if let Some(d) = &x.dir {
                    writeln!(
                        f,
                        "        saved in {} (replay: genl fuzz --replay {}/reproducer.json)",
                        d.display(),
                        d.display()
                    )?;
                }
                for l in &x.transcript {
                    writeln!(f, "        {l}")?;
                }
            }
            for e in &run.errors {
                writeln!(f, "      ERROR {e}")?;
            }
            if !run.replay.is_empty() {
                writeln!(f, "      replayed:")?;
                for l in &run.replay {
                    writeln!(f, "        {l}")?;
                }
            }
            if !run.functions.is_empty() {
                let never: Vec<&str> = run
                    .functions
                    .iter()
                    .filter(|c| c.reached == 0)
                    .map(|c| c.name.as_str())
                    .collect();
                writeln!(
                    f,
                    "      coverage by function: {} (never reached: {})",
                    out.join(format!("coverage-{}.txt", run.series)).display(),
                    if never.is_empty() {
                        "none".to_owned()
                    } else {
                        never.join(", ")
                    }
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(series: &str) -> KernelRun {
        KernelRun {
            series: series.into(),
            release: format!("{series}.0-1-amd64"),
            execs: 1200,
            seconds: 60.4,
            kcov: true,
            corpus: 7,
            functions: vec![
                coverage::FunctionCoverage {
                    name: "fam_get".into(),
                    blocks: 3,
                    reached: 3,
                },
                coverage::FunctionCoverage {
                    name: "fam_set".into(),
                    blocks: 1,
                    reached: 0,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn the_summary_says_pass_or_fail_per_kernel_with_its_findings() {
        let mut bad = run("6.12-debug");
        bad.kcov = false;
        bad.functions.clear();
        bad.findings.push(Finding {
            title: "KASAN: slab-out-of-bounds in fam_set".into(),
            kind: "kasan".into(),
            t: 12.25,
            execs: 500,
            reproduced: Some(true),
            not_replayed_because: None,
            reproducer: Json::Null,
            transcript: vec!["SET a=1".into()],
            report: vec![],
            also: vec!["WARN in x".into()],
            dir: Some(PathBuf::from("/o/findings/1")),
        });
        bad.errors.push("the VM run failed".into());
        let r = FuzzReport {
            family: "fam".into(),
            runs: vec![run("6.12"), bad],
            out_dir: PathBuf::from("/o"),
        };
        assert!(r.failed());
        assert_eq!(
            r.to_string(),
            "\n==================== fuzz summary: fam ====================\n\
             PASS  6.12 (6.12.0-1-amd64): 1200 execs in 60 s, coverage 3/4 basic blocks (75%), \
             corpus 7, 0 finding(s)\n      \
             coverage by function: /o/coverage-6.12.txt (never reached: fam_set)\n\
             FAIL  6.12-debug (6.12-debug.0-1-amd64): 1200 execs in 60 s, coverage off (no KCOV), \
             corpus 7, 1 finding(s)\n      \
             FINDING KASAN: slab-out-of-bounds in fam_set [kasan] after 12.2 s\n        \
             with: WARN in x\n        \
             saved in /o/findings/1 (replay: genl fuzz --replay /o/findings/1/reproducer.json)\n        \
             SET a=1\n      \
             ERROR the VM run failed\n"
        );
    }

    #[test]
    fn a_clean_report_has_not_failed() {
        let r = FuzzReport {
            family: "fam".into(),
            runs: vec![run("6.1")],
            out_dir: PathBuf::from("/o"),
        };
        assert!(!r.failed());
    }
}
