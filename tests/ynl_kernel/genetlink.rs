//! The generic netlink bindings (`nlctrl`, `mptcp_pm`, `tcp_metrics`,
//! `ethtool`) against genl's own controller types and the kernel's tools
//! (`genl ctrl list`, `ip mptcp`, `ip tcp_metrics`, `ethtool`).

use super::*;

/// The imported `nlctrl` binding dumps the same families as genl's own
/// hand-declared controller types, field by field, and as iproute2's
/// `genl ctrl list`.
#[test]
fn nlctrl_binding_agrees_with_the_controller_and_genl_ctrl_list() {
    use genl_core::controller::ctrl_cmd;
    let mut conn = genl_core::Connection::new().unwrap();
    let imported: Vec<common::IpFamily> = conn
        .dump(nlctrl::cmd::Getfamily, &())
        .unwrap()
        .map(|f| common::IpFamily {
            name: f.family_name.expect("CTRL_ATTR_FAMILY_NAME").to_owned(),
            id: f.family_id.expect("CTRL_ATTR_FAMILY_ID").into(),
            version: f.version.expect("CTRL_ATTR_VERSION"),
            hdrsize: f.hdrsize.expect("CTRL_ATTR_HDRSIZE"),
            maxattr: f.maxattr.expect("CTRL_ATTR_MAXATTR"),
            ops: f
                .ops
                .iter()
                .map(|o| (o.id.expect("CTRL_ATTR_OP_ID"), Some(o.flags.unwrap_or(0))))
                .collect(),
            groups: f
                .mcast_groups
                .iter()
                .map(|g| (g.name.unwrap().to_owned(), g.id.unwrap()))
                .collect(),
        })
        .unwrap();
    let hand: Vec<common::IpFamily> = conn
        .dump(ctrl_cmd::GetFamily, &())
        .unwrap()
        .map(|f| common::IpFamily::from_info(&f))
        .unwrap();
    assert_eq!(imported, hand);
    let iproute2 = common::iproute2_families();
    assert_eq!(imported.len(), iproute2.len());
    for (i, e) in imported.into_iter().zip(&iproute2) {
        assert_eq!(i.masked_like(e), *e);
    }
}

/// MPTCP_PM_CMD_ADD_ADDR and SET_LIMITS sent with the imported `mptcp_pm`
/// binding show up in `ip mptcp`; GET_ADDR (dump) and GET_LIMITS read back
/// what iproute2 shows.
#[test]
fn mptcp_pm_binding_agrees_with_ip_mptcp() {
    let Some(ns) = namespace("ynlk-mptcp") else {
        return;
    };
    let k0 = ns.ifindex("k0");
    // MPTCP_PM_ADDR_FLAG_SIGNAL (include/uapi/linux/mptcp.h).
    const SIGNAL: u32 = 1;
    let (dumped, limits) = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = genl_core::Connection::new().unwrap();
            let ep = mptcp_pm::Endpoint {
                addr: Some(mptcp_pm::Address {
                    family: Some(AF_INET.into()),
                    id: Some(7),
                    addr4: Some(u32::from_be_bytes([10, 77, 0, 1])),
                    flags: Some(SIGNAL),
                    if_idx: Some(k0 as i32),
                    ..Default::default()
                }),
            };
            conn.request(mptcp_pm::cmd::AddAddr, &ep).unwrap();
            let limits = mptcp_pm::Attr {
                rcv_add_addrs: Some(4),
                subflows: Some(3),
                ..Default::default()
            };
            conn.request(mptcp_pm::cmd::SetLimits, &limits).unwrap();
            let dumped: Vec<(String, u8, u32)> = conn
                .dump(mptcp_pm::cmd::GetAddr, &())
                .unwrap()
                .map(|a| {
                    let a = a.addr.expect("MPTCP_PM_ATTR_ADDR");
                    let ip = a.addr4.expect("MPTCP_PM_ADDR_ATTR_ADDR4").to_be_bytes();
                    (
                        format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]),
                        a.id.expect("MPTCP_PM_ADDR_ATTR_ID"),
                        a.flags.unwrap_or(0),
                    )
                })
                .unwrap();
            let got: mptcp_pm::Attr = conn
                .query(mptcp_pm::cmd::GetLimits, &mptcp_pm::Attr::default())
                .unwrap();
            (dumped, (got.rcv_add_addrs, got.subflows))
        })
        .join()
        .unwrap()
    });
    let shown: Vec<(String, u8, u32)> = ip_json(&ns, &["mptcp", "endpoint", "show"])
        .iter()
        .map(|e| {
            (
                e["address"].as_str().unwrap().to_owned(),
                e["id"].as_u64().unwrap() as u8,
                if e["signal"].as_bool() == Some(true) {
                    SIGNAL
                } else {
                    0
                },
            )
        })
        .collect();
    assert_eq!(shown, vec![("10.77.0.1".to_owned(), 7, SIGNAL)]);
    assert_eq!(dumped, shown);
    // `ip mptcp limits show`: "add_addr_accepted 4 subflows 3".
    let text = ns.ip(&["mptcp", "limits", "show"]);
    let word = |k: &str| -> u32 {
        let w: Vec<&str> = text.split_whitespace().collect();
        let i = w
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k} in {text}"));
        w[i + 1].parse().unwrap()
    };
    assert_eq!((word("add_addr_accepted"), word("subflows")), (4, 3));
    assert_eq!(limits, (Some(4), Some(3)));
}

/// A TCP connection from this namespace to a peer leaves a tcp_metrics
/// entry; the imported `tcp_metrics` binding dumps the entries that
/// `ip -j tcp_metrics` shows, and gets the peer's entry by address.
#[test]
fn tcp_metrics_binding_agrees_with_ip_tcp_metrics() {
    let Some(ns) = namespace("ynlk-tcpm") else {
        return;
    };
    let peer = NetNs::new("ynlk-tcpm-peer");
    ns.ip(&["link", "set", "k1", "netns", &peer.name]);
    peer.ip(&["addr", "add", "10.77.0.2/24", "dev", "k1"]);
    peer.ip(&["link", "set", "k1", "up"]);
    peer.ip(&["link", "set", "lo", "up"]);
    let (tx, rx) = std::sync::mpsc::channel();
    let (here, there) = (&ns, &peer);
    std::thread::scope(|s| {
        s.spawn(move || {
            there.enter();
            let l = std::net::TcpListener::bind("10.77.0.2:5556").unwrap();
            tx.send(()).unwrap();
            let (mut c, _) = l.accept().unwrap();
            std::io::copy(&mut c, &mut std::io::sink()).unwrap();
        });
        s.spawn(move || {
            use std::io::Write;
            here.enter();
            rx.recv().unwrap();
            let mut c = std::net::TcpStream::connect("10.77.0.2:5556").unwrap();
            c.write_all(&vec![7u8; 200_000]).unwrap();
        });
    });
    let peer_addr = u32::from_be_bytes([10, 77, 0, 2]);
    let (dumped, one) = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = genl_core::Connection::new().unwrap();
            let dumped: Vec<(u32, u32)> = conn
                .dump(tcp_metrics::cmd::Get, &())
                .unwrap()
                .map(|m| (m.addr_ipv4.unwrap_or(0), m.saddr_ipv4.unwrap_or(0)))
                .unwrap();
            let req = tcp_metrics::TcpMetrics {
                addr_ipv4: Some(peer_addr),
                ..Default::default()
            };
            let one: tcp_metrics::TcpMetrics = conn.query(tcp_metrics::cmd::Get, &req).unwrap();
            (dumped, (one.addr_ipv4, one.saddr_ipv4, one.age.is_some()))
        })
        .join()
        .unwrap()
    });
    let ip4 = |s: &str| -> u32 {
        let o: Vec<u8> = s.split('.').map(|x| x.parse().unwrap()).collect();
        u32::from_be_bytes([o[0], o[1], o[2], o[3]])
    };
    let shown: Vec<(u32, u32)> = ip_json(&ns, &["tcp_metrics", "show"])
        .iter()
        .filter(|e| !e["dst"].as_str().unwrap().contains(':'))
        .map(|e| {
            (
                ip4(e["dst"].as_str().unwrap()),
                ip4(e["source"].as_str().unwrap()),
            )
        })
        .collect();
    assert!(shown.contains(&(peer_addr, ip4("10.77.0.1"))), "{shown:?}");
    assert_eq!(dumped, shown);
    assert_eq!(one, (Some(peer_addr), Some(ip4("10.77.0.1")), true));
}

/// `ethtool ARGS` inside the namespace.
fn ethtool_tool(ns: &NetNs, args: &[&str]) -> String {
    let mut all = vec!["netns", "exec", &ns.name, "ethtool"];
    all.extend_from_slice(args);
    common::run("ip", &all)
}

/// `(RX, TX)` of a section of `ethtool -l DEV` ("Pre-set maximums" or
/// "Current hardware settings").
fn channels(text: &str, section: &str) -> (u32, u32) {
    let rest = &text[text
        .find(section)
        .unwrap_or_else(|| panic!("{section} in {text}"))..];
    let value = |key: &str| -> u32 {
        rest.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("{key} in {rest}"))
            .trim()
            .parse()
            .unwrap()
    };
    (value("RX:"), value("TX:"))
}

/// ethtool's CHANNELS_GET, CHANNELS_SET and LINKSTATE_GET through the full
/// imported `ethtool` binding (more than the three ops of `ynl_import.rs`),
/// against the `ethtool` tool on a veth: `-l` before and after the set, and
/// "Link detected".
#[test]
fn ethtool_channels_and_linkstate_agree_with_the_ethtool_tool() {
    let Some(ns) = namespace("ynlk-ethtool") else {
        return;
    };
    let before = ethtool_tool(&ns, &["-l", "k0"]);
    let (max, cur) = (
        channels(&before, "Pre-set maximums"),
        channels(&before, "Current hardware settings"),
    );
    assert!(max.0 > cur.0, "veth can add an RX channel: {before}");
    let detected = ethtool_tool(&ns, &["k0"]);
    let link: u8 = match detected
        .lines()
        .find_map(|l| l.trim().strip_prefix("Link detected:"))
        .map(str::trim)
    {
        Some("yes") => 1,
        Some("no") => 0,
        other => panic!("Link detected: {other:?}"),
    };
    let dev = |name| {
        Some(ethtool::Header {
            dev_name: Some(name),
            ..Default::default()
        })
    };
    let (got, got_link) = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = genl_core::Connection::new().unwrap();
            let req = ethtool::Channels {
                header: dev("k0"),
                ..Default::default()
            };
            let c: ethtool::Channels = conn.query(ethtool::cmd::ChannelsGet, &req).unwrap();
            let got = (
                (c.rx_max.unwrap(), c.tx_max.unwrap()),
                (c.rx_count.unwrap(), c.tx_count.unwrap()),
            );
            let set = ethtool::Channels {
                header: dev("k0"),
                rx_count: Some(max.0),
                ..Default::default()
            };
            conn.request(ethtool::cmd::ChannelsSet, &set).unwrap();
            let req = ethtool::Linkstate {
                header: dev("k0"),
                ..Default::default()
            };
            let l: ethtool::Linkstate = conn.query(ethtool::cmd::LinkstateGet, &req).unwrap();
            (got, l.link)
        })
        .join()
        .unwrap()
    });
    assert_eq!(got, (max, cur));
    assert_eq!(got_link, Some(link));
    let after = ethtool_tool(&ns, &["-l", "k0"]);
    assert_eq!(
        channels(&after, "Current hardware settings"),
        (max.0, cur.1)
    );
}

/// `type-value` nests: nlctrl's GETPOLICY dump of the `ethtool` family
/// through the imported binding (`policy` keyed by policy index and
/// attribute id, `op-policy` by command) gives the same policies as genl's
/// hand-declared controller types, whose decoding the cli.py-captured
/// fixtures check (`tests/nlctrl_fixtures.rs`). ethtool's request header
/// has a flags attribute checked with `NLA_POLICY_MASK`, so the dump
/// carries `NL_POLICY_TYPE_ATTR_MASK` (12 in `<linux/netlink.h>`; the 6.12
/// spec numbers it 11, and the binding takes the header's value).
#[test]
fn nlctrl_policy_type_value_nests_agree_with_the_controller() {
    use std::collections::BTreeMap;
    let mut conn = genl_core::Connection::new().unwrap();
    let hand = genl_core::controller::family_policy(&mut conn, "ethtool", None).unwrap();
    let req = nlctrl::CtrlAttrs {
        family_name: Some("ethtool"),
        ..Default::default()
    };
    type Attr = (
        u32,
        Option<i64>,
        Option<i64>,
        Option<u64>,
        Option<u64>,
        Option<u32>,
        Option<u32>,
        Option<u64>,
    );
    let mut ops: BTreeMap<u16, (Option<u32>, Option<u32>)> = BTreeMap::new();
    let mut policies: BTreeMap<u32, BTreeMap<u16, Attr>> = BTreeMap::new();
    let mut dump = conn.dump(nlctrl::cmd::Getpolicy, &req).unwrap();
    let deadline = common::Deadline::new(
        "the end of the policy dump",
        std::time::Duration::from_secs(30),
    );
    while let Some(m) = dump.next().unwrap() {
        deadline.check();
        for op in &m.op_policy {
            ops.insert(op.key, (op.value.r#do, op.value.dump));
        }
        for p in &m.policy {
            let attrs = policies.entry(p.key.into()).or_default();
            for a in &p.value {
                let v = &a.value;
                attrs.insert(
                    a.key,
                    (
                        v.r#type.expect("NL_POLICY_TYPE_ATTR_TYPE"),
                        v.min_value_s,
                        v.max_value_s,
                        v.min_value_u,
                        v.max_value_u,
                        v.min_length,
                        v.max_length,
                        v.mask,
                    ),
                );
            }
        }
    }
    let hand_ops: BTreeMap<u16, (Option<u32>, Option<u32>)> = hand
        .ops
        .iter()
        .map(|(k, o)| (*k, (o.do_, o.dump)))
        .collect();
    let hand_policies: BTreeMap<u32, BTreeMap<u16, Attr>> = hand
        .policies
        .iter()
        .map(|(i, attrs)| {
            let attrs = attrs
                .iter()
                .map(|(id, a)| {
                    (
                        *id,
                        (
                            a.ty,
                            a.min_value_s,
                            a.max_value_s,
                            a.min_value_u,
                            a.max_value_u,
                            a.min_length,
                            a.max_length,
                            a.mask,
                        ),
                    )
                })
                .collect();
            (*i, attrs)
        })
        .collect();
    assert!(ops.len() > 10, "ethtool has dozens of ops: {ops:?}");
    assert_eq!(ops, hand_ops);
    assert!(
        hand_policies.values().flatten().any(|(_, a)| a.7.is_some()),
        "ethtool's header flags carry a mask policy"
    );
    assert_eq!(policies, hand_policies);
}
