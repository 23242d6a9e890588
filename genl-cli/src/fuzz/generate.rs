//! Programs from the schema: structurally valid requests first (every
//! attribute of the right type and within its checks), then mutated at the
//! edges the policy draws — the limits of `min`/`max`, lengths around
//! `max-len`, missing, duplicated and unknown attributes, wrong sizes,
//! empty and deep nests, truncated attribute streams, unknown commands —
//! and as sequences over several sockets that reuse each other's names,
//! so that state the module keeps (an entry created, reset, dumped) is
//! reached.
//!
//! [`Generator::random`] is the baseline without the schema: random
//! commands and random attribute bytes, what `vm_fuzz` sends.

use genl_ynl::family::{Attr, AttrSet, AttrType, SpecFamily};

use super::program::{Action, Call, Program, Read, SOCKETS};

/// A small, fast pseudo-random generator (SplitMix64): reproducible from
/// its seed, which is all a fuzzer needs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `num`/`den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }

    /// One element of `s` (`None` when empty).
    pub fn pick<'a, T>(&mut self, s: &'a [T]) -> Option<&'a T> {
        if s.is_empty() {
            None
        } else {
            Some(&s[self.below(s.len())])
        }
    }
}

/// `NLA_F_NESTED`.
const NLA_F_NESTED: u16 = 0x8000;
/// The deepest nest generated.
const MAX_DEPTH: usize = 4;

/// Appends one attribute (header, payload, padding).
pub fn put_attr(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    let len = (4 + payload.len()).min(0xffff) as u16;
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(&payload[..usize::from(len) - 4]);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// The top-level attributes of `b`: (offset, type with flags, payload);
/// stops at the first that does not fit.
pub fn attrs_of(b: &[u8]) -> Vec<(usize, u16, &[u8])> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 4 <= b.len() {
        let len = usize::from(u16::from_ne_bytes([b[off], b[off + 1]]));
        let ty = u16::from_ne_bytes([b[off + 2], b[off + 3]]);
        if len < 4 || off + len > b.len() {
            break;
        }
        out.push((off, ty, &b[off + 4..off + len]));
        off += (len + 3) & !3;
    }
    out
}

/// Generates and mutates programs of one family.
pub struct Generator<'f> {
    fam: &'f SpecFamily,
    /// The operations a request can be made of: (index, do, dump).
    ops: Vec<(usize, bool, bool)>,
    /// The family's largest command number.
    max_cmd: u8,
    /// The random source.
    pub rng: Rng,
    /// Strings generated lately, by attribute name: the names of entries
    /// the module may hold from earlier programs of the round.
    recent: std::collections::HashMap<String, Vec<Vec<u8>>>,
}

/// How many recent strings are kept per attribute.
const RECENT: usize = 12;

impl<'f> Generator<'f> {
    /// A generator for `fam`, seeded with `seed`.
    pub fn new(fam: &'f SpecFamily, seed: u64) -> Generator<'f> {
        let ops: Vec<_> = fam
            .ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.req_value.is_some() && (o.has_do || o.has_dump))
            .map(|(i, o)| (i, o.has_do, o.has_dump))
            .collect();
        let max_cmd = fam
            .ops
            .iter()
            .filter_map(|o| o.req_value.max(o.rsp_value))
            .max()
            .unwrap_or(1) as u8;
        Generator {
            fam,
            ops,
            max_cmd,
            rng: Rng::new(seed),
            recent: Default::default(),
        }
    }

    /// A new program of 1 to 6 calls.
    pub fn program(&mut self) -> Program {
        let mut p = Program::default();
        let n = 1 + self.rng.below(6);
        for _ in 0..n {
            let c = self.call(&p);
            p.calls.push(c);
        }
        p
    }

    fn sock(&mut self) -> u8 {
        // Mostly the first socket: a second one matters for races.
        if self.rng.chance(3, 4) {
            0
        } else {
            self.rng.below(usize::from(SOCKETS)) as u8
        }
    }

    /// A new call, valid most of the time, reusing what `p` already says.
    pub fn call(&mut self, p: &Program) -> Call {
        let sock = self.sock();
        let r = self.rng.below(100);
        if r < 4 && !self.fam.mcast_groups.is_empty() {
            let g = self.rng.pick(&self.fam.mcast_groups).unwrap().name.clone();
            return Call {
                sock,
                ..Call::new(Action::Subscribe(g))
            };
        }
        if r < 8 {
            let read = self.read();
            return Call {
                sock,
                ..Call::new(Action::Recv(read))
            };
        }
        if r < 9 {
            return Call {
                sock,
                ..Call::new(Action::Netns)
            };
        }
        let Some(&(op, has_do, has_dump)) = self.rng.pick(&self.ops) else {
            return Call::new(Action::Recv(Read::All));
        };
        let dump = has_dump && (!has_do || self.rng.chance(1, 3));
        let action = if dump {
            Action::Dump {
                op,
                read: self.read(),
            }
        } else {
            Action::Do { op }
        };
        let names = self.request_attrs(op, dump);
        let mut attrs = Vec::new();
        if let Some(set) = self.fam.ops[op].attr_set.map(|i| &self.fam.sets[i]) {
            for a in names {
                // Each listed attribute, nearly always: missing ones are
                // the mutator's business.
                if self.rng.chance(9, 10) {
                    self.attr(set, a, p, 0, &mut attrs);
                }
            }
        }
        Call {
            sock,
            attrs,
            ..Call::new(action)
        }
    }

    fn read(&mut self) -> Read {
        if self.rng.chance(2, 3) {
            Read::All
        } else {
            Read::Count(1 + self.rng.below(2) as u32)
        }
    }

    /// The attributes a request of `op` carries: the spec's list, or every
    /// attribute of its set.
    fn request_attrs(&self, op: usize, dump: bool) -> Vec<&'f Attr> {
        let o = &self.fam.ops[op];
        let Some(set) = o.attr_set.map(|i| &self.fam.sets[i]) else {
            return Vec::new();
        };
        // A mode without `request` takes no attributes (a dump of
        // everything, a command without arguments): strict policies reject
        // any, so only the mutator adds some.
        let listed = if dump { &o.dump_request } else { &o.do_request };
        match listed {
            Some(names) => names.iter().filter_map(|n| set.attr(n)).collect(),
            None => Vec::new(),
        }
    }

    /// Appends attribute `a` of `set` (several times if multi-attr).
    fn attr(&mut self, set: &AttrSet, a: &Attr, p: &Program, depth: usize, out: &mut Vec<u8>) {
        let n = if a.multi { 1 + self.rng.below(3) } else { 1 };
        for _ in 0..n {
            let (flags, payload) = self.payload(a, p, depth);
            put_attr(out, a.id | flags, &payload);
        }
        let _ = set;
    }

    /// A value of `a`'s type within its checks, or at their edges.
    fn payload(&mut self, a: &Attr, p: &Program, depth: usize) -> (u16, Vec<u8>) {
        if let Some((w, signed)) = a.ty.int_width() {
            let v = self.int(a, w, signed);
            let b = v.to_le_bytes();
            let mut b = b[..w].to_vec();
            if a.byte_order == genl_ynl::family::ByteOrder::Big {
                b.reverse();
            }
            return (0, b);
        }
        match a.ty {
            AttrType::Flag => (0, Vec::new()),
            AttrType::String => (0, self.string(a, p)),
            AttrType::Nest | AttrType::NestTypeValue | AttrType::IndexedArray => {
                let mut inner = Vec::new();
                if let Some(set) = a.nested.map(|i| &self.fam.sets[i]) {
                    if depth < MAX_DEPTH && !self.rng.chance(1, 10) {
                        let members: Vec<&Attr> = set
                            .attrs
                            .iter()
                            .filter(|x| !matches!(x.ty, AttrType::Unused | AttrType::Pad))
                            .collect();
                        for m in members {
                            if self.rng.chance(2, 3) {
                                self.attr(set, m, p, depth + 1, &mut inner);
                            }
                        }
                    }
                }
                (NLA_F_NESTED, inner)
            }
            _ => {
                // binary and the rest: bytes of a length within the checks.
                let c = a.checks;
                let len = if let Some(l) = c.exact_len {
                    l as usize
                } else {
                    let max = c.max_len.unwrap_or(64).min(4096) as usize;
                    let min = c.min_len.unwrap_or(0) as usize;
                    self.len_near(min, max)
                };
                (0, self.bytes(len))
            }
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.next_u64() as u8).collect()
    }

    /// A length: often an edge (min, max, just over), else anything.
    fn len_near(&mut self, min: usize, max: usize) -> usize {
        match self.rng.below(8) {
            0 => min,
            1 => max,
            2 => max.saturating_sub(1).max(min),
            _ => min + self.rng.below(max.saturating_sub(min) + 1),
        }
    }

    fn int(&mut self, a: &Attr, width: usize, signed: bool) -> u64 {
        let bits = width as u32 * 8;
        let (tmin, tmax): (i128, i128) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        let lo = a.checks.min.unwrap_or(tmin).max(tmin);
        let hi = a.checks.max.unwrap_or(tmax).min(tmax);
        if let Some(e) = a.enum_.as_ref().and_then(|n| self.fam.enums.get(n)) {
            if !e.entries.is_empty() && self.rng.chance(3, 4) {
                let (_, v) = self.rng.pick(&e.entries).unwrap();
                let v = if e.flags { 1u64 << (v % 64) } else { *v };
                return v;
            }
        }
        let v: i128 = match self.rng.below(10) {
            0 => lo,
            1 => hi,
            2 => lo.saturating_add(1).min(hi),
            3 => 0,
            4 => 1,
            5 => self.rng.below(16) as i128,
            _ => {
                let span = (hi - lo) as u128;
                if span == 0 {
                    lo
                } else {
                    lo + (u128::from(self.rng.next_u64()) % (span + 1)) as i128
                }
            }
        };
        v as u64
    }

    /// A NUL-terminated string: often one the program already uses for
    /// this attribute (the same entry across calls) or one of the last
    /// programs' (an entry made before), else a new one: mostly a short
    /// name from a small alphabet (so that names meet again), or a length
    /// at the edges of the checks.
    fn string(&mut self, a: &Attr, p: &Program) -> Vec<u8> {
        let used = strings_in(self.fam, p, a);
        if !used.is_empty() && self.rng.chance(1, 2) {
            return self.rng.pick(&used).unwrap().clone();
        }
        if let Some(r) = self.recent.get(&a.name).filter(|r| !r.is_empty()) {
            if self.rng.chance(1, 2) {
                return r[self.rng.below(r.len())].clone();
            }
        }
        let min = a.checks.min_len.unwrap_or(0) as usize;
        let max = a.checks.max_len.unwrap_or(16).min(1024) as usize;
        let short = self.rng.chance(1, 2);
        let len = if short {
            1.max(min).min(max.max(1))
        } else {
            self.len_near(min, max)
        };
        let alphabet: &[u8] = if short { b"abcd" } else { b"abcdxyz" };
        let mut s: Vec<u8> = (0..len)
            .map(|_| alphabet[self.rng.below(alphabet.len())])
            .collect();
        s.push(0);
        let r = self.recent.entry(a.name.clone()).or_default();
        if r.len() >= RECENT {
            let k = self.rng.below(RECENT);
            r[k] = s.clone();
        } else {
            r.push(s.clone());
        }
        s
    }

    /// Mutates `p` in place (one to three changes).
    pub fn mutate(&mut self, p: &mut Program, corpus: &[Program]) {
        let n = 1 + self.rng.below(3);
        for _ in 0..n {
            self.mutate_once(p, corpus);
        }
        if p.calls.is_empty() {
            let c = self.call(p);
            p.calls.push(c);
        }
        p.calls.truncate(16);
    }

    fn mutate_once(&mut self, p: &mut Program, corpus: &[Program]) {
        let len = p.calls.len();
        match self.rng.below(16) {
            // Program shape.
            0 | 1 => {
                let c = self.call(p);
                let at = self.rng.below(len + 1);
                p.calls.insert(at, c);
            }
            2 if len > 1 => {
                p.calls.remove(self.rng.below(len));
            }
            3 if len > 1 => {
                let (i, j) = (self.rng.below(len), self.rng.below(len));
                p.calls.swap(i, j);
            }
            4 if len > 0 => {
                let i = self.rng.below(len);
                let c = p.calls[i].clone();
                p.calls.insert(self.rng.below(len + 1), c);
            }
            5 => {
                if let Some(o) = self.rng.pick(corpus) {
                    let cut = self.rng.below(o.calls.len() + 1);
                    let at = self.rng.below(len + 1);
                    let tail: Vec<Call> = o.calls[cut..].to_vec();
                    p.calls.splice(at..at, tail);
                }
            }
            6 if len > 0 => {
                let i = self.rng.below(len);
                p.calls[i].sock = self.sock();
            }
            7 if len > 0 => {
                let i = self.rng.below(len);
                match &mut p.calls[i].action {
                    Action::Dump { read, .. } | Action::Recv(read) => *read = self.read(),
                    _ => {
                        let c = self.call(p);
                        p.calls[i] = c;
                    }
                }
            }
            // One call's attributes.
            _ if len > 0 => {
                let i = self.rng.below(len);
                self.mutate_call(p, i);
            }
            _ => {
                let c = self.call(p);
                p.calls.push(c);
            }
        }
    }

    fn mutate_call(&mut self, p: &mut Program, i: usize) {
        let Some(op) = p.calls[i].op() else {
            p.calls[i] = self.call(p);
            return;
        };
        let set = self.fam.ops[op].attr_set.map(|s| &self.fam.sets[s]);
        let attrs = p.calls[i].attrs.clone();
        let parsed = attrs_of(&attrs);
        let mut out = Vec::new();
        match self.rng.below(12) {
            // A new value for one attribute.
            0..=3 if !parsed.is_empty() => {
                let k = self.rng.below(parsed.len());
                for (j, &(_, ty, pl)) in parsed.iter().enumerate() {
                    let known =
                        set.and_then(|s| s.attr_by_id(ty & genl_rules::limits::NLA_TYPE_MASK));
                    if j == k {
                        match known {
                            Some(a) => {
                                let (f, pl) = self.payload(a, p, 0);
                                put_attr(&mut out, a.id | f, &pl);
                            }
                            None => {
                                let n = self.rng.below(12);
                                let b = self.bytes(n);
                                put_attr(&mut out, ty, &b);
                            }
                        }
                    } else {
                        put_attr(&mut out, ty, pl);
                    }
                }
            }
            // Drop one.
            4 if !parsed.is_empty() => {
                let k = self.rng.below(parsed.len());
                for (j, &(_, ty, pl)) in parsed.iter().enumerate() {
                    if j != k {
                        put_attr(&mut out, ty, pl);
                    }
                }
            }
            // Repeat one.
            5 if !parsed.is_empty() => {
                out = attrs.clone();
                let (_, ty, pl) = parsed[self.rng.below(parsed.len())];
                put_attr(&mut out, ty, pl);
            }
            // Add one of the set (any, not only the listed ones).
            6 | 7 => {
                out = attrs.clone();
                if let Some(s) = set {
                    let all: Vec<&Attr> = s
                        .attrs
                        .iter()
                        .filter(|a| !matches!(a.ty, AttrType::Unused))
                        .collect();
                    if let Some(a) = self.rng.pick(&all) {
                        self.attr(s, a, p, 0, &mut out);
                    }
                }
            }
            // An unknown attribute, or a known one of the wrong size.
            8 => {
                out = attrs.clone();
                let max = set.map_or(8, |s| s.attrs.iter().map(|a| a.id).max().unwrap_or(0));
                let ty = if self.rng.chance(1, 2) {
                    max + 1 + self.rng.below(3) as u16
                } else {
                    self.rng.below(usize::from(max) + 1) as u16
                };
                let n = self.rng.below(9);
                let b = self.bytes(n);
                put_attr(&mut out, ty, &b);
            }
            // Truncated or bit-flipped bytes.
            9 if !attrs.is_empty() => {
                out = attrs.clone();
                let cut = self.rng.below(out.len());
                out.truncate(cut);
            }
            10 if !attrs.is_empty() => {
                out = attrs.clone();
                let k = self.rng.below(out.len());
                out[k] ^= 1 << self.rng.below(8);
            }
            // The header: an unknown command or version, other flags.
            11 => {
                out = attrs.clone();
                let c = &mut p.calls[i];
                match self.rng.below(3) {
                    0 => c.cmd = Some(self.rng.below(usize::from(self.max_cmd) + 3) as u8),
                    1 => c.version = Some(self.rng.below(4) as u8),
                    _ => c.flags = Some(0x1 | (self.rng.below(0x10) as u16) << 8),
                }
            }
            _ => {
                p.calls[i] = self.call(p);
                return;
            }
        }
        p.calls[i].attrs = out;
    }

    /// A program with no knowledge of the schema but the command range:
    /// random commands, random flags, random attribute bytes (the
    /// baseline).
    pub fn random(&mut self) -> Program {
        let mut p = Program::default();
        let n = 1 + self.rng.below(4);
        let ops: Vec<usize> = self.ops.iter().map(|o| o.0).collect();
        for _ in 0..n {
            let Some(&op) = self.rng.pick(&ops) else {
                break;
            };
            let mut attrs = Vec::new();
            for _ in 0..self.rng.below(4) {
                let ty = self.rng.below(usize::from(self.max_attr()) + 3) as u16;
                let len = self.rng.below(40);
                let b = self.bytes(len);
                put_attr(&mut attrs, ty, &b);
            }
            let action = if self.rng.chance(1, 3) {
                Action::Dump {
                    op,
                    read: Read::All,
                }
            } else {
                Action::Do { op }
            };
            p.calls.push(Call {
                sock: self.rng.below(usize::from(SOCKETS)) as u8,
                attrs,
                cmd: Some(self.rng.below(usize::from(self.max_cmd) + 3) as u8),
                ..Call::new(action)
            });
        }
        p
    }

    fn max_attr(&self) -> u16 {
        self.fam
            .sets
            .iter()
            .flat_map(|s| s.attrs.iter().map(|a| a.id))
            .max()
            .unwrap_or(8)
    }
}

/// The values of string attribute `a` in `p`'s requests (top level), as
/// sent.
fn strings_in(fam: &SpecFamily, p: &Program, a: &Attr) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for c in &p.calls {
        let Some(op) = c.op() else { continue };
        let Some(set) = fam.ops[op].attr_set.map(|s| &fam.sets[s]) else {
            continue;
        };
        for (_, ty, pl) in attrs_of(&c.attrs) {
            if ty & genl_rules::limits::NLA_TYPE_MASK == a.id
                && set.attr_by_id(a.id).is_some_and(|x| x.name == a.name)
            {
                out.push(pl.to_vec());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../../kmod-c/genl_demo.yaml");

    #[test]
    fn generated_requests_keep_within_the_checks_most_of_the_time() {
        let fam = SpecFamily::parse(SPEC).unwrap();
        let mut g = Generator::new(&fam, 7);
        let kv = fam.sets.iter().find(|s| s.name == "kv").unwrap();
        let key = kv.attr("key").unwrap();
        let (mut within, mut total, mut at_max) = (0, 0, 0);
        for _ in 0..2000 {
            let p = g.program();
            for c in &p.calls {
                let Some(op) = c.op() else { continue };
                if fam.ops[op].attr_set.map(|s| &fam.sets[s].name) != Some(&kv.name) {
                    continue;
                }
                for (_, ty, pl) in attrs_of(&c.attrs) {
                    if ty == key.id {
                        total += 1;
                        let n = pl.len() - 1; // without the NUL
                                              // The spec says 1 to 64 bytes.
                        if (1..=64).contains(&n) {
                            within += 1;
                        }
                        if n == 64 {
                            at_max += 1;
                        }
                    }
                }
            }
        }
        assert!(total > 200, "{total}");
        assert!(within * 10 >= total * 9, "{within}/{total}");
        assert!(at_max > 0, "the max length is never tried");
    }

    #[test]
    fn programs_reuse_names_across_calls() {
        let fam = SpecFamily::parse(SPEC).unwrap();
        let mut g = Generator::new(&fam, 1);
        let key = fam
            .sets
            .iter()
            .find(|s| s.name == "kv")
            .unwrap()
            .attr("key")
            .unwrap();
        let mut shared = 0;
        for _ in 0..500 {
            let p = g.program();
            let keys = strings_in(&fam, &p, key);
            let mut uniq = keys.clone();
            uniq.sort();
            uniq.dedup();
            if keys.len() > uniq.len() {
                shared += 1;
            }
        }
        assert!(shared > 50, "{shared}");
    }

    #[test]
    fn attributes_parse_back_and_mutation_never_panics() {
        let fam = SpecFamily::parse(SPEC).unwrap();
        let mut g = Generator::new(&fam, 3);
        let mut corpus = vec![g.program()];
        for _ in 0..5000 {
            let mut p = corpus[g.rng.below(corpus.len())].clone();
            g.mutate(&mut p, &corpus);
            assert!(!p.calls.is_empty() && p.calls.len() <= 16);
            if corpus.len() < 50 {
                corpus.push(p);
            }
        }
        let mut b = Vec::new();
        put_attr(&mut b, 1, b"ab\0");
        put_attr(&mut b, 2, &[]);
        let got: Vec<_> = attrs_of(&b)
            .into_iter()
            .map(|(o, t, p)| (o, t, p.to_vec()))
            .collect();
        assert_eq!(got, vec![(0, 1, b"ab\0".to_vec()), (8, 2, vec![])]);
    }
}
