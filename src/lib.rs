//! The `genl` workspace root: the `genl_demo` family's Rust schema
//! ([`demo`]), runnable examples (`examples/`) and the integration suites
//! (`tests/`) of [`genl_core`].

pub use genl_core;

pub mod demo;

/// The README's example, compiled as a doctest so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
