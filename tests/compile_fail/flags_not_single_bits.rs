use genl_core::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
#[genl(flags)]
#[repr(u32)]
enum Opt {
    A = 1,
    B = 3,
}

fn main() {}
