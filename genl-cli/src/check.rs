//! Checks of a project's kernel side with the kernel's own tools (from
//! Debian's `linux-source-6.12`, unpacked once into the cache):
//! [`checkpatch`] over the module's C files, [`ynl_validate`] of the
//! family's YNL spec against the kernel's schema, [`ynl_gen_c_compare`] of
//! the kernel's `ynl-gen-c` uapi header with ours, and
//! [`ynl_gen_c_policies`] of its kernel code (policies, ops, declarations)
//! with ours. [`run`] does all four for a project (`genl check`).

mod checkpatch;
mod policies;
mod ynl;

use std::path::PathBuf;

pub use checkpatch::{checkpatch, ALLOWED_LINES};
pub use policies::{ynl_gen_c_policies, Allowed, PolicyReport};
pub use ynl::{ynl_gen_c_compare, ynl_validate};

use crate::project::Project;

/// `genl check`: [`checkpatch`] over the project's C files (the module dir
/// and the generate dir, each once), then [`ynl_validate`] and
/// [`ynl_gen_c_compare`] of the family's spec
/// ([`Project::family_spec`]) and uapi header ([`Project::uapi_header`]).
/// Runs every check even when one fails; the error names the failed ones.
pub fn run(project: &Project) -> Result<(), String> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in [
        project.module_dir().ok(),
        project.generate_dir().ok().map(PathBuf::from),
    ]
    .into_iter()
    .flatten()
    {
        if !dirs.iter().any(|x| d.starts_with(x)) {
            dirs.retain(|x| !x.starts_with(&d));
            dirs.push(d);
        }
    }
    let mut failed = Vec::new();
    let mut step = |name: &str, r: Result<(), String>| match r {
        Ok(()) => println!("check: {name}: PASS"),
        Err(e) => {
            println!("check: {name}: FAIL: {e}");
            failed.push(format!("{name}: {e}"));
        }
    };
    if dirs.is_empty() {
        step(
            "checkpatch",
            Err("genl.toml names no module dir ([vm] module-dir or [generate] dir)".into()),
        );
    }
    for d in &dirs {
        step(&format!("checkpatch {}", d.display()), checkpatch(d));
    }
    match (project.family_spec(), project.uapi_header()) {
        (Ok(spec), header) => {
            step("ynl schema", ynl_validate(&spec));
            step(
                "ynl-gen-c uapi header",
                header.clone().and_then(|h| ynl_gen_c_compare(&spec, &h)),
            );
            step(
                "ynl-gen-c kernel policies and ops",
                header.and_then(|h| {
                    let (c, kh) = project.kernel_files()?;
                    ynl_gen_c_policies(&spec, &c, &kh, &h).map(|_| ())
                }),
            );
        }
        (Err(e), _) => step("ynl", Err(e)),
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} check(s) failed: {}",
            failed.len(),
            failed.join("; ")
        ))
    }
}
