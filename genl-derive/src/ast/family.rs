//! Families (`#[derive(Family)]`) and their commands.

use super::*;

/// `event` or `event = "group"` on a command.
pub struct Event {
    pub group: Option<LitStr>,
    pub span: Span,
}

/// One command: a variant of the family enum.
pub struct Command {
    pub ident: Ident,
    pub cmd: Option<(u64, Span)>,
    pub request: Option<Type>,
    pub reply: Option<Type>,
    pub dump: Option<Span>,
    pub dump_only: Option<Span>,
    pub dump_request: Option<Type>,
    pub admin_perm: Option<Span>,
    pub event: Option<Event>,
    pub doc: String,
}

const COMMAND_KEYS: &str =
    "`cmd`, `request`, `reply`, `dump`, `dump_only`, `dump_request`, `admin_perm`, `event`";

fn parse_command(cx: &Ctxt, v: &syn::Variant) -> Option<Command> {
    if !matches!(v.fields, syn::Fields::Unit) {
        cx.error_spanned_by(&v.ident, "family commands are unit variants");
        return None;
    }
    let mut c = Command {
        ident: v.ident.clone(),
        cmd: None,
        request: None,
        reply: None,
        dump: None,
        dump_only: None,
        dump_request: None,
        admin_perm: None,
        event: None,
        doc: doc_of(&v.attrs),
    };
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("genl")) {
        let r = attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("cmd") {
                c.cmd = Some(lit_u64(&meta)?);
            } else if p.is_ident("request") {
                c.request = Some(meta.value()?.parse::<Type>()?);
            } else if p.is_ident("reply") {
                c.reply = Some(meta.value()?.parse::<Type>()?);
            } else if p.is_ident("dump_request") {
                c.dump_request = Some(meta.value()?.parse::<Type>()?);
            } else if p.is_ident("dump") {
                c.dump = Some(p.span());
            } else if p.is_ident("dump_only") {
                c.dump_only = Some(p.span());
            } else if p.is_ident("admin_perm") {
                c.admin_perm = Some(p.span());
            } else if p.is_ident("event") {
                let group = if meta.input.peek(syn::Token![=]) {
                    Some(lit_str(&meta)?)
                } else {
                    None
                };
                c.event = Some(Event {
                    group,
                    span: p.span(),
                });
            } else {
                return Err(unknown_key(&meta, "#[genl]", COMMAND_KEYS));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    Some(c)
}

/// `#[derive(Family)]` on the command enum.
pub struct FamilyEnum {
    pub ident: Ident,
    pub vis: syn::Visibility,
    pub name: Option<LitStr>,
    pub version: u8,
    pub c_prefix: Option<LitStr>,
    pub uapi_header: Option<LitStr>,
    pub mcast_groups: Vec<LitStr>,
    /// The module of typed commands (`#[genl(commands_mod = "...")]`, or the
    /// enum's name in snake case).
    pub commands_mod: Ident,
    pub doc: String,
    pub commands: Vec<Command>,
}

const FAMILY_KEYS: &str =
    "`name`, `version`, `c_prefix`, `mcast_groups`, `uapi_header`, `commands_mod`";

impl FamilyEnum {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> FamilyEnum {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "a family's command enum takes no generic parameters",
            );
        }
        let mut f = FamilyEnum {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            name: None,
            version: 1,
            c_prefix: None,
            uapi_header: None,
            mcast_groups: Vec::new(),
            commands_mod: Ident::new(&snake_ident(&input.ident.to_string()), input.ident.span()),
            doc: doc_of(&input.attrs),
            commands: Vec::new(),
        };
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("genl")) {
            let r = attr.parse_nested_meta(|meta| {
                let p = &meta.path;
                if p.is_ident("name") {
                    f.name = Some(lit_str(&meta)?);
                } else if p.is_ident("version") {
                    let (v, span) = lit_u64(&meta)?;
                    f.version = u8::try_from(v)
                        .map_err(|_| syn::Error::new(span, "the family version is a u8"))?;
                } else if p.is_ident("c_prefix") {
                    f.c_prefix = Some(lit_str(&meta)?);
                } else if p.is_ident("uapi_header") {
                    f.uapi_header = Some(lit_str(&meta)?);
                } else if p.is_ident("commands_mod") {
                    let s = lit_str(&meta)?;
                    f.commands_mod = s.parse::<Ident>().map_err(|_| {
                        syn::Error::new(s.span(), "`commands_mod` is a module name")
                    })?;
                } else if p.is_ident("mcast_groups") {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let groups = content
                        .parse_terminated(<LitStr as syn::parse::Parse>::parse, syn::Token![,])?;
                    f.mcast_groups.extend(groups);
                } else {
                    return Err(unknown_key(&meta, "#[genl]", FAMILY_KEYS));
                }
                Ok(())
            });
            if let Err(e) = r {
                cx.syn_error(e);
            }
        }
        match &input.data {
            syn::Data::Enum(e) => {
                f.commands = e
                    .variants
                    .iter()
                    .filter_map(|v| parse_command(cx, v))
                    .collect();
            }
            _ => cx.error_spanned_by(&input.ident, "#[derive(Family)] goes on the command enum"),
        }
        f
    }
}
