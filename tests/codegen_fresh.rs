//! The files checked in under `kmod-c/` must be what the Rust schema of the
//! demo family generates today: rendered in memory and compared by
//! `genl_codegen::write_or_check` in check mode (what `cargo xtask codegen
//! --check` runs).

use genl::demo::DemoCmd;
use genl_codegen::{render, write_or_check, Options};
use genl_core::Family;

#[test]
fn checked_in_kmod_files_match_the_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kmod-c");
    let files = render(
        <DemoCmd as Family>::SCHEMA,
        &Options::new("cargo xtask codegen"),
    )
    .expect("the demo schema renders");
    let statuses = write_or_check(&dir, &files, true).expect("kmod-c is readable");
    let stale: Vec<String> = statuses
        .iter()
        .filter(|s| !s.is_fresh())
        .map(|s| format!("kmod-c/{s}"))
        .collect();
    assert!(
        stale.is_empty(),
        "generated files are stale (the Rust schema in src/demo.rs changed?):\n  {}\n\
         run `cargo xtask codegen` and commit the result",
        stale.join("\n  ")
    );
}
