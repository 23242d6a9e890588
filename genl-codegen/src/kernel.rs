//! The kernel side of a family: a header and a source file for the module
//! implementing it, in the shape of the kernel's YNL-generated files (e.g.
//! `net/handshake/genl.h` and `net/handshake/genl.c`).
//!
//! # Header
//!
//! Limits of the declared checks (`#define P_A_SET_ATTR_MAX_LEN 64`), the
//! nested policies (for the module's `nla_parse_nested`), the handlers the
//! module implements (`p_nl_<cmd>_doit`, `p_nl_<cmd>_dumpit`), a
//! `static inline` put helper for every 64-bit attribute the kernel sends
//! (`nla_put_u64_64bit` with the set's pad attribute), the multicast group
//! indexes and the family.
//!
//! # Source
//!
//! - Policies. Each operation's policy accepts the attributes of its
//!   request (a subset selects some of its set's), with `maxattr` the root
//!   set's `_MAX`: strict validation rejects every other attribute, and
//!   the handler may look at any attribute of the set in `info->attrs`.
//!   Checks map to `nla_policy` as the kernel defines them: integer ranges
//!   to `NLA_POLICY_MIN/MAX/RANGE` (or `NLA_POLICY_FULL_RANGE` beyond
//!   `s16`), a value enum without explicit checks to the range of its
//!   variants when they are contiguous, string `max_len` to `.len`, binary
//!   lengths to `.len`, `NLA_POLICY_MIN_LEN`, `NLA_POLICY_RANGE(NLA_BINARY,
//!   …)` or `NLA_POLICY_EXACT_LEN`, big-endian `u16`/`u32` to
//!   `NLA_BE16`/`NLA_BE32`, nests to `NLA_POLICY_NESTED` of the nested
//!   set's policy (one per root set, all its attributes). A string
//!   `min_len`, which `nla_policy` cannot express for strings, becomes a
//!   validation function (`NLA_POLICY_VALIDATE_FN`).
//! - Required attributes: a `do` whose request requires attributes goes
//!   through a generated `static` wrapper that checks each with
//!   `GENL_REQ_ATTR_CHECK` (the missing attribute's type goes into the
//!   extended ACK as `NLMSGERR_ATTR_MISS_TYPE`) and an extack message, and
//!   returns `-EINVAL`, else calls the module's handler. Only the request's
//!   own attributes are checked, not those inside nests.
//! - The ops table and the family, behind one
//!   `#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)`: split ops (one
//!   entry per do and per dump, each with its own policy; a dump without a
//!   request gets none) for Linux 6.2 and later, `struct genl_ops` (one
//!   entry and one policy per command: the union of its do and dump
//!   requests) before. The family has `.netnsok = true`,
//!   `.parallel_ops = true` (the module does its own locking) and leaves
//!   `resv_start_op` at 0, so every op is strictly validated.

use std::fmt::Write as _;

use crate::model::{FamilyModel, OpPolicy, Policy, SetId};
use crate::text::{
    align_to, c_banner, call_wrapped, display_len, tab_aligned, wrap_comment, MAX_LINE, SPDX_C,
    SPDX_H,
};
use crate::Options;

/// The kernel header's path relative to the module dir: `<name>-nl.h`.
pub fn header_path(m: &FamilyModel) -> String {
    format!("{}-nl.h", m.schema.name.replace('-', "_"))
}

/// Renders the kernel header of `m`.
pub fn header(m: &FamilyModel, options: &Options) -> String {
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

    if !m.nested_policies.is_empty() {
        o.push_str("\n/* Common nested types */\n");
        for s in &m.nested_policies {
            let set = m.set(*s);
            let _ = writeln!(
                o,
                "extern const struct nla_policy {}[{} + 1];",
                set.nested_policy.as_deref().expect("a nested policy"),
                set.max
            );
        }
    }

    let mut protos = String::new();
    for c in m.ops() {
        if let Some(d) = &c.do_ {
            let _ = writeln!(
                protos,
                "int {}(struct sk_buff *skb, struct genl_info *info);",
                d.handler
            );
        }
        if let Some(d) = &c.dump {
            let _ = writeln!(
                protos,
                "int {}(struct sk_buff *skb, struct netlink_callback *cb);",
                d.handler
            );
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
            helpers.push_str(&call_wrapped(
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

/// The C text of a policy entry.
fn policy_text(p: &Policy) -> String {
    match p {
        Policy::Type(t) => format!("{{ .type = {t}, }}"),
        Policy::Min(t, b) => format!("NLA_POLICY_MIN({t}, {})", b.c),
        Policy::Max(t, b) => format!("NLA_POLICY_MAX({t}, {})", b.c),
        Policy::Range(t, l, h) => format!("NLA_POLICY_RANGE({t}, {}, {})", l.c, h.c),
        Policy::FullRange { ty, range, signed } => {
            let mac = if *signed {
                "NLA_POLICY_FULL_RANGE_SIGNED"
            } else {
                "NLA_POLICY_FULL_RANGE"
            };
            format!("{mac}({ty}, &{range})")
        }
        Policy::StringMax(n) => format!("{{ .type = NLA_NUL_STRING, .len = {n}, }}"),
        Policy::StringValidated { validator, max } => match max {
            Some(mx) => format!("NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, {validator}, {mx})"),
            None => format!("NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, {validator})"),
        },
        Policy::BinaryMax(n) => format!("{{ .type = NLA_BINARY, .len = {n}, }}"),
        Policy::BinaryMinLen(n) => format!("NLA_POLICY_MIN_LEN({n})"),
        Policy::BinaryExact(n) => format!("NLA_POLICY_EXACT_LEN({n})"),
        Policy::BinaryRange(a, b) => format!("NLA_POLICY_RANGE(NLA_BINARY, {a}, {b})"),
        Policy::Nested(p) => format!("NLA_POLICY_NESTED({p})"),
        Policy::NestedArray(Some(p)) => format!("NLA_POLICY_NESTED_ARRAY({p})"),
        Policy::NestedArray(None) => "{ .type = NLA_NESTED_ARRAY, }".into(),
    }
}

/// One policy array over attributes `ids` of `set`.
fn policy_array(
    m: &FamilyModel,
    out: &mut String,
    storage: &str,
    name: &str,
    set: SetId,
    ids: &[u16],
) {
    let s = m.set(set);
    let _ = writeln!(
        out,
        "{storage}const struct nla_policy {name}[{} + 1] = {{",
        s.max
    );
    for id in ids {
        let a = m.attr(set, *id);
        let lhs = format!("\t[{}] =", a.c_name);
        let rhs = policy_text(a.policy.as_ref().expect("listed attributes have a policy"));
        let line = format!("{lhs} {rhs},");
        if display_len(&line) <= MAX_LINE {
            let _ = writeln!(out, "{line}");
        } else {
            let _ = writeln!(out, "{lhs}\n\t\t{rhs},");
        }
    }
    out.push_str("};\n");
}

fn op_policy(m: &FamilyModel, out: &mut String, p: &OpPolicy) {
    let _ = writeln!(out, "/* {} - {} */", m.commands[p.command].c_name, p.what);
    policy_array(m, out, "static ", &p.name, p.set, &p.attrs);
}

/// Renders the kernel source of `m`.
pub fn source(m: &FamilyModel, options: &Options) -> String {
    let family = m.schema;
    let mut o = String::new();
    o.push_str(SPDX_C);
    o.push('\n');
    c_banner(
        &mut o,
        family.name,
        &options.regenerate_command,
        "kernel source",
    );
    o.push_str(
        "\n#include <linux/version.h>\n#include <net/netlink.h>\n#include <net/genetlink.h>\n\n",
    );
    let _ = writeln!(o, "#include \"{}\"\n", header_path(m));
    let _ = writeln!(o, "#include <uapi/{}>", m.uapi_header);

    if !m.ranges.is_empty() {
        // Not `const`: Linux 6.1's `struct nla_policy` points at a
        // non-const `struct netlink_range_validation` (6.2 made it const),
        // and the same source must build W=1-clean on both.
        o.push_str("\n/* Integer value ranges (not const: Linux 6.1 takes them writable) */\n");
        let all: Vec<String> = m
            .ranges
            .iter()
            .map(|r| {
                let strct = if r.signed {
                    "netlink_range_validation_signed"
                } else {
                    "netlink_range_validation"
                };
                format!(
                    "static struct {strct} {} = {{\n\t.min\t= {},\n\t.max\t= {},\n}};\n",
                    r.name, r.min, r.max
                )
            })
            .collect();
        o.push_str(&all.join("\n"));
    }
    if !m.validators.is_empty() {
        o.push_str("\n/* Checks that nla_policy types cannot express */\n");
        let all: Vec<String> = m
            .validators
            .iter()
            .map(|v| {
                let unit = if v.min == 1 { "byte" } else { "bytes" };
                format!(
                    "static int {name}(const struct nlattr *attr,\n\
                     {pad}struct netlink_ext_ack *extack)\n\
                     {{\n\
                     \tif (strnlen(nla_data(attr), nla_len(attr)) < {min}) {{\n\
                     \t\tNL_SET_ERR_MSG_ATTR(extack, attr, \"string shorter than {min} {unit}\");\n\
                     \t\treturn -EINVAL;\n\
                     \t}}\n\
                     \treturn 0;\n\
                     }}\n",
                    name = v.name,
                    min = v.min,
                    pad = align_to("static int (".len() + v.name.len())
                )
            })
            .collect();
        o.push_str(&all.join("\n"));
    }

    let mut policies = String::new();
    if !m.nested_policies.is_empty() {
        policies.push_str("/* Common nested types */\n");
        for (i, s) in m.nested_policies.iter().enumerate() {
            if i > 0 {
                policies.push('\n');
            }
            let set = m.set(*s);
            let ids: Vec<u16> = set.attrs.iter().map(|a| a.schema.id).collect();
            // Not static: the module parses nests with them (declared in
            // the kernel header), as YNL's "common nested types" are.
            policy_array(
                m,
                &mut policies,
                "",
                set.nested_policy.as_deref().expect("a nested policy"),
                *s,
                &ids,
            );
        }
    }
    for p in m.policies.iter().filter(|p| p.split && p.genl_ops) {
        if !policies.is_empty() {
            policies.push('\n');
        }
        op_policy(m, &mut policies, p);
    }
    if !policies.is_empty() {
        o.push('\n');
        o.push_str(&policies);
    }

    // Required attributes.
    for c in m.ops() {
        let Some(d) = &c.do_ else { continue };
        let (Some(w), Some(req)) = (&d.required_check, &d.request) else {
            continue;
        };
        o.push_str("\n/**\n");
        wrap_comment(
            &mut o,
            &format!(" * {w}() - check the required attributes of a request"),
            " *\t",
            "",
        );
        o.push_str(" * @skb: the request\n * @info: the request's parsed attributes\n *\n");
        wrap_comment(
            &mut o,
            " *",
            " *",
            &format!(
                "The do of {}: the request must carry {}.",
                c.c_name,
                req.required()
                    .map(|id| m.attr(req.set, id).c_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        o.push_str(" *\n");
        wrap_comment(
            &mut o,
            " *",
            " *",
            &format!(
                "Return: -EINVAL when one is missing (its type in the extended ACK), else \
                 what {}() returns.",
                d.handler
            ),
        );
        o.push_str(" */\n");
        o.push_str(&call_wrapped(
            "",
            &format!("static int {w}"),
            &[
                "struct sk_buff *skb".to_owned(),
                "struct genl_info *info".to_owned(),
            ],
            "",
        ));
        o.push_str("{\n");
        for id in req.required() {
            let a = m.attr(req.set, id);
            let _ = writeln!(o, "\tif (GENL_REQ_ATTR_CHECK(info, {})) {{", a.c_name);
            o.push_str(&call_wrapped(
                "\t\t",
                "NL_SET_ERR_MSG",
                &[
                    "info->extack".to_owned(),
                    format!("\"missing attribute: {}.{}\"", req.view.name, a.schema.name),
                ],
                ";",
            ));
            o.push_str("\t\treturn -EINVAL;\n\t}\n");
        }
        let _ = writeln!(o, "\treturn {}(skb, info);", d.handler);
        o.push_str("}\n");
    }

    let mcgrps = format!("{}_nl_mcgrps", m.c_lower);
    if !m.groups.is_empty() {
        let _ = writeln!(
            o,
            "\nstatic const struct genl_multicast_group {mcgrps}[] = {{"
        );
        for g in &m.groups {
            let _ = writeln!(o, "\t[{}] = {{ \"{}\", }},", g.nlgrp, g.name);
        }
        o.push_str("};\n");
    }

    let ops = format!("{}_nl_ops", m.c_lower);
    let op_block = |fields: Vec<(String, String)>| -> String {
        let mut b = String::from("\t{\n");
        b.push_str(&tab_aligned("\t\t", &fields));
        b.push_str("\t},\n");
        b
    };
    let policy_fields = |p: Option<usize>, f: &mut Vec<(String, String)>| {
        if let Some(p) = p {
            let p = &m.policies[p];
            f.push((".policy".into(), format!("= {},", p.name)));
            f.push((".maxattr".into(), format!("= {},", m.set(p.set).max)));
        }
    };
    let family_struct = |ops_fields: [(&str, String); 2]| -> String {
        let mut rows: Vec<(String, String)> = vec![
            (".name".into(), format!("= {}_FAMILY_NAME,", m.c_prefix)),
            (
                ".version".into(),
                format!("= {}_FAMILY_VERSION,", m.c_prefix),
            ),
            (".netnsok".into(), "= true,".into()),
            (".parallel_ops".into(), "= true,".into()),
            (".module".into(), "= THIS_MODULE,".into()),
        ];
        for (k, v) in ops_fields {
            rows.push((k.into(), format!("= {v},")));
        }
        if !m.groups.is_empty() {
            rows.push((".mcgrps".into(), format!("= {mcgrps},")));
            rows.push((".n_mcgrps".into(), format!("= ARRAY_SIZE({mcgrps}),")));
        }
        format!(
            "\nstruct genl_family {}_nl_family __ro_after_init = {{\n{}}};\n",
            m.c_lower,
            tab_aligned("\t", &rows)
        )
    };
    let branch_policies = |split: bool| -> String {
        let mut s = String::new();
        for p in m
            .policies
            .iter()
            .filter(|p| p.split != p.genl_ops && p.split == split)
        {
            op_policy(m, &mut s, p);
            s.push('\n');
        }
        s
    };

    o.push_str("\n/*\n");
    wrap_comment(
        &mut o,
        &format!(
            " * Ops table and family for {}. Linux 6.2 added split ops",
            family.name
        ),
        " *",
        "(one entry per do and per dump, struct genl_split_ops); earlier kernels take \
         struct genl_ops with one policy per command. resv_start_op stays 0: every op is \
         strictly validated. parallel_ops: the module does its own locking.",
    );
    o.push_str(" */\n");
    o.push_str("#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)\n");
    o.push_str(&branch_policies(true));
    let _ = writeln!(o, "static const struct genl_split_ops {ops}[] = {{");
    for c in m.ops() {
        let admin = if c.schema.admin_perm {
            "GENL_ADMIN_PERM | "
        } else {
            ""
        };
        if let Some(d) = &c.do_ {
            let mut f = vec![
                (".cmd".into(), format!("= {},", c.c_name)),
                (".doit".into(), format!("= {},", d.entry())),
            ];
            policy_fields(d.policy, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DO,")));
            o.push_str(&op_block(f));
        }
        if let Some(d) = &c.dump {
            let mut f = vec![
                (".cmd".into(), format!("= {},", c.c_name)),
                (".dumpit".into(), format!("= {},", d.entry())),
            ];
            policy_fields(d.policy, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DUMP,")));
            o.push_str(&op_block(f));
        }
    }
    o.push_str("};\n");
    o.push_str(&family_struct([
        (".split_ops", ops.clone()),
        (".n_split_ops", format!("ARRAY_SIZE({ops})")),
    ]));
    o.push_str("#else /* Linux < 6.2: no split ops */\n");
    o.push_str(&branch_policies(false));
    let _ = writeln!(o, "static const struct genl_ops {ops}[] = {{");
    for c in m.ops() {
        let mut f = vec![(".cmd".into(), format!("= {},", c.c_name))];
        if let Some(d) = &c.do_ {
            f.push((".doit".into(), format!("= {},", d.entry())));
        }
        if let Some(d) = &c.dump {
            f.push((".dumpit".into(), format!("= {},", d.entry())));
        }
        policy_fields(c.genl_ops_policy, &mut f);
        if c.schema.admin_perm {
            f.push((".flags".into(), "= GENL_ADMIN_PERM,".into()));
        }
        o.push_str(&op_block(f));
    }
    o.push_str("};\n");
    o.push_str(&family_struct([
        (".ops", ops.clone()),
        (".n_ops", format!("ARRAY_SIZE({ops})")),
    ]));
    o.push_str("#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) */\n");
    o
}
