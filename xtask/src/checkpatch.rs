//! `cargo xtask checkpatch`: `checkpatch.pl --strict` over `kmod-c/`
//! through `genl_cli::check::checkpatch` (no finding is allowed).

use crate::util;

/// Entry point of `cargo xtask checkpatch`.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!(
            "unknown argument {a:?}\nusage: cargo xtask checkpatch"
        ));
    }
    Ok(genl_cli::check::checkpatch(
        &util::workspace_root().join("kmod-c"),
        &mut |l| println!("{l}"),
    )?)
}
