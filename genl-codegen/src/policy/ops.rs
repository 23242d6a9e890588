//! Every operation's policies and checks: the views of its request, the
//! split-ops and `struct genl_ops` variants, and the nested policies they
//! reach.

use super::*;

/// What [`build`] decides for one operation.
struct OpResult {
    command: usize,
    dump: bool,
    view: Option<ViewId>,
    check: Option<String>,
    split: OpCheck,
    genl_ops: OpCheck,
}

/// Builds every policy, view and check of `m`.
pub(super) fn build(m: &FamilyModel) -> Result<Policies, CodegenError> {
    let view_root = &m.view_root;
    let low = m.c_lower.clone();
    let mut b = Builder {
        m,
        views: Vec::new(),
        by_path: BTreeMap::new(),
        ranges: BTreeMap::new(),
        validators: BTreeMap::new(),
        enum_validators: BTreeMap::new(),
        nested: BTreeSet::new(),
        attr_validators: BTreeMap::new(),
    };

    // The request view of every operation.
    let mut op_views: Vec<(usize, bool, ViewId)> = Vec::new();
    for (ci, c) in b.m.commands.iter().enumerate() {
        for (is_dump, o) in [(false, &c.do_), (true, &c.dump)] {
            let Some(r) = o.as_ref().and_then(|o| o.request.as_ref()) else {
                continue;
            };
            if r.attrs.is_empty() {
                continue;
            }
            let v = b.view(r.view, view_root, &mut Vec::new())?;
            op_views.push((ci, is_dump, v));
        }
    }
    let view_of = |ci: usize, dump: bool| {
        op_views
            .iter()
            .find(|(c, d, _)| *c == ci && *d == dump)
            .map(|(_, _, v)| *v)
    };

    // Every view nested in a request gets its policy and parse helper; each
    // nest's entry then points at its view's policy.
    let nested = std::mem::take(&mut b.nested);
    for v in &nested {
        ensure_nested_policy(&mut b, *v, &low);
    }
    let names: Vec<Option<String>> = b.views.iter().map(|v| v.nested_policy.clone()).collect();
    for view in &mut b.views {
        for a in &mut view.attrs {
            if let Some(t) = a.nested.and_then(|n| names[n.0].clone()) {
                if let Policy::Nested(p) | Policy::NestedArray(Some(p)) = &mut a.policy {
                    *p = t;
                }
            }
        }
    }

    // Checks of nested views: a view needs one when it, or a view below it,
    // requires an attribute. Views are made innermost first.
    for i in 0..b.views.len() {
        let needs = b.views[i].attrs.iter().any(|a| {
            a.required
                || a.validator.is_some()
                || a.nested.is_some_and(|n| b.views[n.0].check.is_some())
        });
        if needs && nested.contains(&ViewId(i)) {
            b.views[i].check = Some(format!("{low}_nl_check_{}", b.views[i].c_name));
        }
    }

    // Per-operation policies.
    let mut policies: Vec<OpPolicy> = Vec::new();
    let n_cmds = b.m.commands.len();
    let mut per_cmd: Vec<CmdPolicies> = Vec::with_capacity(n_cmds);
    for ci in 0..n_cmds {
        let sn = snake(b.m.commands[ci].schema.name);
        let (dv, uv) = (view_of(ci, false), view_of(ci, true));
        let entries = |b: &Builder<'_>, v: ViewId| -> Vec<(u16, Policy)> {
            b.views[v.0]
                .attrs
                .iter()
                .map(|a| (a.id, a.policy.clone()))
                .collect()
        };
        let mut add =
            |b: &Builder<'_>, name: String, what: &str, v: ViewId, entries, split, genl_ops| {
                policies.push(OpPolicy {
                    name,
                    command: ci,
                    what: what.to_owned(),
                    set: b.views[v.0].set,
                    entries,
                    split,
                    genl_ops,
                });
                policies.len() - 1
            };
        let mut cp = CmdPolicies::default();
        match (dv, uv) {
            (None, None) => {}
            (Some(v), None) | (None, Some(v)) => {
                let what = if dv.is_some() { "do" } else { "dump" };
                let e = entries(&b, v);
                let p = add(&b, format!("{low}_{sn}_nl_policy"), what, v, e, true, true);
                if dv.is_some() {
                    cp.do_ = Some(p);
                } else {
                    cp.dump = Some(p);
                }
                cp.genl_ops = Some(p);
            }
            (Some(d), Some(u)) if entries(&b, d) == entries(&b, u) => {
                let e = entries(&b, d);
                let p = add(
                    &b,
                    format!("{low}_{sn}_nl_policy"),
                    "do, dump",
                    d,
                    e,
                    true,
                    true,
                );
                cp.do_ = Some(p);
                cp.dump = Some(p);
                cp.genl_ops = Some(p);
            }
            (Some(d), Some(u)) => {
                let (ed, eu) = (entries(&b, d), entries(&b, u));
                // The union: where both list a nest seen through different
                // views, the root set's own view; each operation then
                // validates that nest again with its own.
                let mut union: BTreeMap<u16, Policy> = BTreeMap::new();
                for (id, p) in ed.iter().chain(eu.iter()) {
                    match union.get(id) {
                        Some(q) if q != p => {
                            cp.conflicts.insert(*id);
                        }
                        Some(_) => {}
                        None => {
                            union.insert(*id, p.clone());
                        }
                    }
                }
                for id in cp.conflicts.clone() {
                    let root = b.m.set(b.views[d.0].set).root;
                    let root_attr = root.attr(id).expect("an attribute of the set");
                    let n = root_attr
                        .ty
                        .nested_set()
                        .expect("only nests differ by view");
                    let rv = b.view(n, view_root, &mut Vec::new())?;
                    let policy = ensure_nested_policy(&mut b, rv, &low);
                    let p = match root_attr.ty {
                        AttrType::IndexedArray(_) => Policy::NestedArray(Some(policy)),
                        _ => Policy::Nested(policy),
                    };
                    union.insert(id, p);
                }
                let pd = add(
                    &b,
                    format!("{low}_{sn}_do_nl_policy"),
                    "do",
                    d,
                    ed,
                    true,
                    false,
                );
                let pu = add(
                    &b,
                    format!("{low}_{sn}_dump_nl_policy"),
                    "dump",
                    u,
                    eu,
                    true,
                    false,
                );
                let pg = add(
                    &b,
                    format!("{low}_{sn}_nl_policy"),
                    "do, dump (Linux < 6.2: one policy per command)",
                    d,
                    union.into_iter().collect(),
                    false,
                    true,
                );
                cp.do_ = Some(pd);
                cp.dump = Some(pu);
                cp.genl_ops = Some(pg);
            }
        }
        per_cmd.push(cp);
    }

    // The check of each operation, in both kernel branches.
    let mut results: Vec<OpResult> = Vec::new();
    for (ci, cp) in per_cmd.iter().enumerate() {
        let sn = snake(b.m.commands[ci].schema.name);
        let union_ids: BTreeSet<u16> = cp
            .genl_ops
            .map(|p| policies[p].ids().collect())
            .unwrap_or_default();
        let cmd = &b.m.commands[ci];
        for dump in [false, true] {
            if if dump {
                cmd.dump.is_none()
            } else {
                cmd.do_.is_none()
            } {
                continue;
            }
            let v = view_of(ci, dump);
            let mut split = OpCheck::default();
            let mut own: BTreeSet<u16> = BTreeSet::new();
            if let Some(v) = v {
                let view = &b.views[v.0];
                for a in &view.attrs {
                    own.insert(a.id);
                    if a.required {
                        split.required.push(a.id);
                    }
                    if let Some(n) = a.nested.filter(|n| b.views[n.0].check.is_some()) {
                        split.nests.push((a.id, a.repeat, n));
                    }
                    if let Some(f) = &a.validator {
                        split.validated.push((a.id, a.repeat, f.clone()));
                    }
                }
            }
            // An op without a request: every attribute rejected, on both
            // kernels (see `OpCheck::reject_all`).
            // reject-all policy does it (no policy for the command at all).
            split.reject_all = v.is_none();
            let mut genl_ops = split.clone();
            genl_ops.reject_all = v.is_none();
            // Linux < 6.2: the command's one policy is the union of its
            // requests; what this op does not take is rejected.
            if v.is_some() {
                genl_ops.reject = union_ids.difference(&own).copied().collect();
            }
            if let Some(view) = v.map(|v| &b.views[v.0]) {
                for id in &cp.conflicts {
                    if let Some(n) = view.attr(*id).and_then(|a| a.nested) {
                        genl_ops.revalidate.push((*id, n));
                    }
                }
            }
            let name = if dump {
                format!("{low}_nl_{sn}_dump_start")
            } else {
                format!("{low}_nl_{sn}_doit_checked")
            };
            results.push(OpResult {
                command: ci,
                dump,
                view: v,
                check: (!split.is_empty() || !genl_ops.is_empty()).then_some(name),
                split,
                genl_ops,
            });
        }
    }

    let nested_policies: Vec<ViewId> = (0..b.views.len())
        .map(ViewId)
        .filter(|v| b.views[v.0].nested_policy.is_some())
        .collect();
    let Builder {
        views,
        ranges,
        validators,
        enum_validators,
        ..
    } = b;
    let mut commands: Vec<LoweredCommand> = m
        .commands
        .iter()
        .zip(&per_cmd)
        .map(|(_, cp)| LoweredCommand {
            do_: None,
            dump: None,
            genl_ops_policy: cp.genl_ops,
        })
        .collect();
    for r in results {
        let c = &m.commands[r.command];
        let (op, slot, policy) = if r.dump {
            (
                &c.dump,
                &mut commands[r.command].dump,
                per_cmd[r.command].dump,
            )
        } else {
            (&c.do_, &mut commands[r.command].do_, per_cmd[r.command].do_)
        };
        *slot = Some(LoweredOp {
            handler: op.as_ref().expect("has the op").handler.clone(),
            view: r.view,
            check: r.check,
            split_check: r.split,
            genl_ops_check: r.genl_ops,
            policy,
        });
    }
    Ok(Policies {
        commands,
        policies,
        views,
        nested_policies,
        ranges: ranges.into_values().collect(),
        validators: validators.into_values().collect(),
        enum_validators: enum_validators.into_values().collect(),
    })
}

/// The policies of one command.
#[derive(Default)]
struct CmdPolicies {
    do_: Option<usize>,
    dump: Option<usize>,
    genl_ops: Option<usize>,
    /// Attributes the do and dump see through different views.
    conflicts: BTreeSet<u16>,
}

/// Gives `v` a nested policy (and the nests inside it theirs), returning
/// its name.
fn ensure_nested_policy(b: &mut Builder<'_>, v: ViewId, low: &str) -> String {
    if let Some(p) = &b.views[v.0].nested_policy {
        return p.clone();
    }
    let name = format!("{low}_{}_nl_policy", b.views[v.0].c_name);
    b.views[v.0].nested_policy = Some(name.clone());
    b.views[v.0].parse = Some(format!("{low}_nl_parse_{}", b.views[v.0].c_name));
    let children: Vec<(usize, ViewId)> = b.views[v.0]
        .attrs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.nested.map(|n| (i, n)))
        .collect();
    for (i, n) in children {
        let p = ensure_nested_policy(b, n, low);
        match &mut b.views[v.0].attrs[i].policy {
            Policy::Nested(x) | Policy::NestedArray(Some(x)) => *x = p,
            _ => {}
        }
    }
    name
}
