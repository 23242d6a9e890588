//! `#[derive(ValueEnum)]`: a C-like enum carried in an integer attribute.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::ValueEnum;
use crate::emit::common;

pub fn emit(e: &ValueEnum) -> TokenStream {
    let name = &e.ident;
    let name_str = name.to_string();
    let path = common::type_path(name);
    let doc = &e.doc;
    let repr = &e.repr;
    let c_prefix = common::opt(e.c_prefix.as_ref());
    let schema_variants = e.variants.iter().map(|(ident, doc)| {
        let vname = ident.to_string();
        quote! {
            ::genl_core::schema::EnumVariant {
                name: #vname,
                value: #name::#ident as u64,
                doc: #doc,
            }
        }
    });
    let flags = e.flags;
    let bit_checks = e.variants.iter().filter(|_| e.flags).map(|(ident, _)| {
        let msg =
            format!("{name_str}::{ident}: a flags enum's variants are single bits (1, 2, 4, ...)");
        quote!(::core::assert!((#name::#ident as u64).is_power_of_two(), #msg);)
    });
    let from_arms = e.variants.iter().map(|(ident, _)| {
        quote!(x if x == #name::#ident as u64 => ::core::option::Option::Some(#name::#ident),)
    });
    let bitor = if e.flags {
        quote! {
            impl ::core::ops::BitOr for #name {
                type Output = ::genl_core::Flags<#name>;
                #[inline]
                fn bitor(self, rhs: #name) -> ::genl_core::Flags<#name> {
                    ::genl_core::Flags::from(self) | rhs
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        const _: () = { #(#bit_checks)* };
        #bitor

        impl ::genl_core::ValueEnum for #name {
            const SCHEMA: &'static ::genl_core::schema::ValueEnumSchema =
                &::genl_core::schema::ValueEnumSchema {
                    name: #name_str,
                    path: #path,
                    c_prefix: #c_prefix,
                    variants: &[#(#schema_variants),*],
                    flags: #flags,
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
                    ::genl_core::__private::unknown_enum_value(#name_str, raw as u64, attr.offset)
                })
            }
        }
    }
}
