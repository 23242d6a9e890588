//! The support check on the fake kernel: an old module (its policy lacks
//! attribute 8 and a nested attribute, it lacks command 5) and a new
//! client.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::controller::{
    FamilyPolicy, NlAttrType, OpPolicy, PolicyAttr, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP,
    GENL_CMD_CAP_HASPOL,
};
use crate::testing::{FakeKernel, Response};
use crate::{AttrSet, Decode, Encode, Error, Family};

/// A rule's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]
pub struct Meta {
    #[nla(id = 1)]
    pub state: Option<u8>,
    /// New in version 2.
    #[nla(id = 2)]
    pub port: Option<u16>,
}

/// A rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]
pub struct AddRule<'a> {
    #[nla(id = 1)]
    pub name: &'a str,
    #[nla(id = 3, nested)]
    pub meta: Option<Meta>,
    /// New in version 2.
    #[nla(id = 8)]
    pub expires: Option<u32>,
}

/// The client, built for version 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(name = "fake_rules", version = 2)]
pub enum RuleCmd {
    #[genl(cmd = 1, request = AddRule<'a>)]
    Add,
    #[genl(cmd = 2, request = AddRule<'a>, reply = AddRule<'a>, dump, dump_request = AddRule<'a>)]
    Get,
    /// New in version 2.
    #[genl(cmd = 5, request = AddRule<'a>)]
    Flush,
}

fn attr(ty: NlAttrType) -> PolicyAttr {
    PolicyAttr {
        ty: ty as u32,
        ..PolicyAttr::default()
    }
}

/// Version 1's policy: `AddRule` without `expires`, `Meta` without
/// `port`; commands 1 and 2, no 5.
fn old_policy() -> FamilyPolicy {
    let mut p = FamilyPolicy::default();
    let op = OpPolicy {
        do_: Some(0),
        dump: None,
    };
    p.ops.insert(1, op);
    p.ops.insert(
        2,
        OpPolicy {
            do_: Some(0),
            dump: Some(0),
        },
    );
    let nest = PolicyAttr {
        policy_idx: Some(1),
        policy_maxtype: Some(1),
        ..attr(NlAttrType::Nested)
    };
    p.policies.insert(
        0,
        BTreeMap::from([(1, attr(NlAttrType::NulString)), (3, nest)]),
    );
    p.policies
        .insert(1, BTreeMap::from([(1, attr(NlAttrType::U8))]));
    p
}

/// Version 2's: everything the client knows.
fn new_policy() -> FamilyPolicy {
    let mut p = old_policy();
    p.ops.insert(
        5,
        OpPolicy {
            do_: Some(0),
            dump: None,
        },
    );
    p.policies
        .get_mut(&0)
        .unwrap()
        .insert(8, attr(NlAttrType::U32));
    p.policies
        .get_mut(&1)
        .unwrap()
        .insert(2, attr(NlAttrType::U16));
    p
}

const DO: u32 = GENL_CMD_CAP_DO | GENL_CMD_CAP_HASPOL;
const OLD_OPS: &[(u8, u32)] = &[(1, DO), (2, DO | GENL_CMD_CAP_DUMP)];
const NEW_OPS: &[(u8, u32)] = &[(1, DO), (2, DO | GENL_CMD_CAP_DUMP), (5, DO)];

type Seen = Arc<Mutex<Vec<(u8, Vec<u8>)>>>;

/// Registers `fake_rules` at `version`, described by `ops` and `policy`;
/// records what reaches it; answers `Get` with its request and an
/// attribute the client does not know (id 50).
fn module(
    kernel: &FakeKernel,
    version: u8,
    ops: &[(u8, u32)],
    policy: Option<FamilyPolicy>,
) -> Seen {
    let seen: Seen = Default::default();
    let s = seen.clone();
    kernel.add_family("fake_rules", version, &[], move |req| {
        s.lock().unwrap().push((req.genl.cmd, req.attrs.to_vec()));
        match req.genl.cmd {
            2 => {
                let mut attrs = req.attrs.to_vec();
                crate::wire::AttrWriter::new(&mut attrs)
                    .put(50, b"from the future")
                    .unwrap();
                Response::Messages(vec![attrs])
            }
            _ => Response::ack(),
        }
    });
    kernel.describe("fake_rules", ops, policy);
    seen
}

fn old_module(kernel: &FakeKernel) -> Seen {
    module(kernel, 1, OLD_OPS, Some(old_policy()))
}

fn rule(expires: Option<u32>, port: Option<u16>) -> AddRule<'static> {
    AddRule {
        name: "r",
        meta: Some(Meta {
            state: Some(1),
            port,
        }),
        expires,
    }
}

fn unsupported(e: Error) -> crate::Unsupported {
    match e {
        Error::Unsupported(u) => *u,
        e => panic!("expected Unsupported, got {e:?}"),
    }
}

#[test]
fn an_attribute_the_old_module_lacks_fails_before_sending_with_its_path_and_versions() {
    let kernel = FakeKernel::new();
    let seen = old_module(&kernel);
    let mut conn = kernel.connection();
    let u = unsupported(
        conn.request(rule_cmd::Add, &rule(Some(60), None))
            .unwrap_err(),
    );
    assert_eq!(u.family, "fake_rules");
    assert_eq!(u.path.as_deref(), Some("AddRule.expires"));
    assert_eq!((u.kernel_version, u.client_version), (1, 2));
    assert_eq!((u.cmd, u.cmd_id, u.dump), ("Add", 1, false));
    assert_eq!(
        u.to_string(),
        "the running \"fake_rules\" module does not accept attribute AddRule.expires of \
         command Add (1) (module version 1, client built for version 2)"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    // A nested attribute the nest's policy lacks.
    let u = unsupported(
        conn.request(rule_cmd::Add, &rule(None, Some(80)))
            .unwrap_err(),
    );
    assert_eq!(u.path.as_deref(), Some("AddRule.meta.port"));
    // What the module accepts goes out.
    conn.request(rule_cmd::Add, &rule(None, None)).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_command_the_old_module_lacks_fails_before_sending() {
    let kernel = FakeKernel::new();
    let seen = old_module(&kernel);
    let mut conn = kernel.connection();
    let before = kernel.requests();
    let u = unsupported(
        conn.request(rule_cmd::Flush, &rule(None, None))
            .unwrap_err(),
    );
    assert_eq!((u.cmd, u.cmd_id, u.path.as_deref()), ("Flush", 5, None));
    assert_eq!(
        Error::from(u).to_string(),
        "the running \"fake_rules\" module has no command Flush (5) \
         (module version 1, client built for version 2)"
    );
    // GETFAMILY said so: no policy dump was needed.
    assert_eq!(kernel.requests() - before, 1, "only the GETFAMILY");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn the_dump_of_an_op_is_checked_against_the_dump_policy() {
    let kernel = FakeKernel::new();
    old_module(&kernel);
    let mut conn = kernel.connection();
    let e = conn
        .dump(rule_cmd::Get, &rule(Some(1), None))
        .map(drop)
        .unwrap_err();
    let u = unsupported(e);
    assert_eq!((u.dump, u.path.as_deref()), (true, Some("AddRule.expires")));
    let shared = kernel.shared_connection();
    let u = unsupported(
        shared
            .dump(rule_cmd::Get, &rule(Some(1), None))
            .unwrap_err(),
    );
    assert_eq!(u.path.as_deref(), Some("AddRule.expires"));
    assert_eq!(
        shared.dump(rule_cmd::Get, &rule(None, None)).unwrap().len(),
        1
    );
}

#[test]
fn with_the_check_off_the_request_goes_out() {
    let kernel = FakeKernel::new();
    let seen = old_module(&kernel);
    let mut conn = kernel.connection();
    conn.set_check_support(false);
    let before = kernel.requests();
    conn.request(rule_cmd::Add, &rule(Some(60), Some(80)))
        .unwrap();
    conn.request(rule_cmd::Flush, &rule(None, None)).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
    // Resolving and the two requests: no policy dump.
    assert_eq!(kernel.requests() - before, 3);
    let shared = kernel.shared_connection().with_check_support(false);
    shared.request(rule_cmd::Flush, &rule(None, None)).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn the_policy_is_learned_once_per_command_and_only_when_needed() {
    let kernel = FakeKernel::new();
    old_module(&kernel);
    let mut conn = kernel.connection();
    let before = kernel.requests();
    conn.request(rule_cmd::Add, &rule(None, None)).unwrap();
    // GETFAMILY, GETPOLICY of op 1, the request.
    assert_eq!(kernel.requests() - before, 3);
    conn.request(rule_cmd::Add, &rule(None, None)).unwrap();
    assert!(conn.request(rule_cmd::Add, &rule(Some(1), None)).is_err());
    assert_eq!(kernel.requests() - before, 4, "one more request, no dump");
}

#[test]
fn supports_answers_from_the_op_list_and_the_policy() {
    let kernel = FakeKernel::new();
    old_module(&kernel);
    let mut conn = kernel.connection();
    assert!(conn.supports(rule_cmd::Add).unwrap());
    assert!(conn.supports(rule_cmd::Get).unwrap());
    assert!(!conn.supports(rule_cmd::Flush).unwrap());
    assert!(conn.supports_cmd("fake_rules", 1).unwrap());
    assert!(!conn.supports_cmd("fake_rules", 5).unwrap());
    assert!(conn.supports_attr(rule_cmd::Add, "AddRule.name").unwrap());
    assert!(conn.supports_attr(rule_cmd::Add, "meta.state").unwrap());
    assert!(!conn
        .supports_attr(rule_cmd::Add, "AddRule.expires")
        .unwrap());
    assert!(!conn.supports_attr(rule_cmd::Add, "meta.port").unwrap());
    assert!(!conn.supports_attr(rule_cmd::Flush, "name").unwrap());
    assert!(matches!(
        conn.supports_attr(rule_cmd::Add, "AddRule.nope"),
        Err(Error::InvalidArgument(_))
    ));
    let v = conn.family_versions::<RuleCmd>().unwrap();
    assert_eq!((v.kernel, v.client), (1, 2));
    let shared = kernel.shared_connection();
    assert!(!shared.supports(rule_cmd::Flush).unwrap());
    assert!(!shared.supports_attr(rule_cmd::Add, "expires").unwrap());
}

#[test]
fn what_is_learned_goes_when_the_family_is_resolved_again() {
    let kernel = FakeKernel::new();
    old_module(&kernel);
    let mut conn = kernel.connection();
    assert!(conn.request(rule_cmd::Add, &rule(Some(60), None)).is_err());
    assert!(!conn.supports(rule_cmd::Flush).unwrap());
    // The module is upgraded: the controller's notifications drop the
    // cache entry, and what was learned with it.
    kernel.remove_family("fake_rules");
    let seen = module(&kernel, 2, NEW_OPS, Some(new_policy()));
    // At once, inside the interval a cache hit waits before reading the
    // notifications: the refusal the stale entry gives is confirmed
    // against them, and the family resolved and checked again.
    conn.request(rule_cmd::Add, &rule(Some(60), Some(80)))
        .unwrap();
    assert!(conn.supports(rule_cmd::Flush).unwrap());
    conn.request(rule_cmd::Flush, &rule(None, None)).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(conn.family_versions::<RuleCmd>().unwrap().kernel, 2);
    // And back: an explicit invalidation forgets it too.
    kernel.remove_family("fake_rules");
    old_module(&kernel);
    conn.invalidate("fake_rules");
    assert!(conn.request(rule_cmd::Add, &rule(Some(60), None)).is_err());
}

#[test]
fn a_request_allowed_before_is_checked_again_once_the_module_changes() {
    let kernel = FakeKernel::new();
    let seen = module(&kernel, 2, NEW_OPS, Some(new_policy()));
    let mut conn = kernel.connection();
    // Allowed outright, twice (the second time from what the first left).
    conn.request(rule_cmd::Flush, &rule(None, None)).unwrap();
    conn.request(rule_cmd::Flush, &rule(None, None)).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
    // Downgraded to a module without the command: refused before sending,
    // although the same request was allowed a moment ago.
    kernel.remove_family("fake_rules");
    let seen = old_module(&kernel);
    let u = unsupported(
        conn.request(rule_cmd::Flush, &rule(None, None))
            .unwrap_err(),
    );
    assert_eq!((u.cmd, u.kernel_version), ("Flush", 1));
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    // Another command allowed in between does not stand for this one.
    conn.request(rule_cmd::Add, &rule(None, None)).unwrap();
    assert!(conn.request(rule_cmd::Flush, &rule(None, None)).is_err());
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn what_the_kernel_does_not_say_is_allowed() {
    // Ops listed, but no policy dumps (a kernel before 5.10).
    let kernel = FakeKernel::new();
    let seen = module(&kernel, 1, OLD_OPS, None);
    let mut conn = kernel.connection();
    conn.request(rule_cmd::Add, &rule(Some(60), Some(80)))
        .unwrap();
    assert!(conn.supports_attr(rule_cmd::Add, "expires").unwrap());
    // The op list still says what is missing.
    assert!(conn.request(rule_cmd::Flush, &rule(None, None)).is_err());
    assert_eq!(seen.lock().unwrap().len(), 1);
    // No ops listed at all: nothing known, everything goes.
    let kernel = FakeKernel::new();
    let seen = module(&kernel, 1, &[], None);
    let mut conn = kernel.connection();
    conn.request(rule_cmd::Flush, &rule(Some(1), None)).unwrap();
    assert!(conn.supports(rule_cmd::Flush).unwrap());
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_reply_with_attributes_the_client_does_not_know_still_decodes() {
    let kernel = FakeKernel::new();
    module(&kernel, 3, NEW_OPS, Some(new_policy()));
    let mut conn = kernel.connection();
    let r = rule(Some(60), Some(80));
    assert_eq!(conn.query(rule_cmd::Get, &r).unwrap(), r);
    let shared = kernel.shared_connection();
    assert_eq!(shared.query(rule_cmd::Get, &r).unwrap().get().unwrap(), r);
    // Sanity: the reply did carry the unknown attribute.
    let mut bytes = r.encode_to_vec().unwrap();
    crate::wire::AttrWriter::new(&mut bytes)
        .put(50, b"x")
        .unwrap();
    assert_eq!(AddRule::decode(&bytes).unwrap(), r);
}

#[test]
fn the_policy_walk_finds_refused_attributes_in_arrays_and_at_depth() {
    use super::{Accepted, RequestPolicy};
    let mut levels = BTreeMap::new();
    let nest = |idx, array| Accepted {
        nested: Some(idx),
        array,
    };
    let leaf = Accepted {
        nested: None,
        array: false,
    };
    levels.insert(0, BTreeMap::from([(1, leaf), (2, nest(1, true))]));
    levels.insert(1, BTreeMap::from([(1, leaf)]));
    // Highest ids: 2 at the top, 1 in the nest.
    let bounds = BTreeMap::from([(0, 2), (1, 1)]);
    let p = RequestPolicy {
        root: 0,
        levels,
        bounds,
    };
    assert!(p.accepts(&[2, 1]));
    assert!(!p.accepts(&[2, 2]));
    assert!(!p.accepts(&[3]));
    // 1, then the array 2 of two elements, the second carrying id 2.
    let mut buf = Vec::new();
    let mut w = crate::wire::AttrWriter::new(&mut buf);
    w.put_u32(1, 7);
    let arr = w.begin_nest(2);
    let e1 = w.begin_nest(1);
    w.put_u8(1, 1);
    w.end_nest(e1).unwrap();
    let e2 = w.begin_nest(2);
    w.put_u8(1, 1);
    let bad_at = w.len();
    w.put_u8(2, 1);
    w.end_nest(e2).unwrap();
    w.end_nest(arr).unwrap();
    assert_eq!(p.first_refused(&buf), Some(bad_at));
    // Garbage is read as far as it goes, never a panic.
    assert_eq!(p.first_refused(&[0xff, 0xff, 0xff]), None);
}

/// The kernel's policy dump leaves out what it cannot describe (Linux
/// 6.18's dump of mptcp_pm `ADD_ADDR` lists the address nest's ids 1, 2,
/// 4, 5, 6 and 7 under `policy-maxtype` 7, not `ADDR4` = 3, which the
/// module accepts): a missing id at or below the highest id the policy
/// covers is not refused; above it, it is.
#[test]
fn ids_the_dump_leaves_out_below_the_maximum_are_not_refused() {
    use crate::controller::{FamilyPolicy, OpPolicy, PolicyAttr};
    let mut policy = FamilyPolicy::default();
    policy.ops.insert(
        1,
        OpPolicy {
            do_: Some(0),
            dump: None,
        },
    );
    let nest = PolicyAttr {
        ty: 13, // NL_ATTR_TYPE_NESTED
        policy_idx: Some(1),
        policy_maxtype: Some(7),
        ..Default::default()
    };
    let u16_ = PolicyAttr {
        ty: 3,
        ..Default::default()
    };
    policy.policies.insert(0, BTreeMap::from([(1, nest)]));
    policy.policies.insert(
        1,
        BTreeMap::from([(1, u16_), (2, u16_), (4, u16_), (7, u16_)]),
    );
    let p = super::RequestPolicy::from_dump(&policy, 0);
    assert!(p.accepts(&[1, 3]), "3 is below the nest's maxtype 7");
    assert!(!p.accepts(&[1, 8]), "8 is above it");
    assert!(!p.accepts(&[2]), "the top level lists up to 1");
    // The family's maxattr, when the kernel reports it, bounds the top.
    let p = p.with_root_bound(5);
    assert!(p.accepts(&[2]) && p.accepts(&[5]) && !p.accepts(&[6]));
    // 0 (split ops) says nothing.
    let q = super::RequestPolicy::from_dump(&policy, 0).with_root_bound(0);
    assert!(!q.accepts(&[2]));
}
