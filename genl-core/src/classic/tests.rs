//! The classic exchange's rules, on datagrams as the kernel sends them
//! (built by [`crate::testing::build`]): the same as generic netlink's.

use super::*;
use crate::message::{NLM_F_DUMP_INTR, NLM_F_MULTI};
use crate::testing::build;
use crate::testing::FakeError;

/// `RTM_NEWLINK`, a classic data message type.
const NEWLINK: u16 = 16;
/// `RTM_GETLINK`.
const GETLINK: u16 = 18;
/// Our port.
const PORT: u32 = 7;

/// One request `seq` of type `GETLINK`, as sent.
fn request(seq: u32, dump: bool) -> Vec<u8> {
    let flags = NLM_F_REQUEST | NLM_F_ACK | if dump { NLM_F_DUMP } else { 0 };
    build::message(GETLINK, flags, seq, PORT, &[0; 16])
}

/// Runs requests numbered 5, 6, … (`dumps[i]`: whether request `i` is a
/// dump) over `datagrams`; returns the replies seen (request index, seq),
/// the outcomes, and how many requests are still open.
fn run(
    dumps: &[bool],
    datagrams: &[Vec<u8>],
) -> (Vec<(usize, u32)>, Vec<Result<Completion>>, usize) {
    let reqs: Vec<ClassicRequest<'_>> = dumps
        .iter()
        .map(|&dump| ClassicRequest {
            message_type: GETLINK,
            flags: 0,
            payload: &[],
            dump,
        })
        .collect();
    let seqs = (5..).take(reqs.len()).collect();
    let mut p = Pending::new(seqs, &reqs);
    let mut seen = Vec::new();
    for d in datagrams {
        p.take(d, PORT, &mut |i, m: NlMessage<'_>| {
            seen.push((i, m.header.sequence_number));
            Ok(())
        })
        .unwrap();
    }
    let open = p.open;
    (seen, p.outcome.into_iter().flatten().collect(), open)
}

#[test]
fn a_reply_to_another_port_is_not_ours() {
    let mut d = build::message(NEWLINK, 0, 5, PORT + 1, &[0; 16]);
    d.extend(build::error(&request(5, false), PORT + 1, 0, None));
    let (seen, out, open) = run(&[false], &[d]);
    assert!(seen.is_empty());
    assert_eq!(open, 1, "another port's ACK does not complete ours");
    assert!(out.is_empty());
    let mut d = build::message(NEWLINK, 0, 5, PORT, &[0; 16]);
    d.extend(build::error(&request(5, false), PORT, 0, None));
    let (seen, out, open) = run(&[false], &[d]);
    assert_eq!((seen, open), (vec![(0, 5)], 0));
    assert_eq!(out[0].as_ref().unwrap(), &Completion::default());
}

#[test]
fn a_second_reply_to_a_do_is_an_error() {
    let mut d = build::message(NEWLINK, 0, 5, PORT, &[0; 16]);
    d.extend(build::message(NEWLINK, 0, 5, PORT, &[0; 16]));
    d.extend(build::error(&request(5, false), PORT, 0, None));
    let (_, out, open) = run(&[false], &[d]);
    assert_eq!(open, 0);
    assert!(matches!(
        &out[0],
        Err(Error::UnexpectedReply(m)) if m.contains("more than one")
    ));
}

#[test]
fn an_interrupted_dump_is_flagged_not_failed() {
    let d = [
        build::message(NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, 5, PORT, &[0; 16]),
        build::message(NEWLINK, NLM_F_MULTI, 5, PORT, &[0; 16]),
        build::done(5, PORT, 0, None),
    ];
    let (seen, out, _) = run(&[true], &[d.concat()]);
    assert_eq!(seen, vec![(0, 5), (0, 5)]);
    assert!(out[0].as_ref().unwrap().interrupted);
}

#[test]
fn each_request_has_its_own_outcome_and_warning() {
    let warn = FakeError {
        message: Some("deprecated".into()),
        ..FakeError::default()
    };
    let d = [
        build::error(&request(5, false), PORT, -libc::EPERM, None),
        build::message(NEWLINK, NLM_F_MULTI, 6, PORT, &[0; 16]),
        build::done(6, PORT, 0, Some(&warn)),
    ];
    let (seen, out, open) = run(&[false, true], &[d.concat()]);
    assert_eq!((seen, open), (vec![(1, 6)], 0));
    assert!(matches!(&out[0], Err(Error::Kernel(k)) if k.errno == libc::EPERM));
    assert_eq!(
        out[1].as_ref().unwrap().warning.as_deref(),
        Some("deprecated")
    );
}

#[test]
fn a_dump_failing_at_its_done_fails() {
    let d = build::done(5, PORT, -libc::EINVAL, None);
    let (_, out, _) = run(&[true], &[d]);
    assert!(matches!(&out[0], Err(Error::Kernel(k)) if k.errno == libc::EINVAL));
}
