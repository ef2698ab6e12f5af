//! [`QueueHandler`] and its listener: Python's `QueueHandler` + `QueueListener`
//! (3.12's dictConfig form, where the queue handler owns its `handlers`).
//!
//! # What crosses the queue
//! Python's `QueueHandler.prepare` copies the record, makes the formatted text its
//! message and clears the exception and stack (they are inside the text now); the
//! listener's handlers then format that copy with their own formatters. Copying a
//! record (about 450 bytes, plus its text), moving it through a channel and dropping
//! it on the other side costs more than formatting it, so when the outcome is known
//! on the calling thread, only text crosses. Each target handler is given a *route*
//! when the queue is built:
//!
//! | target | route | what crosses |
//! | --- | --- | --- |
//! | a stock text handler (stream, file, watched, rotating, timed), no filters, no formatter | same text | the queue handler's text: the copy's message, formatted again by `%(message)s`, is exactly that text |
//! | a stock text handler, no filters, a formatter | formatted on the caller | the target's formatter runs on the calling thread, when the copy would not differ from the record for it: the queue's text is the record's message and the record has no exception, stack, error, backtrace or attribute set during dispatch. Otherwise the record goes as a copy. |
//! | `NullHandler` without filters | none | nothing |
//! | anything else (filters, custom handlers, memory, e-mail, another queue) | record | the prepared copy; the listener runs the target's `handle` (filters, formatter) |
//!
//! A record takes the text road only when every target can; otherwise the copy goes,
//! for all of them. Either way each target sees the same text, in the same order,
//! with its terminator, its level check (`respect_handler_level`) and its failure
//! reports. [`QueueHandlerBuilder::format_on_caller`]`(false)` keeps formatting on
//! the listener (Python's split of the work) for formatters too slow for the
//! calling thread. A formatter that sets an attribute on the record (Django's
//! `ServerFormatter`) is noticed the first time and its target goes by record from
//! then on (that first record's attribute stays on the caller's record, where
//! handlers after the queue can see it).
//!
//! # The queue
//! Not a channel of records: two batches that swap. Callers append under a mutex
//! (the text to one reused `String`, a 32-byte entry per target, or the record to a
//! reused `Vec`); the listener takes the whole batch in one swap and writes it
//! outside the lock, while callers fill the other. Nothing is allocated per record
//! once the buffers have grown.
//!
//! Measured on the comparison workload (`benches/compare`, async scenario: the `log`
//! bridge, the `%`-style layout on a `FileHandler` behind the queue, 2-core machine,
//! release), against the record copy through a `crossbeam-channel` it replaces:
//!
//! | | before | after |
//! | --- | --- | --- |
//! | instructions per call, all threads (`--callgrind`) | 4,776 | 3,005 |
//! | call site, `run.sh` (5 rounds) | 274 ns | 243 ns (spdlog-rs 310 ns) |
//! | call site, 7 alternating runs of 100,000 calls (median, range) | 604 ns (320–749) | 242 ns (230–345) |
//! | `cargo bench --bench handlers`, `queue_call_site`, 5 alternating runs | 262 ns (256–291) | 237 ns (230–244) |
//! | the same on one CPU (`taskset -c 0`), call site / until written, 3 runs | 211–220 / 333–344 ns | 170–180 / 195–205 ns |
//!
//! (On the shared 2-core machine whole runs of either version sometimes take two to
//! three times as long, with the same number of context switches: compare figures
//! only within one alternating series.)
//!
//! # When the queue is full ([`FullPolicy`])
//! `capacity` counts records waiting (not yet taken by the listener).
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
//! At most `capacity` records wait (default 10,000), plus the batch the listener is
//! writing (at most `capacity` more). A waiting record costs its formatted text plus
//! 32 bytes per target on the text road, or about 450 bytes plus its text as a copy:
//! the default queue holds about 2 MB of 69-byte lines at worst. `capacity(None)`
//! gives Python's unbounded queue (no ceiling). Buffers grown by a burst are
//! released after it (an idle batch keeps at most 1 MiB of text).
//!
//! # Lifecycle
//! The listener thread starts in `build` (Python's dictConfig leaves it unstarted, a
//! well-known trap, python/cpython#117827). `flush()` waits until everything queued
//! before it has been handled and flushes the targets. `close()` stops the listener
//! after it has handled every queued record, flushes the targets and joins the
//! thread; records arriving once the listener has stopped are handled synchronously
//! on the caller's thread, so none is lost and each thread's records stay in order.
//!
//! ## At process exit
//! [`ShutdownGuard`](crate::ShutdownGuard) / `Manager::shutdown` is the orderly
//! way. Without it (`std::process::exit`, or `main` returning without a guard) an
//! `atexit` hook, registered once (the one that writes file buffers,
//! `flusher.rs`), drains every queue not yet closed, newest first, *before* it
//! writes the file buffers, so text a queue hands to a buffered [`FileHandler`]
//! reaches the file:
//! 1. the queue is marked closing and the hook waits, at most 1.5 s, for the
//!    listener to write the batch it holds and everything queued behind it (as
//!    `close`, without the join); callers on other threads keep queueing meanwhile;
//! 2. if the listener has not finished (a target is stuck, or `exit` was called by a
//!    target on the listener thread itself), a helper thread takes its place and
//!    writes what is queued, in order, until the queue is empty; the listener stops
//!    when it comes back, without taking another batch;
//! 3. the targets are flushed; then callers write synchronously, as after `close`.
//!
//! Steps 2–3 run on a helper thread the hook waits for at most 1 s, so a target
//! that is stuck, or whose lock the exiting thread holds (`exit` called inside it),
//! cannot hang the exit; all queues together get at most about 3 s (each at least
//! 0.1 s). Nothing is added to the per-record path: the registry is a list of weak
//! references, touched when a queue is built and at exit.
//!
//! Measured (`tests/reliability.rs`, debug build): 50,000 records through a queue
//! into a buffered file and a slow target, `exit(0)` right after the last call
//! (1,300–8,500 still queued): all 50,000 lines in the file, whole and in order, on
//! both roads, the child done in about 0.6 s. A listener stuck 60 s in a target:
//! the exit takes 1.6 s and every record queued behind it is written.
//!
//! What is still lost:
//! - everything, on `_exit`, `abort`, a fatal signal, `SIGKILL`, or a panic with
//!   `panic = "abort"` (no `atexit` hooks run); an unwinding panic out of `main`
//!   runs them;
//! - with the listener stuck beyond 1.5 s: the rest of the batch it is writing
//!   (up to `capacity` records; if it is only slow and comes back while the helper
//!   writes, that rest may land after records queued behind it); and, if it is
//!   stuck inside a target's own lock, whatever is queued behind it (the helper
//!   blocks on that lock too, and the exit goes on after 1 s);
//! - `exit` called by a target on the listener thread: the rest of the batch the
//!   listener was writing (records queued after it are written);
//! - whatever other threads log while the exit runs beyond the hook's time.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use logtree_core::{
    report, Formatter, Handler, HandlerCell, Level, LogRecord, NullHandler, StderrHandler,
};
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::error::Error;
use crate::{
    FileHandler, RotatingFileHandler, StreamHandler, TimedRotatingFileHandler, WatchedFileHandler,
};

/// What a [`QueueHandler`] does when its queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FullPolicy {
    /// Wait for room: lossless.
    #[default]
    Block,
    /// Drop the record and count it (records at `never_drop_level` still wait).
    DropNewest,
}

/// How records reach one target (see the module docs).
enum Route {
    /// The queue handler's text is the target's text.
    Same,
    /// The target's formatter runs on the calling thread.
    Format(Arc<dyn Formatter>),
    /// Nothing to do (a `NullHandler` without filters).
    Skip,
    /// The prepared copy, handled on the listener.
    Record,
}

struct Target {
    cell: Arc<HandlerCell>,
    route: Route,
    /// Cleared when the formatter turned out to change records: then the target
    /// goes by record.
    on_caller: AtomicBool,
}

/// Whether `h`'s `emit` reads nothing of the record but its level: then the
/// listener may hand it text with a stand-in record of that level.
fn writes_text(h: &dyn Handler) -> bool {
    let any = h.as_any();
    any.is::<FileHandler>()
        || any.is::<StreamHandler>()
        || any.is::<WatchedFileHandler>()
        || any.is::<RotatingFileHandler>()
        || any.is::<TimedRotatingFileHandler>()
        || any.is::<StderrHandler>()
}

fn route(cell: &HandlerCell, format_on_caller: bool) -> Route {
    if !cell.filters().is_empty() {
        return Route::Record;
    }
    let h = cell.handler();
    if h.as_any().is::<NullHandler>() {
        return Route::Skip;
    }
    if !writes_text(h) {
        return Route::Record;
    }
    match cell.formatter() {
        None => Route::Same,
        Some(f) if format_on_caller => Route::Format(f.clone()),
        Some(_) => Route::Record,
    }
}

/// One queued item. Texts live in [`Batch::text`], records in [`Batch::records`].
enum Entry {
    /// `text[start..end]` for `targets[target]`, from a record at `level`.
    Text {
        target: u32,
        level: Level,
        start: usize,
        end: usize,
    },
    /// The next record of [`Batch::records`], for every target.
    Record,
    /// Flush the targets, then acknowledge the ticket.
    Flush(u64),
}

/// What callers fill and the listener writes, in turn.
#[derive(Default)]
struct Batch {
    entries: Vec<Entry>,
    text: String,
    records: Vec<LogRecord<'static>>,
    /// Records (not entries) in the batch: what the capacity counts.
    count: usize,
}

/// Text kept by an idle batch; a burst's larger buffer is released.
const MAX_KEPT_TEXT: usize = 1 << 20;
/// Entries kept by an idle batch.
const MAX_KEPT_ENTRIES: usize = 1 << 15;
/// Record slots kept by an idle batch (about 450 bytes each).
const MAX_KEPT_RECORDS: usize = 1 << 10;

impl Batch {
    fn clear(&mut self) {
        self.entries.clear();
        self.text.clear();
        self.records.clear();
        self.count = 0;
        if self.text.capacity() > MAX_KEPT_TEXT {
            self.text = String::new();
        }
        if self.entries.capacity() > MAX_KEPT_ENTRIES {
            self.entries = Vec::new();
        }
        if self.records.capacity() > MAX_KEPT_RECORDS {
            self.records = Vec::new();
        }
    }
}

#[derive(Default)]
struct State {
    batch: Batch,
    /// The listener waits on `work`.
    idle: bool,
    /// Callers waiting on `room`.
    waiting: usize,
    /// `close` was called: the listener stops once the queue is empty.
    closing: bool,
    /// The listener has written everything and stopped: callers write themselves.
    done: bool,
    /// The exit hook took over from a stuck listener: the listener stops (without
    /// taking another batch) when it comes back.
    taken_over: bool,
    /// The last flush ticket given out, and the last one done.
    tickets: u64,
    flushed: u64,
}

struct Shared {
    targets: Vec<Target>,
    handlers: Vec<Arc<HandlerCell>>,
    /// Whether records may take the text road at all (no target is `Record`).
    text_road: bool,
    respect_handler_level: bool,
    dropped: AtomicU64,
    capacity: Option<usize>,
    listener: OnceLock<ThreadId>,
    state: Mutex<State>,
    /// Set when entries are queued, cleared when the listener takes them: what the
    /// listener watches before it sleeps.
    ready: AtomicBool,
    work: Condvar,
    room: Condvar,
    flushed: Condvar,
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

    /// Writes a batch, in order; `stand_in` carries each text's level.
    fn write(&self, batch: &Batch, stand_in: &mut LogRecord<'static>) {
        let mut records = batch.records.iter();
        for e in &batch.entries {
            match *e {
                Entry::Text {
                    target,
                    level,
                    start,
                    end,
                } => {
                    let t = &self.targets[target as usize];
                    if !self.respect_handler_level || level >= t.cell.level() {
                        stand_in.level = level;
                        t.cell.emit_formatted(stand_in, &batch.text[start..end]);
                    }
                }
                Entry::Record => {
                    if let Some(r) = records.next() {
                        self.dispatch(r);
                    }
                }
                Entry::Flush(ticket) => {
                    self.flush_targets();
                    let mut st = self.state.lock();
                    st.flushed = st.flushed.max(ticket);
                    drop(st);
                    self.flushed.notify_all();
                }
            }
        }
    }

    /// The listener stopped: callers write themselves from now on.
    fn finish(&self, mut st: MutexGuard<'_, State>) {
        st.done = true;
        st.idle = false;
        drop(st);
        self.room.notify_all();
        self.flushed.notify_all();
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
    shared: Arc<Shared>,
    policy: FullPolicy,
    never_drop_level: Level,
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
/// | `format_on_caller` | `true` | none: targets format on the listener |
#[derive(Debug)]
#[must_use]
pub struct QueueHandlerBuilder {
    handlers: Vec<Arc<HandlerCell>>,
    respect_handler_level: bool,
    capacity: Option<usize>,
    policy: FullPolicy,
    never_drop_level: Level,
    format_on_caller: bool,
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

    /// Whether the formatters of stock text handlers without filters run on the
    /// calling thread, so that only text crosses the queue (`true`, the default),
    /// or on the listener, from a copy of the record (`false`: Python's split,
    /// for formatters too slow for the calling thread). The output is the same.
    pub fn format_on_caller(mut self, on_caller: bool) -> Self {
        self.format_on_caller = on_caller;
        self
    }

    /// The handler, with its listener thread running.
    pub fn build(self) -> Result<QueueHandler, Error> {
        if self.capacity == Some(0) {
            return Err(Error::invalid(
                "invalid queue capacity 0: must be at least 1",
            ));
        }
        let targets: Vec<Target> = self
            .handlers
            .iter()
            .map(|cell| Target {
                cell: cell.clone(),
                route: route(cell, self.format_on_caller),
                on_caller: AtomicBool::new(true),
            })
            .collect();
        let text_road = targets.iter().all(|t| !matches!(t.route, Route::Record));
        let shared = Arc::new(Shared {
            targets,
            handlers: self.handlers,
            text_road,
            respect_handler_level: self.respect_handler_level,
            dropped: AtomicU64::new(0),
            capacity: self.capacity,
            listener: OnceLock::new(),
            state: Mutex::new(State::default()),
            ready: AtomicBool::new(false),
            work: Condvar::new(),
            room: Condvar::new(),
            flushed: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("logtree-queue".to_owned())
            .spawn(move || listen(&s))
            .map_err(|e| Error::io("cannot start the queue listener thread", e))?;
        let _ = shared.listener.set(thread.thread().id());
        register_for_exit(&shared);
        Ok(QueueHandler {
            shared,
            policy: self.policy,
            never_drop_level: self.never_drop_level,
            thread: Mutex::new(Some(thread)),
        })
    }
}

thread_local! {
    /// Set on queue listener threads.
    static ON_LISTENER: Cell<bool> = const { Cell::new(false) };
}

fn listen(shared: &Shared) {
    ON_LISTENER.with(|f| f.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| run(shared)));
    if outcome.is_err() {
        // Not a target's panic (cells catch those): a bug here. Callers write
        // themselves from now on, so nothing waits for a listener that is gone.
        report::report("QueueHandler listener stopped by a panic; records are now written by the logging threads");
        let mut st = shared.state.lock();
        if st.taken_over {
            return; // the exit hook writes what is queued
        }
        let mut left = std::mem::take(&mut st.batch);
        shared.finish(st);
        let mut stand_in = LogRecord::new("", Level::NOTSET, "");
        shared.write(&left, &mut stand_in);
        left.clear();
    }
}

/// How long the listener looks for more work before it sleeps: sleeping costs the
/// next caller a wake-up (a `futex` call), looking costs the callers nothing.
/// `SPINS` rounds of doubling `spin_loop` runs (63 in all), then `YIELDS`
/// `yield_now`s: a few microseconds. Measured (`queue_call_site`, 3 alternating
/// runs): 236–245 ns per call with this wait, 380–405 ns without it.
const SPINS: u32 = 6;
const YIELDS: u32 = 4;

fn run(shared: &Shared) {
    let mut batch = Batch::default();
    // Text entries carry only a level; the stock text handlers read nothing else.
    let mut stand_in = LogRecord::new("", Level::NOTSET, "");
    let mut reporter = DropReporter::default();
    loop {
        let mut st = shared.state.lock();
        if st.taken_over {
            break;
        }
        if st.batch.entries.is_empty() {
            if st.closing {
                shared.finish(st);
                break;
            }
            drop(st);
            reporter.maybe_report(shared, false);
            wait_briefly(&shared.ready);
            st = shared.state.lock();
            while st.batch.entries.is_empty() && !st.closing {
                st.idle = true;
                shared.work.wait(&mut st);
                st.idle = false;
            }
            if st.batch.entries.is_empty() || st.taken_over {
                continue; // closing
            }
        }
        std::mem::swap(&mut st.batch, &mut batch);
        shared.ready.store(false, Ordering::Relaxed);
        let wake = st.waiting > 0;
        drop(st);
        if wake {
            shared.room.notify_all();
        }
        shared.write(&batch, &mut stand_in);
        batch.clear();
    }
    shared.flush_targets();
    reporter.maybe_report(shared, true);
}

/// Every queue built, for the exit hook (dead ones are pruned at each build).
static LIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// How long the exit hook waits for one queue's listener to write what it holds.
const EXIT_LISTENER_WAIT: Duration = Duration::from_millis(1500);
/// How long it waits for what it took over (written on a helper thread).
const EXIT_TAKEOVER_WAIT: Duration = Duration::from_millis(1000);
/// The most the exit hook spends on all queues together.
const EXIT_BUDGET: Duration = Duration::from_secs(3);
/// What a queue is given even when the budget is spent.
const EXIT_MIN_WAIT: Duration = Duration::from_millis(100);

fn register_for_exit(shared: &Arc<Shared>) {
    let mut live = LIVE.lock();
    live.retain(|w| w.strong_count() > 0);
    live.push(Arc::downgrade(shared));
    drop(live);
    crate::flusher::register_exit_hook();
}

/// Called by the exit hook (`flusher.rs`), before file buffers are written: every
/// live queue, newest first (a queue in front of another hands on before the
/// other drains), hands what it holds to its targets and flushes them.
pub(crate) fn drain_all_at_exit() {
    let start = Instant::now();
    let queues: Vec<Arc<Shared>> = match LIVE.try_lock_for(EXIT_MIN_WAIT) {
        Some(live) => live.iter().rev().filter_map(Weak::upgrade).collect(),
        None => return,
    };
    for q in queues {
        let left = EXIT_BUDGET
            .saturating_sub(start.elapsed())
            .max(EXIT_MIN_WAIT);
        let _ = catch_unwind(AssertUnwindSafe(|| q.drain_at_exit(left)));
    }
}

impl Shared {
    /// Stops the listener once it has written everything queued (as `close`
    /// does, without joining), waiting at most `EXIT_LISTENER_WAIT`; if it has
    /// not (a target is stuck, or this is the listener itself), takes over what is
    /// still queued. Either way the targets are flushed, on a helper thread that
    /// is given at most `EXIT_TAKEOVER_WAIT`: a target whose lock this thread
    /// holds (exit called inside it) or that is stuck cannot hang the exit.
    fn drain_at_exit(self: Arc<Self>, budget: Duration) {
        let now = Instant::now();
        let listener_until = now + EXIT_LISTENER_WAIT.min(budget);
        let Some(mut st) = self.state.try_lock_until(listener_until) else {
            return;
        };
        if st.done {
            // Closed before: its records went straight to the targets since.
            return;
        }
        {
            st.closing = true;
            if st.idle {
                st.idle = false;
                self.work.notify_one();
            }
            if !self.on_listener() {
                while !st.done {
                    if self.flushed.wait_until(&mut st, listener_until).timed_out() {
                        break;
                    }
                }
            }
        }
        // The listener is stuck (or is this thread): a helper takes its place
        // until the queue is empty (callers keep queueing meanwhile, so each
        // thread's records stay in order), then callers write themselves.
        let take_over = !st.done;
        st.taken_over = take_over;
        drop(st);
        let left = budget.saturating_sub(now.elapsed()).max(EXIT_MIN_WAIT);
        let until = Instant::now() + EXIT_TAKEOVER_WAIT.min(left);
        let me = self.clone();
        let work = move || {
            if take_over {
                me.write_until_empty();
            }
            me.flush_targets();
        };
        if !run_bounded(work, until, !self.on_listener()) && take_over {
            self.finish(self.state.lock());
        }
    }

    /// The listener's loop, on the exit hook's helper, until the queue is empty.
    fn write_until_empty(&self) {
        let mut batch = Batch::default();
        let mut stand_in = LogRecord::new("", Level::NOTSET, "");
        loop {
            let mut st = self.state.lock();
            if st.batch.entries.is_empty() {
                self.finish(st);
                return;
            }
            std::mem::swap(&mut st.batch, &mut batch);
            let wake = st.waiting > 0;
            drop(st);
            if wake {
                self.room.notify_all();
            }
            self.write(&batch, &mut stand_in);
            batch.clear();
        }
    }
}

/// Runs `work` on a helper thread and waits for it until `until`; if no thread
/// can be made, runs it here when `inline_ok`. `false` if it was not run at all.
fn run_bounded(work: impl FnOnce() + Send + 'static, until: Instant, inline_ok: bool) -> bool {
    let job = Arc::new(Mutex::new(Some(work)));
    let done = Arc::new((Mutex::new(false), Condvar::new()));
    let (j, d) = (job.clone(), done.clone());
    let spawned = std::thread::Builder::new()
        .name("logtree-queue-exit".to_owned())
        .spawn(move || {
            let work = j.lock().take();
            if let Some(work) = work {
                let _ = catch_unwind(AssertUnwindSafe(work));
            }
            *d.0.lock() = true;
            d.1.notify_all();
        });
    if spawned.is_err() {
        let work = job.lock().take();
        return match (work, inline_ok) {
            (Some(work), true) => {
                let _ = catch_unwind(AssertUnwindSafe(work));
                true
            }
            _ => false,
        };
    }
    let mut finished = done.0.lock();
    while !*finished {
        if done.1.wait_until(&mut finished, until).timed_out() {
            break;
        }
    }
    true
}

/// Spins, then yields, until `ready` is set or the budget is spent.
fn wait_briefly(ready: &AtomicBool) {
    for round in 0..SPINS + YIELDS {
        if ready.load(Ordering::Relaxed) {
            return;
        }
        if round < SPINS {
            for _ in 0..(1u32 << round) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
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

/// Where one target's text is, while a record is being queued.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Src {
    /// The queue handler's own text.
    Queue,
    /// `Scratch::text[start..end]`.
    Scratch(usize, usize),
}

/// The calling thread's reused buffers for the text road.
#[derive(Default)]
struct Scratch {
    text: String,
    spans: Vec<(u32, Src)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Scratch text kept between records.
const MAX_KEPT_SCRATCH: usize = 64 * 1024;

/// Why a record was not queued.
enum Refused {
    /// Dropped (and counted): the queue was full.
    Dropped,
    /// The listener has stopped: the caller writes the record itself.
    Stopped,
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
            format_on_caller: true,
        }
    }

    /// Records dropped because the queue was full, since the handler was built.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Records waiting in the queue (not yet taken by the listener).
    pub fn queued(&self) -> usize {
        self.shared.state.lock().batch.count
    }

    /// The handlers the listener passes records to.
    pub fn handlers(&self) -> &[Arc<HandlerCell>] {
        &self.shared.handlers
    }

    /// Whether the listener skips handlers whose level a record does not reach.
    pub fn respects_handler_level(&self) -> bool {
        self.shared.respect_handler_level
    }

    /// Whether records without exception or stack text cross the queue as text
    /// only (every handler's route allows it; see the module docs).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use logtree_core::{Filter, HandlerCell, LogRecord};
    /// use logtree_handlers::{QueueHandler, StreamHandler};
    /// let plain = HandlerCell::builder(StreamHandler::stderr()).build();
    /// let q = QueueHandler::builder().handler(plain).build().unwrap();
    /// assert!(q.hands_over_text());
    /// // A filter must see the record: it goes to the listener as a copy.
    /// let keep_all: Arc<dyn Filter> = Arc::new(|_: &LogRecord<'_>| true);
    /// let filtered = HandlerCell::builder(StreamHandler::stderr()).filter(keep_all).build();
    /// let q = QueueHandler::builder().handler(filtered).build().unwrap();
    /// assert!(!q.hands_over_text());
    /// ```
    pub fn hands_over_text(&self) -> bool {
        self.shared.text_road
            && self
                .shared
                .targets
                .iter()
                .all(|t| t.on_caller.load(Ordering::Relaxed))
    }

    /// The locked queue with room for one more record at `level`, or why not.
    fn room(&self, level: Level) -> Result<MutexGuard<'_, State>, Refused> {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        loop {
            if st.done {
                return Err(Refused::Stopped);
            }
            match shared.capacity {
                Some(cap) if st.batch.count >= cap => {}
                _ => return Ok(st),
            }
            let wait = match self.policy {
                FullPolicy::Block => true,
                FullPolicy::DropNewest => level >= self.never_drop_level,
            };
            if !wait || shared.on_listener() {
                drop(st);
                shared.dropped.fetch_add(1, Ordering::Relaxed);
                return Err(Refused::Dropped);
            }
            st.waiting += 1;
            shared.room.wait(&mut st);
            st.waiting -= 1;
        }
    }

    /// One record queued: wakes the listener if it sleeps.
    fn queued_one(&self, mut st: MutexGuard<'_, State>) {
        st.batch.count += 1;
        self.shared.ready.store(true, Ordering::Relaxed);
        if st.idle {
            st.idle = false;
            drop(st);
            self.shared.work.notify_one();
        }
    }

    /// The text road; `false` when the record must go as a copy after all.
    fn emit_text(&self, record: &LogRecord<'_>, text: &str, sc: &mut Scratch) -> bool {
        let shared = &*self.shared;
        sc.text.clear();
        sc.spans.clear();
        let mut plain = None;
        for (i, t) in shared.targets.iter().enumerate() {
            if shared.respect_handler_level && record.level < t.cell.level() {
                continue;
            }
            let src = match &t.route {
                Route::Same => Src::Queue,
                Route::Skip => continue,
                Route::Record => return false,
                Route::Format(f) => {
                    if !t.on_caller.load(Ordering::Relaxed)
                        || !*plain.get_or_insert_with(|| is_plain(record, text))
                    {
                        return false;
                    }
                    // Targets sharing a formatter share its text.
                    let shared_text = sc.spans.iter().find_map(|&(j, src)| {
                        match &shared.targets[j as usize].route {
                            Route::Format(g) if Arc::ptr_eq(f, g) => Some(src),
                            _ => None,
                        }
                    });
                    match shared_text {
                        Some(src) => src,
                        None => match format_here(t, f, record, &mut sc.text) {
                            Some(src) => src,
                            None => continue, // reported against the target
                        },
                    }
                }
            };
            sc.spans.push((i as u32, src));
        }
        if sc.spans.is_empty() {
            return true;
        }
        let piece = |src: Src| match src {
            Src::Queue => text,
            Src::Scratch(a, b) => &sc.text[a..b],
        };
        match self.room(record.level) {
            Ok(mut st) => {
                let batch = &mut st.batch;
                for (k, &(target, src)) in sc.spans.iter().enumerate() {
                    // A text already queued for an earlier target is not repeated.
                    let earlier = sc.spans[..k].iter().position(|&(_, s)| s == src);
                    let (start, end) = match earlier {
                        Some(e) => match batch.entries[batch.entries.len() - k + e] {
                            Entry::Text { start, end, .. } => (start, end),
                            _ => unreachable!("a record's entries are texts"),
                        },
                        None => {
                            let start = batch.text.len();
                            batch.text.push_str(piece(src));
                            (start, batch.text.len())
                        }
                    };
                    batch.entries.push(Entry::Text {
                        target,
                        level: record.level,
                        start,
                        end,
                    });
                }
                self.queued_one(st);
            }
            Err(Refused::Dropped) => {}
            Err(Refused::Stopped) => {
                for &(target, src) in &sc.spans {
                    shared.targets[target as usize]
                        .cell
                        .emit_formatted(record, piece(src));
                }
            }
        }
        true
    }

    /// The record road: Python's `prepare`, then the copy crosses.
    fn emit_record(&self, record: &LogRecord<'_>, text: &str) {
        let copy = record.to_static_prepared(text);
        match self.room(record.level) {
            Ok(mut st) => {
                st.batch.records.push(copy);
                st.batch.entries.push(Entry::Record);
                self.queued_one(st);
            }
            Err(Refused::Dropped) => {}
            Err(Refused::Stopped) => self.shared.dispatch(&copy),
        }
    }
}

/// Whether Python's prepared copy of `record` (message `text`, no exception or
/// stack) would format exactly as `record` itself: `text` is the message and the
/// record carries nothing the copy drops or adds.
fn is_plain(record: &LogRecord<'_>, text: &str) -> bool {
    record.exc_text.is_none()
        && record.stack_info.is_none()
        && record.error.is_none()
        && record.backtrace.is_none()
        && record.generation() == 0
        && *record.message == *text
}

/// Formats `record` with a target's formatter on this thread; `None` (reported
/// against the target, as the listener would) when it fails.
fn format_here(
    t: &Target,
    f: &Arc<dyn Formatter>,
    record: &LogRecord<'_>,
    out: &mut String,
) -> Option<Src> {
    let start = out.len();
    let outcome = catch_unwind(AssertUnwindSafe(|| f.format(record, out)));
    let err = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(p) => Some(io::Error::other(format!("panicked: {}", panic_text(&*p)))),
    };
    if record.generation() != 0 {
        // The formatter set an attribute: from now on it runs on the listener, on
        // the copy, as in Python.
        t.on_caller.store(false, Ordering::Relaxed);
    }
    match err {
        None => Some(Src::Scratch(start, out.len())),
        Some(e) => {
            out.truncate(start);
            t.cell.fail(&e);
            None
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

impl Handler for QueueHandler {
    fn emit(&self, record: &LogRecord<'_>, text: &str) -> io::Result<()> {
        if self.shared.text_road {
            let sent = SCRATCH
                .try_with(|cell| {
                    let mut sc = cell.try_borrow_mut().ok()?;
                    let sent = self.emit_text(record, text, &mut sc);
                    if sc.text.capacity() > MAX_KEPT_SCRATCH {
                        sc.text = String::new();
                    }
                    Some(sent)
                })
                .ok()
                .flatten();
            let sent = match sent {
                Some(sent) => sent,
                // A formatter logging from inside the queue: fresh buffers.
                None => self.emit_text(record, text, &mut Scratch::default()),
            };
            if sent {
                return Ok(());
            }
        }
        self.emit_record(record, text);
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        let shared = &*self.shared;
        if shared.on_listener() {
            // A target flushing its own queue cannot wait for itself: what is
            // queued after the record being handled is written after it.
            shared.flush_targets();
            return Ok(());
        }
        let mut st = shared.state.lock();
        if st.done {
            drop(st);
            shared.flush_targets();
            return Ok(());
        }
        st.tickets += 1;
        let ticket = st.tickets;
        st.batch.entries.push(Entry::Flush(ticket));
        shared.ready.store(true, Ordering::Relaxed);
        if st.idle {
            st.idle = false;
            shared.work.notify_one();
        }
        while st.flushed < ticket && !st.done {
            shared.flushed.wait(&mut st);
        }
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        let shared = &*self.shared;
        let mut st = shared.state.lock();
        if st.closing {
            return Ok(());
        }
        st.closing = true;
        if st.idle {
            st.idle = false;
            shared.work.notify_one();
        }
        drop(st);
        if shared.on_listener() {
            // A target closing its own queue: the listener stops once it is empty.
            return Ok(());
        }
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
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
    use crossbeam_channel::{bounded, Receiver, Sender};

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
                    // The listener cannot wait for itself: this returns.
                    self.0.queue.get().unwrap().flush();
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

    // ---- the text road ----

    use crate::FlushPolicy;
    use logtree_core::{append_exc_and_stack, FormatError, MessageFormatter, Value};
    use std::io::Write;

    /// `LEVEL name: message`, then exception and stack (a layout Python would write
    /// `%(levelname)s %(name)s: %(message)s`).
    struct Layout;
    impl Formatter for Layout {
        fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
            out.push_str(&format!("{} {}: {}", r.level, r.name, r.message));
            if let Some(Value::Int(n)) = r.extra_value("n") {
                out.push_str(&format!(" n={n}"));
            }
            append_exc_and_stack(r, out);
            Ok(())
        }
    }

    /// The message alone, without exception or stack text.
    struct Bare;
    impl Formatter for Bare {
        fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
            out.push_str(&r.message);
            Ok(())
        }
    }

    /// The message, then every extra attribute of the record as `key=value`.
    struct Extras;
    impl Formatter for Extras {
        fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
            out.push_str(&r.message);
            for (k, v) in &r.extra {
                out.push_str(&format!(" {k}={v:?}"));
            }
            Ok(())
        }
    }

    #[test]
    fn attributes_set_before_the_queue_travel_in_the_copy() {
        // A filter on the queue handler sets an attribute: Python's copy carries
        // it among the record's attributes, where a formatter listing them sees it.
        let tag = |r: &LogRecord<'_>| {
            r.set_attr("user", Value::Str("ann".into()));
            true
        };
        let expected = {
            let r = rec(Level::INFO, "m");
            tag(&r);
            let mut out = String::new();
            Extras.format(&r.to_static_prepared("m"), &mut out).unwrap();
            out.push('\n');
            out
        };
        let buf = Buf::default();
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .handler(buf.cell(Some(Arc::new(Extras))))
                .build()
                .unwrap(),
        )
        .filter(Arc::new(tag))
        .build();
        q.handle(&rec(Level::INFO, "m"));
        q.close();
        assert_eq!(buf.text(), expected);
        assert!(expected.contains("user"), "{expected}");
    }

    /// A writer into shared bytes; when gated, its first write announces itself
    /// and waits for a go.
    #[derive(Clone, Default)]
    struct Buf {
        bytes: Arc<Mutex<Vec<u8>>>,
        gate: Option<(Sender<()>, Receiver<()>)>,
        writes: Arc<AtomicU64>,
    }
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.writes.fetch_add(1, Ordering::SeqCst) == 0 {
                if let Some((entered, go)) = &self.gate {
                    entered.send(()).unwrap();
                    go.recv().unwrap();
                }
            }
            self.bytes.lock().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Buf {
        fn gated() -> (Buf, Receiver<()>, Sender<()>) {
            let (entered_tx, entered_rx) = bounded(1);
            let (go_tx, go_rx) = bounded(1);
            let buf = Buf {
                gate: Some((entered_tx, go_rx)),
                ..Buf::default()
            };
            (buf, entered_rx, go_tx)
        }
        fn text(&self) -> String {
            String::from_utf8(self.bytes.lock().clone()).unwrap()
        }
        fn lines(&self) -> Vec<String> {
            self.text().lines().map(str::to_owned).collect()
        }
        fn cell(&self, formatter: Option<Arc<dyn Formatter>>) -> Arc<HandlerCell> {
            let h = StreamHandler::builder().writer("buf", self.clone()).build();
            let b = HandlerCell::builder(h).name("out");
            match formatter {
                Some(f) => b.formatter(f),
                None => b,
            }
            .build()
        }
    }

    fn queue_cell(q: QueueHandler, formatter: Option<Arc<dyn Formatter>>) -> Arc<HandlerCell> {
        let b = HandlerCell::builder(q);
        match formatter {
            Some(f) => b.formatter(f),
            None => b,
        }
        .build()
    }

    fn records() -> Vec<LogRecord<'static>> {
        let mut with_exc = LogRecord::new("app.db", Level::ERROR, "failed");
        with_exc.exc_text = Some("Traceback (most recent call last):\n  boom".into());
        let mut with_stack = LogRecord::new("app", Level::WARNING, "look");
        with_stack.stack_info = Some("Stack (most recent call last):\n  here".into());
        let mut with_extra = LogRecord::new("app", Level::INFO, "counted");
        with_extra.extra.push(("n".into(), Value::Int(7)));
        vec![
            LogRecord::new("app", Level::INFO, "plain"),
            with_exc,
            LogRecord::new("app", Level::DEBUG, "two\nlines"),
            with_stack,
            with_extra,
            LogRecord::new("app", Level::CRITICAL, "é ✓ last"),
        ]
    }

    /// What Python writes: the queue formats, `prepare` copies, the target formats
    /// the copy (core's `to_static_prepared` is `prepare`).
    fn python_output(queue_fmt: &dyn Formatter, target_fmt: &dyn Formatter) -> String {
        let mut out = String::new();
        for r in records() {
            let mut text = String::new();
            queue_fmt.format(&r, &mut text).unwrap();
            let copy = r.to_static_prepared(&text);
            target_fmt.format(&copy, &mut out).unwrap();
            out.push('\n');
        }
        out
    }

    #[test]
    fn both_roads_write_what_python_writes() {
        let layout: Arc<dyn Formatter> = Arc::new(Layout);
        // (queue's formatter, target's formatter)
        type Fmt = Option<Arc<dyn Formatter>>;
        let setups: [(Fmt, Fmt); 5] = [
            (None, Some(layout.clone())),
            (Some(layout.clone()), None),
            (Some(layout.clone()), Some(layout.clone())),
            (None, None),
            // The queue's text is the bare message even with an exception: the
            // copy has none, so the target must not print it.
            (Some(Arc::new(Bare)), Some(layout.clone())),
        ];
        for (qf, tf) in setups {
            let expected = python_output(
                qf.as_deref().unwrap_or(&MessageFormatter),
                tf.as_deref().unwrap_or(&MessageFormatter),
            );
            for (on_caller, filtered) in [(true, false), (false, false), (true, true)] {
                let buf = Buf::default();
                let mut target = buf.cell(tf.clone());
                if filtered {
                    // A filter sends every record by the record road.
                    let h = StreamHandler::builder().writer("buf", buf.clone()).build();
                    let b = HandlerCell::builder(h).filter(Arc::new(|_: &LogRecord<'_>| true));
                    target = match &tf {
                        Some(f) => b.formatter(f.clone()),
                        None => b,
                    }
                    .build();
                }
                let q = QueueHandler::builder()
                    .handler(target)
                    .format_on_caller(on_caller)
                    .build()
                    .unwrap();
                let text_road = q.hands_over_text();
                let q = queue_cell(q, qf.clone());
                for r in records() {
                    q.handle(&r);
                }
                q.close();
                let what = format!(
                    "queue {:?}, target {:?}, on caller {on_caller}, filtered {filtered}",
                    qf.is_some(),
                    tf.is_some()
                );
                assert_eq!(buf.text(), expected, "{what}");
                let expect_text_road = !filtered && (on_caller || tf.is_none());
                assert_eq!(text_road, expect_text_road, "{what}");
            }
        }
    }

    #[test]
    fn routes_follow_filters_handlers_and_formatters() {
        let buf = Buf::default();
        let layout: Arc<dyn Formatter> = Arc::new(Layout);
        let is = |cell: &Arc<HandlerCell>, on_caller: bool| match route(cell, on_caller) {
            Route::Same => "same",
            Route::Format(_) => "format",
            Route::Skip => "skip",
            Route::Record => "record",
        };
        assert_eq!(is(&buf.cell(None), true), "same");
        assert_eq!(is(&buf.cell(Some(layout.clone())), true), "format");
        assert_eq!(is(&buf.cell(Some(layout.clone())), false), "record");
        assert_eq!(is(&buf.cell(None), false), "same");
        let filtered = HandlerCell::builder(StreamHandler::stderr())
            .filter(Arc::new(|_: &LogRecord<'_>| true))
            .build();
        assert_eq!(is(&filtered, true), "record");
        assert_eq!(is(&HandlerCell::builder(NullHandler).build(), true), "skip");
        let (_, custom) = sink(None);
        assert_eq!(is(&custom, true), "record");
        let dir = tempfile::tempdir().unwrap();
        let file = FileHandler::builder(dir.path().join("a.log"))
            .build()
            .unwrap();
        assert_eq!(is(&HandlerCell::builder(file).build(), true), "same");
        let inner = QueueHandler::builder().build().unwrap();
        assert_eq!(is(&HandlerCell::builder(inner).build(), true), "record");
    }

    #[test]
    fn a_null_target_takes_nothing_and_others_still_get_text() {
        let buf = Buf::default();
        let q = QueueHandler::builder()
            .handler(HandlerCell::builder(NullHandler).build())
            .handler(buf.cell(Some(Arc::new(Layout))))
            .build()
            .unwrap();
        assert!(q.hands_over_text());
        let q = queue_cell(q, None);
        q.handle(&rec(Level::INFO, "x"));
        q.close();
        assert_eq!(buf.lines(), ["INFO t: x"]);
    }

    #[test]
    fn targets_sharing_a_formatter_get_one_text_each() {
        let (a, b) = (Buf::default(), Buf::default());
        let layout: Arc<dyn Formatter> = Arc::new(Layout);
        let q = QueueHandler::builder()
            .handler(a.cell(Some(layout.clone())))
            .handler(b.cell(Some(layout)))
            .handler(a.cell(None))
            .build()
            .unwrap();
        let q = queue_cell(q, None);
        q.handle(&rec(Level::INFO, "one"));
        q.handle(&rec(Level::WARNING, "two"));
        q.close();
        assert_eq!(a.lines(), ["INFO t: one", "one", "WARNING t: two", "two"]);
        assert_eq!(b.lines(), ["INFO t: one", "WARNING t: two"]);
    }

    #[test]
    fn per_thread_order_holds_across_both_roads() {
        let buf = Buf::default();
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(16))
                .handler(buf.cell(Some(Arc::new(Layout))))
                .build()
                .unwrap(),
        )
        .build();
        std::thread::scope(|s| {
            for t in 0..4 {
                let q = &q;
                s.spawn(move || {
                    for i in 0..3000 {
                        let mut r = LogRecord::new("t", Level::INFO, format!("{t} {i}"));
                        if i % 7 == 0 {
                            // By the record road.
                            r.exc_text = Some("exc".into());
                        }
                        q.handle(&r);
                    }
                });
            }
        });
        q.close();
        let mut next = [0u32; 4];
        for line in buf.lines() {
            if line == "exc" {
                continue;
            }
            let rest = line.strip_prefix("INFO t: ").unwrap();
            let (t, i) = rest.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(
                i.parse::<u32>().unwrap(),
                next[t],
                "thread {t} out of order"
            );
            next[t] += 1;
        }
        assert_eq!(next, [3000; 4]);
        assert_eq!(q.downcast::<QueueHandler>().unwrap().dropped(), 0);
    }

    #[test]
    fn drop_newest_counts_exactly_on_the_text_road() {
        let (buf, entered, go) = Buf::gated();
        let q = HandlerCell::builder(
            QueueHandler::builder()
                .capacity(Some(4))
                .full_policy(FullPolicy::DropNewest)
                .handler(buf.cell(Some(Arc::new(Layout))))
                .build()
                .unwrap(),
        )
        .build();
        let qh = q.downcast::<QueueHandler>().unwrap();
        assert!(qh.hands_over_text());
        let (_g, lines) = report::capture_for_tests();
        q.handle(&rec(Level::INFO, "first"));
        entered.recv().unwrap(); // the listener is writing "first"; the queue is empty
        for i in 0..10 {
            q.handle(&LogRecord::new("t", Level::INFO, format!("r{i}")));
        }
        assert_eq!(qh.dropped(), 6);
        assert_eq!(qh.queued(), 4);
        // ERROR waits rather than drop: from another thread, released below.
        std::thread::scope(|s| {
            let q = &q;
            let waiter = s.spawn(move || q.handle(&rec(Level::ERROR, "kept")));
            go.send(()).unwrap();
            waiter.join().unwrap();
        });
        q.close();
        assert_eq!(
            buf.lines(),
            [
                "INFO t: first",
                "INFO t: r0",
                "INFO t: r1",
                "INFO t: r2",
                "INFO t: r3",
                "ERROR t: kept"
            ]
        );
        assert_eq!(qh.dropped(), 6);
        assert_eq!(
            *lines.lock(),
            ["QueueHandler (capacity 4) dropped 6 records because its queue was full (6 in all)"]
        );
    }

    #[test]
    fn flush_waits_and_after_close_the_caller_writes() {
        let buf = Buf::default();
        let q = queue_cell(
            QueueHandler::builder()
                .handler(buf.cell(Some(Arc::new(Layout))))
                .build()
                .unwrap(),
            None,
        );
        for i in 0..100 {
            q.handle(&LogRecord::new("t", Level::INFO, format!("{i}")));
        }
        q.flush();
        assert_eq!(buf.lines().len(), 100);
        assert_eq!(buf.lines()[99], "INFO t: 99");
        q.close();
        q.handle(&rec(Level::INFO, "after close"));
        q.handle(&rec(Level::INFO, "after close, by record").tap_exc());
        q.flush();
        let lines = buf.lines();
        assert_eq!(
            lines[100..],
            [
                "INFO t: after close",
                "INFO t: after close, by record",
                "exc"
            ]
        );
    }

    trait TapExc {
        fn tap_exc(self) -> Self;
    }
    impl TapExc for LogRecord<'_> {
        fn tap_exc(mut self) -> Self {
            self.exc_text = Some("exc".into());
            self
        }
    }

    #[test]
    fn the_level_travels_with_the_text() {
        // A buffered file writes at once from ERROR up: the listener must give the
        // file handler the record's level.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let file = FileHandler::builder(&path)
            .flush_policy(FlushPolicy::buffered().max_delay(Duration::from_secs(3600)))
            .build()
            .unwrap();
        let file = HandlerCell::builder(file)
            .formatter(Arc::new(Layout))
            .build();
        // A second target tells when the listener has passed each record on.
        let (tx, rx) = bounded::<String>(16);
        struct Tell(Sender<String>);
        impl Write for Tell {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0
                    .send(String::from_utf8_lossy(b).into_owned())
                    .unwrap();
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let tell =
            HandlerCell::builder(StreamHandler::builder().writer("tell", Tell(tx)).build()).build();
        let q = QueueHandler::builder()
            .handler(file)
            .handler(tell)
            .build()
            .unwrap();
        assert!(q.hands_over_text());
        let q = queue_cell(q, None);
        q.handle(&rec(Level::INFO, "a"));
        assert_eq!(rx.recv().unwrap(), "a\n");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "",
            "INFO stays buffered"
        );
        q.handle(&rec(Level::ERROR, "b"));
        assert_eq!(rx.recv().unwrap(), "b\n");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "INFO t: a\nERROR t: b\n"
        );
        q.close();
    }

    #[test]
    fn handler_levels_are_checked_on_the_listener() {
        let (buf, entered, go) = Buf::gated();
        let target = buf.cell(Some(Arc::new(Layout)));
        let q = queue_cell(
            QueueHandler::builder()
                .handler(target.clone())
                .respect_handler_level(true)
                .build()
                .unwrap(),
            None,
        );
        q.handle(&rec(Level::INFO, "first"));
        entered.recv().unwrap();
        q.handle(&rec(Level::INFO, "queued at INFO"));
        q.handle(&rec(Level::ERROR, "queued at ERROR"));
        target.set_level(Level::WARNING); // before the listener gets to them
        q.handle(&rec(Level::INFO, "below the level"));
        go.send(()).unwrap();
        q.close();
        assert_eq!(buf.lines(), ["INFO t: first", "ERROR t: queued at ERROR"]);
    }

    #[test]
    fn a_formatter_that_sets_attributes_goes_to_the_listener() {
        struct Stamp;
        impl Formatter for Stamp {
            fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
                if !r.has_extra("stamp") {
                    r.set_attr("stamp", Value::Int(1));
                }
                out.push_str(&r.message);
                Ok(())
            }
        }
        let buf = Buf::default();
        let q = queue_cell(
            QueueHandler::builder()
                .handler(buf.cell(Some(Arc::new(Stamp))))
                .build()
                .unwrap(),
            None,
        );
        let qh = q.downcast::<QueueHandler>().unwrap();
        assert!(qh.hands_over_text());
        let first = rec(Level::INFO, "one");
        q.handle(&first);
        assert!(!qh.hands_over_text());
        let second = rec(Level::INFO, "two");
        q.handle(&second);
        q.close();
        assert_eq!(buf.lines(), ["one", "two"]);
        // The second record was formatted on the listener, on the copy.
        assert!(!second.has_extra("stamp"));
    }

    #[test]
    fn formatter_failures_on_the_caller_are_the_targets() {
        struct Picky;
        impl Formatter for Picky {
            fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
                if r.message == "bad" {
                    return Err(FormatError::new(
                        "Formatting field not found in record: 'x'",
                    ));
                }
                out.push_str(&r.message);
                Ok(())
            }
        }
        let (_g, lines) = report::capture_for_tests();
        let buf = Buf::default();
        let q = queue_cell(
            QueueHandler::builder()
                .handler(buf.cell(Some(Arc::new(Picky))))
                .build()
                .unwrap(),
            None,
        );
        q.handle(&rec(Level::INFO, "bad"));
        q.handle(&rec(Level::INFO, "good"));
        q.close();
        assert_eq!(buf.lines(), ["good"]);
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0]
                .starts_with("handler \"out\" (StreamHandler) failed: Formatting field not found"),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("\"out\"") && lines[1].contains("recovered"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_target_logging_into_its_own_full_queue_on_the_text_road() {
        let (_g, _lines) = report::capture_for_tests();
        struct Echo {
            queue: Arc<OnceLock<Arc<HandlerCell>>>,
            out: Arc<Mutex<Vec<String>>>,
            done: Sender<()>,
        }
        impl Write for Echo {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                let line = String::from_utf8_lossy(b).into_owned();
                self.out.lock().push(line.clone());
                if line == "outer\n" {
                    let q = self.queue.get().unwrap();
                    for _ in 0..10 {
                        q.handle(&rec(Level::INFO, "inner"));
                    }
                    self.done.send(()).unwrap();
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (done, done_rx) = bounded(1);
        let queue = Arc::new(OnceLock::new());
        let out = Arc::new(Mutex::new(Vec::new()));
        let echo = Echo {
            queue: queue.clone(),
            out: out.clone(),
            done,
        };
        let target =
            HandlerCell::builder(StreamHandler::builder().writer("echo", echo).build()).build();
        let q = QueueHandler::builder()
            .capacity(Some(2))
            .handler(target)
            .build()
            .unwrap();
        assert!(q.hands_over_text());
        let q = queue_cell(q, None);
        queue.set(q.clone()).unwrap();
        q.handle(&rec(Level::INFO, "outer"));
        done_rx.recv().unwrap();
        q.close();
        let inner = out.lock().iter().filter(|l| *l == "inner\n").count();
        assert_eq!(inner, 2);
        assert_eq!(q.downcast::<QueueHandler>().unwrap().dropped(), 8);
    }

    #[test]
    fn an_entry_is_32_bytes_as_documented() {
        assert!(std::mem::size_of::<Entry>() <= 32);
    }

    #[test]
    fn a_bursts_buffers_are_released() {
        let mut b = Batch::default();
        b.text.push_str(&"x".repeat(MAX_KEPT_TEXT + 1));
        b.entries.push(Entry::Record);
        b.records.push(rec(Level::INFO, "r").to_static());
        b.count = 1;
        b.clear();
        assert_eq!(b.text.capacity(), 0);
        assert!(b.entries.is_empty() && b.records.is_empty() && b.count == 0);
        b.text.push_str("small");
        b.clear();
        assert!(b.text.capacity() >= 5, "a small buffer is kept");
    }
}
