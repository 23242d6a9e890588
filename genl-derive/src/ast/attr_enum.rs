//! Attribute enums (`#[derive(AttrEnum)]`): an enum whose variants are
//! the attributes of an open set, and the `#[nla(...)]` keys on them.

use super::set::{parse_nla, parse_set_keys};
use super::*;

/// One variant of an attribute enum.
#[allow(clippy::large_enum_variant)] // a handful per derive, at compile time
pub enum AttrEnumVariant {
    /// `#[nla(id = N)] Name(T)` or a unit flag variant.
    Attr {
        ident: Ident,
        const_ident: Ident,
        id: Option<Id>,
        value_ty: Option<Type>,
        be: bool,
        checks: Checks,
        doc: String,
        span: Span,
    },
    /// `#[nla(other)] Other(u16, &'a [u8])`.
    Other { ident: Ident },
}

fn parse_attr_enum_variant(cx: &Ctxt, v: &syn::Variant) -> Option<AttrEnumVariant> {
    let nla = parse_nla(cx, &v.attrs, true);
    let ident = v.ident.clone();
    if nla.other.is_some() {
        let ok = matches!(&v.fields, syn::Fields::Unnamed(u) if u.unnamed.len() == 2);
        if !ok {
            cx.error_spanned_by(
                &v.ident,
                "the `other` variant must have two fields: `Other(u16, &'a [u8])`",
            );
            return None;
        }
        return Some(AttrEnumVariant::Other { ident });
    }
    for (span, key) in [(nla.multi, "multi"), (nla.indexed, "indexed")] {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!(
                    "`{key}` is for struct fields; in an attribute enum every attribute may repeat"
                ),
            );
        }
    }
    let value_ty = match &v.fields {
        syn::Fields::Unit => None,
        syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => Some(u.unnamed[0].ty.clone()),
        _ => {
            cx.error_spanned_by(
                &v.ident,
                "attribute enum variants carry one value: `Name(T)`, or none for a flag",
            );
            return None;
        }
    };
    Some(AttrEnumVariant::Attr {
        const_ident: Ident::new(&screaming_ident(&ident.to_string()), ident.span()),
        ident,
        id: nla.id,
        value_ty,
        be: nla.be.is_some(),
        checks: nla.checks,
        doc: doc_of(&v.attrs),
        span: v.span(),
    })
}

/// `#[derive(AttrEnum)]` on an enum.
pub struct AttrEnum {
    pub ident: Ident,
    pub lifetime: Option<syn::Lifetime>,
    pub name: String,
    pub c_prefix: Option<LitStr>,
    pub doc: String,
    pub variants: Vec<AttrEnumVariant>,
}

impl AttrEnum {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> AttrEnum {
        let keys = parse_set_keys(cx, &input.attrs, true);
        let variants = match &input.data {
            syn::Data::Enum(e) => e
                .variants
                .iter()
                .filter_map(|v| parse_attr_enum_variant(cx, v))
                .collect(),
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(AttrEnum)] needs an enum; use #[derive(AttrSet)] on a struct",
                );
                Vec::new()
            }
        };
        AttrEnum {
            lifetime: lifetime(cx, input),
            name: keys
                .name
                .map_or_else(|| input.ident.to_string(), |n| n.value()),
            ident: input.ident.clone(),
            c_prefix: keys.c_prefix,
            doc: doc_of(&input.attrs),
            variants,
        }
    }
}
