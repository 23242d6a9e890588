//! The steps of a run: [`fetch`] the kernels, [`build`] the modules,
//! [`test()`] in the guests, or a [`shell`] in one.

use std::sync::Arc;

use super::boot::{GuestFailure, ShortTests};
use super::*;

/// Installs the host tools and fetches the plan's kernels into the cache
/// (under the cache lock), printing what it did.
pub fn fetch(plan: &Plan) -> Result<Vec<Kernel>, VmError> {
    Ok(fetch_timed(plan)?.into_iter().map(|(k, _)| k).collect())
}

fn fetch_timed(plan: &Plan) -> Result<Vec<(Kernel, Duration)>, VmError> {
    host::apt_install(HOST_PACKAGES)?;
    let _lock = cache::lock_cache(&plan.cache_dir)?;
    let mut out = Vec::new();
    for s in &plan.kernels {
        let t = Instant::now();
        let k = kernels::fetch(&plan.cache_dir, s)?;
        let d = t.elapsed();
        progress::say(format_args!(
            "kernel {} = {} ({}, {:.1}s; modules built by {})",
            s.name,
            k.release,
            match (k.cached, s.is_debug()) {
                (true, _) => "cached",
                (false, false) => "downloaded",
                (false, true) => "built",
            },
            d.as_secs_f64(),
            k.toolchain
        ));
        out.push((k, d));
    }
    Ok(out)
}

fn check_module_dir(dir: &Path) -> Result<(), VmError> {
    if !dir.join("Kbuild").is_file() && !dir.join("Makefile").is_file() {
        return Err(VmError::NoModuleDir {
            dir: dir.to_owned(),
        });
    }
    Ok(())
}

/// `fetch`, then builds the module dir against each kernel.
pub fn build(plan: &Plan) -> Result<(), VmError> {
    let _lock = cache::lock_project(&plan.work_dir)?;
    check_module_dir(&plan.module_dir)?;
    for (k, _) in fetch_timed(plan)? {
        let t = Instant::now();
        let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k)?;
        progress::say(format_args!(
            "{}: built in {:.1}s: {}",
            k.release,
            t.elapsed().as_secs_f64(),
            kos.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    Ok(())
}

/// The guest programs for this run: the prebuilt ones, checked, or the
/// `[[vm.guest]]` ones, built.
fn guest_bins(plan: &Plan) -> Result<Vec<GuestBin>, GuestError> {
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
) -> Result<(Vec<GuestBin>, Vec<PayloadEntry>), VmError> {
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
        progress::say(format_args!(
            "{series}: python + ynl cli.py payload: {} entries, {:.1} MB, in {:.1}s",
            p.len(),
            size as f64 / 1e6,
            t.elapsed().as_secs_f64()
        ));
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
fn check_test_counts(bins: &[GuestBin], log: &str) -> Result<(), GuestFailure> {
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
            short.push(ShortTests::NotAllPassed {
                program: b.name.clone(),
                running,
                passed,
            });
        } else if let Some(min) = b.min_tests.filter(|&m| passed < m) {
            short.push(ShortTests::BelowMin {
                program: b.name.clone(),
                passed,
                min,
            });
        }
    }
    if short.is_empty() {
        Ok(())
    } else {
        Err(GuestFailure::Tests(short))
    }
}

/// The series a fetched kernel belongs to.
fn series_of(k: &Kernel) -> &'static Series {
    SERIES
        .iter()
        .find(|s| s.name == k.series)
        .expect("kernels are fetched for known series")
}

/// `build`, then boots each kernel with the modules and the guest programs,
/// printing a PASS/FAIL line per kernel as it ends; the report has every
/// kernel's outcome (its [`Display`](std::fmt::Display) is the summary) and
/// [`VmReport::verdict`] names the kernels that failed. An error is a run
/// that could not boot its kernels.
pub fn test(plan: &Plan) -> Result<VmReport, VmError> {
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
        let module_build = |rev: Option<&str>| {
            let rev = rev.map(str::to_owned);
            move |e| KernelFailure::ModuleBuild {
                rev,
                error: Arc::new(e),
            }
        };
        let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k).map_err(module_build(None));
        let kos = kos.and_then(|kos| {
            let Some(rev) = &rev else {
                return Ok((kos, None));
            };
            let rev_kos = rev.build(&k).map_err(module_build(Some(&rev.commit)))?;
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
    progress::say(format_args!(
        "guest programs ready in {:.1}s: {} (helpers in /usr/bin: {})",
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
    ));
    let lanes = boot_lanes(plan, built.len());
    if lanes > 1 {
        progress::say(format_args!(
            "booting {} kernels {lanes} at a time (GENL_VM_JOBS; the slowest first)",
            built.len()
        ));
    }
    let outcomes = crate::lanes::in_lanes(
        built,
        lanes,
        &cost_of,
        |(k, fetch_time, build_time, kos)| {
            run_kernel(plan, &bins, &helpers, k, fetch_time, build_time, kos)
        },
    );
    Ok(VmReport { kernels: outcomes })
}

/// A kernel of the run with its module build: the kernel, the time it took
/// to fetch and to build, the modules (and `--module-rev`'s) or why not.
type Built = (
    Kernel,
    Duration,
    Duration,
    Result<(Vec<PathBuf>, Option<guest::ModuleRev>), KernelFailure>,
);

/// How many kernels boot at once: `GENL_VM_JOBS` if set, else one per two
/// host CPUs (a guest has two vCPUs, each a host thread under TCG), never
/// more than `kernels`; one with `--verbose`, whose console streams would
/// interleave.
///
/// More guests than that slow each other down far more than they gain: on
/// a 2-CPU host, the debug kernel's run took 636 s beside the other four
/// kernels instead of 239 s alone, and its `vm_e2e` 124 s instead of 27 s
/// (vCPU threads that wait for the host while holding a guest lock).
fn boot_lanes(plan: &Plan, kernels: usize) -> usize {
    if plan.verbose {
        return 1;
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = std::env::var("GENL_VM_JOBS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(cpus / 2);
    jobs.min(kernels).max(1)
}

/// Which kernels to start first when several boot at once: the sanitizer
/// kernel's run is several times any other's.
fn cost_of(b: &Built) -> u8 {
    u8::from(series_of(&b.0).is_debug())
}

/// Boots kernel `k` with its modules `kos` and the guest programs, and
/// says what came of it.
fn run_kernel(
    plan: &Plan,
    bins: &[GuestBin],
    helpers: &[(String, Vec<u8>)],
    k: Kernel,
    fetch_time: Duration,
    build_time: Duration,
    kos: Result<(Vec<PathBuf>, Option<guest::ModuleRev>), KernelFailure>,
) -> KernelOutcome {
    let mut o = KernelOutcome {
        series: k.series,
        release: k.release.clone(),
        fetch: fetch_time,
        build: build_time,
        boot: None,
        results: Vec::new(),
        verdict: Ok(()),
    };
    match kos {
        Err(e) => o.verdict = Err(e),
        Ok((kos, module_rev)) => {
            let s = series_of(&k);
            let run = guest_payload(plan, k.series, bins, helpers).and_then(|(bins, extra)| {
                let init = guest::InitOptions {
                    token: guest::random_token()?,
                    series: k.series.to_owned(),
                    debug: s.is_debug(),
                    module_rev: module_rev.clone(),
                };
                let initrd = guest::initramfs(&plan.work_dir, &k, &kos, &bins, &extra, &init)?;
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
                    let why = r.verdict().err().map(|e| e.to_string()).unwrap_or_default();
                    progress::say(format_args!(
                        "{}: !!! the kernel panicked while booting, before the \
                             guest's init ran ({why}); booting once more",
                        k.release
                    ));
                    r = boot()?;
                    r.test_results.insert(
                        0,
                        format!("note: the first boot panicked before init: {why}"),
                    );
                }
                Ok((bins, r))
            });
            match run {
                Err(e) => o.verdict = Err(KernelFailure::Run(Arc::new(e))),
                Ok((bins, r)) => {
                    o.boot = r.to_result;
                    o.results = r.test_results.clone();
                    // Both the guest's reasons and short test counts.
                    let errors: Vec<GuestFailure> = [
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
                        Err(KernelFailure::Guest(errors))
                    };
                    if o.verdict.is_err() {
                        progress::show(&r.failure_text());
                    }
                }
            }
        }
    }
    progress::say(format_args!(
        "{} ({}): {}",
        o.series,
        o.release,
        match &o.verdict {
            Ok(()) => "PASS".to_owned(),
            Err(e) => format!("FAIL: {e}"),
        }
    ));
    o
}

/// `build` for the first kernel of the plan, then boots it into an
/// interactive busybox shell (modules loaded, guest programs in `/tests`).
pub fn shell(plan: &Plan) -> Result<(), VmError> {
    let _lock = cache::lock_project(&plan.work_dir)?;
    check_module_dir(&plan.module_dir)?;
    let first = Plan {
        kernels: plan.kernels.iter().take(1).copied().collect(),
        ..plan.clone()
    };
    let (k, _) = fetch_timed(&first)?
        .into_iter()
        .next()
        .ok_or(VmError::NoKernel)?;
    let kos = kmod::build(&plan.work_dir, &plan.module_dir, &k)?;
    // The default guest tests may not exist yet: a shell is still useful.
    let bins = guest_bins(plan).unwrap_or_else(|e| {
        progress::warn(format_args!("no guest programs in the shell: {e}"));
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
    progress::say(format_args!(
        "booting {} into a shell; `exit` (or Ctrl-A x) leaves",
        k.release
    ));
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
    )?;
    Ok(())
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
    fn a_program_short_of_its_min_tests_fails_the_kernel() {
        let ok = [bin("vm_e2e", Some(3)), bin("demo-client", None)];
        assert_eq!(check_test_counts(&ok, LOG), Ok(()));
        let short = [bin("vm_e2e", Some(4)), bin("demo-client", None)];
        let e = check_test_counts(&short, LOG).unwrap_err().to_string();
        assert!(
            e.contains("vm_e2e reported 3 passed test(s), min-tests is 4"),
            "{e}"
        );
        // A program that printed nothing (or ran out of order) passed none.
        let missing = [bin("vm_e2e", Some(1)), bin("vm_fuzz", Some(1))];
        let e = check_test_counts(&missing, LOG).unwrap_err().to_string();
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
            e.to_string(),
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
            GuestFailure::Tests(vec![ShortTests::BelowMin {
                program: "counter-selftest".into(),
                passed: 9,
                min: 10,
            }])
        );
        assert_eq!(
            e.to_string(),
            "counter-selftest reported 9 passed test(s), min-tests is 10"
        );
    }
}
