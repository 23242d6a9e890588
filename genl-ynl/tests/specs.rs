//! Every spec of Linux 6.12 (`tests/fixtures/ynl/*.yaml`, copied from
//! `Documentation/netlink/specs/`) loads into the run-time model, with the
//! message ids the kernel's uapi headers give (`include/uapi/linux/*.h` of
//! linux-source 6.12.117, quoted below), never this crate's own output.

use std::path::{Path, PathBuf};

use genl_ynl::family::{AttrType, Protocol, SpecFamily};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ynl")
}

fn load(name: &str) -> SpecFamily {
    let text = std::fs::read_to_string(spec_dir().join(format!("{name}.yaml"))).unwrap();
    SpecFamily::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The 19 specs of Linux 6.12 and their protocols.
const SPECS: &[(&str, &str)] = &[
    ("devlink", "genetlink-legacy"),
    ("dpll", "genetlink"),
    ("ethtool", "genetlink-legacy"),
    ("fou", "genetlink-legacy"),
    ("handshake", "genetlink"),
    ("mptcp_pm", "genetlink-legacy"),
    ("netdev", "genetlink"),
    ("nfsd", "genetlink"),
    ("nftables", "netlink-raw"),
    ("nlctrl", "genetlink-legacy"),
    ("ovs_datapath", "genetlink-legacy"),
    ("ovs_flow", "genetlink-legacy"),
    ("ovs_vport", "genetlink-legacy"),
    ("rt_addr", "netlink-raw"),
    ("rt_link", "netlink-raw"),
    ("rt_route", "netlink-raw"),
    ("tc", "netlink-raw"),
    ("tcp_metrics", "genetlink-legacy"),
    ("team", "genetlink-legacy"),
];

#[test]
fn all_nineteen_specs_load() {
    let mut on_disk: Vec<String> = std::fs::read_dir(spec_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "yaml").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = SPECS.iter().map(|s| s.0).collect();
    assert_eq!(on_disk, listed);
    for (name, proto) in SPECS {
        let f = load(name);
        assert_eq!(&f.proto_name, proto, "{name}");
        assert!(!f.ops.is_empty(), "{name} has operations");
        // Every call op has its set (the ones cli.py --list-ops shows).
        for op in f.call_ops() {
            assert!(op.attr_set.is_some(), "{name}/{}", op.name);
            assert!(op.req_value.is_some(), "{name}/{}", op.name);
        }
    }
}

#[test]
fn raw_families_use_the_rtnetlink_message_types() {
    // include/uapi/linux/rtnetlink.h: RTM_NEWLINK 16, RTM_GETLINK 18,
    // RTM_NEWADDR 20, RTM_GETADDR 22, RTM_NEWROUTE 24, RTM_GETROUTE 26.
    let link = load("rt_link");
    assert_eq!(link.protocol, Protocol::Raw { protonum: 0 });
    let get = link.op("getlink").unwrap();
    assert_eq!((get.req_value, get.rsp_value), (Some(18), Some(16)));
    assert_eq!(get.fixed_header.as_deref(), Some("ifinfomsg"));
    // struct ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags,
    // u32 change = 16 bytes.
    assert_eq!(link.struct_size(Some("ifinfomsg")), 16);
    let addr = load("rt_addr");
    let get = addr.op("getaddr").unwrap();
    assert_eq!((get.req_value, get.rsp_value), (Some(22), Some(20)));
    // struct ifaddrmsg: 4 u8 + u32 index = 8 bytes.
    assert_eq!(addr.struct_size(Some("ifaddrmsg")), 8);
    let route = load("rt_route");
    let get = route.op("getroute").unwrap();
    assert_eq!((get.req_value, get.rsp_value), (Some(26), Some(24)));
    // struct rtmsg: 8 u8 + u32 flags = 12 bytes.
    assert_eq!(route.struct_size(Some("rtmsg")), 12);
    // include/uapi/linux/netlink.h: NETLINK_NETFILTER 12.
    assert_eq!(load("nftables").protocol, Protocol::Raw { protonum: 12 });
}

#[test]
fn genl_ids_match_the_uapi_headers() {
    // ethtool_netlink.h: ETHTOOL_MSG_LINKINFO_GET = 2 (user → kernel),
    // ETHTOOL_MSG_LINKINFO_GET_REPLY = 2 and ETHTOOL_MSG_LINKINFO_NTF = 3
    // (kernel → user); ETHTOOL_MSG_RINGS_GET = 15, _REPLY = 16.
    let e = load("ethtool");
    let op = e.op("linkinfo-get").unwrap();
    assert_eq!((op.req_value, op.rsp_value), (Some(2), Some(2)));
    assert_eq!(e.op("linkinfo-ntf").unwrap().rsp_value, Some(3));
    let op = e.op("rings-get").unwrap();
    assert_eq!((op.req_value, op.rsp_value), (Some(15), Some(16)));
    // genetlink.h: CTRL_CMD_GETFAMILY 3, replies CTRL_CMD_NEWFAMILY 1;
    // CTRL_CMD_GETPOLICY 10.
    let c = load("nlctrl");
    let op = c.op("getfamily").unwrap();
    assert_eq!((op.req_value, op.rsp_value), (Some(3), Some(1)));
    assert_eq!(c.op("getpolicy").unwrap().req_value, Some(10));
    // openvswitch.h: OVS_DATAPATH_CMD_GET 3; struct ovs_header is an int.
    let d = load("ovs_datapath");
    let get = d.op("get").unwrap();
    assert_eq!(get.req_value, Some(3));
    assert_eq!(d.struct_size(get.fixed_header.as_deref()), 4);
    // tcp_metrics.h: TCP_METRICS_CMD_GET 1, TCP_METRICS_ATTR_ADDR_IPV4 1
    // (u32, network order).
    let t = load("tcp_metrics");
    assert_eq!(t.op("get").unwrap().req_value, Some(1));
    let a = t.set("tcp-metrics").unwrap().attr("addr-ipv4").unwrap();
    assert_eq!((a.id, a.ty), (1, AttrType::U32));
}

#[test]
fn bad_specs_name_the_place() {
    let e = SpecFamily::parse("name: x\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: n, type: nest, nested-attributes: nope }\noperations: { list: [] }\n").unwrap_err();
    assert_eq!(e.at, "attribute-sets/a/n/nested-attributes");
    assert!(e.what.contains("`nope`"), "{e}");
    let e = SpecFamily::parse(
        "name: x\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: n, type: u33 }\n",
    )
    .unwrap_err();
    assert_eq!(e.at, "attribute-sets/a/n");
    assert!(e.to_string().contains("unknown type `u33`"), "{e}");
    let e = SpecFamily::parse("name: x\nprotocol: netlink-raw\nattribute-sets: []\n").unwrap_err();
    assert!(e.to_string().contains("protonum"), "{e}");
    let e = SpecFamily::parse("[1, 2").unwrap_err();
    assert!(e.to_string().starts_with("invalid YNL spec"), "{e}");
    let e = SpecFamily::parse("name: x\ndefinitions:\n  - { name: s, type: struct, members: [ { name: m, type: binary, struct: t } ] }\n").unwrap_err();
    assert_eq!(e.at, "definitions/s/members/m");
}
