//! `cargo xtask new-user`: the path of someone who writes their own family,
//! taken as they would take it, outside this repository.
//!
//! 1. `cargo install --path genl-cli` into a temporary prefix (the tool is
//!    all they get from genl);
//! 2. in a temporary directory outside the checkout, `genl new counter` —
//!    a name the kernel's own uapi headers use (`linux/counter.h`), so the
//!    project gets another uapi header;
//! 3. in the project: `genl generate --check`, `genl check`, `genl vm test`
//!    (PASS on 6.1 and 6.12 with the scaffold's selftest);
//! 4. `genl new` and `genl check` for two names the template was not
//!    written for (15 bytes, the longest a family name can be, and 1).
//!
//! It prints the wall time from `genl new` to the last PASS and the lines
//! written by hand (none: every file is the scaffold's or generated). The
//! environment of the steps is cleaned of this checkout's cargo and genl
//! variables, and the temporary directory is removed on success (kept, and
//! named, on failure).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::util;

/// The family `genl new` creates.
const NAME: &str = "counter";

/// A command with a clean environment: nothing of this checkout's cargo
/// run or of its `genl.toml` overrides leaks into the user's steps.
fn clean(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars() {
        let keep = k == "CARGO_HOME" || k == "CARGO_TERM_COLOR";
        if (k.starts_with("CARGO_") && !keep)
            || k.starts_with("GENL_VM_")
            || k == "CARGO"
            || k == "RUSTC_WRAPPER"
        {
            cmd.env_remove(&k);
        }
    }
    cmd
}

/// Runs `cmd` (printing it), timing it.
fn step(what: &str, cmd: &mut Command) -> Result<f64, String> {
    println!("\nnew-user: $ {what}");
    let t = Instant::now();
    let st = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    if !st.success() {
        return Err(format!("`{what}` failed ({st}) after {secs:.1}s"));
    }
    println!("new-user: `{what}` passed in {secs:.1}s");
    Ok(secs)
}

/// Files of the project as `genl new` and `genl generate` left them:
/// their paths and contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "target" || name == "Cargo.lock" {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(data) = std::fs::read(&p) {
                out.push((p.strip_prefix(root).unwrap_or(&p).to_owned(), data));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs the suite.
pub fn run(_args: &[String]) -> Result<(), String> {
    let root = util::workspace_root();
    let tmp = std::env::temp_dir().join(format!("genl-new-user-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let prefix = tmp.join("prefix");
    let work = tmp.join("work");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let result = (|| -> Result<(), String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let install = step(
            "cargo install --path genl-cli --root <tmp>/prefix --locked",
            clean(Path::new(&cargo))
                .args(["install", "--quiet", "--locked", "--path"])
                .arg(root.join("genl-cli"))
                .arg("--root")
                .arg(&prefix)
                .current_dir(&root),
        )?;
        let genl = prefix.join("bin").join("genl");
        let path = format!(
            "{}:{}",
            prefix.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let project = work.join(NAME);
        let t = Instant::now();
        step(
            &format!("genl new {NAME}"),
            clean(&genl)
                .args(["new", NAME])
                .current_dir(&work)
                .env("PATH", &path),
        )?;
        let created = snapshot(&project);
        let uapi = project.join("kmod/include/uapi/linux/counter_genl.h");
        if !uapi.is_file() {
            return Err(format!(
                "{} is missing: the kernel has linux/counter.h, so the scaffold must use another uapi header",
                uapi.display()
            ));
        }
        for (what, args) in [
            ("genl generate --check", &["generate", "--check"][..]),
            ("genl check", &["check"][..]),
            ("genl vm test", &["vm", "test"][..]),
        ] {
            step(
                what,
                clean(&genl)
                    .args(args)
                    .current_dir(&project)
                    .env("PATH", &path),
            )?;
        }
        let total = t.elapsed().as_secs_f64();
        // What the user wrote: every file differing from what `genl new`
        // (and its `genl generate`) created.
        let now = snapshot(&project);
        let changed: Vec<String> = now
            .iter()
            .filter(|f| !created.contains(f))
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !changed.is_empty() {
            return Err(format!(
                "the steps after `genl new` changed files a user would have to commit: {}",
                changed.join(", ")
            ));
        }
        // Names the template was not written for: the longest a family can
        // have, and the shortest. Generated and hand-written C must stay
        // checkpatch-clean (line lengths, alignment) for both.
        for other in ["a_fifteen_chars", "x"] {
            step(
                &format!("genl new {other}"),
                clean(&genl)
                    .args(["new", other])
                    .current_dir(&work)
                    .env("PATH", &path),
            )?;
            step(
                &format!("genl check ({other})"),
                clean(&genl)
                    .arg("check")
                    .current_dir(work.join(other))
                    .env("PATH", &path),
            )?;
        }
        println!(
            "\nNEW-USER install {install:.1}s; `genl new {NAME}` to PASS on every kernel: {total:.1}s; \
             lines written by hand: 0 ({} files from the scaffold and `genl generate`)",
            created.len()
        );
        Ok(())
    })();
    match &result {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(_) => eprintln!("new-user: kept {} for a look", tmp.display()),
    }
    result
}
