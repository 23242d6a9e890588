//! What can go wrong in `genl generate` ([`GenerateError`]): asking cargo
//! about the project ([`MetadataError`]), the driver, and the Wireshark
//! dissector ([`DissectorError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use genl_ynl::wireshark::DissectorSpecError;

use super::REGENERATE_COMMAND;
use crate::project::ProjectError;

/// Why `cargo metadata` of the project gave nothing usable.
#[derive(Debug)]
#[non_exhaustive]
pub enum MetadataError {
    /// cargo could not be run.
    Spawn(io::Error),
    /// `cargo metadata` failed.
    Failed {
        /// The project's root, where it ran.
        root: PathBuf,
        /// What cargo said.
        stderr: String,
    },
    /// Its output is not JSON.
    Json(serde_json::Error),
    /// It gave genl-core no manifest path.
    NoCoreManifest,
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::Spawn(e) => write!(f, "cargo metadata: {e}"),
            MetadataError::Failed { root, stderr } => {
                write!(f, "cargo metadata in {}: {}", root.display(), stderr.trim())
            }
            MetadataError::Json(e) => write!(f, "cargo metadata: {e}"),
            MetadataError::NoCoreManifest => {
                f.write_str("cargo metadata gave genl-core no manifest path")
            }
        }
    }
}

impl std::error::Error for MetadataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MetadataError::Spawn(e) => Some(e),
            MetadataError::Json(e) => Some(e),
            _ => None,
        }
    }
}

/// Why the family's Wireshark dissector ([`dissector`](super::dissector))
/// could not be made or checked.
#[derive(Debug)]
#[non_exhaustive]
pub enum DissectorError {
    /// The generated YNL spec could not be read.
    Read {
        /// The spec.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The spec gives no dissector.
    Render {
        /// The spec.
        path: PathBuf,
        /// Why: it does not load, or is not generic netlink.
        error: DissectorSpecError,
    },
    /// The dissector could not be written or compared.
    Write(genl_codegen::WriteError),
}

impl fmt::Display for DissectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DissectorError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            DissectorError::Render { path, error } => write!(f, "{}: {error}", path.display()),
            DissectorError::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DissectorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DissectorError::Read { error, .. } => Some(error),
            DissectorError::Write(e) => Some(e),
            DissectorError::Render { error, .. } => Some(error),
        }
    }
}

/// Why [`run`](super::run) failed. `Display` is the message `genl
/// generate` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum GenerateError {
    /// genl.toml has no `[family]` section.
    NoFamily {
        /// The project's genl.toml.
        config: PathBuf,
    },
    /// genl.toml lacks what generating needs (`[generate] dir`), or the
    /// family's spec in it cannot be told apart.
    Layout(ProjectError),
    /// `cargo metadata` of the project gave nothing usable.
    Metadata(MetadataError),
    /// genl.toml's `[family] package` is not a package of the workspace.
    NotInWorkspace {
        /// The package named.
        package: String,
        /// The project's root.
        root: PathBuf,
    },
    /// genl.toml's family type is not a path in its package.
    TypePath {
        /// The type's path, as written.
        type_path: String,
        /// The package named.
        package: String,
    },
    /// The family's package does not depend on genl-core.
    NoGenlCore,
    /// Writing the generate driver's files failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The generate driver (`cargo run` of `target/genl-generate`) could
    /// not be run.
    DriverSpawn(io::Error),
    /// The generate driver failed (its output, printed, says why).
    Driver {
        /// The family type it generated from.
        type_path: String,
    },
    /// The family's Wireshark dissector could not be made or checked.
    Dissector(DissectorError),
    /// With `check`: the generated files in `dir` are not what the schema
    /// generates (the driver listed which).
    Stale {
        /// The `[generate] dir`.
        dir: PathBuf,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::NoFamily { config } => write!(
                f,
                "{}: no [family] section: name the package and the #[derive(Family)] type",
                config.display()
            ),
            GenerateError::Layout(e) => e.fmt(f),
            GenerateError::Metadata(e) => e.fmt(f),
            GenerateError::NotInWorkspace { package, root } => write!(
                f,
                "genl.toml names package {package:?}, which is not in the workspace at {}",
                root.display()
            ),
            GenerateError::TypePath { type_path, package } => write!(
                f,
                "genl.toml: the family type {type_path:?} must be a path in package \
                 {package:?}, starting `{}::`",
                package.replace('-', "_")
            ),
            GenerateError::NoGenlCore => {
                f.write_str("the family's package does not depend on genl-core")
            }
            GenerateError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            GenerateError::DriverSpawn(e) => write!(f, "cargo run (the generate driver): {e}"),
            GenerateError::Driver { type_path } => {
                write!(f, "generating from {type_path} failed (see above)")
            }
            GenerateError::Dissector(e) => e.fmt(f),
            GenerateError::Stale { dir } => write!(
                f,
                "generated files in {} are stale; run `{REGENERATE_COMMAND}` and commit them",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GenerateError::Layout(e) => Some(e),
            GenerateError::Metadata(e) => Some(e),
            GenerateError::Io { error, .. } => Some(error),
            GenerateError::DriverSpawn(e) => Some(e),
            GenerateError::Dissector(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(GenerateError {
    Layout(ProjectError),
    Metadata(MetadataError),
    Dissector(DissectorError),
});
crate::error::into_text!(GenerateError, DissectorError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_outside_its_package_names_the_prefix_it_needs() {
        let e = GenerateError::TypePath {
            type_path: "other::Demo".into(),
            package: "genl-demo".into(),
        };
        assert_eq!(
            e.to_string(),
            "genl.toml: the family type \"other::Demo\" must be a path in package \
             \"genl-demo\", starting `genl_demo::`"
        );
    }

    #[test]
    fn a_missing_family_section_says_what_to_name() {
        let e = GenerateError::NoFamily {
            config: PathBuf::from("/p/genl.toml"),
        };
        assert_eq!(
            e.to_string(),
            "/p/genl.toml: no [family] section: name the package and the #[derive(Family)] type"
        );
    }

    #[test]
    fn a_failed_cargo_metadata_says_where_and_what_cargo_said() {
        let e = GenerateError::Metadata(MetadataError::Failed {
            root: PathBuf::from("/p"),
            stderr: "error: no Cargo.toml\n".into(),
        });
        assert_eq!(e.to_string(), "cargo metadata in /p: error: no Cargo.toml");
    }

    #[test]
    fn a_spec_without_a_dissector_is_named_and_keeps_the_cause() {
        use std::error::Error as _;
        let e = DissectorError::Render {
            path: PathBuf::from("/p/kmod/rt-link.yaml"),
            error: DissectorSpecError::NotGenetlink {
                family: "rt-link".into(),
                protocol: "netlink-raw".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "/p/kmod/rt-link.yaml: family `rt-link` is netlink-raw, not generic netlink: \
             Wireshark's genl.family table never sees it"
        );
        assert!(e.source().unwrap().is::<DissectorSpecError>());
    }
}
