//! Building a module source dir against an unpacked kernel.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::kernel::Kernel;
use super::progress;
use super::toolchain::ToolchainError;

/// Why a module dir could not be built against a kernel, or a module
/// read. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum KmodError {
    /// The module dir's path has no last component to name its copy by.
    NotADirName {
        /// The module dir.
        src: PathBuf,
    },
    /// A KCOV build was asked of a kernel without `CONFIG_KCOV=y`.
    NoKcov {
        /// The kernel's release.
        release: String,
    },
    /// The kernel's toolchain cannot run `make`.
    Toolchain(ToolchainError),
    /// A program (`make`, `modinfo`, `nm`) could not be started.
    Spawn {
        /// The program (`nm (binutils)`).
        program: String,
        /// What the system said.
        error: io::Error,
    },
    /// A program reading a module (`modinfo`, `nm`) failed.
    Tool {
        /// What ran, with the module (`modinfo /w/x.ko`).
        what: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// `make` failed.
    MakeFailed {
        /// The kernel's release.
        release: String,
        /// What make printed (stdout, then stderr).
        output: String,
    },
    /// The build printed warnings (`W=1` must be clean).
    Warnings {
        /// The kernel's release.
        release: String,
        /// The warning and error lines.
        warnings: Vec<String>,
        /// What make printed (stdout, then stderr).
        output: String,
    },
    /// The build produced no module.
    NoModule {
        /// The module dir.
        src: PathBuf,
    },
    /// A module's vermagic names another kernel.
    Vermagic {
        /// The module.
        ko: PathBuf,
        /// Its vermagic.
        vermagic: String,
        /// The kernel's release.
        release: String,
    },
    /// A module built for KCOV does not call [`KCOV_TRACE_PC`].
    NotInstrumented {
        /// The module.
        ko: PathBuf,
    },
    /// A file or directory could not be read, copied or made.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for KmodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KmodError::NotADirName { src } => {
                write!(f, "{}: not a directory name", src.display())
            }
            KmodError::NoKcov { release } => write!(
                f,
                "kernel {release} has no KCOV (CONFIG_KCOV=y): genl fuzz's coverage needs \
                 the debug kernel (6.12-debug)"
            ),
            KmodError::Toolchain(e) => e.fmt(f),
            KmodError::Spawn { program, error } => write!(f, "{program}: {error}"),
            KmodError::Tool { what, stderr } => write!(f, "{what}: {stderr}"),
            KmodError::MakeFailed { release, .. } => {
                write!(f, "module build against {release} failed")
            }
            KmodError::Warnings {
                release, warnings, ..
            } => write!(
                f,
                "module build against {release} has {} warning(s) (W=1): {}",
                warnings.len(),
                warnings.join(" | ")
            ),
            KmodError::NoModule { src } => write!(f, "{} produced no .ko", src.display()),
            KmodError::Vermagic {
                ko,
                vermagic,
                release,
            } => write!(
                f,
                "{}: vermagic {vermagic:?} does not match kernel {release}",
                ko.display()
            ),
            KmodError::NotInstrumented { ko } => write!(
                f,
                "{}: built with KCOV_INSTRUMENT=y but does not call {KCOV_TRACE_PC}: \
                 no coverage would be recorded",
                ko.display()
            ),
            KmodError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for KmodError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KmodError::Toolchain(e) => Some(e),
            KmodError::Spawn { error, .. } | KmodError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(KmodError { Toolchain(ToolchainError) });

crate::error::io_at!(KmodError);

/// Whether `name` is a build product (never copied from the source dir).
fn is_artifact(name: &str) -> bool {
    name.starts_with('.')
        || name == "modules.order"
        || name == "Module.symvers"
        || [".o", ".ko", ".mod", ".mod.c", ".a", ".cmd", ".dwo"]
            .iter()
            .any(|s| name.ends_with(s))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), KmodError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    let entries = std::fs::read_dir(from).map_err(io(from))?;
    for e in entries {
        let e = e.map_err(io(from))?;
        let name = e.file_name();
        let name_s = name.to_string_lossy();
        if is_artifact(&name_s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let ty = e.file_type().map_err(io(&src))?;
        if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            // Follows symlinks: the copy must not point back into the source.
            std::fs::copy(&src, &dst).map_err(io(&src))?;
        }
    }
    Ok(())
}

/// All `*.ko` under `dir`, sorted.
fn find_kos(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            find_kos(&p, out);
        } else if p.extension().is_some_and(|x| x == "ko") {
            out.push(p);
        }
    }
    out.sort();
}

/// `modinfo -F field ko`.
pub fn modinfo(ko: &Path, field: &str) -> Result<String, KmodError> {
    let out = Command::new("modinfo")
        .args(["-F", field])
        .arg(ko)
        .output()
        .map_err(|error| KmodError::Spawn {
            program: "modinfo".into(),
            error,
        })?;
    if !out.status.success() {
        return Err(KmodError::Tool {
            what: format!("modinfo {}", ko.display()),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// How [`build_with`] builds a module dir.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Instruments the modules for KCOV (`make KCOV_INSTRUMENT=y`), for
    /// coverage-guided fuzzing (`genl fuzz`): every basic block of the
    /// module calls [`KCOV_TRACE_PC`]. The kernel must have `CONFIG_KCOV=y`
    /// (the debug kernel, `6.12-debug`); the build goes to its own
    /// directory, `<work>/build-kcov/<release>/<dirname>/`, beside the
    /// plain one.
    pub kcov: bool,
}

impl BuildOptions {
    /// The directory under `work` the builds of these options go to.
    fn dir(&self) -> &'static str {
        if self.kcov {
            "build-kcov"
        } else {
            "build"
        }
    }

    /// What these options add to `make`'s command line.
    fn make_args(&self) -> Vec<&'static str> {
        if self.kcov {
            // scripts/Makefile.lib adds CFLAGS_KCOV to every object of a
            // directory whose KCOV_INSTRUMENT is y (the kernel itself is
            // built without CONFIG_KCOV_INSTRUMENT_ALL, so the coverage a
            // module's user sees is the module's own).
            vec!["KCOV_INSTRUMENT=y"]
        } else {
            Vec::new()
        }
    }
}

/// The function KCOV's instrumentation calls in every basic block
/// (`-fsanitize-coverage=trace-pc`): a module built with
/// [`BuildOptions::kcov`] references it.
pub const KCOV_TRACE_PC: &str = "__sanitizer_cov_trace_pc";

/// Fails unless the kernel configuration `config` (a `.config`'s text) of
/// kernel `release` has `CONFIG_KCOV=y`.
fn check_kcov_config(config: &str, release: &str) -> Result<(), KmodError> {
    if config.lines().any(|l| l.trim() == "CONFIG_KCOV=y") {
        Ok(())
    } else {
        Err(KmodError::NoKcov {
            release: release.to_owned(),
        })
    }
}

/// The undefined symbols of the ELF object `ko` (`nm -u`).
fn undefined_symbols(ko: &Path) -> Result<Vec<String>, KmodError> {
    let out = Command::new("nm")
        .arg("-u")
        .arg(ko)
        .output()
        .map_err(|error| KmodError::Spawn {
            program: "nm (binutils)".into(),
            error,
        })?;
    if !out.status.success() {
        return Err(KmodError::Tool {
            what: format!("nm -u {}", ko.display()),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(str::to_owned)
        .collect())
}

/// Builds every module of `src` against `k` in a fresh copy under
/// `<work>/build/<release>/<dirname>/` and returns the `.ko` files
/// ([`build_with`] and the default [`BuildOptions`]).
pub fn build(work: &Path, src: &Path, k: &Kernel) -> Result<Vec<PathBuf>, KmodError> {
    build_with(work, src, k, &BuildOptions::default())
}

/// Builds every module of `src` against `k` as `o` says, in a fresh copy
/// under `<work>/build/<release>/<dirname>/` (`build-kcov` for a KCOV
/// build), and returns the `.ko` files. The build must be free of
/// warnings with the kernel's `W=1`, and each module's vermagic must name
/// `k`. A KCOV build fails before `make` when the kernel has no
/// `CONFIG_KCOV=y`, and after it unless every module references
/// [`KCOV_TRACE_PC`].
pub fn build_with(
    work: &Path,
    src: &Path,
    k: &Kernel,
    o: &BuildOptions,
) -> Result<Vec<PathBuf>, KmodError> {
    let name = src.file_name().ok_or_else(|| KmodError::NotADirName {
        src: src.to_owned(),
    })?;
    if o.kcov {
        let config_path = k.headers().join(".config");
        let config = std::fs::read_to_string(&config_path).map_err(io(&config_path))?;
        check_kcov_config(&config, &k.release)?;
    }
    let dst = work.join(o.dir()).join(&k.release).join(name);
    let _ = std::fs::remove_dir_all(&dst);
    copy_tree(src, &dst)?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The host's make, or a root's (vm/toolchain.rs), which sees the
    // kernel's tree and the build dir at their own paths. A kernel tree
    // reached through a link (a cache whose `kernels/` links to another's)
    // is used at its real path: its Makefile names that one
    // (`KBUILD_OUTPUT`, 7.x), and a `make -C` elsewhere would be an
    // out-of-tree build writing into the shared headers.
    let real = k.root.canonicalize().unwrap_or_else(|_| k.root.clone());
    let headers = match k.headers().strip_prefix(&k.root) {
        Ok(rel) => real.join(rel),
        Err(_) => k.headers(),
    };
    let mut cmd = k.toolchain.command("make", &[&real, &dst])?;
    cmd.arg("-C")
        .arg(&headers)
        .arg(format!("M={}", dst.display()))
        .arg(format!("-j{jobs}"))
        // The kernel's extra warnings: generated and hand-written C alike
        // must build clean with them.
        .arg("W=1")
        .args(o.make_args())
        .arg("modules");
    if !k.toolchain.has("pahole") {
        // 6.12's module BTF step fails without pahole; skip it instead.
        cmd.arg("CONFIG_DEBUG_INFO_BTF_MODULES=");
    }
    progress::say(format_args!(
        "{}: make -C <headers> M={} W=1 {}modules ({})",
        k.release,
        dst.display(),
        o.make_args()
            .iter()
            .map(|a| format!("{a} "))
            .collect::<String>(),
        k.toolchain
    ));
    let out = cmd.output().map_err(|error| KmodError::Spawn {
        program: "make".into(),
        error,
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        progress::show_err(&text);
        return Err(KmodError::MakeFailed {
            release: k.release.clone(),
            output: text,
        });
    }
    // A compiler or modpost warning fails the build: the module must be
    // W=1 clean on every kernel.
    let warnings: Vec<String> = text
        .lines()
        .filter(|l| l.contains("warning:") || l.contains("WARNING:") || l.contains("error:"))
        .map(str::to_owned)
        .collect();
    if !warnings.is_empty() {
        progress::show_err(&text);
        return Err(KmodError::Warnings {
            release: k.release.clone(),
            warnings,
            output: text,
        });
    }
    let mut kos = Vec::new();
    find_kos(&dst, &mut kos);
    if kos.is_empty() {
        return Err(KmodError::NoModule {
            src: src.to_owned(),
        });
    }
    for ko in &kos {
        let vermagic = modinfo(ko, "vermagic")?;
        if vermagic.split_whitespace().next() != Some(k.release.as_str()) {
            return Err(KmodError::Vermagic {
                ko: ko.clone(),
                vermagic,
                release: k.release.clone(),
            });
        }
        if o.kcov && !undefined_symbols(ko)?.iter().any(|s| s == KCOV_TRACE_PC) {
            return Err(KmodError::NotInstrumented { ko: ko.clone() });
        }
    }
    Ok(kos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kcov_build_asks_make_for_instrumentation_in_its_own_dir() {
        let kcov = BuildOptions { kcov: true };
        assert_eq!(kcov.make_args(), ["KCOV_INSTRUMENT=y"]);
        assert_eq!(kcov.dir(), "build-kcov");
        let plain = BuildOptions::default();
        assert!(plain.make_args().is_empty());
        assert_eq!(plain.dir(), "build");
    }

    #[test]
    fn a_kernel_without_kcov_is_refused() {
        let with = "CONFIG_DEBUG_FS=y\nCONFIG_KCOV=y\n# CONFIG_KCOV_INSTRUMENT_ALL is not set\n";
        assert!(check_kcov_config(with, "6.12.118-genl-debug").is_ok());
        for without in [
            "CONFIG_DEBUG_FS=y\n",
            "# CONFIG_KCOV is not set\n",
            "CONFIG_KCOV=n\n",
        ] {
            let e = check_kcov_config(without, "6.1.0-57-cloud-amd64").unwrap_err();
            assert!(
                matches!(&e, KmodError::NoKcov { release } if release == "6.1.0-57-cloud-amd64")
            );
            assert_eq!(
                e.to_string(),
                "kernel 6.1.0-57-cloud-amd64 has no KCOV (CONFIG_KCOV=y): genl fuzz's \
                 coverage needs the debug kernel (6.12-debug)"
            );
        }
    }

    #[test]
    fn a_kcov_build_refuses_a_kernel_without_kcov_before_make() {
        let dir = std::env::temp_dir().join(format!("genl-kmod-kcov-{}", std::process::id()));
        let release = "6.1.0-0-test";
        let headers = dir
            .join("k/usr/src")
            .join(format!("linux-headers-{release}"));
        std::fs::create_dir_all(&headers).unwrap();
        std::fs::write(headers.join(".config"), "CONFIG_MODULES=y\n").unwrap();
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        let k = Kernel {
            series: "6.1",
            release: release.into(),
            root: dir.join("k"),
            cached: true,
            toolchain: super::super::toolchain::Toolchain::Host { cc: None },
        };
        let e = build_with(&dir.join("work"), &src, &k, &BuildOptions { kcov: true }).unwrap_err();
        assert!(matches!(e, KmodError::NoKcov { .. }), "{e}");
        assert!(e.to_string().contains("has no KCOV (CONFIG_KCOV=y)"), "{e}");
        // Nothing was copied or built.
        assert!(!dir.join("work").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn undefined_symbols_name_what_an_object_calls() {
        // An object compiled with KCOV's flag calls the trace function; the
        // test needs the host's gcc (the harness installs it: without it,
        // this fails rather than passing unseen).
        assert!(crate::host::have("gcc"), "this test needs gcc on the host");
        let dir = std::env::temp_dir().join(format!("genl-kmod-nm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = dir.join("t.c");
        std::fs::write(&c, "int f(int x) { return x ? x + 1 : 0; }\n").unwrap();
        let o = dir.join("t.o");
        let st = Command::new("gcc")
            .args(["-c", "-O2", "-fsanitize-coverage=trace-pc", "-o"])
            .arg(&o)
            .arg(&c)
            .status()
            .unwrap();
        assert!(st.success());
        assert!(undefined_symbols(&o)
            .unwrap()
            .iter()
            .any(|s| s == KCOV_TRACE_PC));
        assert!(undefined_symbols(&c).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_module_for_another_kernel_names_both() {
        let e = KmodError::Vermagic {
            ko: PathBuf::from("/w/build/6.1.0-57-cloud-amd64/m/genl_demo.ko"),
            vermagic: "6.12.118+deb12-cloud-amd64 SMP mod_unload".into(),
            release: "6.1.0-57-cloud-amd64".into(),
        };
        assert_eq!(
            e.to_string(),
            "/w/build/6.1.0-57-cloud-amd64/m/genl_demo.ko: vermagic \
             \"6.12.118+deb12-cloud-amd64 SMP mod_unload\" does not match kernel \
             6.1.0-57-cloud-amd64"
        );
        let e = KmodError::Warnings {
            release: "6.1.0-57-cloud-amd64".into(),
            warnings: vec!["m.c:3:5: warning: no previous prototype".into()],
            output: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "module build against 6.1.0-57-cloud-amd64 has 1 warning(s) (W=1): \
             m.c:3:5: warning: no previous prototype"
        );
    }
}
