//! The entry point of a *generate driver*: a small program that links a
//! family's crate and renders it. The `genl generate [--check]` tool
//! writes one whose `main` is
//!
//! ```no_run
//! # use genl_core::{AttrSet, Family};
//! # #[derive(AttrSet)] pub struct Ping { #[nla(id = 1)] pub seq: u32 }
//! # #[derive(Clone, Copy, Family)] #[genl(name = "ping_demo")]
//! # pub enum PingCmd { #[genl(cmd = 1, request = Ping, reply = Ping)] Ping }
//! fn main() -> std::process::ExitCode {
//!     genl_codegen::driver::main::<PingCmd>()
//! }
//! ```
//!
//! and runs it with `--out DIR --regenerate-command "genl generate"
//! [--check]`. It does what `cargo xtask codegen [--check]` does in this
//! repository: [`render`], then
//! [`write_or_check`].
//!
//! Exit status: 0 when the files are (now) fresh, 1 when `--check` found a
//! missing or stale file, 2 on a usage, schema or I/O error.

use std::path::PathBuf;
use std::process::ExitCode;

use genl_core::schema::FamilySchema;
use genl_core::Family;

use crate::{render, write_or_check, Options};

const USAGE: &str = "usage: DRIVER --out DIR --regenerate-command CMD [--check]";

/// Renders family `F` as the command line says (see the module docs).
pub fn main<F: Family>() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(F::SCHEMA, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Renders `family` with `args` (`--out DIR --regenerate-command CMD
/// [--check]`), printing one line per file. `Ok(true)`: every file is (now)
/// fresh; `Ok(false)`: `--check` found a missing or stale one.
pub fn run(family: &'static FamilySchema, args: &[String]) -> Result<bool, String> {
    let mut out: Option<PathBuf> = None;
    let mut command: Option<String> = None;
    let mut check = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().map(PathBuf::from),
            "--regenerate-command" => command = it.next().cloned(),
            "--check" => check = true,
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let (Some(out), Some(command)) = (out, command) else {
        return Err(USAGE.to_owned());
    };
    let files = render(family, &Options::new(command)).map_err(|e| e.to_string())?;
    let statuses = write_or_check(&out, &files, check).map_err(|e| e.to_string())?;
    for s in &statuses {
        println!("{}: {s}", family.name);
    }
    Ok(statuses.iter().all(|s| s.is_fresh()))
}
