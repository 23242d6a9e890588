//! `@name@-client`: a typed client of the `@name@` family.
//!
//! ```text
//! @name@-client add NAME DELTA   add DELTA to counter NAME (needs CAP_NET_ADMIN)
//! @name@-client get NAME         show one counter
//! @name@-client list             show every counter
//! @name@-client reset NAME       set counter NAME to 0 (needs CAP_NET_ADMIN)
//! @name@-client watch            print changes as they happen
//! ```

use std::process::ExitCode;

use @name@::{@name@_cmd, AddRequest, Counter, CounterName};
use genl_core::{Connection, Subscription};

const USAGE: &str = "usage: @name@-client <command>

commands:
  add NAME DELTA   add DELTA (1..=1000000) to counter NAME, creating it (needs CAP_NET_ADMIN)
  get NAME         show one counter
  list             show every counter
  reset NAME       set counter NAME to 0 (needs CAP_NET_ADMIN)
  watch            print changes as they happen (Ctrl-C stops)";

fn show(c: &Counter<'_>) {
    println!("{} {}", c.name, c.value.unwrap_or(0));
}

fn run(args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = Connection::new()?;
    match args {
        ["add", name, delta] => {
            let delta = delta
                .parse()
                .map_err(|_| format!("DELTA {delta:?} is not a number"))?;
            show(&conn.query(@name@_cmd::Add, &AddRequest { name, delta })?);
        }
        ["get", name] => show(&conn.query(@name@_cmd::Get, &CounterName { name })?),
        ["list"] => {
            let mut dump = conn.dump(@name@_cmd::Get, &())?;
            while let Some(c) = dump.next()? {
                show(&c);
            }
        }
        ["reset", name] => conn.request(@name@_cmd::Reset, &CounterName { name })?,
        ["watch"] => {
            let mut sub = Subscription::new("@name@", "changes")?;
            loop {
                let msg = sub.next_event()?;
                if let Some(c) = msg.event(@name@_cmd::Changed) {
                    show(&c?);
                }
            }
        }
        _ => return Err(format!("unknown command {args:?}\n{USAGE}").into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if args.is_empty() || args.iter().any(|a| *a == "-h" || *a == "--help") {
        println!("{USAGE}");
        return if args.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("@name@-client: {e}");
            ExitCode::FAILURE
        }
    }
}
