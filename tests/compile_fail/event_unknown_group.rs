// An event goes to one of the family's groups.
use genl_core::{AttrSet, Family};

#[derive(AttrSet)]
pub struct Ev {
    #[nla(id = 1)]
    pub n: u32,
}

#[derive(Clone, Copy, Family)]
#[genl(name = "evs", mcast_groups("a", "b"))]
pub enum Cmd {
    #[genl(cmd = 1, reply = Ev, event = "c")]
    Changed,
    #[genl(cmd = 2, reply = Ev, event)]
    Other,
}

fn main() {}
