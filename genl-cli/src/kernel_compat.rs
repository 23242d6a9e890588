//! What a module build found its kernel has, and what each kernel of the
//! matrix is known to have.
//!
//! A module's build runs the feature probes of `genl_compat.mk`
//! ([`genl_codegen::compat`]) and writes `genl_compat_features.h` into its
//! build directory. [`detected`] reads that header back; [`expected`] is a
//! table written by hand from reading each kernel's headers (the file and
//! line are cited beside each entry), not from the probes' output.
//! [`check_build`] compares the two: a VM harness calls it after building
//! a module for a kernel, and a difference means a probe is wrong (or the
//! table is, for a new kernel ABI).
//!
//! The guest side: tests that depend on a kernel feature (the missing
//! attribute's type in the extended ACK) read the features header of the
//! build, copied into the guest and named by [`FEATURES_ENV`] (or found
//! in `$GENL_VM_MODULE_DIR`), through
//! [`genl_core::module_features::of_module_under_test`].

mod error;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use error::{FeaturesCheckError, FeaturesError};

pub use genl_codegen::compat::{Feature, FEATURES, FEATURES_HEADER};

/// The environment variable naming, for a test program, the features
/// header of the module under test (read by
/// [`genl_core::module_features::of_module_under_test`]).
pub use genl_core::module_features::FEATURES_ENV;

/// A kernel series of the test matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Series {
    /// Debian bullseye's 5.10 (the newest ABI, `5.10.0-46`, Linux 5.10.262).
    V5_10,
    /// Debian bookworm's 6.1 (`6.1.0-57`).
    V6_1,
    /// Debian bookworm's 6.12 (`6.12.118+deb12`).
    V6_12,
    /// The newest trixie-backports kernel (`7.3.4+deb13`).
    V7,
}

impl Series {
    /// Every series, oldest first.
    pub const ALL: [Series; 4] = [Series::V5_10, Series::V6_1, Series::V6_12, Series::V7];

    /// The series of a kernel release (`uname -r`: `5.10.0-46-cloud-amd64`,
    /// `6.12.118+deb12-cloud-amd64`, `7.3.4+deb13-cloud-amd64`); 7.x and
    /// later are [`Series::V7`]. `None` for another series.
    pub fn of_release(release: &str) -> Option<Series> {
        let mut parts = release.split(|c: char| !c.is_ascii_digit());
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        match (major, minor) {
            (5, 10) => Some(Series::V5_10),
            (6, 1) => Some(Series::V6_1),
            (6, 12) => Some(Series::V6_12),
            (m, _) if m >= 7 => Some(Series::V7),
            _ => None,
        }
    }

    /// The series' name: `5.10`, `6.1`, `6.12`, `7.x`.
    pub fn name(self) -> &'static str {
        match self {
            Series::V5_10 => "5.10",
            Series::V6_1 => "6.1",
            Series::V6_12 => "6.12",
            Series::V7 => "7.x",
        }
    }
}

/// What each series has, by feature name (the `GENL_HAVE_<name>` of
/// [`FEATURES`]), read from the Debian headers packages
/// `linux-headers-<release>-common`: the line that shows the feature, or
/// `None` where the header lacks it (the reason after `//`).
///
/// Columns: 5.10.0-46, 6.1.0-57, 6.12.118+deb12, 7.3.4+deb13. Paths are
/// under `include/`.
#[rustfmt::skip]
const TABLE: &[(&str, [Option<&str>; 4])] = &[
    // struct genl_split_ops; 5.10 and 6.1 have only struct genl_ops.
    ("SPLIT_OPS", [None, None, Some("net/genetlink.h:249"), Some("net/genetlink.h:253")]),
    // `struct genl_info info;` in struct genl_dumpit_info; 5.10/6.1 have
    // `struct nlattr **attrs;` there instead.
    ("DUMPIT_INFO_INFO", [None, None, Some("net/genetlink.h:284"), Some("net/genetlink.h:288")]),
    // `genl_info_dump(struct netlink_callback *cb)`.
    ("GENL_INFO_DUMP", [None, None, Some("net/genetlink.h:294"), Some("net/genetlink.h:298")]),
    // `#define GENL_REQ_ATTR_CHECK(info, attr)`.
    ("GENL_REQ_ATTR_CHECK", [None, Some("net/genetlink.h:128"), Some("net/genetlink.h:163"), Some("net/genetlink.h:167")]),
    // `#define NL_REQ_ATTR_CHECK(extack, nest, tb, type)`.
    ("NL_REQ_ATTR_CHECK", [None, Some("linux/netlink.h:142"), Some("linux/netlink.h:198"), Some("linux/netlink.h:199")]),
    // `#define NL_SET_ERR_ATTR_MISS(extack, nest, type)`.
    ("NL_SET_ERR_ATTR_MISS", [None, Some("linux/netlink.h:133"), Some("linux/netlink.h:189"), Some("linux/netlink.h:190")]),
    // `NLMSGERR_ATTR_MISS_TYPE,` in enum nlmsgerr_attrs (5.10's ends at
    // NLMSGERR_ATTR_COOKIE).
    ("NLMSGERR_ATTR_MISS_TYPE", [None, Some("uapi/linux/netlink.h:156"), Some("uapi/linux/netlink.h:156"), Some("uapi/linux/netlink.h:156")]),
    // `ssize_t nla_strscpy(...)`; 5.10 declares `size_t nla_strlcpy(...)`
    // (net/netlink.h:520).
    ("NLA_STRSCPY", [None, Some("net/netlink.h:520"), Some("net/netlink.h:539"), Some("net/netlink.h:549")]),
    // `NLA_BE16,` in the policy type enum (5.10.262 has the stable
    // backport; older bullseye ABIs such as 5.10.0-32 do not).
    ("NLA_BE16", [Some("net/netlink.h:184"), Some("net/netlink.h:184"), Some("net/netlink.h:193"), Some("net/netlink.h:196")]),
    // `NLA_BE32,`.
    ("NLA_BE32", [Some("net/netlink.h:185"), Some("net/netlink.h:185"), Some("net/netlink.h:194"), Some("net/netlink.h:197")]),
    // `tp == NLA_BE16 || tp == NLA_BE32` in __NLA_IS_UINT_TYPE(), which
    // NLA_POLICY_MIN/MAX/RANGE/MASK accept.
    ("NLA_BE_RANGE", [Some("net/netlink.h:379"), Some("net/netlink.h:379"), Some("net/netlink.h:397"), Some("net/netlink.h:406")]),
    // `u8 resv_start_op;` in struct genl_family.
    ("RESV_START_OP", [None, Some("net/genetlink.h:77"), Some("net/genetlink.h:89"), Some("net/genetlink.h:89")]),
    // `NLA_UINT,` (and nla_put_uint() in the same header).
    ("NLA_UINT", [None, None, Some("net/netlink.h:196"), Some("net/netlink.h:199")]),
    // `#define NLA_POLICY_MAX_LEN(_len)`.
    ("NLA_POLICY_MAX_LEN", [None, None, None, Some("net/netlink.h:483")]),
    // `int genlmsg_multicast_allns(family, skb, portid, group);` with no
    // gfp_t: every one of these ABIs has the stable backport.
    ("MULTICAST_ALLNS_NO_GFP", [Some("net/genetlink.h:341"), Some("net/genetlink.h:364"), Some("net/genetlink.h:537"), Some("net/genetlink.h:543")]),
    // `WQ_PERCPU = 1 << 8,` (6.12.118 has the stable backport).
    ("WQ_PERCPU", [None, None, Some("linux/workqueue.h:404"), Some("linux/workqueue.h:406")]),
    // `u64 net_cookie;` in struct net; 5.10 has `atomic64_t net_cookie;`
    // (net/net_namespace.h:175).
    ("NET_COOKIE_U64", [None, Some("net/net_namespace.h:166"), Some("net/net_namespace.h:168"), Some("net/net_namespace.h:173")]),
];

/// The features `series` has, from the hand-written table (see the
/// source for the header line of each).
pub fn expected(series: Series) -> BTreeSet<&'static str> {
    let col = Series::ALL
        .iter()
        .position(|s| *s == series)
        .expect("a series of ALL");
    TABLE
        .iter()
        .filter(|(_, cols)| cols[col].is_some())
        .map(|(name, _)| *name)
        .collect()
}

/// The path of the features header a build wrote into `build_dir`.
pub fn features_header(build_dir: &Path) -> PathBuf {
    build_dir.join(FEATURES_HEADER)
}

/// The features a build found, from the features header it wrote into
/// `build_dir` (the module directory of an in-place `make M=`).
pub fn detected(build_dir: &Path) -> Result<BTreeSet<String>, FeaturesCheckError> {
    let path = features_header(build_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(error) => return Err(FeaturesCheckError::Read { path, error }),
    };
    parse_features(&text).map_err(|error| FeaturesCheckError::Parse { path, error })
}

/// The features a features header's text says the kernel has. Every
/// feature of [`FEATURES`] must have its line (`#define GENL_HAVE_<X>\t1`
/// or `/* GENL_HAVE_<X> is not set */`), once; an unknown feature or a
/// missing one is an error (a header from another genl version).
pub fn parse_features(text: &str) -> Result<BTreeSet<String>, FeaturesError> {
    let mut have = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        let (name, present) = if let Some(rest) = line.strip_prefix("#define GENL_HAVE_") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or_default();
            if words.next() != Some("1") || words.next().is_some() {
                return Err(FeaturesError::UnexpectedLine {
                    line: line.to_owned(),
                });
            }
            (name, true)
        } else if let Some(rest) = line
            .strip_prefix("/* GENL_HAVE_")
            .and_then(|r| r.strip_suffix(" is not set */"))
        {
            (rest, false)
        } else {
            continue;
        };
        if !FEATURES.iter().any(|f| f.name == name) {
            return Err(FeaturesError::Unknown {
                name: name.to_owned(),
            });
        }
        if !seen.insert(name.to_owned()) {
            return Err(FeaturesError::Twice {
                name: name.to_owned(),
            });
        }
        if present {
            have.insert(name.to_owned());
        }
    }
    let missing: Vec<String> = FEATURES
        .iter()
        .map(|f| f.name)
        .filter(|n| !seen.contains(*n))
        .map(str::to_owned)
        .collect();
    if !missing.is_empty() {
        return Err(FeaturesError::Missing { names: missing });
    }
    Ok(have)
}

/// Compares what the build in `build_dir` found with what the kernel
/// `release` (`uname -r` form) is known to have ([`expected`]). Returns
/// the features found; an error lists each difference.
pub fn check_build(
    build_dir: &Path,
    release: &str,
) -> Result<BTreeSet<String>, FeaturesCheckError> {
    let series = Series::of_release(release).ok_or_else(|| FeaturesCheckError::UnknownSeries {
        release: release.to_owned(),
    })?;
    let found = detected(build_dir)?;
    let want = expected(series);
    let diff = differences(&found, &want);
    if diff.is_empty() {
        Ok(found)
    } else {
        Err(FeaturesCheckError::Disagree {
            release: release.to_owned(),
            series,
            header: features_header(build_dir),
            differences: diff,
        })
    }
}

/// The differences between what probes found and what was expected.
fn differences(found: &BTreeSet<String>, want: &BTreeSet<&str>) -> Vec<String> {
    let mut d = Vec::new();
    for f in FEATURES {
        match (found.contains(f.name), want.contains(f.name)) {
            (true, false) => d.push(format!("{} probed present, expected absent", f.name)),
            (false, true) => d.push(format!("{} probed absent, expected present", f.name)),
            _ => {}
        }
    }
    d
}

#[cfg(test)]
mod tests;
