//! The library behind the `genl` command: tools for the kernel side of a
//! Generic Netlink family written with genl, usable outside a genl checkout.
//!
//! [`scaffold`] creates a project (`genl new`): a directory with a
//! `genl.toml` ([`project`]), the family's schema crate, its kernel module
//! and a typed client, built against the genl crates this tool carries
//! ([`vendor`]). On a project:
//! - [`generate`]: the uapi header, kernel policies/ops and YNL spec,
//!   rendered from the Rust schema (`genl generate [--check]`).
//! - [`vm`]: boots Debian's cloud kernels (5.10, 6.1, 6.12 and
//!   trixie-backports' newest by default; a 6.12 debug kernel when asked for) under
//!   QEMU (downloaded into a per-user [`cache`], never installed), with the
//!   project's module built against each and its test programs, statically
//!   linked, run inside; PASS/FAIL per kernel (`genl vm test`).
//! - [`check`]: `checkpatch.pl --strict` over the module, the family's YNL
//!   spec against the kernel's schema, and the kernel's `ynl-gen-c` uapi
//!   header against ours (`genl check`).
//! - [`kernel_source`]: the parts of Linux 6.12's source those use.
//! - [`kernel_compat`]: the kernel features a module build probed, and a
//!   table of what each kernel of the matrix has (from its headers).
//! - [`host`]: packages (apt, dpkg), programs, locks.
//! - [`ctrl`]: the running kernel's families through nlctrl (`genl ctrl`).
//! - [`ynl`]: any netlink family driven by its YNL spec at run time
//!   (`genl ynl`, `cli.py`'s arguments and JSON).
//! - [`trace`]: captures (through [`nlmon`]) and decodes netlink traffic
//!   (`genl trace`, `genl trace --read FILE.pcap`),
//!   from `GENL_PCAP` or nlmon.
//! - [`cli`]: the command line of `genl`: the one module that prints what
//!   the others return.
//!
//! Errors are typed per module (e.g. [`project::ProjectError`],
//! [`host::HostError`], [`vm::VmError`], [`fuzz::error::FuzzError`]), their
//! `Display` the message the command prints before it exits non-zero.

pub mod cache;
pub mod check;
pub mod cli;
pub mod ctrl;
mod error;
pub mod fuzz;
pub mod generate;
pub mod host;
pub mod kernel_compat;
pub mod kernel_source;
pub mod lanes;
pub mod nlmon;
pub mod project;
pub mod scaffold;
pub mod trace;
pub mod vendor;
pub mod vm;
pub mod ynl;

pub use project::Project;
