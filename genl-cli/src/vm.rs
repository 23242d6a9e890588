//! `genl vm ...`: boots Debian's kernels under QEMU with a project's kernel
//! module and runs the project's test programs inside.
//!
//! What a run does is described by a [`Plan`], made from the project's
//! `genl.toml` ([`Plan::new`]) and command-line or environment
//! [`Overrides`]:
//! - [`fetch`]: installs the host tools (qemu, busybox-static, kmod, pahole,
//!   mmdebstrap, ...) and downloads + unpacks (`dpkg -x`, never installs)
//!   Debian's cloud kernels and their headers into the per-user cache,
//!   `<cache>/kernels/<release>/` (see [`cache`]). Each series ([`SERIES`];
//!   `genl vm kernels` lists them) comes from a suite: 5.10 from bullseye,
//!   6.1 and 6.12 from bookworm, `newest` from trixie-backports (whatever
//!   its `linux-image-cloud-amd64` names that day), through genl's own apt
//!   configuration per suite under the cache ([`apt`]; the host's apt
//!   sources are not used or changed). A kernel built by a newer gcc than
//!   the host's gets a root of its suite (mmdebstrap, once, cached) that
//!   its modules build in ([`toolchain`]). Cached: a second run reads the
//!   release it resolved from the suite's lists (refreshed once a day; no
//!   network needed) and takes no measurable time.
//! - [`build`]: `fetch`, then builds the module dir (`[vm] module-dir`)
//!   against each kernel in `<project>/target/genl-vm/build/<release>/` and
//!   checks vermagic.
//! - [`test()`]: `build`, then builds the static guest programs
//!   (`[[vm.guest]]`) and C helpers (`[[vm.helper]]`, into `/usr/bin`),
//!   packs an initramfs per kernel and boots it; the verdict is the guest's
//!   `GENL-VM-RESULT:` line. Console logs go to
//!   `<project>/target/genl-vm/logs/<release>.log`.
//! - [`shell`]: like `test`, but gives an interactive busybox shell in the
//!   guest (modules loaded, test programs in `/tests`) instead of running the
//!   tests.
//! - [`boot_program`] (for `genl fuzz`): one boot of a kernel with given
//!   modules (e.g. built with KCOV instrumentation, [`kmod::build_with`])
//!   running one host program, dynamically linked or not
//!   ([`executable_entries`]), with every console line handed to a callback
//!   as it arrives.
//! - [`Plan::module_rev`] (`--module-rev REF`): the module dir as committed
//!   at git revision REF is built too and its modules go into the guest,
//!   not loaded, under [`MODULE_REV_DIR`], for mixed-version tests.
//! - [`list_kernels`] (`genl vm kernels`): what each series resolves to,
//!   what of it is cached and what builds its modules.
//!
//! Per-kernel differences come from probing the kernel's files, not from
//! its version: the headers' `.config`/`.kernelvariables` (compiler),
//! the headers' Makefile (absolute `/usr/src` paths), merged-/usr packages
//! (`usr/lib/modules/<release>/vmlinuz`: trixie on), the image package's
//! dependencies (7.x splits it into `linux-binary-`/`linux-modules-`).
//!
//! The guest (`/init`, a busybox script; see `vm/guest.rs`):
//! - mounts proc, sysfs, devtmpfs, devpts, tmpfs on `/tmp` `/run` `/dev/shm`,
//!   debugfs; brings `lo` up; busybox applets (`unshare -n`, `ip`, `insmod`,
//!   `rmmod`, `modprobe`, ...) are on `PATH`.
//! - loads every `.ko` the module dir built (from `/lib/modules/<release>/extra/`,
//!   dependencies first, kernel modules they need included) with `insmod`;
//!   depmod's indexes are there too, so busybox `modprobe` and the kernel's
//!   family autoload (`MODULE_ALIAS_GENL_FAMILY`) work.
//! - runs each guest program as root in `/root`, stdin `/dev/null`, with
//!   `GENL_VM=1`, `GENL_VM_KERNEL=<release>`, `GENL_VM_MODULE_DIR` (where the
//!   `.ko` files are) and `GENL_VM_MODULES` (their names, space-separated);
//!   output between `GENL-VM-TEST-BEGIN <name>` / `GENL-VM-TEST-END <name> rc=N`.
//! - `rmmod`s the modules still loaded (failure = FAIL), dumps `dmesg` between
//!   `GENL-VM-DMESG-BEGIN`/`-END`, fails on `BUG|WARNING|Oops|refcount|leak|...`
//!   logged after the modules were loaded, prints `GENL-VM-RESULT: PASS` or
//!   `GENL-VM-RESULT: FAIL <reasons>` and powers off. The kernel runs with
//!   `panic_on_warn=1 oops=panic panic=-1`: a WARN ends the boot at once and
//!   the host reports the panic with the WARNING line. The debug kernel
//!   boots with `kasan_multi_shot`: KASAN reports every bad access and does
//!   not panic; the kernel-log check fails the run.
//! - On the host, a program fails the kernel when its output reports
//!   running more tests than passed (libtest's `running N tests` against its
//!   `test result: ... M passed`, also for a libtest-style summary, or a
//!   plain `N passed, M failed` line with M > 0: an ignored test or a
//!   harness that stopped early does not pass), or, with `min-tests = N`,
//!   fewer than N passed tests.

pub mod apt;
mod boot;
mod cpio;
pub mod debug_kernel;
mod guest;
mod helpers;
mod kernel;
mod kernel_list;
pub mod kernels;
pub mod kmod;
mod program;
mod progress;
mod report;
mod rev;
mod steps;
pub mod toolchain;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use boot::{BootError, GuestFailure, NoVerdict, Run, ShortTests};
pub use guest::{
    build_programs as build_guest_programs, executable_entries, ElfError, GuestBin, GuestError,
    ModuleRev, MODULE_REV_DIR, STOPPED_ON_FINDING,
};
pub use kernel::Kernel;
pub use kernel_list::{kernel_infos, list_kernels, KernelInfo, KernelList};
pub use program::{boot_program, ProgramBoot, ProgramBootError};
pub use progress::PreparationError;
pub use report::{KernelFailure, KernelOutcome, PlanError, VmError, VmReport};
pub use rev::RevError;
pub use steps::{build, fetch, shell, test};

use crate::cache;
use crate::host;
use crate::kernel_source::{self, PayloadEntry};
use crate::project::{GuestConfig, HelperConfig, Project};

/// A kernel series the harness boots.
#[derive(Debug)]
pub struct Series {
    /// Short name used on the command line (`--kernels 6.1`).
    pub name: &'static str,
    /// The kernel version every release of the series starts with (`6.12`
    /// for `6.12.117+deb12-cloud-amd64`): the harness checks the release it
    /// fetched and the one the guest booted against it. `None` for a
    /// series that follows Debian's newest kernel (`newest`).
    pub version: Option<&'static str>,
    /// Where its kernels come from.
    pub source: SeriesSource,
    /// Booted only when asked for (`--kernels`, `[vm] kernels`).
    pub opt_in: bool,
}

/// Where the kernels of a [`Series`] come from.
#[derive(Debug)]
pub enum SeriesSource {
    /// A Debian cloud kernel, found through a meta package of `suite` whose
    /// `Depends: linux-image-<release>` names the release.
    Debian {
        /// The meta package.
        meta: &'static str,
        /// The suite, through genl's own apt configuration ([`apt`]).
        suite: &'static apt::Suite,
    },
    /// Linux built from Debian's `linux-source-6.12` with the sanitizers
    /// and fault injection ([`debug_kernel`]), cached per configuration.
    Debug,
}

impl Series {
    /// Whether this is the sanitizer kernel ([`debug_kernel`]): guest
    /// programs see `GENL_VM_DEBUG=1`, boots get more memory and time, and
    /// kmemleak is scanned after `rmmod`.
    pub fn is_debug(&self) -> bool {
        matches!(self.source, SeriesSource::Debug)
    }

    /// How many times the plan's timeout a boot of this series may take.
    pub fn timeout_factor(&self) -> u64 {
        if self.is_debug() {
            3
        } else {
            1
        }
    }

    /// The Debian suite its kernels come from (`None`: built here).
    pub fn suite(&self) -> Option<&'static apt::Suite> {
        match self.source {
            SeriesSource::Debian { suite, .. } => Some(suite),
            SeriesSource::Debug => None,
        }
    }
}

/// The kernels the harness knows, in boot order.
pub const SERIES: &[Series] = &[
    Series {
        name: "5.10",
        version: Some("5.10"),
        source: SeriesSource::Debian {
            meta: "linux-image-cloud-amd64",
            suite: &apt::BULLSEYE,
        },
        opt_in: false,
    },
    Series {
        name: "6.1",
        version: Some("6.1"),
        source: SeriesSource::Debian {
            meta: "linux-image-cloud-amd64",
            suite: &apt::BOOKWORM,
        },
        opt_in: false,
    },
    Series {
        name: "6.12",
        version: Some("6.12"),
        source: SeriesSource::Debian {
            meta: "linux-image-6.12-cloud-amd64",
            suite: &apt::BOOKWORM,
        },
        opt_in: false,
    },
    Series {
        name: "newest",
        version: None,
        source: SeriesSource::Debian {
            meta: "linux-image-cloud-amd64",
            suite: &apt::TRIXIE_BACKPORTS,
        },
        opt_in: false,
    },
    Series {
        name: "6.12-debug",
        version: Some("6.12"),
        source: SeriesSource::Debug,
        opt_in: true,
    },
];

/// The series booted when neither the command line nor genl.toml names
/// any: every series that is not opt-in (Debian's 5.10, 6.1, 6.12 and
/// newest).
pub fn default_series() -> Vec<&'static Series> {
    SERIES.iter().filter(|s| !s.opt_in).collect()
}

/// The kernels whose guests get python and the kernel's YNL CLI (guest
/// programs with `ynl = true` run only there); the tools come from Linux
/// 6.12's sources.
pub const YNL_KERNELS: &[&str] = &["6.12"];

/// The default bound of one boot, in seconds.
pub const DEFAULT_TIMEOUT: u64 = 300;

/// Host packages the harness needs (installed with `apt-get`, no recommends).
pub const HOST_PACKAGES: &[&str] = &[
    "qemu-system-x86",
    "busybox-static",
    "kmod",
    "make",
    "bc",
    "gcc-12",
    "libc6-dev",
    "binutils",
    "pahole",
    "libelf1",
    "xz-utils",
    // Toolchain roots for kernels built by a newer compiler than the host's.
    "mmdebstrap",
    "debian-archive-keyring",
];

/// The guest programs of a run.
#[derive(Clone, Debug)]
pub enum Guests {
    /// Cargo targets of the project's workspace, built by the run.
    Build(Vec<GuestConfig>),
    /// Prebuilt static programs (`--guest-bin`), run instead.
    Prebuilt(Vec<GuestBin>),
}

/// Everything a `vm` run needs to know.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The project directory (cargo runs there to build guest programs).
    pub project_root: PathBuf,
    /// Build products: `<project>/target/genl-vm`.
    pub work_dir: PathBuf,
    /// The per-user cache (downloaded kernels).
    pub cache_dir: PathBuf,
    /// The Kbuild directory built against each kernel.
    pub module_dir: PathBuf,
    /// The kernels, in boot order.
    pub kernels: Vec<&'static Series>,
    /// The programs the guest runs.
    pub guests: Guests,
    /// C helpers for the guest's `/usr/bin`.
    pub helpers: Vec<HelperConfig>,
    /// The family's YNL spec, for guests with `ynl = true` (`/ynl/<name>`).
    pub ynl_spec: Option<PathBuf>,
    /// Seconds one boot may take.
    pub timeout: u64,
    /// Stream the guest console.
    pub verbose: bool,
    /// A git revision whose module dir is built too and put in the guest,
    /// not loaded, under [`MODULE_REV_DIR`] (`--module-rev`).
    pub module_rev: Option<String>,
}

/// What the command line or the environment says instead of genl.toml.
/// Relative paths are taken against the project directory (the `genl`
/// command makes its own arguments absolute against the current directory
/// first).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Kernel series names (`6.1`, `6.12`).
    pub kernels: Option<Vec<String>>,
    /// The module source dir.
    pub module_dir: Option<PathBuf>,
    /// Prebuilt guest programs, each `PATH ARGS...` (whitespace-separated,
    /// no quoting).
    pub guest_bins: Option<Vec<String>>,
    /// Seconds per boot.
    pub timeout: Option<u64>,
    /// Stream the guest console.
    pub verbose: bool,
    /// A second revision of the module dir (a git commit, tag or branch).
    pub module_rev: Option<String>,
}

/// The environment variables [`Overrides::from_env`] reads (for `--help`).
pub const ENV_HELP: &str =
    "environment (the command line wins over it, it wins over genl.toml):\n  \
GENL_VM_KERNELS=6.1,newest    kernels to boot\n  \
GENL_VM_MODULE_DIR=DIR        module sources (relative: to the project)\n  \
GENL_VM_GUEST_BINS='a x;b y'  prebuilt guest programs, `;`-separated\n  \
GENL_VM_TIMEOUT=SECS          per boot\n  \
GENL_VM_MODULE_REV=REF        also build the module dir at git REF, for the guest\n  \
GENL_VM_VERBOSE=1             stream the guest console\n  \
GENL_VM_JOBS=N                kernels booted at once (default: one per 2 CPUs; 1 with verbose)\n  \
GENL_CACHE_DIR=DIR            the download cache (default $XDG_CACHE_HOME/genl or ~/.cache/genl)";

/// The after-help of `genl vm kernels`.
pub const KERNELS_HELP: &str = "\
Each series prints: NAME  RELEASE  default|opt-in  SOURCE, then whether it is
cached (and its size), the compiler that built it and what builds modules for
it. `newest` follows Debian's trixie-backports: its release moves on when the
suite's package lists (refreshed by a fetch once a day) name a newer kernel.
Choose series with `--kernels` or genl.toml's [vm] kernels.

environment:
  GENL_CACHE_DIR=DIR  the cache (default $XDG_CACHE_HOME/genl or ~/.cache/genl)";

impl Overrides {
    /// Reads `GENL_VM_KERNELS` (comma-separated), `GENL_VM_MODULE_DIR`,
    /// `GENL_VM_GUEST_BINS` (`;`-separated), `GENL_VM_TIMEOUT` and
    /// `GENL_VM_VERBOSE=1`; empty variables count as unset.
    pub fn from_env() -> Result<Overrides, PlanError> {
        Overrides::from_vars(|k| std::env::var(k).ok())
    }

    /// [`Overrides::from_env`] over any environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Overrides, PlanError> {
        let env = |k: &str| var(k).filter(|v| !v.is_empty());
        let timeout = match env("GENL_VM_TIMEOUT") {
            Some(t) => Some(
                t.trim()
                    .parse()
                    .map_err(|_| PlanError::Timeout { value: t.clone() })?,
            ),
            None => None,
        };
        Ok(Overrides {
            kernels: env("GENL_VM_KERNELS").map(|v| split_list(&v, ',')),
            module_dir: env("GENL_VM_MODULE_DIR").map(PathBuf::from),
            guest_bins: env("GENL_VM_GUEST_BINS")
                .map(|v| split_list(&v, ';'))
                .filter(|v| !v.is_empty()),
            timeout,
            verbose: env("GENL_VM_VERBOSE").is_some_and(|v| v == "1"),
            module_rev: env("GENL_VM_MODULE_REV"),
        })
    }

    /// `self`, with what it leaves unset taken from `fallback`.
    pub fn or(self, fallback: Overrides) -> Overrides {
        Overrides {
            kernels: self.kernels.or(fallback.kernels),
            module_dir: self.module_dir.or(fallback.module_dir),
            guest_bins: self.guest_bins.or(fallback.guest_bins),
            timeout: self.timeout.or(fallback.timeout),
            verbose: self.verbose || fallback.verbose,
            module_rev: self.module_rev.or(fallback.module_rev),
        }
    }
}

fn split_list(v: &str, sep: char) -> Vec<String> {
    v.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The known series named `names`, or an error naming the unknown one.
pub fn series(names: &[String]) -> Result<Vec<&'static Series>, PlanError> {
    names
        .iter()
        .map(|k| {
            SERIES
                .iter()
                .find(|s| s.name == k)
                .ok_or_else(|| PlanError::UnknownKernel {
                    name: k.clone(),
                    known: SERIES.iter().map(|s| s.name).collect(),
                })
        })
        .collect()
}

impl Plan {
    /// The plan for `project`: its `[vm]` section, then `o` over it.
    pub fn new(project: &Project, o: &Overrides) -> Result<Plan, PlanError> {
        let root = &project.root;
        let abs = |p: PathBuf| if p.is_absolute() { p } else { root.join(p) };
        let vm = project.config.vm.clone().unwrap_or_default();
        let module_dir = match &o.module_dir {
            Some(d) => abs(d.clone()),
            None => project.module_dir()?,
        };
        let kernels = match o.kernels.as_ref().or(vm.kernels.as_ref()) {
            Some(names) if !names.is_empty() => series(names)?,
            _ => default_series(),
        };
        for g in &vm.guest {
            if let Some(ks) = &g.kernels {
                series(ks).map_err(|e| PlanError::GuestKernels {
                    target: g.target().1.to_owned(),
                    error: Box::new(e),
                })?;
            }
        }
        let guests = match &o.guest_bins {
            Some(specs) => Guests::Prebuilt(
                specs
                    .iter()
                    .map(|spec| GuestBin::from_spec(spec, &abs))
                    .collect::<Result<_, _>>()?,
            ),
            None => Guests::Build(vm.guest.clone()),
        };
        let needs_spec = matches!(&guests, Guests::Build(g) if g.iter().any(|g| g.ynl));
        let ynl_spec = if needs_spec {
            Some(project.family_spec().map_err(PlanError::NeedsSpec)?)
        } else {
            project.family_spec().ok()
        };
        Ok(Plan {
            project_root: root.clone(),
            work_dir: cache::project_work_dir(root),
            cache_dir: cache::cache_dir()?,
            module_dir,
            kernels,
            guests,
            helpers: vm.helper,
            ynl_spec,
            timeout: o.timeout.or(vm.timeout).unwrap_or(DEFAULT_TIMEOUT),
            verbose: o.verbose,
            module_rev: o.module_rev.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_kernels_are_the_ones_the_modules_build_on_today() {
        let names: Vec<&str> = default_series().iter().map(|s| s.name).collect();
        assert_eq!(names, ["5.10", "6.1", "6.12", "newest"]);
    }
}
