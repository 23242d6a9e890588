//! Policies of every attribute kind. Expected entries follow the policy
//! macros of Linux 6.12's `include/net/netlink.h` and in-tree users of
//! them (named at each assertion).

use super::{assert_contains, out};
use crate::text::{display_len, MAX_LINE};
use crate::{render, Options};
use genl_core::{AttrSet, Family};

use super::handshake::HandlerClass;

/// Nested.
#[derive(AttrSet)]
#[allow(dead_code)]
pub struct Inner {
    #[nla(id = 1, be)]
    port: Option<u16>,
    #[nla(id = 2, be)]
    addr: Option<u32>,
}

/// Everything.
#[derive(AttrSet)]
#[genl(c_prefix = "PT_A_ALL")]
#[allow(dead_code)]
pub struct All<'a> {
    #[nla(id = 1, max_len = 15)]
    ifname: Option<&'a str>,
    #[nla(id = 2)]
    key: Option<[u8; 32]>,
    #[nla(id = 3, min = 1)]
    ifindex: Option<u32>,
    #[nla(id = 4, min = 1, max = 100000)]
    big: Option<u32>,
    #[nla(id = 5, nested)]
    inner: Option<Inner>,
    #[nla(id = 6)]
    up: bool,
    #[nla(id = 7, min_len = 4, max_len = 1000)]
    blob: Option<&'a [u8]>,
    #[nla(id = 8, max_len = 2048)]
    big_blob: Option<&'a [u8]>,
    #[nla(id = 9, min = -5, max = 5)]
    delta: Option<i32>,
    #[nla(id = 10, min_len = 2)]
    name: Option<&'a str>,
    #[nla(id = 12)]
    state: Option<HandlerClass>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "policy-test", version = 3)]
pub enum PolicyCmd {
    #[genl(cmd = 1, request = All<'a>, reply = All<'a>, dump, dump_request = All<'a>)]
    Get,
}

pub(crate) fn policy_family() -> &'static genl_core::schema::FamilySchema {
    PolicyCmd::SCHEMA
}

#[test]
fn policies_use_the_kernel_macros() {
    let c = out(PolicyCmd::SCHEMA).kc;
    // Family prefix from the name; set prefix derived for `Inner`; nested
    // policies are sized by the set's _MAX.
    assert_contains(
        &c,
        "const struct nla_policy policy_test_inner_nl_policy[POLICY_TEST_A_INNER_MAX + 1] = {\n\
         \t[POLICY_TEST_A_INNER_PORT] = { .type = NLA_BE16, },\n\
         \t[POLICY_TEST_A_INNER_ADDR] = { .type = NLA_BE32, },\n};\n",
    );
    // WireGuard (drivers/net/wireguard/netlink.c):
    // `{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }`,
    // `NLA_POLICY_EXACT_LEN(NOISE_PUBLIC_KEY_LEN)`.
    assert_contains(
        &c,
        "\t[PT_A_ALL_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },\n",
    );
    assert_contains(&c, "\t[PT_A_ALL_KEY] = NLA_POLICY_EXACT_LEN(32),\n");
    // netdev (net/core/netdev-genl-gen.c): `NLA_POLICY_MIN(NLA_U32, 1)`; a
    // range beyond s16 goes through a `struct netlink_range_validation`
    // (`NLA_POLICY_FULL_RANGE`). Not `const` as 6.12's generated files have
    // it: Linux 6.1's `struct nla_policy` (include/net/netlink.h, line 353
    // of Debian's 6.1 headers) points at a non-const one.
    assert_contains(&c, "\t[PT_A_ALL_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),\n");
    assert_contains(
        &c,
        "static struct netlink_range_validation policy_test_all_big_range = {\n\
         \t.min\t= 1ULL,\n\t.max\t= 100000ULL,\n};\n",
    );
    assert_contains(
        &c,
        "\t[PT_A_ALL_BIG] = NLA_POLICY_FULL_RANGE(NLA_U32, &policy_test_all_big_range),\n",
    );
    assert_contains(
        &c,
        "\t[PT_A_ALL_INNER] = NLA_POLICY_NESTED(policy_test_inner_nl_policy),\n",
    );
    assert_contains(&c, "\t[PT_A_ALL_UP] = { .type = NLA_FLAG, },\n");
    // netlink.h: NLA_BINARY with integer-like validation checks the length.
    assert_contains(
        &c,
        "\t[PT_A_ALL_BLOB] = NLA_POLICY_RANGE(NLA_BINARY, 4, 1000),\n",
    );
    assert_contains(
        &c,
        "\t[PT_A_ALL_BIG_BLOB] = { .type = NLA_BINARY, .len = 2048, },\n",
    );
    assert_contains(
        &c,
        "\t[PT_A_ALL_DELTA] = NLA_POLICY_RANGE(NLA_S32, (-5), 5),\n",
    );
    // A string's minimum length needs a validation function.
    assert_contains(
        &c,
        "static int policy_test_nl_validate_str_min2(const struct nlattr *attr,\n",
    );
    assert_contains(
        &c,
        "\t[PT_A_ALL_NAME] = NLA_POLICY_VALIDATE_FN(NLA_NUL_STRING, policy_test_nl_validate_str_min2),\n",
    );
    // A contiguous value enum bounds its attribute (0..=2 → max 2 only).
    assert_contains(
        &c,
        "\t[PT_A_ALL_STATE] = NLA_POLICY_MAX(NLA_U32, HANDSHAKE_HANDLER_CLASS_MAX),\n",
    );
    // The gap at id 11 is explicit in the uapi enum.
    let h = out(PolicyCmd::SCHEMA).uapi;
    assert_contains(&h, "\tPT_A_ALL_NAME,\n\tPT_A_ALL_STATE = 12,\n");
}

#[test]
fn do_and_dump_are_two_split_ops_and_one_genl_op() {
    let o = out(PolicyCmd::SCHEMA);
    let c = o.kc;
    let (split, old) = c.split_once("#else").unwrap();
    let doit = split.find(".doit\t\t= policy_test_nl_get_doit,").unwrap();
    let dumpit = split
        .find(".dumpit\t\t= policy_test_nl_get_dumpit,")
        .unwrap();
    assert!(doit < dumpit, "the do op must precede the dump op");
    assert!(split.contains("GENL_CMD_CAP_DO,"));
    assert!(split.contains("GENL_CMD_CAP_DUMP,"));
    // The same request for both: one policy, shared by both branches.
    assert_contains(&c, "/* POLICY_TEST_CMD_GET - do, dump */\n");
    assert_eq!(
        c.matches("struct nla_policy policy_test_get_nl_policy[")
            .count(),
        1
    );
    assert_eq!(split.matches("= policy_test_get_nl_policy,").count(), 2);
    assert_eq!(old.matches(".cmd\t\t= POLICY_TEST_CMD_GET,").count(), 1);
    assert!(old.contains(
        ".doit\t\t= policy_test_nl_get_doit,\n\t\t.dumpit\t\t= policy_test_nl_get_dumpit,"
    ));
    let h = o.kh;
    assert_contains(
        &h,
        "int policy_test_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);\n",
    );
    assert_contains(
        &h,
        "extern const struct nla_policy policy_test_inner_nl_policy[POLICY_TEST_A_INNER_MAX + 1];\n",
    );
    assert!(h
        .lines()
        .any(|l| l.starts_with("#define PT_A_ALL_IFNAME_MAX_LEN\t") && l.ends_with("\t15")));
}

#[test]
fn a_version_other_than_1_needs_genetlink_legacy() {
    // Documentation/netlink/genetlink-legacy.yaml is the level with
    // `version` ("Generic Netlink family version. Default is 1.").
    let y = out(PolicyCmd::SCHEMA).ynl;
    assert_contains(&y, "\nprotocol: genetlink-legacy\n");
    assert_contains(&y, "\nversion: 3\n");
}

#[test]
fn generated_lines_fit_checkpatch_width() {
    let o = Options::new("cargo xtask codegen");
    let mut files = render(PolicyCmd::SCHEMA, &o).unwrap();
    let hs = out(super::handshake_schema());
    files.push(crate::GeneratedFile {
        path: "handshake-nl.c".into(),
        contents: hs.kc,
    });
    for f in files {
        for l in f.contents.lines() {
            assert!(display_len(l) <= MAX_LINE, "{}: {l}", f.path);
            assert_eq!(l.trim_end(), l, "{}: trailing whitespace", f.path);
        }
    }
}
