//! Errors: [`ConfigError`] for a refused configuration, [`ArgError`] for factories.
//!
//! A configuration is refused whole, and the person reading the error needs three
//! things: *where* (the file, the key path such as `handlers.mail_admins.formatter`,
//! and the line when the format gives one), *what Python would have said* (the
//! outer text of `dictConfig`'s `ValueError`, kept word for word so that messages
//! stay familiar: `Unable to configure handler 'mail_admins'`), and *what is
//! actually wrong*, in plain words (`unknown formatter 'verbos'; did you mean
//! 'verbose'?`). The first two are the error's own `Display`; the cause chain is
//! reachable through [`std::error::Error::source`], and `{:#}` prints everything on
//! one line, which is what `logtree check` shows.
//!
//! Every error of a configuration is collected, not just the first:
//! [`ConfigError::errors`] lists them all, in the order Python would have met them.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};

/// A key path: `handlers."django.server".formatter`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(pub(crate) Vec<String>);

impl KeyPath {
    pub(crate) fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    pub(crate) fn of(parts: &[&str]) -> KeyPath {
        KeyPath(parts.iter().map(|s| (*s).to_owned()).collect())
    }

    pub(crate) fn join(&self, key: &str) -> KeyPath {
        let mut v = self.0.clone();
        v.push(key.to_owned());
        KeyPath(v)
    }

    pub(crate) fn index(&self, i: usize) -> KeyPath {
        self.join(&format!("[{i}]"))
    }
}

impl fmt::Display for KeyPath {
    /// Segments joined with `.`; a segment that is not a bare TOML key is quoted,
    /// and list indexes are written `[i]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            let is_index = seg.starts_with('[') && seg.ends_with(']');
            if i > 0 && !is_index {
                f.write_str(".")?;
            }
            let bare = !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if bare || is_index {
                f.write_str(seg)?;
            } else {
                write!(f, "{seg:?}")?;
            }
        }
        Ok(())
    }
}

/// The error type factories return: anything that is an error.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of problem refused a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The text is not valid JSON or TOML.
    Syntax,
    /// The configuration has the wrong shape: `version` missing or not 1, a section
    /// that is not a table, a key of the wrong type.
    Schema,
    /// An id that names nothing: an unknown formatter, filter or handler.
    Reference,
    /// A class, factory, callback or `ext://` name that is not registered.
    Resolve,
    /// A `cfg://` or `env://` value that cannot be converted.
    Convert,
    /// A value that is not acceptable: an unknown level, a bad format string, an
    /// unexpected keyword argument.
    Invalid,
    /// A component could not be built (a file that cannot be opened, ...).
    Build,
    /// The input is too large or too deeply nested.
    Limit,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Schema => "schema",
            ErrorKind::Reference => "reference",
            ErrorKind::Resolve => "resolve",
            ErrorKind::Convert => "convert",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Build => "build",
            ErrorKind::Limit => "limit",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused configuration.
///
/// ```
/// use logtree_config::{Config, ErrorKind, Registry};
/// let err = Config::from_json_str(r#"{"version": 1, "handlers": {"h": {
///     "class": "logging.StreamHandler", "formatter": "verbos"}},
///     "formatters": {"verbose": {"format": "%(message)s"}}}"#)
///     .unwrap()
///     .check(&Registry::stock())
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Reference);
/// assert_eq!(err.path(), "handlers.h.formatter");
/// assert_eq!(err.line(), Some(2));
/// assert_eq!(
///     format!("{err:#}"),
///     "<json>:2: handlers.h.formatter: Unable to configure handler 'h': \
///      Unable to set formatter 'verbos': unknown formatter 'verbos'; did you mean 'verbose'?"
/// );
/// ```
pub struct ConfigError {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    file: Option<PathBuf>,
    source_name: Option<String>,
    path: String,
    segments: Vec<String>,
    line: Option<u32>,
    message: String,
    cause: Option<BoxError>,
    others: Vec<ConfigError>,
}

/// A plain-text link of a cause chain.
#[derive(Debug)]
pub(crate) struct Cause {
    message: String,
    source: Option<BoxError>,
}

impl Cause {
    pub(crate) fn boxed(message: impl Into<String>, source: Option<BoxError>) -> BoxError {
        Box::new(Cause {
            message: message.into(),
            source,
        })
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl ConfigError {
    pub(crate) fn new(kind: ErrorKind, path: &KeyPath, message: impl Into<String>) -> ConfigError {
        ConfigError {
            inner: Box::new(Inner {
                kind,
                file: None,
                source_name: None,
                path: path.to_string(),
                segments: path.0.clone(),
                line: None,
                message: message.into(),
                cause: None,
                others: Vec::new(),
            }),
        }
    }

    /// Adds a cause (shown after the message, reachable through `source()`).
    pub(crate) fn with_cause(mut self, cause: BoxError) -> ConfigError {
        self.inner.cause = Some(cause);
        self
    }

    /// Adds a plain-text cause.
    pub(crate) fn because(self, text: impl Into<String>) -> ConfigError {
        self.with_cause(Cause::boxed(text, None))
    }

    /// Wraps this error's message and cause under an outer Python text, keeping
    /// kind and path: `Unable to configure handler 'h'` <- this.
    pub(crate) fn wrap(mut self, outer: impl Into<String>) -> ConfigError {
        let message = std::mem::replace(&mut self.inner.message, outer.into());
        let cause = self.inner.cause.take();
        self.inner.cause = Some(Cause::boxed(message, cause));
        self
    }

    pub(crate) fn segments(&self) -> &[String] {
        &self.inner.segments
    }

    pub(crate) fn set_line(&mut self, line: Option<u32>) {
        if self.inner.line.is_none() {
            self.inner.line = line;
        }
    }

    pub(crate) fn set_origin(&mut self, file: Option<&Path>, source_name: Option<&str>) {
        self.inner.file = file.map(Path::to_path_buf);
        self.inner.source_name = source_name.map(str::to_owned);
    }

    /// Calls `f` on this error and on every joined one.
    pub(crate) fn each_mut(&mut self, f: &mut dyn FnMut(&mut ConfigError)) {
        let mut others = std::mem::take(&mut self.inner.others);
        f(self);
        for o in &mut others {
            f(o);
        }
        self.inner.others = others;
    }

    /// Joins several errors into one: the first is the error, the rest follow it in
    /// [`ConfigError::errors`].
    pub(crate) fn join(mut errors: Vec<ConfigError>) -> Option<ConfigError> {
        if errors.is_empty() {
            return None;
        }
        let mut first = errors.remove(0);
        for mut e in errors {
            let nested = std::mem::take(&mut e.inner.others);
            first.inner.others.push(e);
            first.inner.others.extend(nested);
        }
        Some(first)
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The key path of the offending value (`handlers.mail_admins.formatter`), or
    /// `""` for the configuration as a whole.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The file the configuration came from, when it came from one.
    pub fn file(&self) -> Option<&Path> {
        self.inner.file.as_deref()
    }

    /// The 1-based line of the offending key, when known.
    pub fn line(&self) -> Option<u32> {
        self.inner.line
    }

    /// The message, without location or causes (for `dictConfig`'s own errors,
    /// Python's text: `Unable to configure handler 'h'`).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// This error and every other error found in the same configuration.
    pub fn errors(&self) -> impl Iterator<Item = &ConfigError> {
        std::iter::once(self).chain(self.inner.others.iter())
    }

    /// How many errors the configuration has.
    pub fn count(&self) -> usize {
        1 + self.inner.others.len()
    }

    fn write_location(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match (&self.inner.file, &self.inner.source_name) {
            (Some(p), _) => Some(p.display().to_string()),
            (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        };
        if let Some(o) = origin {
            f.write_str(&o)?;
            if let Some(l) = self.inner.line {
                write!(f, ":{l}")?;
            }
            f.write_str(": ")?;
        }
        if !self.inner.path.is_empty() {
            write!(f, "{}: ", self.inner.path)?;
        }
        Ok(())
    }
}

impl fmt::Display for ConfigError {
    /// `file:line: path: message`; with `{:#}`, followed by every cause, each after
    /// `": "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_location(f)?;
        f.write_str(&self.inner.message)?;
        if f.alternate() {
            let mut cur = self
                .inner
                .cause
                .as_deref()
                .map(|e| e as &(dyn StdError + 'static));
            let mut depth = 0;
            while let Some(e) = cur {
                if depth == 16 {
                    break;
                }
                write!(f, ": {e}")?;
                cur = e.source();
                depth += 1;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigError")
            .field("kind", &self.inner.kind)
            .field("path", &self.inner.path)
            .field("line", &self.inner.line)
            .field("text", &format_args!("{self:#}"))
            .field("others", &self.inner.others.len())
            .finish()
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .cause
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// An error about one argument of a component, returned by [`crate::Args`]'s
/// getters and by factories (`args.error("mode", "must be 'a' or 'w'")`).
///
/// The loader turns it into a [`ConfigError`] whose path ends with the argument's
/// key.
#[derive(Debug)]
pub struct ArgError {
    pub(crate) kind: ErrorKind,
    pub(crate) key: Option<String>,
    pub(crate) setting: bool,
    pub(crate) message: String,
    pub(crate) cause: Option<BoxError>,
    /// Set for "handler 'x' is not built yet": the loader builds it first.
    pub(crate) outer: Option<String>,
}

impl ArgError {
    pub(crate) fn new(kind: ErrorKind, key: Option<&str>, message: impl Into<String>) -> ArgError {
        ArgError {
            kind,
            key: key.map(str::to_owned),
            setting: false,
            message: message.into(),
            cause: None,
            outer: None,
        }
    }

    /// An error about the argument `key` (or the component, when `key` is `None`).
    pub fn invalid(key: Option<&str>, message: impl Into<String>) -> ArgError {
        ArgError::new(ErrorKind::Invalid, key, message)
    }

    /// An error about the setting `key` of the top-level `settings` table.
    pub fn setting(key: &str, message: impl Into<String>) -> ArgError {
        let mut e = ArgError::new(ErrorKind::Invalid, Some(key), message);
        e.setting = true;
        e
    }

    /// A component that could not be built (a file that cannot be opened).
    pub fn build(message: impl Into<String>, cause: Option<BoxError>) -> ArgError {
        let mut e = ArgError::new(ErrorKind::Build, None, message);
        e.cause = cause;
        e
    }

    /// The argument this error is about.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub(crate) fn with_outer(mut self, outer: impl Into<String>) -> ArgError {
        self.outer = Some(outer.into());
        self
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ArgError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.cause
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Something a configuration says that logtree (like Python) ignores: a key
/// `dictConfig` never reads, `propagate` on the root, handler lists in an
/// incremental configuration. Not an error; `logtree check` shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    path: String,
    segments: Vec<String>,
    line: Option<u32>,
    origin: Option<String>,
    message: String,
}

impl Warning {
    pub(crate) fn new(path: &KeyPath, message: impl Into<String>) -> Warning {
        Warning {
            path: path.to_string(),
            segments: path.0.clone(),
            line: None,
            origin: None,
            message: message.into(),
        }
    }

    pub(crate) fn segments(&self) -> &[String] {
        &self.segments
    }

    pub(crate) fn set_line(&mut self, line: Option<u32>) {
        self.line = line;
    }

    pub(crate) fn set_origin(&mut self, origin: Option<String>) {
        self.origin = origin;
    }

    /// The key path the warning is about.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u32> {
        self.line
    }

    /// The message, without location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.origin {
            f.write_str(o)?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
            }
            f.write_str(": ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_chain() {
        let mut e = ConfigError::new(
            ErrorKind::Reference,
            &KeyPath::of(&["handlers", "h", "formatter"]),
            "unknown formatter 'x'",
        )
        .wrap("Unable to set formatter 'x'")
        .wrap("Unable to configure handler 'h'");
        e.set_line(Some(7));
        e.set_origin(Some(Path::new("log.toml")), None);
        assert_eq!(
            e.to_string(),
            "log.toml:7: handlers.h.formatter: Unable to configure handler 'h'"
        );
        assert_eq!(
            format!("{e:#}"),
            "log.toml:7: handlers.h.formatter: Unable to configure handler 'h': \
             Unable to set formatter 'x': unknown formatter 'x'"
        );
        let src = e.source().unwrap();
        assert_eq!(src.to_string(), "Unable to set formatter 'x'");
        assert_eq!(src.source().unwrap().to_string(), "unknown formatter 'x'");
        assert_eq!(e.message(), "Unable to configure handler 'h'");
    }

    #[test]
    fn key_paths_quote_what_is_not_a_bare_key() {
        let p = KeyPath::of(&["handlers", "django.server", "filters"]).index(1);
        assert_eq!(p.to_string(), "handlers.\"django.server\".filters[1]");
        assert_eq!(KeyPath::of(&["loggers", ""]).to_string(), "loggers.\"\"");
    }

    #[test]
    fn join_keeps_every_error() {
        let a = ConfigError::new(ErrorKind::Schema, &KeyPath::of(&["a"]), "first");
        let b = ConfigError::new(ErrorKind::Schema, &KeyPath::of(&["b"]), "second");
        let c = ConfigError::new(ErrorKind::Schema, &KeyPath::of(&["c"]), "third");
        let j = ConfigError::join(vec![a, ConfigError::join(vec![b, c]).unwrap()]).unwrap();
        let paths: Vec<&str> = j.errors().map(|e| e.path()).collect();
        assert_eq!(paths, ["a", "b", "c"]);
        assert_eq!(j.count(), 3);
        assert!(ConfigError::join(Vec::new()).is_none());
    }
}
