//! `--module-rev REF`: the module dir as it was at a git revision, built
//! beside the working tree's, for mixed-version tests (an old module with a
//! new client, a new module with an old client).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::kernel::Kernel;
use super::kmod::{self, KmodError};
use super::progress;
use crate::host;

crate::error::io_at!(RevError);

/// Why the module dir could not be had at a revision (`--module-rev`).
/// `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum RevError {
    /// The module dir is not in a git repository.
    NotInGit {
        /// The module dir.
        module_dir: PathBuf,
        /// How `git rev-parse --show-toplevel` failed.
        error: host::HostError,
    },
    /// The reference names no commit.
    NoCommit {
        /// The reference (`--module-rev REF`).
        reference: String,
        /// The repository.
        top: PathBuf,
    },
    /// The module dir is not inside the repository git named.
    Outside {
        /// The module dir.
        module_dir: PathBuf,
        /// The repository.
        top: PathBuf,
    },
    /// `git archive` or `tar` could not be started or waited for.
    Spawn {
        /// The program.
        program: &'static str,
        /// What the system said.
        error: io::Error,
    },
    /// `git archive` or `tar` failed, or the module dir is not in the
    /// commit.
    Unpack {
        /// The reference.
        reference: String,
        /// The commit it names.
        commit: String,
        /// The module dir, relative to the repository.
        rel: PathBuf,
    },
    /// A directory could not be made or resolved.
    Io {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for RevError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevError::NotInGit { module_dir, error } => write!(
                f,
                "--module-rev needs the module dir {} in a git repository: {error}",
                module_dir.display()
            ),
            RevError::NoCommit { reference, top } => write!(
                f,
                "--module-rev {reference}: no such commit in {}",
                top.display()
            ),
            RevError::Outside { module_dir, top } => {
                write!(f, "{} is outside {}", module_dir.display(), top.display())
            }
            RevError::Spawn { program, error } => write!(f, "{program}: {error}"),
            RevError::Unpack {
                reference,
                commit,
                rel,
            } => write!(
                f,
                "--module-rev {reference} ({commit}): cannot unpack {} at that commit \
                 (does it exist there?)",
                rel.display()
            ),
            RevError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for RevError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RevError::NotInGit { error, .. } => Some(error),
            RevError::Spawn { error, .. } | RevError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The module dir at one commit, unpacked under the project's work dir.
#[derive(Debug)]
pub struct Rev {
    /// The commit (full hash) `REF` names.
    pub commit: String,
    /// The module dir's copy at that commit.
    pub src: PathBuf,
    /// Where its builds go: `<work>/rev/<commit>`.
    work: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, host::HostError> {
    host::output(
        Command::new("git").arg("-C").arg(dir).args(args),
        &format!("git {} (in {})", args.join(" "), dir.display()),
    )
    .map(|s| s.trim().to_owned())
}

/// Unpacks `module_dir` as it was at `reference` (a commit, tag or branch
/// of the git repository holding it) into `<work>/rev/<commit>/` with `git
/// archive`: what is committed at that revision, generated files included.
pub fn checkout(work: &Path, module_dir: &Path, reference: &str) -> Result<Rev, RevError> {
    let top =
        git(module_dir, &["rev-parse", "--show-toplevel"]).map_err(|error| RevError::NotInGit {
            module_dir: module_dir.to_owned(),
            error,
        })?;
    let top = PathBuf::from(top);
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| RevError::NoCommit {
        reference: reference.to_owned(),
        top: top.clone(),
    })?;
    let canon = |p: &Path| p.canonicalize().map_err(io(p));
    let rel = canon(module_dir)?
        .strip_prefix(canon(&top)?)
        .map(Path::to_path_buf)
        .map_err(|_| RevError::Outside {
            module_dir: module_dir.to_owned(),
            top: top.clone(),
        })?;
    let dest = work.join("rev").join(&commit);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(&dest).map_err(io(&dest))?;
    let mut archive = Command::new("git");
    archive
        .arg("-C")
        .arg(&top)
        .args(["archive", "--format=tar", &commit]);
    if !rel.as_os_str().is_empty() {
        archive.arg("--").arg(&rel);
    }
    let spawn = |program| move |error| RevError::Spawn { program, error };
    let mut child = archive
        .stdout(Stdio::piped())
        .spawn()
        .map_err(spawn("git archive"))?;
    let stdout = child.stdout.take().ok_or_else(|| RevError::Spawn {
        program: "git archive",
        error: io::Error::other("no stdout"),
    })?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&dest)
        .stdin(stdout)
        .status()
        .map_err(spawn("tar"))?;
    let git_ok = child.wait().map_err(spawn("git archive"))?;
    let src = dest.join(&rel);
    if !git_ok.success() || !tar.success() || !src.is_dir() {
        return Err(RevError::Unpack {
            reference: reference.to_owned(),
            commit,
            rel,
        });
    }
    progress::say(format_args!(
        "module dir {} at {reference} ({}) unpacked",
        rel.display(),
        &commit[..commit.len().min(12)]
    ));
    Ok(Rev {
        commit,
        src,
        work: dest,
    })
}

impl Rev {
    /// Builds this revision's modules against `k` (as the working tree's
    /// are: W=1 clean, vermagic checked).
    pub fn build(&self, k: &Kernel) -> Result<Vec<PathBuf>, KmodError> {
        kmod::build(&self.work, &self.src, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_dir_missing_at_the_commit_names_the_reference_and_the_commit() {
        let e = RevError::Unpack {
            reference: "v0.1".into(),
            commit: "0123abcd".into(),
            rel: PathBuf::from("kernel/genl_demo"),
        };
        assert_eq!(
            e.to_string(),
            "--module-rev v0.1 (0123abcd): cannot unpack kernel/genl_demo at that commit \
             (does it exist there?)"
        );
    }
}
