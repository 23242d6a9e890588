//! The whole-container model: a derive input parsed into plain data, with
//! every attribute (`#[genl(...)]`, `#[nla(...)]`) read once. Parsing errors
//! go to the [`Ctxt`] with their spans; cross-field rules are checked in
//! [`crate::check`], and the emitters read only this model.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Type};

use crate::ctxt::Ctxt;

/// Largest attribute id (`NLA_TYPE_MASK`), as the parsed ids' type.
pub const MAX_ATTR_ID: u64 = genl_rules::limits::MAX_ATTR_ID as u64;
/// Longest family or multicast group name (`GENL_NAMSIZ - 1`).
pub const MAX_GENL_NAME: usize = genl_rules::limits::GENL_NAME_MAX;

// ---------------------------------------------------------------------------
// Small pieces shared by every container.

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

/// A Rust identifier made of [`genl_rules::case::screaming`]'s words
/// (`delay_ms` → `DELAY_MS`): `_` before a leading digit, or for an empty
/// name (`_6rd_prefix` → `_6RD_PREFIX`).
pub fn screaming_ident(s: &str) -> String {
    ident_start(genl_rules::case::screaming(s))
}

/// A Rust identifier made of [`genl_rules::case::snake`]'s words
/// (`KvFamily` → `kv_family`), as [`screaming_ident`].
pub fn snake_ident(s: &str) -> String {
    ident_start(genl_rules::case::snake(s))
}

/// `s` with `_` in front when it is empty or starts with a digit.
fn ident_start(mut s: String) -> String {
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn lit_u64(meta: &ParseNestedMeta<'_>) -> syn::Result<(u64, Span)> {
    let lit: LitInt = meta.value()?.parse()?;
    Ok((lit.base10_parse::<u64>()?, lit.span()))
}

fn lit_u32(meta: &ParseNestedMeta<'_>) -> syn::Result<u32> {
    let (v, span) = lit_u64(meta)?;
    u32::try_from(v).map_err(|_| syn::Error::new(span, "too large for a u32"))
}

fn lit_i64(meta: &ParseNestedMeta<'_>) -> syn::Result<i64> {
    let expr: Expr = meta.value()?.parse()?;
    let int = |e: &Expr| match e {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Some(i.clone()),
        _ => None,
    };
    match &expr {
        e if int(e).is_some() => int(e).expect("checked").base10_parse::<i64>(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) if int(inner).is_some() => int(inner)
            .expect("checked")
            .base10_parse::<i64>()
            .map(|v| -v),
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
            quote!(#p).to_string()
        })
}

fn unknown_key(meta: &ParseNestedMeta<'_>, what: &str, expected: &str) -> syn::Error {
    meta.error(format!(
        "unknown {what} key `{}`; expected one of {expected}",
        key_name(meta)
    ))
}

/// An attribute id: an integer literal, or a path to a `u16` constant.
#[derive(Clone)]
pub enum Id {
    /// `id = 3`.
    Lit(u64, Span),
    /// `id = ids::KEY`.
    Path(syn::Path),
}

impl Id {
    fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<Id> {
        let expr: Expr = meta.value()?.parse()?;
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => Ok(Id::Lit(i.base10_parse::<u64>()?, i.span())),
            Expr::Path(p) if p.qself.is_none() => Ok(Id::Path(p.path)),
            other => Err(syn::Error::new_spanned(
                other,
                "expected an integer literal or the path of a `u16` constant",
            )),
        }
    }

    /// The literal value, when the id is one.
    pub fn literal(&self) -> Option<u64> {
        match self {
            Id::Lit(v, _) => Some(*v),
            Id::Path(_) => None,
        }
    }

    /// Where the id was written.
    pub fn span(&self) -> Span {
        match self {
            Id::Lit(_, s) => *s,
            Id::Path(p) => p.span(),
        }
    }
}

impl ToTokens for Id {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Id::Lit(v, span) => {
                // As a u16 literal (validated in `check`; out-of-range values
                // are reported there, this only keeps the output parseable).
                let v = u16::try_from(*v).unwrap_or(u16::MAX);
                tokens.extend(quote::quote_spanned!(*span=> #v));
            }
            Id::Path(p) => p.to_tokens(tokens),
        }
    }
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

/// The item type `T` of `Multi<'a, T>` or `LazyMulti<'a, T>` (any path
/// ending in either), and whether it is the lazy one.
pub fn multi_item(ty: &Type) -> Option<(&Type, bool)> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    let deferred = if seg.ident == "Multi" {
        false
    } else if seg.ident == "LazyMulti" {
        true
    } else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (types.next(), types.next()) {
        (Some(t), None) => Some((t, deferred)),
        _ => None,
    }
}

fn is_bool(ty: &Type) -> bool {
    matches!(ty, Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("bool"))
}

/// The lifetime parameter of a set or stream (at most one: the receive
/// buffer's).
pub fn lifetime(cx: &Ctxt, input: &syn::DeriveInput) -> Option<syn::Lifetime> {
    for p in &input.generics.params {
        if !matches!(p, syn::GenericParam::Lifetime(_)) {
            cx.error_spanned_by(p, "genl derives support lifetime parameters only");
        }
    }
    let lts: Vec<_> = input.generics.lifetimes().collect();
    if lts.len() > 1 {
        cx.error_spanned_by(
            &input.generics,
            "genl derives support at most one lifetime parameter (the receive buffer's)",
        );
    }
    lts.first().map(|l| l.lifetime.clone())
}

// ---------------------------------------------------------------------------
// Attribute sets and streams.

/// Declared checks of one attribute.
#[derive(Default, Clone, Copy)]
pub struct Checks {
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Where the first check was written.
    pub span: Option<Span>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        self.min_len.is_none() && self.max_len.is_none() && self.min.is_none() && self.max.is_none()
    }
}

/// Parsed `#[nla(...)]` of a field or variant.
#[derive(Default)]
pub struct Nla {
    pub id: Option<Id>,
    pub multi: Option<Span>,
    pub indexed: Option<Span>,
    pub nested: Option<Span>,
    pub be: Option<Span>,
    pub other: Option<Span>,
    pub checks: Checks,
}

const NLA_KEYS: &str =
    "`id`, `multi`, `indexed`, `nested`, `be`, `min_len`, `max_len`, `min`, `max`";

fn parse_nla(cx: &Ctxt, attrs: &[Attribute], allow_other: bool) -> Nla {
    let mut out = Nla::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("nla")) {
        let r = attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            let check_at = |c: &mut Checks| {
                c.span.get_or_insert(p.span());
            };
            if p.is_ident("id") {
                out.id = Some(Id::parse(&meta)?);
            } else if p.is_ident("multi") {
                out.multi = Some(p.span());
            } else if p.is_ident("indexed") {
                out.indexed = Some(p.span());
            } else if p.is_ident("nested") {
                out.nested = Some(p.span());
            } else if p.is_ident("be") {
                out.be = Some(p.span());
            } else if p.is_ident("other") && allow_other {
                out.other = Some(p.span());
            } else if p.is_ident("min_len") {
                check_at(&mut out.checks);
                out.checks.min_len = Some(lit_u32(&meta)?);
            } else if p.is_ident("max_len") {
                check_at(&mut out.checks);
                out.checks.max_len = Some(lit_u32(&meta)?);
            } else if p.is_ident("min") {
                check_at(&mut out.checks);
                out.checks.min = Some(lit_i64(&meta)?);
            } else if p.is_ident("max") {
                check_at(&mut out.checks);
                out.checks.max = Some(lit_i64(&meta)?);
            } else {
                let extra = if allow_other { ", `other`" } else { "" };
                return Err(unknown_key(&meta, "#[nla]", &format!("{NLA_KEYS}{extra}")));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

/// How a field's attributes appear.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `T`: exactly one, required.
    Required,
    /// `Option<T>`: at most one.
    Optional,
    /// `bool`: a flag, absent = false.
    Flag,
    /// `Vec<T>`/`Multi<'a, T>` + `multi`: repeated attribute.
    Multi,
    /// `Vec<T>` + `indexed`: one nest with numbered children.
    Indexed,
}

/// One attribute of a set: a struct field.
pub struct Field {
    pub ident: Ident,
    /// The field name without `r#`.
    pub name: String,
    /// The id constant the derive defines (`KEY` for `key`).
    pub const_ident: Ident,
    /// `None` in a subset (the id comes from the parent set).
    pub id: Option<Id>,
    pub shape: Shape,
    /// The type of one value (inside `Option`/`Vec`/`Multi`).
    pub value_ty: Type,
    pub be: bool,
    /// A `multi` or `indexed` field of type `Multi<'a, T>` or
    /// `LazyMulti<'a, T>` (borrowed) rather than `Vec<T>`.
    pub lazy_multi: bool,
    /// The `LazyMulti<'a, T>` kind: values decoded only when iterated.
    pub deferred: bool,
    pub nested_assert: bool,
    pub checks: Checks,
    pub doc: String,
    pub span: Span,
}

fn parse_field(cx: &Ctxt, f: &syn::Field) -> Option<Field> {
    let ident = f.ident.clone()?;
    let nla = parse_nla(cx, &f.attrs, false);
    let ty = &f.ty;
    let mut lazy_multi = false;
    let mut deferred = false;
    let (shape, value_ty) = if nla.multi.is_some() || nla.indexed.is_some() {
        let span = nla.multi.or(nla.indexed).unwrap_or_else(|| ty.span());
        if nla.multi.is_some() && nla.indexed.is_some() {
            cx.error_at(span, "`multi` and `indexed` exclude each other");
        }
        let lazy = if nla.multi.is_some() != nla.indexed.is_some() {
            multi_item(ty)
        } else {
            None
        };
        if let Some((inner, lazy_kind)) = lazy {
            if nla.be.is_some() {
                cx.error_at(
                    ty.span(),
                    "`be` is not supported on `Multi` fields; use `Multi<'a, Be<T>>`",
                );
            }
            lazy_multi = true;
            deferred = lazy_kind;
            let shape = if nla.multi.is_some() {
                Shape::Multi
            } else {
                Shape::Indexed
            };
            (shape, inner.clone())
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
                    cx.error_at(
                        ty.span(),
                        "`multi` and `indexed` fields must have type `Vec<T>`, `Multi<'a, T>` or `LazyMulti<'a, T>`",
                    );
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
    let name = ident.to_string().trim_start_matches("r#").to_owned();
    Some(Field {
        const_ident: Ident::new(&screaming_ident(&name), ident.span()),
        name,
        ident,
        id: nla.id,
        shape,
        value_ty,
        be: nla.be.is_some(),
        lazy_multi,
        deferred,
        nested_assert: nla.nested.is_some(),
        checks: nla.checks,
        doc: doc_of(&f.attrs),
        span: f.span(),
    })
}

/// Container attributes of sets and streams.
#[derive(Default)]
struct SetKeys {
    name: Option<LitStr>,
    c_prefix: Option<LitStr>,
    subset_of: Option<Type>,
    pad: Option<Id>,
    id0: bool,
}

fn parse_set_keys(cx: &Ctxt, attrs: &[Attribute], stream: bool) -> SetKeys {
    let mut out = SetKeys::default();
    let expected = if stream {
        "`name`, `c_prefix`"
    } else {
        "`name`, `c_prefix`, `subset_of`, `pad`, `id0`"
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("genl")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("c_prefix") {
                out.c_prefix = Some(lit_str(&meta)?);
            } else if meta.path.is_ident("name") {
                out.name = Some(lit_str(&meta)?);
            } else if meta.path.is_ident("subset_of") && !stream {
                out.subset_of = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("pad") && !stream {
                out.pad = Some(Id::parse(&meta)?);
            } else if meta.path.is_ident("id0") && !stream {
                out.id0 = true;
            } else {
                return Err(unknown_key(&meta, "#[genl]", expected));
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

/// `#[derive(AttrSet)]` on a struct.
pub struct Set {
    pub ident: Ident,
    pub lifetime: Option<syn::Lifetime>,
    /// The set's name (`#[genl(name)]` or the type name).
    pub name: String,
    pub c_prefix: Option<LitStr>,
    /// `#[genl(subset_of = Parent)]`.
    pub subset_of: Option<Type>,
    /// `#[genl(pad = N)]`.
    pub pad: Option<Id>,
    /// `#[genl(id0)]`: attribute id 0 is a real attribute of this set.
    pub id0: bool,
    pub doc: String,
    pub fields: Vec<Field>,
}

impl Set {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Set {
        let keys = parse_set_keys(cx, &input.attrs, false);
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => named
                .named
                .iter()
                .filter_map(|f| parse_field(cx, f))
                .collect(),
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(AttrSet)] needs a struct with named fields; use #[derive(Attrs)] on an enum",
                );
                Vec::new()
            }
        };
        Set {
            lifetime: lifetime(cx, input),
            name: keys
                .name
                .map_or_else(|| input.ident.to_string(), |n| n.value()),
            ident: input.ident.clone(),
            c_prefix: keys.c_prefix,
            subset_of: keys.subset_of,
            pad: keys.pad,
            id0: keys.id0,
            doc: doc_of(&input.attrs),
            fields,
        }
    }
}

/// One variant of an attribute stream.
#[allow(clippy::large_enum_variant)] // a handful per derive, at compile time
pub enum StreamVariant {
    /// `#[nla(id = N)] Name(T)` or a unit flag variant.
    Attr {
        ident: Ident,
        const_ident: Ident,
        id: Option<Id>,
        value_ty: Option<Type>,
        be: bool,
        checks: Checks,
        doc: String,
        span: Span,
    },
    /// `#[nla(other)] Other(u16, &'a [u8])`.
    Other { ident: Ident },
}

fn parse_stream_variant(cx: &Ctxt, v: &syn::Variant) -> Option<StreamVariant> {
    let nla = parse_nla(cx, &v.attrs, true);
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
    for (span, key) in [(nla.multi, "multi"), (nla.indexed, "indexed")] {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!("`{key}` is for struct fields; in a stream every attribute may repeat"),
            );
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
        const_ident: Ident::new(&screaming_ident(&ident.to_string()), ident.span()),
        ident,
        id: nla.id,
        value_ty,
        be: nla.be.is_some(),
        checks: nla.checks,
        doc: doc_of(&v.attrs),
        span: v.span(),
    })
}

/// `#[derive(Attrs)]` on an enum.
pub struct Stream {
    pub ident: Ident,
    pub lifetime: Option<syn::Lifetime>,
    pub name: String,
    pub c_prefix: Option<LitStr>,
    pub doc: String,
    pub variants: Vec<StreamVariant>,
}

impl Stream {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Stream {
        let keys = parse_set_keys(cx, &input.attrs, true);
        let variants = match &input.data {
            syn::Data::Enum(e) => e
                .variants
                .iter()
                .filter_map(|v| parse_stream_variant(cx, v))
                .collect(),
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(Attrs)] needs an enum; use #[derive(AttrSet)] on a struct",
                );
                Vec::new()
            }
        };
        Stream {
            lifetime: lifetime(cx, input),
            name: keys
                .name
                .map_or_else(|| input.ident.to_string(), |n| n.value()),
            ident: input.ident.clone(),
            c_prefix: keys.c_prefix,
            doc: doc_of(&input.attrs),
            variants,
        }
    }
}

// ---------------------------------------------------------------------------
// Value enums.

/// `#[derive(ValueEnum)]` on a C-like enum.
pub struct ValueEnum {
    pub ident: Ident,
    pub c_prefix: Option<LitStr>,
    /// `#[genl(flags)]`: each variant is one bit.
    pub flags: bool,
    /// `u8`..`u64` from `#[repr]`, default `u32`.
    pub repr: Ident,
    pub doc: String,
    /// Variant and its doc.
    pub variants: Vec<(Ident, String)>,
}

impl ValueEnum {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> ValueEnum {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "value enums take no generic parameters");
        }
        let mut c_prefix = None;
        let mut flags = false;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("genl")) {
            let r = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("c_prefix") {
                    c_prefix = Some(lit_str(&meta)?);
                    Ok(())
                } else if meta.path.is_ident("flags") {
                    flags = true;
                    Ok(())
                } else {
                    Err(unknown_key(&meta, "#[genl]", "`c_prefix`, `flags`"))
                }
            });
            if let Err(e) = r {
                cx.syn_error(e);
            }
        }
        let mut repr = None;
        for a in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
            let _ = a.parse_nested_meta(|meta| {
                for t in ["u8", "u16", "u32", "u64"] {
                    if meta.path.is_ident(t) {
                        repr = Some(Ident::new(t, meta.path.span()));
                    }
                }
                Ok(())
            });
        }
        let mut variants = Vec::new();
        match &input.data {
            syn::Data::Enum(e) => {
                for v in &e.variants {
                    if !matches!(v.fields, syn::Fields::Unit) {
                        cx.error_spanned_by(&v.ident, "value enum variants carry no data");
                        continue;
                    }
                    variants.push((v.ident.clone(), doc_of(&v.attrs)));
                }
            }
            _ => cx.error_spanned_by(&input.ident, "#[derive(ValueEnum)] needs an enum"),
        }
        ValueEnum {
            ident: input.ident.clone(),
            c_prefix,
            flags,
            repr: repr.unwrap_or_else(|| Ident::new("u32", Span::call_site())),
            doc: doc_of(&input.attrs),
            variants,
        }
    }
}

// ---------------------------------------------------------------------------
// Families.

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
pub struct Family {
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

impl Family {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Family {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "a family's command enum takes no generic parameters",
            );
        }
        let mut f = Family {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_module_names_are_identifiers() {
        assert_eq!(screaming_ident("delay_ms"), "DELAY_MS");
        assert_eq!(screaming_ident("r#type"), "TYPE");
        assert_eq!(screaming_ident("_6rd_prefix"), "_6RD_PREFIX");
        assert_eq!(snake_ident("KvFamily"), "kv_family");
        assert_eq!(snake_ident("_6Cmd"), "_6_cmd");
    }
}
