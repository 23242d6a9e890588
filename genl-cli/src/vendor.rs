//! The genl library crates this tool was built with (genl-rules,
//! genl-derive, genl-core, genl-codegen), carried inside the binary.
//!
//! genl is not on a registry this tool can assume, so a project the tool
//! creates depends on the crates as if published (`genl-core = "0.1.0"`)
//! and patches them in its `.cargo/config.toml` to `.genl/crates/<crate>`,
//! a path relative to the project. `.genl/` is the tool's, per machine and
//! never committed (it holds a `.gitignore` of `*`): `.genl/crates` is a
//! link to the copy of the crates the tool writes to its per-user cache
//! (`<cache>/crates/genl-<version>-<hash>/`).
//!
//! So the committed files name no path of the machine that created them:
//! a clone builds after one `genl sync` (or any other genl command in the
//! project: [`restore`]), which writes the crates to that machine's cache if
//! they are missing and points the link at them. Nothing needs a genl
//! checkout, and a project builds with the exact sources the tool
//! generated its files with. Once genl is published, the patch can be
//! deleted.

use std::fmt::{self, Write as _};
use std::io;
use std::path::{Path, PathBuf};

use crate::cache::CacheDirError;

/// (path under the crates dir, contents), baked in by `build.rs`.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/vendored.rs"));

/// The library crates, in dependency order.
pub const CRATES: &[&str] = &["genl-rules", "genl-derive", "genl-core", "genl-codegen"];

/// The crates a project's own packages depend on, and theirs, patched in
/// its cargo configuration: a tool built from its packaged form carries
/// manifests whose genl dependencies name only a version (genl-core's
/// `genl-derive = "=0.1.0"`, genl-derive's `genl-rules`), resolved through
/// the patch too. genl-codegen is used only by `genl generate`'s driver,
/// which names its path directly (a patch the project's graph never uses
/// would make cargo warn on every build).
const PATCHED: &[&str] = &["genl-rules", "genl-derive", "genl-core"];

/// The version of the carried crates (the tool's own).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Marks the start and end of the block of `.cargo/config.toml` the tool
/// owns (rewritten when its text changes, e.g. from an older tool's).
pub const CONFIG_BEGIN: &str = "# >>> genl: the genl crates this project builds with";
/// See [`CONFIG_BEGIN`].
pub const CONFIG_END: &str = "# <<< genl";

/// The project's directory the tool owns (never committed).
pub const LOCAL_DIR: &str = ".genl";

/// The link in [`LOCAL_DIR`] to the crates in the cache.
pub const LINK_NAME: &str = "crates";

/// The command that restores a project's [`LOCAL_DIR`].
pub const SYNC_COMMAND: &str = "genl sync";

/// Why the crates could not be written to the cache ([`ensure`]) or a
/// project pointed at them ([`configure`], [`restore`]). `Display` is the
/// message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum VendorError {
    /// Writing the crates to the cache failed (`Display` says how to pick
    /// another cache).
    WriteCrates {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A file or directory of the project (`.cargo/config.toml`,
    /// `.genl/`) could not be read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// `.genl/crates` is something else than the link genl writes.
    NotOurLink {
        /// The path.
        path: PathBuf,
    },
    /// The cache directory is unknown.
    Cache(CacheDirError),
}

impl fmt::Display for VendorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VendorError::WriteCrates { path, error } => write!(
                f,
                "writing the genl crates to {}: {error} (set GENL_CACHE_DIR to a writable \
                 directory, then run `{SYNC_COMMAND}`)",
                path.display()
            ),
            VendorError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            VendorError::NotOurLink { path } => write!(
                f,
                "{} is not the link genl writes there; remove it and run `{SYNC_COMMAND}`",
                path.display()
            ),
            VendorError::Cache(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for VendorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VendorError::WriteCrates { error, .. } | VendorError::Io { error, .. } => Some(error),
            VendorError::Cache(e) => Some(e),
            VendorError::NotOurLink { .. } => None,
        }
    }
}

crate::error::wrap_errors!(VendorError { Cache(CacheDirError) });

crate::error::io_at!(VendorError);

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

/// `project/.genl/crates`: the link a project's cargo configuration
/// patches the crates to.
pub fn link(project: &Path) -> PathBuf {
    project.join(LOCAL_DIR).join(LINK_NAME)
}

/// Writes the crates under `cache` unless a complete copy is there;
/// returns the directory holding `genl-core/`, `genl-derive/`, … and
/// whether it wrote them.
pub fn ensure(cache: &Path) -> Result<(PathBuf, bool), VendorError> {
    let dest = dir(cache);
    let stamp = dest.join(".complete");
    if stamp.is_file() {
        return Ok((dest, false));
    }
    let fail = |p: &Path, error: io::Error| VendorError::WriteCrates {
        path: p.to_owned(),
        error,
    };
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dest.with_file_name(format!("{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, data) in FILES {
        let p = tmp.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
        }
        std::fs::write(&p, data).map_err(|e| fail(&p, e))?;
    }
    std::fs::write(tmp.join(".complete"), VERSION).map_err(|e| fail(&tmp, e))?;
    if !stamp.is_file() {
        // An incomplete copy (a run that was interrupted) goes.
        let _ = std::fs::remove_dir_all(&dest);
    }
    match std::fs::rename(&tmp, &dest) {
        Ok(()) => Ok((dest, true)),
        // Another run wrote the same sources meanwhile.
        Err(_) if stamp.is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok((dest, false))
        }
        Err(e) => Err(fail(&dest, e)),
    }
}

/// The `.cargo/config.toml` block patching the genl crates to
/// `.genl/crates/<crate>` (relative to the project: cargo takes a path in
/// a configuration file against the directory holding `.cargo/`).
pub fn config_block() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{CONFIG_BEGIN}");
    let _ = writeln!(
        s,
        "# genl {VERSION} is not on crates.io: this patches its crates to {LOCAL_DIR}/{LINK_NAME},\n\
         # a link (never committed) to the copy the `genl` tool keeps in its per-user\n\
         # cache. After a clone, a tool upgrade or a wiped cache, run `{SYNC_COMMAND}`\n\
         # (any genl command in the project does it too). Written by `genl`; delete\n\
         # the block once genl is published."
    );
    let _ = writeln!(s, "[patch.crates-io]");
    for c in PATCHED {
        let _ = writeln!(s, "{c} = {{ path = \"{LOCAL_DIR}/{LINK_NAME}/{c}\" }}");
    }
    let _ = writeln!(s, "{CONFIG_END}");
    s
}

/// `project/.cargo/config.toml`.
fn config_path(project: &Path) -> PathBuf {
    project.join(".cargo").join("config.toml")
}

/// Whether `project`'s cargo configuration has the tool's block: the
/// project builds against the tool's crates (a project `genl new` made).
pub fn is_configured(project: &Path) -> bool {
    std::fs::read_to_string(config_path(project)).is_ok_and(|t| t.contains(CONFIG_BEGIN))
}

/// What [`configure`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Configured {
    /// The crates it links to (under the cache).
    pub crates: PathBuf,
    /// It wrote them to the cache (they were missing).
    pub wrote_crates: bool,
    /// It (re)made the `.genl/crates` link.
    pub linked: bool,
    /// It added or rewrote the block of `.cargo/config.toml`.
    pub wrote_config: bool,
}

impl Configured {
    /// One line per change, for the user (none when nothing changed).
    pub fn report(&self, project: &Path) -> Vec<String> {
        let mut out = Vec::new();
        if self.wrote_crates {
            out.push(format!(
                "wrote genl {VERSION}'s crates to {}",
                self.crates.display()
            ));
        }
        if self.linked {
            out.push(format!(
                "linked {} to {}",
                link(project).display(),
                self.crates.display()
            ));
        }
        if self.wrote_config {
            out.push(format!(
                "{} patches the genl crates to {LOCAL_DIR}/{LINK_NAME}",
                config_path(project).display()
            ));
        }
        out
    }
}

/// Makes `project` build against this tool's copy of the genl crates:
/// writes them under `cache` if missing, points `project/.genl/crates` at
/// them (with a `.genl/.gitignore` keeping the directory out of git), and
/// adds the block of `.cargo/config.toml`, or rewrites it when its text
/// differs (an older tool's). Other settings of the file are kept.
pub fn configure(project: &Path, cache: &Path) -> Result<Configured, VendorError> {
    let (crates, wrote_crates) = ensure(cache)?;
    let linked = point_link(project, &crates)?;
    let block = config_block();
    let path = config_path(project);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(&path)(e)),
    };
    let new = match (old.find(CONFIG_BEGIN), old.find(CONFIG_END)) {
        (Some(a), Some(b)) if b > a => {
            let end = b + CONFIG_END.len();
            let end = end + usize::from(old[end..].starts_with('\n'));
            format!("{}{block}{}", &old[..a], &old[end..])
        }
        _ if old.is_empty() => block,
        _ => format!("{}\n{block}", old.trim_end()),
    };
    let wrote_config = new != old;
    if wrote_config {
        let dir = project.join(".cargo");
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        std::fs::write(&path, new).map_err(io(&path))?;
    }
    Ok(Configured {
        crates,
        wrote_crates,
        linked,
        wrote_config,
    })
}

/// Points `project/.genl/crates` at `crates` (replacing a link that points
/// elsewhere, atomically); returns whether it changed anything.
fn point_link(project: &Path, crates: &Path) -> Result<bool, VendorError> {
    let local = project.join(LOCAL_DIR);
    std::fs::create_dir_all(&local).map_err(io(&local))?;
    let ignore = local.join(".gitignore");
    let ignore_text =
        "# Written by `genl`: this directory is the tool's, per machine; never committed.\n*\n";
    if std::fs::read_to_string(&ignore).ok().as_deref() != Some(ignore_text) {
        std::fs::write(&ignore, ignore_text).map_err(io(&ignore))?;
    }
    let link = link(project);
    match std::fs::symlink_metadata(&link) {
        Ok(m) if m.file_type().is_symlink() => {
            if std::fs::read_link(&link).ok().as_deref() == Some(crates) {
                return Ok(false);
            }
        }
        Ok(_) => return Err(VendorError::NotOurLink { path: link }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&link)(e)),
    }
    let tmp = local.join(format!(".{LINK_NAME}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(crates, &tmp).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &link).map_err(io(&link))?;
    Ok(true)
}

/// What every genl command run in a project does first: when the project
/// builds against the tool's crates ([`is_configured`]), [`configure`] it
/// with the per-user cache, so a fresh clone, a wiped cache or a new tool
/// version needs nothing else. `None` for other projects (a genl
/// checkout).
pub fn restore(project: &Path) -> Result<Option<Configured>, VendorError> {
    if !is_configured(project) {
        return Ok(None);
    }
    let cache = crate::cache::cache_dir()?;
    configure(project, &cache).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_says_how_to_pick_another_cache() {
        let e = VendorError::WriteCrates {
            path: PathBuf::from("/c/crates"),
            error: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            e.to_string(),
            "writing the genl crates to /c/crates: permission denied (set GENL_CACHE_DIR to a \
             writable directory, then run `genl sync`)"
        );
        let e = VendorError::NotOurLink {
            path: PathBuf::from("/p/.genl/crates"),
        };
        assert_eq!(
            e.to_string(),
            "/p/.genl/crates is not the link genl writes there; remove it and run `genl sync`"
        );
    }

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

    /// The genl crates `krate`'s carried manifest depends on (normal and
    /// build dependencies), with the path each names, if any.
    fn genl_deps(krate: &str) -> Vec<(String, Option<String>)> {
        let manifest = format!("{krate}/Cargo.toml");
        let (_, data) = FILES
            .iter()
            .find(|(p, _)| *p == manifest)
            .unwrap_or_else(|| panic!("{manifest} is carried"));
        let text = std::str::from_utf8(data).expect("a UTF-8 manifest");
        let mut section = "";
        let mut out = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line;
                continue;
            }
            if !matches!(section, "[dependencies]" | "[build-dependencies]") {
                continue;
            }
            let Some(name) = line.split('=').next().map(str::trim) else {
                continue;
            };
            if !name.starts_with("genl-") {
                continue;
            }
            let path = line
                .split("path = \"")
                .nth(1)
                .and_then(|r| r.split('"').next());
            out.push((name.to_owned(), path.map(str::to_owned)));
        }
        out
    }

    #[test]
    fn every_genl_dependency_of_a_carried_crate_is_carried_and_resolves() {
        assert!(genl_deps("genl-derive")
            .iter()
            .any(|(d, _)| d == "genl-rules"));
        for (i, c) in CRATES.iter().enumerate() {
            for (dep, path) in genl_deps(c) {
                // Carried, and earlier: CRATES is in dependency order.
                let at = CRATES.iter().position(|k| *k == dep);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{c} depends on {dep}, which is not carried before it"
                );
                // A path (the workspace's manifests) points at the copy
                // beside it under the crates directory.
                if let Some(path) = path {
                    assert_eq!(path, format!("../{dep}"), "{c}'s path to {dep}");
                }
                // A version only (a tool built from its package) resolves
                // through the project's patch, as must the crates the
                // patched ones depend on.
                if PATCHED.contains(c) {
                    assert!(PATCHED.contains(&dep.as_str()), "{c} needs {dep} patched");
                }
            }
        }
        let block = config_block();
        assert!(
            block.contains("genl-rules = { path = \".genl/crates/genl-rules\" }"),
            "{block}"
        );
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("genl-vendor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_copy_is_written_once_and_linked_and_the_config_block_is_replaced() {
        let tmp = tmp("configure");
        let cache = tmp.join("cache");
        let project = tmp.join("p");
        std::fs::create_dir_all(project.join(".cargo")).unwrap();
        std::fs::write(project.join(".cargo/config.toml"), "[build]\njobs = 2\n").unwrap();
        assert!(!is_configured(&project));
        let first = configure(&project, &cache).unwrap();
        let crates = dir(&cache);
        assert_eq!(
            first,
            Configured {
                crates: crates.clone(),
                wrote_crates: true,
                linked: true,
                wrote_config: true
            }
        );
        assert_eq!(first.report(&project).len(), 3);
        assert!(is_configured(&project));
        let again = configure(&project, &cache).unwrap();
        assert!(
            !again.wrote_crates && !again.linked && !again.wrote_config,
            "idempotent: {again:?}"
        );
        assert!(again.report(&project).is_empty());
        let text = std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap();
        assert!(text.starts_with("[build]\njobs = 2\n"), "{text}");
        assert_eq!(text.matches(CONFIG_BEGIN).count(), 1);
        // The committed file names no path of this machine; the link does.
        assert!(
            text.contains("genl-core = { path = \".genl/crates/genl-core\" }"),
            "{text}"
        );
        assert!(!text.contains(&*tmp.to_string_lossy()), "{text}");
        assert_eq!(
            std::fs::read_link(project.join(".genl/crates")).unwrap(),
            crates
        );
        assert!(project.join(".genl/crates/genl-core/src/lib.rs").is_file());
        let ignore = std::fs::read_to_string(project.join(".genl/.gitignore")).unwrap();
        assert_eq!(ignore.lines().last(), Some("*"));
        // A block of an older tool (an absolute path) is rewritten in place.
        let old = text.replace(
            ".genl/crates",
            "/home/someone/.cache/genl/crates/genl-0.0.1-x",
        );
        assert_ne!(old, text);
        std::fs::write(project.join(".cargo/config.toml"), &old).unwrap();
        assert!(configure(&project, &cache).unwrap().wrote_config);
        assert_eq!(
            std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap(),
            text
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_clone_gets_its_crates_and_link_back() {
        let tmp = tmp("clone");
        let (made, cloned) = (tmp.join("made"), tmp.join("cloned"));
        std::fs::create_dir_all(&made).unwrap();
        configure(&made, &tmp.join("cache-a")).unwrap();
        // What git carries: the configuration, not .genl/.
        std::fs::create_dir_all(cloned.join(".cargo")).unwrap();
        std::fs::copy(
            made.join(".cargo/config.toml"),
            cloned.join(".cargo/config.toml"),
        )
        .unwrap();
        assert!(is_configured(&cloned));
        let cache_b = tmp.join("cache-b");
        let c = configure(&cloned, &cache_b).unwrap();
        assert!(c.wrote_crates && c.linked && !c.wrote_config, "{c:?}");
        assert_eq!(std::fs::read_link(link(&cloned)).unwrap(), dir(&cache_b));
        assert!(cloned.join(".genl/crates/genl-derive/Cargo.toml").is_file());
        // A wiped cache: written again, the link already right.
        std::fs::remove_dir_all(&cache_b).unwrap();
        let c = configure(&cloned, &cache_b).unwrap();
        assert!(c.wrote_crates && !c.linked && !c.wrote_config, "{c:?}");
        // Another cache (another tool, another user): the link follows.
        let c = configure(&cloned, &tmp.join("cache-a")).unwrap();
        assert!(!c.wrote_crates && c.linked, "{c:?}");
        assert_eq!(
            std::fs::read_link(link(&cloned)).unwrap(),
            dir(&tmp.join("cache-a"))
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn something_else_in_place_of_the_link_is_an_error_saying_what_to_do() {
        let tmp = tmp("occupied");
        std::fs::create_dir_all(tmp.join("p/.genl/crates")).unwrap();
        let e = configure(&tmp.join("p"), &tmp.join("cache")).unwrap_err();
        assert!(
            matches!(&e, VendorError::NotOurLink { path } if path.ends_with(".genl/crates")),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.contains("not the link genl writes") && e.contains("`genl sync`"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
