//! The model: `#[genl(...)]` and `#[nla(...)]` parsed into plain data, with
//! every error collected into a [`Ctxt`] with its span. Code generation reads
//! only this model.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Type};

use crate::ctxt::Ctxt;

/// Largest attribute id (`NLA_TYPE_MASK`).
pub const MAX_ATTR_ID: u64 = 0x3fff;
/// Longest family name (`GENL_NAMSIZ - 1`).
pub const MAX_FAMILY_NAME: usize = 15;

/// The doc comment of an item, lines joined with `\n`, trimmed.
pub fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                lines.push(s.value().trim().to_owned());
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

fn lit_u64(meta: &ParseNestedMeta<'_>) -> syn::Result<(u64, Span)> {
    let lit: LitInt = meta.value()?.parse()?;
    Ok((lit.base10_parse::<u64>()?, lit.span()))
}

fn lit_i64(meta: &ParseNestedMeta<'_>) -> syn::Result<i64> {
    let expr: Expr = meta.value()?.parse()?;
    match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<i64>(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => i.base10_parse::<i64>().map(|v| -v),
            _ => Err(syn::Error::new_spanned(
                &expr,
                "expected an integer literal",
            )),
        },
        _ => Err(syn::Error::new_spanned(
            &expr,
            "expected an integer literal",
        )),
    }
}

fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| {
            let p = &meta.path;
            quote::quote!(#p).to_string()
        })
}

// ---------------------------------------------------------------------------
// Container attributes of sets, streams and value enums.

/// `#[genl(c_prefix = "...")]` on an attribute set, stream or value enum.
#[derive(Default)]
pub struct SetAttrs {
    pub c_prefix: Option<String>,
}

pub fn parse_set_attrs(cx: &Ctxt, attrs: &[Attribute]) -> SetAttrs {
    let mut out = SetAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("genl")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("c_prefix") {
                out.c_prefix = Some(lit_str(&meta)?.value());
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown #[genl] key `{}`; expected `c_prefix`",
                    key_name(&meta)
                )))
            }
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Field / variant attributes: #[nla(...)].

/// How a field's attributes appear.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `T`: exactly one, required.
    Required,
    /// `Option<T>`: at most one.
    Optional,
    /// `bool`: a flag, absent = false.
    Flag,
    /// `Vec<T>` + `multi`: repeated attribute.
    Multi,
    /// `Vec<T>` + `indexed`: one nest with numbered children.
    Indexed,
}

/// Parsed `#[nla(...)]`.
#[derive(Default)]
pub struct NlaAttrs {
    pub id: Option<(u64, Span)>,
    pub multi: Option<Span>,
    pub indexed: Option<Span>,
    pub nested: Option<Span>,
    pub be: bool,
    pub other: Option<Span>,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

const NLA_KEYS: &str =
    "`id`, `multi`, `indexed`, `nested`, `be`, `min_len`, `max_len`, `min`, `max`";

pub fn parse_nla_attrs(cx: &Ctxt, attrs: &[Attribute], allow_other: bool) -> NlaAttrs {
    let mut out = NlaAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("nla")) {
        let r = attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("id") {
                out.id = Some(lit_u64(&meta)?);
            } else if p.is_ident("multi") {
                out.multi = Some(p.span());
            } else if p.is_ident("indexed") {
                out.indexed = Some(p.span());
            } else if p.is_ident("nested") {
                out.nested = Some(p.span());
            } else if p.is_ident("be") {
                out.be = true;
            } else if p.is_ident("other") && allow_other {
                out.other = Some(p.span());
            } else if p.is_ident("min_len") {
                out.min_len = Some(
                    lit_u64(&meta)?
                        .0
                        .try_into()
                        .map_err(|_| meta.error("too large"))?,
                );
            } else if p.is_ident("max_len") {
                out.max_len = Some(
                    lit_u64(&meta)?
                        .0
                        .try_into()
                        .map_err(|_| meta.error("too large"))?,
                );
            } else if p.is_ident("min") {
                out.min = Some(lit_i64(&meta)?);
            } else if p.is_ident("max") {
                out.max = Some(lit_i64(&meta)?);
            } else {
                let extra = if allow_other { ", `other`" } else { "" };
                return Err(meta.error(format!(
                    "unknown #[nla] key `{}`; expected one of {NLA_KEYS}{extra}",
                    key_name(&meta)
                )));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

/// The generic argument of `Wrapper<T>` when `ty` is exactly that.
pub fn unwrap_generic<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// The item type `T` of `Multi<'a, T>` (any path ending in `Multi`).
fn multi_item(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    if seg.ident != "Multi" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (types.next(), types.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

fn is_bool(ty: &Type) -> bool {
    matches!(ty, Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("bool"))
}

/// One attribute of a set: a struct field.
pub struct Field {
    pub ident: Ident,
    pub name: String,
    pub id: u16,
    pub shape: Shape,
    /// The type of one value (inside `Option`/`Vec`).
    pub value_ty: Type,
    pub be: bool,
    /// A `multi` field of type `Multi<'a, T>` (borrowed, decoded lazily)
    /// rather than `Vec<T>`.
    pub lazy_multi: bool,
    pub nested_assert: bool,
    pub checks: Checks,
    pub doc: String,
    pub span: Span,
    /// Where the id was written (for duplicate-id errors).
    pub id_span: Span,
}

/// Declared checks.
#[derive(Default, Clone, Copy)]
pub struct Checks {
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        self.min_len.is_none() && self.max_len.is_none() && self.min.is_none() && self.max.is_none()
    }
}

/// Checks the id: present, 1..=16383.
fn check_id(cx: &Ctxt, nla: &NlaAttrs, owner: &dyn quote::ToTokens, what: &str) -> Option<u16> {
    match nla.id {
        None => {
            cx.error_spanned_by(
                owner,
                format!("{what} needs an attribute id: #[nla(id = N)]"),
            );
            None
        }
        Some((0, span)) => {
            cx.syn_error(syn::Error::new(
                span,
                "attribute id 0 is reserved (NLA_UNSPEC); ids start at 1",
            ));
            None
        }
        Some((id, span)) if id > MAX_ATTR_ID => {
            cx.syn_error(syn::Error::new(
                span,
                format!("attribute id {id} exceeds the largest netlink attribute id 16383"),
            ));
            None
        }
        Some((id, _)) => Some(id as u16),
    }
}

/// Records duplicate ids, pointing at the later one.
pub fn check_duplicate_ids(cx: &Ctxt, items: &[(u16, String, Span)]) {
    for (i, (id, name, span)) in items.iter().enumerate() {
        if let Some((_, first, _)) = items[..i].iter().find(|(other, _, _)| other == id) {
            cx.syn_error(syn::Error::new(
                *span,
                format!("duplicate attribute id {id}: already used by `{first}`; `{name}` needs its own"),
            ));
        }
    }
}

pub fn parse_field(cx: &Ctxt, f: &syn::Field) -> Option<Field> {
    let ident = f.ident.clone()?;
    let nla = parse_nla_attrs(cx, &f.attrs, false);
    let id = check_id(cx, &nla, &ident, &format!("field `{ident}`"));
    let ty = &f.ty;
    let mut lazy_multi = false;
    let (shape, value_ty) = if nla.multi.is_some() || nla.indexed.is_some() {
        let span = nla.multi.or(nla.indexed).unwrap_or_else(|| ty.span());
        if nla.multi.is_some() && nla.indexed.is_some() {
            cx.syn_error(syn::Error::new(
                span,
                "`multi` and `indexed` exclude each other",
            ));
        }
        let lazy = if nla.multi.is_some() && nla.indexed.is_none() {
            multi_item(ty)
        } else {
            None
        };
        if let Some(inner) = lazy {
            if nla.be {
                cx.syn_error(syn::Error::new(
                    ty.span(),
                    "`be` is not supported on `Multi` fields; use `Multi<'a, Be<T>>`",
                ));
            }
            lazy_multi = true;
            (Shape::Multi, inner.clone())
        } else {
            match unwrap_generic(ty, "Vec") {
                Some(inner) => (
                    if nla.multi.is_some() {
                        Shape::Multi
                    } else {
                        Shape::Indexed
                    },
                    inner.clone(),
                ),
                None => {
                    cx.syn_error(syn::Error::new(
                        ty.span(),
                        "`multi` fields must have type `Vec<T>` or `Multi<'a, T>`, `indexed` fields `Vec<T>`",
                    ));
                    (Shape::Required, ty.clone())
                }
            }
        }
    } else if let Some(inner) = unwrap_generic(ty, "Option") {
        (Shape::Optional, inner.clone())
    } else if is_bool(ty) {
        (Shape::Flag, ty.clone())
    } else {
        (Shape::Required, ty.clone())
    };
    let checks = Checks {
        min_len: nla.min_len,
        max_len: nla.max_len,
        min: nla.min,
        max: nla.max,
    };
    Some(Field {
        name: ident.to_string().trim_start_matches("r#").to_owned(),
        ident,
        id: id?,
        shape,
        value_ty,
        be: nla.be,
        lazy_multi,
        nested_assert: nla.nested.is_some(),
        checks,
        doc: doc_of(&f.attrs),
        span: f.span(),
        id_span: nla.id.map_or_else(|| f.span(), |(_, s)| s),
    })
}

/// One variant of an attribute stream.
#[allow(clippy::large_enum_variant)] // built once per variant at compile time
pub enum StreamVariant {
    /// `#[nla(id = N)] Name(T)` or a unit flag variant.
    Attr {
        ident: Ident,
        id: u16,
        value_ty: Option<Type>,
        be: bool,
        checks: Checks,
        doc: String,
        span: Span,
        id_span: Span,
    },
    /// `#[nla(other)] Other(u16, &'a [u8])`.
    Other { ident: Ident },
}

pub fn parse_stream_variant(cx: &Ctxt, v: &syn::Variant) -> Option<StreamVariant> {
    let nla = parse_nla_attrs(cx, &v.attrs, true);
    let ident = v.ident.clone();
    if nla.other.is_some() {
        let ok = matches!(&v.fields, syn::Fields::Unnamed(u) if u.unnamed.len() == 2);
        if !ok {
            cx.error_spanned_by(
                &v.ident,
                "the `other` variant must have two fields: `Other(u16, &'a [u8])`",
            );
            return None;
        }
        return Some(StreamVariant::Other { ident });
    }
    let id = check_id(cx, &nla, &v.ident, &format!("variant `{ident}`"));
    for (span, key) in [(nla.multi, "multi"), (nla.indexed, "indexed")] {
        if let Some(span) = span {
            cx.syn_error(syn::Error::new(
                span,
                format!("`{key}` is for struct fields; in a stream every attribute may repeat"),
            ));
        }
    }
    let value_ty = match &v.fields {
        syn::Fields::Unit => None,
        syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => Some(u.unnamed[0].ty.clone()),
        _ => {
            cx.error_spanned_by(
                &v.ident,
                "attribute stream variants carry one value: `Name(T)`, or none for a flag",
            );
            return None;
        }
    };
    Some(StreamVariant::Attr {
        ident,
        id: id?,
        value_ty,
        be: nla.be,
        checks: Checks {
            min_len: nla.min_len,
            max_len: nla.max_len,
            min: nla.min,
            max: nla.max,
        },
        doc: doc_of(&v.attrs),
        span: v.span(),
        id_span: nla.id.map_or_else(|| v.span(), |(_, s)| s),
    })
}

// ---------------------------------------------------------------------------
// Family.

/// Parsed `#[genl(...)]` on a family's command enum.
pub struct FamilyAttrs {
    pub name: String,
    pub version: u8,
    pub c_prefix: Option<String>,
    pub mcast_groups: Vec<String>,
}

pub fn parse_family_attrs(cx: &Ctxt, input: &syn::DeriveInput) -> Option<FamilyAttrs> {
    let mut name: Option<LitStr> = None;
    let mut version = 1u8;
    let mut c_prefix = None;
    let mut mcast_groups = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("genl")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                name = Some(lit_str(&meta)?);
            } else if meta.path.is_ident("version") {
                let (v, span) = lit_u64(&meta)?;
                version = u8::try_from(v)
                    .map_err(|_| syn::Error::new(span, "the family version is a u8"))?;
            } else if meta.path.is_ident("c_prefix") {
                c_prefix = Some(lit_str(&meta)?.value());
            } else if meta.path.is_ident("mcast_groups") {
                let content;
                syn::parenthesized!(content in meta.input);
                let groups = content.parse_terminated(
                    <LitStr as syn::parse::Parse>::parse,
                    syn::Token![,],
                )?;
                for g in groups {
                    if g.value().is_empty() || g.value().len() > MAX_FAMILY_NAME {
                        cx.syn_error(syn::Error::new(
                            g.span(),
                            "multicast group names have 1 to 15 bytes",
                        ));
                    }
                    mcast_groups.push(g.value());
                }
            } else {
                return Err(meta.error(format!(
                    "unknown #[genl] key `{}`; expected one of `name`, `version`, `c_prefix`, `mcast_groups`",
                    key_name(&meta)
                )));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    let Some(name) = name else {
        cx.error_spanned_by(
            &input.ident,
            "a family needs a name: #[genl(name = \"my_family\")]",
        );
        return None;
    };
    let n = name.value();
    if n.is_empty() || n.len() > MAX_FAMILY_NAME {
        cx.syn_error(syn::Error::new(
            name.span(),
            format!(
                "family names have 1 to 15 bytes (GENL_NAMSIZ), `{n}` has {}",
                n.len()
            ),
        ));
    }
    Some(FamilyAttrs {
        name: n,
        version,
        c_prefix,
        mcast_groups,
    })
}

/// One command: a variant of the family enum.
pub struct Command {
    pub ident: Ident,
    pub cmd: u8,
    pub request: Option<Type>,
    pub reply: Option<Type>,
    pub do_: bool,
    pub dump: bool,
    pub admin_perm: bool,
    pub event: bool,
    pub doc: String,
    /// Where the command number was written.
    pub cmd_span: Span,
}

pub fn parse_command(cx: &Ctxt, v: &syn::Variant) -> Option<Command> {
    if !matches!(v.fields, syn::Fields::Unit) {
        cx.error_spanned_by(&v.ident, "family commands are unit variants");
        return None;
    }
    let mut cmd: Option<(u64, Span)> = None;
    let mut request = None;
    let mut reply = None;
    let (mut dump, mut dump_only, mut admin_perm, mut event) = (false, false, false, false);
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("genl")) {
        let r = attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("cmd") {
                cmd = Some(lit_u64(&meta)?);
            } else if p.is_ident("request") {
                request = Some(meta.value()?.parse::<Type>()?);
            } else if p.is_ident("reply") {
                reply = Some(meta.value()?.parse::<Type>()?);
            } else if p.is_ident("dump") {
                dump = true;
            } else if p.is_ident("dump_only") {
                dump = true;
                dump_only = true;
            } else if p.is_ident("admin_perm") {
                admin_perm = true;
            } else if p.is_ident("event") {
                event = true;
            } else {
                return Err(meta.error(format!(
                    "unknown #[genl] key `{}`; expected one of `cmd`, `request`, `reply`, `dump`, `dump_only`, `admin_perm`, `event`",
                    key_name(&meta)
                )));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    let cmd_span = cmd.map_or_else(|| v.span(), |(_, s)| s);
    let cmd = match cmd {
        None => {
            cx.error_spanned_by(&v.ident, "a command needs a number: #[genl(cmd = N)]");
            return None;
        }
        Some((0, span)) => {
            cx.syn_error(syn::Error::new(
                span,
                "command 0 is reserved (CMD_UNSPEC); commands start at 1",
            ));
            return None;
        }
        Some((n, span)) if n > 255 => {
            cx.syn_error(syn::Error::new(span, "command numbers are u8"));
            return None;
        }
        Some((n, _)) => n as u8,
    };
    Some(Command {
        ident: v.ident.clone(),
        cmd,
        request,
        reply,
        do_: !dump_only && !event,
        dump,
        admin_perm,
        event,
        doc: doc_of(&v.attrs),
        cmd_span,
    })
}

/// Rejects type parameters (lifetimes are fine).
pub fn check_generics(cx: &Ctxt, input: &syn::DeriveInput) {
    for p in &input.generics.params {
        if !matches!(p, syn::GenericParam::Lifetime(_)) {
            cx.error_spanned_by(p, "genl derives support lifetime parameters only");
        }
    }
}

/// `ty` with every lifetime replaced by `'static`, for use in `const` schema
/// expressions.
pub fn staticize(ty: &Type) -> Type {
    struct V;
    impl syn::visit_mut::VisitMut for V {
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            *l = syn::Lifetime::new("'static", l.span());
        }
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            if r.lifetime.is_none() {
                r.lifetime = Some(syn::Lifetime::new("'static", Span::call_site()));
            }
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
    }
    let mut t = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut V, &mut t);
    t
}
