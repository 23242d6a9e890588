//! Our generated kernel code (`<family>-nl.[ch]`) against the kernel's own
//! generator: `ynl-gen-c.py --mode kernel --source` and `--header` (Linux
//! 6.12's, see [`kernel_source`]) run on the family's YNL spec, and the two
//! compared by meaning, not by text:
//!
//! - every `nla_policy` array, attribute by attribute: type, length and
//!   range checks, nested policy, validation function (values evaluated
//!   with the constants of the uapi header, so `GENL_DEMO_STATE_STALE` and
//!   `2` are equal; `NLA_POLICY_MAX_LEN(n)` and `{ .type = NLA_BINARY, .len =
//!   n }` are equal);
//! - the split ops table (≥ 6.2): per command and do/dump, the handler,
//!   policy, `maxattr` and flags; our `genl_ops` table (< 6.2) must say the
//!   same per command;
//! - the multicast groups and the family's fields;
//! - the header's handler prototypes and extern policies.
//!
//! Differences that are ours by design are allowed, each printed with its
//! reason ([`Allowed`]); anything else fails, and so does comparing fewer
//! entries than ynl-gen-c generated (a floor: nothing of theirs may go
//! uncompared). Constructs 6.12's ynl-gen-c cannot render (checks of
//! `binary` attributes other than a lone `min-len` or `exact-len`) are
//! removed from its copy of the spec, listed, and our policy entries for
//! them compared with the spec's checks instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::ynl::{constants, tokens, ynl_work_tree};
use crate::host::output;
use crate::kernel_source::{self, ensure_python, PYTHON};

/// A difference ours has by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Allowed {
    /// Our policy arrays are sized by the set's `_MAX` (every attribute id
    /// of the set is a valid index, `maxattr` is the set's), ynl-gen-c's by
    /// the largest attribute the op lists.
    SizedBySetMax,
    /// Our doits are wrapped by a generated `<doit>_checked` that checks the
    /// required attributes (`GENL_REQ_ATTR_CHECK`) before the handler.
    RequiredCheckWrapper,
    /// A big-endian integer is `NLA_BE16`/`NLA_BE32` in our policy (range
    /// checks compare host-order values); 6.12's ynl-gen-c ignores
    /// `byte-order` in policies and writes `NLA_U16`/`NLA_U32` (both accept
    /// exactly the integer's size).
    BigEndianType,
    /// A string's `min-len`, which `nla_policy` cannot express for strings:
    /// 6.12's ynl-gen-c drops it, we check it in a generated validation
    /// function (`NLA_POLICY_VALIDATE_FN`).
    StringMinLenFn,
    /// Our range structures (`struct netlink_range_validation`) are not
    /// `const`: Linux 6.1's `struct nla_policy` points at them without
    /// `const`.
    RangeNotConst,
    /// A check 6.12's ynl-gen-c cannot render (binary `max-len`): compared
    /// with the spec's value instead.
    NotRenderedByYnlGenC,
}

impl Allowed {
    /// Why.
    pub fn reason(self) -> &'static str {
        match self {
            Allowed::SizedBySetMax => {
                "policies sized by the set's _MAX (ynl-gen-c: by the op's largest attribute)"
            }
            Allowed::RequiredCheckWrapper => {
                "doit wrapped by the generated required-attribute check (<doit>_checked)"
            }
            Allowed::BigEndianType => {
                "big-endian integer as NLA_BE16/BE32 (6.12 ynl-gen-c ignores byte-order: NLA_U16/U32)"
            }
            Allowed::StringMinLenFn => {
                "string min-len checked by a validation function (6.12 ynl-gen-c drops it)"
            }
            Allowed::RangeNotConst => "range structure not const (Linux 6.1's nla_policy)",
            Allowed::NotRenderedByYnlGenC => {
                "check 6.12 ynl-gen-c cannot render; compared with the spec's value"
            }
        }
    }
}

/// What [`ynl_gen_c_policies`] compared.
#[derive(Debug, Default)]
pub struct PolicyReport {
    /// Policy arrays compared (op and nested).
    pub policies: usize,
    /// Policy entries (attributes) compared.
    pub entries: usize,
    /// Ops table entries compared.
    pub ops: usize,
    /// Header declarations compared.
    pub declarations: usize,
    /// The allowed differences met, with where.
    pub allowed: Vec<(Allowed, String)>,
    /// The unexplained differences (the check failed if any).
    pub differences: Vec<String>,
}

// ---------------------------------------------------------------------------
// A small reader for the C the two generators write.

/// An initializer: a braced list (with designators) or an expression.
#[derive(Debug, Clone, PartialEq)]
enum Init {
    List(Vec<(Option<String>, Init)>),
    Expr(Vec<String>),
}

impl Init {
    fn text(&self) -> String {
        match self {
            Init::Expr(t) => t.join(" "),
            Init::List(items) => {
                let inner: Vec<String> = items
                    .iter()
                    .map(|(d, i)| match d {
                        Some(d) => format!("{d} = {}", i.text()),
                        None => i.text(),
                    })
                    .collect();
                format!("{{ {} }}", inner.join(", "))
            }
        }
    }

    fn field(&self, name: &str) -> Option<&Init> {
        match self {
            Init::List(items) => items
                .iter()
                .find(|(d, _)| d.as_deref() == Some(name))
                .map(|(_, i)| i),
            Init::Expr(_) => None,
        }
    }
}

/// A top-level definition with an initializer: `struct <ty> <name>[<size>]
/// = <init>;` (qualifiers kept apart).
#[derive(Debug, Clone)]
struct Def {
    ty: String,
    name: String,
    size: Option<Vec<String>>,
    is_const: bool,
    init: Init,
}

/// A C file, read: its definitions and function names.
#[derive(Debug, Default)]
struct CFile {
    defs: Vec<Def>,
    /// Functions defined (with a body): name → body tokens.
    functions: BTreeMap<String, Vec<String>>,
    /// Function prototypes: name → normalized text.
    prototypes: BTreeMap<String, String>,
    /// `extern` declarations: name → type.
    externs: BTreeMap<String, String>,
}

/// Removes comments and keeps the branch of `#if LINUX_VERSION_CODE >=
/// KERNEL_VERSION(a, b, c)` that `version` selects; other preprocessor
/// lines are dropped. Any other `#if` is an error.
fn preprocess(src: &str, version: (u32, u32, u32)) -> Result<String, String> {
    let mut no_comments = String::new();
    let mut rest = src;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            let end = r.find("*/").ok_or("unterminated comment")?;
            rest = &r[end + 2..];
            no_comments.push(' ');
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if rest.starts_with('"') {
            let mut end = 1;
            let b = rest.as_bytes();
            while end < b.len() && b[end] != b'"' {
                end += if b[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(rest.len());
            no_comments.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap();
            no_comments.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut out = String::new();
    // (active, this branch taken)
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let active = |s: &Vec<(bool, bool)>| s.iter().all(|(a, _)| *a);
    let mut continued = false;
    for line in no_comments.lines() {
        let l = line.trim();
        if continued {
            continued = l.ends_with('\\');
            continue;
        }
        if l.starts_with("#ifndef") || l.starts_with("#ifdef") {
            // Include guards.
            stack.push((true, true));
        } else if let Some(cond) = l.strip_prefix("#if") {
            let cond: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
            let v = cond
                .strip_prefix("LINUX_VERSION_CODE>=KERNEL_VERSION(")
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("unsupported preprocessor condition: {l}"))?;
            let n: Vec<u32> = v.split(',').filter_map(|x| x.parse().ok()).collect();
            let [a, b, c] = n[..] else {
                return Err(format!("unsupported version condition: {l}"));
            };
            let taken = version >= (a, b, c);
            stack.push((taken, taken));
        } else if l.starts_with("#else") {
            let top = stack.last_mut().ok_or("#else without #if")?;
            *top = (!top.1, true);
        } else if l.starts_with("#endif") {
            stack.pop().ok_or("#endif without #if")?;
        } else if l.starts_with('#') {
            continued = l.ends_with('\\');
            continue;
        } else if active(&stack) {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !stack.is_empty() {
        return Err("#if without #endif".into());
    }
    Ok(out)
}

/// Parses an initializer starting at `toks[*i]`.
fn parse_init(toks: &[String], i: &mut usize) -> Result<Init, String> {
    if toks.get(*i).map(String::as_str) != Some("{") {
        // An expression up to the next `,` `;` or `}` at depth 0.
        let mut e = Vec::new();
        let mut depth = 0;
        while let Some(t) = toks.get(*i) {
            match t.as_str() {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                "," | ";" | "}" if depth == 0 => break,
                _ => {}
            }
            e.push(t.clone());
            *i += 1;
        }
        return Ok(Init::Expr(e));
    }
    *i += 1;
    let mut items = Vec::new();
    loop {
        match toks.get(*i).map(String::as_str) {
            None => return Err("unterminated initializer".into()),
            Some("}") => {
                *i += 1;
                return Ok(Init::List(items));
            }
            Some(",") => *i += 1,
            Some(".") => {
                let name = format!(".{}", toks.get(*i + 1).ok_or("bad designator")?);
                *i += 2;
                if toks.get(*i).map(String::as_str) != Some("=") {
                    return Err(format!("expected = after {name}"));
                }
                *i += 1;
                items.push((Some(name), parse_init(toks, i)?));
            }
            Some("[") => {
                let mut j = *i + 1;
                let mut idx = Vec::new();
                while toks.get(j).map(String::as_str) != Some("]") {
                    idx.push(toks.get(j).ok_or("bad designator")?.clone());
                    j += 1;
                }
                *i = j + 1;
                if toks.get(*i).map(String::as_str) != Some("=") {
                    return Err("expected = after [index]".into());
                }
                *i += 1;
                items.push((Some(format!("[{}]", idx.join(" "))), parse_init(toks, i)?));
            }
            Some(_) => items.push((None, parse_init(toks, i)?)),
        }
    }
}

/// Skips a balanced `open`…`close` group starting at `toks[*i] == open`.
fn skip_group(toks: &[String], i: &mut usize, open: &str, close: &str) -> Vec<String> {
    let mut depth = 0;
    let start = *i;
    while let Some(t) = toks.get(*i) {
        if t == open {
            depth += 1;
        } else if t == close {
            depth -= 1;
            if depth == 0 {
                *i += 1;
                break;
            }
        }
        *i += 1;
    }
    toks[start..*i].to_vec()
}

fn read_c(src: &str, version: (u32, u32, u32)) -> Result<CFile, String> {
    let toks = tokens(&preprocess(src, version)?);
    let mut f = CFile::default();
    let mut i = 0;
    while i < toks.len() {
        // One top-level item: up to `;` or a function body.
        let start = i;
        let mut eq = None;
        while i < toks.len() && toks[i] != ";" && toks[i] != "{" && toks[i] != "=" {
            if toks[i] == "(" {
                skip_group(&toks, &mut i, "(", ")");
                continue;
            }
            i += 1;
        }
        if i >= toks.len() {
            break;
        }
        if toks[i] == "=" {
            eq = Some(i);
        }
        let head = &toks[start..i];
        match toks[i].as_str() {
            "{" => {
                // A function (or a struct/enum body without `=`).
                let body = skip_group(&toks, &mut i, "{", "}");
                if let Some(p) = head.iter().position(|t| t == "(") {
                    if p > 0 {
                        f.functions.insert(head[p - 1].clone(), body);
                    }
                } else if toks.get(i).map(String::as_str) == Some(";") {
                    i += 1;
                } else {
                    // `enum { ... };` and the like: skip to the `;`.
                    while i < toks.len() && toks[i] != ";" {
                        i += 1;
                    }
                    i += 1;
                }
            }
            ";" => {
                i += 1;
                if let Some(p) = head.iter().position(|t| t == "(") {
                    if p > 0 {
                        f.prototypes.insert(head[p - 1].clone(), head.join(" "));
                    }
                } else if head.first().map(String::as_str) == Some("extern") {
                    let (name, ty) = decl_name(&head[1..]);
                    f.externs.insert(name, ty);
                }
            }
            _ => {
                let eq = eq.expect("an = ends the head");
                i = eq + 1;
                let init = parse_init(&toks, &mut i)?;
                if toks.get(i).map(String::as_str) == Some(";") {
                    i += 1;
                }
                let head: Vec<&String> = head
                    .iter()
                    .filter(|t| *t != "__ro_after_init" && *t != "static")
                    .collect();
                let is_const = head.iter().any(|t| *t == "const");
                let head: Vec<String> = head
                    .into_iter()
                    .filter(|t| *t != "const")
                    .cloned()
                    .collect();
                let (name, ty) = decl_name(&head);
                let size = head
                    .iter()
                    .position(|t| t == "[")
                    .map(|p| head[p + 1..head.len() - 1].to_vec());
                f.defs.push(Def {
                    ty,
                    name,
                    size,
                    is_const,
                    init,
                });
            }
        }
    }
    Ok(f)
}

/// (name, type) of a declarator like `struct x name [ N ]`.
fn decl_name(head: &[String]) -> (String, String) {
    let end = head.iter().position(|t| t == "[").unwrap_or(head.len());
    let name = head[..end].last().cloned().unwrap_or_default();
    let ty = head[..end.saturating_sub(1)]
        .iter()
        .filter(|t| *t != "const" && *t != "static")
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    (name, ty)
}

// ---------------------------------------------------------------------------
// Meaning.

/// Integer values of the uapi header's constants.
struct Values(BTreeMap<String, i128>);

impl Values {
    /// Evaluates `a + b - 1`-style expressions of numbers and constants.
    fn eval(&self, e: &[String]) -> Option<i128> {
        let mut total = 0i128;
        let mut sign = 1i128;
        let mut any = false;
        for t in e {
            match t.as_str() {
                "+" => sign = 1,
                "-" => sign = -1,
                "(" | ")" => {}
                t => {
                    let v = if let Some(h) = t.strip_prefix("0x") {
                        i128::from_str_radix(h, 16).ok()?
                    } else if let Ok(v) = t.trim_end_matches(['U', 'L', 'u', 'l']).parse() {
                        v
                    } else {
                        *self.0.get(t)?
                    };
                    total += sign * v;
                    any = true;
                }
            }
        }
        any.then_some(total)
    }

    fn show(&self, e: &[String]) -> String {
        match self.eval(e) {
            Some(v) => v.to_string(),
            None => e.join(" "),
        }
    }
}

/// One policy entry, by meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pol {
    ty: String,
    min_len: Option<String>,
    max_len: Option<String>,
    exact_len: Option<String>,
    min: Option<String>,
    max: Option<String>,
    mask: Option<String>,
    nested: Option<String>,
    validate_fn: Option<String>,
}

impl std::fmt::Display for Pol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.ty)?;
        for (k, v) in [
            ("min_len", &self.min_len),
            ("max_len", &self.max_len),
            ("exact_len", &self.exact_len),
            ("min", &self.min),
            ("max", &self.max),
            ("mask", &self.mask),
            ("nested", &self.nested),
            ("validate", &self.validate_fn),
        ] {
            if let Some(v) = v {
                write!(f, " {k}={v}")?;
            }
        }
        Ok(())
    }
}

/// Splits `NAME(a, b, c)` into the macro name and its arguments.
fn macro_call(e: &[String]) -> Option<(&str, Vec<Vec<String>>)> {
    let name = e.first()?;
    if e.get(1).map(String::as_str) != Some("(") || e.last().map(String::as_str) != Some(")") {
        return None;
    }
    let mut args = vec![Vec::new()];
    let mut depth = 0;
    for t in &e[2..e.len() - 1] {
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 => {
                args.push(Vec::new());
                continue;
            }
            _ => {}
        }
        args.last_mut().unwrap().push(t.clone());
    }
    Some((name, args))
}

fn pol_of(init: &Init, v: &Values, ranges: &Ranges) -> Result<Pol, String> {
    let show = |e: &[String]| v.show(e);
    let nested_name = |e: &[String]| e.iter().filter(|t| *t != "&").cloned().collect::<String>();
    let mut p = Pol::default();
    match init {
        Init::List(_) => {
            let get = |k: &str| match init.field(k) {
                Some(Init::Expr(e)) => Some(e.clone()),
                _ => None,
            };
            p.ty = get(".type")
                .map(|e| e.join(" "))
                .unwrap_or_else(|| "NLA_UNSPEC".into());
            if let Some(len) = get(".len") {
                match p.ty.as_str() {
                    // `.len` of an untyped entry is a minimum length.
                    "NLA_UNSPEC" => p.min_len = Some(show(&len)),
                    _ => p.max_len = Some(show(&len)),
                }
            }
            for k in [
                ".validation_type",
                ".min",
                ".max",
                ".nested_policy",
                ".range",
            ] {
                if init.field(k).is_some() {
                    return Err(format!("policy field {k} written out: {}", init.text()));
                }
            }
        }
        Init::Expr(e) => {
            let (name, args) =
                macro_call(e).ok_or_else(|| format!("unknown policy form {}", e.join(" ")))?;
            let arg = |n: usize| -> Result<&Vec<String>, String> {
                args.get(n)
                    .ok_or_else(|| format!("{name}: missing argument {n}"))
            };
            match name {
                "NLA_POLICY_RANGE" => {
                    p.ty = arg(0)?.join(" ");
                    p.min = Some(show(arg(1)?));
                    p.max = Some(show(arg(2)?));
                }
                "NLA_POLICY_MIN" => {
                    p.ty = arg(0)?.join(" ");
                    p.min = Some(show(arg(1)?));
                }
                "NLA_POLICY_MAX" => {
                    p.ty = arg(0)?.join(" ");
                    if p.ty == "NLA_BINARY" {
                        p.max_len = Some(show(arg(1)?));
                    } else {
                        p.max = Some(show(arg(1)?));
                    }
                }
                "NLA_POLICY_MAX_LEN" => {
                    p.ty = "NLA_BINARY".into();
                    p.max_len = Some(show(arg(0)?));
                }
                "NLA_POLICY_MIN_LEN" => {
                    p.ty = "NLA_BINARY".into();
                    p.min_len = Some(show(arg(0)?));
                }
                "NLA_POLICY_EXACT_LEN" => {
                    p.ty = "NLA_UNSPEC".into();
                    p.exact_len = Some(show(arg(0)?));
                }
                "NLA_POLICY_MASK" => {
                    p.ty = arg(0)?.join(" ");
                    p.mask = Some(show(arg(1)?));
                }
                "NLA_POLICY_NESTED" => {
                    p.ty = "NLA_NESTED".into();
                    p.nested = Some(nested_name(arg(0)?));
                }
                "NLA_POLICY_NESTED_ARRAY" => {
                    p.ty = "NLA_NESTED_ARRAY".into();
                    p.nested = Some(nested_name(arg(0)?));
                }
                "NLA_POLICY_VALIDATE_FN" => {
                    p.ty = arg(0)?.join(" ");
                    p.validate_fn = Some(arg(1)?.join(""));
                    if let Some(len) = args.get(2) {
                        p.max_len = Some(show(len));
                    }
                }
                "NLA_POLICY_FULL_RANGE" | "NLA_POLICY_FULL_RANGE_SIGNED" => {
                    p.ty = arg(0)?.join(" ");
                    let r = nested_name(arg(1)?);
                    let (range, _) = ranges
                        .get(&r)
                        .ok_or_else(|| format!("no range structure {r}"))?;
                    let field = |k: &str| match range.field(k) {
                        Some(Init::Expr(e)) => Some(show(e)),
                        _ => None,
                    };
                    p.min = field(".min");
                    p.max = field(".max");
                }
                other => return Err(format!("unknown policy macro {other}")),
            }
        }
    }
    Ok(p)
}

/// A policy array by meaning: attribute value → entry.
struct PolicyArray {
    size: Option<i128>,
    entries: BTreeMap<i128, (String, Pol)>,
}

/// Range structures by name: (initializer, whether `const`).
type Ranges = BTreeMap<String, (Init, bool)>;

fn policies(f: &CFile, v: &Values) -> Result<(BTreeMap<String, PolicyArray>, Ranges), String> {
    let ranges: Ranges = f
        .defs
        .iter()
        .filter(|d| {
            d.ty == "struct netlink_range_validation"
                || d.ty == "struct netlink_range_validation_signed"
        })
        .map(|d| (d.name.clone(), (d.init.clone(), d.is_const)))
        .collect();
    let mut out = BTreeMap::new();
    for d in f.defs.iter().filter(|d| d.ty == "struct nla_policy") {
        let Init::List(items) = &d.init else {
            return Err(format!("{}: not a list", d.name));
        };
        let mut entries = BTreeMap::new();
        for (des, init) in items {
            let des = des
                .as_deref()
                .and_then(|s| s.strip_prefix('['))
                .and_then(|s| s.strip_suffix(']'))
                .ok_or_else(|| format!("{}: entry without [index]", d.name))?;
            let toks: Vec<String> = des.split_whitespace().map(str::to_owned).collect();
            let idx = v
                .eval(&toks)
                .ok_or_else(|| format!("{}: cannot evaluate index {des}", d.name))?;
            entries.insert(idx, (des.to_owned(), pol_of(init, v, &ranges)?));
        }
        out.insert(
            d.name.clone(),
            PolicyArray {
                size: d.size.as_ref().and_then(|s| v.eval(s)),
                entries,
            },
        );
    }
    Ok((out, ranges))
}

/// One op of a split ops table, by meaning.
#[derive(Debug, Clone, PartialEq)]
struct Op {
    doit: Option<String>,
    dumpit: Option<String>,
    policy: Option<String>,
    maxattr: Option<i128>,
    flags: BTreeSet<String>,
}

/// (cmd value, "do"/"dump") → op, of the ops array of `f`.
fn ops(f: &CFile, v: &Values) -> Result<BTreeMap<(i128, &'static str), Op>, String> {
    let mut out = BTreeMap::new();
    let table = f
        .defs
        .iter()
        .find(|d| d.ty == "struct genl_split_ops" || d.ty == "struct genl_ops")
        .ok_or("no ops table")?;
    let split = table.ty == "struct genl_split_ops";
    let Init::List(items) = &table.init else {
        return Err("ops table is not a list".into());
    };
    for (_, op) in items {
        let expr = |k: &str| match op.field(k) {
            Some(Init::Expr(e)) => Some(e.clone()),
            _ => None,
        };
        let cmd = expr(".cmd")
            .and_then(|e| v.eval(&e))
            .ok_or_else(|| format!("op without a .cmd: {}", op.text()))?;
        let flags: BTreeSet<String> = expr(".flags")
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t != "|")
            .collect();
        let o = Op {
            doit: expr(".doit").map(|e| e.join("")),
            dumpit: expr(".dumpit").map(|e| e.join("")),
            policy: expr(".policy").map(|e| e.join("")),
            maxattr: expr(".maxattr").and_then(|e| v.eval(&e)),
            flags,
        };
        if split {
            let kind = if o.doit.is_some() { "do" } else { "dump" };
            out.insert((cmd, kind), o);
        } else {
            out.insert((cmd, "cmd"), o);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The spec, through python (the checks ynl-gen-c cannot render).

/// Removes from the spec copy what 6.12's ynl-gen-c cannot render and
/// prints what it removed: `set<TAB>attr<TAB>check<TAB>value` lines.
const STRIP_PY: &str = r#"
import sys, yaml
path = sys.argv[1]
text = open(path).read()
head = ''.join(l for l in text.splitlines(True) if l.startswith('#'))
spec = yaml.safe_load(text)
for s in spec.get('attribute-sets', []):
    for a in s.get('attributes', []):
        c = a.get('checks')
        if a.get('type') != 'binary' or not c:
            continue
        if set(c) == {'min-len'} or set(c) == {'exact-len'}:
            continue
        for k, v in c.items():
            print(f"{s['name']}\t{a['name']}\t{k}\t{v}")
        del a['checks']
open(path, 'w').write(head + '---\n' + yaml.safe_dump(spec, sort_keys=False))
"#;

/// An attribute of the spec, found by its C name.
#[derive(Debug, Clone, Default)]
struct YnlAttr {
    set: String,
    attr: String,
    big_endian: bool,
    /// The spec's `checks: min-len`, if any.
    min_len: Option<u32>,
}

/// `set<TAB>attr` → (check, value) pairs removed from ynl-gen-c's copy.
type Stripped = BTreeMap<(String, String), Vec<(String, String)>>;

fn strip_unrenderable(spec: &Path) -> Result<Stripped, String> {
    let out = output(
        Command::new(PYTHON).arg("-c").arg(STRIP_PY).arg(spec),
        "preparing the spec for ynl-gen-c",
    )?;
    let mut m: Stripped = BTreeMap::new();
    for l in out.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        if let [set, attr, check, value] = f[..] {
            m.entry((set.to_owned(), attr.to_owned()))
                .or_default()
                .push((check.to_owned(), value.to_owned()));
        }
    }
    Ok(m)
}

// ---------------------------------------------------------------------------
// The comparison.

struct Cmp<'a> {
    ours: &'a BTreeMap<String, PolicyArray>,
    theirs: &'a BTreeMap<String, PolicyArray>,
    ours_c: &'a CFile,
    stripped: &'a Stripped,
    /// The C name (`GENL_DEMO_A_KV_VALUE`) → the spec's attribute.
    ynl_names: &'a BTreeMap<String, YnlAttr>,
    report: PolicyReport,
    /// Nested policies compared, ours → theirs.
    nested_done: BTreeMap<String, String>,
}

impl Cmp<'_> {
    fn allow(&mut self, a: Allowed, at: String) {
        self.report.allowed.push((a, at));
    }

    fn differ(&mut self, at: String) {
        self.report.differences.push(at);
    }

    fn policy(&mut self, at: &str, ours_name: &str, theirs_name: &str) {
        if ours_name != theirs_name {
            self.differ(format!(
                "{at}: policy {ours_name} (ours) vs {theirs_name} (ynl-gen-c)"
            ));
        }
        let (Some(o), Some(t)) = (self.ours.get(ours_name), self.theirs.get(theirs_name)) else {
            self.differ(format!(
                "{at}: policy {ours_name} or {theirs_name} not found"
            ));
            return;
        };
        self.report.policies += 1;
        let their_max = t.entries.keys().max().copied();
        if o.size != t.size {
            match (o.size, t.size, their_max) {
                (Some(os), Some(ts), Some(m)) if os > ts && ts == m + 1 => self.allow(
                    Allowed::SizedBySetMax,
                    format!("{at}: {ours_name}[{os}] vs [{ts}]"),
                ),
                _ => self.differ(format!(
                    "{at}: {ours_name} size {:?} vs {:?}",
                    o.size, t.size
                )),
            }
        }
        let ids: BTreeSet<i128> = o.entries.keys().chain(t.entries.keys()).copied().collect();
        for id in ids {
            let (Some((oname, op)), Some((_, tp))) = (o.entries.get(&id), t.entries.get(&id))
            else {
                self.differ(format!("{at}: attribute {id} only on one side"));
                continue;
            };
            self.report.entries += 1;
            let at = format!("{at} [{oname}]");
            self.entry(&at, oname, op, tp);
        }
    }

    fn entry(&mut self, at: &str, c_name: &str, o: &Pol, t: &Pol) {
        if o == t {
            return;
        }
        // Nested: compare the nested policies, then the rest.
        if let (Some(on), Some(tn)) = (&o.nested, &t.nested) {
            let (mut o2, mut t2) = (o.clone(), t.clone());
            o2.nested = None;
            t2.nested = None;
            if o2 == t2 {
                if self.nested_done.insert(on.clone(), tn.clone()).is_none() {
                    self.policy(&format!("{at} nested"), on, tn);
                }
                return;
            }
        }
        // Big-endian integers.
        let be = |a: &str, b: &str| {
            (a == "NLA_BE16" && b == "NLA_U16") || (a == "NLA_BE32" && b == "NLA_U32")
        };
        let spec_be = self.ynl_names.get(c_name).is_some_and(|a| a.big_endian);
        if be(&o.ty, &t.ty) && spec_be {
            let (mut o2, mut t2) = (o.clone(), t.clone());
            o2.ty.clear();
            t2.ty.clear();
            if o2 == t2 {
                self.allow(Allowed::BigEndianType, format!("{at}: {o} vs {t}"));
                return;
            }
        }
        // A string's minimum length in a generated validation function.
        if let (Some(f), None) = (&o.validate_fn, &t.validate_fn) {
            let (mut o2, t2) = (o.clone(), t.clone());
            o2.validate_fn = None;
            let ours_fn = self.ours_c.functions.get(f);
            let min = f
                .rsplit_once("_validate_str_min")
                .and_then(|(_, n)| n.parse::<u32>().ok());
            // N is the spec's min-len, and the function rejects exactly the
            // strings shorter than N: `if (strnlen(nla_data(attr),
            // nla_len(attr)) < N)` ... `return -EINVAL;` ... `return 0;`.
            let spec_min = self.ynl_names.get(c_name).and_then(|a| a.min_len);
            let checks = |b: &Vec<String>, n: u32| {
                let n = n.to_string();
                let test: Vec<&str> = [
                    "if", "(", "strnlen", "(", "nla_data", "(", "attr", ")", ",", "nla_len", "(",
                    "attr", ")", ")", "<", &n, ")",
                ]
                .to_vec();
                let has = |seq: &[&str]| b.windows(seq.len()).any(|w| w.iter().eq(seq.iter()));
                has(&test)
                    && has(&["return", "-", "EINVAL", ";"])
                    && b.ends_with(&["return", "0", ";", "}"].map(String::from))
            };
            if o2 == t2
                && o.ty.ends_with("STRING")
                && min.is_some_and(|n| spec_min == Some(n) && ours_fn.is_some_and(|b| checks(b, n)))
            {
                self.allow(Allowed::StringMinLenFn, format!("{at}: {o} vs {t}"));
                return;
            }
        }
        // Removed from ynl-gen-c's copy: ours against the spec.
        if let Some(a) = self.ynl_names.get(c_name) {
            if let Some(checks) = self.stripped.get(&(a.set.clone(), a.attr.clone())) {
                let mut want = t.clone();
                for (k, val) in checks {
                    match k.as_str() {
                        "max-len" => want.max_len = Some(val.clone()),
                        "min-len" => want.min_len = Some(val.clone()),
                        _ => {}
                    }
                }
                if want.ty == "NLA_BINARY" && *o == want {
                    self.allow(
                        Allowed::NotRenderedByYnlGenC,
                        format!("{at}: ours {o}; spec {checks:?}"),
                    );
                    return;
                }
            }
        }
        self.differ(format!("{at}: ours {o} vs ynl-gen-c {t}"));
    }
}

/// Runs the kernel's `ynl-gen-c.py --mode kernel` (`--source` and
/// `--header`) on `spec` and compares the policies, ops, groups and
/// declarations with ours (`our_source`, `our_header`: the generated
/// `<family>-nl.c` and `-nl.h`), using the constants of `uapi_header`.
/// Prints the comparison; an error lists the unexplained differences.
pub fn ynl_gen_c_policies(
    spec: &Path,
    our_source: &Path,
    our_header: &Path,
    uapi_header: &Path,
) -> Result<PolicyReport, String> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    let tree = kernel_source::tree()?;
    let gen = kernel_source::ynl_gen_c(&tree)?;
    let (work, work_spec) = ynl_work_tree(spec, "kernel")?;
    let result = (|| {
        let stripped = strip_unrenderable(&work_spec)?;
        let mut theirs = BTreeMap::new();
        for mode in ["--source", "--header"] {
            let out = work.join(format!(
                "ynl-kernel{}",
                if mode == "--source" { ".c" } else { ".h" }
            ));
            println!(
                "ynl: {} --mode kernel {mode} --spec {}",
                gen.display(),
                spec.display()
            );
            output(
                Command::new("timeout")
                    .arg("120")
                    .arg(PYTHON)
                    .arg(&gen)
                    .args(["--mode", "kernel", mode, "--spec"])
                    .arg(&work_spec)
                    .arg("-o")
                    .arg(&out),
                "ynl-gen-c.py --mode kernel",
            )?;
            theirs.insert(
                mode,
                std::fs::read_to_string(&out).map_err(|e| e.to_string())?,
            );
        }
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let consts = constants(uapi_header, &work.join("uapi"))?;
        let values = Values(
            consts
                .values
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.parse().ok()?)))
                .collect(),
        );
        let ynl_names = c_to_ynl_names(&work_spec)?;
        compare(
            &read(our_source)?,
            &read(our_header)?,
            &theirs["--source"],
            &theirs["--header"],
            &values,
            &stripped,
            &ynl_names,
        )
    })();
    match result {
        Ok(r) if r.differences.is_empty() => {
            let _ = std::fs::remove_dir_all(&work);
            Ok(r)
        }
        Ok(r) => Err(format!(
            "our kernel code differs from ynl-gen-c's (unexplained): {}\n(work files kept in {})",
            r.differences.join("; "),
            work.display()
        )),
        Err(e) => Err(format!("{e}\n(work files kept in {})", work.display())),
    }
}

/// The C names of the spec's attributes → (YNL set, attribute), as
/// ynl-gen-c forms them (`name-prefix` + name, upper case).
const NAMES_PY: &str = r#"
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
fam = spec['name'].upper().replace('-', '_')
for s in spec.get('attribute-sets', []):
    prefix = s.get('name-prefix', f"{spec['name']}-a-{s['name']}-")
    for a in s.get('attributes', []):
        c = (prefix + a['name']).upper().replace('-', '_')
        m = (a.get('checks') or {}).get('min-len', '')
        print(f"{c}\t{s['name']}\t{a['name']}\t{a.get('byte-order', 'host')}\t{m}")
"#;

fn c_to_ynl_names(spec: &Path) -> Result<BTreeMap<String, YnlAttr>, String> {
    let out = output(
        Command::new(PYTHON).arg("-c").arg(NAMES_PY).arg(spec),
        "reading the spec's attribute names",
    )?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            match f[..] {
                [c, s, a, o, m] => Some((
                    c.to_owned(),
                    YnlAttr {
                        set: s.to_owned(),
                        attr: a.to_owned(),
                        big_endian: o == "big-endian",
                        min_len: m.parse().ok(),
                    },
                )),
                _ => None,
            }
        })
        .collect())
}

fn compare(
    our_src: &str,
    our_hdr: &str,
    their_src: &str,
    their_hdr: &str,
    v: &Values,
    stripped: &Stripped,
    ynl_names: &BTreeMap<String, YnlAttr>,
) -> Result<PolicyReport, String> {
    let new = read_c(our_src, (6, 12, 0))?;
    let old = read_c(our_src, (6, 1, 0))?;
    let theirs = read_c(their_src, (6, 12, 0))?;
    let (ours_p, ours_ranges) = policies(&new, v)?;
    let (theirs_p, _) = policies(&theirs, v)?;
    let mut c = Cmp {
        ours: &ours_p,
        theirs: &theirs_p,
        ours_c: &new,
        stripped,
        ynl_names,
        report: PolicyReport::default(),
        nested_done: BTreeMap::new(),
    };
    for (name, (_, is_const)) in &ours_ranges {
        if !is_const {
            c.allow(Allowed::RangeNotConst, name.clone());
        }
    }
    // The split ops, op by op.
    let (our_ops, their_ops) = (ops(&new, v)?, ops(&theirs, v)?);
    let keys: BTreeSet<_> = our_ops.keys().chain(their_ops.keys()).copied().collect();
    for k in keys {
        let at = format!("op cmd {} {}", k.0, k.1);
        let (Some(o), Some(t)) = (our_ops.get(&k), their_ops.get(&k)) else {
            c.differ(format!("{at}: only on one side"));
            continue;
        };
        c.report.ops += 1;
        if o.flags != t.flags {
            c.differ(format!("{at}: flags {:?} vs {:?}", o.flags, t.flags));
        }
        if o.dumpit != t.dumpit {
            c.differ(format!("{at}: dumpit {:?} vs {:?}", o.dumpit, t.dumpit));
        }
        match (&o.doit, &t.doit) {
            (a, b) if a == b => {}
            (Some(a), Some(b)) if *a == format!("{b}_checked") => {
                // The wrapper must check, then call the handler.
                let calls = new.functions.get(a).is_some_and(|body| {
                    body.iter().any(|x| x == b) && body.iter().any(|x| x == "GENL_REQ_ATTR_CHECK")
                });
                if calls {
                    c.allow(Allowed::RequiredCheckWrapper, format!("{at}: {a}"));
                } else {
                    c.differ(format!("{at}: {a} does not check and call {b}"));
                }
            }
            (a, b) => c.differ(format!("{at}: doit {a:?} vs {b:?}")),
        }
        match (&o.policy, &t.policy) {
            (Some(a), Some(b)) => {
                c.policy(&at, a, b);
                let (os, ts) = (
                    ours_p.get(a).and_then(|p| p.size),
                    theirs_p.get(b).and_then(|p| p.size),
                );
                match (o.maxattr, t.maxattr) {
                    (x, y) if x == y => {}
                    (Some(x), Some(y)) if x > y && os == Some(x + 1) && ts == Some(y + 1) => {
                        c.allow(Allowed::SizedBySetMax, format!("{at}: maxattr {x} vs {y}"))
                    }
                    (x, y) => c.differ(format!("{at}: maxattr {x:?} vs {y:?}")),
                }
            }
            (None, None) => {}
            (a, b) => c.differ(format!("{at}: policy {a:?} vs {b:?}")),
        }
    }
    // Policies neither ops table reaches: the nested ones are reached
    // through their attributes; any other must be compared by name.
    for name in theirs_p.keys() {
        let reached = c.nested_done.values().any(|t| t == name)
            || their_ops
                .values()
                .any(|o| o.policy.as_deref() == Some(name));
        if !reached {
            c.policy(&format!("policy {name}"), name, name);
        }
    }
    for name in ours_p.keys() {
        let reached = c.nested_done.contains_key(name)
            || our_ops.values().any(|o| o.policy.as_deref() == Some(name))
            || theirs_p.contains_key(name);
        if !reached {
            c.differ(format!("policy {name}: only in ours"));
        }
    }
    // Every entry of theirs was compared (the floor).
    let their_entries: usize = theirs_p.values().map(|p| p.entries.len()).sum();
    if c.report.entries < their_entries {
        c.differ(format!(
            "only {} of ynl-gen-c's {their_entries} policy entries were compared",
            c.report.entries
        ));
    }
    // Our < 6.2 table: one genl_ops per command, saying what the split
    // ops say.
    let legacy = ops(&old, v)?;
    let cmds: BTreeSet<i128> = our_ops.keys().map(|k| k.0).collect();
    for cmd in &cmds {
        let at = format!("genl_ops cmd {cmd}");
        let Some(l) = legacy.get(&(*cmd, "cmd")) else {
            c.differ(format!("{at}: missing"));
            continue;
        };
        let d = our_ops.get(&(*cmd, "do"));
        let u = our_ops.get(&(*cmd, "dump"));
        let admin = |o: Option<&Op>| o.is_some_and(|o| o.flags.contains("GENL_ADMIN_PERM"));
        let want_policy = d
            .and_then(|o| o.policy.clone())
            .or_else(|| u.and_then(|o| o.policy.clone()));
        if l.doit != d.and_then(|o| o.doit.clone())
            || l.dumpit != u.and_then(|o| o.dumpit.clone())
            || l.policy != want_policy
            || l.flags.contains("GENL_ADMIN_PERM") != (admin(d) || admin(u))
        {
            c.differ(format!(
                "{at}: {l:?} differs from the split ops {d:?} / {u:?}"
            ));
        }
        c.report.ops += 1;
    }
    if legacy.len() != cmds.len() {
        c.differ(format!(
            "genl_ops has {} entries for {} commands",
            legacy.len(),
            cmds.len()
        ));
    }
    // Groups and the family.
    for name in ["struct genl_multicast_group", "struct genl_family"] {
        let o = new.defs.iter().find(|d| d.ty == name);
        let t = theirs.defs.iter().find(|d| d.ty == name);
        let key = |d: Option<&Def>| d.map(|d| (d.name.clone(), d.init.clone()));
        match (o, t) {
            (o, t) if key(o) == key(t) => {}
            (o, t) => c.differ(format!(
                "{name}: {:?} vs {:?}",
                o.map(|d| (&d.name, d.init.text())),
                t.map(|d| (&d.name, d.init.text()))
            )),
        }
    }
    // The headers: prototypes and extern declarations.
    let (oh, th) = (read_c(our_hdr, (6, 12, 0))?, read_c(their_hdr, (6, 12, 0))?);
    for (name, proto) in &th.prototypes {
        c.report.declarations += 1;
        match oh.prototypes.get(name) {
            Some(p) if p == proto => {}
            p => c.differ(format!("header: {name}: {p:?} vs {proto}")),
        }
    }
    for (name, ty) in &th.externs {
        c.report.declarations += 1;
        match oh.externs.get(name) {
            Some(t) if t == ty => {}
            t => c.differ(format!("header: extern {name}: {t:?} vs {ty}")),
        }
    }
    let r = c.report;
    print_report(&r);
    Ok(r)
}

fn print_report(r: &PolicyReport) {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nynl-gen-c --mode kernel: {} policies, {} attribute entries, {} ops entries, {} header declarations compared",
        r.policies, r.entries, r.ops, r.declarations
    );
    let mut by: BTreeMap<Allowed, Vec<&String>> = BTreeMap::new();
    for (a, at) in &r.allowed {
        by.entry(*a).or_default().push(at);
    }
    for (a, ats) in &by {
        let _ = writeln!(s, "  allowed ({}): {}", ats.len(), a.reason());
        for at in ats {
            let _ = writeln!(s, "      {at}");
        }
    }
    if r.differences.is_empty() {
        let _ = writeln!(s, "  no other difference");
    } else {
        for d in &r.differences {
            let _ = writeln!(s, "  DIFFERS: {d}");
        }
    }
    print!("{s}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values(
            [
                ("F_A_X_ONE", 1),
                ("F_A_X_TWO", 2),
                ("F_A_X_MAX", 3),
                ("F_CMD_GET", 1),
                ("F_STATE_B", 2),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect(),
        )
    }

    const OURS: &str = r#"
/* a comment */
static int f_nl_validate_str_min1(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	if (strnlen(nla_data(attr), nla_len(attr)) < 1)
		return -EINVAL;
	return 0;
}
static const struct nla_policy f_get_nl_policy[F_A_X_MAX + 1] = {
	[F_A_X_ONE] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, f_nl_validate_str_min1, 16),
	[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, F_STATE_B),
};
static int f_nl_get_doit_checked(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, F_A_X_ONE))
		return -EINVAL;
	return f_nl_get_doit(skb, info);
}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd = F_CMD_GET,
		.doit = f_nl_get_doit_checked,
		.policy = f_get_nl_policy,
		.maxattr = F_A_X_MAX,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};
#else
static const struct genl_ops f_nl_ops[] = {
	{
		.cmd = F_CMD_GET,
		.doit = f_nl_get_doit_checked,
		.policy = f_get_nl_policy,
		.maxattr = F_A_X_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};
#endif
"#;

    const THEIRS: &str = r#"
static const struct nla_policy f_get_nl_policy[F_A_X_TWO + 1] = {
	[F_A_X_ONE] = { .type = NLA_NUL_STRING, .len = 16, },
	[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
};
static const struct genl_split_ops f_nl_ops[] = {
	{
		.cmd		= F_CMD_GET,
		.doit		= f_nl_get_doit,
		.policy		= f_get_nl_policy,
		.maxattr	= F_A_X_TWO,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};
"#;

    fn run(ours: &str, theirs: &str) -> PolicyReport {
        compare(ours, "", theirs, "", &values(), &Stripped::new(), &names()).unwrap()
    }

    /// The spec's side of `F_A_X_ONE`: a string with `min-len: 1`.
    fn names() -> BTreeMap<String, YnlAttr> {
        let one = YnlAttr {
            set: "x".into(),
            attr: "one".into(),
            min_len: Some(1),
            ..YnlAttr::default()
        };
        [("F_A_X_ONE".to_owned(), one)].into_iter().collect()
    }

    #[test]
    fn a_string_min_len_function_must_check_the_specs_min_len() {
        let min_len_differs = |r: &PolicyReport| {
            r.differences
                .iter()
                .any(|d| d.contains("F_A_X_ONE") && d.contains("validate="))
        };
        // A function that lets the empty string through...
        let r = run(&OURS.replace(")) < 1)", ")) <= 0)"), THEIRS);
        assert!(min_len_differs(&r), "{:?}", r.differences);
        // ... or rejects 1-byte strings the spec allows.
        let r = run(&OURS.replace(")) < 1)", ")) <= 1)"), THEIRS);
        assert!(min_len_differs(&r), "{:?}", r.differences);
        // ... or that does not fail.
        let r = run(
            &OURS.replace("return -EINVAL;\n\treturn 0;", "return 0;\n\treturn 0;"),
            THEIRS,
        );
        assert!(min_len_differs(&r), "{:?}", r.differences);
        // A consistent min-len of 2 (name, test) that the spec does not say.
        let r = run(
            &OURS
                .replace("str_min1", "str_min2")
                .replace(")) < 1)", ")) < 2)"),
            THEIRS,
        );
        assert!(min_len_differs(&r), "{:?}", r.differences);
    }

    #[test]
    fn by_design_differences_are_allowed_and_named() {
        let r = run(OURS, THEIRS);
        assert!(r.differences.is_empty(), "{:?}", r.differences);
        let kinds: BTreeSet<Allowed> = r.allowed.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            kinds,
            [
                Allowed::SizedBySetMax,
                Allowed::RequiredCheckWrapper,
                Allowed::StringMinLenFn
            ]
            .into_iter()
            .collect()
        );
        assert_eq!((r.policies, r.entries, r.ops), (1, 2, 2));
    }

    #[test]
    fn any_other_difference_fails() {
        // A changed range.
        let r = run(
            OURS,
            &THEIRS.replace(
                "NLA_POLICY_RANGE(NLA_U32, 1, 2)",
                "NLA_POLICY_RANGE(NLA_U32, 1, 3)",
            ),
        );
        assert_eq!(r.differences.len(), 1, "{:?}", r.differences);
        assert!(r.differences[0].contains("max=2") && r.differences[0].contains("max=3"));
        // A lost admin flag.
        let r = run(
            &OURS.replacen("GENL_ADMIN_PERM | GENL_CMD_CAP_DO", "GENL_CMD_CAP_DO", 1),
            THEIRS,
        );
        assert!(
            r.differences.iter().any(|d| d.contains("flags")),
            "{:?}",
            r.differences
        );
        // An attribute only one side has.
        let r = run(
            OURS,
            &THEIRS.replace("\t[F_A_X_TWO] = NLA_POLICY_RANGE(NLA_U32, 1, 2),\n", ""),
        );
        assert!(
            r.differences.iter().any(|d| d.contains("only on one side")),
            "{:?}",
            r.differences
        );
        // The 6.1 table disagreeing with the split ops.
        let r = run(&OURS.replace(".flags = GENL_ADMIN_PERM,", ""), THEIRS);
        assert!(
            r.differences.iter().any(|d| d.contains("genl_ops cmd 1")),
            "{:?}",
            r.differences
        );
        // A wrapper that does not check.
        let r = run(&OURS.replace("GENL_REQ_ATTR_CHECK", "IGNORE"), THEIRS);
        assert!(
            r.differences.iter().any(|d| d.contains("does not check")),
            "{:?}",
            r.differences
        );
    }

    #[test]
    fn equal_meanings_in_other_words_are_equal() {
        let v = values();
        let none = BTreeMap::new();
        let a = pol_of(&Init::Expr(tokens("NLA_POLICY_MAX_LEN(1024)")), &v, &none).unwrap();
        let b = pol_of(
            &Init::Expr(tokens("{ .type = NLA_BINARY, .len = 1024, }")),
            &v,
            &none,
        );
        // A braced list is parsed as a list, not an expression.
        assert!(b.is_err() || b.as_ref().unwrap() != &a);
        let toks = tokens("{ .type = NLA_BINARY, .len = 1024, }");
        let init = parse_init(&toks, &mut 0).unwrap();
        assert_eq!(pol_of(&init, &v, &none).unwrap(), a);
        let r1 = pol_of(
            &Init::Expr(tokens("NLA_POLICY_RANGE(NLA_U32, F_A_X_ONE, F_STATE_B)")),
            &v,
            &none,
        )
        .unwrap();
        let r2 = pol_of(
            &Init::Expr(tokens("NLA_POLICY_RANGE(NLA_U32, 1, 2)")),
            &v,
            &none,
        )
        .unwrap();
        assert_eq!(r1, r2);
    }
}
