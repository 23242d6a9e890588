//! The text forms of values, as `cli.py` prints and reads them: hex,
//! Python's `hex()` and `ipaddress` spellings, display hints.

use super::*;

pub(super) fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Python's `hex(n)`.
pub(super) fn py_hex(n: i128) -> String {
    if n < 0 {
        format!("-0x{:x}", n.unsigned_abs())
    } else {
        format!("0x{n:x}")
    }
}

/// Python 3.11's `str(ipaddress.IPv6Address)`: the longest run of two or
/// more zero groups (the first of equal runs) becomes `::`; no dotted
/// IPv4 tail.
pub(super) fn py_ipv6(a: Ipv6Addr) -> String {
    let g = a.segments();
    let (mut best, mut best_len, mut cur, mut cur_len) = (0usize, 0usize, 0usize, 0usize);
    for (i, &x) in g.iter().enumerate() {
        if x == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    let part = |s: &[u16]| s.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>();
    if best_len > 1 {
        format!(
            "{}::{}",
            part(&g[..best]).join(":"),
            part(&g[best + best_len..]).join(":")
        )
    } else {
        part(&g).join(":")
    }
}

/// Python's `ipaddress.ip_address(raw)`: 4 bytes or an integer below
/// 2**32 are IPv4, 16 bytes or a larger integer IPv6.
pub(super) fn ip_text_int(n: i128) -> Option<String> {
    if n < 0 {
        return None;
    }
    // Non-negative: below 2**127, within IPv6's range.
    if n < 1 << 32 {
        Some(Ipv4Addr::from(n as u32).to_string())
    } else {
        Some(py_ipv6(Ipv6Addr::from(n as u128)))
    }
}

pub(super) fn ip_text_bytes(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(py_ipv6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// `_formatted_string` of ynl.py for an integer.
pub(super) fn format_int(n: i128, hint: DisplayHint) -> Value {
    match hint {
        DisplayHint::Hex => Value::Str(py_hex(n)),
        DisplayHint::Ipv4 | DisplayHint::Ipv6 => match ip_text_int(n) {
            Some(s) => Value::Str(s),
            None => Value::Int(n),
        },
        _ => Value::Int(n),
    }
}

/// `_formatted_string` of ynl.py for bytes (hex where cli.py would fail).
pub(super) fn format_bytes(b: &[u8], hint: Option<DisplayHint>) -> Value {
    let Some(hint) = hint else {
        return Value::Str(hex(b));
    };
    Value::Str(match hint {
        DisplayHint::Mac => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        DisplayHint::Hex => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
        DisplayHint::Ipv4 | DisplayHint::Ipv6 => ip_text_bytes(b).unwrap_or_else(|| hex(b)),
        DisplayHint::Uuid if b.len() == 16 => {
            let h = hex(b);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        DisplayHint::Uuid | DisplayHint::Fddi => hex(b),
    })
}

/// `Python bytes.fromhex`: pairs of hex digits, spaces allowed between
/// pairs.
pub(super) fn from_hex(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut it = s.chars().filter(|c| !c.is_ascii_whitespace());
    loop {
        let Some(a) = it.next() else { return Some(out) };
        let b = it.next()?;
        out.push(u8::try_from(a.to_digit(16)? * 16 + b.to_digit(16)?).ok()?);
    }
}
/// A `binary` value from JSON: hex (as `cli.py` takes it), or the form its
/// display hint prints (`10.0.0.1`, `fe80::1`, `aa:bb:cc:dd:ee:ff`).
pub(super) fn parse_binary(s: &str, hint: Option<DisplayHint>) -> Option<Vec<u8>> {
    match hint {
        Some(DisplayHint::Ipv4 | DisplayHint::Ipv6) => {
            if let Ok(ip) = s.parse::<Ipv4Addr>() {
                return Some(ip.octets().to_vec());
            }
            if let Ok(ip) = s.parse::<Ipv6Addr>() {
                return Some(ip.octets().to_vec());
            }
        }
        Some(DisplayHint::Mac) if s.contains(':') => {
            return s
                .split(':')
                .map(|p| u8::from_str_radix(p, 16).ok())
                .collect();
        }
        Some(DisplayHint::Uuid) if s.contains('-') => return from_hex(&s.replace('-', "")),
        _ => {}
    }
    from_hex(s)
}

pub(super) fn hint_help(h: Option<DisplayHint>) -> &'static str {
    match h {
        Some(DisplayHint::Ipv4 | DisplayHint::Ipv6) => " or an IP address",
        Some(DisplayHint::Mac) => " or a MAC address",
        Some(DisplayHint::Uuid) => " or a UUID",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn ipv6_text_is_pythons() {
        // str(ipaddress.ip_address(...)) in Python 3.11.
        for (a, py) in [
            ("::1", "::1"),
            ("::", "::"),
            ("fe80::1:0:0:1", "fe80::1:0:0:1"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("::ffff:1.2.3.4", "::ffff:102:304"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ] {
            assert_eq!(py_ipv6(a.parse().unwrap()), py, "{a}");
        }
        assert_eq!(py_hex(255), "0xff");
        assert_eq!(py_hex(-16), "-0x10");
        assert_eq!(from_hex("0a 0B"), Some(vec![10, 11]));
        assert_eq!(from_hex("0a0"), None);
    }
}
