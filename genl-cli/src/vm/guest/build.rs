//! Building the guest programs: statically, with cargo, from the
//! project's cargo workspace.

use super::*;

/// The target triple guest programs are built for (static via `+crt-static`).
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// How guest programs are compiled: linked statically, and not
/// position-independent, as `gcc -static` links a C program. A static-pie
/// Rust program calls every function of another crate indirectly, through
/// its GOT (rustc emits no relocations the linker may relax into direct
/// calls), and under QEMU's TCG each indirect call is a lookup of the
/// translated target where a direct call is a chained jump.
const GUEST_RUSTFLAGS: &str = "-C target-feature=+crt-static -C relocation-model=static";

/// The guest programs of `guests` (`[[vm.guest]]` of genl.toml), built
/// statically from the cargo workspace at `project_root`: one cargo run per
/// profile (dev, and `--release` for the `release = true` ones), each with
/// every package and target of that profile (`cargo build --package P
/// --bin/--test/--example T ...`), so that cargo builds them side by side
/// with one set of features. They are built without debug info: the
/// initramfs takes them stripped of it.
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
    let ws = workspace(project_root)?;
    let packages = &ws.packages;
    let cargo_dir = ws
        .target_dir
        .clone()
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
    // One cargo run per profile: dev first, as the guests are listed.
    let mut found = BTreeMap::new();
    for release in [false, true] {
        let targets: Vec<(&str, TargetKind, &str)> = guests
            .iter()
            .filter(|g| g.release == release)
            .map(|g| {
                let (kind, name) = g.target();
                (g.package.as_str(), kind, name)
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        for (package, kind, name, exe) in
            cargo_build(project_root, &ws, &cargo_dir, &targets, release)?
        {
            found.insert((package, release, kind, name), exe);
        }
    }
    let mut bins = Vec::new();
    for g in guests {
        let (kind, name) = g.target();
        let key = (
            g.package.clone(),
            g.release,
            kind.as_str().to_owned(),
            name.to_owned(),
        );
        let path = found.get(&key).ok_or_else(|| GuestError::NotBuilt {
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

/// What `cargo metadata --no-deps` says of a cargo workspace.
struct Workspace {
    /// The (kind, name) of every target, by package name.
    packages: BTreeMap<String, Vec<(String, String)>>,
    /// Package names by manifest path (cargo's build messages name a
    /// package by its manifest).
    manifests: BTreeMap<PathBuf, String>,
    /// The workspace's target directory, if cargo names one.
    target_dir: Option<PathBuf>,
}

/// The cargo workspace at `root` (`cargo metadata --no-deps`).
fn workspace(root: &Path) -> Result<Workspace, GuestError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let text = host::output(
        Command::new(&cargo)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(root)
            .stderr(Stdio::inherit()),
        &format!("{cargo} metadata (in {})", root.display()),
    )?;
    let meta: serde_json::Value = serde_json::from_str(&text)?;
    let mut packages = BTreeMap::new();
    let mut manifests = BTreeMap::new();
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
        packages.insert(name.to_owned(), targets);
        if let Some(m) = p["manifest_path"].as_str() {
            manifests.insert(PathBuf::from(m), name.to_owned());
        }
    }
    Ok(Workspace {
        packages,
        manifests,
        target_dir: meta["target_directory"].as_str().map(PathBuf::from),
    })
}

/// The executables of one `cargo build`: (package, kind, name, path).
type Built = Vec<(String, String, String, PathBuf)>;

/// One `cargo build` of `targets` ((package, kind, name)) for the guest, in
/// the target directory `target_dir`, without debug info; returns the
/// executables.
fn cargo_build(
    root: &Path,
    ws: &Workspace,
    target_dir: &Path,
    targets: &[(&str, TargetKind, &str)],
    release: bool,
) -> Result<Built, GuestError> {
    // `cargo build --test X` builds a test with its libtest harness, and
    // `--example Y` builds an example as the program users run (under
    // `cargo test --no-run` an example would be built as a test harness).
    let mut args: Vec<String> = vec!["build".into()];
    let mut packages: Vec<&str> = Vec::new();
    let mut selected: Vec<(TargetKind, &str)> = Vec::new();
    for &(package, kind, name) in targets {
        if !packages.contains(&package) {
            packages.push(package);
        }
        // A target run with several argument lists is built once.
        if !selected.contains(&(kind, name)) {
            selected.push((kind, name));
        }
    }
    for p in &packages {
        args.extend(["--package".into(), (*p).to_owned()]);
    }
    args.extend([
        "--target".into(),
        TARGET.into(),
        "--message-format=json-render-diagnostics".into(),
    ]);
    if release {
        args.push("--release".into());
    }
    for (kind, name) in &selected {
        args.push(format!("--{}", kind.as_str()));
        args.push((*name).to_owned());
    }
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(f) if !f.trim().is_empty() => format!("{f} {GUEST_RUSTFLAGS}"),
        _ => GUEST_RUSTFLAGS.to_owned(),
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
        // The initramfs takes the programs stripped of debug info: building
        // it (and linking it, statically) is time spent for nothing.
        .env(profile_debug_var(release), "0")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(spawn(&cargo))?;
    if !out.status.success() {
        return Err(GuestError::CargoFailed);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut found = Vec::new();
    for line in stdout.lines() {
        // Cargo's messages, one JSON object a line; only the artifacts
        // with an executable of a selected target are of interest.
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(exe), Some(name), Some(kind), Some(manifest)) = (
            msg["executable"].as_str(),
            msg["target"]["name"].as_str(),
            msg["target"]["kind"][0].as_str(),
            msg["manifest_path"].as_str(),
        ) else {
            continue;
        };
        let Some(package) = ws.manifests.get(Path::new(manifest)) else {
            continue;
        };
        let wanted = targets
            .iter()
            .any(|&(p, k, n)| p == package && k.as_str() == kind && n == name);
        if wanted {
            found.push((
                package.clone(),
                kind.to_owned(),
                name.to_owned(),
                PathBuf::from(exe),
            ));
        }
    }
    Ok(found)
}

/// The environment variable that sets the debug info of the profile cargo
/// builds with (`--release` or not).
fn profile_debug_var(release: bool) -> &'static str {
    if release {
        "CARGO_PROFILE_RELEASE_DEBUG"
    } else {
        "CARGO_PROFILE_DEV_DEBUG"
    }
}
