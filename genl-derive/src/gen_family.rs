//! `#[derive(Family)]`: the command enum carries the family descriptor.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput};

use crate::ctxt::Ctxt;
use crate::model::{self, Command};

pub fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::default();
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a family's command enum takes no generic parameters",
        );
    }
    let fam = model::parse_family_attrs(&cx, input);
    let commands: Vec<Command> = match &input.data {
        Data::Enum(e) => e
            .variants
            .iter()
            .filter_map(|v| model::parse_command(&cx, v))
            .collect(),
        _ => {
            cx.error_spanned_by(&input.ident, "#[derive(Family)] goes on the command enum");
            Vec::new()
        }
    };
    for (i, c) in commands.iter().enumerate() {
        if let Some(first) = commands[..i].iter().find(|o| o.cmd == c.cmd) {
            cx.syn_error(syn::Error::new(
                c.cmd_span,
                format!(
                    "duplicate command number {}: already used by `{}`",
                    c.cmd, first.ident
                ),
            ));
        }
    }
    cx.check()?;
    let Some(fam) = fam else {
        return Err(vec![syn::Error::new_spanned(
            &input.ident,
            "invalid family",
        )]);
    };

    let name = &input.ident;
    let fam_name = &fam.name;
    let version = fam.version;
    let groups = &fam.mcast_groups;
    let doc = model::doc_of(&input.attrs);
    let c_prefix = match &fam.c_prefix {
        Some(p) => quote!(::core::option::Option::Some(#p)),
        None => quote!(::core::option::Option::None),
    };
    let set_ref = |t: &Option<syn::Type>| match t {
        Some(t) => {
            let t = model::staticize(t);
            quote!(::core::option::Option::Some(<#t as ::genl_core::AttrSet>::schema))
        }
        None => quote!(::core::option::Option::None),
    };
    let cmd_schemas = commands.iter().map(|c| {
        let cname = c.ident.to_string();
        let id = c.cmd;
        let req = set_ref(&c.request);
        let rep = set_ref(&c.reply);
        let (do_, dump, admin, event, cdoc) = (c.do_, c.dump, c.admin_perm, c.event, &c.doc);
        quote! {
            ::genl_core::schema::CommandSchema {
                name: #cname,
                id: #id,
                request: #req,
                reply: #rep,
                do_: #do_,
                dump: #dump,
                admin_perm: #admin,
                event: #event,
                doc: #cdoc,
            }
        }
    });
    let to_cmd = commands.iter().map(|c| {
        let (ident, id) = (&c.ident, c.cmd);
        quote!(#name::#ident => #id,)
    });
    let from_cmd = commands.iter().map(|c| {
        let (ident, id) = (&c.ident, c.cmd);
        quote!(#id => ::core::option::Option::Some(#name::#ident),)
    });
    let to_cmd = if commands.is_empty() {
        quote!(match self {})
    } else {
        quote!(match self { #(#to_cmd)* })
    };
    Ok(quote! {
        impl ::genl_core::Family for #name {
            const SCHEMA: &'static ::genl_core::schema::FamilySchema =
                &::genl_core::schema::FamilySchema {
                    name: #fam_name,
                    version: #version,
                    c_prefix: #c_prefix,
                    mcast_groups: &[#(#groups),*],
                    commands: &[#(#cmd_schemas),*],
                    doc: #doc,
                };
            #[inline]
            fn cmd(self) -> u8 {
                #to_cmd
            }
            #[inline]
            fn from_cmd(cmd: u8) -> ::core::option::Option<Self> {
                match cmd {
                    #(#from_cmd)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    })
}
