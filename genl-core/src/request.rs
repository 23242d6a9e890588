//! [`RawRequest`]: a request by family id and command number, untyped —
//! what the `*_by_id` methods send (`genl ynl`, tools that speak a family
//! they have no schema for, tests of a module's rejections).

use crate::engine::{Mode, Request};
use crate::message::GenlHeader;
use crate::schema::AttrSetSchema;

/// An untyped generic netlink request: the family's id, the genl header,
/// the attributes, and optionally more `nlmsg_flags` and the attributes'
/// schema. Sent by [`Connection::request_by_id`],
/// [`Connection::dump_by_id`] and [`Batch::request_by_id`] through the same
/// exchange as typed commands (sequence and port matching, extended ACK, a
/// family reloaded meanwhile reported as
/// [`Error::FamilyNotFound`](crate::Error::FamilyNotFound)).
///
/// ```no_run
/// use genl_core::message::{AttrBuf, NLM_F_CREATE};
/// use genl_core::{Connection, GenlHeader, RawRequest};
///
/// let mut conn = Connection::new()?;
/// let id = conn.resolve("genl_demo")?.id;
/// let genl = GenlHeader { cmd: 1, version: 1 };
/// let attrs = AttrBuf::default();
/// conn.request_by_id(RawRequest {
///     flags: NLM_F_CREATE,
///     ..RawRequest::new(id, genl, &attrs)
/// })?;
/// # Ok::<(), genl_core::Error>(())
/// ```
///
/// [`Connection::request_by_id`]: crate::Connection::request_by_id
/// [`Connection::dump_by_id`]: crate::Connection::dump_by_id
/// [`Batch::request_by_id`]: crate::Batch::request_by_id
#[derive(Debug)]
pub struct RawRequest<'p, P: ?Sized> {
    /// The family's id (`nlmsg_type`).
    pub family_id: u16,
    /// The command and version.
    pub genl: GenlHeader,
    /// `nlmsg_flags` beyond those the method sets (`NLM_F_REQUEST`, and
    /// `NLM_F_ACK` or `NLM_F_DUMP`): `NLM_F_CREATE`, `NLM_F_EXCL`,
    /// `NLM_F_REPLACE`, `NLM_F_APPEND` for the families that read them
    /// (as `cli.py --create`); 0 for most.
    pub flags: u16,
    /// The attributes (any [`Encode`](crate::Encode), e.g. an
    /// [`AttrBuf`](crate::message::AttrBuf) or `()` for none).
    pub payload: &'p P,
    /// The attributes' schema, if known: it names the attribute an
    /// extended ACK points at (`Error::Kernel`'s path).
    pub schema: Option<&'static AttrSetSchema>,
}

impl<'p, P: ?Sized> RawRequest<'p, P> {
    /// A request of `genl` with `payload` to family `family_id`, no extra
    /// flags, no schema.
    pub fn new(family_id: u16, genl: GenlHeader, payload: &'p P) -> Self {
        RawRequest {
            family_id,
            genl,
            flags: 0,
            payload,
            schema: None,
        }
    }

    /// The engine's request, completing as `mode` says.
    pub(crate) fn in_mode(self, mode: Mode) -> Request<'p, P> {
        Request {
            family_id: self.family_id,
            genl: self.genl,
            mode,
            flags: self.flags,
            payload: self.payload,
            schema: self.schema,
        }
    }
}

impl<P: ?Sized> Clone for RawRequest<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ?Sized> Copy for RawRequest<'_, P> {}
