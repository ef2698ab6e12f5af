//! [`MemoryHandler`]: Python's `logging.handlers.MemoryHandler`, which keeps records
//! and hands them to a target handler in bursts.
//!
//! Records are kept as owned copies ([`LogRecord::to_static`]); the handler needs no
//! text ([`Handler::needs_text`] is `false`), so nothing is formatted until the
//! target formats. A flush calls the target cell's [`HandlerCell::handle`]: the
//! target's filters apply but not its level, as in Python.
//!
//! Python's rules, kept: flush when the buffer holds `capacity` records or a record
//! at `flush_level` or above arrives (that record included); `close()` flushes only
//! if `flush_on_close`; but `Manager::shutdown` calls `flush()` before `close()`,
//! so even with `flush_on_close = false` nothing is lost at shutdown (CPython's
//! `logging.shutdown` does the same, see the conformance case
//! `memory_handler_flush_on_close_false_still_flushed_at_shutdown`).
//!
//! Two deliberate differences, both about memory: without a target, Python keeps
//! every record forever; here the buffer keeps the newest `capacity` records. After
//! `close()`, Python drops its target and again buffers forever; here records are
//! dropped.
//!
//! Delivery is serialized by a re-entrant lock taken *outside* the buffer's lock:
//! records reach the target in the order they were buffered, threads only hold the
//! buffer's lock to push, and a target that logs back into this handler does not
//! deadlock.

use std::any::Any;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use logtree_core::{Handler, HandlerCell, Level, LogRecord};
use parking_lot::{Mutex, ReentrantMutex, RwLock};

/// Keeps records and hands them to a target in bursts.
///
/// ```
/// use std::sync::Arc;
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::{MemoryHandler, StreamHandler};
/// let target = HandlerCell::builder(StreamHandler::stdout()).build();
/// let mem = MemoryHandler::builder(100).target(target.clone()).build();
/// let cell = HandlerCell::builder(mem).build();
/// cell.handle(&LogRecord::new("app", Level::INFO, "kept"));
/// assert_eq!(cell.downcast::<MemoryHandler>().unwrap().len(), 1);
/// cell.handle(&LogRecord::new("app", Level::ERROR, "flushes both"));
/// assert_eq!(cell.downcast::<MemoryHandler>().unwrap().len(), 0);
/// ```
#[derive(Debug)]
pub struct MemoryHandler {
    capacity: usize,
    flush_level: Level,
    flush_on_close: bool,
    target: RwLock<Option<Arc<HandlerCell>>>,
    buffer: Mutex<Vec<LogRecord<'static>>>,
    delivering: ReentrantMutex<()>,
    closed: AtomicBool,
}

/// Builds a [`MemoryHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | capacity | (required) records | `capacity` |
/// | `flush_level` | `ERROR` | `flushLevel=ERROR` |
/// | `target` | none | `target=None` |
/// | `flush_on_close` | `true` | `flushOnClose=True` |
#[derive(Debug)]
#[must_use]
pub struct MemoryHandlerBuilder {
    capacity: usize,
    flush_level: Level,
    target: Option<Arc<HandlerCell>>,
    flush_on_close: bool,
}

impl MemoryHandlerBuilder {
    /// Records at this level or above flush the buffer.
    pub fn flush_level(mut self, level: Level) -> Self {
        self.flush_level = level;
        self
    }

    /// The handler that receives the records.
    pub fn target(mut self, target: Arc<HandlerCell>) -> Self {
        self.target = Some(target);
        self
    }

    /// Whether `close()` flushes (a shutdown flushes anyway).
    pub fn flush_on_close(mut self, flush: bool) -> Self {
        self.flush_on_close = flush;
        self
    }

    /// The handler.
    pub fn build(self) -> MemoryHandler {
        MemoryHandler {
            capacity: self.capacity,
            flush_level: self.flush_level,
            flush_on_close: self.flush_on_close,
            target: RwLock::new(self.target),
            buffer: Mutex::new(Vec::with_capacity(self.capacity.min(1024))),
            delivering: ReentrantMutex::new(()),
            closed: AtomicBool::new(false),
        }
    }
}

impl MemoryHandler {
    /// A builder for a handler keeping up to `capacity` records.
    pub fn builder(capacity: usize) -> MemoryHandlerBuilder {
        MemoryHandlerBuilder {
            capacity,
            flush_level: Level::ERROR,
            target: None,
            flush_on_close: true,
        }
    }

    /// Python's `setTarget`.
    pub fn set_target(&self, target: Option<Arc<HandlerCell>>) {
        *self.target.write() = target;
    }

    /// How many records are waiting.
    pub fn len(&self) -> usize {
        self.buffer.lock().len()
    }

    /// Whether no record is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `capacity`.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `flush_level`.
    pub fn flush_level(&self) -> Level {
        self.flush_level
    }

    /// Hands every waiting record to the target, in order.
    fn deliver(&self) {
        let _serial = self.delivering.lock();
        let Some(target) = self.target.read().clone() else {
            return;
        };
        let records = std::mem::take(&mut *self.buffer.lock());
        for r in &records {
            target.handle(r);
        }
    }
}

impl Handler for MemoryHandler {
    fn emit(&self, record: &LogRecord<'_>, _: &str) -> io::Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Ok(());
        }
        let copy = record.to_static();
        let mut buf = self.buffer.lock();
        buf.push(copy);
        let full = buf.len() >= self.capacity;
        if full && self.target.read().is_none() {
            // Nothing could ever take them: keep the newest `capacity`.
            let excess = buf.len() - self.capacity;
            buf.drain(..excess);
            return Ok(());
        }
        drop(buf);
        if full || record.level >= self.flush_level {
            self.deliver();
        }
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        self.deliver();
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        if self.flush_on_close {
            self.deliver();
        }
        self.closed.store(true, Ordering::Release);
        self.buffer.lock().clear();
        Ok(())
    }

    fn needs_text(&self) -> bool {
        false
    }

    fn class_name(&self) -> &'static str {
        "MemoryHandler"
    }

    fn describe(&self) -> String {
        format!(
            "MemoryHandler (capacity {}, flush_level {})",
            self.capacity, self.flush_level
        )
    }

    fn targets(&self) -> Vec<Arc<HandlerCell>> {
        self.target.read().iter().cloned().collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Capture(Mutex<Vec<String>>);
    struct Sink(Arc<Capture>);
    impl Handler for Sink {
        fn emit(&self, r: &LogRecord<'_>, _: &str) -> io::Result<()> {
            self.0 .0.lock().push(r.message.to_string());
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn setup(
        capacity: usize,
        flush_on_close: bool,
    ) -> (Arc<Capture>, Arc<HandlerCell>, Arc<HandlerCell>) {
        let cap = Arc::new(Capture::default());
        let target = HandlerCell::builder(Sink(cap.clone()))
            .level(Level::CRITICAL)
            .build();
        let mem = HandlerCell::builder(
            MemoryHandler::builder(capacity)
                .target(target.clone())
                .flush_on_close(flush_on_close)
                .build(),
        )
        .build();
        (cap, target, mem)
    }

    fn rec(level: Level, msg: &str) -> LogRecord<'_> {
        LogRecord::new("t", level, msg)
    }

    #[test]
    fn flushes_at_capacity_bypassing_target_level() {
        let (cap, _, mem) = setup(3, true);
        mem.handle(&rec(Level::DEBUG, "1"));
        mem.handle(&rec(Level::DEBUG, "2"));
        assert!(cap.0.lock().is_empty());
        mem.handle(&rec(Level::DEBUG, "3"));
        assert_eq!(*cap.0.lock(), ["1", "2", "3"]);
    }

    #[test]
    fn flushes_on_flush_level() {
        let (cap, _, mem) = setup(100, true);
        mem.handle(&rec(Level::INFO, "a"));
        mem.handle(&rec(Level::ERROR, "b"));
        assert_eq!(*cap.0.lock(), ["a", "b"]);
    }

    #[test]
    fn close_respects_flush_on_close_but_shutdown_order_flushes() {
        let (cap, _, mem) = setup(100, false);
        mem.handle(&rec(Level::INFO, "kept"));
        mem.close();
        assert!(cap.0.lock().is_empty());

        let (cap, _, mem) = setup(100, false);
        mem.handle(&rec(Level::INFO, "kept"));
        mem.flush();
        mem.close();
        mem.handle(&rec(Level::ERROR, "after close"));
        assert_eq!(*cap.0.lock(), ["kept"]);
    }

    #[test]
    fn target_filters_apply() {
        let cap = Arc::new(Capture::default());
        let target = HandlerCell::builder(Sink(cap.clone()))
            .filter(Arc::new(|r: &LogRecord<'_>| r.message != "secret"))
            .build();
        let mem = MemoryHandler::builder(2).target(target.clone()).build();
        assert_eq!(mem.targets().len(), 1);
        let mem = HandlerCell::builder(mem).build();
        mem.handle(&rec(Level::INFO, "secret"));
        mem.handle(&rec(Level::INFO, "public"));
        assert_eq!(*cap.0.lock(), ["public"]);
    }

    #[test]
    fn without_target_keeps_the_newest_capacity_records() {
        let mem = MemoryHandler::builder(2).build();
        for m in ["1", "2", "3", "4"] {
            mem.emit(&rec(Level::ERROR, m), "").unwrap();
        }
        assert_eq!(mem.len(), 2);
        let cap = Arc::new(Capture::default());
        mem.set_target(Some(HandlerCell::builder(Sink(cap.clone())).build()));
        mem.flush().unwrap();
        assert_eq!(*cap.0.lock(), ["3", "4"]);
    }

    #[test]
    fn concurrent_producers_deliver_everything_in_per_thread_order() {
        let (cap, _, mem) = setup(7, true);
        std::thread::scope(|s| {
            for t in 0..4 {
                let mem = &mem;
                s.spawn(move || {
                    for i in 0..2000 {
                        mem.handle(&LogRecord::new("t", Level::INFO, format!("{t} {i}")));
                    }
                });
            }
        });
        mem.flush();
        let got = cap.0.lock().clone();
        assert_eq!(got.len(), 8000);
        let mut next = [0u32; 4];
        for m in got {
            let (t, i) = m.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(i.parse::<u32>().unwrap(), next[t]);
            next[t] += 1;
        }
    }
}
