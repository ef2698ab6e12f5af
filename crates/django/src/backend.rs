//! Mail backends: the [`MailBackend`] trait, its error, and Django's backend names.
//!
//! Django picks a backend by dotted name (`EMAIL_BACKEND`, or the handler's
//! `email_backend`); so does [`backend_from_settings`], for the four backends this
//! crate has (SMTP, file-based, console, in-memory) plus Django's `dummy`, and for
//! any an application adds with [`register_backend`].
//!
//! Backends are called on the e-mail worker thread only, one message at a time, so
//! they may block (up to their own timeout); the logging call never waits for them.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, LazyLock};

use parking_lot::RwLock;

use crate::error::{Error, ErrorKind};
use crate::message::EmailMessage;
use crate::settings::Settings;
use crate::{ConsoleBackend, FileBackend, MemoryBackend, SmtpBackend};

/// Sends e-mail.
///
/// # For implementors
/// `send` runs on the e-mail worker thread. It may block, but only for a bounded
/// time (a timeout on every network operation): the worker's shutdown time limit
/// can only be kept if `send` returns. Return an error with
/// [`MailError::is_permanent`] true when a retry cannot help (a rejected address,
/// a message that does not build); the worker then drops the message instead of
/// retrying it.
pub trait MailBackend: Send + Sync + 'static {
    /// Sends one message.
    fn send(&self, message: &EmailMessage) -> Result<(), MailError>;

    /// A short description (`SMTP smtp.example.com:587 (STARTTLS)`), for reports
    /// and `logtree tree`.
    fn describe(&self) -> String;
}

impl fmt::Debug for dyn MailBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// What kind of failure a [`MailError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailErrorKind {
    /// The server could not be reached, or the connection broke.
    Connection,
    /// The server did not answer in time.
    Timeout,
    /// TLS could not be set up, or the server does not offer the TLS required.
    Tls,
    /// The server refused the message or its recipients (a 5xx answer).
    Rejected,
    /// The server asked to try again later (a 4xx answer).
    Transient,
    /// The message could not be built (a bad address).
    Message,
    /// Writing the message (file, console) failed.
    Io,
}

/// Sending an e-mail failed.
pub struct MailError {
    kind: MailErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl MailError {
    /// An error of `kind`, for backends written outside this crate.
    pub fn new(kind: MailErrorKind, message: impl Into<String>) -> MailError {
        MailError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// An error of `kind` caused by `source`.
    pub fn with_source(
        kind: MailErrorKind,
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> MailError {
        MailError {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn message(
        message: String,
        source: impl StdError + Send + Sync + 'static,
    ) -> MailError {
        MailError::with_source(MailErrorKind::Message, message, source)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> MailErrorKind {
        self.kind
    }

    /// Whether trying again cannot help (a rejected or malformed message).
    pub fn is_permanent(&self) -> bool {
        matches!(self.kind, MailErrorKind::Rejected | MailErrorKind::Message)
    }

    /// The message and every cause, joined by `: `.
    pub(crate) fn full_text(&self) -> String {
        let mut s = self.to_string();
        let mut cur = StdError::source(self);
        let mut depth = 0;
        while let Some(e) = cur {
            let t = e.to_string();
            if !s.ends_with(&t) && depth < 8 {
                s.push_str(": ");
                s.push_str(&t);
            }
            depth += 1;
            cur = e.source();
        }
        s
    }
}

impl fmt::Debug for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.source {
            // Show the first cause inline: "connection refused" says more than
            // "cannot reach smtp host" alone.
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl StdError for MailError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The first cause is already part of Display; expose the rest of the chain.
        self.source.as_ref().and_then(|e| e.source())
    }
}

/// Makes a backend from the settings (for backends named in a configuration).
pub type BackendFactory = dyn Fn(&Settings) -> Result<Arc<dyn MailBackend>, Error> + Send + Sync;

static CUSTOM: LazyLock<RwLock<HashMap<String, Arc<BackendFactory>>>> =
    LazyLock::new(Default::default);

/// Registers a backend under `name`, for `email_backend` in settings and handler
/// options. Registering a name again replaces it.
///
/// ```
/// use std::sync::Arc;
/// use logtree_django::{backend_from_settings, register_backend, MemoryBackend, Outbox, Settings};
/// let outbox = Outbox::new();
/// let mine = outbox.clone();
/// register_backend("myapp.mail.Backend", move |_s: &Settings| Ok(Arc::new(MemoryBackend::with_outbox(mine.clone())) as _));
/// let settings = Settings::builder().email_backend("myapp.mail.Backend").build().unwrap();
/// assert!(backend_from_settings(None, &settings).is_ok());
/// ```
pub fn register_backend(
    name: impl Into<String>,
    factory: impl Fn(&Settings) -> Result<Arc<dyn MailBackend>, Error> + Send + Sync + 'static,
) {
    CUSTOM.write().insert(name.into(), Arc::new(factory));
}

/// The names [`backend_from_settings`] knows, Django's first.
pub const BACKEND_NAMES: &[(&str, &str)] = &[
    ("django.core.mail.backends.smtp.EmailBackend", "smtp"),
    ("django.core.mail.backends.filebased.EmailBackend", "file"),
    ("django.core.mail.backends.console.EmailBackend", "console"),
    ("django.core.mail.backends.locmem.EmailBackend", "locmem"),
    ("django.core.mail.backends.dummy.EmailBackend", "dummy"),
];

/// The backend named `name` (or, when `None`, by `settings.email_backend`), built
/// from the settings: Django's dotted names or their short forms (`smtp`, `file`,
/// `console`, `locmem`, `dummy`), or a name given to [`register_backend`].
///
/// ```
/// use logtree_django::{backend_from_settings, Settings};
/// let s = Settings::builder().build().unwrap();
/// let b = backend_from_settings(Some("django.core.mail.backends.console.EmailBackend"), &s).unwrap();
/// assert_eq!(b.describe(), "console <stdout>");
/// let err = backend_from_settings(Some("nope.Backend"), &s).unwrap_err();
/// assert_eq!(err.to_string(), "unknown email backend \"nope.Backend\"");
/// ```
pub fn backend_from_settings(
    name: Option<&str>,
    settings: &Settings,
) -> Result<Arc<dyn MailBackend>, Error> {
    let name = name.unwrap_or(settings.email_backend());
    let canonical = BACKEND_NAMES
        .iter()
        .find(|(long, short)| *long == name || *short == name)
        .map(|(_, short)| *short);
    match canonical {
        Some("smtp") => Ok(Arc::new(SmtpBackend::from_settings(settings)?)),
        Some("file") => {
            let path = settings.email_file_path().ok_or_else(|| {
                Error::setting(
                    ErrorKind::Backend,
                    "email_file_path",
                    "required by the file-based email backend",
                )
            })?;
            Ok(Arc::new(FileBackend::new(path)?))
        }
        Some("console") => Ok(Arc::new(ConsoleBackend::stdout())),
        Some("locmem") => Ok(Arc::new(MemoryBackend::new())),
        Some("dummy") => Ok(Arc::new(DummyBackend)),
        _ => {
            let factory = CUSTOM.read().get(name).cloned();
            match factory {
                Some(f) => f(settings),
                None => Err(Error::new(
                    ErrorKind::Backend,
                    format!("unknown email backend {name:?}"),
                )),
            }
        }
    }
}

/// Django's dummy backend: accepts every message and does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct DummyBackend;

impl MailBackend for DummyBackend {
    fn send(&self, _: &EmailMessage) -> Result<(), MailError> {
        Ok(())
    }
    fn describe(&self) -> String {
        "dummy".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_long_and_short() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::builder()
            .email_file_path(dir.path().join("m"))
            .build()
            .unwrap();
        for (long, short) in BACKEND_NAMES {
            let a = backend_from_settings(Some(long), &s).unwrap().describe();
            let b = backend_from_settings(Some(short), &s).unwrap().describe();
            assert_eq!(a, b);
        }
        // The default is SMTP to localhost:25, as in Django.
        assert_eq!(
            backend_from_settings(None, &s).unwrap().describe(),
            "SMTP localhost:25"
        );
    }

    #[test]
    fn file_backend_needs_a_path() {
        let s = Settings::builder().build().unwrap();
        let e = backend_from_settings(Some("file"), &s).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert_eq!(
            e.to_string(),
            "settings.email_file_path: required by the file-based email backend"
        );
    }

    #[test]
    fn error_text_and_permanence() {
        let e = MailError::with_source(
            MailErrorKind::Connection,
            "cannot reach smtp.example.com:25",
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"),
        );
        assert_eq!(
            e.to_string(),
            "cannot reach smtp.example.com:25: connection refused"
        );
        assert_eq!(
            e.full_text(),
            "cannot reach smtp.example.com:25: connection refused"
        );
        assert!(!e.is_permanent());
        assert!(MailError::new(MailErrorKind::Rejected, "550").is_permanent());
    }
}
