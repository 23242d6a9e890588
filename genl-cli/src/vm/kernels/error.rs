//! What can go wrong fetching a kernel of the matrix ([`FetchError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::host::HostError;
use crate::vm::apt::AptError;
use crate::vm::debug_kernel::DebugKernelError;
use crate::vm::toolchain::ToolchainError;

/// Why a kernel could not be fetched, unpacked or checked. `Display` is
/// the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// Refreshing the package lists or downloading failed.
    Apt(AptError),
    /// The cross toolchain or trixie root the kernel's modules build with
    /// could not be prepared.
    Toolchain(ToolchainError),
    /// The debug kernel could not be built.
    DebugKernel(DebugKernelError),
    /// A host program failed (`dpkg -x`).
    Host(HostError),
    /// The suite's lists name no kernel for the series' meta package, and
    /// none is cached.
    NotFound {
        /// The meta package (`linux-image-cloud-amd64`).
        meta: String,
        /// The suite.
        suite: &'static str,
        /// How the refresh of the lists ended.
        update: Result<(), AptError>,
    },
    /// A package the kernel needs is not in the suite.
    NoPackage {
        /// The suite.
        suite: &'static str,
        /// The package.
        package: String,
        /// The kernel's release.
        release: String,
    },
    /// The series resolved to a release of another series.
    WrongRelease {
        /// The series.
        series: &'static str,
        /// The release it resolved to.
        release: String,
        /// The version the series wants (`versioned` when any).
        version: &'static str,
    },
    /// A downloaded package's `.deb` is not there.
    NoDeb {
        /// The package.
        package: String,
    },
    /// The unpacked kernel lacks its image or headers.
    Incomplete {
        /// The release.
        release: String,
        /// Its image.
        vmlinuz: PathBuf,
        /// Its headers.
        headers: PathBuf,
    },
    /// The headers' Makefile has no `/usr/src/` path to relocate.
    MakefileLayout {
        /// The Makefile.
        makefile: PathBuf,
    },
    /// A file or directory could not be made, read or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Apt(e) => e.fmt(f),
            FetchError::Toolchain(e) => e.fmt(f),
            FetchError::DebugKernel(e) => e.fmt(f),
            FetchError::Host(e) => e.fmt(f),
            FetchError::NotFound {
                meta,
                suite,
                update,
            } => write!(
                f,
                "cannot find Debian package {meta} in {suite} (apt-get update: {})",
                refresh_text(update)
            ),
            FetchError::NoPackage {
                suite,
                package,
                release,
            } => write!(
                f,
                "{suite} has no package {package} (needed for kernel {release})"
            ),
            FetchError::WrongRelease {
                series,
                release,
                version,
            } => write!(
                f,
                "kernel series {series} resolved to release {release}, which is not a {version} kernel"
            ),
            FetchError::NoDeb { package } => write!(f, "{package}: no .deb downloaded"),
            FetchError::Incomplete {
                release,
                vmlinuz,
                headers,
            } => write!(
                f,
                "unpacked {release} lacks {} or {}",
                vmlinuz.display(),
                headers.display()
            ),
            FetchError::MakefileLayout { makefile } => write!(
                f,
                "{}: no `include /usr/src/...` line to fix (layout changed?)",
                makefile.display()
            ),
            FetchError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Apt(e) => Some(e),
            FetchError::Toolchain(e) => Some(e),
            FetchError::DebugKernel(e) => Some(e),
            FetchError::Host(e) => Some(e),
            FetchError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How a refresh of the lists ended, as the messages show it: `Ok(())` or
/// `Err("<what apt said>")`.
pub(crate) fn refresh_text(update: &Result<(), AptError>) -> String {
    match update {
        Ok(()) => "Ok(())".to_owned(),
        Err(e) => format!("Err({:?})", e.to_string()),
    }
}

crate::error::wrap_errors!(FetchError {
    Host(HostError),
    Apt(AptError),
    Toolchain(ToolchainError),
    DebugKernel(DebugKernelError),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_meta_package_names_the_suite_and_the_refresh() {
        let e = FetchError::NotFound {
            meta: "linux-image-cloud-amd64".into(),
            suite: "bookworm",
            update: Err(AptError::Update {
                what: "apt-get update (bookworm)".into(),
                lines: vec!["Err: no network".into()],
            }),
        };
        assert_eq!(
            e.to_string(),
            "cannot find Debian package linux-image-cloud-amd64 in bookworm \
             (apt-get update: Err(\"apt-get update (bookworm): Err: no network\"))"
        );
    }
}
