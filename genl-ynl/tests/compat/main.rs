//! The rule corpus of `genl_ynl::compat`: schema edits, each with the rule
//! ids it must raise written by hand. `check` asserts that exactly those
//! ids fire (so no other rule, breaking or not), and that every finding's
//! category and impact are its rule's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use genl_ynl::compat::{compare, rule, Finding, Impact, RULES};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `text` with the one occurrence of `from` replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// `text` with every occurrence of `from` (at least one) replaced by `to`.
fn edit_all(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not found");
    text.replace(from, to)
}

/// Compares and asserts that the distinct rule ids raised are `want`.
fn check(old: &str, new: &str, want: &[&str]) -> Vec<Finding> {
    let f = compare(old, new).unwrap_or_else(|e| panic!("{e}"));
    for x in &f {
        let r = rule(x.rule).unwrap_or_else(|| panic!("{} is not in RULES", x.rule));
        assert_eq!((x.category, x.impact), (r.category, r.impact), "{x}");
        assert!(!x.message.is_empty() && !x.path.is_empty(), "{x}");
    }
    let got: BTreeSet<&str> = f.iter().map(|x| x.rule).collect();
    let want: BTreeSet<&str> = want.iter().copied().collect();
    let list: Vec<String> = f.iter().map(ToString::to_string).collect();
    assert_eq!(got, want, "findings:\n{}", list.join("\n"));
    f
}

fn paths<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|x| x.rule == rule)
        .map(|x| x.path.as_str())
        .collect()
}

const BASE: &str = "
name: fw
protocol: genetlink
definitions:
  - type: enum
    name: action
    entries: [ accept, drop ]
  - type: flags
    name: opts
    entries: [ log, count ]
  - type: const
    name: name-max
    value: 32
attribute-sets:
  - name: rule
    attributes:
      - { name: id, type: u32 }
      - { name: port, type: u16, byte-order: big-endian }
      - { name: label, type: string, checks: { max-len: name-max } }
      - { name: action, type: u32, enum: action }
      - { name: prio, type: u8, checks: { min: 1, max: 10 } }
      - { name: match, type: nest, nested-attributes: match }
      - { name: tags, type: u32, multi-attr: true }
      - { name: opts, type: u32, enum: opts, enum-as-flags: true }
  - name: match
    attributes:
      - { name: proto, type: u8 }
      - { name: addr, type: binary, checks: { exact-len: 4 } }
operations:
  list:
    - name: add
      attribute-set: rule
      flags: [ admin-perm ]
      do:
        request: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
    - name: get
      attribute-set: rule
      do:
        request: { attributes: [ id ] }
        reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
      dump:
        reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
    - name: del
      attribute-set: rule
      flags: [ uns-admin-perm ]
      do:
        request: { attributes: [ id ] }
    - name: changed
      attribute-set: rule
      event: { attributes: [ id, action ] }
      mcgrp: events
mcast-groups:
  list:
    - name: events
    - name: stats
";

fn demo() -> String {
    read("kmod-c/genl_demo.yaml")
}

fn nlctrl() -> String {
    read("tests/fixtures/ynl/nlctrl.yaml")
}

// --- attributes -------------------------------------------------------------

#[test]
fn u16_to_u32() {
    let f = check(
        BASE,
        &edit(BASE, "name: port, type: u16", "name: port, type: u32"),
        &["ATTR_TYPE_CHANGED"],
    );
    assert_eq!(paths(&f, "ATTR_TYPE_CHANGED"), ["attribute-sets/rule/port"]);
    assert!(f[0].message.contains("2 bytes to 4 bytes"), "{}", f[0]);
}

#[test]
fn demo_port_u16_to_u32() {
    let old = demo();
    let new = edit(
        &old,
        "        name: port\n        type: u16",
        "        name: port\n        type: u32",
    );
    let f = check(&old, &new, &["ATTR_TYPE_CHANGED"]);
    assert_eq!(f[0].path, "attribute-sets/meta/port");
}

#[test]
fn string_to_u64() {
    check(
        BASE,
        &edit(BASE, "name: label, type: string", "name: label, type: u64"),
        &["ATTR_TYPE_CHANGED"],
    );
}

#[test]
fn u32_to_uint() {
    let f = check(
        BASE,
        &edit(BASE, "name: id, type: u32", "name: id, type: uint"),
        &["ATTR_TYPE_CHANGED"],
    );
    assert!(f[0].message.contains("fit in 32 bits"));
}

#[test]
fn reordered_list_renumbers() {
    let new = edit(
        BASE,
        "      - { name: port, type: u16, byte-order: big-endian }\n      - { name: label, type: string, checks: { max-len: name-max } }\n",
        "      - { name: label, type: string, checks: { max-len: name-max } }\n      - { name: port, type: u16, byte-order: big-endian }\n",
    );
    let f = check(BASE, &new, &["ATTR_RENUMBERED"]);
    assert_eq!(
        paths(&f, "ATTR_RENUMBERED"),
        ["attribute-sets/rule/port", "attribute-sets/rule/label"]
    );
}

#[test]
fn nlctrl_mask_pad_swapped() {
    let old = nlctrl();
    let new = edit(
        &old,
        "        name: mask\n        type: u64\n      -\n        name: pad\n        type: pad\n",
        "        name: pad\n        type: pad\n      -\n        name: mask\n        type: u64\n",
    );
    let f = check(&old, &new, &["ATTR_RENUMBERED"]);
    assert_eq!(
        paths(&f, "ATTR_RENUMBERED"),
        [
            "attribute-sets/policy-attrs/mask",
            "attribute-sets/policy-attrs/pad"
        ]
    );
    assert!(f[0].message.contains("id 11 and is now id 12"), "{}", f[0]);
}

#[test]
fn renumbered_by_value() {
    let f = check(
        BASE,
        &edit(
            BASE,
            "{ name: tags, type: u32",
            "{ name: tags, value: 20, type: u32",
        ),
        &["ATTR_RENUMBERED"],
    );
    // `opts` follows `tags`: 21 now.
    assert_eq!(
        paths(&f, "ATTR_RENUMBERED"),
        ["attribute-sets/rule/tags", "attribute-sets/rule/opts"]
    );
}

#[test]
fn inserted_in_the_middle() {
    let f = check(
        BASE,
        &edit(
            BASE,
            "      - { name: port,",
            "      - { name: proto, type: u8 }\n      - { name: port,",
        ),
        &["ATTR_ADDED", "ATTR_RENUMBERED"],
    );
    assert_eq!(paths(&f, "ATTR_RENUMBERED").len(), 7);
}

#[test]
fn optional_attribute_added() {
    let new = edit(
        BASE,
        "      - { name: opts, type: u32, enum: opts, enum-as-flags: true }\n",
        "      - { name: opts, type: u32, enum: opts, enum-as-flags: true }\n      - { name: expires, type: u64 }\n",
    );
    let new = edit(
        &new,
        "request: { attributes: [ id, port, label, action, prio, match, tags, opts ] }",
        "request: { attributes: [ id, port, label, action, prio, match, tags, opts, expires ] }",
    );
    let f = check(BASE, &new, &["ATTR_ADDED", "OP_REQUEST_ATTR_ADDED"]);
    assert!(f.iter().all(|x| x.impact == Impact::Compatible));
    let added = f.iter().find(|x| x.rule == "ATTR_ADDED").unwrap();
    assert!(added.message.contains("EINVAL"), "{added}");
    assert!(added.message.contains("ignores it in replies"), "{added}");
}

#[test]
fn attribute_removed() {
    let new = edit(
        BASE,
        "      - { name: opts, type: u32, enum: opts, enum-as-flags: true }\n",
        "",
    );
    let new = edit_all(&new, ", tags, opts ]", ", tags ]");
    // The lists dropping it are not reported again.
    let f = check(BASE, &new, &["ATTR_REMOVED"]);
    assert_eq!(f.len(), 1);
}

#[test]
fn attribute_renamed() {
    let new = edit_all(BASE, "prio", "priority");
    check(BASE, &new, &["ATTR_RENAMED"]);
}

#[test]
fn renamed_with_another_type_is_removed_and_added() {
    let new = edit_all(BASE, "prio", "priority");
    let new = edit(
        &new,
        "name: priority, type: u8",
        "name: priority, type: u16",
    );
    // The lists name the new attribute: additions there too.
    check(
        BASE,
        &new,
        &[
            "ATTR_REMOVED",
            "ATTR_ADDED",
            "OP_REQUEST_ATTR_ADDED",
            "OP_REPLY_ATTR_ADDED",
        ],
    );
}

#[test]
fn byte_order_changed() {
    check(
        BASE,
        &edit(BASE, "type: u16, byte-order: big-endian", "type: u16"),
        &["ATTR_BYTE_ORDER_CHANGED"],
    );
}

#[test]
fn nest_to_flat() {
    check(
        BASE,
        &edit(
            BASE,
            "{ name: match, type: nest, nested-attributes: match }",
            "{ name: match, type: binary }",
        ),
        &["ATTR_NEST_CHANGED"],
    );
}

#[test]
fn nested_set_changed() {
    let new = edit(
        BASE,
        "{ name: match, type: nest, nested-attributes: match }",
        "{ name: match, type: nest, nested-attributes: match2 }",
    );
    let new = edit(
        &new,
        "operations:\n",
        "  - name: match2\n    attributes:\n      - { name: ifindex, type: u32 }\noperations:\n",
    );
    check(BASE, &new, &["ATTR_NESTED_SET_CHANGED"]);
}

#[test]
fn multi_attr_to_indexed_array() {
    check(
        BASE,
        &edit(
            BASE,
            "{ name: tags, type: u32, multi-attr: true }",
            "{ name: tags, type: indexed-array, sub-type: u32 }",
        ),
        &["ATTR_ARRAY_FORM_CHANGED"],
    );
}

#[test]
fn multi_attr_dropped() {
    check(
        BASE,
        &edit(
            BASE,
            "{ name: tags, type: u32, multi-attr: true }",
            "{ name: tags, type: u32 }",
        ),
        &["ATTR_MULTI_CHANGED"],
    );
}

#[test]
fn enum_reference_changed() {
    check(
        BASE,
        &edit(BASE, "enum: opts, enum-as-flags: true", "enum: opts"),
        &["ATTR_ENUM_CHANGED"],
    );
}

// --- checks -----------------------------------------------------------------

#[test]
fn max_tightened() {
    let f = check(
        BASE,
        &edit(BASE, "{ min: 1, max: 10 }", "{ min: 1, max: 5 }"),
        &["ATTR_CHECK_TIGHTENED"],
    );
    assert_eq!(f[0].path, "attribute-sets/rule/prio");
}

#[test]
fn demo_max_tightened() {
    let old = demo();
    let new = edit(&old, "max: 10000", "max: 5000");
    let f = check(&old, &new, &["ATTR_CHECK_TIGHTENED"]);
    assert_eq!(f[0].path, "attribute-sets/defer/delay-ms");
}

#[test]
fn max_loosened() {
    check(
        BASE,
        &edit(BASE, "{ min: 1, max: 10 }", "{ min: 1, max: u8-max }"),
        &["ATTR_CHECK_LOOSENED"],
    );
}

#[test]
fn min_raised() {
    check(
        BASE,
        &edit(BASE, "{ min: 1, max: 10 }", "{ min: 2, max: 10 }"),
        &["ATTR_CHECK_TIGHTENED"],
    );
}

#[test]
fn max_len_lowered_through_a_const() {
    check(
        BASE,
        &edit(BASE, "    value: 32\n", "    value: 16\n"),
        &["ATTR_CHECK_TIGHTENED", "CONST_CHANGED"],
    );
}

#[test]
fn same_limit_spelled_differently() {
    check(
        BASE,
        &edit(BASE, "{ max-len: name-max }", "{ max-len: 32 }"),
        &[],
    );
}

#[test]
fn exact_len_changed() {
    check(
        BASE,
        &edit(BASE, "{ exact-len: 4 }", "{ exact-len: 16 }"),
        &["ATTR_CHECK_TIGHTENED"],
    );
}

#[test]
fn check_added_and_removed() {
    check(
        BASE,
        &edit(
            BASE,
            "{ name: id, type: u32 }",
            "{ name: id, type: u32, checks: { min: 1 } }",
        ),
        &["ATTR_CHECK_TIGHTENED"],
    );
    check(
        BASE,
        &edit(BASE, ", checks: { exact-len: 4 }", ""),
        &["ATTR_CHECK_LOOSENED"],
    );
}

// --- required ---------------------------------------------------------------

#[test]
fn attribute_made_required() {
    let f = check(
        BASE,
        &edit(
            BASE,
            "{ name: id, type: u32 }",
            "{ name: id, type: u32, required: true }",
        ),
        &["REQUIRED_ATTR_ADDED"],
    );
    // Every request listing `id`.
    assert_eq!(
        paths(&f, "REQUIRED_ATTR_ADDED"),
        [
            "operations/add/do/request",
            "operations/get/do/request",
            "operations/del/do/request"
        ]
    );
}

#[test]
fn required_attribute_added_to_a_request() {
    let new = edit(
        BASE,
        "      - { name: opts, type: u32, enum: opts, enum-as-flags: true }\n",
        "      - { name: opts, type: u32, enum: opts, enum-as-flags: true }\n      - { name: owner, type: u32 }\n",
    );
    let new = edit(
        &new,
        "request: { attributes: [ id ] }\n    - name: changed",
        "request: { attributes: [ id, owner ], required: [ owner ] }\n    - name: changed",
    );
    check(BASE, &new, &["ATTR_ADDED", "REQUIRED_ATTR_ADDED"]);
    check(&new, BASE, &["ATTR_REMOVED", "REQUIRED_ATTR_RELAXED"]);
}

// --- operations -------------------------------------------------------------

#[test]
fn command_added() {
    let new = edit(
        BASE,
        "    - name: changed\n",
        "    - name: flush\n      attribute-set: rule\n      do: {}\n    - name: changed\n",
    );
    // `changed` follows the new command: its notification id moves.
    check(BASE, &new, &["OP_ADDED", "OP_RENUMBERED"]);
    let new = edit(
        BASE,
        "mcast-groups:",
        "    - name: flush\n      attribute-set: rule\n      do: {}\nmcast-groups:",
    );
    let f = check(BASE, &new, &["OP_ADDED"]);
    assert!(f[0].message.contains("EOPNOTSUPP"));
}

#[test]
fn command_removed() {
    let new = edit(
        BASE,
        "      flags: [ uns-admin-perm ]\n      do:\n        request: { attributes: [ id ] }\n",
        "      flags: [ uns-admin-perm ]\n",
    );
    // `del` keeps its number, as a reserved entry, but lost its do.
    check(BASE, &new, &["OP_MODE_REMOVED"]);
    let new = edit(
        BASE,
        "    - name: del\n      attribute-set: rule\n      flags: [ uns-admin-perm ]\n      do:\n        request: { attributes: [ id ] }\n",
        "",
    );
    check(BASE, &new, &["OP_REMOVED", "OP_RENUMBERED"]);
}

#[test]
fn command_renumbered_by_value() {
    let f = check(
        BASE,
        &edit(
            BASE,
            "    - name: del\n",
            "    - name: del\n      value: 10\n",
        ),
        &["OP_RENUMBERED"],
    );
    assert_eq!(
        paths(&f, "OP_RENUMBERED"),
        ["operations/del", "operations/changed"]
    );
}

#[test]
fn command_renamed() {
    check(
        BASE,
        &edit(BASE, "- name: del\n", "- name: remove\n"),
        &["OP_RENAMED"],
    );
}

#[test]
fn admin_perm_added() {
    let old = demo();
    let new = edit(
        &old,
        "      attribute-set: echo\n",
        "      attribute-set: echo\n      flags: [ admin-perm ]\n",
    );
    let f = check(&old, &new, &["OP_ADMIN_PERM_ADDED"]);
    assert_eq!(f[0].path, "operations/echo");
    check(
        BASE,
        &edit(BASE, "flags: [ uns-admin-perm ]", "flags: [ admin-perm ]"),
        &["OP_ADMIN_PERM_ADDED"],
    );
    check(
        BASE,
        &edit(BASE, "      flags: [ admin-perm ]\n", ""),
        &["OP_ADMIN_PERM_REMOVED"],
    );
}

#[test]
fn dump_removed() {
    let old = demo();
    let new = edit(
        &old,
        "      dump:\n        reply:\n          attributes: [ key, value, meta ]\n",
        "",
    );
    let f = check(&old, &new, &["OP_MODE_REMOVED"]);
    assert_eq!(f[0].path, "operations/kv-get/dump");
}

#[test]
fn dump_added() {
    check(
        BASE,
        &edit(
            BASE,
            "        request: { attributes: [ id ] }\n    - name: changed",
            "        request: { attributes: [ id ] }\n      dump: {}\n    - name: changed",
        ),
        &["OP_MODE_ADDED"],
    );
}

#[test]
fn reply_removed_and_added() {
    let new = edit(
        BASE,
        "        reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }\n      dump:",
        "      dump:",
    );
    check(BASE, &new, &["OP_REPLY_REMOVED"]);
    check(&new, BASE, &["OP_REPLY_ADDED"]);
}

#[test]
fn reply_attribute_removed() {
    let new = edit_all(
        BASE,
        "reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }",
        "reply: { attributes: [ id, port, label, action, prio, match, tags ] }",
    );
    let f = check(BASE, &new, &["OP_REPLY_ATTR_REMOVED"]);
    assert_eq!(
        paths(&f, "OP_REPLY_ATTR_REMOVED"),
        ["operations/get/do/reply", "operations/get/dump/reply"]
    );
    check(&new, BASE, &["OP_REPLY_ATTR_ADDED"]);
}

#[test]
fn request_attribute_removed() {
    check(
        BASE,
        &edit(
            BASE,
            "request: { attributes: [ id, port, label, action, prio, match, tags, opts ] }",
            "request: { attributes: [ id, port, label, action, prio, match, tags ] }",
        ),
        &["OP_REQUEST_ATTR_REMOVED"],
    );
}

#[test]
fn event_attribute_removed() {
    check(
        BASE,
        &edit(
            BASE,
            "event: { attributes: [ id, action ] }",
            "event: { attributes: [ id ] }",
        ),
        &["OP_REPLY_ATTR_REMOVED"],
    );
}

#[test]
fn dont_validate() {
    let new = edit(
        BASE,
        "      flags: [ admin-perm ]\n",
        "      flags: [ admin-perm ]\n      dont-validate: [ strict ]\n",
    );
    check(BASE, &new, &["OP_VALIDATION_LOOSENED"]);
    check(&new, BASE, &["OP_VALIDATION_TIGHTENED"]);
}

#[test]
fn notification_moved_to_another_group() {
    check(
        BASE,
        &edit(BASE, "mcgrp: events", "mcgrp: stats"),
        &["OP_MCGRP_CHANGED"],
    );
}

#[test]
fn directional_reply_renumbered() {
    let old = nlctrl();
    // nlctrl's directional model: getfamily replies with message id 1.
    let new = edit(
        &old,
        "        reply: &all-attrs\n          value: 1\n",
        "        reply: &all-attrs\n          value: 2\n",
    );
    let f = check(&old, &new, &["OP_REPLY_RENUMBERED"]);
    assert_eq!(f[0].path, "operations/getfamily");
    assert!(f[0].message.contains("id 1 and now 2"), "{}", f[0]);
}

// --- groups, family, definitions -------------------------------------------

#[test]
fn multicast_group_removed() {
    let old = demo();
    let new = edit(
        &old,
        "mcast-groups:\n  list:\n    -\n      name: events\n",
        "",
    );
    check(&old, &new, &["MCGRP_REMOVED"]);
    check(
        BASE,
        &edit(BASE, "    - name: stats\n", ""),
        &["MCGRP_REMOVED"],
    );
}

#[test]
fn multicast_group_renamed() {
    let f = check(
        BASE,
        &edit_all(BASE, "events", "notify"),
        &["MCGRP_RENAMED"],
    );
    assert_eq!(f[0].impact, Impact::Breaking);
}

#[test]
fn multicast_group_added() {
    check(
        BASE,
        &edit(
            BASE,
            "    - name: stats\n",
            "    - name: stats\n    - name: audit\n",
        ),
        &["MCGRP_ADDED"],
    );
}

#[test]
fn version_changed() {
    let old = demo();
    let new = edit(
        &old,
        "protocol: genetlink\n",
        "protocol: genetlink-legacy\nversion: 2\n",
    );
    let f = check(&old, &new, &["VERSION_CHANGED"]);
    assert_eq!(f[0].impact, Impact::Compatible);
}

#[test]
fn family_renamed() {
    check(
        BASE,
        &edit(BASE, "name: fw\n", "name: fw2\n"),
        &["FAMILY_RENAMED"],
    );
}

#[test]
fn enum_entries() {
    check(
        BASE,
        &edit(BASE, "[ accept, drop ]", "[ accept, drop, reject ]"),
        &["ENUM_ENTRY_ADDED"],
    );
    check(
        BASE,
        &edit(BASE, "[ accept, drop ]", "[ drop, accept ]"),
        &["ENUM_ENTRY_RENUMBERED"],
    );
    check(
        BASE,
        &edit(BASE, "[ accept, drop ]", "[ accept ]"),
        &["ENUM_ENTRY_REMOVED"],
    );
    check(
        BASE,
        &edit(BASE, "[ accept, drop ]", "[ accept, discard ]"),
        &["ENUM_ENTRY_RENAMED"],
    );
    check(
        BASE,
        &edit(
            BASE,
            "    name: action\n",
            "    name: action\n    value-start: 1\n",
        ),
        &["ENUM_ENTRY_RENUMBERED"],
    );
    check(
        BASE,
        &edit(BASE, "[ log, count ]", "[ count, log ]"),
        &["ENUM_ENTRY_RENUMBERED"],
    );
}

#[test]
fn flags_became_enum() {
    check(
        BASE,
        &edit(BASE, "  - type: flags\n", "  - type: enum\n"),
        &["ENUM_KIND_CHANGED"],
    );
}

const LEGACY: &str = "
name: ovsish
protocol: genetlink-legacy
definitions:
  - type: struct
    name: hdr
    members:
      - { name: ifindex, type: u32 }
  - type: struct
    name: stats
    members:
      - { name: packets, type: u64 }
      - { name: bytes, type: u64 }
attribute-sets:
  - name: dp
    attributes:
      - { name: name, type: string }
      - { name: stats, type: binary, struct: stats }
operations:
  fixed-header: hdr
  list:
    - name: get
      attribute-set: dp
      do:
        request: { attributes: [ name ] }
        reply: { attributes: [ name, stats ] }
    - name: set
      attribute-set: dp
      do:
        request: { attributes: [ name ] }
";

#[test]
fn fixed_header_changed() {
    let f = check(
        LEGACY,
        &edit(
            LEGACY,
            "{ name: ifindex, type: u32 }",
            "{ name: ifindex, type: u32 }\n      - { name: flags, type: u32 }",
        ),
        &["FIXED_HEADER_CHANGED"],
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("`get`, `set`"), "{}", f[0]);
    assert!(f[0].message.contains("(4 bytes)") && f[0].message.contains("(8 bytes)"));
}

#[test]
fn struct_layout_changed() {
    check(
        LEGACY,
        &edit(
            LEGACY,
            "{ name: bytes, type: u64 }",
            "{ name: bytes, type: u32 }",
        ),
        &["STRUCT_LAYOUT_CHANGED"],
    );
    check(
        LEGACY,
        &edit(
            LEGACY,
            "{ name: bytes, type: u64 }",
            "{ name: octets, type: u64 }",
        ),
        &["STRUCT_MEMBER_RENAMED"],
    );
}

// --- whole specs ------------------------------------------------------------

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
    let e = compare("name: [", BASE).unwrap_err();
    assert!(e.starts_with("old spec:"), "{e}");
    let e = compare(BASE, "- a list").unwrap_err();
    assert!(e.starts_with("new spec:"), "{e}");
    let bad = edit(BASE, "{ max-len: name-max }", "[ 1 ]");
    let e = compare(BASE, &bad).unwrap_err();
    assert!(e.contains("attribute-sets/rule/label/checks"), "{e}");
    let bad = edit(BASE, "flags: [ admin-perm ]", "flags: admin-perm");
    let e = compare(BASE, &bad).unwrap_err();
    assert!(e.contains("operations/add/flags"), "{e}");
    let bad = edit(
        BASE,
        "{ name: id, type: u32 }",
        "{ name: id, type: u32, required: 3 }",
    );
    let e = compare(&bad, BASE).unwrap_err();
    assert!(e.contains("attribute-sets/rule/id/required"), "{e}");
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

// --- the remaining rules ----------------------------------------------------

#[test]
fn protocol_changed() {
    check(
        BASE,
        &edit(
            BASE,
            "protocol: genetlink\n",
            "protocol: netlink-raw\nprotonum: 16\n",
        ),
        &["PROTOCOL_CHANGED"],
    );
}

#[test]
fn set_removed() {
    let new = edit(
        BASE,
        "  - name: match\n    attributes:\n      - { name: proto, type: u8 }\n      - { name: addr, type: binary, checks: { exact-len: 4 } }\n",
        "",
    );
    let new = edit(
        &new,
        "{ name: match, type: nest, nested-attributes: match }",
        "{ name: match, type: binary }",
    );
    check(BASE, &new, &["SET_REMOVED", "ATTR_NEST_CHANGED"]);
}

#[test]
fn definitions_removed() {
    let new = edit(
        BASE,
        "  - type: flags\n    name: opts\n    entries: [ log, count ]\n",
        "",
    );
    let new = edit(&new, ", enum: opts, enum-as-flags: true", "");
    check(BASE, &new, &["ENUM_REMOVED"]);
    let new = edit(
        BASE,
        "  - type: const\n    name: name-max\n    value: 32\n",
        "",
    );
    let new = edit(&new, "max-len: name-max", "max-len: 32");
    check(BASE, &new, &["CONST_REMOVED"]);
}

#[test]
fn binary_struct_replaced() {
    let new = edit_all(LEGACY, "name: stats\n", "name: counters\n");
    let new = edit(&new, "struct: stats }", "struct: counters }");
    let new = edit(
        &new,
        "{ name: bytes, type: u64 }",
        "{ name: bytes, type: u32 }",
    );
    check(LEGACY, &new, &["STRUCT_REMOVED", "ATTR_STRUCT_CHANGED"]);
}

#[test]
fn notification_became_a_command() {
    check(
        BASE,
        &edit(
            BASE,
            "      event: { attributes: [ id, action ] }\n      mcgrp: events\n",
            "      do: {}\n",
        ),
        &["OP_KIND_CHANGED"],
    );
}

#[test]
fn operation_uses_another_set() {
    check(
        BASE,
        &edit(
            BASE,
            "    - name: del\n      attribute-set: rule\n",
            "    - name: del\n      attribute-set: match\n",
        ),
        &["OP_ATTR_SET_CHANGED"],
    );
}

#[test]
fn classic_group_renumbered_and_renamed() {
    let old = read("tests/fixtures/ynl/rt_addr.yaml");
    check(
        &old,
        &edit(&old, "      value: 9\n", "      value: 10\n"),
        &["MCGRP_RENUMBERED"],
    );
    check(
        &old,
        &edit_all(&old, "rtnlgrp-ipv6-ifaddr", "rtnlgrp-ip6-ifaddr"),
        &["MCGRP_RENAMED"],
    );
}

#[test]
fn sub_messages() {
    let old = read("tests/fixtures/ynl/rt_link.yaml");
    let tun = "      -\n        value: tun\n        attribute-set: linkinfo-tun-attrs\n";
    check(&old, &edit(&old, tun, ""), &["SUB_MESSAGE_FORMAT_REMOVED"]);
    check(
        &old,
        &edit(
            &old,
            tun,
            &format!(
                "{tun}      -\n        value: tun2\n        attribute-set: linkinfo-tun-attrs\n"
            ),
        ),
        &["SUB_MESSAGE_FORMAT_ADDED"],
    );
    check(
        &old,
        &edit(
            &old,
            "        value: bond\n        attribute-set: bond-slave-attrs\n",
            "        value: bond\n        attribute-set: linkinfo-brport-attrs\n",
        ),
        &["SUB_MESSAGE_FORMAT_CHANGED"],
    );
    let f = check(
        &old,
        &edit(
            &old,
            "        sub-message: linkinfo-data-msg\n        selector: kind\n",
            "        sub-message: linkinfo-member-data-msg\n        selector: kind\n",
        ),
        &["ATTR_SUB_MESSAGE_CHANGED"],
    );
    assert_eq!(f[0].path, "attribute-sets/linkinfo-attrs/data");
}

/// Every rule of RULES is raised by some case of this corpus.
#[test]
fn every_rule_is_exercised() {
    let src = include_str!("main.rs");
    for r in RULES {
        assert!(
            src.contains(&format!("&[\"{}\"", r.id))
                || src.contains(&format!("\"{}\",", r.id))
                || src.contains(&format!("\"{}\"]", r.id)),
            "{} has no case",
            r.id
        );
    }
}
