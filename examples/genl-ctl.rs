//! `genl-ctl`: inspect the generic netlink families of the running kernel
//! through the controller (nlctrl), like iproute2's `genl ctrl`.
//!
//! ```text
//! cargo run --example genl-ctl -- list [--json]
//! cargo run --example genl-ctl -- get NAME [--json]
//! cargo run --example genl-ctl -- policy NAME [--op CMD]
//! cargo run --example genl-ctl -- monitor [--json]
//! ```

use std::process::ExitCode;

use genl_core::controller::{ctrl_cmd, CtrlCmd, FamilyInfo, GetFamily, OpInfo};
use genl_core::{Connection, Error, Family as _};

/// One family, owned, for printing.
struct Family {
    id: u16,
    name: String,
    version: u32,
    hdrsize: u32,
    maxattr: u32,
    ops: Vec<OpInfo>,
    groups: Vec<(String, u32)>,
}

impl Family {
    fn from_info(f: &FamilyInfo<'_>) -> Self {
        Family {
            id: f.family_id,
            name: f.family_name.to_owned(),
            version: f.version,
            hdrsize: f.hdrsize,
            maxattr: f.maxattr,
            ops: f.ops.clone(),
            groups: f
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
        }
    }

    fn print(&self) {
        println!(
            "{} (id {:#x}) version {} hdrsize {} maxattr {}",
            self.name, self.id, self.version, self.hdrsize, self.maxattr
        );
        if !self.ops.is_empty() {
            println!("  ops:");
            for op in &self.ops {
                println!(
                    "    {:>3} ({:#04x})  flags {:#04x} [{}]",
                    op.id,
                    op.id,
                    op.flags,
                    op.flag_names().join(", ")
                );
            }
        }
        if !self.groups.is_empty() {
            println!("  multicast groups:");
            for (name, id) in &self.groups {
                println!("    {name} (id {id:#x})");
            }
        }
    }

    fn json(&self) -> String {
        let ops: Vec<String> = self
            .ops
            .iter()
            .map(|op| {
                let flags: Vec<String> = op.flag_names().iter().map(|f| json_str(f)).collect();
                format!(
                    "{{\"id\":{},\"flags\":{},\"flag_names\":[{}]}}",
                    op.id,
                    op.flags,
                    flags.join(",")
                )
            })
            .collect();
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|(n, id)| format!("{{\"name\":{},\"id\":{id}}}", json_str(n)))
            .collect();
        format!(
            "{{\"name\":{},\"id\":{},\"version\":{},\"hdrsize\":{},\"maxattr\":{},\"ops\":[{}],\"mcast_groups\":[{}]}}",
            json_str(&self.name),
            self.id,
            self.version,
            self.hdrsize,
            self.maxattr,
            ops.join(","),
            groups.join(",")
        )
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(conn: &mut Connection) -> Result<Vec<Family>, Error> {
    conn.dump(ctrl_cmd::GetFamily, &())?
        .map(|f| Family::from_info(&f))
}

fn get(conn: &mut Connection, name: &str) -> Result<Family, Error> {
    match conn.query(ctrl_cmd::GetFamily, &GetFamily::by_name(name)) {
        Ok(f) => Ok(Family::from_info(&f)),
        Err(Error::Kernel(k)) if k.errno == libc::ENOENT => Err(Error::FamilyNotFound(name.into())),
        Err(e) => Err(e),
    }
}

fn policy(conn: &mut Connection, name: &str, op: Option<u32>) -> Result<(), Error> {
    let p = genl_core::controller::family_policy(conn, name, op)?;
    for (cmd, op) in &p.ops {
        let mut s = format!("op {cmd} policies:");
        if let Some(d) = op.do_ {
            s.push_str(&format!(" do={d}"));
        }
        if let Some(d) = op.dump {
            s.push_str(&format!(" dump={d}"));
        }
        println!("{s}");
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
            println!("{s}");
        }
    }
    Ok(())
}

/// Prints controller notifications (families and groups coming and going)
/// until interrupted.
fn monitor(json: bool) -> Result<(), Error> {
    let mut sub = genl_core::Subscription::new("nlctrl", "notify")?;
    loop {
        let ev = sub.next_event()?;
        let what = match CtrlCmd::from_cmd(ev.genl.cmd) {
            Some(c) => format!("{c:?}"),
            None => format!("command {}", ev.genl.cmd),
        };
        let f = Family::from_info(&ev.decode::<FamilyInfo<'_>>()?);
        if json {
            println!("{{\"event\":{},\"family\":{}}}", json_str(&what), f.json());
        } else {
            print!("[{what}] ");
            f.print();
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: genl-ctl list [--json] | get NAME [--json] | policy NAME [--op CMD] | monitor [--json]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let op = match args.iter().position(|a| a == "--op") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse::<u32>().ok()) {
            Some(v) => Some(v),
            None => return usage(),
        },
        None => None,
    };
    let pos: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--op"))
        .map(|(_, a)| a.as_str())
        .collect();
    let mut conn = match Connection::new() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("genl-ctl: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match pos.as_slice() {
        ["list"] => list(&mut conn),
        ["get", name] => get(&mut conn, name).map(|f| vec![f]),
        ["monitor"] => {
            return match monitor(json) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("genl-ctl: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["policy", name] => {
            return match policy(&mut conn, name, op) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("genl-ctl: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => return usage(),
    };
    match result {
        Ok(families) => {
            if json {
                let items: Vec<String> = families.iter().map(Family::json).collect();
                println!("[{}]", items.join(",\n "));
            } else {
                for f in &families {
                    f.print();
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("genl-ctl: {e}");
            ExitCode::FAILURE
        }
    }
}
