//! The Lua every dissector ends with.

/// The part of every dissector that does not depend on the spec: the
/// field list, the attribute walk and the entry point. Lua 5.2 (Wireshark
/// 4.0): `bit32` for bit operations.
pub(super) const RUNTIME: &str = r#"-- Every field, for proto.fields.
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
