//! Whole datagrams: Messages, Received, GenlView, payload decoders, rebuilding, netlink-packet-core path.
//! The invariants are in `genl_fuzz::check_messages`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| genl_fuzz::check_messages(data));
