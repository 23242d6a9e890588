use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 16384)]
    value: u32,
}

fn main() {}
