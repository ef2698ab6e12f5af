//! The three template styles of Python's `logging.Formatter`.

use std::fmt;
use std::str::FromStr;

use crate::error::FormatterError;

/// How a format string names record attributes.
///
/// | style | example | Python |
/// | --- | --- | --- |
/// | [`Style::Percent`] | `%(levelname)-8s %(message)s` | `fmt % record.__dict__` |
/// | [`Style::Brace`] | `{levelname:<8} {message}` | `fmt.format(**record.__dict__)` |
/// | [`Style::Dollar`] | `$levelname ${message}` | `string.Template(fmt).substitute(...)` |
///
/// ```
/// use logtree_format::Style;
/// assert_eq!(Style::from_python("{"), Some(Style::Brace));
/// assert_eq!("$".parse::<Style>().unwrap(), Style::Dollar);
/// assert_eq!("#".parse::<Style>().unwrap_err().to_string(), "Style must be one of: %,{,$");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// `%`: printf-style conversions on named attributes (the default).
    #[default]
    Percent,
    /// `{`: `str.format` fields.
    Brace,
    /// `$`: `string.Template` placeholders.
    Dollar,
}

impl Style {
    /// The style Python's `style=` argument names: `"%"`, `"{"` or `"$"`.
    pub fn from_python(s: &str) -> Option<Style> {
        match s {
            "%" => Some(Style::Percent),
            "{" => Some(Style::Brace),
            "$" => Some(Style::Dollar),
            _ => None,
        }
    }

    /// The character Python names this style by.
    pub fn as_python(self) -> &'static str {
        match self {
            Style::Percent => "%",
            Style::Brace => "{",
            Style::Dollar => "$",
        }
    }

    /// The format used when none is given: `%(message)s`, `{message}`, `${message}`.
    pub fn default_format(self) -> &'static str {
        match self {
            Style::Percent => "%(message)s",
            Style::Brace => "{message}",
            Style::Dollar => "${message}",
        }
    }
}

impl FromStr for Style {
    type Err = FormatterError;

    fn from_str(s: &str) -> Result<Style, FormatterError> {
        Style::from_python(s).ok_or_else(FormatterError::unknown_style)
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_python())
    }
}
