//! `cargo xtask new-user`: the path of someone who writes their own family,
//! taken as they would take it, outside this repository.
//!
//! 1. `cargo install --path genl-cli` into a temporary prefix (the tool is
//!    all they get from genl);
//! 2. in a temporary directory outside the checkout, `genl new counter` —
//!    a name the kernel's own uapi headers use (`linux/counter.h`), so the
//!    project gets another uapi header — committed to git as created;
//! 3. in the project: `genl generate --check`, `genl check`; they change
//!    no committed file and leave nothing to commit;
//! 4. no committed file names a path of this machine: the project's, the
//!    per-user genl cache's, the temporary directory's;
//! 5. the project cloned into another directory, as on another machine: a
//!    fresh genl cache (`GENL_CACHE_DIR`) without the genl crates, whose
//!    `kernels/` links to the real cache's (the Debian kernels and the
//!    debug kernel are reused, never rebuilt, re-downloaded or deleted).
//!    There `cargo build` fails until `genl sync` (the one command the
//!    scaffold's README names for a clone) has written the crates to the
//!    fresh cache; then `cargo build`, `cargo clippy --all-targets -- -D
//!    warnings` and `genl vm test` (PASS on the default kernels, 5.10,
//!    6.1, 6.12 and newest, and on 6.12-debug, with the scaffold's
//!    selftest) pass, and the clone has nothing to commit;
//! 6. the family on the wire: one more boot of 6.12 in the clone (`genl vm
//!    test --guest-bin`) runs the selftest, then a guest script that loads
//!    nlmon, reloads the module (a fresh family), captures the selftest's
//!    traffic with `genl trace --write` (the static `genl` the repository's
//!    VM run builds) and prints the pcap on the console; the host decodes
//!    it with tshark and the clone's generated dissector `kmod/counter.lua`
//!    and compares every field with genl's own decode and the clone's
//!    `kmod/counter.yaml` ([`crate::trace_check::compare`]), printing a
//!    `NEW-USER-TRACE` line; no capture is a failure;
//! 7. their module fuzzed: `genl fuzz --time 60` in the clone (the
//!    installed `genl`, the debug kernel, KCOV): coverage reported, no
//!    finding, nothing to commit; a `NEW-USER-FUZZ` line;
//! 8. `genl new` and `genl check` for two names the template was not
//!    written for (15 bytes, the longest a family name can be, and 1).
//!
//! It prints the wall time from `genl new` to the last PASS and the lines
//! written by hand (none: every file is the scaffold's or generated). The
//! environment of the steps is cleaned of this checkout's cargo and genl
//! variables, and the temporary directory is removed on success (kept, and
//! named, on failure).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use genl_cli::host;
use genl_cli::project::GuestConfig;

use crate::{trace_check, util};

/// The family `genl new` creates.
const NAME: &str = "counter";

/// A command with a clean environment: nothing of this checkout's cargo
/// run or of its `genl.toml` overrides leaks into the user's steps.
fn clean(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars() {
        let keep = k == "CARGO_HOME" || k == "CARGO_TERM_COLOR";
        if (k.starts_with("CARGO_") && !keep)
            || k.starts_with("GENL_VM_")
            || k == "CARGO"
            || k == "RUSTC_WRAPPER"
        {
            cmd.env_remove(&k);
        }
    }
    cmd
}

/// Runs `cmd` (printing it), timing it.
fn step(what: &str, cmd: &mut Command) -> Result<f64, String> {
    println!("\nnew-user: $ {what}");
    let t = Instant::now();
    let st = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    if !st.success() {
        return Err(format!("`{what}` failed ({st}) after {secs:.1}s"));
    }
    println!("new-user: `{what}` passed in {secs:.1}s");
    Ok(secs)
}

/// `git ARGS` in `dir`, with an identity of its own (a fresh machine has
/// none) and no signing; its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=genl new-user",
            "-c",
            "user.email=new-user@genl.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "git {} in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Fails when `git status` in `repo` shows anything: the steps before
/// changed a committed file or left one a user would have to commit.
fn nothing_to_commit(repo: &Path, after: &str) -> Result<(), String> {
    let status = git(repo, &["status", "--porcelain", "--untracked-files=all"])?;
    if status.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "after {after}, {} has changes a user would have to commit:\n{status}",
            repo.display()
        ))
    }
}

/// The committed files of `repo` that contain one of `needles` (absolute
/// paths of this machine), each with the needle found.
fn committed_files_naming(repo: &Path, needles: &[&Path]) -> Result<Vec<String>, String> {
    let files = git(repo, &["ls-files", "-z"])?;
    let mut found = Vec::new();
    for f in files.split('\0').filter(|f| !f.is_empty()) {
        let data = std::fs::read(repo.join(f)).map_err(|e| format!("{f}: {e}"))?;
        let text = String::from_utf8_lossy(&data);
        for n in needles {
            let n = n.to_string_lossy();
            if text.contains(&*n) {
                found.push(format!("{f} names {n}"));
            }
        }
    }
    Ok(found)
}

/// The guest script of [`trace_in_vm`]: nlmon loaded, the module
/// reloaded (the selftest ran before it in the same boot: its counters
/// exist), `genl trace --write` started in the background, the selftest
/// run again, the trace stopped with SIGTERM, the capture printed between
/// the `GENL-TRACE-PCAP` markers. Fails when any step does.
const TRACE_SCRIPT: &str = r#"#!/bin/sh
# The @name@ family through nlmon: the selftest's traffic, captured.
genl=$(ls /tests/*-genl | head -n 1)
selftest=$(ls /tests/*-@name@-selftest | head -n 1)
[ -x "$genl" ] && [ -x "$selftest" ] || { echo "trace: no genl or selftest in /tests"; exit 1; }
modprobe nlmon || { echo "trace: modprobe nlmon failed"; exit 1; }
for m in $GENL_VM_MODULES; do rmmod "$m" || exit 1; done
for m in $GENL_VM_MODULES; do insmod "$GENL_VM_MODULE_DIR/$m.ko" || exit 1; done
"$genl" trace --device genlmon0 --write /tmp/trace.pcap >/tmp/trace.out 2>/tmp/trace.err &
pid=$!
i=0
until grep -q "capturing on" /tmp/trace.err 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
        cat /tmp/trace.err
        echo "trace: genl trace did not start"
        exit 1
    fi
    sleep 0.1
done
"$selftest"
rc=$?
kill -TERM $pid
wait $pid
trc=$?
cat /tmp/trace.err
echo "trace: $(wc -l < /tmp/trace.out) message(s) shown live; genl trace rc=$trc, selftest rc=$rc"
[ -s /tmp/trace.pcap ] || { echo "trace: no capture"; exit 1; }
set -- $(wc -c < /tmp/trace.pcap)
echo "GENL-TRACE-PCAP-BEGIN $(uname -r) $1"
base64 /tmp/trace.pcap | sed 's/^/GENL-TRACE-PCAP: /'
echo "GENL-TRACE-PCAP-END"
[ $rc -eq 0 ] && [ $trc -eq 0 ]
"#;

/// The clone's family on the wire (step 6): one boot of 6.12 in `clone`
/// with `vm` (`genl` with the clone's environment) running the selftest
/// the clone's `genl vm test` built, `genl ctrl get`, and the capture
/// script; then the capture from the console log compared in tshark and
/// genl. The static `genl` for the guest is the repository's (`root`)
/// release guest build, as `cargo xtask vm test` makes it.
fn trace_in_vm(
    root: &Path,
    tmp: &Path,
    clone: &Path,
    vm: &mut Command,
) -> Result<trace_check::Summary, String> {
    println!("\nnew-user: the {NAME} family through nlmon in 6.12, in tshark and genl trace");
    let tool = genl_cli::vm::build_guest_programs(
        root,
        &root.join("target/genl-vm"),
        &[GuestConfig {
            package: "genl-cli".into(),
            bin: Some("genl".into()),
            test: None,
            example: None,
            args: Vec::new(),
            release: true,
            ynl: false,
            min_tests: None,
            kernels: None,
        }],
    )?
    .remove(0)
    .path;
    let selftest = clone
        .join("target/genl-vm/cargo/x86_64-unknown-linux-gnu/debug")
        .join(format!("{NAME}-selftest"));
    if !selftest.is_file() {
        return Err(format!(
            "{} is missing: `genl vm test` in the clone should have built it",
            selftest.display()
        ));
    }
    let script = tmp.join("trace-capture");
    std::fs::write(&script, TRACE_SCRIPT.replace("@name@", NAME))
        .map_err(|e| format!("{}: {e}", script.display()))?;
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let logs = clone.join("target/genl-vm/logs");
    // Only this boot's log may hold a capture.
    let _ = std::fs::remove_dir_all(&logs);
    for p in [&tool, &selftest, &script] {
        if p.to_string_lossy().contains(char::is_whitespace) {
            return Err(format!("{}: --guest-bin takes no spaces", p.display()));
        }
    }
    step(
        "genl vm test --kernels 6.12 --guest-bin <selftest> --guest-bin '<genl> ctrl get' --guest-bin <trace script> (in the clone)",
        vm.args(["vm", "test", "--kernels", "6.12", "--guest-bin"])
            .arg(&selftest)
            .arg("--guest-bin")
            .arg(format!("{} ctrl get {NAME}", tool.display()))
            .arg("--guest-bin")
            .arg(&script),
    )?;
    let spec = std::fs::read_to_string(clone.join(format!("kmod/{NAME}.yaml")))
        .map_err(|e| format!("kmod/{NAME}.yaml: {e}"))?;
    let lua = clone.join(format!("kmod/{NAME}.lua"));
    let mut checked = trace_check::check_logs(&logs, &clone.join("target/genl-vm"), &spec, &lua)
        .map_err(|e| format!("the {NAME} capture: {e}"))?;
    if checked.len() != 1 {
        return Err(format!(
            "{} captures in {}, want 1",
            checked.len(),
            logs.display()
        ));
    }
    let (_, s) = checked.remove(0);
    // The selftest's session: requests, replies, a dump, errors with their
    // extended ACK.
    s.require(&["op", "cmd", "extack.error", "extack.op", "extack.msg"])?;
    if s.attribute_values() == 0 {
        return Err(format!("tshark showed no attribute of {NAME}: {s}"));
    }
    Ok(s)
}

/// Runs the suite.
pub fn run(_args: &[String]) -> Result<(), String> {
    let root = util::workspace_root();
    let tmp = std::env::temp_dir().join(format!("genl-new-user-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let prefix = tmp.join("prefix");
    let work = tmp.join("work");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let result = (|| -> Result<(), String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let install = step(
            "cargo install --path genl-cli --root <tmp>/prefix --locked",
            clean(Path::new(&cargo))
                .args(["install", "--quiet", "--locked", "--path"])
                .arg(root.join("genl-cli"))
                .arg("--root")
                .arg(&prefix)
                .current_dir(&root),
        )?;
        let genl = prefix.join("bin").join("genl");
        let path = format!(
            "{}:{}",
            prefix.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let project = work.join(NAME);
        let t = Instant::now();
        step(
            &format!("genl new {NAME}"),
            clean(&genl)
                .args(["new", NAME])
                .current_dir(&work)
                .env("PATH", &path),
        )?;
        let uapi = project.join("kmod/include/uapi/linux/counter_genl.h");
        if !uapi.is_file() {
            return Err(format!(
                "{} is missing: the kernel has linux/counter.h, so the scaffold must use another uapi header",
                uapi.display()
            ));
        }
        if !host::have("git") {
            util::apt_install(&["git"])?;
        }
        git(&project, &["init", "-q"])?;
        git(&project, &["add", "-A"])?;
        git(&project, &["commit", "-q", "-m", "genl new counter"])?;
        // The scaffold README's release workflow: tag, then compare with
        // the tag (nothing changed: no findings).
        git(&project, &["tag", "v0.1.0"])?;
        let committed = git(&project, &["ls-files"])?;
        // The file that once carried this machine's cache path is among
        // those checked below; `.genl/` (per machine) is not committed.
        let files: Vec<&str> = committed.lines().collect();
        if !files.contains(&".cargo/config.toml") || files.iter().any(|f| f.starts_with(".genl/")) {
            return Err(format!(
                "`git add -A` after `genl new` should commit .cargo/config.toml and nothing \
                 under .genl/; it committed: {}",
                files.join(" ")
            ));
        }
        let committed = files.len();
        for (what, args) in [
            ("genl generate --check", &["generate", "--check"][..]),
            ("genl check", &["check"][..]),
            (
                "genl check --compat v0.1.0",
                &["check", "--compat", "v0.1.0"][..],
            ),
        ] {
            step(
                what,
                clean(&genl)
                    .args(args)
                    .current_dir(&project)
                    .env("PATH", &path),
            )?;
        }
        nothing_to_commit(&project, "`genl generate --check` and `genl check`")?;
        // Nothing committed may name where this machine keeps things.
        let cache = genl_cli::cache::cache_dir()?;
        let named = committed_files_naming(&project, &[&project, &cache, &tmp])?;
        if !named.is_empty() {
            return Err(format!(
                "committed files name paths of this machine: {}",
                named.join("; ")
            ));
        }
        println!(
            "new-user: {committed} committed files name neither {} nor {} nor {}",
            project.display(),
            cache.display(),
            tmp.display()
        );

        // Another machine: the project cloned elsewhere, a genl cache
        // without the crates; only the kernels are shared (a link), so
        // none is downloaded or built again.
        let clone = tmp.join("elsewhere").join(NAME);
        git(
            &work,
            &[
                "clone",
                "-q",
                &project.to_string_lossy(),
                &clone.to_string_lossy(),
            ],
        )?;
        let clone_cache = tmp.join("clone-cache");
        let kernels = genl_cli::cache::kernels_dir(&cache);
        std::fs::create_dir_all(&kernels).map_err(|e| format!("{}: {e}", kernels.display()))?;
        std::fs::create_dir_all(&clone_cache)
            .map_err(|e| format!("{}: {e}", clone_cache.display()))?;
        std::os::unix::fs::symlink(&kernels, genl_cli::cache::kernels_dir(&clone_cache))
            .map_err(|e| format!("{}: {e}", clone_cache.display()))?;
        // And the suites' apt lists and the toolchain roots (a trixie root
        // builds the newest kernel's modules: 400 MB made once).
        for shared in ["apt", "roots"] {
            let dir = cache.join(shared);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            std::os::unix::fs::symlink(&dir, clone_cache.join(shared))
                .map_err(|e| format!("{}: {e}", clone_cache.display()))?;
        }
        let in_clone = |program: &Path| {
            let mut cmd = clean(program);
            cmd.current_dir(&clone)
                .env("PATH", &path)
                .env("GENL_CACHE_DIR", &clone_cache);
            cmd
        };
        let t_clone = Instant::now();
        // Before any genl command, cargo cannot find the crates, and says
        // where it looked (the scaffold's README quotes it).
        let out = in_clone(Path::new("cargo"))
            .args(["build", "--quiet"])
            .output()
            .map_err(|e| format!("cargo build: {e}"))?;
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || !err.contains(".genl/crates/genl-core/Cargo.toml") {
            return Err(format!(
                "cargo build in a fresh clone before `genl sync`: want a failure naming \
                 .genl/crates/genl-core/Cargo.toml, got {}: {err}",
                out.status
            ));
        }
        step("genl sync (in the clone)", in_clone(&genl).arg("sync"))?;
        let linked = std::fs::read_link(clone.join(".genl/crates"))
            .map_err(|e| format!("the clone's .genl/crates after `genl sync`: {e}"))?;
        if !linked.starts_with(&clone_cache) || !linked.join(".complete").is_file() {
            return Err(format!(
                "`genl sync` in the clone linked .genl/crates to {}, not to a copy in {}",
                linked.display(),
                clone_cache.display()
            ));
        }
        step(
            "cargo build (in the clone)",
            in_clone(Path::new("cargo")).arg("build"),
        )?;
        step(
            "cargo clippy --all-targets -- -D warnings (in the clone)",
            in_clone(Path::new("cargo")).args(["clippy", "--all-targets", "--", "-D", "warnings"]),
        )?;
        step(
            "genl vm test (in the clone)",
            in_clone(&genl).args(["vm", "test", "--kernels", "5.10,6.1,6.12,newest,6.12-debug"]),
        )?;
        nothing_to_commit(&clone, "the steps in the clone")?;
        let clone_total = t_clone.elapsed().as_secs_f64();
        let t_trace = Instant::now();
        let summary = trace_in_vm(&root, &tmp, &clone, &mut in_clone(&genl))?;
        let trace_secs = t_trace.elapsed().as_secs_f64();
        nothing_to_commit(&clone, "the nlmon capture")?;
        // Their module fuzzed, as they would: coverage, and no finding.
        let fuzz_json = tmp.join("fuzz.json");
        step(
            "genl fuzz --time 60 (in the clone, 6.12-debug)",
            in_clone(&genl)
                .args(["fuzz", "--time", "60", "--seed", "1", "--json"])
                .arg(&fuzz_json),
        )?;
        nothing_to_commit(&clone, "genl fuzz")?;
        let fuzz = fuzz_summary(&fuzz_json)?;
        let total = t.elapsed().as_secs_f64();
        // Names the template was not written for: the longest a family can
        // have, and the shortest. Generated and hand-written C must stay
        // checkpatch-clean (line lengths, alignment) for both.
        for other in ["a_fifteen_chars", "x"] {
            step(
                &format!("genl new {other}"),
                clean(&genl)
                    .args(["new", other])
                    .current_dir(&work)
                    .env("PATH", &path),
            )?;
            step(
                &format!("genl check ({other})"),
                clean(&genl)
                    .arg("check")
                    .current_dir(work.join(other))
                    .env("PATH", &path),
            )?;
        }
        println!("\nNEW-USER-TRACE {NAME} (6.12, nlmon, {trace_secs:.1}s): {summary}");
        println!("NEW-USER-FUZZ {NAME} (6.12-debug): {fuzz}");
        println!(
            "NEW-USER install {install:.1}s; `genl new {NAME}` to PASS on every kernel: {total:.1}s \
             (of which the clone, `genl sync` to PASS: {clone_total:.1}s); \
             lines written by hand: 0 ({committed} files from the scaffold and `genl generate`)"
        );
        Ok(())
    })();
    match &result {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(_) => eprintln!("new-user: kept {} for a look", tmp.display()),
    }
    result
}

/// `genl fuzz --json`'s report in a line; an error when it ran without
/// coverage.
fn fuzz_summary(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let r = &v["runs"][0];
    let (reached, blocks) = (
        r["blocks_reached"].as_u64().unwrap_or(0),
        r["blocks"].as_u64().unwrap_or(0),
    );
    if r["kcov"] != serde_json::Value::Bool(true) || reached == 0 {
        return Err(format!("genl fuzz ran without coverage: {r}"));
    }
    Ok(format!(
        "{} execs in {:.0} s, {reached}/{blocks} basic blocks of the module, corpus {}, {} finding(s)",
        r["execs"],
        r["seconds"].as_f64().unwrap_or(0.0),
        r["corpus"],
        r["findings"].as_array().map_or(0, Vec::len)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_committed_files_naming_a_path_are_reported() {
        let dir = std::env::temp_dir().join(format!("xtask-new-user-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let here = Path::new("/home/someone/.cache/genl");
        std::fs::write(dir.join("clean.txt"), "nothing local\n").unwrap();
        std::fs::write(
            dir.join("sub/config.toml"),
            "path = \"/home/someone/.cache/genl/x\"\n",
        )
        .unwrap();
        std::fs::write(dir.join(".gitignore"), "/ignored\n").unwrap();
        std::fs::write(dir.join("ignored"), "/home/someone/.cache/genl\n").unwrap();
        git(&dir, &["init", "-q"]).unwrap();
        git(&dir, &["add", "-A"]).unwrap();
        git(&dir, &["commit", "-q", "-m", "t"]).unwrap();
        assert_eq!(
            committed_files_naming(&dir, &[here, Path::new("/elsewhere")]).unwrap(),
            ["sub/config.toml names /home/someone/.cache/genl"]
        );
        nothing_to_commit(&dir, "committing").unwrap();
        std::fs::write(dir.join("new.txt"), "x").unwrap();
        let e = nothing_to_commit(&dir, "a step").unwrap_err();
        assert!(e.contains("new.txt"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
