//! Booting a kernel + initramfs under QEMU and reading the verdict.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::kernel::Kernel;
use super::progress;

mod error;
pub use error::{BootError, GuestFailure, NoVerdict, ShortTests};

/// The marker line the guest's `/init` prints last, followed by the boot's
/// token and `PASS` or `FAIL <reasons>`.
pub const RESULT_MARKER: &str = "GENL-VM-RESULT: ";

/// The line `/init` prints with the kernel it booted (`uname -r`).
const KERNEL_MARKER: &str = "GENL-VM: kernel ";

/// What one boot produced.
pub struct Run {
    /// The console log (also in `log_path`).
    pub log: String,
    /// Where the console log is kept.
    pub log_path: PathBuf,
    /// The text after `GENL-VM-RESULT: <token> ` of the last result line
    /// carrying the boot's token, if the guest got that far.
    pub result: Option<String>,
    /// Result lines without the boot's token (printed by a program, not by
    /// `/init`): ignored for the verdict, shown on failure.
    pub foreign_results: Vec<String>,
    /// The kernel release the guest reported (`uname -r`).
    pub booted_release: Option<String>,
    /// Time from starting qemu to the result line.
    pub to_result: Option<Duration>,
    /// libtest's `test result:` lines (and `RATIO vm_...` lines, the
    /// `SCALED ...` lines of programs that shrink their load on a debug
    /// kernel, `FAULTS ...` summaries of fault injection and the kmemleak
    /// verdict), prefixed with the program's name.
    pub test_results: Vec<String>,
    /// qemu's (or timeout's) exit status and stderr.
    pub exit: Option<i32>,
    /// qemu's stderr.
    pub stderr: String,
    /// The timeout in seconds (0: none).
    pub timeout: u64,
}

impl Run {
    /// PASS, or FAIL with the reason.
    pub fn verdict(&self) -> Result<(), GuestFailure> {
        match self.result.as_deref() {
            Some("PASS") => Ok(()),
            Some(r) => Err(GuestFailure::Failed {
                reasons: r.strip_prefix("FAIL").unwrap_or(r).trim().to_owned(),
            }),
            None => Err(GuestFailure::NoVerdict {
                why: self.no_result(),
                ignored: self.foreign_results.clone(),
            }),
        }
    }

    /// Whether the kernel panicked while booting, before the guest's init
    /// printed its first line: nothing of the project had run yet (modules
    /// are loaded by init). Under TCG this happens now and then in code
    /// patching at boot (an `int3` oops in a static-key site); the harness
    /// boots once more, and says so.
    pub fn died_before_init(&self) -> bool {
        self.result.is_none()
            && self.log.contains("Kernel panic")
            && !self.log.contains("GENL-VM: kernel ")
    }

    /// Fails unless the guest reported booting `release`.
    pub fn check_release(&self, release: &str) -> Result<(), GuestFailure> {
        match self.booted_release.as_deref() {
            Some(r) if r == release => Ok(()),
            Some(r) => Err(GuestFailure::WrongKernel {
                booted: r.to_owned(),
                expected: release.to_owned(),
            }),
            None if self.result.is_none() => Ok(()), // the verdict says why
            None => Err(GuestFailure::NoRelease),
        }
    }

    /// Why there is no verdict line.
    fn no_result(&self) -> NoVerdict {
        if let Some(l) = self.log.lines().find(|l| l.contains("Kernel panic")) {
            // What caused it: the WARNING/BUG/Oops line and where.
            let causes: Vec<String> = self
                .log
                .lines()
                .filter(|l| {
                    ["WARNING:", "BUG:", "Oops:", "UBSAN:", "RIP: 0010:"]
                        .iter()
                        .any(|p| l.contains(p))
                })
                .take(2)
                .map(|l| l.trim().to_owned())
                .collect();
            NoVerdict::Panicked {
                line: l.trim().to_owned(),
                causes,
            }
        } else if matches!(self.exit, Some(124) | Some(137)) {
            NoVerdict::TimedOut { secs: self.timeout }
        } else {
            NoVerdict::Silent {
                exit: self.exit,
                stderr: self.stderr.trim().to_owned(),
            }
        }
    }

    /// The guest console (program output and its dmesg dump) and qemu's
    /// stderr, framed, as shown after a failure.
    pub fn failure_text(&self) -> String {
        let mut s = format!(
            "---------- guest console ({}) ----------\n{}",
            self.log_path.display(),
            self.log
        );
        if !self.stderr.trim().is_empty() {
            s += &format!(
                "---------- qemu stderr ----------\n{}\n",
                self.stderr.trim_end()
            );
        }
        s += "---------- end of guest console ----------\n";
        s
    }
}

fn qemu_args(
    k: &Kernel,
    initrd: &Path,
    interactive: bool,
    debug: bool,
    keep_going: bool,
) -> Vec<String> {
    let mut a: Vec<String> = [
        "-accel",
        "tcg",
        "-m",
        // KASAN's shadow, kmemleak's and lockdep's tables.
        if debug { "2G" } else { "1G" },
        "-smp",
        "2",
        "-nographic",
        "-no-reboot",
        "-nodefaults",
        "-serial",
        if interactive { "mon:stdio" } else { "stdio" },
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // qboot starts much faster than SeaBIOS and keeps the log clean.
    let qboot = Path::new("/usr/share/qemu/qboot.rom");
    if qboot.is_file() {
        a.push("-bios".into());
        a.push(qboot.display().to_string());
    }
    a.push("-kernel".into());
    a.push(k.vmlinuz().display().to_string());
    a.push("-initrd".into());
    a.push(initrd.display().to_string());
    a.push("-append".into());
    // `loglevel=5` after `quiet`: the console still shows KERN_WARNING
    // lines, so a WARN's location survives the panic that panic_on_warn makes.
    // `log_buf_len`: room for the whole run, so the start marker the guest
    // requires survives.
    let mut append = "console=ttyS0 quiet loglevel=5 panic=-1 log_buf_len=16M".to_owned();
    if !keep_going {
        append += " oops=panic panic_on_warn=1";
    }
    if debug {
        // `kasan_multi_shot`: KASAN reports every bad access, not only the
        // first (a fuzzer sees each bug of a run). It also keeps a KASAN
        // report from panicking the guest under panic_on_warn (6.12's
        // `end_report` checks panic_on_warn only in single-shot mode): the
        // run goes on and /init's kernel-log check (`KASAN`, `BUG`) fails
        // it at the end.
        append += " kmemleak=on kasan_multi_shot";
    }
    if interactive {
        append += " genl_vm_shell=1";
    }
    a.push(append);
    a
}

/// How one boot runs.
#[derive(Clone, Copy, Default)]
pub struct BootOptions<'a> {
    /// Seconds the whole run may take (0 = no bound).
    pub timeout: u64,
    /// Stream the console.
    pub verbose: bool,
    /// Give the guest the terminal (`vm shell`).
    pub interactive: bool,
    /// A sanitizer kernel (more memory, kmemleak on).
    pub debug: bool,
    /// The boot's token: only result lines carrying it count.
    pub token: &'a str,
    /// Called with every console line as it arrives (as it goes to the
    /// log: no line end, no carriage returns); not for an interactive
    /// boot.
    pub on_line: Option<&'a dyn Fn(&str)>,
    /// A report (WARN, oops) does not panic the guest (no `panic_on_warn`,
    /// no `oops=panic`): a fuzzer goes on after a finding; /init's
    /// kernel-log check still fails the run.
    pub keep_going: bool,
}

impl std::fmt::Debug for BootOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootOptions")
            .field("timeout", &self.timeout)
            .field("verbose", &self.verbose)
            .field("interactive", &self.interactive)
            .field("debug", &self.debug)
            .field("on_line", &self.on_line.is_some())
            .finish_non_exhaustive()
    }
}

/// Seconds qemu gets to exit after the guest printed its result.
const EXIT_GRACE: u64 = 30;

/// Boots `k` with `initrd`. The console log goes to
/// `<work>/logs/<release>.log`.
pub fn boot(work: &Path, k: &Kernel, initrd: &Path, o: &BootOptions<'_>) -> Result<Run, BootError> {
    let BootOptions {
        timeout,
        verbose,
        interactive,
        debug,
        token,
        on_line,
        keep_going,
    } = *o;
    let qemu = "qemu-system-x86_64";
    let mut cmd = if timeout > 0 {
        let mut c = Command::new("timeout");
        c.args(["-k", "10", &timeout.to_string(), qemu]);
        c
    } else {
        Command::new(qemu)
    };
    cmd.args(qemu_args(k, initrd, interactive, debug, keep_going));
    let log_path = work.join("logs").join(format!("{}.log", k.release));
    let logs = log_path.parent().unwrap();
    std::fs::create_dir_all(logs).map_err(|error| BootError::Io {
        path: logs.to_owned(),
        error,
    })?;
    if !interactive {
        progress::say(format_args!(
            "{}: booting (log: {})",
            k.release,
            log_path.display()
        ));
    }
    let qemu_err = |spawn| {
        move |error| BootError::Qemu {
            program: qemu,
            error,
            spawn,
        }
    };
    let mut run = Run {
        log: String::new(),
        log_path,
        result: None,
        foreign_results: Vec::new(),
        booted_release: None,
        to_result: None,
        test_results: Vec::new(),
        exit: None,
        stderr: String::new(),
        timeout,
    };
    if interactive {
        let st = cmd.status().map_err(qemu_err(false))?;
        run.exit = st.code();
        return Ok(run);
    }
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(qemu_err(true))?;
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut log_file = std::fs::File::create(&run.log_path).map_err(|error| BootError::Io {
        path: run.log_path.clone(),
        error,
    })?;
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut buf = Vec::new();
    // Once the result is in, qemu gets EXIT_GRACE seconds to exit; then
    // `timeout` is told to end it (a guest that cannot power off must not
    // hold the run until the timeout).
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let mut done_tx = Some(done_tx);
    let mut done_rx = Some(done_rx);
    let pid = child.id();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']).replace('\r', "");
        let _ = writeln!(log_file, "{line}");
        if verbose {
            progress::show(&format!("{line}\n"));
        }
        if let Some(f) = on_line {
            f(&line);
        }
        if let Some(verdict) = result_line(&line, token) {
            match verdict {
                Ok(r) => {
                    // The last one wins (there is one, from /init).
                    run.to_result = Some(start.elapsed());
                    run.result = Some(r.to_owned());
                    if let Some(rx) = done_rx.take() {
                        std::thread::spawn(move || {
                            if rx.recv_timeout(Duration::from_secs(EXIT_GRACE)).is_err() {
                                // SAFETY: kill(2) on our own child, not yet
                                // reaped (wait() comes after the channel's
                                // sender is dropped).
                                unsafe { libc::kill(pid as i32, libc::SIGTERM) };
                            }
                        });
                    }
                }
                Err(rest) => run.foreign_results.push(rest.to_owned()),
            }
        } else if let Some(i) = line.find(KERNEL_MARKER) {
            if run.booted_release.is_none() {
                let rest = &line[i + KERNEL_MARKER.len()..];
                run.booted_release = rest.split([',', ' ']).next().map(str::to_owned);
            }
        }
        run.log.push_str(&line);
        run.log.push('\n');
    }
    // Tells the watchdog qemu is done; the child is reaped after that.
    drop(done_tx.take());
    let st = child.wait().map_err(qemu_err(false))?;
    run.exit = st.code();
    run.stderr = err_thread.join().unwrap_or_default();
    run.test_results = test_results(&run.log);
    Ok(run)
}

/// What a console line says of the verdict: `None` for no result line,
/// `Ok(verdict)` for `/init`'s (it carries the boot's `token`), `Err(text)`
/// for one without the token (printed by a program: not a verdict).
fn result_line<'a>(line: &'a str, token: &str) -> Option<Result<&'a str, &'a str>> {
    let i = line.find(RESULT_MARKER)?;
    let rest = line[i + RESULT_MARKER.len()..].trim();
    Some(
        match rest.strip_prefix(token).filter(|_| !token.is_empty()) {
            Some(r) if r.is_empty() || r.starts_with(' ') => Ok(r.trim()),
            _ => Err(rest),
        },
    )
}

/// libtest's summary lines and the VM benchmark's `RATIO vm_...` lines,
/// outside the dmesg dump, with the program name.
fn test_results(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_dmesg = false;
    for l in log.lines() {
        if l.contains("GENL-VM-DMESG-BEGIN") {
            in_dmesg = true;
        } else if l.contains("GENL-VM-DMESG-END") {
            in_dmesg = false;
        } else if let Some(rest) = l.split("GENL-VM-TEST-BEGIN ").nth(1) {
            current = rest.trim().to_owned();
        } else if let Some(i) = l
            .find("test result:")
            .or_else(|| l.find("RATIO vm_"))
            .or_else(|| l.find("SCALED "))
            .or_else(|| l.find("FAULTS ").filter(|_| l.contains("failure points")))
        {
            if !in_dmesg {
                out.push(format!("{current}: {}", &l[i..]));
            }
        } else if let Some(i) = l.find("GENL-VM: kmemleak after rmmod") {
            out.push(l[i + "GENL-VM: ".len()..].to_owned());
        }
    }
    out
}

/// The output of each guest program, in run order: (name, text between its
/// `GENL-VM-TEST-BEGIN` and `GENL-VM-TEST-END` markers), outside the dmesg
/// dump.
pub fn program_sections(log: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for l in log.lines() {
        if let Some(rest) = l.split("GENL-VM-TEST-BEGIN ").nth(1) {
            out.push((rest.trim().to_owned(), String::new()));
            open = true;
        } else if l.contains("GENL-VM-TEST-END ") || l.contains("GENL-VM-DMESG-BEGIN") {
            open = false;
        } else if open {
            if let Some((_, text)) = out.last_mut() {
                text.push_str(l);
                text.push('\n');
            }
        }
    }
    out
}

/// What a program's output says of its tests (see [`test_counts`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TestCounts {
    /// The tests it said it runs: libtest's `running N tests` lines,
    /// summed, or a plain line's passed and failed; `None` when it says
    /// nothing of the kind.
    pub running: Option<u64>,
    /// The tests it said passed.
    pub passed: u64,
}

/// The tests a program's output reports: libtest's `running N tests` and
/// `test result: ... N passed; ...` lines, each summed (a libtest-style
/// summary, as the scaffold's selftest prints, counts the same), or, when
/// there is no `test result:` line, the last plain `N passed, M failed`
/// line (one word and a colon may precede it), which ran N + M tests.
pub fn test_counts(text: &str) -> TestCounts {
    let number_before = |s: &str, word: &str| -> Option<u64> {
        let i = s.find(word)?;
        s[..i].split_whitespace().last()?.parse().ok()
    };
    let running: Vec<u64> = text
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("running ")?;
            let (n, word) = rest.split_once(' ')?;
            matches!(word, "test" | "tests")
                .then(|| n.parse().ok())
                .flatten()
        })
        .collect();
    let running = (!running.is_empty()).then(|| running.iter().sum());
    let libtest: Vec<u64> = text
        .lines()
        .filter_map(|l| {
            let i = l.find("test result:")?;
            number_before(&l[i..], " passed")
        })
        .collect();
    if !libtest.is_empty() {
        return TestCounts {
            running,
            passed: libtest.iter().sum(),
        };
    }
    let plain = text.lines().rev().find_map(|l| {
        let l = l.trim();
        let l = match l.split_once(": ") {
            Some((w, rest)) if !w.contains(' ') => rest,
            _ => l,
        };
        let (p, rest) = l.split_once(" passed, ")?;
        let (f, word) = rest.split_once(' ')?;
        if !word.starts_with("failed") {
            return None;
        }
        Some((p.trim().parse::<u64>().ok()?, f.parse::<u64>().ok()?))
    });
    match plain {
        Some((passed, failed)) => TestCounts {
            running: Some(running.unwrap_or(0).max(passed + failed)),
            passed,
        },
        None => TestCounts { running, passed: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
GENL-VM: kernel 6.12
GENL-VM-TEST-BEGIN vm_e2e
running 3 tests
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.1s
running 2 tests
test result: ok. 2 passed; 0 failed; 0 ignored
GENL-VM-TEST-END vm_e2e rc=0
GENL-VM-TEST-BEGIN selftest
selftest: 7 passed, 0 failed
GENL-VM-TEST-END selftest rc=0
GENL-VM-TEST-BEGIN quiet
hello
GENL-VM-TEST-END quiet rc=0
GENL-VM-DMESG-BEGIN
test result: ok. 99 passed; 0 failed
GENL-VM-DMESG-END
GENL-VM-RESULT: PASS
";

    #[test]
    fn sections_and_passed_counts() {
        let s = program_sections(LOG);
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["vm_e2e", "selftest", "quiet"]);
        let counts = |running, passed| TestCounts { running, passed };
        // Two harness runs in one program: both lines summed.
        assert_eq!(test_counts(&s[0].1), counts(Some(5), 5));
        assert_eq!(test_counts(&s[1].1), counts(Some(7), 7));
        assert_eq!(test_counts(&s[2].1), counts(None, 0));
        assert_eq!(
            test_counts("12 passed, 1 failed, 2 skipped\n"),
            counts(Some(13), 12)
        );
    }

    #[test]
    fn tests_that_ran_and_did_not_pass_show() {
        let counts = |running, passed| TestCounts { running, passed };
        // Ignored tests were counted as running, not as passed.
        let ignored = "running 4 tests\ntest a ... ok\ntest b ... ignored\n\
                       test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured\n";
        assert_eq!(test_counts(ignored), counts(Some(4), 3));
        // A harness that died after starting: no result line.
        let died = "running 1 test\ntest a ... \n";
        assert_eq!(test_counts(died), counts(Some(1), 0));
        // The scaffold's selftest, as it prints.
        let selftest = "running 9 tests\ntest round_trip ... ok\n\
                        test result: FAILED. 8 passed; 1 failed\n";
        assert_eq!(test_counts(selftest), counts(Some(9), 8));
        // Words around a count are not a `running` line.
        assert_eq!(
            test_counts("still running 3 tests\nrunning 2 jobs\n"),
            counts(None, 0)
        );
    }

    #[test]
    fn only_result_lines_with_the_token_count() {
        let tok = "0123abcd";
        assert_eq!(result_line("hello", tok), None);
        assert_eq!(
            result_line("GENL-VM-RESULT: 0123abcd PASS", tok),
            Some(Ok("PASS"))
        );
        assert_eq!(
            result_line("[  1.2] GENL-VM-RESULT: 0123abcd FAIL x; y", tok),
            Some(Ok("FAIL x; y"))
        );
        // A program printing a verdict of its own: not one.
        assert_eq!(result_line("GENL-VM-RESULT: PASS", tok), Some(Err("PASS")));
        assert_eq!(
            result_line("GENL-VM-RESULT: 0123abcdef PASS", tok),
            Some(Err("0123abcdef PASS"))
        );
        // No token, no verdict at all.
        assert_eq!(result_line("GENL-VM-RESULT: PASS", ""), Some(Err("PASS")));
    }

    fn run(result: Option<&str>, foreign: &[&str], booted: Option<&str>) -> Run {
        Run {
            log: String::new(),
            log_path: PathBuf::from("/nonexistent.log"),
            result: result.map(str::to_owned),
            foreign_results: foreign.iter().map(|s| (*s).to_owned()).collect(),
            booted_release: booted.map(str::to_owned),
            to_result: None,
            test_results: Vec::new(),
            exit: Some(0),
            stderr: String::new(),
            timeout: 300,
        }
    }

    #[test]
    fn a_verdict_without_the_token_is_none() {
        assert_eq!(run(Some("PASS"), &[], None).verdict(), Ok(()));
        assert_eq!(
            run(Some("FAIL a; b"), &["PASS"], None).verdict(),
            Err(GuestFailure::Failed {
                reasons: "a; b".to_owned()
            })
        );
        // A program's `GENL-VM-RESULT: PASS` and no line from /init: FAIL.
        let e = run(None, &["PASS"], None)
            .verdict()
            .unwrap_err()
            .to_string();
        assert!(e.contains("printed no `GENL-VM-RESULT:` line"), "{e}");
        assert!(e.contains("ignored 1 result line(s)"), "{e}");
    }

    #[test]
    fn the_booted_release_must_be_the_fetched_one() {
        let want = "6.1.0-56-cloud-amd64";
        assert_eq!(
            run(Some("PASS"), &[], Some(want)).check_release(want),
            Ok(())
        );
        let e = run(Some("PASS"), &[], Some("6.12.117+deb12-cloud-amd64"))
            .check_release(want)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("booted kernel 6.12.117+deb12-cloud-amd64, not 6.1.0-56"),
            "{e}"
        );
        assert!(run(Some("PASS"), &[], None).check_release(want).is_err());
    }

    #[test]
    fn only_debug_boots_keep_reporting_after_the_first_kasan_report() {
        let k = Kernel {
            series: "6.12-debug",
            release: "6.12.118-genl-debug".into(),
            root: PathBuf::from("/c/kernels/debug-x"),
            cached: true,
            toolchain: super::super::toolchain::Toolchain::Host { cc: None },
        };
        let append = |debug| {
            let a = qemu_args(&k, Path::new("/w/i.cpio"), false, debug, false);
            let i = a.iter().position(|x| x == "-append").unwrap();
            a[i + 1].clone()
        };
        let debug = append(true);
        assert!(debug.contains(" kasan_multi_shot"), "{debug}");
        assert!(debug.contains("kmemleak=on") && debug.contains("panic_on_warn=1"));
        assert!(!append(false).contains("kasan_multi_shot"));
    }

    #[test]
    fn a_boot_without_a_verdict_says_why() {
        let panicked = GuestFailure::NoVerdict {
            why: NoVerdict::Panicked {
                line: "Kernel panic - not syncing: panic_on_warn set ...".into(),
                causes: vec!["WARNING: CPU: 0 PID: 1 at net/x.c:10 f+0x1/0x2".into()],
            },
            ignored: vec![],
        };
        assert_eq!(
            panicked.to_string(),
            "guest kernel panicked: Kernel panic - not syncing: panic_on_warn set ... after: \
             WARNING: CPU: 0 PID: 1 at net/x.c:10 f+0x1/0x2"
        );
        let silent = GuestFailure::NoVerdict {
            why: NoVerdict::Silent {
                exit: Some(1),
                stderr: "qemu: could not load kernel".into(),
            },
            ignored: vec!["PASS".into()],
        };
        assert_eq!(
            silent.to_string(),
            "guest printed no `GENL-VM-RESULT:` line (qemu exit status Some(1), stderr: qemu: \
             could not load kernel) (ignored 1 result line(s) without the boot's token: \
             [\"PASS\"])"
        );
        let late = GuestFailure::NoVerdict {
            why: NoVerdict::TimedOut { secs: 900 },
            ignored: vec![],
        };
        assert_eq!(late.to_string(), "guest timed out after 900 s");
    }

    #[test]
    fn a_missing_qemu_says_how_to_install_it() {
        let e = BootError::Qemu {
            program: "qemu-system-x86_64",
            error: std::io::Error::from_raw_os_error(libc::ENOENT),
            spawn: true,
        };
        let text = e.to_string();
        assert!(text.starts_with("qemu-system-x86_64: "), "{text}");
        assert!(
            text.ends_with(" (run `genl vm fetch` to install it)"),
            "{text}"
        );
    }

    #[test]
    fn summary_lines_skip_the_dmesg_dump() {
        let r = test_results(LOG);
        assert_eq!(r.len(), 2);
        assert!(r[0].starts_with("vm_e2e: test result: ok. 3 passed"));
    }
}
