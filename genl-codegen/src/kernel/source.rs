//! The kernel source: ranges and validators, policies, checks, the ops
//! table and the family behind the split-ops switch.

use std::fmt::Write as _;

use super::*;

/// The dump attributes helper of one branch.
fn dump_attrs(m: &FamilyModel, o: &mut String, split: bool) {
    let name = format!("{}_nl_dump_attrs", m.c_lower);
    o.push_str("\n/**\n");
    let _ = writeln!(o, " * {name}() - the attributes of a dump's request");
    o.push_str(" * @cb: the dump's callback\n *\n");
    wrap_comment(
        o,
        " *",
        " *",
        "The kernel parsed and validated them with the dump's policy before the dump started \
         (genl_info_dump() from Linux 6.6, genl_dumpit_info() before).",
    );
    o.push_str(" *\n");
    wrap_comment(
        o,
        " *",
        " *",
        "Return: the attributes by type (the set's _MAX + 1 entries), NULL for a dump without a \
         policy.",
    );
    o.push_str(" */\n");
    let _ = writeln!(o, "struct nlattr **{name}(struct netlink_callback *cb)\n{{");
    if split {
        o.push_str("\treturn genl_dumpit_info(cb)->info.attrs;\n}\n");
    } else {
        o.push_str("\treturn genl_dumpit_info(cb)->attrs;\n}\n");
    }
}

/// Renders the kernel source of `m`.
pub fn source(m: &FamilyModel, pol: &Policies, options: &Options) -> String {
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
    o.push_str("\n#include <net/netlink.h>\n#include <net/genetlink.h>\n\n");
    let _ = writeln!(o, "#include \"{}\"\n", header_path(m));
    let _ = writeln!(o, "#include <uapi/{}>", m.uapi_header);
    be_value_checks(m, pol, &mut o);

    if !pol.ranges.is_empty() {
        // Not `const`: Linux 6.1's `struct nla_policy` points at a
        // non-const `struct netlink_range_validation` (6.2 made it const),
        // and the same source must build W=1-clean on both.
        o.push_str("\n/* Integer value ranges (not const: Linux 6.1 takes them writable) */\n");
        let all: Vec<String> = pol
            .ranges
            .iter()
            .map(|r| {
                let strct = if r.signed {
                    "netlink_range_validation_signed"
                } else {
                    "netlink_range_validation"
                };
                let head = format!("static struct {strct} {} = {{", r.name);
                let head = if display_len(&head) <= MAX_LINE {
                    head
                } else {
                    format!("static struct {strct}\n{} = {{", r.name)
                };
                format!("{head}\n\t.min\t= {},\n\t.max\t= {},\n}};\n", r.min, r.max)
            })
            .collect();
        o.push_str(&all.join("\n"));
    }
    if !pol.validators.is_empty() || !pol.enum_validators.is_empty() {
        o.push_str("\n/* Checks that nla_policy types cannot express */\n");
        let mut all: Vec<String> = pol
            .validators
            .iter()
            .map(|v| {
                let unit = if v.min == 1 { "byte" } else { "bytes" };
                let mut f = decl_wrapped(
                    "",
                    &format!("static int {}", v.name),
                    &[
                        "const struct nlattr *attr".to_owned(),
                        "struct netlink_ext_ack *extack".to_owned(),
                    ],
                    "",
                );
                let _ = write!(
                    f,
                    "{{\n\
                     \tif (strnlen(nla_data(attr), nla_len(attr)) < {min}) {{\n\
                     \t\tNL_SET_ERR_MSG_ATTR(extack, attr, \"string shorter than {min} {unit}\");\n\
                     \t\treturn -EINVAL;\n\
                     \t}}\n\
                     \treturn 0;\n\
                     }}\n",
                    min = v.min,
                );
                f
            })
            .collect();
        for v in &pol.enum_validators {
            let e = m.value_enum(v.value_enum);
            let mut f = String::new();
            f.push_str(&decl_wrapped(
                "",
                &format!("static int {}", v.name),
                &[
                    "const struct nlattr *attr".to_owned(),
                    "struct netlink_ext_ack *extack".to_owned(),
                ],
                "",
            ));
            f.push_str("{\n");
            let get = match v.to_cpu {
                Some(conv) => format!("{conv}({}(attr))", v.get),
                None => format!("{}(attr)", v.get),
            };
            let _ = writeln!(f, "\tswitch ({get}) {{");
            for var in &e.variants {
                let _ = writeln!(f, "\tcase {}:", var.c_name);
            }
            f.push_str("\t\treturn 0;\n\t}\n");
            f.push_str(&call_wrapped(
                "\t",
                "NL_SET_ERR_MSG_ATTR",
                &[
                    "extack".to_owned(),
                    "attr".to_owned(),
                    "\"not a value of its enum\"".to_owned(),
                ],
                ";",
            ));
            f.push_str("\treturn -EINVAL;\n}\n");
            all.push(f);
        }
        o.push_str(&all.join("\n"));
    }

    let mut policies = String::new();
    if !pol.nested_policies.is_empty() {
        policies.push_str("/* Common nested types */\n");
        for (i, v) in pol.nested_policies.iter().enumerate() {
            if i > 0 {
                policies.push('\n');
            }
            let view = pol.view(*v);
            let entries: Vec<(u16, Policy)> = view
                .attrs
                .iter()
                .map(|a| (a.id, a.policy.clone()))
                .collect();
            // Not static: the module parses nests with them (declared in
            // the kernel header), as YNL's "common nested types" are.
            policy_array(
                m,
                &mut policies,
                "",
                view.nested_policy.as_deref().expect("a nested policy"),
                view.set,
                &entries,
            );
        }
    }
    for p in pol.policies.iter().filter(|p| p.split && p.genl_ops) {
        if !policies.is_empty() {
            policies.push('\n');
        }
        op_policy(m, &mut policies, p);
    }
    if !policies.is_empty() {
        o.push('\n');
        o.push_str(&policies);
    }

    // Parse helpers and checks of the nests of requests.
    for v in &pol.nested_policies {
        parse_helper(m, &mut o, pol.view(*v));
    }
    for v in &pol.views {
        if v.check.is_some() {
            view_check(m, pol, &mut o, v);
        }
    }
    op_checks(m, pol, &mut o, Branch::Common);

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
            let p = &pol.policies[p];
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
    let branch_start = |split: bool| -> String {
        let mut s = String::new();
        for p in pol
            .policies
            .iter()
            .filter(|p| p.split != p.genl_ops && p.split == split)
        {
            op_policy(m, &mut s, p);
            s.push('\n');
        }
        let mut checks = String::new();
        if pol.has_dump_requests() {
            dump_attrs(m, &mut checks, split);
        }
        op_checks(
            m,
            pol,
            &mut checks,
            if split {
                Branch::Split
            } else {
                Branch::GenlOps
            },
        );
        if !checks.is_empty() {
            s.push_str(checks.trim_start_matches('\n'));
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
    o.push_str("#ifdef GENL_HAVE_SPLIT_OPS\n");
    o.push_str(&branch_start(true));
    let _ = writeln!(o, "static const struct genl_split_ops {ops}[] = {{");
    for (c, lc) in pol.ops(m) {
        let admin = if c.schema.admin_perm {
            "GENL_ADMIN_PERM | "
        } else {
            ""
        };
        if let Some(d) = &lc.do_ {
            let mut f = vec![
                (".cmd".into(), format!("= {},", c.c_name)),
                (".doit".into(), format!("= {},", d.entry(true))),
            ];
            policy_fields(d.policy, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DO,")));
            o.push_str(&op_block(f));
        }
        if let Some(d) = &lc.dump {
            let mut f = vec![(".cmd".into(), format!("= {},", c.c_name))];
            if let Some(start) = d.check_in(true) {
                f.push((".start".into(), format!("= {start},")));
            }
            f.push((".dumpit".into(), format!("= {},", d.handler)));
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
    o.push_str("#else /* !GENL_HAVE_SPLIT_OPS */\n");
    o.push_str(&branch_start(false));
    let _ = writeln!(o, "static const struct genl_ops {ops}[] = {{");
    for (c, lc) in pol.ops(m) {
        let mut f = vec![(".cmd".into(), format!("= {},", c.c_name))];
        if let Some(d) = &lc.do_ {
            f.push((".doit".into(), format!("= {},", d.entry(false))));
        }
        if let Some(d) = &lc.dump {
            if let Some(start) = d.check_in(false) {
                f.push((".start".into(), format!("= {start},")));
            }
            f.push((".dumpit".into(), format!("= {},", d.handler)));
        }
        policy_fields(lc.genl_ops_policy, &mut f);
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
    o.push_str("#endif /* GENL_HAVE_SPLIT_OPS */\n");
    o
}
