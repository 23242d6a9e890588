//! Which operations and attribute sets an import covers, and their ids.

use std::collections::{BTreeSet, HashMap};

use super::typing::OpIds;
use crate::spec::{self, AttrSpec, Spec};
use crate::{family, invalid, ImportError, ImportOptions};

/// The operations and sets of an import.
pub(super) struct Selection<'s> {
    /// The protocol number of a `netlink-raw` family; `None` for generic
    /// netlink.
    pub(super) raw: Option<u8>,
    /// The `directional` operation numbering (else `unified`).
    pub(super) directional: bool,
    /// Every operation of the spec.
    pub(super) ops_list: &'s [spec::OpSpec],
    /// Their numbers, as the run-time model gives them.
    pub(super) ids: Vec<OpIds>,
    /// The operations imported (indexes into `ops_list`, ascending).
    pub(super) selected: Vec<usize>,
    /// The spec's attribute sets by name.
    pub(super) sets_by_name: HashMap<&'s str, &'s spec::AttrSetSpec>,
    /// The sets imported: all, or those the selected operations reach.
    pub(super) wanted: BTreeSet<&'s str>,
}

impl<'s> Selection<'s> {
    /// Selects from `spec` (whose run-time model is `model`) what `opts`
    /// asks for.
    pub(super) fn new(
        spec: &'s Spec,
        model: &family::SpecFamily,
        opts: &ImportOptions,
    ) -> Result<Self, ImportError> {
        let raw = match model.protocol {
            family::Protocol::Genetlink => None,
            family::Protocol::Raw { protonum } => Some(protonum),
        };
        if raw.is_none()
            && (spec.name.is_empty() || spec.name.len() > genl_rules::limits::GENL_NAME_MAX)
        {
            return Err(invalid("name", "family names have 1 to 15 bytes"));
        }
        let directional = model.directional;
        let ops_list: &[spec::OpSpec] = spec.operations.as_ref().map_or(&[], |o| &o.list);
        // The operations' numbers, as the run-time model gives them (one
        // implementation of YNL's numbering: `family.rs`).
        if model.ops.len() != ops_list.len() {
            return Err(invalid(
                "operations",
                format!(
                    "{} operations in the spec, {} in the model",
                    ops_list.len(),
                    model.ops.len()
                ),
            ));
        }
        let ids: Vec<OpIds> = model
            .ops
            .iter()
            .map(|o| OpIds {
                req: o.req_value.map(u64::from),
                rsp: o.rsp_value.map(u64::from),
            })
            .collect();

        // Selected operations.
        let selected: Vec<usize> =
            match &opts.ops {
                None => (0..ops_list.len()).collect(),
                Some(names) => {
                    let mut v = Vec::new();
                    for n in names {
                        let i = ops_list.iter().position(|o| &o.name == n).ok_or(
                            ImportError::Unknown {
                                at: "--ops".into(),
                                kind: "operation",
                                name: n.clone(),
                            },
                        )?;
                        if !v.contains(&i) {
                            v.push(i);
                        }
                    }
                    v.sort_unstable();
                    v
                }
            };

        let sets_by_name: HashMap<&str, &spec::AttrSetSpec> = spec
            .attribute_sets
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        let mut sel = Selection {
            raw,
            directional,
            ops_list,
            ids,
            selected,
            sets_by_name,
            wanted: BTreeSet::new(),
        };
        sel.wanted = sel.reached(spec, opts)?;
        Ok(sel)
    }

    /// The attribute set of operation `i` (a notification's is its
    /// target's), checked to exist.
    pub(super) fn op_set(&self, i: usize) -> Result<Option<&'s str>, ImportError> {
        let (ops_list, sets_by_name) = (self.ops_list, &self.sets_by_name);
        let op = &ops_list[i];
        let mut name = op.attribute_set.as_deref();
        if name.is_none() {
            if let Some(target) = &op.notify {
                let t =
                    ops_list
                        .iter()
                        .find(|o| &o.name == target)
                        .ok_or(ImportError::Unknown {
                            at: format!("operations/{}", op.name),
                            kind: "operation",
                            name: target.clone(),
                        })?;
                name = t.attribute_set.as_deref();
            }
        }
        if let Some(n) = name {
            if !sets_by_name.contains_key(n) {
                return Err(ImportError::Unknown {
                    at: format!("operations/{}", op.name),
                    kind: "attribute set",
                    name: n.to_owned(),
                });
            }
        }
        Ok(name)
    }

    /// The sets to generate: all, or those the selected ops reach.
    fn reached(
        &self,
        spec: &'s Spec,
        opts: &ImportOptions,
    ) -> Result<BTreeSet<&'s str>, ImportError> {
        let (selected, sets_by_name) = (&self.selected, &self.sets_by_name);
        let op_set = |i| self.op_set(i);
        let mut wanted: BTreeSet<&str> = BTreeSet::new();
        if opts.ops.is_none() {
            wanted.extend(spec.attribute_sets.iter().map(|s| s.name.as_str()));
        } else {
            let mut todo: Vec<&str> = Vec::new();
            for &i in selected.iter() {
                if let Some(s) = op_set(i)? {
                    todo.push(s);
                }
            }
            while let Some(s) = todo.pop() {
                if !wanted.insert(s) {
                    continue;
                }
                let set = sets_by_name[s];
                let attrs: Vec<&AttrSpec> = match &set.subset_of {
                    None => set.attributes.iter().collect(),
                    Some(p) => {
                        let parent = sets_by_name.get(p.as_str()).ok_or(ImportError::Unknown {
                            at: format!("attribute-sets/{s}"),
                            kind: "attribute set",
                            name: p.clone(),
                        })?;
                        set.attributes
                            .iter()
                            .filter_map(|a| parent.attributes.iter().find(|pa| pa.name == a.name))
                            .collect()
                    }
                };
                for a in attrs {
                    if let Some(n) = &a.nested_attributes {
                        if !sets_by_name.contains_key(n.as_str()) {
                            return Err(ImportError::Unknown {
                                at: format!("attribute-sets/{s}/{}", a.name),
                                kind: "attribute set",
                                name: n.clone(),
                            });
                        }
                        todo.push(n);
                    }
                }
            }
        }
        Ok(wanted)
    }
}
