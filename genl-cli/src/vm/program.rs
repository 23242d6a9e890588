//! One boot running one host program: what `genl fuzz` drives the guest
//! with ([`boot_program`]).

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::boot::{self, BootError, Run};
use super::guest::{self, GuestBin, GuestError};
use super::kernel::Kernel;
use super::progress;
use super::SERIES;
use crate::kernel_source::PayloadEntry;

/// Why [`boot_program`] could not make or run its boot. `Display` is
/// the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProgramBootError {
    /// The kernel's series is not one of [`SERIES`].
    UnknownSeries {
        /// The kernel's release.
        release: String,
        /// Its series.
        series: &'static str,
    },
    /// The program's file name cannot go in `/usr/bin` (none, or quotes,
    /// spaces, `$`...).
    ProgramName {
        /// The program.
        program: PathBuf,
    },
    /// A guest file's path is not absolute.
    NotAbsolute {
        /// The path.
        path: String,
    },
    /// A guest file's path names no file, or has `..`.
    NotAFilePath {
        /// The path.
        path: String,
    },
    /// The program's launcher could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The guest's files or initramfs could not be made.
    Guest(GuestError),
    /// The boot could not be run.
    Boot(BootError),
}

impl fmt::Display for ProgramBootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgramBootError::UnknownSeries { release, series } => {
                write!(f, "kernel {release}: unknown series {series:?}")
            }
            ProgramBootError::ProgramName { program } => {
                write!(f, "{}: no file name fit for /usr/bin", program.display())
            }
            ProgramBootError::NotAbsolute { path } => {
                write!(f, "guest file {path:?}: not an absolute path")
            }
            ProgramBootError::NotAFilePath { path } => {
                write!(f, "guest file {path:?}: not a file path without `..`")
            }
            ProgramBootError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ProgramBootError::Guest(e) => e.fmt(f),
            ProgramBootError::Boot(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ProgramBootError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProgramBootError::Io { error, .. } => Some(error),
            ProgramBootError::Guest(e) => Some(e),
            ProgramBootError::Boot(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(ProgramBootError { Guest(GuestError), Boot(BootError) });

/// One boot of [`boot_program`].
pub struct ProgramBoot<'a> {
    /// The kernel, fetched ([`super::fetch`], [`super::kernels::fetch`]).
    pub kernel: &'a Kernel,
    /// Modules built for `kernel` ([`super::kmod::build_with`]), loaded at
    /// boot by `/init` as `vm test` loads them: `insmod` in dependency
    /// order, kmemleak armed before on a debug kernel and scanned after
    /// the end-of-run `rmmod`, the kernel log checked.
    pub kos: &'a [PathBuf],
    /// The host executable to run, put in the guest at
    /// `/usr/bin/<file name>`; a dynamically linked one brings its loader
    /// and libraries ([`guest::executable_entries`]).
    pub program: &'a Path,
    /// Its arguments.
    pub args: &'a [String],
    /// More files for the guest: (absolute guest path, contents), e.g. the
    /// family's YNL spec or a corpus; made mode 0644, their directories
    /// created.
    pub files: &'a [(String, Vec<u8>)],
    /// Seconds the boot may take, before the kernel series' timeout factor
    /// (3 on the debug kernel), as `vm test` applies it.
    pub timeout: u64,
    /// Called with every console line as it arrives (live progress).
    pub on_line: &'a mut dyn FnMut(&str),
    /// Reports do not panic the guest (see `BootOptions::keep_going`).
    pub keep_going: bool,
}

/// The guest path (relative, no `..`) of an absolute guest path given to
/// [`ProgramBoot::files`].
fn guest_file_path(p: &str) -> Result<String, ProgramBootError> {
    let rel = p
        .strip_prefix('/')
        .ok_or_else(|| ProgramBootError::NotAbsolute { path: p.to_owned() })?;
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(ProgramBootError::NotAFilePath { path: p.to_owned() });
    }
    Ok(parts.join("/"))
}

/// The `#!/bin/sh` script `/init` runs as the program (a guest program in
/// `/tests`, between the `GENL-VM-TEST-BEGIN`/`END` markers): it execs
/// `guest_exe` with the arguments `/init` passes.
fn launcher(guest_exe: &str) -> String {
    format!("#!/bin/sh\nexec {guest_exe} \"$@\"\n")
}

/// Boots `b.kernel` with `b.kos` loaded and runs `b.program` once (as
/// root in `/root`, stdin `/dev/null`, the environment of a guest program:
/// `GENL_VM=1`, `GENL_VM_DEBUG=1` on a debug kernel, ...), its output
/// between `GENL-VM-TEST-BEGIN <name>` and `GENL-VM-TEST-END <name> rc=N`.
/// The end of the run is `vm test`'s: `rmmod`, kmemleak and the kernel-log
/// check, then the verdict line with the boot's token ([`Run::verdict`]; a
/// non-zero exit of the program fails it). A kernel that panics before
/// `/init` ran (seen under TCG now and then) is booted once more, noted in
/// [`Run::test_results`].
///
/// The initramfs and its staging go to `<work_dir>/initramfs/`, the console
/// log to `<work_dir>/logs/<release>.log`. An error means the boot could
/// not be made or run; what the guest did is in the [`Run`] (see
/// [`Run::verdict`] and [`Run::check_release`]).
pub fn boot_program(work_dir: &Path, b: ProgramBoot<'_>) -> Result<Run, ProgramBootError> {
    let k = b.kernel;
    let series = SERIES.iter().find(|s| s.name == k.series).ok_or_else(|| {
        ProgramBootError::UnknownSeries {
            release: k.release.clone(),
            series: k.series,
        }
    })?;
    let name = b
        .program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && !n.contains(['\'', '"', '\\', '$', '`', ' ']))
        .ok_or_else(|| ProgramBootError::ProgramName {
            program: b.program.to_owned(),
        })?;
    let guest_exe = format!("/usr/bin/{name}");
    let stage = work_dir.join("program").join(&k.release);
    let _ = std::fs::remove_dir_all(&stage);
    let mut extra = guest::executable_entries(b.program, &guest_exe, &stage)?;
    for (p, data) in b.files {
        extra.push(PayloadEntry::File(guest_file_path(p)?, data.clone(), 0o644));
    }
    let script = stage.join(&name);
    std::fs::write(&script, launcher(&guest_exe)).map_err(|error| ProgramBootError::Io {
        path: script.clone(),
        error,
    })?;
    let bins = [GuestBin {
        name,
        path: script,
        args: b.args.to_vec(),
        ynl: false,
        min_tests: None,
        kernels: None,
    }];
    let init = guest::InitOptions {
        token: guest::random_token()?,
        series: k.series.to_owned(),
        debug: series.is_debug(),
        module_rev: None,
    };
    let initrd = guest::initramfs(work_dir, k, b.kos, &bins, &extra, &init)?;
    // `BootOptions` takes a shared callback; the caller's is `FnMut`.
    let on_line = RefCell::new(b.on_line);
    let forward = |l: &str| (on_line.borrow_mut())(l);
    let boot = || {
        boot::boot(
            work_dir,
            k,
            &initrd,
            &boot::BootOptions {
                timeout: b.timeout * series.timeout_factor(),
                verbose: false,
                interactive: false,
                debug: series.is_debug(),
                token: &init.token,
                on_line: Some(&forward),
                keep_going: b.keep_going,
            },
        )
    };
    let mut run = boot()?;
    if run.died_before_init() {
        let why = run.verdict().err().map(|e| e.to_string());
        let why = why.unwrap_or_default();
        progress::say(format_args!(
            "{}: the kernel panicked while booting, before the guest's init ran ({why}); \
             booting once more",
            k.release
        ));
        run = boot()?;
        run.test_results.insert(
            0,
            format!("note: the first boot panicked before init: {why}"),
        );
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_files_are_absolute_paths_inside_the_guest() {
        assert_eq!(
            guest_file_path("/ynl/genl_demo.yaml").unwrap(),
            "ynl/genl_demo.yaml"
        );
        assert_eq!(guest_file_path("//a/./b").unwrap(), "a/b");
        for bad in ["ynl/x.yaml", "/", "/a/../../etc/passwd", ""] {
            assert!(guest_file_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            guest_file_path("ynl/x.yaml").unwrap_err().to_string(),
            "guest file \"ynl/x.yaml\": not an absolute path"
        );
        assert_eq!(
            guest_file_path("/a/../b").unwrap_err().to_string(),
            "guest file \"/a/../b\": not a file path without `..`"
        );
    }

    #[test]
    fn the_launcher_execs_the_program_with_its_arguments() {
        let s = launcher("/usr/bin/genl");
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains("exec /usr/bin/genl \"$@\"\n"));
    }
}
