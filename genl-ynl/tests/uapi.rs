//! The 19 YNL specs of Linux 6.12 checked against the uapi headers of the
//! same kernel (`tests/fixtures/uapi/`, copied unchanged): the
//! disagreements are listed here by hand, each read in the spec and the
//! header, so that a new one cannot slip in unnoticed; the C constant
//! evaluator is checked against gcc on every header it reads; and the
//! corrected spec numbers as the header does, in the importer and in the
//! run-time codec alike.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use genl_ynl::uapi::{self, ConstValue, HeaderConstants};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn headers() -> HeaderConstants {
    let h = HeaderConstants::from_include_dir(&root().join("tests/fixtures/uapi")).unwrap();
    assert_eq!(
        h.header_count(),
        17,
        "the headers of tests/fixtures/uapi/linux"
    );
    h
}

fn specs() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(root().join("tests/fixtures/ynl"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 19);
    v
}

/// Every disagreement between a 6.12 spec and its 6.12 header, as
/// (spec, place, C name, the spec's value, the header's value). Read by
/// hand:
/// - nlctrl lists `mask` before `pad` in `policy-attrs`; `enum
///   netlink_policy_type_attr` has `NL_POLICY_TYPE_ATTR_PAD` (11) before
///   `NL_POLICY_TYPE_ATTR_MASK` (12);
/// - ethtool's `module-fw-flash-status` has no `value-start`, so it counts
///   from 0; `enum ethtool_module_fw_flash_status` starts at
///   `ETHTOOL_MODULE_FW_FLASH_STATUS_STARTED = 1`;
/// - ethtool's `c33-pse-ext-state` lacks `pd-dll-power-type`, which
///   `enum ethtool_c33_pse_ext_state` has as 7, so the two after it are one
///   low;
/// - ovs_flow's `action-attrs` lacks `drop`, which `enum ovs_action_attr`
///   has as 24 (`OVS_ACTION_ATTR_DROP`), so `psample` is one low.
const DISAGREEMENTS: &[(&str, &str, &str, i128, i128)] = &[
    (
        "ethtool",
        "definitions/module-fw-flash-status/started",
        "ETHTOOL_MODULE_FW_FLASH_STATUS_STARTED",
        0,
        1,
    ),
    (
        "ethtool",
        "definitions/module-fw-flash-status/in_progress",
        "ETHTOOL_MODULE_FW_FLASH_STATUS_IN_PROGRESS",
        1,
        2,
    ),
    (
        "ethtool",
        "definitions/module-fw-flash-status/completed",
        "ETHTOOL_MODULE_FW_FLASH_STATUS_COMPLETED",
        2,
        3,
    ),
    (
        "ethtool",
        "definitions/module-fw-flash-status/error",
        "ETHTOOL_MODULE_FW_FLASH_STATUS_ERROR",
        3,
        4,
    ),
    (
        "ethtool",
        "definitions/c33-pse-ext-state/power-not-available",
        "ETHTOOL_C33_PSE_EXT_STATE_POWER_NOT_AVAILABLE",
        7,
        8,
    ),
    (
        "ethtool",
        "definitions/c33-pse-ext-state/short-detected",
        "ETHTOOL_C33_PSE_EXT_STATE_SHORT_DETECTED",
        8,
        9,
    ),
    (
        "nlctrl",
        "attribute-sets/policy-attrs/mask",
        "NL_POLICY_TYPE_ATTR_MASK",
        11,
        12,
    ),
    (
        "nlctrl",
        "attribute-sets/policy-attrs/pad",
        "NL_POLICY_TYPE_ATTR_PAD",
        12,
        11,
    ),
    (
        "ovs_flow",
        "attribute-sets/action-attrs/psample",
        "OVS_ACTION_ATTR_PSAMPLE",
        24,
        25,
    ),
];

#[test]
fn the_disagreements_of_the_6_12_specs_are_the_known_ones() {
    let h = headers();
    let mut got = Vec::new();
    let mut agreed = 0;
    for (name, text) in specs() {
        let c = uapi::cross_check(&text, &h).unwrap();
        agreed += c.agreed;
        for d in c.disagreements {
            let (ConstValue::Int(s), ConstValue::Int(k)) = (&d.name.value, &d.header.value) else {
                panic!("{name}: a string disagrees: {d}");
            };
            got.push((name.clone(), d.name.at, d.name.c_name, *s, *k));
        }
    }
    let want: Vec<_> = DISAGREEMENTS
        .iter()
        .map(|(s, at, c, a, b)| (s.to_string(), at.to_string(), c.to_string(), *a, *b))
        .collect();
    assert_eq!(got, want);
    // Most names are found and agree: the check sees the specs at all
    // (1 442 when this was written; netlink-raw specs carry no C names).
    assert!(agreed > 1400, "only {agreed} names agree");
}

#[test]
fn every_generic_netlink_spec_finds_its_attributes_and_commands() {
    let h = headers();
    for (name, text) in specs() {
        if text.contains("protocol: netlink-raw") {
            continue;
        }
        let names = uapi::spec_names(&text).unwrap();
        let c = uapi::cross_check(&text, &h).unwrap();
        for kind in [uapi::NameKind::Attribute, uapi::NameKind::Operation] {
            let all = names.iter().filter(|n| n.kind == kind).count();
            let missing = c.missing.iter().filter(|n| n.kind == kind).count();
            // nlctrl's `op-policy-attrs`, `policy-attrs` (partly) and
            // directional replies are named otherwise in C; the rest of
            // each spec must be found.
            assert!(
                missing * 2 < all.max(1),
                "{name}: {missing} of {all} {kind:?} names not in the headers: {:?}",
                c.missing
                    .iter()
                    .filter(|n| n.kind == kind)
                    .map(|n| &n.c_name)
                    .collect::<Vec<_>>()
            );
        }
    }
}

/// The evaluator against gcc: every constant read from the fixture
/// headers has the value a compiled program prints.
#[test]
fn the_constant_evaluator_agrees_with_gcc() {
    let h = headers();
    let by_header: BTreeMap<String, Vec<(String, ConstValue)>> =
        h.iter().fold(BTreeMap::new(), |mut m, (n, c)| {
            m.entry(c.header).or_default().push((n.to_owned(), c.value));
            m
        });
    let dir = std::env::temp_dir().join(format!("genl-ynl-uapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut prog = String::from(
        "#include <stdio.h>\n#include <sys/socket.h>\n#include <net/if.h>\n#include <linux/if.h>\n",
    );
    for header in by_header.keys() {
        prog += &format!("#include <{header}>\n");
    }
    // Each value as the C type holds it: unsigned, of its own width (an
    // enumerator `1 << 31` is an int).
    prog += "static void pi(const char *n, unsigned long long v, int w) {\n\
             \tif (w < 8) v &= (1ULL << (8 * w)) - 1;\n\
             \tprintf(\"%s %llu/%d\\n\", n, v, w);\n}\n\
             static void ps(const char *n, const char *v, int w) { printf(\"%s \\\"%s\\\"\\n\", n, v); }\n\
             #define SHOW(n) _Generic((n), char *: ps, const char *: ps, default: pi)(#n, (n), sizeof(n))\n\
             int main(void) {\n";
    let mut want = Vec::new();
    for (n, v) in by_header.values().flatten() {
        prog += &format!("\tSHOW({n});\n");
        want.push((n.clone(), v.clone()));
    }
    prog += "\treturn 0;\n}\n";
    let src = dir.join("consts.c");
    let exe = dir.join("consts");
    std::fs::write(&src, &prog).unwrap();
    let cc = Command::new("gcc")
        .args(["-std=gnu11", "-w", "-I"])
        .arg(root().join("tests/fixtures/uapi"))
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("gcc (the C compiler that links this workspace)");
    assert!(
        cc.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&exe).output().unwrap();
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(want.len() > 2000, "only {} constants read", want.len());
    assert_eq!(want.len(), got.len());
    let mut diff = Vec::new();
    for ((n, v), line) in want.iter().zip(&got) {
        let ours = match v {
            ConstValue::Str(s) => format!("{n} {s:?}"),
            ConstValue::Int(i) => {
                let w: u32 = line.rsplit('/').next().unwrap().parse().unwrap();
                let bits = if w < 8 {
                    (1u128 << (8 * w)) - 1
                } else {
                    u64::MAX as u128
                };
                format!("{n} {}/{w}", (*i as u128) & bits)
            }
        };
        if &ours != line {
            diff.push((ours, line.clone()));
        }
    }
    assert!(diff.is_empty(), "ours vs gcc: {diff:?}");
}

#[test]
fn the_corrected_nlctrl_numbers_mask_12_in_the_binding_and_the_codec() {
    let h = headers();
    let text = std::fs::read_to_string(root().join("tests/fixtures/ynl/nlctrl.yaml")).unwrap();
    let (fixed, check) = uapi::corrected(&text, &h).unwrap();
    assert_eq!(check.disagreements.len(), 2);
    assert!(uapi::cross_check(&fixed, &h)
        .unwrap()
        .disagreements
        .is_empty());
    let rust = genl_ynl::import(&fixed, &Default::default()).unwrap();
    assert!(
        rust.contains("#[nla(id = 12)]\n    pub mask: Option<u64>"),
        "{rust}"
    );
    assert!(rust.contains(
        "/// The spec numbers this 11, but `linux/netlink.h` has `NL_POLICY_TYPE_ATTR_MASK` = 12"
    ));
    let fam = genl_ynl::family::SpecFamily::parse(&fixed).unwrap();
    let set = fam.set("policy-attrs").unwrap();
    assert_eq!(set.attr("mask").unwrap().id, 12);
    assert_eq!(set.attr_by_id(11).unwrap().name, "pad");
}

/// `read_corrected` reads only the headers that hold the first word of a
/// spec's names: for every spec it finds what reading them all finds.
#[test]
fn reading_only_the_headers_a_spec_names_finds_the_same() {
    let dir = root().join("tests/fixtures/uapi");
    let h = headers();
    for entry in std::fs::read_dir(root().join("tests/fixtures/ynl")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let all = uapi::cross_check(&std::fs::read_to_string(&path).unwrap(), &h).unwrap();
        let (_, some) = uapi::read_corrected(&path, Some(&dir), true).unwrap();
        assert_eq!(some.unwrap().1, all, "{}", path.display());
    }
}
