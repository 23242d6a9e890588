//! Helpers shared by the integration suites: reading iproute2's output and
//! the hex fixtures captured by `tests/fixtures/capture.sh`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The families iproute2's `genl ctrl list` shows on this machine: the
/// expected values of the host suites.
pub fn iproute2_families() -> Vec<IpFamily> {
    let out = std::process::Command::new("genl")
        .args(["ctrl", "list"])
        .output()
        .expect("iproute2's `genl` is installed (cargo xtask test installs it)");
    assert!(out.status.success());
    parse_genl_ctrl_list(&String::from_utf8(out.stdout).unwrap())
}

/// A family as iproute2's `genl ctrl list` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpFamily {
    pub name: String,
    pub id: u32,
    pub version: u32,
    pub hdrsize: u32,
    pub maxattr: u32,
    /// (command id, capability flags); iproute2 prints the flags only for
    /// families of version 2 or later, so they may be unknown.
    pub ops: Vec<(u32, Option<u32>)>,
    /// (group name, group id)
    pub groups: Vec<(String, u32)>,
}

impl IpFamily {
    /// The same fields of a family our nlctrl types decoded, to compare with
    /// what iproute2 printed.
    pub fn from_info(f: &genl_core::controller::FamilyInfo<'_>) -> Self {
        IpFamily {
            name: f.family_name.to_owned(),
            id: f.family_id.into(),
            version: f.version,
            hdrsize: f.hdrsize,
            maxattr: f.maxattr,
            ops: f.ops.iter().map(|o| (o.id, Some(o.flags))).collect(),
            groups: f
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
        }
    }
}

fn hex_after(s: &str, key: &str) -> Option<u32> {
    let rest = &s[s.find(key)? + key.len()..];
    let tok: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let tok = tok.trim_start_matches("0x");
    u32::from_str_radix(tok, 16).ok()
}

fn dec_after(s: &str, key: &str) -> Option<u32> {
    let rest = &s[s.find(key)? + key.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// Parses the text of `genl ctrl list` (iproute2's genl/ctrl.c format).
pub fn parse_genl_ctrl_list(text: &str) -> Vec<IpFamily> {
    let mut out: Vec<IpFamily> = Vec::new();
    let mut pending_op: Option<u32> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("Name: ") {
            out.push(IpFamily {
                name: name.trim().to_owned(),
                ..Default::default()
            });
            pending_op = None;
            continue;
        }
        let Some(f) = out.last_mut() else { continue };
        if t.starts_with("ID: ") {
            f.id = hex_after(t, "ID:").expect("family id");
            f.version = hex_after(t, "Version:").expect("version");
            f.hdrsize = dec_after(t, "header size:").expect("hdrsize");
            f.maxattr = dec_after(t, "max attribs:").expect("maxattr");
        } else if t.starts_with('#') && t.contains("name:") {
            let id = hex_after(t, "ID-").expect("group id");
            let name = t[t.find("name:").unwrap() + 5..].trim().to_owned();
            f.groups.push((name, id));
        } else if t.starts_with('#') && t.contains("ID-") {
            pending_op = hex_after(t, "ID-");
            // An op without capabilities has no "Capabilities" line.
            f.ops.push((pending_op.unwrap(), None));
        } else if t.starts_with("Capabilities (") {
            let caps = hex_after(t, "Capabilities (").expect("caps");
            if let (Some(id), Some(last)) = (pending_op, f.ops.last_mut()) {
                assert_eq!(last.0, id);
                last.1 = Some(caps);
            }
        }
    }
    out
}

impl IpFamily {
    /// Forgets op flags that `printed` (iproute2's view) does not show, so
    /// the two can be compared with `==`.
    pub fn masked_like(mut self, printed: &IpFamily) -> IpFamily {
        for (op, p) in self.ops.iter_mut().zip(&printed.ops) {
            if p.1.is_none() {
                op.1 = None;
            }
        }
        self
    }
}

/// The fixture directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Reads a `.hex` fixture: one datagram per line.
pub fn read_hex(name: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).expect("hex"))
                .collect()
        })
        .collect()
}

/// Whether this process is root (for suites that need netns or devices).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A test that cannot run here: fails, so that it never passes without
/// testing, unless `GENL_ALLOW_SKIP=1` is set. Then the skip is appended to
/// the file `GENL_SKIP_LOG` names (`cargo xtask test` sets it and reports
/// each line as a SKIPPED row of its summary), as `<test>\t<why>`.
///
/// The test is named by its thread (libtest names each test's thread); a
/// thread of the test's own must be spawned with [`spawn_named`], or the
/// skip fails.
pub fn skip(why: &str) {
    if std::env::var_os("GENL_ALLOW_SKIP").is_some_and(|v| v == "1") {
        let Some(test) = std::thread::current().name().map(str::to_owned) else {
            panic!(
                "SKIPPED from an unnamed thread, which names no test ({why}): \
                 spawn it with common::spawn_named"
            );
        };
        eprintln!("SKIPPED (not run, GENL_ALLOW_SKIP=1): {test}: {why}");
        if let Some(log) = std::env::var_os("GENL_SKIP_LOG") {
            use std::io::Write;
            let exe = std::env::args()
                .next()
                .and_then(|a| {
                    Path::new(&a)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                })
                .unwrap_or_default();
            let exe = exe.rsplit_once('-').map_or(exe.as_str(), |(s, _)| s);
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("GENL_SKIP_LOG is writable");
            writeln!(f, "{exe}::{test}\t{}", why.replace(['\n', '\t'], " "))
                .expect("GENL_SKIP_LOG is writable");
        }
    } else {
        panic!("SKIPPED (not run): {why}; set GENL_ALLOW_SKIP=1 to allow skipping");
    }
}

/// Spawns a scoped thread named as the calling one (libtest names a test's
/// thread after the test), so that a [`skip`] inside it names the test.
pub fn spawn_named<'scope, T: Send + 'scope>(
    s: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, T> {
    let name = std::thread::current()
        .name()
        .expect("called from a test's (named) thread")
        .to_owned();
    std::thread::Builder::new()
        .name(name)
        .spawn_scoped(s, f)
        .expect("spawning a thread")
}

/// `Some` of what `r` holds; or, when it is [`genl_core::Error::FamilyNotFound`]
/// (the controller has no such family: the one confirmed absence a host
/// test may skip on), a [`skip`] and `None`. Any other error fails the
/// test.
pub fn unless_absent<T>(r: Result<T, genl_core::Error>, what: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(genl_core::Error::FamilyNotFound(f)) => {
            skip(&format!(
                "{what}: family {f} is not registered on this kernel"
            ));
            None
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

/// A bound in time for a loop that receives from the kernel: each receive
/// has a timeout, but a stream of messages that never ends (or never holds
/// what the loop waits for) would keep it going.
pub struct Deadline {
    what: &'static str,
    until: std::time::Instant,
    limit: std::time::Duration,
}

impl Deadline {
    /// `limit` from now, for the loop that waits for `what`.
    pub fn new(what: &'static str, limit: std::time::Duration) -> Deadline {
        Deadline {
            what,
            until: std::time::Instant::now() + limit,
            limit,
        }
    }

    /// Fails the test once the deadline has passed.
    pub fn check(&self) {
        assert!(
            std::time::Instant::now() < self.until,
            "still waiting for {} after {:?}",
            self.what,
            self.limit
        );
    }
}

/// A named network namespace for one test, deleted on drop.
pub struct NetNs {
    pub name: String,
}

impl NetNs {
    /// Creates `genl-<tag>-<pid>` with `ip netns add`.
    pub fn new(tag: &str) -> NetNs {
        let name = format!("genl-{tag}-{}", std::process::id());
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &name])
            .output();
        run("ip", &["netns", "add", &name]);
        NetNs { name }
    }

    /// Runs `ip -n NAME args...`, asserting success; returns stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Moves the calling thread into this namespace (`setns`): sockets it
    /// opens afterwards live there. Call it from a thread of your own.
    pub fn enter(&self) {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(format!("/run/netns/{}", self.name)).expect("netns file");
        // SAFETY: valid fd; CLONE_NEWNET affects only the calling thread.
        let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
    }

    /// The ifindex of `dev`, as iproute2 reports it.
    pub fn ifindex(&self, dev: &str) -> u32 {
        let out = self.ip(&["-o", "link", "show", "dev", dev]);
        out.split(':').next().unwrap().trim().parse().unwrap()
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Runs a command, asserting success; returns stdout.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
