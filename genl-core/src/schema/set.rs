//! An attribute set ([`AttrSetSchema`]): its identity, its attributes, and
//! the resolution of a byte offset in an encoded set to an attribute path.

use super::{str_eq, AttrSchema, AttrType};

/// An attribute set: a struct (closed set) or an attribute enum (open set).
#[derive(Debug)]
pub struct AttrSetSchema {
    /// The set's name: the Rust type name unless `#[genl(name = "...")]`
    /// says otherwise. C and YNL names are derived from it, so it is unique
    /// among the sets of a family.
    pub name: &'static str,
    /// The Rust path of the type (`my_crate::kv::KvEntry`): the set's
    /// identity.
    pub path: &'static str,
    /// Prefix of the C enum constants (`DEMO_A_KV`), if declared.
    pub c_prefix: Option<&'static str>,
    /// For a subset (`#[genl(subset_of = Set)]`): the set whose attributes
    /// it selects. Subsets render as that set in C and YNL; an operation
    /// using a subset accepts exactly the subset's attributes and requires
    /// those that are [`Presence::Required`](super::Presence::Required) there.
    pub subset_of: Option<&'static AttrSetSchema>,
    /// The pad attribute's id (`#[genl(pad = N)]`), which the kernel emits
    /// before 64-bit attributes to align them (`nla_put_u64_64bit`).
    pub pad: Option<u16>,
    /// The attributes, in declaration order.
    pub attrs: &'static [AttrSchema],
    /// Doc comment of the type.
    pub doc: &'static str,
}

impl AttrSetSchema {
    /// The set that declares the attributes: `self`, or for a subset the
    /// root of its [`subset_of`](Self::subset_of) chain.
    pub const fn root(&'static self) -> &'static AttrSetSchema {
        let mut s = self;
        while let Some(p) = s.subset_of {
            s = p;
        }
        s
    }

    /// The root's path, without needing a `'static` receiver.
    const fn root_path(&self) -> &'static str {
        match self.subset_of {
            None => self.path,
            Some(p) => p.root().path,
        }
    }

    /// Whether `self` and `other` are views of the same set (same root).
    pub const fn same_set(&self, other: &AttrSetSchema) -> bool {
        str_eq(self.root_path(), other.root_path())
    }

    /// The attribute with `id`.
    pub fn attr(&self, id: u16) -> Option<&'static AttrSchema> {
        self.attrs.iter().find(|a| a.id == id)
    }

    /// The attribute named `name` (usable in `const` context).
    pub const fn attr_named(&self, name: &str) -> Option<&'static AttrSchema> {
        let mut i = 0;
        while i < self.attrs.len() {
            if str_eq(self.attrs[i].name, name) {
                return Some(&self.attrs[i]);
            }
            i += 1;
        }
        None
    }

    /// Resolves a byte `offset` inside `attrs` (attributes encoded as this
    /// set) to the dotted path of the attribute there, `KvEntry.meta.port`,
    /// descending into nests through the schema, and into the elements of
    /// indexed arrays, numbered from 0 in their order on the wire
    /// (`Request.actions[1].kind`). Also returns the nested set when the
    /// attribute found is a nest or an element of an array of nests (for
    /// `NLMSGERR_ATTR_MISS_NEST`).
    pub fn path_at(
        &'static self,
        attrs: &[u8],
        offset: usize,
    ) -> Option<(String, Option<&'static AttrSetSchema>)> {
        use crate::wire::{AttrIter, NLA_HDRLEN};
        let contains = |a: &crate::wire::Attr<'_>, off: usize| {
            off >= a.offset && off < a.offset + NLA_HDRLEN + a.value.len()
        };
        let mut path = self.name.to_owned();
        let mut set = self;
        let mut buf = attrs;
        let mut off = offset;
        loop {
            let attr = AttrIter::new(buf)
                .map_while(Result::ok)
                .find(|a| contains(a, off))?;
            let schema = set.attr(attr.id).or_else(|| set.root().attr(attr.id));
            let Some(s) = schema else {
                path.push_str(&format!(".<attribute {}>", attr.id));
                return Some((path, None));
            };
            path.push('.');
            path.push_str(s.name);
            let mut inner = off - attr.offset;
            let mut value = attr.value;
            let mut ty = &s.ty;
            // An array: find the element, then go on inside it.
            if let AttrType::IndexedArray(elem_ty) = ty {
                if inner < NLA_HDRLEN {
                    return Some((path, None));
                }
                let elem_off = inner - NLA_HDRLEN;
                let Some((i, elem)) = AttrIter::new(value)
                    .map_while(Result::ok)
                    .enumerate()
                    .find(|(_, e)| contains(e, elem_off))
                else {
                    return Some((path, None));
                };
                path.push_str(&format!("[{i}]"));
                inner = elem_off - elem.offset;
                value = elem.value;
                ty = elem_ty;
            }
            match ty {
                AttrType::Nested(n) if inner >= NLA_HDRLEN => {
                    set = n;
                    buf = value;
                    off = inner - NLA_HDRLEN;
                }
                AttrType::Nested(n) => return Some((path, Some(*n))),
                _ => return Some((path, None)),
            }
        }
    }

    /// The largest attribute id (the pad attribute's included), 0 for an
    /// empty set.
    pub fn max_id(&self) -> u16 {
        self.attrs
            .iter()
            .map(|a| a.id)
            .chain(self.pad)
            .max()
            .unwrap_or(0)
    }
}
