//! `cargo xtask ynl check`: our YNL spec (`kmod-c/genl_demo.yaml`) against
//! the kernel's own YNL tooling, from Debian's `linux-source-6.12`.
//!
//! - The spec is validated against the kernel's JSON schema
//!   (`Documentation/netlink/<protocol>.yaml`) with Debian's python3-jsonschema.
//! - The kernel's `ynl-gen-c.py --mode uapi --header` generates a uapi header
//!   from our spec; every enumerator and define of it and of ours
//!   (`kmod-c/include/uapi/linux/genl_demo.h`) is compiled with gcc and its
//!   value printed by the compiled program: names and values must agree.
//!
//! Anything that cannot run is an error saying why, never a silent skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util;
use crate::vm::kernels;

/// The Debian package holding the kernel sources (bookworm-security).
const SOURCE_PKG: &str = "linux-source-6.12";
/// The tarball inside it, and its top directory.
const TARBALL: &str = "./usr/src/linux-source-6.12.tar.xz";
const TOP: &str = "linux-source-6.12";
/// What we take from the tarball (tar wildcards under [`TOP`]).
const WANTED: &[&str] = &[
    "tools/net/ynl/*",
    "Documentation/netlink/*",
    "include/uapi/linux/netlink.h",
    "include/uapi/linux/genetlink.h",
    // For `cargo xtask checkpatch` (kmod-c in kernel style).
    "scripts/checkpatch.pl",
    "scripts/spelling.txt",
    "scripts/const_structs.checkpatch",
];
/// Marks a complete unpack of [`WANTED`] (renamed when `WANTED` grows).
const STAMP: &str = ".genl-ynl-complete-2";
/// Debian's python (the one on `PATH` may be a pyenv one without yaml).
pub const PYTHON: &str = "/usr/bin/python3";

/// `target/ynl`.
pub fn ynl_dir() -> PathBuf {
    util::workspace_root().join("target").join("ynl")
}

/// The spec `cargo xtask codegen` writes.
pub fn spec_path() -> PathBuf {
    util::workspace_root().join("kmod-c").join("genl_demo.yaml")
}

/// The parts of Linux 6.12's source tree the YNL tools and checkpatch need,
/// unpacked (once)
/// into `target/ynl/linux-source-6.12/` from Debian's `linux-source-6.12`.
pub fn kernel_tree() -> Result<PathBuf, String> {
    let dest = ynl_dir().join(TOP);
    if dest.join(STAMP).is_file() {
        return Ok(dest);
    }
    let debs = ynl_dir().join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("{}: {e}", debs.display()))?;
    if kernels::deb_file(&debs, SOURCE_PKG).is_none() {
        let known = Command::new("apt-cache")
            .args(["show", "--no-all-versions", SOURCE_PKG])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !known {
            kernels::apt_update()?;
        }
        println!("ynl: downloading {SOURCE_PKG} (≈ 150 MB)");
        kernels::download(&debs, &[SOURCE_PKG.to_owned()])?;
    }
    let deb = kernels::deb_file(&debs, SOURCE_PKG)
        .ok_or_else(|| format!("{SOURCE_PKG}: no .deb downloaded in {}", debs.display()))?;
    let tmp = ynl_dir().join(format!("{TOP}.partial"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let wanted: Vec<String> = WANTED.iter().map(|w| format!("'{TOP}/{w}'")).collect();
    let script = format!(
        "set -eo pipefail; dpkg-deb --fsys-tarfile '{deb}' | tar -xO '{TARBALL}' \
         | tar -xJ -C '{tmp}' --strip-components=1 --wildcards {wanted}",
        deb = deb.display(),
        tmp = tmp.display(),
        wanted = wanted.join(" ")
    );
    println!("ynl: unpacking {} from {}", WANTED.join(" "), deb.display());
    let st = Command::new("bash")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("bash: {e}"))?;
    if !st.success() {
        return Err(format!("unpacking {} failed: {script}", deb.display()));
    }
    for need in [
        "tools/net/ynl/cli.py",
        "Documentation/netlink/genetlink.yaml",
        "scripts/checkpatch.pl",
    ] {
        if !tmp.join(need).is_file() {
            return Err(format!("{SOURCE_PKG} has no {need} (layout changed?)"));
        }
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    std::fs::write(dest.join(STAMP), format!("{}\n", deb.display())).map_err(|e| e.to_string())?;
    // The tree is the cache; the 150 MB .deb is not needed any more.
    let _ = std::fs::remove_file(&deb);
    Ok(dest)
}

/// `ynl-gen-c.py` of the tree (its place moved in later kernels).
fn ynl_gen_c(tree: &Path) -> Result<PathBuf, String> {
    [
        "tools/net/ynl/ynl-gen-c.py",
        "tools/net/ynl/pyynl/ynl_gen_c.py",
    ]
    .iter()
    .map(|p| tree.join(p))
    .find(|p| p.is_file())
    .ok_or_else(|| format!("no ynl-gen-c.py under {}/tools/net/ynl", tree.display()))
}

/// Debian's python3 with yaml and jsonschema, installed when missing.
pub fn ensure_python(modules: &str, packages: &[&str]) -> Result<(), String> {
    let ok = || {
        Command::new(PYTHON)
            .args(["-c", &format!("import {modules}")])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ok() {
        return Ok(());
    }
    if !util::is_root() {
        return Err(format!(
            "{PYTHON} cannot import {modules} and we are not root to install {packages:?}"
        ));
    }
    println!("ynl: installing {}", packages.join(" "));
    let st = Command::new("apt-get")
        .args(["-qq", "-y", "--no-install-recommends", "install"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("apt-get: {e}"))?;
    if !st.success() {
        kernels::apt_update()?;
        let st = Command::new("apt-get")
            .args(["-qq", "-y", "--no-install-recommends", "install"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("apt-get: {e}"))?;
        if !st.success() {
            return Err(format!("apt-get install {packages:?} failed"));
        }
    }
    if ok() {
        Ok(())
    } else {
        Err(format!(
            "{PYTHON} still cannot import {modules} after installing {packages:?}"
        ))
    }
}

/// Entry point of `cargo xtask ynl <sub>`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => check(),
        Some("tree") => kernel_tree().map(|t| println!("{}", t.display())),
        _ => Err("usage: cargo xtask ynl <check|tree>\n\
             \n  check  validate kmod-c/genl_demo.yaml against the kernel's YNL schema and\
             \n         compare ynl-gen-c's uapi header with ours, value by value\
             \n  tree   unpack (once) the kernel's YNL tools; print where"
            .into()),
    }
}

/// Runs `cmd`, returning stdout; an error with stderr when it fails.
fn output(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

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

fn check() -> Result<(), String> {
    ensure_python(
        "yaml, jsonschema",
        &["python3", "python3-yaml", "python3-jsonschema"],
    )?;
    if !util::have("gcc") {
        return Err("gcc is not installed (needed to compile both uapi headers)".into());
    }
    let tree = kernel_tree()?;
    let root = util::workspace_root();
    let spec = spec_path();
    let ours = root.join("kmod-c/include/uapi/linux/genl_demo.h");

    // 1. The kernel's JSON schema.
    println!(
        "ynl: validating {} against the kernel's schema",
        spec.display()
    );
    let netlink_dir = tree.join("Documentation/netlink");
    let text = Command::new(PYTHON)
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(&spec)
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

    // 2. ynl-gen-c, which needs a kernel-like tree around the spec: it looks
    // for `MAINTAINERS` upwards and for the schema in `../<protocol>.yaml`
    // (it validates the spec itself too).
    let work = ynl_dir().join("check");
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
    let work_spec = specs.join("genl_demo.yaml");
    std::fs::copy(&spec, &work_spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let theirs = work.join("ynl-uapi-genl_demo.h");
    let gen = ynl_gen_c(&tree)?;
    println!(
        "ynl: {} --mode uapi --header --spec {}",
        gen.display(),
        spec.display()
    );
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

    // 3. Both headers, through the compiler.
    let a = constants(&ours, &work.join("ours"))?;
    let b = constants(&theirs, &work.join("theirs"))?;
    compare(&a, &b, &ours, &theirs)
}

/// Every constant a header defines: enumerators, `enum` tags and macros,
/// with the values a compiled program prints.
#[derive(Default)]
struct Constants {
    values: BTreeMap<String, String>,
}

/// Identifiers and punctuation of preprocessed C (enough to find enumerators).
fn tokens(src: &str) -> Vec<String> {
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

fn constants(header: &Path, dir: &Path) -> Result<Constants, String> {
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

/// Lists (and byte-compiles) what Debian's python needs to run the kernel's
/// `cli.py` in the guest. Run by the host's `/usr/bin/python3 -s`; argv:
/// ynl dir, stage dir (for the `.pyc`s). Prints a manifest:
/// `F<TAB>guest<TAB>host<TAB>mode`, `L<TAB>guest<TAB>target`, `D<TAB>guest`.
const PAYLOAD_PY: &str = r#"
import sys, os, importlib, importlib.util, py_compile, subprocess, runpy
ynl_dir, stage = sys.argv[1], sys.argv[2]
sys.path.insert(0, ynl_dir)
sys.argv = ['cli.py', '--help']
try:
    runpy.run_path(ynl_dir + '/cli.py', run_name='genl_trace')
except BaseException:
    pass
import lib
for m in ['json', 'pprint', 'argparse', 'time', 'traceback', 'linecache', 'tokenize',
          'ipaddress', 'uuid', 'struct', 'socket', 'random', 'enum', 'functools',
          'collections', 'yaml', 'encodings', 'encodings.idna', 'encodings.ascii',
          'encodings.latin_1', 'encodings.utf_8', 'locale', 'importlib.util']:
    importlib.import_module(m)
out = []
sos = set()
def guest_of(path):
    if path.startswith(ynl_dir + '/'):
        return '/ynl/' + path[len(ynl_dir) + 1:]
    return path
for name, m in sorted(sys.modules.items()):
    f = getattr(m, '__file__', None)
    if not f:
        continue
    f = os.path.abspath(f)
    g = guest_of(f)
    if f.endswith('.py'):
        out.append(('F', g, f, '644'))
        c = importlib.util.cache_from_source(g)
        cs = stage + c
        py_compile.compile(f, cfile=cs, dfile=g, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        out.append(('F', c, cs, '644'))
    elif f.endswith('.so'):
        out.append(('F', g, f, '755'))
        sos.add(f)
exe = os.path.realpath(sys.executable)
out.append(('F', exe, exe, '755'))
out.append(('L', '/usr/bin/python3', os.path.basename(exe)))
out.append(('D', os.path.dirname(os.__file__) + '/lib-dynload'))
sos.add(exe)
libs = set()
for so in sorted(sos):
    r = subprocess.run(['ldd', so], capture_output=True, text=True)
    for l in r.stdout.splitlines():
        parts = l.split()
        p = parts[2] if '=>' in parts and len(parts) > 2 else parts[0]
        if p.startswith('/'):
            libs.add(p)
for p in sorted(libs):
    out.append(('F', p, os.path.realpath(p), '755'))
seen = set()
for e in out:
    if e[1] in seen:
        continue
    seen.add(e[1])
    print('\t'.join(e))
"#;

/// One file (or link, or directory) of the guest's python payload.
pub enum PayloadEntry {
    /// A file: guest path (relative), contents, permission bits.
    File(String, Vec<u8>, u32),
    /// A symlink: guest path, target.
    Link(String, String),
    /// An (empty) directory.
    Dir(String),
}

/// Debian's python3 (+ yaml), the kernel's `tools/net/ynl` as `/ynl` and our
/// spec as `/ynl/genl_demo.yaml`: what a guest needs to run the kernel's
/// `cli.py`. Only the modules `cli.py` imports are packed, byte-compiled on
/// the host (unchecked-hash `.pyc`: the cpio has no mtimes).
pub fn guest_payload() -> Result<Vec<PayloadEntry>, String> {
    ensure_python("yaml", &["python3", "python3-yaml"])?;
    let tree = kernel_tree()?;
    let ynl = tree.join("tools/net/ynl");
    let stage = ynl_dir().join("guest-pyc");
    let _ = std::fs::remove_dir_all(&stage);
    let manifest = output(
        Command::new(PYTHON)
            .args(["-s", "-c", PAYLOAD_PY])
            .arg(&ynl)
            .arg(&stage)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME"),
        "listing the python modules of the kernel's ynl cli.py",
    )?;
    let read = |p: &str| std::fs::read(p).map_err(|e| format!("{p}: {e}"));
    let mut out = Vec::new();
    for l in manifest.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        match f.as_slice() {
            ["F", guest, host, mode] => out.push(PayloadEntry::File(
                guest.trim_start_matches('/').to_owned(),
                read(host)?,
                u32::from_str_radix(mode, 8).map_err(|e| e.to_string())?,
            )),
            ["L", guest, target] => out.push(PayloadEntry::Link(
                guest.trim_start_matches('/').to_owned(),
                (*target).to_owned(),
            )),
            ["D", guest] => out.push(PayloadEntry::Dir(guest.trim_start_matches('/').to_owned())),
            _ => return Err(format!("odd payload manifest line {l:?}")),
        }
    }
    out.push(PayloadEntry::File(
        "ynl/cli.py".into(),
        read(&ynl.join("cli.py").display().to_string())?,
        0o755,
    ));
    out.push(PayloadEntry::File(
        "ynl/genl_demo.yaml".into(),
        read(&spec_path().display().to_string())?,
        0o644,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The comparison catches a changed value and a missing constant, with
    /// values computed by the compiler (implicit enumerators, `__MAX - 1`).
    #[test]
    fn compare_catches_value_and_name_differences() {
        if !util::have("gcc") {
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
