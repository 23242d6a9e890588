//! Building a module source dir against an unpacked kernel.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::kernels::Kernel;

/// Whether `name` is a build product (never copied from the source dir).
fn is_artifact(name: &str) -> bool {
    name.starts_with('.')
        || name == "modules.order"
        || name == "Module.symvers"
        || [".o", ".ko", ".mod", ".mod.c", ".a", ".cmd", ".dwo"]
            .iter()
            .any(|s| name.ends_with(s))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for e in entries {
        let e = e.map_err(|e| e.to_string())?;
        let name = e.file_name();
        let name_s = name.to_string_lossy();
        if is_artifact(&name_s) {
            continue;
        }
        let ty = e.file_type().map_err(|e| e.to_string())?;
        let (src, dst) = (e.path(), to.join(&name));
        if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            // Follows symlinks: the copy must not point back into the source.
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// All `*.ko` under `dir`, sorted.
fn find_kos(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            find_kos(&p, out);
        } else if p.extension().is_some_and(|x| x == "ko") {
            out.push(p);
        }
    }
    out.sort();
}

/// `modinfo -F field ko`.
pub fn modinfo(ko: &Path, field: &str) -> Result<String, String> {
    let out = Command::new("modinfo")
        .args(["-F", field])
        .arg(ko)
        .output()
        .map_err(|e| format!("modinfo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "modinfo {}: {}",
            ko.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Builds every module of `src` against `k` in a fresh copy under
/// `<work>/build/<release>/<dirname>/` and returns the `.ko` files.
pub fn build(work: &Path, src: &Path, k: &Kernel) -> Result<Vec<PathBuf>, String> {
    let name = src
        .file_name()
        .ok_or_else(|| format!("{}: not a directory name", src.display()))?;
    let dst = work.join("build").join(&k.release).join(name);
    let _ = std::fs::remove_dir_all(&dst);
    copy_tree(src, &dst)?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The host's make, or a root's (vm/toolchain.rs), which sees the
    // kernel's tree and the build dir at their own paths. A kernel tree
    // reached through a link (a cache whose `kernels/` links to another's)
    // is used at its real path: its Makefile names that one
    // (`KBUILD_OUTPUT`, 7.x), and a `make -C` elsewhere would be an
    // out-of-tree build writing into the shared headers.
    let real = k.root.canonicalize().unwrap_or_else(|_| k.root.clone());
    let headers = match k.headers().strip_prefix(&k.root) {
        Ok(rel) => real.join(rel),
        Err(_) => k.headers(),
    };
    let mut cmd = k.toolchain.command("make", &[&real, &dst])?;
    cmd.arg("-C")
        .arg(&headers)
        .arg(format!("M={}", dst.display()))
        .arg(format!("-j{jobs}"))
        // The kernel's extra warnings: generated and hand-written C alike
        // must build clean with them.
        .arg("W=1")
        .arg("modules");
    if !k.toolchain.has("pahole") {
        // 6.12's module BTF step fails without pahole; skip it instead.
        cmd.arg("CONFIG_DEBUG_INFO_BTF_MODULES=");
    }
    println!(
        "vm: {}: make -C <headers> M={} W=1 modules ({})",
        k.release,
        dst.display(),
        k.toolchain
    );
    let out = cmd.output().map_err(|e| format!("make: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        eprintln!("{text}");
        return Err(format!("module build against {} failed", k.release));
    }
    // A compiler or modpost warning fails the build: the module must be
    // W=1 clean on every kernel.
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("warning:") || l.contains("WARNING:") || l.contains("error:"))
        .collect();
    if !warnings.is_empty() {
        eprintln!("{text}");
        return Err(format!(
            "module build against {} has {} warning(s) (W=1): {}",
            k.release,
            warnings.len(),
            warnings.join(" | ")
        ));
    }
    let mut kos = Vec::new();
    find_kos(&dst, &mut kos);
    if kos.is_empty() {
        return Err(format!("{} produced no .ko", src.display()));
    }
    for ko in &kos {
        let vermagic = modinfo(ko, "vermagic")?;
        if vermagic.split_whitespace().next() != Some(k.release.as_str()) {
            return Err(format!(
                "{}: vermagic {vermagic:?} does not match kernel {}",
                ko.display(),
                k.release
            ));
        }
    }
    Ok(kos)
}
