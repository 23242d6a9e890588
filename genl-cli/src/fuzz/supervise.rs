//! The guest fuzzer's supervisor. `genl fuzz-guest` runs the fuzzer
//! ([`super::guest`]) as a child process and passes its lines on. An oops
//! in a system call the fuzzer made kills it (or leaves it stuck on a lock
//! the oops left held) before it can say what the kernel reported: a
//! use-after-free that KASAN reports and the code then dereferences is
//! one. The supervisor then reads the kernel's reports itself and makes
//! them the finding, with the programs run since the module was last
//! loaded as its reproducer (not replayed: after an oops the module
//! cannot be reloaded in this VM; `genl fuzz --replay` replays it in a
//! fresh one).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use genl_ynl::family::SpecFamily;
use serde_json::{json, Value as Json};

use super::detect::{split_reports, Kmsg, Report};
use super::error::FuzzerError;
use super::guest::{concat, GuestOptions};
use super::program::Program;
use super::protocol::{emit, parse, Line};

/// Set in the child's environment: the file the fuzzer appends each
/// program to before it runs it, and empties when it reloads the module.
pub const ROUND_LOG_ENV: &str = "GENL_FUZZ_ROUND_LOG";

/// How long a fuzzer may stay silent after the kernel oopsed before it is
/// taken for dead (a healthy one runs programs several times a second; a
/// kmemleak scan, the longest pause, takes 10–20 s under TCG).
const WEDGED_AFTER: Duration = Duration::from_secs(40);

/// Why an oops's finding is not replayed (the host prints it).
pub const NOT_REPLAYED_OOPS: &str = "the kernel oopsed while the fuzzer ran it: the module cannot be reloaded in this VM; `genl fuzz --replay` replays it in a fresh one";

/// What the child said, as far as the supervisor needs it.
#[derive(Debug, Default)]
pub struct Heard {
    /// Report titles the child reported or named (`Found`, and the `also`
    /// of each `Finding`).
    pub reported: HashSet<String>,
    /// A report the child saw (`Found`) and was shrinking when it died.
    pub pending: Option<(String, String)>,
    /// Findings it emitted.
    pub findings: u64,
    /// Its last progress: executions, corpus size, PCs reached.
    pub execs: u64,
    /// See `execs`.
    pub corpus: u64,
    /// See `execs`.
    pub pcs: u64,
    /// It ended normally (`End`).
    pub ended: bool,
}

impl Heard {
    /// Takes note of one of the child's lines.
    pub fn hear(&mut self, line: &str) {
        let Some((kind, v)) = parse(line) else { return };
        match kind {
            Line::Progress => {
                self.execs = v["execs"].as_u64().unwrap_or(self.execs);
                self.corpus = v["corpus"].as_u64().unwrap_or(self.corpus);
                self.pcs = v["pcs"].as_u64().unwrap_or(self.pcs);
            }
            Line::Found => {
                let title = v["title"].as_str().unwrap_or("?").to_owned();
                let kind = v["kind"].as_str().unwrap_or("?").to_owned();
                self.reported.insert(title.clone());
                self.pending = Some((title, kind));
            }
            Line::Finding => {
                self.findings += 1;
                self.pending = None;
                if let Some(t) = v["title"].as_str() {
                    self.reported.insert(t.to_owned());
                }
                for t in v["also"].as_array().into_iter().flatten() {
                    if let Some(t) = t.as_str() {
                        self.reported.insert(t.to_owned());
                    }
                }
            }
            Line::End => self.ended = true,
            _ => {}
        }
    }
}

/// Whether a kernel log line is the header of an oops (`die()`: `Oops:
/// general protection fault, … 0000 [#1] PREEMPT SMP KASAN`, `invalid
/// opcode: 0000 [#1]`): the task in whose context it happened is killed.
pub fn is_oops_header(line: &str) -> bool {
    // `"%s: %04lx [#%d]%s…"`: an error code of at least 4 hex digits, then
    // the oops count.
    line.match_indices(" [#").any(|(i, _)| {
        let rest = &line[i + 3..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let code = line[..i].rsplit(' ').next().unwrap_or("");
        digits > 0
            && rest[digits..].starts_with(']')
            && code.len() >= 4
            && code.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// The finding made of what the kernel logged, for a fuzzer that died
/// without reporting it: the report it was shrinking if it was, else the
/// first report it did not report. `None` if the log has none.
pub fn orphan_finding(heard: &Heard, log: &[String]) -> Option<(Report, Vec<String>)> {
    let mut seen = HashSet::new();
    let reports: Vec<Report> = split_reports(log)
        .into_iter()
        .filter(|r| seen.insert(r.title.clone()))
        .collect();
    let main = match &heard.pending {
        Some((title, kind)) => reports
            .iter()
            .find(|r| &r.title == title)
            .cloned()
            .unwrap_or_else(|| Report {
                title: title.clone(),
                kind: kind.clone(),
                lines: Vec::new(),
            }),
        None => reports
            .iter()
            .find(|r| !heard.reported.contains(&r.title))?
            .clone(),
    };
    let also = reports
        .iter()
        .filter(|r| r.title != main.title && !heard.reported.contains(&r.title))
        .map(|r| r.title.clone())
        .collect();
    Some((main, also))
}

/// The programs in the round log, one after the other (a line that does
/// not parse, the one being written when the fuzzer died, is left out).
fn round_programs(fam: &SpecFamily, path: &Path) -> Program {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let ps: Vec<Program> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter_map(|v| Program::from_json(fam, &v).ok())
        .collect();
    concat(&ps)
}

/// Runs the fuzzer as a child and passes its lines on; makes the finding
/// if an oops kills it first.
pub fn run(o: &GuestOptions) -> Result<(), FuzzerError> {
    let start = Instant::now();
    let mut kmsg = Kmsg::open().map_err(FuzzerError::Kmsg)?;
    let round_log: PathBuf =
        std::env::temp_dir().join(format!("genl-fuzz-round-{}.jsonl", std::process::id()));
    let exe = std::env::current_exe().map_err(FuzzerError::Exe)?;
    let mut child = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(ROUND_LOG_ENV, &round_log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(FuzzerError::Process)?;
    let (tx, rx) = mpsc::channel::<String>();
    let out = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut heard = Heard::default();
    let mut log: Vec<String> = Vec::new();
    let mut oopsed: Option<Instant> = None;
    let mut last_sign = Instant::now();
    let mut round_len = 0u64;
    let mut eof: Option<Instant> = None;
    let status = loop {
        if eof.is_none() {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(line) => {
                    pass_on(&line);
                    heard.hear(&line);
                    last_sign = Instant::now();
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => eof = Some(Instant::now()),
            }
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
        let new = kmsg.drain();
        if oopsed.is_none() && new.iter().any(|l| is_oops_header(l)) {
            oopsed = Some(Instant::now());
        }
        log.extend(new);
        // The round log grows with every program run: a sign of life.
        let len = std::fs::metadata(&round_log).map_or(0, |m| m.len());
        if len != round_len {
            round_len = len;
            last_sign = Instant::now();
        }
        if let Some(st) = child.try_wait().map_err(FuzzerError::Process)? {
            // What it printed last.
            while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                pass_on(&line);
                heard.hear(&line);
            }
            break Some(st);
        }
        // Its output closed but it does not exit, or it went silent after
        // an oops: stuck in the kernel on what the oops left held.
        let closed_long_ago = eof.is_some_and(|t| t.elapsed() > Duration::from_secs(10));
        let wedged = oopsed.is_some_and(|t| t.elapsed() > WEDGED_AFTER)
            && last_sign.elapsed() > WEDGED_AFTER;
        if closed_long_ago || wedged {
            kill(&mut child);
            break None;
        }
    };
    if heard.ended {
        let _ = std::fs::remove_file(&round_log);
        return match status {
            Some(st) if !st.success() => Err(FuzzerError::Exited(st)),
            _ => Ok(()),
        };
    }
    // Died (or stuck) before its end line: what did the kernel say?
    std::thread::sleep(Duration::from_secs(1));
    log.extend(kmsg.drain());
    let how = match status {
        Some(st) => format!("the fuzzer {st}"),
        None => "the fuzzer was stuck in the kernel (killed)".to_owned(),
    };
    let Some((r, also)) = orphan_finding(&heard, &log) else {
        return Err(FuzzerError::Died { status });
    };
    println!(
        "genl fuzz-guest: {how} before it ended; the kernel reported {:?}: that is the finding",
        r.title
    );
    // The spec, read only now: a fuzzer that ends normally never needs it.
    let fam = super::guest::family(o)?;
    let repro = round_programs(&fam, &round_log);
    let t = start.elapsed().as_secs_f64();
    if heard.pending.is_none() {
        emit(
            Line::Found,
            &json!({"title": r.title, "kind": r.kind, "t": t, "execs": heard.execs}),
        );
    }
    emit(
        Line::Finding,
        &json!({
            "title": r.title, "kind": r.kind, "t": t, "execs": heard.execs,
            "report": r.lines.iter().take(60).collect::<Vec<_>>(),
            "reproducer": repro.to_json(&fam),
            "reproduced": null, "not_replayed_because": NOT_REPLAYED_OOPS,
            "replays": 0, "also": also, "transcript": [],
        }),
    );
    emit(
        Line::End,
        &json!({"execs": heard.execs, "t": t, "findings": heard.findings + 1,
                "corpus": heard.corpus, "pcs": heard.pcs, "oopsed": true}),
    );
    let _ = std::fs::remove_file(&round_log);
    Ok(())
}

/// One of the child's lines, on our stdout as it came.
fn pass_on(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    // A task stuck in the kernel may never be reaped: do not wait long.
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the console of a 6.12-debug VM showed after planted bug 3's
    /// fuzzer died (xtask/fuzz-planted; the fuzzer's own lines left out):
    /// the oops of the NULL it read in `planted_fill` after KASAN's report
    /// (which went to the log only), the socket's WARN as the dead task's
    /// socket was freed, and KASAN's report of the `rmmod` that spun on
    /// the mutex the dead task held.
    const OOPS_THEN_UAF: &str = include_str!("testdata/oops-then-uaf.log");

    fn log(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_fuzzer_killed_by_an_oops_leaves_the_first_report_it_did_not_make() {
        let lines = log(OOPS_THEN_UAF);
        assert_eq!(lines.iter().filter(|l| is_oops_header(l)).count(), 1);
        let (r, also) = orphan_finding(&Heard::default(), &lines).unwrap();
        assert_eq!(r.title, "Oops: general protection fault in strlen");
        assert_eq!(r.kind, "bug");
        assert_eq!(
            also,
            [
                "WARNING: at af_netlink.c:402 netlink_sock_destruct",
                "BUG: KASAN: slab-use-after-free in mutex_can_spin_on_owner"
            ]
        );
        // What the fuzzer reported itself is not reported again.
        let mut heard = Heard::default();
        heard.hear(&format!(
            "GENL-FUZZ-FINDING {}",
            json!({"title": r.title, "also": [also[0]]})
        ));
        let (r2, also2) = orphan_finding(&heard, &lines).unwrap();
        assert_eq!(r2.title, also[1]);
        assert!(also2.is_empty());
        heard.hear(&format!(
            "GENL-FUZZ-FINDING {}",
            json!({"title": r2.title, "also": []})
        ));
        assert!(orphan_finding(&heard, &lines).is_none());
    }

    #[test]
    fn a_report_being_shrunk_when_the_fuzzer_died_is_the_finding() {
        let mut heard = Heard::default();
        heard.hear(r#"GENL-FUZZ-PROGRESS {"t":5.0,"execs":40,"pcs":90,"corpus":3}"#);
        heard.hear(r#"GENL-FUZZ-FOUND {"title":"BUG: KASAN: slab-use-after-free in planted_nl_get_dumpit [planted]","kind":"kasan","t":6.0,"execs":41}"#);
        assert_eq!((heard.execs, heard.pcs, heard.corpus), (40, 90, 3));
        let (r, also) = orphan_finding(&heard, &log(OOPS_THEN_UAF)).unwrap();
        assert_eq!(
            (r.title.as_str(), r.kind.as_str()),
            (
                "BUG: KASAN: slab-use-after-free in planted_nl_get_dumpit [planted]",
                "kasan"
            )
        );
        // What followed it is named with it.
        assert_eq!(also.len(), 3, "{also:?}");
        assert!(!heard.ended);
        heard.hear(r#"GENL-FUZZ-END {"execs":41}"#);
        assert!(heard.ended);
    }

    #[test]
    fn oops_headers_are_told_from_other_lines() {
        for l in [
            "Oops: general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN NOPTI",
            "general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] SMP KASAN PTI",
            "Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI",
            "invalid opcode: 0000 [#2] SMP PTI",
            "Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN NOPTI",
        ] {
            assert!(is_oops_header(l), "{l}");
        }
        for l in [
            "BUG: KASAN: slab-use-after-free in planted_nl_get_dumpit+0x5f/0x4a0 [planted]",
            "WARNING: CPU: 0 PID: 61 at planted_main.c:217 planted_nl_add_doit+0x1/0x2 [planted]",
            "[#1] is not a header",
            "genl: array [#x] nothing",
        ] {
            assert!(!is_oops_header(l), "{l}");
        }
    }
}
