//! The sweep of every command of `genl_demo` (generic netlink: `do`s,
//! dumps, notifications, deferred replies).

use super::*;

pub(crate) fn genl_request<P: genl_core::Encode + ?Sized>(
    family: u16,
    cmd: u8,
    flags: u16,
    p: &P,
) -> Vec<u8> {
    let mut buf = Vec::new();
    build_message(
        &mut buf,
        family,
        flags,
        0,
        GenlHeader { cmd, version: 1 },
        p,
    )
    .unwrap();
    buf
}

pub(crate) fn demo_family() -> (u16, u32) {
    let mut conn = Connection::new().unwrap();
    let f = conn.resolve("genl_demo").expect("genl_demo is loaded");
    (f.id, f.group("events").expect("the events group"))
}

/// The value of `key` in the store (outside the fault window).
pub(crate) fn stored(key: &str) -> Option<Vec<u8>> {
    let mut conn = Connection::new().unwrap();
    match conn.query(genl::demo::demo_cmd::KvGet, &KvKey { key }) {
        Ok(e) => Some(e.value.unwrap_or_default().to_vec()),
        Err(genl_core::Error::Kernel(k)) if k.errno == libc::ENOENT => None,
        Err(e) => panic!("KV_GET {key}: {e}"),
    }
}

pub(crate) fn set(key: &str, value: &[u8]) {
    let mut conn = Connection::new().unwrap();
    conn.request(
        genl::demo::demo_cmd::KvSet,
        &KvEntry {
            key,
            value: Some(value),
            meta: None,
        },
    )
    .unwrap();
}

/// Deletes `key` if the store has it.
pub(crate) fn del(key: &str) {
    let mut conn = Connection::new().unwrap();
    match conn.request(genl::demo::demo_cmd::KvDel, &KvKey { key }) {
        Ok(()) => {}
        Err(genl_core::Error::Kernel(k)) if k.errno == libc::ENOENT => {}
        Err(e) => panic!("KV_DEL {key}: {e}"),
    }
}

pub(crate) fn still_answers() {
    let mut conn = Connection::new().unwrap();
    let e: Echo<'_> = conn
        .query(
            genl::demo::demo_cmd::Echo,
            &Echo {
                msg: "after the faults",
                cookie: None,
            },
        )
        .expect("genl_demo answers after the fault sweep");
    assert_eq!(e.msg, "after the faults");
}

/// The attributes of a generic netlink message of command `cmd` (the
/// family's version, 1, in its header).
pub(crate) fn genl_attrs(m: &Msg, cmd: u8) -> Result<&[u8], String> {
    match m.payload.get(..4) {
        None => Err(format!(
            "{} bytes, no generic netlink header",
            m.payload.len()
        )),
        Some(h) if h[0] != cmd => Err(format!("command {} (expected {cmd})", h[0])),
        Some(h) if h[1] != 1 => Err(format!("version {} (expected 1)", h[1])),
        Some(_) => Ok(&m.payload[4..]),
    }
}

/// Decodes a generic netlink message of command `cmd` as `T` and compares
/// it with `want`.
pub(crate) fn genl_is<'m, T>(m: &'m Msg, cmd: u8, want: &T) -> Result<(), String>
where
    T: genl_core::Decode<'m> + PartialEq + std::fmt::Debug,
{
    let got = T::decode(genl_attrs(m, cmd)?).map_err(|e| format!("undecodable: {e}"))?;
    if got == *want {
        Ok(())
    } else {
        Err(format!("{got:?} (expected {want:?})"))
    }
}

/// Moves this thread into a network namespace of its own: genl_demo's
/// store is per namespace, so it starts empty, whatever the suites before
/// left in the initial one.
pub(crate) fn in_fresh_netns() {
    // SAFETY: unshare(2) changes only this thread's namespaces.
    let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "unshare: {}", std::io::Error::last_os_error());
}

#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
pub(crate) fn genl_demo_every_command_under_every_allocation_failure() {
    in_vm();
    configure_fault_injection();
    in_fresh_netns();
    let (family, events) = demo_family();
    let mut sweeps = Vec::new();
    let cmd = |c: genl::demo::DemoCmd| c.cmd();
    use genl::demo::DemoCmd as C;

    // ECHO, with a cookie (the pad attribute path).
    let echo = Echo {
        msg: "fault",
        cookie: Some(7),
    };
    let echo_reply = |m: &Msg| genl_is(m, cmd(C::Echo), &echo);
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "ECHO",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || genl_request(family, cmd(C::Echo), NLM_F_REQUEST | NLM_F_ACK, &echo),
        answer: Answer::Acked {
            replies: &[Reply {
                ty: family,
                check: &echo_reply,
            }],
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    still_answers();

    // KV_SET of a new key with a value and metadata, a listener on `events`:
    // the entry exists exactly when the set was acknowledged, and the
    // listener hears of every acknowledged change (or of its loss).
    let value = vec![0x5a; 512];
    let set_event = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvEvent),
            &KvEvent {
                op: KvOp::Set,
                key: "fi-set",
                value: Some(&value),
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (new key, listener)",
        protocol: NETLINK_GENERIC,
        listen: Some((
            events,
            Reply {
                ty: family,
                check: &set_event,
            },
        )),
        prepare: &mut || del("fi-set"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvSet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvEntry {
                    key: "fi-set",
                    value: Some(&value),
                    meta: Some(KvMeta {
                        state: Some(KvState::Active),
                        port: Some(8080),
                    }),
                },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, heard| {
            let now = stored("fi-set");
            match o {
                Outcome::Answered => {
                    assert_eq!(now.as_deref(), Some(&value[..]));
                    assert_ne!(heard, Some(&Heard::Nothing), "acknowledged set, no event");
                }
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert_eq!(now, None, "failed set left an entry");
                    assert_ne!(heard, Some(&Heard::Event), "failed set notified");
                }
                // The change may or may not have happened (the ACK was
                // lost); any other outcome has failed the sweep.
                _ => {}
            }
        },
    }));
    del("fi-set");
    // KV_SET replacing an existing entry's value.
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_SET (replace)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || set("fi-replace", b"old"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvSet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvEntry {
                    key: "fi-replace",
                    value: Some(b"new"),
                    meta: None,
                },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, _| {
            let now = stored("fi-replace");
            match o {
                Outcome::Answered => assert_eq!(now.as_deref(), Some(&b"new"[..])),
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert_eq!(
                        now.as_deref(),
                        Some(&b"old"[..]),
                        "failed replace changed it"
                    )
                }
                _ => {}
            }
        },
    }));
    del("fi-replace");
    still_answers();

    // KV_GET of one entry.
    set("fi-get", b"value");
    let get_reply = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvGet),
            &KvEntry {
                key: "fi-get",
                value: Some(b"value"),
                meta: None,
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (do)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvGet),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-get" },
            )
        },
        answer: Answer::Acked {
            replies: &[Reply {
                ty: family,
                check: &get_reply,
            }],
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    del("fi-get");
    still_answers();

    // A KV_GET dump spanning several messages (48 entries of 1 KiB): the
    // namespace's store holds exactly these, and the dump must return each
    // of them once.
    let big = vec![0xa5; 1024];
    let keys: BTreeSet<String> = (0..48).map(|i| format!("fi-dump-{i:02}")).collect();
    for k in &keys {
        set(k, &big);
    }
    let dump_entry = |m: &Msg| {
        let e = KvEntry::decode(genl_attrs(m, cmd(C::KvGet))?)
            .map_err(|e| format!("undecodable: {e}"))?;
        if e.value != Some(&big[..]) || e.meta.is_some() {
            return Err(format!("{:?}: not the entry stored", e.key));
        }
        Ok(e.key.to_owned())
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_GET (dump, 48 entries)",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || genl_request(family, cmd(C::KvGet), NLM_F_REQUEST | NLM_F_DUMP, &()),
        answer: Answer::Dump {
            ty: family,
            entry: &dump_entry,
            entries: &keys,
        },
        errnos: DUMP_ERRNOS,
        check: &mut no_check,
    }));
    for k in &keys {
        del(k);
    }
    still_answers();

    // KV_DEL, a listener on `events`.
    let del_event = |m: &Msg| {
        genl_is(
            m,
            cmd(C::KvEvent),
            &KvEvent {
                op: KvOp::Del,
                key: "fi-del",
                value: None,
            },
        )
    };
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "KV_DEL (listener)",
        protocol: NETLINK_GENERIC,
        listen: Some((
            events,
            Reply {
                ty: family,
                check: &del_event,
            },
        )),
        prepare: &mut || set("fi-del", b"x"),
        request: &mut || {
            genl_request(
                family,
                cmd(C::KvDel),
                NLM_F_REQUEST | NLM_F_ACK,
                &KvKey { key: "fi-del" },
            )
        },
        answer: Answer::Acked { replies: &[] },
        errnos: DO_ERRNOS,
        check: &mut |o, heard| {
            let now = stored("fi-del");
            match o {
                Outcome::Answered => {
                    assert_eq!(now, None);
                    assert_ne!(
                        heard,
                        Some(&Heard::Nothing),
                        "acknowledged delete, no event"
                    );
                }
                Outcome::ErrorReply(_) | Outcome::SendFailed(_) => {
                    assert!(now.is_some(), "failed delete removed the entry");
                    assert_ne!(heard, Some(&Heard::Event), "failed delete notified");
                }
                _ => {}
            }
        },
    }));
    still_answers();

    // DEFERRED: the ACK now, the reply later from the workqueue (the module
    // builds it with the request, in this thread: its allocation is swept
    // and must end in an error reply).
    let deferred = Deferred {
        id: 9,
        delay_ms: Some(0),
    };
    let deferred_reply = |m: &Msg| genl_is(m, cmd(C::Deferred), &deferred);
    sweeps.push(sweep(Case {
        module: "genl_demo",
        command: "DEFERRED",
        protocol: NETLINK_GENERIC,
        listen: None,
        prepare: &mut || {},
        request: &mut || {
            genl_request(
                family,
                cmd(C::Deferred),
                NLM_F_REQUEST | NLM_F_ACK,
                &deferred,
            )
        },
        answer: Answer::AckThenLater {
            reply: Reply {
                ty: family,
                check: &deferred_reply,
            },
        },
        errnos: DO_ERRNOS,
        check: &mut no_check,
    }));
    still_answers();
    wait_no_pending_deferred();
    report(&sweeps);
}

/// genl_demo's debugfs count of pending deferred replies comes back to 0.
pub(crate) fn wait_no_pending_deferred() {
    let path = "/sys/kernel/debug/genl_demo/pending";
    let t = Instant::now();
    loop {
        let v = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if v.trim() == "0" {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{path} stays at {}",
            v.trim()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
