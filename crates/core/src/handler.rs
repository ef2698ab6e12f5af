//! Handlers: the [`Handler`] trait and [`HandlerCell`], the one place where Python's
//! `Handler.handle` happens.
//!
//! Python's handler is one object holding a level, filters, a formatter, a lock and
//! `emit`. Here the first three live in a [`HandlerCell`] that every stock and
//! custom handler shares, and the handler itself only writes: it receives the record
//! and the text already formatted, outside any lock, into a per-thread buffer that
//! is reused from record to record. Handlers take whatever lock they need inside
//! [`Handler::emit`], for the shortest time: formatting inside a writer's lock is
//! what makes two threads slower than one in most logging crates.
//!
//! A failing handler never stops the program: errors and panics from filters,
//! formatters and `emit` are caught and go to the bounded reporter
//! ([`crate::report`]).

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use crate::filter::Filter;
use crate::formatter::{Formatter, MessageFormatter};
use crate::level::Level;
use crate::record::LogRecord;
use crate::report;

/// Writes records somewhere.
///
/// # For implementors
/// `emit` is called on the logging thread, possibly from many threads at once, with
/// the record and its formatted text (no terminator: add your own, as Python's
/// `StreamHandler.terminator`; [`Handler::emit_line`] can append it in place). Return an error rather than panic; the cell reports
/// it (once per distinct failure) and logging goes on. Handlers that keep records
/// (memory, queue) copy them with [`LogRecord::to_static`]; handlers that do not
/// need text return `false` from [`Handler::needs_text`] so none is made.
pub trait Handler: Send + Sync + 'static {
    /// Writes one record.
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()>;

    /// Writes one record whose text the [`HandlerCell`] formatted into its own
    /// buffer: what the cell calls. The default is [`emit`](Handler::emit) with
    /// [`Line::as_str`]. A handler that writes the text followed by a terminator in
    /// one write overrides it to append the terminator in place
    /// ([`Line::with_suffix`]) rather than copy the text into a buffer of its own.
    /// Both must write the same bytes: callers that format elsewhere (a queue's
    /// listener) call `emit`.
    fn emit_line(&self, record: &LogRecord<'_>, line: Line<'_>) -> io::Result<()> {
        self.emit(record, line.as_str())
    }

    /// Writes out anything buffered.
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    /// Flushes and releases resources. Records may still arrive after `close`
    /// (Python keeps a closed handler on its loggers); what happens to them is the
    /// handler's choice.
    fn close(&self) -> io::Result<()> {
        self.flush()
    }

    /// Whether `emit` uses its `text` argument; `false` skips formatting. Asked
    /// once, when the [`HandlerCell`] is built: the answer must not change.
    fn needs_text(&self) -> bool {
        true
    }

    /// The Python class this handler stands for, or its own name
    /// (`"StreamHandler"`, `"FileHandler"`, ...), for `logtree tree` and reports.
    fn class_name(&self) -> &'static str {
        "Handler"
    }

    /// A one-line description for `logtree tree` (`FileHandler 'app.log'`).
    fn describe(&self) -> String {
        self.class_name().to_owned()
    }

    /// Handlers this one forwards to (a memory handler's target, a queue's
    /// handlers), for `logtree tree`.
    fn targets(&self) -> Vec<Arc<HandlerCell>> {
        Vec::new()
    }

    /// For downcasting to the concrete handler.
    fn as_any(&self) -> &dyn Any;
}

/// A record's formatted text in the buffer the [`HandlerCell`] formatted it into
/// (see [`Handler::emit_line`]). The buffer is shared with the next handlers using
/// the same formatter, so it can only be lent out with a suffix, which is removed
/// again afterwards.
///
/// ```
/// use logtree_core::Line;
/// let mut buf = String::from("record text");
/// let mut line = Line::new(&mut buf);
/// let n = line.with_suffix("\r\n", |full| {
///     assert_eq!(full, "record text\r\n");
///     full.len()
/// });
/// assert_eq!((n, line.as_str()), (13, "record text"));
/// ```
#[derive(Debug)]
pub struct Line<'a> {
    buf: &'a mut String,
}

impl<'a> Line<'a> {
    /// `buf` as a line.
    pub fn new(buf: &'a mut String) -> Line<'a> {
        Line { buf }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.buf
    }

    /// Runs `f` with the text followed by `suffix` (a terminator), appended in
    /// place; the text is as before afterwards.
    ///
    /// For a `StreamHandler` on a writer this replaces copying the text into the
    /// handler's own line buffer (callgrind, `benches/compare` `format` scenario:
    /// `emit` 73 + `memcpy` 21 -> `emit_line` 63 instructions a record; the whole
    /// call 1,967 -> 1,935).
    #[inline]
    pub fn with_suffix<R>(&mut self, suffix: &str, f: impl FnOnce(&str) -> R) -> R {
        let len = self.buf.len();
        match suffix.as_bytes() {
            // The usual `"\n"`: a store, not the short-copy ladder.
            [b] if b.is_ascii() => self.buf.push(char::from(*b)),
            _ => crate::text::push_str(self.buf, suffix),
        }
        // Restored even if `f` panics (the cell catches the panic and goes on with
        // the next handler, which may reuse this text).
        struct Restore<'b> {
            buf: &'b mut String,
            len: usize,
        }
        impl Drop for Restore<'_> {
            #[inline]
            fn drop(&mut self) {
                // SAFETY: `len` is the length the buffer had before the suffix was
                // appended (nothing else can change it meanwhile: `f` only sees a
                // `&str`), so it is within the buffer and on a character boundary.
                // (`truncate` would check the boundary again.)
                unsafe { self.buf.as_mut_vec().set_len(self.len) }
            }
        }
        let restore = Restore { buf: self.buf, len };
        f(restore.buf)
    }
}

/// A handler with its level, filters and formatter: what loggers hold.
///
/// ```
/// use std::sync::Arc;
/// use logtree_core::{HandlerCell, Level, NullHandler};
/// let cell: Arc<HandlerCell> = HandlerCell::builder(NullHandler)
///     .name("discard")
///     .level(Level::ERROR)
///     .build();
/// assert_eq!(cell.level(), Level::ERROR);
/// assert_eq!(cell.name(), Some("discard"));
/// ```
pub struct HandlerCell {
    name: Option<String>,
    level: AtomicU32,
    filters: Vec<Arc<dyn Filter>>,
    formatter: Option<Arc<dyn Formatter>>,
    // The formatter to run: `formatter`'s, or the default. Finding the value inside
    // an `Arc<dyn _>` takes an alignment computation from the vtable on every
    // record; this is the answer, computed once (callgrind, `benches/compare`
    // `file` scenario: 1,851 -> 1,844 instructions a call).
    fmt: FormatterRef,
    handler: Box<dyn Handler>,
    // `FILTERED`, `NO_TEXT` (`handler.needs_text()` asked once: a virtual call per
    // record otherwise) and `FAILING`: 0 for a cell that formats and emits with
    // nothing to check first or report after, which `handle_cached` tests with one
    // compare (callgrind, `benches/compare`: format 1,672 -> 1,670, file 1,678 -> 1,676).
    flags: AtomicU8,
    failures: report::FailureLog,
    seq: u64,
}

static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

/// The cell has filters.
const FILTERED: u8 = 1;
/// The handler does not need text (`Handler::needs_text`).
const NO_TEXT: u8 = 2;
/// The handler's last record failed and no later one was emitted yet.
const FAILING: u8 = 4;

/// A pointer to the formatter a cell runs: into the cell's own
/// `Option<Arc<dyn Formatter>>`, or to the `'static` default.
#[derive(Clone, Copy)]
struct FormatterRef(NonNull<dyn Formatter>);

impl FormatterRef {
    fn of(formatter: &Option<Arc<dyn Formatter>>) -> FormatterRef {
        let f: &dyn Formatter = match formatter {
            Some(f) => &**f,
            None => &DEFAULT_FORMATTER,
        };
        FormatterRef(NonNull::from(f))
    }
}

// SAFETY: the pointer is a shared reference to a `dyn Formatter` (which is `Send +
// Sync`) that lives as long as the cell holding it: the default formatter is a
// `static`, and any other is owned by the same cell's `formatter` `Arc`, which is
// never replaced (the cell has no setter for it). Sharing or sending the pointer is
// sharing or sending that `&dyn Formatter`.
unsafe impl Send for FormatterRef {}
// SAFETY: as for `Send`.
unsafe impl Sync for FormatterRef {}

impl fmt::Debug for HandlerCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerCell")
            .field("name", &self.name)
            .field("level", &self.level())
            .field("handler", &self.handler.describe())
            .finish()
    }
}

/// Builds a [`HandlerCell`].
///
/// | option | default |
/// | --- | --- |
/// | `name` | none |
/// | `level` | `NOTSET` (everything) |
/// | `formatter` | message only, then exception and stack text |
/// | `filter` | none |
#[must_use]
pub struct HandlerCellBuilder {
    name: Option<String>,
    level: Level,
    filters: Vec<Arc<dyn Filter>>,
    formatter: Option<Arc<dyn Formatter>>,
    handler: Box<dyn Handler>,
}

impl fmt::Debug for HandlerCellBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerCellBuilder")
            .field("name", &self.name)
            .finish()
    }
}

impl HandlerCellBuilder {
    /// The handler's name (a configuration's handler id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The least severe level the handler takes.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The formatter.
    pub fn formatter(mut self, formatter: Arc<dyn Formatter>) -> Self {
        self.formatter = Some(formatter);
        self
    }

    /// Adds a filter; every filter must pass.
    pub fn filter(mut self, filter: Arc<dyn Filter>) -> Self {
        self.filters.push(filter);
        self
    }

    /// The cell.
    pub fn build(self) -> Arc<HandlerCell> {
        let flags = if self.filters.is_empty() { 0 } else { FILTERED }
            | if self.handler.needs_text() {
                0
            } else {
                NO_TEXT
            };
        Arc::new(HandlerCell {
            name: self.name,
            level: AtomicU32::new(self.level.value()),
            filters: self.filters,
            fmt: FormatterRef::of(&self.formatter),
            formatter: self.formatter,
            flags: AtomicU8::new(flags),
            handler: self.handler,
            failures: report::FailureLog::default(),
            seq: NEXT_SEQ.fetch_add(1, Ordering::Relaxed),
        })
    }
}

/// Text formatted for the record being dispatched, kept so that the next handler
/// with the same formatter reuses it.
#[derive(Default)]
pub(crate) struct TextCache {
    pub(crate) key: Option<(usize, u32)>,
    pub(crate) text: String,
}

/// This thread's text cache, with the largest capacity it keeps from one record to
/// the next. A record's text is formatted into it in place.
pub(crate) struct LocalText {
    pub(crate) cache: ManuallyDrop<TextCache>,
    /// 0 until [`TEXT_GUARD`] is registered (so the first text to allocate takes
    /// [`LocalText::refit`]), then [`MAX_KEPT`].
    keep: usize,
}

/// The largest text capacity a thread keeps between records.
const MAX_KEPT: usize = 64 * 1024;

impl LocalText {
    /// To call after a record: frees a buffer larger than kept; out of line
    /// registers the guard that frees the buffer at thread exit, or frees it now if
    /// the thread's destructors are running.
    #[inline(always)]
    pub(crate) fn after_record(&mut self) {
        if self.cache.text.capacity() > self.keep {
            self.refit();
        }
    }

    #[cold]
    #[inline(never)]
    fn refit(&mut self) {
        if self.keep == 0 && TEXT_GUARD.try_with(|_| ()).is_ok() {
            self.keep = MAX_KEPT;
        }
        if self.cache.text.capacity() > self.keep {
            self.cache.text = String::new();
        }
    }
}

thread_local! {
    // Const-initialized, and nothing to drop: no lazy-initialization or destructor
    // state to check on each access. What the buffer holds is freed at thread exit
    // by `TEXT_GUARD`, registered before the buffer is first kept (callgrind,
    // `benches/compare`: format 1,564 -> 1,561, file 1,572 -> 1,569).
    pub(crate) static TEXT: RefCell<LocalText> = const {
        RefCell::new(LocalText {
            cache: ManuallyDrop::new(TextCache {
                key: None,
                text: String::new(),
            }),
            keep: 0,
        })
    };
    /// Frees [`TEXT`]'s buffer when the thread exits, and sets its `keep` to 0:
    /// a record logged by a later destructor frees the buffer after itself (the
    /// guard is gone by then, so `refit` cannot register it again).
    static TEXT_GUARD: TextGuard = const { TextGuard };
}

/// See [`TEXT_GUARD`].
struct TextGuard;

impl Drop for TextGuard {
    fn drop(&mut self) {
        let text = TEXT.with(|t| match t.try_borrow_mut() {
            Ok(mut t) => {
                t.keep = 0;
                t.cache.key = None;
                Some(std::mem::take(&mut t.cache.text))
            }
            // Not while a record is dispatched on this thread (destructors do not
            // run inside one); should it be, that record's `refit` frees it.
            Err(_) => None,
        });
        drop(text);
    }
}

/// Runs `f` with this thread's reusable text buffer, borrowed in place; a nested call
/// (a handler that logs) gets a fresh one instead of failing. (Borrowing in place
/// rather than taking the buffer out and putting it back saved ~60 instructions a
/// record, callgrind.)
#[inline(always)]
pub(crate) fn with_text_cache<R>(f: impl FnOnce(&mut TextCache) -> R) -> R {
    let mut f = Some(f);
    let r = TEXT.with(|t| match t.try_borrow_mut() {
        Ok(mut local) => {
            local.cache.key = None;
            let r = (f.take().expect("called once"))(&mut local.cache);
            local.after_record();
            Some(r)
        }
        Err(_) => None,
    });
    match (r, f) {
        (Some(r), _) => r,
        (None, Some(f)) => f(&mut TextCache::default()),
        (None, None) => unreachable!("the closure ran, so the result is there"),
    }
}

static DEFAULT_FORMATTER: MessageFormatter = MessageFormatter;

impl HandlerCell {
    /// A builder for a cell holding `handler`.
    pub fn builder(handler: impl Handler) -> HandlerCellBuilder {
        HandlerCell::builder_boxed(Box::new(handler))
    }

    /// A builder for a cell holding a handler that is already boxed (what
    /// configuration loaders get from a registry of factories).
    pub fn builder_boxed(handler: Box<dyn Handler>) -> HandlerCellBuilder {
        HandlerCellBuilder {
            name: None,
            level: Level::NOTSET,
            filters: Vec::new(),
            formatter: None,
            handler,
        }
    }

    /// Creation order: cells made later have larger numbers.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The handler's name, when it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The least severe level the handler takes.
    pub fn level(&self) -> Level {
        Level::new(self.level.load(Ordering::Relaxed))
    }

    /// Changes the level (an incremental configuration does this).
    pub fn set_level(&self, level: Level) {
        self.level.store(level.value(), Ordering::Relaxed);
    }

    /// The filters.
    pub fn filters(&self) -> &[Arc<dyn Filter>] {
        &self.filters
    }

    /// The formatter, when one was given.
    pub fn formatter(&self) -> Option<&Arc<dyn Formatter>> {
        self.formatter.as_ref()
    }

    /// The handler.
    pub fn handler(&self) -> &dyn Handler {
        &*self.handler
    }

    /// The handler as its concrete type.
    pub fn downcast<H: Handler>(&self) -> Option<&H> {
        self.handler.as_any().downcast_ref::<H>()
    }

    /// Python's `Handler.handle`: filters, then format and emit. The level is not
    /// checked here (loggers check it; a memory handler flushing into its target
    /// bypasses it, as in Python). Returns whether the record was emitted.
    pub fn handle(&self, record: &LogRecord<'_>) -> bool {
        with_text_cache(|cache| self.handle_alone(record, cache))
    }

    /// [`handle`](HandlerCell::handle) with the text cache of the record being
    /// dispatched. `SHARED`: other handlers of the record may reuse the text, so it
    /// is keyed in `cache.key`; without, the cell is the record's only one and
    /// formats into `cache.text` leaving the key alone, which must be `None` (it
    /// then claims no text). A plan with one handler skips the key's compare and
    /// stores (callgrind, `benches/compare`: format 1,600 -> 1,588, file 1,608 -> 1,596).
    #[inline(never)]
    pub(crate) fn handle_cached(&self, record: &LogRecord<'_>, cache: &mut TextCache) -> bool {
        self.handle_with::<true>(record, cache)
    }

    /// [`handle_cached`](HandlerCell::handle_cached) for the record's only cell:
    /// `cache.key` must be `None`. Inlined into the dispatch of a one-handler plan
    /// (callgrind, `benches/compare`: format 1,588 -> 1,564, file 1,596 -> 1,572).
    #[inline(always)]
    pub(crate) fn handle_alone(&self, record: &LogRecord<'_>, cache: &mut TextCache) -> bool {
        self.handle_with::<false>(record, cache)
    }

    #[inline(always)]
    fn handle_with<const SHARED: bool>(
        &self,
        record: &LogRecord<'_>,
        cache: &mut TextCache,
    ) -> bool {
        debug_assert!(SHARED || cache.key.is_none());
        if self.flags.load(Ordering::Relaxed) == 0 {
            // No filter, text needed, not failing: format and emit, and on success
            // nothing to report. (A failure another thread reports meanwhile is
            // ended by the next record emitted, as if this one had checked before
            // that failure.)
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                self.format_emit::<SHARED>(record, cache)
            }));
            return match outcome {
                Ok(Ok(())) => true,
                Ok(Err(err)) => self.failed(err),
                Err(panic) => {
                    cache.key = None;
                    self.panicked(panic)
                }
            };
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.handle_inner::<SHARED>(record, cache)
        }));
        if outcome.is_err() {
            cache.key = None;
        }
        self.settle(outcome)
    }

    /// Emits `text`, already formatted for this cell on another thread or earlier,
    /// without running the filters or the formatter; failures and panics are
    /// reported as by [`handle`](HandlerCell::handle). For forwarders that format
    /// where a record is made and write elsewhere (the queue handler's listener).
    /// Returns whether the record was emitted.
    pub fn emit_formatted(&self, record: &LogRecord<'_>, text: &str) -> bool {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.handler.emit(record, text).map(|()| true)
        }));
        self.settle(outcome)
    }

    /// The outcome of a `handle` or `emit`: reports a failure or a panic, and a
    /// recovery. Only the successful arm is inline; the others call out of line with
    /// what they need, so the success path builds no `Result` in memory (callgrind,
    /// `benches/compare` `file` scenario: -5 instructions a call).
    #[inline]
    fn settle(&self, outcome: std::thread::Result<io::Result<bool>>) -> bool {
        match outcome {
            Ok(Ok(emitted)) => {
                if emitted && self.flags.load(Ordering::Relaxed) & FAILING != 0 {
                    self.recovered();
                }
                emitted
            }
            Ok(Err(err)) => self.failed(err),
            Err(panic) => self.panicked(panic),
        }
    }

    #[cold]
    #[inline(never)]
    fn failed(&self, err: io::Error) -> bool {
        self.fail(&err);
        false
    }

    #[cold]
    #[inline(never)]
    fn panicked(&self, panic: Box<dyn Any + Send>) -> bool {
        let what = panic_text(&*panic);
        self.fail(&io::Error::other(format!("panicked: {what}")));
        false
    }

    fn handle_inner<const SHARED: bool>(
        &self,
        record: &LogRecord<'_>,
        cache: &mut TextCache,
    ) -> io::Result<bool> {
        for f in &self.filters {
            if !f.filter(record) {
                return Ok(false);
            }
        }
        if self.flags.load(Ordering::Relaxed) & NO_TEXT != 0 {
            self.handler.emit(record, "")?;
            return Ok(true);
        }
        self.format_emit::<SHARED>(record, cache)?;
        Ok(true)
    }

    /// Formats the record (or, when `SHARED`, reuses the cached text) and emits it.
    #[inline(always)]
    fn format_emit<const SHARED: bool>(
        &self,
        record: &LogRecord<'_>,
        cache: &mut TextCache,
    ) -> io::Result<()> {
        // SAFETY: see `FormatterRef`: it points to the default formatter or into
        // `self.formatter`, alive while `self` is.
        let fmt: &dyn Formatter = unsafe { self.fmt.0.as_ref() };
        if !SHARED {
            cache.text.clear();
            fmt.format(record, &mut cache.text)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            return self.handler.emit_line(record, Line::new(&mut cache.text));
        }
        let key = (
            fmt as *const dyn Formatter as *const () as usize,
            record.generation(),
        );
        if cache.key != Some(key) {
            cache.text.clear();
            if let Err(e) = fmt.format(record, &mut cache.text) {
                // The text is not this formatter's: no later handler may reuse it.
                // (A panic is caught by `handle_cached`, which does the same.)
                cache.key = None;
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            // A formatter may set attributes (Django's ServerFormatter): then the
            // text belongs to the new generation.
            cache.key = Some((key.0, record.generation()));
        }
        self.handler.emit_line(record, Line::new(&mut cache.text))
    }

    /// Flushes the handler, reporting a failure.
    pub fn flush(&self) {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| self.handler.flush()))
            .unwrap_or_else(|p| Err(io::Error::other(panic_text(&*p))))
        {
            self.fail(&e);
        }
    }

    /// Flushes and closes the handler, reporting a failure.
    pub fn close(&self) {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| self.handler.close()))
            .unwrap_or_else(|p| Err(io::Error::other(panic_text(&*p))))
        {
            self.fail(&e);
        }
    }

    /// Reports a failure of this handler (Python's `handleError`).
    #[cold]
    pub fn fail(&self, err: &dyn std::error::Error) {
        self.flags.fetch_or(FAILING, Ordering::Relaxed);
        let who = self.who();
        self.failures.record(&who, err);
    }

    #[cold]
    fn recovered(&self) {
        self.flags.fetch_and(!FAILING, Ordering::Relaxed);
        self.failures.recovered(&self.who());
    }

    fn who(&self) -> String {
        match &self.name {
            Some(n) => format!("handler {n:?} ({})", self.handler.class_name()),
            None => format!("handler {}", self.handler.class_name()),
        }
    }
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_owned()
    }
}

/// Python's `NullHandler`: takes records and does nothing. It still counts as a
/// handler, so a logger holding one never falls back to the last resort.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullHandler;

impl Handler for NullHandler {
    fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn needs_text(&self) -> bool {
        false
    }
    fn class_name(&self) -> &'static str {
        "NullHandler"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Writes each record, terminated by a newline, to the process's stderr: the
/// last-resort handler (Python's `_StderrHandler`), and a handler of its own.
///
/// Each record is one `write` of the whole line to an unbuffered stderr.
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrHandler;

impl Handler for StderrHandler {
    fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
        use std::io::Write;
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        io::stderr().lock().write_all(line.as_bytes())
    }
    fn emit_line(&self, _: &LogRecord<'_>, mut line: Line<'_>) -> io::Result<()> {
        use std::io::Write;
        line.with_suffix("\n", |full| io::stderr().lock().write_all(full.as_bytes()))
    }
    fn class_name(&self) -> &'static str {
        "_StderrHandler"
    }
    fn describe(&self) -> String {
        "_StderrHandler <stderr>".to_owned()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// A handler whose write panics inside `Line::with_suffix` leaves the shared
    /// text whole for the next handler using the same formatter.
    #[test]
    fn a_panic_inside_with_suffix_leaves_the_text_for_the_next_handler() {
        struct Panics;
        impl Handler for Panics {
            fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
                Ok(())
            }
            fn emit_line(&self, _: &LogRecord<'_>, mut line: Line<'_>) -> io::Result<()> {
                line.with_suffix("!!", |_| panic!("writer exploded"))
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        struct Keep(parking_lot::Mutex<Vec<String>>);
        impl Handler for Keep {
            fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
                self.0.lock().push(text.to_owned());
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let fmt: Arc<dyn Formatter> = Arc::new(MessageFormatter);
        let first = HandlerCell::builder(Panics).formatter(fmt.clone()).build();
        let second = HandlerCell::builder(Keep(Default::default()))
            .formatter(fmt)
            .build();
        let (_guard, lines) = report::capture_for_tests();
        let r = LogRecord::new("a", Level::INFO, "text");
        with_text_cache(|cache| {
            assert!(!first.handle_cached(&r, cache));
            assert!(second.handle_cached(&r, cache));
        });
        let kept = second.downcast::<Keep>().unwrap().0.lock().clone();
        assert_eq!(kept, ["text"]);
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("panicked: writer exploded"), "{lines:?}");
    }
    use parking_lot::Mutex;

    #[derive(Default)]
    pub(crate) struct Capture(pub(crate) Mutex<Vec<String>>);
    impl Handler for Arc<Capture> {
        fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
            self.0.lock().push(text.to_owned());
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    struct Failing;
    impl Handler for Failing {
        fn emit(&self, r: &LogRecord<'_>, _: &str) -> io::Result<()> {
            if r.message == "panic" {
                panic!("boom");
            }
            Err(io::Error::other("disk on fire"))
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn filters_then_default_formatter() {
        let cap = Arc::new(Capture::default());
        let cell = HandlerCell::builder(cap.clone())
            .filter(Arc::new(|r: &LogRecord<'_>| r.message != "drop"))
            .build();
        assert!(cell.handle(&LogRecord::new("a", Level::INFO, "keep")));
        assert!(!cell.handle(&LogRecord::new("a", Level::INFO, "drop")));
        assert_eq!(*cap.0.lock(), vec!["keep"]);
    }

    #[test]
    fn emit_formatted_skips_filters_and_formatter_and_reports_recovery() {
        struct Flaky(Arc<Capture>);
        impl Handler for Flaky {
            fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
                if text == "fail" {
                    return Err(io::Error::other("disk on fire"));
                }
                self.0 .0.lock().push(text.to_owned());
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let cap = Arc::new(Capture::default());
        let cell = HandlerCell::builder(Flaky(cap.clone()))
            .name("f")
            .filter(Arc::new(|_: &LogRecord<'_>| false))
            .build();
        let (_guard, lines) = report::capture_for_tests();
        let r = LogRecord::new("a", Level::INFO, "the message");
        assert!(!cell.handle(&r)); // the filter refuses it
        assert!(cell.emit_formatted(&r, "already formatted"));
        assert!(!cell.emit_formatted(&r, "fail"));
        assert!(cell.emit_formatted(&r, "again"));
        assert_eq!(*cap.0.lock(), ["already formatted", "again"]);
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("disk on fire"), "{lines:?}");
        assert!(lines[1].contains("recovered"), "{lines:?}");
    }

    #[test]
    fn failures_and_panics_do_not_escape() {
        let cell = HandlerCell::builder(Failing).name("bad").build();
        let (_guard, lines) = report::capture_for_tests();
        for _ in 0..100 {
            assert!(!cell.handle(&LogRecord::new("a", Level::INFO, "x")));
        }
        assert!(!cell.handle(&LogRecord::new("a", Level::INFO, "panic")));
        let lines = lines.lock().clone();
        // One report per distinct failure.
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("disk on fire"), "{lines:?}");
        assert!(lines[1].contains("panicked: boom"), "{lines:?}");
    }

    /// The unfiltered cell's fast path: a failure is reported once, a panic too,
    /// the next success reports the recovery, and text formatted before a panic is
    /// not reused.
    #[test]
    fn the_plain_path_reports_failure_panic_and_recovery() {
        struct Flaky(Arc<Capture>);
        impl Handler for Flaky {
            fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
                match text {
                    "fail" => Err(io::Error::other("disk on fire")),
                    "panic" => panic!("boom"),
                    _ => {
                        self.0 .0.lock().push(text.to_owned());
                        Ok(())
                    }
                }
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let cap = Arc::new(Capture::default());
        let cell = HandlerCell::builder(Flaky(cap.clone())).name("f").build();
        let (_guard, lines) = report::capture_for_tests();
        let h = |m: &str| cell.handle(&LogRecord::new("a", Level::INFO, m));
        assert!(h("one"));
        assert!(!h("fail"));
        assert!(!h("fail"));
        assert!(h("two"));
        assert!(h("three"));
        assert!(!h("panic"));
        assert!(h("four"));
        assert_eq!(*cap.0.lock(), ["one", "two", "three", "four"]);
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].contains("disk on fire"), "{lines:?}");
        assert!(lines[1].contains("recovered"), "{lines:?}");
        assert!(lines[2].contains("panicked: boom"), "{lines:?}");
        assert!(lines[3].contains("recovered"), "{lines:?}");
    }
}
