//! Every YNL spec of Linux 6.12 (`tests/fixtures/ynl/*.yaml`) imported as
//! derive bindings (`tests/ynl/kernel/*.rs`, regenerated and compared by
//! genl-ynl's `fresh` test). All 19 compile here; the netlink-raw ones talk
//! to the host kernel's rtnetlink through `ClassicConnection`, checked
//! against iproute2 (`ip -j`), in a network namespace of their own.

mod common;

use common::{is_root, skip, NetNs};
use genl_core::classic::ClassicConnection;
use genl_core::{Decode, Encode, FixedHeader, Headed};

#[path = "ynl/kernel/devlink.rs"]
#[allow(dead_code)]
mod devlink;
#[path = "ynl/kernel/dpll.rs"]
#[allow(dead_code)]
mod dpll;
#[path = "ynl/kernel/ethtool.rs"]
#[allow(dead_code)]
mod ethtool;
#[path = "ynl/kernel/fou.rs"]
#[allow(dead_code)]
mod fou;
#[path = "ynl/kernel/handshake.rs"]
#[allow(dead_code)]
mod handshake;
#[path = "ynl/kernel/mptcp_pm.rs"]
#[allow(dead_code)]
mod mptcp_pm;
#[path = "ynl/kernel/netdev.rs"]
#[allow(dead_code)]
mod netdev;
#[path = "ynl/kernel/nfsd.rs"]
#[allow(dead_code)]
mod nfsd;
#[path = "ynl/kernel/nftables.rs"]
#[allow(dead_code)]
mod nftables;
#[path = "ynl/kernel/nlctrl.rs"]
#[allow(dead_code)]
mod nlctrl;
#[path = "ynl/kernel/ovs_datapath.rs"]
#[allow(dead_code)]
mod ovs_datapath;
#[path = "ynl/kernel/ovs_flow.rs"]
#[allow(dead_code)]
mod ovs_flow;
#[path = "ynl/kernel/ovs_vport.rs"]
#[allow(dead_code)]
mod ovs_vport;
#[path = "ynl/kernel/rt_addr.rs"]
#[allow(dead_code)]
mod rt_addr;
#[path = "ynl/kernel/rt_link.rs"]
#[allow(dead_code)]
mod rt_link;
#[path = "ynl/kernel/rt_route.rs"]
#[allow(dead_code)]
mod rt_route;
#[path = "ynl/kernel/tc.rs"]
#[allow(dead_code)]
mod tc;
#[path = "ynl/kernel/tcp_metrics.rs"]
#[allow(dead_code)]
mod tcp_metrics;
#[path = "ynl/kernel/team.rs"]
#[allow(dead_code)]
mod team;

const NETLINK_ROUTE: isize = 0;
const AF_INET: u8 = 2;

/// A namespace with a veth pair `k0`/`k1` (MTU 1400, up) and 10.77.0.1/24
/// on `k0`, made by iproute2.
fn namespace(tag: &str) -> Option<NetNs> {
    if !is_root() {
        skip("rtnetlink bindings: needs root for a network namespace");
        return None;
    }
    let ns = NetNs::new(tag);
    ns.ip(&[
        "link", "add", "k0", "mtu", "1400", "type", "veth", "peer", "name", "k1",
    ]);
    ns.ip(&["link", "set", "k0", "up"]);
    ns.ip(&["link", "set", "k1", "up"]);
    ns.ip(&["addr", "add", "10.77.0.1/24", "dev", "k0"]);
    Some(ns)
}

fn ip_json(ns: &NetNs, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["-j"];
    all.extend_from_slice(args);
    serde_json::from_str(&ns.ip(&all)).expect("ip -j prints JSON")
}

/// RTM_GETLINK dumped with the imported `rt_link` binding: every link
/// `ip -j link` shows, with the same index, name and MTU.
#[test]
fn rt_link_dump_agrees_with_ip_link() {
    let Some(ns) = namespace("ynlk-link") else {
        return;
    };
    let want: Vec<(i64, String, u64)> = ip_json(&ns, &["link", "show"])
        .iter()
        .map(|l| {
            (
                l["ifindex"].as_i64().unwrap(),
                l["ifname"].as_str().unwrap().to_owned(),
                l["mtu"].as_u64().unwrap(),
            )
        })
        .collect();
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            let req = Headed::new(rt_link::Ifinfomsg::default(), rt_link::LinkAttrs::default());
            let mut got = Vec::new();
            conn.dump::<rt_link::ops::Getlink>(&req, |m| {
                got.push((
                    i64::from(m.header.ifi_index),
                    m.attrs.ifname.expect("IFLA_IFNAME").to_owned(),
                    u64::from(m.attrs.mtu.expect("IFLA_MTU")),
                ));
                Ok(())
            })
            .unwrap();
            got
        })
        .join()
        .unwrap()
    });
    assert_eq!(got, want);
    assert!(got.iter().any(|(_, n, mtu)| n == "k0" && *mtu == 1400));
}

/// RTM_NEWADDR sent with the `rt_addr` binding (`--create`), then
/// RTM_GETADDR dumped: `ip -j addr` shows the new address, and the dump
/// agrees with it address for address.
#[test]
fn rt_addr_newaddr_then_dump_agree_with_ip_addr() {
    let Some(ns) = namespace("ynlk-addr") else {
        return;
    };
    let k1 = ns.ifindex("k1");
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            let addr = [10u8, 77, 1, 2];
            let req = Headed::new(
                rt_addr::Ifaddrmsg {
                    ifa_family: AF_INET,
                    ifa_prefixlen: 24,
                    ifa_index: k1,
                    ..Default::default()
                },
                rt_addr::AddrAttrs {
                    ifa_local: Some(&addr),
                    ifa_address: Some(&addr),
                    ..Default::default()
                },
            );
            const NLM_F_CREATE: u16 = 0x400;
            const NLM_F_EXCL: u16 = 0x200;
            conn.request::<rt_addr::ops::Newaddr>(NLM_F_CREATE | NLM_F_EXCL, &req, |_| Ok(()))
                .unwrap();
            // The same again is EEXIST, from the kernel.
            let again = conn
                .request::<rt_addr::ops::Newaddr>(NLM_F_CREATE | NLM_F_EXCL, &req, |_| Ok(()))
                .unwrap_err();
            assert!(
                matches!(&again, genl_core::Error::Kernel(k) if k.errno == libc::EEXIST),
                "{again:?}"
            );
            let filter = Headed::new(
                rt_addr::Ifaddrmsg {
                    ifa_family: AF_INET,
                    ..Default::default()
                },
                rt_addr::AddrAttrs::default(),
            );
            let mut got = Vec::new();
            conn.dump::<rt_addr::ops::Getaddr>(&filter, |m| {
                let a = m.attrs.ifa_address.expect("IFA_ADDRESS");
                got.push((
                    m.header.ifa_index,
                    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
                    m.header.ifa_prefixlen,
                ));
                Ok(())
            })
            .unwrap();
            got
        })
        .join()
        .unwrap()
    });
    let mut want = Vec::new();
    for l in ip_json(&ns, &["-4", "addr", "show"]) {
        for a in l["addr_info"].as_array().unwrap() {
            want.push((
                l["ifindex"].as_u64().unwrap() as u32,
                a["local"].as_str().unwrap().to_owned(),
                a["prefixlen"].as_u64().unwrap() as u8,
            ));
        }
    }
    assert_eq!(got, want);
    assert!(got.contains(&(k1, "10.77.1.2".into(), 24)));
}

/// Each fixed header is its C struct, byte for byte: `struct ovs_header`
/// (include/uapi/linux/openvswitch.h: `int dp_ifindex`), `struct rtmsg`
/// (include/uapi/linux/rtnetlink.h: family, dst_len, src_len, tos, table,
/// protocol, scope, type, then `unsigned flags`), laid out by hand here.
#[test]
fn fixed_headers_are_their_c_structs() {
    assert_eq!(<ovs_datapath::OvsHeader as FixedHeader>::LEN, 4);
    let m = Headed::new(
        ovs_datapath::OvsHeader { dp_ifindex: 9 },
        ovs_datapath::Datapath {
            name: Some("dp0"),
            ..Default::default()
        },
    );
    let bytes = m.encode_to_vec().unwrap();
    let mut want = 9u32.to_ne_bytes().to_vec();
    want.extend([8, 0, 1, 0, b'd', b'p', b'0', 0]); // OVS_DP_ATTR_NAME = 1
    assert_eq!(bytes, want);
    let back = Headed::<ovs_datapath::OvsHeader, ovs_datapath::Datapath>::decode(&bytes).unwrap();
    assert_eq!(back.header.dp_ifindex, 9);
    assert_eq!(back.attrs.name, Some("dp0"));

    assert_eq!(<rt_route::Rtmsg as FixedHeader>::LEN, 12);
    let r = rt_route::Rtmsg {
        rtm_family: 2,
        rtm_dst_len: 24,
        rtm_table: 254,
        rtm_protocol: 4,
        rtm_type: 1,
        rtm_flags: 0x100,
        ..Default::default()
    };
    let mut out = [0u8; 12];
    r.write(&mut out);
    let mut want = vec![2, 24, 0, 0, 254, 4, 0, 1];
    want.extend(0x100u32.to_ne_bytes());
    assert_eq!(out.to_vec(), want);
    assert_eq!(rt_route::Rtmsg::read(&out), r);
}

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

/// RTM_NEWROUTE sent with the imported `rt_route` binding, then the main
/// table dumped with it (RTM_GETROUTE): the same routes as `ip -j route`,
/// the new one included.
#[test]
fn rt_route_newroute_then_dump_agree_with_ip_route() {
    let Some(ns) = namespace("ynlk-route") else {
        return;
    };
    let k0 = ns.ifindex("k0");
    // RT_TABLE_MAIN, RTPROT_STATIC, RT_SCOPE_UNIVERSE, RTN_UNICAST
    // (include/uapi/linux/rtnetlink.h).
    const MAIN: u8 = 254;
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            let req = Headed::new(
                rt_route::Rtmsg {
                    rtm_family: AF_INET,
                    rtm_dst_len: 16,
                    rtm_table: MAIN,
                    rtm_protocol: 4,
                    rtm_scope: 0,
                    rtm_type: 1,
                    ..Default::default()
                },
                rt_route::RouteAttrs {
                    rta_dst: Some(&[10, 88, 0, 0]),
                    rta_gateway: Some(&[10, 77, 0, 2]),
                    rta_oif: Some(k0),
                    ..Default::default()
                },
            );
            const NLM_F_CREATE: u16 = 0x400;
            conn.request::<rt_route::ops::Newroute>(NLM_F_CREATE, &req, |_| Ok(()))
                .unwrap();
            let filter = Headed::new(
                rt_route::Rtmsg {
                    rtm_family: AF_INET,
                    ..Default::default()
                },
                rt_route::RouteAttrs::default(),
            );
            let mut got = Vec::new();
            conn.dump::<rt_route::ops::Getroute>(&filter, |m| {
                if m.header.rtm_table != MAIN {
                    return Ok(());
                }
                let dst = m.attrs.rta_dst.expect("RTA_DST");
                got.push((
                    format!(
                        "{}.{}.{}.{}/{}",
                        dst[0], dst[1], dst[2], dst[3], m.header.rtm_dst_len
                    ),
                    m.attrs
                        .rta_gateway
                        .map(|g| format!("{}.{}.{}.{}", g[0], g[1], g[2], g[3])),
                    m.attrs.rta_oif.expect("RTA_OIF"),
                ));
                Ok(())
            })
            .unwrap();
            got
        })
        .join()
        .unwrap()
    });
    let want: Vec<(String, Option<String>, u32)> = ip_json(&ns, &["route", "show"])
        .iter()
        .map(|r| {
            (
                r["dst"].as_str().unwrap().to_owned(),
                r["gateway"].as_str().map(str::to_owned),
                ns.ifindex(r["dev"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert!(got.contains(&("10.88.0.0/16".into(), Some("10.77.0.2".into()), k0)));
}

/// Three RTM_NEWADDR in one datagram (`exchange_all`), the middle one for
/// a device that does not exist: it alone fails (ENODEV, from the
/// kernel); `ip -j addr` shows the other two.
#[test]
fn a_batch_of_classic_requests_fails_only_the_bad_one() {
    use genl_core::classic::ClassicRequest;
    let Some(ns) = namespace("ynlk-batch") else {
        return;
    };
    let k0 = ns.ifindex("k0");
    let msg = |ifindex: u32, last: u8| {
        let addr = [10u8, 77, 3, last];
        Headed::new(
            rt_addr::Ifaddrmsg {
                ifa_family: AF_INET,
                ifa_prefixlen: 24,
                ifa_index: ifindex,
                ..Default::default()
            },
            rt_addr::AddrAttrs {
                ifa_local: Some(&addr),
                ifa_address: Some(&addr),
                ..Default::default()
            },
        )
        .encode_to_vec()
        .unwrap()
    };
    let payloads = [msg(k0, 1), msg(999_999, 2), msg(k0, 3)];
    let outcomes = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            const NLM_F_CREATE: u16 = 0x400;
            let reqs: Vec<ClassicRequest<'_>> = payloads
                .iter()
                .map(|p| ClassicRequest {
                    message_type: <rt_addr::ops::Newaddr as genl_core::classic::RawOp>::REQUEST,
                    flags: NLM_F_CREATE,
                    payload: p,
                    dump: false,
                })
                .collect();
            conn.exchange_all(&reqs, |i, _| panic!("request {i} has no reply"))
                .unwrap()
                .into_iter()
                .map(|r| r.map_err(|e| e.to_string()))
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap()
    });
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    assert!(
        outcomes[1]
            .as_ref()
            .is_err_and(|e| e.contains("No such device")),
        "{outcomes:?}"
    );
    assert!(outcomes[2].is_ok(), "{outcomes:?}");
    let shown: Vec<String> = ip_json(&ns, &["-4", "addr", "show", "dev", "k0"])
        .iter()
        .flat_map(|l| l["addr_info"].as_array().unwrap().clone())
        .map(|a| a["local"].as_str().unwrap().to_owned())
        .collect();
    assert!(shown.contains(&"10.77.3.1".to_owned()), "{shown:?}");
    assert!(shown.contains(&"10.77.3.3".to_owned()), "{shown:?}");
}

/// A sub-message decoded by its selector: a bridge's `IFLA_INFO_DATA` is
/// `linkinfo-bridge-attrs` because `IFLA_INFO_KIND` is "bridge". The
/// values are those `ip -d -j link` shows for it (`info_data`).
#[test]
fn rt_link_sub_message_is_decoded_by_its_kind() {
    let Some(ns) = namespace("ynlk-submsg") else {
        return;
    };
    ns.ip(&[
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "forward_delay",
        "1234",
        "hello_time",
        "321",
    ]);
    let shown = &ip_json(&ns, &["-d", "link", "show", "br0"])[0]["linkinfo"];
    assert_eq!(shown["info_kind"], "bridge");
    let d = &shown["info_data"];
    let want = (
        d["forward_delay"].as_u64().unwrap() as u32,
        d["hello_time"].as_u64().unwrap() as u32,
        d["max_age"].as_u64().unwrap() as u32,
        d["stp_state"].as_u64().unwrap() as u32,
        d["priority"].as_u64().unwrap() as u16,
    );
    let br0 = ns.ifindex("br0") as i32;
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            let req = Headed::new(
                rt_link::Ifinfomsg {
                    ifi_index: br0,
                    ..Default::default()
                },
                rt_link::LinkAttrs::default(),
            );
            let mut got = None;
            conn.request::<rt_link::ops::Getlink>(0, &req, |m| {
                let info = m.attrs.linkinfo.expect("IFLA_LINKINFO");
                match info.data_msg().expect("kind and data").unwrap() {
                    rt_link::LinkinfoDataMsg::Bridge(b) => {
                        got = Some((
                            b.forward_delay.unwrap(),
                            b.hello_time.unwrap(),
                            b.max_age.unwrap(),
                            b.stp_state.unwrap(),
                            b.priority.unwrap(),
                        ))
                    }
                    other => panic!("a bridge's data decoded as {other:?}"),
                }
                Ok(())
            })
            .unwrap();
            got
        })
        .join()
        .unwrap()
    });
    assert_eq!(got, Some(want));
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

/// A notification through the imported binding: joined to
/// `rt_link::groups::RTNLGRP_LINK` (1 in include/uapi/linux/rtnetlink.h), a
/// socket hears RTM_NEWLINK for a veth that iproute2 creates, and decodes
/// it as the `getlink` reply type; its index is the one `ip` reports.
#[test]
fn rt_link_notification_decodes_with_the_binding() {
    use genl_core::classic::RawOp;
    assert_eq!(rt_link::groups::RTNLGRP_LINK, 1);
    let Some(ns) = namespace("ynlk-ntf") else {
        return;
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let seen = std::thread::scope(|s| {
        let listener = s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(NETLINK_ROUTE).unwrap();
            conn.join_group(rt_link::groups::RTNLGRP_LINK).unwrap();
            tx.send(()).unwrap();
            let deadline =
                common::Deadline::new("RTM_NEWLINK of kn0", std::time::Duration::from_secs(20));
            loop {
                deadline.check();
                let dg = conn.recv().unwrap();
                assert_eq!(dg.sender, 0, "from the kernel");
                for m in dg.messages() {
                    let m = m.unwrap();
                    if Some(m.header.message_type) != rt_link::ops::Getlink::REPLY {
                        continue;
                    }
                    let l: Headed<rt_link::Ifinfomsg, rt_link::LinkAttrs<'_>> =
                        Headed::decode(m.payload).unwrap();
                    if l.attrs.ifname == Some("kn0") {
                        return l.header.ifi_index;
                    }
                }
            }
        });
        rx.recv().unwrap();
        ns.ip(&["link", "add", "kn0", "type", "veth", "peer", "name", "kn1"]);
        listener.join().unwrap()
    });
    assert_eq!(seen as u32, ns.ifindex("kn0"));
}
