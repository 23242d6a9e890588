//! The compat files ([`crate::compat`]): the generated C tests features,
//! never version numbers; a value check on a big-endian integer, which
//! kernels without `NLA_BE_RANGE` cannot do, fails the build with an
//! `#error` naming the attribute. Feature names are the kernel's
//! identifiers (`include/net/genetlink.h`, `include/net/netlink.h`,
//! `include/linux/workqueue.h` of Linux 6.12).

use genl_core::{AttrSet, Family};

use super::{assert_contains, out};
use crate::compat::{self, FEATURES};
use crate::{render, Options};

/// A big-endian port with a range, and one without.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Ports {
    #[nla(id = 1, be, min = 1, max = 1023)]
    low: Option<u16>,
    #[nla(id = 2, be)]
    any: Option<u32>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "be-test", version = 1)]
pub enum BeCmd {
    #[genl(cmd = 1, request = Ports)]
    Set,
}

#[test]
fn a_value_check_on_be16_is_an_error_without_nla_be_range() {
    let c = out(BeCmd::SCHEMA).kc;
    assert_contains(
        &c,
        "\n#ifndef GENL_HAVE_NLA_BE_RANGE\n\
         #error \"BE_TEST_A_PORTS_LOW: a value check on NLA_BE16 needs Linux 6.1 (NLA_BE_RANGE)\"\n\
         #endif\n",
    );
    // Only the checked attribute: a plain NLA_BE32 is emulated.
    assert_eq!(c.matches("#error").count(), 1, "{c}");
    assert!(!c.contains("LINUX_VERSION_CODE"));
}

#[test]
fn families_without_be_value_checks_have_no_error() {
    let c = out(super::handshake_schema()).kc;
    assert!(!c.contains("#error"), "{c}");
}

#[test]
fn the_kernel_header_includes_the_compat_header() {
    let h = out(BeCmd::SCHEMA).kh;
    assert_contains(
        &h,
        "#include <net/genetlink.h>\n\n#include \"genl_compat.h\"\n",
    );
}

#[test]
fn render_writes_the_three_compat_files_the_same_for_every_family() {
    let o = Options::new("genl generate");
    let a = render(BeCmd::SCHEMA, &o).unwrap();
    let b = render(super::policies::policy_family(), &o).unwrap();
    for path in [compat::HEADER, compat::KBUILD_FRAGMENT, compat::PROBES] {
        let fa = a.iter().find(|f| f.path == path).expect(path);
        let fb = b.iter().find(|f| f.path == path).expect(path);
        assert_eq!(fa.contents, fb.contents, "{path}");
        assert!(!fa.contents.contains("LINUX_VERSION_CODE"), "{path}");
    }
}

#[test]
fn every_feature_has_a_probe_a_make_target_and_a_unique_name() {
    let probes = compat::probes("x");
    let mk = compat::kbuild_fragment("x");
    let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    for f in FEATURES {
        assert_eq!(
            probes
                .matches(&format!("defined(GENL_PROBE_{})\n", f.name))
                .count(),
            1,
            "{}",
            f.name
        );
    }
    // The make variable lists exactly the features, in order.
    let list = mk
        .split_once("genl_compat_probes :=")
        .and_then(|(_, r)| r.split_once("\n\n"))
        .map(|(l, _)| l.replace('\\', " "))
        .expect("the genl_compat_probes variable");
    let listed: Vec<&str> = list.split_whitespace().collect();
    assert_eq!(listed, names);
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), FEATURES.len());
}

#[test]
fn the_probes_name_the_kernel_identifiers_they_test() {
    let p = compat::probes("x");
    for ident in [
        "struct genl_split_ops",
        "GENL_REQ_ATTR_CHECK(",
        "NL_REQ_ATTR_CHECK(",
        "NL_SET_ERR_ATTR_MISS(",
        "NLMSGERR_ATTR_MISS_TYPE",
        "nla_strscpy(",
        "NLA_BE16",
        "NLA_BE32",
        "->resv_start_op",
        "genl_info_dump(",
        "nla_put_uint(",
        "NLA_UINT",
        "NLA_POLICY_MAX_LEN(",
        "genlmsg_multicast_allns(arg, NULL, 0, 0)",
        "WQ_PERCPU",
        "&net->net_cookie",
    ] {
        assert!(p.contains(ident), "{ident}");
    }
}

#[test]
fn the_compat_header_emulates_what_it_can() {
    let h = compat::header("x");
    for (feature, fallback) in [
        ("NL_SET_ERR_ATTR_MISS", "#define NL_SET_ERR_ATTR_MISS("),
        ("NL_REQ_ATTR_CHECK", "#define NL_REQ_ATTR_CHECK("),
        ("GENL_REQ_ATTR_CHECK", "#define GENL_REQ_ATTR_CHECK("),
        ("NLA_STRSCPY", "static inline ssize_t nla_strscpy("),
        ("NLA_BE16", "#define NLA_BE16 NLA_U16"),
        ("NLA_BE32", "#define NLA_BE32 NLA_U32"),
        ("NLA_POLICY_MAX_LEN", "#define NLA_POLICY_MAX_LEN(_len)"),
        ("MULTICAST_ALLNS_NO_GFP", "#define genlmsg_multicast_allns("),
        ("WQ_PERCPU", "#define WQ_PERCPU 0"),
    ] {
        let guard = format!("#ifndef GENL_HAVE_{feature}\n");
        let (_, after) = h.split_once(&guard).unwrap_or_else(|| panic!("{guard}"));
        let block = after.split("#endif").next().unwrap();
        assert!(block.contains(fallback), "{feature}: {block}");
    }
    assert_contains(&h, "#include \"genl_compat_features.h\"\n");
    assert_contains(
        &h,
        "static inline u64 genl_compat_net_cookie(const struct net *net)\n",
    );
}
