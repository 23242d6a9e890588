use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 0)]
    value: u32,
}

fn main() {}
