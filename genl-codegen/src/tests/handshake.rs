//! The kernel's handshake family (`Documentation/netlink/specs/handshake.yaml`
//! in Linux 6.12), re-declared with our derives, against the files the
//! kernel's ynl-gen-c generated from that spec:
//! `include/uapi/linux/handshake.h`, `net/handshake/genl.h` and
//! `net/handshake/genl.c`. Expected lines are copied from those files.

use super::{assert_contains, model, opts, out};
use crate::render;
use genl_core::{AttrSet, Family, ValueEnum};

/// Handler class.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "HANDSHAKE_HANDLER_CLASS")]
#[repr(u32)]
pub enum HandlerClass {
    /// None.
    None = 0,
    /// tlshd.
    Tlshd = 1,
    /// The max.
    Max = 2,
}

/// Message type.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "HANDSHAKE_MSG_TYPE")]
#[repr(u32)]
pub enum MsgType {
    /// Unspecified.
    Unspec = 0,
    /// ClientHello.
    Clienthello = 1,
    /// ServerHello.
    Serverhello = 2,
}

/// Authentication mode.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
#[genl(c_prefix = "HANDSHAKE_AUTH")]
#[repr(u32)]
pub enum Auth {
    /// Unspecified.
    Unspec = 0,
    /// Unauthenticated.
    Unauth = 1,
    /// Pre-shared key.
    Psk = 2,
    /// X.509.
    X509 = 3,
}

/// A certificate and its key, as file descriptors.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_X509")]
#[allow(dead_code)]
pub struct X509 {
    #[nla(id = 1)]
    cert: Option<i32>,
    #[nla(id = 2)]
    privkey: Option<i32>,
}

/// The accept set (what the kernel's spec calls `accept`).
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_ACCEPT")]
#[allow(dead_code)]
pub struct Accept<'a> {
    #[nla(id = 1)]
    sockfd: i32,
    #[nla(id = 2)]
    handler_class: Option<HandlerClass>,
    #[nla(id = 3)]
    message_type: Option<MsgType>,
    #[nla(id = 4)]
    timeout: Option<u32>,
    #[nla(id = 5)]
    auth_mode: Option<Auth>,
    #[nla(id = 6, multi)]
    peer_identity: Vec<u32>,
    #[nla(id = 7, multi)]
    certificate: Vec<X509>,
    #[nla(id = 8)]
    peername: Option<&'a str>,
}

/// The accept request: `handler-class` only. The kernel's generated code
/// does not check presence (net/handshake/netlink.c does, by hand), so it
/// is optional here to compare ops tables.
#[derive(AttrSet)]
#[genl(subset_of = Accept)]
#[allow(dead_code)]
pub struct AcceptReq {
    handler_class: Option<HandlerClass>,
}

/// The accept reply: what the kernel's spec lists (all but
/// `handler-class`).
#[derive(AttrSet)]
#[genl(subset_of = Accept)]
#[allow(dead_code)]
pub struct AcceptRep<'a> {
    sockfd: i32,
    message_type: Option<MsgType>,
    timeout: Option<u32>,
    auth_mode: Option<Auth>,
    #[nla(multi)]
    peer_identity: Vec<u32>,
    #[nla(multi)]
    certificate: Vec<X509>,
    peername: Option<&'a str>,
}

/// Done request.
#[derive(AttrSet)]
#[genl(c_prefix = "HANDSHAKE_A_DONE")]
#[allow(dead_code)]
pub struct Done {
    #[nla(id = 1)]
    status: Option<u32>,
    #[nla(id = 2)]
    sockfd: Option<i32>,
    #[nla(id = 3, multi)]
    remote_auth: Vec<u32>,
}

/// Ready notification: `handler-class` of the accept set, as the
/// kernel's spec has it.
#[derive(AttrSet)]
#[genl(subset_of = Accept)]
#[allow(dead_code)]
pub struct Ready {
    handler_class: Option<HandlerClass>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(
    name = "handshake",
    version = 1,
    c_prefix = "HANDSHAKE",
    mcast_groups("none", "tlshd")
)]
pub enum HandshakeCmd {
    #[genl(cmd = 1, reply = Ready, event = "tlshd")]
    Ready,
    #[genl(cmd = 2, request = AcceptReq, reply = AcceptRep<'static>, admin_perm)]
    Accept,
    #[genl(cmd = 3, request = Done, admin_perm)]
    Done,
}

pub(crate) fn hs() -> &'static genl_core::schema::FamilySchema {
    HandshakeCmd::SCHEMA
}

#[test]
fn uapi_header_matches_ynl_conventions() {
    let h = out(hs()).uapi;
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

/// Every constant of the kernel's own `include/uapi/linux/handshake.h`
/// (Linux 6.12, `tests/fixtures/uapi/` of the workspace, generated there by
/// ynl-gen-c from the same spec) is in ours with the same value, read by
/// the same C constant evaluator from both files; ours has only the
/// `UNSPEC` entries beyond it.
#[test]
fn uapi_header_has_every_constant_of_the_kernels() {
    use genl_ynl::uapi::HeaderConstants;
    let kernel_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/uapi/linux/handshake.h"
    );
    let mut kernel = HeaderConstants::new();
    kernel.add_header(
        "linux/handshake.h",
        &std::fs::read_to_string(kernel_path).unwrap(),
    );
    let mut ours = HeaderConstants::new();
    ours.add_header("linux/handshake.h", &out(hs()).uapi);
    let theirs: Vec<_> = kernel.iter().collect();
    assert!(theirs.len() > 30, "{theirs:?}");
    for (name, c) in &theirs {
        assert_eq!(
            ours.get(name).map(|o| o.value),
            Some(c.value.clone()),
            "{name}"
        );
    }
    let extra: Vec<&str> = ours
        .iter()
        .map(|(n, _)| n)
        .filter(|n| kernel.get(n).is_none())
        .collect();
    assert_eq!(
        extra,
        [
            "HANDSHAKE_A_ACCEPT_UNSPEC",
            "HANDSHAKE_A_DONE_UNSPEC",
            "HANDSHAKE_A_X509_UNSPEC",
            "HANDSHAKE_CMD_UNSPEC",
        ]
    );
}

#[test]
fn a_subset_renders_as_its_root_set() {
    let h = out(hs()).uapi;
    // Accept and its subset AcceptReq are one C set, in handshake.h's
    // order; UNSPEC keeps ids 1-based.
    assert_contains(
        &h,
        "enum {\n\tHANDSHAKE_A_ACCEPT_UNSPEC,\n\tHANDSHAKE_A_ACCEPT_SOCKFD,\n\
         \tHANDSHAKE_A_ACCEPT_HANDLER_CLASS,\n\tHANDSHAKE_A_ACCEPT_MESSAGE_TYPE,\n\
         \tHANDSHAKE_A_ACCEPT_TIMEOUT,\n\tHANDSHAKE_A_ACCEPT_AUTH_MODE,\n\
         \tHANDSHAKE_A_ACCEPT_PEER_IDENTITY,\n\tHANDSHAKE_A_ACCEPT_CERTIFICATE,\n\
         \tHANDSHAKE_A_ACCEPT_PEERNAME,\n\n",
    );
    assert_eq!(h.matches("\tHANDSHAKE_A_ACCEPT_UNSPEC,").count(), 1);
    assert_contains(
        &h,
        " * Attribute set HANDSHAKE_A_ACCEPT (Rust: Accept; subsets Ready, AcceptReq, AcceptRep).\n",
    );
    let m = model(hs());
    // handshake.h's sets: x509, accept, done.
    assert_eq!(m.sets.len(), 3, "Accept, X509, Done");
    let accept = m.sets.iter().find(|s| s.root.name == "Accept").unwrap();
    let subsets: Vec<&str> = accept.subsets.iter().map(|s| s.name).collect();
    assert_eq!(subsets, ["Ready", "AcceptReq", "AcceptRep"]);
}

#[test]
fn kernel_header_matches_ynl_conventions() {
    let h = out(hs()).kh;
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

/// Policies differ from ynl-gen-c's in one documented way: they are sized
/// by the root set's `_MAX` (`maxattr` too), where ynl-gen-c uses the
/// largest attribute the op accepts. Both reject every other attribute
/// under strict validation; ours also lets a handler read any attribute of
/// the set in `info->attrs`.
fn ours(kernel_line: &str) -> String {
    kernel_line
        .replace(
            "HANDSHAKE_A_ACCEPT_HANDLER_CLASS + 1]",
            "HANDSHAKE_A_ACCEPT_MAX + 1]",
        )
        .replace(
            "HANDSHAKE_A_DONE_REMOTE_AUTH + 1]",
            "HANDSHAKE_A_DONE_MAX + 1]",
        )
        .replace(
            "maxattr\t= HANDSHAKE_A_ACCEPT_HANDLER_CLASS,",
            "maxattr\t= HANDSHAKE_A_ACCEPT_MAX,",
        )
        .replace(
            "maxattr\t= HANDSHAKE_A_DONE_REMOTE_AUTH,",
            "maxattr\t= HANDSHAKE_A_DONE_MAX,",
        )
}

#[test]
fn kernel_source_matches_ynl_conventions() {
    let c = out(hs()).kc;
    // From net/handshake/genl.c.
    assert!(c.starts_with(
        "// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)\n"
    ));
    assert_contains(&c, "\n#include <uapi/linux/handshake.h>\n");
    // genl.c has the enum's maximum as a number (`NLA_POLICY_MAX(NLA_U32,
    // 2)`); ours names the entry that holds it, the same value
    // (`HANDSHAKE_HANDLER_CLASS_MAX` = 2 in handshake.h, which genl check
    // evaluates).
    assert_contains(
        &c,
        &ours(
            "/* HANDSHAKE_CMD_ACCEPT - do */\n\
             static const struct nla_policy handshake_accept_nl_policy[HANDSHAKE_A_ACCEPT_HANDLER_CLASS + 1] = {\n\
             \t[HANDSHAKE_A_ACCEPT_HANDLER_CLASS] = NLA_POLICY_MAX(NLA_U32, 2),\n\
             };\n",
        )
        .replace(
            "NLA_POLICY_MAX(NLA_U32, 2)",
            "NLA_POLICY_MAX(NLA_U32, HANDSHAKE_HANDLER_CLASS_MAX)",
        ),
    );
    assert_contains(
        &c,
        &ours(
            "static const struct nla_policy handshake_done_nl_policy[HANDSHAKE_A_DONE_REMOTE_AUTH + 1] = {\n",
        ),
    );
    assert_contains(&c, "\t[HANDSHAKE_A_DONE_SOCKFD] = { .type = NLA_S32, },\n");
    assert_contains(
        &c,
        "\t[HANDSHAKE_A_DONE_REMOTE_AUTH] = { .type = NLA_U32, },\n",
    );
    assert_contains(
        &c,
        &ours(
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
        ),
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
    // Nothing is required, so no generated check.
    assert!(!c.contains("GENL_REQ_ATTR_CHECK"));
}

#[test]
fn kernel_source_has_one_feature_switch_with_genl_ops_for_6_1() {
    let c = out(hs()).kc;
    // Compat by feature (probed at build time), never by version number.
    assert!(!c.contains("LINUX_VERSION_CODE"), "{c}");
    assert!(!c.contains("linux/version.h"), "{c}");
    assert_eq!(c.matches("#if").count(), 1, "{c}");
    assert_contains(&c, "#ifdef GENL_HAVE_SPLIT_OPS\n");
    assert_contains(&c, "#endif /* GENL_HAVE_SPLIT_OPS */\n");
    let (split, old) = c.split_once("#else").unwrap();
    assert!(split.contains("struct genl_split_ops"));
    assert!(old.contains("static const struct genl_ops handshake_nl_ops[] = {"));
    // genl_ops: per-command policy, GENL_ADMIN_PERM, no CAP flags (6.1
    // computes them from doit/dumpit), `.ops`/`.n_ops` in the family.
    assert!(old.contains("\t\t.policy\t\t= handshake_done_nl_policy,\n"));
    assert!(old.contains("\t\t.flags\t\t= GENL_ADMIN_PERM,\n"));
    assert!(!old.contains("GENL_CMD_CAP"));
    assert!(old
        .contains("\t.ops\t\t= handshake_nl_ops,\n\t.n_ops\t\t= ARRAY_SIZE(handshake_nl_ops),\n"));
    // resv_start_op is left 0: strict validation of every op.
    assert!(!c.contains("\t.resv_start_op"));
}

#[test]
fn ynl_spec_lists_the_subset_and_the_event_group() {
    let y = out(hs()).ynl;
    // handshake.yaml: `attribute-set: accept`, `flags: [ admin-perm ]`,
    // a do request of `handler-class` alone.
    let accept = [
        "      name: accept",
        "      doc: \"Accept\"",
        "      attribute-set: accept",
        "      flags: [ admin-perm ]",
        "      do:",
        "        request:",
        "          attributes: [ handler-class ]",
        "        reply:",
        "          attributes: [ sockfd, message-type, timeout, auth-mode, peer-identity, certificate, peername ]",
        "",
    ];
    assert_contains(&y, &accept.join("\n"));
    assert_contains(
        &y,
        "      event:\n        attributes: [ handler-class ]\n      mcgrp: tlshd\n",
    );
    assert_contains(&y, "\nprotocol: genetlink\n");
    // The default header is not named.
    assert!(!y.contains("uapi-header"));
}

#[test]
fn rendering_refuses_the_kernels_own_uapi_header() {
    // The kernel has include/uapi/linux/handshake.h: the kernel files'
    // `#include <uapi/linux/handshake.h>` would find that one.
    let e = render(hs(), &opts()).unwrap_err();
    assert_eq!(
        e.message(),
        "family handshake: the kernel already has include/uapi/linux/handshake.h; declare \
         another, e.g. #[genl(uapi_header = \"linux/handshake_genl.h\")]"
    );
}
