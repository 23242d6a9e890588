//! Attributes a request must carry.

use super::*;

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
