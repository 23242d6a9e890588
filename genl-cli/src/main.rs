//! `genl`: see `genl --help` and the `genl_cli` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Output piped into a reader that stops early (`genl ctrl list | head`)
    // ends the process quietly, as it does for the C tools, instead of a
    // panic in `println!` on EPIPE.
    // SAFETY: restoring the default disposition of one signal, before any
    // thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = genl_cli::cli::Cli::parse();
    use genl_cli::cli::Command;
    let what = match &cli.command {
        Command::New { .. } => "new",
        Command::Sync => "sync",
        Command::Config => "config",
        Command::Generate { .. } => "generate",
        Command::Ctrl(_) => "ctrl",
        Command::Vm(_) => "vm",
        Command::Check { .. } => "check",
        Command::Ynl(_) => "ynl",
        Command::Trace(_) => "trace",
        Command::Import { .. } => "import",
        Command::Fuzz(_) => "fuzz",
        Command::FuzzGuest(_) => "fuzz-guest",
    };
    // Kernel warnings on requests that succeeded (extended-ACK messages
    // with code 0) go to standard error, as cli.py prints them.
    let _ = log::set_logger(Box::leak(Box::new(Warnings(what))));
    log::set_max_level(log::LevelFilter::Warn);
    match genl_cli::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genl {what}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the `genl_core` library's warnings (`genl ynl: netlink warning:
/// …`) on standard error.
struct Warnings(&'static str);

impl log::Log for Warnings {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn && m.target().starts_with("genl_core")
    }

    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("genl {}: {}", self.0, r.args());
        }
    }

    fn flush(&self) {}
}
