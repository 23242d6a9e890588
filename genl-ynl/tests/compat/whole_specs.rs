//! Whole specs: the kernel's specs against themselves and each other,
//! errors, the rule list and JSON output.

use super::*;

const KERNEL: &[&str] = &[
    "devlink",
    "dpll",
    "ethtool",
    "fou",
    "handshake",
    "mptcp_pm",
    "netdev",
    "nfsd",
    "nftables",
    "nlctrl",
    "ovs_datapath",
    "ovs_flow",
    "ovs_vport",
    "rt_addr",
    "rt_link",
    "rt_route",
    "tc",
    "tcp_metrics",
    "team",
];

#[test]
fn every_spec_against_itself() {
    assert_eq!(KERNEL.len(), 19);
    let mut specs: Vec<String> = KERNEL
        .iter()
        .map(|n| format!("tests/fixtures/ynl/{n}.yaml"))
        .collect();
    specs.push("kmod-c/genl_demo.yaml".into());
    specs.push("examples/portwatch/kmod/portwatch.yaml".into());
    for s in &specs {
        let text = read(s);
        let f = compare(&text, &text).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(f.is_empty(), "{s}: {f:?}");
    }
}

#[test]
fn only_additions() {
    let old = demo();
    // A new enum entry, attribute, request attribute, command and group.
    let new = edit(
        &old,
        "        doc: \"The entry is kept but out of date.\"\n",
        "        doc: \"The entry is kept but out of date.\"\n      -\n        name: pinned\n",
    );
    let new = edit(
        &new,
        "        byte-order: big-endian\n",
        "        byte-order: big-endian\n      -\n        name: expires\n        type: u64\n",
    );
    let new = edit(
        &new,
        "        request:\n          attributes: [ key, value, meta ]\n",
        "        request:\n          attributes: [ key, value, meta, ttl ]\n",
    );
    let new = edit(
        &new,
        "        name: meta\n        type: nest\n        doc: \"Metadata.\"\n        nested-attributes: meta\n",
        "        name: meta\n        type: nest\n        doc: \"Metadata.\"\n        nested-attributes: meta\n      -\n        name: ttl\n        type: u32\n",
    );
    let new = format!(
        "{}    -\n      name: audit\n",
        edit(
            &new,
            "      mcgrp: events\n",
            "      mcgrp: events\n    -\n      name: kv-flush\n      attribute-set: kv\n      do: {}\n",
        )
    );
    let f = check(
        &old,
        &new,
        &[
            "ENUM_ENTRY_ADDED",
            "ATTR_ADDED",
            "OP_REQUEST_ATTR_ADDED",
            "OP_ADDED",
            "MCGRP_ADDED",
        ],
    );
    assert!(f.iter().all(|x| !x.is_breaking()), "{f:?}");
}

#[test]
fn cross_family_differences_are_reported() {
    // Different families: many findings, no panic.
    let a = read("tests/fixtures/ynl/ovs_datapath.yaml");
    let b = read("tests/fixtures/ynl/ovs_vport.yaml");
    let f = compare(&a, &b).unwrap();
    assert!(f.iter().any(|x| x.rule == "FAMILY_RENAMED"));
    let c = read("tests/fixtures/ynl/rt_link.yaml");
    let d = read("tests/fixtures/ynl/rt_addr.yaml");
    assert!(!compare(&c, &d).unwrap().is_empty());
    assert!(!compare(&c, &nlctrl()).unwrap().is_empty());
}

#[test]
fn bad_input_is_an_error_with_a_place() {
    let e = compare("name: [", BASE).unwrap_err().to_string();
    assert!(e.starts_with("old spec:"), "{e}");
    let e = compare(BASE, "- a list").unwrap_err().to_string();
    assert!(e.starts_with("new spec:"), "{e}");
    let bad = edit(BASE, "{ max-len: name-max }", "[ 1 ]");
    let e = compare(BASE, &bad).unwrap_err().to_string();
    assert!(e.contains("attribute-sets/rule/label/checks"), "{e}");
    let bad = edit(BASE, "flags: [ admin-perm ]", "flags: admin-perm");
    let e = compare(BASE, &bad).unwrap_err().to_string();
    assert!(e.contains("operations/add/flags"), "{e}");
    let bad = edit(
        BASE,
        "{ name: id, type: u32 }",
        "{ name: id, type: u32, required: 3 }",
    );
    let e = compare(&bad, BASE).unwrap_err().to_string();
    assert!(e.contains("attribute-sets/rule/id/required"), "{e}");
}

/// The messages, word for word as they were when they were strings.
#[test]
fn bad_input_messages_are_unchanged() {
    let base = || BASE.to_owned();
    let flags = |to| edit(BASE, "flags: [ admin-perm ]", to);
    let request = |to| {
        edit(
            BASE,
            "        request: { attributes: [ id ] }\n        reply",
            &format!("        request: {{ attributes: [ id ], required: {to} }}\n        reply"),
        )
    };
    let cases = [
        (
            "name: [".to_owned(),
            base(),
            "old spec: invalid YNL spec: did not find expected node content at line 2 column 1, \
             while parsing a flow node",
        ),
        (
            base(),
            "- a list".to_owned(),
            "new spec: invalid YNL spec: expected a map, found a list",
        ),
        (
            edit(BASE, "{ max-len: name-max }", "{ 7: 1 }"),
            base(),
            "old spec: attribute-sets/rule/label/checks: expected names, found a number",
        ),
        (
            base(),
            flags("flags: admin-perm"),
            "new spec: operations/add/flags: expected a list, found a string",
        ),
        (
            base(),
            flags("flags: [ [ admin-perm ] ]"),
            "new spec: operations/add/flags: expected names, found a list",
        ),
        (
            base(),
            flags("dont-validate: 3"),
            "new spec: operations/add/dont-validate: expected a list, found a number",
        ),
        (
            edit(
                BASE,
                "{ name: id, type: u32 }",
                "{ name: id, type: u32, required: 3 }",
            ),
            base(),
            "old spec: attribute-sets/rule/id/required: expected true or false, found a number",
        ),
        (
            base(),
            request("id"),
            "new spec: operations/get/do/request/required: expected a list, found a string",
        ),
        (
            base(),
            request("[ [ id ] ]"),
            "new spec: operations/get/do/request/required: expected names, found a list",
        ),
        (
            base(),
            edit(BASE, "event: { attributes: [ id, action ] }", "event: 3"),
            "new spec: operations/changed/event: expected a map, found a number",
        ),
    ];
    for (old, new, want) in cases {
        assert_eq!(compare(&old, &new).unwrap_err().to_string(), want);
    }
}

#[test]
fn rules_are_documented_once() {
    let mut seen = BTreeSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "{} twice", r.id);
        assert!(!r.doc.is_empty());
        assert!(r.id.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
    }
    assert!(rule("ATTR_RENUMBERED").is_some());
    assert!(rule("NOPE").is_none());
}

#[test]
fn json() {
    let f = check(
        BASE,
        &edit(BASE, "name: port, type: u16", "name: port, type: u32"),
        &["ATTR_TYPE_CHANGED"],
    );
    let j = f[0].to_json();
    assert_eq!(j["rule"], "ATTR_TYPE_CHANGED");
    assert_eq!(j["category"], "Wire");
    assert_eq!(j["impact"], "Breaking");
    assert_eq!(j["path"], "attribute-sets/rule/port");
    assert_eq!(serde_json::to_value(&f[0]).unwrap(), j);
}
