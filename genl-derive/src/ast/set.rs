//! Attribute sets (`#[derive(AttrSet)]`): their fields and the
//! `#[nla(...)]` keys on them (shared with attribute enums' variants).

use super::*;

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

pub(super) fn parse_nla(cx: &Ctxt, attrs: &[Attribute], allow_other: bool) -> Nla {
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
    /// `Vec<T>`/`CheckedMulti<'a, T>` + `multi`: repeated attribute.
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
    /// The type of one value (inside `Option`/`Vec`/`CheckedMulti`).
    pub value_ty: Type,
    pub be: bool,
    /// A `multi` or `indexed` field of type `CheckedMulti<'a, T>` or
    /// `DeferredMulti<'a, T>` (borrowed) rather than `Vec<T>`.
    pub borrowed_multi: bool,
    /// The `DeferredMulti<'a, T>` kind: values decoded only when iterated.
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
    let mut borrowed_multi = false;
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
                    "`be` is not supported on `CheckedMulti` fields; use `CheckedMulti<'a, Be<T>>`",
                );
            }
            borrowed_multi = true;
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
                        "`multi` and `indexed` fields must have type `Vec<T>`, `CheckedMulti<'a, T>` or `DeferredMulti<'a, T>`",
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
        borrowed_multi,
        deferred,
        nested_assert: nla.nested.is_some(),
        checks: nla.checks,
        doc: doc_of(&f.attrs),
        span: f.span(),
    })
}

/// Container attributes of sets and attribute enums.
#[derive(Default)]
pub(super) struct SetKeys {
    pub(super) name: Option<LitStr>,
    pub(super) c_prefix: Option<LitStr>,
    subset_of: Option<Type>,
    pad: Option<Id>,
    id0: bool,
}

pub(super) fn parse_set_keys(cx: &Ctxt, attrs: &[Attribute], attr_enum: bool) -> SetKeys {
    let mut out = SetKeys::default();
    let expected = if attr_enum {
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
            } else if meta.path.is_ident("subset_of") && !attr_enum {
                out.subset_of = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("pad") && !attr_enum {
                out.pad = Some(Id::parse(&meta)?);
            } else if meta.path.is_ident("id0") && !attr_enum {
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
                    "#[derive(AttrSet)] needs a struct with named fields; use #[derive(AttrEnum)] on an enum",
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
