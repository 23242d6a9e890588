//! What the crate's error types share: their `From` conversions, written
//! once ([`wrap_errors`], [`into_text`]).

/// `From<Cause> for Error`, wrapping in one of `Error`'s variants, for
/// each `Variant(Cause)` listed: `wrap_errors!(SourceError { Host(HostError) })`.
macro_rules! wrap_errors {
    ($to:ident { $($variant:ident($from:ty)),+ $(,)? }) => {
        $(
            impl From<$from> for $to {
                fn from(e: $from) -> Self {
                    $to::$variant(e)
                }
            }
        )+
    };
}

/// `From<Error> for String` (the error's `Display`), for each error type
/// listed: for the callers that still report errors as text.
macro_rules! into_text {
    ($($e:ty),+ $(,)?) => {
        $(
            impl From<$e> for String {
                fn from(e: $e) -> Self {
                    e.to_string()
                }
            }
        )+
    };
}

pub(crate) use {into_text, wrap_errors};
