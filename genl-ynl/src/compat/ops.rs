//! Operations: modes, messages, attribute lists, flags, groups.

use super::*;

impl Cmp<'_> {
    pub(super) fn ops(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let primary = |op: &Op| {
            if op.is_async {
                op.rsp_value
            } else {
                op.req_value
            }
        };
        let mut matched: Vec<(&Op, &Op)> = Vec::new();
        let mut removed: Vec<&Op> = Vec::new();
        for oo in &o.ops {
            match n.op(&oo.name) {
                Some(no) => matched.push((oo, no)),
                None => removed.push(oo),
            }
        }
        let mut added: Vec<&Op> = n.ops.iter().filter(|x| o.op(&x.name).is_none()).collect();
        let renamed = pair_renames(&mut removed, &mut added, |r, a| {
            primary(r) == primary(a) && r.is_async == a.is_async
        });
        for (oo, no) in &renamed {
            self.push(
                OP_RENAMED,
                format!("operations/{}", oo.name),
                format!(
                    "`{}` is now `{}` (same message id {})",
                    oo.name,
                    no.name,
                    primary(oo).map_or("-".into(), |v| v.to_string())
                ),
            );
        }
        let mut header_changes: Vec<(Option<String>, Option<String>, Vec<String>)> = Vec::new();
        for (oo, no) in matched.iter().chain(&renamed) {
            self.op(oo, no);
            let hl = |fam: &SpecFamily, h: &Option<String>| {
                h.as_ref().and_then(|h| fam.structs.get(h)).map(layout)
            };
            if hl(o, &oo.fixed_header) != hl(n, &no.fixed_header) {
                let key = (oo.fixed_header.clone(), no.fixed_header.clone());
                match header_changes
                    .iter_mut()
                    .find(|h| (&h.0, &h.1) == (&key.0, &key.1))
                {
                    Some(h) => h.2.push(oo.name.clone()),
                    None => header_changes.push((key.0, key.1, vec![oo.name.clone()])),
                }
            }
        }
        for (a, b, ops) in header_changes {
            let at = match &a {
                Some(h) => format!("definitions/{h}"),
                None => format!("operations/{}", ops[0]),
            };
            self.push(
                FIXED_HEADER_CHANGED,
                at,
                format!(
                    "the fixed header of {} was `{}` ({} bytes) and is now `{}` ({} bytes): every attribute after it is misread",
                    ops.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.as_deref().unwrap_or("none"),
                    o.struct_size(a.as_deref()),
                    b.as_deref().unwrap_or("none"),
                    n.struct_size(b.as_deref())
                ),
            );
        }
        for oo in removed {
            let m = if oo.is_async {
                format!(
                    "the notification `{}` is gone: old listeners no longer receive it",
                    oo.name
                )
            } else {
                format!(
                    "`{}` (command {}) is gone: an old client calling it gets EOPNOTSUPP",
                    oo.name,
                    oo.req_value.map_or("-".into(), |v| v.to_string())
                )
            };
            self.push(OP_REMOVED, format!("operations/{}", oo.name), m);
        }
        for no in added {
            let m = if no.is_async {
                format!(
                    "new notification `{}` (message id {}): old clients ignore it; an old module never sends it",
                    no.name,
                    no.rsp_value.map_or("-".into(), |v| v.to_string())
                )
            } else {
                format!(
                    "new `{}` (command {}): a new client calling it on an old module gets EOPNOTSUPP",
                    no.name,
                    no.req_value.map_or("-".into(), |v| v.to_string())
                )
            };
            self.push(OP_ADDED, format!("operations/{}", no.name), m);
        }
    }

    pub(super) fn op(&mut self, oo: &Op, no: &Op) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let at = format!("operations/{}", oo.name);
        if oo.is_async != no.is_async {
            self.push(
                OP_KIND_CHANGED,
                &at,
                if oo.is_async {
                    "a notification became a request"
                } else {
                    "a request became a notification"
                },
            );
            return;
        }
        let id = |v: Option<u16>| v.map_or("none".to_owned(), |v| v.to_string());
        if oo.is_async {
            if oo.rsp_value != no.rsp_value {
                self.push(
                    OP_RENUMBERED,
                    &at,
                    format!(
                        "the notification's message id {} is now {}: old listeners misread it as another message",
                        id(oo.rsp_value),
                        id(no.rsp_value)
                    ),
                );
            }
        } else {
            if oo.req_value != no.req_value {
                self.push(
                    OP_RENUMBERED,
                    &at,
                    format!(
                        "command {} is now {}: an old client's request runs another command or gets EOPNOTSUPP",
                        id(oo.req_value),
                        id(no.req_value)
                    ),
                );
            }
            let separate = |op: &Op| op.rsp_value.is_some() && op.rsp_value != op.req_value;
            if let (Some(a), Some(b)) = (oo.rsp_value, no.rsp_value) {
                if a != b && (separate(oo) || separate(no)) {
                    self.push(
                        OP_REPLY_RENUMBERED,
                        &at,
                        format!("replies carried message id {a} and now {b}"),
                    );
                }
            }
        }
        let set_name = |fam: &SpecFamily, op: &Op| {
            op.attr_set
                .and_then(|i| fam.sets.get(i))
                .map(|s| s.name.clone())
        };
        let (os, ns) = (set_name(o, oo), set_name(n, no));
        let same_set = os == ns;
        if !same_set && os.is_some() && ns.is_some() {
            self.push(
                OP_ATTR_SET_CHANGED,
                &at,
                format!(
                    "messages carried `{}` and now carry `{}`",
                    os.as_deref().unwrap_or("-"),
                    ns.as_deref().unwrap_or("-")
                ),
            );
        }
        if oo.is_async {
            if oo.mcgrp != no.mcgrp && !self.group_renamed(&oo.mcgrp, &no.mcgrp) {
                self.push(
                    OP_MCGRP_CHANGED,
                    &at,
                    format!(
                        "sent to group `{}`, now to `{}`: old listeners of `{}` miss it",
                        oo.mcgrp.as_deref().unwrap_or("none"),
                        no.mcgrp.as_deref().unwrap_or("none"),
                        oo.mcgrp.as_deref().unwrap_or("none")
                    ),
                );
            }
            if same_set {
                let ev = |s: &Side, op: &Op| {
                    s.ops
                        .get(&op.name)
                        .and_then(|x| x.event.clone())
                        .unwrap_or_default()
                };
                let (a, b) = (ev(self.old, oo), ev(self.new, no));
                self.attr_lists(&format!("{at}/event"), os.as_deref(), &a.attrs, &b.attrs);
            }
            return;
        }
        for (mode, had, has) in [
            ("do", oo.has_do, no.has_do),
            ("dump", oo.has_dump, no.has_dump),
        ] {
            match (had, has) {
                (true, false) => self.push(
                    OP_MODE_REMOVED,
                    format!("{at}/{mode}"),
                    format!("`{}` has no {mode} any more: an old client's {mode} gets EOPNOTSUPP", oo.name),
                ),
                (false, true) => self.push(
                    OP_MODE_ADDED,
                    format!("{at}/{mode}"),
                    format!("`{}` gained a {mode}: a new client's {mode} on an old module gets EOPNOTSUPP", oo.name),
                ),
                _ => {}
            }
        }
        if oo.has_do && no.has_do && oo.do_reply != no.do_reply {
            if oo.do_reply {
                self.push(
                    OP_REPLY_REMOVED,
                    format!("{at}/do"),
                    "the do replied and is now answered by an ACK only: an old client waiting for the reply gets none",
                );
            } else {
                self.push(
                    OP_REPLY_ADDED,
                    format!("{at}/do"),
                    "the do was answered by an ACK and now replies first: an old client waiting for the ACK skips the reply; a new client gets no reply from an old module",
                );
            }
        }
        let (opm, npm) = (self.old.perm(&oo.name), self.new.perm(&no.name));
        let perm = |p: u8| {
            [
                "no capability",
                "CAP_NET_ADMIN in its user namespace (uns-admin-perm)",
                "CAP_NET_ADMIN (admin-perm)",
            ][usize::from(p)]
        };
        if npm > opm {
            self.push(
                OP_ADMIN_PERM_ADDED,
                &at,
                format!(
                    "`{}` needed {} and now needs {}: unprivileged old clients get EPERM",
                    oo.name,
                    perm(opm),
                    perm(npm)
                ),
            );
        } else if npm < opm {
            self.push(
                OP_ADMIN_PERM_REMOVED,
                &at,
                format!("`{}` needed {} and now needs {}: a new client without it gets EPERM from an old module", oo.name, perm(opm), perm(npm)),
            );
        }
        let dv = |s: &Side, op: &Op| {
            s.ops
                .get(&op.name)
                .map(|x| x.dont_validate.clone())
                .unwrap_or_default()
        };
        let (odv, ndv) = (dv(self.old, oo), dv(self.new, no));
        for d in &odv {
            if !ndv.contains(d) {
                self.push(
                    OP_VALIDATION_TIGHTENED,
                    &at,
                    format!("`dont-validate: {d}` dropped: requests the old module accepted may get EINVAL"),
                );
            }
        }
        for d in &ndv {
            if !odv.contains(d) {
                self.push(
                    OP_VALIDATION_LOOSENED,
                    &at,
                    format!("`dont-validate: {d}` added: an old module validates more strictly"),
                );
            }
        }
        if !same_set {
            return;
        }
        for (mode, both) in [
            ("do", oo.has_do && no.has_do),
            ("dump", oo.has_dump && no.has_dump),
        ] {
            if !both {
                continue;
            }
            let m = |s: &Side, op: &Op, dir: &'static str| {
                s.ops
                    .get(&op.name)
                    .and_then(|x| x.msgs.get(&(mode, dir)).cloned())
                    .unwrap_or_default()
            };
            let (oq, nq) = (m(self.old, oo, "request"), m(self.new, no, "request"));
            let (or, nr) = (m(self.old, oo, "reply"), m(self.new, no, "reply"));
            let map = os
                .as_ref()
                .and_then(|s| self.renames.get(s))
                .cloned()
                .unwrap_or_default();
            let tr = |v: Vec<String>| -> Vec<String> {
                v.into_iter()
                    .map(|a| map.get(&a).cloned().unwrap_or(a))
                    .collect()
            };
            let oreq = tr(self.old.required(oo, mode));
            let nreq = self.new.required(no, mode);
            let qat = format!("{at}/{mode}/request");
            for r in &nreq {
                if !oreq.contains(r) {
                    self.push(
                        REQUIRED_ATTR_ADDED,
                        &qat,
                        format!("`{r}` is now required: an old client not sending it gets EINVAL"),
                    );
                }
            }
            for r in &oreq {
                if !nreq.contains(r) {
                    self.push(
                        REQUIRED_ATTR_RELAXED,
                        &qat,
                        format!("`{r}` is no longer required: a new client omitting it gets EINVAL from an old module"),
                    );
                }
            }
            let new_req: Vec<String> = nq
                .attrs
                .iter()
                .filter(|a| !nreq.contains(a))
                .cloned()
                .collect();
            self.attr_lists_req(&qat, os.as_deref(), &oq.attrs, &nq.attrs, &new_req);
            if (oo.do_reply && no.do_reply) || mode == "dump" {
                self.attr_lists(
                    &format!("{at}/{mode}/reply"),
                    os.as_deref(),
                    &or.attrs,
                    &nr.attrs,
                );
            }
        }
    }

    pub(super) fn group_renamed(&self, a: &Option<String>, b: &Option<String>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => {
                self.new.fam.mcast_groups.iter().all(|g| &g.name != a)
                    && self.old.fam.mcast_groups.iter().all(|g| &g.name != b)
            }
            _ => false,
        }
    }

    /// The names of `old` in the new set's names, without attributes gone
    /// from the set (reported as ATTR_REMOVED).
    pub(super) fn translate(&self, set: Option<&str>, old: &[String]) -> Vec<String> {
        let map = set.and_then(|s| self.renames.get(s));
        let old_set = set.and_then(|s| self.old.fam.set(s));
        let new_set = set.and_then(|s| self.new.fam.set(s));
        let gone = |a: &str| {
            old_set.is_some_and(|s| s.attr(a).is_some())
                && new_set.is_some_and(|s| s.attr(a).is_none())
        };
        old.iter()
            .filter(|a| !gone(a) || map.is_some_and(|m| m.contains_key(*a)))
            .map(|a| {
                map.and_then(|m| m.get(a))
                    .cloned()
                    .unwrap_or_else(|| a.clone())
            })
            .collect()
    }

    pub(super) fn attr_lists_req(
        &mut self,
        at: &str,
        set: Option<&str>,
        old: &[String],
        new: &[String],
        optional: &[String],
    ) {
        let old = self.translate(set, old);
        for a in &old {
            if !new.contains(a) {
                self.push(
                    OP_REQUEST_ATTR_REMOVED,
                    at,
                    format!("the request no longer lists `{a}`: an old client sending it gets EINVAL (per-operation policy) or has it ignored"),
                );
            }
        }
        for a in optional {
            if !old.contains(a) {
                self.push(
                    OP_REQUEST_ATTR_ADDED,
                    at,
                    format!("the request now lists `{a}` (optional): old clients do not send it; a new client sending it to an old module gets EINVAL under strict validation"),
                );
            }
        }
    }

    pub(super) fn attr_lists(
        &mut self,
        at: &str,
        set: Option<&str>,
        old: &[String],
        new: &[String],
    ) {
        let old = self.translate(set, old);
        for a in &old {
            if !new.contains(a) {
                self.push(
                    OP_REPLY_ATTR_REMOVED,
                    at,
                    format!(
                        "`{a}` is no longer sent: an old client relying on it finds it missing"
                    ),
                );
            }
        }
        for a in new {
            if !old.contains(a) {
                self.push(
                    OP_REPLY_ATTR_ADDED,
                    at,
                    format!("`{a}` is now sent: old clients ignore it; a new client finds it missing from an old module"),
                );
            }
        }
    }
}
