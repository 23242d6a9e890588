//! # genl-ynl
//!
//! Imports a kernel YNL spec (`Documentation/netlink/specs/*.yaml`) as Rust
//! declarations that use the derives of `genl-core`: a
//! [`ValueEnum`](https://docs.rs/genl-core) per `enum` definition, a module
//! of constants per `flags` definition, an `AttrSet` struct per attribute
//! set and a `Family` command enum.
//!
//! ```
//! let spec = "
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u32 }
//! operations:
//!   list:
//!     - name: get
//!       attribute-set: main
//!       do: { request: { attributes: [id] }, reply: { attributes: [id] } }
//! ";
//! let rust = genl_ynl::import(spec, &genl_ynl::ImportOptions::default()).unwrap();
//! assert!(rust.contains("#[nla(id = 1)]"));
//! assert!(rust.contains("#[genl(cmd = 1, request = Main, reply = Main)]"));
//! ```
//!
//! Numbering follows the kernel's `tools/net/ynl/lib/nlspec.py`: attributes
//! from 1 (or the last explicit `value:` + 1), enum entries from
//! `value-start` (default 0), flags are `1 << position`, operations from 1
//! in the `unified` model and with separate request and reply counters in
//! the `directional` model.
//!
//! Every attribute becomes an `Option` (or `Vec` for `multi-attr`, `bool` for
//! flags), since replies omit attributes. Integers that the spec ties to an
//! enum stay integers (a newer kernel may send values this import does not
//! know); the doc comment names the enum. `uint`/`sint` are
//! `genl_core::Uint`/`Sint`, `bitfield32` is `genl_core::Bitfield32`.
//!
//! Every spec of Linux 6.12 imports (the workspace's `tests/ynl/kernel/`):
//! - `struct` definitions become structs implementing
//!   `genl_core::FixedHeader`; an operation with a fixed header (Open
//!   vSwitch's `ovs-header`, rtnetlink's `ifinfomsg`, …) carries
//!   `genl_core::Headed<Header, Attrs>`;
//! - `netlink-raw` families (rtnetlink, tc, nftables) get a module `ops` of
//!   types implementing `genl_core::classic::ClassicOp` with the spec's message
//!   ids, for `ClassicConnection::request` and `dump`; generic netlink
//!   families get a `Family` command enum;
//! - a `sub-message` attribute (its layout chosen by another attribute's
//!   value, as rtnetlink's `data` by `kind`) is raw bytes in its set, and
//!   gets an enum of the formats (`LinkinfoDataMsg::Bridge(..)`, …,
//!   `Other(bytes)`) and an accessor on the set that decodes it by its
//!   selector (`linkinfo.data_msg()`), when the selector is a string of the
//!   same set;
//! - a `type-value` nest (children keyed by their attribute type, as
//!   nlctrl's policy dump: policy index → attribute id → policy) is
//!   `Vec<Keyed<…>>`, one `genl_core::Keyed` level per key;
//! - what has no typed form yet is the attribute's raw bytes, with a doc
//!   comment saying how to read them: indexed arrays of non-nests,
//!   sub-messages selected by an integer or from another set (nftables'
//!   `obj-data`), and nests that contain their own set again (`encap` in
//!   ovs_flow's `key-attrs`);
//! - `pad` attributes are left out (or, with `exact`, the set's `pad` key),
//!   as is an operation numbered 0 (team's `noop`: the derive reserves
//!   command 0), listed in the command enum's doc.
//!
//! Errors ([`ImportError`]) name the place in the spec: unknown types or
//! references, ids out of range, names that collide.

use std::fmt;

pub mod codec;
pub mod compat;
pub mod family;
mod import;
mod spec;
pub mod uapi;
pub mod value;
pub mod wireshark;

pub use import::import;

/// Options of [`import`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import only these operations (by YNL name) and the attribute sets
    /// they reach; `None` imports all of them.
    pub ops: Option<Vec<String>>,
    /// Import the schema exactly (`--exact`): the attributes' `checks`
    /// (`min`, `max`, `min-len`, `max-len`, `exact-len`, as the derive's
    /// `min`, `max`, `min_len`, `max_len` keys, enforced on both sides), and
    /// for an operation whose request or reply lists only some attributes of
    /// its set, a subset struct (`#[genl(subset_of = Set)]`) with those.
    /// Off by default: the kernel's specs write checks for the requests the
    /// kernel accepts, and its replies may carry values outside them, which
    /// the derive's decoder would then reject.
    pub exact: bool,
}

/// Why a spec could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The text is not YAML of the expected shape.
    Yaml(String),
    /// The spec uses a construct the importer cannot express.
    Unsupported {
        /// Where in the spec (e.g. `attribute-sets/dev/ifindex`).
        at: String,
        /// What is unsupported.
        what: String,
    },
    /// A name refers to something the spec does not define.
    Unknown {
        /// Where the reference is.
        at: String,
        /// What kind of thing was looked up (`attribute set`, `operation`, ...).
        kind: &'static str,
        /// The missing name.
        name: String,
    },
    /// A value is out of range or inconsistent.
    Invalid {
        /// Where in the spec.
        at: String,
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Yaml(e) => write!(f, "invalid YNL spec: {e}"),
            ImportError::Unsupported { at, what } => write!(f, "{at}: unsupported: {what}"),
            ImportError::Unknown { at, kind, name } => write!(f, "{at}: unknown {kind} `{name}`"),
            ImportError::Invalid { at, what } => write!(f, "{at}: {what}"),
        }
    }
}

impl std::error::Error for ImportError {}

pub(crate) fn unsupported(at: impl Into<String>, what: impl Into<String>) -> ImportError {
    ImportError::Unsupported {
        at: at.into(),
        what: what.into(),
    }
}

pub(crate) fn invalid(at: impl Into<String>, what: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        at: at.into(),
        what: what.into(),
    }
}
