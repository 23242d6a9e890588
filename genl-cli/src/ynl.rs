//! `genl ynl`: talk to any netlink family from its YNL spec, read at run
//! time (no code generation), as the kernel's `tools/net/ynl/cli.py` does
//! and with its JSON shapes, without Python:
//!
//! ```text
//! genl ynl --spec netdev.yaml --dump dev-get
//! genl ynl --spec ethtool.yaml --do linkinfo-get --json '{"header": {"dev-name": "eth0"}}'
//! genl ynl --spec rt_link.yaml --dump getlink
//! genl ynl --spec netdev.yaml --subscribe mgmt --sleep 5
//! genl ynl --spec nlctrl.yaml --list-ops
//! ```
//!
//! Generic netlink families (`genetlink*` specs) go through
//! [`genl_core::Connection`] (family resolved by name, replies matched by
//! sequence number and port, dumps until `NLMSG_DONE`; `--create` and the
//! other request flags through `[`RawRequest`](genl_core::RawRequest)'s flags`; `--multi`, several
//! requests in one datagram, through the classic connection) and
//! [`genl_core::Subscription`]; classic ones (`netlink-raw`: rt_link,
//! rt_addr, rt_route, tc, nftables) through
//! [`genl_core::classic::ClassicConnection`] on the spec's `protonum`, with
//! the spec's message ids and fixed headers. Messages are encoded and
//! decoded by [`genl_ynl::codec`].
//!
//! Output is one line of JSON per result, as `cli.py --output-json` prints
//! it (Python's `json.dumps`): the `--do` reply (`null` when the kernel
//! answers with an ACK only), the `--dump` array, then, with
//! `--subscribe`, the array of notifications `[{"name": OP, "msg": {...}}]`.
//! Errors ([`YnlError`]) go to stderr and exit with status 1: a bad spec
//! names the place in the spec, bad `--json` the attribute, a kernel error
//! its errno, its extended-ACK message and the attribute it points at.

mod error;
mod events;
mod request;

pub use error::YnlError;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use genl_core::classic::{ClassicConnection, ClassicRequest};
use genl_core::message::{
    AttrBuf, GenlHeader, NLMSG_HDRLEN, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
};
use genl_core::{Connection, Error, KernelError, Subscription};
use genl_ynl::codec::DecodeOptions;
use genl_ynl::family::{Op, Protocol, SpecFamily};
use genl_ynl::value::Value;

use events::Events;
use request::{classic_request, genl_request, multi};

/// `NETLINK_GENERIC`.
const NETLINK_GENERIC: isize = 16;

/// The arguments of `genl ynl` (those of `cli.py`).
#[derive(Debug, Default, Args)]
#[command(group(clap::ArgGroup::new("action").args(["do_op", "dump", "multi", "list_ops", "list_msgs"])))]
pub struct YnlArgs {
    /// The family's YNL spec, e.g. the kernel's
    /// Documentation/netlink/specs/netdev.yaml.
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// Send a `do` request of operation OP and print its reply.
    #[arg(long = "do", value_name = "OP")]
    pub do_op: Option<String>,
    /// Send a `dump` request of operation OP and print every reply, as one
    /// array.
    #[arg(long, value_name = "OP")]
    pub dump: Option<String>,
    /// Send several `do` requests in one datagram, as `cli.py --multi`:
    /// operation OP with its JSON attributes; repeat for each. Prints the
    /// replies of each (`null`, one, or an array) as one array.
    #[arg(long, num_args = 2, value_names = ["OP", "JSON"], action = clap::ArgAction::Append)]
    pub multi: Vec<String>,
    /// The request's attributes (and fixed-header fields), as a JSON
    /// object: names as in the spec, nests as objects, multi-attr as
    /// arrays, enums and flags by name, binary as hex.
    #[arg(long = "json", value_name = "JSON")]
    pub json: Option<String>,
    /// List the operations (with their do/dump modes) and exit; needs no
    /// kernel.
    #[arg(long)]
    pub list_ops: bool,
    /// List every message, notifications included, and exit.
    #[arg(long)]
    pub list_msgs: bool,
    /// Join multicast group GROUP first; print the notifications received
    /// (after the request, if any) as one array.
    #[arg(long = "subscribe", value_name = "GROUP")]
    pub subscribe: Option<String>,
    /// Wait this many seconds after subscribing, before the request.
    #[arg(long, value_name = "SECONDS")]
    pub sleep: Option<u64>,
    /// Set NLM_F_REPLACE on the request.
    #[arg(long)]
    pub replace: bool,
    /// Set NLM_F_EXCL on the request.
    #[arg(long)]
    pub excl: bool,
    /// Set NLM_F_CREATE on the request.
    #[arg(long)]
    pub create: bool,
    /// Set NLM_F_APPEND on the request.
    #[arg(long)]
    pub append: bool,
    /// Keep attributes the spec does not know, as "UnknownAttr(ID)", and
    /// `pad` attributes, as `cli.py --process-unknown` does (the default).
    #[arg(long, overrides_with = "no_process_unknown")]
    pub process_unknown: bool,
    /// Fail on attributes the spec does not know (what `cli.py` does by
    /// default); `pad` attributes are left out.
    #[arg(long)]
    pub no_process_unknown: bool,
    /// Accepted for `cli.py` compatibility: output is always JSON.
    #[arg(long)]
    pub output_json: bool,
    /// Accepted for `cli.py` compatibility and ignored: the spec is not
    /// validated against a JSON schema.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Accepted for `cli.py` compatibility: the spec is never validated
    /// against the JSON schema (references are checked when it loads).
    #[arg(long)]
    pub no_schema: bool,
    /// The uapi headers to number the spec by where it disagrees with them
    /// (a spec lists entries in another order than the C enum, as 6.12's
    /// nlctrl.yaml does with `mask` and `pad`; see `genl import --uapi`)
    /// [default: the kernel tree the spec is in, else /usr/include].
    #[arg(long, value_name = "DIR", conflicts_with = "no_uapi")]
    pub uapi: Option<PathBuf>,
    /// Number everything as the spec says, as cli.py does.
    #[arg(long)]
    pub no_uapi: bool,
}

/// What one request produced.
enum Outcome {
    /// `--do`: `null`, one reply, or an array of several.
    Do(Vec<Value>),
    /// `--dump`: every reply.
    Dump(Vec<Value>),
}

/// Carries out `genl ynl ...`: prints the results on stdout.
pub fn run(args: YnlArgs) -> Result<(), YnlError> {
    let (text, _) = genl_ynl::uapi::read_corrected(&args.spec, args.uapi.as_deref(), !args.no_uapi)
        .map_err(YnlError::Read)?;
    let fam = SpecFamily::parse(&text).map_err(|error| YnlError::Spec {
        spec: args.spec.clone(),
        error,
    })?;
    // cli.py loads no spec with such an operation; listing it and then not
    // finding it for --do would be worse.
    if let Some(op) = fam.op_without_attr_set() {
        return Err(YnlError::NoAttributeSet {
            spec: args.spec.clone(),
            op: op.name.clone(),
        });
    }
    let mut out = std::io::stdout().lock();
    let mut print =
        |s: &str| -> Result<(), YnlError> { writeln!(out, "{s}").map_err(YnlError::Stdout) };
    if args.list_ops {
        for op in fam.call_ops() {
            print(&format!("{}  [ {} ]", op.name, op.modes().join(", ")))?;
        }
        return Ok(());
    }
    if args.list_msgs {
        for op in &fam.ops {
            print(&format!("{}  [ {} ]", op.name, op.modes().join(", ")))?;
        }
        return Ok(());
    }
    let request = match (&args.do_op, &args.dump) {
        (Some(name), _) => Some((find_op(&fam, name, "do")?, false)),
        (None, Some(name)) => Some((find_op(&fam, name, "dump")?, true)),
        (None, None) => None,
    };
    if request.is_none() && args.subscribe.is_none() && args.multi.is_empty() {
        return Err(YnlError::NothingToDo);
    }
    let vals = match &args.json {
        Some(t) => Value::parse_json(t).map_err(YnlError::Json)?,
        None => Value::Map(Vec::new()),
    };
    // Encode before touching the kernel: bad JSON fails fast.
    let payload = match &request {
        Some((op, _)) => Some(fam.encode_message(op, &vals).map_err(YnlError::Encode)?),
        None => None,
    };
    let opts = DecodeOptions {
        process_unknown: !args.no_process_unknown,
    };
    let mut flags = 0;
    for (on, f) in [
        (args.replace, NLM_F_REPLACE),
        (args.excl, NLM_F_EXCL),
        (args.create, NLM_F_CREATE),
        (args.append, NLM_F_APPEND),
    ] {
        if on {
            flags |= f;
        }
    }

    let mut sub = match &args.subscribe {
        Some(g) => Some(Events::join(&fam, g)?),
        None => None,
    };
    if let Some(s) = args.sleep {
        std::thread::sleep(Duration::from_secs(s));
    }
    if let (Some((op, dump)), Some(payload)) = (request, payload) {
        let outcome = match fam.protocol {
            Protocol::Genetlink => genl_request(&fam, op, &payload, dump, flags, opts)?,
            Protocol::Raw { protonum } => {
                let mut conn = classic(isize::from(protonum))?;
                let ty = op.req_value.unwrap_or_default();
                classic_request(&mut conn, &fam, op, ty, flags, &payload, 0, dump, opts)?
            }
        };
        match outcome {
            Outcome::Do(replies) => print(&match replies.len() {
                0 => "null".to_owned(),
                1 => replies[0].to_python_json(),
                _ => Value::List(replies).to_python_json(),
            })?,
            Outcome::Dump(items) => print(&Value::List(items).to_python_json())?,
        }
    }
    if !args.multi.is_empty() {
        print(&multi(&fam, &args.multi, flags, opts)?.to_python_json())?;
    }
    if let Some(sub) = &mut sub {
        let events = sub.drain(&fam, opts)?;
        print(&Value::List(events).to_python_json())?;
    }
    Ok(())
}

/// The operation `name` (used for mode `mode`, `do` or `dump`), or an
/// error listing the ones there are.
fn find_op<'f>(fam: &'f SpecFamily, name: &str, mode: &'static str) -> Result<&'f Op, YnlError> {
    let op = fam
        .call_ops()
        .find(|o| o.name == name)
        .ok_or_else(|| YnlError::NoOperation {
            mode,
            name: name.to_owned(),
            known: fam.call_ops().map(|o| o.name.clone()).collect(),
        })?;
    let ok = match mode {
        "do" => op.has_do,
        _ => op.has_dump,
    };
    if !ok {
        // As cli.py: the kernel decides (tc's getqdisc, say, dumps though
        // its spec lists only `do`).
        eprintln!(
            "genl ynl: the spec lists no {mode} for `{name}` (it has: {}); sending one anyway",
            op.modes().join(", ")
        );
    }
    Ok(op)
}

/// The id of generic netlink family `name`.
fn resolve(name: &str) -> Result<u16, YnlError> {
    let mut conn = Connection::new()?;
    let id = conn.resolve(name)?.id;
    Ok(id)
}

/// A classic netlink socket of `protocol`, with strict checking of dump
/// requests (`NETLINK_GET_STRICT_CHK`), as `cli.py` asks for.
fn classic(protocol: isize) -> Result<ClassicConnection, YnlError> {
    let conn = ClassicConnection::new(protocol)?;
    let _ = conn.socket().inner().set_netlink_get_strict_chk(true);
    Ok(conn)
}

/// Names the attributes an extended ACK points at, through the spec:
/// `payload` is the request after its genl header (or `nlmsghdr`), and
/// `base` the offset of `payload` in the message.
fn explain(fam: &SpecFamily, op: &Op, payload: &[u8], base: usize, mut k: KernelError) -> YnlError {
    let fh = fam.struct_size(op.fixed_header.as_deref());
    let fh = (fh + 3) & !3;
    let attrs_at = base + fh;
    let attrs = payload.get(fh..).unwrap_or_default();
    if let Some(off) = k.offset.map(|o| o as usize) {
        if off >= attrs_at {
            k.path = fam.attr_path_at(op, attrs, off - attrs_at);
        }
    }
    if let Some(t) = k.missing_type {
        let set = match k.missing_nest.map(|o| o as usize) {
            None => op.attr_set.map(|i| &fam.sets[i]),
            Some(o) if o >= attrs_at => fam.nest_set_at(op, attrs, o - attrs_at),
            Some(_) => None,
        };
        if let Some(a) = set.and_then(|s| u16::try_from(t).ok().and_then(|t| s.attr_by_id(t))) {
            k.missing_path = Some(a.name.clone());
        }
    }
    YnlError::Kernel(Box::new(k))
}

/// Where `genl ctrl` looks for YNL specs: `dir` if given, else
/// `GENL_YNL_SPECS`, else the kernel source's `Documentation/netlink/specs`
/// in the genl cache when it is unpacked there (nothing is downloaded).
pub fn spec_dir(dir: Option<PathBuf>) -> Option<PathBuf> {
    if dir.is_some() {
        return dir;
    }
    if let Some(d) = std::env::var_os("GENL_YNL_SPECS").filter(|d| !d.is_empty()) {
        return Some(d.into());
    }
    let d = crate::cache::cache_dir()
        .ok()?
        .join("linux-source-6.12/Documentation/netlink/specs");
    d.is_dir().then_some(d)
}

/// The names of generic netlink family `family`'s ops, by the command id
/// the kernel lists (the spec's request value), from `dir/<family>.yaml`
/// (or with `-` as `_`); empty when there is no such spec or it does not
/// load (`genl ctrl` then prints ids only).
pub fn op_names(dir: &std::path::Path, family: &str) -> std::collections::BTreeMap<u32, String> {
    let mut out = std::collections::BTreeMap::new();
    for stem in [family.to_owned(), family.replace('-', "_")] {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("{stem}.yaml"))) else {
            continue;
        };
        let Ok(fam) = SpecFamily::parse(&text) else {
            continue;
        };
        if fam.name != family || fam.protocol != Protocol::Genetlink {
            continue;
        }
        for op in fam.call_ops() {
            if let Some(v) = op.req_value {
                out.entry(u32::from(v)).or_insert_with(|| op.name.clone());
            }
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    //! Errors before any kernel contact, and op naming. Expected ids come
    //! from the uapi headers (`linux/genetlink.h`: `CTRL_CMD_GETFAMILY` = 3,
    //! `CTRL_CMD_GETPOLICY` = 10; `linux/ethtool_netlink.h`:
    //! `ETHTOOL_MSG_STRSET_GET` = 1, `ETHTOOL_MSG_LINKINFO_GET` = 2,
    //! `ETHTOOL_MSG_LINKINFO_SET` = 3), never from this code's output.

    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    fn specs() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ynl")
    }

    /// The command line `genl ynl ARGS`, parsed (the spec named relative
    /// to the fixtures).
    fn parse(spec: &str, args: &[&str]) -> Result<YnlArgs, clap::Error> {
        let spec = specs().join(spec);
        let mut argv = vec!["genl", "ynl", "--spec", spec.to_str().unwrap()];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Ynl(a) => Ok(a),
            _ => unreachable!(),
        }
    }

    /// How `genl ynl ARGS` fails (the spec named relative to the
    /// fixtures; the arguments parse): its error, and the message `genl`
    /// prints.
    fn fails(spec: &str, args: &[&str]) -> (YnlError, String) {
        let e = run(parse(spec, args).unwrap()).unwrap_err();
        let text = e.to_string();
        (e, text)
    }

    #[test]
    fn ops_are_named_from_the_spec() {
        let n = op_names(&specs(), "nlctrl");
        assert_eq!(n.get(&3).map(String::as_str), Some("getfamily"));
        assert_eq!(n.get(&10).map(String::as_str), Some("getpolicy"));
        let n = op_names(&specs(), "ethtool");
        assert_eq!(n.get(&1).map(String::as_str), Some("strset-get"));
        assert_eq!(n.get(&2).map(String::as_str), Some("linkinfo-get"));
        assert_eq!(n.get(&3).map(String::as_str), Some("linkinfo-set"));
        // Unknown families and classic specs name nothing.
        assert!(op_names(&specs(), "no-such-family").is_empty());
        assert!(op_names(&specs(), "rt_link").is_empty());
    }

    #[test]
    fn bad_json_names_the_attribute() {
        let linkinfo = |json| fails("ethtool.yaml", &["--do", "linkinfo-get", "--json", json]);
        let (k, e) = linkinfo(r#"{"header": {"dev-nam": "x"}}"#);
        assert!(matches!(k, YnlError::Encode(_)), "{k:?}");
        assert!(
            e.starts_with("--json:") && e.contains("header.dev-nam") && e.contains("dev-name"),
            "{e}"
        );
        let (k, e) = linkinfo(r#"{"header": {"dev-index": "abc"}}"#);
        assert!(matches!(k, YnlError::Encode(_)), "{k:?}");
        assert!(e.contains("header.dev-index"), "{e}");
        let (k, e) = linkinfo(r#"{"header": {"dev-index": 4294967296}}"#);
        assert!(matches!(k, YnlError::Encode(_)), "{k:?}");
        assert!(e.contains("header.dev-index"), "{e}");
        let (k, e) = linkinfo(r#"{"header": {"flags": ["bogus"]}}"#);
        assert!(matches!(k, YnlError::Encode(_)), "{k:?}");
        assert!(e.contains("header.flags") && e.contains("bogus"), "{e}");
        let (k, e) = linkinfo("{");
        assert!(matches!(k, YnlError::Json(_)), "{k:?}");
        assert!(e.starts_with("--json:"), "{e}");
        let (_, e) = linkinfo("[1]");
        assert!(e.starts_with("--json:") && e.contains("object"), "{e}");
    }

    #[test]
    fn bad_ops_groups_and_specs_are_errors() {
        let (k, e) = fails("ethtool.yaml", &["--do", "nosuch"]);
        assert!(
            matches!(k, YnlError::NoOperation { mode: "do", .. }),
            "{k:?}"
        );
        assert!(e.contains("`nosuch`") && e.contains("linkinfo-get"), "{e}");
        let (k, e) = fails("netdev.yaml", &["--subscribe", "nosuch"]);
        assert!(matches!(k, YnlError::NoGroup { .. }), "{k:?}");
        assert!(e.contains("`nosuch`") && e.contains("mgmt"), "{e}");
        let (k, e) = fails("ethtool.yaml", &[]);
        assert!(matches!(k, YnlError::NothingToDo), "{k:?}");
        assert!(e.contains("nothing to do"), "{e}");
        let (k, e) = fails("no-such.yaml", &["--list-ops"]);
        assert!(matches!(k, YnlError::Read(_)), "{k:?}");
        assert!(e.contains("no-such.yaml"), "{e}");
        // --multi: an operation the spec lacks (named as for --do), then
        // JSON that does not parse (named by its operation).
        let (k, e) = fails("ethtool.yaml", &["--multi", "nosuch", "{}"]);
        assert!(
            matches!(k, YnlError::NoOperation { mode: "do", .. }),
            "{k:?}"
        );
        assert!(e.starts_with("--do: ") && e.contains("`nosuch`"), "{e}");
        let (k, e) = fails("ethtool.yaml", &["--multi", "linkinfo-get", "{"]);
        assert!(matches!(k, YnlError::MultiJson { .. }), "{k:?}");
        assert!(e.starts_with("--multi linkinfo-get: "), "{e}");
        // Only one action at a time.
        assert!(parse("netdev.yaml", &["--do", "dev-get", "--dump", "dev-get"]).is_err());
    }

    /// A spec whose `flush` has a `do` and no attribute-set: nlspec.py
    /// (Linux 6.12) refuses it, so cli.py runs nothing with it ("Can't
    /// resolve attribute set for op 'flush'"). genl ynl listed `flush`
    /// with --list-msgs and then said the spec had no operation `flush`
    /// for --do; now it refuses the spec as cli.py does, naming the
    /// operation. With the attribute set, cli.py's `ynl.ops` has it.
    #[test]
    fn an_operation_without_an_attribute_set_is_refused_as_cli_py_does() {
        let dir = std::env::temp_dir().join(format!("genl-ynl-noset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = |flush: &str| {
            format!(
                "# SPDX-License-Identifier: GPL-2.0\nname: x\nprotocol: genetlink\n\
                 attribute-sets:\n  - name: a\n    attributes:\n      - name: b\n        type: u32\n\
                 operations:\n  list:\n    - name: get\n      attribute-set: a\n      \
                 do: {{ request: {{ attributes: [ b ] }} }}\n    - name: flush\n{flush}      do: {{}}\n"
            )
        };
        let p = dir.join("noset.yaml");
        std::fs::write(&p, spec("")).unwrap();
        let path = p.to_str().unwrap();
        for args in [&["--list-msgs"][..], &["--list-ops"], &["--do", "flush"]] {
            let (k, e) = fails(path, args);
            assert!(matches!(k, YnlError::NoAttributeSet { .. }), "{k:?}");
            assert!(
                e.contains("`flush`") && e.contains("attribute-set"),
                "{args:?}: {e}"
            );
        }
        std::fs::write(&p, spec("      attribute-set: a\n")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let fam = SpecFamily::parse(&text).unwrap();
        assert!(fam.op_without_attr_set().is_none());
        let ops: Vec<&str> = fam.call_ops().map(|o| o.name.as_str()).collect();
        assert_eq!(ops, ["get", "flush"]);
        assert!(find_op(&fam, "flush", "do").is_ok());
    }

    /// The portwatch spec, as nlspec.py (Linux 6.12) reads it: `ynl.ops`
    /// is add, del, get, flush, hit, stats, ports (the attribute-less
    /// flush, stats and ports included); `ynl.msgs` adds unspec and the
    /// rule-changed event; the modes are as listed (`get`: do and dump).
    #[test]
    fn portwatch_operations_are_cli_pys() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/portwatch/kmod/portwatch.yaml");
        let fam = SpecFamily::parse(&std::fs::read_to_string(p).unwrap()).unwrap();
        assert!(fam.op_without_attr_set().is_none());
        let ops: Vec<&str> = fam.call_ops().map(|o| o.name.as_str()).collect();
        assert_eq!(ops, ["add", "del", "get", "flush", "hit", "stats", "ports"]);
        let msgs: Vec<(&str, Vec<&str>)> = fam
            .ops
            .iter()
            .map(|o| (o.name.as_str(), o.modes()))
            .collect();
        assert_eq!(
            msgs,
            [
                ("unspec", vec![]),
                ("add", vec!["do"]),
                ("del", vec!["do"]),
                ("get", vec!["do", "dump"]),
                ("flush", vec!["do"]),
                ("hit", vec!["do"]),
                ("stats", vec!["do"]),
                ("ports", vec!["dump"]),
                ("rule-changed", vec!["event"]),
            ]
        );
        for (name, mode) in [
            ("flush", "do"),
            ("stats", "do"),
            ("ports", "dump"),
            ("get", "dump"),
        ] {
            assert!(find_op(&fam, name, mode).is_ok(), "{name}");
        }
    }

    /// A command id over 255 does not fit the genl header's byte (struct
    /// genlmsghdr's `__u8 cmd`, <linux/genetlink.h>): such a spec is
    /// refused before anything is sent, for `--do` and `--multi` alike
    /// (never sent truncated to another command; the request builders
    /// check it too, `YnlError::CommandId`). The spec is named nlctrl so
    /// that the family would resolve on any host.
    #[test]
    fn a_command_id_over_255_is_refused() {
        let dir = std::env::temp_dir().join(format!("genl-ynl-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("big.yaml");
        std::fs::write(
            &p,
            "name: nlctrl\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      \
             - name: b\n        type: u32\n\
             operations:\n  list:\n    - name: big\n      value: 259\n      attribute-set: a\n      \
             do: { request: { attributes: [ b ] } }\n",
        )
        .unwrap();
        let path = p.to_str().unwrap();
        for args in [
            &["--do", "big", "--json", "{}"][..],
            &["--multi", "big", "{}"],
        ] {
            let (k, e) = fails(path, args);
            assert!(matches!(k, YnlError::Spec { .. }), "{args:?}: {k:?}");
            assert!(e.contains("operations/big") && e.contains("259"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_spec_with_a_dangling_reference_names_the_place() {
        let dir = std::env::temp_dir().join(format!("genl-ynl-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.yaml");
        std::fs::write(
            &p,
            "name: x\nprotocol: genetlink\nattribute-sets:\n  - name: a\n    attributes:\n      \
             - name: b\n        type: nest\n        nested-attributes: nope\n\
             operations:\n  list: []\n",
        )
        .unwrap();
        let (k, e) = fails(p.to_str().unwrap(), &["--list-ops"]);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(k, YnlError::Spec { .. }), "{k:?}");
        assert!(e.contains("nested-attributes") && e.contains("nope"), "{e}");
    }
}
