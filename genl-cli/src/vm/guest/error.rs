//! What can go wrong preparing the guest: its programs and helpers, their
//! check, the modules and the initramfs ([`GuestError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::host::HostError;
use crate::vm::kmod::KmodError;

/// Why a file is not a 64-bit little-endian ELF one can read the
/// interpreter of.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ElfError {
    /// Not a 64-bit little-endian ELF at all.
    NotElf64,
    /// An ELF whose program headers cannot be read (what is wrong).
    Malformed(&'static str),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf64 => f.write_str("not a 64-bit little-endian ELF"),
            ElfError::Malformed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ElfError {}

/// Why the guest's programs, helpers or initramfs could not be made.
/// `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum GuestError {
    /// `--guest-bin` names no program.
    EmptySpec,
    /// A `--guest-bin` program's path has no file name.
    NoFileName {
        /// The `--guest-bin` text.
        spec: String,
    },
    /// A program is dynamically linked (the guest has no libc).
    Dynamic {
        /// The program.
        path: PathBuf,
    },
    /// A program is neither an ELF nor a `#!/bin/sh` script.
    NotProgram {
        /// The file.
        path: PathBuf,
    },
    /// An ELF that cannot be read.
    Elf {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: ElfError,
    },
    /// A library a program needs is not on the host.
    LibraryNotFound {
        /// The library, as the program names it.
        name: String,
    },
    /// `ldd` named a library by no file name.
    BadLibraryName {
        /// The name.
        name: String,
    },
    /// A host program failed (`ldd`, `cargo metadata`).
    Host(HostError),
    /// `cargo metadata`'s output is not JSON.
    Metadata(serde_json::Error),
    /// A `[[vm.guest]]` names a package the workspace does not have.
    NoPackage {
        /// The target's kind (`test`, `bin`, `example`).
        kind: &'static str,
        /// The target.
        name: String,
        /// The package.
        package: String,
        /// The cargo workspace.
        root: PathBuf,
        /// The workspace's packages.
        packages: Vec<String>,
    },
    /// A `[[vm.guest]]` names a target its package does not have.
    NoTarget {
        /// The target's kind.
        kind: &'static str,
        /// The target.
        name: String,
        /// The package.
        package: String,
        /// The package's targets of that kind.
        same_kind: Vec<String>,
    },
    /// `cargo build` succeeded and named no executable for a target.
    NotBuilt {
        /// The target's kind.
        kind: &'static str,
        /// The target.
        name: String,
        /// The package.
        package: String,
    },
    /// `cargo build` of the guest programs failed (its output went to the
    /// terminal).
    CargoFailed,
    /// A C helper did not build (gcc's output went to the terminal).
    HelperFailed {
        /// The helper.
        name: String,
        /// Its source.
        source: PathBuf,
    },
    /// A program could not be started (`gcc`, `depmod`, `xz`, `cargo`).
    Spawn {
        /// The program.
        program: String,
        /// What the system said.
        error: io::Error,
    },
    /// A program ran and failed (`depmod`, `xz -d <module>`).
    Failed {
        /// What ran.
        what: String,
    },
    /// A module needs one that is neither built nor in the kernel.
    MissingDependency {
        /// The module.
        module: String,
        /// The module it needs.
        needs: String,
    },
    /// A module's path has no file name.
    BadModuleName {
        /// The path.
        ko: PathBuf,
    },
    /// The host's busybox is not the static one the guest runs.
    Busybox(Box<GuestError>),
    /// A module could not be read.
    Kmod(KmodError),
    /// A file or directory could not be read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestError::EmptySpec => f.write_str("--guest-bin: empty program"),
            GuestError::NoFileName { spec } => write!(f, "--guest-bin {spec:?}: no file name"),
            GuestError::Dynamic { path } => write!(
                f,
                "{}: dynamically linked (has an ELF interpreter); the guest has no libc: \
                 build with RUSTFLAGS=\"-C target-feature=+crt-static\" \
                 --target x86_64-unknown-linux-gnu",
                path.display()
            ),
            GuestError::NotProgram { path } => write!(
                f,
                "{}: not a 64-bit little-endian ELF nor a #!/bin/sh script",
                path.display()
            ),
            GuestError::Elf { path, error } => write!(f, "{}: {error}", path.display()),
            GuestError::LibraryNotFound { name } => {
                write!(f, "ldd: {name} not found on the host")
            }
            GuestError::BadLibraryName { name } => write!(f, "ldd: bad library name {name:?}"),
            GuestError::Host(e) => e.fmt(f),
            GuestError::Metadata(e) => write!(f, "cargo metadata: {e}"),
            GuestError::NoPackage {
                kind,
                name,
                package,
                root,
                packages,
            } => write!(
                f,
                "guest program {kind} `{name}`: no package `{package}` in the cargo workspace \
                 at {} (packages: {})",
                root.display(),
                packages.join(", ")
            ),
            GuestError::NoTarget {
                kind,
                name,
                package,
                same_kind,
            } => write!(
                f,
                "guest program {kind} `{name}` does not exist in package `{package}` \
                 (its {kind} targets: {}); write it, or edit [[vm.guest]] in genl.toml, \
                 or pass --guest-bin",
                if same_kind.is_empty() {
                    "none".to_owned()
                } else {
                    same_kind.join(", ")
                }
            ),
            GuestError::NotBuilt {
                kind,
                name,
                package,
            } => write!(
                f,
                "cargo built no executable for {kind} `{name}` of package `{package}`"
            ),
            GuestError::CargoFailed => {
                f.write_str("building the guest programs failed (see cargo's output above)")
            }
            GuestError::HelperFailed { name, source } => write!(
                f,
                "building the guest helper {name} from {} failed (see gcc's output above; \
                 `-static` needs libc6-dev)",
                source.display()
            ),
            GuestError::Spawn { program, error } => write!(f, "{program}: {error}"),
            GuestError::Failed { what } => write!(f, "{what} failed"),
            GuestError::MissingDependency { module, needs } => write!(
                f,
                "module {module} needs {needs}, which is neither built here nor in the kernel"
            ),
            GuestError::BadModuleName { ko } => write!(f, "{}: bad .ko name", ko.display()),
            GuestError::Busybox(e) => write!(f, "{e} (install busybox-static)"),
            GuestError::Kmod(e) => e.fmt(f),
            GuestError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for GuestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GuestError::Elf { error, .. } => Some(error),
            GuestError::Host(e) => Some(e),
            GuestError::Metadata(e) => Some(e),
            GuestError::Busybox(e) => Some(e.as_ref()),
            GuestError::Kmod(e) => Some(e),
            GuestError::Spawn { error, .. } | GuestError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(GuestError {
    Host(HostError),
    Kmod(KmodError),
    Metadata(serde_json::Error),
});
crate::error::into_text!(GuestError);

crate::error::io_at!(pub(crate) GuestError);

/// A program that could not be started, as a [`GuestError`].
pub(crate) fn spawn(program: &str) -> impl FnOnce(io::Error) -> GuestError + '_ {
    move |error| GuestError::Spawn {
        program: program.to_owned(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_program_missing_from_its_package_lists_what_there_is() {
        let e = GuestError::NoTarget {
            kind: "test",
            name: "vm_e2e".into(),
            package: "genl-demo".into(),
            same_kind: vec![],
        };
        assert_eq!(
            e.to_string(),
            "guest program test `vm_e2e` does not exist in package `genl-demo` (its test \
             targets: none); write it, or edit [[vm.guest]] in genl.toml, or pass --guest-bin"
        );
        let e = GuestError::Dynamic {
            path: PathBuf::from("/t/client"),
        };
        assert!(
            e.to_string().starts_with(
                "/t/client: dynamically linked (has an ELF interpreter); the guest has no libc"
            ),
            "{e}"
        );
        let e = GuestError::Busybox(Box::new(GuestError::NotProgram {
            path: PathBuf::from("/bin/busybox"),
        }));
        assert_eq!(
            e.to_string(),
            "/bin/busybox: not a 64-bit little-endian ELF nor a #!/bin/sh script \
             (install busybox-static)"
        );
    }
}
