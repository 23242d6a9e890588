//! One attribute lowered to the kernel's terms: its `nla_policy` entry
//! (`NLA_U32`, `NLA_BE16`, `NLA_POLICY_RANGE`, …), the range and validator
//! structures it points at, and the view of a request it belongs to.

use super::*;

/// Builder state of [`build`].
pub(super) struct Builder<'m> {
    pub(super) m: &'m FamilyModel,
    pub(super) views: Vec<View>,
    pub(super) by_path: BTreeMap<&'static str, ViewId>,
    pub(super) ranges: BTreeMap<String, RangeCheck>,
    pub(super) validators: BTreeMap<String, StrMinValidator>,
    pub(super) enum_validators: BTreeMap<String, EnumValidator>,
    /// Views nested in a request (they get a nested policy).
    pub(super) nested: BTreeSet<ViewId>,
    /// The enum validator of an attribute, by (root set, id).
    pub(super) attr_validators: BTreeMap<(usize, u16), String>,
}

impl Builder<'_> {
    /// The view of `schema`, created (with the views nested in it) on first
    /// sight.
    pub(super) fn view(
        &mut self,
        schema: &'static AttrSetSchema,
        view_root: &BTreeMap<&'static str, SetId>,
        stack: &mut Vec<&'static str>,
    ) -> Result<ViewId, CodegenError> {
        if let Some(v) = self.by_path.get(schema.path) {
            return Ok(*v);
        }
        if stack.contains(&schema.path) {
            return err(format!(
                "family {}: attribute set `{}` nests itself: static kernel policies cannot \
                 express recursion",
                self.m.schema.name, schema.path
            ));
        }
        stack.push(schema.path);
        let set = view_root[schema.path];
        let root = self.m.set(set);
        let mut attrs = Vec::new();
        for a in schema.attrs {
            let nested = match a.ty.nested_set() {
                Some(n) => {
                    let v = self.view(n, view_root, stack)?;
                    self.nested.insert(v);
                    Some(v)
                }
                None => None,
            };
            let repeat = match (a.presence, a.ty) {
                (_, AttrType::IndexedArray(_)) => Repeat::Indexed,
                (Presence::Multi, _) => Repeat::Multi,
                _ => Repeat::One,
            };
            let root_attr = root
                .attr(a.id)
                .expect("subsets are checked against their set");
            let base = self.policy_entry(set, root_attr)?;
            let validator = self.attr_validators.get(&(set.0, a.id)).cloned();
            attrs.push((
                a.id,
                a.presence == Presence::Required,
                repeat,
                nested,
                base,
                validator,
            ));
        }
        stack.pop();
        let c_name = if schema.subset_of.is_none() {
            root.ynl_name.replace('-', "_")
        } else {
            snake(schema.name)
        };
        let id = ViewId(self.views.len());
        // Nest policies are filled in once every view is named.
        let mut attrs: Vec<ViewAttr> = attrs
            .into_iter()
            .map(
                |(id, required, repeat, nested, policy, validator)| ViewAttr {
                    id,
                    required,
                    repeat,
                    nested,
                    policy,
                    validator,
                },
            )
            .collect();
        attrs.sort_by_key(|a| a.id);
        self.views.push(View {
            schema,
            set,
            attrs,
            c_name,
            nested_policy: None,
            parse: None,
            check: None,
        });
        self.by_path.insert(schema.path, id);
        Ok(id)
    }

    /// The policy entry of `attr` of root set `s`, nests pointing nowhere
    /// yet.
    pub(super) fn policy_entry(&mut self, s: SetId, attr: &Attr) -> Result<Policy, CodegenError> {
        let m = self.m;
        let set = m.set(s);
        let a = attr.schema;
        let at = || {
            format!(
                "family {}: attribute {}.{}",
                m.schema.name, set.root.name, a.name
            )
        };
        let c = &a.checks;
        let has_len = c.min_len.is_some() || c.max_len.is_some() || c.exact_len.is_some();
        let has_val = c.min.is_some() || c.max.is_some();
        let range_name = format!(
            "{}_{}_{}_range",
            m.c_lower,
            snake(set.root.name),
            snake(a.name)
        );
        match a.ty {
            AttrType::U8
            | AttrType::U16
            | AttrType::U32
            | AttrType::U64
            | AttrType::S8
            | AttrType::S16
            | AttrType::S32
            | AttrType::S64 => {
                if has_len {
                    return err(format!(
                        "{}: length checks apply to strings and bytes, not {}",
                        at(),
                        describe_type(&a.ty)
                    ));
                }
                let tp = match (a.byte_order, a.ty) {
                    (ByteOrder::Big, AttrType::U16) => "NLA_BE16",
                    (ByteOrder::Big, AttrType::U32) => "NLA_BE32",
                    (ByteOrder::Big, _) if has_val => {
                        return err(format!(
                            "{}: the kernel has no big-endian {} policy type to check a range on",
                            at(),
                            describe_type(&a.ty)
                        ))
                    }
                    _ => a.ty.kernel_name(),
                };
                self.int_policy(attr, tp, &at(), range_name)
            }
            AttrType::Flag => {
                if has_len || has_val {
                    return err(format!("{}: a flag carries no value to check", at()));
                }
                Ok(Policy::Type("NLA_FLAG"))
            }
            AttrType::String => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let min = c.exact_len.or(c.min_len).unwrap_or(0);
                let max = c.exact_len.or(c.max_len);
                if let Some(mx) = max {
                    if mx > u32::from(u16::MAX) {
                        return err(format!("{}: max_len {mx} exceeds 65535", at()));
                    }
                    if mx < min {
                        return err(format!("{}: max_len {mx} below min_len {min}", at()));
                    }
                }
                if min > 0 {
                    let name = format!("{}_nl_validate_str_min{min}", m.c_lower);
                    self.validators.insert(
                        name.clone(),
                        StrMinValidator {
                            name: name.clone(),
                            min,
                        },
                    );
                    Ok(Policy::StringValidated {
                        validator: name,
                        max,
                    })
                } else {
                    Ok(match max {
                        Some(mx) => Policy::StringMax(mx),
                        None => Policy::Type("NLA_NUL_STRING"),
                    })
                }
            }
            AttrType::Binary => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let (min, max) = match c.exact_len {
                    Some(e) => (Some(e), Some(e)),
                    None => (c.min_len, c.max_len),
                };
                for v in [min, max].into_iter().flatten() {
                    if v > u32::from(u16::MAX) {
                        return err(format!("{}: length {v} exceeds 65535", at()));
                    }
                }
                let s16 = |v: u32| v <= i16::MAX as u32;
                Ok(match (min, max) {
                    (None, None) => Policy::Type("NLA_BINARY"),
                    (None, Some(mx)) => Policy::BinaryMax(mx),
                    (Some(mn), None) if s16(mn) => Policy::BinaryMinLen(mn),
                    (Some(mn), Some(mx)) if mn > mx => {
                        return err(format!("{}: max_len {mx} below min_len {mn}", at()))
                    }
                    (Some(mn), Some(mx)) if mn == mx && s16(mn) => Policy::BinaryExact(mn),
                    (Some(mn), Some(mx)) if s16(mn) && s16(mx) => Policy::BinaryRange(mn, mx),
                    (mn, mx) => {
                        self.ranges.insert(
                            range_name.clone(),
                            RangeCheck {
                                name: range_name.clone(),
                                signed: false,
                                min: format!("{}ULL", mn.unwrap_or(0)),
                                max: mx.map_or("U16_MAX".to_owned(), |v| format!("{v}ULL")),
                            },
                        );
                        Policy::FullRange {
                            ty: "NLA_BINARY",
                            range: range_name,
                            signed: false,
                        }
                    }
                })
            }
            AttrType::Nested(_) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to nests", at()));
                }
                Ok(Policy::Nested(String::new()))
            }
            AttrType::IndexedArray(inner) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to arrays", at()));
                }
                Ok(match inner.nested_set() {
                    Some(_) => Policy::NestedArray(Some(String::new())),
                    None => Policy::NestedArray(None),
                })
            }
            #[allow(unreachable_patterns)]
            _ => err(format!(
                "{}: type {:?} has no kernel policy mapping",
                at(),
                a.ty
            )),
        }
    }

    /// Integer policy: the declared checks (bounds kept as declared), else
    /// what a value enum accepts (its mask, its contiguous range, or a
    /// validation function), else the type alone.
    pub(super) fn int_policy(
        &mut self,
        attr: &Attr,
        tp: &'static str,
        at: &str,
        range_name: String,
    ) -> Result<Policy, CodegenError> {
        let m = self.m;
        let a = attr.schema;
        let (tmin, tmax) = type_range(&a.ty);
        let c = &a.checks;
        let bound = |v: i64| Bound {
            value: i128::from(v),
            c: int_literal(v),
        };
        let mut lo: Option<Bound> = c.min.map(bound);
        let mut hi: Option<Bound> = c.max.map(bound);
        let declared = lo.is_some() || hi.is_some();
        if let Some(eid) = attr.value_enum {
            let e = m.value_enum(eid);
            if e.schema.flags {
                if declared {
                    return err(format!(
                        "{at}: carries the flags enum `{}`, whose mask is its check; remove \
                         min/max",
                        e.schema.path
                    ));
                }
                return Ok(Policy::Mask(tp, e.schema.mask()));
            }
            if !declared {
                match e.contiguous {
                    Some((f, l)) => {
                        let b = |i: usize| Bound {
                            value: i128::from(e.variants[i].schema.value),
                            c: e.variants[i].c_name.clone(),
                        };
                        // As ynl-gen-c: the minimum only when it is not 0
                        // for an unsigned type, the maximum always.
                        if e.variants[f].schema.value != 0 || a.ty.is_signed() {
                            lo = Some(b(f));
                        }
                        hi = Some(b(l));
                    }
                    None if e.variants.is_empty() => {}
                    None => {
                        // The range of its values in the policy; each value
                        // by the validator the generated checks call.
                        let name = self.enum_validator(eid, tp);
                        let set = m
                            .sets
                            .iter()
                            .position(|s| s.attrs.iter().any(|x| std::ptr::eq(x.schema, a)));
                        if let Some(set) = set {
                            self.attr_validators.insert((set, a.id), name);
                        }
                        let (mut low, mut high) = (&e.variants[0], &e.variants[0]);
                        for v in &e.variants {
                            if v.schema.value < low.schema.value {
                                low = v;
                            }
                            if v.schema.value > high.schema.value {
                                high = v;
                            }
                        }
                        let b = |v: &crate::model::Variant| Bound {
                            value: i128::from(v.schema.value),
                            c: v.c_name.clone(),
                        };
                        if low.schema.value != 0 || a.ty.is_signed() {
                            lo = Some(b(low));
                        }
                        hi = Some(b(high));
                    }
                }
            }
        }
        for b in lo.iter().chain(hi.iter()) {
            if b.value < tmin || b.value > tmax {
                return err(format!(
                    "{at}: bound {} is outside the range of {}",
                    b.value,
                    describe_type(&a.ty)
                ));
            }
        }
        if let (Some(l), Some(h)) = (&lo, &hi) {
            if l.value > h.value {
                return err(format!("{at}: min {} above max {}", l.value, h.value));
            }
        }
        let small = |b: &Option<Bound>| {
            b.as_ref()
                .is_none_or(|b| (i128::from(i16::MIN)..=i128::from(i16::MAX)).contains(&b.value))
        };
        if small(&lo) && small(&hi) {
            return Ok(match (lo, hi) {
                (None, None) => Policy::Type(tp),
                (Some(l), None) => Policy::Min(tp, l),
                (None, Some(h)) => Policy::Max(tp, h),
                (Some(l), Some(h)) => Policy::Range(tp, l, h),
            });
        }
        let (bmin, bmax) = type_bounds(&a.ty);
        let lit = |b: Option<Bound>, dflt: &str| match b {
            Some(b) if b.value >= 0 => format!("{}ULL", b.value),
            Some(b) if b.value == i128::from(i64::MIN) => "S64_MIN".into(),
            Some(b) => format!("{}LL", b.value),
            None => dflt.to_owned(),
        };
        let signed = a.ty.is_signed();
        self.ranges.insert(
            range_name.clone(),
            RangeCheck {
                name: range_name.clone(),
                signed,
                min: lit(lo, bmin),
                max: lit(hi, bmax),
            },
        );
        Ok(Policy::FullRange {
            ty: tp,
            range: range_name,
            signed,
        })
    }

    /// The validation function of a value enum that is not contiguous, for
    /// an attribute of type `tp`.
    pub(super) fn enum_validator(&mut self, eid: EnumId, tp: &'static str) -> String {
        let m = self.m;
        let e = m.value_enum(eid);
        let (get, to_cpu) = match tp {
            "NLA_U8" => ("nla_get_u8", None),
            "NLA_U16" => ("nla_get_u16", None),
            "NLA_U32" => ("nla_get_u32", None),
            "NLA_BE16" => ("nla_get_be16", Some("be16_to_cpu")),
            "NLA_BE32" => ("nla_get_be32", Some("be32_to_cpu")),
            _ => ("nla_get_u64", None),
        };
        let base = format!("{}_nl_validate_{}", m.c_lower, e.ynl_name.replace('-', "_"));
        // One function per enum, or per enum and type when it is carried in
        // several integer types.
        let same_enum: Vec<&EnumValidator> = self
            .enum_validators
            .values()
            .filter(|v| v.value_enum == eid)
            .collect();
        let name = match same_enum.iter().find(|v| v.get == get) {
            Some(v) => v.name.clone(),
            None if same_enum.is_empty() && !self.enum_widths_differ(eid) => base,
            None => format!("{base}_{}", &get["nla_get_".len()..]),
        };
        self.enum_validators.insert(
            name.clone(),
            EnumValidator {
                name: name.clone(),
                value_enum: eid,
                get,
                to_cpu,
            },
        );
        name
    }

    /// Whether the family carries the enum `eid` in more than one integer
    /// type (its validators then carry the type in their names).
    pub(super) fn enum_widths_differ(&self, eid: EnumId) -> bool {
        let mut kinds = BTreeSet::new();
        for s in &self.m.sets {
            for a in &s.attrs {
                if a.value_enum == Some(eid) {
                    kinds.insert((
                        a.schema.ty.kernel_name(),
                        a.schema.byte_order == ByteOrder::Big,
                    ));
                }
            }
        }
        kinds.len() > 1
    }
}

/// `(value, C expression)` bounds of integer types.
pub(super) fn type_range(ty: &AttrType) -> (i128, i128) {
    match ty {
        AttrType::U8 => (0, u8::MAX.into()),
        AttrType::U16 => (0, u16::MAX.into()),
        AttrType::U32 => (0, u32::MAX.into()),
        AttrType::U64 => (0, u64::MAX.into()),
        AttrType::S8 => (i8::MIN.into(), i8::MAX.into()),
        AttrType::S16 => (i16::MIN.into(), i16::MAX.into()),
        AttrType::S32 => (i32::MIN.into(), i32::MAX.into()),
        AttrType::S64 => (i64::MIN.into(), i64::MAX.into()),
        _ => (0, 0),
    }
}

/// Type bounds as C expressions (for one-sided full ranges).
pub(super) fn type_bounds(ty: &AttrType) -> (&'static str, &'static str) {
    match ty {
        AttrType::U8 => ("0", "U8_MAX"),
        AttrType::U16 => ("0", "U16_MAX"),
        AttrType::U32 => ("0", "U32_MAX"),
        AttrType::U64 => ("0", "U64_MAX"),
        AttrType::S8 => ("S8_MIN", "S8_MAX"),
        AttrType::S16 => ("S16_MIN", "S16_MAX"),
        AttrType::S32 => ("S32_MIN", "S32_MAX"),
        AttrType::S64 => ("S64_MIN", "S64_MAX"),
        _ => ("0", "U16_MAX"),
    }
}
