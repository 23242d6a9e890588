//! A dump of many small messages with no kernel underneath: a transport
//! that replays pre-built datagrams (32 KiB each, as the kernel fills dump
//! skbs), so the per-message cost of genl's receive path (routing,
//! classification, the typed decode) is measured alone, against a minimal
//! hand-written loop over the same transport. Real dumps of this shape run
//! in the VM benchmark (`tests/vm_bench.rs`), where the kernel's time
//! dominates; this one shows what the user-space side adds.

use std::cell::Cell;

use genl_core::message::{Messages, Received, GENL_HDRLEN, NLMSG_HDRLEN};
use genl_core::{AttrSet, Connection, Decode, Encode, GenlHeader, Transport};

/// One dumped entry (the shape of `genl_demo`'s `KvEntry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct Entry<'a> {
    /// The key.
    #[nla(id = 1)]
    pub key: &'a str,
    /// The value.
    #[nla(id = 2)]
    pub value: Option<&'a [u8]>,
}

/// Messages per dump.
pub const ENTRIES: usize = 4096;
const FAMILY: u16 = 0x20;
const PORT: u32 = 77;
const NLM_F_MULTI: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// Replays one dump: the datagrams, their sequence numbers set to the
/// request's on every send.
#[derive(Debug)]
pub struct Replay {
    datagrams: std::sync::Mutex<Vec<Vec<u8>>>,
    next: std::sync::atomic::AtomicUsize,
}

fn message(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(NLMSG_HDRLEN + payload.len() + 3);
    v.extend_from_slice(&((NLMSG_HDRLEN + payload.len()) as u32).to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(&flags.to_ne_bytes());
    v.extend_from_slice(&0u32.to_ne_bytes());
    v.extend_from_slice(&PORT.to_ne_bytes());
    v.extend_from_slice(payload);
    v.resize(v.len().next_multiple_of(4), 0);
    v
}

impl Replay {
    /// [`ENTRIES`] entries with keys `key-00000`… and short values, then
    /// `NLMSG_DONE`.
    pub fn new() -> Self {
        let mut datagrams = vec![Vec::new()];
        for i in 0..ENTRIES {
            let (key, value) = (format!("key-{i:05}"), format!("value {i}"));
            let mut payload = vec![4, 1, 0, 0];
            let e = Entry {
                key: &key,
                value: Some(value.as_bytes()),
            };
            payload.extend(e.encode_to_vec().expect("encodes"));
            let m = message(FAMILY, NLM_F_MULTI, &payload);
            if datagrams.last().expect("one").len() + m.len() > 32 * 1024 {
                datagrams.push(Vec::new());
            }
            datagrams.last_mut().expect("one").extend(m);
        }
        datagrams.push(message(NLMSG_DONE, NLM_F_MULTI, &0i32.to_ne_bytes()));
        Replay {
            datagrams: std::sync::Mutex::new(datagrams),
            next: 0.into(),
        }
    }
}

impl Transport for Replay {
    fn port_id(&self) -> u32 {
        PORT
    }

    fn send(&self, request: &[u8]) -> genl_core::Result<()> {
        let seq = &request[8..12];
        for d in self.datagrams.lock().expect("not poisoned").iter_mut() {
            let mut at = 0;
            while at < d.len() {
                let len = u32::from_ne_bytes(d[at..at + 4].try_into().expect("4 bytes")) as usize;
                d[at + 8..at + 12].copy_from_slice(seq);
                at += len.next_multiple_of(4);
            }
        }
        self.next.store(0, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn recv(&self, buf: &mut Vec<u8>, _: Option<std::time::Duration>) -> genl_core::Result<()> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = self.datagrams.lock().expect("not poisoned");
        let d = d.get(i).ok_or(genl_core::Error::Timeout)?;
        buf.clear();
        buf.extend_from_slice(d);
        Ok(())
    }

    fn try_recv(&self, _: &mut Vec<u8>) -> genl_core::Result<bool> {
        Ok(false)
    }

    fn join_group(&self, _: u32) -> genl_core::Result<()> {
        Ok(())
    }
}

/// genl: the dump through a [`Connection`], each entry decoded; returns
/// the total key length (checked against [`hand`]).
pub fn genl(conn: &mut Connection<Replay>) -> usize {
    let genl = GenlHeader { cmd: 4, version: 1 };
    let mut dump = conn
        .dump_by_id(genl_core::RawRequest::new(FAMILY, genl, &()))
        .expect("dump starts");
    let mut keys = 0;
    while let Some(v) = dump.next().expect("dump message") {
        keys += v.decode::<Entry<'_>>().expect("entry").key.len();
    }
    keys
}

/// The minimal loop: send, receive datagrams, skip what is not ours, decode
/// each entry, stop at `NLMSG_DONE`.
pub fn hand(t: &Replay, buf: &mut Vec<u8>, seq: &Cell<u32>) -> usize {
    let s = seq.get().wrapping_add(1).max(1);
    seq.set(s);
    let mut req = message(FAMILY, 0x301, &[4, 1, 0, 0]);
    req[8..12].copy_from_slice(&s.to_ne_bytes());
    t.send(&req).expect("sent");
    let mut keys = 0;
    loop {
        t.recv(buf, None).expect("datagram");
        for m in Messages::new(buf) {
            let m = m.expect("message");
            if m.header.sequence_number != s || m.header.port_number != PORT {
                continue;
            }
            match Received::parse(&m).expect("classified") {
                Received::Genl(v) => {
                    let e = Entry::decode_at(v.attrs, NLMSG_HDRLEN + GENL_HDRLEN).expect("entry");
                    keys += e.key.len();
                }
                Received::Done { .. } => return keys,
                _ => {}
            }
        }
    }
}
