//! The C files checked in under `kmod-c/` must be what the Rust schema of
//! the demo family generates today: regenerated in memory and compared.

use genl::demo::DemoCmd;
use genl_codegen::{c_files, ynl, REGENERATE_COMMAND};
use genl_core::Family;

#[test]
fn checked_in_c_files_match_the_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kmod-c");
    let mut files = c_files(<DemoCmd as Family>::SCHEMA).expect("the demo schema renders to C");
    files
        .push(ynl::spec_file(<DemoCmd as Family>::SCHEMA).expect("the demo schema renders to YNL"));
    let mut stale = Vec::new();
    for f in &files {
        let path = dir.join(&f.path);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == f.contents => {}
            Ok(current) => {
                let line = current
                    .lines()
                    .zip(f.contents.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(
                        || current.lines().count().min(f.contents.lines().count()) + 1,
                        |i| i + 1,
                    );
                stale.push(format!("kmod-c/{} differs from line {line}", f.path));
            }
            Err(e) => stale.push(format!("kmod-c/{}: {e}", f.path)),
        }
    }
    assert!(
        stale.is_empty(),
        "generated C files are stale (the Rust schema in src/demo.rs changed?):\n  {}\n\
         run `{REGENERATE_COMMAND}` and commit the result",
        stale.join("\n  ")
    );
}
