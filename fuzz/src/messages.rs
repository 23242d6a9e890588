//! Target `messages`: datagram framing, genl views, payloads, rebuilding.

use crate::*;

pub(crate) fn check_genl_payload<'a, T>(
    msg: &NlMessage<'a>,
    v: &genl_core::GenlView<'a>,
    decoded: &T,
) where
    T: Encode + Debug,
{
    // Rebuilt with build_message, the message parses back to the same view.
    let mut buf = Vec::new();
    let h = msg.header;
    match build_message(
        &mut buf,
        h.message_type,
        h.flags,
        h.sequence_number,
        v.genl,
        decoded,
    ) {
        Ok(()) => {}
        Err(e) => {
            assert!(encode_may_fail(&e, msg.payload.len()), "{e:?}");
            return;
        }
    }
    let mut it = Messages::new(&buf);
    let m = it.next().expect("one message").expect("well formed");
    assert!(it.next().is_none());
    assert_eq!(m.header.length as usize, buf.len());
    assert_eq!(m.header.message_type, h.message_type);
    assert_eq!(m.header.flags, h.flags);
    assert_eq!(m.header.sequence_number, h.sequence_number);
    assert_eq!(m.header.port_number, 0);
    let Received::Genl(v2) = Received::parse(&m).expect("parses") else {
        panic!("a rebuilt genl message is not genl");
    };
    assert_eq!(v2.genl, v.genl);
    check_wire_rules(v2.attrs);
}

macro_rules! genl_payload {
    ($t:ty, $msg:expr, $v:expr) => {{
        let (msg, v) = ($msg, $v);
        match v.decode::<$t>() {
            Ok(p) => {
                check_genl_payload(msg, v, &p);
                let bytes = p.encode_to_vec().unwrap_or_default();
                if !bytes.is_empty() {
                    assert_eq!(<$t as Decode>::decode(&bytes).unwrap(), p);
                }
            }
            Err(e) => check_decode_error(&e, 0, v.attrs.len(), Some(<$t as AttrSet>::SCHEMA)),
        }
    }};
}

pub(crate) fn check_received(msg: &NlMessage<'_>) {
    let h = msg.header;
    match Received::parse(msg) {
        Ok(Received::Genl(v)) => {
            assert_eq!(v.header, h);
            assert_eq!(v.genl.cmd, msg.payload[0]);
            assert_eq!(v.genl.version, msg.payload[1]);
            assert_eq!(sub_offset(msg.payload, v.attrs), GENL_HDRLEN);
            assert_eq!(v.attrs.len() + GENL_HDRLEN, msg.payload.len());
            if h.message_type == GENL_ID_CTRL && v.genl.cmd == 10 {
                genl_payload!(PolicyMessage<'_>, msg, &v);
            } else if h.message_type == GENL_ID_CTRL {
                genl_payload!(FamilyInfo<'_>, msg, &v);
            } else {
                genl_payload!(KvEntry<'_>, msg, &v);
            }
            // The netlink-packet-core deserialization path agrees, and
            // serializes back to the same payload (reserved byte zeroed).
            let gm =
                <genl_core::packet_core::TypedGenlMessage<genl_core::message::AttrBuf> as NetlinkDeserializable>::deserialize(
                    &h,
                    msg.payload,
                )
                .expect("a genl view deserializes");
            assert_eq!(gm.family_id, h.message_type);
            assert_eq!(gm.header, v.genl);
            assert_eq!(gm.payload.0, v.attrs);
            let mut out = vec![0u8; gm.buffer_len()];
            gm.serialize(&mut out);
            assert_eq!(&out[..2], &msg.payload[..2]);
            assert_eq!(&out[GENL_HDRLEN..], v.attrs);
        }
        Ok(Received::Error { header, error: e }) => {
            // The message's own header, not the echoed request's.
            assert_eq!(header, h);
            assert_eq!(h.message_type, NLMSG_ERROR);
            check_error_view(h.flags, msg.payload, &e);
        }
        Ok(Received::Done {
            header,
            code,
            ext_ack,
        }) => {
            assert_eq!(header, h);
            assert_eq!(h.message_type, NLMSG_DONE);
            let want = msg
                .payload
                .get(..4)
                .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
            assert_eq!(code, want);
            if h.flags & NLM_F_ACK_TLVS == 0 || msg.payload.len() <= 4 {
                assert_eq!(format!("{ext_ack:?}"), format!("{:?}", ExtAck::default()));
            } else {
                ext_ack_round_trip(&ext_ack);
            }
        }
        Ok(Received::Noop(nh)) => assert_eq!(nh, h),
        Err(e) => {
            // Offsets count from the start of the message (its nlmsghdr),
            // or from the genl attributes for payload errors.
            assert!(e.offset() <= NLMSG_HDRLEN + msg.payload.len(), "{e:?}");
            let _ = e.to_string();
        }
    }
}

/// Target `messages`: `data` is one datagram.
pub fn check_messages(data: &[u8]) {
    let mut errored = false;
    let mut expect = 0usize;
    for m in Messages::new(data) {
        assert!(!errored, "nothing after a framing error");
        match m {
            Ok(m) => {
                let at = sub_offset(data, m.payload);
                assert_eq!(at, expect + NLMSG_HDRLEN, "messages are contiguous");
                assert_eq!(m.header.length as usize, NLMSG_HDRLEN + m.payload.len());
                expect = nla_align(at + m.payload.len()).min(data.len());
                check_received(&m);
            }
            Err(e) => {
                assert_eq!(e.offset(), expect, "{e:?}");
                assert!(e.offset() < data.len());
                errored = true;
            }
        }
    }
    if !errored {
        assert_eq!(expect, data.len(), "messages cover the datagram");
    }
}
