//! Rust names for spec names: case conversions, keywords, unique type names.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::spec::Spec;

pub(crate) const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// Names a generated type must not take: they would shadow what the
/// generated code (or the derives' output) uses unqualified.
pub(crate) const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Result",
    "Ok",
    "Err",
    "Box",
    "Self",
    "AttrSet",
    "Family",
    "ValueEnum",
    "Default",
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
];

/// A YNL name's words: split at every character that is not an ASCII
/// letter or digit, as YNL's `c_lower`/`c_upper` split at `-` (a word's
/// own capitals do not split it: `dPs` is one word, as in C's `dps`).
pub(crate) fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

pub(crate) fn camel(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(c) = cs.next() {
            s.push(c.to_ascii_uppercase());
            s.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'N');
    }
    s
}

pub(crate) fn snake(name: &str) -> String {
    let mut s = words(name)
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if ["self", "super", "crate"].contains(&s.as_str()) {
        s.push('_');
    } else if KEYWORDS.contains(&s.as_str()) {
        s.insert_str(0, "r#");
    }
    s
}

pub(crate) fn upper(name: &str) -> String {
    let mut s = words(name)
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// Hands out unique type names.
#[derive(Default)]
pub(crate) struct Names {
    pub(crate) taken: HashSet<String>,
}

impl Names {
    /// `base`, or `base` + `suffix` (+ a number) when taken or reserved.
    pub(crate) fn take(&mut self, base: String, suffix: &str) -> String {
        let mut name = base.clone();
        if RESERVED_TYPES.contains(&name.as_str()) || self.taken.contains(&name) {
            name = format!("{base}{suffix}");
        }
        let mut n = 2;
        while RESERVED_TYPES.contains(&name.as_str()) || self.taken.contains(&name) {
            name = format!("{base}{suffix}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// The Rust names of an import's types.
pub(super) struct TypeNames<'s> {
    /// Every name handed out (more are taken while emitting).
    pub(super) names: Names,
    /// Attribute set → struct.
    pub(super) set_names: HashMap<&'s str, String>,
    /// The command enum.
    pub(super) cmd_name: String,
    /// C struct definition → struct.
    pub(super) struct_names: HashMap<&'s str, String>,
    /// enum name → (Rust name, is flags).
    pub(super) enum_names: HashMap<&'s str, (String, bool)>,
}

impl<'s> TypeNames<'s> {
    /// Names the sets of `wanted` first, then the command enum, the
    /// structs and the enums.
    pub(super) fn new(spec: &'s Spec, wanted: &BTreeSet<&'s str>) -> Self {
        // Type names: sets first, then the command enum, helpers, enums.
        let mut names = Names::default();
        let mut set_names: HashMap<&str, String> = HashMap::new();
        for s in &spec.attribute_sets {
            if wanted.contains(s.name.as_str()) {
                set_names.insert(&s.name, names.take(camel(&s.name), "Attrs"));
            }
        }
        let cmd_name = names.take("Cmd".into(), "Family");
        // C structs (fixed headers, layouts of binary attributes).
        let mut struct_names: HashMap<&str, String> = HashMap::new();
        for d in &spec.definitions {
            if d.ty == "struct" {
                struct_names.insert(&d.name, names.take(camel(&d.name), "Struct"));
            }
        }
        // enum name → (Rust name, is flags)
        let mut enum_names: HashMap<&str, (String, bool)> = HashMap::new();
        let mut flag_mods: HashSet<String> = HashSet::new();
        for d in &spec.definitions {
            match d.ty.as_str() {
                "enum" if !d.entries.is_empty() => {
                    enum_names.insert(&d.name, (names.take(camel(&d.name), "Enum"), false));
                }
                "flags" => {
                    let mut m = snake(&d.name);
                    while !flag_mods.insert(m.clone()) {
                        m.push('_');
                    }
                    enum_names.insert(&d.name, (m, true));
                }
                _ => {}
            }
        }

        TypeNames {
            names,
            set_names,
            cmd_name,
            struct_names,
            enum_names,
        }
    }
}
