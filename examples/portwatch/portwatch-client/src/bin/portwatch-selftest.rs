//! `portwatch-selftest`: the `portwatch` module checked from user space
//! through the typed client, against the running kernel (`genl vm test`
//! runs it in each kernel it boots, as root). Prints one
//! `test NAME ... ok|FAILED` line per check and a libtest-style summary;
//! exits 1 if any check failed.
//!
//! Every shape of the schema makes a round trip (nests, sparse and
//! contiguous value enums, flags, 64-bit counters, bounded and exact-length
//! binary, repeated strings, an indexed array of nests, commands without
//! attributes, a dump with a filter, an event with a nest), and every
//! rejection the kernel must make is checked by its errno and by the
//! extended ACK's path (`RuleSpec.actions[1].kind`). Invalid requests are
//! written by hand ([`AttrWriter`]) and sent untyped. Expected values come
//! from the schema (`portwatch/src/lib.rs`) and from the kernel's netlink
//! validation (`lib/nlattr.c`: a value outside a range is `ERANGE`, a
//! binary length outside its bounds too; a bit outside a mask, a string too
//! long, an attribute the policy does not accept and a failed validation
//! function are `EINVAL`), never from the module's own answers.
//!
//! The checks run in a network namespace of their own (the module keeps
//! its rules per namespace; one check compares with the namespace the
//! program started in).

use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::time::Duration;

use genl_core::message::{AttrBuf, GenlHeader};
use genl_core::{
    AttrSet, AttrWriter, Command as _, Connection, Error, Family as _, Flags, KernelError,
    Subscription,
};
use portwatch::{
    portwatch_cmd, Action, ActionKind, Change, Hit, Match, MatchFilter, PortUse, PortwatchCmd,
    Proto, Rule, RuleFilter, RuleFlag, RuleId, RuleNotice, RuleSpec, Stats, Verdict,
};

type Check = Result<(), String>;

/// A check and its name.
type Named = (&'static str, fn() -> Check);

/// `Err(what())` unless `cond`.
fn ensure(cond: bool, what: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

fn conn() -> Result<Connection, String> {
    let mut c = Connection::new().map_err(|e| format!("opening a connection: {e}"))?;
    c.set_timeout(Some(Duration::from_secs(10)));
    Ok(c)
}

/// The wire size of the netlink and generic netlink headers: the offset of
/// a request's first attribute (`include/uapi/linux/netlink.h`,
/// `genetlink.h`).
const FIRST_ATTR_OFFSET: u32 = 16 + 4;

/// A rule with only what `ADD` requires.
fn spec(id: u32, port: u16, proto: Proto) -> RuleSpec<'static> {
    RuleSpec {
        id,
        r#match: Match {
            port,
            proto,
            mark: None,
        },
        comment: None,
        verdict: None,
        flags: None,
        priority: None,
        cookie: None,
        hwaddr: None,
        tags: Vec::new(),
        actions: Vec::new(),
    }
}

/// What the module holds for `s`, before any hit: the schema says the
/// verdict defaults to `count` and counters start at 0.
fn stored<'a>(s: &RuleSpec<'a>) -> Rule<'a> {
    Rule {
        id: s.id,
        r#match: s.r#match.clone(),
        comment: s.comment,
        verdict: Some(s.verdict.unwrap_or(Verdict::Count)),
        flags: s.flags,
        priority: s.priority,
        cookie: s.cookie,
        hwaddr: s.hwaddr,
        tags: s.tags.clone(),
        actions: s.actions.clone(),
        hits: Some(0),
        bytes: Some(0),
        change: None,
    }
}

fn add(c: &mut Connection, s: &RuleSpec<'_>) -> Check {
    let got = c
        .query(portwatch_cmd::Add, s)
        .map_err(|e| format!("ADD {}: {e}", s.id))?;
    let want = stored(s);
    ensure(got == want, || {
        format!("ADD {} replied {got:#?}, want {want:#?}", s.id)
    })
}

fn get(c: &mut Connection, id: u32) -> Result<Rule<'_>, String> {
    c.query(portwatch_cmd::Get, &RuleId { id })
        .map_err(|e| format!("GET {id}: {e}"))
}

/// GET's answer, the rule's id or the error.
fn get_id(c: &mut Connection, id: u32) -> Result<u32, Error> {
    c.query(portwatch_cmd::Get, &RuleId { id }).map(|r| r.id)
}

fn flush(c: &mut Connection) -> Check {
    c.request(portwatch_cmd::Flush, &())
        .map_err(|e| format!("FLUSH: {e}"))
}

fn hit(c: &mut Connection, id: u32, bytes: Option<u64>) -> Check {
    c.request(portwatch_cmd::Hit, &Hit { id, bytes })
        .map_err(|e| format!("HIT {id}: {e}"))
}

fn stats(c: &mut Connection) -> Result<Stats, String> {
    c.query(portwatch_cmd::Stats, &())
        .map_err(|e| format!("STATS: {e}"))
}

/// The ids a GET dump lists, in order.
fn dump_ids(c: &mut Connection, filter: &RuleFilter) -> Result<Vec<u32>, String> {
    c.dump(portwatch_cmd::Get, filter)
        .and_then(|d| d.map(|r: Rule<'_>| r.id))
        .map_err(|e| format!("GET dump ({filter:?}): {e}"))
}

/// The rejection an operation must end in.
fn kernel_error<T: std::fmt::Debug>(
    r: Result<T, Error>,
    what: &str,
) -> Result<KernelError, String> {
    match r {
        Err(Error::Kernel(k)) => Ok(*k),
        other => Err(format!("{what}: want a kernel error, got {other:?}")),
    }
}

/// What a rejection must carry: its errno, the bad attribute's path (or
/// the missing one's), and a message in the extended ACK.
struct Want {
    errno: i32,
    path: Option<&'static str>,
    missing: Option<(u16, &'static str)>,
}

/// A rejected attribute: `errno` at `path`.
fn bad(errno: i32, path: &'static str) -> Want {
    Want {
        errno,
        path: Some(path),
        missing: None,
    }
}

/// A missing required attribute (`EINVAL`): its id and path.
fn missing(id: u16, path: &'static str) -> Want {
    Want {
        errno: libc::EINVAL,
        path: None,
        missing: Some((id, path)),
    }
}

fn check_rejection(k: &KernelError, want: &Want, what: &str) -> Check {
    let show = || format!("{what}: {k}");
    ensure(k.errno == want.errno, || {
        format!("{}: want errno {}", show(), want.errno)
    })?;
    ensure(k.message.is_some(), || {
        format!("{}: no extack message", show())
    })?;
    if let Some(p) = want.path {
        ensure(k.path.as_deref() == Some(p), || {
            format!("{}: want the path {p}, got {:?}", show(), k.path)
        })?;
    }
    if want.missing.is_some() && !kernel_names_missing_attributes()? {
        // The module's kernel has no NLMSGERR_ATTR_MISS_TYPE (its build's
        // genl_compat_features.h says so): the message alone names it.
        ensure(k.missing_type.is_none() && k.missing_path.is_none(), || {
            format!("{}: a missing type from a kernel without one", show())
        })?;
    } else if let Some((id, p)) = want.missing {
        ensure(k.missing_type == Some(u32::from(id)), || {
            format!(
                "{}: want missing type {id}, got {:?}",
                show(),
                k.missing_type
            )
        })?;
        ensure(k.missing_path.as_deref() == Some(p), || {
            format!("{}: want missing {p}, got {:?}", show(), k.missing_path)
        })?;
    }
    Ok(())
}

/// Whether the module's kernel can name a missing attribute in the
/// extended ACK (NLMSGERR_ATTR_MISS_TYPE, Linux 6.0), as the module's build
/// found in the kernel's headers (`genl_compat_features.h`, named by
/// `GENL_COMPAT_FEATURES` or in `GENL_VM_MODULE_DIR`).
fn kernel_names_missing_attributes() -> Result<bool, String> {
    genl_core::module_features::of_module_under_test()
        .map(|f| f.names_missing_attributes())
        .map_err(|e| format!("the module's kernel features: {e}"))
}

/// Whether the running kernel passes an extended ACK to a dump's `start`
/// callback, where the generated code checks a dump's request: Linux 6.5
/// and later ("netlink: support extack in dump ->start()"). Before, a
/// request it rejects gets the errno alone.
fn dump_start_has_extack() -> bool {
    // SAFETY: utsname is plain data (zero is a valid value), and uname(2)
    // writes only into the struct it is given.
    let (u, r) = unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        let r = libc::uname(&mut u);
        (u, r)
    };
    if r != 0 {
        return true;
    }
    let release: String = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8 as char)
        .collect();
    let mut it = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (major, minor) >= (6, 5)
}

/// A rejection by the generated check of a dump's request (its `start`):
/// as [`check_rejection`], except that a kernel before 6.5 cannot carry the
/// extended ACK (a `LIMIT` line says so and the errno alone is checked).
fn check_dump_start_rejection(k: &KernelError, want: &Want, what: &str) -> Check {
    if k.message.is_none() && k.missing_type.is_none() && !dump_start_has_extack() {
        println!(
            "LIMIT {what}: this kernel passes no extended ACK to a dump's start \
             (Linux 6.5 does): errno {} alone",
            k.errno
        );
        return ensure(k.errno == want.errno, || {
            format!("{what}: {k}: want errno {}", want.errno)
        });
    }
    check_rejection(k, want, what)
}

/// Attributes written by hand, without the Rust-side checks.
fn raw(f: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), genl_core::EncodeError>) -> AttrBuf {
    let mut v = Vec::new();
    // Writing into a Vec fails only beyond 64 KiB, which no request here
    // comes near; an error would show as a malformed request.
    let _ = f(&mut AttrWriter::new(&mut v));
    AttrBuf(v)
}

/// A match nest with the given port and protocol (each left out if None).
fn put_match(
    w: &mut AttrWriter<'_>,
    port: Option<u16>,
    proto: Option<u8>,
) -> Result<(), genl_core::EncodeError> {
    let n = w.begin_nest(Rule::MATCH);
    if let Some(p) = port {
        w.put_u16(Match::PORT, p);
    }
    if let Some(p) = proto {
        w.put_u8(Match::PROTO, p);
    }
    w.end_nest(n)
}

/// An ADD request with a valid id (`id`) and match, then `extra`.
fn raw_add(
    id: u32,
    extra: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), genl_core::EncodeError>,
) -> AttrBuf {
    raw(|w| {
        w.put_u32(Rule::ID, id);
        put_match(w, Some(8080), Some(6))?;
        extra(w)
    })
}

/// `ADD` with `req` must fail as `want` says, and store nothing.
fn add_rejected(c: &mut Connection, id: u32, req: &AttrBuf, want: Want, what: &str) -> Check {
    let k = kernel_error(c.request_unchecked(portwatch_cmd::Add, req), what)?;
    check_rejection(&k, &want, what)?;
    match get(c, id) {
        Err(_) => Ok(()),
        Ok(r) => Err(format!("{what}: rejected, yet rule {} exists", r.id)),
    }
}

/// Sends an untyped dump request of `GET` with `req`, the extended ACK
/// resolved through the dump's request set (`RuleFilter`).
fn raw_get_dump(c: &mut Connection, req: &AttrBuf) -> Result<usize, Error> {
    let id = c.resolve(PortwatchCmd::SCHEMA.name)?.id;
    let genl = GenlHeader {
        cmd: portwatch_cmd::Get::ID,
        version: PortwatchCmd::SCHEMA.version,
    };
    let mut d = c.dump_by_id(id, genl, req, Some(RuleFilter::SCHEMA))?;
    let mut n = 0;
    while d.next()?.is_some() {
        n += 1;
    }
    Ok(n)
}

// ---------------------------------------------------------------- shapes --

/// ADD replies with the rule as stored, every shape of the schema in it
/// (a nest with an optional member, a sparse enum value of 17, flags, a
/// contiguous enum, u8, bounded binary, a 6-byte array, repeated strings,
/// an indexed array of nests); GET returns the same.
fn every_shape_round_trips() -> Check {
    let mut c = conn()?;
    let s = RuleSpec {
        id: 10,
        r#match: Match {
            port: 53,
            proto: Proto::Udp,
            mark: Some(0x2a),
        },
        comment: Some("dns, watched"),
        verdict: Some(Verdict::Log),
        flags: Some(RuleFlag::Audit | RuleFlag::Disabled),
        priority: Some(255),
        cookie: Some(&[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
        hwaddr: Some([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]),
        tags: vec!["dns", "sixteen-bytes-ok"],
        actions: vec![
            Action {
                kind: ActionKind::Mark,
                arg: Some(7),
            },
            Action {
                kind: ActionKind::Mirror,
                arg: None,
            },
            Action {
                kind: ActionKind::Rate,
                arg: Some(1_000_000),
            },
        ],
    };
    add(&mut c, &s)?;
    let want = stored(&s);
    let got = get(&mut c, 10)?;
    ensure(got == want, || format!("GET gave {got:#?}, want {want:#?}"))
}

/// What the schema leaves optional stays absent, and the defaults apply
/// (verdict `count`, counters 0).
fn a_minimal_rule_gets_the_defaults() -> Check {
    let mut c = conn()?;
    let s = spec(11, 1, Proto::Tcp);
    add(&mut c, &s)?;
    let got = get(&mut c, 11)?;
    ensure(
        got.verdict == Some(Verdict::Count)
            && got.flags.is_none()
            && got.tags.is_empty()
            && got.actions.is_empty()
            && got.r#match.mark.is_none()
            && got.hits == Some(0)
            && got.bytes == Some(0),
        || format!("{got:#?}"),
    )
}

/// DEL deletes (an ACK-only command); the rule is gone.
fn del_deletes_the_rule() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(12, 22, Proto::Tcp))?;
    c.request(portwatch_cmd::Del, &RuleId { id: 12 })
        .map_err(|e| format!("DEL: {e}"))?;
    let k = kernel_error(get_id(&mut c, 12), "GET after DEL")?;
    ensure(k.errno == libc::ENOENT, || format!("GET after DEL: {k}"))
}

/// HIT counts packets and bytes in 64 bits: two hits of 5 000 000 000
/// bytes (more than a u32 holds) give 2 hits and 10 000 000 000 bytes;
/// STATS counts both hits too.
fn hits_count_in_64_bits() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(13, 443, Proto::Tcp))?;
    let before = stats(&mut c)?;
    hit(&mut c, 13, Some(5_000_000_000))?;
    hit(&mut c, 13, Some(5_000_000_000))?;
    hit(&mut c, 13, None)?;
    let r = get(&mut c, 13)?;
    ensure(r.hits == Some(3) && r.bytes == Some(10_000_000_000), || {
        format!("after 3 hits: hits {:?}, bytes {:?}", r.hits, r.bytes)
    })?;
    let after = stats(&mut c)?;
    ensure(after.hits == before.hits + 3, || {
        format!("STATS hits went from {} to {}", before.hits, after.hits)
    })
}

/// A disabled rule matches nothing: a HIT counts nothing on it.
fn a_disabled_rule_counts_nothing() -> Check {
    let mut c = conn()?;
    let mut s = spec(14, 444, Proto::Tcp);
    s.flags = Some(Flags::from(RuleFlag::Disabled));
    add(&mut c, &s)?;
    hit(&mut c, 14, Some(100))?;
    let r = get(&mut c, 14)?;
    ensure(r.hits == Some(0) && r.bytes == Some(0), || {
        format!(
            "a disabled rule counted: {:?} hits, {:?} bytes",
            r.hits, r.bytes
        )
    })
}

/// A one-shot rule is deleted after its first hit, and the `rules` group
/// hears it (DELETED, with the rule's match).
fn a_oneshot_rule_is_deleted_after_its_first_hit() -> Check {
    let mut sub = subscribe()?;
    let mut c = conn()?;
    let mut s = spec(15, 5353, Proto::Udp);
    s.flags = Some(Flags::from(RuleFlag::Oneshot));
    add(&mut c, &s)?;
    hit(&mut c, 15, Some(64))?;
    let k = kernel_error(get_id(&mut c, 15), "GET after the one hit")?;
    ensure(k.errno == libc::ENOENT, || {
        format!("GET after the one hit: {k}")
    })?;
    let m = Some(s.r#match.clone());
    expect_events(
        &mut sub,
        &[
            (Some(15), m.clone(), Change::Added),
            (Some(15), m, Change::Deleted),
        ],
    )
}

/// The `rules` group hears ADDED and DELETED with the rule's id and match
/// (a nest in the event), and FLUSHED with neither.
fn events_carry_the_change_and_the_match() -> Check {
    let mut sub = subscribe()?;
    let mut c = conn()?;
    let mut s = spec(16, 8443, Proto::Tcp);
    s.r#match.mark = Some(9);
    add(&mut c, &s)?;
    c.request(portwatch_cmd::Del, &RuleId { id: 16 })
        .map_err(|e| format!("DEL: {e}"))?;
    flush(&mut c)?;
    let m = Some(s.r#match.clone());
    expect_events(
        &mut sub,
        &[
            (Some(16), m.clone(), Change::Added),
            (Some(16), m, Change::Deleted),
            (None, None, Change::Flushed),
        ],
    )
}

fn subscribe() -> Result<Subscription, String> {
    let mut sub = Subscription::new(PortwatchCmd::SCHEMA.name, "rules")
        .map_err(|e| format!("subscribing to rules: {e}"))?;
    sub.set_timeout(Some(Duration::from_secs(10)));
    Ok(sub)
}

/// The next events are exactly `want` (id, match, change), in order.
fn expect_events(sub: &mut Subscription, want: &[(Option<u32>, Option<Match>, Change)]) -> Check {
    for (i, (id, m, change)) in want.iter().enumerate() {
        let msg = sub
            .next_event()
            .map_err(|e| format!("waiting for event {}: {e}", i + 1))?;
        let ev = msg
            .event(portwatch_cmd::RuleChanged)
            .ok_or_else(|| format!("event {}: command {}", i + 1, msg.genl.cmd))?
            .map_err(|e| format!("decoding event {}: {e}", i + 1))?;
        let exp = RuleNotice {
            id: *id,
            r#match: m.clone(),
            change: *change,
        };
        ensure(ev == exp, || {
            format!("event {}: {ev:?}, want {exp:?}", i + 1)
        })?;
    }
    Ok(())
}

/// FLUSH (no attributes) deletes every rule: the dump is empty, STATS
/// counts none.
fn flush_deletes_every_rule() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(17, 17, Proto::Tcp))?;
    add(&mut c, &spec(18, 18, Proto::Udp))?;
    flush(&mut c)?;
    let ids = dump_ids(&mut c, &RuleFilter::default())?;
    ensure(ids.is_empty(), || {
        format!("after FLUSH the dump lists {ids:?}")
    })?;
    let s = stats(&mut c)?;
    ensure(s.rules == 0, || {
        format!("after FLUSH STATS counts {} rules", s.rules)
    })
}

/// The GET dump lists every rule once, in id order, across many datagrams
/// (150 rules of ~700 bytes each), with no interruption; a filter by
/// protocol lists only the rules of that protocol.
fn the_dump_resumes_and_filters_by_protocol() -> Check {
    let mut c = conn()?;
    flush(&mut c)?;
    let tags: Vec<String> = (0..16).map(|i| format!("tag-{i:02}-of-sixtn")).collect();
    let actions: Vec<Action> = (0..16)
        .map(|i| Action {
            kind: ActionKind::Rate,
            arg: Some(i),
        })
        .collect();
    let cookie = [0x5a; 64];
    let comment = "c".repeat(64);
    let mut want_tcp = Vec::new();
    let mut want_udp = Vec::new();
    for id in 1000..1150u32 {
        let proto = if id % 3 == 0 { Proto::Udp } else { Proto::Tcp };
        let mut s = spec(id, (id % 7 + 1) as u16, proto);
        s.tags = tags.iter().map(String::as_str).collect();
        s.actions = actions.clone();
        s.cookie = Some(&cookie);
        s.comment = Some(&comment);
        add(&mut c, &s)?;
        if proto == Proto::Udp {
            want_udp.push(id);
        } else {
            want_tcp.push(id);
        }
    }
    let all = dump_ids(&mut c, &RuleFilter::default())?;
    let want_all: Vec<u32> = (1000..1150).collect();
    ensure(all == want_all, || {
        format!("the dump listed {} rules: {all:?}", all.len())
    })?;
    let filter = |proto| RuleFilter {
        r#match: Some(MatchFilter { proto }),
    };
    let tcp = dump_ids(&mut c, &filter(Proto::Tcp))?;
    ensure(tcp == want_tcp, || {
        format!("tcp filter: {tcp:?}, want {want_tcp:?}")
    })?;
    let udp = dump_ids(&mut c, &filter(Proto::Udp))?;
    ensure(udp == want_udp, || {
        format!("udp filter: {udp:?}, want {want_udp:?}")
    })?;
    flush(&mut c)
}

/// STATS (no request attributes) counts the namespace's rules.
fn stats_counts_the_rules() -> Check {
    let mut c = conn()?;
    flush(&mut c)?;
    for id in 20..25 {
        add(&mut c, &spec(id, 1000 + id as u16, Proto::Tcp))?;
    }
    let s = stats(&mut c)?;
    ensure(s.rules == 5, || {
        format!("STATS counts {} rules, 5 added", s.rules)
    })?;
    flush(&mut c)
}

/// The PORTS dump (dump-only, no request) lists each port with the number
/// of rules matching it, whatever their protocol, in port order.
fn ports_lists_each_port_with_its_rules() -> Check {
    let mut c = conn()?;
    flush(&mut c)?;
    add(&mut c, &spec(30, 53, Proto::Udp))?;
    add(&mut c, &spec(31, 53, Proto::Tcp))?;
    add(&mut c, &spec(32, 80, Proto::Tcp))?;
    add(&mut c, &spec(33, 65535, Proto::Tcp))?;
    let got: Vec<PortUse> = c
        .dump(portwatch_cmd::Ports, &())
        .and_then(|d| d.map(|p: PortUse| p))
        .map_err(|e| format!("PORTS: {e}"))?;
    let want = vec![
        PortUse { port: 53, rules: 2 },
        PortUse { port: 80, rules: 1 },
        PortUse {
            port: 65535,
            rules: 1,
        },
    ];
    ensure(got == want, || format!("PORTS gave {got:?}, want {want:?}"))?;
    c.request(portwatch_cmd::Del, &RuleId { id: 31 })
        .map_err(|e| format!("DEL: {e}"))?;
    let got: Vec<PortUse> = c
        .dump(portwatch_cmd::Ports, &())
        .and_then(|d| d.map(|p: PortUse| p))
        .map_err(|e| format!("PORTS: {e}"))?;
    ensure(got.first() == Some(&PortUse { port: 53, rules: 1 }), || {
        format!("after deleting one rule of port 53, PORTS gave {got:?}")
    })?;
    flush(&mut c)
}

/// The connection the program started with, in the namespace it started
/// in (opened before the checks moved to their own).
static OUTER: OnceLock<std::sync::Mutex<Option<Connection>>> = OnceLock::new();

/// Rules live in their network namespace: one added here is not seen from
/// the namespace the program started in.
fn rules_are_per_network_namespace() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(40, 4040, Proto::Tcp))?;
    let outer = OUTER.get().ok_or("no connection to the first namespace")?;
    let mut outer = outer.lock().map_err(|e| e.to_string())?;
    let outer = outer
        .as_mut()
        .ok_or("no connection to the first namespace")?;
    match outer.query(portwatch_cmd::Get, &RuleId { id: 40 }) {
        Err(Error::Kernel(k)) if k.errno == libc::ENOENT => Ok(()),
        Ok(r) => Err(format!("rule 40 seen from the first namespace: {r:?}")),
        Err(e) => Err(format!("GET from the first namespace: {e}")),
    }
}

// ------------------------------------------------------------ rejections --

/// An id in use: EEXIST at `RuleSpec.id`; the rule keeps its match.
fn a_duplicate_id_is_eexist() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(50, 500, Proto::Tcp))?;
    let k = kernel_error(
        c.query(portwatch_cmd::Add, &spec(50, 501, Proto::Udp))
            .map(|r| r.id),
        "ADD of a taken id",
    )?;
    check_rejection(&k, &bad(libc::EEXIST, "RuleSpec.id"), "ADD of a taken id")?;
    let r = get(&mut c, 50)?;
    ensure(r.r#match.port == 500, || format!("rule 50 changed: {r:?}"))
}

/// An unknown id: ENOENT at the id, for GET, DEL and HIT.
fn an_unknown_id_is_enoent() -> Check {
    let mut c = conn()?;
    let k = kernel_error(get_id(&mut c, 4_000_000), "GET")?;
    check_rejection(&k, &bad(libc::ENOENT, "RuleId.id"), "GET")?;
    let k = kernel_error(
        c.request(portwatch_cmd::Del, &RuleId { id: 4_000_000 }),
        "DEL",
    )?;
    check_rejection(&k, &bad(libc::ENOENT, "RuleId.id"), "DEL")?;
    let k = kernel_error(
        c.request(
            portwatch_cmd::Hit,
            &Hit {
                id: 4_000_000,
                bytes: None,
            },
        ),
        "HIT",
    )?;
    check_rejection(&k, &bad(libc::ENOENT, "Hit.id"), "HIT")
}

/// A hit that would wrap the rule's 64-bit byte counter: EOVERFLOW at
/// `Hit.bytes`, and the counters are unchanged.
fn a_byte_counter_overflow_is_rejected() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(51, 510, Proto::Tcp))?;
    hit(&mut c, 51, Some(1))?;
    let k = kernel_error(
        c.request(
            portwatch_cmd::Hit,
            &Hit {
                id: 51,
                bytes: Some(u64::MAX),
            },
        ),
        "HIT of u64::MAX bytes",
    )?;
    check_rejection(&k, &bad(libc::EOVERFLOW, "Hit.bytes"), "HIT")?;
    let r = get(&mut c, 51)?;
    ensure(r.hits == Some(1) && r.bytes == Some(1), || {
        format!(
            "after the rejected hit: {:?} hits, {:?} bytes",
            r.hits, r.bytes
        )
    })
}

/// Required attributes, checked by the generated code at every level: the
/// extended ACK names the missing attribute (MISS_TYPE) and its nest
/// (MISS_NEST).
fn missing_required_attributes_are_named() -> Check {
    let mut c = conn()?;
    // RuleSpec.id
    let req = raw(|w| put_match(w, Some(1), Some(6)));
    let k = kernel_error(
        c.request_unchecked(portwatch_cmd::Add, &req),
        "ADD without id",
    )?;
    check_rejection(&k, &missing(Rule::ID, "RuleSpec.id"), "ADD without id")?;
    // RuleSpec.match (top level)
    let req = raw(|w| {
        w.put_u32(Rule::ID, 60);
        Ok(())
    });
    add_rejected(
        &mut c,
        60,
        &req,
        missing(Rule::MATCH, "RuleSpec.match"),
        "ADD without match",
    )?;
    // RuleSpec.match.port (in a nest)
    let req = raw(|w| {
        w.put_u32(Rule::ID, 61);
        put_match(w, None, Some(6))
    });
    add_rejected(
        &mut c,
        61,
        &req,
        missing(Match::PORT, "RuleSpec.match.port"),
        "ADD without match.port",
    )?;
    // RuleSpec.match.proto
    let req = raw(|w| {
        w.put_u32(Rule::ID, 62);
        put_match(w, Some(1), None)
    });
    add_rejected(
        &mut c,
        62,
        &req,
        missing(Match::PROTO, "RuleSpec.match.proto"),
        "ADD without match.proto",
    )?;
    // RuleSpec.actions[1].kind (in the second element of an array)
    let req = raw_add(63, |w| {
        let a = w.begin_nest(Rule::ACTIONS);
        let e = w.begin_nest(1);
        w.put_u32(Action::KIND, 1);
        w.end_nest(e)?;
        let e = w.begin_nest(2);
        w.put_u32(Action::ARG, 5);
        w.end_nest(e)?;
        w.end_nest(a)
    });
    add_rejected(
        &mut c,
        63,
        &req,
        missing(Action::KIND, "RuleSpec.actions[1].kind"),
        "ADD with an action without kind",
    )?;
    // Hit.id
    let req = raw(|w| {
        w.put_u64(Rule::BYTES, 1);
        Ok(())
    });
    let k = kernel_error(
        c.request_unchecked(portwatch_cmd::Hit, &req),
        "HIT without id",
    )?;
    check_rejection(&k, &missing(Rule::ID, "Hit.id"), "HIT without id")?;
    // RuleId.id
    let k = kernel_error(
        c.request_unchecked(portwatch_cmd::Del, &AttrBuf(Vec::new())),
        "DEL without id",
    )?;
    check_rejection(&k, &missing(Rule::ID, "RuleId.id"), "DEL without id")
}

/// Values the schema's checks forbid, rejected by the kernel's policy with
/// the attribute's path: ranges (ERANGE), the sparse enum's validation
/// function, the flags mask, string and binary lengths.
fn values_outside_the_schema_are_rejected() -> Check {
    let mut c = conn()?;
    type Case = (
        &'static str,
        Box<dyn FnOnce(&mut AttrWriter<'_>) -> Result<(), genl_core::EncodeError>>,
        Want,
    );
    let cases: Vec<Case> = vec![
        (
            "protocol 7 (not a value of the sparse enum)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(7))
            }),
            bad(libc::EINVAL, "RuleSpec.match.proto"),
        ),
        (
            "port 0 (below the minimum 1)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(0), Some(6))
            }),
            bad(libc::ERANGE, "RuleSpec.match.port"),
        ),
        (
            "id 0 (below the minimum 1)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 0);
                put_match(w, Some(1), Some(6))
            }),
            bad(libc::ERANGE, "RuleSpec.id"),
        ),
        (
            "flags bit 8 (outside the mask 0x7)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_u32(Rule::FLAGS, 8);
                Ok(())
            }),
            bad(libc::EINVAL, "RuleSpec.flags"),
        ),
        (
            "verdict 3 (beyond the contiguous enum)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_u32(Rule::VERDICT, 3);
                Ok(())
            }),
            bad(libc::ERANGE, "RuleSpec.verdict"),
        ),
        (
            "priority 0 (below the minimum 1)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_u8(Rule::PRIORITY, 0);
                Ok(())
            }),
            bad(libc::ERANGE, "RuleSpec.priority"),
        ),
        (
            "a cookie of 3 bytes (minimum 4)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put(Rule::COOKIE, &[1, 2, 3])
            }),
            bad(libc::ERANGE, "RuleSpec.cookie"),
        ),
        (
            "a cookie of 65 bytes (maximum 64)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put(Rule::COOKIE, &[1; 65])
            }),
            bad(libc::ERANGE, "RuleSpec.cookie"),
        ),
        (
            "a hardware address of 5 bytes (exactly 6)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put(Rule::HWADDR, &[2, 0, 0, 0, 1])
            }),
            bad(libc::ERANGE, "RuleSpec.hwaddr"),
        ),
        (
            "a comment of 65 bytes (maximum 64)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_str(Rule::COMMENT, &"c".repeat(65))
            }),
            bad(libc::EINVAL, "RuleSpec.comment"),
        ),
        (
            "a tag of 17 bytes (maximum 16), after a good one",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_str(Rule::TAGS, "ok")?;
                w.put_str(Rule::TAGS, "seventeen-bytes!!")
            }),
            bad(libc::EINVAL, "RuleSpec.tags"),
        ),
        (
            "action kind 9 in the second element (not a value of the enum)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                let a = w.begin_nest(Rule::ACTIONS);
                let e = w.begin_nest(1);
                w.put_u32(Action::KIND, 1);
                w.end_nest(e)?;
                let e = w.begin_nest(2);
                w.put_u32(Action::KIND, 9);
                w.end_nest(e)?;
                w.end_nest(a)
            }),
            bad(libc::ERANGE, "RuleSpec.actions[1].kind"),
        ),
        (
            "action argument 1000001 (maximum 1000000)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                let a = w.begin_nest(Rule::ACTIONS);
                let e = w.begin_nest(1);
                w.put_u32(Action::KIND, 3);
                w.put_u32(Action::ARG, 1_000_001);
                w.end_nest(e)?;
                w.end_nest(a)
            }),
            bad(libc::ERANGE, "RuleSpec.actions[0].arg"),
        ),
        (
            "a counter in an ADD (not in RuleSpec)",
            Box::new(|w| {
                w.put_u32(Rule::ID, 70);
                put_match(w, Some(1), Some(6))?;
                w.put_u64(Rule::HITS, 1);
                Ok(())
            }),
            bad(libc::EINVAL, "RuleSpec.hits"),
        ),
    ];
    let mut failures = Vec::new();
    for (what, f, want) in cases {
        let req = raw(f);
        if let Err(e) = add_rejected(&mut c, 70, &req, want, what) {
            failures.push(e);
        }
    }
    ensure(failures.is_empty(), || failures.join("\n    "))
}

/// Limits of the module, with the attribute they concern: at most 16 tags
/// and 16 actions (E2BIG).
fn module_limits_are_rejected_with_the_attribute() -> Check {
    let mut c = conn()?;
    let req = raw_add(71, |w| {
        for i in 0..17 {
            w.put_str(Rule::TAGS, &format!("t{i}"))?;
        }
        Ok(())
    });
    add_rejected(
        &mut c,
        71,
        &req,
        bad(libc::E2BIG, "RuleSpec.tags"),
        "17 tags",
    )?;
    let req = raw_add(71, |w| {
        let a = w.begin_nest(Rule::ACTIONS);
        for i in 1..=17 {
            let e = w.begin_nest(i);
            w.put_u32(Action::KIND, 1);
            w.end_nest(e)?;
        }
        w.end_nest(a)
    });
    add_rejected(
        &mut c,
        71,
        &req,
        bad(libc::E2BIG, "RuleSpec.actions[16]"),
        "17 actions",
    )
}

/// The dump's filter is a view of the match nest with the protocol alone,
/// required: a port in it is rejected, a filter without the protocol too.
fn the_dump_filter_takes_the_protocol_alone() -> Check {
    let mut c = conn()?;
    let req = raw(|w| put_match(w, Some(80), Some(6)));
    let k = kernel_error(raw_get_dump(&mut c, &req), "a filter with a port")?;
    check_rejection(
        &k,
        &bad(libc::EINVAL, "RuleFilter.match.port"),
        "a filter with a port",
    )?;
    let req = raw(|w| {
        let n = w.begin_nest(Rule::MATCH);
        w.put_u32(Match::MARK, 1);
        w.end_nest(n)
    });
    let k = kernel_error(raw_get_dump(&mut c, &req), "a filter with a mark")?;
    check_rejection(
        &k,
        &bad(libc::EINVAL, "RuleFilter.match.mark"),
        "a filter with a mark",
    )?;
    let req = raw(|w| put_match(w, None, None));
    let k = kernel_error(raw_get_dump(&mut c, &req), "a filter without proto")?;
    check_dump_start_rejection(
        &k,
        &missing(Match::PROTO, "RuleFilter.match.proto"),
        "a filter without proto",
    )?;
    let req = raw(|w| put_match(w, None, Some(7)));
    // 7 is inside the range 6..17 the policy checks: the generated start
    // rejects it (not a value of the enum).
    let k = kernel_error(raw_get_dump(&mut c, &req), "a filter with proto 7")?;
    check_dump_start_rejection(
        &k,
        &bad(libc::EINVAL, "RuleFilter.match.proto"),
        "a filter with proto 7",
    )?;
    let req = raw(|w| {
        w.put_u32(Rule::ID, 1);
        Ok(())
    });
    // Linux 6.1 has one policy for GET's do and dump: the generated start
    // rejects the id there, the dump's own policy on later kernels.
    let k = kernel_error(raw_get_dump(&mut c, &req), "a dump with an id")?;
    check_dump_start_rejection(&k, &bad(libc::EINVAL, "RuleFilter.id"), "a dump with an id")
}

/// GET's do takes the id alone: the dump's filter in it is rejected (on
/// Linux 6.1 too, where do and dump share one policy).
fn get_do_rejects_the_dump_filter() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(72, 720, Proto::Tcp))?;
    let req = raw(|w| {
        w.put_u32(Rule::ID, 72);
        let n = w.begin_nest(Rule::MATCH);
        w.put_u8(Match::PROTO, 6);
        w.end_nest(n)
    });
    let k = kernel_error(
        c.request_unchecked(portwatch_cmd::Get, &req).map(|_| ()),
        "GET do with a match",
    )?;
    check_rejection(
        &k,
        &bad(libc::EINVAL, "RuleId.match"),
        "GET do with a match",
    )
}

/// Commands without attributes reject any: FLUSH, STATS and the PORTS dump
/// with an id.
fn attribute_less_commands_reject_attributes() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(73, 730, Proto::Tcp))?;
    let req = raw(|w| {
        w.put_u32(Rule::ID, 73);
        Ok(())
    });
    for (what, r) in [
        (
            "FLUSH with an id",
            c.request_unchecked(portwatch_cmd::Flush, &req).map(|_| ()),
        ),
        (
            "STATS with an id",
            c.request_unchecked(portwatch_cmd::Stats, &req).map(|_| ()),
        ),
    ] {
        let k = kernel_error(r, what)?;
        ensure(k.errno == libc::EINVAL, || format!("{what}: {k}"))?;
        ensure(k.message.is_some(), || {
            format!("{what}: no extack message: {k}")
        })?;
        ensure(k.offset == Some(FIRST_ATTR_OFFSET), || {
            format!(
                "{what}: the extack points at {:?}, not the id ({FIRST_ATTR_OFFSET}): {k}",
                k.offset
            )
        })?;
    }
    // PORTS (a dump without a request): the generated start rejects it on
    // 6.2 and later, where the kernel parses nothing for a split op without
    // a policy; 6.1's reject-all policy does before it.
    let id = c
        .resolve(PortwatchCmd::SCHEMA.name)
        .map_err(|e| format!("resolving: {e}"))?
        .id;
    let genl = GenlHeader {
        cmd: portwatch_cmd::Ports::ID,
        version: PortwatchCmd::SCHEMA.version,
    };
    let r = c
        .dump_by_id(id, genl, &req, None)
        .and_then(|mut d| d.next().map(|_| ()));
    let what = "PORTS with an id";
    let k = kernel_error(r, what)?;
    if k.message.is_none() && !dump_start_has_extack() {
        println!(
            "LIMIT {what}: this kernel passes no extended ACK to a dump's start \
             (Linux 6.5 does): errno {} alone",
            k.errno
        );
        ensure(k.errno == libc::EINVAL, || format!("{what}: {k}"))?;
    } else {
        ensure(k.errno == libc::EINVAL && k.message.is_some(), || {
            format!("{what}: {k}")
        })?;
        ensure(k.offset == Some(FIRST_ATTR_OFFSET), || {
            format!("{what}: the extack points at {:?}: {k}", k.offset)
        })?;
    }
    // The rejected FLUSH deleted nothing.
    get(&mut c, 73).map(|_| ())
}

/// Without CAP_NET_ADMIN, the admin commands (ADD, DEL, FLUSH, HIT) fail
/// with EPERM and the others work (checked in a child process running as
/// `nobody`).
fn admin_commands_need_cap_net_admin() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(74, 740, Proto::Tcp))?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("--unprivileged")
        .uid(65534)
        .gid(65534)
        .output()
        .map_err(|e| format!("running the unprivileged child: {e}"))?;
    ensure(out.status.success(), || {
        format!(
            "unprivileged child: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let r = get(&mut c, 74)?;
    ensure(r.hits == Some(0), || format!("nobody's HIT counted: {r:?}"))
}

/// The child of [`admin_commands_need_cap_net_admin`].
fn unprivileged() -> Check {
    let mut c = conn()?;
    let eperm = |r: Result<(), Error>, what: &str| match r {
        Err(Error::Kernel(k)) if k.errno == libc::EPERM => Ok(()),
        other => Err(format!("{what} as nobody: want EPERM, got {other:?}")),
    };
    eperm(
        c.query(portwatch_cmd::Add, &spec(75, 750, Proto::Tcp))
            .map(|_| ()),
        "ADD",
    )?;
    eperm(c.request(portwatch_cmd::Del, &RuleId { id: 74 }), "DEL")?;
    eperm(c.request(portwatch_cmd::Flush, &()), "FLUSH")?;
    eperm(
        c.request(
            portwatch_cmd::Hit,
            &Hit {
                id: 74,
                bytes: None,
            },
        ),
        "HIT",
    )?;
    get(&mut c, 74).map_err(|e| format!("as nobody: {e}"))?;
    stats(&mut c).map_err(|e| format!("as nobody: {e}"))?;
    dump_ids(&mut c, &RuleFilter::default()).map_err(|e| format!("as nobody: {e}"))?;
    c.dump(portwatch_cmd::Ports, &())
        .and_then(|d| d.map(|_: PortUse| ()))
        .map_err(|e| format!("PORTS as nobody: {e}"))?;
    Ok(())
}

/// The running kernel's policy (CTRL_CMD_GETPOLICY) agrees with the
/// schema, attribute by attribute and operation by operation.
fn kernel_policy_matches_the_schema() -> Check {
    let mut c = conn()?;
    let drift = genl_core::drift::check_family(&mut c, PortwatchCmd::SCHEMA)
        .map_err(|e| format!("drift check: {e}"))?;
    let text: Vec<String> = drift.iter().map(|d| d.to_string()).collect();
    ensure(drift.is_empty(), || format!("drift: {text:#?}"))
}

/// Moves the process to a network namespace of its own, keeping a
/// connection in the first one.
fn own_network_namespace() -> Check {
    let outer = conn()?;
    // SAFETY: unshare(2) with a flag, no pointers.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(format!(
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        ));
    }
    OUTER
        .set(std::sync::Mutex::new(Some(outer)))
        .map_err(|_| "the first namespace's connection is set twice".to_owned())
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--unprivileged") {
        return match unprivileged() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = own_network_namespace() {
        println!("portwatch-selftest: {e}");
        println!("test result: FAILED. 0 passed; 1 failed");
        return ExitCode::FAILURE;
    }
    let checks: &[Named] = &[
        ("every_shape_round_trips", every_shape_round_trips),
        (
            "a_minimal_rule_gets_the_defaults",
            a_minimal_rule_gets_the_defaults,
        ),
        ("del_deletes_the_rule", del_deletes_the_rule),
        ("hits_count_in_64_bits", hits_count_in_64_bits),
        (
            "a_disabled_rule_counts_nothing",
            a_disabled_rule_counts_nothing,
        ),
        (
            "a_oneshot_rule_is_deleted_after_its_first_hit",
            a_oneshot_rule_is_deleted_after_its_first_hit,
        ),
        (
            "events_carry_the_change_and_the_match",
            events_carry_the_change_and_the_match,
        ),
        ("flush_deletes_every_rule", flush_deletes_every_rule),
        (
            "the_dump_resumes_and_filters_by_protocol",
            the_dump_resumes_and_filters_by_protocol,
        ),
        ("stats_counts_the_rules", stats_counts_the_rules),
        (
            "ports_lists_each_port_with_its_rules",
            ports_lists_each_port_with_its_rules,
        ),
        (
            "rules_are_per_network_namespace",
            rules_are_per_network_namespace,
        ),
        ("a_duplicate_id_is_eexist", a_duplicate_id_is_eexist),
        ("an_unknown_id_is_enoent", an_unknown_id_is_enoent),
        (
            "a_byte_counter_overflow_is_rejected",
            a_byte_counter_overflow_is_rejected,
        ),
        (
            "missing_required_attributes_are_named",
            missing_required_attributes_are_named,
        ),
        (
            "values_outside_the_schema_are_rejected",
            values_outside_the_schema_are_rejected,
        ),
        (
            "module_limits_are_rejected_with_the_attribute",
            module_limits_are_rejected_with_the_attribute,
        ),
        (
            "the_dump_filter_takes_the_protocol_alone",
            the_dump_filter_takes_the_protocol_alone,
        ),
        (
            "get_do_rejects_the_dump_filter",
            get_do_rejects_the_dump_filter,
        ),
        (
            "attribute_less_commands_reject_attributes",
            attribute_less_commands_reject_attributes,
        ),
        (
            "admin_commands_need_cap_net_admin",
            admin_commands_need_cap_net_admin,
        ),
        (
            "kernel_policy_matches_the_schema",
            kernel_policy_matches_the_schema,
        ),
    ];
    println!("running {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed.push(*name);
            }
        }
    }
    let passed = checks.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {} failed",
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
