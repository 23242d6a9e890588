//! The parts of Linux 6.12's source tree that `genl` uses: the kernel's YNL
//! tools (`tools/net/ynl/`: `cli.py`, `ynl-gen-c.py`), its netlink JSON
//! schemas (`Documentation/netlink/`) and `scripts/checkpatch.pl`, from
//! Debian's `linux-source-6.12` package (downloaded with `apt-get download`,
//! never installed), unpacked once into `<cache>/linux-source-6.12/` (see
//! [`cache`]); plus Debian's python3 for them, and the python
//! payload a guest needs to run `cli.py`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cache;
use crate::host::{self, output, HostError};

mod error;
pub use error::SourceError;

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
    // For `genl check` (checkpatch).
    "scripts/checkpatch.pl",
    "scripts/spelling.txt",
    "scripts/const_structs.checkpatch",
];
/// Marks a complete unpack of [`WANTED`] (renamed when `WANTED` grows).
const STAMP: &str = ".genl-ynl-complete-2";
/// Debian's python (the one on `PATH` may be a pyenv one without yaml).
pub const PYTHON: &str = "/usr/bin/python3";

/// The parts of Linux 6.12's source tree the YNL tools and checkpatch need,
/// unpacked (once, under the cache lock) into `<cache>/linux-source-6.12/`
/// from Debian's `linux-source-6.12`; returns that directory.
pub fn tree() -> Result<PathBuf, SourceError> {
    tree_in(&cache::cache_dir()?)
}

/// [`tree`] in the cache directory `cache_dir`.
pub(crate) fn tree_in(cache_dir: &Path) -> Result<PathBuf, SourceError> {
    let dest = cache_dir.join(TOP);
    if dest.join(STAMP).is_file() {
        return Ok(dest);
    }
    let _lock = cache::lock_cache(cache_dir)?;
    // Another run may have unpacked it while we waited.
    if dest.join(STAMP).is_file() {
        return Ok(dest);
    }
    let deb = source_deb(cache_dir)?;
    let tmp = cache_dir.join(format!("{TOP}.partial"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
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
        .map_err(bash)?;
    if !st.success() {
        return Err(SourceError::Unpack { deb, script });
    }
    for need in [
        "tools/net/ynl/cli.py",
        "Documentation/netlink/genetlink.yaml",
        "scripts/checkpatch.pl",
    ] {
        if !tmp.join(need).is_file() {
            return Err(SourceError::Layout { need });
        }
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
    let stamp = dest.join(STAMP);
    std::fs::write(&stamp, format!("{}\n", deb.display())).map_err(io(&stamp))?;
    Ok(dest)
}

crate::error::io_at!(SourceError);

/// `bash` could not be started.
fn bash(error: std::io::Error) -> SourceError {
    SourceError::Host(HostError::Spawn {
        what: "bash".into(),
        error,
    })
}

/// Debian's `linux-source-6.12` package in `<cache>/debs/`, downloaded when
/// missing (≈ 150 MB; kept: the YNL tree and the debug kernel both unpack
/// it). The caller holds the cache lock.
pub(crate) fn source_deb(cache_dir: &Path) -> Result<PathBuf, SourceError> {
    let debs = cache_dir.join("debs");
    std::fs::create_dir_all(&debs).map_err(io(&debs))?;
    if host::deb_file(&debs, SOURCE_PKG).is_none() {
        let known = Command::new("apt-cache")
            .args(["show", "--no-all-versions", SOURCE_PKG])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !known {
            host::apt_update()?;
        }
        println!("downloading {SOURCE_PKG} (≈ 150 MB)");
        host::apt_download(&debs, &[SOURCE_PKG.to_owned()])?;
    }
    match host::deb_file(&debs, SOURCE_PKG) {
        Some(deb) => Ok(deb),
        None => Err(SourceError::NoDeb { dir: debs }),
    }
}

/// The version of a `.deb` (`dpkg-deb -f DEB Version`).
pub(crate) fn deb_version(deb: &Path) -> Result<String, HostError> {
    output(
        Command::new("dpkg-deb").arg("-f").arg(deb).arg("Version"),
        "dpkg-deb -f Version",
    )
    .map(|v| v.trim().to_owned())
}

/// Unpacks the whole Linux source tree of the `linux-source-6.12` package
/// `deb` into `dest` (which must not exist yet): `dest/Makefile`, ...
pub(crate) fn unpack_full_tree(deb: &Path, dest: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(dest).map_err(io(dest))?;
    let script = format!(
        "set -eo pipefail; dpkg-deb --fsys-tarfile '{deb}' | tar -xO '{TARBALL}' \
         | tar -xJ -C '{dest}' --strip-components=1",
        deb = deb.display(),
        dest = dest.display(),
    );
    let st = Command::new("bash")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .status()
        .map_err(bash)?;
    if !st.success() || !dest.join("Makefile").is_file() {
        return Err(SourceError::UnpackTree {
            deb: deb.to_path_buf(),
        });
    }
    Ok(())
}

/// `ynl-gen-c.py` of the tree (its place moved in later kernels).
pub fn ynl_gen_c(tree: &Path) -> Result<PathBuf, SourceError> {
    [
        "tools/net/ynl/ynl-gen-c.py",
        "tools/net/ynl/pyynl/ynl_gen_c.py",
    ]
    .iter()
    .map(|p| tree.join(p))
    .find(|p| p.is_file())
    .ok_or_else(|| SourceError::NoYnlGenC {
        tree: tree.to_path_buf(),
    })
}

/// Makes Debian's python3 ([`PYTHON`]) able to `import {modules}`
/// (e.g. `"yaml, jsonschema"`), installing `packages` when it cannot (as
/// root; otherwise an error).
pub fn ensure_python(modules: &str, packages: &[&str]) -> Result<(), SourceError> {
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
    if !host::is_root() {
        return Err(SourceError::PythonNotRoot {
            modules: modules.to_owned(),
            packages: packages.iter().map(|p| p.to_string()).collect(),
        });
    }
    host::apt_install(packages)?;
    if ok() {
        Ok(())
    } else {
        Err(SourceError::PythonStill {
            modules: modules.to_owned(),
            packages: packages.iter().map(|p| p.to_string()).collect(),
        })
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
#[derive(Clone, Debug)]
pub enum PayloadEntry {
    /// A file: guest path (relative), contents, permission bits.
    File(String, Vec<u8>, u32),
    /// A symlink: guest path, target.
    Link(String, String),
    /// An (empty) directory.
    Dir(String),
}

/// Debian's python3 (+ yaml), the kernel's `tools/net/ynl` as `/ynl` and the
/// family's YNL `spec` as `/ynl/<file name of spec>`: what a guest needs to
/// run the kernel's `cli.py`. Only the modules `cli.py` imports are packed,
/// byte-compiled on the host into `stage` (unchecked-hash `.pyc`: the cpio
/// has no mtimes).
pub fn guest_payload(stage: &Path, spec: Option<&Path>) -> Result<Vec<PayloadEntry>, SourceError> {
    ensure_python("yaml", &["python3", "python3-yaml"])?;
    let tree = tree()?;
    let ynl = tree.join("tools/net/ynl");
    let _ = std::fs::remove_dir_all(stage);
    let manifest = output(
        Command::new(PYTHON)
            .args(["-s", "-c", PAYLOAD_PY])
            .arg(&ynl)
            .arg(stage)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME"),
        "listing the python modules of the kernel's ynl cli.py",
    )?;
    let read = |p: &Path| std::fs::read(p).map_err(io(p));
    let mut out = Vec::new();
    for l in manifest.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        match f.as_slice() {
            ["F", guest, host, mode] => out.push(PayloadEntry::File(
                guest.trim_start_matches('/').to_owned(),
                read(Path::new(host))?,
                u32::from_str_radix(mode, 8).map_err(SourceError::Mode)?,
            )),
            ["L", guest, target] => out.push(PayloadEntry::Link(
                guest.trim_start_matches('/').to_owned(),
                (*target).to_owned(),
            )),
            ["D", guest] => out.push(PayloadEntry::Dir(guest.trim_start_matches('/').to_owned())),
            _ => return Err(SourceError::Manifest { line: l.to_owned() }),
        }
    }
    out.push(PayloadEntry::File(
        "ynl/cli.py".into(),
        read(&ynl.join("cli.py"))?,
        0o755,
    ));
    if let Some(spec) = spec {
        let name = spec.file_name().ok_or_else(|| SourceError::NotAFile {
            path: spec.to_path_buf(),
        })?;
        out.push(PayloadEntry::File(
            format!("ynl/{}", name.to_string_lossy()),
            read(spec)?,
            0o644,
        ));
    }
    Ok(out)
}
