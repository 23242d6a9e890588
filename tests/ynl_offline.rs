//! The YNL families this host's kernel does not register (devlink, dpll,
//! fou, handshake, nfsd, nftables, ovs_flow, ovs_vport, tc, team), checked
//! against an implementation that is not genl: the kernel's own Python YNL
//! library (tools/net/ynl/lib of Linux 6.12). `tests/fixtures/ynl-msgs/
//! capture.py` had ynl.py encode one message per case (a request, a reply or
//! a notification), kept as `<family>-<op>-<dir>.hex` with ynl.py's decoding
//! of it beside it (`.json`).
//!
//! Each test decodes ynl.py's bytes with the imported binding
//! (`tests/ynl/kernel/*.rs`) and asserts the values, which are written here
//! by hand from the script's input (enum and flag names as the uapi
//! headers number them), then encodes the decoded value again with the
//! binding and compares the whole message with ynl.py's bytes.
//!
//! No kernel, root, network, Python or cache is needed: only the committed
//! fixtures. They are in little-endian host order (ynl.py packs host-order
//! integers with `struct`; they were made on x86-64), so the suite is for
//! little-endian targets.
#![cfg(target_endian = "little")]

mod common;

use genl_core::classic::ClassicOp;
use genl_core::{Bitfield32, Decode, Encode, FixedHeader, Headed, Sint, ValueEnum};
use genl_core::{Command, DoCommand, DumpCommand, Notification, Query};

#[path = "ynl/kernel/devlink.rs"]
#[allow(dead_code)]
mod devlink;
#[path = "ynl/kernel/dpll.rs"]
#[allow(dead_code)]
mod dpll;
#[path = "ynl/kernel/fou.rs"]
#[allow(dead_code)]
mod fou;
#[path = "ynl/kernel/handshake.rs"]
#[allow(dead_code)]
mod handshake;
#[path = "ynl/kernel/nfsd.rs"]
#[allow(dead_code)]
mod nfsd;
#[path = "ynl/kernel/nftables.rs"]
#[allow(dead_code)]
mod nftables;
#[path = "ynl/kernel/ovs_flow.rs"]
#[allow(dead_code)]
mod ovs_flow;
#[path = "ynl/kernel/ovs_vport.rs"]
#[allow(dead_code)]
mod ovs_vport;
#[path = "ynl/kernel/tc.rs"]
#[allow(dead_code)]
mod tc;
#[path = "ynl/kernel/team.rs"]
#[allow(dead_code)]
mod team;

/// The generic netlink family id capture.py gives every family (ynl.py would
/// ask nlctrl for it).
const FAMILY_ID: u16 = 0x1234;
/// The `nlmsg_seq` capture.py gives every message.
const SEQ: u32 = 0x5eed;
/// The `genlmsghdr.version` ynl.py writes into every message, whatever the
/// family's version (`YnlFamily._encode_message` passes 1).
const YNL_GENL_VERSION: u8 = 1;

// include/uapi/linux/netlink.h
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLA_F_NESTED: u16 = 0x8000;

/// One message ynl.py encoded: the bytes of `tests/fixtures/ynl-msgs/<stem>.hex`.
struct Fixture {
    stem: &'static str,
    bytes: Vec<u8>,
}

impl Fixture {
    /// Reads `<stem>.hex`, which holds exactly one netlink message whose
    /// `nlmsg_len` is the length of the line.
    fn load(stem: &'static str) -> Fixture {
        let mut lines = common::read_hex(&format!("ynl-msgs/{stem}.hex"));
        assert_eq!(lines.len(), 1, "{stem}: one message");
        let bytes = lines.remove(0);
        assert!(bytes.len() >= 16, "{stem}: shorter than nlmsghdr");
        let f = Fixture { stem, bytes };
        assert_eq!(f.u32_at(0) as usize, f.bytes.len(), "{stem}: nlmsg_len");
        assert_eq!(f.u32_at(12), 0, "{stem}: nlmsg_pid");
        assert_eq!(f.u32_at(8), SEQ, "{stem}: nlmsg_seq");
        f
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_ne_bytes(self.bytes[at..at + 4].try_into().unwrap())
    }

    fn nlmsg_type(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[4], self.bytes[5]])
    }

    fn nlmsg_flags(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[6], self.bytes[7]])
    }

    /// The `nlmsghdr` is `type` and `flags` (length, seq and pid are checked
    /// by [`Fixture::load`]).
    fn check_nlmsghdr(&self, ty: u16, flags: u16) {
        assert_eq!(self.nlmsg_type(), ty, "{}: nlmsg_type", self.stem);
        assert_eq!(self.nlmsg_flags(), flags, "{}: nlmsg_flags", self.stem);
    }

    /// A generic netlink message of family [`FAMILY_ID`] with command `C`
    /// and `flags`: returns what follows `genlmsghdr`.
    fn genl<C: Command>(&self, flags: u16) -> &[u8] {
        self.check_nlmsghdr(FAMILY_ID, flags);
        let g = &self.bytes[16..20];
        assert_eq!(g[0], C::ID, "{}: genlmsghdr.cmd", self.stem);
        assert_eq!(g[1], YNL_GENL_VERSION, "{}: genlmsghdr.version", self.stem);
        assert_eq!(&g[2..], [0, 0], "{}: genlmsghdr.reserved", self.stem);
        &self.bytes[20..]
    }

    /// A classic netlink message of type `ty` with `flags`: returns what
    /// follows `nlmsghdr`.
    fn raw(&self, ty: u16, flags: u16) -> &[u8] {
        self.check_nlmsghdr(ty, flags);
        &self.bytes[16..]
    }

    /// This message as the binding encodes `payload` (the attributes, or
    /// the fixed header and the attributes) behind the same headers.
    fn rebuilt(&self, payload: &impl Encode) -> Vec<u8> {
        let body = payload.encode_to_vec().expect("the binding encodes");
        let head = if self.nlmsg_type() == FAMILY_ID {
            20
        } else {
            16
        };
        let mut out = Vec::with_capacity(head + body.len());
        out.extend_from_slice(&((head + body.len()) as u32).to_ne_bytes());
        out.extend_from_slice(&self.bytes[4..head]);
        out.extend_from_slice(&body);
        out
    }

    /// The binding encodes the decoded `payload` to ynl.py's bytes exactly.
    fn assert_reencodes(&self, payload: &impl Encode) {
        assert_same_bytes(self.stem, &self.rebuilt(payload), &self.bytes);
    }

    /// As [`Fixture::assert_reencodes`], except that ynl.py sets
    /// `NLA_F_NESTED` on each attribute that is a sub-message with an
    /// attribute set (`YnlFamily._add_attr`), and the bindings keep a
    /// sub-message as the raw bytes of a binary attribute, written without
    /// the flag: the bytes differ there, in exactly `sub_messages` places,
    /// and nowhere else.
    fn assert_reencodes_but_nested_flag(&self, payload: &impl Encode, sub_messages: usize) {
        let ours = self.rebuilt(payload);
        assert_eq!(ours.len(), self.bytes.len(), "{}: length", self.stem);
        let mut flagged = 0;
        for (i, (&o, &y)) in ours.iter().zip(&self.bytes).enumerate() {
            if o != y {
                // The high byte of a little-endian nla_type: the attribute
                // header starts 3 bytes before it, 4-aligned.
                let hi = (NLA_F_NESTED >> 8) as u8;
                assert!(
                    y == o | hi && o & hi == 0 && i % 4 == 3,
                    "{}: byte {i} is {o:#04x}, ynl.py wrote {y:#04x}",
                    self.stem
                );
                flagged += 1;
            }
        }
        assert_eq!(
            flagged, sub_messages,
            "{}: NLA_F_NESTED differences",
            self.stem
        );
    }
}

/// `ours == ynl`, or a panic naming the first differing offset.
fn assert_same_bytes(stem: &str, ours: &[u8], ynl: &[u8]) {
    if ours != ynl {
        let at = ours
            .iter()
            .zip(ynl)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(ynl.len()));
        panic!(
            "{stem}: the binding's bytes differ from ynl.py's at offset {at}\n ours: {}\n ynl:  {}",
            hex(ours),
            hex(ynl)
        );
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Reads a struct carried in a binary attribute with the binding's
/// [`FixedHeader`], checks that writing it back gives the same bytes, and
/// returns it.
fn read_struct<H: FixedHeader>(bytes: &[u8]) -> H {
    assert_eq!(bytes.len(), H::LEN, "{}: size", H::C_NAME);
    let h = H::read(bytes);
    let mut back = vec![0; H::LEN];
    h.write(&mut back);
    assert_eq!(back, bytes, "{}: written back", H::C_NAME);
    h
}

/// `u32`s in host byte order, as a binary attribute of `sub-type: u32`.
fn ne_u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

#[test]
fn fou_add_request() {
    let f = Fixture::load("fou-add-request");
    let attrs = f.genl::<fou::cmd::Add>(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
    assert_eq!(fou::cmd::Add::ID, 1); // FOU_CMD_ADD
    let m = <fou::cmd::Add as DoCommand>::Request::decode(attrs).unwrap();
    assert_eq!(m.port, Some(5555));
    assert_eq!(
        &attrs[4..6],
        5555u16.to_be_bytes(),
        "FOU_ATTR_PORT is __be16"
    );
    assert_eq!(m.ipproto, Some(17));
    assert_eq!(m.r#type, Some(2));
    assert!(m.remcsum_nopartial);
    assert_eq!(m.local_v4, Some(0x0a00_0001));
    assert_eq!(m.peer_v4, Some(0x0a00_0002));
    assert_eq!(m.peer_port, Some(6666));
    assert_eq!(m.ifindex, Some(3));
    assert_eq!(m.af, None);
    assert_eq!(m.local_v6, None);
    assert_eq!(m.peer_v6, None);
    f.assert_reencodes(&m);
}

#[test]
fn team_options_set_request() {
    let f = Fixture::load("team-options-set-request");
    let attrs = f.genl::<team::cmd::OptionsSet>(NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(team::cmd::OptionsSet::ID, 1); // TEAM_CMD_OPTIONS_SET
    let m = <team::cmd::OptionsSet as DoCommand>::Request::decode(attrs).unwrap();
    assert_eq!(m.team_ifindex, Some(4));
    assert_eq!(m.list_port, None);
    let o = m.list_option.as_ref().unwrap().option.as_ref().unwrap();
    assert_eq!(o.name, Some("mode"));
    assert_eq!(o.r#type, Some(3));
    assert_eq!(o.data, Some(&b"activebackup\0"[..]));
    assert_eq!(o.port_ifindex, Some(5));
    assert_eq!(o.array_index, Some(1));
    assert!(!o.changed && !o.removed);
    f.assert_reencodes(&m);
}

#[test]
fn team_port_list_get_reply() {
    let f = Fixture::load("team-port-list-get-reply");
    let attrs = f.genl::<team::cmd::PortListGet>(0);
    assert_eq!(team::cmd::PortListGet::ID, 3); // TEAM_CMD_PORT_LIST_GET
    let m = <team::cmd::PortListGet as Query>::Reply::decode(attrs).unwrap();
    assert_eq!(m.team_ifindex, Some(4));
    assert_eq!(m.list_option, None);
    let p = m.list_port.as_ref().unwrap().port.as_ref().unwrap();
    assert_eq!(p.ifindex, Some(5));
    assert!(p.changed);
    assert!(p.linkup);
    assert_eq!(p.speed, Some(10000));
    assert_eq!(p.duplex, Some(1));
    assert!(!p.removed);
    f.assert_reencodes(&m);
}

#[test]
fn devlink_info_get_reply() {
    let f = Fixture::load("devlink-info-get-reply");
    let attrs = f.genl::<devlink::cmd::InfoGet>(0);
    assert_eq!(devlink::cmd::InfoGet::ID, 51); // DEVLINK_CMD_INFO_GET
    let m = <devlink::cmd::InfoGet as Query>::Reply::decode(attrs).unwrap();
    assert_eq!(m.bus_name, Some("pci"));
    assert_eq!(m.dev_name, Some("0000:01:00.0"));
    assert_eq!(m.info_driver_name, Some("mlx5_core"));
    assert_eq!(m.info_serial_number, Some("MT1234X00001"));
    fn versions<'a>(v: &[devlink::DlInfoVersion<'a>]) -> Vec<(&'a str, &'a str)> {
        v.iter()
            .map(|v| (v.info_version_name.unwrap(), v.info_version_value.unwrap()))
            .collect()
    }
    assert_eq!(
        versions(&m.info_version_fixed),
        [("fw.psid", "MT_0000000008"), ("board.id", "MT_123")]
    );
    assert_eq!(
        versions(&m.info_version_running),
        [("fw.version", "16.35.2000")]
    );
    assert!(m.info_version_stored.is_empty());
    f.assert_reencodes(&m);
}

#[test]
fn devlink_port_set_request() {
    let f = Fixture::load("devlink-port-set-request");
    let attrs = f.genl::<devlink::cmd::PortSet>(NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(devlink::cmd::PortSet::ID, 6); // DEVLINK_CMD_PORT_SET
    let m = <devlink::cmd::PortSet as DoCommand>::Request::decode(attrs).unwrap();
    assert_eq!(m.bus_name, Some("pci"));
    assert_eq!(m.dev_name, Some("0000:01:00.0"));
    assert_eq!(m.port_index, Some(131072));
    assert_eq!(m.port_type, Some(2)); // DEVLINK_PORT_TYPE_ETH
    assert_eq!(
        devlink::PortType::from_value(2),
        Some(devlink::PortType::Eth)
    );
    let pf = m.port_function.as_ref().unwrap();
    assert_eq!(pf.hw_addr, Some(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55][..]));
    assert_eq!(pf.state, Some(1)); // DEVLINK_PORT_FN_STATE_ACTIVE
    assert_eq!(pf.opstate, None);
    // DEVLINK_PORT_FN_CAP_ROCE = bit 0, _MIGRATABLE = bit 1.
    assert_eq!(
        pf.caps,
        Some(Bitfield32 {
            value: 0b01,
            selector: 0b11
        })
    );
    f.assert_reencodes(&m);
}

#[test]
fn dpll_pin_change_ntf() {
    let f = Fixture::load("dpll-pin-change-ntf-notify");
    let attrs = f.genl::<dpll::cmd::PinChangeNtf>(0);
    assert_eq!(dpll::cmd::PinChangeNtf::ID, 12); // DPLL_CMD_PIN_CHANGE_NTF
    assert_eq!(<dpll::cmd::PinChangeNtf as Notification>::GROUP, "monitor");
    let m = <dpll::cmd::PinChangeNtf as Notification>::Event::decode(attrs).unwrap();
    assert_eq!(m.id, Some(3));
    assert_eq!(m.module_name, Some("ice"));
    assert_eq!(m.clock_id, Some(0x0123_4567_89ab_cdef));
    assert_eq!(m.board_label, Some("SMA1"));
    assert_eq!(m.r#type, Some(2)); // DPLL_PIN_TYPE_EXT
    assert_eq!(dpll::PinType::from_value(2), Some(dpll::PinType::Ext));
    assert_eq!(m.frequency, Some(10_000_000));
    let ranges: Vec<_> = m
        .frequency_supported
        .iter()
        .map(|r| (r.frequency_min.unwrap(), r.frequency_max.unwrap()))
        .collect();
    assert_eq!(ranges, [(1, 25_000_000), (10_000_000, 10_000_000)]);
    // DPLL_PIN_CAPABILITIES_DIRECTION_CAN_CHANGE | _STATE_CAN_CHANGE
    assert_eq!(m.capabilities, Some(1 | 4));
    assert_eq!(m.parent_device.len(), 1);
    let pd = &m.parent_device[0];
    assert_eq!(pd.parent_id, Some(0));
    assert_eq!(pd.direction, Some(1)); // DPLL_PIN_DIRECTION_INPUT
    assert_eq!(pd.prio, Some(2));
    assert_eq!(pd.state, Some(1)); // DPLL_PIN_STATE_CONNECTED
    assert_eq!(pd.phase_offset, Some(-1234));
    assert!(m.parent_pin.is_empty());
    assert_eq!(m.phase_adjust_min, Some(-16000));
    assert_eq!(m.phase_adjust_max, Some(16000));
    assert_eq!(m.phase_adjust, None);
    // A `sint`: ynl.py wrote 4 bytes for a value that fits.
    assert_eq!(m.fractional_frequency_offset, Some(Sint(-5)));
    f.assert_reencodes(&m);
}

#[test]
fn dpll_device_get_reply() {
    let f = Fixture::load("dpll-device-get-reply");
    let attrs = f.genl::<dpll::cmd::DeviceGet>(0);
    assert_eq!(dpll::cmd::DeviceGet::ID, 2); // DPLL_CMD_DEVICE_GET
    let m = <dpll::cmd::DeviceGet as Query>::Reply::decode(attrs).unwrap();
    assert_eq!(m.id, Some(0));
    assert_eq!(m.module_name, Some("ice"));
    assert_eq!(m.clock_id, Some(0x0123_4567_89ab_cdef));
    assert_eq!(m.mode, Some(2)); // DPLL_MODE_AUTOMATIC
    assert_eq!(m.mode_supported, [2, 1]); // AUTOMATIC, MANUAL
    assert_eq!(m.lock_status, Some(3)); // DPLL_LOCK_STATUS_LOCKED_HO_ACQ
    assert_eq!(m.temp, Some(-2500));
    assert_eq!(m.r#type, Some(2)); // DPLL_TYPE_EEC
    assert_eq!(m.lock_status_error, None);
    f.assert_reencodes(&m);
}

#[test]
fn handshake_accept_reply() {
    let f = Fixture::load("handshake-accept-reply");
    let attrs = f.genl::<handshake::cmd::Accept>(0);
    assert_eq!(handshake::cmd::Accept::ID, 2); // HANDSHAKE_CMD_ACCEPT
    let m = <handshake::cmd::Accept as Query>::Reply::decode(attrs).unwrap();
    assert_eq!(m.sockfd, Some(7));
    assert_eq!(m.handler_class, None);
    assert_eq!(m.message_type, Some(1)); // HANDSHAKE_MSG_TYPE_CLIENTHELLO
    assert_eq!(m.timeout, Some(5000));
    assert_eq!(m.auth_mode, Some(3)); // HANDSHAKE_AUTH_X509
    assert_eq!(m.peer_identity, [11, 12]);
    assert_eq!(m.certificate.len(), 1);
    assert_eq!(m.certificate[0].cert, Some(8));
    assert_eq!(m.certificate[0].privkey, Some(9));
    assert_eq!(m.peername, Some("server.example"));
    f.assert_reencodes(&m);
}

#[test]
fn handshake_done_request() {
    let f = Fixture::load("handshake-done-request");
    let attrs = f.genl::<handshake::cmd::Done>(NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(handshake::cmd::Done::ID, 3); // HANDSHAKE_CMD_DONE
    let m = <handshake::cmd::Done as DoCommand>::Request::decode(attrs).unwrap();
    assert_eq!(m.status, Some(0));
    assert_eq!(m.sockfd, Some(7));
    assert_eq!(m.remote_auth, [11]);
    f.assert_reencodes(&m);
}

#[test]
fn nfsd_rpc_status_get_dump_reply() {
    let f = Fixture::load("nfsd-rpc-status-get-reply");
    let attrs = f.genl::<nfsd::cmd::RpcStatusGet>(NLM_F_MULTI);
    assert_eq!(nfsd::cmd::RpcStatusGet::ID, 1); // NFSD_CMD_RPC_STATUS_GET
    let m = <nfsd::cmd::RpcStatusGet as DumpCommand>::Item::decode(attrs).unwrap();
    assert_eq!(m.xid, Some(0xdead_beef));
    assert_eq!(&attrs[4..8], [0xde, 0xad, 0xbe, 0xef], "xid is __be32");
    assert_eq!(m.flags, Some(3));
    assert_eq!(m.prog, Some(100003));
    assert_eq!(m.version, Some(4));
    assert_eq!(m.proc, Some(1));
    assert_eq!(m.service_time, Some(1_234_567));
    assert_eq!(m.saddr4, Some(0xc000_0201)); // 192.0.2.1
    assert_eq!(m.daddr4, Some(0xc000_0202)); // 192.0.2.2
    assert_eq!(m.saddr6, None);
    assert_eq!(m.daddr6, None);
    assert_eq!(m.sport, Some(2049));
    assert_eq!(m.dport, Some(700));
    assert_eq!(m.compound_ops, [53, 22, 9]);
    f.assert_reencodes(&m);
}

#[test]
fn nfsd_listener_set_request() {
    let f = Fixture::load("nfsd-listener-set-request");
    let attrs = f.genl::<nfsd::cmd::ListenerSet>(NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(nfsd::cmd::ListenerSet::ID, 6); // NFSD_CMD_LISTENER_SET
    let m = <nfsd::cmd::ListenerSet as DoCommand>::Request::decode(attrs).unwrap();
    assert_eq!(m.addr.len(), 2);
    assert_eq!(
        m.addr[0].addr,
        Some(&[2, 0, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..])
    );
    assert_eq!(m.addr[0].transport_name, Some("tcp"));
    assert_eq!(m.addr[1].addr, Some(&[2, 0, 0x50, 0x14, 0, 0, 0, 0][..]));
    assert_eq!(m.addr[1].transport_name, Some("rdma"));
    f.assert_reencodes(&m);
}

#[test]
fn ovs_vport_new_request() {
    let f = Fixture::load("ovs_vport-new-request");
    let payload = f.genl::<ovs_vport::cmd::New>(NLM_F_REQUEST | NLM_F_ACK);
    assert_eq!(ovs_vport::cmd::New::ID, 1); // OVS_VPORT_CMD_NEW
    let m: Headed<ovs_vport::OvsHeader, ovs_vport::Vport<'_>> =
        <ovs_vport::cmd::New as DoCommand>::Request::decode(payload).unwrap();
    assert_eq!(m.header.dp_ifindex, 5);
    let a = &m.attrs;
    assert_eq!(a.port_no, None);
    assert_eq!(a.r#type, Some(4)); // OVS_VPORT_TYPE_VXLAN
    assert_eq!(
        ovs_vport::VportType::from_value(4),
        Some(ovs_vport::VportType::Vxlan)
    );
    assert_eq!(a.name, Some("vx0"));
    let o = a.options.as_ref().unwrap();
    assert_eq!(o.dst_port, Some(4789));
    assert_eq!(o.extension, None);
    assert_eq!(a.upcall_pid, Some(&ne_u32s(&[100, 101])[..]));
    assert_eq!(a.ifindex, Some(0));
    f.assert_reencodes(&m);
}

#[test]
fn ovs_vport_get_reply() {
    let f = Fixture::load("ovs_vport-get-reply");
    let payload = f.genl::<ovs_vport::cmd::Get>(0);
    assert_eq!(ovs_vport::cmd::Get::ID, 3); // OVS_VPORT_CMD_GET
    let m = <ovs_vport::cmd::Get as Query>::Reply::decode(payload).unwrap();
    assert_eq!(m.header.dp_ifindex, 5);
    let a = &m.attrs;
    assert_eq!(a.port_no, Some(2));
    assert_eq!(a.r#type, Some(2)); // OVS_VPORT_TYPE_INTERNAL
    assert_eq!(a.name, Some("br0"));
    assert_eq!(a.upcall_pid, Some(&ne_u32s(&[100])[..]));
    let s: ovs_vport::VportStats = read_struct(a.stats.unwrap());
    assert_eq!(
        s,
        ovs_vport::VportStats {
            rx_packets: 10,
            tx_packets: 20,
            rx_bytes: 1000,
            tx_bytes: 2000,
            rx_errors: 1,
            tx_errors: 2,
            rx_dropped: 3,
            tx_dropped: 4,
        }
    );
    assert_eq!(a.ifindex, Some(9));
    assert_eq!(a.netnsid, Some(0));
    // OVS_VPORT_UPCALL_ATTR_SUCCESS is attribute 0.
    let u = a.upcall_stats.as_ref().unwrap();
    assert_eq!(u.success, Some(10));
    assert_eq!(u.fail, Some(1));
    f.assert_reencodes(&m);
}

#[test]
fn ovs_flow_new_request() {
    let f = Fixture::load("ovs_flow-new-request");
    let payload = f.genl::<ovs_flow::cmd::New>(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
    assert_eq!(ovs_flow::cmd::New::ID, 1); // OVS_FLOW_CMD_NEW
    let m = <ovs_flow::cmd::New as DoCommand>::Request::decode(payload).unwrap();
    assert_eq!(m.header.dp_ifindex, 5);
    let key = m.attrs.key.as_ref().unwrap();
    assert_eq!(key.in_port, Some(2));
    let eth: ovs_flow::OvsKeyEthernet = read_struct(key.ethernet.unwrap());
    assert_eq!(eth.eth_src, [2, 0, 0, 0, 0, 1]);
    assert_eq!(eth.eth_dst, [2, 0, 0, 0, 0, 2]);
    assert_eq!(key.ethertype, Some(0x0800));
    let ip: ovs_flow::OvsKeyIpv4 = read_struct(key.ipv4.unwrap());
    assert_eq!(ip.ipv4_src, 0x0a00_0001); // 10.0.0.1, big-endian
    assert_eq!(ip.ipv4_dst, 0x0a00_0002);
    assert_eq!(ip.ipv4_proto, 6);
    assert_eq!(ip.ipv4_tos, 0);
    assert_eq!(ip.ipv4_ttl, 64);
    assert_eq!(ip.ipv4_frag, 0); // OVS_FRAG_TYPE_NONE
                                 // OVS_TUNNEL_KEY_ATTR_ID is attribute 0, a __be64.
    let tun = key.tunnel.as_ref().unwrap();
    assert_eq!(tun.id, Some(42));
    assert_eq!(tun.ipv4_dst, Some(0xc0a8_0001));
    assert_eq!(tun.ttl, Some(64));
    assert!(tun.csum);
    assert!(!tun.dont_fragment && !tun.oam);
    assert_eq!(tun.tp_dst, Some(4789));
    let act = m.attrs.actions.as_ref().unwrap();
    assert_eq!(act.output, Some(3));
    let ct = act.ct.as_ref().unwrap();
    assert!(ct.commit);
    assert_eq!(ct.zone, Some(7));
    assert_eq!(m.attrs.mask, None);
    assert_eq!(
        m.attrs.ufid,
        Some(
            &[
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff
            ][..]
        )
    );
    f.assert_reencodes(&m);
}

#[test]
fn nftables_batch_begin_request() {
    type Op = nftables::ops::BatchBegin;
    let f = Fixture::load("nftables-batch-begin-request");
    assert_eq!(Op::REQUEST, 16); // NFNL_MSG_BATCH_BEGIN
    let payload = f.raw(Op::REQUEST, NLM_F_REQUEST | NLM_F_ACK);
    let m = <Op as ClassicOp>::Request::decode(payload).unwrap();
    assert_eq!(
        m.header,
        nftables::Nfgenmsg {
            nfgen_family: 0, // AF_UNSPEC
            version: 0,      // NFNETLINK_V0
            res_id: 10,      // NFNL_SUBSYS_NFTABLES
        }
    );
    assert_eq!(&payload[2..4], [0, 10], "res_id is __be16");
    assert_eq!(m.attrs.genid, Some(7));
    f.assert_reencodes(&m);
}

#[test]
fn nftables_newtable_request() {
    type Op = nftables::ops::Newtable;
    let f = Fixture::load("nftables-newtable-request");
    assert_eq!(Op::PROTOCOL, 12); // NETLINK_NETFILTER
    assert_eq!(Op::REQUEST, 10 << 8); // NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWTABLE
    let payload = f.raw(
        Op::REQUEST,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    );
    let m = <Op as ClassicOp>::Request::decode(payload).unwrap();
    assert_eq!(
        m.header,
        nftables::Nfgenmsg {
            nfgen_family: 2, // NFPROTO_IPV4
            version: 0,
            res_id: 0,
        }
    );
    assert_eq!(m.attrs.name, Some("filter"));
    assert_eq!(m.attrs.flags, Some(1)); // NFT_TABLE_F_DORMANT
    assert_eq!(m.attrs.r#use, None);
    assert_eq!(m.attrs.handle, None);
    assert_eq!(m.attrs.userdata, Some(&[1, 2, 3, 4, 5][..]));
    f.assert_reencodes(&m);
}

#[test]
fn nftables_newrule_request_with_expression_sub_messages() {
    type Op = nftables::ops::Newrule;
    let f = Fixture::load("nftables-newrule-request");
    assert_eq!(Op::REQUEST, (10 << 8) | 6); // NFT_MSG_NEWRULE
    let payload = f.raw(Op::REQUEST, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
    let m = <Op as ClassicOp>::Request::decode(payload).unwrap();
    assert_eq!(m.header.nfgen_family, 2);
    assert_eq!(m.attrs.table, Some("filter"));
    assert_eq!(m.attrs.chain, Some("input"));
    assert_eq!(m.attrs.handle, None);
    let elems = &m.attrs.expressions.as_ref().unwrap().elem;
    let names: Vec<_> = elems.iter().map(|e| e.name.unwrap()).collect();
    assert_eq!(names, ["meta", "cmp", "immediate"]);

    // Each expression's `data` is a sub-message chosen by its `name`.
    use nftables::ExprOps;
    let ops: Vec<ExprOps<'_>> = elems
        .iter()
        .map(|e| e.data_msg().unwrap().unwrap())
        .collect();
    let ExprOps::Meta(meta) = &ops[0] else {
        panic!("meta: {:?}", ops[0])
    };
    assert_eq!(meta.dreg, Some(1));
    assert_eq!(meta.key, Some(16)); // NFT_META_L4PROTO
    assert_eq!(meta.sreg, None);
    let ExprOps::Cmp(cmp) = &ops[1] else {
        panic!("cmp: {:?}", ops[1])
    };
    assert_eq!(cmp.sreg, Some(1));
    assert_eq!(cmp.op, Some(0)); // NFT_CMP_EQ
    assert_eq!(cmp.data.as_ref().unwrap().value, Some(&[6u8][..]));
    let ExprOps::Immediate(imm) = &ops[2] else {
        panic!("immediate: {:?}", ops[2])
    };
    assert_eq!(imm.dreg, Some(0));
    let verdict = imm.data.as_ref().unwrap().verdict.as_ref().unwrap();
    assert_eq!(verdict.code, Some(1)); // NF_ACCEPT
    assert_eq!(verdict.chain, None);

    // The sub-messages, encoded by the binding, are ynl.py's bytes.
    let sub = |e: &nftables::ExprAttrs<'_>, encoded: Vec<u8>| {
        assert_same_bytes(f.stem, &encoded, e.data.unwrap());
    };
    sub(&elems[0], meta.encode_to_vec().unwrap());
    sub(&elems[1], cmp.encode_to_vec().unwrap());
    sub(&elems[2], imm.encode_to_vec().unwrap());
    // The three `data` attributes carry NLA_F_NESTED in ynl.py's bytes.
    f.assert_reencodes_but_nested_flag(&m, 3);
}

#[test]
fn tc_newqdisc_fq_codel_request() {
    type Op = tc::ops::Newqdisc;
    let f = Fixture::load("tc-newqdisc-request");
    assert_eq!(Op::PROTOCOL, 0); // NETLINK_ROUTE
    assert_eq!(Op::REQUEST, 36); // RTM_NEWQDISC
    let payload = f.raw(Op::REQUEST, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
    assert_eq!(<tc::Tcmsg as FixedHeader>::LEN, 20);
    let m = <Op as ClassicOp>::Request::decode(payload).unwrap();
    assert_eq!(
        m.header,
        tc::Tcmsg {
            family: 0,
            ifindex: 7,
            handle: 0x1_0000,
            parent: 0xffff_ffff, // TC_H_ROOT
            info: 0,
        }
    );
    assert_eq!(m.attrs.kind, Some("fq_codel"));
    let tc::TcOptionsMsg::FqCodel(o) = m.attrs.options_msg().unwrap().unwrap() else {
        panic!("options of fq_codel")
    };
    assert_eq!(o.target, Some(5000));
    assert_eq!(o.limit, Some(10240));
    assert_eq!(o.interval, Some(100_000));
    assert_eq!(o.ecn, Some(1));
    assert_eq!(o.flows, Some(1024));
    assert_eq!(o.quantum, Some(1514));
    assert_eq!(o.ce_threshold, None);
    assert_eq!(o.ce_threshold_selector, Some(1));
    assert_eq!(o.ce_threshold_mask, None);
    assert_same_bytes(
        f.stem,
        &o.encode_to_vec().unwrap(),
        m.attrs.options.unwrap(),
    );
    // TCA_OPTIONS carries NLA_F_NESTED in ynl.py's bytes.
    f.assert_reencodes_but_nested_flag(&m, 1);
}

#[test]
fn tc_newqdisc_netem_request_sub_message_with_fixed_header() {
    type Op = tc::ops::Newqdisc;
    let f = Fixture::load("tc-newqdisc-netem-request");
    let payload = f.raw(Op::REQUEST, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
    let m = <Op as ClassicOp>::Request::decode(payload).unwrap();
    assert_eq!(m.header.ifindex, 7);
    assert_eq!(m.header.handle, 0x2_0000);
    assert_eq!(m.header.parent, 0xffff_ffff);
    assert_eq!(m.attrs.kind, Some("netem"));
    let tc::TcOptionsMsg::Netem(o) = m.attrs.options_msg().unwrap().unwrap() else {
        panic!("options of netem")
    };
    assert_eq!(
        o.header,
        tc::TcNetemQopt {
            latency: 100_000,
            limit: 1000,
            loss: 0,
            gap: 0,
            duplicate: 0,
            jitter: 0,
        }
    );
    assert_eq!(o.attrs.ecn, Some(1));
    assert_eq!(o.attrs.latency64, Some(100_000_000));
    assert_eq!(o.attrs.jitter64, Some(-1));
    assert_eq!(o.attrs.loss, None);
    assert_eq!(o.attrs.rate64, None);
    assert_same_bytes(
        f.stem,
        &o.encode_to_vec().unwrap(),
        m.attrs.options.unwrap(),
    );
    // TCA_OPTIONS carries NLA_F_NESTED in ynl.py's bytes (it has an
    // attribute set after its fixed header).
    f.assert_reencodes_but_nested_flag(&m, 1);
}
