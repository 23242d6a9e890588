//! Why a boot failed ([`BootError`]) and why a guest's run did
//! ([`GuestFailure`], [`NoVerdict`], [`ShortTests`]).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::RESULT_MARKER;

/// Why a boot could not be made or run (what the guest did is a [`Run`](super::Run)).
/// `Display` is the message `genl` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum BootError {
    /// QEMU could not be started or waited for.
    Qemu {
        /// The program (`qemu-system-x86_64`).
        program: &'static str,
        /// What the system said.
        error: io::Error,
        /// Whether it was not there to start (then `genl vm fetch`
        /// installs it).
        spawn: bool,
    },
    /// The console log could not be written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootError::Qemu {
                program,
                error,
                spawn: true,
            } => write!(f, "{program}: {error} (run `genl vm fetch` to install it)"),
            BootError::Qemu { program, error, .. } => write!(f, "{program}: {error}"),
            BootError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for BootError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BootError::Qemu { error, .. } | BootError::Io { error, .. } => Some(error),
        }
    }
}

/// Why a boot gave no verdict ([`GuestFailure::NoVerdict`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoVerdict {
    /// The kernel panicked.
    Panicked {
        /// The `Kernel panic` line.
        line: String,
        /// What caused it: up to two WARNING/BUG/Oops/UBSAN/RIP lines.
        causes: Vec<String>,
    },
    /// The boot ran out of time (`timeout`'s status 124 or 137).
    TimedOut {
        /// Its bound, in seconds.
        secs: u64,
    },
    /// qemu ended without a verdict line from `/init`.
    Silent {
        /// qemu's exit status.
        exit: Option<i32>,
        /// qemu's stderr, trimmed.
        stderr: String,
    },
}

impl fmt::Display for NoVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoVerdict::Panicked { line, causes } => write!(
                f,
                "guest kernel panicked: {line}{}{}",
                if causes.is_empty() { "" } else { " after: " },
                causes.join(" / ")
            ),
            NoVerdict::TimedOut { secs } => write!(f, "guest timed out after {secs} s"),
            NoVerdict::Silent { exit, stderr } => write!(
                f,
                "guest printed no `{}` line (qemu exit status {exit:?}{})",
                RESULT_MARKER.trim(),
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(", stderr: {stderr}")
                }
            ),
        }
    }
}

/// Why a guest failed its kernel. `Display` is the reason the VM summary
/// shows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestFailure {
    /// `/init` printed `FAIL` with these reasons.
    Failed {
        /// Its reasons (`rmmod genl_demo failed; kernel log: ...`).
        reasons: String,
    },
    /// `/init` printed no verdict.
    NoVerdict {
        /// Why.
        why: NoVerdict,
        /// Result lines without the boot's token (a program's, ignored).
        ignored: Vec<String>,
    },
    /// The guest booted another kernel than the one fetched.
    WrongKernel {
        /// The release it booted.
        booted: String,
        /// The release fetched.
        expected: String,
    },
    /// The guest gave a verdict and never said what kernel it booted.
    NoRelease,
    /// Programs reported fewer passed tests than they ran or must pass.
    Tests(Vec<ShortTests>),
}

impl fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestFailure::Failed { reasons } => f.write_str(reasons),
            GuestFailure::NoVerdict { why, ignored } => {
                write!(f, "{why}")?;
                if !ignored.is_empty() {
                    write!(
                        f,
                        " (ignored {} result line(s) without the boot's token: {ignored:?})",
                        ignored.len()
                    )?;
                }
                Ok(())
            }
            GuestFailure::WrongKernel { booted, expected } => {
                write!(f, "the guest booted kernel {booted}, not {expected}")
            }
            GuestFailure::NoRelease => f.write_str("the guest never reported its kernel release"),
            GuestFailure::Tests(short) => {
                for (i, s) in short.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for GuestFailure {}

/// One program whose tests did not all pass ([`GuestFailure::Tests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShortTests {
    /// It said it ran more tests than passed.
    NotAllPassed {
        /// The program.
        program: String,
        /// The tests it said it runs.
        running: u64,
        /// The tests that passed.
        passed: u64,
    },
    /// Fewer passed than its `min-tests`.
    BelowMin {
        /// The program.
        program: String,
        /// The tests that passed.
        passed: u64,
        /// Its `min-tests`.
        min: u64,
    },
}

impl fmt::Display for ShortTests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShortTests::NotAllPassed {
                program,
                running,
                passed,
            } => write!(
                f,
                "{program} reported running {running} test(s), {passed} passed"
            ),
            ShortTests::BelowMin {
                program,
                passed,
                min,
            } => write!(
                f,
                "{program} reported {passed} passed test(s), min-tests is {min}"
            ),
        }
    }
}
