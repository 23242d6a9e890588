//! Big-endian u16/u32 policies are not dumped: their absence says nothing.

use super::*;

#[derive(Debug, AttrSet)]
pub struct Meta {
    #[nla(id = 1, be)]
    pub port: Option<u16>,
    #[nla(id = 2)]
    pub state: Option<u32>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "be")]
pub enum Cmd {
    #[genl(cmd = 1, request = Meta)]
    Set,
}

#[test]
fn entries_missing_from_the_dump_are_not_drift() {
    let mut i = info(&[(1, DO | POL)]);
    i.version = Cmd::SCHEMA.version.into();
    i.mcast_groups.clear();
    let p = BTreeMap::from([(
        1,
        op_dump(
            (1, Some(0), None),
            &[&[(1, Nla::Be16), (2, Nla::Int(K::U32))]],
        ),
    )]);
    assert!(compare(Cmd::SCHEMA, &i.view(), &p).is_empty());
    let p = BTreeMap::from([(1, op_dump((1, Some(0), None), &[&[(1, Nla::Be16)]]))]);
    assert_eq!(
        texts(&compare(Cmd::SCHEMA, &i.view(), &p)),
        ["Set Meta.state: attribute absent from the kernel policy (breaking)"]
    );
}
