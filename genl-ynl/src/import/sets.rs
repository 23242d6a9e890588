//! The attribute sets an import generates: fields, cycles broken, lifetimes.

use std::collections::{HashMap, HashSet};

use super::doc::escape_doc;
use super::naming::{snake, TypeNames};
use super::select::Selection;
use super::typing::{check_keys, field_kind, numbered, Field, FieldKind, SetOut, MAX_ATTR_ID};
use crate::spec::{AttrSpec, Spec};
use crate::{family, invalid, ImportError, ImportOptions};

/// The sets of `sel`, typed, and the names of those that borrow from the
/// receive buffer (`'a`).
pub(super) fn resolve(
    spec: &Spec,
    model: &family::SpecFamily,
    sel: &Selection<'_>,
    tn: &TypeNames<'_>,
    opts: &ImportOptions,
) -> Result<(Vec<SetOut>, HashSet<String>), ImportError> {
    let (wanted, sets_by_name) = (&sel.wanted, &sel.sets_by_name);
    let (set_names, enum_names) = (&tn.set_names, &tn.enum_names);
    // Resolve the sets.
    let mut sets: Vec<SetOut> = Vec::new();
    for s in &spec.attribute_sets {
        if !wanted.contains(s.name.as_str()) {
            continue;
        }
        let at_set = format!("attribute-sets/{}", s.name);
        let all: Vec<(u64, &AttrSpec)> = match &s.subset_of {
            None => numbered(model, &s.name, &s.attributes)?,
            Some(p) => {
                let parent = sets_by_name.get(p.as_str()).ok_or(ImportError::Unknown {
                    at: at_set.clone(),
                    kind: "attribute set",
                    name: p.clone(),
                })?;
                let pn = numbered(model, &parent.name, &parent.attributes)?;
                let mut v = Vec::new();
                let mut listed = HashSet::new();
                for a in &s.attributes {
                    // A name listed twice (devlink's `dl-dpipe-table` does)
                    // is one attribute.
                    if !listed.insert(a.name.as_str()) {
                        continue;
                    }
                    let found = pn.iter().find(|(_, pa)| pa.name == a.name).ok_or(
                        ImportError::Unknown {
                            at: at_set.clone(),
                            kind: "attribute of the parent set",
                            name: a.name.clone(),
                        },
                    )?;
                    v.push(*found);
                }
                v
            }
        };
        let mut fields = Vec::new();
        let mut seen_ids: HashMap<u64, &str> = HashMap::new();
        let mut seen_idents: HashSet<String> = HashSet::new();
        for (id, a) in all {
            let at = format!("{at_set}/{}", a.name);
            // `unspec`-style placeholders (`type: unused`, usually id 0,
            // as genl's own export and many kernel specs write them) only
            // reserve an id.
            if a.ty.as_deref() == Some("unused") {
                continue;
            }
            if id > MAX_ATTR_ID {
                return Err(invalid(
                    &at,
                    format!("attribute id {id} is not in 0..=16383"),
                ));
            }
            if let Some(prev) = seen_ids.insert(id, &a.name) {
                return Err(invalid(
                    &at,
                    format!("attribute id {id} also used by `{prev}`"),
                ));
            }
            let mut note = Vec::new();
            let (kind, _nests) = field_kind(&at, a, set_names, enum_names, &mut note)?;
            let ident = snake(&a.name);
            if !matches!(kind, FieldKind::Skip(_)) && !seen_idents.insert(ident.clone()) {
                return Err(invalid(
                    &at,
                    format!("two attributes map to the field `{ident}`"),
                ));
            }
            let ty = a.ty.as_deref().unwrap_or_default();
            let mut line = format!("`{}`: `{ty}`, id {id}.", escape_doc(&a.name));
            for n in note {
                line.push(' ');
                line.push_str(&n);
            }
            let checks = if opts.exact {
                let model = model.set(&s.name).and_then(|m| m.attr(&a.name));
                let checks = model.map(|m| m.checks).unwrap_or_default();
                check_keys(&at, a, &checks)?
            } else {
                Vec::new()
            };
            fields.push(Field {
                ynl_name: a.name.clone(),
                ident,
                id,
                kind,
                doc: a.doc.clone(),
                note: line,
                checks,
            });
        }
        sets.push(SetOut {
            ynl_name: s.name.clone(),
            rust: set_names[s.name.as_str()].clone(),
            doc: s.doc.clone(),
            subset_of: s.subset_of.clone(),
            fields,
        });
    }

    // Nests that lead back to their own set (ovs_flow's `encap` is a
    // `key-attrs` inside `key-attrs`) would make an infinitely large type
    // and a cyclic schema; such a field is the nest's raw bytes, decoded
    // on demand with the set's own decoder.
    let nests = |f: &Field| -> Option<String> {
        match &f.kind {
            FieldKind::Single {
                ty, nested: true, ..
            } => Some(ty.clone()),
            FieldKind::Multi { ty }
            | FieldKind::Indexed { ty }
            | FieldKind::TypeValue { inner: ty, .. }
                if sets.iter().any(|s| &s.rust == ty) =>
            {
                Some(ty.clone())
            }
            _ => None,
        }
    };
    let edges: HashMap<String, Vec<String>> = sets
        .iter()
        .map(|s| (s.rust.clone(), s.fields.iter().filter_map(nests).collect()))
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut todo = vec![from.to_owned()];
        let mut seen = HashSet::new();
        while let Some(n) = todo.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                todo.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut cyclic: Vec<(usize, usize, String)> = Vec::new();
    for (si, s) in sets.iter().enumerate() {
        for (fi, f) in s.fields.iter().enumerate() {
            if let Some(t) = nests(f) {
                if reaches(&t, &s.rust) {
                    cyclic.push((si, fi, t));
                }
            }
        }
    }
    for (si, fi, t) in cyclic {
        let f = &mut sets[si].fields[fi];
        f.kind = match &f.kind {
            FieldKind::Single { .. } | FieldKind::TypeValue { .. } => FieldKind::Single {
                ty: "&'a [u8]".into(),
                be: false,
                nested: false,
            },
            _ => FieldKind::Multi {
                ty: "&'a [u8]".into(),
            },
        };
        f.note.push_str(&format!(
            " A nest of [`{t}`], which nests this set again: raw bytes of the nest here \
             (decode them with `{t}::decode`)."
        ));
    }

    // Which sets borrow ('a): strings, bytes, or a nested set that does.
    let mut borrows: HashSet<String> = HashSet::new();
    loop {
        let mut changed = false;
        for s in &sets {
            if borrows.contains(&s.rust) {
                continue;
            }
            let b = s.fields.iter().any(|f| match &f.kind {
                FieldKind::Single { ty, .. }
                | FieldKind::Multi { ty, .. }
                | FieldKind::Indexed { ty }
                | FieldKind::TypeValue { inner: ty, .. } => {
                    ty.contains("'a") || borrows.contains(ty)
                }
                _ => false,
            });
            if b {
                borrows.insert(s.rust.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok((sets, borrows))
}
