//! The `nla_policy` arrays of the source: each operation's and each
//! nested set's, with the `#error`s of value checks a kernel cannot make.

use std::fmt::Write as _;

use super::*;

/// An `#error` for each attribute whose policy checks the value of a
/// big-endian integer, on a kernel that cannot (no
/// `GENL_HAVE_NLA_BE_RANGE`; [`crate::compat`] makes `NLA_BE16` an
/// `NLA_U16` there, which would check the value in the wrong byte order).
pub(super) fn be_value_checks(m: &FamilyModel, pol: &Policies, o: &mut String) {
    let mut attrs: Vec<(String, &str)> = Vec::new();
    let views = pol
        .nested_policies
        .iter()
        .map(|v| pol.view(*v))
        .flat_map(|v| v.attrs.iter().map(move |a| (v.set, a.id, a.policy.clone())));
    let ops = pol.policies.iter().flat_map(|p| {
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
pub(super) fn policy_array(
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

pub(super) fn op_policy(m: &FamilyModel, out: &mut String, p: &OpPolicy) {
    let c = &m.commands[p.command].c_name;
    let line = format!("/* {c} - {} */", p.what);
    if display_len(&line) <= MAX_LINE {
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(out, "/* {c} */");
    }
    policy_array(m, out, "static ", &p.name, p.set, &p.entries);
}
