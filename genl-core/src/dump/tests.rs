//! Dumps on the fake kernel: every item, errors at the end and in the
//! middle, interruption.

use crate::message::{NLM_F_DUMP_INTR, NLM_F_MULTI};
use crate::testing::fixture::*;
use crate::testing::{build, FakeError, FakeKernel, Response};
use crate::{Encode, Error};

#[test]
fn a_dump_returns_every_item() {
    let (kernel, store) = setup();
    for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
        put(&store, k, v);
    }
    let mut conn = kernel.connection();
    let got = conn
        .dump(cmd::Get, &())
        .unwrap()
        .map(|e| (e.key.to_owned(), e.value))
        .unwrap();
    assert_eq!(
        got,
        [
            ("a".to_owned(), Some(1)),
            ("b".to_owned(), Some(2)),
            ("c".to_owned(), Some(3))
        ]
    );
    // The owned variant is an Iterator.
    let n = conn
        .dump(cmd::Get, &())
        .unwrap()
        .owned()
        .map(|i| i.unwrap().get().unwrap().value.unwrap())
        .sum::<u64>();
    assert_eq!(n, 6);
}

/// A dump whose items are `n` entries, each in its own datagram, then
/// `last` (a datagram).
fn dump_of(kernel: &FakeKernel, n: usize, flags: u16, last: fn(u32, u32) -> Vec<u8>) {
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let mut d: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let attrs = Entry {
                    key: "k",
                    value: Some(i as u64),
                }
                .encode_to_vec()
                .unwrap();
                build::genl(
                    0x20,
                    NLM_F_MULTI | flags,
                    req.seq,
                    req.port,
                    req.genl,
                    &attrs,
                )
            })
            .collect();
        d.push(last(req.seq, req.port));
        Response::Datagrams(d)
    });
}

#[test]
fn done_with_an_error_ends_the_dump_with_it() {
    let kernel = FakeKernel::new();
    dump_of(&kernel, 2, 0, |seq, port| {
        build::done(
            seq,
            port,
            -libc::EMSGSIZE,
            Some(&FakeError {
                errno: libc::EMSGSIZE,
                message: Some("too big".into()),
                ..FakeError::default()
            }),
        )
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(d.next().unwrap().is_some());
    match d.next() {
        Err(Error::Kernel(k)) => {
            assert_eq!(k.errno, libc::EMSGSIZE);
            assert_eq!(k.message.as_deref(), Some("too big"));
        }
        other => panic!("{other:?}"),
    }
    assert!(d.next().unwrap().is_none(), "ended");
}

#[test]
fn an_error_in_the_middle_of_a_dump_ends_it() {
    let kernel = FakeKernel::new();
    kernel.add_family("fake_demo", 1, &["events"], |req| {
        let item = Entry {
            key: "k",
            value: Some(1),
        }
        .encode_to_vec()
        .unwrap();
        Response::Datagrams(vec![
            build::genl(0x20, NLM_F_MULTI, req.seq, req.port, req.genl, &item),
            build::error(req.message, req.port, -libc::ENOMEM, None),
        ])
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(matches!(d.next(), Err(Error::Kernel(k)) if k.errno == libc::ENOMEM));
}

#[test]
fn an_interrupted_dump_is_reported_at_its_end() {
    let kernel = FakeKernel::new();
    dump_of(&kernel, 2, NLM_F_DUMP_INTR, |seq, port| {
        build::done(seq, port, 0, None)
    });
    let mut conn = kernel.connection();
    let mut d = conn.dump(cmd::Get, &()).unwrap();
    assert!(d.next().unwrap().is_some());
    assert!(d.next().unwrap().is_some());
    assert!(matches!(d.next(), Err(Error::DumpInterrupted)));
}
