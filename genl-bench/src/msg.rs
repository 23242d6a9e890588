//! The benchmark message: a realistic link description with 20 scalar and
//! string attributes, a nest and a 16-element repeated attribute, declared
//! once with genl's derive. Every contender encodes the same values and
//! must produce the same bytes.

use genl_core::{AttrSet, CheckedMulti};

/// Family id used in the codec messages (any dynamic id).
pub const FAMILY_ID: u16 = 0x21;
/// Command in the genl header.
pub const CMD: u8 = 3;
/// Version in the genl header.
pub const VERSION: u8 = 1;
/// `nlmsg_flags` of the codec messages (`NLM_F_REQUEST | NLM_F_ACK`).
pub const FLAGS: u16 = 0x05;
/// Sequence number of the codec messages.
pub const SEQ: u32 = 0x1234_5678;

/// Attribute ids (`BENCH_A_*`).
pub mod id {
    #![allow(missing_docs)]
    pub const IFINDEX: u16 = 1;
    pub const NAME: u16 = 2;
    pub const MTU: u16 = 3;
    pub const MIN_MTU: u16 = 4;
    pub const MAX_MTU: u16 = 5;
    pub const TX_QUEUES: u16 = 6;
    pub const RX_QUEUES: u16 = 7;
    pub const FLAGS: u16 = 8;
    pub const CARRIER: u16 = 9;
    pub const OPERSTATE: u16 = 10;
    pub const GROUP: u16 = 11;
    pub const RX_BYTES: u16 = 12;
    pub const TX_BYTES: u16 = 13;
    pub const QDISC: u16 = 14;
    pub const ALIAS: u16 = 15;
    pub const PORT: u16 = 16;
    pub const VLAN: u16 = 17;
    pub const WEIGHT: u16 = 18;
    pub const UP: u16 = 19;
    pub const ADDRESS: u16 = 20;
    pub const STATS: u16 = 21;
    pub const QUEUE: u16 = 22;
    /// Ids inside the `STATS` nest.
    pub const ST_RX_ERRORS: u16 = 1;
    pub const ST_TX_ERRORS: u16 = 2;
    pub const ST_RX_DROPPED: u16 = 3;
}

/// Counters, carried in a nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
pub struct Stats {
    /// Receive errors.
    #[nla(id = 1)]
    pub rx_errors: u32,
    /// Transmit errors.
    #[nla(id = 2)]
    pub tx_errors: u32,
    /// Dropped on receive.
    #[nla(id = 3)]
    pub rx_dropped: u64,
}

/// A network link as a family might describe it.
#[derive(Debug, Clone, PartialEq, AttrSet)]
pub struct Link<'a> {
    /// Interface index.
    #[nla(id = 1)]
    pub ifindex: u32,
    /// Interface name.
    #[nla(id = 2, max_len = 15)]
    pub name: &'a str,
    /// MTU.
    #[nla(id = 3)]
    pub mtu: u32,
    /// Smallest MTU.
    #[nla(id = 4)]
    pub min_mtu: u32,
    /// Largest MTU.
    #[nla(id = 5)]
    pub max_mtu: u32,
    /// Transmit queues.
    #[nla(id = 6)]
    pub tx_queues: u32,
    /// Receive queues.
    #[nla(id = 7)]
    pub rx_queues: u32,
    /// `IFF_*` flags.
    #[nla(id = 8)]
    pub flags: u32,
    /// Carrier state.
    #[nla(id = 9)]
    pub carrier: u8,
    /// Operational state.
    #[nla(id = 10)]
    pub operstate: u8,
    /// Device group.
    #[nla(id = 11)]
    pub group: u32,
    /// Bytes received.
    #[nla(id = 12)]
    pub rx_bytes: u64,
    /// Bytes sent.
    #[nla(id = 13)]
    pub tx_bytes: u64,
    /// Queueing discipline.
    #[nla(id = 14)]
    pub qdisc: &'a str,
    /// Alias.
    #[nla(id = 15)]
    pub alias: Option<&'a str>,
    /// A port, in network byte order.
    #[nla(id = 16, be)]
    pub port: Option<u16>,
    /// VLAN id.
    #[nla(id = 17)]
    pub vlan: u16,
    /// Scheduling weight.
    #[nla(id = 18)]
    pub weight: i32,
    /// Administratively up (a flag).
    #[nla(id = 19)]
    pub up: bool,
    /// Hardware address.
    #[nla(id = 20)]
    pub address: &'a [u8],
    /// Counters (a nest).
    #[nla(id = 21, nested)]
    pub stats: Stats,
    /// Queue ids (a repeated attribute), borrowed: decoding does not
    /// allocate.
    #[nla(id = 22, multi)]
    pub queues: CheckedMulti<'a, u32>,
}

/// The queue ids of the sample message.
pub const QUEUES: [u32; 16] = [
    0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103, 1000, 1001, 65535, 70000,
];

/// The sample message every contender encodes.
pub fn sample() -> Link<'static> {
    Link {
        ifindex: 7,
        name: "enp3s0f1",
        mtu: 1500,
        min_mtu: 68,
        max_mtu: 9216,
        tx_queues: 16,
        rx_queues: 16,
        flags: 0x1003,
        carrier: 1,
        operstate: 6,
        group: 0,
        rx_bytes: 123_456_789_012,
        tx_bytes: 98_765_432_109,
        qdisc: "fq_codel",
        alias: Some("uplink"),
        port: Some(8080),
        vlan: 42,
        weight: -3,
        up: true,
        address: &[0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
        stats: Stats {
            rx_errors: 3,
            tx_errors: 1,
            rx_dropped: 42,
        },
        queues: CheckedMulti::new(&QUEUES),
    }
}

/// Every value of a decoded message, as each contender extracts it
/// (strings borrowed where the library allows it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted<S> {
    /// Field values in declaration order.
    pub ifindex: u32,
    #[allow(missing_docs)]
    pub name: S,
    #[allow(missing_docs)]
    pub mtu: u32,
    #[allow(missing_docs)]
    pub min_mtu: u32,
    #[allow(missing_docs)]
    pub max_mtu: u32,
    #[allow(missing_docs)]
    pub tx_queues: u32,
    #[allow(missing_docs)]
    pub rx_queues: u32,
    #[allow(missing_docs)]
    pub flags: u32,
    #[allow(missing_docs)]
    pub carrier: u8,
    #[allow(missing_docs)]
    pub operstate: u8,
    #[allow(missing_docs)]
    pub group: u32,
    #[allow(missing_docs)]
    pub rx_bytes: u64,
    #[allow(missing_docs)]
    pub tx_bytes: u64,
    #[allow(missing_docs)]
    pub qdisc: S,
    #[allow(missing_docs)]
    pub alias: Option<S>,
    #[allow(missing_docs)]
    pub port: Option<u16>,
    #[allow(missing_docs)]
    pub vlan: u16,
    #[allow(missing_docs)]
    pub weight: i32,
    #[allow(missing_docs)]
    pub up: bool,
    /// The 6-byte hardware address.
    pub address: [u8; 6],
    /// Nest values.
    pub rx_errors: u32,
    #[allow(missing_docs)]
    pub tx_errors: u32,
    #[allow(missing_docs)]
    pub rx_dropped: u64,
    /// The repeated attribute: how many, and their sum (every value read).
    pub queue_count: u32,
    #[allow(missing_docs)]
    pub queue_sum: u64,
}

impl<S: AsRef<str>> Extracted<S> {
    /// A comparable summary (strings as `String`).
    pub fn normalize(&self) -> Extracted<String> {
        Extracted {
            ifindex: self.ifindex,
            name: self.name.as_ref().to_owned(),
            mtu: self.mtu,
            min_mtu: self.min_mtu,
            max_mtu: self.max_mtu,
            tx_queues: self.tx_queues,
            rx_queues: self.rx_queues,
            flags: self.flags,
            carrier: self.carrier,
            operstate: self.operstate,
            group: self.group,
            rx_bytes: self.rx_bytes,
            tx_bytes: self.tx_bytes,
            qdisc: self.qdisc.as_ref().to_owned(),
            alias: self.alias.as_ref().map(|s| s.as_ref().to_owned()),
            port: self.port,
            vlan: self.vlan,
            weight: self.weight,
            up: self.up,
            address: self.address,
            rx_errors: self.rx_errors,
            tx_errors: self.tx_errors,
            rx_dropped: self.rx_dropped,
            queue_count: self.queue_count,
            queue_sum: self.queue_sum,
        }
    }
}
