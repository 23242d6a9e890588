//! What share of the module the fuzzer reached, by function: the module's
//! KCOV call sites (`objdump -dr` of the instrumented `.ko`: each call of
//! `__sanitizer_cov_trace_pc` starts a basic block) against the PCs the
//! guest recorded (the return addresses of those calls, placed in their
//! sections by the guest's `/sys/module/M/sections`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Basic blocks of one function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionCoverage {
    /// Its name.
    pub name: String,
    /// Its instrumented basic blocks.
    pub blocks: usize,
    /// Those reached.
    pub reached: usize,
}

/// The KCOV call sites of an object: (section, offset of the return
/// address, function).
pub fn sites(objdump: &str) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    let (mut section, mut func) = (String::new(), String::new());
    for l in objdump.lines() {
        if let Some(s) = l.strip_prefix("Disassembly of section ") {
            section = s.trim_end_matches(':').to_owned();
        } else if let Some(name) = l
            .strip_suffix(">:")
            .and_then(|x| x.split_once(" <"))
            .map(|x| x.1)
        {
            func = name.to_owned();
        } else if l.contains("R_X86_64_PLT32") && l.contains("__sanitizer_cov_trace_pc") {
            // "   1c: R_X86_64_PLT32	__sanitizer_cov_trace_pc-0x4": the
            // relocation sits one byte into the 5-byte call.
            if let Some(off) = l
                .split(':')
                .next()
                .and_then(|o| u64::from_str_radix(o.trim(), 16).ok())
            {
                out.push((section.clone(), off + 4, func.clone()));
            }
        }
    }
    out
}

/// Per function: blocks and blocks reached, given the reached PCs as
/// (section, offset).
pub fn by_function(
    sites: &[(String, u64, String)],
    reached: &HashSet<(String, u64)>,
) -> Vec<FunctionCoverage> {
    let mut m: BTreeMap<&str, FunctionCoverage> = BTreeMap::new();
    for (sec, off, f) in sites {
        let e = m.entry(f).or_insert_with(|| FunctionCoverage {
            name: f.clone(),
            ..Default::default()
        });
        e.blocks += 1;
        if reached.contains(&(sec.clone(), *off)) {
            e.reached += 1;
        }
    }
    m.into_values().collect()
}

/// Places module offsets in sections (`sections`: name → offset from the
/// module's start).
pub fn place(pcs: &[u64], sections: &BTreeMap<String, u64>) -> HashSet<(String, u64)> {
    let mut by_start: Vec<(&u64, &String)> = sections.iter().map(|(n, o)| (o, n)).collect();
    by_start.sort();
    pcs.iter()
        .filter_map(|&pc| {
            let (start, name) = by_start.iter().rev().find(|(s, _)| **s <= pc)?;
            Some(((*name).clone(), pc - **start))
        })
        .collect()
}

/// Why [`objdump`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ObjdumpError {
    /// objdump could not be run (binutils is not installed).
    Spawn(std::io::Error),
    /// objdump failed on the module.
    Failed {
        /// The module.
        ko: PathBuf,
        /// What objdump said.
        stderr: String,
    },
}

impl std::fmt::Display for ObjdumpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjdumpError::Spawn(e) => write!(f, "objdump: {e} (install binutils)"),
            ObjdumpError::Failed { ko, stderr } => {
                write!(f, "objdump {}: {}", ko.display(), stderr.trim())
            }
        }
    }
}

impl std::error::Error for ObjdumpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ObjdumpError::Spawn(e) => Some(e),
            ObjdumpError::Failed { .. } => None,
        }
    }
}

/// `objdump -dr` of `ko`.
pub fn objdump(ko: &Path) -> Result<String, ObjdumpError> {
    let out = Command::new("objdump")
        .args(["-dr", "--no-show-raw-insn"])
        .arg(ko)
        .output()
        .map_err(ObjdumpError::Spawn)?;
    if !out.status.success() {
        return Err(ObjdumpError::Failed {
            ko: ko.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_sites_are_read_from_objdump_and_matched_to_pcs() {
        // The shape of binutils 2.40's `objdump -dr --no-show-raw-insn`.
        let od = "\nDisassembly of section .text:\n\n\
0000000000000000 <f>:\n   0:\tcall   5 <f+0x5>\n\t\t\t1: R_X86_64_PLT32\t__sanitizer_cov_trace_pc-0x4\n   5:\tret\n\n\
0000000000000010 <g>:\n  10:\tcall   15 <g+0x5>\n\t\t\t11: R_X86_64_PLT32\t__sanitizer_cov_trace_pc-0x4\n  15:\tcall   1a <g+0xa>\n\t\t\t16: R_X86_64_PLT32\t__sanitizer_cov_trace_pc-0x4\n";
        let s = sites(od);
        assert_eq!(
            s,
            vec![
                (".text".into(), 5, "f".into()),
                (".text".into(), 0x15, "g".into()),
                (".text".into(), 0x1a, "g".into())
            ]
        );
        let sections = BTreeMap::from([(".text".to_owned(), 0x100u64), (".other".into(), 0)]);
        let reached = place(&[0x105, 0x115], &sections);
        let f = by_function(&s, &reached);
        assert_eq!(
            f[0],
            FunctionCoverage {
                name: "f".into(),
                blocks: 1,
                reached: 1
            }
        );
        assert_eq!(
            f[1],
            FunctionCoverage {
                name: "g".into(),
                blocks: 2,
                reached: 1
            }
        );
    }
}
