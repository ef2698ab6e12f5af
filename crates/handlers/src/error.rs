//! The crate's error: an opaque struct with a [`ErrorKind`], a lowercase message
//! naming the offending value (`cannot open '/var/log/app.log'`), and the underlying
//! I/O error as its `source()`, so reporters print `context: cause` chains.
//!
//! Builders validate everything they can before touching the file system, so a
//! configuration loader can show one precise message per bad option.

use std::fmt;
use std::io;

/// What went wrong while building a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An option has a value the handler does not support (an encoding other than
    /// UTF-8, an unknown file mode, an unknown rotation interval, ...).
    InvalidOption,
    /// Opening or creating a file failed.
    Io,
}

/// An error building a handler.
///
/// ```
/// use logtree_handlers::{ErrorKind, FileHandler};
/// let err = FileHandler::builder("app.log").encoding("latin-1").build().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidOption);
/// assert_eq!(err.to_string(), "unsupported encoding 'latin-1': only utf-8 is supported");
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<io::Error>,
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::InvalidOption,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(message: impl Into<String>, source: io::Error) -> Error {
        Error {
            kind: ErrorKind::Io,
            message: message.into(),
            source: Some(source),
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e.source {
            Some(s) => s.kind(),
            None => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}
