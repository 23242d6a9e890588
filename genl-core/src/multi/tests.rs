//! Decoding and encoding of `CheckedMulti` and `DeferredMulti` fields
//! through derived sets: the kernel's layouts of repeated attributes and indexed arrays.

use super::{CheckedMulti, DeferredMulti};
use crate::{AttrSet, Decode, Encode};

#[derive(Debug, AttrSet)]
struct Set<'a> {
    #[nla(id = 1)]
    name: Option<&'a str>,
    #[nla(id = 2, multi)]
    ids: CheckedMulti<'a, u16>,
}

/// `nla_put_u16(skb, 2, v)`: len 6, type 2, value, 2 bytes of padding.
fn u16_attr(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&[6, 0, 2, 0]);
    out.extend_from_slice(&v.to_ne_bytes());
    out.extend_from_slice(&[0, 0]);
}

/// `nla_put_string(skb, 1, "x")`: len 6, type 1, "x\0", padding.
fn name_attr(out: &mut Vec<u8>) {
    out.extend_from_slice(&[6, 0, 1, 0, b'x', 0, 0, 0]);
}

#[test]
fn back_to_back_occurrences_iterate_in_order() {
    let mut b = Vec::new();
    name_attr(&mut b);
    for v in [7, 0xffff, 0] {
        u16_attr(&mut b, v);
    }
    // The last attribute without its trailing padding is accepted.
    b.truncate(b.len() - 2);
    let s = Set::decode(&b).unwrap();
    assert_eq!(s.name, Some("x"));
    assert_eq!(s.ids.len(), 3);
    assert_eq!(s.ids.iter().collect::<Vec<_>>(), [7, 0xffff, 0]);
    assert_eq!(s.ids.iter().len(), 3);
}

#[test]
fn interleaved_occurrences_skip_the_other_attributes() {
    let mut b = Vec::new();
    u16_attr(&mut b, 1);
    name_attr(&mut b);
    u16_attr(&mut b, 2);
    name_attr(&mut b);
    name_attr(&mut b);
    u16_attr(&mut b, 3);
    name_attr(&mut b);
    let s = Set::decode(&b).unwrap();
    assert_eq!(s.ids.iter().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(s.ids, CheckedMulti::new(&[1u16, 2, 3]));
}

/// [`Set`] with its `ids` checked only as they are iterated (the fields
/// declared in the other order: the wire order is the ids').
#[derive(Debug, AttrSet)]
struct Deferred<'a> {
    #[nla(id = 2, multi)]
    ids: DeferredMulti<'a, u16>,
    #[nla(id = 1)]
    name: Option<&'a str>,
}

#[derive(Debug, AttrSet)]
struct Names<'a> {
    #[nla(id = 2, multi)]
    names: CheckedMulti<'a, &'a str>,
}

#[derive(Debug, AttrSet)]
struct Array<'a> {
    #[nla(id = 3, indexed)]
    ports: CheckedMulti<'a, u32>,
}

/// `nla_nest_start(skb, 3)` holding `nla_put_u32(skb, i, v)` for
/// i = 1..: the layout of the kernel's indexed arrays.
fn indexed_u32(values: &[u32]) -> Vec<u8> {
    let len = 4 + 8 * values.len() as u16;
    let mut b = Vec::new();
    b.extend_from_slice(&len.to_ne_bytes());
    b.extend_from_slice(&(3u16 | 0x8000).to_ne_bytes());
    for (i, v) in values.iter().enumerate() {
        b.extend_from_slice(&8u16.to_ne_bytes());
        b.extend_from_slice(&(i as u16 + 1).to_ne_bytes());
        b.extend_from_slice(&v.to_ne_bytes());
    }
    b
}

#[test]
fn an_indexed_multi_decodes_and_encodes_the_kernel_layout() {
    let b = indexed_u32(&[80, 443, 8080]);
    let a = Array::decode(&b).unwrap();
    assert_eq!(a.ports.len(), 3);
    assert_eq!(a.ports.iter().collect::<Vec<_>>(), [80, 443, 8080]);
    let again = Array {
        ports: CheckedMulti::new(&[80, 443, 8080]),
    };
    assert_eq!(again.encode_to_vec().unwrap(), b);
    // An element of 2 bytes fails the decode, at its offset.
    let mut bad = b.clone();
    bad[12] = 6;
    let e = Array::decode(&bad).unwrap_err();
    assert_eq!(e.offset(), 12, "{e}");
}

#[test]
fn occurrences_of_different_lengths_iterate_in_order() {
    // `nla_put_string(skb, 2, s)` for "a", "bcdef", "" (lengths 6, 10, 5).
    let mut b = Vec::new();
    b.extend_from_slice(&[6, 0, 2, 0, b'a', 0, 0, 0]);
    b.extend_from_slice(&[10, 0, 2, 0, b'b', b'c', b'd', b'e', b'f', 0, 0, 0]);
    b.extend_from_slice(&[5, 0, 2, 0, 0, 0, 0, 0]);
    let n = Names::decode(&b).unwrap();
    assert_eq!(n.names.iter().collect::<Vec<_>>(), ["a", "bcdef", ""]);
}

#[test]
fn a_lazy_multi_reports_a_bad_occurrence_when_iterated() {
    let mut b = Vec::new();
    u16_attr(&mut b, 1);
    name_attr(&mut b);
    // A u16 attribute of 3 value bytes, at offset 16.
    b.extend_from_slice(&[7, 0, 2, 0, 1, 2, 3, 0]);
    u16_attr(&mut b, 4);
    let s = Deferred::decode(&b).unwrap();
    assert_eq!(s.name, Some("x"));
    let got: Vec<_> = s.ids.iter().collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], Ok(1));
    let e = got[1].clone().unwrap_err();
    assert_eq!(e.offset(), 16, "{e}");
    assert!(e.path().contains("ids"), "{}", e.path());
}

#[test]
fn a_bad_occurrence_fails_the_decode() {
    let mut b = Vec::new();
    u16_attr(&mut b, 1);
    // A u16 attribute of 3 value bytes.
    b.extend_from_slice(&[7, 0, 2, 0, 1, 2, 3, 0]);
    let e = Set::decode(&b).unwrap_err();
    assert_eq!(e.offset(), 8, "{e}");
}
