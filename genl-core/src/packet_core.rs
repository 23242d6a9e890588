//! Interoperation with netlink-packet-core: [`TypedGenlMessage`], a generic
//! netlink message with a typed payload, as the inner message of
//! netlink-packet-core's `NetlinkMessage` (the role netlink-packet-generic's
//! `GenlMessage` plays for its own payload types; the two are unrelated).

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader, NetlinkSerializable};

use crate::codec::{DecodeOwned, Encode};
use crate::error::{DecodeError, EncodeError};
use crate::message::{AttrBuf, GenlHeader, GENL_HDRLEN, NLMSG_HDRLEN};

/// A generic netlink message with a typed payload, for use with
/// netlink-packet-core's `NetlinkMessage`.
///
/// Serialization (`NetlinkSerializable`) is implemented for
/// `TypedGenlMessage<AttrBuf>`: encode a typed payload first with
/// [`TypedGenlMessage::encode_payload`], which reports encode errors, because
/// netlink-packet-core's `serialize` cannot. Deserialization
/// (`NetlinkDeserializable`) works for any owned payload type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedGenlMessage<P> {
    /// The family id (`nlmsg_type`).
    pub family_id: u16,
    /// The generic netlink header.
    pub header: GenlHeader,
    /// The payload.
    pub payload: P,
}

impl<P: Encode> TypedGenlMessage<P> {
    /// Encodes the payload, giving a message netlink-packet-core can serialize.
    pub fn encode_payload(&self) -> Result<TypedGenlMessage<AttrBuf>, EncodeError> {
        Ok(TypedGenlMessage {
            family_id: self.family_id,
            header: self.header,
            payload: AttrBuf(self.payload.encode_to_vec()?),
        })
    }
}

impl NetlinkSerializable for TypedGenlMessage<AttrBuf> {
    fn message_type(&self) -> u16 {
        self.family_id
    }
    fn buffer_len(&self) -> usize {
        GENL_HDRLEN + self.payload.0.len()
    }
    fn serialize(&self, buffer: &mut [u8]) {
        buffer[..GENL_HDRLEN].copy_from_slice(&self.header.to_bytes());
        buffer[GENL_HDRLEN..GENL_HDRLEN + self.payload.0.len()].copy_from_slice(&self.payload.0);
    }
}

impl<P: DecodeOwned> NetlinkDeserializable for TypedGenlMessage<P> {
    type Error = DecodeError;
    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, DecodeError> {
        let genl = GenlHeader::parse(payload)?;
        Ok(TypedGenlMessage {
            family_id: header.message_type,
            header: genl,
            payload: P::decode_at(&payload[GENL_HDRLEN..], NLMSG_HDRLEN + GENL_HDRLEN)?,
        })
    }
}

impl<P> From<TypedGenlMessage<P>> for netlink_packet_core::NetlinkPayload<TypedGenlMessage<P>> {
    fn from(m: TypedGenlMessage<P>) -> Self {
        netlink_packet_core::NetlinkPayload::InnerMessage(m)
    }
}
