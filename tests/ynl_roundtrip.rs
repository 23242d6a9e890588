//! Export → import round trip: the YNL spec genl exports for `genl_demo`
//! (`kmod-c/genl_demo.yaml`, rendered from `src/demo.rs` by
//! `cargo xtask codegen`), imported back by `genl-ynl --exact` into Rust
//! declarations (`tests/ynl/genl_demo.rs`, kept fresh by genl-ynl's tests),
//! describes the same schema: family name, version and groups; every
//! command's id, capabilities and the attributes of its requests, replies
//! and events; every attribute's id, name, type, byte order, repetition,
//! checks and nested set; the value enums.
//!
//! What YNL cannot carry is listed as allowed and printed, nothing else:
//! - whether an attribute is required (YNL has no such notion: imported
//!   attributes are all optional);
//! - the value enum of an integer attribute (the import keeps integers, so
//!   that a newer kernel's values still decode; the enums themselves are
//!   compared separately);
//! - the Rust names of the sets (the spec names them by their C prefix).

#[allow(dead_code, clippy::all)]
#[path = "ynl/genl_demo.rs"]
mod imported;

use std::collections::BTreeMap;

use genl::demo::{DemoCmd, KvOp, KvState};
use genl_core::schema::{AttrSetSchema, FamilySchema, OpSchema, Presence};
use genl_core::{Family, ValueEnum};

/// What one side says, line by line, and what was set aside as allowed.
#[derive(Default)]
struct Walk {
    lines: Vec<String>,
    attrs: usize,
    allowed: Vec<String>,
}

impl Walk {
    fn set(&mut self, at: &str, s: &AttrSetSchema, depth: usize) {
        self.allowed.push(format!("{at}: set name `{}`", s.name));
        self.lines.push(format!("{at}: pad {:?}", s.pad));
        for a in s.attrs {
            self.attrs += 1;
            let presence = match a.presence {
                Presence::Multi => "multi",
                Presence::Required => {
                    self.allowed
                        .push(format!("{at}.{}: required (YNL: optional)", a.name));
                    "single"
                }
                Presence::Optional => "single",
            };
            if let Some(e) = a.value_enum {
                self.allowed.push(format!(
                    "{at}.{}: values of the enum `{}` (YNL import: an integer)",
                    a.name, e.name
                ));
            }
            self.lines.push(format!(
                "{at}: attr {} `{}` {} {:?} {presence} {:?}",
                a.id,
                a.name,
                a.ty.ynl_name(),
                a.byte_order,
                a.checks
            ));
            if let genl_core::schema::AttrType::Nested(inner) = a.ty {
                assert!(depth < 8, "nesting too deep at {at}");
                self.set(&format!("{at}.{}", a.name), inner, depth + 1);
            }
        }
    }

    fn op(&mut self, at: &str, op: Option<OpSchema>) {
        let Some(op) = op else {
            self.lines.push(format!("{at}: none"));
            return;
        };
        self.lines.push(format!("{at}: served"));
        for (role, set) in [("request", op.request), ("reply", op.reply)] {
            match set {
                Some(s) => self.set(&format!("{at}.{role}"), s, 0),
                None => self.lines.push(format!("{at}.{role}: none")),
            }
        }
    }

    fn family(f: &FamilySchema) -> Walk {
        let mut w = Walk::default();
        w.lines.push(format!(
            "family {} version {} groups {:?}",
            f.name, f.version, f.mcast_groups
        ));
        for c in f.commands {
            let at = format!("cmd {} {}", c.id, c.name);
            w.lines.push(format!("{at}: admin_perm {}", c.admin_perm));
            w.op(&format!("{at} do"), c.do_);
            w.op(&format!("{at} dump"), c.dump);
            match c.event {
                Some(e) => {
                    w.lines.push(format!("{at} event: group {}", e.group));
                    w.set(&format!("{at} event"), e.attrs, 0);
                }
                None => w.lines.push(format!("{at} event: none")),
            }
        }
        w
    }
}

#[test]
fn the_exported_spec_imports_back_to_the_same_schema() {
    let ours = Walk::family(DemoCmd::SCHEMA);
    let back = Walk::family(imported::Cmd::SCHEMA);
    let width = ours.lines.iter().map(String::len).max().unwrap_or(0);
    let mut differ = Vec::new();
    for i in 0..ours.lines.len().max(back.lines.len()) {
        let (a, b) = (ours.lines.get(i), back.lines.get(i));
        let same = a == b;
        println!(
            "{:<width$}  {}",
            a.map_or("-", String::as_str),
            if same {
                "equal".to_owned()
            } else {
                format!("DIFFERS: {}", b.map_or("-", String::as_str))
            }
        );
        if !same {
            differ.push(format!("{a:?} vs {b:?}"));
        }
    }
    println!("\nallowed (what YNL does not carry):");
    for a in &ours.allowed {
        println!("  {a}");
    }
    println!(
        "\n{} lines, {} attributes compared (ours), {} items set aside as allowed, {} unexplained differences",
        ours.lines.len(),
        ours.attrs,
        ours.allowed.len(),
        differ.len()
    );
    assert!(
        differ.is_empty(),
        "the round trip changed the schema:\n{}",
        differ.join("\n")
    );
    // The walk covered the whole family: every command, every set.
    assert_eq!(DemoCmd::SCHEMA.commands.len(), 6);
    assert!(ours.attrs >= 20, "only {} attributes compared", ours.attrs);
    // The import adds nothing YNL does not carry.
    assert!(back.allowed.iter().all(|a| a.contains(": set name `")));
}

fn variants<E: ValueEnum>() -> BTreeMap<u64, String> {
    E::SCHEMA
        .variants
        .iter()
        .map(|v| (v.value, v.name.to_owned()))
        .collect()
}

#[test]
fn the_value_enums_import_back_with_the_same_values() {
    assert_eq!(variants::<KvState>(), variants::<imported::State>());
    assert_eq!(variants::<KvOp>(), variants::<imported::Op>());
    assert_eq!(variants::<KvState>().len(), 2);
}
