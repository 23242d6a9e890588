//! `genl check --compat REF` on a copy of the workspace's own project
//! (genl.toml, `src/demo.rs`, `kmod-c/genl_demo.yaml`) in a git repository
//! of its own: nothing changed passes; a deliberate renumbering of an
//! attribute (in the Rust schema and its generated spec, as `genl generate`
//! would write it) exits 1 naming the rule, the spec path and the Rust line;
//! `genl.toml` can allow it with a reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
        .args(args)
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?}");
}

fn genl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genl"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A git repository holding the project's files, committed once.
fn project(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genl-compat-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in [
        "genl.toml",
        "src/demo.rs",
        "kmod-c/genl_demo.yaml",
        "kmod-c/include/uapi/linux/genl_demo.h",
    ] {
        let to = dir.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join(f), &to).unwrap();
    }
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "v1"]);
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let t = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        t.matches(from).count(),
        1,
        "{from:?} once in {}",
        path.display()
    );
    std::fs::write(path, t.replace(from, to)).unwrap();
}

#[test]
fn an_unchanged_family_passes() {
    let dir = project("same");
    let o = genl(&dir, &["check", "--compat", "HEAD"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 findings, 0 breaking"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_renumbered_attribute_fails_naming_the_rule_and_the_rust_line() {
    let dir = project("renumber");
    // KvMeta.port: id 2 → 5, in the schema and in the spec genl generates
    // from it (an explicit `value:`).
    edit(
        &dir.join("src/demo.rs"),
        "#[nla(id = 2, be)]",
        "#[nla(id = 5, be)]",
    );
    edit(
        &dir.join("kmod-c/genl_demo.yaml"),
        "        name: port\n",
        "        name: port\n        value: 5\n",
    );
    edit(
        &dir.join("kmod-c/include/uapi/linux/genl_demo.h"),
        "\tGENL_DEMO_A_META_PORT,\n",
        "\tGENL_DEMO_A_META_PORT = 5,\n",
    );
    let o = genl(&dir, &["check", "--compat", "HEAD"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("ATTR_RENUMBERED"))
        .unwrap_or_else(|| panic!("no ATTR_RENUMBERED in {out}"));
    assert!(line.contains("BREAKING"), "{line}");
    assert!(line.contains("meta/port"), "{line}");
    // And the kernel's check-uapi.sh comparison of the headers, apart.
    assert!(
        out.contains(
            "uapi ABI (abidiff, as check-uapi.sh): kmod-c/include/uapi/linux/genl_demo.h: BREAKING"
        ),
        "{out}"
    );
    // The Rust line it names is the field's.
    let at = line
        .split("(src/demo.rs:")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no src/demo.rs line in {line}"));
    let src = std::fs::read_to_string(dir.join("src/demo.rs")).unwrap();
    let named = src.lines().nth(at - 1).unwrap();
    assert!(named.contains("pub port"), "line {at} is {named:?}");

    // The same as JSON.
    let o = genl(&dir, &["check", "--compat", "HEAD", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "ATTR_RENUMBERED"),
        "{v}"
    );

    // Allowed with a reason: passes, and says so.
    let toml = dir.join("genl.toml");
    let mut t = std::fs::read_to_string(&toml).unwrap();
    t.push_str(
        "\n[[check.compat-allow]]\nrule = \"ATTR_RENUMBERED\"\nat = \"port\"\n\
         reason = \"port moved in 2.0\"\n\
         \n[[check.compat-allow]]\nrule = \"UAPI_ABI_CHANGED\"\n\
         reason = \"the same move, in the header\"\n",
    );
    std::fs::write(&toml, t).unwrap();
    let o = genl(&dir, &["check", "--compat", "HEAD"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("allowed (port moved in 2.0)"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_ref_says_so() {
    let dir = project("badref");
    let o = genl(&dir, &["check", "--compat", "no-such-ref"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no-such-ref"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_rules_are_listed() {
    let o = genl(&root(), &["check", "--compat-rules"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for id in genl_ynl::compat::RULES.iter().map(|r| r.id) {
        assert!(out.contains(id), "{id} not listed");
    }
    assert!(out.contains("ATTR_RENUMBERED"));
}
