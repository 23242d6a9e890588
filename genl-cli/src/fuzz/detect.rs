//! What the kernel says went wrong: its log (`/dev/kmsg`, read as it
//! grows) for KASAN, UBSAN, lockdep, WARN, BUG and oops reports, and
//! kmemleak (`/sys/kernel/debug/kmemleak`, scanned on demand) for leaks of
//! the module's allocations.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// A sanitizer's or the kernel's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Its first line, offsets and addresses dropped (`BUG: KASAN:
    /// slab-out-of-bounds in planted_nl_get_doit`): what tells two
    /// findings apart.
    pub title: String,
    /// `kasan`, `ubsan`, `warn`, `lockdep`, `bug`, `kmemleak`.
    pub kind: String,
    /// The report's lines as the kernel printed them.
    pub lines: Vec<String>,
}

/// First lines of reports, and their kinds.
const STARTS: &[(&str, &str)] = &[
    ("BUG: KASAN:", "kasan"),
    ("UBSAN:", "ubsan"),
    ("WARNING: possible circular locking", "lockdep"),
    ("WARNING: possible recursive locking", "lockdep"),
    ("WARNING: inconsistent lock state", "lockdep"),
    ("WARNING: suspicious RCU usage", "lockdep"),
    ("WARNING:", "warn"),
    ("BUG: sleeping function called", "bug"),
    ("BUG: unable to handle", "bug"),
    ("BUG:", "bug"),
    ("kernel BUG at", "bug"),
    ("general protection fault", "bug"),
    ("Oops:", "bug"),
    ("list_add corruption", "bug"),
    ("list_del corruption", "bug"),
    ("refcount_t:", "bug"),
    ("ODEBUG:", "bug"),
];

/// Drops `+0x1a/0x40`, `0x…` addresses, `[…]` timestamps and PIDs from a
/// report line, so that one bug reached twice has one title.
pub fn normalize(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next = words.get(i + 1).copied();
        // "CPU: 0", "PID: 61", "by task genl/61", "at addr ffff…".
        if matches!(w, "CPU:" | "PID:" | "UID:" | "task" | "addr") {
            i += 2;
            continue;
        }
        if (w == "by" && next == Some("task")) || (w == "at" && next == Some("addr")) {
            i += 1;
            continue;
        }
        i += 1;
        if w.starts_with("0x") || w.starts_with("ffff") {
            continue;
        }
        let w = match w.find("+0x") {
            Some(k) => &w[..k],
            None => w,
        };
        // A source path as the build saw it: its file name is what stays
        // the same from build to build.
        out.push(match w.rfind('/') {
            Some(k) if w.contains(".c:") || w.contains(".h:") => &w[k + 1..],
            _ => w,
        });
    }
    out.join(" ")
}

/// The kind of report `msg` starts, if it starts one.
pub fn report_start(msg: &str) -> Option<&'static str> {
    let m = msg.trim_start();
    STARTS
        .iter()
        .find(|(p, _)| m.starts_with(p) || (p.starts_with("WARNING:") && m.contains(p)))
        .map(|(_, k)| *k)
}

/// The kernel log, from the moment it was opened.
pub struct Kmsg {
    file: std::fs::File,
}

impl Kmsg {
    /// Opens `/dev/kmsg` at its end.
    pub fn open() -> std::io::Result<Kmsg> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")?;
        // SAFETY: lseek on our fd; SEEK_END skips what was logged before.
        unsafe { libc::lseek(file.as_raw_fd(), 0, libc::SEEK_END) };
        Ok(Kmsg { file })
    }

    /// The log records written since the last call (their text).
    pub fn drain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    // "prio,seq,ts,flags;text\n KEY=value…"
                    if let Some((_, text)) = rec.split_once(';') {
                        let text = text.lines().next().unwrap_or("");
                        out.push(text.to_owned());
                    }
                }
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue, // overwritten
                Err(_) => break,
            }
        }
        out
    }

    /// The reports in what was logged since the last call; a report that
    /// is still being printed is waited for (up to a second).
    pub fn reports(&mut self) -> Vec<Report> {
        let mut lines = self.drain();
        if !lines.iter().any(|l| report_start(l).is_some()) {
            return Vec::new();
        }
        // Let the report finish (KASAN's ends with a row of `=`, a WARN
        // with `---[ end trace`).
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
            let more = self.drain();
            let quiet = more.is_empty();
            lines.extend(more);
            if quiet {
                break;
            }
        }
        split_reports(&lines)
    }
}

/// Splits log lines into reports.
pub fn split_reports(lines: &[String]) -> Vec<Report> {
    let mut out: Vec<Report> = Vec::new();
    let mut cur: Option<Report> = None;
    for l in lines {
        if let Some(kind) = report_start(l) {
            // A WARNING inside a KASAN report (or the like) is part of it,
            // and so is the oops a page fault's `BUG:` line announces.
            let inside = cur.as_ref().is_some_and(|c| {
                c.lines.len() < 80
                    && (c.kind == "kasan"
                        || (c.title.starts_with("BUG: kernel NULL pointer dereference")
                            || c.title.starts_with("BUG: unable to handle"))
                            && l.trim_start().starts_with("Oops:"))
            });
            if !inside {
                if let Some(c) = cur.take() {
                    out.push(finish(c));
                }
                let title = normalize(l.trim_start());
                cur = Some(Report {
                    title,
                    kind: kind.to_owned(),
                    lines: Vec::new(),
                });
            }
        }
        if let Some(c) = &mut cur {
            c.lines.push(l.clone());
            if l.starts_with("=====") && c.lines.len() > 2 || l.contains("---[ end trace") {
                out.push(finish(cur.take().unwrap()));
            }
        }
    }
    if let Some(c) = cur {
        out.push(finish(c));
    }
    out
}

/// An oops's title names where it happened, from its `RIP:` line: the
/// header alone (`Oops: general protection fault, probably for
/// non-canonical address 0xdffffc0000000002: 0000 [#1] SMP KASAN`) is the
/// same for every bad pointer, and two bugs would be one finding.
fn finish(mut r: Report) -> Report {
    let oops = [
        "Oops",
        "general protection fault",
        "BUG: kernel NULL pointer",
        "BUG: unable to handle",
        "invalid opcode",
    ];
    if r.kind != "bug" || !oops.iter().any(|p| r.title.starts_with(p)) {
        return r;
    }
    let Some(rip) = r
        .lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("RIP: 0010:"))
    else {
        return r;
    };
    // `Oops: general protection fault, probably for …`, `BUG: kernel NULL
    // pointer dereference, address: …`, `Oops: 0000 [#1] SMP`.
    let mut head = r.title.split(',').next().unwrap_or("");
    if let Some(i) = head.find(" [#") {
        head = head[..i]
            .trim_end_matches(|c: char| c.is_ascii_hexdigit())
            .trim_end()
            .trim_end_matches(':');
    }
    r.title = format!("{head} in {}", normalize(rip));
    r
}

/// kmemleak, restricted to the module's allocations.
pub struct Kmemleak;

/// The kmemleak control file.
const KMEMLEAK: &str = "/sys/kernel/debug/kmemleak";

impl Kmemleak {
    /// Whether the kernel has kmemleak.
    pub fn available() -> bool {
        std::fs::metadata(KMEMLEAK).is_ok()
    }

    /// Forgets what was reported so far.
    pub fn clear() {
        let _ = std::fs::write(KMEMLEAK, "clear");
    }

    /// Scans and returns the leaks whose allocation backtrace goes
    /// through `module` (then clears them, so each leak is told once).
    /// kmemleak reports objects older than 5 s: what was leaked just now
    /// shows at the next scan.
    pub fn scan(module: &str) -> Vec<Report> {
        if std::fs::write(KMEMLEAK, "scan").is_err() {
            return Vec::new();
        }
        let text = std::fs::read_to_string(KMEMLEAK).unwrap_or_default();
        Self::clear();
        parse_kmemleak(&text, module)
    }
}

/// The leaks of `text` (kmemleak's report) allocated through `module`.
pub fn parse_kmemleak(text: &str, module: &str) -> Vec<Report> {
    let tag = format!("[{module}]");
    let mut out = Vec::new();
    for obj in text.split("unreferenced object").skip(1) {
        let lines: Vec<String> = std::iter::once(format!(
            "unreferenced object{}",
            obj.lines().next().unwrap_or("")
        ))
        .chain(obj.lines().skip(1).map(|l| l.to_owned()))
        .collect();
        let Some(frame) = lines.iter().find(|l| l.contains(&tag)) else {
            continue;
        };
        // "    [<ffffffffc0201234>] planted_nl_get_dumpit+0x1c/0x2e0 [planted]"
        let func = frame
            .split_whitespace()
            .find(|w| w.contains("+0x"))
            .map(|w| &w[..w.find("+0x").unwrap()])
            .unwrap_or("?");
        out.push(Report {
            title: format!("memory leak in {func}"),
            kind: "kmemleak".into(),
            lines,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kasan_and_warn_reports_are_told_apart_and_titled_without_addresses() {
        // As 6.12's KASAN and WARN print them (Documentation/dev-tools/kasan.rst).
        let log: Vec<String> = [
            "genl_demo: loaded",
            "==================================================================",
            "BUG: KASAN: slab-out-of-bounds in planted_nl_get_doit+0x1a2/0x3c0 [planted]",
            "Read of size 1 at addr ffff888003a1c020 by task genl/61",
            "CPU: 0 UID: 0 PID: 61 Comm: genl Tainted: G O 6.12.118-genl-debug #1",
            "==================================================================",
            "------------[ cut here ]------------",
            "WARNING: CPU: 0 PID: 61 at /tmp/p/kmod/planted_main.c:240 planted_nl_add_doit+0x2f0/0x400 [planted]",
            "Modules linked in: planted(O)",
            "---[ end trace 0000000000000000 ]---",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = split_reports(&log);
        assert_eq!(r.len(), 2, "{r:#?}");
        assert_eq!(r[0].kind, "kasan");
        assert_eq!(
            r[0].title,
            "BUG: KASAN: slab-out-of-bounds in planted_nl_get_doit [planted]"
        );
        assert_eq!(r[1].kind, "warn");
        assert_eq!(
            r[1].title,
            "WARNING: at planted_main.c:240 planted_nl_add_doit [planted]"
        );
        assert_eq!(r[1].lines.len(), 3);
    }

    #[test]
    fn an_oops_is_titled_by_where_it_happened() {
        // 6.12-debug: planted bug 6 (xtask/fuzz-planted), as dmesg printed it.
        let log: Vec<String> = include_str!("testdata/oops-reset.log")
            .lines()
            .map(str::to_owned)
            .collect();
        let r = split_reports(&log);
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].kind, "bug");
        assert_eq!(
            r[0].title,
            "Oops: general protection fault in planted_nl_reset_doit [planted]"
        );
        // A page fault's BUG line and its oops are one report.
        let log: Vec<String> = [
            "BUG: kernel NULL pointer dereference, address: 0000000000000010",
            "#PF: supervisor write access in kernel mode",
            "Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI",
            "RIP: 0010:other_doit+0x1b/0x40 [other]",
            "---[ end trace 0000000000000000 ]---",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = split_reports(&log);
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(
            r[0].title,
            "BUG: kernel NULL pointer dereference in other_doit [other]"
        );
    }

    #[test]
    fn only_the_modules_leaks_count() {
        let text = "unreferenced object 0xffff888004b2c000 (size 64):\n  comm \"genl\", pid 70, jiffies 4294937296\n  backtrace (crc 0):\n    [<ffffffff81234567>] __kmalloc_noprof+0x1f0/0x400\n    [<ffffffffc0201234>] planted_nl_get_dumpit+0x1c/0x2e0 [planted]\n\
unreferenced object 0xffff888004b2d000 (size 32):\n  comm \"swapper\", pid 1, jiffies 4294937000\n  backtrace (crc 0):\n    [<ffffffff81234567>] kmem_cache_alloc+0x1f0/0x400\n";
        let r = parse_kmemleak(text, "planted");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].title, "memory leak in planted_nl_get_dumpit");
    }
}
