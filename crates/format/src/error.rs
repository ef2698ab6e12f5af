//! The error a format string is refused with when a formatter is built.
//!
//! Messages are CPython's own, word for word (`Style must be one of: %,{,$`,
//! `invalid format: no fields`, ...), so that a configuration Python rejects is
//! rejected here with the text its author already knows; [`FormatterError::kind`]
//! says which check failed without parsing the text.

use std::error::Error as StdError;
use std::fmt;

/// Which check refused a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatterErrorKind {
    /// The style is not `%`, `{` or `$`.
    UnknownStyle,
    /// A `%` format has no `%(name)…` conversion
    /// (`Invalid format '…' for '%' style`).
    NoPercentField,
    /// A `{` format does not parse (`invalid format: Single '}' encountered …`).
    Syntax,
    /// A `{` field name is not a name, index or attribute path
    /// (`invalid format: invalid field name/expression: …`).
    InvalidField,
    /// A `{` conversion is not `!r`, `!s` or `!a`.
    InvalidConversion,
    /// A `{` format spec is not in the mini-language (`invalid format: bad specifier: …`).
    BadSpecifier,
    /// A `{` or `$` format names no field (`invalid format: no fields`).
    NoFields,
    /// A `$` format has a `$` that starts no placeholder
    /// (`invalid format: bare '$' not allowed`).
    BareDollar,
}

/// A format string, style or option a formatter cannot be built with.
///
/// ```
/// use logtree_format::{FormatterErrorKind, Style, TextFormatter};
/// let err = TextFormatter::builder().format("static").style(Style::Brace).build().unwrap_err();
/// assert_eq!(err.kind(), FormatterErrorKind::NoFields);
/// assert_eq!(err.to_string(), "invalid format: no fields");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatterError {
    kind: FormatterErrorKind,
    message: String,
}

impl FormatterError {
    fn new(kind: FormatterErrorKind, message: impl Into<String>) -> FormatterError {
        FormatterError {
            kind,
            message: message.into(),
        }
    }

    /// Which check failed.
    pub fn kind(&self) -> FormatterErrorKind {
        self.kind
    }

    pub(crate) fn unknown_style() -> FormatterError {
        FormatterError::new(
            FormatterErrorKind::UnknownStyle,
            "Style must be one of: %,{,$",
        )
    }

    pub(crate) fn no_percent_field(fmt: &str) -> FormatterError {
        FormatterError::new(
            FormatterErrorKind::NoPercentField,
            format!("Invalid format '{fmt}' for '%' style"),
        )
    }

    pub(crate) fn syntax(message: String) -> FormatterError {
        FormatterError::new(FormatterErrorKind::Syntax, message)
    }

    pub(crate) fn invalid_field(message: String) -> FormatterError {
        FormatterError::new(FormatterErrorKind::InvalidField, message)
    }

    pub(crate) fn invalid_conversion(message: String) -> FormatterError {
        FormatterError::new(FormatterErrorKind::InvalidConversion, message)
    }

    pub(crate) fn bad_specifier(message: String) -> FormatterError {
        FormatterError::new(FormatterErrorKind::BadSpecifier, message)
    }

    pub(crate) fn no_fields() -> FormatterError {
        FormatterError::new(FormatterErrorKind::NoFields, "invalid format: no fields")
    }

    pub(crate) fn bare_dollar() -> FormatterError {
        FormatterError::new(
            FormatterErrorKind::BareDollar,
            "invalid format: bare '$' not allowed",
        )
    }
}

impl fmt::Display for FormatterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for FormatterError {}
