//! The guest side: static test programs, the `/init` script and the initramfs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cpio::Archive;
use super::kernels::Kernel;
use super::kmod::modinfo;
use crate::host;
use crate::kernel_source::PayloadEntry;
use crate::project::{GuestConfig, TargetKind};

/// A program to run in the guest.
#[derive(Clone, Debug)]
pub struct GuestBin {
    /// Short name, used in the console markers and the summary.
    pub name: String,
    /// The static executable (or `#!/bin/sh` script) on the host.
    pub path: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Whether it drives the kernel's YNL CLI (`ynl = true` in genl.toml).
    pub ynl: bool,
    /// The least number of passed tests it must report (`min-tests`; a
    /// `test` target defaults to 1).
    pub min_tests: Option<u64>,
    /// The kernel series it runs on (`kernels`; `None`: all of the run).
    pub kernels: Option<Vec<String>>,
}

impl GuestBin {
    /// Parses `PATH ARGS...` (whitespace-separated; no quoting).
    pub fn from_spec(spec: &str, abs: &dyn Fn(PathBuf) -> PathBuf) -> Result<GuestBin, String> {
        let mut words = spec.split_whitespace();
        let path = abs(PathBuf::from(
            words.next().ok_or("--guest-bin: empty program")?,
        ));
        let mut name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("--guest-bin {spec:?}: no file name"))?;
        // cargo's `deps/<name>-<16 hex>`: keep the readable part.
        if let Some((stem, hash)) = name.rsplit_once('-') {
            if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                name = stem.to_owned();
            }
        }
        Ok(GuestBin {
            name,
            path,
            args: words.map(str::to_owned).collect(),
            ynl: false,
            min_tests: None,
            kernels: None,
        })
    }
}

/// The ELF interpreter (`PT_INTERP`, e.g. `/lib64/ld-linux-x86-64.so.2`)
/// of the 64-bit little-endian ELF `data`: `Ok(None)` for one without (a
/// static or static-pie executable), an error for what is not such an ELF.
fn elf_interpreter(data: &[u8]) -> Result<Option<String>, String> {
    if data.len() < 64 || &data[..4] != b"\x7fELF" || data[4] != 2 || data[5] != 1 {
        return Err("not a 64-bit little-endian ELF".into());
    }
    let u16_at = |o: usize| u16::from_le_bytes([data[o], data[o + 1]]) as usize;
    let u64_at = |o: usize| -> Option<usize> {
        let b = data.get(o..o.checked_add(8)?)?;
        usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok()
    };
    let phoff = u64_at(0x20).ok_or("bad program header offset")?;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let o = i
            .checked_mul(phentsize)
            .and_then(|x| x.checked_add(phoff))
            .ok_or("bad program headers")?;
        let Some(ty) = data.get(o..o.saturating_add(4)) else {
            return Err("truncated program headers".into());
        };
        if ty != [3, 0, 0, 0] {
            continue;
        }
        let (off, size) = u64_at(o + 8)
            .zip(u64_at(o + 32))
            .ok_or("truncated PT_INTERP header")?;
        let path = off
            .checked_add(size)
            .and_then(|end| data.get(off..end))
            .ok_or("PT_INTERP points past the end of the file")?;
        let path = path.split(|b| *b == 0).next().unwrap_or_default();
        return String::from_utf8(path.to_vec())
            .map(Some)
            .map_err(|_| "PT_INTERP is not UTF-8".into());
    }
    Ok(None)
}

/// Fails unless `path` runs without a dynamic loader: an ELF without
/// `PT_INTERP` (static or static-pie) or a `#!/bin/sh` script.
pub fn check_static(path: &Path) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if data.starts_with(b"#!/bin/sh") {
        return Ok(());
    }
    match elf_interpreter(&data) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(format!(
            "{}: dynamically linked (has an ELF interpreter); the guest has no libc: \
             build with RUSTFLAGS=\"-C target-feature=+crt-static\" \
             --target x86_64-unknown-linux-gnu",
            path.display()
        )),
        Err(e) if e.starts_with("not a ") => Err(format!(
            "{}: not a 64-bit little-endian ELF nor a #!/bin/sh script",
            path.display()
        )),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The directories glibc's loader searches without an `ld.so.cache` (the
/// guest has none), on Debian's amd64 (`ld.so --help`).
const LOADER_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib",
    "/usr/lib",
];

/// The libraries in `ldd`'s output `text`: (the name the program asks
/// for, the host file the loader found), in order, the interpreter's own
/// line included (its name is its path); the vDSO (no file) is left out.
/// A library the loader did not find is an error.
fn ldd_libraries(text: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = Vec::new();
    for l in text.lines().map(str::trim) {
        // `name => /path (0x...)`, `name => not found`, `/path (0x...)`.
        let without_address =
            |s: &str| s.split(" (0x").next().unwrap_or_default().trim().to_owned();
        let (name, rest) = match l.split_once(" => ") {
            Some((n, r)) => (n.trim().to_owned(), r.trim()),
            None => (without_address(l), l),
        };
        if rest.starts_with("not found") {
            return Err(format!("ldd: {name} not found on the host"));
        }
        let path = without_address(rest);
        if !path.starts_with('/') {
            continue; // linux-vdso.so.1, "statically linked"
        }
        out.push((name, PathBuf::from(path)));
    }
    Ok(out)
}

/// The initramfs entries that run the host executable `exe` in the guest
/// at `guest_path` (`/usr/bin/genl`): the executable (stripped of
/// debug info, using `stage` as scratch space) and, for a dynamically
/// linked one, its ELF interpreter at the absolute path `PT_INTERP` names
/// and every library it needs (`ldd`), each at the path the host's loader
/// found it at, with its real contents (symbolic links followed). A
/// library outside the loader's default directories (`/lib/x86_64-linux-gnu`,
/// `/usr/lib/x86_64-linux-gnu`, `/lib`, `/usr/lib`; the
/// guest has no `ld.so.cache`) is also put in `/lib/x86_64-linux-gnu`
/// under the name the program asks for. Libraries loaded with `dlopen`
/// (NSS, for instance) are not found this way.
pub fn executable_entries(
    exe: &Path,
    guest_path: &str,
    stage: &Path,
) -> Result<Vec<PayloadEntry>, String> {
    let data = std::fs::read(exe).map_err(|e| format!("{}: {e}", exe.display()))?;
    let interp = elf_interpreter(&data).map_err(|e| format!("{}: {e}", exe.display()))?;
    std::fs::create_dir_all(stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    let guest_path = guest_path.trim_start_matches('/');
    let mut out = vec![PayloadEntry::File(
        guest_path.to_owned(),
        stripped(exe, stage)?,
        0o755,
    )];
    let Some(interp) = interp else {
        return Ok(out);
    };
    let text = host::output(
        Command::new("ldd").arg(exe),
        &format!("ldd {}", exe.display()),
    )?;
    let mut libs = ldd_libraries(&text)?;
    if !libs.iter().any(|(_, p)| p == Path::new(&interp)) {
        libs.push((interp.clone(), PathBuf::from(&interp)));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, path) in libs {
        let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut at = vec![path.display().to_string()];
        let dir = path.parent().map(|d| d.display().to_string());
        if path != Path::new(&interp) && !LOADER_DIRS.contains(&dir.as_deref().unwrap_or("")) {
            let file = Path::new(&name)
                .file_name()
                .ok_or_else(|| format!("ldd: bad library name {name:?}"))?;
            at.push(format!("/lib/x86_64-linux-gnu/{}", file.to_string_lossy()));
        }
        for p in at {
            if seen.insert(p.clone()) {
                out.push(PayloadEntry::File(
                    p.trim_start_matches('/').to_owned(),
                    data.clone(),
                    0o755,
                ));
            }
        }
    }
    Ok(out)
}

/// The target triple guest programs are built for (static via `+crt-static`).
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Extracts the string value of the first `"key":"..."` at or after `from`.
fn json_str(line: &str, key: &str, from: usize) -> Option<(String, usize)> {
    let pat = format!("\"{key}\":\"");
    let start = line.get(from..)?.find(&pat)? + from + pat.len();
    let mut out = String::new();
    let mut chars = line[start..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, start + i)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

/// The guest programs of `guests` (`[[vm.guest]]` of genl.toml), built
/// statically from the cargo workspace at `project_root`: one cargo run per
/// package and profile (dev, and `--release` for the `release = true`
/// ones), with `cargo build --bin/--test/--example`.
///
/// They are built in `genl-vm/cargo` under the cargo workspace's target
/// directory (`cargo metadata`'s `target_directory`; `<work>/cargo` if it
/// names none): the directory of a project that is its own workspace, and
/// one shared by every project of a larger workspace (genl's own and
/// `examples/portwatch` compile their common crates once). It is apart from
/// the workspace's usual builds, as the static flags differ.
pub fn build_programs(
    project_root: &Path,
    work: &Path,
    guests: &[GuestConfig],
) -> Result<Vec<GuestBin>, String> {
    let (packages, target_dir) = workspace_targets(project_root)?;
    let cargo_dir = target_dir
        .map(|t| t.join("genl-vm").join("cargo"))
        .unwrap_or_else(|| work.join("cargo"));
    for g in guests {
        let (kind, name) = g.target();
        let Some(targets) = packages.get(&g.package) else {
            return Err(format!(
                "guest program {} `{name}`: no package `{}` in the cargo workspace at {} \
                 (packages: {})",
                kind.as_str(),
                g.package,
                project_root.display(),
                packages.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        if !targets.contains(&(kind.as_str().to_owned(), name.to_owned())) {
            let same_kind: Vec<&str> = targets
                .iter()
                .filter(|(k, _)| k == kind.as_str())
                .map(|(_, n)| n.as_str())
                .collect();
            return Err(format!(
                "guest program {kind} `{name}` does not exist in package `{pkg}` \
                 (its {kind} targets: {list}); write it, or edit [[vm.guest]] in genl.toml, \
                 or pass --guest-bin",
                kind = kind.as_str(),
                pkg = g.package,
                list = if same_kind.is_empty() {
                    "none".to_owned()
                } else {
                    same_kind.join(", ")
                }
            ));
        }
    }
    // One cargo run per (package, release), in order of first appearance.
    let mut groups: Vec<(&str, bool)> = Vec::new();
    for g in guests {
        if !groups.contains(&(g.package.as_str(), g.release)) {
            groups.push((g.package.as_str(), g.release));
        }
    }
    let mut found = BTreeMap::new();
    for (package, release) in groups {
        let targets: Vec<(TargetKind, &str)> = guests
            .iter()
            .filter(|g| g.package == package && g.release == release)
            .map(|g| g.target())
            .collect();
        found.insert(
            (package.to_owned(), release),
            cargo_build(project_root, &cargo_dir, package, &targets, release)?,
        );
    }
    let mut bins = Vec::new();
    for g in guests {
        let (kind, name) = g.target();
        let path = found
            .get(&(g.package.clone(), g.release))
            .and_then(|f| f.get(&(kind.as_str().to_owned(), name.to_owned())))
            .ok_or_else(|| {
                format!(
                    "cargo built no executable for {} `{name}` of package `{}`",
                    kind.as_str(),
                    g.package
                )
            })?;
        check_static(path)?;
        bins.push(GuestBin {
            name: name.to_owned(),
            path: path.clone(),
            args: g.args.clone(),
            ynl: g.ynl,
            // A test harness that ran no test proves nothing.
            min_tests: g.min_tests.or((kind == TargetKind::Test).then_some(1)),
            kernels: g.kernels.clone(),
        });
    }
    Ok(bins)
}

/// The targets of the packages of the cargo workspace at `root`.
type Targets = BTreeMap<String, Vec<(String, String)>>;

/// The (kind, name) of every target of every package of the cargo workspace
/// at `root`, by package name, and the workspace's target directory
/// (`cargo metadata --no-deps`).
fn workspace_targets(root: &Path) -> Result<(Targets, Option<PathBuf>), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let text = host::output(
        Command::new(&cargo)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(root)
            .stderr(Stdio::inherit()),
        &format!("{cargo} metadata (in {})", root.display()),
    )?;
    let meta: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut out = BTreeMap::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        let mut targets = Vec::new();
        for t in p["targets"].as_array().into_iter().flatten() {
            let tname = t["name"].as_str().unwrap_or_default();
            for k in t["kind"].as_array().into_iter().flatten() {
                if let Some(k) = k.as_str() {
                    targets.push((k.to_owned(), tname.to_owned()));
                }
            }
        }
        out.insert(name.to_owned(), targets);
    }
    let target_dir = meta["target_directory"].as_str().map(PathBuf::from);
    Ok((out, target_dir))
}

/// One `cargo build` of `targets` ((kind, name) of `package`) for the
/// guest, in the target directory `target_dir`; returns the executables by
/// (kind, name).
fn cargo_build(
    root: &Path,
    target_dir: &Path,
    package: &str,
    targets: &[(TargetKind, &str)],
    release: bool,
) -> Result<BTreeMap<(String, String), PathBuf>, String> {
    // `cargo build --test X` builds a test with its libtest harness, and
    // `--example Y` builds an example as the program users run (under
    // `cargo test --no-run` an example would be built as a test harness).
    let mut args: Vec<String> = vec![
        "build".into(),
        "--package".into(),
        package.to_owned(),
        "--target".into(),
        TARGET.into(),
        "--message-format=json-render-diagnostics".into(),
    ];
    if release {
        args.push("--release".into());
    }
    for (i, (kind, name)) in targets.iter().enumerate() {
        // A target run with several argument lists is built once.
        if targets[..i].contains(&(*kind, *name)) {
            continue;
        }
        args.push(format!("--{}", kind.as_str()));
        args.push((*name).to_owned());
    }
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(f) if !f.trim().is_empty() => format!("{f} -C target-feature=+crt-static"),
        _ => "-C target-feature=+crt-static".to_owned(),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("vm: building guest programs: {cargo} {}", args.join(" "));
    let out = Command::new(&cargo)
        .args(&args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{cargo}: {e}"))?;
    if !out.status.success() {
        return Err("building the guest programs failed (see cargo's output above)".into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut found: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for line in stdout.lines() {
        if !line.contains("\"reason\":\"compiler-artifact\"") {
            continue;
        }
        let Some(t) = line.find("\"target\":{") else {
            continue;
        };
        let Some((exe, _)) = json_str(line, "executable", 0) else {
            continue;
        };
        let kind = line[t..]
            .find("\"kind\":[\"")
            .and_then(|i| kind_of(line, i + t));
        let Some((name, _)) = json_str(line, "name", t) else {
            continue;
        };
        if let Some(kind) = kind {
            found.insert((kind, name), PathBuf::from(exe));
        }
    }
    Ok(found)
}

/// The first entry of the `"kind":["..."]` array starting at `i`.
fn kind_of(line: &str, i: usize) -> Option<String> {
    let s = line.get(i + "\"kind\":[\"".len()..)?;
    let end = s.find('"')?;
    Some(s[..end].to_owned())
}

/// Quotes `s` for the guest's `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What `/init` needs to know about the boot besides the programs.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The boot's secret: only `/init` reads it (from
    /// `/etc/genl-vm-token`, deleted before any program runs) and prints it
    /// in its `GENL-VM-RESULT:` line, so a program cannot forge the verdict.
    pub token: String,
    /// The series name (`GENL_VM_SERIES`).
    pub series: String,
    /// A sanitizer kernel: `GENL_VM_DEBUG=1`, and kmemleak is armed before
    /// the modules load and scanned after they are unloaded (0 leaks).
    pub debug: bool,
    /// A second revision of the modules (`--module-rev`), put in the guest
    /// but not loaded.
    pub module_rev: Option<ModuleRev>,
}

/// The modules of another revision of the module dir, built for the
/// booted kernel: in the guest under [`MODULE_REV_DIR`]
/// (`GENL_VM_MODULE_REV_DIR`), with the commit in `GENL_VM_MODULE_REV`, for
/// guest programs to load in place of the working tree's.
#[derive(Clone, Debug)]
pub struct ModuleRev {
    /// The commit the modules were built from (full hash).
    pub commit: String,
    /// The `.ko` files.
    pub kos: Vec<PathBuf>,
}

/// Where the guest holds a [`ModuleRev`]'s modules: outside
/// `/lib/modules`, so that depmod, modprobe and the family autoload only
/// ever see the working tree's.
pub const MODULE_REV_DIR: &str = "/lib/genl-vm-rev";

/// A fresh random token (32 hex digits from `/dev/urandom`).
pub fn random_token() -> Result<String, String> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The kernel log lines that fail a run when they appear after the start
/// marker (an extended regular expression for `grep -E`): oopses, BUG and
/// WARNING reports (lockdep's, sleeping in atomic context and KASAN's
/// start with one of them), refcount and list corruption, UBSAN and KASAN
/// reports, debug objects (`ODEBUG:`), lockdep giving up, RCU stalls,
/// soft lockups, hung tasks, kmemleak's "new suspected memory leaks".
pub const KERNEL_LOG_FAILURES: &str =
    "BUG|WARNING|Oops|refcount|leak|Call Trace|UBSAN|KASAN|ODEBUG|\
general protection|corruption|soft lockup|hung task|lockdep|possible circular|possible recursive|\
inconsistent lock|suspicious RCU|detected stalls|Unable to handle";

/// The `/init` script. `modules` are guest paths in load order; `ours` are the
/// module names the harness built (unloaded at the end to catch leaks).
fn init_script(
    modules: &[String],
    ours: &[String],
    bins: &[(String, String, &[String])],
    o: &InitOptions,
) -> String {
    let mut s = String::from(
        r#"#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TMPDIR=/tmp RUST_BACKTRACE=1
/bin/busybox --install -s
# The boot's token: in no file and no exported variable once programs run.
read -r token < /etc/genl-vm-token
rm -f /etc/genl-vm-token
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname genl-vm
ip link set lo up 2>/dev/null
export GENL_VM=1 GENL_VM_KERNEL="$(uname -r)"
export GENL_VM_MODULE_DIR="/lib/modules/$(uname -r)/extra"
fail=""
addfail() { fail="${fail:+$fail; }$*"; echo "GENL-VM: FAIL: $*"; }
kmemleak=/sys/kernel/debug/kmemleak
"#,
    );
    s += &format!("export GENL_VM_SERIES={}\n", sh_quote(&o.series));
    if let Some(rev) = &o.module_rev {
        s += &format!(
            "export GENL_VM_MODULE_REV_DIR={MODULE_REV_DIR} GENL_VM_MODULE_REV={}\n",
            sh_quote(&rev.commit)
        );
    }
    if o.debug {
        s += r#"export GENL_VM_DEBUG=1
# Leaks from before the tests (boot) are reported and cleared now, before the
# start marker: only what the modules and the tests leave counts.
if [ -w $kmemleak ]; then
    echo scan > $kmemleak
    echo clear > $kmemleak
    echo "GENL-VM: kmemleak armed"
else
    addfail "the debug kernel has no $kmemleak"
fi
"#;
    }
    s += r#"echo "GENL-VM-KMSG-START" > /dev/kmsg
echo "GENL-VM: kernel $(uname -r), $(nproc) cpus"
"#;
    s += &format!("export GENL_VM_MODULES={}\n", sh_quote(&ours.join(" ")));
    for m in modules {
        let base = m.rsplit('/').next().unwrap_or(m);
        s += &format!(
            "echo \"GENL-VM: insmod {m}\"\n\
             out=$(insmod {q} 2>&1) || addfail \"insmod {base} failed: ${{out##*: }}\"\n",
            q = sh_quote(m)
        );
    }
    s += r#"if grep -q genl_vm_shell /proc/cmdline; then
    echo "GENL-VM: interactive shell; test programs are in /tests; exit leaves"
    cd /root
    setsid cttyhack sh
    reboot -f
fi
if [ -z "$fail" ]; then
    cd /root
"#;
    for (name, path, args) in bins {
        let argv: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
        s += &format!(
            "    echo \"GENL-VM-TEST-BEGIN {name}\"\n    \
             {path} {argv} </dev/null 2>&1\n    \
             rc=$?\n    \
             echo \"GENL-VM-TEST-END {name} rc=$rc\"\n    \
             [ $rc -eq 0 ] || addfail \"{name} exited with status $rc\"\n",
            path = sh_quote(path),
            argv = argv.join(" ")
        );
    }
    s += "fi\n";
    for m in ours.iter().rev() {
        s += &format!(
            "if [ -d /sys/module/{m} ]; then\n    \
             out=$(rmmod {m} 2>&1) || addfail \"rmmod {m} failed: $out\"\nfi\n"
        );
    }
    if o.debug {
        // kmemleak reports objects older than 5 s: the second scan sees
        // what was allocated just before the unload.
        s += r#"if [ -w $kmemleak ]; then
    echo scan > $kmemleak
    sleep 6
    echo scan > $kmemleak
    leaks=$(grep -c '^unreferenced object' $kmemleak)
    echo "GENL-VM: kmemleak after rmmod: $leaks unreferenced object(s) (2 scans, 6 s apart)"
    if [ "$leaks" != 0 ]; then
        echo GENL-VM-KMEMLEAK-BEGIN
        cat $kmemleak
        echo GENL-VM-KMEMLEAK-END
        addfail "kmemleak: $leaks unreferenced object(s) after the modules were unloaded"
    fi
fi
"#;
    }
    s += r#"sleep 0.2
dmesg > /tmp/dmesg.txt
echo GENL-VM-DMESG-BEGIN
cat /tmp/dmesg.txt
echo GENL-VM-DMESG-END
# Without the start marker the log cannot be judged (it wrapped): a failure.
if grep -q GENL-VM-KMSG-START /tmp/dmesg.txt; then
"#;
    s += &format!(
        "    bad=$(sed -n '/GENL-VM-KMSG-START/,$p' /tmp/dmesg.txt | grep -E '{KERNEL_LOG_FAILURES}')\n"
    );
    s += r#"    [ -z "$bad" ] || addfail "kernel log: $(echo "$bad" | head -n 1)"
else
    addfail "kernel log: the start marker is gone (the ring buffer wrapped): it cannot be checked"
fi
if [ -z "$fail" ]; then
    echo "GENL-VM-RESULT: $token PASS"
else
    echo "GENL-VM-RESULT: $token FAIL $fail"
fi
sync
# Resets the machine: qemu (-no-reboot) exits, with or without ACPI.
reboot -f
"#;
    s
}

/// Kernel modules packed into every initramfs that has them, not loaded:
/// `nlmon` for `genl trace` (live capture; `modprobe nlmon`, or the
/// kernel's autoload of `rtnl-link-nlmon`).
const SHIPPED_MODULES: &[&str] = &["nlmon"];

/// A module and the modules it needs, found by name.
struct ModSet {
    /// name -> (path under `lib/modules/<release>/`, module bytes, deps)
    mods: BTreeMap<String, (String, Vec<u8>, Vec<String>)>,
}

fn norm(name: &str) -> String {
    name.replace('-', "_")
}

/// Finds `<name>.ko[.xz]` in the unpacked kernel's module tree.
fn find_kernel_module(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find_kernel_module(&p, name) {
                return Some(f);
            }
            continue;
        }
        let f = p.file_name()?.to_string_lossy().into_owned();
        let stem = f
            .strip_suffix(".ko")
            .or_else(|| f.strip_suffix(".ko.xz"))
            .or_else(|| f.strip_suffix(".ko.zst"));
        if stem.is_some_and(|s| norm(s) == name) {
            return Some(p);
        }
    }
    None
}

/// Reads a module, decompressing `.ko.xz` (busybox insmod cannot).
fn read_module(p: &Path) -> Result<Vec<u8>, String> {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    let tool = match ext {
        "xz" => "xz",
        "zst" => "zstd",
        _ => return std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())),
    };
    let out = Command::new(tool)
        .args(["-d", "-c"])
        .arg(p)
        .output()
        .map_err(|e| format!("{tool}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{tool} -d {} failed", p.display()));
    }
    Ok(out.stdout)
}

impl ModSet {
    fn add(&mut self, k: &Kernel, name: &str, rel_path: String, host: &Path) -> Result<(), String> {
        if self.mods.contains_key(name) {
            return Ok(());
        }
        let deps: Vec<String> = modinfo(host, "depends")?
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(norm)
            .collect();
        let data = read_module(host)?;
        self.mods
            .insert(name.to_owned(), (rel_path, data, deps.clone()));
        let kmods = k.root.join("lib/modules").join(&k.release);
        for d in deps {
            if self.mods.contains_key(&d) {
                continue;
            }
            let f = find_kernel_module(&kmods, &d).ok_or_else(|| {
                format!("module {name} needs {d}, which is neither built here nor in the kernel")
            })?;
            let rel = f
                .strip_prefix(&kmods)
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .trim_end_matches(".xz")
                .trim_end_matches(".zst")
                .to_owned();
            self.add(k, &d, rel, &f)?;
        }
        Ok(())
    }

    /// Names in load order (dependencies first).
    fn order(&self) -> Vec<String> {
        fn visit(s: &ModSet, n: &str, seen: &mut Vec<String>) {
            if seen.iter().any(|x| x == n) {
                return;
            }
            seen.push(n.to_owned()); // cycle guard; moved to its place below
            if let Some((_, _, deps)) = s.mods.get(n) {
                for d in deps {
                    visit(s, d, seen);
                }
            }
            seen.retain(|x| x != n);
            seen.push(n.to_owned());
        }
        let mut seen = Vec::new();
        for n in self.mods.keys() {
            visit(self, n, &mut seen);
        }
        seen
    }
}

/// Packs the initramfs for `k` (busybox, `/init`, modules, guest programs)
/// into `<work>/initramfs/<release>.cpio` and returns its path.
/// `extra` are more files (python and the kernel's YNL CLI, for instance).
pub fn initramfs(
    work: &Path,
    k: &Kernel,
    kos: &[PathBuf],
    bins: &[GuestBin],
    extra: &[PayloadEntry],
    init: &InitOptions,
) -> Result<PathBuf, String> {
    let busybox = Path::new("/bin/busybox");
    check_static(busybox).map_err(|e| format!("{e} (install busybox-static)"))?;
    let mut a = Archive::default();
    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run", "root", "etc",
        "mnt", "tests",
    ] {
        a.dir(d);
    }
    a.chardev("dev/console", 0o600, 5, 1);
    a.chardev("dev/null", 0o666, 1, 3);
    let bb = std::fs::read(busybox).map_err(|e| format!("{}: {e}", busybox.display()))?;
    a.file("bin/busybox", 0o755, &bb);
    a.symlink("bin/sh", "busybox");
    a.file("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n");
    a.file("etc/group", 0o644, b"root:x:0:\n");
    a.file(
        "etc/hosts",
        0o644,
        b"127.0.0.1 localhost genl-vm\n::1 localhost\n",
    );

    // Modules: ours under extra/, the kernel's that they need in their own
    // place, plus depmod's indexes so busybox modprobe and family autoload work.
    let mut set = ModSet {
        mods: BTreeMap::new(),
    };
    let mut ours = Vec::new();
    for ko in kos {
        let stem = ko
            .file_stem()
            .map(|s| norm(&s.to_string_lossy()))
            .ok_or("bad .ko name")?;
        let file = ko.file_name().unwrap().to_string_lossy().into_owned();
        set.add(k, &stem, format!("extra/{file}"), ko)?;
        ours.push(stem);
    }
    let stage = work.join("initramfs").join(&k.release);
    let _ = std::fs::remove_dir_all(&stage);
    let mods_dir = stage.join("lib/modules").join(&k.release);
    std::fs::create_dir_all(&mods_dir).map_err(|e| e.to_string())?;
    for (rel, data, _) in set.mods.values() {
        let p = mods_dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&p, data).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    // What the build's feature probes found (genl_compat.mk): beside the
    // modules, where guest programs read it (`genl_core::module_features`,
    // `$GENL_VM_MODULE_DIR`) to know what this kernel can say.
    let header = genl_core::module_features::FEATURES_HEADER;
    if let Some(found) = kos
        .iter()
        .filter_map(|ko| ko.parent())
        .map(|d| d.join(header))
        .find(|p| p.is_file())
    {
        let to = mods_dir.join("extra").join(header);
        std::fs::create_dir_all(mods_dir.join("extra")).map_err(|e| e.to_string())?;
        std::fs::copy(&found, &to).map_err(|e| format!("{}: {e}", found.display()))?;
    }
    let kmods = k.root.join("lib/modules").join(&k.release);
    // Kernel modules shipped but not loaded: guest programs (or the
    // kernel's autoload) load them when they need them.
    for name in SHIPPED_MODULES {
        if let Some(f) = find_kernel_module(&kmods, name) {
            let rel = f.strip_prefix(&kmods).map_err(|e| e.to_string())?;
            let rel = rel.to_string_lossy();
            let p = mods_dir.join(rel.trim_end_matches(".xz").trim_end_matches(".zst"));
            std::fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(&p, read_module(&f)?).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    for f in [
        "modules.builtin",
        "modules.builtin.modinfo",
        "modules.order",
    ] {
        let _ = std::fs::copy(kmods.join(f), mods_dir.join(f));
    }
    let st = Command::new("depmod")
        .arg("-b")
        .arg(&stage)
        .arg(&k.release)
        .status()
        .map_err(|e| format!("depmod: {e}"))?;
    if !st.success() {
        return Err("depmod failed".into());
    }
    let mut stack = vec![mods_dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| e.to_string())? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&stage)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let data = std::fs::read(&p).map_err(|e| e.to_string())?;
                a.file(&rel, 0o644, &data);
            }
        }
    }
    let load: Vec<String> = set
        .order()
        .iter()
        .map(|n| format!("/lib/modules/{}/{}", k.release, set.mods[n].0))
        .collect();

    // Guest programs, stripped of debug info (smaller image, faster boot).
    let mut entries = Vec::new();
    for (i, b) in bins.iter().enumerate() {
        let guest = format!("tests/{:02}-{}", i + 1, b.name);
        let data = stripped(&b.path, &stage)?;
        a.file(&guest, 0o755, &data);
        entries.push((b.name.clone(), format!("/{guest}"), b.args.as_slice()));
    }
    if let Some(rev) = &init.module_rev {
        a.dir(MODULE_REV_DIR.trim_start_matches('/'));
        for ko in &rev.kos {
            let file = ko.file_name().ok_or("bad .ko name")?.to_string_lossy();
            let data = read_module(ko)?;
            a.file(
                &format!("{}/{file}", MODULE_REV_DIR.trim_start_matches('/')),
                0o644,
                &data,
            );
        }
    }
    for e in extra {
        match e {
            PayloadEntry::File(p, data, mode) => a.file(p, *mode, data),
            PayloadEntry::Link(p, target) => a.symlink(p, target),
            PayloadEntry::Dir(p) => a.dir(p),
        }
    }
    a.file(
        "etc/genl-vm-token",
        0o600,
        format!("{}\n", init.token).as_bytes(),
    );
    let init = init_script(&load, &ours, &entries, init);
    a.file("init", 0o755, init.as_bytes());
    let out = work.join("initramfs").join(format!("{}.cpio", k.release));
    std::fs::write(&out, a.finish()).map_err(|e| format!("{}: {e}", out.display()))?;
    let _ = std::fs::write(stage.join("init"), init);
    Ok(out)
}

/// `path`'s bytes without debug sections (keeps symbols for backtraces).
fn stripped(path: &Path, tmp_dir: &Path) -> Result<Vec<u8>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !data.starts_with(b"\x7fELF") || !host::have("strip") {
        return Ok(data);
    }
    let tmp = tmp_dir.join("stripped.tmp");
    let ok = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&tmp)
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    let out = if ok {
        std::fs::read(&tmp).map_err(|e| e.to_string())?
    } else {
        data
    };
    let _ = std::fs::remove_file(&tmp);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(debug: bool) -> String {
        let args = ["--x".to_owned()];
        init_script(
            &["/lib/modules/r/extra/m.ko".into()],
            &["m".into()],
            &[("t".into(), "/tests/01-t".into(), &args[..])],
            &InitOptions {
                token: "tok".into(),
                series: "6.12-debug".into(),
                debug,
                module_rev: None,
            },
        )
    }

    #[test]
    fn ldd_output_names_each_library_and_where_it_is() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\
            \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fe1)\n\
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe2)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007fe3)\n";
        let libs = ldd_libraries(text).unwrap();
        let names: Vec<(&str, &str)> = libs
            .iter()
            .map(|(n, p)| (n.as_str(), p.to_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("libgcc_s.so.1", "/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                ("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
                ("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"),
            ]
        );
        let e = ldd_libraries("\tlibfoo.so.1 => not found\n").unwrap_err();
        assert_eq!(e, "ldd: libfoo.so.1 not found on the host");
        assert!(ldd_libraries("\tstatically linked\n").unwrap().is_empty());
    }

    #[test]
    fn a_dynamic_executable_brings_its_loader_and_libraries() {
        // This test binary: dynamically linked against the host's glibc
        // unless built with +crt-static.
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(&exe).unwrap();
        let Some(interp) = elf_interpreter(&data).unwrap() else {
            return;
        };
        let stage = std::env::temp_dir().join(format!("genl-guest-exe-{}", std::process::id()));
        let entries = executable_entries(&exe, "/usr/bin/t", &stage).unwrap();
        let files: BTreeMap<&str, &Vec<u8>> = entries
            .iter()
            .filter_map(|e| match e {
                PayloadEntry::File(p, d, 0o755) => Some((p.as_str(), d)),
                _ => None,
            })
            .collect();
        assert_eq!(files.len(), entries.len(), "all files, all executable");
        assert!(files.contains_key("usr/bin/t"));
        // The loader, with the real contents of what its path links to.
        let loader = files[interp.trim_start_matches('/')];
        assert_eq!(
            *loader,
            std::fs::read(std::fs::canonicalize(&interp).unwrap()).unwrap()
        );
        assert!(loader.starts_with(b"\x7fELF"));
        assert!(
            files.keys().any(|p| p.ends_with("/libc.so.6")),
            "{:?}",
            files.keys()
        );
        // A static program is just itself.
        let busybox = Path::new("/bin/busybox");
        if check_static(busybox).is_ok() {
            let e = executable_entries(busybox, "bin/bb", &stage).unwrap();
            assert_eq!(e.len(), 1);
        }
        // Neither an ELF nor a script.
        let text = stage.join("text");
        std::fs::write(&text, "hello, this is not a program at all\n".repeat(4)).unwrap();
        let e = check_static(&text).unwrap_err();
        assert!(e.contains("not a 64-bit little-endian ELF nor"), "{e}");
        let _ = std::fs::remove_dir_all(&stage);
        assert!(elf_interpreter(b"\x7fELF\x02\x01").is_err());
    }

    #[test]
    fn a_module_rev_is_announced_to_the_programs_and_not_loaded() {
        let rev = ModuleRev {
            commit: "0123abcd".into(),
            kos: vec![PathBuf::from("/x/genl_demo.ko")],
        };
        let s = init_script(
            &["/lib/modules/r/extra/m.ko".into()],
            &["m".into()],
            &[],
            &InitOptions {
                token: "tok".into(),
                series: "6.12".into(),
                debug: false,
                module_rev: Some(rev),
            },
        );
        assert!(s.contains(
            "export GENL_VM_MODULE_REV_DIR=/lib/genl-vm-rev GENL_VM_MODULE_REV='0123abcd'\n"
        ));
        let exported = s.find("GENL_VM_MODULE_REV_DIR").unwrap();
        let first_program = s.find("GENL-VM-TEST-BEGIN").unwrap_or(s.len());
        assert!(exported < first_program);
        assert!(!s.contains("insmod '/lib/genl-vm-rev"));
    }

    #[test]
    fn the_verdict_needs_the_token_and_the_start_marker() {
        let s = script(false);
        // The token is read, then its file removed, before any program runs.
        let read = s.find("read -r token < /etc/genl-vm-token").unwrap();
        let rm = s.find("rm -f /etc/genl-vm-token").unwrap();
        let run = s.find("/tests/01-t").unwrap();
        assert!(read < rm && rm < run);
        assert!(!s.contains("export token") && !s.contains("tok "));
        assert!(s.contains("echo \"GENL-VM-RESULT: $token PASS\""));
        // A wrapped log (no start marker) fails.
        assert!(s.contains("the start marker is gone"));
        assert!(s.contains(&format!("grep -E '{KERNEL_LOG_FAILURES}'")));
        for p in [
            "KASAN",
            "UBSAN",
            "ODEBUG",
            "possible circular",
            "BUG",
            "WARNING",
        ] {
            assert!(KERNEL_LOG_FAILURES.contains(p), "{p}");
        }
        assert!(s.contains("export GENL_VM_SERIES='6.12-debug'"));
        assert!(!s.contains("GENL_VM_DEBUG") && !s.contains("echo scan"));
    }

    #[test]
    fn a_debug_kernel_arms_kmemleak_and_scans_after_rmmod() {
        let s = script(true);
        assert!(s.contains("export GENL_VM_DEBUG=1"));
        // Armed (scan + clear) before the start marker and the modules.
        let clear = s.find("echo clear > $kmemleak").unwrap();
        let marker = s.find("echo \"GENL-VM-KMSG-START\" > /dev/kmsg").unwrap();
        let insmod = s.find("insmod '/lib/modules").unwrap();
        assert!(clear < marker && marker < insmod);
        // Two scans after rmmod; leaks fail.
        let rmmod = s.find("rmmod m").unwrap();
        let scans: Vec<usize> = s
            .match_indices("echo scan > $kmemleak")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(scans.len(), 3);
        assert!(scans[1] > rmmod && scans[2] > scans[1]);
        assert!(s.contains("addfail \"kmemleak: $leaks unreferenced object(s)"));
    }
}
