//! `#[derive(Family)]`: the command enum carries the family descriptor; a
//! module of typed commands carries each command's request and reply types.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::ast::{Command, FamilyEnum};
use crate::emit::common;

/// What a command is, resolved from its keys (checked before).
struct Resolved<'c> {
    c: &'c Command,
    /// `do`: (request, reply).
    do_: Option<(Option<&'c Type>, Option<&'c Type>)>,
    /// `dump`: (request, reply).
    dump: Option<(Option<&'c Type>, &'c Type)>,
    /// `event`: (set, group).
    event: Option<(&'c Type, String)>,
}

fn resolve<'c>(f: &FamilyEnum, c: &'c Command) -> Resolved<'c> {
    if let Some(ev) = &c.event {
        let group = match &ev.group {
            Some(g) => g.value(),
            None => f
                .mcast_groups
                .first()
                .map(|g| g.value())
                .unwrap_or_default(),
        };
        return Resolved {
            c,
            do_: None,
            dump: None,
            event: c.reply.as_ref().map(|r| (r, group)),
        };
    }
    let dump = match (c.dump, c.dump_only, &c.reply) {
        (Some(_), _, Some(r)) => Some((c.dump_request.as_ref(), r)),
        (_, Some(_), Some(r)) => Some((c.request.as_ref(), r)),
        _ => None,
    };
    Resolved {
        c,
        do_: if c.dump_only.is_some() {
            None
        } else {
            Some((c.request.as_ref(), c.reply.as_ref()))
        },
        dump,
        event: None,
    }
}

/// `Some(<T as AttrSet>::SCHEMA)` or `None`.
fn set_ref(t: Option<&Type>) -> TokenStream {
    match t {
        Some(t) => {
            let t = common::staticize(t);
            quote!(::core::option::Option::Some(<#t as ::genl_core::AttrSet>::SCHEMA))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// A type as a generic associated type's value over `'a`, or `()`.
fn gat(t: Option<&Type>) -> TokenStream {
    match t {
        Some(t) => {
            let t = common::rebind(t, &syn::Lifetime::new("'a", proc_macro2::Span::call_site()));
            quote!(#t)
        }
        None => quote!(()),
    }
}

pub fn emit(f: &FamilyEnum) -> TokenStream {
    let name = &f.ident;
    let fam_name = f.name.as_ref().map(|n| n.value()).unwrap_or_default();
    let version = f.version;
    let groups: Vec<String> = f.mcast_groups.iter().map(|g| g.value()).collect();
    let doc = &f.doc;
    let c_prefix = common::opt(f.c_prefix.as_ref());
    let uapi_header = common::opt(f.uapi_header.as_ref());
    let resolved: Vec<Resolved<'_>> = f.commands.iter().map(|c| resolve(f, c)).collect();
    let cmd_no = |c: &Command| c.cmd.map_or(0u8, |(n, _)| n as u8);

    let cmd_schemas = resolved.iter().map(|r| {
        let cname = r.c.ident.to_string();
        let id = cmd_no(r.c);
        let do_ = match r.do_ {
            Some((req, rep)) => {
                let (req, rep) = (set_ref(req), set_ref(rep));
                quote!(::core::option::Option::Some(::genl_core::schema::OpSchema {
                    request: #req,
                    reply: #rep,
                }))
            }
            None => quote!(::core::option::Option::None),
        };
        let dump = match r.dump {
            Some((req, rep)) => {
                let (req, rep) = (set_ref(req), set_ref(Some(rep)));
                quote!(::core::option::Option::Some(::genl_core::schema::OpSchema {
                    request: #req,
                    reply: #rep,
                }))
            }
            None => quote!(::core::option::Option::None),
        };
        let event = match &r.event {
            Some((set, group)) => {
                let set = common::staticize(set);
                quote!(::core::option::Option::Some(::genl_core::schema::EventSchema {
                    attrs: <#set as ::genl_core::AttrSet>::SCHEMA,
                    group: #group,
                }))
            }
            None => quote!(::core::option::Option::None),
        };
        let admin = r.c.admin_perm.is_some();
        let cdoc = &r.c.doc;
        quote! {
            ::genl_core::schema::CommandSchema {
                name: #cname,
                id: #id,
                do_: #do_,
                dump: #dump,
                event: #event,
                admin_perm: #admin,
                doc: #cdoc,
            }
        }
    });
    let to_cmd = f.commands.iter().map(|c| {
        let (ident, id) = (&c.ident, cmd_no(c));
        quote!(#name::#ident => #id,)
    });
    let from_cmd = f.commands.iter().map(|c| {
        let (ident, id) = (&c.ident, cmd_no(c));
        quote!(#id => ::core::option::Option::Some(#name::#ident),)
    });
    let to_cmd = if f.commands.is_empty() {
        quote!(match self {})
    } else {
        quote!(match self { #(#to_cmd)* })
    };

    // Typed commands.
    let vis = &f.vis;
    let module = &f.commands_mod;
    let markers = resolved.iter().map(|r| {
        let ident = &r.c.ident;
        let mut what = Vec::new();
        if r.do_.is_some() {
            what.push("do");
        }
        if r.dump.is_some() {
            what.push("dump");
        }
        if r.event.is_some() {
            what.push("event");
        }
        let head = format!(
            "The `{fam_name}` command [`{name}::{ident}`](super::{name}::{ident}) ({}) as a type.",
            what.join(", ")
        );
        let body = &r.c.doc;
        quote! {
            #[doc = #head]
            #[doc = ""]
            #[doc = #body]
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
            pub struct #ident;
        }
    });
    let impls = resolved.iter().enumerate().map(|(index, r)| {
        let ident = &r.c.ident;
        let ty = quote!(#module::#ident);
        let id = cmd_no(r.c);
        let cname = ident.to_string();
        // The command's schema by its place in `SCHEMA.commands`, not a
        // search by number on every request.
        let mut out = quote! {
            impl ::genl_core::Command for #ty {
                type Family = #name;
                const ID: u8 = #id;
                const NAME: &'static str = #cname;
                #[inline]
                fn schema() -> &'static ::genl_core::schema::CommandSchema {
                    &<#name as ::genl_core::Family>::SCHEMA.commands[#index]
                }
            }
            const _: () = ::core::assert!(
                <#name as ::genl_core::Family>::SCHEMA.commands[#index].id == #id
            );
        };
        if let Some((req, rep)) = r.do_ {
            let req = gat(req);
            out.extend(quote! {
                impl ::genl_core::DoCommand for #ty {
                    type Request<'a> = #req;
                }
            });
            out.extend(match rep {
                Some(rep) => {
                    let rep = gat(Some(rep));
                    quote! {
                        impl ::genl_core::Query for #ty {
                            type Reply<'a> = #rep;
                        }
                    }
                }
                None => quote! {
                    impl ::genl_core::Ack for #ty {}
                },
            });
        }
        if let Some((req, rep)) = r.dump {
            let (req, rep) = (gat(req), gat(Some(rep)));
            out.extend(quote! {
                impl ::genl_core::DumpCommand for #ty {
                    type DumpRequest<'a> = #req;
                    type Item<'a> = #rep;
                }
            });
        }
        if let Some((set, group)) = &r.event {
            let set = gat(Some(set));
            out.extend(quote! {
                impl ::genl_core::Notification for #ty {
                    type Event<'a> = #set;
                    const GROUP: &'static str = #group;
                }
            });
        }
        out
    });
    let mod_doc = format!(
        "Typed commands of the `{fam_name}` family ([`{name}`](super::{name})): one type per \
         command, carrying its request and reply types, so that sending the wrong request or \
         decoding the wrong reply does not compile."
    );

    quote! {
        impl ::genl_core::Family for #name {
            const SCHEMA: &'static ::genl_core::schema::FamilySchema =
                &::genl_core::schema::FamilySchema {
                    name: #fam_name,
                    version: #version,
                    c_prefix: #c_prefix,
                    uapi_header: #uapi_header,
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

        // Checks across the sets the family reaches (names that would
        // collide in C or YNL): a bad family does not compile.
        const _: () = ::genl_core::__private::assert_family(
            <#name as ::genl_core::Family>::SCHEMA,
        );

        #[doc = #mod_doc]
        #vis mod #module {
            #(#markers)*
        }

        #(#impls)*
    }
}
