//! The names and limits genl's crates share: the derives (`genl-derive`),
//! the code generator (`genl-codegen`) and the YNL importer (`genl-ynl`)
//! name things and check limits the same way because they all use this
//! crate.
//!
//! - [`case`]: Rust identifiers and YNL names to the `SCREAMING_SNAKE`,
//!   `snake_case`, `CamelCase` and `kebab-case` forms;
//! - [`limits`]: the kernel's limits on attribute ids
//!   ([`limits::MAX_ATTR_ID`]) and family and multicast group names
//!   ([`limits::GENL_NAME_MAX`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod case;
pub mod limits;
