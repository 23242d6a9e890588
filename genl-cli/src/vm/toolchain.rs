//! What builds a kernel's modules: the host's compiler, or a cached root of
//! the kernel's Debian suite when the kernel was built by a newer compiler
//! than the host has (its kbuild tools then also need that suite's C
//! library).
//!
//! The kernel's compiler is read from its headers: `CONFIG_GCC_VERSION`
//! and `CONFIG_CC_VERSION_TEXT` in `.config` (or
//! `include/generated/autoconf.h`), the command from Debian's
//! `.kernelvariables` (`CC = ... $(CROSS_COMPILE)gcc-14`).
//! - The host has that command: it builds.
//! - The host's gcc is at least as new: it builds, as `CC=<host gcc>`
//!   (bookworm's gcc-12 builds bullseye's gcc-10 kernels' modules).
//! - Otherwise a root of the suite ([`Suite::toolchain_suite`]) made with
//!   `mmdebstrap --variant=apt` under `<cache>/roots/<suite>-<key>/`
//!   (`<key>` hashes the package list), once; builds run there through
//!   `chroot`, with `/proc` mounted (objtool reads it), `/dev` bound, and
//!   the kernel's tree and the build dir bound at their own paths (so the
//!   paths the headers hold stay right). The mounts live in a mount
//!   namespace of the build's own: they go when the build ends, however it
//!   ends, and the host never sees them.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::apt::{Suite, KEYRING};
use super::progress::{self, PreparationError};
use crate::cache;
use crate::host;

/// Why the toolchain of a kernel could not be prepared or run. `Display`
/// is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum ToolchainError {
    /// The kernel needs a root of its suite and we are not root to make it.
    NotRoot {
        /// The kernel's release.
        release: String,
        /// The compiler that built it (`?` when its headers do not say).
        compiler: String,
        /// The host's compiler (`no gcc`).
        host: String,
        /// The suite of the root.
        suite: &'static str,
    },
    /// The kernel needs a root of its suite and mmdebstrap is missing.
    NoMmdebstrap {
        /// The kernel's release.
        release: String,
        /// The suite of the root.
        suite: &'static str,
        /// The compiler package the root holds (`gcc-14`).
        gcc: String,
    },
    /// `mmdebstrap` failed.
    Root {
        /// How.
        error: PreparationError,
        /// The packages the root was to hold.
        packages: Vec<String>,
    },
    /// A file or directory of the root could not be made or moved.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A path to bind into the root is relative.
    RelativeBind {
        /// The path.
        path: PathBuf,
    },
}

impl fmt::Display for ToolchainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolchainError::NotRoot {
                release,
                compiler,
                host,
                suite,
            } => write!(
                f,
                "{release} was built by {compiler} (the host has {host}): its modules build \
                 in a {suite} root, which needs root to make (mmdebstrap) and to enter \
                 (chroot); run as root"
            ),
            ToolchainError::NoMmdebstrap {
                release,
                suite,
                gcc,
            } => write!(
                f,
                "{release} needs a {suite} root with {gcc} to build modules: install the \
                 Debian package mmdebstrap (`apt-get install --no-install-recommends \
                 mmdebstrap`)"
            ),
            ToolchainError::Root { error, packages } => write!(
                f,
                "{error}\n(the root needs the network to deb.debian.org and the packages {})",
                packages.join(" ")
            ),
            ToolchainError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ToolchainError::RelativeBind { path } => {
                write!(f, "{}: not an absolute path", path.display())
            }
        }
    }
}

impl std::error::Error for ToolchainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ToolchainError::Root { error, .. } => Some(error),
            ToolchainError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The compiler a kernel was built with, from its headers' configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelCompiler {
    /// `CONFIG_CC_VERSION_TEXT`, e.g. `x86_64-linux-gnu-gcc-14 (Debian
    /// 14.2.0-19) 14.2.0`.
    pub text: String,
    /// `CONFIG_GCC_VERSION`, e.g. `140200` (`None`: not gcc).
    pub gcc_version: Option<u32>,
}

impl KernelCompiler {
    /// The major gcc version (`14`).
    pub fn gcc_major(&self) -> Option<u32> {
        self.gcc_version.map(|v| v / 10000)
    }
}

/// Reads `CONFIG_CC_VERSION_TEXT` and `CONFIG_GCC_VERSION` from a
/// `.config` (`CONFIG_X=value`) or an `autoconf.h` (`#define CONFIG_X value`).
pub fn parse_compiler(config: &str) -> Option<KernelCompiler> {
    let mut text = None;
    let mut gcc = None;
    for l in config.lines() {
        let l = l.trim();
        let (k, v) = match l.strip_prefix("#define ") {
            Some(rest) => rest.split_once(' ')?,
            None => match l.split_once('=') {
                Some(kv) => kv,
                None => continue,
            },
        };
        match k {
            "CONFIG_CC_VERSION_TEXT" => text = Some(v.trim().trim_matches('"').to_owned()),
            "CONFIG_GCC_VERSION" => gcc = v.trim().parse().ok(),
            _ => {}
        }
    }
    Some(KernelCompiler {
        text: text?,
        gcc_version: gcc.filter(|&v| v > 0),
    })
}

/// The compiler of the kernel whose headers are `headers`.
pub fn kernel_compiler(headers: &Path) -> Option<KernelCompiler> {
    [".config", "include/generated/autoconf.h"]
        .iter()
        .find_map(|f| parse_compiler(&std::fs::read_to_string(headers.join(f)).ok()?))
}

/// The compiler command Debian's `.kernelvariables` sets (`CC = ...
/// $(CROSS_COMPILE)gcc-14` with `override CROSS_COMPILE =
/// x86_64-linux-gnu-`): `x86_64-linux-gnu-gcc-14`. Assignments inside
/// `ifeq`/`ifneq` blocks (5.10's cross-compiling case) are left out.
pub fn parse_kernel_cc(vars: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut plain = Vec::new();
    for l in vars.lines().map(str::trim) {
        if l.starts_with("ifeq")
            || l.starts_with("ifneq")
            || l.starts_with("ifdef")
            || l.starts_with("ifndef")
        {
            depth += 1;
        } else if l.starts_with("endif") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 {
            plain.push(l);
        }
    }
    let value = |name: &str| {
        plain.iter().find_map(|l| {
            let l = l.strip_prefix("override ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_owned())
        })
    };
    let cc = value("CC")?;
    let cross = value("CROSS_COMPILE").unwrap_or_default();
    let last = cc.split_whitespace().last()?;
    Some(last.replace("$(CROSS_COMPILE)", &cross))
}

/// Whether an executable `name` (a plain file name) is on `PATH`.
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    if name.is_empty() || name.contains('/') {
        return false;
    }
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            std::fs::metadata(d.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// `12.2.0` for `120200`.
fn dotted(v: u32) -> String {
    format!("{}.{}.{}", v / 10000, v / 100 % 100, v % 100)
}

/// `major * 10000 + minor * 100 + patch` of a `-dumpfullversion` answer.
pub fn parse_gcc_version(s: &str) -> Option<u32> {
    let mut it = s.trim().split('.').map(|p| p.parse::<u32>().ok());
    let major = it.next()??;
    let minor = it.next().flatten().unwrap_or(0);
    let patch = it.next().flatten().unwrap_or(0);
    Some(major * 10000 + minor * 100 + patch)
}

/// The host's gcc (`gcc`, else bookworm's `gcc-12`) and its version.
fn host_gcc() -> Option<(String, u32)> {
    ["gcc", "gcc-12"].iter().find_map(|cc| {
        let out = Command::new(cc).arg("-dumpfullversion").output().ok()?;
        if !out.status.success() {
            return None;
        }
        Some((
            (*cc).to_owned(),
            parse_gcc_version(&String::from_utf8_lossy(&out.stdout))?,
        ))
    })
}

/// What builds a kernel's modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toolchain {
    /// The host; with `cc`, `make CC=<cc>` (the kernel's compiler is
    /// older than the host's and not installed).
    Host {
        /// The compiler to use instead of the kernel's.
        cc: Option<String>,
    },
    /// A cached root of a Debian suite.
    Root {
        /// The root directory.
        dir: PathBuf,
        /// Its suite (`trixie`).
        suite: &'static str,
        /// The compiler package in it (`gcc-14`).
        gcc: String,
    },
}

impl fmt::Display for Toolchain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Toolchain::Host { cc: None } => write!(f, "the host's compiler"),
            Toolchain::Host { cc: Some(cc) } => write!(f, "the host's {cc}"),
            Toolchain::Root { suite, gcc, .. } => write!(f, "{gcc} in a {suite} root"),
        }
    }
}

/// The packages of a root for `gcc` (`gcc-14`): the compiler, make, libc
/// and libelf headers, the kbuild helpers' tools, kmod, python3 (6.17+'s
/// W=1 runs `kernel-doc.py`) and pahole (module BTF).
pub fn root_packages(gcc: &str) -> Vec<String> {
    [
        gcc,
        "make",
        "libc6-dev",
        "libelf-dev",
        "bc",
        "bison",
        "flex",
        "kmod",
        "python3",
        "pahole",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// `<cache>/roots/<suite>-<key of the package list>`.
pub fn root_dir(cache: &Path, suite: &str, packages: &[String]) -> PathBuf {
    let key = cache::fnv1a(packages.join(",").as_bytes());
    cache
        .join("roots")
        .join(format!("{suite}-{:08x}", key as u32))
}

/// Marks a complete root (written last).
const STAMP: &str = ".genl-root-complete";

/// The suite's mirror line for mmdebstrap.
fn mirror(suite: &str) -> String {
    format!("deb [signed-by={KEYRING}] http://deb.debian.org/debian {suite} main")
}

/// What builds modules for a kernel, and whether that is ready.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The toolchain.
    pub toolchain: Toolchain,
    /// The kernel's compiler, when its headers say.
    pub compiler: Option<KernelCompiler>,
    /// The host's gcc and its version.
    pub host: Option<(String, u32)>,
    /// Whether the toolchain root must still be made.
    pub missing: bool,
}

/// Decides what builds modules for the kernel whose kbuild dir is
/// `headers` ([`Kernel::headers`](super::Kernel::headers); of `suite`),
/// without making anything (`genl vm kernels`).
pub fn decide(cache: &Path, suite: &'static Suite, headers: &Path) -> Decision {
    let compiler = kernel_compiler(headers);
    let mut d = Decision {
        toolchain: Toolchain::Host { cc: None },
        compiler: compiler.clone(),
        host: None,
        missing: false,
    };
    let cc = std::fs::read_to_string(headers.join(".kernelvariables"))
        .ok()
        .and_then(|v| parse_kernel_cc(&v));
    if cc.as_deref().is_some_and(on_path) {
        return d;
    }
    let host = host_gcc();
    d.host = host.clone();
    // Not gcc, or no configuration to tell: the host's, as it is.
    let Some((kv, major)) = compiler
        .as_ref()
        .and_then(|c| Some((c.gcc_version?, c.gcc_major()?)))
    else {
        return d;
    };
    if let Some((host_cc, v)) = &host {
        if kv <= *v {
            d.toolchain = Toolchain::Host {
                cc: Some(host_cc.clone()),
            };
            return d;
        }
    }
    let gcc = format!("gcc-{major}");
    let dir = root_dir(cache, suite.toolchain_suite, &root_packages(&gcc));
    d.missing = !dir.join(STAMP).is_file();
    d.toolchain = Toolchain::Root {
        dir,
        suite: suite.toolchain_suite,
        gcc,
    };
    d
}

/// Decides what builds modules for kernel `release`, whose kbuild dir is
/// `headers` (of `suite`), making the root when one is needed and missing
/// (the caller holds the cache lock).
pub fn prepare(
    cache: &Path,
    suite: &'static Suite,
    release: &str,
    headers: &Path,
) -> Result<Toolchain, ToolchainError> {
    let Decision {
        toolchain,
        compiler,
        host,
        missing,
    } = decide(cache, suite, headers);
    let Toolchain::Root {
        dir,
        suite: suite_name,
        gcc,
    } = &toolchain
    else {
        return Ok(toolchain);
    };
    if !missing {
        return Ok(toolchain);
    }
    let (dir, suite_name, gcc) = (dir.clone(), *suite_name, gcc.clone());
    let compiler = compiler.map_or_else(|| "?".to_owned(), |c| c.text);
    let pkgs = root_packages(&gcc);
    if !host::is_root() {
        return Err(ToolchainError::NotRoot {
            release: release.to_owned(),
            compiler,
            host: host.map_or("no gcc".into(), |(c, _)| c),
            suite: suite_name,
        });
    }
    if !host::have("mmdebstrap") {
        return Err(ToolchainError::NoMmdebstrap {
            release: release.to_owned(),
            suite: suite_name,
            gcc,
        });
    }
    let partial = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    if let Some(p) = dir.parent() {
        std::fs::create_dir_all(p).map_err(io(p))?;
    }
    let mut cmd = Command::new("mmdebstrap");
    cmd.args(["--variant=apt", "--mode=root", "--format=directory"])
        .arg(format!("--include={}", pkgs.join(",")))
        .arg(suite_name)
        .arg(&partial)
        .arg(mirror(suite_name));
    progress::run(
        cache,
        &format!(
            "making a {suite_name} root with {gcc} for {} (built by {}; the host has {}) in {}",
            release,
            compiler,
            host.map_or("no gcc".into(), |(c, v)| format!("{c} {}", dotted(v))),
            dir.display()
        ),
        &format!("root-{suite_name}-{gcc}"),
        cmd,
        &dir.with_extension("log"),
    )
    .map_err(|error| ToolchainError::Root {
        error,
        packages: pkgs.clone(),
    })?;
    std::fs::write(partial.join(STAMP), pkgs.join("\n") + "\n").map_err(io(&partial))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&partial, &dir).map_err(io(&dir))?;
    Ok(toolchain)
}

crate::error::io_at!(ToolchainError);

/// The script that enters a root for one command, inside a mount
/// namespace of its own (`unshare -m --propagation private`): its mounts
/// (`/proc`, `/dev`, the bound paths) vanish with the command, however it
/// ends (even killed), and never show on the host. Arguments: the root, the
/// number N of bound paths, the N paths, then the command.
const ENTER_ROOT: &str = r#"set -e
root=$1; n=$2; shift 2
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
while [ "$n" -gt 0 ]; do
    mkdir -p "$root$1"
    mount --bind "$1" "$root$1"
    shift; n=$((n - 1))
done
exec chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LC_ALL=C.UTF-8 "$@"
"#;

impl Toolchain {
    /// Whether `program` is there for the build.
    pub fn has(&self, program: &str) -> bool {
        match self {
            Toolchain::Host { .. } => host::have(program),
            Toolchain::Root { dir, .. } => ["usr/bin", "usr/sbin", "bin", "sbin"]
                .iter()
                .any(|d| dir.join(d).join(program).exists()),
        }
    }

    /// `program` (make) run by this toolchain, with the absolute paths
    /// `binds` (the kernel's tree, the build dir) visible at their own
    /// paths; arguments added to the command go to `program`.
    pub fn command(&self, program: &str, binds: &[&Path]) -> Result<Command, ToolchainError> {
        match self {
            Toolchain::Host { cc } => {
                let mut c = Command::new(program);
                if let Some(cc) = cc {
                    c.arg(format!("CC={cc}"));
                }
                Ok(c)
            }
            Toolchain::Root { dir, .. } => {
                if let Some(b) = binds.iter().find(|b| !b.is_absolute()) {
                    return Err(ToolchainError::RelativeBind {
                        path: b.to_path_buf(),
                    });
                }
                let mut c = Command::new("unshare");
                c.args([
                    "--mount",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    ENTER_ROOT,
                    "sh",
                ])
                .arg(dir)
                .arg(binds.len().to_string())
                .args(binds)
                .arg(program);
                Ok(c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of linux-headers-6.12.118+deb12-cloud-amd64's `.config` and
    /// `.kernelvariables` (bookworm-security).
    const CONFIG_6_12: &str = "\
CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0\"
CONFIG_CC_IS_GCC=y
CONFIG_GCC_VERSION=120200
CONFIG_CLANG_VERSION=0
";
    const KERNELVARIABLES_6_12: &str = "\
override ARCH = x86
override KERNELRELEASE = 6.12.118+deb12-cloud-amd64
CCACHE = ccache
CC = $(if $(DEBIAN_KERNEL_USE_CCACHE),$(CCACHE)) $(CROSS_COMPILE)gcc-12
DEB_BUILD_ARCH ?= $(shell dpkg --print-architecture)
override CROSS_COMPILE = x86_64-linux-gnu-
DEBIAN_KERNEL_NO_CC_VERSION_CHECK = y
";

    #[test]
    fn the_kernels_compiler_from_its_config() {
        let c = parse_compiler(CONFIG_6_12).unwrap();
        assert_eq!(
            c.text,
            "x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"
        );
        assert_eq!(c.gcc_version, Some(120200));
        assert_eq!(c.gcc_major(), Some(12));
        // linux-headers-7.3.4+deb13-cloud-amd64's autoconf.h.
        let h = "#define CONFIG_GCC_VERSION 140200\n\
                 #define CONFIG_CC_VERSION_TEXT \"x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0\"\n";
        assert_eq!(parse_compiler(h).unwrap().gcc_major(), Some(14));
        // linux-headers-5.10.0-46-cloud-amd64's .config.
        let c = parse_compiler(
            "CONFIG_CC_VERSION_TEXT=\"gcc-10 (Debian 10.2.1-6) 10.2.1 20210110\"\n\
             CONFIG_GCC_VERSION=100201\n",
        )
        .unwrap();
        assert_eq!(c.gcc_version, Some(100201));
        assert_eq!(parse_compiler("CONFIG_GCC_VERSION=120200\n"), None);
    }

    #[test]
    fn the_kernels_compiler_command() {
        assert_eq!(
            parse_kernel_cc(KERNELVARIABLES_6_12).as_deref(),
            Some("x86_64-linux-gnu-gcc-12")
        );
        assert_eq!(parse_kernel_cc("ARCH = x86\n"), None);
        // linux-headers-5.10.0-46-cloud-amd64's: native gcc-10.
        let bullseye = "\
override ARCH = x86
override KERNELRELEASE = 5.10.0-46-cloud-amd64
CCACHE = ccache
CC = $(if $(DEBIAN_KERNEL_USE_CCACHE),$(CCACHE)) $(CROSS_COMPILE)gcc-10
ifneq ($(DEB_BUILD_ARCH),$(DEB_HOST_ARCH))
override CROSS_COMPILE = $(DEB_HOST_GNU_TYPE)-
endif
";
        assert_eq!(parse_kernel_cc(bullseye).as_deref(), Some("gcc-10"));
    }

    #[test]
    fn gcc_versions() {
        assert_eq!(parse_gcc_version("12.2.0\n"), Some(120200));
        assert_eq!(dotted(120200), "12.2.0");
        assert_eq!(parse_gcc_version("14"), Some(140000));
        assert_eq!(parse_gcc_version("x"), None);
    }

    #[test]
    fn roots_are_keyed_by_suite_and_packages() {
        let c = Path::new("/c");
        let a = root_dir(c, "trixie", &root_packages("gcc-14"));
        assert!(a.starts_with("/c/roots"));
        assert!(a
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("trixie-"));
        assert_ne!(a, root_dir(c, "trixie", &root_packages("gcc-15")));
        assert_eq!(a, root_dir(c, "trixie", &root_packages("gcc-14")));
    }

    #[test]
    fn a_root_that_needs_root_says_who_built_the_kernel() {
        let e = ToolchainError::NotRoot {
            release: "7.3.4+deb13-cloud-amd64".into(),
            compiler: "gcc-14".into(),
            host: "gcc-12".into(),
            suite: "trixie",
        };
        assert_eq!(
            e.to_string(),
            "7.3.4+deb13-cloud-amd64 was built by gcc-14 (the host has gcc-12): its modules \
             build in a trixie root, which needs root to make (mmdebstrap) and to enter \
             (chroot); run as root"
        );
    }
}
