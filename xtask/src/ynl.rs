//! `cargo xtask ynl <check|compare|tree>`: the repository's YNL spec
//! (`kmod-c/genl_demo.yaml`) and uapi header against the kernel's own YNL
//! tooling, through `genl_cli::check`; and (`compare`) the kernel's
//! `cli.py` against `genl ynl` on the host kernel, JSON for JSON, with
//! their wall times.

mod cases;
mod compare;

use std::collections::BTreeSet;

use compare::{Bound, Expect, Moving};
use genl_cli::{check, kernel_source, Project};

use crate::util;
use cases::{cases, sequences, Case};

/// Entry point of `cargo xtask ynl <sub>`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => {
            let project = Project::load(&util::workspace_root())?;
            let spec = project.family_spec()?;
            let header = project.uapi_header()?;
            check::ynl_validate(&spec, &mut |l| println!("{l}"))?;
            check::ynl_gen_c_compare(&spec, &header, &mut |l| println!("{l}"))?;
            let (c, h) = project.kernel_files()?;
            let r = check::ynl_gen_c_policies(&spec, &c, &h, &header, &mut |l| println!("{l}"))?;
            // The floor for genl_demo: its 6 policies (5 op, 1 nested) with
            // 11 attribute entries, 6 split ops + 5 genl_ops, 7 declarations.
            let floor = (6, 11, 11, 7);
            let got = (r.policies, r.entries, r.ops, r.declarations);
            if got.0 < floor.0 || got.1 < floor.1 || got.2 < floor.2 || got.3 < floor.3 {
                return Err(format!(
                    "ynl-gen-c comparison covered (policies, entries, ops, declarations) = \
                     {got:?}, below the floor {floor:?}"
                ));
            }
            Ok(())
        }
        Some("compare") => compare(),
        Some("tree") => {
            println!("{}", kernel_source::tree()?.display());
            Ok(())
        }
        _ => Err("usage: cargo xtask ynl <check|compare|tree>\n\
             \n  check  validate kmod-c/genl_demo.yaml against the kernel's YNL schema,\
             \n         compare ynl-gen-c's uapi header with ours, value by value, and its\
             \n         kernel policies, ops and declarations with ours, attribute by attribute\
             \n  compare  run the kernel's cli.py and `genl ynl` with the same arguments\
             \n         on nlctrl, netdev, ethtool, tcp_metrics, mptcp_pm, rt_link, rt_addr,\
             \n         rt_route (a netns with a veth pair), require equal JSON, print times\
             \n  tree   unpack (once) the kernel's YNL tools into the genl cache; print where"
            .into()),
    }
}

/// One run: exit status, stdout, stderr, wall time.
struct Ran {
    ok: bool,
    out: String,
    err: String,
    secs: f64,
}

impl Ran {
    fn output(&self) -> compare::Output<'_> {
        compare::Output {
            ok: self.ok,
            out: &self.out,
            err: &self.err,
        }
    }
}

fn run_timed(mut cmd: std::process::Command) -> Result<Ran, String> {
    let what = format!("{cmd:?}");
    let t = std::time::Instant::now();
    let o = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    Ok(Ran {
        ok: o.status.success(),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
        secs: t.elapsed().as_secs_f64(),
    })
}

/// How many times each invocation runs: the outputs of the first are
/// compared, the shortest wall time is reported (the host is shared, so
/// the minimum is the least noisy estimate, for both tools alike).
const RUNS: usize = 3;

/// Runs the command `RUNS` times: the first run's
/// output, the shortest time.
fn best_of(cmd: impl Fn() -> std::process::Command) -> Result<Ran, String> {
    let mut first = run_timed(cmd())?;
    for _ in 1..RUNS {
        let r = run_timed(cmd())?;
        first.secs = first.secs.min(r.secs);
    }
    Ok(first)
}

/// The two commands of one comparison.
struct Tools {
    tree: std::path::PathBuf,
    genl: std::path::PathBuf,
}

impl Tools {
    fn specs(&self) -> std::path::PathBuf {
        self.tree.join("Documentation/netlink/specs")
    }

    fn cli_py(&self, spec: &str, args: &[String]) -> std::process::Command {
        let mut c = std::process::Command::new(kernel_source::PYTHON);
        c.arg(self.tree.join("tools/net/ynl/cli.py"))
            .arg("--output-json")
            .arg("--spec")
            .arg(self.specs().join(spec))
            .args(args);
        c
    }

    fn genl(&self, spec: &str, args: &[String]) -> std::process::Command {
        let mut c = std::process::Command::new(&self.genl);
        c.arg("ynl")
            .arg("--spec")
            .arg(self.specs().join(spec))
            .args(args);
        c
    }
}

/// Runs `sh -c script`, failing with its output.
fn sh(script: &str) -> Result<(), String> {
    sh_out(script).map(drop)
}

/// Runs `sh -c script`: its standard output, or a failure with its errors.
fn sh_out(script: &str) -> Result<String, String> {
    let o = std::process::Command::new("sh")
        .args(["-c", script])
        .output()
        .map_err(|e| format!("sh: {e}"))?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(format!(
            "`{script}` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

/// `cargo xtask ynl compare`: the kernel's cli.py and `genl ynl`, same
/// arguments, same host kernel, equal JSON required; prints wall times.
pub fn compare() -> Result<(), String> {
    if !util::is_root() {
        return Err("ynl compare needs root (a network namespace with a veth pair)".into());
    }
    let tree = kernel_source::tree()?;
    kernel_source::ensure_python("yaml, jsonschema", &["python3-yaml", "python3-jsonschema"])?;
    let root = util::workspace_root();
    let st = std::process::Command::new("cargo")
        .args(["build", "--release", "-p", "genl-cli", "--bin", "genl"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !st.success() {
        return Err("cargo build --release -p genl-cli failed".into());
    }
    let tools = Tools {
        tree,
        genl: root.join("target/release/genl"),
    };
    // A network namespace of this thread only (children inherit it); the
    // rest of xtask stays where it was.
    std::thread::spawn(move || {
        // SAFETY: unshare(2) only changes this thread's namespaces.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return Err(format!(
                "unshare(CLONE_NEWNET): {}",
                std::io::Error::last_os_error()
            ));
        }
        compare_in_netns(&tools)
    })
    .join()
    .map_err(|_| "the comparison thread panicked".to_string())?
}

fn compare_in_netns(t: &Tools) -> Result<(), String> {
    // Counters are compared by value, so nothing may move them: no IPv6
    // link-local address, hence no router solicitation, DAD or neighbour
    // discovery (addr_gen_mode 1: none; fd00::1 without DAD), IPv6 off in
    // the peer namespace (a device moved there takes its defaults), and
    // permanent ARP entries on both sides (no probe of a stale neighbour
    // after the TCP exchange).
    sh("sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 \
        && sysctl -qw net.ipv6.conf.default.accept_ra=0 \
        && sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
        && ip link set lo up \
        && ip link add v0 address 02:00:0a:09:00:01 type veth \
           peer name v1 address 02:00:0a:09:00:02 \
        && ip link set v0 up && ip link set v1 up \
        && ip addr add 10.9.0.1/24 dev v0 && ip addr add fd00::1/64 dev v0 nodad \
        && ip neigh add 10.9.0.2 lladdr 02:00:0a:09:00:02 dev v0 nud permanent \
        && ip mptcp endpoint add 10.9.0.1 dev v0 signal \
        && tc qdisc replace dev v0 root tbf rate 1mbit burst 32kbit latency 400ms \
        && tc qdisc replace dev lo root handle 1: htb default 10")?;
    // v1 in a peer namespace (10.9.0.2), so that a TCP connection over the
    // veth leaves a tcp_metrics entry here.
    let peer = PeerNs(format!("genl-ynl-peer-{}", std::process::id()));
    sh(&format!(
        "ip netns add {p} && ip netns exec {p} sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
         && ip link set v1 netns {p} && ip -n {p} link set lo up \
         && ip -n {p} link set v1 up && ip -n {p} addr add 10.9.0.2/24 dev v1 \
         && ip -n {p} neigh add 10.9.0.1 lladdr 02:00:0a:09:00:01 dev v1 nud permanent",
        p = peer.0
    ))?;
    tcp_exchange(&peer.0)?;
    // The MLD reports of fd00::1's group and the end of the TCP exchange
    // pass in a few seconds; then every counter stands still.
    let still = hold_still()?;
    let mut sets = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    let mut ratios = Vec::new();
    let (mut sum_py, mut sum_genl) = (0.0, 0.0);
    println!(
        "{:<16} {:<70} {:>9} {:>9} {:>6}",
        "spec",
        format!("arguments (wall time: best of {RUNS})"),
        "cli.py s",
        "genl s",
        "ratio"
    );
    let mut record = |c: &Case, py: &Ran, ge: &Ran| {
        let label = format!("{} {}", c.spec, c.args.join(" "));
        let verdict = match flag_sets_of(t, &mut sets, c.spec) {
            Ok(sets) => judge(c, sets, py, ge),
            Err(e) => Err(e),
        };
        let ratio = py.secs / ge.secs.max(1e-6);
        sum_py += py.secs;
        sum_genl += ge.secs;
        ratios.push(ratio);
        println!(
            "{:<16} {:<70} {:>9.4} {:>9.4} {:>5.0}x  {}",
            c.spec,
            c.args.join(" "),
            py.secs,
            ge.secs,
            ratio,
            match &verdict {
                Ok(s) => format!("ok: {s}"),
                Err(_) => "FAIL".into(),
            }
        );
        if let Err(e) = verdict {
            failures.push(format!("{label}: {e}"));
        }
    };
    for c in cases() {
        let py = best_of(|| t.cli_py(c.spec, &c.args))?;
        let ge = best_of(|| t.genl(c.spec, &c.args))?;
        record(&c, &py, &ge);
    }
    // Changes: each tool runs the whole sequence (create, look, delete),
    // cli.py first; step by step the results must agree (one run each).
    let ifindex = ifindex("v0")?;
    for seq in sequences(ifindex) {
        let mut runs = Vec::new();
        for tool in [Tools::cli_py, Tools::genl] {
            let mut out = Vec::new();
            for c in &seq {
                out.push(run_timed(tool(t, c.spec, &c.args))?);
            }
            runs.push(out);
        }
        for (c, (py, ge)) in seq.iter().zip(runs[0].iter().zip(&runs[1])) {
            record(c, py, ge);
        }
    }
    let n = ratios.len();
    let moved = counters()?;
    if moved != still {
        failures.push(format!(
            "traffic counters moved during the comparison (they are compared by value and \
             must stand still):\nbefore: {still}\nafter:  {moved}"
        ));
    }
    match subscribe(t) {
        Ok(s) => println!("{s}"),
        Err(e) => failures.push(format!("--subscribe: {e}")),
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{n} invocations: cli.py {sum_py:.3} s in all, genl ynl {sum_genl:.3} s; \
         ratio per invocation: min {:.0}x, median {:.0}x, max {:.0}x",
        ratios.first().copied().unwrap_or(0.0),
        ratios.get(n / 2).copied().unwrap_or(0.0),
        ratios.last().copied().unwrap_or(0.0)
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} comparisons failed:\n{}",
            failures.len(),
            n + 1,
            failures.join("\n")
        ))
    }
}

/// The verdict on one invocation of both tools ([`compare::judge`]).
fn judge(c: &Case, sets: &BTreeSet<String>, py: &Ran, ge: &Ran) -> Result<String, String> {
    let expect = Expect {
        fails: c.fails,
        listing: c
            .args
            .iter()
            .any(|a| a == "--list-ops" || a == "--list-msgs"),
        shows: c.shows,
        moving: c.moving,
        sets: Some(sets),
    };
    compare::judge(&expect, py.output(), ge.output())
}

/// The names cli.py prints as sets in `spec` ([`compare::flag_sets`]),
/// read once.
fn flag_sets_of<'a>(
    t: &Tools,
    sets: &'a mut std::collections::BTreeMap<&'static str, BTreeSet<String>>,
    spec: &'static str,
) -> Result<&'a BTreeSet<String>, String> {
    if !sets.contains_key(spec) {
        let path = t.specs().join(spec);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let s = compare::flag_sets(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        sets.insert(spec, s);
    }
    Ok(&sets[spec])
}

/// The traffic counters of this namespace: every device's (`/proc/net/dev`:
/// rtnl_link_stats64; `dev_snmp6`: its inet6 and icmp6 statistics) and
/// every qdisc's (`tc -s`).
fn counters() -> Result<String, String> {
    sh_out("cat /proc/net/dev /proc/net/dev_snmp6/* && tc -s qdisc show")
}

/// Waits until the counters stand still (equal 2 s apart), at most 30 s;
/// returns them.
fn hold_still() -> Result<String, String> {
    let t = std::time::Instant::now();
    let mut last = counters()?;
    loop {
        std::thread::sleep(std::time::Duration::from_secs(2));
        let now = counters()?;
        if now == last {
            return Ok(now);
        }
        if t.elapsed() > std::time::Duration::from_secs(30) {
            return Err(format!(
                "the namespace's traffic counters keep moving (they are compared by value):\n\
                 {last}\nthen\n{now}"
            ));
        }
        last = now;
    }
}

/// The ifindex of device `dev` in this namespace (from `ip -j link`).
fn ifindex(dev: &str) -> Result<u64, String> {
    let o = std::process::Command::new("ip")
        .args(["-j", "link", "show", dev])
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).map_err(|e| format!("ip -j link show {dev}: {e}"))?;
    v.get(0)
        .and_then(|l| l.get("ifindex"))
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| format!("ip -j link show {dev}: no ifindex"))
}

/// A named network namespace, deleted when dropped.
struct PeerNs(String);

impl Drop for PeerNs {
    fn drop(&mut self) {
        let _ = sh(&format!("ip netns del {}", self.0));
    }
}

/// Sends 200 kB from 10.9.0.1 (this namespace) to a listener at 10.9.0.2
/// (namespace `peer`) and closes: the kernel keeps tcp_metrics for
/// 10.9.0.2.
fn tcp_exchange(peer: &str) -> Result<(), String> {
    use std::io::Write as _;
    let script = "import socket\n\
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
        s.bind(('10.9.0.2', 5555)); s.listen(); print('ready', flush=True)\n\
        a, _ = s.accept()\n\
        while a.recv(65536): pass\n";
    let mut l = std::process::Command::new("ip")
        .args(["netns", "exec", peer, kernel_source::PYTHON, "-c", script])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("ip netns exec: {e}"))?;
    let mut ready = String::new();
    let stdout = l.stdout.take().ok_or("listener: no stdout")?;
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut ready)
        .map_err(|e| format!("listener: {e}"))?;
    let sent = std::net::TcpStream::connect(("10.9.0.2", 5555))
        .and_then(|mut c| c.write_all(&[0x55; 200_000]));
    let st = l.wait().map_err(|e| format!("listener: {e}"))?;
    sent.map_err(|e| format!("TCP to 10.9.0.2: {e}"))?;
    if !st.success() {
        return Err(format!("the TCP listener in {peer} failed: {st}"));
    }
    Ok(())
}

/// `--subscribe mgmt --sleep 3` of netdev on both, started together; a veth
/// pair is created and deleted meanwhile: the notifications must be equal
/// and not empty.
fn subscribe(t: &Tools) -> Result<String, String> {
    let args: Vec<String> = ["--subscribe", "mgmt", "--sleep", "3"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let spawn = |mut c: std::process::Command| {
        c.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("{c:?}: {e}"))
    };
    let py = spawn(t.cli_py("netdev.yaml", &args))?;
    let ge = spawn(t.genl("netdev.yaml", &args))?;
    // cli.py needs a few hundred milliseconds to load and join the group.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    sh("ip link add v2 type veth peer name v3 && ip link del v2")?;
    let py = py.wait_with_output().map_err(|e| e.to_string())?;
    let ge = ge.wait_with_output().map_err(|e| e.to_string())?;
    let (py_out, ge_out) = (
        String::from_utf8_lossy(&py.stdout),
        String::from_utf8_lossy(&ge.stdout),
    );
    let (py_err, ge_err) = (
        String::from_utf8_lossy(&py.stderr),
        String::from_utf8_lossy(&ge.stderr),
    );
    let mut sets = std::collections::BTreeMap::new();
    let expect = Expect {
        sets: Some(flag_sets_of(t, &mut sets, "netdev.yaml")?),
        ..Expect::default()
    };
    let verdict = compare::judge(
        &expect,
        compare::Output {
            ok: py.status.success(),
            out: &py_out,
            err: &py_err,
        },
        compare::Output {
            ok: ge.status.success(),
            out: &ge_out,
            err: &ge_err,
        },
    )?;
    let events = serde_json::from_str::<serde_json::Value>(py_out.lines().next().unwrap_or(""))
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0);
    if events == 0 {
        return Err(format!("cli.py saw no notification: {py_out:?}"));
    }
    Ok(format!(
        "netdev.yaml --subscribe mgmt --sleep 3: ok: {events} notifications (veth pair added and deleted), {verdict}"
    ))
}
