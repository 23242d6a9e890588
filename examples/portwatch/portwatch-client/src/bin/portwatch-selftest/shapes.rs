//! Round trips: every shape of the schema, the defaults, counters, events,
//! dumps and the per-namespace store.

use super::*;

/// ADD replies with the rule as stored, every shape of the schema in it
/// (a nest with an optional member, a sparse enum value of 17, flags, a
/// contiguous enum, u8, bounded binary, a 6-byte array, repeated strings,
/// an indexed array of nests); GET returns the same.
pub(crate) fn every_shape_round_trips() -> Check {
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
pub(crate) fn a_minimal_rule_gets_the_defaults() -> Check {
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
pub(crate) fn del_deletes_the_rule() -> Check {
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
pub(crate) fn hits_count_in_64_bits() -> Check {
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
pub(crate) fn a_disabled_rule_counts_nothing() -> Check {
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
pub(crate) fn a_oneshot_rule_is_deleted_after_its_first_hit() -> Check {
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
pub(crate) fn events_carry_the_change_and_the_match() -> Check {
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

pub(crate) fn subscribe() -> Result<Subscription, String> {
    let mut sub = Subscription::new(PortwatchCmd::SCHEMA.name, "rules")
        .map_err(|e| format!("subscribing to rules: {e}"))?;
    sub.set_timeout(Some(Duration::from_secs(10)));
    Ok(sub)
}

/// The next events are exactly `want` (id, match, change), in order.
pub(crate) fn expect_events(
    sub: &mut Subscription,
    want: &[(Option<u32>, Option<Match>, Change)],
) -> Check {
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
pub(crate) fn flush_deletes_every_rule() -> Check {
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
pub(crate) fn the_dump_resumes_and_filters_by_protocol() -> Check {
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
pub(crate) fn stats_counts_the_rules() -> Check {
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
pub(crate) fn ports_lists_each_port_with_its_rules() -> Check {
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

/// Rules live in their network namespace: one added here is not seen from
/// the namespace the program started in.
pub(crate) fn rules_are_per_network_namespace() -> Check {
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
