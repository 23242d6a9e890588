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
    pub(super) fn join(fam: &SpecFamily, group: &str) -> Result<Events, YnlError> {
        let g = fam
            .mcast_groups
            .iter()
            .find(|g| g.name == group)
            .ok_or_else(|| {
                if fam.mcast_groups.is_empty() {
                    YnlError::NoGroups
                } else {
                    YnlError::NoGroup {
                        group: group.to_owned(),
                        known: fam.mcast_groups.iter().map(|g| g.name.clone()).collect(),
                    }
                }
            })?;
        match fam.protocol {
            Protocol::Genetlink => Ok(Events::Genl(Subscription::new(&fam.name, group)?)),
            Protocol::Raw { protonum } => {
                let id = g.value.ok_or_else(|| YnlError::GroupValue {
                    group: group.to_owned(),
                })?;
                let conn = classic(isize::from(protonum))?;
                conn.join_group(id)?;
                Ok(Events::Classic(conn))
            }
        }
    }

    /// The notifications queued so far, decoded.
    pub(super) fn drain(
        &mut self,
        fam: &SpecFamily,
        opts: DecodeOptions,
    ) -> Result<Vec<Value>, YnlError> {
        let mut out = Vec::new();
        let mut push = |id: u16, body: &[u8]| -> Result<(), YnlError> {
            let Some(op) = fam.op_by_rsp(id).filter(|_| {
                fam.ops
                    .iter()
                    .any(|o| o.is_async && o.rsp_value == Some(id))
            }) else {
                eprintln!("genl ynl: skipped a notification of unknown id {id}");
                return Ok(());
            };
            let msg =
                fam.decode_message(op, body, opts)
                    .map_err(|error| YnlError::Notification {
                        op: op.name.clone(),
                        error,
                    })?;
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
                        Err(e) => return Err(e.into()),
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
                        Err(e) => return Err(e.into()),
                    };
                    if dg.sender != 0 {
                        continue;
                    }
                    for m in dg.messages() {
                        let m = m.map_err(Error::from)?;
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
