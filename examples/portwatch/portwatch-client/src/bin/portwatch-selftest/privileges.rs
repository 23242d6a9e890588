//! What the module asks of the caller (CAP_NET_ADMIN for the admin
//! commands) and the running kernel's policy against the schema.

use super::*;

/// Without CAP_NET_ADMIN, the admin commands (ADD, DEL, FLUSH, HIT) fail
/// with EPERM and the others work (checked in a child process running as
/// `nobody`).
pub(crate) fn admin_commands_need_cap_net_admin() -> Check {
    let mut c = conn()?;
    add(&mut c, &spec(74, 740, Proto::Tcp))?;
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
    })?;
    let r = get(&mut c, 74)?;
    ensure(r.hits == Some(0), || format!("nobody's HIT counted: {r:?}"))
}

/// The child of [`admin_commands_need_cap_net_admin`].
pub(crate) fn unprivileged() -> Check {
    let mut c = conn()?;
    let eperm = |r: Result<(), Error>, what: &str| match r {
        Err(Error::Kernel(k)) if k.errno == libc::EPERM => Ok(()),
        other => Err(format!("{what} as nobody: want EPERM, got {other:?}")),
    };
    eperm(
        c.query(portwatch_cmd::Add, &spec(75, 750, Proto::Tcp))
            .map(|_| ()),
        "ADD",
    )?;
    eperm(c.request(portwatch_cmd::Del, &RuleId { id: 74 }), "DEL")?;
    eperm(c.request(portwatch_cmd::Flush, &()), "FLUSH")?;
    eperm(
        c.request(
            portwatch_cmd::Hit,
            &Hit {
                id: 74,
                bytes: None,
            },
        ),
        "HIT",
    )?;
    get(&mut c, 74).map_err(|e| format!("as nobody: {e}"))?;
    stats(&mut c).map_err(|e| format!("as nobody: {e}"))?;
    dump_ids(&mut c, &RuleFilter::default()).map_err(|e| format!("as nobody: {e}"))?;
    c.dump(portwatch_cmd::Ports, &())
        .and_then(|d| d.map(|_: PortUse| ()))
        .map_err(|e| format!("PORTS as nobody: {e}"))?;
    Ok(())
}

/// The running kernel's policy (CTRL_CMD_GETPOLICY) agrees with the
/// schema, attribute by attribute and operation by operation.
pub(crate) fn kernel_policy_matches_the_schema() -> Check {
    let mut c = conn()?;
    let drift = genl_core::drift::check_family(&mut c, PortwatchCmd::SCHEMA)
        .map_err(|e| format!("drift check: {e}"))?;
    let text: Vec<String> = drift.iter().map(|d| d.to_string()).collect();
    ensure(drift.is_empty(), || format!("drift: {text:#?}"))
}
