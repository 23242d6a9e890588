//! The rule corpus of `genl_ynl::compat`: schema edits, each with the rule
//! ids it must raise written by hand. `check` asserts that exactly those
//! ids fire (so no other rule, breaking or not), and that every finding's
//! category and impact are its rule's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use genl_ynl::compat::{compare, rule, Finding, Impact, RULES};

mod attributes;
mod checks;
mod family;
mod operations;
mod required;
mod whole_specs;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `text` with the one occurrence of `from` replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// `text` with every occurrence of `from` (at least one) replaced by `to`.
fn edit_all(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not found");
    text.replace(from, to)
}

/// Compares and asserts that the distinct rule ids raised are `want`.
fn check(old: &str, new: &str, want: &[&str]) -> Vec<Finding> {
    let f = compare(old, new).unwrap_or_else(|e| panic!("{e}"));
    for x in &f {
        let r = rule(x.rule).unwrap_or_else(|| panic!("{} is not in RULES", x.rule));
        assert_eq!((x.category, x.impact), (r.category, r.impact), "{x}");
        assert!(!x.message.is_empty() && !x.path.is_empty(), "{x}");
    }
    let got: BTreeSet<&str> = f.iter().map(|x| x.rule).collect();
    let want: BTreeSet<&str> = want.iter().copied().collect();
    let list: Vec<String> = f.iter().map(ToString::to_string).collect();
    assert_eq!(got, want, "findings:\n{}", list.join("\n"));
    f
}

fn paths<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|x| x.rule == rule)
        .map(|x| x.path.as_str())
        .collect()
}

const BASE: &str = "
name: fw
protocol: genetlink
definitions:
  - type: enum
    name: action
    entries: [ accept, drop ]
  - type: flags
    name: opts
    entries: [ log, count ]
  - type: const
    name: name-max
    value: 32
attribute-sets:
  - name: rule
    attributes:
      - { name: id, type: u32 }
      - { name: port, type: u16, byte-order: big-endian }
      - { name: label, type: string, checks: { max-len: name-max } }
      - { name: action, type: u32, enum: action }
      - { name: prio, type: u8, checks: { min: 1, max: 10 } }
      - { name: match, type: nest, nested-attributes: match }
      - { name: tags, type: u32, multi-attr: true }
      - { name: opts, type: u32, enum: opts, enum-as-flags: true }
  - name: match
    attributes:
      - { name: proto, type: u8 }
      - { name: addr, type: binary, checks: { exact-len: 4 } }
operations:
  list:
    - name: add
      attribute-set: rule
      flags: [ admin-perm ]
      do:
        request: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
    - name: get
      attribute-set: rule
      do:
        request: { attributes: [ id ] }
        reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
      dump:
        reply: { attributes: [ id, port, label, action, prio, match, tags, opts ] }
    - name: del
      attribute-set: rule
      flags: [ uns-admin-perm ]
      do:
        request: { attributes: [ id ] }
    - name: changed
      attribute-set: rule
      event: { attributes: [ id, action ] }
      mcgrp: events
mcast-groups:
  list:
    - name: events
    - name: stats
";

fn demo() -> String {
    read("kmod-c/genl_demo.yaml")
}

fn nlctrl() -> String {
    read("tests/fixtures/ynl/nlctrl.yaml")
}

/// Every rule of RULES is raised by some case of this corpus (any file of
/// `tests/compat/`).
#[test]
fn every_rule_is_exercised() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat");
    let mut src = String::new();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            src += &std::fs::read_to_string(&p).unwrap();
        }
    }
    for r in RULES {
        assert!(
            src.contains(&format!("&[\"{}\"", r.id))
                || src.contains(&format!("\"{}\",", r.id))
                || src.contains(&format!("\"{}\"]", r.id)),
            "{} has no case",
            r.id
        );
    }
}
