//! What the drift check reports: one [`Drift`] per difference, what
//! differs ([`DriftKind`]) and whether it breaks clients ([`Impact`]).

use std::fmt;

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
