//! Many threads, one connection: every reply reaches the thread that asked,
//! none is lost or crossed (host kernel, nlctrl).

mod common;

use std::collections::HashMap;

use genl_core::controller::{ctrl_cmd, GetFamily};
use genl_core::{Error, SharedConnection};

const THREADS: usize = 8;
const REQUESTS: usize = 10_000;

#[test]
fn eight_threads_ten_thousand_requests_each() {
    // Expected ids come from iproute2, not from the code under test.
    let out = std::process::Command::new("genl")
        .args(["ctrl", "list"])
        .output()
        .unwrap();
    let families = common::parse_genl_ctrl_list(&String::from_utf8(out.stdout).unwrap());
    let expected: HashMap<String, u32> = families.iter().map(|f| (f.name.clone(), f.id)).collect();
    let names: Vec<String> = families.iter().map(|f| f.name.clone()).collect();
    assert!(names.len() >= 2);

    let conn = SharedConnection::new().unwrap();
    let answered = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (conn, names, expected, answered) = (&conn, &names, &expected, &answered);
            s.spawn(move || {
                for i in 0..REQUESTS {
                    // Each thread walks the families at its own offset, so
                    // concurrent requests ask for different names.
                    let name = &names[(t + i) % names.len()];
                    let reply = conn
                        .query(ctrl_cmd::GetFamily, &GetFamily::by_name(name))
                        .unwrap();
                    let info = reply.get().unwrap();
                    assert_eq!(
                        info.family_name, name,
                        "thread {t} request {i} got another's reply"
                    );
                    assert_eq!(u32::from(info.family_id), expected[name]);
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(answered.into_inner(), THREADS * REQUESTS);
}

#[test]
fn shared_connection_reports_kernel_errors_and_dumps() {
    let conn = SharedConnection::new().unwrap();
    let err = conn
        .query(ctrl_cmd::GetFamily, &GetFamily::by_name("genl-no-such"))
        .unwrap_err();
    assert!(
        matches!(err, Error::Kernel(ref k) if k.errno == libc::ENOENT),
        "{err:?}"
    );
    let all = conn.dump(ctrl_cmd::GetFamily, &()).unwrap();
    let names: Vec<String> = all
        .iter()
        .map(|r| r.get().unwrap().family_name.to_owned())
        .collect();
    assert!(names.iter().any(|n| n == "nlctrl"));
}
