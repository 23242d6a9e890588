//! Tests of the model and the renderers. Expected lines come from outside
//! the code under test: the kernel's own YNL-generated files and in-tree
//! callers in Linux 6.12 (each test says which), the policy macros of
//! `include/net/netlink.h`, the kernel's YNL schema, the C compiler, and
//! the host's Debian packages.

mod cc;
mod compat;
mod files;
mod handshake;
mod long_names;
mod policies;
mod rules;
mod shapes;
mod subsets;

use genl_core::schema::FamilySchema;

use crate::policy::Policies;
use crate::{kernel, uapi, ynl_spec, FamilyModel, Options};

pub(crate) use handshake::hs as handshake_schema;

/// The options of this repository's own files.
pub(crate) fn opts() -> Options {
    Options::new("cargo xtask codegen")
}

/// The model of `family`, which must render.
pub(crate) fn model(family: &'static FamilySchema) -> FamilyModel {
    lowered(family).0
}

/// The model and policies of `family`, which must render.
pub(crate) fn lowered(family: &'static FamilySchema) -> (FamilyModel, Policies) {
    crate::lower(family).unwrap_or_else(|e| panic!("{e}"))
}

/// The four outputs of `family` rendered from its model (without
/// [`crate::render`]'s refusal of kernel uapi header paths, so that
/// re-declared kernel families can be compared with the kernel's files).
pub(crate) struct Out {
    pub uapi: String,
    pub kh: String,
    pub kc: String,
    pub ynl: String,
}

pub(crate) fn out(family: &'static FamilySchema) -> Out {
    let (m, p) = lowered(family);
    let o = opts();
    Out {
        uapi: uapi::header(&m, &o),
        kh: kernel::header(&m, &p, &o),
        kc: kernel::source(&m, &p, &o),
        ynl: ynl_spec::render(&m, &o),
    }
}

/// The message of the error [`crate::lower`] (the model, then its
/// policies) gives for `family`.
pub(crate) fn model_err(family: &'static FamilySchema) -> String {
    match crate::lower(family) {
        Ok(_) => panic!("family {} was expected to be refused", family.name),
        Err(e) => e.message().to_owned(),
    }
}

#[track_caller]
pub(crate) fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected\n---\n{needle}\n---\nin\n---\n{haystack}\n---"
    );
}

/// `text` with runs of whitespace as one space (to compare C calls that
/// are wrapped differently).
pub(crate) fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
mod ynl_levels;
