//! The ops tables: the split ops (≥ 6.2) op by op, and our `genl_ops`
//! table (< 6.2) against them.

use super::*;

impl Cmp<'_> {
    /// The split ops (≥ 6.2), op by op.
    pub(super) fn split_ops(&mut self, ours: &BTreeMap<OpKey, Op>, theirs: &BTreeMap<OpKey, Op>) {
        let keys: BTreeSet<OpKey> = ours.keys().chain(theirs.keys()).copied().collect();
        for k in keys {
            let at = format!("op cmd {} {}", k.0, k.1);
            let (o, t) = match (ours.get(&k), theirs.get(&k)) {
                (Some(o), Some(t)) => (o, t),
                (o, _) => {
                    let side = if o.is_some() { "ours" } else { "ynl-gen-c's" };
                    self.differ(DiffClass::Op, format!("{at}: only in {side}"));
                    continue;
                }
            };
            self.report.ops += 1;
            if o.flags != t.flags {
                self.differ(
                    DiffClass::Op,
                    format!("{at}: flags {:?} vs {:?}", o.flags, t.flags),
                );
            }
            if o.dumpit != t.dumpit {
                self.differ(
                    DiffClass::Op,
                    format!("{at}: dumpit {:?} vs {:?}", o.dumpit, t.dumpit),
                );
            }
            match (&o.doit, &t.doit) {
                (a, b) if a == b => {}
                (Some(a), Some(b)) if *a == format!("{b}_checked") => {
                    // The wrapper must check, then call the handler.
                    let c = self.new.functions.get(a).map(|body| Checks::read(body));
                    match c {
                        Some(c)
                            if c.calls.as_deref() == Some(b)
                                && c.checks_anything()
                                && c.rejects_all == o.policy.is_none() =>
                        {
                            self.fns.insert(a.clone());
                            let class = if c.rejects_all {
                                Allowed::NoAttributes
                            } else {
                                Allowed::RequiredCheckWrapper
                            };
                            self.allow(class, format!("{at}: {a}: {}", c.describe()));
                        }
                        _ => self.differ(
                            DiffClass::Op,
                            format!("{at}: {a} does not check and call {b}"),
                        ),
                    }
                }
                (a, b) => self.differ(DiffClass::Op, format!("{at}: doit {a:?} vs {b:?}")),
            }
            match (&o.start, &t.start) {
                (a, b) if a == b => {}
                (Some(s), None) if o.dumpit.is_some() => match self.start_checks(self.new, s) {
                    Ok(c) if c.rejects_all != o.policy.is_none() => self.differ(
                        DiffClass::Op,
                        format!(
                            "{at}: .start {s}: rejects any attribute: {}, has a policy: {}",
                            c.rejects_all,
                            o.policy.is_some()
                        ),
                    ),
                    Ok(c) => {
                        self.fns.insert(s.clone());
                        let class = if c.rejects_all {
                            Allowed::NoAttributes
                        } else {
                            Allowed::DumpStartCheck
                        };
                        self.allow(class, format!("{at}: .start = {s}: {}", c.describe()));
                    }
                    Err(e) => self.differ(DiffClass::Op, format!("{at}: .start {s}: {e}")),
                },
                (a, b) => self.differ(DiffClass::Op, format!("{at}: start {a:?} vs {b:?}")),
            }
            match (&o.policy, &t.policy) {
                (Some(a), Some(b)) => {
                    self.policy(&at, a, b, Mode::Same);
                    let (os, ts) = (
                        self.ours.get(a).and_then(|p| p.size),
                        self.theirs.get(b).and_then(|p| p.size),
                    );
                    match (o.maxattr, t.maxattr) {
                        (x, y) if x == y => {}
                        (Some(x), Some(y)) if x > y && os == Some(x + 1) && ts == Some(y + 1) => {
                            self.allow(Allowed::SizedBySetMax, format!("{at}: maxattr {x} vs {y}"))
                        }
                        (x, y) => {
                            self.differ(DiffClass::Op, format!("{at}: maxattr {x:?} vs {y:?}"))
                        }
                    }
                }
                // An op without a request: no policy on either side.
                (None, None) if o.maxattr.is_none() && t.maxattr.is_none() => {}
                (a, b) => self.differ(
                    DiffClass::Op,
                    format!(
                        "{at}: policy {a:?} (maxattr {:?}) vs {b:?} (maxattr {:?})",
                        o.maxattr, t.maxattr
                    ),
                ),
            }
        }
    }

    /// A dump's generated `.start` in `f`: it reads the request with
    /// `<p>_nl_dump_attrs(cb)`, checks something, and returns 0 when the
    /// request passes.
    pub(super) fn start_checks(&self, f: &CFile, name: &str) -> Result<Checks, Mismatch> {
        let body = f.functions.get(name).ok_or(Mismatch::StartNotDefined)?;
        let c = Checks::read(body);
        let reads = body.iter().any(|t| t.ends_with("_nl_dump_attrs"));
        // Only a check of the attributes themselves needs them parsed.
        let needs_attrs = c.checks_anything() && !(c.rejects_all && c.rejected.is_empty());
        if (needs_attrs && !reads) || !c.ends_ok || !c.checks_anything() {
            return Err(Mismatch::StartChecks {
                checks: c.describe(),
            });
        }
        Ok(c)
    }

    /// Policies no ops table reached: theirs by name; ours must not exist.
    pub(super) fn unreached(
        &mut self,
        our_ops: &BTreeMap<OpKey, Op>,
        their_ops: &BTreeMap<OpKey, Op>,
    ) {
        let theirs = self.theirs;
        for name in theirs.keys() {
            let reached = self.nested_done.iter().any(|(_, t)| t == name)
                || their_ops
                    .values()
                    .any(|o| o.policy.as_deref() == Some(name));
            if !reached {
                if self.ours.contains_key(name) {
                    self.policy(&format!("policy {name}"), name, name, Mode::Same);
                } else {
                    self.differ(
                        DiffClass::Policy,
                        format!("policy {name}: only in ynl-gen-c's"),
                    );
                }
            }
        }
        let ours = self.ours;
        for name in ours.keys() {
            let reached = self.ours_done.contains(name)
                || our_ops.values().any(|o| o.policy.as_deref() == Some(name));
            if !reached {
                self.differ(DiffClass::Policy, format!("policy {name}: only in ours"));
            }
        }
    }

    /// Our < 6.2 table: one `genl_ops` per command, saying what the split
    /// ops say: the union of their policies, their handlers, and generated
    /// checks that reject what each op does not take.
    pub(super) fn legacy_ops(&mut self, split: &BTreeMap<OpKey, Op>, legacy: &BTreeMap<OpKey, Op>) {
        let cmds: BTreeSet<i128> = split.keys().map(|k| k.0).collect();
        let mut union_policies = BTreeSet::new();
        for cmd in &cmds {
            let at = format!("genl_ops cmd {cmd}");
            let Some(l) = legacy.get(&(*cmd, "cmd")) else {
                self.differ(DiffClass::GenlOps, format!("{at}: missing"));
                continue;
            };
            self.report.ops += 1;
            let (d, u) = (split.get(&(*cmd, "do")), split.get(&(*cmd, "dump")));
            match self.legacy_entry(l, d, u) {
                Ok((policy, notes)) => {
                    union_policies.extend(policy);
                    for (a, what) in notes {
                        self.allow(a, format!("{at}: {what}"));
                    }
                }
                Err(problems) => {
                    self.differ(DiffClass::GenlOps, format!("{at}: {}", problems.join("; ")))
                }
            }
        }
        if legacy.len() != cmds.len() {
            self.differ(
                DiffClass::GenlOps,
                format!(
                    "genl_ops has {} entries for {} commands",
                    legacy.len(),
                    cmds.len()
                ),
            );
        }
        // Every policy of the < 6.2 branch alone is a union one.
        let old_only: Vec<String> = self
            .old_p
            .keys()
            .filter(|n| !self.ours.contains_key(*n) && !union_policies.contains(*n))
            .cloned()
            .collect();
        for n in old_only {
            self.differ(
                DiffClass::GenlOps,
                format!("policy {n} (< 6.2): not the union policy of a command"),
            );
        }
    }

    /// One command's `genl_ops` entry `l` against its split do `d` and dump
    /// `u`: the union policy (if the entry has one of its own) and the
    /// allowed differences from a plain copy of them, or the problems.
    #[allow(clippy::type_complexity)]
    pub(super) fn legacy_entry(
        &mut self,
        l: &Op,
        d: Option<&Op>,
        u: Option<&Op>,
    ) -> Result<(Option<String>, Vec<(Allowed, String)>), Vec<String>> {
        let mut problems = Vec::new();
        let caps = [
            "GENL_CMD_CAP_DO",
            "GENL_CMD_CAP_DUMP",
            "GENL_CMD_CAP_HASPOL",
        ];
        let want_flags: BTreeSet<String> = d
            .iter()
            .chain(u.iter())
            .flat_map(|o| o.flags.iter())
            .filter(|f| !caps.contains(&f.as_str()))
            .cloned()
            .collect();
        if l.flags != want_flags {
            problems.push(format!(
                "flags {:?}, the split ops' {want_flags:?}",
                l.flags
            ));
        }
        if l.dumpit != u.and_then(|o| o.dumpit.clone()) {
            problems.push(format!("dumpit {:?} vs the split dump's", l.dumpit));
        }
        let want_max = d.and_then(|o| o.maxattr).max(u.and_then(|o| o.maxattr));
        if l.maxattr != want_max {
            problems.push(format!(
                "maxattr {:?}, the split ops' {want_max:?}",
                l.maxattr
            ));
        }
        // The union of the split policies; a nest both list through
        // different views (a conflict) must be validated again by each op.
        let ours = self.ours;
        let pol = |o: Option<&Op>| o.and_then(|o| o.policy.as_ref()).and_then(|n| ours.get(n));
        let (pd, pu) = (pol(d), pol(u));
        let mut union: BTreeMap<i128, (String, Pol)> = BTreeMap::new();
        let mut conflicts: BTreeMap<i128, (String, String)> = BTreeMap::new();
        for (id, (name, p)) in pd.iter().flat_map(|p| p.entries.iter()) {
            union.insert(*id, (name.clone(), p.clone()));
        }
        for (id, (name, p)) in pu.iter().flat_map(|p| p.entries.iter()) {
            match union.get(id) {
                None => {
                    union.insert(*id, (name.clone(), p.clone()));
                }
                Some((_, q)) if q == p => {}
                Some((_, q)) => {
                    let (mut a, mut b) = (q.clone(), p.clone());
                    let (an, bn) = (a.nested.take(), b.nested.take());
                    match (an, bn) {
                        (Some(an), Some(bn)) if a == b => {
                            conflicts.insert(*id, (an, bn));
                        }
                        _ => problems.push(format!("{name}: do {q} vs dump {p}, no union")),
                    }
                }
            }
        }
        let name_of = |ids: &BTreeSet<i128>| -> BTreeSet<String> {
            ids.iter()
                .filter_map(|i| union.get(i).map(|(n, _)| n.clone()))
                .collect()
        };
        let ids = |p: Option<&PolicyArray>| -> BTreeSet<i128> {
            p.map(|p| p.entries.keys().copied().collect())
                .unwrap_or_default()
        };
        let all: BTreeSet<i128> = union.keys().copied().collect();
        let reject_do = name_of(&all.difference(&ids(pd)).copied().collect());
        let reject_dump = name_of(&all.difference(&ids(pu)).copied().collect());
        // The legacy policy is the union.
        let mut legacy_nested: BTreeMap<i128, String> = BTreeMap::new();
        let mut union_name = None;
        match &l.policy {
            None if union.is_empty() => {}
            None => problems.push("no policy for a command whose ops take attributes".into()),
            Some(n) => match self.old_p.get(n) {
                None => problems.push(format!("policy {n} not found")),
                Some(lp) => {
                    let own = !self.ours.contains_key(n);
                    if own {
                        self.report.policies += 1;
                    }
                    let keys: BTreeSet<i128> = lp.entries.keys().copied().collect();
                    if keys != all {
                        problems.push(format!(
                            "policy {n} takes {:?}, the union of the split policies {:?}",
                            lp.entries.values().map(|(n, _)| n).collect::<Vec<_>>(),
                            union.values().map(|(n, _)| n).collect::<Vec<_>>()
                        ));
                    }
                    for (id, (an, p)) in &lp.entries {
                        let Some((_, want)) = union.get(id) else {
                            continue;
                        };
                        if own {
                            self.report.entries += 1;
                        }
                        if conflicts.contains_key(id) {
                            let (mut a, mut b) = (p.clone(), want.clone());
                            let nested = a.nested.take();
                            b.nested = None;
                            match nested {
                                Some(x) if a == b => {
                                    legacy_nested.insert(*id, x);
                                }
                                _ => problems.push(format!("{an}: {p}, not a nest")),
                            }
                        } else if p != want {
                            problems.push(format!("{an}: {p}, the split ops' {want}"));
                        }
                    }
                    let want_size = pd.and_then(|p| p.size).max(pu.and_then(|p| p.size));
                    if lp.size != want_size {
                        problems.push(format!(
                            "policy {n} size {:?}, the split ones' {want_size:?}",
                            lp.size
                        ));
                    }
                    if !self.ours.contains_key(n) {
                        union_name = Some(n.clone());
                    }
                }
            },
        }
        // Each op's own nested policy where the union had to take another.
        let revalidate = |dump: bool| -> BTreeSet<String> {
            conflicts
                .iter()
                .filter_map(|(id, (dn, un))| {
                    let own = if dump { un } else { dn };
                    (legacy_nested.get(id) != Some(own)).then(|| own.clone())
                })
                .collect()
        };
        let mut what = Vec::new();
        let mut notes = Vec::new();
        // The do.
        let (sd, ld) = (d.and_then(|o| o.doit.clone()), l.doit.clone());
        match (&sd, &ld) {
            (None, None) => {}
            (Some(sd), Some(ld)) => {
                let split_c = self.new.functions.get(sd).map(|b| Checks::read(b));
                let handler = match &split_c {
                    Some(c)
                        if c.calls
                            .as_ref()
                            .is_some_and(|h| *sd == format!("{h}_checked")) =>
                    {
                        c.calls.clone().unwrap_or_default()
                    }
                    _ => sd.clone(),
                };
                let split_c = split_c.filter(|_| handler != *sd).unwrap_or_default();
                let want_reval = revalidate(false);
                if reject_do.is_empty() && want_reval.is_empty() && !split_c.checks_anything() {
                    if ld != sd {
                        problems.push(format!("doit {ld}, the split do's {sd}"));
                    }
                } else if *ld != format!("{handler}_checked") {
                    problems.push(format!("doit {ld}, not a check of {handler}"));
                } else {
                    match self.old.functions.get(ld).map(|b| Checks::read(b)) {
                        None => problems.push(format!("{ld} not defined (< 6.2)")),
                        Some(c) => {
                            let mut p = self.same_checks(&c, &split_c, &reject_do, &want_reval);
                            if c.calls.as_deref() != Some(handler.as_str()) {
                                p.push(format!("{ld} does not end by calling {handler}"));
                            }
                            if p.is_empty() {
                                self.fns.insert(ld.clone());
                                if !reject_do.is_empty() || !want_reval.is_empty() {
                                    what.push(format!("doit {ld} {}", c.describe()));
                                }
                            }
                            problems.extend(p);
                        }
                    }
                }
            }
            (a, b) => problems.push(format!("doit {b:?}, the split do's {a:?}")),
        }
        // The dump.
        match (u, &l.start) {
            (None, None) => {}
            (None, Some(s)) => problems.push(format!(".start {s} for a command without a dump")),
            (Some(u), ls) => {
                let split_c = match &u.start {
                    Some(s) => self.start_checks(self.new, s).unwrap_or_default(),
                    None => Checks::default(),
                };
                let want_reval = revalidate(true);
                if reject_dump.is_empty() && want_reval.is_empty() && !split_c.checks_anything() {
                    if *ls != u.start {
                        problems.push(format!(".start {ls:?}, the split dump's {:?}", u.start));
                    }
                } else {
                    let want_name = u.start.clone().or_else(|| {
                        u.dumpit
                            .as_ref()
                            .and_then(|h| h.strip_suffix("_dumpit"))
                            .map(|p| format!("{p}_dump_start"))
                    });
                    match ls {
                        None => problems.push("no .start to check the dump's request".into()),
                        Some(ls) if want_name.as_ref().is_some_and(|w| w != ls) => {
                            problems.push(format!(".start {ls}, not {want_name:?}"))
                        }
                        Some(ls) => match self.start_checks(self.old, ls) {
                            Err(e) => problems.push(format!(".start {ls} (< 6.2): {e}")),
                            Ok(c) => {
                                let p = self.same_checks(&c, &split_c, &reject_dump, &want_reval);
                                if p.is_empty() {
                                    self.fns.insert(ls.clone());
                                    if !reject_dump.is_empty() || !want_reval.is_empty() {
                                        what.push(format!(".start {ls} {}", c.describe()));
                                    }
                                }
                                problems.extend(p);
                            }
                        },
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let (dn, un) = (
            d.and_then(|o| o.policy.clone()),
            u.and_then(|o| o.policy.clone()),
        );
        if union_name.is_some() || !what.is_empty() {
            let mut text = format!(
                "policy {} = the union of {} and {}",
                l.policy.as_deref().unwrap_or("-"),
                dn.as_deref().unwrap_or("(no do policy)"),
                un.as_deref().unwrap_or("(no dump policy)")
            );
            for w in what {
                text += &format!("; {w}");
            }
            notes.push((Allowed::LegacyUnionOps, text));
        }
        Ok((union_name, notes))
    }

    /// A < 6.2 check `c` against the split one `split`: the same
    /// requirements and nest checks, and exactly the rejections `reject`
    /// and the nested validations `revalidate` the union needs.
    pub(super) fn same_checks(
        &self,
        c: &Checks,
        split: &Checks,
        reject: &BTreeSet<String>,
        revalidate: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut p = Vec::new();
        if c.rejects_all != split.rejects_all {
            p.push(format!(
                "rejects any attribute: {}, the split op: {}",
                c.rejects_all, split.rejects_all
            ));
        }
        if c.rejected != *reject && !c.rejects_all {
            p.push(format!(
                "rejects {:?}, the ops' difference is {reject:?}",
                c.rejected
            ));
        }
        if c.required != split.required || c.nest_checks != split.nest_checks {
            p.push(format!(
                "checks ({}) differ from the split op's ({})",
                c.describe(),
                split.describe()
            ));
        }
        let want: BTreeSet<String> = split.revalidated.union(revalidate).cloned().collect();
        if c.revalidated != want {
            p.push(format!(
                "validates nests again with {:?}, needs {want:?}",
                c.revalidated
            ));
        }
        p
    }
}
