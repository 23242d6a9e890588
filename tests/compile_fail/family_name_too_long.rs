use genl_core::Family;

#[derive(Clone, Copy, Family)]
#[genl(name = "a_family_name_too_long")]
enum Cmd {
    #[genl(cmd = 1)]
    Ping,
}

fn main() {}
