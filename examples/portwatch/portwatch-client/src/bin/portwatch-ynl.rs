//! `portwatch-ynl`: the kernel's YNL CLI (`tools/net/ynl/cli.py` of Linux
//! 6.12) and `genl ynl` drive the `portwatch` module through its spec
//! (`kmod/portwatch.yaml`) with the same arguments, and must print the same
//! JSON: every shape of the family (flags, a sparse enum, nests, repeated
//! strings, binary, an indexed array of nests, u64 counters), attribute-less
//! operations, a dump with and without its filter, the event.
//!
//! A guest program of `genl vm test` with `ynl = true`: it runs in the 6.12
//! guest only, where the harness packs python3, `/ynl/cli.py` and
//! `/ynl/portwatch.yaml`; the `genl` tool is another guest program of the
//! project, found in `/tests`. Every call and its output are printed
//! (`YNL$`, `YNL>` lines). Prints libtest-style `test NAME ... ok|FAILED`
//! lines and a summary; exits 1 if any check failed.
//!
//! cli.py prints a flags attribute as a Python set turned into a list, in
//! an order that changes with Python's string hash seed; flags lists are
//! compared as sets. Everything else must be equal as JSON.

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use genl_core::{Connection, Error};
use portwatch::{portwatch_cmd, Action, ActionKind, Match, Proto, RuleId, RuleSpec};
use serde_json::{json, Value};

const PYTHON: &str = "/usr/bin/python3";
const CLI: &str = "/ynl/cli.py";
const SPEC: &str = "/ynl/portwatch.yaml";

type Check = Result<(), String>;

/// A check and its name.
type Named = (&'static str, fn(&Tools) -> Check);

fn ensure(cond: bool, what: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

/// One run of a tool: its exit status, stdout lines, stderr, wall time.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    /// The JSON lines printed.
    fn json(&self, who: &str) -> Result<Vec<Value>, String> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).map_err(|e| format!("{who} printed {l:?}: {e}")))
            .collect()
    }
}

/// The two tools.
struct Tools {
    genl: std::path::PathBuf,
}

fn shown(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(|c: char| c.is_whitespace() || c == '{' || c == '"') {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(who: &str, mut cmd: Command, args: &[&str]) -> Result<Run, String> {
    println!("YNL$ {who} --spec portwatch.yaml {}", shown(args));
    let t = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {who}: {e}"))?;
    let took = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for l in stdout.lines() {
        println!("YNL> {l}");
    }
    for l in String::from_utf8_lossy(&out.stderr).lines() {
        println!("YNL! {l}");
    }
    println!("YNL  ({}, {:.1}s)", out.status, took.as_secs_f64());
    Ok(Run {
        ok: out.status.success(),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    })
}

impl Tools {
    fn find() -> Result<Tools, String> {
        let genl = std::fs::read_dir("/tests")
            .map_err(|e| format!("/tests (the guest's programs): {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("-genl"))
            })
            .ok_or("the genl tool is not among the guest's programs (/tests/NN-genl)")?;
        Ok(Tools { genl })
    }

    fn cli(&self, args: &[&str]) -> Result<Run, String> {
        let mut c = Command::new(PYTHON);
        c.args(["-s", CLI, "--spec", SPEC, "--no-schema", "--output-json"])
            .args(args)
            .env("LD_LIBRARY_PATH", "/lib/x86_64-linux-gnu");
        run("cli.py", c, args)
    }

    fn genl(&self, args: &[&str]) -> Result<Run, String> {
        let mut c = Command::new(&self.genl);
        c.args(["ynl", "--spec", SPEC, "--no-schema", "--output-json"])
            .args(args);
        run("genl ynl", c, args)
    }

    /// Both tools with `args`: both succeed and print the same JSON, which
    /// is returned.
    fn same(&self, args: &[&str]) -> Result<Vec<Value>, String> {
        let py = self.cli(args)?;
        let ours = self.genl(args)?;
        let what = shown(args);
        ensure(py.ok, || format!("cli.py {what} failed"))?;
        ensure(ours.ok, || format!("genl ynl {what} failed"))?;
        let a = py.json("cli.py")?;
        // Byte for byte (key order, Python's separators), flags aside.
        let (ta, tb) = (flags_sorted(&py.stdout), flags_sorted(&ours.stdout));
        ensure(ta == tb, || {
            format!(
                "{what}: cli.py printed\n{}\ngenl ynl\n{}",
                py.stdout, ours.stdout
            )
        })?;
        println!(
            "YNLTIME {what}: cli.py {:.0} ms, genl ynl {:.1} ms",
            py.took.as_secs_f64() * 1e3,
            ours.took.as_secs_f64() * 1e3
        );
        Ok(a)
    }

    /// Both tools with `args` fail (exit status not 0); where cli.py names
    /// the attribute the kernel's extended ACK points at (`'bad-attr':
    /// '.match.port'`), genl ynl names the same (`[attribute .match.port]`).
    /// Returns the attribute cli.py names, if any.
    fn both_fail(&self, args: &[&str]) -> Result<Option<String>, String> {
        let py = self.cli(args)?;
        let ours = self.genl(args)?;
        let what = shown(args);
        ensure(!py.ok, || format!("cli.py {what} succeeded"))?;
        ensure(!ours.ok, || format!("genl ynl {what} succeeded"))?;
        let between = |s: &str, a: &str, b: &str| -> Option<String> {
            let i = s.find(a)? + a.len();
            Some(s[i..i + s[i..].find(b)?].to_owned())
        };
        let p = between(&py.stdout, "'bad-attr': '", "'");
        if let Some(p) = &p {
            let g = between(&ours.stderr, "[attribute ", "]");
            ensure(g.as_deref() == Some(p.as_str()), || {
                format!("{what}: cli.py names the attribute {p}, genl ynl {g:?}")
            })?;
        }
        Ok(p)
    }
}

/// JSON text with the items of every `"flags": [...]` list sorted (cli.py
/// prints a set; the items are names or numbers, never lists).
fn flags_sorted(text: &str) -> String {
    const KEY: &str = "\"flags\": [";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        let (head, tail) = rest.split_at(i + KEY.len());
        out.push_str(head);
        let end = tail.find(']').unwrap_or(tail.len());
        let mut items: Vec<&str> = tail[..end].split(", ").filter(|x| !x.is_empty()).collect();
        items.sort_unstable();
        out.push_str(&items.join(", "));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `v` with every `flags` list sorted (cli.py prints a set).
fn normalized(mut v: Value) -> Value {
    match &mut v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                *x = normalized(std::mem::take(x));
                if k == "flags" {
                    if let Value::Array(a) = x {
                        a.sort_by_key(|f| f.to_string());
                    }
                }
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                *x = normalized(std::mem::take(x));
            }
        }
        _ => {}
    }
    v
}

fn conn() -> Result<Connection, String> {
    Connection::new().map_err(|e| format!("opening a connection: {e}"))
}

fn flush() -> Check {
    conn()?
        .request(portwatch_cmd::Flush, &())
        .map_err(|e| format!("FLUSH: {e}"))
}

fn del(id: u32) -> Check {
    conn()?
        .request(portwatch_cmd::Del, &RuleId { id })
        .map_err(|e| format!("DEL {id}: {e}"))
}

/// The ADD request of rule 101: every shape cli.py can send.
const ADD_101: &str = r#"{"id": 101, "match": {"port": 443, "proto": "tcp", "mark": 7}, "comment": "both tools", "verdict": "log", "flags": ["audit", "disabled"], "priority": 9, "cookie": "deadbeef0102", "hwaddr": "02005e102030", "tags": ["web", "sixteen-bytes-ok"]}"#;

/// The rule the module holds after [`ADD_101`], as cli.py prints it: the
/// request's values, the verdict, and counters at 0.
fn rule_101(hits: u64, bytes: u64) -> Value {
    json!({
        "id": 101,
        "match": {"port": 443, "proto": "tcp", "mark": 7},
        "comment": "both tools",
        "verdict": "log",
        "flags": ["audit", "disabled"],
        "priority": 9,
        "cookie": "deadbeef0102",
        "hwaddr": "02005e102030",
        "tags": ["web", "sixteen-bytes-ok"],
        "hits": hits,
        "bytes": bytes,
    })
}

/// Both list the same operations and messages, with the same modes
/// (compared as sets: cli.py prints a Python set).
fn the_same_operations_are_listed(t: &Tools) -> Check {
    for flag in ["--list-ops", "--list-msgs"] {
        let (py, ours) = (t.cli(&[flag])?, t.genl(&[flag])?);
        ensure(py.ok && ours.ok, || format!("{flag} failed"))?;
        let parse = |s: &str| -> Vec<(String, Vec<String>)> {
            s.lines()
                .map(|l| {
                    let (name, rest) = l.split_once("  [").unwrap_or((l, ""));
                    let mut modes: Vec<String> = rest
                        .trim_end_matches(']')
                        .split(',')
                        .map(|m| m.trim().to_owned())
                        .filter(|m| !m.is_empty())
                        .collect();
                    modes.sort();
                    (name.trim().to_owned(), modes)
                })
                .collect()
        };
        let (a, b) = (parse(&py.stdout), parse(&ours.stdout));
        ensure(a == b, || format!("{flag}: cli.py {a:?}, genl ynl {b:?}"))?;
        ensure(a.iter().any(|(n, _)| n == "flush"), || {
            format!("{flag}: no flush in {a:?}")
        })?;
    }
    Ok(())
}

/// ADD with flags, tags, a cookie, a hardware address, a nest with a mark:
/// the same reply from both (each adds rule 101 in turn), and it is the
/// rule that was sent.
fn add_replies_the_same(t: &Tools) -> Check {
    flush()?;
    let py = t.cli(&["--do", "add", "--json", ADD_101])?;
    ensure(py.ok, || "cli.py --do add failed".into())?;
    del(101)?;
    let ours = t.genl(&["--do", "add", "--json", ADD_101])?;
    ensure(ours.ok, || "genl ynl --do add failed".into())?;
    let (a, b) = (py.json("cli.py")?, ours.json("genl ynl")?);
    let want = vec![normalized(rule_101(0, 0))];
    let a: Vec<Value> = a.into_iter().map(normalized).collect();
    let b: Vec<Value> = b.into_iter().map(normalized).collect();
    ensure(a == want, || format!("cli.py: {a:?}, want {want:?}"))?;
    ensure(b == want, || format!("genl ynl: {b:?}, want {want:?}"))
}

/// Actions (an indexed array) cannot be sent by 6.12's cli.py ("Unknown
/// type ... indexed-array"), nor by genl ynl, which says so; nothing is
/// added.
fn actions_cannot_be_sent_by_either(t: &Tools) -> Check {
    t.both_fail(&[
        "--do",
        "add",
        "--json",
        r#"{"id": 102, "match": {"port": 80, "proto": "tcp"}, "actions": [{"1": {"kind": "mark", "arg": 7}}]}"#,
    ])?;
    match conn()?.query(portwatch_cmd::Get, &RuleId { id: 102 }) {
        Err(Error::Kernel(k)) if k.errno == libc::ENOENT => Ok(()),
        other => Err(format!("rule 102 after the refused ADDs: {other:?}")),
    }
}

/// Rules added by the Rust client, read by both: the indexed array of
/// actions as `[{"1": {...}}, ...]`, a udp rule (17, a sparse enum value).
fn get_reads_the_same(t: &Tools) -> Check {
    let mut c = conn()?;
    let s = RuleSpec {
        id: 102,
        r#match: Match {
            port: 80,
            proto: Proto::Tcp,
            mark: None,
        },
        comment: None,
        verdict: None,
        flags: None,
        priority: None,
        cookie: None,
        hwaddr: None,
        tags: vec!["one"],
        actions: vec![
            Action {
                kind: ActionKind::Mark,
                arg: Some(7),
            },
            Action {
                kind: ActionKind::Mirror,
                arg: None,
            },
            Action {
                kind: ActionKind::Rate,
                arg: Some(1_000_000),
            },
        ],
    };
    c.query(portwatch_cmd::Add, &s)
        .map_err(|e| format!("ADD 102: {e}"))?;
    let mut u = s.clone();
    u.id = 103;
    u.r#match = Match {
        port: 53,
        proto: Proto::Udp,
        mark: None,
    };
    u.actions.clear();
    u.tags.clear();
    c.query(portwatch_cmd::Add, &u)
        .map_err(|e| format!("ADD 103: {e}"))?;
    let got = t.same(&["--do", "get", "--json", r#"{"id": 102}"#])?;
    let want = json!({
        "id": 102,
        "match": {"port": 80, "proto": "tcp"},
        "verdict": "count",
        "tags": ["one"],
        "actions": [
            {"1": {"kind": "mark", "arg": 7}},
            {"2": {"kind": "mirror"}},
            {"3": {"kind": "rate", "arg": 1_000_000}},
        ],
        "hits": 0,
        "bytes": 0,
    });
    ensure(got == vec![want.clone()], || {
        format!("GET 102: {got:?}, want {want}")
    })?;
    let got = t.same(&["--do", "get", "--json", r#"{"id": 103}"#])?;
    ensure(got[0]["match"]["proto"] == "udp", || {
        format!("GET 103: {got:?}")
    })
}

/// HIT (no reply) through each tool, then the 64-bit counters read by
/// both: 2 hits of 5 000 000 000 bytes.
fn hit_counts_and_get_shows_u64_counters(t: &Tools) -> Check {
    // Rule 101 is disabled (it counts nothing): hit rule 102.
    let args = [
        "--do",
        "hit",
        "--json",
        r#"{"id": 102, "bytes": 5000000000}"#,
    ];
    let got = t.same(&args)?;
    ensure(got == vec![Value::Null], || format!("HIT printed {got:?}"))?;
    let got = t.same(&["--do", "get", "--json", r#"{"id": 102}"#])?;
    ensure(
        got[0]["hits"] == 2 && got[0]["bytes"] == 10_000_000_000u64,
        || format!("after two hits: {got:?}"),
    )?;
    let got = t.same(&["--do", "get", "--json", r#"{"id": 101}"#])?;
    let want = normalized(rule_101(0, 0));
    ensure(got.into_iter().map(normalized).eq([want.clone()]), || {
        format!("GET 101: want {want}")
    })
}

/// The GET dump, whole and filtered by protocol (the nest of the filter).
fn dumps_list_the_same(t: &Tools) -> Check {
    let all = t.same(&["--dump", "get"])?;
    let ids = |v: &[Value]| -> Vec<u64> {
        v.first()
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|r| r["id"].as_u64()).collect())
            .unwrap_or_default()
    };
    ensure(ids(&all) == [101, 102, 103], || format!("dump: {all:?}"))?;
    let udp = t.same(&["--dump", "get", "--json", r#"{"match": {"proto": "udp"}}"#])?;
    ensure(ids(&udp) == [103], || format!("udp dump: {udp:?}"))?;
    let tcp = t.same(&["--dump", "get", "--json", r#"{"match": {"proto": "tcp"}}"#])?;
    ensure(ids(&tcp) == [101, 102], || format!("tcp dump: {tcp:?}"))
}

/// STATS (no request attributes) and PORTS (dump-only).
fn stats_and_ports_are_the_same(t: &Tools) -> Check {
    let s = t.same(&["--do", "stats"])?;
    ensure(s[0]["rules"] == 3, || format!("STATS: {s:?}"))?;
    let p = t.same(&["--dump", "ports"])?;
    let want = json!([[
        {"port": 53, "rules": 1},
        {"port": 80, "rules": 1},
        {"port": 443, "rules": 1},
    ]]);
    ensure(Value::Array(p.clone()) == want, || format!("PORTS: {p:?}"))
}

/// What the kernel rejects fails in both: an unknown id, a dump filter
/// with a port (not in the filter's view), FLUSH with an attribute.
fn rejections_fail_in_both(t: &Tools) -> Check {
    for (args, at) in [
        (&["--do", "get", "--json", r#"{"id": 4000000}"#][..], ".id"),
        (
            &[
                "--dump",
                "get",
                "--json",
                r#"{"match": {"proto": "tcp", "port": 1}}"#,
            ],
            ".match.port",
        ),
        (&["--do", "flush", "--json", r#"{"id": 1}"#], ".id"),
    ] {
        let p = t.both_fail(args)?;
        ensure(p.as_deref() == Some(at), || {
            format!("{}: the extack names {p:?}, not {at}", shown(args))
        })?;
    }
    Ok(())
}

/// `--subscribe rules --sleep 3` in each tool while the Rust client adds
/// and deletes rule 104: both print events of the same shape, each a run
/// of what was done.
fn subscribers_hear_the_same_events(t: &Tools) -> Check {
    let mut c = conn()?;
    let s = RuleSpec {
        id: 104,
        r#match: Match {
            port: 8080,
            proto: Proto::Udp,
            mark: Some(3),
        },
        comment: None,
        verdict: None,
        flags: None,
        priority: None,
        cookie: None,
        hwaddr: None,
        tags: Vec::new(),
        actions: Vec::new(),
    };
    let ev = |change: &str| json!({"name": "rule-changed", "msg": {"id": 104, "match": {"port": 8080, "proto": "udp", "mark": 3}, "change": change}});
    let (added, deleted) = (ev("added"), ev("deleted"));
    for who in ["cli.py", "genl ynl"] {
        let args = ["--subscribe", "rules", "--sleep", "3"];
        let mut cmd = if who == "cli.py" {
            let mut c = Command::new(PYTHON);
            c.args(["-s", CLI, "--spec", SPEC, "--no-schema", "--output-json"])
                .env("LD_LIBRARY_PATH", "/lib/x86_64-linux-gnu");
            c
        } else {
            let mut c = Command::new(&t.genl);
            c.args(["ynl", "--spec", SPEC, "--no-schema", "--output-json"]);
            c
        };
        println!(
            "YNL$ {who} --spec portwatch.yaml {} (Rust adds and deletes meanwhile)",
            args.join(" ")
        );
        let start = Instant::now();
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawning {who}: {e}"))?;
        // Its start-up time is unknown under emulation: keep changing the
        // rule until it has slept and exited.
        let mut changes = 0u32;
        let mut present = false;
        let status = loop {
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break st;
            }
            ensure(start.elapsed() < Duration::from_secs(120), || {
                format!("{who} hangs")
            })?;
            if !present {
                c.query(portwatch_cmd::Add, &s)
                    .map_err(|e| format!("ADD 104: {e}"))?;
            } else {
                del(104)?;
            }
            present = !present;
            changes += 1;
            std::thread::sleep(Duration::from_millis(200));
        };
        if present {
            del(104)?;
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        for l in stdout.lines() {
            println!("YNL> {l}");
        }
        for l in String::from_utf8_lossy(&out.stderr).lines() {
            println!("YNL! {l}");
        }
        ensure(status.success(), || format!("{who}: {status}"))?;
        let r = Run {
            ok: true,
            stdout,
            stderr: String::new(),
            took: start.elapsed(),
        };
        let got = r.json(who)?;
        let [Value::Array(events)] = got.as_slice() else {
            return Err(format!("{who} printed {got:?}, want one list of events"));
        };
        ensure(!events.is_empty(), || format!("{who} heard no event"))?;
        for (i, e) in events.iter().enumerate() {
            ensure(e == &added || e == &deleted, || format!("{who}: event {e}"))?;
            if i > 0 {
                ensure(e != &events[i - 1], || {
                    format!("{who}: {e} twice in a row: events were lost")
                })?;
            }
        }
        println!(
            "YNL  {who} heard {} of {changes} changes, {:.1}s",
            events.len(),
            r.took.as_secs_f64()
        );
    }
    Ok(())
}

/// FLUSH (no attributes, no reply) through each tool; then both dump
/// nothing.
fn flush_empties_both_views(t: &Tools) -> Check {
    let got = t.same(&["--do", "flush"])?;
    ensure(got == vec![Value::Null], || {
        format!("FLUSH printed {got:?}")
    })?;
    let got = t.same(&["--dump", "get"])?;
    ensure(got == vec![json!([])], || format!("after FLUSH: {got:?}"))
}

fn main() -> ExitCode {
    let tools = match Tools::find() {
        Ok(t) => t,
        Err(e) => {
            println!("portwatch-ynl: {e}");
            println!("test result: FAILED. 0 passed; 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let checks: &[Named] = &[
        (
            "the_same_operations_are_listed",
            the_same_operations_are_listed,
        ),
        ("add_replies_the_same", add_replies_the_same),
        (
            "actions_cannot_be_sent_by_either",
            actions_cannot_be_sent_by_either,
        ),
        ("get_reads_the_same", get_reads_the_same),
        (
            "hit_counts_and_get_shows_u64_counters",
            hit_counts_and_get_shows_u64_counters,
        ),
        ("dumps_list_the_same", dumps_list_the_same),
        ("stats_and_ports_are_the_same", stats_and_ports_are_the_same),
        ("rejections_fail_in_both", rejections_fail_in_both),
        (
            "subscribers_hear_the_same_events",
            subscribers_hear_the_same_events,
        ),
        ("flush_empties_both_views", flush_empties_both_views),
    ];
    println!("running {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, check) in checks {
        match check(&tools) {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed.push(*name);
            }
        }
    }
    let passed = checks.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {} failed",
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
