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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use genl_cli::trace::TraceMessage;
use genl_ynl::family::{Attr, AttrType, DisplayHint, Family};
use genl_ynl::value::Value;
use serde_json::Value as Json;

use crate::util;

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

/// How a field's value is written, to put tshark's text and genl's JSON
/// in one form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conv {
    /// An integer: decimal or `0x` hex (tshark's base.HEX), enum names and
    /// flag lists (genl) as their value.
    Int,
    /// A boolean: `1`/`0` (`True`/`False` in older tshark).
    Bool,
    /// Text as it is; empty text is no value (an empty attribute has no
    /// field in the dissector).
    Str,
    /// Bytes in lower-case hex, separators (`:`, ` `, `-`) dropped; none is
    /// no value.
    Bytes,
    /// An IPv4, IPv6 or MAC address.
    Addr,
    /// `binary` with an integer `sub-type`: genl's list of integers (host
    /// order: little-endian here), the dissector's bytes.
    IntBytes(usize),
    /// Only counted (attributes the spec does not know).
    Count,
}

impl Conv {
    /// tshark's text of a field in the common form (`None`: no value).
    fn tshark(self, s: &str) -> Option<String> {
        match self {
            Conv::Int => Some(parse_int(s).map_or_else(|| s.to_owned(), |n| n.to_string())),
            Conv::Bool => Some(
                match s {
                    "1" | "True" | "true" => "1",
                    "0" | "False" | "false" => "0",
                    s => s,
                }
                .to_owned(),
            ),
            Conv::Str => (!s.is_empty()).then(|| s.to_owned()),
            Conv::Bytes | Conv::IntBytes(_) => {
                let h = strip_hex(s);
                (!h.is_empty()).then_some(h)
            }
            Conv::Addr => Some(addr(s)),
            Conv::Count => Some("1".to_owned()),
        }
    }
}

fn parse_int(s: &str) -> Option<i128> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let n = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => i128::from_str_radix(h, 16).ok()?,
        None => t.parse::<i128>().ok()?,
    };
    Some(if neg { -n } else { n })
}

fn strip_hex(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An address in one form: std's for IP addresses, lower case otherwise.
fn addr(s: &str) -> String {
    match s.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => s.to_ascii_lowercase(),
    }
}

/// The tshark field of one attribute and what goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct AttrField {
    /// `genl_<family>.<set>.<attr>`.
    field: String,
    conv: Conv,
    /// Flag bits shown one by one: field and mask.
    bits: Vec<(String, u64)>,
}

/// `s` as a component of a field name (genl_ynl::wireshark's rule): lower
/// case; anything but letters, digits and `_` written `_`.
fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The fields of a family, derived from its spec.
struct FamilyFields {
    /// `genl_<family>`.
    proto: String,
    /// By (set index, attribute name); `None`: no field of its own (nests,
    /// and types the dissector shows as bytes and genl decodes further:
    /// structs, sub-messages).
    attrs: HashMap<(usize, String), Option<AttrField>>,
    /// Every field to ask tshark for, with its form.
    all: Vec<(String, Conv)>,
}

impl FamilyFields {
    fn of(fam: &Family) -> Result<FamilyFields, String> {
        let proto = format!("genl_{}", ident(&fam.name));
        let p = &proto;
        let mut all: Vec<(String, Conv)> = vec![
            ("netlink.hdr_seq".into(), Conv::Int),
            (format!("{p}.op"), Conv::Str),
            (format!("{p}.cmd"), Conv::Int),
            (format!("{p}.unknown"), Conv::Count),
            (format!("{p}.selector"), Conv::Int),
        ];
        for (k, c) in [
            ("error", Conv::Int),
            ("op", Conv::Str),
            ("msg", Conv::Str),
            ("offset", Conv::Int),
            ("miss_type", Conv::Int),
            ("miss_nest", Conv::Int),
        ] {
            all.push((format!("{p}.extack.{k}"), c));
        }
        // The dissector's own names, which an attribute's cannot take.
        let mut taken: HashSet<String> = [
            "cmd",
            "op",
            "version",
            "reserved",
            "fixed_header",
            "attr_len",
            "attr_type",
            "attr_nested",
            "attr_byteorder",
            "unknown",
            "selector",
            "malformed",
            "bad_size",
            "unknown_attr",
            "unknown_cmd",
        ]
        .iter()
        .map(|k| format!("{p}.{k}"))
        .collect();
        let mut attrs = HashMap::new();
        for (si, set) in fam.sets.iter().enumerate() {
            for a in &set.attrs {
                let field = format!("{p}.{}.{}", ident(&set.name), ident(&a.name));
                if !taken.insert(field.clone()) {
                    return Err(format!(
                        "two attributes are both tshark field {field}: the dissector names the \
                         second {field}_2, this check cannot tell which is which"
                    ));
                }
                let f = attr_field(fam, a, field);
                if let Some(f) = &f {
                    all.push((f.field.clone(), f.conv));
                    for (b, _) in &f.bits {
                        all.push((b.clone(), Conv::Bool));
                    }
                }
                attrs.insert((si, a.name.clone()), f);
            }
        }
        Ok(FamilyFields { proto, attrs, all })
    }

    fn conv(&self, field: &str) -> Conv {
        self.all
            .iter()
            .find(|(f, _)| f == field)
            .map_or(Conv::Str, |(_, c)| *c)
    }
}

/// The field of attribute `a` (named `field`), as genl_ynl::wireshark
/// renders it.
fn attr_field(fam: &Family, a: &Attr, field: String) -> Option<AttrField> {
    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
    let as_flags = enum_.is_some_and(|e| e.flags || a.enum_as_flags);
    let bits = |width: usize| -> Vec<(String, u64)> {
        match enum_ {
            Some(e) if as_flags && width <= 4 => e
                .entries
                .iter()
                .filter(|(_, v)| *v < width as u64 * 8)
                .map(|(n, v)| (format!("{field}.{}", ident(n)), 1u64 << v))
                .collect(),
            _ => Vec::new(),
        }
    };
    let (conv, bits) = match a.ty {
        t if t.int_width().is_some() => {
            let w = t.int_width().unwrap().0;
            if a.display_hint == Some(DisplayHint::Ipv4) && w == 4 {
                (Conv::Addr, Vec::new())
            } else {
                (Conv::Int, bits(w))
            }
        }
        AttrType::Uint | AttrType::Sint => (Conv::Int, Vec::new()),
        AttrType::String => (Conv::Str, Vec::new()),
        AttrType::Flag => (Conv::Bool, Vec::new()),
        AttrType::Bitfield32 => (Conv::Int, bits(4)),
        AttrType::IndexedArray => match a.sub_type {
            Some(AttrType::Nest) => return None,
            // genl writes integers with a display hint as text.
            Some(t) if t.int_width().is_some() && a.display_hint.is_none() => {
                (Conv::Int, Vec::new())
            }
            Some(AttrType::Binary) if a.display_hint.is_none() => (Conv::Bytes, Vec::new()),
            _ => return None,
        },
        AttrType::Binary => {
            if a.struct_.is_some() {
                return None;
            }
            match (a.sub_type.and_then(|t| t.int_width()), a.display_hint) {
                (Some((w, _)), _) => (Conv::IntBytes(w), Vec::new()),
                (None, Some(DisplayHint::Ipv4 | DisplayHint::Ipv6 | DisplayHint::Mac)) => {
                    (Conv::Addr, Vec::new())
                }
                _ => (Conv::Bytes, Vec::new()),
            }
        }
        AttrType::Pad => (Conv::Bytes, Vec::new()),
        _ => return None,
    };
    Some(AttrField { field, conv, bits })
}

/// What genl says tshark must show, by field.
type Want = HashMap<String, Vec<String>>;

fn push(want: &mut Want, field: &str, v: Option<String>) {
    if let Some(v) = v {
        want.entry(field.to_owned()).or_default().push(v);
    }
}

/// genl's value `v` of attribute `a` in the common form of `conv`.
fn genl_value(fam: &Family, a: &Attr, conv: Conv, v: &Value) -> Result<Option<String>, String> {
    let bad = || format!("attribute {}: genl's value {v} is not a {conv:?}", a.name);
    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
    Ok(match conv {
        Conv::Int => Some(int_of(enum_, v).ok_or_else(bad)?.to_string()),
        Conv::Bool => match v {
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
            _ => return Err(bad()),
        },
        Conv::Str => match v {
            Value::Str(s) => (!s.is_empty()).then(|| s.clone()),
            _ => return Err(bad()),
        },
        Conv::Bytes => match v {
            Value::Str(s) => Some(strip_hex(s)).filter(|h| !h.is_empty()),
            _ => return Err(bad()),
        },
        Conv::Addr => match v {
            Value::Str(s) => Some(addr(s)),
            _ => return Err(bad()),
        },
        Conv::IntBytes(w) => match v {
            Value::List(l) => {
                let mut h = String::new();
                for x in l {
                    let Value::Int(n) = x else {
                        return Err(bad());
                    };
                    for b in &n.to_le_bytes()[..w] {
                        h.push_str(&format!("{b:02x}"));
                    }
                }
                Some(h).filter(|h| !h.is_empty())
            }
            _ => return Err(bad()),
        },
        Conv::Count => Some("1".to_owned()),
    })
}

/// An integer as genl writes it: a number, an enum entry's name, a
/// `0x` string (display hint), or a list of flag names (and bits).
fn int_of(enum_: Option<&genl_ynl::family::EnumDef>, v: &Value) -> Option<i128> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Str(s) => parse_int(s).or_else(|| enum_?.value_of(s).map(i128::from)),
        Value::List(l) => {
            let e = enum_?;
            let mut m = 0i128;
            for x in l {
                m |= match x {
                    Value::Str(s) => 1i128.checked_shl(e.value_of(s)? as u32)?,
                    Value::Int(n) => *n,
                    _ => return None,
                };
            }
            Some(m)
        }
        _ => None,
    }
}

/// Whether genl writes one occurrence of `a` as a list.
fn list_valued(fam: &Family, a: &Attr) -> bool {
    let flags = a
        .enum_
        .as_ref()
        .and_then(|e| fam.enums.get(e))
        .is_some_and(|e| e.flags || a.enum_as_flags);
    match a.ty {
        AttrType::IndexedArray => true,
        AttrType::Binary => {
            a.struct_.is_none() && a.sub_type.is_some_and(|t| t.int_width().is_some())
        }
        t if t.int_width().is_some() => flags,
        _ => false,
    }
}

/// Adds to `want` the fields genl's attributes `attrs` (of set `set`)
/// must show, in order; `skip` are keys that are no attributes (a fixed
/// header's members). A key that is neither is an error.
fn walk(
    fam: &Family,
    ff: &FamilyFields,
    set: Option<usize>,
    attrs: &[(String, Value)],
    skip: &[String],
    want: &mut Want,
) -> Result<(), String> {
    let unknown = format!("{}.unknown", ff.proto);
    for (k, v) in attrs {
        if k.starts_with("UnknownAttr(") {
            push(want, &unknown, Some("1".into()));
            if let Value::Map(m) = v {
                walk(fam, ff, None, m, &[], want)?;
            }
            continue;
        }
        if skip.contains(k) {
            continue;
        }
        let (si, a) = match set.and_then(|si| Some((si, fam.sets[si].attr(k)?))) {
            Some(x) => x,
            None => {
                return Err(format!(
                    "genl decoded `{k}`, which is no attribute of set {}",
                    set.map_or("(none)", |si| fam.sets[si].name.as_str())
                ))
            }
        };
        let occurrences: Vec<&Value> = match v {
            Value::List(l) if a.multi || !list_valued(fam, a) => l.iter().collect(),
            v => vec![v],
        };
        let field = ff.attrs.get(&(si, a.name.clone())).cloned().flatten();
        for v in occurrences {
            match (a.ty, v) {
                (AttrType::Nest, Value::Map(m)) => walk(fam, ff, a.nested, m, &[], want)?,
                (AttrType::IndexedArray, Value::List(items)) => {
                    for item in items {
                        match (a.sub_type, item) {
                            (Some(AttrType::Nest), Value::Map(outer)) => {
                                for (_, inner) in outer {
                                    let Value::Map(m) = inner else {
                                        return Err(format!("{k}: item {inner} is not an object"));
                                    };
                                    walk(fam, ff, a.nested, m, &[], want)?;
                                }
                            }
                            (_, item) => {
                                if let Some(f) = &field {
                                    push(want, &f.field, genl_value(fam, a, f.conv, item)?);
                                }
                            }
                        }
                    }
                }
                (AttrType::Bitfield32, Value::Map(m)) => {
                    let Some(f) = &field else { continue };
                    let get = |key: &str| m.iter().find(|(x, _)| x == key).map(|(_, v)| v);
                    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
                    let (Some(val), Some(sel)) = (
                        get("value").and_then(|x| int_of(enum_, x)),
                        get("selector").and_then(|x| int_of(enum_, x)),
                    ) else {
                        return Err(format!("{k}: bitfield32 {v} without value and selector"));
                    };
                    push(want, &f.field, Some(val.to_string()));
                    push(
                        want,
                        &format!("{}.selector", ff.proto),
                        Some(sel.to_string()),
                    );
                    for (b, mask) in &f.bits {
                        push(want, b, Some(((val as u64 & mask != 0) as u8).to_string()));
                    }
                }
                (_, v) => {
                    let Some(f) = &field else { continue };
                    let s = genl_value(fam, a, f.conv, v)?;
                    if !f.bits.is_empty() {
                        let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
                        let n = int_of(enum_, v).ok_or_else(|| format!("{k}: {v}"))?;
                        for (b, mask) in &f.bits {
                            push(want, b, Some(((n as u64 & mask != 0) as u8).to_string()));
                        }
                    }
                    push(want, &f.field, s);
                }
            }
        }
    }
    Ok(())
}

/// What a comparison covered.
#[derive(Debug, Default)]
pub struct Summary {
    /// Frames (pcap records).
    pub frames: usize,
    /// Netlink messages genl decoded.
    pub messages: usize,
    /// Of them, the family's (its own, and the outcomes of its requests).
    pub family_messages: usize,
    /// Field values found equal.
    pub values: usize,
    /// Values by field (only fields with some).
    pub covered: BTreeMap<String, usize>,
    /// Fields in which genl's values came in another order than tshark's
    /// (attributes of one set under different parents).
    pub reordered: usize,
    /// `genl_<family>`.
    pub proto: String,
    /// The family's name.
    pub family: String,
}

impl Summary {
    /// The values of the family's attributes (fields
    /// `genl_<family>.<set>.<attr>`, not the outcome's).
    pub fn attribute_values(&self) -> usize {
        let p = format!("{}.", self.proto);
        self.covered
            .iter()
            .filter(|(k, _)| {
                k.strip_prefix(&p)
                    .is_some_and(|r| r.contains('.') && !r.starts_with("extack."))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// Fails unless each of `fields` (without the `genl_<family>.`
    /// prefix) had some value.
    pub fn require(&self, fields: &[&str]) -> Result<(), String> {
        for f in fields {
            let k = format!("{}.{f}", self.proto);
            if self.covered.get(&k).copied().unwrap_or(0) == 0 {
                return Err(format!(
                    "tshark showed no {k}: the session or the dissector lost it ({self})"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c: Vec<String> = self
            .covered
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={v}",
                    k.strip_prefix(&format!("{}.", self.proto)).unwrap_or(k)
                )
            })
            .collect();
        write!(
            f,
            "{} frames, {} messages ({} of {}), {} field values in {} fields equal in tshark and \
             genl trace ({})",
            self.frames,
            self.messages,
            self.family_messages,
            self.family,
            self.values,
            self.covered.len(),
            c.join(", ")
        )
    }
}

/// Decodes the capture `pcap` with tshark and the dissector `lua`, and
/// with genl and the spec `spec_yaml`, and compares every field of every
/// frame (see the module's documentation). The first difference is the
/// error, with the frame's messages as genl decoded them.
pub fn compare(spec_yaml: &str, lua: &Path, pcap: &Path) -> Result<Summary, String> {
    let fam = Family::parse(spec_yaml).map_err(|e| e.to_string())?;
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
      - { name: on, type: flag }
      - { name: blob, type: binary }
      - { name: addr, type: u32, byte-order: big-endian, display-hint: ipv4 }
  - name: inner
    attributes:
      - { name: x, type: s32 }
operations:
  list:
    - name: get
      attribute-set: main
      do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
"#;

    fn fields() -> (Family, FamilyFields) {
        let fam = Family::parse(SPEC).unwrap();
        let ff = FamilyFields::of(&fam).unwrap();
        (fam, ff)
    }

    #[test]
    fn fields_are_derived_from_the_spec_as_the_dissector_names_them() {
        let (_, ff) = fields();
        let lua = genl_ynl::wireshark::dissector(SPEC).unwrap();
        let p = "genl_demo_fam";
        for (f, conv) in [
            ("main.id", Conv::Int),
            ("main.port", Conv::Int),
            ("main.color", Conv::Int),
            ("main.opts", Conv::Int),
            ("main.opts.c", Conv::Bool),
            ("main.label", Conv::Str),
            ("main.vals", Conv::Int),
            ("main.big", Conv::Int),
            ("main.tag", Conv::Int),
            ("main.on", Conv::Bool),
            ("main.blob", Conv::Bytes),
            ("main.addr", Conv::Addr),
            ("inner.x", Conv::Int),
        ] {
            let f = format!("{p}.{f}");
            assert_eq!(ff.conv(&f), conv, "{f}");
            assert!(ff.all.iter().any(|(x, _)| *x == f), "{f} not asked");
            assert!(
                lua.contains(&format!("\"{f}\"")),
                "the dissector has no {f}"
            );
        }
        // Nests have no value of their own; their attributes do.
        let names: Vec<&str> = ff.all.iter().map(|(f, _)| f.as_str()).collect();
        assert!(!names.contains(&"genl_demo_fam.main.inner"));
        assert!(!names.contains(&"genl_demo_fam.main.list"));
        assert!(names.contains(&"genl_demo_fam.extack.miss_type"));
        assert!(names.contains(&"netlink.hdr_seq"));
    }

    #[test]
    fn genl_values_become_what_tshark_shows() {
        let (fam, ff) = fields();
        let attrs = Value::parse_json(
            r#"{"id": 5, "port": 8080, "color": "green", "opts": ["a", "c"], "label": "hi",
                "inner": {"x": -3}, "list": [{"0": {"x": 1}}, {"1": {"x": 2}}],
                "vals": [7, 8], "big": 18446744073709551615, "tag": [1, 2], "on": true,
                "blob": "00ff", "addr": "10.0.0.1", "UnknownAttr(99)": "ab"}"#,
        )
        .unwrap();
        let Value::Map(attrs) = attrs else { panic!() };
        let mut want = Want::new();
        walk(&fam, &ff, Some(0), &attrs, &[], &mut want).unwrap();
        let get = |f: &str| {
            want.get(&format!("genl_demo_fam.{f}"))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(get("main.id"), ["5"]);
        assert_eq!(get("main.port"), ["8080"]);
        assert_eq!(get("main.color"), ["1"]);
        assert_eq!(get("main.opts"), ["5"]);
        assert_eq!(
            (get("main.opts.a"), get("main.opts.b"), get("main.opts.c")),
            (
                vec!["1".to_owned()],
                vec!["0".to_owned()],
                vec!["1".to_owned()]
            )
        );
        assert_eq!(get("main.label"), ["hi"]);
        assert_eq!(get("inner.x"), ["-3", "1", "2"]);
        assert_eq!(get("main.vals"), ["7", "8"]);
        assert_eq!(get("main.big"), ["18446744073709551615"]);
        assert_eq!(get("main.tag"), ["1", "2"]);
        assert_eq!(get("main.on"), ["1"]);
        assert_eq!(get("main.blob"), ["00ff"]);
        assert_eq!(get("main.addr"), ["10.0.0.1"]);
        assert_eq!(get("unknown"), ["1"]);
        // A key the set does not have is an error, not a silent pass.
        let bad = vec![("nope".to_owned(), Value::Int(1))];
        assert!(walk(&fam, &ff, Some(0), &bad, &[], &mut Want::new())
            .unwrap_err()
            .contains("nope"));
    }

    #[test]
    fn tshark_text_is_normalized() {
        assert_eq!(Conv::Int.tshark("0x0000001f").as_deref(), Some("31"));
        assert_eq!(Conv::Int.tshark("-22").as_deref(), Some("-22"));
        assert_eq!(Conv::Bool.tshark("True").as_deref(), Some("1"));
        assert_eq!(Conv::Bytes.tshark("68:65:6C").as_deref(), Some("68656c"));
        assert_eq!(Conv::Str.tshark(""), None);
        assert_eq!(Conv::Addr.tshark("fe80:0::1").as_deref(), Some("fe80::1"));
    }

    #[test]
    fn ambiguous_field_names_are_refused() {
        let spec = "name: x\nattribute-sets:\n  - name: a-b\n    attributes: [{ name: c, type: u8 }]\n  \
                    - name: a_b\n    attributes: [{ name: c, type: u8 }]\noperations: { list: [] }\n";
        let fam = Family::parse(spec).unwrap();
        assert!(FamilyFields::of(&fam)
            .err()
            .unwrap()
            .contains("genl_x.a_b.c"));
    }
}
