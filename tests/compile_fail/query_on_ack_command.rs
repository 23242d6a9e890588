// A command answered by an ACK only has no reply to query, and a family
// enum's variant is not a typed command.
use genl_core::{AttrSet, Connection, Family};

#[derive(AttrSet)]
pub struct Entry<'a> {
    #[nla(id = 1)]
    pub key: &'a str,
}

#[derive(Clone, Copy, Family)]
#[genl(name = "typed")]
pub enum Cmd {
    #[genl(cmd = 1, request = Entry<'a>, admin_perm)]
    Set,
}

fn main() {
    let mut conn = Connection::new().unwrap();
    let _ = conn.query(cmd::Set, &Entry { key: "k" });
    let _ = conn.request(Cmd::Set, &Entry { key: "k" });
}
