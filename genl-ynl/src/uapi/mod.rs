//! A spec's numbers checked against the kernel's uapi headers.
//!
//! A YNL spec numbers an entry without `value:` as the previous one + 1
//! (`nlspec.py`), so a list written in another order than the C enum
//! renumbers silently. The kernel's own Linux 6.12 `nlctrl.yaml` does this:
//! it lists `mask` before `pad` in `policy-attrs`, numbering `mask` 11,
//! while `<linux/netlink.h>` has `NL_POLICY_TYPE_ATTR_PAD` = 11 and
//! `NL_POLICY_TYPE_ATTR_MASK` = 12. The kernel sends what its header says.
//!
//! This module names every numbered thing of a spec as `ynl-gen-c.py`
//! names it in C ([`spec_names`]: attributes, operations, enum and flags
//! entries, `const` definitions, the family name and version, multicast
//! groups), reads the constants of uapi headers with a small C constant
//! evaluator ([`HeaderConstants`]: enumerators, object-like macros,
//! integer and string values), and compares the two ([`cross_check`]).
//! [`corrected`] rewrites the spec with the headers' values, so that the
//! importer and the run-time codec (`genl ynl`) number the attributes as
//! the kernel does.
//!
//! The headers are the authority: a uapi value never changes once
//! released, so a header older than the spec is still right for every name
//! it has; names it lacks stay as the spec numbers them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

mod c_expr;
mod check;
mod correct;
mod headers;
mod names;

pub use c_expr::tokens;
use c_expr::*;
use check::*;
pub use check::{cross_check, CrossCheck, Disagreement};
pub use correct::{corrected, read_corrected, UapiReadError};
use headers::*;
pub use headers::{default_include_dir, ConstValue, HeaderConst, HeaderConstants};
use names::*;
pub use names::{spec_names, NameKind, SpecName};

/// A spec that could not be read as a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UapiError(pub String);

impl fmt::Display for UapiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UapiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn consts(text: &str) -> HeaderConstants {
        let mut c = HeaderConstants::new();
        c.add_header("linux/t.h", text);
        c
    }

    fn int(c: &HeaderConstants, n: &str) -> Option<i128> {
        match c.get(n)?.value {
            ConstValue::Int(v) => Some(v),
            ConstValue::Str(_) => None,
        }
    }

    #[test]
    fn enumerators_count_on_from_the_last_value() {
        let c = consts(
            "enum t_attr {\n\tT_UNSPEC,\n\tT_A = 5, /* five */\n\tT_B,\n#define T_B T_B\n\
             \t__T_MAX,\n\tT_MAX = __T_MAX - 1\n};\n",
        );
        assert_eq!(int(&c, "T_UNSPEC"), Some(0));
        assert_eq!(int(&c, "T_A"), Some(5));
        assert_eq!(
            int(&c, "T_B"),
            Some(6),
            "`#define T_B T_B` is no second value"
        );
        assert_eq!(int(&c, "T_MAX"), Some(6));
    }

    #[test]
    fn macros_are_evaluated_with_casts_shifts_and_suffixes() {
        let c = consts(
            "#define A 0x10\n#define B (A << 2)\n#define C ((__u32)1 << 31)\n\
             #define D (~0U)\n#define E 010\n#define F(x) (x)\n#define NAME \"fam\"\n\
             #define G (B | 1) /* comment */\n#define H unknown_thing\n",
        );
        assert_eq!(int(&c, "A"), Some(16));
        assert_eq!(int(&c, "B"), Some(64));
        assert_eq!(int(&c, "C"), Some(1 << 31));
        assert_eq!(
            int(&c, "D"),
            Some(!0),
            "evaluated as a C integer of any width"
        );
        assert_eq!(int(&c, "E"), Some(8));
        assert_eq!(int(&c, "G"), Some(65));
        assert!(
            c.get("F").is_none(),
            "function-like macros are not constants"
        );
        assert!(c.get("H").is_none(), "what cannot be evaluated is left out");
        assert_eq!(c.get("NAME").unwrap().value, ConstValue::Str("fam".into()));
    }

    #[test]
    fn a_name_with_two_values_is_ambiguous() {
        let mut c = consts("enum { X = 1, Y = 2 };");
        c.add_header("linux/u.h", "enum { X = 3 };\nenum { Y = 2 };");
        assert!(c.get("X").is_none());
        assert_eq!(int(&c, "Y"), Some(2));
        assert_eq!(c.get("Y").unwrap().header, "linux/t.h");
    }

    const SPEC: &str = "
name: fam
attribute-sets:
  - name: fam
    attributes:
      - { name: a, type: u32 }
      - { name: b, type: u32 }
      - { name: c, type: u32 }
  - name: sub
    subset-of: fam
    attributes:
      - { name: a }
definitions:
  - { name: st, type: enum, entries: [ one, two ] }
  - { name: fl, type: flags, entries: [ x, y ] }
operations:
  list:
    - { name: get, attribute-set: fam, do: { request: { attributes: [ a ] } } }
mcast-groups:
  list:
    - name: ev
";

    #[test]
    fn names_follow_ynl_gen_c_and_values_nlspec() {
        let n = spec_names(SPEC).unwrap();
        let got: Vec<(&str, String)> = n
            .iter()
            .map(|n| (n.c_name.as_str(), n.value.to_string()))
            .collect();
        let want = [
            ("FAM_FAMILY_NAME", "\"fam\""),
            ("FAM_FAMILY_VERSION", "1"),
            ("FAM_ST_ONE", "0"),
            ("FAM_ST_TWO", "1"),
            ("FAM_FL_X", "1"),
            ("FAM_FL_Y", "2"),
            ("FAM_A_A", "1"),
            ("FAM_A_B", "2"),
            ("FAM_A_C", "3"),
            ("FAM_CMD_GET", "1"),
            ("FAM_MCGRP_EV", "\"ev\""),
        ];
        let want: Vec<(&str, String)> = want.iter().map(|(a, b)| (*a, b.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn corrections_pin_the_list_and_move_only_what_disagrees() {
        let h = consts(
            "enum { FAM_A_UNSPEC, FAM_A_A, FAM_A_C, FAM_A_B };\n\
             enum { FAM_FL_X = 1, FAM_FL_Y = 4 };\n#define FAM_FAMILY_NAME \"fam\"\n",
        );
        let (text, check) = corrected(SPEC, &h).unwrap();
        let bad: Vec<&str> = check
            .disagreements
            .iter()
            .map(|d| d.name.c_name.as_str())
            .collect();
        assert_eq!(bad, ["FAM_FL_Y", "FAM_A_B", "FAM_A_C"]);
        assert_eq!(check.agreed, 3, "the family name, FAM_FL_X and FAM_A_A");
        let again = cross_check(&text, &h).unwrap();
        assert!(again.disagreements.is_empty(), "{:?}", again.disagreements);
        assert!(text.contains("`linux/t.h` has `FAM_A_B` = 3"), "{text}");
        // What the headers lack keeps its number.
        let names = spec_names(&text).unwrap();
        let v = |c: &str| names.iter().find(|n| n.c_name == c).unwrap().value.clone();
        assert_eq!(v("FAM_ST_TWO"), ConstValue::Int(1));
        assert_eq!(v("FAM_FL_Y"), ConstValue::Int(4));
        assert_eq!(v("FAM_CMD_GET"), ConstValue::Int(1));
        // Nothing to correct: the text is returned as it was.
        let ok = consts("enum { FAM_A_UNSPEC, FAM_A_A, FAM_A_B, FAM_A_C };");
        assert_eq!(corrected(SPEC, &ok).unwrap().0, SPEC);
    }
}
