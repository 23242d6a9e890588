//! # genl-codegen
//!
//! Code generation from a family's schema descriptors: the kernel uapi header,
//! the kernel policy/ops header and source, and the YNL spec.
//!
//! Every generator is a pure function from a [`FamilySchema`] to text; no
//! file system access happens here (the `cargo xtask codegen` command writes
//! the files, and a staleness test compares them). See [`c`] for the C
//! outputs and [`c_files`] for the set of files a kernel module checks in.
//!
//! ```
//! # use genl_core::{AttrSet, Family};
//! /// Request of `PING`.
//! #[derive(AttrSet)]
//! pub struct Ping { #[nla(id = 1)] pub seq: u32 }
//!
//! #[derive(Clone, Copy, Family)]
//! #[genl(name = "ping_demo", version = 2)]
//! pub enum PingCmd { #[genl(cmd = 1, request = Ping, reply = Ping)] Ping }
//!
//! let h = genl_codegen::c::uapi_header(PingCmd::SCHEMA)?;
//! assert!(h.contains("#define PING_DEMO_FAMILY_VERSION\t2"));
//! assert!(h.contains("PING_DEMO_A_PING_SEQ"));
//! assert!(h.contains("PING_DEMO_CMD_PING"));
//! # Ok::<(), genl_codegen::CodegenError>(())
//! ```

#![warn(missing_docs)]

use std::fmt;

use genl_core::schema::FamilySchema;

pub mod c;
pub mod ynl;

/// The command that regenerates the checked-in outputs; generated files
/// name it in their "do not edit" banner.
pub const REGENERATE_COMMAND: &str = "cargo xtask codegen";

/// A schema that cannot be rendered: conflicting names or types, or a
/// construct the target cannot express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    message: String,
}

impl CodegenError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CodegenError {
            message: message.into(),
        }
    }

    /// What is wrong, naming the family, set and attribute concerned.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code generation failed: {}", self.message)
    }
}

impl std::error::Error for CodegenError {}

/// One generated file: where it goes and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the module directory (`kmod-c/`), `/`-separated.
    pub path: String,
    /// The file's full contents.
    pub contents: String,
}

/// The C files a kernel module for `family` checks in, with their paths
/// relative to the module directory:
///
/// - `include/uapi/linux/<name>.h`: the uapi header ([`c::uapi_header`]);
/// - `<name>-nl.h`: the kernel header ([`c::kernel_header`]);
/// - `<name>-nl.c`: policies, ops table, multicast groups and the family
///   struct ([`c::kernel_source`]).
pub fn c_files(family: &'static FamilySchema) -> Result<Vec<GeneratedFile>, CodegenError> {
    let names = c::file_names(family);
    Ok(vec![
        GeneratedFile {
            path: names.uapi_header,
            contents: c::uapi_header(family)?,
        },
        GeneratedFile {
            path: names.kernel_header,
            contents: c::kernel_header(family)?,
        },
        GeneratedFile {
            path: names.kernel_source,
            contents: c::kernel_source(family)?,
        },
    ])
}
