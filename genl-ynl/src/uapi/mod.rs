//! A spec's numbers checked against the kernel's uapi headers.
//!
//! A YNL spec numbers an entry without `value:` as the previous one + 1
//! (`nlspec.py`), so a list written in another order than the C enum
//! renumbers silently. The kernel's own Linux 6.12 `nlctrl.yaml` does this:
//! it lists `mask` before `pad` in `policy-attrs`, numbering `mask` 11,
//! while `<linux/netlink.h>` has `NL_POLICY_TYPE_ATTR_PAD` = 11 and
//! `NL_POLICY_TYPE_ATTR_MASK` = 12. The kernel sends what its header says.
//!
//! This module names every numbered thing of a spec as `ynl-gen-c.py`
//! names it in C ([`spec_names`]: attributes, operations, enum and flags
//! entries, `const` definitions, the family name and version, multicast
//! groups), reads the constants of uapi headers with a small C constant
//! evaluator ([`HeaderConstants`]: enumerators, object-like macros,
//! integer and string values), and compares the two ([`cross_check`]).
//! [`corrected`] rewrites the spec with the headers' values, so that the
//! importer and the run-time codec (`genl ynl`) number the attributes as
//! the kernel does.
//!
//! The headers are the authority: a uapi value never changes once
//! released, so a header older than the spec is still right for every name
//! it has; names it lacks stay as the spec numbers them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

/// A constant of a uapi header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstValue {
    /// An integer: an enumerator or a macro that evaluates to one.
    Int(i128),
    /// A macro that is a string literal (`#define CTRL_GENL_NAME "nlctrl"`).
    Str(String),
}

impl fmt::Display for ConstValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstValue::Int(v) => write!(f, "{v}"),
            ConstValue::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// Where a constant came from and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderConst {
    /// The header, relative to the include directory (`linux/netlink.h`).
    pub header: String,
    /// The value.
    pub value: ConstValue,
}

/// What a macro or enumerator body is before evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    /// Tokens of an object-like macro, evaluated on lookup.
    Macro(Vec<String>),
    /// An evaluated enumerator.
    Value(i128),
}

/// The constants of a set of uapi headers: every enumerator and every
/// object-like macro whose body is an integer constant expression or a
/// string literal. Function-like macros and what cannot be evaluated are
/// left out. A name defined with two different values (in two headers)
/// is ambiguous and left out too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderConstants {
    defs: BTreeMap<String, (String, Body)>,
    strings: BTreeMap<String, (String, String)>,
    ambiguous: std::collections::BTreeSet<String>,
    headers: usize,
}

/// Words that start a cast in a uapi constant (`(__u32)1 << 31`).
const TYPE_WORDS: &[&str] = &[
    "__u8",
    "__u16",
    "__u32",
    "__u64",
    "__s8",
    "__s16",
    "__s32",
    "__s64",
    "__le16",
    "__le32",
    "__le64",
    "__be16",
    "__be32",
    "__be64",
    "unsigned",
    "signed",
    "int",
    "long",
    "short",
    "char",
    "__kernel_size_t",
];

impl HeaderConstants {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads every `*.h` under `include_dir/linux/` (subdirectories too,
    /// as `linux/netfilter/`), naming each relative to `include_dir`: pass
    /// `/usr/include` or a kernel tree's `include/uapi`.
    pub fn from_include_dir(include_dir: &Path) -> std::io::Result<Self> {
        Self::from_include_dir_where(include_dir, |_| true)
    }

    /// [`from_include_dir`](Self::from_include_dir), reading only the
    /// headers whose text `wanted` accepts (parsing every header of
    /// `/usr/include/linux` takes tens of milliseconds; a substring test
    /// of each, a few).
    pub fn from_include_dir_where(
        include_dir: &Path,
        wanted: impl Fn(&str) -> bool,
    ) -> std::io::Result<Self> {
        let mut c = Self::new();
        let mut files = Vec::new();
        collect_headers(&include_dir.join("linux"), &mut files)?;
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f)?;
            if !wanted(&text) {
                continue;
            }
            let rel = f
                .strip_prefix(include_dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            c.add_header(&rel, &text);
        }
        Ok(c)
    }

    /// Adds the constants of one header, `path` being its name relative to
    /// the include directory (`linux/genetlink.h`).
    pub fn add_header(&mut self, path: &str, text: &str) {
        self.headers += 1;
        let text = strip_comments(text);
        let mut code = String::new();
        // What `headers_install` removes (`unifdef -U__KERNEL__`) is not
        // uapi. Each open conditional: (whether it tests `__KERNEL__`,
        // whether its current branch is kernel-only). Other conditions
        // keep both branches.
        let mut kernel_only: Vec<(bool, bool)> = Vec::new();
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(d) = t.strip_prefix('#') {
                let d = d.trim_start();
                let word = d
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("");
                let cond: String = d[word.len()..].split_whitespace().collect();
                match word {
                    "ifdef" | "if" if cond == "__KERNEL__" || cond == "defined(__KERNEL__)" => {
                        kernel_only.push((true, true))
                    }
                    "ifndef" | "if" if cond == "__KERNEL__" || cond == "!defined(__KERNEL__)" => {
                        kernel_only.push((true, false))
                    }
                    "ifdef" | "ifndef" | "if" => kernel_only.push((false, false)),
                    "else" | "elif" => {
                        if let Some((true, k)) = kernel_only.last_mut() {
                            *k = !*k;
                        }
                    }
                    "endif" => {
                        kernel_only.pop();
                    }
                    _ => {}
                }
                if kernel_only.iter().any(|(_, k)| *k) {
                    continue;
                }
                if let Some(rest) = d.strip_prefix("define") {
                    self.define(path, rest);
                }
                continue;
            }
            if kernel_only.iter().any(|(_, k)| *k) {
                continue;
            }
            code.push_str(line);
            code.push('\n');
        }
        self.enums(path, &tokens(&code));
    }

    /// How many headers were read.
    pub fn header_count(&self) -> usize {
        self.headers
    }

    fn insert(&mut self, name: &str, header: &str, body: Body) {
        if self.ambiguous.contains(name) {
            return;
        }
        match self.defs.get(name) {
            Some((_, old)) if *old != body => {
                // The same name twice: the same value is harmless (a header
                // and its compat copy); different values are not usable.
                let same = match (old.clone(), body.clone()) {
                    (Body::Value(a), Body::Value(b)) => a == b,
                    _ => false,
                };
                if !same {
                    self.defs.remove(name);
                    self.ambiguous.insert(name.to_owned());
                }
            }
            Some(_) => {}
            None => {
                self.defs.insert(name.to_owned(), (header.to_owned(), body));
            }
        }
    }

    fn define(&mut self, header: &str, rest: &str) {
        // `rest` starts with whitespace after `define`.
        if !rest.starts_with([' ', '\t']) {
            return;
        }
        let rest = rest.trim_start();
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, body) = rest.split_at(name_end);
        if name.is_empty() || body.starts_with('(') {
            return; // function-like
        }
        let body = body.trim();
        if let Some(s) = body
            .strip_prefix('"')
            .and_then(|b| b.strip_suffix('"'))
            .filter(|s| !s.contains('"'))
        {
            self.strings
                .insert(name.to_owned(), (header.to_owned(), s.to_owned()));
            return;
        }
        // `#define IFLA_COST IFLA_COST` inside an enum marks the
        // enumerator as present; it is not another definition.
        if body.is_empty() || body == name {
            return;
        }
        self.insert(name, header, Body::Macro(tokens(body)));
    }

    fn enums(&mut self, header: &str, toks: &[String]) {
        let mut i = 0;
        while i < toks.len() {
            if toks[i] != "enum" {
                i += 1;
                continue;
            }
            i += 1;
            if toks.get(i).is_some_and(|t| is_ident(t)) {
                i += 1;
            }
            if toks.get(i).map(String::as_str) != Some("{") {
                continue;
            }
            i += 1;
            let mut next: Option<i128> = Some(0);
            while i < toks.len() && toks[i] != "}" {
                let name = toks[i].clone();
                i += 1;
                let mut expr = Vec::new();
                if toks.get(i).map(String::as_str) == Some("=") {
                    i += 1;
                    let mut depth = 0i32;
                    while i < toks.len() {
                        match toks[i].as_str() {
                            "(" => depth += 1,
                            ")" => depth -= 1,
                            "," | "}" if depth == 0 => break,
                            _ => {}
                        }
                        expr.push(toks[i].clone());
                        i += 1;
                    }
                }
                if toks.get(i).map(String::as_str) == Some(",") {
                    i += 1;
                }
                if !is_ident(&name) {
                    next = None;
                    continue;
                }
                let v = if expr.is_empty() {
                    next
                } else {
                    self.eval(&expr, 0)
                };
                if let Some(v) = v {
                    self.insert(&name, header, Body::Value(v));
                }
                next = v.map(|v| v + 1);
            }
        }
    }

    /// The value of `name`, if the headers define it as an integer
    /// constant or a string.
    pub fn get(&self, name: &str) -> Option<HeaderConst> {
        if let Some((h, s)) = self.strings.get(name) {
            return Some(HeaderConst {
                header: h.clone(),
                value: ConstValue::Str(s.clone()),
            });
        }
        let (h, _) = self.defs.get(name)?;
        Some(HeaderConst {
            header: h.clone(),
            value: ConstValue::Int(self.lookup(name, 0)?),
        })
    }

    /// Every constant, by name (ambiguous and unevaluable ones left out).
    pub fn iter(&self) -> impl Iterator<Item = (&str, HeaderConst)> + '_ {
        let ints = self
            .defs
            .keys()
            .filter_map(|n| Some((n.as_str(), self.get(n)?)));
        let strs = self
            .strings
            .keys()
            .filter_map(|n| Some((n.as_str(), self.get(n)?)));
        ints.chain(strs)
    }

    fn lookup(&self, name: &str, depth: usize) -> Option<i128> {
        if depth > 32 {
            return None;
        }
        match &self.defs.get(name)?.1 {
            Body::Value(v) => Some(*v),
            Body::Macro(toks) => self.eval(toks, depth + 1),
        }
    }

    /// Evaluates an integer constant expression of C (literals, names,
    /// unary `- ~ ! +`, binary `* / % + - << >> & ^ |`, parentheses and
    /// casts to integer types).
    fn eval(&self, toks: &[String], depth: usize) -> Option<i128> {
        let mut p = Expr {
            toks,
            pos: 0,
            consts: self,
            depth,
        };
        let v = p.binary(0)?;
        (p.pos == toks.len()).then_some(v)
    }
}

fn collect_headers(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let p = e?.path();
        if p.is_dir() {
            collect_headers(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "h") {
            out.push(p);
        }
    }
    Ok(())
}

struct Expr<'a> {
    toks: &'a [String],
    pos: usize,
    consts: &'a HeaderConstants,
    depth: usize,
}

impl Expr<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    fn binary(&mut self, min_prec: u8) -> Option<i128> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek() {
            let prec = match op {
                "*" | "/" | "%" => 10,
                "+" | "-" => 9,
                "<<" | ">>" => 8,
                "&" => 5,
                "^" => 4,
                "|" => 3,
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            let op = op.to_owned();
            self.pos += 1;
            let rhs = self.binary(prec + 1)?;
            lhs = match op.as_str() {
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                "%" => lhs.checked_rem(rhs)?,
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok().filter(|s| *s < 127)?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok().filter(|s| *s < 127)?)?,
                "&" => lhs & rhs,
                "^" => lhs ^ rhs,
                _ => lhs | rhs,
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<i128> {
        let t = self.peek()?.to_owned();
        self.pos += 1;
        match t.as_str() {
            "-" => self.unary()?.checked_neg(),
            "+" => self.unary(),
            "~" => Some(!self.unary()?),
            "!" => Some(i128::from(self.unary()? == 0)),
            "(" => {
                // A cast: `(` type words `)` followed by an operand.
                let start = self.pos;
                let mut j = start;
                while self
                    .toks
                    .get(j)
                    .is_some_and(|w| TYPE_WORDS.contains(&w.as_str()))
                {
                    j += 1;
                }
                if j > start && self.toks.get(j).map(String::as_str) == Some(")") {
                    self.pos = j + 1;
                    return self.unary();
                }
                let v = self.binary(0)?;
                (self.peek() == Some(")")).then(|| self.pos += 1)?;
                Some(v)
            }
            _ if t.starts_with(|c: char| c.is_ascii_digit()) => literal(&t),
            _ if is_ident(&t) => self.consts.lookup(&t, self.depth + 1),
            _ => None,
        }
    }
}

/// An integer literal of C: decimal, `0x` hex or `0` octal, with `u`/`l`
/// suffixes.
fn literal(t: &str) -> Option<i128> {
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

fn is_ident(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The text without C comments, line continuations joined; strings kept.
fn strip_comments(text: &str) -> String {
    let text = text.replace("\\\n", " ");
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '/' if it.peek() == Some(&'*') => {
                it.next();
                let mut prev = ' ';
                for d in it.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                    }
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                out.push(' ');
            }
            '/' if it.peek() == Some(&'/') => {
                for d in it.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' | '\'' => {
                out.push(c);
                while let Some(d) = it.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = it.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The tokens of C text without comments: identifiers and numbers,
/// string and character literals (escapes kept), `<<` and `>>` as one
/// token, any other character alone. Enough to find enumerators and
/// evaluate constant expressions; `genl check` reads generated C with it
/// too.
pub fn tokens(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = src.chars().peekable();
    while let Some(c) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::from(c);
            while let Some(d) = it.next() {
                s.push(d);
                if d == '\\' {
                    if let Some(e) = it.next() {
                        s.push(e);
                    }
                } else if d == c {
                    break;
                }
            }
            out.push(s);
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut s = String::from(c);
            while let Some(&d) = it.peek() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    s.push(d);
                    it.next();
                } else {
                    break;
                }
            }
            out.push(s);
        } else if (c == '<' || c == '>') && it.peek() == Some(&c) {
            it.next();
            out.push(format!("{c}{c}"));
        } else {
            out.push(c.to_string());
        }
    }
    out
}

/// The include directory to check the spec at `spec` against when none
/// is given: the kernel tree the spec is in (`<tree>/include/uapi` for
/// `<tree>/Documentation/netlink/specs/*.yaml`), else `/usr/include` when
/// it has the kernel's headers (Debian's `linux-libc-dev`).
pub fn default_include_dir(spec: &Path) -> Option<std::path::PathBuf> {
    let spec = std::fs::canonicalize(spec).ok()?;
    let specs = spec.parent()?;
    if specs.ends_with("Documentation/netlink/specs") {
        let tree = specs.parent()?.parent()?.parent()?;
        let uapi = tree.join("include/uapi");
        if uapi.join("linux").is_dir() {
            return Some(uapi);
        }
    }
    let usr = Path::new("/usr/include");
    usr.join("linux/netlink.h")
        .is_file()
        .then(|| usr.to_path_buf())
}

/// A spec read from `path` and corrected ([`corrected`]) with the headers
/// of `include_dir` (or [`default_include_dir`] when `None`); with
/// `enabled` false, or no headers found, the text as it is. Returns the
/// text, and the directory used with what the check found.
pub fn read_corrected(
    path: &Path,
    include_dir: Option<&Path>,
    enabled: bool,
) -> Result<(String, Option<(std::path::PathBuf, CrossCheck)>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !enabled {
        return Ok((text, None));
    }
    let Some(dir) = include_dir
        .map(Path::to_path_buf)
        .or_else(|| default_include_dir(path))
    else {
        return Ok((text, None));
    };
    if !dir.join("linux").is_dir() {
        return Err(format!(
            "{}: no linux/ headers there (give an include directory such as /usr/include \
             or a kernel tree's include/uapi)",
            dir.display()
        ));
    }
    // Only the headers that can define one of the spec's names: those
    // holding the first word of one (`NL_`, `CTRL_`, `ETHTOOL_`, …).
    let mut stems: Vec<String> = spec_names(&text)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .filter_map(|n| n.c_name.split_inclusive('_').next().map(str::to_owned))
        .collect();
    stems.sort();
    stems.dedup();
    let headers = HeaderConstants::from_include_dir_where(&dir, |t| {
        stems.iter().any(|s| t.contains(s.as_str()))
    })
    .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (fixed, check) =
        corrected(&text, &headers).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((fixed, Some((dir, check))))
}

/// What a numbered name of a spec numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An attribute of an attribute set (not a subset).
    Attribute,
    /// An operation's command (unified) or request id (directional).
    Operation,
    /// The message id of a directional operation's reply or notification.
    Reply,
    /// An entry of an `enum` definition.
    EnumEntry,
    /// An entry of a `flags` definition (the C value is `1 << position`).
    FlagsEntry,
    /// A `const` definition.
    Const,
    /// The family name (`<NAME>_FAMILY_NAME` or `c-family-name`).
    FamilyName,
    /// The family version (`<NAME>_FAMILY_VERSION` or `c-version-name`).
    Version,
    /// A multicast group: its name, or its number in a netlink-raw spec.
    McastGroup,
}

/// Where a spec name lives, for [`corrected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Attr(usize, usize),
    Op(usize),
    Entry(usize, usize),
    None,
}

/// One numbered (or named) thing of a spec, with the C name ynl-gen-c
/// gives it and the value nlspec.py gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecName {
    /// The place in the spec (`attribute-sets/policy-attrs/mask`).
    pub at: String,
    /// What it is.
    pub kind: NameKind,
    /// Its C name (`NL_POLICY_TYPE_ATTR_MASK`).
    pub c_name: String,
    /// Its value as the spec gives it (flags: `1 << position`).
    pub value: ConstValue,
    slot: Slot,
}

/// A name whose value the spec and a header give differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The spec's name.
    pub name: SpecName,
    /// The header's constant.
    pub header: HeaderConst,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the spec gives {} = {}, <{}> has {}",
            self.name.at, self.name.c_name, self.name.value, self.header.header, self.header.value
        )
    }
}

/// The outcome of [`cross_check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossCheck {
    /// Names found in the headers with the spec's value.
    pub agreed: usize,
    /// Names found with another value.
    pub disagreements: Vec<Disagreement>,
    /// Names the headers do not define (or not as a constant).
    pub missing: Vec<SpecName>,
}

impl CrossCheck {
    /// One line: how many names were found, how many agree.
    pub fn summary(&self) -> String {
        format!(
            "{} names checked against the uapi headers: {} agree, {} disagree, {} not in the headers",
            self.agreed + self.disagreements.len() + self.missing.len(),
            self.agreed,
            self.disagreements.len(),
            self.missing.len()
        )
    }
}

/// A spec that could not be read as a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UapiError(pub String);

impl fmt::Display for UapiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UapiError {}

fn c_upper(s: &str) -> String {
    s.to_uppercase().replace('-', "_")
}

fn str_of<'v>(m: &'v Mapping, key: &str) -> Option<&'v str> {
    m.get(key).and_then(Value::as_str)
}

fn int_of(m: &Mapping, key: &str) -> Option<i128> {
    m.get(key).and_then(Value::as_i64).map(i128::from)
}

fn list<'v>(m: &'v Mapping, key: &str) -> &'v [Value] {
    m.get(key)
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

/// Every numbered or named thing of the spec, as `ynl-gen-c.py` (Linux
/// 6.12) names it in C and `nlspec.py` numbers it.
pub fn spec_names(spec_yaml: &str) -> Result<Vec<SpecName>, UapiError> {
    let v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    names_of(&v)
}

fn names_of(v: &Value) -> Result<Vec<SpecName>, UapiError> {
    let top = v
        .as_mapping()
        .ok_or_else(|| UapiError("the spec is not a mapping".into()))?;
    let family = str_of(top, "name").ok_or_else(|| UapiError("the spec has no name".into()))?;
    let ident = family.replace('-', "_");
    let mut out = Vec::new();
    let mut push = |at: String, kind, c_name: String, value, slot| {
        out.push(SpecName {
            at,
            kind,
            c_name: c_upper(&c_name),
            value,
            slot,
        })
    };
    let raw = str_of(top, "protocol") == Some("netlink-raw");
    if !raw {
        push(
            "name".into(),
            NameKind::FamilyName,
            str_of(top, "c-family-name")
                .map_or_else(|| format!("{family}_FAMILY_NAME"), str::to_owned),
            ConstValue::Str(family.to_owned()),
            Slot::None,
        );
        push(
            "version".into(),
            NameKind::Version,
            str_of(top, "c-version-name")
                .map_or_else(|| format!("{family}_FAMILY_VERSION"), str::to_owned),
            ConstValue::Int(int_of(top, "version").unwrap_or(1)),
            Slot::None,
        );
    }
    for (di, d) in list(top, "definitions").iter().enumerate() {
        let Some(d) = d.as_mapping() else { continue };
        let Some(name) = str_of(d, "name") else {
            continue;
        };
        match str_of(d, "type") {
            Some(ty @ ("enum" | "flags")) => {
                let pfx = str_of(d, "name-prefix")
                    .map_or_else(|| format!("{ident}-{name}-"), str::to_owned);
                let mut val = int_of(d, "value-start").unwrap_or(0);
                for (ei, e) in list(d, "entries").iter().enumerate() {
                    let (ename, explicit) = match e {
                        Value::String(s) => (s.as_str(), None),
                        Value::Mapping(m) => (str_of(m, "name").unwrap_or(""), int_of(m, "value")),
                        _ => continue,
                    };
                    if let Some(x) = explicit {
                        val = x;
                    }
                    let (kind, c_val) = if ty == "flags" {
                        (
                            NameKind::FlagsEntry,
                            1i128.checked_shl(u32::try_from(val).unwrap_or(u32::MAX)),
                        )
                    } else {
                        (NameKind::EnumEntry, Some(val))
                    };
                    if let Some(c_val) = c_val {
                        push(
                            format!("definitions/{name}/{ename}"),
                            kind,
                            format!("{pfx}{ename}"),
                            ConstValue::Int(c_val),
                            Slot::Entry(di, ei),
                        );
                    }
                    val += 1;
                }
            }
            Some("const") => {
                let value = match d.get("value") {
                    Some(Value::String(s)) => ConstValue::Str(s.clone()),
                    Some(x) => match x.as_i64() {
                        Some(i) => ConstValue::Int(i.into()),
                        None => continue,
                    },
                    None => continue,
                };
                push(
                    format!("definitions/{name}"),
                    NameKind::Const,
                    format!("{ident}-{name}"),
                    value,
                    Slot::None,
                );
            }
            _ => {}
        }
    }
    for (si, s) in list(top, "attribute-sets").iter().enumerate() {
        let Some(s) = s.as_mapping() else { continue };
        if s.contains_key("subset-of") {
            continue;
        }
        let Some(sname) = str_of(s, "name") else {
            continue;
        };
        let pfx = match str_of(s, "name-prefix") {
            Some(p) => p.to_owned(),
            None if sname == family => format!("{ident}-a-"),
            None => format!("{ident}-a-{sname}-"),
        };
        let mut val = 1i128;
        for (ai, a) in list(s, "attributes").iter().enumerate() {
            let Some(a) = a.as_mapping() else { continue };
            let aname = str_of(a, "name").unwrap_or("");
            if let Some(x) = int_of(a, "value") {
                val = x;
            }
            let c = match str_of(a, "name-prefix") {
                Some(p) => format!("{p}{aname}"),
                None => format!("{pfx}{aname}"),
            };
            push(
                format!("attribute-sets/{sname}/{aname}"),
                NameKind::Attribute,
                c,
                ConstValue::Int(val),
                Slot::Attr(si, ai),
            );
            val += 1;
        }
    }
    if let Some(ops) = top.get("operations").and_then(Value::as_mapping) {
        let op_pfx =
            str_of(ops, "name-prefix").map_or_else(|| format!("{family}-cmd-"), str::to_owned);
        let async_pfx = str_of(ops, "async-prefix").map_or_else(|| op_pfx.clone(), str::to_owned);
        let directional = str_of(ops, "enum-model") == Some("directional");
        let mut val = 1i128;
        for (oi, o) in list(ops, "list").iter().enumerate() {
            let Some(o) = o.as_mapping() else { continue };
            let oname = str_of(o, "name").unwrap_or("");
            let is_async = o.contains_key("notify") || o.contains_key("event");
            let pfx = if is_async { &async_pfx } else { &op_pfx };
            let at = format!("operations/{oname}");
            if !directional {
                if let Some(x) = int_of(o, "value") {
                    val = x;
                }
                push(
                    at,
                    NameKind::Operation,
                    format!("{pfx}{oname}"),
                    ConstValue::Int(val),
                    Slot::Op(oi),
                );
                val += 1;
                continue;
            }
            // Directional: ids written on each message (ethtool writes all).
            let mode = o
                .get("do")
                .or_else(|| o.get("dump"))
                .and_then(Value::as_mapping);
            let msg_value = |m: Option<&Mapping>, key: &str| {
                m.and_then(|m| m.get(key))
                    .and_then(Value::as_mapping)
                    .and_then(|r| int_of(r, "value"))
            };
            if is_async {
                if let Some(x) = int_of(o, "value") {
                    push(
                        at,
                        NameKind::Reply,
                        format!("{pfx}{oname}"),
                        ConstValue::Int(x),
                        Slot::None,
                    );
                }
                continue;
            }
            if let Some(x) = msg_value(mode, "request") {
                push(
                    at.clone(),
                    NameKind::Operation,
                    format!("{pfx}{oname}"),
                    ConstValue::Int(x),
                    Slot::None,
                );
            }
            if let Some(x) = msg_value(mode, "reply") {
                push(
                    format!("{at}/reply"),
                    NameKind::Reply,
                    format!("{pfx}{oname}-reply"),
                    ConstValue::Int(x),
                    Slot::None,
                );
            }
        }
    }
    if let Some(groups) = top.get("mcast-groups").and_then(Value::as_mapping) {
        for g in list(groups, "list") {
            let Some(g) = g.as_mapping() else { continue };
            let gname = str_of(g, "name").unwrap_or("");
            let c = str_of(g, "c-define-name")
                .map_or_else(|| format!("{ident}-mcgrp-{gname}"), str::to_owned);
            let value = match int_of(g, "value") {
                Some(x) => ConstValue::Int(x),
                None => ConstValue::Str(gname.to_owned()),
            };
            push(
                format!("mcast-groups/{gname}"),
                NameKind::McastGroup,
                c,
                value,
                Slot::None,
            );
        }
    }
    Ok(out)
}

/// Compares every name of the spec ([`spec_names`]) with the headers.
pub fn cross_check(spec_yaml: &str, headers: &HeaderConstants) -> Result<CrossCheck, UapiError> {
    let v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    Ok(check_names(names_of(&v)?, headers))
}

fn check_names(names: Vec<SpecName>, headers: &HeaderConstants) -> CrossCheck {
    let mut r = CrossCheck::default();
    for n in names {
        match headers.get(&n.c_name) {
            Some(h) if h.value == n.value => r.agreed += 1,
            Some(h) => r.disagreements.push(Disagreement { name: n, header: h }),
            None => r.missing.push(n),
        }
    }
    r
}

/// The spec with the headers' numbers where they disagree: every
/// attribute of a set, entry of an enum and operation (unified model)
/// that holds a disagreement gets an explicit `value:` (the header's where
/// it has one, the spec's own otherwise, so that nothing else moves), and
/// the corrected ones a `doc:` line saying so. Returns the rewritten YAML
/// and the check it acted on; the YAML is the input unchanged when
/// nothing disagrees. Disagreements it cannot correct (a string, a
/// directional message id, a flags value that is not a single bit) stay
/// in the returned check and the spec keeps its value.
pub fn corrected(
    spec_yaml: &str,
    headers: &HeaderConstants,
) -> Result<(String, CrossCheck), UapiError> {
    let mut v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    let names = names_of(&v)?;
    let check = check_names(names.clone(), headers);
    // The corrected value of each disagreeing slot.
    let mut fix: BTreeMap<(u8, usize, usize), (i128, &Disagreement)> = BTreeMap::new();
    for d in &check.disagreements {
        let ConstValue::Int(h) = d.header.value else {
            continue;
        };
        let key = match d.name.slot {
            Slot::Attr(s, a) => (0, s, a),
            Slot::Op(o) => (1, 0, o),
            Slot::Entry(e, i) => (2, e, i),
            Slot::None => continue,
        };
        let new = if d.name.kind == NameKind::FlagsEntry {
            if h <= 0 || h & (h - 1) != 0 {
                continue;
            }
            i128::from(h.trailing_zeros())
        } else {
            h
        };
        fix.insert(key, (new, d));
    }
    if fix.is_empty() {
        return Ok((spec_yaml.to_owned(), check));
    }
    // Lists with a correction are pinned whole: every member keeps its
    // number unless corrected.
    let pinned_lists: std::collections::BTreeSet<(u8, usize)> =
        fix.keys().map(|(k, l, _)| (*k, *l)).collect();
    let top = v
        .as_mapping_mut()
        .expect("names_of checked it is a mapping");
    for n in &names {
        let (key, orig) = match (n.slot, &n.value) {
            (Slot::Attr(s, a), ConstValue::Int(x)) => ((0u8, s, a), *x),
            (Slot::Op(o), ConstValue::Int(x)) => ((1, 0, o), *x),
            (Slot::Entry(e, i), ConstValue::Int(x)) => {
                let pos = if n.kind == NameKind::FlagsEntry {
                    i128::from(x.trailing_zeros())
                } else {
                    *x
                };
                ((2, e, i), pos)
            }
            _ => continue,
        };
        if !pinned_lists.contains(&(key.0, key.1)) {
            continue;
        }
        let (value, note) = match fix.get(&key) {
            Some((new, d)) => (
                *new,
                Some(format!(
                    "The spec numbers this {}, but `{}` has `{}` = {}: the header's value is \
                     used.",
                    n.value, d.header.header, d.name.c_name, d.header.value
                )),
            ),
            None => (orig, None),
        };
        let item = match key.0 {
            0 => top
                .get_mut("attribute-sets")
                .and_then(|x| x.get_mut(key.1))
                .and_then(|x| x.get_mut("attributes"))
                .and_then(|x| x.get_mut(key.2)),
            1 => top
                .get_mut("operations")
                .and_then(|x| x.get_mut("list"))
                .and_then(|x| x.get_mut(key.2)),
            _ => top
                .get_mut("definitions")
                .and_then(|x| x.get_mut(key.1))
                .and_then(|x| x.get_mut("entries"))
                .and_then(|x| x.get_mut(key.2)),
        };
        let Some(item) = item else { continue };
        if let Value::String(name) = item {
            let mut m = Mapping::new();
            m.insert("name".into(), Value::String(name.clone()));
            *item = Value::Mapping(m);
        }
        let Some(m) = item.as_mapping_mut() else {
            continue;
        };
        m.insert("value".into(), Value::Number((value as i64).into()));
        if let Some(note) = note {
            let doc = match m.get("doc").and_then(Value::as_str) {
                Some(d) => format!("{}\n\n{note}", d.trim_end()),
                None => note,
            };
            m.insert("doc".into(), Value::String(doc));
        }
    }
    let text = serde_yaml_ng::to_string(&v).map_err(|e| UapiError(e.to_string()))?;
    Ok((text, check))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consts(text: &str) -> HeaderConstants {
        let mut c = HeaderConstants::new();
        c.add_header("linux/t.h", text);
        c
    }

    fn int(c: &HeaderConstants, n: &str) -> Option<i128> {
        match c.get(n)?.value {
            ConstValue::Int(v) => Some(v),
            ConstValue::Str(_) => None,
        }
    }

    #[test]
    fn enumerators_count_on_from_the_last_value() {
        let c = consts(
            "enum t_attr {\n\tT_UNSPEC,\n\tT_A = 5, /* five */\n\tT_B,\n#define T_B T_B\n\
             \t__T_MAX,\n\tT_MAX = __T_MAX - 1\n};\n",
        );
        assert_eq!(int(&c, "T_UNSPEC"), Some(0));
        assert_eq!(int(&c, "T_A"), Some(5));
        assert_eq!(
            int(&c, "T_B"),
            Some(6),
            "`#define T_B T_B` is no second value"
        );
        assert_eq!(int(&c, "T_MAX"), Some(6));
    }

    #[test]
    fn macros_are_evaluated_with_casts_shifts_and_suffixes() {
        let c = consts(
            "#define A 0x10\n#define B (A << 2)\n#define C ((__u32)1 << 31)\n\
             #define D (~0U)\n#define E 010\n#define F(x) (x)\n#define NAME \"fam\"\n\
             #define G (B | 1) /* comment */\n#define H unknown_thing\n",
        );
        assert_eq!(int(&c, "A"), Some(16));
        assert_eq!(int(&c, "B"), Some(64));
        assert_eq!(int(&c, "C"), Some(1 << 31));
        assert_eq!(
            int(&c, "D"),
            Some(!0),
            "evaluated as a C integer of any width"
        );
        assert_eq!(int(&c, "E"), Some(8));
        assert_eq!(int(&c, "G"), Some(65));
        assert!(
            c.get("F").is_none(),
            "function-like macros are not constants"
        );
        assert!(c.get("H").is_none(), "what cannot be evaluated is left out");
        assert_eq!(c.get("NAME").unwrap().value, ConstValue::Str("fam".into()));
    }

    #[test]
    fn a_name_with_two_values_is_ambiguous() {
        let mut c = consts("enum { X = 1, Y = 2 };");
        c.add_header("linux/u.h", "enum { X = 3 };\nenum { Y = 2 };");
        assert!(c.get("X").is_none());
        assert_eq!(int(&c, "Y"), Some(2));
        assert_eq!(c.get("Y").unwrap().header, "linux/t.h");
    }

    const SPEC: &str = "
name: fam
attribute-sets:
  - name: fam
    attributes:
      - { name: a, type: u32 }
      - { name: b, type: u32 }
      - { name: c, type: u32 }
  - name: sub
    subset-of: fam
    attributes:
      - { name: a }
definitions:
  - { name: st, type: enum, entries: [ one, two ] }
  - { name: fl, type: flags, entries: [ x, y ] }
operations:
  list:
    - { name: get, attribute-set: fam, do: { request: { attributes: [ a ] } } }
mcast-groups:
  list:
    - name: ev
";

    #[test]
    fn names_follow_ynl_gen_c_and_values_nlspec() {
        let n = spec_names(SPEC).unwrap();
        let got: Vec<(&str, String)> = n
            .iter()
            .map(|n| (n.c_name.as_str(), n.value.to_string()))
            .collect();
        let want = [
            ("FAM_FAMILY_NAME", "\"fam\""),
            ("FAM_FAMILY_VERSION", "1"),
            ("FAM_ST_ONE", "0"),
            ("FAM_ST_TWO", "1"),
            ("FAM_FL_X", "1"),
            ("FAM_FL_Y", "2"),
            ("FAM_A_A", "1"),
            ("FAM_A_B", "2"),
            ("FAM_A_C", "3"),
            ("FAM_CMD_GET", "1"),
            ("FAM_MCGRP_EV", "\"ev\""),
        ];
        let want: Vec<(&str, String)> = want.iter().map(|(a, b)| (*a, b.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn corrections_pin_the_list_and_move_only_what_disagrees() {
        let h = consts(
            "enum { FAM_A_UNSPEC, FAM_A_A, FAM_A_C, FAM_A_B };\n\
             enum { FAM_FL_X = 1, FAM_FL_Y = 4 };\n#define FAM_FAMILY_NAME \"fam\"\n",
        );
        let (text, check) = corrected(SPEC, &h).unwrap();
        let bad: Vec<&str> = check
            .disagreements
            .iter()
            .map(|d| d.name.c_name.as_str())
            .collect();
        assert_eq!(bad, ["FAM_FL_Y", "FAM_A_B", "FAM_A_C"]);
        assert_eq!(check.agreed, 3, "the family name, FAM_FL_X and FAM_A_A");
        let again = cross_check(&text, &h).unwrap();
        assert!(again.disagreements.is_empty(), "{:?}", again.disagreements);
        assert!(text.contains("`linux/t.h` has `FAM_A_B` = 3"), "{text}");
        // What the headers lack keeps its number.
        let names = spec_names(&text).unwrap();
        let v = |c: &str| names.iter().find(|n| n.c_name == c).unwrap().value.clone();
        assert_eq!(v("FAM_ST_TWO"), ConstValue::Int(1));
        assert_eq!(v("FAM_FL_Y"), ConstValue::Int(4));
        assert_eq!(v("FAM_CMD_GET"), ConstValue::Int(1));
        // Nothing to correct: the text is returned as it was.
        let ok = consts("enum { FAM_A_UNSPEC, FAM_A_A, FAM_A_B, FAM_A_C };");
        assert_eq!(corrected(SPEC, &ok).unwrap().0, SPEC);
    }
}
