//! Messages to and from JSON through a [`SpecFamily`], with the JSON shapes of
//! the kernel's `tools/net/ynl/cli.py` (`lib/ynl.py`): an object per
//! attribute set keyed by attribute name, `multi-attr` attributes as arrays,
//! enums by entry name, flags as arrays of names, `binary` as lower-case
//! hex (or as its `struct`, `sub-type` array or `display-hint` form),
//! `bitfield32` as `{"value", "selector"}`, `indexed-array` nests as
//! `[{"index": {...}}]`, sub-messages by their selector, fixed-header
//! fields merged into the message's object.
//!
//! Where `cli.py` fails (a value outside an enum, a sub-message format the
//! spec does not list, an attribute the spec does not know without
//! `--process-unknown`), the decoder gives the number, the raw bytes in hex
//! or a [`CodecError`] naming the attribute, and never panics.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::family::{
    Attr, AttrSet, AttrType, ByteOrder, DisplayHint, EnumDef, Op, SpecFamily, StructDef,
};
use crate::value::Value;

mod decode;
mod encode;
mod locate;
mod text;
mod wire;

use text::*;
use wire::*;

/// `NLA_F_NESTED`.
const NLA_F_NESTED: u16 = 0x8000;
use genl_rules::limits::NLA_TYPE_MASK;

/// An encode or decode failure: the attribute path (`.header.dev-name`)
/// and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    /// The attribute path, from the message: `.linkinfo.kind`; empty for
    /// the message itself.
    pub path: String,
    /// What went wrong.
    pub what: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "attribute `{}`: {}", &self.path[1..], self.what)
        }
    }
}

impl std::error::Error for CodecError {}

fn cerr(path: &str, what: impl Into<String>) -> CodecError {
    CodecError {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// Decoding options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Attributes the spec does not know are kept as `"UnknownAttr(ID)"`
    /// (raw hex, or decoded as nested unknown attributes when the kernel
    /// set `NLA_F_NESTED`), and `pad` attributes as their hex bytes, as
    /// `cli.py --process-unknown` does; otherwise an unknown attribute is
    /// an error and `pad` attributes are left out.
    pub process_unknown: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            process_unknown: true,
        }
    }
}

/// The attributes decoded so far at one nesting level, and the levels
/// around it: where a sub-message's selector is looked up.
struct Scope<'s> {
    set: &'s AttrSet,
    vals: &'s [(String, Value)],
    outer: Option<&'s Scope<'s>>,
}

impl Scope<'_> {
    /// `SpaceAttrs.lookup` of ynl.py: the innermost level whose set has an
    /// attribute `name` must hold its value.
    fn lookup(&self, name: &str, path: &str) -> Result<&Value, CodecError> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if sc.set.attr(name).is_some() {
                return sc
                    .vals
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .ok_or_else(|| {
                        cerr(
                            path,
                            format!(
                                "no value for the selector `{name}` in attribute set `{}`",
                                sc.set.name
                            ),
                        )
                    });
            }
            s = sc.outer;
        }
        Err(cerr(
            path,
            format!("the selector `{name}` is in no enclosing attribute set"),
        ))
    }
}

/// A selector's value as the format key it is compared with.
fn selector_key(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        v => v.to_python_json(),
    }
}

fn child(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

impl SpecFamily {
    fn enum_def(&self, name: &str, path: &str) -> Result<&EnumDef, CodecError> {
        self.enums
            .get(name)
            .ok_or_else(|| cerr(path, format!("the spec has no enum `{name}`")))
    }

    fn struct_def(&self, name: &str, path: &str) -> Result<&StructDef, CodecError> {
        self.structs
            .get(name)
            .ok_or_else(|| cerr(path, format!("the spec has no struct `{name}`")))
    }
}
