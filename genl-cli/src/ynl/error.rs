//! What can go wrong running `genl ynl` ([`YnlError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use genl_core::KernelError;
use genl_ynl::codec::CodecError;
use genl_ynl::family::SpecError;
use genl_ynl::uapi::UapiReadError;
use genl_ynl::value::JsonValueError;

/// Why `genl ynl` ([`run`](super::run)) failed: the spec, the command
/// line, the kernel or stdout. `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum YnlError {
    /// The spec could not be read, or the uapi headers to number it by
    /// could not be used (the file or the directory is named).
    Read(UapiReadError),
    /// The spec does not load.
    Spec {
        /// The spec.
        spec: PathBuf,
        /// Where in the spec, and what is wrong.
        error: SpecError,
    },
    /// An operation has no attribute-set (cli.py refuses such a spec too).
    NoAttributeSet {
        /// The spec.
        spec: PathBuf,
        /// The operation.
        op: String,
    },
    /// Neither a request, `--multi` nor `--subscribe` was asked for.
    NothingToDo,
    /// `--do`, `--dump` or `--multi` names an operation the spec does not
    /// have.
    NoOperation {
        /// The option's mode: `do` or `dump`.
        mode: &'static str,
        /// The name given.
        name: String,
        /// The operations the spec has.
        known: Vec<String>,
    },
    /// `--json` is not JSON (or has a number that is not an integer).
    Json(JsonValueError),
    /// `--json` does not fit the operation's attributes (the attribute
    /// path says where).
    Encode(CodecError),
    /// `--multi` was given an operation without its JSON.
    MultiPair,
    /// The JSON given to `--multi` for an operation is not JSON.
    MultiJson {
        /// The operation.
        op: String,
        /// Why it is not.
        error: JsonValueError,
    },
    /// The JSON given to `--multi` for an operation does not fit its
    /// attributes.
    MultiEncode {
        /// The operation.
        op: String,
        /// The attribute path and what is wrong.
        error: CodecError,
    },
    /// `--subscribe` on a spec without multicast groups.
    NoGroups,
    /// `--subscribe` names a group the spec does not have.
    NoGroup {
        /// The name given.
        group: String,
        /// The groups the spec has.
        known: Vec<String>,
    },
    /// A classic protocol's group has no `value` (its number) in the spec.
    GroupValue {
        /// The group.
        group: String,
    },
    /// A generic netlink operation's command id does not fit the genl
    /// header's byte.
    CommandId {
        /// The operation.
        op: String,
    },
    /// A reply does not decode through the spec.
    Decode {
        /// The operation replied to.
        op: String,
        /// The attribute path and what is wrong.
        error: CodecError,
    },
    /// A notification does not decode through the spec.
    Notification {
        /// The notification's operation.
        op: String,
        /// The attribute path and what is wrong.
        error: CodecError,
    },
    /// The kernel rejected a request: its errno and extended ACK, with the
    /// attributes it points at named through the spec.
    Kernel(Box<KernelError>),
    /// A socket could not be opened, a family resolved, or a message sent,
    /// received or parsed.
    Netlink(genl_core::Error),
    /// The output could not be written.
    Stdout(io::Error),
}

impl fmt::Display for YnlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YnlError::Read(e) => e.fmt(f),
            YnlError::Spec { spec, error } => write!(f, "{}: {error}", spec.display()),
            YnlError::NoAttributeSet { spec, op } => write!(
                f,
                "{}: operation `{op}` has no attribute-set (cli.py refuses the spec too: \
                 \"Can't resolve attribute set for op '{op}'\"); give every do, dump and \
                 event one, even without attributes",
                spec.display()
            ),
            YnlError::NothingToDo => f.write_str(
                "nothing to do: give --do OP, --dump OP, --multi OP JSON, --subscribe GROUP, \
                        --list-ops or --list-msgs (see --help)",
            ),
            YnlError::NoOperation { mode, name, known } => write!(
                f,
                "--{mode}: the spec has no operation `{name}` (it has: {})",
                known.join(", ")
            ),
            YnlError::Json(e) => write!(f, "--json: {e}"),
            YnlError::Encode(e) => write!(f, "--json: {e}"),
            YnlError::MultiPair => f.write_str("--multi takes an operation and its JSON"),
            YnlError::MultiJson { op, error } => write!(f, "--multi {op}: {error}"),
            YnlError::MultiEncode { op, error } => write!(f, "--multi {op}: {error}"),
            YnlError::NoGroups => f.write_str("--subscribe: the spec has no multicast groups"),
            YnlError::NoGroup { group, known } => write!(
                f,
                "--subscribe: the spec has no multicast group `{group}` (it has: {})",
                known.join(", ")
            ),
            YnlError::GroupValue { group } => {
                write!(f, "--subscribe: group `{group}` has no `value` in the spec")
            }
            YnlError::CommandId { op } => write!(f, "operation `{op}`: command id exceeds 255"),
            YnlError::Decode { op, error } => write!(f, "decoding the reply of `{op}`: {error}"),
            YnlError::Notification { op, error } => {
                write!(f, "decoding notification `{op}`: {error}")
            }
            YnlError::Kernel(e) => e.fmt(f),
            YnlError::Netlink(e) => e.fmt(f),
            YnlError::Stdout(e) => write!(f, "stdout: {e}"),
        }
    }
}

impl std::error::Error for YnlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            YnlError::Read(e) => Some(e),
            YnlError::Spec { error, .. } => Some(error),
            YnlError::Json(error) | YnlError::MultiJson { error, .. } => Some(error),
            YnlError::Encode(error)
            | YnlError::MultiEncode { error, .. }
            | YnlError::Decode { error, .. }
            | YnlError::Notification { error, .. } => Some(error),
            YnlError::Kernel(e) => Some(e.as_ref()),
            YnlError::Netlink(e) => Some(e),
            YnlError::Stdout(e) => Some(e),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(YnlError {
    Netlink(genl_core::Error),
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_missing_operation_lists_the_known_ones() {
        let e = YnlError::NoOperation {
            mode: "dump",
            name: "nosuch".into(),
            known: vec!["getfamily".into(), "getpolicy".into()],
        };
        assert_eq!(
            e.to_string(),
            "--dump: the spec has no operation `nosuch` (it has: getfamily, getpolicy)"
        );
    }

    #[test]
    fn groups_are_named_as_before() {
        assert_eq!(
            YnlError::NoGroups.to_string(),
            "--subscribe: the spec has no multicast groups"
        );
        let e = YnlError::NoGroup {
            group: "x".into(),
            known: vec!["mgmt".into(), "page-pool".into()],
        };
        assert_eq!(
            e.to_string(),
            "--subscribe: the spec has no multicast group `x` (it has: mgmt, page-pool)"
        );
    }

    #[test]
    fn a_spec_that_could_not_be_read_is_named_and_keeps_the_cause() {
        let e = YnlError::Read(UapiReadError::Read {
            path: PathBuf::from("no-such.yaml"),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        });
        assert_eq!(
            e.to_string(),
            "no-such.yaml: No such file or directory (os error 2)"
        );
        assert!(e.source().unwrap().is::<UapiReadError>());
    }

    #[test]
    fn json_that_does_not_parse_is_named_by_its_option() {
        let parse = |t| genl_ynl::value::Value::parse_json(t).unwrap_err();
        let e = YnlError::Json(parse("{"));
        assert_eq!(
            e.to_string(),
            "--json: EOF while parsing an object at line 1 column 1"
        );
        assert!(e.source().unwrap().is::<JsonValueError>());
        let e = YnlError::MultiJson {
            op: "dev-get".into(),
            error: parse("{} x"),
        };
        assert_eq!(
            e.to_string(),
            "--multi dev-get: trailing characters at line 1 column 4"
        );
        assert!(e.source().unwrap().is::<JsonValueError>());
    }

    #[test]
    fn a_kernel_error_is_its_message_and_keeps_the_cause() {
        let k = KernelError::from_errno(libc::EINVAL);
        let e = YnlError::Kernel(Box::new(k.clone()));
        assert_eq!(e.to_string(), k.to_string());
        let cause = e.source().unwrap().downcast_ref::<KernelError>();
        assert_eq!(cause, Some(&k));
        let e = YnlError::from(genl_core::Error::Timeout);
        assert_eq!(e.to_string(), genl_core::Error::Timeout.to_string());
        assert!(matches!(e, YnlError::Netlink(genl_core::Error::Timeout)));
    }

    #[test]
    fn a_decode_failure_names_the_operation_and_the_path() {
        let e = YnlError::Decode {
            op: "dev-get".into(),
            error: CodecError {
                path: ".ifindex".into(),
                what: "too short".into(),
            },
        };
        assert!(
            e.to_string()
                .starts_with("decoding the reply of `dev-get`: "),
            "{e}"
        );
        assert!(e.source().is_some());
    }
}
