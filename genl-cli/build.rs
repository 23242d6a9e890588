//! Bakes the sources of genl's library crates (genl-rules, genl-derive,
//! genl-core, genl-codegen) into the tool, so that projects it creates build without a
//! genl checkout and without a registry: the tool writes them to its
//! per-user cache and points new projects at them (see `src/vendor.rs`).
//!
//! The crates pass their source directories through `links` metadata
//! (`DEP_<CRATE>_SRC`), which works both in the workspace and when the tool
//! is built from its packaged form.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a crate needs to build: everything but tests, benches and targets.
fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            let top = dir == root;
            if name.starts_with('.')
                || name == "target"
                || (top && matches!(name, "tests" | "benches" | "examples" | "fuzz"))
            {
                continue;
            }
            collect(root, &p, out);
        } else if !name.starts_with('.') && name != "Cargo.lock" && name != "Cargo.toml.orig" {
            out.push(p);
        }
    }
}

fn main() {
    let mut code = String::from("&[\n");
    // Dependencies first, as vendor.rs's CRATES.
    for (krate, var) in [
        ("genl-rules", "DEP_GENL_RULES_SRC"),
        ("genl-derive", "DEP_GENL_DERIVE_SRC"),
        ("genl-core", "DEP_GENL_CORE_SRC"),
        ("genl-codegen", "DEP_GENL_CODEGEN_SRC"),
    ] {
        let root = PathBuf::from(
            std::env::var(var).unwrap_or_else(|_| panic!("{var} is set by {krate}'s build script")),
        );
        // Cargo rescans a directory named here for any change inside.
        println!("cargo::rerun-if-changed={}", root.display());
        let mut files = Vec::new();
        collect(&root, &root, &mut files);
        assert!(
            files.iter().any(|f| f.ends_with("Cargo.toml")),
            "{}: no Cargo.toml (a build of another checkout sharing this target \
             directory? `cargo clean -p genl-cli -p genl-rules -p genl-derive -p genl-core -p genl-codegen`)",
            root.display()
        );
        for f in files {
            let rel = f.strip_prefix(&root).expect("under the root");
            let _ = writeln!(
                code,
                "    ({:?}, include_bytes!({:?})),",
                format!("{krate}/{}", rel.to_string_lossy()),
                f.to_string_lossy()
            );
        }
    }
    code.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("vendored.rs"), code).expect("writing vendored.rs");
}
