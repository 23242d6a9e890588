//! Doc comments from the spec's `doc:` texts.

use std::fmt::Write as _;

/// Escapes text from the spec for rustdoc: no intra-doc links, HTML tags or
/// code blocks by accident.
pub(crate) fn escape_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            out.push('<');
            out.push_str(word);
            out.push('>');
            continue;
        }
        for c in word.chars() {
            if matches!(c, '[' | ']' | '<' | '>') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// The paragraphs of a spec `doc:`, each on one line, escaped.
pub(crate) fn doc_paragraphs(doc: Option<&str>) -> Vec<String> {
    let Some(doc) = doc else { return Vec::new() };
    let mut paras = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in doc.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                paras.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(t);
        }
    }
    if !cur.is_empty() {
        paras.push(cur.join(" "));
    }
    paras
        .into_iter()
        .map(|p| {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            escape_doc(&p)
        })
        .collect()
}

/// Writes `///` lines: the spec's paragraphs, then `extra` (already rustdoc).
pub(crate) fn write_doc(out: &mut String, indent: &str, spec_doc: Option<&str>, extra: &[String]) {
    let mut paras = doc_paragraphs(spec_doc);
    paras.extend(extra.iter().cloned());
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{indent}///");
        }
        let _ = writeln!(out, "{indent}/// {p}");
    }
}
