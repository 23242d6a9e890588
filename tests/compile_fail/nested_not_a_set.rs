use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 1, nested)]
    value: u32,
}

fn main() {}
