//! What the C reader does not understand ([`CReadError`]).

use std::fmt;

/// Why C written by genl or ynl-gen-c could not be read by meaning (its
/// preprocessor lines, initializers, policy arrays, ops table): a
/// construct the reader does not take. `Display` is the message `genl
/// check` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CReadError {
    /// A `/*` comment has no end.
    UnterminatedComment,
    /// An `#if` with an expression (only `#ifdef`/`#ifndef` are taken).
    UnsupportedCondition {
        /// The line.
        line: String,
    },
    /// An `#else` outside any `#if`.
    ElseWithoutIf,
    /// An `#endif` outside any `#if`.
    EndifWithoutIf,
    /// An `#if` the file does not close.
    IfWithoutEndif,
    /// A braced initializer has no end.
    UnterminatedInitializer,
    /// A designator (`.field` or `[index]`) is cut short.
    BadDesignator,
    /// A designator is not followed by `=`.
    NoEquals {
        /// The designator (`.field`, or `[index]`).
        after: String,
    },
    /// The file has no ops table (`struct genl_split_ops` or `struct
    /// genl_ops`).
    NoOpsTable,
    /// The ops table's initializer is not a braced list.
    OpsNotAList,
    /// An op has no `.cmd` with a value.
    OpWithoutCmd {
        /// The op's initializer.
        op: String,
    },
    /// Two entries of the ops table are for the same command and kind.
    TwoOps {
        /// The table.
        table: String,
        /// The command's value.
        cmd: i128,
        /// `do`, `dump` or `cmd`.
        kind: &'static str,
    },
    /// A policy entry is written field by field where the generators use
    /// the `NLA_POLICY_*` macros.
    FieldWrittenOut {
        /// The field (`.min`, `.validate`, ...).
        field: &'static str,
        /// The entry.
        entry: String,
    },
    /// A policy entry is neither a braced list nor a macro call.
    UnknownForm {
        /// The entry.
        entry: String,
    },
    /// An `NLA_POLICY_*` macro lacks an argument.
    MissingArgument {
        /// The macro.
        name: String,
        /// The argument's position, from 0.
        n: usize,
    },
    /// A full-range policy names a range structure the file does not
    /// define.
    NoRange {
        /// The structure.
        name: String,
    },
    /// A policy macro the reader does not know.
    UnknownMacro {
        /// The macro.
        name: String,
    },
    /// A policy array's initializer is not a braced list.
    PolicyNotAList {
        /// The policy.
        policy: String,
    },
    /// A policy entry has no `[index]` designator.
    NoIndex {
        /// The policy.
        policy: String,
    },
    /// A policy entry's index has no value (a constant the uapi header
    /// does not define).
    BadIndex {
        /// The policy.
        policy: String,
        /// The index, as written.
        index: String,
    },
    /// One entry of a policy array could not be read.
    Entry {
        /// The policy.
        policy: String,
        /// The entry's index, as written.
        index: String,
        /// Why.
        error: Box<CReadError>,
    },
}

impl fmt::Display for CReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CReadError::UnterminatedComment => f.write_str("unterminated comment"),
            CReadError::UnsupportedCondition { line } => write!(
                f,
                "unsupported preprocessor condition: {line} (files generated before genl's \
                 compat by feature tested LINUX_VERSION_CODE: regenerate them)"
            ),
            CReadError::ElseWithoutIf => f.write_str("#else without #if"),
            CReadError::EndifWithoutIf => f.write_str("#endif without #if"),
            CReadError::IfWithoutEndif => f.write_str("#if without #endif"),
            CReadError::UnterminatedInitializer => f.write_str("unterminated initializer"),
            CReadError::BadDesignator => f.write_str("bad designator"),
            CReadError::NoEquals { after } => write!(f, "expected = after {after}"),
            CReadError::NoOpsTable => f.write_str("no ops table"),
            CReadError::OpsNotAList => f.write_str("ops table is not a list"),
            CReadError::OpWithoutCmd { op } => write!(f, "op without a .cmd: {op}"),
            CReadError::TwoOps { table, cmd, kind } => {
                write!(f, "{table}: two entries for cmd {cmd} {kind}")
            }
            CReadError::FieldWrittenOut { field, entry } => {
                write!(f, "policy field {field} written out: {entry}")
            }
            CReadError::UnknownForm { entry } => write!(f, "unknown policy form {entry}"),
            CReadError::MissingArgument { name, n } => write!(f, "{name}: missing argument {n}"),
            CReadError::NoRange { name } => write!(f, "no range structure {name}"),
            CReadError::UnknownMacro { name } => write!(f, "unknown policy macro {name}"),
            CReadError::PolicyNotAList { policy } => write!(f, "{policy}: not a list"),
            CReadError::NoIndex { policy } => write!(f, "{policy}: entry without [index]"),
            CReadError::BadIndex { policy, index } => {
                write!(f, "{policy}: cannot evaluate index {index}")
            }
            CReadError::Entry {
                policy,
                index,
                error,
            } => write!(f, "{policy} [{index}]: {error}"),
        }
    }
}

impl std::error::Error for CReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CReadError::Entry { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}
