//! A Wireshark dissector (Lua) generated from a YNL spec.
//!
//! [`dissector`] renders a Lua plugin for one generic netlink family. It
//! registers in Wireshark's `genl.family` dissector table under the family
//! name: Wireshark's genetlink dissector learns the dynamic family id from
//! the `CTRL_CMD_NEWFAMILY` replies in the capture (a genl recording made
//! with `GENL_PCAP` holds them: resolving a family records its reply) and
//! hands every message of that family to the plugin, the buffer starting at
//! the genetlink header (`cmd`, `version`, `reserved`), attributes after it.
//!
//! What the plugin shows, following the rules of [`crate::codec`]:
//!
//! - the command (`genl_<family>.cmd`) and its operation name
//!   (`genl_<family>.op`), requests (`NLM_F_REQUEST` set) named by their
//!   request ids and replies and notifications by their reply ids (the
//!   Info column says `request`, `reply` or `notification`);
//! - one field per attribute, `genl_<family>.<set>.<attr>` (names in
//!   lower case, `-` written `_`), typed as the spec types it: integers in
//!   the spec's byte order (host order read as little-endian), `uint`/`sint`
//!   of 4 or 8 bytes, strings, bytes, flags as booleans; `enum:` attributes
//!   with their entry names, `flags` enums with one boolean per bit
//!   (`genl_<family>.<set>.<attr>.<bit>`);
//! - nests decoded with their set, recursively; `multi-attr` attributes
//!   once per occurrence; `indexed-array` items one by one;
//! - attributes the spec does not know as `genl_<family>.unknown` (a note,
//!   never an error); lengths that do not fit as expert errors
//!   (`genl_<family>.malformed`), and sizes that do not match the type as
//!   warnings (`genl_<family>.bad_size`), the bytes shown and the dissection
//!   going on.
//!
//! - the outcome of the family's requests, which Wireshark's netlink
//!   dissector shows as an error code only: a postdissector decodes an
//!   `NLMSG_ERROR` answering a request of the family (and an `NLMSG_DONE`
//!   ending one of its dumps) as `genl_<family>.extack.error` (the code, as
//!   on the wire: negative), `.extack.op` (the request's operation),
//!   `.extack.msg`, `.extack.offset`, `.extack.cookie`, `.extack.miss_type`
//!   and `.extack.miss_nest` (the `NLMSGERR_ATTR_*` attributes).
//!
//! Load it with `wireshark -X lua_script:ethtool.lua` (or `tshark`), or copy
//! it into Wireshark's personal Lua plugins folder.
//!
//! ```
//! let lua = genl_ynl::wireshark::dissector("
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u32 }
//!       - { name: label, type: string }
//! operations:
//!   list:
//!     - name: get
//!       attribute-set: main
//!       do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
//! ").unwrap();
//! assert!(lua.contains(r#"local FAMILY = "tiny""#));
//! assert!(lua.contains(r#"DissectorTable.get("genl.family"):add(FAMILY, proto)"#));
//! assert!(lua.contains(r#"ProtoField.uint32("genl_tiny.main.id""#));
//! ```

use std::collections::HashSet;
use std::fmt::{self, Write as _};

use crate::family::{
    Attr, AttrType, ByteOrder, DisplayHint, EnumDef, Protocol, SpecError, SpecFamily,
};

mod render;
mod runtime;

use render::Renderer;
use runtime::RUNTIME;

/// Renders the Lua dissector of the generic netlink family described by
/// the YNL spec `spec_yaml`. Fails (with the reason) on a spec that does
/// not load, or on a `netlink-raw` family (Wireshark's `genl.family` table
/// only sees generic netlink).
pub fn dissector(spec_yaml: &str) -> Result<String, DissectorSpecError> {
    let fam = SpecFamily::parse(spec_yaml).map_err(DissectorSpecError::Spec)?;
    if let Protocol::Raw { .. } = fam.protocol {
        return Err(DissectorSpecError::NotGenetlink {
            family: fam.name,
            protocol: fam.proto_name,
        });
    }
    Ok(Renderer::new(&fam).render())
}

/// Why a YNL spec gives no dissector ([`dissector`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DissectorSpecError {
    /// The spec does not load.
    Spec(SpecError),
    /// The family is not generic netlink (`protocol: netlink-raw`), so
    /// Wireshark's `genl.family` table never sees it.
    NotGenetlink {
        /// The family's name.
        family: String,
        /// Its `protocol:`.
        protocol: String,
    },
}

impl fmt::Display for DissectorSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DissectorSpecError::Spec(e) => e.fmt(f),
            DissectorSpecError::NotGenetlink { family, protocol } => write!(
                f,
                "family `{family}` is {protocol}, not generic netlink: Wireshark's genl.family \
                 table never sees it"
            ),
        }
    }
}

impl std::error::Error for DissectorSpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DissectorSpecError::Spec(e) => Some(e),
            DissectorSpecError::NotGenetlink { .. } => None,
        }
    }
}

/// `s` as a Lua string literal.
fn lua_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as one component of a Wireshark field name: lower case, `-` and
/// anything else but letters, digits and `_` written `_`.
fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
