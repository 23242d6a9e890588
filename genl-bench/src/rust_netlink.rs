//! The benchmark message the rust-netlink way: an `Nla` enum per attribute
//! set (netlink-packet-core 0.9), a family payload implementing
//! netlink-packet-generic 0.5's `GenlFamily`, serialized through
//! `NetlinkMessage<GenlMessage<_>>`; kernel requests with the `genetlink`
//! crate on a current-thread tokio runtime.

use futures::StreamExt;
use netlink_packet_core::{
    emit_u16, emit_u32, emit_u64, parse_string, parse_u16, parse_u16_be, parse_u32, parse_u64,
    parse_u8, DecodeError, DefaultNla, Emitable, NetlinkMessage, NetlinkPayload, Nla, NlaBuffer,
    NlasIterator, Parseable, ParseableParametrized, NLA_F_NESTED, NLM_F_ACK, NLM_F_REQUEST,
};
use netlink_packet_generic::{
    ctrl::{nlas::GenlCtrlAttrs, GenlCtrl, GenlCtrlCmd},
    GenlFamily, GenlHeader, GenlMessage,
};

use crate::msg::{id, Extracted, Link, CMD, FAMILY_ID, FLAGS, SEQ, VERSION};

/// Attributes of the stats nest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum StatsNla {
    RxErrors(u32),
    TxErrors(u32),
    RxDropped(u64),
    Other(DefaultNla),
}

impl Nla for StatsNla {
    fn value_len(&self) -> usize {
        match self {
            StatsNla::RxErrors(_) | StatsNla::TxErrors(_) => 4,
            StatsNla::RxDropped(_) => 8,
            StatsNla::Other(o) => o.value_len(),
        }
    }
    fn kind(&self) -> u16 {
        match self {
            StatsNla::RxErrors(_) => id::ST_RX_ERRORS,
            StatsNla::TxErrors(_) => id::ST_TX_ERRORS,
            StatsNla::RxDropped(_) => id::ST_RX_DROPPED,
            StatsNla::Other(o) => o.kind(),
        }
    }
    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            StatsNla::RxErrors(v) | StatsNla::TxErrors(v) => emit_u32(buffer, *v).unwrap(),
            StatsNla::RxDropped(v) => emit_u64(buffer, *v).unwrap(),
            StatsNla::Other(o) => o.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for StatsNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = buf.value();
        Ok(match buf.kind() {
            id::ST_RX_ERRORS => StatsNla::RxErrors(parse_u32(v)?),
            id::ST_TX_ERRORS => StatsNla::TxErrors(parse_u32(v)?),
            id::ST_RX_DROPPED => StatsNla::RxDropped(parse_u64(v)?),
            _ => StatsNla::Other(DefaultNla::parse(buf)?),
        })
    }
}

/// Top-level attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum LinkNla {
    Ifindex(u32),
    Name(String),
    Mtu(u32),
    MinMtu(u32),
    MaxMtu(u32),
    TxQueues(u32),
    RxQueues(u32),
    Flags(u32),
    Carrier(u8),
    Operstate(u8),
    Group(u32),
    RxBytes(u64),
    TxBytes(u64),
    Qdisc(String),
    Alias(String),
    Port(u16),
    Vlan(u16),
    Weight(i32),
    Up,
    Address(Vec<u8>),
    Stats(Vec<StatsNla>),
    Queue(u32),
    Other(DefaultNla),
}

impl Nla for LinkNla {
    fn value_len(&self) -> usize {
        use LinkNla::*;
        match self {
            Ifindex(_) | Mtu(_) | MinMtu(_) | MaxMtu(_) | TxQueues(_) | RxQueues(_) | Flags(_)
            | Group(_) | Weight(_) | Queue(_) => 4,
            Carrier(_) | Operstate(_) => 1,
            RxBytes(_) | TxBytes(_) => 8,
            Name(s) | Qdisc(s) | Alias(s) => s.len() + 1,
            Port(_) | Vlan(_) => 2,
            Up => 0,
            Address(a) => a.len(),
            Stats(s) => s.as_slice().buffer_len(),
            Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use LinkNla::*;
        match self {
            Ifindex(_) => id::IFINDEX,
            Name(_) => id::NAME,
            Mtu(_) => id::MTU,
            MinMtu(_) => id::MIN_MTU,
            MaxMtu(_) => id::MAX_MTU,
            TxQueues(_) => id::TX_QUEUES,
            RxQueues(_) => id::RX_QUEUES,
            Flags(_) => id::FLAGS,
            Carrier(_) => id::CARRIER,
            Operstate(_) => id::OPERSTATE,
            Group(_) => id::GROUP,
            RxBytes(_) => id::RX_BYTES,
            TxBytes(_) => id::TX_BYTES,
            Qdisc(_) => id::QDISC,
            Alias(_) => id::ALIAS,
            Port(_) => id::PORT,
            Vlan(_) => id::VLAN,
            Weight(_) => id::WEIGHT,
            Up => id::UP,
            Address(_) => id::ADDRESS,
            Stats(_) => id::STATS | NLA_F_NESTED,
            Queue(_) => id::QUEUE,
            Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        use LinkNla::*;
        match self {
            Ifindex(v) | Mtu(v) | MinMtu(v) | MaxMtu(v) | TxQueues(v) | RxQueues(v) | Flags(v)
            | Group(v) | Queue(v) => emit_u32(buffer, *v).unwrap(),
            Weight(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            Carrier(v) | Operstate(v) => buffer[0] = *v,
            RxBytes(v) | TxBytes(v) => emit_u64(buffer, *v).unwrap(),
            Name(s) | Qdisc(s) | Alias(s) => {
                buffer[..s.len()].copy_from_slice(s.as_bytes());
                buffer[s.len()] = 0;
            }
            Port(v) => buffer.copy_from_slice(&v.to_be_bytes()),
            Vlan(v) => emit_u16(buffer, *v).unwrap(),
            Up => {}
            Address(a) => buffer.copy_from_slice(a),
            Stats(s) => s.as_slice().emit(buffer),
            Other(o) => o.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for LinkNla {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use LinkNla::*;
        let v = buf.value();
        Ok(match buf.kind() {
            id::IFINDEX => Ifindex(parse_u32(v)?),
            id::NAME => Name(parse_string(v)?),
            id::MTU => Mtu(parse_u32(v)?),
            id::MIN_MTU => MinMtu(parse_u32(v)?),
            id::MAX_MTU => MaxMtu(parse_u32(v)?),
            id::TX_QUEUES => TxQueues(parse_u32(v)?),
            id::RX_QUEUES => RxQueues(parse_u32(v)?),
            id::FLAGS => Flags(parse_u32(v)?),
            id::CARRIER => Carrier(parse_u8(v)?),
            id::OPERSTATE => Operstate(parse_u8(v)?),
            id::GROUP => Group(parse_u32(v)?),
            id::RX_BYTES => RxBytes(parse_u64(v)?),
            id::TX_BYTES => TxBytes(parse_u64(v)?),
            id::QDISC => Qdisc(parse_string(v)?),
            id::ALIAS => Alias(parse_string(v)?),
            id::PORT => Port(parse_u16_be(v)?),
            id::VLAN => Vlan(parse_u16(v)?),
            id::WEIGHT => Weight(parse_u32(v)? as i32),
            id::UP => Up,
            id::ADDRESS => Address(v.to_vec()),
            id::STATS => Stats(
                NlasIterator::new(v)
                    .map(|n| n.and_then(|n| StatsNla::parse(&n)))
                    .collect::<Result<_, _>>()?,
            ),
            id::QUEUE => Queue(parse_u32(v)?),
            _ => Other(DefaultNla::parse(buf)?),
        })
    }
}

/// The family payload: the attributes of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMsg {
    /// The attributes.
    pub nlas: Vec<LinkNla>,
}

impl GenlFamily for LinkMsg {
    fn family_name() -> &'static str {
        "genl_bench"
    }
    fn family_id(&self) -> u16 {
        FAMILY_ID
    }
    fn command(&self) -> u8 {
        CMD
    }
    fn version(&self) -> u8 {
        VERSION
    }
}

impl Emitable for LinkMsg {
    fn buffer_len(&self) -> usize {
        self.nlas.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.nlas.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for LinkMsg {
    fn parse_with_param(buf: &[u8], _header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(LinkMsg {
            nlas: NlasIterator::new(buf)
                .map(|n| n.and_then(|n| LinkNla::parse(&n)))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Builds the rust-netlink message from the application's values and
/// serializes it into `buf` (reused).
#[inline(never)]
pub fn encode(l: &Link<'_>, buf: &mut Vec<u8>) {
    use LinkNla::*;
    let mut nlas = Vec::with_capacity(40);
    nlas.extend([
        Ifindex(l.ifindex),
        Name(l.name.to_owned()),
        Mtu(l.mtu),
        MinMtu(l.min_mtu),
        MaxMtu(l.max_mtu),
        TxQueues(l.tx_queues),
        RxQueues(l.rx_queues),
        Flags(l.flags),
        Carrier(l.carrier),
        Operstate(l.operstate),
        Group(l.group),
        RxBytes(l.rx_bytes),
        TxBytes(l.tx_bytes),
        Qdisc(l.qdisc.to_owned()),
    ]);
    if let Some(a) = l.alias {
        nlas.push(Alias(a.to_owned()));
    }
    if let Some(p) = l.port {
        nlas.push(Port(p));
    }
    nlas.push(Vlan(l.vlan));
    nlas.push(Weight(l.weight));
    if l.up {
        nlas.push(Up);
    }
    nlas.push(Address(l.address.to_vec()));
    nlas.push(Stats(vec![
        StatsNla::RxErrors(l.stats.rx_errors),
        StatsNla::TxErrors(l.stats.tx_errors),
        StatsNla::RxDropped(l.stats.rx_dropped),
    ]));
    nlas.extend(l.queues.iter().map(Queue));
    let mut msg = NetlinkMessage::from(GenlMessage::from_payload(LinkMsg { nlas }));
    msg.header.flags = FLAGS;
    msg.header.sequence_number = SEQ;
    msg.finalize();
    buf.clear();
    buf.resize(msg.buffer_len(), 0);
    msg.serialize(buf);
}

/// Parses a whole message the rust-netlink way and extracts every value.
#[inline(never)]
pub fn decode(bytes: &[u8]) -> Result<Extracted<String>, DecodeError> {
    let msg = NetlinkMessage::<GenlMessage<LinkMsg>>::deserialize(bytes)?;
    let NetlinkPayload::InnerMessage(genl) = msg.payload else {
        return Err(DecodeError::from("not a family message"));
    };
    let mut e = Extracted::<String>::default();
    for n in genl.payload.nlas {
        use LinkNla::*;
        match n {
            Ifindex(v) => e.ifindex = v,
            Name(v) => e.name = v,
            Mtu(v) => e.mtu = v,
            MinMtu(v) => e.min_mtu = v,
            MaxMtu(v) => e.max_mtu = v,
            TxQueues(v) => e.tx_queues = v,
            RxQueues(v) => e.rx_queues = v,
            Flags(v) => e.flags = v,
            Carrier(v) => e.carrier = v,
            Operstate(v) => e.operstate = v,
            Group(v) => e.group = v,
            RxBytes(v) => e.rx_bytes = v,
            TxBytes(v) => e.tx_bytes = v,
            Qdisc(v) => e.qdisc = v,
            Alias(v) => e.alias = Some(v),
            Port(v) => e.port = Some(v),
            Vlan(v) => e.vlan = v,
            Weight(v) => e.weight = v,
            Up => e.up = true,
            Address(v) => {
                e.address = v
                    .as_slice()
                    .try_into()
                    .map_err(|_| DecodeError::from("address length"))?
            }
            Stats(s) => {
                for s in s {
                    match s {
                        StatsNla::RxErrors(v) => e.rx_errors = v,
                        StatsNla::TxErrors(v) => e.tx_errors = v,
                        StatsNla::RxDropped(v) => e.rx_dropped = v,
                        StatsNla::Other(_) => {}
                    }
                }
            }
            Queue(v) => {
                e.queue_sum += u64::from(v);
                e.queue_count += 1;
            }
            Other(_) => {}
        }
    }
    Ok(e)
}

/// A `genetlink` connection driven by a current-thread tokio runtime.
pub struct GenetlinkClient {
    rt: tokio::runtime::Runtime,
    handle: genetlink::GenetlinkHandle,
}

impl GenetlinkClient {
    /// Opens the connection and spawns its task on a current-thread runtime.
    pub fn new() -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let (conn, handle, _) = rt.block_on(async { genetlink::new_connection() })?;
        rt.spawn(conn);
        Ok(GenetlinkClient { rt, handle })
    }

    /// `CTRL_CMD_GETFAMILY` by name: the family id.
    #[inline(never)]
    pub fn get_family(&mut self, name: &str) -> Result<u16, String> {
        let handle = &mut self.handle;
        self.rt.block_on(async {
            let mut msg = NetlinkMessage::from(GenlMessage::from_payload(GenlCtrl {
                cmd: GenlCtrlCmd::GetFamily,
                nlas: vec![GenlCtrlAttrs::FamilyName(name.to_owned())],
            }));
            msg.header.flags = NLM_F_REQUEST | NLM_F_ACK;
            msg.finalize();
            let mut replies = handle.request(msg).await.map_err(|e| e.to_string())?;
            let mut id = None;
            while let Some(r) = replies.next().await {
                let r = r.map_err(|e| e.to_string())?;
                match r.payload {
                    NetlinkPayload::InnerMessage(g) => {
                        for n in g.payload.nlas {
                            if let GenlCtrlAttrs::FamilyId(i) = n {
                                id = Some(i);
                            }
                        }
                    }
                    NetlinkPayload::Error(e) if e.code.is_some() => {
                        return Err(format!("kernel error {:?}", e.code))
                    }
                    _ => {}
                }
            }
            id.ok_or_else(|| "no family id in the reply".to_owned())
        })
    }
}
