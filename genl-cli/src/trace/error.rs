//! What can go wrong in `genl trace`: decoding a capture
//! ([`TraceDecodeError`]) and the command ([`TraceError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use genl_core::pcap::ReadError;
use genl_ynl::family::SpecError;
use genl_ynl::uapi::UapiReadError;

use crate::nlmon::{CaptureError, RemoveError};

/// Why a capture could not be decoded ([`decode`](super::decode), or
/// a [`Decoder`](super::Decoder) made). A message that does not parse is
/// not an error: it is shown with its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceDecodeError {
    /// The file is not pcap or pcapng, or a record is cut.
    Pcap(ReadError),
    /// The built-in nlctrl spec does not load.
    NlctrlSpec(SpecError),
}

impl fmt::Display for TraceDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceDecodeError::Pcap(e) => e.fmt(f),
            TraceDecodeError::NlctrlSpec(e) => write!(f, "built-in nlctrl spec: {e}"),
        }
    }
}

impl std::error::Error for TraceDecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TraceDecodeError::Pcap(e) => Some(e),
            TraceDecodeError::NlctrlSpec(e) => Some(e),
        }
    }
}

crate::error::into_text!(TraceDecodeError);

/// Why `genl trace` ([`run`](super::run)) failed. `Display` is the
/// message `genl trace` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum TraceError {
    /// A `--spec` could not be read, or the uapi headers to number it by
    /// could not be used (the file or the directory is named).
    SpecRead(UapiReadError),
    /// A `--spec` does not load.
    Spec {
        /// The spec.
        path: PathBuf,
        /// Where in the spec, and what is wrong.
        error: SpecError,
    },
    /// The current directory (to find the project's spec in) is unknown.
    CurrentDir(io::Error),
    /// `--read`'s capture could not be read.
    Read {
        /// The capture.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// `--read`'s capture does not decode.
    Decode {
        /// The capture.
        path: PathBuf,
        /// Why.
        error: TraceDecodeError,
    },
    /// No decoder for the live capture.
    Decoder(TraceDecodeError),
    /// The live capture could not start.
    Capture(CaptureError),
    /// `--write`'s file could not be created.
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// Writing the decoded messages (to stdout) failed.
    Output(io::Error),
    /// Reading the packet socket failed.
    Recv(io::Error),
    /// Writing `--write`'s file failed during the capture.
    Recording(Arc<io::Error>),
    /// The nlmon device could not be removed.
    Remove(RemoveError),
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::SpecRead(e) => e.fmt(f),
            TraceError::Spec { path, error } => write!(f, "{}: {error}", path.display()),
            TraceError::CurrentDir(e) => write!(f, "current directory: {e}"),
            TraceError::Read { path, error } | TraceError::Write { path, error } => {
                write!(f, "{}: {error}", path.display())
            }
            TraceError::Decode { path, error } => write!(f, "{}: {error}", path.display()),
            TraceError::Decoder(e) => e.fmt(f),
            TraceError::Capture(e) => e.fmt(f),
            TraceError::Output(e) => write!(f, "stdout: {e}"),
            TraceError::Recv(e) => write!(f, "reading the packet socket: {e}"),
            TraceError::Recording(e) => write!(f, "writing the capture: {e}"),
            TraceError::Remove(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TraceError::SpecRead(e) => Some(e),
            TraceError::Spec { error, .. } => Some(error),
            TraceError::CurrentDir(e) | TraceError::Output(e) | TraceError::Recv(e) => Some(e),
            TraceError::Read { error, .. } | TraceError::Write { error, .. } => Some(error),
            TraceError::Decode { error, .. } => Some(error),
            TraceError::Decoder(e) => Some(e),
            TraceError::Capture(e) => Some(e),
            TraceError::Recording(e) => Some(e.as_ref()),
            TraceError::Remove(e) => Some(e),
        }
    }
}

crate::error::wrap_errors!(TraceError {
    Decoder(TraceDecodeError),
    Capture(CaptureError),
    Remove(RemoveError),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_that_does_not_decode_is_named() {
        let e = TraceError::Decode {
            path: PathBuf::from("s.pcap"),
            error: TraceDecodeError::NlctrlSpec(SpecError {
                at: String::new(),
                what: "empty".into(),
            }),
        };
        assert_eq!(
            e.to_string(),
            "s.pcap: built-in nlctrl spec: invalid YNL spec: empty"
        );
    }

    #[test]
    fn a_spec_that_could_not_be_read_is_named_and_keeps_the_cause() {
        use std::error::Error as _;
        let e = TraceError::SpecRead(UapiReadError::NoHeaders {
            dir: PathBuf::from("/inc"),
        });
        assert_eq!(
            e.to_string(),
            "/inc: no linux/ headers there (give an include directory such as /usr/include or \
             a kernel tree's include/uapi)"
        );
        assert!(e.source().unwrap().is::<UapiReadError>());
    }

    #[test]
    fn a_failed_recording_says_so() {
        let e = TraceError::Recording(Arc::new(io::Error::from(io::ErrorKind::StorageFull)));
        assert_eq!(e.to_string(), "writing the capture: no storage space");
    }
}
