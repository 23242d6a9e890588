//! Token helpers shared by the emitters.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::{Ident, Type};

use crate::ast::{Checks, Shape};

/// The lifetimes a set's impls are written with.
pub struct Lifetimes {
    /// `impl<...>` parameters for `Decode`/`NlaValue` impls.
    pub impl_de: TokenStream,
    /// `impl<...>` parameters for the other impls.
    pub impl_plain: TokenStream,
    /// The type with its parameters, `Name<'a>`.
    pub ty: TokenStream,
    /// The type with `'static` for its lifetime, for `const` items.
    pub ty_static: TokenStream,
    /// The decode lifetime, `'a` or `'__de`.
    pub de: syn::Lifetime,
}

impl Lifetimes {
    pub fn new(name: &Ident, lifetime: &Option<syn::Lifetime>) -> Lifetimes {
        match lifetime {
            Some(lt) => Lifetimes {
                impl_de: quote!(<#lt>),
                impl_plain: quote!(<#lt>),
                ty: quote!(#name<#lt>),
                ty_static: quote!(#name<'static>),
                de: lt.clone(),
            },
            None => {
                let de = syn::Lifetime::new("'__de", Span::call_site());
                Lifetimes {
                    impl_de: quote!(<#de>),
                    impl_plain: quote!(),
                    ty: quote!(#name),
                    ty_static: quote!(#name),
                    de,
                }
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

/// `ty` with every lifetime (named, `'_` or elided on a reference)
/// replaced by `lt`.
pub fn rebind(ty: &Type, lt: &syn::Lifetime) -> Type {
    struct V<'l>(&'l syn::Lifetime);
    impl syn::visit_mut::VisitMut for V<'_> {
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            *l = syn::Lifetime::new(&self.0.to_string(), l.span());
        }
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            if r.lifetime.is_none() {
                r.lifetime = Some(self.0.clone());
            }
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
    }
    let mut t = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut V(lt), &mut t);
    t
}

/// `ty` with every lifetime replaced by `'static`, for `const` items.
pub fn staticize(ty: &Type) -> Type {
    rebind(ty, &syn::Lifetime::new("'static", Span::call_site()))
}

/// `Some(x)` / `None` tokens.
pub fn opt<T: ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// The schema presence of a field shape.
pub fn presence(shape: Shape) -> TokenStream {
    match shape {
        Shape::Required => quote!(::genl_core::schema::Presence::Required),
        Shape::Optional | Shape::Flag | Shape::Indexed => {
            quote!(::genl_core::schema::Presence::Optional)
        }
        Shape::Multi => quote!(::genl_core::schema::Presence::Multi),
    }
}

/// `<T as NlaValue<'static>>` for one value of a field.
pub fn value_impl(value_ty: &Type, be: bool) -> TokenStream {
    let vt = codec_ty(&staticize(value_ty), be);
    quote!(<#vt as ::genl_core::NlaValue<'static>>)
}

/// The schema's wire type of a field.
pub fn attr_type(value_ty: &Type, be: bool, indexed: bool) -> TokenStream {
    let value = value_impl(value_ty, be);
    if indexed {
        quote!(::genl_core::schema::AttrType::IndexedArray(&#value::TYPE))
    } else {
        quote!(#value::TYPE)
    }
}

/// The `Checks` literal of declared checks.
pub fn checks(c: &Checks, value_ty: &Type, be: bool) -> TokenStream {
    let value = value_impl(value_ty, be);
    let (min_len, max_len, min, max) = (opt(c.min_len), opt(c.max_len), opt(c.min), opt(c.max));
    quote! {
        ::genl_core::schema::Checks {
            min_len: #min_len,
            max_len: #max_len,
            exact_len: #value::EXACT_LEN,
            min: #min,
            max: #max,
        }
    }
}

/// `concat!(module_path!(), "::", "Name")`: a type's identity.
pub fn type_path(ident: &Ident) -> TokenStream {
    let name = ident.to_string();
    quote!(::core::concat!(::core::module_path!(), "::", #name))
}
