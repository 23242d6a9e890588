//! Name conversions shared by the model and the renderers: genl-rules'
//! [`genl_rules::case`], the one behaviour genl-derive and the YNL importer
//! use too, re-exported under this module's historical paths.

pub use genl_rules::case::{c_lower, c_upper, camel, is_c_ident, kebab, screaming, snake};
