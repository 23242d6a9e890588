//! Text helpers of the C renderers: kernel-style alignment and comments.

use std::fmt::Write as _;

/// checkpatch's line length limit.
pub(crate) const MAX_LINE: usize = 100;

/// `SPDX` line of the generated headers (the kernel's YNL files use it).
pub(crate) const SPDX_H: &str =
    "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */";
/// `SPDX` line of the generated source.
pub(crate) const SPDX_C: &str =
    "// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)";

/// Rust doc text made fit for a C comment on one line: intra-doc link
/// brackets and backticks dropped, whitespace collapsed, `*/` defused.
pub(crate) fn c_doc(doc: &str) -> String {
    let d = doc.replace("[`", "").replace("`]", "").replace('`', "");
    d.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("*/", "* /")
}

/// Word-wraps a comment: `lead` opens the first line (its comment prefix,
/// ` *`, stays in place and its words wrap at [`MAX_LINE`]), `text` follows
/// wrapped at 80 columns, and continuation lines start with `cont`.
pub(crate) fn wrap_comment(out: &mut String, lead: &str, cont: &str, text: &str) {
    let width = 80;
    let (prefix, lead_words) = match lead.find('*') {
        Some(i) => lead.split_at(i + 1),
        None => (lead, ""),
    };
    let mut line = prefix.to_owned();
    let mut fresh = true;
    // The lead's words may reach the line limit (a kernel-doc title stays
    // on one line where it fits); the text wraps at 80 columns.
    let words = lead_words
        .split_whitespace()
        .map(|w| (w, MAX_LINE))
        .chain(text.split_whitespace().map(|w| (w, width)));
    for (w, width) in words {
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
pub(crate) fn display_len(s: &str) -> usize {
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
pub(crate) fn tab_aligned(indent: &str, rows: &[(String, String)]) -> String {
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
pub(crate) fn align_to(col: usize) -> String {
    format!("{}{}", "\t".repeat(col / 8), " ".repeat(col % 8))
}

/// A call `head(arg, arg, ...)` + `tail` on one line at `indent`, or, when
/// that passes [`MAX_LINE`], with the arguments wrapped and aligned after
/// the opening parenthesis (kernel style).
pub(crate) fn call_wrapped(indent: &str, head: &str, args: &[String], tail: &str) -> String {
    let one = format!("{indent}{head}({}){tail}", args.join(", "));
    if display_len(&one) <= MAX_LINE {
        return one + "\n";
    }

    let open = display_len(&format!("{indent}{head}("));
    let cont = align_to(open);
    let mut out = String::new();
    let mut line = format!("{indent}{head}(");
    for (i, a) in args.iter().enumerate() {
        let last = i + 1 == args.len();
        let piece = if last {
            format!("{a}){tail}")
        } else {
            format!("{a},")
        };
        let fresh = line.ends_with('(') || line == cont;
        if !fresh && display_len(&line) + 1 + piece.len() > MAX_LINE {
            out.push_str(&line);
            out.push('\n');
            line = cont.clone();
        } else if !fresh {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The "do not edit" banner of a generated C file.
pub(crate) fn c_banner(out: &mut String, family: &str, command: &str, what: &str) {
    out.push_str("/* Do not edit directly, auto-generated from the Rust schema of */\n");
    let _ = writeln!(
        out,
        "/*\tthe {family} family; regenerate with `{command}` */"
    );
    let _ = writeln!(out, "/* genl {what} */");
}

/// A function declaration or definition head, `type name(params)` +
/// `tail`, wrapped as [`call_wrapped`] does; when the name and its first
/// parameter do not fit, the type goes on a line of its own (kernel style
/// for long function heads).
pub(crate) fn decl_wrapped(indent: &str, head: &str, params: &[String], tail: &str) -> String {
    let one = call_wrapped(indent, head, params, tail);
    if one.lines().all(|l| display_len(l) <= MAX_LINE) {
        return one;
    }
    match head.rsplit_once(' ') {
        Some((ty, name)) => format!("{indent}{ty}\n{}", call_wrapped(indent, name, params, tail)),
        None => one,
    }
}

/// `<lead> <name>[<max> + 1]<tail>` (a policy array's declaration or
/// definition head), with the array on a line of its own when the whole
/// would pass [`MAX_LINE`] (names too long for that are refused by
/// [`render`](crate::render)).
pub(crate) fn array_decl(lead: &str, name: &str, max: &str, tail: &str) -> String {
    let one = format!("{lead} {name}[{max} + 1]{tail}");
    if display_len(&one) <= MAX_LINE {
        one + "\n"
    } else {
        format!("{lead}\n{name}[{max} + 1]{tail}\n")
    }
}

/// A C integer literal of `v`: negative values in parentheses, `i64::MIN`
/// as `S64_MIN` (its literal would overflow).
pub(crate) fn int_literal(v: i64) -> String {
    if v == i64::MIN {
        "S64_MIN".into()
    } else if v < 0 {
        format!("({v})")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_calls_wrap_after_the_parenthesis() {
        let args: Vec<String> = ["skb", "SOME_VERY_LONG_ATTRIBUTE_NAME_OF_A_SET", "value"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let short = call_wrapped("\t", "return f", &args, ";");
        assert_eq!(
            short,
            "\treturn f(skb, SOME_VERY_LONG_ATTRIBUTE_NAME_OF_A_SET, value);\n"
        );
        let long_args: Vec<String> = [
            "skb",
            "SOME_VERY_LONG_ATTRIBUTE_NAME_OF_A_SET_AND_MORE",
            "value",
            "ANOTHER_RATHER_LONG_CONSTANT_NAME",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let long = call_wrapped("\t", "return nla_put_u64_64bit", &long_args, ";");
        let lines: Vec<&str> = long.lines().collect();
        assert!(lines.len() > 1, "{long}");
        assert!(lines.iter().all(|l| display_len(l) <= MAX_LINE), "{long}");
        // Continuations start under the first argument.
        let col = display_len("\treturn nla_put_u64_64bit(");
        assert_eq!(display_len(lines[1]) - lines[1].trim_start().len(), col);
    }
}
