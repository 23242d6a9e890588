use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(multi)]
    values: Vec<u32>,
}

fn main() {}
