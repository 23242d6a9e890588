//! Extended ACK: the `NLMSG_ERROR`/`NLMSG_DONE` payloads and their
//! attributes (`include/uapi/linux/netlink.h`), turned into a
//! [`KernelError`] whose offsets are resolved, through the request's
//! schema, to the path of the attribute the kernel names (`KvEntry.key`).

use netlink_packet_core::NetlinkHeader;

use crate::codec::Decode;
use crate::error::{DecodeError, DecodeErrorKind, KernelError};
use crate::nlmsg::{read_header, GENL_HDRLEN, NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED};
use crate::schema::AttrSetSchema;
use crate::wire::nla_align;

/// The extended-ACK attributes of `NLMSG_ERROR` / `NLMSG_DONE`
/// (`enum nlmsgerr_attrs` in `include/uapi/linux/netlink.h`).
#[derive(Debug, Clone, Default, crate::AttrSet)]
#[genl(c_prefix = "NLMSGERR_ATTR")]
pub struct ExtAck<'a> {
    /// `NLMSGERR_ATTR_MSG`: error or warning message.
    #[nla(id = 1)]
    pub msg: Option<&'a str>,
    /// `NLMSGERR_ATTR_OFFS`: offset of the invalid attribute in the request.
    #[nla(id = 2)]
    pub offs: Option<u32>,
    /// `NLMSGERR_ATTR_COOKIE`: arbitrary subsystem-specific cookie.
    #[nla(id = 3)]
    pub cookie: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_POLICY`: the policy of the rejected attribute.
    #[nla(id = 4)]
    pub policy: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: type of a missing required attribute.
    #[nla(id = 5)]
    pub miss_type: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_NEST`: offset of the nest missing it.
    #[nla(id = 6)]
    pub miss_nest: Option<u32>,
}

/// A parsed `NLMSG_ERROR` (an ACK when `errno == 0`).
#[derive(Debug, Clone)]
pub struct ErrorView<'a> {
    /// The negated error code as sent (`0` for an ACK, `-EINVAL`, …).
    pub code: i32,
    /// The echoed request header.
    pub request: NetlinkHeader,
    /// Extended-ACK attributes, if the kernel sent any.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> ErrorView<'a> {
    /// Parses the payload of an `NLMSG_ERROR` message with header `flags`.
    pub fn parse(flags: u16, payload: &'a [u8]) -> Result<Self, DecodeError> {
        let need = 4 + NLMSG_HDRLEN;
        if payload.len() < need {
            return Err(DecodeError::new(
                DecodeErrorKind::TruncatedMessage {
                    needed: need,
                    available: payload.len(),
                },
                NLMSG_HDRLEN,
            ));
        }
        let code = i32::from_ne_bytes(payload[..4].try_into().unwrap_or_default());
        let request = read_header(&payload[4..]);
        // Without NLM_F_CAPPED the whole request is echoed back.
        let echoed_len = if flags & NLM_F_CAPPED != 0 || code == 0 {
            NLMSG_HDRLEN
        } else {
            nla_align(request.length as usize).max(NLMSG_HDRLEN)
        };
        let tlv_start = (4 + echoed_len).min(payload.len());
        let ext_ack = if flags & NLM_F_ACK_TLVS != 0 {
            ExtAck::decode_at(&payload[tlv_start..], NLMSG_HDRLEN + tlv_start)?
        } else {
            ExtAck::default()
        };
        Ok(ErrorView {
            code,
            request,
            ext_ack,
        })
    }

    /// The kernel error this reports (`None` for an ACK).
    pub fn to_kernel_error(&self) -> Option<KernelError> {
        if self.code == 0 {
            return None;
        }
        Some(ext_ack_error(self.code, &self.ext_ack))
    }
}

/// The `log` target of [`warn_on_success`].
pub const WARNING_TARGET: &str = "genl_core::netlink_warning";

/// A request that succeeded may still carry an extended-ACK message (the
/// kernel's `NL_SET_ERR_MSG` on success, e.g. "requested value is
/// rounded"): it is reported through the `log` crate at `warn` level with
/// target [`WARNING_TARGET`], never dropped. Returns the message.
pub fn warn_on_success<'a>(code: i32, ack: &ExtAck<'a>) -> Option<&'a str> {
    if code < 0 {
        return None;
    }
    let msg = ack.msg?;
    log::warn!(target: WARNING_TARGET, "netlink warning: {msg}");
    Some(msg)
}

/// Builds a [`KernelError`] from a negative code and extended-ACK attributes.
pub fn ext_ack_error(code: i32, ack: &ExtAck<'_>) -> KernelError {
    KernelError {
        errno: code.checked_neg().unwrap_or(i32::MAX).max(0),
        message: ack.msg.map(str::to_owned),
        offset: ack.offs,
        path: None,
        missing_type: ack.miss_type,
        missing_nest: ack.miss_nest,
        missing_path: None,
    }
}

/// Fills in [`KernelError::path`] and [`KernelError::missing_path`] from the
/// offsets the kernel reported, through the request's schema. `request` is
/// the whole request message as sent (`nlmsghdr`, `genlmsghdr`, attributes).
pub fn attribute_paths(
    mut err: KernelError,
    request: &[u8],
    schema: Option<&'static AttrSetSchema>,
) -> KernelError {
    let Some(set) = schema else { return err };
    let attrs_at = NLMSG_HDRLEN + GENL_HDRLEN;
    let attrs = request.get(attrs_at..).unwrap_or_default();
    if let Some(off) = err.offset {
        if let Some(off) = (off as usize).checked_sub(attrs_at) {
            err.path = set.path_at(attrs, off).map(|(p, _)| p);
        }
    }
    if let Some(t) = err.missing_type {
        let (prefix, nest_set) = match err.missing_nest {
            Some(n) => match (n as usize)
                .checked_sub(attrs_at)
                .and_then(|o| set.path_at(attrs, o))
            {
                Some((p, Some(s))) => (p, s),
                _ => return err,
            },
            None => (set.name.to_owned(), set),
        };
        let attr = u16::try_from(t)
            .ok()
            .and_then(|t| nest_set.attr(t).or_else(|| nest_set.root().attr(t)));
        err.missing_path = Some(match attr {
            Some(a) => format!("{prefix}.{}", a.name),
            None => format!("{prefix}.<attribute {t}>"),
        });
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AttrSet;

    #[derive(Debug, AttrSet)]
    #[genl(c_prefix = "T_META")]
    struct Meta {
        #[nla(id = 1)]
        state: Option<u8>,
        #[nla(id = 2)]
        port: u16,
    }

    #[derive(Debug, AttrSet)]
    #[genl(c_prefix = "T_ENTRY")]
    struct Entry<'a> {
        #[nla(id = 1)]
        key: &'a str,
        #[nla(id = 3, nested)]
        meta: Option<Meta>,
    }

    /// A request by hand: nlmsghdr and genlmsghdr (20 bytes), then
    /// key "ab" (id 1, 8 bytes at 20), then meta (id 3 at 28) holding
    /// state (id 1 at 32) and port (id 2 at 40).
    fn request() -> Vec<u8> {
        let mut m = vec![0u8; NLMSG_HDRLEN + GENL_HDRLEN];
        m.extend_from_slice(&[7, 0, 1, 0, b'a', b'b', 0, 0]);
        m.extend_from_slice(&[20, 0, 3, 0]);
        m.extend_from_slice(&[5, 0, 1, 0, 9, 0, 0, 0]);
        m.extend_from_slice(&[6, 0, 2, 0, 0, 80, 0, 0]);
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        m
    }

    fn err(offset: Option<u32>, missing: Option<(u32, Option<u32>)>) -> KernelError {
        KernelError {
            errno: libc::EINVAL,
            message: None,
            offset,
            path: None,
            missing_type: missing.map(|m| m.0),
            missing_nest: missing.and_then(|m| m.1),
            missing_path: None,
        }
    }

    #[test]
    fn an_offset_names_the_attribute_through_nests() {
        let s = Some(Entry::SCHEMA);
        let at = |off| attribute_paths(err(Some(off), None), &request(), s).path;
        assert_eq!(at(20).as_deref(), Some("Entry.key"));
        assert_eq!(at(28).as_deref(), Some("Entry.meta"));
        assert_eq!(at(32).as_deref(), Some("Entry.meta.state"));
        assert_eq!(at(40).as_deref(), Some("Entry.meta.port"));
    }

    #[test]
    fn a_missing_attribute_is_named_in_its_nest() {
        let s = Some(Entry::SCHEMA);
        let e = attribute_paths(err(None, Some((2, Some(28)))), &request(), s);
        assert_eq!(e.missing_path.as_deref(), Some("Entry.meta.port"));
        let e = attribute_paths(err(None, Some((1, None))), &request(), s);
        assert_eq!(e.missing_path.as_deref(), Some("Entry.key"));
        let e = attribute_paths(err(None, Some((9, None))), &request(), s);
        assert_eq!(e.missing_path.as_deref(), Some("Entry.<attribute 9>"));
    }

    #[derive(Debug, AttrSet)]
    #[genl(c_prefix = "T_ACTION")]
    struct Action {
        #[nla(id = 1)]
        kind: u8,
        #[nla(id = 2)]
        arg: Option<u32>,
    }

    #[derive(Debug, AttrSet)]
    #[genl(c_prefix = "T_REQ")]
    struct Req {
        #[nla(id = 1, indexed)]
        actions: Vec<Action>,
    }

    /// An indexed array by hand (NLA_NESTED_ARRAY: children numbered from
    /// 1): headers 20 bytes, `actions` (id 1) at 20; element 1 at 24 with
    /// kind at 28; element 2 at 36 with kind at 40 and arg at 48.
    fn array_request() -> Vec<u8> {
        let mut m = vec![0u8; NLMSG_HDRLEN + GENL_HDRLEN];
        m.extend_from_slice(&[36, 0, 1, 0]);
        m.extend_from_slice(&[12, 0, 1, 0]);
        m.extend_from_slice(&[5, 0, 1, 0, 3, 0, 0, 0]);
        m.extend_from_slice(&[20, 0, 2, 0]);
        m.extend_from_slice(&[5, 0, 1, 0, 9, 0, 0, 0]);
        m.extend_from_slice(&[8, 0, 2, 0, 1, 0, 0, 0]);
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        m
    }

    #[test]
    fn an_offset_names_the_element_of_an_indexed_array() {
        let s = Some(Req::SCHEMA);
        let at = |off| attribute_paths(err(Some(off), None), &array_request(), s).path;
        assert_eq!(at(20).as_deref(), Some("Req.actions"));
        assert_eq!(at(24).as_deref(), Some("Req.actions[0]"));
        assert_eq!(at(28).as_deref(), Some("Req.actions[0].kind"));
        assert_eq!(at(36).as_deref(), Some("Req.actions[1]"));
        assert_eq!(at(40).as_deref(), Some("Req.actions[1].kind"));
        assert_eq!(at(48).as_deref(), Some("Req.actions[1].arg"));
        // A missing attribute of the second element (MISS_NEST at it).
        let e = attribute_paths(err(None, Some((1, Some(36)))), &array_request(), s);
        assert_eq!(e.missing_path.as_deref(), Some("Req.actions[1].kind"));
    }

    #[test]
    fn offsets_outside_the_attributes_name_nothing() {
        let s = Some(Entry::SCHEMA);
        for off in [0, 4, 19, 48, 1000, u32::MAX] {
            let e = attribute_paths(err(Some(off), None), &request(), s);
            assert_eq!(e.path, None, "offset {off}");
        }
        let e = attribute_paths(err(Some(20), None), &request(), None);
        assert_eq!(e.path, None, "no schema, no path");
    }
}
