//! [`QueueHandler`] and its listener: Python's `QueueHandler` + `QueueListener`
//! (3.12's dictConfig form, where the queue handler owns its `handlers`), on a
//! `crossbeam-channel`.
//!
//! # The call site
//! `emit` copies the record once ([`LogRecord::to_static`]) and moves it into the
//! channel; no other allocation, no formatting beyond the queue handler's own
//! (Python's `prepare`: the message becomes the formatted text, and the exception
//! and stack text, now inside it, are cleared, so targets do not print them twice).
//!
//! # When the queue is full ([`FullPolicy`])
//! - [`FullPolicy::Block`] (the default): the caller waits for room. Nothing is lost;
//!   a stuck target stalls the application, which is the price of losslessness.
//! - [`FullPolicy::DropNewest`]: the record is dropped and counted
//!   ([`QueueHandler::dropped`]), except records at `never_drop_level` (`ERROR`) or
//!   above, which wait. The listener reports drops with their count once the queue
//!   has drained (at most one line a second, and once more at close).
//!
//! A record logged *by a target, on the listener thread* never blocks (that would be
//! the listener waiting for itself): if the queue is full it is dropped and counted.
//!
//! # Memory ceiling
//! The channel holds at most `capacity` records (default 10,000), preallocated: each
//! slot is about 340 bytes (the record) plus the record's own text, so the default
//! queue uses about 3.4 MB plus the messages in flight. `capacity(None)` gives
//! Python's unbounded queue (no ceiling).
//!
//! # Lifecycle
//! The listener thread starts in `build` (Python's dictConfig leaves it unstarted, a
//! well-known trap, python/cpython#117827). `flush()` waits until everything queued
//! before it has been handled and flushes the targets. `close()` stops the listener
//! after it has handled every queued record, flushes the targets and joins the
//! thread; records arriving after `close()` are handled synchronously on the
//! caller's thread, so none is lost.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use logtree_core::{report, Handler, HandlerCell, Level, LogRecord};
use parking_lot::Mutex;

use crate::error::Error;

/// What a [`QueueHandler`] does when its queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FullPolicy {
    /// Wait for room: lossless.
    #[default]
    Block,
    /// Drop the record and count it (records at `never_drop_level` still wait).
    DropNewest,
}

// Records travel unboxed: one copy, no allocation per record beyond the record's
// own text; the cost is a 340-byte slot per queue entry.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Record(LogRecord<'static>),
    Flush(Sender<()>),
    Stop,
}

struct Shared {
    handlers: Vec<Arc<HandlerCell>>,
    respect_handler_level: bool,
    dropped: AtomicU64,
    capacity: Option<usize>,
    listener: OnceLock<ThreadId>,
}

impl Shared {
    /// Python's `QueueListener.handle`.
    fn dispatch(&self, record: &LogRecord<'_>) {
        for h in &self.handlers {
            if !self.respect_handler_level || record.level >= h.level() {
                h.handle(record);
            }
        }
    }

    fn flush_targets(&self) {
        for h in &self.handlers {
            h.flush();
        }
    }

    fn on_listener(&self) -> bool {
        // A thread-local flag, not `thread::current()` (which clones an `Arc`).
        ON_LISTENER.with(Cell::get) && self.listener.get() == Some(&std::thread::current().id())
    }
}

/// Hands records to a listener thread that passes them to its handlers.
///
/// ```
/// use logtree_core::{HandlerCell, Level, LogRecord};
/// use logtree_handlers::{QueueHandler, StreamHandler};
/// let out = HandlerCell::builder(StreamHandler::stdout()).build();
/// let q = HandlerCell::builder(QueueHandler::builder().handler(out).build().unwrap()).build();
/// q.handle(&LogRecord::new("app", Level::INFO, "written by the listener thread"));
/// q.close(); // waits until it is written
/// ```
pub struct QueueHandler {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    shared: Arc<Shared>,
    policy: FullPolicy,
    never_drop_level: Level,
    closed: AtomicBool,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for QueueHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueHandler")
            .field("capacity", &self.shared.capacity)
            .field("policy", &self.policy)
            .field("handlers", &self.shared.handlers.len())
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// Builds a [`QueueHandler`].
///
/// | option | default | Python |
/// | --- | --- | --- |
/// | `handler` (repeatable) | none | `handlers` (3.12 dictConfig) |
/// | `respect_handler_level` | `false` | `respect_handler_level=False` |
/// | `capacity` | `Some(10_000)` records; `None`: unbounded | `queue.Queue()`: unbounded |
/// | `full_policy` | [`FullPolicy::Block`] | blocks (`put` on a bounded queue) |
/// | `never_drop_level` | `ERROR` | none |
#[derive(Debug)]
#[must_use]
pub struct QueueHandlerBuilder {
    handlers: Vec<Arc<HandlerCell>>,
    respect_handler_level: bool,
    capacity: Option<usize>,
    policy: FullPolicy,
    never_drop_level: Level,
}

/// The default queue capacity, in records.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

impl QueueHandlerBuilder {
    /// Adds a handler the listener passes records to.
    pub fn handler(mut self, handler: Arc<HandlerCell>) -> Self {
        self.handlers.push(handler);
        self
    }

    /// Adds handlers.
    pub fn handlers(mut self, handlers: impl IntoIterator<Item = Arc<HandlerCell>>) -> Self {
        self.handlers.extend(handlers);
        self
    }

    /// Python's `respect_handler_level`: skip handlers whose level the record does
    /// not reach (otherwise each handler's `handle` is called, which does not check
    /// the level).
    pub fn respect_handler_level(mut self, respect: bool) -> Self {
        self.respect_handler_level = respect;
        self
    }

    /// The most records queued at once; `None` for no limit.
    pub fn capacity(mut self, capacity: Option<usize>) -> Self {
        self.capacity = capacity;
        self
    }

    /// What to do when the queue is full.
    pub fn full_policy(mut self, policy: FullPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// With [`FullPolicy::DropNewest`], records at this level or above wait instead
    /// of being dropped.
    pub fn never_drop_level(mut self, level: Level) -> Self {
        self.never_drop_level = level;
        self
    }

    /// The handler, with its listener thread running.
    pub fn build(self) -> Result<QueueHandler, Error> {
        if self.capacity == Some(0) {
            return Err(Error::invalid(
                "invalid queue capacity 0: must be at least 1",
            ));
        }
        let (tx, rx) = match self.capacity {
            Some(n) => crossbeam_channel::bounded(n),
            None => crossbeam_channel::unbounded(),
        };
        let shared = Arc::new(Shared {
            handlers: self.handlers,
            respect_handler_level: self.respect_handler_level,
            dropped: AtomicU64::new(0),
            capacity: self.capacity,
            listener: OnceLock::new(),
        });
        let (s, r) = (shared.clone(), rx.clone());
        let thread = std::thread::Builder::new()
            .name("logtree-queue".to_owned())
            .spawn(move || listen(&s, &r))
            .map_err(|e| Error::io("cannot start the queue listener thread", e))?;
        let _ = shared.listener.set(thread.thread().id());
        Ok(QueueHandler {
            tx,
            rx,
            shared,
            policy: self.policy,
            never_drop_level: self.never_drop_level,
            closed: AtomicBool::new(false),
            thread: Mutex::new(Some(thread)),
        })
    }
}

thread_local! {
    /// Set on queue listener threads.
    static ON_LISTENER: Cell<bool> = const { Cell::new(false) };
}

fn listen(shared: &Shared, rx: &Receiver<Msg>) {
    ON_LISTENER.with(|f| f.set(true));
    let mut reporter = DropReporter::default();
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Record(r) => shared.dispatch(&r),
            Msg::Flush(ack) => {
                shared.flush_targets();
                let _ = ack.send(());
            }
            Msg::Stop => break,
        }
        if rx.is_empty() {
            reporter.maybe_report(shared, false);
        }
    }
    // Stop: handle whatever is still queued.
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Record(r) => shared.dispatch(&r),
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            Msg::Stop => {}
        }
    }
    shared.flush_targets();
    reporter.maybe_report(shared, true);
}

#[derive(Default)]
struct DropReporter {
    reported: u64,
    last: Option<Instant>,
}

impl DropReporter {
    fn maybe_report(&mut self, shared: &Shared, force: bool) {
        let total = shared.dropped.load(Ordering::Relaxed);
        if total == self.reported {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last
                .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        let n = total - self.reported;
        self.reported = total;
        self.last = Some(now);
        let cap = shared
            .capacity
            .map_or_else(|| "unbounded".to_owned(), |c| format!("capacity {c}"));
        report::report(&format!(
            "QueueHandler ({cap}) dropped {n} record{} because its queue was full ({total} in all)",
            if n == 1 { "" } else { "s" }
        ));
    }
}

impl QueueHandler {
    /// A builder.
    pub fn builder() -> QueueHandlerBuilder {
        QueueHandlerBuilder {
            handlers: Vec::new(),
            respect_handler_level: false,
            capacity: Some(DEFAULT_QUEUE_CAPACITY),
            policy: FullPolicy::Block,
            never_drop_level: Level::ERROR,
        }
    }

    /// Records dropped because the queue was full, since the handler was built.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Records waiting in the queue.
    pub fn queued(&self) -> usize {
        self.tx.len()
    }

    /// The handlers the listener passes records to.
    pub fn handlers(&self) -> &[Arc<HandlerCell>] {
        &self.shared.handlers
    }

    /// Whether the listener skips handlers whose level a record does not reach.
    pub fn respects_handler_level(&self) -> bool {
        self.shared.respect_handler_level
    }

    fn count_drop(&self) {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// After `close`: handle what a racing `emit` left in the channel.
    fn drain_here(&self) {
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Record(r) => self.shared.dispatch(&r),
                Msg::Flush(ack) => {
                    let _ = ack.send(());
                }
                Msg::Stop => {}
            }
        }
    }
}

/// Python's `QueueHandler.prepare`: the message becomes the formatted text.
fn prepare(record: &LogRecord<'_>, text: &str) -> LogRecord<'static> {
    record.to_static_prepared(text)
}

impl Handler for QueueHandler {
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()> {
        let r = prepare(record, text);
        if self.closed.load(Ordering::SeqCst) {
            self.shared.dispatch(&r);
            return Ok(());
        }
        let msg = Msg::Record(r);
        let sent = if self.shared.on_listener() {
            match self.tx.try_send(msg) {
                Err(TrySendError::Full(_)) => {
                    self.count_drop();
                    return Ok(());
                }
                other => other.map_err(|e| e.into_inner()),
            }
        } else {
            match self.policy {
                FullPolicy::Block => self.tx.send(msg).map_err(|e| e.into_inner()),
                FullPolicy::DropNewest => match self.tx.try_send(msg) {
                    Ok(()) => Ok(()),
                    Err(TrySendError::Full(m)) => {
                        if record.level >= self.never_drop_level {
                            self.tx.send(m).map_err(|e| e.into_inner())
                        } else {
                            self.count_drop();
                            return Ok(());
                        }
                    }
                    Err(TrySendError::Disconnected(m)) => Err(m),
                },
            }
        };
        match sent {
            Ok(()) => {
                // `close` may have drained the channel for the last time between our
                // check and our send: then the record is ours to handle.
                if self.closed.load(Ordering::SeqCst) {
                    self.drain_here();
                }
            }
            Err(Msg::Record(r)) => self.shared.dispatch(&r),
            Err(_) => {}
        }
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        if self.closed.load(Ordering::SeqCst) || self.shared.on_listener() {
            self.drain_here();
            self.shared.flush_targets();
            return Ok(());
        }
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.tx.send(Msg::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv();
        }
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        if self.shared.on_listener() {
            // A target closing its own queue: the listener stops after this record.
            let _ = self.tx.try_send(Msg::Stop);
            return Ok(());
        }
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
        self.drain_here();
        Ok(())
    }

    fn class_name(&self) -> &'static str {
        "QueueHandler"
    }

    fn describe(&self) -> String {
        let cap = self
            .shared
            .capacity
            .map_or_else(|| "unbounded".to_owned(), |c| format!("capacity {c}"));
        format!("QueueHandler ({cap}, {:?})", self.policy)
    }

    fn targets(&self) -> Vec<Arc<HandlerCell>> {
        self.shared.handlers.clone()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for QueueHandler {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    #[derive(Default)]
    struct Capture(Mutex<Vec<String>>);
    struct Sink {
        cap: Arc<Capture>,
        /// When set: announce the first record, then wait for a go.
        gate: Option<(Sender<()>, Receiver<()>)>,
        seen: AtomicU64,
    }
    impl Handler for Sink {
        fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
            if self.seen.fetch_add(1, Ordering::SeqCst) == 0 {
                if let Some((entered, go)) = &self.gate {
                    entered.send(()).unwrap();
                    go.recv().unwrap();
                }
            }
            self.cap.0.lock().push(text.to_owned());
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn sink(gate: Option<(Sender<()>, Receiver<()>)>) -> (Arc<Capture>, Arc<HandlerCell>) {
        let cap = Arc::new(Capture::default());
        let cell = HandlerCell::builder(Sink {
            cap: cap.clone(),
            gate,
            seen: AtomicU64::new(0),
        })
        .build();
        (cap, cell)
    }

    fn rec(level: Level, msg: &str) -> LogRecord<'_> {
        LogRecord::new("t", level, msg)
    }

    #[test]
    fn block_delivers_everything_in_per_thread_order() {
        let (cap, target) = sink(None);
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(16))
                .handler(target)
                .build()
                .unwrap(),
        )
        .build();
        std::thread::scope(|s| {
            for t in 0..4 {
                let q = &q;
                s.spawn(move || {
                    for i in 0..5000 {
                        q.handle(&LogRecord::new("t", Level::INFO, format!("{t} {i}")));
                    }
                });
            }
        });
        q.close();
        let got = cap.0.lock().clone();
        assert_eq!(got.len(), 20_000);
        let mut next = [0u32; 4];
        for m in got {
            let (t, i) = m.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(
                i.parse::<u32>().unwrap(),
                next[t],
                "thread {t} out of order"
            );
            next[t] += 1;
        }
        assert_eq!(q.downcast::<QueueHandler>().unwrap().dropped(), 0);
    }

    #[test]
    fn drop_newest_counts_exactly_and_reports_once_drained() {
        let (entered_tx, entered_rx) = bounded(1);
        let (go_tx, go_rx) = bounded(1);
        let (cap, target) = sink(Some((entered_tx, go_rx)));
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(4))
                .full_policy(FullPolicy::DropNewest)
                .handler(target)
                .build()
                .unwrap(),
        )
        .build();
        let (_g, lines) = report::capture_for_tests();
        q.handle(&rec(Level::INFO, "first"));
        entered_rx.recv().unwrap(); // the listener holds "first"; the queue is empty
        for i in 0..10 {
            q.handle(&LogRecord::new("t", Level::INFO, format!("r{i}")));
        }
        let qh = q.downcast::<QueueHandler>().unwrap();
        assert_eq!(qh.dropped(), 6);
        assert_eq!(qh.queued(), 4);
        go_tx.send(()).unwrap();
        q.close();
        assert_eq!(*cap.0.lock(), ["first", "r0", "r1", "r2", "r3"]);
        assert_eq!(cap.0.lock().len() as u64 + qh.dropped(), 11);
        assert_eq!(
            *lines.lock(),
            ["QueueHandler (capacity 4) dropped 6 records because its queue was full (6 in all)"]
        );
    }

    #[test]
    fn records_at_never_drop_level_wait_instead() {
        // Drops are reported: keep the report away from tests that capture it.
        let (_g, _lines) = report::capture_for_tests();
        let (entered_tx, entered_rx) = bounded(1);
        let (go_tx, go_rx) = bounded(1);
        let (cap, target) = sink(Some((entered_tx, go_rx)));
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(1))
                .full_policy(FullPolicy::DropNewest)
                .handler(target)
                .build()
                .unwrap(),
        )
        .build();
        q.handle(&rec(Level::INFO, "first"));
        entered_rx.recv().unwrap();
        q.handle(&rec(Level::INFO, "queued"));
        q.handle(&rec(Level::INFO, "dropped"));
        std::thread::scope(|s| {
            let q = &q;
            let waiter = s.spawn(move || q.handle(&rec(Level::ERROR, "kept")));
            // The error record cannot be queued until the listener moves on.
            go_tx.send(()).unwrap();
            waiter.join().unwrap();
        });
        q.close();
        assert_eq!(*cap.0.lock(), ["first", "queued", "kept"]);
        assert_eq!(q.downcast::<QueueHandler>().unwrap().dropped(), 1);
    }

    #[test]
    fn flush_waits_for_the_queue_and_close_then_handles_synchronously() {
        let (cap, target) = sink(None);
        let q =
            HandlerCell::builder(QueueHandler::builder().handler(target).build().unwrap()).build();
        for i in 0..100 {
            q.handle(&LogRecord::new("t", Level::INFO, format!("{i}")));
        }
        q.flush();
        assert_eq!(cap.0.lock().len(), 100);
        q.close();
        q.handle(&rec(Level::INFO, "after close"));
        assert_eq!(cap.0.lock().last().unwrap(), "after close");
    }

    #[test]
    fn respect_handler_level() {
        for (respect, expected) in [(false, vec!["debug", "error"]), (true, vec!["error"])] {
            let cap = Arc::new(Capture::default());
            let target = HandlerCell::builder(Sink {
                cap: cap.clone(),
                gate: None,
                seen: AtomicU64::new(0),
            })
            .level(Level::WARNING)
            .build();
            let q = HandlerCell::builder(
                QueueHandler::builder()
                    .handler(target)
                    .respect_handler_level(respect)
                    .build()
                    .unwrap(),
            )
            .build();
            q.handle(&rec(Level::DEBUG, "debug"));
            q.handle(&rec(Level::ERROR, "error"));
            q.close();
            assert_eq!(*cap.0.lock(), expected);
        }
    }

    #[test]
    fn prepare_moves_exception_text_into_the_message() {
        let (cap, target) = sink(None);
        let q =
            HandlerCell::builder(QueueHandler::builder().handler(target).build().unwrap()).build();
        let mut r = rec(Level::ERROR, "boom");
        r.exc_text = Some("Traceback: x".into());
        q.handle(&r);
        q.close();
        // Formatted once by the queue handler (message + exception), and the target
        // does not append the exception a second time.
        assert_eq!(*cap.0.lock(), ["boom\nTraceback: x"]);
    }

    #[test]
    fn a_target_logging_into_its_own_full_queue_does_not_deadlock() {
        // Drops are reported: keep the report away from tests that capture it.
        let (_g, _lines) = report::capture_for_tests();
        struct Loop {
            queue: OnceLock<Arc<HandlerCell>>,
            cap: Capture,
            done: Sender<()>,
        }
        struct LoopSink(Arc<Loop>);
        impl Handler for LoopSink {
            fn emit(&self, r: &LogRecord<'_>, text: &str) -> io::Result<()> {
                self.0.cap.0.lock().push(text.to_owned());
                if r.message == "outer" {
                    for _ in 0..10 {
                        self.0
                            .queue
                            .get()
                            .unwrap()
                            .handle(&rec(Level::INFO, "inner"));
                    }
                    self.0.done.send(()).unwrap();
                }
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let (done, done_rx) = bounded(1);
        let lp = Arc::new(Loop {
            queue: OnceLock::new(),
            cap: Capture::default(),
            done,
        });
        let target = HandlerCell::builder(LoopSink(lp.clone())).build();
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(2))
                .handler(target)
                .build()
                .unwrap(),
        )
        .build();
        lp.queue.set(q.clone()).unwrap();
        q.handle(&rec(Level::INFO, "outer"));
        // The listener, handling "outer", queued two "inner" records and dropped
        // the rest rather than wait for itself.
        done_rx.recv().unwrap();
        q.close();
        let inner = lp.cap.0.lock().iter().filter(|m| *m == "inner").count();
        assert_eq!(inner, 2);
        assert_eq!(q.downcast::<QueueHandler>().unwrap().dropped(), 8);
    }

    #[test]
    fn zero_capacity_is_refused() {
        let e = QueueHandler::builder()
            .capacity(Some(0))
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid queue capacity 0: must be at least 1"
        );
    }
}
