//! Family resolution: a family's name to its id and groups through the
//! controller, cached per connection, kept fresh by the controller's
//! notifications, and the one retry rule after a module reload.
//!
//! Every connection's request socket joins nlctrl's `notify` group, so
//! `DELFAMILY`/`NEWFAMILY` notifications arrive in order with the replies:
//! each drops the cache entry it names (`FamilyCache::on_control`), and a
//! request pending on a deleted family ends once the socket is idle
//! (`Exchange::on_control`).
//! Notifications queue on the socket while it is idle; a cache hit reads
//! them at most once per `DRAIN_INTERVAL_NS` (`DrainClock`), so a stale
//! id can still be used within that window. A request sent with a stale id
//! fails with `ENOENT` (or `EOPNOTSUPP`) queued behind the notifications
//! that explain it: `FamilyRetry` then looks the family up again and
//! resends once if its id changed.

use crate::controller::{CtrlCmd, FamilyInfo, GetFamily, OpInfo, CTRL_VERSION, GENL_ID_CTRL};
use crate::engine::{self, CtrlEvent, Mode, Request, Route};
use crate::error::{Error, Result};
use crate::message::{GenlHeader, Messages};
use crate::support::SupportState;
use crate::Family as _;

/// A resolved family: what the controller reported about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFamily {
    /// The family name.
    pub name: String,
    /// The id to address it with (`nlmsg_type`).
    pub id: u16,
    /// The version the kernel registered.
    pub version: u32,
    /// The largest attribute id it accepts.
    pub max_attr: u32,
    /// Multicast groups: name and id.
    pub mcast_groups: Vec<(String, u32)>,
    /// The commands the module has, each with its flags
    /// (`GENL_CMD_CAP_DO`/`_DUMP`, `GENL_ADMIN_PERM`, …): see
    /// [`crate::support`].
    pub ops: Vec<OpInfo>,
}

impl ResolvedFamily {
    /// From the controller's description (copied: a cache entry outlives
    /// the message).
    pub fn from_info(info: &FamilyInfo<'_>) -> Self {
        ResolvedFamily {
            name: info.family_name.to_owned(),
            id: info.family_id,
            version: info.version,
            max_attr: info.maxattr,
            mcast_groups: info
                .mcast_groups
                .iter()
                .map(|g| (g.name.to_owned(), g.id))
                .collect(),
            ops: info.ops.iter().collect(),
        }
    }

    /// The id of multicast group `name`.
    pub fn group(&self, name: &str) -> Option<u32> {
        self.mcast_groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    /// The id of multicast group `group` of this family, or
    /// [`Error::GroupNotFound`].
    pub fn group_id(&self, group: &str) -> Result<u32> {
        self.group(group).ok_or_else(|| Error::GroupNotFound {
            family: self.name.clone(),
            group: group.to_owned(),
        })
    }
}

/// The attributes of the `CTRL_CMD_GETFAMILY` request for `name`.
pub(crate) fn getfamily_request(name: &str) -> GetFamily<'_> {
    GetFamily::by_name(name)
}

/// The `CTRL_CMD_GETFAMILY` request with attributes `req`, answered by one
/// reply.
pub(crate) fn getfamily<'r, 'n>(req: &'r GetFamily<'n>) -> Request<'r, GetFamily<'n>> {
    Request {
        family_id: GENL_ID_CTRL,
        genl: GenlHeader {
            cmd: CtrlCmd::GetFamily.cmd(),
            version: CTRL_VERSION,
        },
        mode: Mode::FirstReply,
        flags: 0,
        payload: req,
        schema: Some(<GetFamily<'_> as crate::AttrSet>::SCHEMA),
    }
}

/// [`getfamily_outcome`] of a connection whose replies are owned.
pub(crate) fn getfamily_owned(
    name: &str,
    replies: Result<Vec<crate::owned::OwnedMessage>>,
) -> Result<ResolvedFamily> {
    // At most one reply: the engine rejects more for a `do`.
    match replies.map(|mut r| r.pop()) {
        Ok(Some(m)) => getfamily_outcome(name, Ok(Some(m.decode::<FamilyInfo<'_>>()?))),
        Ok(None) => getfamily_outcome(name, Ok(None)),
        Err(e) => getfamily_outcome(name, Err(e)),
    }
}

/// The outcome of a `GETFAMILY` for `name`: the family, or
/// [`Error::FamilyNotFound`] for the controller's `ENOENT`.
pub(crate) fn getfamily_outcome(
    name: &str,
    reply: Result<Option<FamilyInfo<'_>>>,
) -> Result<ResolvedFamily> {
    match reply {
        Ok(Some(info)) => Ok(ResolvedFamily::from_info(&info)),
        Ok(None) => Err(Error::UnexpectedReply("GETFAMILY returned no family")),
        Err(Error::Kernel(k)) if k.errno == libc::ENOENT => {
            Err(Error::FamilyNotFound(name.to_owned()))
        }
        Err(e) => Err(e),
    }
}

/// Reads the controller notifications queued on a socket (port `portid`,
/// read by `try_recv` into `rx`) into `families`, until none is queued;
/// anything else is dropped (replies of requests that gave up). Lost
/// notifications (`ENOBUFS`) clear the cache: anything may have changed.
pub(crate) fn drain(
    families: &mut FamilyCache,
    rx: &mut Vec<u8>,
    portid: u32,
    mut try_recv: impl FnMut(&mut Vec<u8>) -> Result<bool>,
) -> Result<()> {
    loop {
        match try_recv(rx) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(Error::EventsLost) => {
                families.clear();
                continue;
            }
            Err(e) => return Err(e),
        }
        for msg in Messages::new(rx).map_while(|m| m.ok()) {
            if let Route::Control(ev) = engine::route(&msg, portid) {
                families.on_control(ev.as_ref());
            }
        }
    }
}

/// The family cache of a connection: requested name → family, and what is
/// known of its support (learned lazily, forgotten with the entry). A
/// connection resolves a handful of families, so a linear scan beats
/// hashing.
#[derive(Debug, Default)]
pub(crate) struct FamilyCache {
    entries: Vec<(String, ResolvedFamily, SupportState)>,
    /// The last family a typed request looked up: its `'static` name's
    /// address and length, and its id. A static's address is never reused
    /// for another string, so an equal address is the same name, found
    /// without comparing text. Forgotten whenever an entry goes.
    last: Option<(usize, usize, u16)>,
    /// The last request to `last`'s family the support check allowed
    /// outright ([`AllowedKey`]): the same request needs no check again.
    /// Forgotten with `last`.
    allowed: Option<AllowedKey>,
}

/// A request as the support check's verdict depends on it: its command,
/// whether a dump, and its declared set's address.
pub(crate) type AllowedKey = (u8, bool, usize);

impl FamilyCache {
    /// The id of `name` if it is the last one remembered
    /// ([`remember_static`](Self::remember_static)) and still cached.
    #[inline]
    pub(crate) fn last_static(&self, name: &'static str) -> Option<u16> {
        match self.last {
            Some((at, len, id)) if at == name.as_ptr() as usize && len == name.len() => Some(id),
            _ => None,
        }
    }

    /// Remembers that `name` (cached) has `id`.
    #[inline]
    pub(crate) fn remember_static(&mut self, name: &'static str, id: u16) {
        self.last = Some((name.as_ptr() as usize, name.len(), id));
        self.allowed = None;
    }

    /// Whether the support check allowed request `key` of `name` outright
    /// last time, `name` still the last family looked up (and so its entry
    /// unchanged since).
    #[inline]
    pub(crate) fn allowed_again(&self, name: &'static str, key: AllowedKey) -> bool {
        self.allowed == Some(key) && self.last_static(name).is_some()
    }

    /// Remembers that the support check allowed request `key` of `name`
    /// outright (if `name` is the last family looked up).
    #[inline]
    pub(crate) fn remember_allowed(&mut self, name: &'static str, key: AllowedKey) {
        if self.last_static(name).is_some() {
            self.allowed = Some(key);
        }
    }

    /// The cached family `name`.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<&ResolvedFamily> {
        self.position(name).map(|i| self.at(i))
    }

    /// Where `name` is cached.
    #[inline]
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|(n, ..)| n == name)
    }

    /// The family at `position` (from [`position`](Self::position)).
    #[inline]
    pub(crate) fn at(&self, position: usize) -> &ResolvedFamily {
        &self.entries[position].1
    }

    /// Caches `family` under `name`, replacing an older entry.
    pub(crate) fn insert(&mut self, name: &str, family: ResolvedFamily) -> &ResolvedFamily {
        self.invalidate(name);
        self.entries
            .push((name.to_owned(), family, SupportState::default()));
        &self.entries.last().expect("just pushed").1
    }

    /// The cached family `name` and what is known of its support.
    #[inline]
    pub(crate) fn support(&mut self, name: &str) -> Option<(&ResolvedFamily, &mut SupportState)> {
        let i = self.position(name)?;
        let (_, f, s) = &mut self.entries[i];
        Some((f, s))
    }

    /// Whether `name` is no longer cached at `id` (a notification dropped
    /// or replaced it): see [`FamilyRetry::after`].
    pub(crate) fn moved(&self, name: &str, id: u16) -> bool {
        self.get(name).map(|f| f.id) != Some(id)
    }

    /// Forgets `name`.
    pub(crate) fn invalidate(&mut self, name: &str) {
        self.entries.retain(|(n, ..)| n != name);
        self.last = None;
        self.allowed = None;
    }

    /// Applies a controller notification: the family it names (or, if it
    /// could not be read, every family) is looked up again on next use.
    pub(crate) fn on_control(&mut self, event: Option<&CtrlEvent>) {
        self.last = None;
        self.allowed = None;
        match event {
            Some(e) => self
                .entries
                .retain(|(n, f, _)| n != &e.family_name && f.id != e.family_id),
            None => self.entries.clear(),
        }
    }

    /// Forgets everything (notifications were lost).
    pub(crate) fn clear(&mut self) {
        self.last = None;
        self.allowed = None;
        self.entries.clear();
    }
}

/// How often a cache hit reads queued controller notifications. Reading
/// costs a `recvfrom` (hundreds of ns, far more than the lookup), so hits
/// read at most once per interval; a miss always reads.
pub const DRAIN_INTERVAL_NS: u64 = 1_000_000;

/// `CLOCK_MONOTONIC_COARSE` in ns: from the vDSO, no syscall, a few ns.
#[inline]
fn coarse_now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// When a cache hit should read the queued notifications.
#[derive(Debug, Default)]
pub(crate) struct DrainClock {
    next: u64,
}

impl DrainClock {
    /// Whether to read them now (and if so, the next time is one interval
    /// from now).
    #[inline]
    pub(crate) fn due(&mut self) -> bool {
        let now = coarse_now_ns();
        if now >= self.next {
            self.next = now + DRAIN_INTERVAL_NS;
            true
        } else {
            false
        }
    }
}

/// The retry rule after a module reload, for one request: if the kernel
/// answers `ENOENT`/`EOPNOTSUPP` and the family *moved* (the controller's
/// notifications, read in order with the answer, dropped the id the
/// request used from the cache), look it up again and resend once if its
/// id changed. Any other `ENOENT` is the command's own answer ("no such
/// entry") and costs no second round trip. A connection drives it as
///
/// ```text
/// let mut retry = FamilyRetry::default();
/// loop {
///     let id = resolve(name)?;      // through the cache
///     retry.check(id)?;             // same id on the retry: the first error stands
///     let r = send(id);
///     match retry.after(r, || cache.moved(name, id)) { Some(r) => return r, None => invalidate(name) }
/// }
/// ```
#[derive(Debug, Default)]
pub(crate) struct FamilyRetry {
    /// The first attempt's id and error, once it asked for a retry (boxed:
    /// a request that needs no retry creates and drops a null pointer).
    first: Option<Box<(u16, Error)>>,
    /// The id of the attempt in flight.
    id: u16,
}

impl FamilyRetry {
    /// Before sending to `id`: on the retry, an unchanged id means the
    /// family did not move, and the first error is the answer.
    #[inline]
    pub(crate) fn check(&mut self, id: u16) -> Result<()> {
        if let Some(first) = &self.first {
            if first.0 == id {
                let (_, e) = *self.first.take().expect("checked");
                return Err(e);
            }
        }
        self.id = id;
        Ok(())
    }

    /// After sending: the outcome to return, or `None` to look the family
    /// up again and resend. `moved`: whether the family's cache entry no
    /// longer holds the id the request went to (asked only after a refusal
    /// that may mean a stale id).
    pub(crate) fn after<T>(
        &mut self,
        r: Result<T>,
        moved: impl FnOnce() -> bool,
    ) -> Option<Result<T>> {
        match r {
            Err(Error::Kernel(k))
                if self.first.is_none()
                    && matches!(k.errno, libc::ENOENT | libc::EOPNOTSUPP)
                    && moved() =>
            {
                self.first = Some(Box::new((self.id, Error::Kernel(k))));
                None
            }
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelError;

    fn enoent() -> Result<()> {
        Err(KernelError::from_errno(libc::ENOENT).into())
    }

    #[test]
    fn a_moved_family_is_retried_once_at_its_new_id() {
        let mut r = FamilyRetry::default();
        r.check(0x20).unwrap();
        assert!(r.after(enoent(), || true).is_none(), "look it up again");
        r.check(0x21).unwrap();
        assert!(matches!(r.after(Ok(7), || true), Some(Ok(7))));
    }

    #[test]
    fn an_unmoved_family_returns_the_first_error() {
        let mut r = FamilyRetry::default();
        r.check(0x20).unwrap();
        assert!(r.after(enoent(), || true).is_none());
        assert!(matches!(r.check(0x20), Err(Error::Kernel(k)) if k.errno == libc::ENOENT));
    }

    #[test]
    fn a_second_enoent_is_not_retried_again() {
        let mut r = FamilyRetry::default();
        r.check(0x20).unwrap();
        assert!(r.after(enoent(), || true).is_none());
        r.check(0x21).unwrap();
        assert!(matches!(r.after(enoent(), || true), Some(Err(_))));
    }

    #[test]
    fn an_enoent_from_a_family_that_did_not_move_is_the_answer() {
        let mut r = FamilyRetry::default();
        r.check(0x20).unwrap();
        assert!(
            matches!(r.after(enoent(), || false), Some(Err(Error::Kernel(k))) if k.errno == libc::ENOENT)
        );
    }

    #[test]
    fn other_errors_are_returned() {
        let mut r = FamilyRetry::default();
        r.check(0x20).unwrap();
        let e: Result<()> = Err(KernelError::from_errno(libc::EPERM).into());
        assert!(
            matches!(r.after(e, || true), Some(Err(Error::Kernel(k))) if k.errno == libc::EPERM)
        );
    }

    #[test]
    fn notifications_drop_the_family_they_name() {
        let mut c = FamilyCache::default();
        let fam = |name: &str, id| ResolvedFamily {
            name: name.into(),
            id,
            version: 1,
            max_attr: 1,
            mcast_groups: vec![],
            ops: vec![],
        };
        c.insert("a", fam("a", 0x20));
        c.insert("b", fam("b", 0x21));
        c.on_control(Some(&CtrlEvent {
            cmd: Some(CtrlCmd::DelFamily),
            family_id: 0x20,
            family_name: "a".into(),
        }));
        assert!(c.get("a").is_none());
        assert!(c.get("b").is_some());
        c.on_control(None);
        assert!(
            c.get("b").is_none(),
            "an unreadable notification clears all"
        );
    }

    #[test]
    fn getfamily_enoent_is_family_not_found() {
        let e = getfamily_outcome("x", Err(KernelError::from_errno(libc::ENOENT).into()));
        assert!(matches!(e, Err(Error::FamilyNotFound(n)) if n == "x"));
    }
}
