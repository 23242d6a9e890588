//! `definitions`: constants, enums, flags and C structs.

use serde_yaml_ng::{Mapping, Value as Yaml};

use super::yaml::*;
use super::*;

impl SpecFamily {
    /// An integer: a number, or the name of an integer `const` definition.
    pub(super) fn int_or_const(&self, v: &Yaml, at: &str) -> Result<i128, SpecError> {
        if let Some(n) = v.as_i64() {
            return Ok(n.into());
        }
        if let Some(n) = v.as_u64() {
            return Ok(n.into());
        }
        match v.as_str() {
            Some(s) => match self.consts.get(s) {
                Some(&n) => Ok(n),
                None => s
                    .parse::<i128>()
                    .map_err(|_| err(at, format!("`{s}` is not a number or a known constant"))),
            },
            None => Err(err(
                at,
                format!("expected a number, found {}", yaml_kind(v)),
            )),
        }
    }

    pub(super) fn load_definitions(&mut self, top: &Mapping) -> Result<(), SpecError> {
        let defs = seq(top, "definitions", "")?;
        // Constants first: others may refer to them.
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            if opt_str(m, "type", &at)? == Some("const") {
                let name = req_str(m, "name", &at)?;
                // A const that is not an integer (a string) is simply unused.
                if let Some(v) = key(m, "value") {
                    if let Ok(n) = self.int_or_const(v, &at) {
                        self.consts.insert(name.to_owned(), n);
                    }
                }
            }
        }
        // Enums and flags.
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            let name = req_str(m, "name", &at)?;
            let ty = req_str(m, "type", &at)?;
            match ty {
                "enum" | "flags" => {
                    let mut val: i128 = match key(m, "value-start") {
                        None | Some(Yaml::Null) => 0,
                        Some(v) => self.int_or_const(v, &format!("{at}/value-start"))?,
                    };
                    let mut entries = Vec::new();
                    for (j, e) in seq(m, "entries", &at)?.iter().enumerate() {
                        let eat = format!("{at}/entries/{}", elem_name(e, j));
                        let ename = match e {
                            Yaml::String(s) => s.clone(),
                            Yaml::Mapping(em) => {
                                if let Some(v) = key(em, "value") {
                                    val = self.int_or_const(v, &eat)?;
                                }
                                req_str(em, "name", &eat)?.to_owned()
                            }
                            v => {
                                return Err(err(
                                    eat,
                                    format!("expected a name or a map, found {}", yaml_kind(v)),
                                ))
                            }
                        };
                        let v = u64::try_from(val)
                            .map_err(|_| err(&eat, format!("value {val} is negative")))?;
                        if ty == "flags" && v > 63 {
                            return Err(err(eat, format!("flag bit {v} exceeds 63")));
                        }
                        entries.push((ename, v));
                        val += 1;
                    }
                    self.enums.insert(
                        name.to_owned(),
                        EnumDef {
                            name: name.to_owned(),
                            flags: ty == "flags",
                            entries,
                        },
                    );
                }
                "const" | "struct" => {}
                t => return Err(err(at, format!("unknown definition type `{t}`"))),
            }
        }
        // Structs, which may nest structs defined later.
        let mut pending: Vec<(String, &Mapping)> = Vec::new();
        for (i, d) in defs.iter().enumerate() {
            let at = format!("definitions/{}", elem_name(d, i));
            let m = as_map(d, &at)?;
            if opt_str(m, "type", &at)? == Some("struct") {
                pending.push((at, m));
            }
        }
        while !pending.is_empty() {
            let before = pending.len();
            let mut later = Vec::new();
            for (at, m) in pending {
                match self.load_struct(&at, m)? {
                    Some(s) => {
                        self.structs.insert(s.name.clone(), s);
                    }
                    None => later.push((at, m)),
                }
            }
            if later.len() == before {
                let (at, m) = &later[0];
                // Name the first member that refers to an unknown struct.
                for (j, mem) in seq(m, "members", at)?.iter().enumerate() {
                    if let Some(s) = mem
                        .as_mapping()
                        .and_then(|mm| mm.get("struct"))
                        .and_then(Yaml::as_str)
                    {
                        if !self.structs.contains_key(s) {
                            return Err(err(
                                format!("{at}/members/{}", elem_name(mem, j)),
                                format!("unknown struct `{s}` (or structs nest in a cycle)"),
                            ));
                        }
                    }
                }
                return Err(err(at, "structs nest in a cycle"));
            }
            pending = later;
        }
        Ok(())
    }

    /// A struct whose nested structs are all known; `None` if one is not
    /// loaded yet.
    pub(super) fn load_struct(
        &self,
        at: &str,
        m: &Mapping,
    ) -> Result<Option<StructDef>, SpecError> {
        let name = req_str(m, "name", at)?;
        let mut members = Vec::new();
        let mut size = 0;
        for (j, mem) in seq(m, "members", at)?.iter().enumerate() {
            let mat = format!("{at}/members/{}", elem_name(mem, j));
            let mm = as_map(mem, &mat)?;
            let mname = req_str(mm, "name", &mat)?;
            let tname = req_str(mm, "type", &mat)?;
            let ty = AttrType::parse(tname)
                .ok_or_else(|| err(&mat, format!("unknown member type `{tname}`")))?;
            let struct_ = opt_str(mm, "struct", &mat)?.map(str::to_owned);
            let len = match key(mm, "len") {
                None | Some(Yaml::Null) => None,
                Some(v) => {
                    let n = self.int_or_const(v, &format!("{mat}/len"))?;
                    Some(usize::try_from(n).map_err(|_| err(&mat, "negative `len`"))?)
                }
            };
            let msize = match (ty, &struct_) {
                (AttrType::Binary, Some(s)) => match self.structs.get(s) {
                    Some(sd) => sd.size,
                    None => return Ok(None),
                },
                (AttrType::Binary | AttrType::Pad | AttrType::String, _) => {
                    len.ok_or_else(|| err(&mat, format!("a `{tname}` member needs `len`")))?
                }
                (t, _) => match t.int_width() {
                    Some((w, _)) => w,
                    None => {
                        return Err(err(
                            &mat,
                            format!("a struct member cannot be of type `{tname}`"),
                        ))
                    }
                },
            };
            size += msize;
            members.push(Member {
                name: mname.to_owned(),
                ty,
                size: msize,
                byte_order: byte_order(mm, &mat)?,
                enum_: opt_str(mm, "enum", &mat)?.map(str::to_owned),
                enum_as_flags: opt_bool(mm, "enum-as-flags", &mat)?,
                display_hint: display_hint(mm, &mat)?,
                struct_,
            });
        }
        Ok(Some(StructDef {
            name: name.to_owned(),
            members,
            size,
        }))
    }
}
