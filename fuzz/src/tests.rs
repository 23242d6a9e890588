//! The checked-in seeds (`fuzz/seeds/<target>/`) replayed through the
//! checks on stable Rust, and round trips of the fuzz-local schema.

use super::*;
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        check(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
    // And a few hand-made edge cases.
    for case in [
        &[][..],
        &[0],
        &[4, 0, 1, 0],
        &[0xff; 7],
        &[8, 0, 0x80 | 3, 0, 4, 0, 1, 0],
        // A whole header whose nlmsg_len (36, then 1316) runs past the
        // buffer: a truncated message, which no decoder may accept
        // (the second found by the `messages` target).
        &[36, 0, 0, 0, 16, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
        &[
            36, 5, 0, 0, 2, 0, 0, 1, 1, 0, 0, 0, 77, 13, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 16, 0, 5,
            0, 1, 0, 0, 0, 0, 0, 0, 0,
        ],
    ] {
        check(case);
    }
}

#[test]
fn seeds_attr_iter() {
    replay("attr_iter", check_attr_iter);
}
#[test]
fn seeds_attr_set() {
    replay("attr_set", check_attr_set);
}
#[test]
fn seeds_attr_enum() {
    replay("attr_enum", check_attr_enum);
}
#[test]
fn seeds_nlctrl() {
    replay("nlctrl", check_nlctrl);
}
#[test]
fn seeds_messages() {
    replay("messages", check_messages);
}
#[test]
fn seeds_extack() {
    replay("extack", check_extack);
}

#[test]
fn kitchen_round_trips() {
    let pairs = [
        Pair {
            x: Some(1),
            y: None,
        },
        Pair {
            x: None,
            y: Some(80),
        },
    ];
    let lazy = [1u16, 2, 3];
    let map_inner = vec![Keyed {
        key: 3,
        value: 7u32,
    }];
    let k = Kitchen {
        u8_: Some(1),
        i16_: Some(-2),
        u64_: Some(3),
        port: Some(8080),
        big: Some(-9),
        flag: true,
        short: Some("abc"),
        owned: Some("owned".into()),
        bytes: Some(b"\0\x01"),
        owned_bytes: Some(vec![9; 5]),
        mac: Some([1, 2, 3, 4, 5, 6]),
        state: Some(KvState::Stale),
        ranged: Some(-5),
        inner: Some(Inner {
            a: 1,
            name: Some("n"),
            c: vec![1, 2],
            on: true,
        }),
        many: vec![5, 6],
        names: vec!["", "x"],
        nests: vec![Inner {
            a: 2,
            name: None,
            c: vec![],
            on: false,
        }],
        lazy: CheckedMulti::new(&lazy),
        lazy_pairs: CheckedMulti::new(&pairs),
        list: pairs.to_vec(),
        keyed: vec![Keyed {
            key: 9,
            value: "nine",
        }],
        map: Some(vec![Keyed {
            key: 2,
            value: map_inner,
        }]),
        required: 42,
    };
    let bytes = k.encode_to_vec().unwrap();
    assert_eq!(Kitchen::decode(&bytes).unwrap(), k);
    check_attr_set(&bytes);
    check_attr_iter(&bytes);
    check_attr_enum(&bytes);
    write_seed("attr_set", "synthetic-kitchen", &bytes);
    write_seed("attr_iter", "synthetic-kitchen", &bytes);

    let stream = vec![
        Open::Num(1),
        Open::Text("t"),
        Open::Flag,
        Open::Port(443),
        Open::Nest(Inner {
            a: 3,
            name: Some("x"),
            c: vec![4],
            on: true,
        }),
        Open::Blob(b"ab"),
        Open::State(KvState::Active),
        Open::Small(7),
        Open::Other(99, b"zz"),
    ];
    let bytes = stream.encode_to_vec().unwrap();
    assert_eq!(Vec::<Open<'_>>::decode(&bytes).unwrap(), stream);
    check_attr_enum(&bytes);
    write_seed("attr_enum", "synthetic-open", &bytes);
}

/// The fixtures hold no policy dump: a synthetic one, as an attribute
/// set and as a whole message.
#[test]
fn policy_message_round_trips() {
    use genl_core::controller::{OpPolicy, PolicyAttr};
    let attr = PolicyAttr {
        ty: 4,
        max_value_u: Some(10),
        min_length: Some(1),
        ..Default::default()
    };
    let attrs = [Keyed {
        key: 1,
        value: attr,
    }];
    let policy = [Keyed {
        key: 0,
        value: CheckedMulti::new(&attrs),
    }];
    let op_policy = [Keyed {
        key: 3,
        value: OpPolicy {
            do_: Some(0),
            dump: None,
        },
    }];
    let p = PolicyMessage {
        family_id: 0x20,
        policy: CheckedMulti::new(&policy),
        op_policy: CheckedMulti::new(&op_policy),
    };
    let bytes = p.encode_to_vec().unwrap();
    assert_eq!(PolicyMessage::decode(&bytes).unwrap(), p);
    check_nlctrl(&bytes);
    write_seed("nlctrl", "synthetic-policy", &bytes);
    let mut msg = Vec::new();
    let genl = genl_core::GenlHeader {
        cmd: 10,
        version: 2,
    };
    build_message(&mut msg, GENL_ID_CTRL, 2, 7, genl, &p).unwrap();
    check_messages(&msg);
    write_seed("messages", "synthetic-policy", &msg);
}

fn write_seed(target: &str, name: &str, bytes: &[u8]) {
    if std::env::var_os("GENL_FUZZ_WRITE_SEEDS").is_some() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(target)
            .join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}
