use genl_core::AttrSet;

#[derive(AttrSet)]
struct Rule<'a> {
    #[nla(id = 1, multi)]
    tags: Vec<&'a str>,
}

/// `tags` is `multi` in `Rule`: the subset must say so again.
#[derive(AttrSet)]
#[genl(subset_of = Rule)]
struct RuleTags<'a> {
    tags: Vec<&'a str>,
}

fn main() {}
