//! `genl ctrl`: the generic netlink families of the running kernel through
//! the controller (nlctrl), like iproute2's `genl ctrl`; ops are named
//! from the families' YNL specs where they are known.
//!
//! ```text
//! genl ctrl list [--json] [--specs DIR]
//! genl ctrl get NAME [--json] [--specs DIR]
//! genl ctrl policy NAME [--op CMD]
//! genl ctrl monitor [--json]
//! ```

use std::fmt::{self, Write as _};
use std::path::PathBuf;

use clap::Subcommand;
use genl_core::controller::{ctrl_cmd, CtrlCmd, FamilyInfo, GetFamily, OpInfo};
use genl_core::{Connection, Error, Family as _};

/// One family, owned, for printing.
#[derive(Debug, Clone)]
pub struct FamilyEntry {
    /// The family id.
    pub id: u16,
    /// The family name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// Its fixed header's size.
    pub hdrsize: u32,
    /// Its largest attribute id.
    pub maxattr: u32,
    /// Its ops.
    pub ops: Vec<OpInfo>,
    /// Its multicast groups: name and id.
    pub groups: Vec<(String, u32)>,
    /// The names of its ops (by id) from its YNL spec, when known
    /// ([`crate::ynl::op_names`]).
    pub op_names: std::collections::BTreeMap<u32, String>,
}

impl FamilyEntry {
    /// From the controller's description.
    pub fn from_info(f: &FamilyInfo<'_>) -> Self {
        FamilyEntry {
            id: f.family_id,
            name: f.family_name.to_owned(),
            version: f.version,
            hdrsize: f.hdrsize,
            maxattr: f.maxattr,
            ops: f.ops.iter().collect(),
            groups: f
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
            op_names: Default::default(),
        }
    }

    /// The family as a JSON object.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "id": self.id,
            "version": self.version,
            "hdrsize": self.hdrsize,
            "maxattr": self.maxattr,
            "ops": self.ops.iter().map(|op| serde_json::json!({
                "id": op.id,
                "name": self.op_names.get(&op.id),
                "flags": op.flags,
                "flag_names": op.flag_names(),
            })).collect::<Vec<_>>(),
            "mcast_groups": self.groups.iter().map(|(name, id)| serde_json::json!({
                "name": name,
                "id": id,
            })).collect::<Vec<_>>(),
        })
    }
}

/// As `genl ctrl list` prints it: a line of the family, its ops and its
/// multicast groups, each line ending in a newline.
impl fmt::Display for FamilyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} (id {:#x}) version {} hdrsize {} maxattr {}",
            self.name, self.id, self.version, self.hdrsize, self.maxattr
        )?;
        if !self.ops.is_empty() {
            writeln!(f, "  ops:")?;
            for op in &self.ops {
                let name = self
                    .op_names
                    .get(&op.id)
                    .map_or(String::new(), |n| format!(" {n}"));
                writeln!(
                    f,
                    "    {:>3} ({:#04x}){name}  flags {:#04x} [{}]",
                    op.id,
                    op.id,
                    op.flags,
                    op.flag_names().join(", ")
                )?;
            }
        }
        if !self.groups.is_empty() {
            writeln!(f, "  multicast groups:")?;
            for (name, id) in &self.groups {
                writeln!(f, "    {name} (id {id:#x})")?;
            }
        }
        Ok(())
    }
}

/// Why `genl ctrl` ([`run`]) failed: what nlctrl or the socket said, at
/// which step. `Display` is genl-core's message, as `genl` prints it.
#[derive(Debug)]
#[non_exhaustive]
pub enum CtrlError {
    /// No generic netlink socket.
    Connect(Error),
    /// Listing the families failed.
    List(Error),
    /// Getting the family failed (`Error::FamilyNotFound`: no such
    /// family).
    Get(Error),
    /// Getting the family's policies failed.
    Policy(Error),
    /// Subscribing to, or reading, nlctrl's notifications failed.
    Monitor(Error),
}

impl CtrlError {
    /// genl-core's error.
    pub fn netlink(&self) -> &Error {
        match self {
            CtrlError::Connect(e)
            | CtrlError::List(e)
            | CtrlError::Get(e)
            | CtrlError::Policy(e)
            | CtrlError::Monitor(e) => e,
        }
    }
}

impl fmt::Display for CtrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.netlink().fmt(f)
    }
}

impl std::error::Error for CtrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.netlink())
    }
}

/// Every family the kernel has registered.
pub fn list(conn: &mut Connection) -> Result<Vec<FamilyEntry>, Error> {
    conn.dump(ctrl_cmd::GetFamily, &())?
        .map(|f| FamilyEntry::from_info(&f))
}

/// One family by name.
pub fn get(conn: &mut Connection, name: &str) -> Result<FamilyEntry, Error> {
    match conn.query(ctrl_cmd::GetFamily, &GetFamily::by_name(name)) {
        Ok(f) => Ok(FamilyEntry::from_info(&f)),
        Err(Error::Kernel(k)) if k.errno == libc::ENOENT => Err(Error::FamilyNotFound(name.into())),
        Err(e) => Err(e),
    }
}

/// The attribute policies of a family (of one op with `op`), as `genl
/// ctrl policy` prints them: one line per op, then per attribute, each
/// ending in a newline.
pub fn policy(conn: &mut Connection, name: &str, op: Option<u32>) -> Result<String, Error> {
    let p = genl_core::controller::family_policy(conn, name, op)?;
    let mut out = String::new();
    for (cmd, op) in &p.ops {
        let mut s = format!("op {cmd} policies:");
        if let Some(d) = op.do_ {
            s.push_str(&format!(" do={d}"));
        }
        if let Some(d) = op.dump {
            s.push_str(&format!(" dump={d}"));
        }
        let _ = writeln!(out, "{s}");
    }
    for (idx, attrs) in &p.policies {
        for (id, a) in attrs {
            let ty = a
                .kind()
                .map(|k| format!("{k:?}"))
                .unwrap_or_else(|| format!("type {}", a.ty));
            let mut s = format!("policy[{idx}]:attr[{id}]: type={ty}");
            if let (Some(lo), Some(hi)) = (a.min_value_u, a.max_value_u) {
                s.push_str(&format!(" range:[{lo},{hi}]"));
            }
            if let (Some(lo), Some(hi)) = (a.min_value_s, a.max_value_s) {
                s.push_str(&format!(" range:[{lo},{hi}]"));
            }
            if let Some(l) = a.min_length {
                s.push_str(&format!(" min len:{l}"));
            }
            if let Some(l) = a.max_length {
                s.push_str(&format!(" max len:{l}"));
            }
            if let Some(n) = a.policy_idx {
                s.push_str(&format!(" policy:{n}"));
            }
            if let Some(n) = a.policy_maxtype {
                s.push_str(&format!(" maxattr:{n}"));
            }
            if let Some(m) = a.mask {
                s.push_str(&format!(" mask:{m:#x}"));
            }
            let _ = writeln!(out, "{s}");
        }
    }
    Ok(out)
}

/// Hands `out` each controller notification (families and groups coming
/// and going), rendered as `genl ctrl monitor` prints it (text ending in a
/// newline), until interrupted.
pub fn monitor(json: bool, out: &mut dyn FnMut(&str)) -> Result<(), Error> {
    let mut sub = genl_core::Subscription::new("nlctrl", "notify")?;
    loop {
        let ev = sub.next_event()?;
        let what = match CtrlCmd::from_cmd(ev.genl.cmd) {
            Some(c) => format!("{c:?}"),
            None => format!("command {}", ev.genl.cmd),
        };
        let f = FamilyEntry::from_info(&ev.decode::<FamilyInfo<'_>>()?);
        if json {
            out(&format!(
                "{}\n",
                serde_json::json!({ "event": what, "family": f.json() })
            ));
        } else {
            out(&format!("[{what}] {f}"));
        }
    }
}

/// `genl ctrl ...`.
#[derive(Debug, Subcommand)]
pub enum CtrlCommand {
    /// List the families the kernel has registered, with ops and groups.
    List {
        /// Print JSON (one array of families).
        #[arg(long)]
        json: bool,
        /// Name the ops of the families whose YNL spec is in DIR
        /// (`<family>.yaml`) [env: GENL_YNL_SPECS; default: the kernel
        /// source's Documentation/netlink/specs in the genl cache, if
        /// unpacked].
        #[arg(long, value_name = "DIR")]
        specs: Option<PathBuf>,
    },
    /// Show one family.
    Get {
        /// The family's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// As for `list`.
        #[arg(long, value_name = "DIR")]
        specs: Option<PathBuf>,
    },
    /// Print a family's attribute policies (CTRL_CMD_GETPOLICY).
    Policy {
        /// The family's name.
        name: String,
        /// Only this command's policy.
        #[arg(long, value_name = "CMD")]
        op: Option<u32>,
    },
    /// Print controller notifications (families and groups coming and
    /// going) until interrupted.
    Monitor {
        /// Print JSON, one object per line.
        #[arg(long)]
        json: bool,
    },
}

/// Carries out `genl ctrl ...`, handing `out` what the command prints:
/// text ending in a newline, once for `list`, `get` and `policy`, once per
/// notification for `monitor` (which runs until interrupted).
pub fn run(cmd: CtrlCommand, out: &mut dyn FnMut(&str)) -> Result<(), CtrlError> {
    let mut conn = Connection::new().map_err(CtrlError::Connect)?;
    let (mut families, json, specs) = match cmd {
        CtrlCommand::List { json, specs } => {
            (list(&mut conn).map_err(CtrlError::List)?, json, specs)
        }
        CtrlCommand::Get { name, json, specs } => (
            vec![get(&mut conn, &name).map_err(CtrlError::Get)?],
            json,
            specs,
        ),
        CtrlCommand::Policy { name, op } => {
            out(&policy(&mut conn, &name, op).map_err(CtrlError::Policy)?);
            return Ok(());
        }
        CtrlCommand::Monitor { json } => return monitor(json, out).map_err(CtrlError::Monitor),
    };
    if let Some(dir) = crate::ynl::spec_dir(specs) {
        for f in &mut families {
            f.op_names = crate::ynl::op_names(&dir, &f.name);
        }
    }
    out(&render(&families, json));
    Ok(())
}

/// `families` as `genl ctrl list` and `get` print them: one JSON array
/// with `json`, else each family's text ([`FamilyEntry`]'s `Display`);
/// ends in a newline.
pub fn render(families: &[FamilyEntry], json: bool) -> String {
    if json {
        let items: Vec<serde_json::Value> = families.iter().map(FamilyEntry::json).collect();
        format!("{}\n", serde_json::Value::Array(items))
    } else {
        families.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of iproute2's `genl ctrl list`: the family's line, its
    /// ops (id in decimal and hex, the spec's name, the flags) and groups.
    #[test]
    fn a_family_renders_as_genl_ctrl_list_prints_it() {
        let f = FamilyEntry {
            id: 0x1a,
            name: "demo".into(),
            version: 1,
            hdrsize: 0,
            maxattr: 3,
            // GENL_CMD_CAP_DO | GENL_CMD_CAP_HASPOL.
            ops: vec![OpInfo {
                id: 1,
                flags: 0x2 | 0x8,
            }],
            groups: vec![("events".into(), 5)],
            op_names: [(1, "echo".to_owned())].into(),
        };
        assert_eq!(
            render(std::slice::from_ref(&f), false),
            "demo (id 0x1a) version 1 hdrsize 0 maxattr 3\n\
             \x20 ops:\n\
             \x20     1 (0x01) echo  flags 0x0a [do, has-policy]\n\
             \x20 multicast groups:\n\
             \x20   events (id 0x5)\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&[f], true)).expect("one JSON value");
        assert_eq!(json[0]["ops"][0]["name"], "echo");
    }
}
