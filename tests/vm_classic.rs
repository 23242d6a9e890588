//! End-to-end suite of classic netlink against the `netlink_test` kernel
//! module (`kmod-c/netlink_test.c`, protocol 25 as `NETLINK_TEST`), run
//! inside Debian's 6.1 and 6.12 kernels by `cargo xtask vm test`: unicast
//! echo, deferred replies from a workqueue, multicast, errors with extended
//! ACKs, user ↔ user unicast and per-namespace kernel sockets, all through
//! [`ClassicConnection`].
//!
//! On the host these tests are `#[ignore]`d (the module cannot be loaded
//! there); the VM harness runs them with `--include-ignored`. Should one run
//! outside the VM anyway, it fails rather than pass without testing.

use std::time::{Duration, Instant};

use genl_core::classic::{ClassicConnection, Datagram};
use genl_core::extack::ErrorView;
use genl_core::message::{NlMessage, NLMSG_HDRLEN};
use genl_core::message::{NLM_F_ACK, NLM_F_REQUEST};
use genl_core::{Error, KernelError};

/// The module's protocol number (`NETLINK_TEST`, its default).
const NETLINK_TEST: isize = 25;
const NLTEST_MSG_ECHO: u16 = 0x10;
const NLTEST_MSG_DEFERRED: u16 = 0x11;
const NLTEST_MSG_MCAST: u16 = 0x12;
const NLTEST_MSG_INFO: u16 = 0x13;
const NLTEST_GRP_EVENTS: u32 = 1;
const NLTEST_PAYLOAD_MAX: usize = 4096;
const NLTEST_DEFERRED_MAX_DELAY_MS: u32 = 10_000;
/// `sizeof(struct nltest_info)`.
const NLTEST_INFO_LEN: usize = 24;
const NLMSG_ERROR: u16 = 2;
/// How long to wait for a message that must not come.
const QUIET: Duration = Duration::from_millis(300);

fn in_vm() -> bool {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
    true
}

fn conn() -> ClassicConnection {
    ClassicConnection::new(NETLINK_TEST)
        .expect("a socket on NETLINK_TEST (is netlink_test loaded?)")
}

/// Runs `f` on a thread of its own inside a fresh network namespace.
fn in_new_netns<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: affects only this thread.
            let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "unshare: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap()
    })
}

/// The cookie of the calling thread's network namespace (`SO_NETNS_COOKIE`).
fn netns_cookie() -> u64 {
    // SAFETY: plain socket calls on a descriptor this function owns; the
    // option value is a u64 of the size passed.
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let mut cookie = 0u64;
        let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
        let r = libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_NETNS_COOKIE,
            (&mut cookie as *mut u64).cast(),
            &mut len,
        );
        let e = std::io::Error::last_os_error();
        libc::close(fd);
        assert_eq!(r, 0, "SO_NETNS_COOKIE: {e}");
        cookie
    }
}

/// The cookie netlink_test reports for the calling thread's namespace:
/// `SO_NETNS_COOKIE`'s where the kernel gives each namespace one when it
/// makes it (`NET_COOKIE_U64` in the module build's
/// genl_compat_features.h: Linux 5.12); else 0, as the kernel makes the
/// cookie on first use, which nothing in the guest asks for (and 5.10 has
/// no `SO_NETNS_COOKIE`).
/// The cookie the module must report for the caller's namespace: the
/// namespace's `SO_NETNS_COOKIE` where the kernel has 64-bit cookies; else
/// `None`: before 5.12 the kernel makes a cookie on first use, and user
/// space cannot read it (no `SO_NETNS_COOKIE` before 5.14).
fn module_cookie(cookies: bool) -> Option<u64> {
    cookies.then(netns_cookie)
}

/// The one message of `d`.
fn only_message<'a>(d: &Datagram<'a>) -> NlMessage<'a> {
    let mut it = d.messages();
    let m = it
        .next()
        .expect("a message")
        .expect("a well-formed message");
    assert!(it.next().is_none(), "one message per datagram");
    m
}

/// The `NLMSG_ERROR` in `d`: its code, echoed request header and extack.
fn error_of<'a>(d: &Datagram<'a>) -> ErrorView<'a> {
    let m = only_message(d);
    assert_eq!(m.header.message_type, NLMSG_ERROR, "{m:?}");
    ErrorView::parse(m.header.flags, m.payload).expect("an NLMSG_ERROR payload")
}

/// Asserts that `conn` receives nothing for a while.
fn assert_quiet(conn: &mut ClassicConnection, what: &str) {
    conn.set_timeout(Some(QUIET));
    match conn.recv() {
        Err(Error::Timeout) => {}
        Ok(d) => panic!("{what}: got {:?}", only_message(&d)),
        Err(e) => panic!("{what}: {e}"),
    }
    conn.set_timeout(Some(Duration::from_secs(10)));
}

fn deferred_payload(id: u32, delay_ms: u32) -> [u8; 8] {
    let mut p = [0u8; 8];
    p[..4].copy_from_slice(&id.to_ne_bytes());
    p[4..].copy_from_slice(&delay_ms.to_ne_bytes());
    p
}

/// `struct nltest_info`: (netns cookie, requests, pending, protocol).
fn info(conn: &mut ClassicConnection) -> (u64, u32, u32, u32) {
    let seq = conn
        .send(0, 0, NLTEST_MSG_INFO, NLM_F_REQUEST, &[])
        .unwrap();
    let d = conn.recv().unwrap();
    assert_eq!(d.sender, 0);
    let m = only_message(&d);
    assert_eq!(m.header.message_type, NLTEST_MSG_INFO, "{m:?}");
    assert_eq!(m.header.sequence_number, seq);
    let p = m.payload;
    assert_eq!(p.len(), NLTEST_INFO_LEN);
    let u32_at = |i: usize| u32::from_ne_bytes(p[i..i + 4].try_into().unwrap());
    (
        u64::from_ne_bytes(p[..8].try_into().unwrap()),
        u32_at(8),
        u32_at(12),
        u32_at(16),
    )
}

/// Sends `payload` as `ty` and returns the kernel's error for it.
fn request_error(conn: &mut ClassicConnection, ty: u16, payload: &[u8]) -> KernelError {
    let seq = conn.send(0, 0, ty, NLM_F_REQUEST, payload).unwrap();
    let d = conn.recv().unwrap();
    assert_eq!(d.sender, 0);
    let e = error_of(&d);
    assert_eq!(
        e.request.sequence_number, seq,
        "the error answers the request"
    );
    assert_eq!(e.request.message_type, ty);
    e.to_kernel_error().expect("an error, not an ACK")
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn echo_returns_the_bytes_from_port_0_with_the_sequence_number() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    let big: Vec<u8> = (0..NLTEST_PAYLOAD_MAX)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    // Lengths not a multiple of 4 show that nothing is padded on.
    for payload in [
        &b""[..],
        b"a",
        b"hello",
        b"hello kernel!",
        &[0u8, 255, 0, 1, 2],
        big.as_slice(),
    ] {
        let seq = c
            .send(0, 0, NLTEST_MSG_ECHO, NLM_F_REQUEST, payload)
            .unwrap();
        let port = c.port_id();
        let d = c.recv().unwrap();
        assert_eq!(d.sender, 0, "the kernel's port");
        let m = only_message(&d);
        assert_eq!(m.header.message_type, NLTEST_MSG_ECHO);
        assert_eq!(m.header.sequence_number, seq);
        assert_eq!(m.header.port_number, port);
        assert_eq!(m.header.length as usize, NLMSG_HDRLEN + payload.len());
        assert_eq!(m.payload, payload, "bytes identical");
    }
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn echo_with_ack_gets_the_reply_then_the_ack() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    let seq = c
        .send(0, 0, NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, b"ack me")
        .unwrap();
    let d = c.recv().unwrap();
    let m = only_message(&d);
    assert_eq!(
        (m.header.message_type, m.header.sequence_number, m.payload),
        (NLTEST_MSG_ECHO, seq, &b"ack me"[..])
    );
    let d = c.recv().unwrap();
    let ack = error_of(&d);
    assert_eq!(ack.code, 0);
    assert_eq!(ack.request.sequence_number, seq);
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn deferred_replies_arrive_after_their_delay_and_match_their_requests() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    // (id, delay): replies come in order of their delays.
    let reqs = [(1u32, 600u32), (2, 0), (3, 250)];
    let start = Instant::now();
    let mut sent = Vec::new();
    for (id, delay) in reqs {
        let p = deferred_payload(id, delay);
        let seq = c
            .send(0, 0, NLTEST_MSG_DEFERRED, NLM_F_REQUEST, &p)
            .unwrap();
        sent.push((seq, id, delay, p));
    }
    let mut got = Vec::new();
    let port = c.port_id();
    for _ in 0..reqs.len() {
        let d = c.recv().unwrap();
        let at = start.elapsed();
        assert_eq!(d.sender, 0);
        let m = only_message(&d);
        assert_eq!(m.header.message_type, NLTEST_MSG_DEFERRED, "{m:?}");
        assert_eq!(m.header.port_number, port);
        let &(seq, id, delay, p) = sent
            .iter()
            .find(|s| s.0 == m.header.sequence_number)
            .expect("a reply to one of the requests");
        assert_eq!(m.payload, p, "the reply echoes its request");
        assert!(
            at >= Duration::from_millis(delay.into()),
            "id {id} answered after {at:?}, before its delay of {delay} ms"
        );
        got.push((id, seq));
    }
    let ids: Vec<u32> = got.iter().map(|g| g.0).collect();
    assert_eq!(ids, [2, 3, 1], "replies in order of their delays");
    assert_quiet(&mut c, "after the deferred replies");
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn deferred_reply_is_not_sent_before_its_time() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    let p = deferred_payload(42, 1000);
    let seq = c
        .send(0, 0, NLTEST_MSG_DEFERRED, NLM_F_REQUEST | NLM_F_ACK, &p)
        .unwrap();
    // The ACK comes at once; the reply does not.
    let d = c.recv().unwrap();
    let ack = error_of(&d);
    assert_eq!((ack.code, ack.request.sequence_number), (0, seq));
    assert_quiet(&mut c, "a reply before its delay");
    let d = c.recv().unwrap();
    let m = only_message(&d);
    assert_eq!(
        (m.header.message_type, m.header.sequence_number, m.payload),
        (NLTEST_MSG_DEFERRED, seq, &p[..])
    );
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn deferred_reply_to_a_closed_socket_is_dropped() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    c.send(
        0,
        0,
        NLTEST_MSG_DEFERRED,
        NLM_F_REQUEST,
        &deferred_payload(5, 100),
    )
    .unwrap();
    drop(c);
    std::thread::sleep(Duration::from_millis(400));
    // The kernel socket still serves, and nothing is pending.
    let mut c = conn();
    let (_, _, pending, _) = info(&mut c);
    assert_eq!(pending, 0);
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn multicast_reaches_members_only() {
    if !in_vm() {
        return;
    }
    let mut member = conn();
    member.join_group(NLTEST_GRP_EVENTS).unwrap();
    let mut member2 = conn();
    member2.join_group(NLTEST_GRP_EVENTS).unwrap();
    let mut outsider = conn();
    let mut requester = conn();
    let payload = b"to group 1, 21 bytes.";
    let seq = requester
        .send(0, 0, NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, payload)
        .unwrap();
    // The multicast goes out before the ACK.
    let d = requester.recv().unwrap();
    let ack = error_of(&d);
    assert_eq!((ack.code, ack.request.sequence_number), (0, seq));
    for m in [&mut member, &mut member2] {
        let d = m.recv().unwrap();
        assert_eq!(d.sender, 0);
        let msg = only_message(&d);
        assert_eq!(msg.header.message_type, NLTEST_MSG_MCAST);
        assert_eq!(msg.header.sequence_number, seq);
        assert_eq!(msg.header.port_number, requester.port_id());
        assert_eq!(msg.payload, payload);
    }
    assert_quiet(&mut outsider, "a non-member");
    assert_quiet(&mut requester, "the requester (not a member) after its ACK");
    assert_quiet(&mut member, "a member, after the one message");

    // With no member at all the request still succeeds.
    drop((member, member2));
    requester
        .send(0, 0, NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, b"nobody")
        .unwrap();
    let d = requester.recv().unwrap();
    assert_eq!(error_of(&d).code, 0);
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn bad_requests_get_errors_with_extack_messages() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    let cases: [(u16, Vec<u8>, i32, &str); 6] = [
        (
            0x30,
            b"?".to_vec(),
            libc::EOPNOTSUPP,
            "unknown message type",
        ),
        (
            NLTEST_MSG_ECHO,
            vec![0; NLTEST_PAYLOAD_MAX + 1],
            libc::EMSGSIZE,
            "echo payload too long",
        ),
        (
            NLTEST_MSG_MCAST,
            vec![0; NLTEST_PAYLOAD_MAX + 1],
            libc::EMSGSIZE,
            "multicast payload too long",
        ),
        (
            NLTEST_MSG_DEFERRED,
            vec![0; 4],
            libc::EINVAL,
            "payload must be 8 bytes: id, delay_ms",
        ),
        (
            NLTEST_MSG_DEFERRED,
            deferred_payload(1, NLTEST_DEFERRED_MAX_DELAY_MS + 1).to_vec(),
            libc::ERANGE,
            "delay too long",
        ),
        (
            NLTEST_MSG_INFO,
            vec![1],
            libc::EINVAL,
            "info request takes no payload",
        ),
    ];
    for (ty, payload, errno, msg) in cases {
        let e = request_error(&mut c, ty, &payload);
        assert_eq!(e.errno, errno, "type {ty:#x}: {e:?}");
        assert_eq!(
            e.message.as_deref(),
            Some(format!("netlink_test: {msg}").as_str()),
            "type {ty:#x}"
        );
    }
    // A valid request still works after all that.
    let seq = c
        .send(
            0,
            0,
            NLTEST_MSG_DEFERRED,
            NLM_F_REQUEST,
            &deferred_payload(9, 0),
        )
        .unwrap();
    let d = c.recv().unwrap();
    assert_eq!(only_message(&d).header.sequence_number, seq);
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn malformed_and_non_request_messages_are_dropped() {
    if !in_vm() {
        return;
    }
    let mut c = conn();
    // Without NLM_F_REQUEST the kernel does nothing...
    c.send(0, 0, NLTEST_MSG_ECHO, 0, b"not a request").unwrap();
    assert_quiet(&mut c, "a message without NLM_F_REQUEST");
    // ...but ACKs it if asked to.
    let seq = c.send(0, 0, NLTEST_MSG_ECHO, NLM_F_ACK, b"x").unwrap();
    let d = c.recv().unwrap();
    assert_eq!(
        (error_of(&d).code, error_of(&d).request.sequence_number),
        (0, seq)
    );

    // nlmsg_len larger than the datagram, and smaller than a header.
    for len in [64u32, 8] {
        let mut msg = vec![0u8; NLMSG_HDRLEN + 4];
        msg[..4].copy_from_slice(&len.to_ne_bytes());
        msg[4..6].copy_from_slice(&NLTEST_MSG_ECHO.to_ne_bytes());
        msg[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
        c.send_datagram(0, 0, &msg).unwrap();
        assert_quiet(&mut c, "a malformed message");
    }

    // Two requests in one datagram get two replies.
    let mut dgram = Vec::new();
    for (seq, text) in [(77u32, &b"one!"[..]), (78, b"two.")] {
        let len = (NLMSG_HDRLEN + text.len()) as u32;
        dgram.extend_from_slice(&len.to_ne_bytes());
        dgram.extend_from_slice(&NLTEST_MSG_ECHO.to_ne_bytes());
        dgram.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
        dgram.extend_from_slice(&seq.to_ne_bytes());
        dgram.extend_from_slice(&c.port_id().to_ne_bytes());
        dgram.extend_from_slice(text);
    }
    c.send_datagram(0, 0, &dgram).unwrap();
    for (seq, text) in [(77u32, &b"one!"[..]), (78, b"two.")] {
        let d = c.recv().unwrap();
        let m = only_message(&d);
        assert_eq!((m.header.sequence_number, m.payload), (seq, text));
    }
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn user_sockets_on_the_protocol_unicast_to_each_other() {
    if !in_vm() {
        return;
    }
    let mut alice = conn();
    let mut bob = conn();
    let bytes = b"hello bob, from alice";
    alice.send(bob.port_id(), 0, 0x20, 0, bytes).unwrap();
    let d = bob.recv().unwrap();
    assert_eq!(d.sender, alice.port_id());
    let m = only_message(&d);
    assert_eq!(m.header.message_type, 0x20);
    assert_eq!(m.header.port_number, alice.port_id());
    assert_eq!(m.payload, bytes);
    let from = d.sender;
    bob.send(from, 0, 0x21, 0, b"hi alice").unwrap();
    let d = alice.recv().unwrap();
    assert_eq!(d.sender, bob.port_id());
    assert_eq!(only_message(&d).payload, b"hi alice");
    // The kernel saw none of that.
    assert_quiet(&mut alice, "alice, after bob's one message");

    // A port nobody has is refused.
    let nobody = bob.port_id().wrapping_add(0x4000_0000);
    match alice.send(nobody, 0, 0x20, 0, b"?") {
        Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(libc::ECONNREFUSED)),
        other => panic!("send to an unused port: {other:?}"),
    }
}

#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn each_network_namespace_has_its_own_kernel_socket() {
    if !in_vm() {
        return;
    }
    let cookies = genl_core::module_features::of_module_under_test()
        .unwrap_or_else(|e| panic!("the module's kernel features: {e}"))
        .has("NET_COOKIE_U64");
    let host_cookie = module_cookie(cookies);
    let mut host = conn();
    let mut host_member = conn();
    host_member.join_group(NLTEST_GRP_EVENTS).unwrap();
    let (cookie, _, host_pending, proto) = info(&mut host);
    let host_cookie = host_cookie.unwrap_or(cookie);
    assert_eq!(cookie, host_cookie);
    assert_eq!(proto as isize, NETLINK_TEST);
    let host_ports = [host.port_id(), host_member.port_id()];

    let (ns_cookie, requests, pending) = in_new_netns(|| {
        let ns_cookie = module_cookie(cookies);
        let mut c = conn();
        // A fresh kernel socket: this is its first request.
        let (cookie, requests, pending, _) = info(&mut c);
        let ns_cookie = ns_cookie.unwrap_or(cookie);
        assert_eq!(cookie, ns_cookie, "the namespace's own kernel socket");
        assert_eq!((requests, pending), (1, 0));

        let seq = c
            .send(0, 0, NLTEST_MSG_ECHO, NLM_F_REQUEST, b"from a new netns")
            .unwrap();
        let d = c.recv().unwrap();
        let m = only_message(&d);
        assert_eq!(d.sender, 0);
        assert_eq!(
            (m.header.sequence_number, m.payload),
            (seq, &b"from a new netns"[..])
        );

        // Multicast stays in the namespace.
        let mut member = conn();
        member.join_group(NLTEST_GRP_EVENTS).unwrap();
        c.send(0, 0, NLTEST_MSG_MCAST, NLM_F_REQUEST, b"netns event")
            .unwrap();
        assert_eq!(
            only_message(&member.recv().unwrap()).payload,
            b"netns event"
        );

        // Ports of the initial namespace are not reachable from here (port
        // numbers are per namespace: skip one that is taken here too).
        let ours = [c.port_id(), member.port_id()];
        let theirs = host_ports
            .into_iter()
            .find(|p| !ours.contains(p))
            .expect("a port of the initial namespace unused here");
        match c.send(theirs, 0, 0x20, 0, b"?") {
            Err(Error::Io(e)) => assert_eq!(e.raw_os_error(), Some(libc::ECONNREFUSED)),
            other => panic!("send across namespaces: {other:?}"),
        }

        // A reply still pending when the namespace goes away is cancelled.
        c.send(
            0,
            0,
            NLTEST_MSG_DEFERRED,
            NLM_F_REQUEST,
            &deferred_payload(1, NLTEST_DEFERRED_MAX_DELAY_MS),
        )
        .unwrap();
        let (_, requests, pending, _) = info(&mut c);
        (ns_cookie, requests, pending)
    });
    // Without 64-bit cookies a namespace's cookie may still be 0 (not made
    // yet); two made ones differ.
    if cookies || (ns_cookie != 0 && host_cookie != 0) {
        assert_ne!(ns_cookie, host_cookie);
    }
    assert_eq!((requests, pending), (5, 1));

    // Nothing of the namespace's came here.
    assert_quiet(&mut host_member, "a member in the initial namespace");
    assert_quiet(&mut host, "the initial namespace's socket");
    let (cookie, _, pending, _) = info(&mut host);
    assert_eq!((cookie, pending), (host_cookie, host_pending));
}
