//! The VM's nlmon capture of a genl_demo session (`tests/vm_trace.rs`
//! prints it to the console between `GENL-TRACE-PCAP-BEGIN` and `-END`)
//! decoded on the host by tshark with the generated dissector
//! `kmod-c/genl_demo.lua`, and by `genl trace --read --json` (the library
//! function behind it, [`genl_cli::trace::decode`] and `to_json`); every
//! field tshark prints must equal genl's: sequence numbers of every
//! message, command names and numbers, attribute values, and the outcome of
//! each request (error code, the request's operation, extended-ACK message,
//! offset and missing attribute).
//!
//! The expected values are tshark's. Run after `cargo xtask vm test`
//! (it reads `target/genl-vm/logs/<release>.log`); fails when no log holds
//! a capture.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util;

const MARK: &str = "GENL-TRACE-PCAP";

/// Entry point: every console log with a capture is checked.
pub fn run() -> Result<(), String> {
    let root = util::workspace_root();
    let logs = root.join("target/genl-vm/logs");
    let mut checked = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&logs)
        .map_err(|e| format!("{}: {e} (run `cargo xtask vm test` first)", logs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    entries.sort();
    for log in entries {
        let text = std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        for (i, pcap) in captures(&text)
            .map_err(|e| format!("{}: {e}", log.display()))?
            .into_iter()
            .enumerate()
        {
            let name = log.file_stem().unwrap().to_string_lossy().into_owned();
            let file = root
                .join("target/genl-vm")
                .join(format!("trace-{name}-{i}.pcap"));
            std::fs::write(&file, &pcap).map_err(|e| format!("{}: {e}", file.display()))?;
            let n = compare(&root, &file).map_err(|e| format!("{}: {e}", file.display()))?;
            println!("trace check: {name}: {n}");
            checked.push(name);
        }
    }
    if checked.is_empty() {
        return Err(format!(
            "no {MARK} capture in {}/*.log: run `cargo xtask vm test` (the vm_trace guest test) first",
            logs.display()
        ));
    }
    Ok(())
}

/// The captures printed in a console log.
fn captures(log: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for line in log.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(at) = line.find(&format!("{MARK}-BEGIN ")) {
            let rest = &line[at + MARK.len() + 7..];
            let len = rest
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("bad begin line {line:?}"))?;
            cur = Some((len, String::new()));
        } else if let Some(at) = line.find(&format!("{MARK}: ")) {
            let Some((_, b64)) = cur.as_mut() else {
                return Err(format!("{MARK} line outside a capture: {line:?}"));
            };
            b64.push_str(line[at + MARK.len() + 2..].trim());
        } else if line.contains(&format!("{MARK}-END")) {
            let (len, b64) = cur.take().ok_or("an END without BEGIN")?;
            let bytes = base64_decode(&b64)?;
            if bytes.len() != len {
                return Err(format!(
                    "the capture has {} bytes, its BEGIN line says {len} (console lines lost?)",
                    bytes.len()
                ));
            }
            out.push(bytes);
        }
    }
    if cur.is_some() {
        return Err(format!("a {MARK}-BEGIN without its END"));
    }
    Ok(out)
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let val = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", c as char)),
        }
        .into())
    };
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return Err(format!(
            "base64 of length {} (not a multiple of 4)",
            b.len()
        ));
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for q in b.chunks(4) {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = n << 6 | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

/// tshark's fields, by frame: field → every occurrence, in order.
type Rows = HashMap<u64, HashMap<String, Vec<String>>>;

const P: &str = "genl_genl_demo";

fn tshark(lua: &Path, pcap: &Path, fields: &[String]) -> Result<Rows, String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-r")
        .arg(pcap)
        .args(["-T", "json", "-e", "frame.number"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("tshark: {e} (apt package `tshark`)"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || err.contains("Lua") {
        return Err(format!("tshark failed: {err}"));
    }
    let v: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("tshark's JSON: {e}"))?;
    let mut rows = Rows::new();
    for pkt in v.as_array().ok_or("tshark's JSON is not a list")? {
        let layers = &pkt["_source"]["layers"];
        let frame: u64 = layers["frame.number"][0]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or("a packet without frame.number")?;
        let mut m = HashMap::new();
        for f in fields {
            let vals = layers[f.as_str()]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            m.insert(f.clone(), vals);
        }
        rows.insert(frame, m);
    }
    Ok(rows)
}

/// The spec's enum entries by name → value (`value-start`, then in order).
fn enum_values(spec: &str) -> Result<HashMap<(String, String), u64>, String> {
    let y: serde_yaml_ng::Value = serde_yaml_ng::from_str(spec).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    for d in y["definitions"].as_sequence().into_iter().flatten() {
        if d["type"].as_str() != Some("enum") {
            continue;
        }
        let name = d["name"].as_str().unwrap_or_default().to_owned();
        let mut v = d["value-start"].as_u64().unwrap_or(0);
        for e in d["entries"].as_sequence().into_iter().flatten() {
            let en = e["name"].as_str().or(e.as_str()).unwrap_or_default();
            if let Some(x) = e["value"].as_u64() {
                v = x;
            }
            out.insert((name.clone(), en.to_owned()), v);
            v += 1;
        }
    }
    Ok(out)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Compares one capture; returns what was covered.
fn compare(root: &Path, pcap: &Path) -> Result<String, String> {
    let spec_path = root.join("kmod-c/genl_demo.yaml");
    let spec = std::fs::read_to_string(&spec_path).map_err(|e| e.to_string())?;
    let enums = enum_values(&spec)?;
    let fam = genl_ynl::family::Family::parse(&spec).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(pcap).map_err(|e| e.to_string())?;
    let msgs: Vec<Value> = genl_cli::trace::decode(&bytes, vec![fam])?
        .iter()
        .map(|m| serde_json::from_str(&m.to_json()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;

    // (tshark field, genl attribute path, enum) for each operation.
    let attrs: &[(&str, &[&str], &str, Option<&str>)] = &[
        ("echo", &["echo"], "msg", None),
        ("echo", &["echo"], "cookie", None),
        ("kv", &["kv-set", "kv-get", "kv-del"], "key", None),
        ("kv", &["kv-set", "kv-get", "kv-del"], "value", None),
        ("event", &["kv-event"], "op", Some("op")),
        ("event", &["kv-event"], "key", None),
        ("event", &["kv-event"], "value", None),
    ];
    let nested: &[(&str, &str, Option<&str>)] =
        &[("meta", "state", Some("state")), ("meta", "port", None)];
    let outcome = ["error", "op", "msg", "offset", "miss_type", "miss_nest"];
    let mut fields: Vec<String> = vec![
        "netlink.hdr_seq".into(),
        format!("{P}.op"),
        format!("{P}.cmd"),
        format!("{P}.unknown"),
    ];
    for (set, _, a, _) in attrs {
        fields.push(format!("{P}.{set}.{a}"));
    }
    for (set, a, _) in nested {
        fields.push(format!("{P}.{set}.{a}"));
    }
    for o in outcome {
        fields.push(format!("{P}.extack.{o}"));
    }
    let lua = root.join("kmod-c/genl_demo.lua");
    let rows = tshark(&lua, pcap, &fields)?;

    let mut frames: Vec<u64> = msgs.iter().filter_map(|m| m["frame"].as_u64()).collect();
    frames.dedup();
    if frames.len() != rows.len() {
        return Err(format!(
            "genl trace decoded {} frames, tshark {}",
            frames.len(),
            rows.len()
        ));
    }
    let mut covered: HashMap<&str, usize> = HashMap::new();
    for (&frame, row) in &rows {
        let ms: Vec<&Value> = msgs.iter().filter(|m| m["frame"] == frame).collect();
        let mut want: HashMap<String, Vec<String>> = HashMap::new();
        let mut push = |f: String, v: String| want.entry(f).or_default().push(v);
        for m in &ms {
            push("netlink.hdr_seq".into(), m["seq"].to_string());
            if m["type"] == 2 {
                // Wireshark also shows the echoed request's header, whose
                // sequence number is the error's.
                push("netlink.hdr_seq".into(), m["seq"].to_string());
            }
            if m["family"] != "genl_demo" {
                continue;
            }
            let cmd = m["cmd"].as_str().unwrap_or_default().to_owned();
            if m["kind"] == "message" {
                push(format!("{P}.op"), cmd.clone());
                push(format!("{P}.cmd"), m["cmd_id"].to_string());
                for (set, ops, a, en) in attrs {
                    if !ops.contains(&cmd.as_str()) {
                        continue;
                    }
                    let v = &m["attrs"][*a];
                    if v.is_null() {
                        continue;
                    }
                    let v = match en {
                        Some(e) => enums
                            .get(&(e.to_string(), text(v)))
                            .ok_or_else(|| format!("{e} has no {v}"))?
                            .to_string(),
                        None => text(v),
                    };
                    push(format!("{P}.{set}.{a}"), v);
                }
                for (set, a, en) in nested {
                    let v = &m["attrs"][*set][*a];
                    if v.is_null() {
                        continue;
                    }
                    let v = match en {
                        Some(e) => enums
                            .get(&(e.to_string(), text(v)))
                            .ok_or_else(|| format!("{e} has no {v}"))?
                            .to_string(),
                        None => text(v),
                    };
                    push(format!("{P}.{set}.{a}"), v);
                }
            } else if let Some(e) = m.get("error") {
                push(
                    format!("{P}.extack.error"),
                    (-e["errno"].as_i64().unwrap_or_default()).to_string(),
                );
                if m["cmd"].is_string() {
                    push(format!("{P}.extack.op"), cmd.clone());
                }
                for (k, f) in [
                    ("msg", "msg"),
                    ("offset", "offset"),
                    ("miss_type", "miss_type"),
                    ("miss_nest", "miss_nest"),
                ] {
                    if !e[k].is_null() {
                        push(format!("{P}.extack.{f}"), text(&e[k]));
                    }
                }
            }
        }
        for f in &fields {
            let mut got = row.get(f).cloned().unwrap_or_default();
            if f.ends_with(".value") {
                // Bytes: tshark may separate them with colons.
                for g in &mut got {
                    g.retain(|c| c != ':');
                }
            }
            let ours = want.get(f).cloned().unwrap_or_default();
            if got != ours {
                return Err(format!(
                    "frame {frame}, {f}: tshark {got:?}, genl trace {ours:?}\n{}",
                    ms.iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
            if !got.is_empty() {
                *covered.entry(f.as_str()).or_default() += got.len();
            }
        }
    }
    // What the session must have shown (tests/vm_trace.rs's session).
    for f in [
        "echo.msg",
        "echo.cookie",
        "kv.key",
        "kv.value",
        "meta.state",
        "meta.port",
        "event.op",
        "event.key",
        "extack.error",
        "extack.op",
        "extack.msg",
        "extack.offset",
        "extack.miss_type",
    ] {
        let k = format!("{P}.{f}");
        if covered.get(k.as_str()).copied().unwrap_or(0) == 0 {
            return Err(format!(
                "tshark showed no {k}: the session or the dissector lost it"
            ));
        }
    }
    let mut c: Vec<String> = covered.iter().map(|(k, v)| format!("{k}={v}")).collect();
    c.sort();
    Ok(format!(
        "{} frames, {} messages equal in tshark and genl trace ({})",
        rows.len(),
        msgs.len(),
        c.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        // RFC 4648, section 10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes());
        }
        assert!(base64_decode("Zm9").is_err());
        assert!(base64_decode("Zm9*").is_err());
    }

    #[test]
    fn captures_are_found_between_markers_with_console_noise() {
        let log = "boot\r\nGENL-TRACE-PCAP-BEGIN 6.12 6\r\n[  1.0] kernel says hi\r\n\
                   GENL-TRACE-PCAP: Zm9v\r\nGENL-TRACE-PCAP: YmFy\r\nGENL-TRACE-PCAP-END\r\n";
        assert_eq!(captures(log).unwrap(), vec![b"foobar".to_vec()]);
        let short = log.replace("BEGIN 6.12 6", "BEGIN 6.12 7");
        assert!(captures(&short).unwrap_err().contains("lost"));
        assert!(captures("GENL-TRACE-PCAP-BEGIN 6.12 3\n").is_err());
    }
}
