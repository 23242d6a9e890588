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
//! - The ops table and the family, behind one `#ifdef
//!   GENL_HAVE_SPLIT_OPS` (probed at build time, [`crate::compat`]; never
//!   `LINUX_VERSION_CODE`): split ops (one entry per do and per dump, each
//!   with its own policy; a dump without a request gets none) where the
//!   kernel has them (Linux 6.2 and later, and vendor kernels that
//!   backported them), `struct genl_ops` (one entry and one policy per
//!   command: the union of its do and dump requests) elsewhere.
//! - Kernel API a kernel lacks comes from `genl_compat.h`, which the
//!   header includes ([`crate::compat`]); a value check on a `be16`/`be32`
//!   attribute, which cannot be emulated, gets an `#error` naming the
//!   attribute for kernels without it. The family has `.netnsok = true`,
//!   `.parallel_ops = true` (the module does its own locking) and leaves
//!   `resv_start_op` at 0, so every op is strictly validated.

use std::fmt::Write as _;

use crate::model::{
    Command, FamilyModel, Op, OpCheck, OpPolicy, Policy, Repeat, SetId, View, ViewAttr,
};
use crate::text::{
    array_decl, c_banner, call_wrapped, decl_wrapped, display_len, tab_aligned, wrap_comment,
    MAX_LINE, SPDX_C, SPDX_H,
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

    if !m.nested_policies.is_empty() {
        o.push_str("\n/* Common nested types */\n");
        for v in &m.nested_policies {
            let view = m.view(*v);
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
        for v in &m.nested_policies {
            let view = m.view(*v);
            o.push_str(&decl_wrapped(
                "",
                &format!("int {}", view.parse.as_deref().expect("a parse helper")),
                &parse_args(),
                ";",
            ));
        }
    }
    if m.has_dump_requests() {
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

/// The parameters of a parse helper.
fn parse_args() -> Vec<String> {
    vec![
        "struct nlattr **tb".to_owned(),
        "const struct nlattr *nest".to_owned(),
        "struct netlink_ext_ack *extack".to_owned(),
    ]
}

/// An `#error` for each attribute whose policy checks the value of a
/// big-endian integer, on a kernel that cannot (no
/// `GENL_HAVE_NLA_BE_RANGE`; [`crate::compat`] makes `NLA_BE16` an
/// `NLA_U16` there, which would check the value in the wrong byte order).
fn be_value_checks(m: &FamilyModel, o: &mut String) {
    let mut attrs: Vec<(String, &str)> = Vec::new();
    let views = m
        .nested_policies
        .iter()
        .map(|v| m.view(*v))
        .flat_map(|v| v.attrs.iter().map(move |a| (v.set, a.id, a.policy.clone())));
    let ops = m.policies.iter().flat_map(|p| {
        p.entries
            .iter()
            .map(move |(id, pol)| (p.set, *id, pol.clone()))
    });
    for (set, id, policy) in views.chain(ops) {
        let ty = match policy {
            Policy::Min(t, _) | Policy::Max(t, _) | Policy::Range(t, _, _) | Policy::Mask(t, _) => {
                t
            }
            Policy::FullRange { ty, .. } => ty,
            _ => continue,
        };
        if ty != "NLA_BE16" && ty != "NLA_BE32" {
            continue;
        }
        let c = m.attr(set, id).c_name.clone();
        if !attrs.iter().any(|(a, _)| *a == c) {
            attrs.push((c, ty));
        }
    }
    if attrs.is_empty() {
        return;
    }
    o.push_str("\n#ifndef GENL_HAVE_NLA_BE_RANGE\n");
    for (c, ty) in attrs {
        let _ = writeln!(
            o,
            "#error \"{c}: a value check on {ty} needs Linux 6.1 (NLA_BE_RANGE)\""
        );
    }
    o.push_str("#endif\n");
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
        Policy::Mask(t, mask) => format!("NLA_POLICY_MASK({t}, {mask:#x})"),
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

/// One policy array of `set` with `entries`.
fn policy_array(
    m: &FamilyModel,
    out: &mut String,
    storage: &str,
    name: &str,
    set: SetId,
    entries: &[(u16, Policy)],
) {
    let s = m.set(set);
    out.push_str(&array_decl(
        &format!("{storage}const struct nla_policy"),
        name,
        &s.max,
        " = {",
    ));
    for (id, policy) in entries {
        let a = m.attr(set, *id);
        let lhs = format!("\t[{}] =", a.c_name);
        let rhs = policy_text(policy);
        let line = format!("{lhs} {rhs},");
        if display_len(&line) <= MAX_LINE {
            let _ = writeln!(out, "{line}");
        } else if display_len(&format!("\t\t{rhs},")) <= MAX_LINE {
            let _ = writeln!(out, "{lhs}\n\t\t{rhs},");
        } else {
            // A macro's arguments wrapped after its parenthesis.
            let _ = writeln!(out, "{lhs}");
            match rhs.split_once('(') {
                Some((mac, rest)) if rhs.ends_with(')') => {
                    let args: Vec<String> = rest[..rest.len() - 1]
                        .split(", ")
                        .map(str::to_owned)
                        .collect();
                    out.push_str(&call_wrapped("\t\t", mac, &args, ","));
                }
                _ => {
                    let _ = writeln!(out, "\t\t{rhs},");
                }
            }
        }
    }
    out.push_str("};\n");
}

fn op_policy(m: &FamilyModel, out: &mut String, p: &OpPolicy) {
    let c = &m.commands[p.command].c_name;
    let line = format!("/* {c} - {} */", p.what);
    if display_len(&line) <= MAX_LINE {
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(out, "/* {c} */");
    }
    policy_array(m, out, "static ", &p.name, p.set, &p.entries);
}

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
fn view_check(m: &FamilyModel, o: &mut String, v: &View) {
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
                None => m.view(a.nested?).check.as_deref()?,
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
        .any(|a| a.nested.is_some_and(|n| m.view(n).check.is_some()))
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
fn parse_helper(m: &FamilyModel, o: &mut String, v: &View) {
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
fn op_check(m: &FamilyModel, o: &mut String, c: &Command, op: &Op, dump: bool, chk: &OpCheck) {
    let name = op.check.as_deref().expect("an op with a check");
    // The request's view; an op without one is checked only for what the
    // command's Linux < 6.2 policy accepts and it does not.
    let v = op.view.map(|v| m.view(v));
    let set = match (v, c.genl_ops_policy) {
        (Some(v), _) => Some(v.set),
        (None, Some(p)) => Some(m.policies[p].set),
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
        .map(|(id, r, n)| (*id, *r, m.view(*n).check.as_deref().expect("a check")))
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
        let nview = m.view(*nv);
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
fn op_checks(m: &FamilyModel, o: &mut String, which: Branch) {
    for c in m.ops() {
        for (op, dump) in [(&c.do_, false), (&c.dump, true)] {
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
            op_check(m, o, c, op, dump, chk);
        }
    }
}

/// A part of the source: before the version switch, or one of its
/// branches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Branch {
    Common,
    Split,
    GenlOps,
}

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
    o.push_str("\n#include <net/netlink.h>\n#include <net/genetlink.h>\n\n");
    let _ = writeln!(o, "#include \"{}\"\n", header_path(m));
    let _ = writeln!(o, "#include <uapi/{}>", m.uapi_header);
    be_value_checks(m, &mut o);

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
    if !m.validators.is_empty() || !m.enum_validators.is_empty() {
        o.push_str("\n/* Checks that nla_policy types cannot express */\n");
        let mut all: Vec<String> = m
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
        for v in &m.enum_validators {
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
    if !m.nested_policies.is_empty() {
        policies.push_str("/* Common nested types */\n");
        for (i, v) in m.nested_policies.iter().enumerate() {
            if i > 0 {
                policies.push('\n');
            }
            let view = m.view(*v);
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

    // Parse helpers and checks of the nests of requests.
    for v in &m.nested_policies {
        parse_helper(m, &mut o, m.view(*v));
    }
    for v in &m.views {
        if v.check.is_some() {
            view_check(m, &mut o, v);
        }
    }
    op_checks(m, &mut o, Branch::Common);

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
    let branch_start = |split: bool| -> String {
        let mut s = String::new();
        for p in m
            .policies
            .iter()
            .filter(|p| p.split != p.genl_ops && p.split == split)
        {
            op_policy(m, &mut s, p);
            s.push('\n');
        }
        let mut checks = String::new();
        if m.has_dump_requests() {
            dump_attrs(m, &mut checks, split);
        }
        op_checks(
            m,
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
    for c in m.ops() {
        let admin = if c.schema.admin_perm {
            "GENL_ADMIN_PERM | "
        } else {
            ""
        };
        if let Some(d) = &c.do_ {
            let mut f = vec![
                (".cmd".into(), format!("= {},", c.c_name)),
                (".doit".into(), format!("= {},", d.entry(true))),
            ];
            policy_fields(d.policy, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DO,")));
            o.push_str(&op_block(f));
        }
        if let Some(d) = &c.dump {
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
    for c in m.ops() {
        let mut f = vec![(".cmd".into(), format!("= {},", c.c_name))];
        if let Some(d) = &c.do_ {
            f.push((".doit".into(), format!("= {},", d.entry(false))));
        }
        if let Some(d) = &c.dump {
            if let Some(start) = d.check_in(false) {
                f.push((".start".into(), format!("= {start},")));
            }
            f.push((".dumpit".into(), format!("= {},", d.handler)));
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
    o.push_str("#endif /* GENL_HAVE_SPLIT_OPS */\n");
    o
}
