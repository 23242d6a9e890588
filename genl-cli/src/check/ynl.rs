//! The family's YNL spec against the kernel's own YNL tooling (from Debian's
//! `linux-source-6.12`, see [`kernel_source`](crate::kernel_source)):
//!
//! - [`ynl_validate`]: the spec is validated against the kernel's JSON schema
//!   (`Documentation/netlink/<protocol>.yaml`) with Debian's
//!   python3-jsonschema.
//! - [`ynl_gen_c_compare`]: the kernel's `ynl-gen-c.py --mode uapi --header`
//!   generates a uapi header from the spec; every enumerator, `enum` tag and
//!   define of it and of ours is compiled with gcc and its value printed by
//!   the compiled program: names and values must agree.
//!
//! Anything that cannot run is an error saying why, never a silent skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::host::{self, output};
use crate::kernel_source::{self, ensure_python, PYTHON};

/// Validates the spec with jsonschema, printing every error.
const VALIDATE_PY: &str = r#"
import sys, yaml, jsonschema
spec_path, netlink_dir = sys.argv[1], sys.argv[2]
spec = yaml.safe_load(open(spec_path))
proto = spec.get('protocol', 'genetlink')
schema_path = f'{netlink_dir}/{proto}.yaml'
schema = yaml.safe_load(open(schema_path))
# genetlink.yaml names draft-07 without the trailing '#' jsonschema keys on.
if 'draft-07' in schema.get('$schema', ''):
    cls = jsonschema.Draft7Validator
else:
    cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
try:
    import importlib.metadata
    version = importlib.metadata.version('jsonschema')
except Exception:
    version = '?'
errors = sorted(cls(schema).iter_errors(spec), key=lambda e: list(e.absolute_path))
for e in errors:
    path = '/'.join(str(p) for p in e.absolute_path) or '(top)'
    print(f'  {path}: {e.message}')
print(f'schema {schema_path}: {len(errors)} error(s) ({cls.__name__}, jsonschema {version})')
sys.exit(1 if errors else 0)
"#;

/// Validates the YNL spec `spec` against the kernel's JSON schema for its
/// `protocol` (`Documentation/netlink/genetlink.yaml` for `genetlink`),
/// printing every error. Installs python3-yaml and python3-jsonschema
/// when missing (as root) and fetches the kernel's tree into the cache.
pub fn ynl_validate(spec: &Path) -> Result<(), String> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    let tree = kernel_source::tree()?;
    println!(
        "ynl: validating {} against the kernel's schema",
        spec.display()
    );
    let netlink_dir = tree.join("Documentation/netlink");
    let text = Command::new(PYTHON)
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(spec)
        .arg(&netlink_dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{PYTHON}: {e}"))?;
    print!("{}", String::from_utf8_lossy(&text.stdout));
    eprint!("{}", String::from_utf8_lossy(&text.stderr));
    if !text.status.success() {
        return Err(format!(
            "{} does not validate against the kernel's schema",
            spec.display()
        ));
    }
    Ok(())
}

/// Runs the kernel's `ynl-gen-c.py --mode uapi --header` on `spec` and
/// compares, by name and value, every constant of its header with those of
/// `our_uapi_header` (both compiled with gcc). Works in a fresh directory
/// under the system's temporary directory, removed on success and kept (and
/// named) on failure.
pub fn ynl_gen_c_compare(spec: &Path, our_uapi_header: &Path) -> Result<(), String> {
    // ynl-gen-c validates the spec too (with jsonschema).
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    if !host::have("gcc") {
        return Err("gcc is not installed (needed to compile both uapi headers)".into());
    }
    let tree = kernel_source::tree()?;
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();

    let (work, work_spec) = ynl_work_tree(spec, "uapi")?;
    let theirs = work.join(format!("ynl-uapi-{stem}.h"));
    let gen = kernel_source::ynl_gen_c(&tree)?;
    println!(
        "ynl: {} --mode uapi --header --spec {}",
        gen.display(),
        spec.display()
    );
    let result = (|| {
        // `timeout`: ynl-gen-c loops forever when it finds no MAINTAINERS.
        output(
            Command::new("timeout")
                .arg("120")
                .arg(PYTHON)
                .arg(&gen)
                .args(["--mode", "uapi", "--header", "--spec"])
                .arg(&work_spec)
                .arg("-o")
                .arg(&theirs),
            "ynl-gen-c.py",
        )?;
        // Both headers, through the compiler.
        let a = constants(our_uapi_header, &work.join("ours"))?;
        let b = constants(&theirs, &work.join("theirs"))?;
        compare(&a, &b, our_uapi_header, &theirs)
    })();
    match result {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&work);
            Ok(())
        }
        Err(e) => Err(format!("{e}\n(work files kept in {})", work.display())),
    }
}

/// A fresh directory laid out as ynl-gen-c needs (a kernel-like tree: it
/// looks for `MAINTAINERS` upwards and validates the spec against
/// `../<protocol>.yaml`) with a copy of `spec` in
/// `Documentation/netlink/specs/`, under the system's temporary directory;
/// returns (the directory, the copied spec).
pub(crate) fn ynl_work_tree(spec: &Path, what: &str) -> Result<(PathBuf, PathBuf), String> {
    let tree = kernel_source::tree()?;
    let netlink_dir = tree.join("Documentation/netlink");
    let spec_name = spec
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", spec.display()))?;
    let work = std::env::temp_dir().join(format!("genl-ynl-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let specs = work.join("Documentation/netlink/specs");
    std::fs::create_dir_all(&specs).map_err(|e| format!("{}: {e}", specs.display()))?;
    std::fs::write(work.join("MAINTAINERS"), "").map_err(|e| e.to_string())?;
    for f in std::fs::read_dir(&netlink_dir).map_err(|e| e.to_string())? {
        let p = f.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(
                &p,
                work.join("Documentation/netlink")
                    .join(p.file_name().unwrap()),
            )
            .map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    let work_spec = specs.join(spec_name);
    std::fs::copy(spec, &work_spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    Ok((work, work_spec))
}

/// Every constant a header defines: enumerators, `enum` tags and macros,
/// with the values a compiled program prints.
#[derive(Default)]
pub(crate) struct Constants {
    pub(crate) values: BTreeMap<String, String>,
}

/// Identifiers and punctuation of preprocessed C (enough to find enumerators).
pub(crate) fn tokens(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = src.chars().peekable();
    while let Some(c) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::from(c);
            while let Some(d) = it.next() {
                s.push(d);
                if d == '\\' {
                    if let Some(e) = it.next() {
                        s.push(e);
                    }
                } else if d == c {
                    break;
                }
            }
            out.push(s);
        } else if c.is_alphanumeric() || c == '_' {
            let mut s = String::from(c);
            while let Some(&d) = it.peek() {
                if d.is_alphanumeric() || d == '_' {
                    s.push(d);
                    it.next();
                } else {
                    break;
                }
            }
            out.push(s);
        } else {
            out.push(c.to_string());
        }
    }
    out
}

pub(crate) fn constants(header: &Path, dir: &Path) -> Result<Constants, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let what = header.display().to_string();
    let mut c = Constants::default();
    // Enumerators (names from the preprocessed tokens; values from the program).
    let pre = output(
        Command::new("gcc")
            .args(["-E", "-P", "-x", "c"])
            .arg(header),
        &format!("gcc -E {what}"),
    )?;
    let toks = tokens(&pre);
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] != "enum" {
            i += 1;
            continue;
        }
        i += 1;
        if toks.get(i).is_some_and(|t| t != "{") {
            c.values.insert(format!("enum {}", toks[i]), "(tag)".into());
            i += 1;
        }
        if toks.get(i).map(String::as_str) != Some("{") {
            continue;
        }
        i += 1;
        let mut depth = 0;
        let mut expect_name = true;
        while i < toks.len() {
            match toks[i].as_str() {
                "}" if depth == 0 => break,
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 0 => expect_name = true,
                t if expect_name => {
                    names.push(t.to_owned());
                    expect_name = false;
                }
                _ => {}
            }
            i += 1;
        }
    }
    // Macros the header defines (all of `-dM` minus the compiler's own).
    let builtin = output(
        Command::new("gcc").args(["-E", "-dM", "-x", "c", "/dev/null"]),
        "gcc -E -dM /dev/null",
    )?;
    let builtin: std::collections::BTreeSet<&str> = builtin.lines().collect();
    let defs = output(
        Command::new("gcc")
            .args(["-E", "-dM", "-x", "c"])
            .arg(header),
        &format!("gcc -E -dM {what}"),
    )?;
    for l in defs.lines().filter(|l| !builtin.contains(l)) {
        let Some(rest) = l.strip_prefix("#define ") else {
            continue;
        };
        let (name, body) = rest.split_once(' ').unwrap_or((rest, ""));
        if name.contains('(') {
            c.values
                .insert(name.to_owned(), "(function-like macro)".into());
        } else if body.trim().is_empty() {
            c.values.insert(name.to_owned(), "(empty)".into());
        } else {
            names.push(name.to_owned());
        }
    }
    let mut prog = format!(
        "#include <stdio.h>\n#include \"{}\"\n\
         static void pi(const char *n, long long v) {{ printf(\"%s\\t%lld\\n\", n, v); }}\n\
         static void ps(const char *n, const char *v) {{ printf(\"%s\\t\\\"%s\\\"\\n\", n, v); }}\n\
         #define SHOW(n) _Generic((n), char *: ps, const char *: ps, default: pi)(#n, n)\n\
         int main(void) {{\n",
        header.display()
    );
    for n in &names {
        prog += &format!("\tSHOW({n});\n");
    }
    prog += "\treturn 0;\n}\n";
    let src = dir.join("constants.c");
    let exe = dir.join("constants");
    std::fs::write(&src, prog).map_err(|e| format!("{}: {e}", src.display()))?;
    output(
        Command::new("gcc")
            .args(["-std=c11", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(&src),
        &format!("compiling the constants of {what}"),
    )?;
    let printed = output(&mut Command::new(&exe), &format!("{}", exe.display()))?;
    for l in printed.lines() {
        let (n, v) = l
            .split_once('\t')
            .ok_or_else(|| format!("{}: odd line {l:?}", exe.display()))?;
        c.values.insert(n.to_owned(), v.to_owned());
    }
    if c.values.len() < names.len() {
        return Err(format!(
            "{what}: {} names but {} values",
            names.len(),
            c.values.len()
        ));
    }
    Ok(c)
}

/// Constants that may differ, and why (see README, "YNL interop").
const EXPLAINED: &[(&str, &str)] = &[];

fn compare(ours: &Constants, theirs: &Constants, a: &Path, b: &Path) -> Result<(), String> {
    let mut names: Vec<&String> = ours.values.keys().chain(theirs.values.keys()).collect();
    names.sort();
    names.dedup();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    println!("\nours: {}\nynl:  {}", a.display(), b.display());
    println!(
        "{:<width$}  {:<22} {:<22} verdict",
        "constant", "ours", "ynl-gen-c"
    );
    let (mut equal, mut differ, mut only_ours, mut only_theirs) =
        (0, Vec::new(), Vec::new(), Vec::new());
    let mut unexplained = Vec::new();
    for n in &names {
        let (x, y) = (ours.values.get(*n), theirs.values.get(*n));
        let verdict = match (x, y) {
            (Some(x), Some(y)) if x == y => {
                equal += 1;
                "equal"
            }
            (Some(_), Some(_)) => {
                differ.push((*n).clone());
                "DIFFER"
            }
            (Some(_), None) => {
                only_ours.push((*n).clone());
                "only in ours"
            }
            _ => {
                only_theirs.push((*n).clone());
                "only in ynl's"
            }
        };
        let why = EXPLAINED.iter().find(|(e, _)| e == n).map(|(_, w)| *w);
        if verdict != "equal" && why.is_none() {
            unexplained.push((*n).clone());
        }
        println!(
            "{:<width$}  {:<22} {:<22} {verdict}{}",
            n,
            x.map(String::as_str).unwrap_or("-"),
            y.map(String::as_str).unwrap_or("-"),
            why.map(|w| format!(" (explained: {w})"))
                .unwrap_or_default()
        );
    }
    println!(
        "\nynl-gen-c: {} constants, {equal} equal, {} differ; only in ours: {}; only in ynl's: {}",
        names.len(),
        differ.len(),
        if only_ours.is_empty() {
            "-".into()
        } else {
            only_ours.join(" ")
        },
        if only_theirs.is_empty() {
            "-".into()
        } else {
            only_theirs.join(" ")
        },
    );
    if unexplained.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "uapi headers differ (unexplained): {}",
            unexplained.join(" ")
        ))
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn header(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The comparison catches a changed value and a missing constant, with
    /// values computed by the compiler (implicit enumerators, `__MAX - 1`).
    #[test]
    fn compare_catches_value_and_name_differences() {
        if !host::have("gcc") {
            panic!("gcc is needed for this test");
        }
        let dir = std::env::temp_dir().join(format!("genl-ynl-cmp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = header(
            &dir,
            "a.h",
            "#define FAM_NAME \"fam\"\nenum fam_e { A = 1, B, };\n\
             enum { X_UNSPEC, X_ONE, __X_MAX, X_MAX = (__X_MAX - 1) };\n",
        );
        let same = header(
            &dir,
            "b.h",
            "#define FAM_NAME \"fam\"\nenum fam_e { A = 1, B = 2 };\n\
             enum { X_UNSPEC, X_ONE = 1, __X_MAX, X_MAX = 1 };\n",
        );
        let other = header(
            &dir,
            "c.h",
            "#define FAM_NAME \"fam\"\nenum fam_e { A = 1, B = 3 };\n\
             enum { X_UNSPEC, __X_MAX };\n",
        );
        let ca = constants(&a, &dir.join("a")).unwrap();
        let cb = constants(&same, &dir.join("b")).unwrap();
        let cc = constants(&other, &dir.join("c")).unwrap();
        assert_eq!(ca.values.get("X_MAX").map(String::as_str), Some("1"));
        assert_eq!(ca.values.get("B").map(String::as_str), Some("2"));
        assert_eq!(
            ca.values.get("FAM_NAME").map(String::as_str),
            Some("\"fam\"")
        );
        assert!(compare(&ca, &cb, &a, &same).is_ok());
        let err = compare(&ca, &cc, &a, &other).unwrap_err();
        assert!(err.contains(" B ") || err.contains(": B"), "{err}");
        assert!(err.contains("X_ONE") && err.contains("X_MAX"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
