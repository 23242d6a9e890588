//! Every YNL spec of Linux 6.12 (`tests/fixtures/ynl/*.yaml`) imported as
//! derive bindings (`tests/ynl/kernel/*.rs`, regenerated and compared by
//! genl-ynl's `fresh` test). All 19 compile here; the netlink-raw ones talk
//! to the host kernel's rtnetlink through `ClassicConnection`, checked
//! against iproute2 (`ip -j`), in a network namespace of their own.

mod common;
#[path = "ynl_kernel/genetlink.rs"]
mod genetlink;
#[path = "ynl_kernel/rtnetlink.rs"]
mod rtnetlink;

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
