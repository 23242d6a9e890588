//! Tests of the C generators. Expected lines are copied from files outside
//! this project: the kernel's YNL-generated handshake family
//! (`include/uapi/linux/handshake.h`, `net/handshake/genl.[ch]` in Linux
//! 6.12), the netdev family (`net/core/netdev-genl-gen.c`) and WireGuard's
//! policy (`drivers/net/wireguard/netlink.c`), and the policy macros of
//! `include/net/netlink.h`. The handshake family is re-declared below with
//! our derives so that the same spec goes through both generators.

use super::*;
use crate::c_files;
use genl_core::{AttrSet, Family, ValueEnum};

// ---------------------------------------------------------------------------
// The kernel's handshake family (Documentation/netlink/specs/handshake.yaml),
// the parts its generated files show.

/// Handler class.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "HANDSHAKE_HANDLER_CLASS")]
#[repr(u32)]
enum HandlerClass {
    /// None.
    None = 0,
    /// tlshd.
    Tlshd = 1,
    /// The max.
    Max = 2,
}

/// Accept reply.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_ACCEPT")]
#[allow(dead_code)]
struct Accept {
    #[nla(id = 1)]
    sockfd: i32,
    #[nla(id = 2, max = 2)]
    handler_class: u32,
    #[nla(id = 3)]
    message_type: Option<u32>,
}

/// Accept request: the same C attribute set, one attribute.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_ACCEPT")]
#[allow(dead_code)]
struct AcceptReq {
    #[nla(id = 2, max = 2)]
    handler_class: u32,
}

/// Done request.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_DONE")]
#[allow(dead_code)]
struct Done {
    #[nla(id = 1)]
    status: u32,
    #[nla(id = 2)]
    sockfd: Option<i32>,
    #[nla(id = 3, multi)]
    remote_auth: Vec<u32>,
}

/// Ready notification.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_READY")]
#[allow(dead_code)]
struct Ready {
    #[nla(id = 1)]
    handler_class: Option<HandlerClass>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(
    name = "handshake",
    version = 1,
    c_prefix = "HANDSHAKE",
    mcast_groups("none", "tlshd")
)]
enum HandshakeCmd {
    #[genl(cmd = 1, reply = Ready, event)]
    Ready,
    #[genl(cmd = 2, request = AcceptReq, reply = Accept, admin_perm)]
    Accept,
    #[genl(cmd = 3, request = Done, admin_perm)]
    Done,
}

fn hs() -> &'static FamilySchema {
    HandshakeCmd::SCHEMA
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected\n---\n{needle}\n---\nin\n---\n{haystack}\n---"
    );
}

#[test]
fn uapi_header_matches_ynl_conventions() {
    let h = uapi_header(hs()).unwrap();
    // From include/uapi/linux/handshake.h.
    assert!(h.starts_with(
        "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */\n"
    ));
    assert_contains(
        &h,
        "\n#ifndef _UAPI_LINUX_HANDSHAKE_H\n#define _UAPI_LINUX_HANDSHAKE_H\n",
    );
    assert_contains(&h, "\n#define HANDSHAKE_FAMILY_NAME\t\t\"handshake\"\n");
    assert_contains(&h, "\n#define HANDSHAKE_FAMILY_VERSION\t1\n");
    assert_contains(
        &h,
        "\n\t__HANDSHAKE_A_ACCEPT_MAX,\n\tHANDSHAKE_A_ACCEPT_MAX = (__HANDSHAKE_A_ACCEPT_MAX - 1)\n};\n",
    );
    assert_contains(
        &h,
        "\n\t__HANDSHAKE_CMD_MAX,\n\tHANDSHAKE_CMD_MAX = (__HANDSHAKE_CMD_MAX - 1)\n};\n",
    );
    // handshake.h starts at `HANDSHAKE_CMD_READY = 1`; with an UNSPEC
    // first the values are the same.
    assert_contains(
        &h,
        "\tHANDSHAKE_CMD_UNSPEC,\n\tHANDSHAKE_CMD_READY,\n\tHANDSHAKE_CMD_ACCEPT,\n\tHANDSHAKE_CMD_DONE,\n",
    );
    assert_contains(
        &h,
        "enum handshake_handler_class {\n\tHANDSHAKE_HANDLER_CLASS_NONE,\n\
         \tHANDSHAKE_HANDLER_CLASS_TLSHD,\n\tHANDSHAKE_HANDLER_CLASS_MAX,\n};\n",
    );
    assert_contains(
        &h,
        "\n#define HANDSHAKE_MCGRP_NONE\t\"none\"\n#define HANDSHAKE_MCGRP_TLSHD\t\"tlshd\"\n",
    );
    assert!(h.ends_with("\n#endif /* _UAPI_LINUX_HANDSHAKE_H */\n"));
    // The banner names the command that regenerates the file.
    assert!(h.lines().take(4).any(|l| l.contains("cargo xtask codegen")));
}

#[test]
fn uapi_attribute_enums_have_unspec_and_merge_sets_sharing_a_prefix() {
    let h = uapi_header(hs()).unwrap();
    // Accept and AcceptReq are one C set; UNSPEC keeps ids 1-based.
    assert_contains(
        &h,
        "enum {\n\tHANDSHAKE_A_ACCEPT_UNSPEC,\n\tHANDSHAKE_A_ACCEPT_SOCKFD,\n\
         \tHANDSHAKE_A_ACCEPT_HANDLER_CLASS,\n\tHANDSHAKE_A_ACCEPT_MESSAGE_TYPE,\n\n",
    );
    assert_eq!(h.matches("\tHANDSHAKE_A_ACCEPT_UNSPEC,").count(), 1);
    let line = h
        .lines()
        .find(|l| l.contains("HANDSHAKE_A_ACCEPT (Rust:"))
        .unwrap();
    assert!(
        line.contains("Accept,") || line.contains("Accept)"),
        "{line}"
    );
    assert!(line.contains("AcceptReq"), "{line}");
}

#[test]
fn kernel_header_matches_ynl_conventions() {
    let h = kernel_header(hs()).unwrap();
    // From net/handshake/genl.h.
    assert!(h.starts_with(
        "/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */\n"
    ));
    assert_contains(&h, "#include <net/netlink.h>\n#include <net/genetlink.h>\n");
    assert_contains(&h, "#include <uapi/linux/handshake.h>\n");
    assert_contains(
        &h,
        "int handshake_nl_accept_doit(struct sk_buff *skb, struct genl_info *info);\n\
         int handshake_nl_done_doit(struct sk_buff *skb, struct genl_info *info);\n",
    );
    assert_contains(
        &h,
        "enum {\n\tHANDSHAKE_NLGRP_NONE,\n\tHANDSHAKE_NLGRP_TLSHD,\n};\n",
    );
    assert_contains(&h, "\nextern struct genl_family handshake_nl_family;\n");
    // Notifications have no handler.
    assert!(!h.contains("ready_doit"));
}

#[test]
fn kernel_source_matches_ynl_conventions() {
    let c = kernel_source(hs()).unwrap();
    // From net/handshake/genl.c.
    assert!(c.starts_with(
        "// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)\n"
    ));
    assert_contains(
        &c,
        "/* HANDSHAKE_CMD_ACCEPT - do */\n\
         static const struct nla_policy handshake_accept_nl_policy[HANDSHAKE_A_ACCEPT_HANDLER_CLASS + 1] = {\n\
         \t[HANDSHAKE_A_ACCEPT_HANDLER_CLASS] = NLA_POLICY_MAX(NLA_U32, 2),\n\
         };\n",
    );
    assert_contains(
        &c,
        "static const struct nla_policy handshake_done_nl_policy[HANDSHAKE_A_DONE_REMOTE_AUTH + 1] = {\n",
    );
    assert_contains(&c, "\t[HANDSHAKE_A_DONE_SOCKFD] = { .type = NLA_S32, },\n");
    assert_contains(
        &c,
        "\t[HANDSHAKE_A_DONE_REMOTE_AUTH] = { .type = NLA_U32, },\n",
    );
    assert_contains(
        &c,
        "static const struct genl_split_ops handshake_nl_ops[] = {\n\
         \t{\n\
         \t\t.cmd\t\t= HANDSHAKE_CMD_ACCEPT,\n\
         \t\t.doit\t\t= handshake_nl_accept_doit,\n\
         \t\t.policy\t\t= handshake_accept_nl_policy,\n\
         \t\t.maxattr\t= HANDSHAKE_A_ACCEPT_HANDLER_CLASS,\n\
         \t\t.flags\t\t= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,\n\
         \t},\n\
         \t{\n\
         \t\t.cmd\t\t= HANDSHAKE_CMD_DONE,\n\
         \t\t.doit\t\t= handshake_nl_done_doit,\n\
         \t\t.policy\t\t= handshake_done_nl_policy,\n\
         \t\t.maxattr\t= HANDSHAKE_A_DONE_REMOTE_AUTH,\n\
         \t\t.flags\t\t= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,\n\
         \t},\n\
         };\n",
    );
    assert_contains(
        &c,
        "static const struct genl_multicast_group handshake_nl_mcgrps[] = {\n\
         \t[HANDSHAKE_NLGRP_NONE] = { \"none\", },\n\
         \t[HANDSHAKE_NLGRP_TLSHD] = { \"tlshd\", },\n\
         };\n",
    );
    assert_contains(
        &c,
        "struct genl_family handshake_nl_family __ro_after_init = {\n\
         \t.name\t\t= HANDSHAKE_FAMILY_NAME,\n\
         \t.version\t= HANDSHAKE_FAMILY_VERSION,\n\
         \t.netnsok\t= true,\n\
         \t.parallel_ops\t= true,\n\
         \t.module\t\t= THIS_MODULE,\n\
         \t.split_ops\t= handshake_nl_ops,\n\
         \t.n_split_ops\t= ARRAY_SIZE(handshake_nl_ops),\n\
         \t.mcgrps\t\t= handshake_nl_mcgrps,\n\
         \t.n_mcgrps\t= ARRAY_SIZE(handshake_nl_mcgrps),\n\
         };\n",
    );
}

#[test]
fn kernel_source_has_one_version_switch_with_genl_ops_for_6_1() {
    let c = kernel_source(hs()).unwrap();
    assert_eq!(c.matches("#if ").count(), 1, "{c}");
    assert_contains(&c, "#include <linux/version.h>\n");
    assert_contains(&c, "#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)\n");
    let (split, old) = c.split_once("#else").unwrap();
    assert!(split.contains("struct genl_split_ops"));
    assert!(old.contains("static const struct genl_ops handshake_nl_ops[] = {"));
    // genl_ops: per-op policy, GENL_ADMIN_PERM, no CAP flags (6.1 computes
    // them from doit/dumpit), `.ops`/`.n_ops` in the family.
    assert!(old.contains("\t\t.policy\t\t= handshake_done_nl_policy,\n"));
    assert!(old.contains("\t\t.flags\t\t= GENL_ADMIN_PERM,\n"));
    assert!(!old.contains("GENL_CMD_CAP"));
    assert!(old
        .contains("\t.ops\t\t= handshake_nl_ops,\n\t.n_ops\t\t= ARRAY_SIZE(handshake_nl_ops),\n"));
    // resv_start_op is left 0: strict validation of every op.
    assert!(!c.contains("\t.resv_start_op"));
}

// ---------------------------------------------------------------------------
// Policies of more attribute kinds, and do + dump.

/// Nested.
#[derive(AttrSet)]
#[allow(dead_code)]
struct Inner {
    #[nla(id = 1, be)]
    port: Option<u16>,
    #[nla(id = 2, be)]
    addr: Option<u32>,
}

/// Everything.
#[derive(AttrSet)]
#[genl(c_prefix = "PT_A_ALL")]
#[allow(dead_code)]
struct All<'a> {
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
    delta: Option<i8>,
    #[nla(id = 10, min_len = 2)]
    name: Option<&'a str>,
    #[nla(id = 12)]
    state: Option<HandlerClass>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "policy-test", version = 3)]
enum PolicyCmd {
    #[genl(cmd = 1, request = All, reply = All, dump)]
    Get,
}

#[test]
fn policies_use_the_kernel_macros() {
    let c = kernel_source(PolicyCmd::SCHEMA).unwrap();
    // Family prefix from the name; set prefix derived for `Inner`.
    assert_contains(
        &c,
        "const struct nla_policy policy_test_inner_nl_policy[POLICY_TEST_A_INNER_ADDR + 1] = {\n\
         \t[POLICY_TEST_A_INNER_PORT] = { .type = NLA_BE16, },\n\
         \t[POLICY_TEST_A_INNER_ADDR] = { .type = NLA_BE32, },\n};\n",
    );
    // WireGuard: `{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }`,
    // `NLA_POLICY_EXACT_LEN(NOISE_PUBLIC_KEY_LEN)`.
    assert_contains(
        &c,
        "\t[PT_A_ALL_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },\n",
    );
    assert_contains(&c, "\t[PT_A_ALL_KEY] = NLA_POLICY_EXACT_LEN(32),\n");
    // netdev: `NLA_POLICY_MIN(NLA_U32, 1)`; a range beyond s16 goes through
    // a `struct netlink_range_validation` (`NLA_POLICY_FULL_RANGE`).
    assert_contains(&c, "\t[PT_A_ALL_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),\n");
    assert_contains(
        &c,
        "static const struct netlink_range_validation policy_test_all_big_range = {\n\
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
        "\t[PT_A_ALL_DELTA] = NLA_POLICY_RANGE(NLA_S8, (-5), 5),\n",
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
    let h = uapi_header(PolicyCmd::SCHEMA).unwrap();
    assert_contains(&h, "\tPT_A_ALL_NAME,\n\tPT_A_ALL_STATE = 12,\n");
}

#[test]
fn do_and_dump_are_two_split_ops_and_one_genl_op() {
    let c = kernel_source(PolicyCmd::SCHEMA).unwrap();
    let (split, old) = c.split_once("#else").unwrap();
    let doit = split.find(".doit\t\t= policy_test_nl_get_doit,").unwrap();
    let dumpit = split
        .find(".dumpit\t\t= policy_test_nl_get_dumpit,")
        .unwrap();
    assert!(doit < dumpit, "the do op must precede the dump op");
    assert!(split.contains("GENL_CMD_CAP_DO,"));
    assert!(split.contains("GENL_CMD_CAP_DUMP,"));
    assert_eq!(old.matches(".cmd\t\t= POLICY_TEST_CMD_GET,").count(), 1);
    assert!(old.contains(
        ".doit\t\t= policy_test_nl_get_doit,\n\t\t.dumpit\t\t= policy_test_nl_get_dumpit,"
    ));
    let h = kernel_header(PolicyCmd::SCHEMA).unwrap();
    assert_contains(
        &h,
        "int policy_test_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);\n",
    );
    assert_contains(
        &h,
        "extern const struct nla_policy policy_test_inner_nl_policy[POLICY_TEST_A_INNER_ADDR + 1];\n",
    );
    assert!(h
        .lines()
        .any(|l| l.starts_with("#define PT_A_ALL_IFNAME_MAX_LEN\t") && l.ends_with("\t15")));
}

#[test]
fn generated_lines_fit_checkpatch_width() {
    for f in c_files(PolicyCmd::SCHEMA)
        .unwrap()
        .into_iter()
        .chain(c_files(hs()).unwrap())
    {
        for l in f.contents.lines() {
            assert!(display_len(l) <= MAX_LINE, "{}: {l}", f.path);
            assert_eq!(l.trim_end(), l, "{}: trailing whitespace", f.path);
        }
    }
}

// ---------------------------------------------------------------------------
// Errors.

/// A.
#[derive(AttrSet)]
#[genl(c_prefix = "X_A_S")]
#[allow(dead_code)]
struct ConflictA {
    #[nla(id = 1)]
    key: u32,
}

/// B: same prefix, same id, another type.
#[derive(AttrSet)]
#[genl(c_prefix = "X_A_S")]
#[allow(dead_code)]
struct ConflictB<'a> {
    #[nla(id = 1)]
    key: &'a str,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "x")]
enum ConflictCmd {
    #[genl(cmd = 1, request = ConflictA)]
    A,
    #[genl(cmd = 2, request = ConflictB)]
    B,
}

#[test]
fn merged_sets_with_different_types_at_one_id_are_an_error() {
    let e = uapi_header(ConflictCmd::SCHEMA).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("X_A_S"), "{msg}");
    assert!(msg.contains("id 1"), "{msg}");
    assert!(
        msg.contains("ConflictA") && msg.contains("ConflictB"),
        "{msg}"
    );
    assert!(c_files(ConflictCmd::SCHEMA).is_err());
}

/// An attribute named `max` would collide with the enum's own `_MAX`.
#[derive(AttrSet)]
#[allow(dead_code)]
struct Limits {
    #[nla(id = 1)]
    max: u32,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "y")]
enum CollideCmd {
    #[genl(cmd = 1, request = Limits)]
    Set,
}

#[test]
fn colliding_c_names_are_an_error() {
    let msg = kernel_source(CollideCmd::SCHEMA).unwrap_err().to_string();
    assert!(msg.contains("Y_A_LIMITS_MAX"), "{msg}");
}

/// The derive rejects such a name already; a hand-written descriptor can
/// still carry one.
static LONG: FamilySchema = FamilySchema {
    name: "a_much_too_long_family",
    version: 1,
    c_prefix: None,
    mcast_groups: &[],
    commands: &[],
    doc: "",
};

#[test]
fn family_names_longer_than_genl_namsiz_are_an_error() {
    let msg = uapi_header(&LONG).unwrap_err().to_string();
    assert!(msg.contains("GENL_NAMSIZ"), "{msg}");
}

// ---------------------------------------------------------------------------
// Names.

#[test]
fn screaming_case() {
    assert_eq!(screaming("KvSet"), "KV_SET");
    assert_eq!(screaming("delay_ms"), "DELAY_MS");
    assert_eq!(screaming("HTTPServer"), "HTTP_SERVER");
    assert_eq!(screaming("Ipv4Addr"), "IPV4_ADDR");
    assert_eq!(screaming("policy-test"), "POLICY_TEST");
    assert_eq!(snake("KvMeta"), "kv_meta");
}

#[test]
fn file_names_follow_the_family() {
    let n = file_names(hs());
    assert_eq!(n.uapi_header, "include/uapi/linux/handshake.h");
    assert_eq!(n.kernel_header, "handshake-nl.h");
    assert_eq!(n.kernel_source, "handshake-nl.c");
}

// ---------------------------------------------------------------------------
// The C compiler as the judge of the uapi header.

#[test]
fn uapi_header_compiles_and_has_the_schema_values() {
    let dir = std::env::temp_dir().join(format!("genl-codegen-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h = dir.join("policy_test.h");
    std::fs::write(&h, uapi_header(PolicyCmd::SCHEMA).unwrap()).unwrap();
    let c = dir.join("check.c");
    std::fs::write(
        &c,
        "#include \"policy_test.h\"\n\
         _Static_assert(POLICY_TEST_CMD_GET == 1, \"cmd\");\n\
         _Static_assert(POLICY_TEST_CMD_MAX == 1, \"cmd max\");\n\
         _Static_assert(PT_A_ALL_IFNAME == 1, \"first attr\");\n\
         _Static_assert(PT_A_ALL_NAME == 10, \"attr\");\n\
         _Static_assert(PT_A_ALL_STATE == 12, \"attr after gap\");\n\
         _Static_assert(PT_A_ALL_MAX == 12, \"max\");\n\
         _Static_assert(POLICY_TEST_A_INNER_MAX == 2, \"derived prefix\");\n\
         _Static_assert(HANDSHAKE_HANDLER_CLASS_TLSHD == 1, \"enum\");\n\
         _Static_assert(POLICY_TEST_FAMILY_VERSION == 3, \"version\");\n\
         static const char name[] = POLICY_TEST_FAMILY_NAME;\n\
         _Static_assert(sizeof(name) == sizeof(\"policy-test\"), \"name\");\n",
    )
    .unwrap();
    let out = match std::process::Command::new("cc")
        .args([
            "-std=c11",
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg(&c)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIPPED: no C compiler to check the uapi header: {e}");
            return;
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
