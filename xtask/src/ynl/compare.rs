//! The verdict on one invocation of the kernel's `cli.py` and of `genl ynl`
//! with the same arguments: a differential test of `genl ynl` against a
//! decoder nobody here wrote.
//!
//! Everything either tool prints on standard output is compared; nothing is
//! dropped and no value is ignored. Three things are not equal by nature
//! and are normalised, each for a stated reason:
//!
//! - flag sets: cli.py decodes an attribute (or struct member) whose enum is
//!   of type `flags`, or that says `enum-as-flags`, into a Python `set`,
//!   printed in string-hash order, which changes from one process to the
//!   next; `genl ynl` prints them by bit. Arrays under exactly those names
//!   (read from the spec, see [`flag_sets`]) are sorted on both sides, no
//!   other array;
//! - `--list-ops` / `--list-msgs` modes: a Python `set` too ([`list_ops`]);
//! - values the kernel changes on its own ([`Moving`]): clocks it reads at
//!   each request (`genl ynl` runs after cli.py, so its value must be the
//!   same or later, by no more than the clock's bound) and values it draws
//!   at random now and then (each side's within the range of the draw).
//!
//! - a spec erratum `genl ynl` corrects from the uapi headers: 6.12's
//!   `nlctrl.yaml` lists `mask` before `pad` in `policy-attrs`, so cli.py
//!   decodes attribute 12 (`NL_POLICY_TYPE_ATTR_MASK` in
//!   `<linux/netlink.h>`) as `pad` and prints its 8 bytes in hex, while
//!   `genl ynl` numbers it as the header does and prints `mask` as an
//!   integer. cli.py's `pad` under `policy` is read as the little-endian
//!   u64 it holds and renamed `mask` ([`nlctrl_mask_erratum`]).
//!
//! The kernel's extended-ACK warnings are compared too: cli.py prints them
//! on standard output (`Netlink warning:` and the message's repr, see
//! [`py_warnings`]), `genl ynl` on standard error (`genl ynl: netlink
//! warning: MSG`); both must report the same messages. Any other line that
//! is not JSON fails.
//!
//! Traffic counters (a link's `stats64`, its inet6 `stats` and
//! `icmp6-stats`, a qdisc's `stats2`) are compared by value: the comparison
//! holds them still (see `ynl::compare_in_netns`).

use std::collections::BTreeSet;

use serde_json::Value as J;

/// A value the kernel may change between the two tools' requests, and the
/// bound it must keep: compared as integers.
#[derive(Debug, Clone, Copy)]
pub struct Moving {
    /// The JSON key (attribute or struct member name).
    pub key: &'static str,
    /// How it may move.
    pub bound: Bound,
    /// The unit, for messages.
    pub unit: &'static str,
}

/// How a [`Moving`] value may differ between cli.py's output and
/// `genl ynl`'s.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// A clock the kernel reads at each request: `genl ynl`'s (read later)
    /// no smaller than cli.py's and no more than `slack` larger.
    Later {
        /// The largest allowed advance.
        slack: u64,
    },
    /// A value the kernel draws at random now and then: each side's in
    /// `min..max`.
    Drawn {
        /// The smallest value it can draw.
        min: u64,
        /// One past the largest.
        max: u64,
    },
}

/// What one invocation is expected to do.
#[derive(Debug, Default)]
pub struct Expect<'a> {
    /// The kernel refuses the request: both tools must fail, with the same
    /// error (the text after `error:` of `genl ynl` appears in cli.py's
    /// output).
    pub fails: bool,
    /// Text output (`--list-ops`, `--list-msgs`), not JSON.
    pub listing: bool,
    /// Text cli.py's output must contain (what a change made shows up).
    pub shows: Option<&'a str>,
    /// The values the kernel may change between the two requests.
    pub moving: &'a [Moving],
    /// The names whose values cli.py prints as sets ([`flag_sets`]).
    pub sets: Option<&'a BTreeSet<String>>,
}

/// What one tool did.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// It exited with status 0.
    pub ok: bool,
    /// Its standard output.
    pub out: &'a str,
    /// Its standard error.
    pub err: &'a str,
}

/// The verdict: what agreed, or how the two differ.
pub fn judge(e: &Expect<'_>, py: Output<'_>, ge: Output<'_>) -> Result<String, String> {
    if e.fails {
        let msg = ge.err.split("error:").nth(1).unwrap_or("").trim();
        let msg = msg.split(" (errno").next().unwrap_or("");
        return if py.ok || ge.ok {
            Err(format!(
                "expected both to fail: cli.py ok={}, genl ok={}",
                py.ok, ge.ok
            ))
        } else if msg.is_empty() || !py.out.contains(msg) {
            Err(format!(
                "different errors: cli.py said {:?}, genl {:?}",
                py.out.trim(),
                ge.err.trim()
            ))
        } else {
            Ok(format!("both fail: {msg}"))
        };
    }
    if !py.ok || !ge.ok {
        return Err(format!(
            "exit: cli.py ok={} ({}), genl ok={} ({})",
            py.ok,
            py.err.trim().lines().last().unwrap_or(""),
            ge.ok,
            ge.err.trim()
        ));
    }
    if let Some(s) = e.shows.filter(|s| !py.out.contains(s)) {
        return Err(format!("cli.py's output lacks {s:?}: {}", py.out));
    }
    if e.listing {
        let (a, b) = (list_ops(py.out), list_ops(ge.out));
        return if a.is_empty() {
            Err("cli.py listed nothing".into())
        } else if a == b {
            Ok(format!("{} lines, same text", a.len()))
        } else {
            Err(format!("--list-ops differ:\n{}\nvs\n{}", py.out, ge.out))
        };
    }
    let empty = BTreeSet::new();
    let sets = e.sets.unwrap_or(&empty);
    let (py_out, warned) = py_warnings(py.out)?;
    let ge_warned: Vec<&str> = ge
        .err
        .lines()
        .filter_map(|l| l.strip_prefix(GENL_WARNING))
        .collect();
    if warned != ge_warned {
        return Err(format!(
            "netlink warnings differ: cli.py {warned:?}, genl ynl {ge_warned:?}"
        ));
    }
    let (mut a, flag_sets) = json_lines("cli.py", &py_out, sets)?;
    let errata: usize = a.iter_mut().map(nlctrl_mask_erratum).sum();
    let (b, _) = json_lines("genl ynl", ge.out, sets)?;
    if a.is_empty() {
        return Err(format!("cli.py printed no JSON: {:?}", py.out));
    }
    if a.len() != b.len() {
        return Err(format!(
            "cli.py printed {} JSON lines, genl ynl {}",
            a.len(),
            b.len()
        ));
    }
    let mut tally = Tally::default();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        same(&format!("line {}", i + 1), x, y, e.moving, &mut tally)?;
    }
    let mut note = format!(
        "equal JSON, {} bytes, {} integers by value",
        py.out.len(),
        tally.integers
    );
    if tally.moving > 0 {
        note += &format!(", {} moving values within their bounds", tally.moving);
    }
    if flag_sets > 0 {
        note += &format!(", {flag_sets} flag sets");
    }
    if errata > 0 {
        note += &format!(", {errata} nlctrl masks cli.py calls pad");
    }
    if !warned.is_empty() {
        note += &format!(", the same {} netlink warnings", warned.len());
    }
    Ok(note)
}

/// cli.py's reading of `NL_POLICY_TYPE_ATTR_MASK` (12) as nlctrl's
/// `pad` (the spec numbers `mask` 11): in every object under a `policy`
/// key, a `pad` of 16 hex digits becomes `mask`, the little-endian u64 of
/// those bytes, as the kernel put it (`nla_put_u64_64bit` in
/// `netlink_policy_dump_write_attr`). Returns how many it renamed.
pub fn nlctrl_mask_erratum(v: &mut J) -> usize {
    let mut n = 0;
    match v {
        J::Object(m) => {
            if let Some(J::Object(p)) = m.get_mut("policy") {
                let mask = p
                    .get("pad")
                    .and_then(J::as_str)
                    .filter(|h| h.len() == 16)
                    .and_then(|h| u64::from_str_radix(h, 16).ok().map(|_| h))
                    .map(|h| {
                        let mut b = [0u8; 8];
                        for (i, byte) in b.iter_mut().enumerate() {
                            *byte = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0);
                        }
                        u64::from_le_bytes(b)
                    });
                if let Some(mask) = mask {
                    p.remove("pad");
                    p.insert("mask".into(), J::from(mask));
                    n += 1;
                }
            }
            for x in m.values_mut() {
                n += nlctrl_mask_erratum(x);
            }
        }
        J::Array(a) => {
            for x in a {
                n += nlctrl_mask_erratum(x);
            }
        }
        _ => {}
    }
    n
}

/// How `genl ynl` reports an extended-ACK warning on standard error.
const GENL_WARNING: &str = "genl ynl: netlink warning: ";

/// cli.py's output without its warning blocks, and the messages they
/// carry. A block is the line `Netlink warning:` and the `repr` of the
/// message (`nl_len = …` and tab-indented lines: `error:`, `extack:` with
/// the `msg`), as `YnlFamily._op` of the kernel's `ynl.py` prints it for a
/// dump's `NLMSG_DONE` with an extended ACK. A block without a message is
/// an error.
pub fn py_warnings(out: &str) -> Result<(String, Vec<&str>), String> {
    let mut rest = String::new();
    let mut msgs = Vec::new();
    let mut lines = out.lines().peekable();
    while let Some(l) = lines.next() {
        if l != "Netlink warning:" {
            rest.push_str(l);
            rest.push('\n');
            continue;
        }
        let head = lines.next().unwrap_or("");
        if !head.starts_with("nl_len = ") {
            return Err(format!(
                "cli.py's warning is not followed by a message: {head:?}"
            ));
        }
        let mut msg = None;
        while let Some(t) = lines.next_if(|t| t.starts_with('\t')) {
            if let Some(x) = t.strip_prefix("\textack: ") {
                msg = extack_msg(x);
            }
        }
        msgs.push(msg.ok_or_else(|| format!("cli.py's warning carries no message: {head:?}"))?);
    }
    Ok((rest, msgs))
}

/// The `msg` of a Python `repr` of an extack dict: `{'msg': 'text', ...}`.
fn extack_msg(repr: &str) -> Option<&str> {
    let v = &repr[repr.find("'msg': ")? + 7..];
    let q = v.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let v = &v[1..];
    Some(&v[..v.find(q)?])
}

/// What [`same`] compared.
#[derive(Default)]
struct Tally {
    integers: usize,
    moving: usize,
}

/// Compares `a` (cli.py's) with `b` (genl's) at `path`: equal, except
/// the moving values (within their bounds).
fn same(path: &str, a: &J, b: &J, moving_keys: &[Moving], t: &mut Tally) -> Result<(), String> {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            if let Some(k) = x.keys().find(|k| !y.contains_key(*k)) {
                return Err(format!("{path}: genl ynl has no {k:?} (cli.py: {})", x[k]));
            }
            if let Some(k) = y.keys().find(|k| !x.contains_key(*k)) {
                return Err(format!("{path}: cli.py has no {k:?} (genl ynl: {})", y[k]));
            }
            for (k, v) in x {
                let p = format!("{path}.{k}");
                match moving_keys.iter().find(|c| c.key == k) {
                    Some(c) => moving(&p, c, v, &y[k], t)?,
                    None => same(&p, v, &y[k], moving_keys, t)?,
                }
            }
            Ok(())
        }
        (J::Array(x), J::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!(
                    "{path}: {} elements in cli.py's output, {} in genl's:\ncli.py: {a}\ngenl:   {b}",
                    x.len(),
                    y.len()
                ));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same(&format!("{path}[{i}]"), v, w, moving_keys, t)?;
            }
            Ok(())
        }
        _ if a == b => {
            t.integers += usize::from(a.is_u64() || a.is_i64());
            Ok(())
        }
        _ => Err(format!("{path}: cli.py {a}, genl ynl {b}")),
    }
}

/// A moving value: two integers within its bound.
fn moving(path: &str, c: &Moving, a: &J, b: &J, t: &mut Tally) -> Result<(), String> {
    let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) else {
        return Err(format!(
            "{path}: should be an integer ({}): cli.py {a}, genl ynl {b}",
            c.unit
        ));
    };
    match c.bound {
        Bound::Later { slack } if y >= x && y - x <= slack => {}
        Bound::Later { .. } if y < x => {
            return Err(format!(
                "{path}: genl ynl's clock {y} is earlier than cli.py's {x} ({}), read before it",
                c.unit
            ))
        }
        Bound::Later { slack } => {
            return Err(format!(
                "{path}: genl ynl's clock {y} is {} {} after cli.py's {x}, more than {slack}",
                y - x,
                c.unit
            ))
        }
        Bound::Drawn { min, max } if (min..max).contains(&x) && (min..max).contains(&y) => {}
        Bound::Drawn { min, max } => {
            return Err(format!(
                "{path}: cli.py {x}, genl ynl {y}: not both in {min}..{max} {}, where the kernel \
                 draws it",
                c.unit
            ))
        }
    }
    t.moving += 1;
    Ok(())
}

/// Every line of `out` as JSON, flag sets sorted ([`sort_sets`]), and how
/// many sets; a line that is not JSON is an error: both tools print their
/// warnings on standard error or not at all, and nothing is dropped.
pub fn json_lines(
    tool: &str,
    out: &str,
    sets: &BTreeSet<String>,
) -> Result<(Vec<J>, usize), String> {
    let mut sorted = 0;
    let lines = out
        .lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map(|mut v| {
                    sorted += sort_sets(&mut v, sets, None);
                    v
                })
                .map_err(|e| {
                    format!(
                        "{tool} printed a line that is not JSON ({e}), line {}: {l:?}",
                        i + 1
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    Ok((lines, sorted))
}

/// Sorts, at any depth, the sets held by a key of `sets` (cli.py's Python
/// sets); how many. Nothing else is reordered.
fn sort_sets(v: &mut J, sets: &BTreeSet<String>, key: Option<&str>) -> usize {
    if key.is_some_and(|k| sets.contains(k)) {
        return sort_set(v);
    }
    match v {
        J::Array(a) => a.iter_mut().map(|x| sort_sets(x, sets, None)).sum(),
        J::Object(m) => m
            .iter_mut()
            .map(|(k, x)| sort_sets(x, sets, Some(k.as_str())))
            .sum(),
        _ => 0,
    }
}

/// A flag attribute's value as cli.py prints it: a set (an array of
/// strings), a list of sets (`multi-attr`), or a `bitfield32`'s `value`
/// and `selector` sets; an integer where it is not decoded (`uint`).
fn sort_set(v: &mut J) -> usize {
    match v {
        J::Array(a) if a.iter().all(J::is_string) => {
            a.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            1
        }
        J::Array(a) => a.iter_mut().map(sort_set).sum(),
        J::Object(m) => m
            .iter_mut()
            .filter(|(k, _)| *k == "value" || *k == "selector")
            .map(|(_, x)| sort_set(x))
            .sum(),
        _ => 0,
    }
}

/// The names in a YNL spec whose values cli.py prints as sets: attributes
/// and struct members whose `enum` is a definition of type `flags`, or that
/// say `enum-as-flags: true` (`_decode_enum` of the kernel's
/// `tools/net/ynl/lib/ynl.py`, for scalars, `bitfield32` and struct
/// members).
pub fn flag_sets(spec: &str) -> Result<BTreeSet<String>, String> {
    use serde_yaml_ng::Value as Y;
    let y: Y = serde_yaml_ng::from_str(spec).map_err(|e| format!("spec: {e}"))?;
    let list =
        |v: Option<&Y>| -> Vec<Y> { v.and_then(Y::as_sequence).cloned().unwrap_or_default() };
    let text = |v: &Y, k: &str| v.get(k).and_then(Y::as_str).map(str::to_owned);
    let defs = list(y.get("definitions"));
    let flag_enums: BTreeSet<String> = defs
        .iter()
        .filter(|d| text(d, "type").as_deref() == Some("flags"))
        .filter_map(|d| text(d, "name"))
        .collect();
    let mut items: Vec<Y> = defs.iter().flat_map(|d| list(d.get("members"))).collect();
    for set in list(y.get("attribute-sets")) {
        items.extend(list(set.get("attributes")));
    }
    Ok(items
        .iter()
        .filter(|a| {
            a.get("enum-as-flags").and_then(Y::as_bool) == Some(true)
                || text(a, "enum").is_some_and(|e| flag_enums.contains(&e))
        })
        .filter_map(|a| text(a, "name"))
        .collect())
}

/// `--list-ops` / `--list-msgs` text, each line's modes sorted: cli.py keeps
/// them in a Python `set` (string-hash order, different from one run to the
/// next).
pub fn list_ops(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| match l.split_once(" [ ") {
            Some((name, modes)) => {
                let mut m: Vec<&str> = modes.trim_end_matches(" ]").split(", ").collect();
                m.sort_unstable();
                format!("{name} [ {} ]", m.join(", "))
            }
            None => l.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
