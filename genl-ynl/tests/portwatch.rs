//! The portwatch family's spec (`examples/portwatch/kmod/portwatch.yaml`,
//! genl's gallery of shapes) encoded and decoded as the kernel's `cli.py`
//! does: flags, a sparse enum, nests, repeated strings, binary, an indexed
//! array of nests, 64-bit counters, attribute-less operations.
//!
//! Every expected value is what Linux 6.12's `tools/net/ynl/lib/ynl.py`
//! produced for the same input (`YnlFamily._add_attr` over the request's
//! values, `YnlFamily._decode` over the attributes, run without a kernel on
//! this spec), never this crate's own output. Where `ynl.py` fails, the
//! failure is named.

use std::path::Path;

use genl_ynl::codec::DecodeOptions;
use genl_ynl::family::{Op, SpecFamily};
use genl_ynl::value::Value;

fn family() -> SpecFamily {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/portwatch/kmod/portwatch.yaml");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    SpecFamily::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn op<'f>(f: &'f SpecFamily, name: &str) -> &'f Op {
    f.ops
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("op {name}"))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn encode(f: &SpecFamily, name: &str, json: &str) -> Result<String, String> {
    let v = Value::parse_json(json).unwrap();
    f.encode_message(op(f, name), &v)
        .map(|b| hex(&b))
        .map_err(|e| e.to_string())
}

/// (operation, --json, what ynl.py's `_add_attr` wrote, as hex).
const ENCODED: &[(&str, &str, &str)] = &[
    // Every shape of an ADD but the actions: a nest with a sparse enum by
    // name (udp = 17), flags as a list, repeated strings, binary as hex.
    (
        "add",
        r#"{"id":1,"match":{"port":443,"proto":"udp","mark":5},"flags":["audit","disabled"],"tags":["a","bb"],"cookie":"deadbeef","hwaddr":"02005e102030","verdict":"log","priority":7,"comment":"hi"}"#,
        "08000100010000001c00028006000100bb0100000500020011000000080003000500000008000500050000000600090061000000070009006262000008000700deadbeef0a00080002005e1020300000080004000100000005000600070000000700030068690000",
    ),
    // A flag by a lone name.
    (
        "add",
        r#"{"id":1,"match":{"port":443,"proto":"tcp"},"flags":"oneshot"}"#,
        "08000100010000001400028006000100bb01000005000200060000000800050002000000",
    ),
    // A sparse enum by number, a repeated attribute given once.
    (
        "add",
        r#"{"id":1,"match":{"port":443,"proto":17},"tags":"single"}"#,
        "08000100010000001400028006000100bb01000005000200110000000b00090073696e676c650000",
    ),
    // Numbers as strings (Python's int()), flags and an enum as numbers.
    (
        "add",
        r#"{"id":1,"match":{"port":"443","proto":"6"},"flags":5,"verdict":2}"#,
        "08000100010000001400028006000100bb010000050002000600000008000500050000000800040002000000",
    ),
    // An empty list of a repeated attribute: nothing.
    (
        "add",
        r#"{"id":1,"match":{"port":443,"proto":"tcp"},"tags":[]}"#,
        "08000100010000001400028006000100bb0100000500020006000000",
    ),
    // The dump's filter nest.
    ("get", r#"{"match":{"proto":"udp"}}"#, "0c0002800500020011000000"),
    // A u64.
    (
        "hit",
        r#"{"id":2,"bytes":10000000000}"#,
        "08000100020000000c000d0000e40b5402000000",
    ),
    // Attribute-less operations: no attributes.
    ("flush", "{}", ""),
    ("stats", "{}", ""),
];

#[test]
fn requests_encode_as_ynl_py_encodes_them() {
    let f = family();
    for (name, json, want) in ENCODED {
        let got = encode(&f, name, json).unwrap_or_else(|e| panic!("{name} {json}: {e}"));
        assert_eq!(&got, want, "{name} {json}");
    }
}

/// What ynl.py refuses, refused: an indexed array ("Unknown type at rule
/// actions ... indexed-array": 6.12's `_add_attr` cannot send one), an
/// entry the enum or flags do not have (KeyError), bad hex (ValueError),
/// an attribute the set does not have.
#[test]
fn requests_ynl_py_refuses_are_refused() {
    let f = family();
    for (json, at) in [
        (
            r#"{"id":1,"match":{"port":443,"proto":"tcp"},"actions":[{"1":{"kind":"mark"}}]}"#,
            "actions",
        ),
        (
            r#"{"id":1,"match":{"port":443,"proto":"sctp"}}"#,
            "match.proto",
        ),
        (
            r#"{"id":1,"match":{"port":443,"proto":"tcp"},"flags":["bogus"]}"#,
            "flags",
        ),
        (
            r#"{"id":1,"match":{"port":443,"proto":"tcp"},"cookie":"de:ad"}"#,
            "cookie",
        ),
        (r#"{"id":1,"nosuch":1}"#, "nosuch"),
    ] {
        let e = encode(&f, "add", json).expect_err(json);
        assert!(e.contains(&format!("`{at}`")), "{json}: {e}");
    }
}

/// Flags decode to a set in ynl.py, printed in Python's set order (which
/// varies with the string hash seed): compared as sets.
fn normalized(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    if let Some(serde_json::Value::Array(flags)) = v.get_mut("flags") {
        flags.sort_by_key(|f| f.to_string());
    }
    v
}

/// (operation, attributes as hex, what ynl.py's `_decode` gave, as JSON).
const DECODED: &[(&str, &str, &str)] = &[
    // Every shape of a rule: the nest with a sparse enum value (17), flags,
    // repeated strings, binary, the indexed array of nests (keyed by
    // index), u64 counters beyond 32 bits.
    (
        "get",
        "080001000a0000001c00028006000100350000000500020011000000080003002a00000008000300646e73000800040001000000080005000500000005000600ff0000000a000700deadbeef000100000a00080002005e102030000008000900646e7300060009007800000024000a8014000180080001000100000008000200070000000c00028008000100020000000c000b0003000000000000000c000d0000e40b5402000000",
        r#"{"id": 10, "match": {"port": 53, "proto": "udp", "mark": 42}, "comment": "dns", "verdict": "log", "flags": ["disabled", "audit"], "priority": 255, "cookie": "deadbeef0001", "hwaddr": "02005e102030", "tags": ["dns", "x"], "actions": [{"1": {"kind": "mark", "arg": 7}}, {"2": {"kind": "mirror"}}], "hits": 3, "bytes": 10000000000}"#,
    ),
    // No flag set: an empty list; one tag: still a list.
    (
        "get",
        "080001000b000000140002800600010001000000050002000600000008000400000000000800050000000000080009006f6e65000c000b0000000000000000000c000d000000000000000000",
        r#"{"id": 11, "match": {"port": 1, "proto": "tcp"}, "verdict": "count", "flags": [], "tags": ["one"], "hits": 0, "bytes": 0}"#,
    ),
    // The event, with its nest; FLUSH's, without.
    (
        "rule-changed",
        "08000100100000001c00028006000100fb2000000500020006000000080003000900000008000e0001000000",
        r#"{"id": 16, "match": {"port": 8443, "proto": "tcp", "mark": 9}, "change": "added"}"#,
    ),
    (
        "rule-changed",
        "080001000000000008000e0003000000",
        r#"{"id": 0, "change": "flushed"}"#,
    ),
    // The replies of the attribute-less STATS and PORTS.
    (
        "stats",
        "08000100050000000c0002000000000000010000",
        r#"{"rules": 5, "hits": 1099511627776}"#,
    ),
    ("ports", "06000100ffff00000800020002000000", r#"{"port": 65535, "rules": 2}"#),
];

#[test]
fn replies_decode_as_ynl_py_decodes_them() {
    let f = family();
    let opts = DecodeOptions {
        process_unknown: false,
    };
    for (name, bytes, want) in DECODED {
        let got = f
            .decode_message(op(&f, name), &unhex(bytes), opts)
            .unwrap_or_else(|e| panic!("{name} {bytes}: {e}"))
            .to_python_json();
        assert_eq!(normalized(&got), normalized(want), "{name} {bytes}");
    }
}
