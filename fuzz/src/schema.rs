//! Fuzz-local schema: every derived decoder kind in one place.

use crate::*;

/// A nested set with a required field, a repeated field and a flag.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Inner<'a> {
    #[nla(id = 1)]
    pub a: u8,
    #[nla(id = 2)]
    pub name: Option<&'a str>,
    #[nla(id = 3, multi)]
    pub c: Vec<u16>,
    #[nla(id = 4)]
    pub on: bool,
}

/// A `Copy` nested set (usable in a lazy `CheckedMulti`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, AttrSet)]
pub struct Pair {
    #[nla(id = 1)]
    pub x: Option<u32>,
    #[nla(id = 2, be)]
    pub y: Option<u16>,
}

/// Every field kind the `AttrSet` derive supports.
#[derive(Debug, Clone, PartialEq, Eq, AttrSet)]
pub struct Kitchen<'a> {
    #[nla(id = 1)]
    pub u8_: Option<u8>,
    #[nla(id = 2)]
    pub i16_: Option<i16>,
    #[nla(id = 3)]
    pub u64_: Option<u64>,
    #[nla(id = 4, be)]
    pub port: Option<u16>,
    #[nla(id = 5, be)]
    pub big: Option<i64>,
    #[nla(id = 6)]
    pub flag: bool,
    #[nla(id = 7, min_len = 1, max_len = 8)]
    pub short: Option<&'a str>,
    #[nla(id = 8)]
    pub owned: Option<String>,
    #[nla(id = 9)]
    pub bytes: Option<&'a [u8]>,
    #[nla(id = 10)]
    pub owned_bytes: Option<Vec<u8>>,
    #[nla(id = 11)]
    pub mac: Option<[u8; 6]>,
    #[nla(id = 12)]
    pub state: Option<KvState>,
    #[nla(id = 13, min = -5, max = 1000)]
    pub ranged: Option<i32>,
    #[nla(id = 14, nested)]
    pub inner: Option<Inner<'a>>,
    #[nla(id = 15, multi)]
    pub many: Vec<u32>,
    #[nla(id = 16, multi)]
    pub names: Vec<&'a str>,
    #[nla(id = 17, multi)]
    pub nests: Vec<Inner<'a>>,
    #[nla(id = 18, multi)]
    pub lazy: CheckedMulti<'a, u16>,
    #[nla(id = 19, multi)]
    pub lazy_pairs: CheckedMulti<'a, Pair>,
    #[nla(id = 20, indexed)]
    pub list: Vec<Pair>,
    #[nla(id = 21, indexed)]
    pub keyed: Vec<Keyed<&'a str>>,
    #[nla(id = 22)]
    pub map: Option<Vec<Keyed<Vec<Keyed<u32>>>>>,
    #[nla(id = 23)]
    pub required: u32,
}

/// An open attribute enum: unknown ids are kept in `Other`.
#[derive(Debug, Clone, PartialEq, Eq, AttrEnum)]
pub enum Open<'a> {
    #[nla(id = 1)]
    Num(u32),
    #[nla(id = 2)]
    Text(&'a str),
    #[nla(id = 3)]
    Flag,
    #[nla(id = 4, be)]
    Port(u16),
    #[nla(id = 5, nested)]
    Nest(Inner<'a>),
    #[nla(id = 6, max_len = 4)]
    Blob(&'a [u8]),
    #[nla(id = 7)]
    State(KvState),
    #[nla(id = 8, min = 1, max = 100)]
    Small(u8),
    #[nla(other)]
    Other(u16, &'a [u8]),
}

/// A closed attribute enum: unknown ids are errors.
#[derive(Debug, Clone, PartialEq, Eq, AttrEnum)]
pub enum Closed<'a> {
    #[nla(id = 1)]
    Num(u32),
    #[nla(id = 2)]
    Text(&'a str),
    #[nla(id = 5, nested)]
    Meta(KvMeta),
}
