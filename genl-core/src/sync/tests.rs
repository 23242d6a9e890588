//! The thread-shared connection on the fake kernel: routing, overflow,
//! reload and unload.

use std::time::{Duration, Instant};

use crate::testing::fixture::*;
use crate::Error;

#[test]
fn shared_connection_routes_each_reply_to_its_thread() {
    let (kernel, store) = setup();
    for i in 0..16 {
        put(&store, &format!("k{i}"), i);
    }
    let conn = kernel.shared_connection();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let conn = &conn;
            s.spawn(move || {
                for i in 0..200u64 {
                    let k = format!("k{}", (t + i) % 16);
                    let r = conn.query(cmd::Get, &Key { key: &k }).unwrap();
                    let e = r.get().unwrap();
                    assert_eq!(e.key, k);
                    assert_eq!(e.value, Some((t + i) % 16));
                }
            });
        }
    });
    assert_eq!(conn.dump(cmd::Get, &()).unwrap().len(), 16);
}

#[test]
fn shared_connection_fails_every_waiting_request_on_overflow() {
    let (kernel, _) = setup();
    let conn = kernel
        .shared_connection()
        .with_timeout(Duration::from_secs(30));
    conn.resolve("fake_demo").unwrap();
    let port = conn.port_id();
    std::thread::scope(|s| {
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let conn = &conn;
                s.spawn(move || conn.query(cmd::Slow, &Key { key: "a" }))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        kernel.overflow(port);
        for w in waiting {
            let r = w.join().unwrap();
            assert!(matches!(r, Err(Error::EventsLost)), "{r:?}");
        }
    });
}

#[test]
fn shared_connection_retries_after_a_reload_and_fails_pending_on_unload() {
    let (kernel, store) = setup();
    put(&store, "a", 5);
    let conn = kernel
        .shared_connection()
        .with_timeout(Duration::from_secs(30));
    let get_a = || {
        let reply = conn.query(cmd::Get, &Key { key: "a" }).unwrap();
        reply.get().unwrap().value
    };
    assert_eq!(get_a(), Some(5));
    reload(&kernel, &store);
    assert_eq!(get_a(), Some(5));
    let t = unload_soon(&kernel);
    let start = Instant::now();
    let r = conn.query(cmd::Slow, &Key { key: "a" });
    t.join().unwrap();
    assert!(matches!(r, Err(Error::FamilyNotFound(_))), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}
