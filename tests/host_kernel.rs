//! Host-kernel suite: genl against the running kernel, with expected values
//! from iproute2 (`genl ctrl list`) and from the kernel's own messages.

mod common;

use std::process::Command;

use genl_core::controller::{ctrl_cmd, CtrlCmd, FamilyInfo, GetFamily};
use genl_core::{AttrSet, Connection, Error, Family};

use common::iproute2_families;

fn ours(conn: &mut Connection) -> Vec<common::IpFamily> {
    conn.dump(ctrl_cmd::GetFamily, &())
        .unwrap()
        .map(|f| common::IpFamily::from_info(&f))
        .unwrap()
}

#[test]
fn dump_agrees_with_iproute2() {
    let mut conn = Connection::new().unwrap();
    let expected = iproute2_families();
    let got = ours(&mut conn);
    assert!(expected.iter().any(|f| f.name == "nlctrl"));
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.into_iter().zip(&expected) {
        assert_eq!(g.masked_like(e), *e);
    }
}

#[test]
fn resolves_well_known_families_to_iproute2_ids() {
    let expected = iproute2_families();
    let mut conn = Connection::new().unwrap();
    for name in ["nlctrl", "ethtool", "netdev"] {
        let Some(e) = expected.iter().find(|f| f.name == name) else {
            common::skip(&format!("{name} is not registered on this kernel"));
            continue;
        };
        let r = conn.resolve(name).unwrap().clone();
        assert_eq!(u32::from(r.id), e.id, "{name}");
        assert_eq!(r.mcast_groups, e.groups, "{name}");
    }
    assert!(matches!(
        conn.resolve("genl-no-such"),
        Err(Error::FamilyNotFound(n)) if n == "genl-no-such"
    ));
}

/// A subset of ethtool's schema (`Documentation/netlink/specs/ethtool.yaml`).
mod ethtool {
    use super::*;

    #[derive(Debug, AttrSet)]
    pub struct Header<'a> {
        #[nla(id = 1)]
        pub dev_index: Option<u32>,
        #[nla(id = 2)]
        pub dev_name: Option<&'a str>,
        #[nla(id = 3)]
        pub flags: Option<u32>,
    }

    #[derive(Debug, AttrSet)]
    pub struct LinkInfoGet<'a> {
        #[nla(id = 1, nested)]
        pub header: Header<'a>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Cmd {
        #[genl(cmd = 2, request = LinkInfoGet<'a>, reply = LinkInfoGet<'a>)]
        LinkInfoGet,
    }
}

/// An invalid request to a real family: errno, the kernel's extack message,
/// and the attribute path computed from the kernel's offset.
#[test]
fn extack_names_the_failing_attribute() {
    let mut conn = Connection::new().unwrap();
    if common::unless_absent(conn.resolve("ethtool").map(drop), "ethtool").is_none() {
        return;
    }
    let req = ethtool::LinkInfoGet {
        header: ethtool::Header {
            dev_index: None,
            dev_name: Some("genl-nosuchdev"),
            flags: None,
        },
    };
    let err = conn.query(ethtool::cmd::LinkInfoGet, &req).unwrap_err();
    let Error::Kernel(k) = err else {
        panic!("expected a kernel error, got {err:?}")
    };
    // Expected values as the `ethtool` tool reports them for the same
    // request (tests/fixtures/ethtool-nodev.txt): "no device matches name
    // (offset 24)", "No such device".
    assert_eq!(k.errno, libc::ENODEV);
    assert_eq!(k.message.as_deref(), Some("no device matches name"));
    assert_eq!(k.offset, Some(24));
    assert_eq!(k.path.as_deref(), Some("LinkInfoGet.header.dev_name"));
    let shown = k.to_string();
    assert!(shown.contains("no device matches name"), "{shown}");
    assert!(shown.contains("LinkInfoGet.header.dev_name"), "{shown}");
    assert_eq!(
        <ethtool::LinkInfoGet<'_> as AttrSet>::SCHEMA.attrs[0].name,
        "header"
    );
    assert_eq!(<ethtool::Cmd as Family>::SCHEMA.name, "ethtool");
}

/// iproute2's name for an `NL_ATTR_TYPE_*` (genl/ctrl.c).
fn iproute2_type_name(k: genl_core::controller::NlAttrType) -> &'static str {
    use genl_core::controller::NlAttrType::*;
    match k {
        Invalid => "INVALID",
        Flag => "FLAG",
        U8 => "U8",
        U16 => "U16",
        U32 => "U32",
        U64 => "U64",
        S8 => "S8",
        S16 => "S16",
        S32 => "S32",
        S64 => "S64",
        Binary => "BINARY",
        String => "STRING",
        NulString => "NUL_STRING",
        Nested => "NESTED",
        NestedArray => "NESTED_ARRAY",
        Bitfield32 => "BITFIELD32",
        Sint => "SINT",
        Uint => "UINT",
    }
}

fn num_after(s: &str, key: &str) -> Option<i128> {
    let rest = &s[s.find(key)? + key.len()..];
    let tok: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    tok.parse().ok()
}

/// `CTRL_CMD_GETPOLICY` decoded with genl's derived types equals what
/// iproute2's `genl ctrl policy` prints, for every op and attribute.
#[test]
fn policy_dump_agrees_with_iproute2() {
    let mut conn = Connection::new().unwrap();
    let mut checked = 0;
    for family in ["nlctrl", "ethtool", "netdev"] {
        if common::unless_absent(conn.resolve(family).map(drop), family).is_none() {
            continue;
        }
        let out = Command::new("genl")
            .args(["ctrl", "policy", "name", family])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let ours = genl_core::controller::family_policy(&mut conn, family, None).unwrap();
        let mut lines = 0;
        let mut attr_lines = 0;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            lines += 1;
            if let Some(i) = line.find(" op ") {
                let rest = &line[i + 4..];
                let cmd: u16 = rest.split_whitespace().next().unwrap().parse().unwrap();
                let op = ours
                    .ops
                    .get(&cmd)
                    .unwrap_or_else(|| panic!("{family} op {cmd}"));
                assert_eq!(op.do_.map(i128::from), num_after(line, "do="), "{line}");
                assert_eq!(op.dump.map(i128::from), num_after(line, "dump="), "{line}");
                continue;
            }
            let idx = num_after(line, "policy[").unwrap() as u32;
            let attr = num_after(line, ":attr[").unwrap() as u16;
            attr_lines += 1;
            let a = ours.policies[&idx]
                .get(&attr)
                .unwrap_or_else(|| panic!("{family}: missing {line}"));
            let ty = line[line.find("type=").unwrap() + 5..]
                .split_whitespace()
                .next()
                .unwrap();
            if ty != "unknown" {
                assert_eq!(iproute2_type_name(a.kind().unwrap()), ty, "{line}");
            }
            if line.contains("range:[") {
                let lo = num_after(line, "range:[").unwrap();
                let hi = num_after(line, ",").unwrap();
                let ours_range = match (a.min_value_u, a.max_value_u) {
                    (Some(l), Some(h)) => (i128::from(l), i128::from(h)),
                    _ => (
                        i128::from(a.min_value_s.unwrap()),
                        i128::from(a.max_value_s.unwrap()),
                    ),
                };
                assert_eq!(ours_range, (lo, hi), "{line}");
            }
            if line.contains("max len:") {
                assert_eq!(
                    a.max_length.map(i128::from),
                    num_after(line, "max len:"),
                    "{line}"
                );
            }
            if line.contains(" policy:") {
                assert_eq!(
                    a.policy_idx.map(i128::from),
                    num_after(line, " policy:"),
                    "{line}"
                );
                assert_eq!(
                    a.policy_maxtype.map(i128::from),
                    num_after(line, "maxattr:"),
                    "{line}"
                );
            }
        }
        let total_attrs: usize = ours.policies.values().map(|m| m.len()).sum();
        assert_eq!(
            total_attrs, attr_lines,
            "{family}: same number of attributes"
        );
        assert_eq!(ours.ops.len() + attr_lines, lines, "{family}");
        checked += lines;
    }
    assert!(checked > 10);
}

/// The drift check, run on nlctrl as genl declares it: the running kernel's
/// policy must agree with the declaration.
#[test]
fn nlctrl_declaration_has_no_drift_from_the_kernel() {
    let mut conn = Connection::new().unwrap();
    let drift = genl_core::drift::check_family(&mut conn, CtrlCmd::SCHEMA).unwrap();
    assert!(
        drift.is_empty(),
        "{}",
        drift
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A deliberately wrong declaration of nlctrl: each mistake is reported.
mod wrong_nlctrl {
    use super::*;

    #[derive(Debug, AttrSet)]
    pub struct GetFamily<'a> {
        #[nla(id = 1)]
        pub family_id: Option<u32>, // the kernel says U16
        #[nla(id = 2, max_len = 20)]
        pub family_name: Option<&'a str>, // the kernel says max len 15
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "nlctrl", version = 2, mcast_groups("notify", "extra"))]
    pub enum Cmd {
        #[genl(cmd = 3, request = GetFamily<'a>, admin_perm)] // not admin-only, and has dump
        GetFamily,
    }
}

#[test]
fn drift_check_reports_each_difference() {
    let mut conn = Connection::new().unwrap();
    let drift = genl_core::drift::check_family(&mut conn, wrong_nlctrl::Cmd::SCHEMA).unwrap();
    let text: Vec<String> = drift.iter().map(|d| d.to_string()).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(
        has("GetFamily.family_id: type NLA_U32 in the schema, U16 in the kernel"),
        "{text:#?}"
    );
    assert!(
        has("GetFamily.family_name: max_len is 20 in the schema, 15 in the kernel"),
        "{text:#?}"
    );
    assert!(has("schema says admin-perm"), "{text:#?}");
    assert!(has("schema says no dump"), "{text:#?}"); // dump capability
    assert!(
        has("multicast group \"extra\" missing in the kernel"),
        "{text:#?}"
    );
    assert_eq!(drift.len(), 5, "{text:#?}");
}

/// The drift check on operations registered without a policy. thermal's
/// `THERMAL_GENL_CMD_TZ_GET_ID` (1) is a dump of `genl_small_ops` below the
/// family's `resv_start_op`, with `GENL_DONT_VALIDATE_DUMP`
/// (drivers/thermal/thermal_netlink.c): the kernel answers its policy dump
/// with `ENODATA` ("No data available"; the kernel's own YNL client gets the
/// same, `tests/fixtures/thermal-policy-op1.hex`). A schema whose dump takes
/// no attributes has no drift there; one whose dump takes some is told the
/// kernel has no policy for it.
mod thermal {
    use super::*;

    /// `THERMAL_GENL_ATTR_TZ_ID`.
    #[derive(Debug, AttrSet)]
    pub struct TzId {
        #[nla(id = 2)]
        pub id: Option<u32>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "thermal", version = 2)]
    pub enum Cmd {
        #[genl(cmd = 1, reply = TzId, dump_only)]
        TzGetId,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "thermal", version = 2)]
    pub enum WithRequest {
        #[genl(cmd = 1, request = TzId, reply = TzId, dump_only)]
        TzGetId,
    }
}

#[test]
fn ops_without_a_policy_are_compared_as_such() {
    let mut conn = Connection::new().unwrap();
    if !iproute2_families().iter().any(|f| f.name == "thermal") {
        common::skip("thermal is not registered on this kernel");
        return;
    }
    let only = |d: Vec<genl_core::drift::Drift>| -> Vec<String> {
        d.iter()
            .filter(|d| d.command == "TzGetId")
            .map(|d| d.to_string())
            .collect()
    };
    let drift = genl_core::drift::check_family(&mut conn, thermal::Cmd::SCHEMA).unwrap();
    assert_eq!(only(drift), Vec::<String>::new());
    let drift = genl_core::drift::check_family(&mut conn, thermal::WithRequest::SCHEMA).unwrap();
    assert_eq!(
        only(drift),
        [
            "TzGetId TzId: the kernel has no policy for the dump, whose request carries \
          attributes (breaking)"
        ]
    );
}

/// A policy dump of an op the family does not have is the controller's
/// `ENOENT` with the `op` attribute marked: named as an unknown command, not
/// as a missing family.
#[test]
fn a_policy_dump_of_an_unknown_op_names_the_command() {
    let mut conn = Connection::new().unwrap();
    match genl_core::controller::family_policy(&mut conn, "nlctrl", Some(99)) {
        Err(Error::OpNotFound { family, cmd }) => {
            assert_eq!((family.as_str(), cmd), ("nlctrl", 99))
        }
        other => panic!("want OpNotFound, got {other:?}"),
    }
    match genl_core::controller::family_policy(&mut conn, "genl-no-such", Some(1)) {
        Err(Error::FamilyNotFound(n)) => assert_eq!(n, "genl-no-such"),
        other => panic!("want FamilyNotFound, got {other:?}"),
    }
}

/// ethtool, a family of `genl_ops`: its `LINKINFO_GET` (2) has one policy
/// for the do and the dump, `ethnl_linkinfo_get_policy`, whose header nest
/// is `ethnl_header_policy` (net/ethtool/netlink.c, Linux 5.6 to 6.18): a
/// `u32` index, a name of at most `ALTIFNAMSIZ - 1` = 127 bytes, and flags
/// `NLA_POLICY_MASK(NLA_U32, ETHTOOL_FLAGS_BASIC)`, where
/// `ETHTOOL_FLAGS_BASIC` is `COMPACT_BITSETS | OMIT_REPLY` (0x3; the
/// `STATS` bit, 0x4, only in `ethnl_header_policy_stats`).
mod ethtool_linkinfo {
    use super::*;
    use genl_core::{Flags, ValueEnum};

    /// `ETHTOOL_FLAG_*` of `ETHTOOL_FLAGS_BASIC`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
    #[genl(flags)]
    #[repr(u32)]
    pub enum BasicFlag {
        CompactBitsets = 1,
        OmitReply = 2,
    }

    /// Every `ETHTOOL_FLAG_*` (include/uapi/linux/ethtool_netlink.h).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
    #[genl(flags)]
    #[repr(u32)]
    pub enum AnyFlag {
        CompactBitsets = 1,
        OmitReply = 2,
        Stats = 4,
    }

    /// `ETHTOOL_A_HEADER_*`, as the kernel checks it.
    #[derive(Debug, AttrSet)]
    pub struct Header<'a> {
        #[nla(id = 1)]
        pub dev_index: Option<u32>,
        #[nla(id = 2, max_len = 127)]
        pub dev_name: Option<&'a str>,
        #[nla(id = 3)]
        pub flags: Option<Flags<BasicFlag>>,
    }

    /// The header with the stats flag too, a name without a limit and an
    /// index below 100.
    #[derive(Debug, AttrSet)]
    pub struct LooseHeader<'a> {
        #[nla(id = 1, max = 99)]
        pub dev_index: Option<u32>,
        #[nla(id = 2)]
        pub dev_name: Option<&'a str>,
        #[nla(id = 3)]
        pub flags: Option<Flags<AnyFlag>>,
    }

    /// `ETHTOOL_A_LINKINFO_HEADER`.
    #[derive(Debug, AttrSet)]
    pub struct Linkinfo<'a> {
        #[nla(id = 1)]
        pub header: Option<Header<'a>>,
    }

    #[derive(Debug, AttrSet)]
    pub struct LooseLinkinfo<'a> {
        #[nla(id = 1)]
        pub header: Option<LooseHeader<'a>>,
    }

    /// The dump takes no request here: the kernel's one policy for
    /// LINKINFO_GET is the union of the do's and the dump's requests.
    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Cmd {
        #[genl(cmd = 2, request = Linkinfo<'a>, reply = Linkinfo<'a>, dump)]
        LinkinfoGet,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Loose {
        #[genl(cmd = 2, request = LooseLinkinfo<'a>, reply = LooseLinkinfo<'a>, dump)]
        LinkinfoGet,
    }
}

#[test]
fn ethtool_shared_policy_mask_and_lengths_are_compared_both_ways() {
    let mut conn = Connection::new().unwrap();
    if !iproute2_families().iter().any(|f| f.name == "ethtool") {
        common::skip("ethtool is not registered on this kernel");
        return;
    }
    let only = |d: Vec<genl_core::drift::Drift>| -> Vec<String> {
        let mut v: Vec<String> = d
            .iter()
            .filter(|d| d.command == "LinkinfoGet")
            .map(|d| d.to_string())
            .collect();
        v.sort();
        v
    };
    let p = genl_core::controller::family_policy(&mut conn, "ethtool", Some(2)).unwrap();
    let op = p.ops[&2];
    assert_eq!(op.do_, op.dump, "one policy for LINKINFO_GET's do and dump");
    let drift = genl_core::drift::check_family(&mut conn, ethtool_linkinfo::Cmd::SCHEMA).unwrap();
    assert_eq!(only(drift), Vec::<String>::new());
    let drift = genl_core::drift::check_family(&mut conn, ethtool_linkinfo::Loose::SCHEMA).unwrap();
    assert_eq!(
        only(drift),
        [
            "LinkinfoGet LooseLinkinfo.header.dev_index: max is 99 in the schema, none in the \
             kernel (compatible)",
            "LinkinfoGet LooseLinkinfo.header.dev_name: max_len is none in the schema, 127 in the \
             kernel (breaking)",
            "LinkinfoGet LooseLinkinfo.header.flags: mask is 0x7 in the schema, 0x3 in the kernel \
             (breaking)",
        ]
    );
}

/// A forged reply from another user socket (sender port ≠ 0) carrying the
/// request's sequence number and our port id is ignored: the caller gets the
/// kernel's answer, not the forgery (nor the forged error after it).
#[test]
fn forged_replies_from_user_sockets_are_ignored() {
    use genl_core::classic::ClassicConnection;
    use genl_core::message::{build_message, GenlHeader};
    if !common::is_root() {
        common::skip("unicast between NETLINK_GENERIC user sockets needs CAP_NET_ADMIN");
        return;
    }
    let mut conn = Connection::new().unwrap();
    // A first GETFAMILY: it also learns what nlctrl's GETFAMILY accepts
    // (the support check's one GETPOLICY), so the next request is sent
    // with the next number.
    conn.query(ctrl_cmd::GetFamily, &GetFamily::by_name("nlctrl"))
        .unwrap();
    let seq = conn.last_seq().wrapping_add(1);
    // The forgery: a GETFAMILY "reply" naming another family, then an
    // NLMSG_ERROR with -EPERM, both addressed to our port with our next seq.
    let fake = FamilyInfoForgery {
        family_id: 0x10,
        family_name: "FORGED",
    };
    let mut datagram = Vec::new();
    build_message(
        &mut datagram,
        0x10,
        0,
        seq,
        GenlHeader { cmd: 1, version: 2 },
        &fake,
    )
    .unwrap();
    datagram[12..16].copy_from_slice(&conn.port_id().to_ne_bytes());
    let mut err = vec![0u8; 36];
    err[0..4].copy_from_slice(&36u32.to_ne_bytes());
    err[4..6].copy_from_slice(&2u16.to_ne_bytes()); // NLMSG_ERROR
    err[8..12].copy_from_slice(&seq.to_ne_bytes());
    err[12..16].copy_from_slice(&conn.port_id().to_ne_bytes());
    err[16..20].copy_from_slice(&(-libc::EPERM).to_ne_bytes());
    datagram.extend_from_slice(&err);
    let forger = ClassicConnection::new(16).unwrap();
    forger.send_datagram(conn.port_id(), 0, &datagram).unwrap();
    let info: FamilyInfo<'_> = conn
        .query(ctrl_cmd::GetFamily, &GetFamily::by_name("nlctrl"))
        .unwrap();
    assert_eq!(info.family_name, "nlctrl");
    assert_eq!(
        conn.last_seq(),
        seq,
        "the forgery used the request's number"
    );
}

#[derive(AttrSet)]
struct FamilyInfoForgery<'a> {
    #[nla(id = 1)]
    family_id: u16,
    #[nla(id = 2)]
    family_name: &'a str,
}
