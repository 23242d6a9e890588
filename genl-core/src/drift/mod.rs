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
use std::fmt;

use crate::controller::{
    family_policy, FamilyInfo, FamilyPolicy, NlAttrType, OpInfo, OpPolicy, PolicyAttr,
    GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP,
};
use crate::schema::{AttrSchema, AttrSetSchema, AttrType, ByteOrder, CommandSchema, FamilySchema};
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

impl Drift {
    /// Whether the difference breaks clients built from the schema (see
    /// [`Impact`]).
    pub fn impact(&self) -> Impact {
        self.kind.impact()
    }
}

/// How a drift bears on clients built from the schema, by DESIGN.md's
/// evolution rules (a new client must not send what an old module rejects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impact {
    /// The kernel accepts at least everything the schema's clients send (it
    /// is looser: e.g. a newer module that takes more). Compatible.
    Compatible,
    /// The kernel may reject what the schema's clients send (it is stricter,
    /// lacks something, or differs). Breaking.
    Breaking,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::Compatible => "compatible",
            Impact::Breaking => "breaking",
        })
    }
}

/// What differs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriftKind {
    /// The kernel does not register a command the schema declares (or does
    /// not know it when asked for its policy). Breaking.
    MissingCommand,
    /// A command's do, dump or admin-perm flag differs. Breaking where the
    /// kernel lacks a do or dump the schema declares or requires admin
    /// rights the schema does not; compatible otherwise.
    Capability {
        /// The flag: `do`, `dump` or `admin-perm`.
        flag: &'static str,
        /// Whether the schema has it (the kernel then does not).
        schema: bool,
        /// The kernel's op flags (`GENL_*`).
        kernel_flags: u32,
    },
    /// The kernel has no policy for an operation whose request, in the
    /// schema, carries attributes. Breaking.
    NoKernelPolicy {
        /// The operation: `do` or `dump`.
        op: &'static str,
    },
    /// The kernel's policy has no entry for a schema attribute: strict
    /// validation rejects it. Breaking.
    MissingInKernel,
    /// The kernel accepts an attribute the schema does not declare.
    /// Compatible.
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
        /// Compatible where the kernel's type takes every encoding of the
        /// schema's (`NLA_UINT` for a `u32`), else breaking.
        impact: Impact,
    },
    /// A length, range or mask check differs, or only one side has it.
    Check {
        /// Which check: `max_len`, `min_len`, `min`, `max`, `mask` or
        /// `nested policy`.
        check: &'static str,
        /// The schema's value (`none`: no such check).
        schema: String,
        /// The kernel's value (`none`: no such check).
        kernel: String,
        /// Breaking where the kernel rejects values the schema allows.
        impact: Impact,
    },
    /// The family version differs. Breaking (the schema describes another
    /// revision of the family).
    Version {
        /// The schema's version.
        schema: u8,
        /// The kernel's version.
        kernel: u32,
    },
    /// A multicast group is missing on one side. Breaking when the kernel
    /// lacks it.
    Group {
        /// The group name.
        name: String,
        /// Whether the kernel has it (otherwise the schema does).
        in_kernel: bool,
    },
}

impl DriftKind {
    /// Whether the difference breaks clients built from the schema.
    pub fn impact(&self) -> Impact {
        match self {
            DriftKind::Type { impact, .. } | DriftKind::Check { impact, .. } => *impact,
            DriftKind::ExtraInKernel { .. } => Impact::Compatible,
            DriftKind::Group { in_kernel, .. } if *in_kernel => Impact::Compatible,
            // The kernel has a do or dump the schema does not use, or does
            // not require the admin rights the schema expects.
            DriftKind::Capability { flag, schema, .. } if (*flag == "admin-perm") == *schema => {
                Impact::Compatible
            }
            _ => Impact::Breaking,
        }
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.command)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": ")?;
        match &self.kind {
            DriftKind::MissingCommand => write!(f, "command not registered by the kernel")?,
            DriftKind::Capability {
                flag,
                schema,
                kernel_flags,
            } => {
                let no = if *schema { "" } else { "no " };
                write!(
                    f,
                    "schema says {no}{flag}, kernel reports flags {kernel_flags:#x}"
                )?
            }
            DriftKind::NoKernelPolicy { op } => write!(
                f,
                "the kernel has no policy for the {op}, whose request carries attributes"
            )?,
            DriftKind::MissingInKernel => write!(f, "attribute absent from the kernel policy")?,
            DriftKind::ExtraInKernel { id } => {
                write!(f, "kernel accepts attribute {id}, unknown to the schema")?
            }
            DriftKind::Type { schema, kernel, .. } => {
                write!(f, "type {schema} in the schema, {kernel} in the kernel")?
            }
            DriftKind::Check {
                check,
                schema,
                kernel,
                ..
            } => write!(
                f,
                "{check} is {schema} in the schema, {kernel} in the kernel"
            )?,
            DriftKind::Version { schema, kernel } => {
                write!(f, "version {schema} in the schema, {kernel} in the kernel")?
            }
            DriftKind::Group { name, in_kernel } => {
                if *in_kernel {
                    write!(f, "multicast group {name:?} only in the kernel")?
                } else {
                    write!(f, "multicast group {name:?} missing in the kernel")?
                }
            }
        }
        write!(f, " ({})", self.impact())
    }
}

/// How the kernel's type of an attribute relates to the schema's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeFit {
    /// The same wire type (`NLA_STRING` and `NLA_NUL_STRING` both carry
    /// genl's NUL-terminated strings).
    Same,
    /// The kernel takes every encoding the schema sends, and more.
    KernelLooser,
    /// The kernel takes some of the encodings the schema sends.
    KernelStricter,
    /// Unrelated types.
    Different,
}

fn type_fit(ty: &AttrType, k: Option<NlAttrType>) -> TypeFit {
    use NlAttrType as K;
    let Some(k) = k else {
        return TypeFit::Different;
    };
    match (ty, k) {
        (AttrType::U8, K::U8)
        | (AttrType::U16, K::U16)
        | (AttrType::U32, K::U32)
        | (AttrType::U64, K::U64)
        | (AttrType::S8, K::S8)
        | (AttrType::S16, K::S16)
        | (AttrType::S32, K::S32)
        | (AttrType::S64, K::S64)
        | (AttrType::Uint, K::Uint)
        | (AttrType::Sint, K::Sint)
        | (AttrType::Bitfield32, K::Bitfield32)
        | (AttrType::Flag, K::Flag)
        | (AttrType::String, K::String | K::NulString)
        | (AttrType::Binary, K::Binary)
        | (AttrType::Nested(_), K::Nested)
        | (AttrType::IndexedArray(_), K::NestedArray) => TypeFit::Same,
        // NLA_UINT/NLA_SINT take 4 or 8 bytes; the schema sends one width.
        (AttrType::U32 | AttrType::U64, K::Uint) | (AttrType::S32 | AttrType::S64, K::Sint) => {
            TypeFit::KernelLooser
        }
        // genl sends a uint/sint in 4 bytes when the value fits, else 8;
        // NLA_U32/NLA_U64 (strict) take exactly one width.
        (AttrType::Uint, K::U32 | K::U64) | (AttrType::Sint, K::S32 | K::S64) => {
            TypeFit::KernelStricter
        }
        _ => TypeFit::Different,
    }
}

/// The values of the kernel's integer type `k` (what the dump shows for an
/// integer without a range check).
fn full_range(k: NlAttrType) -> Option<(i128, i128)> {
    use NlAttrType as K;
    Some(match k {
        K::U8 => (0, u8::MAX.into()),
        K::U16 => (0, u16::MAX.into()),
        K::U32 => (0, u32::MAX.into()),
        K::U64 | K::Uint => (0, u64::MAX.into()),
        K::S8 => (i8::MIN.into(), i8::MAX.into()),
        K::S16 => (i16::MIN.into(), i16::MAX.into()),
        K::S32 => (i32::MIN.into(), i32::MAX.into()),
        K::S64 | K::Sint => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

fn is_signed(k: NlAttrType) -> bool {
    use NlAttrType as K;
    matches!(k, K::S8 | K::S16 | K::S32 | K::S64 | K::Sint)
}

/// An integer check as a policy dump shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueCheck {
    /// `NL_POLICY_TYPE_ATTR_{MIN,MAX}_VALUE_{U,S}`: the full range when the
    /// policy has no range check.
    Range(i128, i128),
    /// `NL_POLICY_TYPE_ATTR_MASK`.
    Mask(u64),
}

/// The values the schema's clients may send in an integer attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Accepted {
    Range(i128, i128),
    /// A value enum's values (not contiguous).
    Values(Vec<i128>),
    /// Any OR of a flags enum's bits.
    Submasks(u64),
}

impl Accepted {
    /// Whether every value accepted here passes the kernel's check `k`.
    fn within(&self, k: ValueCheck) -> bool {
        let submask = |v: i128, m: u64| v >= 0 && v <= i128::from(u64::MAX) && (v as u64) & !m == 0;
        match (self, k) {
            (Accepted::Range(lo, hi), ValueCheck::Range(klo, khi)) => klo <= *lo && *hi <= khi,
            (Accepted::Values(v), ValueCheck::Range(klo, khi)) => {
                v.iter().all(|v| klo <= *v && *v <= khi)
            }
            (Accepted::Submasks(m), ValueCheck::Range(klo, khi)) => {
                klo <= 0 && i128::from(*m) <= khi
            }
            (Accepted::Range(lo, hi), ValueCheck::Mask(km)) => {
                if lo > hi {
                    return true;
                }
                if hi - lo < 4096 {
                    return (*lo..=*hi).all(|v| submask(v, km));
                }
                // A long range: a sufficient condition (every value from 0
                // to hi is a submask when km holds every bit below hi's
                // highest); a range failing it is taken as breaking.
                let low = if km == u64::MAX {
                    u64::MAX
                } else {
                    (1u64 << km.trailing_ones()) - 1
                };
                *lo >= 0 && *hi <= i128::from(low)
            }
            (Accepted::Values(v), ValueCheck::Mask(km)) => v.iter().all(|v| submask(*v, km)),
            (Accepted::Submasks(m), ValueCheck::Mask(km)) => m & !km == 0,
        }
    }

    /// The smallest and largest value accepted.
    fn bounds(&self) -> (i128, i128) {
        match self {
            Accepted::Range(lo, hi) => (*lo, *hi),
            Accepted::Values(v) => (
                v.iter().copied().min().unwrap_or(0),
                v.iter().copied().max().unwrap_or(0),
            ),
            Accepted::Submasks(m) => (0, i128::from(*m)),
        }
    }
}

/// The kernel's check of an integer attribute of type `k`.
fn kernel_value_check(p: &PolicyAttr, k: NlAttrType, full: (i128, i128)) -> ValueCheck {
    if let Some(m) = p.mask {
        return ValueCheck::Mask(m);
    }
    if is_signed(k) {
        ValueCheck::Range(
            p.min_value_s.map_or(full.0, i128::from),
            p.max_value_s.map_or(full.1, i128::from),
        )
    } else {
        ValueCheck::Range(
            p.min_value_u.map_or(full.0, i128::from),
            p.max_value_u.map_or(full.1, i128::from),
        )
    }
}

/// What the dump shows for an integer attribute declared as `a` (of the
/// kernel's type, whose values are `full`), and what the schema's clients
/// send in it.
fn schema_value_check(a: &AttrSchema, full: (i128, i128)) -> (ValueCheck, Accepted) {
    let e = a.value_enum.filter(|e| !e.variants.is_empty());
    if let Some(e) = e.filter(|e| e.flags) {
        return (ValueCheck::Mask(e.mask()), Accepted::Submasks(e.mask()));
    }
    let c = &a.checks;
    let values = |lo: i128, hi: i128| -> Option<Vec<i128>> {
        let e = e?;
        Some(
            e.variants
                .iter()
                .map(|v| i128::from(v.value))
                .filter(|v| lo <= *v && *v <= hi)
                .collect(),
        )
    };
    if c.min.is_some() || c.max.is_some() {
        // Declared bounds are the policy's, an enum or not.
        let (lo, hi) = (
            c.min.map_or(full.0, i128::from),
            c.max.map_or(full.1, i128::from),
        );
        let accepted = values(lo, hi).map_or(Accepted::Range(lo, hi), Accepted::Values);
        return (ValueCheck::Range(lo, hi), accepted);
    }
    match e {
        Some(e) => match e.contiguous_range() {
            Some((lo, hi)) => {
                let (lo, hi) = (i128::from(lo), i128::from(hi));
                (ValueCheck::Range(lo, hi), Accepted::Range(lo, hi))
            }
            // The range of its values in the policy (each value checked
            // by the generated checks, which the dump does not show).
            None => {
                let v = values(full.0, full.1).unwrap_or_default();
                match (v.iter().min(), v.iter().max()) {
                    (Some(lo), Some(hi)) => (ValueCheck::Range(*lo, *hi), Accepted::Values(v)),
                    _ => (ValueCheck::Range(full.0, full.1), Accepted::Values(v)),
                }
            }
        },
        None => (
            ValueCheck::Range(full.0, full.1),
            Accepted::Range(full.0, full.1),
        ),
    }
}

fn describe_bound(v: i128, type_bound: i128) -> String {
    if v == type_bound {
        "none".to_owned()
    } else {
        v.to_string()
    }
}

fn describe_value_check(c: ValueCheck, full: (i128, i128)) -> String {
    match c {
        ValueCheck::Mask(m) => format!("{m:#x}"),
        ValueCheck::Range(lo, hi) if (lo, hi) == full => "none".to_owned(),
        ValueCheck::Range(lo, hi) => format!("the range {lo}..={hi}"),
    }
}

fn describe_len(v: Option<u32>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

/// The attributes a kernel policy is expected to accept: those of one view,
/// or of several (a policy shared by a do and a dump, a nest they see
/// through different views).
struct Expected {
    /// Attribute id → the attribute, its path, and the views of its nested
    /// set (one per distinct view that reaches it).
    attrs: BTreeMap<u16, ExpectedAttr>,
    /// For a nest seen through different views: the set they view, whose
    /// other attributes the kernel may accept without drift.
    tolerated: Option<&'static AttrSetSchema>,
    /// The path of the set (`RuleFilter.match`).
    path: String,
}

struct ExpectedAttr {
    attr: &'static AttrSchema,
    path: String,
    /// Each distinct view of the nested set, with the attribute's path in
    /// the view that reaches it.
    nested: Vec<(String, &'static AttrSetSchema)>,
}

impl Expected {
    /// The union of `views`, each named by its path.
    fn of(views: &[(String, &'static AttrSetSchema)], tolerant: bool) -> Expected {
        let mut attrs: BTreeMap<u16, ExpectedAttr> = BTreeMap::new();
        for (path, view) in views {
            for a in view.attrs {
                let here = format!("{path}.{}", a.name);
                let e = attrs.entry(a.id).or_insert_with(|| ExpectedAttr {
                    attr: a,
                    path: here.clone(),
                    nested: Vec::new(),
                });
                if let Some(n) = a.ty.nested_set() {
                    if !e.nested.iter().any(|(_, x)| x.path == n.path) {
                        e.nested.push((here, n));
                    }
                }
            }
        }
        let distinct = views
            .iter()
            .map(|(_, v)| v.path)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Expected {
            attrs,
            tolerated: (tolerant && distinct > 1).then(|| views[0].1.root()),
            path: views.first().map(|(p, _)| p.clone()).unwrap_or_default(),
        }
    }
}

/// Comparison state: the drifts found so far, for one command.
struct Cx<'p> {
    out: &'p mut Vec<Drift>,
    command: &'static str,
    policy: &'p FamilyPolicy,
}

/// Nests deeper than this are not followed: a guard, as the comparison
/// follows the schema's nests, which are acyclic, whatever the kernel's
/// policy indices point at.
const MAX_DEPTH: usize = 32;

impl Cx<'_> {
    fn push(&mut self, path: &str, kind: DriftKind) {
        self.out.push(Drift {
            command: self.command,
            path: path.to_owned(),
            kind,
        });
    }

    fn check(
        &mut self,
        path: &str,
        check: &'static str,
        schema: String,
        kernel: String,
        impact: Impact,
    ) {
        self.push(
            path,
            DriftKind::Check {
                check,
                schema,
                kernel,
                impact,
            },
        );
    }

    /// Compares the kernel policy `idx` with the expected attributes.
    fn policy(&mut self, idx: u32, exp: &Expected, depth: usize) {
        // A policy without any attribute the dump shows (every entry
        // NLA_REJECT, as genl_policy_reject_all) has no entry in the dump.
        let empty = BTreeMap::new();
        let policy = self.policy;
        let kattrs = policy.policies.get(&idx).unwrap_or(&empty);
        self.set(exp, kattrs, depth);
    }

    fn set(&mut self, exp: &Expected, kattrs: &BTreeMap<u16, PolicyAttr>, depth: usize) {
        for e in exp.attrs.values() {
            let Some(k) = kattrs.get(&e.attr.id) else {
                // The kernel does not advertise NLA_BE16/NLA_BE32 policies
                // (net/netlink/policy.c skips them like NLA_UNSPEC), so
                // their absence from a dump says nothing.
                let be = e.attr.byte_order == ByteOrder::Big
                    && matches!(e.attr.ty, AttrType::U16 | AttrType::U32);
                if !be {
                    self.push(&e.path, DriftKind::MissingInKernel);
                }
                continue;
            };
            self.attr(e, k, depth);
        }
        for id in kattrs.keys() {
            let known = exp.attrs.contains_key(id)
                || exp.tolerated.is_some_and(|root| root.attr(*id).is_some());
            if !known {
                let path = exp.path.clone();
                self.push(&path, DriftKind::ExtraInKernel { id: *id });
            }
        }
    }

    fn attr(&mut self, e: &ExpectedAttr, k: &PolicyAttr, depth: usize) {
        let a = e.attr;
        let kind = k.kind();
        let fit = type_fit(&a.ty, kind);
        if fit != TypeFit::Same {
            let kernel = kind.map_or_else(|| format!("type {}", k.ty), |t| format!("{t:?}"));
            let impact = if fit == TypeFit::KernelLooser {
                Impact::Compatible
            } else {
                Impact::Breaking
            };
            self.push(
                &e.path,
                DriftKind::Type {
                    schema: a.ty.kernel_name(),
                    kernel,
                    impact,
                },
            );
            return;
        }
        let Some(kind) = kind else { return };
        match a.ty {
            AttrType::String | AttrType::Binary => self.lengths(e, k),
            AttrType::Nested(_) | AttrType::IndexedArray(_) => self.nest(e, k, depth),
            _ => {
                if let Some(full) = full_range(kind) {
                    self.value(e, k, kind, full);
                }
            }
        }
    }

    fn lengths(&mut self, e: &ExpectedAttr, k: &PolicyAttr) {
        let c = &e.attr.checks;
        // Lengths of 65535 and more are no check (nla_len's own limit);
        // the kernel omits such a maximum from a range.
        let (raw_min, raw_max) = (c.exact_len.or(c.min_len), c.exact_len.or(c.max_len));
        let s_max = raw_max.filter(|m| *m < u32::from(u16::MAX));
        let k_max = k.max_length.filter(|m| *m < u32::from(u16::MAX));
        let s_min = raw_min.filter(|m| *m > 0);
        let k_min = k.min_length.filter(|m| *m > 0);
        // Bytes with a minimum and a bound beyond s16 need a range behind a
        // pointer (NLA_POLICY_FULL_RANGE), which the dump does not show.
        let s16 = |v: u32| v <= i16::MAX as u32;
        let hidden_max = e.attr.ty == AttrType::Binary
            && raw_min.is_some()
            && raw_max.is_some_and(|mx| !s16(mx) || raw_min.is_some_and(|mn| !s16(mn)));
        if s_max != k_max && !(k_max.is_none() && hidden_max) {
            let impact = match (s_max, k_max) {
                (Some(s), Some(k)) if k >= s => Impact::Compatible,
                (Some(_), None) => Impact::Compatible,
                _ => Impact::Breaking,
            };
            self.check(
                &e.path,
                "max_len",
                describe_len(s_max),
                describe_len(k_max),
                impact,
            );
        }
        // A minimum the kernel does not show is not a drift: the dump shows
        // one only for a range (NLA_POLICY_RANGE, NLA_POLICY_EXACT_LEN).
        if k_min.is_some() && s_min != k_min {
            let impact = match (s_min, k_min) {
                (Some(s), Some(k)) if k <= s => Impact::Compatible,
                _ => Impact::Breaking,
            };
            self.check(
                &e.path,
                "min_len",
                describe_len(s_min),
                describe_len(k_min),
                impact,
            );
        }
    }

    fn value(&mut self, e: &ExpectedAttr, k: &PolicyAttr, kind: NlAttrType, full: (i128, i128)) {
        let kc = kernel_value_check(k, kind, full);
        let (sc, accepted) = schema_value_check(e.attr, full);
        if kc == sc {
            return;
        }
        match (sc, kc) {
            (ValueCheck::Range(slo, shi), ValueCheck::Range(klo, khi)) => {
                let (amin, amax) = accepted.bounds();
                if slo != klo {
                    let impact = if klo > amin {
                        Impact::Breaking
                    } else {
                        Impact::Compatible
                    };
                    self.check(
                        &e.path,
                        "min",
                        describe_bound(slo, full.0),
                        describe_bound(klo, full.0),
                        impact,
                    );
                }
                if shi != khi {
                    let impact = if khi < amax {
                        Impact::Breaking
                    } else {
                        Impact::Compatible
                    };
                    self.check(
                        &e.path,
                        "max",
                        describe_bound(shi, full.1),
                        describe_bound(khi, full.1),
                        impact,
                    );
                }
            }
            _ => {
                let impact = if accepted.within(kc) {
                    Impact::Compatible
                } else {
                    Impact::Breaking
                };
                self.check(
                    &e.path,
                    "mask",
                    describe_value_check(sc, full),
                    describe_value_check(kc, full),
                    impact,
                );
            }
        }
    }

    fn nest(&mut self, e: &ExpectedAttr, k: &PolicyAttr, depth: usize) {
        if e.nested.is_empty() {
            return; // an array of scalars
        }
        let has_attrs = e.nested.iter().any(|(_, v)| !v.attrs.is_empty());
        match k.policy_idx {
            None if has_attrs => {
                let names: Vec<&str> = e.nested.iter().map(|(_, v)| v.name).collect();
                self.check(
                    &e.path,
                    "nested policy",
                    names.join(" | "),
                    "none".to_owned(),
                    Impact::Compatible,
                );
            }
            None => {}
            Some(idx) if depth < MAX_DEPTH => {
                let exp = Expected::of(&e.nested, true);
                self.policy(idx, &exp, depth + 1);
            }
            Some(_) => {}
        }
    }
}

/// Compares the policies of command `c` (the kernel's op `op`) with the
/// request views of its operations.
fn compare_command(cx: &mut Cx<'_>, c: &CommandSchema, op: &OpInfo) {
    let policy = cx.policy;
    // A per-op dump holds one op entry, keyed by the command.
    let entry: OpPolicy = policy
        .ops
        .get(&u16::from(c.id))
        .or_else(|| {
            if policy.ops.len() == 1 {
                policy.ops.values().next()
            } else {
                None
            }
        })
        .copied()
        .unwrap_or_default();
    let view = |o: Option<crate::schema::OpSchema>| o.and_then(|o| o.request);
    let named = |v: &'static AttrSetSchema| (v.name.to_owned(), v);
    // One policy for the do and the dump: compared with both requests.
    if let (Some(_), Some(_), Some(i), Some(j)) = (c.do_, c.dump, entry.do_, entry.dump) {
        if i == j {
            let views: Vec<_> = [view(c.do_), view(c.dump)]
                .into_iter()
                .flatten()
                .map(named)
                .collect();
            cx.policy(i, &Expected::of(&views, false), 0);
            return;
        }
    }
    for (what, sop, kidx, bit) in [
        ("do", c.do_, entry.do_, GENL_CMD_CAP_DO),
        ("dump", c.dump, entry.dump, GENL_CMD_CAP_DUMP),
    ] {
        if sop.is_none() || op.flags & bit == 0 {
            continue; // reported as a capability
        }
        let v = view(sop);
        match kidx {
            Some(i) => {
                let views: Vec<_> = v.into_iter().map(named).collect();
                cx.policy(i, &Expected::of(&views, false), 0);
            }
            None => {
                if let Some(v) = v.filter(|v| !v.attrs.is_empty()) {
                    cx.push(v.name, DriftKind::NoKernelPolicy { op: what });
                }
            }
        }
    }
}

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
        compare_command(&mut cx, c, op);
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
        if !info.info.ops.iter().any(|o| o.id == u32::from(c.id)) {
            continue; // reported as a missing command
        }
        match family_policy(conn, schema.name, Some(c.id.into())) {
            Ok(p) => {
                policies.insert(c.id, p);
            }
            // Listed by GETFAMILY, unknown to GETPOLICY (the module was
            // replaced in between): missing all the same.
            Err(crate::Error::OpNotFound { .. }) => {
                info.info.ops.retain(|o| o.id != u32::from(c.id));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(compare(schema, &info.as_info(), &policies))
}

#[cfg(test)]
mod tests;

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
