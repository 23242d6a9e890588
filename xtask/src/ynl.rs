//! `cargo xtask ynl <check|compare|tree>`: the repository's YNL spec
//! (`kmod-c/genl_demo.yaml`) and uapi header against the kernel's own YNL
//! tooling, through `genl_cli::check`; and (`compare`) the kernel's
//! `cli.py` against `genl ynl` on the host kernel, JSON for JSON, with
//! their wall times.

mod compare;

use std::collections::BTreeSet;

use compare::{Bound, Expect, Moving};
use genl_cli::{check, kernel_source, Project};

use crate::util;

/// Entry point of `cargo xtask ynl <sub>`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => {
            let project = Project::load(&util::workspace_root())?;
            let spec = project.family_spec()?;
            let header = project.uapi_header()?;
            check::ynl_validate(&spec)?;
            check::ynl_gen_c_compare(&spec, &header)?;
            let (c, h) = project.kernel_files()?;
            let r = check::ynl_gen_c_policies(&spec, &c, &h, &header)?;
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
        Some("tree") => kernel_source::tree().map(|t| println!("{}", t.display())),
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

/// One invocation given to both `cli.py` and `genl ynl`.
struct Case {
    /// The spec's file name under Documentation/netlink/specs.
    spec: &'static str,
    /// The arguments after `--spec FILE`.
    args: Vec<String>,
    /// The kernel refuses it on a veth: both must fail, with the same
    /// error (the text after `error:` of `genl ynl` appears in cli.py's
    /// output).
    fails: bool,
    /// Values the kernel changes on its own (see [`Moving`]); everything
    /// else, traffic counters included, is compared by value.
    moving: &'static [Moving],
    /// Text cli.py's output must contain (what a change made shows up).
    shows: Option<&'static str>,
}

/// A tcp_metrics entry's `age` (ms since the metrics were last updated):
/// genl ynl reads it after cli.py's three runs, well within 10 s.
const AGE: Moving = Moving {
    key: "age",
    bound: Bound::Later { slack: 10_000 },
    unit: "ms",
};

/// An address's creation and update times (`ifa-cacheinfo`, in 1/100 s
/// since boot): each tool creates its own address, genl ynl after cli.py's
/// sequence of three invocations, well within 30 s.
const ADDR_TIMES: &[Moving] = &[
    Moving {
        key: "cstamp",
        bound: Bound::Later { slack: 3_000 },
        unit: "1/100 s",
    },
    Moving {
        key: "tstamp",
        bound: Bound::Later { slack: 3_000 },
        unit: "1/100 s",
    },
];

/// A device's IPv6 neighbour reachable time (rt_link's inet6 `cacheinfo`):
/// every 300 s the kernel redraws it for every device from
/// `base/2 .. base/2 + base` (`neigh_rand_reach_time` of
/// net/core/neighbour.c), base 30 s (`ND_REACHABLE_TIME`) here.
const REACHABLE_TIME: &[Moving] = &[Moving {
    key: "reachable-time",
    bound: Bound::Drawn {
        min: 15_000,
        max: 45_000,
    },
    unit: "ms",
}];

fn case(spec: &'static str, args: &[&str]) -> Case {
    Case {
        spec,
        args: args.iter().map(|s| s.to_string()).collect(),
        fails: false,
        moving: &[],
        shows: None,
    }
}

/// The invocations compared, in a network namespace of their own with `lo`
/// up, veth pair v0/v1 (10.9.0.1/24 and fd00::1/64 on v0) and one MPTCP
/// endpoint; a tbf qdisc on v0 and an htb one on lo; v1 is moved into a
/// peer namespace (10.9.0.2) before the cases run.
fn cases() -> Vec<Case> {
    let dev = r#"{"header": {"dev-name": "v0"}}"#;
    let mut v = vec![
        case("nlctrl.yaml", &["--dump", "getfamily"]),
        case(
            "nlctrl.yaml",
            &[
                "--do",
                "getfamily",
                "--json",
                r#"{"family-name": "nlctrl"}"#,
            ],
        ),
        case(
            "nlctrl.yaml",
            &[
                "--do",
                "getfamily",
                "--json",
                r#"{"family-name": "ethtool"}"#,
            ],
        ),
        // cli.py 6.12 cannot decode the `pad` attribute unless it keeps
        // unknown attributes (`Unknown pad with name pad`).
        case(
            "nlctrl.yaml",
            &[
                "--dump",
                "getpolicy",
                "--json",
                r#"{"family-name": "ethtool"}"#,
                "--process-unknown",
            ],
        ),
        case(
            "nlctrl.yaml",
            &[
                "--dump",
                "getpolicy",
                "--json",
                r#"{"family-name": "netdev"}"#,
                "--process-unknown",
            ],
        ),
        case("netdev.yaml", &["--dump", "dev-get"]),
        case(
            "netdev.yaml",
            &["--do", "dev-get", "--json", r#"{"ifindex": 1}"#],
        ),
        case("netdev.yaml", &["--dump", "queue-get"]),
        case("netdev.yaml", &["--dump", "napi-get"]),
        case("netdev.yaml", &["--dump", "qstats-get"]),
        case("netdev.yaml", &["--dump", "page-pool-get"]),
    ];
    // Every spec whose family this kernel has (cli.py resolves it even to
    // list operations): the 9 others are not registered on the host.
    for spec in [
        "nlctrl.yaml",
        "netdev.yaml",
        "ethtool.yaml",
        "mptcp_pm.yaml",
        "tcp_metrics.yaml",
        "nftables.yaml",
        "rt_addr.yaml",
        "rt_link.yaml",
        "rt_route.yaml",
        "tc.yaml",
    ] {
        v.push(case(spec, &["--list-ops"]));
        v.push(case(spec, &["--list-msgs"]));
    }
    for op in [
        "linkinfo-get",
        "linkmodes-get",
        "linkstate-get",
        "features-get",
        "channels-get",
        "tsinfo-get",
        "phc-vclocks-get",
        "module-get",
        "strset-get",
    ] {
        v.push(case("ethtool.yaml", &["--dump", op]));
        v.push(case("ethtool.yaml", &["--do", op, "--json", dev]));
    }
    v.push(case(
        "ethtool.yaml",
        &[
            "--do",
            "strset-get",
            "--json",
            r#"{"header": {"dev-name": "v0"}, "stringsets": {"stringset": [{"id": 1}]}}"#,
        ],
    ));
    for op in ["pause-get", "coalesce-get", "rings-get", "eee-get"] {
        let mut c = case("ethtool.yaml", &["--do", op, "--json", dev]);
        c.fails = true;
        v.push(c);
    }
    v.extend([
        Case {
            moving: &[AGE],
            ..case("tcp_metrics.yaml", &["--dump", "get"])
        },
        // 10.9.0.2 as a big-endian u32 (cli.py encodes no address text).
        Case {
            moving: &[AGE],
            ..case(
                "tcp_metrics.yaml",
                &["--do", "get", "--json", r#"{"addr-ipv4": 168361986}"#],
            )
        },
        case("mptcp_pm.yaml", &["--dump", "get-addr"]),
        case("mptcp_pm.yaml", &["--do", "get-limits"]),
        // Several requests in one datagram (cli.py --multi): the replies
        // of each, in order; and one the kernel rejects fails the run.
        case(
            "netdev.yaml",
            &[
                "--multi",
                "dev-get",
                r#"{"ifindex": 1}"#,
                "--multi",
                "dev-get",
                r#"{"ifindex": 1}"#,
            ],
        ),
        Case {
            fails: true,
            ..case(
                "netdev.yaml",
                &[
                    "--multi",
                    "dev-get",
                    r#"{"ifindex": 1}"#,
                    "--multi",
                    "dev-get",
                    r#"{"ifindex": 99999}"#,
                ],
            )
        },
        Case {
            moving: REACHABLE_TIME,
            ..case(
                "rt_link.yaml",
                &[
                    "--multi",
                    "getlink",
                    r#"{"ifi-index": 1}"#,
                    "--multi",
                    "getlink",
                    r#"{"ifname": "v0"}"#,
                    "--process-unknown",
                ],
            )
        },
        // A 6.18 host kernel sends link attributes the 6.12 spec does not
        // know (67): cli.py fails on them unless it keeps them.
        Case {
            moving: REACHABLE_TIME,
            ..case("rt_link.yaml", &["--dump", "getlink", "--process-unknown"])
        },
        Case {
            moving: REACHABLE_TIME,
            ..case(
                "rt_link.yaml",
                &[
                    "--do",
                    "getlink",
                    "--json",
                    r#"{"ifname": "v0"}"#,
                    "--process-unknown",
                ],
            )
        },
        case("rt_addr.yaml", &["--dump", "getaddr"]),
        case(
            "rt_addr.yaml",
            &["--dump", "getaddr", "--json", r#"{"ifa-family": 10}"#],
        ),
        case("rt_route.yaml", &["--dump", "getroute"]),
        // Sub-messages selected by `kind` (tbf, htb options); the spec
        // lists only `do`, the kernel dumps (cli.py sends it regardless).
        Case {
            shows: Some(r#""kind": "tbf", "options": {"parms""#),
            ..case("tc.yaml", &["--dump", "getqdisc"])
        },
    ]);
    v
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

/// Sequences of changes, each leaving the namespace as it found it: MPTCP
/// endpoints and limits (nested attributes, flags), an IPv4 address and a
/// route (netlink-raw fixed headers, `--create`). Addresses are binary
/// attributes, given in hex as cli.py reads them.
fn sequences(ifindex: u64) -> Vec<Vec<Case>> {
    let addr = format!(
        r#"{{"ifa-family": 2, "ifa-prefixlen": 24, "ifa-index": {ifindex}, "ifa-local": "0a090101", "ifa-address": "0a090101"}}"#
    );
    let route = r#"{"rtm-family": 2, "rtm-dst-len": 32, "rtm-table": 254, "rtm-protocol": 4, "rtm-scope": 0, "rtm-type": 1, "rta-dst": "0a090909", "rta-gateway": "0a090002"}"#;
    let owned = |spec: &'static str, args: &[&str]| case(spec, args);
    vec![
        vec![
            owned(
                "mptcp_pm.yaml",
                &[
                    "--do",
                    "add-addr",
                    "--json",
                    r#"{"addr": {"family": 2, "addr4": 168362241, "id": 7, "flags": 1}}"#,
                ],
            ),
            owned(
                "mptcp_pm.yaml",
                &["--do", "get-addr", "--json", r#"{"addr": {"id": 7}}"#],
            ),
            Case {
                shows: Some(r#""id": 7, "flags": 1, "addr4": 168362241"#),
                ..owned("mptcp_pm.yaml", &["--dump", "get-addr"])
            },
            owned(
                "mptcp_pm.yaml",
                &["--do", "del-addr", "--json", r#"{"addr": {"id": 7}}"#],
            ),
            owned(
                "mptcp_pm.yaml",
                &[
                    "--do",
                    "set-limits",
                    "--json",
                    r#"{"rcv-add-addrs": 3, "subflows": 5}"#,
                ],
            ),
            owned("mptcp_pm.yaml", &["--do", "get-limits"]),
            owned(
                "mptcp_pm.yaml",
                &[
                    "--do",
                    "set-limits",
                    "--json",
                    r#"{"rcv-add-addrs": 0, "subflows": 2}"#,
                ],
            ),
            // A request flag on a generic netlink request (the kernel's
            // genetlink ignores NLM_F_CREATE; both tools send it).
            owned(
                "mptcp_pm.yaml",
                &[
                    "--do",
                    "set-limits",
                    "--create",
                    "--json",
                    r#"{"rcv-add-addrs": 1, "subflows": 2}"#,
                ],
            ),
            owned("mptcp_pm.yaml", &["--do", "get-limits"]),
        ],
        vec![
            owned(
                "rt_addr.yaml",
                &["--do", "newaddr", "--create", "--json", &addr],
            ),
            // Creation and update times (ifa-cacheinfo, 1/100 s) differ: by
            // shape.
            Case {
                moving: ADDR_TIMES,
                shows: Some(r#""ifa-local": "10.9.1.1""#),
                ..owned(
                    "rt_addr.yaml",
                    &["--dump", "getaddr", "--json", r#"{"ifa-family": 2}"#],
                )
            },
            owned("rt_addr.yaml", &["--do", "deladdr", "--json", &addr]),
        ],
        vec![
            owned(
                "rt_route.yaml",
                &["--do", "newroute", "--create", "--json", route],
            ),
            Case {
                shows: Some(r#""rta-dst": "10.9.9.9""#),
                ..owned(
                    "rt_route.yaml",
                    &["--dump", "getroute", "--json", r#"{"rtm-family": 2}"#],
                )
            },
            owned("rt_route.yaml", &["--do", "delroute", "--json", route]),
        ],
    ]
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
