//! Long preparation steps (downloads, toolchain roots) with progress: what
//! runs, how far it got (the last line of its log, every few seconds), and
//! how long it took last time (kept in `<cache>/timings`). The one place
//! of the VM harness that prints: the other modules report what they do
//! through [`say`], [`warn`] and [`show`], and return what they found.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::error::io_at!(PreparationError);

/// Prints one progress line, `vm: <line>`, on stdout.
pub fn say(line: fmt::Arguments<'_>) {
    println!("vm: {line}");
}

/// Prints one line on stderr, `vm: <line>` (a step that went wrong and is
/// retried or skipped).
pub fn warn(line: fmt::Arguments<'_>) {
    eprintln!("vm: {line}");
}

/// Prints `text` as it is on stdout (a console line streamed, a guest
/// console dumped after a failure).
pub fn show(text: &str) {
    print!("{text}");
}

/// Prints `text` as it is on stderr (a failed build's output, the end of a
/// log), with a line end when it has none.
pub fn show_err(text: &str) {
    if text.ends_with('\n') {
        eprint!("{text}");
    } else {
        eprintln!("{text}");
    }
}

/// Why a long preparation step (a download, the making of a toolchain
/// root) failed. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum PreparationError {
    /// The log's directory or file could not be made.
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The step's program could not be started or waited for.
    Spawn {
        /// What the step does.
        what: String,
        /// What the system said.
        error: io::Error,
    },
    /// The step's program ran and failed.
    Failed {
        /// What the step does.
        what: String,
        /// How it ended.
        status: ExitStatus,
        /// Its log.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
}

impl fmt::Display for PreparationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreparationError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            PreparationError::Spawn { what, error } => write!(f, "{what}: {error}"),
            PreparationError::Failed {
                what,
                status,
                log,
                tail,
            } => write!(
                f,
                "{what} failed ({status}); its log, {}, ends:\n{tail}",
                log.display()
            ),
        }
    }
}

impl std::error::Error for PreparationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PreparationError::Io { error, .. } | PreparationError::Spawn { error, .. } => {
                Some(error)
            }
            PreparationError::Failed { .. } => None,
        }
    }
}

/// Seconds between two progress lines.
const TICK: Duration = Duration::from_secs(15);

fn timings_file(cache: &Path) -> PathBuf {
    cache.join("timings")
}

/// Reads `key seconds` lines.
fn parse_timings(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

/// How long the step `key` took last time, if it ever completed.
pub fn last_duration(cache: &Path, key: &str) -> Option<Duration> {
    let text = std::fs::read_to_string(timings_file(cache)).ok()?;
    parse_timings(&text)
        .into_iter()
        .rev()
        .find(|(k, _)| k == key)
        .and_then(|(_, s)| Duration::try_from_secs_f64(s).ok())
}

/// Records that the step `key` took `d` (best effort: a read-only cache
/// only loses the estimate).
pub fn record(cache: &Path, key: &str, d: Duration) {
    let path = timings_file(cache);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut all: Vec<(String, f64)> = parse_timings(&text)
        .into_iter()
        .filter(|(k, _)| k != key)
        .collect();
    all.push((key.replace(char::is_whitespace, "_"), d.as_secs_f64()));
    let out: String = all.iter().map(|(k, s)| format!("{k} {s:.1}\n")).collect();
    let _ = std::fs::write(path, out);
}

/// The last non-empty line of `log` (how far a step got).
fn last_line(log: &Path) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    text.lines()
        .rev()
        .map(|l| l.rsplit('\r').next().unwrap_or(l).trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(120)
        .collect()
}

/// The last `n` lines of `log`.
pub fn tail(log: &Path, n: usize) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `cmd` (stdin `/dev/null`, stdout and stderr into `log`), printing
/// `what` with the last duration of `key`, then a progress line every
/// [`TICK`]; records the duration when it succeeds. A failure names the
/// log and shows its end.
pub fn run(
    cache: &Path,
    what: &str,
    key: &str,
    mut cmd: Command,
    log: &Path,
) -> Result<(), PreparationError> {
    let last = last_duration(cache, key)
        .map(|d| format!(" (last time {:.0}s)", d.as_secs_f64()))
        .unwrap_or_default();
    say(format_args!("{what}{last}"));
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let f = std::fs::File::create(log).map_err(io(log))?;
    let f2 = f.try_clone().map_err(io(log))?;
    let spawn = |error| PreparationError::Spawn {
        what: what.to_owned(),
        error,
    };
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(f)
        .stderr(f2)
        .spawn()
        .map_err(spawn)?;
    let done = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (done, log, key) = (done.clone(), log.to_owned(), key.to_owned());
        std::thread::spawn(move || {
            let mut next = TICK;
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(200));
                if start.elapsed() >= next {
                    next += TICK;
                    say(format_args!(
                        "  {key}: {:.0}s: {}",
                        start.elapsed().as_secs_f64(),
                        last_line(&log)
                    ));
                }
            }
        })
    };
    let st = child.wait();
    done.store(true, Ordering::SeqCst);
    let _ = ticker.join();
    let st = st.map_err(spawn)?;
    let d = start.elapsed();
    if !st.success() {
        return Err(PreparationError::Failed {
            what: what.to_owned(),
            status: st,
            log: log.to_owned(),
            tail: tail(log, 15),
        });
    }
    record(cache, key, d);
    say(format_args!("{what}: done in {:.1}s", d.as_secs_f64()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_round_trip_and_the_last_one_wins() {
        let dir = std::env::temp_dir().join(format!("genl-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(last_duration(&dir, "root trixie"), None);
        record(&dir, "root-trixie", Duration::from_secs_f64(71.5));
        record(&dir, "download-x", Duration::from_secs(3));
        record(&dir, "root-trixie", Duration::from_secs(60));
        assert_eq!(
            last_duration(&dir, "root-trixie"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("timings")).unwrap(),
            "download-x 3.0\nroot-trixie 60.0\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_step_names_its_log_and_shows_its_end() {
        use std::os::unix::process::ExitStatusExt;
        let e = PreparationError::Failed {
            what: "apt-get update (bookworm)".into(),
            status: ExitStatus::from_raw(100 << 8),
            log: PathBuf::from("/c/apt/bookworm/update.log"),
            tail: "E: no network".into(),
        };
        assert_eq!(
            e.to_string(),
            "apt-get update (bookworm) failed (exit status: 100); its log, \
             /c/apt/bookworm/update.log, ends:\nE: no network"
        );
    }
}
