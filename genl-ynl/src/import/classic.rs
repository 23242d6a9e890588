//! The items of a `netlink-raw` family: `ClassicOp` types and group numbers.

use std::fmt::Write as _;

use super::doc::{escape_doc, write_doc};
use super::naming::upper;

/// One operation of a `netlink-raw` family, as a `ClassicOp` type.
pub(crate) struct ClassicOpOut {
    pub(crate) ident: String,
    pub(crate) name: String,
    pub(crate) doc: Option<String>,
    /// The request and reply payload type (fixed header and attributes).
    pub(crate) ty: String,
    pub(crate) req: u16,
    pub(crate) rsp: Option<u16>,
    pub(crate) has_do: bool,
    pub(crate) has_dump: bool,
}

/// The operations of a `netlink-raw` family: a module of types implementing
/// `genl_core::classic::ClassicOp`.
pub(crate) fn emit_classic_ops(out: &mut String, family: &str, protonum: u8, ops: &[ClassicOpOut]) {
    if ops.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "/// The operations of the `{}` family (netlink protocol {protonum}), for",
        escape_doc(family)
    );
    let _ = writeln!(
        out,
        "/// `ClassicConnection::request` (a do) and `ClassicConnection::dump`."
    );
    let _ = writeln!(out, "pub mod ops {{");
    let _ = writeln!(out, "    #[allow(unused_imports)]");
    let _ = writeln!(out, "    use super::*;");
    for o in ops {
        out.push('\n');
        let modes = match (o.has_do, o.has_dump) {
            (true, true) => "do and dump",
            (true, false) => "do",
            (false, true) => "dump",
            (false, false) => "neither do nor dump",
        };
        let mut extra = vec![format!(
            "The YNL operation `{}` ({modes}): request message id {}, {}.",
            escape_doc(&o.name),
            o.req,
            match o.rsp {
                Some(r) => format!("replies {r}"),
                None => "answered by an ACK".into(),
            }
        )];
        if !o.has_do {
            extra.push("The kernel has no `do` of it: use `ClassicConnection::dump`.".into());
        }
        write_doc(out, "    ", o.doc.as_deref(), &extra);
        let _ = writeln!(out, "    #[derive(Debug, Clone, Copy, PartialEq, Eq)]");
        let _ = writeln!(out, "    pub struct {};", o.ident);
        out.push('\n');
        let _ = writeln!(
            out,
            "    impl genl_core::classic::ClassicOp for {} {{",
            o.ident
        );
        let _ = writeln!(out, "        const NAME: &'static str = {:?};", o.name);
        let _ = writeln!(out, "        const PROTOCOL: isize = {protonum};");
        let _ = writeln!(out, "        const REQUEST: u16 = {};", o.req);
        let _ = writeln!(
            out,
            "        const REPLY: Option<u16> = {};",
            match o.rsp {
                Some(r) => format!("Some({r})"),
                None => "None".into(),
            }
        );
        let _ = writeln!(out, "        type Request<'a> = {};", o.ty);
        let _ = writeln!(out, "        type Reply<'a> = {};", o.ty);
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
}

/// The multicast groups of a `netlink-raw` family, by number, for
/// `ClassicConnection::join_group`.
pub(crate) fn emit_classic_groups(out: &mut String, family: &str, groups: &[(String, u32)]) {
    if groups.is_empty() {
        return;
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "/// The multicast groups of the `{}` family, for",
        escape_doc(family)
    );
    let _ = writeln!(
        out,
        "/// `ClassicConnection::join_group`; notifications carry the replies' types."
    );
    let _ = writeln!(out, "pub mod groups {{");
    for (i, (name, v)) in groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "    /// The group `{}`.", escape_doc(name));
        let _ = writeln!(out, "    pub const {}: u32 = {v};", upper(name));
    }
    let _ = writeln!(out, "}}");
}
