//! The constants of uapi headers: enumerators and object-like macros,
//! read from the header text and evaluated on demand.

use super::*;

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
pub(super) enum Body {
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
    pub(super) defs: BTreeMap<String, (String, Body)>,
    pub(super) strings: BTreeMap<String, (String, String)>,
    pub(super) ambiguous: std::collections::BTreeSet<String>,
    pub(super) headers: usize,
}

/// Words that start a cast in a uapi constant (`(__u32)1 << 31`).
pub(super) const TYPE_WORDS: &[&str] = &[
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

    pub(super) fn insert(&mut self, name: &str, header: &str, body: Body) {
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

    pub(super) fn define(&mut self, header: &str, rest: &str) {
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

    pub(super) fn enums(&mut self, header: &str, toks: &[String]) {
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

    pub(super) fn lookup(&self, name: &str, depth: usize) -> Option<i128> {
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
    pub(super) fn eval(&self, toks: &[String], depth: usize) -> Option<i128> {
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

pub(super) fn collect_headers(
    dir: &Path,
    out: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
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
