//! Running suites, reporting them, and installing what they need.

use std::process::Command;
use std::time::Instant;

/// One suite: an external command.
pub struct Suite {
    name: String,
    cmd: Command,
}

impl Suite {
    /// A suite that runs `program args...` from the workspace root.
    pub fn cmd(name: &str, program: &str, args: &[&str]) -> Suite {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(workspace_root());
        Suite {
            name: name.to_owned(),
            cmd,
        }
    }

    /// Sets an environment variable for the suite.
    pub fn env(mut self, k: &str, v: &str) -> Suite {
        self.cmd.env(k, v);
        self
    }
}

#[derive(Default)]
pub struct Summary {
    rows: Vec<(String, &'static str, String)>,
    /// What each failed suite printed last, its errors first (see
    /// `capture::excerpt`), repeated under the summary: a CI log is often
    /// read from its end.
    failures: Vec<(String, Vec<String>)>,
    notes: Vec<String>,
    /// Run only the suites whose name contains this (`--only`).
    pub only: Option<String>,
}

impl Summary {
    /// Whether the suite `name` is selected (see `only`).
    pub fn selected(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| name.contains(o.as_str()))
    }

    pub fn run(&mut self, mut s: Suite) {
        if !self.selected(&s.name) {
            return;
        }
        banner(&s.name);
        let t = Instant::now();
        let (status, tail) = crate::capture::run(|| s.cmd.status());
        let secs = format!("{:.1}s", t.elapsed().as_secs_f64());
        let verdict = match status {
            Ok(st) if st.success() => "PASS",
            Ok(_) => "FAIL",
            Err(e) => {
                eprintln!("could not start: {e}");
                "FAIL"
            }
        };
        if verdict == "FAIL" {
            self.failures.push((s.name.clone(), tail));
        }
        self.rows.push((s.name, verdict, secs));
    }

    pub fn run_fn(&mut self, name: &str, f: impl FnOnce() -> Result<(), String>) {
        if !self.selected(name) {
            return;
        }
        banner(name);
        let t = Instant::now();
        let (verdict, tail) = crate::capture::run(|| match f() {
            Ok(()) => "PASS",
            Err(e) => {
                eprintln!("{name}: {e}");
                "FAIL"
            }
        });
        if verdict == "FAIL" {
            self.failures.push((name.to_owned(), tail));
        }
        self.rows.push((
            name.to_owned(),
            verdict,
            format!("{:.1}s", t.elapsed().as_secs_f64()),
        ));
    }

    pub fn skipped(&mut self, name: &str, why: &str) {
        if !self.selected(name) && !name.starts_with("cargo test: ") {
            return;
        }
        eprintln!("\n!!!!!!!! SKIPPED: {name}: {why} !!!!!!!!\n");
        self.rows.push((name.to_owned(), "SKIPPED", why.to_owned()));
    }

    /// One SKIPPED row per line (`<test>\t<why>`) of the skip log a suite
    /// wrote (see `tests/common/mod.rs`'s `skip`); none when there is no log.
    pub fn skipped_from_log(&mut self, suite: &str, log: &std::path::Path) {
        let Ok(text) = std::fs::read_to_string(log) else {
            return;
        };
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let (test, why) = l.split_once('\t').unwrap_or((l, "no reason given"));
            self.skipped(&format!("{suite}: {test}"), why);
        }
    }

    pub fn note(&mut self, n: &str) {
        self.notes.push(n.to_owned());
    }

    pub fn finish(self, allow_skip: bool) -> Result<(), String> {
        println!("\n==================== genl test summary ====================");
        for (name, verdict, info) in &self.rows {
            println!("{verdict:>8}  {name}  ({info})");
        }
        for n in &self.notes {
            println!("    note: {n}");
        }
        for (name, lines) in &self.failures {
            println!("---- FAIL {name}: what it printed last, errors first ----");
            for l in lines {
                println!("    | {l}");
            }
        }
        let count = |v: &str| self.rows.iter().filter(|r| r.1 == v).count();
        let (p, f, s) = (count("PASS"), count("FAIL"), count("SKIPPED"));
        println!("suites: {p} passed, {f} failed, {s} skipped");
        if let Some(o) = &self.only {
            println!("(only the suites matching {o:?} ran: --only)");
        }
        if f > 0 {
            return Err(format!("{f} suite(s) failed"));
        }
        if s > 0 && !allow_skip {
            return Err(format!(
                "{s} suite(s) could not run on this machine (set GENL_ALLOW_SKIP=1 to accept)"
            ));
        }
        Ok(())
    }
}

fn banner(name: &str) {
    println!("\n==================== {name} ====================");
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

pub use genl_cli::host::{apt_install, is_root};

/// Packages the host suites need: iproute2 (`genl`, `ip`) for expected
/// values from outside the code under test, ethtool for device checks,
/// abigail-tools (`abidiff`) for `genl check --compat`'s uapi ABI
/// comparison, git for the compat suites' history, tshark to read
/// `genl trace`'s recordings with a decoder nobody here wrote.
pub fn ensure_host_packages() -> Result<(), String> {
    Ok(apt_install(&[
        "iproute2",
        "ethtool",
        "abigail-tools",
        "git",
        "tshark",
    ])?)
}
