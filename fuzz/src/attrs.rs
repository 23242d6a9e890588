//! The attribute targets: `attr_iter` (the iterator and writer), `attr_set`
//! (derived struct decoders), `attr_enum` (`#[derive(AttrEnum)]` enums).

use crate::*;

// ---------------------------------------------------------------------------
// attr_iter: AttrIter, Attr::nested(), Attr::fixed(), AttrWriter.

pub(crate) fn walk(outer: &[u8], buf: &[u8], base: usize, depth: usize) {
    let mut errored = false;
    let mut expect = base;
    let mut rebuilt = Vec::new();
    let mut seen = Vec::new();
    let mut it = AttrIter::with_base(buf, base);
    for a in it.by_ref() {
        assert!(!errored, "the iterator yields nothing after an error");
        match a {
            Ok(a) => {
                assert_eq!(a.offset, expect, "attributes are contiguous");
                assert_eq!(a.offset % 4, 0, "attributes start aligned");
                assert_eq!(a.id, a.raw_type & NLA_TYPE_MASK);
                // The value is the in-bounds slice right after the header.
                let at = sub_offset(outer, a.value);
                assert_eq!(at, a.value_offset());
                let hdr = &outer[a.offset..a.offset + NLA_HDRLEN];
                assert_eq!(
                    u16::from_ne_bytes([hdr[0], hdr[1]]) as usize,
                    NLA_HDRLEN + a.value.len()
                );
                assert_eq!(u16::from_ne_bytes([hdr[2], hdr[3]]), a.raw_type);
                assert_eq!(a.fixed::<4>().is_ok(), a.value.len() == 4);
                expect = a.offset + nla_align(NLA_HDRLEN + a.value.len());
                AttrWriter::new(&mut rebuilt)
                    .put(a.raw_type, a.value)
                    .expect("a read attribute fits");
                seen.push((a.raw_type, a.value));
                if depth < 16 {
                    walk(outer, a.value, a.value_offset(), depth + 1);
                }
            }
            Err(e) => {
                assert!(
                    e.offset() == expect && e.offset() < base + buf.len(),
                    "error at {} (expected {expect}, buffer {base}..{})",
                    e.offset(),
                    base + buf.len()
                );
                assert!(matches!(
                    e.kind(),
                    DecodeErrorKind::TruncatedHeader { .. } | DecodeErrorKind::BadAttrLength { .. }
                ));
                errored = true;
            }
        }
    }
    assert!(it.next().is_none(), "the iterator stays finished");
    if !errored {
        assert!(expect >= base + buf.len(), "attributes cover the buffer");
    }
    // What was read re-writes to the same attributes (the values are
    // arbitrary bytes even under NLA_F_NESTED: check this level only).
    wire_rules(&rebuilt, false);
    let again: Vec<_> = AttrIter::new(&rebuilt)
        .map(|a| a.map(|a| (a.raw_type, a.value)))
        .collect::<Result<_, _>>()
        .expect("rewritten attributes parse");
    assert_eq!(again, seen);
}

/// Target `attr_iter`.
pub fn check_attr_iter(data: &[u8]) {
    walk(data, data, 0, 0);
}

// ---------------------------------------------------------------------------
// attr_set: the derived struct decoders.

/// Target `attr_set`.
pub fn check_attr_set(data: &[u8]) {
    set_round_trip!(Kitchen<'_>, data);
    set_round_trip!(Inner<'_>, data);
    set_round_trip!(KvEntry<'_>, data);
    set_round_trip!(KvKey<'_>, data);
    set_round_trip!(KvMeta, data);
    set_round_trip!(Echo<'_>, data);
    set_round_trip!(Deferred, data);
    set_round_trip!(KvEvent<'_>, data);
    // ExtAck has no PartialEq: compare through Debug.
    match ExtAck::decode(data) {
        Ok(v) => {
            let bytes = v.encode_to_vec().expect("extack encodes");
            check_wire_rules(&bytes);
            let again = ExtAck::decode(&bytes).expect("decodes again");
            assert_eq!(format!("{again:?}"), format!("{v:?}"));
        }
        Err(e) => check_decode_error(&e, 0, data.len(), Some(<ExtAck as AttrSet>::SCHEMA)),
    }
    // The lazy multi fields iterate exactly what was counted.
    if let Ok(k) = Kitchen::decode(data) {
        assert_eq!(k.lazy.iter().count(), k.lazy.len());
        assert_eq!(k.lazy_pairs.iter().count(), k.lazy_pairs.len());
    }
}

// ---------------------------------------------------------------------------
// attr_enum: `#[derive(AttrEnum)]` enums.

macro_rules! stream_round_trip {
    ($t:ty, $data:expr) => {{
        let data: &[u8] = $data;
        let decoded = Vec::<$t>::decode(data);
        // The lazy iterator agrees with the collecting decoder.
        let lazy: Result<Vec<$t>, _> = <$t as AttrEnum>::iter(data).collect();
        match (&decoded, &lazy) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("iter and decode disagree: {decoded:?} vs {lazy:?}"),
        }
        match &decoded {
            Ok(v) => {
                let bytes = v.encode_to_vec().expect("a decoded attribute enum encodes");
                check_wire_rules(&bytes);
                let again = Vec::<$t>::decode(&bytes).expect("decodes again");
                assert_eq!(&again, v);
                assert_eq!(again.encode_to_vec().unwrap(), bytes, "canonical");
                // Order and multiplicity are kept: one attribute per item.
                assert_eq!(AttrIter::new(&bytes).count(), v.len());
            }
            Err(e) => check_decode_error(e, 0, data.len(), Some(<$t as AttrSet>::SCHEMA)),
        }
        decoded.ok().map(|v| v.len())
    }};
}

/// Target `attr_enum`.
pub fn check_attr_enum(data: &[u8]) {
    let open = stream_round_trip!(Open<'_>, data);
    let closed = stream_round_trip!(Closed<'_>, data);
    let well_formed = AttrIter::new(data).all(|a| a.is_ok());
    // A closed attribute enum decodes only well-formed input; then the open one does
    // too, with as many items.
    if let Some(n) = closed {
        assert!(well_formed);
        if let Some(m) = open {
            assert_eq!(m, n);
        }
    }
    // The open attribute enum keeps every attribute it does not know: on
    // well-formed input it fails only on a known id with a bad value.
    if well_formed && open.is_none() {
        let e = Vec::<Open<'_>>::decode(data).unwrap_err();
        assert_eq!(e.set(), Some("Open"));
    }
}
