//! Every path of the runtime, on the fake kernel: what the connections do
//! with each kind of answer a kernel can give, and with each fault a socket
//! can show. The real-kernel suites (`tests/host_*.rs`, the VM suites)
//! confirm the fake's answers are the kernel's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::testing::{build, FakeError, FakeKernel, Response};
use crate::message::{GenlHeader, NLM_F_DUMP_INTR, NLM_F_MULTI};
use crate::{AttrSet, Encode, Error, Family, Subscription};

/// An entry of the test family.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(pad = 3)]
pub struct Entry<'a> {
    #[nla(id = 1, max_len = 16)]
    pub key: &'a str,
    #[nla(id = 2)]
    pub value: Option<u64>,
}

/// A key alone.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Entry)]
pub struct Key<'a> {
    pub key: &'a str,
}

/// The test family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "fake_demo", version = 1, mcast_groups("events"))]
pub enum Cmd {
    #[genl(cmd = 1, request = Key<'a>, reply = Entry<'a>, dump)]
    Get,
    #[genl(cmd = 2, request = Entry<'a>, admin_perm)]
    Set,
    #[genl(cmd = 3, request = Key<'a>, reply = Entry<'a>)]
    Slow,
    #[genl(cmd = 4, reply = Entry<'a>, event = "events")]
    Changed,
}

type Store = Arc<Mutex<BTreeMap<String, u64>>>;

/// A key/value family on `kernel`: GET (do and dump), SET (notifies
/// `events`), SLOW (never answered: the test answers it).
fn serve(kernel: &FakeKernel, store: Store) -> u16 {
    let k = kernel.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let mut s = store.lock().unwrap();
        match req.genl.cmd {
            1 if req.is_dump() => Response::Messages(
                s.iter()
                    .map(|(key, v)| {
                        Entry {
                            key,
                            value: Some(*v),
                        }
                        .encode_to_vec()
                        .unwrap()
                    })
                    .collect(),
            ),
            1 => {
                let key: Key<'_> = req.decode().unwrap();
                match s.get(key.key) {
                    Some(v) => Response::reply(&Entry {
                        key: key.key,
                        value: Some(*v),
                    }),
                    None => Response::Error(FakeError {
                        errno: libc::ENOENT,
                        message: Some("no such key".into()),
                        // The key attribute: after nlmsghdr and genlmsghdr.
                        offset: Some(20),
                        missing_type: None,
                    }),
                }
            }
            2 => {
                let e: Entry<'_> = req.decode().unwrap();
                s.insert(e.key.to_owned(), e.value.unwrap_or(0));
                let k = k.clone();
                let attrs = e.encode_to_vec().unwrap();
                drop(s);
                k.multicast("fake_demo", "events", 4, &attrs);
                Response::ack()
            }
            _ => Response::Silence,
        }
    })
}

fn setup() -> (FakeKernel, Store) {
    let kernel = FakeKernel::new();
    let store: Store = Default::default();
    serve(&kernel, store.clone());
    (kernel, store)
}

fn put(store: &Store, k: &str, v: u64) {
    store.lock().unwrap().insert(k.into(), v);
}

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
fn a_dump_returns_every_item() {
    let (kernel, store) = setup();
    for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
        put(&store, k, v);
    }
    let mut conn = kernel.connection();
    let got = conn
        .dump(cmd::Get, &())
        .unwrap()
        .map(|e| (e.key.to_owned(), e.value))
        .unwrap();
    assert_eq!(
        got,
        [
            ("a".to_owned(), Some(1)),
            ("b".to_owned(), Some(2)),
            ("c".to_owned(), Some(3))
        ]
    );
    // The owned variant is an Iterator.
    let n = conn
        .dump(cmd::Get, &())
        .unwrap()
        .owned()
        .map(|i| i.unwrap().get().unwrap().value.unwrap())
        .sum::<u64>();
    assert_eq!(n, 6);
}

/// A dump whose items are `n` entries, each in its own datagram, then
/// `last` (a datagram).
fn dump_of(kernel: &FakeKernel, n: usize, flags: u16, last: fn(u32, u32) -> Vec<u8>) {
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let mut d: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let attrs = Entry {
                    key: "k",
                    value: Some(i as u64),
                }
                .encode_to_vec()
                .unwrap();
                build::genl(
                    0x20,
                    NLM_F_MULTI | flags,
                    req.seq,
                    req.port,
                    req.genl,
                    &attrs,
                )
            })
            .collect();
        d.push(last(req.seq, req.port));
        Response::Datagrams(d)
    });
}

#[test]
fn done_with_an_error_ends_the_dump_with_it() {
    let kernel = FakeKernel::new();
    dump_of(&kernel, 2, 0, |seq, port| {
        build::done(
            seq,
            port,
            -libc::EMSGSIZE,
            Some(&FakeError {
                errno: libc::EMSGSIZE,
                message: Some("too big".into()),
                ..FakeError::default()
            }),
        )
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(d.next().unwrap().is_some());
    match d.next() {
        Err(Error::Kernel(k)) => {
            assert_eq!(k.errno, libc::EMSGSIZE);
            assert_eq!(k.message.as_deref(), Some("too big"));
        }
        other => panic!("{other:?}"),
    }
    assert!(d.next().unwrap().is_none(), "ended");
}

#[test]
fn an_error_in_the_middle_of_a_dump_ends_it() {
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |req| {
        let item = Entry {
            key: "k",
            value: Some(1),
        }
        .encode_to_vec()
        .unwrap();
        Response::Datagrams(vec![
            build::genl(0x20, NLM_F_MULTI, req.seq, req.port, req.genl, &item),
            build::error(req.message, req.port, -libc::ENOMEM, None),
        ])
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(matches!(d.next(), Err(Error::Kernel(k)) if k.errno == libc::ENOMEM));
}

#[test]
fn an_interrupted_dump_is_reported_at_its_end() {
    let kernel = FakeKernel::new();
    dump_of(&kernel, 2, NLM_F_DUMP_INTR, |seq, port| {
        build::done(seq, port, 0, None)
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(d.next().unwrap().is_some());
    assert!(matches!(d.next(), Err(Error::DumpInterrupted)));
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

/// Reloads the family: unregistered, registered again under a new id.
fn reload(kernel: &FakeKernel, store: &Store) -> (u16, u16) {
    let old = kernel.family_id("fake_demo").unwrap();
    kernel.remove_family("fake_demo");
    let new = serve(kernel, store.clone());
    assert_ne!(old, new);
    (old, new)
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
    let k = kernel.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        k.remove_family("fake_demo");
    });
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

#[test]
fn events_reach_the_subscriber_typed() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    let fam = conn.resolve("fake_demo").unwrap().clone();
    let mut sub = Subscription::with_transport(kernel.socket(), fam, "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(5)));
    conn.request(
        cmd::Set,
        &Entry {
            key: "w",
            value: Some(3),
        },
    )
    .unwrap();
    let ev = sub.next_event().unwrap();
    let e = ev.event(cmd::Changed).expect("a CHANGED").unwrap();
    assert_eq!((e.key, e.value), ("w", Some(3)));
}

#[test]
fn a_subscription_survives_an_overflow_and_ends_with_its_family() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    let fam = conn.resolve("fake_demo").unwrap().clone();
    let sock = kernel.socket();
    let port = crate::Transport::port_id(&sock);
    let mut sub = Subscription::with_transport(sock, fam, "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(5)));
    kernel.overflow(port);
    assert!(matches!(sub.next_event(), Err(Error::EventsLost)));
    conn.request(
        cmd::Set,
        &Entry {
            key: "after",
            value: None,
        },
    )
    .unwrap();
    assert!(sub.next_event().is_ok(), "keeps working");
    kernel.remove_family("fake_demo");
    assert!(matches!(sub.next_event(), Err(Error::FamilyNotFound(_))));
}

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
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" })
            .unwrap()
            .get()
            .unwrap()
            .value,
        Some(5)
    );
    reload(&kernel, &store);
    assert_eq!(
        conn.query(cmd::Get, &Key { key: "a" })
            .unwrap()
            .get()
            .unwrap()
            .value,
        Some(5)
    );
    let k = kernel.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        k.remove_family("fake_demo");
    });
    let start = Instant::now();
    let r = conn.query(cmd::Slow, &Key { key: "a" });
    t.join().unwrap();
    assert!(matches!(r, Err(Error::FamilyNotFound(_))), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
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

/// A family whose SET refuses keys starting with "bad" (with an extack
/// message pointing at the key) and records every request's flags.
fn batch_family() -> (FakeKernel, Store, Arc<Mutex<Vec<u16>>>) {
    let kernel = FakeKernel::new();
    let store: Store = Default::default();
    let flags = Arc::new(Mutex::new(Vec::new()));
    let (s, f) = (store.clone(), flags.clone());
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        f.lock().unwrap().push(req.flags);
        let e: Entry<'_> = req.decode().unwrap();
        if e.key.starts_with("bad") {
            return Response::Error(FakeError {
                errno: libc::EINVAL,
                message: Some("bad key".into()),
                offset: Some(20),
                missing_type: None,
            });
        }
        s.lock()
            .unwrap()
            .insert(e.key.to_owned(), e.value.unwrap_or(0));
        Response::ack()
    });
    (kernel, store, flags)
}

#[test]
fn a_batch_reports_each_requests_own_outcome() {
    let (kernel, store, flags) = batch_family();
    let mut conn = kernel.connection();
    let keys: Vec<String> = (0..300)
        .map(|i| {
            if i % 50 == 7 {
                format!("bad{i}")
            } else {
                format!("k{i}")
            }
        })
        .collect();
    let mut batch = conn.batch();
    for (i, k) in keys.iter().enumerate() {
        let e = Entry {
            key: k,
            value: Some(i as u64),
        };
        assert_eq!(batch.request(cmd::Set, &e).unwrap(), i);
    }
    let outcomes = batch.send().unwrap();
    assert_eq!(outcomes.len(), keys.len());
    for (k, o) in keys.iter().zip(&outcomes) {
        match o {
            Ok(()) => assert!(!k.starts_with("bad"), "{k}"),
            Err(Error::Kernel(e)) => {
                assert!(k.starts_with("bad"), "{k}: {e}");
                assert_eq!(
                    (e.errno, e.message.as_deref()),
                    (libc::EINVAL, Some("bad key"))
                );
                assert_eq!(
                    e.path.as_deref(),
                    Some("Entry.key"),
                    "the path of its own request"
                );
            }
            Err(e) => panic!("{k}: {e}"),
        }
    }
    // Every good request was applied, the bad ones alone were refused.
    let s = store.lock().unwrap();
    assert_eq!(s.len(), 294);
    assert_eq!(s["k299"], 299);
    // 300 requests in rounds of at most 128: only each round's last asks
    // for an ACK.
    let f = flags.lock().unwrap();
    assert_eq!(f.len(), 300);
    let acked: Vec<usize> = (0..300)
        .filter(|i| f[*i] & crate::message::NLM_F_ACK != 0)
        .collect();
    assert_eq!(acked, [127, 255, 299]);
}

#[test]
fn a_batch_whose_answers_overflow_the_socket_says_which_are_unknown() {
    let (kernel, _, _) = batch_family();
    let mut conn = kernel.connection();
    let port = conn.port_id();
    let mut batch = conn.batch();
    for k in ["a", "bad", "c"] {
        batch
            .request(
                cmd::Set,
                &Entry {
                    key: k,
                    value: None,
                },
            )
            .unwrap();
    }
    // The socket overflows before the answers are read: the kernel's
    // error for "bad" and the final ACK are queued behind the overflow,
    // but the round cannot know what was dropped.
    kernel.overflow(port);
    let outcomes = batch.send().unwrap();
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes.iter().all(|o| matches!(o, Err(Error::EventsLost))),
        "{outcomes:?}"
    );
}

#[test]
fn an_empty_batch_sends_nothing() {
    let (kernel, _, _) = batch_family();
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    let before = kernel.requests();
    assert!(conn.batch().send().unwrap().is_empty());
    assert_eq!(kernel.requests(), before);
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

/// `request_by_id_with_flags` and `dump_by_id_with_flags` put the extra
/// flags on that one request (as `genl ynl --create` needs) and on no later
/// one; the request still goes through the exchange (its ACK is matched).
#[test]
fn extra_request_flags_go_on_that_request_only() {
    use crate::message::{AttrBuf, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST};
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
    let create = NLM_F_CREATE | NLM_F_EXCL;
    conn.request_by_id_with_flags(id, genl, create, &none, None)
        .unwrap();
    conn.request_by_id(id, genl, &none, None).unwrap();
    let mut d = conn
        .dump_by_id_with_flags(id, genl, NLM_F_CREATE, &none, None)
        .unwrap();
    while d.next().unwrap().is_some() {}
    drop(d);
    let mut d = conn.dump_by_id(id, genl, &none, None).unwrap();
    while d.next().unwrap().is_some() {}
    drop(d);
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
            0x1 | 0x300
        ]
    );
}
