//! The support check against the host kernel's families: what the
//! controller says the running module accepts, and a typed request it
//! cannot take refused before sending, as the kernel would refuse it.

mod common;

use genl_core::{AttrSet, Connection, Error, Family};

/// A subset of ethtool's schema, with a command and attributes no kernel
/// has (ids far above ethtool's), as a client built for a newer module.
mod ethtool {
    use super::*;

    #[derive(Debug, Default, AttrSet)]
    pub struct Header<'a> {
        #[nla(id = 1)]
        pub dev_index: Option<u32>,
        #[nla(id = 2)]
        pub dev_name: Option<&'a str>,
        #[nla(id = 3)]
        pub flags: Option<u32>,
        /// Not in any kernel's `ethnl_header_policy`.
        #[nla(id = 60)]
        pub future: Option<u32>,
    }

    #[derive(Debug, Default, AttrSet)]
    pub struct LinkInfoGet<'a> {
        #[nla(id = 1, nested)]
        pub header: Header<'a>,
        /// Not in any kernel's `LINKINFO_GET` policy.
        #[nla(id = 61)]
        pub future: Option<u32>,
    }

    #[derive(Debug, Clone, Copy, Family)]
    #[genl(name = "ethtool", version = 1)]
    pub enum Cmd {
        #[genl(cmd = 2, request = LinkInfoGet<'a>, reply = LinkInfoGet<'a>, dump, dump_request = LinkInfoGet<'a>)]
        LinkInfoGet,
        /// No ethtool has a command 250.
        #[genl(cmd = 250, request = LinkInfoGet<'a>)]
        Future,
    }
}

fn lo() -> ethtool::LinkInfoGet<'static> {
    ethtool::LinkInfoGet {
        header: ethtool::Header {
            dev_name: Some("lo"),
            ..Default::default()
        },
        future: None,
    }
}

/// The request went out: the kernel answered it (lo may have no link
/// settings to report: `EOPNOTSUPP` "failed to retrieve link settings").
fn reached_kernel(r: Result<(), Error>) {
    match r {
        Ok(()) | Err(Error::Kernel(_)) => {}
        Err(e) => panic!("expected the kernel's answer, got {e:?}"),
    }
}

fn connection() -> Option<Connection> {
    let mut conn = Connection::new().unwrap();
    common::unless_absent(conn.resolve("ethtool").map(drop), "ethtool")?;
    Some(conn)
}

#[test]
fn supports_what_the_running_ethtool_has_and_not_what_it_lacks() {
    let Some(mut conn) = connection() else { return };
    assert!(conn.supports(ethtool::cmd::LinkInfoGet).unwrap());
    assert!(!conn.supports(ethtool::cmd::Future).unwrap());
    assert!(conn.supports_cmd("ethtool", 2).unwrap());
    assert!(!conn.supports_cmd("ethtool", 250).unwrap());
    assert!(conn.supports_cmd("nlctrl", 3).unwrap());
    let c = ethtool::cmd::LinkInfoGet;
    assert!(conn.supports_attr(c, "LinkInfoGet.header").unwrap());
    assert!(conn.supports_attr(c, "header.dev_name").unwrap());
    assert!(conn.supports_attr(c, "header.flags").unwrap());
    assert!(!conn.supports_attr(c, "header.future").unwrap());
    assert!(!conn.supports_attr(c, "future").unwrap());
    let v = conn.family_versions::<ethtool::Cmd>().unwrap();
    assert_eq!(v.client, 1);
    assert_eq!(v.kernel, conn.resolve("ethtool").unwrap().version);
}

#[test]
fn a_request_the_running_ethtool_cannot_take_fails_before_sending() {
    let Some(mut conn) = connection() else { return };
    // What it accepts goes out.
    reached_kernel(conn.query(ethtool::cmd::LinkInfoGet, &lo()).map(drop));
    let mut req = lo();
    req.header.future = Some(1);
    let seq = conn.last_seq();
    let e = conn.query(ethtool::cmd::LinkInfoGet, &req).unwrap_err();
    let Error::Unsupported(u) = e else {
        panic!("expected Unsupported, got {e:?}")
    };
    assert_eq!(u.path.as_deref(), Some("LinkInfoGet.header.future"));
    assert_eq!(u.client_version, 1);
    assert_eq!(conn.last_seq(), seq, "nothing was sent");
    let text = u.to_string();
    assert!(text.contains("LinkInfoGet.header.future"), "{text}");
    assert!(text.contains("module version"), "{text}");
    let e = conn.request(ethtool::cmd::Future, &lo()).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(u) if u.path.is_none() && u.cmd_id == 250),
        "{e:?}"
    );
    // The dump is checked against the dump's policy.
    let mut req = lo();
    req.future = Some(1);
    let e = conn
        .dump(ethtool::cmd::LinkInfoGet, &req)
        .map(drop)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(u) if u.dump && u.path.as_deref() == Some("LinkInfoGet.future")),
        "{e:?}"
    );
}

/// With the check off, the same requests reach the kernel, which refuses
/// them as the check said it would.
#[test]
fn with_the_check_off_the_kernel_refuses_what_the_check_would() {
    let Some(mut conn) = connection() else { return };
    conn.set_check_support(false);
    let mut req = lo();
    req.future = Some(1);
    let e = conn.query(ethtool::cmd::LinkInfoGet, &req).unwrap_err();
    assert!(
        matches!(&e, Error::Kernel(k) if k.errno == libc::EINVAL),
        "{e:?}"
    );
    let e = conn.request(ethtool::cmd::Future, &lo()).unwrap_err();
    assert!(
        matches!(&e, Error::Kernel(k) if k.errno == libc::EOPNOTSUPP),
        "{e:?}"
    );
}

#[test]
fn the_shared_connection_checks_too() {
    let shared = genl_core::SharedConnection::new().unwrap();
    if common::unless_absent(shared.resolve("ethtool").map(drop), "ethtool").is_none() {
        return;
    }
    assert!(!shared.supports(ethtool::cmd::Future).unwrap());
    let mut req = lo();
    req.header.future = Some(1);
    let e = shared.query(ethtool::cmd::LinkInfoGet, &req).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(u) if u.path.is_some()),
        "{e:?}"
    );
    reached_kernel(shared.query(ethtool::cmd::LinkInfoGet, &lo()).map(drop));
}
