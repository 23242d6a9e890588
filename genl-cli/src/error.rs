//! What the crate's error types share: their `From` conversions and the
//! I/O error at a path, written once ([`wrap_errors`], [`into_text`],
//! [`io_at`]).

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
/// listed: for the callers that still report errors as text (the genl
/// repository's `cargo xtask`).
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

/// `fn io(path)`, for `map_err`: an I/O error at `path` as the error
/// type's `Io { path, error }` variant. One line per module that needs it:
/// `io_at!(KmodError);` (`io_at!(pub(crate) GuestError);` to share it).
macro_rules! io_at {
    ($vis:vis $e:ident) => {
        #[doc = concat!("An I/O error at `path`, as a [`", stringify!($e), "`].")]
        $vis fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> $e + '_ {
            move |error| $e::Io {
                path: path.to_owned(),
                error,
            }
        }
    };
}

pub(crate) use {into_text, io_at, wrap_errors};
