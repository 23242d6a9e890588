//! The `genl_demo` module unloaded and reloaded under a client, run inside
//! the VM by `cargo xtask vm test` (see `vm_e2e.rs` for the rest of the
//! module's suite).
//!
//! A test binary of its own, not a test of `vm_e2e`: it takes the family away
//! (rmmod, and the modprobe sysctl pointed at `/bin/false`) that every other
//! test of the boot uses. libtest's order (alphabetical under
//! `--test-threads=1`, interleaved otherwise) is no contract, so it used to
//! rely on a `zz_` name; the harness runs `[[vm.guest]]` programs one after
//! another in `genl.toml`'s order, so as a program listed after `vm_e2e` it
//! runs after the whole suite and alone. It loads the module back (a fresh
//! family, new id, empty state) before it returns.
//!
//! On the host it is `#[ignore]`d; the VM harness runs it with
//! `--include-ignored`. Should it run outside the VM anyway, it fails.

use std::process::Command;

use genl::demo::{demo_cmd, Echo};
use genl_core::{Connection, Error};

fn in_vm() -> bool {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
    true
}

fn module_path() -> String {
    let dir = std::env::var("GENL_VM_MODULE_DIR").expect("set by the VM harness");
    format!("{dir}/genl_demo.ko")
}

fn sh(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Unloads and reloads the module while a client keeps its connection and
/// cache.
#[test]
#[ignore = "runs inside the VM: cargo xtask vm test"]
fn module_reload_while_a_client_runs() {
    if !in_vm() {
        return;
    }
    let mut conn = Connection::new().unwrap();
    let echo = |conn: &mut Connection, msg: &str| -> Result<String, Error> {
        let e: Echo<'_> = conn.query(demo_cmd::Echo, &Echo { msg, cookie: None })?;
        Ok(e.msg.to_owned())
    };
    assert_eq!(echo(&mut conn, "before").unwrap(), "before");
    let old_id = conn.resolve("genl_demo").unwrap().id;
    // No autoload while the family is away (the harness's modprobe would
    // load it back on GETFAMILY).
    std::fs::write("/proc/sys/kernel/modprobe", "/bin/false\n").unwrap();
    sh("rmmod", &["genl_demo"]);
    match echo(&mut conn, "while away") {
        Err(Error::FamilyNotFound(n)) => assert_eq!(n, "genl_demo"),
        other => panic!("expected FamilyNotFound, got {other:?}"),
    }
    // Another family takes the next id, so the reloaded one gets a new id.
    sh("insmod", &[&module_path()]);
    std::fs::write("/proc/sys/kernel/modprobe", "/sbin/modprobe\n").unwrap();
    assert_eq!(echo(&mut conn, "after").unwrap(), "after");
    let new_id = conn.resolve("genl_demo").unwrap().id;
    // Family ids come from idr_alloc_cyclic (net/netlink/genetlink.c): the
    // reloaded family has a new one, so the client really had to re-resolve.
    assert_ne!(old_id, new_id);
}
