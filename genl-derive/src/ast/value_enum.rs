//! Value enums (`#[derive(ValueEnum)]`).

use super::*;

/// `#[derive(ValueEnum)]` on a C-like enum.
pub struct ValueEnum {
    pub ident: Ident,
    pub c_prefix: Option<LitStr>,
    /// `#[genl(flags)]`: each variant is one bit.
    pub flags: bool,
    /// `u8`..`u64` from `#[repr]`, default `u32`.
    pub repr: Ident,
    pub doc: String,
    /// Variant and its doc.
    pub variants: Vec<(Ident, String)>,
}

impl ValueEnum {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> ValueEnum {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "value enums take no generic parameters");
        }
        let mut c_prefix = None;
        let mut flags = false;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("genl")) {
            let r = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("c_prefix") {
                    c_prefix = Some(lit_str(&meta)?);
                    Ok(())
                } else if meta.path.is_ident("flags") {
                    flags = true;
                    Ok(())
                } else {
                    Err(unknown_key(&meta, "#[genl]", "`c_prefix`, `flags`"))
                }
            });
            if let Err(e) = r {
                cx.syn_error(e);
            }
        }
        let mut repr = None;
        for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
            let _ = a.parse_nested_meta(|meta| {
                for t in ["u8", "u16", "u32", "u64"] {
                    if meta.path.is_ident(t) {
                        repr = Some(Ident::new(t, meta.path.span()));
                    }
                }
                Ok(())
            });
        }
        let mut variants = Vec::new();
        match &input.data {
            syn::Data::Enum(e) => {
                for v in &e.variants {
                    if !matches!(v.fields, syn::Fields::Unit) {
                        cx.error_spanned_by(&v.ident, "value enum variants carry no data");
                        continue;
                    }
                    variants.push((v.ident.clone(), doc_of(&v.attrs)));
                }
            }
            _ => cx.error_spanned_by(&input.ident, "#[derive(ValueEnum)] needs an enum"),
        }
        ValueEnum {
            ident: input.ident.clone(),
            c_prefix,
            flags,
            repr: repr.unwrap_or_else(|| Ident::new("u32", Span::call_site())),
            doc: doc_of(&input.attrs),
            variants,
        }
    }
}
