use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry {
    #[nla(id = 1)]
    ratio: f32,
}

fn main() {}
