//! The guest side: static test programs, the `/init` script and the initramfs.

mod build;
mod error;
mod init;
mod initramfs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cpio::Archive;
use super::kernel::Kernel;
use super::kmod::modinfo;
use super::progress;
use crate::host;
use crate::kernel_source::PayloadEntry;
use crate::project::{GuestConfig, TargetKind};

pub use build::build_programs;
use error::{io, spawn};
pub use error::{ElfError, GuestError};
pub use init::{random_token, InitOptions, ModuleRev, MODULE_REV_DIR, STOPPED_ON_FINDING};
pub use initramfs::initramfs;

/// A program to run in the guest.
#[derive(Clone, Debug)]
pub struct GuestBin {
    /// Short name, used in the console markers and the summary.
    pub name: String,
    /// The static executable (or `#!/bin/sh` script) on the host.
    pub path: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Whether it drives the kernel's YNL CLI (`ynl = true` in genl.toml).
    pub ynl: bool,
    /// The least number of passed tests it must report (`min-tests`; a
    /// `test` target defaults to 1).
    pub min_tests: Option<u64>,
    /// The kernel series it runs on (`kernels`; `None`: all of the run).
    pub kernels: Option<Vec<String>>,
}

impl GuestBin {
    /// Parses `PATH ARGS...` (whitespace-separated; no quoting).
    pub fn from_spec(spec: &str, abs: &dyn Fn(PathBuf) -> PathBuf) -> Result<GuestBin, GuestError> {
        let mut words = spec.split_whitespace();
        let path = abs(PathBuf::from(words.next().ok_or(GuestError::EmptySpec)?));
        let mut name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| GuestError::NoFileName {
                spec: spec.to_owned(),
            })?;
        // cargo's `deps/<name>-<16 hex>`: keep the readable part.
        if let Some((stem, hash)) = name.rsplit_once('-') {
            if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                name = stem.to_owned();
            }
        }
        Ok(GuestBin {
            name,
            path,
            args: words.map(str::to_owned).collect(),
            ynl: false,
            min_tests: None,
            kernels: None,
        })
    }
}

/// The ELF interpreter (`PT_INTERP`, e.g. `/lib64/ld-linux-x86-64.so.2`)
/// of the 64-bit little-endian ELF `data`: `Ok(None)` for one without (a
/// static or static-pie executable), an error for what is not such an ELF.
fn elf_interpreter(data: &[u8]) -> Result<Option<String>, ElfError> {
    use ElfError::Malformed;
    if data.len() < 64 || &data[..4] != b"\x7fELF" || data[4] != 2 || data[5] != 1 {
        return Err(ElfError::NotElf64);
    }
    let u16_at = |o: usize| u16::from_le_bytes([data[o], data[o + 1]]) as usize;
    let u64_at = |o: usize| -> Option<usize> {
        let b = data.get(o..o.checked_add(8)?)?;
        usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok()
    };
    let phoff = u64_at(0x20).ok_or(Malformed("bad program header offset"))?;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let o = i
            .checked_mul(phentsize)
            .and_then(|x| x.checked_add(phoff))
            .ok_or(Malformed("bad program headers"))?;
        let Some(ty) = data.get(o..o.saturating_add(4)) else {
            return Err(Malformed("truncated program headers"));
        };
        if ty != [3, 0, 0, 0] {
            continue;
        }
        let (off, size) = u64_at(o + 8)
            .zip(u64_at(o + 32))
            .ok_or(Malformed("truncated PT_INTERP header"))?;
        let path = off
            .checked_add(size)
            .and_then(|end| data.get(off..end))
            .ok_or(Malformed("PT_INTERP points past the end of the file"))?;
        let path = path.split(|b| *b == 0).next().unwrap_or_default();
        return String::from_utf8(path.to_vec())
            .map(Some)
            .map_err(|_| Malformed("PT_INTERP is not UTF-8"));
    }
    Ok(None)
}

/// Fails unless `path` runs without a dynamic loader: an ELF without
/// `PT_INTERP` (static or static-pie) or a `#!/bin/sh` script.
pub fn check_static(path: &Path) -> Result<(), GuestError> {
    let data = std::fs::read(path).map_err(io(path))?;
    if data.starts_with(b"#!/bin/sh") {
        return Ok(());
    }
    let path = path.to_owned();
    match elf_interpreter(&data) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(GuestError::Dynamic { path }),
        Err(ElfError::NotElf64) => Err(GuestError::NotProgram { path }),
        Err(error) => Err(GuestError::Elf { path, error }),
    }
}

/// The directories glibc's loader searches without an `ld.so.cache` (the
/// guest has none), on Debian's amd64 (`ld.so --help`).
const LOADER_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib",
    "/usr/lib",
];

/// The libraries in `ldd`'s output `text`: (the name the program asks
/// for, the host file the loader found), in order, the interpreter's own
/// line included (its name is its path); the vDSO (no file) is left out.
/// A library the loader did not find is an error.
fn ldd_libraries(text: &str) -> Result<Vec<(String, PathBuf)>, GuestError> {
    let mut out = Vec::new();
    for l in text.lines().map(str::trim) {
        // `name => /path (0x...)`, `name => not found`, `/path (0x...)`.
        let without_address =
            |s: &str| s.split(" (0x").next().unwrap_or_default().trim().to_owned();
        let (name, rest) = match l.split_once(" => ") {
            Some((n, r)) => (n.trim().to_owned(), r.trim()),
            None => (without_address(l), l),
        };
        if rest.starts_with("not found") {
            return Err(GuestError::LibraryNotFound { name });
        }
        let path = without_address(rest);
        if !path.starts_with('/') {
            continue; // linux-vdso.so.1, "statically linked"
        }
        out.push((name, PathBuf::from(path)));
    }
    Ok(out)
}

/// The initramfs entries that run the host executable `exe` in the guest
/// at `guest_path` (`/usr/bin/genl`): the executable (stripped of
/// debug info, using `stage` as scratch space) and, for a dynamically
/// linked one, its ELF interpreter at the absolute path `PT_INTERP` names
/// and every library it needs (`ldd`), each at the path the host's loader
/// found it at, with its real contents (symbolic links followed). A
/// library outside the loader's default directories (`/lib/x86_64-linux-gnu`,
/// `/usr/lib/x86_64-linux-gnu`, `/lib`, `/usr/lib`; the
/// guest has no `ld.so.cache`) is also put in `/lib/x86_64-linux-gnu`
/// under the name the program asks for. Libraries loaded with `dlopen`
/// (NSS, for instance) are not found this way.
pub fn executable_entries(
    exe: &Path,
    guest_path: &str,
    stage: &Path,
) -> Result<Vec<PayloadEntry>, GuestError> {
    let data = std::fs::read(exe).map_err(io(exe))?;
    let interp = elf_interpreter(&data).map_err(|error| GuestError::Elf {
        path: exe.to_owned(),
        error,
    })?;
    std::fs::create_dir_all(stage).map_err(io(stage))?;
    let guest_path = guest_path.trim_start_matches('/');
    let mut out = vec![PayloadEntry::File(
        guest_path.to_owned(),
        stripped(exe, stage)?,
        0o755,
    )];
    let Some(interp) = interp else {
        return Ok(out);
    };
    let text = host::output(
        Command::new("ldd").arg(exe),
        &format!("ldd {}", exe.display()),
    )?;
    let mut libs = ldd_libraries(&text)?;
    if !libs.iter().any(|(_, p)| p == Path::new(&interp)) {
        libs.push((interp.clone(), PathBuf::from(&interp)));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, path) in libs {
        let data = std::fs::read(&path).map_err(io(&path))?;
        let mut at = vec![path.display().to_string()];
        let dir = path.parent().map(|d| d.display().to_string());
        if path != Path::new(&interp) && !LOADER_DIRS.contains(&dir.as_deref().unwrap_or("")) {
            let file = Path::new(&name)
                .file_name()
                .ok_or_else(|| GuestError::BadLibraryName { name: name.clone() })?;
            at.push(format!("/lib/x86_64-linux-gnu/{}", file.to_string_lossy()));
        }
        for p in at {
            if seen.insert(p.clone()) {
                out.push(PayloadEntry::File(
                    p.trim_start_matches('/').to_owned(),
                    data.clone(),
                    0o755,
                ));
            }
        }
    }
    Ok(out)
}

/// `path`'s bytes without debug sections (keeps symbols for backtraces).
fn stripped(path: &Path, tmp_dir: &Path) -> Result<Vec<u8>, GuestError> {
    let data = std::fs::read(path).map_err(io(path))?;
    if !data.starts_with(b"\x7fELF") || !host::have("strip") {
        return Ok(data);
    }
    let tmp = tmp_dir.join("stripped.tmp");
    let ok = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&tmp)
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    let out = if ok {
        std::fs::read(&tmp).map_err(io(&tmp))?
    } else {
        data
    };
    let _ = std::fs::remove_file(&tmp);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_names_each_library_and_where_it_is() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\
            \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007fe1)\n\
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe2)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007fe3)\n";
        let libs = ldd_libraries(text).unwrap();
        let names: Vec<(&str, &str)> = libs
            .iter()
            .map(|(n, p)| (n.as_str(), p.to_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("libgcc_s.so.1", "/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                ("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
                ("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"),
            ]
        );
        let e = ldd_libraries("\tlibfoo.so.1 => not found\n").unwrap_err();
        assert_eq!(e.to_string(), "ldd: libfoo.so.1 not found on the host");
        assert!(ldd_libraries("\tstatically linked\n").unwrap().is_empty());
    }

    #[test]
    fn a_dynamic_executable_brings_its_loader_and_libraries() {
        // This test binary: dynamically linked against the host's glibc
        // unless built with +crt-static.
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(&exe).unwrap();
        let Some(interp) = elf_interpreter(&data).unwrap() else {
            return;
        };
        let stage = std::env::temp_dir().join(format!("genl-guest-exe-{}", std::process::id()));
        let entries = executable_entries(&exe, "/usr/bin/t", &stage).unwrap();
        let files: BTreeMap<&str, &Vec<u8>> = entries
            .iter()
            .filter_map(|e| match e {
                PayloadEntry::File(p, d, 0o755) => Some((p.as_str(), d)),
                _ => None,
            })
            .collect();
        assert_eq!(files.len(), entries.len(), "all files, all executable");
        assert!(files.contains_key("usr/bin/t"));
        // The loader, with the real contents of what its path links to.
        let loader = files[interp.trim_start_matches('/')];
        assert_eq!(
            *loader,
            std::fs::read(std::fs::canonicalize(&interp).unwrap()).unwrap()
        );
        assert!(loader.starts_with(b"\x7fELF"));
        assert!(
            files.keys().any(|p| p.ends_with("/libc.so.6")),
            "{:?}",
            files.keys()
        );
        // A static program is just itself.
        let busybox = Path::new("/bin/busybox");
        if check_static(busybox).is_ok() {
            let e = executable_entries(busybox, "bin/bb", &stage).unwrap();
            assert_eq!(e.len(), 1);
        }
        // Neither an ELF nor a script.
        let text = stage.join("text");
        std::fs::write(&text, "hello, this is not a program at all\n".repeat(4)).unwrap();
        let e = check_static(&text).unwrap_err().to_string();
        assert!(e.contains("not a 64-bit little-endian ELF nor"), "{e}");
        let _ = std::fs::remove_dir_all(&stage);
        assert!(elf_interpreter(b"\x7fELF\x02\x01").is_err());
    }
}
