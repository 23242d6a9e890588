// A command carries its request type: sending another set does not compile.
use genl_core::{AttrSet, Connection, Family};

#[derive(AttrSet)]
pub struct Entry<'a> {
    #[nla(id = 1)]
    pub key: &'a str,
}

#[derive(AttrSet)]
pub struct Other {
    #[nla(id = 1)]
    pub n: u32,
}

#[derive(Clone, Copy, Family)]
#[genl(name = "typed")]
pub enum Cmd {
    #[genl(cmd = 1, request = Entry<'a>, reply = Entry<'a>)]
    Get,
}

fn main() {
    let mut conn = Connection::new().unwrap();
    let _ = conn.query(cmd::Get, &Other { n: 1 });
}
