//! The kernel's own YNL CLI (`tools/net/ynl/cli.py` of Linux 6.12, run with
//! Debian's python3) drives the `genl_demo` module through our exported spec
//! (`kmod-c/genl_demo.yaml`), and its answers must equal what the Rust
//! client gets for the same requests.
//!
//! Run inside the 6.12 guest by `cargo xtask vm test` (the harness packs
//! python, `/ynl/cli.py` and `/ynl/genl_demo.yaml` into that initramfs only);
//! `#[ignore]`d on the host. Every cli.py call and its output are printed
//! (`YNL$` / `YNL>` lines) so the transcript is in the console log.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use genl::demo::{demo_cmd, Echo, KvEntry, KvEvent, KvKey, KvMeta, KvState};
use genl_core::{Connection, Subscription};
use serde_json::{json, Value};

const PYTHON: &str = "/usr/bin/python3";
const CLI: &str = "/ynl/cli.py";
const SPEC: &str = "/ynl/genl_demo.yaml";

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

fn cli_command(args: &[&str]) -> Command {
    let mut c = Command::new(PYTHON);
    c.args(["-s", CLI, "--spec", SPEC, "--no-schema", "--output-json"])
        .args(args)
        .env("LD_LIBRARY_PATH", "/lib/x86_64-linux-gnu")
        .stdin(Stdio::null());
    c
}

/// Runs cli.py, prints the transcript, returns its JSON output lines.
fn ynl(args: &[&str]) -> Vec<Value> {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(|c: char| c.is_whitespace() || c == '{' || c == '"') {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    println!("YNL$ cli.py --spec genl_demo.yaml {}", shown.join(" "));
    let t = Instant::now();
    let out = cli_command(args).output().expect("running python3 cli.py");
    transcript(&out, t.elapsed())
}

fn transcript(out: &std::process::Output, took: Duration) -> Vec<Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    for l in stdout.lines() {
        println!("YNL> {l}");
    }
    for l in String::from_utf8_lossy(&out.stderr).lines() {
        println!("YNL! {l}");
    }
    println!("YNL  ({}, {:.1}s)", out.status, took.as_secs_f64());
    assert!(out.status.success(), "the tool failed: {}", out.status);
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("cli.py printed {l:?}: {e}")))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What cli.py prints for an entry (binary as hex, enums by spec name).
fn entry_json(e: &KvEntry<'_>) -> Value {
    let mut v = json!({ "key": e.key });
    if let Some(val) = e.value {
        v["value"] = json!(hex(val));
    }
    if let Some(m) = &e.meta {
        let mut mj = json!({});
        if let Some(s) = m.state {
            mj["state"] = json!(format!("{s:?}").to_lowercase());
        }
        if let Some(p) = m.port {
            mj["port"] = json!(p);
        }
        v["meta"] = mj;
    }
    v
}

fn event_json(e: &KvEvent<'_>) -> Value {
    let mut v = json!({ "op": format!("{:?}", e.op).to_lowercase(), "key": e.key });
    if let Some(val) = e.value {
        v["value"] = json!(hex(val));
    }
    json!({ "name": "kv-event", "msg": v })
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn ynl_1_echo_equals_rust() {
    in_vm();
    let got = ynl(&["--do", "echo", "--json", r#"{"msg":"hi","cookie":7}"#]);
    let mut conn = Connection::new().unwrap();
    let r: Echo<'_> = conn
        .query(
            demo_cmd::Echo,
            &Echo {
                msg: "hi",
                cookie: Some(7),
            },
        )
        .unwrap();
    let rust = json!({ "msg": r.msg, "cookie": r.cookie });
    println!("RUST> {rust}");
    assert_eq!(got, vec![rust]);
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn ynl_2_kv_set_get_dump_equal_rust() {
    in_vm();
    // Set through ynl (admin op), read back through both.
    let set = ynl(&[
        "--do",
        "kv-set",
        "--json",
        r#"{"key":"ynl-key","value":"68656c6c6f","meta":{"state":"stale","port":8080}}"#,
    ]);
    assert_eq!(set, vec![Value::Null], "kv-set has no reply");
    let got = ynl(&["--do", "kv-get", "--json", r#"{"key":"ynl-key"}"#]);
    let mut conn = Connection::new().unwrap();
    let r: KvEntry<'_> = conn
        .query(demo_cmd::KvGet, &KvKey { key: "ynl-key" })
        .unwrap();
    assert_eq!(r.value, Some(&b"hello"[..]));
    assert_eq!(
        r.meta,
        Some(KvMeta {
            state: Some(KvState::Stale),
            port: Some(8080)
        })
    );
    let rust = entry_json(&r);
    println!("RUST> {rust}");
    assert_eq!(got, vec![rust]);

    // Set through Rust, read through ynl.
    conn.request(
        demo_cmd::KvSet,
        &KvEntry {
            key: "rust-key",
            value: Some(b"\x00\x01\xfe"),
            meta: None,
        },
    )
    .unwrap();
    let got = ynl(&["--do", "kv-get", "--json", r#"{"key":"rust-key"}"#]);
    assert_eq!(got, vec![json!({"key": "rust-key", "value": "0001fe"})]);

    // The whole table, dumped by both.
    let got = ynl(&["--dump", "kv-get"]);
    let mut rust = Vec::new();
    let mut dump = conn.dump(demo_cmd::KvGet, &()).unwrap();
    let t = Instant::now();
    while let Some(m) = dump.next().unwrap() {
        assert!(t.elapsed() < Duration::from_secs(60), "the dump never ends");
        rust.push(entry_json(&m));
    }
    println!("RUST> {}", Value::Array(rust.clone()));
    assert!(rust.len() >= 2);
    assert_eq!(got, vec![Value::Array(rust)]);
}

/// `cli.py --subscribe events --sleep 3` while the Rust client sets an
/// entry every 200 ms. (Subscribing and setting in one cli.py call,
/// `--subscribe events --do kv-set`, crashes 6.12's `ynl.py`: a notification
/// arriving before the ACK leaves `op = None` for the next `recv`; see the
/// guide's "Checks: `genl check` and YNL interop", `docs/guide.md`.)
#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn ynl_3_subscribe_while_rust_sets_entries() {
    in_vm();
    let mut sub = Subscription::new("genl_demo", "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(30)));
    let mut conn = Connection::new().unwrap();
    println!("YNL$ cli.py --spec genl_demo.yaml --subscribe events --sleep 3   (Rust sets entries meanwhile)");
    let t = Instant::now();
    let child = cli_command(&["--subscribe", "events", "--sleep", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning python3 cli.py");
    // cli.py's start-up time is unknown under emulation: keep changing an
    // entry until it has slept and exited.
    let pid = child.id() as libc::pid_t;
    let mut sets = 0u32;
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child, WNOHANG.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "cli.py hangs");
        sets += 1;
        let value = format!("v{sets}");
        conn.request(
            demo_cmd::KvSet,
            &KvEntry {
                key: "ynl-watched",
                value: Some(value.as_bytes()),
                meta: None,
            },
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut out = std::process::Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    use std::io::Read;
    let mut child = child;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut out.stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut out.stderr)
        .unwrap();
    let got = transcript(&out, t.elapsed());
    let mut rust = Vec::new();
    for _ in 0..sets {
        let ev: KvEvent<'_> = sub.next_event().unwrap().decode().unwrap();
        rust.push(event_json(&ev));
    }
    println!("RUST> {sets} sets, {} events", rust.len());
    let [Value::Array(ynl_events)] = got.as_slice() else {
        panic!("cli.py printed {got:?}, expected one list of events");
    };
    assert!(!ynl_events.is_empty(), "cli.py got no event");
    // cli.py saw a contiguous run of the events Rust saw, unchanged.
    let start = rust
        .iter()
        .position(|e| e == &ynl_events[0])
        .unwrap_or_else(|| panic!("{} not among Rust's events", ynl_events[0]));
    assert_eq!(
        &rust[start..(start + ynl_events.len()).min(rust.len())],
        ynl_events.as_slice()
    );
    println!(
        "YNL  cli.py got {} of the {} events (from #{}), equal to Rust's",
        ynl_events.len(),
        rust.len(),
        start + 1
    );
}

/// The `genl` tool packed into the guest (the `[[vm.guest]]` entry that runs
/// `genl ctrl get genl_demo` puts it in `/tests/NN-genl`).
fn genl_tool() -> std::path::PathBuf {
    std::fs::read_dir("/tests")
        .expect("/tests: the guest's programs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("-genl"))
        })
        .expect("the genl tool among the guest's programs")
}

/// `genl ynl` and cli.py with the same arguments against the module: the
/// same JSON, and each one's wall time from start to exit.
#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn ynl_4_genl_ynl_answers_like_cli_py() {
    in_vm();
    let genl = genl_tool();
    let mut conn = Connection::new().unwrap();
    conn.request(
        demo_cmd::KvSet,
        &KvEntry {
            key: "both-tools",
            value: Some(b"\x01\x02"),
            meta: Some(KvMeta {
                state: Some(KvState::Stale),
                port: Some(53),
            }),
        },
    )
    .unwrap();
    let cases: &[&[&str]] = &[
        &["--do", "echo", "--json", r#"{"msg":"both","cookie":9}"#],
        &["--do", "kv-get", "--json", r#"{"key":"both-tools"}"#],
        &["--dump", "kv-get"],
    ];
    let (mut t_cli, mut t_genl) = (Vec::new(), Vec::new());
    for args in cases {
        let t = Instant::now();
        let py = ynl(args);
        t_cli.push(t.elapsed());
        let shown = args.join(" ");
        println!("YNL$ genl ynl --spec genl_demo.yaml {shown}");
        let t = Instant::now();
        let out = Command::new(&genl)
            .args(["ynl", "--spec", SPEC, "--no-schema", "--output-json"])
            .args(*args)
            .stdin(Stdio::null())
            .output()
            .expect("running genl ynl");
        let took = t.elapsed();
        t_genl.push(took);
        let ours = transcript(&out, took);
        assert_eq!(ours, py, "genl ynl {shown}: not what cli.py printed");
    }
    let ms = |d: &Duration| d.as_secs_f64() * 1e3;
    for ((args, c), g) in cases.iter().zip(&t_cli).zip(&t_genl) {
        println!(
            "YNLTIME {}: cli.py {:.0} ms, genl ynl {:.1} ms ({:.0}x)",
            args[..2].join(" "),
            ms(c),
            ms(g),
            ms(c) / ms(g)
        );
    }
}
