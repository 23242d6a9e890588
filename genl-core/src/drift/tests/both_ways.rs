//! Issue 24, item 3: checks only the kernel has are reported (breaking: a
//! client built from the schema may send what the kernel rejects), as are
//! those only the schema has (compatible: the kernel accepts more), and a
//! range equal to the type's full range is no check.

use super::*;

#[derive(Debug, AttrSet)]
pub struct Knobs<'a> {
    #[nla(id = 1)]
    pub name: Option<&'a str>,
    #[nla(id = 2)]
    pub blob: Option<&'a [u8]>,
    #[nla(id = 3)]
    pub level: Option<u8>,
    #[nla(id = 4)]
    pub bits: Option<u32>,
    #[nla(id = 5)]
    pub count: Option<u32>,
    #[nla(id = 6)]
    pub offset: Option<i16>,
    #[nla(id = 7)]
    pub wide: Option<crate::Uint>,
    #[nla(id = 8)]
    pub total: Option<u64>,
    #[nla(id = 9, max_len = 32)]
    pub label: Option<&'a str>,
    #[nla(id = 10, min = -5, max = 5)]
    pub delta: Option<i32>,
    #[nla(id = 11, min_len = 8)]
    pub key: Option<&'a [u8]>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "knobs")]
pub enum Cmd {
    #[genl(cmd = 1, request = Knobs<'a>)]
    Set,
}

fn check(entries: &[(u16, Nla)]) -> Vec<String> {
    let mut i = info(&[(1, DO | POL)]);
    i.version = Cmd::SCHEMA.version.into();
    i.mcast_groups.clear();
    let p = BTreeMap::from([(1, op_dump((1, Some(0), None), &[entries]))]);
    texts(&compare(Cmd::SCHEMA, &i.view(), &p))
}

/// What genl would generate for `Knobs`.
const SAME: &[(u16, Nla)] = &[
    (1, Nla::Str(0)),
    (2, Nla::Bin(0)),
    (3, Nla::Int(K::U8)),
    (4, Nla::Int(K::U32)),
    (5, Nla::Int(K::U32)),
    (6, Nla::Int(K::S16)),
    (7, Nla::Int(K::Uint)),
    (8, Nla::Int(K::U64)),
    (9, Nla::Str(32)),
    (10, Nla::Range(K::S32, -5, 5)),
    (11, Nla::BinMinLen(8)),
];

#[test]
fn the_generated_policy_and_full_ranges_are_no_drift() {
    assert_eq!(check(SAME), Vec::<String>::new());
    // Explicit full ranges are no checks either.
    let mut full = SAME.to_vec();
    full[2].1 = Nla::Range(K::U8, 0, 255);
    full[5].1 = Nla::Range(K::S16, -32768, 32767);
    full[7].1 = Nla::Int(K::U64);
    assert_eq!(check(&full), Vec::<String>::new());
}

/// [`SAME`] with the entries of `changed` in place of its own.
fn same_but(changed: &[(u16, Nla)]) -> Vec<(u16, Nla)> {
    let mut out = SAME.to_vec();
    for c in changed {
        let at = out.iter().position(|(id, _)| *id == c.0).unwrap();
        out[at] = *c;
    }
    out
}

#[test]
fn checks_only_the_kernel_has_are_breaking() {
    let kernel = &same_but(&[
        (1, Nla::Str(16)),
        (2, Nla::BinRange(4, 64)),
        (3, Nla::Range(K::U8, 1, 10)),
        (4, Nla::Mask(K::U32, 0xf)),
        (6, Nla::Min(K::S16, -100)),
        (7, Nla::Int(K::U32)),
        (11, Nla::BinRange(16, 32)),
    ]);
    assert_eq!(
        check(kernel),
        [
            "Set Knobs.bits: mask is none in the schema, 0xf in the kernel (breaking)",
            "Set Knobs.blob: max_len is none in the schema, 64 in the kernel (breaking)",
            "Set Knobs.blob: min_len is none in the schema, 4 in the kernel (breaking)",
            "Set Knobs.key: max_len is none in the schema, 32 in the kernel (breaking)",
            "Set Knobs.key: min_len is 8 in the schema, 16 in the kernel (breaking)",
            "Set Knobs.level: max is none in the schema, 10 in the kernel (breaking)",
            "Set Knobs.level: min is none in the schema, 1 in the kernel (breaking)",
            "Set Knobs.name: max_len is none in the schema, 16 in the kernel (breaking)",
            "Set Knobs.offset: min is none in the schema, -100 in the kernel (breaking)",
            "Set Knobs.wide: type NLA_UINT in the schema, U32 in the kernel (breaking)",
        ]
    );
}

#[test]
fn checks_only_the_schema_has_are_compatible() {
    let kernel = &same_but(&[
        (8, Nla::Int(K::Uint)),
        (9, Nla::Str(0)),
        (10, Nla::Int(K::S32)),
        // The minimum length of NLA_POLICY_MIN_LEN is not in the dump:
        // a kernel without it looks the same.
        (11, Nla::Bin(0)),
    ]);
    assert_eq!(
        check(kernel),
        [
            "Set Knobs.delta: max is 5 in the schema, none in the kernel (compatible)",
            "Set Knobs.delta: min is -5 in the schema, none in the kernel (compatible)",
            "Set Knobs.label: max_len is 32 in the schema, none in the kernel (compatible)",
            "Set Knobs.total: type NLA_U64 in the schema, Uint in the kernel (compatible)",
        ]
    );
}

#[test]
fn attributes_on_one_side_only() {
    let mut kernel = SAME.to_vec();
    kernel.retain(|(id, _)| *id != 5);
    kernel.push((12, Nla::Flag));
    assert_eq!(
        check(&kernel),
        [
            "Set Knobs.count: attribute absent from the kernel policy (breaking)",
            "Set Knobs: kernel accepts attribute 12, unknown to the schema (compatible)",
        ]
    );
}
