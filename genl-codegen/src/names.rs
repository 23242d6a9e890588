//! Name conversions shared by the model and the renderers.

/// `CamelCase`, `snake_case` or `kebab-case` to `SCREAMING_SNAKE_CASE`
/// (`KvSet` → `KV_SET`, `delay_ms` → `DELAY_MS`, `HTTPServer` →
/// `HTTP_SERVER`, `Ipv4Addr` → `IPV4_ADDR`).
pub fn screaming(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '_' || c == ' ' || c == '.' {
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

/// `snake_case` form of [`screaming`] (`KvMeta` → `kv_meta`).
pub fn snake(s: &str) -> String {
    screaming(s).to_lowercase()
}

/// `SCREAMING_SNAKE` to YNL's `kebab-case` (`KV_SET` → `kv-set`).
pub fn kebab(screaming: &str) -> String {
    screaming.to_lowercase().replace('_', "-")
}

/// YNL's `c_upper`: what a YNL name becomes in C (`kv-set` → `KV_SET`).
pub fn c_upper(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
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
    fn screaming_case() {
        assert_eq!(screaming("KvSet"), "KV_SET");
        assert_eq!(screaming("delay_ms"), "DELAY_MS");
        assert_eq!(screaming("HTTPServer"), "HTTP_SERVER");
        assert_eq!(screaming("Ipv4Addr"), "IPV4_ADDR");
        assert_eq!(screaming("policy-test"), "POLICY_TEST");
        assert_eq!(snake("KvMeta"), "kv_meta");
    }

    #[test]
    fn ynl_names_map_back_to_the_c_names() {
        assert_eq!(kebab(&screaming("KvSet")), "kv-set");
        assert_eq!(c_upper("genl-demo-a-kv-key"), "GENL_DEMO_A_KV_KEY");
        assert!(is_c_ident("GENL_DEMO_A_KV"));
        assert!(!is_c_ident("1X") && !is_c_ident("A-B") && !is_c_ident(""));
    }
}
