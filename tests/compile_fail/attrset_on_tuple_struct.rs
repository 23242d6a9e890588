use genl_core::AttrSet;

#[derive(AttrSet)]
struct Entry(u32);

fn main() {}
