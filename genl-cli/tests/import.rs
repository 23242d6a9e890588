//! `genl import`: the workspace's checked-in bindings of the kernel's specs
//! (`tests/ynl/kernel/`, compiled and live-tested by `tests/ynl_kernel.rs`)
//! are what the installed tool writes, so a user of `genl` alone gets them.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn genl_import_writes_the_checked_in_bindings() {
    let dir = std::env::temp_dir().join(format!("genl-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for spec in ["rt_link", "nlctrl", "ovs_datapath"] {
        let out = dir.join(format!("{spec}.rs"));
        let st = Command::new(env!("CARGO_BIN_EXE_genl"))
            .arg("import")
            .arg(root().join(format!("tests/fixtures/ynl/{spec}.yaml")))
            .arg("-o")
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success(), "genl import {spec}");
        let want =
            std::fs::read_to_string(root().join(format!("tests/ynl/kernel/{spec}.rs"))).unwrap();
        assert!(
            std::fs::read_to_string(&out).unwrap() == want,
            "genl import {spec} differs from tests/ynl/kernel/{spec}.rs"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn genl_import_of_a_bad_spec_names_it_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(["import", "/nonexistent/spec.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("genl import: /nonexistent/spec.yaml"), "{err}");
    let bad = std::env::temp_dir().join(format!("genl-import-bad-{}.yaml", std::process::id()));
    std::fs::write(&bad, "name: x\nattribute-sets:\n  - name: a\n    attributes:\n      - { name: b, type: nosuchtype }\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .arg("import")
        .arg(&bad)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nosuchtype"), "{err}");
}

/// `--wireshark FILE` writes the dissector (and no bindings unless `--out`
/// asks for them); a netlink-raw family has none.
#[test]
fn genl_import_wireshark_writes_the_dissector() {
    let dir = std::env::temp_dir().join(format!("genl-import-ws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lua = dir.join("ethtool.lua");
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .arg("import")
        .arg(root().join("tests/fixtures/ynl/ethtool.yaml"))
        .arg("--wireshark")
        .arg(&lua)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&lua).unwrap();
    assert!(text.contains(r#"local FAMILY = "ethtool""#));
    assert!(text.contains(r#"DissectorTable.get("genl.family"):add(FAMILY, proto)"#));
    assert!(text.contains(r#"ProtoField.stringz("genl_ethtool.header.dev_name", "dev-name")"#));

    let rs = dir.join("ethtool.rs");
    let st = Command::new(env!("CARGO_BIN_EXE_genl"))
        .arg("import")
        .arg(root().join("tests/fixtures/ynl/ethtool.yaml"))
        .arg("--wireshark")
        .arg(&lua)
        .arg("-o")
        .arg(&rs)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(std::fs::read_to_string(&rs).unwrap().contains("Family"));

    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .arg("import")
        .arg(root().join("tests/fixtures/ynl/rt_link.yaml"))
        .arg("--wireshark")
        .arg(dir.join("rt_link.lua"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not generic netlink"));
    let _ = std::fs::remove_dir_all(&dir);
}
