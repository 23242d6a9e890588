//! Byte-exact vectors: nlctrl and ethtool replies captured from a real kernel
//! by `tests/fixtures/capture.sh` (strace of iproute2's `genl ctrl list` and
//! of `ethtool`), decoded with genl's derived nlctrl types and compared with
//! what those tools printed in the same run.

mod common;

use genl_core::controller::{FamilyInfo, GENL_ID_CTRL};
use genl_core::message::{Messages, Received};
use genl_core::Decode;

#[test]
fn nlctrl_dump_decodes_to_what_iproute2_printed() {
    let expected = common::parse_genl_ctrl_list(
        &std::fs::read_to_string(common::fixtures().join("genl-ctrl-list.txt")).unwrap(),
    );
    assert!(
        expected.len() >= 5,
        "capture has {} families",
        expected.len()
    );
    let mut got = Vec::new();
    let mut done = false;
    for datagram in common::read_hex("nlctrl-dump.hex") {
        for msg in Messages::new(&datagram) {
            match Received::parse(&msg.unwrap()).unwrap() {
                Received::Genl(view) => {
                    assert_eq!(view.header.message_type, GENL_ID_CTRL);
                    assert_eq!(view.genl.cmd, 1, "replies are CTRL_CMD_NEWFAMILY");
                    let f = FamilyInfo::decode(view.attrs).unwrap();
                    got.push(common::IpFamily::from_info(&f));
                }
                Received::Done { code, .. } => {
                    assert_eq!(code, 0);
                    done = true;
                }
                other => panic!("unexpected message {other:?}"),
            }
        }
    }
    assert!(done, "the dump ends with NLMSG_DONE");
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.into_iter().zip(&expected) {
        assert_eq!(g.masked_like(e), *e);
    }
    // iproute2 printed flags for several families (version >= 2), so the
    // comparison above did check flags.
    assert!(expected.iter().any(|f| f.ops.iter().any(|o| o.1.is_some())));
}

#[test]
fn ethtool_error_with_extended_ack_matches_what_ethtool_printed() {
    // ethtool printed: "netlink error: no device matches name (offset 24)"
    // and "netlink error: No such device" (ENODEV = 19).
    let printed = std::fs::read_to_string(common::fixtures().join("ethtool-nodev.txt")).unwrap();
    assert!(printed.contains("no device matches name (offset 24)"));
    let mut errors = 0;
    for datagram in common::read_hex("ethtool-nodev.hex") {
        for msg in Messages::new(&datagram) {
            if let Received::Error(e) = Received::parse(&msg.unwrap()).unwrap() {
                // The first reply is the ACK of ethtool's GETFAMILY.
                let Some(k) = e.to_kernel_error() else {
                    continue;
                };
                assert_eq!(k.errno, libc::ENODEV);
                assert_eq!(k.message.as_deref(), Some("no device matches name"));
                assert_eq!(k.offset, Some(24));
                errors += 1;
            }
        }
    }
    assert!(errors >= 1);
}

#[test]
fn every_truncation_of_a_real_dump_is_an_error_or_a_prefix() {
    // Cutting a real datagram anywhere must never panic, and every message
    // that still parses must be one of the originals, in order, decoding
    // to the same family; past the last whole message comes an error (or
    // the end, when the cut falls on a message boundary).
    let datagram = &common::read_hex("nlctrl-dump.hex")[0];
    struct Original {
        end: usize,
        aligned_end: usize,
        ty: u16,
        flags: u16,
        seq: u32,
        payload: Vec<u8>,
        family: Option<common::IpFamily>,
    }
    let mut originals = Vec::new();
    let mut pos = 0;
    for msg in Messages::new(datagram) {
        let msg = msg.unwrap();
        let len = msg.header.length as usize;
        let family = match Received::parse(&msg).unwrap() {
            Received::Genl(v) => Some(common::IpFamily::from_info(
                &FamilyInfo::decode(v.attrs).unwrap(),
            )),
            _ => None,
        };
        originals.push(Original {
            end: pos + len,
            aligned_end: pos + ((len + 3) & !3),
            ty: msg.header.message_type,
            flags: msg.header.flags,
            seq: msg.header.sequence_number,
            payload: msg.payload.to_vec(),
            family,
        });
        pos += (len + 3) & !3;
    }
    assert!(
        originals.len() >= 5,
        "the capture has {} messages",
        originals.len()
    );
    assert!(originals.iter().filter(|o| o.family.is_some()).count() >= 5);
    let (mut prefixes, mut errors) = (0usize, 0usize);
    for cut in 0..=datagram.len() {
        let parsed: Vec<_> = Messages::new(&datagram[..cut]).collect();
        let whole = originals.iter().filter(|o| o.end <= cut).count();
        let oks = parsed.iter().take_while(|m| m.is_ok()).count();
        assert_eq!(
            oks, whole,
            "cut at {cut}: {oks} messages parsed, {whole} whole ones"
        );
        for (m, o) in parsed.iter().zip(&originals) {
            let Ok(m) = m else { break };
            assert_eq!(
                (
                    m.header.message_type,
                    m.header.flags,
                    m.header.sequence_number
                ),
                (o.ty, o.flags, o.seq),
                "cut at {cut}"
            );
            assert_eq!(m.payload, &o.payload[..], "cut at {cut}: payload differs");
            if let Ok(Received::Genl(v)) = Received::parse(m) {
                let f = FamilyInfo::decode(v.attrs).unwrap();
                assert_eq!(Some(common::IpFamily::from_info(&f)), o.family);
            }
        }
        // Bytes left after the last whole message: exactly one error.
        let consumed = originals[..whole]
            .last()
            .map_or(0, |o| o.aligned_end.min(cut));
        if consumed < cut {
            assert_eq!(
                parsed.len(),
                oks + 1,
                "cut at {cut}: one error after the prefix"
            );
            assert!(parsed[oks].is_err(), "cut at {cut}");
            errors += 1;
        } else {
            assert_eq!(parsed.len(), oks, "cut at {cut}: no error on a boundary");
            prefixes += 1;
        }
    }
    // Both kinds of cut were exercised.
    assert!(prefixes > originals.len() && errors > datagram.len() / 2);
}

/// The request iproute2 sent for `genl ctrl get name ethtool`, rebuilt by
/// genl from the same header fields: the bytes must be identical.
#[test]
fn getfamily_request_is_byte_identical_to_iproute2s() {
    use genl_core::controller::GetFamily;
    use genl_core::message::{build_message, GenlHeader};
    let captured = &common::read_hex("genl-get-ethtool-request.hex")[0];
    let u16_at = |i: usize| u16::from_ne_bytes([captured[i], captured[i + 1]]);
    let seq = u32::from_ne_bytes(captured[8..12].try_into().unwrap());
    let genl = GenlHeader {
        cmd: captured[16],
        version: captured[17],
    };
    assert_eq!(genl.cmd, 3, "CTRL_CMD_GETFAMILY");
    let mut ours = Vec::new();
    build_message(
        &mut ours,
        u16_at(4),
        u16_at(6),
        seq,
        genl,
        &GetFamily::by_name("ethtool"),
    )
    .unwrap();
    assert_eq!(&ours, captured);
}
