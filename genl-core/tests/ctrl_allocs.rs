//! The controller's typed replies allocate nothing: against the host
//! kernel's nlctrl, a counting global allocator counts the heap allocations
//! made while decoding `GETFAMILY` replies as [`FamilyInfo`] and reading
//! their ops and groups, once the connection's buffers are warm.
//!
//! Each test runs on a thread of its own, and the allocator counts per
//! thread, only while the thread asked it to: the harness's other threads
//! (and the other test) do not disturb the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use genl_core::controller::{ctrl_cmd, CtrlCmd, FamilyInfo, GetFamily, CTRL_VERSION, GENL_ID_CTRL};
use genl_core::{Connection, Family, GenlHeader};

/// The system allocator, counting the allocations (and reallocations) a
/// thread makes while its `COUNTING` is on, in its `ALLOCS`.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the thread-locals may be gone while a thread exits.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes on this thread, and its result.
fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCS.with(Cell::get) - before, r)
}

/// What a test reads of a family: enough to touch every op and group.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Seen {
    ops: usize,
    op_ids: u64,
    groups: usize,
    group_name_bytes: usize,
    /// Whether nlctrl's `notify` group was among the groups.
    notify: bool,
}

/// Reads every op and group of `f`, allocating nothing itself.
fn read(f: &FamilyInfo<'_>, seen: &mut Seen) {
    for op in f.ops.iter() {
        seen.ops += 1;
        seen.op_ids += u64::from(op.id) + u64::from(op.flags);
    }
    for g in f.mcast_groups.iter() {
        seen.groups += 1;
        seen.group_name_bytes += g.name.len();
        seen.notify |= f.family_name == "nlctrl" && g.name == "notify" && g.id == 0x10;
    }
}

fn getfamily() -> GenlHeader {
    GenlHeader {
        cmd: CtrlCmd::GetFamily.cmd(),
        version: CTRL_VERSION,
    }
}

/// (a) One `GETFAMILY` reply for ethtool: its decode to [`FamilyInfo`],
/// and the whole typed `query`, after the buffers are warm.
#[test]
fn one_getfamily_reply_decodes_without_allocating() {
    let mut conn = Connection::new().expect("a generic netlink socket");
    let req = GetFamily::by_name("ethtool");
    // Warm the connection: its receive buffer, the request buffer.
    for _ in 0..3 {
        match conn.query(ctrl_cmd::GetFamily, &req) {
            Ok(_) => {}
            Err(genl_core::Error::Kernel(k)) if k.errno == libc::ENOENT => {
                eprintln!("skipped: the host kernel has no ethtool family");
                return;
            }
            Err(e) => panic!("GETFAMILY ethtool: {e}"),
        }
    }

    // The decode alone, of a reply received beforehand.
    let view = conn
        .request_by_id(genl_core::RawRequest::new(GENL_ID_CTRL, getfamily(), &req))
        .expect("GETFAMILY ethtool")
        .expect("a reply");
    let (decode_allocs, seen) = count(|| {
        let f = view.decode::<FamilyInfo<'_>>().expect("a valid reply");
        let mut seen = Seen::default();
        read(&f, &mut seen);
        (f.family_name == "ethtool").then_some(seen)
    });
    let seen = seen.expect("the reply is ethtool's");
    // ethtool has had dozens of ops since Linux 5.6 and its "monitor" group.
    assert!(seen.ops >= 10, "{seen:?}");
    assert!(seen.groups >= 1, "{seen:?}");

    // The whole typed query: request, exchange, decode, read.
    let (query_allocs, again) = count(|| {
        let f = conn.query(ctrl_cmd::GetFamily, &req).expect("GETFAMILY");
        let mut again = Seen::default();
        read(&f, &mut again);
        again
    });
    assert_eq!(again, seen);
    eprintln!("ethtool GETFAMILY: decode {decode_allocs} allocations, query {query_allocs}");
    assert_eq!(decode_allocs, 0, "decoding one GETFAMILY reply allocated");
    assert_eq!(query_allocs, 0, "a typed GETFAMILY query allocated");
}

/// (b) A full `GETFAMILY` dump: every message decoded to [`FamilyInfo`]
/// and read, after one dump warmed the buffers.
#[test]
fn every_message_of_a_getfamily_dump_decodes_without_allocating() {
    let mut conn = Connection::new().expect("a generic netlink socket");
    let all = GetFamily::all();
    let dump_once = |conn: &mut Connection| {
        let mut dump = conn
            .dump_by_id(genl_core::RawRequest::new(GENL_ID_CTRL, getfamily(), &all))
            .expect("GETFAMILY dump");
        let (mut allocs, mut families, mut seen) = (0, 0, Seen::default());
        while let Some(view) = dump.next().expect("a dump message") {
            let (n, ok) = count(|| {
                let f = view.decode::<FamilyInfo<'_>>().expect("a valid message");
                read(&f, &mut seen);
                f.family_id != 0
            });
            assert!(ok);
            allocs += n;
            families += 1;
        }
        (allocs, families, seen)
    };
    dump_once(&mut conn);
    let (allocs, families, seen) = dump_once(&mut conn);
    // Every kernel registers nlctrl, with its "notify" group (id 0x10,
    // GENL_ID_CTRL) and GETFAMILY among its ops.
    assert!(seen.notify, "{seen:?}");
    assert!(families >= 1 && seen.ops >= families, "{families} {seen:?}");

    // The typed dump as a whole: request, exchange, decode, read (the
    // first one also resolves nlctrl into the connection's cache).
    let typed_dump = |conn: &mut Connection| {
        let mut dump = conn.dump(ctrl_cmd::GetFamily, &()).expect("GETFAMILY dump");
        let mut typed = Seen::default();
        while let Some(f) = dump.next().expect("a dump message") {
            read(&f, &mut typed);
        }
        typed
    };
    typed_dump(&mut conn);
    let (typed_allocs, typed) = count(|| typed_dump(&mut conn));
    assert_eq!(typed, seen);
    eprintln!(
        "GETFAMILY dump of {families} families: decode {allocs} allocations, typed dump {typed_allocs}"
    );
    assert_eq!(allocs, 0, "decoding the dump's messages allocated");
    assert_eq!(typed_allocs, 0, "a typed GETFAMILY dump allocated");
}
