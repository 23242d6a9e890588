//! The netlink message header, `struct nlmsghdr`: its size, its flags and
//! the control types' bound, reading it and setting its fields in place.
//! Below both [`crate::message`] (which re-exports the constants) and
//! [`crate::extack`], which read it.

use netlink_packet_core::NetlinkHeader;

/// Size of `struct nlmsghdr`.
pub const NLMSG_HDRLEN: usize = 16;
/// Size of `struct genlmsghdr`.
pub const GENL_HDRLEN: usize = 4;
/// `NLMSG_MIN_TYPE`: message types below it are netlink's own (`NLMSG_NOOP`,
/// `NLMSG_ERROR`, `NLMSG_DONE`, `NLMSG_OVERRUN`); families' ids start here.
pub const NLMSG_MIN_TYPE: u16 = 0x10;
/// `NLM_F_REQUEST`: a request.
pub const NLM_F_REQUEST: u16 = 0x01;
/// `NLM_F_MULTI`: part of a multipart reply (a dump).
pub const NLM_F_MULTI: u16 = 0x02;
/// `NLM_F_ACK`: ask for an acknowledgement.
pub const NLM_F_ACK: u16 = 0x04;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): dump everything.
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLM_F_DUMP_INTR`: the dump was interrupted and may be inconsistent.
pub const NLM_F_DUMP_INTR: u16 = 0x10;
/// `NLM_F_CAPPED` (on `NLMSG_ERROR`): the echoed request was cut to its header.
pub const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_REPLACE` (on a NEW request): replace what exists.
pub const NLM_F_REPLACE: u16 = 0x100;
/// `NLM_F_EXCL` (on a NEW request): fail if it exists.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE` (on a NEW request): create it if it does not exist.
pub const NLM_F_CREATE: u16 = 0x400;
/// `NLM_F_APPEND` (on a NEW request): add to the end of the list.
pub const NLM_F_APPEND: u16 = 0x800;
/// `NLM_F_ACK_TLVS` (on `NLMSG_ERROR`/`NLMSG_DONE`): extended-ACK TLVs follow.
pub const NLM_F_ACK_TLVS: u16 = 0x200;

/// Where `nlmsg_type` is in the header.
const TYPE_AT: usize = 4;
/// Where `nlmsg_flags` is.
const FLAGS_AT: usize = 6;
/// Where `nlmsg_seq` is.
const SEQ_AT: usize = 8;

/// Sets `nlmsg_type` of the header at the start of `msg`.
#[inline]
pub(crate) fn set_type(msg: &mut [u8], message_type: u16) {
    msg[TYPE_AT..TYPE_AT + 2].copy_from_slice(&message_type.to_ne_bytes());
}

/// Sets `nlmsg_flags` of the header at the start of `msg`.
#[inline]
pub(crate) fn set_flags(msg: &mut [u8], flags: u16) {
    msg[FLAGS_AT..FLAGS_AT + 2].copy_from_slice(&flags.to_ne_bytes());
}

/// Sets `nlmsg_seq` of the header at the start of `msg`.
#[inline]
pub(crate) fn set_seq(msg: &mut [u8], seq: u32) {
    msg[SEQ_AT..SEQ_AT + 4].copy_from_slice(&seq.to_ne_bytes());
}

/// Reads the `nlmsghdr` at the start of `bytes` (at least 16 bytes long).
#[inline]
pub(crate) fn read_header(bytes: &[u8]) -> NetlinkHeader {
    let b: &[u8; NLMSG_HDRLEN] = bytes
        .first_chunk()
        .expect("callers check for a whole nlmsghdr");
    let u32_at = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
    let mut h = NetlinkHeader::default();
    h.length = u32_at(0);
    h.message_type = u16_at(4);
    h.flags = u16_at(6);
    h.sequence_number = u32_at(8);
    h.port_number = u32_at(12);
    h
}
