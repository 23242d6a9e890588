//! `cargo xtask vm <fetch|build|test|shell> [options]`: the repository's
//! genl.toml through `genl_cli` (the same as `genl vm ...` run in the
//! repository; see `genl vm --help`).

use crate::util;

/// Entry point of `cargo xtask vm ...`: `genl --project <repo> vm ...`.
pub fn run(args: &[String]) -> Result<(), String> {
    let root = util::workspace_root().display().to_string();
    genl_cli::cli::run_args(
        "cargo xtask",
        ["--project".to_owned(), root, "vm".to_owned()]
            .into_iter()
            .chain(args.iter().cloned()),
    )
}
