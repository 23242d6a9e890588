//! A small reader for the C the two generators write (preprocessed for one
//! set of kernel features), and what it means: policy entries by meaning
//! ([`Pol`]), policy arrays, ops tables, and the generated checks' bodies
//! ([`Checks`]).

mod error;
mod ops;
mod policy;
mod values;

use std::collections::BTreeMap;

pub use error::CReadError;
pub(super) use ops::{ops, Checks, Op, OpKey};
#[cfg(test)]
pub(super) use policy::pol_of;
pub(super) use policy::{calls_of, macro_call, policies, Pol, PolicyArray};
pub(super) use values::{type_limits, Values};

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
fn preprocess(src: &str, defined: &[&str]) -> Result<String, CReadError> {
    let mut no_comments = String::new();
    let mut rest = src;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            let end = r.find("*/").ok_or(CReadError::UnterminatedComment)?;
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
            return Err(CReadError::UnsupportedCondition { line: l.to_owned() });
        } else if l.starts_with("#else") {
            let top = stack.last_mut().ok_or(CReadError::ElseWithoutIf)?;
            *top = (!top.1, true);
        } else if l.starts_with("#endif") {
            stack.pop().ok_or(CReadError::EndifWithoutIf)?;
        } else if l.starts_with('#') {
            continued = l.ends_with('\\');
            continue;
        } else if active(&stack) {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !stack.is_empty() {
        return Err(CReadError::IfWithoutEndif);
    }
    Ok(out)
}

/// Parses an initializer starting at `toks[*i]`.
pub(super) fn parse_init(toks: &[String], i: &mut usize) -> Result<Init, CReadError> {
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
            None => return Err(CReadError::UnterminatedInitializer),
            Some("}") => {
                *i += 1;
                return Ok(Init::List(items));
            }
            Some(",") => *i += 1,
            Some(".") => {
                let name = format!(".{}", toks.get(*i + 1).ok_or(CReadError::BadDesignator)?);
                *i += 2;
                if toks.get(*i).map(String::as_str) != Some("=") {
                    return Err(CReadError::NoEquals { after: name });
                }
                *i += 1;
                items.push((Some(name), parse_init(toks, i)?));
            }
            Some("[") => {
                let mut j = *i + 1;
                let mut idx = Vec::new();
                while toks.get(j).map(String::as_str) != Some("]") {
                    idx.push(toks.get(j).ok_or(CReadError::BadDesignator)?.clone());
                    j += 1;
                }
                *i = j + 1;
                if toks.get(*i).map(String::as_str) != Some("=") {
                    return Err(CReadError::NoEquals {
                        after: "[index]".into(),
                    });
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

/// Reads `src` as a build with exactly the macros `defined` sees it.
pub(super) fn read_c(src: &str, defined: &[&str]) -> Result<CFile, CReadError> {
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
