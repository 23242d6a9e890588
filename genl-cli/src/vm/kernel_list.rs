//! `genl vm kernels`: what each series resolves to, what of it is cached
//! and what builds its modules.

use super::*;

/// What `genl vm kernels` says of one series.
#[derive(Debug)]
pub struct KernelInfo {
    /// The series.
    pub series: &'static Series,
    /// The release it resolves to now (from the suite's lists as they are,
    /// else the newest cached one), if known.
    pub release: Option<String>,
    /// Whether that release is unpacked (or built) in the cache.
    pub cached: bool,
    /// Its size on disk in bytes, when cached.
    pub size: Option<u64>,
    /// The compiler the kernel was built with, when cached.
    pub compiler: Option<String>,
    /// What builds its modules (when cached), and whether it is still to
    /// be made (a toolchain root).
    pub toolchain: Option<(toolchain::Toolchain, bool)>,
    /// The toolchain root's size on disk in bytes, when there is one.
    pub toolchain_size: Option<u64>,
}

/// The bytes a directory tree takes on disk (symbolic links not followed).
fn disk_usage(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::symlink_metadata(p) else {
        return 0;
    };
    let own = m.blocks() * 512;
    if !m.is_dir() {
        return own;
    }
    own + std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| disk_usage(&e.path()))
                .sum::<u64>()
        })
        .unwrap_or(0)
}

/// What every known series resolves to and what of it is cached, without
/// the network or the cache lock.
pub fn kernel_infos(cache_dir: &Path) -> Vec<KernelInfo> {
    SERIES
        .iter()
        .map(|s| {
            let (release, root) = match s.source {
                SeriesSource::Debian { .. } => {
                    let r = kernels::known_release(cache_dir, s);
                    let root = r.as_ref().map(|r| cache::kernels_dir(cache_dir).join(r));
                    (r, root)
                }
                SeriesSource::Debug => match debug_kernel::cached(cache_dir, s) {
                    Some(k) => (Some(k.release), Some(k.root)),
                    None => (None, None),
                },
            };
            let root = root.filter(|r| kernels::is_complete(r));
            let mut info = KernelInfo {
                series: s,
                release: release.clone(),
                cached: root.is_some(),
                size: root.as_deref().map(disk_usage),
                compiler: None,
                toolchain: None,
                toolchain_size: None,
            };
            if let (Some(root), Some(release)) = (root, release) {
                let k = Kernel {
                    series: s.name,
                    release,
                    root,
                    cached: true,
                    toolchain: toolchain::Toolchain::Host { cc: None },
                };
                info.compiler = toolchain::kernel_compiler(&k.headers()).map(|c| c.text);
                info.toolchain = Some(match s.suite() {
                    Some(suite) => {
                        let d = toolchain::decide(cache_dir, suite, &k.headers());
                        if let toolchain::Toolchain::Root { dir, .. } = &d.toolchain {
                            info.toolchain_size = (!d.missing).then(|| disk_usage(dir));
                        }
                        (d.toolchain, d.missing)
                    }
                    None => (k.toolchain, false),
                });
            }
            info
        })
        .collect()
}

/// `genl vm kernels`: [`kernel_infos`] of a cache; its
/// [`Display`](std::fmt::Display) is the table `genl vm kernels` prints.
#[derive(Debug)]
pub struct KernelList {
    /// The cache listed.
    pub cache_dir: PathBuf,
    /// Every series, in [`SERIES`] order.
    pub kernels: Vec<KernelInfo>,
}

/// What `genl vm kernels` lists: [`kernel_infos`] of `cache_dir`.
pub fn list_kernels(cache_dir: &Path) -> KernelList {
    KernelList {
        cache_dir: cache_dir.to_owned(),
        kernels: kernel_infos(cache_dir),
    }
}

impl std::fmt::Display for KernelList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = |b: u64| format!("{:.0} MB", b as f64 / 1e6);
        writeln!(f, "kernel series (cache: {}):", self.cache_dir.display())?;
        for i in &self.kernels {
            let s = i.series;
            let source = match s.suite() {
                Some(suite) => format!("Debian {}", suite.name),
                None => "built here from Debian's linux-source-6.12".to_owned(),
            };
            writeln!(
                f,
                "{:<11} {:<28} {:<9} {}",
                s.name,
                i.release.as_deref().unwrap_or("(not resolved yet)"),
                if s.opt_in { "opt-in" } else { "default" },
                source
            )?;
            writeln!(
                f,
                "{:<11} cached: {}",
                "",
                match i.size {
                    Some(b) => format!("yes, {}", mb(b)),
                    None => "no (`genl vm fetch --kernels NAME`)".to_owned(),
                }
            )?;
            if let Some(c) = &i.compiler {
                writeln!(f, "{:<11} built by: {c}", "")?;
            }
            if let Some((tc, missing)) = &i.toolchain {
                let state = match (missing, i.toolchain_size) {
                    (true, _) => " (to be made by the next fetch)".to_owned(),
                    (false, Some(b)) => format!(" ({}, {})", mb(b), tc_dir(tc)),
                    (false, None) => String::new(),
                };
                writeln!(f, "{:<11} modules built by: {tc}{state}", "")?;
            }
        }
        Ok(())
    }
}

fn tc_dir(tc: &toolchain::Toolchain) -> String {
    match tc {
        toolchain::Toolchain::Root { dir, .. } => dir.display().to_string(),
        toolchain::Toolchain::Host { .. } => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_cache_lists_every_series_unresolved_and_uncached() {
        let dir = std::env::temp_dir().join(format!("genl-vm-kernels-{}", std::process::id()));
        let infos = kernel_infos(&dir);
        let names: Vec<&str> = infos.iter().map(|i| i.series.name).collect();
        assert_eq!(names, ["5.10", "6.1", "6.12", "newest", "6.12-debug"]);
        assert!(infos
            .iter()
            .all(|i| i.release.is_none() && !i.cached && i.toolchain.is_none()));
        // Nothing was written: listing never touches the cache.
        assert!(!dir.exists());
    }
}
