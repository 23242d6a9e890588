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
            let msg = msg.unwrap();
            let received = Received::parse(&msg).unwrap();
            if let Received::Error { error: ref e, .. } = received {
                // `header()` is the NLMSG_ERROR's own header (type 2, as the
                // datagram's first bytes say), not the echoed request's,
                // which carries the family id of ethtool's request.
                let own_type = u16::from_ne_bytes([datagram[4], datagram[5]]);
                assert_eq!(own_type, 2);
                assert_eq!(received.header().message_type, own_type);
                assert_ne!(e.request.message_type, own_type);
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

/// nlctrl's per-op policy dumps, as the kernel's own YNL client (cli.py)
/// received and decoded them (`capture.sh`): genl decodes the same bytes to
/// the same policies, and the drift check finds genl's nlctrl schema equal
/// to what the kernel enforces — and reports a schema that is not.
mod policy_fixtures {
    use std::collections::BTreeMap;

    use genl_core::controller::{
        CtrlCmd, FamilyInfo, FamilyPolicy, NlAttrType, PolicyAttr, PolicyMessage, GENL_ID_CTRL,
    };
    use genl_core::drift::{compare, DriftKind};
    use genl_core::message::{Messages, Received};
    use genl_core::{AttrSet, Decode, Family};

    use super::common;

    /// CTRL_CMD_NEWFAMILY (a GETFAMILY reply) and CTRL_CMD_GETPOLICY.
    const NEWFAMILY: u8 = 1;
    const GETPOLICY: u8 = 10;

    /// The capture for `op`: nlctrl's family description and its policy.
    fn capture(op: u8) -> (Vec<u8>, FamilyPolicy) {
        let mut info = None;
        let mut policy = FamilyPolicy::default();
        for datagram in common::read_hex(&format!("nlctrl-policy-op{op}.hex")) {
            for msg in Messages::new(&datagram) {
                let Received::Genl(v) = Received::parse(&msg.unwrap()).unwrap() else {
                    continue;
                };
                assert_eq!(v.header.message_type, GENL_ID_CTRL);
                match v.genl.cmd {
                    NEWFAMILY => {
                        let f = FamilyInfo::decode(v.attrs).unwrap();
                        if f.family_name == "nlctrl" {
                            info = Some(v.attrs.to_vec());
                        }
                    }
                    GETPOLICY => policy.absorb(PolicyMessage::decode(v.attrs).unwrap()),
                    c => panic!("unexpected nlctrl command {c}"),
                }
            }
        }
        (info.expect("cli.py resolved nlctrl first"), policy)
    }

    /// YNL's name of a policy type (`netlink_attribute_type` in nlctrl.yaml).
    fn ynl_type(a: &PolicyAttr) -> &'static str {
        match a.kind().expect("a known type") {
            NlAttrType::U16 => "u16",
            NlAttrType::U32 => "u32",
            NlAttrType::NulString => "nul-string",
            other => panic!("nlctrl's policy has no {other:?}"),
        }
    }

    #[test]
    fn policies_decode_to_what_ynl_cli_printed() {
        for op in [3, 10] {
            let (_, policy) = capture(op);
            let json = std::fs::read_to_string(
                common::fixtures().join(format!("nlctrl-policy-op{op}.json")),
            )
            .unwrap();
            let msgs: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
            let (mut attrs, mut ops) = (0, 0);
            for m in &msgs {
                assert_eq!(m["family-id"], u64::from(GENL_ID_CTRL));
                if let Some(o) = m.get("op-policy") {
                    let got = policy.ops[&(o["op-id"].as_u64().unwrap() as u16)];
                    assert_eq!(got.do_.map(u64::from), o.get("do").and_then(|v| v.as_u64()));
                    assert_eq!(
                        got.dump.map(u64::from),
                        o.get("dump").and_then(|v| v.as_u64())
                    );
                    ops += 1;
                }
                if let Some(p) = m.get("policy") {
                    let idx = p["policy-id"].as_u64().unwrap() as u32;
                    let id = p["attr-id"].as_u64().unwrap() as u16;
                    let a = &policy.policies[&idx][&id];
                    assert_eq!(ynl_type(a), p["type"], "op {op} attr {id}");
                    let num = |k: &str| p.get(k).and_then(|v| v.as_u64());
                    assert_eq!(a.min_value_u, num("min-value-u"), "op {op} attr {id}");
                    assert_eq!(a.max_value_u, num("max-value-u"), "op {op} attr {id}");
                    assert_eq!(
                        a.max_length.map(u64::from),
                        num("max-length"),
                        "op {op} attr {id}"
                    );
                    attrs += 1;
                }
            }
            let decoded: usize = policy.policies.values().map(BTreeMap::len).sum();
            assert_eq!(
                (ops, attrs),
                (policy.ops.len(), decoded),
                "op {op}: nothing extra"
            );
            assert!(attrs >= 2, "op {op}: the capture has attribute policies");
        }
    }

    fn policies() -> (Vec<u8>, BTreeMap<u8, FamilyPolicy>) {
        let (info, p3) = capture(3);
        let (_, p10) = capture(10);
        (info, BTreeMap::from([(3, p3), (10, p10)]))
    }

    #[test]
    fn genl_nlctrl_schema_matches_the_kernel_policy() {
        let (info, policies) = policies();
        let info = FamilyInfo::decode(&info).unwrap();
        let drift = compare(CtrlCmd::SCHEMA, &info, &policies);
        assert!(drift.is_empty(), "{drift:#?}");
    }

    mod wrong {
        use super::*;

        #[derive(Debug, AttrSet)]
        pub struct GetFamily<'a> {
            #[nla(id = 1)]
            pub family_id: Option<u32>, // the kernel: u16
            #[nla(id = 2, max_len = 20)]
            pub family_name: Option<&'a str>, // the kernel: max-length 15
        }

        #[derive(Debug, Clone, Copy, Family)]
        #[genl(name = "nlctrl", version = 2, mcast_groups("notify"))]
        pub enum Cmd {
            #[genl(cmd = 3, request = GetFamily<'a>, reply = FamilyInfo<'a>, dump)]
            GetFamily,
        }
    }

    #[test]
    fn a_schema_that_differs_is_reported_attribute_by_attribute() {
        let (info, policies) = policies();
        let info = FamilyInfo::decode(&info).unwrap();
        let drift = compare(wrong::Cmd::SCHEMA, &info, &policies);
        let kinds: Vec<(&str, &DriftKind)> =
            drift.iter().map(|d| (d.path.as_str(), &d.kind)).collect();
        assert!(
            kinds.iter().any(|(p, k)| *p == "GetFamily.family_id"
                && matches!(k, DriftKind::Type { kernel, .. } if kernel == "U16")),
            "{drift:#?}"
        );
        assert!(
            kinds.iter().any(|(p, k)| *p == "GetFamily.family_name"
                && matches!(k, DriftKind::Check { check: "max_len", kernel, .. } if kernel.contains("15"))),
            "{drift:#?}"
        );
        assert_eq!(drift.len(), 2, "{drift:#?}");
    }
}

/// Per-op policy dumps the kernel answers with an error, as the kernel's
/// YNL client (cli.py) sent and received them (`capture.sh`:
/// `policy-enodata.hex`, `policy-enoent.hex`, one line with the request and
/// one with the answer; `policy-errors.txt` is what cli.py printed).
mod policy_errors {
    use genl_core::controller::{policy_error, FamilyPolicy, GetPolicy};
    use genl_core::extack::attribute_paths;
    use genl_core::message::{Messages, Received};
    use genl_core::{AttrSet, Error};

    use super::common;

    /// The request and the kernel's error, its paths resolved through the
    /// request's schema as genl's connections do.
    fn capture(name: &str) -> genl_core::error::KernelError {
        let lines = common::read_hex(name);
        let [request, reply] = lines.as_slice() else {
            panic!("{name}: a request and a reply");
        };
        let msg = Messages::new(reply).next().unwrap().unwrap();
        let Received::Error { error, .. } = Received::parse(&msg).unwrap() else {
            panic!("{name}: the kernel answered with an NLMSG_ERROR");
        };
        let k = error.to_kernel_error().expect("an error, not an ACK");
        attribute_paths(k, request, Some(<GetPolicy<'_> as AttrSet>::SCHEMA))
    }

    fn printed() -> String {
        std::fs::read_to_string(common::fixtures().join("policy-errors.txt")).unwrap()
    }

    /// thermal's op 1 has no policy: "No data available", error -61. That
    /// is an answer (an empty policy), not a failure.
    #[test]
    fn an_op_without_a_policy_is_an_empty_policy() {
        assert!(printed().contains("Netlink error: No data available\n"));
        assert!(printed().contains("error: -61\n"));
        let k = capture("policy-enodata.hex");
        assert_eq!(k.errno, 61);
        assert_eq!(k.errno, libc::ENODATA);
        let p = policy_error("thermal", Some(1), Error::Kernel(Box::new(k))).unwrap();
        assert_eq!(p, FamilyPolicy::default());
    }

    /// nlctrl has no op 99: "No such file or directory", error -2, the
    /// extended ACK marking the op attribute (`bad-attr: .op`). An unknown
    /// command, not a missing family.
    #[test]
    fn an_unknown_op_is_named_as_such() {
        assert!(printed().contains("error: -2\n"));
        assert!(printed().contains("extack: {'bad-attr': '.op'}"));
        let k = capture("policy-enoent.hex");
        assert_eq!(k.errno, libc::ENOENT);
        assert_eq!(k.path.as_deref(), Some("GetPolicy.op"));
        match policy_error("nlctrl", Some(99), Error::Kernel(Box::new(k))) {
            Err(Error::OpNotFound { family, cmd }) => {
                assert_eq!((family.as_str(), cmd), ("nlctrl", 99))
            }
            other => panic!("want OpNotFound, got {other:?}"),
        }
    }
}
