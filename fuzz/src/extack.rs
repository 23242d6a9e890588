//! Target `extack`: NLMSG_ERROR / NLMSG_DONE and the extended-ACK attributes.

use crate::*;

pub(crate) fn ext_ack_round_trip(a: &ExtAck<'_>) {
    let bytes = a.encode_to_vec().expect("extack encodes");
    check_wire_rules(&bytes);
    let again = ExtAck::decode(&bytes).expect("extack decodes again");
    assert_eq!(format!("{again:?}"), format!("{a:?}"));
}

/// Invariants of a parsed `NLMSG_ERROR` payload.
pub(crate) fn check_error_view(flags: u16, payload: &[u8], e: &ErrorView<'_>) {
    assert!(payload.len() >= 4 + NLMSG_HDRLEN);
    assert_eq!(e.code, i32::from_ne_bytes(payload[..4].try_into().unwrap()));
    assert_eq!(e.request.length.to_ne_bytes(), payload[4..8]);
    match e.to_kernel_error() {
        None => assert_eq!(e.code, 0),
        Some(k) => {
            assert_ne!(e.code, 0);
            assert!(k.errno >= 0);
            assert_eq!(k.message.as_deref(), e.ext_ack.msg);
            assert_eq!(k.offset, e.ext_ack.offs);
            let _ = k.to_string();
        }
    }
    if flags & NLM_F_ACK_TLVS == 0 {
        assert_eq!(
            format!("{:?}", e.ext_ack),
            format!("{:?}", ExtAck::default())
        );
    }
    ext_ack_round_trip(&e.ext_ack);
    // Rebuilt capped, with the same code, request header and TLVs, the
    // message parses to the same view.
    let mut p = Vec::new();
    p.extend_from_slice(&e.code.to_ne_bytes());
    p.extend_from_slice(&payload[4..4 + NLMSG_HDRLEN]);
    let tlvs = e.ext_ack.encode_to_vec().unwrap();
    p.extend_from_slice(&tlvs);
    let again = ErrorView::parse(NLM_F_CAPPED | NLM_F_ACK_TLVS, &p).expect("rebuilt error parses");
    assert_eq!(again.code, e.code);
    assert_eq!(again.request, e.request);
    assert_eq!(format!("{:?}", again.ext_ack), format!("{:?}", e.ext_ack));
    // The offset of the bad attribute resolves through a schema to a path
    // inside the echoed request, or to nothing.
    if let Some(offs) = e.ext_ack.offs {
        let echoed = &payload[4..];
        let req_len = (e.request.length as usize).min(echoed.len());
        let attrs = echoed
            .get(NLMSG_HDRLEN + GENL_HDRLEN..req_len)
            .unwrap_or_default();
        if let Some(off) = (offs as usize).checked_sub(NLMSG_HDRLEN + GENL_HDRLEN) {
            check_path_at(<KvEntry as AttrSet>::SCHEMA, attrs, off);
            check_path_at(<FamilyInfo as AttrSet>::SCHEMA, attrs, off);
        }
    }
}

/// `AttrSetSchema::path_at`: a path only for offsets inside the attributes,
/// starting with the set's name, naming schema fields (or one unknown id at
/// the end).
pub(crate) fn check_path_at(set: &'static AttrSetSchema, attrs: &[u8], off: usize) {
    let Some((path, nest)) = set.path_at(attrs, off) else {
        return;
    };
    assert!(off < attrs.len(), "path {path} for an offset past the end");
    let mut parts = path.split('.');
    assert_eq!(parts.next(), Some(set.name));
    let mut cur = Some(set);
    let parts: Vec<_> = parts.collect();
    assert!(!parts.is_empty());
    for (i, p) in parts.iter().enumerate() {
        if p.starts_with("<attribute ") {
            assert_eq!(i + 1, parts.len(), "unknown attribute ends the path");
            assert!(nest.is_none());
            return;
        }
        let s = cur.expect("path descends only into nests");
        // An element of an indexed array: `name[i]`.
        let (name, index) = match p.strip_suffix(']').and_then(|q| q.split_once('[')) {
            Some((n, i)) => (n, Some(i)),
            None => (*p, None),
        };
        // A subset's path may name any attribute of its root set (a request
        // sent unchecked can carry them).
        let a = s
            .attr_named(name)
            .or_else(|| s.root().attr_named(name))
            .unwrap_or_else(|| panic!("{path}: no {name} in {} (or its root)", s.name));
        cur = match (a.ty, index) {
            (genl_core::schema::AttrType::Nested(f), None) => Some(f),
            (genl_core::schema::AttrType::IndexedArray(inner), Some(i)) => {
                assert!(i.parse::<usize>().is_ok(), "{path}: index {i}");
                inner.nested_set()
            }
            (_, Some(i)) => panic!("{path}: [{i}] on {name}, not an indexed array"),
            _ => None,
        };
    }
    if let Some(n) = nest {
        assert_eq!(Some(n.name), cur.map(|c| c.name));
    }
}

/// Target `extack`: two bytes of `nlmsg_flags`, then the payload of an
/// `NLMSG_ERROR` (also parsed as an `NLMSG_DONE`).
pub fn check_extack(data: &[u8]) {
    let Some((f, payload)) = data.split_first_chunk::<2>() else {
        return;
    };
    let flags = u16::from_ne_bytes(*f);
    let direct = ErrorView::parse(flags, payload);
    match &direct {
        Ok(e) => check_error_view(flags, payload, e),
        Err(e) => {
            assert!(e.offset() >= NLMSG_HDRLEN && e.offset() <= NLMSG_HDRLEN + payload.len());
            if !matches!(e.kind(), DecodeErrorKind::TruncatedMessage { .. }) {
                check_decode_error(
                    e,
                    NLMSG_HDRLEN,
                    payload.len(),
                    Some(<ExtAck as AttrSet>::SCHEMA),
                );
            }
        }
    }
    // Wrapped in a message, Received::parse agrees with ErrorView::parse,
    // and the same bytes as NLMSG_DONE are checked too.
    for ty in [NLMSG_ERROR, NLMSG_DONE] {
        let mut msg = Vec::with_capacity(NLMSG_HDRLEN + payload.len());
        let mut h = NetlinkHeader::default();
        h.length = (NLMSG_HDRLEN + payload.len()) as u32;
        h.message_type = ty;
        h.flags = flags;
        msg.extend_from_slice(&h.length.to_ne_bytes());
        msg.extend_from_slice(&ty.to_ne_bytes());
        msg.extend_from_slice(&flags.to_ne_bytes());
        msg.extend_from_slice(&[0; 8]);
        msg.extend_from_slice(payload);
        let m = Messages::new(&msg).next().unwrap().unwrap();
        assert_eq!(m.header, h);
        if ty == NLMSG_ERROR {
            match (Received::parse(&m), &direct) {
                (Ok(Received::Error { error: a, .. }), Ok(b)) => {
                    assert_eq!((a.code, a.request), (b.code, b.request));
                    assert_eq!(format!("{:?}", a.ext_ack), format!("{:?}", b.ext_ack));
                }
                (Err(a), Err(b)) => assert_eq!(&a, b),
                (a, b) => panic!("Received::parse {a:?} vs ErrorView::parse {b:?}"),
            }
        }
        check_received(&m);
    }
}
