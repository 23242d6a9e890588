use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry<'a> {
    #[nla(id = 1)]
    key: &'a str,
    #[nla(id = 1)]
    value: Option<u32>,
}

fn main() {}
