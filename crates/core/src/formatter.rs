//! The formatter contract, and the message-only formatter Python uses by default.
//!
//! Stock formatters (Python's `%`, `{` and `$` styles) live in `logtree-format`;
//! the core only needs the trait and the default, which the last-resort handler and
//! handlers without a formatter use: the message, then the exception text and the
//! stack text, each on a new line (Python's `Formatter()` with no format).

use std::error::Error as StdError;
use std::fmt;

use crate::record::LogRecord;

/// Turns a record into text.
///
/// # For implementors
/// Append to `out` (it may already hold text; never clear it). Called on the logging
/// thread, outside any handler lock; handlers that share one formatter get the text
/// formatted once per record unless a filter or formatter changed the record in
/// between ([`LogRecord::generation`]).
pub trait Formatter: Send + Sync + 'static {
    /// Appends the formatted record, without a line terminator.
    fn format(&self, record: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError>;

    /// A short description for `logtree tree`.
    fn describe(&self) -> String {
        "Formatter".to_owned()
    }
}

/// A record could not be formatted (Python: `Formatting field not found in record`).
// Two words, so that `Result<(), FormatError>` comes back in registers rather than
// through memory (callgrind, `benches/compare`: format 1,606 -> 1,600, file 1,614 ->
// 1,608 instructions a call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    message: Box<str>,
}

impl FormatError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> FormatError {
        FormatError {
            message: message.into().into_boxed_str(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for FormatError {}

/// Python's default formatter: `%(message)s`, then exception and stack text.
///
/// ```
/// use logtree_core::{Formatter, Level, LogRecord, MessageFormatter};
/// let mut r = LogRecord::new("a", Level::ERROR, "failed");
/// r.exc_text = Some("Traceback ...".into());
/// let mut out = String::new();
/// MessageFormatter.format(&r, &mut out).unwrap();
/// assert_eq!(out, "failed\nTraceback ...");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MessageFormatter;

impl Formatter for MessageFormatter {
    fn format(&self, record: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
        out.push_str(&record.message);
        append_exc_and_stack(record, out);
        Ok(())
    }

    fn describe(&self) -> String {
        "Formatter('%(message)s')".to_owned()
    }
}

/// Appends the record's exception text and then its stack text, each after a
/// newline unless `out` already ends with one (Python's `Formatter.format`).
pub fn append_exc_and_stack(record: &LogRecord<'_>, out: &mut String) {
    for text in [&record.exc_text, &record.stack_info].into_iter().flatten() {
        if text.is_empty() {
            continue;
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    #[test]
    fn exc_text_after_a_trailing_newline_gets_no_extra_newline() {
        let mut r = LogRecord::new("a", Level::ERROR, "line\n");
        r.exc_text = Some("exc".into());
        r.stack_info = Some("stack".into());
        let mut out = String::new();
        MessageFormatter.format(&r, &mut out).unwrap();
        assert_eq!(out, "line\nexc\nstack");
    }
}
