//! Systematic fault injection, the way syzkaller does it, against both
//! modules inside the `6.12-debug` VM kernel (`cargo xtask vm test`; the
//! kernel is built with failslab, fail_page_alloc and KASAN, kmemleak,
//! lockdep, UBSAN: see `genl_cli::vm::debug_kernel`).
//!
//! For each command of `genl_demo` (and each request of the classic
//! `netlink_test`), run `n = 1, 2, …`: write `n` to
//! `/proc/thread-self/fail-nth`, so that the n-th allocation this thread
//! makes in the kernel fails, send the request and read the whole answer.
//! The file is armed only while the `sendto` and `recv` calls run (read
//! back after each, re-armed with what is left before the next: see
//! [`Window`]), so that the program's own page faults between them never
//! take a fault point. The sweep ends with the first run in which no fault
//! was injected: that run must succeed.
//!
//! Every run must end in one of these, and nothing else:
//! - the whole answer: the expected replies (type, command and content
//!   checked), a dump's entries each exactly once, then the ACK or
//!   `NLMSG_DONE` (when the failed allocation had a fallback);
//! - an error reply with an errno the command's code paths can return when
//!   an allocation fails ([`Errnos`], derived from the module and from Linux
//!   6.12's `net/netlink/genetlink.c` and `af_netlink.c`);
//! - `sendmsg` failing with `ENOBUFS` (`netlink_sendmsg`: the request's skb
//!   could not be allocated);
//! - `recv` failing with `ENOBUFS` (`netlink_ack` could not allocate the
//!   ACK, or a dump's next skb could not be allocated: `sk_err`).
//!
//! A run that hears nothing within [`ANSWER_TIMEOUT`] fails the sweep: a
//! module that drops its reply and ACK silently when an allocation fails is
//! a bug. So does any other errno, a wrong or extra message, and a
//! duplicated or missing dump entry. Where a change is notified, a listener
//! must see exactly the expected event or `ENOBUFS`, never silence, and the
//! store must hold the change exactly when it was acknowledged. After each
//! sweep the module must still answer.
//!
//! Oopses, KASAN/UBSAN/lockdep reports and leaks (kmemleak after `rmmod`)
//! are the harness's to catch. Each command prints a `FAULTS` line (the
//! distinct failure points reached and the outcomes), which the VM summary
//! repeats.
//!
//! The kernels without fault injection (Debian's) fail this suite loudly:
//! genl.toml runs it on `6.12-debug` only.

#[path = "vm_faults/exchange.rs"]
mod exchange;
#[path = "vm_faults/genl_demo.rs"]
mod genl_demo;
#[path = "vm_faults/inject.rs"]
mod inject;
#[path = "vm_faults/netlink_test.rs"]
mod netlink_test;
#[path = "vm_faults/sock.rs"]
mod sock;
#[path = "vm_faults/sweep.rs"]
mod sweep;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use genl::demo::{Deferred, Echo, KvEntry, KvEvent, KvKey, KvMeta, KvOp, KvState};
use genl_core::message::build_message;
use genl_core::{Connection, Decode, Family, GenlHeader};

use exchange::*;
use inject::*;
use sock::*;
use sweep::*;

const NETLINK_GENERIC: i32 = 16;
const NETLINK_TEST: i32 = 25;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_DUMP_INTR: u16 = 0x10;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLTEST_MSG_ECHO: u16 = 0x10;
const NLTEST_MSG_DEFERRED: u16 = 0x11;
const NLTEST_MSG_MCAST: u16 = 0x12;
const NLTEST_MSG_INFO: u16 = 0x13;
const NLTEST_GRP_EVENTS: u32 = 1;
/// How long one run may wait for its answer (a dropped reply ends this
/// way); generous for KASAN under emulation.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a listener is given to see an event.
const EVENT_WAIT: Duration = Duration::from_millis(500);
/// No sweep may go on past this many runs.
const MAX_RUNS: u32 = 400;
/// Fewer failure points than this means injection is not reaching the
/// request (e.g. GFP_KERNEL allocations still ignored).
const MIN_POINTS: usize = 5;

fn in_vm() {
    assert!(
        std::env::var_os("GENL_VM").is_some(),
        "this suite runs inside the VM: cargo xtask vm test"
    );
}

/// Without fault injection this suite cannot run: it says so by failing.
#[test]
#[ignore = "runs inside the 6.12-debug VM: cargo xtask vm test"]
fn fault_injection_is_available() {
    in_vm();
    configure_fault_injection();
    let f = FailNth::open();
    // The next fault point (opening a file allocates) fails.
    f.arm(1);
    let r = File::open("/proc/self/status");
    assert_eq!(f.disarm(), 0, "fail-nth injected no fault");
    assert!(r.is_err(), "the injected fault did not fail open()");
}
