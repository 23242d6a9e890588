//! What the checks share: the connection, the requests they make through
//! the typed client, requests written by hand ([`raw`]) and the check of a
//! rejection (errno, extended ACK path and message: [`check_rejection`]).

use super::*;

/// `Err(what())` unless `cond`.
pub(crate) fn ensure(cond: bool, what: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

pub(crate) fn conn() -> Result<Connection, String> {
    let mut c = Connection::new().map_err(|e| format!("opening a connection: {e}"))?;
    c.set_timeout(Some(Duration::from_secs(10)));
    Ok(c)
}

/// The wire size of the netlink and generic netlink headers: the offset of
/// a request's first attribute (`include/uapi/linux/netlink.h`,
/// `genetlink.h`).
pub(crate) const FIRST_ATTR_OFFSET: u32 = 16 + 4;

/// A rule with only what `ADD` requires.
pub(crate) fn spec(id: u32, port: u16, proto: Proto) -> RuleSpec<'static> {
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
pub(crate) fn stored<'a>(s: &RuleSpec<'a>) -> Rule<'a> {
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

pub(crate) fn add(c: &mut Connection, s: &RuleSpec<'_>) -> Check {
    let got = c
        .query(portwatch_cmd::Add, s)
        .map_err(|e| format!("ADD {}: {e}", s.id))?;
    let want = stored(s);
    ensure(got == want, || {
        format!("ADD {} replied {got:#?}, want {want:#?}", s.id)
    })
}

pub(crate) fn get(c: &mut Connection, id: u32) -> Result<Rule<'_>, String> {
    c.query(portwatch_cmd::Get, &RuleId { id })
        .map_err(|e| format!("GET {id}: {e}"))
}

/// GET's answer, the rule's id or the error.
pub(crate) fn get_id(c: &mut Connection, id: u32) -> Result<u32, Error> {
    c.query(portwatch_cmd::Get, &RuleId { id }).map(|r| r.id)
}

pub(crate) fn flush(c: &mut Connection) -> Check {
    c.request(portwatch_cmd::Flush, &())
        .map_err(|e| format!("FLUSH: {e}"))
}

pub(crate) fn hit(c: &mut Connection, id: u32, bytes: Option<u64>) -> Check {
    c.request(portwatch_cmd::Hit, &Hit { id, bytes })
        .map_err(|e| format!("HIT {id}: {e}"))
}

pub(crate) fn stats(c: &mut Connection) -> Result<Stats, String> {
    c.query(portwatch_cmd::Stats, &())
        .map_err(|e| format!("STATS: {e}"))
}

/// The ids a GET dump lists, in order.
pub(crate) fn dump_ids(c: &mut Connection, filter: &RuleFilter) -> Result<Vec<u32>, String> {
    c.dump(portwatch_cmd::Get, filter)
        .and_then(|d| d.map(|r: Rule<'_>| r.id))
        .map_err(|e| format!("GET dump ({filter:?}): {e}"))
}

/// The rejection an operation must end in.
pub(crate) fn kernel_error<T: std::fmt::Debug>(
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
pub(crate) struct Want {
    pub(crate) errno: i32,
    pub(crate) path: Option<&'static str>,
    pub(crate) missing: Option<(u16, &'static str)>,
}

/// A rejected attribute: `errno` at `path`.
pub(crate) fn bad(errno: i32, path: &'static str) -> Want {
    Want {
        errno,
        path: Some(path),
        missing: None,
    }
}

/// A missing required attribute (`EINVAL`): its id and path.
pub(crate) fn missing(id: u16, path: &'static str) -> Want {
    Want {
        errno: libc::EINVAL,
        path: None,
        missing: Some((id, path)),
    }
}

pub(crate) fn check_rejection(k: &KernelError, want: &Want, what: &str) -> Check {
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
pub(crate) fn kernel_names_missing_attributes() -> Result<bool, String> {
    genl_core::module_features::of_module_under_test()
        .map(|f| f.names_missing_attributes())
        .map_err(|e| format!("the module's kernel features: {e}"))
}

/// Whether the running kernel passes an extended ACK to a dump's `start`
/// callback, where the generated code checks a dump's request: Linux 6.5
/// and later ("netlink: support extack in dump ->start()"). Before, a
/// request it rejects gets the errno alone.
pub(crate) fn dump_start_has_extack() -> bool {
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
pub(crate) fn check_dump_start_rejection(k: &KernelError, want: &Want, what: &str) -> Check {
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
pub(crate) fn raw(
    f: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), genl_core::EncodeError>,
) -> AttrBuf {
    let mut v = Vec::new();
    // Writing into a Vec fails only beyond 64 KiB, which no request here
    // comes near; an error would show as a malformed request.
    let _ = f(&mut AttrWriter::new(&mut v));
    AttrBuf(v)
}

/// A match nest with the given port and protocol (each left out if None).
pub(crate) fn put_match(
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
pub(crate) fn raw_add(
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
pub(crate) fn add_rejected(
    c: &mut Connection,
    id: u32,
    req: &AttrBuf,
    want: Want,
    what: &str,
) -> Check {
    let k = kernel_error(c.request_unchecked(portwatch_cmd::Add, req), what)?;
    check_rejection(&k, &want, what)?;
    match get(c, id) {
        Err(_) => Ok(()),
        Ok(r) => Err(format!("{what}: rejected, yet rule {} exists", r.id)),
    }
}

/// Sends an untyped dump request of `GET` with `req`, the extended ACK
/// resolved through the dump's request set (`RuleFilter`).
pub(crate) fn raw_get_dump(c: &mut Connection, req: &AttrBuf) -> Result<usize, Error> {
    let id = c.resolve(PortwatchCmd::SCHEMA.name)?.id;
    let genl = GenlHeader {
        cmd: portwatch_cmd::Get::ID,
        version: PortwatchCmd::SCHEMA.version,
    };
    let mut d = c.dump_by_id(genl_core::RawRequest {
        schema: Some(RuleFilter::SCHEMA),
        ..genl_core::RawRequest::new(id, genl, req)
    })?;
    let mut n = 0;
    while d.next()?.is_some() {
        n += 1;
    }
    Ok(n)
}
