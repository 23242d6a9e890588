//! One client of the `genl_demo` family against two revisions of its
//! module, in the VM: the "mixed versions" suite of `cargo xtask test`
//! (xtask/src/mixed.rs) builds this program twice — from today's schema
//! (version 1) and from a copy with `xtask/mixed/v2.patch` applied (version
//! 2: an attribute, a command and an event added) — and boots each kernel
//! once with both programs and both modules (`genl vm test --module-rev`).
//!
//! Each program loads each module in turn (the working tree's from
//! `$GENL_VM_MODULE_DIR`, the other revision's from
//! `$GENL_VM_MODULE_REV_DIR`), learns which version it is from the
//! controller, and checks what its pairing must give:
//! - everything a client of either version knows works against a module of
//!   either version (echo, set, get, dump, delete, events);
//! - an old client decodes a new module's replies, which carry an
//!   attribute it does not know, and passes over an event it does not know;
//! - a new client asking an old module for a new command or attribute gets
//!   [`Error::Unsupported`] before anything is sent, naming the command or
//!   the attribute's path and both versions;
//! - a new client with a new module uses the new parts.
//!
//! What differs between the two clients' sources is in `version.rs`.
//! Prints one `PAIRING` line per module and `N passed, M failed`.

mod version;

use std::process::{Command, ExitCode};
use std::time::Duration;

use genl::demo::{demo_cmd, DemoCmd, Echo, KvKey, KvOp};
use genl_core::{Connection, Family, Subscription};

/// What one check found, or why it failed.
type Check = Result<Vec<String>, String>;

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Replaces the loaded `genl_demo` with the one in `dir`; returns the
/// family version the module registered.
fn load(dir: &str) -> Result<u32, String> {
    // No autoload of the working tree's module while the family is away.
    std::fs::write("/proc/sys/kernel/modprobe", "/bin/false\n")
        .map_err(|e| format!("/proc/sys/kernel/modprobe: {e}"))?;
    let _ = sh("rmmod", &["genl_demo"]);
    sh("insmod", &[&format!("{dir}/genl_demo.ko")])?;
    let version = Connection::new()
        .and_then(|mut c| c.resolve(DemoCmd::SCHEMA.name).map(|f| f.version))
        .map_err(|e| format!("after insmod {dir}/genl_demo.ko: {e}"))?;
    Ok(version)
}

/// What every client version knows, against any module version.
fn common(conn: &mut Connection, sub: &mut Subscription) -> Check {
    let mut seen = Vec::new();
    let echo: Echo<'_> = conn
        .query(
            demo_cmd::Echo,
            &Echo {
                msg: "mixed",
                cookie: Some(7),
            },
        )
        .map_err(|e| format!("echo: {e}"))?;
    if (echo.msg, echo.cookie) != ("mixed", Some(7)) {
        return Err(format!("echo came back as {echo:?}"));
    }
    for (key, value) in [("k1", &b"one"[..]), ("k2", &b"two"[..])] {
        conn.request(demo_cmd::KvSet, &version::entry(key, value))
            .map_err(|e| format!("set {key}: {e}"))?;
    }
    let got = conn
        .query(demo_cmd::KvGet, &KvKey { key: "k1" })
        .map_err(|e| format!("get k1: {e}"))?;
    if (got.key, got.value) != ("k1", Some(&b"one"[..])) {
        return Err(format!("get k1 gave {got:?}"));
    }
    seen.push("echo, set and get work".to_owned());
    let mut keys = Vec::new();
    let mut dump = conn
        .dump(demo_cmd::KvGet, &())
        .map_err(|e| format!("dump: {e}"))?;
    while let Some(e) = dump.next().map_err(|e| format!("dump: {e}"))? {
        keys.push(e.key.to_owned());
    }
    keys.sort();
    if keys != ["k1", "k2"] {
        return Err(format!("the dump gave {keys:?}, not [k1, k2]"));
    }
    seen.push("the dump gives both entries".to_owned());
    conn.request(demo_cmd::KvDel, &KvKey { key: "k2" })
        .map_err(|e| format!("del k2: {e}"))?;
    let mut events = Vec::new();
    while events.len() < 3 {
        let ev = sub.next_event().map_err(|e| format!("events: {e}"))?;
        let e = ev
            .event(demo_cmd::KvEvent)
            .ok_or_else(|| format!("an event of command {}, not KV_EVENT", ev.genl.cmd))?
            .map_err(|e| format!("KV_EVENT: {e}"))?;
        events.push((e.op, e.key.to_owned()));
    }
    let want = [
        (KvOp::Set, "k1".to_owned()),
        (KvOp::Set, "k2".to_owned()),
        (KvOp::Del, "k2".to_owned()),
    ];
    if events != want {
        return Err(format!("events {events:?}, not {want:?}"));
    }
    seen.push("a subscriber sees set, set, del".to_owned());
    Ok(seen)
}

/// The checks of client version `client` against module version `module`,
/// on a module just loaded (no entries).
fn pairing(client: u32, module: u32) -> Check {
    let mut conn = Connection::new().map_err(|e| e.to_string())?;
    let mut sub = Subscription::new(DemoCmd::SCHEMA.name, "events").map_err(|e| e.to_string())?;
    sub.set_timeout(Some(Duration::from_secs(10)));
    let versions = conn
        .family_versions::<DemoCmd>()
        .map_err(|e| e.to_string())?;
    if (versions.kernel, u32::from(versions.client)) != (module, client) {
        return Err(format!("family_versions gave {versions:?}"));
    }
    let mut seen = common(&mut conn, &mut sub)?;
    seen.extend(version::differences(&mut conn, &mut sub, module)?);
    Ok(seen)
}

fn main() -> ExitCode {
    let client = u32::from(DemoCmd::SCHEMA.version);
    let dirs = ["GENL_VM_MODULE_DIR", "GENL_VM_MODULE_REV_DIR"].map(std::env::var);
    let [Ok(primary), Ok(rev)] = dirs else {
        eprintln!(
            "mixed-versions runs inside the VM with a second module revision: \
             genl vm test --module-rev REF (GENL_VM_MODULE_DIR and GENL_VM_MODULE_REV_DIR unset)"
        );
        return ExitCode::FAILURE;
    };
    let (mut passed, mut failed) = (0, 0);
    let mut modules = Vec::new();
    for dir in [&primary, &rev] {
        let outcome = load(dir).and_then(|module| {
            modules.push(module);
            let name = format!("client v{client} × module v{module}");
            pairing(client, module)
                .map(|seen| (name.clone(), seen))
                .map_err(|e| format!("{name}: {e}"))
        });
        match outcome {
            Ok((name, seen)) => {
                passed += 1;
                println!("PAIRING {name}: PASS");
                for s in seen {
                    println!("    {s}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("PAIRING FAIL: {e} (module from {dir})");
            }
        }
    }
    modules.sort_unstable();
    if modules != [1, 2] {
        failed += 1;
        println!("the two modules registered versions {modules:?}, not 1 and 2");
    }
    if let Err(e) = load(&primary) {
        failed += 1;
        println!("reloading the working tree's module: {e}");
    }
    println!("mixed-client-v{client}: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
