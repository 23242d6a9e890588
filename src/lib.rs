//! The `genl` workspace root: the `genl_demo` family's Rust schema
//! ([`demo`]), runnable examples (`examples/`) and the integration suites
//! (`tests/`) of [`genl_core`].

pub use genl_core;

pub mod demo;

/// The README's example, compiled as a doctest so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The guide (`docs/guide.md`): genl from the first family to the kernel
/// side, the checks, the VM harness, compatibility, the runtime, YNL,
/// tracing, performance and the internals. Its Rust examples are compiled
/// as doctests, like the README's.
#[doc = include_str!("../docs/guide.md")]
pub mod guide {}
