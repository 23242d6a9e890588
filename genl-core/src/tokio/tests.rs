//! The tokio connections on the fake kernel: the reload, unload, overflow
//! and timeout paths the blocking clients' tests cover
//! (`connection/tests.rs`, `sync/tests.rs`), and many tasks on one shared
//! connection, each getting its own reply.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::message::GenlHeader;
use crate::testing::fixture::*;
use crate::testing::{build, FakeKernel, FakeSocket, Response};
use crate::tokio::{AsyncConnection, AsyncSharedConnection, AsyncTransport};
use crate::{Encode, Error};

/// A current-thread runtime, as the tests' caller.
fn runtime() -> ::tokio::runtime::Runtime {
    ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The value of key `a`, through `conn`.
async fn get_a(conn: &mut AsyncConnection<impl AsyncTransport>) -> Option<u64> {
    let reply = conn.query(cmd::Get, &Key { key: "a" }).await.unwrap();
    reply.get().unwrap().value
}

/// [`get_a`] through a shared connection.
async fn shared_get_a(conn: &AsyncSharedConnection<impl AsyncTransport>) -> Option<u64> {
    let reply = conn.query(cmd::Get, &Key { key: "a" }).await.unwrap();
    reply.get().unwrap().value
}

#[test]
fn a_request_after_a_module_reload_goes_to_the_new_id() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        assert_eq!(get_a(&mut conn).await, Some(1));
        let (_, new) = reload(&kernel, &store);
        // The controller's notifications told the cache: one request, at
        // the new id straight away.
        let before = kernel.requests();
        assert_eq!(get_a(&mut conn).await, Some(1));
        assert_eq!(kernel.requests() - before, 2, "GETFAMILY and the request");
        assert_eq!(conn.resolve("fake_demo").await.unwrap().id, new);

        let shared = kernel.async_shared_connection();
        assert_eq!(shared_get_a(&shared).await, Some(1));
        let (_, new) = reload(&kernel, &store);
        assert_eq!(shared_get_a(&shared).await, Some(1));
        assert_eq!(shared.resolve("fake_demo").await.unwrap().id, new);
    });
}

/// A fake socket that cannot join groups (so misses the controller).
#[derive(Debug)]
struct Unwatched(FakeSocket);

impl AsyncTransport for Unwatched {
    fn port_id(&self) -> u32 {
        AsyncTransport::port_id(&self.0)
    }
    fn send(&self, d: &[u8]) -> crate::Result<()> {
        AsyncTransport::send(&self.0, d)
    }
    fn poll_recv(&self, cx: &mut Context<'_>, b: &mut Vec<u8>) -> Poll<crate::Result<()>> {
        self.0.poll_recv(cx, b)
    }
    fn try_recv(&self, b: &mut Vec<u8>) -> crate::Result<bool> {
        AsyncTransport::try_recv(&self.0, b)
    }
    fn join_group(&self, _: u32) -> crate::Result<()> {
        Err(Error::InvalidArgument("no groups here".into()))
    }
}

#[test]
fn a_stale_id_is_retried_once_at_the_new_one() {
    let (kernel, store) = setup();
    put(&store, "a", 1);
    runtime().block_on(async {
        // Connections that miss the notifications: only the kernel's
        // ENOENT for the stale id tells them.
        let mut conn = AsyncConnection::with_transport(Unwatched(kernel.socket())).unwrap();
        let shared = AsyncSharedConnection::with_transport(Unwatched(kernel.socket())).unwrap();
        assert_eq!(get_a(&mut conn).await, Some(1));
        assert_eq!(shared_get_a(&shared).await, Some(1));
        reload(&kernel, &store);
        let before = kernel.requests();
        assert_eq!(get_a(&mut conn).await, Some(1));
        // The stale request, GETFAMILY, the resent request.
        assert_eq!(kernel.requests() - before, 3);
        let before = kernel.requests();
        assert_eq!(shared_get_a(&shared).await, Some(1));
        assert_eq!(kernel.requests() - before, 3);
        // The same for a dump.
        reload(&kernel, &store);
        assert_eq!(conn.dump(cmd::Get, &()).await.unwrap().len(), 1);
        assert_eq!(shared.dump(cmd::Get, &()).await.unwrap().len(), 1);
    });
}

#[test]
fn an_unknown_family_is_family_not_found() {
    let kernel = FakeKernel::new();
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        let r = conn.query(cmd::Get, &Key { key: "a" }).await;
        assert!(
            matches!(r, Err(Error::FamilyNotFound(ref n)) if n == "fake_demo"),
            "{r:?}"
        );
        let shared = kernel.async_shared_connection();
        let r = shared.query(cmd::Get, &Key { key: "a" }).await;
        assert!(
            matches!(r, Err(Error::FamilyNotFound(ref n)) if n == "fake_demo"),
            "{r:?}"
        );
    });
}

/// Awaits `request` (a SLOW, never answered, on a 30 s timeout) while the
/// family is unloaded 100 ms in: it ends with `FamilyNotFound`, well
/// before its timeout.
async fn fails_when_unloaded<R: std::fmt::Debug>(
    kernel: &FakeKernel,
    request: impl std::future::Future<Output = crate::Result<R>>,
) {
    let t = unload_soon(kernel);
    let start = Instant::now();
    let r = request.await;
    t.join().unwrap();
    assert!(
        matches!(r, Err(Error::FamilyNotFound(ref n)) if n == "fake_demo"),
        "{r:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5), "not the timeout");
}

#[test]
fn a_request_pending_on_a_family_that_goes_away_fails_at_once() {
    let (kernel, store) = setup();
    let slow = Key { key: "a" };
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        conn.set_timeout(Some(Duration::from_secs(30)));
        conn.resolve("fake_demo").await.unwrap();
        fails_when_unloaded(&kernel, conn.query(cmd::Slow, &slow)).await;

        serve(&kernel, store.clone());
        let shared = kernel.async_shared_connection();
        shared.set_timeout(Some(Duration::from_secs(30)));
        shared.resolve("fake_demo").await.unwrap();
        fails_when_unloaded(&kernel, shared.query(cmd::Slow, &slow)).await;
    });
}

/// Makes the socket with port `port` overflow 100 ms from now (while
/// requests wait on it).
fn overflow_soon(kernel: &FakeKernel, port: u32) -> std::thread::JoinHandle<()> {
    let k = kernel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        k.overflow(port);
    })
}

#[test]
fn an_overflow_fails_the_waiting_request_and_the_connection_goes_on() {
    let (kernel, store) = setup();
    put(&store, "a", 3);
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        conn.set_timeout(Some(Duration::from_secs(30)));
        conn.resolve("fake_demo").await.unwrap();
        let t = overflow_soon(&kernel, conn.port_id());
        let start = Instant::now();
        let r = conn.query(cmd::Slow, &Key { key: "a" }).await;
        t.join().unwrap();
        assert!(matches!(r, Err(Error::EventsLost)), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(5), "not the timeout");
        // The cache was dropped (notifications may be lost): resolved anew.
        let before = kernel.requests();
        assert_eq!(get_a(&mut conn).await, Some(3));
        assert_eq!(kernel.requests() - before, 2, "GETFAMILY and the request");
    });
}

#[test]
fn an_overflow_fails_every_waiting_task_of_a_shared_connection() {
    let (kernel, store) = setup();
    put(&store, "a", 3);
    let rt = runtime();
    rt.block_on(async {
        let conn = kernel.async_shared_connection();
        conn.set_timeout(Some(Duration::from_secs(30)));
        conn.resolve("fake_demo").await.unwrap();
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let conn = conn.clone();
                ::tokio::spawn(async move {
                    let r = conn.query(cmd::Slow, &Key { key: "a" }).await;
                    r.map(drop)
                })
            })
            .collect();
        let t = overflow_soon(&kernel, conn.port_id());
        let start = Instant::now();
        for w in waiting {
            let r = w.await.unwrap();
            assert!(matches!(r, Err(Error::EventsLost)), "{r:?}");
        }
        t.join().unwrap();
        assert!(start.elapsed() < Duration::from_secs(5), "not the timeout");
        assert_eq!(shared_get_a(&conn).await, Some(3));
    });
}

#[test]
fn no_answer_is_a_timeout() {
    let (kernel, store) = setup();
    put(&store, "a", 4);
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        conn.set_timeout(Some(Duration::from_millis(50)));
        let r = conn.query(cmd::Slow, &Key { key: "a" }).await;
        assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
        // The next request is not confused by the one that gave up.
        assert_eq!(get_a(&mut conn).await, Some(4));

        let shared = kernel.async_shared_connection();
        shared.set_timeout(Some(Duration::from_millis(50)));
        let r = shared.query(cmd::Slow, &Key { key: "a" }).await;
        assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
        assert_eq!(shared_get_a(&shared).await, Some(4));
    });
}

/// The timeout bounds the whole request, not each datagram: messages that
/// are not the request's answer (another sequence number's, every 50 ms)
/// do not keep it waiting past its timeout.
#[test]
fn the_timeout_bounds_the_request_not_each_datagram() {
    let (kernel, _) = setup();
    let family = kernel.family_id("fake_demo").unwrap();
    let rt = runtime();
    let _in_runtime = rt.enter();
    let mut conn = kernel.async_connection();
    conn.set_timeout(Some(Duration::from_millis(300)));
    let shared = kernel.async_shared_connection();
    shared.set_timeout(Some(Duration::from_millis(300)));
    let stop = Arc::new(Mutex::new(false));
    let feeder = |port: u32| {
        let (k, stopped) = (kernel.clone(), stop.clone());
        let genl = GenlHeader { cmd: 1, version: 1 };
        // A reply to a sequence number no request of this test has.
        let stale = build::genl(family, 0, 7, port, genl, &[]);
        std::thread::spawn(move || {
            for _ in 0..60 {
                if *stopped.lock().unwrap() {
                    break;
                }
                k.deliver(port, stale.clone());
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let feeders = [feeder(conn.port_id()), feeder(shared.port_id())];
    rt.block_on(async {
        let start = Instant::now();
        let r = conn.query(cmd::Slow, &Key { key: "a" }).await;
        assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
        let r2 = shared.query(cmd::Slow, &Key { key: "a" }).await;
        assert!(matches!(r2, Err(Error::Timeout)), "{r2:?}");
        let took = start.elapsed();
        assert!(took < Duration::from_millis(2000), "took {took:?}");
    });
    *stop.lock().unwrap() = true;
    for f in feeders {
        f.join().unwrap();
    }
}

#[test]
fn tasks_sharing_a_connection_each_get_their_own_reply() {
    let (kernel, store) = setup();
    for i in 0..16 {
        put(&store, &format!("k{i}"), i * 10);
    }
    runtime().block_on(async {
        let conn = kernel.async_shared_connection();
        let tasks: Vec<_> = (0..4u64)
            .map(|t| {
                let conn = conn.clone();
                ::tokio::spawn(async move {
                    for i in 0..100u64 {
                        let k = format!("k{}", (t + i) % 16);
                        let r = conn.query(cmd::Get, &Key { key: &k }).await.unwrap();
                        let e = r.get().unwrap();
                        assert_eq!(e.key, k);
                        assert_eq!(e.value, Some((t + i) % 16 * 10));
                        ::tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(conn.dump(cmd::Get, &()).await.unwrap().len(), 16);
    });
}

/// A family that holds every GET until `n` have come, then answers them
/// all at once in one datagram, last asked first: each key's value is its
/// number times 10 (`k7`: 70).
fn serve_held(kernel: &FakeKernel, n: usize) {
    let held: Arc<Mutex<Vec<(u32, u32, String)>>> = Default::default();
    let k = kernel.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let key: Key<'_> = req.decode().unwrap();
        let mut held = held.lock().unwrap();
        held.push((req.seq, req.port, key.key.to_owned()));
        if held.len() < n {
            return Response::Silence;
        }
        let id = k.family_id("fake_demo").unwrap();
        let genl = GenlHeader { cmd: 1, version: 1 };
        let mut datagram = Vec::new();
        for (seq, port, key) in held.drain(..).rev() {
            let value = key[1..].parse::<u64>().unwrap() * 10;
            let e = Entry {
                key: &key,
                value: Some(value),
            };
            let attrs = e.encode_to_vec().unwrap();
            datagram.extend(build::genl(id, 0, seq, port, genl, &attrs));
        }
        Response::Datagrams(vec![datagram])
    });
}

#[test]
fn replies_that_come_together_out_of_order_reach_their_tasks() {
    let kernel = FakeKernel::new();
    serve_held(&kernel, 5);
    runtime().block_on(async {
        let conn = kernel.async_shared_connection();
        conn.resolve("fake_demo").await.unwrap();
        let tasks: Vec<_> = (0..5u64)
            .map(|i| {
                let conn = conn.clone();
                ::tokio::spawn(async move {
                    let k = format!("k{i}");
                    let r = conn.query(cmd::Get, &Key { key: &k }).await.unwrap();
                    let e = r.get().unwrap();
                    (e.key.to_owned(), e.value)
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), (format!("k{i}"), Some(i as u64 * 10)));
        }
    });
}

#[test]
fn tasks_on_several_threads_sharing_a_connection_each_get_their_own_reply() {
    let (kernel, store) = setup();
    for i in 0..16 {
        put(&store, &format!("k{i}"), i * 10);
    }
    let conn = kernel.async_shared_connection();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let conn = conn.clone();
            // Each thread its own runtime: the tasks really run at once.
            s.spawn(move || {
                runtime().block_on(async {
                    for i in 0..200u64 {
                        let k = format!("k{}", (t + i) % 16);
                        let r = conn.query(cmd::Get, &Key { key: &k }).await.unwrap();
                        let e = r.get().unwrap();
                        assert_eq!((e.key, e.value), (k.as_str(), Some((t + i) % 16 * 10)));
                    }
                })
            });
        }
    });
}

/// The task reading the socket gives up (its timeout) while another
/// waits for it: the other reads on, and gets its reply when it comes.
#[test]
fn a_waiting_task_reads_on_when_the_reading_task_gives_up() {
    let kernel = FakeKernel::new();
    let k = kernel.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        if req.genl.cmd != 1 {
            return Response::Silence;
        }
        // GET is answered 300 ms later, from another thread.
        let (k, seq, port, genl) = (k.clone(), req.seq, req.port, req.genl);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let id = k.family_id("fake_demo").unwrap();
            let attrs = Entry {
                key: "late",
                value: Some(8),
            }
            .encode_to_vec()
            .unwrap();
            k.deliver(port, build::genl(id, 0, seq, port, genl, &attrs));
        });
        Response::Silence
    });
    runtime().block_on(async {
        let conn = kernel.async_shared_connection();
        conn.set_timeout(Some(Duration::from_secs(30)));
        conn.resolve("fake_demo").await.unwrap();
        // SLOW, never answered, gives up after 100 ms; it asks first, so
        // it is the one reading.
        let slow = {
            let conn = conn.clone();
            ::tokio::spawn(async move {
                let r = ::tokio::time::timeout(
                    Duration::from_millis(100),
                    conn.query(cmd::Slow, &Key { key: "a" }),
                )
                .await;
                r.is_err()
            })
        };
        ::tokio::task::yield_now().await;
        let start = Instant::now();
        let r = conn.query(cmd::Get, &Key { key: "late" }).await.unwrap();
        assert!(slow.await.unwrap(), "SLOW timed out");
        let e = r.get().unwrap();
        assert_eq!((e.key, e.value), ("late", Some(8)));
        assert!(start.elapsed() < Duration::from_secs(5), "not the timeout");
    });
}

/// A family answering every GET of key `k<n>` with value `n * 10` and the
/// ACK together in one datagram, or, with `notification_first`, the reply
/// after a controller notification of another family in one datagram.
fn serve_together(kernel: &FakeKernel, notification_first: bool) {
    let k = kernel.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let key: Key<'_> = req.decode().unwrap();
        let value = key.key[1..].parse::<u64>().unwrap() * 10;
        let id = k.family_id("fake_demo").unwrap();
        let genl = GenlHeader { cmd: 1, version: 1 };
        let e = Entry {
            key: key.key,
            value: Some(value),
        };
        let reply = build::genl(id, 0, req.seq, req.port, genl, &e.encode_to_vec().unwrap());
        let mut datagram = Vec::new();
        if notification_first {
            // CTRL_CMD_NEWFAMILY (1) of an unrelated family, seq 0, port 0.
            let info = crate::controller::FamilyInfo {
                family_id: 0x30,
                family_name: "other",
                version: 1,
                hdrsize: 0,
                maxattr: 0,
                ops: crate::CheckedMulti::new(&[]),
                mcast_groups: crate::CheckedMulti::new(&[]),
            };
            datagram.extend(build::genl(
                crate::controller::GENL_ID_CTRL,
                0,
                0,
                0,
                GenlHeader { cmd: 1, version: 2 },
                &info.encode_to_vec().unwrap(),
            ));
        }
        datagram.extend(reply);
        if req.flags & crate::nlmsg::NLM_F_ACK != 0 {
            datagram.extend(build::error(req.message, req.port, 0, None));
        }
        Response::Datagrams(vec![datagram])
    });
}

/// Asks `conn` for keys `k1` to `k3` and checks each value ([`serve_together`]).
async fn get_three(conn: &mut AsyncConnection<impl AsyncTransport>) {
    for i in 1..4u64 {
        let k = format!("k{i}");
        let r = conn.query(cmd::Get, &Key { key: &k }).await.unwrap();
        assert_eq!(r.get().unwrap().value, Some(i * 10), "{k}");
    }
}

#[test]
fn a_reply_and_its_ack_in_one_datagram_are_one_answer() {
    let kernel = FakeKernel::new();
    serve_together(&kernel, false);
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        conn.set_ack_queries(true);
        get_three(&mut conn).await;
        conn.set_ack_queries(false);
        let r = conn.query(cmd::Get, &Key { key: "k9" }).await.unwrap();
        assert_eq!(r.get().unwrap().value, Some(90));
    });
}

#[test]
fn a_reply_after_a_notification_in_its_datagram_is_found() {
    let kernel = FakeKernel::new();
    serve_together(&kernel, true);
    runtime().block_on(async {
        let mut conn = kernel.async_connection();
        get_three(&mut conn).await;
    });
}

/// The kernel's socket joins the reactor only to wait: read outside any
/// runtime, an empty socket answers an error, not tokio's panic, and a
/// queued datagram is read without the reactor.
#[test]
fn the_socket_waits_through_the_reactor_only_inside_a_runtime() {
    use crate::tokio::TokioSocket;
    let s = TokioSocket::open().expect("a NETLINK_GENERIC socket");
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut buf = Vec::new();
    match s.poll_recv(&mut cx, &mut buf) {
        Poll::Ready(Err(Error::Io(e))) => assert!(e.to_string().contains("runtime"), "{e}"),
        other => panic!("outside a runtime: {other:?}"),
    }
    // A GETFAMILY of nlctrl: the kernel queues its reply before `send`
    // returns, and it is read with no runtime at all.
    let req = crate::controller::GetFamily::by_name("nlctrl");
    let mut tx = Vec::new();
    crate::message::build_message(
        &mut tx,
        crate::controller::GENL_ID_CTRL,
        crate::nlmsg::NLM_F_REQUEST,
        1,
        GenlHeader { cmd: 3, version: 2 },
        &req,
    )
    .unwrap();
    s.send(&tx).unwrap();
    assert!(matches!(
        s.poll_recv(&mut cx, &mut buf),
        Poll::Ready(Ok(()))
    ));
    let view = crate::message::GenlView::from_bytes(&buf).unwrap();
    assert_eq!(view.header.message_type, crate::controller::GENL_ID_CTRL);
}
