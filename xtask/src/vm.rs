//! `cargo xtask vm ...`: boots Debian's kernels under QEMU with the companion
//! module and runs the module suites inside.
//!
//! Subcommands:
//! - `fetch`: installs the host tools (qemu, busybox-static, kmod, pahole, ...)
//!   and downloads + unpacks (`dpkg -x`, never installs) Debian bookworm's
//!   cloud kernels and their headers into `target/vm/kernels/<release>/`.
//!   Cached: a second run only asks `apt-cache` which release is current.
//! - `build`: `fetch`, then builds the module source dir (default `kmod-c/`)
//!   against each kernel in `target/vm/build/<release>/` and checks vermagic.
//! - `test`: `build`, then builds the static guest programs ([`GUEST_TESTS`])
//!   and C helpers ([`GUEST_HELPERS`], into `/usr/bin`),
//!   packs an initramfs per kernel and boots it; the verdict is the guest's
//!   `GENL-VM-RESULT:` line. Console logs go to `target/vm/logs/<release>.log`.
//! - `shell`: like `test`, but gives an interactive busybox shell in the guest
//!   (modules loaded, test programs in `/tests`) instead of running the tests.
//!
//! Options (each also settable by environment, handy under `cargo xtask test`):
//! - `--kernel 6.1|6.12` (repeatable; `GENL_VM_KERNELS=6.1,6.12`): which kernels.
//! - `--module-dir DIR` (`GENL_VM_MODULE_DIR`): module sources (a Kbuild dir).
//! - `--guest-bin 'PATH ARGS...'` (repeatable; `GENL_VM_GUEST_BINS`, entries
//!   separated by `;`): a prebuilt static program (or `#!/bin/sh` script) to
//!   run in the guest *instead of* [`GUEST_TESTS`].
//! - `--timeout SECS` (`GENL_VM_TIMEOUT`, default 300): per boot.
//! - `-v`/`--verbose` (`GENL_VM_VERBOSE=1`): stream the guest console live.
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
//!   the host reports the panic with the WARNING line.

mod boot;
mod cpio;
mod guest;
mod helpers;
pub(crate) mod kernels;
mod kmod;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::util;

/// A Debian kernel series the harness boots, found through its meta package.
pub struct Series {
    /// Short name used on the command line (`--kernel 6.1`).
    pub name: &'static str,
    /// Meta package whose `Depends: linux-image-<release>` names the release.
    pub meta: &'static str,
}

/// The kernels `cargo xtask vm test` boots, in order.
pub const SERIES: &[Series] = &[
    Series {
        name: "6.1",
        meta: "linux-image-cloud-amd64",
    },
    Series {
        name: "6.12",
        meta: "linux-image-6.12-cloud-amd64",
    },
];

/// Where a guest program comes from.
pub enum GuestSource {
    /// An integration test (`tests/<name>.rs`) of the root package `genl`,
    /// built with `cargo test --no-run --test <name>`.
    Test(&'static str),
    /// An example (`examples/<name>.rs`) of the root package `genl`.
    Example(&'static str),
    /// An integration test like [`GuestSource::Test`] that runs the kernel's
    /// own YNL CLI (`tools/net/ynl/cli.py`): run only on the kernels in
    /// [`YNL_KERNELS`], whose initramfs then also holds Debian's python3
    /// (+ yaml), `/ynl/cli.py` with its `lib/`, and `/ynl/genl_demo.yaml`
    /// (see `xtask/src/ynl.rs`).
    YnlTest(&'static str),
    /// An integration test like [`GuestSource::Test`], built with
    /// `--release` (optimized, debug assertions off, as users build): for
    /// benchmarks, whose figures an unoptimized build would distort.
    BenchTest(&'static str),
}

/// The kernels whose guests get python and the kernel's YNL CLI
/// ([`GuestSource::YnlTest`]); the tools come from Linux 6.12's sources.
pub const YNL_KERNELS: &[&str] = &["6.12"];

/// One program the guest runs, in list order, after loading the modules.
pub struct GuestTest {
    /// Where it comes from.
    pub source: GuestSource,
    /// Its arguments in the guest.
    pub args: &'static [&'static str],
}

/// The guest programs: **add an entry here to run another program in the VM**.
/// Each is built statically (`+crt-static`, gnu target) in `target/vm/cargo`
/// (dev profile; [`GuestSource::BenchTest`]s with `--release`),
/// must exit 0, and its output goes to the console (libtest's
/// `test result:` lines and the benchmark's `RATIO vm_...` lines are picked
/// out for the summary).
pub const GUEST_TESTS: &[GuestTest] = &[
    GuestTest {
        source: GuestSource::Test("vm_e2e"),
        args: &["--test-threads=1", "--include-ignored"],
    },
    // Hostile input, faults and load; figures printed (FUZZ/LOAD lines).
    GuestTest {
        source: GuestSource::Test("vm_fuzz"),
        args: &["--test-threads=1", "--include-ignored", "--nocapture"],
    },
    // Classic netlink on a protocol of its own (kmod-c/netlink_test.c).
    GuestTest {
        source: GuestSource::Test("vm_classic"),
        args: &["--test-threads=1", "--include-ignored"],
    },
    GuestTest {
        source: GuestSource::Example("netlink-test-client"),
        args: &[],
    },
    // The README's demo client, as a user runs it.
    GuestTest {
        source: GuestSource::Example("demo-client"),
        args: &["echo", "hello from demo-client"],
    },
    GuestTest {
        source: GuestSource::Example("demo-client"),
        args: &["set", "greeting", "hello"],
    },
    GuestTest {
        source: GuestSource::Example("demo-client"),
        args: &["get", "greeting"],
    },
    GuestTest {
        source: GuestSource::Example("demo-client"),
        args: &["deferred", "42", "50"],
    },
    GuestTest {
        source: GuestSource::Example("genl-ctl"),
        args: &["get", "genl_demo"],
    },
    // The kernel's ynl CLI against the module, compared with the Rust client
    // (6.12 only; python packed into the initramfs).
    GuestTest {
        source: GuestSource::YnlTest("vm_ynl"),
        args: &["--test-threads=1", "--include-ignored", "--nocapture"],
    },
    // genl against the raw C client (`genl_demo_raw`, a [`GUEST_HELPERS`]
    // entry) on the module's echo and a full dump; figures printed
    // (VMBENCH/RATIO lines, the RATIOs also in the summary); built --release.
    GuestTest {
        source: GuestSource::BenchTest("vm_bench"),
        args: &["--test-threads=1", "--include-ignored", "--nocapture"],
    },
];

/// A C program the guest tests run as a subprocess (not a test itself).
pub struct GuestHelper {
    /// Its name: the guest has it as `/usr/bin/<name>` (on `PATH`).
    pub name: &'static str,
    /// The C source, relative to the workspace root.
    pub source: &'static str,
    /// Include directories (`-I`), relative to the workspace root.
    pub includes: &'static [&'static str],
}

/// The C helpers every guest gets: built on the host with
/// `gcc -O2 -static -Wall -Wextra -Werror` into `target/vm/helpers/`.
pub const GUEST_HELPERS: &[GuestHelper] = &[
    // Raw-socket client of genl_demo, the reference of tests/vm_bench.rs.
    GuestHelper {
        name: "genl_demo_raw",
        source: "genl-bench/c/genl_demo_raw.c",
        includes: &["kmod-c/include/uapi"],
    },
];

/// Host packages the harness needs (installed with `apt-get`, no recommends).
const HOST_PACKAGES: &[&str] = &[
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
];

/// `target/vm`: everything the harness downloads, builds and logs.
pub fn vm_dir() -> PathBuf {
    util::workspace_root().join("target").join("vm")
}

/// Parsed command line.
struct Opts {
    series: Vec<&'static Series>,
    module_dir: PathBuf,
    guest_bins: Option<Vec<guest::GuestBin>>,
    timeout: u64,
    verbose: bool,
}

const USAGE: &str = "usage: cargo xtask vm <fetch|build|test|shell> [options]\n\
\n  fetch   install host tools, download + unpack Debian's 6.1 and 6.12 cloud kernels\
\n  build   fetch, then build the module dir against each kernel\
\n  test    build, then boot each kernel with the modules and the guest tests\
\n  shell   build, then boot one kernel into an interactive busybox shell\
\n\noptions:\
\n  --kernel 6.1|6.12        only this kernel (repeatable)      [GENL_VM_KERNELS=6.1,6.12]\
\n  --module-dir DIR         module sources (default kmod-c)    [GENL_VM_MODULE_DIR]\
\n  --guest-bin 'PATH ARGS'  run this static program instead of the default guest tests\
\n                           (repeatable)                       [GENL_VM_GUEST_BINS='a x;b y']\
\n  --timeout SECS           per boot (default 300)             [GENL_VM_TIMEOUT]\
\n  -v, --verbose            stream the guest console           [GENL_VM_VERBOSE=1]";

fn parse(args: &[String]) -> Result<Opts, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut kernels: Vec<String> = env("GENL_VM_KERNELS")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let mut module_dir = env("GENL_VM_MODULE_DIR").map(PathBuf::from);
    let mut bins: Vec<String> = env("GENL_VM_GUEST_BINS")
        .map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut timeout = env("GENL_VM_TIMEOUT").unwrap_or_else(|| "300".into());
    let mut verbose = env("GENL_VM_VERBOSE").is_some_and(|v| v == "1");
    let mut cli_kernels = Vec::new();
    let mut cli_bins = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--kernel" => cli_kernels.push(value("--kernel")?),
            "--module-dir" => module_dir = Some(PathBuf::from(value("--module-dir")?)),
            "--guest-bin" => cli_bins.push(value("--guest-bin")?),
            "--timeout" => timeout = value("--timeout")?,
            "-v" | "--verbose" => verbose = true,
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    if !cli_kernels.is_empty() {
        kernels = cli_kernels;
    }
    if !cli_bins.is_empty() {
        bins = cli_bins;
    }
    let series = if kernels.is_empty() {
        SERIES.iter().collect()
    } else {
        kernels
            .iter()
            .map(|k| {
                SERIES.iter().find(|s| s.name == k).ok_or_else(|| {
                    let known: Vec<_> = SERIES.iter().map(|s| s.name).collect();
                    format!("unknown kernel {k:?}; known: {}", known.join(", "))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let root = util::workspace_root();
    let abs = |p: PathBuf| if p.is_absolute() { p } else { root.join(p) };
    let module_dir = abs(module_dir.unwrap_or_else(|| PathBuf::from("kmod-c")));
    let guest_bins = if bins.is_empty() {
        None
    } else {
        Some(
            bins.iter()
                .map(|spec| guest::GuestBin::from_spec(spec, &abs))
                .collect::<Result<_, _>>()?,
        )
    };
    let timeout = timeout
        .parse()
        .map_err(|_| format!("--timeout: not a number of seconds: {timeout:?}"))?;
    Ok(Opts {
        series,
        module_dir,
        guest_bins,
        timeout,
        verbose,
    })
}

/// Entry point of `cargo xtask vm <sub> [options]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let (sub, rest) = match args.split_first() {
        Some((s, r)) => (s.as_str(), r),
        None => ("help", &[][..]),
    };
    if matches!(sub, "help" | "-h" | "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let opts = parse(rest)?;
    let _lock = lock()?;
    match sub {
        "fetch" => fetch(&opts).map(|_| ()),
        "build" => build(&opts),
        "test" => test(&opts),
        "shell" => shell(&opts),
        other => Err(format!("unknown vm subcommand {other:?}\n{USAGE}")),
    }
}

/// An exclusive lock on `target/vm/lock` for the whole run: two runs at once
/// (other engineers, CI) would clobber each other's build dirs and images.
struct Lock(#[allow(dead_code)] std::fs::File);

fn lock() -> Result<Lock, String> {
    use std::os::fd::AsRawFd;
    extern "C" {
        fn flock(fd: i32, op: i32) -> i32;
    }
    const LOCK_EX: i32 = 2;
    const LOCK_NB: i32 = 4;
    let dir = vm_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let f = std::fs::File::create(dir.join("lock")).map_err(|e| format!("vm lock: {e}"))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    if unsafe { flock(f.as_raw_fd(), LOCK_EX | LOCK_NB) } != 0 {
        println!("vm: waiting for another `cargo xtask vm` run to finish");
        // SAFETY: as above.
        if unsafe { flock(f.as_raw_fd(), LOCK_EX) } != 0 {
            return Err(format!("vm lock: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(Lock(f))
}

/// Installs host tools and fetches the selected kernels, printing timings.
fn fetch(opts: &Opts) -> Result<Vec<(kernels::Kernel, Duration)>, String> {
    util::apt_install(HOST_PACKAGES)?;
    let metas: Vec<&str> = opts.series.iter().map(|s| s.meta).collect();
    kernels::warm(&metas);
    let mut out = Vec::new();
    for s in &opts.series {
        let t = Instant::now();
        let k = kernels::fetch(s)?;
        let d = t.elapsed();
        println!(
            "vm: kernel {} = {} ({}, {:.1}s)",
            s.name,
            k.release,
            if k.cached { "cached" } else { "downloaded" },
            d.as_secs_f64()
        );
        out.push((k, d));
    }
    Ok(out)
}

fn check_module_dir(dir: &Path) -> Result<(), String> {
    if !dir.join("Kbuild").is_file() && !dir.join("Makefile").is_file() {
        return Err(format!(
            "module source dir {} has no Kbuild or Makefile (not written yet?); \
             use --module-dir DIR to point at another one",
            dir.display()
        ));
    }
    Ok(())
}

fn build(opts: &Opts) -> Result<(), String> {
    check_module_dir(&opts.module_dir)?;
    for (k, _) in fetch(opts)? {
        let t = Instant::now();
        let kos = kmod::build(&opts.module_dir, &k)?;
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

/// The guest programs for this run: `--guest-bin`s, or [`GUEST_TESTS`] built.
fn guest_bins(opts: &Opts) -> Result<Vec<guest::GuestBin>, String> {
    match &opts.guest_bins {
        Some(b) => {
            for g in b {
                guest::check_static(&g.path)?;
            }
            Ok(b.clone())
        }
        None => guest::build_default(GUEST_TESTS),
    }
}

/// The guest programs for kernel `series` and the extra files they need
/// (python and the kernel's YNL CLI for [`GuestSource::YnlTest`]s; the
/// [`GUEST_HELPERS`], built, as `helpers`).
fn guest_payload(
    series: &str,
    bins: &[guest::GuestBin],
    helpers: &[(String, Vec<u8>)],
) -> Result<(Vec<guest::GuestBin>, Vec<crate::ynl::PayloadEntry>), String> {
    let ynl_here = YNL_KERNELS.contains(&series);
    let bins: Vec<guest::GuestBin> = bins
        .iter()
        .filter(|b| !b.ynl || ynl_here)
        .cloned()
        .collect();
    let mut extra = if bins.iter().any(|b| b.ynl) {
        let t = Instant::now();
        let p = crate::ynl::guest_payload()?;
        let size: usize = p
            .iter()
            .map(|e| match e {
                crate::ynl::PayloadEntry::File(_, d, _) => d.len(),
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
            .map(|(p, d)| crate::ynl::PayloadEntry::File(p.clone(), d.clone(), 0o755)),
    );
    Ok((bins, extra))
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

fn test(opts: &Opts) -> Result<(), String> {
    check_module_dir(&opts.module_dir)?;
    let kernels = fetch(opts)?;
    // Module builds first: they are quick and tell something even when the
    // guest programs do not build.
    let mut built = Vec::new();
    for (k, fetch_time) in kernels {
        let t = Instant::now();
        let kos = kmod::build(&opts.module_dir, &k);
        built.push((k, fetch_time, t.elapsed(), kos));
    }
    let t = Instant::now();
    let bins = guest_bins(opts)?;
    let helpers = helpers::build(GUEST_HELPERS)?;
    println!(
        "vm: guest programs ready in {:.1}s: {} (helpers in /usr/bin: {})",
        t.elapsed().as_secs_f64(),
        bins.iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        GUEST_HELPERS
            .iter()
            .map(|h| h.name)
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
            Ok(kos) => {
                let run = guest_payload(k.series, &bins, &helpers)
                    .and_then(|(bins, extra)| guest::initramfs(&k, &kos, &bins, &extra));
                let run = run
                    .and_then(|initrd| boot::boot(&k, &initrd, opts.timeout, opts.verbose, false));
                match run {
                    Err(e) => o.verdict = Err(e),
                    Ok(r) => {
                        o.boot = r.to_result;
                        o.results = r.test_results.clone();
                        o.verdict = r.verdict();
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

fn shell(opts: &Opts) -> Result<(), String> {
    check_module_dir(&opts.module_dir)?;
    let (k, _) = fetch(opts)?
        .into_iter()
        .next()
        .ok_or("no kernel selected")?;
    let kos = kmod::build(&opts.module_dir, &k)?;
    // The default guest tests may not exist yet: a shell is still useful.
    let bins = guest_bins(opts).unwrap_or_else(|e| {
        eprintln!("vm: no guest programs in the shell: {e}");
        Vec::new()
    });
    let helpers = helpers::build(GUEST_HELPERS)?;
    let (bins, extra) = guest_payload(k.series, &bins, &helpers)?;
    let initrd = guest::initramfs(&k, &kos, &bins, &extra)?;
    println!(
        "vm: booting {} into a shell; `poweroff -f` (or Ctrl-A x) leaves",
        k.release
    );
    boot::boot(&k, &initrd, 0, true, true).map(|_| ())
}
