//! `#[derive(AttrSet)]`: model → encoder, borrowing decoder, schema, and
//! `NlaValue` (so the set can be nested).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DataStruct, DeriveInput, Fields, Type};

use crate::ctxt::Ctxt;
use crate::model::{self, Field, Shape};

/// The lifetime the decoder borrows with: the struct's own, or a fresh one.
pub struct Lifetimes {
    /// `impl<...>` parameters for `Decode`/`NlaValue` impls.
    pub impl_de: TokenStream,
    /// `impl<...>` parameters for the other impls.
    pub impl_plain: TokenStream,
    /// The type with its parameters, `Name<'a>`.
    pub ty: TokenStream,
    /// The decode lifetime, `'a` or `'__de`.
    pub de: syn::Lifetime,
}

pub fn lifetimes(cx: &Ctxt, input: &DeriveInput) -> Lifetimes {
    model::check_generics(cx, input);
    let name = &input.ident;
    let lts: Vec<_> = input.generics.lifetimes().collect();
    if lts.len() > 1 {
        cx.error_spanned_by(
            &input.generics,
            "genl derives support at most one lifetime parameter (the receive buffer's)",
        );
    }
    match lts.first() {
        Some(l) => {
            let lt = l.lifetime.clone();
            Lifetimes {
                impl_de: quote!(<#lt>),
                impl_plain: quote!(<#lt>),
                ty: quote!(#name<#lt>),
                de: lt,
            }
        }
        None => {
            let de = syn::Lifetime::new("'__de", proc_macro2::Span::call_site());
            Lifetimes {
                impl_de: quote!(<#de>),
                impl_plain: quote!(),
                ty: quote!(#name),
                de,
            }
        }
    }
}

/// The type the codec runs on for one value: `T`, or `Be<T>` for `be` fields.
pub fn codec_ty(ty: &Type, be: bool) -> TokenStream {
    if be {
        quote!(::genl_core::Be<#ty>)
    } else {
        quote!(#ty)
    }
}

/// The schema's `AttrSchema` literal for one attribute.
#[allow(clippy::too_many_arguments)]
pub fn attr_schema(
    name: &str,
    id: u16,
    value_ty: &Type,
    be: bool,
    indexed: bool,
    presence: TokenStream,
    checks: &model::Checks,
    doc: &str,
) -> TokenStream {
    let vt = codec_ty(&model::staticize(value_ty), be);
    let value = quote!(<#vt as ::genl_core::NlaValue<'static>>);
    let ty = if indexed {
        quote!(::genl_core::schema::AttrType::IndexedArray(&#value::TYPE))
    } else {
        quote!(#value::TYPE)
    };
    let opt_u32 = |v: Option<u32>| match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let opt_i64 = |v: Option<i64>| match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let (min_len, max_len, min, max) = (
        opt_u32(checks.min_len),
        opt_u32(checks.max_len),
        opt_i64(checks.min),
        opt_i64(checks.max),
    );
    quote! {
        ::genl_core::schema::AttrSchema {
            name: #name,
            id: #id,
            ty: #ty,
            value_enum: #value::VALUE_ENUM,
            byte_order: #value::BYTE_ORDER,
            presence: #presence,
            checks: ::genl_core::schema::Checks {
                min_len: #min_len,
                max_len: #max_len,
                exact_len: #value::EXACT_LEN,
                min: #min,
                max: #max,
            },
            doc: #doc,
        }
    }
}

pub fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::default();
    let lt = lifetimes(&cx, input);
    let set_attrs = model::parse_set_attrs(&cx, &input.attrs);
    let fields: Vec<Field> = match &input.data {
        Data::Struct(DataStruct {
            fields: Fields::Named(named),
            ..
        }) => named
            .named
            .iter()
            .filter_map(|f| model::parse_field(&cx, f))
            .collect(),
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(AttrSet)] needs a struct with named fields; use #[derive(Attrs)] on an enum",
            );
            Vec::new()
        }
    };
    let ids: Vec<_> = fields
        .iter()
        .map(|f| (f.id, f.name.clone(), f.id_span))
        .collect();
    model::check_duplicate_ids(&cx, &ids);
    cx.check()?;
    Ok(generate(input, &lt, &set_attrs, &fields))
}

fn generate(
    input: &DeriveInput,
    lt: &Lifetimes,
    set_attrs: &model::SetAttrs,
    fields: &[Field],
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

    let schema_attrs = fields.iter().map(|f| {
        let presence = match f.shape {
            Shape::Required => quote!(::genl_core::schema::Presence::Required),
            Shape::Optional | Shape::Flag | Shape::Indexed => {
                quote!(::genl_core::schema::Presence::Optional)
            }
            Shape::Multi => quote!(::genl_core::schema::Presence::Multi),
        };
        attr_schema(
            &f.name,
            f.id,
            &f.value_ty,
            f.be,
            f.shape == Shape::Indexed,
            presence,
            &f.checks,
            &f.doc,
        )
    });

    let nested_asserts = fields.iter().filter(|f| f.nested_assert).map(|f| {
        let vt = model::staticize(&f.value_ty);
        let msg = format!(
            "field `{}` is marked `nested` but its type is not an attribute set",
            f.name
        );
        quote_spanned! {f.span=>
            const _: () = ::core::assert!(
                ::core::matches!(
                    <#vt as ::genl_core::NlaValue<'static>>::TYPE,
                    ::genl_core::schema::AttrType::Nested(_)
                ),
                #msg
            );
        }
    });

    // Encoder.
    let encode_fields = fields.iter().enumerate().map(|(idx, f)| {
        let ident = &f.ident;
        let id = f.id;
        let name = &f.name;
        let val = if f.be {
            quote!(&::genl_core::Be(*__v))
        } else {
            quote!(__v)
        };
        let check = if f.checks.is_empty() {
            quote!()
        } else {
            quote! {
                if let ::core::result::Result::Err(e) = ::genl_core::__private::check_encoded(
                    #val, &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[#idx].checks,
                ) {
                    return ::core::result::Result::Err(e.within(#set_name, #name));
                }
            }
        };
        let put = quote_spanned! {f.span=>
            #check
            if let ::core::result::Result::Err(e) =
                ::genl_core::NlaValue::encode_attr(#val, __w, #id)
            {
                return ::core::result::Result::Err(e.within(#set_name, #name));
            }
        };
        match f.shape {
            Shape::Required | Shape::Flag => quote! { { let __v = &self.#ident; #put } },
            Shape::Optional => quote! {
                if let ::core::option::Option::Some(__v) = &self.#ident { #put }
            },
            Shape::Multi if f.lazy_multi => quote! {
                for __v in self.#ident.iter() { let __v = &__v; #put }
            },
            Shape::Multi => quote! { for __v in self.#ident.iter() { #put } },
            Shape::Indexed => quote! {
                if let ::core::result::Result::Err(e) =
                    ::genl_core::__private::encode_indexed(&self.#ident, __w, #id)
                {
                    return ::core::result::Result::Err(e.within(#set_name, #name));
                }
            },
        }
    });

    // Decoder.
    let slot = |f: &Field| quote::format_ident!("__f_{}", f.name);
    let decl = fields.iter().map(|f| {
        let s = slot(f);
        let vt = &f.value_ty;
        match f.shape {
            Shape::Required | Shape::Optional => {
                quote!(let mut #s: ::core::option::Option<#vt> = ::core::option::Option::None;)
            }
            Shape::Flag => quote!(let mut #s: bool = false;),
            Shape::Multi if f.lazy_multi => {
                quote!(let mut #s = ::genl_core::multi::MultiSlots::new();)
            }
            Shape::Multi | Shape::Indexed => {
                quote!(let mut #s: ::std::vec::Vec<#vt> = ::std::vec::Vec::new();)
            }
        }
    });
    let arms = fields.iter().enumerate().map(|(idx, f)| {
        let s = slot(f);
        let id = f.id;
        let name = &f.name;
        let ct = codec_ty(&f.value_ty, f.be);
        let unwrap_be = if f.be { quote!(.0) } else { quote!() };
        let check = if f.checks.is_empty() {
            quote!()
        } else {
            quote! {
                if let ::core::result::Result::Err(e) = ::genl_core::__private::check_decoded(
                    &__v, &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[#idx].checks, &__attr,
                ) {
                    return ::core::result::Result::Err(e.within(#set_name, #name));
                }
            }
        };
        let get = quote! {
            let __v = match <#ct as ::genl_core::NlaValue<#de>>::decode_attr(&__attr) {
                ::core::result::Result::Ok(v) => v,
                ::core::result::Result::Err(e) => {
                    return ::core::result::Result::Err(e.within(#set_name, #name))
                }
            };
            #check
        };
        let store = match f.shape {
            Shape::Required | Shape::Optional => {
                quote!(#s = ::core::option::Option::Some(__v #unwrap_be);)
            }
            Shape::Flag => quote!(#s = __v;),
            Shape::Multi if f.lazy_multi => quote! {
                let _ = __v;
                #s.note(&__attr);
            },
            Shape::Multi => quote!(#s.push(__v #unwrap_be);),
            Shape::Indexed => {
                return quote! {
                    #id => {
                        if let ::core::result::Result::Err(e) =
                            ::genl_core::__private::decode_indexed(&__attr, &mut #s)
                        {
                            return ::core::result::Result::Err(e.within(#set_name, #name));
                        }
                    }
                };
            }
        };
        quote! { #id => { #get #store } }
    });
    let build = fields.iter().map(|f| {
        let s = slot(f);
        let ident = &f.ident;
        let id = f.id;
        let name = &f.name;
        match f.shape {
            Shape::Required => quote! {
                #ident: match #s {
                    ::core::option::Option::Some(v) => v,
                    ::core::option::Option::None => return ::core::result::Result::Err(
                        ::genl_core::__private::missing(#id, __base, #set_name, #name)
                    ),
                }
            },
            Shape::Multi if f.lazy_multi => quote!(#ident: #s.finish(__buf, __base, #id)),
            _ => quote!(#ident: #s),
        }
    });
    let iter_var = if fields.is_empty() {
        quote!(_)
    } else {
        quote!(__attr)
    };
    let match_attr = if fields.is_empty() {
        quote!()
    } else {
        quote! {
            match __attr.id {
                #(#arms)*
                _ => {}
            }
        }
    };

    quote! {
        #(#nested_asserts)*

        impl #impl_plain ::genl_core::AttrSet for #ty {
            const SCHEMA: &'static ::genl_core::schema::AttrSetSchema =
                &::genl_core::schema::AttrSetSchema {
                    name: #set_name,
                    c_prefix: #c_prefix,
                    attrs: &[#(#schema_attrs),*],
                    doc: #doc,
                };
        }

        impl #impl_plain ::genl_core::Encode for #ty {
            #[inline]
            fn encode(
                &self,
                __w: &mut ::genl_core::AttrWriter<'_>,
            ) -> ::core::result::Result<(), ::genl_core::EncodeError> {
                #(#encode_fields)*
                ::core::result::Result::Ok(())
            }
        }

        impl #impl_de ::genl_core::Decode<#de> for #ty {
            #[inline]
            fn decode_at(
                __buf: &#de [u8],
                __base: usize,
            ) -> ::core::result::Result<Self, ::genl_core::DecodeError> {
                #(#decl)*
                let mut __iter = ::genl_core::AttrIter::with_base(__buf, __base);
                loop {
                    let #iter_var = match __iter.try_next() {
                        ::core::result::Result::Ok(::core::option::Option::Some(a)) => a,
                        ::core::result::Result::Ok(::core::option::Option::None) => break,
                        ::core::result::Result::Err(e) => {
                            return ::core::result::Result::Err(e.in_set(#set_name))
                        }
                    };
                    #match_attr
                }
                ::core::result::Result::Ok(Self { #(#build),* })
            }
        }

        impl #impl_de ::genl_core::NlaValue<#de> for #ty {
            const TYPE: ::genl_core::schema::AttrType =
                ::genl_core::schema::AttrType::Nested(<Self as ::genl_core::AttrSet>::schema);
            #[inline]
            fn encode_attr(
                &self,
                w: &mut ::genl_core::AttrWriter<'_>,
                id: u16,
            ) -> ::core::result::Result<(), ::genl_core::EncodeError> {
                ::genl_core::__private::encode_nested(self, w, id)
            }
            #[inline]
            fn decode_attr(
                attr: &::genl_core::Attr<#de>,
            ) -> ::core::result::Result<Self, ::genl_core::DecodeError> {
                <Self as ::genl_core::Decode<#de>>::decode_at(attr.value, attr.value_offset())
            }
        }
    }
}
