use super::*;

fn ok(out: &str) -> Output<'_> {
    Output {
        ok: true,
        out,
        err: "",
    }
}

fn judge_json(e: &Expect<'_>, py: &str, ge: &str) -> Result<String, String> {
    judge(e, ok(py), ok(ge))
}

/// A link as cli.py 6.12 prints it for `rt_link --do getlink` (trimmed:
/// the struct `rtnl_link_stats64` and an inet6 `stats` array of
/// `af-spec`, as include/uapi/linux/if_link.h and
/// Documentation/netlink/specs/rt_link.yaml lay them out).
const LINK: &str = r#"{"ifname": "v0", "ifi-flags": ["up", "broadcast", "multicast", "lower-up"], "stats64": {"rx-packets": 12, "tx-packets": 30, "rx-bytes": 936, "tx-bytes": 2340}, "af-spec": {"inet6": {"stats": [38, 12, 936, 0, 0, 3, 0]}}}"#;

fn link_sets() -> BTreeSet<String> {
    ["ifi-flags".to_owned()].into()
}

fn link(e: impl Fn(&mut J)) -> String {
    let mut v: J = serde_json::from_str(LINK).unwrap();
    e(&mut v);
    v.to_string()
}

#[test]
fn equal_counters_and_flags_in_another_order_pass() {
    let sets = link_sets();
    let e = Expect {
        sets: Some(&sets),
        ..Expect::default()
    };
    let ge =
        link(|v| v["ifi-flags"] = serde_json::json!(["broadcast", "lower-up", "multicast", "up"]));
    let r = judge_json(&e, LINK, &ge).unwrap();
    assert!(r.contains("1 flag sets"), "{r}");
}

#[test]
fn swapped_rx_and_tx_counters_fail() {
    let e = Expect::default();
    let ge = link(|v| {
        let s = &mut v["stats64"];
        let rx = s["rx-packets"].take();
        s["rx-packets"] = s["tx-packets"].take();
        s["tx-packets"] = rx;
    });
    let err = judge_json(&e, LINK, &ge).unwrap_err();
    assert!(
        err.contains("stats64.rx-packets: cli.py 12, genl ynl 30"),
        "{err}"
    );
}

#[test]
fn a_counter_off_by_two_to_the_32_fails() {
    let e = Expect::default();
    let ge = link(|v| v["stats64"]["rx-bytes"] = J::from(936u64 + (1 << 32)));
    let err = judge_json(&e, LINK, &ge).unwrap_err();
    assert!(
        err.contains("stats64.rx-bytes: cli.py 936, genl ynl 4294968232"),
        "{err}"
    );
}

#[test]
fn a_reversed_inet6_stats_array_fails() {
    let e = Expect::default();
    let ge = link(|v| {
        v["af-spec"]["inet6"]["stats"]
            .as_array_mut()
            .unwrap()
            .reverse()
    });
    let err = judge_json(&e, LINK, &ge).unwrap_err();
    assert!(
        err.contains("af-spec.inet6.stats[0]: cli.py 38, genl ynl 0"),
        "{err}"
    );
}

#[test]
fn a_trailing_line_that_is_not_json_fails_on_either_side() {
    let e = Expect::default();
    let garbage = format!("{LINK}\nNetlink warning: something\n");
    let err = judge_json(&e, LINK, &garbage).unwrap_err();
    assert!(
        err.contains("genl ynl printed a line that is not JSON"),
        "{err}"
    );
    assert!(err.contains("line 2"), "{err}");
    let err = judge_json(&e, &garbage, LINK).unwrap_err();
    assert!(
        err.contains("cli.py printed a line that is not JSON"),
        "{err}"
    );
    // An empty line is no JSON either.
    let err = judge_json(&e, &format!("{LINK}\n\n"), LINK).unwrap_err();
    assert!(err.contains("not JSON"), "{err}");
}

#[test]
fn an_extra_json_line_fails() {
    let e = Expect::default();
    let err = judge_json(&e, LINK, &format!("{LINK}\n{LINK}")).unwrap_err();
    assert!(err.contains("1 JSON lines, genl ynl 2"), "{err}");
}

#[test]
fn string_arrays_that_are_not_flag_sets_keep_their_order() {
    let sets = link_sets();
    let e = Expect {
        sets: Some(&sets),
        ..Expect::default()
    };
    // A multi-attr string (rt_link's alt-ifname): order is the kernel's.
    let py = r#"{"alt-ifname": ["a", "b"]}"#;
    let err = judge_json(&e, py, r#"{"alt-ifname": ["b", "a"]}"#).unwrap_err();
    assert!(err.contains("alt-ifname[0]"), "{err}");
    // Flags out of order fail without the spec's word that they are a set.
    let ge =
        link(|v| v["ifi-flags"] = serde_json::json!(["up", "multicast", "broadcast", "lower-up"]));
    assert!(judge_json(&Expect::default(), LINK, &ge).is_err());
    assert!(judge_json(&e, LINK, &ge).is_ok());
    // A bitfield32 of flags (tc's `flags`): its value and selector are
    // sets; a multi-attr of flags: each element is one.
    let sets: BTreeSet<String> = ["flags".to_owned()].into();
    let e = Expect {
        sets: Some(&sets),
        ..Expect::default()
    };
    let py = r#"{"flags": {"value": ["a", "b"], "selector": ["b", "c"]}, "x": [{"flags": [["p", "q"], ["r"]]}]}"#;
    let ge = r#"{"flags": {"value": ["b", "a"], "selector": ["c", "b"]}, "x": [{"flags": [["q", "p"], ["r"]]}]}"#;
    assert!(judge_json(&e, py, ge).unwrap().contains("4 flag sets"));
    let ge = r#"{"flags": {"value": ["b", "a"], "selector": ["c", "b"]}, "x": [{"flags": [["r"], ["q", "p"]]}]}"#;
    assert!(
        judge_json(&e, py, ge).is_err(),
        "the multi-attr's order is the kernel's"
    );
    // A set's members must still be the same.
    let ge = link(|v| v["ifi-flags"] = serde_json::json!(["up", "broadcast", "multicast"]));
    assert!(judge_json(&e, LINK, &ge).is_err());
}

#[test]
fn missing_and_extra_keys_fail() {
    let e = Expect::default();
    let ge = link(|v| {
        v.as_object_mut().unwrap().remove("af-spec");
    });
    let err = judge_json(&e, LINK, &ge).unwrap_err();
    assert!(err.contains("genl ynl has no \"af-spec\""), "{err}");
    let err = judge_json(&e, &ge, LINK).unwrap_err();
    assert!(err.contains("cli.py has no \"af-spec\""), "{err}");
    // 1 and 1.0 are not the same decoding.
    assert!(judge_json(&e, r#"{"a": 1}"#, r#"{"a": 1.0}"#).is_err());
}

/// cli.py's output for `ethtool --dump linkinfo-get` on a veth (Linux
/// 6.18), and what `genl ynl` printed on standard error.
const WARNED: &str = "Netlink warning:\n\
    nl_len = 60 (44) nl_flags = 0x202 nl_type = 3\n\
    \textack: {'msg': 'failed to retrieve link settings'}\n\
    [{\"header\": {\"dev-index\": 3, \"dev-name\": \"v0\"}, \"port\": 0}]\n";
const GENL_WARNED: &str = "genl ynl: netlink warning: failed to retrieve link settings\n";

#[test]
fn warnings_must_be_the_same_on_both_sides() {
    let e = Expect::default();
    let json = WARNED.lines().last().unwrap();
    let py = ok(WARNED);
    let ge = Output {
        ok: true,
        out: json,
        err: GENL_WARNED,
    };
    let r = judge(&e, py, ge).unwrap();
    assert!(r.contains("the same 1 netlink warnings"), "{r}");
    // genl ynl silent about it, or about another message.
    let err = judge(&e, py, ok(json)).unwrap_err();
    assert!(err.contains("netlink warnings differ"), "{err}");
    let other = Output {
        err: "genl ynl: netlink warning: something else\n",
        ..ge
    };
    assert!(judge(&e, py, other).is_err());
    // A warning only genl ynl reports.
    assert!(judge(&e, ok(json), ge).is_err());
    // A line after the block that belongs to no warning.
    let extra = WARNED.replace("\textack", "\textack: {'msg': 'x'}\ngarbage\n\textack");
    assert!(judge(&e, ok(&extra), ge).is_err());
    // A block without its message.
    let bare = "Netlink warning:\n[]\n";
    assert!(judge(&e, ok(bare), ok("[]")).is_err());
}

#[test]
fn extack_messages_are_read_from_python_reprs() {
    assert_eq!(extack_msg("{'msg': 'a b'}"), Some("a b"));
    assert_eq!(
        extack_msg(r#"{'msg': "it's", 'bad-attr': '.x'}"#),
        Some("it's")
    );
    assert_eq!(extack_msg("{'bad-attr-offs': 20}"), None);
}

const AGE: Moving = Moving {
    key: "age",
    bound: Bound::Later { slack: 10_000 },
    unit: "ms",
};

#[test]
fn clocks_pass_when_later_within_the_bound_only() {
    let e = Expect {
        moving: &[AGE],
        ..Expect::default()
    };
    let py = r#"[{"addr-ipv4": 168361986, "age": 5000, "vals": {"rtt": 1200}}]"#;
    let r = judge_json(&e, py, &py.replace("5000", "5400")).unwrap();
    assert!(r.contains("1 moving values"), "{r}");
    assert!(judge_json(&e, py, py).is_ok());
    let err = judge_json(&e, py, &py.replace("5000", "4999")).unwrap_err();
    assert!(err.contains("earlier than cli.py's"), "{err}");
    let err = judge_json(&e, py, &py.replace("5000", "15001")).unwrap_err();
    assert!(err.contains("more than 10000"), "{err}");
    // Only the clock moves: another value still compares by value.
    assert!(judge_json(&e, py, &py.replace("1200", "1201")).is_err());
    // Without the rule, the clock compares by value too.
    assert!(judge_json(&Expect::default(), py, &py.replace("5000", "5400")).is_err());
}

#[test]
fn drawn_values_pass_within_their_range_only() {
    let e = Expect {
        moving: &[Moving {
            key: "reachable-time",
            bound: Bound::Drawn {
                min: 15_000,
                max: 45_000,
            },
            unit: "ms",
        }],
        ..Expect::default()
    };
    let py = r#"{"cacheinfo": {"reachable-time": 25116, "retrans-time": 1000}}"#;
    assert!(judge_json(&e, py, &py.replace("25116", "21188")).is_ok());
    let err = judge_json(&e, py, &py.replace("25116", "45000")).unwrap_err();
    assert!(err.contains("not both in 15000..45000 ms"), "{err}");
    assert!(judge_json(&e, &py.replace("25116", "14999"), py).is_err());
    assert!(judge_json(&e, py, &py.replace("1000", "1001")).is_err());
}

#[test]
fn failures_must_agree() {
    let e = Expect {
        fails: true,
        ..Expect::default()
    };
    let py = Output {
        ok: false,
        out: "Netlink error: Operation not supported\nnl_len = 36 ...",
        err: "",
    };
    let ge = Output {
        ok: false,
        out: "",
        err: "genl ynl: error: Operation not supported (errno 95)",
    };
    assert!(judge(&e, py, ge).is_ok());
    let other = Output {
        err: "genl ynl: error: No such device (errno 19)",
        ..ge
    };
    assert!(judge(&e, py, other).is_err());
    assert!(judge(&e, py, ok("")).is_err());
}

#[test]
fn nlctrl_masks_cli_py_calls_pad_compare_by_value() {
    let e = Expect::default();
    let py = r#"[{"family-id": 21, "policy": {"policy-id": 1, "attr-id": 3, "pad": "0300000000000000", "type": "u32"}}]"#;
    let good = r#"[{"family-id": 21, "policy": {"policy-id": 1, "attr-id": 3, "mask": 3, "type": "u32"}}]"#;
    let note = judge_json(&e, py, good).unwrap();
    assert!(note.contains("1 nlctrl masks cli.py calls pad"), "{note}");
    // Another value, or the pad left as cli.py printed it, fails.
    let other = good.replace("\"mask\": 3", "\"mask\": 768");
    assert!(judge_json(&e, py, &other).is_err());
    assert!(judge_json(&e, py, py).is_err());
    // A `pad` outside a policy is not touched.
    let elsewhere = r#"[{"x": {"pad": "0300000000000000"}}]"#;
    assert!(judge_json(&e, elsewhere, r#"[{"x": {"mask": 3}}]"#).is_err());
    assert!(judge_json(&e, elsewhere, elsewhere).is_ok());
}

#[test]
fn listings_sort_modes_only() {
    let e = Expect {
        listing: true,
        ..Expect::default()
    };
    let py = "dev-get [ do, dump ]\nqueue-get [ dump, do ]\n";
    let ge = "dev-get [ dump, do ]\nqueue-get [ do, dump ]\n";
    assert!(judge(&e, ok(py), ok(ge)).is_ok());
    assert!(judge(&e, ok(py), ok("dev-get [ do, dump ]\n")).is_err());
    assert!(judge(
        &e,
        ok(py),
        ok("queue-get [ do, dump ]\ndev-get [ do, dump ]\n")
    )
    .is_err());
}

#[test]
fn the_spec_names_its_flag_sets() {
    let spec = r#"
name: x
definitions:
  - name: iff-flags
    type: flags
    entries: [up, broadcast]
  - name: kind
    type: enum
    entries: [a, b]
  - name: ifinfomsg
    type: struct
    members:
      - name: ifi-flags
        type: u32
        enum: iff-flags
      - name: ifi-type
        type: u16
        enum: kind
      - name: ifi-change
        type: u32
        enum: kind
        enum-as-flags: true
attribute-sets:
  - name: link
    attributes:
      - name: state
        type: u32
        enum: kind
      - name: xdp-features
        type: u64
        enum: iff-flags
      - name: alt-ifname
        type: string
        multi-attr: true
"#;
    let s = flag_sets(spec).unwrap();
    let want: BTreeSet<String> = ["ifi-flags", "ifi-change", "xdp-features"]
        .map(str::to_owned)
        .into();
    assert_eq!(s, want);
}

/// The kernel's own specs (Linux 6.12, `tests/fixtures/ynl/`): the
/// names cli.py prints as sets in the cases compared.
#[test]
fn the_kernel_specs_name_their_flag_sets() {
    let spec = |name: &str| {
        let p = crate::util::workspace_root()
            .join("tests/fixtures/ynl")
            .join(name);
        flag_sets(&std::fs::read_to_string(&p).unwrap()).unwrap()
    };
    let link = spec("rt_link.yaml");
    for set in ["ifi-flags", "ext-mask"] {
        assert!(link.contains(set), "rt_link {set}: {link:?}");
    }
    for not in ["ifname", "alt-ifname", "ifi-type", "operstate", "stats64"] {
        assert!(!link.contains(not), "rt_link {not}: {link:?}");
    }
    assert!(spec("rt_addr.yaml").contains("ifa-flags"));
    let netdev = spec("netdev.yaml");
    assert!(netdev.contains("xdp-features"), "{netdev:?}");
    assert!(!netdev.contains("ifindex"), "{netdev:?}");
    assert!(spec("nlctrl.yaml").contains("flags"));
}
