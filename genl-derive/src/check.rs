//! Every cross-field rule of the derives, in one place. Rules that need
//! values only the compiler knows (ids given as `const` paths, the types of
//! a subset's parent, the sets a family reaches) are emitted as `const`
//! assertions instead (see `emit`), with messages that name what is wrong.

use std::collections::BTreeMap;

use proc_macro2::Span;

use crate::ast::{
    AttrEnum, AttrEnumVariant, FamilyEnum, Field, Id, Set, Shape, MAX_ATTR_ID, MAX_GENL_NAME,
};
use crate::ctxt::Ctxt;

/// A literal id: 1..=16383 (0..=16383 in a set marked `id0`).
fn check_id(cx: &Ctxt, id: &Id) {
    check_id_in(cx, id, false)
}

fn check_id_in(cx: &Ctxt, id: &Id, id0: bool) {
    match id.literal() {
        Some(0) if !id0 => cx.error_at(
            id.span(),
            "attribute id 0 is reserved (NLA_UNSPEC); ids start at 1 \
             (a kernel set that really uses id 0 takes `#[genl(id0)]`)",
        ),
        Some(v) if v > MAX_ATTR_ID => cx.error_at(
            id.span(),
            format!("attribute id {v} exceeds the largest netlink attribute id {MAX_ATTR_ID}"),
        ),
        _ => {}
    }
}

/// Literal ids must be unique; `items` are (id, owner name).
fn check_duplicate_ids(cx: &Ctxt, items: &[(&Id, String)]) {
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    for (id, name) in items {
        let Some(v) = id.literal() else { continue };
        match seen.get(&v) {
            Some(first) => cx.error_at(
                id.span(),
                format!(
                    "duplicate attribute id {v}: already used by `{first}`; `{name}` needs its own"
                ),
            ),
            None => {
                seen.insert(v, name);
            }
        }
    }
}

/// The constants the derive defines must be distinct, and must not shadow
/// the set's own `SCHEMA`.
fn check_const_names<'a>(cx: &Ctxt, items: impl Iterator<Item = (&'a syn::Ident, &'a str)>) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (c, owner) in items {
        let name = c.to_string();
        if name == "SCHEMA" {
            cx.error_at(
                c.span(),
                format!("`{owner}` would define the id constant `SCHEMA`, which is the set's schema; rename it"),
            );
        } else if let Some(first) = seen.get(&name) {
            cx.error_at(
                c.span(),
                format!("`{owner}` and `{first}` would both define the id constant `{name}`; rename one"),
            );
        } else {
            seen.insert(name, owner);
        }
    }
}

pub fn set(cx: &Ctxt, s: &Set) {
    let subset = s.subset_of.is_some();
    for f in &s.fields {
        field(cx, s, f);
    }
    if subset {
        if let Some(pad) = &s.pad {
            cx.error_at(
                pad.span(),
                "a subset takes the pad attribute of the set it is a subset of; remove `pad`",
            );
        }
    } else {
        let mut ids: Vec<(&Id, String)> = s
            .fields
            .iter()
            .filter_map(|f| f.id.as_ref().map(|id| (id, f.name.clone())))
            .collect();
        if let Some(pad) = &s.pad {
            check_id(cx, pad);
            ids.push((pad, "the pad attribute".to_owned()));
        }
        check_duplicate_ids(cx, &ids);
    }
    check_const_names(
        cx,
        s.fields.iter().map(|f| (&f.const_ident, f.name.as_str())),
    );
    if s.id0 && subset {
        cx.error_spanned_by(
            &s.ident,
            "a subset takes `id0` from the set it is a subset of; remove `id0`",
        );
    }
    if let (Some(p), true) = (&s.c_prefix, subset) {
        cx.error_at(
            p.span(),
            "a subset renders as the set it is a subset of; its C prefix is that set's",
        );
    }
}

fn field(cx: &Ctxt, s: &Set, f: &Field) {
    match (&s.subset_of, &f.id) {
        (None, None) => cx.error_spanned_by(
            &f.ident,
            format!("field `{}` needs an attribute id: #[nla(id = N)]", f.name),
        ),
        (None, Some(id)) => check_id_in(cx, id, s.id0),
        (Some(_), Some(id)) => cx.error_at(
            id.span(),
            format!(
                "`{}`: a subset's fields take their id from the set they select from; remove `id`",
                f.name
            ),
        ),
        (Some(_), None) => {
            if let Some(span) = f.checks.span {
                cx.error_at(
                    span,
                    format!(
                        "`{}`: checks are declared once, on the set the subset selects from; remove them here",
                        f.name
                    ),
                );
            }
        }
    }
    if matches!(f.shape, Shape::Required | Shape::Optional) {
        if let Some(kind) = repeated_type(&f.value_ty) {
            let msg = if s.subset_of.is_some() {
                format!(
                    "`{}`: a {kind} field carries many values: a subset repeats the key its \
                     set declares the field with, #[nla(multi)] (repeated attribute) or \
                     #[nla(indexed)] (array nest)",
                    f.name
                )
            } else {
                format!(
                    "`{}`: a {kind} field carries many values: declare how, #[nla(id = N, \
                     multi)] (the attribute repeated) or #[nla(id = N, indexed)] (one nest \
                     whose children are numbered 1..=n)",
                    f.name
                )
            };
            cx.error_spanned_by(&f.value_ty, msg);
        }
    }
    if f.borrowed_multi && !matches!(f.shape, Shape::Multi | Shape::Indexed) {
        cx.error_spanned_by(
            &f.ident,
            "`CheckedMulti<'a, T>` fields are `multi` or `indexed`",
        );
    }
}

/// `Vec<T>` (but `Vec<u8>`, bytes, and `Vec<Keyed<T>>`, a keyed nest),
/// `CheckedMulti<'a, T>` or `DeferredMulti<'a, T>`: a type that needs `multi` or
/// `indexed`, named for the message.
fn repeated_type(ty: &syn::Type) -> Option<&'static str> {
    if let Some((_, lazy)) = crate::ast::multi_item(ty) {
        return Some(if lazy {
            "`DeferredMulti`"
        } else {
            "`CheckedMulti`"
        });
    }
    let inner = crate::ast::unwrap_generic(ty, "Vec")?;
    let plain = |t: &syn::Type, name: &str| match t {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    };
    if plain(inner, "u8") || plain(inner, "Keyed") {
        return None;
    }
    Some("`Vec`")
}

pub fn attr_enum(cx: &Ctxt, s: &AttrEnum) {
    let others: Vec<_> = s
        .variants
        .iter()
        .filter_map(|v| match v {
            AttrEnumVariant::Other { ident } => Some(ident),
            _ => None,
        })
        .collect();
    if others.len() > 1 {
        cx.error_spanned_by(others[1], "only one variant can be `#[nla(other)]`");
    }
    let mut ids = Vec::new();
    for v in &s.variants {
        if let AttrEnumVariant::Attr {
            ident,
            const_ident,
            id,
            ..
        } = v
        {
            match id {
                None => cx.error_spanned_by(
                    ident,
                    format!("variant `{ident}` needs an attribute id: #[nla(id = N)]"),
                ),
                Some(id) => {
                    check_id(cx, id);
                    ids.push((id, ident.to_string()));
                }
            }
            if const_ident == ident {
                cx.error_spanned_by(
                    ident,
                    format!("variant `{ident}`'s id constant would be `{ident}`, the variant itself; use CamelCase (e.g. `{}`)", genl_rules::case::camel(&ident.to_string())),
                );
            }
        }
    }
    check_duplicate_ids(cx, &ids);
    let consts: Vec<(&syn::Ident, String)> = s
        .variants
        .iter()
        .filter_map(|v| match v {
            AttrEnumVariant::Attr {
                ident, const_ident, ..
            } => Some((const_ident, ident.to_string())),
            _ => None,
        })
        .collect();
    check_const_names(cx, consts.iter().map(|(c, o)| (*c, o.as_str())));
}

pub fn family(cx: &Ctxt, f: &FamilyEnum) {
    match &f.name {
        None => cx.error_spanned_by(
            &f.ident,
            "a family needs a name: #[genl(name = \"my_family\")]",
        ),
        Some(n) => {
            let v = n.value();
            if v.is_empty() || v.len() > MAX_GENL_NAME {
                cx.error_at(
                    n.span(),
                    format!(
                        "family names have 1 to {MAX_GENL_NAME} bytes (GENL_NAMSIZ), `{v}` has {}",
                        v.len()
                    ),
                );
            }
        }
    }
    for g in &f.mcast_groups {
        let v = g.value();
        if v.is_empty() || v.len() > MAX_GENL_NAME {
            cx.error_at(
                g.span(),
                format!("multicast group names have 1 to {MAX_GENL_NAME} bytes"),
            );
        }
    }
    if let Some(h) = &f.uapi_header {
        let v = h.value();
        let ok = v.ends_with(".h")
            && !v.starts_with('/')
            && !v.split('/').any(|p| p.is_empty() || p == "..")
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.'));
        if !ok {
            cx.error_at(
                h.span(),
                "`uapi_header` is a relative header path under include/uapi/, e.g. \"linux/my_family.h\"",
            );
        }
    }
    let mut numbers: BTreeMap<u64, &syn::Ident> = BTreeMap::new();
    for c in &f.commands {
        let Some((n, span)) = c.cmd else {
            cx.error_spanned_by(&c.ident, "a command needs a number: #[genl(cmd = N)]");
            continue;
        };
        if n == 0 {
            cx.error_at(
                span,
                "command 0 is reserved (CMD_UNSPEC); commands start at 1",
            );
        } else if n > 255 {
            cx.error_at(span, "command numbers are u8");
        } else if let Some(first) = numbers.get(&n) {
            cx.error_at(
                span,
                format!("duplicate command number {n}: already used by `{first}`"),
            );
        } else {
            numbers.insert(n, &c.ident);
        }
        command(cx, f, c);
    }
}

fn command(cx: &Ctxt, f: &FamilyEnum, c: &crate::ast::Command) {
    let name = &c.ident;
    if let Some(ev) = &c.event {
        let conflict: Vec<(&str, Option<Span>)> = vec![
            (
                "request",
                c.request.as_ref().map(syn::spanned::Spanned::span),
            ),
            ("dump", c.dump),
            ("dump_only", c.dump_only),
            (
                "dump_request",
                c.dump_request.as_ref().map(syn::spanned::Spanned::span),
            ),
            ("admin_perm", c.admin_perm),
        ];
        for (key, span) in conflict {
            if let Some(span) = span {
                cx.error_at(
                    span,
                    format!("`{name}` is an event (sent by the kernel): `{key}` does not apply; declare the operation as a command of its own"),
                );
            }
        }
        if c.reply.is_none() {
            cx.error_at(
                ev.span,
                format!("event `{name}` needs the set it carries: `reply = Set`"),
            );
        }
        match &ev.group {
            Some(g) if !f.mcast_groups.iter().any(|x| x.value() == g.value()) => {
                {
                    let known: Vec<String> =
                        f.mcast_groups.iter().map(|x| format!("{:?}", x.value())).collect();
                    cx.error_at(
                        g.span(),
                        format!(
                            "event `{name}` goes to group {:?}, which the family does not declare (mcast_groups: {})",
                            g.value(),
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ),
                    );
                }
            }
            Some(_) => {}
            None if f.mcast_groups.len() != 1 => cx.error_at(
                ev.span,
                format!(
                    "event `{name}`: name its multicast group, `event = \"group\"` (the family has {} groups)",
                    f.mcast_groups.len()
                ),
            ),
            None => {}
        }
        return;
    }
    if let (Some(a), Some(_)) = (c.dump, c.dump_only) {
        cx.error_at(a, "`dump` and `dump_only` exclude each other");
    }
    if let Some(t) = &c.dump_request {
        if c.dump.is_none() {
            cx.error_spanned_by(
                t,
                "`dump_request` is the request of the dump: add `dump` (with `dump_only`, `request` is the dump's request)",
            );
        }
    }
    if (c.dump.is_some() || c.dump_only.is_some()) && c.reply.is_none() {
        cx.error_at(
            c.dump.or(c.dump_only).expect("checked"),
            format!("the dump of `{name}` needs the set each message carries: `reply = Set`"),
        );
    }
}
