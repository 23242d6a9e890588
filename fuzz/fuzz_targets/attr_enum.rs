//! #[derive(AttrEnum)] enums, with and without an #[nla(other)] variant.
//! The invariants are in `genl_fuzz::check_attr_enum`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_attr_enum(data));
