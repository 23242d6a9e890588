//! A decoded message filtered and rendered: text and JSON.

use super::decode::errno_name;
use super::*;

impl TraceMessage {
    /// Whether it passes `--family` and `--cmd`.
    pub(super) fn matches(&self, args: &TraceArgs) -> bool {
        let is = |want: &str, name: &Option<String>, id: Option<u32>| {
            name.as_deref() == Some(want) || id.is_some_and(|id| parse_num(want) == Some(id))
        };
        args.family
            .as_deref()
            .is_none_or(|f| is(f, &self.family, self.family_id.map(u32::from)))
            && args
                .cmd
                .as_deref()
                .is_none_or(|c| is(c, &self.cmd, self.cmd_id.map(u32::from)))
    }

    /// The direction's name: `to-kernel`, `to-user`, else `pkttype-N`.
    pub fn dir_name(&self) -> String {
        match self.dir {
            PacketType::ToKernel => "to-kernel".into(),
            PacketType::ToUser => "to-user".into(),
            PacketType::Other(n) => format!("pkttype-{n}"),
        }
    }

    /// What kind of message: `error`, `ack`, `done`, `noop`, `overrun`,
    /// else `message`.
    pub fn kind(&self) -> &'static str {
        match self.ty {
            1 => "noop",
            2 if self.error.as_ref().is_some_and(|e| e.errno == 0) => "ack",
            2 => "error",
            3 => "done",
            4 => "overrun",
            _ => "message",
        }
    }

    /// The flags' names (`request`, `multi`, `ack`, `echo`, `dump-intr`,
    /// `dump-filtered`, `dump` for a request's root|match, `capped` and
    /// `ack-tlvs` on errors and done); other bits in hex.
    pub fn flag_names(&self) -> Vec<String> {
        let mut f = self.flags;
        let mut out = Vec::new();
        let mut take = |bits: u16, name: &str, out: &mut Vec<String>| {
            if f & bits == bits {
                out.push(name.to_owned());
                f &= !bits;
            }
        };
        for (bits, name) in [
            (0x1, "request"),
            (0x2, "multi"),
            (0x4, "ack"),
            (0x8, "echo"),
            (0x10, "dump-intr"),
            (0x20, "dump-filtered"),
        ] {
            take(bits, name, &mut out);
        }
        if self.ty == 2 || self.ty == 3 {
            take(0x100, "capped", &mut out);
            take(0x200, "ack-tlvs", &mut out);
        } else if self.flags & 1 != 0 {
            take(NLM_F_DUMP, "dump", &mut out);
        }
        if f != 0 {
            out.push(format!("{f:#x}"));
        }
        out
    }

    /// One line of text.
    pub fn to_text(&self) -> String {
        let arrow = match self.dir {
            PacketType::ToKernel => "->K",
            PacketType::ToUser => "<-U",
            PacketType::Other(_) => "?? ",
        };
        let mut s = format!(
            "#{} {}.{:06} {arrow} port {} seq {}",
            self.frame, self.time.0, self.time.1, self.port, self.seq
        );
        let kind = self.kind();
        if self.ty >= 0x10 && self.protocol == NETLINK_GENERIC {
            s += &format!(
                " {}",
                self.family
                    .clone()
                    .unwrap_or_else(|| format!("{:#x}", self.ty))
            );
        } else {
            s += &format!(" {kind}");
            if self.family_id.is_some() {
                s += &format!(
                    " (for {}",
                    self.family
                        .clone()
                        .unwrap_or_else(|| format!("{:#x}", self.family_id.unwrap_or_default()))
                );
                if let Some(c) = self.cmd.clone().or(self.cmd_id.map(|c| c.to_string())) {
                    s += &format!(" {c}");
                }
                s += ")";
            }
        }
        if self.ty >= 0x10 {
            if let Some(c) = &self.cmd {
                s += &format!(" {c}");
            } else if let Some(c) = self.cmd_id {
                s += &format!(" cmd {c}");
            }
        }
        let flags = self.flag_names();
        s += &format!(" [{}]", flags.join(","));
        if let Some(e) = &self.error {
            if e.errno != 0 || self.ty == 3 {
                s += &format!(" {}", e.errno);
                if let Some(n) = errno_name(e.errno) {
                    s += &format!(" {n}");
                }
            }
            if let Some(m) = &e.msg {
                s += &format!(" {m:?}");
            }
            if let Some(o) = e.offset {
                s += &format!(" at offset {o}");
            }
            if let Some(mt) = e.miss_type {
                s += &format!(" missing attribute {mt}");
            }
        }
        if let Some(a) = &self.attrs {
            s += &format!(" {a}");
        } else if let Some(r) = &self.raw {
            s += &format!(" raw {r}");
        }
        if let Some(d) = &self.decode_error {
            s += &format!(" (undecoded: {d})");
        }
        s
    }

    /// One line of JSON (keys in a fixed order; `attrs` as `genl ynl`
    /// prints them).
    pub fn to_json(&self) -> String {
        let j = |v: serde_json::Value| v.to_string();
        let mut kv: Vec<(&str, String)> = vec![
            ("frame", j(self.frame.into())),
            (
                "time",
                j(format!("{}.{:06}", self.time.0, self.time.1).into()),
            ),
            ("dir", j(self.dir_name().into())),
            ("pkttype", j(self.pkttype.into())),
            ("protocol", j(self.protocol.into())),
            ("port", j(self.port.into())),
            ("type", j(self.ty.into())),
            ("kind", j(self.kind().into())),
            ("flags", j(self.flag_names().into())),
            ("seq", j(self.seq.into())),
        ];
        if let Some(id) = self.family_id {
            kv.push(("family", j(self.family.clone().into())));
            kv.push(("family_id", j(id.into())));
            kv.push(("cmd", j(self.cmd.clone().into())));
            kv.push(("cmd_id", j(self.cmd_id.into())));
        }
        if let Some(v) = self.version {
            kv.push(("version", j(v.into())));
        }
        if let Some(a) = &self.attrs {
            kv.push(("attrs", a.clone()));
        }
        if let Some(r) = &self.raw {
            kv.push(("raw", j(r.clone().into())));
        }
        if let Some(d) = &self.decode_error {
            kv.push(("decode_error", j(d.clone().into())));
        }
        if let Some(e) = &self.error {
            kv.push((
                "error",
                j(serde_json::json!({
                    "errno": e.errno,
                    "name": errno_name(e.errno),
                    "msg": e.msg,
                    "offset": e.offset,
                    "miss_type": e.miss_type,
                    "miss_nest": e.miss_nest,
                })),
            ));
        }
        let body: Vec<String> = kv
            .into_iter()
            .map(|(k, v)| format!("{}: {v}", j(k.into())))
            .collect();
        format!("{{{}}}", body.join(", "))
    }
}

pub(super) fn parse_num(s: &str) -> Option<u32> {
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}
