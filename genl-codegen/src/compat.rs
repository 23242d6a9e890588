//! Kernel compatibility by feature, not by version number: the files that
//! let one generated module build on every kernel genl supports (Debian's
//! 5.10, 6.1, 6.12 and the newest backports kernel), vendor kernels with
//! backports included.
//!
//! As DRBD's compat tests do, the build compiles a small test per kernel
//! feature against the target kernel's own headers, with its own compiler
//! and flags, and writes what compiled into one header; the generated files
//! and the module's handlers then test `GENL_HAVE_<FEATURE>`, never
//! `LINUX_VERSION_CODE`. Three files, the same for every family (a module
//! directory holding several families gets identical copies):
//!
//! - [`KBUILD_FRAGMENT`] (`genl_compat.mk`): the Kbuild rules, included at
//!   the end of the module's `Kbuild`. They write
//!   `$(obj)/genl_compat_features.h` ([`FEATURES_HEADER`]) before any
//!   object of the directory's modules compiles: one line per feature,
//!   `#define GENL_HAVE_<X>\t1` or `/* GENL_HAVE_<X> is not set */`.
//! - [`PROBES`] (`genl_compat_probes.c`): the tests, one
//!   `#elif defined(GENL_PROBE_<X>)` section per [`Feature`], each compiled
//!   alone with `-fsyntax-only`.
//! - [`HEADER`] (`genl_compat.h`): includes the features header and
//!   supplies what a kernel lacks where it can be emulated (a wrapper with
//!   the new semantics, a no-op, a fallback definition); the generated
//!   `-nl.h` includes it, and so can hand-written code.
//!
//! What cannot be emulated and a schema needs fails the build with an
//! `#error` in the generated `-nl.c` naming the attribute, the feature and
//! the first Linux release that has it (value checks on `be16`/`be32`
//! attributes: [`FEATURES`]' `NLA_BE_RANGE`).

use std::fmt::Write as _;

use crate::text::MAX_LINE;

/// One kernel feature the build probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    /// `GENL_HAVE_<name>` in the features header, `GENL_PROBE_<name>` in
    /// the probes.
    pub name: &'static str,
    /// What the feature is, and the first upstream release that has it.
    pub what: &'static str,
    /// What [`HEADER`] does on a kernel without it.
    pub without: &'static str,
    /// The body of the probe, `int genl_compat_probe(void *arg)`: C that
    /// compiles only where the feature exists (a missing function is an
    /// error under the kernel's `-Werror=implicit-function-declaration`, a
    /// wrong pointer under `-Werror=incompatible-pointer-types`).
    pub probe: &'static str,
}

/// The features, in the order of the features header.
pub const FEATURES: &[Feature] = &[
    Feature {
        name: "SPLIT_OPS",
        what: "struct genl_split_ops and genl_family.split_ops (Linux 6.2)",
        without: "the generated ops table is struct genl_ops, one policy per command",
        probe: "\tstatic const struct genl_split_ops ops[1];\n\
                \tstruct genl_family *f = arg;\n\n\
                \tf->split_ops = ops;\n\
                \tf->n_split_ops = ARRAY_SIZE(ops);\n\
                \treturn 0;\n",
    },
    Feature {
        name: "DUMPIT_INFO_INFO",
        what: "genl_dumpit_info(cb)->info, a struct genl_info (Linux 6.2, with split ops)",
        without: "dumps read genl_dumpit_info(cb)->attrs",
        probe: "\treturn !!genl_dumpit_info(arg)->info.attrs;\n",
    },
    Feature {
        name: "GENL_INFO_DUMP",
        what: "genl_info_dump() (Linux 6.6)",
        without: "nothing: the generated <family>_nl_dump_attrs() works on every kernel",
        probe: "\treturn !!genl_info_dump(arg)->attrs;\n",
    },
    Feature {
        name: "GENL_REQ_ATTR_CHECK",
        what: "GENL_REQ_ATTR_CHECK() (Linux 6.0)",
        without: "defined as in Linux 6.0",
        probe: "\treturn GENL_REQ_ATTR_CHECK((struct genl_info *)arg, 1);\n",
    },
    Feature {
        name: "NL_REQ_ATTR_CHECK",
        what: "NL_REQ_ATTR_CHECK() (Linux 6.0)",
        without: "defined as in Linux 6.0",
        probe: "\tstruct genl_info *info = arg;\n\n\
                \treturn NL_REQ_ATTR_CHECK(info->extack, NULL, info->attrs, 1);\n",
    },
    Feature {
        name: "NL_SET_ERR_ATTR_MISS",
        what: "NL_SET_ERR_ATTR_MISS() (Linux 6.0)",
        without: "a no-op: the extended ACK cannot name the missing attribute (its message \
                  still does)",
        probe: "\tNL_SET_ERR_ATTR_MISS((struct netlink_ext_ack *)arg, NULL, 1);\n\
                \treturn 0;\n",
    },
    Feature {
        name: "NLMSGERR_ATTR_MISS_TYPE",
        what: "NLMSGERR_ATTR_MISS_TYPE and NLMSGERR_ATTR_MISS_NEST in the extended ACK \
               (uapi, Linux 6.0)",
        without: "nothing to emulate: the kernel's netlink core writes the extended ACK",
        probe: "\treturn arg ? NLMSGERR_ATTR_MISS_TYPE : NLMSGERR_ATTR_MISS_NEST;\n",
    },
    Feature {
        name: "NLA_STRSCPY",
        what: "nla_strscpy() (Linux 5.11; nla_strlcpy() before, which returns the source's \
               length)",
        without: "a static inline nla_strscpy() with its semantics (-E2BIG when truncated)",
        probe: "\tchar buf[4];\n\n\treturn nla_strscpy(buf, arg, sizeof(buf));\n",
    },
    Feature {
        name: "NLA_BE16",
        what: "NLA_BE16, an enum value (Linux 6.1; some 5.10.y stable releases)",
        without: "NLA_BE16 is NLA_U16 (the same length check; no value check can use it)",
        probe: "\treturn arg ? NLA_BE16 : 0;\n",
    },
    Feature {
        name: "NLA_BE32",
        what: "NLA_BE32, an enum value (Linux 6.1; some 5.10.y stable releases)",
        without: "NLA_BE32 is NLA_U32 (the same length check; no value check can use it)",
        probe: "\treturn arg ? NLA_BE32 : 0;\n",
    },
    Feature {
        name: "NLA_BE_RANGE",
        what: "value checks (NLA_POLICY_MIN/MAX/RANGE/MASK) on NLA_BE16 and NLA_BE32 \
               (Linux 6.1)",
        without: "cannot be emulated: a schema with such a check fails the build (#error)",
        probe: "\tstatic const struct nla_policy p[] = {\n\
                \t\t[0] = NLA_POLICY_MAX(NLA_BE16, 1),\n\
                \t\t[1] = NLA_POLICY_MASK(NLA_BE32, 1),\n\
                \t};\n\n\
                \treturn arg ? p[0].type : p[1].type;\n",
    },
    Feature {
        name: "RESV_START_OP",
        what: "genl_family.resv_start_op (Linux 6.1)",
        without: "nothing: generated families leave it 0, and older kernels validate every \
                  op strictly",
        probe: "\tstruct genl_family *f = arg;\n\n\tf->resv_start_op = 1;\n\treturn 0;\n",
    },
    Feature {
        name: "NLA_UINT",
        what: "NLA_UINT and nla_put_uint() (Linux 6.7)",
        without: "nothing: genl-codegen emits no NLA_UINT (handlers may test the feature)",
        probe: "\treturn nla_put_uint(arg, 1, 0) ? NLA_UINT : 0;\n",
    },
    Feature {
        name: "NLA_POLICY_MAX_LEN",
        what: "NLA_POLICY_MAX_LEN() (after Linux 6.12)",
        without: "defined as NLA_POLICY_MAX(NLA_BINARY, len), as upstream does",
        probe: "\tstatic const struct nla_policy p = NLA_POLICY_MAX_LEN(8);\n\n\
                \treturn arg ? p.type : 0;\n",
    },
    Feature {
        name: "MULTICAST_ALLNS_NO_GFP",
        what: "genlmsg_multicast_allns() without its gfp_t argument (Linux 6.12; stable \
               releases backported it)",
        without: "genlmsg_multicast_allns() takes the 6.12 arguments and passes GFP_ATOMIC",
        probe: "\treturn genlmsg_multicast_allns(arg, NULL, 0, 0);\n",
    },
    Feature {
        name: "WQ_PERCPU",
        what: "WQ_PERCPU, an enum value (Linux 6.17; some stable releases)",
        without: "WQ_PERCPU is 0, the per-CPU default of those kernels",
        probe: "\treturn arg ? WQ_PERCPU : 0;\n",
    },
    Feature {
        name: "NET_COOKIE_U64",
        what: "struct net.net_cookie, a u64 set when the netns is made (Linux 5.12; an \
               atomic64_t set on first use before)",
        without: "genl_compat_net_cookie() reads the atomic64_t: 0 until something made the \
                  cookie",
        probe: "\tstruct net *net = arg;\n\
                \tu64 *cookie = &net->net_cookie;\n\n\
                \treturn *cookie != 0;\n",
    },
];

/// The path of the Kbuild fragment, relative to the module directory.
pub const KBUILD_FRAGMENT: &str = "genl_compat.mk";
/// The path of the compile tests.
pub const PROBES: &str = "genl_compat_probes.c";
/// The path of the compat header the generated files include.
pub const HEADER: &str = "genl_compat.h";
/// The header a build writes into its build directory (`$(obj)`), with
/// one line per [`Feature`]; never committed.
pub const FEATURES_HEADER: &str = "genl_compat_features.h";

fn banner(o: &mut String, command: &str, what: &str) {
    o.push_str("/* Do not edit directly, auto-generated by genl-codegen; */\n");
    let _ = writeln!(o, "/*\tregenerate with `{command}` */");
    let _ = writeln!(o, "/* genl {what} */");
}

/// Renders `genl_compat.mk`, the Kbuild rules that write the features
/// header; `command` regenerates it.
pub fn kbuild_fragment(command: &str) -> String {
    let mut o = String::from("# SPDX-License-Identifier: GPL-2.0\n#\n");
    let _ = writeln!(
        o,
        "# Do not edit directly, auto-generated by genl-codegen;\n\
         # regenerate with `{command}`\n#"
    );
    o.push_str(
        "# Kernel feature probes (compat by feature, not version number). Include\n\
         # this file at the end of the module's Kbuild, after obj-m and the\n\
         # <module>-y lists. Before any object of those modules compiles, it\n\
         # compiles each section of genl_compat_probes.c with the kernel's own\n\
         # compiler and flags and writes $(obj)/genl_compat_features.h: one line\n\
         # per feature, \"#define GENL_HAVE_<X>\t1\" where the test compiled, else\n\
         # \"/* GENL_HAVE_<X> is not set */\". genl_compat.h includes it. The\n\
         # probes run again when the kernel, its tree or the compiler changes.\n\n",
    );
    let mut line = String::from("genl_compat_probes :=");
    let mut lines = Vec::new();
    for f in FEATURES {
        if line.len() + 1 + f.name.len() + 2 > 78 {
            lines.push(line);
            line = String::from("\t");
        } else if !line.ends_with('\t') {
            line.push(' ');
        }
        line.push_str(f.name);
    }
    lines.push(line);
    o.push_str(&lines.join(" \\\n"));
    o.push_str("\n\n");
    o.push_str(
        "genl_compat_hash := \\#\n\
         genl_compat_results := \\\n\
         \t$(patsubst %,$(obj)/.genl_compat.%.h,$(genl_compat_probes))\n\n\
         # What the probes ran against.\n\
         filechk_genl_compat_id = echo \"$(KERNELRELEASE) $(abspath $(objtree)) $(CC)\"\n\
         $(obj)/.genl_compat.id: FORCE\n\
         \t$(call filechk,genl_compat_id)\n\n\
         quiet_cmd_genl_compat_probe = PROBE   $*\n      \
         cmd_genl_compat_probe = \\\n\
         \tif $(CC) $(filter-out -Wp$(comma)-MMD$(comma)%,$(c_flags)) \\\n\
         \t\t-DGENL_PROBE_$* -fsyntax-only $< >$@.log 2>&1; then \\\n\
         \t\techo '$(genl_compat_hash)define GENL_HAVE_$*\t1'; \\\n\
         \telse \\\n\
         \t\techo '/* GENL_HAVE_$* is not set */'; \\\n\
         \tfi >$@\n\n\
         $(obj)/.genl_compat.%.h: $(src)/genl_compat_probes.c $(obj)/.genl_compat.id\n\
         \t$(call cmd,genl_compat_probe)\n\n\
         filechk_genl_compat_features = \\\n\
         \techo '/* SPDX-License-Identifier: GPL-2.0 */'; \\\n\
         \techo '/* Written by genl_compat.mk: what $(KERNELRELEASE) has */'; \\\n\
         \tcat $(genl_compat_results)\n\
         $(obj)/genl_compat_features.h: $(genl_compat_results) FORCE\n\
         \t$(call filechk,genl_compat_features)\n\n\
         # Every object of the modules of this directory includes it.\n\
         genl_compat_objs := \\\n\
         \t$(foreach m,$(obj-m),$(or $(strip $($(m:.o=-y)) $($(m:.o=-objs))),$(m)))\n\
         $(addprefix $(obj)/,$(genl_compat_objs)): $(obj)/genl_compat_features.h\n\n\
         ccflags-y += -I$(obj)\n\
         clean-files += genl_compat_features.h .genl_compat.*\n",
    );
    o
}

/// Renders `genl_compat_probes.c`, the compile tests of [`FEATURES`].
pub fn probes(command: &str) -> String {
    let mut o = String::from(crate::text::SPDX_C);
    o.push('\n');
    banner(&mut o, command, "kernel feature probes");
    o.push_str(
        "\n/*\n * Compile tests of genl_compat.mk: compiled once per feature with\n \
         * -DGENL_PROBE_<X>, each section compiles only against the headers of a\n \
         * kernel that has X; the build then defines GENL_HAVE_<X>.\n */\n\n\
         #include <linux/netlink.h>\n#include <linux/workqueue.h>\n\
         #include <net/genetlink.h>\n#include <net/net_namespace.h>\n\
         #include <net/netlink.h>\n\nint genl_compat_probe(void *arg);\n\n",
    );
    for (i, f) in FEATURES.iter().enumerate() {
        let kw = if i == 0 { "#if" } else { "#elif" };
        let _ = writeln!(o, "{kw} defined(GENL_PROBE_{})", f.name);
        let comment = format!("/* {} */", f.what);
        if comment.len() <= MAX_LINE {
            let _ = writeln!(o, "{comment}");
        } else {
            o.push_str("/*\n");
            crate::text::wrap_comment(&mut o, " *", " *", f.what);
            o.push_str(" */\n");
        }
        let _ = write!(o, "int genl_compat_probe(void *arg)\n{{\n{}}}\n", f.probe);
    }
    o.push_str("#else\n#error \"compile genl_compat_probes.c with -DGENL_PROBE_<feature>\"\n");
    o.push_str("#endif\n");
    o
}

/// Renders `genl_compat.h`: the features header, and for each feature a
/// kernel lacks what [`Feature::without`] says.
pub fn header(command: &str) -> String {
    let mut o = String::from(crate::text::SPDX_H);
    o.push('\n');
    banner(&mut o, command, "kernel compat header");
    o.push_str(HEADER_BODY);
    o
}

const HEADER_BODY: &str = r#"
/*
 * What the generated files and the module's handlers use from the kernel,
 * on every kernel: GENL_HAVE_<X> (genl_compat_features.h, written by the
 * build from compile tests against the target kernel's headers, see
 * genl_compat.mk) says whether the kernel has X; below, what it lacks is
 * emulated where it can be. Test GENL_HAVE_<X>, never the kernel's version
 * number: stable and vendor kernels backport features.
 */

#ifndef _GENL_COMPAT_H
#define _GENL_COMPAT_H

#include <linux/atomic.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "genl_compat_features.h"

#if defined(GENL_HAVE_SPLIT_OPS) && !defined(GENL_HAVE_DUMPIT_INFO_INFO)
#error "genl: split ops without genl_dumpit_info(cb)->info (both came in Linux 6.2)"
#endif

#ifndef GENL_HAVE_NL_SET_ERR_ATTR_MISS
/*
 * Linux < 6.0: the extended ACK has no NLMSGERR_ATTR_MISS_TYPE to name a
 * missing attribute; the extack message still names it.
 */
#define NL_SET_ERR_ATTR_MISS(extack, nest, type) \
	do { (void)(extack); (void)(nest); (void)(type); } while (0)
#endif

#ifndef GENL_HAVE_NL_REQ_ATTR_CHECK
/* As in Linux 6.0: true (and the extack set) when tb[type] is missing */
#define NL_REQ_ATTR_CHECK(extack, nest, tb, type) ({		\
	struct nlattr **__tb = (tb);				\
	u32 __attr = (type);					\
	int __retval;						\
								\
	__retval = !__tb[__attr];				\
	if (__retval)						\
		NL_SET_ERR_ATTR_MISS((extack), (nest), __attr);	\
	__retval;						\
})
#endif

#ifndef GENL_HAVE_GENL_REQ_ATTR_CHECK
/* As in Linux 6.0 */
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	const struct genl_info *__info = (info);			\
									\
	NL_REQ_ATTR_CHECK(__info->extack, NULL, __info->attrs, (attr)); \
})
#endif

#ifndef GENL_HAVE_NLA_STRSCPY
/**
 * nla_strscpy() - copy a string attribute into a sized buffer
 * @dst: where to copy the string to
 * @nla: the attribute to copy the string from
 * @dstsize: the size of @dst
 *
 * Linux 5.11's nla_strscpy() for older kernels (their nla_strlcpy()
 * returns the source's length): copies at most @dstsize - 1 bytes,
 * always NUL-terminates @dst and zeroes the rest of it.
 *
 * Return: the length of the string copied, or -E2BIG when it did not fit
 * (@dst then holds its truncated start).
 */
static inline ssize_t nla_strscpy(char *dst, const struct nlattr *nla,
				  size_t dstsize)
{
	size_t srclen = nla_len(nla);
	const char *src = nla_data(nla);
	ssize_t ret;
	size_t len;

	if (dstsize == 0 || WARN_ON_ONCE(dstsize > U16_MAX))
		return -E2BIG;
	if (srclen > 0 && src[srclen - 1] == '\0')
		srclen--;
	if (srclen >= dstsize) {
		len = dstsize - 1;
		ret = -E2BIG;
	} else {
		len = srclen;
		ret = len;
	}
	memcpy(dst, src, len);
	memset(dst + len, 0, dstsize - len);
	return ret;
}
#endif

#ifndef GENL_HAVE_NLA_BE16
/* Same length check; the generated -nl.c refuses value checks on it */
#define NLA_BE16 NLA_U16
#endif

#ifndef GENL_HAVE_NLA_BE32
/* Same length check; the generated -nl.c refuses value checks on it */
#define NLA_BE32 NLA_U32
#endif

#ifndef GENL_HAVE_NLA_POLICY_MAX_LEN
#define NLA_POLICY_MAX_LEN(_len) NLA_POLICY_MAX(NLA_BINARY, _len)
#endif

#ifndef GENL_HAVE_MULTICAST_ALLNS_NO_GFP
/* Linux 6.12's arguments; the kernel always allocated with GFP_ATOMIC */
#define genlmsg_multicast_allns(family, skb, portid, group) \
	genlmsg_multicast_allns(family, skb, portid, group, GFP_ATOMIC)
#endif

#ifndef GENL_HAVE_WQ_PERCPU
/* Before Linux 6.17 a workqueue without WQ_UNBOUND is per-CPU */
#define WQ_PERCPU 0
#endif

/**
 * genl_compat_net_cookie() - the cookie of a network namespace
 * @net: the namespace
 *
 * Return: @net's cookie, the value of SO_NETNS_COOKIE. Before Linux 5.12
 * the kernel makes it on first use (in __net_gen_cookie(), not exported
 * to modules), so this is 0 until something (a BPF program) made it.
 */
static inline u64 genl_compat_net_cookie(const struct net *net)
{
#ifdef GENL_HAVE_NET_COOKIE_U64
	return net->net_cookie;
#else
	return atomic64_read(&net->net_cookie);
#endif
}

#endif /* _GENL_COMPAT_H */
"#;
