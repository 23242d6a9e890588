//! The family as a whole: protocol, name, version, multicast groups and
//! definitions (enums, flags, structs, fixed headers).

use super::*;

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
