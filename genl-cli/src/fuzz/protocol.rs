//! The guest fuzzer's console lines: a prefix naming the line's kind and
//! one JSON value. The host (`genl fuzz`) reads them from the console log
//! as they come; kernel messages are kept off the console while fuzzing,
//! so lines are not cut.

use serde_json::Value as Json;

/// A kind of line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The fuzzer started: family, module, whether coverage is on.
    Start,
    /// Every few seconds: time, executions, coverage, corpus, findings.
    Progress,
    /// A report was just seen (before minimizing it).
    Found,
    /// A finding: its report, reproducer and transcript.
    Finding,
    /// One corpus program (at the end).
    Corpus,
    /// The module PCs reached so far, as offsets (every few seconds, at
    /// each finding and at the end; the last one counts).
    Coverage,
    /// A replay's transcript.
    Replayed,
    /// The fuzzer ended normally.
    End,
}

const KINDS: &[(Line, &str)] = &[
    (Line::Start, "GENL-FUZZ-START "),
    (Line::Progress, "GENL-FUZZ-PROGRESS "),
    (Line::Found, "GENL-FUZZ-FOUND "),
    (Line::Finding, "GENL-FUZZ-FINDING "),
    (Line::Corpus, "GENL-FUZZ-CORPUS "),
    (Line::Coverage, "GENL-FUZZ-COVERAGE "),
    (Line::Replayed, "GENL-FUZZ-REPLAYED "),
    (Line::End, "GENL-FUZZ-END "),
];

/// Prints one line (stdout, flushed).
pub fn emit(kind: Line, v: &Json) {
    use std::io::Write;
    let prefix = KINDS.iter().find(|k| k.0 == kind).unwrap().1;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{prefix}{v}");
    let _ = out.flush();
}

/// Reads one console line: its kind and value, if it is one of ours.
pub fn parse(line: &str) -> Option<(Line, Json)> {
    KINDS.iter().find_map(|(k, p)| {
        let i = line.find(p)?;
        serde_json::from_str(&line[i + p.len()..])
            .ok()
            .map(|v| (*k, v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_back_and_others_are_not_ours() {
        assert_eq!(
            parse(r#"GENL-FUZZ-PROGRESS {"execs":3}"#),
            Some((Line::Progress, serde_json::json!({"execs": 3})))
        );
        assert_eq!(parse("GENL-FUZZ-END {cut"), None, "a cut line is dropped");
        assert_eq!(parse("[    1.0] genl: hello"), None);
    }
}
