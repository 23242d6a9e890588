//! How every client sends a typed command, written once: resolve the
//! family, send, apply the retry rule after a module reload
//! ([`FamilyRetry`]), and shape the outcome as the command's kind wants it
//! (an ACK only, exactly one reply, a dump's items). A client provides the
//! I/O ([`Client`], or [`AsyncClient`] for the tokio ones); the rules live
//! here and in the [engine](crate::engine).

use crate::codec::{Encode, Family};
use crate::command::{Command, DumpCommand};
use crate::engine::Mode;
use crate::error::{Error, Result};
use crate::message::GenlHeader;
use crate::resolve::FamilyRetry;
use crate::schema::AttrSetSchema;

/// A blocking client, as [`send`] drives it.
pub(crate) trait Client {
    /// What a completed request yields: where its reply is, or the owned
    /// replies.
    type Replies;

    /// The id of family `name` (through the client's cache; a schema's
    /// name, so a cache can know it again by its address).
    fn family_id(&mut self, name: &'static str) -> Result<u16>;

    /// Sends one request and waits for its completion.
    fn exchange<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        mode: Mode,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Self::Replies>;

    /// Whether `name` moved away from `id` (see [`FamilyRetry::after`]);
    /// always true for a client that cannot watch the controller.
    fn moved(&self, name: &str, id: u16) -> bool;

    /// Forgets the cached family `name`.
    fn invalidate(&mut self, name: &str);
}

/// A tokio client, as [`send_async`] drives it.
#[cfg(feature = "tokio")]
pub(crate) trait AsyncClient {
    /// What a completed request yields.
    type Replies;

    /// The id of family `name` (through the client's cache).
    async fn family_id(&mut self, name: &'static str) -> Result<u16>;

    /// Sends one request and waits for its completion.
    async fn exchange<P: Encode + ?Sized>(
        &mut self,
        family_id: u16,
        genl: GenlHeader,
        mode: Mode,
        payload: &P,
        schema: Option<&'static AttrSetSchema>,
    ) -> Result<Self::Replies>;

    /// See [`Client::moved`].
    fn moved(&self, name: &str, id: u16) -> bool;

    /// Forgets the cached family `name`.
    fn invalidate(&mut self, name: &str);
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

/// Sends command `C` with `payload` in `mode`, resolving its family and
/// resending once after a module reload.
pub(crate) fn send<C: Command, P: Encode + ?Sized, X: Client>(
    client: &mut X,
    payload: &P,
    schema: Option<&'static AttrSetSchema>,
    mode: Mode,
) -> Result<X::Replies> {
    let (name, genl) = header::<C>();
    let mut retry = FamilyRetry::default();
    loop {
        let id = client.family_id(name)?;
        retry.check(id)?;
        // Success is never retried: only an error goes through the rule.
        let e = match client.exchange(id, genl, mode, payload, schema) {
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
    let (name, genl) = header::<C>();
    let mut retry = FamilyRetry::default();
    loop {
        let id = client.family_id(name).await?;
        retry.check(id)?;
        let r = client.exchange(id, genl, mode, payload, schema).await;
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
    reply.ok_or(Error::UnexpectedReply("the command sent no reply"))
}
