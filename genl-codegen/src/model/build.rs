//! The steps of [`FamilyModel::new`](super::FamilyModel::new): the
//! family's names, its multicast groups and commands checked, the sets its
//! commands reach walked, and its value enums and root sets named and
//! checked.

use std::collections::BTreeMap;

use genl_core::schema::{AttrSchema, AttrSetSchema, AttrType, CommandSchema, FamilySchema};

use super::{
    err, Attr, AttrSet, EnumId, Group, Pad, SetId, ValueEnum, Variant, GENL_NAME_MAX, MAX_ATTR_ID,
};
use crate::names::{c_upper, is_c_ident, kebab, screaming};
use crate::CodegenError;

/// The root of `view`, refusing a cyclic `subset_of` chain (possible in
/// hand-written `static` descriptors).
fn root_of(
    fam: &str,
    view: &'static AttrSetSchema,
) -> Result<&'static AttrSetSchema, CodegenError> {
    let mut s = view;
    for _ in 0..64 {
        match s.subset_of {
            None => return Ok(s),
            Some(p) => s = p,
        }
    }
    err(format!(
        "family {fam}: set `{}`: its subset_of chain does not end (a cycle?)",
        view.path
    ))
}

/// `(suffix, value)` of the limit defines of an attribute's checks.
fn limit_defines(a: &AttrSchema) -> Vec<(&'static str, String)> {
    let c = &a.checks;
    let mut out = Vec::new();
    if let Some(v) = c.exact_len {
        out.push(("EXACT_LEN", v.to_string()));
    }
    if let Some(v) = c.min_len {
        out.push(("MIN_LEN", v.to_string()));
    }
    if let Some(v) = c.max_len {
        out.push(("MAX_LEN", v.to_string()));
    }
    if let Some(v) = c.min {
        out.push(("MIN", crate::text::int_literal(v)));
    }
    if let Some(v) = c.max {
        out.push(("MAX", crate::text::int_literal(v)));
    }
    out
}

/// The uapi header's include guard, as `ynl-gen-c.py` derives it: from the
/// file name for `linux/<name>.h`, else from the family name.
pub(super) fn uapi_guard(header: &str, family: &str) -> String {
    let base = header
        .strip_prefix("linux/")
        .and_then(|h| h.strip_suffix(".h"))
        .filter(|h| !h.contains('/'))
        .map_or_else(|| family.replace('-', "_"), str::to_owned);
    let up: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("_UAPI_LINUX_{up}_H")
}

fn check_uapi_path(fam: &str, path: &str) -> Result<(), CodegenError> {
    let ok = path.ends_with(".h")
        && path.len() > 2
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        err(format!(
            "family {fam}: uapi header {path:?} is not a relative path to a .h file under \
             include/uapi/ (e.g. \"linux/{}.h\")",
            fam.replace('-', "_")
        ))
    }
}

/// Builder state: views of sets seen, by Rust path.
pub(super) struct Walk {
    fam: &'static str,
    /// Root paths in first-seen order, with their subsets.
    roots: Vec<(&'static AttrSetSchema, Vec<&'static AttrSetSchema>)>,
    /// Every view's path → index into `roots`.
    pub(super) view_root: BTreeMap<&'static str, usize>,
}

impl Walk {
    fn visit(
        &mut self,
        view: &'static AttrSetSchema,
        stack: &mut Vec<&'static str>,
    ) -> Result<(), CodegenError> {
        if stack.contains(&view.path) {
            return err(format!(
                "family {}: attribute set `{}` nests itself ({} → {}): static kernel policies \
                 cannot express recursion",
                self.fam,
                view.path,
                stack.join(" → "),
                view.path
            ));
        }
        if self.view_root.contains_key(view.path) {
            return Ok(());
        }
        let root = root_of(self.fam, view)?;
        let idx = match self.roots.iter().position(|(r, _)| r.path == root.path) {
            Some(i) => i,
            None => {
                self.roots.push((root, Vec::new()));
                self.roots.len() - 1
            }
        };
        self.view_root.insert(view.path, idx);
        if view.path != root.path {
            self.roots[idx].1.push(view);
        }
        stack.push(view.path);
        // A subset's attributes are its root's, but its nests may be
        // subsets of their own: follow both.
        let mut sets = vec![view];
        if view.path != root.path {
            sets.push(root);
        }
        for s in sets {
            for a in s.attrs {
                if let Some(n) = a.ty.nested_set() {
                    self.visit(n, stack)?;
                }
            }
        }
        stack.pop();
        // The root's own nests, when it was reached through a subset.
        if view.path != root.path && !self.view_root.contains_key(root.path) {
            self.visit(root, stack)?;
        }
        Ok(())
    }
}

/// The family's name checked; its C prefix (`up`), the prefix in lower
/// case and its uapi header (checked).
pub(super) fn names(
    family: &'static FamilySchema,
) -> Result<(String, String, String), CodegenError> {
    let fam = family.name;
    if fam.is_empty() || fam.len() > GENL_NAME_MAX {
        return err(format!(
            "family name {fam:?} must be 1 to {GENL_NAME_MAX} bytes (GENL_NAMSIZ)"
        ));
    }
    let up = match family.c_prefix {
        Some(p) => p.to_owned(),
        None => screaming(fam),
    };
    if !is_c_ident(&up) {
        return err(format!(
            "family {fam}: C prefix {up:?} is not a C identifier; declare one with \
                 #[genl(c_prefix = \"...\")]"
        ));
    }
    let low = up.to_lowercase();
    let uapi_header = family.uapi_header();
    check_uapi_path(fam, &uapi_header)?;
    Ok((up, low, uapi_header))
}

/// The multicast groups, named and checked.
pub(super) fn groups(family: &'static FamilySchema, up: &str) -> Result<Vec<Group>, CodegenError> {
    let fam = family.name;
    // Multicast groups.
    let mut groups: Vec<Group> = Vec::new();
    for g in family.mcast_groups {
        if g.is_empty() || g.len() > GENL_NAME_MAX {
            return err(format!(
                "family {fam}: multicast group name {g:?} must be 1 to {GENL_NAME_MAX} bytes"
            ));
        }
        if groups.iter().any(|o| o.name == *g) {
            return err(format!(
                "family {fam}: multicast group {g:?} is declared twice"
            ));
        }
        let mcgrp_define = format!("{up}_MCGRP_{}", screaming(g));
        let ynl_default = c_upper(&format!("{}-mcgrp-{g}", fam.replace('-', "_")));
        groups.push(Group {
            name: g,
            ynl_define_explicit: ynl_default != mcgrp_define,
            mcgrp_define,
            nlgrp: format!("{up}_NLGRP_{}", screaming(g)),
        });
    }
    Ok(groups)
}

/// The commands by number, checked (unique, from 1).
pub(super) fn commands(
    family: &'static FamilySchema,
    up: &str,
) -> Result<Vec<&'static CommandSchema>, CodegenError> {
    let fam = family.name;
    // Commands, by number.
    let mut cmds: Vec<&'static CommandSchema> = family.commands.iter().collect();
    cmds.sort_by_key(|c| c.id);
    for w in cmds.windows(2) {
        if w[0].id == w[1].id {
            return err(format!(
                "family {fam}: commands {} and {} share number {}",
                w[0].name, w[1].name, w[0].id
            ));
        }
    }
    if let Some(c) = cmds.iter().find(|c| c.id == 0) {
        return err(format!(
            "family {fam}: command {} has number 0, which is {up}_CMD_UNSPEC; number \
                 commands from 1",
            c.name
        ));
    }
    Ok(cmds)
}

/// Every set `cmds` reach, grouped by root.
pub(super) fn walk(
    fam: &'static str,
    cmds: &[&'static CommandSchema],
) -> Result<Walk, CodegenError> {
    // Every set the commands reach, grouped by root.
    let mut walk = Walk {
        fam,
        roots: Vec::new(),
        view_root: BTreeMap::new(),
    };
    for c in cmds {
        for s in c.sets() {
            walk.visit(s, &mut Vec::new())?;
        }
    }
    Ok(walk)
}

/// The value enums of the walked sets (identity: path), named and
/// checked.
pub(super) fn value_enums(
    fam: &str,
    up: &str,
    walk: &Walk,
) -> Result<Vec<ValueEnum>, CodegenError> {
    // Value enums (identity: path).
    let mut enums: Vec<ValueEnum> = Vec::new();
    for (root, subsets) in &walk.roots {
        for s in std::iter::once(root).chain(subsets.iter()) {
            for a in s.attrs {
                let Some(e) = a.value_enum else { continue };
                if enums.iter().any(|x| x.schema.path == e.path) {
                    continue;
                }
                let prefix = match e.c_prefix {
                    Some(p) => p.to_owned(),
                    None => format!("{up}_{}", screaming(e.name)),
                };
                if !is_c_ident(&prefix) {
                    return err(format!(
                        "family {fam}: value enum `{}`: C prefix {prefix:?} is not a C \
                             identifier",
                        e.path
                    ));
                }
                if let Some(o) = enums
                    .iter()
                    .find(|o| o.prefix == prefix || o.schema.name == e.name)
                {
                    return err(format!(
                        "family {fam}: value enums `{}` and `{}` have the same {}, so their \
                             C and YNL names collide; rename one or give it its own \
                             #[genl(c_prefix = \"...\")]",
                        o.schema.path,
                        e.path,
                        if o.prefix == prefix {
                            format!("C prefix {prefix}")
                        } else {
                            format!("name {}", e.name)
                        }
                    ));
                }
                let variants: Vec<Variant> = e
                    .variants
                    .iter()
                    .map(|v| Variant {
                        schema: v,
                        c_name: format!("{prefix}_{}", screaming(v.name)),
                        ynl_name: kebab(&screaming(v.name)),
                    })
                    .collect();
                let mut by_value: Vec<(u64, usize)> = e
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.value, i))
                    .collect();
                by_value.sort();
                let contiguous = by_value
                    .windows(2)
                    .all(|w| w[0].0.checked_add(1) == Some(w[1].0));
                let contiguous = match (contiguous, by_value.first(), by_value.last()) {
                    (true, Some(f), Some(l)) => Some((f.1, l.1)),
                    _ => None,
                };
                let ident = c_upper(&fam.replace('-', "_"));
                let (ynl_name, ynl_explicit) = match prefix.strip_prefix(&format!("{ident}_")) {
                    Some(rest) if !rest.is_empty() => (kebab(rest), false),
                    _ => (kebab(&prefix), true),
                };
                enums.push(ValueEnum {
                    schema: e,
                    tag: prefix.to_lowercase(),
                    prefix,
                    variants,
                    contiguous,
                    ynl_name,
                    ynl_explicit,
                });
            }
        }
    }
    Ok(enums)
}

/// The root sets, named and checked, with their attributes.
pub(super) fn root_sets(
    fam: &str,
    up: &str,
    walk: &Walk,
    enums: &[ValueEnum],
) -> Result<Vec<AttrSet>, CodegenError> {
    // Root sets.
    let mut sets: Vec<AttrSet> = Vec::new();
    for (root, subsets) in &walk.roots {
        let prefix = match root.c_prefix {
            Some(p) => p.to_owned(),
            None => format!("{up}_A_{}", screaming(root.name)),
        };
        if !is_c_ident(&prefix) {
            return err(format!(
                "family {fam}: attribute set `{}`: C prefix {prefix:?} is not a C identifier",
                root.path
            ));
        }
        for o in &sets {
            if o.root.name == root.name {
                return err(format!(
                    "family {fam}: attribute sets `{}` and `{}` are both named {}, so their \
                         C and YNL names collide; rename one with #[genl(name = \"...\")]",
                    o.root.path, root.path, root.name
                ));
            }
            if o.prefix == prefix {
                return err(format!(
                    "family {fam}: attribute sets `{}` and `{}` have the same C prefix \
                         {prefix}, so their C and YNL names collide; give one its own \
                         #[genl(c_prefix = \"...\")] (a set selecting attributes of another \
                         is a subset: #[genl(subset_of = ...)])",
                    o.root.path, root.path
                ));
            }
        }
        let set_strip = format!("{up}_A_");
        let ynl_name = kebab(
            prefix
                .strip_prefix(&set_strip)
                .filter(|r| !r.is_empty())
                .unwrap_or(&prefix),
        );
        if let Some(o) = sets.iter().find(|o| o.ynl_name == ynl_name) {
            return err(format!(
                "family {fam}: attribute sets `{}` ({}) and `{}` ({prefix}) would both be \
                     named {ynl_name:?} in YNL; give one another #[genl(c_prefix = \"...\")]",
                o.root.path, o.prefix, root.path
            ));
        }

        let (attrs, pad) = root_attrs(fam, root, &prefix, walk, enums)?;
        check_subsets(fam, root, subsets)?;
        sets.push(AttrSet {
            root,
            subsets: subsets.clone(),
            unspec: format!("{prefix}_UNSPEC"),
            cnt: format!("__{prefix}_MAX"),
            max: format!("{prefix}_MAX"),
            prefix,
            ynl_name,
            attrs,
            pad,
            sent_by_kernel: false,
        });
    }
    Ok(sets)
}

/// The attributes of `root` (C prefix `prefix`), checked and sorted by
/// id, and its pad attribute.
fn root_attrs(
    fam: &str,
    root: &'static AttrSetSchema,
    prefix: &str,
    walk: &Walk,
    enums: &[ValueEnum],
) -> Result<(Vec<Attr>, Option<Pad>), CodegenError> {
    // Attributes of the root.
    let mut attrs: Vec<Attr> = Vec::new();
    for a in root.attrs {
        let at = format!("{}.{}", root.name, a.name);
        if a.id == 0 || a.id > MAX_ATTR_ID {
            return err(format!(
                "family {fam}: attribute {at} has id {}: ids are 1 to {MAX_ATTR_ID} \
                         (0 is {prefix}_UNSPEC)",
                a.id
            ));
        }
        if let Some(o) = attrs.iter().find(|o| o.schema.id == a.id) {
            return err(format!(
                "family {fam}: attributes {}.{} and {at} share id {}",
                root.name, o.schema.name, a.id
            ));
        }
        if matches!(a.ty, AttrType::S8 | AttrType::S16)
            || matches!(a.ty, AttrType::IndexedArray(AttrType::S8 | AttrType::S16))
        {
            return err(format!(
                "family {fam}: attribute {at}: type {} has no YNL type (YNL has u8, \
                         u16, u32, u64, s32 and s64); use i32",
                a.ty.ynl_name()
            ));
        }
        let nested = a.ty.nested_set().map(|n| SetId(walk.view_root[n.path]));
        let value_enum = a.value_enum.map(|e| {
            EnumId(
                enums
                    .iter()
                    .position(|x| x.schema.path == e.path)
                    .expect("every value enum was collected"),
            )
        });
        attrs.push(Attr {
            schema: a,
            c_name: format!("{prefix}_{}", screaming(a.name)),
            ynl_name: kebab(&screaming(a.name)),
            nested,
            value_enum,
            limits: limit_defines(a),
            put_helper: None,
        });
    }
    attrs.sort_by_key(|a| a.schema.id);
    let pad = match root.pad {
        None => None,
        Some(id) => {
            if id == 0 || id > MAX_ATTR_ID {
                return err(format!(
                    "family {fam}: set {}: pad attribute id {id} is out of 1 to \
                             {MAX_ATTR_ID}",
                    root.name
                ));
            }
            if let Some(o) = attrs.iter().find(|o| o.schema.id == id) {
                return err(format!(
                    "family {fam}: set {}: the pad attribute and `{}` share id {id}",
                    root.name, o.schema.name
                ));
            }
            Some(Pad {
                id,
                c_name: format!("{prefix}_PAD"),
            })
        }
    };
    Ok((attrs, pad))
}

/// Subsets select the root's attributes, unchanged.
fn check_subsets(
    fam: &str,
    root: &'static AttrSetSchema,
    subsets: &[&'static AttrSetSchema],
) -> Result<(), CodegenError> {
    // Subsets select the root's attributes, unchanged.
    for s in subsets {
        for a in s.attrs {
            let ok = root.attr_named(a.name).is_some_and(|r| {
                r.id == a.id && r.ty.same_as(&a.ty) && r.byte_order == a.byte_order
            });
            if !ok {
                return err(format!(
                    "family {fam}: subset `{}` has attribute `{}`, which its set `{}` \
                             does not declare with the same id, type and byte order",
                    s.path, a.name, root.path
                ));
            }
        }
    }
    Ok(())
}
