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
//! attribute path and both sides.

use std::collections::BTreeMap;
use std::fmt;

use crate::controller::{family_policy, FamilyInfo, FamilyPolicy, NlAttrType, PolicyAttr};
use crate::schema::{AttrSchema, AttrType, FamilySchema};
use crate::{Connection, Result};

/// One difference between the schema and the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The command (Rust name) whose policy differs, or `""` for the family.
    pub command: &'static str,
    /// The attribute path (`KvEntry.meta.port`), or `""`.
    pub path: String,
    /// What differs.
    pub kind: DriftKind,
}

/// What differs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriftKind {
    /// The kernel does not register a command the schema declares.
    MissingCommand,
    /// A command's do/dump/admin capability differs.
    Capability {
        /// What the schema says.
        schema: &'static str,
        /// What the kernel reports.
        kernel: String,
    },
    /// The kernel's policy has no entry for a schema attribute.
    MissingInKernel,
    /// The kernel accepts an attribute the schema does not declare.
    ExtraInKernel {
        /// Its id.
        id: u16,
    },
    /// The attribute types differ.
    Type {
        /// The schema's type.
        schema: &'static str,
        /// The kernel's type.
        kernel: String,
    },
    /// A length or range check differs.
    Check {
        /// Which check (`max_len`, `min`, …).
        check: &'static str,
        /// The schema's value.
        schema: String,
        /// The kernel's value.
        kernel: String,
    },
    /// The family version differs.
    Version {
        /// The schema's version.
        schema: u8,
        /// The kernel's version.
        kernel: u32,
    },
    /// A multicast group is missing on one side.
    Group {
        /// The group name.
        name: String,
        /// Whether the kernel has it (otherwise the schema does).
        in_kernel: bool,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.command)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": ")?;
        match &self.kind {
            DriftKind::MissingCommand => write!(f, "command not registered by the kernel"),
            DriftKind::Capability { schema, kernel } => {
                write!(f, "schema says {schema}, kernel reports {kernel}")
            }
            DriftKind::MissingInKernel => write!(f, "attribute absent from the kernel policy"),
            DriftKind::ExtraInKernel { id } => {
                write!(f, "kernel accepts attribute {id}, unknown to the schema")
            }
            DriftKind::Type { schema, kernel } => {
                write!(f, "type {schema} in the schema, {kernel} in the kernel")
            }
            DriftKind::Check {
                check,
                schema,
                kernel,
            } => write!(
                f,
                "{check} is {schema} in the schema, {kernel} in the kernel"
            ),
            DriftKind::Version { schema, kernel } => {
                write!(f, "version {schema} in the schema, {kernel} in the kernel")
            }
            DriftKind::Group { name, in_kernel } => {
                if *in_kernel {
                    write!(f, "multicast group {name:?} only in the kernel")
                } else {
                    write!(f, "multicast group {name:?} missing in the kernel")
                }
            }
        }
    }
}

/// Kernel policy types that carry a schema type (`NLA_BE16` is reported as
/// `U16`, `NLA_STRING` and `NLA_NUL_STRING` both carry strings).
fn compatible(ty: &AttrType, k: Option<NlAttrType>) -> bool {
    use NlAttrType as K;
    let Some(k) = k else { return false };
    matches!(
        (ty, k),
        (AttrType::U8, K::U8)
            | (AttrType::U16, K::U16)
            | (AttrType::U32, K::U32)
            | (AttrType::U64, K::U64 | K::Uint)
            | (AttrType::S8, K::S8)
            | (AttrType::S16, K::S16)
            | (AttrType::S32, K::S32)
            | (AttrType::S64, K::S64 | K::Sint)
            | (AttrType::Uint, K::Uint | K::U32 | K::U64)
            | (AttrType::Sint, K::Sint | K::S32 | K::S64)
            | (AttrType::Bitfield32, K::Bitfield32)
            | (AttrType::Flag, K::Flag)
            | (AttrType::String, K::String | K::NulString)
            | (AttrType::Binary, K::Binary)
            | (AttrType::Nested(_), K::Nested)
            | (AttrType::IndexedArray(_), K::NestedArray)
    )
}

fn cmp_check<T: PartialEq + fmt::Debug>(
    out: &mut Vec<Drift>,
    command: &'static str,
    path: &str,
    check: &'static str,
    schema: Option<T>,
    kernel: Option<T>,
) {
    if schema.is_some() && schema != kernel {
        out.push(Drift {
            command,
            path: path.to_owned(),
            kind: DriftKind::Check {
                check,
                schema: format!("{schema:?}"),
                kernel: format!("{kernel:?}"),
            },
        });
    }
}

/// Compares the attributes `schema_attrs` (the request attributes of the
/// operations sharing one kernel policy) with that policy.
fn compare_set(
    out: &mut Vec<Drift>,
    command: &'static str,
    schema_attrs: &[&'static AttrSchema],
    prefix: &str,
    policy: &FamilyPolicy,
    attrs: &BTreeMap<u16, PolicyAttr>,
    depth: usize,
) {
    for &a in schema_attrs {
        let path = format!("{prefix}.{}", a.name);
        let Some(k) = attrs.get(&a.id) else {
            // The kernel does not advertise NLA_BE16/NLA_BE32 policies
            // (net/netlink/policy.c skips them like NLA_UNSPEC), so their
            // absence from a dump says nothing.
            if a.byte_order == crate::schema::ByteOrder::Big {
                continue;
            }
            out.push(Drift {
                command,
                path,
                kind: DriftKind::MissingInKernel,
            });
            continue;
        };
        if !compatible(&a.ty, k.kind()) {
            out.push(Drift {
                command,
                path,
                kind: DriftKind::Type {
                    schema: a.ty.kernel_name(),
                    kernel: k
                        .kind()
                        .map(|t| format!("{t:?}"))
                        .unwrap_or_else(|| k.ty.to_string()),
                },
            });
            continue;
        }
        let c = &a.checks;
        if matches!(a.ty, AttrType::String | AttrType::Binary) {
            cmp_check(
                out,
                command,
                &path,
                "max_len",
                c.max_len.or(c.exact_len),
                k.max_length,
            );
            // A string's minimum length cannot be expressed in a policy the
            // kernel dumps (modules check it in a validate function); compare
            // it only when the kernel reports one.
            if a.ty != AttrType::String || k.min_length.is_some() {
                cmp_check(
                    out,
                    command,
                    &path,
                    "min_len",
                    c.min_len.or(c.exact_len),
                    k.min_length,
                );
            }
        }
        if a.ty.int_size().is_some() {
            let (kmin, kmax) = if a.ty.is_signed() {
                (k.min_value_s.map(i128::from), k.max_value_s.map(i128::from))
            } else {
                (k.min_value_u.map(i128::from), k.max_value_u.map(i128::from))
            };
            cmp_check(out, command, &path, "min", c.min.map(i128::from), kmin);
            cmp_check(out, command, &path, "max", c.max.map(i128::from), kmax);
        }
        if let (AttrType::Nested(inner), Some(idx)) = (a.ty, k.policy_idx) {
            if depth < 16 {
                if let Some(nested) = policy.policies.get(&idx) {
                    // Nested policies are the whole nested set's.
                    let all: Vec<&'static AttrSchema> = inner.root().attrs.iter().collect();
                    compare_set(out, command, &all, &path, policy, nested, depth + 1);
                }
            }
        }
    }
    for id in attrs.keys() {
        if !schema_attrs.iter().any(|a| a.id == *id) {
            out.push(Drift {
                command,
                path: prefix.to_owned(),
                kind: DriftKind::ExtraInKernel { id: *id },
            });
        }
    }
}

/// Compares a family schema with the kernel's family description and policy.
///
/// `policies` holds, per command number, the policy dump of that one op
/// (`CTRL_CMD_GETPOLICY` with `CTRL_ATTR_OP`). Per-op dumps are used because
/// in a whole-family dump the kernel files dump-only ops under command 0
/// (`ctrl_dumppolicy_put_op` keys the nest by the doit's command).
pub fn compare(
    schema: &FamilySchema,
    info: &FamilyInfo<'_>,
    policies: &BTreeMap<u8, FamilyPolicy>,
) -> Vec<Drift> {
    let mut out = Vec::new();
    if u32::from(schema.version) != info.version {
        out.push(Drift {
            command: "",
            path: String::new(),
            kind: DriftKind::Version {
                schema: schema.version,
                kernel: info.version,
            },
        });
    }
    for g in schema.mcast_groups {
        if !info.mcast_groups.iter().any(|k| k.name == *g) {
            out.push(Drift {
                command: "",
                path: String::new(),
                kind: DriftKind::Group {
                    name: (*g).to_owned(),
                    in_kernel: false,
                },
            });
        }
    }
    for k in &info.mcast_groups {
        if !schema.mcast_groups.contains(&k.name) {
            out.push(Drift {
                command: "",
                path: String::new(),
                kind: DriftKind::Group {
                    name: k.name.to_owned(),
                    in_kernel: true,
                },
            });
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
        use crate::controller::{GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP};
        for (want, bit, what) in [
            (c.do_.is_some(), GENL_CMD_CAP_DO, "do"),
            (c.dump.is_some(), GENL_CMD_CAP_DUMP, "dump"),
            (c.admin_perm, GENL_ADMIN_PERM, "admin-perm"),
        ] {
            if want != (op.flags & bit != 0) {
                out.push(Drift {
                    command: c.name,
                    path: String::new(),
                    kind: DriftKind::Capability {
                        schema: if want { what } else { "no flag" },
                        kernel: format!("flags {:#x}", op.flags),
                    },
                });
            }
        }
        let Some(policy) = policies.get(&c.id) else {
            continue;
        };
        // A per-op dump holds one op entry (keyed 0 for dump-only ops).
        let op_pol = policy.ops.values().next().copied().unwrap_or_default();
        // Each kernel policy with the request attributes of the operations
        // using it (Linux 6.1 has one policy per command for do and dump).
        let mut by_policy: BTreeMap<u32, Vec<&'static AttrSchema>> = BTreeMap::new();
        let mut unpoliced: Vec<&'static str> = Vec::new();
        for (op, idx) in [(c.do_, op_pol.do_), (c.dump, op_pol.dump)] {
            let Some(op) = op else { continue };
            let attrs: &'static [AttrSchema] = op.request.map_or(&[], |r| r.attrs);
            match idx {
                Some(i) => {
                    let v = by_policy.entry(i).or_default();
                    for a in attrs {
                        if !v.iter().any(|x| x.id == a.id) {
                            v.push(a);
                        }
                    }
                }
                None if !attrs.is_empty() => {
                    unpoliced.push(op.request.map_or("", |r| r.name));
                }
                None => {}
            }
        }
        for name in unpoliced {
            out.push(Drift {
                command: c.name,
                path: name.to_owned(),
                kind: DriftKind::MissingInKernel,
            });
        }
        let prefix = c.request_set().map_or("", |s| s.name);
        for (idx, attrs) in by_policy {
            if let Some(kattrs) = policy.policies.get(&idx) {
                compare_set(&mut out, c.name, &attrs, prefix, policy, kattrs, 0);
            }
        }
    }
    out
}

/// Resolves the family, dumps its policy and compares it with `schema`.
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
    let info = FamilyInfoOwned::from(&info);
    let mut policies = BTreeMap::new();
    for c in schema.commands.iter().filter(|c| c.is_op()) {
        if !info.info.ops.iter().any(|o| o.id == u32::from(c.id)) {
            continue; // reported as a missing command
        }
        policies.insert(c.id, family_policy(conn, schema.name, Some(c.id.into()))?);
    }
    Ok(compare(schema, &info.as_info(), &policies))
}

/// `FamilyInfo` detached from the receive buffer (the policy dump reuses it).
struct FamilyInfoOwned {
    name: String,
    info: FamilyInfo<'static>,
    groups: Vec<(String, u32)>,
}

impl FamilyInfoOwned {
    fn from(i: &FamilyInfo<'_>) -> Self {
        FamilyInfoOwned {
            name: i.family_name.to_owned(),
            info: FamilyInfo {
                family_id: i.family_id,
                family_name: "",
                version: i.version,
                hdrsize: i.hdrsize,
                maxattr: i.maxattr,
                ops: i.ops.clone(),
                mcast_groups: Vec::new(),
            },
            groups: i
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
        }
    }

    fn as_info(&self) -> FamilyInfo<'_> {
        FamilyInfo {
            family_name: &self.name,
            mcast_groups: self
                .groups
                .iter()
                .map(|(n, id)| crate::controller::McastGroup { name: n, id: *id })
                .collect(),
            ..self.info.clone()
        }
    }
}
