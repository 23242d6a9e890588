//! Numbering and type mapping. Expected ids come from the kernel's uapi
//! headers generated from the same specs (`include/uapi/linux/netdev.h`,
//! `include/uapi/linux/ethtool_netlink.h` of linux-source 6.12.117), never
//! from this tool's output.

use super::naming::camel;
use super::*;
use crate::{ImportError, ImportOptions};

fn gen(yaml: &str) -> String {
    import(yaml, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// `(field, id, type)` of the fields of `pub struct NAME` in generated code.
fn fields(code: &str, name: &str) -> Vec<(String, u64, String)> {
    let start = code
        .lines()
        .position(|l| l.starts_with(&format!("pub struct {name}")))
        .unwrap_or_else(|| panic!("struct {name} in\n{code}"));
    let mut out = Vec::new();
    let mut id = None;
    for l in code.lines().skip(start + 1) {
        let t = l.trim();
        if t == "}" {
            break;
        }
        if let Some(rest) = t.strip_prefix("#[nla(id = ") {
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            id = Some(n.parse().unwrap());
        } else if let Some(rest) = t.strip_prefix("pub ") {
            let (f, ty) = rest.trim_end_matches(',').split_once(": ").unwrap();
            out.push((f.to_owned(), id.take().unwrap(), ty.to_owned()));
        }
    }
    out
}

fn ids(code: &str, name: &str) -> Vec<(String, u64)> {
    fields(code, name)
        .into_iter()
        .map(|(f, id, _)| (f, id))
        .collect()
}

/// `(variant, value)` of `pub enum NAME { A = 1, ... }`.
fn enum_values(code: &str, name: &str) -> Vec<(String, u64)> {
    let start = code
        .lines()
        .position(|l| l == format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("enum {name} in\n{code}"));
    code.lines()
        .skip(start + 1)
        .take_while(|l| *l != "}")
        .filter_map(|l| {
            let (v, n) = l.trim().trim_end_matches(',').split_once(" = ")?;
            Some((v.to_owned(), n.parse().ok()?))
        })
        .collect()
}

/// `(CONST, value)` of `pub mod NAME` flag constants (`1 << p`).
fn flag_values(code: &str, module: &str) -> Vec<(String, u64)> {
    let start = code
        .lines()
        .position(|l| l == format!("pub mod {module} {{"))
        .unwrap_or_else(|| panic!("mod {module} in\n{code}"));
    code.lines()
        .skip(start + 1)
        .take_while(|l| *l != "}")
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(':')?;
            let shift = rest.split("1 << ").nth(1)?.trim_end_matches(';');
            Some((name.to_owned(), 1u64 << shift.parse::<u32>().ok()?))
        })
        .collect()
}

/// `(CONST, value)` of `pub mod NAME { pub const X: u8 = N; }`.
fn flag_values_like_consts(code: &str, module: &str) -> Vec<(String, u64)> {
    let start = code
        .lines()
        .position(|l| l == format!("pub mod {module} {{"))
        .unwrap_or_else(|| panic!("mod {module} in\n{code}"));
    code.lines()
        .skip(start + 1)
        .take_while(|l| *l != "}")
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(": u8 = ")?;
            Some((name.to_owned(), rest.trim_end_matches(';').parse().ok()?))
        })
        .collect()
}

/// `(variant, cmd, reply message id)` of the `Cmd` enum.
fn commands(code: &str) -> Vec<(String, u64, Option<u64>)> {
    let start = code
        .lines()
        .position(|l| l == "pub enum Cmd {")
        .expect("Cmd");
    let mut out = Vec::new();
    let (mut cmd, mut reply) = (None, None);
    for l in code.lines().skip(start + 1) {
        let t = l.trim();
        if t == "}" {
            break;
        }
        if let Some(r) = t.strip_prefix("/// Replies carry message id ") {
            reply = Some(r.trim_end_matches('.').parse().unwrap());
        } else if let Some(rest) = t.strip_prefix("#[genl(cmd = ") {
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            cmd = Some(n.parse().unwrap());
        } else if !t.is_empty() && !t.starts_with("//") {
            out.push((
                t.trim_end_matches(',').to_owned(),
                cmd.take().unwrap(),
                reply.take(),
            ));
        }
    }
    out
}

fn pairs(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(n, i)| (n.to_string(), *i)).collect()
}

// ---------------------------------------------------------------------------
// Small snippets.

#[test]
fn attributes_count_from_one_and_continue_after_explicit_values() {
    // The shape of netdev's `page-pool-stats` and `qstats` sets.
    let code = gen("
name: t
attribute-sets:
  - name: s
    attributes:
      - { name: info, type: u32 }
      - { name: alloc-fast, type: u32, value: 8 }
      - { name: alloc-slow, type: u32 }
      - { name: pad, type: pad }
      - { name: last, type: u32 }
");
    // NETDEV_A_PAGE_POOL_STATS_INFO = 1, _ALLOC_FAST = 8, _ALLOC_SLOW (9).
    assert_eq!(
        ids(&code, "S"),
        pairs(&[
            ("info", 1),
            ("alloc_fast", 8),
            ("alloc_slow", 9),
            ("last", 11)
        ])
    );
    assert!(code.contains("// `pad` (id 10): not imported (padding)."));
}

#[test]
fn enums_count_from_value_start_or_zero_and_flags_are_bits() {
    let code = gen("
name: t
definitions:
  - { name: queue-type, type: enum, entries: [rx, tx] }
  - { name: shifted, type: enum, value-start: 5, entries: [a, b, { name: c, value: 9 }, d] }
  - name: xsk-flags
    type: flags
    entries: [tx-timestamp, tx-checksum]
  - { name: late, type: flags, value-start: 3, entries: [x, y] }
");
    // NETDEV_QUEUE_TYPE_RX = 0, NETDEV_QUEUE_TYPE_TX = 1.
    assert_eq!(
        enum_values(&code, "QueueType"),
        pairs(&[("Rx", 0), ("Tx", 1)])
    );
    assert_eq!(
        enum_values(&code, "Shifted"),
        pairs(&[("A", 5), ("B", 6), ("C", 9), ("D", 10)])
    );
    // NETDEV_XSK_FLAGS_TX_TIMESTAMP = 1, NETDEV_XSK_FLAGS_TX_CHECKSUM = 2.
    assert_eq!(
        flag_values(&code, "xsk_flags"),
        pairs(&[("TX_TIMESTAMP", 1), ("TX_CHECKSUM", 2)])
    );
    assert_eq!(flag_values(&code, "late"), pairs(&[("X", 8), ("Y", 16)]));
}

#[test]
fn types_map_to_rust_types() {
    let code = gen("
name: t
definitions:
  - { name: kind, type: enum, entries: [a, b] }
attribute-sets:
  - name: inner
    attributes:
      - { name: x, type: u8 }
  - name: s
    attributes:
      - { name: a-u8, type: u8 }
      - { name: a-u16, type: u16 }
      - { name: a-u32, type: u32 }
      - { name: a-u64, type: u64 }
      - { name: a-s8, type: s8 }
      - { name: a-s16, type: s16 }
      - { name: a-s32, type: s32 }
      - { name: a-s64, type: s64 }
      - { name: a-uint, type: uint }
      - { name: a-sint, type: sint }
      - { name: a-string, type: string }
      - { name: a-binary, type: binary }
      - { name: a-flag, type: flag }
      - { name: a-nest, type: nest, nested-attributes: inner }
      - { name: a-multi, type: u32, multi-attr: true }
      - { name: a-nests, type: nest, nested-attributes: inner, multi-attr: true }
      - { name: port, type: u16, byte-order: big-endian }
      - { name: type, type: u32, enum: kind }
      - { name: bf, type: bitfield32 }
      - { name: arr, type: indexed-array, sub-type: nest, nested-attributes: inner }
");
    let f = fields(&code, "S<'a>");
    let tys: Vec<(&str, &str)> = f.iter().map(|(n, _, t)| (n.as_str(), t.as_str())).collect();
    assert_eq!(
        tys,
        [
            ("a_u8", "Option<u8>"),
            ("a_u16", "Option<u16>"),
            ("a_u32", "Option<u32>"),
            ("a_u64", "Option<u64>"),
            ("a_s8", "Option<i8>"),
            ("a_s16", "Option<i16>"),
            ("a_s32", "Option<i32>"),
            ("a_s64", "Option<i64>"),
            ("a_uint", "Option<genl_core::Uint>"),
            ("a_sint", "Option<genl_core::Sint>"),
            ("a_string", "Option<&'a str>"),
            ("a_binary", "Option<&'a [u8]>"),
            ("a_flag", "bool"),
            ("a_nest", "Option<Inner>"),
            ("a_multi", "Vec<u32>"),
            ("a_nests", "Vec<Inner>"),
            ("port", "Option<u16>"),
            // An integer tied to an enum stays an integer.
            ("r#type", "Option<u32>"),
            ("bf", "Option<genl_core::Bitfield32>"),
            ("arr", "Vec<Inner>"),
        ]
    );
    assert!(code.contains("#[nla(id = 14, nested)]"));
    assert!(code.contains("#[nla(id = 15, multi)]"));
    assert!(code.contains("#[nla(id = 17, be)]"));
    assert!(code.contains("Values of the enum [`Kind`]."));
    assert!(code.contains("#[nla(id = 19)]"));
    assert!(code.contains("#[nla(id = 20, indexed)]"));
    // `uint`, `sint` and `bitfield32` are genl-core's types, not declared here.
    assert!(!code.contains("pub struct Uint"), "{code}");
    assert!(!code.contains("pub struct Sint"), "{code}");
}

#[test]
fn subsets_keep_the_parent_ids_and_types() {
    let code = gen("
name: t
attribute-sets:
  - name: queue
    attributes:
      - { name: id, type: u32 }
      - { name: ifindex, type: u32 }
      - { name: type, type: u32 }
  - name: queue-id
    subset-of: queue
    attributes:
      - { name: id }
      - { name: type }
");
    assert_eq!(ids(&code, "QueueId"), pairs(&[("id", 1), ("r#type", 3)]));
}

#[test]
fn unified_commands_count_from_one() {
    let code = gen("
name: t
mcast-groups: { list: [ { name: mgmt } ] }
attribute-sets:
  - name: s
    attributes: [ { name: a, type: u32 } ]
operations:
  list:
    - { name: get, attribute-set: s, do: { request: {}, reply: {} }, dump: { reply: {} } }
    - { name: add-ntf, notify: get, mcgrp: mgmt }
    - { name: list, attribute-set: s, dump: { reply: {} } }
    - { name: set, attribute-set: s, value: 10, flags: [admin-perm], do: { request: {} } }
    - { name: next, attribute-set: s, do: { request: {} } }
");
    assert!(code.contains("#[genl(name = \"t\", version = 1, mcast_groups(\"mgmt\"))]"));
    assert!(code.contains("#[genl(cmd = 1, request = S, reply = S, dump)]"));
    assert!(code.contains("#[genl(cmd = 2, reply = S, event = \"mgmt\")]"));
    assert!(code.contains("#[genl(cmd = 3, reply = S, dump_only)]"));
    assert!(code.contains("#[genl(cmd = 10, request = S, admin_perm)]"));
    assert!(code.contains("#[genl(cmd = 11, request = S)]"));
}

#[test]
fn name_clashes_get_suffixes() {
    let code = gen("
name: t
definitions:
  - { name: stringset, type: enum, entries: [a] }
attribute-sets:
  - name: stringset
    attributes: [ { name: id, type: u32 } ]
  - name: string
    attributes: [ { name: value, type: string } ]
");
    assert!(code.contains("pub struct Stringset {"));
    assert!(code.contains("pub enum StringsetEnum {"));
    assert!(code.contains("pub struct StringAttrs<'a> {"));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let cases: &[(&str, &str)] = &[
        ("", "invalid YNL spec"),
        ("name: [", "invalid YNL spec"),
        ("- a\n- b", "invalid YNL spec"),
        ("name: t\nprotocol: netlink-raw", "needs `protonum`"),
        (
            "name: t\nattribute-sets: [ { name: s, attributes: [ { name: a, type: float } ] } ]",
            "unknown type `float`",
        ),
        (
            "name: t\nattribute-sets: [ { name: s, attributes: [ { name: a, type: nest, nested-attributes: nope } ] } ]",
            "unknown attribute set `nope`",
        ),
        (
            "name: t\nattribute-sets: [ { name: s, attributes: [ { name: a, type: u32, value: 3 }, { name: b, type: u32, value: 3 } ] } ]",
            "also used by `a`",
        ),
        ("name: a-very-long-family-name", "1 to 15 bytes"),
        (
            "name: t\nattribute-sets: [ { name: s, subset-of: nope, attributes: [] } ]",
            "unknown attribute set `nope`",
        ),
    ];
    for (yaml, want) in cases {
        let e = import(yaml, &ImportOptions::default()).expect_err(yaml);
        assert!(e.to_string().contains(want), "{yaml:?}: {e}");
    }
    let e = import(
        "name: t",
        &ImportOptions {
            ops: Some(vec!["nope".into()]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        ImportError::Unknown {
            at: "--ops".into(),
            kind: "operation",
            name: "nope".into()
        }
    );
}

// ---------------------------------------------------------------------------
// The kernel's specs against its headers.

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/ynl")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn netdev_spec_matches_netdev_h() {
    let code = gen(&fixture("netdev.yaml"));
    // enum netdev_xdp_act.
    assert_eq!(
        flag_values(&code, "xdp_act"),
        pairs(&[
            ("BASIC", 1),
            ("REDIRECT", 2),
            ("NDO_XMIT", 4),
            ("XSK_ZEROCOPY", 8),
            ("HW_OFFLOAD", 16),
            ("RX_SG", 32),
            ("NDO_XMIT_SG", 64),
        ])
    );
    // NETDEV_QSTATS_SCOPE_QUEUE = 1.
    assert_eq!(flag_values(&code, "qstats_scope"), pairs(&[("QUEUE", 1)]));
    // NETDEV_A_DEV_IFINDEX = 1, PAD (2, not a field), XDP_FEATURES, ...
    assert_eq!(
        ids(&code, "Dev"),
        pairs(&[
            ("ifindex", 1),
            ("xdp_features", 3),
            ("xdp_zc_max_segs", 4),
            ("xdp_rx_metadata_features", 5),
            ("xsk_features", 6),
        ])
    );
    // NETDEV_A_PAGE_POOL_STATS_INFO = 1, ALLOC_FAST = 8, ... RELEASED_REFCNT.
    let pps = ids(&code, "PagePoolStats");
    assert_eq!(pps[0], ("info".to_owned(), 1));
    assert_eq!(pps[1], ("alloc_fast".to_owned(), 8));
    assert_eq!(
        pps.last().unwrap(),
        &("recycle_released_refcnt".to_owned(), 18)
    );
    // NETDEV_A_QSTATS_SCOPE = 4, NETDEV_A_QSTATS_RX_PACKETS = 8.
    let q = ids(&code, "Qstats");
    assert!(q.contains(&("scope".to_owned(), 4)));
    assert!(q.contains(&("rx_packets".to_owned(), 8)));
    // enum netdev_cmd: NETDEV_CMD_DEV_GET = 1 ... NETDEV_CMD_BIND_RX (13).
    let cmds: Vec<(String, u64)> = commands(&code)
        .into_iter()
        .map(|(n, c, _)| (n, c))
        .collect();
    let header = [
        "DevGet",
        "DevAddNtf",
        "DevDelNtf",
        "DevChangeNtf",
        "PagePoolGet",
        "PagePoolAddNtf",
        "PagePoolDelNtf",
        "PagePoolChangeNtf",
        "PagePoolStatsGet",
        "QueueGet",
        "NapiGet",
        "QstatsGet",
        "BindRx",
    ];
    let want: Vec<(String, u64)> = header
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), i as u64 + 1))
        .collect();
    assert_eq!(cmds, want);
}

/// The two message enums of `ethtool_netlink.h` (6.12), names without the
/// `ETHTOOL_MSG_` prefix; each value is its index (0 is `*_NONE`).
const ETHTOOL_USER_MSGS: &str = "USER_NONE STRSET_GET LINKINFO_GET LINKINFO_SET
LINKMODES_GET LINKMODES_SET LINKSTATE_GET DEBUG_GET DEBUG_SET WOL_GET WOL_SET
FEATURES_GET FEATURES_SET PRIVFLAGS_GET PRIVFLAGS_SET RINGS_GET RINGS_SET
CHANNELS_GET CHANNELS_SET COALESCE_GET COALESCE_SET PAUSE_GET PAUSE_SET EEE_GET
EEE_SET TSINFO_GET CABLE_TEST_ACT CABLE_TEST_TDR_ACT TUNNEL_INFO_GET FEC_GET
FEC_SET MODULE_EEPROM_GET STATS_GET PHC_VCLOCKS_GET MODULE_GET MODULE_SET
PSE_GET PSE_SET RSS_GET PLCA_GET_CFG PLCA_SET_CFG PLCA_GET_STATUS MM_GET MM_SET
MODULE_FW_FLASH_ACT PHY_GET";

const ETHTOOL_KERNEL_MSGS: &str = "KERNEL_NONE STRSET_GET_REPLY LINKINFO_GET_REPLY
LINKINFO_NTF LINKMODES_GET_REPLY LINKMODES_NTF LINKSTATE_GET_REPLY
DEBUG_GET_REPLY DEBUG_NTF WOL_GET_REPLY WOL_NTF FEATURES_GET_REPLY
FEATURES_SET_REPLY FEATURES_NTF PRIVFLAGS_GET_REPLY PRIVFLAGS_NTF
RINGS_GET_REPLY RINGS_NTF CHANNELS_GET_REPLY CHANNELS_NTF COALESCE_GET_REPLY
COALESCE_NTF PAUSE_GET_REPLY PAUSE_NTF EEE_GET_REPLY EEE_NTF TSINFO_GET_REPLY
CABLE_TEST_NTF CABLE_TEST_TDR_NTF TUNNEL_INFO_GET_REPLY FEC_GET_REPLY FEC_NTF
MODULE_EEPROM_GET_REPLY STATS_GET_REPLY PHC_VCLOCKS_GET_REPLY MODULE_GET_REPLY
MODULE_NTF PSE_GET_REPLY RSS_GET_REPLY PLCA_GET_CFG_REPLY
PLCA_GET_STATUS_REPLY PLCA_NTF MM_GET_REPLY MM_NTF MODULE_FW_FLASH_NTF
PHY_GET_REPLY PHY_NTF";

#[test]
fn ethtool_directional_ids_match_ethtool_netlink_h() {
    let code = gen(&fixture("ethtool.yaml"));
    let user: Vec<&str> = ETHTOOL_USER_MSGS.split_whitespace().collect();
    let kernel: Vec<&str> = ETHTOOL_KERNEL_MSGS.split_whitespace().collect();
    let cmds = commands(&code);
    // Every request op has its header id; every reply its `_REPLY` id.
    for (i, name) in user.iter().enumerate().skip(1) {
        let ident = camel(name);
        let (_, cmd, reply) = cmds
            .iter()
            .find(|(v, _, _)| *v == ident)
            .unwrap_or_else(|| panic!("{name} imported"));
        assert_eq!(*cmd, i as u64, "ETHTOOL_MSG_{name}");
        let reply_name = format!("{name}_REPLY");
        let want = kernel
            .iter()
            .position(|k| *k == reply_name)
            .map(|p| p as u64);
        assert_eq!(*reply, want, "ETHTOOL_MSG_{reply_name}");
    }
    assert_eq!(cmds.len(), user.len() - 1);
    // Notifications: `pub const X_NTF: u8 = N;` in `mod ntf`. The spec is
    // partial (it has no `phy-ntf`), so check those it has.
    let ntf = flag_values_like_consts(&code, "ntf");
    // The header has 19 `_NTF` ids; the spec all but `PHY_NTF`.
    assert_eq!(ntf.len(), 18, "{ntf:?}");
    for (name, id) in ntf {
        let want = kernel.iter().position(|k| *k == name);
        assert_eq!(want, Some(id as usize), "ETHTOOL_MSG_{name}");
    }
    // ETHTOOL_A_LINKMODES_HEADER = 1 ... ETHTOOL_A_LINKMODES_RATE_MATCHING = 10.
    assert_eq!(
        ids(&code, "Linkmodes<'a>"),
        pairs(&[
            ("header", 1),
            ("autoneg", 2),
            ("ours", 3),
            ("peer", 4),
            ("speed", 5),
            ("duplex", 6),
            ("master_slave_cfg", 7),
            ("master_slave_state", 8),
            ("lanes", 9),
            ("rate_matching", 10),
        ])
    );
    // ETHTOOL_FLAG_COMPACT_BITSETS = 1 << 0 ... ETHTOOL_FLAG_STATS = 1 << 2.
    assert_eq!(
        flag_values(&code, "header_flags"),
        pairs(&[("COMPACT_BITSETS", 1), ("OMIT_REPLY", 2), ("STATS", 4)])
    );
}

#[test]
fn ops_filter_keeps_only_reachable_sets() {
    let opts = ImportOptions {
        ops: Some(vec!["linkinfo-get".into()]),
        ..Default::default()
    };
    let code = import(&fixture("ethtool.yaml"), &opts).unwrap();
    assert!(code.contains("pub struct Linkinfo<'a> {"));
    assert!(code.contains("pub struct Header<'a> {"));
    assert!(!code.contains("pub struct Linkmodes"));
    assert_eq!(commands(&code).len(), 1);
}

// ---------------------------------------------------------------------------
// `exact`: checks and per-operation subsets.

const EXACT: &str = "
name: ex
definitions:
  - { type: const, name: max-name, value: 16 }
attribute-sets:
  - name: main
    attributes:
      - { name: unspec, type: unused, value: 0 }
      - { name: name, type: string, checks: { min-len: 1, max-len: max-name } }
      - { name: port, type: u16, byte-order: big-endian, checks: { min: 1 } }
      - { name: mask, type: u32, checks: { max: u32-max } }
      - { name: pad, type: pad }
      - { name: blob, type: binary, checks: { exact-len: 6 } }
operations:
  list:
    - { name: unspec, value: 0, doc: unused }
    - name: get
      attribute-set: main
      do:
        request: { attributes: [ name ] }
        reply: { attributes: [ name, port, mask, blob ] }
      dump:
        reply: { attributes: [ name, port ] }
";

#[test]
fn exact_imports_checks_pad_and_operation_subsets() {
    let opts = ImportOptions {
        exact: true,
        ..Default::default()
    };
    let code = import(EXACT, &opts).unwrap();
    assert!(code.contains("#[genl(pad = 4)]"), "{code}");
    assert!(
        code.contains("#[nla(id = 1, min_len = 1, max_len = 16)]"),
        "{code}"
    );
    assert!(code.contains("#[nla(id = 2, be, min = 1)]"), "{code}");
    assert!(code.contains("#[nla(id = 3, max = 4294967295)]"), "{code}");
    assert!(
        code.contains("#[nla(id = 5, min_len = 6, max_len = 6)]"),
        "{code}"
    );
    assert!(
        code.contains(
            "#[genl(subset_of = Main)]\npub struct GetRequest<'a> {\n    \
             /// `name` of [`Main`].\n    pub name: Option<&'a str>,\n}"
        ),
        "{code}"
    );
    // The do reply lists every attribute: the set itself.
    assert!(
        code.contains("#[genl(cmd = 1, request = GetRequest<'a>, reply = Main<'a>, dump)]"),
        "{code}"
    );
    // The `unspec` placeholders reserve ids only.
    assert!(!code.contains("unspec"), "{code}");
    // Without `exact`: no checks, no subsets.
    let plain = import(EXACT, &ImportOptions::default()).unwrap();
    assert!(
        plain.contains("#[nla(id = 1)]") && !plain.contains("subset_of"),
        "{plain}"
    );
}

#[test]
fn exact_rejects_checks_it_cannot_express() {
    let spec = EXACT.replace("checks: { min: 1 }", "checks: { unterminated-ok: true }");
    let opts = ImportOptions {
        exact: true,
        ..Default::default()
    };
    let e = import(&spec, &opts).unwrap_err();
    assert!(e.to_string().contains("check `unterminated-ok`"), "{e}");
    let spec = EXACT.replace("max-len: max-name", "max-len: no-such-const");
    let e = import(&spec, &opts).unwrap_err();
    assert!(e.to_string().contains("no-such-const"), "{e}");
}

/// A spec the typed reading refuses is reported with its place in the text
/// (the YAML is read once; the error is placed as reading the text places
/// it).
#[test]
fn typed_reading_errors_keep_line_and_column() {
    let e = crate::import(
        "name: t\noperations:\n  list: 3\n",
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, ImportError::Yaml(m) if m.contains("line 3 column")),
        "{e}"
    );
    let e = crate::import("name: t\n  bad: [", &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, ImportError::Yaml(m) if m.contains("line 2")),
        "{e}"
    );
}
