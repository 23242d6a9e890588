//! Messages to and from JSON through a [`Family`], with the JSON shapes of
//! the kernel's `tools/net/ynl/cli.py` (`lib/ynl.py`): an object per
//! attribute set keyed by attribute name, `multi-attr` attributes as arrays,
//! enums by entry name, flags as arrays of names, `binary` as lower-case
//! hex (or as its `struct`, `sub-type` array or `display-hint` form),
//! `bitfield32` as `{"value", "selector"}`, `indexed-array` nests as
//! `[{"index": {...}}]`, sub-messages by their selector, fixed-header
//! fields merged into the message's object.
//!
//! Where `cli.py` fails (a value outside an enum, a sub-message format the
//! spec does not list, an attribute the spec does not know without
//! `--process-unknown`), the decoder gives the number, the raw bytes in hex
//! or a [`CodecError`] naming the attribute, and never panics.

use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::family::{
    Attr, AttrSet, AttrType, ByteOrder, DisplayHint, EnumDef, Family, Op, StructDef,
};
use crate::value::Value;

/// `NLA_F_NESTED`.
const NLA_F_NESTED: u16 = 0x8000;
/// `NLA_TYPE_MASK`.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// An encode or decode failure: the attribute path (`.header.dev-name`)
/// and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    /// The attribute path, from the message: `.linkinfo.kind`; empty for
    /// the message itself.
    pub path: String,
    /// What went wrong.
    pub what: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "attribute `{}`: {}", &self.path[1..], self.what)
        }
    }
}

impl std::error::Error for CodecError {}

fn cerr(path: &str, what: impl Into<String>) -> CodecError {
    CodecError {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// Decoding options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Attributes the spec does not know are kept as `"UnknownAttr(ID)"`
    /// (raw hex, or decoded as nested unknown attributes when the kernel
    /// set `NLA_F_NESTED`), and `pad` attributes as their hex bytes, as
    /// `cli.py --process-unknown` does; otherwise an unknown attribute is
    /// an error and `pad` attributes are left out.
    pub process_unknown: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            process_unknown: true,
        }
    }
}

/// The attributes decoded so far at one nesting level, and the levels
/// around it: where a sub-message's selector is looked up.
struct Scope<'s> {
    set: &'s AttrSet,
    vals: &'s [(String, Value)],
    outer: Option<&'s Scope<'s>>,
}

impl Scope<'_> {
    /// `SpaceAttrs.lookup` of ynl.py: the innermost level whose set has an
    /// attribute `name` must hold its value.
    fn lookup(&self, name: &str, path: &str) -> Result<&Value, CodecError> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if sc.set.attr(name).is_some() {
                return sc
                    .vals
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .ok_or_else(|| {
                        cerr(
                            path,
                            format!(
                                "no value for the selector `{name}` in attribute set `{}`",
                                sc.set.name
                            ),
                        )
                    });
            }
            s = sc.outer;
        }
        Err(cerr(
            path,
            format!("the selector `{name}` is in no enclosing attribute set"),
        ))
    }
}

/// A selector's value as the format key it is compared with.
fn selector_key(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        v => v.to_python_json(),
    }
}

/// One attribute TLV.
struct Tlv<'b> {
    id: u16,
    nested: bool,
    raw: &'b [u8],
}

/// Splits `bytes` into attributes; an error names the byte offset.
fn tlvs<'b>(bytes: &'b [u8], path: &str) -> Result<Vec<Tlv<'b>>, CodecError> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < bytes.len() {
        let rest = &bytes[off..];
        if rest.len() < 4 {
            return Err(cerr(
                path,
                format!(
                    "{} stray bytes at offset {off} (not an attribute)",
                    rest.len()
                ),
            ));
        }
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        let ty = u16::from_ne_bytes([rest[2], rest[3]]);
        if len < 4 || len > rest.len() {
            return Err(cerr(
                path,
                format!(
                    "attribute at offset {off} has length {len}, {} bytes remain",
                    rest.len()
                ),
            ));
        }
        out.push(Tlv {
            id: ty & NLA_TYPE_MASK,
            nested: ty & NLA_F_NESTED != 0,
            raw: &rest[4..len],
        });
        off += (len + 3) & !3;
    }
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// A fixed-width integer from `raw` (exactly its width).
fn read_int(raw: &[u8], ty: AttrType, order: ByteOrder) -> Option<i128> {
    let (w, signed) = ty.int_width()?;
    if raw.len() != w {
        return None;
    }
    let mut b = [0u8; 8];
    b[..w].copy_from_slice(raw);
    let be = match order {
        ByteOrder::Big => true,
        ByteOrder::Little => false,
        ByteOrder::Host => cfg!(target_endian = "big"),
    };
    let u: u64 = if be {
        let mut x = 0u64;
        for &c in &raw[..w] {
            x = (x << 8) | u64::from(c);
        }
        x
    } else {
        let mut x = 0u64;
        for &c in raw[..w].iter().rev() {
            x = (x << 8) | u64::from(c);
        }
        x
    };
    Some(if signed {
        let shift = 64 - 8 * w as u32;
        i128::from(((u << shift) as i64) >> shift)
    } else {
        i128::from(u)
    })
}

/// Writes `v` as a fixed-width integer; `None` if it does not fit.
fn write_int(out: &mut Vec<u8>, v: i128, ty: AttrType, order: ByteOrder) -> Option<()> {
    let (w, signed) = ty.int_width()?;
    let bits = 8 * w as u32;
    let (lo, hi) = if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    if v < lo || v > hi {
        return None;
    }
    let u = v as u64;
    let be = match order {
        ByteOrder::Big => true,
        ByteOrder::Little => false,
        ByteOrder::Host => cfg!(target_endian = "big"),
    };
    for i in 0..w {
        let shift = if be { 8 * (w - 1 - i) } else { 8 * i };
        out.push((u >> shift) as u8);
    }
    Some(())
}

/// Python's `hex(n)`.
fn py_hex(n: i128) -> String {
    if n < 0 {
        format!("-0x{:x}", n.unsigned_abs())
    } else {
        format!("0x{n:x}")
    }
}

/// Python 3.11's `str(ipaddress.IPv6Address)`: the longest run of two or
/// more zero groups (the first of equal runs) becomes `::`; no dotted
/// IPv4 tail.
fn py_ipv6(a: Ipv6Addr) -> String {
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
fn ip_text_int(n: i128) -> Option<String> {
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

fn ip_text_bytes(b: &[u8]) -> Option<String> {
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
fn format_int(n: i128, hint: DisplayHint) -> Value {
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
fn format_bytes(b: &[u8], hint: Option<DisplayHint>) -> Value {
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
fn from_hex(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut it = s.chars().filter(|c| !c.is_ascii_whitespace());
    loop {
        let Some(a) = it.next() else { return Some(out) };
        let b = it.next()?;
        out.push(u8::try_from(a.to_digit(16)? * 16 + b.to_digit(16)?).ok()?);
    }
}

fn child(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

/// `_rsp_add` of ynl.py: a multi-attr attribute is an array; a repeated
/// unknown attribute becomes an array at its second occurrence.
fn rsp_add(rsp: &mut Vec<(String, Value)>, name: &str, multi: Option<bool>, v: Value) {
    let multi = match multi {
        Some(m) => m,
        None => match rsp.iter_mut().find(|(k, _)| k == name) {
            Some((_, slot @ Value::Map(_)))
            | Some((_, slot @ Value::Str(_)))
            | Some((_, slot @ Value::Int(_)))
            | Some((_, slot @ Value::Bool(_)))
            | Some((_, slot @ Value::Null)) => {
                let first = std::mem::replace(slot, Value::Null);
                *slot = Value::List(vec![first, v]);
                return;
            }
            _ => false,
        },
    };
    if !multi {
        Value::set(rsp, name, v);
        return;
    }
    match rsp.iter_mut().find(|(k, _)| k == name) {
        Some((_, Value::List(l))) => l.push(v),
        Some((_, slot)) => *slot = Value::List(vec![v]),
        None => rsp.push((name.to_owned(), Value::List(vec![v]))),
    }
}

impl Family {
    fn enum_def(&self, name: &str, path: &str) -> Result<&EnumDef, CodecError> {
        self.enums
            .get(name)
            .ok_or_else(|| cerr(path, format!("the spec has no enum `{name}`")))
    }

    fn struct_def(&self, name: &str, path: &str) -> Result<&StructDef, CodecError> {
        self.structs
            .get(name)
            .ok_or_else(|| cerr(path, format!("the spec has no struct `{name}`")))
    }

    /// `_decode_enum`: a name, or an array of names for flags; values the
    /// spec does not name stay numbers.
    fn decode_enum(
        &self,
        raw: i128,
        enum_: &str,
        as_flags: bool,
        path: &str,
    ) -> Result<Value, CodecError> {
        let e = self.enum_def(enum_, path)?;
        if e.flags || as_flags {
            let mut out = Vec::new();
            let mut bits = raw as u128;
            let mut i = 0u32;
            while bits != 0 && i < 128 {
                if bits & 1 != 0 {
                    out.push(match e.name_of(u64::from(i)) {
                        Some(n) => Value::Str(n.to_owned()),
                        None => Value::Int(1i128.checked_shl(i).unwrap_or(0)),
                    });
                }
                bits >>= 1;
                i += 1;
            }
            Ok(Value::List(out))
        } else {
            Ok(match u64::try_from(raw).ok().and_then(|v| e.name_of(v)) {
                Some(n) => Value::Str(n.to_owned()),
                None => Value::Int(raw),
            })
        }
    }

    /// Decodes a message of `op` (a reply, or a notification): the bytes
    /// after the genl header (generic netlink) or the `nlmsghdr` (classic
    /// netlink): the fixed header, if any, then the attributes.
    pub fn decode_message(
        &self,
        op: &Op,
        payload: &[u8],
        opts: DecodeOptions,
    ) -> Result<Value, CodecError> {
        let fh = self.struct_size(op.fixed_header.as_deref());
        if payload.len() < fh {
            return Err(cerr(
                "",
                format!(
                    "a {}-byte message is shorter than its {fh}-byte fixed header",
                    payload.len()
                ),
            ));
        }
        let set = op.attr_set.map(|i| &self.sets[i]);
        let mut rsp = self.decode_attrs(&payload[fh..], set, None, "", opts)?;
        if let Some(h) = &op.fixed_header {
            for (k, v) in self.decode_struct(h, &payload[..fh], "")? {
                Value::set(&mut rsp, &k, v);
            }
        }
        Ok(Value::Map(rsp))
    }

    fn decode_attrs(
        &self,
        bytes: &[u8],
        set: Option<&AttrSet>,
        outer: Option<&Scope<'_>>,
        path: &str,
        opts: DecodeOptions,
    ) -> Result<Vec<(String, Value)>, CodecError> {
        let mut rsp: Vec<(String, Value)> = Vec::new();
        for t in tlvs(bytes, path)? {
            let spec = set.and_then(|s| s.attr_by_id(t.id));
            let Some(a) = spec else {
                if !opts.process_unknown {
                    return Err(cerr(
                        path,
                        match set {
                            Some(s) => format!(
                                "attribute set `{}` has no attribute with id {}",
                                s.name, t.id
                            ),
                            None => format!("attribute {} of an unknown set", t.id),
                        },
                    ));
                }
                let name = format!("UnknownAttr({})", t.id);
                let v = self.decode_unknown(&t, &child(path, &name), opts)?;
                rsp_add(&mut rsp, &name, None, v);
                continue;
            };
            let here = child(path, &a.name);
            let v = match a.ty {
                AttrType::Nest => {
                    let nested = a.nested.map(|i| &self.sets[i]);
                    let scope = set.map(|s| Scope {
                        set: s,
                        vals: &rsp,
                        outer,
                    });
                    Value::Map(self.decode_attrs(t.raw, nested, scope.as_ref(), &here, opts)?)
                }
                AttrType::String => Value::Str(strz(t.raw)),
                AttrType::Binary => self.decode_binary(a, t.raw, &here)?,
                AttrType::Flag => Value::Bool(true),
                AttrType::Uint | AttrType::Sint => {
                    let w = match (t.raw.len(), a.ty) {
                        (4, AttrType::Uint) => AttrType::U32,
                        (8, AttrType::Uint) => AttrType::U64,
                        (4, _) => AttrType::S32,
                        (8, _) => AttrType::S64,
                        (n, _) => {
                            return Err(cerr(
                                &here,
                                format!("a variable-width integer has 4 or 8 bytes, not {n}"),
                            ))
                        }
                    };
                    Value::Int(read_int(t.raw, w, a.byte_order).unwrap_or_default())
                }
                AttrType::U8
                | AttrType::U16
                | AttrType::U32
                | AttrType::U64
                | AttrType::S8
                | AttrType::S16
                | AttrType::S32
                | AttrType::S64 => {
                    let n = read_int(t.raw, a.ty, a.byte_order).ok_or_else(|| {
                        cerr(
                            &here,
                            format!(
                                "a {}-byte integer arrived in {} bytes",
                                a.ty.int_width().map_or(0, |w| w.0),
                                t.raw.len()
                            ),
                        )
                    })?;
                    match (&a.enum_, a.display_hint) {
                        (Some(e), _) => self.decode_enum(n, e, a.enum_as_flags, &here)?,
                        (None, Some(h)) => format_int(n, h),
                        (None, None) => Value::Int(n),
                    }
                }
                AttrType::IndexedArray => self.decode_array(a, t.raw, &here, opts)?,
                AttrType::Bitfield32 => {
                    if t.raw.len() != 8 {
                        return Err(cerr(
                            &here,
                            format!("a bitfield32 has 8 bytes, not {}", t.raw.len()),
                        ));
                    }
                    let v =
                        read_int(&t.raw[..4], AttrType::U32, ByteOrder::Host).unwrap_or_default();
                    let s =
                        read_int(&t.raw[4..], AttrType::U32, ByteOrder::Host).unwrap_or_default();
                    let (v, s) = match &a.enum_ {
                        Some(e) => (
                            self.decode_enum(v, e, a.enum_as_flags, &here)?,
                            self.decode_enum(s, e, a.enum_as_flags, &here)?,
                        ),
                        None => (Value::Int(v), Value::Int(s)),
                    };
                    Value::Map(vec![("value".into(), v), ("selector".into(), s)])
                }
                AttrType::SubMessage => {
                    let scope = set.map(|s| Scope {
                        set: s,
                        vals: &rsp,
                        outer,
                    });
                    self.decode_sub_message(a, t.raw, scope.as_ref(), &here, opts)?
                }
                AttrType::NestTypeValue => self.decode_nest_type_value(a, t.raw, &here, opts)?,
                AttrType::Pad | AttrType::Unused => {
                    if !opts.process_unknown {
                        continue;
                    }
                    self.decode_unknown(&t, &here, opts)?
                }
            };
            rsp_add(&mut rsp, &a.name, Some(a.multi), v);
        }
        Ok(rsp)
    }

    fn decode_unknown(
        &self,
        t: &Tlv<'_>,
        path: &str,
        opts: DecodeOptions,
    ) -> Result<Value, CodecError> {
        if t.nested {
            Ok(Value::Map(
                self.decode_attrs(t.raw, None, None, path, opts)?,
            ))
        } else {
            Ok(Value::Str(hex(t.raw)))
        }
    }

    fn decode_binary(&self, a: &Attr, raw: &[u8], path: &str) -> Result<Value, CodecError> {
        if let Some(s) = &a.struct_ {
            return Ok(Value::Map(self.decode_struct(s, raw, path)?));
        }
        if let Some(st) = a.sub_type {
            if let Some((w, _)) = st.int_width() {
                if raw.len() % w != 0 {
                    return Err(cerr(
                        path,
                        format!("{} bytes are not an array of {w}-byte integers", raw.len()),
                    ));
                }
                return Ok(Value::List(
                    raw.chunks(w)
                        .map(|c| Value::Int(read_int(c, st, ByteOrder::Host).unwrap_or_default()))
                        .collect(),
                ));
            }
        }
        Ok(format_bytes(raw, a.display_hint))
    }

    fn decode_array(
        &self,
        a: &Attr,
        raw: &[u8],
        path: &str,
        opts: DecodeOptions,
    ) -> Result<Value, CodecError> {
        let mut out = Vec::new();
        for item in tlvs(raw, path)? {
            let v = match a.sub_type {
                Some(AttrType::Nest) => {
                    let nested = a.nested.map(|i| &self.sets[i]);
                    let p = format!("{path}[{}]", item.id);
                    Value::Map(vec![(
                        item.id.to_string(),
                        Value::Map(self.decode_attrs(item.raw, nested, None, &p, opts)?),
                    )])
                }
                Some(AttrType::Binary) => format_bytes(item.raw, a.display_hint),
                Some(t) if t.int_width().is_some() => {
                    let n = read_int(item.raw, t, a.byte_order).ok_or_else(|| {
                        cerr(
                            path,
                            format!(
                                "item {} has {} bytes, not an integer",
                                item.id,
                                item.raw.len()
                            ),
                        )
                    })?;
                    match a.display_hint {
                        Some(h) => format_int(n, h),
                        None => Value::Int(n),
                    }
                }
                t => {
                    return Err(cerr(
                        path,
                        format!("indexed-array of {t:?} items is not supported"),
                    ))
                }
            };
            out.push(v);
        }
        Ok(Value::List(out))
    }

    fn decode_sub_message(
        &self,
        a: &Attr,
        raw: &[u8],
        scope: Option<&Scope<'_>>,
        path: &str,
        opts: DecodeOptions,
    ) -> Result<Value, CodecError> {
        let sm_name = a.sub_message.as_deref().unwrap_or_default();
        let sm = self
            .sub_messages
            .get(sm_name)
            .ok_or_else(|| cerr(path, format!("the spec has no sub-message `{sm_name}`")))?;
        let sel = a.selector.as_deref().unwrap_or_default();
        let scope = scope.ok_or_else(|| cerr(path, "a sub-message outside any attribute set"))?;
        let key = selector_key(scope.lookup(sel, path)?);
        // A format the spec does not list: the raw bytes (cli.py fails).
        let Some(fmt) = sm.format(&key) else {
            return Ok(Value::Str(hex(raw)));
        };
        let mut out = Vec::new();
        let mut off = 0;
        if let Some(h) = &fmt.fixed_header {
            out = self.decode_struct(h, raw, path)?;
            off = self.struct_size(Some(h)).min(raw.len());
        }
        if let Some(s) = fmt.attr_set {
            for (k, v) in self.decode_attrs(&raw[off..], Some(&self.sets[s]), None, path, opts)? {
                Value::set(&mut out, &k, v);
            }
        }
        Ok(Value::Map(out))
    }

    fn decode_nest_type_value(
        &self,
        a: &Attr,
        raw: &[u8],
        path: &str,
        opts: DecodeOptions,
    ) -> Result<Value, CodecError> {
        let mut out = Vec::new();
        let mut cur = raw;
        for name in &a.type_value {
            let first = tlvs(cur, path)?
                .into_iter()
                .next()
                .ok_or_else(|| cerr(path, format!("no attribute holds the `{name}` value")))?;
            out.push((name.clone(), Value::Int(first.id.into())));
            cur = first.raw;
        }
        let nested = a.nested.map(|i| &self.sets[i]);
        for (k, v) in self.decode_attrs(cur, nested, None, path, opts)? {
            Value::set(&mut out, &k, v);
        }
        Ok(Value::Map(out))
    }

    /// `_decode_struct`: the members of struct `name` from `data`.
    pub fn decode_struct(
        &self,
        name: &str,
        data: &[u8],
        path: &str,
    ) -> Result<Vec<(String, Value)>, CodecError> {
        let st = self.struct_def(name, path)?;
        let mut out = Vec::new();
        let mut off = 0;
        for m in &st.members {
            let here = child(path, &m.name);
            let end = (off + m.size).min(data.len());
            let part = &data[off.min(data.len())..end];
            let v = match m.ty {
                AttrType::Pad => {
                    off += m.size;
                    continue;
                }
                AttrType::Binary => match &m.struct_ {
                    Some(s) => Value::Map(self.decode_struct(s, part, &here)?),
                    None => match m.display_hint {
                        Some(h) => format_bytes(part, Some(h)),
                        None => Value::Str(hex(part)),
                    },
                },
                AttrType::String => Value::Str(strz(part)),
                t => {
                    let n = read_int(part, t, m.byte_order).ok_or_else(|| {
                        cerr(
                            &here,
                            format!(
                                "struct `{name}` is cut short: {} bytes, member `{}` ends at {}",
                                data.len(),
                                m.name,
                                off + m.size
                            ),
                        )
                    })?;
                    match (&m.enum_, m.display_hint) {
                        (Some(e), _) => self.decode_enum(n, e, m.enum_as_flags, &here)?,
                        (None, Some(h)) => format_int(n, h),
                        (None, None) => Value::Int(n),
                    }
                }
            };
            off += m.size;
            out.push((m.name.clone(), v));
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------
    // Encoding.

    /// Encodes a request of `op` from `vals` (a JSON object, or `null` for
    /// none): the fixed header, if any, then the attributes, in the
    /// object's order. The bytes follow the genl header (generic netlink)
    /// or the `nlmsghdr` (classic netlink).
    pub fn encode_message(&self, op: &Op, vals: &Value) -> Result<Vec<u8>, CodecError> {
        let mut map = match vals {
            Value::Null => Vec::new(),
            Value::Map(m) => m.clone(),
            v => {
                return Err(cerr(
                    "",
                    format!("the request must be a JSON object, not {}", v.kind()),
                ))
            }
        };
        let mut out = Vec::new();
        if let Some(h) = &op.fixed_header {
            self.encode_struct(h, &mut map, &mut out, "")?;
            pad4(&mut out);
        }
        if !map.is_empty() {
            let set_i = op
                .attr_set
                .ok_or_else(|| cerr("", format!("operation `{}` has no attribute set", op.name)))?;
            let set = &self.sets[set_i];
            let scope = Scope {
                set,
                vals: &map,
                outer: None,
            };
            for (k, v) in &map {
                self.add_attr(set, k, v, &scope, &mut out, "")?;
            }
        }
        Ok(out)
    }

    /// The integer of `value` for an attribute or member with enum `enum_`:
    /// a number (or a string of one), else enum entry names.
    fn get_scalar(
        &self,
        value: &Value,
        enum_: Option<&str>,
        as_flags: bool,
        path: &str,
    ) -> Result<i128, CodecError> {
        match value {
            Value::Int(n) => return Ok(*n),
            Value::Bool(b) => return Ok(i128::from(*b)),
            Value::Str(s) => {
                if let Ok(n) = s.trim().parse::<i128>() {
                    return Ok(n);
                }
            }
            _ => {}
        }
        let Some(e) = enum_ else {
            return Err(cerr(
                path,
                format!("expected an integer, found {} ({value})", value.kind()),
            ));
        };
        let e = self.enum_def(e, path)?;
        let entry = |name: &Value| -> Result<u64, CodecError> {
            let Value::Str(n) = name else {
                return Err(cerr(
                    path,
                    format!("expected a name of enum `{}`, found {name}", e.name),
                ));
            };
            e.value_of(n).ok_or_else(|| {
                cerr(
                    path,
                    format!(
                        "`{n}` is not an entry of {} `{}` (entries: {})",
                        if e.flags { "flags" } else { "enum" },
                        e.name,
                        e.entries
                            .iter()
                            .map(|x| x.0.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
        };
        if e.flags || as_flags {
            let items: Vec<&Value> = match value {
                Value::List(l) => l.iter().collect(),
                v => vec![v],
            };
            let mut mask: i128 = 0;
            for it in items {
                mask += 1i128 << entry(it)?;
            }
            Ok(mask)
        } else {
            entry(value).map(i128::from)
        }
    }

    fn encode_struct(
        &self,
        name: &str,
        vals: &mut Vec<(String, Value)>,
        out: &mut Vec<u8>,
        path: &str,
    ) -> Result<(), CodecError> {
        let st = self.struct_def(name, path)?;
        for m in &st.members {
            let here = child(path, &m.name);
            let value = vals
                .iter()
                .position(|(k, _)| k == &m.name)
                .map(|i| vals.remove(i).1);
            match (m.ty, &m.struct_) {
                (AttrType::Pad, _) => out.resize(out.len() + m.size, 0),
                (AttrType::Binary, Some(s)) => {
                    let mut inner = match value {
                        None | Some(Value::Null) => Vec::new(),
                        Some(Value::Map(m)) => m,
                        Some(v) => {
                            return Err(cerr(
                                &here,
                                format!("struct `{s}` is a JSON object, not {}", v.kind()),
                            ))
                        }
                    };
                    self.encode_struct(s, &mut inner, out, &here)?;
                }
                (AttrType::Binary | AttrType::String, None) => match value {
                    None | Some(Value::Null) => out.resize(out.len() + m.size, 0),
                    Some(Value::Str(s)) => {
                        let mut b = if m.ty == AttrType::String {
                            s.as_bytes().to_vec()
                        } else {
                            parse_binary(&s, m.display_hint)
                                .ok_or_else(|| cerr(&here, format!("`{s}` is not hex bytes")))?
                        };
                        if b.len() > m.size || (m.ty == AttrType::Binary && b.len() != m.size) {
                            return Err(cerr(
                                &here,
                                format!("{} bytes for a {}-byte member", b.len(), m.size),
                            ));
                        }
                        b.resize(m.size, 0);
                        out.extend_from_slice(&b);
                    }
                    Some(v) => {
                        return Err(cerr(
                            &here,
                            format!("expected a hex string, found {}", v.kind()),
                        ))
                    }
                },
                (t, _) => {
                    let n = match value {
                        None | Some(Value::Null) => 0,
                        Some(v) => {
                            self.get_scalar(&v, m.enum_.as_deref(), m.enum_as_flags, &here)?
                        }
                    };
                    write_int(out, n, t, m.byte_order).ok_or_else(|| {
                        cerr(&here, format!("{n} does not fit in a {t:?} member"))
                    })?;
                }
            }
        }
        Ok(())
    }

    fn add_attr(
        &self,
        set: &AttrSet,
        name: &str,
        value: &Value,
        scope: &Scope<'_>,
        out: &mut Vec<u8>,
        path: &str,
    ) -> Result<(), CodecError> {
        let here = child(path, name);
        let a = set.attr(name).ok_or_else(|| {
            cerr(
                &here,
                format!(
                    "attribute set `{}` has no attribute `{name}` (it has: {})",
                    set.name,
                    set.attrs
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if let (true, Value::List(items)) = (a.multi, value) {
            for v in items {
                self.add_attr(set, name, v, scope, out, path)?;
            }
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let mut ty = a.id;
        match a.ty {
            AttrType::Nest => {
                ty |= NLA_F_NESTED;
                let Value::Map(m) = value else {
                    return Err(cerr(
                        &here,
                        format!("a nest is a JSON object, not {}", value.kind()),
                    ));
                };
                let nested = a
                    .nested
                    .map(|i| &self.sets[i])
                    .ok_or_else(|| cerr(&here, "the nest names no attribute set"))?;
                let inner = Scope {
                    set: nested,
                    vals: m,
                    outer: Some(scope),
                };
                for (k, v) in m {
                    self.add_attr(nested, k, v, &inner, out, &here)?;
                }
            }
            AttrType::Flag => {
                if !value.truthy() {
                    out.truncate(start);
                    return Ok(());
                }
            }
            AttrType::String => match value {
                Value::Str(s) => {
                    out.extend_from_slice(s.as_bytes());
                    out.push(0);
                }
                Value::Int(n) => {
                    out.extend_from_slice(n.to_string().as_bytes());
                    out.push(0);
                }
                v => {
                    return Err(cerr(
                        &here,
                        format!("expected a string, found {}", v.kind()),
                    ))
                }
            },
            AttrType::Binary => match (value, &a.struct_) {
                (Value::Str(s), _) => {
                    let b = parse_binary(s, a.display_hint).ok_or_else(|| {
                        cerr(
                            &here,
                            format!("`{s}` is not hex bytes{}", hint_help(a.display_hint)),
                        )
                    })?;
                    out.extend_from_slice(&b);
                }
                (Value::Map(m), Some(st)) => {
                    let mut m = m.clone();
                    self.encode_struct(st, &mut m, out, &here)?;
                    if let Some((k, _)) = m.first() {
                        return Err(cerr(&here, format!("struct `{st}` has no member `{k}`")));
                    }
                }
                (v, _) => {
                    return Err(cerr(
                        &here,
                        format!("expected a hex string, found {}", v.kind()),
                    ))
                }
            },
            AttrType::Uint | AttrType::Sint => {
                let n = self.scalar_for(a, value, &here)?;
                let t = match (a.ty, n) {
                    (AttrType::Uint, n) if (0..=i128::from(u32::MAX)).contains(&n) => AttrType::U32,
                    (AttrType::Uint, _) => AttrType::U64,
                    (_, n) if i32::try_from(n).is_ok() => AttrType::S32,
                    _ => AttrType::S64,
                };
                write_int(out, n, t, a.byte_order)
                    .ok_or_else(|| cerr(&here, format!("{n} does not fit in 64 bits")))?;
            }
            AttrType::U8
            | AttrType::U16
            | AttrType::U32
            | AttrType::U64
            | AttrType::S8
            | AttrType::S16
            | AttrType::S32
            | AttrType::S64 => {
                let n = self.scalar_for(a, value, &here)?;
                write_int(out, n, a.ty, a.byte_order)
                    .ok_or_else(|| cerr(&here, format!("{n} does not fit in {:?}", a.ty)))?;
            }
            AttrType::Bitfield32 => {
                let Value::Map(_) = value else {
                    return Err(cerr(
                        &here,
                        "a bitfield32 is {\"value\": ..., \"selector\": ...}",
                    ));
                };
                for k in ["value", "selector"] {
                    let v = value
                        .get(k)
                        .ok_or_else(|| cerr(&here, format!("a bitfield32 needs `{k}`")))?;
                    let n = self.get_scalar(v, a.enum_.as_deref(), a.enum_as_flags, &here)?;
                    write_int(out, n, AttrType::U32, ByteOrder::Host)
                        .ok_or_else(|| cerr(&here, format!("{k} {n} does not fit in 32 bits")))?;
                }
            }
            AttrType::SubMessage => {
                let sm_name = a.sub_message.as_deref().unwrap_or_default();
                let sm = self.sub_messages.get(sm_name).ok_or_else(|| {
                    cerr(&here, format!("the spec has no sub-message `{sm_name}`"))
                })?;
                let sel = a.selector.as_deref().unwrap_or_default();
                let key = selector_key(scope.lookup(sel, &here)?);
                let fmt = sm.format(&key).ok_or_else(|| {
                    cerr(
                        &here,
                        format!(
                            "sub-message `{sm_name}` has no format for `{sel}` = `{key}` (it has: {})",
                            sm.formats
                                .iter()
                                .map(|f| f.value.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
                let Value::Map(m) = value else {
                    return Err(cerr(
                        &here,
                        format!("a sub-message is a JSON object, not {}", value.kind()),
                    ));
                };
                let mut m = m.clone();
                if let Some(h) = &fmt.fixed_header {
                    self.encode_struct(h, &mut m, out, &here)?;
                }
                if let Some(s) = fmt.attr_set {
                    ty |= NLA_F_NESTED;
                    let set = &self.sets[s];
                    let inner = Scope {
                        set,
                        vals: &m,
                        outer: Some(scope),
                    };
                    for (k, v) in &m {
                        self.add_attr(set, k, v, &inner, out, &here)?;
                    }
                }
            }
            t @ (AttrType::Pad
            | AttrType::Unused
            | AttrType::IndexedArray
            | AttrType::NestTypeValue) => {
                return Err(cerr(
                    &here,
                    format!("sending {t:?} attributes is not supported (cli.py cannot either)"),
                ))
            }
        }
        let len = out.len() - start;
        let len16 = u16::try_from(len)
            .map_err(|_| cerr(&here, format!("{len} bytes exceed an attribute's 65535")))?;
        out[start..start + 2].copy_from_slice(&len16.to_ne_bytes());
        out[start + 2..start + 4].copy_from_slice(&ty.to_ne_bytes());
        pad4(out);
        Ok(())
    }

    /// An integer attribute's value: a number, enum names, or (with an
    /// `ipv4` hint) a dotted address.
    fn scalar_for(&self, a: &Attr, value: &Value, path: &str) -> Result<i128, CodecError> {
        if let (Some(DisplayHint::Ipv4), Value::Str(s)) = (a.display_hint, value) {
            if let Ok(ip) = s.parse::<Ipv4Addr>() {
                return Ok(u32::from(ip).into());
            }
        }
        self.get_scalar(value, a.enum_.as_deref(), a.enum_as_flags, path)
    }

    /// The path of the attribute at byte `offset` of `attrs` (a request's
    /// attributes, as [`encode_message`](Self::encode_message) wrote them
    /// after its fixed header), as `cli.py` reports an extended ACK's
    /// `bad-attr`: `.header.dev-name`.
    pub fn attr_path_at(&self, op: &Op, attrs: &[u8], offset: usize) -> Option<String> {
        let set = &self.sets[op.attr_set?];
        self.path_in(set, attrs, 0, offset)
    }

    fn path_in(&self, set: &AttrSet, bytes: &[u8], base: usize, target: usize) -> Option<String> {
        let mut off = base;
        for t in tlvs(bytes, "").ok()? {
            let a = set.attr_by_id(t.id);
            let full = (t.raw.len() + 4 + 3) & !3;
            if off > target {
                return None;
            }
            if off == target {
                return Some(format!(
                    ".{}",
                    a.map_or_else(|| t.id.to_string(), |a| a.name.clone())
                ));
            }
            if off + full <= target {
                off += full;
                continue;
            }
            let a = a?;
            let inner = match a.ty {
                AttrType::Nest => &self.sets[a.nested?],
                _ => return Some(format!(".{}", a.name)),
            };
            let sub = self.path_in(inner, t.raw, off + 4, target)?;
            return Some(format!(".{}{sub}", a.name));
        }
        None
    }

    /// The set an extended ACK's `miss-nest` offset points into, for
    /// naming a missing attribute: the nest at byte `offset` of `attrs`.
    pub fn nest_set_at(&self, op: &Op, attrs: &[u8], offset: usize) -> Option<&AttrSet> {
        let mut set = &self.sets[op.attr_set?];
        let mut bytes = attrs;
        let mut off = 0;
        'outer: loop {
            for t in tlvs(bytes, "").ok()? {
                let full = (t.raw.len() + 4 + 3) & !3;
                if off + full <= offset {
                    off += full;
                    continue;
                }
                let a = set.attr_by_id(t.id)?;
                let inner = &self.sets[a.nested?];
                if off == offset {
                    return Some(inner);
                }
                set = inner;
                bytes = t.raw;
                off += 4;
                continue 'outer;
            }
            return None;
        }
    }
}

fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// A string attribute's text: up to the first NUL.
fn strz(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// A `binary` value from JSON: hex (as `cli.py` takes it), or the form its
/// display hint prints (`10.0.0.1`, `fe80::1`, `aa:bb:cc:dd:ee:ff`).
fn parse_binary(s: &str, hint: Option<DisplayHint>) -> Option<Vec<u8>> {
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

fn hint_help(h: Option<DisplayHint>) -> &'static str {
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
    fn ipv6_text_is_pythons() {
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
