//! `--module-rev REF`: the module dir as it was at a git revision, built
//! beside the working tree's, for mixed-version tests (an old module with a
//! new client, a new module with an old client).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::kernel::Kernel;
use super::kmod;
use crate::host;

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
pub fn checkout(work: &Path, module_dir: &Path, reference: &str) -> Result<Rev, String> {
    let top = git(module_dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "--module-rev needs the module dir {} in a git repository: {e}",
            module_dir.display()
        )
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
    .map_err(|_| {
        format!(
            "--module-rev {reference}: no such commit in {}",
            top.display()
        )
    })?;
    let canon = |p: &Path| {
        p.canonicalize()
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let rel = canon(module_dir)?
        .strip_prefix(canon(&top)?)
        .map(Path::to_path_buf)
        .map_err(|_| format!("{} is outside {}", module_dir.display(), top.display()))?;
    let dest = work.join("rev").join(&commit);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut archive = Command::new("git");
    archive
        .arg("-C")
        .arg(&top)
        .args(["archive", "--format=tar", &commit]);
    if !rel.as_os_str().is_empty() {
        archive.arg("--").arg(&rel);
    }
    let mut child = archive
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git archive: {e}"))?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&dest)
        .stdin(child.stdout.take().ok_or("git archive: no stdout")?)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    let git_ok = child.wait().map_err(|e| format!("git archive: {e}"))?;
    let src = dest.join(&rel);
    if !git_ok.success() || !tar.success() || !src.is_dir() {
        return Err(format!(
            "--module-rev {reference} ({commit}): cannot unpack {} at that commit \
             (does it exist there?)",
            rel.display()
        ));
    }
    println!(
        "vm: module dir {} at {reference} ({}) unpacked",
        rel.display(),
        &commit[..commit.len().min(12)]
    );
    Ok(Rev {
        commit,
        src,
        work: dest,
    })
}

impl Rev {
    /// Builds this revision's modules against `k` (as the working tree's
    /// are: W=1 clean, vermagic checked).
    pub fn build(&self, k: &Kernel) -> Result<Vec<PathBuf>, String> {
        kmod::build(&self.work, &self.src, k)
    }
}
