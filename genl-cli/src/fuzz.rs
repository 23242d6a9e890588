//! `genl fuzz`: coverage-guided, schema-aware fuzzing of a family's kernel
//! module in the debug kernel (KASAN, kmemleak, lockdep, UBSAN).
//!
//! The host side ([`host`]) builds the module with KCOV instrumentation,
//! boots the debug kernel with this very `genl` executable in it and
//! reads what the guest side ([`guest`], `genl fuzz-guest`) prints. The
//! guest generates requests from the family's YNL spec ([`generate`]),
//! runs them as programs over several sockets ([`program`], [`exec`]),
//! keeps those that reach new module code ([`kcov`]), watches the kernel
//! log and kmemleak ([`detect`]) and shrinks what led to a report into a
//! reproducer with a transcript in the schema's names ([`transcript`]).
//! The two talk in console lines ([`protocol`]). What can go wrong is in
//! [`error`].

pub mod coverage;
pub mod detect;
pub mod error;
pub mod exec;
pub mod generate;
pub mod guest;
pub mod host;
pub mod kcov;
pub mod program;
pub mod protocol;
pub mod report;
pub mod supervise;
pub mod transcript;
