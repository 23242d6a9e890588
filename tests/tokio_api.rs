//! The host-kernel suite again, through the tokio API: same expectations
//! (from iproute2, ethtool and the kernel's messages), same semantics.

mod common;

use std::time::Duration;

use genl_core::controller::{ctrl_cmd, GetFamily};
use genl_core::{AsyncConnection, AsyncSubscription, AttrSet, Error, Family};

use common::iproute2_families;

#[tokio::test]
async fn dump_agrees_with_iproute2() {
    let mut conn = AsyncConnection::new().unwrap();
    let expected = iproute2_families();
    let got: Vec<common::IpFamily> = conn
        .dump(ctrl_cmd::GetFamily, &())
        .await
        .unwrap()
        .iter()
        .map(|r| common::IpFamily::from_info(&r.get().unwrap()))
        .collect();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.into_iter().zip(&expected) {
        assert_eq!(g.masked_like(e), *e);
    }
}

#[tokio::test]
async fn resolve_and_missing_family() {
    let expected = iproute2_families();
    let mut conn = AsyncConnection::new().unwrap();
    let nlctrl = conn.resolve("nlctrl").await.unwrap();
    let e = expected.iter().find(|f| f.name == "nlctrl").unwrap();
    assert_eq!(u32::from(nlctrl.id), e.id);
    assert_eq!(nlctrl.mcast_groups, e.groups);
    assert!(matches!(
        conn.resolve("genl-no-such").await,
        Err(Error::FamilyNotFound(n)) if n == "genl-no-such"
    ));
}

mod ethtool {
    use super::*;

    #[derive(Debug, AttrSet)]
    pub struct Header<'a> {
        #[nla(id = 2)]
        pub dev_name: Option<&'a str>,
    }

    #[derive(Debug, AttrSet)]
    pub struct LinkInfoGet<'a> {
        #[nla(id = 1, nested)]
        pub header: Header<'a>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Cmd {
        #[genl(cmd = 2, request = LinkInfoGet<'a>, reply = LinkInfoGet<'a>)]
        LinkInfoGet,
    }
}

#[tokio::test]
async fn extack_names_the_failing_attribute() {
    let mut conn = AsyncConnection::new().unwrap();
    if common::unless_absent(conn.resolve("ethtool").await.map(drop), "ethtool").is_none() {
        return;
    }
    let req = ethtool::LinkInfoGet {
        header: ethtool::Header {
            dev_name: Some("genl-nosuchdev"),
        },
    };
    match conn.query(ethtool::cmd::LinkInfoGet, &req).await {
        Err(Error::Kernel(k)) => {
            // As the ethtool tool reported it (tests/fixtures/ethtool-nodev.txt).
            assert_eq!(k.errno, libc::ENODEV);
            assert_eq!(k.message.as_deref(), Some("no device matches name"));
            assert_eq!(k.offset, Some(24));
            assert_eq!(k.path.as_deref(), Some("LinkInfoGet.header.dev_name"));
        }
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

/// Eight tasks, each with its own connection, 10 000 requests each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_tasks_ten_thousand_requests_each() {
    let names: Vec<String> = iproute2_families().into_iter().map(|f| f.name).collect();
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let names = names.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = AsyncConnection::new().unwrap();
            for i in 0..10_000usize {
                let name = &names[(t + i) % names.len()];
                let r = conn
                    .query(ctrl_cmd::GetFamily, &GetFamily::by_name(name))
                    .await
                    .unwrap();
                assert_eq!(r.get().unwrap().family_name, name);
            }
            10_000usize
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 80_000);
}

/// Eight tasks, one shared socket, 2 000 requests each: every reply reaches
/// the task that asked (ids as iproute2 prints them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_tasks_share_one_socket() {
    let families = iproute2_families();
    let expected: std::collections::HashMap<String, u32> =
        families.iter().map(|f| (f.name.clone(), f.id)).collect();
    let names: Vec<String> = families.into_iter().map(|f| f.name).collect();
    let conn = genl_core::AsyncSharedConnection::new().unwrap();
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let (names, expected, conn) = (names.clone(), expected.clone(), conn.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..2_000usize {
                let name = &names[(t + i) % names.len()];
                let r = conn
                    .query(ctrl_cmd::GetFamily, &GetFamily::by_name(name))
                    .await
                    .unwrap();
                let f = r.get().unwrap();
                assert_eq!(
                    f.family_name, name,
                    "task {t} request {i} got another's reply"
                );
                assert_eq!(u32::from(f.family_id), expected[name]);
            }
            2_000usize
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 16_000);
    // A dump on the same socket, and an error routed to its task.
    let all = conn.dump(ctrl_cmd::GetFamily, &()).await.unwrap();
    assert_eq!(all.len(), names.len());
    let err = conn
        .query(ctrl_cmd::GetFamily, &GetFamily::by_name("genl-no-such"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Kernel(ref k) if k.errno == libc::ENOENT),
        "{err:?}"
    );
}

#[derive(Debug, Default, AttrSet)]
struct NetdevDev {
    #[nla(id = 1)]
    ifindex: Option<u32>,
}

/// ENOBUFS through the async subscription, in a network namespace.
#[test]
fn async_enobufs_is_reported_and_the_subscription_keeps_working() {
    if !common::is_root() {
        common::skip("needs root for network namespaces");
        return;
    }
    let ns = common::NetNs::new("tokio-enobufs");
    std::thread::scope(|s| {
        common::spawn_named(s, || {
            ns.enter();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let Some(mut sub) = common::unless_absent(
                    AsyncSubscription::new("netdev", "mgmt").await,
                    "netdev mgmt group",
                ) else {
                    return;
                };
                sub.set_recv_buffer(1).unwrap();
                let batch: String = (0..100)
                    .map(|i| format!("link add a{i} type veth peer name b{i}\n"))
                    .collect();
                let file = std::env::temp_dir().join(format!("{}.batch", ns.name));
                std::fs::write(&file, batch).unwrap();
                ns.ip(&["-batch", file.to_str().unwrap()]);
                let _ = std::fs::remove_file(&file);
                let mut lost = false;
                let deadline = common::Deadline::new("ENOBUFS", Duration::from_secs(60));
                loop {
                    deadline.check();
                    match tokio::time::timeout(Duration::from_secs(2), sub.next_event()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(Error::EventsLost)) => {
                            lost = true;
                            break;
                        }
                        Ok(Err(e)) => panic!("{e}"),
                        Err(_) => break,
                    }
                }
                assert!(lost, "overflow reported as EventsLost");
                sub.set_recv_buffer(1 << 20).unwrap();
                let deadline =
                    common::Deadline::new("a quiet subscription", Duration::from_secs(60));
                while let Ok(r) =
                    tokio::time::timeout(Duration::from_millis(300), sub.next_event()).await
                {
                    deadline.check();
                    match r {
                        Ok(_) | Err(Error::EventsLost) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                ns.ip(&[
                    "link", "add", "late-a", "type", "veth", "peer", "name", "late-b",
                ]);
                let want = ns.ifindex("late-a");
                let mut seen = false;
                for _ in 0..16 {
                    let ev = tokio::time::timeout(Duration::from_secs(5), sub.next_event())
                        .await
                        .expect("an event arrives")
                        .expect("events flow again after ENOBUFS");
                    // NETDEV_CMD_DEV_ADD_NTF = 2 (include/uapi/linux/netdev.h)
                    if ev.genl().cmd == 2 && ev.decode::<NetdevDev>().unwrap().ifindex == Some(want)
                    {
                        seen = true;
                        break;
                    }
                }
                assert!(seen, "DEV_ADD_NTF for late-a received");
            });
        })
        .join()
        .unwrap()
    });
}
