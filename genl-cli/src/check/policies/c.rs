//! A small reader for the C the two generators write (preprocessed for one
//! set of kernel features), and what it means: policy entries by meaning
//! ([`Pol`]), policy arrays, ops tables, and the generated checks' bodies
//! ([`Checks`]).

use std::collections::{BTreeMap, BTreeSet};

use super::super::ynl::tokens;

/// An initializer: a braced list (with designators) or an expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Init {
    List(Vec<(Option<String>, Init)>),
    Expr(Vec<String>),
}

impl Init {
    pub(super) fn text(&self) -> String {
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

    pub(super) fn field(&self, name: &str) -> Option<&Init> {
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
pub(super) struct Def {
    pub(super) ty: String,
    pub(super) name: String,
    pub(super) size: Option<Vec<String>>,
    pub(super) is_const: bool,
    pub(super) init: Init,
}

/// A C file, read: its definitions and function names.
#[derive(Debug, Default)]
pub(super) struct CFile {
    pub(super) defs: Vec<Def>,
    /// Functions defined (with a body): name → body tokens.
    pub(super) functions: BTreeMap<String, Vec<String>>,
    /// Function prototypes: name → normalized text.
    pub(super) prototypes: BTreeMap<String, String>,
    /// `extern` declarations: name → type.
    pub(super) externs: BTreeMap<String, String>,
    /// Enum bodies (`enum { A, B, };`), as token text.
    pub(super) enums: Vec<String>,
}

/// The feature macro the generated source tests to choose split ops
/// (`genl_compat_features.h`, written by the module's build).
pub(super) const SPLIT_OPS: &str = "GENL_HAVE_SPLIT_OPS";

/// Removes comments and keeps the branches of `#ifdef X` / `#ifndef X`
/// (include guards, the generated files' feature switches) that a build
/// with exactly the macros `defined` takes; other preprocessor lines are
/// dropped. Any `#if` with an expression is an error.
fn preprocess(src: &str, defined: &[&str]) -> Result<String, String> {
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
            let Some(c) = rest.chars().next() else { break };
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
        if let Some(m) = l.strip_prefix("#ifndef") {
            let taken = !defined.contains(&m.trim());
            stack.push((taken, taken));
        } else if let Some(m) = l.strip_prefix("#ifdef") {
            let taken = defined.contains(&m.trim());
            stack.push((taken, taken));
        } else if l.starts_with("#if") {
            return Err(format!(
                "unsupported preprocessor condition: {l} (files generated before genl's \
                 compat by feature tested LINUX_VERSION_CODE: regenerate them)"
            ));
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
pub(super) fn parse_init(toks: &[String], i: &mut usize) -> Result<Init, String> {
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
pub(super) fn skip_group(toks: &[String], i: &mut usize, open: &str, close: &str) -> Vec<String> {
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

pub(super) fn read_c(src: &str, defined: &[&str]) -> Result<CFile, String> {
    let toks = tokens(&preprocess(src, defined)?);
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
                    if head.first().map(String::as_str) == Some("enum") {
                        f.enums.push(body.join(" "));
                    }
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
                i = eq.map_or(i, |e| e + 1);
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

/// The kernel's integer limits (`include/linux/limits.h`), which policies
/// and range structures use.
const LIMITS: &[(&str, i128)] = &[
    ("U8_MAX", u8::MAX as i128),
    ("U16_MAX", u16::MAX as i128),
    ("U32_MAX", u32::MAX as i128),
    ("U64_MAX", u64::MAX as i128),
    ("S8_MIN", i8::MIN as i128),
    ("S8_MAX", i8::MAX as i128),
    ("S16_MIN", i16::MIN as i128),
    ("S16_MAX", i16::MAX as i128),
    ("S32_MIN", i32::MIN as i128),
    ("S32_MAX", i32::MAX as i128),
    ("S64_MIN", i64::MIN as i128),
    ("S64_MAX", i64::MAX as i128),
];

/// The values an integer policy type can carry.
pub(super) fn type_limits(ty: &str) -> Option<(i128, i128)> {
    let (lo, hi): (i128, i128) = match ty {
        "NLA_U8" => (0, u8::MAX.into()),
        "NLA_U16" | "NLA_BE16" => (0, u16::MAX.into()),
        "NLA_U32" | "NLA_BE32" => (0, u32::MAX.into()),
        "NLA_U64" | "NLA_UINT" | "NLA_MSECS" => (0, u64::MAX.into()),
        "NLA_S8" => (i8::MIN.into(), i8::MAX.into()),
        "NLA_S16" => (i16::MIN.into(), i16::MAX.into()),
        "NLA_S32" => (i32::MIN.into(), i32::MAX.into()),
        "NLA_S64" | "NLA_SINT" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    };
    Some((lo, hi))
}

/// Integer values of the uapi header's constants, and the kernel's limits.
pub(super) struct Values(BTreeMap<String, i128>);

impl Values {
    /// The constants `m` and [`LIMITS`].
    pub(super) fn new(mut m: BTreeMap<String, i128>) -> Values {
        for (k, v) in LIMITS {
            m.entry((*k).to_owned()).or_insert(*v);
        }
        Values(m)
    }

    /// Evaluates `a + b - 1`-style expressions of numbers and constants.
    pub(super) fn eval(&self, e: &[String]) -> Option<i128> {
        let mut total = 0i128;
        let mut sign = 1i128;
        let mut any = false;
        for t in e {
            match t.as_str() {
                "+" => sign = 1,
                "-" => sign = -1,
                "(" | ")" => {}
                t => {
                    let digits = t.trim_end_matches(['U', 'L', 'u', 'l']);
                    let v = if let Some(h) = digits
                        .strip_prefix("0x")
                        .or_else(|| digits.strip_prefix("0X"))
                    {
                        i128::from_str_radix(h, 16).ok()?
                    } else if let Ok(v) = digits.parse() {
                        v
                    } else {
                        *self.0.get(t)?
                    };
                    total = total.checked_add(sign.checked_mul(v)?)?;
                    sign = 1;
                    any = true;
                }
            }
        }
        any.then_some(total)
    }

    /// The value of `e` as text, or `e` itself when it has none.
    pub(super) fn show(&self, e: &[String]) -> String {
        match self.eval(e) {
            Some(v) => v.to_string(),
            None => e.join(" "),
        }
    }
}

/// One policy entry, by meaning: the forms the kernel defines alike are
/// alike here (`NLA_POLICY_EXACT_LEN(n)` is `NLA_POLICY_RANGE(NLA_BINARY,
/// n, n)`, `NLA_POLICY_MIN_LEN(n)` is `NLA_POLICY_MIN(NLA_BINARY, n)`, a
/// binary's range is on its length, `.len` of a binary is its maximum
/// length, a range structure's missing field is 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Pol {
    pub(super) ty: String,
    pub(super) min_len: Option<String>,
    pub(super) max_len: Option<String>,
    pub(super) min: Option<String>,
    pub(super) max: Option<String>,
    pub(super) mask: Option<String>,
    pub(super) nested: Option<String>,
    pub(super) validate_fn: Option<String>,
}

impl std::fmt::Display for Pol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.ty)?;
        let exact = self.min_len.is_some() && self.min_len == self.max_len;
        let (min_len, max_len, exact_len) = if exact {
            (&None, &None, &self.min_len)
        } else {
            (&self.min_len, &self.max_len, &None)
        };
        for (k, v) in [
            ("exact_len", exact_len),
            ("min_len", min_len),
            ("max_len", max_len),
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

impl Pol {
    /// The kernel's meaning of a binary's checks: on its length; a maximum
    /// of 65535 or a minimum of 0 check nothing (`nla_len` is a u16).
    pub(super) fn normalized(mut self) -> Pol {
        if self.ty == "NLA_BINARY" {
            if let Some(m) = self.min.take() {
                self.min_len.get_or_insert(m);
            }
            if let Some(m) = self.max.take() {
                self.max_len.get_or_insert(m);
            }
            if self.max_len.as_deref() == Some("65535") {
                self.max_len = None;
            }
            if self.min_len.as_deref() == Some("0") {
                self.min_len = None;
            }
        }
        self
    }
}

/// Splits `NAME(a, b, c)` into the macro name and its arguments.
pub(super) fn macro_call(e: &[String]) -> Option<(&str, Vec<Vec<String>>)> {
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
        if let Some(a) = args.last_mut() {
            a.push(t.clone());
        }
    }
    Some((name, args))
}

/// The arguments of every call of `name` in `body`.
pub(super) fn calls_of(body: &[String], name: &str) -> Vec<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for (i, t) in body.iter().enumerate() {
        if t != name || body.get(i + 1).map(String::as_str) != Some("(") {
            continue;
        }
        let mut j = i + 1;
        let group = skip_group(body, &mut j, "(", ")");
        let mut call = vec![t.clone()];
        call.extend(group);
        if let Some((_, args)) = macro_call(&call) {
            out.push(args);
        }
    }
    out
}

pub(super) fn pol_of(init: &Init, v: &Values, ranges: &Ranges) -> Result<Pol, String> {
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
                ".mask",
                ".validate",
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
                    p.max = Some(show(arg(1)?));
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
                    p.ty = "NLA_BINARY".into();
                    p.min_len = Some(show(arg(0)?));
                    p.max_len = Some(show(arg(0)?));
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
                    // A field the initializer leaves out is 0.
                    let field = |k: &str| match range.field(k) {
                        Some(Init::Expr(e)) => show(e),
                        _ => "0".to_owned(),
                    };
                    p.min = Some(field(".min"));
                    p.max = Some(field(".max"));
                }
                other => return Err(format!("unknown policy macro {other}")),
            }
        }
    }
    Ok(p.normalized())
}

/// A policy array by meaning: attribute value → (its C name, its entry).
pub(super) struct PolicyArray {
    pub(super) size: Option<i128>,
    pub(super) entries: BTreeMap<i128, (String, Pol)>,
}

/// Range structures by name: (initializer, whether `const`).
pub(super) type Ranges = BTreeMap<String, (Init, bool)>;

/// The policy arrays of `f` by name, and its range structures.
pub(super) fn policies(
    f: &CFile,
    v: &Values,
) -> Result<(BTreeMap<String, PolicyArray>, Ranges), String> {
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
            let p = pol_of(init, v, &ranges).map_err(|e| format!("{} [{des}]: {e}", d.name))?;
            entries.insert(idx, (des.to_owned(), p));
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

/// One entry of an ops table, by meaning.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Op {
    pub(super) doit: Option<String>,
    pub(super) start: Option<String>,
    pub(super) dumpit: Option<String>,
    pub(super) policy: Option<String>,
    pub(super) maxattr: Option<i128>,
    pub(super) flags: BTreeSet<String>,
}

/// The key of an op: the command's value and `do`/`dump` (split ops) or
/// `cmd` (`struct genl_ops`).
pub(super) type OpKey = (i128, &'static str);

/// The ops of the ops array of `f`, and the array's name.
pub(super) fn ops(f: &CFile, v: &Values) -> Result<(String, BTreeMap<OpKey, Op>), String> {
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
            start: expr(".start").map(|e| e.join("")),
            dumpit: expr(".dumpit").map(|e| e.join("")),
            policy: expr(".policy").map(|e| e.join("")),
            maxattr: expr(".maxattr").and_then(|e| v.eval(&e)),
            flags,
        };
        let kind = match (split, o.doit.is_some()) {
            (false, _) => "cmd",
            (true, true) => "do",
            (true, false) => "dump",
        };
        if out.insert((cmd, kind), o).is_some() {
            return Err(format!("{}: two entries for cmd {cmd} {kind}", table.name));
        }
    }
    Ok((table.name.clone(), out))
}

/// What a generated check does, read from its body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Checks {
    /// Attributes it requires (`GENL_REQ_ATTR_CHECK`, `NL_REQ_ATTR_CHECK`).
    pub(super) required: BTreeSet<String>,
    /// Attributes it rejects ("attribute not accepted by this operation").
    pub(super) rejected: BTreeSet<String>,
    /// It rejects any attribute ("this operation takes no attributes", when
    /// `nlmsg_attrlen()` of the request is not 0).
    pub(super) rejects_all: bool,
    /// The nest checks it calls (`<p>_nl_check_<view>`).
    pub(super) nest_checks: BTreeSet<String>,
    /// The policies it validates nests with again (`nla_validate_nested`).
    pub(super) revalidated: BTreeSet<String>,
    /// The handler it returns the result of (`return h(skb, info);` last).
    pub(super) calls: Option<String>,
    /// It ends by returning 0 (a dump's `.start`).
    pub(super) ends_ok: bool,
}

/// The message of a generated rejection.
const REJECT_MSG: &str = "\"attribute not accepted by this operation\"";
/// The message of a generated rejection of any attribute.
const REJECT_ALL_MSG: &str = "\"this operation takes no attributes\"";

impl Checks {
    /// Reads a function body (its tokens, braces included).
    pub(super) fn read(body: &[String]) -> Checks {
        let mut c = Checks::default();
        let last_in = |a: &Vec<String>| {
            // `info -> attrs [ X ]`, `attrs [ X ]`, or `X`.
            let i = a.iter().rposition(|t| t == "]").unwrap_or(a.len());
            a[..i].last().cloned().unwrap_or_default()
        };
        for args in calls_of(body, "GENL_REQ_ATTR_CHECK") {
            if let Some(a) = args.get(1) {
                c.required.insert(a.join(" "));
            }
        }
        for args in calls_of(body, "NL_REQ_ATTR_CHECK") {
            if let Some(a) = args.get(3) {
                c.required.insert(a.join(" "));
            }
        }
        // A rejection names the attribute directly or through a local the
        // check read it into (`nest = attrs[X];` ... `nest`).
        let mut local: Option<String> = None;
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if t == "nest" && body.get(i + 1).map(String::as_str) == Some("=") {
                let end = body[i..]
                    .iter()
                    .position(|t| t == ";")
                    .map_or(body.len(), |e| i + e);
                local = Some(last_in(&body[i + 2..end].to_vec()));
            } else if t == "NL_SET_ERR_MSG_ATTR" && body.get(i + 1).map(String::as_str) == Some("(")
            {
                let mut j = i + 1;
                let group = skip_group(body, &mut j, "(", ")");
                let mut call = vec![t.clone()];
                call.extend(group);
                if let Some((_, args)) = macro_call(&call) {
                    let msg = args.get(2).map(|m| m.join(" "));
                    if msg.as_deref() == Some(REJECT_ALL_MSG)
                        && args
                            .get(1)
                            .is_some_and(|a| a.iter().any(|t| t == "nlmsg_attrdata"))
                        && body.iter().any(|t| t == "nlmsg_attrlen")
                    {
                        c.rejects_all = true;
                    }
                    if msg.as_deref() == Some(REJECT_MSG) {
                        match args.get(1).map(Vec::as_slice) {
                            Some([n]) if n == "nest" => {
                                c.rejected.extend(local.clone());
                            }
                            Some(a) => {
                                c.rejected.insert(last_in(&a.to_vec()));
                            }
                            None => {}
                        }
                    }
                }
            }
            i += 1;
        }
        for args in calls_of(body, "nla_validate_nested") {
            if let Some(p) = args.get(2) {
                c.revalidated.insert(p.join(""));
            }
        }
        for (i, t) in body.iter().enumerate() {
            if t.contains("_nl_check_") && body.get(i + 1).map(String::as_str) == Some("(") {
                c.nest_checks.insert(t.clone());
            }
        }
        let ends = |tail: &[&str]| {
            body.len() >= tail.len() && body[body.len() - tail.len()..].iter().eq(tail.iter())
        };
        c.ends_ok = ends(&["return", "0", ";", "}"]);
        if body.len() >= 9 && ends(&["(", "skb", ",", "info", ")", ";", "}"]) {
            let n = body.len();
            if body[n - 9] == "return" {
                c.calls = Some(body[n - 8].clone());
            }
        }
        c
    }

    /// Whether it checks anything.
    pub(super) fn checks_anything(&self) -> bool {
        !(self.required.is_empty()
            && !self.rejects_all
            && self.rejected.is_empty()
            && self.nest_checks.is_empty()
            && self.revalidated.is_empty())
    }

    /// What it checks, in words.
    pub(super) fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        if self.rejects_all {
            parts.push("rejects any attribute".to_owned());
        }
        if !self.rejected.is_empty() {
            parts.push(format!("rejects {}", list(&self.rejected)));
        }
        if !self.required.is_empty() {
            parts.push(format!("requires {}", list(&self.required)));
        }
        if !self.nest_checks.is_empty() {
            parts.push(format!("checks nests with {}", list(&self.nest_checks)));
        }
        if !self.revalidated.is_empty() {
            parts.push(format!(
                "validates nests again with {}",
                list(&self.revalidated)
            ));
        }
        if parts.is_empty() {
            "checks nothing".into()
        } else {
            parts.join("; ")
        }
    }
}
