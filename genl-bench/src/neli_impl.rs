//! The benchmark message with neli 0.7: `neli_enum` attribute types,
//! `NlattrBuilder`/`AttrTypeBuilder`/`GenlmsghdrBuilder`/`NlmsghdrBuilder`
//! to encode, `Nlmsghdr::from_bytes` and the attribute accessors to decode;
//! `NlRouter` for kernel requests.

use std::io::Cursor;

use neli::{
    attr::Attribute,
    consts::{genl::Cmd, genl::NlAttrType, nl::NlmF, socket::NlFamily},
    err::{DeError, SerError},
    genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder},
    neli_enum,
    nl::{NlPayload, Nlmsghdr, NlmsghdrBuilder},
    router::synchronous::NlRouter,
    types::{Buffer, GenlBuffer},
    utils::Groups,
    FromBytes, Size, ToBytes,
};

use crate::msg::{Extracted, Link, CMD, FAMILY_ID, SEQ, VERSION};

/// The command (`CMD`).
#[neli_enum(serialized_type = "u8")]
pub enum BenchCmd {
    /// Unused.
    Unspec = 0,
    /// The benchmark command.
    Get = 3,
}
impl Cmd for BenchCmd {}

/// Top-level attribute ids.
#[neli_enum(serialized_type = "u16")]
#[allow(missing_docs)]
pub enum BenchAttr {
    Unspec = 0,
    Ifindex = 1,
    Name = 2,
    Mtu = 3,
    MinMtu = 4,
    MaxMtu = 5,
    TxQueues = 6,
    RxQueues = 7,
    Flags = 8,
    Carrier = 9,
    Operstate = 10,
    Group = 11,
    RxBytes = 12,
    TxBytes = 13,
    Qdisc = 14,
    Alias = 15,
    Port = 16,
    Vlan = 17,
    Weight = 18,
    Up = 19,
    Address = 20,
    Stats = 21,
    Queue = 22,
}
impl NlAttrType for BenchAttr {}

/// Attribute ids in the stats nest.
#[neli_enum(serialized_type = "u16")]
#[allow(missing_docs)]
pub enum StatsAttr {
    Unspec = 0,
    RxErrors = 1,
    TxErrors = 2,
    RxDropped = 3,
}
impl NlAttrType for StatsAttr {}

type Msg = Nlmsghdr<u16, Genlmsghdr<BenchCmd, BenchAttr>>;

/// Any neli failure, as a message.
pub type NeliError = Box<dyn std::error::Error>;

fn attr<T: NlAttrType, P: Size + ToBytes>(t: T, p: P) -> Result<Nlattr<T, Buffer>, NeliError> {
    Ok(NlattrBuilder::default()
        .nla_type(AttrTypeBuilder::default().nla_type(t).build()?)
        .nla_payload(p)
        .build()?)
}

/// Builds neli's message from the application's values and serializes it
/// into `buf` (reused: cleared, then written by neli's cursor).
#[inline(never)]
pub fn encode(l: &Link<'_>, buf: &mut Vec<u8>) -> Result<(), NeliError> {
    use BenchAttr as A;
    let mut attrs = GenlBuffer::new();
    attrs.push(attr(A::Ifindex, l.ifindex)?);
    attrs.push(attr(A::Name, l.name)?);
    attrs.push(attr(A::Mtu, l.mtu)?);
    attrs.push(attr(A::MinMtu, l.min_mtu)?);
    attrs.push(attr(A::MaxMtu, l.max_mtu)?);
    attrs.push(attr(A::TxQueues, l.tx_queues)?);
    attrs.push(attr(A::RxQueues, l.rx_queues)?);
    attrs.push(attr(A::Flags, l.flags)?);
    attrs.push(attr(A::Carrier, l.carrier)?);
    attrs.push(attr(A::Operstate, l.operstate)?);
    attrs.push(attr(A::Group, l.group)?);
    attrs.push(attr(A::RxBytes, l.rx_bytes)?);
    attrs.push(attr(A::TxBytes, l.tx_bytes)?);
    attrs.push(attr(A::Qdisc, l.qdisc)?);
    if let Some(a) = l.alias {
        attrs.push(attr(A::Alias, a)?);
    }
    if let Some(p) = l.port {
        attrs.push(attr(A::Port, p.to_be_bytes())?);
    }
    attrs.push(attr(A::Vlan, l.vlan)?);
    attrs.push(attr(A::Weight, l.weight)?);
    if l.up {
        attrs.push(attr(A::Up, &[][..])?);
    }
    attrs.push(attr(A::Address, l.address)?);
    let stats = NlattrBuilder::default()
        .nla_type(
            AttrTypeBuilder::default()
                .nla_type(A::Stats)
                .nla_nested(true)
                .build()?,
        )
        .nla_payload(Buffer::new())
        .build()?
        .nest(&attr(StatsAttr::RxErrors, l.stats.rx_errors)?)?
        .nest(&attr(StatsAttr::TxErrors, l.stats.tx_errors)?)?
        .nest(&attr(StatsAttr::RxDropped, l.stats.rx_dropped)?)?;
    attrs.push(stats);
    for q in l.queues.iter() {
        attrs.push(attr(A::Queue, q)?);
    }
    let genl = GenlmsghdrBuilder::default()
        .cmd(BenchCmd::Get)
        .version(VERSION)
        .attrs(attrs)
        .build()?;
    let msg: Msg = NlmsghdrBuilder::default()
        .nl_type(FAMILY_ID)
        .nl_flags(NlmF::REQUEST | NlmF::ACK)
        .nl_seq(SEQ)
        .nl_pid(0)
        .nl_payload(NlPayload::Payload(genl))
        .build()?;
    let mut v = std::mem::take(buf);
    v.clear();
    let mut c = Cursor::new(v);
    let r: Result<(), SerError> = msg.to_bytes(&mut c);
    *buf = c.into_inner();
    r?;
    debug_assert_eq!(CMD, 3);
    Ok(())
}

fn de(msg: &str) -> NeliError {
    Box::new(DeError::new(msg))
}

fn nul_trimmed(s: &str) -> &str {
    s.trim_end_matches('\0')
}

/// Parses a whole message with neli and extracts every value.
#[inline(never)]
pub fn decode(bytes: &[u8]) -> Result<Extracted<String>, NeliError> {
    use BenchAttr as A;
    let msg = Msg::from_bytes(&mut Cursor::new(bytes))?;
    let genl = msg.get_payload().ok_or_else(|| de("no payload"))?;
    let mut e = Extracted::<String>::default();
    for a in genl.attrs().iter() {
        match a.nla_type().nla_type() {
            A::Ifindex => e.ifindex = a.get_payload_as()?,
            A::Name => e.name = nul_trimmed(a.get_payload_as_with_len_borrowed::<&str>()?).into(),
            A::Mtu => e.mtu = a.get_payload_as()?,
            A::MinMtu => e.min_mtu = a.get_payload_as()?,
            A::MaxMtu => e.max_mtu = a.get_payload_as()?,
            A::TxQueues => e.tx_queues = a.get_payload_as()?,
            A::RxQueues => e.rx_queues = a.get_payload_as()?,
            A::Flags => e.flags = a.get_payload_as()?,
            A::Carrier => e.carrier = a.get_payload_as()?,
            A::Operstate => e.operstate = a.get_payload_as()?,
            A::Group => e.group = a.get_payload_as()?,
            A::RxBytes => e.rx_bytes = a.get_payload_as()?,
            A::TxBytes => e.tx_bytes = a.get_payload_as()?,
            A::Qdisc => e.qdisc = nul_trimmed(a.get_payload_as_with_len_borrowed::<&str>()?).into(),
            A::Alias => {
                e.alias = Some(nul_trimmed(a.get_payload_as_with_len_borrowed::<&str>()?).into())
            }
            A::Port => e.port = Some(u16::from_be_bytes(a.get_payload_as::<[u8; 2]>()?)),
            A::Vlan => e.vlan = a.get_payload_as()?,
            A::Weight => e.weight = a.get_payload_as()?,
            A::Up => e.up = true,
            A::Address => e.address = a.get_payload_as()?,
            A::Stats => {
                let h = a.get_attr_handle::<StatsAttr>()?;
                for s in h.iter() {
                    match s.nla_type().nla_type() {
                        StatsAttr::RxErrors => e.rx_errors = s.get_payload_as()?,
                        StatsAttr::TxErrors => e.tx_errors = s.get_payload_as()?,
                        StatsAttr::RxDropped => e.rx_dropped = s.get_payload_as()?,
                        _ => {}
                    }
                }
            }
            A::Queue => {
                e.queue_sum += u64::from(a.get_payload_as::<u32>()?);
                e.queue_count += 1;
            }
            _ => {}
        }
    }
    Ok(e)
}

/// A neli router (it runs its own receiving thread).
pub struct NeliClient {
    router: NlRouter,
}

impl NeliClient {
    /// Connects a generic netlink router.
    pub fn new() -> Result<Self, NeliError> {
        let (router, _multicast) = NlRouter::connect(NlFamily::Generic, None, Groups::empty())?;
        Ok(NeliClient { router })
    }

    /// `CTRL_CMD_GETFAMILY` by name (neli's `resolve_genl_family`, which
    /// asks the kernel every time): the family id.
    #[inline(never)]
    pub fn get_family(&self, name: &str) -> Result<u16, NeliError> {
        Ok(self.router.resolve_genl_family(name)?)
    }
}
