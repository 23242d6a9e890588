//! YNL export: a family as a `genetlink`-level YAML spec, the format of the
//! kernel's `Documentation/netlink/specs/*.yaml` (schema
//! `Documentation/netlink/genetlink.yaml`).
//!
//! With the spec, the kernel's own tools work on a family declared in Rust:
//! `tools/net/ynl/cli.py` drives it, and `ynl-gen-c.py --mode uapi` renders a
//! uapi header whose constants are those of [`c::uapi_header`](crate::c::uapi_header).
//!
//! # Mapping
//!
//! - Value enums become `definitions` of `type: enum`, named after their C
//!   prefix without the family's (`GENL_DEMO_STATE` → `state`), so that
//!   YNL's default naming (`<family>-<name>-<entry>`) gives the same C
//!   constants and the same `enum genl_demo_state` tag.
//! - C attribute sets (Rust sets sharing a `c_prefix` merged, as the C
//!   generator does) become `attribute-sets` named after their prefix without
//!   `<family>_A_` (`GENL_DEMO_A_KV` → `kv`), with an explicit `name-prefix`
//!   and an `unspec` attribute of `type: unused` at 0 (our headers define
//!   `<prefix>_UNSPEC`). Attributes carry `type`, `byte-order: big-endian`,
//!   `multi-attr`, `nested-attributes`, `enum` and `checks` (`min`, `max`,
//!   `min-len`, `max-len`, `exact-len`; omitted where Rust sets sharing the
//!   attribute disagree, and for negative limits, which the schema cannot
//!   express).
//! - Commands become `operations` (with an `unspec` operation at 0): `do`
//!   and `dump` with the request and reply attribute lists of their Rust
//!   structs, `flags: [ admin-perm ]`, and notifications as `event` with the
//!   `mcgrp` of the family when it has exactly one group.
//! - `mcast-groups` lists the groups.
//!
//! The `genetlink` level cannot rename the family, its version or its group
//! constants, nor carry `s8`/`s16` attributes or a command whose request and
//! reply sets differ: such schemas are a [`CodegenError`] naming what does
//! not fit, rather than a spec whose C names silently differ from ours.
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
//! let spec = genl_codegen::ynl::spec(PingCmd::SCHEMA)?;
//! assert!(spec.contains("name: ping_demo\n"));
//! assert!(spec.contains("name-prefix: ping-demo-a-ping-\n"));
//! assert!(spec.contains("name-prefix: ping-demo-cmd-\n"));
//! # Ok::<(), genl_codegen::CodegenError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::c::{screaming, uapi_header};
use crate::{CodegenError, GeneratedFile, REGENERATE_COMMAND};
use genl_core::schema::{
    AttrSchema, AttrSetSchema, AttrType, ByteOrder, CommandSchema, FamilySchema, Presence,
    ValueEnumSchema,
};

/// The spec's license line: `ynl-gen-c.py` requires exactly this one.
const SPDX: &str = "# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)";

fn err<T>(msg: impl Into<String>) -> Result<T, CodegenError> {
    Err(CodegenError::new(msg))
}

/// The path of `family`'s spec, relative to the module dir: `<name>.yaml`.
pub fn file_name(family: &FamilySchema) -> String {
    format!("{}.yaml", family.name.replace('-', "_"))
}

/// The spec of `family` with its path (see [`file_name`]).
pub fn spec_file(family: &'static FamilySchema) -> Result<GeneratedFile, CodegenError> {
    Ok(GeneratedFile {
        path: file_name(family),
        contents: spec(family)?,
    })
}

/// `SCREAMING_SNAKE` to YNL's `kebab-case` (`KV_SET` → `kv-set`).
fn kebab(screaming: &str) -> String {
    screaming.to_lowercase().replace('_', "-")
}

/// YNL's `c_upper`: what a YNL name becomes in C.
fn c_upper(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

/// A YAML scalar: plain when it is a simple identifier YAML reads back as
/// that string, double-quoted otherwise.
fn scalar(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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
/// collapsed (as the C generator renders it).
fn doc_text(doc: &str) -> String {
    let d = doc.replace("[`", "`").replace("`]", "`");
    d.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A C attribute set: Rust sets sharing a prefix, attributes merged by id.
struct YSet {
    /// The C prefix (`GENL_DEMO_A_KV`).
    prefix: String,
    /// The spec name (`kv`).
    name: String,
    rust: Vec<&'static AttrSetSchema>,
    /// id -> (first declaration, whether all declarations' checks agree).
    attrs: BTreeMap<u16, (&'static AttrSchema, bool)>,
}

/// A value enum with its spec name.
struct YEnum {
    schema: &'static ValueEnumSchema,
    name: String,
}

struct Model {
    /// The C family prefix (`GENL_DEMO`), equal to YNL's for the name.
    up: String,
    enums: Vec<YEnum>,
    sets: Vec<YSet>,
    commands: Vec<&'static CommandSchema>,
}

impl Model {
    fn new(family: &'static FamilySchema) -> Result<Model, CodegenError> {
        // The C model's checks (names unique, ids valid, merged sets
        // consistent) apply to the spec as well.
        uapi_header(family)?;
        let fam = family.name;
        let up = c_upper(fam);
        let c_up = family
            .c_prefix
            .map_or_else(|| screaming(fam), str::to_owned);
        if c_up != up {
            return err(format!(
                "family {fam}: C prefix {c_up} is not {up}, the prefix YNL derives from the \
                 family name; a genetlink-level spec cannot rename it"
            ));
        }
        if family.version != 1 {
            return err(format!(
                "family {fam}: version {} cannot be expressed in a genetlink-level spec \
                 (YNL assumes 1)",
                family.version
            ));
        }
        for g in family.mcast_groups {
            if c_upper(g) != screaming(g) {
                return err(format!(
                    "family {fam}: multicast group {g:?}: YNL's define {}_MCGRP_{} differs \
                     from ours, {}_MCGRP_{}",
                    up,
                    c_upper(g),
                    up,
                    screaming(g)
                ));
            }
        }
        let strip = format!("{up}_");
        let enums = family
            .value_enums()
            .into_iter()
            .map(|e| {
                let prefix = e
                    .c_prefix
                    .map_or_else(|| format!("{up}_{}", screaming(e.name)), str::to_owned);
                match prefix.strip_prefix(&strip) {
                    Some(rest) if !rest.is_empty() => Ok(YEnum {
                        schema: e,
                        name: kebab(rest),
                    }),
                    _ => err(format!(
                        "value enum {}: C prefix {prefix} does not start with {strip}, which a \
                         genetlink-level spec always prepends",
                        e.name
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;

        let set_strip = format!("{up}_A_");
        let mut sets: Vec<YSet> = Vec::new();
        for s in family.attr_sets() {
            let prefix = s
                .c_prefix
                .map_or_else(|| format!("{up}_A_{}", screaming(s.name)), str::to_owned);
            let idx = match sets.iter().position(|y| y.prefix == prefix) {
                Some(i) => i,
                None => {
                    let short = prefix
                        .strip_prefix(&set_strip)
                        .filter(|r| !r.is_empty())
                        .unwrap_or(&prefix);
                    let name = kebab(short);
                    if sets.iter().any(|y| y.name == name) {
                        return err(format!(
                            "attribute sets {prefix} and another one would both be named {name:?}"
                        ));
                    }
                    sets.push(YSet {
                        prefix: prefix.clone(),
                        name,
                        rust: Vec::new(),
                        attrs: BTreeMap::new(),
                    });
                    sets.len() - 1
                }
            };
            let y = &mut sets[idx];
            y.rust.push(s);
            for a in s.attrs {
                if matches!(a.ty, AttrType::S8 | AttrType::S16)
                    || matches!(a.ty, AttrType::IndexedArray(t) if matches!(t, AttrType::S8 | AttrType::S16))
                {
                    return err(format!(
                        "attribute {}.{}: type {} has no genetlink-level YNL type",
                        s.name,
                        a.name,
                        a.ty.ynl_name()
                    ));
                }
                y.attrs
                    .entry(a.id)
                    .and_modify(|(first, agree)| *agree &= first.checks == a.checks)
                    .or_insert((a, true));
            }
        }

        let mut commands: Vec<&'static CommandSchema> = family.commands.iter().collect();
        commands.sort_by_key(|c| c.id);
        let m = Model {
            up,
            enums,
            sets,
            commands,
        };
        for c in &m.commands {
            if let (Some(q), Some(r)) = (c.request_set(), c.reply_set()) {
                if m.set_of(q).prefix != m.set_of(r).prefix {
                    return err(format!(
                        "command {}: request set {} and reply set {} are different C attribute \
                         sets; a YNL operation has one attribute-set",
                        c.name,
                        m.set_of(q).prefix,
                        m.set_of(r).prefix
                    ));
                }
            }
        }
        Ok(m)
    }

    fn set_of(&self, s: &AttrSetSchema) -> &YSet {
        self.sets
            .iter()
            .find(|y| y.rust.iter().any(|r| r.name == s.name))
            .expect("every reachable set is in the model")
    }

    fn enum_of(&self, e: &ValueEnumSchema) -> &YEnum {
        self.enums
            .iter()
            .find(|y| y.schema.name == e.name)
            .expect("every value enum is in the model")
    }

    /// The spec name of attribute `a` (its C name without the set prefix).
    fn attr_name(a: &AttrSchema) -> String {
        kebab(&screaming(a.name))
    }

    fn attr_list(&self, s: &AttrSetSchema) -> String {
        let names: Vec<String> = s
            .attrs
            .iter()
            .map(|a| scalar(&Self::attr_name(a)))
            .collect();
        if names.is_empty() {
            "[]".to_owned()
        } else {
            format!("[ {} ]", names.join(", "))
        }
    }
}

/// Appends `key: value` for a non-empty doc at `indent`.
fn doc_line(o: &mut String, indent: &str, doc: &str) {
    let d = doc_text(doc);
    if !d.is_empty() {
        let _ = writeln!(o, "{indent}doc: {}", quoted(&d));
    }
}

fn render_attr(o: &mut String, m: &Model, a: &AttrSchema, agree: bool, prev: u16) {
    let _ = writeln!(o, "      -\n        name: {}", scalar(&Model::attr_name(a)));
    let _ = writeln!(o, "        type: {}", a.ty.ynl_name());
    doc_line(o, "        ", a.doc);
    if a.id != prev + 1 {
        let _ = writeln!(o, "        value: {}", a.id);
    }
    if let AttrType::IndexedArray(inner) = a.ty {
        let _ = writeln!(o, "        sub-type: {}", inner.ynl_name());
    }
    if a.byte_order == ByteOrder::Big && a.ty.int_size().is_some() {
        o.push_str("        byte-order: big-endian\n");
    }
    if a.presence == Presence::Multi {
        o.push_str("        multi-attr: true\n");
    }
    if let Some(n) = a.ty.nested_set() {
        let _ = writeln!(
            o,
            "        nested-attributes: {}",
            scalar(&m.set_of(n).name)
        );
    }
    if let Some(e) = a.value_enum {
        let _ = writeln!(o, "        enum: {}", scalar(&m.enum_of(e).name));
    }
    if !agree {
        o.push_str("        # checks differ between the Rust sets sharing it: none given\n");
        return;
    }
    let c = &a.checks;
    let mut rows: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (key, v) in [("min", c.min), ("max", c.max)] {
        match v {
            Some(v) if v >= 0 => rows.push(format!("{key}: {v}")),
            Some(v) => notes.push(format!("{key} {v}")),
            None => {}
        }
    }
    for (key, v) in [
        ("min-len", c.min_len),
        ("max-len", c.max_len),
        ("exact-len", c.exact_len),
    ] {
        if let Some(v) = v {
            rows.push(format!("{key}: {v}"));
        }
    }
    for n in notes {
        let _ = writeln!(
            o,
            "        # {n}: negative limits cannot be expressed in a genetlink spec"
        );
    }
    if !rows.is_empty() {
        o.push_str("        checks:\n");
        for r in rows {
            let _ = writeln!(o, "          {r}");
        }
    }
}

fn render_subop(o: &mut String, m: &Model, key: &str, c: &CommandSchema) {
    let req = c.request_set().filter(|s| !s.attrs.is_empty());
    let rep = c.reply_set().filter(|s| !s.attrs.is_empty());
    if req.is_none() && rep.is_none() {
        let _ = writeln!(o, "      {key}: {{}}");
        return;
    }
    let _ = writeln!(o, "      {key}:");
    for (what, set) in [("request", req), ("reply", rep)] {
        if let Some(s) = set {
            let _ = writeln!(
                o,
                "        {what}:\n          attributes: {}",
                m.attr_list(s)
            );
        }
    }
}

/// Renders `family` as a `genetlink`-level YNL spec (see the module docs).
pub fn spec(family: &'static FamilySchema) -> Result<String, CodegenError> {
    let m = Model::new(family)?;
    let mut o = String::new();
    o.push_str(SPDX);
    o.push('\n');
    o.push_str("# Do not edit directly, auto-generated from the Rust schema of\n");
    let _ = writeln!(
        o,
        "# the {} family; regenerate with `{REGENERATE_COMMAND}`",
        family.name
    );
    o.push_str("---\n");
    let _ = writeln!(o, "name: {}", scalar(family.name));
    o.push_str("protocol: genetlink\n");
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
            let _ = writeln!(o, "  -\n    type: enum\n    name: {}", scalar(&e.name));
            doc_line(&mut o, "    ", e.schema.doc);
            let first = e.schema.variants.first().map_or(0, |v| v.value);
            if first != 0 {
                let _ = writeln!(o, "    value-start: {first}");
            }
            o.push_str("    entries:\n");
            let mut prev: Option<u64> = None;
            for v in e.schema.variants {
                let _ = writeln!(
                    o,
                    "      -\n        name: {}",
                    scalar(&kebab(&screaming(v.name)))
                );
                doc_line(&mut o, "        ", v.doc);
                let expected = prev.map_or(first, |p| p.wrapping_add(1));
                if v.value != expected {
                    let _ = writeln!(o, "        value: {}", v.value);
                }
                prev = Some(v.value);
            }
        }
    }

    o.push_str("\nattribute-sets:\n");
    for s in &m.sets {
        let _ = writeln!(o, "  -\n    name: {}", scalar(&s.name));
        let _ = writeln!(
            o,
            "    name-prefix: {}",
            scalar(&kebab(&format!("{}_", s.prefix)))
        );
        let names: Vec<&str> = s.rust.iter().map(|r| r.name).collect();
        let d = doc_text(s.rust[0].doc);
        let _ = writeln!(
            o,
            "    doc: {}",
            quoted(format!("{d} (Rust: {}.)", names.join(", ")).trim_start())
        );
        o.push_str("    attributes:\n");
        o.push_str("      -\n        name: unspec\n        type: unused\n        value: 0\n");
        let mut prev = 0u16;
        for (id, (a, agree)) in &s.attrs {
            render_attr(&mut o, &m, a, *agree, prev);
            prev = *id;
        }
    }

    o.push_str("\noperations:\n");
    let _ = writeln!(
        o,
        "  name-prefix: {}",
        scalar(&kebab(&format!("{}_CMD_", m.up)))
    );
    o.push_str("  list:\n");
    o.push_str("    -\n      name: unspec\n      doc: unused\n      value: 0\n");
    let mut prev = 0u8;
    for c in &m.commands {
        let _ = writeln!(
            o,
            "    -\n      name: {}",
            scalar(&kebab(&screaming(c.name)))
        );
        let d = doc_text(c.doc);
        let _ = writeln!(
            o,
            "      doc: {}",
            quoted(if d.is_empty() { c.name } else { &d })
        );
        if c.id != prev.wrapping_add(1) {
            let _ = writeln!(o, "      value: {}", c.id);
        }
        prev = c.id;
        if let Some(s) = c.request_set().or_else(|| c.reply_set()) {
            let _ = writeln!(o, "      attribute-set: {}", scalar(&m.set_of(s).name));
        }
        if c.admin_perm {
            o.push_str("      flags: [ admin-perm ]\n");
        }
        if c.event {
            let attrs = c
                .reply_set()
                .or_else(|| c.request_set())
                .map_or_else(|| "[]".to_owned(), |s| m.attr_list(s));
            let _ = writeln!(o, "      event:\n        attributes: {attrs}");
            if let [g] = family.mcast_groups {
                let _ = writeln!(o, "      mcgrp: {}", scalar(g));
            }
            continue;
        }
        if c.do_ {
            render_subop(&mut o, &m, "do", c);
        }
        if c.dump {
            render_subop(&mut o, &m, "dump", c);
        }
    }

    if !family.mcast_groups.is_empty() {
        o.push_str("\nmcast-groups:\n  list:\n");
        for g in family.mcast_groups {
            let _ = writeln!(o, "    -\n      name: {}", scalar(g));
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("kv-set"), "kv-set");
        assert_eq!(scalar("on"), "\"on\"");
        assert_eq!(scalar("1x"), "\"1x\"");
        assert_eq!(quoted("a \"b\" \\ c"), "\"a \\\"b\\\" \\\\ c\"");
    }

    #[test]
    fn names_map_to_the_c_names() {
        assert_eq!(kebab(&screaming("KvSet")), "kv-set");
        assert_eq!(c_upper("genl-demo-a-kv-key"), "GENL_DEMO_A_KV_KEY");
    }
}
