//! The drift check against kernel policy dumps built by hand, entry by
//! entry, the way the kernel builds them: each policy is written with the
//! `nla_policy` macros of `include/net/netlink.h` ([`Nla`]), and [`dump`]
//! turns an entry into what `net/netlink/policy.c`
//! (`__netlink_policy_dump_write_attr`, Linux 6.1 to 6.18) sends as
//! `NL_POLICY_TYPE_ATTR_*` (`include/uapi/linux/netlink.h`). The family is
//! examples/portwatch's schema (copied: a view per operation, a nested
//! subset, flags, enums contiguous and not, every length shape), and its
//! policies are those of the generated `examples/portwatch/kmod/portwatch-nl.c`
//! for both kernel branches (split ops; `genl_ops` before Linux 6.2).

use std::collections::BTreeMap;

use super::checks::{full_range, is_signed};
use super::*;
use crate::controller::{
    McastGroup, NlAttrType as K, OpInfo, OpPolicy, PolicyAttr, GENL_CMD_CAP_HASPOL,
};
use crate::{AttrSet, Family, Flags, ValueEnum};

mod pw {
    //! examples/portwatch/portwatch/src/lib.rs at the commit that added it
    //! (docs dropped).
    #![allow(missing_docs, dead_code)]
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
    #[repr(u8)]
    pub enum Proto {
        Tcp = 6,
        Udp = 17,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
    #[repr(u32)]
    pub enum Verdict {
        Count = 0,
        Log = 1,
        Drop = 2,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
    #[genl(flags)]
    #[repr(u32)]
    pub enum RuleFlag {
        Disabled = 1,
        Oneshot = 2,
        Audit = 4,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
    #[repr(u32)]
    pub enum ActionKind {
        Mark = 1,
        Mirror = 2,
        Rate = 3,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
    #[repr(u32)]
    pub enum Change {
        Added = 1,
        Deleted = 2,
        Flushed = 3,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    pub struct Match {
        #[nla(id = 1, min = 1, max = 65535)]
        pub port: u16,
        #[nla(id = 2)]
        pub proto: Proto,
        #[nla(id = 3)]
        pub mark: Option<u32>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    #[genl(subset_of = Match)]
    pub struct MatchFilter {
        pub proto: Proto,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    pub struct Action {
        #[nla(id = 1)]
        pub kind: ActionKind,
        #[nla(id = 2, max = 1000000)]
        pub arg: Option<u32>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    #[genl(pad = 12)]
    pub struct Rule<'a> {
        #[nla(id = 1, min = 1)]
        pub id: u32,
        #[nla(id = 2)]
        pub r#match: Match,
        #[nla(id = 3, max_len = 64)]
        pub comment: Option<&'a str>,
        #[nla(id = 4)]
        pub verdict: Option<Verdict>,
        #[nla(id = 5)]
        pub flags: Option<Flags<RuleFlag>>,
        #[nla(id = 6, min = 1, max = 255)]
        pub priority: Option<u8>,
        #[nla(id = 7, min_len = 4, max_len = 64)]
        pub cookie: Option<&'a [u8]>,
        #[nla(id = 8)]
        pub hwaddr: Option<[u8; 6]>,
        #[nla(id = 9, multi, max_len = 16)]
        pub tags: Vec<&'a str>,
        #[nla(id = 10, indexed)]
        pub actions: Vec<Action>,
        #[nla(id = 11)]
        pub hits: Option<u64>,
        #[nla(id = 13)]
        pub bytes: Option<u64>,
        #[nla(id = 14)]
        pub change: Option<Change>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    #[genl(subset_of = Rule)]
    pub struct RuleSpec<'a> {
        pub id: u32,
        pub r#match: Match,
        pub comment: Option<&'a str>,
        pub verdict: Option<Verdict>,
        pub flags: Option<Flags<RuleFlag>>,
        pub priority: Option<u8>,
        pub cookie: Option<&'a [u8]>,
        pub hwaddr: Option<[u8; 6]>,
        #[nla(multi)]
        pub tags: Vec<&'a str>,
        #[nla(indexed)]
        pub actions: Vec<Action>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
    #[genl(subset_of = Rule)]
    pub struct RuleId {
        pub id: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default, AttrSet)]
    #[genl(subset_of = Rule)]
    pub struct RuleFilter {
        pub r#match: Option<MatchFilter>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
    #[genl(subset_of = Rule)]
    pub struct Hit {
        pub id: u32,
        pub bytes: Option<u64>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
    #[genl(subset_of = Rule)]
    pub struct RuleNotice {
        pub id: u32,
        pub r#match: Option<Match>,
        pub change: Change,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
    #[genl(pad = 3)]
    pub struct Stats {
        #[nla(id = 1)]
        pub rules: u32,
        #[nla(id = 2)]
        pub hits: u64,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
    pub struct PortUse {
        #[nla(id = 1)]
        pub port: u16,
        #[nla(id = 2)]
        pub rules: u32,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
    #[genl(name = "portwatch", version = 1, mcast_groups("rules"))]
    pub enum PortwatchCmd {
        #[genl(cmd = 1, request = RuleSpec<'a>, reply = Rule<'a>, admin_perm)]
        Add,
        #[genl(cmd = 2, request = RuleId, admin_perm)]
        Del,
        #[genl(cmd = 3, request = RuleId, reply = Rule<'a>, dump, dump_request = RuleFilter)]
        Get,
        #[genl(cmd = 4, admin_perm)]
        Flush,
        #[genl(cmd = 5, request = Hit, admin_perm)]
        Hit,
        #[genl(cmd = 6, reply = Stats)]
        Stats,
        #[genl(cmd = 7, reply = PortUse, dump_only)]
        Ports,
        #[genl(cmd = 8, reply = RuleNotice, event = "rules")]
        RuleChanged,
    }
}

/// One `struct nla_policy` entry, as `include/net/netlink.h` writes it.
#[derive(Debug, Clone, Copy)]
enum Nla {
    /// `{ .type = T, }` for an integer type.
    Int(K),
    /// `NLA_POLICY_MIN(T, min)`.
    Min(K, i64),
    /// `NLA_POLICY_MAX(T, max)`.
    Max(K, i64),
    /// `NLA_POLICY_RANGE(T, min, max)`, or `NLA_POLICY_FULL_RANGE(T,
    /// &range)` (the dump shows both the same way).
    Range(K, i64, i64),
    /// `NLA_POLICY_MASK(T, mask)`.
    Mask(K, u64),
    /// `NLA_POLICY_VALIDATE_FN(T, fn)` for an integer type.
    ValidateFn(K),
    /// `{ .type = NLA_NUL_STRING, .len = len, }`, or
    /// `NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, fn, len)`.
    Str(u16),
    /// `{ .type = NLA_BINARY, .len = len, }`.
    Bin(u16),
    /// `NLA_POLICY_MIN_LEN(len)`.
    BinMinLen(#[allow(dead_code)] u16),
    /// `NLA_POLICY_RANGE(NLA_BINARY, min, max)`; `NLA_POLICY_EXACT_LEN(n)`
    /// is `(n, n)`.
    BinRange(u16, u16),
    /// `NLA_POLICY_NESTED(p)`: p's index in the dump, its max type.
    Nested(u32, u32),
    /// `NLA_POLICY_NESTED_ARRAY(p)`.
    NestedArray(u32, u32),
    /// `{ .type = NLA_FLAG, }`.
    Flag,
    /// `{ .type = NLA_BE16, }`.
    Be16,
    /// `{ .type = NLA_REJECT, }`.
    Reject,
}

/// What `__netlink_policy_dump_write_attr` sends for entry `n` (`None`:
/// nothing, as for `NLA_REJECT`, `NLA_UNSPEC` and the types its switch
/// does not list).
fn dump(n: Nla) -> Option<PolicyAttr> {
    let ty = |k: K| k as u32;
    let int = |k: K, lo: Option<i128>, hi: Option<i128>| {
        // nla_get_range_unsigned/_signed: the type's range unless the
        // policy narrows it.
        let (tlo, thi) = full_range(k).expect("an integer type");
        let (lo, hi) = (lo.unwrap_or(tlo), hi.unwrap_or(thi));
        let mut p = PolicyAttr {
            ty: ty(k),
            ..PolicyAttr::default()
        };
        if is_signed(k) {
            p.min_value_s = Some(lo as i64);
            p.max_value_s = Some(hi as i64);
        } else {
            p.min_value_u = Some(lo as u64);
            p.max_value_u = Some(hi as u64);
        }
        p
    };
    let bin = |k: K, min: Option<u32>, max: Option<u32>| PolicyAttr {
        ty: ty(k),
        min_length: min,
        max_length: max,
        ..PolicyAttr::default()
    };
    Some(match n {
        Nla::Int(k) | Nla::ValidateFn(k) => int(k, None, None),
        Nla::Min(k, v) => int(k, Some(v.into()), None),
        Nla::Max(k, v) => int(k, None, Some(v.into())),
        Nla::Range(k, lo, hi) => int(k, Some(lo.into()), Some(hi.into())),
        Nla::Mask(k, m) => PolicyAttr {
            ty: ty(k),
            mask: Some(m),
            ..PolicyAttr::default()
        },
        // pt->len, when set.
        Nla::Str(len) => bin(K::NulString, None, (len > 0).then_some(len.into())),
        Nla::Bin(len) => bin(K::Binary, None, (len > 0).then_some(len.into())),
        // NLA_VALIDATE_MIN, len 0: no length in the dump.
        Nla::BinMinLen(_) => bin(K::Binary, None, None),
        // NLA_VALIDATE_RANGE: the minimum unless 0, the maximum unless
        // U16_MAX.
        Nla::BinRange(lo, hi) => bin(
            K::Binary,
            (lo > 0).then_some(lo.into()),
            (hi < u16::MAX).then_some(hi.into()),
        ),
        Nla::Nested(idx, max) | Nla::NestedArray(idx, max) => PolicyAttr {
            ty: ty(if matches!(n, Nla::Nested(..)) {
                K::Nested
            } else {
                K::NestedArray
            }),
            policy_idx: Some(idx),
            policy_maxtype: Some(max),
            ..PolicyAttr::default()
        },
        Nla::Flag => PolicyAttr {
            ty: ty(K::Flag),
            ..PolicyAttr::default()
        },
        Nla::Be16 | Nla::Reject => return None,
    })
}

/// A per-op policy dump: the op entry `(cmd, do, dump)` and the policies
/// by index (a policy whose entries are all left out sends nothing).
fn op_dump(op: (u16, Option<u32>, Option<u32>), policies: &[&[(u16, Nla)]]) -> FamilyPolicy {
    let mut p = FamilyPolicy {
        family_id: 0x20,
        ..FamilyPolicy::default()
    };
    p.ops.insert(
        op.0,
        OpPolicy {
            do_: op.1,
            dump: op.2,
        },
    );
    for (idx, entries) in policies.iter().enumerate() {
        let attrs: BTreeMap<u16, PolicyAttr> = entries
            .iter()
            .filter_map(|(id, n)| Some((*id, dump(*n)?)))
            .collect();
        if !attrs.is_empty() {
            p.policies.insert(idx as u32, attrs);
        }
    }
    p
}

/// `ENODATA`: what `family_policy` returns for an op without a policy.
fn no_policy() -> FamilyPolicy {
    FamilyPolicy::default()
}

const ADMIN: u32 = GENL_ADMIN_PERM;
const DO: u32 = GENL_CMD_CAP_DO;
const DUMP: u32 = GENL_CMD_CAP_DUMP;
const POL: u32 = GENL_CMD_CAP_HASPOL;

/// What GETFAMILY says of portwatch, as the tests edit it;
/// [`view`](Self::view) is the reply.
struct Info {
    version: u32,
    ops: Vec<OpInfo>,
    mcast_groups: Vec<McastGroup<'static>>,
}

impl Info {
    /// The reply [`compare`] reads.
    fn view(&self) -> FamilyInfo<'_> {
        FamilyInfo {
            family_id: 0x20,
            family_name: "portwatch",
            version: self.version,
            hdrsize: 0,
            maxattr: 14,
            ops: CheckedMulti::new(&self.ops),
            mcast_groups: CheckedMulti::new(&self.mcast_groups),
        }
    }
}

fn info(ops: &[(u32, u32)]) -> Info {
    Info {
        version: 1,
        ops: ops
            .iter()
            .map(|(id, flags)| OpInfo {
                id: *id,
                flags: *flags,
            })
            .collect(),
        mcast_groups: vec![McastGroup {
            name: "rules",
            id: 0x21,
        }],
    }
}

// portwatch-nl.c's policies.
const MATCH: &[(u16, Nla)] = &[
    (1, Nla::Range(K::U16, 1, 65535)),
    (2, Nla::Range(K::U8, 6, 17)),
    (3, Nla::Int(K::U32)),
];
const ACTION: &[(u16, Nla)] = &[
    (1, Nla::Range(K::U32, 1, 3)),
    (2, Nla::Range(K::U32, 0, 1000000)),
];
const MATCH_FILTER: &[(u16, Nla)] = &[(2, Nla::Range(K::U8, 6, 17))];
/// `portwatch_add_nl_policy`, its nests at 1 (match) and 2 (action).
const ADD: &[(u16, Nla)] = &[
    (1, Nla::Min(K::U32, 1)),
    (2, Nla::Nested(1, 3)),
    (3, Nla::Str(64)),
    (4, Nla::Max(K::U32, 2)),
    (5, Nla::Mask(K::U32, 0x7)),
    (6, Nla::Range(K::U8, 1, 255)),
    (7, Nla::BinRange(4, 64)),
    (8, Nla::BinRange(6, 6)),
    (9, Nla::Str(16)),
    (10, Nla::NestedArray(2, 2)),
];
const RULE_ID: &[(u16, Nla)] = &[(1, Nla::Min(K::U32, 1))];
const HIT: &[(u16, Nla)] = &[(1, Nla::Min(K::U32, 1)), (13, Nla::Int(K::U64))];
/// `portwatch_get_dump_nl_policy`, its match nest at 2.
const GET_DUMP: &[(u16, Nla)] = &[(2, Nla::Nested(2, 3))];
/// Linux < 6.2: `portwatch_get_nl_policy`, the union, its nest at 1.
const GET_UNION: &[(u16, Nla)] = &[(1, Nla::Min(K::U32, 1)), (2, Nla::Nested(1, 3))];
/// `genl_policy_reject_all`.
const REJECT_ALL: &[(u16, Nla)] = &[(0, Nla::Reject), (1, Nla::Reject)];

/// Linux 6.12 (split ops): GETFAMILY's ops and each op's policy dump.
fn linux_6_12() -> (Info, BTreeMap<u8, FamilyPolicy>) {
    let info = info(&[
        (1, ADMIN | DO | POL),
        (2, ADMIN | DO | POL),
        (3, DO | DUMP | POL),
        (4, ADMIN | DO),
        (5, ADMIN | DO | POL),
        (6, DO),
        (7, DUMP),
    ]);
    let policies = BTreeMap::from([
        (1, op_dump((1, Some(0), None), &[ADD, MATCH, ACTION])),
        (2, op_dump((2, Some(0), None), &[RULE_ID])),
        (
            3,
            op_dump((3, Some(0), Some(1)), &[RULE_ID, GET_DUMP, MATCH_FILTER]),
        ),
        (4, no_policy()),
        (5, op_dump((5, Some(0), None), &[HIT])),
        (6, no_policy()),
        (7, no_policy()),
    ]);
    (info, policies)
}

/// Linux 6.1 (`genl_ops`, `resv_start_op` 0): one policy per command, and
/// `genl_policy_reject_all` for the ops without one.
fn linux_6_1() -> (Info, BTreeMap<u8, FamilyPolicy>) {
    let info = info(&[
        (1, ADMIN | DO | POL),
        (2, ADMIN | DO | POL),
        (3, DO | DUMP | POL),
        (4, ADMIN | DO | POL),
        (5, ADMIN | DO | POL),
        (6, DO | POL),
        (7, DUMP | POL),
    ]);
    let policies = BTreeMap::from([
        (1, op_dump((1, Some(0), None), &[ADD, MATCH, ACTION])),
        (2, op_dump((2, Some(0), None), &[RULE_ID])),
        (
            3,
            op_dump((3, Some(0), Some(0)), &[GET_UNION, MATCH_FILTER]),
        ),
        (4, op_dump((4, Some(0), None), &[REJECT_ALL])),
        (5, op_dump((5, Some(0), None), &[HIT])),
        (6, op_dump((6, Some(0), None), &[REJECT_ALL])),
        (7, op_dump((7, None, Some(0)), &[REJECT_ALL])),
    ]);
    (info, policies)
}

fn texts(d: &[Drift]) -> Vec<String> {
    let mut v: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    v.sort();
    v
}

fn run(policies: &BTreeMap<u8, FamilyPolicy>, info: &Info) -> Vec<String> {
    texts(&compare(pw::PortwatchCmd::SCHEMA, &info.view(), policies))
}

#[test]
fn portwatch_matches_its_generated_policies_on_linux_6_12() {
    let (info, policies) = linux_6_12();
    assert_eq!(run(&policies, &info), Vec::<String>::new());
}

#[test]
fn portwatch_matches_its_generated_policies_on_linux_6_1() {
    let (info, policies) = linux_6_1();
    assert_eq!(run(&policies, &info), Vec::<String>::new());
}

/// Rule 1: an op without a policy is compared with a request that takes
/// no attributes; where the schema's request takes some, the kernel is
/// said to have no policy (6.12: `ENODATA`) or to reject them (6.1: the
/// reject-all policy).
#[test]
fn an_op_without_a_policy_is_a_drift_only_where_the_request_has_attributes() {
    let (info, mut policies) = linux_6_12();
    policies.insert(5, no_policy());
    assert_eq!(
        run(&policies, &info),
        ["Hit Hit: the kernel has no policy for the do, whose request carries attributes (breaking)"]
    );
    let (info, mut policies) = linux_6_1();
    policies.insert(5, op_dump((5, Some(0), None), &[REJECT_ALL]));
    assert_eq!(
        run(&policies, &info),
        [
            "Hit Hit.bytes: attribute absent from the kernel policy (breaking)",
            "Hit Hit.id: attribute absent from the kernel policy (breaking)",
        ]
    );
}

/// Rule 3: a nest is compared with the view of its field's type: the dump
/// filter's `match` with `MatchFilter` (proto alone), `ADD`'s with the
/// whole `Match`.
#[test]
fn nests_are_compared_with_their_view() {
    let (info, mut policies) = linux_6_12();
    // A kernel whose dump filter takes the whole Match.
    policies.insert(
        3,
        op_dump((3, Some(0), Some(1)), &[RULE_ID, GET_DUMP, MATCH]),
    );
    assert_eq!(
        run(&policies, &info),
        [
            "Get RuleFilter.match: kernel accepts attribute 1, unknown to the schema (compatible)",
            "Get RuleFilter.match: kernel accepts attribute 3, unknown to the schema (compatible)",
        ]
    );
    // A kernel whose ADD takes only the filter's view of Match.
    let (info, mut policies) = linux_6_12();
    policies.insert(1, op_dump((1, Some(0), None), &[ADD, MATCH_FILTER, ACTION]));
    assert_eq!(
        run(&policies, &info),
        [
            "Add RuleSpec.match.mark: attribute absent from the kernel policy (breaking)",
            "Add RuleSpec.match.port: attribute absent from the kernel policy (breaking)",
        ]
    );
}

/// Rule 4: one policy for a do and a dump is their union, accepted only
/// where the dump gives both the same policy.
#[test]
fn a_shared_policy_is_the_union_only_where_the_dump_says_it_is_shared() {
    let (info, mut policies) = linux_6_12();
    // The union as the do's policy, the dump's own policy beside it (both
    // nest the match filter's policy, at 1).
    policies.insert(
        3,
        op_dump(
            (3, Some(0), Some(2)),
            &[GET_UNION, MATCH_FILTER, &[(2, Nla::Nested(1, 3))]],
        ),
    );
    assert_eq!(
        run(&policies, &info),
        ["Get RuleId: kernel accepts attribute 2, unknown to the schema (compatible)"]
    );
}

mod merged;

/// Rule 5: a flags attribute's mask must be the enum's; an enum whose
/// values are not contiguous shows the type's full range; a contiguous
/// one's range must be its values'.
#[test]
fn flags_masks_and_enum_ranges() {
    // ADD's policy with entry `id` replaced by `n`.
    let with_add = |id: u16, n: Nla| {
        let (info, mut policies) = linux_6_12();
        let add: Vec<(u16, Nla)> = ADD
            .iter()
            .map(|e| if e.0 == id { (id, n) } else { *e })
            .collect();
        policies.insert(1, op_dump((1, Some(0), None), &[&add, MATCH, ACTION]));
        run(&policies, &info)
    };
    assert_eq!(
        with_add(5, Nla::Mask(K::U32, 0x3)),
        ["Add RuleSpec.flags: mask is 0x7 in the schema, 0x3 in the kernel (breaking)"]
    );
    assert_eq!(
        with_add(5, Nla::Mask(K::U32, 0xf)),
        ["Add RuleSpec.flags: mask is 0x7 in the schema, 0xf in the kernel (compatible)"]
    );
    assert_eq!(
        with_add(5, Nla::Int(K::U32)),
        ["Add RuleSpec.flags: mask is 0x7 in the schema, none in the kernel (compatible)"]
    );
    // Verdict is 0..=2.
    assert_eq!(
        with_add(4, Nla::Max(K::U32, 1)),
        ["Add RuleSpec.verdict: max is 2 in the schema, 1 in the kernel (breaking)"]
    );
    assert_eq!(
        with_add(4, Nla::Int(K::U32)),
        ["Add RuleSpec.verdict: max is 2 in the schema, none in the kernel (compatible)"]
    );
    // Proto (6, 17): the range of its values (each value is checked by the
    // generated checks, which the dump does not show). The whole type's
    // range lets 0..=255 through: the schema is stricter (compatible); a
    // range that starts at 7 refuses 6 (breaking).
    let (info, policies) = linux_6_12();
    let with_proto = |p: Nla| {
        let mut policies = policies.clone();
        policies.insert(
            1,
            op_dump(
                (1, Some(0), None),
                &[ADD, &[MATCH[0], (2, p), MATCH[2]], ACTION],
            ),
        );
        run(&policies, &info)
    };
    assert_eq!(with_proto(Nla::Range(K::U8, 6, 17)), Vec::<String>::new());
    assert_eq!(
        with_proto(Nla::ValidateFn(K::U8)),
        [
            "Add RuleSpec.match.proto: max is 17 in the schema, none in the kernel (compatible)",
            "Add RuleSpec.match.proto: min is 6 in the schema, none in the kernel (compatible)",
        ]
    );
    assert_eq!(
        with_proto(Nla::Range(K::U8, 7, 17)),
        ["Add RuleSpec.match.proto: min is 6 in the schema, 7 in the kernel (breaking)"]
    );
}

mod both_ways;

mod big_endian;

#[test]
fn capability_and_family_drifts_say_their_impact() {
    let (mut info, policies) = linux_6_12();
    info.ops.retain(|o| o.id != 7); // no PORTS
    info.ops.iter_mut().for_each(|o| match o.id {
        2 => o.flags &= !ADMIN,       // DEL without admin rights
        6 => o.flags |= ADMIN | DUMP, // STATS admin-only, with a dump
        _ => {}
    });
    info.mcast_groups.push(McastGroup {
        name: "extra",
        id: 0x22,
    });
    info.version = 2;
    assert_eq!(
        run(&policies, &info),
        [
            ": multicast group \"extra\" only in the kernel (compatible)",
            ": version 1 in the schema, 2 in the kernel (breaking)",
            "Del: schema says admin-perm, kernel reports flags 0xa (compatible)",
            "Ports: command not registered by the kernel (breaking)",
            "Stats: schema says no admin-perm, kernel reports flags 0x7 (breaking)",
            "Stats: schema says no dump, kernel reports flags 0x7 (compatible)",
        ]
    );
}

/// A kernel's reply is input: types this client does not know, nests
/// pointing at policies the dump does not hold, op entries under another
/// key.
#[test]
fn odd_replies_are_drift_not_panics() {
    let (info, mut policies) = linux_6_12();
    let mut add = op_dump((1, Some(0), None), &[ADD, MATCH, ACTION]);
    add.policies.get_mut(&0).unwrap().get_mut(&3).unwrap().ty = 99;
    add.policies.remove(&1); // the match nest's policy
    let (k, v) = add.ops.pop_first().unwrap();
    assert_eq!(k, 1);
    add.ops.insert(0, v);
    policies.insert(1, add);
    assert_eq!(
        run(&policies, &info),
        [
            "Add RuleSpec.comment: type NLA_NUL_STRING in the schema, type 99 in the kernel (breaking)",
            "Add RuleSpec.match.mark: attribute absent from the kernel policy (breaking)",
            "Add RuleSpec.match.port: attribute absent from the kernel policy (breaking)",
            "Add RuleSpec.match.proto: attribute absent from the kernel policy (breaking)",
        ]
    );
}

/// `ENODATA` and `ENOENT` as `family_policy` maps them.
#[test]
fn policy_dump_errors_mean_what_the_controller_says() {
    use crate::error::KernelError;
    let kernel = |errno, path: Option<&str>| {
        let mut k = KernelError::from_errno(errno);
        k.path = path.map(str::to_owned);
        crate::Error::Kernel(Box::new(k))
    };
    let p = crate::controller::policy_error("pw", Some(4), kernel(libc::ENODATA, None)).unwrap();
    assert_eq!(p, FamilyPolicy::default());
    assert!(matches!(
        crate::controller::policy_error("pw", Some(9), kernel(libc::ENOENT, Some("GetPolicy.op"))),
        Err(crate::Error::OpNotFound { ref family, cmd: 9 }) if family == "pw"
    ));
    assert!(matches!(
        crate::controller::policy_error("pw", Some(9), kernel(libc::ENOENT, None)),
        Err(crate::Error::FamilyNotFound(ref f)) if f == "pw"
    ));
    assert!(matches!(
        crate::controller::policy_error("pw", None, kernel(libc::ENOENT, Some("GetPolicy.op"))),
        Err(crate::Error::FamilyNotFound(_))
    ));
    assert!(matches!(
        crate::controller::policy_error("pw", Some(9), kernel(libc::EPERM, None)),
        Err(crate::Error::Kernel(ref k)) if k.errno == libc::EPERM
    ));
}
