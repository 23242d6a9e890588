//! A fake kernel for tests, in the spirit of Go's `genltest`/`nltest`:
//! families served by closures, a controller (`nlctrl`) that resolves them
//! and announces their arrival and departure, multicast groups, and the
//! faults a real socket can show (`ENOBUFS`, `MSG_TRUNC`, stale or forged
//! messages). Connections run on it through [`FakeSocket`], a
//! [`Transport`], so every path of the runtime is testable without a
//! kernel; the real-kernel suites then confirm the fake's behaviour.
//!
//! Behind the `testing` feature: a crate's tests turn it on with
//! `genl-core = { version = "…", features = ["testing"] }` under
//! `[dev-dependencies]`.
//!
//! ```
//! use genl_core::testing::{FakeKernel, Response};
//! use genl_core::{AttrSet, Family};
//!
//! #[derive(Debug, PartialEq, AttrSet)]
//! pub struct Ping { #[nla(id = 1)] pub n: u32 }
//! #[derive(Clone, Copy, Family)]
//! #[genl(name = "ping")]
//! pub enum PingCmd { #[genl(cmd = 1, request = Ping, reply = Ping)] Ping }
//!
//! let kernel = FakeKernel::new();
//! kernel.add_family("ping", 1, &[], |req| {
//!     let p: Ping = req.decode().unwrap();
//!     Response::reply(&Ping { n: p.n + 1 })
//! });
//! let mut conn = kernel.connection();
//! assert_eq!(conn.query(ping_cmd::Ping, &Ping { n: 41 })?, Ping { n: 42 });
//! # Ok::<(), genl_core::Error>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::codec::Keyed;
use crate::codec::{Decode, Encode};
use crate::connection::Connection;
use crate::controller::{
    CtrlAttrs, CtrlCmd, FamilyInfo, FamilyPolicy, McastGroup, OpInfo, PolicyAttr, CTRL_VERSION,
    GENL_ID_CTRL,
};
use crate::error::{DecodeError, Error, Result};
use crate::extack::ExtAck;
use crate::message::{
    GenlHeader, Messages, GENL_HDRLEN, NLMSG_HDRLEN, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED,
    NLM_F_DUMP, NLM_F_MULTI,
};
use crate::multi::CheckedMulti;
use crate::sync::SharedConnection;
use crate::transport::Transport;
use crate::wire::nla_align;

/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`.
const NLMSG_DONE: u16 = 3;

pub mod build {
    //! Building the messages a kernel sends, for [`Response::Datagrams`]
    //! and [`FakeKernel::deliver`](super::FakeKernel::deliver).

    use super::*;

    /// One netlink message: header fields and payload (padded to 4 bytes).
    pub fn message(ty: u16, flags: u16, seq: u32, port: u32, payload: &[u8]) -> Vec<u8> {
        let len = (NLMSG_HDRLEN + payload.len()) as u32;
        let mut v = Vec::with_capacity(nla_align(len as usize));
        v.extend_from_slice(&len.to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&port.to_ne_bytes());
        v.extend_from_slice(payload);
        v.resize(nla_align(v.len()), 0);
        v
    }

    /// A generic netlink message of family `family_id`: `cmd`, `version`,
    /// then the attributes `attrs`.
    pub fn genl(
        family_id: u16,
        flags: u16,
        seq: u32,
        port: u32,
        genl: GenlHeader,
        attrs: &[u8],
    ) -> Vec<u8> {
        let mut p = genl.to_bytes().to_vec();
        p.extend_from_slice(attrs);
        message(family_id, flags, seq, port, &p)
    }

    /// The extended-ACK attributes of an error.
    pub fn ext_ack(e: &FakeError) -> Vec<u8> {
        ExtAck {
            msg: e.message.as_deref(),
            offs: e.offset,
            cookie: None,
            policy: None,
            miss_type: e.missing_type,
            miss_nest: None,
        }
        .encode_to_vec()
        .expect("extended-ACK attributes encode")
    }

    /// `NLMSG_ERROR` answering the request message `request` (its header
    /// echoed, capped) with `code` (0: an ACK) and `e`'s extended ACK.
    pub fn error(request: &[u8], port: u32, code: i32, e: Option<&FakeError>) -> Vec<u8> {
        let seq = u32::from_ne_bytes(request[8..12].try_into().expect("a request header"));
        let mut p = code.to_ne_bytes().to_vec();
        p.extend_from_slice(&request[..NLMSG_HDRLEN]);
        let mut flags = NLM_F_CAPPED;
        if let Some(e) = e {
            flags |= NLM_F_ACK_TLVS;
            p.extend_from_slice(&ext_ack(e));
        }
        message(NLMSG_ERROR, flags, seq, port, &p)
    }

    /// `NLMSG_DONE` of a dump with status `code`, and `e`'s extended ACK.
    pub fn done(seq: u32, port: u32, code: i32, e: Option<&FakeError>) -> Vec<u8> {
        let mut p = code.to_ne_bytes().to_vec();
        let mut flags = NLM_F_MULTI;
        if let Some(e) = e {
            flags |= NLM_F_ACK_TLVS;
            p.extend_from_slice(&ext_ack(e));
        }
        message(NLMSG_DONE, flags, seq, port, &p)
    }
}

/// An error a fake family answers with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeError {
    /// The errno (positive).
    pub errno: i32,
    /// `NLMSGERR_ATTR_MSG`.
    pub message: Option<String>,
    /// `NLMSGERR_ATTR_OFFS`: from the start of the request message.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_TYPE`.
    pub missing_type: Option<u32>,
}

impl FakeError {
    /// An error with only an errno.
    pub fn errno(errno: i32) -> Self {
        FakeError {
            errno,
            ..FakeError::default()
        }
    }
}

/// What a fake family answers a request with.
#[derive(Debug, Clone)]
pub enum Response {
    /// Messages with these attributes (the request's command); then the
    /// ACK if the request asked for one, or `NLMSG_DONE` for a dump.
    Messages(Vec<Vec<u8>>),
    /// An error: `NLMSG_ERROR`, or for a dump `NLMSG_DONE` with the code.
    Error(FakeError),
    /// Messages, then the error ([`Response::Error`]).
    MessagesThenError(Vec<Vec<u8>>, FakeError),
    /// Exactly these datagrams, nothing added (see [`build`]).
    Datagrams(Vec<Vec<u8>>),
    /// No answer at all.
    Silence,
}

impl Response {
    /// One reply message with `reply`'s attributes.
    pub fn reply<T: Encode + ?Sized>(reply: &T) -> Response {
        Response::Messages(vec![reply.encode_to_vec().expect("the reply encodes")])
    }

    /// An ACK only (no reply message).
    pub fn ack() -> Response {
        Response::Messages(Vec::new())
    }

    /// An error with only an errno.
    pub fn errno(errno: i32) -> Response {
        Response::Error(FakeError::errno(errno))
    }
}

/// A request as a fake family sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The whole request message.
    pub message: &'a [u8],
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// The sender's port id.
    pub port: u32,
    /// The genl header.
    pub genl: GenlHeader,
    /// The attributes.
    pub attrs: &'a [u8],
}

impl<'a> Request<'a> {
    /// Whether it is a dump (`NLM_F_DUMP`).
    pub fn is_dump(&self) -> bool {
        self.flags & NLM_F_DUMP == NLM_F_DUMP
    }

    /// Decodes the attributes as `T`.
    pub fn decode<T: Decode<'a>>(&self) -> Result<T, DecodeError> {
        T::decode_at(self.attrs, NLMSG_HDRLEN + GENL_HDRLEN)
    }
}

type Handler = Box<dyn FnMut(&Request<'_>) -> Response + Send>;

struct FakeFamily {
    name: String,
    id: u16,
    version: u8,
    groups: Vec<(String, u32)>,
    handler: Arc<Mutex<Handler>>,
    /// `GETFAMILY`'s op list.
    ops: Vec<OpInfo>,
    /// What `GETPOLICY` answers; `None`: `EOPNOTSUPP`, as a kernel without
    /// policy dumps.
    policy: Option<FamilyPolicy>,
}

impl FakeFamily {
    fn info(&self) -> Vec<u8> {
        let groups: Vec<McastGroup<'_>> = self
            .groups
            .iter()
            .map(|(name, id)| McastGroup { name, id: *id })
            .collect();
        FamilyInfo {
            family_id: self.id,
            family_name: &self.name,
            version: u32::from(self.version),
            hdrsize: 0,
            maxattr: 0,
            ops: CheckedMulti::new(&self.ops),
            mcast_groups: CheckedMulti::new(&groups),
        }
        .encode_to_vec()
        .expect("family info encodes")
    }
}

/// What a socket's next receive finds.
#[derive(Debug)]
enum Delivery {
    Datagram(Vec<u8>),
    Overflow,
    Truncated(usize),
}

#[derive(Debug, Default)]
struct Queue {
    deliveries: VecDeque<Delivery>,
    groups: Vec<u32>,
}

#[derive(Default)]
struct State {
    families: Vec<FakeFamily>,
    sockets: HashMap<u32, Queue>,
    next_port: u32,
    next_id: u16,
    next_group: u32,
    requests: usize,
    /// Tasks waiting for a delivery (see `testing::tokio`).
    wakers: Vec<std::task::Waker>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// A fake kernel. Clones share it.
#[derive(Clone)]
pub struct FakeKernel {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKernel").finish_non_exhaustive()
    }
}

impl Default for FakeKernel {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeKernel {
    /// A kernel with only the controller.
    pub fn new() -> Self {
        FakeKernel {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    next_port: 1000,
                    next_id: 0x20,
                    next_group: 0x11,
                    ..State::default()
                }),
                wake: Condvar::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers family `name` with `groups`, served by `handler`; the
    /// controller announces it (`NEWFAMILY`). Returns its id (a new one at
    /// every registration, as the kernel's are).
    pub fn add_family(
        &self,
        name: &str,
        version: u8,
        groups: &[&str],
        handler: impl FnMut(&Request<'_>) -> Response + Send + 'static,
    ) -> u16 {
        let mut st = self.state();
        let id = st.next_id;
        st.next_id += 1;
        let groups = groups
            .iter()
            .map(|g| {
                let gid = st.next_group;
                st.next_group += 1;
                ((*g).to_owned(), gid)
            })
            .collect();
        let fam = FakeFamily {
            name: name.to_owned(),
            id,
            version,
            groups,
            handler: Arc::new(Mutex::new(Box::new(handler))),
            ops: Vec::new(),
            policy: None,
        };
        let note = Self::ctrl_note(CtrlCmd::NewFamily, &fam);
        st.families.push(fam);
        Self::multicast_locked(&mut st, u32::from(GENL_ID_CTRL), &note);
        drop(st);
        self.wake_all();
        id
    }

    /// Unregisters family `name`; the controller announces it
    /// (`DELFAMILY`).
    pub fn remove_family(&self, name: &str) {
        let mut st = self.state();
        let Some(i) = st.families.iter().position(|f| f.name == name) else {
            return;
        };
        let fam = st.families.remove(i);
        let note = Self::ctrl_note(CtrlCmd::DelFamily, &fam);
        Self::multicast_locked(&mut st, u32::from(GENL_ID_CTRL), &note);
        drop(st);
        self.wake_all();
    }

    /// Describes the ops of family `name` (registered) to the controller,
    /// as a kernel does: `GETFAMILY` lists `ops` (command, flags:
    /// [`GENL_CMD_CAP_DO`](crate::controller::GENL_CMD_CAP_DO), …), and a
    /// `GETPOLICY` dump of one op answers from `policy` (an op it lacks:
    /// `ENOENT` marking the request's op attribute, as Linux 6.12 does;
    /// `None`: `EOPNOTSUPP`, as a kernel without policy dumps).
    /// Undescribed, a family lists no ops and `GETPOLICY` is `EOPNOTSUPP`.
    pub fn describe(&self, name: &str, ops: &[(u8, u32)], policy: Option<FamilyPolicy>) {
        let mut st = self.state();
        if let Some(f) = st.families.iter_mut().find(|f| f.name == name) {
            f.ops = ops
                .iter()
                .map(|&(id, flags)| OpInfo {
                    id: u32::from(id),
                    flags,
                })
                .collect();
            f.policy = policy;
        }
    }

    /// The id of family `name`, if registered.
    pub fn family_id(&self, name: &str) -> Option<u16> {
        self.state()
            .families
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.id)
    }

    /// How many requests the kernel has received.
    pub fn requests(&self) -> usize {
        self.state().requests
    }

    fn ctrl_note(cmd: CtrlCmd, fam: &FakeFamily) -> Vec<u8> {
        build::genl(
            GENL_ID_CTRL,
            0,
            0,
            0,
            GenlHeader {
                cmd: crate::Family::cmd(cmd),
                version: CTRL_VERSION,
            },
            &fam.info(),
        )
    }

    fn multicast_locked(st: &mut State, group: u32, datagram: &[u8]) {
        for q in st.sockets.values_mut() {
            if q.groups.contains(&group) {
                q.deliveries
                    .push_back(Delivery::Datagram(datagram.to_vec()));
            }
        }
    }

    /// Sends notification `cmd` with `attrs` to group `group` of family
    /// `family`, as the kernel's `genlmsg_multicast`.
    pub fn multicast(&self, family: &str, group: &str, cmd: u8, attrs: &[u8]) {
        let mut st = self.state();
        let Some(f) = st.families.iter().find(|f| f.name == family) else {
            panic!("fake kernel: no family {family:?}");
        };
        let gid = f
            .groups
            .iter()
            .find(|(n, _)| n == group)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("fake kernel: {family} has no group {group:?}"));
        let m = build::genl(
            f.id,
            0,
            0,
            0,
            GenlHeader {
                cmd,
                version: f.version,
            },
            attrs,
        );
        Self::multicast_locked(&mut st, gid, &m);
        drop(st);
        self.wake_all();
    }

    /// Queues `datagram` for the socket with port `port`, as if the kernel
    /// sent it (stale replies, forged or malformed messages).
    pub fn deliver(&self, port: u32, datagram: Vec<u8>) {
        self.push(port, Delivery::Datagram(datagram));
    }

    /// Makes the socket's next receive fail with `ENOBUFS` (its queue
    /// overflowed).
    pub fn overflow(&self, port: u32) {
        self.push(port, Delivery::Overflow);
    }

    /// Makes the socket's next receive report a datagram of `size` bytes
    /// larger than its buffer (`MSG_TRUNC`).
    pub fn truncate(&self, port: u32, size: usize) {
        self.push(port, Delivery::Truncated(size));
    }

    fn push(&self, port: u32, d: Delivery) {
        if let Some(q) = self.state().sockets.get_mut(&port) {
            q.deliveries.push_back(d);
        }
        self.wake_all();
    }

    /// A new socket.
    pub fn socket(&self) -> FakeSocket {
        let mut st = self.state();
        let port = st.next_port;
        st.next_port += 1;
        st.sockets.insert(port, Queue::default());
        FakeSocket {
            kernel: self.clone(),
            port,
        }
    }

    /// A [`Connection`] on a new socket.
    pub fn connection(&self) -> Connection<FakeSocket> {
        Connection::with_transport(self.socket()).expect("a fake socket always connects")
    }

    /// A [`SharedConnection`] on a new socket.
    pub fn shared_connection(&self) -> SharedConnection<FakeSocket> {
        SharedConnection::with_transport(self.socket()).expect("a fake socket always connects")
    }

    /// Handles one datagram sent by `port`.
    fn handle(&self, port: u32, datagram: &[u8]) {
        for msg in Messages::new(datagram) {
            let Ok(msg) = msg else { return };
            let len = NLMSG_HDRLEN + msg.payload.len();
            let start = msg.payload.as_ptr() as usize - datagram.as_ptr() as usize - NLMSG_HDRLEN;
            let bytes = &datagram[start..start + len];
            let Ok(genl) = GenlHeader::parse(msg.payload) else {
                self.answer(port, vec![build::error(bytes, port, -libc::EINVAL, None)]);
                continue;
            };
            let req = Request {
                message: bytes,
                flags: msg.header.flags,
                seq: msg.header.sequence_number,
                port,
                genl,
                attrs: &msg.payload[GENL_HDRLEN..],
            };
            self.state().requests += 1;
            let ty = msg.header.message_type;
            let out = if ty == GENL_ID_CTRL {
                self.controller(&req)
            } else {
                let handler = self
                    .state()
                    .families
                    .iter()
                    .find(|f| f.id == ty)
                    .map(|f| f.handler.clone());
                match handler {
                    // Unknown family id: the kernel answers ENOENT.
                    None => Response::errno(libc::ENOENT),
                    Some(h) => (h.lock().unwrap_or_else(|p| p.into_inner()))(&req),
                }
            };
            let datagrams = Self::frame(&req, ty, out);
            self.answer(port, datagrams);
        }
    }

    /// nlctrl `GETPOLICY` of one op (the only kind a connection sends).
    fn get_policy(&self, req: &Request<'_>) -> Response {
        let Ok(q) = req.decode::<crate::controller::GetPolicy<'_>>() else {
            return Response::errno(libc::EINVAL);
        };
        let st = self.state();
        let found = st.families.iter().find(|f| {
            q.family_name.is_some_and(|n| n == f.name) || q.family_id.is_some_and(|i| i == f.id)
        });
        let Some(f) = found else {
            return Response::errno(libc::ENOENT);
        };
        let Some(policy) = &f.policy else {
            return Response::errno(libc::EOPNOTSUPP);
        };
        let Some(op) = q.op else {
            return Response::errno(libc::EOPNOTSUPP);
        };
        let Some(entry) = u16::try_from(op).ok().and_then(|o| policy.ops.get(&o)) else {
            let at = crate::wire::AttrIter::new(req.attrs)
                .map_while(|a| a.ok())
                .find(|a| a.id == 10)
                .map(|a| (NLMSG_HDRLEN + GENL_HDRLEN + a.offset) as u32);
            return Response::Error(FakeError {
                errno: libc::ENOENT,
                offset: at,
                ..FakeError::default()
            });
        };
        let op_policy = [Keyed {
            key: op as u16,
            value: *entry,
        }];
        let head = CtrlAttrs {
            family_id: Some(f.id),
            op_policy: CheckedMulti::new(&op_policy),
            ..CtrlAttrs::default()
        };
        let mut messages = vec![head.encode_to_vec().expect("policy encodes")];
        for (idx, attrs) in &policy.policies {
            let attrs: Vec<Keyed<PolicyAttr>> = attrs
                .iter()
                .map(|(id, a)| Keyed {
                    key: *id,
                    value: *a,
                })
                .collect();
            let policy = [Keyed {
                key: *idx as u16,
                value: CheckedMulti::new(&attrs),
            }];
            let m = CtrlAttrs {
                family_id: Some(f.id),
                policy: CheckedMulti::new(&policy),
                ..CtrlAttrs::default()
            };
            messages.push(m.encode_to_vec().expect("policy encodes"));
        }
        Response::Messages(messages)
    }

    /// nlctrl: `GETFAMILY` by name or id, or a dump of every family;
    /// `GETPOLICY` of one op of a [described](Self::describe) family.
    fn controller(&self, req: &Request<'_>) -> Response {
        if req.genl.cmd == crate::Family::cmd(CtrlCmd::GetPolicy) {
            return self.get_policy(req);
        }
        if req.genl.cmd != crate::Family::cmd(CtrlCmd::GetFamily) {
            return Response::errno(libc::EOPNOTSUPP);
        }
        let st = self.state();
        if req.is_dump() {
            return Response::Messages(st.families.iter().map(FakeFamily::info).collect());
        }
        let Ok(q) = req.decode::<crate::controller::GetFamily<'_>>() else {
            return Response::errno(libc::EINVAL);
        };
        let found = st.families.iter().find(|f| {
            q.family_name.is_some_and(|n| n == f.name) || q.family_id.is_some_and(|i| i == f.id)
        });
        match found {
            Some(f) => Response::Messages(vec![f.info()]),
            None => Response::errno(libc::ENOENT),
        }
    }

    /// The datagrams that carry `out` as the answer to `req`.
    fn frame(req: &Request<'_>, family_id: u16, out: Response) -> Vec<Vec<u8>> {
        let (port, seq) = (req.port, req.seq);
        let dump = req.is_dump();
        let genl = req.genl;
        let data = |attrs: &[Vec<u8>]| -> Vec<Vec<u8>> {
            let flags = if dump { NLM_F_MULTI } else { 0 };
            attrs
                .iter()
                .map(|a| build::genl(family_id, flags, seq, port, genl, a))
                .collect()
        };
        let end = |e: Option<&FakeError>| -> Option<Vec<u8>> {
            let code = e.map_or(0, |e| -e.errno);
            if dump {
                Some(build::done(seq, port, code, e))
            } else if e.is_some() || req.flags & NLM_F_ACK != 0 {
                Some(build::error(req.message, port, code, e))
            } else {
                None
            }
        };
        match out {
            Response::Messages(m) => data(&m).into_iter().chain(end(None)).collect(),
            Response::Error(e) => end(Some(&e)).into_iter().collect(),
            Response::MessagesThenError(m, e) => {
                data(&m).into_iter().chain(end(Some(&e))).collect()
            }
            Response::Datagrams(d) => d,
            Response::Silence => Vec::new(),
        }
    }

    fn answer(&self, port: u32, datagrams: Vec<Vec<u8>>) {
        let mut st = self.state();
        if let Some(q) = st.sockets.get_mut(&port) {
            q.deliveries
                .extend(datagrams.into_iter().map(Delivery::Datagram));
        }
        drop(st);
        self.wake_all();
    }

    /// Wakes every thread and task waiting for a delivery.
    fn wake_all(&self) {
        let wakers = std::mem::take(&mut self.state().wakers);
        self.shared.wake.notify_all();
        for w in wakers {
            w.wake();
        }
    }

    /// Takes the next delivery for `port`, waiting until `deadline` if
    /// `wait`.
    fn take(&self, port: u32, deadline: Option<Instant>, wait: bool) -> Result<Option<Delivery>> {
        let mut st = self.state();
        loop {
            let q = st
                .sockets
                .get_mut(&port)
                .ok_or(Error::UnexpectedReply("fake socket closed"))?;
            if let Some(d) = q.deliveries.pop_front() {
                return Ok(Some(d));
            }
            if !wait {
                return Ok(None);
            }
            st = match deadline {
                None => self.shared.wake.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Err(Error::Timeout);
                    }
                    self.shared
                        .wake
                        .wait_timeout(st, d - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0)
                }
            };
        }
    }
}

/// A socket of a [`FakeKernel`].
#[derive(Debug)]
pub struct FakeSocket {
    kernel: FakeKernel,
    port: u32,
}

impl Drop for FakeSocket {
    fn drop(&mut self) {
        self.kernel.state().sockets.remove(&self.port);
    }
}

impl FakeSocket {
    fn deliver(d: Delivery, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        match d {
            Delivery::Datagram(bytes) => {
                buf.extend_from_slice(&bytes);
                Ok(())
            }
            Delivery::Overflow => Err(Error::EventsLost),
            Delivery::Truncated(size) => Err(Error::Truncated {
                size,
                buffer: crate::sys::RX_BUF_SIZE,
            }),
        }
    }
}

impl Transport for FakeSocket {
    fn port_id(&self) -> u32 {
        self.port
    }

    fn send(&self, datagram: &[u8]) -> Result<()> {
        self.kernel.handle(self.port, datagram);
        Ok(())
    }

    fn recv(&self, buf: &mut Vec<u8>, timeout: Option<Duration>) -> Result<()> {
        let deadline = timeout.map(|t| Instant::now() + t);
        match self.kernel.take(self.port, deadline, true)? {
            Some(d) => Self::deliver(d, buf),
            None => Err(Error::Timeout),
        }
    }

    fn try_recv(&self, buf: &mut Vec<u8>) -> Result<bool> {
        match self.kernel.take(self.port, None, false)? {
            Some(d) => Self::deliver(d, buf).map(|()| true),
            None => Ok(false),
        }
    }

    fn join_group(&self, group: u32) -> Result<()> {
        if let Some(q) = self.kernel.state().sockets.get_mut(&self.port) {
            q.groups.push(group);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(feature = "tokio")]
mod tokio;
