//! Case conversions between Rust identifiers, C names and YNL names.
//!
//! One behaviour each, for every crate of genl:
//!
//! - a Rust identifier (`KvSet`, `delay_ms`, `r#type`) or a YNL name
//!   (`kv-set`) becomes the suffix of a C name with [`screaming`]
//!   (`KV_SET`), a Rust module or function name with [`snake`], a Rust type
//!   or variant name with [`camel`];
//! - the YNL name of a C name is [`kebab`] (`KV_SET` → `kv-set`), and
//!   [`c_upper`] / [`c_lower`] take a YNL name back to C exactly as the
//!   kernel's YNL generator (`tools/net/ynl/pyynl/ynl_gen_c.py`) does, so a
//!   name survives the round trip: `c_upper(&kebab(&screaming(n)))` is
//!   `screaming(n)`.
//!
//! The conversions do not make identifiers: a name whose words start with
//! a digit (`_6rd_prefix` → `6RD_PREFIX`) keeps it, as the kernel's C names
//! do after their prefix (`IFLA_IPTUN_6RD_PREFIX`). A caller that needs a
//! whole identifier checks it ([`is_c_ident`]) or prefixes it.

/// Whether `c` separates words: `_`, `-`, ` ` or `.`.
fn is_separator(c: char) -> bool {
    matches!(c, '_' | '-' | ' ' | '.')
}

/// `CamelCase`, `snake_case` or `kebab-case` to `SCREAMING_SNAKE_CASE`
/// (`KvSet` → `KV_SET`, `delay_ms` → `DELAY_MS`, `HTTPServer` →
/// `HTTP_SERVER`, `Ipv4Addr` → `IPV4_ADDR`, `policy-test` → `POLICY_TEST`).
///
/// Words are split at separators (`_`, `-`, ` `, `.`; a run of them is one
/// `_`, leading ones are dropped, a trailing one is kept), before an upper-case
/// letter that follows a lower-case letter or a digit, and before the last
/// upper-case letter of a run followed by a lower-case letter (`HTTPServer`).
/// A raw identifier's `r#` is dropped (`r#type` → `TYPE`).
pub fn screaming(s: &str) -> String {
    let chars: Vec<char> = s.trim_start_matches("r#").chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if is_separator(c) {
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

/// The `snake_case` form of [`screaming`]'s words (`KvMeta` → `kv_meta`,
/// `policy-test` → `policy_test`).
pub fn snake(s: &str) -> String {
    screaming(s).to_lowercase()
}

/// [`screaming`]'s words in `CamelCase`: each word's first letter upper
/// case, the rest lower case (`KV_SET` → `KvSet`, `kv-set` → `KvSet`,
/// `delay_ms` → `DelayMs`, `HTTPServer` → `HttpServer`).
pub fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in screaming(s).split('_') {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            out.extend(c.to_uppercase());
            out.push_str(&cs.as_str().to_lowercase());
        }
    }
    out
}

/// `SCREAMING_SNAKE` to YNL's `kebab-case` (`KV_SET` → `kv-set`).
pub fn kebab(screaming: &str) -> String {
    screaming.to_lowercase().replace('_', "-")
}

/// YNL's `c_upper`: what a YNL name becomes in a C macro or enumerator
/// (`kv-set` → `KV_SET`): upper case, `-` replaced by `_`.
pub fn c_upper(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

/// YNL's `c_lower`: what a YNL name becomes in a C function or variable
/// name (`kv-set` → `kv_set`): lower case, `-` replaced by `_`.
pub fn c_lower(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

/// Whether `s` is a C identifier (ASCII letters, digits and `_`, not
/// starting with a digit).
pub fn is_c_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_splits_words_of_every_case() {
        assert_eq!(screaming("KvSet"), "KV_SET");
        assert_eq!(screaming("delay_ms"), "DELAY_MS");
        assert_eq!(screaming("HTTPServer"), "HTTP_SERVER");
        assert_eq!(screaming("Ipv4Addr"), "IPV4_ADDR");
        assert_eq!(screaming("policy-test"), "POLICY_TEST");
        assert_eq!(screaming("a..b  c"), "A_B_C");
        assert_eq!(screaming("r#type"), "TYPE");
        assert_eq!(screaming("KV_SET"), "KV_SET");
    }

    #[test]
    fn a_leading_digit_or_separator_is_kept_out_of_the_name() {
        // The word keeps its digit, as in the kernel's IFLA_IPTUN_6RD_PREFIX.
        assert_eq!(screaming("_6rd_prefix"), "6RD_PREFIX");
        assert_eq!(screaming("__x__"), "X_");
        assert_eq!(screaming(""), "");
    }

    #[test]
    fn snake_and_camel_use_the_same_words() {
        assert_eq!(snake("KvMeta"), "kv_meta");
        assert_eq!(snake("policy-test"), "policy_test");
        assert_eq!(camel("KV_SET"), "KvSet");
        assert_eq!(camel("kv-set"), "KvSet");
        assert_eq!(camel("delay_ms"), "DelayMs");
        assert_eq!(camel("HTTPServer"), "HttpServer");
        assert_eq!(camel("KvSet"), "KvSet");
    }

    #[test]
    fn ynl_names_map_back_to_the_c_names() {
        // ynl_gen_c.py: c_upper(name) = name.upper().replace('-', '_').
        assert_eq!(c_upper("genl-demo-a-kv-key"), "GENL_DEMO_A_KV_KEY");
        assert_eq!(c_lower("kv-set"), "kv_set");
        for n in ["KvSet", "delay_ms", "HTTPServer", "_6rd_prefix", "r#type"] {
            assert_eq!(c_upper(&kebab(&screaming(n))), screaming(n), "{n}");
            assert_eq!(c_lower(&kebab(&screaming(n))), snake(n), "{n}");
        }
        assert_eq!(kebab(&screaming("KvSet")), "kv-set");
    }

    #[test]
    fn c_identifiers() {
        assert!(is_c_ident("GENL_DEMO_A_KV"));
        assert!(is_c_ident("_6RD"));
        assert!(!is_c_ident("1X") && !is_c_ident("A-B") && !is_c_ident(""));
    }
}
