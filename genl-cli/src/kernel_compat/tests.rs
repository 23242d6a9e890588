//! The table against [`FEATURES`], the reader against the format the
//! Kbuild fragment writes, and (ignored by default: they need kernel
//! headers) the probes against the table, kernel by kernel.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

#[test]
fn the_table_has_every_feature_once_in_order() {
    let table: Vec<&str> = TABLE.iter().map(|(n, _)| *n).collect();
    let features: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    assert_eq!(table, features);
}

#[test]
fn releases_map_to_their_series() {
    for (release, series) in [
        ("5.10.0-46-cloud-amd64", Some(Series::V5_10)),
        ("6.1.0-57-cloud-amd64", Some(Series::V6_1)),
        ("6.12.118+deb12-cloud-amd64", Some(Series::V6_12)),
        ("7.3.4+deb13-cloud-amd64", Some(Series::V7)),
        ("8.0.1", Some(Series::V7)),
        ("6.6.0", None),
        ("6.10.0", None),
        ("", None),
    ] {
        assert_eq!(Series::of_release(release), series, "{release}");
    }
}

#[test]
fn newer_series_have_at_least_what_older_ones_have() {
    // Upstream only adds these (WQ_PERCPU and NET_COOKIE_U64 included).
    for w in Series::ALL.windows(2) {
        let (old, new) = (expected(w[0]), expected(w[1]));
        assert!(
            old.is_subset(&new),
            "{:?} → {:?}: {:?}",
            w[0],
            w[1],
            old.difference(&new)
        );
    }
}

/// The lines genl_compat.mk echoes, as make expands them: `$(genl_compat_hash)`
/// is `#`, `$*` the feature.
fn mk_lines(have: &[&str]) -> String {
    let mk = genl_codegen::compat::kbuild_fragment("x");
    assert!(mk.contains("echo '$(genl_compat_hash)define GENL_HAVE_$*\t1'"));
    assert!(mk.contains("echo '/* GENL_HAVE_$* is not set */'"));
    let mut t =
        String::from("/* SPDX-License-Identifier: GPL-2.0 */\n/* Written by genl_compat.mk */\n");
    for f in FEATURES {
        if have.contains(&f.name) {
            t.push_str(&format!("#define GENL_HAVE_{}\t1\n", f.name));
        } else {
            t.push_str(&format!("/* GENL_HAVE_{} is not set */\n", f.name));
        }
    }
    t
}

#[test]
fn the_reader_takes_what_the_fragment_writes() {
    let text = mk_lines(&["SPLIT_OPS", "WQ_PERCPU"]);
    let got = parse_features(&text).unwrap();
    assert_eq!(
        got,
        BTreeSet::from(["SPLIT_OPS".to_owned(), "WQ_PERCPU".to_owned()])
    );
}

#[test]
fn the_reader_refuses_partial_or_foreign_headers() {
    let text = mk_lines(&[]);
    let partial: String = text
        .lines()
        .filter(|l| !l.contains("NLA_UINT"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(parse_features(&partial)
        .unwrap_err()
        .to_string()
        .contains("NLA_UINT"));
    let foreign = format!("{text}#define GENL_HAVE_TIME_TRAVEL\t1\n");
    assert!(parse_features(&foreign)
        .unwrap_err()
        .to_string()
        .contains("TIME_TRAVEL"));
    let twice = format!("{text}/* GENL_HAVE_NLA_UINT is not set */\n");
    assert!(parse_features(&twice)
        .unwrap_err()
        .to_string()
        .contains("twice"));
}

#[test]
fn check_build_reports_each_difference() {
    let dir = scratch("diff");
    let mut have: Vec<&str> = expected(Series::V6_1).into_iter().collect();
    have.retain(|f| *f != "NLA_STRSCPY");
    have.push("SPLIT_OPS");
    std::fs::write(features_header(&dir), mk_lines(&have)).unwrap();
    let e = check_build(&dir, "6.1.0-57-cloud-amd64")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("NLA_STRSCPY probed absent, expected present"),
        "{e}"
    );
    assert!(
        e.contains("SPLIT_OPS probed present, expected absent"),
        "{e}"
    );
    std::fs::write(
        features_header(&dir),
        mk_lines(&Vec::from_iter(expected(Series::V6_1))),
    )
    .unwrap();
    check_build(&dir, "6.1.0-57-cloud-amd64").unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh directory under the system's temp dir.
fn scratch(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("genl-kcompat-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The kernels to build against: `GENL_COMPAT_KDIRS`, whitespace-separated
/// `KDIR` or `KDIR@CC` (a linux-headers directory, and the compiler when
/// the kernel's own is not installed, e.g. `@gcc-12` for 5.10).
fn kdirs() -> Vec<(PathBuf, Option<String>)> {
    let v = std::env::var("GENL_COMPAT_KDIRS").unwrap_or_default();
    let list: Vec<(PathBuf, Option<String>)> = v
        .split_whitespace()
        .map(|e| match e.split_once('@') {
            Some((k, cc)) => (PathBuf::from(k), Some(cc.to_owned())),
            None => (PathBuf::from(e), None),
        })
        .collect();
    assert!(
        !list.is_empty(),
        "GENL_COMPAT_KDIRS is empty: name the linux-headers directories to probe \
         (e.g. GENL_COMPAT_KDIRS='/path/linux-headers-6.12.118+deb12-cloud-amd64 \
         /path/linux-headers-5.10.0-46-cloud-amd64@gcc-12')"
    );
    list
}

fn release_of(kdir: &Path) -> String {
    let p = kdir.join("include/config/kernel.release");
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_owned()
}

/// Builds a module that includes genl_compat.h (the compat files as
/// genl-codegen renders them, and a one-file module) against each kernel
/// of `GENL_COMPAT_KDIRS`, W=1, and compares the features its build probed
/// with the hand-written table.
#[test]
#[ignore = "builds a module against kernel headers; run: GENL_COMPAT_KDIRS='KDIR[@CC] ...' \
            cargo test -p genl-cli --lib kernel_compat -- --ignored"]
fn probes_match_the_table_on_each_kernel() {
    let mut failures = Vec::new();
    for (kdir, cc) in kdirs() {
        let release = release_of(&kdir);
        let dir = scratch(&release);
        for (path, text) in [
            (
                genl_codegen::compat::HEADER,
                genl_codegen::compat::header("test"),
            ),
            (
                genl_codegen::compat::KBUILD_FRAGMENT,
                genl_codegen::compat::kbuild_fragment("test"),
            ),
            (
                genl_codegen::compat::PROBES,
                genl_codegen::compat::probes("test"),
            ),
        ] {
            std::fs::write(dir.join(path), text).unwrap();
        }
        std::fs::write(
            dir.join("kcompat_test.c"),
            "// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\n\
             #include \"genl_compat.h\"\n\nMODULE_DESCRIPTION(\"genl compat probe test\");\n\
             MODULE_LICENSE(\"GPL\");\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("Kbuild"),
            "obj-m += kcompat_test.o\ninclude $(src)/genl_compat.mk\n",
        )
        .unwrap();
        let mut make = Command::new("make");
        make.arg("-C")
            .arg(&kdir)
            .arg(format!("M={}", dir.display()))
            .arg("W=1");
        if let Some(cc) = &cc {
            make.arg(format!("CC={cc}"));
        }
        let out = make.arg("modules").output().expect("make");
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{release}: make failed:\n{log}");
        assert!(!log.contains("warning:"), "{release}: W=1 warnings:\n{log}");
        match check_build(&dir, &release) {
            Ok(found) => println!("{release}: {} features, as the table says", found.len()),
            Err(e) => failures.push(e.to_string()),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same comparison on modules already built elsewhere (a VM harness, a
/// chroot with the kernel's compiler): `GENL_COMPAT_BUILT`, whitespace-
/// separated `RELEASE=BUILD_DIR`.
#[test]
#[ignore = "reads module builds made elsewhere; run: GENL_COMPAT_BUILT='RELEASE=DIR ...' \
            cargo test -p genl-cli --lib kernel_compat -- --ignored"]
fn builds_made_elsewhere_match_the_table() {
    let v = std::env::var("GENL_COMPAT_BUILT").unwrap_or_default();
    let list: Vec<(&str, &str)> = v
        .split_whitespace()
        .filter_map(|e| e.split_once('='))
        .collect();
    assert!(
        !list.is_empty(),
        "GENL_COMPAT_BUILT is empty: name RELEASE=BUILD_DIR pairs"
    );
    let failures: Vec<String> = list
        .iter()
        .filter_map(|(release, dir)| check_build(Path::new(dir), release).err())
        .map(|e| e.to_string())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
