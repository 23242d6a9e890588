use genl_core::Family;

#[derive(Clone, Copy, Family)]
#[genl(name = "dup")]
enum Cmd {
    #[genl(cmd = 1)]
    Ping,
    #[genl(cmd = 1)]
    Pong,
}

fn main() {}
