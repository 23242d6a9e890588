//! `#[derive(AttrEnum)]`: an enum whose variants are the attributes of an
//! open set.

use genl_rules::limits::MAX_ATTR_ID;
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::{AttrEnum, AttrEnumVariant, Id};
use crate::emit::common::{self, Lifetimes};

pub fn emit(s: &AttrEnum) -> TokenStream {
    let lt = Lifetimes::new(&s.ident, &s.lifetime);
    let set_name = &s.name;
    let Lifetimes {
        impl_de,
        impl_plain,
        ty,
        ty_static,
        de,
    } = &lt;
    let path = common::type_path(&s.ident);
    let c_prefix = common::opt(s.c_prefix.as_ref());
    let doc = &s.doc;
    let mut id_consts = Vec::new();
    let mut schema_attrs = Vec::new();
    let mut decode_arms = Vec::new();
    let mut encode_arms = Vec::new();
    let mut path_ids: Vec<(&Id, String, TokenStream)> = Vec::new();
    let mut fallback = quote! {
        _ => ::core::result::Result::Err(
            ::genl_core::__private::unknown_attr(__attr.id, __attr.offset).in_set(#set_name),
        ),
    };
    let mut idx = 0usize;
    for v in &s.variants {
        match v {
            AttrEnumVariant::Other { ident } => {
                fallback = quote! {
                    _ => ::core::result::Result::Ok(Self::#ident(__attr.id, __attr.value)),
                };
                encode_arms.push(quote! {
                    Self::#ident(id, value) => __w.put(*id, value),
                });
            }
            AttrEnumVariant::Attr {
                ident,
                const_ident: c,
                id,
                value_ty,
                be,
                checks,
                doc,
                span,
            } => {
                let name = ident.to_string();
                let id = id
                    .as_ref()
                    .expect("checked: every attribute variant has an id");
                let iddoc = format!("Attribute id of [`Self::{name}`].");
                id_consts.push(quote! {
                    #[doc = #iddoc]
                    pub const #c: u16 = #id;
                });
                path_ids.push((id, format!("`{name}`"), quote!(<#ty_static>::#c)));
                let flag_ty: syn::Type = syn::parse_quote!(bool);
                let vt = value_ty.as_ref().unwrap_or(&flag_ty);
                let value = common::value_impl(vt, *be);
                let attr_ty = common::attr_type(vt, *be, false);
                let checks_lit = common::checks(checks, vt, *be);
                schema_attrs.push(quote! {
                    ::genl_core::schema::AttrSchema {
                        name: #name,
                        id: Self::#c,
                        ty: #attr_ty,
                        value_enum: #value::VALUE_ENUM,
                        byte_order: #value::BYTE_ORDER,
                        presence: ::genl_core::schema::Presence::Multi,
                        checks: #checks_lit,
                        doc: #doc,
                    }
                });
                let this_idx = idx;
                idx += 1;
                if value_ty.is_none() {
                    decode_arms.push(quote_spanned! {*span=>
                        Self::#c => <bool as ::genl_core::NlaValue<#de>>::decode_attr(__attr)
                            .map(|_| Self::#ident)
                            .map_err(|e| e.within(#set_name, #name)),
                    });
                    encode_arms.push(quote! {
                        Self::#ident => { __w.put_flag(Self::#c); ::core::result::Result::Ok(()) }
                    });
                    continue;
                }
                let ct = common::codec_ty(vt, *be);
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
                    Self::#c => {
                        let __v = <#ct as ::genl_core::NlaValue<#de>>::decode_attr(__attr)
                            .map_err(|e| e.within(#set_name, #name))?;
                        #dcheck
                        ::core::result::Result::Ok(Self::#ident(__v #unwrap_be))
                    }
                });
                encode_arms.push(quote_spanned! {*span=>
                    Self::#ident(__v) => {
                        #echeck
                        ::genl_core::NlaValue::encode_attr(#val, __w, Self::#c)
                            .map_err(|e| e.within(#set_name, #name))
                    }
                });
            }
        }
    }
    // Ids given as paths: range and uniqueness, checked by the compiler.
    let mut asserts = Vec::new();
    let max = Literal::u16_unsuffixed(MAX_ATTR_ID);
    let ident = &s.ident;
    for (i, (id, what, expr)) in path_ids.iter().enumerate() {
        if id.literal().is_some() {
            continue;
        }
        let range = format!("{ident}: the id of {what} must be 1..={MAX_ATTR_ID}");
        asserts.push(quote!(::core::assert!(#expr >= 1 && #expr <= #max, #range);));
        for (j, (oid, other, oexpr)) in path_ids.iter().enumerate() {
            if j == i || (j > i && oid.literal().is_none()) {
                continue;
            }
            let dup = format!("{ident}: {what} and {other} have the same attribute id");
            asserts.push(quote!(::core::assert!(#expr != #oexpr, #dup);));
        }
    }
    let const_checks = if asserts.is_empty() {
        quote!()
    } else {
        quote!(const _: () = { #(#asserts)* };)
    };
    quote! {
        #[allow(non_upper_case_globals)]
        impl #impl_plain #ty {
            #(#id_consts)*
        }

        #const_checks

        impl #impl_plain ::genl_core::AttrSet for #ty {
            const SCHEMA: &'static ::genl_core::schema::AttrSetSchema =
                &::genl_core::schema::AttrSetSchema {
                    name: #set_name,
                    path: #path,
                    c_prefix: #c_prefix,
                    subset_of: ::core::option::Option::None,
                    pad: ::core::option::Option::None,
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
