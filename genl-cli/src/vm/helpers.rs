//! C helper programs for the guest: built on the host with gcc, statically,
//! and installed in the guest's `/usr/bin` (on `PATH`) for the guest tests to
//! run, e.g. the raw C client the VM benchmark compares genl with.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::guest::{check_static, GuestError};
use crate::host;
use crate::project::HelperConfig;

crate::error::io_at!(GuestError);

/// The compiler: `gcc`, or Debian's `gcc-12` (a host package of the harness).
fn gcc() -> &'static str {
    if host::have("gcc") {
        "gcc"
    } else {
        "gcc-12"
    }
}

/// Builds each helper into `<work>/helpers/<name>` (`gcc -O2 -static
/// -Wall -Wextra -Werror`; paths are absolute, see
/// [`Project::load`](crate::project::Project::load)) and returns them as
/// (guest path `usr/bin/<name>`, executable).
pub fn build(work: &Path, helpers: &[HelperConfig]) -> Result<Vec<(String, Vec<u8>)>, GuestError> {
    let dir = work.join("helpers");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut out = Vec::new();
    for h in helpers {
        let src = &h.source;
        let exe: PathBuf = dir.join(&h.name);
        let mut cmd = Command::new(gcc());
        cmd.args(["-O2", "-static", "-Wall", "-Wextra", "-Werror"]);
        for inc in &h.includes {
            cmd.arg("-I").arg(inc);
        }
        cmd.arg("-o").arg(&exe).arg(src);
        let st = cmd.status().map_err(|error| GuestError::Spawn {
            program: gcc().to_owned(),
            error,
        })?;
        if !st.success() {
            return Err(GuestError::HelperFailed {
                name: h.name.clone(),
                source: h.source.clone(),
            });
        }
        check_static(&exe)?;
        let data = std::fs::read(&exe).map_err(io(&exe))?;
        out.push((format!("usr/bin/{}", h.name), data));
    }
    Ok(out)
}
