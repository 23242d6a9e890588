use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 1, multi)]
    value: u32,
}

fn main() {}
