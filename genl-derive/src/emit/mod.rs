//! The emitters: a checked model in, tokens out. Nothing here reports
//! errors; [`crate::check`] has run before.

pub mod attr_enum;
pub mod common;
pub mod family;
pub mod set;
pub mod value_enum;
