//! Checks of a project's kernel side with the kernel's own tools (from
//! Debian's `linux-source-6.12`, unpacked once into the cache):
//! [`checkpatch`] over the module's C files, [`ynl_validate`] of the
//! family's YNL spec against the kernel's schema, [`ynl_gen_c_compare`] of
//! the kernel's `ynl-gen-c` uapi header with ours, and
//! [`ynl_gen_c_policies`] of its kernel code (policies, ops, declarations)
//! with ours. [`run`] does all four for a project (`genl check`).
//!
//! # What may differ
//!
//! genl's own output always passes: every difference it has from
//! ynl-gen-c by design is an [`Allowed`] class, printed with its reason and
//! the places it applies to, and compared for what it must be instead (the
//! spec's value, the union of the split policies, a generated check's
//! body). Anything else is a [`Difference`] of a [`DiffClass`] and fails
//! the check, unless the project's `genl.toml` allows it, with a reason
//! that every run prints ([`UserAllow`], `[check] allow`).
//!
//! ynl-gen-c runs on a copy of the spec in a temporary `genl-ynl-*`
//! directory, removed on every path unless [`CheckOptions::keep_work`]
//! (`genl check --keep-work`) keeps it.

mod checkpatch;
pub mod compat;
mod error;
#[cfg(test)]
mod live;
mod policies;
mod spec;
mod ynl;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use checkpatch::{checkpatch, CheckpatchError};
pub use error::{AllowClassError, AllowError, CheckError, FailedCheck, StepError};
pub use policies::{
    ynl_gen_c_policies, ynl_gen_c_policies_with, Allowed, CReadError, Difference, PolicyCheckError,
    PolicyReport,
};
pub use spec::SpecError;
pub use ynl::{ynl_gen_c_compare, ynl_gen_c_compare_with, ynl_validate};

use crate::project::{AllowConfig, Project};

/// A kind of difference between ours and the kernel's tools that fails the
/// check unless `genl.toml` allows it (`[check] allow`, by [`name`]).
///
/// [`name`]: DiffClass::name
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiffClass {
    /// A constant of the uapi header differs, or only one header has it.
    UapiConstant,
    /// A policy array: its name, its size, or only one side has it.
    Policy,
    /// One attribute's policy entry differs, or only one side has it.
    PolicyEntry,
    /// A split op (≥ 6.2): handler, policy, `maxattr`, flags, `.start`.
    Op,
    /// Our `genl_ops` table (< 6.2) against our split ops.
    GenlOps,
    /// The family structure or the multicast groups.
    Family,
    /// The kernel header: prototypes, `extern` declarations, enums.
    Declaration,
    /// A generated function of ours of no known kind, or unused.
    Function,
    /// ynl-gen-c cannot process the spec at all (the step is then "not
    /// applicable", with the reason given).
    YnlGenCFails,
    /// Fewer of ynl-gen-c's entries compared than it generated. Never
    /// allowed: nothing of theirs may go uncompared.
    Coverage,
}

impl DiffClass {
    /// Every class.
    pub const ALL: &'static [DiffClass] = &[
        DiffClass::UapiConstant,
        DiffClass::Policy,
        DiffClass::PolicyEntry,
        DiffClass::Op,
        DiffClass::GenlOps,
        DiffClass::Family,
        DiffClass::Declaration,
        DiffClass::Function,
        DiffClass::YnlGenCFails,
        DiffClass::Coverage,
    ];

    /// Its name in `genl.toml`.
    pub fn name(self) -> &'static str {
        match self {
            DiffClass::UapiConstant => "uapi-constant",
            DiffClass::Policy => "policy",
            DiffClass::PolicyEntry => "policy-entry",
            DiffClass::Op => "op",
            DiffClass::GenlOps => "genl-ops",
            DiffClass::Family => "family",
            DiffClass::Declaration => "declaration",
            DiffClass::Function => "function",
            DiffClass::YnlGenCFails => "ynl-gen-c-fails",
            DiffClass::Coverage => "coverage",
        }
    }

    /// The class named `name`, if it can be allowed.
    pub fn allowable(name: &str) -> Result<DiffClass, AllowClassError> {
        match DiffClass::ALL.iter().find(|c| c.name() == name) {
            Some(DiffClass::Coverage) => Err(AllowClassError::Coverage),
            Some(c) => Ok(*c),
            None => Err(AllowClassError::Unknown {
                name: name.to_owned(),
            }),
        }
    }
}

impl fmt::Display for DiffClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A difference the project allows (`[check] allow` in `genl.toml`): every
/// difference of `class` whose place contains `at` (all of the class
/// without it), for `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAllow {
    /// The class.
    pub class: DiffClass,
    /// Only the differences whose text contains this.
    pub at: Option<String>,
    /// Why, printed with every difference it allows.
    pub reason: String,
}

impl UserAllow {
    /// Reads `[check] allow` entries; an unknown class or an empty reason
    /// is an error naming the entry.
    pub fn from_config(entries: &[AllowConfig]) -> Result<Vec<UserAllow>, AllowError> {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let entry = i + 1;
                let class = DiffClass::allowable(&e.class)
                    .map_err(|error| AllowError::Class { entry, error })?;
                if e.reason.trim().is_empty() {
                    return Err(AllowError::EmptyReason {
                        entry,
                        class: e.class.clone(),
                    });
                }
                if e.at.as_deref().is_some_and(|a| a.trim().is_empty()) {
                    return Err(AllowError::EmptyAt {
                        entry,
                        class: e.class.clone(),
                    });
                }
                Ok(UserAllow {
                    class,
                    at: e.at.clone(),
                    reason: e.reason.clone(),
                })
            })
            .collect()
    }

    /// Whether it allows a difference of `class` described by `text`.
    pub fn matches(&self, class: DiffClass, text: &str) -> bool {
        self.class == class && self.at.as_deref().is_none_or(|a| text.contains(a))
    }

    /// How it is printed: `class` or `class at "..."`.
    pub fn label(&self) -> String {
        match &self.at {
            Some(a) => format!("{} at {a:?}", self.class),
            None => self.class.to_string(),
        }
    }
}

/// The first of `allow` that allows a difference of `class` described by
/// `text`.
pub(crate) fn find_allow<'a>(
    allow: &'a [UserAllow],
    class: DiffClass,
    text: &str,
) -> Option<&'a UserAllow> {
    allow.iter().find(|a| a.matches(class, text))
}

/// How the ynl-gen-c checks run.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Keep the temporary `genl-ynl-*` directories (ynl-gen-c's copy of the
    /// spec and its outputs) and print where; otherwise they are removed on
    /// every path.
    pub keep_work: bool,
    /// The differences the project allows.
    pub allow: Vec<UserAllow>,
}

/// `genl check`: [`checkpatch`] over the project's C files (the module dir
/// and the generate dir, each once), then [`ynl_validate`],
/// [`ynl_gen_c_compare_with`] and [`ynl_gen_c_policies_with`] of the
/// family's spec ([`Project::family_spec`]), uapi header
/// ([`Project::uapi_header`]) and kernel files, with the differences
/// `genl.toml` allows (`[check] allow`: an unknown class is an error before
/// anything runs). Runs every check even when one fails; the error names
/// the failed ones. What the checks do and find goes to `say`, a line (or
/// block) at a time, each check's verdict (`check: NAME: PASS` or
/// `check: NAME: FAIL: why`) after its output.
pub fn run(
    project: &Project,
    keep_work: bool,
    say: &mut dyn FnMut(&str),
) -> Result<(), CheckError> {
    let allow = UserAllow::from_config(
        project
            .config
            .check
            .as_ref()
            .map(|c| c.allow.as_slice())
            .unwrap_or_default(),
    )?;
    for a in &allow {
        say(&format!(
            "check: genl.toml allows {}: {}",
            a.label(),
            a.reason
        ));
    }
    let options = CheckOptions { keep_work, allow };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in [
        project.module_dir().ok(),
        project.generate_dir().ok().map(PathBuf::from),
    ]
    .into_iter()
    .flatten()
    {
        if !dirs.iter().any(|x| d.starts_with(x)) {
            dirs.retain(|x| !x.starts_with(&d));
            dirs.push(d);
        }
    }
    let mut failed = Vec::new();
    let mut step = |name: &str, r: Result<(), StepError>, say: &mut dyn FnMut(&str)| match r {
        Ok(()) => say(&format!("check: {name}: PASS")),
        Err(e) => {
            say(&format!("check: {name}: FAIL: {e}"));
            failed.push(FailedCheck {
                name: name.to_owned(),
                error: e,
            });
        }
    };
    if dirs.is_empty() {
        step("checkpatch", Err(StepError::NoModuleDir), say);
    }
    for d in &dirs {
        let r = checkpatch(d, say).map_err(StepError::from);
        step(&format!("checkpatch {}", d.display()), r, say);
    }
    // Without a uapi header, both steps that need it fail with its error.
    match (
        project.family_spec(),
        project.uapi_header().map_err(Arc::new),
    ) {
        (Ok(spec), header) => {
            let r = ynl_validate(&spec, say).map_err(StepError::from);
            step("ynl schema", r, say);
            let r = match &header {
                Ok(h) => ynl_gen_c_compare_with(&spec, h, &options, say).map_err(StepError::from),
                Err(e) => Err(StepError::Project(e.clone())),
            };
            step("ynl-gen-c uapi header", r, say);
            let r = header.map_err(StepError::Project).and_then(|h| {
                let (c, kh) = project.kernel_files()?;
                ynl_gen_c_policies_with(&spec, &c, &kh, &h, &options, say)?;
                Ok(())
            });
            step("ynl-gen-c kernel policies and ops", r, say);
        }
        (Err(e), _) => step("ynl", Err(e.into()), say),
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CheckError::Failed(failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(class: &str, at: Option<&str>, reason: &str) -> AllowConfig {
        AllowConfig {
            class: class.into(),
            at: at.map(Into::into),
            reason: reason.into(),
        }
    }

    #[test]
    fn allowances_name_known_classes_with_a_reason() {
        let a = UserAllow::from_config(&[entry(
            "policy-entry",
            Some("FOO_A_X_VALUE"),
            "the module clamps it",
        )])
        .unwrap();
        assert_eq!(a[0].class, DiffClass::PolicyEntry);
        assert!(a[0].matches(
            DiffClass::PolicyEntry,
            "op cmd 1 do [FOO_A_X_VALUE]: ours ..."
        ));
        assert!(!a[0].matches(
            DiffClass::PolicyEntry,
            "op cmd 1 do [FOO_A_X_KEY]: ours ..."
        ));
        assert!(!a[0].matches(DiffClass::Op, "op cmd 1 do [FOO_A_X_VALUE]"));
        let whole = UserAllow::from_config(&[entry("op", None, "r")]).unwrap();
        assert!(whole[0].matches(DiffClass::Op, "anything"));
        for name in DiffClass::ALL.iter().map(|c| c.name()) {
            let r = UserAllow::from_config(&[entry(name, None, "r")]);
            assert_eq!(r.is_ok(), name != "coverage", "{name}: {r:?}");
        }
    }

    #[test]
    fn genl_toml_allows_with_check_allow() {
        use crate::project::Config;
        let text = "[check]\nallow = [\n  { class = \"op\", reason = \"why\" },\n  \
                    { class = \"policy-entry\", at = \"X_A_Y\", reason = \"because\" },\n]\n";
        let c = Config::parse(text, "genl.toml").unwrap();
        let a = UserAllow::from_config(&c.check.unwrap().allow).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].class, a[0].at.as_deref()), (DiffClass::Op, None));
        assert_eq!(a[1].label(), "policy-entry at \"X_A_Y\"");
        // Unknown keys are rejected by name; a reason is required.
        let e = Config::parse(
            "[check]\nallow = [{ class = \"op\", reason = \"r\", colour = 1 }]\n",
            "t",
        )
        .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = Config::parse("[check]\nallow = [{ class = \"op\" }]\n", "t").unwrap_err();
        assert!(e.to_string().contains("reason"), "{e}");
        // The commented example has an empty list.
        let ex = Config::parse(include_str!("../genl.example.toml"), "example").unwrap();
        assert_eq!(ex.check.map(|c| c.allow.len()), Some(0));
    }

    #[test]
    fn an_unknown_class_or_no_reason_is_an_error() {
        let e = UserAllow::from_config(&[entry("policy-entry", None, "ok"), entry("x", None, "r")])
            .unwrap_err();
        assert!(
            matches!(
                &e,
                AllowError::Class {
                    entry: 2,
                    error: AllowClassError::Unknown { name }
                } if name == "x"
            ),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(e.contains("#2") && e.contains("unknown class \"x\""), "{e}");
        assert!(
            e.contains("policy-entry"),
            "the known classes are listed: {e}"
        );
        let e = UserAllow::from_config(&[entry("op", None, "  ")]).unwrap_err();
        assert!(
            matches!(e, AllowError::EmptyReason { entry: 1, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("reason is empty"), "{e}");
        let e = UserAllow::from_config(&[entry("op", Some(" "), "r")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "genl.toml: [check] allow #1 (class op): `at` is empty (leave it out to allow the \
             whole class)"
        );
        let e = UserAllow::from_config(&[entry("coverage", None, "r")]).unwrap_err();
        assert!(e.to_string().contains("cannot be allowed"), "{e}");
    }
}
