//! The kernel side of a family: a header and a source file for the module
//! implementing it, in the shape of the kernel's YNL-generated files (e.g.
//! `net/handshake/genl.h` and `net/handshake/genl.c`).
//!
//! # Header
//!
//! Limits of the declared checks (`#define P_A_SET_ATTR_MAX_LEN 64`), the
//! nested policies (for the module's `nla_parse_nested`), the handlers the
//! module implements (`p_nl_<cmd>_doit`, `p_nl_<cmd>_dumpit`), a
//! `static inline` put helper for every 64-bit attribute the kernel sends
//! (`nla_put_u64_64bit` with the set's pad attribute), the multicast group
//! indexes and the family.
//!
//! # Source
//!
//! - Policies. Each operation's policy accepts the attributes of its
//!   request (a subset selects some of its set's), with `maxattr` the root
//!   set's `_MAX`: strict validation rejects every other attribute, and
//!   the handler may look at any attribute of the set in `info->attrs`.
//!   Checks map to `nla_policy` as the kernel defines them: integer ranges
//!   to `NLA_POLICY_MIN/MAX/RANGE` (or `NLA_POLICY_FULL_RANGE` beyond
//!   `s16`), a value enum without explicit checks to the range of its
//!   variants when they are contiguous, string `max_len` to `.len`, binary
//!   lengths to `.len`, `NLA_POLICY_MIN_LEN`, `NLA_POLICY_RANGE(NLA_BINARY,
//!   …)` or `NLA_POLICY_EXACT_LEN`, big-endian `u16`/`u32` to
//!   `NLA_BE16`/`NLA_BE32`, nests to `NLA_POLICY_NESTED` of the nested
//!   set's policy (one per root set, all its attributes). A string
//!   `min_len`, which `nla_policy` cannot express for strings, becomes a
//!   validation function (`NLA_POLICY_VALIDATE_FN`).
//! - Required attributes: a `do` whose request requires attributes goes
//!   through a generated `static` wrapper that checks each with
//!   `GENL_REQ_ATTR_CHECK` (the missing attribute's type goes into the
//!   extended ACK as `NLMSGERR_ATTR_MISS_TYPE`) and an extack message, and
//!   returns `-EINVAL`, else calls the module's handler. Only the request's
//!   own attributes are checked, not those inside nests.
//! - The ops table and the family, behind one `#ifdef
//!   GENL_HAVE_SPLIT_OPS` (probed at build time, [`crate::compat`]; never
//!   `LINUX_VERSION_CODE`): split ops (one entry per do and per dump, each
//!   with its own policy; a dump without a request gets none) where the
//!   kernel has them (Linux 6.2 and later, and vendor kernels that
//!   backported them), `struct genl_ops` (one entry and one policy per
//!   command: the union of its do and dump requests) elsewhere.
//! - Kernel API a kernel lacks comes from `genl_compat.h`, which the
//!   header includes ([`crate::compat`]); a value check on a `be16`/`be32`
//!   attribute, which cannot be emulated, gets an `#error` naming the
//!   attribute for kernels without it. The family has `.netnsok = true`,
//!   `.parallel_ops = true` (the module does its own locking) and leaves
//!   `resv_start_op` at 0, so every op is strictly validated.

use crate::model::{Command, FamilyModel, SetId};
use crate::policy::{
    LoweredCommand, LoweredOp, OpCheck, OpPolicy, Policies, Policy, Repeat, View, ViewAttr,
};
use crate::text::{
    array_decl, c_banner, call_wrapped, decl_wrapped, display_len, tab_aligned, wrap_comment,
    MAX_LINE, SPDX_C, SPDX_H,
};
use crate::Options;

mod checks;
mod header;
mod policies;
mod source;

use checks::{op_checks, parse_helper, view_check, Branch};
pub use header::header;
use policies::{be_value_checks, op_policy, policy_array};
pub use source::source;

/// The kernel header's path relative to the module dir: `<name>-nl.h`.
pub fn header_path(m: &FamilyModel) -> String {
    format!("{}-nl.h", m.schema.name.replace('-', "_"))
}

/// The parameters of a parse helper.
fn parse_args() -> Vec<String> {
    vec![
        "struct nlattr **tb".to_owned(),
        "const struct nlattr *nest".to_owned(),
        "struct netlink_ext_ack *extack".to_owned(),
    ]
}
