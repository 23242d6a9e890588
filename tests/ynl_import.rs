//! Host-kernel suite for the YNL import (root, network namespaces): the
//! bindings `genl-ynl` generated from the kernel's `netdev.yaml` and
//! `ethtool.yaml` (`tests/ynl/kernel/*.rs`) talk to the real families about a veth
//! pair, and the answers are compared with `ip -j link` and `ethtool`.

mod common;

use common::NetNs;
use genl_core::Connection;

#[allow(dead_code)]
#[path = "ynl/kernel/netdev.rs"]
mod netdev;

#[allow(dead_code)]
#[path = "ynl/kernel/ethtool.rs"]
mod ethtool;

/// The netns with a veth pair `va`/`vb`, or `None` (and a loud skip notice)
/// when not root, as in `host_netns.rs`.
fn veth_ns(tag: &str) -> Option<NetNs> {
    if !common::is_root() {
        common::skip("needs root for network namespaces");
        return None;
    }
    let ns = NetNs::new(tag);
    ns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
    Some(ns)
}

/// `ethtool ARGS` inside the namespace.
fn ethtool_tool(ns: &NetNs, args: &[&str]) -> String {
    let mut all = vec!["netns", "exec", &ns.name, "ethtool"];
    all.extend_from_slice(args);
    common::run("ip", &all)
}

/// The value of a `Key: value` line of `ethtool DEV`.
fn field<'t>(text: &'t str, key: &str) -> &'t str {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("ethtool prints `{key}`:\n{text}"))
        .trim()
}

#[test]
fn netdev_dev_get_dump_and_do_match_ip_link() {
    let Some(ns) = veth_ns("ynl-netdev") else {
        return;
    };
    // iproute2's view: every device's ifindex.
    let json: serde_json::Value =
        serde_json::from_str(&ns.ip(&["-j", "link", "show"])).expect("ip -j link");
    let mut expected: Vec<u32> = json
        .as_array()
        .expect("an array of links")
        .iter()
        .map(|l| l["ifindex"].as_u64().expect("ifindex") as u32)
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 3, "lo, va and vb");
    let va = ns.ifindex("va");
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = Connection::new().unwrap();
            conn.resolve("netdev")
                .expect("the host kernel (6.x) registers the netdev family");
            let devs: Vec<netdev::Dev> = conn
                .dump(netdev::cmd::DevGet, &())
                .unwrap()
                .map(|d| d)
                .unwrap();
            let mut got: Vec<u32> = devs.iter().map(|d| d.ifindex.unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, expected, "dev-get dump vs ip -j link");
            // The kernel always reports the XDP feature bitmask.
            assert!(devs.iter().all(|d| d.xdp_features.is_some()));

            let req = netdev::Dev {
                ifindex: Some(va),
                ..Default::default()
            };
            let one: netdev::Dev = conn.query(netdev::cmd::DevGet, &req).unwrap();
            assert_eq!(one.ifindex, Some(va), "dev-get do for va");
            let from_dump = devs.iter().find(|d| d.ifindex == Some(va)).unwrap();
            assert_eq!(&one, from_dump, "do and dump agree");
        })
        .join()
        .unwrap()
    });
}

#[test]
fn ethtool_linkinfo_and_linkmodes_match_the_ethtool_tool() {
    let Some(ns) = veth_ns("ynl-ethtool") else {
        return;
    };
    let text = ethtool_tool(&ns, &["va"]);
    let speed: u32 = field(&text, "Speed")
        .trim_end_matches("Mb/s")
        .parse()
        .expect("a speed in Mb/s");
    // DUPLEX_HALF = 0, DUPLEX_FULL = 1 (include/uapi/linux/ethtool.h).
    let duplex: u8 = match field(&text, "Duplex") {
        "Half" => 0,
        "Full" => 1,
        d => panic!("unexpected duplex {d}"),
    };
    // AUTONEG_DISABLE = 0, AUTONEG_ENABLE = 1.
    let autoneg: u8 = match field(&text, "Auto-negotiation") {
        "off" => 0,
        "on" => 1,
        a => panic!("unexpected auto-negotiation {a}"),
    };
    // PORT_* of include/uapi/linux/ethtool.h, by ethtool's names.
    let port: u8 = match field(&text, "Port") {
        "Twisted Pair" => 0x00,
        "AUI" => 0x01,
        "BNC" => 0x02,
        "MII" => 0x03,
        "FIBRE" => 0x04,
        "Direct Attach Copper" => 0x05,
        "None" => 0xef,
        "Other" => 0xff,
        p => panic!("unexpected port {p}"),
    };
    let phyad: u8 = field(&text, "PHYAD").parse().expect("PHYAD");
    // XCVR_INTERNAL = 0, XCVR_EXTERNAL = 1.
    let transceiver: u8 = match field(&text, "Transceiver") {
        "internal" => 0,
        "external" => 1,
        t => panic!("unexpected transceiver {t}"),
    };
    let ifindex = ns.ifindex("va");
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = Connection::new().unwrap();
            let header = ethtool::Header {
                dev_name: Some("va"),
                ..Default::default()
            };

            let req = ethtool::Linkinfo {
                header: Some(header.clone()),
                ..Default::default()
            };
            let info: ethtool::Linkinfo<'_> = conn.query(ethtool::cmd::LinkinfoGet, &req).unwrap();
            let h = info.header.as_ref().expect("reply header");
            assert_eq!(h.dev_name, Some("va"));
            assert_eq!(h.dev_index, Some(ifindex));
            assert_eq!(info.port, Some(port), "Port");
            assert_eq!(info.phyaddr, Some(phyad), "PHYAD");
            assert_eq!(info.transceiver, Some(transceiver), "Transceiver");

            let req = ethtool::Linkmodes {
                header: Some(header.clone()),
                ..Default::default()
            };
            let modes: ethtool::Linkmodes<'_> =
                conn.query(ethtool::cmd::LinkmodesGet, &req).unwrap();
            assert_eq!(modes.header.unwrap().dev_index, Some(ifindex));
            assert_eq!(modes.speed, Some(speed), "Speed");
            assert_eq!(modes.duplex, Some(duplex), "Duplex");
            assert_eq!(modes.autoneg, Some(autoneg), "Auto-negotiation");
        })
        .join()
        .unwrap()
    });
}

#[test]
fn ethtool_strset_features_cover_what_ethtool_k_prints() {
    let Some(ns) = veth_ns("ynl-strset") else {
        return;
    };
    // `ethtool -k` prints the kernel's feature names indented under its
    // legacy group names ("tx-checksumming:" then "\ttx-checksum-ipv4: off").
    let text = ethtool_tool(&ns, &["-k", "va"]);
    let printed: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('\t'))
        .map(|l| l.trim().split(':').next().unwrap().to_owned())
        .collect();
    assert!(printed.len() > 10, "ethtool -k lists features:\n{text}");
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = Connection::new().unwrap();
            // ETH_SS_FEATURES = 4 (include/uapi/linux/ethtool.h).
            let req = ethtool::Strset {
                header: Some(ethtool::Header {
                    dev_name: Some("va"),
                    ..Default::default()
                }),
                stringsets: Some(ethtool::Stringsets {
                    stringset: vec![ethtool::Stringset {
                        id: Some(4),
                        ..Default::default()
                    }],
                }),
                counts_only: false,
            };
            let reply: ethtool::Strset<'_> = conn.query(ethtool::cmd::StrsetGet, &req).unwrap();
            let sets = reply.stringsets.expect("stringsets").stringset;
            assert_eq!(sets.len(), 1);
            assert_eq!(sets[0].id, Some(4));
            let names: Vec<&str> = sets[0]
                .strings
                .iter()
                .flat_map(|s| &s.string)
                .filter_map(|s| s.value)
                .collect();
            assert_eq!(
                names.len() as u32,
                sets[0].count.expect("count"),
                "one string per counted entry"
            );
            for p in &printed {
                assert!(
                    names.contains(&p.as_str()),
                    "`{p}` from ethtool -k is in ETH_SS_FEATURES"
                );
            }
        })
        .join()
        .unwrap()
    });
}

#[test]
fn uint_attributes_take_four_or_eight_bytes_like_nla_put_uint() {
    use genl_core::{Decode, Encode};
    // The kernel's nla_put_uint() sends 4 bytes when the value fits in a
    // u32 and 8 otherwise; both must decode.
    for (value, len) in [(7u64, 4usize), (u64::from(u32::MAX) + 1, 8)] {
        let pp = netdev::PagePool {
            inflight: Some(genl_core::Uint(value)),
            ..Default::default()
        };
        let bytes = pp.encode_to_vec().unwrap();
        // One attribute: 4-byte header (nla_len, nla_type = 4) + payload.
        assert_eq!(bytes.len(), 4 + len);
        assert_eq!(u16::from_ne_bytes([bytes[0], bytes[1]]) as usize, 4 + len);
        assert_eq!(u16::from_ne_bytes([bytes[2], bytes[3]]), 4);
        assert_eq!(netdev::PagePool::decode(&bytes).unwrap(), pp);
    }
}
