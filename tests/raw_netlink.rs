//! The raw layer: user↔user unicast and multicast on NETLINK_USERSOCK, and a
//! raw NETLINK_ROUTE dump compared with iproute2.

mod common;

use std::time::Duration;

use genl_core::classic::{ClassicConnection, NETLINK_USERSOCK};
use genl_core::{AttrIter, Error};

#[test]
fn user_to_user_unicast_carries_bytes_and_sender() {
    let mut a = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    let mut b = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    let payload: Vec<u8> = (0..=255u8).collect();
    let seq = a.send(b.port_id(), 0, 0x42, 0x1, &payload).unwrap();
    let (a_port, b_port) = (a.port_id(), b.port_id());
    let d = b.recv().unwrap();
    assert_eq!(d.sender, a_port);
    let m = d.first().unwrap();
    assert_eq!(m.payload, &payload[..]);
    assert_eq!(m.header.message_type, 0x42);
    assert_eq!(m.header.sequence_number, seq);
    assert_eq!(m.header.port_number, a_port);
    // And back.
    b.send(a_port, 0, 0x43, 0, b"pong").unwrap();
    let d = a.recv().unwrap();
    assert_eq!(
        (d.sender, d.first().unwrap().payload),
        (b_port, &b"pong"[..])
    );
}

#[test]
fn user_multicast_reaches_members_only() {
    if !common::is_root() {
        common::skip("joining NETLINK_USERSOCK groups needs CAP_NET_ADMIN");
        return;
    }
    let mut a = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    let mut member = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    let mut outsider = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    member.join_group(3).unwrap();
    let me = a.port_id();
    a.send(me, 3, 0x42, 0, b"to group 3").unwrap();
    assert_eq!(
        member.recv().unwrap().first().unwrap().payload,
        b"to group 3"
    );
    outsider.set_timeout(Some(Duration::from_millis(200)));
    assert!(matches!(outsider.recv(), Err(Error::Timeout)));
}

#[test]
fn unicast_to_a_missing_port_is_refused() {
    let mut a = ClassicConnection::new(NETLINK_USERSOCK).unwrap();
    let err = a.send(0x7fff_fff0, 0, 0x42, 0, b"?").unwrap_err();
    assert!(
        matches!(err, Error::Io(ref e) if e.raw_os_error() == Some(libc::ECONNREFUSED)),
        "{err:?}"
    );
}

#[test]
fn raw_route_dump_lists_what_iproute2_lists() {
    if !common::is_root() {
        common::skip("needs root for a network namespace");
        return;
    }
    let ns = common::NetNs::new("raw");
    ns.ip(&["link", "add", "ra", "type", "veth", "peer", "name", "rb"]);
    let mut expected: Vec<String> = ns
        .ip(&["-o", "link", "show"])
        .lines()
        .map(|l| {
            l.split(':')
                .nth(1)
                .unwrap()
                .trim()
                .split('@')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    expected.sort();
    let mut got: Vec<String> = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let mut conn = ClassicConnection::new(0).unwrap(); // NETLINK_ROUTE
                                                               // RTM_GETLINK (18), NLM_F_REQUEST | NLM_F_DUMP, struct ifinfomsg.
            conn.send(0, 0, 18, 0x301, &[0u8; 16]).unwrap();
            let mut names = Vec::new();
            let deadline = common::Deadline::new(
                "the end of the link dump",
                std::time::Duration::from_secs(20),
            );
            'outer: loop {
                deadline.check();
                let d = conn.recv().unwrap();
                assert_eq!(d.sender, 0);
                for m in d.messages() {
                    let m = m.unwrap();
                    if m.header.message_type == 3 {
                        break 'outer; // NLMSG_DONE
                    }
                    let name = AttrIter::new(&m.payload[16..])
                        .map(Result::unwrap)
                        .find(|a| a.id == 3) // IFLA_IFNAME
                        .unwrap();
                    names.push(
                        std::str::from_utf8(name.value)
                            .unwrap()
                            .trim_end_matches('\0')
                            .to_owned(),
                    );
                }
            }
            names
        })
        .join()
        .unwrap()
    });
    got.sort();
    assert_eq!(got, expected);
}
