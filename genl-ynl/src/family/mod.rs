//! A YNL spec resolved for use at run time (what `genl ynl` drives): every
//! attribute set indexed by name and by id, enums and flags, C structs
//! (fixed headers and `binary` attributes), sub-messages and operations
//! with their request and reply message ids, numbered as the kernel's
//! `tools/net/ynl/lib/nlspec.py` numbers them.
//!
//! Every reference is checked when the spec is loaded (a nest naming a set
//! that does not exist, an enum, a struct, a sub-message, a fixed header),
//! and a [`SpecError`] names where: `attribute-sets/link-attrs/linkinfo:
//! unknown sub-message `x``. Loading never panics on a malformed spec.
//!
//! ```
//! let fam = genl_ynl::family::SpecFamily::parse("
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
//! let set = fam.set("main").unwrap();
//! assert_eq!(set.attr("label").unwrap().id, 2);
//! assert_eq!(fam.op("get").unwrap().req_value, Some(1));
//! ```

use std::collections::HashMap;
use std::fmt;

use serde_yaml_ng::Value as Yaml;

mod attrs;
mod definitions;
pub(crate) mod limits;
mod ops;
mod types;
mod yaml;

pub use types::*;
pub(crate) use yaml::yaml_kind;
use yaml::*;

/// Why a spec could not be loaded: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where in the spec (`attribute-sets/dev/ifindex`), or empty for the
    /// whole text.
    pub at: String,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "invalid YNL spec: {}", self.what)
        } else {
            write!(f, "invalid YNL spec: {}: {}", self.at, self.what)
        }
    }
}

impl std::error::Error for SpecError {}

fn err(at: impl Into<String>, what: impl Into<String>) -> SpecError {
    SpecError {
        at: at.into(),
        what: what.into(),
    }
}

/// A whole spec, resolved (the `SpecFamily` of the kernel's YNL
/// library, tools/net/ynl/pyynl/lib/nlspec.py).
#[derive(Debug, Clone)]
pub struct SpecFamily {
    /// The family name.
    pub name: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The `protocol:` as written (`genetlink` when absent).
    pub proto_name: String,
    /// `version`, for the genl header of requests (default 1).
    pub version: u8,
    /// The `directional` operation numbering (`enum-model`), where requests
    /// and replies count separately; else `unified`.
    pub directional: bool,
    /// Attribute sets in spec order.
    pub sets: Vec<AttrSet>,
    /// Enums and flags by name.
    pub enums: HashMap<String, EnumDef>,
    /// Structs by name.
    pub structs: HashMap<String, StructDef>,
    /// Integer constants by name.
    pub consts: HashMap<String, i128>,
    /// Sub-messages by name.
    pub sub_messages: HashMap<String, SubMessage>,
    /// Operations and notifications in spec order.
    pub ops: Vec<Op>,
    /// Multicast groups.
    pub mcast_groups: Vec<McastGroup>,
    set_by_name: HashMap<String, usize>,
}

impl SpecFamily {
    /// Loads a spec from its YAML text.
    pub fn parse(text: &str) -> Result<SpecFamily, SpecError> {
        let doc: Yaml = serde_yaml_ng::from_str(text).map_err(|e| err("", e.to_string()))?;
        SpecFamily::from_yaml(&doc)
    }

    /// Loads a spec already read as YAML (for `import`, which reads the
    /// same document into its own typed form too).
    pub(crate) fn from_yaml(doc: &Yaml) -> Result<SpecFamily, SpecError> {
        let top = as_map(doc, "")?;
        let name = req_str(top, "name", "")?.to_owned();
        let proto_name = opt_str(top, "protocol", "")?
            .unwrap_or("genetlink")
            .to_owned();
        let protocol = match proto_name.as_str() {
            "genetlink" | "genetlink-c" | "genetlink-legacy" => Protocol::Genetlink,
            "netlink-raw" => {
                let n = key(top, "protonum")
                    .and_then(Yaml::as_u64)
                    .ok_or_else(|| err("protonum", "a netlink-raw spec needs `protonum`"))?;
                let protonum = u8::try_from(n)
                    .ok()
                    .filter(|&n| n < 32)
                    .ok_or_else(|| err("protonum", format!("{n} is not a protocol number")))?;
                Protocol::Raw { protonum }
            }
            p => return Err(err("protocol", format!("unknown protocol `{p}`"))),
        };
        let version = match key(top, "version") {
            None | Some(Yaml::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| err("version", "the family version is a number 0 to 255"))?,
        };
        let mut fam = SpecFamily {
            name,
            protocol,
            proto_name,
            version,
            directional: false,
            sets: Vec::new(),
            enums: HashMap::new(),
            structs: HashMap::new(),
            consts: HashMap::new(),
            sub_messages: HashMap::new(),
            ops: Vec::new(),
            mcast_groups: Vec::new(),
            set_by_name: HashMap::new(),
        };
        fam.load_definitions(top)?;
        fam.load_sets(top)?;
        fam.load_sub_messages(top)?;
        fam.load_ops(top)?;
        if let Some(g) = key(top, "mcast-groups") {
            let g = as_map(g, "mcast-groups")?;
            for (i, e) in seq(g, "list", "mcast-groups")?.iter().enumerate() {
                let at = format!("mcast-groups/{}", elem_name(e, i));
                let m = as_map(e, &at)?;
                let value = match key(m, "value") {
                    None | Some(Yaml::Null) => None,
                    Some(v) => Some(
                        v.as_u64()
                            .and_then(|v| u32::try_from(v).ok())
                            .ok_or_else(|| err(&at, "`value` is not a group number"))?,
                    ),
                };
                fam.mcast_groups.push(McastGroup {
                    name: req_str(m, "name", &at)?.to_owned(),
                    value,
                });
            }
        }
        fam.check_references()?;
        Ok(fam)
    }

    /// The attribute set named `name`.
    pub fn set(&self, name: &str) -> Option<&AttrSet> {
        self.set_by_name.get(name).map(|&i| &self.sets[i])
    }

    /// The operation (or notification) named `name`.
    pub fn op(&self, name: &str) -> Option<&Op> {
        self.ops.iter().find(|o| o.name == name)
    }

    /// The operations `cli.py --list-ops` lists: not notifications, with an
    /// attribute set of their own.
    pub fn call_ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(|o| !o.is_async && o.own_attr_set)
    }

    /// The first operation whose attribute set `nlspec.py` cannot resolve,
    /// for which `cli.py` refuses the whole spec ("Can't resolve attribute
    /// set for op 'NAME'"): a `do`, `dump` or `event` without an
    /// `attribute-set` of its own, or a `notify` of an operation without
    /// one. Reserved entries (no `do`, `dump`, `event` or `notify`) need
    /// none.
    pub fn op_without_attr_set(&self) -> Option<&Op> {
        self.ops.iter().find(|o| {
            if o.own_attr_set {
                return false;
            }
            match &o.notify {
                Some(t) => !self.ops.iter().any(|x| &x.name == t && x.own_attr_set),
                None => o.has_do || o.has_dump || o.is_async,
            }
        })
    }

    /// The operation whose replies or notifications carry message id `id`
    /// (the last one in the spec, as nlspec.py's `rsp_by_value`).
    pub fn op_by_rsp(&self, id: u16) -> Option<&Op> {
        self.ops.iter().rev().find(|o| o.rsp_value == Some(id))
    }

    /// The operation whose requests carry message id `id`.
    pub fn op_by_req(&self, id: u16) -> Option<&Op> {
        self.ops.iter().rev().find(|o| o.req_value == Some(id))
    }

    /// The size of struct `name` (0 for `None`).
    pub fn struct_size(&self, name: Option<&str>) -> usize {
        name.and_then(|n| self.structs.get(n)).map_or(0, |s| s.size)
    }

    /// Every enum, struct and sub-message an attribute or member names
    /// exists.
    fn check_references(&self) -> Result<(), SpecError> {
        for s in &self.sets {
            for a in &s.attrs {
                let at = format!("attribute-sets/{}/{}", s.name, a.name);
                if let Some(e) = &a.enum_ {
                    if !self.enums.contains_key(e) {
                        return Err(err(&at, format!("unknown enum `{e}`")));
                    }
                }
                if let Some(st) = &a.struct_ {
                    if !self.structs.contains_key(st) {
                        return Err(err(&at, format!("unknown struct `{st}`")));
                    }
                }
                if let Some(sm) = &a.sub_message {
                    if !self.sub_messages.contains_key(sm) {
                        return Err(err(&at, format!("unknown sub-message `{sm}`")));
                    }
                }
            }
        }
        for st in self.structs.values() {
            for mem in &st.members {
                if let Some(e) = &mem.enum_ {
                    if !self.enums.contains_key(e) {
                        return Err(err(
                            format!("definitions/{}/members/{}", st.name, mem.name),
                            format!("unknown enum `{e}`"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks and request lists as the kernel's specs write them
    /// (Documentation/netlink/specs/: `max: u16-max`, `min-len`, a `const`
    /// by name).
    #[test]
    fn a_family_fixed_header_must_name_a_struct_even_when_no_op_uses_it() {
        // An empty operation list, so no operation inherits the header.
        let e = SpecFamily::parse(
            "name: t\n\
             operations:\n  fixed-header: hdr\n  list: []\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("operations/fixed-header"), "{e}");
        assert!(e.contains("unknown struct `hdr`"), "{e}");
        // The same with the struct defined is accepted.
        SpecFamily::parse(
            "name: t\n\
             definitions:\n  - name: hdr\n    type: struct\n    members:\n\
             \x20     - {name: x, type: u32}\n\
             operations:\n  fixed-header: hdr\n  list: []\n",
        )
        .unwrap();
    }

    #[test]
    fn checks_resolve_numbers_limit_names_and_consts() {
        let f = SpecFamily::parse(
            "name: t\n\
             definitions:\n  - {type: const, name: name-len, value: 16}\n\
             attribute-sets:\n  - name: a\n    attributes:\n\
             \x20     - {name: x, type: u16, checks: {min: 1, max: u16-max}}\n\
             \x20     - {name: s, type: string, checks: {min-len: 1, max-len: name-len}}\n\
             \x20     - {name: n, type: s32, checks: {min: s32-min}}\n\
             \x20     - {name: b, type: binary, checks: {exact-len: 6}}\n\
             operations:\n  list:\n\
             \x20   - name: get\n      attribute-set: a\n      do:\n        request: {attributes: [x, s]}\n      dump: {}\n",
        )
        .unwrap();
        let a = &f.sets[0];
        let c = |n: &str| a.attr(n).unwrap().checks;
        assert_eq!((c("x").min, c("x").max), (Some(1), Some(65535)));
        assert_eq!((c("s").min_len, c("s").max_len), (Some(1), Some(16)));
        assert_eq!(c("n").min, Some(-2_147_483_648));
        assert_eq!(c("b").exact_len, Some(6));
        let op = f.op("get").unwrap();
        assert_eq!(
            op.do_request.as_deref(),
            Some(&["x".to_owned(), "s".to_owned()][..])
        );
        assert_eq!(op.dump_request, None, "a dump without a request");
        assert!(SpecFamily::parse(
            "name: t\nattribute-sets:\n  - name: a\n    attributes:\n      - {name: x, type: u8, checks: {max-len: -1}}\n"
        )
        .is_err());
    }
}
