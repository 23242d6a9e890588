//! What can go wrong in `genl fuzz`: a program that does not read
//! ([`ProgramError`], [`CallError`], [`HexError`]), the guest fuzzer and
//! its supervisor ([`FuzzerError`]) and the host's run ([`FuzzError`]).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

use genl_ynl::codec::CodecError;
use genl_ynl::family::SpecError;
use genl_ynl::value::JsonValueError;

use super::exec::ResolveError;
use crate::host::HostError;
use crate::project::ProjectError;

/// Why a hex string ([`unhex`](super::program::unhex)) is not bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// It has an odd number of digits.
    OddLength {
        /// The text.
        text: String,
    },
    /// It has a character that is not a hex digit.
    BadDigits {
        /// The text.
        text: String,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::OddLength { text } => write!(f, "odd-length hex {text:?}"),
            HexError::BadDigits { text } => write!(f, "bad hex digits in {text:?}"),
        }
    }
}

impl std::error::Error for HexError {}

/// What is wrong with one call of a program's JSON.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError {
    /// The call is not a JSON object.
    NotAnObject,
    /// `do` or `dump` is not a string.
    OpNotAName {
        /// The key: `do` or `dump`.
        key: String,
    },
    /// `do` or `dump` names an operation the spec does not have.
    NoSuchOp {
        /// The name given.
        name: String,
    },
    /// `read` is neither `"all"` nor a number of 32 bits.
    Read {
        /// The value given, as JSON.
        value: String,
    },
    /// `subscribe` is not a string.
    GroupNotAName,
    /// The call has none of the keys that say what it does.
    NoAction,
    /// `attrs` is a string without the `hex:` prefix.
    AttrsNotHex,
    /// `attrs` is `hex:` text that is not hex.
    AttrsHex(HexError),
    /// `attrs` is JSON that does not read as a value (a number that is not
    /// an integer).
    AttrsValue(JsonValueError),
    /// `attrs` is JSON that does not fit the operation's attributes.
    AttrsEncode(CodecError),
    /// A call that requests no operation has `attrs`.
    AttrsWithoutOp,
    /// A number (`sock`, `cmd`, `version`, `flags`) is not one, or is too
    /// big.
    TooBig {
        /// The key.
        key: String,
        /// The largest value it takes.
        max: u64,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NotAnObject => f.write_str("a call is an object"),
            CallError::OpNotAName { key } => write!(f, "`{key}` names an operation"),
            CallError::NoSuchOp { name } => write!(f, "the spec has no operation {name:?}"),
            CallError::Read { value } => {
                write!(f, "`read` is \"all\" or a number, not {value}")
            }
            CallError::GroupNotAName => f.write_str("`subscribe` names a group"),
            CallError::NoAction => {
                f.write_str("a call has `do`, `dump`, `read`, `subscribe`, `netns` or `close`")
            }
            CallError::AttrsNotHex => f.write_str("`attrs` text must start with `hex:`"),
            CallError::AttrsHex(e) => e.fmt(f),
            CallError::AttrsValue(e) => write!(f, "attrs: {e}"),
            CallError::AttrsEncode(e) => write!(f, "attrs: {e}"),
            CallError::AttrsWithoutOp => f.write_str("only `do` and `dump` take attrs"),
            CallError::TooBig { key, max } => {
                write!(f, "`{key}` must be a number up to {max}")
            }
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::AttrsHex(e) => Some(e),
            CallError::AttrsValue(e) => Some(e),
            CallError::AttrsEncode(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a program's JSON ([`Program::from_json`](super::program::Program::from_json))
/// is not a program of the family.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProgramError {
    /// The program names another family than the spec's.
    WrongFamily {
        /// The family the program names.
        program: String,
        /// The spec's family.
        spec: String,
    },
    /// The JSON is not an object with a `calls` list.
    NoCalls,
    /// One call is wrong.
    Call {
        /// Its position in `calls`, from 0.
        index: usize,
        /// What is wrong with it.
        error: CallError,
    },
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgramError::WrongFamily { program, spec } => write!(
                f,
                "the program is for family {program:?}, the spec is {spec:?}"
            ),
            ProgramError::NoCalls => f.write_str("a program is an object with a `calls` list"),
            ProgramError::Call { index, error } => write!(f, "calls[{index}]: {error}"),
        }
    }
}

impl std::error::Error for ProgramError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProgramError::Call { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why the guest fuzzer (`genl fuzz-guest`: [`guest::run`](super::guest::run),
/// its supervisor and the fuzzer it runs) could not run. Findings are not
/// errors: they are reported in the protocol's lines. `Display` is the
/// message `genl fuzz-guest` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum FuzzerError {
    /// The family's YNL spec (`--spec`) could not be read.
    SpecRead {
        /// The spec.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The family's YNL spec does not load.
    Spec {
        /// The spec.
        path: PathBuf,
        /// Where in the spec, and what is wrong.
        error: SpecError,
    },
    /// `/dev/kmsg` could not be opened.
    Kmsg(io::Error),
    /// The family is not registered in the running kernel (or nlctrl could
    /// not be asked).
    Resolve(ResolveError),
    /// A file the fuzzer reads or writes (the round log, `--corpus-dir`)
    /// could not be opened.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// `insmod` could not be run.
    InsmodSpawn(io::Error),
    /// `insmod` of the module failed.
    Insmod {
        /// The module's `.ko`.
        ko: PathBuf,
        /// What insmod said.
        stderr: String,
        /// What the `rmmod` before it said (or why it did not run).
        rmmod: io::Result<String>,
    },
    /// `--replay`'s program could not be read.
    ReplayRead {
        /// The program's file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// `--replay`'s program is not JSON.
    ReplayJson {
        /// The program's file.
        path: PathBuf,
        /// What the parser said.
        error: serde_json::Error,
    },
    /// `--replay`'s program is not a program of the family.
    ReplayProgram {
        /// The program's file.
        path: PathBuf,
        /// What is wrong.
        error: ProgramError,
    },
    /// The supervisor could not find its own executable, to run the
    /// fuzzer.
    Exe(io::Error),
    /// The supervisor could not start or wait for the fuzzer's process.
    Process(io::Error),
    /// The fuzzer ended (after its end line) with a failure.
    Exited(ExitStatus),
    /// The fuzzer died, or was stuck and killed, before its end line, and
    /// the kernel logged no report to make the finding of.
    Died {
        /// How it ended; `None`: it was stuck in the kernel and killed.
        status: Option<ExitStatus>,
    },
}

impl fmt::Display for FuzzerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuzzerError::SpecRead { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzerError::Spec { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzerError::Kmsg(e) => write!(f, "/dev/kmsg: {e}"),
            FuzzerError::Resolve(e) => e.fmt(f),
            FuzzerError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzerError::InsmodSpawn(e) => write!(f, "insmod: {e}"),
            FuzzerError::Insmod { ko, stderr, rmmod } => write!(
                f,
                "insmod {}: {} (rmmod: {rmmod:?})",
                ko.display(),
                stderr.trim()
            ),
            FuzzerError::ReplayRead { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzerError::ReplayJson { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzerError::ReplayProgram { path, error } => {
                write!(f, "{}: {error}", path.display())
            }
            FuzzerError::Exe(e) => write!(f, "the fuzzer's executable: {e}"),
            FuzzerError::Process(e) => write!(f, "the fuzzer's process: {e}"),
            FuzzerError::Exited(st) => write!(f, "the fuzzer {st}"),
            FuzzerError::Died { status } => {
                match status {
                    Some(st) => write!(f, "the fuzzer {st}")?,
                    None => f.write_str("the fuzzer was stuck in the kernel (killed)")?,
                }
                f.write_str(" before it ended, and the kernel reported nothing")
            }
        }
    }
}

impl std::error::Error for FuzzerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FuzzerError::SpecRead { error, .. }
            | FuzzerError::Io { error, .. }
            | FuzzerError::ReplayRead { error, .. } => Some(error),
            FuzzerError::ReplayJson { error, .. } => Some(error),
            FuzzerError::Spec { error, .. } => Some(error),
            FuzzerError::Kmsg(e)
            | FuzzerError::InsmodSpawn(e)
            | FuzzerError::Exe(e)
            | FuzzerError::Process(e) => Some(e),
            FuzzerError::Resolve(e) => Some(e),
            FuzzerError::ReplayProgram { error, .. } => Some(error),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(FuzzerError { Resolve(ResolveError) });

/// Why `genl fuzz` on the host ([`host::run`](super::host::run)) failed.
/// What goes wrong in one kernel's run (a boot that fails, a fuzzer that
/// does not finish) is not an error of the run: the report lists it.
/// `Display` is the message `genl fuzz` prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum FuzzError {
    /// The project has no family spec to fuzz with.
    Project(ProjectError),
    /// A file could not be read or written (the spec, `--replay`'s
    /// program, the corpus, the findings, `--json`).
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The family's YNL spec does not load.
    Spec {
        /// The spec.
        path: PathBuf,
        /// Where in the spec, and what is wrong.
        error: SpecError,
    },
    /// The `genl` executable (run in the guest) is unknown.
    Exe(io::Error),
    /// The project's work directory could not be locked.
    Lock(HostError),
    /// Planning, fetching the kernels or building the module failed (the
    /// VM steps' error).
    Vm(Box<dyn std::error::Error + Send + Sync>),
    /// `--module` names a module the module dir does not build.
    NoModule {
        /// The name given.
        name: String,
    },
    /// The module dir builds several modules, none named like the family.
    WhichModule {
        /// How many it builds.
        count: usize,
        /// The family's name.
        family: String,
    },
}

impl fmt::Display for FuzzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuzzError::Project(e) => e.fmt(f),
            FuzzError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzError::Spec { path, error } => write!(f, "{}: {error}", path.display()),
            FuzzError::Exe(e) => write!(f, "the genl executable: {e}"),
            FuzzError::Lock(e) => e.fmt(f),
            FuzzError::Vm(e) => e.fmt(f),
            FuzzError::NoModule { name } => {
                write!(f, "the module dir builds no module {name:?}")
            }
            FuzzError::WhichModule { count, family } => write!(
                f,
                "the module dir builds {count} modules and none is named {family:?}: say which \
                 with --module"
            ),
        }
    }
}

impl std::error::Error for FuzzError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FuzzError::Project(e) => Some(e),
            FuzzError::Io { error, .. } => Some(error),
            FuzzError::Spec { error, .. } => Some(error),
            FuzzError::Exe(e) => Some(e),
            FuzzError::Lock(e) => Some(e),
            FuzzError::Vm(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

crate::error::wrap_errors!(FuzzError {
    Project(ProjectError),
    Lock(HostError),
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_bad_call_is_named_by_its_position() {
        let e = ProgramError::Call {
            index: 2,
            error: CallError::TooBig {
                key: "sock".into(),
                max: 3,
            },
        };
        assert_eq!(e.to_string(), "calls[2]: `sock` must be a number up to 3");
        assert!(e.source().is_some());
        let e = ProgramError::Call {
            index: 0,
            error: CallError::AttrsHex(HexError::OddLength { text: "abc".into() }),
        };
        assert_eq!(e.to_string(), "calls[0]: odd-length hex \"abc\"");
    }

    #[test]
    fn attrs_that_are_not_a_value_say_why_and_keep_the_cause() {
        let json = genl_ynl::value::Value::parse_json("1.5").unwrap_err();
        let e = CallError::AttrsValue(json);
        assert_eq!(
            e.to_string(),
            "attrs: 1.5 is not an integer (netlink values are integers, strings, objects or \
             arrays) at line 1 column 3"
        );
        assert!(e.source().unwrap().is::<JsonValueError>());
    }

    #[test]
    fn a_program_of_another_family_names_both() {
        let e = ProgramError::WrongFamily {
            program: "x".into(),
            spec: "genl_demo".into(),
        };
        assert_eq!(
            e.to_string(),
            "the program is for family \"x\", the spec is \"genl_demo\""
        );
    }

    #[test]
    fn a_fuzzer_that_died_says_how_and_that_nothing_was_reported() {
        let killed = FuzzerError::Died { status: None };
        assert_eq!(
            killed.to_string(),
            "the fuzzer was stuck in the kernel (killed) before it ended, and the kernel \
             reported nothing"
        );
        // Exit code 2, as wait(2) encodes it.
        let exited = FuzzerError::Died {
            status: Some(ExitStatus::from_raw(2 << 8)),
        };
        assert_eq!(
            exited.to_string(),
            "the fuzzer exit status: 2 before it ended, and the kernel reported nothing"
        );
    }

    #[test]
    fn several_modules_and_none_named_asks_for_module() {
        let e = FuzzError::WhichModule {
            count: 2,
            family: "genl_demo".into(),
        };
        assert_eq!(
            e.to_string(),
            "the module dir builds 2 modules and none is named \"genl_demo\": say which with \
             --module"
        );
    }
}
