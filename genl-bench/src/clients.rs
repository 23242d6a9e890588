//! genl's four clients side by side on one request: nlctrl's
//! `CTRL_CMD_GETFAMILY` by name through `Connection`, `SharedConnection`,
//! `AsyncConnection` and `AsyncSharedConnection` (each async request driven
//! to completion by a current-thread tokio runtime, as a caller awaiting one
//! request at a time would), and N threads sharing one `SharedConnection`
//! against N threads with a `Connection` each.
//!
//! The per-request cases run interleaved with every other case of the run
//! (see the crate docs); `clients_*_vs_connection` are their ratios to
//! `getfamily_nlctrl/genl`, per request (an async case awaits
//! [`ASYNC_BATCH`] requests in one task per run). The threaded figures are throughput, reported,
//! not gated: they depend on how the machine schedules N threads.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use genl_core::controller::GetFamily;
use genl_core::{AsyncConnection, AsyncSharedConnection, Connection, SharedConnection};

use crate::kernel::{bench_ctrl, KResult};
use crate::{Case, Res};

/// The family every client asks for: nlctrl is registered on every kernel.
const FAMILY: &str = "nlctrl";

/// A current-thread runtime with I/O, as an async caller has.
fn runtime() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?)
}

/// `SharedConnection`: the reply owned (the shared clients return owned
/// replies), its id read.
#[inline(never)]
fn shared_get_family(conn: &SharedConnection, name: &str) -> KResult<u16> {
    let r = conn.query(bench_ctrl::GetFamily, &GetFamily::by_name(name))?;
    Ok(r.get()?.family_id)
}

/// Adds the async case `$name`: a `$client` on its own current-thread
/// runtime, each run awaiting [`ASYNC_BATCH`] GETFAMILY requests in one
/// task; checked first to answer `$want`. (A macro: the two async clients
/// take requests through `&mut self` and `&self`, with no trait in common.)
macro_rules! async_case {
    ($cases:expr, $name:literal, $client:ty, $want:expr) => {{
        let rt = runtime()?;
        #[allow(unused_mut)]
        let mut conn = rt.block_on(async { <$client>::new() })?;
        #[allow(unused_mut)]
        let mut batch = move |rt: &tokio::runtime::Runtime, n: usize| -> KResult<u16> {
            rt.block_on(async {
                let mut id = 0;
                for _ in 0..n {
                    let req = GetFamily::by_name(black_box(FAMILY));
                    id = conn
                        .query(bench_ctrl::GetFamily, &req)
                        .await?
                        .get()?
                        .family_id;
                }
                Ok(id)
            })
        };
        assert_eq!(batch(&rt, 1)?, $want, $name);
        $cases.push(Case::new($name, move || {
            black_box(batch(&rt, ASYNC_BATCH).unwrap());
        }));
    }};
}

/// Adds the per-request cases of the three other clients; each is checked
/// first to answer what `Connection` answers.
pub fn cases(cases: &mut Vec<Case>) -> Res<()> {
    let want = crate::kernel::genl_get_family(&mut Connection::new()?, FAMILY)?;

    let shared = SharedConnection::new()?;
    assert_eq!(shared_get_family(&shared, FAMILY)?, want, "shared");
    cases.push(Case::new("clients/shared", move || {
        black_box(shared_get_family(&shared, black_box(FAMILY)).unwrap());
    }));

    // The async clients: ASYNC_BATCH requests awaited one after another in
    // one task per run (a caller inside a runtime pays no `block_on` per
    // request); their ratios divide by ASYNC_BATCH.
    async_case!(cases, "clients/async-x10", AsyncConnection, want);
    async_case!(
        cases,
        "clients/async-shared-x10",
        AsyncSharedConnection,
        want
    );
    Ok(())
}

/// Requests per run of an async case.
pub const ASYNC_BATCH: usize = 10;

/// The client cases' ratios to `Connection`'s, as (label, case, requests
/// per run of the case); all three are gated at 1.10 (`TARGETS`). The
/// async ones measured 1.09-1.17 while the tokio clients' socket sat in
/// the reactor's epoll set from the start: the kernel then runs an epoll
/// callback under a lock for every datagram queued to it. It joins the
/// reactor at the first wait now ([`genl_core::TokioSocket`]), and a
/// request whose reply is queued before `send` returns completes before any
/// future of its own is polled: 1.02 and 1.06 on the same machine.
pub const RATIOS: &[(&str, &str, usize)] = &[
    ("clients_shared_vs_connection", "clients/shared", 1),
    (
        "clients_async_vs_connection",
        "clients/async-x10",
        ASYNC_BATCH,
    ),
    (
        "clients_async_shared_vs_connection",
        "clients/async-shared-x10",
        ASYNC_BATCH,
    ),
];

/// The `Connection` case the client ratios divide by.
pub const BASE: &str = "getfamily_nlctrl/genl";

/// Nanoseconds per request with `threads` threads doing `per_thread`
/// requests each: on one `SharedConnection`, and on a `Connection` each.
/// Printed as `NS clients_threads<N>_shared` / `_own` and their ratio.
pub fn threads(threads: usize, per_thread: usize) -> Res<()> {
    let shared = SharedConnection::new()?;
    let barrier = Barrier::new(threads);
    let t = Instant::now();
    std::thread::scope(|s| -> KResult<()> {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    barrier.wait();
                    for _ in 0..per_thread {
                        shared_get_family(&shared, FAMILY).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in hs {
            h.join().map_err(|_| "a thread panicked")??;
        }
        Ok(())
    })?;
    let on_shared = t.elapsed().as_nanos() as f64 / (threads * per_thread) as f64;

    let conns = (0..threads)
        .map(|_| Connection::new())
        .collect::<Result<Vec<_>, _>>()?;
    let barrier = Barrier::new(threads);
    let t = Instant::now();
    std::thread::scope(|s| -> KResult<()> {
        let hs: Vec<_> = conns
            .into_iter()
            .map(|mut c| {
                let barrier = &barrier;
                s.spawn(move || -> Result<(), String> {
                    barrier.wait();
                    for _ in 0..per_thread {
                        crate::kernel::genl_get_family(&mut c, FAMILY)
                            .map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in hs {
            h.join().map_err(|_| "a thread panicked")??;
        }
        Ok(())
    })?;
    let on_own = t.elapsed().as_nanos() as f64 / (threads * per_thread) as f64;
    println!("NS clients_threads{threads}_shared {on_shared:.0}");
    println!("NS clients_threads{threads}_own {on_own:.0}");
    println!(
        "RATIO clients_threads{threads}_shared_vs_own {:.3}",
        on_shared / on_own
    );
    Ok(())
}
