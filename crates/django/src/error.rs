//! The crate's error type for everything decided before a record is logged: bad
//! settings, a mail backend that cannot be built, an address that does not parse.
//!
//! Opaque, as the workspace's errors are: a [`ErrorKind`] to branch on, a lowercase
//! message naming the offending value, and the cause through `source()`. Failures
//! while sending are a different thing ([`crate::MailError`]): they happen on the
//! worker thread and are reported, never returned to the logging call.

use std::error::Error as StdError;
use std::fmt;

/// What went wrong, broadly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting has the wrong type or an impossible value.
    Settings,
    /// An e-mail address does not parse.
    Address,
    /// A mail backend is unknown or cannot be built.
    Backend,
    /// A component is misconfigured (an unknown reporter, a bad option).
    Config,
}

/// An error from building settings, backends or handlers.
pub struct Error {
    kind: ErrorKind,
    setting: Option<String>,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            setting: None,
            message: message.into(),
            source: None,
        }
    }

    /// An error about the setting `key` (shown as `settings.KEY: message`).
    pub(crate) fn setting(kind: ErrorKind, key: &str, message: impl Into<String>) -> Error {
        Error {
            setting: Some(key.to_owned()),
            ..Error::new(kind, message)
        }
    }

    pub(crate) fn caused_by(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Error {
        Error::new(kind, message).caused_by(source)
    }

    /// What went wrong, broadly.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The setting the error is about (`"admins"`), when it is about one.
    pub fn setting_key(&self) -> Option<&str> {
        self.setting.as_deref()
    }

    /// The message without the `settings.KEY: ` prefix.
    pub fn detail(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("setting", &self.setting)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(k) = &self.setting {
            write!(f, "settings.{k}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|e| &**e as &(dyn StdError + 'static))
    }
}
