//! The cases: each a `genl ynl` command line and what its output must be
//! next to the kernel's `ynl`'s.

use super::*;

/// One invocation given to both `cli.py` and `genl ynl`.
pub(super) struct Case {
    /// The spec's file name under Documentation/netlink/specs.
    pub(super) spec: &'static str,
    /// The arguments after `--spec FILE`.
    pub(super) args: Vec<String>,
    /// The kernel refuses it on a veth: both must fail, with the same
    /// error (the text after `error:` of `genl ynl` appears in cli.py's
    /// output).
    pub(super) fails: bool,
    /// Values the kernel changes on its own (see [`Moving`]); everything
    /// else, traffic counters included, is compared by value.
    pub(super) moving: &'static [Moving],
    /// Text cli.py's output must contain (what a change made shows up).
    pub(super) shows: Option<&'static str>,
}

/// A tcp_metrics entry's `age` (ms since the metrics were last updated):
/// genl ynl reads it after cli.py's three runs, well within 10 s.
pub(super) const AGE: Moving = Moving {
    key: "age",
    bound: Bound::Later { slack: 10_000 },
    unit: "ms",
};

/// An address's creation and update times (`ifa-cacheinfo`, in 1/100 s
/// since boot): each tool creates its own address, genl ynl after cli.py's
/// sequence of three invocations, well within 30 s.
pub(super) const ADDR_TIMES: &[Moving] = &[
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
pub(super) const REACHABLE_TIME: &[Moving] = &[Moving {
    key: "reachable-time",
    bound: Bound::Drawn {
        min: 15_000,
        max: 45_000,
    },
    unit: "ms",
}];

pub(super) fn case(spec: &'static str, args: &[&str]) -> Case {
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
pub(super) fn cases() -> Vec<Case> {
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

/// Sequences of changes, each leaving the namespace as it found it: MPTCP
/// endpoints and limits (nested attributes, flags), an IPv4 address and a
/// route (netlink-raw fixed headers, `--create`). Addresses are binary
/// attributes, given in hex as cli.py reads them.
pub(super) fn sequences(ifindex: u64) -> Vec<Vec<Case>> {
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
