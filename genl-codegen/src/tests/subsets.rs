//! Subsets per operation, required-attribute checks and 64-bit put
//! helpers. The netdev family's `dev` set (Linux 6.12's
//! `Documentation/netlink/specs/netdev.yaml`) is re-declared and compared
//! with `include/uapi/linux/netdev.h`, `net/core/netdev-genl-gen.c` and the
//! hand-written `net/core/netdev-genl.c`.

use super::{assert_contains, lowered, model, out, squeeze};
use genl_core::{AttrSet, Family};

/// netdev's `dev` set, its first attributes (netdev.h: IFINDEX = 1, PAD,
/// XDP_FEATURES, XDP_ZC_MAX_SEGS, XDP_RX_METADATA_FEATURES, XSK_FEATURES).
#[derive(AttrSet)]
#[genl(c_prefix = "NETDEV_A_DEV", pad = 2)]
#[allow(dead_code)]
pub struct Dev {
    #[nla(id = 1, min = 1)]
    ifindex: u32,
    #[nla(id = 3)]
    xdp_features: Option<u64>,
    #[nla(id = 4)]
    xdp_zc_max_segs: Option<u32>,
    #[nla(id = 5)]
    xdp_rx_metadata_features: Option<u64>,
    #[nla(id = 6)]
    xsk_features: Option<u64>,
}

/// DEV_GET's do request: the ifindex, required.
#[derive(AttrSet)]
#[genl(subset_of = Dev)]
#[allow(dead_code)]
pub struct DevKey {
    ifindex: u32,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "netdev", version = 1)]
pub enum NetdevCmd {
    /// Get / dump information about a netdev.
    #[genl(cmd = 1, request = DevKey, reply = Dev, dump)]
    DevGet,
}

#[test]
fn the_pad_attribute_is_in_the_uapi_enum_at_its_id() {
    // include/uapi/linux/netdev.h.
    let h = out(NetdevCmd::SCHEMA).uapi;
    assert_contains(
        &h,
        "\tNETDEV_A_DEV_UNSPEC,\n\tNETDEV_A_DEV_IFINDEX,\n\tNETDEV_A_DEV_PAD,\n\
         \tNETDEV_A_DEV_XDP_FEATURES,\n\tNETDEV_A_DEV_XDP_ZC_MAX_SEGS,\n\
         \tNETDEV_A_DEV_XDP_RX_METADATA_FEATURES,\n\tNETDEV_A_DEV_XSK_FEATURES,\n\n\
         \t__NETDEV_A_DEV_MAX,\n\tNETDEV_A_DEV_MAX = (__NETDEV_A_DEV_MAX - 1)\n};\n",
    );
    // netdev.yaml: `name: pad` / `type: pad`, right after ifindex.
    let y = out(NetdevCmd::SCHEMA).ynl;
    assert_contains(
        &y,
        "        name: ifindex\n        type: u32\n        checks:\n          min: 1\n      -\n\
         \x20       name: pad\n        type: pad\n      -\n        name: xdp-features\n",
    );
}

#[test]
fn pad_helpers_call_nla_put_u64_64bit_as_in_tree_code_does() {
    let h = out(NetdevCmd::SCHEMA).kh;
    // net/core/netdev-genl.c, netdev_nl_dev_fill():
    //	    nla_put_u64_64bit(rsp, NETDEV_A_DEV_XDP_FEATURES,
    //			      netdev->xdp_features, NETDEV_A_DEV_PAD) ||
    let kernel = "nla_put_u64_64bit(rsp, NETDEV_A_DEV_XDP_FEATURES,\n\
                  \t\t\t      netdev->xdp_features, NETDEV_A_DEV_PAD)";
    let expected = squeeze(kernel)
        .replace("(rsp,", "(skb,")
        .replace("netdev->xdp_features", "value");
    let body = h
        .split("static inline int netdev_nl_put_dev_xdp_features(")
        .nth(1)
        .expect("a helper for xdp_features");
    let body = &body[..body.find("\n}\n").unwrap()];
    assert!(
        squeeze(body).contains(&format!("return {expected};")),
        "{body}"
    );
    assert_contains(
        &h,
        "static inline int netdev_nl_put_dev_xdp_features(struct sk_buff *skb, u64 value)\n{\n",
    );
    assert_contains(
        &h,
        "/**\n * netdev_nl_put_dev_xdp_features() - put NETDEV_A_DEV_XDP_FEATURES, 64-bit aligned\n\
         \x20* @skb: the message\n * @value: the value\n",
    );
    // One helper per 64-bit attribute, none for the others.
    assert_eq!(h.matches("static inline int netdev_nl_put_dev_").count(), 3);
    assert!(!h.contains("netdev_nl_put_dev_ifindex"));
    assert!(!h.contains("netdev_nl_put_dev_xdp_zc_max_segs"));
}

/// A set with a signed and a big-endian 64-bit attribute.
#[derive(AttrSet)]
#[genl(pad = 9)]
#[allow(dead_code)]
pub struct Clock {
    #[nla(id = 1)]
    offset_ns: Option<i64>,
    #[nla(id = 2, be)]
    stamp: Option<u64>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "clk_demo", mcast_groups("tick"))]
pub enum ClockCmd {
    #[genl(cmd = 1, reply = Clock, event = "tick")]
    Tick,
}

#[test]
fn signed_and_big_endian_64_bit_helpers_use_their_put_functions() {
    // include/net/netlink.h (6.12):
    //   static inline int nla_put_s64(struct sk_buff *skb, int attrtype,
    //                                 s64 value, int padattr)
    //   static inline int nla_put_be64(struct sk_buff *skb, int attrtype,
    //                                  __be64 value, int padattr)
    let h = out(ClockCmd::SCHEMA).kh;
    assert_contains(
        &h,
        "static inline int clk_demo_nl_put_clock_offset_ns(struct sk_buff *skb, s64 value)\n{\n\
         \treturn nla_put_s64(skb, CLK_DEMO_A_CLOCK_OFFSET_NS, value, CLK_DEMO_A_CLOCK_PAD);\n}\n",
    );
    assert_contains(
        &h,
        "static inline int clk_demo_nl_put_clock_stamp(struct sk_buff *skb, __be64 value)\n{\n\
         \treturn nla_put_be64(skb, CLK_DEMO_A_CLOCK_STAMP, value, CLK_DEMO_A_CLOCK_PAD);\n}\n",
    );
    // An event-only set: sent by the kernel, so it gets helpers; no op.
    assert!(model(ClockCmd::SCHEMA).sets[0].sent_by_kernel);
    assert!(!out(ClockCmd::SCHEMA).kc.contains("_doit"));
    // The pad is at its declared id, after a gap.
    assert_contains(
        &out(ClockCmd::SCHEMA).uapi,
        "\tCLK_DEMO_A_CLOCK_STAMP,\n\tCLK_DEMO_A_CLOCK_PAD = 9,\n",
    );
}

#[test]
fn required_attributes_are_checked_by_a_generated_wrapper() {
    let c = out(NetdevCmd::SCHEMA).kc;
    // The check net/core/netdev-genl.c makes by hand in
    // netdev_nl_dev_get_doit():
    //	if (GENL_REQ_ATTR_CHECK(info, NETDEV_A_DEV_IFINDEX))
    //		return -EINVAL;
    // generated, with an extack message.
    assert_contains(
        &c,
        "static int netdev_nl_dev_get_doit_checked(struct sk_buff *skb, struct genl_info *info)\n\
         {\n\
         \tif (GENL_REQ_ATTR_CHECK(info, NETDEV_A_DEV_IFINDEX)) {\n\
         \t\tNL_SET_ERR_MSG(info->extack, \"missing attribute: DevKey.ifindex\");\n\
         \t\treturn -EINVAL;\n\
         \t}\n\
         \treturn netdev_nl_dev_get_doit(skb, info);\n\
         }\n",
    );
    // Both kernel branches call the wrapper, never the handler directly.
    let (split, old) = c.split_once("#else").unwrap();
    assert_contains(split, "\t\t.doit\t\t= netdev_nl_dev_get_doit_checked,\n");
    assert_contains(old, "\t\t.doit\t\t= netdev_nl_dev_get_doit_checked,\n");
    assert!(!c.contains("= netdev_nl_dev_get_doit,"));
    // The module still implements (and the header declares) the handler.
    assert_contains(
        &out(NetdevCmd::SCHEMA).kh,
        "int netdev_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);\n",
    );
}

#[test]
fn a_dump_without_request_has_no_policy_and_rejects_any_attribute_on_every_kernel() {
    let c = out(NetdevCmd::SCHEMA).kc;
    // net/core/netdev-genl-gen.c: the do's policy (sized by the set's
    // _MAX here, see handshake::ours) and a dump entry without one.
    assert_contains(
        &c,
        "/* NETDEV_CMD_DEV_GET - do */\n\
         static const struct nla_policy netdev_dev_get_nl_policy[NETDEV_A_DEV_MAX + 1] = {\n\
         \t[NETDEV_A_DEV_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),\n\
         };\n",
    );
    let (split, old) = c.split_once("#else").unwrap();
    // A split op without a policy has every attribute let through
    // (net/netlink/genetlink.c of 6.12: genl_get_cmd_split() copies the op
    // as it is; genl_family_rcv_msg_attrs_parse() parses nothing without
    // maxattr), and 6.1's dump shares the do's policy in its one genl_ops
    // entry: on both, a generated .start rejects any attribute, naming the
    // first (nlmsg_attrlen()/nlmsg_attrdata(), include/net/netlink.h).
    assert_contains(
        split,
        "\t{\n\
         \t\t.cmd\t= NETDEV_CMD_DEV_GET,\n\
         \t\t.start\t= netdev_nl_dev_get_dump_start,\n\
         \t\t.dumpit\t= netdev_nl_dev_get_dumpit,\n\
         \t\t.flags\t= GENL_CMD_CAP_DUMP,\n\
         \t},\n",
    );
    assert_contains(
        old,
        "\t{\n\
         \t\t.cmd\t\t= NETDEV_CMD_DEV_GET,\n\
         \t\t.doit\t\t= netdev_nl_dev_get_doit_checked,\n\
         \t\t.start\t\t= netdev_nl_dev_get_dump_start,\n\
         \t\t.dumpit\t\t= netdev_nl_dev_get_dumpit,\n\
         \t\t.policy\t\t= netdev_dev_get_nl_policy,\n\
         \t\t.maxattr\t= NETDEV_A_DEV_MAX,\n\
         \t},\n",
    );
    // One check for both branches, before the switch.
    assert_eq!(
        c.matches("static int netdev_nl_dev_get_dump_start(")
            .count(),
        1
    );
    assert_contains(
        &c,
        "static int netdev_nl_dev_get_dump_start(struct netlink_callback *cb)\n{\n\
         \tif (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {\n\
         \t\tNL_SET_ERR_MSG_ATTR(cb->extack, nlmsg_attrdata(cb->nlh, GENL_HDRLEN),\n\
         \t\t\t\t    \"this operation takes no attributes\");\n\
         \t\treturn -EINVAL;\n\t}\n\treturn 0;\n}\n",
    );
    // The YNL dump has a reply and no request.
    assert_contains(
        &out(NetdevCmd::SCHEMA).ynl,
        "      dump:\n        reply:\n          attributes: [ ifindex, xdp-features, \
         xdp-zc-max-segs, xdp-rx-metadata-features, xsk-features ]\n",
    );
}

/// A set three operations select from.
#[derive(AttrSet)]
#[genl(c_prefix = "SUB_A_ENTRY")]
#[allow(dead_code)]
pub struct Entry<'a> {
    #[nla(id = 1, max_len = 32)]
    key: &'a str,
    #[nla(id = 2)]
    value: Option<&'a [u8]>,
    #[nla(id = 3, max = 100)]
    limit: Option<u32>,
    #[nla(id = 4)]
    verbose: bool,
}

/// GET's do request: the key.
#[derive(AttrSet)]
#[genl(subset_of = Entry)]
#[allow(dead_code)]
pub struct EntryKey<'a> {
    key: &'a str,
}

/// GET's dump request: a filter.
#[derive(AttrSet)]
#[genl(subset_of = Entry)]
#[allow(dead_code)]
pub struct EntryFilter {
    limit: Option<u32>,
    verbose: bool,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "sub")]
pub enum SubCmd {
    #[genl(cmd = 1, request = EntryKey<'a>, reply = Entry<'a>, dump, dump_request = EntryFilter)]
    Get,
    #[genl(cmd = 2, request = Entry<'a>, admin_perm)]
    Set,
}

#[test]
fn do_and_dump_policies_come_from_their_subsets() {
    let c = out(SubCmd::SCHEMA).kc;
    let (common, rest) = c.split_once("#ifdef GENL_HAVE_SPLIT_OPS").unwrap();
    let (split, old) = rest.split_once("#else").unwrap();
    // ≥ 6.2: one policy per op, each with its subset's attributes and the
    // set's _MAX, so strict validation rejects the others.
    assert_contains(
        split,
        "/* SUB_CMD_GET - do */\n\
         static const struct nla_policy sub_get_do_nl_policy[SUB_A_ENTRY_MAX + 1] = {\n\
         \t[SUB_A_ENTRY_KEY] = { .type = NLA_NUL_STRING, .len = 32, },\n\
         };\n",
    );
    assert_contains(
        split,
        "/* SUB_CMD_GET - dump */\n\
         static const struct nla_policy sub_get_dump_nl_policy[SUB_A_ENTRY_MAX + 1] = {\n\
         \t[SUB_A_ENTRY_LIMIT] = NLA_POLICY_MAX(NLA_U32, 100),\n\
         \t[SUB_A_ENTRY_VERBOSE] = { .type = NLA_FLAG, },\n\
         };\n",
    );
    assert_contains(split, "\t\t.policy\t\t= sub_get_do_nl_policy,\n");
    assert_contains(split, "\t\t.policy\t\t= sub_get_dump_nl_policy,\n");
    assert!(!split.contains("sub_get_nl_policy"));
    // 6.1: one policy per command, the union of both requests.
    assert_contains(
        old,
        "static const struct nla_policy sub_get_nl_policy[SUB_A_ENTRY_MAX + 1] = {\n\
         \t[SUB_A_ENTRY_KEY] = { .type = NLA_NUL_STRING, .len = 32, },\n\
         \t[SUB_A_ENTRY_LIMIT] = NLA_POLICY_MAX(NLA_U32, 100),\n\
         \t[SUB_A_ENTRY_VERBOSE] = { .type = NLA_FLAG, },\n\
         };\n",
    );
    assert!(!old.contains("sub_get_do_nl_policy") && !old.contains("sub_get_dump_nl_policy"));
    assert_contains(old, "\t\t.policy\t\t= sub_get_nl_policy,\n");
    // A policy both branches use stays before the switch.
    assert_contains(
        common,
        "/* SUB_CMD_SET - do */\n\
         static const struct nla_policy sub_set_nl_policy[SUB_A_ENTRY_MAX + 1] = {\n\
         \t[SUB_A_ENTRY_KEY] = { .type = NLA_NUL_STRING, .len = 32, },\n\
         \t[SUB_A_ENTRY_VALUE] = { .type = NLA_BINARY, },\n\
         \t[SUB_A_ENTRY_LIMIT] = NLA_POLICY_MAX(NLA_U32, 100),\n\
         \t[SUB_A_ENTRY_VERBOSE] = { .type = NLA_FLAG, },\n\
         };\n",
    );
    // The do of GET requires its subset's key; SET requires the set's.
    assert_contains(
        &c,
        "\t\tNL_SET_ERR_MSG(info->extack, \"missing attribute: EntryKey.key\");\n",
    );
    assert_contains(
        &c,
        "\t\tNL_SET_ERR_MSG(info->extack, \"missing attribute: Entry.key\");\n",
    );
    // The uapi header has one set.
    let h = out(SubCmd::SCHEMA).uapi;
    assert_eq!(h.matches("\tSUB_A_ENTRY_UNSPEC,").count(), 1);
    assert_contains(
        &h,
        " * Attribute set SUB_A_ENTRY (Rust: Entry; subsets EntryKey, EntryFilter).\n",
    );
}

#[test]
fn the_ynl_operations_list_each_subsets_attributes() {
    let y = out(SubCmd::SCHEMA).ynl;
    assert_contains(
        &y,
        "      do:\n        request:\n          attributes: [ key ]\n        reply:\n\
         \x20         attributes: [ key, value, limit, verbose ]\n      dump:\n        request:\n\
         \x20         attributes: [ limit, verbose ]\n        reply:\n",
    );
    // One attribute set for the three Rust sets.
    assert_eq!(y.matches("name-prefix: sub-a-entry-").count(), 1);
}

#[test]
fn the_model_records_required_attributes_per_request() {
    let (m, p) = lowered(SubCmd::SCHEMA);
    let get = &m.commands[0];
    let do_req = get.do_.as_ref().unwrap().request.as_ref().unwrap();
    assert_eq!(do_req.required().collect::<Vec<_>>(), [1]);
    assert_eq!(do_req.view.name, "EntryKey");
    let dump_req = get.dump.as_ref().unwrap().request.as_ref().unwrap();
    assert_eq!(dump_req.required().count(), 0);
    let lget = &p.commands[0];
    let (d, u) = (lget.do_.as_ref().unwrap(), lget.dump.as_ref().unwrap());
    assert_eq!(d.check.as_deref(), Some("sub_nl_get_doit_checked"));
    assert_eq!(d.split_check.required, [1]);
    // Linux < 6.2: one policy for both, so the do rejects the filter's
    // attributes and the dump the key.
    assert_eq!(d.genl_ops_check.reject, [3, 4]);
    assert_eq!(u.check_in(true), None, "6.2+: the dump policy says it all");
    assert_eq!(u.check_in(false), Some("sub_nl_get_dump_start"));
    assert_eq!(u.genl_ops_check.reject, [1]);
    assert_eq!(do_req.set, dump_req.set);
}
