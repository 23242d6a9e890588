//! The fake family the runtime tests share: a key/value store served on a
//! [`FakeKernel`], with GET (do and dump), SET (which notifies `events`)
//! and SLOW (never answered).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{FakeError, FakeKernel, Response};
use crate::{AttrSet, Encode, Family};

/// An entry of the test family.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(pad = 3)]
pub struct Entry<'a> {
    #[nla(id = 1, max_len = 16)]
    pub key: &'a str,
    #[nla(id = 2)]
    pub value: Option<u64>,
}

/// A key alone.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
#[genl(subset_of = Entry)]
pub struct Key<'a> {
    pub key: &'a str,
}

/// The test family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "fake_demo", version = 1, mcast_groups("events"))]
pub enum Cmd {
    #[genl(cmd = 1, request = Key<'a>, reply = Entry<'a>, dump)]
    Get,
    #[genl(cmd = 2, request = Entry<'a>, admin_perm)]
    Set,
    #[genl(cmd = 3, request = Key<'a>, reply = Entry<'a>)]
    Slow,
    #[genl(cmd = 4, reply = Entry<'a>, event = "events")]
    Changed,
}

/// The family's entries.
pub(crate) type Store = Arc<Mutex<BTreeMap<String, u64>>>;

/// A key/value family on `kernel`: GET (do and dump), SET (notifies
/// `events`), SLOW (never answered: the test answers it).
pub(crate) fn serve(kernel: &FakeKernel, store: Store) -> u16 {
    let k = kernel.clone();
    kernel.add_family("fake_demo", 1, &["events"], move |req| {
        let mut s = store.lock().unwrap();
        match req.genl.cmd {
            1 if req.is_dump() => Response::Messages(
                s.iter()
                    .map(|(key, v)| {
                        Entry {
                            key,
                            value: Some(*v),
                        }
                        .encode_to_vec()
                        .unwrap()
                    })
                    .collect(),
            ),
            1 => {
                let key: Key<'_> = req.decode().unwrap();
                match s.get(key.key) {
                    Some(v) => Response::reply(&Entry {
                        key: key.key,
                        value: Some(*v),
                    }),
                    None => Response::Error(FakeError {
                        errno: libc::ENOENT,
                        message: Some("no such key".into()),
                        // The key attribute: after nlmsghdr and genlmsghdr.
                        offset: Some(20),
                        missing_type: None,
                    }),
                }
            }
            2 => {
                let e: Entry<'_> = req.decode().unwrap();
                s.insert(e.key.to_owned(), e.value.unwrap_or(0));
                let k = k.clone();
                let attrs = e.encode_to_vec().unwrap();
                drop(s);
                k.multicast("fake_demo", "events", 4, &attrs);
                Response::ack()
            }
            _ => Response::Silence,
        }
    })
}

/// A fake kernel serving the family on an empty store.
pub(crate) fn setup() -> (FakeKernel, Store) {
    let kernel = FakeKernel::new();
    let store: Store = Default::default();
    serve(&kernel, store.clone());
    (kernel, store)
}

/// Stores `k` = `v`.
pub(crate) fn put(store: &Store, k: &str, v: u64) {
    store.lock().unwrap().insert(k.into(), v);
}

/// Reloads the family: unregistered, registered again under a new id.
pub(crate) fn reload(kernel: &FakeKernel, store: &Store) -> (u16, u16) {
    let old = kernel.family_id("fake_demo").unwrap();
    kernel.remove_family("fake_demo");
    let new = serve(kernel, store.clone());
    assert_ne!(old, new);
    (old, new)
}

/// Unloads the family from another thread, 100 ms from now (while a
/// request waits on it).
pub(crate) fn unload_soon(kernel: &FakeKernel) -> std::thread::JoinHandle<()> {
    let k = kernel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        k.remove_family("fake_demo");
    })
}
