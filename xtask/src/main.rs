//! Project automation.
//!
//! - `cargo xtask test`: every suite (format, lints, docs, unit, doc,
//!   compile-fail, property, host-kernel, VM), installing missing system
//!   packages first (as root). A suite that cannot run here says so loudly and
//!   fails the run unless `GENL_ALLOW_SKIP=1`.
//! - `cargo xtask codegen [--check]`: regenerates the checked-in C headers
//!   (kmod-c/, and examples/portwatch/kmod/).
//! - `cargo xtask portwatch`: the portwatch project through the `genl` tool.
//! - `cargo xtask vm ...`, `ynl check`, `checkpatch`: the `genl` tool's library
//!   (`genl-cli`) on this repository's `genl.toml`.
//! - `cargo xtask trace-compare SPEC.yaml DISSECTOR.lua CAPTURE.pcap...`:
//!   each capture decoded by tshark with the generated dissector and by
//!   `genl trace --read` with the spec, compared field by field.

mod capture;
mod checkpatch;
mod codegen;
mod compat;
mod fuzz;
mod mixed;
mod module_fuzz;
mod new_user;
mod package;
mod portwatch;
mod probes;
mod trace_check;
mod util;
mod vm;
mod ynl;

use std::process::ExitCode;

use util::{Suite, Summary};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let result = match cmd {
        "test" => test(rest),
        "codegen" => codegen::run(rest),
        "vm" => vm::run(rest),
        "fuzz" => fuzz::run(rest),
        "ynl" => ynl::run(rest),
        "checkpatch" => checkpatch::run(rest),
        "new-user" => new_user::run(rest),
        "portwatch" => portwatch::run(rest),
        "mixed" => mixed::run(),
        "genl-fuzz" => module_fuzz::demo(rest),
        "fuzz-planted" => module_fuzz::planted(rest),
        "trace-compare" => trace_check::cli(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <test|codegen [--check]|vm ...|fuzz [--seconds N]|ynl check|checkpatch|new-user|mixed|genl-fuzz|fuzz-planted|trace-compare ...>\n\
                 \n  test        run every suite (installs what it needs); --no-vm, --only TEXT\
                 \n  codegen     regenerate kmod-c headers from the Rust schema\
                 \n  vm          boot the kernels (Debian's, and the debug one) under QEMU and run the module suites\
                 \n  fuzz        run the cargo-fuzz targets\
                 \n  ynl check   check the YNL spec with the kernel's own tools\
                 \n  checkpatch  checkpatch.pl --strict over kmod-c\
                 \n  new-user    install the genl tool and take a new family from `genl new` to PASS in the VM\
                 \n  portwatch   examples/portwatch: genl generate --check, genl check, genl vm test\
                 \n  mixed       genl_demo v1/v2 client × v1/v2 module in the VM (oldest and newest kernel)\
                 \n  genl-fuzz   `genl fuzz` on genl_demo in the debug kernel (--time S): no finding\
                 \n  fuzz-planted  the planted bugs of xtask/fuzz-planted, each found by `genl fuzz` (--budget S, --baseline: the random fuzzer too)\
                 \n  trace-compare SPEC.yaml DISSECTOR.lua CAPTURE.pcap...\
                 \n              each capture in tshark with the dissector = genl trace --read with the spec"
            );
            return if cmd == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask test [--no-vm] [--only TEXT]`: every suite, in order, with a
/// summary.
fn test(args: &[String]) -> Result<(), String> {
    let skip_vm = args.iter().any(|a| a == "--no-vm");
    let allow_skip = std::env::var("GENL_ALLOW_SKIP").is_ok_and(|v| v == "1");
    let mut summary = Summary::default();
    // `--only TEXT`: only the suites whose name contains TEXT (for working
    // on one suite; CI runs them all).
    if let Some(i) = args.iter().position(|a| a == "--only") {
        let only = args
            .get(i + 1)
            .ok_or("--only takes a suite name (or part of it)")?;
        summary.only = Some(only.clone());
    }

    util::ensure_host_packages()?;

    summary.run(Suite::cmd(
        "format",
        "cargo",
        &["fmt", "--all", "--", "--check"],
    ));
    summary.run(Suite::cmd(
        "clippy",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    ));
    summary.run(
        Suite::cmd("docs", "cargo", &["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    );
    summary.run(Suite::cmd(
        "codegen is fresh",
        "cargo",
        &["xtask", "codegen", "--check"],
    ));
    // Unit, doc, compile-fail (trybuild), property (proptest) and host-kernel
    // suites: all are cargo tests of the workspace. A test that cannot run
    // here fails, or (GENL_ALLOW_SKIP=1) logs itself to GENL_SKIP_LOG: each
    // becomes a SKIPPED row below.
    let skip_log = util::workspace_root().join("target/genl-test-skips.txt");
    let _ = std::fs::remove_file(&skip_log);
    summary.run(
        Suite::cmd(
            "cargo test (unit, doc, compile-fail, property, host-kernel)",
            "cargo",
            &["test", "--workspace", "--no-fail-fast"],
        )
        .env("GENL_SKIP_LOG", &skip_log.display().to_string()),
    );
    if summary.selected("cargo test") {
        summary.skipped_from_log("cargo test", &skip_log);
    }
    if util::is_root() {
        summary.note("host-kernel suites ran as root (network namespaces available)");
    } else if summary.selected("cargo test") {
        summary.skipped(
            "host-kernel suites needing root (netns, devices)",
            "not root: they reported themselves skipped",
        );
    }
    // The library crates and the tool as they would be published (see
    // `package.rs`).
    summary.run_fn(
        "cargo package (genl-rules, genl-derive, genl-core, genl-codegen, genl-ynl, genl-cli)",
        package::run,
    );
    summary.run(Suite::cmd(
        "benchmarks (--quick)",
        "cargo",
        &["run", "--release", "-p", "genl-bench", "--", "--quick"],
    ));
    summary.run_fn("fuzzing (cargo-fuzz, 10 s per target)", || {
        fuzz::run(&["--seconds".into(), "10".into()])
    });
    summary.run_fn("YNL interop (kernel schema, ynl-gen-c)", || {
        ynl::run(&["check".into()])
    });
    if util::is_root() {
        summary.run_fn(
            "YNL: kernel cli.py vs genl ynl, equal JSON (host kernel, netns)",
            || ynl::run(&["compare".into()]),
        );
    } else {
        summary.skipped(
            "YNL: kernel cli.py vs genl ynl",
            "not root: needs a network namespace with a veth pair",
        );
    }
    summary.run_fn("checkpatch --strict (kmod-c)", || checkpatch::run(&[]));
    // Schema evolution: genl_demo and portwatch against their previous
    // commit (a breaking change needs a `[[check.compat-allow]]`).
    summary.run_fn(
        "genl check --compat HEAD~1 (genl_demo, portwatch)",
        compat::run,
    );
    // The gallery family (examples/portwatch) as a genl project.
    summary.run_fn("portwatch: genl generate --check", || {
        portwatch::step("generate-check")
    });
    summary.run_fn("portwatch: genl check", || portwatch::step("check"));
    if skip_vm {
        summary.skipped("VM suites", "--no-vm given");
        summary.skipped(
            "genl trace: the VM's nlmon capture in tshark",
            "--no-vm given",
        );
        summary.skipped(
            "portwatch: genl vm test (5.10, 6.1, 6.12, newest, 6.12-debug)",
            "--no-vm given",
        );
        summary.skipped(
            "a new user's family (genl new → genl vm test)",
            "--no-vm given",
        );
        summary.skipped("mixed versions (genl_demo v1/v2)", "--no-vm given");
        summary.skipped("genl fuzz (genl_demo; the planted bugs)", "--no-vm given");
        summary.skipped("kernel feature probes = table", "--no-vm given");
    } else {
        summary.run_fn(
            "VM suites (Debian 5.10, 6.1, 6.12, newest and 6.12-debug under QEMU; vm_fuzz on 5.10, newest, 6.12-debug only)",
            || vm::run(&["test".into()]),
        );
        summary.run_fn(
            "kernel feature probes of each kmod-c build = the table read from its headers",
            probes::run,
        );
        summary.run_fn(
            "genl trace: the VM's nlmon capture of genl_demo in tshark (kmod-c/genl_demo.lua) = genl trace --read",
            trace_check::run,
        );
        summary.run_fn(
            "portwatch: genl vm test (5.10, 6.1, 6.12, newest, 6.12-debug)",
            || portwatch::step("vm-test"),
        );
        // After the VM suites: the kernels are in the per-user cache.
        summary.run_fn(
            "a new user's family, outside the repo (genl new → generate --check → check; git clone → genl sync → cargo build → vm test)",
            || new_user::run(&[]),
        );
        summary.run_fn(
            "mixed versions: genl_demo v1/v2 client × v1/v2 module (oldest and newest kernel)",
            mixed::run,
        );
        summary.run_fn(
            "genl fuzz: genl_demo for 60 s in the debug kernel (KCOV): coverage, no finding",
            || module_fuzz::demo(&["--time".into(), "60".into()]),
        );
        summary.run_fn(
            "genl fuzz: the 6 planted bugs (xtask/fuzz-planted), each found within 180 s of fuzzing, 2 bugs at a time",
            // The random fuzzer's baseline (`--baseline`, 6 × 120 s more) is
            // a measurement for the guide, not a check: run by hand. 180 s:
            // the slowest finds measured so far took 99 s (bug 2, a leak
            // kmemleak reports at its second scan after it) and 115 s (bug
            // 3 on a loaded machine); a found bug ends its run at once, so
            // the margin costs nothing unless a bug is missed.
            || module_fuzz::planted(&["--budget".into(), "180".into()]),
        );
    }
    summary.finish(allow_skip)
}
