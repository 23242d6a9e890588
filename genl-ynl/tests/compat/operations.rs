//! Operations: commands, their numbers, modes, attributes and
//! notifications.

use super::*;

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
