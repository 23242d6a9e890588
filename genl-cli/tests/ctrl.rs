//! `genl ctrl`, the README's first command, against the running kernel,
//! compared with iproute2's `genl ctrl list` (a tool nobody here wrote).

// The host suites' iproute2 parser, shared with the workspace's tests.
#[path = "../../tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::iproute2_families;

/// The README's main job, run as a user would, compared with iproute2 on
/// names, ids, versions, ops and group ids.
#[test]
fn genl_ctrl_list_agrees_with_iproute2() {
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(["ctrl", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = iproute2_families();
    let got: Vec<common::IpFamily> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| common::IpFamily {
            name: f["name"].as_str().unwrap().to_owned(),
            id: f["id"].as_u64().unwrap() as u32,
            version: f["version"].as_u64().unwrap() as u32,
            hdrsize: f["hdrsize"].as_u64().unwrap() as u32,
            maxattr: f["maxattr"].as_u64().unwrap() as u32,
            ops: f["ops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["id"].as_u64().unwrap() as u32,
                        Some(o["flags"].as_u64().unwrap() as u32),
                    )
                })
                .collect(),
            groups: f["mcast_groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    (
                        g["name"].as_str().unwrap().to_owned(),
                        g["id"].as_u64().unwrap() as u32,
                    )
                })
                .collect(),
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.into_iter().zip(&expected) {
        assert_eq!(g.masked_like(e), *e);
    }
}

/// Every subcommand has `--help`.
#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["new", "--help"],
        &["generate", "--help"],
        &["check", "--help"],
        &["ctrl", "--help"],
        &["ctrl", "list", "--help"],
        &["ctrl", "get", "--help"],
        &["ctrl", "policy", "--help"],
        &["ctrl", "monitor", "--help"],
        &["vm", "--help"],
        &["vm", "test", "--help"],
        &["vm", "build", "--help"],
        &["vm", "fetch", "--help"],
        &["vm", "shell", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_genl"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "genl {args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage:"), "genl {args:?}: {text}");
    }
}

/// An unknown family is an error naming it, exit status 1.
#[test]
fn an_unknown_family_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(["ctrl", "get", "genl-no-such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("genl-no-such"), "{err}");
}
