//! [`import`]: a YNL spec as Rust declarations using the `genl-core`
//! derives, in steps: [`select`] the operations and sets, name their types
//! ([`naming`]), type the sets ([`sets`], [`typing`]), then write the module
//! ([`emit`], [`commands`]).

use std::collections::{HashMap, HashSet};

mod classic;
mod commands;
mod doc;
mod emit;
mod naming;
mod select;
mod sets;
mod structs;
mod sub_message;
#[cfg(test)]
mod tests;
mod typing;

use serde::Deserialize as _;

use crate::spec::Spec;
use crate::{family, ImportError, ImportOptions};
use naming::TypeNames;
use select::Selection;
use typing::SetOut;

/// Turns a YNL spec into Rust source using the `genl-core` derives.
///
/// The output is one module's worth of items (with a `//!` header), already
/// `rustfmt`-formatted, meant to be saved as a module file, e.g.
/// `src/netdev.rs`. It names `genl_core`, which the including crate must
/// depend on.
pub fn import(spec_yaml: &str, opts: &ImportOptions) -> Result<String, ImportError> {
    let (spec, model) = read(spec_yaml)?;
    let sel = Selection::new(&spec, &model, opts)?;
    let tn = TypeNames::new(&spec, &sel.wanted);
    let (sets, borrows) = sets::resolve(&spec, &model, &sel, &tn, opts)?;
    let mut plan = Plan {
        spec: &spec,
        model: &model,
        opts,
        sel,
        tn,
        sets,
        borrows,
    };
    let mut out = String::new();
    emit::items(&mut plan, &mut out)?;
    commands::family(&mut plan, &mut out)?;
    Ok(out)
}

/// The spec's text read once, as YAML, into both forms an import uses: the
/// typed [`Spec`] of the writers and the run-time model, which resolves
/// what both need the same way (operation numbering and message ids of
/// every protocol, each operation's fixed header, struct layouts).
fn read(spec_yaml: &str) -> Result<(Spec, family::SpecFamily), ImportError> {
    // A failure is reported as reading the text straight into `Spec`
    // reports it, with its line and column (the text is read again only
    // then).
    let placed = |e: serde_yaml_ng::Error| {
        let e = serde_yaml_ng::from_str::<Spec>(spec_yaml)
            .err()
            .unwrap_or(e);
        ImportError::Yaml(e.to_string())
    };
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(spec_yaml).map_err(placed)?;
    let spec = Spec::deserialize(&doc).map_err(placed)?;
    let model = family::SpecFamily::from_yaml(&doc).map_err(|e| ImportError::Invalid {
        at: e.at,
        what: e.what,
    })?;
    Ok((spec, model))
}

/// What the steps found, for the writers.
struct Plan<'s> {
    spec: &'s Spec,
    model: &'s family::SpecFamily,
    opts: &'s ImportOptions,
    sel: Selection<'s>,
    tn: TypeNames<'s>,
    sets: Vec<SetOut>,
    /// The sets that borrow from the receive buffer.
    borrows: HashSet<String>,
}

/// `ty`, with `<'a>` when it is a set that borrows.
fn with_lt(borrows: &HashSet<String>, ty: &str) -> String {
    if borrows.contains(ty) {
        format!("{ty}<'a>")
    } else {
        ty.to_owned()
    }
}

/// The fixed header of operation `i`, as a Rust type.
fn header_of(
    model: &family::SpecFamily,
    struct_names: &HashMap<&str, String>,
    i: usize,
) -> Option<String> {
    let name = model.ops.get(i)?.fixed_header.as_deref()?;
    struct_names.get(name).cloned()
}
