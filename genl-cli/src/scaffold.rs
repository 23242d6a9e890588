//! `genl new NAME [DIR]`: a project that builds and passes as generated.
//!
//! The project holds the family's schema crate (a starter family of named
//! counters: a do, a dump, two admin commands, an event), the kernel module
//! (`kmod/`: Kbuild, a Makefile for the running kernel or `KDIR=`,
//! `dkms.conf`, `NAME_main.c` with registration, per-namespace state, one
//! handler per op and a notify helper, and the files `genl generate`
//! writes), a typed client with a selftest that `genl vm test` runs, a
//! `genl.toml`, a README, a `.gitignore`, and the `.cargo/config.toml`
//! block that builds it against the tool's copy of the genl crates (through
//! `.genl/crates`, never committed: see [`crate::vendor`]).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::vendor::Configured;

mod error;
pub use error::ScaffoldError;

/// One file of the template: its path in the project (with `@name@`
/// substituted) and its text.
struct Template {
    path: &'static str,
    text: &'static str,
}

/// The templates, from `genl-cli/templates/` (manifests are not called
/// `Cargo.toml` there: cargo would take the directory for a package of its
/// own and leave it out of this crate's package).
const TEMPLATES: &[Template] = &[
    Template {
        path: "genl.toml",
        text: include_str!("../templates/genl.toml"),
    },
    Template {
        path: "Cargo.toml",
        text: include_str!("../templates/workspace.toml"),
    },
    Template {
        path: ".gitignore",
        text: include_str!("../templates/gitignore"),
    },
    Template {
        path: "README.md",
        text: include_str!("../templates/README.md"),
    },
    Template {
        path: "@name@/Cargo.toml",
        text: include_str!("../templates/schema/manifest.toml"),
    },
    Template {
        path: "@name@/src/lib.rs",
        text: include_str!("../templates/schema/lib.rs"),
    },
    Template {
        path: "@name@-client/Cargo.toml",
        text: include_str!("../templates/client/manifest.toml"),
    },
    Template {
        path: "@name@-client/src/main.rs",
        text: include_str!("../templates/client/main.rs"),
    },
    Template {
        path: "@name@-client/src/bin/@name@-selftest.rs",
        text: include_str!("../templates/client/selftest.rs"),
    },
    Template {
        path: "kmod/Kbuild",
        text: include_str!("../templates/kmod/Kbuild"),
    },
    Template {
        path: "kmod/Makefile",
        text: include_str!("../templates/kmod/Makefile"),
    },
    Template {
        path: "kmod/dkms.conf",
        text: include_str!("../templates/kmod/dkms.conf"),
    },
    Template {
        path: "kmod/@name@_main.c",
        text: include_str!("../templates/kmod/main.c"),
    },
];

/// Checks a family name for the scaffold: it names the family (1 to 15
/// bytes), the crate, the module and C identifiers, so it is a lower-case
/// C identifier.
pub(crate) fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let ok = !name.is_empty()
        && name.len() <= genl_rules::limits::GENL_NAME_MAX
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ScaffoldError::BadName {
            name: name.to_owned(),
        })
    }
}

/// The uapi header the family gets: `linux/NAME.h`, unless the kernel's
/// own uapi headers already have that name (`linux/counter.h` exists), then
/// `linux/NAME_genl.h`.
pub(crate) fn uapi_header_for(name: &str) -> Result<String, ScaffoldError> {
    for candidate in [format!("linux/{name}.h"), format!("linux/{name}_genl.h")] {
        if !genl_codegen::kernel_has_uapi_header(&candidate) {
            return Ok(candidate);
        }
    }
    Err(ScaffoldError::HeaderTaken {
        name: name.to_owned(),
    })
}

/// What `genl new` made.
#[derive(Debug)]
pub struct Scaffold {
    /// The project directory.
    pub dir: PathBuf,
    /// The uapi header path under `include/uapi/`.
    pub uapi_header: String,
    /// The files written, relative to [`dir`](Self::dir).
    pub files: Vec<String>,
}

/// Writes the project for family `name` into `dir` (which must not exist,
/// or be empty).
pub(crate) fn write(name: &str, dir: &Path) -> Result<Scaffold, ScaffoldError> {
    check_name(name)?;
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(io(dir))?.next().is_none();
        if !empty {
            return Err(ScaffoldError::NotEmpty {
                dir: dir.to_owned(),
            });
        }
    }
    let uapi_header = uapi_header_for(name)?;
    // Declared in the schema only when it is not the default.
    let uapi_key = if uapi_header == format!("linux/{name}.h") {
        String::new()
    } else {
        format!(",\n    // The kernel has its own linux/{name}.h: ours must be called otherwise.\n    uapi_header = \"{uapi_header}\"")
    };
    let subst = |s: &str| {
        s.replace("@name@", name)
            .replace("@NAME@", &name.to_uppercase())
            .replace("@Name@", &genl_rules::case::camel(name))
            .replace("@uapi_header@", &uapi_header)
            .replace("@uapi_key@", &uapi_key)
            .replace("@genl_version@", crate::vendor::VERSION)
    };
    let mut files = Vec::new();
    for t in TEMPLATES {
        let rel = subst(t.path);
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, subst(t.text)).map_err(io(&path))?;
        files.push(rel);
    }
    Ok(Scaffold {
        dir: dir.to_owned(),
        uapi_header,
        files,
    })
}

crate::error::io_at!(ScaffoldError);

/// What [`create`] did: the project written and pointed at this tool's
/// genl crates. `Display` is what `genl new` says about it, a `new: ` line
/// each.
#[derive(Debug)]
pub struct Created {
    /// The family's name.
    pub name: String,
    /// The files written.
    pub scaffold: Scaffold,
    /// How the project was pointed at this tool's genl crates.
    pub linked: Configured,
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (dir, name) = (&self.scaffold.dir, &self.name);
        writeln!(
            f,
            "new: wrote {} files into {}",
            self.scaffold.files.len(),
            dir.display()
        )?;
        for l in self.linked.report(dir) {
            writeln!(f, "new: {l}")?;
        }
        if self.scaffold.uapi_header != format!("linux/{name}.h") {
            writeln!(
                f,
                "new: the kernel has its own include/uapi/linux/{name}.h; the family's uapi header is {} (declared in {name}/src/lib.rs)",
                self.scaffold.uapi_header
            )?;
        }
        Ok(())
    }
}

impl Created {
    /// Generates the kernel files of the project from its schema, so it
    /// builds and passes as created (`genl generate`), handing `status`
    /// the Wireshark dissector's status ([`crate::generate::run`]).
    pub fn generate(
        &self,
        status: &mut dyn FnMut(&crate::generate::Dissector),
    ) -> Result<(), ScaffoldError> {
        let project = crate::project::Project::load(&self.scaffold.dir)?;
        Ok(crate::generate::run(&project, false, status)?)
    }

    /// What to run next in the project, as `genl new` ends.
    pub fn next_steps(&self) -> String {
        let mut out = format!("\nnext:\n  cd {}\n", self.scaffold.dir.display());
        for l in NEXT_STEPS {
            out += &format!("  {l}\n");
        }
        out
    }
}

/// The commands [`Created::next_steps`] suggests, after `cd DIR`.
const NEXT_STEPS: [&str; 3] = [
    "genl generate --check   # the kernel files match the schema",
    "genl check              # checkpatch, YNL validation, ynl-gen-c comparison",
    "genl vm test            # the module in Debian's 5.10, 6.1, 6.12 and newest kernels, the selftest inside",
];

/// `genl new NAME [DIR]`, its first half: writes the project into `DIR`
/// (default `./NAME`) and points it at this tool's copy of the genl crates.
/// [`Created::generate`] then generates its kernel files.
pub fn create(name: &str, dir: Option<&Path>) -> Result<Created, ScaffoldError> {
    let cwd = std::env::current_dir().map_err(ScaffoldError::CurrentDir)?;
    let dir = cwd.join(dir.unwrap_or_else(|| Path::new(name)));
    let scaffold = write(name, &dir)?;
    let cache = crate::cache::cache_dir()?;
    let linked = crate::vendor::configure(&dir, &cache)?;
    Ok(Created {
        name: name.to_owned(),
        scaffold,
        linked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_c_identifiers_that_fit_a_family() {
        assert!(check_name("counter").is_ok());
        assert!(check_name("a1_b").is_ok());
        for bad in [
            "",
            "Counter",
            "1x",
            "my-family",
            "a_name_too_long_x",
            "café",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_name_the_kernel_uses_gets_another_uapi_header() {
        // include/uapi/linux/counter.h is the kernel's (the counter
        // subsystem); genl_demo is not a kernel header.
        assert_eq!(uapi_header_for("counter").unwrap(), "linux/counter_genl.h");
        assert_eq!(uapi_header_for("genl_demo").unwrap(), "linux/genl_demo.h");
    }

    #[test]
    fn every_placeholder_is_substituted() {
        let dir = std::env::temp_dir().join(format!("genl-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = write("counter", &dir).unwrap();
        assert_eq!(s.uapi_header, "linux/counter_genl.h");
        for f in &s.files {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            for p in ["@name@", "@NAME@", "@Name@", "@uapi_header@", "@uapi_key@"] {
                assert!(!text.contains(p), "{f} still has {p}");
            }
        }
        let lib = std::fs::read_to_string(dir.join("counter/src/lib.rs")).unwrap();
        assert!(lib.contains("uapi_header = \"linux/counter_genl.h\""));
        assert!(lib.contains("pub enum CounterCmd"));
        assert!(
            matches!(write("counter", &dir), Err(ScaffoldError::NotEmpty { dir: d }) if d == dir),
            "refuses a non-empty dir"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn created_says_what_genl_new_printed() {
        let c = Created {
            name: "counter".into(),
            scaffold: Scaffold {
                dir: PathBuf::from("/p/counter"),
                uapi_header: "linux/counter_genl.h".into(),
                files: vec!["a".into(), "b".into()],
            },
            linked: Configured::default(),
        };
        assert_eq!(
            c.to_string(),
            "new: wrote 2 files into /p/counter\n\
             new: the kernel has its own include/uapi/linux/counter.h; the family's uapi \
             header is linux/counter_genl.h (declared in counter/src/lib.rs)\n"
        );
        assert_eq!(
            c.next_steps(),
            "\nnext:\n  cd /p/counter\n\
             \x20 genl generate --check   # the kernel files match the schema\n\
             \x20 genl check              # checkpatch, YNL validation, ynl-gen-c comparison\n\
             \x20 genl vm test            # the module in Debian's 5.10, 6.1, 6.12 and newest \
             kernels, the selftest inside\n"
        );
    }

    #[test]
    fn bad_names_are_refused_by_name() {
        assert!(matches!(
            check_name("My-Fam"),
            Err(ScaffoldError::BadName { name }) if name == "My-Fam"
        ));
    }
}
