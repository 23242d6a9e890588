//! The family's YNL spec as the ynl-gen-c checks need it, read by python
//! (the kernel's tools read it with PyYAML too): its enums, attribute sets
//! and attributes by C name ([`SpecInfo`]); and ynl-gen-c's copy of it
//! made renderable by Linux 6.12's ynl-gen-c ([`prepare`]), which cannot
//! take:
//!
//! - `enum:` on an attribute whose enum's values are not contiguous (or
//!   that has no values): `TypeScalar.__init__` calls
//!   `EnumSet.value_range()` for any attribute with `enum:`, in every mode,
//!   and it raises `Can't get value range for a noncontiguous enum`. The
//!   copy goes without the attribute's `enum:` (the uapi header does not
//!   depend on it: the enum itself stays in `definitions`);
//! - checks of a `binary` attribute other than a lone `min-len` or an
//!   `exact-len` (`TypeBinary._attr_policy` raises `One or more of binary
//!   type checks not implemented, yet`): the copy goes without them;
//! - an `indexed-array` of scalars (`new_attr: unsupported sub-type`), or
//!   of nests of a set a plain nest also nests (`Struct.set_inherited`:
//!   `Inheriting different members not supported`): the copy has a
//!   `binary` in its place;
//! - a set that is both an operation's `attribute-set` and nested
//!   (`Using attr set as root and nested not supported`): its operations
//!   take a `subset-of` copy of it instead (the same attributes and C
//!   names; subsets are not in the uapi header).
//!
//! Each removal is listed ([`Stripped`]); the policy comparison then checks
//! our entry for that attribute against the spec itself.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::host::{output, HostError};
use crate::kernel_source::PYTHON;

/// Reads the spec (argv[1]), prints [`SpecInfo`] as JSON and rewrites the
/// file without what 6.12's ynl-gen-c cannot render (argv[2] == "strip").
/// Names follow ynl-gen-c's (`c_upper`, `c_lower`, `Struct.render_name`,
/// `AttrSet` prefixes) and values nlspec's (`SpecEnumEntry`).
const PREPARE_PY: &str = r#"
import sys, json, yaml
path, strip = sys.argv[1], sys.argv[2] == 'strip'
text = open(path).read()
head = ''.join(l for l in text.splitlines(True) if l.startswith('#'))
spec = yaml.safe_load(text)
name = spec['name']
ident = name.replace('-', '_')
def c_upper(s): return s.upper().replace('-', '_')
def c_lower(s): return s.lower().replace('-', '_')
scalars = {'u8', 'u16', 'u32', 'u64', 's32', 's64', 'uint', 'sint'}
enums = {}
for d in spec.get('definitions', []):
    if d.get('type') not in ('enum', 'flags'):
        continue
    values, prev = [], None
    for e in d.get('entries', []):
        if isinstance(e, str):
            e = {'name': e}
        v = e['value'] if 'value' in e else (prev + 1 if prev is not None else d.get('value-start', 0))
        values.append(v)
        prev = v
    enums[d['name']] = {'kind': d['type'], 'values': values}
def contiguous(e):
    v = e['values']
    return bool(v) and max(v) - min(v) + 1 == len(v)
sets, attrs, stripped = {}, {}, []
by_name = {s['name']: s for s in spec.get('attribute-sets', [])}
def prefix(s):
    if 'subset-of' in s:
        return prefix(by_name[s['subset-of']])
    if 'name-prefix' in s:
        return s['name-prefix']
    if s['name'] == name:
        return ident + '-a-'
    return f"{ident}-a-{s['name']}-"
for s in spec.get('attribute-sets', []):
    render = c_lower(ident) if name == c_lower(s['name']) else c_lower(ident + '-' + s['name'])
    sets[s['name']] = {'policy': render + '_nl_policy'}
    pfx = prefix(s)
    for a in s.get('attributes', []):
        c = c_upper(a.get('name-prefix', pfx) + a['name'])
        checks = {k: str(v) for k, v in (a.get('checks') or {}).items()}
        attrs[c] = {
            'set': s['name'], 'name': a['name'], 'type': a['type'],
            'sub_type': a.get('sub-type'), 'big_endian': a.get('byte-order') == 'big-endian',
            'multi_attr': bool(a.get('multi-attr')), 'nested': a.get('nested-attributes'),
            'enum': a.get('enum'), 'enum_as_flags': bool(a.get('enum-as-flags')),
            'checks': checks,
        }
        where = {'set': s['name'], 'attr': a['name'], 'c_name': c}
        e = a.get('enum')
        if a['type'] in scalars and e in enums and not contiguous(enums[e]):
            why = 'enum without values' if not enums[e]['values'] else 'noncontiguous enum'
            stripped.append(dict(where, kind='enum', detail=f"enum: {e} ({why}: value_range() raises)"))
            a.pop('enum', None)
            a.pop('enum-as-flags', None)
        c = a.get('checks')
        if a['type'] == 'binary' and c and not ('exact-len' in c or set(c) == {'min-len'}):
            detail = ', '.join(f'{k}: {v}' for k, v in c.items())
            stripped.append(dict(where, kind='binary-checks', detail=f"checks {{{detail}}} (binary: only a lone min-len or an exact-len render)"))
            del a['checks']
        if a['type'] == 'indexed-array' and a.get('sub-type') != 'nest':
            stripped.append(dict(where, kind='indexed-array', detail=f"indexed-array of {a.get('sub-type')} (unsupported sub-type; a binary in its place)"))
            a['type'] = 'binary'
            a.pop('sub-type', None)
            a.pop('checks', None)
# A set an indexed array and a plain nest both nest: Struct.set_inherited
# raises "Inheriting different members not supported" (the array's
# elements inherit an index). The array goes, its set stays as the nest's.
uses = {}
for s in spec.get('attribute-sets', []):
    for a in s.get('attributes', []):
        if 'nested-attributes' in a:
            kind = 'idx' if a['type'] == 'indexed-array' else 'nest'
            uses.setdefault(a['nested-attributes'], set()).add(kind)
for s in spec.get('attribute-sets', []):
    pfx = prefix(s)
    for a in s.get('attributes', []):
        n = a.get('nested-attributes')
        if a['type'] == 'indexed-array' and n and uses.get(n) == {'idx', 'nest'}:
            c = c_upper(a.get('name-prefix', pfx) + a['name'])
            stripped.append({'set': s['name'], 'attr': a['name'], 'c_name': c, 'kind': 'indexed-array', 'detail': f"indexed-array of nest {n}, which a plain nest also nests (Inheriting different members not supported; a binary in its place)"})
            a['type'] = 'binary'
            a.pop('sub-type', None)
            a.pop('nested-attributes', None)
# A set that is both an operation's and nested: Family raises "Using attr
# set as root and nested not supported". Its operations get a subset-of
# copy of it (same attributes, same C names; not in the uapi header).
ops = (spec.get('operations') or {}).get('list', [])
nested_now = {a['nested-attributes'] for s in spec.get('attribute-sets', []) for a in s.get('attributes', []) if 'nested-attributes' in a}
for name in sorted({o.get('attribute-set') for o in ops} & nested_now):
    alias = name + '-genl-op'
    while alias in by_name:
        alias += '-'
    parent = by_name[name]
    spec['attribute-sets'].append({'name': alias, 'subset-of': name, 'attributes': [{'name': a['name']} for a in parent['attributes'] if a['type'] != 'unused']})
    for o in ops:
        if o.get('attribute-set') == name:
            o['attribute-set'] = alias
    stripped.append({'set': name, 'attr': '*', 'c_name': '', 'kind': 'root-and-nested', 'detail': f"attribute set both an operation's and nested (Using attr set as root and nested not supported): its operations take a subset-of copy, {alias}"})
if strip:
    open(path, 'w').write(head + '---\n' + yaml.safe_dump(spec, sort_keys=False))
print(json.dumps({'name': name, 'protocol': spec.get('protocol', 'genetlink'), 'enums': enums, 'sets': sets, 'attrs': attrs, 'stripped': stripped}))
"#;

/// The spec, as the checks need it.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SpecInfo {
    /// The family's name.
    pub(crate) name: String,
    /// `genetlink`, `genetlink-c` or `genetlink-legacy`.
    #[serde(default)]
    pub(crate) protocol: String,
    /// Enums and flags of `definitions`, by name.
    pub(crate) enums: BTreeMap<String, SpecEnum>,
    /// Attribute sets, by name.
    pub(crate) sets: BTreeMap<String, SpecSet>,
    /// Attributes by C name (`PORTWATCH_A_RULE_ID`).
    pub(crate) attrs: BTreeMap<String, SpecAttr>,
    /// What ynl-gen-c's copy goes without.
    pub(crate) stripped: Vec<Stripped>,
}

/// An enum or flags definition.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SpecEnum {
    /// Its entries' values (for flags, bit numbers).
    pub(crate) values: Vec<i128>,
}

impl SpecEnum {
    /// The mask of a flags enum (or of an enum used as flags).
    pub(crate) fn mask(&self) -> i128 {
        self.values
            .iter()
            .filter(|v| (0..127).contains(*v))
            .map(|v| 1i128 << v)
            .sum()
    }
}

/// An attribute set.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SpecSet {
    /// The name of ynl-gen-c's nested policy of the set.
    pub(crate) policy: String,
}

/// An attribute.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SpecAttr {
    /// Its set.
    pub(crate) set: String,
    /// Its YNL type.
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// `sub-type` (of an indexed array).
    pub(crate) sub_type: Option<String>,
    /// `byte-order: big-endian`.
    pub(crate) big_endian: bool,
    /// `multi-attr: true`.
    pub(crate) multi_attr: bool,
    /// `nested-attributes`.
    pub(crate) nested: Option<String>,
    /// `enum`.
    #[serde(rename = "enum")]
    pub(crate) enum_: Option<String>,
    /// `checks`, values as written.
    pub(crate) checks: BTreeMap<String, String>,
}

impl SpecAttr {
    /// A check's value, as a number.
    pub(crate) fn check(&self, k: &str) -> Option<i128> {
        self.checks.get(k).and_then(|v| v.parse().ok())
    }
}

/// What ynl-gen-c's copy of the spec goes without, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Stripped {
    /// The attribute's set.
    pub(crate) set: String,
    /// The attribute.
    pub(crate) attr: String,
    /// Its C name.
    pub(crate) c_name: String,
    /// `enum`, `binary-checks`, `indexed-array` or `root-and-nested`.
    pub(crate) kind: String,
    /// What was removed and why.
    pub(crate) detail: String,
}

impl SpecInfo {
    /// What was removed from the attribute `c_name`, of `kind`.
    pub(crate) fn stripped(&self, c_name: &str, kind: &str) -> Option<&Stripped> {
        self.stripped
            .iter()
            .find(|s| s.c_name == c_name && s.kind == kind)
    }

    /// Says, a line each to `say`, what ynl-gen-c's copy goes without.
    pub(crate) fn say_stripped(&self, say: &mut dyn FnMut(&str)) {
        if self.stripped.is_empty() {
            return;
        }
        say("ynl: 6.12's ynl-gen-c cannot take, so its copy of the spec goes without:");
        for s in &self.stripped {
            say(&format!("ynl:   {}.{}: {}", s.set, s.attr, s.detail));
        }
    }
}

/// Reads `spec` and, with `strip`, rewrites it (ynl-gen-c's copy) without
/// what 6.12's ynl-gen-c cannot render; returns the spec as it was read.
pub(crate) fn prepare(spec: &Path, strip: bool) -> Result<SpecInfo, SpecError> {
    let out = output(
        Command::new(PYTHON)
            .arg("-c")
            .arg(PREPARE_PY)
            .arg(spec)
            .arg(if strip { "strip" } else { "read" }),
        &format!("reading the YNL spec {}", spec.display()),
    )?;
    serde_json::from_str(&out).map_err(|error| SpecError::Json {
        spec: spec.to_owned(),
        error,
    })
}

/// Why the spec could not be read for the ynl-gen-c checks (or the copy
/// ynl-gen-c takes made).
/// `Display` is the message `genl check` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum SpecError {
    /// The python that reads it could not run, or failed (PyYAML could
    /// not read the spec, say): its output.
    Host(HostError),
    /// What it printed is not the JSON expected.
    Json {
        /// The spec.
        spec: PathBuf,
        /// serde's error.
        error: serde_json::Error,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Host(e) => e.fmt(f),
            SpecError::Json { spec, error } => {
                write!(f, "{}: reading its JSON: {error}", spec.display())
            }
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Host(e) => Some(e),
            SpecError::Json { error, .. } => Some(error),
        }
    }
}

crate::error::wrap_errors!(SpecError { Host(HostError) });

#[cfg(test)]
mod tests {
    use super::*;

    /// The check's reading of portwatch's spec (`testdata/portwatch`), by
    /// the kernel's python and PyYAML: what ynl-gen-c's copy goes without,
    /// and that copy.
    #[test]
    fn portwatchs_spec_is_read_and_its_copy_made_renderable() {
        assert!(
            crate::kernel_source::ensure_python("yaml", &["python3", "python3-yaml"]).is_ok(),
            "python3 with PyYAML is needed"
        );
        let dir = super::super::ynl::WorkDir::new(
            std::env::temp_dir().join(format!("genl-ynl-spec-{}", std::process::id())),
            false,
        )
        .unwrap();
        let copy = dir.path().join("portwatch.yaml");
        std::fs::write(&copy, include_str!("testdata/portwatch/portwatch.yaml")).unwrap();
        let info = prepare(&copy, true).unwrap();
        let stored: SpecInfo =
            serde_json::from_str(include_str!("testdata/portwatch/spec.json")).unwrap();
        assert_eq!(info.stripped, stored.stripped);
        assert_eq!(
            info.stripped
                .iter()
                .map(|s| (s.c_name.as_str(), s.kind.as_str()))
                .collect::<Vec<_>>(),
            [
                ("PORTWATCH_A_RULE_COOKIE", "binary-checks"),
                ("PORTWATCH_A_MATCH_PROTO", "enum")
            ]
        );
        assert_eq!(info.enums["proto"].values, [6, 17]);
        assert_eq!(info.enums["rule-flag"].mask(), 0x7);
        assert_eq!(info.sets["action"].policy, "portwatch_action_nl_policy");
        let tags = &info.attrs["PORTWATCH_A_RULE_TAGS"];
        assert!(tags.multi_attr && tags.ty == "string");
        assert_eq!(tags.check("max-len"), Some(16));
        // The copy: no enum on proto, no checks on cookie, the rest kept
        // (read again, it strips nothing more).
        let again = prepare(&copy, false).unwrap();
        assert!(again.stripped.is_empty(), "{:?}", again.stripped);
        assert_eq!(again.attrs["PORTWATCH_A_MATCH_PROTO"].enum_, None);
        assert!(again.attrs["PORTWATCH_A_RULE_COOKIE"].checks.is_empty());
        assert_eq!(
            again.attrs["PORTWATCH_A_RULE_HWADDR"].check("exact-len"),
            Some(6)
        );
        let text = std::fs::read_to_string(&copy).unwrap();
        assert!(
            text.starts_with("# SPDX-License-Identifier:"),
            "the SPDX line is kept"
        );
    }
}
