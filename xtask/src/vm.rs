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

#[cfg(test)]
mod tests {
    use genl_cli::project::TargetKind;
    use genl_cli::Project;

    use crate::util;

    /// The repository's genl.toml: what `cargo xtask vm test` runs.
    #[test]
    fn the_repo_genl_toml_describes_the_demo() {
        let root = util::workspace_root();
        let p = Project::load(&root).unwrap();
        let family = p.config.family.as_ref().unwrap();
        assert_eq!(
            (family.package.as_str(), family.type_path.as_str()),
            ("genl", "genl::demo::DemoCmd")
        );
        let vm = p.config.vm.as_ref().unwrap();
        let targets: Vec<_> = vm.guest.iter().map(|g| g.target()).collect();
        for t in ["vm_e2e", "vm_fuzz", "vm_classic", "vm_ynl", "vm_bench"] {
            assert!(targets.contains(&(TargetKind::Test, t)), "{t}");
        }
        assert!(vm.guest.iter().all(|g| g.ynl == (g.target().1 == "vm_ynl")));
        // Built --release: the benchmark, and the genl tool as a user
        // installs it (vm_ynl times it against cli.py).
        assert!(vm
            .guest
            .iter()
            .all(|g| g.release == matches!(g.target().1, "vm_bench" | "genl")));
        assert_eq!(
            vm.helper[0].source,
            root.join("genl-bench/c/genl_demo_raw.c")
        );
        assert_eq!(p.module_dir().unwrap(), root.join("kmod-c"));
        assert_eq!(p.family_name().unwrap(), "genl_demo");
        assert_eq!(
            p.uapi_header().unwrap(),
            root.join("kmod-c/include/uapi/linux/genl_demo.h")
        );
    }
}
