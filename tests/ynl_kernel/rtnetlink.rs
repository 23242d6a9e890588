//! The netlink-raw bindings (`rt_link`, `rt_addr`, `rt_route`) against
//! rtnetlink and `ip -j`: dumps, requests, a batch, a sub-message and a
//! notification.

use super::*;

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
                    message_type: <rt_addr::ops::Newaddr as genl_core::classic::ClassicOp>::REQUEST,
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

/// A notification through the imported binding: joined to
/// `rt_link::groups::RTNLGRP_LINK` (1 in include/uapi/linux/rtnetlink.h), a
/// socket hears RTM_NEWLINK for a veth that iproute2 creates, and decodes
/// it as the `getlink` reply type; its index is the one `ip` reports.
#[test]
fn rt_link_notification_decodes_with_the_binding() {
    use genl_core::classic::ClassicOp;
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
