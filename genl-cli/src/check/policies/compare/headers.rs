//! The headers: handler prototypes, extern policies and enums.

use super::*;

impl Cmp<'_> {
    /// The headers: theirs' prototypes, externs and enums in ours, alike;
    /// ours' others of known kinds.
    pub(super) fn headers(&mut self, oh: &CFile, th: &CFile) {
        for (name, proto) in &th.prototypes {
            self.report.declarations += 1;
            match oh.prototypes.get(name) {
                Some(p) if p == proto => {}
                p => self.differ(
                    DiffClass::Declaration,
                    format!("header: {name}: {p:?} vs {proto}"),
                ),
            }
        }
        for name in oh
            .prototypes
            .keys()
            .filter(|n| !th.prototypes.contains_key(*n))
        {
            let ok = self.report.allowed.iter().any(|(a, w)| {
                matches!(a, Allowed::ParseHelper | Allowed::DumpAttrs)
                    && w.starts_with(&format!("{name}:"))
            });
            let kind = if name.ends_with("_nl_dump_attrs") {
                Allowed::DumpAttrs
            } else {
                Allowed::ParseHelper
            };
            if ok {
                self.allow(kind, format!("header: {name} declared"));
            } else {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: {name}: only in ours, of no known kind"),
                );
            }
        }
        let family_ours = self
            .report
            .allowed
            .iter()
            .any(|(a, _)| *a == Allowed::FamilyStruct);
        for (name, ty) in &th.externs {
            self.report.declarations += 1;
            let ours_name = self.renamed.get(name).unwrap_or(name);
            match oh.externs.get(ours_name) {
                Some(t) if t == ty => {
                    if ours_name != name {
                        self.allow(
                            Allowed::FamilyNamedSet,
                            format!("header: extern {ours_name} for ynl-gen-c's {name}"),
                        );
                    }
                }
                // Their exported ops table is our static one.
                None if family_ours
                    && ty == "struct genl_split_ops"
                    && self.new.defs.iter().any(|d| d.name == *name && d.ty == *ty) =>
                {
                    self.allow(
                        Allowed::FamilyStruct,
                        format!("header: ynl-gen-c exports {name}, ours is static to its family"),
                    );
                }
                t => self.differ(
                    DiffClass::Declaration,
                    format!("header: extern {name}: {t:?} vs {ty}"),
                ),
            }
        }
        let renamed_ours: BTreeSet<String> = self.renamed.values().cloned().collect();
        for name in oh.externs.keys().filter(|n| !th.externs.contains_key(*n)) {
            let ty = oh.externs.get(name).map(String::as_str);
            if self.views.contains(name) {
                self.allow(
                    Allowed::NestedView,
                    format!("header: extern {name} (a view's policy)"),
                );
            } else if renamed_ours.contains(name) {
                // Allowed with their name, above.
            } else if family_ours && ty == Some("struct genl_family") {
                self.allow(
                    Allowed::FamilyStruct,
                    format!("header: extern {name} (ours defines the family)"),
                );
            } else {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: extern {name}: only in ours"),
                );
            }
        }
        for e in &th.enums {
            self.report.declarations += 1;
            if !oh.enums.contains(e) {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: enum {{ {e} }}: not in ours"),
                );
            }
        }
        for (f, body) in &th.functions {
            if oh.functions.get(f) != Some(body) {
                self.differ(
                    DiffClass::Declaration,
                    format!("header: {f}: ynl-gen-c's, not in ours alike"),
                );
            }
        }
        for (f, body) in &oh.functions {
            if th.functions.contains_key(f) {
                continue;
            }
            match self.put_helper(body) {
                Ok(what) => self.allow(Allowed::PutHelper, format!("header: {f}: {what}")),
                Err(e) => self.differ(DiffClass::Declaration, format!("header: {f}: {e}")),
            }
        }
    }

    /// A put helper: `return nla_put_u64_64bit(skb, A, value, PAD);` with
    /// A a 64-bit attribute and PAD the pad attribute of its set.
    pub(super) fn put_helper(&self, body: &[String]) -> Result<String, Mismatch> {
        let calls = calls_of(body, "nla_put_u64_64bit");
        let [args] = &calls[..] else {
            return Err(Mismatch::UnknownKind);
        };
        let arg = |i: usize| args.get(i).map(|a| a.join(" ")).unwrap_or_default();
        let (a, pad) = (arg(1), arg(3));
        let wide = |x: &crate::check::spec::SpecAttr| {
            matches!(x.ty.as_str(), "u64" | "s64" | "uint" | "sint")
        };
        match (self.spec.attrs.get(&a), self.spec.attrs.get(&pad)) {
            (Some(x), Some(p)) if wide(x) && p.ty == "pad" && p.set == x.set => {
                Ok(format!("nla_put_u64_64bit({a}, pad {pad})"))
            }
            _ => Err(Mismatch::PutHelper { attr: a, pad }),
        }
    }
}
