//! What Wireshark's dissector must show for each attribute: its fields
//! (`genl.<family>.<attr>`), how their values read, and the walk of a
//! decoded message that collects them.

use super::*;

/// How a field's value is written, to put tshark's text and genl's JSON
/// in one form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Conv {
    /// An integer: decimal or `0x` hex (tshark's base.HEX), enum names and
    /// flag lists (genl) as their value.
    Int,
    /// A boolean: `1`/`0` (`True`/`False` in older tshark).
    Bool,
    /// Text as it is; empty text is no value (an empty attribute has no
    /// field in the dissector).
    Str,
    /// Bytes in lower-case hex, separators (`:`, ` `, `-`) dropped; none is
    /// no value.
    Bytes,
    /// An IPv4, IPv6 or MAC address.
    Addr,
    /// `binary` with an integer `sub-type`: genl's list of integers (host
    /// order: little-endian here), the dissector's bytes.
    IntBytes(usize),
    /// Only counted (attributes the spec does not know).
    Count,
}

impl Conv {
    /// tshark's text of a field in the common form (`None`: no value).
    pub(super) fn tshark(self, s: &str) -> Option<String> {
        match self {
            Conv::Int => Some(parse_int(s).map_or_else(|| s.to_owned(), |n| n.to_string())),
            Conv::Bool => Some(
                match s {
                    "1" | "True" | "true" => "1",
                    "0" | "False" | "false" => "0",
                    s => s,
                }
                .to_owned(),
            ),
            Conv::Str => (!s.is_empty()).then(|| s.to_owned()),
            Conv::Bytes | Conv::IntBytes(_) => {
                let h = strip_hex(s);
                (!h.is_empty()).then_some(h)
            }
            Conv::Addr => Some(addr(s)),
            Conv::Count => Some("1".to_owned()),
        }
    }
}

pub(super) fn parse_int(s: &str) -> Option<i128> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let n = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => i128::from_str_radix(h, 16).ok()?,
        None => t.parse::<i128>().ok()?,
    };
    Some(if neg { -n } else { n })
}

pub(super) fn strip_hex(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An address in one form: std's for IP addresses, lower case otherwise.
pub(super) fn addr(s: &str) -> String {
    match s.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => s.to_ascii_lowercase(),
    }
}

/// The tshark field of one attribute and what goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct AttrField {
    /// `genl_<family>.<set>.<attr>`.
    pub(super) field: String,
    pub(super) conv: Conv,
    /// Flag bits shown one by one: field and mask.
    pub(super) bits: Vec<(String, u64)>,
}

/// `s` as a component of a field name (genl_ynl::wireshark's rule): lower
/// case; anything but letters, digits and `_` written `_`.
pub(super) fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The fields of a family, derived from its spec.
pub(super) struct FamilyFields {
    /// `genl_<family>`.
    pub(super) proto: String,
    /// By (set index, attribute name); `None`: no field of its own (nests,
    /// and types the dissector shows as bytes and genl decodes further:
    /// structs, sub-messages).
    pub(super) attrs: HashMap<(usize, String), Option<AttrField>>,
    /// Every field to ask tshark for, with its form.
    pub(super) all: Vec<(String, Conv)>,
}

impl FamilyFields {
    pub(super) fn of(fam: &SpecFamily) -> Result<FamilyFields, String> {
        let proto = format!("genl_{}", ident(&fam.name));
        let p = &proto;
        let mut all: Vec<(String, Conv)> = vec![
            ("netlink.hdr_seq".into(), Conv::Int),
            (format!("{p}.op"), Conv::Str),
            (format!("{p}.cmd"), Conv::Int),
            (format!("{p}.unknown"), Conv::Count),
            (format!("{p}.selector"), Conv::Int),
        ];
        for (k, c) in [
            ("error", Conv::Int),
            ("op", Conv::Str),
            ("msg", Conv::Str),
            ("offset", Conv::Int),
            ("miss_type", Conv::Int),
            ("miss_nest", Conv::Int),
        ] {
            all.push((format!("{p}.extack.{k}"), c));
        }
        // The dissector's own names, which an attribute's cannot take.
        let mut taken: HashSet<String> = [
            "cmd",
            "op",
            "version",
            "reserved",
            "fixed_header",
            "attr_len",
            "attr_type",
            "attr_nested",
            "attr_byteorder",
            "unknown",
            "selector",
            "malformed",
            "bad_size",
            "unknown_attr",
            "unknown_cmd",
        ]
        .iter()
        .map(|k| format!("{p}.{k}"))
        .collect();
        let mut attrs = HashMap::new();
        for (si, set) in fam.sets.iter().enumerate() {
            for a in &set.attrs {
                let field = format!("{p}.{}.{}", ident(&set.name), ident(&a.name));
                if !taken.insert(field.clone()) {
                    return Err(format!(
                        "two attributes are both tshark field {field}: the dissector names the \
                         second {field}_2, this check cannot tell which is which"
                    ));
                }
                let f = attr_field(fam, a, field);
                if let Some(f) = &f {
                    all.push((f.field.clone(), f.conv));
                    for (b, _) in &f.bits {
                        all.push((b.clone(), Conv::Bool));
                    }
                }
                attrs.insert((si, a.name.clone()), f);
            }
        }
        Ok(FamilyFields { proto, attrs, all })
    }

    pub(super) fn conv(&self, field: &str) -> Conv {
        self.all
            .iter()
            .find(|(f, _)| f == field)
            .map_or(Conv::Str, |(_, c)| *c)
    }
}

/// The field of attribute `a` (named `field`), as genl_ynl::wireshark
/// renders it.
pub(super) fn attr_field(fam: &SpecFamily, a: &Attr, field: String) -> Option<AttrField> {
    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
    let as_flags = enum_.is_some_and(|e| e.flags || a.enum_as_flags);
    let bits = |width: usize| -> Vec<(String, u64)> {
        match enum_ {
            Some(e) if as_flags && width <= 4 => e
                .entries
                .iter()
                .filter(|(_, v)| *v < width as u64 * 8)
                .map(|(n, v)| (format!("{field}.{}", ident(n)), 1u64 << v))
                .collect(),
            _ => Vec::new(),
        }
    };
    let (conv, bits) = match a.ty {
        t if t.int_width().is_some() => {
            let w = t.int_width().unwrap().0;
            if a.display_hint == Some(DisplayHint::Ipv4) && w == 4 {
                (Conv::Addr, Vec::new())
            } else {
                (Conv::Int, bits(w))
            }
        }
        AttrType::Uint | AttrType::Sint => (Conv::Int, Vec::new()),
        AttrType::String => (Conv::Str, Vec::new()),
        AttrType::Flag => (Conv::Bool, Vec::new()),
        AttrType::Bitfield32 => (Conv::Int, bits(4)),
        AttrType::IndexedArray => match a.sub_type {
            Some(AttrType::Nest) => return None,
            // genl writes integers with a display hint as text.
            Some(t) if t.int_width().is_some() && a.display_hint.is_none() => {
                (Conv::Int, Vec::new())
            }
            Some(AttrType::Binary) if a.display_hint.is_none() => (Conv::Bytes, Vec::new()),
            _ => return None,
        },
        AttrType::Binary => {
            if a.struct_.is_some() {
                return None;
            }
            match (a.sub_type.and_then(|t| t.int_width()), a.display_hint) {
                (Some((w, _)), _) => (Conv::IntBytes(w), Vec::new()),
                (None, Some(DisplayHint::Ipv4 | DisplayHint::Ipv6 | DisplayHint::Mac)) => {
                    (Conv::Addr, Vec::new())
                }
                _ => (Conv::Bytes, Vec::new()),
            }
        }
        AttrType::Pad => (Conv::Bytes, Vec::new()),
        _ => return None,
    };
    Some(AttrField { field, conv, bits })
}

/// What genl says tshark must show, by field.
pub(super) type Want = HashMap<String, Vec<String>>;

pub(super) fn push(want: &mut Want, field: &str, v: Option<String>) {
    if let Some(v) = v {
        want.entry(field.to_owned()).or_default().push(v);
    }
}

/// genl's value `v` of attribute `a` in the common form of `conv`.
pub(super) fn genl_value(
    fam: &SpecFamily,
    a: &Attr,
    conv: Conv,
    v: &Value,
) -> Result<Option<String>, String> {
    let bad = || format!("attribute {}: genl's value {v} is not a {conv:?}", a.name);
    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
    Ok(match conv {
        Conv::Int => Some(int_of(enum_, v).ok_or_else(bad)?.to_string()),
        Conv::Bool => match v {
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
            _ => return Err(bad()),
        },
        Conv::Str => match v {
            Value::Str(s) => (!s.is_empty()).then(|| s.clone()),
            _ => return Err(bad()),
        },
        Conv::Bytes => match v {
            Value::Str(s) => Some(strip_hex(s)).filter(|h| !h.is_empty()),
            _ => return Err(bad()),
        },
        Conv::Addr => match v {
            Value::Str(s) => Some(addr(s)),
            _ => return Err(bad()),
        },
        Conv::IntBytes(w) => match v {
            Value::List(l) => {
                let mut h = String::new();
                for x in l {
                    let Value::Int(n) = x else {
                        return Err(bad());
                    };
                    for b in &n.to_le_bytes()[..w] {
                        h.push_str(&format!("{b:02x}"));
                    }
                }
                Some(h).filter(|h| !h.is_empty())
            }
            _ => return Err(bad()),
        },
        Conv::Count => Some("1".to_owned()),
    })
}

/// An integer as genl writes it: a number, an enum entry's name, a
/// `0x` string (display hint), or a list of flag names (and bits).
pub(super) fn int_of(enum_: Option<&genl_ynl::family::EnumDef>, v: &Value) -> Option<i128> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Str(s) => parse_int(s).or_else(|| enum_?.value_of(s).map(i128::from)),
        Value::List(l) => {
            let e = enum_?;
            let mut m = 0i128;
            for x in l {
                m |= match x {
                    Value::Str(s) => 1i128.checked_shl(e.value_of(s)? as u32)?,
                    Value::Int(n) => *n,
                    _ => return None,
                };
            }
            Some(m)
        }
        _ => None,
    }
}

/// Whether genl writes one occurrence of `a` as a list.
pub(super) fn list_valued(fam: &SpecFamily, a: &Attr) -> bool {
    let flags = a
        .enum_
        .as_ref()
        .and_then(|e| fam.enums.get(e))
        .is_some_and(|e| e.flags || a.enum_as_flags);
    match a.ty {
        AttrType::IndexedArray => true,
        AttrType::Binary => {
            a.struct_.is_none() && a.sub_type.is_some_and(|t| t.int_width().is_some())
        }
        t if t.int_width().is_some() => flags,
        _ => false,
    }
}

/// Adds to `want` the fields genl's attributes `attrs` (of set `set`)
/// must show, in order; `skip` are keys that are no attributes (a fixed
/// header's members). A key that is neither is an error.
pub(super) fn walk(
    fam: &SpecFamily,
    ff: &FamilyFields,
    set: Option<usize>,
    attrs: &[(String, Value)],
    skip: &[String],
    want: &mut Want,
) -> Result<(), String> {
    let unknown = format!("{}.unknown", ff.proto);
    for (k, v) in attrs {
        if k.starts_with("UnknownAttr(") {
            push(want, &unknown, Some("1".into()));
            if let Value::Map(m) = v {
                walk(fam, ff, None, m, &[], want)?;
            }
            continue;
        }
        if skip.contains(k) {
            continue;
        }
        let (si, a) = match set.and_then(|si| Some((si, fam.sets[si].attr(k)?))) {
            Some(x) => x,
            None => {
                return Err(format!(
                    "genl decoded `{k}`, which is no attribute of set {}",
                    set.map_or("(none)", |si| fam.sets[si].name.as_str())
                ))
            }
        };
        let occurrences: Vec<&Value> = match v {
            Value::List(l) if a.multi || !list_valued(fam, a) => l.iter().collect(),
            v => vec![v],
        };
        let field = ff.attrs.get(&(si, a.name.clone())).cloned().flatten();
        for v in occurrences {
            match (a.ty, v) {
                (AttrType::Nest, Value::Map(m)) => walk(fam, ff, a.nested, m, &[], want)?,
                (AttrType::IndexedArray, Value::List(items)) => {
                    for item in items {
                        match (a.sub_type, item) {
                            (Some(AttrType::Nest), Value::Map(outer)) => {
                                for (_, inner) in outer {
                                    let Value::Map(m) = inner else {
                                        return Err(format!("{k}: item {inner} is not an object"));
                                    };
                                    walk(fam, ff, a.nested, m, &[], want)?;
                                }
                            }
                            (_, item) => {
                                if let Some(f) = &field {
                                    push(want, &f.field, genl_value(fam, a, f.conv, item)?);
                                }
                            }
                        }
                    }
                }
                (AttrType::Bitfield32, Value::Map(m)) => {
                    let Some(f) = &field else { continue };
                    let get = |key: &str| m.iter().find(|(x, _)| x == key).map(|(_, v)| v);
                    let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
                    let (Some(val), Some(sel)) = (
                        get("value").and_then(|x| int_of(enum_, x)),
                        get("selector").and_then(|x| int_of(enum_, x)),
                    ) else {
                        return Err(format!("{k}: bitfield32 {v} without value and selector"));
                    };
                    push(want, &f.field, Some(val.to_string()));
                    push(
                        want,
                        &format!("{}.selector", ff.proto),
                        Some(sel.to_string()),
                    );
                    for (b, mask) in &f.bits {
                        push(want, b, Some(((val as u64 & mask != 0) as u8).to_string()));
                    }
                }
                (_, v) => {
                    let Some(f) = &field else { continue };
                    let s = genl_value(fam, a, f.conv, v)?;
                    if !f.bits.is_empty() {
                        let enum_ = a.enum_.as_ref().and_then(|e| fam.enums.get(e));
                        let n = int_of(enum_, v).ok_or_else(|| format!("{k}: {v}"))?;
                        for (b, mask) in &f.bits {
                            push(want, b, Some(((n as u64 & mask != 0) as u8).to_string()));
                        }
                    }
                    push(want, &f.field, s);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
name: demo-fam
definitions:
  - name: color
    type: enum
    entries: [red, green]
  - name: opts
    type: flags
    entries: [a, b, c]
attribute-sets:
  - name: main
    attributes:
      - { name: id, type: u32 }
      - { name: port, type: u16, byte-order: big-endian }
      - { name: color, type: u8, enum: color }
      - { name: opts, type: u32, enum: opts }
      - { name: label, type: string }
      - { name: inner, type: nest, nested-attributes: inner }
      - { name: list, type: indexed-array, sub-type: nest, nested-attributes: inner }
      - { name: vals, type: indexed-array, sub-type: u32 }
      - { name: big, type: uint }
      - { name: tag, type: u64, multi-attr: true }
      - { name: on, type: flag }
      - { name: blob, type: binary }
      - { name: addr, type: u32, byte-order: big-endian, display-hint: ipv4 }
  - name: inner
    attributes:
      - { name: x, type: s32 }
operations:
  list:
    - name: get
      attribute-set: main
      do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
"#;

    fn fields() -> (SpecFamily, FamilyFields) {
        let fam = SpecFamily::parse(SPEC).unwrap();
        let ff = FamilyFields::of(&fam).unwrap();
        (fam, ff)
    }

    #[test]
    fn fields_are_derived_from_the_spec_as_the_dissector_names_them() {
        let (_, ff) = fields();
        let lua = genl_ynl::wireshark::dissector(SPEC).unwrap();
        let p = "genl_demo_fam";
        for (f, conv) in [
            ("main.id", Conv::Int),
            ("main.port", Conv::Int),
            ("main.color", Conv::Int),
            ("main.opts", Conv::Int),
            ("main.opts.c", Conv::Bool),
            ("main.label", Conv::Str),
            ("main.vals", Conv::Int),
            ("main.big", Conv::Int),
            ("main.tag", Conv::Int),
            ("main.on", Conv::Bool),
            ("main.blob", Conv::Bytes),
            ("main.addr", Conv::Addr),
            ("inner.x", Conv::Int),
        ] {
            let f = format!("{p}.{f}");
            assert_eq!(ff.conv(&f), conv, "{f}");
            assert!(ff.all.iter().any(|(x, _)| *x == f), "{f} not asked");
            assert!(
                lua.contains(&format!("\"{f}\"")),
                "the dissector has no {f}"
            );
        }
        // Nests have no value of their own; their attributes do.
        let names: Vec<&str> = ff.all.iter().map(|(f, _)| f.as_str()).collect();
        assert!(!names.contains(&"genl_demo_fam.main.inner"));
        assert!(!names.contains(&"genl_demo_fam.main.list"));
        assert!(names.contains(&"genl_demo_fam.extack.miss_type"));
        assert!(names.contains(&"netlink.hdr_seq"));
    }

    #[test]
    fn genl_values_become_what_tshark_shows() {
        let (fam, ff) = fields();
        let attrs = Value::parse_json(
            r#"{"id": 5, "port": 8080, "color": "green", "opts": ["a", "c"], "label": "hi",
                "inner": {"x": -3}, "list": [{"0": {"x": 1}}, {"1": {"x": 2}}],
                "vals": [7, 8], "big": 18446744073709551615, "tag": [1, 2], "on": true,
                "blob": "00ff", "addr": "10.0.0.1", "UnknownAttr(99)": "ab"}"#,
        )
        .unwrap();
        let Value::Map(attrs) = attrs else { panic!() };
        let mut want = Want::new();
        walk(&fam, &ff, Some(0), &attrs, &[], &mut want).unwrap();
        let get = |f: &str| {
            want.get(&format!("genl_demo_fam.{f}"))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(get("main.id"), ["5"]);
        assert_eq!(get("main.port"), ["8080"]);
        assert_eq!(get("main.color"), ["1"]);
        assert_eq!(get("main.opts"), ["5"]);
        assert_eq!(
            (get("main.opts.a"), get("main.opts.b"), get("main.opts.c")),
            (
                vec!["1".to_owned()],
                vec!["0".to_owned()],
                vec!["1".to_owned()]
            )
        );
        assert_eq!(get("main.label"), ["hi"]);
        assert_eq!(get("inner.x"), ["-3", "1", "2"]);
        assert_eq!(get("main.vals"), ["7", "8"]);
        assert_eq!(get("main.big"), ["18446744073709551615"]);
        assert_eq!(get("main.tag"), ["1", "2"]);
        assert_eq!(get("main.on"), ["1"]);
        assert_eq!(get("main.blob"), ["00ff"]);
        assert_eq!(get("main.addr"), ["10.0.0.1"]);
        assert_eq!(get("unknown"), ["1"]);
        // A key the set does not have is an error, not a silent pass.
        let bad = vec![("nope".to_owned(), Value::Int(1))];
        assert!(walk(&fam, &ff, Some(0), &bad, &[], &mut Want::new())
            .unwrap_err()
            .contains("nope"));
    }

    #[test]
    fn tshark_text_is_normalized() {
        assert_eq!(Conv::Int.tshark("0x0000001f").as_deref(), Some("31"));
        assert_eq!(Conv::Int.tshark("-22").as_deref(), Some("-22"));
        assert_eq!(Conv::Bool.tshark("True").as_deref(), Some("1"));
        assert_eq!(Conv::Bytes.tshark("68:65:6C").as_deref(), Some("68656c"));
        assert_eq!(Conv::Str.tshark(""), None);
        assert_eq!(Conv::Addr.tshark("fe80:0::1").as_deref(), Some("fe80::1"));
    }

    #[test]
    fn ambiguous_field_names_are_refused() {
        let spec = "name: x\nattribute-sets:\n  - name: a-b\n    attributes: [{ name: c, type: u8 }]\n  \
                    - name: a_b\n    attributes: [{ name: c, type: u8 }]\noperations: { list: [] }\n";
        let fam = SpecFamily::parse(spec).unwrap();
        assert!(FamilyFields::of(&fam)
            .err()
            .unwrap()
            .contains("genl_x.a_b.c"));
    }
}
