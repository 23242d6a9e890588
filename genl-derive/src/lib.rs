//! Derives for [genl](https://docs.rs/genl-core): `AttrSet`, `Attrs`,
//! `ValueEnum` and `Family`. Use them through `genl_core`, which re-exports
//! them; the generated code refers to `::genl_core`.
//!
//! The crate is split like serde_derive: `model` parses `#[genl(...)]` and
//! `#[nla(...)]` into a small model, collecting every error with its span
//! (never panicking); the `gen_*` modules turn a checked model into tokens.

mod ctxt;
mod gen_family;
mod gen_set;
mod gen_stream;
mod gen_value_enum;
mod model;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

fn run(
    input: DeriveInput,
    f: fn(&DeriveInput) -> Result<proc_macro2::TokenStream, Vec<syn::Error>>,
) -> TokenStream {
    match f(&input) {
        Ok(ts) => ts.into(),
        Err(errors) => {
            let ts = errors.into_iter().map(|e| e.to_compile_error());
            quote::quote!(#(#ts)*).into()
        }
    }
}

/// Derives a typed attribute set on a struct with named fields: an encoder
/// ([`Encode`]), a borrowing decoder ([`Decode`]), a `const` schema
/// ([`AttrSet`]), and [`NlaValue`] so the struct can be nested in other sets.
///
/// Field attributes, `#[nla(...)]`:
/// - `id = N` (required): the attribute id, 1..=16383, unique in the set;
/// - `multi`: a `Vec<T>` field is a repeated attribute;
/// - `indexed`: a `Vec<T>` field is a nest of children numbered 1..=n;
/// - `nested`: asserts the field's type is a nested attribute set;
/// - `be`: the integer is in network byte order;
/// - `min_len = N`, `max_len = N`: length checks for strings and bytes;
/// - `min = N`, `max = N`: range checks for integers.
///
/// `T` fields are required, `Option<T>` optional, `bool` a flag.
/// Container attribute: `#[genl(c_prefix = "DEMO_A_KV")]`.
///
/// [`Encode`]: ../genl_core/trait.Encode.html
/// [`Decode`]: ../genl_core/trait.Decode.html
/// [`AttrSet`]: ../genl_core/trait.AttrSet.html
/// [`NlaValue`]: ../genl_core/trait.NlaValue.html
#[proc_macro_derive(AttrSet, attributes(genl, nla))]
pub fn derive_attr_set(input: TokenStream) -> TokenStream {
    run(parse_macro_input!(input as DeriveInput), gen_set::expand)
}

/// Derives an open attribute stream on an enum: each variant
/// `#[nla(id = N)] Name(T)` is one attribute; a unit variant is a flag; an
/// optional `#[nla(other)] Other(u16, &'a [u8])` variant keeps unknown ids
/// (without it, an unknown id is a decode error, never silently dropped).
#[proc_macro_derive(Attrs, attributes(genl, nla))]
pub fn derive_attrs(input: TokenStream) -> TokenStream {
    run(parse_macro_input!(input as DeriveInput), gen_stream::expand)
}

/// Derives a value enum: a C-like enum carried in an integer attribute
/// (`#[repr(u8|u16|u32|u64)]`, default `u32`). Decoding an unknown number is
/// an error naming the enum. Container attribute: `#[genl(c_prefix = "...")]`.
#[proc_macro_derive(ValueEnum, attributes(genl))]
pub fn derive_value_enum(input: TokenStream) -> TokenStream {
    run(
        parse_macro_input!(input as DeriveInput),
        gen_value_enum::expand,
    )
}

/// Derives a generic netlink family on its command enum.
///
/// Container: `#[genl(name = "genl_demo", version = 1, mcast_groups("events"),
/// c_prefix = "DEMO")]`. Variants: `#[genl(cmd = N, request = Type,
/// reply = Type, dump, dump_only, admin_perm, event)]`.
#[proc_macro_derive(Family, attributes(genl))]
pub fn derive_family(input: TokenStream) -> TokenStream {
    run(parse_macro_input!(input as DeriveInput), gen_family::expand)
}
