//! The controller's decoders: FamilyInfo (indexed arrays), PolicyMessage (keyed maps), GetFamily, GetPolicy.
//! The invariants are in `genl_fuzz::check_nlctrl`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_nlctrl(data));
