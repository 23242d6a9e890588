//! The invariants the fuzz targets check, one `check_*` function per target.
//!
//! Every target asserts more than "no panic":
//! - decoders return a value or an error whose offset lies inside the input
//!   and whose field path resolves through the schema;
//! - a decoded value re-encodes, and the encoding decodes to an equal value;
//! - the encoder's output is canonical (re-encoding it gives the same bytes)
//!   and obeys the wire rules at every nest level (4-byte alignment, zeroed
//!   padding, lengths that add up);
//! - the attribute and message iterators yield only in-bounds subslices of
//!   the input, at aligned offsets, with no gaps, and stop after one error.
//!
//! The fuzz targets in `fuzz_targets/` are one-line wrappers; the unit tests
//! (`tests.rs`) replay the checked-in seeds (`fuzz/seeds/<target>/`) on stable
//! Rust. One module per concern: the fuzz-local schema, the shared
//! invariants, then the targets (`attrs`, `nlctrl`, `messages`, `extack`).

#[macro_use]
mod invariants;

mod attrs;
mod extack;
mod messages;
mod nlctrl;
mod schema;
#[cfg(test)]
mod tests;

use std::fmt::Debug;

use genl::demo::{Deferred, Echo, KvEntry, KvEvent, KvKey, KvMeta, KvState};
use genl_core::codec::Keyed;
use genl_core::controller::{FamilyInfo, GetFamily, GetPolicy, PolicyMessage, GENL_ID_CTRL};
use genl_core::extack::{ErrorView, ExtAck};
use genl_core::message::{
    build_message, Messages, NlMessage, Received, GENL_HDRLEN, NLMSG_HDRLEN, NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
};
use genl_core::netlink_packet_core::{
    NetlinkDeserializable, NetlinkHeader, NetlinkSerializable, NLMSG_DONE, NLMSG_ERROR,
};
use genl_core::schema::AttrSetSchema;
use genl_core::wire::{nla_align, NLA_HDRLEN, NLA_TYPE_MASK};
use genl_core::{
    AttrEnum, AttrIter, AttrSet, AttrWriter, CheckedMulti, Decode, DecodeError, DecodeErrorKind,
    Encode, EncodeErrorKind,
};

pub use attrs::*;
pub use extack::*;
pub use invariants::*;
pub use messages::*;
pub use nlctrl::*;
pub use schema::*;
