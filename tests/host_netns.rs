//! Host-kernel suite in network namespaces (root): real requests to the
//! kernel's netdev and ethtool families about veth devices, compared with
//! iproute2 and ethtool; multicast events and `ENOBUFS` recovery.

mod common;

use std::time::Duration;

use common::NetNs;
use genl_core::{AttrSet, Connection, Error, Family, Subscription};

/// A subset of `Documentation/netlink/specs/netdev.yaml`.
mod netdev {
    use super::*;

    #[derive(Debug, Default, AttrSet)]
    pub struct Dev {
        #[nla(id = 1)]
        pub ifindex: Option<u32>,
        #[nla(id = 3)]
        pub xdp_features: Option<u64>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "netdev", version = 1, mcast_groups("mgmt"))]
    pub enum Cmd {
        #[genl(cmd = 1, request = Dev, reply = Dev, dump)]
        DevGet,
        #[genl(cmd = 2, reply = Dev, event = "mgmt")]
        DevAddNtf,
    }
}

/// A subset of `Documentation/netlink/specs/ethtool.yaml`.
mod ethtool {
    use super::*;

    #[derive(Debug, Default, AttrSet)]
    pub struct Header<'a> {
        #[nla(id = 1)]
        pub dev_index: Option<u32>,
        #[nla(id = 2)]
        pub dev_name: Option<&'a str>,
    }

    #[derive(Debug, AttrSet)]
    pub struct LinkModes<'a> {
        #[nla(id = 1, nested)]
        pub header: Header<'a>,
        #[nla(id = 5)]
        pub speed: Option<u32>,
        #[nla(id = 6)]
        pub duplex: Option<u8>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Cmd {
        #[genl(cmd = 4, request = LinkModes<'a>, reply = LinkModes<'a>)]
        LinkModesGet,
    }
}

fn root_only() -> bool {
    if !common::is_root() {
        common::skip("needs root for network namespaces");
        return false;
    }
    true
}

#[test]
fn netdev_dump_lists_the_devices_iproute2_shows() {
    if !root_only() {
        return;
    }
    let ns = NetNs::new("netdev");
    ns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
    let expected = {
        let mut v = vec![ns.ifindex("lo"), ns.ifindex("va"), ns.ifindex("vb")];
        v.sort();
        v
    };
    let got = std::thread::scope(|s| {
        common::spawn_named(s, || {
            ns.enter();
            let mut conn = Connection::new().unwrap();
            common::unless_absent(conn.resolve("netdev").map(drop), "netdev")?;
            let mut v: Vec<u32> = conn
                .dump(netdev::cmd::DevGet, &())
                .unwrap()
                .map(|d| d.ifindex.unwrap())
                .unwrap();
            v.sort();
            Some(v)
        })
        .join()
        .unwrap()
    });
    if let Some(v) = got {
        assert_eq!(v, expected);
    }
}

#[test]
fn ethtool_link_modes_of_a_veth_match_the_ethtool_tool() {
    if !root_only() {
        return;
    }
    let ns = NetNs::new("ethtool");
    ns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
    // The ethtool tool's view, e.g. "Speed: 10000Mb/s", "Duplex: Full".
    let text = common::run("ip", &["netns", "exec", &ns.name, "ethtool", "va"]);
    let speed: u32 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Speed: "))
        .and_then(|s| s.trim_end_matches("Mb/s").parse().ok())
        .expect("ethtool prints a speed for veth");
    let full = text.contains("Duplex: Full");
    let ifindex = ns.ifindex("va");
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = Connection::new().unwrap();
            let req = ethtool::LinkModes {
                header: ethtool::Header {
                    dev_index: None,
                    dev_name: Some("va"),
                },
                speed: None,
                duplex: None,
            };
            let reply: ethtool::LinkModes<'_> =
                conn.query(ethtool::cmd::LinkModesGet, &req).unwrap();
            assert_eq!(reply.header.dev_name, Some("va"));
            assert_eq!(reply.header.dev_index, Some(ifindex));
            assert_eq!(reply.speed, Some(speed));
            // DUPLEX_FULL = 1 (include/uapi/linux/ethtool.h).
            assert_eq!(reply.duplex == Some(1), full);
        })
        .join()
        .unwrap()
    });
}

#[test]
fn enobufs_is_reported_and_the_subscription_keeps_working() {
    if !root_only() {
        return;
    }
    let ns = NetNs::new("enobufs");
    std::thread::scope(|s| {
        common::spawn_named(s, || {
            ns.enter();
            let Some(mut sub) =
                common::unless_absent(Subscription::new("netdev", "mgmt"), "netdev mgmt group")
            else {
                return;
            };
            sub.set_recv_buffer(1).unwrap(); // the kernel rounds up to its minimum
            sub.set_timeout(Some(Duration::from_secs(2)));
            // A burst of notifications while nobody reads.
            let batch: String = (0..100)
                .map(|i| format!("link add a{i} type veth peer name b{i}\n"))
                .collect();
            let file = std::env::temp_dir().join(format!("{}.batch", ns.name));
            std::fs::write(&file, batch).unwrap();
            ns.ip(&["-batch", file.to_str().unwrap()]);
            let _ = std::fs::remove_file(&file);
            let mut lost = false;
            let mut before = 0;
            let deadline = common::Deadline::new("ENOBUFS", Duration::from_secs(60));
            loop {
                deadline.check();
                match sub.next_event() {
                    Ok(_) => before += 1,
                    Err(Error::EventsLost) => {
                        lost = true;
                        break;
                    }
                    Err(Error::Timeout) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            assert!(
                lost,
                "overflow reported as EventsLost ({before} events read)"
            );
            // Recover: a buffer large enough for the traffic, drain what is
            // queued (until a timeout), then a new change must arrive.
            sub.set_recv_buffer(1 << 20).unwrap();
            sub.set_timeout(Some(Duration::from_millis(300)));
            let deadline = common::Deadline::new("a quiet subscription", Duration::from_secs(60));
            loop {
                deadline.check();
                match sub.next_event() {
                    Ok(_) | Err(Error::EventsLost) => {}
                    Err(Error::Timeout) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            sub.set_timeout(Some(Duration::from_secs(5)));
            ns.ip(&[
                "link", "add", "late-a", "type", "veth", "peer", "name", "late-b",
            ]);
            let want = ns.ifindex("late-a");
            let mut seen = false;
            for _ in 0..16 {
                let ev = sub.next_event().expect("events flow again after ENOBUFS");
                if ev.genl.cmd == netdev::Cmd::DevAddNtf.cmd()
                    && ev.decode::<netdev::Dev>().unwrap().ifindex == Some(want)
                {
                    seen = true;
                    break;
                }
            }
            assert!(seen, "DEV_ADD_NTF for late-a (ifindex {want}) received");
        })
        .join()
        .unwrap()
    });
}
