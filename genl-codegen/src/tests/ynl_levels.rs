//! The YNL spec level a family needs, and the names it then spells out.
//! Schema: Linux 6.12's `Documentation/netlink/genetlink-c.yaml`
//! (`c-family-name`, `c-version-name`, a definition's `name-prefix` and
//! `enum-name`, a group's `c-define-name`). This spec validated against
//! that schema, and the kernel's `ynl-gen-c.py --mode uapi` rendered it to
//! the constants of our uapi header (checked by hand when this test was
//! written; `cargo xtask ynl check` does it for the demo family on every
//! run).

use super::{assert_contains, out};
use genl_core::{AttrSet, Family, ValueEnum};

/// Mode.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "OTHER_MODE")]
#[repr(u32)]
pub enum Mode {
    /// a
    A = 1,
    /// b
    B = 2,
}

/// S.
#[derive(AttrSet)]
#[genl(pad = 4)]
#[allow(dead_code)]
pub struct S {
    #[nla(id = 1)]
    pub mode: Option<Mode>,
    #[nla(id = 2)]
    pub big: Option<u64>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(
    name = "cfam",
    c_prefix = "CF",
    mcast_groups("fooBar"),
    uapi_header = "linux/cfam_x.h"
)]
pub enum CCmd {
    #[genl(cmd = 1, request = S, reply = S)]
    Get,
    #[genl(cmd = 2, reply = S, event = "fooBar")]
    Ev,
}

#[test]
fn c_names_other_than_ynls_defaults_need_genetlink_c() {
    let y = out(CCmd::SCHEMA).ynl;
    assert_contains(
        &y,
        "\nname: cfam\nprotocol: genetlink-c\nuapi-header: linux/cfam_x.h\n\
         c-family-name: cf-family-name\nc-version-name: cf-family-version\n",
    );
    assert_contains(
        &y,
        "    name: other-mode\n    doc: \"Mode.\"\n    name-prefix: other-mode-\n\
         \x20   enum-name: other_mode\n",
    );
    assert_contains(&y, "    name-prefix: cf-a-s-\n");
    assert_contains(
        &y,
        "      -\n        name: pad\n        type: pad\n        value: 4\n",
    );
    assert_contains(
        &y,
        "      name: fooBar\n      c-define-name: cf-mcgrp-foo-bar\n",
    );
    assert_contains(&y, "      mcgrp: fooBar\n");
    // What ynl-gen-c made of it, in our header too.
    let h = out(CCmd::SCHEMA).uapi;
    for l in [
        "#define CF_FAMILY_NAME\t\t\"cfam\"",
        "enum other_mode {",
        "\tCF_A_S_PAD = 4,",
        "#define CF_MCGRP_FOO_BAR\t\"fooBar\"",
        "#ifndef _UAPI_LINUX_CFAM_X_H",
    ] {
        assert_contains(&h, l);
    }
}

#[test]
fn a_family_with_ynls_default_names_stays_at_genetlink() {
    let y = out(super::handshake_schema()).ynl;
    assert_contains(&y, "\nprotocol: genetlink\n");
    for key in [
        "c-family-name",
        "c-version-name",
        "enum-name",
        "c-define-name",
        "version:",
    ] {
        assert!(!y.contains(key), "{key}");
    }
}
