//! `cargo xtask codegen [--check]`: renders the demo family's Rust schema
//! (`src/demo.rs`) into `kmod-c/` — uapi header, kernel header and source,
//! YNL spec — or with `--check` fails naming the stale files. It runs
//! `genl_codegen::driver::run`, exactly what `genl generate [--check]`'s
//! driver runs for other projects; only the banner's command differs.

use genl::demo::DemoCmd;
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
    let mut driver_args = vec![
        "--out".to_owned(),
        dir.to_string_lossy().into_owned(),
        "--regenerate-command".to_owned(),
        REGENERATE_COMMAND.to_owned(),
    ];
    if check {
        driver_args.push("--check".to_owned());
    }
    if genl_codegen::driver::run(<DemoCmd as Family>::SCHEMA, &driver_args)? {
        Ok(())
    } else {
        Err(format!(
            "stale generated files in kmod-c/ (the Rust schema changed); run `{REGENERATE_COMMAND}`"
        ))
    }
}
