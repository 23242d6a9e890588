//! Encoding: JSON values to a request's fixed header and attributes.

use super::*;

impl SpecFamily {
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
    pub(super) fn get_scalar(
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

    pub(super) fn encode_struct(
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

    pub(super) fn add_attr(
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
    pub(super) fn scalar_for(
        &self,
        a: &Attr,
        value: &Value,
        path: &str,
    ) -> Result<i128, CodecError> {
        if let (Some(DisplayHint::Ipv4), Value::Str(s)) = (a.display_hint, value) {
            if let Ok(ip) = s.parse::<Ipv4Addr>() {
                return Ok(u32::from(ip).into());
            }
        }
        self.get_scalar(value, a.enum_.as_deref(), a.enum_as_flags, path)
    }
}
