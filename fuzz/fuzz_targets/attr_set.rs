//! Derived struct decoders: required, optional, flags, strings, bytes, value enums, be, checks, nested sets, multi Vec<T> and CheckedMulti<'a, T>, indexed arrays, keyed maps.
//! The invariants are in `genl_fuzz::check_attr_set`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_attr_set(data));
