//! `#[derive(Attrs)]`: an enum as an open attribute stream.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput};

use crate::ctxt::Ctxt;
use crate::gen_set::{attr_schema, codec_ty, lifetimes, Lifetimes};
use crate::model::{self, StreamVariant};

pub fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::default();
    let lt = lifetimes(&cx, input);
    let set_attrs = model::parse_set_attrs(&cx, &input.attrs);
    let variants: Vec<StreamVariant> = match &input.data {
        Data::Enum(e) => e
            .variants
            .iter()
            .filter_map(|v| model::parse_stream_variant(&cx, v))
            .collect(),
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(Attrs)] needs an enum; use #[derive(AttrSet)] on a struct",
            );
            Vec::new()
        }
    };
    let others: Vec<_> = variants
        .iter()
        .filter_map(|v| match v {
            StreamVariant::Other { ident } => Some(ident),
            _ => None,
        })
        .collect();
    if others.len() > 1 {
        cx.error_spanned_by(others[1], "only one variant can be `#[nla(other)]`");
    }
    let ids: Vec<_> = variants
        .iter()
        .filter_map(|v| match v {
            StreamVariant::Attr {
                ident, id, id_span, ..
            } => Some((*id, ident.to_string(), *id_span)),
            _ => None,
        })
        .collect();
    model::check_duplicate_ids(&cx, &ids);
    cx.check()?;
    Ok(generate(input, &lt, &set_attrs, &variants))
}

fn generate(
    input: &DeriveInput,
    lt: &Lifetimes,
    set_attrs: &model::SetAttrs,
    variants: &[StreamVariant],
) -> TokenStream {
    let set_name = input.ident.to_string();
    let Lifetimes {
        impl_de,
        impl_plain,
        ty,
        de,
    } = lt;
    let c_prefix = match &set_attrs.c_prefix {
        Some(p) => quote!(::core::option::Option::Some(#p)),
        None => quote!(::core::option::Option::None),
    };
    let doc = model::doc_of(&input.attrs);
    let mut schema_attrs = Vec::new();
    let mut decode_arms = Vec::new();
    let mut encode_arms = Vec::new();
    let mut fallback = quote! {
        _ => ::core::result::Result::Err(
            ::genl_core::__private::unknown_attr(__attr).in_set(#set_name),
        ),
    };
    let mut idx = 0usize;
    for v in variants {
        match v {
            StreamVariant::Other { ident } => {
                fallback = quote! {
                    _ => ::core::result::Result::Ok(Self::#ident(__attr.id, __attr.value)),
                };
                encode_arms.push(quote! {
                    Self::#ident(id, value) => __w.put(*id, value),
                });
            }
            StreamVariant::Attr {
                ident,
                id,
                value_ty,
                be,
                checks,
                doc,
                span,
                ..
            } => {
                let name = ident.to_string();
                let flag_ty: syn::Type = syn::parse_quote!(bool);
                let vt = value_ty.as_ref().unwrap_or(&flag_ty);
                schema_attrs.push(attr_schema(
                    &name,
                    *id,
                    vt,
                    *be,
                    false,
                    quote!(::genl_core::schema::Presence::Multi),
                    checks,
                    doc,
                ));
                let this_idx = idx;
                idx += 1;
                if value_ty.is_none() {
                    decode_arms.push(quote_spanned! {*span=>
                        #id => <bool as ::genl_core::NlaValue<#de>>::decode_attr(__attr)
                            .map(|_| Self::#ident)
                            .map_err(|e| e.within(#set_name, #name)),
                    });
                    encode_arms.push(quote! {
                        Self::#ident => { __w.put_flag(#id); ::core::result::Result::Ok(()) }
                    });
                    continue;
                }
                let ct = codec_ty(vt, *be);
                let unwrap_be = if *be { quote!(.0) } else { quote!() };
                let val = if *be {
                    quote!(&::genl_core::Be(*__v))
                } else {
                    quote!(__v)
                };
                let (dcheck, echeck) = if checks.is_empty() {
                    (quote!(), quote!())
                } else {
                    (
                        quote! {
                            ::genl_core::__private::check_decoded(
                                &__v,
                                &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[#this_idx].checks,
                                __attr,
                            ).map_err(|e| e.within(#set_name, #name))?;
                        },
                        quote! {
                            ::genl_core::__private::check_encoded(
                                #val,
                                &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[#this_idx].checks,
                            ).map_err(|e| e.within(#set_name, #name))?;
                        },
                    )
                };
                decode_arms.push(quote_spanned! {*span=>
                    #id => {
                        let __v = <#ct as ::genl_core::NlaValue<#de>>::decode_attr(__attr)
                            .map_err(|e| e.within(#set_name, #name))?;
                        #dcheck
                        ::core::result::Result::Ok(Self::#ident(__v #unwrap_be))
                    }
                });
                encode_arms.push(quote_spanned! {*span=>
                    Self::#ident(__v) => {
                        #echeck
                        ::genl_core::NlaValue::encode_attr(#val, __w, #id)
                            .map_err(|e| e.within(#set_name, #name))
                    }
                });
            }
        }
    }
    quote! {
        impl #impl_plain ::genl_core::AttrSet for #ty {
            const SCHEMA: &'static ::genl_core::schema::AttrSetSchema =
                &::genl_core::schema::AttrSetSchema {
                    name: #set_name,
                    c_prefix: #c_prefix,
                    attrs: &[#(#schema_attrs),*],
                    doc: #doc,
                };
        }

        impl #impl_de ::genl_core::AttrEnum<#de> for #ty {
            #[inline]
            fn decode_one(
                __attr: &::genl_core::Attr<#de>,
            ) -> ::core::result::Result<Self, ::genl_core::DecodeError> {
                match __attr.id {
                    #(#decode_arms)*
                    #fallback
                }
            }
            #[inline]
            fn encode_one(
                &self,
                __w: &mut ::genl_core::AttrWriter<'_>,
            ) -> ::core::result::Result<(), ::genl_core::EncodeError> {
                match self {
                    #(#encode_arms)*
                }
            }
        }
    }
}
