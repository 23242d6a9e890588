//! Events: `--subscribe` and the notifications of a multicast group.

use super::*;

/// A multicast subscription.
pub(super) enum Events {
    /// A generic netlink family's group.
    Genl(Subscription),
    /// A classic protocol's group.
    Classic(ClassicConnection),
}

impl Events {
    /// Joins group `group` of the family.
    pub(super) fn join(fam: &Family, group: &str) -> Result<Events, String> {
        let known = || {
            fam.mcast_groups
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let g = fam
            .mcast_groups
            .iter()
            .find(|g| g.name == group)
            .ok_or_else(|| {
                let k = known();
                if k.is_empty() {
                    "--subscribe: the spec has no multicast groups".to_owned()
                } else {
                    format!("--subscribe: the spec has no multicast group `{group}` (it has: {k})")
                }
            })?;
        match fam.protocol {
            Protocol::Genetlink => Ok(Events::Genl(
                Subscription::new(&fam.name, group).map_err(kernel)?,
            )),
            Protocol::Raw { protonum } => {
                let id = g.value.ok_or_else(|| {
                    format!("--subscribe: group `{group}` has no `value` in the spec")
                })?;
                let conn = classic(isize::from(protonum))?;
                conn.join_group(id).map_err(kernel)?;
                Ok(Events::Classic(conn))
            }
        }
    }

    /// The notifications queued so far, decoded.
    pub(super) fn drain(
        &mut self,
        fam: &Family,
        opts: DecodeOptions,
    ) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        let mut push = |id: u16, body: &[u8]| -> Result<(), String> {
            let Some(op) = fam.op_by_rsp(id).filter(|_| {
                fam.ops
                    .iter()
                    .any(|o| o.is_async && o.rsp_value == Some(id))
            }) else {
                eprintln!("genl ynl: skipped a notification of unknown id {id}");
                return Ok(());
            };
            let msg = fam
                .decode_message(op, body, opts)
                .map_err(|e| format!("decoding notification `{}`: {e}", op.name))?;
            out.push(Value::Map(vec![
                ("name".into(), Value::Str(op.name.clone())),
                ("msg".into(), msg),
            ]));
            Ok(())
        };
        match self {
            Events::Genl(sub) => {
                sub.set_timeout(Some(Duration::ZERO));
                loop {
                    match sub.next_event() {
                        Ok(v) => push(v.genl.cmd.into(), v.attrs)?,
                        Err(Error::Timeout) => break,
                        Err(Error::EventsLost) => {
                            eprintln!("genl ynl: the socket overflowed: notifications were lost")
                        }
                        Err(e) => return Err(e.to_string()),
                    }
                }
            }
            Events::Classic(conn) => {
                conn.set_timeout(Some(Duration::ZERO));
                loop {
                    let dg = match conn.recv() {
                        Ok(dg) => dg,
                        Err(Error::Timeout) => break,
                        Err(Error::EventsLost) => {
                            eprintln!("genl ynl: the socket overflowed: notifications were lost");
                            continue;
                        }
                        Err(e) => return Err(e.to_string()),
                    };
                    if dg.sender != 0 {
                        continue;
                    }
                    for m in dg.messages() {
                        let m = m.map_err(|e| e.to_string())?;
                        if m.header.message_type >= 0x10 {
                            push(m.header.message_type, m.payload)?;
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}
