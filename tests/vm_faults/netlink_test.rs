//! The sweep of every request of the classic `netlink_test` module (its own
//! netlink protocol).

use super::*;

pub(crate) fn classic_request(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![0u8; 16];
    m[0..4].copy_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&ty.to_ne_bytes());
    m[6..8].copy_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(payload);
    m
}

/// A netlink_test message whose payload is `want`, byte for byte.
pub(crate) fn payload_is(m: &Msg, want: &[u8]) -> Result<(), String> {
    if m.payload == want {
        Ok(())
    } else {
        Err(format!(
            "payload of {} bytes {:02x?}… (expected {} bytes {:02x?}…)",
            m.payload.len(),
            &m.payload[..m.payload.len().min(16)],
            want.len(),
            &want[..want.len().min(16)]
        ))
    }
}

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
pub(crate) fn netlink_test_every_request_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    let mut sweeps = Vec::new();
    let payload = vec![0x42u8; 200];
    let echo_reply = |m: &Msg| payload_is(m, &payload);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "ECHO",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: NLTEST_MSG_ECHO,
                check: &echo_reply,
            }],
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    // struct nltest_deferred: id, delay_ms; the reply repeats it.
    let mut deferred = Vec::new();
    deferred.extend_from_slice(&7u32.to_ne_bytes());
    deferred.extend_from_slice(&0u32.to_ne_bytes());
    let deferred_reply = |m: &Msg| payload_is(m, &deferred);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "DEFERRED",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_DEFERRED, NLM_F_REQUEST | NLM_F_ACK, &deferred),
        answer: Answer::AckThenLater {
            reply: Reply {
                ty: NLTEST_MSG_DEFERRED,
                check: &deferred_reply,
            },
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    let mcast_event = |m: &Msg| payload_is(m, &payload);
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "MCAST (listener)",
        protocol: NETLINK_TEST,
        listen: Some((
            NLTEST_GRP_EVENTS,
            Reply {
                ty: NLTEST_MSG_MCAST,
                check: &mcast_event,
            },
        )),
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_MCAST, NLM_F_REQUEST | NLM_F_ACK, &payload),
        answer: Answer::Acked { replies: &[] },
        errnos: CLASSIC_ERRNOS,
        check: &mut |o, heard| match o {
            Outcome::Answered => assert_ne!(
                heard,
                Some(&Heard::Nothing),
                "acknowledged multicast, nothing heard"
            ),
            Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                assert_ne!(heard, Some(&Heard::Event), "failed multicast sent")
            }
            _ => {}
        },
    }));
    // struct nltest_info: netns_cookie (u64), requests, pending, protocol,
    // reserved (u32 each).
    let info_reply = |m: &Msg| {
        let p = &m.payload;
        let u32_at = |i: usize| u32::from_ne_bytes(p[i..i + 4].try_into().unwrap());
        if p.len() != 24 {
            return Err(format!("{} bytes, struct nltest_info has 24", p.len()));
        }
        if u32_at(16) != NETLINK_TEST as u32 || u32_at(20) != 0 || u32_at(8) == 0 {
            return Err(format!("not this module's info: {p:02x?}"));
        }
        Ok(())
    };
    sweeps.push(sweep(Case {
        module: "netlink_test",
        command: "INFO",
        protocol: NETLINK_TEST,
        listen: None,
        prepare: &mut || {},
        request: &mut || classic_request(NLTEST_MSG_INFO, NLM_F_REQUEST | NLM_F_ACK, &[]),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: NLTEST_MSG_INFO,
                check: &info_reply,
            }],
        },
        errnos: CLASSIC_ERRNOS,
        check: &mut no_check,
    }));
    // Still answering, and no deferred reply left pending.
    let mut sock = Sock::new(NETLINK_TEST, ANSWER_TIMEOUT);
    let after = |m: &Msg| payload_is(m, b"after");
    assert_eq!(
        exchange(
            &mut sock,
            classic_request(NLTEST_MSG_ECHO, NLM_F_REQUEST | NLM_F_ACK, b"after"),
            Answer::Acked {
                replies: &[Reply {
                    ty: NLTEST_MSG_ECHO,
                    check: &after,
                }]
            },
            &mut Window::none(),
        ),
        Outcome::Answered
    );
    report(&sweeps);
}
