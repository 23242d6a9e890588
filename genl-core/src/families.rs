//! The family cache every client keeps, written once: [`FamilyState`]
//! (the resolved families, when to read the controller's notifications,
//! whether the client can, whether it checks support) and [`Families`],
//! what the rules that send a typed request (`client`) need of it. A
//! client says only where its state is (owned, or behind its lock) and how
//! it reads the notifications queued on its socket.

use std::ops::DerefMut;
use std::sync::{Mutex, MutexGuard};

use crate::engine::CtrlEvent;
use crate::error::Result;
use crate::resolve::{DrainClock, FamilyCache, ResolvedFamily};
use crate::support::{Asked, SupportState};

/// A client's family cache and the settings it is read with.
#[derive(Debug)]
pub(crate) struct FamilyState {
    /// The resolved families.
    pub(crate) cache: FamilyCache,
    /// When a cache hit reads the queued notifications.
    pub(crate) drain: DrainClock,
    /// Whether the socket receives the controller's notifications.
    pub(crate) watching: bool,
    /// Whether typed requests are checked against what the module supports.
    pub(crate) check_support: bool,
}

impl FamilyState {
    /// An empty cache; `watching`: whether the client's socket joined the
    /// controller's group. Support checks are on.
    pub(crate) fn new(watching: bool) -> Self {
        FamilyState {
            cache: FamilyCache::default(),
            drain: DrainClock::default(),
            watching,
            check_support: true,
        }
    }

    /// Whether a lookup of `name` reads the queued notifications first:
    /// always on a miss, at most once per interval on a hit (and never on
    /// a client that cannot watch).
    #[inline]
    pub(crate) fn due(&mut self, name: &str) -> bool {
        self.watching && (self.cache.get(name).is_none() || self.drain.due())
    }

    /// Applies the controller notifications `events` a reader read
    /// (`None`: some were lost, the cache forgets all).
    pub(crate) fn apply(&mut self, events: Vec<Option<CtrlEvent>>) {
        for ev in events {
            self.cache.on_control(ev.as_ref());
        }
    }

    /// Whether `name` moved away from `id` (see
    /// [`FamilyRetry::after`](crate::resolve::FamilyRetry::after)); always
    /// true for a client that cannot watch the controller.
    pub(crate) fn moved(&self, name: &str, id: u16) -> bool {
        !self.watching || self.cache.moved(name, id)
    }

    /// The id of `name` if a typed request went to it last and no
    /// notification needs reading first (`Err(())`: read them, then ask
    /// again; `Ok(None)`: not remembered).
    #[inline]
    fn last_id(&mut self, name: &'static str) -> std::result::Result<Option<u16>, ()> {
        match self.cache.last_static(name) {
            Some(_) if self.watching && self.drain.due() => Err(()),
            id => Ok(id),
        }
    }
}

/// Applies the controller notifications `events` a shared client's reader
/// read to its cache `families` (locked only if there are any).
pub(crate) fn apply(families: &Mutex<FamilyState>, events: Vec<Option<CtrlEvent>>) {
    if !events.is_empty() {
        let mut f = families.lock().unwrap_or_else(|p| p.into_inner());
        f.apply(events);
    }
}

/// A client whose family cache is shared behind a lock, a reader reading
/// the notifications for all (the shared connections, blocking and
/// tokio): it is [`Families`] by reference.
pub(crate) trait SharedFamilies {
    /// The cache's lock.
    fn family_lock(&self) -> &Mutex<FamilyState>;

    /// Reads the controller notifications queued on the socket, unless a
    /// reader is active (it reads them anyway); wakes whoever the messages
    /// read completed.
    fn drain_notifications(&self) -> Result<()>;

    /// The cache, locked (a panic elsewhere leaves it whole: each update is
    /// made under the lock in one step).
    fn families(&self) -> MutexGuard<'_, FamilyState> {
        self.family_lock().lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<'c, S: SharedFamilies> Families for &'c S {
    type State<'a>
        = MutexGuard<'c, FamilyState>
    where
        Self: 'a;

    fn state(&mut self) -> MutexGuard<'c, FamilyState> {
        S::families(*self)
    }

    fn drain(&mut self) -> Result<()> {
        S::drain_notifications(*self)
    }
}

/// What the rules need of a client's family cache, blocking or tokio
/// alike; every method but [`state`](Self::state) and
/// [`drain`](Self::drain) is written here, once.
pub(crate) trait Families {
    /// Access to the state: a reference, or a lock guard.
    type State<'a>: DerefMut<Target = FamilyState>
    where
        Self: 'a;

    /// The client's family state.
    fn state(&mut self) -> Self::State<'_>;

    /// Reads the controller notifications queued on the socket into the
    /// cache (a client whose reader is busy leaves them to it).
    fn drain(&mut self) -> Result<()>;

    /// See [`FamilyState::moved`].
    #[inline]
    fn moved(&mut self, name: &str, id: u16) -> bool {
        self.state().moved(name, id)
    }

    /// Forgets the cached family `name`.
    fn invalidate(&mut self, name: &str) {
        self.state().cache.invalidate(name);
    }

    /// Whether request `asked` needs no support check ([`crate::support`]):
    /// the client does not check, or the check allowed this very request
    /// outright last time and nothing about the family changed since.
    #[inline]
    fn needs_no_check(&mut self, asked: Asked) -> bool {
        let st = self.state();
        !st.check_support || st.cache.allowed_again(asked.family, asked.key())
    }

    /// Runs `f` on the cached family `name` and what is known of its
    /// support; `None` if it is not cached.
    #[inline]
    fn with_support<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&ResolvedFamily, &mut SupportState) -> R,
    ) -> Option<R> {
        self.state().cache.support(name).map(|(fam, s)| f(fam, s))
    }

    /// Reads the controller notifications queued for the cache now, if
    /// the client watches them.
    fn refresh(&mut self) -> Result<()> {
        if self.state().watching {
            self.drain()?;
        }
        Ok(())
    }

    /// What `f` reads of the cached family `name`, the queued
    /// notifications read first when due ([`FamilyState::due`]); `None`:
    /// not cached, resolve it.
    fn cached<R>(&mut self, name: &str, f: impl FnOnce(&ResolvedFamily) -> R) -> Result<Option<R>> {
        let due = self.state().due(name);
        if due {
            self.drain()?;
        }
        Ok(self.state().cache.get(name).map(f))
    }

    /// Caches `family` under `name`; returns what `f` reads of it.
    fn keep<R>(
        &mut self,
        name: &str,
        family: ResolvedFamily,
        f: impl FnOnce(&ResolvedFamily) -> R,
    ) -> R {
        f(self.state().cache.insert(name, family))
    }

    /// The id of `name` if a typed request went to it last (known by its
    /// name's address, no text compared), the notifications read as often
    /// as on any hit; `None`: look it up, then [`remember`](Self::remember).
    #[inline]
    fn last_id(&mut self, name: &'static str) -> Result<Option<u16>> {
        let first = self.state().last_id(name);
        match first {
            Ok(id) => Ok(id),
            Err(()) => {
                self.drain()?;
                Ok(self.state().cache.last_static(name))
            }
        }
    }

    /// Remembers that `name` (cached) has `id`, for [`last_id`](Self::last_id).
    #[inline]
    fn remember(&mut self, name: &'static str, id: u16) {
        self.state().cache.remember_static(name, id);
    }
}
