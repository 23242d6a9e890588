//! The checked-in bindings (`tests/ynl/*.rs` of the workspace) are what the
//! importer makes of the fixture specs (and of genl's own export of
//! `genl_demo`, for the round trip of `tests/ynl_roundtrip.rs`) now, and are
//! `rustfmt`-clean. On a mismatch, regenerate with the commands in
//! [`CASES`]. The kernel's specs are imported with their numbers checked
//! against the kernel's uapi headers (`--uapi tests/fixtures/uapi`), so
//! that where a spec disagrees with its header the binding has the
//! header's value (see `tests/uapi.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// (spec, checked-in output, `--ops`, `--exact`), i.e.
/// `genl-ynl import SPEC -o tests/ynl/OUT [--ops OPS] [--exact]`.
const CASES: &[(&str, &str, Option<&str>, bool)] = &[
    ("kmod-c/genl_demo.yaml", "genl_demo.rs", None, true),
    // Every spec of Linux 6.12, whole (compiled and live-tested by the
    // workspace's `tests/ynl_kernel.rs` and `tests/ynl_import.rs`).
    (
        "tests/fixtures/ynl/devlink.yaml",
        "kernel/devlink.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/dpll.yaml",
        "kernel/dpll.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/ethtool.yaml",
        "kernel/ethtool.rs",
        None,
        false,
    ),
    ("tests/fixtures/ynl/fou.yaml", "kernel/fou.rs", None, false),
    (
        "tests/fixtures/ynl/handshake.yaml",
        "kernel/handshake.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/mptcp_pm.yaml",
        "kernel/mptcp_pm.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/netdev.yaml",
        "kernel/netdev.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/nfsd.yaml",
        "kernel/nfsd.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/nftables.yaml",
        "kernel/nftables.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/nlctrl.yaml",
        "kernel/nlctrl.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/ovs_datapath.yaml",
        "kernel/ovs_datapath.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/ovs_flow.yaml",
        "kernel/ovs_flow.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/ovs_vport.yaml",
        "kernel/ovs_vport.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/rt_addr.yaml",
        "kernel/rt_addr.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/rt_link.yaml",
        "kernel/rt_link.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/rt_route.yaml",
        "kernel/rt_route.rs",
        None,
        false,
    ),
    ("tests/fixtures/ynl/tc.yaml", "kernel/tc.rs", None, false),
    (
        "tests/fixtures/ynl/tcp_metrics.yaml",
        "kernel/tcp_metrics.rs",
        None,
        false,
    ),
    (
        "tests/fixtures/ynl/team.yaml",
        "kernel/team.rs",
        None,
        false,
    ),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The uapi headers a spec's numbers are checked against: the kernel's,
/// for the kernel's specs.
const UAPI: &str = "tests/fixtures/uapi";

fn uapi_for(spec: &str) -> Option<&'static str> {
    spec.starts_with("tests/fixtures/ynl/").then_some(UAPI)
}

fn command(spec: &str, out: &str, ops: Option<&str>, exact: bool) -> String {
    let mut c = format!("cargo run -p genl-ynl -- import {spec} -o tests/ynl/{out}");
    if let Some(u) = uapi_for(spec) {
        c.push_str(&format!(" --uapi {u}"));
    }
    if let Some(ops) = ops {
        c.push_str(&format!(" --ops {ops}"));
    }
    if exact {
        c.push_str(" --exact");
    }
    c
}

#[test]
fn checked_in_bindings_are_fresh() {
    let headers = genl_ynl::uapi::HeaderConstants::from_include_dir(&root().join(UAPI)).unwrap();
    for (spec, out, ops, exact) in CASES {
        let mut text = std::fs::read_to_string(root().join(spec)).unwrap();
        if uapi_for(spec).is_some() {
            text = genl_ynl::uapi::corrected(&text, &headers).unwrap().0;
        }
        let opts = genl_ynl::ImportOptions {
            ops: ops.map(|o| o.split(',').map(str::to_owned).collect()),
            exact: *exact,
        };
        let want = genl_ynl::import(&text, &opts).unwrap();
        let path = root().join("tests/ynl").join(out);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale; regenerate it with `{}`",
            path.display(),
            command(spec, out, *ops, *exact)
        );
    }
}

#[test]
fn the_binary_writes_the_same_files() {
    let dir = std::env::temp_dir().join(format!("genl-ynl-fresh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (spec, out, ops, exact) in CASES {
        let target = dir.join(out);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_genl-ynl"));
        cmd.arg("import")
            .arg(root().join(spec))
            .arg("-o")
            .arg(&target);
        if let Some(ops) = ops {
            cmd.args(["--ops", ops]);
        }
        if *exact {
            cmd.arg("--exact");
        }
        if let Some(u) = uapi_for(spec) {
            cmd.arg("--uapi").arg(root().join(u));
        }
        let st = cmd.status().unwrap();
        assert!(st.success(), "{}", command(spec, out, *ops, *exact));
        let a = std::fs::read_to_string(&target).unwrap();
        let b = std::fs::read_to_string(root().join("tests/ynl").join(out)).unwrap();
        assert!(a == b, "the binary's {out} differs from the checked-in one");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // Bad input: an error message and a failing exit status, no panic.
    let bad = Command::new(env!("CARGO_BIN_EXE_genl-ynl"))
        .args(["import", "/nonexistent.yaml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent.yaml"));
}

#[test]
fn generated_code_is_rustfmt_clean() {
    // rustfmt ships with the toolchain that builds this workspace; its
    // absence is a setup error, not a reason to pass.
    let dir = std::env::temp_dir().join(format!("genl-ynl-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Also an import of some operations (`--ops`), which is not checked in.
    let some = genl_ynl::import(
        &std::fs::read_to_string(root().join("tests/fixtures/ynl/ethtool.yaml")).unwrap(),
        &genl_ynl::ImportOptions {
            ops: Some(vec![
                "strset-get".into(),
                "linkinfo-get".into(),
                "linkinfo-ntf".into(),
            ]),
            exact: false,
        },
    )
    .unwrap();
    std::fs::write(dir.join("ethtool_ops.rs"), some).unwrap();
    let mut files = vec![dir.join("ethtool_ops.rs")];
    files.extend(
        CASES
            .iter()
            .map(|(_, out, _, _)| root().join("tests/ynl").join(out)),
    );
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let out = Command::new(&rustfmt)
        .args(["--check", "--edition", "2021"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("{rustfmt} (install with `rustup component add rustfmt`): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "rustfmt --check:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
