//! Drift check: does the running kernel's policy (`CTRL_CMD_GETPOLICY`)
//! match the Rust schema? Anyone can run it against their own family:
//!
//! ```no_run
//! # use genl_core::{Connection, Family};
//! # #[derive(Clone, Copy, genl_core::Family)] #[genl(name = "genl_demo")] enum DemoCmd {}
//! let mut conn = Connection::new()?;
//! let drift = genl_core::drift::check_family(&mut conn, DemoCmd::SCHEMA)?;
//! for d in &drift { eprintln!("{d}"); }
//! assert!(drift.is_empty());
//! # Ok::<(), genl_core::Error>(())
//! ```
//!
//! The schema's checks are what user space believes; the kernel's policy is
//! what is enforced. Every difference is reported with the command, the
//! attribute path and both sides, and says whether it breaks the schema's
//! clients ([`Impact`]).
//!
//! # What is compared
//!
//! - **Each operation with its request view.** An operation's request is a
//!   set or a subset of one (`#[genl(subset_of = ...)]`): the kernel's
//!   policy of that operation must accept exactly the view's attributes.
//!   A nest is compared with the view its field's type gives: a dump filter
//!   whose `match` field is a `MatchFilter` subset of `Match` is compared
//!   with `MatchFilter`'s attributes, not `Match`'s. Arrays of nests
//!   (`indexed`) are compared element by element the same way.
//! - **Per attribute:** the type; lengths of strings and bytes; integer
//!   ranges; the mask of a flags enum (`NLA_POLICY_MASK`, which must equal
//!   [`ValueEnumSchema::mask`](crate::schema::ValueEnumSchema::mask)); the
//!   range of a value enum (which must be from its lowest to its highest
//!   value; genl checks each value of one that is not contiguous in the
//!   generated checks, which the dump does not show). Checks are compared
//!   both ways: a check only the kernel has (a
//!   `max_len`, a range, a mask, a narrower type) is a drift as much as one
//!   only the schema has.
//! - **Not compared:** whether an attribute is required (the policy dump does
//!   not say; modules check it in code); validation functions
//!   (`NLA_POLICY_VALIDATE_FN`); minimum lengths
//!   the dump cannot show (`NLA_POLICY_MIN_LEN`, a string's minimum, ranges
//!   behind a pointer for bytes: `net/netlink/policy.c` reports a minimum
//!   length only for `NLA_POLICY_RANGE`/`NLA_POLICY_EXACT_LEN`);
//!   `NLA_BE16`/`NLA_BE32` entries, which the dump leaves out; a
//!   `NLA_BITFIELD32`'s valid bits, which a schema does not declare.
//!
//! A range equal to the full range of the kernel's type (what the dump shows
//! for an integer without a check) is no check.
//!
//! Beware, for modules: Linux 6.1 and 6.12 `WARN` while dumping an integer
//! entry written `NLA_POLICY_VALIDATE_FN(T, fn)` (`nla_get_range_unsigned`
//! reads the range's `s16` bounds, which share a union with the function
//! pointer; seen under QEMU on Debian's 6.1 and 6.12, a panic with
//! `panic_on_warn`), which is why genl generates none on an integer.
//!
//! # Operations without a policy
//!
//! An operation whose request takes no attribute (a command declared
//! without `request`, or with an empty set) is registered without a policy.
//! Kernels report that in two ways, both understood here:
//! - Linux 6.2 and later (split ops, as genl generates them) answer a policy
//!   dump of such an op with `ENODATA`;
//! - Linux 6.1, and later kernels for families declared with `genl_ops`,
//!   give such an op of a family with `resv_start_op` 0 a policy that rejects
//!   every attribute (`genl_policy_reject_all`): the dump shows an op entry
//!   whose policy has no attribute.
//!
//! Either way it is no drift when the schema's request takes no attribute,
//! and a [`DriftKind::NoKernelPolicy`] or one [`DriftKind::MissingInKernel`]
//! per attribute when it takes some.
//!
//! # One policy for a do and a dump (Linux before 6.2)
//!
//! Before split ops (Linux 6.2), a command has one policy (`struct
//! genl_ops`) for its do and its dump; so do families declared with
//! `genl_ops` on later kernels (nlctrl, ethtool). genl's generated code
//! gives such a command the union of the do's and the dump's requests and
//! checks in code what each operation alone accepts. Where the policy dump
//! says the do and the dump use *the same policy* (the same index), that
//! policy is compared with the union of both views; where it gives them
//! different policies, each is compared with its own view. In a shared
//! policy, a nest that the do and the dump see through different views is
//! compared with the union of those views, and the other attributes of
//! their set are accepted too (genl's generated code validates that nest
//! with the whole set's policy there, then each operation's own view).
//!
//! # Compatibility
//!
//! DESIGN.md's evolution rules: additions are compatible, but a new client
//! must not send what an old module rejects under strict validation. So a
//! drift where the kernel accepts *more* than the schema (an attribute the
//! schema does not know, a longer maximum, a wider range, a mask with more
//! bits, a do or dump the schema does not use) is [`Impact::Compatible`]: the
//! schema's clients never send what the kernel would reject. A drift where
//! the kernel accepts *less* (a check the schema lacks, a shorter maximum,
//! a narrower range or type, a missing attribute or command, admin rights the
//! schema does not expect) or something else (another type) is
//! [`Impact::Breaking`]: a client built from the schema can send requests
//! the kernel refuses.

use std::collections::BTreeMap;

use crate::controller::{
    family_policy, FamilyInfo, FamilyPolicy, McastGroup, OpInfo, GENL_ADMIN_PERM, GENL_CMD_CAP_DO,
    GENL_CMD_CAP_DUMP,
};
use crate::schema::FamilySchema;
use crate::{CheckedMulti, Connection, Result};

mod checks;
mod policy;
mod report;
#[cfg(test)]
mod tests;

use policy::{compare_command, Cx};
pub use report::{Drift, DriftKind, Impact};

/// Compares a family schema with the kernel's family description and policy.
///
/// `policies` holds, per command number, the policy dump of that one op
/// (`CTRL_CMD_GETPOLICY` with `CTRL_ATTR_OP`), as [`family_policy`] returns
/// it: an empty [`FamilyPolicy`] (no op entry) when the kernel has no policy
/// for the op (`ENODATA`). A command without an entry is not compared. Per-op
/// dumps are used because in a whole-family dump the kernel files dump-only
/// ops under command 0 (`ctrl_dumppolicy_put_op` keys the nest by the doit's
/// command).
pub fn compare(
    schema: &FamilySchema,
    info: &FamilyInfo<'_>,
    policies: &BTreeMap<u8, FamilyPolicy>,
) -> Vec<Drift> {
    let mut out = Vec::new();
    let family = |kind| Drift {
        command: "",
        path: String::new(),
        kind,
    };
    if u32::from(schema.version) != info.version {
        out.push(family(DriftKind::Version {
            schema: schema.version,
            kernel: info.version,
        }));
    }
    for g in schema.mcast_groups {
        if !info.mcast_groups.iter().any(|k| k.name == *g) {
            out.push(family(DriftKind::Group {
                name: (*g).to_owned(),
                in_kernel: false,
            }));
        }
    }
    for k in &info.mcast_groups {
        if !schema.mcast_groups.contains(&k.name) {
            out.push(family(DriftKind::Group {
                name: k.name.to_owned(),
                in_kernel: true,
            }));
        }
    }
    for c in schema.commands.iter().filter(|c| c.is_op()) {
        let Some(op) = info.ops.iter().find(|o| o.id == u32::from(c.id)) else {
            out.push(Drift {
                command: c.name,
                path: String::new(),
                kind: DriftKind::MissingCommand,
            });
            continue;
        };
        for (want, bit, flag) in [
            (c.do_.is_some(), GENL_CMD_CAP_DO, "do"),
            (c.dump.is_some(), GENL_CMD_CAP_DUMP, "dump"),
            (c.admin_perm, GENL_ADMIN_PERM, "admin-perm"),
        ] {
            if want != (op.flags & bit != 0) {
                out.push(Drift {
                    command: c.name,
                    path: String::new(),
                    kind: DriftKind::Capability {
                        flag,
                        schema: want,
                        kernel_flags: op.flags,
                    },
                });
            }
        }
        let Some(policy) = policies.get(&c.id) else {
            continue;
        };
        let mut cx = Cx {
            out: &mut out,
            command: c.name,
            policy,
        };
        compare_command(&mut cx, c, &op);
    }
    out
}

/// Resolves the family, dumps the policy of each of its ops the schema
/// declares and compares them with `schema`.
///
/// An op without a policy (`ENODATA`) is compared as such; an op the kernel
/// does not know is reported as a [`DriftKind::MissingCommand`]. Fails with
/// [`Error::FamilyNotFound`](crate::Error::FamilyNotFound) when the family is
/// not registered, and with the kernel's or the socket's error otherwise.
pub fn check_family(conn: &mut Connection, schema: &FamilySchema) -> Result<Vec<Drift>> {
    let info = conn.query(
        crate::controller::ctrl_cmd::GetFamily,
        &crate::controller::GetFamily::by_name(schema.name),
    );
    let info = match info {
        Ok(i) => i,
        Err(crate::Error::Kernel(k)) if k.errno == libc::ENOENT => {
            return Err(crate::Error::FamilyNotFound(schema.name.to_owned()))
        }
        Err(e) => return Err(e),
    };
    let mut info = FamilyInfoOwned::from(&info);
    let mut policies = BTreeMap::new();
    for c in schema.commands.iter().filter(|c| c.is_op()) {
        if !info.ops.iter().any(|o| o.id == u32::from(c.id)) {
            continue; // reported as a missing command
        }
        match family_policy(conn, schema.name, Some(c.id.into())) {
            Ok(p) => {
                policies.insert(c.id, p);
            }
            // Listed by GETFAMILY, unknown to GETPOLICY (the module was
            // replaced in between): missing all the same.
            Err(crate::Error::OpNotFound { .. }) => {
                info.ops.retain(|o| o.id != u32::from(c.id));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(info.with_info(|info| compare(schema, info, &policies)))
}

/// `FamilyInfo` detached from the receive buffer (the policy dump reuses it).
struct FamilyInfoOwned {
    name: String,
    /// The family's id, version, header size and max attribute (its name,
    /// ops and groups are the fields below).
    scalars: (u16, u32, u32, u32),
    ops: Vec<OpInfo>,
    groups: Vec<(String, u32)>,
}

impl FamilyInfoOwned {
    fn from(i: &FamilyInfo<'_>) -> Self {
        FamilyInfoOwned {
            name: i.family_name.to_owned(),
            scalars: (i.family_id, i.version, i.hdrsize, i.maxattr),
            ops: i.ops.iter().collect(),
            groups: i
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
        }
    }

    /// `f` of the family as a [`FamilyInfo`] again.
    fn with_info<R>(&self, f: impl FnOnce(&FamilyInfo<'_>) -> R) -> R {
        let groups: Vec<McastGroup<'_>> = self
            .groups
            .iter()
            .map(|(name, id)| McastGroup { name, id: *id })
            .collect();
        let (family_id, version, hdrsize, maxattr) = self.scalars;
        f(&FamilyInfo {
            family_id,
            family_name: &self.name,
            version,
            hdrsize,
            maxattr,
            ops: CheckedMulti::new(&self.ops),
            mcast_groups: CheckedMulti::new(&groups),
        })
    }
}
