//! Decoding: netlink attributes (and fixed headers) to JSON values.

use super::*;

/// `_rsp_add` of ynl.py: a multi-attr attribute is an array; a repeated
/// unknown attribute becomes an array at its second occurrence.
pub(super) fn rsp_add(rsp: &mut Vec<(String, Value)>, name: &str, multi: Option<bool>, v: Value) {
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

impl SpecFamily {
    /// `_decode_enum`: a name, or an array of names for flags; values the
    /// spec does not name stay numbers.
    pub(super) fn decode_enum(
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

    pub(super) fn decode_attrs(
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

    pub(super) fn decode_unknown(
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

    pub(super) fn decode_binary(
        &self,
        a: &Attr,
        raw: &[u8],
        path: &str,
    ) -> Result<Value, CodecError> {
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

    pub(super) fn decode_array(
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

    pub(super) fn decode_sub_message(
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

    pub(super) fn decode_nest_type_value(
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
}
