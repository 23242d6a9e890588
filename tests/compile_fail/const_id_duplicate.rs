// Ids may be `const` paths; the compiler still checks they are distinct
// and in range.
use genl_core::AttrSet;

mod ids {
    pub const A: u16 = 3;
    pub const B: u16 = 3;
    pub const BIG: u16 = 20000;
}

#[derive(AttrSet)]
pub struct Dup {
    #[nla(id = ids::A)]
    pub a: u32,
    #[nla(id = ids::B)]
    pub b: u32,
}

#[derive(AttrSet)]
pub struct Big {
    #[nla(id = ids::BIG)]
    pub a: u32,
}

fn main() {}
