//! The fuzzer as it runs in the guest (`genl fuzz-guest`, started by
//! `genl fuzz` in the debug kernel): generate or mutate a program, run it
//! with KCOV on, keep it if it reached new module code, watch the kernel's
//! log and kmemleak, and on a report shrink what led to it to a
//! reproducer. It talks to the host in console lines, each a prefix and
//! one JSON value (see [`super::protocol`]).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use genl_ynl::family::SpecFamily;
use serde_json::json;

use super::detect::{Kmemleak, Kmsg, Report};
use super::error::FuzzerError;
use super::exec::{Executor, Target};
use super::generate::Generator;
use super::kcov::{Coverage, Kcov, ModuleRange};
use super::program::{Action, Call, Program};
use super::protocol::{emit, Line};
use super::transcript;

crate::error::io_at!(FuzzerError);

/// What the guest fuzzer is told (`genl fuzz-guest`'s arguments, given by
/// `genl fuzz`).
#[derive(Debug, Clone, clap::Args)]
pub struct GuestOptions {
    /// The family's YNL spec.
    #[arg(long)]
    pub spec: PathBuf,
    /// The module's name (`/proc/modules`).
    #[arg(long)]
    pub module: String,
    /// Its `.ko`, to reload it between rounds and for reproducers.
    #[arg(long)]
    pub ko: PathBuf,
    /// Seconds to fuzz.
    #[arg(long, default_value_t = 60)]
    pub time: u64,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The schema-less random baseline, without coverage feedback.
    #[arg(long)]
    pub random: bool,
    /// A directory of programs (JSON) to start from.
    #[arg(long)]
    pub corpus_dir: Option<PathBuf>,
    /// Runs this program once and reports what the kernel said, instead of
    /// fuzzing.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Ends at the first finding.
    #[arg(long)]
    pub stop_on_finding: bool,
    /// Seconds between kmemleak scans (one takes several seconds under
    /// TCG; there is one more at the end).
    #[arg(long, default_value_t = 30)]
    pub kmemleak_every: u64,
}

/// A round — the programs run between two loads of the module, what a
/// reproducer is searched in — lasts at least this many programs and this
/// long (a reload costs a few tenths of a second under TCG).
const ROUND: usize = 48;
/// See [`ROUND`].
const ROUND_TIME: Duration = Duration::from_secs(10);

/// A past round: when it began and ended, its programs with their start.
type Round = (Instant, Instant, Vec<(Instant, Program)>);

struct Fuzzer<'f> {
    fam: &'f SpecFamily,
    o: &'f GuestOptions,
    target: Target,
    exec: Executor,
    kcov: Option<Kcov>,
    range: Option<ModuleRange>,
    kmsg: Kmsg,
    cov: Coverage,
    corpus: Vec<Program>,
    /// This round's programs, each with when it started.
    history: Vec<(Instant, Program)>,
    /// When the current round (module load) began.
    round_start: Instant,
    /// Earlier rounds, the last 150 s of them: when each ran and its
    /// programs (where a leak kmemleak reports late is looked for).
    rounds: std::collections::VecDeque<Round>,
    seen: HashSet<String>,
    /// Other reports seen with the finding being processed.
    also: HashSet<String>,
    /// When each kmemleak scan began.
    scans: Vec<Instant>,
    findings: usize,
    execs: u64,
    start: Instant,
    /// Where the time went: running programs, reloading the module,
    /// kmemleak scans, shrinking findings.
    spent: Spent,
    /// The programs run since the module was loaded, each appended before
    /// it runs (for the supervisor, [`super::supervise`]).
    round_log: Option<std::fs::File>,
}

#[derive(Default)]
struct Spent {
    exec: Duration,
    reload: Duration,
    scan: Duration,
    reloads: u32,
    scans: u32,
}

impl Spent {
    /// As the progress and end lines carry it (whole seconds).
    fn to_json(&self) -> serde_json::Value {
        json!({"exec": self.exec.as_secs_f64().round(), "reload": self.reload.as_secs_f64().round(),
               "scan": self.scan.as_secs_f64().round(), "reloads": self.reloads, "scans": self.scans})
    }
}

/// `genl fuzz-guest`: the supervisor ([`super::supervise`]), which runs
/// the fuzzer ([`fuzz`]) as its child.
pub fn run(o: &GuestOptions) -> Result<(), FuzzerError> {
    match std::env::var_os(super::supervise::ROUND_LOG_ENV) {
        Some(log) => fuzz(o, Some(PathBuf::from(log))),
        None => super::supervise::run(o),
    }
}

/// The family's YNL spec (`--spec`), parsed.
pub(super) fn family(o: &GuestOptions) -> Result<SpecFamily, FuzzerError> {
    let text = std::fs::read_to_string(&o.spec).map_err(|error| FuzzerError::SpecRead {
        path: o.spec.clone(),
        error,
    })?;
    SpecFamily::parse(&text).map_err(|error| FuzzerError::Spec {
        path: o.spec.clone(),
        error,
    })
}

/// Runs the guest fuzzer (or a replay); prints the protocol lines. Fails
/// only when it cannot run at all; findings are reported, not errors.
/// `round_log`: where to log the programs of each round.
pub fn fuzz(o: &GuestOptions, round_log: Option<PathBuf>) -> Result<(), FuzzerError> {
    let fam = family(o)?;
    // Reports go to the log, not the console, where they would cut our
    // lines in half: the fuzzer reads them from /dev/kmsg.
    // SAFETY: klogctl(SYSLOG_ACTION_CONSOLE_LEVEL, NULL, 1).
    unsafe { libc::klogctl(8, std::ptr::null_mut(), 1) };
    let kmsg = Kmsg::open().map_err(FuzzerError::Kmsg)?;
    let (kcov, why) = match Kcov::open() {
        Ok(k) => (Some(k), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let range = ModuleRange::of(&o.module).ok();
    let target = Target::resolve(&fam.name, fam.version)?;
    emit(
        Line::Start,
        &json!({
            "family": fam.name, "module": o.module, "family_id": target.id,
            "kcov": kcov.is_some() && range.is_some(),
            "no_coverage_because": why.or_else(|| range.is_none().then(|| format!("module {} not in /proc/modules", o.module))),
            "mode": if o.replay.is_some() { "replay" } else if o.random { "random" } else { "schema" },
            "seed": o.seed, "time": o.time,
        }),
    );
    let mut f = Fuzzer {
        fam: &fam,
        o,
        target,
        exec: Executor::new(),
        kcov,
        range,
        kmsg,
        cov: Coverage::default(),
        corpus: Vec::new(),
        history: Vec::new(),
        round_start: Instant::now(),
        rounds: Default::default(),
        seen: HashSet::new(),
        also: HashSet::new(),
        scans: Vec::new(),
        findings: 0,
        execs: 0,
        start: Instant::now(),
        spent: Spent::default(),
        round_log: match round_log {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&p)
                    .map_err(io(&p))?,
            ),
            None => None,
        },
    };
    if let Some(r) = &o.replay {
        return f.replay(r);
    }
    f.fuzz()
}

impl Fuzzer<'_> {
    /// Runs `p`; the number of new PCs and edges it reached.
    fn execute(&mut self, p: &Program) -> (usize, Vec<super::exec::Outcome>) {
        if let Some(f) = &mut self.round_log {
            use std::io::Write;
            let _ = writeln!(f, "{}", p.to_json(self.fam));
        }
        if let Some(k) = &mut self.kcov {
            k.reset();
        }
        let t = Instant::now();
        let out = self.exec.run(self.fam, &self.target, p);
        self.spent.exec += t.elapsed();
        self.execs += 1;
        let new = match (&self.kcov, &self.range) {
            (Some(k), Some(r)) => self.cov.add(r, &k.pcs()),
            _ => 0,
        };
        (new, out)
    }

    fn reload(&mut self) -> Result<(), FuzzerError> {
        let t = Instant::now();
        let r = self.reload_inner();
        self.spent.reload += t.elapsed();
        self.spent.reloads += 1;
        r
    }

    fn reload_inner(&mut self) -> Result<(), FuzzerError> {
        self.exec.close_all();
        let rm = Command::new("rmmod").arg(&self.o.module).output();
        let ins = Command::new("insmod").arg(&self.o.ko).output();
        match ins {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(FuzzerError::Insmod {
                    ko: self.o.ko.clone(),
                    stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
                    rmmod: rm.map(|r| String::from_utf8_lossy(&r.stderr).trim().to_owned()),
                })
            }
            Err(e) => return Err(FuzzerError::InsmodSpawn(e)),
        }
        if let Some(f) = &self.round_log {
            let _ = f.set_len(0);
        }
        self.range = ModuleRange::of(&self.o.module).ok();
        self.target = Target::resolve(&self.fam.name, self.fam.version)?;
        let now = Instant::now();
        if !self.history.is_empty() {
            let h = std::mem::take(&mut self.history);
            self.rounds.push_back((self.round_start, now, h));
        }
        while self
            .rounds
            .front()
            .is_some_and(|r| now.duration_since(r.1) > Duration::from_secs(150))
        {
            self.rounds.pop_front();
        }
        self.round_start = now;
        Ok(())
    }

    fn progress(&self) {
        let t = self.start.elapsed().as_secs_f64();
        emit(
            Line::Progress,
            &json!({
                "t": (t * 10.0).round() / 10.0,
                "execs": self.execs,
                "eps": (self.execs as f64 / t.max(0.001)).round(),
                "pcs": self.cov.pcs.len(),
                "edges": self.cov.edges.len(),
                "corpus": self.corpus.len(),
                "findings": self.findings,
                "spent": self.spent.to_json(),
            }),
        );
    }

    fn fuzz(&mut self) -> Result<(), FuzzerError> {
        let mut gen = Generator::new(self.fam, self.o.seed);
        // The seeds first: each run once, kept if it adds coverage.
        let mut seeds: Vec<PathBuf> = match &self.o.corpus_dir {
            Some(d) => std::fs::read_dir(d)
                .map_err(io(d))?
                .flatten()
                .map(|e| e.path())
                .collect(),
            None => Vec::new(),
        };
        seeds.sort();
        for path in &seeds {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(v) = serde_json::from_str(&text) else {
                continue;
            };
            if let Ok(p) = Program::from_json(self.fam, &v) {
                let (new, _) = self.execute(&p);
                if new > 0 {
                    self.corpus.push(p.clone());
                }
                self.history.push((Instant::now(), p));
                self.check_log()?;
            }
        }
        let deadline = self.start + Duration::from_secs(self.o.time);
        let mut next_progress = Instant::now() + Duration::from_secs(5);
        let mut next_leak_scan = Instant::now() + Duration::from_secs(self.o.kmemleak_every);
        let leaks = Kmemleak::available();
        while Instant::now() < deadline {
            if self.o.stop_on_finding && self.findings > 0 {
                break;
            }
            let p = if self.o.random {
                gen.random()
            } else if self.corpus.is_empty() || gen.rng.chance(1, 8) {
                gen.program()
            } else {
                let mut p = gen.rng.pick(&self.corpus).unwrap().clone();
                gen.mutate(&mut p, &self.corpus);
                p
            };
            let started = Instant::now();
            let (new, _) = self.execute(&p);
            if new > 0 && !self.o.random {
                self.corpus.push(p.clone());
            }
            self.history.push((started, p));
            self.check_log()?;
            if leaks && Instant::now() >= next_leak_scan {
                self.check_leaks()?;
                next_leak_scan = Instant::now() + Duration::from_secs(self.o.kmemleak_every);
            }
            if self.history.len() >= ROUND && self.round_start.elapsed() >= ROUND_TIME {
                self.reload()?;
            }
            if Instant::now() >= next_progress {
                self.progress();
                self.coverage();
                next_progress = Instant::now() + Duration::from_secs(5);
            }
        }
        let stopped = self.o.stop_on_finding && self.findings > 0;
        if stopped {
            // `/init` skips its scans after the unload: the run failed.
            let _ = std::fs::write(crate::vm::STOPPED_ON_FINDING, "");
        }
        // What leaked lately shows once 5 s old, at the second scan that
        // sees it.
        if leaks && !stopped {
            std::thread::sleep(Duration::from_secs(6));
            self.check_leaks()?;
            self.check_leaks()?;
        }
        self.progress();
        for p in &self.corpus {
            emit(Line::Corpus, &p.to_json(self.fam));
        }
        self.coverage();
        emit(
            Line::End,
            &json!({"execs": self.execs, "t": self.start.elapsed().as_secs_f64(), "findings": self.findings, "corpus": self.corpus.len(), "pcs": self.cov.pcs.len(),
                    "spent": self.spent.to_json()}),
        );
        Ok(())
    }

    /// The module PCs reached so far (the host keeps the last): sent every
    /// few seconds and at each finding too, so that a fuzzer an oops kills
    /// leaves its coverage behind (see [`super::supervise`]).
    fn coverage(&self) {
        if let Some(r) = self.range {
            let mut pcs: Vec<u64> = self.cov.pcs.iter().copied().collect();
            pcs.sort_unstable();
            emit(
                Line::Coverage,
                &json!({"module": self.o.module, "size": r.size, "pcs": pcs,
                        "sections": section_offsets(&self.o.module, r.start)}),
            );
        }
    }

    /// One program's reports make one finding (a bug often reports twice:
    /// the bad access, then what it broke); the others are named in it.
    fn check_log(&mut self) -> Result<(), FuzzerError> {
        let mut reports = self.kmsg.reports();
        reports.retain(|r| !self.seen.contains(&r.title));
        if reports.is_empty() {
            return Ok(());
        }
        let first = reports.remove(0);
        for r in &reports {
            self.also.insert(r.title.clone());
        }
        self.finding(first)
    }

    fn check_leaks(&mut self) -> Result<(), FuzzerError> {
        let t = Instant::now();
        self.scans.push(t);
        let found = Kmemleak::scan(&self.o.module);
        self.spent.scan += t.elapsed();
        self.spent.scans += 1;
        for r in found {
            self.finding(r)?;
        }
        Ok(())
    }

    fn finding(&mut self, r: Report) -> Result<(), FuzzerError> {
        if !self.seen.insert(r.title.clone()) {
            return Ok(());
        }
        self.findings += 1;
        let t = self.start.elapsed().as_secs_f64();
        let execs = self.execs;
        emit(
            Line::Found,
            &json!({"title": r.title, "kind": r.kind, "t": t, "execs": execs}),
        );
        self.coverage();
        let history: Vec<Program> = if r.kind == "kmemleak" {
            // kmemleak reports an object at the second scan that finds it
            // unreferenced (the first only sums it up): this one was
            // allocated after the scan before last began and before the
            // last began. The candidate: its rounds from their start (the
            // state it needed) to then.
            let n = self.scans.len();
            let from = n.checked_sub(3).map_or(self.start, |i| self.scans[i]);
            let to = n.checked_sub(2).map_or(Instant::now(), |i| self.scans[i]);
            let rounds: Vec<&Vec<(Instant, Program)>> = self
                .rounds
                .iter()
                .map(|r| &r.2)
                .chain(std::iter::once(&self.history))
                .collect();
            let first = rounds
                .iter()
                .position(|h| h.last().is_some_and(|l| l.0 >= from))
                .unwrap_or(rounds.len().saturating_sub(1));
            rounds[first..]
                .iter()
                .flat_map(|h| h.iter())
                .filter(|(t, _)| *t < to)
                .map(|(_, p)| p.clone())
                .collect()
        } else {
            self.history.iter().map(|(_, p)| p.clone()).collect()
        };
        self.history.clear();
        // A leak shows two kmemleak scans after it happened (the first
        // only sums the object up), 10–20 s each under TCG: replaying
        // candidates is too dear, so a leak's reproducer is the round up
        // to the program that allocated it, not replayed here (`genl fuzz
        // --replay` does).
        let (repro, reproduced, tries) = if r.kind == "kmemleak" {
            (concat(&history), None, 0)
        } else {
            let (p, ok, n) = self.minimize(&history, &r)?;
            (p, Some(ok), n)
        };
        let outcomes = {
            // Once more, for the transcript (and the state it leaves is
            // thrown away with the next reload).
            self.reload()?;
            let (_, out) = self.execute(&repro);
            for x in self.kmsg.reports() {
                self.also.insert(x.title);
            }
            out
        };
        // What the same inputs also made the kernel say: part of this
        // finding, not findings of their own.
        self.also.remove(&r.title);
        let also: Vec<String> = self.also.drain().collect();
        for t in &also {
            self.seen.insert(t.clone());
        }
        emit(
            Line::Finding,
            &json!({
                "title": r.title, "kind": r.kind, "t": t, "execs": execs,
                "report": r.lines.iter().take(60).collect::<Vec<_>>(),
                "reproducer": repro.to_json(self.fam),
                "reproduced": reproduced, "replays": tries, "also": also,
                "transcript": transcript::render(self.fam, &repro, &outcomes),
            }),
        );
        self.reload()
    }

    /// Whether `p`, run on a freshly loaded module, makes the kernel
    /// report `r` again (leaks are not replayed: see [`Fuzzer::finding`]).
    fn reproduces(&mut self, p: &Program, r: &Report) -> Result<bool, FuzzerError> {
        self.reload()?;
        let _ = self.kmsg.drain();
        let _ = self.execute(p);
        let mut found = false;
        for x in self.kmsg.reports() {
            if x.title == r.title {
                found = true;
            } else {
                self.also.insert(x.title);
            }
        }
        Ok(found)
    }

    /// The smallest program found that reproduces `r` from a fresh module:
    /// the last program alone, else the last 8, 48, all of `history`; then
    /// calls dropped
    /// one at a time while it still reproduces. Returns it, whether it
    /// reproduced at all, and the replays it took.
    fn minimize(
        &mut self,
        history: &[Program],
        r: &Report,
    ) -> Result<(Program, bool, usize), FuzzerError> {
        let budget = if r.kind == "kmemleak" { 8 } else { 150 };
        let mut tries = 0;
        // The last program alone, then the last 8, 48, all of them.
        let whole = concat(history);
        let mut cands = Vec::new();
        for n in [1, 8, 48] {
            if n < history.len() {
                cands.push(concat(&history[history.len() - n..]));
            }
        }
        cands.push(whole.clone());
        let mut best = None;
        for cand in cands {
            if cand.calls.is_empty() {
                continue;
            }
            tries += 1;
            if self.reproduces(&cand, r)? {
                best = Some(cand);
                break;
            }
        }
        let Some(mut best) = best else {
            return Ok((whole, false, tries));
        };
        // Halves, quarters, … down to single calls (ddmin without its
        // complements), within the budget.
        let mut chunk = (best.calls.len() / 2).max(1);
        loop {
            let mut i = 0;
            while i < best.calls.len() && tries < budget {
                let mut c = best.clone();
                let end = (i + chunk).min(c.calls.len());
                c.calls.drain(i..end);
                if c.calls.iter().all(|x| x.op().is_none()) {
                    i += chunk;
                    continue;
                }
                tries += 1;
                if self.reproduces(&c, r)? {
                    best = c;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 || tries >= budget {
                break;
            }
            chunk /= 2;
        }
        Ok((best, true, tries))
    }

    fn replay(&mut self, path: &PathBuf) -> Result<(), FuzzerError> {
        let text = std::fs::read_to_string(path).map_err(|error| FuzzerError::ReplayRead {
            path: path.clone(),
            error,
        })?;
        let v = serde_json::from_str(&text).map_err(|error| FuzzerError::ReplayJson {
            path: path.clone(),
            error,
        })?;
        let p = Program::from_json(self.fam, &v).map_err(|error| FuzzerError::ReplayProgram {
            path: path.clone(),
            error,
        })?;
        let (_, out) = self.execute(&p);
        let mut reports = self.kmsg.reports();
        if Kmemleak::available() {
            // Two scans: the first sums a new object up, the second
            // reports it if it is still unreferenced.
            self.exec.close_all();
            std::thread::sleep(Duration::from_millis(5500));
            reports.extend(Kmemleak::scan(&self.o.module));
            reports.extend(Kmemleak::scan(&self.o.module));
        }
        // One finding, as fuzzing makes it: the first report; the other
        // titles (a broken dump may report on every message) named with it.
        let mut titles = HashSet::new();
        reports.retain(|r| titles.insert(r.title.clone()));
        if let Some(r) = reports.first() {
            self.findings += 1;
            let also: Vec<&String> = reports[1..].iter().map(|x| &x.title).collect();
            emit(
                Line::Finding,
                &json!({"title": r.title, "kind": r.kind, "t": self.start.elapsed().as_secs_f64(), "execs": 1,
                        "report": r.lines.iter().take(60).collect::<Vec<_>>(),
                        "reproducer": p.to_json(self.fam), "reproduced": true, "replays": 1, "also": also,
                        "transcript": transcript::render(self.fam, &p, &out)}),
            );
        }
        emit(
            Line::Replayed,
            &json!({"transcript": transcript::render(self.fam, &p, &out), "findings": self.findings}),
        );
        emit(Line::End, &json!({"execs": 1, "findings": self.findings}));
        Ok(())
    }
}

/// Programs one after the other, their sockets closed in between.
pub(super) fn concat(ps: &[Program]) -> Program {
    let mut out = Program::default();
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            out.calls.push(Call::new(Action::CloseAll));
        }
        out.calls.extend(p.calls.iter().cloned());
    }
    out
}

/// The module's sections (`/sys/module/M/sections/`) as offsets from its
/// start, for the host to place each PC in its section (those before the
/// start, like `.init.text`, are left out).
fn section_offsets(module: &str, start: u64) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let dir = format!("/sys/module/{module}/sections");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(text.trim().trim_start_matches("0x"), 16) else {
            continue;
        };
        if addr >= start {
            out.insert(name, json!(addr - start));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_concatenate_with_their_sockets_closed_between() {
        let a = Program {
            calls: vec![Call::new(Action::Netns)],
        };
        let p = concat(&[a.clone(), a]);
        assert_eq!(p.calls.len(), 3);
        assert_eq!(p.calls[1].action, Action::CloseAll);
    }
}
