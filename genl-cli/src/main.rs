//! `genl`: see `genl --help` and the `genl_cli` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = genl_cli::cli::Cli::parse();
    use genl_cli::cli::Command;
    let what = match &cli.command {
        Command::New { .. } => "new",
        Command::Generate { .. } => "generate",
        Command::Ctrl(_) => "ctrl",
        Command::Vm(_) => "vm",
        Command::Check => "check",
        Command::Ynl(_) => "ynl",
    };
    match genl_cli::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genl {what}: {e}");
            ExitCode::FAILURE
        }
    }
}
