//! `genl generate [--check]`: the family's uapi header, kernel policy/ops
//! files and YNL spec, rendered from its Rust schema.
//!
//! The tool reads the schema the way the compiler sees it: it writes a
//! small driver crate under `PROJECT/target/genl-generate/` that depends on
//! the family's package and calls `genl_codegen::driver::main` with the
//! family type named in `genl.toml`, builds it with the project's cargo
//! configuration and lock file (sharing `PROJECT/target`), and runs it.
//! The rendering itself is the same library code `cargo xtask codegen` runs
//! in the genl repository; the files' banners name `genl generate`.
//!
//! Next to the generated YNL spec `<name>.yaml` the tool then writes (or
//! with `--check` compares) `<name>.lua`, a Wireshark dissector of the
//! family rendered from that spec ([`dissector`],
//! [`genl_ynl::wireshark::dissector`]).

mod error;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use error::{DissectorError, GenerateError, MetadataError};

use crate::project::Project;

crate::error::io_at!(GenerateError);

/// The command generated files name in their banner.
pub const REGENERATE_COMMAND: &str = "genl generate";

/// `cargo metadata` of the project, as JSON.
fn metadata(root: &Path, no_deps: bool) -> Result<serde_json::Value, MetadataError> {
    let mut cmd = Command::new(cargo());
    cmd.args(["metadata", "--format-version", "1"]);
    if no_deps {
        cmd.arg("--no-deps");
    }
    let out = cmd
        .current_dir(root)
        .output()
        .map_err(MetadataError::Spawn)?;
    if !out.status.success() {
        return Err(MetadataError::Failed {
            root: root.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    serde_json::from_slice(&out.stdout).map_err(MetadataError::Json)
}

/// The cargo to run: the one running us (`CARGO`), else `cargo`.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The directory of package `name` in `meta`'s packages.
fn package_dir(meta: &serde_json::Value, name: &str) -> Option<PathBuf> {
    meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
}

/// Where genl-codegen comes from for the driver: beside the genl-core the
/// project resolves to (a genl checkout or the tool's cached copy), else
/// the registry at genl-core's version.
fn codegen_dependency(meta: &serde_json::Value) -> Result<String, GenerateError> {
    let core = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "genl-core"))
        .ok_or(GenerateError::NoGenlCore)?;
    if let Some(dir) = package_dir(meta, "genl-codegen") {
        return Ok(format!("{{ path = {:?} }}", dir.to_string_lossy()));
    }
    let core_dir = core["manifest_path"]
        .as_str()
        .and_then(|m| Path::new(m).parent())
        .ok_or(GenerateError::Metadata(MetadataError::NoCoreManifest))?;
    let sibling = core_dir.with_file_name("genl-codegen");
    if sibling.join("Cargo.toml").is_file() {
        return Ok(format!("{{ path = {:?} }}", sibling.to_string_lossy()));
    }
    let v = core["version"].as_str().unwrap_or("*");
    Ok(format!("\"={v}\""))
}

/// Writes `path` unless it already holds `text` (keeps cargo's
/// incremental state).
fn write_if_changed(path: &Path, text: &str) -> Result<(), GenerateError> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(io(p))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

/// Renders the project's family into its `[generate] dir`, or with `check`
/// fails when the files there are stale. The generate driver prints a
/// line per file it renders to standard output itself; the Wireshark
/// dissector's status ([`dissector`]) goes to `status`, after them
/// (`genl generate` prints it there too, beside the driver's lines).
pub fn run(
    project: &Project,
    check: bool,
    status: &mut dyn FnMut(&Dissector),
) -> Result<(), GenerateError> {
    let family = project
        .config
        .family
        .as_ref()
        .ok_or_else(|| GenerateError::NoFamily {
            config: project.root.join(crate::project::FILE_NAME),
        })?;
    let out_dir = project.generate_dir()?.to_path_buf();
    let meta = metadata(&project.root, false)?;
    let pkg_dir =
        package_dir(&meta, &family.package).ok_or_else(|| GenerateError::NotInWorkspace {
            package: family.package.clone(),
            root: project.root.clone(),
        })?;
    let krate = family.package.replace('-', "_");
    if !family.type_path.starts_with(&format!("{krate}::")) {
        return Err(GenerateError::TypePath {
            type_path: family.type_path.clone(),
            package: family.package.clone(),
        });
    }
    let driver = project.root.join("target").join("genl-generate");
    let manifest = format!(
        "# Written by `genl generate`: renders the family from its Rust schema.\n\
         [package]\n\
         name = \"genl-generate-driver\"\n\
         version = \"0.0.0\"\n\
         edition = \"2021\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         {krate} = {{ package = {:?}, path = {:?} }}\n\
         genl-codegen = {}\n\
         \n\
         [workspace]\n",
        family.package,
        pkg_dir.to_string_lossy(),
        codegen_dependency(&meta)?
    );
    write_if_changed(&driver.join("Cargo.toml"), &manifest)?;
    write_if_changed(
        &driver.join("src").join("main.rs"),
        &format!(
            "//! Written by `genl generate`.\n\
             fn main() -> std::process::ExitCode {{\n    \
             genl_codegen::driver::main::<{}>()\n}}\n",
            family.type_path
        ),
    )?;
    // The project's lock file: the same versions as the project builds.
    if let Ok(lock) = std::fs::read_to_string(project.root.join("Cargo.lock")) {
        write_if_changed(&driver.join("Cargo.lock"), &lock)?;
    }
    let mut cmd = Command::new(cargo());
    cmd.args(["run", "--quiet", "--manifest-path"])
        .arg(driver.join("Cargo.toml"))
        .arg("--")
        .arg("--out")
        .arg(&out_dir)
        .args(["--regenerate-command", REGENERATE_COMMAND]);
    if check {
        cmd.arg("--check");
    }
    let st = cmd
        .current_dir(&driver)
        .env("CARGO_TARGET_DIR", project.root.join("target"))
        .status()
        .map_err(GenerateError::DriverSpawn)?;
    let stale = check && st.code() == Some(1);
    if !st.success() && !stale {
        return Err(GenerateError::Driver {
            type_path: family.type_path.clone(),
        });
    }
    let mut fresh = st.success();
    // The dissector of the spec just rendered (in check mode a missing
    // spec is already stale, and said so by the driver).
    match project.family_name() {
        Ok(name) => {
            let d = dissector(&out_dir, &name, check)?;
            status(&d);
            fresh &= d.is_fresh();
        }
        Err(_) if !fresh => {}
        Err(e) => return Err(e.into()),
    }
    if fresh {
        Ok(())
    } else {
        Err(GenerateError::Stale { dir: out_dir })
    }
}

/// What [`dissector`] found or did: the status of `<family>.lua`.
/// `Display` is one line per file, as the generate driver prints the
/// other files'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissector {
    /// The family.
    pub family: String,
    /// The file's status (written, up to date, stale, missing).
    pub statuses: Vec<genl_codegen::FileStatus>,
}

impl Dissector {
    /// Whether the file is (now) fresh.
    pub fn is_fresh(&self) -> bool {
        self.statuses.iter().all(|s| s.is_fresh())
    }
}

impl fmt::Display for Dissector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.statuses {
            writeln!(f, "{}: {s}", self.family)?;
        }
        Ok(())
    }
}

/// Writes `dir/<family>.lua`, the Wireshark dissector of the family whose
/// generated YNL spec is `dir/<family>.yaml`, or with `check` compares it;
/// returns its status, for the caller to print.
pub fn dissector(dir: &Path, family: &str, check: bool) -> Result<Dissector, DissectorError> {
    let yaml_path = dir.join(format!("{family}.yaml"));
    let yaml = match std::fs::read_to_string(&yaml_path) {
        Ok(t) => t,
        Err(error) => {
            return Err(DissectorError::Read {
                path: yaml_path,
                error,
            })
        }
    };
    let lua = genl_ynl::wireshark::dissector(&yaml).map_err(|error| DissectorError::Render {
        path: yaml_path,
        error,
    })?;
    let files = [genl_codegen::GeneratedFile {
        path: format!("{family}.lua"),
        contents: lua,
    }];
    let statuses =
        genl_codegen::write_or_check(dir, &files, check).map_err(DissectorError::Write)?;
    Ok(Dissector {
        family: family.to_owned(),
        statuses,
    })
}
