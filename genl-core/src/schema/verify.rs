//! Compile-time checks of whole families, run by `#[derive(Family)]`
//! in a `const` item: a family whose schema is inconsistent does not
//! compile, and the error names what collides.
//!
//! Checked here, across sets the derive of one type cannot see:
//! - two different sets (different Rust paths) reached by one family
//!   must have different [`names`](super::AttrSetSchema::name) and
//!   different explicit `c_prefix`es: their C enums and YNL attribute
//!   sets would collide;
//! - the same for value enums.

// `const fn`s cannot box their errors; these run in the compiler only.
#![allow(clippy::result_large_err)]

use super::{str_eq, AttrSetSchema, FamilySchema, ValueEnumSchema};

/// A message built in `const` context (at most 512 bytes; longer
/// messages are cut).
#[derive(Clone, Copy)]
pub struct Message {
    buf: [u8; 512],
    len: usize,
}

impl Message {
    /// An empty message.
    pub const fn new() -> Self {
        Message {
            buf: [0; 512],
            len: 0,
        }
    }

    /// Appends `s` (cut at the capacity, on a character boundary).
    pub const fn push(mut self, s: &str) -> Self {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && self.len < self.buf.len() {
            // Never cut inside a UTF-8 sequence.
            let width = if b[i] < 0x80 {
                1
            } else if b[i] >= 0xf0 {
                4
            } else if b[i] >= 0xe0 {
                3
            } else {
                2
            };
            if self.len + width > self.buf.len() {
                break;
            }
            let mut k = 0;
            while k < width && i + k < b.len() {
                self.buf[self.len] = b[i + k];
                self.len += 1;
                k += 1;
            }
            i += width;
        }
        self
    }

    /// The text.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "(message not UTF-8)",
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

const MAX_SETS: usize = 256;

struct Seen {
    sets: [Option<&'static AttrSetSchema>; MAX_SETS],
    n_sets: usize,
    /// Every set and subset already followed, so that a set reached by
    /// many paths (a large family's DAG of nests) is followed once.
    visited: [Option<&'static AttrSetSchema>; 2 * MAX_SETS],
    n_visited: usize,
    enums: [Option<&'static ValueEnumSchema>; MAX_SETS],
    n_enums: usize,
}

const fn set_clash(
    fam: &FamilySchema,
    a: &AttrSetSchema,
    b: &AttrSetSchema,
    what: &str,
) -> Message {
    Message::new()
        .push("family `")
        .push(fam.name)
        .push("`: attribute sets `")
        .push(a.path)
        .push("` and `")
        .push(b.path)
        .push("` have the same ")
        .push(what)
        .push(", so their C and YNL names collide; rename one or give it its own #[genl(")
        .push(if str_eq(what, "name") {
            "name = \"...\""
        } else {
            "c_prefix = \"...\""
        })
        .push(")]")
}

const fn visit_enum(
    fam: &FamilySchema,
    e: &'static ValueEnumSchema,
    seen: &mut Seen,
) -> Result<(), Message> {
    let mut i = 0;
    while i < seen.n_enums {
        let o = match seen.enums[i] {
            Some(o) => o,
            None => break,
        };
        if str_eq(o.path, e.path) {
            return Ok(());
        }
        let same_prefix = match (o.c_prefix, e.c_prefix) {
            (Some(x), Some(y)) => str_eq(x, y),
            _ => false,
        };
        if str_eq(o.name, e.name) || same_prefix {
            return Err(Message::new()
                .push("family `")
                .push(fam.name)
                .push("`: value enums `")
                .push(o.path)
                .push("` and `")
                .push(e.path)
                .push("` have the same name or C prefix, so their C names collide; rename one or give it its own #[genl(c_prefix = \"...\")]"));
        }
        i += 1;
    }
    if seen.n_enums == MAX_SETS {
        return Err(Message::new()
            .push("family `")
            .push(fam.name)
            .push("`: more than 256 value enums; the compile-time check cannot follow them"));
    }
    seen.enums[seen.n_enums] = Some(e);
    seen.n_enums += 1;
    Ok(())
}

const fn visit(
    fam: &FamilySchema,
    s: &'static AttrSetSchema,
    seen: &mut Seen,
) -> Result<(), Message> {
    let mut v = 0;
    while v < seen.n_visited {
        if let Some(o) = seen.visited[v] {
            if str_eq(o.path, s.path) {
                return Ok(());
            }
        }
        v += 1;
    }
    if seen.n_visited < seen.visited.len() {
        seen.visited[seen.n_visited] = Some(s);
        seen.n_visited += 1;
    }
    let root = s.root();
    let mut i = 0;
    let mut known = false;
    while i < seen.n_sets {
        let o = match seen.sets[i] {
            Some(o) => o,
            None => break,
        };
        if str_eq(o.path, root.path) {
            known = true;
            break;
        }
        if str_eq(o.name, root.name) {
            return Err(set_clash(fam, o, root, "name"));
        }
        if let (Some(x), Some(y)) = (o.c_prefix, root.c_prefix) {
            if str_eq(x, y) {
                return Err(set_clash(fam, o, root, "c_prefix"));
            }
        }
        i += 1;
    }
    if !known {
        if seen.n_sets == MAX_SETS {
            return Err(Message::new().push("family `").push(fam.name).push(
                "`: more than 256 attribute sets; the compile-time check cannot follow them",
            ));
        }
        seen.sets[seen.n_sets] = Some(root);
        seen.n_sets += 1;
    }
    // A subset's attributes are its root's, but its nests may be
    // subsets of their own: follow both.
    let mut pass = 0;
    while pass < 2 {
        let set = if pass == 0 { s } else { root };
        let mut j = 0;
        while j < set.attrs.len() {
            let a = &set.attrs[j];
            if let Some(n) = a.ty.nested_set() {
                if !(known && pass == 1) {
                    if let Err(m) = visit(fam, n, seen) {
                        return Err(m);
                    }
                }
            }
            if let Some(e) = a.value_enum {
                if let Err(m) = visit_enum(fam, e, seen) {
                    return Err(m);
                }
            }
            j += 1;
        }
        pass += 1;
    }
    Ok(())
}

/// Checks a family; `Err` holds the message of the first problem.
pub const fn family(fam: &FamilySchema) -> Result<(), Message> {
    let mut seen = Seen {
        sets: [None; MAX_SETS],
        n_sets: 0,
        visited: [None; 2 * MAX_SETS],
        n_visited: 0,
        enums: [None; MAX_SETS],
        n_enums: 0,
    };
    let mut c = 0;
    while c < fam.commands.len() {
        let cmd = &fam.commands[c];
        let sets = [
            match cmd.do_ {
                Some(o) => o.request,
                None => None,
            },
            match cmd.do_ {
                Some(o) => o.reply,
                None => None,
            },
            match cmd.dump {
                Some(o) => o.request,
                None => None,
            },
            match cmd.dump {
                Some(o) => o.reply,
                None => None,
            },
            match cmd.event {
                Some(e) => Some(e.attrs),
                None => None,
            },
        ];
        let mut k = 0;
        while k < sets.len() {
            if let Some(s) = sets[k] {
                if let Err(m) = visit(fam, s, &mut seen) {
                    return Err(m);
                }
            }
            k += 1;
        }
        c += 1;
    }
    Ok(())
}

/// `family`, panicking with its message: what `#[derive(Family)]`
/// evaluates in a `const` item, so a bad family is a compile error.
pub const fn assert_family(fam: &FamilySchema) {
    if let Err(m) = family(fam) {
        panic!("{}", m.as_str());
    }
}
