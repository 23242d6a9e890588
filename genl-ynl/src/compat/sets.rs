//! Attribute sets, their attributes and checks, and sub-messages.

use super::*;

impl Cmp<'_> {
    pub(super) fn sets(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        for os in &o.sets {
            let at = format!("attribute-sets/{}", os.name);
            let Some(ns) = n.set(&os.name) else {
                self.push(
                    SET_REMOVED,
                    at,
                    format!("the attribute set `{}` is gone", os.name),
                );
                continue;
            };
            if os.subset_of.is_some() || ns.subset_of.is_some() {
                continue;
            }
            let mut removed: Vec<&Attr> = Vec::new();
            let mut matched: Vec<(&Attr, &Attr)> = Vec::new();
            for oa in &os.attrs {
                match ns.attr(&oa.name) {
                    Some(na) => matched.push((oa, na)),
                    None => removed.push(oa),
                }
            }
            let mut added: Vec<&Attr> = ns
                .attrs
                .iter()
                .filter(|a| os.attr(&a.name).is_none())
                .collect();
            let renamed = pair_renames(&mut removed, &mut added, |r, a| {
                r.id == a.id && r.ty == a.ty
            });
            let mut map = HashMap::new();
            for (oa, na) in &matched {
                self.attr(&at, os, oa, na);
            }
            for (oa, na) in renamed {
                self.push(
                    ATTR_RENAMED,
                    format!("{at}/{}", oa.name),
                    format!(
                        "`{}` is now `{}` (same id {} and type {})",
                        oa.name,
                        na.name,
                        oa.id,
                        oa.ty.name()
                    ),
                );
                map.insert(oa.name.clone(), na.name.clone());
                self.attr(&at, os, oa, na);
            }
            for oa in removed {
                self.push(
                    ATTR_REMOVED,
                    format!("{at}/{}", oa.name),
                    format!(
                        "`{}` (id {}) is gone: an old client sending it gets EINVAL under strict validation (unknown attribute), and no longer finds it in replies",
                        oa.name, oa.id
                    ),
                );
            }
            for na in added {
                self.push(
                    ATTR_ADDED,
                    format!("{at}/{}", na.name),
                    format!(
                        "new `{}` (id {}, {}): a new client sending it to an old module gets EINVAL (\"Unknown attribute type\" under strict validation); an old client ignores it in replies and notifications",
                        na.name,
                        na.id,
                        na.ty.name()
                    ),
                );
            }
            self.renames.insert(os.name.clone(), map);
        }
    }

    pub(super) fn attr(&mut self, set_at: &str, os: &AttrSet, oa: &Attr, na: &Attr) {
        let at = format!("{set_at}/{}", oa.name);
        let (o, n) = (&self.old.fam, &self.new.fam);
        if oa.id != na.id {
            self.push(
                ATTR_RENUMBERED,
                &at,
                format!(
                    "`{}` was id {} and is now id {}: old and new peers read each other's `{}` as another attribute",
                    oa.name, oa.id, na.id, oa.name
                ),
            );
        }
        let array = |a: &Attr, b: &Attr| a.multi && !b.multi && b.ty == AttrType::IndexedArray;
        let mut wire_same = true;
        if array(oa, na) || array(na, oa) {
            wire_same = false;
            self.push(
                ATTR_ARRAY_FORM_CHANGED,
                &at,
                if oa.multi {
                    "a repeated (multi-attr) attribute became an indexed-array: one nest of indexed entries"
                } else {
                    "an indexed-array (one nest of indexed entries) became a repeated (multi-attr) attribute"
                },
            );
        } else if is_nest(oa) != is_nest(na) {
            wire_same = false;
            self.push(
                ATTR_NEST_CHANGED,
                &at,
                format!(
                    "`{}` changed from {} to {}: peers read a nest as a value or the other way",
                    oa.name,
                    oa.ty.name(),
                    na.ty.name()
                ),
            );
        } else {
            if oa.ty != na.ty || oa.sub_type != na.sub_type {
                wire_same = false;
                let t = |a: &Attr| match a.sub_type {
                    Some(s) => format!("{} of {}", a.ty.name(), s.name()),
                    None => a.ty.name().to_owned(),
                };
                let mut m = format!("`{}` changed from {} to {}", oa.name, t(oa), t(na));
                if let (Some(wo), Some(wn)) = (width(oa.ty), width(na.ty)) {
                    if wo != wn {
                        m.push_str(&format!(
                            " ({wo} to {wn}): an old client's value fails the new module's length check (EINVAL) or is misread, and an old client misreads replies"
                        ));
                    }
                    if matches!(na.ty, AttrType::Uint | AttrType::Sint) {
                        m.push_str("; compatible while values fit in 32 bits");
                    }
                }
                self.push(ATTR_TYPE_CHANGED, &at, m);
            }
            if oa.multi != na.multi {
                wire_same = false;
                self.push(
                    ATTR_MULTI_CHANGED,
                    &at,
                    if oa.multi {
                        "multi-attr dropped: a repeated attribute is now single (the new module keeps one of several)"
                    } else {
                        "multi-attr added: a single attribute now repeats (an old client keeps one of several)"
                    },
                );
            }
            match (oa.nested, na.nested) {
                (Some(a), Some(b)) if o.sets[a].name != n.sets[b].name => {
                    wire_same = false;
                    self.push(
                        ATTR_NESTED_SET_CHANGED,
                        &at,
                        format!(
                            "the nest held `{}` and now holds `{}`",
                            o.sets[a].name, n.sets[b].name
                        ),
                    );
                }
                _ => {}
            }
        }
        if wire_same && oa.byte_order != na.byte_order {
            self.push(
                ATTR_BYTE_ORDER_CHANGED,
                &at,
                format!(
                    "byte order {:?} is now {:?}: peers read each other's value byte-swapped",
                    oa.byte_order, na.byte_order
                ),
            );
        }
        if wire_same {
            // A struct of the same name that changed is STRUCT_LAYOUT_CHANGED.
            if let (Some(a), Some(b)) = (&oa.struct_, &na.struct_) {
                let la = o.structs.get(a).map(layout);
                let lb = n.structs.get(b).map(layout);
                if a != b && la != lb {
                    self.push(
                        ATTR_STRUCT_CHANGED,
                        &at,
                        format!(
                            "the binary is laid out as struct `{b}` ({} bytes), was `{a}` ({} bytes)",
                            n.struct_size(Some(b)),
                            o.struct_size(Some(a))
                        ),
                    );
                }
            }
            if oa.sub_message != na.sub_message || oa.selector != na.selector {
                self.push(
                    ATTR_SUB_MESSAGE_CHANGED,
                    &at,
                    format!(
                        "sub-message `{}` selected by `{}` is now `{}` selected by `{}`",
                        oa.sub_message.as_deref().unwrap_or("-"),
                        oa.selector.as_deref().unwrap_or("-"),
                        na.sub_message.as_deref().unwrap_or("-"),
                        na.selector.as_deref().unwrap_or("-")
                    ),
                );
            }
        }
        if (oa.enum_.is_some() && na.enum_.is_some() && oa.enum_ != na.enum_)
            || (oa.enum_.is_some() && na.enum_.is_some() && oa.enum_as_flags != na.enum_as_flags)
        {
            self.push(
                ATTR_ENUM_CHANGED,
                &at,
                format!(
                    "values were read as `{}`{} and now as `{}`{}",
                    oa.enum_.as_deref().unwrap_or("-"),
                    if oa.enum_as_flags { " (as flags)" } else { "" },
                    na.enum_.as_deref().unwrap_or("-"),
                    if na.enum_as_flags { " (as flags)" } else { "" },
                ),
            );
        }
        self.checks(&at, os, oa, na);
    }

    pub(super) fn checks(&mut self, at: &str, os: &AttrSet, oa: &Attr, na: &Attr) {
        let empty = BTreeMap::new();
        let oc = self
            .old
            .attrs
            .get(&(os.name.clone(), oa.name.clone()))
            .map_or(&empty, |x| &x.checks);
        let nc = self
            .new
            .attrs
            .get(&(os.name.clone(), na.name.clone()))
            .map_or(&empty, |x| &x.checks);
        let mut keys: Vec<&String> = oc.keys().chain(nc.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let (ov, nv) = (oc.get(k), nc.get(k));
            let num = |f: &SpecFamily, v: Option<&Yaml>| v.and_then(|v| check_value(f, v));
            let (on, nn) = (num(&self.old.fam, ov), num(&self.new.fam, nv));
            // The same limit (maybe spelled differently), or the same
            // text that is not a number.
            if (on.is_some() && on == nn) || (on.is_none() && nn.is_none() && ov == nv) {
                continue;
            }
            let sv = |v: Option<&Yaml>| v.map_or("none".to_owned(), show);
            let desc = format!("`{k}` {} is now {}", sv(ov), sv(nv));
            // Some(true): tightened, Some(false): loosened, None: no change.
            let tight: Option<bool> = match (k.as_str(), ov.is_some(), nv.is_some()) {
                ("min" | "min-len", true, true) => match (on, nn) {
                    (Some(a), Some(b)) => Some(b > a),
                    _ => Some(true),
                },
                ("max" | "max-len", true, true) => match (on, nn) {
                    (Some(a), Some(b)) => Some(b < a),
                    _ => Some(true),
                },
                ("unterminated-ok", _, _) => {
                    let t = |v: Option<i128>| v.unwrap_or(0) != 0;
                    match (t(on), t(nn)) {
                        (a, b) if a == b => None,
                        (a, _) => Some(a),
                    }
                }
                (_, false, true) => Some(true),
                (_, true, false) => Some(false),
                // exact-len and unknown checks changed.
                _ => Some(true),
            };
            match tight {
                Some(true) => self.push(
                    ATTR_CHECK_TIGHTENED,
                    at,
                    format!(
                        "{desc}: values an old client sends may now be rejected (EINVAL/ERANGE)"
                    ),
                ),
                Some(false) => self.push(
                    ATTR_CHECK_LOOSENED,
                    at,
                    format!(
                        "{desc}: a new client sending the newly allowed values to an old module gets EINVAL/ERANGE"
                    ),
                ),
                None => {}
            }
        }
    }

    pub(super) fn sub_messages(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut names: Vec<&String> = o.sub_messages.keys().collect();
        names.sort();
        for name in names {
            let Some(ns) = n.sub_messages.get(name) else {
                // Its attributes report ATTR_SUB_MESSAGE_CHANGED or removal.
                continue;
            };
            let at = format!("sub-messages/{name}");
            let os = &o.sub_messages[name];
            for f in &os.formats {
                let fat = format!("{at}/{}", f.value);
                match ns.format(&f.value) {
                    None => self.push(
                        SUB_MESSAGE_FORMAT_REMOVED,
                        fat,
                        format!("selector value `{}` has no format any more", f.value),
                    ),
                    Some(g) => {
                        let set = |fam: &SpecFamily, i: Option<usize>| {
                            i.and_then(|i| fam.sets.get(i)).map(|s| s.name.clone())
                        };
                        let hl = |fam: &SpecFamily, h: &Option<String>| {
                            h.as_ref().and_then(|h| fam.structs.get(h)).map(layout)
                        };
                        if set(o, f.attr_set) != set(n, g.attr_set)
                            || hl(o, &f.fixed_header) != hl(n, &g.fixed_header)
                        {
                            self.push(
                                SUB_MESSAGE_FORMAT_CHANGED,
                                fat,
                                format!(
                                    "the format of `{}` changed its attribute set or fixed header",
                                    f.value
                                ),
                            );
                        }
                    }
                }
            }
            for g in &ns.formats {
                if os.format(&g.value).is_none() {
                    self.push(
                        SUB_MESSAGE_FORMAT_ADDED,
                        format!("{at}/{}", g.value),
                        format!(
                            "new format for selector value `{}`: an old client cannot decode it; an old module rejects it",
                            g.value
                        ),
                    );
                }
            }
        }
    }
}
