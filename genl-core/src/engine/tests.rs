//! The engine's rules, one message at a time, on messages as the kernel
//! sends them.

use super::*;
use crate::message::{NLMSG_HDRLEN, NLM_F_MULTI};

/// A message as the kernel would send it: header fields and payload.
use crate::testing::build::message as msg;

fn parse(bytes: &[u8]) -> NlMessage<'_> {
    crate::message::Messages::new(bytes)
        .next()
        .unwrap()
        .unwrap()
}

/// `NLMSG_ERROR` with `code` echoing a 16-byte request header.
fn error(seq: u32, code: i32) -> Vec<u8> {
    let mut p = code.to_ne_bytes().to_vec();
    p.extend_from_slice(&[0; NLMSG_HDRLEN]);
    msg(2, 0x100, seq, 7, &p)
}

#[test]
fn sequence_numbers_skip_zero() {
    let s = SeqCounter::new(u32::MAX - 1);
    assert_eq!(s.next(), u32::MAX);
    assert_eq!(s.next(), 1);
    assert_eq!(s.last(), 1);
}

#[test]
fn replies_go_to_their_request_and_notifications_to_the_controller() {
    let reply = msg(0x20, 0, 5, 7, &[1, 1, 0, 0]);
    assert!(matches!(route(&parse(&reply), 7), Route::Request(5)));
    // Another port, or seq 0 of a non-controller family: ignored.
    assert!(matches!(route(&parse(&reply), 8), Route::Ignore));
    let other = msg(0x20, 0, 0, 0, &[1, 1, 0, 0]);
    assert!(matches!(route(&parse(&other), 7), Route::Ignore));
    // An unreadable controller notification still reaches the cache.
    let ctrl = msg(GENL_ID_CTRL, 0, 0, 0, &[2, 2, 0, 0, 4, 0, 1]);
    assert!(matches!(route(&parse(&ctrl), 7), Route::Control(None)));
}

#[test]
fn an_ack_after_one_reply_completes() {
    let mut x = Exchange::new(5, Mode::Ack, 0x20);
    let reply = msg(0x20, 0, 5, 7, &[1, 1, 0, 0]);
    assert!(matches!(x.absorb(&parse(&reply)), Step::Reply(_)));
    assert!(!x.is_done());
    x.absorb(&parse(&error(5, 0)));
    assert!(x.is_done());
    x.finish(&[], None).unwrap();
}

#[test]
fn a_second_reply_to_a_do_is_an_error() {
    let mut x = Exchange::new(5, Mode::Ack, 0x20);
    let reply = msg(0x20, 0, 5, 7, &[1, 1, 0, 0]);
    x.absorb(&parse(&reply));
    x.absorb(&parse(&reply));
    x.absorb(&parse(&error(5, 0)));
    assert!(matches!(
        x.finish(&[], None),
        Err(Error::UnexpectedReply(m)) if m.contains("more than one")
    ));
}

#[test]
fn done_with_an_error_code_fails_the_dump() {
    let mut x = Exchange::new(5, Mode::Dump, 0x20);
    let item = msg(0x20, NLM_F_MULTI, 5, 7, &[1, 1, 0, 0]);
    x.absorb(&parse(&item));
    x.absorb(&parse(&item));
    x.absorb(&parse(&msg(3, NLM_F_MULTI, 5, 7, &(-90i32).to_ne_bytes())));
    assert!(x.is_done());
    match x.finish(&[], None) {
        Err(Error::Kernel(k)) => assert_eq!(k.errno, 90),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_interrupted_dump_says_so_at_its_end() {
    let mut x = Exchange::new(5, Mode::Dump, 0x20);
    x.absorb(&parse(&msg(
        0x20,
        NLM_F_MULTI | NLM_F_DUMP_INTR,
        5,
        7,
        &[1, 1, 0, 0],
    )));
    x.absorb(&parse(&msg(3, NLM_F_MULTI, 5, 7, &0i32.to_ne_bytes())));
    assert!(matches!(x.finish(&[], None), Err(Error::DumpInterrupted)));
}

#[test]
fn an_error_in_the_middle_of_a_dump_ends_it() {
    let mut x = Exchange::new(5, Mode::Dump, 0x20);
    x.absorb(&parse(&msg(0x20, NLM_F_MULTI, 5, 7, &[1, 1, 0, 0])));
    x.absorb(&parse(&error(5, -(libc::ENOMEM))));
    assert!(x.is_done());
    assert!(matches!(x.finish(&[], None), Err(Error::Kernel(k)) if k.errno == libc::ENOMEM));
}

#[test]
fn a_deleted_family_fails_its_pending_request_once_the_socket_is_idle() {
    let mut x = Exchange::new(5, Mode::FirstReply, 0x20);
    let other = CtrlEvent {
        cmd: Some(CtrlCmd::DelFamily),
        family_id: 0x21,
        family_name: "other".into(),
    };
    x.on_control(&other);
    assert!(!x.awaits_idle(), "another family's deletion is no concern");
    let ours = CtrlEvent {
        family_id: 0x20,
        family_name: "genl_demo".into(),
        ..other
    };
    x.on_control(&ours);
    assert!(x.awaits_idle() && !x.is_done());
    x.on_idle();
    assert!(matches!(
        x.finish(&[], None),
        Err(Error::FamilyNotFound(n)) if n == "genl_demo"
    ));
}

#[test]
fn a_refusal_queued_behind_the_deletion_is_the_answer() {
    let mut x = Exchange::new(5, Mode::Ack, 0x20);
    x.on_control(&CtrlEvent {
        cmd: Some(CtrlCmd::DelFamily),
        family_id: 0x20,
        family_name: "genl_demo".into(),
    });
    x.absorb(&parse(&error(5, -libc::ENOENT)));
    x.on_idle();
    assert!(matches!(x.finish(&[], None), Err(Error::Kernel(k)) if k.errno == libc::ENOENT));
}

#[test]
fn first_reply_mode_completes_without_an_ack() {
    let mut x = Exchange::new(5, Mode::FirstReply, 0x20);
    assert!(matches!(
        x.absorb(&parse(&msg(0x20, 0, 5, 7, &[1, 1, 0, 0]))),
        Step::Reply(_)
    ));
    assert!(x.is_done());
    x.finish(&[], None).unwrap();
}

#[test]
fn a_malformed_message_fails_the_request_with_its_decode_error() {
    let mut x = Exchange::new(5, Mode::Ack, 0x20);
    // A genl message too short for its genl header.
    x.absorb(&parse(&msg(0x20, 0, 5, 7, &[1])));
    assert!(matches!(x.finish(&[], None), Err(Error::Decode(_))));
}

/// The replies delivered (type, seq, attributes), the reply count and
/// the outcome.
type Seen = (Vec<(u16, u32, Vec<u8>)>, usize, String);

/// What a receive loop makes of `datagrams` for request 5 on port 7:
/// with `fast`, each message is offered to [`Exchange::take_data`]
/// first (as the connections do), else only the general way. Returns
/// the delivered replies (type, seq, attributes), the reply count and
/// the outcome.
fn run(mode: Mode, datagrams: &[Vec<u8>], fast: bool) -> Seen {
    let mut x = Exchange::new(5, mode, 0x20);
    let mut got = Vec::new();
    'all: for d in datagrams {
        let mut pos = 0;
        while pos < d.len() {
            if fast {
                if let Some((v, next)) = x.take_data(d, pos, 7) {
                    got.push((
                        v.header.message_type,
                        v.header.sequence_number,
                        v.attrs.to_vec(),
                    ));
                    pos = next;
                    continue;
                }
            }
            let mut it = crate::message::Messages::at(d, pos);
            let Some(m) = it.next() else { break };
            let Ok(m) = m else { break 'all };
            pos = it.position();
            if let Route::Request(5) = route(&m, 7) {
                if let Step::Reply(v) = x.absorb(&m) {
                    got.push((
                        v.header.message_type,
                        v.header.sequence_number,
                        v.attrs.to_vec(),
                    ));
                }
            }
        }
        if x.is_done() {
            break;
        }
    }
    let outcome = format!("{:?}", x.finish(&[], None).map_err(|e| e.to_string()));
    (got, x.replies(), format!("done {} {outcome}", x.is_done()))
}

proptest::proptest! {
    /// The one-step data path and the general one agree on every
    /// datagram: the same replies delivered, counted, and the same
    /// outcome, whatever the messages (data, ACK, errors, DONE, other
    /// requests' and ports', interrupted, malformed lengths).
    #[test]
    fn the_data_fast_path_agrees_with_the_general_one(
        mode in proptest::sample::select(vec![Mode::Ack, Mode::FirstReply, Mode::Dump]),
        datagrams in proptest::collection::vec(
            proptest::collection::vec(
                (0u8..8, proptest::bool::ANY, 0usize..6, proptest::bool::ANY),
                1..5,
            ),
            1..3,
        ),
    ) {
        let datagrams: Vec<Vec<u8>> = datagrams
            .iter()
            .map(|msgs| {
                let mut d = Vec::new();
                for &(kind, ours, payload_len, intr) in msgs {
                    let seq = if ours { 5 } else { 6 };
                    let flags = if intr { NLM_F_DUMP_INTR } else { 0 };
                    let body: Vec<u8> = (0..payload_len as u8).collect();
                    let m = match kind {
                        0..=2 => msg(0x20, flags, seq, 7, &body),
                        3 => msg(0x20, flags, seq, 8, &body),
                        4 => error(seq, 0),
                        5 => error(seq, -(libc::ENOENT)),
                        6 => msg(3, flags, seq, 7, &0i32.to_ne_bytes()),
                        _ => {
                            // nlmsg_len past the datagram's end.
                            let mut m = msg(0x20, flags, seq, 7, &body);
                            m[0] = m[0].wrapping_add(64);
                            m
                        }
                    };
                    d.extend_from_slice(&m);
                    d.resize(d.len().next_multiple_of(4), 0);
                }
                d
            })
            .collect();
        proptest::prop_assert_eq!(run(mode, &datagrams, true), run(mode, &datagrams, false));
    }
}
