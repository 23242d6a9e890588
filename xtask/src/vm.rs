//! `cargo xtask vm <fetch|build|test|shell> [options]`: the repository's
//! genl.toml through `genl_cli` (the same as `genl vm ...` run in the
//! repository; see `genl vm --help`).

use genl_cli::cli::VmCommand;

use crate::util;

/// Entry point of `cargo xtask vm ...`: `genl --project <repo> vm ...`
/// ([`genl_cli::cli::vm_command`]).
pub fn run(args: &[String]) -> Result<(), String> {
    match VmCommand::parse_args("cargo xtask vm", args.iter().cloned())
        .map_err(|e| e.to_string())?
    {
        Some(cmd) => {
            genl_cli::cli::vm_command(Some(&util::workspace_root()), cmd).map_err(|e| e.to_string())
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use genl_cli::project::TargetKind;
    use genl_cli::Project;

    use crate::util;

    /// The repository's genl.toml: what `cargo xtask vm test` runs.
    #[test]
    fn the_repo_genl_toml_describes_the_demo() {
        let root = util::workspace_root();
        let p = Project::load(&root).unwrap();
        let family = p.config.family.as_ref().unwrap();
        assert_eq!(
            (family.package.as_str(), family.type_path.as_str()),
            ("genl", "genl::demo::DemoCmd")
        );
        let vm = p.config.vm.as_ref().unwrap();
        assert!(vm.guest.iter().all(|g| g.ynl == (g.target().1 == "vm_ynl")));
        // Built --release: the benchmark, and the genl tool as a user
        // installs it (vm_ynl times it against cli.py).
        assert!(vm
            .guest
            .iter()
            .all(|g| g.release == matches!(g.target().1, "vm_bench" | "genl")));
        assert_eq!(
            vm.helper[0].source,
            root.join("genl-bench/c/genl_demo_raw.c")
        );
        assert_eq!(p.module_dir().unwrap(), root.join("kmod-c"));
        assert_eq!(p.family_name().unwrap(), "genl_demo");
        assert_eq!(
            p.uapi_header().unwrap(),
            root.join("kmod-c/include/uapi/linux/genl_demo.h")
        );
    }

    /// A test function libtest registers: its name and whether it is
    /// `#[ignore]`d.
    #[derive(Debug)]
    struct TestFn {
        name: String,
        ignored: bool,
    }

    /// The test functions (`#[test]`, `#[tokio::test]`) of the test crate
    /// whose root is `file`, following `mod x;` items as rustc does. A test
    /// or module under `#[cfg]` or `#[path]` is an error: what runs would
    /// depend on the build.
    fn test_fns(file: &Path) -> Result<Vec<TestFn>, String> {
        let dir = file.parent().ok_or("no directory")?.to_path_buf();
        let mut out = Vec::new();
        items_of(file, &dir, &mut out)?;
        Ok(out)
    }

    fn items_of(file: &Path, dir: &Path, out: &mut Vec<TestFn>) -> Result<(), String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let ast = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        walk(&ast.items, dir, file, out)
    }

    fn walk(
        items: &[syn::Item],
        dir: &Path,
        file: &Path,
        out: &mut Vec<TestFn>,
    ) -> Result<(), String> {
        let conditional = |attrs: &[syn::Attribute]| {
            attrs
                .iter()
                .any(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
        };
        // `#[path = "x/y.rs"] mod y;`: relative to the declaring file's
        // directory, and the file is a mod-rs file for its own modules.
        let path_attr = |attrs: &[syn::Attribute]| -> Result<Option<PathBuf>, String> {
            if let Some(a) = attrs.iter().find(|a| a.path().is_ident("path")) {
                let syn::Meta::NameValue(nv) = &a.meta else {
                    return Err(format!("{}: a #[path] without a value", file.display()));
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                else {
                    return Err(format!(
                        "{}: a #[path] that is not a string",
                        file.display()
                    ));
                };
                let base = file.parent().ok_or("no directory")?;
                return Ok(Some(base.join(s.value())));
            }
            Ok(None)
        };
        for item in items {
            match item {
                syn::Item::Fn(f) => {
                    let test = f
                        .attrs
                        .iter()
                        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "test"));
                    if !test {
                        continue;
                    }
                    if conditional(&f.attrs) {
                        return Err(format!(
                            "{}: test {} is conditional",
                            file.display(),
                            f.sig.ident
                        ));
                    }
                    out.push(TestFn {
                        name: f.sig.ident.to_string(),
                        ignored: f.attrs.iter().any(|a| a.path().is_ident("ignore")),
                    });
                }
                syn::Item::Mod(m) => {
                    if conditional(&m.attrs) {
                        return Err(format!(
                            "{}: mod {} is conditional",
                            file.display(),
                            m.ident
                        ));
                    }
                    let sub = dir.join(m.ident.to_string());
                    if let (Some(f), None) = (path_attr(&m.attrs)?, &m.content) {
                        let d = f.parent().ok_or("no directory")?.to_path_buf();
                        items_of(&f, &d, out)?;
                        continue;
                    }
                    match &m.content {
                        Some((_, items)) => walk(items, &sub, file, out)?,
                        None => {
                            let flat = dir.join(format!("{}.rs", m.ident));
                            let (f, d) = if flat.is_file() {
                                (flat, sub)
                            } else {
                                (sub.join("mod.rs"), sub)
                            };
                            items_of(&f, &d, out)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// How many of `tests` a libtest harness runs with `args`; an argument
    /// that filters tests by name makes it unknowable.
    fn tests_run(tests: &[TestFn], args: &[String]) -> Result<usize, String> {
        if let Some(a) = args
            .iter()
            .find(|a| !a.starts_with("--") || a.as_str() == "--skip")
        {
            return Err(format!("argument {a:?} filters the tests"));
        }
        let has = |f: &str| args.iter().any(|a| a == f);
        Ok(tests
            .iter()
            .filter(|t| {
                if has("--include-ignored") {
                    true
                } else if has("--ignored") {
                    t.ignored
                } else {
                    !t.ignored
                }
            })
            .count())
    }

    /// Every VM suite (`tests/vm_*.rs`) runs in the guests, and each guest
    /// test program must pass every test it has: its `min-tests` is the
    /// number of test functions it runs, counted from its source.
    #[test]
    fn every_vm_suite_is_a_guest_with_min_tests_equal_to_its_tests() {
        let root = util::workspace_root();
        let p = Project::load(&root).unwrap();
        let vm = p.config.vm.as_ref().unwrap();
        let guests: Vec<_> = vm
            .guest
            .iter()
            .filter(|g| g.target().0 == TargetKind::Test)
            .collect();
        let mut suites: Vec<String> = std::fs::read_dir(root.join("tests"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| {
                n.strip_prefix("vm_")
                    .and_then(|n| n.strip_suffix(".rs"))
                    .map(|n| format!("vm_{n}"))
            })
            .collect();
        suites.sort();
        assert!(suites.len() >= 6, "{suites:?}");
        for s in &suites {
            assert!(
                guests
                    .iter()
                    .any(|g| g.package == "genl" && g.target().1 == s),
                "tests/{s}.rs is no [[vm.guest]] test of genl.toml: it never runs"
            );
        }
        let mut checked = Vec::new();
        for g in &guests {
            let name = g.target().1;
            assert_eq!(g.package, "genl", "{name}: a test of another package");
            let file = root.join("tests").join(format!("{name}.rs"));
            let tests = test_fns(&file).unwrap();
            let n = tests_run(&tests, &g.args).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(n > 0, "{name}: no test runs with {:?}: {tests:?}", g.args);
            assert_eq!(
                g.min_tests,
                Some(n as u64),
                "{name}: min-tests must be the {n} tests it runs ({:?})",
                tests.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()
            );
            checked.push(name);
        }
        checked.sort_unstable();
        assert_eq!(checked, suites);
    }

    /// The counter itself, on sources whose tests are known.
    #[test]
    fn test_functions_are_counted_as_libtest_registers_them() {
        let d = std::env::temp_dir().join(format!("genl-xtask-count-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("common")).unwrap();
        std::fs::write(
            d.join("suite.rs"),
            "mod common;\n\
             #[test] fn a() {}\n\
             #[test] #[ignore = \"vm\"] fn b() {}\n\
             /// #[test] in a comment\n\
             fn helper() { let _ = \"#[test]\"; }\n\
             #[tokio::test] async fn c() {}\n\
             mod inner { #[test] fn d() {} }\n",
        )
        .unwrap();
        std::fs::write(d.join("common/mod.rs"), "#[test] #[ignore] fn e() {}\n").unwrap();
        let t = test_fns(&d.join("suite.rs")).unwrap();
        let names: Vec<_> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["e", "a", "b", "c", "d"]);
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(tests_run(&t, &args(&["--test-threads=1"])), Ok(3));
        assert_eq!(tests_run(&t, &args(&["--include-ignored"])), Ok(5));
        assert_eq!(tests_run(&t, &args(&["--ignored", "--nocapture"])), Ok(2));
        assert!(tests_run(&t, &args(&["--include-ignored", "a"])).is_err());
        std::fs::write(
            d.join("suite.rs"),
            "#[cfg(feature = \"x\")] #[test] fn a() {}\n",
        )
        .unwrap();
        assert!(test_fns(&d.join("suite.rs"))
            .unwrap_err()
            .contains("conditional"));
        let _ = std::fs::remove_dir_all(&d);
    }
}
