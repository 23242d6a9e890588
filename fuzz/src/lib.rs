//! The invariants the fuzz targets check, one `check_*` function per target.
//!
//! Every target asserts more than "no panic":
//! - decoders return a value or an error whose offset lies inside the input
//!   and whose field path resolves through the schema;
//! - a decoded value re-encodes, and the encoding decodes to an equal value;
//! - the encoder's output is canonical (re-encoding it gives the same bytes)
//!   and obeys the wire rules at every nest level (4-byte alignment, zeroed
//!   padding, lengths that add up);
//! - the attribute and message iterators yield only in-bounds subslices of
//!   the input, at aligned offsets, with no gaps, and stop after one error.
//!
//! The fuzz targets in `fuzz_targets/` are one-line wrappers; the unit tests
//! below replay the checked-in seeds (`fuzz/seeds/<target>/`) on stable Rust.

use std::fmt::Debug;

use genl::demo::{Deferred, Echo, KvEntry, KvEvent, KvKey, KvMeta, KvState};
use genl_core::codec::Keyed;
use genl_core::controller::{FamilyInfo, GetFamily, GetPolicy, PolicyMessage, GENL_ID_CTRL};
use genl_core::extack::{ErrorView, ExtAck};
use genl_core::message::{
    build_message, Messages, NlMessage, Received, GENL_HDRLEN, NLMSG_HDRLEN, NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
};
use genl_core::netlink_packet_core::{
    NetlinkDeserializable, NetlinkHeader, NetlinkSerializable, NLMSG_DONE, NLMSG_ERROR,
};
use genl_core::schema::AttrSetSchema;
use genl_core::wire::{nla_align, NLA_HDRLEN, NLA_TYPE_MASK};
use genl_core::{
    AttrEnum, AttrIter, AttrSet, AttrWriter, Attrs, Decode, DecodeError, DecodeErrorKind, Encode,
    EncodeErrorKind, GenlMessage, Multi,
};

// ---------------------------------------------------------------------------
// Fuzz-local schema: every derived decoder kind in one place.

/// A nested set with a required field, a repeated field and a flag.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Inner<'a> {
    #[nla(id = 1)]
    pub a: u8,
    #[nla(id = 2)]
    pub name: Option<&'a str>,
    #[nla(id = 3, multi)]
    pub c: Vec<u16>,
    #[nla(id = 4)]
    pub on: bool,
}

/// A `Copy` nested set (usable in a lazy `Multi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, AttrSet)]
pub struct Pair {
    #[nla(id = 1)]
    pub x: Option<u32>,
    #[nla(id = 2, be)]
    pub y: Option<u16>,
}

/// Every field kind the `AttrSet` derive supports.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Kitchen<'a> {
    #[nla(id = 1)]
    pub u8_: Option<u8>,
    #[nla(id = 2)]
    pub i16_: Option<i16>,
    #[nla(id = 3)]
    pub u64_: Option<u64>,
    #[nla(id = 4, be)]
    pub port: Option<u16>,
    #[nla(id = 5, be)]
    pub big: Option<i64>,
    #[nla(id = 6)]
    pub flag: bool,
    #[nla(id = 7, min_len = 1, max_len = 8)]
    pub short: Option<&'a str>,
    #[nla(id = 8)]
    pub owned: Option<String>,
    #[nla(id = 9)]
    pub bytes: Option<&'a [u8]>,
    #[nla(id = 10)]
    pub owned_bytes: Option<Vec<u8>>,
    #[nla(id = 11)]
    pub mac: Option<[u8; 6]>,
    #[nla(id = 12)]
    pub state: Option<KvState>,
    #[nla(id = 13, min = -5, max = 1000)]
    pub ranged: Option<i32>,
    #[nla(id = 14, nested)]
    pub inner: Option<Inner<'a>>,
    #[nla(id = 15, multi)]
    pub many: Vec<u32>,
    #[nla(id = 16, multi)]
    pub names: Vec<&'a str>,
    #[nla(id = 17, multi)]
    pub nests: Vec<Inner<'a>>,
    #[nla(id = 18, multi)]
    pub lazy: Multi<'a, u16>,
    #[nla(id = 19, multi)]
    pub lazy_pairs: Multi<'a, Pair>,
    #[nla(id = 20, indexed)]
    pub list: Vec<Pair>,
    #[nla(id = 21, indexed)]
    pub keyed: Vec<Keyed<&'a str>>,
    #[nla(id = 22)]
    pub map: Option<Vec<Keyed<Vec<Keyed<u32>>>>>,
    #[nla(id = 23)]
    pub required: u32,
}

/// An open attribute stream: unknown ids are kept in `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Attrs)]
pub enum Open<'a> {
    #[nla(id = 1)]
    Num(u32),
    #[nla(id = 2)]
    Text(&'a str),
    #[nla(id = 3)]
    Flag,
    #[nla(id = 4, be)]
    Port(u16),
    #[nla(id = 5, nested)]
    Nest(Inner<'a>),
    #[nla(id = 6, max_len = 4)]
    Blob(&'a [u8]),
    #[nla(id = 7)]
    State(KvState),
    #[nla(id = 8, min = 1, max = 100)]
    Small(u8),
    #[nla(other)]
    Other(u16, &'a [u8]),
}

/// A closed stream: unknown ids are errors.
#[derive(Debug, Clone, PartialEq, Eq, Attrs)]
pub enum Closed<'a> {
    #[nla(id = 1)]
    Num(u32),
    #[nla(id = 2)]
    Text(&'a str),
    #[nla(id = 5, nested)]
    Meta(KvMeta),
}

// ---------------------------------------------------------------------------
// Shared invariants.

/// The byte offset of `sub` inside `outer`, asserting that it is a subslice.
fn sub_offset(outer: &[u8], sub: &[u8]) -> usize {
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

fn wire_rules(buf: &[u8], recurse: bool) {
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
fn encode_may_fail(e: &genl_core::EncodeError, input_len: usize) -> bool {
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

// ---------------------------------------------------------------------------
// attr_iter: AttrIter, Attr::nested(), Attr::fixed(), AttrWriter.

fn walk(outer: &[u8], buf: &[u8], base: usize, depth: usize) {
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
// attr_stream: `#[derive(Attrs)]` enums.

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
                let bytes = v.encode_to_vec().expect("a decoded stream encodes");
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

/// Target `attr_stream`.
pub fn check_attr_stream(data: &[u8]) {
    let open = stream_round_trip!(Open<'_>, data);
    let closed = stream_round_trip!(Closed<'_>, data);
    let well_formed = AttrIter::new(data).all(|a| a.is_ok());
    // A closed stream decodes only well-formed input; then the open one does
    // too, with as many items.
    if let Some(n) = closed {
        assert!(well_formed);
        if let Some(m) = open {
            assert_eq!(m, n);
        }
    }
    // The open stream keeps every attribute it does not know: on
    // well-formed input it fails only on a known id with a bad value.
    if well_formed && open.is_none() {
        let e = Vec::<Open<'_>>::decode(data).unwrap_err();
        assert_eq!(e.set(), Some("Open"));
    }
}

// ---------------------------------------------------------------------------
// nlctrl: the controller's decoders (indexed arrays, keyed maps).

/// Target `nlctrl`.
pub fn check_nlctrl(data: &[u8]) {
    set_round_trip!(FamilyInfo<'_>, data);
    set_round_trip!(PolicyMessage, data);
    set_round_trip!(GetFamily<'_>, data);
    set_round_trip!(GetPolicy<'_>, data);
    // Indexed children are renumbered 1..=n; keyed children keep their ids.
    if let Ok(f) = FamilyInfo::decode(data) {
        let bytes = f.encode_to_vec().unwrap();
        for a in AttrIter::new(&bytes).map(Result::unwrap) {
            if a.id == 6 || a.id == 7 {
                assert!(a.nested_flag());
                for (i, c) in a.nested().map(Result::unwrap).enumerate() {
                    assert_eq!(c.id as usize, i + 1);
                }
            }
        }
    }
    if let Ok(p) = PolicyMessage::decode(data) {
        let bytes = p.encode_to_vec().unwrap();
        let again = PolicyMessage::decode(&bytes).unwrap();
        let keys = |m: &PolicyMessage| {
            m.policy
                .iter()
                .map(|k| (k.key, k.value.iter().map(|a| a.key).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&again), keys(&p));
    }
}

// ---------------------------------------------------------------------------
// messages: datagram framing, genl views, payloads, rebuilding.

fn check_genl_payload<'a, T>(msg: &NlMessage<'a>, v: &genl_core::GenlView<'a>, decoded: &T)
where
    T: Encode + Debug,
{
    // Rebuilt with build_message, the message parses back to the same view.
    let mut buf = Vec::new();
    let h = msg.header;
    match build_message(
        &mut buf,
        h.message_type,
        h.flags,
        h.sequence_number,
        v.genl,
        decoded,
    ) {
        Ok(()) => {}
        Err(e) => {
            assert!(encode_may_fail(&e, msg.payload.len()), "{e:?}");
            return;
        }
    }
    let mut it = Messages::new(&buf);
    let m = it.next().expect("one message").expect("well formed");
    assert!(it.next().is_none());
    assert_eq!(m.header.length as usize, buf.len());
    assert_eq!(m.header.message_type, h.message_type);
    assert_eq!(m.header.flags, h.flags);
    assert_eq!(m.header.sequence_number, h.sequence_number);
    assert_eq!(m.header.port_number, 0);
    let Received::Genl(v2) = Received::parse(&m).expect("parses") else {
        panic!("a rebuilt genl message is not genl");
    };
    assert_eq!(v2.genl, v.genl);
    check_wire_rules(v2.attrs);
}

macro_rules! genl_payload {
    ($t:ty, $msg:expr, $v:expr) => {{
        let (msg, v) = ($msg, $v);
        match v.decode::<$t>() {
            Ok(p) => {
                check_genl_payload(msg, v, &p);
                let bytes = p.encode_to_vec().unwrap_or_default();
                if !bytes.is_empty() {
                    assert_eq!(<$t as Decode>::decode(&bytes).unwrap(), p);
                }
            }
            Err(e) => check_decode_error(&e, 0, v.attrs.len(), Some(<$t as AttrSet>::SCHEMA)),
        }
    }};
}

fn check_received(msg: &NlMessage<'_>) {
    let h = msg.header;
    match Received::parse(msg) {
        Ok(Received::Genl(v)) => {
            assert_eq!(v.header, h);
            assert_eq!(v.genl.cmd, msg.payload[0]);
            assert_eq!(v.genl.version, msg.payload[1]);
            assert_eq!(sub_offset(msg.payload, v.attrs), GENL_HDRLEN);
            assert_eq!(v.attrs.len() + GENL_HDRLEN, msg.payload.len());
            if h.message_type == GENL_ID_CTRL && v.genl.cmd == 10 {
                genl_payload!(PolicyMessage, msg, &v);
            } else if h.message_type == GENL_ID_CTRL {
                genl_payload!(FamilyInfo<'_>, msg, &v);
            } else {
                genl_payload!(KvEntry<'_>, msg, &v);
            }
            // The netlink-packet-core deserialization path agrees, and
            // serializes back to the same payload (reserved byte zeroed).
            let gm =
                <GenlMessage<genl_core::message::AttrBuf> as NetlinkDeserializable>::deserialize(
                    &h,
                    msg.payload,
                )
                .expect("a genl view deserializes");
            assert_eq!(gm.family_id, h.message_type);
            assert_eq!(gm.header, v.genl);
            assert_eq!(gm.payload.0, v.attrs);
            let mut out = vec![0u8; gm.buffer_len()];
            gm.serialize(&mut out);
            assert_eq!(&out[..2], &msg.payload[..2]);
            assert_eq!(&out[GENL_HDRLEN..], v.attrs);
        }
        Ok(Received::Error { header, error: e }) => {
            // The message's own header, not the echoed request's.
            assert_eq!(header, h);
            assert_eq!(h.message_type, NLMSG_ERROR);
            check_error_view(h.flags, msg.payload, &e);
        }
        Ok(Received::Done {
            header,
            code,
            ext_ack,
        }) => {
            assert_eq!(header, h);
            assert_eq!(h.message_type, NLMSG_DONE);
            let want = msg
                .payload
                .get(..4)
                .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
            assert_eq!(code, want);
            if h.flags & NLM_F_ACK_TLVS == 0 || msg.payload.len() <= 4 {
                assert_eq!(format!("{ext_ack:?}"), format!("{:?}", ExtAck::default()));
            } else {
                ext_ack_round_trip(&ext_ack);
            }
        }
        Ok(Received::Noop(nh)) => assert_eq!(nh, h),
        Err(e) => {
            // Offsets count from the start of the message (its nlmsghdr),
            // or from the genl attributes for payload errors.
            assert!(e.offset() <= NLMSG_HDRLEN + msg.payload.len(), "{e:?}");
            let _ = e.to_string();
        }
    }
}

/// Target `messages`: `data` is one datagram.
pub fn check_messages(data: &[u8]) {
    let mut errored = false;
    let mut expect = 0usize;
    for m in Messages::new(data) {
        assert!(!errored, "nothing after a framing error");
        match m {
            Ok(m) => {
                let at = sub_offset(data, m.payload);
                assert_eq!(at, expect + NLMSG_HDRLEN, "messages are contiguous");
                assert_eq!(m.header.length as usize, NLMSG_HDRLEN + m.payload.len());
                expect = nla_align(at + m.payload.len()).min(data.len());
                check_received(&m);
            }
            Err(e) => {
                assert_eq!(e.offset(), expect, "{e:?}");
                assert!(e.offset() < data.len());
                errored = true;
            }
        }
    }
    if !errored {
        assert_eq!(expect, data.len(), "messages cover the datagram");
    }
}

// ---------------------------------------------------------------------------
// extack: NLMSG_ERROR / NLMSG_DONE and the extended-ACK attributes.

fn ext_ack_round_trip(a: &ExtAck<'_>) {
    let bytes = a.encode_to_vec().expect("extack encodes");
    check_wire_rules(&bytes);
    let again = ExtAck::decode(&bytes).expect("extack decodes again");
    assert_eq!(format!("{again:?}"), format!("{a:?}"));
}

/// Invariants of a parsed `NLMSG_ERROR` payload.
fn check_error_view(flags: u16, payload: &[u8], e: &ErrorView<'_>) {
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
fn check_path_at(set: &'static AttrSetSchema, attrs: &[u8], off: usize) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn replay(target: &str, check: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(target);
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            check(&std::fs::read(&p).unwrap());
            n += 1;
        }
        assert!(n > 0, "no seeds in {}", dir.display());
        // And a few hand-made edge cases.
        for case in [
            &[][..],
            &[0],
            &[4, 0, 1, 0],
            &[0xff; 7],
            &[8, 0, 0x80 | 3, 0, 4, 0, 1, 0],
            // A whole header whose nlmsg_len (36, then 1316) runs past the
            // buffer: a truncated message, which no decoder may accept
            // (the second found by the `messages` target).
            &[36, 0, 0, 0, 16, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
            &[
                36, 5, 0, 0, 2, 0, 0, 1, 1, 0, 0, 0, 77, 13, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 16, 0,
                5, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            ],
        ] {
            check(case);
        }
    }

    #[test]
    fn seeds_attr_iter() {
        replay("attr_iter", check_attr_iter);
    }
    #[test]
    fn seeds_attr_set() {
        replay("attr_set", check_attr_set);
    }
    #[test]
    fn seeds_attr_stream() {
        replay("attr_stream", check_attr_stream);
    }
    #[test]
    fn seeds_nlctrl() {
        replay("nlctrl", check_nlctrl);
    }
    #[test]
    fn seeds_messages() {
        replay("messages", check_messages);
    }
    #[test]
    fn seeds_extack() {
        replay("extack", check_extack);
    }

    #[test]
    fn kitchen_round_trips() {
        let pairs = [
            Pair {
                x: Some(1),
                y: None,
            },
            Pair {
                x: None,
                y: Some(80),
            },
        ];
        let lazy = [1u16, 2, 3];
        let map_inner = vec![Keyed {
            key: 3,
            value: 7u32,
        }];
        let k = Kitchen {
            u8_: Some(1),
            i16_: Some(-2),
            u64_: Some(3),
            port: Some(8080),
            big: Some(-9),
            flag: true,
            short: Some("abc"),
            owned: Some("owned".into()),
            bytes: Some(b"\0\x01"),
            owned_bytes: Some(vec![9; 5]),
            mac: Some([1, 2, 3, 4, 5, 6]),
            state: Some(KvState::Stale),
            ranged: Some(-5),
            inner: Some(Inner {
                a: 1,
                name: Some("n"),
                c: vec![1, 2],
                on: true,
            }),
            many: vec![5, 6],
            names: vec!["", "x"],
            nests: vec![Inner {
                a: 2,
                name: None,
                c: vec![],
                on: false,
            }],
            lazy: Multi::new(&lazy),
            lazy_pairs: Multi::new(&pairs),
            list: pairs.to_vec(),
            keyed: vec![Keyed {
                key: 9,
                value: "nine",
            }],
            map: Some(vec![Keyed {
                key: 2,
                value: map_inner,
            }]),
            required: 42,
        };
        let bytes = k.encode_to_vec().unwrap();
        assert_eq!(Kitchen::decode(&bytes).unwrap(), k);
        check_attr_set(&bytes);
        check_attr_iter(&bytes);
        check_attr_stream(&bytes);
        write_seed("attr_set", "synthetic-kitchen", &bytes);
        write_seed("attr_iter", "synthetic-kitchen", &bytes);

        let stream = vec![
            Open::Num(1),
            Open::Text("t"),
            Open::Flag,
            Open::Port(443),
            Open::Nest(Inner {
                a: 3,
                name: Some("x"),
                c: vec![4],
                on: true,
            }),
            Open::Blob(b"ab"),
            Open::State(KvState::Active),
            Open::Small(7),
            Open::Other(99, b"zz"),
        ];
        let bytes = stream.encode_to_vec().unwrap();
        assert_eq!(Vec::<Open<'_>>::decode(&bytes).unwrap(), stream);
        check_attr_stream(&bytes);
        write_seed("attr_stream", "synthetic-open", &bytes);
    }

    /// The fixtures hold no policy dump: a synthetic one, as an attribute
    /// set and as a whole message.
    #[test]
    fn policy_message_round_trips() {
        use genl_core::controller::{OpPolicy, PolicyAttr};
        let attr = PolicyAttr {
            ty: 4,
            max_value_u: Some(10),
            min_length: Some(1),
            ..Default::default()
        };
        let p = PolicyMessage {
            family_id: 0x20,
            policy: vec![Keyed {
                key: 0,
                value: vec![Keyed {
                    key: 1,
                    value: attr,
                }],
            }],
            op_policy: vec![Keyed {
                key: 3,
                value: OpPolicy {
                    do_: Some(0),
                    dump: None,
                },
            }],
        };
        let bytes = p.encode_to_vec().unwrap();
        assert_eq!(PolicyMessage::decode(&bytes).unwrap(), p);
        check_nlctrl(&bytes);
        write_seed("nlctrl", "synthetic-policy", &bytes);
        let mut msg = Vec::new();
        let genl = genl_core::GenlHeader {
            cmd: 10,
            version: 2,
        };
        build_message(&mut msg, GENL_ID_CTRL, 2, 7, genl, &p).unwrap();
        check_messages(&msg);
        write_seed("messages", "synthetic-policy", &msg);
    }

    fn write_seed(target: &str, name: &str, bytes: &[u8]) {
        if std::env::var_os("GENL_FUZZ_WRITE_SEEDS").is_some() {
            let p = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("seeds")
                .join(target)
                .join(name);
            std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}
