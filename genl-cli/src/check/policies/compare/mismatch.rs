//! Why a construct of ours is not what a difference by design requires
//! ([`Mismatch`]).

use std::collections::BTreeSet;
use std::fmt;

/// Why a generated construct of ours (a family structure, a put helper, a
/// dump's `.start`, a validation function) is not the one a difference by
/// design requires: its `Display` is the text of the [`Difference`]
/// reported instead (after where it is).
///
/// [`Difference`]: crate::check::Difference
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::check::policies) enum Mismatch {
    /// Our family structure, where ynl-gen-c leaves it to the module, does
    /// not have ynl-gen-c's ops table and groups, or the uapi header's
    /// name and version.
    FamilyFields {
        /// The structure.
        family: String,
        /// What is wrong with each field, in words.
        fields: Vec<String>,
    },
    /// A header function of ours alone is not a put helper.
    UnknownKind,
    /// A put helper's attribute is not 64-bit, or its pad not the pad
    /// attribute of the attribute's set.
    PutHelper {
        /// The attribute put.
        attr: String,
        /// The pad attribute.
        pad: String,
    },
    /// A dump's `.start` is not defined.
    StartNotDefined,
    /// A dump's `.start` does not read the request, check it and return 0.
    StartChecks {
        /// What it checks, in words.
        checks: String,
    },
    /// A policy's validation function is not defined.
    NotDefined {
        /// The function.
        function: String,
    },
    /// A string `min-len` validation function on an entry not a string.
    StrMinNotString {
        /// The function.
        function: String,
        /// The entry's type.
        ty: String,
    },
    /// A string `min-len` validation function not named for the spec's
    /// minimum.
    StrMinLen {
        /// The function.
        function: String,
        /// The spec's `min-len`.
        spec_min: Option<i128>,
    },
    /// A string `min-len` validation function does not reject exactly the
    /// strings shorter than its minimum.
    StrMinRejects {
        /// The function.
        function: String,
        /// The minimum.
        min: i128,
    },
    /// The range of a non-contiguous enum's entry is not the span of the
    /// enum's values.
    EnumRange {
        /// Our minimum.
        min: Option<String>,
        /// Our maximum.
        max: Option<String>,
        /// The enum's lowest value.
        lo: i128,
        /// The enum's highest value.
        hi: i128,
    },
    /// No validation function of ours accepts exactly the enum's values.
    NoEnumValidator {
        /// The values.
        values: Vec<i128>,
    },
    /// An enum validation function no generated check calls.
    EnumValidatorUncalled {
        /// The function.
        function: String,
    },
    /// The spec names no enum (known) for an enum validation function.
    UnknownEnum {
        /// The function.
        function: String,
    },
    /// An enum validation function on an entry of a type it cannot read.
    EnumValidatorType {
        /// The function.
        function: String,
        /// The entry's type.
        ty: String,
    },
    /// An enum validation function without a `switch`.
    NoSwitch {
        /// The function.
        function: String,
    },
    /// An enum validation function does not read the attribute with the
    /// getter of its type.
    NotRead {
        /// The function.
        function: String,
        /// The getter (`nla_get_u32`).
        get: &'static str,
    },
    /// An enum validation function of a big-endian type does not convert
    /// the value to host order.
    NotConverted {
        /// The function.
        function: String,
        /// The conversion (`be32_to_cpu`).
        conv: String,
    },
    /// A `case` of an enum validation function without its `:`.
    CaseWithoutColon {
        /// The function.
        function: String,
    },
    /// A `case` of an enum validation function has no value.
    CaseValue {
        /// The function.
        function: String,
    },
    /// The cases of an enum validation function do more than return 0.
    CasesDoMore {
        /// The function.
        function: String,
    },
    /// An enum validation function does not end by returning `-EINVAL`.
    NoEinval {
        /// The function.
        function: String,
    },
    /// An enum validation function accepts other values than the enum's.
    EnumValues {
        /// The function.
        function: String,
        /// The values it accepts.
        accepts: BTreeSet<i128>,
        /// The enum's values.
        want: BTreeSet<i128>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::FamilyFields { family, fields } => {
                write!(f, "struct genl_family {family}: {}", fields.join("; "))
            }
            Mismatch::UnknownKind => f.write_str("only in ours, of no known kind"),
            Mismatch::PutHelper { attr, pad } => write!(
                f,
                "puts {attr} with pad {pad}: not a 64-bit attribute and its set's pad"
            ),
            Mismatch::StartNotDefined => f.write_str("not defined"),
            Mismatch::StartChecks { checks } => write!(
                f,
                "does not read the request with <p>_nl_dump_attrs, check it and return 0 \
                 ({checks})"
            ),
            Mismatch::NotDefined { function: func } => write!(f, "validate={func}: not defined"),
            Mismatch::StrMinNotString { function: func, ty } => {
                write!(f, "{func} on a {ty}, not a string")
            }
            Mismatch::StrMinLen {
                function: func,
                spec_min,
            } => write!(
                f,
                "validate={func}: the spec's min-len is {}",
                spec_min.map_or("none".into(), |m| m.to_string())
            ),
            Mismatch::StrMinRejects {
                function: func,
                min,
            } => write!(
                f,
                "validate={func} does not reject exactly the strings shorter than {min}"
            ),
            Mismatch::EnumRange { min, max, lo, hi } => write!(
                f,
                "range {min:?}..{max:?}, the enum's values span {lo}..{hi}"
            ),
            Mismatch::NoEnumValidator { values } => write!(
                f,
                "no validation function accepts exactly the enum's values {values:?}"
            ),
            Mismatch::EnumValidatorUncalled { function: func } => {
                write!(f, "{func} accepts the enum's values but no check calls it")
            }
            Mismatch::UnknownEnum { function: func } => {
                write!(f, "validate={func}: the spec's enum is unknown")
            }
            Mismatch::EnumValidatorType { function: func, ty } => {
                write!(f, "validate={func} on a {ty}")
            }
            Mismatch::NoSwitch { function: func } => write!(f, "validate={func}: no switch"),
            Mismatch::NotRead {
                function: func,
                get,
            } => {
                write!(f, "validate={func}: does not read the attribute with {get}")
            }
            Mismatch::NotConverted {
                function: func,
                conv,
            } => {
                write!(f, "validate={func}: does not convert with {conv}")
            }
            Mismatch::CaseWithoutColon { function: func } => {
                write!(f, "validate={func}: case without :")
            }
            Mismatch::CaseValue { function: func } => {
                write!(f, "validate={func}: cannot evaluate a case")
            }
            Mismatch::CasesDoMore { function: func } => {
                write!(f, "validate={func}: its cases do more than return 0")
            }
            Mismatch::NoEinval { function: func } => write!(
                f,
                "validate={func}: does not end by returning -EINVAL for any other value"
            ),
            Mismatch::EnumValues {
                function: func,
                accepts,
                want,
            } => write!(
                f,
                "validate={func}: accepts {accepts:?}, the spec's enum has {want:?}"
            ),
        }
    }
}

impl std::error::Error for Mismatch {}
