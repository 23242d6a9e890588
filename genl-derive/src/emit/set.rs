//! `#[derive(AttrSet)]`: id constants, schema, encoder, borrowing decoder,
//! and `NlaValue` (so the set can be nested). A subset takes each
//! attribute's id, checks and byte order from the set it selects from.

use genl_rules::limits::MAX_ATTR_ID;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{Field, Id, Set, Shape};
use crate::emit::common::{self, Lifetimes};

/// The hidden constant of a subset holding its parent's attribute.
fn parent_attr_const(f: &Field) -> syn::Ident {
    format_ident!("__GENL_PARENT_{}", f.const_ident)
}

/// What every part of a set's output needs.
struct SetCx<'s> {
    s: &'s Set,
    lt: Lifetimes,
    /// The parent set of a subset, with `'static` lifetimes.
    parent: Option<syn::Type>,
}

impl SetCx<'_> {
    /// Whether a field's values are checked, as a condition: declared
    /// checks (known here for a set; a subset's come from its parent, so
    /// they are tested in a constant the compiler folds).
    fn checked(&self, f: &Field) -> Option<TokenStream> {
        if self.parent.is_none() && f.checks.is_empty() {
            return None;
        }
        Some(if self.parent.is_some() {
            quote!(!<Self as ::genl_core::AttrSet>::SCHEMA.attrs[__IDX]
                .checks
                .is_empty())
        } else {
            quote!(true)
        })
    }
}

pub fn emit(s: &Set) -> TokenStream {
    let cx = SetCx {
        s,
        lt: Lifetimes::new(&s.ident, &s.lifetime),
        parent: s.subset_of.as_ref().map(common::staticize),
    };
    let ids = ids(&cx);
    let const_checks = const_checks(s, &cx.lt.ty_static, cx.parent.as_ref());
    let schema = schema(&cx);
    let encoder = encoder(&cx);
    let decoder = decoder(&cx);
    let nla_value = nla_value(&cx);
    quote! {
        #ids
        #const_checks
        #schema
        #encoder
        #decoder
        #nla_value
    }
}

/// The id constants (and, for a subset, its parent's attribute schemas).
fn ids(cx: &SetCx<'_>) -> TokenStream {
    let (s, parent) = (cx.s, &cx.parent);
    let Lifetimes { impl_plain, ty, .. } = &cx.lt;
    let id_consts = s.fields.iter().map(|f| {
        let c = &f.const_ident;
        let fname = &f.name;
        match (&parent, &f.id) {
            (Some(parent), _) => {
                let pc = parent_attr_const(f);
                let msg = format!(
                    "{}.{fname}: the set `{}` this subset selects from has no attribute `{fname}`",
                    s.ident,
                    quote!(#parent).to_string().replace(' ', "")
                );
                let iddoc = format!("Attribute id of `{fname}` (the parent set's).");
                quote_spanned! {f.span=>
                    #[doc(hidden)]
                    pub const #pc: &'static ::genl_core::schema::AttrSchema =
                        match <#parent as ::genl_core::AttrSet>::SCHEMA.attr_named(#fname) {
                            ::core::option::Option::Some(a) => a,
                            ::core::option::Option::None => ::core::panic!(#msg),
                        };
                    #[doc = #iddoc]
                    pub const #c: u16 = Self::#pc.id;
                }
            }
            (None, id) => {
                let id = id.as_ref().map(|i| quote!(#i)).unwrap_or_else(|| quote!(0));
                let iddoc = format!("Attribute id of `{fname}`.");
                quote! {
                    #[doc = #iddoc]
                    pub const #c: u16 = #id;
                }
            }
        }
    });
    let pad_const = match (&s.pad, &parent) {
        (Some(pad), None) => quote! {
            /// Attribute id of the pad attribute (`#[genl(pad = N)]`).
            pub const PAD: u16 = #pad;
        },
        _ => quote!(),
    };
    quote! {
        #[allow(non_upper_case_globals)]
        impl #impl_plain #ty {
            #(#id_consts)*
            #pad_const
        }
    }
}

/// The `AttrSet` impl: the schema, and asserts on `nested` fields.
fn schema(cx: &SetCx<'_>) -> TokenStream {
    let (s, parent) = (cx.s, &cx.parent);
    let Lifetimes { impl_plain, ty, .. } = &cx.lt;
    let set_name = &s.name;
    let path = common::type_path(&s.ident);
    let c_prefix = common::opt(s.c_prefix.as_ref());
    let doc = &s.doc;
    let pad = match (&s.pad, parent) {
        (Some(_), None) => quote!(::core::option::Option::Some(Self::PAD)),
        (_, Some(parent)) => quote!(<#parent as ::genl_core::AttrSet>::SCHEMA.pad),
        _ => quote!(::core::option::Option::None),
    };
    let schema_attrs = s.fields.iter().map(|f| {
        let name = &f.name;
        let c = &f.const_ident;
        let value = common::value_impl(&f.value_ty, f.be);
        let attr_ty = common::attr_type(&f.value_ty, f.be, f.shape == Shape::Indexed);
        let presence = common::presence(f.shape);
        match &parent {
            Some(_) => {
                let pc = parent_attr_const(f);
                let doc = if f.doc.is_empty() {
                    quote!()
                } else {
                    let d = &f.doc;
                    quote!(doc: #d,)
                };
                quote! {
                    ::genl_core::schema::AttrSchema {
                        ty: #attr_ty,
                        value_enum: #value::VALUE_ENUM,
                        presence: #presence,
                        #doc
                        ..*Self::#pc
                    }
                }
            }
            None => {
                let checks = common::checks(&f.checks, &f.value_ty, f.be);
                let doc = &f.doc;
                quote! {
                    ::genl_core::schema::AttrSchema {
                        name: #name,
                        id: Self::#c,
                        ty: #attr_ty,
                        value_enum: #value::VALUE_ENUM,
                        byte_order: #value::BYTE_ORDER,
                        presence: #presence,
                        checks: #checks,
                        doc: #doc,
                    }
                }
            }
        }
    });
    let subset_of = match &parent {
        Some(p) => quote!(::core::option::Option::Some(<#p as ::genl_core::AttrSet>::SCHEMA)),
        None => quote!(::core::option::Option::None),
    };

    let nested_asserts = s.fields.iter().filter(|f| f.nested_assert).map(|f| {
        let value = common::value_impl(&f.value_ty, false);
        let msg = format!(
            "field `{}` is marked `nested` but its type is not an attribute set",
            f.name
        );
        quote_spanned! {f.span=>
            const _: () = ::core::assert!(
                ::core::matches!(
                    #value::TYPE,
                    ::genl_core::schema::AttrType::Nested(_)
                ),
                #msg
            );
        }
    });

    quote! {
        #(#nested_asserts)*

        impl #impl_plain ::genl_core::AttrSet for #ty {
            const SCHEMA: &'static ::genl_core::schema::AttrSetSchema =
                &::genl_core::schema::AttrSetSchema {
                    name: #set_name,
                    path: #path,
                    c_prefix: #c_prefix,
                    subset_of: #subset_of,
                    pad: #pad,
                    attrs: &[#(#schema_attrs),*],
                    doc: #doc,
                };
        }
    }
}

/// The `Encode` impl.
fn encoder(cx: &SetCx<'_>) -> TokenStream {
    let s = cx.s;
    let Lifetimes { impl_plain, ty, .. } = &cx.lt;
    let set_name = &s.name;
    let encode_fields = s.fields.iter().enumerate().map(|(idx, f)| {
        let ident = &f.ident;
        let c = &f.const_ident;
        let name = &f.name;
        let val = if f.be {
            quote!(&::genl_core::Be(*__v))
        } else {
            quote!(__v)
        };
        let check = match cx.checked(f) {
            None => quote!(),
            Some(cond) => quote! {
                const __IDX: usize = #idx;
                if #cond {
                    if let ::core::result::Result::Err(e) = ::genl_core::__private::check_encoded(
                        #val, &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[__IDX].checks,
                    ) {
                        return ::core::result::Result::Err(e.within(#set_name, #name));
                    }
                }
            },
        };
        let put = quote_spanned! {f.span=>
            #check
            if let ::core::result::Result::Err(e) =
                ::genl_core::NlaValue::encode_attr(#val, __w, Self::#c)
            {
                return ::core::result::Result::Err(e.within(#set_name, #name));
            }
        };
        if f.deferred {
            let vt = &f.value_ty;
            let indexed = f.shape == Shape::Indexed;
            let check = match cx.checked(f) {
                Some(cond) if !indexed => quote! {
                    const __IDX: usize = #idx;
                    if #cond {
                        ::genl_core::__private::check_encoded(
                            __v, &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[__IDX].checks,
                        )?;
                    }
                },
                _ => quote!(),
            };
            return quote_spanned! {f.span=>
                if let ::core::result::Result::Err(e) = ::genl_core::__private::deferred_encode(
                    &self.#ident,
                    __w,
                    Self::#c,
                    #indexed,
                    |__v: &#vt, __w: &mut ::genl_core::AttrWriter<'_>, __id: u16|
                        -> ::core::result::Result<(), ::genl_core::EncodeError> {
                        #check
                        ::genl_core::NlaValue::encode_attr(__v, __w, __id)
                    },
                ) {
                    return ::core::result::Result::Err(e.within(#set_name, #name));
                }
            };
        }
        match f.shape {
            Shape::Required | Shape::Flag => quote! { { let __v = &self.#ident; #put } },
            Shape::Optional => quote! {
                if let ::core::option::Option::Some(__v) = &self.#ident { #put }
            },
            // Nothing to check per element: the run is written at once.
            Shape::Multi if f.borrowed_multi && cx.checked(f).is_none() && !f.be => quote! {
                if let ::core::result::Result::Err(e) =
                    ::genl_core::__private::encode_multi(&self.#ident, __w, Self::#c)
                {
                    return ::core::result::Result::Err(e.within(#set_name, #name));
                }
            },
            Shape::Multi if f.borrowed_multi => quote! {
                if let ::core::result::Result::Err(e) = ::genl_core::__private::multi_try_each(
                    &self.#ident,
                    |__v| -> ::core::result::Result<(), ::genl_core::EncodeError> {
                        #put
                        ::core::result::Result::Ok(())
                    },
                ) {
                    return ::core::result::Result::Err(e);
                }
            },
            Shape::Multi => quote! { for __v in self.#ident.iter() { #put } },
            // An empty array is an absent attribute, as decoding reads it
            // (a request built with `..Default::default()` sends no empty
            // nest, which a kernel policy may reject).
            Shape::Indexed if f.borrowed_multi => quote! {
                if !self.#ident.is_empty() {
                    if let ::core::result::Result::Err(e) =
                        ::genl_core::__private::encode_multi_indexed(&self.#ident, __w, Self::#c)
                    {
                        return ::core::result::Result::Err(e.within(#set_name, #name));
                    }
                }
            },
            Shape::Indexed => quote! {
                if !self.#ident.is_empty() {
                    if let ::core::result::Result::Err(e) =
                        ::genl_core::__private::encode_indexed(&self.#ident, __w, Self::#c)
                    {
                        return ::core::result::Result::Err(e.within(#set_name, #name));
                    }
                }
            },
        }
    });

    quote! {
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
    }
}

/// The borrowing `Decode` impl.
fn decoder(cx: &SetCx<'_>) -> TokenStream {
    let s = cx.s;
    let Lifetimes {
        impl_de, ty, de, ..
    } = &cx.lt;
    let set_name = &s.name;
    let slot = |f: &Field| format_ident!("__f_{}", f.name);
    let decl = s.fields.iter().map(|f| {
        let sl = slot(f);
        let vt = &f.value_ty;
        match f.shape {
            Shape::Required | Shape::Optional => {
                quote!(let mut #sl: ::core::option::Option<#vt> = ::core::option::Option::None;)
            }
            Shape::Flag => quote!(let mut #sl: bool = false;),
            Shape::Multi if f.borrowed_multi => {
                quote!(let mut #sl = ::genl_core::__private::MultiSlots::new();)
            }
            Shape::Indexed if f.deferred => quote! {
                let mut #sl: ::genl_core::DeferredMulti<#de, #vt> = ::genl_core::DeferredMulti::new(&[]);
            },
            Shape::Indexed if f.borrowed_multi => quote! {
                let mut #sl: ::genl_core::CheckedMulti<#de, #vt> = ::genl_core::CheckedMulti::new(&[]);
            },
            Shape::Multi | Shape::Indexed => {
                quote!(let mut #sl: ::std::vec::Vec<#vt> = ::std::vec::Vec::new();)
            }
        }
    });
    let arms = s.fields.iter().enumerate().map(|(idx, f)| {
        let sl = slot(f);
        let c = &f.const_ident;
        let name = &f.name;
        let ct = common::codec_ty(&f.value_ty, f.be);
        let unwrap_be = if f.be { quote!(.0) } else { quote!() };
        let check = match cx.checked(f) {
            None => quote!(),
            Some(cond) => quote! {
                const __IDX: usize = #idx;
                if #cond {
                    if let ::core::result::Result::Err(e) = ::genl_core::__private::check_decoded(
                        &__v, &<Self as ::genl_core::AttrSet>::SCHEMA.attrs[__IDX].checks, &__attr,
                    ) {
                        return ::core::result::Result::Err(e.within(#set_name, #name));
                    }
                }
            },
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
        let attr_ty = quote!(::genl_core::Attr<#de>);
        let res_ty = quote!(::core::result::Result<(), ::genl_core::DecodeError>);
        let store = match f.shape {
            // Only where they are: decoded (and checked) when iterated.
            Shape::Multi if f.deferred => {
                return quote! {
                    Self::#c => #sl.note_run(&__attr, &mut __iter),
                };
            }
            Shape::Indexed if f.deferred => {
                return quote! {
                    Self::#c => {
                        #sl = ::genl_core::__private::deferred_indexed(
                            &__attr, <Self as ::genl_core::AttrSet>::SCHEMA, #idx,
                        );
                    }
                };
            }
            // Validated once here (the whole run of back-to-back
            // occurrences at once), decoded again when iterated.
            Shape::Multi if f.borrowed_multi => {
                return quote! {
                    Self::#c => {
                        if let ::core::result::Result::Err(e) = #sl.take_run(
                            &__attr,
                            &mut __iter,
                            |__a: &#attr_ty| -> #res_ty {
                                let __attr = *__a;
                                #get
                                let _ = __v;
                                ::core::result::Result::Ok(())
                            },
                        ) {
                            return ::core::result::Result::Err(e);
                        }
                    }
                };
            }
            Shape::Indexed if f.borrowed_multi => {
                return quote! {
                    Self::#c => {
                        #sl = match ::genl_core::__private::MultiSlots::indexed(
                            &__attr,
                            |__a: &#attr_ty| -> #res_ty {
                                <#ct as ::genl_core::NlaValue<#de>>::decode_attr(__a).map(|_| ())
                            },
                        ) {
                            ::core::result::Result::Ok(m) => m,
                            ::core::result::Result::Err(e) => {
                                return ::core::result::Result::Err(e.within(#set_name, #name))
                            }
                        };
                    }
                };
            }
            Shape::Required | Shape::Optional => {
                quote!(#sl = ::core::option::Option::Some(__v #unwrap_be);)
            }
            Shape::Flag => quote!(#sl = __v;),
            Shape::Multi => quote!(#sl.push(__v #unwrap_be);),
            Shape::Indexed => {
                return quote! {
                    Self::#c => {
                        if let ::core::result::Result::Err(e) =
                            ::genl_core::__private::decode_indexed(&__attr, &mut #sl)
                        {
                            return ::core::result::Result::Err(e.within(#set_name, #name));
                        }
                    }
                };
            }
        };
        quote! { Self::#c => { #get #store } }
    });
    let build = s.fields.iter().enumerate().map(|(idx, f)| {
        let sl = slot(f);
        let ident = &f.ident;
        let c = &f.const_ident;
        let name = &f.name;
        match f.shape {
            Shape::Required => quote! {
                #ident: match #sl {
                    ::core::option::Option::Some(v) => v,
                    ::core::option::Option::None => return ::core::result::Result::Err(
                        ::genl_core::__private::missing(Self::#c, __base, #set_name, #name)
                    ),
                }
            },
            Shape::Multi if f.deferred => quote! {
                #ident: #sl.finish_deferred(
                    __buf, __base, Self::#c, <Self as ::genl_core::AttrSet>::SCHEMA, #idx,
                )
            },
            Shape::Multi if f.borrowed_multi => quote!(#ident: #sl.finish(__buf, __base, Self::#c)),
            _ => quote!(#ident: #sl),
        }
    });
    let iter_var = if s.fields.is_empty() {
        quote!(_)
    } else {
        quote!(__attr)
    };
    let match_attr = if s.fields.is_empty() {
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
    }
}

/// The `NlaValue` impl: the set nested in other sets.
fn nla_value(cx: &SetCx<'_>) -> TokenStream {
    let Lifetimes {
        impl_de, ty, de, ..
    } = &cx.lt;
    quote! {
        impl #impl_de ::genl_core::NlaValue<#de> for #ty {
            const TYPE: ::genl_core::schema::AttrType =
                ::genl_core::schema::AttrType::Nested(<Self as ::genl_core::AttrSet>::SCHEMA);
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

/// `const` assertions on what only the compiler knows: the range and
/// uniqueness of ids given as paths, and a subset's fields against the set
/// it selects from.
fn const_checks(s: &Set, ty_static: &TokenStream, parent: Option<&syn::Type>) -> TokenStream {
    let mut asserts = Vec::new();
    let max = Literal::u16_unsuffixed(MAX_ATTR_ID);
    let set = &s.ident;
    if let Some(parent) = parent {
        let pname = quote!(#parent).to_string().replace(' ', "");
        for f in &s.fields {
            let pc = parent_attr_const(f);
            let attr_ty = common::attr_type(&f.value_ty, f.be, f.shape == Shape::Indexed);
            let value = common::value_impl(&f.value_ty, f.be);
            let fname = &f.name;
            let ty_msg = format!(
                "{set}.{fname}: its type does not match the type of `{fname}` in `{pname}`"
            );
            let be_msg = format!(
                "{set}.{fname}: the byte order differs from `{fname}` in `{pname}`; add or remove #[nla(be)]"
            );
            let multi_msg = format!(
                "{set}.{fname}: `{fname}` in `{pname}` is {}; so must this field be",
                "multi-valued (or not)"
            );
            let is_multi = f.shape == Shape::Multi;
            asserts.push(quote_spanned! {f.span=>
                ::core::assert!(#attr_ty.same_as(&<#ty_static>::#pc.ty), #ty_msg);
                ::core::assert!(
                    ::core::matches!(
                        (#value::BYTE_ORDER, <#ty_static>::#pc.byte_order),
                        (::genl_core::schema::ByteOrder::Host, ::genl_core::schema::ByteOrder::Host)
                            | (::genl_core::schema::ByteOrder::Big, ::genl_core::schema::ByteOrder::Big)
                    ),
                    #be_msg
                );
                ::core::assert!(
                    ::core::matches!(
                        <#ty_static>::#pc.presence,
                        ::genl_core::schema::Presence::Multi
                    ) == #is_multi,
                    #multi_msg
                );
            });
        }
    } else {
        let mut ids: Vec<(&Id, String, TokenStream)> = s
            .fields
            .iter()
            .filter_map(|f| {
                let c = &f.const_ident;
                f.id.as_ref()
                    .map(|id| (id, format!("`{}`", f.name), quote!(<#ty_static>::#c)))
            })
            .collect();
        if let Some(pad) = &s.pad {
            ids.push((pad, "the pad attribute".into(), quote!(<#ty_static>::PAD)));
        }
        for (i, (id, what, expr)) in ids.iter().enumerate() {
            if id.literal().is_some() {
                continue;
            }
            if s.id0 {
                let range = format!("{set}: the id of {what} must be 0..={MAX_ATTR_ID}");
                asserts.push(quote! {
                    ::core::assert!(#expr <= #max, #range);
                });
            } else {
                let range = format!("{set}: the id of {what} must be 1..={MAX_ATTR_ID}");
                asserts.push(quote! {
                    ::core::assert!(#expr >= 1 && #expr <= #max, #range);
                });
            }
            for (j, (_, other, oexpr)) in ids.iter().enumerate() {
                if j == i || (j > i && ids[j].0.literal().is_none()) {
                    continue;
                }
                let dup = format!("{set}: {what} and {other} have the same attribute id");
                asserts.push(quote! {
                    ::core::assert!(#expr != #oexpr, #dup);
                });
            }
        }
    }
    if asserts.is_empty() {
        return quote!();
    }
    quote! {
        const _: () = { #(#asserts)* };
    }
}
