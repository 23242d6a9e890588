//! Our functions by kind, and the family's `struct genl_family`.

use super::*;

impl Cmp<'_> {
    /// Every function of ours is accounted for: the wrappers and validation
    /// functions by the comparisons above, the others by their kind. Every
    /// function of theirs must be in ours, alike.
    pub(super) fn functions(&mut self, theirs: &CFile) {
        let names: BTreeSet<String> = self
            .new
            .functions
            .keys()
            .chain(self.old.functions.keys())
            .cloned()
            .collect();
        for f in &names {
            if self.fns.contains(f) {
                continue;
            }
            let body = self.our_fn(f).cloned().unwrap_or_default();
            let called = self
                .new
                .functions
                .iter()
                .chain(self.old.functions.iter())
                .any(|(g, b)| g != f && b.iter().any(|t| t == f));
            if f.contains("_nl_check_") {
                let ok = body.iter().any(|t| t == "nla_find_nested")
                    && body.iter().any(|t| t == "NL_SET_ERR_ATTR_MISS")
                    && body.ends_with(&["return", "0", ";", "}"].map(String::from));
                let required: BTreeSet<String> = calls_of(&body, "nla_find_nested")
                    .iter()
                    .filter_map(|a| a.get(1).map(|x| x.join(" ")))
                    .collect();
                if ok && called {
                    self.allow(
                        Allowed::NestCheck,
                        format!(
                            "{f}: requires {}",
                            required.into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    );
                } else {
                    self.differ(
                        DiffClass::Function,
                        format!("{f}: not a nest check called by a request check"),
                    );
                }
            } else if f.contains("_nl_parse_") {
                let policy = calls_of(&body, "nla_parse_nested")
                    .first()
                    .and_then(|a| a.get(3).map(|x| x.join("")));
                match policy {
                    Some(p) if self.ours.contains_key(&p) => self.allow(
                        Allowed::ParseHelper,
                        format!("{f}: nla_parse_nested with {p}"),
                    ),
                    p => self.differ(
                        DiffClass::Function,
                        format!("{f}: parses with {p:?}, not a policy of ours"),
                    ),
                }
            } else if f.ends_with("_nl_dump_attrs") {
                let has = |b: Option<&Vec<String>>, seq: &[&str]| {
                    b.is_some_and(|b| b.windows(seq.len()).any(|w| w.iter().eq(seq.iter())))
                };
                let (n, o) = (self.new.functions.get(f), self.old.functions.get(f));
                let new_ok = has(
                    n,
                    &[
                        "genl_dumpit_info",
                        "(",
                        "cb",
                        ")",
                        "-",
                        ">",
                        "info",
                        ".",
                        "attrs",
                    ],
                );
                let old_ok = has(o, &["genl_dumpit_info", "(", "cb", ")", "-", ">", "attrs"]);
                if new_ok && old_ok {
                    self.allow(
                        Allowed::DumpAttrs,
                        format!("{f}: genl_dumpit_info(cb)->info.attrs (≥ 6.2), ->attrs (< 6.2)"),
                    );
                } else {
                    self.differ(
                        DiffClass::Function,
                        format!(
                            "{f}: not genl_dumpit_info(cb)->info.attrs (≥ 6.2) and ->attrs (< 6.2)"
                        ),
                    );
                }
            } else {
                self.differ(
                    DiffClass::Function,
                    format!("{f}: only in ours, of no known kind (or unused)"),
                );
            }
        }
        for (f, body) in &theirs.functions {
            if self.our_fn(f) != Some(body) {
                self.differ(
                    DiffClass::Function,
                    format!("{f}: ynl-gen-c's, not in ours alike"),
                );
            }
        }
    }

    /// The groups and the family, in both branches: ≥ 6.2 as ynl-gen-c's,
    /// < 6.2 the same with `.ops`/`.n_ops` for the split ones.
    pub(super) fn family(&mut self, theirs: &CFile) {
        for name in ["struct genl_multicast_group", "struct genl_family"] {
            let o = self.new.defs.iter().find(|d| d.ty == name);
            let t = theirs.defs.iter().find(|d| d.ty == name);
            let key = |d: Option<&c::Def>| d.map(|d| (d.name.clone(), d.init.clone()));
            let left_to_module = name == "struct genl_family"
                && t.is_none()
                && matches!(
                    self.spec.protocol.as_str(),
                    "genetlink-c" | "genetlink-legacy"
                );
            if let (Some(d), true) = (o, left_to_module) {
                match self.our_family(d, theirs) {
                    Ok(what) => self.allow(Allowed::FamilyStruct, what),
                    Err(e) => self.differ(DiffClass::Family, e.to_string()),
                }
            } else if key(o) != key(t) {
                self.differ(
                    DiffClass::Family,
                    format!(
                        "{name}: {:?} vs {:?}",
                        o.map(|d| (&d.name, d.init.text())),
                        t.map(|d| (&d.name, d.init.text()))
                    ),
                );
            }
            let old = self.old.defs.iter().find(|d| d.ty == name);
            let renamed = old.map(|d| {
                let text = d
                    .init
                    .text()
                    .replace(".n_ops =", ".n_split_ops =")
                    .replace(".ops =", ".split_ops =");
                (d.name.clone(), text)
            });
            if renamed != o.map(|d| (d.name.clone(), d.init.text())) {
                self.differ(
                    DiffClass::GenlOps,
                    format!(
                        "{name} (< 6.2): {:?} vs ≥ 6.2 {:?}",
                        old.map(|d| d.init.text()),
                        o.map(|d| d.init.text())
                    ),
                );
            }
        }
    }

    /// Our family structure where ynl-gen-c leaves it to the module: it
    /// has ynl-gen-c's ops table (the split one; `.ops` below 6.2) and
    /// groups, and the uapi header's name and version.
    pub(super) fn our_family(&self, d: &c::Def, theirs: &CFile) -> Result<String, Mismatch> {
        let field = |k: &str| d.init.field(k).map(|i| i.text());
        let table = theirs
            .defs
            .iter()
            .find(|d| d.ty == "struct genl_split_ops")
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let groups = theirs
            .defs
            .iter()
            .find(|d| d.ty == "struct genl_multicast_group")
            .map(|d| d.name.clone());
        let want = [
            (".split_ops", Some(table.clone())),
            (".n_split_ops", Some(format!("ARRAY_SIZE ( {table} )"))),
            (".mcgrps", groups.clone()),
            (
                ".n_mcgrps",
                groups.as_ref().map(|g| format!("ARRAY_SIZE ( {g} )")),
            ),
        ];
        let mut bad = Vec::new();
        for (k, v) in &want {
            if field(k) != *v {
                bad.push(format!("{k} {:?}, not {v:?}", field(k)));
            }
        }
        let ident = self.spec.name.replace('-', "_").to_uppercase();
        for (k, suffix) in [(".name", "_FAMILY_NAME"), (".version", "_FAMILY_VERSION")] {
            if !field(k).is_some_and(|v| v.ends_with(suffix) && v.starts_with(&ident)) {
                bad.push(format!(
                    "{k} {:?}, not the uapi header's {ident}…{suffix}",
                    field(k)
                ));
            }
        }
        if bad.is_empty() {
            Ok(format!(
                "{} ({} spec): ours with {table}{}",
                d.name,
                self.spec.protocol,
                groups.map(|g| format!(" and {g}")).unwrap_or_default()
            ))
        } else {
            Err(Mismatch::FamilyFields {
                family: d.name.clone(),
                fields: bad,
            })
        }
    }
}
