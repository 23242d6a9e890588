//! What only a client of version 1 of the family does: today's schema. The
//! suite's `xtask/mixed/v2.patch` replaces this file with version 2's.

use genl::demo::{demo_cmd, KvEntry};
use genl_core::message::AttrBuf;
use genl_core::Command;
use genl_core::{Connection, GenlHeader, RawRequest, Subscription};

/// A `KV_SET` request as this version writes it.
pub fn entry<'a>(key: &'a str, value: &'a [u8]) -> KvEntry<'a> {
    KvEntry {
        key,
        value: Some(value),
        meta: None,
    }
}

/// The `KV_GET` attribute id version 2 adds (`ttl`): this client does not
/// know it, but looks for it in a raw reply to show a newer module sends it.
const V2_TTL: u16 = 4;
/// The command version 2 adds (`KV_FLUSH`), sent here by number, as a newer
/// program beside this client would.
const V2_KV_FLUSH: u8 = 7;
/// The event version 2 adds (`KV_FLUSHED`).
const V2_KV_FLUSHED: u8 = 8;

/// Against a module of version 2: the reply to `KV_GET` carries an
/// attribute this client does not know and still decodes; an event it does
/// not know is passed over.
pub fn differences(
    conn: &mut Connection,
    sub: &mut Subscription,
    module: u32,
) -> Result<Vec<String>, String> {
    let mut seen = Vec::new();
    conn.request(demo_cmd::KvSet, &entry("old", b"client"))
        .map_err(|e| format!("set old: {e}"))?;
    let typed = conn
        .query(demo_cmd::KvGet, &genl::demo::KvKey { key: "old" })
        .map_err(|e| format!("get old: {e}"))?;
    if (typed.key, typed.value) != ("old", Some(&b"client"[..])) {
        return Err(format!("get old gave {typed:?}"));
    }
    let id = conn.resolve("genl_demo").map_err(|e| e.to_string())?.id;
    let mut key = Vec::new();
    genl_core::AttrWriter::new(&mut key)
        .put_str(1, "old")
        .map_err(|e| e.to_string())?;
    let key = AttrBuf(key);
    let reply = conn
        .request_by_id(RawRequest::new(
            id,
            GenlHeader {
                cmd: <demo_cmd::KvGet as Command>::ID,
                version: 1,
            },
            &key,
        ))
        .map_err(|e| format!("raw get old: {e}"))?
        .ok_or("raw get old: no reply")?;
    let ids: Vec<u16> = genl_core::wire::AttrIter::new(reply.attrs)
        .filter_map(|a| a.ok().map(|a| a.id))
        .collect();
    let has_ttl = ids.contains(&V2_TTL);
    if has_ttl != (module >= 2) {
        return Err(format!(
            "module v{module}'s KV_GET reply carries attributes {ids:?}"
        ));
    }
    if has_ttl {
        seen.push(format!(
            "module v{module}'s replies carry attribute {V2_TTL} (ttl), unknown here: \
             they decode all the same"
        ));
    }
    // The KV_SET event of "old".
    let ev = sub.next_event().map_err(|e| format!("events: {e}"))?;
    if ev.event(demo_cmd::KvEvent).is_none() {
        return Err(format!("event {} instead of KV_EVENT", ev.genl.cmd));
    }
    if module < 2 {
        return Ok(seen);
    }
    // Another program flushes with the new command: this client's
    // subscription gets KV_FLUSHED, which it does not know, then goes on.
    conn.request_by_id(RawRequest::new(
        id,
        GenlHeader {
            cmd: V2_KV_FLUSH,
            version: 2,
        },
        &AttrBuf::default(),
    ))
    .map_err(|e| format!("KV_FLUSH by number: {e}"))?;
    conn.request(demo_cmd::KvSet, &entry("after", b"flush"))
        .map_err(|e| format!("set after: {e}"))?;
    let ev = sub.next_event().map_err(|e| format!("events: {e}"))?;
    if ev.genl.cmd != V2_KV_FLUSHED || ev.event(demo_cmd::KvEvent).is_some() {
        return Err(format!("event {} after KV_FLUSH, not 8", ev.genl.cmd));
    }
    let ev = sub.next_event().map_err(|e| format!("events: {e}"))?;
    let e = ev
        .event(demo_cmd::KvEvent)
        .ok_or_else(|| format!("event {} after the flush, not KV_EVENT", ev.genl.cmd))?
        .map_err(|e| format!("KV_EVENT: {e}"))?;
    if e.key != "after" {
        return Err(format!("KV_EVENT for {:?}, not \"after\"", e.key));
    }
    seen.push(
        "an event it does not know (KV_FLUSHED, sent after another program's KV_FLUSH) \
         is passed over; the next KV_EVENT decodes"
            .to_owned(),
    );
    Ok(seen)
}
