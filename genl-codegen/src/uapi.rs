//! The uapi header: family name and version, value enums, one attribute
//! enum per root attribute set (its pad attribute included), the command
//! enum and the multicast group names, in the shape of the kernel's own
//! YNL-generated headers (e.g. `include/uapi/linux/handshake.h`).

use std::fmt::Write as _;

use genl_core::schema::ByteOrder;

use crate::model::FamilyModel;
use crate::text::{c_banner, c_doc, display_len, tab_aligned, wrap_comment, MAX_LINE, SPDX_H};
use crate::Options;

/// Renders the uapi header of `m`.
pub fn header(m: &FamilyModel, options: &Options) -> String {
    let family = m.schema;
    let mut o = String::new();
    let guard = &m.uapi_guard;
    o.push_str(SPDX_H);
    o.push('\n');
    c_banner(
        &mut o,
        family.name,
        &options.regenerate_command,
        "uapi header",
    );
    let _ = write!(o, "\n#ifndef {guard}\n#define {guard}\n\n");
    o.push_str(&tab_aligned(
        "",
        &[
            (
                format!("#define {}_FAMILY_NAME", m.c_prefix),
                format!("\"{}\"", family.name),
            ),
            (
                format!("#define {}_FAMILY_VERSION", m.c_prefix),
                family.version.to_string(),
            ),
        ],
    ));

    for e in &m.enums {
        o.push('\n');
        let doc = c_doc(e.schema.doc);
        o.push_str("/**\n");
        wrap_comment(
            &mut o,
            &format!(
                " * enum {} - {}",
                e.tag,
                if doc.is_empty() {
                    e.schema.name.to_owned()
                } else {
                    doc
                }
            ),
            " *\t",
            "",
        );
        for v in &e.variants {
            let d = c_doc(v.schema.doc);
            wrap_comment(
                &mut o,
                &format!(
                    " * @{}: {}",
                    v.c_name,
                    if d.is_empty() { v.schema.name } else { &d }
                ),
                " *\t",
                "",
            );
        }
        o.push_str(" */\n");
        let _ = writeln!(o, "enum {} {{", e.tag);
        let mut prev: Option<u64> = None;
        for v in &e.variants {
            let value = v.schema.value;
            // Flags always spell their bit out, as ynl-gen-c writes them.
            let explicit = e.schema.flags
                || match prev {
                    None => value != 0,
                    Some(p) => p.checked_add(1) != Some(value),
                };
            if explicit {
                let _ = writeln!(o, "\t{} = {value},", v.c_name);
            } else {
                let _ = writeln!(o, "\t{},", v.c_name);
            }
            prev = Some(value);
        }
        o.push_str("};\n");
    }

    for s in &m.sets {
        o.push('\n');
        o.push_str("/*\n");
        let subsets: Vec<&str> = s.subsets.iter().map(|r| r.name).collect();
        let rust = if subsets.is_empty() {
            s.root.name.to_owned()
        } else {
            format!("{}; subsets {}", s.root.name, subsets.join(", "))
        };
        wrap_comment(
            &mut o,
            &format!(" * Attribute set {} (Rust: {rust}).", s.prefix),
            " *\t",
            "",
        );
        let doc = c_doc(s.root.doc);
        if !doc.is_empty() {
            wrap_comment(&mut o, " *", " *", &doc);
        }
        // (id, C name, comment) of every enumerator, pad included.
        let mut rows: Vec<(u16, &str, String, String)> = Vec::new();
        for a in &s.attrs {
            let sch = a.schema;
            let mut ty = sch.ty.ynl_name().to_owned();
            if let Some(n) = a.nested {
                let _ = write!(ty, " {}", m.set(n).prefix);
            }
            if let Some(e) = a.value_enum {
                let _ = write!(ty, ", enum {}", m.value_enum(e).tag);
            }
            if sch.byte_order == ByteOrder::Big {
                ty.push_str(", big-endian");
            }
            rows.push((sch.id, &a.c_name, ty, c_doc(sch.doc)));
        }
        if let Some(p) = &s.pad {
            rows.push((
                p.id,
                &p.c_name,
                "pad".to_owned(),
                "Padding the kernel puts before 64-bit attributes to align them.".to_owned(),
            ));
        }
        rows.sort_by_key(|r| r.0);
        for (_, name, ty, doc) in &rows {
            wrap_comment(&mut o, &format!(" * @{name}: ({ty})"), " *\t", doc);
        }
        o.push_str(" */\n");
        o.push_str("enum {\n");
        let _ = writeln!(o, "\t{},", s.unspec);
        let mut prev = 0u16;
        for (id, name, _, _) in &rows {
            if *id == prev + 1 {
                let _ = writeln!(o, "\t{name},");
            } else {
                let _ = writeln!(o, "\t{name} = {id},");
            }
            prev = *id;
        }
        o.push_str(&enum_tail(&s.cnt, &s.max));
    }

    o.push('\n');
    o.push_str("/*\n");
    wrap_comment(
        &mut o,
        &format!(" * Commands of the {} family.", family.name),
        " *\t",
        "",
    );
    for c in &m.commands {
        let mut what: Vec<String> = Vec::new();
        if c.do_.is_some() {
            what.push("do".into());
        }
        if c.dump.is_some() {
            what.push("dump".into());
        }
        if let Some(e) = &c.event {
            what.push(format!("event to group {}", m.groups[e.group].name));
        }
        if c.schema.admin_perm {
            what.push("admin".into());
        }
        if let Some(s) = c.set {
            what.push(format!("set {}", m.set(s).prefix));
        }
        wrap_comment(
            &mut o,
            &format!(" * @{}: ({})", c.c_name, what.join(", ")),
            " *\t",
            &c_doc(c.schema.doc),
        );
    }
    o.push_str(" */\n");
    o.push_str("enum {\n");
    let up = &m.c_prefix;
    let _ = writeln!(o, "\t{up}_CMD_UNSPEC,");
    let mut prev = 0u8;
    for c in &m.commands {
        let id = c.schema.id;
        if id == prev + 1 {
            let _ = writeln!(o, "\t{},", c.c_name);
        } else {
            let _ = writeln!(o, "\t{} = {id},", c.c_name);
        }
        prev = id;
    }
    o.push_str(&enum_tail(
        &format!("__{up}_CMD_MAX"),
        &format!("{up}_CMD_MAX"),
    ));

    if !m.groups.is_empty() {
        o.push('\n');
        let rows: Vec<(String, String)> = m
            .groups
            .iter()
            .map(|g| {
                (
                    format!("#define {}", g.mcgrp_define),
                    format!("\"{}\"", g.name),
                )
            })
            .collect();
        o.push_str(&tab_aligned("", &rows));
    }
    let _ = write!(o, "\n#endif /* {guard} */\n");
    o
}

/// The end of an enum: `__X_MAX,` and `X_MAX = (__X_MAX - 1)`, the latter
/// wrapped after `=` when it would pass checkpatch's line limit.
fn enum_tail(cnt: &str, max: &str) -> String {
    let line = format!("\t{max} = ({cnt} - 1)");
    if display_len(&line) <= MAX_LINE {
        format!("\n\t{cnt},\n{line}\n}};\n")
    } else {
        format!("\n\t{cnt},\n\t{max} =\n\t\t({cnt} - 1)\n}};\n")
    }
}
