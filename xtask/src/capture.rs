//! What a suite prints, kept while it goes to the terminal as usual, so that
//! the summary can repeat a failed suite's errors at the very end of the log.
//!
//! Standard output and standard error are pointed at pipes for the duration
//! of the suite, so the suite's children (cargo, test binaries, QEMU) write
//! there too; a thread per pipe copies every byte on to the original stream
//! and keeps the last lines.

use std::collections::VecDeque;
use std::io::Write as _;
use std::os::fd::{FromRawFd as _, OwnedFd};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Lines kept per suite, of which `excerpt` picks.
const KEPT: usize = 400;

/// Runs `f` with fds 1 and 2 captured; returns its result and the excerpt of
/// what was printed (see `excerpt`). If the pipes cannot be set up, `f` runs
/// uncaptured and the excerpt is empty.
pub fn run<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let lines = Arc::new(Mutex::new(VecDeque::new()));
    let mut redirects = Vec::new();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    for fd in [1, 2] {
        match Redirect::start(fd, lines.clone()) {
            Some(r) => redirects.push(r),
            None => break,
        }
    }
    let out = f();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    for r in redirects {
        r.stop();
    }
    let lines: Vec<String> = lines
        .lock()
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default();
    (out, excerpt(&lines))
}

/// One fd pointed at a pipe, and the thread that copies the pipe back to
/// where the fd pointed before.
struct Redirect {
    fd: i32,
    saved: OwnedFd,
    done: mpsc::Receiver<()>,
}

impl Redirect {
    fn start(fd: i32, lines: Arc<Mutex<VecDeque<String>>>) -> Option<Redirect> {
        let mut p = [0i32; 2];
        // SAFETY: plain fd syscalls on fds this function owns; every fd made
        // here is owned by an OwnedFd or a File and closed exactly once.
        unsafe {
            if libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                return None;
            }
            let (read, write) = (OwnedFd::from_raw_fd(p[0]), OwnedFd::from_raw_fd(p[1]));
            let saved = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3);
            if saved < 0 {
                return None;
            }
            let saved = OwnedFd::from_raw_fd(saved);
            let to = std::fs::File::from(saved.try_clone().ok()?);
            if libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&write), fd) < 0 {
                return None;
            }
            drop(write);
            let (tx, done) = mpsc::channel();
            std::thread::spawn(move || copy(std::fs::File::from(read), to, &lines, tx));
            Some(Redirect { fd, saved, done })
        }
    }

    /// Points the fd back; waits (a little) for the pipe to drain. A child
    /// that outlives the suite keeps the pipe open: its later output is still
    /// copied through, but not waited for.
    fn stop(self) {
        // SAFETY: dup2 onto an fd of this process from one it owns.
        unsafe {
            libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&self.saved), self.fd);
        }
        let _ = self.done.recv_timeout(Duration::from_secs(2));
    }
}

fn copy(
    mut from: std::fs::File,
    mut to: std::fs::File,
    lines: &Mutex<VecDeque<String>>,
    done: mpsc::Sender<()>,
) {
    use std::io::Read as _;
    let mut buf = [0u8; 8192];
    let mut partial = Vec::new();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let _ = to.write_all(&buf[..n]);
        partial.extend_from_slice(&buf[..n]);
        while let Some(i) = partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = partial.drain(..=i).collect();
            keep(lines, &line[..line.len() - 1]);
        }
    }
    if !partial.is_empty() {
        keep(lines, &partial);
    }
    let _ = done.send(());
}

fn keep(lines: &Mutex<VecDeque<String>>, line: &[u8]) {
    let Ok(mut l) = lines.lock() else { return };
    if l.len() == KEPT {
        l.pop_front();
    }
    l.push_back(
        strip_escapes(&String::from_utf8_lossy(line))
            .trim_end()
            .to_owned(),
    );
}

/// The line without terminal escape sequences (colours: `ESC [ … letter`,
/// charset: `ESC ( B`).
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

/// At most 12 lines that look like errors (the latest ones), then the last 8
/// lines, in order and without repeats.
pub fn excerpt(lines: &[String]) -> Vec<String> {
    let is_error = |l: &str| {
        let t = l.trim_start();
        t.starts_with("error")
            || t.starts_with("Error")
            || t.starts_with("FAIL")
            || t.contains("panicked at")
            || t.contains(" FAILED")
            || t.starts_with("thread '")
    };
    let tail_from = lines.len().saturating_sub(8);
    let errors: Vec<usize> = (0..tail_from).filter(|&i| is_error(&lines[i])).collect();
    let errors = &errors[errors.len().saturating_sub(12)..];
    let mut out: Vec<String> = errors.iter().map(|&i| lines[i].clone()).collect();
    if let Some(&last) = errors.last() {
        if last + 1 < tail_from {
            out.push("…".into());
        }
    }
    out.extend(lines[tail_from..].iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn errors_then_the_end() {
        let mut lines = s(&[
            "Compiling a",
            "error[E0425]: cannot find function `x`",
            "  --> src/lib.rs:3:1",
        ]);
        lines.extend((0..20).map(|i| format!("line {i}")));
        let e = excerpt(&lines);
        assert_eq!(e[0], "error[E0425]: cannot find function `x`");
        assert_eq!(e[1], "…");
        assert_eq!(e.len(), 10);
        assert_eq!(e.last().unwrap(), "line 19");
    }

    #[test]
    fn colours_are_stripped() {
        assert_eq!(
            super::strip_escapes("\x1b[31m-fn  x( ) {}\x1b(B\x1b[m"),
            "-fn  x( ) {}"
        );
    }

    #[test]
    fn short_output_is_all_there_once() {
        let lines = s(&["a", "error: b", "c"]);
        assert_eq!(excerpt(&lines), lines);
    }
}
