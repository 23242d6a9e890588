//! NLMSG_ERROR / NLMSG_DONE and extended ACK: ErrorView::parse(flags, payload), Received::parse, path_at.
//! The invariants are in `genl_fuzz::check_extack`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_extack(data));
