//! A capture of a generic netlink family decoded twice and compared field
//! by field: by tshark with the dissector `genl generate` wrote for the
//! family (`<name>.lua`, [`genl_ynl::wireshark`]), and by `genl trace
//! --read --json` (the library function behind it,
//! [`genl_cli::trace::decode`]). The expected values are tshark's (a tool
//! we did not write).
//!
//! [`compare`] works for any family: the tshark fields and genl's values
//! are both derived from the family's YNL spec — every attribute of every
//! set (nested sets, indexed arrays and `multi-attr` occurrences included),
//! enums by value, flags as masks and as one boolean per bit — plus, for
//! every message, its sequence number, command and operation, and the
//! outcome of each request (error code, the request's operation,
//! extended-ACK message, offset, missing attribute and nest).
//!
//! [`run`] (`cargo xtask test`'s trace suite) checks the VM's nlmon
//! capture of a genl_demo session (`tests/vm_trace.rs` prints it to the
//! console between `GENL-TRACE-PCAP-BEGIN` and `-END`) with
//! `kmod-c/genl_demo.yaml` and `kmod-c/genl_demo.lua`; `cargo xtask
//! new-user` checks the scaffold family's capture the same way
//! ([`check_logs`]).

mod fields;
mod summary;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use genl_cli::trace::TraceMessage;
use genl_ynl::family::{Attr, AttrType, DisplayHint, SpecFamily};
use genl_ynl::value::Value;
use serde_json::Value as Json;

use crate::util;
use fields::{push, walk, FamilyFields, Want};
pub use summary::Summary;

/// The prefix of the console lines that carry a capture.
pub const MARK: &str = "GENL-TRACE-PCAP";

/// What genl_demo's session (tests/vm_trace.rs) must have shown.
const DEMO_MUST_SHOW: &[&str] = &[
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
];

/// Entry point: every genl_demo capture in the repository's console logs
/// is checked.
pub fn run() -> Result<(), String> {
    let root = util::workspace_root();
    let spec = std::fs::read_to_string(root.join("kmod-c/genl_demo.yaml"))
        .map_err(|e| format!("kmod-c/genl_demo.yaml: {e}"))?;
    let lua = root.join("kmod-c/genl_demo.lua");
    for (name, s) in check_logs(
        &root.join("target/genl-vm/logs"),
        &root.join("target/genl-vm"),
        &spec,
        &lua,
    )? {
        s.require(DEMO_MUST_SHOW)?;
        println!("trace check: {name}: {s}");
    }
    Ok(())
}

/// `cargo xtask trace-compare SPEC.yaml DISSECTOR.lua CAPTURE.pcap...`:
/// [`compare`] on each capture, one summary line each.
pub fn cli(args: &[String]) -> Result<(), String> {
    let [spec, lua, pcaps @ ..] = args else {
        return Err(
            "usage: cargo xtask trace-compare SPEC.yaml DISSECTOR.lua CAPTURE.pcap...".into(),
        );
    };
    if pcaps.is_empty() {
        return Err("trace-compare: no capture given".into());
    }
    let text = std::fs::read_to_string(spec).map_err(|e| format!("{spec}: {e}"))?;
    for p in pcaps {
        let s = compare(&text, Path::new(lua), Path::new(p)).map_err(|e| format!("{p}: {e}"))?;
        println!("trace compare: {p}: {s}");
    }
    Ok(())
}

/// Every capture printed in the console logs `logs/*.log`, written to
/// `out/trace-<log>-<i>.pcap` and compared ([`compare`]) with the family
/// of `spec_yaml` and its dissector `lua`; by capture name
/// (`<log>-<i>`). Fails when no log holds a capture.
pub fn check_logs(
    logs: &Path,
    out: &Path,
    spec_yaml: &str,
    lua: &Path,
) -> Result<Vec<(String, Summary)>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(logs)
        .map_err(|e| format!("{}: {e} (no VM run?)", logs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    entries.sort();
    let mut checked = Vec::new();
    for log in entries {
        let text = std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let stem = log.file_stem().unwrap().to_string_lossy().into_owned();
        for (i, pcap) in captures(&text)
            .map_err(|e| format!("{}: {e}", log.display()))?
            .into_iter()
            .enumerate()
        {
            let name = format!("{stem}-{i}");
            let file = out.join(format!("trace-{name}.pcap"));
            std::fs::write(&file, &pcap).map_err(|e| format!("{}: {e}", file.display()))?;
            let s =
                compare(spec_yaml, lua, &file).map_err(|e| format!("{}: {e}", file.display()))?;
            checked.push((name, s));
        }
    }
    if checked.is_empty() {
        return Err(format!(
            "no {MARK} capture in {}/*.log: the guest printed none",
            logs.display()
        ));
    }
    Ok(checked)
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
    let v: Json = serde_json::from_slice(&out.stdout).map_err(|e| format!("tshark's JSON: {e}"))?;
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

/// Decodes the capture `pcap` with tshark and the dissector `lua`, and
/// with genl and the spec `spec_yaml`, and compares every field of every
/// frame (see the module's documentation). The first difference is the
/// error, with the frame's messages as genl decoded them.
pub fn compare(spec_yaml: &str, lua: &Path, pcap: &Path) -> Result<Summary, String> {
    let fam = SpecFamily::parse(spec_yaml).map_err(|e| e.to_string())?;
    let ff = FamilyFields::of(&fam)?;
    let p = ff.proto.clone();
    // The dissector must declare the fields derived here (else tshark's
    // silence would pass for agreement).
    let lua_text = std::fs::read_to_string(lua).map_err(|e| format!("{}: {e}", lua.display()))?;
    for (f, _) in &ff.all {
        let ours = f.starts_with(&format!("{p}.")) && !f.starts_with(&format!("{p}.extack."));
        if ours && !lua_text.contains(&format!("\"{f}\"")) {
            return Err(format!(
                "{} declares no field {f}: it does not name fields as this check derives them",
                lua.display()
            ));
        }
    }
    let bytes = std::fs::read(pcap).map_err(|e| e.to_string())?;
    let msgs: Vec<TraceMessage> = genl_cli::trace::decode(&bytes, vec![fam.clone()])?;
    let fields: Vec<String> = ff.all.iter().map(|(f, _)| f.clone()).collect();
    let rows = tshark(lua, pcap, &fields)?;

    let mut frames: Vec<usize> = msgs.iter().map(|m| m.frame).collect();
    frames.dedup();
    if frames.len() != rows.len() {
        return Err(format!(
            "genl trace decoded {} frames, tshark {}",
            frames.len(),
            rows.len()
        ));
    }
    let mut s = Summary {
        frames: rows.len(),
        messages: msgs.len(),
        proto: p.clone(),
        family: fam.name.clone(),
        ..Summary::default()
    };
    let mut order: Vec<&u64> = rows.keys().collect();
    order.sort();
    for &frame in order {
        let row = &rows[&frame];
        let ms: Vec<&TraceMessage> = msgs.iter().filter(|m| m.frame as u64 == frame).collect();
        let show = || {
            ms.iter()
                .map(|m| m.to_json())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut want = Want::new();
        for m in &ms {
            push(&mut want, "netlink.hdr_seq", Some(m.seq.to_string()));
            if m.ty == 2 {
                // Wireshark also shows the echoed request's header, whose
                // sequence number is the error's.
                push(&mut want, "netlink.hdr_seq", Some(m.seq.to_string()));
            }
            if m.family.as_deref() != Some(fam.name.as_str()) {
                continue;
            }
            s.family_messages += 1;
            if let Some(d) = &m.decode_error {
                return Err(format!(
                    "frame {frame}: genl did not decode a message: {d}\n{}",
                    show()
                ));
            }
            let cmd = m.cmd.clone();
            if m.kind() == "message" {
                let name = cmd
                    .clone()
                    .ok_or_else(|| format!("frame {frame}: no command name\n{}", show()))?;
                push(&mut want, &format!("{p}.op"), Some(name.clone()));
                push(
                    &mut want,
                    &format!("{p}.cmd"),
                    m.cmd_id.map(|c| c.to_string()),
                );
                let op = fam.ops.iter().find(|o| o.name == name);
                let skip: Vec<String> = op
                    .and_then(|o| o.fixed_header.as_ref())
                    .and_then(|h| fam.structs.get(h))
                    .map(|st| st.members.iter().map(|m| m.name.clone()).collect())
                    .unwrap_or_default();
                let attrs = match &m.attrs {
                    Some(a) => Value::parse_json(a).map_err(|e| format!("genl's JSON: {e}"))?,
                    None => Value::Map(Vec::new()),
                };
                let Value::Map(attrs) = attrs else {
                    return Err(format!(
                        "frame {frame}: attributes {attrs} are not an object"
                    ));
                };
                walk(
                    &fam,
                    &ff,
                    op.and_then(|o| o.attr_set),
                    &attrs,
                    &skip,
                    &mut want,
                )
                .map_err(|e| format!("frame {frame}: {e}\n{}", show()))?;
            } else if let Some(e) = &m.error {
                push(
                    &mut want,
                    &format!("{p}.extack.error"),
                    Some((-e.errno).to_string()),
                );
                push(&mut want, &format!("{p}.extack.op"), cmd.clone());
                push(
                    &mut want,
                    &format!("{p}.extack.msg"),
                    e.msg.clone().filter(|m| !m.is_empty()),
                );
                push(
                    &mut want,
                    &format!("{p}.extack.offset"),
                    e.offset.map(|x| x.to_string()),
                );
                push(
                    &mut want,
                    &format!("{p}.extack.miss_type"),
                    e.miss_type.map(|x| x.to_string()),
                );
                push(
                    &mut want,
                    &format!("{p}.extack.miss_nest"),
                    e.miss_nest.map(|x| x.to_string()),
                );
            }
        }
        for f in &fields {
            let conv = ff.conv(f);
            let got: Vec<String> = row
                .get(f)
                .into_iter()
                .flatten()
                .filter_map(|v| conv.tshark(v))
                .collect();
            let ours = want.remove(f).unwrap_or_default();
            if got != ours {
                let (mut a, mut b) = (got.clone(), ours.clone());
                a.sort();
                b.sort();
                if a != b {
                    return Err(format!(
                        "frame {frame}, {f}: tshark {got:?}, genl trace {ours:?}\n{}",
                        show()
                    ));
                }
                s.reordered += 1;
            }
            if !got.is_empty() {
                s.values += got.len();
                *s.covered.entry(f.clone()).or_default() += got.len();
            }
        }
        if let Some((f, v)) = want.into_iter().next() {
            return Err(format!(
                "frame {frame}: genl shows {f} = {v:?}, a field not asked of tshark"
            ));
        }
    }
    Ok(s)
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
