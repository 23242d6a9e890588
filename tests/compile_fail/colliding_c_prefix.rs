// Two different sets with one explicit C prefix would define the same C
// enum: the family does not compile.
use genl_core::{AttrSet, Family};

#[derive(AttrSet)]
#[genl(c_prefix = "DEMO_A_KV")]
pub struct Entry {
    #[nla(id = 1)]
    pub x: u32,
}

#[derive(AttrSet)]
#[genl(c_prefix = "DEMO_A_KV")]
pub struct Key {
    #[nla(id = 1)]
    pub x: u32,
}

#[derive(Clone, Copy, Family)]
#[genl(name = "clash")]
pub enum Cmd {
    #[genl(cmd = 1, request = Key, reply = Entry)]
    Get,
}

fn main() {}
