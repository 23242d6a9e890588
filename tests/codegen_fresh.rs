//! The generated files checked in must be what the Rust schemas generate
//! today, rendered in memory and compared by `genl_codegen::write_or_check`
//! in check mode (what `cargo xtask codegen --check` runs): the demo
//! family's under `kmod-c/`, the portwatch family's under
//! `examples/portwatch/kmod/` (a genl project: `genl generate` writes them,
//! and their banners say so).

use genl::demo::DemoCmd;
use genl_codegen::{render, write_or_check, Options};
use genl_core::schema::FamilySchema;
use genl_core::Family;
use portwatch::PortwatchCmd;

/// Fails naming the stale files of `dir` (relative to the repository).
fn assert_fresh(schema: &'static FamilySchema, dir: &str, command: &str, fix: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let files = render(schema, &Options::new(command)).expect("the schema renders");
    let statuses = write_or_check(&path, &files, true).expect("the directory is readable");
    let stale: Vec<String> = statuses
        .iter()
        .filter(|s| !s.is_fresh())
        .map(|s| format!("{dir}/{s}"))
        .collect();
    assert!(
        stale.is_empty(),
        "generated files are stale (the Rust schema of {} changed?):\n  {}\n\
         run `{fix}` and commit the result",
        schema.name,
        stale.join("\n  ")
    );
}

#[test]
fn checked_in_kmod_files_match_the_schema() {
    assert_fresh(
        <DemoCmd as Family>::SCHEMA,
        "kmod-c",
        "cargo xtask codegen",
        "cargo xtask codegen",
    );
}

#[test]
fn checked_in_portwatch_files_match_the_schema() {
    assert_fresh(
        <PortwatchCmd as Family>::SCHEMA,
        "examples/portwatch/kmod",
        "genl generate",
        "cargo xtask codegen",
    );
}
