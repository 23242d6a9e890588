//! The kernel header: limits, nested policies, handler declarations, put
//! helpers, multicast group indexes and the family.

use std::fmt::Write as _;

use super::*;

/// Renders the kernel header of `m`.
pub fn header(m: &FamilyModel, pol: &Policies, options: &Options) -> String {
    let family = m.schema;
    let mut o = String::new();
    let guard = &m.kernel_guard;
    o.push_str(SPDX_H);
    o.push('\n');
    c_banner(
        &mut o,
        family.name,
        &options.regenerate_command,
        "kernel header",
    );
    let _ = write!(o, "\n#ifndef {guard}\n#define {guard}\n\n");
    o.push_str("#include <net/netlink.h>\n#include <net/genetlink.h>\n\n");
    let _ = writeln!(o, "#include \"{}\"", crate::compat::HEADER);
    let _ = writeln!(o, "#include <uapi/{}>", m.uapi_header);

    let mut rows = Vec::new();
    for s in &m.sets {
        for a in &s.attrs {
            for (suffix, v) in &a.limits {
                rows.push((format!("#define {}_{suffix}", a.c_name), v.clone()));
            }
        }
    }
    if !rows.is_empty() {
        o.push_str("\n/* Declared limits, enforced by the generated policies */\n");
        o.push_str(&tab_aligned("", &rows));
    }

    if !pol.nested_policies.is_empty() {
        o.push_str("\n/* Common nested types */\n");
        for v in &pol.nested_policies {
            let view = pol.view(*v);
            o.push_str(&array_decl(
                "extern const struct nla_policy",
                view.nested_policy.as_deref().expect("a nested policy"),
                &m.set(view.set).max,
                ";",
            ));
        }
        o.push_str(
            "\n/* Parse helpers of the nests of requests (tb: the set's _MAX + 1 entries) */\n",
        );
        for v in &pol.nested_policies {
            let view = pol.view(*v);
            o.push_str(&decl_wrapped(
                "",
                &format!("int {}", view.parse.as_deref().expect("a parse helper")),
                &parse_args(),
                ";",
            ));
        }
    }
    if pol.has_dump_requests() {
        let _ = writeln!(
            o,
            "\n/* The parsed, validated attributes of a dump's request, on every kernel */\n\
             struct nlattr **{}_nl_dump_attrs(struct netlink_callback *cb);",
            m.c_lower
        );
    }

    let mut protos = String::new();
    for c in m.ops() {
        if let Some(d) = &c.do_ {
            protos.push_str(&decl_wrapped(
                "",
                &format!("int {}", d.handler),
                &[
                    "struct sk_buff *skb".to_owned(),
                    "struct genl_info *info".to_owned(),
                ],
                ";",
            ));
        }
        if let Some(d) = &c.dump {
            protos.push_str(&decl_wrapped(
                "",
                &format!("int {}", d.handler),
                &[
                    "struct sk_buff *skb".to_owned(),
                    "struct netlink_callback *cb".to_owned(),
                ],
                ";",
            ));
        }
    }
    if !protos.is_empty() {
        o.push_str("\n/* Handlers the module implements */\n");
        o.push_str(&protos);
    }

    let mut helpers = String::new();
    for s in &m.sets {
        let Some(pad) = &s.pad else { continue };
        for a in &s.attrs {
            let Some(h) = &a.put_helper else { continue };
            helpers.push_str("\n/**\n");
            wrap_comment(
                &mut helpers,
                &format!(" * {}() - put {}, 64-bit aligned", h.name, a.c_name),
                " *\t",
                "",
            );
            helpers.push_str(" * @skb: the message\n * @value: the value\n *\n");
            wrap_comment(
                &mut helpers,
                " *",
                " *",
                &format!(
                    "Puts {} before it when needed to align it ({}()).",
                    pad.c_name, h.put
                ),
            );
            helpers.push_str(" *\n * Return: 0, or -EMSGSIZE when @skb has no room.\n */\n");
            helpers.push_str(&decl_wrapped(
                "",
                &format!("static inline int {}", h.name),
                &[
                    "struct sk_buff *skb".to_owned(),
                    format!("{} value", h.c_type),
                ],
                "",
            ));
            helpers.push_str("{\n");
            helpers.push_str(&call_wrapped(
                "\t",
                &format!("return {}", h.put),
                &[
                    "skb".to_owned(),
                    a.c_name.clone(),
                    "value".to_owned(),
                    pad.c_name.clone(),
                ],
                ";",
            ));
            helpers.push_str("}\n");
        }
    }
    if !helpers.is_empty() {
        o.push_str("\n/* 64-bit attributes the kernel sends, aligned by the pad attribute */\n");
        o.push_str(helpers.trim_start_matches('\n'));
    }

    if !m.groups.is_empty() {
        o.push_str("\nenum {\n");
        for g in &m.groups {
            let _ = writeln!(o, "\t{},", g.nlgrp);
        }
        o.push_str("};\n");
    }
    let _ = write!(
        o,
        "\nextern struct genl_family {}_nl_family;\n\n#endif /* {guard} */\n",
        m.c_lower
    );
    o
}
