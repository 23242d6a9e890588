use genl_core::Family;

#[derive(Clone, Copy, Family)]
#[genl(version = 1)]
enum Cmd {
    #[genl(cmd = 1)]
    Ping,
}

fn main() {}
