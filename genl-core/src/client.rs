//! How every client sends a typed command, written once: resolve the
//! family, send, apply the retry rule after a module reload
//! ([`FamilyRetry`]), and shape the outcome as the command's kind wants it
//! (an ACK only, exactly one reply, a dump's items). A client provides the
//! I/O ([`Client`], or [`AsyncClient`] for the tokio ones); the rules live
//! here and in the [engine](crate::engine).

use crate::codec::{Encode, Family};
use crate::command::{Command, DumpCommand};
use crate::controller::FamilyPolicy;
#[cfg(feature = "tokio")]
use crate::demux::Replies;
use crate::engine::{Mode, Request};
use crate::error::{Error, Result};
use crate::message::GenlHeader;
#[cfg(feature = "tokio")]
use crate::resolve;
use crate::resolve::{FamilyRetry, ResolvedFamily};
use crate::schema::AttrSetSchema;
use crate::support::{self, Asked, CmdSupport, SupportState};

pub(crate) use crate::families::Families;

/// A blocking client, as [`send`] drives it.
pub(crate) trait Client: Families {
    /// What a completed request yields: where its reply is, or the owned
    /// replies.
    type Replies;

    /// The id of family `name` (through the client's cache; a schema's
    /// name, so a cache can know it again by its address).
    fn family_id(&mut self, name: &'static str) -> Result<u16>;

    /// Sends one request and waits for its completion.
    fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies>;

    /// Dumps the policy of op `cmd` of family `name` (`GETPOLICY`).
    fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy>;
}

/// A tokio client, as [`send_async`] drives it.
#[cfg(feature = "tokio")]
pub(crate) trait AsyncClient: Families {
    /// What a completed request yields.
    type Replies;

    /// The id of family `name` (through the client's cache).
    async fn family_id(&mut self, name: &'static str) -> Result<u16>;

    /// Sends one request and waits for its completion.
    async fn exchange<P: Encode + ?Sized>(&mut self, req: Request<'_, P>) -> Result<Self::Replies>;

    /// See [`Client::policy_dump`].
    async fn policy_dump(&mut self, name: &str, cmd: u8) -> Result<FamilyPolicy>;
}

/// What `f` reads of family `name`, through a tokio client's cache, else
/// resolved through the controller (and cached).
#[cfg(feature = "tokio")]
pub(crate) async fn lookup_async<X: AsyncClient<Replies = Replies>, R>(
    client: &mut X,
    name: &str,
    f: impl Fn(&ResolvedFamily) -> R,
) -> Result<R> {
    if let Some(r) = client.cached(name, &f)? {
        return Ok(r);
    }
    let req = resolve::getfamily_request(name);
    let r = client.exchange(resolve::getfamily(&req)).await;
    let fam = resolve::getfamily_owned(name, r.map(Vec::from_iter))?;
    Ok(client.keep(name, fam, f))
}

/// [`AsyncClient::family_id`] of a tokio client: the family the last typed
/// request went to, else [`lookup_async`].
#[cfg(feature = "tokio")]
pub(crate) async fn family_id_async<X: AsyncClient<Replies = Replies>>(
    client: &mut X,
    name: &'static str,
) -> Result<u16> {
    if let Some(id) = client.last_id(name)? {
        return Ok(id);
    }
    let id = lookup_async(client, name, |f| f.id).await?;
    client.remember(name, id);
    Ok(id)
}

/// The genl header of command `C`.
fn header<C: Command>() -> (&'static str, GenlHeader) {
    let fam = <C::Family as Family>::SCHEMA;
    let genl = GenlHeader {
        cmd: C::ID,
        version: fam.version,
    };
    (fam.name, genl)
}

/// Command `C`'s request with `payload` (of declared set `schema`) in
/// `mode`, as [`send`] sends it once its family is resolved: the family's
/// name, the request (its family id still 0), and what the support check
/// needs to know of it.
fn prepare<'p, C: Command, P: ?Sized>(
    payload: &'p P,
    schema: Option<&'static AttrSetSchema>,
    mode: Mode,
) -> (&'static str, Request<'p, P>, Asked) {
    let (name, genl) = header::<C>();
    let request = Request {
        family_id: 0,
        genl,
        mode,
        flags: 0,
        payload,
        schema,
    };
    (name, request, asked::<C>(mode == Mode::Dump, schema))
}

/// What the support check needs to know of command `C`'s request.
pub(crate) fn asked<C: Command>(dump: bool, set: Option<&'static AttrSetSchema>) -> Asked {
    let fam = <C::Family as Family>::SCHEMA;
    Asked {
        family: fam.name,
        client_version: fam.version,
        cmd: (C::NAME, C::ID),
        dump,
        set,
    }
}

/// One step of the support check on what is cached: `Some` with the
/// outcome (the verdict applied, or nothing known: the family is not
/// cached, or the client does not check), `None` when the command's policy
/// must be learned first ([`learn`]).
fn check_step<P: Encode + ?Sized>(
    client: &mut impl Families,
    asked: Asked,
    payload: &P,
) -> Option<Result<()>> {
    if client.needs_no_check(asked) {
        return Some(Ok(()));
    }
    // Not cached (a notification dropped it meanwhile): nothing known.
    let Some(state) = client.with_support(asked.family, |f, s| verdict_of(f, s, asked)) else {
        return Some(Ok(()));
    };
    state.map(|(v, kernel_version)| {
        if matches!(v, support::Verdict::Allow) {
            client
                .state()
                .cache
                .remember_allowed(asked.family, asked.key());
        }
        support::check(v, asked, kernel_version, payload)
    })
}

/// Keeps the policy of the command `asked` is of, as the `GETPOLICY` dump
/// `dumped` gave it.
fn learn(client: &mut impl Families, asked: Asked, dumped: Result<FamilyPolicy>) -> Result<()> {
    let cmd = asked.cmd.1;
    let learned = CmdSupport::from_dump(cmd, dumped)?;
    client.with_support(asked.family, |f, s| {
        s.learn(cmd, learned.with_root_bound(f.max_attr))
    });
    Ok(())
}

/// The outcome of the support check `r` of request `asked`, run at family
/// id `id`: a refusal is confirmed against the controller's notifications
/// first, `Ok(false)` if they say the family moved (a module reload: what
/// was known of it is gone, resolve it again and check anew).
fn confirmed(client: &mut impl Families, (id, asked): (u16, Asked), r: Result<()>) -> Result<bool> {
    match r {
        Err(Error::Unsupported(u)) => {
            client.refresh()?;
            if client.moved(asked.family, id) {
                return Ok(false);
            }
            Err(Error::Unsupported(u))
        }
        r => r.map(|()| true),
    }
}

/// Checks the request `asked` (its attributes `payload`) against what the
/// running module supports ([`crate::support`]), learning the command's
/// policy on first use. Run after the family is resolved (at `id`); see
/// [`confirmed`] for `Ok(false)`.
pub(crate) fn check_support<P: Encode + ?Sized>(
    client: &mut impl Client,
    (id, asked): (u16, Asked),
    payload: &P,
) -> Result<bool> {
    let r = loop {
        if let Some(r) = check_step(client, asked, payload) {
            break r;
        }
        let dumped = client.policy_dump(asked.family, asked.cmd.1);
        learn(client, asked, dumped)?;
    };
    confirmed(client, (id, asked), r)
}

/// [`check_support`] for a tokio client.
#[cfg(feature = "tokio")]
pub(crate) async fn check_support_async<P: Encode + ?Sized>(
    client: &mut impl AsyncClient,
    (id, asked): (u16, Asked),
    payload: &P,
) -> Result<bool> {
    let r = loop {
        if let Some(r) = check_step(client, asked, payload) {
            break r;
        }
        let dumped = client.policy_dump(asked.family, asked.cmd.1).await;
        learn(client, asked, dumped)?;
    };
    confirmed(client, (id, asked), r)
}

/// The verdict on `asked` with the module's version, or `None` to learn.
#[inline]
fn verdict_of(
    f: &ResolvedFamily,
    s: &mut SupportState,
    asked: Asked,
) -> Option<(support::Verdict, u32)> {
    s.verdict(&f.ops, asked.cmd.1, asked.dump, asked.set)
        .map(|v| (v, f.version))
}

/// Sends command `C` with `payload` in `mode`, resolving its family and
/// resending once after a module reload; first checks the request against
/// what the module supports (when the client checks).
#[inline]
pub(crate) fn send<C: Command, P: Encode + ?Sized, X: Client>(
    client: &mut X,
    payload: &P,
    schema: Option<&'static AttrSetSchema>,
    mode: Mode,
) -> Result<X::Replies> {
    send_with::<C, P, X>(client, payload, schema, mode, true)
}

/// [`send`], with the support check only if `check`.
#[inline]
pub(crate) fn send_with<C: Command, P: Encode + ?Sized, X: Client>(
    client: &mut X,
    payload: &P,
    schema: Option<&'static AttrSetSchema>,
    mode: Mode,
    check: bool,
) -> Result<X::Replies> {
    let (name, request, asked) = prepare::<C, P>(payload, schema, mode);
    let mut retry = FamilyRetry::default();
    loop {
        let id = client.family_id(name)?;
        retry.check(id)?;
        // The common case inline: checked and allowed before, unchanged.
        if check && !client.needs_no_check(asked) && !check_support(client, (id, asked), payload)? {
            continue;
        }
        // Success is never retried: only an error goes through the rule.
        let req = Request {
            family_id: id,
            ..request
        };
        let e = match client.exchange(req) {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        match retry.after(Err(e), || client.moved(name, id)) {
            Some(r) => return r,
            None => client.invalidate(name),
        }
    }
}

/// [`send`] for a tokio client.
#[cfg(feature = "tokio")]
pub(crate) async fn send_async<C: Command, P: Encode + ?Sized, X: AsyncClient>(
    client: &mut X,
    payload: &P,
    schema: Option<&'static AttrSetSchema>,
    mode: Mode,
) -> Result<X::Replies> {
    let (name, request, asked) = prepare::<C, P>(payload, schema, mode);
    let mut retry = FamilyRetry::default();
    loop {
        let id = client.family_id(name).await?;
        retry.check(id)?;
        if !client.needs_no_check(asked)
            && !check_support_async(client, (id, asked), payload).await?
        {
            continue;
        }
        let req = Request {
            family_id: id,
            ..request
        };
        let r = client.exchange(req).await;
        match retry.after(r, || client.moved(name, id)) {
            Some(r) => return r,
            None => client.invalidate(name),
        }
    }
}

/// The mode of a [`Query`](crate::Query)'s request: by default no ACK is
/// asked for, as iproute2 and libnl do (the reply says the request
/// succeeded; an error comes as `NLMSG_ERROR` either way), which saves the
/// kernel a message and the client a receive. With `ack`, the ACK is asked
/// for too: a command that answers with no reply then fails at once
/// instead of at the timeout, and an error sent after the reply is seen.
pub(crate) fn query_mode(ack: bool) -> Mode {
    if ack {
        Mode::Ack
    } else {
        Mode::FirstReply
    }
}

/// The schema of command `C`'s `do` request (for extack paths).
pub(crate) fn do_request<C: Command>() -> Option<&'static AttrSetSchema> {
    C::schema().do_.and_then(|o| o.request)
}

/// The schema of command `C`'s dump request.
pub(crate) fn dump_request<C: DumpCommand>() -> Option<&'static AttrSetSchema> {
    C::schema().dump.and_then(|o| o.request)
}

/// The outcome of a command answered by an ACK only, given how many reply
/// messages came: any is an error.
pub(crate) fn ack_only(replies: usize) -> Result<()> {
    match replies {
        0 => Ok(()),
        _ => Err(Error::UnexpectedReply(
            "a reply to a command whose schema declares none",
        )),
    }
}

/// The reply of a [`Query`](crate::Query): exactly one (the engine refuses a second).
pub(crate) fn the_reply<T>(reply: Option<T>) -> Result<T> {
    // Not `ok_or`: an `Error` built eagerly is dropped, through its drop
    // glue, on every reply.
    match reply {
        Some(r) => Ok(r),
        None => Err(Error::UnexpectedReply("the command sent no reply")),
    }
}

/// Whether the running module has every operation (`do`, `dump`) command
/// `C` declares; unknown counts as yes ([`crate::support`]).
pub(crate) fn supports<C: Command, X: Client>(client: &mut X) -> Result<bool> {
    let name = <C::Family as Family>::SCHEMA.name;
    client.family_id(name)?;
    let schema = C::schema();
    let r = client.with_support(name, |f, _| {
        let has = |dump| support::op_listed(&f.ops, C::ID, dump).unwrap_or(true);
        (schema.do_.is_none() || has(false)) && (schema.dump.is_none() || has(true))
    });
    Ok(r.unwrap_or(true))
}

/// Whether the running module's policy for command `C` accepts the
/// attribute at schema path `path` of its request (the `do`'s, else the
/// `dump`'s); unknown counts as yes. Learns the command's policy on first
/// use.
pub(crate) fn supports_attr<C: Command, X: Client>(client: &mut X, path: &str) -> Result<bool> {
    let schema = C::schema();
    let (set, dump) = match (do_request_of(schema), schema.dump.and_then(|o| o.request)) {
        (Some(s), _) => (s, false),
        (None, Some(s)) => (s, true),
        (None, None) => {
            return Err(Error::InvalidArgument(format!(
                "{path:?}: command {} carries no attributes",
                C::NAME
            )))
        }
    };
    let ids = support::path_ids(set, path)?;
    let name = <C::Family as Family>::SCHEMA.name;
    client.family_id(name)?;
    loop {
        let known =
            client.with_support(name, |f, s| match support::op_listed(&f.ops, C::ID, dump) {
                None => Some(true),
                Some(false) => Some(false),
                Some(true) => s.learned(C::ID).map(|l| {
                    let op = if dump { &l.dump } else { &l.do_ };
                    match op {
                        support::OpSupport::Absent => false,
                        support::OpSupport::Unknown => true,
                        support::OpSupport::Policy(p) => p.accepts(&ids),
                    }
                }),
            });
        match known {
            None => return Ok(true),
            Some(Some(yes)) => return Ok(yes),
            Some(None) => {
                let dumped = client.policy_dump(name, C::ID);
                learn(client, asked::<C>(dump, Some(set)), dumped)?;
            }
        }
    }
}

fn do_request_of(schema: &crate::schema::CommandSchema) -> Option<&'static AttrSetSchema> {
    schema.do_.and_then(|o| o.request)
}
