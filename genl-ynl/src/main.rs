//! `genl-ynl import SPEC.yaml [-o OUT.rs] [--ops name,...] [--exact]`: turns
//! a kernel YNL spec into Rust declarations using the genl derives
//! (`--exact`: with the spec's checks and per-operation subsets; see
//! `ImportOptions::exact`; `--uapi DIR`: the spec's numbers checked
//! against the uapi headers under DIR, e.g. `/usr/include` or a kernel
//! tree's `include/uapi`, and the headers' values used where they
//! disagree, see `genl_ynl::uapi`).

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str =
    "usage: genl-ynl import SPEC.yaml [-o OUT.rs] [--ops name,...] [--exact] [--uapi DIR]";

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
    let mut uapi = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" => out = Some(it.next().ok_or(USAGE)?.clone()),
            "--exact" => opts.exact = true,
            "--uapi" => uapi = Some(it.next().ok_or(USAGE)?.clone()),
            "--ops" => {
                let list = it.next().ok_or(USAGE)?;
                opts.ops = Some(list.split(',').map(|s| s.trim().to_owned()).collect());
            }
            s if !s.starts_with('-') && spec.is_none() => spec = Some(s.to_owned()),
            _ => return Err(USAGE.into()),
        }
    }
    let spec = spec.ok_or(USAGE)?;
    let (text, check) = genl_ynl::uapi::read_corrected(
        spec.as_ref(),
        uapi.as_deref().map(Path::new),
        uapi.is_some(),
    )
    .map_err(|e| e.to_string())?;
    if let Some((_, check)) = check {
        for d in &check.disagreements {
            eprintln!("genl-ynl: {spec}: {d}");
        }
        eprintln!("genl-ynl: {spec}: {}", check.summary());
    }
    let rust = genl_ynl::import(&text, &opts).map_err(|e| format!("{spec}: {e}"))?;
    match out {
        Some(path) => std::fs::write(&path, rust).map_err(|e| format!("{path}: {e}"))?,
        None => print!("{rust}"),
    }
    Ok(())
}
