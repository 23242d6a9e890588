//! The YNL spec: a family as the kernel's `Documentation/netlink/specs/*.yaml`
//! describe theirs (schema `Documentation/netlink/genetlink*.yaml`).
//!
//! With the spec, the kernel's own tools work on a family declared in Rust:
//! `tools/net/ynl/cli.py` drives it, and `ynl-gen-c.py --mode uapi` renders a
//! uapi header whose constants are those of [`uapi::header`](crate::uapi::header).
//!
//! # Mapping
//!
//! - `protocol`: `genetlink`, unless the family needs more
//!   ([`YnlProtocol`](crate::model::YnlProtocol)): `genetlink-c` to spell
//!   out C names that differ from YNL's defaults (`c-family-name`,
//!   `c-version-name`, a value enum's `name-prefix` and `enum-name`, a
//!   group's `c-define-name`), `genetlink-legacy` for a version other
//!   than 1.
//! - `uapi-header` when the family declares one.
//! - Value enums become `definitions` of `type: enum`, named after their C
//!   prefix without the family's (`GENL_DEMO_STATE` → `state`).
//! - Root attribute sets become `attribute-sets` named after their prefix
//!   without `<family>_A_` (`GENL_DEMO_A_KV` → `kv`), with an explicit
//!   `name-prefix`, an `unspec` attribute of `type: unused` at 0 (our
//!   headers define `<prefix>_UNSPEC`) and the pad attribute as
//!   `type: pad`. Attributes carry `type`, `byte-order: big-endian`,
//!   `multi-attr`, `nested-attributes`, `enum` and `checks` (`min`, `max`,
//!   `min-len`, `max-len`, `exact-len`; negative limits, which the schema
//!   cannot express, are left out with a comment).
//! - Commands become `operations` (with an `unspec` operation at 0), with
//!   the one `attribute-set` of their messages; `do` and `dump` list their
//!   request and reply attributes (a subset's attributes for a subset),
//!   `flags: [ admin-perm ]`; notifications become `event` with the
//!   `mcgrp` they are sent to.
//! - `mcast-groups` lists the groups.
//!
//! ```
//! # use genl_core::{AttrSet, Family};
//! /// Request of `PING`.
//! #[derive(AttrSet)]
//! pub struct Ping { #[nla(id = 1, max = 9)] pub seq: u32 }
//!
//! #[derive(Clone, Copy, Family)]
//! #[genl(name = "ping_demo", version = 1)]
//! pub enum PingCmd { #[genl(cmd = 1, request = Ping, reply = Ping)] Ping }
//!
//! let m = genl_codegen::FamilyModel::new(PingCmd::SCHEMA)?;
//! let spec = genl_codegen::ynl_spec::render(&m, &genl_codegen::Options::new("genl generate"));
//! assert!(spec.contains("name: ping_demo\n"));
//! assert!(spec.contains("protocol: genetlink\n"));
//! assert!(spec.contains("name-prefix: ping-demo-a-ping-\n"));
//! assert!(spec.contains("name-prefix: ping-demo-cmd-\n"));
//! # Ok::<(), genl_codegen::CodegenError>(())
//! ```

use std::fmt::Write as _;

use genl_core::schema::{AttrType, ByteOrder, Presence};

use crate::model::{Attr, AttrList, FamilyModel, Op, SetId};
use crate::names::kebab;
use crate::Options;

/// The spec's license line: `ynl-gen-c.py` requires exactly this one.
const SPDX: &str = "# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)";

/// A YAML scalar: plain when it is a simple identifier YAML reads back as
/// that string, double-quoted otherwise.
fn scalar(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/' || c == '.')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// A double-quoted YAML string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Rust doc text as one line: intra-doc link brackets dropped, whitespace
/// collapsed.
fn doc_text(doc: &str) -> String {
    let d = doc.replace("[`", "`").replace("`]", "`");
    d.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends `doc: ...` for a non-empty doc at `indent`.
fn doc_line(o: &mut String, indent: &str, doc: &str) {
    let d = doc_text(doc);
    if !d.is_empty() {
        let _ = writeln!(o, "{indent}doc: {}", quoted(&d));
    }
}

fn render_attr(o: &mut String, m: &FamilyModel, a: &Attr, prev: u16) {
    let s = a.schema;
    let _ = writeln!(o, "      -\n        name: {}", scalar(&a.ynl_name));
    let _ = writeln!(o, "        type: {}", s.ty.ynl_name());
    doc_line(o, "        ", s.doc);
    if s.id != prev + 1 {
        let _ = writeln!(o, "        value: {}", s.id);
    }
    if let AttrType::IndexedArray(inner) = s.ty {
        let _ = writeln!(o, "        sub-type: {}", inner.ynl_name());
    }
    if s.byte_order == ByteOrder::Big && s.ty.int_size().is_some() {
        o.push_str("        byte-order: big-endian\n");
    }
    if s.presence == Presence::Multi {
        o.push_str("        multi-attr: true\n");
    }
    if let Some(n) = a.nested {
        let _ = writeln!(
            o,
            "        nested-attributes: {}",
            scalar(&m.set(n).ynl_name)
        );
    }
    if let Some(e) = a.value_enum {
        let _ = writeln!(o, "        enum: {}", scalar(&m.value_enum(e).ynl_name));
    }
    let c = &s.checks;
    let mut rows: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (key, v) in [("min", c.min), ("max", c.max)] {
        match v {
            Some(v) if v >= 0 => rows.push(format!("{key}: {v}")),
            Some(v) => notes.push(format!("{key} {v}")),
            None => {}
        }
    }
    // A binary of one length is YNL's `exact-len` (ynl-gen-c renders it
    // `NLA_POLICY_EXACT_LEN`, as our policy does).
    let (min_len, max_len, exact_len) = match (s.ty, c.min_len, c.max_len, c.exact_len) {
        (AttrType::Binary, Some(a), Some(b), None) if a == b => (None, None, Some(a)),
        _ => (c.min_len, c.max_len, c.exact_len),
    };
    for (key, v) in [
        ("min-len", min_len),
        ("max-len", max_len),
        ("exact-len", exact_len),
    ] {
        if let Some(v) = v {
            rows.push(format!("{key}: {v}"));
        }
    }
    for n in notes {
        let _ = writeln!(
            o,
            "        # {n}: negative limits cannot be expressed in a YNL spec"
        );
    }
    if !rows.is_empty() {
        o.push_str("        checks:\n");
        for r in rows {
            let _ = writeln!(o, "          {r}");
        }
    }
}

/// `[ a, b ]` of the attributes of a message.
fn attr_list(m: &FamilyModel, l: &AttrList) -> String {
    let names: Vec<String> = l
        .attrs
        .iter()
        .map(|a| scalar(&m.attr(l.set, a.id).ynl_name))
        .collect();
    if names.is_empty() {
        "[]".to_owned()
    } else {
        format!("[ {} ]", names.join(", "))
    }
}

fn render_subop(o: &mut String, m: &FamilyModel, key: &str, op: &Op) {
    let req = op.request.as_ref().filter(|l| !l.attrs.is_empty());
    let rep = op.reply.as_ref().filter(|l| !l.attrs.is_empty());
    if req.is_none() && rep.is_none() {
        let _ = writeln!(o, "      {key}: {{}}");
        return;
    }
    let _ = writeln!(o, "      {key}:");
    for (what, l) in [("request", req), ("reply", rep)] {
        if let Some(l) = l {
            let _ = writeln!(
                o,
                "        {what}:\n          attributes: {}",
                attr_list(m, l)
            );
        }
    }
}

/// Renders the YNL spec of `m` (see the module docs).
pub fn render(m: &FamilyModel, options: &Options) -> String {
    let family = m.schema;
    let mut o = String::new();
    o.push_str(SPDX);
    o.push('\n');
    o.push_str("# Do not edit directly, auto-generated from the Rust schema of\n");
    let _ = writeln!(
        o,
        "# the {} family; regenerate with `{}`",
        family.name, options.regenerate_command
    );
    o.push_str("---\n");
    let _ = writeln!(o, "name: {}", scalar(family.name));
    let _ = writeln!(o, "protocol: {}", m.ynl.protocol.as_str());
    if let Some(h) = family.uapi_header {
        let _ = writeln!(o, "uapi-header: {}", scalar(h));
    }
    if let Some((name, version)) = &m.ynl.c_family_names {
        let _ = writeln!(o, "c-family-name: {}", scalar(&kebab(name)));
        let _ = writeln!(o, "c-version-name: {}", scalar(&kebab(version)));
    }
    if family.version != 1 {
        let _ = writeln!(o, "version: {}", family.version);
    }
    let fdoc = doc_text(family.doc);
    let fdoc = if fdoc.is_empty() {
        format!("The {} generic netlink family.", family.name)
    } else {
        fdoc
    };
    let _ = writeln!(o, "doc: {}", quoted(&fdoc));

    if !m.enums.is_empty() {
        o.push_str("\ndefinitions:\n");
        for e in &m.enums {
            let kind = if e.schema.flags { "flags" } else { "enum" };
            let _ = writeln!(
                o,
                "  -\n    type: {kind}\n    name: {}",
                scalar(&e.ynl_name)
            );
            doc_line(&mut o, "    ", e.schema.doc);
            if e.ynl_explicit {
                let _ = writeln!(
                    o,
                    "    name-prefix: {}",
                    scalar(&kebab(&format!("{}_", e.prefix)))
                );
                let _ = writeln!(o, "    enum-name: {}", scalar(&e.tag));
            }
            // A flags entry's YNL value is its bit number (the C value is
            // 1 << it).
            let value = |v: u64| {
                if e.schema.flags {
                    u64::from(v.trailing_zeros())
                } else {
                    v
                }
            };
            let first = e.variants.first().map_or(0, |v| value(v.schema.value));
            if first != 0 {
                let _ = writeln!(o, "    value-start: {first}");
            }
            o.push_str("    entries:\n");
            let mut prev: Option<u64> = None;
            for v in &e.variants {
                let _ = writeln!(o, "      -\n        name: {}", scalar(&v.ynl_name));
                doc_line(&mut o, "        ", v.schema.doc);
                let expected = prev.map_or(first, |p| p.wrapping_add(1));
                let val = value(v.schema.value);
                if val != expected {
                    let _ = writeln!(o, "        value: {val}");
                }
                prev = Some(val);
            }
        }
    }

    o.push_str("\nattribute-sets:\n");
    for s in &m.sets {
        let _ = writeln!(o, "  -\n    name: {}", scalar(&s.ynl_name));
        let _ = writeln!(
            o,
            "    name-prefix: {}",
            scalar(&kebab(&format!("{}_", s.prefix)))
        );
        let mut rust = s.root.name.to_owned();
        if !s.subsets.is_empty() {
            let names: Vec<&str> = s.subsets.iter().map(|r| r.name).collect();
            let _ = write!(rust, "; subsets {}", names.join(", "));
        }
        let d = doc_text(s.root.doc);
        let _ = writeln!(
            o,
            "    doc: {}",
            quoted(format!("{d} (Rust: {rust}.)").trim_start())
        );
        o.push_str("    attributes:\n");
        o.push_str("      -\n        name: unspec\n        type: unused\n        value: 0\n");
        let mut prev = 0u16;
        let mut pad = s.pad.as_ref();
        for a in &s.attrs {
            if let Some(p) = pad.filter(|p| p.id < a.schema.id) {
                render_pad(&mut o, p.id, prev);
                prev = p.id;
                pad = None;
            }
            render_attr(&mut o, m, a, prev);
            prev = a.schema.id;
        }
        if let Some(p) = pad {
            render_pad(&mut o, p.id, prev);
        }
    }

    o.push_str("\noperations:\n");
    let _ = writeln!(
        o,
        "  name-prefix: {}",
        scalar(&kebab(&format!("{}_CMD_", m.c_prefix)))
    );
    o.push_str("  list:\n");
    o.push_str("    -\n      name: unspec\n      doc: unused\n      value: 0\n");
    let mut prev = 0u8;
    for c in &m.commands {
        let _ = writeln!(o, "    -\n      name: {}", scalar(&c.ynl_name));
        let d = doc_text(c.schema.doc);
        let _ = writeln!(
            o,
            "      doc: {}",
            quoted(if d.is_empty() { c.schema.name } else { &d })
        );
        let id = c.schema.id;
        if id != prev.wrapping_add(1) {
            let _ = writeln!(o, "      value: {id}");
        }
        prev = id;
        // Every operation names an attribute set (the kernel's YNL tools
        // resolve an operation through it); one without attributes takes
        // the family's first.
        if let Some(s) = c.set.or_else(|| (!m.sets.is_empty()).then_some(SetId(0))) {
            let _ = writeln!(o, "      attribute-set: {}", scalar(&m.set(s).ynl_name));
        }
        if c.schema.admin_perm {
            o.push_str("      flags: [ admin-perm ]\n");
        }
        if let Some(d) = &c.do_ {
            render_subop(&mut o, m, "do", d);
        }
        if let Some(d) = &c.dump {
            render_subop(&mut o, m, "dump", d);
        }
        if let Some(e) = &c.event {
            let _ = writeln!(
                o,
                "      event:\n        attributes: {}",
                attr_list(m, &e.attrs)
            );
            let _ = writeln!(o, "      mcgrp: {}", scalar(m.groups[e.group].name));
        }
    }

    if !m.groups.is_empty() {
        o.push_str("\nmcast-groups:\n  list:\n");
        for g in &m.groups {
            let _ = writeln!(o, "    -\n      name: {}", scalar(g.name));
            if g.ynl_define_explicit {
                let _ = writeln!(
                    o,
                    "      c-define-name: {}",
                    scalar(&kebab(&g.mcgrp_define))
                );
            }
        }
    }
    o
}

fn render_pad(o: &mut String, id: u16, prev: u16) {
    o.push_str("      -\n        name: pad\n        type: pad\n");
    if id != prev + 1 {
        let _ = writeln!(o, "        value: {id}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("kv-set"), "kv-set");
        assert_eq!(scalar("linux/genl_demo.h"), "linux/genl_demo.h");
        assert_eq!(scalar("on"), "\"on\"");
        assert_eq!(scalar("1x"), "\"1x\"");
        assert_eq!(quoted("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
    }
}
