//! `cargo xtask codegen [--check]`: renders the families' Rust schemas into
//! their kernel directories — uapi header, kernel header and source, YNL
//! spec, and the Wireshark dissector rendered from that spec
//! (`<name>.lua`, `genl_cli::generate::dissector`) — or with `--check`
//! fails naming the stale files:
//!
//! - the demo family (`src/demo.rs`) into `kmod-c/`, banners naming
//!   `cargo xtask codegen`;
//! - the portwatch family (`examples/portwatch/portwatch`) into
//!   `examples/portwatch/kmod/`, banners naming `genl generate` (a genl
//!   project: `genl --project examples/portwatch generate` writes the same
//!   files).
//!
//! It runs `genl_codegen::driver::run`, exactly what `genl generate
//! [--check]`'s driver runs for other projects.

use genl::demo::DemoCmd;
use genl_core::schema::FamilySchema;
use genl_core::Family;
use portwatch::PortwatchCmd;

use crate::util;

/// The command the demo family's generated files' banners name.
pub const REGENERATE_COMMAND: &str = "cargo xtask codegen";

/// The command the portwatch project's generated files' banners name.
pub const PORTWATCH_REGENERATE_COMMAND: &str = "genl generate";

/// Runs `codegen` with its arguments (`--check` only compares).
pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => return Err(format!("usage: {REGENERATE_COMMAND} [--check]")),
    };
    let root = util::workspace_root();
    let families: [(&FamilySchema, &str, &str); 2] = [
        (<DemoCmd as Family>::SCHEMA, "kmod-c", REGENERATE_COMMAND),
        (
            <PortwatchCmd as Family>::SCHEMA,
            "examples/portwatch/kmod",
            PORTWATCH_REGENERATE_COMMAND,
        ),
    ];
    let mut stale = Vec::new();
    for (schema, dir, command) in families {
        let mut driver_args = vec![
            "--out".to_owned(),
            root.join(dir).to_string_lossy().into_owned(),
            "--regenerate-command".to_owned(),
            command.to_owned(),
        ];
        if check {
            driver_args.push("--check".to_owned());
        }
        let fresh = genl_codegen::driver::run(schema, &driver_args)?;
        // The Wireshark dissector, from the YNL spec just rendered.
        let lua = genl_cli::generate::dissector(&root.join(dir), schema.name, check)?;
        print!("{lua}");
        let lua_fresh = lua.is_fresh();
        if !fresh || !lua_fresh {
            stale.push(format!("{dir}/ (the {} schema changed)", schema.name));
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "stale generated files in {}; run `{REGENERATE_COMMAND}`",
            stale.join(", ")
        ))
    }
}
