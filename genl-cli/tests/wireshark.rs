//! The Wireshark dissectors genl renders from YNL specs (`genl import
//! --wireshark`, and `<name>.lua` next to a generated spec) loaded into
//! tshark (a decoder nobody here wrote) on real recordings of this host's
//! kernel families (ethtool, netdev) and on a hand-built capture of the
//! project's own family (genl_demo, whose module the host does not load),
//! compared with `genl trace --read --spec`'s decode of the same files.
//!
//! Skipped without tshark, unless `CI` is set (then they fail).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use genl_core::pcap::{PacketType, Recorder};
use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("genl-wireshark-{}-{name}", std::process::id()))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/ynl").join(name)
}

fn have_tshark() -> bool {
    if Command::new("tshark").arg("-v").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "tshark is missing (apt package `tshark`)"
    );
    eprintln!("skipped: no tshark");
    false
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn genl(args: &[&str], pcap: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genl"));
    cmd.args(args).env_remove("GENL_PCAP");
    if let Some(p) = pcap {
        cmd.env("GENL_PCAP", p);
    }
    cmd.output().unwrap()
}

/// `genl import SPEC --wireshark OUT`.
fn dissector_of(spec: &Path, name: &str) -> PathBuf {
    let lua = tmp(name);
    let spec = spec.to_str().unwrap();
    ok(genl(
        &[
            "import",
            spec,
            "--no-uapi",
            "--wireshark",
            lua.to_str().unwrap(),
        ],
        None,
    ));
    lua
}

/// `genl trace --read FILE --spec SPEC --json`, the messages of `family`.
fn trace(pcap: &Path, spec: &Path, family: &str) -> Vec<Value> {
    ok(genl(
        &[
            "trace",
            "--read",
            pcap.to_str().unwrap(),
            "--spec",
            spec.to_str().unwrap(),
            "--json",
            "--family",
            family,
        ],
        None,
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

/// tshark with `lua`, one row per frame: frame number, then `fields`
/// (every occurrence, comma-separated). Fails on a Lua error.
fn tshark_fields(lua: &Path, pcap: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"])
        .args(["-e", "frame.number"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("Lua"), "{stderr}");
    ok(out)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// tshark's verbose tree of the file.
fn tshark_text(lua: &Path, pcap: &Path) -> String {
    let out = Command::new("tshark")
        .arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-r")
        .arg(pcap)
        .arg("-V")
        .output()
        .unwrap();
    let text = ok(out);
    assert!(!text.contains("Lua Error"), "{text}");
    text
}

/// The values of `path` (`a/b`) in the messages of frame `frame`, in order;
/// arrays (multi-attr) flattened.
fn ours(msgs: &[Value], frame: u64, path: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for m in msgs.iter().filter(|m| m["frame"] == frame) {
        let mut v = &m["attrs"];
        for p in path {
            v = &v[*p];
        }
        match v {
            Value::Null => {}
            Value::Array(a) => out.extend(a.iter().map(text)),
            v => out.push(text(v)),
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn split(cell: &str) -> Vec<String> {
    if cell.is_empty() {
        Vec::new()
    } else {
        cell.split(',').map(str::to_owned).collect()
    }
}

#[test]
fn ethtool_linkstate_dump_and_tsinfo_agree_with_genl_trace() {
    if !have_tshark() {
        return;
    }
    let spec = fixture("ethtool.yaml");
    let lua = dissector_of(&spec, "ethtool.lua");
    let pcap = tmp("ethtool.pcap");
    let s = spec.to_str().unwrap();
    ok(genl(
        &[
            "ynl",
            "--spec",
            s,
            "--dump",
            "linkstate-get",
            "--json",
            "{}",
        ],
        Some(&pcap),
    ));
    let pcap2 = tmp("ethtool-ts.pcap");
    ok(genl(
        &[
            "ynl",
            "--spec",
            s,
            "--do",
            "tsinfo-get",
            "--json",
            r#"{"header":{"dev-name":"lo"}}"#,
        ],
        Some(&pcap2),
    ));

    // The dump: every link in every multi-message frame.
    let msgs = trace(&pcap, &spec, "ethtool");
    let rows = tshark_fields(
        &lua,
        &pcap,
        &[
            "genl_ethtool.op",
            "genl_ethtool.cmd",
            "genl_ethtool.header.dev_index",
            "genl_ethtool.header.dev_name",
            "genl_ethtool.linkstate.link",
        ],
    );
    let mut names = Vec::new();
    let mut seen = 0;
    for r in &rows {
        let frame: u64 = r[0].parse().unwrap();
        if r[1].is_empty() {
            assert!(ours(&msgs, frame, &[]).is_empty(), "frame {frame}: {r:?}");
            continue;
        }
        seen += 1;
        let ops = split(&r[1]);
        let cmds = split(&r[2]);
        let ms: Vec<&Value> = msgs
            .iter()
            .filter(|m| m["frame"] == frame && m["kind"] == "message")
            .collect();
        assert_eq!(ops.len(), ms.len(), "frame {frame}: {r:?}");
        for ((op, cmd), m) in ops.iter().zip(&cmds).zip(&ms) {
            assert_eq!(m["cmd"], op.as_str());
            assert_eq!(m["cmd_id"].to_string(), *cmd);
        }
        assert_eq!(
            split(&r[3]),
            ours(&msgs, frame, &["header", "dev-index"]),
            "{r:?}"
        );
        assert_eq!(split(&r[4]), ours(&msgs, frame, &["header", "dev-name"]));
        assert_eq!(split(&r[5]), ours(&msgs, frame, &["link"]));
        names.extend(split(&r[4]));
    }
    assert_eq!(seen, 2, "the request and the dump's replies: {rows:?}");
    // The links the host has, as `ip` lists them.
    let ip: Value = serde_json::from_str(&ok(Command::new("ip")
        .args(["-j", "link", "show"])
        .output()
        .unwrap()))
    .unwrap();
    let mut ip_names: Vec<String> = ip
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ifname"].as_str().unwrap().to_owned())
        .collect();
    ip_names.sort();
    names.sort();
    assert_eq!(names, ip_names);

    // tsinfo: request id 25 and reply id 26 both name tsinfo-get (ethtool's
    // ids are directional); nested bitsets with multi-attr bits.
    let msgs = trace(&pcap2, &spec, "ethtool");
    let rows = tshark_fields(
        &lua,
        &pcap2,
        &[
            "genl_ethtool.op",
            "genl_ethtool.cmd",
            "genl_ethtool.bitset_bit.index",
            "genl_ethtool.bitset_bit.name",
        ],
    );
    let req = msgs.iter().find(|m| m["dir"] == "to-kernel").unwrap();
    let rsp = msgs
        .iter()
        .find(|m| m["dir"] == "to-user" && m["kind"] == "message")
        .unwrap();
    assert_ne!(req["cmd_id"], rsp["cmd_id"]);
    for m in [req, rsp] {
        let frame = m["frame"].as_u64().unwrap();
        let r = rows.iter().find(|r| r[0] == frame.to_string()).unwrap();
        assert_eq!(r[1], "tsinfo-get");
        assert_eq!(r[2], m["cmd_id"].to_string());
    }
    let frame = rsp["frame"].as_u64().unwrap();
    let r = rows.iter().find(|r| r[0] == frame.to_string()).unwrap();
    let bits = rsp["attrs"]["timestamping"]["bits"]["bit"]
        .as_array()
        .unwrap();
    assert!(!bits.is_empty());
    let idx: Vec<String> = bits.iter().map(|b| b["index"].to_string()).collect();
    let nm: Vec<String> = bits.iter().map(|b| text(&b["name"])).collect();
    assert_eq!(split(&r[3]), idx);
    assert_eq!(split(&r[4]), nm);
    for f in [&pcap, &pcap2, &lua] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn netdev_dev_dump_agrees_with_genl_trace_including_flag_names() {
    if !have_tshark() {
        return;
    }
    let spec = fixture("netdev.yaml");
    let lua = dissector_of(&spec, "netdev.lua");
    let pcap = tmp("netdev.pcap");
    ok(genl(
        &["ynl", "--spec", spec.to_str().unwrap(), "--dump", "dev-get"],
        Some(&pcap),
    ));
    let msgs = trace(&pcap, &spec, "netdev");
    let rows = tshark_fields(
        &lua,
        &pcap,
        &[
            "genl_netdev.dev.ifindex",
            "genl_netdev.dev.xdp_features",
            "genl_netdev.unknown",
        ],
    );
    let mut ifindexes = 0;
    for r in &rows {
        let frame: u64 = r[0].parse().unwrap();
        assert_eq!(split(&r[1]), ours(&msgs, frame, &["ifindex"]), "{r:?}");
        ifindexes += split(&r[1]).len();
        // Everything this kernel sends is in the spec.
        assert_eq!(r[3], "", "{r:?}");
    }
    assert!(ifindexes >= 1);
    // The flag names the dissector appends are the ones genl decodes.
    let tree = tshark_text(&lua, &pcap);
    for m in msgs
        .iter()
        .filter(|m| m["kind"] == "message" && m["dir"] == "to-user")
    {
        let names: Vec<String> = m["attrs"]["xdp-features"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        let want = format!("[{}]", names.join(", "));
        assert!(
            tree.lines()
                .any(|l| l.trim().starts_with("xdp-features: 0x") && l.ends_with(&want)),
            "no `xdp-features: 0x… {want}` in\n{tree}"
        );
    }
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&lua);
}

// ---------------------------------------------------------------------------
// genl_demo: a hand-built capture.

const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const DEMO_ID: u16 = 0x30;

fn attr(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    out.extend_from_slice(&((payload.len() + 4) as u16).to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

fn message(ty: u16, flags: u16, seq: u32, cmd: u8, attrs: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&((16 + 4 + attrs.len()) as u32).to_ne_bytes());
    m.extend_from_slice(&ty.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(&[cmd, 1, 0, 0]);
    m.extend_from_slice(attrs);
    m
}

/// A capture of genl_demo traffic: the nlctrl reply that names family id
/// 0x30 (how Wireshark learns it), a kv-get reply with a nest, an enum and
/// an attribute the spec does not have, an echo request, a kv-event
/// notification, and a kv-get reply whose attribute claims more bytes than
/// the message has.
fn demo_capture(path: &Path) {
    let rec = Recorder::create(path).unwrap();
    let mut a = Vec::new();
    attr(&mut a, 1, &DEMO_ID.to_ne_bytes()); // CTRL_ATTR_FAMILY_ID
    attr(&mut a, 2, b"genl_demo\0"); // CTRL_ATTR_FAMILY_NAME
    rec.record(PacketType::ToUser, 16, &message(0x10, 0, 1, 1, &a));

    let mut meta = Vec::new();
    attr(&mut meta, 1, &2u32.to_ne_bytes()); // state: stale
    attr(&mut meta, 2, &8080u16.to_be_bytes()); // port, big-endian
    let mut a = Vec::new();
    attr(&mut a, 1, b"k1\0"); // key
    attr(&mut a, 2, &[1, 2, 3]); // value
    attr(&mut a, 3 | 0x8000, &meta); // meta
    attr(&mut a, 9, &7u32.to_ne_bytes()); // not in the spec
    rec.record(PacketType::ToUser, 16, &message(DEMO_ID, 0, 2, 3, &a));

    let mut a = Vec::new();
    attr(&mut a, 1, b"hi\0"); // msg
    attr(&mut a, 2, &0x1122_3344_5566_7788u64.to_ne_bytes()); // cookie
    rec.record(
        PacketType::ToKernel,
        16,
        &message(DEMO_ID, NLM_F_REQUEST | NLM_F_ACK, 3, 1, &a),
    );

    let mut a = Vec::new();
    attr(&mut a, 1, &1u32.to_ne_bytes()); // op: set
    attr(&mut a, 2, b"k2\0"); // key
    rec.record(PacketType::ToUser, 16, &message(DEMO_ID, 0, 0, 6, &a));

    let mut a = Vec::new();
    attr(&mut a, 1, b"k3\0");
    a.extend_from_slice(&200u16.to_ne_bytes()); // nla_len 200, 8 bytes left
    a.extend_from_slice(&2u16.to_ne_bytes());
    a.extend_from_slice(&[0xaa; 4]);
    rec.record(PacketType::ToUser, 16, &message(DEMO_ID, 0, 4, 3, &a));
    assert!(rec.error().is_none());
}

#[test]
fn genl_demo_dissector_from_the_generated_spec_decodes_a_hand_built_capture() {
    if !have_tshark() {
        return;
    }
    let spec = root().join("kmod-c/genl_demo.yaml");
    // The committed dissector is the one `genl import --wireshark` renders
    // from the committed spec (what `cargo xtask codegen` writes).
    let lua = dissector_of(&spec, "genl_demo.lua");
    assert_eq!(
        std::fs::read_to_string(&lua).unwrap(),
        std::fs::read_to_string(root().join("kmod-c/genl_demo.lua")).unwrap()
    );
    let pcap = tmp("demo.pcap");
    demo_capture(&pcap);
    let msgs = trace(&pcap, &spec, "genl_demo");
    let p = "genl_genl_demo";
    let fields: Vec<String> = [
        "op",
        "cmd",
        "kv.key",
        "kv.value",
        "meta.state",
        "meta.port",
        "echo.msg",
        "echo.cookie",
        "event.op",
        "event.key",
        "unknown",
    ]
    .iter()
    .map(|f| format!("{p}.{f}"))
    .collect();
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let rows = tshark_fields(&lua, &pcap, &fields);
    let row = |frame: u64| rows.iter().find(|r| r[0] == frame.to_string()).unwrap();
    let by_frame = |frame: u64| {
        msgs.iter()
            .find(|m| m["frame"] == frame)
            .unwrap_or_else(|| panic!("frame {frame}: {msgs:?}"))
    };

    // kv-get reply: nest, enum (tshark prints the value string's number),
    // the unknown attribute as bytes.
    let (r, m) = (row(2), by_frame(2));
    assert_eq!(r[1], "kv-get");
    assert_eq!(m["cmd"], "kv-get");
    assert_eq!(r[3], m["attrs"]["key"].as_str().unwrap());
    assert_eq!(r[4], "010203");
    assert_eq!(m["attrs"]["value"], "010203");
    assert_eq!(m["attrs"]["meta"]["state"], "stale");
    assert_eq!(r[5], "2");
    assert_eq!(r[6], m["attrs"]["meta"]["port"].to_string());
    assert_eq!(r[6], "8080");
    assert_eq!(r[11], "07000000");
    // Echo request.
    let (r, m) = (row(3), by_frame(3));
    assert_eq!(r[1], "echo");
    assert_eq!(m["cmd"], "echo");
    assert_eq!(r[7], m["attrs"]["msg"].as_str().unwrap());
    assert_eq!(r[8], m["attrs"]["cookie"].to_string());
    // Notification.
    let (r, m) = (row(4), by_frame(4));
    assert_eq!(r[1], "kv-event");
    assert_eq!(m["cmd"], "kv-event");
    assert_eq!(m["attrs"]["op"], "set");
    assert_eq!(r[9], "1");
    assert_eq!(r[10], "k2");

    let text = tshark_text(&lua, &pcap);
    assert!(text.contains("state: stale (2)"), "{text}");
    assert!(text.contains("op: set (1)"), "{text}");
    assert!(text.contains("genl_demo: kv-event notification"), "{text}");
    assert!(text.contains("Command: 1 (echo, request)"), "{text}");
    assert!(
        text.contains("Attribute 9 (not in the spec), 4 bytes"),
        "{text}"
    );
    // The malformed frame: flagged, the attribute before it decoded.
    assert_eq!(row(5)[3], "k3");
    assert!(
        text.contains("attribute length 200 does not fit in the 8 bytes left"),
        "{text}"
    );
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&lua);
}

// ---------------------------------------------------------------------------
// Three decoders of one recording: tshark with the generated dissector,
// `genl trace --read`, and the kernel's own YNL CLI (tools/net/ynl/cli.py of
// Linux 6.12, run on the same kernel with the same request).

/// The Linux 6.12 YNL tree (cached by genl-cli's kernel_source), or None
/// (skipped) outside CI.
fn ynl_tree() -> Option<PathBuf> {
    match genl_cli::kernel_source::tree() {
        Ok(t) if Path::new(genl_cli::kernel_source::PYTHON).exists() => Some(t),
        r => {
            assert!(
                std::env::var_os("CI").is_none(),
                "cli.py unavailable: {:?}",
                r.err()
            );
            eprintln!("skipped: no kernel YNL tree or python3 ({:?})", r.err());
            None
        }
    }
}

/// cli.py's output: stdout (JSON) and stderr, and whether it succeeded.
fn cli_py(tree: &Path, spec: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(genl_cli::kernel_source::PYTHON)
        .arg(tree.join("tools/net/ynl/cli.py"))
        .arg("--output-json")
        .arg("--spec")
        .arg(tree.join("Documentation/netlink/specs").join(spec))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cli_py_json(tree: &Path, spec: &str, args: &[&str]) -> Value {
    let (ok_, out, err) = cli_py(tree, spec, args);
    assert!(ok_, "cli.py {args:?}: {err}{out}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("cli.py printed {out:?}: {e}"))
}

/// The tshark rows' cells of column `col`, every frame, flattened.
fn column(rows: &[Vec<String>], col: usize) -> Vec<String> {
    rows.iter().flat_map(|r| split(&r[col])).collect()
}

#[test]
fn netdev_dev_dump_three_ways_tshark_genl_trace_and_cli_py() {
    if !have_tshark() {
        return;
    }
    let Some(tree) = ynl_tree() else { return };
    let spec = tree.join("Documentation/netlink/specs/netdev.yaml");
    let lua = dissector_of(&spec, "netdev3.lua");
    let pcap = tmp("netdev3.pcap");
    ok(genl(
        &["ynl", "--spec", spec.to_str().unwrap(), "--dump", "dev-get"],
        Some(&pcap),
    ));
    let py = cli_py_json(&tree, "netdev.yaml", &["--dump", "dev-get"]);
    let py = py.as_array().expect("a dump: a list");
    let msgs = trace(&pcap, &spec, "netdev");
    let replies: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["kind"] == "message" && m["dir"] == "to-user")
        .collect();
    let rows = tshark_fields(
        &lua,
        &pcap,
        &[
            "genl_netdev.op",
            "genl_netdev.dev.ifindex",
            "genl_netdev.dev.xdp_zc_max_segs",
        ],
    );
    // ifindex: tshark = cli.py = genl trace, device by device.
    let ts_idx = column(&rows, 2);
    let py_idx: Vec<String> = py.iter().map(|d| d["ifindex"].to_string()).collect();
    let ge_idx: Vec<String> = replies
        .iter()
        .map(|m| m["attrs"]["ifindex"].to_string())
        .collect();
    assert_eq!(ts_idx, py_idx, "tshark vs cli.py");
    assert_eq!(ge_idx, py_idx, "genl trace vs cli.py");
    assert!(!py_idx.is_empty());
    // Optional attributes appear for the same devices with the same values.
    let ts_zc = column(&rows, 3);
    let py_zc: Vec<String> = py
        .iter()
        .filter_map(|d| d.get("xdp-zc-max-segs").map(|v| v.to_string()))
        .collect();
    let ge_zc: Vec<String> = replies
        .iter()
        .filter_map(|m| m["attrs"].get("xdp-zc-max-segs").map(|v| v.to_string()))
        .collect();
    assert_eq!(ts_zc, py_zc);
    assert_eq!(ge_zc, py_zc);
    // Every reply is named dev-get by tshark.
    assert!(column(&rows, 1)
        .iter()
        .filter(|o| !o.is_empty())
        .all(|o| o == "dev-get"));
    // Flag names: the `[a, b]` tshark appends to xdp-features equals cli.py's
    // list for that device, and genl trace's.
    let text = tshark_text(&lua, &pcap);
    let shown: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("xdp-features: 0x"))
        .collect();
    assert_eq!(shown.len(), py.len(), "{text}");
    // cli.py prints a flag set in Python's set order: compared as sets.
    let sorted = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v.as_array().unwrap().iter().map(text_of).collect();
        n.sort();
        n
    };
    for ((line, d), m) in shown.iter().zip(py).zip(&replies) {
        let (_, list) = line.rsplit_once(" [").unwrap();
        let mut ts: Vec<String> = list
            .trim_end_matches(']')
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        ts.sort();
        assert_eq!(ts, sorted(&d["xdp-features"]), "tshark {line:?} vs cli.py");
        assert_eq!(
            sorted(&m["attrs"]["xdp-features"]),
            ts,
            "genl trace vs tshark"
        );
    }
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&lua);
}

fn text_of(v: &Value) -> String {
    text(v)
}

#[test]
fn ethtool_dump_tsinfo_and_an_error_three_ways_tshark_genl_trace_and_cli_py() {
    if !have_tshark() {
        return;
    }
    let Some(tree) = ynl_tree() else { return };
    let spec = tree.join("Documentation/netlink/specs/ethtool.yaml");
    let s = spec.to_str().unwrap();
    let lua = dissector_of(&spec, "ethtool3.lua");

    // linkstate-get dump.
    let pcap = tmp("ethtool3-dump.pcap");
    ok(genl(
        &[
            "ynl",
            "--spec",
            s,
            "--dump",
            "linkstate-get",
            "--json",
            "{}",
        ],
        Some(&pcap),
    ));
    let py = cli_py_json(
        &tree,
        "ethtool.yaml",
        &["--dump", "linkstate-get", "--json", "{}"],
    );
    let py = py.as_array().expect("a dump: a list");
    let msgs = trace(&pcap, &spec, "ethtool");
    let replies: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["kind"] == "message" && m["dir"] == "to-user")
        .collect();
    let rows = tshark_fields(
        &lua,
        &pcap,
        &[
            "genl_ethtool.header.dev_index",
            "genl_ethtool.header.dev_name",
            "genl_ethtool.linkstate.link",
        ],
    );
    // The request carries no header: only replies have these.
    let want =
        |f: &dyn Fn(&Value) -> Option<String>| -> Vec<String> { py.iter().filter_map(f).collect() };
    let py_idx = want(&|d| Some(d["header"]["dev-index"].to_string()));
    let py_name = want(&|d| d["header"]["dev-name"].as_str().map(str::to_owned));
    let py_link = want(&|d| d.get("link").map(|v| v.to_string()));
    assert_eq!(column(&rows, 1), py_idx, "dev-index: tshark vs cli.py");
    assert_eq!(column(&rows, 2), py_name, "dev-name: tshark vs cli.py");
    assert_eq!(column(&rows, 3), py_link, "link: tshark vs cli.py");
    let ge: Vec<Value> = replies.iter().map(|m| m["attrs"].clone()).collect();
    assert_eq!(&ge, py, "genl trace's replies vs cli.py's");

    // tsinfo-get of lo: nested bitset, multi-attr bits.
    let pcap2 = tmp("ethtool3-ts.pcap");
    let lo = r#"{"header":{"dev-name":"lo"}}"#;
    ok(genl(
        &["ynl", "--spec", s, "--do", "tsinfo-get", "--json", lo],
        Some(&pcap2),
    ));
    let py = cli_py_json(&tree, "ethtool.yaml", &["--do", "tsinfo-get", "--json", lo]);
    let msgs = trace(&pcap2, &spec, "ethtool");
    let rsp = msgs
        .iter()
        .find(|m| m["dir"] == "to-user" && m["kind"] == "message")
        .unwrap();
    assert_eq!(rsp["attrs"], py, "genl trace vs cli.py");
    let rows = tshark_fields(
        &lua,
        &pcap2,
        &[
            "genl_ethtool.op",
            "genl_ethtool.bitset_bit.index",
            "genl_ethtool.bitset_bit.name",
        ],
    );
    let frame = rsp["frame"].as_u64().unwrap().to_string();
    let r = rows.iter().find(|r| r[0] == frame).unwrap();
    assert_eq!(r[1], "tsinfo-get");
    let bits = py["timestamping"]["bits"]["bit"].as_array().unwrap();
    let py_i: Vec<String> = bits.iter().map(|b| b["index"].to_string()).collect();
    let py_n: Vec<String> = bits.iter().map(|b| text(&b["name"])).collect();
    assert_eq!(split(&r[2]), py_i, "bit indexes: tshark vs cli.py");
    assert_eq!(split(&r[3]), py_n, "bit names: tshark vs cli.py");

    // An error with an extended ACK: a device that does not exist.
    let pcap3 = tmp("ethtool3-err.pcap");
    let nope = r#"{"header":{"dev-name":"nope0"}}"#;
    let out = genl(
        &["ynl", "--spec", s, "--do", "linkinfo-get", "--json", nope],
        Some(&pcap3),
    );
    assert!(!out.status.success());
    let (py_ok, py_out, py_err) = cli_py(
        &tree,
        "ethtool.yaml",
        &["--do", "linkinfo-get", "--json", nope],
    );
    assert!(!py_ok);
    let py_text = format!("{py_out}{py_err}");
    let msgs = trace(&pcap3, &spec, "ethtool");
    let err = msgs.iter().find(|m| m["kind"] == "error").unwrap();
    let rows = tshark_fields(
        &lua,
        &pcap3,
        &[
            "netlink.error",
            "genl_ethtool.extack.error",
            "genl_ethtool.extack.op",
            "genl_ethtool.extack.msg",
            "genl_ethtool.extack.offset",
        ],
    );
    let frame = err["frame"].as_u64().unwrap().to_string();
    let r = rows.iter().find(|r| r[0] == frame).unwrap();
    // Wireshark's own netlink dissector and the generated one agree on the
    // code; cli.py prints it as `error: -19`.
    assert_eq!(r[1], r[2]);
    assert!(py_text.contains(&format!("error: {}", r[1])), "{py_text}");
    assert_eq!(
        err["error"]["errno"].to_string(),
        r[1].trim_start_matches('-')
    );
    assert_eq!(r[3], "linkinfo-get");
    assert_eq!(err["cmd"], "linkinfo-get");
    // The message: cli.py prints `extack: {'msg': '…', …}`.
    assert!(!r[4].is_empty());
    assert!(py_text.contains(&format!("'msg': '{}'", r[4])), "{py_text}");
    assert_eq!(err["error"]["msg"], r[4].as_str());
    assert_eq!(err["error"]["offset"].to_string(), r[5]);
    for f in [&pcap, &pcap2, &pcap3, &lua] {
        let _ = std::fs::remove_file(f);
    }
}
