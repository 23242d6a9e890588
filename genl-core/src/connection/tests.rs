//! Every path of a blocking request on the fake kernel: what a
//! connection does with each kind of answer a kernel can give, and with
//! each fault a socket can show. The real-kernel suites (`tests/host_*.rs`,
//! the VM suites) confirm the fake's answers are the kernel's.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::message::GenlHeader;
use crate::testing::fixture::*;
use crate::testing::{build, FakeError, FakeKernel, Response};
use crate::{Encode, Error};

#[test]
fn a_query_returns_the_declared_reply() {
    let (kernel, store) = setup();
    put(&store, "a", 7);
    let mut conn = kernel.connection();
    let e = conn.query(cmd::Get, &Key { key: "a" }).unwrap();
    assert_eq!(
        e,
        Entry {
            key: "a",
            value: Some(7)
        }
    );
}

#[test]
fn an_ack_only_request_is_ok_and_a_reply_to_it_is_an_error() {
    let (kernel, store) = setup();
    let mut conn = kernel.connection();
    conn.request(
        cmd::Set,
        &Entry {
            key: "a",
            value: Some(1),
        },
    )
    .unwrap();
    assert_eq!(store.lock().unwrap()["a"], 1);
    // A family that answers SET with data: the schema declares none.
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |_| {
        Response::reply(&Entry {
            key: "x",
            value: None,
        })
    });
    let mut conn = kernel.connection();
    let r = conn.request(
        cmd::Set,
        &Entry {
            key: "a",
            value: None,
        },
    );
    assert!(
        matches!(r, Err(Error::UnexpectedReply(m)) if m.contains("declares none")),
        "{r:?}"
    );
}

#[test]
fn a_kernel_error_carries_errno_message_and_attribute_path() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    match conn.query(cmd::Get, &Key { key: "nope" }) {
        Err(Error::Kernel(k)) => {
            assert_eq!(k.errno, libc::ENOENT);
            assert_eq!(k.message.as_deref(), Some("no such key"));
            assert_eq!(k.path.as_deref(), Some("Key.key"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_commands_own_enoent_costs_one_round_trip() {
    // ENOENT is also how a stale family id is refused; with the controller
    // watched, a family that did not move is not looked up again.
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    let shared = kernel.shared_connection();
    shared.resolve("fake_demo").unwrap();
    let before = kernel.requests();
    for _ in 0..3 {
        let r = conn.query(cmd::Get, &Key { key: "nope" });
        assert!(
            matches!(r, Err(Error::Kernel(ref k)) if k.errno == libc::ENOENT),
            "{r:?}"
        );
        let r = shared.query(cmd::Get, &Key { key: "nope" });
        assert!(
            matches!(r, Err(Error::Kernel(ref k)) if k.errno == libc::ENOENT),
            "{r:?}"
        );
    }
    assert_eq!(kernel.requests() - before, 6, "no GETFAMILY, no resend");
}

#[test]
fn a_missing_attribute_is_named_through_the_schema() {
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |_| {
        Response::Error(FakeError {
            errno: libc::EINVAL,
            missing_type: Some(2),
            ..FakeError::default()
        })
    });
    let mut conn = kernel.connection();
    match conn.request(
        cmd::Set,
        &Entry {
            key: "a",
            value: None,
        },
    ) {
        Err(Error::Kernel(k)) => {
            assert_eq!(k.missing_type, Some(2));
            assert_eq!(k.missing_path.as_deref(), Some("Entry.value"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_truncated_datagram_is_an_error_and_the_connection_goes_on() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    kernel.truncate(conn.port_id(), 100_000);
    let r = conn.query(cmd::Get, &Key { key: "a" });
    assert!(
        matches!(r, Err(Error::Truncated { size: 100_000, .. })),
        "{r:?}"
    );
    // The reply itself is still queued: it belongs to a request that gave
    // up, and the next request skips it.
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" }).unwrap().value,
        Some(1)
    );
}

#[test]
fn stale_and_foreign_messages_are_skipped() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    let id = kernel.family_id("fake_demo").unwrap();
    let port = conn.port_id();
    let next = conn.last_seq().wrapping_add(1);
    let forged = Entry {
        key: "FORGED",
        value: Some(666),
    }
    .encode_to_vec()
    .unwrap();
    let g = GenlHeader { cmd: 1, version: 1 };
    // A stale reply (an older sequence number), one for another port, and
    // one without a sequence number, all before the real answer.
    kernel.deliver(
        port,
        build::genl(id, 0, next.wrapping_sub(1), port, g, &forged),
    );
    kernel.deliver(port, build::genl(id, 0, next, port + 1, g, &forged));
    kernel.deliver(port, build::genl(id, 0, 0, port, g, &forged));
    let e = conn.query(cmd::Get, &Key { key: "a" }).unwrap();
    assert_eq!((e.key, e.value), ("a", Some(1)));
}

#[test]
fn more_than_one_reply_to_a_do_is_an_error() {
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |_| {
        let e = Entry {
            key: "k",
            value: None,
        }
        .encode_to_vec()
        .unwrap();
        Response::Messages(vec![e.clone(), e])
    });
    let mut conn = kernel.connection();
    // Asking for the ACK too, the connection sees everything the request
    // caused before it.
    conn.set_ack_queries(true);
    let r = conn.query(cmd::Get, &Key { key: "k" });
    assert!(
        matches!(r, Err(Error::UnexpectedReply(m)) if m.contains("more than one")),
        "{r:?}"
    );
    // Without (the default), the first reply answers; the second is
    // another request's stale message to the next one, never its answer.
    conn.set_ack_queries(false);
    assert_eq!(conn.query(cmd::Get, &Key { key: "k" }).unwrap().key, "k");
    assert_eq!(conn.query(cmd::Get, &Key { key: "k" }).unwrap().key, "k");
}

#[test]
fn a_query_asks_for_no_ack_unless_told_to() {
    let kernel = FakeKernel::new();
    let flags = Arc::new(Mutex::new(Vec::new()));
    let seen = flags.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        seen.lock().unwrap().push(req.flags);
        Response::reply(&Entry {
            key: "k",
            value: None,
        })
    });
    let mut conn = kernel.connection();
    conn.query(cmd::Get, &Key { key: "k" }).unwrap();
    conn.set_ack_queries(true);
    conn.query(cmd::Get, &Key { key: "k" }).unwrap();
    let shared = kernel.shared_connection();
    shared.query(cmd::Get, &Key { key: "k" }).unwrap();
    let ack = crate::message::NLM_F_ACK;
    let asked: Vec<bool> = flags.lock().unwrap().iter().map(|f| f & ack != 0).collect();
    assert_eq!(asked, [false, true, false]);
}

#[test]
fn an_unknown_family_is_family_not_found() {
    let kernel = FakeKernel::new();
    let mut conn = kernel.connection();
    assert!(matches!(
        conn.query(cmd::Get, &Key { key: "a" }),
        Err(Error::FamilyNotFound(n)) if n == "fake_demo"
    ));
}

#[test]
fn a_request_after_a_module_reload_goes_to_the_new_id() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    let mut conn = kernel.connection();
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" }).unwrap().value,
        Some(1)
    );
    let (_, new) = reload(&kernel, &store);
    // The controller's notifications told the cache; the request goes to
    // the new id straight away.
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" }).unwrap().value,
        Some(1)
    );
    assert_eq!(conn.resolve("fake_demo").unwrap().id, new);
}

#[test]
fn a_stale_id_is_retried_once_at_the_new_one() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    // A connection that misses the notifications (it cannot watch): only
    // the ENOENT of the stale id tells it.
    let mut conn = crate::Connection::with_transport(Unwatched(kernel.socket())).unwrap();
    conn.query(cmd::Get, &Key { key: "a" }).unwrap();
    let before = kernel.requests();
    reload(&kernel, &store);
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" }).unwrap().value,
        Some(1)
    );
    // The stale request, GETFAMILY, the resent request.
    assert_eq!(kernel.requests() - before, 3);
    // The same for a dump.
    reload(&kernel, &store);
    assert_eq!(
        conn.dump(cmd::Get, &()).unwrap().map(|_| ()).unwrap().len(),
        1
    );
}

/// A fake socket that cannot join groups (so misses the controller).
#[derive(Debug)]
struct Unwatched(crate::testing::FakeSocket);

impl crate::Transport for Unwatched {
    fn port_id(&self) -> u32 {
        self.0.port_id()
    }
    fn send(&self, d: &[u8]) -> crate::Result<()> {
        self.0.send(d)
    }
    fn recv(&self, b: &mut Vec<u8>, dl: Option<Duration>) -> crate::Result<()> {
        self.0.recv(b, dl)
    }
    fn try_recv(&self, b: &mut Vec<u8>) -> crate::Result<bool> {
        self.0.try_recv(b)
    }
    fn join_group(&self, _: u32) -> crate::Result<()> {
        Err(Error::InvalidArgument("no groups here".into()))
    }
}

#[test]
fn a_request_pending_on_a_family_that_goes_away_fails_at_once() {
    let (kernel, store) = setup();
    let mut conn = kernel.connection();
    conn.set_timeout(Some(Duration::from_secs(30)));
    conn.resolve("fake_demo").unwrap();
    let t = unload_soon(&kernel);
    let start = Instant::now();
    // SLOW is never answered: only the unload ends it.
    let r = conn.query(cmd::Slow, &Key { key: "a" });
    t.join().unwrap();
    assert!(
        matches!(r, Err(Error::FamilyNotFound(ref n)) if n == "fake_demo"),
        "{r:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5), "not the timeout");
    drop(store);
}

#[test]
fn a_deferred_reply_is_awaited_however_late() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    let (k, port) = (kernel.clone(), conn.port_id());
    let seq = conn.last_seq().wrapping_add(1);
    let id = kernel.family_id("fake_demo").unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let e = Entry {
            key: "late",
            value: Some(9),
        }
        .encode_to_vec()
        .unwrap();
        k.deliver(
            port,
            build::genl(id, 0, seq, port, GenlHeader { cmd: 3, version: 1 }, &e),
        );
    });
    let e = conn
        .query_deferred(cmd::Slow, &Key { key: "late" })
        .unwrap();
    assert_eq!((e.key, e.value), ("late", Some(9)));
    t.join().unwrap();
}

#[test]
fn no_answer_is_a_timeout() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    conn.set_timeout(Some(Duration::from_millis(50)));
    assert!(matches!(
        conn.query(cmd::Slow, &Key { key: "a" }),
        Err(Error::Timeout)
    ));
}

/// The timeout bounds the whole request, not each datagram: messages that
/// are not the request's answer (here another request's, every 50 ms) do
/// not keep it waiting past its timeout.
#[test]
fn the_timeout_bounds_the_request_not_each_datagram() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    conn.set_timeout(Some(Duration::from_millis(300)));
    let (port, family) = (conn.port_id(), kernel.family_id("fake_demo").unwrap());
    let genl = GenlHeader { cmd: 1, version: 1 };
    let stale = build::genl(
        family,
        0,
        conn.last_seq().wrapping_add(1000),
        port,
        genl,
        &[],
    );
    let (k, stop) = (kernel.clone(), Arc::new(Mutex::new(false)));
    let stopped = stop.clone();
    let t = std::thread::spawn(move || {
        for _ in 0..60 {
            if *stopped.lock().unwrap() {
                break;
            }
            k.deliver(port, stale.clone());
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let start = Instant::now();
    let r = conn.query(cmd::Slow, &Key { key: "a" });
    let took = start.elapsed();
    *stop.lock().unwrap() = true;
    t.join().unwrap();
    assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[test]
fn a_malformed_reply_is_a_decode_error_not_a_panic() {
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |req| {
        // A message whose length runs past the datagram.
        let mut m = build::genl(0x20, 0, req.seq, req.port, req.genl, &[8, 0, 1, 0]);
        m[0] = 200;
        Response::Datagrams(vec![m])
    });
    let mut conn = kernel.connection();
    conn.set_timeout(Some(Duration::from_millis(200)));
    let r = conn.query(cmd::Get, &Key { key: "a" });
    assert!(matches!(r, Err(Error::Decode(_))), "{r:?}");
}

/// The warnings `log` received (target `genl_core::netlink_warning`).
fn warnings() -> &'static Mutex<Vec<String>> {
    struct Capture;
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    impl log::Log for Capture {
        fn enabled(&self, m: &log::Metadata<'_>) -> bool {
            m.target() == crate::extack::WARNING_TARGET
        }
        fn log(&self, r: &log::Record<'_>) {
            if self.enabled(r.metadata()) {
                SEEN.lock().unwrap().push(r.args().to_string());
            }
        }
        fn flush(&self) {}
    }
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
    &SEEN
}

#[test]
fn a_warning_on_success_is_logged_not_dropped() {
    let seen = warnings();
    let kernel = FakeKernel::new();
    // Success (code 0) with an extended-ACK message, as the kernel sends
    // for NL_SET_ERR_MSG on a request it carried out: the ACK of a do, the
    // NLMSG_DONE of a dump.
    kernel.add_family("fake_demo", 1, &["events"], |_| {
        Response::Error(FakeError {
            errno: 0,
            message: Some("value rounded to 4096".into()),
            ..FakeError::default()
        })
    });
    let mut conn = kernel.connection();
    conn.request(
        cmd::Set,
        &Entry {
            key: "a",
            value: Some(4000),
        },
    )
    .unwrap();
    let entries: Vec<String> = conn
        .dump(cmd::Get, &())
        .unwrap()
        .map(|e| e.key.to_owned())
        .unwrap();
    assert!(entries.is_empty());
    let n = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|w| *w == "netlink warning: value rounded to 4096")
        .count();
    assert_eq!(n, 2, "{:?}", seen.lock().unwrap());
}

/// A [`RawRequest`]'s flags go on that request (as `genl ynl --create`
/// needs), with the ones its method sets, for a request, a dump and a
/// batch; the request still goes through the exchange (its ACK is matched).
#[test]
fn raw_request_flags_go_on_that_request_only() {
    use crate::message::{AttrBuf, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST};
    use crate::RawRequest;
    let kernel = FakeKernel::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let id = kernel.add_family("flagged", 1, &[], move |req| {
        log.lock().unwrap().push(req.flags);
        Response::ack()
    });
    let mut conn = kernel.connection();
    let genl = GenlHeader { cmd: 1, version: 1 };
    let none = AttrBuf::default();
    let plain = RawRequest::new(id, genl, &none);
    let create = RawRequest {
        flags: NLM_F_CREATE | NLM_F_EXCL,
        ..plain
    };
    conn.request_by_id(create).unwrap();
    conn.request_by_id(plain).unwrap();
    let mut d = conn
        .dump_by_id(RawRequest {
            flags: NLM_F_CREATE,
            ..plain
        })
        .unwrap();
    while d.next().unwrap().is_some() {}
    drop(d);
    let mut d = conn.dump_by_id(plain).unwrap();
    while d.next().unwrap().is_some() {}
    drop(d);
    let mut batch = conn.batch();
    batch.request_by_id(create).unwrap();
    batch.request_by_id(plain).unwrap();
    let outcomes = batch.send().unwrap();
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    // The values of <linux/netlink.h>: REQUEST 0x1, ACK 0x4, EXCL 0x200,
    // CREATE 0x400, DUMP 0x300.
    assert_eq!(
        (
            NLM_F_REQUEST,
            NLM_F_ACK,
            NLM_F_EXCL,
            NLM_F_CREATE,
            NLM_F_DUMP
        ),
        (0x1, 0x4, 0x200, 0x400, 0x300)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            0x1 | 0x4 | 0x200 | 0x400,
            0x1 | 0x4,
            0x1 | 0x300 | 0x400,
            0x1 | 0x300,
            // A batch: only the round's last request asks for an ACK.
            0x1 | 0x200 | 0x400,
            0x1 | 0x4,
        ]
    );
}
