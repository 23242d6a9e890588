//! `cargo xtask portwatch [generate-check|check|vm-test]...`: the portwatch
//! project (`examples/portwatch`, genl's gallery family) through the `genl`
//! tool's library, as `genl --project examples/portwatch ...` runs it:
//!
//! - `generate-check`: `genl generate --check` (the checked-in `kmod/`
//!   files are what the schema generates);
//! - `check`: `genl check` (checkpatch --strict over `kmod/`, the YNL spec
//!   against the kernel's schema, ynl-gen-c's code against ours);
//! - `vm-test`: `genl vm test` (the module built and loaded on every kernel
//!   of its `genl.toml`: 5.10, 6.1, 6.12, newest and 6.12-debug; `portwatch-selftest`
//!   inside, and on 6.12 `portwatch-ynl`, cli.py against `genl ynl`).
//!
//! Without arguments, all three in that order. Each step prints its wall
//! time (`PORTWATCH <step> <seconds>s`).

use std::time::Instant;

use crate::util;

/// The project's directory.
pub fn project_dir() -> std::path::PathBuf {
    util::workspace_root().join("examples/portwatch")
}

/// The `genl` arguments of each step.
pub const STEPS: &[(&str, &[&str])] = &[
    ("generate-check", &["generate", "--check"]),
    ("check", &["check"]),
    ("vm-test", &["vm", "test"]),
];

/// Runs one step: `genl --project examples/portwatch ARGS`.
pub fn step(name: &str) -> Result<(), String> {
    let (_, args) = STEPS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| format!("no step `{name}` (steps: generate-check, check, vm-test)"))?;
    let t = Instant::now();
    let r = run_step(name, args);
    println!(
        "PORTWATCH {name} {:.1}s ({})",
        t.elapsed().as_secs_f64(),
        if r.is_ok() { "pass" } else { "fail" }
    );
    r
}

/// `genl --project examples/portwatch ARGS` (`args`, of step `name`)
/// through the library functions the `genl` tool calls.
fn run_step(name: &str, args: &[&str]) -> Result<(), String> {
    use genl_cli::vm::{self, Overrides, Plan};
    let project = genl_cli::cli::open_project(Some(&project_dir()), &mut |l| println!("genl: {l}"))
        .map_err(|e| e.to_string())?;
    match name {
        "generate-check" => Ok(genl_cli::generate::run(&project, true, &mut |d| {
            print!("{d}")
        })?),
        "check" => Ok(genl_cli::check::run(&project, false, &mut |l| {
            println!("{l}")
        })?),
        "vm-test" => {
            let report = vm::test(&Plan::new(&project, &Overrides::from_env()?)?)?;
            print!("{report}");
            Ok(report.verdict()?)
        }
        _ => Err(format!(
            "step `{name}` ({}) has no function",
            args.join(" ")
        )),
    }
}

/// Entry point of `cargo xtask portwatch [STEP...]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let names: Vec<&str> = if args.is_empty() {
        STEPS.iter().map(|(n, _)| *n).collect()
    } else {
        args.iter().map(String::as_str).collect()
    };
    for n in names {
        step(n)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use genl_cli::project::TargetKind;
    use genl_cli::Project;

    use super::*;

    /// examples/portwatch/genl.toml: what the suite runs.
    #[test]
    fn the_portwatch_genl_toml_describes_the_gallery() {
        let dir = project_dir();
        let p = Project::load(&dir).unwrap();
        let family = p.config.family.as_ref().unwrap();
        assert_eq!(
            (family.package.as_str(), family.type_path.as_str()),
            ("portwatch", "portwatch::PortwatchCmd")
        );
        let vm = p.config.vm.as_ref().unwrap();
        assert_eq!(
            vm.kernels,
            Some(
                ["5.10", "6.1", "6.12", "newest", "6.12-debug"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
        let targets: Vec<_> = vm.guest.iter().map(|g| g.target()).collect();
        assert_eq!(
            targets,
            [
                (TargetKind::Bin, "portwatch-selftest"),
                (TargetKind::Bin, "genl"),
                (TargetKind::Bin, "portwatch-ynl"),
            ]
        );
        // cli.py in the guest for portwatch-ynl only, which finds the genl
        // tool among the programs.
        assert!(vm
            .guest
            .iter()
            .all(|g| g.ynl == (g.target().1 == "portwatch-ynl")));
        // The genl tool as the repository's genl.toml builds it (release),
        // so the shared guest build directory holds it once.
        assert!(vm
            .guest
            .iter()
            .all(|g| g.release == (g.target().1 == "genl")));
        assert_eq!(p.module_dir().unwrap(), dir.join("kmod"));
        assert_eq!(p.family_name().unwrap(), "portwatch");
        assert!(dir.join("kmod/portwatch_main.c").is_file());
    }
}
