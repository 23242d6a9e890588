use genl_core::AttrSet;

#[derive(AttrSet)]
enum Entry {
    A,
}

fn main() {}
