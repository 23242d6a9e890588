//! A Wireshark dissector (Lua) generated from a YNL spec.
//!
//! [`dissector`] renders a Lua plugin for one generic netlink family. It
//! registers in Wireshark's `genl.family` dissector table under the family
//! name: Wireshark's genetlink dissector learns the dynamic family id from
//! the `CTRL_CMD_NEWFAMILY` replies in the capture (a genl recording made
//! with `GENL_PCAP` holds them: resolving a family records its reply) and
//! hands every message of that family to the plugin, the buffer starting at
//! the genetlink header (`cmd`, `version`, `reserved`), attributes after it.
//!
//! What the plugin shows, following the rules of [`crate::codec`]:
//!
//! - the command (`genl_<family>.cmd`) and its operation name
//!   (`genl_<family>.op`), requests (`NLM_F_REQUEST` set) named by their
//!   request ids and replies and notifications by their reply ids (the
//!   Info column says `request`, `reply` or `notification`);
//! - one field per attribute, `genl_<family>.<set>.<attr>` (names in
//!   lower case, `-` written `_`), typed as the spec types it: integers in
//!   the spec's byte order (host order read as little-endian), `uint`/`sint`
//!   of 4 or 8 bytes, strings, bytes, flags as booleans; `enum:` attributes
//!   with their entry names, `flags` enums with one boolean per bit
//!   (`genl_<family>.<set>.<attr>.<bit>`);
//! - nests decoded with their set, recursively; `multi-attr` attributes
//!   once per occurrence; `indexed-array` items one by one;
//! - attributes the spec does not know as `genl_<family>.unknown` (a note,
//!   never an error); lengths that do not fit as expert errors
//!   (`genl_<family>.malformed`), and sizes that do not match the type as
//!   warnings (`genl_<family>.bad_size`), the bytes shown and the dissection
//!   going on.
//!
//! - the outcome of the family's requests, which Wireshark's netlink
//!   dissector shows as an error code only: a postdissector decodes an
//!   `NLMSG_ERROR` answering a request of the family (and an `NLMSG_DONE`
//!   ending one of its dumps) as `genl_<family>.extack.error` (the code, as
//!   on the wire: negative), `.extack.op` (the request's operation),
//!   `.extack.msg`, `.extack.offset`, `.extack.cookie`, `.extack.miss_type`
//!   and `.extack.miss_nest` (the `NLMSGERR_ATTR_*` attributes).
//!
//! Load it with `wireshark -X lua_script:ethtool.lua` (or `tshark`), or copy
//! it into Wireshark's personal Lua plugins folder.
//!
//! ```
//! let lua = genl_ynl::wireshark::dissector("
//! name: tiny
//! attribute-sets:
//!   - name: main
//!     attributes:
//!       - { name: id, type: u32 }
//!       - { name: label, type: string }
//! operations:
//!   list:
//!     - name: get
//!       attribute-set: main
//!       do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
//! ").unwrap();
//! assert!(lua.contains(r#"local FAMILY = "tiny""#));
//! assert!(lua.contains(r#"DissectorTable.get("genl.family"):add(FAMILY, proto)"#));
//! assert!(lua.contains(r#"ProtoField.uint32("genl_tiny.main.id""#));
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::family::{Attr, AttrType, ByteOrder, DisplayHint, EnumDef, Family, Protocol};

/// Renders the Lua dissector of the generic netlink family described by
/// the YNL spec `spec_yaml`. Fails (with the reason) on a spec that does
/// not load, or on a `netlink-raw` family (Wireshark's `genl.family` table
/// only sees generic netlink).
pub fn dissector(spec_yaml: &str) -> Result<String, String> {
    let fam = Family::parse(spec_yaml).map_err(|e| e.to_string())?;
    if let Protocol::Raw { .. } = fam.protocol {
        return Err(format!(
            "family `{}` is {}, not generic netlink: Wireshark's genl.family table never sees it",
            fam.name, fam.proto_name
        ));
    }
    Ok(Renderer::new(&fam).render())
}

/// `s` as a Lua string literal.
fn lua_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as one component of a Wireshark field name: lower case, `-` and
/// anything else but letters, digits and `_` written `_`.
fn ident(s: &str) -> String {
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

struct Renderer<'f> {
    fam: &'f Family,
    /// The protocol's filter name, `genl_<family>`.
    proto: String,
    /// Field names handed out, to keep them unique.
    abbrevs: HashSet<String>,
    out: String,
}

impl<'f> Renderer<'f> {
    fn new(fam: &'f Family) -> Self {
        Renderer {
            fam,
            proto: format!("genl_{}", ident(&fam.name)),
            abbrevs: HashSet::new(),
            out: String::new(),
        }
    }

    /// A unique field name `genl_<family>.<parts>`.
    fn abbrev(&mut self, parts: &[&str]) -> String {
        let mut a = self.proto.clone();
        for p in parts {
            a.push('.');
            a.push_str(&ident(p));
        }
        let mut cand = a.clone();
        let mut n = 2;
        while !self.abbrevs.insert(cand.clone()) {
            cand = format!("{a}_{n}");
            n += 1;
        }
        cand
    }

    fn line(&mut self, s: impl AsRef<str>) {
        self.out.push_str(s.as_ref());
        self.out.push('\n');
    }

    fn render(mut self) -> String {
        let fam = self.fam;
        let p = self.proto.clone();
        self.line(format!(
            "-- Wireshark dissector for the generic netlink family `{}`, generated by",
            fam.name
        ));
        self.line("-- genl from its YNL spec: do not edit, regenerate.");
        self.line("--");
        self.line(format!(
            "-- Load it with `wireshark -X lua_script:{}.lua` or copy it into the",
            fam.name
        ));
        self.line("-- personal Lua plugins folder. It registers in the \"genl.family\" table:");
        self.line("-- Wireshark learns the family id from the CTRL_CMD_NEWFAMILY replies in the");
        self.line("-- capture and passes each message from its genetlink header on.");
        self.line("-- Integers in host order are read as little-endian.");
        self.line("");
        self.line(format!(
            "local proto = Proto({}, {})",
            lua_str(&p),
            lua_str(&format!("Generic Netlink {}", fam.name))
        ));
        self.line(format!("local FAMILY = {}", lua_str(&fam.name)));
        self.line(format!("local PNAME = {}", lua_str(&p)));
        self.line("");
        self.line("local f = {}");
        for (key, ctor, name, rest) in [
            ("cmd", "uint8", "Command", "base.DEC"),
            ("op", "string", "Operation", "base.NONE"),
            ("version", "uint8", "Version", "base.DEC"),
            ("reserved", "uint16", "Reserved", "base.HEX"),
            ("fixed_header", "bytes", "Fixed header", "base.NONE"),
            ("attr_len", "uint16", "Attribute length", "base.DEC"),
            (
                "attr_type",
                "uint16",
                "Attribute type",
                "base.DEC, nil, 0x3fff",
            ),
            ("attr_nested", "bool", "NLA_F_NESTED", "16, nil, 0x8000"),
            (
                "attr_byteorder",
                "bool",
                "NLA_F_NET_BYTEORDER",
                "16, nil, 0x4000",
            ),
            ("unknown", "bytes", "Unknown attribute", "base.NONE"),
            ("selector", "uint32", "Selector", "base.HEX"),
        ] {
            let a = self.abbrev(&[key]);
            self.line(format!(
                "f.{key} = ProtoField.{ctor}({}, {}, {rest})",
                lua_str(&a),
                lua_str(name)
            ));
        }
        self.line("");
        for (key, name, group, sev) in [
            ("malformed", "Malformed attribute", "MALFORMED", "ERROR"),
            (
                "bad_size",
                "Attribute size does not match its type",
                "MALFORMED",
                "WARN",
            ),
            (
                "unknown_attr",
                "Attribute not in the spec",
                "UNDECODED",
                "NOTE",
            ),
            (
                "unknown_cmd",
                "Command not in the spec",
                "UNDECODED",
                "NOTE",
            ),
        ] {
            let a = self.abbrev(&[key]);
            self.line(format!(
                "local ex_{key} = ProtoExpert.new({}, {}, expert.group.{group}, expert.severity.{sev})",
                lua_str(&a),
                lua_str(name)
            ));
        }
        self.line("");

        // Enums as value strings, flags as bit lists.
        let mut enums: Vec<&EnumDef> = fam.enums.values().collect();
        enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.line("-- Enum entries by value; flags as {mask, name} pairs (bits 0 to 52).");
        self.line("local vs = {}");
        self.line("local bits = {}");
        for e in enums {
            let mut vs = String::new();
            let mut bits = String::new();
            for (name, v) in &e.entries {
                if !e.flags {
                    let _ = write!(vs, "[{v}] = {}, ", lua_str(name));
                }
                if *v < 53 {
                    let _ = write!(bits, "{{ {}, {} }}, ", 1u64 << v, lua_str(name));
                }
            }
            if !e.flags {
                self.line(format!("vs[{}] = {{ {vs}}}", lua_str(&e.name)));
            }
            self.line(format!("bits[{}] = {{ {bits}}}", lua_str(&e.name)));
        }
        self.line("");

        // Attribute sets.
        self.line("-- Attribute sets: attributes by id.");
        self.line("local sets = {}");
        for set in &fam.sets {
            self.line(format!("sets[{}] = {{", lua_str(&set.name)));
            for a in &set.attrs {
                let entry = self.attr_entry(&set.name, a);
                self.line(format!("  [{}] = {entry},", a.id));
            }
            self.line("}");
        }
        self.line("");

        // Operations.
        self.line("-- Operations by request id and by reply (or notification) id.");
        self.line("local ops_req, ops_rsp = {}, {}");
        for op in &fam.ops {
            let set = op
                .attr_set
                .map_or("nil".to_owned(), |i| lua_str(&fam.sets[i].name));
            let fixed = fam.struct_size(op.fixed_header.as_deref());
            let ntf = if op.is_async { ", ntf = true" } else { "" };
            let entry = format!(
                "{{ name = {}, set = {set}, fixed = {fixed}{ntf} }}",
                lua_str(&op.name)
            );
            if let Some(v) = op.req_value {
                self.line(format!("ops_req[{v}] = {entry}"));
            }
            if let Some(v) = op.rsp_value {
                self.line(format!("ops_rsp[{v}] = {entry}"));
            }
        }
        self.line("");
        self.out.push_str(RUNTIME);
        self.out
    }

    /// The Lua table describing attribute `a` of set `set`.
    fn attr_entry(&mut self, set: &str, a: &Attr) -> String {
        let abbrev = self.abbrev(&[set, &a.name]);
        let name = lua_str(&a.name);
        let ab = lua_str(&abbrev);
        let le = a.byte_order != ByteOrder::Big;
        let enum_ = a.enum_.as_ref().and_then(|e| self.fam.enums.get(e));
        let as_flags = enum_.is_some_and(|e| e.flags || a.enum_as_flags);
        let hex = a.display_hint == Some(DisplayHint::Hex) || as_flags;
        let base = if hex { "base.HEX" } else { "base.DEC" };
        let mut extra = String::new();
        if a.multi {
            extra.push_str(", multi = true");
        }
        let int_field = |ty: AttrType, with_vs: bool| -> String {
            let (w, signed) = ty.int_width().unwrap_or((8, false));
            let ctor = format!("{}int{}", if signed { "" } else { "u" }, w * 8);
            let vs = match enum_ {
                Some(e) if with_vs && !as_flags && w <= 4 => format!(", vs[{}]", lua_str(&e.name)),
                _ => String::new(),
            };
            format!("ProtoField.{ctor}({ab}, {name}, {base}{vs})")
        };
        let bit_fields = |width: usize| -> String {
            let Some(e) = enum_.filter(|_| as_flags && width <= 4) else {
                return String::new();
            };
            let mut s = String::from(", bitf = {");
            for (bit, v) in &e.entries {
                if *v < (width as u64) * 8 {
                    let _ = write!(
                        s,
                        " ProtoField.bool({}, {}, {}, nil, {}),",
                        lua_str(&format!("{abbrev}.{}", ident(bit))),
                        lua_str(bit),
                        width * 8,
                        1u64 << v
                    );
                }
            }
            s.push_str(" }");
            s
        };
        let enum_keys = match enum_ {
            Some(e) if as_flags => format!(", flags = {}", lua_str(&e.name)),
            Some(e) => format!(", enum = {}", lua_str(&e.name)),
            None => String::new(),
        };
        let nest = a.nested.map_or(String::new(), |i| {
            format!(", nest = {}", lua_str(&self.fam.sets[i].name))
        });
        let (kind, field) = match a.ty {
            t if t.int_width().is_some() => {
                let w = t.int_width().unwrap().0;
                if a.display_hint == Some(DisplayHint::Ipv4) && w == 4 {
                    ("\"addr\", w = 4", format!("ProtoField.ipv4({ab}, {name})"))
                } else {
                    extra.push_str(&enum_keys);
                    extra.push_str(&bit_fields(w));
                    let k = match w {
                        1 => "\"int\", w = 1",
                        2 => "\"int\", w = 2",
                        4 => "\"int\", w = 4",
                        _ => "\"int\", w = 8",
                    };
                    (k, int_field(t, true))
                }
            }
            AttrType::Uint | AttrType::Sint => {
                extra.push_str(&enum_keys);
                let ctor = if a.ty == AttrType::Uint {
                    "uint64"
                } else {
                    "int64"
                };
                (
                    "\"vint\"",
                    format!("ProtoField.{ctor}({ab}, {name}, {base})"),
                )
            }
            AttrType::String => ("\"string\"", format!("ProtoField.stringz({ab}, {name})")),
            AttrType::Flag => ("\"flag\"", format!("ProtoField.bool({ab}, {name})")),
            AttrType::Nest => {
                extra.push_str(&nest);
                ("\"nest\"", format!("ProtoField.none({ab}, {name})"))
            }
            AttrType::Bitfield32 => {
                extra.push_str(&enum_keys);
                extra.push_str(&bit_fields(4));
                (
                    "\"bitfield32\"",
                    format!("ProtoField.uint32({ab}, {name}, base.HEX)"),
                )
            }
            AttrType::IndexedArray => {
                extra.push_str(&nest);
                match a.sub_type {
                    Some(AttrType::Nest) => (
                        "\"array\", sub = \"nest\"",
                        format!("ProtoField.none({ab}, {name})"),
                    ),
                    Some(t) if t.int_width().is_some() => {
                        let _ = write!(extra, ", sub = \"int\", w = {}", t.int_width().unwrap().0);
                        extra.push_str(&enum_keys);
                        ("\"array\"", int_field(t, true))
                    }
                    _ => (
                        "\"array\", sub = \"bytes\"",
                        format!("ProtoField.bytes({ab}, {name})"),
                    ),
                }
            }
            AttrType::Binary => match a.display_hint {
                Some(DisplayHint::Ipv4) => {
                    ("\"addr\", w = 4", format!("ProtoField.ipv4({ab}, {name})"))
                }
                Some(DisplayHint::Ipv6) => {
                    ("\"addr\", w = 16", format!("ProtoField.ipv6({ab}, {name})"))
                }
                Some(DisplayHint::Mac) => {
                    ("\"addr\", w = 6", format!("ProtoField.ether({ab}, {name})"))
                }
                _ => ("\"bytes\"", format!("ProtoField.bytes({ab}, {name})")),
            },
            // pad, unused, sub-message, nest-type-value: their bytes.
            _ => ("\"bytes\"", format!("ProtoField.bytes({ab}, {name})")),
        };
        format!("{{ name = {name}, kind = {kind}, le = {le}{extra}, field = {field} }}")
    }
}

/// The part of every dissector that does not depend on the spec: the
/// field list, the attribute walk and the entry point. Lua 5.2 (Wireshark
/// 4.0): `bit32` for bit operations.
const RUNTIME: &str = r#"-- Every field, for proto.fields.
local all = {}
for _, v in pairs(f) do all[#all + 1] = v end
for _, set in pairs(sets) do
  for _, a in pairs(set) do
    all[#all + 1] = a.field
    if a.bitf then for _, b in ipairs(a.bitf) do all[#all + 1] = b end end
  end
end
proto.fields = all
proto.experts = { ex_malformed, ex_bad_size, ex_unknown_attr, ex_unknown_cmd }

local function add(tree, field, range, le)
  if le then return tree:add_le(field, range) end
  return tree:add(field, range)
end

-- The names of the bits set in v (a number below 2^53).
local function flag_names(list, v)
  local names = {}
  for _, e in ipairs(list) do
    local m = e[1]
    if math.floor(v / m) % 2 == 1 then names[#names + 1] = e[2] end
  end
  return table.concat(names, ", ")
end

-- An integer's value as a Lua number (64-bit ones may lose precision).
local function int_value(range, le)
  if range:len() == 8 then
    local v = le and range:le_uint64() or range:uint64()
    return tonumber(tostring(v))
  end
  if le then return range:le_uint() end
  return range:uint()
end

-- The attributes from off to stop, in tree, with set (nil: unknown).
local dissect_attrs

-- Calls fn(off, len, id, nested) for every TLV from off to stop; flags a
-- length that does not fit and stops there.
local function each_tlv(tvb, tree, off, stop, fn)
  while off < stop do
    if stop - off < 4 then
      local ti = tree:add(f.unknown, tvb(off, stop - off))
      ti:add_proto_expert_info(ex_malformed, string.format("%d trailing bytes, not an attribute", stop - off))
      return
    end
    local len = tvb(off, 2):le_uint()
    local raw = tvb(off + 2, 2):le_uint()
    if len < 4 or off + len > stop then
      local ti = tree:add(f.unknown, tvb(off, stop - off))
      ti:add_proto_expert_info(ex_malformed, string.format("attribute length %d does not fit in the %d bytes left", len, stop - off))
      return
    end
    fn(off, len, bit32.band(raw, 0x3fff), bit32.band(raw, 0x8000) ~= 0)
    off = off + len + (4 - len % 4) % 4
  end
end

local function header(tvb, ti, off)
  ti:add_le(f.attr_len, tvb(off, 2))
  ti:add_le(f.attr_type, tvb(off + 2, 2))
  ti:add_le(f.attr_nested, tvb(off + 2, 2))
  ti:add_le(f.attr_byteorder, tvb(off + 2, 2))
end

local function bad_size(tvb, tree, a, off, len, want)
  local ti = tree:add(f.unknown, tvb(off, len))
  ti:set_text(string.format("%s: %d bytes", a.name, len - 4))
  ti:add_proto_expert_info(ex_bad_size, string.format("%s: %d bytes, expected %s", a.name, len - 4, want))
  return ti
end

-- An integer of attribute a at range: its field, enum name, flag bits.
local function int_item(tree, a, range)
  local ti = add(tree, a.field, range, a.le)
  if a.bitf then
    for _, b in ipairs(a.bitf) do add(ti, b, range, a.le) end
  end
  if a.flags and bits[a.flags] then
    ti:append_text(" [" .. flag_names(bits[a.flags], int_value(range, a.le)) .. "]")
  elseif a.enum and vs[a.enum] and (range:len() == 8 or a.kind == "vint") then
    local name = vs[a.enum][int_value(range, a.le)]
    if name then ti:append_text(" (" .. name .. ")") end
  end
  return ti
end

local function attr(tvb, tree, set, off, len, id, nested, depth)
  local a = set and set[id]
  local plen = len - 4
  local ti
  if not a then
    -- The payload's bytes (the whole attribute when it is empty or nested).
    if plen > 0 and not nested then
      ti = tree:add(f.unknown, tvb(off + 4, plen))
    else
      ti = tree:add(f.unknown, tvb(off, len))
    end
    ti:set_text(string.format("Attribute %d (not in the spec), %d bytes", id, plen))
    ti:add_proto_expert_info(ex_unknown_attr)
    if nested and plen > 0 then dissect_attrs(tvb, ti, off + 4, off + len, nil, depth + 1) end
  elseif a.kind == "int" then
    if plen ~= a.w then return header(tvb, bad_size(tvb, tree, a, off, len, a.w .. " bytes"), off) end
    ti = int_item(tree, a, tvb(off + 4, plen))
  elseif a.kind == "vint" then
    if plen ~= 4 and plen ~= 8 then return header(tvb, bad_size(tvb, tree, a, off, len, "4 or 8 bytes"), off) end
    ti = int_item(tree, a, tvb(off + 4, plen))
  elseif a.kind == "addr" then
    if plen ~= a.w then return header(tvb, bad_size(tvb, tree, a, off, len, a.w .. " bytes"), off) end
    ti = tree:add(a.field, tvb(off + 4, plen))
  elseif a.kind == "bitfield32" then
    if plen ~= 8 then return header(tvb, bad_size(tvb, tree, a, off, len, "8 bytes"), off) end
    ti = int_item(tree, a, tvb(off + 4, 4))
    ti:add_le(f.selector, tvb(off + 8, 4))
  elseif a.kind == "flag" then
    ti = tree:add(a.field, tvb(off, len), true)
  elseif a.kind == "string" then
    if plen == 0 then
      ti = tree:add(tvb(off, len), a.name .. ": (empty)")
    else
      ti = tree:add(a.field, tvb(off + 4, plen))
    end
  elseif a.kind == "nest" then
    ti = tree:add(a.field, tvb(off, len))
    if depth > 32 then
      ti:add_proto_expert_info(ex_malformed, "nested too deep")
    else
      dissect_attrs(tvb, ti, off + 4, off + len, sets[a.nest], depth + 1)
    end
  elseif a.kind == "array" then
    ti = tree:add(tvb(off, len), a.name)
    local n = 0
    each_tlv(tvb, ti, off + 4, off + len, function(o, l, idx, _)
      n = n + 1
      local it
      if a.sub == "nest" then
        it = ti:add(a.field, tvb(o, l))
        if depth <= 32 then dissect_attrs(tvb, it, o + 4, o + l, sets[a.nest], depth + 1) end
      elseif a.sub == "int" then
        if l - 4 ~= a.w then
          it = bad_size(tvb, ti, a, o, l, a.w .. " bytes")
        else
          it = int_item(ti, a, tvb(o + 4, a.w))
        end
      elseif l > 4 then
        it = ti:add(a.field, tvb(o + 4, l - 4))
      else
        it = ti:add(tvb(o, l), a.name .. ": (empty)")
      end
      it:prepend_text(string.format("[%d] ", idx))
    end)
    ti:append_text(string.format(" (%d items)", n))
  else
    if plen == 0 then
      ti = tree:add(tvb(off, len), a.name .. ": (empty)")
    else
      ti = tree:add(a.field, tvb(off + 4, plen))
    end
  end
  header(tvb, ti, off)
end

dissect_attrs = function(tvb, tree, off, stop, set, depth)
  each_tlv(tvb, tree, off, stop, function(o, l, id, nested)
    attr(tvb, tree, set, o, l, id, nested, depth)
  end)
end

-- NLM_F_REQUEST of the netlink header of this message (the last one
-- dissected so far in the frame).
local nl_flags = Field.new("netlink.hdr_flags")

local function is_request()
  local all = { nl_flags() }
  local last = all[#all]
  return last ~= nil and bit32.band(last.value, 1) ~= 0
end

-- The family id (the netlink header's type, as Wireshark's genetlink
-- dissector names it) and sequence number of this message.
local nl_type = Field.new("genl.family_id")
local nl_seq = Field.new("netlink.hdr_seq")

local function last_value(field)
  local all = { field() }
  local l = all[#all]
  return l and l.value
end

-- What the extended-ACK postdissector below needs: the message types
-- (family ids) this dissector was given, and the command of each request
-- by sequence number.
local my_ids = {}
local my_reqs = {}

function proto.dissector(tvb, pinfo, tree)
  local n = tvb:len()
  if n < 4 then return 0 end
  pinfo.cols.protocol = proto.name
  local ti = tree:add(proto, tvb())
  local cmd = tvb(0, 1):uint()
  local req = is_request()
  local ty, seq = last_value(nl_type), last_value(nl_seq)
  if ty then my_ids[ty] = true end
  if req and seq then my_reqs[seq] = cmd end
  local op
  if req then op = ops_req[cmd] else op = ops_rsp[cmd] end
  local dir = req and "request" or "reply"
  if op and op.ntf and not req then dir = "notification" end
  local c = ti:add(f.cmd, tvb(0, 1))
  if op then
    c:append_text(" (" .. op.name .. ", " .. dir .. ")")
    ti:add(f.op, tvb(0, 1), op.name)
    ti:append_text(": " .. op.name .. " " .. dir)
    pinfo.cols.info = FAMILY .. " " .. op.name .. " " .. dir
  else
    c:add_proto_expert_info(ex_unknown_cmd)
    pinfo.cols.info = string.format("%s command %d %s", FAMILY, cmd, dir)
  end
  ti:add(f.version, tvb(1, 1))
  ti:add_le(f.reserved, tvb(2, 2))
  local off = 4
  if op and op.fixed > 0 then
    if n - off < op.fixed then
      local h = ti:add(f.fixed_header, tvb(off, n - off))
      h:add_proto_expert_info(ex_malformed, "shorter than the fixed header")
      return n
    end
    ti:add(f.fixed_header, tvb(off, op.fixed))
    off = off + op.fixed
  end
  dissect_attrs(tvb, ti, off, n, op and sets[op.set], 0)
  return n
end

DissectorTable.get("genl.family"):add(FAMILY, proto)

-- The outcome of this family's requests: Wireshark's netlink dissector
-- shows an NLMSG_ERROR's code but not its extended ACK. This postdissector
-- walks the frame's messages (after the 16-byte cooked header) and, for an
-- NLMSG_ERROR that answers a request of this family (the echoed header's
-- type is one of its ids) or an NLMSG_DONE that ends one of its dumps (by
-- sequence number), shows the code, the request's operation and the
-- NLMSGERR_ATTR_* attributes.
local ext = Proto(PNAME .. "_extack", "Generic Netlink " .. FAMILY .. " outcome")
local xf = {
  error = ProtoField.int32(PNAME .. ".extack.error", "Error code", base.DEC),
  op = ProtoField.string(PNAME .. ".extack.op", "Operation of the request", base.NONE),
  msg = ProtoField.stringz(PNAME .. ".extack.msg", "Message"),
  offset = ProtoField.uint32(PNAME .. ".extack.offset", "Offset of the bad attribute", base.DEC),
  cookie = ProtoField.bytes(PNAME .. ".extack.cookie", "Cookie"),
  miss_type = ProtoField.uint32(PNAME .. ".extack.miss_type", "Missing attribute type", base.DEC),
  miss_nest = ProtoField.uint32(PNAME .. ".extack.miss_nest", "Offset of the nest missing it", base.DEC),
}
ext.fields = { xf.error, xf.op, xf.msg, xf.offset, xf.cookie, xf.miss_type, xf.miss_nest }

function ext.init()
  my_ids = {}
  my_reqs = {}
end

local function align4(n) return n + (4 - n % 4) % 4 end

function ext.dissector(tvb, pinfo, tree)
  local n = tvb:len()
  -- Linux netlink's cooked header: ARPHRD_NETLINK (824) at bytes 2-3.
  if n < 32 or tvb(2, 2):uint() ~= 824 then return end
  -- The netlink protocol (bytes 14-15): 16, generic netlink.
  local genl = tvb(14, 2):uint() == 16
  local off = 16
  while off + 16 <= n do
    local len = tvb(off, 4):le_uint()
    if len < 16 or len > n - off then return end
    local ty = tvb(off + 4, 2):le_uint()
    local flags = tvb(off + 6, 2):le_uint()
    local seq = tvb(off + 8, 4):le_uint()
    -- Sequence numbers repeat across sockets: a later request of another
    -- generic netlink family with this one owns what answers it (as genl
    -- trace takes it: the latest request of a sequence number).
    if genl and bit32.band(flags, 1) ~= 0 and ty >= 16 and not my_ids[ty] then
      my_reqs[seq] = nil
    end
    local tlv
    if ty == 2 and len >= 36 and my_ids[tvb(off + 24, 2):le_uint()] then
      if bit32.band(flags, 0x100) ~= 0 then
        tlv = off + 36
      else
        tlv = off + 20 + align4(tvb(off + 20, 4):le_uint())
      end
    elseif ty == 3 and len >= 20 and my_reqs[seq] then
      tlv = off + 20
    end
    if tlv then
      local ti = tree:add(ext, tvb(off, len))
      ti:add_le(xf.error, tvb(off + 16, 4))
      local cmd = my_reqs[seq]
      local op = cmd and ops_req[cmd]
      if op then ti:add(xf.op, tvb(off + 8, 4), op.name) end
      if bit32.band(flags, 0x200) ~= 0 and tlv < off + len then
        each_tlv(tvb, ti, tlv, off + len, function(o, l, id, _)
          local p = l > 4 and tvb(o + 4, l - 4)
          if id == 1 and l > 4 then ti:add(xf.msg, p)
          elseif id == 2 and l == 8 then ti:add_le(xf.offset, p)
          elseif id == 3 and l > 4 then ti:add(xf.cookie, p)
          elseif id == 5 and l == 8 then ti:add_le(xf.miss_type, p)
          elseif id == 6 and l == 8 then ti:add_le(xf.miss_nest, p)
          end
        end)
      end
    end
    off = off + align4(len)
  end
end

register_postdissector(ext)
"#;

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
  - name: inner
    attributes:
      - { name: x, type: s32 }
operations:
  list:
    - name: get
      attribute-set: main
      do: { request: { attributes: [id] }, reply: { attributes: [id, label] } }
    - name: ntf
      value: 7
      attribute-set: main
      event: { attributes: [id] }
"#;

    #[test]
    fn fields_tables_and_registration() {
        let lua = dissector(SPEC).unwrap();
        assert!(lua.contains(r#"local proto = Proto("genl_demo_fam", "Generic Netlink demo-fam")"#));
        assert!(lua.contains(r#"DissectorTable.get("genl.family"):add(FAMILY, proto)"#));
        assert!(lua.contains(r#"local FAMILY = "demo-fam""#));
        for f in [
            r#"ProtoField.uint32("genl_demo_fam.main.id", "id", base.DEC)"#,
            r#"ProtoField.uint16("genl_demo_fam.main.port", "port", base.DEC)"#,
            r#"ProtoField.uint8("genl_demo_fam.main.color", "color", base.DEC, vs["color"])"#,
            r#"ProtoField.uint32("genl_demo_fam.main.opts", "opts", base.HEX)"#,
            r#"ProtoField.bool("genl_demo_fam.main.opts.c", "c", 32, nil, 4)"#,
            r#"ProtoField.stringz("genl_demo_fam.main.label", "label")"#,
            r#"ProtoField.none("genl_demo_fam.main.inner", "inner")"#,
            r#"ProtoField.int32("genl_demo_fam.inner.x", "x", base.DEC)"#,
            r#"ProtoField.uint64("genl_demo_fam.main.big", "big", base.DEC)"#,
        ] {
            assert!(lua.contains(f), "{f} missing from\n{lua}");
        }
        // Byte order: big-endian read with add, the rest with add_le.
        assert!(lua.contains(r#"[2] = { name = "port", kind = "int", w = 2, le = false"#));
        assert!(lua.contains(r#"[1] = { name = "id", kind = "int", w = 4, le = true"#));
        assert!(lua.contains(r#"vs["color"] = { [0] = "red", [1] = "green", }"#));
        assert!(lua.contains(r#"bits["opts"] = { { 1, "a" }, { 2, "b" }, { 4, "c" }, }"#));
        assert!(lua.contains(r#"kind = "nest", le = true, nest = "inner""#));
        assert!(lua.contains(r#"kind = "array", sub = "nest", le = true, nest = "inner""#));
        assert!(lua.contains(r#"kind = "array", le = true, sub = "int", w = 4"#));
        assert!(lua.contains(r#"multi = true"#));
        assert!(lua.contains(r#"ops_req[1] = { name = "get", set = "main", fixed = 0 }"#));
        assert!(
            lua.contains(r#"ops_rsp[7] = { name = "ntf", set = "main", fixed = 0, ntf = true }"#)
        );
    }

    /// Sequence numbers repeat across sockets (a new connection starts
    /// where another did): an outcome belongs to the latest request of its
    /// sequence number, as in `genl trace`, not to an older one of the
    /// family.
    #[test]
    fn outcomes_follow_the_latest_request_of_a_sequence_number() {
        let lua = dissector(SPEC).unwrap();
        assert!(lua.contains("local genl = tvb(14, 2):uint() == 16"));
        assert!(lua.contains(
            "if genl and bit32.band(flags, 1) ~= 0 and ty >= 16 and not my_ids[ty] then\n      my_reqs[seq] = nil"
        ));
    }

    #[test]
    fn field_names_are_unique() {
        let lua = dissector(SPEC).unwrap();
        let mut seen = HashSet::new();
        for l in lua.lines() {
            if let Some(i) = l.find("ProtoField.") {
                let rest = &l[i..];
                let q = rest.find('"').unwrap();
                let name = rest[q + 1..].split('"').next().unwrap();
                assert!(seen.insert(name.to_owned()), "{name} twice");
            }
        }
        assert!(seen.len() > 15);
    }

    #[test]
    fn raw_families_and_bad_specs_are_refused() {
        let raw = "name: r\nprotocol: netlink-raw\nprotonum: 0\noperations: { list: [] }\n";
        assert!(dissector(raw).unwrap_err().contains("not generic netlink"));
        assert!(dissector("name: [").is_err());
    }

    #[test]
    fn lua_strings_are_escaped() {
        assert_eq!(lua_str("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(ident("Dev-Name.x"), "dev_name_x");
    }

    #[test]
    fn expert_infos_are_registered() {
        let lua = dissector(SPEC).unwrap();
        assert!(lua.contains(
            "proto.experts = { ex_malformed, ex_bad_size, ex_unknown_attr, ex_unknown_cmd }"
        ));
        assert!(lua.contains(r#"ProtoExpert.new("genl_demo_fam.malformed""#));
    }

    /// Every genetlink fixture renders, and `luac -p` (Lua 5.2, Wireshark
    /// 4.0's) accepts the result when it is installed (apt `lua5.2`).
    #[test]
    fn every_fixture_renders_to_valid_lua() {
        let dir = format!("{}/../tests/fixtures/ynl", env!("CARGO_MANIFEST_DIR"));
        let luac = std::process::Command::new("luac5.2")
            .arg("-v")
            .output()
            .is_ok();
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(fam) = Family::parse(&text) else {
                continue;
            };
            if let Protocol::Raw { .. } = fam.protocol {
                continue;
            }
            let lua = dissector(&text).unwrap();
            n += 1;
            if luac {
                let out = std::env::temp_dir().join(format!(
                    "genl-ynl-{}-{}.lua",
                    std::process::id(),
                    fam.name
                ));
                std::fs::write(&out, &lua).unwrap();
                let st = std::process::Command::new("luac5.2")
                    .arg("-p")
                    .arg(&out)
                    .output()
                    .unwrap();
                assert!(
                    st.status.success(),
                    "{}: {}",
                    path.display(),
                    String::from_utf8_lossy(&st.stderr)
                );
                let _ = std::fs::remove_file(&out);
            }
        }
        assert!(n >= 10, "{n} specs");
    }

    #[test]
    fn kernel_specs_render() {
        for spec in ["ethtool", "netdev"] {
            let path = format!(
                "{}/../tests/fixtures/ynl/{spec}.yaml",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).unwrap();
            let lua = dissector(&text).unwrap();
            assert!(lua.contains(&format!("local FAMILY = \"{spec}\"")));
        }
    }
}
