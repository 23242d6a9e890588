// A subset's field has the type of the attribute it selects.
use genl_core::AttrSet;

#[derive(AttrSet)]
pub struct Entry<'a> {
    #[nla(id = 1, max_len = 8)]
    pub key: &'a str,
}

#[derive(AttrSet)]
#[genl(subset_of = Entry)]
pub struct Key {
    pub key: u32,
}

fn main() {}
