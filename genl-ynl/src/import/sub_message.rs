//! Sub-messages: an attribute whose layout another attribute of the same
//! set chooses (rtnetlink's `IFLA_INFO_DATA` by `IFLA_INFO_KIND`, tc's
//! `TCA_OPTIONS` by `TCA_KIND`). The attribute itself stays raw bytes in its
//! set; for each one whose selector is a string of the same set, the
//! import writes an enum of the formats with a `decode(selector, bytes)`,
//! and a method on the set that decodes the attribute by its selector.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::doc::{escape_doc, write_doc};
use super::naming::{camel, snake};
use super::typing::{FieldKind, SetOut};
use crate::family::SpecFamily;

/// One sub-message attribute that gets a typed accessor.
struct Accessor<'s> {
    set: &'s SetOut,
    /// The attribute's field and YNL name.
    field: String,
    ynl: String,
    /// The selector's field and YNL name.
    selector_field: String,
    selector: String,
    /// The enum of its formats.
    enum_name: String,
}

/// Writes the enums and accessors for the sub-message attributes of
/// `sets`. `sub_message_of` gives (sub-message name, selector) of an
/// attribute by (set YNL name, attribute YNL name); `set_names` and
/// `struct_names` the Rust names of what was generated.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit(
    out: &mut String,
    sets: &[SetOut],
    model: &SpecFamily,
    sub_message_of: &HashMap<(String, String), (String, String)>,
    set_names: &HashMap<&str, String>,
    struct_names: &HashMap<&str, String>,
    borrows: &HashSet<String>,
    taken: &mut dyn FnMut(String) -> String,
) {
    // One enum per sub-message, shared by the attributes that use it.
    let mut enums: HashMap<String, String> = HashMap::new();
    let mut accessors = Vec::new();
    for s in sets {
        for f in &s.fields {
            let Some((msg, selector)) =
                sub_message_of.get(&(s.ynl_name.clone(), f.ynl_name.clone()))
            else {
                continue;
            };
            // The attribute: raw bytes of one occurrence.
            if !matches!(&f.kind, FieldKind::Single { ty, .. } if ty == "&'a [u8]") {
                continue;
            }
            // The selector: a string of the same set.
            let Some(sel) = s.fields.iter().find(|x| &x.ynl_name == selector) else {
                continue;
            };
            if !matches!(&sel.kind, FieldKind::Single { ty, .. } if ty == "&'a str") {
                continue;
            }
            let Some(sm) = model.sub_messages.get(msg) else {
                continue;
            };
            // Every format's set and struct must have been generated.
            let complete = sm.formats.iter().all(|fmt| {
                fmt.attr_set.map_or(true, |i| {
                    set_names.contains_key(model.sets[i].name.as_str())
                }) && fmt
                    .fixed_header
                    .as_deref()
                    .map_or(true, |h| struct_names.contains_key(h))
            });
            if !complete {
                continue;
            }
            let enum_name = match enums.get(msg) {
                Some(e) => e.clone(),
                None => {
                    let e = taken(camel(msg));
                    write_enum(
                        out,
                        &e,
                        msg,
                        selector,
                        model,
                        set_names,
                        struct_names,
                        borrows,
                    );
                    enums.insert(msg.clone(), e.clone());
                    e
                }
            };
            accessors.push(Accessor {
                set: s,
                field: f.ident.clone(),
                ynl: f.ynl_name.clone(),
                selector_field: sel.ident.clone(),
                selector: selector.clone(),
                enum_name,
            });
        }
    }
    // The accessors, one `impl` per set.
    let mut done: HashSet<&str> = HashSet::new();
    for a in &accessors {
        if !done.insert(a.set.rust.as_str()) {
            continue;
        }
        out.push('\n');
        let _ = writeln!(out, "impl<'a> {}<'a> {{", a.set.rust);
        let mut first = true;
        for b in accessors.iter().filter(|b| b.set.rust == a.set.rust) {
            if !first {
                out.push('\n');
            }
            first = false;
            write_doc(
                out,
                "    ",
                None,
                &[format!(
                    "`{}` decoded by its selector `{}`: `None` when either is absent.",
                    escape_doc(&b.ynl),
                    escape_doc(&b.selector)
                )],
            );
            let method = snake(&format!("{}-msg", b.field.trim_start_matches("r#")));
            let ret = format!(
                "Option<Result<{}<'a>, genl_core::DecodeError>>",
                b.enum_name
            );
            let line = format!("    pub fn {method}(&self) -> {ret} {{");
            if line.len() <= 100 {
                let _ = writeln!(out, "{line}");
            } else {
                // As rustfmt breaks a signature too long for one line.
                let _ = writeln!(
                    out,
                    "    pub fn {method}(\n        &self,\n    ) -> {ret} {{"
                );
            }
            let _ = writeln!(
                out,
                "        let (Some(selector), Some(bytes)) = (self.{}, self.{}) else {{",
                b.selector_field, b.field
            );
            let _ = writeln!(out, "            return None;");
            let _ = writeln!(out, "        }};");
            let _ = writeln!(
                out,
                "        Some({}::decode(selector, bytes))",
                b.enum_name
            );
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(out, "}}");
    }
}

#[allow(clippy::too_many_arguments)]
fn write_enum(
    out: &mut String,
    name: &str,
    msg: &str,
    selector: &str,
    model: &SpecFamily,
    set_names: &HashMap<&str, String>,
    struct_names: &HashMap<&str, String>,
    borrows: &HashSet<String>,
) {
    let sm = &model.sub_messages[msg];
    let with_lt = |s: &str| {
        if borrows.contains(s) {
            format!("{s}<'a>")
        } else {
            s.to_owned()
        }
    };
    // (variant, selector value, payload type, whether it is a struct alone)
    let mut variants: Vec<(String, String, Option<String>, bool)> = Vec::new();
    let mut seen = HashSet::new();
    for f in &sm.formats {
        let mut v = camel(&f.value);
        if v == "Other" {
            v.push('_');
        }
        while !seen.insert(v.clone()) {
            v.push('_');
        }
        let set = f
            .attr_set
            .map(|i| with_lt(&set_names[model.sets[i].name.as_str()]));
        let header = f.fixed_header.as_deref().map(|h| struct_names[h].clone());
        let (ty, alone) = match (header, set) {
            (Some(h), Some(s)) => (Some(format!("genl_core::Headed<{h}, {s}>")), false),
            (Some(h), None) => (Some(h), true),
            (None, Some(s)) => (Some(s), false),
            (None, None) => (None, false),
        };
        variants.push((v, f.value.clone(), ty, alone));
    }
    out.push('\n');
    write_doc(
        out,
        "",
        None,
        &[format!(
            "The YNL sub-message `{}`: one variant per value of its selector (`{}`).",
            escape_doc(msg),
            escape_doc(selector)
        )],
    );
    let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq, Eq)]");
    // Formats differ in size as much as their attribute sets do.
    let _ = writeln!(out, "#[allow(clippy::large_enum_variant)]");
    let _ = writeln!(out, "pub enum {name}<'a> {{");
    for (v, value, ty, _) in &variants {
        write_doc(
            out,
            "    ",
            None,
            &[format!(
                "`{}` = `{}`.",
                escape_doc(selector),
                escape_doc(value)
            )],
        );
        match ty {
            Some(t) => {
                let _ = writeln!(out, "    {v}({t}),");
            }
            None => {
                let _ = writeln!(out, "    {v},");
            }
        }
    }
    let _ = writeln!(
        out,
        "    /// A selector value the spec does not list: the bytes as they are."
    );
    let _ = writeln!(out, "    Other(&'a [u8]),");
    let _ = writeln!(out, "}}");
    out.push('\n');
    let _ = writeln!(out, "impl<'a> {name}<'a> {{");
    let _ = writeln!(
        out,
        "    /// Decodes `bytes` as the format `selector` chooses."
    );
    let _ = writeln!(
        out,
        "    pub fn decode(selector: &str, bytes: &'a [u8]) -> Result<Self, genl_core::DecodeError> {{"
    );
    let _ = writeln!(out, "        Ok(match selector {{");
    for (v, value, ty, alone) in &variants {
        let arm = match (ty, alone) {
            (Some(_), true) => format!("Self::{v}(genl_core::fixed_header::read_exact(bytes)?)"),
            (Some(_), false) => format!("Self::{v}(genl_core::Decode::decode(bytes)?)"),
            (None, _) => format!("Self::{v}"),
        };
        let _ = writeln!(out, "            {value:?} => {arm},");
    }
    let _ = writeln!(out, "            _ => Self::Other(bytes),");
    let _ = writeln!(out, "        }})");
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "}}");
}
