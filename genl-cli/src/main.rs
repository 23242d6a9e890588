//! `genl`: see `genl --help` and the `genl_cli` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = genl_cli::cli::Cli::parse();
    let what = match &cli.command {
        genl_cli::cli::Command::Vm(_) => "vm",
        genl_cli::cli::Command::Check => "check",
    };
    match genl_cli::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genl {what}: {e}");
            ExitCode::FAILURE
        }
    }
}
