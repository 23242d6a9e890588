//! The shapes a real family has, beyond the starter's: required
//! attributes inside nests, nested subsets (a filter that accepts only what
//! it names), value enums that are not contiguous, flags, commands without
//! attributes, do and dump with different requests on Linux 6.1's single
//! policy. Expected text comes from the kernel's headers (the macros of
//! `include/net/netlink.h` and `include/net/genetlink.h` in 6.1 and 6.12),
//! each test saying which.

use super::rules::Item;
use super::{assert_contains, out};
use genl_core::{AttrSet, Family};

/// A dump filter that requires its attribute.
#[derive(AttrSet)]
#[genl(subset_of = Item)]
#[allow(dead_code)]
pub struct ItemFilter {
    pub size: u32,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "items")]
pub enum ItemCmd {
    #[genl(cmd = 1, reply = Item<'a>, dump, dump_request = ItemFilter)]
    List,
}

#[test]
fn a_dump_request_with_a_required_attribute_is_checked_at_the_dump_start() {
    let c = out(ItemCmd::SCHEMA).kc;
    // include/net/netlink.h (6.1 and 6.12):
    //   #define NL_REQ_ATTR_CHECK(extack, nest, tb, type) ({ ...
    //           if (!__tb[__attr]) { NL_SET_ERR_ATTR_MISS(__extack, __nest, __attr); ...
    // run in the dump's .start (genl_start calls it after parsing the
    // request with the dump's policy, cb->extack set).
    assert_contains(
        &c,
        "static int items_nl_list_dump_start(struct netlink_callback *cb)\n{\n\
         \tstruct nlattr **attrs = items_nl_dump_attrs(cb);\n\n\
         \tif (NL_REQ_ATTR_CHECK(cb->extack, NULL, attrs, ITEMS_A_ITEM_SIZE)) {\n\
         \t\tNL_SET_ERR_MSG(cb->extack, \"missing attribute: ItemFilter.size\");\n\
         \t\treturn -EINVAL;\n\t}\n\treturn 0;\n}\n",
    );
    let (split, old) = c.split_once("#else").unwrap();
    for branch in [split, old] {
        assert_contains(branch, "\t\t.start\t\t= items_nl_list_dump_start,\n");
        assert_contains(branch, "\t\t.dumpit\t\t= items_nl_list_dumpit,\n");
    }
    // The attributes of the dump's request: genl_dumpit_info() in both;
    // 6.2 moved them into its struct genl_info (include/net/genetlink.h).
    assert_contains(split, "\treturn genl_dumpit_info(cb)->info.attrs;\n");
    assert_contains(old, "\treturn genl_dumpit_info(cb)->attrs;\n");
    assert_contains(
        &out(ItemCmd::SCHEMA).kh,
        "struct nlattr **items_nl_dump_attrs(struct netlink_callback *cb);\n",
    );
}
