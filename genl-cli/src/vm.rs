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
pub mod kernels;
pub mod kmod;
mod program;
mod progress;
mod rev;
pub mod toolchain;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use boot::Run;
pub use guest::{
    build_programs as build_guest_programs, executable_entries, GuestBin, ModuleRev, MODULE_REV_DIR,
};
pub use kernels::Kernel;
pub use program::{boot_program, ProgramBoot};

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
    pub fn from_env() -> Result<Overrides, String> {
        Overrides::from_vars(|k| std::env::var(k).ok())
    }

    /// [`Overrides::from_env`] over any environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Overrides, String> {
        let env = |k: &str| var(k).filter(|v| !v.is_empty());
        let timeout = match env("GENL_VM_TIMEOUT") {
            Some(t) => Some(
                t.trim()
                    .parse()
                    .map_err(|_| format!("GENL_VM_TIMEOUT: not a number of seconds: {t:?}"))?,
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
pub fn series(names: &[String]) -> Result<Vec<&'static Series>, String> {
    names
        .iter()
        .map(|k| {
            SERIES.iter().find(|s| s.name == k).ok_or_else(|| {
                let known: Vec<_> = SERIES.iter().map(|s| s.name).collect();
                format!("unknown kernel {k:?}; known: {}", known.join(", "))
            })
        })
        .collect()
}

impl Plan {
    /// The plan for `project`: its `[vm]` section, then `o` over it.
    pub fn new(project: &Project, o: &Overrides) -> Result<Plan, String> {
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
                series(ks).map_err(|e| format!("[[vm.guest]] `{}`: kernels: {e}", g.target().1))?;
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
            Some(project.family_spec().map_err(|e| {
                format!("a [[vm.guest]] with ynl = true needs the family's YNL spec: {e}")
            })?)
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

/// Installs the host tools and fetches the plan's kernels into the cache
/// (under the cache lock), printing what it did.
pub fn fetch(plan: &Plan) -> Result<Vec<Kernel>, String> {
    Ok(fetch_timed(plan)?.into_iter().map(|(k, _)| k).collect())
}

fn fetch_timed(plan: &Plan) -> Result<Vec<(Kernel, Duration)>, String> {
    host::apt_install(HOST_PACKAGES)?;
    let _lock = cache::lock_cache(&plan.cache_dir)?;
    let mut out = Vec::new();
    for s in &plan.kernels {
        let t = Instant::now();
        let k = kernels::fetch(&plan.cache_dir, s)?;
        let d = t.elapsed();
        println!(
            "vm: kernel {} = {} ({}, {:.1}s; modules built by {})",
            s.name,
            k.release,
            match (k.cached, s.is_debug()) {
                (true, _) => "cached",
                (false, false) => "downloaded",
                (false, true) => "built",
            },
            d.as_secs_f64(),
            k.toolchain
        );
        out.push((k, d));
    }
    Ok(out)
}

/// What `genl vm kernels` says of one series.
#[derive(Debug)]
pub struct KernelInfo {
    /// The series.
    pub series: &'static Series,
    /// The release it resolves to now (from the suite's lists as they are,
    /// else the newest cached one), if known.
    pub release: Option<String>,
    /// Whether that release is unpacked (or built) in the cache.
    pub cached: bool,
    /// Its size on disk in bytes, when cached.
    pub size: Option<u64>,
    /// The compiler the kernel was built with, when cached.
    pub compiler: Option<String>,
    /// What builds its modules (when cached), and whether it is still to
    /// be made (a toolchain root).
    pub toolchain: Option<(toolchain::Toolchain, bool)>,
    /// The toolchain root's size on disk in bytes, when there is one.
    pub toolchain_size: Option<u64>,
}

/// The bytes a directory tree takes on disk (symbolic links not followed).
fn disk_usage(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    let own = m.blocks() * 512;
    if !m.is_dir() {
        return own;
    }
    own + std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| disk_usage(&e.path()))
                .sum::<u64>()
        })
        .unwrap_or(0)
}

/// What every known series resolves to and what of it is cached, without
/// the network or the cache lock.
pub fn kernel_infos(cache_dir: &Path) -> Vec<KernelInfo> {
    SERIES
        .iter()
        .map(|s| {
            let (release, root) = match s.source {
                SeriesSource::Debian { .. } => {
                    let r = kernels::known_release(cache_dir, s);
                    let root = r.as_ref().map(|r| cache::kernels_dir(cache_dir).join(r));
                    (r, root)
                }
                SeriesSource::Debug => match debug_kernel::cached(cache_dir, s) {
                    Some(k) => (Some(k.release), Some(k.root)),
                    None => (None, None),
                },
            };
            let root = root.filter(|r| kernels::is_complete(r));
            let mut info = KernelInfo {
                series: s,
                release: release.clone(),
                cached: root.is_some(),
                size: root.as_deref().map(disk_usage),
                compiler: None,
                toolchain: None,
                toolchain_size: None,
            };
            if let (Some(root), Some(release)) = (root, release) {
                let k = Kernel {
                    series: s.name,
                    release,
                    root,
                    cached: true,
                    toolchain: toolchain::Toolchain::Host { cc: None },
                };
                info.compiler = toolchain::kernel_compiler(&k.headers()).map(|c| c.text);
                info.toolchain = Some(match s.suite() {
                    Some(suite) => {
                        let d = toolchain::decide(cache_dir, suite, &k);
                        if let toolchain::Toolchain::Root { dir, .. } = &d.toolchain {
                            info.toolchain_size = (!d.missing).then(|| disk_usage(dir));
                        }
                        (d.toolchain, d.missing)
                    }
                    None => (k.toolchain, false),
                });
            }
            info
        })
        .collect()
}

/// `genl vm kernels`: prints [`kernel_infos`].
pub fn list_kernels(cache_dir: &Path) -> Result<(), String> {
    let mb = |b: u64| format!("{:.0} MB", b as f64 / 1e6);
    println!("kernel series (cache: {}):", cache_dir.display());
    for i in kernel_infos(cache_dir) {
        let s = i.series;
        let source = match s.suite() {
            Some(suite) => format!("Debian {}", suite.name),
            None => "built here from Debian's linux-source-6.12".to_owned(),
        };
        println!(
            "{:<11} {:<28} {:<9} {}",
            s.name,
            i.release.as_deref().unwrap_or("(not resolved yet)"),
            if s.opt_in { "opt-in" } else { "default" },
            source
        );
        println!(
            "{:<11} cached: {}",
            "",
            match i.size {
                Some(b) => format!("yes, {}", mb(b)),
                None => "no (`genl vm fetch --kernels NAME`)".to_owned(),
            }
        );
        if let Some(c) = &i.compiler {
            println!("{:<11} built by: {c}", "");
        }
        if let Some((tc, missing)) = &i.toolchain {
            let state = match (missing, i.toolchain_size) {
                (true, _) => " (to be made by the next fetch)".to_owned(),
                (false, Some(b)) => format!(" ({}, {})", mb(b), tc_dir(tc)),
                (false, None) => String::new(),
            };
            println!("{:<11} modules built by: {tc}{state}", "");
        }
    }
    Ok(())
}

fn tc_dir(tc: &toolchain::Toolchain) -> String {
    match tc {
        toolchain::Toolchain::Root { dir, .. } => dir.display().to_string(),
        toolchain::Toolchain::Host { .. } => String::new(),
    }
}

fn check_module_dir(dir: &Path) -> Result<(), String> {
    if !dir.join("Kbuild").is_file() && !dir.join("Makefile").is_file() {
        return Err(format!(
            "module source dir {} has no Kbuild or Makefile (not written yet?); \
             set [vm] module-dir in genl.toml or pass --module-dir DIR",
            dir.display()
        ));
    }
    Ok(())
}

/// `fetch`, then builds the module dir against each kernel.
pub fn build(plan: &Plan) -> Result<(), String> {
    let _lock = cache::lock_project(&plan.work_dir)?;
    check_module_dir(&plan.module_dir)?;
    for (k, _) in fetch_timed(plan)? {
        let t = Instant::now();
        let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k)?;
        println!(
            "vm: {}: built in {:.1}s: {}",
            k.release,
            t.elapsed().as_secs_f64(),
            kos.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

/// The guest programs for this run: the prebuilt ones, checked, or the
/// `[[vm.guest]]` ones, built.
fn guest_bins(plan: &Plan) -> Result<Vec<GuestBin>, String> {
    match &plan.guests {
        Guests::Prebuilt(b) => {
            for g in b {
                guest::check_static(&g.path)?;
            }
            Ok(b.clone())
        }
        Guests::Build(g) => guest::build_programs(&plan.project_root, &plan.work_dir, g),
    }
}

/// The guest programs for kernel `series` and the extra files they need
/// (python and the kernel's YNL CLI for `ynl` programs; the helpers, built,
/// as `helpers`).
fn guest_payload(
    plan: &Plan,
    series: &str,
    bins: &[GuestBin],
    helpers: &[(String, Vec<u8>)],
) -> Result<(Vec<GuestBin>, Vec<PayloadEntry>), String> {
    let ynl_here = YNL_KERNELS.contains(&series);
    let bins: Vec<GuestBin> = bins
        .iter()
        .filter(|b| !b.ynl || ynl_here)
        .filter(|b| {
            b.kernels
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| k == series))
        })
        .cloned()
        .collect();
    let mut extra = if bins.iter().any(|b| b.ynl) {
        let t = Instant::now();
        let p = kernel_source::guest_payload(
            &plan.work_dir.join("guest-pyc"),
            plan.ynl_spec.as_deref(),
        )?;
        let size: usize = p
            .iter()
            .map(|e| match e {
                PayloadEntry::File(_, d, _) => d.len(),
                _ => 0,
            })
            .sum();
        println!(
            "vm: {series}: python + ynl cli.py payload: {} entries, {:.1} MB, in {:.1}s",
            p.len(),
            size as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        p
    } else {
        Vec::new()
    };
    extra.extend(
        helpers
            .iter()
            .map(|(p, d)| PayloadEntry::File(p.clone(), d.clone(), 0o755)),
    );
    Ok((bins, extra))
}

/// Fails unless every program's tests all passed: each that reports the
/// tests it runs reported as many passed, and each with a `min-tests` at
/// least that many, in the console `log` (programs in run order).
fn check_test_counts(bins: &[GuestBin], log: &str) -> Result<(), String> {
    let sections = boot::program_sections(log);
    let mut short = Vec::new();
    for (i, b) in bins.iter().enumerate() {
        let counts = sections
            .get(i)
            .filter(|(name, _)| *name == b.name)
            .map(|(_, text)| boot::test_counts(text))
            .unwrap_or_default();
        let passed = counts.passed;
        if let Some(running) = counts.running.filter(|&r| r > passed) {
            short.push(format!(
                "{} reported running {running} test(s), {passed} passed",
                b.name
            ));
        } else if let Some(min) = b.min_tests.filter(|&m| passed < m) {
            short.push(format!(
                "{} reported {passed} passed test(s), min-tests is {min}",
                b.name
            ));
        }
    }
    if short.is_empty() {
        Ok(())
    } else {
        Err(short.join("; "))
    }
}

/// The series a fetched kernel belongs to.
fn series_of(k: &Kernel) -> &'static Series {
    SERIES
        .iter()
        .find(|s| s.name == k.series)
        .expect("kernels are fetched for known series")
}

/// One kernel's outcome.
struct Outcome {
    series: &'static str,
    release: String,
    fetch: Duration,
    build: Duration,
    boot: Option<Duration>,
    results: Vec<String>,
    verdict: Result<(), String>,
}

/// `build`, then boots each kernel with the modules and the guest programs;
/// prints a PASS/FAIL line per kernel and a summary. An error names the
/// kernels that failed.
pub fn test(plan: &Plan) -> Result<(), String> {
    let _lock = cache::lock_project(&plan.work_dir)?;
    check_module_dir(&plan.module_dir)?;
    let kernels = fetch_timed(plan)?;
    let rev = plan
        .module_rev
        .as_deref()
        .map(|r| rev::checkout(&plan.work_dir, &plan.module_dir, r))
        .transpose()?;
    // Module builds first: they are quick and tell something even when the
    // guest programs do not build.
    let mut built = Vec::new();
    for (k, fetch_time) in kernels {
        let t = Instant::now();
        let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k).and_then(|kos| {
            let Some(rev) = &rev else {
                return Ok((kos, None));
            };
            let rev_kos = rev
                .build(&k)
                .map_err(|e| format!("module dir at {}: {e}", rev.commit))?;
            Ok((
                kos,
                Some(guest::ModuleRev {
                    commit: rev.commit.clone(),
                    kos: rev_kos,
                }),
            ))
        });
        built.push((k, fetch_time, t.elapsed(), kos));
    }
    let t = Instant::now();
    let bins = guest_bins(plan)?;
    let helpers = helpers::build(&plan.work_dir, &plan.helpers)?;
    println!(
        "vm: guest programs ready in {:.1}s: {} (helpers in /usr/bin: {})",
        t.elapsed().as_secs_f64(),
        bins.iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        plan.helpers
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut outcomes = Vec::new();
    for (k, fetch_time, build_time, kos) in built {
        let mut o = Outcome {
            series: k.series,
            release: k.release.clone(),
            fetch: fetch_time,
            build: build_time,
            boot: None,
            results: Vec::new(),
            verdict: Ok(()),
        };
        match kos {
            Err(e) => o.verdict = Err(format!("module build failed: {e}")),
            Ok((kos, module_rev)) => {
                let s = series_of(&k);
                let run =
                    guest_payload(plan, k.series, &bins, &helpers).and_then(|(bins, extra)| {
                        let init = guest::InitOptions {
                            token: guest::random_token()?,
                            series: k.series.to_owned(),
                            debug: s.is_debug(),
                            module_rev: module_rev.clone(),
                        };
                        let initrd =
                            guest::initramfs(&plan.work_dir, &k, &kos, &bins, &extra, &init)?;
                        let boot = || {
                            boot::boot(
                                &plan.work_dir,
                                &k,
                                &initrd,
                                &boot::BootOptions {
                                    timeout: plan.timeout * s.timeout_factor(),
                                    verbose: plan.verbose,
                                    interactive: false,
                                    debug: s.is_debug(),
                                    token: &init.token,
                                    on_line: None,
                                    keep_going: false,
                                },
                            )
                        };
                        let mut r = boot()?;
                        if r.died_before_init() {
                            let why = r.verdict().err().unwrap_or_default();
                            println!(
                                "vm: {}: !!! the kernel panicked while booting, before the \
                                 guest's init ran ({why}); booting once more",
                                k.release
                            );
                            r = boot()?;
                            r.test_results.insert(
                                0,
                                format!("note: the first boot panicked before init: {why}"),
                            );
                        }
                        Ok((bins, r))
                    });
                match run {
                    Err(e) => o.verdict = Err(e),
                    Ok((bins, r)) => {
                        o.boot = r.to_result;
                        o.results = r.test_results.clone();
                        // Both the guest's reasons and short test counts.
                        let errors: Vec<String> = [
                            r.verdict(),
                            r.check_release(&k.release),
                            check_test_counts(&bins, &r.log),
                        ]
                        .into_iter()
                        .filter_map(Result::err)
                        .collect();
                        o.verdict = if errors.is_empty() {
                            Ok(())
                        } else {
                            Err(errors.join("; "))
                        };
                        if o.verdict.is_err() {
                            r.print_failure();
                        }
                    }
                }
            }
        }
        println!(
            "vm: {} ({}): {}",
            o.series,
            o.release,
            match &o.verdict {
                Ok(()) => "PASS".to_owned(),
                Err(e) => format!("FAIL: {e}"),
            }
        );
        outcomes.push(o);
    }
    println!("\n==================== VM summary ====================");
    for o in &outcomes {
        println!(
            "{:>4}  {} ({})  fetch {:.1}s, module build {:.1}s, boot-to-result {}",
            if o.verdict.is_ok() { "PASS" } else { "FAIL" },
            o.series,
            o.release,
            o.fetch.as_secs_f64(),
            o.build.as_secs_f64(),
            o.boot
                .map(|d| format!("{:.1}s", d.as_secs_f64()))
                .unwrap_or_else(|| "-".into()),
        );
        for r in &o.results {
            println!("        {r}");
        }
        if let Err(e) = &o.verdict {
            println!("        {e}");
        }
    }
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| o.verdict.is_err())
        .map(|o| o.series)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "VM suites failed on kernel(s) {}",
            failed.join(", ")
        ))
    }
}

/// `build` for the first kernel of the plan, then boots it into an
/// interactive busybox shell (modules loaded, guest programs in `/tests`).
pub fn shell(plan: &Plan) -> Result<(), String> {
    let _lock = cache::lock_project(&plan.work_dir)?;
    check_module_dir(&plan.module_dir)?;
    let first = Plan {
        kernels: plan.kernels.iter().take(1).copied().collect(),
        ..plan.clone()
    };
    let (k, _) = fetch_timed(&first)?
        .into_iter()
        .next()
        .ok_or("no kernel selected")?;
    let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k)?;
    // The default guest tests may not exist yet: a shell is still useful.
    let bins = guest_bins(plan).unwrap_or_else(|e| {
        eprintln!("vm: no guest programs in the shell: {e}");
        Vec::new()
    });
    let helpers = helpers::build(&plan.work_dir, &plan.helpers)?;
    let (bins, extra) = guest_payload(plan, k.series, &bins, &helpers)?;
    let debug = series_of(&k).is_debug();
    let module_rev = match plan.module_rev.as_deref() {
        Some(r) => {
            let rev = rev::checkout(&plan.work_dir, &plan.module_dir, r)?;
            Some(guest::ModuleRev {
                kos: rev.build(&k)?,
                commit: rev.commit,
            })
        }
        None => None,
    };
    let init = guest::InitOptions {
        token: guest::random_token()?,
        series: k.series.to_owned(),
        debug,
        module_rev,
    };
    let initrd = guest::initramfs(&plan.work_dir, &k, &kos, &bins, &extra, &init)?;
    println!(
        "vm: booting {} into a shell; `exit` (or Ctrl-A x) leaves",
        k.release
    );
    boot::boot(
        &plan.work_dir,
        &k,
        &initrd,
        &boot::BootOptions {
            timeout: 0,
            verbose: true,
            interactive: true,
            debug,
            token: &init.token,
            on_line: None,
            keep_going: false,
        },
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(name: &str, min_tests: Option<u64>) -> GuestBin {
        GuestBin {
            name: name.into(),
            path: PathBuf::from(format!("/tests/{name}")),
            args: Vec::new(),
            ynl: false,
            min_tests,
            kernels: None,
        }
    }

    const LOG: &str = "\
GENL-VM: kernel 6.1.0-56-cloud-amd64, 2 cpus
GENL-VM-TEST-BEGIN vm_e2e
running 3 tests
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out
GENL-VM-TEST-END vm_e2e rc=0
GENL-VM-TEST-BEGIN demo-client
hello
GENL-VM-TEST-END demo-client rc=0
";

    #[test]
    fn an_empty_cache_lists_every_series_unresolved_and_uncached() {
        let dir = std::env::temp_dir().join(format!("genl-vm-kernels-{}", std::process::id()));
        let infos = kernel_infos(&dir);
        let names: Vec<&str> = infos.iter().map(|i| i.series.name).collect();
        assert_eq!(names, ["5.10", "6.1", "6.12", "newest", "6.12-debug"]);
        assert!(infos
            .iter()
            .all(|i| i.release.is_none() && !i.cached && i.toolchain.is_none()));
        // Nothing was written: listing never touches the cache.
        assert!(!dir.exists());
    }

    #[test]
    fn the_default_kernels_are_the_ones_the_modules_build_on_today() {
        let names: Vec<&str> = default_series().iter().map(|s| s.name).collect();
        assert_eq!(names, ["5.10", "6.1", "6.12", "newest"]);
    }

    #[test]
    fn a_program_short_of_its_min_tests_fails_the_kernel() {
        let ok = [bin("vm_e2e", Some(3)), bin("demo-client", None)];
        assert_eq!(check_test_counts(&ok, LOG), Ok(()));
        let short = [bin("vm_e2e", Some(4)), bin("demo-client", None)];
        let e = check_test_counts(&short, LOG).unwrap_err();
        assert!(
            e.contains("vm_e2e reported 3 passed test(s), min-tests is 4"),
            "{e}"
        );
        // A program that printed nothing (or ran out of order) passed none.
        let missing = [bin("vm_e2e", Some(1)), bin("vm_fuzz", Some(1))];
        let e = check_test_counts(&missing, LOG).unwrap_err();
        assert!(e.contains("vm_fuzz reported 0 passed"), "{e}");
    }

    #[test]
    fn a_program_whose_tests_did_not_all_pass_fails_the_kernel_without_min_tests() {
        // As the scaffold's selftest prints, exiting 0 after one check
        // went missing (9 announced, 8 passed).
        let log = "\
GENL-VM-TEST-BEGIN counter-selftest
running 9 tests
test result: ok. 8 passed; 0 failed
GENL-VM-TEST-END counter-selftest rc=0
GENL-VM-TEST-BEGIN vm_e2e
running 4 tests
test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out
GENL-VM-TEST-END vm_e2e rc=0
";
        let bins = [bin("counter-selftest", None), bin("vm_e2e", Some(1))];
        let e = check_test_counts(&bins, log).unwrap_err();
        assert_eq!(
            e,
            "counter-selftest reported running 9 test(s), 8 passed; \
             vm_e2e reported running 4 test(s), 3 passed"
        );
        let all = log.replace("8 passed", "9 passed").replace(
            "3 passed; 0 failed; 1 ignored",
            "4 passed; 0 failed; 0 ignored",
        );
        assert_eq!(check_test_counts(&bins, &all), Ok(()));
        // The floor still holds when every test passed.
        let floor = [bin("counter-selftest", Some(10)), bin("vm_e2e", None)];
        let e = check_test_counts(&floor, &all).unwrap_err();
        assert_eq!(
            e,
            "counter-selftest reported 9 passed test(s), min-tests is 10"
        );
    }
}
