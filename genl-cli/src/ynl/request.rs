//! Requests: genl's own connection or a classic one, and a request of
//! several messages (`--multi`).

use super::*;
use genl_core::RawRequest;

/// A request to a generic netlink family through [`Connection`].
pub(super) fn genl_request(
    fam: &SpecFamily,
    op: &Op,
    payload: &[u8],
    dump: bool,
    flags: u16,
    opts: DecodeOptions,
) -> Result<Outcome, YnlError> {
    let mut conn = Connection::new()?;
    let _ = conn.socket().inner().set_netlink_get_strict_chk(true);
    let id = conn.resolve(&fam.name)?.id;
    let genl = genl_header(fam, op)?;
    let body = AttrBuf(payload.to_vec());
    let base = NLMSG_HDRLEN + 4;
    let fail = |e: Error| match e {
        Error::Kernel(k) => explain(fam, op, payload, base, *k),
        e => YnlError::Netlink(e),
    };
    let decode = |cmd: u8, attrs: &[u8]| -> Result<Option<Value>, YnlError> {
        if op.rsp_value != Some(cmd.into()) {
            eprintln!(
                "genl ynl: skipped a message with command {cmd} (operation `{}` replies with {})",
                op.name,
                op.rsp_value.map_or("none".into(), |v| v.to_string())
            );
            return Ok(None);
        }
        fam.decode_message(op, attrs, opts)
            .map(Some)
            .map_err(|error| YnlError::Decode {
                op: op.name.clone(),
                error,
            })
    };
    let req = RawRequest {
        flags,
        ..RawRequest::new(id, genl, &body)
    };
    if dump {
        let mut d = conn.dump_by_id(req).map_err(fail)?;
        let mut items = Vec::new();
        while let Some(v) = d.next().map_err(fail)? {
            if let Some(x) = decode(v.genl.cmd, v.attrs)? {
                items.push(x);
            }
        }
        Ok(Outcome::Dump(items))
    } else {
        let reply = conn.request_by_id(req).map_err(fail)?;
        let mut items = Vec::new();
        if let Some(v) = reply {
            if let Some(x) = decode(v.genl.cmd, v.attrs)? {
                items.push(x);
            }
        }
        Ok(Outcome::Do(items))
    }
}

/// A request on a classic socket: message type `ty`, `msg` after the
/// `nlmsghdr` (a genl header first when `hdr` is 4), until the ACK (a do)
/// or `NLMSG_DONE` (a dump).
#[allow(clippy::too_many_arguments)]
pub(super) fn classic_request(
    conn: &mut ClassicConnection,
    fam: &SpecFamily,
    op: &Op,
    ty: u16,
    flags: u16,
    msg: &[u8],
    hdr: usize,
    dump: bool,
    opts: DecodeOptions,
) -> Result<Outcome, YnlError> {
    let req = ClassicMsg { op, ty, msg };
    let mut out = classic_requests(conn, fam, &[req], flags, hdr, dump, opts)?;
    let items = out.pop().unwrap_or_default();
    Ok(if dump {
        Outcome::Dump(items)
    } else {
        Outcome::Do(items)
    })
}

/// `payload` after the genl header of `op`, for a generic netlink request
/// sent on a classic socket; [`YnlError::CommandId`] if its command id does
/// not fit the header's byte.
pub(super) fn with_genl_header(
    fam: &SpecFamily,
    op: &Op,
    payload: &[u8],
) -> Result<Vec<u8>, YnlError> {
    let mut msg = genl_header(fam, op)?.to_bytes().to_vec();
    msg.extend_from_slice(payload);
    Ok(msg)
}

/// The genl header of a request for `op`: its command id must fit the
/// header's byte.
fn genl_header(fam: &SpecFamily, op: &Op) -> Result<GenlHeader, YnlError> {
    Ok(GenlHeader {
        cmd: u8::try_from(op.req_value.unwrap_or_default()).map_err(|_| YnlError::CommandId {
            op: op.name.clone(),
        })?,
        version: fam.version,
    })
}

/// One message of [`classic_requests`].
pub(super) struct ClassicMsg<'f> {
    op: &'f Op,
    /// `nlmsg_type`.
    ty: u16,
    /// After the `nlmsghdr`.
    msg: &'f [u8],
}

/// Requests on a classic socket, sent in one datagram; the replies of each,
/// decoded. The first request the kernel rejects is the error (after all
/// have completed), named through the spec.
pub(super) fn classic_requests(
    conn: &mut ClassicConnection,
    fam: &SpecFamily,
    reqs: &[ClassicMsg<'_>],
    flags: u16,
    hdr: usize,
    dump: bool,
    opts: DecodeOptions,
) -> Result<Vec<Vec<Value>>, YnlError> {
    let base = NLMSG_HDRLEN + hdr;
    let mut items: Vec<Vec<Value>> = reqs.iter().map(|_| Vec::new()).collect();
    let mut undecodable = None;
    let wire: Vec<ClassicRequest<'_>> = reqs
        .iter()
        .map(|r| ClassicRequest {
            message_type: r.ty,
            flags,
            payload: r.msg,
            dump,
        })
        .collect();
    let done = conn.exchange_all(&wire, |i, m| {
        let op = reqs[i].op;
        let (id, body) = if hdr == 4 {
            let cmd = m.payload.first().copied().unwrap_or_default();
            (u16::from(cmd), m.payload.get(4..).unwrap_or_default())
        } else {
            (m.header.message_type, m.payload)
        };
        if op.rsp_value != Some(id) {
            eprintln!(
                "genl ynl: skipped a message of id {id} (operation `{}` replies with {})",
                op.name,
                op.rsp_value.map_or("none".into(), |v| v.to_string())
            );
            return Ok(());
        }
        match fam.decode_message(op, body, opts) {
            Ok(v) => {
                items[i].push(v);
                Ok(())
            }
            Err(error) => {
                undecodable = Some(YnlError::Decode {
                    op: op.name.clone(),
                    error,
                });
                Err(genl_core::Error::UnexpectedReply(
                    "a reply that does not decode",
                ))
            }
        }
    });
    if let Some(e) = undecodable {
        return Err(e);
    }
    for (r, outcome) in reqs.iter().zip(done?) {
        match outcome {
            Ok(d) => {
                if d.interrupted {
                    eprintln!(
                        "genl ynl: the dump was interrupted (NLM_F_DUMP_INTR); it may be inconsistent"
                    );
                }
            }
            Err(genl_core::Error::Kernel(k)) => {
                return Err(explain(fam, r.op, &r.msg[hdr..], base, *k))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(items)
}

/// `--multi OP JSON ...`: several `do` requests in one datagram, as
/// `cli.py --multi` sends them; the replies of each (`null`, one reply, or
/// an array of several), as one array.
pub(super) fn multi(
    fam: &SpecFamily,
    pairs: &[String],
    flags: u16,
    opts: DecodeOptions,
) -> Result<Value, YnlError> {
    let mut reqs = Vec::new();
    for pair in pairs.chunks(2) {
        let [name, json] = pair else {
            return Err(YnlError::MultiPair);
        };
        let op = find_op(fam, name, "do")?;
        let vals = Value::parse_json(json).map_err(|error| YnlError::MultiJson {
            op: name.clone(),
            error,
        })?;
        let payload = fam
            .encode_message(op, &vals)
            .map_err(|error| YnlError::MultiEncode {
                op: name.clone(),
                error,
            })?;
        reqs.push((op, payload));
    }
    let (mut conn, hdr, id) = match fam.protocol {
        Protocol::Genetlink => (classic(NETLINK_GENERIC)?, 4, Some(resolve(&fam.name)?)),
        Protocol::Raw { protonum } => (classic(isize::from(protonum))?, 0, None),
    };
    // What follows each `nlmsghdr`: the genl header first for generic
    // netlink.
    let bodies: Vec<std::borrow::Cow<'_, [u8]>> = reqs
        .iter()
        .map(|(op, payload)| {
            Ok(match id {
                Some(_) => with_genl_header(fam, op, payload)?.into(),
                None => payload.as_slice().into(),
            })
        })
        .collect::<Result<_, YnlError>>()?;
    let msgs: Vec<ClassicMsg<'_>> = reqs
        .iter()
        .zip(&bodies)
        .map(|((op, _), msg)| ClassicMsg {
            op,
            ty: id.unwrap_or_else(|| op.req_value.unwrap_or_default()),
            msg,
        })
        .collect();
    let replies = classic_requests(&mut conn, fam, &msgs, flags, hdr, false, opts)?;
    Ok(Value::List(
        replies
            .into_iter()
            .map(|mut r| match r.len() {
                0 => Value::Null,
                1 => r.remove(0),
                _ => Value::List(r),
            })
            .collect(),
    ))
}
