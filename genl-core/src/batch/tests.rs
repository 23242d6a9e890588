//! Batches on the fake kernel: each request's own outcome, overflow,
//! nothing to send.

use std::sync::{Arc, Mutex};

use crate::testing::fixture::*;
use crate::testing::{FakeError, FakeKernel, Response};
use crate::Error;

/// A family whose SET refuses keys starting with "bad" (with an extack
/// message pointing at the key) and records every request's flags.
fn batch_family() -> (FakeKernel, Store, Arc<Mutex<Vec<u16>>>) {
    let kernel = FakeKernel::new();
    let store: Store = Default::default();
    let flags = Arc::new(Mutex::new(Vec::new()));
    let (s, f) = (store.clone(), flags.clone());
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        f.lock().unwrap().push(req.flags);
        let e: Entry<'_> = req.decode().unwrap();
        if e.key.starts_with("bad") {
            return Response::Error(FakeError {
                errno: libc::EINVAL,
                message: Some("bad key".into()),
                offset: Some(20),
                missing_type: None,
            });
        }
        s.lock()
            .unwrap()
            .insert(e.key.to_owned(), e.value.unwrap_or(0));
        Response::ack()
    });
    (kernel, store, flags)
}

#[test]
fn a_batch_reports_each_requests_own_outcome() {
    let (kernel, store, flags) = batch_family();
    let mut conn = kernel.connection();
    let keys: Vec<String> = (0..300)
        .map(|i| {
            if i % 50 == 7 {
                format!("bad{i}")
            } else {
                format!("k{i}")
            }
        })
        .collect();
    let mut batch = conn.batch();
    for (i, k) in keys.iter().enumerate() {
        let e = Entry {
            key: k,
            value: Some(i as u64),
        };
        assert_eq!(batch.request(cmd::Set, &e).unwrap(), i);
    }
    let outcomes = batch.send().unwrap();
    assert_eq!(outcomes.len(), keys.len());
    for (k, o) in keys.iter().zip(&outcomes) {
        match o {
            Ok(()) => assert!(!k.starts_with("bad"), "{k}"),
            Err(Error::Kernel(e)) => {
                assert!(k.starts_with("bad"), "{k}: {e}");
                assert_eq!(
                    (e.errno, e.message.as_deref()),
                    (libc::EINVAL, Some("bad key"))
                );
                assert_eq!(
                    e.path.as_deref(),
                    Some("Entry.key"),
                    "the path of its own request"
                );
            }
            Err(e) => panic!("{k}: {e}"),
        }
    }
    // Every good request was applied, the bad ones alone were refused.
    let s = store.lock().unwrap();
    assert_eq!(s.len(), 294);
    assert_eq!(s["k299"], 299);
    // 300 requests in rounds of at most 128: only each round's last asks
    // for an ACK.
    let f = flags.lock().unwrap();
    assert_eq!(f.len(), 300);
    let acked: Vec<usize> = (0..300)
        .filter(|i| f[*i] & crate::message::NLM_F_ACK != 0)
        .collect();
    assert_eq!(acked, [127, 255, 299]);
}

#[test]
fn a_batch_whose_answers_overflow_the_socket_says_which_are_unknown() {
    let (kernel, _, _) = batch_family();
    let mut conn = kernel.connection();
    let port = conn.port_id();
    let mut batch = conn.batch();
    for k in ["a", "bad", "c"] {
        batch
            .request(
                cmd::Set,
                &Entry {
                    key: k,
                    value: None,
                },
            )
            .unwrap();
    }
    // The socket overflows before the answers are read: the kernel's
    // error for "bad" and the final ACK are queued behind the overflow,
    // but the round cannot know what was dropped.
    kernel.overflow(port);
    let outcomes = batch.send().unwrap();
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes.iter().all(|o| matches!(o, Err(Error::EventsLost))),
        "{outcomes:?}"
    );
}

#[test]
fn an_empty_batch_sends_nothing() {
    let (kernel, _, _) = batch_family();
    let mut conn = kernel.connection();
    conn.resolve("fake_demo").unwrap();
    let before = kernel.requests();
    assert!(conn.batch().send().unwrap().is_empty());
    assert_eq!(kernel.requests(), before);
}
