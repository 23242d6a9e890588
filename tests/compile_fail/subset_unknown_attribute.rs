// A subset selects attributes its parent declares, by field name; ids and
// checks are the parent's and may not be restated.
use genl_core::AttrSet;

#[derive(AttrSet)]
pub struct Entry<'a> {
    #[nla(id = 1, max_len = 8)]
    pub key: &'a str,
}

#[derive(AttrSet)]
#[genl(subset_of = Entry)]
pub struct Key<'a> {
    pub kee: &'a str,
}

#[derive(AttrSet)]
#[genl(subset_of = Entry)]
pub struct Restated<'a> {
    #[nla(id = 1, max_len = 4)]
    pub key: &'a str,
}

fn main() {}
