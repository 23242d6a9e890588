//! Property tests of the derived codec: every value kind round-trips
//! (value → bytes → value), encodings obey the wire rules (4-byte alignment,
//! zeroed padding, lengths that add up), and decoding arbitrary or mutated
//! bytes never panics — it returns a value or an error whose offset lies
//! inside the input.

use genl::demo::{KvEntry, KvMeta, KvState};
use genl_core::controller::{FamilyInfo, PolicyMessage};
use genl_core::message::{Messages, Received};
use genl_core::wire::{nla_align, NLA_HDRLEN};
use genl_core::{
    AttrEnum, AttrIter, AttrSet, AttrWriter, CheckedMulti, Decode, DecodeErrorKind, Encode,
    OutOfRange,
};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, AttrSet)]
struct Inner {
    #[nla(id = 1)]
    a: u8,
    #[nla(id = 2)]
    b: Option<i64>,
    #[nla(id = 3, multi)]
    c: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, AttrSet)]
struct Deep {
    #[nla(id = 1, nested)]
    inner: Inner,
    #[nla(id = 2)]
    tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, AttrSet)]
struct Scalars {
    #[nla(id = 1)]
    u8_: u8,
    #[nla(id = 2)]
    u16_: u16,
    #[nla(id = 3)]
    u32_: u32,
    #[nla(id = 4)]
    u64_: u64,
    #[nla(id = 5)]
    i8_: i8,
    #[nla(id = 6)]
    i16_: i16,
    #[nla(id = 7)]
    i32_: i32,
    #[nla(id = 8)]
    i64_: i64,
    #[nla(id = 9)]
    flag: bool,
    #[nla(id = 10, be)]
    port: Option<u16>,
    #[nla(id = 11, be)]
    addr: Option<u32>,
    #[nla(id = 12, be)]
    big: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, AttrSet)]
struct Everything<'a> {
    #[nla(id = 1, nested)]
    scalars: Scalars,
    #[nla(id = 2)]
    name: &'a str,
    #[nla(id = 3)]
    owned: Option<String>,
    #[nla(id = 4)]
    bytes: Option<&'a [u8]>,
    #[nla(id = 5)]
    owned_bytes: Option<Vec<u8>>,
    #[nla(id = 6)]
    mac: Option<[u8; 6]>,
    #[nla(id = 7)]
    state: Option<KvState>,
    #[nla(id = 8, nested)]
    deep: Option<Deep>,
    #[nla(id = 9, multi)]
    many: Vec<u32>,
    #[nla(id = 10, indexed)]
    list: Vec<Inner>,
    #[nla(id = 11, multi)]
    names: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, genl_core::AttrEnum)]
enum Open<'a> {
    #[nla(id = 1)]
    Num(u32),
    #[nla(id = 2)]
    Text(&'a str),
    #[nla(id = 3)]
    Flag,
    #[nla(id = 4, be)]
    Port(u16),
    #[nla(id = 5, nested)]
    Nest(Inner),
    #[nla(other)]
    Other(u16, &'a [u8]),
}

/// The same ids, no `other` variant: unknown ids are errors.
#[derive(Debug, Clone, PartialEq, genl_core::AttrEnum)]
enum Closed {
    #[nla(id = 1)]
    Num(u32),
}

#[derive(Debug, AttrSet)]
struct WithMulti<'a> {
    #[nla(id = 1, multi)]
    values: CheckedMulti<'a, u32>,
}

fn text() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,24}"
}

fn inner() -> impl Strategy<Value = Inner> {
    (
        any::<u8>(),
        any::<Option<i64>>(),
        prop::collection::vec(any::<u16>(), 0..5),
    )
        .prop_map(|(a, b, c)| Inner { a, b, c })
}

fn scalars() -> impl Strategy<Value = Scalars> {
    (
        (any::<u8>(), any::<u16>(), any::<u32>(), any::<u64>()),
        (any::<i8>(), any::<i16>(), any::<i32>(), any::<i64>()),
        (
            any::<bool>(),
            any::<Option<u16>>(),
            any::<Option<u32>>(),
            any::<Option<i64>>(),
        ),
    )
        .prop_map(
            |((u8_, u16_, u32_, u64_), (i8_, i16_, i32_, i64_), (flag, port, addr, big))| Scalars {
                u8_,
                u16_,
                u32_,
                u64_,
                i8_,
                i16_,
                i32_,
                i64_,
                flag,
                port,
                addr,
                big,
            },
        )
}

/// Owned parts of `Everything` (the borrowed fields point into these).
#[derive(Debug, Clone)]
struct Parts {
    scalars: Scalars,
    name: String,
    owned: Option<String>,
    bytes: Option<Vec<u8>>,
    owned_bytes: Option<Vec<u8>>,
    mac: Option<[u8; 6]>,
    state: Option<KvState>,
    deep: Option<Deep>,
    many: Vec<u32>,
    list: Vec<Inner>,
    names: Vec<String>,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        (scalars(), text(), prop::option::of(text())),
        (
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            any::<Option<[u8; 6]>>(),
            prop::option::of(prop_oneof![Just(KvState::Active), Just(KvState::Stale)]),
        ),
        (
            prop::option::of(
                (inner(), prop::option::of(text())).prop_map(|(inner, tag)| Deep { inner, tag }),
            ),
            prop::collection::vec(any::<u32>(), 0..16),
            prop::collection::vec(inner(), 0..4),
            prop::collection::vec(text(), 0..4),
        ),
    )
        .prop_map(
            |(
                (scalars, name, owned),
                (bytes, owned_bytes, mac, state),
                (deep, many, list, names),
            )| {
                Parts {
                    scalars,
                    name,
                    owned,
                    bytes,
                    owned_bytes,
                    mac,
                    state,
                    deep,
                    many,
                    list,
                    names,
                }
            },
        )
}

impl Parts {
    fn view(&self) -> Everything<'_> {
        Everything {
            scalars: self.scalars.clone(),
            name: &self.name,
            owned: self.owned.clone(),
            bytes: self.bytes.as_deref(),
            owned_bytes: self.owned_bytes.clone(),
            mac: self.mac,
            state: self.state,
            deep: self.deep.clone(),
            many: self.many.clone(),
            list: self.list.clone(),
            names: self.names.iter().map(String::as_str).collect(),
        }
    }
}

/// Walks an encoding (recursively where `nested` says so) checking the wire
/// rules: each attribute 4-byte aligned, `nla_len` within bounds, padding
/// zero, and the attributes exactly cover the buffer.
fn check_wire(buf: &[u8], nested: &dyn Fn(usize, u16) -> bool, depth: usize) {
    assert_eq!(buf.len() % 4, 0, "attribute area is 4-byte aligned");
    let mut pos = 0;
    while pos < buf.len() {
        let len = u16::from_ne_bytes([buf[pos], buf[pos + 1]]) as usize;
        let ty = u16::from_ne_bytes([buf[pos + 2], buf[pos + 3]]);
        assert!(len >= NLA_HDRLEN && pos + len <= buf.len());
        let end = pos + nla_align(len);
        assert!(
            buf[pos + len..end].iter().all(|&b| b == 0),
            "padding is zero"
        );
        if nested(depth, ty & 0x3fff) {
            assert_ne!(ty & 0x8000, 0, "nests carry NLA_F_NESTED");
            check_wire(
                &buf[pos + NLA_HDRLEN..pos + nla_align(len)],
                nested,
                depth + 1,
            );
        }
        pos = end;
    }
    assert_eq!(pos, buf.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_value_kind_round_trips(p in parts()) {
        let v = p.view();
        let bytes = v.encode_to_vec().unwrap();
        let back = Everything::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &v);
        // Only the top level's nests (1, 8, 10) are checked recursively;
        // inside them the walk checks alignment and padding.
        check_wire(&bytes, &|depth, id| depth == 0 && matches!(id, 1 | 8 | 10), 0);
    }

    #[test]
    fn encoding_appends_to_a_reused_buffer(p in parts(), prefix in 0usize..4) {
        let v = p.view();
        let fresh = v.encode_to_vec().unwrap();
        let mut buf = vec![0xAAu8; prefix * 4];
        v.encode(&mut AttrWriter::new(&mut buf)).unwrap();
        prop_assert_eq!(&buf[prefix * 4..], &fresh[..]);
    }

    #[test]
    fn attr_enums_round_trip_and_keep_unknown_ids(
        nums in prop::collection::vec(any::<u32>(), 0..4),
        texts in prop::collection::vec(text(), 0..4),
        flag in any::<bool>(),
        port in any::<u16>(),
        nest in inner(),
        unknown in prop::collection::vec((6u16..0x3fff, prop::collection::vec(any::<u8>(), 0..12)), 0..4),
    ) {
        let mut items: Vec<Open<'_>> = nums.iter().map(|n| Open::Num(*n)).collect();
        items.extend(texts.iter().map(|t| Open::Text(t)));
        if flag {
            items.push(Open::Flag);
        }
        items.push(Open::Port(port));
        items.push(Open::Nest(nest));
        items.extend(unknown.iter().map(|(id, v)| Open::Other(*id, v)));
        let bytes = items.encode_to_vec().unwrap();
        let back: Vec<Open<'_>> = Vec::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &items);
        let lazily: Vec<Open<'_>> = Open::iter(&bytes).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(&lazily, &items);
        // Without an `other` variant, the first unknown id is an error.
        let closed: Result<Vec<Closed>, _> = Vec::decode(&bytes);
        if items.iter().all(|i| matches!(i, Open::Num(_))) {
            prop_assert!(closed.is_ok());
        } else {
            let e = closed.unwrap_err();
            let unknown = matches!(e.kind(), DecodeErrorKind::UnknownAttr { .. });
            prop_assert!(unknown, "{:?}", e);
            prop_assert!(e.offset() < bytes.len());
        }
    }

    #[test]
    fn lazy_multi_matches_vec(values in prop::collection::vec(any::<u32>(), 0..20)) {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        for v in &values {
            w.put_u32(1, *v);
        }
        let lazy = WithMulti::decode(&buf).unwrap();
        let got: Vec<u32> = lazy.values.iter().collect();
        prop_assert_eq!(got, values);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let within = |r: Result<(), genl_core::DecodeError>| {
            if let Err(e) = r {
                assert!(e.offset() <= bytes.len(), "offset {} of {}", e.offset(), bytes.len());
            }
        };
        within(Everything::decode(&bytes).map(drop));
        within(KvEntry::decode(&bytes).map(drop));
        within(Vec::<Open<'_>>::decode(&bytes).map(drop));
        within(FamilyInfo::decode(&bytes).map(drop));
        within(PolicyMessage::decode(&bytes).map(drop));
        within(WithMulti::decode(&bytes).map(|m| { let _ = m.values.iter().count(); }));
        for a in AttrIter::new(&bytes) {
            match a {
                Ok(a) => {
                    prop_assert!(a.offset + NLA_HDRLEN + a.value.len() <= bytes.len());
                    for n in a.nested().flatten() {
                        prop_assert!(n.offset + NLA_HDRLEN + n.value.len() <= bytes.len());
                    }
                }
                Err(e) => prop_assert!(e.offset() < bytes.len()),
            }
        }
        for m in Messages::new(&bytes) {
            match m {
                Ok(m) => { let _ = Received::parse(&m); }
                Err(e) => prop_assert!(e.offset() < bytes.len()),
            }
        }
    }

    #[test]
    fn mutated_encodings_never_panic(p in parts(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), cut in any::<prop::sample::Index>()) {
        let mut bytes = p.view().encode_to_vec().unwrap();
        for (i, b) in &flips {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        let cut = cut.index(bytes.len() + 1);
        for buf in [&bytes[..], &bytes[..cut]] {
            if let Err(e) = Everything::decode(buf) {
                prop_assert!(e.offset() <= buf.len());
                let _ = e.to_string();
            }
        }
    }
}

#[test]
fn checks_fail_on_encode_and_decode_with_the_field_path() {
    let long = "k".repeat(65);
    let e = KvEntry {
        key: &long,
        value: None,
        meta: None,
    }
    .encode_to_vec()
    .unwrap_err();
    assert_eq!(e.path(), "KvEntry.key");
    // The same bytes written without the check are rejected when decoding.
    let mut raw = Vec::new();
    AttrWriter::new(&mut raw).put_str(1, &long).unwrap();
    let d = KvEntry::decode(&raw).unwrap_err();
    assert_eq!(d.path(), "KvEntry.key");
    assert_eq!(d.offset(), 0);
    assert!(matches!(
        d.kind(),
        DecodeErrorKind::OutOfRange(OutOfRange::Length {
            max: Some(64),
            actual: 65,
            ..
        })
    ));
    // A nested failure names the whole path and the inner attribute's offset.
    let mut raw = Vec::new();
    let mut w = AttrWriter::new(&mut raw);
    w.put_str(1, "k").unwrap(); // 8 bytes
    let n = w.begin_nest(3); // header at 8
    w.put_u32(1, 99); // state at 12: not a KvState
    w.end_nest(n).unwrap();
    let d = KvEntry::decode(&raw).unwrap_err();
    assert_eq!(d.path(), "KvEntry.meta.state");
    assert_eq!(d.offset(), 12);
    assert!(matches!(
        d.kind(),
        DecodeErrorKind::UnknownEnumValue { value: 99, .. }
    ));
    // Missing required attribute.
    let d = KvEntry::decode(&[]).unwrap_err();
    assert_eq!(d.path(), "KvEntry.key");
    assert!(matches!(d.kind(), DecodeErrorKind::Missing { id: 1 }));
    // The demo's nested set decodes when valid.
    let e = KvEntry {
        key: "k",
        value: Some(b"v"),
        meta: Some(KvMeta {
            state: Some(KvState::Active),
            port: Some(443),
        }),
    };
    assert_eq!(KvEntry::decode(&e.encode_to_vec().unwrap()).unwrap(), e);
}

#[test]
fn duplicate_attributes_last_wins() {
    let mut raw = Vec::new();
    let mut w = AttrWriter::new(&mut raw);
    w.put_str(1, "first").unwrap();
    w.put_str(1, "second").unwrap();
    assert_eq!(KvEntry::decode(&raw).unwrap().key, "second");
}
