use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 1, maxlen = 4)]
    value: u32,
}

fn main() {}
