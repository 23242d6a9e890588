//! The tokio connections on the fake kernel.
