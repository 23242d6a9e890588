//! `@name@-selftest`: the `@name@` module's behaviour, checked through the
//! typed client against the running kernel (`genl vm test` runs it in each
//! kernel it boots, as root). Prints one `test NAME ... ok|FAILED` line per
//! check and a libtest-style summary; exits 1 if any check failed.

use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitCode};
use std::time::Duration;

use @name@::{@name@_cmd, AddRequest, Counter, CounterName, @Name@Cmd};
use genl_core::{AttrWriter, Connection, Error, Family as _, Subscription};

type Check = Result<(), String>;

/// A check and the name it is reported under.
type NamedCheck = (&'static str, fn() -> Check);

/// Runs `f`, naming what failed.
fn ensure(cond: bool, what: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

fn conn() -> Result<Connection, String> {
    Connection::new().map_err(|e| format!("opening a connection: {e}"))
}

fn add(c: &mut Connection, name: &str, delta: u32) -> Result<u64, String> {
    let got = c
        .query(@name@_cmd::Add, &AddRequest { name, delta })
        .map_err(|e| format!("ADD {name} {delta}: {e}"))?;
    ensure(got.name == name, || format!("ADD replied for {:?}", got.name))?;
    got.value
        .ok_or_else(|| format!("ADD {name}: the reply has no value"))
}

fn get(c: &mut Connection, name: &str) -> Result<u64, String> {
    let got = c
        .query(@name@_cmd::Get, &CounterName { name })
        .map_err(|e| format!("GET {name}: {e}"))?;
    got.value
        .ok_or_else(|| format!("GET {name}: the reply has no value"))
}

/// ADD creates, adds and replies with the counter; GET reads it back.
fn round_trip() -> Check {
    let mut c = conn()?;
    ensure(add(&mut c, "round-trip", 5)? == 5, || "first ADD".into())?;
    let v = add(&mut c, "round-trip", 3)?;
    ensure(v == 8, || format!("5 + 3 gave {v}"))?;
    let v = get(&mut c, "round-trip")?;
    ensure(v == 8, || format!("GET gave {v}, ADD said 8"))
}

/// RESET (an ACK-only command) sets the counter to 0.
fn reset_sets_zero() -> Check {
    let mut c = conn()?;
    add(&mut c, "to-reset", 42)?;
    c.request(@name@_cmd::Reset, &CounterName { name: "to-reset" })
        .map_err(|e| format!("RESET: {e}"))?;
    let v = get(&mut c, "to-reset")?;
    ensure(v == 0, || format!("after RESET the value is {v}"))
}

/// The dump returns every counter, each once, with its value.
fn dump_lists_every_counter() -> Check {
    let mut c = conn()?;
    let want = [("dump-a", 1u64), ("dump-b", 20), ("dump-c", 300)];
    for (name, v) in want {
        add(&mut c, name, v as u32)?;
    }
    let mut got: Vec<(String, u64)> = c
        .dump(@name@_cmd::Get, &())
        .and_then(|d| d.map(|x: Counter<'_>| (x.name.to_owned(), x.value.unwrap_or(0))))
        .map_err(|e| format!("dump: {e}"))?
        .into_iter()
        .filter(|(n, _)| n.starts_with("dump-"))
        .collect();
    got.sort();
    let want: Vec<(String, u64)> = want.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    ensure(got == want, || format!("dump gave {got:?}, want {want:?}"))
}

/// A change is multicast to the `changes` group.
fn event_is_received() -> Check {
    let mut sub =
        Subscription::new("@name@", "changes").map_err(|e| format!("subscribing: {e}"))?;
    sub.set_timeout(Some(Duration::from_secs(5)));
    let mut c = conn()?;
    add(&mut c, "evented", 7)?;
    loop {
        let msg = sub.next_event().map_err(|e| format!("waiting for CHANGED: {e}"))?;
        let Some(ev) = msg.event(@name@_cmd::Changed) else {
            continue;
        };
        let ev = ev.map_err(|e| format!("decoding CHANGED: {e}"))?;
        if ev.name == "evented" {
            return ensure(ev.value == Some(7), || format!("CHANGED carries {:?}", ev.value));
        }
    }
}

/// Without CAP_NET_ADMIN, the admin commands fail with EPERM (checked in a
/// child process running as `nobody`).
fn admin_commands_need_cap_net_admin() -> Check {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("--unprivileged")
        .uid(65534)
        .gid(65534)
        .output()
        .map_err(|e| format!("running the unprivileged child: {e}"))?;
    ensure(out.status.success(), || {
        format!(
            "unprivileged child: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The child of [`admin_commands_need_cap_net_admin`].
fn unprivileged() -> Check {
    let mut c = conn()?;
    let eperm = |r: Result<(), Error>, what: &str| match r {
        Err(Error::Kernel(k)) if k.errno == libc::EPERM => Ok(()),
        other => Err(format!("{what} as nobody: want EPERM, got {other:?}")),
    };
    eperm(
        c.query(@name@_cmd::Add, &AddRequest { name: "x", delta: 1 })
            .map(|_| ()),
        "ADD",
    )?;
    eperm(c.request(@name@_cmd::Reset, &CounterName { name: "x" }), "RESET")
}

/// A request without a required attribute never reaches the module: the
/// generated kernel code rejects it and names the attribute. The extended
/// ACK's missing-attribute type needs a kernel with
/// NLMSGERR_ATTR_MISS_TYPE (Linux 6.0), as the module's build found in its
/// headers (genl_compat_features.h, named by GENL_COMPAT_FEATURES or in
/// GENL_VM_MODULE_DIR); elsewhere the message alone names the attribute.
fn missing_required_attribute_is_rejected_by_the_kernel() -> Check {
    let features = genl_core::module_features::of_module_under_test()
        .map_err(|e| format!("the module's kernel features: {e}"))?;
    let mut c = conn()?;
    // ADD with a name but no delta: only an untyped request can say that.
    match c.request_unchecked(@name@_cmd::Add, &CounterName { name: "x" }) {
        Err(Error::Kernel(k)) if !features.names_missing_attributes() => {
            ensure(k.errno == libc::EINVAL, || format!("errno {k}"))?;
            ensure(k.missing_type.is_none(), || {
                format!("missing type {:?} from a kernel without one", k.missing_type)
            })?;
            ensure(
                k.message.as_deref() == Some("missing attribute: AddRequest.delta"),
                || format!("message {:?}", k.message),
            )
        }
        Err(Error::Kernel(k)) => {
            ensure(k.errno == libc::EINVAL, || format!("errno {k}"))?;
            ensure(k.missing_type == Some(u32::from(AddRequest::DELTA)), || {
                format!("missing type {:?}", k.missing_type)
            })?;
            ensure(
                k.missing_path.as_deref() == Some("AddRequest.delta"),
                || format!("missing path {:?}", k.missing_path),
            )
        }
        other => Err(format!("want EINVAL, got {other:?}")),
    }
}

/// A value outside the declared range is refused by the kernel's policy,
/// and the extended ACK points at the attribute.
fn out_of_range_value_is_rejected_by_the_kernel() -> Check {
    let mut c = conn()?;
    let mut attrs = Vec::new();
    let mut w = AttrWriter::new(&mut attrs);
    w.put_str(AddRequest::NAME, "x").map_err(|e| e.to_string())?;
    w.put_u32(AddRequest::DELTA, 0);
    match c.request_unchecked(@name@_cmd::Add, &RawAttrs(attrs)) {
        Err(Error::Kernel(k)) => {
            ensure(k.errno == libc::EINVAL || k.errno == libc::ERANGE, || {
                format!("errno {k}")
            })?;
            ensure(k.path.as_deref() == Some("AddRequest.delta"), || {
                format!("path {:?} ({k})", k.path)
            })
        }
        other => Err(format!("want a policy error, got {other:?}")),
    }
}

/// Attributes already encoded.
struct RawAttrs(Vec<u8>);

impl genl_core::Encode for RawAttrs {
    fn encode(&self, w: &mut AttrWriter<'_>) -> Result<(), genl_core::EncodeError> {
        w.put_raw(&self.0);
        Ok(())
    }
}

/// An unknown counter is ENOENT, with the module's message and the name's
/// path.
fn unknown_counter_is_enoent() -> Check {
    let mut c = conn()?;
    match c.query(@name@_cmd::Get, &CounterName { name: "no-such-counter" }) {
        Err(Error::Kernel(k)) => {
            ensure(k.errno == libc::ENOENT, || format!("errno {k}"))?;
            ensure(k.message.is_some(), || format!("no extack message: {k}"))?;
            ensure(k.path.as_deref() == Some("CounterName.name"), || {
                format!("path {:?}", k.path)
            })
        }
        other => Err(format!("want ENOENT, got {other:?}")),
    }
}

/// The running kernel's policy (CTRL_CMD_GETPOLICY) agrees with the
/// schema, attribute by attribute. A compatible difference (the module
/// takes more than the schema says: a newer module, an attribute or
/// command added) is printed and passes; a breaking one (the module lacks
/// or refuses what the schema sends) fails.
fn kernel_policy_matches_the_schema() -> Check {
    let mut c = conn()?;
    let drift = genl_core::drift::check_family(&mut c, @Name@Cmd::SCHEMA)
        .map_err(|e| format!("drift check: {e}"))?;
    let (breaking, compatible): (Vec<_>, Vec<_>) = drift
        .iter()
        .partition(|d| d.impact() == genl_core::drift::Impact::Breaking);
    for d in &compatible {
        println!("note: the module differs compatibly from the schema: {d}");
    }
    let text: Vec<String> = breaking.iter().map(|d| d.to_string()).collect();
    ensure(breaking.is_empty(), || format!("breaking drift: {text:#?}"))
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--unprivileged") {
        return match unprivileged() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let checks: &[NamedCheck] = &[
        ("round_trip", round_trip),
        ("reset_sets_zero", reset_sets_zero),
        ("dump_lists_every_counter", dump_lists_every_counter),
        ("event_is_received", event_is_received),
        ("admin_commands_need_cap_net_admin", admin_commands_need_cap_net_admin),
        (
            "missing_required_attribute_is_rejected_by_the_kernel",
            missing_required_attribute_is_rejected_by_the_kernel,
        ),
        (
            "out_of_range_value_is_rejected_by_the_kernel",
            out_of_range_value_is_rejected_by_the_kernel,
        ),
        ("unknown_counter_is_enoent", unknown_counter_is_enoent),
        ("kernel_policy_matches_the_schema", kernel_policy_matches_the_schema),
    ];
    println!("running {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed.push(*name);
            }
        }
    }
    let passed = checks.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!("test result: {verdict}. {passed} passed; {} failed", failed.len());
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
