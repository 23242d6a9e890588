//! C outputs for a family: the uapi header, and the kernel header and
//! source of a module implementing it (in the shape of the kernel's own YNL
//! generated files, e.g. `include/uapi/linux/handshake.h`,
//! `net/handshake/genl.h` and `net/handshake/genl.c`).
//!
//! # Naming
//!
//! - Family prefix `P`: the family's `c_prefix`, or its name in capitals
//!   (`-` becomes `_`). Its lower-case form `p` prefixes C identifiers.
//! - Commands: `P_CMD_<VARIANT>` (`KvSet` → `GENL_DEMO_CMD_KV_SET`), in an
//!   enum starting with `P_CMD_UNSPEC` and ending with `__P_CMD_MAX` and
//!   `P_CMD_MAX`.
//! - Attribute sets: `<set prefix>_<FIELD>`. The set prefix is the set's
//!   `c_prefix`, or, when it declares none, `P_A_<TYPE>`
//!   (`KvMeta` → `GENL_DEMO_A_KV_META`). Rust sets sharing a `c_prefix` are
//!   one C attribute set: their attributes are merged by id (a different
//!   name, type, byte order or value enum at the same id is an error). Each
//!   enum starts with `<prefix>_UNSPEC` and ends with `__<prefix>_MAX` and
//!   `<prefix>_MAX`.
//! - Value enums: `enum <prefix lower-case>` with constants
//!   `<prefix>_<VARIANT>`; the prefix is the enum's `c_prefix` or
//!   `P_<TYPE>`.
//! - Multicast groups: `P_MCGRP_<NAME>` (the name string, uapi) and
//!   `P_NLGRP_<NAME>` (the index into the family's group array, kernel).
//! - Kernel side: handlers `p_nl_<cmd>_doit` / `p_nl_<cmd>_dumpit` (declared,
//!   implemented by the module), per-op policies `p_<cmd>_nl_policy`, nested
//!   policies `p_<type>_nl_policy`, `p_nl_ops`, `p_nl_mcgrps` and the family
//!   `p_nl_family`.
//!
//! # Policies
//!
//! Each op gets the policy of its request set only, with `maxattr` the
//! set's largest id, so strict validation rejects every attribute the
//! request set does not declare. Checks map to `nla_policy` as the kernel
//! defines them: integer ranges to `NLA_POLICY_MIN/MAX/RANGE` (or
//! `NLA_POLICY_FULL_RANGE` beyond `s16`), a value enum without explicit
//! checks to the range of its variants when they are contiguous, string
//! `max_len` to `.len`, binary lengths to `.len`, `NLA_POLICY_MIN_LEN`,
//! `NLA_POLICY_RANGE(NLA_BINARY, …)` or `NLA_POLICY_EXACT_LEN`, big-endian
//! `u16`/`u32` to `NLA_BE16`/`NLA_BE32`, nests to `NLA_POLICY_NESTED`. A
//! string `min_len` (which `nla_policy` cannot express for strings) becomes
//! a generated validation function (`NLA_POLICY_VALIDATE_FN`). Presence
//! (required attributes) is not a policy property: the module checks it
//! with `GENL_REQ_ATTR_CHECK`.
//!
//! # Kernel versions
//!
//! The kernel source declares split ops (`struct genl_split_ops`, one entry
//! per do and per dump) for Linux 6.2 and later, and `struct genl_ops` with
//! per-op policies before (6.1 has no split ops), behind a single
//! `#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)`. The family has
//! `.netnsok = true`, `.parallel_ops = true` (the module does its own
//! locking) and leaves `resv_start_op` at 0, so every op is strictly
//! validated.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::{CodegenError, REGENERATE_COMMAND};
use genl_core::schema::{
    AttrSchema, AttrSetSchema, AttrType, ByteOrder, Checks, CommandSchema, FamilySchema,
    ValueEnumSchema,
};

const SPDX_H: &str =
    "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */";
const SPDX_C: &str =
    "// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)";
/// The longest family or multicast group name (`GENL_NAMSIZ - 1`).
const GENL_NAME_MAX: usize = 15;
/// checkpatch's line length limit.
const MAX_LINE: usize = 100;

/// Where the generated files of a family go, relative to the module dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNames {
    /// `include/uapi/linux/<name>.h`.
    pub uapi_header: String,
    /// `<name>-nl.h`.
    pub kernel_header: String,
    /// `<name>-nl.c`.
    pub kernel_source: String,
}

/// The paths of `family`'s generated files.
pub fn file_names(family: &FamilySchema) -> FileNames {
    let base = family.name.replace('-', "_");
    FileNames {
        uapi_header: format!("include/uapi/linux/{base}.h"),
        kernel_header: format!("{base}-nl.h"),
        kernel_source: format!("{base}-nl.c"),
    }
}

/// `CamelCase`, `snake_case` or `kebab-case` to `SCREAMING_SNAKE_CASE`
/// (`KvSet` → `KV_SET`, `delay_ms` → `DELAY_MS`, `HTTPServer` →
/// `HTTP_SERVER`, `Ipv4Addr` → `IPV4_ADDR`).
pub fn screaming(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '_' || c == ' ' || c == '.' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// `snake_case` form of [`screaming`].
pub fn snake(s: &str) -> String {
    screaming(s).to_lowercase()
}

fn is_c_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Rust doc text made fit for a C comment on one line: intra-doc link
/// brackets and backticks dropped, whitespace collapsed, `*/` defused.
fn c_doc(doc: &str) -> String {
    let d = doc.replace("[`", "").replace("`]", "").replace('`', "");
    d.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("*/", "* /")
}

/// Word-wraps `text` into comment lines starting with `lead` (first line)
/// and `cont` (continuations), each at most `MAX_LINE - 20` columns.
fn wrap_comment(out: &mut String, lead: &str, cont: &str, text: &str) {
    let width = 80;
    let mut line = lead.to_owned();
    let mut fresh = true;
    for w in text.split_whitespace() {
        if !fresh && display_len(&line) + 1 + w.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = cont.to_owned();
        }
        if !line.is_empty() && !line.ends_with(['\t', ' ']) {
            line.push(' ');
        }
        line.push_str(w);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Columns a line takes with 8-column tabs.
fn display_len(s: &str) -> usize {
    s.chars().fold(0, |col, c| {
        if c == '\t' {
            (col / 8 + 1) * 8
        } else {
            col + 1
        }
    })
}

/// `lhs<tabs>rhs` rows with the right-hand sides aligned on a tab stop
/// after the longest left-hand side, as the kernel's generated files do.
fn tab_aligned(indent: &str, rows: &[(String, String)]) -> String {
    let base = display_len(indent);
    let longest = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let col = ((base + longest) / 8 + 1) * 8;
    let mut out = String::new();
    for (l, r) in rows {
        let mut at = base + l.len();
        out.push_str(indent);
        out.push_str(l);
        while at < col {
            out.push('\t');
            at = (at / 8 + 1) * 8;
        }
        out.push_str(r);
        out.push('\n');
    }
    out
}

/// Tabs then spaces reaching column `col` (kernel continuation style).
fn align_to(col: usize) -> String {
    format!("{}{}", "\t".repeat(col / 8), " ".repeat(col % 8))
}

/// An attribute of a merged C attribute set.
struct CAttr {
    /// The C constant.
    name: String,
    /// The first Rust declaration seen.
    schema: &'static AttrSchema,
    /// Whether every Rust set declaring this id declares the same checks.
    checks_agree: bool,
}

/// A C attribute set: one or more Rust sets sharing a prefix.
struct CSet {
    prefix: String,
    rust: Vec<&'static AttrSetSchema>,
    attrs: BTreeMap<u16, CAttr>,
}

/// A value enum with its C names.
struct CEnum {
    schema: &'static ValueEnumSchema,
    prefix: String,
}

impl CEnum {
    fn tag(&self) -> String {
        self.prefix.to_lowercase()
    }

    fn variant(&self, name: &str) -> String {
        format!("{}_{}", self.prefix, screaming(name))
    }
}

/// Everything the three generators share: the C names of every item,
/// computed and checked once.
struct Model {
    family: &'static FamilySchema,
    /// `GENL_DEMO`.
    up: String,
    /// `genl_demo`.
    low: String,
    enums: Vec<CEnum>,
    sets: Vec<CSet>,
    /// Commands sorted by id.
    commands: Vec<&'static CommandSchema>,
}

fn err<T>(msg: impl Into<String>) -> Result<T, CodegenError> {
    Err(CodegenError::new(msg))
}

fn describe_type(ty: &AttrType) -> String {
    format!("{ty:?}").to_lowercase()
}

impl Model {
    fn new(family: &'static FamilySchema) -> Result<Model, CodegenError> {
        let fam = family.name;
        if fam.is_empty() || fam.len() > GENL_NAME_MAX {
            return err(format!(
                "family name {fam:?} must be 1 to {GENL_NAME_MAX} bytes (GENL_NAMSIZ)"
            ));
        }
        let up = match family.c_prefix {
            Some(p) => p.to_owned(),
            None => screaming(fam),
        };
        if !is_c_ident(&up) {
            return err(format!(
                "family {fam}: C prefix {up:?} is not a C identifier"
            ));
        }
        let low = up.to_lowercase();

        let mut commands: Vec<&'static CommandSchema> = family.commands.iter().collect();
        commands.sort_by_key(|c| c.id);
        for w in commands.windows(2) {
            if w[0].id == w[1].id {
                return err(format!(
                    "family {fam}: commands {} and {} share number {}",
                    w[0].name, w[1].name, w[0].id
                ));
            }
        }
        if let Some(c) = commands.iter().find(|c| c.id == 0) {
            return err(format!(
                "family {fam}: command {} has number 0, which is {up}_CMD_UNSPEC",
                c.name
            ));
        }
        for g in family.mcast_groups {
            if g.is_empty() || g.len() > GENL_NAME_MAX {
                return err(format!(
                    "family {fam}: multicast group name {g:?} must be 1 to {GENL_NAME_MAX} bytes"
                ));
            }
        }

        let enums = family
            .value_enums()
            .into_iter()
            .map(|e| {
                let prefix = match e.c_prefix {
                    Some(p) => p.to_owned(),
                    None => format!("{up}_{}", screaming(e.name)),
                };
                if !is_c_ident(&prefix) {
                    return err(format!(
                        "value enum {}: C prefix {prefix:?} is not a C identifier",
                        e.name
                    ));
                }
                Ok(CEnum { schema: e, prefix })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut sets: Vec<CSet> = Vec::new();
        for s in family.attr_sets() {
            let prefix = match s.c_prefix {
                Some(p) => p.to_owned(),
                None => format!("{up}_A_{}", screaming(s.name)),
            };
            if !is_c_ident(&prefix) {
                return err(format!(
                    "attribute set {}: C prefix {prefix:?} is not a C identifier",
                    s.name
                ));
            }
            let idx = match sets.iter().position(|c| c.prefix == prefix) {
                Some(i) => i,
                None => {
                    sets.push(CSet {
                        prefix: prefix.clone(),
                        rust: Vec::new(),
                        attrs: BTreeMap::new(),
                    });
                    sets.len() - 1
                }
            };
            let cset = &mut sets[idx];
            cset.rust.push(s);
            for a in s.attrs {
                if a.id == 0 {
                    return err(format!(
                        "attribute {}.{} has id 0, which is {prefix}_UNSPEC",
                        s.name, a.name
                    ));
                }
                let name = format!("{prefix}_{}", screaming(a.name));
                match cset.attrs.get_mut(&a.id) {
                    None => {
                        if let Some((id, other)) = cset.attrs.iter().find(|(_, c)| c.name == name) {
                            return err(format!(
                                "attribute set {prefix}: {name} would be both id {id} ({}) and id {} ({}.{})",
                                other.schema.name, a.id, s.name, a.name
                            ));
                        }
                        cset.attrs.insert(
                            a.id,
                            CAttr {
                                name,
                                schema: a,
                                checks_agree: true,
                            },
                        );
                    }
                    Some(prev) => {
                        let p = prev.schema;
                        let same_enum = match (p.value_enum, a.value_enum) {
                            (None, None) => true,
                            (Some(x), Some(y)) => x.name == y.name,
                            _ => false,
                        };
                        if prev.name != name
                            || !p.ty.same_as(&a.ty)
                            || p.byte_order != a.byte_order
                            || !same_enum
                        {
                            let owner = cset
                                .rust
                                .iter()
                                .find(|r| r.attrs.iter().any(|x| std::ptr::eq(x, p)))
                                .map_or("?", |r| r.name);
                            return err(format!(
                                "attribute set {prefix}: id {} is `{}` ({}{}) in {owner} but `{}` ({}{}) in {}",
                                a.id,
                                p.name,
                                describe_type(&p.ty),
                                if p.byte_order == ByteOrder::Big { ", big-endian" } else { "" },
                                a.name,
                                describe_type(&a.ty),
                                if a.byte_order == ByteOrder::Big { ", big-endian" } else { "" },
                                s.name
                            ));
                        }
                        if p.checks != a.checks {
                            prev.checks_agree = false;
                        }
                    }
                }
            }
        }

        let m = Model {
            family,
            up,
            low,
            enums,
            sets,
            commands,
        };
        m.check_unique_names()?;
        Ok(m)
    }

    /// Every constant and identifier the outputs define must be unique.
    fn check_unique_names(&self) -> Result<(), CodegenError> {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut add = |name: String, what: String| -> Result<(), CodegenError> {
            if let Some(prev) = seen.get(&name) {
                return err(format!(
                    "family {}: C name {name} stands for both {prev} and {what}",
                    self.family.name
                ));
            }
            seen.insert(name, what);
            Ok(())
        };
        let up = &self.up;
        add(format!("{up}_FAMILY_NAME"), "the family name".into())?;
        add(format!("{up}_FAMILY_VERSION"), "the family version".into())?;
        for g in self.family.mcast_groups {
            add(self.mcgrp_define(g), format!("multicast group {g:?}"))?;
            add(self.nlgrp_const(g), format!("multicast group {g:?}"))?;
        }
        for e in &self.enums {
            for v in e.schema.variants {
                add(e.variant(v.name), format!("{}::{}", e.schema.name, v.name))?;
            }
        }
        for s in &self.sets {
            let p = &s.prefix;
            add(format!("{p}_UNSPEC"), format!("attribute set {p}'s UNSPEC"))?;
            add(format!("__{p}_MAX"), format!("attribute set {p}'s __MAX"))?;
            add(format!("{p}_MAX"), format!("attribute set {p}'s MAX"))?;
            for a in s.attrs.values() {
                add(a.name.clone(), format!("attribute {}", a.schema.name))?;
                for (suffix, _) in limit_defines(a) {
                    add(
                        format!("{}_{suffix}", a.name),
                        format!("a limit of attribute {}", a.schema.name),
                    )?;
                }
            }
        }
        add(format!("{up}_CMD_UNSPEC"), "the commands' UNSPEC".into())?;
        add(format!("__{up}_CMD_MAX"), "the commands' __MAX".into())?;
        add(format!("{up}_CMD_MAX"), "the commands' MAX".into())?;
        for c in &self.commands {
            add(self.cmd_const(c), format!("command {}", c.name))?;
        }
        Ok(())
    }

    fn cmd_const(&self, c: &CommandSchema) -> String {
        format!("{}_CMD_{}", self.up, screaming(c.name))
    }

    fn mcgrp_define(&self, g: &str) -> String {
        format!("{}_MCGRP_{}", self.up, screaming(g))
    }

    fn nlgrp_const(&self, g: &str) -> String {
        format!("{}_NLGRP_{}", self.up, screaming(g))
    }

    fn cset_of(&self, s: &AttrSetSchema) -> &CSet {
        self.sets
            .iter()
            .find(|c| c.rust.iter().any(|r| r.name == s.name))
            .expect("every reachable set is in the model")
    }

    fn attr_const(&self, s: &AttrSetSchema, a: &AttrSchema) -> String {
        format!("{}_{}", self.cset_of(s).prefix, screaming(a.name))
    }

    fn enum_of(&self, e: &ValueEnumSchema) -> &CEnum {
        self.enums
            .iter()
            .find(|c| c.schema.name == e.name)
            .expect("every value enum is in the model")
    }

    fn doit(&self, c: &CommandSchema) -> String {
        format!("{}_nl_{}_doit", self.low, snake(c.name))
    }

    fn dumpit(&self, c: &CommandSchema) -> String {
        format!("{}_nl_{}_dumpit", self.low, snake(c.name))
    }

    fn op_policy(&self, c: &CommandSchema) -> String {
        format!("{}_{}_nl_policy", self.low, snake(c.name))
    }

    fn nest_policy(&self, s: &AttrSetSchema) -> String {
        format!("{}_{}_nl_policy", self.low, snake(s.name))
    }

    /// Commands the kernel serves (not notifications, and with a handler).
    fn ops(&self) -> impl Iterator<Item = &'static CommandSchema> + '_ {
        self.commands
            .iter()
            .copied()
            .filter(|c| !c.event && (c.do_ || c.dump))
    }

    /// The request set of an op, when it has attributes (ops without one
    /// get no policy).
    fn request(&self, c: &CommandSchema) -> Option<&'static AttrSetSchema> {
        c.request_set().filter(|s| !s.attrs.is_empty())
    }

    /// The constant of the largest attribute id of `s`.
    fn max_attr_const(&self, s: &'static AttrSetSchema) -> String {
        let a = s
            .attrs
            .iter()
            .max_by_key(|a| a.id)
            .expect("only called for non-empty sets");
        self.attr_const(s, a)
    }

    fn banner(&self, out: &mut String, what: &str) {
        out.push_str("/* Do not edit directly, auto-generated from the Rust schema of */\n");
        let _ = writeln!(
            out,
            "/*\tthe {} family; regenerate with `{REGENERATE_COMMAND}` */",
            self.family.name
        );
        let _ = writeln!(out, "/* genl {what} */");
    }
}

/// `(suffix, value)` of the limit defines of an attribute (`MAX_LEN`, …):
/// the declared checks, when all Rust sets sharing the attribute agree.
fn limit_defines(a: &CAttr) -> Vec<(&'static str, String)> {
    if !a.checks_agree {
        return Vec::new();
    }
    let c = &a.schema.checks;
    let mut out = Vec::new();
    if let Some(v) = c.exact_len {
        out.push(("EXACT_LEN", v.to_string()));
    }
    if let Some(v) = c.min_len {
        out.push(("MIN_LEN", v.to_string()));
    }
    if let Some(v) = c.max_len {
        out.push(("MAX_LEN", v.to_string()));
    }
    if let Some(v) = c.min {
        out.push(("MIN", int_literal(v)));
    }
    if let Some(v) = c.max {
        out.push(("MAX", int_literal(v)));
    }
    out
}

fn int_literal(v: i64) -> String {
    if v == i64::MIN {
        "S64_MIN".into()
    } else if v < 0 {
        format!("({v})")
    } else {
        v.to_string()
    }
}

/// Renders the uapi header: family name and version, multicast group names,
/// value enums, one attribute enum per C attribute set and the command enum.
pub fn uapi_header(family: &'static FamilySchema) -> Result<String, CodegenError> {
    let m = Model::new(family)?;
    let mut o = String::new();
    let guard = format!(
        "_UAPI_LINUX_{}_H",
        screaming(&family.name.replace('-', "_"))
    );
    o.push_str(SPDX_H);
    o.push('\n');
    m.banner(&mut o, "uapi header");
    let _ = write!(o, "\n#ifndef {guard}\n#define {guard}\n\n");
    o.push_str(&tab_aligned(
        "",
        &[
            (
                format!("#define {}_FAMILY_NAME", m.up),
                format!("\"{}\"", family.name),
            ),
            (
                format!("#define {}_FAMILY_VERSION", m.up),
                family.version.to_string(),
            ),
        ],
    ));

    for e in &m.enums {
        o.push('\n');
        let doc = c_doc(e.schema.doc);
        o.push_str("/**\n");
        wrap_comment(
            &mut o,
            &format!(
                " * enum {} - {}",
                e.tag(),
                if doc.is_empty() {
                    e.schema.name.to_owned()
                } else {
                    doc
                }
            ),
            " *\t",
            "",
        );
        for v in e.schema.variants {
            let d = c_doc(v.doc);
            wrap_comment(
                &mut o,
                &format!(
                    " * @{}: {}",
                    e.variant(v.name),
                    if d.is_empty() { v.name.to_owned() } else { d }
                ),
                " *\t",
                "",
            );
        }
        o.push_str(" */\n");
        let _ = writeln!(o, "enum {} {{", e.tag());
        let mut prev: Option<u64> = None;
        for v in e.schema.variants {
            let explicit = match prev {
                None => v.value != 0,
                Some(p) => p.checked_add(1) != Some(v.value),
            };
            if explicit {
                let _ = writeln!(o, "\t{} = {},", e.variant(v.name), v.value);
            } else {
                let _ = writeln!(o, "\t{},", e.variant(v.name));
            }
            prev = Some(v.value);
        }
        o.push_str("};\n");
    }

    for s in &m.sets {
        o.push('\n');
        let names: Vec<&str> = s.rust.iter().map(|r| r.name).collect();
        o.push_str("/*\n");
        wrap_comment(
            &mut o,
            &format!(
                " * Attribute set {} (Rust: {}).",
                s.prefix,
                names.join(", ")
            ),
            " *\t",
            "",
        );
        let doc = c_doc(s.rust[0].doc);
        if !doc.is_empty() {
            wrap_comment(&mut o, " *", " *", &doc);
        }
        for a in s.attrs.values() {
            let sch = a.schema;
            let mut ty = sch.ty.ynl_name().to_owned();
            if let Some(n) = sch.ty.nested_set() {
                let _ = write!(ty, " {}", m.cset_of(n).prefix);
            }
            if let Some(e) = sch.value_enum {
                let _ = write!(ty, ", enum {}", m.enum_of(e).tag());
            }
            if sch.byte_order == ByteOrder::Big {
                ty.push_str(", big-endian");
            }
            let d = c_doc(sch.doc);
            wrap_comment(&mut o, &format!(" * @{}: ({ty})", a.name), " *\t", &d);
        }
        o.push_str(" */\n");
        o.push_str("enum {\n");
        let _ = writeln!(o, "\t{}_UNSPEC,", s.prefix);
        let mut prev = 0u16;
        for (id, a) in &s.attrs {
            if *id == prev + 1 {
                let _ = writeln!(o, "\t{},", a.name);
            } else {
                let _ = writeln!(o, "\t{} = {id},", a.name);
            }
            prev = *id;
        }
        let p = &s.prefix;
        let _ = write!(o, "\n\t__{p}_MAX,\n\t{p}_MAX = (__{p}_MAX - 1)\n}};\n");
    }

    o.push('\n');
    o.push_str("/*\n");
    wrap_comment(
        &mut o,
        &format!(" * Commands of the {} family.", family.name),
        " *\t",
        "",
    );
    for c in &m.commands {
        let mut what = Vec::new();
        if c.event {
            what.push("notification".to_owned());
        }
        if c.do_ && !c.event {
            what.push("do".into());
        }
        if c.dump {
            what.push("dump".into());
        }
        if c.admin_perm {
            what.push("admin".into());
        }
        if let Some(r) = c.request_set() {
            what.push(format!("request {}", m.cset_of(r).prefix));
        }
        if let Some(r) = c.reply_set() {
            what.push(format!("reply {}", m.cset_of(r).prefix));
        }
        wrap_comment(
            &mut o,
            &format!(" * @{}: ({})", m.cmd_const(c), what.join(", ")),
            " *\t",
            &c_doc(c.doc),
        );
    }
    o.push_str(" */\n");
    o.push_str("enum {\n");
    let _ = writeln!(o, "\t{}_CMD_UNSPEC,", m.up);
    let mut prev = 0u8;
    for c in &m.commands {
        if c.id == prev + 1 {
            let _ = writeln!(o, "\t{},", m.cmd_const(c));
        } else {
            let _ = writeln!(o, "\t{} = {},", m.cmd_const(c), c.id);
        }
        prev = c.id;
    }
    let up = &m.up;
    let _ = write!(
        o,
        "\n\t__{up}_CMD_MAX,\n\t{up}_CMD_MAX = (__{up}_CMD_MAX - 1)\n}};\n"
    );

    if !family.mcast_groups.is_empty() {
        o.push('\n');
        let rows: Vec<(String, String)> = family
            .mcast_groups
            .iter()
            .map(|g| (format!("#define {}", m.mcgrp_define(g)), format!("\"{g}\"")))
            .collect();
        o.push_str(&tab_aligned("", &rows));
    }
    let _ = write!(o, "\n#endif /* {guard} */\n");
    Ok(o)
}

/// Renders the kernel header: limits of the declared checks, the nested
/// policies (for the module's `nla_parse_nested`), the handler prototypes
/// the module implements, the multicast group indexes and the
/// family declaration.
pub fn kernel_header(family: &'static FamilySchema) -> Result<String, CodegenError> {
    let m = Model::new(family)?;
    let names = file_names(family);
    let mut o = String::new();
    let guard = format!("_{}_NL_H", m.up);
    o.push_str(SPDX_H);
    o.push('\n');
    m.banner(&mut o, "kernel header");
    let _ = write!(o, "\n#ifndef {guard}\n#define {guard}\n\n");
    o.push_str("#include <net/netlink.h>\n#include <net/genetlink.h>\n\n");
    let uapi = names.uapi_header.trim_start_matches("include/");
    let _ = writeln!(o, "#include <{uapi}>");

    let mut rows = Vec::new();
    for s in &m.sets {
        for a in s.attrs.values() {
            for (suffix, v) in limit_defines(a) {
                rows.push((format!("#define {}_{suffix}", a.name), v));
            }
        }
    }
    if !rows.is_empty() {
        o.push_str("\n/* Declared limits, enforced by the generated policies */\n");
        o.push_str(&tab_aligned("", &rows));
    }

    let nested = m.nested_request_sets()?;
    if !nested.is_empty() {
        o.push_str("\n/* Common nested types */\n");
        for s in nested {
            let _ = writeln!(
                o,
                "extern const struct nla_policy {}[{} + 1];",
                m.nest_policy(s),
                m.max_attr_const(s)
            );
        }
    }

    let mut protos = String::new();
    for c in m.ops() {
        if c.do_ {
            let _ = writeln!(
                protos,
                "int {}(struct sk_buff *skb, struct genl_info *info);",
                m.doit(c)
            );
        }
        if c.dump {
            let _ = writeln!(
                protos,
                "int {}(struct sk_buff *skb, struct netlink_callback *cb);",
                m.dumpit(c)
            );
        }
    }
    if !protos.is_empty() {
        o.push_str("\n/* Handlers the module implements */\n");
        o.push_str(&protos);
    }

    if !family.mcast_groups.is_empty() {
        o.push_str("\nenum {\n");
        for g in family.mcast_groups {
            let _ = writeln!(o, "\t{},", m.nlgrp_const(g));
        }
        o.push_str("};\n");
    }
    let _ = write!(
        o,
        "\nextern struct genl_family {}_nl_family;\n\n#endif /* {guard} */\n",
        m.low
    );
    Ok(o)
}

/// Side definitions a policy entry needs: range structs and validation
/// functions, keyed by name so each is emitted once.
#[derive(Default)]
struct PolicyExtras {
    ranges: BTreeMap<String, String>,
    validators: BTreeMap<String, String>,
}

/// Whether both bounds fit the `s16` `min`/`max` of `struct nla_policy`.
fn fits_s16(v: i64) -> bool {
    (i64::from(i16::MIN)..=i64::from(i16::MAX)).contains(&v)
}

/// Type bounds as C expressions (for one-sided full ranges).
fn type_bounds(ty: &AttrType) -> (&'static str, &'static str) {
    match ty {
        AttrType::U8 => ("0", "U8_MAX"),
        AttrType::U16 => ("0", "U16_MAX"),
        AttrType::U32 => ("0", "U32_MAX"),
        AttrType::U64 => ("0", "U64_MAX"),
        AttrType::S8 => ("S8_MIN", "S8_MAX"),
        AttrType::S16 => ("S16_MIN", "S16_MAX"),
        AttrType::S32 => ("S32_MIN", "S32_MAX"),
        AttrType::S64 => ("S64_MIN", "S64_MAX"),
        _ => ("0", "U16_MAX"),
    }
}

/// The full (finite) value range of an integer type.
fn type_range(ty: &AttrType) -> (i128, i128) {
    match ty {
        AttrType::U8 => (0, u8::MAX.into()),
        AttrType::U16 => (0, u16::MAX.into()),
        AttrType::U32 => (0, u32::MAX.into()),
        AttrType::U64 => (0, u64::MAX.into()),
        AttrType::S8 => (i8::MIN.into(), i8::MAX.into()),
        AttrType::S16 => (i16::MIN.into(), i16::MAX.into()),
        AttrType::S32 => (i32::MIN.into(), i32::MAX.into()),
        AttrType::S64 => (i64::MIN.into(), i64::MAX.into()),
        _ => (0, 0),
    }
}

impl Model {
    /// The right-hand side of one `nla_policy` entry.
    fn policy_entry(
        &self,
        set: &'static AttrSetSchema,
        a: &'static AttrSchema,
        extras: &mut PolicyExtras,
    ) -> Result<String, CodegenError> {
        let at = || format!("{}.{}", set.name, a.name);
        let c: &Checks = &a.checks;
        let has_len = c.min_len.is_some() || c.max_len.is_some() || c.exact_len.is_some();
        let has_val = c.min.is_some() || c.max.is_some();
        match a.ty {
            AttrType::U8
            | AttrType::U16
            | AttrType::U32
            | AttrType::U64
            | AttrType::S8
            | AttrType::S16
            | AttrType::S32
            | AttrType::S64 => {
                if has_len {
                    return err(format!(
                        "{}: length checks apply to strings and bytes, not {}",
                        at(),
                        describe_type(&a.ty)
                    ));
                }
                let tp = match (a.byte_order, a.ty) {
                    (ByteOrder::Big, AttrType::U16) => "NLA_BE16",
                    (ByteOrder::Big, AttrType::U32) => "NLA_BE32",
                    (ByteOrder::Big, _) if has_val => {
                        return err(format!(
                            "{}: the kernel has no big-endian {} policy type to check a range on",
                            at(),
                            describe_type(&a.ty)
                        ))
                    }
                    _ => a.ty.kernel_name(),
                };
                self.int_policy(set, a, tp, extras)
            }
            AttrType::Flag => {
                if has_len || has_val {
                    return err(format!("{}: a flag carries no value to check", at()));
                }
                Ok("{ .type = NLA_FLAG, }".into())
            }
            AttrType::String => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let min = c.exact_len.or(c.min_len).unwrap_or(0);
                let max = c.exact_len.or(c.max_len);
                if let Some(mx) = max {
                    if mx > u32::from(u16::MAX) {
                        return err(format!("{}: max_len {mx} exceeds 65535", at()));
                    }
                    if mx < min {
                        return err(format!("{}: max_len {mx} below min_len {min}", at()));
                    }
                }
                if min > 0 {
                    let f = format!("{}_nl_validate_str_min{min}", self.low);
                    extras
                        .validators
                        .insert(f.clone(), str_min_validator(&f, min));
                    Ok(match max {
                        Some(mx) => format!("NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, {f}, {mx})"),
                        None => format!("NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, {f})"),
                    })
                } else {
                    Ok(match max {
                        Some(mx) => format!("{{ .type = NLA_NUL_STRING, .len = {mx}, }}"),
                        None => "{ .type = NLA_NUL_STRING, }".into(),
                    })
                }
            }
            AttrType::Binary => {
                if has_val {
                    return err(format!("{}: value checks apply to integers", at()));
                }
                let (min, max) = match c.exact_len {
                    Some(e) => (Some(e), Some(e)),
                    None => (c.min_len, c.max_len),
                };
                for v in [min, max].into_iter().flatten() {
                    if v > u32::from(u16::MAX) {
                        return err(format!("{}: length {v} exceeds 65535", at()));
                    }
                }
                let s16 = |v: u32| fits_s16(i64::from(v));
                Ok(match (min, max) {
                    (None, None) => "{ .type = NLA_BINARY, }".into(),
                    (None, Some(mx)) => format!("{{ .type = NLA_BINARY, .len = {mx}, }}"),
                    (Some(mn), None) if s16(mn) => format!("NLA_POLICY_MIN_LEN({mn})"),
                    (Some(mn), Some(mx)) if mn > mx => {
                        return err(format!("{}: max_len {mx} below min_len {mn}", at()))
                    }
                    (Some(mn), Some(mx)) if mn == mx && s16(mn) => {
                        format!("NLA_POLICY_EXACT_LEN({mn})")
                    }
                    (Some(mn), Some(mx)) if s16(mn) && s16(mx) => {
                        format!("NLA_POLICY_RANGE(NLA_BINARY, {mn}, {mx})")
                    }
                    (mn, mx) => {
                        let name = self.range_name(set, a);
                        let body = format!(
                            "static const struct netlink_range_validation {name} = {{\n\t.min\t= {}ULL,\n\t.max\t= {},\n}};\n",
                            mn.unwrap_or(0),
                            mx.map_or("U16_MAX".to_owned(), |v| format!("{v}ULL"))
                        );
                        extras.ranges.insert(name.clone(), body);
                        format!("NLA_POLICY_FULL_RANGE(NLA_BINARY, &{name})")
                    }
                })
            }
            AttrType::Nested(f) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to nests", at()));
                }
                Ok(format!("NLA_POLICY_NESTED({})", self.nest_policy(f())))
            }
            AttrType::IndexedArray(inner) => {
                if has_len || has_val {
                    return err(format!("{}: checks do not apply to arrays", at()));
                }
                Ok(match inner.nested_set() {
                    Some(n) => format!("NLA_POLICY_NESTED_ARRAY({})", self.nest_policy(n)),
                    None => "{ .type = NLA_NESTED_ARRAY, }".into(),
                })
            }
            #[allow(unreachable_patterns)]
            _ => err(format!(
                "{}: type {:?} has no kernel policy mapping",
                at(),
                a.ty
            )),
        }
    }

    fn range_name(&self, set: &AttrSetSchema, a: &AttrSchema) -> String {
        format!("{}_{}_{}_range", self.low, snake(set.name), snake(a.name))
    }

    /// Integer policy: declared checks, else the range of a contiguous
    /// value enum, else the type alone.
    fn int_policy(
        &self,
        set: &'static AttrSetSchema,
        a: &'static AttrSchema,
        tp: &str,
        extras: &mut PolicyExtras,
    ) -> Result<String, CodegenError> {
        let at = format!("{}.{}", set.name, a.name);
        let (tmin, tmax) = type_range(&a.ty);
        let c = &a.checks;
        // (value, C expression) of each bound.
        let mut lo: Option<(i128, String)> = c.min.map(|v| (i128::from(v), int_literal(v)));
        let mut hi: Option<(i128, String)> = c.max.map(|v| (i128::from(v), int_literal(v)));
        if lo.is_none() && hi.is_none() {
            if let Some(e) = a.value_enum {
                let ce = self.enum_of(e);
                let mut vs: Vec<(u64, &str)> =
                    e.variants.iter().map(|v| (v.value, v.name)).collect();
                vs.sort();
                let contiguous = vs.windows(2).all(|w| w[0].0.checked_add(1) == Some(w[1].0));
                if let (true, Some(first), Some(last)) = (contiguous, vs.first(), vs.last()) {
                    lo = Some((i128::from(first.0), ce.variant(first.1)));
                    hi = Some((i128::from(last.0), ce.variant(last.1)));
                }
            }
        }
        for (v, _) in lo.iter().chain(hi.iter()) {
            if *v < tmin || *v > tmax {
                return err(format!(
                    "{at}: bound {v} is outside the range of {}",
                    describe_type(&a.ty)
                ));
            }
        }
        if let (Some((l, _)), Some((h, _))) = (&lo, &hi) {
            if l > h {
                return err(format!("{at}: min {l} above max {h}"));
            }
        }
        // Bounds the check leaves open are the type's own: drop them.
        if lo.as_ref().is_some_and(|(v, _)| *v == tmin) {
            lo = None;
        }
        if hi.as_ref().is_some_and(|(v, _)| *v == tmax) {
            hi = None;
        }
        let small = |b: &Option<(i128, String)>| {
            b.as_ref().map_or(true, |(v, _)| {
                (i128::from(i16::MIN)..=i128::from(i16::MAX)).contains(v)
            })
        };
        if small(&lo) && small(&hi) {
            return Ok(match (lo, hi) {
                (None, None) => format!("{{ .type = {tp}, }}"),
                (Some((_, l)), None) => format!("NLA_POLICY_MIN({tp}, {l})"),
                (None, Some((_, h))) => format!("NLA_POLICY_MAX({tp}, {h})"),
                (Some((_, l)), Some((_, h))) => format!("NLA_POLICY_RANGE({tp}, {l}, {h})"),
            });
        }
        let (bmin, bmax) = type_bounds(&a.ty);
        let name = self.range_name(set, a);
        let lit = |b: Option<(i128, String)>, dflt: &str| match b {
            Some((v, _)) if v >= 0 => format!("{v}ULL"),
            Some((v, _)) if v == i128::from(i64::MIN) => "S64_MIN".into(),
            Some((v, _)) => format!("{v}LL"),
            None => dflt.to_owned(),
        };
        let (strct, mac) = if a.ty.is_signed() {
            (
                "netlink_range_validation_signed",
                "NLA_POLICY_FULL_RANGE_SIGNED",
            )
        } else {
            ("netlink_range_validation", "NLA_POLICY_FULL_RANGE")
        };
        let body = format!(
            "static const struct {strct} {name} = {{\n\t.min\t= {},\n\t.max\t= {},\n}};\n",
            lit(lo, bmin),
            lit(hi, bmax)
        );
        extras.ranges.insert(name.clone(), body);
        Ok(format!("{mac}({tp}, &{name})"))
    }

    /// One policy array over `set`'s attributes.
    fn policy_array(
        &self,
        out: &mut String,
        storage: &str,
        name: &str,
        set: &'static AttrSetSchema,
        extras: &mut PolicyExtras,
    ) -> Result<(), CodegenError> {
        let _ = writeln!(
            out,
            "{storage}const struct nla_policy {name}[{} + 1] = {{",
            self.max_attr_const(set)
        );
        let mut attrs: Vec<&'static AttrSchema> = set.attrs.iter().collect();
        attrs.sort_by_key(|a| a.id);
        for a in attrs {
            let lhs = format!("\t[{}] =", self.attr_const(set, a));
            let rhs = self.policy_entry(set, a, extras)?;
            let line = format!("{lhs} {rhs},");
            if display_len(&line) <= MAX_LINE {
                let _ = writeln!(out, "{line}");
            } else {
                let _ = writeln!(out, "{lhs}\n\t\t{rhs},");
            }
        }
        out.push_str("};\n");
        Ok(())
    }

    /// Nested sets reachable from requests, innermost first.
    fn nested_request_sets(&self) -> Result<Vec<&'static AttrSetSchema>, CodegenError> {
        fn visit(
            s: &'static AttrSetSchema,
            stack: &mut Vec<&'static str>,
            out: &mut Vec<&'static AttrSetSchema>,
        ) -> Result<(), CodegenError> {
            if out.iter().any(|o| o.name == s.name) {
                return Ok(());
            }
            if stack.contains(&s.name) {
                return err(format!(
                    "attribute set {} nests itself ({} → {}): static kernel policies cannot express recursion",
                    s.name,
                    stack.join(" → "),
                    s.name
                ));
            }
            stack.push(s.name);
            for a in s.attrs {
                if let Some(n) = a.ty.nested_set() {
                    visit(n, stack, out)?;
                }
            }
            stack.pop();
            out.push(s);
            Ok(())
        }
        let mut out = Vec::new();
        for c in self.ops() {
            if let Some(r) = self.request(c) {
                let mut stack = vec![r.name];
                for a in r.attrs {
                    if let Some(n) = a.ty.nested_set() {
                        visit(n, &mut stack, &mut out)?;
                    }
                }
            }
        }
        Ok(out)
    }
}

fn str_min_validator(name: &str, min: u32) -> String {
    let unit = if min == 1 { "byte" } else { "bytes" };
    format!(
        "static int {name}(const struct nlattr *attr,\n\
         {pad}struct netlink_ext_ack *extack)\n\
         {{\n\
         \tif (strnlen(nla_data(attr), nla_len(attr)) < {min}) {{\n\
         \t\tNL_SET_ERR_MSG_ATTR(extack, attr, \"string shorter than {min} {unit}\");\n\
         \t\treturn -EINVAL;\n\
         \t}}\n\
         \treturn 0;\n\
         }}\n",
        pad = align_to("static int (".len() + name.len())
    )
}

/// Renders the kernel source: policies, the ops table (split ops for Linux
/// 6.2 and later, `genl_ops` before), the multicast groups and the family.
pub fn kernel_source(family: &'static FamilySchema) -> Result<String, CodegenError> {
    let m = Model::new(family)?;
    let names = file_names(family);
    let mut extras = PolicyExtras::default();

    // Policies first (they fill `extras`), assembled below.
    let mut policies = String::new();
    let nested = m.nested_request_sets()?;
    if !nested.is_empty() {
        policies.push_str("/* Common nested types */\n");
        for (i, s) in nested.iter().enumerate() {
            if i > 0 {
                policies.push('\n');
            }
            // Not static: the module parses nests with them (declared in
            // the kernel header), as YNL's "common nested types" are.
            m.policy_array(&mut policies, "", &m.nest_policy(s), s, &mut extras)?;
        }
    }
    // One policy per op with a request; ops sharing a name are impossible
    // (command names are unique).
    let mut done: BTreeSet<String> = BTreeSet::new();
    for c in m.ops() {
        let Some(r) = m.request(c) else { continue };
        let name = m.op_policy(c);
        if !done.insert(name.clone()) {
            continue;
        }
        if !policies.is_empty() {
            policies.push('\n');
        }
        let kinds: Vec<&str> = [(c.do_, "do"), (c.dump, "dump")]
            .into_iter()
            .filter(|(b, _)| *b)
            .map(|(_, k)| k)
            .collect();
        let _ = writeln!(policies, "/* {} - {} */", m.cmd_const(c), kinds.join(", "));
        m.policy_array(&mut policies, "static ", &name, r, &mut extras)?;
    }

    let mut o = String::new();
    o.push_str(SPDX_C);
    o.push('\n');
    m.banner(&mut o, "kernel source");
    o.push_str(
        "\n#include <linux/version.h>\n#include <net/netlink.h>\n#include <net/genetlink.h>\n\n",
    );
    let _ = writeln!(o, "#include \"{}\"\n", names.kernel_header);
    let _ = writeln!(
        o,
        "#include <{}>",
        names.uapi_header.trim_start_matches("include/")
    );
    if !extras.ranges.is_empty() {
        o.push_str("\n/* Integer value ranges */\n");
        let all: Vec<String> = extras.ranges.values().cloned().collect();
        o.push_str(&all.join("\n"));
    }
    if !extras.validators.is_empty() {
        o.push_str("\n/* Checks that nla_policy types cannot express */\n");
        let all: Vec<String> = extras.validators.values().cloned().collect();
        o.push_str(&all.join("\n"));
    }
    if !policies.is_empty() {
        o.push('\n');
        o.push_str(&policies);
    }

    let mcgrps = format!("{}_nl_mcgrps", m.low);
    if !family.mcast_groups.is_empty() {
        let _ = writeln!(
            o,
            "\nstatic const struct genl_multicast_group {mcgrps}[] = {{"
        );
        for g in family.mcast_groups {
            let _ = writeln!(o, "\t[{}] = {{ \"{g}\", }},", m.nlgrp_const(g));
        }
        o.push_str("};\n");
    }

    let ops = format!("{}_nl_ops", m.low);
    let op_block = |fields: Vec<(String, String)>| -> String {
        let mut b = String::from("\t{\n");
        b.push_str(&tab_aligned("\t\t", &fields));
        b.push_str("\t},\n");
        b
    };
    let policy_fields = |c: &CommandSchema, f: &mut Vec<(String, String)>| {
        if let Some(r) = m.request(c) {
            f.push((".policy".into(), format!("= {},", m.op_policy(c))));
            f.push((".maxattr".into(), format!("= {},", m.max_attr_const(r))));
        }
    };
    let family_struct = |ops_fields: [(&str, String); 2]| -> String {
        let mut rows: Vec<(String, String)> = vec![
            (".name".into(), format!("= {}_FAMILY_NAME,", m.up)),
            (".version".into(), format!("= {}_FAMILY_VERSION,", m.up)),
            (".netnsok".into(), "= true,".into()),
            (".parallel_ops".into(), "= true,".into()),
            (".module".into(), "= THIS_MODULE,".into()),
        ];
        for (k, v) in ops_fields {
            rows.push((k.into(), format!("= {v},")));
        }
        if !family.mcast_groups.is_empty() {
            rows.push((".mcgrps".into(), format!("= {mcgrps},")));
            rows.push((".n_mcgrps".into(), format!("= ARRAY_SIZE({mcgrps}),")));
        }
        format!(
            "\nstruct genl_family {}_nl_family __ro_after_init = {{\n{}}};\n",
            m.low,
            tab_aligned("\t", &rows)
        )
    };

    o.push_str("\n/*\n");
    wrap_comment(
        &mut o,
        &format!(
            " * Ops table and family for {}. Linux 6.2 added split ops",
            family.name
        ),
        " *",
        "(one entry per do and per dump, struct genl_split_ops); earlier kernels take \
         struct genl_ops with per-op policies. resv_start_op stays 0: every op is \
         strictly validated. parallel_ops: the module does its own locking.",
    );
    o.push_str(" */\n");
    o.push_str("#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)\n");
    let _ = writeln!(o, "static const struct genl_split_ops {ops}[] = {{");
    for c in m.ops() {
        let admin = if c.admin_perm {
            "GENL_ADMIN_PERM | "
        } else {
            ""
        };
        if c.do_ {
            let mut f = vec![
                (".cmd".into(), format!("= {},", m.cmd_const(c))),
                (".doit".into(), format!("= {},", m.doit(c))),
            ];
            policy_fields(c, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DO,")));
            o.push_str(&op_block(f));
        }
        if c.dump {
            let mut f = vec![
                (".cmd".into(), format!("= {},", m.cmd_const(c))),
                (".dumpit".into(), format!("= {},", m.dumpit(c))),
            ];
            policy_fields(c, &mut f);
            f.push((".flags".into(), format!("= {admin}GENL_CMD_CAP_DUMP,")));
            o.push_str(&op_block(f));
        }
    }
    o.push_str("};\n");
    o.push_str(&family_struct([
        (".split_ops", ops.clone()),
        (".n_split_ops", format!("ARRAY_SIZE({ops})")),
    ]));
    o.push_str("#else /* Linux < 6.2: no split ops */\n");
    let _ = writeln!(o, "static const struct genl_ops {ops}[] = {{");
    for c in m.ops() {
        let mut f = vec![(".cmd".into(), format!("= {},", m.cmd_const(c)))];
        if c.do_ {
            f.push((".doit".into(), format!("= {},", m.doit(c))));
        }
        if c.dump {
            f.push((".dumpit".into(), format!("= {},", m.dumpit(c))));
        }
        policy_fields(c, &mut f);
        if c.admin_perm {
            f.push((".flags".into(), "= GENL_ADMIN_PERM,".into()));
        }
        o.push_str(&op_block(f));
    }
    o.push_str("};\n");
    o.push_str(&family_struct([
        (".ops", ops.clone()),
        (".n_ops", format!("ARRAY_SIZE({ops})")),
    ]));
    o.push_str("#endif /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) */\n");
    Ok(o)
}

#[cfg(test)]
mod tests;
