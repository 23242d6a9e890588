//! Recording a real session with the host kernel (`Socket::record` and
//! `GENL_PCAP`), reading it back with `genl trace --read`, and checking the
//! decode against the connection's own results and against tshark's
//! netlink and genetlink dissectors (a decoder nobody here wrote).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use genl_core::pcap::Recorder;
use genl_core::Connection;
use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("genl-trace-{}-{name}", std::process::id()))
}

fn genl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(args)
        .env_remove("GENL_PCAP")
        .output()
        .unwrap()
}

fn trace_json(file: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["trace", "--read", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let out = genl(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A session recorded with the API: resolving ethtool (which this host
/// registers) and a family that does not exist. Returns the file and
/// ethtool's id as the connection resolved it.
fn record_session(name: &str) -> (PathBuf, u16) {
    let path = tmp(name);
    let mut conn = Connection::new().unwrap();
    conn.socket()
        .record(Recorder::create(&path).unwrap())
        .expect("no recorder yet (GENL_PCAP unset)");
    let id = conn.resolve("ethtool").unwrap().id;
    assert!(conn.resolve("no_such_family").is_err());
    assert!(conn.socket().recorder().unwrap().error().is_none());
    (path, id)
}

#[test]
fn a_recorded_session_reads_back_with_requests_replies_and_errors() {
    let (path, id) = record_session("api.pcap");
    let msgs = trace_json(&path, &[]);
    let req = msgs
        .iter()
        .find(|m| m["dir"] == "to-kernel" && m["attrs"]["family-name"] == "ethtool")
        .expect("the GETFAMILY request for ethtool");
    assert_eq!(req["family"], "nlctrl");
    assert_eq!(req["family_id"], 0x10);
    assert_eq!(req["cmd"], "getfamily");
    assert_eq!(req["cmd_id"], 3); // CTRL_CMD_GETFAMILY
    assert_eq!(req["kind"], "message");
    assert!(req["flags"].as_array().unwrap().contains(&"request".into()));
    let reply = msgs
        .iter()
        .find(|m| m["dir"] == "to-user" && m["seq"] == req["seq"] && m["kind"] == "message")
        .expect("its reply");
    assert_eq!(reply["cmd_id"], 1); // CTRL_CMD_NEWFAMILY
    assert_eq!(reply["attrs"]["family-name"], "ethtool");
    assert_eq!(reply["attrs"]["family-id"], u64::from(id));
    assert_ne!(reply["port"], 0, "replies carry our port id");

    let bad = msgs
        .iter()
        .find(|m| m["dir"] == "to-kernel" && m["attrs"]["family-name"] == "no_such_family")
        .expect("the request for the missing family");
    let err = msgs
        .iter()
        .find(|m| m["seq"] == bad["seq"] && m["kind"] == "error")
        .expect("its error");
    assert_eq!(err["error"]["errno"], 2); // ENOENT
    assert_eq!(err["error"]["name"], "ENOENT");
    assert_eq!(err["family"], "nlctrl");
    assert_eq!(err["cmd"], "getfamily");

    // Filters.
    assert!(trace_json(&path, &["--family", "ethtool"]).is_empty());
    let only = trace_json(&path, &["--family", "nlctrl", "--cmd", "getfamily"]);
    assert_eq!(only.len(), msgs.len());
    assert!(trace_json(&path, &["--cmd", "getpolicy"]).is_empty());

    // Text: one line per message.
    let out = genl(&["trace", "--read", path.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), msgs.len());
    assert!(text.contains("ENOENT"), "{text}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn genl_pcap_records_a_whole_program() {
    let path = tmp("env.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(["ctrl", "get", "ethtool"])
        .env("GENL_PCAP", &path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msgs = trace_json(&path, &["--family", "nlctrl"]);
    assert!(msgs
        .iter()
        .any(|m| m["dir"] == "to-user" && m["attrs"]["family-name"] == "ethtool"));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn bad_files_are_clear_errors() {
    let path = tmp("bad.pcap");
    std::fs::write(&path, b"this is not a capture at all").unwrap();
    let out = genl(&["trace", "--read", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a pcap or pcapng file"), "{err}");

    let (good, _) = record_session("cut.pcap");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let out = genl(&["trace", "--read", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&good);
}

/// tshark's netlink dissector reads the same file: for every frame, the
/// first message's family id (or type), command and sequence number agree.
/// Skipped without tshark, unless `CI` is set (then it fails).
#[test]
fn tshark_agrees_with_genl_trace() {
    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is missing (apt package `tshark`)"
        );
        eprintln!("skipped: no tshark");
        return;
    }
    let (path, _) = record_session("tshark.pcap");
    let out = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-T",
            "fields",
            "-E",
            "separator=/t",
        ])
        .args(["-E", "occurrence=f"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "netlink.hdr_type",
            "-e",
            "genl.family_id",
        ])
        .args([
            "-e",
            "netlink.hdr_seq",
            "-e",
            "genl.cmd",
            "-e",
            "genl.ctrl.cmd",
        ])
        .args(["-e", "netlink.error"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Malformed"), "{stderr}");
    let msgs = trace_json(&path, &[]);
    let rows = String::from_utf8(out.stdout).unwrap();
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() {
            None
        } else if let Some(h) = s.strip_prefix("0x") {
            Some(u64::from_str_radix(h, 16).unwrap())
        } else {
            Some(s.parse().unwrap())
        }
    };
    let mut frames = 0;
    for row in rows.lines() {
        let f: Vec<&str> = row.split('\t').collect();
        let frame = num(f[0]).unwrap();
        let ours = msgs
            .iter()
            .find(|m| m["frame"] == frame)
            .unwrap_or_else(|| panic!("frame {frame} missing from genl trace"));
        let ty = num(f[2]).or(num(f[1])).unwrap();
        assert_eq!(ours["type"], ty, "type of frame {frame}: {row}");
        assert_eq!(
            ours["seq"],
            num(f[3]).unwrap(),
            "seq of frame {frame}: {row}"
        );
        if ours["kind"] == "message" {
            let cmd = num(f[4]).or(num(f[5])).unwrap();
            assert_eq!(ours["cmd_id"], cmd, "cmd of frame {frame}: {row}");
        } else {
            let errno = f[6].parse::<i64>().unwrap();
            assert_eq!(
                ours["error"]["errno"], -errno,
                "errno of frame {frame}: {row}"
            );
        }
        frames += 1;
    }
    assert!(frames >= 4, "{rows}");
    let _ = std::fs::remove_file(&path);
}

/// tshark rewrites a genl recording as pcapng (its default output format,
/// with nanosecond timestamps); `genl trace --read` decodes it to the same
/// messages as the original pcap, time included.
#[test]
fn pcapng_written_by_tshark_reads_the_same() {
    if Command::new("tshark").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is missing (apt package `tshark`)"
        );
        eprintln!("skipped: no tshark");
        return;
    }
    let (path, _) = record_session("ng-src.pcap");
    let ng = tmp("ng.pcapng");
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-w")
        .arg(&ng)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&ng).unwrap();
    assert_eq!(
        &bytes[..4],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        "tshark wrote pcapng"
    );
    let from_pcap = trace_json(&path, &[]);
    assert!(!from_pcap.is_empty());
    assert_eq!(trace_json(&ng, &[]), from_pcap);
    // Cut inside its last block: a typed error naming the place.
    let cut = tmp("ng-cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    let out = genl(&["trace", "--read", cut.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at byte"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for f in [&path, &ng, &cut] {
        let _ = std::fs::remove_file(f);
    }
}

/// Live capture (`genl trace` without --read) on this host: whether the
/// kernel has nlmon is asked of iproute2 (`ip link add … type nlmon`); without
/// it genl must say so and point to GENL_PCAP; with it, a capture of
/// `genl ctrl get nlctrl` run alongside shows the lookup, and the device is
/// gone afterwards. Needs root (CAP_NET_ADMIN); as another user the error
/// must name the capability.
#[test]
fn live_capture_here_or_a_clear_error() {
    let probe = format!("gprobe{}", std::process::id() % 100_000);
    let ip = Command::new("ip")
        .args(["link", "add", "name", &probe, "type", "nlmon"])
        .output()
        .expect("ip (iproute2)");
    let ip_err = String::from_utf8_lossy(&ip.stderr).into_owned();
    if ip.status.success() {
        let _ = Command::new("ip").args(["link", "del", &probe]).output();
    }
    let dev = format!("gtest{}", std::process::id() % 100_000);
    if !ip.status.success() {
        let out = genl(&["trace", "--device", &dev, "--duration", "1"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        if ip_err.contains("Unknown device type") {
            assert!(err.contains("CONFIG_NETLINK_MON"), "{err}");
            assert!(err.contains("GENL_PCAP"), "{err}");
            assert!(err.contains("--read"), "{err}");
        } else if ip_err.contains("Operation not permitted") {
            assert!(err.contains("CAP_NET_ADMIN"), "{err}");
        } else {
            panic!("ip could not create an nlmon device: {ip_err}; genl: {err}");
        }
        return;
    }
    let child = Command::new(env!("CARGO_BIN_EXE_genl"))
        .args(["trace", "--device", &dev, "--json", "--duration", "3"])
        .args(["--family", "nlctrl"])
        .env_remove("GENL_PCAP")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(genl(&["ctrl", "get", "nlctrl"]).status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msgs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(msgs
        .iter()
        .any(|m| m["dir"] == "to-user" && m["attrs"]["family-name"] == "nlctrl"));
    let gone = Command::new("ip")
        .args(["link", "show", &dev])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the nlmon device is removed");
}
