//! Writing the command enum (generic netlink) or the `ClassicOp` types and
//! groups (`netlink-raw`).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::classic::{emit_classic_groups, emit_classic_ops, ClassicOpOut};
use super::doc::{escape_doc, write_doc};
use super::naming::{camel, upper};
use super::typing::{op_mode, type_value_ty, Field, FieldKind};
use super::Plan;
use crate::spec;
use crate::{invalid, unsupported, ImportError};

/// The command enum (or the `ClassicOp` types), into `out`.
pub(super) fn family(p: &mut Plan<'_>, out: &mut String) -> Result<(), ImportError> {
    let Plan {
        spec,
        model,
        opts,
        sel,
        tn,
        sets,
        borrows,
    } = p;
    let (raw, directional, ops_list, ids, selected) = (
        sel.raw,
        sel.directional,
        sel.ops_list,
        &sel.ids,
        &sel.selected,
    );
    let (set_names, cmd_name) = (&tn.set_names, &tn.cmd_name);
    let names = &mut tn.names;
    let op_set = |i| sel.op_set(i);
    let header_of = |i| super::header_of(model, &tn.struct_names, i);
    let with_lt = |ty: &str| super::with_lt(borrows, ty);
    // The family.
    if !selected.is_empty() {
        out.push('\n');
        let mut variants = String::new();
        // Subset structs of operations (`exact`), written before the family.
        let mut subsets = String::new();
        let mut notifications = Vec::new();
        let mut seen = HashSet::new();
        let mut cmds: BTreeMap<u64, &str> = BTreeMap::new();
        let mut raw_ops: Vec<ClassicOpOut> = Vec::new();
        // Operations the command enum does not carry, and why (its doc
        // lists them).
        let mut not_imported: Vec<String> = Vec::new();
        let n_groups = spec.mcast_groups.as_ref().map_or(0, |g| g.list.len());
        for &i in selected.iter() {
            let op = &ops_list[i];
            let at = format!("operations/{}", op.name);
            let ident = camel(&op.name);
            if !seen.insert(ident.clone()) {
                return Err(invalid(&at, format!("two operations map to `{ident}`")));
            }
            let is_event = op.notify.is_some() || op.event.is_some();
            // A placeholder (`unspec`, value 0, as genl's own export writes
            // it): it only reserves a command number.
            if op.do_.is_none() && op.dump.is_none() && !is_event {
                continue;
            }
            let set = op_set(i)?.map(|n| set_names[n].clone());
            // The message type: the set, after the operation's fixed header.
            let wrap = |t: String| match header_of(i) {
                Some(h) => format!("genl_core::Headed<{h}, {t}>"),
                None => t,
            };
            if raw.is_some() {
                if is_event {
                    continue;
                }
                let Some(s) = &set else {
                    return Err(unsupported(
                        &at,
                        "a netlink-raw operation without an attribute set",
                    ));
                };
                let body = if borrows.contains(s) {
                    format!("{s}<'a>")
                } else {
                    s.clone()
                };
                let m = &model.ops[i];
                let req = m
                    .req_value
                    .ok_or_else(|| invalid(&at, "no request message id"))?;
                raw_ops.push(ClassicOpOut {
                    ident: ident.clone(),
                    name: op.name.clone(),
                    doc: op.doc.clone(),
                    ty: wrap(body),
                    req,
                    rsp: m.rsp_value.filter(|_| m.do_reply || m.has_dump),
                    has_do: m.has_do,
                    has_dump: m.has_dump,
                });
                continue;
            }
            if directional && is_event {
                notifications.push((upper(&op.name), ids[i].rsp, op));
                continue;
            }
            let cmd = ids[i]
                .req
                .ok_or_else(|| invalid(&at, "no command number"))?;
            if cmd == 0 {
                not_imported.push(format!(
                    "`{}` (cmd 0): the derive reserves command 0 (`CMD_UNSPEC`).",
                    escape_doc(&op.name)
                ));
                continue;
            }
            if cmd > 255 {
                return Err(invalid(&at, format!("command {cmd} is not in 1..=255")));
            }
            if let Some(prev) = cmds.insert(cmd, &op.name) {
                return Err(invalid(&at, format!("command {cmd} also used by `{prev}`")));
            }
            let mut keys = vec![format!("cmd = {cmd}")];
            let mut extra = Vec::new();
            // A set that borrows is written with the receive buffer's
            // lifetime (`request = Dev<'a>`).
            let typed = |s: &String| {
                if borrows.contains(s) {
                    format!("{s}<'a>")
                } else {
                    s.clone()
                }
            };
            if is_event {
                let group = match (&op.mcgrp, n_groups) {
                    (Some(g), _) => format!(" = {g:?}"),
                    (None, 1) => String::new(),
                    (None, _) => {
                        not_imported.push(format!(
                            "`{}` (cmd {cmd}): an event without `mcgrp` in a family of \
                             {n_groups} groups.",
                            escape_doc(&op.name)
                        ));
                        continue;
                    }
                };
                if let Some(s) = &set {
                    keys.push(format!("reply = {}", wrap(typed(s))));
                }
                keys.push(format!("event{group}"));
                if let Some(t) = &op.notify {
                    extra.push(format!(
                        "Notification with the reply of `{}`.",
                        escape_doc(t)
                    ));
                }
            } else if op.do_.is_none() && op.dump.is_none() {
                not_imported.push(format!(
                    "`{}` (cmd {cmd}): no do, dump, notify or event.",
                    escape_doc(&op.name)
                ));
                continue;
            } else {
                let do_req = op.do_.as_ref().and_then(|m| m.request.as_ref());
                let dump_req = op.dump.as_ref().and_then(|m| m.request.as_ref());
                let reply = op
                    .do_
                    .as_ref()
                    .and_then(|m| m.reply.as_ref())
                    .or_else(|| op.dump.as_ref().and_then(|m| m.reply.as_ref()));
                // The type of one message: the set, or (`exact`) a subset
                // of it when the message lists only some of its attributes.
                let mut msg_type = |m: &spec::OpMsg, role: &str| -> Result<String, ImportError> {
                    let s = set.as_ref().expect("checked by the caller");
                    if !opts.exact {
                        return Ok(typed(s));
                    }
                    let parent = sets.iter().find(|x| &x.rust == s).expect("a generated set");
                    let importable: Vec<&Field> = parent
                        .fields
                        .iter()
                        .filter(|f| !matches!(f.kind, FieldKind::Skip(_)))
                        .collect();
                    let mut chosen: Vec<&Field> = Vec::new();
                    for name in &m.attributes {
                        match parent.fields.iter().find(|f| &f.ynl_name == name) {
                            Some(f) if matches!(f.kind, FieldKind::Skip(_)) => {}
                            Some(f) => {
                                if !chosen.iter().any(|c| c.id == f.id) {
                                    chosen.push(f);
                                }
                            }
                            None => {
                                return Err(ImportError::Unknown {
                                    at: format!("{at}/{role}"),
                                    kind: "attribute",
                                    name: name.clone(),
                                })
                            }
                        }
                    }
                    if m.attributes.is_empty() || chosen.len() == importable.len() {
                        return Ok(typed(s));
                    }
                    let name = names.take(format!("{ident}{}", camel(role)), "Msg");
                    let fields: Vec<(String, String)> = chosen
                        .iter()
                        .map(|f| {
                            let ty = match &f.kind {
                                FieldKind::Flag => "bool".to_owned(),
                                FieldKind::Single { ty, .. } => format!("Option<{}>", with_lt(ty)),
                                FieldKind::Multi { ty } | FieldKind::Indexed { ty } => {
                                    format!("Vec<{}>", with_lt(ty))
                                }
                                FieldKind::TypeValue { inner, depth } => {
                                    type_value_ty(&with_lt(inner), *depth)
                                }
                                FieldKind::Skip(_) => unreachable!("filtered"),
                            };
                            (f.ident.clone(), ty)
                        })
                        .collect();
                    let lt = fields.iter().any(|(_, ty)| ty.contains("'a"));
                    subsets.push('\n');
                    write_doc(
                        &mut subsets,
                        "",
                        None,
                        &[format!(
                            "The {} of the YNL operation `{}`: the attributes of [`{s}`] it lists.",
                            role.replace('-', " "),
                            escape_doc(&op.name)
                        )],
                    );
                    let _ = writeln!(
                        subsets,
                        "#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]"
                    );
                    let _ = writeln!(subsets, "#[genl(subset_of = {s})]");
                    let _ = writeln!(
                        subsets,
                        "pub struct {name}{} {{",
                        if lt { "<'a>" } else { "" }
                    );
                    for ((ident, ty), f) in fields.iter().zip(&chosen) {
                        let _ =
                            writeln!(subsets, "    /// `{}` of [`{s}`].", escape_doc(&f.ynl_name));
                        let _ = writeln!(subsets, "    pub {ident}: {ty},");
                    }
                    let _ = writeln!(subsets, "}}");
                    Ok(if lt { format!("{name}<'a>") } else { name })
                };
                if set.is_some() {
                    match (op.do_.is_some(), op.dump.is_some(), do_req, dump_req) {
                        (true, _, Some(m), _) => {
                            keys.push(format!("request = {}", wrap(msg_type(m, "request")?)))
                        }
                        (false, true, _, Some(m)) => {
                            keys.push(format!("request = {}", wrap(msg_type(m, "request")?)))
                        }
                        _ => {}
                    }
                    if let Some(m) = reply {
                        keys.push(format!("reply = {}", wrap(msg_type(m, "reply")?)));
                    }
                }
                match (op.do_.is_some(), op.dump.is_some()) {
                    (true, true) => {
                        keys.push("dump".into());
                        if let (true, Some(m)) = (set.is_some(), dump_req) {
                            keys.push(format!(
                                "dump_request = {}",
                                wrap(msg_type(m, "dump-request")?)
                            ));
                        }
                    }
                    (false, true) => keys.push("dump_only".into()),
                    _ => {}
                }
                if op.flags.iter().any(|f| f == "admin-perm") {
                    keys.push("admin_perm".into());
                }
                if directional {
                    if let (Some(r), true) =
                        (ids[i].rsp, op_mode(op).is_some_and(|m| m.reply.is_some()))
                    {
                        extra.push(format!("Replies carry message id {r}."));
                    }
                }
            }
            if !variants.is_empty() {
                variants.push('\n');
            }
            let mut ex = vec![format!("The YNL operation `{}`.", escape_doc(&op.name))];
            ex.extend(extra);
            write_doc(&mut variants, "    ", op.doc.as_deref(), &ex);
            let _ = writeln!(variants, "    #[genl({})]", keys.join(", "));
            let _ = writeln!(variants, "    {ident},");
        }
        if let Some(protonum) = raw {
            emit_classic_ops(out, &spec.name, protonum, &raw_ops);
            let groups: Vec<(String, u32)> = model
                .mcast_groups
                .iter()
                .filter_map(|g| g.value.map(|v| (g.name.clone(), v)))
                .collect();
            emit_classic_groups(out, &spec.name, &groups);
            return Ok(());
        }
        let groups: Vec<String> = spec
            .mcast_groups
            .as_ref()
            .map(|g| g.list.iter().map(|g| format!("{:?}", g.name)).collect())
            .unwrap_or_default();
        for g in spec.mcast_groups.iter().flat_map(|g| &g.list) {
            if g.name.is_empty() || g.name.len() > genl_rules::limits::GENL_NAME_MAX {
                return Err(invalid(
                    format!("mcast-groups/{}", g.name),
                    "multicast group names have 1 to 15 bytes",
                ));
            }
        }
        if !subsets.is_empty() {
            out.push_str(subsets.trim_start_matches('\n'));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "/// The commands of the `{}` family.",
            escape_doc(&spec.name)
        );
        if !not_imported.is_empty() {
            let _ = writeln!(out, "///");
            let _ = writeln!(out, "/// Not imported:");
            for n in &not_imported {
                let _ = writeln!(out, "/// - {n}");
            }
        }
        let _ = writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]");
        let _ = writeln!(out, "#[allow(clippy::enum_variant_names)]");
        let version = spec.version.unwrap_or(1);
        if version > 255 {
            return Err(invalid("version", "the family version is a u8"));
        }
        let mut head = format!("name = {:?}, version = {version}", spec.name);
        if !groups.is_empty() {
            let _ = write!(head, ", mcast_groups({})", groups.join(", "));
        }
        if head.len() + 8 <= 100 {
            let _ = writeln!(out, "#[genl({head})]");
        } else {
            let _ = writeln!(out, "#[genl(");
            let _ = writeln!(out, "    name = {:?},", spec.name);
            let _ = writeln!(out, "    version = {version},");
            if !groups.is_empty() {
                let _ = writeln!(out, "    mcast_groups({})", groups.join(", "));
            }
            let _ = writeln!(out, ")]");
        }
        let _ = writeln!(out, "pub enum {cmd_name} {{");
        out.push_str(&variants);
        let _ = writeln!(out, "}}");
        if !notifications.is_empty() {
            out.push('\n');
            let _ = writeln!(
                out,
                "/// Message ids of notifications (kernel to user; the `directional` model)."
            );
            let _ = writeln!(out, "pub mod ntf {{");
            for (i, (name, id, op)) in notifications.iter().enumerate() {
                let at = format!("operations/{}", op.name);
                let id = id.ok_or_else(|| invalid(&at, "no message id"))?;
                if id > 255 {
                    return Err(invalid(&at, format!("message id {id} exceeds 255")));
                }
                if i > 0 {
                    out.push('\n');
                }
                let mut ex = vec![format!("The YNL notification `{}`.", escape_doc(&op.name))];
                if let Some(t) = &op.notify {
                    ex.push(format!("Carries the reply of `{}`.", escape_doc(t)));
                }
                write_doc(out, "    ", op.doc.as_deref(), &ex);
                let _ = writeln!(out, "    pub const {name}: u8 = {id};");
            }
            let _ = writeln!(out, "}}");
        }
    }
    Ok(())
}
