//! Policy entries and policy arrays, by meaning.

use std::collections::BTreeMap;

use super::*;

/// One policy entry, by meaning: the forms the kernel defines alike are
/// alike here (`NLA_POLICY_EXACT_LEN(n)` is `NLA_POLICY_RANGE(NLA_BINARY,
/// n, n)`, `NLA_POLICY_MIN_LEN(n)` is `NLA_POLICY_MIN(NLA_BINARY, n)`, a
/// binary's range is on its length, `.len` of a binary is its maximum
/// length, a range structure's missing field is 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::check::policies) struct Pol {
    pub(in crate::check::policies) ty: String,
    pub(in crate::check::policies) min_len: Option<String>,
    pub(in crate::check::policies) max_len: Option<String>,
    pub(in crate::check::policies) min: Option<String>,
    pub(in crate::check::policies) max: Option<String>,
    pub(in crate::check::policies) mask: Option<String>,
    pub(in crate::check::policies) nested: Option<String>,
    pub(in crate::check::policies) validate_fn: Option<String>,
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
    pub(in crate::check::policies) fn normalized(mut self) -> Pol {
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
pub(in crate::check::policies) fn macro_call(e: &[String]) -> Option<(&str, Vec<Vec<String>>)> {
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
pub(in crate::check::policies) fn calls_of(body: &[String], name: &str) -> Vec<Vec<Vec<String>>> {
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

pub(in crate::check::policies) fn pol_of(
    init: &Init,
    v: &Values,
    ranges: &Ranges,
) -> Result<Pol, CReadError> {
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
                    return Err(CReadError::FieldWrittenOut {
                        field: k,
                        entry: init.text(),
                    });
                }
            }
        }
        Init::Expr(e) => {
            let (name, args) =
                macro_call(e).ok_or_else(|| CReadError::UnknownForm { entry: e.join(" ") })?;
            let arg = |n: usize| -> Result<&Vec<String>, CReadError> {
                args.get(n).ok_or_else(|| CReadError::MissingArgument {
                    name: name.to_owned(),
                    n,
                })
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
                        .ok_or_else(|| CReadError::NoRange { name: r.clone() })?;
                    // A field the initializer leaves out is 0.
                    let field = |k: &str| match range.field(k) {
                        Some(Init::Expr(e)) => show(e),
                        _ => "0".to_owned(),
                    };
                    p.min = Some(field(".min"));
                    p.max = Some(field(".max"));
                }
                other => {
                    return Err(CReadError::UnknownMacro {
                        name: other.to_owned(),
                    })
                }
            }
        }
    }
    Ok(p.normalized())
}

/// A policy array by meaning: attribute value → (its C name, its entry).
pub(in crate::check::policies) struct PolicyArray {
    pub(in crate::check::policies) size: Option<i128>,
    pub(in crate::check::policies) entries: BTreeMap<i128, (String, Pol)>,
}

/// Range structures by name: (initializer, whether `const`).
pub(in crate::check::policies) type Ranges = BTreeMap<String, (Init, bool)>;

/// The policy arrays of `f` by name, and its range structures.
pub(in crate::check::policies) fn policies(
    f: &CFile,
    v: &Values,
) -> Result<(BTreeMap<String, PolicyArray>, Ranges), CReadError> {
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
            return Err(CReadError::PolicyNotAList {
                policy: d.name.clone(),
            });
        };
        let mut entries = BTreeMap::new();
        for (des, init) in items {
            let des = des
                .as_deref()
                .and_then(|s| s.strip_prefix('['))
                .and_then(|s| s.strip_suffix(']'))
                .ok_or_else(|| CReadError::NoIndex {
                    policy: d.name.clone(),
                })?;
            let toks: Vec<String> = des.split_whitespace().map(str::to_owned).collect();
            let idx = v.eval(&toks).ok_or_else(|| CReadError::BadIndex {
                policy: d.name.clone(),
                index: des.to_owned(),
            })?;
            let p = pol_of(init, v, &ranges).map_err(|e| CReadError::Entry {
                policy: d.name.clone(),
                index: des.to_owned(),
                error: Box::new(e),
            })?;
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
