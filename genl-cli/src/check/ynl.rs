//! The family's YNL spec against the kernel's own YNL tooling (from Debian's
//! `linux-source-6.12`, see [`kernel_source`](crate::kernel_source)):
//!
//! - [`ynl_validate`]: the spec is validated against the kernel's JSON schema
//!   (`Documentation/netlink/<protocol>.yaml`) with Debian's
//!   python3-jsonschema.
//! - [`ynl_gen_c_compare`]: the kernel's `ynl-gen-c.py --mode uapi --header`
//!   generates a uapi header from the spec; every enumerator, `enum` tag and
//!   define of it and of ours is compiled with gcc and its value printed by
//!   the compiled program: names and values must agree (or the difference
//!   be allowed by the project, [`DiffClass::UapiConstant`]). ynl-gen-c
//!   runs on a copy of the spec without what 6.12's ynl-gen-c cannot take
//!   (see [`spec`](super::spec)); none of it is in a uapi header.
//!
//! Anything that cannot run is an error saying why, never a silent skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::spec::prepare;
use super::{find_allow, CheckOptions, DiffClass, UserAllow};
use crate::host::{self, output, HostError};
use crate::kernel_source::{self, ensure_python, PYTHON};

mod error;
pub use error::YnlCheckError;

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
/// saying every error to `say` (what the validator printed, its standard
/// error included). Installs python3-yaml and python3-jsonschema when
/// missing (as root) and fetches the kernel's tree into the cache.
pub fn ynl_validate(spec: &Path, say: &mut dyn FnMut(&str)) -> Result<(), YnlCheckError> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    let tree = kernel_source::tree()?;
    say(&format!(
        "ynl: validating {} against the kernel's schema",
        spec.display()
    ));
    let netlink_dir = tree.join("Documentation/netlink");
    let text = Command::new(PYTHON)
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(spec)
        .arg(&netlink_dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| HostError::Spawn {
            what: PYTHON.into(),
            error,
        })?;
    for stream in [&text.stdout, &text.stderr] {
        let s = String::from_utf8_lossy(stream);
        if !s.is_empty() {
            say(s.strip_suffix('\n').unwrap_or(&s));
        }
    }
    if !text.status.success() {
        return Err(YnlCheckError::Invalid {
            spec: spec.to_owned(),
        });
    }
    Ok(())
}

/// Runs the kernel's `ynl-gen-c.py --mode uapi --header` on `spec` and
/// compares, by name and value, every constant of its header with those of
/// `our_uapi_header` (both compiled with gcc): [`ynl_gen_c_compare_with`]
/// with the default [`CheckOptions`] (nothing allowed, no work files kept).
pub fn ynl_gen_c_compare(
    spec: &Path,
    our_uapi_header: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<(), YnlCheckError> {
    ynl_gen_c_compare_with(spec, our_uapi_header, &CheckOptions::default(), say)
}

/// [`ynl_gen_c_compare`] with `options`: the uapi constants that differ
/// are allowed where `options.allow` says ([`DiffClass::UapiConstant`], by
/// the constant's name), and if ynl-gen-c cannot process the spec at all,
/// the step is "not applicable" where it allows [`DiffClass::YnlGenCFails`].
/// ynl-gen-c runs on a copy of the spec without what 6.12's ynl-gen-c
/// cannot take (none of it is in a uapi header; listed), in a fresh
/// directory under the system's temporary directory, removed on every path
/// unless `options.keep_work`. What it does and finds (the constants'
/// table) goes to `say`, a line (or block) at a time.
pub fn ynl_gen_c_compare_with(
    spec: &Path,
    our_uapi_header: &Path,
    options: &CheckOptions,
    say: &mut dyn FnMut(&str),
) -> Result<(), YnlCheckError> {
    // ynl-gen-c validates the spec too (with jsonschema).
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    if !host::have("gcc") {
        return Err(YnlCheckError::NoGcc);
    }
    let tree = kernel_source::tree()?;
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();

    let gen = kernel_source::ynl_gen_c(&tree)?;
    let (work, work_spec) = ynl_work_tree(spec, "uapi", options.keep_work)?;
    let theirs = work.path().join(format!("ynl-uapi-{stem}.h"));
    let mut result = (|| {
        let info = prepare(&work_spec, true).map_err(YnlCheckError::Prepare)?;
        info.say_stripped(say);
        say(&format!(
            "ynl: {} --mode uapi --header --spec {}",
            gen.display(),
            spec.display()
        ));
        if let Err(e) = run_ynl_gen_c(&gen, &["--mode", "uapi", "--header"], &work_spec, &theirs) {
            return not_applicable(e, &options.allow, say);
        }
        // Both headers, through the compiler.
        let a = constants(our_uapi_header, &work.path().join("ours"))?;
        let b = constants(&theirs, &work.path().join("theirs"))?;
        compare(&a, &b, our_uapi_header, &theirs, &options.allow, say)
    })();
    result = result.map_err(|e| YnlCheckError::Work {
        error: Box::new(e),
        note: work.note(),
    });
    work.finish(say);
    result
}

/// A failed ynl-gen-c run, allowed by `allow` ([`DiffClass::YnlGenCFails`]):
/// the step is not applicable, said with the reason; else the error.
pub(crate) fn not_applicable(
    e: GenFailure,
    allow: &[UserAllow],
    say: &mut dyn FnMut(&str),
) -> Result<(), YnlCheckError> {
    let text = e.to_string();
    match find_allow(allow, DiffClass::YnlGenCFails, &text) {
        Some(a) => {
            say(&format!(
                "ynl: not applicable: {text}\nynl:   allowed by genl.toml ({}): {}",
                a.label(),
                a.reason
            ));
            Ok(())
        }
        None => Err(YnlCheckError::YnlGenC(text)),
    }
}

/// ynl-gen-c could not process a spec: its exception, not its traceback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GenFailure {
    /// The mode (`--mode kernel --source`).
    pub(crate) mode: String,
    /// The exception (the traceback's last line), or how it ended.
    pub(crate) exception: String,
    /// Where it was raised (the traceback's innermost frame).
    pub(crate) frame: Option<String>,
}

impl std::fmt::Display for GenFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ynl-gen-c {} failed: {}", self.mode, self.exception)?;
        if let Some(fr) = &self.frame {
            write!(f, " (raised at {fr})")?;
        }
        Ok(())
    }
}

/// Summarizes a python failure: the exception line and the innermost
/// frame (`ynl-gen-c.py:805 in value_range`), never the whole traceback.
pub(crate) fn summarize_python(stderr: &str, status: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let frame = lines.iter().rev().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("File \"")?;
        let (file, rest) = rest.split_once('"')?;
        let line = rest.split("line ").nth(1)?.split(',').next()?.trim();
        let func = rest.split(" in ").nth(1).unwrap_or("?").trim();
        let file = file.rsplit('/').next().unwrap_or(file);
        Some(format!("{file}:{line} in {func}"))
    });
    // The exception is a traceback's last line.
    let exception = lines
        .last()
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| format!("exited with {status}, no message"));
    (exception, frame)
}

/// Runs `ynl-gen-c.py <mode args> --spec spec -o out` (bounded by
/// `timeout`: ynl-gen-c loops forever when it finds no MAINTAINERS).
pub(crate) fn run_ynl_gen_c(
    gen: &Path,
    mode: &[&str],
    spec: &Path,
    out: &Path,
) -> Result<(), GenFailure> {
    let fail = |exception: String, frame| GenFailure {
        mode: mode.join(" "),
        exception,
        frame,
    };
    let o = Command::new("timeout")
        .arg("120")
        .arg(PYTHON)
        .arg(gen)
        .args(mode)
        .arg("--spec")
        .arg(spec)
        .arg("-o")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("timeout {PYTHON}: {e}"), None))?;
    if o.status.success() {
        return Ok(());
    }
    if o.status.code() == Some(124) {
        return Err(fail("timed out after 120 s".into(), None));
    }
    let (exception, frame) =
        summarize_python(&String::from_utf8_lossy(&o.stderr), &o.status.to_string());
    Err(fail(exception, frame))
}

/// A temporary work directory, removed when dropped unless kept (then
/// [`WorkDir::finish`] says where).
#[derive(Debug)]
pub(crate) struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    /// Makes a fresh `dir` (removing what a killed earlier run left there).
    pub(crate) fn new(path: PathBuf, keep: bool) -> Result<WorkDir, YnlCheckError> {
        let _ = std::fs::remove_dir_all(&path);
        let w = WorkDir { path, keep };
        std::fs::create_dir_all(&w.path).map_err(io(&w.path))?;
        Ok(w)
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// What an error adds about it: where it is kept, or how to keep it.
    pub(crate) fn note(&self) -> String {
        if self.keep {
            format!("\n(work files kept in {})", self.path.display())
        } else {
            "\n(work files removed; `genl check --keep-work` keeps ynl-gen-c's copy of the spec \
             and its outputs)"
                .to_owned()
        }
    }
}

impl WorkDir {
    /// Ends its use: a kept directory says where it is, to `say`; any
    /// other is removed (as it is when dropped).
    pub(crate) fn finish(self, say: &mut dyn FnMut(&str)) {
        if self.keep {
            say(&format!("ynl: work files kept in {}", self.path.display()));
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A fresh directory laid out as ynl-gen-c needs (a kernel-like tree: it
/// looks for `MAINTAINERS` upwards and validates the spec against
/// `../<protocol>.yaml`) with a copy of `spec` in
/// `Documentation/netlink/specs/`, under the system's temporary directory;
/// returns (the directory, removed when dropped unless `keep`, and the
/// copied spec).
pub(crate) fn ynl_work_tree(
    spec: &Path,
    what: &str,
    keep: bool,
) -> Result<(WorkDir, PathBuf), YnlCheckError> {
    let tree = kernel_source::tree()?;
    let netlink_dir = tree.join("Documentation/netlink");
    let spec_name = spec.file_name().ok_or_else(|| YnlCheckError::NotAFile {
        path: spec.to_owned(),
    })?;
    // Unique in the process too: checks may run side by side.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let work = WorkDir::new(
        std::env::temp_dir().join(format!("genl-ynl-{what}-{}-{n}", std::process::id())),
        keep,
    )?;
    let specs = work.path().join("Documentation/netlink/specs");
    std::fs::create_dir_all(&specs).map_err(io(&specs))?;
    let maintainers = work.path().join("MAINTAINERS");
    std::fs::write(&maintainers, "").map_err(io(&maintainers))?;
    for f in std::fs::read_dir(&netlink_dir).map_err(io(&netlink_dir))? {
        let p = f.map_err(io(&netlink_dir))?.path();
        if let (Some(name), true) = (p.file_name(), p.extension().is_some_and(|e| e == "yaml")) {
            let to = work.path().join("Documentation/netlink").join(name);
            std::fs::copy(&p, &to).map_err(io(&p))?;
        }
    }
    let work_spec = specs.join(spec_name);
    std::fs::copy(spec, &work_spec).map_err(io(spec))?;
    Ok((work, work_spec))
}

crate::error::io_at!(YnlCheckError);

/// Every constant a header defines: enumerators, `enum` tags and macros,
/// with the values a compiled program prints.
#[derive(Default)]
pub(crate) struct Constants {
    pub(crate) values: BTreeMap<String, String>,
}

/// Identifiers and punctuation of preprocessed C (enough to find
/// enumerators): the one tokenizer of genl's C readers.
pub(crate) use genl_ynl::uapi::tokens;

pub(crate) fn constants(header: &Path, dir: &Path) -> Result<Constants, YnlCheckError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
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
    std::fs::write(&src, prog).map_err(io(&src))?;
    output(
        Command::new("gcc")
            .args(["-std=c11", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(&src),
        &format!("compiling the constants of {what}"),
    )?;
    let printed = output(&mut Command::new(&exe), &format!("{}", exe.display()))?;
    for l in printed.lines() {
        let (n, v) = l.split_once('\t').ok_or_else(|| YnlCheckError::OddLine {
            program: exe.clone(),
            line: l.to_owned(),
        })?;
        c.values.insert(n.to_owned(), v.to_owned());
    }
    if c.values.len() < names.len() {
        return Err(YnlCheckError::Missing {
            header: header.to_owned(),
            names: names.len(),
            values: c.values.len(),
        });
    }
    Ok(c)
}

/// Compares the constants, printing a table; those that differ fail unless
/// `allow` allows them ([`DiffClass::UapiConstant`], `at` matched against
/// the constant's name), printed with the reason.
fn compare(
    ours: &Constants,
    theirs: &Constants,
    a: &Path,
    b: &Path,
    allow: &[UserAllow],
    say: &mut dyn FnMut(&str),
) -> Result<(), YnlCheckError> {
    let mut names: Vec<&String> = ours.values.keys().chain(theirs.values.keys()).collect();
    names.sort();
    names.dedup();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    say(&format!("\nours: {}\nynl:  {}", a.display(), b.display()));
    say(&format!(
        "{:<width$}  {:<22} {:<22} verdict",
        "constant", "ours", "ynl-gen-c"
    ));
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
        let why = (verdict != "equal")
            .then(|| find_allow(allow, DiffClass::UapiConstant, n))
            .flatten();
        if verdict != "equal" && why.is_none() {
            unexplained.push((*n).clone());
        }
        say(&format!(
            "{:<width$}  {:<22} {:<22} {verdict}{}",
            n,
            x.map(String::as_str).unwrap_or("-"),
            y.map(String::as_str).unwrap_or("-"),
            why.map(|w| format!(" (allowed by genl.toml, {}: {})", w.label(), w.reason))
                .unwrap_or_default()
        ));
    }
    say(&format!(
        "\nynl-gen-c: {} constants, {equal} equal, {} differ; only in ours: {}; only in ynl's: {}{}",
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
        if unexplained.len() < differ.len() + only_ours.len() + only_theirs.len() {
            format!(
                "; allowed by genl.toml: {}",
                differ.len() + only_ours.len() + only_theirs.len() - unexplained.len()
            )
        } else {
            String::new()
        },
    ));
    if unexplained.is_empty() {
        Ok(())
    } else {
        Err(YnlCheckError::Differ { names: unexplained })
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
        let work = WorkDir::new(
            std::env::temp_dir().join(format!("genl-ynl-cmp-{}", std::process::id())),
            false,
        )
        .unwrap();
        let dir = work.path();
        let a = header(
            dir,
            "a.h",
            "#define FAM_NAME \"fam\"\nenum fam_e { A = 1, B, };\n\
             enum { X_UNSPEC, X_ONE, __X_MAX, X_MAX = (__X_MAX - 1) };\n",
        );
        let same = header(
            dir,
            "b.h",
            "#define FAM_NAME \"fam\"\nenum fam_e { A = 1, B = 2 };\n\
             enum { X_UNSPEC, X_ONE = 1, __X_MAX, X_MAX = 1 };\n",
        );
        let other = header(
            dir,
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
        assert!(compare(&ca, &cb, &a, &same, &[], &mut |_| {}).is_ok());
        let err = compare(&ca, &cc, &a, &other, &[], &mut |_| {}).unwrap_err();
        let YnlCheckError::Differ { names } = &err else {
            panic!("{err:?}")
        };
        for n in ["B", "X_ONE", "X_MAX"] {
            assert!(names.iter().any(|x| x == n), "{n}: {err}");
        }
        // Allowed by the project: by name, or the whole class.
        let allow = |at: Option<&str>| UserAllow {
            class: DiffClass::UapiConstant,
            at: at.map(Into::into),
            reason: "test".into(),
        };
        let err = compare(&ca, &cc, &a, &other, &[allow(Some("X_"))], &mut |_| {}).unwrap_err();
        assert!(
            matches!(&err, YnlCheckError::Differ { names } if names == &["B"]),
            "only B is left: {err}"
        );
        assert!(err.to_string().ends_with(": B"), "{err}");
        assert!(compare(
            &ca,
            &cc,
            &a,
            &other,
            &[allow(Some("X_")), allow(Some("B"))],
            &mut |_| {}
        )
        .is_ok());
        assert!(compare(&ca, &cc, &a, &other, &[allow(None)], &mut |_| {}).is_ok());
        let path = dir.to_path_buf();
        drop(work);
        assert!(!path.exists(), "the work dir is removed when dropped");
    }

    /// What 6.12's ynl-gen-c printed on portwatch's spec before its copy
    /// went without the noncontiguous enum (the traceback's tail, verbatim).
    const TRACEBACK: &str = r#"Traceback (most recent call last):
  File "/root/.cache/genl/linux-source-6.12/tools/net/ynl/ynl-gen-c.py", line 2970, in <module>
    main()
  File "/root/.cache/genl/linux-source-6.12/tools/net/ynl/ynl-gen-c.py", line 842, in new_attr
    t = TypeScalar(self.family, self, elem, value)
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/root/.cache/genl/linux-source-6.12/tools/net/ynl/ynl-gen-c.py", line 319, in __init__
    low, high = enum.value_range()
                ^^^^^^^^^^^^^^^^^^
  File "/root/.cache/genl/linux-source-6.12/tools/net/ynl/ynl-gen-c.py", line 805, in value_range
    raise Exception("Can't get value range for a noncontiguous enum")
Exception: Can't get value range for a noncontiguous enum
"#;

    #[test]
    fn a_python_failure_is_its_exception_and_where_not_its_traceback() {
        let (e, frame) = summarize_python(TRACEBACK, "exit status: 1");
        assert_eq!(
            e,
            "Exception: Can't get value range for a noncontiguous enum"
        );
        assert_eq!(frame.as_deref(), Some("ynl-gen-c.py:805 in value_range"));
        let f = GenFailure {
            mode: "--mode uapi --header".into(),
            exception: e,
            frame,
        };
        let text = f.to_string();
        assert!(
            !text.contains("Traceback") && !text.contains('\n'),
            "{text}"
        );
        // Allowed by the project, the step is not applicable; else it fails.
        let mut said = Vec::new();
        assert!(matches!(
            not_applicable(f.clone(), &[], &mut |l| said.push(l.to_owned())),
            Err(YnlCheckError::YnlGenC(t)) if t == text
        ));
        assert!(said.is_empty(), "{said:?}");
        let allow = UserAllow {
            class: DiffClass::YnlGenCFails,
            at: Some("noncontiguous".into()),
            reason: "test".into(),
        };
        assert!(not_applicable(f, &[allow], &mut |l| said.push(l.to_owned())).is_ok());
        assert_eq!(
            said,
            [format!(
                "ynl: not applicable: {text}\nynl:   allowed by genl.toml (ynl-gen-c-fails at \"noncontiguous\"): test"
            )]
        );
        let (e, frame) = summarize_python("", "exit status: 2");
        assert_eq!(
            (e.as_str(), frame),
            ("exited with exit status: 2, no message", None)
        );
    }

    #[test]
    fn a_kept_work_dir_stays_and_says_where() {
        let p = std::env::temp_dir().join(format!("genl-ynl-keep-{}", std::process::id()));
        let w = WorkDir::new(p.clone(), true).unwrap();
        assert!(w.note().contains(&p.display().to_string()));
        let mut said = Vec::new();
        w.finish(&mut |l| said.push(l.to_owned()));
        assert_eq!(said, [format!("ynl: work files kept in {}", p.display())]);
        assert!(p.is_dir());
        let w = WorkDir::new(p.clone(), false).unwrap();
        assert!(w.note().contains("--keep-work"));
        let mut said = Vec::new();
        w.finish(&mut |l| said.push(l.to_owned()));
        assert!(said.is_empty(), "{said:?}");
        assert!(!p.exists());
    }
}
