//! The kernel's `scripts/checkpatch.pl --strict` (from Linux 6.12's source,
//! see [`kernel_source::tree`]) over every C file of a module directory,
//! generated ones included.
//!
//! No finding is allowed, on any file: the generated files choose kernel
//! API by feature (`#ifdef GENL_HAVE_<X>`, probed at build time; see
//! [`genl_codegen::compat`]), never with `LINUX_VERSION_CODE`, which
//! checkpatch reports.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::kernel_source;

/// Runs `checkpatch.pl --strict --no-tree` on every `*.c` and `*.h` under
/// `dir` (not `*.mod.c`), saying each file's verdict and findings to
/// `say`, a line at a time. An error names the files with findings.
pub fn checkpatch(dir: &Path, say: &mut dyn FnMut(&str)) -> Result<(), String> {
    let tree = kernel_source::tree()?;
    let script = tree.join("scripts/checkpatch.pl");
    let kmod = dir;
    let mut files = Vec::new();
    collect(kmod, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(format!("no C files under {}", kmod.display()));
    }
    let mut failures = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(kmod)
            .unwrap_or(file)
            .display()
            .to_string();
        let out = Command::new("perl")
            .arg(&script)
            .args([
                "--strict",
                "--no-tree",
                "--terse",
                "--show-types",
                "--no-summary",
            ])
            .arg("-f")
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("perl {}: {e}", script.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut bad: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        // checkpatch exits non-zero on findings; a failure without any
        // (perl missing a module, say) must not pass.
        if !out.status.success() && bad.is_empty() {
            bad.push(format!(
                "checkpatch failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if bad.is_empty() {
            say(&format!("checkpatch: {rel}: clean"));
        } else {
            say(&format!("checkpatch: {rel}: {} finding(s)", bad.len()));
            for b in &bad {
                say(&format!("  {b}"));
            }
            failures.push(rel);
        }
    }
    if failures.is_empty() {
        say(&format!(
            "checkpatch --strict: {} files of {} clean ({})",
            files.len(),
            kmod.display(),
            script.display()
        ));
        Ok(())
    } else {
        Err(format!(
            "checkpatch --strict: findings in {} (under {})",
            failures.join(", "),
            kmod.display()
        ))
    }
}

/// Every `*.c` and `*.h` under `dir`.
fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let path = e.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "c" || x == "h")
            && !path.to_string_lossy().ends_with(".mod.c")
        {
            out.push(path);
        }
    }
    Ok(())
}
