//! The attribute iterator (AttrIter, Attr::nested, AttrWriter).
//! The invariants are in `genl_fuzz::check_attr_iter`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_attr_iter(data));
