//! `operations`: the one place operations are numbered (request and reply
//! message ids in the `unified` and `directional` models, as `nlspec.py`).

use serde_yaml_ng::{Mapping, Value as Yaml};

use super::yaml::*;
use super::*;

impl SpecFamily {
    pub(super) fn load_ops(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let Some(ops) = key(top, "operations") else {
            return Ok(());
        };
        let ops = as_map(ops, "operations")?;
        let directional = match opt_str(ops, "enum-model", "operations")? {
            None | Some("unified") => false,
            Some("directional") => true,
            Some(m) => {
                return Err(err(
                    "operations/enum-model",
                    format!("unknown enum model `{m}`"),
                ))
            }
        };
        self.directional = directional;
        let family_header = opt_str(ops, "fixed-header", "operations")?.map(str::to_owned);
        // Checked even when no operation takes it: a spec naming a struct it
        // does not define is wrong whoever reads it.
        if let Some(h) = &family_header {
            if !self.structs.contains_key(h) {
                return Err(err(
                    "operations/fixed-header",
                    format!("unknown struct `{h}`"),
                ));
            }
        }
        let list = seq(ops, "list", "operations")?;
        let (mut req_val, mut rsp_val): (Option<u64>, Option<u64>) = (Some(1), Some(1));
        let mut unified_val: u64 = 1;
        let mut pending_sets: Vec<Option<String>> = Vec::new();
        let mut notify_of: Vec<Option<String>> = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let at = format!("operations/{}", elem_name(o, i));
            let m = as_map(o, &at)?;
            let name = req_str(m, "name", &at)?.to_owned();
            // A mode: absent, or present (maybe empty).
            let mode = |k: &str| -> Result<Option<Option<&Mapping>>, SpecError> {
                match key(m, k) {
                    None => Ok(None),
                    Some(Yaml::Null) => Ok(Some(None)),
                    Some(v) => as_map(v, &format!("{at}/{k}")).map(|m| Some(Some(m))),
                }
            };
            let do_ = mode("do")?;
            let dump = mode("dump")?;
            let notify = opt_str(m, "notify", &at)?.map(str::to_owned);
            let event = key(m, "event").is_some();
            let is_async = notify.is_some() || event;
            let sub_value =
                |md: Option<Option<&Mapping>>, k: &str| -> Result<Option<u64>, SpecError> {
                    let Some(Some(md)) = md else { return Ok(None) };
                    match key(md, k) {
                        Some(Yaml::Mapping(r)) => match key(r, "value") {
                            None | Some(Yaml::Null) => Ok(None),
                            Some(v) => v
                                .as_u64()
                                .map(Some)
                                .ok_or_else(|| err(&at, format!("`{k}` value is not a number"))),
                        },
                        _ => Ok(None),
                    }
                };
            let has = |md: Option<Option<&Mapping>>, k: &str| {
                md.flatten().is_some_and(|md| key(md, k).is_some())
            };
            let (req, rsp);
            if !directional {
                if let Some(v) = key(m, "value") {
                    unified_val = v
                        .as_u64()
                        .ok_or_else(|| err(&at, "`value` is not a number"))?;
                }
                req = Some(unified_val);
                rsp = Some(unified_val);
                unified_val += 1;
            } else if is_async {
                if let Some(v) = key(m, "value") {
                    rsp_val = Some(
                        v.as_u64()
                            .ok_or_else(|| err(&at, "`value` is not a number"))?,
                    );
                }
                let r = rsp_val.ok_or_else(|| err(&at, "no message id"))?;
                req = None;
                rsp = Some(r);
                // nlspec.py: the request counter stays, and is not used.
                rsp_val = Some(r + 1);
            } else if do_.is_some() || dump.is_some() {
                let md = do_.or(dump);
                // nlspec.py ignores a zero value (`if v:`).
                if let Some(v) = sub_value(md, "request")?.filter(|&v| v != 0) {
                    req_val = Some(v);
                }
                if let Some(v) = sub_value(md, "reply")?.filter(|&v| v != 0) {
                    rsp_val = Some(v);
                }
                let q = req_val.ok_or_else(|| err(&at, "no request message id"))?;
                let r = rsp_val.ok_or_else(|| err(&at, "no reply message id"))?;
                let has_reply = has(md, "reply");
                req = Some(q);
                rsp = if has_reply { Some(r) } else { None };
                req_val = Some(q + 1);
                rsp_val = Some(r + u64::from(has_reply));
            } else {
                return Err(err(
                    &at,
                    "a directional operation needs do, dump, notify or event",
                ));
            }
            let fit = |v: Option<u64>| -> Result<Option<u16>, SpecError> {
                v.map(|v| {
                    let max = match self.protocol {
                        Protocol::Genetlink => 255,
                        Protocol::Raw { .. } => u64::from(u16::MAX),
                    };
                    if v > max {
                        Err(err(&at, format!("message id {v} exceeds {max}")))
                    } else {
                        Ok(v as u16)
                    }
                })
                .transpose()
            };
            let fixed_header = opt_str(m, "fixed-header", &at)?
                .map(str::to_owned)
                .or_else(|| family_header.clone());
            if let Some(h) = &fixed_header {
                if !self.structs.contains_key(h) {
                    return Err(err(
                        format!("{at}/fixed-header"),
                        format!("unknown struct `{h}`"),
                    ));
                }
            }
            let set_name = opt_str(m, "attribute-set", &at)?.map(str::to_owned);
            let request_attrs =
                |md: Option<Option<&Mapping>>, k: &str| -> Result<Option<Vec<String>>, SpecError> {
                    let Some(Some(Yaml::Mapping(r))) =
                        md.map(|md| md.and_then(|md| key(md, "request")))
                    else {
                        return Ok(None);
                    };
                    seq(r, "attributes", &format!("{at}/{k}/request"))?
                        .iter()
                        .map(|v| {
                            v.as_str().map(str::to_owned).ok_or_else(|| {
                                err(format!("{at}/{k}/request/attributes"), "expected names")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                };
            let do_request = request_attrs(do_, "do")?;
            let dump_request = request_attrs(dump, "dump")?;
            self.ops.push(Op {
                name,
                req_value: fit(req)?,
                rsp_value: fit(rsp)?,
                has_do: do_.is_some(),
                has_dump: dump.is_some(),
                do_reply: has(do_, "reply"),
                is_async,
                notify: notify.clone(),
                has_event: event,
                attr_set: None,
                fixed_header,
                mcgrp: opt_str(m, "mcgrp", &at)?.map(str::to_owned),
                own_attr_set: set_name.is_some(),
                do_request,
                dump_request,
            });
            pending_sets.push(set_name);
            notify_of.push(notify);
        }
        // Attribute sets, directly or through the notified operation.
        for i in 0..self.ops.len() {
            let at = format!("operations/{}", self.ops[i].name);
            let name = match (&pending_sets[i], &notify_of[i]) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(t)) => {
                    let j = self.ops.iter().position(|o| &o.name == t).ok_or_else(|| {
                        err(format!("{at}/notify"), format!("unknown operation `{t}`"))
                    })?;
                    pending_sets[j].clone()
                }
                (None, None) => None,
            };
            if let Some(n) = name {
                let s = *self.set_by_name.get(&n).ok_or_else(|| {
                    err(
                        format!("{at}/attribute-set"),
                        format!("unknown attribute set `{n}`"),
                    )
                })?;
                self.ops[i].attr_set = Some(s);
            }
        }
        Ok(())
    }
}
