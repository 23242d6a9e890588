//! A program as a person reads it: each call with its request decoded in
//! the schema's names (`genl ynl`'s JSON) and what came back (replies,
//! errno, the extack message).

use genl_ynl::codec::DecodeOptions;
use genl_ynl::family::SpecFamily;

use super::exec::Outcome;
use super::program::{hex, Action, Program, Read};

fn read_text(r: Read) -> String {
    match r {
        Read::All => "all".into(),
        Read::Count(n) => n.to_string(),
    }
}

fn errno_text(e: i32) -> String {
    if e == 0 {
        return "ACK".into();
    }
    let s = std::io::Error::from_raw_os_error(e).to_string();
    let s = s.split(" (os error").next().unwrap_or(&s).to_owned();
    format!("error {e} ({s})")
}

/// One line per call (and one per outcome, when known).
pub fn render(fam: &SpecFamily, p: &Program, outcomes: &[Outcome]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in p.calls.iter().enumerate() {
        let what = match &c.action {
            Action::Do { op } | Action::Dump { op, .. } => {
                let o = &fam.ops[*op];
                let kind = if matches!(c.action, Action::Do { .. }) {
                    "do"
                } else {
                    "dump"
                };
                let mut head = format!("{kind} {}", o.name);
                if let Some(cmd) = c.cmd.filter(|&x| Some(u16::from(x)) != o.req_value) {
                    head += &format!(" (sent as command {cmd})");
                }
                if let Some(v) = c.version {
                    head += &format!(" (version {v})");
                }
                if let Some(f) = c.flags {
                    head += &format!(" (flags {f:#06x})");
                }
                if let Action::Dump {
                    read: Read::Count(n),
                    ..
                } = c.action
                {
                    head += &format!(", reading {n} message(s)");
                }
                let hdr = fam.struct_size(o.fixed_header.as_deref());
                let mut payload = vec![0u8; (hdr + 3) & !3];
                payload.extend_from_slice(&c.attrs);
                let body = if c.attrs.is_empty() {
                    "{}".to_owned()
                } else {
                    match fam.decode_message(
                        o,
                        &payload,
                        DecodeOptions {
                            process_unknown: true,
                        },
                    ) {
                        Ok(v) => v.to_string(),
                        Err(e) => format!("hex:{} (does not decode: {e})", hex(&c.attrs)),
                    }
                };
                format!("{head} {body}")
            }
            Action::Recv(r) => format!("read {}", read_text(*r)),
            Action::Subscribe(g) => format!("subscribe to {g:?}"),
            Action::Netns => "reopen in a new network namespace".into(),
            Action::CloseAll => "close every socket".into(),
        };
        let mut line = format!("#{} sock {}: {what}", i + 1, c.sock);
        if let Some(o) = outcomes.get(i) {
            let mut got = Vec::new();
            if o.replies > 0 {
                got.push(format!("{} message(s)", o.replies));
            }
            if let Some(e) = o.errno {
                got.push(if o.done && e == 0 {
                    "DONE".into()
                } else {
                    errno_text(e)
                });
            }
            if let Some(m) = &o.extack {
                got.push(format!("extack {m:?}"));
            }
            if let Some(l) = &o.local {
                got.push(format!("locally: {l}"));
            }
            if !got.is_empty() {
                line += &format!("  ->  {}", got.join(", "));
            }
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::program::Program;

    #[test]
    fn requests_are_shown_in_the_schemas_names() {
        let fam = SpecFamily::parse(include_str!("../../../kmod-c/genl_demo.yaml")).unwrap();
        let v = serde_json::json!({"calls": [
            {"do": "echo", "attrs": {"msg": "hi"}},
            {"dump": "kv-get", "read": 1, "sock": 1}]});
        let p = Program::from_json(&fam, &v).unwrap();
        let outs = vec![
            Outcome {
                replies: 1,
                errno: Some(0),
                ..Default::default()
            },
            Outcome {
                errno: Some(22),
                extack: Some("bad key".into()),
                ..Default::default()
            },
        ];
        let t = render(&fam, &p, &outs);
        assert_eq!(
            t[0],
            r#"#1 sock 0: do echo {"msg": "hi"}  ->  1 message(s), ACK"#
        );
        assert_eq!(
            t[1],
            r#"#2 sock 1: dump kv-get, reading 1 message(s) {}  ->  error 22 (Invalid argument), extack "bad key""#
        );
    }
}
