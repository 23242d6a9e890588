//! `genl-ynl import SPEC.yaml [-o OUT.rs] [--ops name,...] [--exact]`: turns
//! a kernel YNL spec into Rust declarations using the genl derives
//! (`--exact`: with the spec's checks and per-operation subsets; see
//! `ImportOptions::exact`).

use std::process::ExitCode;

const USAGE: &str = "usage: genl-ynl import SPEC.yaml [-o OUT.rs] [--ops name,...] [--exact]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genl-ynl: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("import") => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => return Err(USAGE.into()),
    }
    let (mut spec, mut out, mut opts) = (None, None, genl_ynl::ImportOptions::default());
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" => out = Some(it.next().ok_or(USAGE)?.clone()),
            "--exact" => opts.exact = true,
            "--ops" => {
                let list = it.next().ok_or(USAGE)?;
                opts.ops = Some(list.split(',').map(|s| s.trim().to_owned()).collect());
            }
            s if !s.starts_with('-') && spec.is_none() => spec = Some(s.to_owned()),
            _ => return Err(USAGE.into()),
        }
    }
    let spec = spec.ok_or(USAGE)?;
    let text = std::fs::read_to_string(&spec).map_err(|e| format!("{spec}: {e}"))?;
    let rust = genl_ynl::import(&text, &opts).map_err(|e| format!("{spec}: {e}"))?;
    match out {
        Some(path) => std::fs::write(&path, rust).map_err(|e| format!("{path}: {e}"))?,
        None => print!("{rust}"),
    }
    Ok(())
}
