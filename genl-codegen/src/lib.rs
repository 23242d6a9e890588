//! # genl-codegen
//!
//! Code generation from a family's schema descriptors: the kernel uapi
//! header, the kernel header and source of a module implementing the
//! family (policies, ops table, required-attribute checks, 64-bit put
//! helpers), and the YNL spec.
//!
//! Like the kernel's `ynl-gen-c.py`, one parsed family feeds several
//! renderers: [`FamilyModel::new`](model::FamilyModel::new) reads the
//! schema once, computes every name and checks the family's rules;
//! [`Policies::new`](policy::Policies::new) lowers its requests to kernel
//! policies and checks what needs them ([`lower`] runs both); [`uapi`] and
//! [`ynl_spec`] only format the model, [`kernel`] the model and its policies,
//! as the kernel's `ynl-gen-c.py` keeps C out of its parsed family
//! (`nlspec.py`). [`render`] runs them all,
//! and [`write_or_check`] writes the files or reports the stale ones; the
//! `genl generate [--check]` tool (through [`driver::main`]) and
//! `cargo xtask codegen [--check]` both call exactly these two.
//!
//! ```
//! # use genl_core::{AttrSet, Family};
//! /// Request of `PING`.
//! #[derive(AttrSet)]
//! pub struct Ping { #[nla(id = 1)] pub seq: u32 }
//!
//! #[derive(Clone, Copy, Family)]
//! #[genl(name = "ping_demo", version = 2)]
//! pub enum PingCmd { #[genl(cmd = 1, request = Ping, reply = Ping)] Ping }
//!
//! let files = genl_codegen::render(PingCmd::SCHEMA, &genl_codegen::Options::new("genl generate"))?;
//! let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
//! assert_eq!(
//!     paths,
//!     [
//!         "include/uapi/linux/ping_demo.h",
//!         "ping_demo-nl.h",
//!         "ping_demo-nl.c",
//!         "genl_compat.h",
//!         "genl_compat.mk",
//!         "genl_compat_probes.c",
//!         "ping_demo.yaml",
//!     ]
//! );
//! let h = &files[0].contents;
//! assert!(h.contains("#define PING_DEMO_FAMILY_VERSION\t2"));
//! assert!(h.contains("PING_DEMO_A_PING_SEQ"));
//! assert!(h.contains("regenerate with `genl generate`"));
//! # Ok::<(), genl_codegen::CodegenError>(())
//! ```

#![warn(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};

use genl_core::schema::FamilySchema;

pub mod compat;
pub mod driver;
pub mod kernel;
pub mod model;
pub mod names;
pub mod policy;
mod text;
pub mod uapi;
pub mod ynl_spec;

#[cfg(test)]
mod tests;

pub use model::FamilyModel;
pub use policy::Policies;

/// Parses and checks `family` ([`FamilyModel::new`]), then lowers its
/// requests to the kernel's terms and checks that every C identifier is
/// defined once ([`Policies::new`]): every rule a family must pass to be
/// rendered, bar [`render`]'s refusal of the kernel's own uapi header
/// paths. The error names the family, set and attribute concerned and what
/// to write instead.
pub fn lower(family: &'static FamilySchema) -> Result<(FamilyModel, Policies), CodegenError> {
    let m = FamilyModel::new(family)?;
    let p = Policies::new(&m)?;
    Ok((m, p))
}

/// A schema that cannot be rendered: conflicting names or types, or a
/// construct a target cannot express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    message: String,
}

impl CodegenError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CodegenError {
            message: message.into(),
        }
    }

    /// What is wrong, naming the family, set and attribute concerned, and
    /// what to write instead.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code generation failed: {}", self.message)
    }
}

impl std::error::Error for CodegenError {}

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The command that regenerates the files, named in the "do not edit"
    /// banner of each (`cargo xtask codegen` in this repository,
    /// `genl generate` for users of the `genl` tool). There is no default:
    /// a banner must name the command that really regenerates its file.
    pub regenerate_command: String,
}

impl Options {
    /// Options whose banners name `regenerate_command`.
    pub fn new(regenerate_command: impl Into<String>) -> Self {
        Options {
            regenerate_command: regenerate_command.into(),
        }
    }

    fn check(&self) -> Result<(), CodegenError> {
        let c = &self.regenerate_command;
        if c.trim().is_empty() || c.contains(['\n', '\r', '`']) || c.contains("*/") {
            return Err(CodegenError::new(format!(
                "the regenerate command {c:?} must be one non-empty line without `*/` or \
                 backquotes (it goes into C and YAML comments)"
            )));
        }
        Ok(())
    }
}

/// One generated file: where it goes and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory (the module's source
    /// directory), `/`-separated.
    pub path: String,
    /// The file's full contents.
    pub contents: String,
}

/// Renders every output of `family`, with paths relative to the module's
/// source directory:
///
/// - `include/uapi/<uapi header>` (`include/uapi/linux/<name>.h` unless the
///   family declares `uapi_header`): the uapi header ([`uapi::header`]);
/// - `<name>-nl.h`: the kernel header ([`kernel::header`]);
/// - `<name>-nl.c`: policies, required-attribute checks, ops table,
///   multicast groups and the family struct ([`kernel::source`]);
/// - `genl_compat.h`, `genl_compat.mk`, `genl_compat_probes.c`: the kernel
///   feature probes and what the kernel lacks, the same for every family
///   ([`compat`]); the module's `Kbuild` includes `genl_compat.mk`;
/// - `<name>.yaml`: the YNL spec ([`ynl_spec::render`]).
///
/// `<name>` is the family name with `-` as `_`. Besides the rules of the
/// model and its policies ([`lower`]), a family whose uapi header path is one of Linux 6.12's own
/// ([`kernel_has_uapi_header`]) is refused, default or declared: the kernel
/// files include it as `<uapi/...>`, which would find the kernel's header.
pub fn render(
    family: &'static FamilySchema,
    options: &Options,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    options.check()?;
    let (m, p) = lower(family)?;
    if m.uapi_header_clashes() {
        let stem = m
            .uapi_header
            .strip_suffix(".h")
            .unwrap_or(&m.uapi_header)
            .to_owned();
        return Err(CodegenError::new(format!(
            "family {}: the kernel already has include/uapi/{}; declare another, e.g. \
             #[genl(uapi_header = \"{stem}_genl.h\")]",
            family.name, m.uapi_header
        )));
    }
    let base = family.name.replace('-', "_");
    let files = vec![
        GeneratedFile {
            path: format!("include/uapi/{}", m.uapi_header),
            contents: uapi::header(&m, options),
        },
        GeneratedFile {
            path: kernel::header_path(&m),
            contents: kernel::header(&m, &p, options),
        },
        GeneratedFile {
            path: format!("{base}-nl.c"),
            contents: kernel::source(&m, &p, options),
        },
        GeneratedFile {
            path: compat::HEADER.to_owned(),
            contents: compat::header(&options.regenerate_command),
        },
        GeneratedFile {
            path: compat::KBUILD_FRAGMENT.to_owned(),
            contents: compat::kbuild_fragment(&options.regenerate_command),
        },
        GeneratedFile {
            path: compat::PROBES.to_owned(),
            contents: compat::probes(&options.regenerate_command),
        },
        GeneratedFile {
            path: format!("{base}.yaml"),
            contents: ynl_spec::render(&m, options),
        },
    ];
    for f in files
        .iter()
        .filter(|f| !f.path.ends_with(".yaml") && !f.path.ends_with(".mk"))
    {
        check_line_lengths(family.name, f)?;
    }
    Ok(files)
}

/// Refuses a generated C file with a line wider than checkpatch's 100
/// columns (tabs at 8). The renderers wrap every construct, but some
/// combinations of long names cannot wrap in kernel style (an argument
/// aligned after a long function name, deep in a loop): the error names
/// the line so that the names in it can be shortened.
fn check_line_lengths(family: &str, f: &GeneratedFile) -> Result<(), CodegenError> {
    let limit = text::MAX_LINE;
    for (i, line) in f.contents.lines().enumerate() {
        let width = text::display_len(line);
        if width > limit {
            return Err(CodegenError::new(format!(
                "family {family}: line {} of {} would be {width} columns wide, over the kernel's \
                 {limit} (checkpatch): {:?}; shorten the names in it (the Rust names, or a \
                 shorter #[genl(c_prefix = \"...\")])",
                i + 1,
                f.path,
                line.trim_start()
            )));
        }
    }
    Ok(())
}

/// The uapi headers of Linux 6.12 (`include/uapi/**/*.h`, relative to
/// `include/uapi/`), from Debian's `linux-source-6.12`; the file says how
/// it was produced.
const KERNEL_UAPI_HEADERS: &str = include_str!("../data/linux-6.12-uapi-headers.txt");

/// uapi headers the kernel build generates (they are in no source list).
const GENERATED_UAPI_HEADERS: &[&str] = &["linux/version.h"];

/// Whether Linux 6.12 has a uapi header at `path` (relative to
/// `include/uapi/`, e.g. `linux/counter.h`): one of its sources, or one its
/// build generates (`linux/version.h`). A family's uapi header must not
/// take such a path.
pub fn kernel_has_uapi_header(path: &str) -> bool {
    GENERATED_UAPI_HEADERS.contains(&path)
        || KERNEL_UAPI_HEADERS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .any(|l| l == path)
}

/// What [`write_or_check`] found or did for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// The file holds the generated contents.
    UpToDate,
    /// The file was written (it was missing or different).
    Written,
    /// Check mode: the file is missing.
    Missing,
    /// Check mode: the file differs.
    Stale {
        /// The first differing line, 1-based.
        line: usize,
        /// That line as generated (`None`: the generated file ends before).
        expected: Option<String>,
        /// That line in the file (`None`: the file ends before).
        found: Option<String>,
    },
}

/// The state of one generated file after [`write_or_check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    /// The file's path relative to the output directory.
    pub path: String,
    /// What was found or done.
    pub state: FileState,
}

impl FileStatus {
    /// Whether the file now holds the generated contents (up to date, or
    /// just written).
    pub fn is_fresh(&self) -> bool {
        matches!(self.state, FileState::UpToDate | FileState::Written)
    }
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.path;
        match &self.state {
            FileState::UpToDate => write!(f, "{p} is up to date"),
            FileState::Written => write!(f, "{p} written"),
            FileState::Missing => write!(f, "{p} is missing"),
            FileState::Stale {
                line,
                expected,
                found,
            } => {
                let show = |l: &Option<String>| {
                    l.as_ref()
                        .map_or_else(|| "(end of file)".to_owned(), |l| format!("{l:?}"))
                };
                write!(
                    f,
                    "{p} is stale from line {line}: expected {}, found {}",
                    show(expected),
                    show(found)
                )
            }
        }
    }
}

/// A file [`write_or_check`] could not read or write.
#[derive(Debug)]
pub struct WriteError {
    /// The file (or directory).
    pub path: PathBuf,
    /// What went wrong.
    pub source: std::io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Compares `files` with what is under `dir`. With `check` false, writes
/// each missing or different file (creating directories) and reports it
/// [`Written`](FileState::Written); with `check` true, writes nothing and
/// reports it [`Missing`](FileState::Missing) or
/// [`Stale`](FileState::Stale) with the first differing line. Files not in
/// `files` are left alone.
pub fn write_or_check(
    dir: &Path,
    files: &[GeneratedFile],
    check: bool,
) -> Result<Vec<FileStatus>, WriteError> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.path);
        let current = match std::fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(WriteError { path, source: e }),
        };
        let state = match current {
            Some(c) if c == f.contents => FileState::UpToDate,
            None if check => FileState::Missing,
            Some(c) if check => first_difference(&f.contents, &c),
            _ => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| WriteError {
                        path: parent.to_owned(),
                        source: e,
                    })?;
                }
                std::fs::write(&path, &f.contents).map_err(|e| WriteError {
                    path: path.clone(),
                    source: e,
                })?;
                FileState::Written
            }
        };
        out.push(FileStatus {
            path: f.path.clone(),
            state,
        });
    }
    Ok(out)
}

/// The first line where `found` differs from `expected`.
fn first_difference(expected: &str, found: &str) -> FileState {
    let mut e = expected.split_inclusive('\n');
    let mut f = found.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (e.next(), f.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                let trim =
                    |l: Option<&str>| l.map(|l| l.strip_suffix('\n').unwrap_or(l).to_owned());
                return FileState::Stale {
                    line,
                    expected: trim(a),
                    found: trim(b),
                };
            }
        }
    }
}
