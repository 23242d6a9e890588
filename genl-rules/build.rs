//! Tells crates that depend on this one (the `genl` tool) where its sources
//! are, so the tool can carry them to projects it creates.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo::metadata=src={dir}");
    println!("cargo::rerun-if-changed=build.rs");
}
