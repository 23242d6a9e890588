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
mod tests {
    use super::*;

    fn ok(out: &str) -> Output<'_> {
        Output {
            ok: true,
            out,
            err: "",
        }
    }

    fn judge_json(e: &Expect<'_>, py: &str, ge: &str) -> Result<String, String> {
        judge(e, ok(py), ok(ge))
    }

    /// A link as cli.py 6.12 prints it for `rt_link --do getlink` (trimmed:
    /// the struct `rtnl_link_stats64` and an inet6 `stats` array of
    /// `af-spec`, as include/uapi/linux/if_link.h and
    /// Documentation/netlink/specs/rt_link.yaml lay them out).
    const LINK: &str = r#"{"ifname": "v0", "ifi-flags": ["up", "broadcast", "multicast", "lower-up"], "stats64": {"rx-packets": 12, "tx-packets": 30, "rx-bytes": 936, "tx-bytes": 2340}, "af-spec": {"inet6": {"stats": [38, 12, 936, 0, 0, 3, 0]}}}"#;

    fn link_sets() -> BTreeSet<String> {
        ["ifi-flags".to_owned()].into()
    }

    fn link(e: impl Fn(&mut J)) -> String {
        let mut v: J = serde_json::from_str(LINK).unwrap();
        e(&mut v);
        v.to_string()
    }

    #[test]
    fn equal_counters_and_flags_in_another_order_pass() {
        let sets = link_sets();
        let e = Expect {
            sets: Some(&sets),
            ..Expect::default()
        };
        let ge = link(|v| {
            v["ifi-flags"] = serde_json::json!(["broadcast", "lower-up", "multicast", "up"])
        });
        let r = judge_json(&e, LINK, &ge).unwrap();
        assert!(r.contains("1 flag sets"), "{r}");
    }

    #[test]
    fn swapped_rx_and_tx_counters_fail() {
        let e = Expect::default();
        let ge = link(|v| {
            let s = &mut v["stats64"];
            let rx = s["rx-packets"].take();
            s["rx-packets"] = s["tx-packets"].take();
            s["tx-packets"] = rx;
        });
        let err = judge_json(&e, LINK, &ge).unwrap_err();
        assert!(
            err.contains("stats64.rx-packets: cli.py 12, genl ynl 30"),
            "{err}"
        );
    }

    #[test]
    fn a_counter_off_by_two_to_the_32_fails() {
        let e = Expect::default();
        let ge = link(|v| v["stats64"]["rx-bytes"] = J::from(936u64 + (1 << 32)));
        let err = judge_json(&e, LINK, &ge).unwrap_err();
        assert!(
            err.contains("stats64.rx-bytes: cli.py 936, genl ynl 4294968232"),
            "{err}"
        );
    }

    #[test]
    fn a_reversed_inet6_stats_array_fails() {
        let e = Expect::default();
        let ge = link(|v| {
            v["af-spec"]["inet6"]["stats"]
                .as_array_mut()
                .unwrap()
                .reverse()
        });
        let err = judge_json(&e, LINK, &ge).unwrap_err();
        assert!(
            err.contains("af-spec.inet6.stats[0]: cli.py 38, genl ynl 0"),
            "{err}"
        );
    }

    #[test]
    fn a_trailing_line_that_is_not_json_fails_on_either_side() {
        let e = Expect::default();
        let garbage = format!("{LINK}\nNetlink warning: something\n");
        let err = judge_json(&e, LINK, &garbage).unwrap_err();
        assert!(
            err.contains("genl ynl printed a line that is not JSON"),
            "{err}"
        );
        assert!(err.contains("line 2"), "{err}");
        let err = judge_json(&e, &garbage, LINK).unwrap_err();
        assert!(
            err.contains("cli.py printed a line that is not JSON"),
            "{err}"
        );
        // An empty line is no JSON either.
        let err = judge_json(&e, &format!("{LINK}\n\n"), LINK).unwrap_err();
        assert!(err.contains("not JSON"), "{err}");
    }

    #[test]
    fn an_extra_json_line_fails() {
        let e = Expect::default();
        let err = judge_json(&e, LINK, &format!("{LINK}\n{LINK}")).unwrap_err();
        assert!(err.contains("1 JSON lines, genl ynl 2"), "{err}");
    }

    #[test]
    fn string_arrays_that_are_not_flag_sets_keep_their_order() {
        let sets = link_sets();
        let e = Expect {
            sets: Some(&sets),
            ..Expect::default()
        };
        // A multi-attr string (rt_link's alt-ifname): order is the kernel's.
        let py = r#"{"alt-ifname": ["a", "b"]}"#;
        let err = judge_json(&e, py, r#"{"alt-ifname": ["b", "a"]}"#).unwrap_err();
        assert!(err.contains("alt-ifname[0]"), "{err}");
        // Flags out of order fail without the spec's word that they are a set.
        let ge = link(|v| {
            v["ifi-flags"] = serde_json::json!(["up", "multicast", "broadcast", "lower-up"])
        });
        assert!(judge_json(&Expect::default(), LINK, &ge).is_err());
        assert!(judge_json(&e, LINK, &ge).is_ok());
        // A bitfield32 of flags (tc's `flags`): its value and selector are
        // sets; a multi-attr of flags: each element is one.
        let sets: BTreeSet<String> = ["flags".to_owned()].into();
        let e = Expect {
            sets: Some(&sets),
            ..Expect::default()
        };
        let py = r#"{"flags": {"value": ["a", "b"], "selector": ["b", "c"]}, "x": [{"flags": [["p", "q"], ["r"]]}]}"#;
        let ge = r#"{"flags": {"value": ["b", "a"], "selector": ["c", "b"]}, "x": [{"flags": [["q", "p"], ["r"]]}]}"#;
        assert!(judge_json(&e, py, ge).unwrap().contains("4 flag sets"));
        let ge = r#"{"flags": {"value": ["b", "a"], "selector": ["c", "b"]}, "x": [{"flags": [["r"], ["q", "p"]]}]}"#;
        assert!(
            judge_json(&e, py, ge).is_err(),
            "the multi-attr's order is the kernel's"
        );
        // A set's members must still be the same.
        let ge = link(|v| v["ifi-flags"] = serde_json::json!(["up", "broadcast", "multicast"]));
        assert!(judge_json(&e, LINK, &ge).is_err());
    }

    #[test]
    fn missing_and_extra_keys_fail() {
        let e = Expect::default();
        let ge = link(|v| {
            v.as_object_mut().unwrap().remove("af-spec");
        });
        let err = judge_json(&e, LINK, &ge).unwrap_err();
        assert!(err.contains("genl ynl has no \"af-spec\""), "{err}");
        let err = judge_json(&e, &ge, LINK).unwrap_err();
        assert!(err.contains("cli.py has no \"af-spec\""), "{err}");
        // 1 and 1.0 are not the same decoding.
        assert!(judge_json(&e, r#"{"a": 1}"#, r#"{"a": 1.0}"#).is_err());
    }

    /// cli.py's output for `ethtool --dump linkinfo-get` on a veth (Linux
    /// 6.18), and what `genl ynl` printed on standard error.
    const WARNED: &str = "Netlink warning:\n\
        nl_len = 60 (44) nl_flags = 0x202 nl_type = 3\n\
        \textack: {'msg': 'failed to retrieve link settings'}\n\
        [{\"header\": {\"dev-index\": 3, \"dev-name\": \"v0\"}, \"port\": 0}]\n";
    const GENL_WARNED: &str = "genl ynl: netlink warning: failed to retrieve link settings\n";

    #[test]
    fn warnings_must_be_the_same_on_both_sides() {
        let e = Expect::default();
        let json = WARNED.lines().last().unwrap();
        let py = ok(WARNED);
        let ge = Output {
            ok: true,
            out: json,
            err: GENL_WARNED,
        };
        let r = judge(&e, py, ge).unwrap();
        assert!(r.contains("the same 1 netlink warnings"), "{r}");
        // genl ynl silent about it, or about another message.
        let err = judge(&e, py, ok(json)).unwrap_err();
        assert!(err.contains("netlink warnings differ"), "{err}");
        let other = Output {
            err: "genl ynl: netlink warning: something else\n",
            ..ge
        };
        assert!(judge(&e, py, other).is_err());
        // A warning only genl ynl reports.
        assert!(judge(&e, ok(json), ge).is_err());
        // A line after the block that belongs to no warning.
        let extra = WARNED.replace("\textack", "\textack: {'msg': 'x'}\ngarbage\n\textack");
        assert!(judge(&e, ok(&extra), ge).is_err());
        // A block without its message.
        let bare = "Netlink warning:\n[]\n";
        assert!(judge(&e, ok(bare), ok("[]")).is_err());
    }

    #[test]
    fn extack_messages_are_read_from_python_reprs() {
        assert_eq!(extack_msg("{'msg': 'a b'}"), Some("a b"));
        assert_eq!(
            extack_msg(r#"{'msg': "it's", 'bad-attr': '.x'}"#),
            Some("it's")
        );
        assert_eq!(extack_msg("{'bad-attr-offs': 20}"), None);
    }

    const AGE: Moving = Moving {
        key: "age",
        bound: Bound::Later { slack: 10_000 },
        unit: "ms",
    };

    #[test]
    fn clocks_pass_when_later_within_the_bound_only() {
        let e = Expect {
            moving: &[AGE],
            ..Expect::default()
        };
        let py = r#"[{"addr-ipv4": 168361986, "age": 5000, "vals": {"rtt": 1200}}]"#;
        let r = judge_json(&e, py, &py.replace("5000", "5400")).unwrap();
        assert!(r.contains("1 moving values"), "{r}");
        assert!(judge_json(&e, py, py).is_ok());
        let err = judge_json(&e, py, &py.replace("5000", "4999")).unwrap_err();
        assert!(err.contains("earlier than cli.py's"), "{err}");
        let err = judge_json(&e, py, &py.replace("5000", "15001")).unwrap_err();
        assert!(err.contains("more than 10000"), "{err}");
        // Only the clock moves: another value still compares by value.
        assert!(judge_json(&e, py, &py.replace("1200", "1201")).is_err());
        // Without the rule, the clock compares by value too.
        assert!(judge_json(&Expect::default(), py, &py.replace("5000", "5400")).is_err());
    }

    #[test]
    fn drawn_values_pass_within_their_range_only() {
        let e = Expect {
            moving: &[Moving {
                key: "reachable-time",
                bound: Bound::Drawn {
                    min: 15_000,
                    max: 45_000,
                },
                unit: "ms",
            }],
            ..Expect::default()
        };
        let py = r#"{"cacheinfo": {"reachable-time": 25116, "retrans-time": 1000}}"#;
        assert!(judge_json(&e, py, &py.replace("25116", "21188")).is_ok());
        let err = judge_json(&e, py, &py.replace("25116", "45000")).unwrap_err();
        assert!(err.contains("not both in 15000..45000 ms"), "{err}");
        assert!(judge_json(&e, &py.replace("25116", "14999"), py).is_err());
        assert!(judge_json(&e, py, &py.replace("1000", "1001")).is_err());
    }

    #[test]
    fn failures_must_agree() {
        let e = Expect {
            fails: true,
            ..Expect::default()
        };
        let py = Output {
            ok: false,
            out: "Netlink error: Operation not supported\nnl_len = 36 ...",
            err: "",
        };
        let ge = Output {
            ok: false,
            out: "",
            err: "genl ynl: error: Operation not supported (errno 95)",
        };
        assert!(judge(&e, py, ge).is_ok());
        let other = Output {
            err: "genl ynl: error: No such device (errno 19)",
            ..ge
        };
        assert!(judge(&e, py, other).is_err());
        assert!(judge(&e, py, ok("")).is_err());
    }

    #[test]
    fn nlctrl_masks_cli_py_calls_pad_compare_by_value() {
        let e = Expect::default();
        let py = r#"[{"family-id": 21, "policy": {"policy-id": 1, "attr-id": 3, "pad": "0300000000000000", "type": "u32"}}]"#;
        let good = r#"[{"family-id": 21, "policy": {"policy-id": 1, "attr-id": 3, "mask": 3, "type": "u32"}}]"#;
        let note = judge_json(&e, py, good).unwrap();
        assert!(note.contains("1 nlctrl masks cli.py calls pad"), "{note}");
        // Another value, or the pad left as cli.py printed it, fails.
        let other = good.replace("\"mask\": 3", "\"mask\": 768");
        assert!(judge_json(&e, py, &other).is_err());
        assert!(judge_json(&e, py, py).is_err());
        // A `pad` outside a policy is not touched.
        let elsewhere = r#"[{"x": {"pad": "0300000000000000"}}]"#;
        assert!(judge_json(&e, elsewhere, r#"[{"x": {"mask": 3}}]"#).is_err());
        assert!(judge_json(&e, elsewhere, elsewhere).is_ok());
    }

    #[test]
    fn listings_sort_modes_only() {
        let e = Expect {
            listing: true,
            ..Expect::default()
        };
        let py = "dev-get [ do, dump ]\nqueue-get [ dump, do ]\n";
        let ge = "dev-get [ dump, do ]\nqueue-get [ do, dump ]\n";
        assert!(judge(&e, ok(py), ok(ge)).is_ok());
        assert!(judge(&e, ok(py), ok("dev-get [ do, dump ]\n")).is_err());
        assert!(judge(
            &e,
            ok(py),
            ok("queue-get [ do, dump ]\ndev-get [ do, dump ]\n")
        )
        .is_err());
    }

    #[test]
    fn the_spec_names_its_flag_sets() {
        let spec = r#"
name: x
definitions:
  - name: iff-flags
    type: flags
    entries: [up, broadcast]
  - name: kind
    type: enum
    entries: [a, b]
  - name: ifinfomsg
    type: struct
    members:
      - name: ifi-flags
        type: u32
        enum: iff-flags
      - name: ifi-type
        type: u16
        enum: kind
      - name: ifi-change
        type: u32
        enum: kind
        enum-as-flags: true
attribute-sets:
  - name: link
    attributes:
      - name: state
        type: u32
        enum: kind
      - name: xdp-features
        type: u64
        enum: iff-flags
      - name: alt-ifname
        type: string
        multi-attr: true
"#;
        let s = flag_sets(spec).unwrap();
        let want: BTreeSet<String> = ["ifi-flags", "ifi-change", "xdp-features"]
            .map(str::to_owned)
            .into();
        assert_eq!(s, want);
    }

    /// The kernel's own specs (Linux 6.12, `tests/fixtures/ynl/`): the
    /// names cli.py prints as sets in the cases compared.
    #[test]
    fn the_kernel_specs_name_their_flag_sets() {
        let spec = |name: &str| {
            let p = crate::util::workspace_root()
                .join("tests/fixtures/ynl")
                .join(name);
            flag_sets(&std::fs::read_to_string(&p).unwrap()).unwrap()
        };
        let link = spec("rt_link.yaml");
        for set in ["ifi-flags", "ext-mask"] {
            assert!(link.contains(set), "rt_link {set}: {link:?}");
        }
        for not in ["ifname", "alt-ifname", "ifi-type", "operstate", "stats64"] {
            assert!(!link.contains(not), "rt_link {not}: {link:?}");
        }
        assert!(spec("rt_addr.yaml").contains("ifa-flags"));
        let netdev = spec("netdev.yaml");
        assert!(netdev.contains("xdp-features"), "{netdev:?}");
        assert!(!netdev.contains("ifindex"), "{netdev:?}");
        assert!(spec("nlctrl.yaml").contains("flags"));
    }
}
