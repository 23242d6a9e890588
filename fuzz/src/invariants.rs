//! Shared invariants: decode errors, the encoder's wire rules, round trips
//! ([`set_round_trip!`]).

use crate::*;

/// The byte offset of `sub` inside `outer`, asserting that it is a subslice.
pub(crate) fn sub_offset(outer: &[u8], sub: &[u8]) -> usize {
    let o = outer.as_ptr() as usize;
    let s = sub.as_ptr() as usize;
    assert!(
        s >= o && s + sub.len() <= o + outer.len(),
        "slice escapes its buffer"
    );
    s - o
}

/// A decode error of `schema`'s decoder on `input` (offsets counted from
/// `base`): its offset lies inside the input (a missing attribute may point
/// at the end of an empty set), and its path resolves through the schema.
pub fn check_decode_error(
    e: &DecodeError,
    base: usize,
    input_len: usize,
    schema: Option<&'static AttrSetSchema>,
) {
    let end = base + input_len;
    assert!(
        e.offset() >= base,
        "error offset {} before the input",
        e.offset()
    );
    match e.kind() {
        DecodeErrorKind::Missing { .. } => assert!(e.offset() <= end),
        _ => assert!(
            e.offset() < end,
            "error offset {} outside the input ({end} bytes): {e:?}",
            e.offset()
        ),
    }
    let _ = e.to_string();
    let _ = e.path();
    if let Some(mut set) = schema {
        if let Some(name) = e.set() {
            assert_eq!(name, set.name, "error names the wrong set: {e:?}");
        }
        for (i, f) in e.fields().iter().enumerate() {
            let a = set.attr_named(f).unwrap_or_else(|| {
                panic!("error path {:?}: no field {f} in {}", e.path(), set.name)
            });
            if i + 1 < e.fields().len() {
                set = a.ty.nested_set().unwrap_or_else(|| {
                    panic!("error path {:?} descends into a non-nest", e.path())
                });
            }
        }
    }
}

/// Encoder output obeys the wire rules at every nest level: whole
/// attributes, 4-byte aligned, zeroed padding; every `NLA_F_NESTED`
/// attribute holds well-formed attributes.
pub fn check_wire_rules(buf: &[u8]) {
    wire_rules(buf, true);
}

pub(crate) fn wire_rules(buf: &[u8], recurse: bool) {
    assert_eq!(buf.len() % 4, 0, "encoding not 4-byte aligned");
    let mut pos = 0;
    for a in AttrIter::new(buf) {
        let a = a.unwrap_or_else(|e| panic!("encoder wrote a malformed attribute: {e:?}"));
        assert_eq!(a.offset, pos, "gap between attributes");
        let len = NLA_HDRLEN + a.value.len();
        assert!(len <= u16::MAX as usize);
        let padded = nla_align(len);
        assert!(
            buf[pos + len..pos + padded].iter().all(|&b| b == 0),
            "padding not zeroed"
        );
        if recurse && a.nested_flag() {
            let mut inner = a.value.to_vec();
            inner.resize(nla_align(inner.len()), 0);
            check_wire_rules(&inner);
        }
        pos += padded;
    }
    assert_eq!(pos, buf.len());
}

/// Whether an encode error is legitimate for a decoded value: only that
/// re-encoding grew a nest past 65 535 bytes (strings gain their NUL), which
/// needs an input of that size.
pub(crate) fn encode_may_fail(e: &genl_core::EncodeError, input_len: usize) -> bool {
    matches!(e.kind(), EncodeErrorKind::AttrTooLong { .. }) && input_len > 60_000
}

/// Decodes `$data` as `$t`; on success re-encodes, checks the wire rules,
/// decodes again to an equal value and checks that encoding is canonical;
/// on failure checks the error.
macro_rules! set_round_trip {
    ($t:ty, $data:expr) => {{
        let data: &[u8] = $data;
        match <$t as Decode>::decode(data) {
            Ok(v) => match v.encode_to_vec() {
                Ok(bytes) => {
                    check_wire_rules(&bytes);
                    let again = <$t as Decode>::decode(&bytes)
                        .unwrap_or_else(|e| panic!("re-encoded {v:?} does not decode: {e:?}"));
                    assert_eq!(again, v, "round trip changed the value");
                    let bytes2 = again.encode_to_vec().expect("encodes twice");
                    assert_eq!(bytes2, bytes, "encoding is not canonical");
                }
                Err(e) => assert!(
                    encode_may_fail(&e, data.len()),
                    "decoded value does not encode: {e:?} ({v:?})"
                ),
            },
            Err(e) => {
                check_decode_error(&e, 0, data.len(), Some(<$t as AttrSet>::SCHEMA));
                assert!(e.set().is_some(), "a set decoder's error names its set");
            }
        }
    }};
}
