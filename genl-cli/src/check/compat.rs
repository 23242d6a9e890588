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

mod error;
pub use error::CompatError;

crate::error::io_at!(CompatError);

/// The text of `path` (under `project_dir`) at git ref `reference`.
fn at_ref(project_dir: &Path, path: &Path, reference: &str) -> Result<String, CompatError> {
    let rel = path.strip_prefix(project_dir).unwrap_or(path);
    let out = Command::new("git")
        .arg("-C")
        .arg(project_dir)
        .arg("show")
        .arg(format!("{reference}:./{}", rel.display()))
        .output()
        .map_err(CompatError::Git)?;
    if !out.status.success() {
        let shallow = Command::new("git")
            .arg("-C")
            .arg(project_dir)
            .args(["rev-parse", "--is-shallow-repository"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
            .unwrap_or(false);
        return Err(CompatError::GitShow {
            reference: reference.to_owned(),
            path: rel.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            shallow,
        });
    }
    String::from_utf8(out.stdout).map_err(|error| CompatError::NotUtf8 {
        reference: reference.to_owned(),
        error,
    })
}

/// The old side of the comparison: a git ref or a YNL file.
fn old_spec(
    project_dir: &Path,
    spec: &Path,
    reference: &str,
) -> Result<(String, String), CompatError> {
    let as_file = Path::new(reference);
    if reference.ends_with(".yaml") && as_file.is_file() {
        let text = std::fs::read_to_string(as_file).map_err(io(as_file))?;
        return Ok((text, as_file.display().to_string()));
    }
    let text = at_ref(project_dir, spec, reference)?;
    let rel = spec.strip_prefix(project_dir).unwrap_or(spec);
    Ok((text, format!("{reference}:{}", rel.display())))
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
                structs
                    .get(*set)
                    .cloned()
                    .unwrap_or_else(|| genl_rules::case::camel(set))
            )),
            format!("{}:", attr.replace('-', "_")),
        ),
        ["definitions", def, entry, ..] => (
            Some(format!("enum {}", genl_rules::case::camel(def))),
            genl_rules::case::camel(entry),
        ),
        ["operations", op, ..] => (None, genl_rules::case::camel(op)),
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
                let hit = if member.starts_with('"') {
                    // A name in quotes anywhere (a group).
                    l.contains(member.as_str())
                } else if member.ends_with(':') {
                    // A field: `name:` at the start of a line.
                    t.starts_with(member.as_str())
                } else {
                    // A variant at the start of a line: in its enum, any
                    // name end (`Down = 2,`); elsewhere `Name,`, `Name {`,
                    // `Name(` or `Name =`.
                    t.strip_prefix(member.as_str()).is_some_and(|rest| {
                        if container.is_some() {
                            rest.starts_with(|ch: char| !ch.is_alphanumeric() && ch != '_')
                        } else {
                            rest.starts_with([',', ' ', '(', '{', '='])
                        }
                    })
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

/// Enumerators whose value moves when entries are added (check-uapi.sh's
/// list, of which these are the ones a genl header can have), suppressed
/// as the kernel's script does.
const ABI_ENUM_SUPPRESSIONS: &[&str] = &[
    ".*_AFTER_LAST$",
    ".*_CNT$",
    ".*_COUNT$",
    ".*_END$",
    ".*_LAST$",
    ".*_MASK$",
    ".*_MAX$",
    ".*_NUM$",
    "^MAX_.*",
    "^NUM_.*",
];

/// What abidiff made of the two uapi headers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AbiVerdict {
    /// No difference, or additions only.
    Compatible(String),
    /// A type changed or was removed: abidiff's report.
    Changed(String),
}

/// The comparison the kernel's `scripts/check-uapi.sh` makes, on two
/// versions of a uapi header: each compiled into a shared object with its
/// types' debug info (the script's `gcc` flags), compared with `abidiff
/// --non-reachable-types` and the script's suppressions (counters such as
/// `__X_MAX` move when an entry is added). Additions only are compatible,
/// as the script judges them.
pub(crate) fn abi_compare(old: &str, new: &str, name: &str) -> Result<AbiVerdict, CompatError> {
    if !crate::host::have("abidiff") {
        return Err(CompatError::NoAbidiff);
    }
    // Removed when dropped, on every path.
    let guard = super::ynl::WorkDir::new(
        std::env::temp_dir().join(format!(
            "genl-compat-abi-{}-{}",
            std::process::id(),
            name.replace('/', "_")
        )),
        false,
    )?;
    let work = guard.path();
    let mut supp = format!(
        "[suppress_type]\n  type_kind = enum\n  changed_enumerators_regexp = {}\n",
        ABI_ENUM_SUPPRESSIONS.join(",")
    );
    supp.push('\n');
    let supp_path = work.join("suppressions");
    std::fs::write(&supp_path, supp).map_err(io(&supp_path))?;
    let mut bins = Vec::new();
    for (tag, text) in [("old", old), ("new", new)] {
        let h = work.join(format!("{tag}.h"));
        std::fs::write(&h, text).map_err(io(&h))?;
        let bin = work.join(format!("{tag}.bin"));
        let mut cc = Command::new("gcc");
        cc.args([
            "-shared",
            "-nostdlib",
            "-fPIC",
            "-O0",
            "-std=c90",
            "-fno-eliminate-unused-debug-types",
            "-g",
            "-o",
        ])
        .arg(&bin)
        .arg("-include")
        .arg(&h)
        .args(["-x", "c", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = cc.spawn().map_err(CompatError::Gcc)?;
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().ok_or(CompatError::GccStdin)?;
            stdin
                .write_all(b"int f(void) { return 0; }\n")
                .map_err(CompatError::Gcc)?;
        }
        let out = child.wait_with_output().map_err(CompatError::Gcc)?;
        if !out.status.success() {
            return Err(CompatError::Compile {
                side: tag,
                name: name.to_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        bins.push(bin);
    }
    let out = Command::new("abidiff")
        .arg("--non-reachable-types")
        .arg("--suppressions")
        .arg(&supp_path)
        .args(&bins)
        .output()
        .map_err(CompatError::Abidiff)?;
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().unwrap_or(-1);
    if code < 0 || code & 0x3 != 0 {
        return Err(CompatError::AbidiffFailed {
            code,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            report,
        });
    }
    let summary = report
        .lines()
        .find(|l| l.starts_with("Unreachable types summary"))
        .unwrap_or("")
        .to_owned();
    if code == 0
        || (summary.contains("0 removed") && summary.contains("0 changed"))
        || only_additions(&report)
    {
        Ok(AbiVerdict::Compatible(if summary.is_empty() {
            "no difference".into()
        } else {
            summary
        }))
    } else {
        Ok(AbiVerdict::Changed(report))
    }
}

/// Whether abidiff's report changes nothing but added enumerators and the
/// suppressed counters that move with them. libabigail before 2.4 (Debian
/// bookworm has 2.2; check-uapi.sh asks for 2.4) does not apply the
/// suppression to an enum that also gained an entry, so this reads its
/// report instead: no deletion, no other type changed or removed, and
/// every changed enumerator a suppressed name.
fn only_additions(report: &str) -> bool {
    let suppressed = |name: &str| {
        [
            "_AFTER_LAST",
            "_CNT",
            "_COUNT",
            "_END",
            "_LAST",
            "_MASK",
            "_MAX",
            "_NUM",
        ]
        .iter()
        .any(|s| name.ends_with(s))
            || name.starts_with("MAX_")
            || name.starts_with("NUM_")
    };
    let mut changed_types = 0;
    for l in report.lines() {
        let t = l.trim_start();
        if t.starts_with("[D]") || (t.starts_with("[C]") && !t.contains("'enum ")) {
            return false;
        }
        if t.starts_with("[C]") {
            changed_types += 1;
        }
        if t.contains("enumerator deletion") {
            return false;
        }
        if let Some((name, _)) = t.split_once("' from value '") {
            let name = name.rsplit("::").next().unwrap_or(name);
            if !suppressed(name) {
                return false;
            }
        }
    }
    changed_types > 0
}

/// The rule id of an ABI change abidiff reports (allowed in genl.toml as
/// any rule of [`genl_ynl::compat::RULES`]).
pub const UAPI_ABI_CHANGED: &str = "UAPI_ABI_CHANGED";

/// An allow entry that matches a finding: same rule, and its `at` (if any)
/// contained in the finding's path.
fn allowed<'a>(allow: &'a [CompatAllowConfig], f: &Finding) -> Option<&'a CompatAllowConfig> {
    allow
        .iter()
        .find(|a| a.rule == f.rule && a.at.as_deref().is_none_or(|at| f.path.contains(at)))
}

/// Compares the family at `reference` with the working tree, hands every
/// finding to `report` (text, or one JSON array with `json`) and the uapi
/// ABI comparison's lines to `note`, and fails when a breaking finding is
/// not allowed by `genl.toml` (`[check] compat-allow`). (`genl check
/// --compat` prints the report to stdout, and the notes to stdout, or to
/// stderr with `--json`.)
pub fn run(
    project: &Project,
    reference: &str,
    json: bool,
    report: &mut dyn FnMut(&str),
    note: &mut dyn FnMut(&str),
) -> Result<(), CompatError> {
    let spec = project.family_spec()?;
    let dir = project.root.clone();
    let (old, old_name) = old_spec(&dir, &spec, reference)?;
    let new = std::fs::read_to_string(&spec).map_err(io(&spec))?;
    let findings = genl_ynl::compat::compare(&old, &new).map_err(CompatError::Spec)?;
    let allow: Vec<CompatAllowConfig> = project
        .config
        .check
        .as_ref()
        .map(|c| c.compat_allow.clone())
        .unwrap_or_default();
    for a in &allow {
        if a.rule != UAPI_ABI_CHANGED && !genl_ynl::compat::RULES.iter().any(|r| r.id == a.rule) {
            return Err(CompatError::UnknownRule {
                rule: a.rule.clone(),
            });
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
            report(&format!(
                "{verdict:<10} {:<24} {}{}\n           {}",
                f.rule,
                f.path,
                line.map(|l| format!("  ({l})")).unwrap_or_default(),
                f.message
            ));
        }
    }
    if json {
        report(&serde_json::to_string_pretty(&serde_json::Value::Array(
            rows,
        ))?);
    } else {
        report(&format!(
            "compat: {old_name} → {}: {} findings, {breaking} breaking",
            spec.strip_prefix(&dir).unwrap_or(&spec).display(),
            findings.len()
        ));
    }
    // Beside the rules: what the kernel's check-uapi.sh would say of the
    // two uapi headers (not for a saved YNL file: no header beside it).
    if !(reference.ends_with(".yaml") && Path::new(reference).is_file()) {
        let header = project.uapi_header()?;
        let rel = header
            .strip_prefix(&dir)
            .unwrap_or(&header)
            .display()
            .to_string();
        match at_ref(&dir, &header, reference) {
            Err(CompatError::GitShow { stderr, .. })
                if stderr.contains("does not exist")
                    || stderr.contains("exists on disk, but not in") =>
            {
                note(&format!(
                    "uapi ABI (abidiff): {rel} is not at {reference}: nothing to compare"
                ))
            }
            Err(e) => return Err(e),
            Ok(old_h) => {
                let new_h = std::fs::read_to_string(&header).map_err(io(&header))?;
                match abi_compare(&old_h, &new_h, &rel)? {
                    AbiVerdict::Compatible(s) => note(&format!(
                        "uapi ABI (abidiff, as check-uapi.sh): {rel}: compatible ({s})"
                    )),
                    AbiVerdict::Changed(report) => {
                        let allowed_by = allow.iter().find(|a| a.rule == UAPI_ABI_CHANGED);
                        match allowed_by {
                            Some(a) => note(&format!(
                                "uapi ABI (abidiff, as check-uapi.sh): {rel}: changed, allowed ({})",
                                a.reason
                            )),
                            None => {
                                breaking += 1;
                                note(&format!(
                                    "uapi ABI (abidiff, as check-uapi.sh): {rel}: BREAKING \
                                     ({UAPI_ABI_CHANGED})\n{report}"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if breaking > 0 {
        return Err(CompatError::Breaking {
            count: breaking,
            reference: reference.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libabigail 2.2's report (Debian bookworm) for genl_demo.h with an
    /// attribute appended to the echo set, and with an attribute
    /// renumbered.
    #[test]
    fn abidiff_reports_are_read_as_check_uapi_judges_them() {
        let added = "Unreachable types summary: 0 removed, 1 changed, 0 added type

1 changed type unreachable from any public interface:

  [C] 'enum __anonymous_enum__' changed:
    type size hasn't changed
    1 enumerator insertion:
      '__anonymous_enum__::GENL_DEMO_A_ECHO_PAD' value '3'
    2 enumerator changes:
      '__anonymous_enum__::GENL_DEMO_A_ECHO_MAX' from value '2' to '3' at new.h:40:1
      '__anonymous_enum__::__GENL_DEMO_A_ECHO_MAX' from value '3' to '4' at new.h:40:1
";
        assert!(only_additions(added));
        let renumbered = added.replace(
            "GENL_DEMO_A_ECHO_MAX' from value '2' to '3'",
            "GENL_DEMO_A_ECHO_COOKIE' from value '2' to '3'",
        );
        assert!(!only_additions(&renumbered));
        let deleted = added.replace("1 enumerator insertion", "1 enumerator deletion");
        assert!(!only_additions(&deleted));
        let strukt = added.replace("'enum __anonymous_enum__'", "'struct genl_demo_hdr'");
        assert!(!only_additions(&strukt));
        assert!(!only_additions("no changes at all"));
    }

    /// The real tools on two versions of genl_demo's uapi header (abidiff
    /// from Debian's abigail-tools): an appended attribute is compatible,
    /// a renumbered one is not.
    #[test]
    fn abidiff_on_genl_demo_h() {
        if !crate::host::have("abidiff") {
            // As every suite that cannot run: a failure, unless skipping is
            // allowed, and then a line of `cargo xtask test`'s skip log.
            let why = "abidiff not installed (apt-get install abigail-tools)";
            assert!(
                std::env::var_os("GENL_ALLOW_SKIP").is_some_and(|v| v == "1"),
                "SKIPPED (not run): {why}; set GENL_ALLOW_SKIP=1 to allow skipping"
            );
            eprintln!("SKIPPED (not run, GENL_ALLOW_SKIP=1): {why}");
            if let Some(log) = std::env::var_os("GENL_SKIP_LOG") {
                use std::io::Write as _;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
                    .expect("GENL_SKIP_LOG is writable");
                writeln!(
                    f,
                    "genl_cli::check::compat::tests::abidiff_on_genl_demo_h\t{why}"
                )
                .expect("GENL_SKIP_LOG is writable");
            }
            return;
        }
        let h = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../kmod-c/include/uapi/linux/genl_demo.h"
        ))
        .unwrap();
        assert_eq!(
            abi_compare(&h, &h, "same").unwrap(),
            AbiVerdict::Compatible("no difference".into())
        );
        let appended = h.replacen(
            "\tGENL_DEMO_A_META_PORT,\n",
            "\tGENL_DEMO_A_META_PORT,\n\tGENL_DEMO_A_META_FLAGS,\n",
            1,
        );
        assert_ne!(appended, h);
        assert!(matches!(
            abi_compare(&h, &appended, "appended").unwrap(),
            AbiVerdict::Compatible(_)
        ));
        let renumbered = h.replacen(
            "\tGENL_DEMO_A_META_PORT,\n",
            "\tGENL_DEMO_A_META_PORT = 5,\n",
            1,
        );
        match abi_compare(&h, &renumbered, "renumbered").unwrap() {
            AbiVerdict::Changed(r) => assert!(r.contains("GENL_DEMO_A_META_PORT"), "{r}"),
            v => panic!("{v:?}"),
        }
    }

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
