//! Rejections: every request the kernel must refuse, by its errno and the
//! extended ACK's path.

use super::*;

/// An id in use: EEXIST at `RuleSpec.id`; the rule keeps its match.
pub(crate) fn a_duplicate_id_is_eexist() -> Check {
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
pub(crate) fn an_unknown_id_is_enoent() -> Check {
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
pub(crate) fn a_byte_counter_overflow_is_rejected() -> Check {
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
pub(crate) fn missing_required_attributes_are_named() -> Check {
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
pub(crate) fn values_outside_the_schema_are_rejected() -> Check {
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
pub(crate) fn module_limits_are_rejected_with_the_attribute() -> Check {
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
pub(crate) fn the_dump_filter_takes_the_protocol_alone() -> Check {
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
pub(crate) fn get_do_rejects_the_dump_filter() -> Check {
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
pub(crate) fn attribute_less_commands_reject_attributes() -> Check {
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
        .dump_by_id(genl_core::RawRequest::new(id, genl, &req))
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
