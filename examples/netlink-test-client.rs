//! A client of the `netlink_test` module (`kmod-c/netlink_test.c`): classic
//! netlink on a protocol number of its own, the `NETLINK_TEST` of the
//! tutorials genl grew from, with [`ClassicConnection`]. It walks through
//!
//! 1. user → kernel request, kernel → user unicast reply (`NLTEST_MSG_ECHO`);
//! 2. a reply the kernel sends later, from a workqueue (`NLTEST_MSG_DEFERRED`);
//! 3. a kernel multicast to group 1, received by a member (`NLTEST_MSG_MCAST`);
//! 4. user ↔ user unicast between two sockets on the same protocol.
//!
//! Steps 3 and 4 need `CAP_NET_ADMIN` (the protocol sets no
//! `NL_CFG_F_NONROOT_*` flag). Exits 0 when every step worked.
//!
//! ```text
//! sudo insmod netlink_test.ko            # proto=N to serve another number
//! cargo run --example netlink-test-client [-- PROTOCOL]
//! ```

use std::time::{Duration, Instant};

use genl_core::classic::{ClassicConnection, Datagram};
use genl_core::extack::ErrorView;
use genl_core::message::{NlMessage, NLMSG_HDRLEN};
use genl_core::message::{NLM_F_ACK, NLM_F_REQUEST};
use genl_core::Error;

/// The module's default protocol number (`NETLINK_TEST`).
const NETLINK_TEST: isize = 25;
/// `NLTEST_MSG_ECHO`: the payload comes back.
const NLTEST_MSG_ECHO: u16 = 0x10;
/// `NLTEST_MSG_DEFERRED`: `struct nltest_deferred` comes back later.
const NLTEST_MSG_DEFERRED: u16 = 0x11;
/// `NLTEST_MSG_MCAST`: the payload goes to group 1.
const NLTEST_MSG_MCAST: u16 = 0x12;
/// `NLTEST_GRP_EVENTS`.
const NLTEST_GRP_EVENTS: u32 = 1;
/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// A message type of our own for user ↔ user messages.
const MSG_HELLO: u16 = 0x20;

/// The first message of `d`, with an `NLMSG_ERROR` carrying an error turned
/// into [`Error::Kernel`].
fn first_message<'a>(d: &Datagram<'a>) -> Result<NlMessage<'a>, Error> {
    let m = d.first()?;
    if m.header.message_type == NLMSG_ERROR {
        let e = ErrorView::parse(m.header.flags, m.payload).map_err(Error::Decode)?;
        if let Some(k) = e.to_kernel_error() {
            return Err(k.into());
        }
    }
    Ok(m)
}

/// Checks that `d` came from the kernel and is a reply of `ty` to `seq`;
/// returns its payload.
fn reply<'a>(d: &Datagram<'a>, ty: u16, seq: u32) -> Result<&'a [u8], Error> {
    let m = first_message(d)?;
    if d.sender != 0 {
        return Err(Error::UnexpectedReply("reply not from the kernel"));
    }
    if m.header.message_type != ty || m.header.sequence_number != seq {
        return Err(Error::UnexpectedReply("reply of another type or request"));
    }
    Ok(m.payload)
}

fn echo(proto: isize) -> Result<(), Error> {
    let mut conn = ClassicConnection::new(proto)?;
    let text = b"hello from user space";
    let seq = conn.send(0, 0, NLTEST_MSG_ECHO, NLM_F_REQUEST, text)?;
    let port = conn.port_id();
    let d = conn.recv()?;
    let got = reply(&d, NLTEST_MSG_ECHO, seq)?;
    if got != text {
        return Err(Error::UnexpectedReply("echo changed the payload"));
    }
    println!(
        "echo: port {port} sent {:?}, the kernel (port {}) sent it back (seq {seq})",
        String::from_utf8_lossy(got),
        d.sender
    );
    Ok(())
}

fn deferred(proto: isize) -> Result<(), Error> {
    let mut conn = ClassicConnection::new(proto)?;
    let (id, delay_ms) = (7u32, 200u32);
    let mut req = [0u8; 8];
    req[..4].copy_from_slice(&id.to_ne_bytes());
    req[4..].copy_from_slice(&delay_ms.to_ne_bytes());
    let start = Instant::now();
    let seq = conn.send(0, 0, NLTEST_MSG_DEFERRED, NLM_F_REQUEST, &req)?;
    let d = conn.recv()?;
    let got = reply(&d, NLTEST_MSG_DEFERRED, seq)?;
    let elapsed = start.elapsed();
    if got != req {
        return Err(Error::UnexpectedReply("deferred reply of another request"));
    }
    if elapsed < Duration::from_millis(delay_ms.into()) {
        return Err(Error::UnexpectedReply("deferred reply came too early"));
    }
    println!(
        "deferred: id {id} answered from the kernel's workqueue after {} ms (asked {delay_ms})",
        elapsed.as_millis()
    );
    Ok(())
}

fn multicast(proto: isize) -> Result<(), Error> {
    let mut member = ClassicConnection::new(proto)?;
    member.join_group(NLTEST_GRP_EVENTS)?;
    let mut requester = ClassicConnection::new(proto)?;
    let text = b"to everyone on group 1";
    let seq = requester.send(0, 0, NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, text)?;
    // The ACK comes after the multicast went out.
    let d = requester.recv()?;
    let ack = first_message(&d)?;
    if ack.header.message_type != NLMSG_ERROR || ack.payload.len() < 4 + NLMSG_HDRLEN {
        return Err(Error::UnexpectedReply("no ACK for the multicast request"));
    }
    let member_port = member.port_id();
    let d = member.recv()?;
    let m = first_message(&d)?;
    if d.sender != 0
        || m.header.message_type != NLTEST_MSG_MCAST
        || m.header.sequence_number != seq
        || m.header.port_number != requester.port_id()
        || m.payload != text
    {
        return Err(Error::UnexpectedReply("unexpected multicast message"));
    }
    println!(
        "multicast: port {member_port} got {:?} on group {NLTEST_GRP_EVENTS}, sent for port {}",
        String::from_utf8_lossy(m.payload),
        m.header.port_number
    );
    Ok(())
}

fn user_to_user(proto: isize) -> Result<(), Error> {
    let mut alice = ClassicConnection::new(proto)?;
    let mut bob = ClassicConnection::new(proto)?;
    let bob_port = bob.port_id();
    alice.send(bob_port, 0, MSG_HELLO, 0, b"hello bob")?;
    let d = bob.recv()?;
    let (from, m) = (d.sender, d.first()?);
    if from != alice.port_id() || m.payload != b"hello bob" {
        return Err(Error::UnexpectedReply("bob got something else"));
    }
    println!(
        "user->user: bob (port {bob_port}) got {:?} from alice (port {from})",
        String::from_utf8_lossy(m.payload)
    );
    bob.send(from, 0, MSG_HELLO, 0, b"hello alice")?;
    let d = alice.recv()?;
    if d.sender != bob_port || d.first()?.payload != b"hello alice" {
        return Err(Error::UnexpectedReply("alice got something else"));
    }
    println!("user->user: alice got bob's answer");
    Ok(())
}

/// One step of the walk-through, given the protocol number.
type Step = fn(isize) -> Result<(), Error>;

fn main() -> std::process::ExitCode {
    let proto = match std::env::args().nth(1).map(|a| a.parse::<isize>()) {
        None => NETLINK_TEST,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            eprintln!("usage: netlink-test-client [PROTOCOL]");
            return std::process::ExitCode::from(2);
        }
    };
    let steps: [(&str, Step); 4] = [
        ("echo", echo),
        ("deferred", deferred),
        ("multicast", multicast),
        ("user->user", user_to_user),
    ];
    let mut ok = true;
    for (name, step) in steps {
        if let Err(e) = step(proto) {
            eprintln!("netlink-test-client: {name}: {e}");
            ok = false;
        }
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
