//! A kernel unpacked (or built) in the cache: what boots and what builds
//! modules for it.

use std::path::PathBuf;

use super::toolchain::Toolchain;

/// A kernel unpacked under `<cache>/kernels/<release>/`.
pub struct Kernel {
    /// The series name (`6.1`, `6.12`).
    pub series: &'static str,
    /// `uname -r` of the kernel, e.g. `6.1.0-56-cloud-amd64`.
    pub release: String,
    /// The `dpkg -x` root holding `boot/`, `lib/modules/`, `usr/src/`.
    pub root: PathBuf,
    /// Whether it was already there.
    pub cached: bool,
    /// What builds modules for it.
    pub toolchain: Toolchain,
}

impl Kernel {
    /// The kbuild dir for `make -C`.
    pub fn headers(&self) -> PathBuf {
        self.root
            .join("usr/src")
            .join(format!("linux-headers-{}", self.release))
    }

    /// The bootable image.
    pub fn vmlinuz(&self) -> PathBuf {
        self.root
            .join("boot")
            .join(format!("vmlinuz-{}", self.release))
    }
}
