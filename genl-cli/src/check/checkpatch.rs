//! The kernel's `scripts/checkpatch.pl --strict` (from Linux 6.12's source,
//! see [`kernel_source::tree`]) over every C file of a module directory,
//! generated ones included.
//!
//! No finding is allowed, on any file: the generated files choose kernel
//! API by feature (`#ifdef GENL_HAVE_<X>`, probed at build time; see
//! [`genl_codegen::compat`]), never with `LINUX_VERSION_CODE`, which
//! checkpatch reports.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::kernel_source::{self, SourceError};

/// Runs `checkpatch.pl --strict --no-tree` on every `*.c` and `*.h` under
/// `dir` (not `*.mod.c`), saying each file's verdict and findings to
/// `say`, a line at a time. An error names the files with findings.
pub fn checkpatch(dir: &Path, say: &mut dyn FnMut(&str)) -> Result<(), CheckpatchError> {
    let tree = kernel_source::tree()?;
    let script = tree.join("scripts/checkpatch.pl");
    let kmod = dir;
    let mut files = Vec::new();
    collect(kmod, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(CheckpatchError::NoFiles {
            dir: kmod.to_owned(),
        });
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
            .map_err(|error| CheckpatchError::Perl {
                script: script.clone(),
                error,
            })?;
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
        Err(CheckpatchError::Findings {
            files: failures,
            dir: kmod.to_owned(),
        })
    }
}

crate::error::io_at!(CheckpatchError);

/// Every `*.c` and `*.h` under `dir`.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CheckpatchError> {
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = e.map_err(io(dir))?.path();
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

/// Why [`checkpatch`] failed: what it found, or why it could not run.
/// `Display` is the message `genl check` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum CheckpatchError {
    /// The kernel's tree (with `checkpatch.pl`) could not be had.
    Source(SourceError),
    /// A directory could not be listed.
    Io {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The directory has no C file to check.
    NoFiles {
        /// The directory.
        dir: PathBuf,
    },
    /// `perl` could not run `checkpatch.pl`.
    Perl {
        /// The script.
        script: PathBuf,
        /// Why it could not start.
        error: io::Error,
    },
    /// checkpatch found something in these files (said above, file by
    /// file).
    Findings {
        /// The files, relative to `dir`.
        files: Vec<String>,
        /// The directory checked.
        dir: PathBuf,
    },
}

impl fmt::Display for CheckpatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpatchError::Source(e) => e.fmt(f),
            CheckpatchError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            CheckpatchError::NoFiles { dir } => write!(f, "no C files under {}", dir.display()),
            CheckpatchError::Perl { script, error } => {
                write!(f, "perl {}: {error}", script.display())
            }
            CheckpatchError::Findings { files, dir } => write!(
                f,
                "checkpatch --strict: findings in {} (under {})",
                files.join(", "),
                dir.display()
            ),
        }
    }
}

impl std::error::Error for CheckpatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckpatchError::Source(e) => Some(e),
            CheckpatchError::Io { error, .. } | CheckpatchError::Perl { error, .. } => Some(error),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(CheckpatchError { Source(SourceError) });
crate::error::into_text!(CheckpatchError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_name_the_files_and_the_directory() {
        let e = CheckpatchError::Findings {
            files: vec!["a.c".into(), "b.h".into()],
            dir: "/m".into(),
        };
        assert_eq!(
            e.to_string(),
            "checkpatch --strict: findings in a.c, b.h (under /m)"
        );
    }

    #[test]
    fn a_directory_that_cannot_be_listed_is_named() {
        let dir = Path::new("/nonexistent/genl-checkpatch");
        let e = collect(dir, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(&e, CheckpatchError::Io { path, .. } if path == dir),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with("/nonexistent/genl-checkpatch: "),
            "{e}"
        );
    }
}
