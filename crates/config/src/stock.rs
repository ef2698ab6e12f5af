//! The stock registry: `logging`'s components under their Python names and short
//! native names.
//!
//! | Python name | native name | builds | keyword arguments |
//! | --- | --- | --- | --- |
//! | `logging.StreamHandler` | `stream` | [`StreamHandler`] | `stream` (`ext://sys.stdout`, `ext://sys.stderr`, a registered writer; default stderr) |
//! | `logging.FileHandler` | `file` | [`FileHandler`] | `filename`, `mode`, `encoding`, `delay`, `errors`; native: `flush` |
//! | `logging.handlers.WatchedFileHandler` | `watched_file` | [`WatchedFileHandler`] | as `FileHandler` |
//! | `logging.handlers.RotatingFileHandler` | `rotating_file` | [`RotatingFileHandler`] | as `FileHandler`, `maxBytes`, `backupCount` |
//! | `logging.handlers.TimedRotatingFileHandler` | `timed_rotating_file` | [`TimedRotatingFileHandler`] | `filename`, `when`, `interval`, `backupCount`, `encoding`, `delay`, `utc`, `atTime` (`"HH:MM[:SS]"`), `errors`; native: `flush` |
//! | `logging.handlers.MemoryHandler` | `memory` | [`MemoryHandler`] | `capacity`, `flushLevel`, `target` (a handler id), `flushOnClose` |
//! | `logging.handlers.QueueHandler` | `queue` | [`QueueHandler`] (listener started) | `handlers` (ids), `respect_handler_level`, `queue` (`queue.Queue` with `maxsize`, `queue.SimpleQueue`), `listener` (`logging.handlers.QueueListener`); native: `capacity`, `full_policy` (`"block"`, `"drop_newest"`), `never_drop_level` |
//! | `logging.NullHandler` | `null` | [`logtree_core::NullHandler`] | |
//! | `logging.Filter` | `filter` | [`logtree_core::NameFilter`] | `name` |
//! | `logging.Formatter` | `formatter` | [`TextFormatter`] | `fmt` (`format` in a configuration), `datefmt`, `style`, `validate`, `defaults` |
//! | `ext://sys.stdout`, `ext://sys.stderr` | | [`StdStream`] | |
//!
//! Each entry reads exactly the keyword arguments of the Python constructor it
//! stands for, so a key Python would refuse is refused here too; the few native
//! options are marked as such.
//!
//! File handlers buffer by default (see `logtree_handlers::FlushPolicy`: 32 KiB,
//! written within 1 s, at once from `ERROR` up, and at flush, close and exit). The
//! native `flush` option chooses: `"every_record"` (Python's behaviour),
//! `"buffered"`, or `{capacity = 8192, max_delay = 0.2, flush_level = "WARNING"}`. `"."` may set
//! `terminator` on stream and file handlers, as in Python.
//!
//! File handlers: in a dry run the file is neither created nor opened, but a
//! missing directory is reported as the real build would (Python's
//! `FileNotFoundError` at configuration time).

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use logtree_core::HandlerCell;
use logtree_core::{Formatter, Handler, NameFilter, NullHandler, Value};
use logtree_format::{FormatterError, FormatterErrorKind, TextFormatter, TextFormatterBuilder};
use logtree_handlers::{
    AtTime, FileHandler, FlushPolicy, FullPolicy, MemoryHandler, Mode, QueueHandler,
    RotatingFileHandler, StreamHandler, TimedRotatingFileHandler, WatchedFileHandler, When,
    DEFAULT_QUEUE_CAPACITY,
};
use parking_lot::Mutex;

use crate::args::Args;
use crate::convert::py_repr;
use crate::error::{ArgError, BoxError};
use crate::registry::{Ext, Registry, StdStream};

/// A writer an application registers for `ext://NAME`, to be the `stream` of
/// stream handlers ([`Registry::add_writer`]).
#[derive(Clone)]
pub struct SharedWriter {
    name: String,
    inner: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for SharedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedWriter")
            .field("name", &self.name)
            .finish()
    }
}

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.lock().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.lock().write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.lock().flush()
    }
}

impl Registry {
    /// Registers a writer for `ext://NAME`: stream handlers configured with
    /// `"stream": "ext://NAME"` write to it (every handler to the same writer, one
    /// record at a time).
    pub fn add_writer(&mut self, name: &str, writer: impl Write + Send + 'static) -> &mut Registry {
        let w = SharedWriter {
            name: name.to_owned(),
            inner: Arc::new(Mutex::new(Box::new(writer))),
        };
        self.add_ext_object(name, Arc::new(w))
    }
}

/// A handler crate error as an argument error: option errors name their key.
fn handler_error(e: logtree_handlers::Error) -> BoxError {
    let msg = e.to_string();
    match e.kind() {
        logtree_handlers::ErrorKind::Io => {
            let text = std::error::Error::source(&e).map(|s| s.to_string());
            let about_file = msg.starts_with("cannot open") || msg.starts_with("cannot resolve");
            let mut err =
                ArgError::build(msg, text.map(|t| Box::new(io::Error::other(t)) as BoxError));
            if about_file {
                err.key = Some("filename".to_owned());
            }
            Box::new(err)
        }
        _ => {
            let key = if msg.starts_with("unsupported encoding") {
                Some("encoding")
            } else if msg.starts_with("unknown error handler") {
                Some("errors")
            } else if msg.contains("interval") {
                Some("interval")
            } else {
                None
            };
            Box::new(ArgError::invalid(key, msg))
        }
    }
}

/// The options every file handler shares.
struct FileArgs {
    filename: String,
    flush: Option<FlushPolicy>,
    encoding: Option<String>,
    errors: Option<String>,
    delay: bool,
    terminator: Option<String>,
}

fn file_args(args: &mut Args<'_>) -> Result<FileArgs, ArgError> {
    let filename = args.require_str("filename")?;
    let encoding = args.str("encoding")?;
    let errors = args.str("errors")?;
    let delay = args.bool("delay")?.unwrap_or(false);
    let terminator = args.attr_str("terminator")?;
    let flush = flush_arg(args)?;
    if args.dry_run() && !delay {
        check_directory(&filename)?;
    }
    Ok(FileArgs {
        filename,
        flush,
        encoding,
        errors,
        delay: delay || args.dry_run(),
        terminator,
    })
}

/// logtree's `flush` option of file handlers (not Python's): `"every_record"`
/// (Python's behaviour), `"buffered"` (the default), or a table
/// `{capacity = bytes, max_delay = seconds, flush_level = level}`.
fn flush_arg(args: &mut Args<'_>) -> Result<Option<FlushPolicy>, ArgError> {
    let Some(v) = args.value("flush")? else {
        return Ok(None);
    };
    let bad = |args: &Args<'_>| {
        args.error(
            "flush",
            format!(
                "'flush' must be \"every_record\", \"buffered\" or a table with capacity, max_delay and flush_level, not {}",
                crate::args::describe(&v)
            ),
        )
    };
    match &v {
        serde_json::Value::String(s) if s == "every_record" => {
            Ok(Some(FlushPolicy::every_record()))
        }
        serde_json::Value::String(s) if s == "buffered" => Ok(Some(FlushPolicy::buffered())),
        serde_json::Value::Object(m) => {
            let mut p = FlushPolicy::buffered();
            for (k, item) in m {
                match k.as_str() {
                    "capacity" => {
                        let n = item.as_u64().ok_or_else(|| bad(args))?;
                        p = p.capacity(usize::try_from(n).unwrap_or(usize::MAX));
                    }
                    "max_delay" => {
                        let secs = item
                            .as_f64()
                            .filter(|f| f.is_finite() && *f >= 0.0)
                            .ok_or_else(|| bad(args))?;
                        p = p.max_delay(std::time::Duration::from_secs_f64(secs.min(86_400.0)));
                    }
                    "flush_level" => {
                        let l =
                            crate::args::check_level(item).map_err(|m| args.error("flush", m))?;
                        p = p.flush_level(l);
                    }
                    _ => return Err(bad(args)),
                }
            }
            Ok(Some(p))
        }
        _ => Err(bad(args)),
    }
}

/// In a dry run: the error the real build would give for a missing directory.
fn check_directory(filename: &str) -> Result<(), ArgError> {
    let abs = std::path::absolute(filename).unwrap_or_else(|_| Path::new(filename).to_path_buf());
    if let Some(dir) = abs.parent() {
        if !dir.is_dir() {
            let e = io::Error::new(
                io::ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            );
            let mut err = ArgError::build(
                format!("cannot open '{}'", abs.display()),
                Some(Box::new(e)),
            );
            err.key = Some("filename".to_owned());
            return Err(err);
        }
    }
    Ok(())
}

fn mode_arg(args: &mut Args<'_>) -> Result<Option<Mode>, ArgError> {
    match args.str("mode")? {
        None => Ok(None),
        Some(m) => m
            .parse::<Mode>()
            .map(Some)
            .map_err(|e| args.error("mode", e.to_string())),
    }
}

macro_rules! apply_common {
    ($b:expr, $f:expr) => {{
        let mut b = $b.delay($f.delay);
        if let Some(p) = $f.flush {
            b = b.flush_policy(p);
        }
        if let Some(e) = $f.encoding {
            b = b.encoding(e);
        }
        if let Some(e) = $f.errors {
            b = b.errors(e);
        }
        if let Some(t) = $f.terminator {
            b = b.terminator(t);
        }
        b
    }};
}

fn u32_arg(args: &mut Args<'_>, key: &str) -> Result<Option<u32>, ArgError> {
    match args.uint(key)? {
        None => Ok(None),
        Some(v) => u32::try_from(v)
            .map(Some)
            .map_err(|_| args.error(key, format!("{} is too large: {v}", py_repr(key)))),
    }
}

fn stream_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let mut b = StreamHandler::builder();
    match args.ext("stream")? {
        None => {}
        Some(Ext::Object(o)) => {
            if let Some(s) = o.downcast_ref::<StdStream>() {
                b = match s {
                    StdStream::Stdout => b.stdout(),
                    StdStream::Stderr => b.stderr(),
                };
            } else if let Some(w) = o.downcast_ref::<SharedWriter>() {
                b = b.writer(w.name.clone(), w.clone());
            } else {
                return Err(args
                    .error("stream", "this ext:// object is not a stream")
                    .into());
            }
        }
        Some(Ext::Value(v)) => {
            let hint = match v.as_str() {
                Some(s @ ("sys.stdout" | "sys.stderr")) => format!("; did you mean 'ext://{s}'?"),
                _ => String::new(),
            };
            return Err(args
                .error(
                    "stream",
                    format!(
                        "'stream' must be a stream such as 'ext://sys.stdout', not {}{hint}",
                        crate::args::describe(&v)
                    ),
                )
                .into());
        }
        Some(Ext::Callback(_)) => {
            return Err(args.error("stream", "a callback is not a stream").into())
        }
    }
    if let Some(t) = args.attr_str("terminator")? {
        b = b.terminator(t);
    }
    Ok(Box::new(b.build()))
}

fn file_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let mode = mode_arg(args)?;
    let f = file_args(args)?;
    let mut b = apply_common!(FileHandler::builder(&f.filename), f);
    if let Some(m) = mode {
        b = b.mode(m);
    }
    Ok(Box::new(b.build().map_err(handler_error)?))
}

fn watched_file_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let mode = mode_arg(args)?;
    let f = file_args(args)?;
    let mut b = apply_common!(WatchedFileHandler::builder(&f.filename), f);
    if let Some(m) = mode {
        b = b.mode(m);
    }
    Ok(Box::new(b.build().map_err(handler_error)?))
}

fn rotating_file_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let mode = mode_arg(args)?;
    let max_bytes = args.uint("maxBytes")?.unwrap_or(0);
    let backup_count = u32_arg(args, "backupCount")?.unwrap_or(0);
    let f = file_args(args)?;
    let mut b = apply_common!(RotatingFileHandler::builder(&f.filename), f)
        .max_bytes(max_bytes)
        .backup_count(backup_count);
    if let Some(m) = mode {
        b = b.mode(m);
    }
    Ok(Box::new(b.build().map_err(handler_error)?))
}

fn parse_at_time(s: &str) -> Option<AtTime> {
    let mut parts = s.split(':');
    let h = parts.next()?.trim().parse().ok()?;
    let m = parts.next()?.trim().parse().ok()?;
    let sec = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    AtTime::new(h, m, sec)
}

fn timed_rotating_file_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let when = match args.str("when")? {
        None => None,
        Some(w) => Some(
            w.parse::<When>()
                .map_err(|e| args.error("when", e.to_string()))?,
        ),
    };
    let interval = u32_arg(args, "interval")?;
    let backup_count = u32_arg(args, "backupCount")?.unwrap_or(0);
    let utc = args.bool("utc")?.unwrap_or(false);
    let at_time = match args.str("atTime")? {
        None => None,
        Some(s) => Some(parse_at_time(&s).ok_or_else(|| {
            args.error(
                "atTime",
                format!(
                    "'atTime' must be a time of day such as \"04:30\", not {}",
                    py_repr(&s)
                ),
            )
        })?),
    };
    let f = file_args(args)?;
    let mut b = apply_common!(TimedRotatingFileHandler::builder(&f.filename), f)
        .backup_count(backup_count)
        .utc(utc);
    if let Some(w) = when {
        b = b.when(w);
    }
    if let Some(i) = interval {
        b = b.interval(i);
    }
    if let Some(a) = at_time {
        b = b.at_time(a);
    }
    Ok(Box::new(b.build().map_err(handler_error)?))
}

/// Python's `MemoryHandler(capacity, flushLevel=ERROR, target=None, flushOnClose=True)`.
fn memory_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let capacity = args
        .uint("capacity")?
        .ok_or_else(|| args.missing("capacity"))?;
    let capacity =
        usize::try_from(capacity).map_err(|_| args.error("capacity", "'capacity' is too large"))?;
    let mut b = MemoryHandler::builder(capacity);
    if let Some(l) = args.level("flushLevel")? {
        b = b.flush_level(l);
    }
    if let Some(f) = args.bool("flushOnClose")? {
        b = b.flush_on_close(f);
    }
    if let Some(t) = args.handler("target")? {
        b = b.target(t);
    }
    Ok(Box::new(b.build()))
}

/// What a dry run builds for a handler that would start a thread: its description
/// and targets only.
struct Planned {
    describe: String,
    targets: Vec<Arc<HandlerCell>>,
}

impl Handler for Planned {
    fn emit(&self, _: &logtree_core::LogRecord<'_>, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn needs_text(&self) -> bool {
        false
    }
    fn class_name(&self) -> &'static str {
        "QueueHandler"
    }
    fn describe(&self) -> String {
        self.describe.clone()
    }
    fn targets(&self) -> Vec<Arc<HandlerCell>> {
        self.targets.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The queue's capacity from Python's `queue` specifier: `None` for unbounded.
fn queue_capacity(args: &mut Args<'_>) -> Result<Option<Option<usize>>, ArgError> {
    let Some(v) = args.value("queue")? else {
        return Ok(None);
    };
    let invalid = |args: &Args<'_>| {
        args.error(
            "queue",
            format!(
                "Invalid queue specifier {}: logtree's queue is built in; give \"queue.Queue\" (with \"maxsize\") or \"queue.SimpleQueue\", or use 'capacity'",
                crate::args::describe(&v)
            ),
        )
    };
    let (name, maxsize) = match &v {
        serde_json::Value::String(s) => (s.clone(), None),
        serde_json::Value::Object(m) => {
            let name = m
                .get("()")
                .and_then(|n| n.as_str())
                .ok_or_else(|| invalid(args))?
                .to_owned();
            for k in m.keys() {
                if k != "()" && k != "maxsize" {
                    return Err(invalid(args));
                }
            }
            (name, m.get("maxsize").cloned())
        }
        _ => return Err(invalid(args)),
    };
    match (name.as_str(), maxsize) {
        ("queue.SimpleQueue", None) => Ok(Some(None)),
        ("queue.Queue", None) => Ok(Some(None)),
        ("queue.Queue", Some(m)) => match m.as_u64() {
            Some(0) => Ok(Some(None)),
            Some(n) => Ok(Some(Some(usize::try_from(n).unwrap_or(usize::MAX)))),
            None if m.as_i64().is_some_and(|i| i < 0) => Ok(Some(None)),
            None => Err(invalid(args)),
        },
        _ => Err(invalid(args)),
    }
}

/// Python 3.12's dictConfig `QueueHandler` (with its `QueueListener`), started.
fn queue_handler(args: &mut Args<'_>) -> Result<Box<dyn Handler>, BoxError> {
    let from_queue = queue_capacity(args)?;
    if let Some(l) = args.value("listener")? {
        let name = match &l {
            serde_json::Value::String(s) => Some(s.as_str()),
            serde_json::Value::Object(m) if m.len() == 1 => m.get("()").and_then(|n| n.as_str()),
            _ => None,
        };
        if name != Some("logging.handlers.QueueListener") {
            return Err(args
                .error(
                    "listener",
                    format!(
                        "Invalid listener specifier {}: only logging.handlers.QueueListener",
                        crate::args::describe(&l)
                    ),
                )
                .into());
        }
    }
    let handlers = args.handlers("handlers")?.unwrap_or_default();
    let respect = args.bool("respect_handler_level")?.unwrap_or(false);
    let mut capacity = from_queue.unwrap_or(Some(DEFAULT_QUEUE_CAPACITY));
    if args.has("capacity") {
        capacity = match args.uint("capacity")? {
            None => None,
            Some(0) => {
                return Err(args
                    .error(
                        "capacity",
                        "'capacity' must be at least 1 (null: unbounded)",
                    )
                    .into())
            }
            Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        };
    }
    let policy = match args.str("full_policy")?.as_deref() {
        None | Some("block") => FullPolicy::Block,
        Some("drop_newest") => FullPolicy::DropNewest,
        Some(other) => {
            return Err(args
                .error(
                    "full_policy",
                    format!(
                        "'full_policy' must be \"block\" or \"drop_newest\", not {}",
                        py_repr(other)
                    ),
                )
                .into())
        }
    };
    let never_drop = args.level("never_drop_level")?;
    if args.dry_run() {
        return Ok(Box::new(Planned {
            describe: "QueueHandler (dry run: listener not started)".to_owned(),
            targets: handlers,
        }));
    }
    let mut b = QueueHandler::builder()
        .handlers(handlers)
        .respect_handler_level(respect)
        .capacity(capacity)
        .full_policy(policy);
    if let Some(l) = never_drop {
        b = b.never_drop_level(l);
    }
    Ok(Box::new(b.build().map_err(handler_error)?))
}

/// Python's `logging.Formatter(fmt, datefmt, style, validate, defaults=...)`.
fn text_formatter(args: &mut Args<'_>) -> Result<Arc<dyn Formatter>, BoxError> {
    let f = build_text_formatter(args, TextFormatter::builder(), |b| b.build())?;
    Ok(Arc::new(f))
}

/// Reads Python's `logging.Formatter` keyword arguments — `fmt` (`format` in the
/// `"()"` form), `datefmt`, `style`, `validate`, `defaults` — into `builder`, then
/// builds with `build`; a build error lands on the key that caused it. Components
/// built on [`TextFormatter`] share it (Django's `ServerFormatter` does).
pub fn build_text_formatter<T>(
    args: &mut Args<'_>,
    mut b: TextFormatterBuilder,
    build: impl FnOnce(TextFormatterBuilder) -> Result<T, FormatterError>,
) -> Result<T, ArgError> {
    let fmt_key = if args.has("fmt") || !args.has("format") {
        "fmt"
    } else {
        "format"
    };
    if let Some(f) = args.str(fmt_key)? {
        b = b.format(f);
    }
    if let Some(d) = args.str("datefmt")? {
        b = b.datefmt(d);
    }
    if let Some(s) = args.str("style")? {
        b = b.python_style(&s);
    }
    if let Some(v) = args.bool("validate")? {
        b = b.validate(v);
    }
    if let Some(d) = args.value("defaults")? {
        let serde_json::Value::Object(m) = d else {
            return Err(args.error("defaults", "'defaults' must be a table of field values"));
        };
        let mut defaults = Vec::with_capacity(m.len());
        for (k, v) in m {
            let value = match v {
                serde_json::Value::Null => Value::None,
                serde_json::Value::Bool(b) => Value::Bool(b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int(i128::from(i)),
                    None => match n.as_u64() {
                        Some(u) => Value::Int(i128::from(u)),
                        None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
                    },
                },
                serde_json::Value::String(s) => Value::from(s),
                _ => {
                    return Err(args.error(
                        "defaults",
                        format!("default {} must be a plain value", py_repr(&k)),
                    ))
                }
            };
            defaults.push((k, value));
        }
        b = b.defaults(defaults);
    }
    build(b).map_err(|e| {
        let key = if e.kind() == FormatterErrorKind::UnknownStyle {
            "style"
        } else {
            fmt_key
        };
        args.error(key, e.to_string())
    })
}

pub(crate) fn register(r: &mut Registry) {
    r.add_ext_object("sys.stdout", Arc::new(StdStream::Stdout));
    r.add_ext_object("sys.stderr", Arc::new(StdStream::Stderr));

    r.add_handler(&["logging.StreamHandler", "stream"], stream_handler);
    r.add_handler(&["logging.FileHandler", "file"], file_handler);
    r.add_handler(
        &["logging.handlers.WatchedFileHandler", "watched_file"],
        watched_file_handler,
    );
    r.add_handler(
        &["logging.handlers.RotatingFileHandler", "rotating_file"],
        rotating_file_handler,
    );
    r.add_handler(
        &[
            "logging.handlers.TimedRotatingFileHandler",
            "timed_rotating_file",
        ],
        timed_rotating_file_handler,
    );
    r.add_handler(
        &["logging.handlers.MemoryHandler", "memory"],
        memory_handler,
    );
    r.add_handler(&["logging.handlers.QueueHandler", "queue"], queue_handler);
    r.add_handler(&["logging.NullHandler", "null"], |_args| {
        Ok(Box::new(NullHandler))
    });

    r.add_formatter(&["logging.Formatter", "formatter"], text_formatter);

    r.add_filter(&["logging.Filter", "filter"], |args| {
        let name = args.str("name")?.unwrap_or_default();
        Ok(Arc::new(NameFilter::new(name)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_time_strings() {
        assert!(parse_at_time("04:30").is_some());
        assert!(parse_at_time("23:59:59").is_some());
        assert!(parse_at_time("24:00").is_none());
        assert!(parse_at_time("4").is_none());
        assert!(parse_at_time("1:2:3:4").is_none());
    }
}
