//! Attributes: types, ids, renames, nests, multi-attr, enums, sets and
//! sub-messages.

use super::*;

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
