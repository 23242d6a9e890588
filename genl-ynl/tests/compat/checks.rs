//! `checks`: the limits the kernel's policy enforces.

use super::*;

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
