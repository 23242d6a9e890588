//! Policies, entry by entry: types, lengths, ranges, nested policies and
//! validation functions, by value.

use super::*;

impl Cmp<'_> {
    /// Compares our policy `ours_name` with their `theirs_name`; as a view
    /// (`view`), their entries ours lacks are listed, not differences.
    pub(super) fn policy(&mut self, at: &str, ours_name: &str, theirs_name: &str, mode: Mode) {
        let view = mode == Mode::View;
        if mode == Mode::Same && ours_name != theirs_name {
            self.differ(
                DiffClass::Policy,
                format!("{at}: policy {ours_name} (ours) vs {theirs_name} (ynl-gen-c)"),
            );
        }
        let (ours, theirs) = (self.ours, self.theirs);
        let (Some(o), Some(t)) = (ours.get(ours_name), theirs.get(theirs_name)) else {
            self.differ(
                DiffClass::Policy,
                format!("{at}: policy {ours_name} or {theirs_name} not found"),
            );
            return;
        };
        self.report.policies += 1;
        self.ours_done.insert(ours_name.to_owned());
        let their_max = t.entries.keys().max().copied();
        if o.size != t.size {
            match (o.size, t.size, their_max) {
                (Some(os), Some(ts), Some(m)) if os > ts && ts == m + 1 => self.allow(
                    Allowed::SizedBySetMax,
                    format!("{at}: {ours_name}[{os}] vs [{ts}]"),
                ),
                _ => self.differ(
                    DiffClass::Policy,
                    format!("{at}: {ours_name} size {:?} vs {:?}", o.size, t.size),
                ),
            }
        }
        let ids: BTreeSet<i128> = o.entries.keys().chain(t.entries.keys()).copied().collect();
        let mut left_out = Vec::new();
        for id in ids {
            match (o.entries.get(&id), t.entries.get(&id)) {
                (Some((oname, op)), Some((_, tp))) => {
                    self.report.entries += 1;
                    self.covered.insert((theirs_name.to_owned(), id));
                    self.entry(&format!("{at} [{oname}]"), oname, op, tp);
                }
                (None, Some((tname, _))) if view => {
                    self.covered.insert((theirs_name.to_owned(), id));
                    left_out.push(tname.clone());
                }
                (Some((name, _)), None) => self.differ(
                    DiffClass::PolicyEntry,
                    format!("{at}: attribute {name} only in ours ({ours_name})"),
                ),
                (None, Some((name, _))) => self.differ(
                    DiffClass::PolicyEntry,
                    format!("{at}: attribute {name} only in ynl-gen-c's ({theirs_name})"),
                ),
                (None, None) => {}
            }
        }
        if view {
            let kept: Vec<&str> = o.entries.values().map(|(n, _)| n.as_str()).collect();
            self.allow(
                Allowed::NestedView,
                format!(
                    "{at}: ours {ours_name} [{}] for ynl-gen-c's {theirs_name}; left out: {}",
                    kept.join(", "),
                    if left_out.is_empty() {
                        "none".into()
                    } else {
                        left_out.join(", ")
                    }
                ),
            );
        }
    }

    /// Compares the nested policies of one entry: the same set's, or ours a
    /// view of theirs.
    pub(super) fn nested(&mut self, at: &str, on: &str, tn: &str) {
        if !self.nested_done.insert((on.to_owned(), tn.to_owned())) {
            return;
        }
        let at = format!("{at} nested");
        if on == tn {
            return self.policy(&at, on, tn, Mode::Same);
        }
        // A set named as its family: ynl-gen-c's `Struct.render_name` is
        // then the family's alone.
        let ident = self.spec.name.replace('-', "_");
        let own_name = self.spec.sets.iter().any(|(set, s)| {
            s.policy == tn
                && set.to_lowercase().replace('-', "_") == ident
                && on == format!("{ident}_{ident}_nl_policy")
        });
        if own_name {
            self.renamed.insert(tn.to_owned(), on.to_owned());
            self.allow(
                Allowed::FamilyNamedSet,
                format!("{at}: ours {on}, ynl-gen-c's {tn}"),
            );
            return self.policy(&at, on, tn, Mode::Renamed);
        }
        let is_view = match (self.ours.get(on), self.theirs.get(tn)) {
            (Some(o), Some(t)) => o.entries.keys().all(|k| t.entries.contains_key(k)),
            _ => false,
        };
        if is_view {
            self.views.insert(on.to_owned());
            self.policy(&at, on, tn, Mode::View);
        } else {
            self.differ(
                DiffClass::PolicyEntry,
                format!("{at}: nested policy {on} (ours) vs {tn} (ynl-gen-c), not a view of it"),
            );
        }
    }

    /// One attribute's entries: equal, or different only in allowed ways
    /// (each checked against the spec or our generated code).
    pub(super) fn entry(&mut self, at: &str, c_name: &str, o: &Pol, t: &Pol) {
        // Where ynl-gen-c's copy went without a check, equal is not enough:
        // ours must carry the spec's.
        let stripped = self.spec.stripped.iter().any(|s| s.c_name == c_name);
        if o == t && !stripped {
            // Equal, nested policies by name: those are compared too.
            if let (Some(on), Some(tn)) = (&o.nested, &t.nested) {
                self.nested(at, on, tn);
            }
            return;
        }
        let spec = self.spec;
        let (mut o2, mut t2) = (o.clone(), t.clone());
        let mut notes: Vec<(Allowed, String)> = Vec::new();
        let mut bad: Vec<String> = Vec::new();
        if let Some(a) = spec.attrs.get(c_name) {
            if a.big_endian && is_be(&o2.ty, &t2.ty) {
                t2.ty = o2.ty.clone();
                notes.push((
                    Allowed::BigEndianType,
                    format!("{at}: {} vs {}", o.ty, t.ty),
                ));
            }
            if a.multi_attr
                && a.ty == "string"
                && !a.checks.contains_key("unterminated-ok")
                && o2.ty == "NLA_NUL_STRING"
                && t2.ty == "NLA_STRING"
            {
                t2.ty = o2.ty.clone();
                notes.push((Allowed::MultiAttrString, format!("{at}: ours {o} vs {t}")));
            }
            if let (Some(f), None) = (o2.validate_fn.clone(), &t2.validate_fn) {
                if f.contains("_validate_str_min") {
                    match self.check_str_min(&f, a.check("min-len"), &o2.ty) {
                        Ok(()) => {
                            o2.validate_fn = None;
                            self.fns.insert(f);
                            notes.push((Allowed::StringMinLenFn, format!("{at}: {o} vs {t}")));
                        }
                        Err(e) => bad.push(e.to_string()),
                    }
                }
            }
            if let Some(st) = spec.stripped(c_name, "enum") {
                let e = a.enum_.as_ref().and_then(|n| spec.enums.get(n));
                let detail = format!("spec {}", st.detail);
                if let (Some(f), None) = (o2.validate_fn.clone(), &t2.validate_fn) {
                    match self.check_enum_fn(&f, &o2.ty, e) {
                        Ok(what) => {
                            o2.validate_fn = None;
                            self.fns.insert(f);
                            notes.push((
                                Allowed::NoncontiguousEnum,
                                format!("{at}: ours {o}: {what}; {detail}"),
                            ));
                        }
                        Err(e) => bad.push(e.to_string()),
                    }
                } else if let (Some(m), None) = (o2.mask.clone(), &t2.mask) {
                    let want = e.map(SpecEnum::mask).unwrap_or_default();
                    if m == want.to_string() {
                        o2.mask = None;
                        notes.push((
                            Allowed::NoncontiguousEnum,
                            format!("{at}: ours {o}: the flags' mask {want:#x}; {detail}"),
                        ));
                    } else {
                        bad.push(format!("mask {m}, the spec's flags make {want}"));
                    }
                } else if let (Some(e), None) =
                    (e.filter(|e| !e.values.is_empty()), &o2.validate_fn)
                {
                    // The range of its values in the policy, each value
                    // checked by a validator a generated check calls.
                    match self.enum_range_and_validator(&o2, e) {
                        Ok(what) => {
                            o2.min = None;
                            o2.max = None;
                            o2 = o2.normalized();
                            notes.push((
                                Allowed::NoncontiguousEnum,
                                format!("{at}: ours {o}: {what}; {detail}"),
                            ));
                        }
                        Err(e) => bad.push(e.to_string()),
                    }
                } else if e.is_some_and(|e| e.values.is_empty()) {
                    notes.push((
                        Allowed::NoncontiguousEnum,
                        format!("{at}: ours {o} (the enum has no value to check); {detail}"),
                    ));
                } else {
                    bad.push(format!(
                        "the spec's {}, which ours does not check",
                        st.detail
                    ));
                }
            }
            if let Some(st) = spec.stripped(c_name, "binary-checks") {
                t2.min_len = a.check("min-len").map(|v| v.to_string());
                t2.max_len = a.check("max-len").map(|v| v.to_string());
                t2 = t2.normalized();
                notes.push((
                    Allowed::NotRenderedByYnlGenC,
                    format!("{at}: ours {o}; spec {}", st.detail),
                ));
            }
            if let Some(st) = spec.stripped(c_name, "indexed-array") {
                // An array of scalars has no nested policy; one of nests,
                // its set's.
                let nested = (a.sub_type.as_deref() == Some("nest"))
                    .then(|| a.nested.as_ref().and_then(|n| spec.sets.get(n)))
                    .flatten()
                    .map(|s| s.policy.clone());
                t2 = Pol {
                    ty: "NLA_NESTED_ARRAY".into(),
                    nested,
                    ..Pol::default()
                };
                notes.push((
                    Allowed::NotRenderedByYnlGenC,
                    format!("{at}: ours {o}; spec {}", st.detail),
                ));
            }
            let lone_min_len = a.ty == "binary"
                && a.checks.len() == 1
                && a.checks.contains_key("min-len")
                && spec.stripped(c_name, "binary-checks").is_none();
            if lone_min_len && t2.ty == "NLA_UNSPEC" && o2.ty == "NLA_BINARY" {
                t2.ty = "NLA_BINARY".into();
                t2 = t2.normalized();
                notes.push((
                    Allowed::BinaryMinLenUnspec,
                    format!("{at}: ours {o} vs {t}"),
                ));
            }
            if t2.ty == "NLA_INDEXED_ARRAY"
                && a.ty == "indexed-array"
                && a.sub_type.as_deref() == Some("nest")
            {
                t2.ty = "NLA_NESTED_ARRAY".into();
                t2.nested = a
                    .nested
                    .as_ref()
                    .and_then(|n| spec.sets.get(n))
                    .map(|s| s.policy.clone());
                notes.push((
                    Allowed::IndexedArrayNest,
                    format!(
                        "{at}: ours {o} vs ynl-gen-c {t}; spec: nested-attributes {}",
                        a.nested.as_deref().unwrap_or("?")
                    ),
                ));
            }
            if let (Some((lo, hi)), None) = (type_limits(&o2.ty), &a.enum_) {
                let (has_min, has_max) =
                    (a.checks.contains_key("min"), a.checks.contains_key("max"));
                let (hi, lo) = (Some(hi.to_string()), Some(lo.to_string()));
                let zero = Some("0".to_owned());
                if has_min && !has_max && t2.max == zero && o2.max == hi {
                    t2.max = o2.max.clone();
                    notes.push((Allowed::FullRangeOneSided, format!("{at}: ours {o} vs {t}")));
                } else if has_max && !has_min && lo != zero && t2.min == zero && o2.min == lo {
                    t2.min = o2.min.clone();
                    notes.push((Allowed::FullRangeOneSided, format!("{at}: ours {o} vs {t}")));
                }
            }
        }
        // Nested policies: the same set's, or ours a view of theirs.
        if let (Some(on), Some(tn)) = (o2.nested.clone(), t2.nested.clone()) {
            let (mut x, mut y) = (o2.clone(), t2.clone());
            x.nested = None;
            y.nested = None;
            if x == y && bad.is_empty() {
                self.nested(at, &on, &tn);
                o2.nested = None;
                t2.nested = None;
            }
        }
        if o2 == t2 && bad.is_empty() {
            for (a, w) in notes {
                self.allow(a, w);
            }
            return;
        }
        let why = if bad.is_empty() {
            String::new()
        } else {
            format!(" ({})", bad.join("; "))
        };
        self.differ(
            DiffClass::PolicyEntry,
            format!("{at}: ours {o} vs ynl-gen-c {t}{why}"),
        );
    }

    /// A string `min-len` validation function `f`: named for the spec's
    /// minimum N (`…_validate_str_minN`), and rejecting exactly the strings
    /// shorter than N: `if (strnlen(nla_data(attr), nla_len(attr)) < N)`
    /// … `return -EINVAL;` … `return 0;`.
    pub(super) fn check_str_min(
        &self,
        f: &str,
        spec_min: Option<i128>,
        ty: &str,
    ) -> Result<(), Mismatch> {
        let min = f
            .rsplit_once("_validate_str_min")
            .and_then(|(_, n)| n.parse::<i128>().ok());
        if !ty.ends_with("STRING") {
            return Err(Mismatch::StrMinNotString {
                function: f.to_owned(),
                ty: ty.to_owned(),
            });
        }
        let Some(min) = min.filter(|n| Some(*n) == spec_min) else {
            return Err(Mismatch::StrMinLen {
                function: f.to_owned(),
                spec_min,
            });
        };
        let b = self.our_fn(f).ok_or_else(|| Mismatch::NotDefined {
            function: f.to_owned(),
        })?;
        let n = min.to_string();
        let test = [
            "if", "(", "strnlen", "(", "nla_data", "(", "attr", ")", ",", "nla_len", "(", "attr",
            ")", ")", "<", &n, ")",
        ];
        let has = |seq: &[&str]| b.windows(seq.len()).any(|w| w.iter().eq(seq.iter()));
        if has(&test)
            && has(&["return", "-", "EINVAL", ";"])
            && b.ends_with(&["return", "0", ";", "}"].map(String::from))
        {
            Ok(())
        } else {
            Err(Mismatch::StrMinRejects {
                function: f.to_owned(),
                min,
            })
        }
    }

    /// A non-contiguous enum's entry `o`: the range of the enum's values
    /// (lowest to highest; a lowest 0 of an unsigned type left out, as for
    /// any enum), and one of our validation functions accepting exactly its
    /// values ([`check_enum_fn`](Self::check_enum_fn)), called by a
    /// generated check.
    pub(super) fn enum_range_and_validator(
        &mut self,
        o: &Pol,
        e: &SpecEnum,
    ) -> Result<String, Mismatch> {
        let lo = e.values.iter().min().copied().unwrap_or_default();
        let hi = e.values.iter().max().copied().unwrap_or_default();
        let want_min = (lo != 0 || o.ty.starts_with("NLA_S")).then(|| lo.to_string());
        if o.min != want_min || o.max != Some(hi.to_string()) {
            return Err(Mismatch::EnumRange {
                min: o.min.clone(),
                max: o.max.clone(),
                lo,
                hi,
            });
        }
        let names: Vec<String> = self
            .new
            .functions
            .keys()
            .filter(|f| f.contains("_nl_validate_") && !f.contains("_validate_str_min"))
            .cloned()
            .collect();
        let f = names
            .iter()
            .find(|f| self.check_enum_fn(f, &o.ty, Some(e)).is_ok())
            .ok_or_else(|| Mismatch::NoEnumValidator {
                values: e.values.clone(),
            })?
            .clone();
        let called =
            self.new.functions.iter().any(|(name, body)| {
                *name != f && body.windows(2).any(|w| w[0] == f && w[1] == "(")
            });
        if !called {
            return Err(Mismatch::EnumValidatorUncalled { function: f });
        }
        self.fns.insert(f.clone());
        Ok(format!(
            "the range {lo}..{hi} of the enum's values, each checked by {f}, which accepts exactly {:?}",
            e.values
        ))
    }

    /// An enum validation function `f` for an entry of type `ty`: `switch
    /// (nla_get_<ty>(attr)) { case A: case B: return 0; }` then `return
    /// -EINVAL;`, its cases exactly the spec enum's values.
    pub(super) fn check_enum_fn(
        &self,
        f: &str,
        ty: &str,
        e: Option<&SpecEnum>,
    ) -> Result<String, Mismatch> {
        let function = || f.to_owned();
        let e = e.ok_or_else(|| Mismatch::UnknownEnum {
            function: function(),
        })?;
        let b = self.our_fn(f).ok_or_else(|| Mismatch::NotDefined {
            function: function(),
        })?;
        let get = match ty {
            "NLA_U8" => "nla_get_u8",
            "NLA_U16" => "nla_get_u16",
            "NLA_U32" => "nla_get_u32",
            "NLA_U64" => "nla_get_u64",
            "NLA_BE16" => "nla_get_be16",
            "NLA_BE32" => "nla_get_be32",
            other => {
                return Err(Mismatch::EnumValidatorType {
                    function: function(),
                    ty: other.to_owned(),
                })
            }
        };
        let Some(sw) = b.iter().position(|t| t == "switch") else {
            return Err(Mismatch::NoSwitch {
                function: function(),
            });
        };
        let mut i = sw + 1;
        let cond = skip_group(b, &mut i, "(", ")");
        if !cond.iter().any(|t| t == get) {
            return Err(Mismatch::NotRead {
                function: function(),
                get,
            });
        }
        if let Some(conv) = ty.strip_prefix("NLA_BE").map(|w| format!("be{w}_to_cpu")) {
            if !cond.contains(&conv) {
                return Err(Mismatch::NotConverted {
                    function: function(),
                    conv,
                });
            }
        }
        let cases = skip_group(b, &mut i, "{", "}");
        let inner = &cases[1..cases.len().saturating_sub(1)];
        let mut values = BTreeSet::new();
        let mut j = 0;
        while inner.get(j).map(String::as_str) == Some("case") {
            let end = inner[j..]
                .iter()
                .position(|t| t == ":")
                .map(|p| j + p)
                .ok_or_else(|| Mismatch::CaseWithoutColon {
                    function: function(),
                })?;
            let v = self
                .values()
                .eval(&inner[j + 1..end])
                .ok_or_else(|| Mismatch::CaseValue {
                    function: function(),
                })?;
            values.insert(v);
            j = end + 1;
        }
        if inner[j..] != ["return", "0", ";"] {
            return Err(Mismatch::CasesDoMore {
                function: function(),
            });
        }
        let rest = &b[i..];
        let returns = rest.iter().filter(|t| *t == "return").count();
        if returns != 1 || !rest.ends_with(&["return", "-", "EINVAL", ";", "}"].map(String::from)) {
            return Err(Mismatch::NoEinval {
                function: function(),
            });
        }
        let want: BTreeSet<i128> = e.values.iter().copied().collect();
        if values != want {
            return Err(Mismatch::EnumValues {
                function: function(),
                accepts: values,
                want,
            });
        }
        Ok(format!("{f} accepts exactly {values:?}"))
    }

    pub(super) fn values(&self) -> &Values {
        self.v
    }
}
