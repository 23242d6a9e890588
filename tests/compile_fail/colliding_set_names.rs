// Two sets named `Entry` in different modules would collide in the
// generated C and YNL: the family does not compile, and the error names
// both Rust paths.
use genl_core::Family;

mod a {
    #[derive(genl_core::AttrSet)]
    pub struct Entry {
        #[nla(id = 1)]
        pub x: u32,
    }
}

mod b {
    #[derive(genl_core::AttrSet)]
    pub struct Entry {
        #[nla(id = 1)]
        pub y: u32,
    }
}

#[derive(Clone, Copy, Family)]
#[genl(name = "clash")]
pub enum Cmd {
    #[genl(cmd = 1, request = a::Entry, reply = b::Entry)]
    Get,
}

fn main() {}
