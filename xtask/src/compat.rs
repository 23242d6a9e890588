//! `genl check --compat HEAD~1` for the workspace's two genl projects
//! (genl_demo at the root, `examples/portwatch`): each family as committed
//! in the previous commit against the working tree, by the rules of
//! `genl_ynl::compat`. A breaking change fails unless the project's
//! genl.toml allows it (`[[check.compat-allow]]`, with a reason).
//!
//! It needs the previous commit: in a shallow clone `git show` fails and
//! says so (fetch more history); it never passes without comparing.

use crate::util;

/// Runs the comparison for both projects.
pub fn run() -> Result<(), String> {
    let root = util::workspace_root();
    for dir in [root.clone(), root.join("examples/portwatch")] {
        let project = genl_cli::project::Project::load(&dir)?;
        genl_cli::check::compat::run(
            &project,
            "HEAD~1",
            false,
            &mut |l| println!("{l}"),
            &mut |l| println!("{l}"),
        )
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(())
}
