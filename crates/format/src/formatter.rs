//! [`TextFormatter`]: Python's `logging.Formatter`, compiled once.
//!
//! Building a formatter does everything Python does at construction (style check,
//! `validate`) and everything Python does on every record that does not depend on
//! the record: the format string is parsed into segments, field names are resolved
//! to record attributes, format specs are parsed, the `datefmt` and
//! `default_msec_format` are prepared. Formatting a record then only looks values
//! up and writes them, into the caller's buffer.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use logtree_core::{FormatError, Formatter, LogRecord, Value};

use crate::asctime::{TimeFormat, DEFAULT_MSEC_FORMAT, DEFAULT_TIME_FORMAT};
use crate::error::FormatterError;
use crate::fast::{self, Ctx, Env, StepError};
use crate::printf::{self, Args, Item};
use crate::stamp::Stamp;
use crate::style::Style;
use crate::unicode::write_repr;
use crate::value::{Field, Scope};
use crate::{brace, dollar, percent};

/// A compiled format string.
#[derive(Debug)]
enum Plan {
    /// Steps ([`fast`], [`Inner::steps`]); the flag says whether a step looks
    /// `asctime` up (then it is formatted once, before the steps run).
    Steps(bool),
    /// A `%` format whose conversions depend on each other (a conversion without
    /// a key takes its argument from a cursor the others move), run as a whole.
    Percent(Vec<Item>),
}

#[derive(Debug)]
struct Inner {
    fmt: String,
    datefmt: Option<String>,
    style: Style,
    /// The time format and the defaults, which steps read through a pointer.
    env: Env,
    uses_time: bool,
    fields: Vec<Box<str>>,
    plan: Plan,
    /// The steps of [`Plan::Steps`]; for [`Plan::Percent`], no steps.
    steps: fast::Plan,
    /// Whether `plan` is `Plan::Steps(false)`: the steps run as they are.
    // A flag of its own, so that `format` tests one byte (against matching
    // `Plan::Steps(_, false)` with the steps inside, a test of the enum's
    // niche and one of the flag, callgrind, `benches/compare`: `format`
    // 1,701 -> 1,698 instructions a call, `file` 1,719 -> 1,716;
    // `examples/format_cost.rs`: 3 fewer per record for every layout).
    direct: bool,
}

/// Python's `logging.Formatter`: a `%`, `{` or `$` format applied to a record,
/// followed by the record's exception text and stack text.
///
/// Cloning is cheap (the compiled format is shared).
///
/// ```
/// use logtree_core::{Formatter, Level, LogRecord};
/// use logtree_format::{Style, TextFormatter};
///
/// let f = TextFormatter::builder()
///     .format("{asctime} {levelname:<8} {name}: {message}")
///     .style(Style::Brace)
///     .utc(true)
///     .build()
///     .unwrap();
/// let mut r = LogRecord::new("app.db", Level::INFO, "pool ready");
/// r.created = 1_700_000_000.125;
/// let mut out = String::new();
/// f.format(&r, &mut out).unwrap();
/// assert_eq!(out, "2023-11-14 22:13:20,125 INFO     app.db: pool ready");
/// ```
#[derive(Clone, Debug)]
pub struct TextFormatter {
    inner: Arc<Inner>,
}

/// Builds a [`TextFormatter`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | [`format`](Self::format) | the style's `message` field | `fmt` |
/// | [`datefmt`](Self::datefmt) | none: `default_time_format` + milliseconds | `datefmt` |
/// | [`style`](Self::style) | [`Style::Percent`] | `style` |
/// | [`validate`](Self::validate) | `true` | `validate` |
/// | [`defaults`](Self::defaults) | none | `defaults` |
/// | [`utc`](Self::utc) | `false` (local time, per `TZ`) | `converter = time.gmtime` |
/// | [`default_time_format`](Self::default_time_format) | `%Y-%m-%d %H:%M:%S` | class attribute |
/// | [`default_msec_format`](Self::default_msec_format) | `%s,%03d` | class attribute |
#[derive(Clone, Debug)]
pub struct TextFormatterBuilder {
    format: String,
    datefmt: Option<String>,
    style: Result<Style, FormatterError>,
    validate: bool,
    /// Whether fields may be written by fast steps (always, but in tests that
    /// compare them with the general path).
    fast: bool,
    defaults: Vec<(String, Value<'static>)>,
    utc: bool,
    default_time_format: String,
    default_msec_format: String,
}

impl TextFormatterBuilder {
    /// The format string. Empty (or never set) means the message alone:
    /// `%(message)s`, `{message}` or `${message}`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = format.into();
        self
    }

    /// The `time.strftime` format of `asctime`. Empty means none.
    pub fn datefmt(mut self, datefmt: impl Into<String>) -> Self {
        self.datefmt = Some(datefmt.into());
        self
    }

    /// The style.
    pub fn style(mut self, style: Style) -> Self {
        self.style = Ok(style);
        self
    }

    /// The style by Python's name (`"%"`, `"{"`, `"$"`); anything else makes
    /// [`build`](Self::build) fail with `Style must be one of: %,{,$`.
    pub fn python_style(mut self, style: &str) -> Self {
        self.style = style.parse();
        self
    }

    /// Whether to check the format string when building (Python's `validate`).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Values for fields a record does not have (Python 3.10's `defaults`).
    pub fn defaults(mut self, defaults: Vec<(String, Value<'static>)>) -> Self {
        self.defaults = defaults;
        self
    }

    /// Format `asctime` in UTC instead of local time.
    pub fn utc(mut self, utc: bool) -> Self {
        self.utc = utc;
        self
    }

    /// Keeps every field on the general path, for tests that compare the fast
    /// steps with it.
    #[cfg(test)]
    fn general_only(mut self) -> Self {
        self.fast = false;
        self
    }

    /// The `time.strftime` format used when there is no `datefmt`.
    pub fn default_time_format(mut self, format: impl Into<String>) -> Self {
        self.default_time_format = format.into();
        self
    }

    /// The `%` format joining the time text and the milliseconds when there is no
    /// `datefmt`; empty means no milliseconds (Python's `None`).
    pub fn default_msec_format(mut self, format: impl Into<String>) -> Self {
        self.default_msec_format = format.into();
        self
    }

    /// Checks and compiles the format.
    pub fn build(self) -> Result<TextFormatter, FormatterError> {
        let style = self.style?;
        let fmt = if self.format.is_empty() {
            style.default_format().to_owned()
        } else {
            self.format
        };
        if self.validate {
            match style {
                Style::Percent => {
                    if !percent::validation_matches(&fmt) {
                        return Err(FormatterError::no_percent_field(&fmt));
                    }
                }
                Style::Brace => brace::validate(&fmt)?,
                Style::Dollar => dollar::validate(&fmt)?,
            }
        }
        let time = TimeFormat::new(
            self.datefmt.as_deref(),
            self.utc,
            &self.default_time_format,
            &self.default_msec_format,
        );
        let mut fields: Vec<Box<str>> = Vec::new();
        let mut note = |f: &Field| {
            if !fields.iter().any(|n| &**n == f.name()) {
                fields.push(f.name().into());
            }
        };
        let (plan, uses_time) = match style {
            Style::Percent => {
                let items = printf::parse(&fmt);
                for item in &items {
                    if let Item::Conv(c) = item {
                        if let Some(k) = &c.key {
                            note(k);
                        }
                    }
                }
                let plan = match fast::Plan::percent(&items, self.fast) {
                    Some(steps) => Ok(steps),
                    None => Err(items),
                };
                (plan, fmt.contains("%(asctime)"))
            }
            Style::Brace => {
                let segs = brace::compile(&fmt, 2);
                brace::for_each_field(&segs, &mut note);
                (
                    Ok(fast::Plan::brace(&segs, self.fast)),
                    fmt.contains("{asctime"),
                )
            }
            Style::Dollar => {
                let segs = dollar::compile(&fmt);
                for s in &segs {
                    if let dollar::Seg::Field(f) = s {
                        note(f);
                    }
                }
                (
                    Ok(fast::Plan::dollar(&segs, self.fast)),
                    fmt.contains("$asctime") || fmt.contains("${asctime}"),
                )
            }
        };
        let (plan, steps) = match plan {
            Ok(steps) => {
                let steps = if uses_time {
                    steps
                } else {
                    steps.without_time()
                };
                let looks_up = uses_time && steps.looks_up_asctime();
                let steps = if looks_up || !self.fast {
                    steps
                } else {
                    steps.fuse_time(&time)
                };
                (Plan::Steps(looks_up), steps)
            }
            Err(items) => (Plan::Percent(items), fast::Plan::empty()),
        };
        let direct = matches!(plan, Plan::Steps(false));
        Ok(TextFormatter {
            inner: Arc::new(Inner {
                fmt,
                datefmt: self.datefmt.filter(|d| !d.is_empty()),
                style,
                env: Env {
                    time,
                    defaults: self.defaults,
                },
                uses_time,
                fields,
                plan,
                steps,
                direct,
            }),
        })
    }
}

thread_local! {
    /// The formatted `asctime` of the record being formatted on this thread.
    static ASCTIME: RefCell<String> = const { RefCell::new(String::new()) };
}

impl TextFormatter {
    /// A builder with Python's defaults.
    pub fn builder() -> TextFormatterBuilder {
        TextFormatterBuilder {
            format: String::new(),
            datefmt: None,
            style: Ok(Style::Percent),
            validate: true,
            fast: true,
            defaults: Vec::new(),
            utc: false,
            default_time_format: DEFAULT_TIME_FORMAT.to_owned(),
            default_msec_format: DEFAULT_MSEC_FORMAT.to_owned(),
        }
    }

    /// The format string in effect (the style's default when none was given).
    pub fn format_string(&self) -> &str {
        &self.inner.fmt
    }

    /// The `datefmt`, if one was given and is not empty.
    pub fn datefmt(&self) -> Option<&str> {
        self.inner.datefmt.as_deref()
    }

    /// The style.
    pub fn style(&self) -> Style {
        self.inner.style
    }

    /// Whether the format looks up the record attribute `name` (`asctime`,
    /// `server_time`, an extra, ...), in a field's name or in a nested spec.
    ///
    /// ```
    /// use logtree_format::{Style, TextFormatter};
    /// let f = TextFormatter::builder().format("[{server_time}] {message}").style(Style::Brace).build().unwrap();
    /// assert!(f.uses_field("server_time"));
    /// assert!(!f.uses_field("asctime"));
    /// ```
    pub fn uses_field(&self, name: &str) -> bool {
        self.inner.fields.iter().any(|f| &**f == name)
    }

    /// Python's `usesTime()`: whether formatting computes `asctime` (a text search
    /// of the format, as Python does).
    pub fn uses_time(&self) -> bool {
        self.inner.uses_time
    }

    /// Python's `formatTime(record, self.datefmt)`; empty if Python would raise.
    pub fn format_time(&self, record: &LogRecord<'_>) -> String {
        self.try_format_time(record).unwrap_or_default()
    }

    /// Python's `formatTime(record, self.datefmt)`.
    pub fn try_format_time(&self, record: &LogRecord<'_>) -> Result<String, FormatError> {
        let mut s = String::new();
        self.inner
            .env
            .time
            .write(record.created, Stamp::of(record.created), &mut s)
            .map_err(FormatError::new)?;
        Ok(s)
    }

    /// Python's `formatMessage`: the format applied to the record, without the
    /// exception and stack text.
    #[inline]
    pub fn format_message(
        &self,
        record: &LogRecord<'_>,
        out: &mut String,
    ) -> Result<(), FormatError> {
        let start = out.len();
        let result = if self.inner.direct {
            // `asctime`, if used, is written from the cache straight into `out`.
            self.run_steps(&self.inner.steps, record, None, out)
                .map_err(step_error)
        } else {
            self.render_with_asctime(record, out)
        };
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// [`render`](Self::render) with the per-thread `asctime` buffer.
    #[cold]
    fn render_with_asctime(
        &self,
        record: &LogRecord<'_>,
        out: &mut String,
    ) -> Result<(), FormatError> {
        // A fresh buffer when this one is in use (a formatter calling back into
        // logging) or gone (a record formatted while the thread exits).
        ASCTIME
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut buf) => self.render(record, &mut buf, out),
                Err(_) => self.render(record, &mut String::new(), out),
            })
            .unwrap_or_else(|_| self.render(record, &mut String::new(), out))
    }

    /// Formats with `asctime` computed first (into `asctime`), for plans that
    /// look it up.
    fn render(
        &self,
        record: &LogRecord<'_>,
        asctime: &mut String,
        out: &mut String,
    ) -> Result<(), FormatError> {
        let inner = &*self.inner;
        let time = if inner.uses_time {
            asctime.clear();
            inner
                .env
                .time
                .write(record.created, Stamp::of(record.created), asctime)
                .map_err(FormatError::new)?;
            Some(&*asctime)
        } else {
            None
        };
        match &inner.plan {
            Plan::Steps(_) => self
                .run_steps(&inner.steps, record, time, out)
                .map_err(step_error),
            Plan::Percent(items) => {
                let scope = Scope {
                    record,
                    asctime: time.map(String::as_str),
                    defaults: &inner.env.defaults,
                };
                let lookup = |f: &Field| scope.lookup(f);
                printf::run(items, &Args::Mapping(&lookup), out).map_err(|e| match e {
                    printf::RunError::Missing(k) => missing(&k),
                    printf::RunError::Other(m) => FormatError::new(m),
                })
            }
        }
    }
}

fn missing(key: &str) -> FormatError {
    let mut m = String::from("Formatting field not found in record: ");
    write_repr(key, false, &mut m);
    FormatError::new(m)
}

impl TextFormatter {
    // Always inlined, as `fast::Plan::run` is: see there.
    #[inline(always)]
    fn run_steps(
        &self,
        steps: &fast::Plan,
        record: &LogRecord<'_>,
        asctime: Option<&String>,
        out: &mut String,
    ) -> Result<(), StepError> {
        let ctx = Ctx {
            env: &self.inner.env,
            asctime,
        };
        steps.run(record, ctx, out)
    }
}

#[cold]
fn step_error(e: StepError) -> FormatError {
    match e {
        StepError::Missing(k) => missing(&k),
        StepError::Other(m) => FormatError::new(m),
    }
}

/// Python's `format` after `formatMessage`: the exception text and the stack
/// text, each on a new line.
#[cold]
fn append_exc_and_stack(record: &LogRecord<'_>, start: usize, out: &mut String) {
    for text in [&record.exc_text, &record.stack_info].into_iter().flatten() {
        if text.is_empty() {
            continue;
        }
        if out.len() == start || !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(text);
    }
}

impl TextFormatter {
    /// [`Formatter::format`] for the plans that look `asctime` up or are not
    /// steps.
    #[cold]
    #[inline(never)]
    fn format_slow(&self, record: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
        let start = out.len();
        self.format_message(record, out)?;
        if record.exc_text.is_some() || record.stack_info.is_some() {
            append_exc_and_stack(record, start, out);
        }
        Ok(())
    }
}

/// A step's failure: what the steps appended taken back (from `start`), and
/// the error.
#[cold]
#[inline(never)]
fn failed(e: StepError, start: usize, out: &mut String) -> FormatError {
    out.truncate(start);
    step_error(e)
}

impl Formatter for TextFormatter {
    // The steps' plan run here, and every other path (its failure, the other
    // plans) a call that returns at once: nothing is merged into one result
    // at the end (against `format_message` and then the test of its result,
    // callgrind, `benches/compare`: `format` 1,710 -> 1,706 instructions a
    // call, `file` 1,728 -> 1,724; `examples/format_cost.rs`, per record: the
    // comparison layout 224 -> 220, `padded` 627 -> 623, `%(message)s` 118 ->
    // 114).
    fn format(&self, record: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
        if !self.inner.direct {
            return self.format_slow(record, out);
        }
        let start = out.len();
        if let Err(e) = self.run_steps(&self.inner.steps, record, None, out) {
            return Err(failed(e, start, out));
        }
        if record.exc_text.is_some() || record.stack_info.is_some() {
            append_exc_and_stack(record, start, out);
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for TextFormatter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from("Formatter(");
        write_repr(&self.inner.fmt, false, &mut s);
        if let Some(d) = &self.inner.datefmt {
            s.push_str(", datefmt=");
            write_repr(d, false, &mut s);
        }
        if self.inner.style != Style::Percent {
            s.push_str(", style=");
            write_repr(self.inner.style.as_python(), false, &mut s);
        }
        s.push(')');
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logtree_core::Level;

    fn rec(msg: &str) -> LogRecord<'_> {
        let mut r = LogRecord::new("app", Level::WARNING, msg);
        r.created = 1_700_000_000.125;
        r
    }

    fn fmt(f: &TextFormatter, r: &LogRecord<'_>) -> Result<String, String> {
        let mut out = String::new();
        f.format(r, &mut out)
            .map(|()| out)
            .map_err(|e| e.to_string())
    }

    fn build(fmt: &str, style: Style) -> TextFormatter {
        TextFormatter::builder()
            .format(fmt)
            .style(style)
            .utc(true)
            .build()
            .unwrap()
    }

    #[test]
    fn the_three_styles() {
        let r = rec("hi");
        assert_eq!(
            fmt(&build("%(levelname)-8s|%(message)s", Style::Percent), &r).unwrap(),
            "WARNING |hi"
        );
        assert_eq!(
            fmt(&build("{levelname:>9}|{levelno:03d}", Style::Brace), &r).unwrap(),
            "  WARNING|030"
        );
        assert_eq!(
            fmt(&build("$levelname ${name}: $$$message", Style::Dollar), &r).unwrap(),
            "WARNING app: $hi"
        );
    }

    #[test]
    fn spec_edge_cases_match_python() {
        // Expected values printed by python3 -c 'logging.Formatter(F, style=S).format(r)'
        // with r.x = 1234, r.f = 0.125, r.s = "abc".
        let mut r = rec("m");
        r.extra.push(("x".into(), Value::Int(1234)));
        r.extra.push(("f".into(), Value::Float(0.125)));
        r.extra.push(("s".into(), Value::Str("abc".into())));
        let cases = [
            ("{x:>010}|{s:>010}", Style::Brace, "0000001234|0000000abc"),
            ("{x:_x}", Style::Brace, "4d2"),
            ("{x:#_b}", Style::Brace, "0b100_1101_0010"),
            ("{f:,.2f}", Style::Brace, "0.12"),
            ("{f:%}", Style::Brace, "12.500000%"),
            ("{x:+e}", Style::Brace, "+1.234000e+03"),
            ("{s!r:^9}", Style::Brace, "  'abc'  "),
            ("{f:=+10.3f}", Style::Brace, "+    0.125"),
            ("%(s)-8.3s|", Style::Percent, "abc     |"),
            ("%(x)#o", Style::Percent, "0o2322"),
            ("%(x)+05d", Style::Percent, "+1234"),
            ("%(x)e", Style::Percent, "1.234000e+03"),
            ("%(x)c", Style::Percent, "\u{4d2}"),
        ];
        for (f, style, want) in cases {
            assert_eq!(fmt(&build(f, style), &r).unwrap(), want, "{f}");
        }
        assert_eq!(
            fmt(&build("%(f)c", Style::Percent), &r).unwrap_err(),
            "%c requires int or char"
        );
    }

    #[test]
    fn errors_are_pythons_and_leave_the_buffer_alone() {
        let r = rec("hi");
        let f = build("{nope}", Style::Brace);
        let mut out = String::from("keep");
        let e = f.format(&r, &mut out).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Formatting field not found in record: 'nope'"
        );
        assert_eq!(out, "keep");
        // The plans `format` runs out of line: steps that look `asctime` up,
        // and a `%` format run as a whole.
        for (f, want) in [
            (
                "%(asctime)-30s %(nope)s",
                "Formatting field not found in record: 'nope'",
            ),
            ("%(message)s %s", "not enough arguments for format string"),
        ] {
            let mut out = String::from("keep");
            let e = build(f, Style::Percent).format(&r, &mut out).unwrap_err();
            assert_eq!(e.to_string(), want, "{f}");
            assert_eq!(out, "keep", "{f}");
        }
        assert_eq!(
            TextFormatter::builder()
                .format("nothing")
                .build()
                .unwrap_err()
                .to_string(),
            "Invalid format 'nothing' for '%' style"
        );
        assert_eq!(
            TextFormatter::builder()
                .python_style("#")
                .build()
                .unwrap_err()
                .to_string(),
            "Style must be one of: %,{,$"
        );
    }

    #[test]
    fn exception_and_stack_follow_on_new_lines() {
        let mut r = rec("line\n");
        r.exc_text = Some("Traceback".into());
        r.stack_info = Some("Stack".into());
        assert_eq!(
            fmt(&build("%(message)s", Style::Percent), &r).unwrap(),
            "line\nTraceback\nStack"
        );
        let mut r = rec("");
        r.exc_text = Some("E".into());
        let mut out = String::from("prefix\n");
        build("%(message)s", Style::Percent)
            .format(&r, &mut out)
            .unwrap();
        assert_eq!(
            out, "prefix\n\nE",
            "an empty formatted message still gets its newline"
        );
        // The same after the plans `format` runs out of line.
        let mut r = rec("m");
        r.created = 0.5;
        r.exc_text = Some("E".into());
        r.stack_info = Some("S".into());
        assert_eq!(
            fmt(&build("%(asctime)-24s|%(message)s", Style::Percent), &r).unwrap(),
            "1970-01-01 00:00:00,500 |m\nE\nS"
        );
    }

    #[test]
    fn defaults_fill_missing_fields() {
        let f = TextFormatter::builder()
            .format("%(ip)s %(message)s")
            .defaults(vec![("ip".into(), Value::Str("-".into()))])
            .build()
            .unwrap();
        assert_eq!(fmt(&f, &rec("m")).unwrap(), "- m");
    }

    /// Every fast step writes what the general path writes, for records at the
    /// edges the fast steps hand over (before 1970, NaN, infinities, beyond
    /// 2**52), each formatted twice (filling, then reading the `asctime` cache).
    #[test]
    fn fast_steps_write_what_the_general_path_writes() {
        const DATE: Option<&str> = Some("%Y-%m-%d %H:%M:%S");
        let formats: &[(&str, Style, Option<&str>)] = &[
            ("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s", Style::Percent, DATE),
            ("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s", Style::Percent, None),
            ("[%(asctime)s] %(levelname)-8s|%(levelname)8s %(name)-12s: %(message)s", Style::Percent, None),
            ("%(asctime)s%(asctime)s.%(msecs)03d%(msecs)03d|%(msecs)03.0f|%(msecs)03.0F", Style::Percent, DATE),
            ("%(asctime)s.%(msecs)03d", Style::Percent, Some("%d/%b/%Y:%H:%M:%S, a datefmt longer than the inline cache")),
            ("%(lineno)d|%(lineno)5d|%(lineno)-5d|%(lineno)05d|%(lineno)-05d|%(lineno)5s|%(lineno)-5s|%(lineno)i", Style::Percent, None),
            ("%(process)d %(thread)u %(levelno)s %(levelno)03d %(process)12d", Style::Percent, None),
            ("%(filename)s:%(lineno)d %(module)s.%(funcName)s %(pathname)s %(processName)s %(threadName)s", Style::Percent, None),
            ("%(asctime)-30s|%(msecs)03d|%(message)s", Style::Percent, DATE),
            ("%(msecs)03d %(message)s", Style::Percent, None),
            ("%(asctime)s | %(message)s", Style::Percent, DATE),
            ("%(asctime)s | %(msecs)03d", Style::Percent, DATE),
            ("{asctime}.{msecs:03.0f} {levelname} {name} {message}", Style::Brace, DATE),
            ("{asctime}.{msecs:03.0f} {levelname:<8} {name} {message}", Style::Brace, None),
            ("{msecs:03.0f}|{msecs:0>3.0f}|{msecs:03.0F}|{msecs:<03.0f}|{msecs:=03.0f}", Style::Brace, None),
            ("{levelname:<8}|{levelname:8}|{levelname:>8}|{levelname:^9}|{name:>20}", Style::Brace, None),
            ("{lineno:d}|{lineno:5d}|{lineno:<5}|{lineno:05d}|{lineno:<05}|{lineno:*^7}|{lineno:=5}|{lineno:x<5d}|{lineno:-d}", Style::Brace, None),
            ("{process:d} {thread:d} {levelno:d} {levelno:03d} {process:>12} {lineno:0}", Style::Brace, None),
            ("{asctime}{msecs:03.0f}{asctime}", Style::Brace, Some("%H:%M:%S")),
            ("{asctime:>30}|{msecs:03.0f}", Style::Brace, DATE),
            ("${asctime} ${levelname} ${name} ${message}", Style::Dollar, None),
            ("$asctime.$msecs $levelname $lineno $process $thread $levelno", Style::Dollar, DATE),
        ];
        let created = [
            1_738_324_800.123,
            1_709_251_199.999_023_4,
            0.0,
            -0.0,
            0.999_999_9,
            -0.5,
            -1.25,
            -1e-300,
            1e12 + 0.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let msec_formats = [DEFAULT_MSEC_FORMAT, "%s.%03d", "", "%s%%%03d", "%s,%06.2f"];
        let mut compared = 0;
        for &(format, style, datefmt) in formats {
            for msec in msec_formats {
                let builder = || {
                    let b = TextFormatter::builder()
                        .format(format)
                        .style(style)
                        .utc(true)
                        .default_msec_format(msec);
                    match datefmt {
                        Some(d) => b.datefmt(d),
                        None => b,
                    }
                };
                let fast = builder().build().unwrap();
                let general = builder().general_only().build().unwrap();
                for (i, &c) in created.iter().enumerate() {
                    let mut r = LogRecord::new("app.db", Level::new(10 * (i as u32 % 6)), "m {x}");
                    r.created = c;
                    r.lineno = [0, 7, 42, 123_456][i % 4];
                    r.process = [1, 4242, u64::from(u32::MAX) + 1][i % 3];
                    for _ in 0..2 {
                        assert_eq!(
                            fmt(&fast, &r),
                            fmt(&general, &r),
                            "{format:?} datefmt {datefmt:?} msec {msec:?} created {c}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, formats.len() * 5 * created.len() * 2);
    }

    /// The fast steps append without checking the capacity, under one
    /// reservation per record (`fast::Plan::run`; `write::put` asserts the room
    /// in debug builds): every buffer, empty or full to its capacity, and every
    /// length of the record's strings around the short-copy sizes, gets what
    /// the general path writes after what it held.
    #[test]
    fn fast_steps_append_within_any_capacity() {
        let long_literal = "a literal text longer than thirty-two bytes, é";
        let formats = [
            "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s".to_owned(),
            format!("%(asctime)s{long_literal}%(msecs)03d{long_literal}%(message)s{long_literal}"),
            "%(process)d %(thread)d %(lineno)d %(levelno)d|%(funcName)s|%(pathname)s|%(filename)s|%(module)s|%(processName)s|%(threadName)s".to_owned(),
            "%(levelname)-9s|%(lineno)5d|%(message)r|%(name)s%(name)s%(message)s".to_owned(),
            "{asctime} {levelname:<8} {name}: {message} [{process:d}:{lineno:d}]".to_owned(),
            // Literal text around the 16 bytes a step holds (`fast::Lit`): a
            // step's own, one more (the rest in a step of its own), a
            // character across the boundary, and text before the first field.
            format!(
                "{}%(name)s{}%(message)s{}%(levelname)sz{}%(lineno)d{}",
                "<".repeat(17),
                "x".repeat(15),
                "y".repeat(16),
                "é".repeat(10),
                "w".repeat(33),
            ),
            format!(
                "{}%(asctime)s{}%(msecs)03d{}%(message)s",
                "é".repeat(8),
                "-".repeat(16),
                "ü".repeat(9)
            ),
        ];
        let texts: Vec<String> = [0usize, 1, 3, 4, 7, 8, 15, 16, 31, 32, 33, 64, 200]
            .iter()
            .map(|&n| "n".repeat(n))
            .chain(["é".repeat(17), "日本語".to_owned()])
            .collect();
        let mut compared = 0;
        for (i, format) in formats.iter().enumerate() {
            let style = if i == 4 { Style::Brace } else { Style::Percent };
            let builder = || {
                TextFormatter::builder()
                    .format(format.as_str())
                    .style(style)
                    .datefmt("%Y-%m-%d %H:%M:%S")
                    .utc(true)
            };
            let fast = builder().build().unwrap();
            let general = builder().general_only().build().unwrap();
            for name in &texts {
                for message in &texts {
                    let mut r = LogRecord::new(name.as_str(), Level::INFO, message.as_str());
                    r.created = 1_700_000_000.125;
                    r.func_name = message.as_str().into();
                    r.pathname = format!("/src/{name}.rs").into();
                    r.lineno = 123_456;
                    r.process = u64::MAX;
                    let mut want = String::new();
                    general.format(&r, &mut want).unwrap();
                    for (cap, filled) in [(0, 0), (1, 1), (32, 31), (64, 64), (100, 40), (512, 0)] {
                        let mut out = String::with_capacity(cap);
                        out.push_str(&"p".repeat(filled));
                        out.shrink_to(cap.max(filled));
                        fast.format(&r, &mut out).unwrap();
                        assert_eq!(&out[..filled], "p".repeat(filled));
                        assert_eq!(
                            &out[filled..],
                            want,
                            "{format:?} name {name:?} message {message:?} cap {cap}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, formats.len() * texts.len() * texts.len() * 6);
    }

    /// `levelname` from the level table (`Level::inline_name`, copied 16 bytes
    /// whole) writes what the general path writes for every kind of name: a
    /// standard one, a custom one in the table (ASCII or not, empty, the
    /// longest kept inline), one too long for it, a level beyond it, and a
    /// level without a name; into buffers of any capacity.
    #[test]
    fn level_names_from_the_table() {
        // Levels no other test here uses (names are process-wide).
        let named = [
            (11, "NOTICE"),
            (12, ""),
            (13, "fifteen bytes!!"),
            (14, "sixteen bytes!!!"),
            (15, "日本語"),
            (61, "BEYOND"),
        ];
        for (v, name) in named {
            logtree_core::add_level_name(Level::new(v), name);
        }
        let levels = [0, 5, 11, 12, 13, 14, 15, 16, 20, 50, 61, 62, u32::MAX];
        let formats = [
            ("%(levelname)s", Style::Percent),
            (
                "%(levelname)s%(levelname)s|%(name)s %(levelname)s",
                Style::Percent,
            ),
            (
                "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s",
                Style::Percent,
            ),
            ("{levelname}:{levelname:<8}|{levelname:>20}", Style::Brace),
            ("${levelname} $message", Style::Dollar),
            // Padded from the table (`Op::LevelNameLeft`, `Op::LevelNameRight`)
            // up to 16 characters, through the general code beyond.
            (
                "%(levelname)-8s|%(levelname)8s|%(levelname)-0s|%(levelname)3s|%(levelname)-5s",
                Style::Percent,
            ),
            (
                "%(levelname)-15s|%(levelname)15s|%(levelname)-16s|%(levelname)16s|%(levelname)-17s|%(levelname)17s",
                Style::Percent,
            ),
            ("%(levelname)-16s%(levelname)16s%(levelname)-16s", Style::Percent),
            (
                "{levelname:<8}|{levelname:8}|{levelname:>8}|{levelname:1}|{levelname:>0}",
                Style::Brace,
            ),
            (
                "{levelname:16}{levelname:>16}{levelname:<17}|{levelname:>17}|{levelname:^16}",
                Style::Brace,
            ),
        ];
        for (format, style) in formats {
            let builder = || {
                TextFormatter::builder()
                    .format(format)
                    .style(style)
                    .datefmt("%Y-%m-%d %H:%M:%S")
                    .utc(true)
            };
            let fast = builder().build().unwrap();
            let general = builder().general_only().build().unwrap();
            for v in levels {
                let r = {
                    let mut r = LogRecord::new("app", Level::new(v), "m");
                    r.created = 1_700_000_000.125;
                    r
                };
                let mut want = String::new();
                general.format(&r, &mut want).unwrap();
                if format == "%(levelname)s" {
                    let name = named.iter().find(|n| n.0 == v).map(|n| n.1.to_owned());
                    let name = name.unwrap_or_else(|| Level::new(v).name().into_owned());
                    assert_eq!(want, name);
                }
                for (cap, filled) in [(0, 0), (1, 1), (15, 15), (16, 3), (64, 64)] {
                    let mut out = String::with_capacity(cap);
                    out.push_str(&"p".repeat(filled));
                    out.shrink_to(cap.max(filled));
                    fast.format(&r, &mut out).unwrap();
                    assert_eq!(&out[..filled], "p".repeat(filled));
                    assert_eq!(&out[filled..], want, "{format:?} level {v} cap {cap}");
                }
            }
        }
    }

    /// A record formatted by a thread-local's destructor, when the formatter's
    /// own thread-locals may be gone: still formatted, no panic (which would
    /// abort the process here).
    #[test]
    fn formatting_while_the_thread_exits() {
        struct Late(Vec<TextFormatter>, std::sync::mpsc::Sender<String>);
        impl Drop for Late {
            fn drop(&mut self) {
                let r = rec("bye");
                for f in &self.0 {
                    let _ = self.1.send(fmt(f, &r).unwrap_or_else(|e| e));
                }
            }
        }
        thread_local! {
            static LATE: std::cell::RefCell<Option<Late>> = const { std::cell::RefCell::new(None) };
        }
        let long = "%Y-%m-%d %H:%M:%S and enough text to be kept apart from the short ones";
        let formatters = vec![
            build("%(asctime)s.%(msecs)03d %(message)s", Style::Percent),
            build("%(asctime)-25s|%(message)s", Style::Percent),
            TextFormatter::builder()
                .format("%(asctime)s %(message)s")
                .datefmt(long)
                .utc(true)
                .build()
                .unwrap(),
        ];
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // `LATE` first: thread-locals are destroyed in the reverse order of
            // their first use, so the formatter's go before it. Then fill them.
            LATE.with(|l| {
                *l.borrow_mut() = Some(Late(formatters, tx));
                for f in &l.borrow().as_ref().unwrap().0 {
                    fmt(f, &rec("hi")).unwrap();
                }
            });
        })
        .join()
        .unwrap();
        let got: Vec<String> = rx.iter().collect();
        assert_eq!(
            got,
            [
                "2023-11-14 22:13:20,125.125 bye".to_owned(),
                "2023-11-14 22:13:20,125  |bye".to_owned(),
                format!("2023-11-14 22:13:20{} bye", &long[17..]),
            ]
        );
    }

    #[test]
    fn describe_reads_like_python() {
        let f = TextFormatter::builder()
            .format("{message}")
            .style(Style::Brace)
            .datefmt("%H")
            .build()
            .unwrap();
        assert_eq!(
            f.describe(),
            "Formatter('{message}', datefmt='%H', style='{')"
        );
        assert!(!f.uses_time() && f.format_string() == "{message}" && f.datefmt() == Some("%H"));
    }
}
