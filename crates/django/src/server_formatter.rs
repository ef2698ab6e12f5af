//! Django's `ServerFormatter`: the development server's access log line.
//!
//! A [`logtree_format::TextFormatter`] with Django's two additions:
//!
//! - `server_time`: when the format contains the text `{server_time}` (Django
//!   searches the format string, whatever the style) and the record has no
//!   `server_time` yet, it is set on the record (`LogRecord::set_attr`) as
//!   `formatTime(record, datefmt)`, with Django's `default_time_format`
//!   `%d/%b/%Y %H:%M:%S` (so `14/Nov/2023 22:13:20,125` without a `datefmt`).
//!   Handlers formatted after this one see it too, as in Python.
//! - colour: a record with a `status_code` has its message coloured by status
//!   class, with Django's palettes (`DJANGO_COLORS` = `dark` (default), `light`
//!   or `nocolor`), but only when stdout is a terminal, as Django's
//!   `supports_color()` decides. Decided once, when the formatter is built.

use std::borrow::Cow;
use std::io::IsTerminal as _;

use logtree_core::{FormatError, Formatter, LogRecord, Value};
use logtree_format::{FormatterError, Style, TextFormatter, TextFormatterBuilder};

/// Django's `ServerFormatter.default_time_format`.
pub const SERVER_TIME_FORMAT: &str = "%d/%b/%Y %H:%M:%S";

/// Which colours, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Palette {
    None,
    Dark,
    Light,
}

/// Django's `ServerFormatter`.
///
/// ```
/// use logtree_core::{Formatter, Level, LogRecord};
/// use logtree_django::ServerFormatter;
/// use logtree_format::Style;
/// let f = ServerFormatter::builder().format("[{server_time}] {message}").style(Style::Brace).build().unwrap();
/// let mut r = LogRecord::new("django.server", Level::INFO, "\"GET / HTTP/1.1\" 200 512");
/// r.created = 1_700_000_000.125;
/// let mut out = String::new();
/// f.format(&r, &mut out).unwrap();
/// # // The doc test does not know the time zone; check the shape only.
/// assert!(out.ends_with(",125] \"GET / HTTP/1.1\" 200 512"), "{out}");
/// assert!(r.extra_value("server_time").is_some());
/// ```
#[derive(Debug)]
pub struct ServerFormatter {
    inner: TextFormatter,
    uses_server_time: bool,
    palette: Palette,
}

/// Builds a [`ServerFormatter`]: the options of Python's `Formatter`.
#[must_use]
#[derive(Debug)]
pub struct ServerFormatterBuilder {
    inner: TextFormatterBuilder,
    color: Option<bool>,
}

impl ServerFormatter {
    /// A builder with Python's defaults and Django's time format.
    pub fn builder() -> ServerFormatterBuilder {
        ServerFormatterBuilder::from_text(ServerFormatter::text_builder())
    }

    /// The text formatter builder a `ServerFormatter` starts from: Python's defaults
    /// with Django's time format.
    pub fn text_builder() -> TextFormatterBuilder {
        TextFormatter::builder().default_time_format(SERVER_TIME_FORMAT)
    }

    /// Django's `uses_server_time()`.
    pub fn uses_server_time(&self) -> bool {
        self.uses_server_time
    }

    /// The underlying formatter.
    pub fn inner(&self) -> &TextFormatter {
        &self.inner
    }
}

impl ServerFormatterBuilder {
    /// A builder around a text formatter builder (start from
    /// [`ServerFormatter::text_builder`] to keep Django's time format).
    pub fn from_text(inner: TextFormatterBuilder) -> ServerFormatterBuilder {
        ServerFormatterBuilder { inner, color: None }
    }

    /// The format string.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.inner = self.inner.format(format);
        self
    }

    /// The `datefmt` (then `server_time` has no milliseconds).
    pub fn datefmt(mut self, datefmt: impl Into<String>) -> Self {
        self.inner = self.inner.datefmt(datefmt);
        self
    }

    /// The style.
    pub fn style(mut self, style: Style) -> Self {
        self.inner = self.inner.style(style);
        self
    }

    /// The style by Python's name (`%`, `{`, `$`).
    pub fn python_style(mut self, style: &str) -> Self {
        self.inner = self.inner.python_style(style);
        self
    }

    /// Python's `validate`.
    pub fn validate(mut self, validate: bool) -> Self {
        self.inner = self.inner.validate(validate);
        self
    }

    /// Python's `defaults`.
    pub fn defaults(mut self, defaults: Vec<(String, Value<'static>)>) -> Self {
        self.inner = self.inner.defaults(defaults);
        self
    }

    /// Times in UTC instead of local time.
    pub fn utc(mut self, utc: bool) -> Self {
        self.inner = self.inner.utc(utc);
        self
    }

    /// Colour on or off, instead of deciding by stdout and `DJANGO_COLORS`.
    pub fn color(mut self, color: bool) -> Self {
        self.color = Some(color);
        self
    }

    /// The formatter (Python's validation errors, word for word).
    pub fn build(self) -> Result<ServerFormatter, FormatterError> {
        let inner = self.inner.build()?;
        let palette_env = std::env::var("DJANGO_COLORS").unwrap_or_default();
        let palette = match palette_env.trim() {
            "nocolor" => Palette::None,
            "light" => Palette::Light,
            _ => Palette::Dark,
        };
        let palette = match self.color {
            Some(false) => Palette::None,
            Some(true) => palette,
            None if std::io::stdout().is_terminal() => palette,
            None => Palette::None,
        };
        Ok(ServerFormatter {
            uses_server_time: inner.format_string().contains("{server_time}"),
            inner,
            palette,
        })
    }
}

/// The SGR codes Django's palette gives a status code.
fn codes(palette: Palette, status: i128) -> Option<&'static str> {
    let dark = palette == Palette::Dark;
    Some(match status {
        200..=299 => "",
        100..=199 => "1",
        304 => {
            if dark {
                "36"
            } else {
                "32"
            }
        }
        300..=399 => {
            if dark {
                "32"
            } else {
                "32;1"
            }
        }
        404 => {
            if dark {
                "33"
            } else {
                "31"
            }
        }
        400..=499 => "31;1",
        _ => "35;1",
    })
}

impl Formatter for ServerFormatter {
    fn format(&self, record: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
        if self.uses_server_time && !record.has_extra("server_time") {
            record.set_attr(
                "server_time",
                Value::Str(Cow::Owned(self.inner.try_format_time(record)?)),
            );
        }
        if self.palette != Palette::None {
            let status = match record.extra_value("status_code") {
                Some(Value::Int(i)) if i != 0 => Some(i),
                _ => None,
            };
            if let Some(code) = status.and_then(|s| codes(self.palette, s)) {
                let mut r = record.clone();
                r.message = Cow::Owned(format!("\x1b[{code}m{}\x1b[0m", record.message));
                return self.inner.format(&r, out);
            }
        }
        self.inner.format(record, out)
    }

    fn describe(&self) -> String {
        format!("Server{}", self.inner.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    fn rec(created: f64) -> LogRecord<'static> {
        let mut r = LogRecord::new("django.server", Level::INFO, "\"GET / HTTP/1.1\" 200 5");
        r.created = created;
        r
    }

    fn fmt(f: &ServerFormatter, r: &LogRecord<'_>) -> String {
        let mut out = String::new();
        f.format(r, &mut out).unwrap();
        out
    }

    #[test]
    fn server_time_default_and_datefmt() {
        let f = ServerFormatter::builder()
            .format("[{server_time}] {message}")
            .style(Style::Brace)
            .utc(true)
            .color(false)
            .build()
            .unwrap();
        assert!(f.uses_server_time());
        let r = rec(1_700_000_000.125);
        assert_eq!(
            fmt(&f, &r),
            "[14/Nov/2023 22:13:20,125] \"GET / HTTP/1.1\" 200 5"
        );
        assert_eq!(
            r.extra_value("server_time"),
            Some(Value::Str("14/Nov/2023 22:13:20,125".into()))
        );
        let f = ServerFormatter::builder()
            .format("[{server_time}] {message}")
            .style(Style::Brace)
            .datefmt("%Y-%m-%d %H:%M:%S")
            .utc(true)
            .build()
            .unwrap();
        assert_eq!(
            fmt(&f, &rec(1_700_000_000.125)),
            "[2023-11-14 22:13:20] \"GET / HTTP/1.1\" 200 5"
        );
    }

    #[test]
    fn a_given_server_time_wins() {
        let f = ServerFormatter::builder()
            .format("[{server_time}] {message}")
            .style(Style::Brace)
            .build()
            .unwrap();
        let mut r = rec(1_700_000_000.125);
        r.extra
            .push(("server_time".into(), Value::Str("given".into())));
        assert_eq!(fmt(&f, &r), "[given] \"GET / HTTP/1.1\" 200 5");
    }

    #[test]
    fn only_the_brace_text_counts_as_using_server_time() {
        // Django searches for "{server_time}" whatever the style.
        let f = ServerFormatter::builder()
            .format("%(server_time)s %(message)s")
            .build()
            .unwrap();
        assert!(!f.uses_server_time());
        let mut out = String::new();
        let e = f.format(&rec(0.0), &mut out).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Formatting field not found in record: 'server_time'"
        );
    }

    #[test]
    fn colours_follow_djangos_palettes() {
        let f = ServerFormatter::builder()
            .format("{message}")
            .style(Style::Brace)
            .color(true)
            .build()
            .unwrap();
        let mut r = rec(0.0);
        r.message = "x".into();
        for (status, dark) in [
            (200, "\x1b[mx\x1b[0m"),
            (101, "\x1b[1mx\x1b[0m"),
            (304, "\x1b[36mx\x1b[0m"),
            (302, "\x1b[32mx\x1b[0m"),
            (404, "\x1b[33mx\x1b[0m"),
            (403, "\x1b[31;1mx\x1b[0m"),
            (500, "\x1b[35;1mx\x1b[0m"),
            (99, "\x1b[35;1mx\x1b[0m"),
        ] {
            let mut r2 = r.clone();
            r2.extra.push(("status_code".into(), Value::Int(status)));
            if std::env::var("DJANGO_COLORS").is_err() {
                assert_eq!(fmt(&f, &r2), dark, "{status}");
            }
        }
        assert_eq!(codes(Palette::Light, 404), Some("31"));
        assert_eq!(codes(Palette::Light, 302), Some("32;1"));
        // No status code, or 0: no colour.
        assert_eq!(fmt(&f, &r), "x");
        let off = ServerFormatter::builder()
            .format("{message}")
            .style(Style::Brace)
            .color(false)
            .build()
            .unwrap();
        let mut r3 = r.clone();
        r3.extra.push(("status_code".into(), Value::Int(500)));
        assert_eq!(fmt(&off, &r3), "x");
    }
}
