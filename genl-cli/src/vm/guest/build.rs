//! Building the guest programs: statically, with cargo, from the
//! project's cargo workspace.

use super::*;

/// The target triple guest programs are built for (static via `+crt-static`).
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The guest programs of `guests` (`[[vm.guest]]` of genl.toml), built
/// statically from the cargo workspace at `project_root`: one cargo run per
/// package and profile (dev, and `--release` for the `release = true`
/// ones), with `cargo build --bin/--test/--example`.
///
/// They are built in `genl-vm/cargo` under the cargo workspace's target
/// directory (`cargo metadata`'s `target_directory`; `<work>/cargo` if it
/// names none): the directory of a project that is its own workspace, and
/// one shared by every project of a larger workspace (genl's own and
/// `examples/portwatch` compile their common crates once). It is apart from
/// the workspace's usual builds, as the static flags differ.
pub fn build_programs(
    project_root: &Path,
    work: &Path,
    guests: &[GuestConfig],
) -> Result<Vec<GuestBin>, GuestError> {
    let (packages, target_dir) = workspace_targets(project_root)?;
    let cargo_dir = target_dir
        .map(|t| t.join("genl-vm").join("cargo"))
        .unwrap_or_else(|| work.join("cargo"));
    for g in guests {
        let (kind, name) = g.target();
        let Some(targets) = packages.get(&g.package) else {
            return Err(GuestError::NoPackage {
                kind: kind.as_str(),
                name: name.to_owned(),
                package: g.package.clone(),
                root: project_root.to_owned(),
                packages: packages.keys().cloned().collect(),
            });
        };
        if !targets.contains(&(kind.as_str().to_owned(), name.to_owned())) {
            let same_kind: Vec<String> = targets
                .iter()
                .filter(|(k, _)| k == kind.as_str())
                .map(|(_, n)| n.clone())
                .collect();
            return Err(GuestError::NoTarget {
                kind: kind.as_str(),
                name: name.to_owned(),
                package: g.package.clone(),
                same_kind,
            });
        }
    }
    // One cargo run per (package, release), in order of first appearance.
    let mut groups: Vec<(&str, bool)> = Vec::new();
    for g in guests {
        if !groups.contains(&(g.package.as_str(), g.release)) {
            groups.push((g.package.as_str(), g.release));
        }
    }
    let mut found = BTreeMap::new();
    for (package, release) in groups {
        let targets: Vec<(TargetKind, &str)> = guests
            .iter()
            .filter(|g| g.package == package && g.release == release)
            .map(|g| g.target())
            .collect();
        found.insert(
            (package.to_owned(), release),
            cargo_build(project_root, &cargo_dir, package, &targets, release)?,
        );
    }
    let mut bins = Vec::new();
    for g in guests {
        let (kind, name) = g.target();
        let path = found
            .get(&(g.package.clone(), g.release))
            .and_then(|f| f.get(&(kind.as_str().to_owned(), name.to_owned())))
            .ok_or_else(|| GuestError::NotBuilt {
                kind: kind.as_str(),
                name: name.to_owned(),
                package: g.package.clone(),
            })?;
        check_static(path)?;
        bins.push(GuestBin {
            name: name.to_owned(),
            path: path.clone(),
            args: g.args.clone(),
            ynl: g.ynl,
            // A test harness that ran no test proves nothing.
            min_tests: g.min_tests.or((kind == TargetKind::Test).then_some(1)),
            kernels: g.kernels.clone(),
        });
    }
    Ok(bins)
}

/// The targets of the packages of the cargo workspace at `root`.
type Targets = BTreeMap<String, Vec<(String, String)>>;

/// The (kind, name) of every target of every package of the cargo workspace
/// at `root`, by package name, and the workspace's target directory
/// (`cargo metadata --no-deps`).
fn workspace_targets(root: &Path) -> Result<(Targets, Option<PathBuf>), GuestError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let text = host::output(
        Command::new(&cargo)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(root)
            .stderr(Stdio::inherit()),
        &format!("{cargo} metadata (in {})", root.display()),
    )?;
    let meta: serde_json::Value = serde_json::from_str(&text)?;
    let mut out = BTreeMap::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        let mut targets = Vec::new();
        for t in p["targets"].as_array().into_iter().flatten() {
            let tname = t["name"].as_str().unwrap_or_default();
            for k in t["kind"].as_array().into_iter().flatten() {
                if let Some(k) = k.as_str() {
                    targets.push((k.to_owned(), tname.to_owned()));
                }
            }
        }
        out.insert(name.to_owned(), targets);
    }
    let target_dir = meta["target_directory"].as_str().map(PathBuf::from);
    Ok((out, target_dir))
}

/// One `cargo build` of `targets` ((kind, name) of `package`) for the
/// guest, in the target directory `target_dir`; returns the executables by
/// (kind, name).
fn cargo_build(
    root: &Path,
    target_dir: &Path,
    package: &str,
    targets: &[(TargetKind, &str)],
    release: bool,
) -> Result<BTreeMap<(String, String), PathBuf>, GuestError> {
    // `cargo build --test X` builds a test with its libtest harness, and
    // `--example Y` builds an example as the program users run (under
    // `cargo test --no-run` an example would be built as a test harness).
    let mut args: Vec<String> = vec![
        "build".into(),
        "--package".into(),
        package.to_owned(),
        "--target".into(),
        TARGET.into(),
        "--message-format=json-render-diagnostics".into(),
    ];
    if release {
        args.push("--release".into());
    }
    for (i, (kind, name)) in targets.iter().enumerate() {
        // A target run with several argument lists is built once.
        if targets[..i].contains(&(*kind, *name)) {
            continue;
        }
        args.push(format!("--{}", kind.as_str()));
        args.push((*name).to_owned());
    }
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(f) if !f.trim().is_empty() => format!("{f} -C target-feature=+crt-static"),
        _ => "-C target-feature=+crt-static".to_owned(),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    progress::say(format_args!(
        "building guest programs: {cargo} {}",
        args.join(" ")
    ));
    let out = Command::new(&cargo)
        .args(&args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(spawn(&cargo))?;
    if !out.status.success() {
        return Err(GuestError::CargoFailed);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut found: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for line in stdout.lines() {
        // Cargo's messages, one JSON object a line; only the artifacts
        // with an executable are of interest.
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(exe), Some(name), Some(kind)) = (
            msg["executable"].as_str(),
            msg["target"]["name"].as_str(),
            msg["target"]["kind"][0].as_str(),
        ) else {
            continue;
        };
        found.insert((kind.to_owned(), name.to_owned()), PathBuf::from(exe));
    }
    Ok(found)
}
