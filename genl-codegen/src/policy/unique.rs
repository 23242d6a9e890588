//! The last check of a family: every C identifier the outputs define (the
//! model's and the policies') is defined once.

use std::collections::BTreeMap;

use super::*;
use crate::model::MAX_C_NAME;

/// Every C identifier the outputs define must be defined once.
pub(super) fn check_unique_names(m: &FamilyModel, p: &Policies) -> Result<(), CodegenError> {
    let fam = m.schema.name;
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |name: &str, what: String| -> Result<(), CodegenError> {
        if name.len() > MAX_C_NAME {
            return err(format!(
                "family {fam}: C name {name} ({what}) has {} characters; the generator \
                     keeps C identifiers to {MAX_C_NAME} (C99's significant length of internal \
                     identifiers, and what fits checkpatch's 100 columns): shorten the Rust \
                     name or declare a shorter #[genl(c_prefix = \"...\")]",
                name.len()
            ));
        }
        if let Some(prev) = seen.get(name) {
            return err(format!(
                "family {fam}: C name {name} stands for both {prev} and {what}; rename one"
            ));
        }
        seen.insert(name.to_owned(), what);
        Ok(())
    };
    let up = &m.c_prefix;
    add(&m.uapi_guard, "the uapi header's include guard".into())?;
    add(&m.kernel_guard, "the kernel header's include guard".into())?;
    add(&format!("{up}_FAMILY_NAME"), "the family name".into())?;
    add(&format!("{up}_FAMILY_VERSION"), "the family version".into())?;
    for g in &m.groups {
        add(&g.mcgrp_define, format!("multicast group {:?}", g.name))?;
        add(&g.nlgrp, format!("multicast group {:?}", g.name))?;
    }
    for e in &m.enums {
        for v in &e.variants {
            add(&v.c_name, format!("{}::{}", e.schema.path, v.schema.name))?;
        }
    }
    for s in &m.sets {
        let p = &s.prefix;
        add(&s.unspec, format!("attribute set {p}'s UNSPEC"))?;
        add(&s.cnt, format!("attribute set {p}'s __MAX"))?;
        add(&s.max, format!("attribute set {p}'s MAX"))?;
        if let Some(pad) = &s.pad {
            add(&pad.c_name, format!("the pad attribute of {}", s.root.name))?;
        }
        for a in &s.attrs {
            let what = || format!("attribute {}.{}", s.root.name, a.schema.name);
            add(&a.c_name, what())?;
            for (suffix, _) in &a.limits {
                add(
                    &format!("{}_{suffix}", a.c_name),
                    format!("a limit of {}", what()),
                )?;
            }
            if let Some(h) = &a.put_helper {
                add(&h.name, format!("the pad helper of {}", what()))?;
            }
        }
    }
    for v in &p.views {
        let what = |x: &str| format!("the {x} of the nest {}", v.schema.name);
        for (n, x) in [
            (&v.nested_policy, "policy"),
            (&v.parse, "parse helper"),
            (&v.check, "required-attribute check"),
        ] {
            if let Some(n) = n {
                add(n, what(x))?;
            }
        }
    }
    add(&format!("{up}_CMD_UNSPEC"), "the commands' UNSPEC".into())?;
    add(&format!("__{up}_CMD_MAX"), "the commands' __MAX".into())?;
    add(&format!("{up}_CMD_MAX"), "the commands' MAX".into())?;
    for (c, lc) in m.commands.iter().zip(&p.commands) {
        add(&c.c_name, format!("command {}", c.schema.name))?;
        for o in [&lc.do_, &lc.dump].into_iter().flatten() {
            add(
                &o.handler,
                format!("a handler of command {}", c.schema.name),
            )?;
            if let Some(w) = &o.check {
                add(w, format!("the generated check of {}", c.schema.name))?;
            }
        }
    }
    for op in &p.policies {
        add(
            &op.name,
            format!(
                "the {} policy of command {}",
                op.what, m.commands[op.command].schema.name
            ),
        )?;
    }
    for r in &p.ranges {
        add(&r.name, "a range check".into())?;
    }
    for v in &p.validators {
        add(&v.name, "a string validator".into())?;
    }
    for v in &p.enum_validators {
        add(
            &v.name,
            format!(
                "the validator of {}",
                m.value_enum(v.value_enum).schema.path
            ),
        )?;
    }
    let low = &m.c_lower;
    add(
        &format!("{low}_nl_dump_attrs"),
        "the dump attributes helper".into(),
    )?;
    add(&format!("{low}_nl_ops"), "the ops table".into())?;
    add(&format!("{low}_nl_mcgrps"), "the multicast groups".into())?;
    add(&format!("{low}_nl_family"), "the family".into())?;
    // Enum tags live in their own name space.
    let mut tags: BTreeMap<&str, &str> = BTreeMap::new();
    for e in &m.enums {
        if let Some(prev) = tags.insert(&e.tag, e.schema.path) {
            return err(format!(
                "family {fam}: enum tag {} stands for both `{prev}` and `{}`",
                e.tag, e.schema.path
            ));
        }
    }
    Ok(())
}
