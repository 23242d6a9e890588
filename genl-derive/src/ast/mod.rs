//! The whole-container model: a derive input parsed into plain data, with
//! every attribute (`#[genl(...)]`, `#[nla(...)]`) read once. Parsing errors
//! go to the [`Ctxt`] with their spans; cross-field rules are checked in
//! [`crate::check`], and the emitters read only this model.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Type};

use crate::ctxt::Ctxt;

mod attr_enum;
mod family;
mod set;
mod value_enum;

pub use attr_enum::*;
pub use family::*;
pub use set::*;
pub use value_enum::*;

/// Largest attribute id (`NLA_TYPE_MASK`), as the parsed ids' type.
pub const MAX_ATTR_ID: u64 = genl_rules::limits::MAX_ATTR_ID as u64;
/// Longest family or multicast group name (`GENL_NAMSIZ - 1`).
pub const MAX_GENL_NAME: usize = genl_rules::limits::GENL_NAME_MAX;

// ---------------------------------------------------------------------------
// Small pieces shared by every container.

/// The doc comment of an item, lines joined with `\n`, trimmed.
pub fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                lines.push(s.value().trim().to_owned());
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

/// A Rust identifier made of [`genl_rules::case::screaming`]'s words
/// (`delay_ms` → `DELAY_MS`): `_` before a leading digit, or for an empty
/// name (`_6rd_prefix` → `_6RD_PREFIX`).
pub fn screaming_ident(s: &str) -> String {
    ident_start(genl_rules::case::screaming(s))
}

/// A Rust identifier made of [`genl_rules::case::snake`]'s words
/// (`KvFamily` → `kv_family`), as [`screaming_ident`].
pub fn snake_ident(s: &str) -> String {
    ident_start(genl_rules::case::snake(s))
}

/// `s` with `_` in front when it is empty or starts with a digit.
fn ident_start(mut s: String) -> String {
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn lit_u64(meta: &ParseNestedMeta<'_>) -> syn::Result<(u64, Span)> {
    let lit: LitInt = meta.value()?.parse()?;
    Ok((lit.base10_parse::<u64>()?, lit.span()))
}

fn lit_u32(meta: &ParseNestedMeta<'_>) -> syn::Result<u32> {
    let (v, span) = lit_u64(meta)?;
    u32::try_from(v).map_err(|_| syn::Error::new(span, "too large for a u32"))
}

fn lit_i64(meta: &ParseNestedMeta<'_>) -> syn::Result<i64> {
    let expr: Expr = meta.value()?.parse()?;
    let int = |e: &Expr| match e {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Some(i.clone()),
        _ => None,
    };
    match &expr {
        e if int(e).is_some() => int(e).expect("checked").base10_parse::<i64>(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) if int(inner).is_some() => int(inner)
            .expect("checked")
            .base10_parse::<i64>()
            .map(|v| -v),
        _ => Err(syn::Error::new_spanned(
            &expr,
            "expected an integer literal",
        )),
    }
}

fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| {
            let p = &meta.path;
            quote!(#p).to_string()
        })
}

fn unknown_key(meta: &ParseNestedMeta<'_>, what: &str, expected: &str) -> syn::Error {
    meta.error(format!(
        "unknown {what} key `{}`; expected one of {expected}",
        key_name(meta)
    ))
}

/// An attribute id: an integer literal, or a path to a `u16` constant.
#[derive(Clone)]
pub enum Id {
    /// `id = 3`.
    Lit(u64, Span),
    /// `id = ids::KEY`.
    Path(syn::Path),
}

impl Id {
    fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<Id> {
        let expr: Expr = meta.value()?.parse()?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => Ok(Id::Lit(i.base10_parse::<u64>()?, i.span())),
            Expr::Path(p) if p.qself.is_none() => Ok(Id::Path(p.path)),
            other => Err(syn::Error::new_spanned(
                other,
                "expected an integer literal or the path of a `u16` constant",
            )),
        }
    }

    /// The literal value, when the id is one.
    pub fn literal(&self) -> Option<u64> {
        match self {
            Id::Lit(v, _) => Some(*v),
            Id::Path(_) => None,
        }
    }

    /// Where the id was written.
    pub fn span(&self) -> Span {
        match self {
            Id::Lit(_, s) => *s,
            Id::Path(p) => p.span(),
        }
    }
}

impl ToTokens for Id {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Id::Lit(v, span) => {
                // As a u16 literal (validated in `check`; out-of-range values
                // are reported there, this only keeps the output parseable).
                let v = u16::try_from(*v).unwrap_or(u16::MAX);
                tokens.extend(quote::quote_spanned!(*span=> #v));
            }
            Id::Path(p) => p.to_tokens(tokens),
        }
    }
}

/// The generic argument of `Wrapper<T>` when `ty` is exactly that.
pub fn unwrap_generic<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// The item type `T` of `CheckedMulti<'a, T>` or `DeferredMulti<'a, T>` (any path
/// ending in either), and whether it is the lazy one.
pub fn multi_item(ty: &Type) -> Option<(&Type, bool)> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    let deferred = if seg.ident == "CheckedMulti" {
        false
    } else if seg.ident == "DeferredMulti" {
        true
    } else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (types.next(), types.next()) {
        (Some(t), None) => Some((t, deferred)),
        _ => None,
    }
}

fn is_bool(ty: &Type) -> bool {
    matches!(ty, Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("bool"))
}

/// The lifetime parameter of a set or attribute enum (at most one: the receive
/// buffer's).
pub fn lifetime(cx: &Ctxt, input: &syn::DeriveInput) -> Option<syn::Lifetime> {
    for p in &input.generics.params {
        if !matches!(p, syn::GenericParam::Lifetime(_)) {
            cx.error_spanned_by(p, "genl derives support lifetime parameters only");
        }
    }
    let lts: Vec<_> = input.generics.lifetimes().collect();
    if lts.len() > 1 {
        cx.error_spanned_by(
            &input.generics,
            "genl derives support at most one lifetime parameter (the receive buffer's)",
        );
    }
    lts.first().map(|l| l.lifetime.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_module_names_are_identifiers() {
        assert_eq!(screaming_ident("delay_ms"), "DELAY_MS");
        assert_eq!(screaming_ident("r#type"), "TYPE");
        assert_eq!(screaming_ident("_6rd_prefix"), "_6RD_PREFIX");
        assert_eq!(snake_ident("KvFamily"), "kv_family");
        assert_eq!(snake_ident("_6Cmd"), "_6_cmd");
    }
}
