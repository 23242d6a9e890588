//! The checks policies cannot express: required attributes at every level,
//! nested and indexed requests walked, in the doit wrappers and the dumps.

use std::fmt::Write as _;

use super::*;

/// Where a check runs: the doit wrapper's `info`, or the dump's `cb`.
struct Ctx {
    /// The request's attributes array.
    attrs: &'static str,
    /// The extended ACK.
    extack: &'static str,
    /// The request message header.
    nlh: &'static str,
}

const DO_CTX: Ctx = Ctx {
    attrs: "info->attrs",
    extack: "info->extack",
    nlh: "info->nlhdr",
};
const DUMP_CTX: Ctx = Ctx {
    attrs: "attrs",
    extack: "cb->extack",
    nlh: "cb->nlh",
};

/// `err = f(x, extack); if (err) return err;` at `indent`.
fn call_checked(o: &mut String, indent: &str, f: &str, args: &[String]) {
    o.push_str(&call_wrapped(indent, &format!("err = {f}"), args, ";"));
    let _ = writeln!(o, "{indent}if (err)\n{indent}\treturn err;");
}

/// A loop over attributes (`header` is the loop macro with its
/// arguments) that runs each nest's check: `items` are (attribute, how it
/// repeats, check).
fn nest_loop(
    o: &mut String,
    m: &FamilyModel,
    set: SetId,
    header: &str,
    extack: &str,
    items: &[(u16, Repeat, &str)],
) {
    let _ = writeln!(o, "\t{header} {{");
    o.push_str("\t\tswitch (nla_type(pos)) {\n");
    for (id, repeat, check) in items {
        let _ = writeln!(o, "\t\tcase {}:", m.attr(set, *id).c_name);
        if *repeat == Repeat::Indexed {
            o.push_str("\t\t\tnla_for_each_nested(elem, pos, erem) {\n");
            o.push_str(&call_wrapped(
                "\t\t\t\t",
                &format!("err = {check}"),
                &["elem".to_owned(), extack.to_owned()],
                ";",
            ));
            o.push_str("\t\t\t\tif (err)\n\t\t\t\t\treturn err;\n\t\t\t}\n");
        } else {
            call_checked(o, "\t\t\t", check, &["pos".to_owned(), extack.to_owned()]);
        }
        o.push_str("\t\t\tbreak;\n");
    }
    o.push_str("\t\t}\n\t}\n");
}

/// Local variables a check's body needs.
fn locals(o: &mut String, pos: bool, elem: bool, err: bool) {
    let mut ptrs = Vec::new();
    let mut ints = Vec::new();
    if pos {
        ptrs.push("*pos");
        ints.push("rem");
    }
    if elem {
        ptrs.push("*elem");
        ints.push("erem");
    }
    if err {
        ints.push("err");
    }
    if !ptrs.is_empty() {
        let _ = writeln!(o, "\tconst struct nlattr {};", ptrs.join(", "));
    }
    if !ints.is_empty() {
        let _ = writeln!(o, "\tint {};", ints.join(", "));
    }
    if !ptrs.is_empty() || !ints.is_empty() {
        o.push('\n');
    }
}

/// The check of a view nested in a request: its required attributes, then
/// the checks of the views nested in it.
pub(super) fn view_check(m: &FamilyModel, pol: &Policies, o: &mut String, v: &View) {
    let name = v.check.as_deref().expect("a view with a check");
    let required: Vec<&ViewAttr> = v.attrs.iter().filter(|a| a.required).collect();
    // The nests with checks, and the attributes of a non-contiguous enum
    // (their validator): each called on every occurrence.
    let nests: Vec<(u16, Repeat, &str)> = v
        .attrs
        .iter()
        .filter_map(|a| {
            let c = match &a.validator {
                Some(f) => f.as_str(),
                None => pol.view(a.nested?).check.as_deref()?,
            };
            Some((a.id, a.repeat, c))
        })
        .collect();
    o.push_str("\n/**\n");
    wrap_comment(
        o,
        &format!(" * {name}() - check a request's {} nest", v.schema.name),
        " *\t",
        "",
    );
    o.push_str(" * @nest: the nest, validated by its policy\n * @extack: the extended ACK\n *\n");
    let mut what = Vec::new();
    if !required.is_empty() {
        what.push(format!(
            "The nest must carry {}.",
            required
                .iter()
                .map(|a| m.attr(v.set, a.id).c_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if v.attrs.iter().any(|a| a.validator.is_some()) {
        what.push("Values of its enums that are not contiguous are checked one by one.".to_owned());
    }
    if v.attrs
        .iter()
        .any(|a| a.nested.is_some_and(|n| pol.view(n).check.is_some()))
    {
        what.push("The nests inside it are checked in turn.".to_owned());
    }
    wrap_comment(o, " *", " *", &what.join(" "));
    o.push_str(" *\n");
    wrap_comment(
        o,
        " *",
        " *",
        "Return: 0, or -EINVAL when a required attribute is missing (the attribute and its nest \
         in @extack) or a value is not one of its enum's (the attribute in @extack).",
    );
    o.push_str(" */\n");
    o.push_str(&decl_wrapped(
        "",
        &format!("static int {name}"),
        &[
            "const struct nlattr *nest".to_owned(),
            "struct netlink_ext_ack *extack".to_owned(),
        ],
        "",
    ));
    o.push_str("{\n");
    let indexed = nests.iter().any(|n| n.1 == Repeat::Indexed);
    locals(o, !nests.is_empty(), indexed, !nests.is_empty());
    for a in &required {
        let c = &m.attr(v.set, a.id).c_name;
        o.push_str(&call_wrapped(
            "\t",
            "if (!nla_find_nested",
            &["nest".to_owned(), c.clone()],
            ") {",
        ));
        o.push_str(&call_wrapped(
            "\t\t",
            "NL_SET_ERR_ATTR_MISS",
            &["extack".to_owned(), "nest".to_owned(), c.clone()],
            ";",
        ));
        o.push_str(&call_wrapped(
            "\t\t",
            "NL_SET_ERR_MSG",
            &[
                "extack".to_owned(),
                format!(
                    "\"missing attribute: {}.{}\"",
                    v.schema.name,
                    m.attr(v.set, a.id).schema.name
                ),
            ],
            ";",
        ));
        o.push_str("\t\treturn -EINVAL;\n\t}\n");
    }
    if !nests.is_empty() {
        if !required.is_empty() {
            o.push('\n');
        }
        nest_loop(
            o,
            m,
            v.set,
            "nla_for_each_nested(pos, nest, rem)",
            "extack",
            &nests,
        );
    }
    o.push_str("\treturn 0;\n}\n");
}

/// The parse helper of a view nested in a request.
pub(super) fn parse_helper(m: &FamilyModel, o: &mut String, v: &View) {
    let name = v.parse.as_deref().expect("a parse helper");
    let max = &m.set(v.set).max;
    o.push_str("\n/**\n");
    wrap_comment(
        o,
        &format!(" * {name}() - parse a request's {} nest", v.schema.name),
        " *\t",
        "",
    );
    let _ = writeln!(o, " * @tb: its attributes, by type ({max} + 1 entries)");
    o.push_str(" * @nest: the nest\n * @extack: the extended ACK\n *\n");
    wrap_comment(
        o,
        " *",
        " *",
        "The kernel validated the nest with its policy before the handler ran; this fills @tb \
         (of a repeated attribute, the last).",
    );
    o.push_str(" *\n * Return: 0, or a negative error code (with @extack set).\n */\n");
    o.push_str(&decl_wrapped("", &format!("int {name}"), &parse_args(), ""));
    o.push_str("{\n");
    o.push_str(&call_wrapped(
        "\t",
        "return nla_parse_nested",
        &[
            "tb".to_owned(),
            max.clone(),
            "nest".to_owned(),
            v.nested_policy.clone().expect("a nested policy"),
            "extack".to_owned(),
        ],
        ";",
    ));
    o.push_str("}\n");
}

/// The generated check of one operation in one kernel branch.
fn op_check(
    (m, pol): (&FamilyModel, &Policies),
    o: &mut String,
    (c, lc): (&Command, &LoweredCommand),
    op: &LoweredOp,
    dump: bool,
    chk: &OpCheck,
) {
    let name = op.check.as_deref().expect("an op with a check");
    // The request's view; an op without one is checked only for what the
    // command's Linux < 6.2 policy accepts and it does not.
    let v = op.view.map(|v| pol.view(v));
    let set = match (v, lc.genl_ops_policy) {
        (Some(v), _) => Some(v.set),
        (None, Some(p)) => Some(pol.policies[p].set),
        (None, None) => None,
    };
    let ctx = if dump { DUMP_CTX } else { DO_CTX };
    let set_of = || set.expect("the attributes of a check come from its set");
    let attr_name = |id: u16| m.attr(set_of(), id).c_name.clone();
    o.push_str("\n/**\n");
    let kind = if dump { "dump" } else { "do" };
    wrap_comment(
        o,
        &format!(" * {name}() - check a request before its handler"),
        " *\t",
        "",
    );
    if dump {
        o.push_str(" * @cb: the dump's callback\n *\n");
    } else {
        o.push_str(" * @skb: the request\n * @info: the request's parsed attributes\n *\n");
    }
    let mut what = vec![format!("Checks the {kind} of {}.", c.c_name)];
    if chk.reject_all {
        what.push(
            "It takes no attributes: any is rejected (the kernel parses none for an op without \
             a policy, and before Linux 6.2 one shares its command's policy)."
                .to_owned(),
        );
    }
    if !chk.reject.is_empty() {
        what.push(format!(
            "Linux before 6.2 has one policy for its do and dump: this rejects {}, which the \
             {kind} does not take.",
            chk.reject
                .iter()
                .map(|i| attr_name(*i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !chk.required.is_empty() {
        what.push(format!(
            "The request must carry {}.",
            chk.required
                .iter()
                .map(|i| attr_name(*i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !chk.revalidate.is_empty() {
        what.push(format!(
            "{} must pass the {kind}'s own nested policy.",
            chk.revalidate
                .iter()
                .map(|(i, _)| attr_name(*i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !chk.nests.is_empty() {
        what.push(format!(
            "Nests checked for their required attributes: {}.",
            chk.nests
                .iter()
                .map(|(i, _, _)| attr_name(*i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !chk.validated.is_empty() {
        what.push(format!(
            "Checked one by one against their enum's values: {}.",
            chk.validated
                .iter()
                .map(|(i, _, _)| attr_name(*i))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    wrap_comment(o, " *", " *", &what.join(" "));
    o.push_str(" *\n");
    let ret = if dump {
        "Return: -EINVAL when the request fails a check (the reason in the extended ACK), else 0."
            .to_owned()
    } else {
        format!(
            "Return: -EINVAL when the request fails a check (the reason in the extended ACK), \
             else what {}() returns.",
            op.handler
        )
    };
    wrap_comment(o, " *", " *", &ret);
    o.push_str(" */\n");
    let params = if dump {
        vec!["struct netlink_callback *cb".to_owned()]
    } else {
        vec![
            "struct sk_buff *skb".to_owned(),
            "struct genl_info *info".to_owned(),
        ]
    };
    o.push_str(&decl_wrapped(
        "",
        &format!("static int {name}"),
        &params,
        "",
    ));
    o.push_str("{\n");
    let uses_attrs = !chk.required.is_empty()
        || !chk.reject.is_empty()
        || !chk.revalidate.is_empty()
        || chk.nests.iter().any(|n| n.1 == Repeat::One)
        || chk.validated.iter().any(|n| n.1 == Repeat::One);
    if dump && uses_attrs {
        let _ = writeln!(
            o,
            "\tstruct nlattr **attrs = {}_nl_dump_attrs(cb);",
            m.c_lower
        );
    }
    // Nests with a check, and attributes of a non-contiguous enum with
    // their validator: the same call on each occurrence.
    let calls: Vec<(u16, Repeat, &str)> = chk
        .nests
        .iter()
        .map(|(id, r, n)| (*id, *r, pol.view(*n).check.as_deref().expect("a check")))
        .chain(chk.validated.iter().map(|(id, r, f)| (*id, *r, f.as_str())))
        .collect();
    let looped: Vec<(u16, Repeat, &str)> = calls
        .iter()
        .filter(|(_, r, _)| *r != Repeat::One)
        .copied()
        .collect();
    let single: Vec<(u16, &str)> = calls
        .iter()
        .filter(|(_, r, _)| *r == Repeat::One)
        .map(|(id, _, f)| (*id, *f))
        .collect();
    let indexed = looped.iter().any(|l| l.1 == Repeat::Indexed)
        || chk.revalidate.iter().any(|(id, _)| {
            v.and_then(|v| v.attr(*id))
                .is_some_and(|a| a.repeat == Repeat::Indexed)
        });
    let err = !calls.is_empty() || !chk.revalidate.is_empty();
    let pos = !looped.is_empty() || indexed;
    let nest = !chk.reject.is_empty() || !single.is_empty() || !chk.revalidate.is_empty();
    let mut decls = String::new();
    if nest {
        decls.push_str("\tconst struct nlattr *nest;\n");
    }
    locals(&mut decls, pos, indexed && !looped.is_empty(), err);
    if nest && !decls.ends_with("\n\n") {
        decls.push('\n');
    }
    o.push_str(&decls);
    if dump && uses_attrs && decls.is_empty() {
        o.push('\n');
    }
    let mut first = true;
    let mut sep = |o: &mut String| {
        if !first {
            o.push('\n');
        }
        first = false;
    };
    // `nest = attrs[X];` then `if (nest) {` keeps lines short with long
    // names.
    let take = |o: &mut String, a: &str| {
        let _ = writeln!(o, "\tnest = {}[{a}];\n\tif (nest) {{", ctx.attrs);
    };
    if chk.reject_all {
        sep(o);
        let _ = writeln!(o, "\tif (nlmsg_attrlen({}, GENL_HDRLEN)) {{", ctx.nlh);
        o.push_str(&call_wrapped(
            "\t\t",
            "NL_SET_ERR_MSG_ATTR",
            &[
                ctx.extack.to_owned(),
                format!("nlmsg_attrdata({}, GENL_HDRLEN)", ctx.nlh),
                "\"this operation takes no attributes\"".to_owned(),
            ],
            ";",
        ));
        o.push_str("\t\treturn -EINVAL;\n\t}\n");
    }
    if !chk.reject.is_empty() {
        sep(o);
    }
    for id in &chk.reject {
        take(o, &attr_name(*id));
        o.push_str(&call_wrapped(
            "\t\t",
            "NL_SET_ERR_MSG_ATTR",
            &[
                ctx.extack.to_owned(),
                "nest".to_owned(),
                "\"attribute not accepted by this operation\"".to_owned(),
            ],
            ";",
        ));
        o.push_str("\t\treturn -EINVAL;\n\t}\n");
    }
    if !chk.required.is_empty() {
        sep(o);
    }
    for id in &chk.required {
        let a = attr_name(*id);
        if dump {
            o.push_str(&call_wrapped(
                "\t",
                "if (NL_REQ_ATTR_CHECK",
                &[
                    "cb->extack".to_owned(),
                    "NULL".to_owned(),
                    "attrs".to_owned(),
                    a,
                ],
                ") {",
            ));
        } else {
            o.push_str(&call_wrapped(
                "\t",
                "if (GENL_REQ_ATTR_CHECK",
                &["info".to_owned(), a],
                ") {",
            ));
        }
        o.push_str(&call_wrapped(
            "\t\t",
            "NL_SET_ERR_MSG",
            &[
                ctx.extack.to_owned(),
                format!(
                    "\"missing attribute: {}.{}\"",
                    v.expect("required attributes come from a view").schema.name,
                    m.attr(set_of(), *id).schema.name
                ),
            ],
            ";",
        ));
        o.push_str("\t\treturn -EINVAL;\n\t}\n");
    }
    if !chk.revalidate.is_empty() {
        sep(o);
    }
    for (id, nv) in &chk.revalidate {
        let nview = pol.view(*nv);
        let args = |x: &str| {
            vec![
                x.to_owned(),
                m.set(nview.set).max.clone(),
                nview.nested_policy.clone().expect("a nested policy"),
                ctx.extack.to_owned(),
            ]
        };
        take(o, &attr_name(*id));
        if v.and_then(|v| v.attr(*id))
            .is_some_and(|x| x.repeat == Repeat::Indexed)
        {
            o.push_str("\t\tnla_for_each_nested(pos, nest, rem) {\n");
            o.push_str(&call_wrapped(
                "\t\t\t",
                "err = nla_validate_nested",
                &args("pos"),
                ";",
            ));
            o.push_str("\t\t\tif (err)\n\t\t\t\treturn err;\n\t\t}\n");
        } else {
            call_checked(o, "\t\t", "nla_validate_nested", &args("nest"));
        }
        o.push_str("\t}\n");
    }
    if !single.is_empty() {
        sep(o);
    }
    for (id, check) in &single {
        take(o, &attr_name(*id));
        call_checked(
            o,
            "\t\t",
            check,
            &["nest".to_owned(), ctx.extack.to_owned()],
        );
        o.push_str("\t}\n");
    }
    if !looped.is_empty() {
        sep(o);
        nest_loop(
            o,
            m,
            set_of(),
            &format!("nlmsg_for_each_attr(pos, {}, GENL_HDRLEN, rem)", ctx.nlh),
            ctx.extack,
            &looped,
        );
    }
    if dump {
        o.push_str("\treturn 0;\n}\n");
    } else {
        let _ = writeln!(o, "\treturn {}(skb, info);", op.handler);
        o.push_str("}\n");
    }
}

/// The checks of every operation in one kernel branch: `split` (Linux 6.2
/// and later) or not; `common`: those that are the same in both.
pub(super) fn op_checks(m: &FamilyModel, pol: &Policies, o: &mut String, which: Branch) {
    for (c, lc) in pol.ops(m) {
        for (op, dump) in [(&lc.do_, false), (&lc.dump, true)] {
            let Some(op) = op else { continue };
            if op.check.is_none() {
                continue;
            }
            let same = op.split_check == op.genl_ops_check;
            let chk = match which {
                Branch::Common if same => &op.split_check,
                Branch::Split if !same && !op.split_check.is_empty() => &op.split_check,
                Branch::GenlOps if !same && !op.genl_ops_check.is_empty() => &op.genl_ops_check,
                _ => continue,
            };
            op_check((m, pol), o, (c, lc), op, dump, chk);
        }
    }
}

/// A part of the source: before the version switch, or one of its
/// branches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Branch {
    Common,
    Split,
    GenlOps,
}
