//! The `cargo package` suite: the library crates and the tool as they would
//! be published, each built from its package alone (unpublished genl
//! dependencies come from the other packages, through the temporary registry
//! cargo makes for a workspace).
//!
//! Cargo treats a registry crate as immutable: once `genl-core 0.1.0` from
//! that temporary registry is unpacked under `$CARGO_HOME/registry/src` or
//! compiled into a target directory, a later run reuses it even though the
//! source has changed since. A machine that packages one checkout twice (a
//! CI machine that keeps its checkout and `$CARGO_HOME`) then verifies the
//! new `genl-codegen` against the old `genl-core` and fails. So every run
//! starts from nothing: its own target directory, emptied first, and no
//! unpacked genl crate left from an earlier run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util;

/// The crates packaged, dependencies first.
pub const CRATES: [&str; 6] = [
    "genl-rules",
    "genl-derive",
    "genl-core",
    "genl-codegen",
    "genl-ynl",
    "genl-cli",
];

/// Runs the suite.
pub fn run() -> Result<(), String> {
    let root = util::workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("package-check");
    remove(&target)?;
    let removed = remove_unpacked(&cargo_home())?;
    if removed > 0 {
        println!("package: removed {removed} genl crate(s) unpacked by an earlier run");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["package", "--allow-dirty", "--target-dir"])
        .arg(&target)
        .current_dir(&root);
    for c in CRATES {
        cmd.args(["-p", c]);
    }
    let status = cmd.status().map_err(|e| format!("cargo package: {e}"))?;
    if !status.success() {
        return Err(format!("cargo package: {status}"));
    }
    Ok(())
}

/// `$CARGO_HOME`, or `~/.cargo`.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        })
}

/// Removes the genl crates unpacked from cargo's temporary local registries
/// (`registry/src/-<hash>/genl-*`; crates.io's directory is never touched).
/// Returns how many were removed.
fn remove_unpacked(cargo_home: &Path) -> Result<usize, String> {
    let src = cargo_home.join("registry/src");
    let Ok(registries) = std::fs::read_dir(&src) else {
        return Ok(0);
    };
    let mut removed = 0;
    for reg in registries.flatten() {
        if !reg.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(crates) = std::fs::read_dir(reg.path()) else {
            continue;
        };
        for c in crates.flatten() {
            let name = c.file_name().to_string_lossy().into_owned();
            if CRATES.iter().any(|k| {
                name.strip_prefix(k)
                    .and_then(|v| v.strip_prefix('-'))
                    .is_some_and(|v| v.starts_with(|ch: char| ch.is_ascii_digit()))
            }) {
                remove(&c.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

fn remove(p: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("removing {}: {e}", p.display())),
    }
}
