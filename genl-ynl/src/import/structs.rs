//! The spec's `struct` definitions as Rust structs implementing
//! `genl_core::FixedHeader`: fixed headers (`ovs_header`, `ifinfomsg`, …)
//! and the layouts of `binary` attributes. Members are laid out as the spec
//! writes them (packed, with its explicit `pad` members), which is the C
//! layout of every struct in the kernel's specs.

use std::fmt::Write as _;

use super::doc::{escape_doc, write_doc};
use super::naming::snake;
use crate::family::{AttrType, ByteOrder, StructDef};
use crate::ImportError;

/// Arrays longer than this have no `Default` in std; such structs get a
/// hand-written one.
const DEFAULT_ARRAY_MAX: usize = 32;

/// One member as Rust: its field, type and byte range.
struct MemberOut {
    ident: String,
    ty: String,
    /// Integer width, or `None` for a byte array.
    int: Option<usize>,
    be: bool,
    start: usize,
    end: usize,
}

/// Writes `def` as the Rust struct `rust`.
pub(crate) fn emit(
    out: &mut String,
    rust: &str,
    def: &StructDef,
    doc: Option<&str>,
) -> Result<(), ImportError> {
    let at = format!("definitions/{}", def.name);
    let mut members = Vec::new();
    let mut pads = Vec::new();
    let mut off = 0;
    for m in &def.members {
        let (start, end) = (off, off + m.size);
        off = end;
        let ident = snake(&m.name);
        let be = m.byte_order == ByteOrder::Big;
        let (ty, int) = match m.ty {
            AttrType::Pad => {
                pads.push(format!(
                    "`{}`: {} byte(s) of padding at {start}",
                    m.name, m.size
                ));
                continue;
            }
            AttrType::U8 => ("u8", Some(1)),
            AttrType::U16 => ("u16", Some(2)),
            AttrType::U32 => ("u32", Some(4)),
            AttrType::U64 => ("u64", Some(8)),
            AttrType::S8 => ("i8", Some(1)),
            AttrType::S16 => ("i16", Some(2)),
            AttrType::S32 => ("i32", Some(4)),
            AttrType::S64 => ("i64", Some(8)),
            AttrType::Binary | AttrType::String => ("", None),
            t => {
                return Err(crate::unsupported(
                    format!("{at}/{}", m.name),
                    format!("struct member of type {t:?}"),
                ))
            }
        };
        if int.is_some_and(|w| w != m.size) {
            return Err(crate::invalid(
                format!("{at}/{}", m.name),
                format!("an integer of {} bytes", m.size),
            ));
        }
        let ty = match int {
            Some(_) => ty.to_owned(),
            None => format!("[u8; {}]", m.size),
        };
        if members
            .iter()
            .any(|(_, x): &(&crate::family::Member, MemberOut)| x.ident == ident)
        {
            return Err(crate::invalid(
                format!("{at}/{}", m.name),
                format!("two members map to the field `{ident}`"),
            ));
        }
        members.push((
            m,
            MemberOut {
                ident,
                ty,
                int,
                be,
                start,
                end,
            },
        ));
    }
    let mut extra = vec![format!(
        "The C struct `{}` ({} bytes), as the spec lays it out.",
        escape_doc(&def.name),
        def.size
    )];
    if !pads.is_empty() {
        extra.push(format!("Zero on the wire: {}.", pads.join("; ")));
    }
    write_doc(out, "", doc, &extra);
    let big_array = members
        .iter()
        .any(|(m, o)| o.int.is_none() && m.size > DEFAULT_ARRAY_MAX);
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq{})]",
        if big_array { "" } else { ", Default" }
    );
    let _ = writeln!(out, "pub struct {rust} {{");
    for (m, o) in &members {
        let mut note = format!(
            "`{}`: `{}`, bytes {}..{}",
            escape_doc(&m.name),
            match o.int {
                Some(_) => format!("{:?}", m.ty).to_lowercase(),
                None => "binary".into(),
            },
            o.start,
            o.end
        );
        if o.be {
            note.push_str(", big-endian");
        }
        note.push('.');
        if let Some(e) = &m.enum_ {
            note.push_str(&format!(" Values of the spec's `{}`.", escape_doc(e)));
        }
        write_doc(out, "    ", None, &[note]);
        let _ = writeln!(out, "    pub {}: {},", o.ident, o.ty);
    }
    let _ = writeln!(out, "}}");
    if big_array {
        let _ = writeln!(out, "\nimpl Default for {rust} {{");
        let _ = writeln!(out, "    fn default() -> Self {{");
        let _ = writeln!(out, "        {rust} {{");
        for (_, o) in &members {
            let zero = match o.int {
                Some(_) => "0".to_owned(),
                None => format!("[0; {}]", o.end - o.start),
            };
            let _ = writeln!(out, "            {}: {zero},", o.ident);
        }
        let _ = writeln!(out, "        }}");
        let _ = writeln!(out, "    }}");
        let _ = writeln!(out, "}}");
    }
    let _ = writeln!(out, "\nimpl genl_core::FixedHeader for {rust} {{");
    let _ = writeln!(out, "    const LEN: usize = {};", def.size);
    let _ = writeln!(out, "    const C_NAME: &'static str = {:?};", def.name);
    if members.is_empty() {
        let _ = writeln!(out, "    fn write(&self, _out: &mut [u8]) {{}}");
        let _ = writeln!(out, "    fn read(_b: &[u8]) -> Self {{");
        let _ = writeln!(out, "        {rust} {{}}");
        let _ = writeln!(out, "    }}");
        let _ = writeln!(out, "}}");
        return Ok(());
    }
    let _ = writeln!(out, "    fn write(&self, out: &mut [u8]) {{");
    let _ = writeln!(out, "        use genl_core::fixed_header::put;");
    for (_, o) in &members {
        let bytes = match (o.int, o.be) {
            (Some(_), true) => format!("self.{}.to_be_bytes()", o.ident),
            (Some(_), false) => format!("self.{}.to_ne_bytes()", o.ident),
            (None, _) => format!("self.{}", o.ident),
        };
        // Laid out as rustfmt lays out a call (`fn_call_width` = 60).
        let args = format!("out, {}, &{bytes}", o.start);
        if args.len() <= 60 {
            let _ = writeln!(out, "        put({args});");
        } else {
            let _ = writeln!(
                out,
                "        put(\n            out,\n            {},\n            &{bytes},\n        );",
                o.start
            );
        }
    }
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "    fn read(b: &[u8]) -> Self {{");
    let _ = writeln!(out, "        use genl_core::fixed_header::bytes;");
    let _ = writeln!(out, "        {rust} {{");
    for (_, o) in &members {
        let value = match o.int {
            Some(_) => format!(
                "{}::from_{}_bytes(bytes(b, {}))",
                o.ty,
                if o.be { "be" } else { "ne" },
                o.start
            ),
            None => format!("bytes(b, {})", o.start),
        };
        let _ = writeln!(out, "            {}: {value},", o.ident);
    }
    let _ = writeln!(out, "        }}");
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "}}");
    Ok(())
}
