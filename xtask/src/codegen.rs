//! `cargo xtask codegen [--check]`: renders the demo family's Rust schema
//! (`src/demo.rs`) into `kmod-c/` — uapi header, kernel header and source,
//! YNL spec — with `genl_codegen::render`, and writes the changed files, or
//! with `--check` fails naming the stale ones (`genl_codegen::write_or_check`,
//! the same calls `genl generate [--check]` makes).

use genl::demo::DemoCmd;
use genl_codegen::{render, write_or_check, Options};
use genl_core::Family;

use crate::util;

/// The command the generated files' banners name.
pub const REGENERATE_COMMAND: &str = "cargo xtask codegen";

/// Runs `codegen` with its arguments (`--check` only compares).
pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => return Err(format!("usage: {REGENERATE_COMMAND} [--check]")),
    };
    let dir = util::workspace_root().join("kmod-c");
    let files = render(
        <DemoCmd as Family>::SCHEMA,
        &Options::new(REGENERATE_COMMAND),
    )
    .map_err(|e| e.to_string())?;
    let statuses = write_or_check(&dir, &files, check).map_err(|e| e.to_string())?;
    let mut stale = Vec::new();
    for s in &statuses {
        println!("codegen: kmod-c/{s}");
        if !s.is_fresh() {
            stale.push(format!("kmod-c/{}", s.path));
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "stale generated files (the Rust schema changed): {}; run `{REGENERATE_COMMAND}`",
            stale.join(", ")
        ))
    }
}
