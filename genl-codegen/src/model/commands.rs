//! The commands of the model: their operations' requests and replies
//! listed, and the sets the kernel sends marked (with their pad helpers).

use std::collections::BTreeMap;

use genl_core::schema::{AttrSetSchema, CommandSchema, Presence};

use super::*;

impl FamilyModel {
    fn list(
        &self,
        view: &'static AttrSetSchema,
        view_root: &BTreeMap<&'static str, usize>,
    ) -> AttrList {
        AttrList {
            set: SetId(view_root[view.path]),
            view,
            attrs: view
                .attrs
                .iter()
                .map(|a| Listed {
                    id: a.id,
                    required: a.presence == Presence::Required,
                })
                .collect(),
        }
    }

    pub(super) fn command(
        &self,
        c: &'static CommandSchema,
        view_root: &BTreeMap<&'static str, usize>,
    ) -> Result<Command, CodegenError> {
        let fam = self.schema.name;
        let low = &self.c_lower;
        let sn = snake(c.name);
        let op = |o: &genl_core::schema::OpSchema, what: &str| Op {
            request: o.request.map(|v| self.list(v, view_root)),
            reply: o.reply.map(|v| self.list(v, view_root)),
            handler: format!("{low}_nl_{sn}_{what}"),
        };
        let do_ = c.do_.as_ref().map(|o| op(o, "doit"));
        let dump = c.dump.as_ref().map(|o| op(o, "dumpit"));
        if let (Some(d), Some(u)) = (
            do_.as_ref().and_then(|o| o.request.as_ref()),
            dump.as_ref().and_then(|o| o.request.as_ref()),
        ) {
            if d.set != u.set {
                return err(format!(
                    "family {fam}: command {}: the do request `{}` and the dump request `{}` \
                     are not subsets of one set; Linux 6.1 (genl_ops) has one policy per \
                     command: declare both as #[genl(subset_of = ...)] of the same set",
                    c.name, d.view.path, u.view.path
                ));
            }
        }
        let event = match c.event {
            None => None,
            Some(e) => {
                let group = self
                    .groups
                    .iter()
                    .position(|g| g.name == e.group)
                    .ok_or_else(|| {
                        CodegenError::new(format!(
                            "family {fam}: event {} is sent to multicast group {:?}, which the \
                             family does not declare; add it to mcast_groups(...)",
                            c.name, e.group
                        ))
                    })?;
                Some(Event {
                    attrs: self.list(e.attrs, view_root),
                    group,
                })
            }
        };
        // One root set per command (YNL's `attribute-set`).
        let mut lists: Vec<&AttrList> = Vec::new();
        for o in [&do_, &dump].into_iter().flatten() {
            lists.extend(o.request.iter().chain(o.reply.iter()));
        }
        lists.extend(event.iter().map(|e| &e.attrs));
        if let Some(first) = lists.first() {
            if let Some(other) = lists.iter().find(|l| l.set != first.set) {
                return err(format!(
                    "family {fam}: command {}: its messages use `{}` and `{}`, which are not \
                     subsets of one set; a YNL operation has one attribute-set: make one a \
                     #[genl(subset_of = ...)] of the other's set",
                    c.name, first.view.path, other.view.path
                ));
            }
        }
        Ok(Command {
            schema: c,
            c_name: format!("{}_CMD_{}", self.c_prefix, screaming(c.name)),
            ynl_name: kebab(&screaming(c.name)),
            set: lists.first().map(|l| l.set),
            do_,
            dump,
            event,
        })
    }

    /// Marks the sets the kernel sends and checks their 64-bit attributes
    /// have a pad attribute; adds the pad helpers.
    pub(super) fn mark_sent(
        &mut self,
        view_root: &BTreeMap<&'static str, usize>,
    ) -> Result<(), CodegenError> {
        let mut sent: Vec<&'static AttrSetSchema> = Vec::new();
        for c in &self.commands {
            for o in [&c.do_, &c.dump].into_iter().flatten() {
                sent.extend(o.reply.iter().map(|l| l.view));
            }
            sent.extend(c.event.iter().map(|e| e.attrs.view));
        }
        let mut seen: BTreeSet<&'static str> = BTreeSet::new();
        while let Some(view) = sent.pop() {
            if !seen.insert(view.path) {
                continue;
            }
            let id = view_root[view.path];
            self.sets[id].sent_by_kernel = true;
            for a in view.attrs {
                if let Some(n) = a.ty.nested_set() {
                    sent.push(n);
                }
                if a.ty.is_64bit() && self.sets[id].pad.is_none() {
                    let root = self.sets[id].root;
                    return err(format!(
                        "family {}: set {} carries {} `{}` from the kernel: declare a pad \
                         attribute id, #[genl(pad = N)]{} (the kernel aligns 64-bit attributes \
                         with nla_put_u64_64bit(), which puts a pad attribute before them)",
                        self.schema.name,
                        root.name,
                        a.ty.ynl_name(),
                        a.name,
                        if root.path == view.path {
                            String::new()
                        } else {
                            format!(" on {}", root.name)
                        }
                    ));
                }
            }
        }
        let low = self.c_lower.clone();
        for s in &mut self.sets {
            if !s.sent_by_kernel || s.pad.is_none() {
                continue;
            }
            let set_snake = snake(s.root.name);
            for a in &mut s.attrs {
                let (c_type, put) = match (a.schema.ty, a.schema.byte_order) {
                    (AttrType::U64 | AttrType::S64, ByteOrder::Big) => ("__be64", "nla_put_be64"),
                    (AttrType::U64, ByteOrder::Host) => ("u64", "nla_put_u64_64bit"),
                    (AttrType::S64, ByteOrder::Host) => ("s64", "nla_put_s64"),
                    _ => continue,
                };
                a.put_helper = Some(PutHelper {
                    name: format!("{low}_nl_put_{set_snake}_{}", snake(a.schema.name)),
                    c_type,
                    put,
                });
            }
        }
        Ok(())
    }
}
