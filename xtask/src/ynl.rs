//! `cargo xtask ynl <check|tree>`: the repository's YNL spec
//! (`kmod-c/genl_demo.yaml`) and uapi header against the kernel's own YNL
//! tooling, through `genl_cli::check`.

use genl_cli::{check, kernel_source, Project};

use crate::util;

/// Entry point of `cargo xtask ynl <sub>`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => {
            let project = Project::load(&util::workspace_root())?;
            let spec = project.family_spec()?;
            let header = project.uapi_header()?;
            check::ynl_validate(&spec)?;
            check::ynl_gen_c_compare(&spec, &header)
        }
        Some("tree") => kernel_source::tree().map(|t| println!("{}", t.display())),
        _ => Err("usage: cargo xtask ynl <check|tree>\n\
             \n  check  validate kmod-c/genl_demo.yaml against the kernel's YNL schema and\
             \n         compare ynl-gen-c's uapi header with ours, value by value\
             \n  tree   unpack (once) the kernel's YNL tools into the genl cache; print where"
            .into()),
    }
}
