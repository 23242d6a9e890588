//! A client of the `genl_demo` kernel module (`kmod-c/`), using the same
//! Rust schema the module's headers are generated from (`genl::demo`).
//!
//! ```text
//! cargo run --example demo-client -- echo TEXT
//! cargo run --example demo-client -- set KEY VALUE      (needs CAP_NET_ADMIN)
//! cargo run --example demo-client -- get KEY
//! cargo run --example demo-client -- dump
//! cargo run --example demo-client -- del KEY            (needs CAP_NET_ADMIN)
//! cargo run --example demo-client -- deferred ID DELAY_MS
//! cargo run --example demo-client -- listen             (prints events)
//! ```

use std::process::ExitCode;

use genl::demo::{demo_cmd, Deferred, Echo, KvEntry, KvKey};
use genl_core::{Connection, Subscription};

fn show(e: &KvEntry<'_>) {
    println!(
        "{} = {:?}{}",
        e.key,
        e.value.map(String::from_utf8_lossy).unwrap_or_default(),
        e.meta
            .as_ref()
            .map(|m| format!("  {m:?}"))
            .unwrap_or_default()
    );
}

fn run(args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = Connection::new()?;
    match args {
        ["echo", text] => {
            let r: Echo<'_> = conn.query(
                demo_cmd::Echo,
                &Echo {
                    msg: text,
                    cookie: None,
                },
            )?;
            println!("{}", r.msg);
        }
        ["set", key, value] => {
            conn.request(
                demo_cmd::KvSet,
                &KvEntry {
                    key,
                    value: Some(value.as_bytes()),
                    meta: None,
                },
            )?;
        }
        ["get", key] => show(&conn.query(demo_cmd::KvGet, &KvKey { key })?),
        ["del", key] => {
            conn.request(demo_cmd::KvDel, &KvKey { key })?;
        }
        ["dump"] => {
            let mut dump = conn.dump(demo_cmd::KvGet, &())?;
            while let Some(e) = dump.next()? {
                show(&e);
            }
        }
        ["deferred", id, delay] => {
            let id = id
                .parse()
                .map_err(|_| format!("ID {id:?} is not a number"))?;
            let delay = delay
                .parse()
                .map_err(|_| format!("DELAY_MS {delay:?} is not a number"))?;
            let r = conn.query_deferred(
                demo_cmd::Deferred,
                &Deferred {
                    id,
                    delay_ms: Some(delay),
                },
            )?;
            println!("deferred reply for id {}", r.id);
        }
        ["listen"] => {
            let mut sub = Subscription::new("genl_demo", "events")?;
            loop {
                let ev = sub.next_event()?;
                let Some(ev) = ev.event(demo_cmd::KvEvent) else {
                    continue;
                };
                let ev = ev?;
                println!(
                    "{:?} {} {:?}",
                    ev.op,
                    ev.key,
                    ev.value.map(String::from_utf8_lossy)
                );
            }
        }
        _ => return Err(format!("unknown command {args:?}; see the example's docs").into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo-client: {e}");
            ExitCode::FAILURE
        }
    }
}
