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
