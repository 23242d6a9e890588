//! Subscriptions on the fake kernel: typed events, overflow, the family
//! going away.

use std::time::Duration;

use crate::testing::fixture::*;
use crate::{Error, Subscription};

#[test]
fn events_reach_the_subscriber_typed() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    let fam = conn.resolve("fake_demo").unwrap().clone();
    let mut sub = Subscription::with_transport(kernel.socket(), fam, "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(5)));
    conn.request(
        cmd::Set,
        &Entry {
            key: "w",
            value: Some(3),
        },
    )
    .unwrap();
    let ev = sub.next_event().unwrap();
    let e = ev.event(cmd::Changed).expect("a CHANGED").unwrap();
    assert_eq!((e.key, e.value), ("w", Some(3)));
}

#[test]
fn a_subscription_survives_an_overflow_and_ends_with_its_family() {
    let (kernel, _) = setup();
    let mut conn = kernel.connection();
    let fam = conn.resolve("fake_demo").unwrap().clone();
    let sock = kernel.socket();
    let port = crate::Transport::port_id(&sock);
    let mut sub = Subscription::with_transport(sock, fam, "events").unwrap();
    sub.set_timeout(Some(Duration::from_secs(5)));
    kernel.overflow(port);
    assert!(matches!(sub.next_event(), Err(Error::EventsLost)));
    conn.request(
        cmd::Set,
        &Entry {
            key: "after",
            value: None,
        },
    )
    .unwrap();
    assert!(sub.next_event().is_ok(), "keeps working");
    kernel.remove_family("fake_demo");
    assert!(matches!(sub.next_event(), Err(Error::FamilyNotFound(_))));
}
