//! The kernel round-trip cases: genl, the raw netlink-sys client, neli and
//! rust-netlink against the host's nlctrl (GETFAMILY of nlctrl and ethtool,
//! a whole GETFAMILY dump), each checked once before timing.

use std::hint::black_box;

use genl_core::Connection;

use crate::{kernel, neli_impl, rust_netlink, Case, Res};

/// The kernel contenders, each checked once before timing.
pub(crate) fn kernel_cases(cases: &mut Vec<Case>, skipped: &mut Vec<String>) -> Res<()> {
    let families: Vec<&'static str> = {
        let mut c = Connection::new()?;
        ["nlctrl", "ethtool"]
            .into_iter()
            .filter(|n| match c.resolve(n) {
                Ok(_) => true,
                Err(e) => {
                    skipped.push(format!("getfamily {n}: family not available here ({e})"));
                    false
                }
            })
            .collect()
    };
    for &name in &families {
        let mut conn = Connection::new()?;
        let want = kernel::genl_get_family(&mut conn, name)?;
        cases.push(Case::new(format!("getfamily_{name}/genl"), move || {
            black_box(kernel::genl_get_family(&mut conn, black_box(name)).unwrap());
        }));
        // The same through genl's own controller types: the whole reply
        // decoded as `FamilyInfo`, every op and group read.
        let mut conn = Connection::new()?;
        assert_eq!(
            kernel::genl_get_family_info(&mut conn, name)?,
            want,
            "info: {name}"
        );
        cases.push(Case::new(
            format!("getfamily_{name}/genl-info"),
            move || {
                black_box(kernel::genl_get_family_info(&mut conn, black_box(name)).unwrap());
            },
        ));
        // The same without the support check (on by default): its cost.
        let mut conn = Connection::new()?;
        conn.set_check_support(false);
        assert_eq!(
            kernel::genl_get_family(&mut conn, name)?,
            want,
            "nocheck: {name}"
        );
        cases.push(Case::new(
            format!("getfamily_{name}/genl-nocheck"),
            move || {
                black_box(kernel::genl_get_family(&mut conn, black_box(name)).unwrap());
            },
        ));

        let mut raw = kernel::Raw::new()?;
        // The flags genl's `query` sends: NLM_F_REQUEST, no ACK.
        let mut req = kernel::raw_request(Some(name), 0x01);
        assert_eq!(raw.get_family(&mut req)?, want, "raw: {name}");
        cases.push(Case::new(format!("getfamily_{name}/raw"), move || {
            black_box(raw.get_family(&mut req).unwrap());
        }));
        let mut raw = kernel::Raw::new()?.without_sender_check();
        let mut req = kernel::raw_request(Some(name), 0x01);
        assert_eq!(raw.get_family(&mut req)?, want, "raw-nocheck: {name}");
        cases.push(Case::new(
            format!("getfamily_{name}/raw-nocheck"),
            move || {
                black_box(raw.get_family(&mut req).unwrap());
            },
        ));

        let neli = neli_impl::NeliClient::new()?;
        assert_eq!(neli.get_family(name)?, want, "neli: {name}");
        cases.push(Case::new(format!("getfamily_{name}/neli"), move || {
            black_box(neli.get_family(black_box(name)).unwrap());
        }));

        match rust_netlink::GenetlinkClient::new() {
            Ok(mut g) => {
                assert_eq!(g.get_family(name)?, want, "genetlink: {name}");
                cases.push(Case::new(
                    format!("getfamily_{name}/genetlink"),
                    move || {
                        black_box(g.get_family(black_box(name)).unwrap());
                    },
                ));
            }
            Err(e) => skipped.push(format!("genetlink: cannot open a connection: {e}")),
        }
    }

    if families.contains(&"ethtool") {
        let mut conn = Connection::new()?;
        conn.resolve("ethtool")?;
        cases.push(Case::new("cached_resolve/genl", move || {
            black_box(conn.resolve(black_box("ethtool")).unwrap().id);
        }));
    }

    let mut conn = Connection::new()?;
    let want = kernel::genl_dump(&mut conn)?;
    cases.push(Case::new("dump/genl", move || {
        black_box(kernel::genl_dump(&mut conn).unwrap());
    }));
    let mut conn = Connection::new()?;
    let info = kernel::genl_dump_info(&mut conn)?;
    if info != want {
        return Err(format!("the FamilyInfo dump {info:?} differs from {want:?}").into());
    }
    cases.push(Case::new("dump/genl-info", move || {
        black_box(kernel::genl_dump_info(&mut conn).unwrap());
    }));
    let mut raw = kernel::Raw::new()?;
    let mut req = kernel::raw_request(None, 0x301);
    let got = raw.dump(&mut req)?;
    if got != want {
        return Err(format!("raw dump {got:?} differs from genl's {want:?}").into());
    }
    cases.push(Case::new("dump/raw", move || {
        black_box(raw.dump(&mut req).unwrap());
    }));
    Ok(())
}
