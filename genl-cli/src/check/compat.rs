//! `genl check --compat REF`: the family as declared at git ref REF (or in
//! a saved YNL spec) against the working tree, by the rules of
//! [`genl_ynl::compat`], each finding named by its rule, its schema path
//! and the Rust line that declares it.
//!
//! Both sides are the family's generated YNL spec (`<generate.dir>/<name>.yaml`,
//! committed, and checked fresh by `genl generate --check`): at REF it is
//! read with `git show REF:<path>`; the working tree's is the file.

use std::path::{Path, PathBuf};
use std::process::Command;

use genl_ynl::compat::{Finding, Impact};

use crate::project::{CompatAllowConfig, Project};

/// The old side of the comparison: a git ref or a YNL file.
fn old_spec(project_dir: &Path, spec: &Path, reference: &str) -> Result<(String, String), String> {
    let as_file = Path::new(reference);
    if reference.ends_with(".yaml") && as_file.is_file() {
        let text =
            std::fs::read_to_string(as_file).map_err(|e| format!("{}: {e}", as_file.display()))?;
        return Ok((text, as_file.display().to_string()));
    }
    let rel = spec.strip_prefix(project_dir).unwrap_or(spec);
    let out = Command::new("git")
        .arg("-C")
        .arg(project_dir)
        .arg("show")
        .arg(format!("{reference}:./{}", rel.display()))
        .output()
        .map_err(|e| format!("git: {e} (is git installed?)"))?;
    if !out.status.success() {
        let shallow = Command::new("git")
            .arg("-C")
            .arg(project_dir)
            .args(["rev-parse", "--is-shallow-repository"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
            .unwrap_or(false);
        return Err(format!(
            "git show {reference}:./{}: {}{}",
            rel.display(),
            String::from_utf8_lossy(&out.stderr).trim(),
            if shallow {
                " (the repository is a shallow clone: fetch more history, e.g. `git fetch --deepen=1`)"
            } else {
                ""
            }
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| format!("{reference}: {e}"))?;
    Ok((text, format!("{reference}:{}", rel.display())))
}

/// `kebab-case` → `CamelCase`.
fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The project's Rust files (not `target/`), sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
    out.sort();
}

/// The `src/` of the cargo package that declares the family
/// (`[family] package`), found under the project; the project itself when
/// none is.
fn schema_src(project: &Project) -> PathBuf {
    let Some(package) = project.config.family.as_ref().map(|f| f.package.as_str()) else {
        return project.root.clone();
    };
    let mut dirs = vec![(project.root.clone(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        if let Ok(text) = std::fs::read_to_string(d.join("Cargo.toml")) {
            let name = text
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_owned));
            if name.as_deref() == Some(package) {
                return d.join("src");
            }
        }
        if depth < 3 {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if e.path().is_dir() && name != "target" && !name.starts_with('.') {
                    dirs.push((e.path(), depth + 1));
                }
            }
        }
    }
    project.root.clone()
}

/// The Rust line that declares what a finding's spec path names, best
/// effort: an attribute (`attribute-sets/<set>/<attr>`) is the field
/// `<attr>` (snake case) of `struct <Set>`; an operation
/// (`operations/<op>`) the variant `<Op>`; an enum entry
/// (`definitions/<enum>/<entry>`) the variant `<Entry>` of `enum <Enum>`;
/// anything else the first line naming it in quotes.
///
/// `structs` maps an attribute set's YNL name to its Rust struct where the
/// spec says (genl writes "(Rust: KvEntry; …)" in each set's doc,
/// [`rust_structs`]).
pub(crate) fn rust_line(
    files: &[PathBuf],
    structs: &std::collections::HashMap<String, String>,
    path: &str,
) -> Option<(PathBuf, usize)> {
    let parts: Vec<&str> = path.split('/').collect();
    let (container, member) = match parts.as_slice() {
        ["attribute-sets", set, attr, ..] => (
            Some(format!(
                "struct {}",
                structs.get(*set).cloned().unwrap_or_else(|| camel(set))
            )),
            format!("{}:", attr.replace('-', "_")),
        ),
        ["definitions", def, entry, ..] => (Some(format!("enum {}", camel(def))), camel(entry)),
        ["operations", op, ..] => (None, camel(op)),
        [_, name, ..] => (None, format!("\"{name}\"")),
        _ => return None,
    };
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let starts: Vec<usize> = match &container {
            Some(c) => lines
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.split_once(c.as_str()).is_some_and(|(_, rest)| {
                        rest.starts_with(|ch: char| !ch.is_alphanumeric() && ch != '_')
                    })
                })
                .map(|(i, _)| i)
                .collect(),
            None => vec![0],
        };
        for s in starts {
            for (i, l) in lines.iter().enumerate().skip(s) {
                if container.is_some() && i > s && l.trim_start().starts_with('}') {
                    break;
                }
                let t = l.trim_start();
                let t = t.strip_prefix("pub ").unwrap_or(t);
                let hit = if container.is_some() || member.starts_with('"') {
                    t.starts_with(member.as_str())
                        && (member.ends_with(':')
                            || member.starts_with('"')
                            || t[member.len()..]
                                .starts_with(|ch: char| !ch.is_alphanumeric() && ch != '_'))
                        || (member.starts_with('"') && l.contains(member.as_str()))
                } else {
                    // A variant of some enum: `Name,`, `Name {`, `Name(`,
                    // `Name =` at the start of a line.
                    t.starts_with(member.as_str())
                        && t[member.len()..].starts_with([',', ' ', '(', '{', '='])
                };
                if hit {
                    return Some((f.clone(), i + 1));
                }
            }
        }
    }
    None
}

/// The Rust struct of each attribute set, from the "(Rust: Name" genl
/// writes in the sets' docs.
pub(crate) fn rust_structs(spec_yaml: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let Ok(v) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(spec_yaml) else {
        return out;
    };
    for set in v
        .get("attribute-sets")
        .and_then(|s| s.as_sequence())
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(doc)) = (
            set.get("name").and_then(|n| n.as_str()),
            set.get("doc").and_then(|d| d.as_str()),
        ) else {
            continue;
        };
        if let Some(rest) = doc.split("(Rust: ").nth(1) {
            let ty: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ty.is_empty() {
                out.insert(name.to_owned(), ty);
            }
        }
    }
    out
}

/// An allow entry that matches a finding: same rule, and its `at` (if any)
/// contained in the finding's path.
fn allowed<'a>(allow: &'a [CompatAllowConfig], f: &Finding) -> Option<&'a CompatAllowConfig> {
    allow
        .iter()
        .find(|a| a.rule == f.rule && a.at.as_deref().is_none_or(|at| f.path.contains(at)))
}

/// Compares the family at `reference` with the working tree, prints every
/// finding (text, or one JSON array with `json`), and fails when a
/// breaking finding is not allowed by `genl.toml` (`[check] compat-allow`).
pub fn run(project: &Project, reference: &str, json: bool) -> Result<(), String> {
    let spec = project.family_spec()?;
    let dir = project.root.clone();
    let (old, old_name) = old_spec(&dir, &spec, reference)?;
    let new = std::fs::read_to_string(&spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let findings = genl_ynl::compat::compare(&old, &new)?;
    let allow: Vec<CompatAllowConfig> = project
        .config
        .check
        .as_ref()
        .map(|c| c.compat_allow.clone())
        .unwrap_or_default();
    for a in &allow {
        if !genl_ynl::compat::RULES.iter().any(|r| r.id == a.rule) {
            return Err(format!(
                "genl.toml: [check] compat-allow: unknown rule {:?} (the rules: `genl check --compat-rules`)",
                a.rule
            ));
        }
    }
    let mut files = Vec::new();
    rust_files(&schema_src(project), &mut files);
    let structs = rust_structs(&new);
    let mut breaking = 0;
    let mut rows = Vec::new();
    for f in &findings {
        let line = rust_line(&files, &structs, &f.path)
            .map(|(p, l)| format!("{}:{l}", p.strip_prefix(&dir).unwrap_or(&p).display()));
        let allowed_by = allowed(&allow, f);
        let fails = f.impact == Impact::Breaking && allowed_by.is_none();
        breaking += usize::from(fails);
        if json {
            let mut v = f.to_json();
            if let Some(o) = v.as_object_mut() {
                o.insert("rust".into(), line.clone().into());
                o.insert(
                    "allowed".into(),
                    allowed_by.map(|a| a.reason.clone()).into(),
                );
            }
            rows.push(v);
        } else {
            let verdict = match (f.impact, allowed_by) {
                (Impact::Breaking, None) => "BREAKING".to_string(),
                (Impact::Breaking, Some(a)) => format!("allowed ({})", a.reason),
                (Impact::Compatible, _) => "compatible".to_string(),
            };
            println!(
                "{verdict:<10} {:<24} {}{}\n           {}",
                f.rule,
                f.path,
                line.map(|l| format!("  ({l})")).unwrap_or_default(),
                f.message
            );
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Array(rows))
                .map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "compat: {old_name} → {}: {} findings, {breaking} breaking",
            spec.strip_prefix(&dir).unwrap_or(&spec).display(),
            findings.len()
        );
    }
    if breaking > 0 {
        return Err(format!(
            "{breaking} breaking change(s) since {reference}; allow a deliberate one in genl.toml \
             ([[check.compat-allow]] rule = \"…\", at = \"…\", reason = \"…\")"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_lines_are_found_by_struct_field_and_variant() {
        let dir = std::env::temp_dir().join(format!("genl-compat-lines-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let src = "\
/// Doc.
#[derive(AttrSet)]
pub struct KvEntry<'a> {
    #[nla(id = 1)]
    pub key: &'a str,
    #[nla(id = 2)]
    pub value_len: Option<u32>,
}

pub enum DemoCmd {
    #[genl(cmd = 1)]
    KvSet,
    KvGet,
}

#[genl(mcast_groups(\"events\"))]
pub enum State {
    Up = 1,
    Down = 2,
}
";
        std::fs::write(dir.join("src/lib.rs"), src).unwrap();
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        let mut structs = std::collections::HashMap::new();
        let line = |p: &str, s: &std::collections::HashMap<String, String>| {
            rust_line(&files, s, p).map(|(_, l)| l)
        };
        assert_eq!(line("attribute-sets/kv-entry/key", &structs), Some(5));
        assert_eq!(line("attribute-sets/kv-entry/value-len", &structs), Some(7));
        assert_eq!(line("attribute-sets/kv/key", &structs), None);
        structs.extend(rust_structs(
            "attribute-sets:\n  - name: kv\n    doc: \"An entry. (Rust: KvEntry; subsets KvKey.)\"\n",
        ));
        assert_eq!(line("attribute-sets/kv/key", &structs), Some(5));
        assert_eq!(line("operations/kv-get", &structs), Some(13));
        assert_eq!(line("definitions/state/down", &structs), Some(19));
        assert_eq!(line("mcast-groups/events", &structs), Some(16));
        assert_eq!(line("attribute-sets/kv-entry/nothing", &structs), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
