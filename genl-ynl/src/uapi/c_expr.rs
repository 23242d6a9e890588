//! The C a header needs for its constants: comments stripped, tokens,
//! integer literals and constant expressions (casts, shifts, suffixes).

use super::*;

pub(super) struct Expr<'a> {
    pub(super) toks: &'a [String],
    pub(super) pos: usize,
    pub(super) consts: &'a HeaderConstants,
    pub(super) depth: usize,
}

impl Expr<'_> {
    pub(super) fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    pub(super) fn binary(&mut self, min_prec: u8) -> Option<i128> {
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

    pub(super) fn unary(&mut self) -> Option<i128> {
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
pub(super) fn literal(t: &str) -> Option<i128> {
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

pub(super) fn is_ident(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The text without C comments, line continuations joined; strings kept.
pub(super) fn strip_comments(text: &str) -> String {
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
