//! Ops tables and the generated checks' bodies, by meaning.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// One entry of an ops table, by meaning.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::check::policies) struct Op {
    pub(in crate::check::policies) doit: Option<String>,
    pub(in crate::check::policies) start: Option<String>,
    pub(in crate::check::policies) dumpit: Option<String>,
    pub(in crate::check::policies) policy: Option<String>,
    pub(in crate::check::policies) maxattr: Option<i128>,
    pub(in crate::check::policies) flags: BTreeSet<String>,
}

/// The key of an op: the command's value and `do`/`dump` (split ops) or
/// `cmd` (`struct genl_ops`).
pub(in crate::check::policies) type OpKey = (i128, &'static str);

/// The ops of the ops array of `f`, and the array's name.
pub(in crate::check::policies) fn ops(
    f: &CFile,
    v: &Values,
) -> Result<(String, BTreeMap<OpKey, Op>), CReadError> {
    let mut out = BTreeMap::new();
    let table = f
        .defs
        .iter()
        .find(|d| d.ty == "struct genl_split_ops" || d.ty == "struct genl_ops")
        .ok_or(CReadError::NoOpsTable)?;
    let split = table.ty == "struct genl_split_ops";
    let Init::List(items) = &table.init else {
        return Err(CReadError::OpsNotAList);
    };
    for (_, op) in items {
        let expr = |k: &str| match op.field(k) {
            Some(Init::Expr(e)) => Some(e.clone()),
            _ => None,
        };
        let cmd = expr(".cmd")
            .and_then(|e| v.eval(&e))
            .ok_or_else(|| CReadError::OpWithoutCmd { op: op.text() })?;
        let flags: BTreeSet<String> = expr(".flags")
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t != "|")
            .collect();
        let o = Op {
            doit: expr(".doit").map(|e| e.join("")),
            start: expr(".start").map(|e| e.join("")),
            dumpit: expr(".dumpit").map(|e| e.join("")),
            policy: expr(".policy").map(|e| e.join("")),
            maxattr: expr(".maxattr").and_then(|e| v.eval(&e)),
            flags,
        };
        let kind = match (split, o.doit.is_some()) {
            (false, _) => "cmd",
            (true, true) => "do",
            (true, false) => "dump",
        };
        if out.insert((cmd, kind), o).is_some() {
            return Err(CReadError::TwoOps {
                table: table.name.clone(),
                cmd,
                kind,
            });
        }
    }
    Ok((table.name.clone(), out))
}

/// What a generated check does, read from its body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(in crate::check::policies) struct Checks {
    /// Attributes it requires (`GENL_REQ_ATTR_CHECK`, `NL_REQ_ATTR_CHECK`).
    pub(in crate::check::policies) required: BTreeSet<String>,
    /// Attributes it rejects ("attribute not accepted by this operation").
    pub(in crate::check::policies) rejected: BTreeSet<String>,
    /// It rejects any attribute ("this operation takes no attributes", when
    /// `nlmsg_attrlen()` of the request is not 0).
    pub(in crate::check::policies) rejects_all: bool,
    /// The nest checks it calls (`<p>_nl_check_<view>`).
    pub(in crate::check::policies) nest_checks: BTreeSet<String>,
    /// The policies it validates nests with again (`nla_validate_nested`).
    pub(in crate::check::policies) revalidated: BTreeSet<String>,
    /// The handler it returns the result of (`return h(skb, info);` last).
    pub(in crate::check::policies) calls: Option<String>,
    /// It ends by returning 0 (a dump's `.start`).
    pub(in crate::check::policies) ends_ok: bool,
}

/// The message of a generated rejection.
const REJECT_MSG: &str = "\"attribute not accepted by this operation\"";
/// The message of a generated rejection of any attribute.
const REJECT_ALL_MSG: &str = "\"this operation takes no attributes\"";

impl Checks {
    /// Reads a function body (its tokens, braces included).
    pub(in crate::check::policies) fn read(body: &[String]) -> Checks {
        let mut c = Checks::default();
        let last_in = |a: &Vec<String>| {
            // `info -> attrs [ X ]`, `attrs [ X ]`, or `X`.
            let i = a.iter().rposition(|t| t == "]").unwrap_or(a.len());
            a[..i].last().cloned().unwrap_or_default()
        };
        for args in calls_of(body, "GENL_REQ_ATTR_CHECK") {
            if let Some(a) = args.get(1) {
                c.required.insert(a.join(" "));
            }
        }
        for args in calls_of(body, "NL_REQ_ATTR_CHECK") {
            if let Some(a) = args.get(3) {
                c.required.insert(a.join(" "));
            }
        }
        // A rejection names the attribute directly or through a local the
        // check read it into (`nest = attrs[X];` ... `nest`).
        let mut local: Option<String> = None;
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if t == "nest" && body.get(i + 1).map(String::as_str) == Some("=") {
                let end = body[i..]
                    .iter()
                    .position(|t| t == ";")
                    .map_or(body.len(), |e| i + e);
                local = Some(last_in(&body[i + 2..end].to_vec()));
            } else if t == "NL_SET_ERR_MSG_ATTR" && body.get(i + 1).map(String::as_str) == Some("(")
            {
                let mut j = i + 1;
                let group = skip_group(body, &mut j, "(", ")");
                let mut call = vec![t.clone()];
                call.extend(group);
                if let Some((_, args)) = macro_call(&call) {
                    let msg = args.get(2).map(|m| m.join(" "));
                    if msg.as_deref() == Some(REJECT_ALL_MSG)
                        && args
                            .get(1)
                            .is_some_and(|a| a.iter().any(|t| t == "nlmsg_attrdata"))
                        && body.iter().any(|t| t == "nlmsg_attrlen")
                    {
                        c.rejects_all = true;
                    }
                    if msg.as_deref() == Some(REJECT_MSG) {
                        match args.get(1).map(Vec::as_slice) {
                            Some([n]) if n == "nest" => {
                                c.rejected.extend(local.clone());
                            }
                            Some(a) => {
                                c.rejected.insert(last_in(&a.to_vec()));
                            }
                            None => {}
                        }
                    }
                }
            }
            i += 1;
        }
        for args in calls_of(body, "nla_validate_nested") {
            if let Some(p) = args.get(2) {
                c.revalidated.insert(p.join(""));
            }
        }
        for (i, t) in body.iter().enumerate() {
            if t.contains("_nl_check_") && body.get(i + 1).map(String::as_str) == Some("(") {
                c.nest_checks.insert(t.clone());
            }
        }
        let ends = |tail: &[&str]| {
            body.len() >= tail.len() && body[body.len() - tail.len()..].iter().eq(tail.iter())
        };
        c.ends_ok = ends(&["return", "0", ";", "}"]);
        if body.len() >= 9 && ends(&["(", "skb", ",", "info", ")", ";", "}"]) {
            let n = body.len();
            if body[n - 9] == "return" {
                c.calls = Some(body[n - 8].clone());
            }
        }
        c
    }

    /// Whether it checks anything.
    pub(in crate::check::policies) fn checks_anything(&self) -> bool {
        !(self.required.is_empty()
            && !self.rejects_all
            && self.rejected.is_empty()
            && self.nest_checks.is_empty()
            && self.revalidated.is_empty())
    }

    /// What it checks, in words.
    pub(in crate::check::policies) fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        if self.rejects_all {
            parts.push("rejects any attribute".to_owned());
        }
        if !self.rejected.is_empty() {
            parts.push(format!("rejects {}", list(&self.rejected)));
        }
        if !self.required.is_empty() {
            parts.push(format!("requires {}", list(&self.required)));
        }
        if !self.nest_checks.is_empty() {
            parts.push(format!("checks nests with {}", list(&self.nest_checks)));
        }
        if !self.revalidated.is_empty() {
            parts.push(format!(
                "validates nests again with {}",
                list(&self.revalidated)
            ));
        }
        if parts.is_empty() {
            "checks nothing".into()
        } else {
            parts.join("; ")
        }
    }
}
