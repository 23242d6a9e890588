//! The kernel's `scripts/checkpatch.pl --strict` (from Linux 6.12's source,
//! see [`kernel_source::tree`]) over every C file of a module directory,
//! generated ones included.
//!
//! One finding is expected and allowed: generated `<family>-nl.c` files
//! choose between split ops (6.2+) and classic ops with
//! `#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)`, which checkpatch
//! reports (`LINUX_VERSION_CODE`, `CONSTANT_COMPARISON`) because in-tree
//! code has no compat shims. Findings on exactly such a line
//! ([`ALLOWED_LINES`]) pass; any other finding, on any file, fails.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::kernel_source;

/// The lines checkpatch may report (the generated compat line), and only
/// they.
pub const ALLOWED_LINES: &[&str] = &["#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)"];

/// Runs `checkpatch.pl --strict --no-tree` on every `*.c` and `*.h` under
/// `dir` (not `*.mod.c`), printing each file's verdict and findings. An
/// error names the files with findings outside [`ALLOWED_LINES`].
pub fn checkpatch(dir: &Path) -> Result<(), String> {
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
        let source = std::fs::read_to_string(file).map_err(|e| format!("{rel}: {e}"))?;
        let lines: Vec<&str> = source.lines().collect();
        let (mut allowed, mut bad) = (0, Vec::new());
        for finding in text.lines().filter(|l| !l.trim().is_empty()) {
            match finding_line(finding).and_then(|n| lines.get(n.wrapping_sub(1))) {
                Some(l) if ALLOWED_LINES.contains(&l.trim_end()) => allowed += 1,
                _ => bad.push(finding.to_owned()),
            }
        }
        // checkpatch exits non-zero on findings; a failure without any
        // (perl missing a module, say) must not pass.
        if !out.status.success() && bad.is_empty() && allowed == 0 {
            bad.push(format!(
                "checkpatch failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if bad.is_empty() {
            let note = if allowed > 0 {
                format!(" ({allowed} allowed on the compat line)")
            } else {
                String::new()
            };
            println!("checkpatch: {rel}: clean{note}");
        } else {
            println!("checkpatch: {rel}: {} finding(s)", bad.len());
            for b in &bad {
                println!("  {b}");
            }
            failures.push(rel);
        }
    }
    if failures.is_empty() {
        println!(
            "checkpatch --strict: {} files of {} clean ({})",
            files.len(),
            kmod.display(),
            script.display()
        );
        Ok(())
    } else {
        Err(format!(
            "checkpatch --strict: findings in {} (under {})",
            failures.join(", "),
            kmod.display()
        ))
    }
}

/// The line number of a `--terse` finding (`FILE:LINE: TYPE:...`).
fn finding_line(finding: &str) -> Option<usize> {
    let mut parts = finding.splitn(3, ':');
    parts.next()?;
    parts.next()?.trim().parse().ok()
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

#[cfg(test)]
mod tests {
    use super::finding_line;

    #[test]
    fn terse_findings_give_their_line() {
        // Format of `checkpatch.pl --terse --show-types` (6.12).
        let f = "kmod-c/genl_demo-nl.c:74: WARNING:LINUX_VERSION_CODE: \
                 LINUX_VERSION_CODE should be avoided";
        assert_eq!(finding_line(f), Some(74));
        assert_eq!(finding_line("total: 0 errors"), None);
    }
}
