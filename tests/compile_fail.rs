//! Compile-fail tests for the derives: each case in `tests/compile_fail/`
//! must fail to compile with the checked-in message, pointing at the
//! offending span (`.stderr` files; regenerate with `TRYBUILD=overwrite`
//! only after reading every change).

#[test]
fn derive_errors_point_at_the_offending_span() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
