//! A fuzz program: what the guest fuzzer sends, as data. Programs are what
//! the corpus keeps, what a finding's reproducer is and what
//! `genl fuzz --replay` runs; on disk they are JSON:
//!
//! ```json
//! {"family": "counter", "calls": [
//!   {"do": "add", "attrs": {"name": "x", "delta": 1}},
//!   {"dump": "get", "read": 1},
//!   {"do": "reset", "attrs": {"name": "x"}, "sock": 1},
//!   {"read": "all"}
//! ]}
//! ```
//!
//! `do`/`dump` name a YNL operation; `attrs` is the request's attributes,
//! either a YNL JSON object (encoded with the spec, as `genl ynl --json`
//! takes them) or `"hex:…"`, the raw attribute bytes (what the fuzzer
//! writes: it sends what no encoder would). `sock` picks one of
//! [`SOCKETS`] sockets (default 0). A `dump` reads `read` reply datagrams
//! now (default: all, to `NLMSG_DONE`); `{"read": "all"|N}` reads more of
//! what a socket has pending; `{"subscribe": "group"}` joins a multicast
//! group; `{"netns": true}` reopens the socket in a new network namespace
//! (which goes away when it closes); `{"close": "all"}` closes every
//! socket. Optional overrides of a request's
//! header: `cmd` (the genl command), `version`, `flags` (`nlmsg_flags`).

use genl_ynl::family::{Op, SpecFamily};
use genl_ynl::value::Value;
use serde_json::{json, Map, Value as Json};

use super::error::{CallError, HexError, ProgramError};

/// How many sockets a program may use.
pub const SOCKETS: u8 = 4;

/// How much of a reply stream a call reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Everything, to `NLMSG_DONE`, an error, or nothing left pending.
    All,
    /// At most this many datagrams.
    Count(u32),
}

/// What a call does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A `do` request of the operation (index in [`SpecFamily::ops`]), read to
    /// its ACK or error.
    Do {
        /// The operation.
        op: usize,
    },
    /// A `dump` request of the operation, then `read`.
    Dump {
        /// The operation.
        op: usize,
        /// How much of the dump to read now.
        read: Read,
    },
    /// Reads what the socket has pending.
    Recv(Read),
    /// Joins a multicast group (by name).
    Subscribe(String),
    /// Reopens the socket in a new network namespace.
    Netns,
    /// Closes every socket (where one program ended and the next began,
    /// in a reproducer made of several).
    CloseAll,
}

/// One step of a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The socket (0 to [`SOCKETS`] - 1).
    pub sock: u8,
    /// What it does.
    pub action: Action,
    /// The request's attributes, encoded (after the genl header and any
    /// fixed header).
    pub attrs: Vec<u8>,
    /// The genl command, when not the operation's.
    pub cmd: Option<u8>,
    /// The genl header's version, when not the family's.
    pub version: Option<u8>,
    /// `nlmsg_flags`, when not the usual ones.
    pub flags: Option<u16>,
}

impl Call {
    /// A call of `action` on socket 0 with no attributes.
    pub fn new(action: Action) -> Call {
        Call {
            sock: 0,
            action,
            attrs: Vec::new(),
            cmd: None,
            version: None,
            flags: None,
        }
    }

    /// The operation it requests, if any.
    pub fn op(&self) -> Option<usize> {
        match self.action {
            Action::Do { op } | Action::Dump { op, .. } => Some(op),
            _ => None,
        }
    }
}

/// A sequence of calls, run on fresh sockets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    /// The calls in order.
    pub calls: Vec<Call>,
}

fn read_json(r: Read) -> Json {
    match r {
        Read::All => json!("all"),
        Read::Count(n) => json!(n),
    }
}

fn read_from(v: Option<&Json>) -> Result<Read, CallError> {
    match v {
        None => Ok(Read::All),
        Some(Json::String(s)) if s == "all" => Ok(Read::All),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Read::Count)
            .ok_or_else(|| CallError::Read {
                value: v.to_string(),
            }),
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses lower- or upper-case hex.
pub fn unhex(s: &str) -> Result<Vec<u8>, HexError> {
    if s.len() % 2 != 0 {
        return Err(HexError::OddLength { text: s.to_owned() });
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| HexError::BadDigits { text: s.to_owned() })
        })
        .collect()
}

impl Program {
    /// The program as JSON (attributes as `hex:` bytes).
    pub fn to_json(&self, fam: &SpecFamily) -> Json {
        let calls: Vec<Json> = self
            .calls
            .iter()
            .map(|c| {
                let mut m = Map::new();
                match &c.action {
                    Action::Do { op } => {
                        m.insert("do".into(), json!(fam.ops[*op].name));
                    }
                    Action::Dump { op, read } => {
                        m.insert("dump".into(), json!(fam.ops[*op].name));
                        if *read != Read::All {
                            m.insert("read".into(), read_json(*read));
                        }
                    }
                    Action::Recv(r) => {
                        m.insert("read".into(), read_json(*r));
                    }
                    Action::Subscribe(g) => {
                        m.insert("subscribe".into(), json!(g));
                    }
                    Action::Netns => {
                        m.insert("netns".into(), json!(true));
                    }
                    Action::CloseAll => {
                        m.insert("close".into(), json!("all"));
                    }
                }
                if c.op().is_some() && !c.attrs.is_empty() {
                    m.insert("attrs".into(), json!(format!("hex:{}", hex(&c.attrs))));
                }
                if c.sock != 0 {
                    m.insert("sock".into(), json!(c.sock));
                }
                if let Some(v) = c.cmd {
                    m.insert("cmd".into(), json!(v));
                }
                if let Some(v) = c.version {
                    m.insert("version".into(), json!(v));
                }
                if let Some(v) = c.flags {
                    m.insert("flags".into(), json!(v));
                }
                Json::Object(m)
            })
            .collect();
        json!({"family": fam.name, "calls": calls})
    }

    /// Reads a program written by [`Program::to_json`] or by hand.
    pub fn from_json(fam: &SpecFamily, v: &Json) -> Result<Program, ProgramError> {
        if let Some(name) = v.get("family").and_then(Json::as_str) {
            if name != fam.name {
                return Err(ProgramError::WrongFamily {
                    program: name.to_owned(),
                    spec: fam.name.clone(),
                });
            }
        }
        let calls = v
            .get("calls")
            .and_then(Json::as_array)
            .ok_or(ProgramError::NoCalls)?;
        let mut out = Vec::new();
        for (index, c) in calls.iter().enumerate() {
            out.push(call_from_json(fam, c).map_err(|error| ProgramError::Call { index, error })?);
        }
        Ok(Program { calls: out })
    }
}

/// Reads one call of a program's JSON.
fn call_from_json(fam: &SpecFamily, c: &Json) -> Result<Call, CallError> {
    let m = c.as_object().ok_or(CallError::NotAnObject)?;
    let op_named = |k: &str| -> Result<Option<(usize, &Op)>, CallError> {
        let Some(n) = m.get(k) else { return Ok(None) };
        let n = n
            .as_str()
            .ok_or_else(|| CallError::OpNotAName { key: k.to_owned() })?;
        let i = fam
            .ops
            .iter()
            .position(|o| o.name == n)
            .ok_or_else(|| CallError::NoSuchOp { name: n.to_owned() })?;
        Ok(Some((i, &fam.ops[i])))
    };
    let action;
    let mut op_ref = None;
    if let Some((i, op)) = op_named("do")? {
        action = Action::Do { op: i };
        op_ref = Some(op);
    } else if let Some((i, op)) = op_named("dump")? {
        action = Action::Dump {
            op: i,
            read: read_from(m.get("read"))?,
        };
        op_ref = Some(op);
    } else if let Some(g) = m.get("subscribe") {
        action = Action::Subscribe(g.as_str().ok_or(CallError::GroupNotAName)?.to_owned());
    } else if m.contains_key("close") {
        action = Action::CloseAll;
    } else if m.contains_key("netns") {
        action = Action::Netns;
    } else if m.contains_key("read") {
        action = Action::Recv(read_from(m.get("read"))?);
    } else {
        return Err(CallError::NoAction);
    }
    let attrs = match (m.get("attrs"), op_ref) {
        (None, _) | (Some(Json::Null), _) => Vec::new(),
        (Some(Json::String(s)), Some(_)) => {
            let h = s.strip_prefix("hex:").ok_or(CallError::AttrsNotHex)?;
            unhex(h).map_err(CallError::AttrsHex)?
        }
        (Some(a), Some(op)) => {
            let v = Value::parse_json(&a.to_string()).map_err(CallError::AttrsValue)?;
            let mut b = fam.encode_message(op, &v).map_err(CallError::AttrsEncode)?;
            // encode_message puts the fixed header first: a call's
            // attrs are what follows it.
            let hdr = fam.struct_size(op.fixed_header.as_deref());
            let hdr = (hdr + 3) & !3;
            b.drain(..hdr.min(b.len()));
            b
        }
        (Some(_), None) => return Err(CallError::AttrsWithoutOp),
    };
    let small = |k: &str, max: u64| -> Result<Option<u64>, CallError> {
        m.get(k)
            .map(|v| {
                v.as_u64()
                    .filter(|&n| n <= max)
                    .ok_or_else(|| CallError::TooBig {
                        key: k.to_owned(),
                        max,
                    })
            })
            .transpose()
    };
    let sock = small("sock", u64::from(SOCKETS - 1))?.unwrap_or(0) as u8;
    Ok(Call {
        sock,
        action,
        attrs,
        cmd: small("cmd", 255)?.map(|v| v as u8),
        version: small("version", 255)?.map(|v| v as u8),
        flags: small("flags", 0xffff)?.map(|v| v as u16),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../../kmod-c/genl_demo.yaml");

    #[test]
    fn a_hand_written_program_encodes_with_the_spec_and_round_trips() {
        let fam = SpecFamily::parse(SPEC).unwrap();
        let v: Json = serde_json::from_str(
            r#"{"family":"genl_demo","calls":[
                {"do":"echo","attrs":{"msg":"hi"}},
                {"dump":"kv-get","read":1,"sock":2},
                {"read":"all","sock":2},
                {"subscribe":"events","sock":1},
                {"netns":true,"sock":3}]}"#,
        )
        .unwrap();
        let p = Program::from_json(&fam, &v).unwrap();
        assert_eq!(p.calls.len(), 5);
        // "hi\0" as a string attribute of id 1 (the spec's `msg`), padded:
        // len 7, type 1, 'h' 'i' 0, one pad byte.
        assert_eq!(p.calls[0].attrs, [7, 0, 1, 0, b'h', b'i', 0, 0]);
        assert_eq!(p.calls[1].sock, 2);
        assert!(matches!(
            p.calls[1].action,
            Action::Dump {
                read: Read::Count(1),
                ..
            }
        ));
        let back = Program::from_json(&fam, &p.to_json(&fam)).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn bad_programs_say_where() {
        let fam = SpecFamily::parse(SPEC).unwrap();
        for (text, want) in [
            (
                r#"{"calls":[{"do":"nope"}]}"#,
                "calls[0]: the spec has no operation \"nope\"",
            ),
            (
                r#"{"calls":[{"do":"echo","sock":9}]}"#,
                "calls[0]: `sock` must be a number up to 3",
            ),
            (
                r#"{"calls":[{"do":"echo","attrs":"zz"}]}"#,
                "must start with `hex:`",
            ),
            (r#"{"family":"x","calls":[]}"#, "for family \"x\""),
            (r#"{"calls":[{}]}"#, "a call has `do`"),
        ] {
            let e = Program::from_json(&fam, &serde_json::from_str(text).unwrap()).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
