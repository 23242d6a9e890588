//! Typed errors: encoding, decoding, and the runtime's [`Error`].
//!
//! Decode and encode errors carry the *path* of the attribute that failed
//! (`KvEntry.meta.port`) and, for decoding, the byte offset of the attribute
//! header inside the buffer that was handed to the decoder. They are boxed so
//! that `Result<T, DecodeError>` stays one word wide on the hot path.

use std::fmt;

/// Why an attribute buffer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Fewer bytes remain than an attribute header (4 bytes) needs.
    TruncatedHeader {
        /// Bytes left in the buffer.
        remaining: usize,
    },
    /// `nla_len` is smaller than the header or runs past the end of the buffer.
    BadAttrLength {
        /// The `nla_len` field as read.
        nla_len: u16,
        /// Bytes left in the buffer, header included.
        remaining: usize,
    },
    /// A fixed-size value has the wrong payload length.
    BadValueLength {
        /// Bytes the value type needs.
        expected: usize,
        /// Bytes the attribute carries.
        actual: usize,
    },
    /// A string attribute is not valid UTF-8.
    InvalidUtf8,
    /// A string attribute has a NUL byte before its end.
    InteriorNul,
    /// A required attribute is absent.
    Missing {
        /// The attribute id that was expected.
        id: u16,
    },
    /// A value-enum attribute holds a number with no variant.
    UnknownEnumValue {
        /// The enum's Rust name.
        enum_name: &'static str,
        /// The number received.
        value: u64,
    },
    /// An attribute enum without an `other` variant met an id it does not know.
    UnknownAttr {
        /// The attribute id.
        id: u16,
    },
    /// A length or range check declared in the schema failed.
    OutOfRange(OutOfRange),
    /// A message is shorter than its fixed headers.
    TruncatedMessage {
        /// Bytes the headers need.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A netlink message's `nlmsg_len` does not fit the datagram.
    BadMessageLength {
        /// The `nlmsg_len` field.
        nlmsg_len: u32,
        /// Bytes left in the datagram.
        remaining: usize,
    },
    /// A message has an unexpected type (family id or control type).
    UnexpectedMessageType {
        /// The message type received.
        message_type: u16,
    },
    /// A custom value type rejected its payload.
    Custom(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CodecErrorInner<K> {
    kind: K,
    /// Where decoding failed (0 for an encode error).
    offset: usize,
    at: FieldPath,
}

/// Where in the sets an encode or decode error happened: the outermost set
/// and the field names from it inwards, recorded as the error travels out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct FieldPath {
    set: Option<&'static str>,
    fields: Vec<&'static str>,
}

impl FieldPath {
    fn within(&mut self, set: &'static str, field: &'static str) {
        self.set = Some(set);
        self.fields.insert(0, field);
    }

    /// `KvEntry.meta.port`, or `""` when nothing is known.
    fn dotted(&self) -> String {
        let mut s = String::new();
        if let Some(set) = self.set {
            s.push_str(set);
        }
        for f in &self.fields {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(f);
        }
        s
    }
}

/// An error of the codec, of kind `K`, with where in the sets it happened:
/// a [`DecodeError`] or an [`EncodeError`].
#[derive(Clone, PartialEq, Eq)]
pub struct CodecError<K>(Box<CodecErrorInner<K>>);

/// An attribute buffer or message that could not be decoded.
///
/// [`path`](CodecError::path) names the attribute from the outermost set
/// inwards and [`offset`](CodecError::offset) is the byte offset of the
/// offending attribute (or byte) from the start of the buffer given to the
/// outermost decoder.
pub type DecodeError = CodecError<DecodeErrorKind>;

/// A value that could not be encoded; [`path`](CodecError::path) names the
/// failing field.
pub type EncodeError = CodecError<EncodeErrorKind>;

impl<K> CodecError<K> {
    /// What went wrong.
    pub fn kind(&self) -> &K {
        &self.0.kind
    }

    /// The outermost attribute set the failing attribute was reached through.
    pub fn set(&self) -> Option<&'static str> {
        self.0.at.set
    }

    /// Field names from the outermost set inwards (`["meta", "port"]`).
    pub fn fields(&self) -> &[&'static str] {
        &self.0.at.fields
    }

    /// The dotted path, `KvEntry.meta.port`, or `""` when nothing is known.
    pub fn path(&self) -> String {
        self.0.at.dotted()
    }

    /// Records that this error happened inside `field` of the set `set`.
    /// Derived code calls this as the error travels outwards.
    #[cold]
    pub fn within(mut self, set: &'static str, field: &'static str) -> Self {
        self.0.at.within(set, field);
        self
    }
}

impl DecodeError {
    /// A new error of `kind` at byte `offset`, with an empty path.
    #[cold]
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        CodecError(Box::new(CodecErrorInner {
            kind,
            offset,
            at: FieldPath::default(),
        }))
    }

    /// Byte offset of the failing attribute header (or byte).
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// Records the set name only (for errors about the set itself, e.g. a
    /// malformed header between fields).
    #[cold]
    pub fn in_set(mut self, set: &'static str) -> Self {
        self.0.at.set = Some(set);
        self
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.0.kind)
            .field("offset", &self.0.offset)
            .field("path", &self.path())
            .finish()
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeErrorKind::*;
        match self {
            TruncatedHeader { remaining } => {
                write!(
                    f,
                    "truncated attribute header ({remaining} bytes left, 4 needed)"
                )
            }
            BadAttrLength { nla_len, remaining } => write!(
                f,
                "attribute length {nla_len} is invalid ({remaining} bytes left)"
            ),
            BadValueLength { expected, actual } => {
                write!(f, "value has {actual} bytes, expected {expected}")
            }
            InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            InteriorNul => f.write_str("string has a NUL byte before its end"),
            Missing { id } => write!(f, "missing required attribute (id {id})"),
            UnknownEnumValue { enum_name, value } => {
                write!(f, "{value} is not a value of {enum_name}")
            }
            UnknownAttr { id } => write!(f, "unknown attribute id {id}"),
            OutOfRange(r) => r.fmt(f),
            TruncatedMessage { needed, available } => {
                write!(f, "message truncated: {available} bytes, {needed} needed")
            }
            BadMessageLength {
                nlmsg_len,
                remaining,
            } => write!(
                f,
                "message length {nlmsg_len} is invalid ({remaining} bytes left)"
            ),
            UnexpectedMessageType { message_type } => {
                write!(f, "unexpected message type {message_type}")
            }
            Custom(msg) => f.write_str(msg),
        }
    }
}

/// A value outside what its schema declares, to send or received: the
/// same check both ways ([`crate::schema::Checks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutOfRange {
    /// The payload's length (`min_len`, `max_len`; strings without their
    /// NUL).
    Length {
        /// The declared minimum, if any.
        min: Option<u32>,
        /// The declared maximum, if any.
        max: Option<u32>,
        /// The length.
        actual: usize,
    },
    /// The integer's value (`min`, `max`).
    Value {
        /// The declared minimum, if any.
        min: Option<i64>,
        /// The declared maximum, if any.
        max: Option<i64>,
        /// The value.
        actual: i128,
    },
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutOfRange::Length { min, max, actual } => {
                write!(f, "length {actual} out of range")?;
                write_range(f, min, max)
            }
            OutOfRange::Value { min, max, actual } => {
                write!(f, "value {actual} out of range")?;
                write_range(f, min, max)
            }
        }
    }
}

fn write_range<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    min: &Option<T>,
    max: &Option<T>,
) -> fmt::Result {
    match (min, max) {
        (Some(a), Some(b)) => write!(f, " [{a}, {b}]"),
        (Some(a), None) => write!(f, " [{a}, ..]"),
        (None, Some(b)) => write!(f, " [.., {b}]"),
        (None, None) => Ok(()),
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if path.is_empty() {
            write!(f, "decode error at byte {}: {}", self.0.offset, self.0.kind)
        } else {
            write!(
                f,
                "decode error in {} at byte {}: {}",
                path, self.0.offset, self.0.kind
            )
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why attributes could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// An attribute or nest would exceed `nla_len`'s 65 535 bytes.
    AttrTooLong {
        /// The length it would have had, header included.
        len: usize,
    },
    /// A message would exceed `nlmsg_len`'s range.
    MessageTooLong {
        /// The length it would have had.
        len: usize,
    },
    /// A length or range check declared in the schema failed.
    OutOfRange(OutOfRange),
    /// A string to be sent contains a NUL byte, which would cut it short.
    InteriorNul,
}

impl EncodeError {
    /// A new error of `kind` with an empty path.
    #[cold]
    pub fn new(kind: EncodeErrorKind) -> Self {
        CodecError(Box::new(CodecErrorInner {
            kind,
            offset: 0,
            at: FieldPath::default(),
        }))
    }
}

impl fmt::Debug for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodeError")
            .field("kind", &self.0.kind)
            .field("path", &self.path())
            .finish()
    }
}

impl fmt::Display for EncodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use EncodeErrorKind::*;
        match self {
            AttrTooLong { len } => write!(
                f,
                "attribute of {len} bytes exceeds the 65535-byte netlink attribute limit"
            ),
            MessageTooLong { len } => write!(f, "message of {len} bytes is too long"),
            OutOfRange(r) => r.fmt(f),
            InteriorNul => f.write_str("string contains a NUL byte"),
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if path.is_empty() {
            write!(f, "encode error: {}", self.0.kind)
        } else {
            write!(f, "encode error in {}: {}", path, self.0.kind)
        }
    }
}

impl std::error::Error for EncodeError {}

/// An error reported by the kernel in `NLMSG_ERROR`, with extended ACK details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError {
    /// The positive errno (`EINVAL` = 22, …).
    pub errno: i32,
    /// `NLMSGERR_ATTR_MSG`: the kernel's human-readable message.
    pub message: Option<String>,
    /// `NLMSGERR_ATTR_OFFS`: offset of the offending attribute in the request,
    /// from the start of the netlink header.
    pub offset: Option<u32>,
    /// The offending attribute's path (`KvEntry.key`), resolved from
    /// [`offset`](Self::offset) through the request's schema.
    pub path: Option<String>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: the id of a missing required attribute.
    pub missing_type: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_NEST`: offset of the nest that lacks it.
    pub missing_nest: Option<u32>,
    /// The missing attribute's name, resolved through the schema.
    pub missing_path: Option<String>,
}

impl KernelError {
    /// A kernel error with only an errno.
    pub fn from_errno(errno: i32) -> Self {
        KernelError {
            errno,
            message: None,
            offset: None,
            path: None,
            missing_type: None,
            missing_nest: None,
            missing_path: None,
        }
    }

    /// The errno as an [`std::io::Error`] (for `ErrorKind` matching).
    pub fn io_error(&self) -> std::io::Error {
        std::io::Error::from_raw_os_error(self.errno)
    }
}

impl KernelError {
    /// The errno's description (`Invalid argument`), without the
    /// "(os error N)" suffix that [`std::io::Error`] adds.
    pub fn description(&self) -> String {
        let text = self.io_error().to_string();
        let suffix = format!(" (os error {})", self.errno);
        text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kernel error: {} (errno {})",
            self.description(),
            self.errno
        )?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(p) = &self.path {
            write!(f, " [attribute {p}]")?;
        } else if let Some(o) = self.offset {
            write!(f, " [at byte {o}]")?;
        }
        if let Some(p) = &self.missing_path {
            write!(f, " [missing {p}]")?;
        } else if let Some(t) = self.missing_type {
            write!(f, " [missing attribute id {t}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for KernelError {}

/// Every error the genl runtime returns.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A socket system call failed.
    Io(std::io::Error),
    /// A request could not be encoded.
    Encode(EncodeError),
    /// A reply could not be decoded.
    Decode(DecodeError),
    /// The kernel answered with an error (boxed: it keeps every `Result`
    /// of the runtime small on the success path).
    Kernel(Box<KernelError>),
    /// No generic netlink family of that name is registered.
    FamilyNotFound(String),
    /// The family is registered but has no op (command) of that number
    /// (the controller's answer to a policy dump of an unknown op).
    OpNotFound {
        /// The family.
        family: String,
        /// The command number asked for.
        cmd: u32,
    },
    /// A family has no multicast group of that name.
    GroupNotFound {
        /// The family.
        family: String,
        /// The group asked for.
        group: String,
    },
    /// No reply arrived within the configured timeout.
    Timeout,
    /// A datagram was larger than the receive buffer (`MSG_TRUNC`).
    Truncated {
        /// The datagram's real size.
        size: usize,
        /// The buffer's size.
        buffer: usize,
    },
    /// The socket's receive queue overflowed (`ENOBUFS`): events were lost.
    /// The socket keeps working.
    EventsLost,
    /// A dump was interrupted by a concurrent change (`NLM_F_DUMP_INTR`);
    /// its items may be inconsistent and it should be retried.
    DumpInterrupted,
    /// The reply did not have the shape the request expects.
    UnexpectedReply(&'static str),
    /// The socket accepted only part of a message.
    ShortSend {
        /// Bytes sent.
        sent: usize,
        /// Bytes of the message.
        len: usize,
    },
    /// An argument the caller passed cannot be used, e.g. a multicast group
    /// id a `sendto` cannot address.
    InvalidArgument(String),
    /// The running module does not support the request: it lacks the
    /// command (or its `do`/`dump`), or its policy for the command does not
    /// accept an attribute the request carries. Found before sending, from
    /// what the controller reports (see [`crate::support`]); boxed like
    /// [`Error::Kernel`].
    Unsupported(Box<Unsupported>),
}

/// What [`Error::Unsupported`] reports: the request the running module
/// cannot take, and the two versions of the family involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The family.
    pub family: String,
    /// The version the running module registered (`CTRL_ATTR_VERSION`).
    pub kernel_version: u32,
    /// The version this client was built for ([`FamilySchema::version`](crate::schema::FamilySchema::version)).
    pub client_version: u8,
    /// The command's name, as the schema declares it.
    pub cmd: &'static str,
    /// The command's number.
    pub cmd_id: u8,
    /// Whether the request is a dump (else a `do`).
    pub dump: bool,
    /// The attribute the module does not accept, as a schema path
    /// (`AddRule.expires`, `Req.meta.state`); `None`: the module lacks the
    /// command (or this operation of it) altogether.
    pub path: Option<String>,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.dump {
            "dump of command"
        } else {
            "command"
        };
        write!(f, "the running {:?} module ", self.family)?;
        match &self.path {
            Some(p) => write!(
                f,
                "does not accept attribute {p} of {op} {} ({})",
                self.cmd, self.cmd_id
            )?,
            None => write!(f, "has no {op} {} ({})", self.cmd, self.cmd_id)?,
        }
        write!(
            f,
            " (module version {}, client built for version {})",
            self.kernel_version, self.client_version
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "netlink socket error: {e}"),
            Error::Encode(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Kernel(e) => e.fmt(f),
            Error::FamilyNotFound(n) => {
                write!(f, "generic netlink family {n:?} is not registered")
            }
            Error::OpNotFound { family, cmd } => {
                write!(f, "generic netlink family {family:?} has no command {cmd}")
            }
            Error::GroupNotFound { family, group } => {
                write!(f, "family {family:?} has no multicast group {group:?}")
            }
            Error::Timeout => f.write_str("timed out waiting for the kernel's reply"),
            Error::Truncated { size, buffer } => write!(
                f,
                "received a {size}-byte message into a {buffer}-byte buffer (truncated)"
            ),
            Error::EventsLost => {
                f.write_str("receive queue overflowed (ENOBUFS): events were lost")
            }
            Error::DumpInterrupted => {
                f.write_str("dump interrupted by a concurrent change (NLM_F_DUMP_INTR)")
            }
            Error::UnexpectedReply(what) => write!(f, "unexpected reply: {what}"),
            Error::ShortSend { sent, len } => {
                write!(f, "the socket sent {sent} of the message's {len} bytes")
            }
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Error::Unsupported(u) => u.fmt(f),
        }
    }
}

/// The wrapped errors' text is this error's text (Display shows it), so
/// `source()` does not return them again: an error reporter walking the
/// chain prints each thing once.
impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}
impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}
impl From<Unsupported> for Error {
    fn from(e: Unsupported) -> Self {
        Error::Unsupported(Box::new(e))
    }
}
impl From<KernelError> for Error {
    fn from(e: KernelError) -> Self {
        Error::Kernel(Box::new(e))
    }
}

/// `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_error_names_its_errno_once_and_has_no_source_repeating_it() {
        // glibc's strerror(34), as `strerror ERANGE` or perror prints it.
        let e = Error::from(KernelError::from_errno(34));
        let text = e.to_string();
        assert_eq!(
            text,
            "kernel error: Numerical result out of range (errno 34)"
        );
        assert!(!text.contains("os error"), "{text}");
        // A reporter that prints the source chain adds nothing repeated.
        assert!(std::error::Error::source(&e).is_none());
    }

    #[test]
    fn a_kernel_error_with_extack_shows_message_and_attribute() {
        let mut k = KernelError::from_errno(22);
        k.message = Some("no device matches name".into());
        k.path = Some("Header.dev_name".into());
        assert_eq!(
            k.to_string(),
            "kernel error: Invalid argument (errno 22): no device matches name \
             [attribute Header.dev_name]"
        );
    }
}
