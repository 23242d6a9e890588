//! `#[derive(ValueEnum)]`: a C-like enum carried in an integer attribute.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput};

use crate::ctxt::Ctxt;
use crate::model;

pub fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::default();
    model::check_generics(&cx, input);
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "value enums take no generic parameters");
    }
    let set_attrs = model::parse_set_attrs(&cx, &input.attrs);
    let mut repr = None;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let _ = a.parse_nested_meta(|meta| {
            for t in ["u8", "u16", "u32", "u64"] {
                if meta.path.is_ident(t) {
                    repr = Some(syn::Ident::new(
                        t,
                        meta.path
                            .get_ident()
                            .map_or_else(proc_macro2::Span::call_site, |i| i.span()),
                    ));
                }
            }
            Ok(())
        });
    }
    let repr = repr.unwrap_or_else(|| syn::Ident::new("u32", proc_macro2::Span::call_site()));
    let mut variants = Vec::new();
    match &input.data {
        Data::Enum(e) => {
            for v in &e.variants {
                if !matches!(v.fields, syn::Fields::Unit) {
                    cx.error_spanned_by(&v.ident, "value enum variants carry no data");
                    continue;
                }
                variants.push((v.ident.clone(), model::doc_of(&v.attrs)));
            }
        }
        _ => cx.error_spanned_by(&input.ident, "#[derive(ValueEnum)] needs an enum"),
    }
    cx.check()?;

    let name = &input.ident;
    let name_str = name.to_string();
    let doc = model::doc_of(&input.attrs);
    let c_prefix = match &set_attrs.c_prefix {
        Some(p) => quote!(::core::option::Option::Some(#p)),
        None => quote!(::core::option::Option::None),
    };
    let schema_variants = variants.iter().map(|(ident, doc)| {
        let vname = ident.to_string();
        quote! {
            ::genl_core::schema::EnumVariant {
                name: #vname,
                value: #name::#ident as u64,
                doc: #doc,
            }
        }
    });
    let from_arms = variants.iter().map(|(ident, _)| {
        quote!(x if x == #name::#ident as u64 => ::core::option::Option::Some(#name::#ident),)
    });
    Ok(quote! {
        impl ::genl_core::ValueEnum for #name {
            const SCHEMA: &'static ::genl_core::schema::ValueEnumSchema =
                &::genl_core::schema::ValueEnumSchema {
                    name: #name_str,
                    c_prefix: #c_prefix,
                    variants: &[#(#schema_variants),*],
                    doc: #doc,
                };
            #[inline]
            fn to_value(self) -> u64 {
                self as u64
            }
            #[inline]
            fn from_value(v: u64) -> ::core::option::Option<Self> {
                match v {
                    #(#from_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl<'__de> ::genl_core::NlaValue<'__de> for #name {
            const TYPE: ::genl_core::schema::AttrType =
                <#repr as ::genl_core::NlaValue<'static>>::TYPE;
            const VALUE_ENUM: ::core::option::Option<&'static ::genl_core::schema::ValueEnumSchema> =
                ::core::option::Option::Some(<Self as ::genl_core::ValueEnum>::SCHEMA);
            #[inline]
            fn encode_attr(
                &self,
                w: &mut ::genl_core::AttrWriter<'_>,
                id: u16,
            ) -> ::core::result::Result<(), ::genl_core::EncodeError> {
                ::genl_core::NlaValue::encode_attr(&(*self as #repr), w, id)
            }
            #[inline]
            fn decode_attr(
                attr: &::genl_core::Attr<'__de>,
            ) -> ::core::result::Result<Self, ::genl_core::DecodeError> {
                let raw = <#repr as ::genl_core::NlaValue<'__de>>::decode_attr(attr)?;
                <Self as ::genl_core::ValueEnum>::from_value(raw as u64).ok_or_else(|| {
                    ::genl_core::__private::unknown_enum_value(#name_str, raw as u64, attr)
                })
            }
        }
    })
}
