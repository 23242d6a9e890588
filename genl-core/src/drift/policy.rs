//! The comparison of one command's kernel policies with the request views
//! of its operations, attribute by attribute and nest by nest.

use std::collections::BTreeMap;

use super::checks::{
    describe_bound, describe_len, describe_value_check, full_range, kernel_value_check,
    schema_value_check, type_fit, TypeFit, ValueCheck,
};
use super::{Drift, DriftKind, Impact};
use crate::controller::{
    FamilyPolicy, NlAttrType, OpInfo, OpPolicy, PolicyAttr, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP,
};
use crate::schema::{AttrSchema, AttrSetSchema, AttrType, ByteOrder, CommandSchema};

/// The attributes a kernel policy is expected to accept: those of one view,
/// or of several (a policy shared by a do and a dump, a nest they see
/// through different views).
struct Expected {
    /// Attribute id → the attribute, its path, and the views of its nested
    /// set (one per distinct view that reaches it).
    attrs: BTreeMap<u16, ExpectedAttr>,
    /// For a nest seen through different views: the set they view, whose
    /// other attributes the kernel may accept without drift.
    tolerated: Option<&'static AttrSetSchema>,
    /// The path of the set (`RuleFilter.match`).
    path: String,
}

struct ExpectedAttr {
    attr: &'static AttrSchema,
    path: String,
    /// Each distinct view of the nested set, with the attribute's path in
    /// the view that reaches it.
    nested: Vec<(String, &'static AttrSetSchema)>,
}

impl Expected {
    /// The union of `views`, each named by its path.
    fn of(views: &[(String, &'static AttrSetSchema)], tolerant: bool) -> Expected {
        let mut attrs: BTreeMap<u16, ExpectedAttr> = BTreeMap::new();
        for (path, view) in views {
            for a in view.attrs {
                let here = format!("{path}.{}", a.name);
                let e = attrs.entry(a.id).or_insert_with(|| ExpectedAttr {
                    attr: a,
                    path: here.clone(),
                    nested: Vec::new(),
                });
                if let Some(n) = a.ty.nested_set() {
                    if !e.nested.iter().any(|(_, x)| x.path == n.path) {
                        e.nested.push((here, n));
                    }
                }
            }
        }
        let distinct = views
            .iter()
            .map(|(_, v)| v.path)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Expected {
            attrs,
            tolerated: (tolerant && distinct > 1).then(|| views[0].1.root()),
            path: views.first().map(|(p, _)| p.clone()).unwrap_or_default(),
        }
    }
}

/// Comparison state: the drifts found so far, for one command.
pub(super) struct Cx<'p> {
    pub(super) out: &'p mut Vec<Drift>,
    pub(super) command: &'static str,
    pub(super) policy: &'p FamilyPolicy,
}

/// Nests deeper than this are not followed: a guard, as the comparison
/// follows the schema's nests, which are acyclic, whatever the kernel's
/// policy indices point at.
const MAX_DEPTH: usize = 32;

impl Cx<'_> {
    fn push(&mut self, path: &str, kind: DriftKind) {
        self.out.push(Drift {
            command: self.command,
            path: path.to_owned(),
            kind,
        });
    }

    fn check(
        &mut self,
        path: &str,
        check: &'static str,
        schema: String,
        kernel: String,
        impact: Impact,
    ) {
        self.push(
            path,
            DriftKind::Check {
                check,
                schema,
                kernel,
                impact,
            },
        );
    }

    /// Compares the kernel policy `idx` with the expected attributes.
    fn policy(&mut self, idx: u32, exp: &Expected, depth: usize) {
        // A policy without any attribute the dump shows (every entry
        // NLA_REJECT, as genl_policy_reject_all) has no entry in the dump.
        let empty = BTreeMap::new();
        let policy = self.policy;
        let kattrs = policy.policies.get(&idx).unwrap_or(&empty);
        self.set(exp, kattrs, depth);
    }

    fn set(&mut self, exp: &Expected, kattrs: &BTreeMap<u16, PolicyAttr>, depth: usize) {
        for e in exp.attrs.values() {
            let Some(k) = kattrs.get(&e.attr.id) else {
                // The kernel does not advertise NLA_BE16/NLA_BE32 policies
                // (net/netlink/policy.c skips them like NLA_UNSPEC), so
                // their absence from a dump says nothing.
                let be = e.attr.byte_order == ByteOrder::Big
                    && matches!(e.attr.ty, AttrType::U16 | AttrType::U32);
                if !be {
                    self.push(&e.path, DriftKind::MissingInKernel);
                }
                continue;
            };
            self.attr(e, k, depth);
        }
        for id in kattrs.keys() {
            let known = exp.attrs.contains_key(id)
                || exp.tolerated.is_some_and(|root| root.attr(*id).is_some());
            if !known {
                let path = exp.path.clone();
                self.push(&path, DriftKind::ExtraInKernel { id: *id });
            }
        }
    }

    fn attr(&mut self, e: &ExpectedAttr, k: &PolicyAttr, depth: usize) {
        let a = e.attr;
        let kind = k.kind();
        let fit = type_fit(&a.ty, kind);
        if fit != TypeFit::Same {
            let kernel = kind.map_or_else(|| format!("type {}", k.ty), |t| format!("{t:?}"));
            let impact = if fit == TypeFit::KernelLooser {
                Impact::Compatible
            } else {
                Impact::Breaking
            };
            self.push(
                &e.path,
                DriftKind::Type {
                    schema: a.ty.kernel_name(),
                    kernel,
                    impact,
                },
            );
            return;
        }
        let Some(kind) = kind else { return };
        match a.ty {
            AttrType::String | AttrType::Binary => self.lengths(e, k),
            AttrType::Nested(_) | AttrType::IndexedArray(_) => self.nest(e, k, depth),
            _ => {
                if let Some(full) = full_range(kind) {
                    self.value(e, k, kind, full);
                }
            }
        }
    }

    fn lengths(&mut self, e: &ExpectedAttr, k: &PolicyAttr) {
        let c = &e.attr.checks;
        // Lengths of 65535 and more are no check (nla_len's own limit);
        // the kernel omits such a maximum from a range.
        let (raw_min, raw_max) = (c.exact_len.or(c.min_len), c.exact_len.or(c.max_len));
        let s_max = raw_max.filter(|m| *m < u32::from(u16::MAX));
        let k_max = k.max_length.filter(|m| *m < u32::from(u16::MAX));
        let s_min = raw_min.filter(|m| *m > 0);
        let k_min = k.min_length.filter(|m| *m > 0);
        // Bytes with a minimum and a bound beyond s16 need a range behind a
        // pointer (NLA_POLICY_FULL_RANGE), which the dump does not show.
        let s16 = |v: u32| v <= i16::MAX as u32;
        let hidden_max = e.attr.ty == AttrType::Binary
            && raw_min.is_some()
            && raw_max.is_some_and(|mx| !s16(mx) || raw_min.is_some_and(|mn| !s16(mn)));
        if s_max != k_max && !(k_max.is_none() && hidden_max) {
            let impact = match (s_max, k_max) {
                (Some(s), Some(k)) if k >= s => Impact::Compatible,
                (Some(_), None) => Impact::Compatible,
                _ => Impact::Breaking,
            };
            self.check(
                &e.path,
                "max_len",
                describe_len(s_max),
                describe_len(k_max),
                impact,
            );
        }
        // A minimum the kernel does not show is not a drift: the dump shows
        // one only for a range (NLA_POLICY_RANGE, NLA_POLICY_EXACT_LEN).
        if k_min.is_some() && s_min != k_min {
            let impact = match (s_min, k_min) {
                (Some(s), Some(k)) if k <= s => Impact::Compatible,
                _ => Impact::Breaking,
            };
            self.check(
                &e.path,
                "min_len",
                describe_len(s_min),
                describe_len(k_min),
                impact,
            );
        }
    }

    fn value(&mut self, e: &ExpectedAttr, k: &PolicyAttr, kind: NlAttrType, full: (i128, i128)) {
        let kc = kernel_value_check(k, kind, full);
        let (sc, accepted) = schema_value_check(e.attr, full);
        if kc == sc {
            return;
        }
        match (sc, kc) {
            (ValueCheck::Range(slo, shi), ValueCheck::Range(klo, khi)) => {
                let (amin, amax) = accepted.bounds();
                // A bound the kernel narrows past what the schema accepts
                // breaks clients; any other change is compatible.
                let bounds = [
                    ("min", slo, klo, klo > amin, full.0),
                    ("max", shi, khi, khi < amax, full.1),
                ];
                for (what, schema, kernel, narrower, limit) in bounds {
                    if schema != kernel {
                        let impact = if narrower {
                            Impact::Breaking
                        } else {
                            Impact::Compatible
                        };
                        let (s, k) = (describe_bound(schema, limit), describe_bound(kernel, limit));
                        self.check(&e.path, what, s, k, impact);
                    }
                }
            }
            _ => {
                let impact = if accepted.within(kc) {
                    Impact::Compatible
                } else {
                    Impact::Breaking
                };
                self.check(
                    &e.path,
                    "mask",
                    describe_value_check(sc, full),
                    describe_value_check(kc, full),
                    impact,
                );
            }
        }
    }

    fn nest(&mut self, e: &ExpectedAttr, k: &PolicyAttr, depth: usize) {
        if e.nested.is_empty() {
            return; // an array of scalars
        }
        let has_attrs = e.nested.iter().any(|(_, v)| !v.attrs.is_empty());
        match k.policy_idx {
            None if has_attrs => {
                let names: Vec<&str> = e.nested.iter().map(|(_, v)| v.name).collect();
                self.check(
                    &e.path,
                    "nested policy",
                    names.join(" | "),
                    "none".to_owned(),
                    Impact::Compatible,
                );
            }
            None => {}
            Some(idx) if depth < MAX_DEPTH => {
                let exp = Expected::of(&e.nested, true);
                self.policy(idx, &exp, depth + 1);
            }
            Some(_) => {}
        }
    }
}

/// Compares the policies of command `c` (the kernel's op `op`) with the
/// request views of its operations.
pub(super) fn compare_command(cx: &mut Cx<'_>, c: &CommandSchema, op: &OpInfo) {
    let policy = cx.policy;
    // A per-op dump holds one op entry, keyed by the command.
    let entry: OpPolicy = policy
        .ops
        .get(&u16::from(c.id))
        .or_else(|| {
            if policy.ops.len() == 1 {
                policy.ops.values().next()
            } else {
                None
            }
        })
        .copied()
        .unwrap_or_default();
    let view = |o: Option<crate::schema::OpSchema>| o.and_then(|o| o.request);
    let named = |v: &'static AttrSetSchema| (v.name.to_owned(), v);
    // One policy for the do and the dump: compared with both requests.
    if let (Some(_), Some(_), Some(i), Some(j)) = (c.do_, c.dump, entry.do_, entry.dump) {
        if i == j {
            let views: Vec<_> = [view(c.do_), view(c.dump)]
                .into_iter()
                .flatten()
                .map(named)
                .collect();
            cx.policy(i, &Expected::of(&views, false), 0);
            return;
        }
    }
    for (what, sop, kidx, bit) in [
        ("do", c.do_, entry.do_, GENL_CMD_CAP_DO),
        ("dump", c.dump, entry.dump, GENL_CMD_CAP_DUMP),
    ] {
        if sop.is_none() || op.flags & bit == 0 {
            continue; // reported as a capability
        }
        let v = view(sop);
        match kidx {
            Some(i) => {
                let views: Vec<_> = v.into_iter().map(named).collect();
                cx.policy(i, &Expected::of(&views, false), 0);
            }
            None => {
                if let Some(v) = v.filter(|v| !v.attrs.is_empty()) {
                    cx.push(v.name, DriftKind::NoKernelPolicy { op: what });
                }
            }
        }
    }
}
