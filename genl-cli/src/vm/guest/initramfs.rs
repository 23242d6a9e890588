//! The initramfs: the programs with what they need, the kernel modules
//! and `/init`, packed as a cpio archive.

use super::init::init_script;
use super::*;

/// Kernel modules packed into every initramfs that has them, not loaded:
/// `nlmon` for `genl trace` (live capture; `modprobe nlmon`, or the
/// kernel's autoload of `rtnl-link-nlmon`).
const SHIPPED_MODULES: &[&str] = &["nlmon"];

/// A module and the modules it needs, found by name.
struct ModSet {
    /// name -> (path under `lib/modules/<release>/`, module bytes, deps)
    mods: BTreeMap<String, (String, Vec<u8>, Vec<String>)>,
}

fn norm(name: &str) -> String {
    name.replace('-', "_")
}

/// Finds `<name>.ko[.xz]` in the unpacked kernel's module tree.
fn find_kernel_module(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find_kernel_module(&p, name) {
                return Some(f);
            }
            continue;
        }
        let f = p.file_name()?.to_string_lossy().into_owned();
        let stem = f
            .strip_suffix(".ko")
            .or_else(|| f.strip_suffix(".ko.xz"))
            .or_else(|| f.strip_suffix(".ko.zst"));
        if stem.is_some_and(|s| norm(s) == name) {
            return Some(p);
        }
    }
    None
}

/// Reads a module, decompressing `.ko.xz` (busybox insmod cannot).
fn read_module(p: &Path) -> Result<Vec<u8>, GuestError> {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    let tool = match ext {
        "xz" => "xz",
        "zst" => "zstd",
        _ => return std::fs::read(p).map_err(io(p)),
    };
    let out = Command::new(tool)
        .args(["-d", "-c"])
        .arg(p)
        .output()
        .map_err(spawn(tool))?;
    if !out.status.success() {
        return Err(GuestError::Failed {
            what: format!("{tool} -d {}", p.display()),
        });
    }
    Ok(out.stdout)
}

impl ModSet {
    fn add(
        &mut self,
        k: &Kernel,
        name: &str,
        rel_path: String,
        host: &Path,
    ) -> Result<(), GuestError> {
        if self.mods.contains_key(name) {
            return Ok(());
        }
        let deps: Vec<String> = modinfo(host, "depends")?
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(norm)
            .collect();
        let data = read_module(host)?;
        self.mods
            .insert(name.to_owned(), (rel_path, data, deps.clone()));
        let kmods = k.root.join("lib/modules").join(&k.release);
        for d in deps {
            if self.mods.contains_key(&d) {
                continue;
            }
            let f =
                find_kernel_module(&kmods, &d).ok_or_else(|| GuestError::MissingDependency {
                    module: name.to_owned(),
                    needs: d.clone(),
                })?;
            let rel = f
                .strip_prefix(&kmods)
                .expect("found under the kernel's module tree")
                .to_string_lossy()
                .trim_end_matches(".xz")
                .trim_end_matches(".zst")
                .to_owned();
            self.add(k, &d, rel, &f)?;
        }
        Ok(())
    }

    /// Names in load order (dependencies first).
    fn order(&self) -> Vec<String> {
        fn visit(s: &ModSet, n: &str, seen: &mut Vec<String>) {
            if seen.iter().any(|x| x == n) {
                return;
            }
            seen.push(n.to_owned()); // cycle guard; moved to its place below
            if let Some((_, _, deps)) = s.mods.get(n) {
                for d in deps {
                    visit(s, d, seen);
                }
            }
            seen.retain(|x| x != n);
            seen.push(n.to_owned());
        }
        let mut seen = Vec::new();
        for n in self.mods.keys() {
            visit(self, n, &mut seen);
        }
        seen
    }
}

/// Packs the initramfs for `k` (busybox, `/init`, modules, guest programs)
/// into `<work>/initramfs/<release>.cpio` and returns its path.
/// `extra` are more files (python and the kernel's YNL CLI, for instance).
pub fn initramfs(
    work: &Path,
    k: &Kernel,
    kos: &[PathBuf],
    bins: &[GuestBin],
    extra: &[PayloadEntry],
    init: &InitOptions,
) -> Result<PathBuf, GuestError> {
    let busybox = Path::new("/bin/busybox");
    check_static(busybox).map_err(|e| GuestError::Busybox(Box::new(e)))?;
    let mut a = Archive::default();
    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run", "root", "etc",
        "mnt", "tests",
    ] {
        a.dir(d);
    }
    a.chardev("dev/console", 0o600, 5, 1);
    a.chardev("dev/null", 0o666, 1, 3);
    let bb = std::fs::read(busybox).map_err(io(busybox))?;
    a.file("bin/busybox", 0o755, &bb);
    a.symlink("bin/sh", "busybox");
    a.file("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n");
    a.file("etc/group", 0o644, b"root:x:0:\n");
    a.file(
        "etc/hosts",
        0o644,
        b"127.0.0.1 localhost genl-vm\n::1 localhost\n",
    );

    // Modules: ours under extra/, the kernel's that they need in their own
    // place, plus depmod's indexes so busybox modprobe and family autoload work.
    let mut set = ModSet {
        mods: BTreeMap::new(),
    };
    let mut ours = Vec::new();
    for ko in kos {
        let stem = ko
            .file_stem()
            .map(|s| norm(&s.to_string_lossy()))
            .ok_or_else(|| GuestError::BadModuleName { ko: ko.clone() })?;
        let file = ko.file_name().unwrap().to_string_lossy().into_owned();
        set.add(k, &stem, format!("extra/{file}"), ko)?;
        ours.push(stem);
    }
    let stage = work.join("initramfs").join(&k.release);
    let _ = std::fs::remove_dir_all(&stage);
    let mods_dir = stage.join("lib/modules").join(&k.release);
    std::fs::create_dir_all(&mods_dir).map_err(io(&mods_dir))?;
    for (rel, data, _) in set.mods.values() {
        let p = mods_dir.join(rel);
        let dir = p.parent().unwrap();
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        std::fs::write(&p, data).map_err(io(&p))?;
    }
    // What the build's feature probes found (genl_compat.mk): beside the
    // modules, where guest programs read it (`genl_core::module_features`,
    // `$GENL_VM_MODULE_DIR`) to know what this kernel can say.
    let header = genl_core::module_features::FEATURES_HEADER;
    if let Some(found) = kos
        .iter()
        .filter_map(|ko| ko.parent())
        .map(|d| d.join(header))
        .find(|p| p.is_file())
    {
        let to = mods_dir.join("extra").join(header);
        let extra = mods_dir.join("extra");
        std::fs::create_dir_all(&extra).map_err(io(&extra))?;
        std::fs::copy(&found, &to).map_err(io(&found))?;
    }
    let kmods = k.root.join("lib/modules").join(&k.release);
    // Kernel modules shipped but not loaded: guest programs (or the
    // kernel's autoload) load them when they need them.
    for name in SHIPPED_MODULES {
        if let Some(f) = find_kernel_module(&kmods, name) {
            let rel = f
                .strip_prefix(&kmods)
                .expect("found under the kernel's module tree");
            let rel = rel.to_string_lossy();
            let p = mods_dir.join(rel.trim_end_matches(".xz").trim_end_matches(".zst"));
            let dir = p.parent().unwrap();
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            std::fs::write(&p, read_module(&f)?).map_err(io(&p))?;
        }
    }
    for f in [
        "modules.builtin",
        "modules.builtin.modinfo",
        "modules.order",
    ] {
        let _ = std::fs::copy(kmods.join(f), mods_dir.join(f));
    }
    let st = Command::new("depmod")
        .arg("-b")
        .arg(&stage)
        .arg(&k.release)
        .status()
        .map_err(spawn("depmod"))?;
    if !st.success() {
        return Err(GuestError::Failed {
            what: "depmod".into(),
        });
    }
    let mut stack = vec![mods_dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d))? {
            let p = e.map_err(io(&d))?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&stage)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let data = std::fs::read(&p).map_err(io(&p))?;
                a.file(&rel, 0o644, &data);
            }
        }
    }
    let load: Vec<String> = set
        .order()
        .iter()
        .map(|n| format!("/lib/modules/{}/{}", k.release, set.mods[n].0))
        .collect();

    // Guest programs, stripped of debug info (smaller image, faster boot).
    let mut entries = Vec::new();
    for (i, b) in bins.iter().enumerate() {
        let guest = format!("tests/{:02}-{}", i + 1, b.name);
        let data = stripped(&b.path, &stage)?;
        a.file(&guest, 0o755, &data);
        entries.push((b.name.clone(), format!("/{guest}"), b.args.as_slice()));
    }
    if let Some(rev) = &init.module_rev {
        a.dir(MODULE_REV_DIR.trim_start_matches('/'));
        for ko in &rev.kos {
            let file = ko
                .file_name()
                .ok_or_else(|| GuestError::BadModuleName { ko: ko.clone() })?
                .to_string_lossy();
            let data = read_module(ko)?;
            a.file(
                &format!("{}/{file}", MODULE_REV_DIR.trim_start_matches('/')),
                0o644,
                &data,
            );
        }
    }
    for e in extra {
        match e {
            PayloadEntry::File(p, data, mode) => a.file(p, *mode, data),
            PayloadEntry::Link(p, target) => a.symlink(p, target),
            PayloadEntry::Dir(p) => a.dir(p),
        }
    }
    a.file(
        "etc/genl-vm-token",
        0o600,
        format!("{}\n", init.token).as_bytes(),
    );
    let init = init_script(&load, &ours, &entries, init);
    a.file("init", 0o755, init.as_bytes());
    let out = work.join("initramfs").join(format!("{}.cpio", k.release));
    std::fs::write(&out, a.finish()).map_err(io(&out))?;
    let _ = std::fs::write(stage.join("init"), init);
    Ok(out)
}
