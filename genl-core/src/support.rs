//! What the running module supports, learned from the controller, and the
//! check that refuses a typed request it cannot take *before* sending it.
//!
//! An old client meets a new module and a new client an old one. Instead of
//! the kernel's `EINVAL "Unknown attribute type"` for the whole request, or a
//! bare `EOPNOTSUPP` for a command the module lacks, a typed request fails
//! with [`Error::Unsupported`], which names the
//! command, the attribute's schema path (`AddRule.expires`) and both the
//! module's and the client's family version.
//!
//! What the module supports comes from two controller answers:
//!
//! - `GETFAMILY`, which every connection sends to resolve a family anyway:
//!   its op list says which commands exist, each with its `do` and `dump`
//!   (`GENL_CMD_CAP_DO`/`_DUMP`). Nothing more is asked to know that.
//! - `GETPOLICY` for one op (`CTRL_ATTR_OP`, Linux 5.10+), sent lazily: the
//!   first typed request of each (family, command) that carries attributes
//!   asks it once; the answer is the set of attribute ids each of the op's
//!   request policies accepts, top level and nested ([`RequestPolicy`]).
//!
//! Both are kept with the resolved family in the connection's cache, so
//! they are forgotten, and learned again, whenever the family is (a module
//! reload, a lost notification, [`Connection::invalidate`](crate::Connection::invalidate)).
//!
//! From them and the request's schema, each (command, `do`/`dump`, request
//! set) gets a verdict computed once: *allow* (the module accepts every
//! attribute the set declares, the common case: a request costs a cache
//! lookup more), *refuse* (no such command), or *walk* (some declared
//! attributes are not accepted: each request's attributes are then read
//! against the policy, so only a request that carries one fails).
//!
//! What the check does not know it lets through ("unknown: allow"):
//!
//! - a family whose `GETFAMILY` lists no ops, or ops without the
//!   `GENL_CMD_CAP_*` flags (kernels before 2.6.35);
//! - a kernel that cannot dump one op's policy (no `GETPOLICY` before 5.7,
//!   no `CTRL_ATTR_OP` before 5.10: any kernel error, or an undecodable
//!   answer, to the policy dump);
//! - an op without a policy (the kernel parses no attribute for it, so it
//!   rejects none);
//! - the content of a nest the policy does not describe.
//!
//! One case it refuses what the kernel might take: the policy dump leaves
//! out `NLA_UNSPEC` entries, which an op validated liberally (one below the
//! family's `resv_start_op`) accepts without checking. Families declared
//! with this crate have no such entries; for an old hand-written one, turn
//! the check off ([`Connection::set_check_support`](crate::Connection::set_check_support)).
//! The check applies to the typed requests of every connection
//! ([`Connection`](crate::Connection) `request`/`query`/`query_deferred`/
//! `dump`, [`SharedConnection`](crate::SharedConnection) and the tokio
//! connections' `request`/`query`/`dump`), never to the untyped ones
//! (`request_by_id`, `dump_by_id`, `request_unchecked`, batches).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::controller::{
    FamilyPolicy, GetPolicy, NlAttrType, OpInfo, PolicyMessage, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP,
};
use crate::error::{DecodeError, Error, Result, Unsupported};
use crate::message::GenlHeader;
use crate::schema::{AttrSetSchema, AttrType};
use crate::wire::AttrIter;

/// How deep [`RequestPolicy`] follows nests (the kernel's own nesting
/// limit is 16, `MAX_POLICY_RECURSION_DEPTH`); deeper is allowed unread.
const MAX_DEPTH: usize = 16;

/// A family's version as the running module registered it and as the
/// client was built for; see [`Connection::family_versions`](crate::Connection::family_versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyVersions {
    /// `CTRL_ATTR_VERSION`, from the controller.
    pub kernel: u32,
    /// [`FamilySchema::version`](crate::schema::FamilySchema::version).
    pub client: u8,
}

/// One attribute a policy accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The policy of its content, for a nest the policy describes.
    pub nested: Option<u32>,
    /// Whether it is an array of such nests (`NLA_NESTED_ARRAY`).
    pub array: bool,
}

/// The attributes one op's request may carry, as the running module's
/// policy says: for each policy (the op's top level and every nest it
/// describes, by the kernel's policy index), the accepted attribute ids,
/// and the highest id the policy covers.
///
/// The kernel's policy dump leaves out attributes it cannot describe
/// (`NLA_UNSPEC`, and on Linux 6.18 mptcp_pm's `ADDR4`, which the module
/// accepts): an id missing from a level is refused only when it is above
/// the level's highest id — the nest's `policy-maxtype`, the family's
/// `maxattr` for the top level when the kernel reports one (not for split
/// ops), else the highest id the dump lists there. Below that, missing
/// means "cannot tell", and the request goes out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestPolicy {
    /// The top level's policy index.
    pub root: u32,
    /// Policy index → attribute id → what is accepted there.
    pub levels: BTreeMap<u32, BTreeMap<u16, Accepted>>,
    /// Policy index → the highest attribute id it covers.
    pub bounds: BTreeMap<u32, u32>,
}

impl RequestPolicy {
    /// The request policy rooted at policy `root` of a `GETPOLICY` dump.
    pub fn from_dump(policy: &FamilyPolicy, root: u32) -> Self {
        let levels = policy
            .policies
            .iter()
            .map(|(idx, attrs)| {
                let attrs = attrs
                    .iter()
                    .map(|(id, a)| {
                        let kind = a.kind();
                        let nest =
                            matches!(kind, Some(NlAttrType::Nested | NlAttrType::NestedArray));
                        let accepted = Accepted {
                            nested: a.policy_idx.filter(|_| nest),
                            array: kind == Some(NlAttrType::NestedArray),
                        };
                        (*id, accepted)
                    })
                    .collect();
                (*idx, attrs)
            })
            .collect();
        let mut bounds = BTreeMap::new();
        for attrs in policy.policies.values() {
            for a in attrs.values() {
                if let (Some(idx), Some(max)) = (a.policy_idx, a.policy_maxtype) {
                    bounds.insert(idx, max);
                }
            }
        }
        if let Some(max) = policy.policies.get(&root).and_then(|l| l.keys().max()) {
            bounds.entry(root).or_insert(u32::from(*max));
        }
        RequestPolicy {
            root,
            levels,
            bounds,
        }
    }

    /// The same with the top level's highest id `max_attr` (the family's
    /// `CTRL_ATTR_MAXATTR`), when it is known (not 0).
    pub fn with_root_bound(mut self, max_attr: u32) -> Self {
        if max_attr > 0 {
            self.bounds.insert(self.root, max_attr);
        }
        self
    }

    /// Whether policy `idx` refuses attribute `id`: not listed, and above
    /// the highest id the policy covers (when that is known).
    fn refuses(&self, idx: u32, id: u16) -> bool {
        let listed = self.levels.get(&idx).is_some_and(|l| l.contains_key(&id));
        !listed && self.bounds.get(&idx).is_some_and(|b| u32::from(id) > *b)
    }

    /// Whether the attribute at `ids` (the top level's id, then the id
    /// inside each nest; an array's elements are skipped over, their ids
    /// are not given) is accepted. A nest whose content the policy does
    /// not describe accepts anything inside.
    pub fn accepts(&self, ids: &[u16]) -> bool {
        let mut level = Some(self.root);
        for id in ids {
            let Some(idx) = level else { return true };
            let Some(a) = self.levels.get(&idx).and_then(|l| l.get(id)) else {
                return !self.refuses(idx, *id);
            };
            level = a.nested;
        }
        true
    }

    /// Whether every attribute `set` declares (and, through nests the
    /// policy describes, every nested one) is accepted.
    fn covers(&self, set: &'static AttrSetSchema) -> bool {
        self.covers_at(self.root, set, 0)
    }

    fn covers_at(&self, idx: u32, set: &'static AttrSetSchema, depth: usize) -> bool {
        if depth >= MAX_DEPTH {
            return true;
        }
        let Some(level) = self.levels.get(&idx) else {
            return set.attrs.iter().all(|a| !self.refuses(idx, a.id));
        };
        set.attrs.iter().all(|a| match level.get(&a.id) {
            None => !self.refuses(idx, a.id),
            Some(acc) => match (acc.nested, a.ty.nested_set()) {
                (Some(inner), Some(s)) => self.covers_at(inner, s, depth + 1),
                _ => true,
            },
        })
    }

    /// The offset in `attrs` of the first attribute (top level or nested)
    /// the policy does not accept.
    pub fn first_refused(&self, attrs: &[u8]) -> Option<usize> {
        self.refused_in(self.root, attrs, attrs, 0)
    }

    fn refused_in(&self, idx: u32, base: &[u8], buf: &[u8], depth: usize) -> Option<usize> {
        let at =
            |a: &crate::wire::Attr<'_>| buf.as_ptr() as usize - base.as_ptr() as usize + a.offset;
        let level = self.levels.get(&idx);
        for a in AttrIter::new(buf).map_while(|a| a.ok()) {
            let Some(acc) = level.and_then(|l| l.get(&a.id)) else {
                if self.refuses(idx, a.id) {
                    return Some(at(&a));
                }
                continue;
            };
            let Some(inner) = acc.nested.filter(|_| depth + 1 < MAX_DEPTH) else {
                continue;
            };
            if acc.array {
                for e in AttrIter::new(a.value).map_while(|e| e.ok()) {
                    if let Some(off) = self.refused_in(inner, base, e.value, depth + 1) {
                        return Some(off);
                    }
                }
            } else if let Some(off) = self.refused_in(inner, base, a.value, depth + 1) {
                return Some(off);
            }
        }
        None
    }
}

/// What the running module supports of one operation (`do` or `dump`) of
/// a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpSupport {
    /// The module has no such operation.
    Absent,
    /// The module has it; which attributes it accepts is not known (or it
    /// parses none): every request is let through.
    Unknown,
    /// The module has it, with this request policy.
    Policy(Arc<RequestPolicy>),
}

impl OpSupport {
    /// Whether the module has the operation (unknown counts as yes).
    pub fn exists(&self) -> bool {
        !matches!(self, OpSupport::Absent)
    }
}

/// Both operations of one command, as learned from a `GETPOLICY` dump of
/// the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdSupport {
    /// The `do` operation.
    pub do_: OpSupport,
    /// The `dump` operation.
    pub dump: OpSupport,
}

impl CmdSupport {
    /// The same with the family's `maxattr` as the top level's bound
    /// ([`RequestPolicy::with_root_bound`]).
    pub fn with_root_bound(self, max_attr: u32) -> Self {
        let bound = |o: OpSupport| match o {
            OpSupport::Policy(p) => {
                OpSupport::Policy(Arc::new(Arc::unwrap_or_clone(p).with_root_bound(max_attr)))
            }
            o => o,
        };
        CmdSupport {
            do_: bound(self.do_),
            dump: bound(self.dump),
        }
    }

    /// What a one-op `GETPOLICY` dump of `cmd` says (see
    /// [`family_policy`](crate::controller::family_policy) for the
    /// meaning of the kernel's errors), given the ops `GETFAMILY` listed.
    ///
    /// A one-op dump files the op under its `do`'s command, or 0 for a
    /// dump-only op (`ctrl_dumppolicy_put_op`): it has one op entry, taken
    /// whatever its key.
    pub fn from_dump(cmd: u8, dumped: Result<FamilyPolicy>) -> Result<CmdSupport> {
        let unknown = CmdSupport {
            do_: OpSupport::Unknown,
            dump: OpSupport::Unknown,
        };
        let policy = match dumped {
            Ok(p) => p,
            Err(Error::OpNotFound { .. }) => {
                return Ok(CmdSupport {
                    do_: OpSupport::Absent,
                    dump: OpSupport::Absent,
                })
            }
            // Any answer of the kernel, or one this client cannot read:
            // not knowing is no reason to refuse.
            Err(Error::Kernel(_) | Error::Decode(_) | Error::FamilyNotFound(_)) => {
                return Ok(unknown)
            }
            Err(e) => return Err(e),
        };
        let op = policy
            .ops
            .get(&u16::from(cmd))
            .or_else(|| policy.ops.values().next().filter(|_| policy.ops.len() == 1));
        let Some(op) = op else { return Ok(unknown) };
        let side = |idx: Option<u32>| match idx {
            Some(i) if policy.policies.contains_key(&i) => {
                OpSupport::Policy(Arc::new(RequestPolicy::from_dump(&policy, i)))
            }
            // An op without a policy, or one the dump left out.
            _ => OpSupport::Unknown,
        };
        Ok(CmdSupport {
            do_: side(op.do_),
            dump: side(op.dump),
        })
    }
}

/// The verdict on one (command, operation, request set): computed once,
/// applied to each request.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    /// Every attribute the set declares is accepted (or nothing is known).
    Allow,
    /// The module has no such operation.
    Refuse,
    /// Some declared attributes are not accepted: read each request.
    Walk(Arc<RequestPolicy>),
}

/// What is known of a family's support: kept with its cache entry, so it
/// goes when the entry does.
#[derive(Debug, Clone, Default)]
pub(crate) struct SupportState {
    /// What each command's `GETPOLICY` dump said.
    learned: Vec<(u8, CmdSupport)>,
    /// Verdicts: (command, dump, request set's address) → verdict.
    verdicts: Vec<(u8, bool, usize, Verdict)>,
}

/// Whether `ops` (from `GETFAMILY`) say what exists: a kernel that lists
/// no op, or no op with a capability flag, describes nothing.
fn described(ops: &[OpInfo]) -> bool {
    ops.iter()
        .any(|o| o.flags & (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP) != 0)
}

/// Whether `ops` have command `cmd`'s `do` (or `dump`), if they say.
pub(crate) fn op_listed(ops: &[OpInfo], cmd: u8, dump: bool) -> Option<bool> {
    if !described(ops) {
        return None;
    }
    let flag = if dump {
        GENL_CMD_CAP_DUMP
    } else {
        GENL_CMD_CAP_DO
    };
    Some(
        ops.iter()
            .any(|o| o.id == u32::from(cmd) && o.flags & flag != 0),
    )
}

impl SupportState {
    /// What was learned of `cmd`, if it was.
    pub(crate) fn learned(&self, cmd: u8) -> Option<&CmdSupport> {
        self.learned.iter().find(|(c, _)| *c == cmd).map(|(_, s)| s)
    }

    /// Records what was learned of `cmd`.
    pub(crate) fn learn(&mut self, cmd: u8, s: CmdSupport) {
        self.learned.retain(|(c, _)| *c != cmd);
        self.verdicts.retain(|(c, ..)| *c != cmd);
        self.learned.push((cmd, s));
    }

    /// The verdict on `cmd`'s `do` (or `dump`) with requests of `set`,
    /// given the family's `ops`; `None`: the command's policy must be
    /// learned first.
    #[inline]
    pub(crate) fn verdict(
        &mut self,
        ops: &[OpInfo],
        cmd: u8,
        dump: bool,
        set: Option<&'static AttrSetSchema>,
    ) -> Option<Verdict> {
        let key = set_key(set);
        if let Some((.., v)) = self
            .verdicts
            .iter()
            .find(|(c, d, k, _)| *c == cmd && *d == dump && *k == key)
        {
            return Some(v.clone());
        }
        let v = match (op_listed(ops, cmd, dump), set) {
            (Some(false), _) => Verdict::Refuse,
            // Nothing said, or nothing to carry: nothing to learn.
            (None, _) | (_, None) => Verdict::Allow,
            (Some(true), Some(set)) => {
                let s = self.learned(cmd)?;
                match if dump { &s.dump } else { &s.do_ } {
                    OpSupport::Absent => Verdict::Refuse,
                    OpSupport::Unknown => Verdict::Allow,
                    OpSupport::Policy(p) if p.covers(set) => Verdict::Allow,
                    OpSupport::Policy(p) => Verdict::Walk(p.clone()),
                }
            }
        };
        self.verdicts.push((cmd, dump, key, v.clone()));
        Some(v)
    }
}

/// The `CTRL_CMD_GETPOLICY` dump request for op `cmd` of family `name`.
pub(crate) fn policy_request(name: &str, cmd: u8) -> GetPolicy<'_> {
    GetPolicy {
        family_id: None,
        family_name: Some(name),
        op: Some(u32::from(cmd)),
    }
}

/// The `GETPOLICY` dump with attributes `req`.
pub(crate) fn policy<'r, 'n>(req: &'r GetPolicy<'n>) -> crate::engine::Request<'r, GetPolicy<'n>> {
    crate::engine::Request {
        family_id: crate::controller::GENL_ID_CTRL,
        genl: GenlHeader {
            cmd: crate::Family::cmd(crate::controller::CtrlCmd::GetPolicy),
            version: crate::controller::CTRL_VERSION,
        },
        mode: crate::engine::Mode::Dump,
        flags: 0,
        payload: req,
        schema: Some(<GetPolicy<'_> as crate::AttrSet>::SCHEMA),
    }
}

/// The messages of a `GETPOLICY` dump as they are read: the policy they
/// describe, and the first one that failed to decode (the dump is read to
/// its end all the same).
#[derive(Debug, Default)]
pub(crate) struct PolicyCollector {
    policy: FamilyPolicy,
    failed: Option<Error>,
}

impl PolicyCollector {
    /// Adds one message, decoded (it borrows the receive buffer only until
    /// this returns: what it describes is copied).
    pub(crate) fn add(&mut self, m: std::result::Result<PolicyMessage<'_>, DecodeError>) {
        match m {
            Ok(m) if self.failed.is_none() => self.policy.absorb(m),
            Ok(_) => {}
            Err(e) => {
                self.failed.get_or_insert(e.into());
            }
        }
    }

    /// The policy, or the first message's decode error.
    pub(crate) fn finish(self) -> Result<FamilyPolicy> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.policy),
        }
    }
}

/// The outcome of a `GETPOLICY` dump of one op, collected by a
/// [`PolicyCollector`]; a kernel error means what
/// [`policy_error`](crate::controller::policy_error) says.
pub(crate) fn collect_policy(
    name: &str,
    cmd: u8,
    policy: Result<FamilyPolicy>,
) -> Result<FamilyPolicy> {
    policy.or_else(|e| crate::controller::policy_error(name, Some(u32::from(cmd)), e))
}

/// [`collect_policy`] of a dump collected as owned messages (the shared
/// and tokio connections).
pub(crate) fn policy_from_owned(
    name: &str,
    cmd: u8,
    replies: Result<impl IntoIterator<Item = crate::owned::OwnedMessage>>,
) -> Result<FamilyPolicy> {
    let policy = replies.and_then(|ms| {
        let mut out = PolicyCollector::default();
        for m in ms {
            out.add(m.decode());
        }
        out.finish()
    });
    collect_policy(name, cmd, policy)
}

/// The facts [`check`] needs about a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asked {
    /// The family's name.
    pub family: &'static str,
    /// The client's family version.
    pub client_version: u8,
    /// The command's name and number.
    pub cmd: (&'static str, u8),
    /// A dump (else a `do`).
    pub dump: bool,
    /// The request's declared set.
    pub set: Option<&'static AttrSetSchema>,
}

impl Asked {
    /// What the verdict on this request depends on besides its family.
    #[inline]
    pub(crate) fn key(&self) -> crate::resolve::AllowedKey {
        (self.cmd.1, self.dump, set_key(self.set))
    }
}

/// A request set's identity in the verdict caches: its schema's address
/// (schemas are `'static`, one per set type), 0 for none.
#[inline]
fn set_key(set: Option<&'static AttrSetSchema>) -> usize {
    set.map_or(0, |s| s as *const AttrSetSchema as usize)
}

/// Applies `verdict` to a request carrying `payload`: `Ok` to send it, or
/// the [`Error::Unsupported`] that says why not. `kernel_version`: the
/// module's family version.
pub(crate) fn check<P: crate::Encode + ?Sized>(
    verdict: Verdict,
    asked: Asked,
    kernel_version: u32,
    payload: &P,
) -> Result<()> {
    let path = match verdict {
        Verdict::Allow => return Ok(()),
        Verdict::Refuse => None,
        Verdict::Walk(policy) => {
            let attrs = payload.encode_to_vec()?;
            let Some(off) = policy.first_refused(&attrs) else {
                return Ok(());
            };
            Some(match asked.set.and_then(|s| s.path_at(&attrs, off)) {
                Some((p, _)) => p,
                None => format!("<attribute at offset {off}>"),
            })
        }
    };
    Err(Unsupported {
        family: asked.family.to_owned(),
        kernel_version,
        client_version: asked.client_version,
        cmd: asked.cmd.0,
        cmd_id: asked.cmd.1,
        dump: asked.dump,
        path,
    }
    .into())
}

/// Resolves a schema path (`AddRule.expires`, `expires`, `meta.state`;
/// the set's name first is optional) to attribute ids through `set`.
pub(crate) fn path_ids(set: &'static AttrSetSchema, path: &str) -> Result<Vec<u16>> {
    let mut parts = path.split('.').peekable();
    if parts.peek() == Some(&set.name) && path.contains('.') {
        parts.next();
    }
    let mut ids = Vec::new();
    let mut at: Option<&'static AttrSetSchema> = Some(set);
    for part in parts {
        let a = at
            .and_then(|s| s.attr_named(part).or_else(|| s.root().attr_named(part)))
            .ok_or_else(|| {
                Error::InvalidArgument(format!("{path:?}: no attribute {part:?} in {}", set.name))
            })?;
        ids.push(a.id);
        at = match a.ty {
            AttrType::Nested(s) => Some(s),
            AttrType::IndexedArray(t) => t.nested_set(),
            _ => None,
        };
    }
    if ids.is_empty() {
        return Err(Error::InvalidArgument(format!("{path:?}: an empty path")));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests;
