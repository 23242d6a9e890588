//! The dissector's tests: rendered fields and tables, and every fixture
//! and kernel spec rendering to Lua that `luac` accepts.

use super::*;

const SPEC: &str = r#"
name: demo-fam
definitions:
  - name: color
    type: enum
    entries: [red, green]
  - name: opts
    type: flags
    entries: [a, b, c]
attribute-sets:
  - name: main
    attributes:
      - { name: id, type: u32 }
      - { name: port, type: u16, byte-order: big-endian }
      - { name: color, type: u8, enum: color }
      - { name: opts, type: u32, enum: opts }
      - { name: label, type: string }
      - { name: inner, type: nest, nested-attributes: inner }
      - { name: list, type: indexed-array, sub-type: nest, nested-attributes: inner }
      - { name: vals, type: indexed-array, sub-type: u32 }
      - { name: big, type: uint }
      - { name: tag, type: u64, multi-attr: true }
  - name: inner
    attributes:
      - { name: x, type: s32 }
operations:
  list:
    - name: get
      attribute-set: main
      do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
    - name: ntf
      value: 7
      attribute-set: main
      event: { attributes: [id] }
"#;

#[test]
fn fields_tables_and_registration() {
    let lua = dissector(SPEC).unwrap();
    assert!(lua.contains(r#"local proto = Proto("genl_demo_fam", "Generic Netlink demo-fam")"#));
    assert!(lua.contains(r#"DissectorTable.get("genl.family"):add(FAMILY, proto)"#));
    assert!(lua.contains(r#"local FAMILY = "demo-fam""#));
    for f in [
        r#"ProtoField.uint32("genl_demo_fam.main.id", "id", base.DEC)"#,
        r#"ProtoField.uint16("genl_demo_fam.main.port", "port", base.DEC)"#,
        r#"ProtoField.uint8("genl_demo_fam.main.color", "color", base.DEC, vs["color"])"#,
        r#"ProtoField.uint32("genl_demo_fam.main.opts", "opts", base.HEX)"#,
        r#"ProtoField.bool("genl_demo_fam.main.opts.c", "c", 32, nil, 4)"#,
        r#"ProtoField.stringz("genl_demo_fam.main.label", "label")"#,
        r#"ProtoField.none("genl_demo_fam.main.inner", "inner")"#,
        r#"ProtoField.int32("genl_demo_fam.inner.x", "x", base.DEC)"#,
        r#"ProtoField.uint64("genl_demo_fam.main.big", "big", base.DEC)"#,
    ] {
        assert!(lua.contains(f), "{f} missing from\n{lua}");
    }
    // Byte order: big-endian read with add, the rest with add_le.
    assert!(lua.contains(r#"[2] = { name = "port", kind = "int", w = 2, le = false"#));
    assert!(lua.contains(r#"[1] = { name = "id", kind = "int", w = 4, le = true"#));
    assert!(lua.contains(r#"vs["color"] = { [0] = "red", [1] = "green", }"#));
    assert!(lua.contains(r#"bits["opts"] = { { 1, "a" }, { 2, "b" }, { 4, "c" }, }"#));
    assert!(lua.contains(r#"kind = "nest", le = true, nest = "inner""#));
    assert!(lua.contains(r#"kind = "array", sub = "nest", le = true, nest = "inner""#));
    assert!(lua.contains(r#"kind = "array", le = true, sub = "int", w = 4"#));
    assert!(lua.contains(r#"multi = true"#));
    assert!(lua.contains(r#"ops_req[1] = { name = "get", set = "main", fixed = 0 }"#));
    assert!(lua.contains(r#"ops_rsp[7] = { name = "ntf", set = "main", fixed = 0, ntf = true }"#));
}

/// Sequence numbers repeat across sockets (a new connection starts
/// where another did): an outcome belongs to the latest request of its
/// sequence number, as in `genl trace`, not to an older one of the
/// family.
#[test]
fn outcomes_follow_the_latest_request_of_a_sequence_number() {
    let lua = dissector(SPEC).unwrap();
    assert!(lua.contains("local genl = tvb(14, 2):uint() == 16"));
    assert!(lua.contains(
        "if genl and bit32.band(flags, 1) ~= 0 and ty >= 16 and not my_ids[ty] then\n      my_reqs[seq] = nil"
    ));
}

#[test]
fn field_names_are_unique() {
    let lua = dissector(SPEC).unwrap();
    let mut seen = HashSet::new();
    for l in lua.lines() {
        if let Some(i) = l.find("ProtoField.") {
            let rest = &l[i..];
            let q = rest.find('"').unwrap();
            let name = rest[q + 1..].split('"').next().unwrap();
            assert!(seen.insert(name.to_owned()), "{name} twice");
        }
    }
    assert!(seen.len() > 15);
}

#[test]
fn raw_families_and_bad_specs_are_refused() {
    let raw = "name: r\nprotocol: netlink-raw\nprotonum: 0\noperations: { list: [] }\n";
    assert!(dissector(raw)
        .unwrap_err()
        .to_string()
        .contains("not generic netlink"));
    assert!(dissector("name: [").is_err());
}

#[test]
fn refusals_say_what_they_said_as_text() {
    use std::error::Error as _;
    let raw = "name: rt-link\nprotocol: netlink-raw\nprotonum: 0\noperations: { list: [] }\n";
    let e = dissector(raw).unwrap_err();
    assert_eq!(
        e,
        DissectorSpecError::NotGenetlink {
            family: "rt-link".into(),
            protocol: "netlink-raw".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "family `rt-link` is netlink-raw, not generic netlink: Wireshark's genl.family table \
         never sees it"
    );
    assert!(e.source().is_none());
    let e = DissectorSpecError::Spec(SpecError {
        at: "attribute-sets/main".into(),
        what: "no attributes".into(),
    });
    assert_eq!(
        e.to_string(),
        "invalid YNL spec: attribute-sets/main: no attributes"
    );
    assert!(e.source().unwrap().is::<SpecError>());
    let e = dissector("name: [").unwrap_err();
    assert!(matches!(e, DissectorSpecError::Spec(_)), "{e:?}");
}

#[test]
fn lua_strings_are_escaped() {
    assert_eq!(lua_str("a\"b\\c\n"), r#""a\"b\\c\n""#);
    assert_eq!(ident("Dev-Name.x"), "dev_name_x");
}

#[test]
fn expert_infos_are_registered() {
    let lua = dissector(SPEC).unwrap();
    assert!(lua.contains(
        "proto.experts = { ex_malformed, ex_bad_size, ex_unknown_attr, ex_unknown_cmd }"
    ));
    assert!(lua.contains(r#"ProtoExpert.new("genl_demo_fam.malformed""#));
}

/// Every genetlink fixture renders, and `luac -p` (Lua 5.2, Wireshark
/// 4.0's) accepts the result when it is installed (apt `lua5.2`).
#[test]
fn every_fixture_renders_to_valid_lua() {
    let dir = format!("{}/../tests/fixtures/ynl", env!("CARGO_MANIFEST_DIR"));
    let luac = std::process::Command::new("luac5.2")
        .arg("-v")
        .output()
        .is_ok();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(fam) = SpecFamily::parse(&text) else {
            continue;
        };
        if let Protocol::Raw { .. } = fam.protocol {
            continue;
        }
        let lua = dissector(&text).unwrap();
        n += 1;
        if luac {
            let out = std::env::temp_dir().join(format!(
                "genl-ynl-{}-{}.lua",
                std::process::id(),
                fam.name
            ));
            std::fs::write(&out, &lua).unwrap();
            let st = std::process::Command::new("luac5.2")
                .arg("-p")
                .arg(&out)
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&st.stderr)
            );
            let _ = std::fs::remove_file(&out);
        }
    }
    assert!(n >= 10, "{n} specs");
}

#[test]
fn kernel_specs_render() {
    for spec in ["ethtool", "netdev"] {
        let path = format!(
            "{}/../tests/fixtures/ynl/{spec}.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        let lua = dissector(&text).unwrap();
        assert!(lua.contains(&format!("local FAMILY = \"{spec}\"")));
    }
}
