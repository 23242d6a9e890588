use genl_core::AttrSet;

// Every problem is reported, not only the first.
#[derive(AttrSet)]
struct Entry {
    #[nla(id = 0)]
    a: u32,
    #[nla(id = 2, bogus)]
    b: u32,
    #[nla(id = 3)]
    c: u32,
    #[nla(id = 3)]
    d: u32,
}

fn main() {}
