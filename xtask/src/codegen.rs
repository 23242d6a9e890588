//! `cargo xtask codegen [--check]`: writes the C files (and the YNL spec)
//! generated from the
//! Rust schema of the demo family into `kmod-c/`, or with `--check` fails if
//! the checked-in ones are stale.

use genl::demo::DemoCmd;
use genl_codegen::{c_files, ynl, REGENERATE_COMMAND};
use genl_core::Family;

use crate::util;

/// Runs `codegen` with its arguments (`--check` only compares).
pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => return Err(format!("usage: {REGENERATE_COMMAND} [--check]")),
    };
    let dir = util::workspace_root().join("kmod-c");
    let mut files = c_files(<DemoCmd as Family>::SCHEMA).map_err(|e| e.to_string())?;
    // The YNL spec (kmod-c/<name>.yaml), for the kernel's ynl tools.
    files.push(ynl::spec_file(<DemoCmd as Family>::SCHEMA).map_err(|e| e.to_string())?);
    let mut stale = Vec::new();
    for f in &files {
        let path = dir.join(&f.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(f.contents.as_str()) {
            println!("codegen: kmod-c/{} is up to date", f.path);
            continue;
        }
        if check {
            stale.push(format!("kmod-c/{}", f.path));
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("codegen: wrote kmod-c/{}", f.path);
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
