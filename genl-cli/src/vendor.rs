//! The genl library crates this tool was built with (genl-derive,
//! genl-core, genl-codegen), carried inside the binary.
//!
//! genl is not on a registry this tool can assume, so a project the tool
//! creates depends on the crates as if published (`genl-core = "0.1.0"`)
//! and its `.cargo/config.toml` patches them to the copy the tool writes to
//! its per-user cache (`<cache>/crates/genl-<version>-<hash>/`). Nothing
//! needs a genl checkout, and a project keeps building with the exact
//! sources the tool generated its files with. Once genl is published, the
//! patch can be deleted.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (path under the crates dir, contents), baked in by `build.rs`.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/vendored.rs"));

/// The library crates, in dependency order.
pub const CRATES: &[&str] = &["genl-derive", "genl-core", "genl-codegen"];

/// The crates a project's own packages depend on, patched in its cargo
/// configuration. genl-codegen is used only by `genl generate`'s driver,
/// which names its path directly (a patch the project's graph never uses
/// would make cargo warn on every build).
const PATCHED: &[&str] = &["genl-derive", "genl-core"];

/// The version of the carried crates (the tool's own).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Marks the start and end of the block of `.cargo/config.toml` the tool
/// owns (rewritten when the cache moves or the tool changes).
pub const CONFIG_BEGIN: &str = "# >>> genl: the genl crates this project builds with";
/// See [`CONFIG_BEGIN`].
pub const CONFIG_END: &str = "# <<< genl";

/// FNV-1a over every carried file's path and contents: tells copies of
/// different sources apart.
fn digest() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (path, data) in FILES {
        for b in path.bytes().chain([0]).chain(data.iter().copied()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The directory the crates are written to under `cache`.
pub fn dir(cache: &Path) -> PathBuf {
    cache
        .join("crates")
        .join(format!("genl-{VERSION}-{:016x}", digest()))
}

/// Writes the crates under `cache` unless a complete copy is there;
/// returns the directory holding `genl-core/`, `genl-derive/`, ….
pub fn ensure(cache: &Path) -> Result<PathBuf, String> {
    let dest = dir(cache);
    let stamp = dest.join(".complete");
    if stamp.is_file() {
        return Ok(dest);
    }
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, data) in FILES {
        let p = tmp.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, data).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    std::fs::write(tmp.join(".complete"), VERSION)
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

/// The `.cargo/config.toml` block patching the genl crates to `crates`.
pub fn config_block(crates: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{CONFIG_BEGIN}");
    let _ = writeln!(
        s,
        "# genl {VERSION} is not on crates.io: this patches its crates to the copy the\n\
         # `genl` tool wrote to its cache. Written by `genl`; delete the block once genl\n\
         # is published."
    );
    let _ = writeln!(s, "[patch.crates-io]");
    for c in PATCHED {
        let _ = writeln!(
            s,
            "{c} = {{ path = {:?} }}",
            crates.join(c).to_string_lossy()
        );
    }
    let _ = writeln!(s, "{CONFIG_END}");
    s
}

/// Makes `project/.cargo/config.toml` patch the genl crates to this tool's
/// copy: adds the block, or rewrites it when it points elsewhere (another
/// tool version, a wiped cache). Returns whether the file changed.
pub fn configure(project: &Path, cache: &Path) -> Result<bool, String> {
    let crates = ensure(cache)?;
    let block = config_block(&crates);
    let path = project.join(".cargo").join("config.toml");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(CONFIG_BEGIN), old.find(CONFIG_END)) {
        (Some(a), Some(b)) if b > a => {
            let end = b + CONFIG_END.len();
            let end = end + usize::from(old[end..].starts_with('\n'));
            format!("{}{block}{}", &old[..a], &old[end..])
        }
        _ if old.is_empty() => block,
        _ => format!("{}\n{block}", old.trim_end()),
    };
    if new == old {
        return Ok(false);
    }
    std::fs::create_dir_all(project.join(".cargo"))
        .map_err(|e| format!("{}: {e}", project.display()))?;
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tool_carries_every_library_crate() {
        for c in CRATES {
            assert!(
                FILES.iter().any(|(p, _)| *p == format!("{c}/Cargo.toml")),
                "{c}/Cargo.toml is carried"
            );
            assert!(
                FILES.iter().any(|(p, _)| *p == format!("{c}/src/lib.rs")),
                "{c}/src/lib.rs is carried"
            );
        }
        // Integration tests and build products stay home.
        for (p, _) in FILES {
            let mut parts = p.split('/');
            let second = parts.nth(1).unwrap_or("");
            assert!(!matches!(second, "tests" | "target"), "{p} is carried");
        }
    }

    #[test]
    fn the_copy_is_written_once_and_the_config_block_is_replaced() {
        let tmp = std::env::temp_dir().join(format!("genl-vendor-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let cache = tmp.join("cache");
        let project = tmp.join("p");
        std::fs::create_dir_all(project.join(".cargo")).unwrap();
        std::fs::write(project.join(".cargo/config.toml"), "[build]\njobs = 2\n").unwrap();
        assert!(configure(&project, &cache).unwrap());
        assert!(!configure(&project, &cache).unwrap(), "idempotent");
        let text = std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap();
        assert!(text.starts_with("[build]\njobs = 2\n"), "{text}");
        assert_eq!(text.matches(CONFIG_BEGIN).count(), 1);
        let crates = dir(&cache);
        assert!(crates.join("genl-core/src/lib.rs").is_file());
        assert!(text.contains(&format!(
            "genl-core = {{ path = {:?} }}",
            crates.join("genl-core").to_string_lossy()
        )));
        // A block pointing elsewhere is rewritten in place.
        let moved = text.replace(&crates.to_string_lossy().to_string(), "/gone");
        std::fs::write(project.join(".cargo/config.toml"), &moved).unwrap();
        assert!(configure(&project, &cache).unwrap());
        assert_eq!(
            std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap(),
            text
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
