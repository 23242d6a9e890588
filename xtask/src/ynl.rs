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
            check::ynl_gen_c_compare(&spec, &header)?;
            let (c, h) = project.kernel_files()?;
            let r = check::ynl_gen_c_policies(&spec, &c, &h, &header)?;
            // The floor for genl_demo: its 6 policies (5 op, 1 nested) with
            // 11 attribute entries, 6 split ops + 5 genl_ops, 7 declarations.
            let floor = (6, 11, 11, 7);
            let got = (r.policies, r.entries, r.ops, r.declarations);
            if got.0 < floor.0 || got.1 < floor.1 || got.2 < floor.2 || got.3 < floor.3 {
                return Err(format!(
                    "ynl-gen-c comparison covered (policies, entries, ops, declarations) = \
                     {got:?}, below the floor {floor:?}"
                ));
            }
            Ok(())
        }
        Some("tree") => kernel_source::tree().map(|t| println!("{}", t.display())),
        _ => Err("usage: cargo xtask ynl <check|tree>\n\
             \n  check  validate kmod-c/genl_demo.yaml against the kernel's YNL schema,\
             \n         compare ynl-gen-c's uapi header with ours, value by value, and its\
             \n         kernel policies, ops and declarations with ours, attribute by attribute\
             \n  tree   unpack (once) the kernel's YNL tools into the genl cache; print where"
            .into()),
    }
}
