//! A debug kernel: Linux 6.12 from Debian's `linux-source-6.12`, configured
//! from `tinyconfig` plus [`CONFIG_FRAGMENT`] (KASAN, kmemleak, lockdep,
//! UBSAN, debug objects, fault injection, KCOV for the modules built with
//! it), built once per fragment into the per-user cache.
//!
//! Layout, like an unpacked Debian kernel (so module builds and the
//! initramfs treat it alike): `<cache>/kernels/debug-<key>/` holds
//! `boot/vmlinuz-<release>`, `lib/modules/<release>/` (`modules_install`)
//! and `usr/src/linux-source/`, the whole built tree, linked as
//! `usr/src/linux-headers-<release>` (modules build against it with
//! `make -C <tree> M=...`). `<key>` is a hash of the
//! fragment and of [`RECIPE`] (the build steps): the kernel is rebuilt only
//! when one of them changes, never because Debian's package moved on (the
//! source version used is recorded in the stamp file). The release is
//! `6.12.<N>-genl-debug`.
//!
//! Measured on 2 cores: ≈ 5–10 min for `bzImage` and `modules`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use super::kernel::Kernel;
use super::progress;
use super::Series;
use crate::cache;
use crate::host::{self, HostError};
use crate::kernel_source::{self, SourceError};

/// Why the debug kernel could not be built. `Display` is the message
/// `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum DebugKernelError {
    /// The build's host packages could not be installed, or a host
    /// program failed (`dpkg-deb`).
    Host(HostError),
    /// Debian's `linux-source-6.12` could not be fetched or unpacked.
    Source(SourceError),
    /// A step of the build could not be started.
    Spawn {
        /// The step (`make tinyconfig`).
        what: String,
        /// What the system said.
        error: io::Error,
    },
    /// A step of the build failed (the end of its log was shown).
    Step {
        /// The step (`make tinyconfig`).
        what: String,
        /// How it ended.
        status: ExitStatus,
        /// The build's log.
        log: PathBuf,
    },
    /// `make olddefconfig` dropped or changed lines of
    /// [`CONFIG_FRAGMENT`].
    ConfigLost {
        /// What it did, line by line.
        mismatches: Vec<String>,
    },
    /// The kernel built as another release than the series'.
    WrongRelease {
        /// The release built.
        release: String,
        /// The series' version (`6.12`).
        version: &'static str,
    },
    /// A file or directory of the build could not be read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for DebugKernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DebugKernelError::Host(e) => e.fmt(f),
            DebugKernelError::Source(e) => e.fmt(f),
            DebugKernelError::Spawn { what, error } => write!(f, "{what}: {error}"),
            DebugKernelError::Step { what, status, log } => {
                write!(f, "{what} failed ({status}); log: {}", log.display())
            }
            DebugKernelError::ConfigLost { mismatches } => write!(
                f,
                "the debug kernel's configuration lost part of its fragment: {}",
                mismatches.join("; ")
            ),
            DebugKernelError::WrongRelease { release, version } => write!(
                f,
                "the debug kernel built as {release:?}, not {version}.*{RELEASE_SUFFIX}"
            ),
            DebugKernelError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for DebugKernelError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DebugKernelError::Host(e) => Some(e),
            DebugKernelError::Source(e) => Some(e),
            DebugKernelError::Spawn { error, .. } | DebugKernelError::Io { error, .. } => {
                Some(error)
            }
            _ => None,
        }
    }
}

crate::error::wrap_errors!(DebugKernelError { Host(HostError), Source(SourceError) });

crate::error::io_at!(DebugKernelError);

/// The configuration on top of `make tinyconfig` (merged with the kernel's
/// `scripts/kconfig/merge_config.sh`, then `make olddefconfig`). Every
/// `=y` line must survive the merge (checked after `olddefconfig`).
///
/// - boot: serial console, initramfs, devtmpfs, proc, sysfs, ELF;
/// - what the guest programs use: futex, epoll, eventfd, timerfd, signalfd,
///   shmem/tmpfs, POSIX timers, Unix and INET sockets, network and user
///   namespaces, debugfs;
/// - the sanitizers: KASAN (generic, inline), kmemleak, lockdep
///   (`PROVE_LOCKING`, which brings `PROVE_RCU`), sleeping in atomic context,
///   debug objects for work items and timers, list debugging, UBSAN;
/// - fault injection: failslab, fail_page_alloc, their debugfs controls
///   (and `/proc/<pid>/fail-nth`);
/// - coverage for `genl fuzz`: KCOV (`/sys/kernel/debug/kcov`), with
///   comparison operands (`KCOV_TRACE_CMP`, gcc's `trace-cmp`). Not
///   `KCOV_INSTRUMENT_ALL`: the kernel itself is not instrumented, only
///   modules built with `KCOV_INSTRUMENT=y` ([`super::kmod::BuildOptions`]),
///   so what a task records is the module's own coverage. (6.12 needs
///   `ARCH_HAS_KCOV`, x86-64's, and gcc's `-fsanitize-coverage=trace-pc`,
///   `CC_HAS_SANCOV_TRACE_PC`, which gcc 12 has: no gcc plugin; it selects
///   `OBJTOOL` and `DEBUG_FS`.)
///
/// `SLUB_TINY` (set by tinyconfig) silently disables KASAN: it is unset.
/// tinyconfig also unsets `BUG`, which turns every `WARN` (and with it
/// `panic_on_warn`, and list debugging's corruption reports) into nothing:
/// it is set, with `DEBUG_BUGVERBOSE` for the file and line of a report.
pub const CONFIG_FRAGMENT: &str = "\
CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_PRINTK=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_EVENTFD=y
CONFIG_TIMERFD=y
CONFIG_SIGNALFD=y
CONFIG_SHMEM=y
CONFIG_TMPFS=y
CONFIG_POSIX_TIMERS=y
CONFIG_HIGH_RES_TIMERS=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_NAMESPACES=y
CONFIG_NET_NS=y
CONFIG_USER_NS=y
CONFIG_KALLSYMS=y
CONFIG_STACKTRACE=y
CONFIG_DEBUG_FS=y
CONFIG_DEBUG_KERNEL=y
CONFIG_BUG=y
CONFIG_DEBUG_BUGVERBOSE=y
CONFIG_SLUB=y
# CONFIG_SLUB_TINY is not set
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_WORK=y
CONFIG_DEBUG_OBJECTS_TIMERS=y
CONFIG_DEBUG_LIST=y
CONFIG_UBSAN=y
CONFIG_FAULT_INJECTION=y
CONFIG_FAILSLAB=y
CONFIG_FAIL_PAGE_ALLOC=y
CONFIG_FAULT_INJECTION_DEBUG_FS=y
CONFIG_KCOV=y
CONFIG_KCOV_ENABLE_COMPARISONS=y
# CONFIG_KCOV_INSTRUMENT_ALL is not set
CONFIG_LOCALVERSION=\"-genl-debug\"
# CONFIG_LOCALVERSION_AUTO is not set
";

/// The build steps' version: bump it when [`fetch`] changes what it
/// produces, so that cached kernels are rebuilt.
pub const RECIPE: u32 = 1;

/// The suffix of the debug kernel's release (`6.12.117-genl-debug`).
pub const RELEASE_SUFFIX: &str = "-genl-debug";

/// Marks a complete build (written last).
const STAMP: &str = ".genl-vm-complete";

/// The cache key of the debug kernel: a hash of [`CONFIG_FRAGMENT`] and
/// [`RECIPE`] (16 hex digits).
pub fn key() -> String {
    let text = format!("recipe {RECIPE}\n{CONFIG_FRAGMENT}");
    format!("{:016x}", cache::fnv1a(text.as_bytes()))
}

/// `<cache>/kernels/debug-<key>`.
pub fn root(cache_dir: &Path) -> PathBuf {
    cache::kernels_dir(cache_dir).join(format!("debug-{}", key()))
}

/// The fragment's `CONFIG_X=y` (and `="..."`) lines, which must be in the
/// final `.config`, and its `# CONFIG_X is not set` lines, which must not
/// be set there.
fn wanted_lines() -> (Vec<&'static str>, Vec<&'static str>) {
    let mut set = Vec::new();
    let mut unset = Vec::new();
    for l in CONFIG_FRAGMENT.lines() {
        if let Some(name) = l
            .strip_prefix("# ")
            .and_then(|r| r.strip_suffix(" is not set"))
        {
            unset.push(name);
        } else if l.starts_with("CONFIG_") {
            set.push(l);
        }
    }
    (set, unset)
}

/// What `make olddefconfig` dropped or set against the fragment, by line.
fn config_mismatches(config: &str) -> Vec<String> {
    let (set, unset) = wanted_lines();
    let lines: Vec<&str> = config.lines().collect();
    let mut bad: Vec<String> = set
        .iter()
        .filter(|l| !lines.contains(l))
        .map(|l| format!("{l} (dropped by a dependency)"))
        .collect();
    for name in unset {
        let prefix = format!("{name}=");
        if lines.iter().any(|l| l.starts_with(&prefix)) {
            bad.push(format!("{name} is set, the fragment unsets it"));
        }
    }
    bad
}

/// The cached debug kernel, or `None` when it is not built yet.
pub fn cached(cache_dir: &Path, series: &'static Series) -> Option<Kernel> {
    let root = root(cache_dir);
    let stamp = std::fs::read_to_string(root.join(STAMP)).ok()?;
    let release = stamp
        .lines()
        .find_map(|l| l.strip_prefix("release "))?
        .to_owned();
    Some(Kernel {
        series: series.name,
        release,
        root,
        cached: true,
        toolchain: super::toolchain::Toolchain::Host { cc: None },
    })
}

/// Runs `cmd` (the step `what`), its output appended to `log`; a failure
/// shows the log's last 40 lines.
fn run_logged(cmd: &mut Command, log: &Path, what: &str) -> Result<(), DebugKernelError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(io(log))?;
    let err = file.try_clone().map_err(io(log))?;
    let st = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .status()
        .map_err(|error| DebugKernelError::Spawn {
            what: what.to_owned(),
            error,
        })?;
    if st.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    let shown: String = tail.iter().rev().map(|l| format!("  {l}\n")).collect();
    progress::show_err(&shown);
    Err(DebugKernelError::Step {
        what: what.to_owned(),
        status: st,
        log: log.to_owned(),
    })
}

/// Host packages the build needs.
pub const BUILD_PACKAGES: &[&str] = &[
    "flex",
    "bison",
    "bc",
    "make",
    "gcc-12",
    "libc6-dev",
    "libelf-dev",
    "libssl-dev",
    "xz-utils",
    "kmod",
];

/// The debug kernel of `series` (`6.12-debug`): the cached one, or built now
/// (≈ 5 min on 2 cores). The caller holds the cache lock.
pub fn fetch(cache_dir: &Path, series: &'static Series) -> Result<Kernel, DebugKernelError> {
    if let Some(k) = cached(cache_dir, series) {
        return Ok(k);
    }
    host::apt_install(BUILD_PACKAGES)?;
    let root = root(cache_dir);
    let _ = std::fs::remove_dir_all(&root);
    let src = root.join("usr/src/linux-source");
    let deb = kernel_source::source_deb(cache_dir)?;
    let version = kernel_source::deb_version(&deb)?;
    let t = Instant::now();
    progress::say(format_args!(
        "building the debug kernel {} from linux-source-6.12 {version} (once per \
         configuration; ≈ 5 min on 2 cores) in {}",
        key(),
        root.display()
    ));
    kernel_source::unpack_full_tree(&deb, &src)?;
    let log = root.join("build.log");
    let make = |args: &[&str]| {
        let mut c = Command::new("make");
        c.current_dir(&src).args(args);
        c
    };
    run_logged(&mut make(&["tinyconfig"]), &log, "make tinyconfig")?;
    let fragment = root.join("genl-debug.config");
    std::fs::write(&fragment, CONFIG_FRAGMENT).map_err(io(&fragment))?;
    run_logged(
        Command::new("bash")
            .current_dir(&src)
            .arg("scripts/kconfig/merge_config.sh")
            .args(["-m", ".config"])
            .arg(&fragment),
        &log,
        "merge_config.sh",
    )?;
    run_logged(&mut make(&["olddefconfig"]), &log, "make olddefconfig")?;
    let config_path = src.join(".config");
    let config = std::fs::read_to_string(&config_path).map_err(io(&config_path))?;
    let bad = config_mismatches(&config);
    if !bad.is_empty() {
        return Err(DebugKernelError::ConfigLost { mismatches: bad });
    }
    let jobs = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .to_string();
    run_logged(
        &mut make(&[&format!("-j{jobs}"), "bzImage", "modules"]),
        &log,
        "make bzImage modules",
    )?;
    let release_path = src.join("include/config/kernel.release");
    let release = std::fs::read_to_string(&release_path)
        .map_err(io(&release_path))?
        .trim()
        .to_owned();
    let version = series.version.unwrap_or("6.12");
    if !release.starts_with(&format!("{version}.")) || !release.ends_with(RELEASE_SUFFIX) {
        return Err(DebugKernelError::WrongRelease { release, version });
    }
    run_logged(
        make(&["modules_install"]).arg(format!("INSTALL_MOD_PATH={}", root.display())),
        &log,
        "make modules_install",
    )?;
    // What `make modules_install` links back to the tree: not wanted here.
    let mods = root.join("lib/modules").join(&release);
    let _ = std::fs::remove_file(mods.join("build"));
    let _ = std::fs::remove_file(mods.join("source"));
    let boot = root.join("boot");
    std::fs::create_dir_all(&boot).map_err(io(&boot))?;
    let bzimage = src.join("arch/x86/boot/bzImage");
    std::fs::copy(&bzimage, boot.join(format!("vmlinuz-{release}"))).map_err(io(&bzimage))?;
    // Where module builds look (`Kernel::headers`): the tree itself, by a
    // relative link (the tree keeps the path it was built at).
    let tree = root
        .join("usr/src")
        .join(format!("linux-headers-{release}"));
    std::os::unix::fs::symlink("linux-source", &tree).map_err(io(&tree))?;
    let secs = t.elapsed().as_secs();
    let stamp = format!(
        "series {}\nrelease {release}\nkey {}\nrecipe {RECIPE}\nsource linux-source-6.12 {version}\n\
         built in {secs} s\n",
        series.name,
        key()
    );
    let stamp_path = root.join(STAMP);
    std::fs::write(&stamp_path, stamp).map_err(io(&stamp_path))?;
    progress::say(format_args!("debug kernel {release} built in {secs} s"));
    Ok(Kernel {
        series: series.name,
        release,
        root,
        cached: false,
        toolchain: super::toolchain::Toolchain::Host { cc: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_the_fragment() {
        assert_eq!(key().len(), 16);
        assert_eq!(key(), key());
        assert_ne!(
            cache::fnv1a(b"CONFIG_KASAN=y\n"),
            cache::fnv1a(b"CONFIG_KASAN=n\n")
        );
    }

    #[test]
    fn the_fragment_asks_for_every_sanitizer_and_fault_injection() {
        let (set, unset) = wanted_lines();
        for want in [
            "CONFIG_KASAN=y",
            "CONFIG_DEBUG_KMEMLEAK=y",
            "CONFIG_PROVE_LOCKING=y",
            "CONFIG_DEBUG_ATOMIC_SLEEP=y",
            "CONFIG_DEBUG_OBJECTS_WORK=y",
            "CONFIG_DEBUG_OBJECTS_TIMERS=y",
            "CONFIG_UBSAN=y",
            "CONFIG_FAILSLAB=y",
            "CONFIG_FAIL_PAGE_ALLOC=y",
            "CONFIG_FAULT_INJECTION_DEBUG_FS=y",
            // Without BUG (tinyconfig's default) a WARN reports nothing.
            "CONFIG_BUG=y",
            "CONFIG_KCOV=y",
        ] {
            assert!(set.contains(&want), "{want}");
        }
        assert!(unset.contains(&"CONFIG_SLUB_TINY"));
        // Coverage is the modules' own: the kernel is not instrumented.
        assert!(unset.contains(&"CONFIG_KCOV_INSTRUMENT_ALL"));
    }

    #[test]
    fn dropped_options_are_named() {
        let config = "CONFIG_64BIT=y\nCONFIG_SLUB_TINY=y\n";
        let bad = config_mismatches(config);
        assert!(
            bad.iter().any(|b| b.starts_with("CONFIG_KASAN=y")),
            "{bad:?}"
        );
        assert!(bad.iter().any(|b| b.contains("CONFIG_SLUB_TINY is set")));
        assert!(!bad.iter().any(|b| b.starts_with("CONFIG_64BIT")));
    }
}
