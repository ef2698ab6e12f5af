//! Python's `logging.Formatter` for logtree: the `%`, `{` and `$` styles, the
//! format-spec mini-language, `asctime` and `datefmt`, with CPython 3.11 as the
//! reference for every byte of output and every error message.
//!
//! The crate's one type, [`TextFormatter`], implements
//! [`logtree_core::Formatter`]. It is built from the options Python's
//! `Formatter(fmt, datefmt, style, validate, defaults=...)` takes, plus the two
//! class attributes Django's `ServerFormatter` overrides
//! (`default_time_format`, `default_msec_format`) and the `converter`
//! (`utc`).
//!
//! ```
//! use logtree_core::{Formatter, Level, LogRecord, Value};
//! use logtree_format::TextFormatter;
//!
//! let f = TextFormatter::builder()
//!     .format("%(levelname)-8s %(name)s [%(user)s] %(message)s")
//!     .build()?;
//! let mut r = LogRecord::new("shop.cart", Level::WARNING, "50% off {everything}");
//! r.extra.push(("user".into(), Value::Str("ann".into())));
//! let mut line = String::new();
//! f.format(&r, &mut line)?;
//! assert_eq!(line, "WARNING  shop.cart [ann] 50% off {everything}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it works
//! The format is compiled when the formatter is built: Python's validation runs
//! then (with its exact error texts, see [`FormatterError`]), and the format is
//! parsed into literal text and fields, each field resolved to a record attribute
//! (standard attributes by enum, extras by name) with its conversion and format
//! spec pre-parsed. Formatting a record looks values up and writes them; the
//! usual fields (standard attributes with at most a width, `%(msecs)03d`,
//! `{msecs:03.0f}`, `{lineno:d}`, ...) are written straight from the record,
//! byte for byte what the general path would write. `asctime` comes from a
//! per-thread cache of the formatted second ([`format_time`]), with the literal
//! text and the milliseconds that follow it folded in.
//!
//! The message is never interpreted: `{`, `%` and `$` in it come out as they are.
//!
//! # Record attributes
//! `name levelname levelno message msg args asctime created msecs relativeCreated
//! pathname filename module lineno funcName process processName thread threadName
//! exc_info exc_text stack_info taskName`, then the record's extras, then the
//! formatter's `defaults`. `args` is the empty tuple (messages arrive formatted),
//! `exc_info` and `taskName` are `None`.
//!
//! # Deliberate differences from CPython 3.11
//! - `taskName` exists (it arrived in Python 3.12) and is `None`.
//! - A `{` field reaching a *method* (`{name.upper}`) or a type attribute
//!   (`{levelno.__class__}`) is an error: Python prints an object address there.
//!   Data attributes (`real`, `imag`, `numerator`, `denominator`) work.
//! - A `%` conversion without a key (`%s`) that would receive the whole record
//!   (Python prints `repr(record.__dict__)`) is an error.
//! - A field wider than 16,777,216 characters, or a float field with a precision
//!   above about a million digits, is an error instead of a huge allocation.
//! - `%c` / `{:c}` of a surrogate code point gives U+FFFD (Rust strings cannot hold
//!   surrogates).
//! - Off Unix, local time comes from chrono and `%Z` is empty.
#![deny(missing_docs)]

mod asctime;
mod brace;
mod clock;
mod dollar;
mod error;
mod fast;
mod float;
mod formatter;
mod percent;
mod printf;
mod spec;
mod stamp;
mod strftime;
mod style;
mod time_cache;
mod unicode;
mod unicode_tables;
mod value;
mod write;

pub use asctime::{format_time, try_format_time, DEFAULT_MSEC_FORMAT, DEFAULT_TIME_FORMAT};
pub use error::{FormatterError, FormatterErrorKind};
pub use formatter::{TextFormatter, TextFormatterBuilder};
pub use style::Style;
