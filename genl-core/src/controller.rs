//! The generic netlink controller (`nlctrl`), declared with genl's own
//! derives: resolve families and multicast groups, list families and ops.
//!
//! Ids and layouts are those of `include/uapi/linux/genetlink.h`.
//!
//! The replies borrow the receive buffer and allocate nothing: a family's
//! ops and groups, and a policy dump's tables, are [`CheckedMulti`] fields,
//! checked when the message is decoded (as the kernel's strict policy
//! would) and decoded again, without allocating, as they are iterated.
//! Something that outlives the buffer copies what it needs (the family
//! cache's [`ResolvedFamily`](crate::ResolvedFamily), [`FamilyPolicy`]).

use crate::codec::Keyed;
use crate::{AttrSet, CheckedMulti, Family};

/// The controller's fixed family id (`GENL_ID_CTRL`).
pub const GENL_ID_CTRL: u16 = 0x10;
/// The controller version this client speaks.
pub const CTRL_VERSION: u8 = 2;

/// Op flag: the command needs `CAP_NET_ADMIN` (`GENL_ADMIN_PERM`).
pub const GENL_ADMIN_PERM: u32 = 0x01;
/// Op flag: the command has a `doit` handler (`GENL_CMD_CAP_DO`).
pub const GENL_CMD_CAP_DO: u32 = 0x02;
/// Op flag: the command has a `dumpit` handler (`GENL_CMD_CAP_DUMP`).
pub const GENL_CMD_CAP_DUMP: u32 = 0x04;
/// Op flag: the command has an attribute policy (`GENL_CMD_CAP_HASPOL`).
pub const GENL_CMD_CAP_HASPOL: u32 = 0x08;
/// Op flag: `CAP_NET_ADMIN` in the netns' user namespace suffices
/// (`GENL_UNS_ADMIN_PERM`).
pub const GENL_UNS_ADMIN_PERM: u32 = 0x10;

/// The controller's commands (`CTRL_CMD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Family)]
#[genl(
    name = "nlctrl",
    version = 2,
    c_prefix = "CTRL",
    mcast_groups("notify")
)]
pub enum CtrlCmd {
    /// A family was registered (notification).
    #[genl(cmd = 1, reply = FamilyInfo<'a>, event)]
    NewFamily,
    /// A family was unregistered (notification).
    #[genl(cmd = 2, reply = FamilyInfo<'a>, event)]
    DelFamily,
    /// Get one family by name or id, or dump all.
    #[genl(cmd = 3, request = GetFamily<'a>, reply = FamilyInfo<'a>, dump)]
    GetFamily,
    /// A multicast group was added (notification).
    #[genl(cmd = 7, reply = FamilyInfo<'a>, event)]
    NewMcastGrp,
    /// A multicast group was removed (notification).
    #[genl(cmd = 8, reply = FamilyInfo<'a>, event)]
    DelMcastGrp,
    /// Dump the attribute policies of a family's ops.
    #[genl(cmd = 10, request = GetPolicy<'a>, reply = PolicyMessage<'a>, dump_only)]
    GetPolicy,
}

/// The controller's attribute set (`CTRL_ATTR_*`), every attribute declared
/// once; requests and replies are subsets of it ([`GetFamily`],
/// [`FamilyInfo`], [`GetPolicy`], [`PolicyMessage`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "CTRL_ATTR", name = "ctrl-attrs")]
pub struct CtrlAttrs<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    #[nla(id = 1)]
    pub family_id: Option<u16>,
    /// `CTRL_ATTR_FAMILY_NAME`.
    #[nla(id = 2, max_len = 15)]
    pub family_name: Option<&'a str>,
    /// `CTRL_ATTR_VERSION`.
    #[nla(id = 3)]
    pub version: Option<u32>,
    /// `CTRL_ATTR_HDRSIZE`: size of the family's fixed header.
    #[nla(id = 4)]
    pub hdrsize: Option<u32>,
    /// `CTRL_ATTR_MAXATTR`.
    #[nla(id = 5)]
    pub maxattr: Option<u32>,
    /// `CTRL_ATTR_OPS`: the commands, numbered from 1.
    #[nla(id = 6, indexed)]
    pub ops: CheckedMulti<'a, OpInfo>,
    /// `CTRL_ATTR_MCAST_GROUPS`: the multicast groups, numbered from 1.
    #[nla(id = 7, indexed)]
    pub mcast_groups: CheckedMulti<'a, McastGroup<'a>>,
    /// `CTRL_ATTR_POLICY`: policy index → attribute id → description.
    #[nla(id = 8, indexed)]
    pub policy: CheckedMulti<'a, Keyed<CheckedMulti<'a, Keyed<PolicyAttr>>>>,
    /// `CTRL_ATTR_OP_POLICY`: command → its policy indices.
    #[nla(id = 9, indexed)]
    pub op_policy: CheckedMulti<'a, Keyed<OpPolicy>>,
    /// `CTRL_ATTR_OP`: restrict a policy dump to this command.
    #[nla(id = 10)]
    pub op: Option<u32>,
}

/// `CTRL_CMD_GETFAMILY` request: select by id or name; empty for a dump.
#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]
#[genl(subset_of = CtrlAttrs)]
pub struct GetFamily<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    pub family_id: Option<u16>,
    /// `CTRL_ATTR_FAMILY_NAME`.
    pub family_name: Option<&'a str>,
}

impl<'a> GetFamily<'a> {
    /// Selects a family by name.
    pub fn by_name(name: &'a str) -> Self {
        GetFamily {
            family_id: None,
            family_name: Some(name),
        }
    }

    /// Selects a family by id.
    pub fn by_id(id: u16) -> Self {
        GetFamily {
            family_id: Some(id),
            family_name: None,
        }
    }

    /// Selects nothing: the request of a dump of every family.
    pub fn all() -> Self {
        GetFamily::default()
    }
}

/// A family as the controller describes it (reply of `GETFAMILY`, and the
/// payload of `NEWFAMILY`/`DELFAMILY` notifications), borrowing the
/// message: decoding it allocates nothing.
///
/// Its ops and groups are [`CheckedMulti`] fields: every element is checked when
/// the message is decoded (a malformed op fails the decode), and iterating
/// yields them by value. To build one (to encode, or in a test), give
/// [`CheckedMulti::new`] slices.
///
/// ```
/// use genl_core::controller::{FamilyInfo, McastGroup, OpInfo, GENL_CMD_CAP_DO};
/// use genl_core::{Decode, Encode, CheckedMulti};
///
/// let ops = [OpInfo { id: 3, flags: GENL_CMD_CAP_DO }];
/// let groups = [McastGroup { name: "notify", id: 0x10 }];
/// let info = FamilyInfo {
///     family_id: 0x10,
///     family_name: "nlctrl",
///     version: 2,
///     hdrsize: 0,
///     maxattr: 10,
///     ops: CheckedMulti::new(&ops),
///     mcast_groups: CheckedMulti::new(&groups),
/// };
/// let bytes = info.encode_to_vec()?;
/// let got = FamilyInfo::decode(&bytes)?;              // no allocation
/// assert_eq!(got, info);
/// assert!(got.ops.iter().any(|op| op.id == 3));
/// assert_eq!(got.mcast_groups.iter().next().map(|g| g.name), Some("notify"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(subset_of = CtrlAttrs)]
pub struct FamilyInfo<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    pub family_id: u16,
    /// `CTRL_ATTR_FAMILY_NAME`.
    pub family_name: &'a str,
    /// `CTRL_ATTR_VERSION`.
    pub version: u32,
    /// `CTRL_ATTR_HDRSIZE`: size of the family's fixed header.
    pub hdrsize: u32,
    /// `CTRL_ATTR_MAXATTR`.
    pub maxattr: u32,
    /// `CTRL_ATTR_OPS`: the commands, numbered from 1.
    #[nla(indexed)]
    pub ops: CheckedMulti<'a, OpInfo>,
    /// `CTRL_ATTR_MCAST_GROUPS`: the multicast groups, numbered from 1.
    #[nla(indexed)]
    pub mcast_groups: CheckedMulti<'a, McastGroup<'a>>,
}

/// The family a controller notification is about: every notification
/// (`NEWFAMILY`, `DELFAMILY`, `NEWMCAST_GRP`, `DELMCAST_GRP`) carries its id
/// and name, not always the rest of [`FamilyInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(subset_of = CtrlAttrs)]
pub struct FamilyRef<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    pub family_id: u16,
    /// `CTRL_ATTR_FAMILY_NAME`.
    pub family_name: &'a str,
}

/// One op of a family (`CTRL_ATTR_OP_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "CTRL_ATTR_OP")]
pub struct OpInfo {
    /// `CTRL_ATTR_OP_ID`: the command number.
    #[nla(id = 1)]
    pub id: u32,
    /// `CTRL_ATTR_OP_FLAGS`: `GENL_ADMIN_PERM`, `GENL_CMD_CAP_*`.
    #[nla(id = 2)]
    pub flags: u32,
}

impl OpInfo {
    /// The flag names set, in the order iproute2's `genl ctrl list` uses.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (bit, name) in [
            (GENL_ADMIN_PERM, "admin-perm"),
            (GENL_CMD_CAP_DO, "do"),
            (GENL_CMD_CAP_DUMP, "dump"),
            (GENL_CMD_CAP_HASPOL, "has-policy"),
            (GENL_UNS_ADMIN_PERM, "uns-admin-perm"),
        ] {
            if self.flags & bit != 0 {
                v.push(name);
            }
        }
        v
    }
}

/// One multicast group (`CTRL_ATTR_MCAST_GRP_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(c_prefix = "CTRL_ATTR_MCAST_GRP")]
pub struct McastGroup<'a> {
    /// `CTRL_ATTR_MCAST_GRP_NAME`.
    #[nla(id = 1)]
    pub name: &'a str,
    /// `CTRL_ATTR_MCAST_GRP_ID`.
    #[nla(id = 2)]
    pub id: u32,
}

/// `CTRL_CMD_GETPOLICY` request: the family, and optionally one op.
#[derive(Debug, Clone, Default, PartialEq, Eq, AttrSet)]
#[genl(subset_of = CtrlAttrs)]
pub struct GetPolicy<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    pub family_id: Option<u16>,
    /// `CTRL_ATTR_FAMILY_NAME`.
    pub family_name: Option<&'a str>,
    /// `CTRL_ATTR_OP`: restrict the dump to this command.
    pub op: Option<u32>,
}

/// A `CTRL_CMD_GETPOLICY` dump message: either the policy indices of ops, or
/// attribute policies by index (`net/netlink/policy.c`,
/// `ctrl_dumppolicy` in `net/netlink/genetlink.c`), borrowing the message
/// like [`FamilyInfo`]; [`FamilyPolicy::absorb`] collects a dump's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AttrSet)]
#[genl(subset_of = CtrlAttrs)]
pub struct PolicyMessage<'a> {
    /// `CTRL_ATTR_FAMILY_ID`.
    pub family_id: u16,
    /// `CTRL_ATTR_POLICY`: policy index → attribute id → description.
    #[nla(indexed)]
    pub policy: CheckedMulti<'a, Keyed<CheckedMulti<'a, Keyed<PolicyAttr>>>>,
    /// `CTRL_ATTR_OP_POLICY`: command → its policy indices.
    #[nla(indexed)]
    pub op_policy: CheckedMulti<'a, Keyed<OpPolicy>>,
}

/// `CTRL_ATTR_POLICY_DO` / `_DUMP`: the policy indices of one op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, AttrSet)]
#[genl(c_prefix = "CTRL_ATTR_POLICY")]
pub struct OpPolicy {
    /// Policy index of the `doit` handler.
    #[nla(id = 1)]
    pub do_: Option<u32>,
    /// Policy index of the `dumpit` handler.
    #[nla(id = 2)]
    pub dump: Option<u32>,
}

/// One attribute's policy as the kernel describes it
/// (`NL_POLICY_TYPE_ATTR_*` in `include/uapi/linux/netlink.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, AttrSet)]
#[genl(c_prefix = "NL_POLICY_TYPE_ATTR")]
pub struct PolicyAttr {
    /// `NL_POLICY_TYPE_ATTR_TYPE`: an `NL_ATTR_TYPE_*` value, see [`NlAttrType`].
    #[nla(id = 1)]
    pub ty: u32,
    /// `NL_POLICY_TYPE_ATTR_MIN_VALUE_S`.
    #[nla(id = 2)]
    pub min_value_s: Option<i64>,
    /// `NL_POLICY_TYPE_ATTR_MAX_VALUE_S`.
    #[nla(id = 3)]
    pub max_value_s: Option<i64>,
    /// `NL_POLICY_TYPE_ATTR_MIN_VALUE_U`.
    #[nla(id = 4)]
    pub min_value_u: Option<u64>,
    /// `NL_POLICY_TYPE_ATTR_MAX_VALUE_U`.
    #[nla(id = 5)]
    pub max_value_u: Option<u64>,
    /// `NL_POLICY_TYPE_ATTR_MIN_LENGTH`.
    #[nla(id = 6)]
    pub min_length: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_MAX_LENGTH`.
    #[nla(id = 7)]
    pub max_length: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_POLICY_IDX`: the nested policy.
    #[nla(id = 8)]
    pub policy_idx: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE`: the nested policy's max type.
    #[nla(id = 9)]
    pub policy_maxtype: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_BITFIELD32_MASK`.
    #[nla(id = 10)]
    pub bitfield32_mask: Option<u32>,
    /// `NL_POLICY_TYPE_ATTR_MASK`.
    #[nla(id = 12)]
    pub mask: Option<u64>,
}

impl PolicyAttr {
    /// The attribute type, if this client knows it.
    pub fn kind(&self) -> Option<NlAttrType> {
        <NlAttrType as crate::ValueEnum>::from_value(self.ty.into())
    }
}

/// `enum netlink_attribute_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, crate::ValueEnum)]
#[genl(c_prefix = "NL_ATTR_TYPE")]
#[repr(u32)]
#[allow(missing_docs)]
pub enum NlAttrType {
    Invalid = 0,
    Flag = 1,
    U8 = 2,
    U16 = 3,
    U32 = 4,
    U64 = 5,
    S8 = 6,
    S16 = 7,
    S32 = 8,
    S64 = 9,
    Binary = 10,
    String = 11,
    NulString = 12,
    Nested = 13,
    NestedArray = 14,
    Bitfield32 = 15,
    Sint = 16,
    Uint = 17,
}

/// A family's policies, collected from a `GETPOLICY` dump.
///
/// Kernel quirk: in a whole-family dump, dump-only ops are filed under
/// command 0 (`ctrl_dumppolicy_put_op` keys the nest by the doit's command);
/// dump one op (`op: Some(cmd)`) to attribute its policy unambiguously.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyPolicy {
    /// The family id.
    pub family_id: u16,
    /// Command → policy indices of its do and dump handlers.
    pub ops: std::collections::BTreeMap<u16, OpPolicy>,
    /// Policy index → attribute id → description.
    pub policies: std::collections::BTreeMap<u32, std::collections::BTreeMap<u16, PolicyAttr>>,
}

impl FamilyPolicy {
    /// Adds one message of a `GETPOLICY` dump (copying what it describes).
    pub fn absorb(&mut self, m: PolicyMessage<'_>) {
        self.family_id = m.family_id;
        for p in m.policy {
            let attrs = self.policies.entry(p.key.into()).or_default();
            for a in p.value {
                attrs.insert(a.key, a.value);
            }
        }
        for o in m.op_policy {
            self.ops.insert(o.key, o.value);
        }
    }

    /// The attribute policy of `cmd`'s `doit` handler.
    pub fn do_policy(&self, cmd: u8) -> Option<&std::collections::BTreeMap<u16, PolicyAttr>> {
        let idx = self.ops.get(&u16::from(cmd))?.do_?;
        self.policies.get(&idx)
    }

    /// The attribute policy of `cmd`'s `dumpit` handler.
    pub fn dump_policy(&self, cmd: u8) -> Option<&std::collections::BTreeMap<u16, PolicyAttr>> {
        let idx = self.ops.get(&u16::from(cmd))?.dump?;
        self.policies.get(&idx)
    }
}

/// Dumps the attribute policies of family `name` (optionally of one op)
/// with `CTRL_CMD_GETPOLICY`.
///
/// What the kernel answers is mapped as it means:
/// - `ENODATA`: the family (or the op) has no policy at all. That is an
///   answer, not a failure: an empty [`FamilyPolicy`] (no op entry, no
///   policy; `family_id` 0). Linux 6.12 answers so for an op registered
///   without a policy (an attribute-less split op); Linux 6.1 fills such an
///   op of a family with `resv_start_op` 0 with a policy rejecting every
///   attribute instead, which the dump shows as an op entry whose policy
///   has no attribute.
/// - `ENOENT` for a family that exists (the op does not):
///   [`Error::OpNotFound`](crate::Error::OpNotFound). Linux 6.12 marks the
///   request's `op` attribute in the extended ACK then; Linux 6.1 does not,
///   so a bare `ENOENT` for one op is followed by a `GETFAMILY` to tell the
///   two apart.
/// - any other `ENOENT`: [`Error::FamilyNotFound`](crate::Error::FamilyNotFound).
pub fn family_policy(
    conn: &mut crate::Connection,
    name: &str,
    op: Option<u32>,
) -> crate::Result<FamilyPolicy> {
    let req = GetPolicy {
        family_id: None,
        family_name: Some(name),
        op,
    };
    let mut out = FamilyPolicy::default();
    let failure = match conn.dump(ctrl_cmd::GetPolicy, &req) {
        Err(e) => e,
        Ok(mut dump) => loop {
            match dump.next() {
                Ok(Some(m)) => out.absorb(m),
                Ok(None) => return Ok(out),
                Err(e) => break e,
            }
        },
    };
    policy_failure(name, op, failure, || {
        match conn.query(ctrl_cmd::GetFamily, &GetFamily::by_name(name)) {
            Ok(_) => Ok(true),
            Err(crate::Error::Kernel(k)) if k.errno == libc::ENOENT => Ok(false),
            Err(e) => Err(e),
        }
    })
}

/// [`policy_error`], then for a bare `ENOENT` of one op (Linux 6.1 marks
/// nothing) whether the family exists, by `family_exists`.
fn policy_failure(
    name: &str,
    op: Option<u32>,
    e: crate::Error,
    family_exists: impl FnOnce() -> crate::Result<bool>,
) -> crate::Result<FamilyPolicy> {
    match (policy_error(name, op, e), op) {
        (Err(crate::Error::FamilyNotFound(_)), Some(cmd)) if family_exists()? => {
            Err(crate::Error::OpNotFound {
                family: name.to_owned(),
                cmd,
            })
        }
        (r, _) => r,
    }
}

/// The meaning of a kernel error answering a `GETPOLICY` dump of family
/// `name` (of one op with `op`), from the error alone; see
/// [`family_policy`], which also tells a missing op from a missing family
/// where the error does not.
pub fn policy_error(name: &str, op: Option<u32>, e: crate::Error) -> crate::Result<FamilyPolicy> {
    use crate::Error;
    match e {
        Error::Kernel(k) if k.errno == libc::ENODATA => Ok(FamilyPolicy::default()),
        // ctrl_dumppolicy_start() marks the op attribute (NL_SET_BAD_ATTR)
        // when the family has no such op, and nothing when it has no such
        // family; Linux 6.1's reply carries no mark either way.
        Error::Kernel(k) if k.errno == libc::ENOENT => match op {
            Some(cmd) if k.path.as_deref() == Some("GetPolicy.op") => Err(Error::OpNotFound {
                family: name.to_owned(),
                cmd,
            }),
            _ => Err(Error::FamilyNotFound(name.to_owned())),
        },
        e => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelError;
    use crate::Error;

    fn enoent() -> Error {
        Error::Kernel(Box::new(KernelError::from_errno(libc::ENOENT)))
    }

    /// One attribute, as `nla_put` lays it out (`NLA_ALIGN`ed).
    fn nla(ty: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = ((4 + payload.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(payload);
        v.resize(v.len().next_multiple_of(4), 0);
        v
    }

    /// A `GETFAMILY` reply as `ctrl_fill_info` builds it, with one op whose
    /// `CTRL_ATTR_OP_ID` carries `op_id` (the kernel puts a `u32`).
    fn reply(op_id: &[u8]) -> Vec<u8> {
        const NESTED: u16 = 0x8000;
        let op = [nla(1, op_id), nla(2, &GENL_CMD_CAP_DO.to_ne_bytes())].concat();
        let group = [nla(1, b"events\0"), nla(2, &0x21u32.to_ne_bytes())].concat();
        [
            nla(1, &0x20u16.to_ne_bytes()),
            nla(2, b"pw\0"),
            nla(3, &1u32.to_ne_bytes()),
            nla(4, &0u32.to_ne_bytes()),
            nla(5, &3u32.to_ne_bytes()),
            nla(6 | NESTED, &nla(1 | NESTED, &op)),
            nla(7 | NESTED, &nla(1 | NESTED, &group)),
        ]
        .concat()
    }

    /// The ops and groups are read from the reply's bytes; a malformed op
    /// fails the decode itself, not only its iteration (the kernel's
    /// strict policy would refuse it too).
    #[test]
    fn family_info_reads_the_nests_and_refuses_a_malformed_op_at_decode() {
        use crate::codec::Decode;
        let bytes = reply(&3u32.to_ne_bytes());
        let f = FamilyInfo::decode(&bytes).unwrap();
        assert_eq!((f.family_id, f.family_name, f.maxattr), (0x20, "pw", 3));
        let ops: Vec<OpInfo> = f.ops.iter().collect();
        assert_eq!(
            ops,
            [OpInfo {
                id: 3,
                flags: GENL_CMD_CAP_DO
            }]
        );
        let groups: Vec<(&str, u32)> = f.mcast_groups.iter().map(|g| (g.name, g.id)).collect();
        assert_eq!(groups, [("events", 0x21)]);

        let e = FamilyInfo::decode(&reply(&3u16.to_ne_bytes())).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                crate::error::DecodeErrorKind::BadValueLength {
                    expected: 4,
                    actual: 2
                }
            ),
            "{e}"
        );
        assert!(e.fields().contains(&"ops"), "{e}");
    }

    /// Linux 6.1's bare ENOENT for one op: the family's presence decides.
    #[test]
    fn a_bare_enoent_for_one_op_asks_whether_the_family_exists() {
        let r = policy_failure("pw", Some(8), enoent(), || Ok(true));
        assert!(matches!(r, Err(Error::OpNotFound { ref family, cmd: 8 }) if family == "pw"));
        let r = policy_failure("pw", Some(8), enoent(), || Ok(false));
        assert!(matches!(r, Err(Error::FamilyNotFound(ref f)) if f == "pw"));
        let r = policy_failure("pw", Some(8), enoent(), || Err(Error::Timeout));
        assert!(matches!(r, Err(Error::Timeout)));
        // A whole-family dump: nothing to ask.
        let r = policy_failure("pw", None, enoent(), || panic!("not asked"));
        assert!(matches!(r, Err(Error::FamilyNotFound(_))));
        // Other answers are not second-guessed.
        let enodata = Error::Kernel(Box::new(KernelError::from_errno(libc::ENODATA)));
        let r = policy_failure("pw", Some(4), enodata, || panic!("not asked"));
        assert_eq!(r.unwrap(), FamilyPolicy::default());
    }
}
