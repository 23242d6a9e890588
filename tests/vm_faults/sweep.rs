//! One command's sweep: `fail-nth` = 1, 2, … until a run injects no fault
//! ([`sweep`], [`Case`]), and its `FAULTS` line ([`report`]).

use super::*;

/// One command's sweep.
pub(crate) struct Sweep {
    pub(crate) module: &'static str,
    pub(crate) command: &'static str,
    /// Outcome of each run that injected a fault, by fault point.
    pub(crate) injected: BTreeMap<u32, Outcome>,
    /// Events heard by the listener after faulty runs, where there is one.
    pub(crate) heard: BTreeMap<String, u64>,
}

impl Sweep {
    pub(crate) fn print(&self) {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for o in self.injected.values() {
            *counts.entry(o.label()).or_default() += 1;
        }
        let outcomes: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let heard: Vec<String> = self
            .heard
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!(
            "FAULTS {} {}: {} failure points; {}{}",
            self.module,
            self.command,
            self.injected.len(),
            outcomes.join(", "),
            if heard.is_empty() {
                String::new()
            } else {
                format!("; listener: {}", heard.join(", "))
            }
        );
    }
}

/// A command to sweep: its socket protocol, what to do before each run
/// (outside the fault window), the request, the answer it gets, the errnos
/// it may fail with, and a check after each run (given its outcome and what
/// the listener heard).
pub(crate) struct Case<'a> {
    pub(crate) module: &'static str,
    pub(crate) command: &'static str,
    pub(crate) protocol: i32,
    /// A multicast group to listen on during each run, and the event the
    /// request sends there.
    pub(crate) listen: Option<(u32, Reply<'a>)>,
    pub(crate) prepare: &'a mut dyn FnMut(),
    pub(crate) request: &'a mut dyn FnMut() -> Vec<u8>,
    pub(crate) answer: Answer<'a>,
    pub(crate) errnos: Errnos,
    pub(crate) check: &'a mut dyn FnMut(&Outcome, Option<&Heard>),
}

pub(crate) fn sweep(case: Case<'_>) -> Sweep {
    let fail_nth = FailNth::open();
    let mut s = Sweep {
        module: case.module,
        command: case.command,
        injected: BTreeMap::new(),
        heard: BTreeMap::new(),
    };
    let mut violations = Vec::new();
    let started = Instant::now();
    for n in 1..=MAX_RUNS {
        (case.prepare)();
        let mut sock = Sock::new(case.protocol, ANSWER_TIMEOUT);
        let mut listener = case.listen.map(|(g, event)| {
            let l = Sock::new(case.protocol, EVENT_WAIT);
            l.join(g);
            (l, event)
        });
        let msg = (case.request)();
        // Debugging aid: GENL_VM_FAULTS_TRACE=<a>-<b> logs the stacks of
        // faults a to b of every sweep (the kernel log then fails the run).
        let trace = std::env::var("GENL_VM_FAULTS_TRACE").is_ok_and(|v| {
            let (a, b) = v.split_once('-').unwrap_or((&v, &v));
            (a.parse().unwrap_or(0)..=b.parse().unwrap_or(0)).contains(&n)
        });
        if trace {
            println!("FAULTS trace: run {n}");
            write_debugfs("/sys/kernel/debug/failslab/verbose", "2");
            write_debugfs("/sys/kernel/debug/fail_page_alloc/verbose", "2");
        }
        let mut window = Window::new(&fail_nth, n);
        let outcome = exchange(&mut sock, msg, case.answer, &mut window);
        let injected = window.injected();
        if trace {
            write_debugfs("/sys/kernel/debug/failslab/verbose", "0");
            write_debugfs("/sys/kernel/debug/fail_page_alloc/verbose", "0");
        }
        let heard = listener.as_mut().map(|(l, event)| listen(l, *event));
        let run = format!("run {n} (fault injected: {injected}, {})", outcome.label());
        if let Err(e) = allowed(&outcome, case.errnos) {
            violations.push(format!("{run}: {e}"));
        }
        match &heard {
            Some(Heard::Malformed(m)) => violations.push(format!("{run}: event {m}")),
            Some(Heard::Wrong(m)) => violations.push(format!("{run}: listener: {m}")),
            _ => {}
        }
        if matches!(outcome, Outcome::Malformed(_) | Outcome::Wrong(_))
            || matches!(heard, Some(Heard::Malformed(_) | Heard::Wrong(_)))
        {
            // Stop here: the rest of the sweep says nothing more.
            s.print();
            panic!(
                "{} {}: {}",
                case.module,
                case.command,
                violations.join("; ")
            );
        }
        (case.check)(&outcome, heard.as_ref());
        if !injected {
            assert_eq!(
                outcome,
                Outcome::Answered,
                "{} {}: the run without a fault (n = {n}) must succeed",
                case.module,
                case.command
            );
            println!(
                "FAULTS {} {}: sweep of {n} runs in {:.1} s",
                case.module,
                case.command,
                started.elapsed().as_secs_f64()
            );
            // Its outcomes line comes with the others at the end
            // ([`report`]), once: the VM summary takes every such line.
            assert!(
                violations.is_empty(),
                "{} {}: {} of {n} runs ended in a way the kernel's code paths do not \
                 explain:\n{}",
                case.module,
                case.command,
                violations.len(),
                violations.join("\n")
            );
            assert!(
                s.injected.len() >= MIN_POINTS,
                "{} {}: only {} failure points reached",
                case.module,
                case.command,
                s.injected.len()
            );
            return s;
        }
        if let Some(h) = heard {
            let h = match h {
                Heard::Event => "event",
                Heard::Lost => "ENOBUFS",
                Heard::Nothing => "nothing",
                Heard::Malformed(_) | Heard::Wrong(_) => unreachable!("failed above"),
            };
            *s.heard.entry(h.to_owned()).or_default() += 1;
        }
        // A complete answer despite the fault is fine: the allocation had a
        // fallback (netlink_trim keeps the untrimmed skb, netlink_dump
        // retries with a smaller skb, kmemleak and debug objects fall back
        // to their pools, ...). An answer that lost a part is `Wrong`.
        s.injected.insert(n, outcome);
    }
    panic!(
        "{} {}: still injecting faults after {MAX_RUNS} runs",
        case.module, case.command
    );
}

pub(crate) fn no_check(_: &Outcome, _: Option<&Heard>) {}

pub(crate) fn report(sweeps: &[Sweep]) {
    println!();
    for s in sweeps {
        s.print();
    }
}
