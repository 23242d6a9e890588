//! The Kbuild-time feature probes (`genl_compat.mk`) against a table read
//! by hand from each kernel's headers (`genl_cli::kernel_compat`): after the
//! VM suites built kmod-c for every kernel, what each build's probes found
//! must be what that kernel's headers have.

use crate::util;

/// Checks every kmod-c build under `target/genl-vm/build/`.
pub fn run() -> Result<(), String> {
    let build = util::workspace_root().join("target/genl-vm/build");
    let mut checked = Vec::new();
    let mut failed = Vec::new();
    let entries = std::fs::read_dir(&build).map_err(|e| {
        format!(
            "{}: {e} (the VM suites build kmod-c there first)",
            build.display()
        )
    })?;
    for e in entries.flatten() {
        let release = e.file_name().to_string_lossy().into_owned();
        let dir = e.path().join("kmod-c");
        if !dir.is_dir() {
            continue;
        }
        match genl_cli::kernel_compat::check_build(&dir, &release) {
            Ok(found) => {
                println!(
                    "probes: {release}: {} features, as its headers say: {}",
                    found.len(),
                    found.iter().cloned().collect::<Vec<_>>().join(" ")
                );
                checked.push(release);
            }
            Err(err) => failed.push(err.to_string()),
        }
    }
    if !failed.is_empty() {
        return Err(failed.join("\n"));
    }
    if checked.len() < 5 {
        return Err(format!(
            "probes: only {} kernel build(s) to check ({}); the VM suites build five",
            checked.len(),
            checked.join(", ")
        ));
    }
    Ok(())
}
