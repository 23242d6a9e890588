//! Rule 4, nests: in a shared policy, a nest the do and the dump see through
//! different views is compared with their union, and the rest of their set
//! is accepted (genl's generated code gives that nest the whole set's
//! policy on Linux < 6.2, then checks each view in code).

use super::*;

#[derive(Debug, AttrSet)]
pub struct Inner {
    #[nla(id = 1)]
    pub x: Option<u32>,
    #[nla(id = 2)]
    pub y: Option<u32>,
    #[nla(id = 3)]
    pub z: Option<u32>,
}
#[derive(Debug, AttrSet)]
#[genl(subset_of = Inner)]
pub struct OnlyX {
    pub x: Option<u32>,
}
#[derive(Debug, AttrSet)]
#[genl(subset_of = Inner)]
pub struct OnlyY {
    pub y: Option<u32>,
}
#[derive(Debug, AttrSet)]
pub struct Outer {
    #[nla(id = 1)]
    pub inner: Option<Inner>,
}
#[derive(Debug, AttrSet)]
#[genl(subset_of = Outer)]
pub struct DoReq {
    pub inner: Option<OnlyX>,
}
#[derive(Debug, AttrSet)]
#[genl(subset_of = Outer)]
pub struct DumpReq {
    pub inner: Option<OnlyY>,
}
#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "merged")]
pub enum Cmd {
    #[genl(cmd = 1, request = DoReq, reply = Outer, dump, dump_request = DumpReq)]
    Get,
}

fn check(inner: &[(u16, Nla)]) -> Vec<String> {
    let mut i = info(&[(1, DO | DUMP | POL)]);
    i.version = Cmd::SCHEMA.version.into();
    i.mcast_groups.clear();
    let p = BTreeMap::from([(
        1,
        op_dump((1, Some(0), Some(0)), &[&[(1, Nla::Nested(1, 3))], inner]),
    )]);
    texts(&compare(Cmd::SCHEMA, &i.view(), &p))
}

#[test]
fn a_nest_seen_through_two_views_is_their_union_within_its_set() {
    let u32_ = Nla::Int(K::U32);
    assert_eq!(
        check(&[(1, u32_), (2, u32_), (3, u32_)]),
        Vec::<String>::new()
    );
    assert_eq!(check(&[(1, u32_), (2, u32_)]), Vec::<String>::new());
    assert_eq!(
        check(&[(1, u32_), (3, u32_)]),
        ["Get DumpReq.inner.y: attribute absent from the kernel policy (breaking)"]
    );
    assert_eq!(
        check(&[(1, u32_), (2, u32_), (4, u32_)]),
        ["Get DoReq.inner: kernel accepts attribute 4, unknown to the schema (compatible)"]
    );
}
