//! Names as long as the generator allows, and many subsets: every line of
//! the generated C fits checkpatch's 100 columns (tabs at 8), and a longer
//! name is refused with the identifier named.

use super::{model_err, opts, out};
use crate::text::{display_len, MAX_LINE};
use genl_core::{AttrSet, Family, Flags, ValueEnum};

/// A value enum whose constants are 63 characters long (C99's significant
/// length for internal identifiers, the limit the generator enforces):
/// `ABCDEFGHIJKLMNO_SPARSE_ENUMERATION_WITH_LONG_NAMES_` + 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[repr(u32)]
pub enum SparseEnumWithLongNames {
    Aaaaaaaaaaa = 6,
    Bbbbbbbbbbb = 17,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[repr(u32)]
pub enum ContiguousEnumerationNames {
    FirstValueOfTh = 1,
    LastValueOfThe = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[genl(flags)]
#[repr(u32)]
pub enum FlagsOfTheLongNamedFamily {
    FirstFlagOfT = 1,
    SecondFlagOf = 2,
}

/// The nest.
#[derive(Debug, AttrSet)]
#[allow(dead_code)]
pub struct InnerNestLongName {
    #[nla(id = 1, min = 1, max = 4000000)]
    pub required_a: u32,
    #[nla(id = 2)]
    pub sparse_enumera: Option<SparseEnumWithLongNames>,
}

/// A subset of the nest.
#[derive(Debug, AttrSet)]
#[genl(subset_of = InnerNestLongName)]
#[allow(dead_code)]
pub struct InnerFilterLongName {
    pub sparse_enumera: SparseEnumWithLongNames,
}

/// The set.
#[derive(Debug, AttrSet)]
#[genl(pad = 9)]
#[allow(dead_code)]
pub struct OuterSetOfAttrs<'a> {
    #[nla(id = 1, min_len = 7, max_len = 4000)]
    pub string_with_a: &'a str,
    #[nla(id = 2)]
    pub contiguous_enumeratio: Option<ContiguousEnumerationNames>,
    #[nla(id = 3)]
    pub flags_attribute_with: Option<Flags<FlagsOfTheLongNamedFamily>>,
    #[nla(id = 4)]
    pub nest_attribute_with_a: Option<InnerNestLongName>,
    #[nla(id = 5, indexed)]
    pub array_of_nests_with_l: Vec<InnerNestLongName>,
    #[nla(id = 6, multi)]
    pub repeated_nests_with_l: Vec<InnerNestLongName>,
    #[nla(id = 7)]
    pub sixty_four_bit_c: Option<u64>,
    #[nla(id = 8, min_len = 4, max_len = 40000)]
    pub binary_attrib: Option<&'a [u8]>,
}

macro_rules! subsets {
    ($($name:ident),*) => {$(
        /// A subset.
        #[derive(Debug, AttrSet)]
        #[genl(subset_of = OuterSetOfAttrs)]
        #[allow(dead_code)]
        pub struct $name<'a> {
            pub string_with_a: &'a str,
            pub nest_attribute_with_a: Option<InnerFilterLongName>,
            #[nla(indexed)]
            pub array_of_nests_with_l: Vec<InnerNestLongName>,
            #[nla(multi)]
            pub repeated_nests_with_l: Vec<InnerNestLongName>,
        }
    )*};
}
subsets!(
    FirstSubsetOfTheOuterSet,
    SecondSubsetOfTheOuterSet,
    ThirdSubsetOfTheOuterSet,
    FourthSubsetOfTheOuterSet,
    FifthSubsetOfTheOuterSet,
    SixthSubsetOfTheOuterSet
);

/// The dump's filter.
#[derive(Debug, AttrSet)]
#[genl(subset_of = OuterSetOfAttrs)]
#[allow(dead_code)]
pub struct DumpFilterOfTheOuterSet {
    pub nest_attribute_with_a: Option<InnerFilterLongName>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "abcdefghijklmno", mcast_groups("abcdefghijklmno"))]
pub enum LongCmd {
    #[genl(cmd = 1, request = FirstSubsetOfTheOuterSet<'a>, reply = OuterSetOfAttrs<'a>,
           dump, dump_request = DumpFilterOfTheOuterSet, admin_perm)]
    FirstOperation,
    #[genl(cmd = 2, request = SecondSubsetOfTheOuterSet<'a>, admin_perm)]
    SecondOperationLong,
    #[genl(cmd = 3, request = ThirdSubsetOfTheOuterSet<'a>)]
    ThirdOperationLong,
    #[genl(cmd = 4, request = FourthSubsetOfTheOuterSet<'a>)]
    FourthOperationLong,
    #[genl(cmd = 5, request = FifthSubsetOfTheOuterSet<'a>)]
    FifthOperationLong,
    #[genl(cmd = 6, request = SixthSubsetOfTheOuterSet<'a>, reply = OuterSetOfAttrs<'a>)]
    SixthOperationLong,
    #[genl(cmd = 7, reply = OuterSetOfAttrs<'a>, event = "abcdefghijklmno")]
    EventWithAVeryLongNameAsWell,
}

#[test]
fn every_generated_c_line_fits_100_columns() {
    let o = out(LongCmd::SCHEMA);
    for (file, text) in [
        ("uapi", &o.uapi),
        ("kernel header", &o.kh),
        ("kernel source", &o.kc),
    ] {
        let long: Vec<String> = text
            .lines()
            .filter(|l| display_len(l) > MAX_LINE)
            .map(|l| format!("{:3}: {l}", display_len(l)))
            .collect();
        assert!(
            long.is_empty(),
            "{file}: lines over {MAX_LINE} columns:\n{}",
            long.join("\n")
        );
    }
    // The longest identifiers are there (the test tests something).
    let longest =
        o.kc.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map(str::len)
            .max()
            .unwrap();
    assert!(longest >= 55, "longest identifier: {longest}");
}

/// A set whose attribute's C name would pass 63 characters.
#[derive(Debug, AttrSet)]
#[allow(dead_code)]
pub struct SetWithAnAttribute {
    #[nla(id = 1)]
    pub an_attribute_whose_c_name_is_longer_than_the_limit_allows: u32,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "abcdefghijklmno")]
pub enum TooLongCmd {
    #[genl(cmd = 1, request = SetWithAnAttribute)]
    Get,
}

#[test]
fn a_c_name_over_63_characters_is_refused_naming_it() {
    let e = model_err(TooLongCmd::SCHEMA);
    assert!(
        e.contains(
            "ABCDEFGHIJKLMNO_A_SET_WITH_AN_ATTRIBUTE_AN_ATTRIBUTE_WHOSE_C_NAME_IS_LONGER_THAN_THE_LIMIT_ALLOWS"
        ) && e.contains("63"),
        "{e}"
    );
}

/// A nest whose check function's name (55 characters) cannot wrap in
/// kernel style inside the loop over an array's elements.
#[derive(Debug, AttrSet)]
#[allow(dead_code)]
pub struct InnerNestOfAVeryLongName {
    #[nla(id = 1)]
    pub required: u32,
}

/// A set with an array of them.
#[derive(Debug, AttrSet)]
#[allow(dead_code)]
pub struct Holder {
    #[nla(id = 1, indexed)]
    pub items: Vec<InnerNestOfAVeryLongName>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "abcdefghijklmno")]
pub enum TooWideCmd {
    #[genl(cmd = 1, request = Holder)]
    Set,
}

#[test]
fn output_that_cannot_fit_100_columns_is_refused_naming_the_line() {
    let e = crate::render(TooWideCmd::SCHEMA, &opts()).unwrap_err();
    let m = e.message();
    assert!(
        m.contains("of abcdefghijklmno-nl.")
            && m.contains("columns wide, over the kernel's 100")
            && m.contains("shorten the names in it"),
        "{m}"
    );
}
