//! A genl project: a directory with a `genl.toml`.
//!
//! [`Project::find`] walks up from a directory (normally the current one) to
//! the first `genl.toml`; `genl --project DIR` ([`Project::load`]) names the
//! directory instead. Relative paths in the file are relative to the
//! directory holding it; [`Project::load`] makes them absolute. Unknown keys
//! are an error naming them, in every table.
//!
//! # The format
//!
//! Every section is optional; a command that needs one says so when it is
//! missing.
//!
//! - `[family]` — the Generic Netlink family of the project:
//!   - `package` (string, required): the cargo package declaring the family
//!     (used by `genl generate`).
//!   - `type` (string, required): the path of the `#[derive(Family)]` enum,
//!     e.g. `"counter::CounterCmd"`.
//! - `[generate]` — generated files:
//!   - `dir` (path, required): where the generated C and YAML files go. `genl
//!     check` takes the family's YNL spec from `<dir>/<family>.yaml` and its
//!     uapi header from `<dir>/include/uapi/` (see [`Project::family_spec`]
//!     and [`Project::uapi_header`]).
//! - `[vm]` — `genl vm fetch|build|test|shell`:
//!   - `module-dir` (path; default: `generate.dir`): the Kbuild directory
//!     built against each kernel; every `.ko` it builds is loaded in the guest.
//!   - `kernels` (list of strings; default `["5.10", "6.1", "6.12", "newest"]`): the kernel
//!     series `genl vm test` boots: Debian's `6.1` and `6.12` cloud kernels,
//!     `5.10` (bullseye's) and `newest` (trixie-backports' newest, its modules
//!     built in a cached trixie root), both opt-in for now,
//!     and `6.12-debug`, Linux 6.12 built once with KASAN, kmemleak, lockdep,
//!     UBSAN, fault injection and KCOV (opt-in: it takes ≈ 5 min to build and its
//!     boots are slower; guest programs see `GENL_VM_DEBUG=1` there).
//!   - `timeout` (seconds; default 300): the bound of one boot.
//!   - `[[vm.guest]]` (any number, run in this order, each must exit 0):
//!     - `package` (string, required): a cargo package of the project's
//!       workspace.
//!     - exactly one of `bin`, `test`, `example` (string): the target to run.
//!       Built statically (`RUSTFLAGS=-C target-feature=+crt-static`,
//!       `--target x86_64-unknown-linux-gnu`) and without debug info (the
//!       initramfs takes programs stripped of it), one cargo run per profile
//!       for all the targets of that profile; a `test` is the libtest
//!       harness binary (`cargo test --no-run`).
//!     - `args` (list of strings; default none): its arguments in the guest.
//!     - `release` (bool; default false): build with `--release` (benchmarks).
//!     - `ynl` (bool; default false): it runs the kernel's YNL CLI, so the
//!       guest gets python3, `/ynl/cli.py` and the family's spec as
//!       `/ynl/<family>.yaml`; only on the 6.12 kernel (the CLI comes from
//!       Linux 6.12's sources), skipped on the others.
//!     - `min-tests` (integer, optional): a floor: the program must report
//!       at least this many passed tests (libtest's `test result: ... N
//!       passed` lines, summed, or a plain `N passed, M failed` line). A
//!       `test` target must report at least 1 unless this says otherwise: a
//!       harness that ran nothing does not pass. Whatever it says, every
//!       test a program reports running must pass (libtest's `running N
//!       tests` lines, summed, against the passed count; a plain line's N +
//!       M), so the floor need not follow the tests as they are added.
//!     - `kernels` (list of strings, optional): the series it runs on
//!       (e.g. `["6.12-debug"]` for a program that needs fault injection);
//!       default: every series of the run.
//!   - `[[vm.helper]]` (any number): C programs the guest programs run, built
//!     static with gcc on the host (`gcc -O2 -static -Wall -Wextra -Werror`)
//!     and put in the guest's `/usr/bin`:
//!     - `name` (string, required): the program's name in the guest.
//!     - `source` (path, required): the C file.
//!     - `includes` (list of paths; default none): `-I` directories.
//! - `[check]` — `genl check`:
//!   - `allow` (list of tables; default none): differences from the
//!     kernel's tools (ynl-gen-c) this family has on purpose. Each has a
//!     `class` (required; one of `uapi-constant`, `policy`, `policy-entry`,
//!     `op`, `genl-ops`, `family`, `declaration`, `function`,
//!     `ynl-gen-c-fails`: see `genl_cli::check::DiffClass`; an unknown
//!     class is an error), a `reason` (required, printed by every run) and
//!     an optional `at`: only the differences whose place contains this
//!     text (an attribute's C name, say); without it, the whole class.
//!     genl's own differences by design need no entry: they are allowed
//!     and printed with their reasons.
//!   - `compat-allow` (list of tables; default none): breaking changes
//!     `genl check --compat REF` accepts. Each has a `rule` (required; a
//!     rule id of `genl_ynl::compat::RULES`, e.g. `ATTR_RENUMBERED`), a
//!     `reason` (required, printed by every run) and an optional `at`:
//!     only the findings whose spec path contains this text.
//!
//! A commented example ([`EXAMPLE`]; `genl config` prints it):
//!
//! ```toml
#![doc = include_str!("../genl.example.toml")]
//! ```

use std::path::{Path, PathBuf};

mod error;
pub use error::ProjectError;

use serde::Deserialize;

/// The name of the project file.
pub const FILE_NAME: &str = "genl.toml";

/// A commented `genl.toml` with every section and key (what `genl config`
/// prints).
pub const EXAMPLE: &str = include_str!("../genl.example.toml");

/// A loaded project: its directory and its `genl.toml`, paths made absolute.
#[derive(Clone, Debug)]
pub struct Project {
    /// The directory holding `genl.toml`.
    pub root: PathBuf,
    /// The parsed file.
    pub config: Config,
}

/// The contents of `genl.toml` (see the [module docs](self)).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// `[family]`.
    pub family: Option<FamilyConfig>,
    /// `[generate]`.
    pub generate: Option<GenerateConfig>,
    /// `[vm]`.
    pub vm: Option<VmConfig>,
    /// `[check]`.
    pub check: Option<CheckConfig>,
}

/// `[check]`: what `genl check` allows.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// Differences from the kernel's tools allowed, each with its reason.
    #[serde(default)]
    pub allow: Vec<AllowConfig>,
    /// Deliberate breaking changes `genl check --compat` accepts, each
    /// with its reason.
    #[serde(default)]
    pub compat_allow: Vec<CompatAllowConfig>,
}

/// One `[[check.compat-allow]]` entry: a breaking change made on purpose.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CompatAllowConfig {
    /// The rule id (`genl_ynl::compat::RULES`), e.g. `ATTR_RENUMBERED`.
    pub rule: String,
    /// Only the findings whose spec path contains this text.
    pub at: Option<String>,
    /// Why the change is acceptable (printed by every run).
    pub reason: String,
}

/// One `[check] allow` entry (validated by `genl check`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowConfig {
    /// The difference class (`genl_cli::check::DiffClass` names).
    pub class: String,
    /// Only the differences whose place contains this text.
    pub at: Option<String>,
    /// Why the family differs there.
    pub reason: String,
}

/// `[family]`: the family's Rust declaration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FamilyConfig {
    /// The cargo package declaring the family.
    pub package: String,
    /// The path of the `#[derive(Family)]` enum.
    #[serde(rename = "type")]
    pub type_path: String,
}

/// `[generate]`: where generated files go.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GenerateConfig {
    /// The directory of the generated C and YAML files.
    pub dir: PathBuf,
}

/// `[vm]`: the QEMU harness.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VmConfig {
    /// The Kbuild directory built against each kernel (default: `generate.dir`).
    pub module_dir: Option<PathBuf>,
    /// The kernel series booted by default (default: all known).
    pub kernels: Option<Vec<String>>,
    /// Seconds one boot may take (default 300).
    pub timeout: Option<u64>,
    /// `[[vm.guest]]`: the programs the guest runs, in order.
    #[serde(default)]
    pub guest: Vec<GuestConfig>,
    /// `[[vm.helper]]`: C helper programs for the guest.
    #[serde(default)]
    pub helper: Vec<HelperConfig>,
}

/// `[[vm.guest]]`: one program the guest runs.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GuestConfig {
    /// The cargo package of the target.
    pub package: String,
    /// A binary target (exactly one of `bin`, `test`, `example`).
    pub bin: Option<String>,
    /// An integration test target.
    pub test: Option<String>,
    /// An example target.
    pub example: Option<String>,
    /// Its arguments in the guest.
    #[serde(default)]
    pub args: Vec<String>,
    /// Built with `--release`.
    #[serde(default)]
    pub release: bool,
    /// Needs python and the kernel's YNL CLI (6.12 guests only).
    #[serde(default)]
    pub ynl: bool,
    /// At least this many passed tests must be reported (a `test` target:
    /// at least 1 unless set).
    pub min_tests: Option<u64>,
    /// The kernel series it runs on (default: every series of the run).
    pub kernels: Option<Vec<String>>,
}

/// The kind of cargo target of a guest program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetKind {
    /// `[[bin]]`.
    Bin,
    /// `[[test]]` (the libtest harness).
    Test,
    /// `[[example]]`.
    Example,
}

impl TargetKind {
    /// The cargo word (`bin`, `test`, `example`), as in `--test NAME` and in
    /// cargo's JSON messages.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Bin => "bin",
            TargetKind::Test => "test",
            TargetKind::Example => "example",
        }
    }
}

impl GuestConfig {
    /// The target's kind and name (validated by [`Project::load`]).
    pub fn target(&self) -> (TargetKind, &str) {
        match (&self.bin, &self.test, &self.example) {
            (Some(n), _, _) => (TargetKind::Bin, n),
            (_, Some(n), _) => (TargetKind::Test, n),
            (_, _, Some(n)) => (TargetKind::Example, n),
            _ => unreachable!("validated on load"),
        }
    }
}

/// `[[vm.helper]]`: a C program for the guest's `/usr/bin`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HelperConfig {
    /// Its name in the guest.
    pub name: String,
    /// The C source.
    pub source: PathBuf,
    /// `-I` directories.
    #[serde(default)]
    pub includes: Vec<PathBuf>,
}

impl Config {
    /// Parses `genl.toml` text; `what` names it in errors. Paths stay as
    /// written.
    pub fn parse(text: &str, what: &str) -> Result<Config, ProjectError> {
        let c: Config = toml::from_str(text).map_err(|error| ProjectError::Parse {
            file: what.to_string(),
            error,
        })?;
        if let Some(vm) = &c.vm {
            for (i, g) in vm.guest.iter().enumerate() {
                let n = [&g.bin, &g.test, &g.example]
                    .iter()
                    .filter(|t| t.is_some())
                    .count();
                if n != 1 {
                    return Err(ProjectError::GuestTarget {
                        file: what.to_string(),
                        index: i + 1,
                        package: g.package.clone(),
                        count: n,
                    });
                }
            }
            for (i, h) in vm.helper.iter().enumerate() {
                if h.name.is_empty() || h.name.contains('/') {
                    return Err(ProjectError::HelperName {
                        file: what.to_string(),
                        index: i + 1,
                        name: h.name.clone(),
                    });
                }
            }
        }
        Ok(c)
    }

    /// Makes every relative path absolute against `root`.
    fn resolve(&mut self, root: &Path) {
        let abs = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = root.join(&*p);
            }
        };
        if let Some(g) = &mut self.generate {
            abs(&mut g.dir);
        }
        if let Some(vm) = &mut self.vm {
            if let Some(d) = &mut vm.module_dir {
                abs(d);
            }
            for h in &mut vm.helper {
                abs(&mut h.source);
                h.includes.iter_mut().for_each(abs);
            }
        }
    }
}

impl Project {
    /// Loads the project whose `genl.toml` is in `dir` (or is `dir` itself,
    /// if it names a file).
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let file = if dir.is_file() {
            dir.to_path_buf()
        } else {
            dir.join(FILE_NAME)
        };
        let file = absolute(&file)?;
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => return Err(ProjectError::Read { file, error }),
        };
        let Some(root) = file.parent().map(Path::to_path_buf) else {
            return Err(ProjectError::NoParent { file });
        };
        let mut config = Config::parse(&text, &file.display().to_string())?;
        config.resolve(&root);
        Ok(Project { root, config })
    }

    /// Walks up from `start` to the first directory with a `genl.toml` and
    /// loads it.
    pub fn find(start: &Path) -> Result<Project, ProjectError> {
        Project::find_with(start, |f| f.is_file())
    }

    /// [`Project::find`], with `exists` saying whether a `genl.toml` path
    /// is a file (the tests' view of the file system).
    fn find_with(start: &Path, exists: impl Fn(&Path) -> bool) -> Result<Project, ProjectError> {
        let start = absolute(start)?;
        let mut dir = Some(start.as_path());
        while let Some(d) = dir {
            if exists(&d.join(FILE_NAME)) {
                return Project::load(d);
            }
            dir = d.parent();
        }
        Err(ProjectError::NotFound { start })
    }

    /// `--project DIR` if given, else [`Project::find`] from the current
    /// directory.
    pub fn locate(project: Option<&Path>) -> Result<Project, ProjectError> {
        match project {
            Some(p) => Project::load(p),
            None => {
                let cwd = std::env::current_dir().map_err(ProjectError::CurrentDir)?;
                Project::find(&cwd)
            }
        }
    }

    /// `[generate] dir`, or an error saying it is needed.
    pub fn generate_dir(&self) -> Result<&Path, ProjectError> {
        self.config
            .generate
            .as_ref()
            .map(|g| g.dir.as_path())
            .ok_or_else(|| self.missing("[generate] dir"))
    }

    /// `[vm] module-dir`, else `[generate] dir`.
    pub fn module_dir(&self) -> Result<PathBuf, ProjectError> {
        if let Some(d) = self.config.vm.as_ref().and_then(|v| v.module_dir.clone()) {
            return Ok(d);
        }
        self.generate_dir()
            .map(Path::to_path_buf)
            .map_err(|_| self.missing("[vm] module-dir (or [generate] dir)"))
    }

    /// The family's YNL spec: the one `*.yaml` file directly in
    /// `[generate] dir`, named `<family>.yaml`. An error when there is none
    /// or more than one.
    pub fn family_spec(&self) -> Result<PathBuf, ProjectError> {
        let dir = self.generate_dir()?;
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|error| ProjectError::ReadDir {
                dir: dir.to_path_buf(),
                error,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        found.sort();
        match found.len() {
            1 => Ok(found.pop().unwrap()),
            0 => Err(ProjectError::NoSpec {
                dir: dir.to_path_buf(),
            }),
            _ => Err(ProjectError::SeveralSpecs {
                dir: dir.to_path_buf(),
                found,
            }),
        }
    }

    /// The family's name: the file stem of [`Project::family_spec`].
    pub fn family_name(&self) -> Result<String, ProjectError> {
        let spec = self.family_spec()?;
        Ok(spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default())
    }

    /// The generated kernel source and header of the family,
    /// `<generate.dir>/<family>-nl.c` and `-nl.h` (which must exist).
    pub fn kernel_files(&self) -> Result<(PathBuf, PathBuf), ProjectError> {
        let dir = self.generate_dir()?;
        let family = self.family_name()?;
        let c = dir.join(format!("{family}-nl.c"));
        let h = dir.join(format!("{family}-nl.h"));
        for f in [&c, &h] {
            if !f.is_file() {
                return Err(ProjectError::KernelFileMissing { file: f.clone() });
            }
        }
        Ok((c, h))
    }

    /// The family's uapi header under `<generate.dir>/include/uapi/`: the
    /// only `*.h` there, or, when there are several (a project with more
    /// than one module), the one named `<family>.h`. An error when there is
    /// none, or several and none (or more than one) has the family's name.
    pub fn uapi_header(&self) -> Result<PathBuf, ProjectError> {
        let dir = self.generate_dir()?.join("include").join("uapi");
        let mut found = Vec::new();
        collect_headers(&dir, &mut found)?;
        found.sort();
        match found.len() {
            1 => return Ok(found.pop().unwrap()),
            0 => return Err(ProjectError::NoUapiHeader { dir }),
            _ => {}
        }
        let family = self.family_name()?;
        let named: Vec<&PathBuf> = found
            .iter()
            .filter(|p| p.file_stem().is_some_and(|s| s.to_string_lossy() == family))
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(ProjectError::SeveralUapiHeaders { dir, family, found }),
        }
    }

    fn missing(&self, what: &'static str) -> ProjectError {
        ProjectError::Missing {
            file: self.root.join(FILE_NAME),
            what,
        }
    }
}

fn collect_headers(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ProjectError> {
    let entries = std::fs::read_dir(dir).map_err(|error| ProjectError::ReadDir {
        dir: dir.to_path_buf(),
        error,
    })?;
    for e in entries {
        let p = e.map_err(ProjectError::DirEntry)?.path();
        if p.is_dir() {
            collect_headers(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "h") {
            out.push(p);
        }
    }
    Ok(())
}

/// `p` made absolute against the current directory (not canonicalized).
fn absolute(p: &Path) -> Result<PathBuf, ProjectError> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(ProjectError::CurrentDir)?;
    Ok(cwd.join(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("genl-project-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_example_parses() {
        let c = Config::parse(EXAMPLE, "example").unwrap();
        let f = c.family.unwrap();
        assert_eq!(f.package, "counter");
        assert_eq!(f.type_path, "counter::CounterCmd");
        assert_eq!(c.generate.unwrap().dir, PathBuf::from("kmod"));
        let vm = c.vm.unwrap();
        assert_eq!(vm.module_dir, Some(PathBuf::from("kmod")));
        assert_eq!(
            vm.kernels,
            Some(
                ["5.10", "6.1", "6.12", "newest"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
        assert_eq!(vm.timeout, Some(300));
        assert_eq!(vm.guest.len(), 2);
        let g = &vm.guest[0];
        assert_eq!(g.package, "counter-client");
        assert_eq!(g.target(), (TargetKind::Bin, "counter-selftest"));
        assert_eq!(g.min_tests, Some(1));
        assert!(!g.release && !g.ynl);
        assert_eq!(vm.guest[1].target(), (TargetKind::Test, "vm_ynl"));
        assert!(vm.guest[1].ynl);
        assert_eq!(vm.helper[0].name, "counter_raw");
        assert_eq!(
            vm.helper[0].includes,
            vec![PathBuf::from("kmod/include/uapi")]
        );
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        for (text, key) in [
            (
                "[family]\npackage = \"a\"\ntype = \"a::B\"\ncolour = 1\n",
                "colour",
            ),
            ("[vm]\nkernel = [\"6.1\"]\n", "kernel"),
            (
                "[[vm.guest]]\npackage = \"p\"\nbin = \"b\"\nmin_tests = 3\n",
                "min_tests",
            ),
            ("[generate]\ndir = \"k\"\nout = \"y\"\n", "out"),
            (
                "[[vm.helper]]\nname = \"x\"\nsource = \"x.c\"\ncflags = []\n",
                "cflags",
            ),
            ("[extra]\n", "extra"),
        ] {
            let err = Config::parse(text, "genl.toml").unwrap_err();
            assert!(matches!(err, ProjectError::Parse { .. }), "{err:?}");
            let err = err.to_string();
            assert!(err.contains(key), "{key}: {err}");
            assert!(err.starts_with("genl.toml"), "{err}");
        }
    }

    #[test]
    fn a_guest_names_exactly_one_target() {
        let none = "[[vm.guest]]\npackage = \"p\"\n";
        let two = "[[vm.guest]]\npackage = \"p\"\nbin = \"a\"\ntest = \"b\"\n";
        for (t, n) in [(none, 0), (two, 2)] {
            let err = Config::parse(t, "genl.toml").unwrap_err();
            assert!(
                matches!(&err, ProjectError::GuestTarget { index: 1, package, count, .. }
                    if package == "p" && *count == n),
                "{err:?}"
            );
            assert!(
                err.to_string()
                    .contains("exactly one of `bin`, `test`, `example`"),
                "{err}"
            );
        }
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let d = tmp("rel");
        std::fs::write(
            d.join(FILE_NAME),
            "[generate]\ndir = \"gen\"\n[vm]\n[[vm.helper]]\nname = \"h\"\n\
             source = \"c/h.c\"\nincludes = [\"inc\", \"/abs\"]\n",
        )
        .unwrap();
        let p = Project::load(&d).unwrap();
        assert_eq!(p.root, d);
        assert_eq!(p.generate_dir().unwrap(), d.join("gen"));
        // No module-dir: the generate dir.
        assert_eq!(p.module_dir().unwrap(), d.join("gen"));
        let h = &p.config.vm.as_ref().unwrap().helper[0];
        assert_eq!(h.source, d.join("c/h.c"));
        assert_eq!(h.includes, vec![d.join("inc"), PathBuf::from("/abs")]);
        // The file itself may be named too.
        assert_eq!(Project::load(&d.join(FILE_NAME)).unwrap().root, d);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn find_walks_up_to_the_first_genl_toml() {
        let d = tmp("find");
        std::fs::write(d.join(FILE_NAME), "[generate]\ndir = \"kmod\"\n").unwrap();
        let deep = d.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        let p = Project::find(&deep).unwrap();
        assert_eq!(p.root, d);
        assert_eq!(p.generate_dir().unwrap(), d.join("kmod"));
        // A nearer genl.toml wins.
        std::fs::write(d.join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(Project::find(&deep).unwrap().root, d.join("a"));
        // Missing: the error names where the search started.
        let err = Project::load(&deep).unwrap_err();
        assert!(
            matches!(&err, ProjectError::Read { file, .. } if *file == deep.join(FILE_NAME)),
            "{err:?}"
        );
        assert!(err.to_string().contains("a/b/c"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn find_without_any_genl_toml_names_the_start() {
        // Whatever this machine's `/` holds: a file system without any
        // genl.toml, every directory up to `/` asked once.
        let start = Path::new("/proc/self/fdinfo");
        let asked = std::cell::RefCell::new(Vec::new());
        let err = Project::find_with(start, |f| {
            asked.borrow_mut().push(f.to_path_buf());
            false
        })
        .unwrap_err();
        assert!(
            matches!(&err, ProjectError::NotFound { start: s } if s == start),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(err.contains("/proc/self/fdinfo"), "{err}");
        assert!(err.contains("no genl.toml"), "{err}");
        let want: Vec<PathBuf> = ["/proc/self/fdinfo", "/proc/self", "/proc", "/"]
            .iter()
            .map(|d| Path::new(d).join(FILE_NAME))
            .collect();
        assert_eq!(asked.into_inner(), want);
    }

    #[test]
    fn family_files_are_found_in_the_generate_dir() {
        let d = tmp("family");
        std::fs::write(d.join(FILE_NAME), "[generate]\ndir = \"k\"\n").unwrap();
        let p = Project::load(&d).unwrap();
        let k = d.join("k");
        let uapi = k.join("include/uapi/linux");
        std::fs::create_dir_all(&uapi).unwrap();
        assert!(p
            .family_spec()
            .unwrap_err()
            .to_string()
            .contains("no YNL spec"));
        std::fs::write(k.join("counter.yaml"), "name: counter\n").unwrap();
        assert_eq!(p.family_name().unwrap(), "counter");
        assert!(
            matches!(p.uapi_header(), Err(ProjectError::NoUapiHeader { dir }) if dir == k.join("include/uapi"))
        );
        std::fs::write(uapi.join("whatever.h"), "").unwrap();
        assert_eq!(p.uapi_header().unwrap(), uapi.join("whatever.h"));
        std::fs::write(uapi.join("other.h"), "").unwrap();
        let err = p.uapi_header().unwrap_err().to_string();
        assert!(
            err.contains("counter.h") && err.contains("other.h"),
            "{err}"
        );
        std::fs::write(uapi.join("counter.h"), "").unwrap();
        assert_eq!(p.uapi_header().unwrap(), uapi.join("counter.h"));
        std::fs::write(k.join("second.yaml"), "").unwrap();
        assert!(matches!(
            p.family_spec(),
            Err(ProjectError::SeveralSpecs { found, .. })
                if found == [k.join("counter.yaml"), k.join("second.yaml")]
        ));
        let _ = std::fs::remove_dir_all(&d);
    }
}
