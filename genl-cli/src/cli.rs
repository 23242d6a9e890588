//! The command line of `genl` (clap). [`run`] carries out a parsed
//! [`Cli`]; [`run_args`] parses and runs, for other front ends (the genl
//! repository's `cargo xtask`).

mod error;

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::check;
pub use crate::ctrl::CtrlCommand;
use crate::project::Project;
use crate::vm::{self, Overrides, Plan};
pub use error::CliError;

/// Build a Generic Netlink family from one Rust schema: scaffold a project,
/// generate the kernel side, check it with the kernel's tools, and test the
/// module in Debian's kernels under QEMU.
///
/// Start with `genl new NAME`. The other commands work on a project: the
/// nearest directory upwards with a genl.toml (`genl config` prints its
/// format), or the one named by --project. In a project `genl new` made,
/// each of them first restores what a fresh clone lacks (see `genl sync`).
/// Downloads (Debian kernels, linux-source-6.12) and the genl crates
/// projects build with are cached per user in $GENL_CACHE_DIR, else
/// $XDG_CACHE_HOME/genl, else ~/.cache/genl; build products go to
/// PROJECT/target/genl-vm/.
#[derive(Debug, Parser)]
#[command(name = "genl", version, propagate_version = true)]
pub struct Cli {
    /// The project directory (holding genl.toml) [default: the nearest one
    /// upwards from the current directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project for family NAME that builds and passes as
    /// generated: the schema crate, the kernel module (kmod/), a typed
    /// client with a selftest, genl.toml and a README.
    New {
        /// The family's name: 1 to 15 lower-case letters, digits and `_`.
        name: String,
        /// Where to create the project [default: ./NAME].
        dir: Option<PathBuf>,
    },
    /// Make the project build on this machine: run it once after a clone,
    /// before cargo.
    ///
    /// Writes the genl crates this tool carries to the per-user cache if
    /// they are missing, and points the project's .genl/crates (per machine,
    /// never committed) at them: .cargo/config.toml patches the genl crates
    /// to that link. Every other project command does it too.
    Sync,
    /// Print the format of genl.toml: a commented example with every section
    /// and key (`genl config > genl.toml` starts one).
    Config,
    /// Render the family's uapi header, kernel policy/ops files and YNL spec
    /// from its Rust schema into the `dir` of genl.toml's `[generate]` section.
    ///
    /// Next to the YNL spec `<name>.yaml` goes `<name>.lua`, a Wireshark
    /// dissector of the family rendered from it: `tshark -X
    /// lua_script:<name>.lua -r FILE.pcap` (or Wireshark's personal Lua
    /// plugins folder) decodes the family's messages in a capture that also
    /// holds its nlctrl resolution (a GENL_PCAP recording does), fields
    /// `genl_<name>.<set>.<attr>`.
    Generate {
        /// Only compare: fail (exit 1) when a file is missing or stale.
        #[arg(long)]
        check: bool,
    },
    /// Talk to the running kernel's controller (nlctrl), like iproute2's
    /// `genl ctrl`.
    #[command(subcommand)]
    Ctrl(CtrlCommand),
    /// Boot Debian's kernels under QEMU with the project's module and run
    /// its guest programs inside.
    #[command(subcommand)]
    Vm(VmCommand),
    /// Check the module with the kernel's own tools: checkpatch.pl --strict
    /// over its C files, the family's YNL spec against the kernel's schema,
    /// ynl-gen-c's uapi header against ours, constant by constant, and its
    /// kernel policies, ops and declarations against ours, by meaning
    /// (genl's differences by design are printed with their reasons; others
    /// fail unless genl.toml's `[check] allow` allows them).
    Check {
        /// Keep the temporary genl-ynl-* directories (ynl-gen-c's copy of
        /// the spec and its outputs) and print where; by default they are
        /// removed, whatever the outcome.
        #[arg(long)]
        keep_work: bool,
        /// Instead of the kernel tools' checks: compare the family as
        /// declared at git ref REF (its committed YNL spec; or a saved
        /// spec, REF being a .yaml file) with the working tree, rule by
        /// rule (`--compat-rules`), and fail on a breaking change that
        /// genl.toml does not allow (`[check] compat-allow`).
        #[arg(long, value_name = "REF")]
        compat: Option<String>,
        /// With --compat: print the findings as one JSON array.
        #[arg(long, requires = "compat")]
        json: bool,
        /// List the compatibility rules (id, category, impact, what each
        /// means) and exit.
        #[arg(long, conflicts_with = "compat")]
        compat_rules: bool,
    },
    /// Talk to any netlink family from its YNL spec, read at run time, as
    /// the kernel's tools/net/ynl/cli.py does (same arguments, same JSON
    /// output), without Python.
    Ynl(crate::ynl::YnlArgs),
    /// Watch netlink traffic live (through an nlmon device) or decode a
    /// capture (--read), one line per message: direction, port, type,
    /// flags, sequence number; for generic netlink the family and command
    /// (named from nlctrl and --spec YNL specs, which also decode the
    /// attributes as `genl ynl` prints them); errors with their errno and
    /// extended ACK.
    ///
    /// Live, it creates an nlmon device in the namespace asked for (root:
    /// CAP_NET_ADMIN and CAP_NET_RAW; a kernel with nlmon), and removes it
    /// on exit. Record a capture with `genl trace --write FILE.pcap`, GENL_PCAP=FILE.pcap (any program using genl,
    /// `genl` itself included), `Socket::record` in a program, or
    /// `tcpdump -i nlmon0 -w FILE.pcap` on an nlmon device; the files are
    /// the same format (pcap, LINKTYPE_NETLINK), which Wireshark and tshark
    /// read too; for the attributes in Wireshark, load the dissector
    /// `genl import SPEC --wireshark FILE.lua` or `genl generate` writes.
    Trace(crate::trace::TraceArgs),
    /// Fuzz the family's kernel module in the debug kernel: requests
    /// generated from its YNL spec and mutated at the policy's edges, kept
    /// when they reach new module code (KCOV); KASAN, UBSAN, lockdep, WARN
    /// and kmemleak reports are findings, each shrunk to a reproducer with
    /// a transcript.
    Fuzz(crate::fuzz::host::FuzzArgs),
    /// The fuzzer's guest side, started by `genl fuzz` inside the VM.
    #[command(hide = true)]
    FuzzGuest(crate::fuzz::guest::GuestOptions),
    /// Generate typed Rust bindings (the genl derives) for a family the
    /// kernel already has, from its YNL spec (Documentation/netlink/specs):
    /// attribute sets, enums, fixed headers, the command enum (generic
    /// netlink) or typed classic operations (netlink-raw).
    Import {
        /// The YNL spec.
        spec: PathBuf,
        /// Write the bindings here [default: standard output].
        #[arg(short, long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Import only these operations (comma-separated YNL names) and the
        /// attribute sets they reach.
        #[arg(long, value_name = "OPS", value_delimiter = ',')]
        ops: Option<Vec<String>>,
        /// Also import the spec's checks (min/max, lengths) and per-operation
        /// subsets, enforced on both sides.
        #[arg(long)]
        exact: bool,
        /// Check the spec's numbers against the uapi headers under DIR
        /// (e.g. /usr/include, or a kernel tree's include/uapi) and take
        /// the headers' values where they disagree, each noted in the
        /// binding's docs and on stderr [default: the kernel tree the spec
        /// is in, else /usr/include].
        #[arg(long, value_name = "DIR", conflicts_with = "no_uapi")]
        uapi: Option<PathBuf>,
        /// Number everything as the spec says, without the headers.
        #[arg(long)]
        no_uapi: bool,
        /// Write a Wireshark dissector (Lua) of the family to FILE (the
        /// Rust bindings are then written only if `--out` is given too).
        /// Load it with
        /// `tshark -X lua_script:FILE` (or copy it into the personal Lua
        /// plugins folder); it registers in Wireshark's `genl.family` table
        /// and decodes every attribute by the spec (fields
        /// `genl_<family>.<set>.<attr>`).
        #[arg(long, value_name = "FILE")]
        wireshark: Option<PathBuf>,
    },
}

/// `genl vm ...`.
#[derive(Debug, Subcommand)]
pub enum VmCommand {
    /// Install the host tools (qemu, busybox-static, kmod, pahole, ...) and
    /// download + unpack Debian's kernels into the cache (never installed).
    #[command(after_help = vm::ENV_HELP)]
    Fetch(VmOpts),
    /// Fetch, then build the module dir against each kernel.
    #[command(after_help = vm::ENV_HELP)]
    Build(VmOpts),
    /// Build, then boot each kernel with the module and the guest programs;
    /// PASS/FAIL per kernel, non-zero exit on any failure.
    #[command(after_help = vm::ENV_HELP)]
    Test(VmOpts),
    /// Build, then boot the first kernel into an interactive busybox shell
    /// (modules loaded, guest programs in /tests; `exit` leaves).
    #[command(after_help = vm::ENV_HELP)]
    Shell(VmOpts),
    /// List the kernel series, what each resolves to and what is cached.
    ///
    /// For each series: the release it resolves to now, its Debian suite,
    /// whether it is booted by default or only when asked for, whether it is
    /// in the cache and its size there, the compiler that built it and what
    /// builds modules for it (the host's gcc, or a cached root of its suite
    /// made with mmdebstrap when the kernel's gcc is newer than the host's).
    /// Reads the cache only: no network, nothing downloaded.
    #[command(after_help = vm::KERNELS_HELP)]
    Kernels,
}

impl VmCommand {
    /// Parses `args` as `genl vm`'s (`test --kernels 6.12`, ...), usage
    /// naming `bin_name`: `None` when they asked for help, which is
    /// printed; a usage error is a [`CliError::Usage`].
    pub fn parse_args(
        bin_name: &str,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Option<VmCommand>, CliError> {
        let vm = Cli::command()
            .find_subcommand("vm")
            .expect("genl has a vm command")
            .clone()
            .bin_name(bin_name.to_owned());
        let matches = vm.try_get_matches_from(std::iter::once(bin_name.to_owned()).chain(args));
        match matches.and_then(|m| VmCommand::from_arg_matches(&m)) {
            Ok(cmd) => Ok(Some(cmd)),
            Err(e) if !e.use_stderr() => {
                print!("{}", e.render());
                Ok(None)
            }
            Err(e) => Err(CliError::Usage(e)),
        }
    }
}

/// The options of every `genl vm` subcommand.
#[derive(Debug, Default, Args)]
pub struct VmOpts {
    /// Kernels to boot, comma-separated or repeated: 5.10 (Debian
    /// bullseye's cloud kernel), 6.1 and 6.12 (bookworm's), newest (the newest
    /// cloud kernel of trixie-backports, found at run time; modules built in
    /// a trixie root), 6.12-debug (Linux 6.12 with KASAN, kmemleak, lockdep,
    /// UBSAN, fault injection and KCOV, built once into the cache, ≈ 5 min); see
    /// `genl vm kernels` [env: GENL_VM_KERNELS; default: genl.toml's [vm]
    /// kernels, else 5.10,6.1,6.12,newest].
    #[arg(long, alias = "kernel", value_name = "LIST", value_delimiter = ',')]
    pub kernels: Vec<String>,
    /// Run this prebuilt static program (or #!/bin/sh script) with these
    /// arguments in the guest instead of genl.toml's [[vm.guest]] programs;
    /// repeatable [env: GENL_VM_GUEST_BINS, `;`-separated].
    #[arg(long = "guest-bin", value_name = "'PATH ARGS'")]
    pub guest_bins: Vec<String>,
    /// The module's Kbuild directory [env: GENL_VM_MODULE_DIR; default:
    /// genl.toml's [vm] module-dir].
    #[arg(long, value_name = "DIR")]
    pub module_dir: Option<PathBuf>,
    /// Seconds one boot may take [env: GENL_VM_TIMEOUT; default: genl.toml's
    /// [vm] timeout, else 300].
    #[arg(long, value_name = "S")]
    pub timeout: Option<u64>,
    /// Stream the guest console [env: GENL_VM_VERBOSE=1].
    #[arg(short, long)]
    pub verbose: bool,
    /// Also build the module dir as committed at git revision REF (a tag,
    /// branch or commit) and put its modules in the guest, not loaded, in
    /// $GENL_VM_MODULE_REV_DIR (/lib/genl-vm-rev; the commit in
    /// $GENL_VM_MODULE_REV): guest programs `rmmod` the working tree's and
    /// `insmod` these to test an old module with a new client, or the other
    /// way round [env: GENL_VM_MODULE_REV].
    #[arg(long, value_name = "REF")]
    pub module_rev: Option<String>,
}

impl VmOpts {
    /// The overrides these options make, paths made absolute against `cwd`.
    pub fn overrides(&self, cwd: &Path) -> Overrides {
        let guest_bins = self
            .guest_bins
            .iter()
            .map(|spec| {
                let spec = spec.trim();
                let (path, args) = spec.split_once(char::is_whitespace).unwrap_or((spec, ""));
                let path = cwd.join(path);
                format!("{} {args}", path.display()).trim_end().to_owned()
            })
            .collect::<Vec<_>>();
        Overrides {
            kernels: (!self.kernels.is_empty()).then(|| self.kernels.clone()),
            module_dir: self.module_dir.as_ref().map(|d| cwd.join(d)),
            guest_bins: (!guest_bins.is_empty()).then_some(guest_bins),
            timeout: self.timeout,
            verbose: self.verbose,
            module_rev: self.module_rev.clone(),
        }
    }
}

/// The project at `dir` (else the one the current directory is in), with
/// what it needs from this tool restored first (a fresh clone has no
/// `.genl/`), handing `note` each line saying what was restored (`genl`
/// prints them as `genl: LINE`): what every project command of `genl`
/// starts with.
pub fn open_project(dir: Option<&Path>, note: &mut dyn FnMut(&str)) -> Result<Project, CliError> {
    let p = Project::locate(dir)?;
    if let Some(done) = crate::vendor::restore(&p.root)? {
        for l in done.report(&p.root) {
            note(&l);
        }
    }
    Ok(p)
}

/// How `genl` prints [`open_project`]'s notes.
fn print_restored(l: &str) {
    println!("genl: {l}");
}

/// Carries out `cli`.
pub fn run(cli: Cli) -> Result<(), CliError> {
    // A project command first restores what the project needs from this
    // tool (a fresh clone has no .genl/).
    let project = || open_project(cli.project.as_deref(), &mut print_restored);
    match cli.command {
        Command::New { name, dir } => {
            let created = crate::scaffold::create(&name, dir.as_deref())?;
            print!("{created}");
            created.generate(&mut |d| print!("{d}"))?;
            print!("{}", created.next_steps());
            Ok(())
        }
        Command::Sync => sync(cli.project.as_deref()),
        Command::Config => {
            print!("{}", crate::project::EXAMPLE);
            Ok(())
        }
        Command::Generate { check } => Ok(crate::generate::run(&project()?, check, &mut |d| {
            print!("{d}")
        })?),
        Command::Ctrl(cmd) => Ok(crate::ctrl::run(cmd, &mut |t| print!("{t}"))?),
        Command::Vm(cmd) => vm_command(cli.project.as_deref(), cmd),
        Command::Check {
            compat_rules: true, ..
        } => {
            for r in genl_ynl::compat::RULES {
                println!(
                    "{:<28} {:<10} {:<11} {}",
                    r.id,
                    format!("{:?}", r.category).to_lowercase(),
                    format!("{:?}", r.impact).to_lowercase(),
                    r.doc
                );
            }
            Ok(())
        }
        Command::Check {
            compat: Some(reference),
            json,
            ..
        } => Ok(check::compat::run(
            &project()?,
            &reference,
            json,
            &mut |l| println!("{l}"),
            &mut |l| {
                if json {
                    eprintln!("{l}")
                } else {
                    println!("{l}")
                }
            },
        )?),
        Command::Check { keep_work, .. } => Ok(check::run(&project()?, keep_work, &mut |l| {
            println!("{l}")
        })?),
        Command::Ynl(args) => Ok(crate::ynl::run(args)?),
        Command::Trace(args) => Ok(crate::trace::run(
            args,
            &mut std::io::stdout().lock(),
            &mut |l| eprintln!("genl trace: {l}"),
        )?),
        Command::Fuzz(args) => {
            let r = crate::fuzz::host::run(&project()?, &args, &mut |l| println!("{l}"))?;
            print!("{r}");
            if r.failed() {
                Err(CliError::FuzzFindings {
                    findings: r.runs.iter().map(|x| x.findings.len()).sum(),
                    errors: r.runs.iter().map(|x| x.errors.len()).sum(),
                })
            } else {
                Ok(())
            }
        }
        Command::FuzzGuest(o) => Ok(crate::fuzz::guest::run(&o)?),
        Command::Import {
            spec,
            out,
            ops,
            exact,
            uapi,
            no_uapi,
            wireshark,
        } => {
            let (text, check) = genl_ynl::uapi::read_corrected(&spec, uapi.as_deref(), !no_uapi)
                .map_err(CliError::ImportSpec)?;
            if let Some((dir, check)) = check {
                for d in &check.disagreements {
                    eprintln!("genl import: {}: {d}", spec.display());
                }
                eprintln!(
                    "genl import: {}: {} (in {})",
                    spec.display(),
                    check.summary(),
                    dir.display()
                );
            }
            if let Some(lua_path) = &wireshark {
                let lua =
                    genl_ynl::wireshark::dissector(&text).map_err(|error| CliError::Wireshark {
                        spec: spec.clone(),
                        error,
                    })?;
                std::fs::write(lua_path, lua).map_err(|error| CliError::Write {
                    path: lua_path.clone(),
                    error,
                })?;
                if out.is_none() {
                    return Ok(());
                }
            }
            let opts = genl_ynl::ImportOptions { ops, exact };
            let rust = genl_ynl::import(&text, &opts).map_err(|error| CliError::Import {
                spec: spec.clone(),
                error,
            })?;
            match out {
                Some(path) => std::fs::write(&path, rust).map_err(|error| CliError::Write {
                    path: path.clone(),
                    error,
                }),
                None => {
                    use std::io::Write as _;
                    std::io::stdout()
                        .write_all(rust.as_bytes())
                        .map_err(CliError::Stdout)
                }
            }
        }
    }
}

/// `genl [--project DIR] vm CMD`: [`vm::list_kernels`], or the step
/// `cmd` names ([`vm::fetch`], [`vm::build`], [`vm::test`] and its summary,
/// [`vm::shell`]) with the plan of the project at `project` and the
/// options' and environment's overrides.
pub fn vm_command(project: Option<&Path>, cmd: VmCommand) -> Result<(), CliError> {
    let opts = match &cmd {
        // No project needed: it reads the cache only.
        VmCommand::Kernels => {
            print!("{}", vm::list_kernels(&crate::cache::cache_dir()?));
            return Ok(());
        }
        VmCommand::Fetch(opts)
        | VmCommand::Build(opts)
        | VmCommand::Test(opts)
        | VmCommand::Shell(opts) => opts,
    };
    let cwd = std::env::current_dir().map_err(CliError::CurrentDir)?;
    let o = opts.overrides(&cwd).or(Overrides::from_env()?);
    let plan = Plan::new(&open_project(project, &mut print_restored)?, &o)?;
    match cmd {
        VmCommand::Fetch(_) => Ok(vm::fetch(&plan).map(|_| ())?),
        VmCommand::Build(_) => Ok(vm::build(&plan)?),
        VmCommand::Test(_) => {
            let report = vm::test(&plan)?;
            print!("{report}");
            Ok(report.verdict()?)
        }
        VmCommand::Shell(_) => Ok(vm::shell(&plan)?),
        VmCommand::Kernels => Ok(()),
    }
}

/// `genl sync`: [`crate::vendor::restore`], saying what it did.
fn sync(project: Option<&Path>) -> Result<(), CliError> {
    let p = Project::locate(project)?;
    match crate::vendor::restore(&p.root)? {
        Some(done) => {
            let lines = done.report(&p.root);
            for l in &lines {
                println!("sync: {l}");
            }
            if lines.is_empty() {
                println!(
                    "sync: up to date ({} links to {})",
                    crate::vendor::link(&p.root).display(),
                    done.crates.display()
                );
            }
        }
        None => println!(
            "sync: {} does not build against the genl tool's crates (its \
             .cargo/config.toml has no genl block): nothing to do",
            p.root.display()
        ),
    }
    Ok(())
}

/// Parses `args` (without the program name) as `genl`'s command line,
/// shown as `bin_name` in help and errors, and runs it. `--help` prints the
/// help and returns `Ok`; a usage error is a [`CliError::Usage`] (its
/// `Display` is clap's message).
pub fn run_args(bin_name: &str, args: impl IntoIterator<Item = String>) -> Result<(), CliError> {
    let bin = bin_name.to_owned();
    let matches = Cli::command()
        .bin_name(bin.clone())
        .try_get_matches_from(std::iter::once(bin).chain(args));
    let cli = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            print!("{}", e.render());
            return Ok(());
        }
        Err(e) => return Err(CliError::Usage(e)),
    };
    run(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn vm_options_parse_and_override() {
        let cli = Cli::try_parse_from([
            "genl",
            "vm",
            "test",
            "--kernels",
            "6.1,6.12",
            "--kernel",
            "6.12",
            "--guest-bin",
            "bin/x a b",
            "--timeout",
            "60",
            "-v",
            "--project",
            "/p",
        ])
        .unwrap();
        assert_eq!(cli.project, Some(PathBuf::from("/p")));
        let Command::Vm(VmCommand::Test(opts)) = cli.command else {
            panic!("not vm test");
        };
        assert_eq!(opts.kernels, ["6.1", "6.12", "6.12"]);
        let o = opts.overrides(Path::new("/cwd"));
        assert_eq!(o.guest_bins.unwrap(), ["/cwd/bin/x a b"]);
        assert_eq!(o.timeout, Some(60));
        assert!(o.verbose);
        let env = Overrides::from_vars(|k| match k {
            "GENL_VM_TIMEOUT" => Some("5".into()),
            "GENL_VM_KERNELS" => Some("6.1".into()),
            "GENL_VM_GUEST_BINS" => Some("a x; b y;".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(env.guest_bins.as_deref().unwrap(), ["a x", "b y"]);
        let merged = VmOpts::default().overrides(Path::new("/")).or(env);
        assert_eq!(merged.timeout, Some(5));
        assert_eq!(merged.kernels.unwrap(), ["6.1"]);
        assert!(
            Overrides::from_vars(|k| (k == "GENL_VM_TIMEOUT").then(|| "soon".into()))
                .unwrap_err()
                .to_string()
                .contains("GENL_VM_TIMEOUT")
        );
    }

    /// Every command's `--help`, as the installed tool prints it.
    fn all_help(cmd: &mut clap::Command, out: &mut Vec<(String, String)>) {
        let name = cmd.get_name().to_owned();
        out.push((name.clone(), cmd.render_long_help().to_string()));
        for sub in cmd.get_subcommands_mut() {
            let mut inner = Vec::new();
            all_help(sub, &mut inner);
            out.extend(inner.into_iter().map(|(n, h)| (format!("{name} {n}"), h)));
        }
    }

    #[test]
    fn help_names_only_what_an_installed_tool_has() {
        let mut helps = Vec::new();
        all_help(&mut Cli::command(), &mut helps);
        assert!(helps.iter().any(|(n, _)| n == "genl vm test"), "walked");
        for (name, help) in &helps {
            // Files of a genl checkout are not on a user's machine.
            for checkout_only in ["genl-cli/", "genl.example.toml", "xtask"] {
                assert!(
                    !help.contains(checkout_only),
                    "`{name} --help` names {checkout_only}:\n{help}"
                );
            }
        }
        let top = &helps[0].1;
        assert!(
            top.contains("`genl config`") && top.contains("`genl sync`"),
            "{top}"
        );
    }

    #[test]
    fn the_kernels_option_names_every_series() {
        let mut helps = Vec::new();
        all_help(&mut Cli::command(), &mut helps);
        for vm in ["fetch", "build", "test", "shell"] {
            let (_, help) = helps
                .iter()
                .find(|(n, _)| *n == format!("genl vm {vm}"))
                .unwrap();
            for s in vm::SERIES {
                assert!(
                    help.contains(s.name),
                    "`genl vm {vm} --help` does not name {}",
                    s.name
                );
            }
        }
    }

    #[test]
    fn unknown_kernels_are_named() {
        let err = vm::series(&["6.1".into(), "4.19".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"4.19\"") && err.contains("newest"), "{err}");
    }
}
