//! `attribute-sets` and `sub-messages`: attributes, their ids and checks.

use serde_yaml_ng::{Mapping, Value as Yaml};

use super::limits::limit_value;
use super::yaml::*;
use super::*;

impl SpecFamily {
    pub(super) fn load_sets(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let sets = seq(top, "attribute-sets", "")?;
        // Names first: nests may refer to sets defined later.
        for (i, s) in sets.iter().enumerate() {
            let at = format!("attribute-sets/{}", elem_name(s, i));
            let m = as_map(s, &at)?;
            let name = req_str(m, "name", &at)?;
            if self.set_by_name.insert(name.to_owned(), i).is_some() {
                return Err(err(at, "a second attribute set of this name"));
            }
            self.sets.push(AttrSet {
                name: name.to_owned(),
                subset_of: opt_str(m, "subset-of", &at)?.map(str::to_owned),
                attrs: Vec::new(),
                by_name: HashMap::new(),
                by_id: HashMap::new(),
            });
        }
        // Full sets.
        for (i, s) in sets.iter().enumerate() {
            if self.sets[i].subset_of.is_some() {
                continue;
            }
            let at = format!("attribute-sets/{}", self.sets[i].name);
            let m = as_map(s, &at)?;
            let mut id: u64 = 1;
            let mut attrs = Vec::new();
            for (j, a) in seq(m, "attributes", &at)?.iter().enumerate() {
                let aat = format!("{at}/{}", elem_name(a, j));
                let am = as_map(a, &aat)?;
                if let Some(v) = key(am, "value") {
                    id = v
                        .as_u64()
                        .ok_or_else(|| err(&aat, "`value` is not an attribute id"))?;
                }
                if id > u64::from(genl_rules::limits::MAX_ATTR_ID) {
                    return Err(err(
                        &aat,
                        format!(
                            "attribute id {id} exceeds {}",
                            genl_rules::limits::MAX_ATTR_ID
                        ),
                    ));
                }
                attrs.push(self.load_attr(&aat, am, id as u16)?);
                id += 1;
            }
            self.fill_set(i, attrs, &at)?;
        }
        // Subsets (of full sets, or of subsets already filled).
        let mut left: Vec<usize> = (0..self.sets.len())
            .filter(|&i| self.sets[i].subset_of.is_some())
            .collect();
        let mut filled: Vec<bool> = self.sets.iter().map(|s| s.subset_of.is_none()).collect();
        while !left.is_empty() {
            let before = left.len();
            let mut later = Vec::new();
            for i in left {
                let at = format!("attribute-sets/{}", self.sets[i].name);
                let parent_name = self.sets[i].subset_of.clone().unwrap_or_default();
                let p = *self.set_by_name.get(&parent_name).ok_or_else(|| {
                    err(
                        format!("{at}/subset-of"),
                        format!("unknown attribute set `{parent_name}`"),
                    )
                })?;
                if !filled[p] {
                    later.push(i);
                    continue;
                }
                let m = as_map(&sets[i], &at)?;
                let mut attrs = Vec::new();
                for (j, a) in seq(m, "attributes", &at)?.iter().enumerate() {
                    let aat = format!("{at}/{}", elem_name(a, j));
                    let am = as_map(a, &aat)?;
                    let an = req_str(am, "name", &aat)?;
                    let pa = self.sets[p].attr(an).ok_or_else(|| {
                        err(
                            &aat,
                            format!("attribute set `{parent_name}` has no attribute `{an}`"),
                        )
                    })?;
                    // A name listed twice names the same attribute
                    // (devlink's dl-dpipe-table does this).
                    if !attrs.iter().any(|x: &Attr| x.name == pa.name) {
                        attrs.push(pa.clone());
                    }
                }
                self.fill_set(i, attrs, &at)?;
                filled[i] = true;
            }
            if later.len() == before {
                return Err(err(
                    format!("attribute-sets/{}", self.sets[later[0]].name),
                    "subsets refer to each other in a cycle",
                ));
            }
            left = later;
        }
        Ok(())
    }

    pub(super) fn fill_set(
        &mut self,
        i: usize,
        attrs: Vec<Attr>,
        at: &str,
    ) -> Result<(), SpecError> {
        let set = &mut self.sets[i];
        for (k, a) in attrs.iter().enumerate() {
            if set.by_name.insert(a.name.clone(), k).is_some() {
                return Err(err(
                    format!("{at}/{}", a.name),
                    "a second attribute of this name",
                ));
            }
            // A second attribute with an id: the last wins for decoding, as
            // in nlspec.py.
            set.by_id.insert(a.id, k);
        }
        set.attrs = attrs;
        Ok(())
    }

    pub(super) fn load_attr(&self, at: &str, m: &Mapping, id: u16) -> Result<Attr, SpecError> {
        let name = req_str(m, "name", at)?.to_owned();
        let tname = req_str(m, "type", at)?;
        let ty =
            AttrType::parse(tname).ok_or_else(|| err(at, format!("unknown type `{tname}`")))?;
        let nested = match opt_str(m, "nested-attributes", at)? {
            None => None,
            Some(n) => Some(*self.set_by_name.get(n).ok_or_else(|| {
                err(
                    format!("{at}/nested-attributes"),
                    format!("unknown attribute set `{n}`"),
                )
            })?),
        };
        let sub_type = match opt_str(m, "sub-type", at)? {
            None => None,
            Some(t) => Some(
                AttrType::parse(t)
                    .ok_or_else(|| err(format!("{at}/sub-type"), format!("unknown type `{t}`")))?,
            ),
        };
        let type_value = seq(m, "type-value", at)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("{at}/type-value"), "expected names"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let a = Attr {
            name,
            id,
            ty,
            multi: opt_bool(m, "multi-attr", at)?,
            nested,
            byte_order: byte_order(m, at)?,
            enum_: opt_str(m, "enum", at)?.map(str::to_owned),
            enum_as_flags: opt_bool(m, "enum-as-flags", at)?,
            struct_: opt_str(m, "struct", at)?.map(str::to_owned),
            sub_type,
            display_hint: display_hint(m, at)?,
            sub_message: opt_str(m, "sub-message", at)?.map(str::to_owned),
            selector: opt_str(m, "selector", at)?.map(str::to_owned),
            type_value,
            checks: self.load_checks(m, at)?,
        };
        let needs_nest = matches!(ty, AttrType::Nest | AttrType::NestTypeValue)
            || (ty == AttrType::IndexedArray && sub_type == Some(AttrType::Nest));
        if needs_nest && a.nested.is_none() {
            return Err(err(at, format!("a `{tname}` needs `nested-attributes`")));
        }
        if ty == AttrType::IndexedArray && sub_type.is_none() {
            return Err(err(at, "an `indexed-array` needs `sub-type`"));
        }
        if ty == AttrType::SubMessage && (a.sub_message.is_none() || a.selector.is_none()) {
            return Err(err(
                at,
                "a `sub-message` needs `sub-message` and `selector`",
            ));
        }
        Ok(a)
    }

    /// `checks`: numbers, `const` names, or the limits `u8-max` … `s64-min`.
    pub(super) fn load_checks(&self, m: &Mapping, at: &str) -> Result<Checks, SpecError> {
        let Some(c) = key(m, "checks") else {
            return Ok(Checks::default());
        };
        let at = format!("{at}/checks");
        let c = as_map(c, &at)?;
        let num = |k: &str| -> Result<Option<i128>, SpecError> {
            let Some(v) = key(c, k) else { return Ok(None) };
            if let Some(lim) = v.as_str().and_then(limit_value) {
                return Ok(Some(lim));
            }
            self.int_or_const(v, &format!("{at}/{k}")).map(Some)
        };
        let len = |k: &str| -> Result<Option<u64>, SpecError> {
            num(k)?
                .map(|v| {
                    u64::try_from(v)
                        .map_err(|_| err(format!("{at}/{k}"), format!("{v} is not a length")))
                })
                .transpose()
        };
        Ok(Checks {
            min: num("min")?,
            max: num("max")?,
            min_len: len("min-len")?,
            max_len: len("max-len")?,
            exact_len: len("exact-len")?,
        })
    }

    pub(super) fn load_sub_messages(&mut self, top: &Mapping) -> Result<(), SpecError> {
        for (i, s) in seq(top, "sub-messages", "")?.iter().enumerate() {
            let at = format!("sub-messages/{}", elem_name(s, i));
            let m = as_map(s, &at)?;
            let name = req_str(m, "name", &at)?.to_owned();
            let mut formats = Vec::new();
            for (j, f) in seq(m, "formats", &at)?.iter().enumerate() {
                let fat = format!("{at}/formats/#{j}");
                let fm = as_map(f, &fat)?;
                let value = match key(fm, "value") {
                    Some(Yaml::String(s)) => s.clone(),
                    Some(Yaml::Number(n)) => n.to_string(),
                    _ => return Err(err(fat, "`value` is missing")),
                };
                let attr_set = match opt_str(fm, "attribute-set", &fat)? {
                    None => None,
                    Some(n) => Some(*self.set_by_name.get(n).ok_or_else(|| {
                        err(
                            format!("{fat}/attribute-set"),
                            format!("unknown attribute set `{n}`"),
                        )
                    })?),
                };
                let fixed_header = opt_str(fm, "fixed-header", &fat)?.map(str::to_owned);
                if let Some(h) = &fixed_header {
                    if !self.structs.contains_key(h) {
                        return Err(err(
                            format!("{fat}/fixed-header"),
                            format!("unknown struct `{h}`"),
                        ));
                    }
                }
                formats.push(SubMessageFormat {
                    value,
                    fixed_header,
                    attr_set,
                });
            }
            self.sub_messages
                .insert(name.clone(), SubMessage { name, formats });
        }
        Ok(())
    }
}
