//! logtree's bridge to the [`log`] facade: the only crate that names `log`.
//!
//! [`install`] makes logtree the process's `log` logger, forwarding to the global
//! [`Manager`]. `log::set_logger` can be called once per process, so the bridge is
//! installed once and every later reconfiguration changes what the manager holds,
//! never the installed logger.
//!
//! # The cost of a call
//! - Below `log::max_level()`: what `log` itself costs (one relaxed load in the
//!   macro). The bridge keeps `max_level` exact: after every change to the tree it is
//!   set to the most verbose level any logger could let through
//!   ([`Manager::most_verbose_level`]), so a `debug!` while every logger is at INFO
//!   never reaches us.
//! - Let through by `max_level` but below the target's own threshold (another logger
//!   runs at DEBUG): a per-thread cache lookup by the target's address, one epoch
//!   load, one compare; no lock, no allocation, no hashing of the string
//!   (see the `cache` module).
//! - Enabled: the message is rendered once into a reused per-thread buffer (not at
//!   all when it is a plain string literal), key-values are borrowed, and the record
//!   goes through the cached plan.
//!
//! # Mapping
//! Targets become logger names with `::` replaced by `.` (`myapp::db::pool` is the
//! logger `myapp.db.pool`). `log`'s levels map to Python's: Error 40, Warn 30,
//! Info 20, Debug 10, Trace 5 (`TRACE`).
#![deny(missing_docs)]

mod cache;
mod kv;

use std::borrow::Cow;
use std::cell::{Cell, UnsafeCell};
use std::mem::ManuallyDrop;
use std::sync::{Arc, OnceLock};

use logtree_core::{Level, LogRecord, Manager, Plan};

use crate::cache::Cache;

/// The Python level of a `log` level.
///
/// ```
/// assert_eq!(logtree_log::level_of(log::Level::Warn), logtree_core::Level::WARNING);
/// assert_eq!(logtree_log::level_of(log::Level::Trace).value(), 5);
/// ```
#[inline]
pub fn level_of(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::ERROR,
        log::Level::Warn => Level::WARNING,
        log::Level::Info => Level::INFO,
        log::Level::Debug => Level::DEBUG,
        log::Level::Trace => Level::TRACE,
    }
}

/// The `log` filter that lets through exactly the records a threshold of `level`
/// (a Python level) could accept.
///
/// ```
/// use logtree_core::Level;
/// assert_eq!(logtree_log::level_filter_for(Level::INFO), log::LevelFilter::Info);
/// assert_eq!(logtree_log::level_filter_for(Level::new(15)), log::LevelFilter::Info);
/// assert_eq!(logtree_log::level_filter_for(Level::new(51)), log::LevelFilter::Off);
/// ```
pub fn level_filter_for(level: Level) -> log::LevelFilter {
    let v = level.value();
    if v <= Level::TRACE.value() {
        log::LevelFilter::Trace
    } else if v <= Level::DEBUG.value() {
        log::LevelFilter::Debug
    } else if v <= Level::INFO.value() {
        log::LevelFilter::Info
    } else if v <= Level::WARNING.value() {
        log::LevelFilter::Warn
    } else if v <= Level::ERROR.value() {
        log::LevelFilter::Error
    } else {
        log::LevelFilter::Off
    }
}

/// The logger name of a `log` target: `::` becomes `.`.
///
/// ```
/// assert_eq!(logtree_log::logger_name("myapp::db::pool"), "myapp.db.pool");
/// assert_eq!(logtree_log::logger_name("app.db"), "app.db");
/// ```
pub fn logger_name(target: &str) -> Cow<'_, str> {
    if target.contains("::") {
        Cow::Owned(target.replace("::", "."))
    } else {
        Cow::Borrowed(target)
    }
}

/// The bridge's per-thread state, in one thread-local: the look-up that finds the
/// cache finds the message buffer too.
///
/// Nothing in it is dropped by the thread-local itself (`ManuallyDrop`): a
/// thread-local without drop glue needs no first-use check and no destructor
/// registration, so `log`'s hit path is one `%fs`-relative address and, with no
/// call left before its tail call, saves fewer registers (callgrind: `log` 74 ->
/// 66 instructions a call; `format` 1,672 -> 1,664, `file` 1,687 -> 1,679, with
/// the inline compare of targets under 8 bytes in `cache`, which removed the other
/// call). [`GUARD`] owns the cleanup; `tests/thread_exit.rs` checks that threads
/// which logged leave nothing behind.
struct Local {
    held: Held,
    /// Read through shared references that never live across other code, or, from
    /// a call that keeps a plan from it, only while `held.readers` counts that call;
    /// changed only through [`Local::insert`] (and at thread exit) while no call
    /// holds a plan: it never changes under a reference into it. A `RefCell` took a
    /// check of the borrow count for overflow and a writer on every call
    /// (callgrind: `log` 63 -> 57 instructions a call, `dispatch` 209 -> 207;
    /// `format` 1,638 -> 1,630, `file` 1,653 -> 1,645).
    cache: UnsafeCell<ManuallyDrop<Cache>>,
}

/// What a call that holds a plan from the cache needs of its thread, one pointer to
/// pass on to [`Bridge::dispatch`].
struct Held {
    /// The calls on this thread now holding a plan from the cache (nested calls
    /// from a handler, a `Display` impl, ... each count). While it is not 0 the
    /// cache is not changed.
    readers: Cell<usize>,
    /// The buffer messages are rendered into: used only by the call that finds
    /// `readers` at 1, the outermost on the thread (a nested one, from a handler or
    /// a `Display` impl, counts 2 or more and renders into a buffer of its own),
    /// and at thread exit while `readers` is 0. A `RefCell` took a store to mark
    /// it borrowed, a register or a stack slot to find it by, and an increment to
    /// release it (callgrind: `dispatch` 202 -> 201 instructions a call, `format`
    /// 1,625 -> 1,624; then, with no borrow to release at the end, the check of
    /// its capacity moved to where it is used ([`MAX_KEPT`]), `dispatch` 201 ->
    /// 193, `format` 1,624 -> 1,616, `file` 1,639 -> 1,631).
    message: UnsafeCell<ManuallyDrop<String>>,
}

impl Held {
    /// A fresh one, for a call of its own: counting that call, with an empty buffer.
    fn fresh() -> Held {
        Held {
            readers: Cell::new(1),
            message: UnsafeCell::new(ManuallyDrop::new(String::new())),
        }
    }

    /// Frees what a [`Held::fresh`] holds.
    fn free(self) {
        drop(ManuallyDrop::into_inner(self.message.into_inner()));
    }
}

impl Local {
    /// Caches `plan` for `target`, unless a call on this thread holds a plan from
    /// the cache (a nested miss: the next call fills it instead).
    fn insert(&self, manager: &Manager, epoch: u64, target: &str, plan: Arc<Plan>) {
        if self.held.readers.get() != 0 {
            return;
        }
        let entry = Cache::entry(target, plan);
        // SAFETY: no reference into the cache is alive: the calls that keep one
        // (a plan) are counted in `readers`, which is 0, and every other reference
        // (a look-up) ends before any other code runs, on this thread, the only
        // one that reaches it. `Cache::insert` runs no other code either (no
        // allocation, no drop), so nothing can look at the cache while this `&mut`
        // lives; it is not used after the call.
        let evicted = unsafe { (*self.cache.get()).insert(manager, epoch, entry) };
        // Dropped with the cache no longer borrowed: a handler dropped with its
        // plan may log, and look at the cache.
        drop(evicted);
    }

    /// The cache, to look up in.
    ///
    /// # Safety
    /// The reference must not live across code that could change the cache (any
    /// code but the look-up), unless `held.readers` counts the call meanwhile.
    #[inline]
    unsafe fn cache(&self) -> &Cache {
        // SAFETY: the cache is changed only by `insert` and at thread exit, neither
        // while `readers` is not 0 nor while a look-up is running (the caller's
        // contract); so no `&mut` to it lives while this reference does.
        unsafe { &*self.cache.get() }
    }
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            held: Held {
                readers: Cell::new(0),
                message: UnsafeCell::new(ManuallyDrop::new(String::new())),
            },
            cache: UnsafeCell::new(ManuallyDrop::new(Cache::new())),
        }
    };
    /// Frees what [`LOCAL`] holds when the thread exits. It is touched (and its
    /// destructor registered) only on a cache miss, before the cache gets an entry
    /// or the buffer is used there; every use of the buffer on the hit path follows
    /// such an insertion. Its destructor empties the cache, so once it has run every
    /// call misses, finds it gone, and neither fills the cache nor uses the buffer:
    /// nothing [`LOCAL`] holds outlives the thread.
    static GUARD: Guard = const { Guard };
}

/// See [`GUARD`].
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        let taken = LOCAL.with(|l| {
            // No call holds a plan here: thread-local destructors do not run
            // inside a logging call. Should one, what it holds is left.
            if l.held.readers.get() != 0 {
                return None;
            }
            // SAFETY: `readers` is 0: no call holds a plan from the cache or
            // uses the buffer, and the look-ups end before any other code runs.
            // `replace` and `take` run no other code either (what they take out is
            // dropped below, after), so no other reference to either lives
            // meanwhile.
            unsafe {
                Some((
                    std::mem::replace(&mut **l.cache.get(), Cache::new()),
                    std::mem::take(&mut **l.held.message.get()),
                ))
            }
        });
        // Dropped after: a handler dropped with its plan may log.
        drop(taken);
    }
}

/// The largest capacity the thread's message buffer keeps from one call to the
/// next: a larger one (grown by a long message) is dropped when the next message
/// is rendered.
const MAX_KEPT: usize = 64 * 1024;

/// The message buffer with less than 32 bytes of room, or larger than
/// [`MAX_KEPT`]: a fresh one with room for 32.
#[cold]
#[inline(never)]
fn refit(buf: &mut String) {
    if buf.capacity() > MAX_KEPT {
        *buf = String::new();
    }
    buf.clear();
    buf.reserve(32);
}

/// Uncounts a call in [`Held::readers`] when dropped (also when a handler panics).
struct Release<'a>(&'a Cell<usize>);

impl Drop for Release<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.set(self.0.get().wrapping_sub(1));
    }
}

/// Whether [`GUARD`] is alive on this thread (registering it on first use).
#[inline]
fn guarded() -> bool {
    GUARD.try_with(|_| ()).is_ok()
}

/// A `log::Log` that forwards to a [`Manager`].
///
/// [`install`] sets one up for the global manager; a `Bridge` of your own is useful
/// in tests (call [`log::Log::log`] on it directly).
#[derive(Debug, Clone)]
pub struct Bridge {
    manager: Arc<Manager>,
}

impl Bridge {
    /// A bridge to `manager`.
    pub fn new(manager: Arc<Manager>) -> Bridge {
        Bridge { manager }
    }

    /// The manager.
    pub fn manager(&self) -> &Arc<Manager> {
        &self.manager
    }

    #[cold]
    fn miss(&self, target: &str) -> Arc<Plan> {
        let epoch = self.manager.epoch();
        let plan = self.manager.plan_for(&logger_name(target));
        if guarded() {
            LOCAL.with(|l| l.insert(&self.manager, epoch, target, plan.clone()));
        }
        plan
    }

    /// Makes the record and dispatches it. One frame for every message: the text is
    /// chosen first (a literal, borrowed; else rendered into `held.message`, this thread's
    /// buffer, or into a fresh `String` when there is none or it is in use by a
    /// nested call, a `Display` impl that logs), then one body builds the record
    /// (callgrind, the `format` scenario: 1,964 -> 1,958 instructions a call, from
    /// the one frame and the one thread-local instead of two of each).
    ///
    /// `plan` is in the thread's cache (or a plan of its own, on a miss), and the
    /// call is counted in `held.readers`, which keeps the cache unchanged; the count
    /// is dropped when it returns (also by a panic). Dropping it here lets `log` end in
    /// a tail call, with no frame of its own to set up. It takes no `self` (the
    /// bridge is not needed past the look-up): one register fewer to move for the
    /// tail call (callgrind: `log` 66 -> 65, `format` 1,641 -> 1,640, `file` 1,656
    /// -> 1,655).
    #[inline(never)]
    fn dispatch(plan: &Plan, record: &log::Record<'_>, level: Level, held: &Held) {
        // Declared first, dropped last: after every use of `plan`.
        let _release = Release(&held.readers);
        let args = record.args();
        let literal = args.as_str();
        let message: &str = match literal {
            Some(text) => text,
            // The outermost call on the thread: the buffer is this call's.
            None if held.readers.get() == 1 => {
                // SAFETY: only the call that finds `readers` at 1 uses the buffer
                // (nested calls on this thread find it higher, and it stays at 1 or
                // more until this call returns), so this is the only reference to
                // it until then; the thread's exit takes it only at 0.
                let buf: &mut String = unsafe { &mut *held.message.get() };
                // Less than 32 bytes of room, or grown past 64 KiB by an earlier
                // message: one unsigned compare for both.
                if buf.capacity().wrapping_sub(32) > MAX_KEPT - 32 {
                    refit(buf);
                }
                logtree_core::text::set_fmt(buf, *args)
            }
            // A nested call (a `Display` impl that logs): again with a buffer of
            // its own, so that this frame keeps no second way to hold the text (no
            // drop flag, no check of which it was). With `set_fmt` handing back the
            // text from the cursor (callgrind: `dispatch` 225 -> 213 instructions a
            // call; `format` 1,710 -> 1,699, `file` 1,728 -> 1,717).
            None => return Bridge::dispatch_fresh(plan, record, level),
        };
        let logger = plan.logger();
        // In a `ManuallyDrop` from the start: wrapping it later moves (copies) the
        // whole record (callgrind: +76 instructions of memcpy).
        let line = record.line().unwrap_or(0);
        // Made in each arm, so that the static call site is stored over nothing
        // (no default `pathname`, `module_path` or `None` proofs stored first);
        // `LogRecord::new` is `#[inline(always)]` for it, else called out of line
        // with a copy of the record (callgrind: `dispatch` 191 -> 189
        // instructions a call; `format` 1,600 -> 1,598, `file` 1,608 -> 1,606).
        let mut r;
        match record.file_static() {
            Some(file) => {
                r = std::mem::ManuallyDrop::new(LogRecord::new(logger.name(), level, message));
                r.set_static_call_site(file, line, record.module_path_static());
            }
            None => {
                r = std::mem::ManuallyDrop::new(LogRecord::new(logger.name(), level, message));
                if let Some(file) = record.file() {
                    r.pathname = Cow::Borrowed(file);
                }
                r.lineno = line;
                r.module_path = record.module_path().map(Cow::Borrowed);
            }
        }
        if let Some(name) = logger.static_name() {
            r.set_static_name(name);
        }
        if let Some(text) = literal {
            // Marked static so that a queue's copy of the record borrows it too.
            r.set_static_message(text);
        }
        let kvs = record.key_values();
        let count = kvs.count();
        if count > 0 {
            let mut c = kv::Collect {
                extra: Vec::with_capacity(count),
                error: None,
            };
            let _ = kvs.visit(&mut c);
            r.extra = c.extra;
            if let Some(err) = c.error {
                // A Rust error is to a record what `exc_info` is in Python: text
                // formatters append it after the line, as Python appends the traceback.
                r.exc_text = Some(Cow::Owned(error_text(&err)));
                r.error = Some(err);
            }
        }
        // Stored only when there is one: assigning `None` over the record's `None`
        // still checks the old value for a drop (callgrind, the `format` scenario:
        // `dispatch` 231 -> 225 instructions a call).
        if let Some(request) = logtree_core::current_request() {
            r.request = Some(request);
        }
        plan.dispatch(&r);
        // Everything above is borrowed (names, message, call site) or empty, unless
        // there were key-values, a request, or a filter or formatter set an attribute
        // (`generation` is 0 exactly when none did). Then forgetting the record frees
        // nothing, and skips the drop glue's check of each of its 20 fields
        // (callgrind, the `format` scenario: 69 -> 0 instructions a record for
        // `drop_in_place<LogRecord>`).
        if count > 0 || r.request.is_some() || r.generation() != 0 {
            drop(std::mem::ManuallyDrop::into_inner(r));
        } else {
            debug_assert!(owns_nothing(&r));
        }
    }

    /// [`dispatch`](Bridge::dispatch) with a buffer of its own, for a nested call
    /// or a thread whose thread-locals are gone.
    #[cold]
    #[inline(never)]
    fn dispatch_fresh(plan: &Plan, record: &log::Record<'_>, level: Level) {
        let held = Held::fresh();
        Bridge::dispatch(plan, record, level, &held);
        held.free();
    }

    /// A cache miss (the first call for a target on this thread since the last
    /// change to the tree).
    #[cold]
    #[inline(never)]
    fn log_miss(&self, record: &log::Record<'_>) {
        let level = level_of(record.level());
        let target = record.target();
        let plan = self.miss(target);
        if plan.is_enabled_for(level) {
            if guarded() {
                LOCAL.with(|l| {
                    let r = &l.held.readers;
                    r.set(r.get().wrapping_add(1));
                    Bridge::dispatch(&plan, record, level, &l.held);
                });
            } else {
                Bridge::dispatch_fresh(&plan, record, level);
            }
        }
    }
}

impl log::Log for Bridge {
    #[inline]
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        let level = level_of(metadata.level());
        let target = metadata.target();
        let epoch = self.manager.epoch();
        let hit = LOCAL
            .try_with(|l| {
                // SAFETY: the reference ends with the look-up.
                let c = unsafe { l.cache() };
                c.get(&self.manager, epoch, target, None)
                    .map(|e| e.plan.is_enabled_for(level))
            })
            .ok()
            .flatten();
        match hit {
            Some(enabled) => enabled,
            None => self.miss(target).is_enabled_for(level),
        }
    }

    #[inline]
    fn log(&self, record: &log::Record<'_>) {
        // One look-up decides; the dispatch is out of line (`#[inline(never)]`), so
        // this frame stays small for the calls the tree filters out (inlined, its
        // spills cost those calls ~15 instructions; callgrind). The plan stays in
        // the cache during dispatch, which `readers` keeps unchanged meanwhile, so
        // no reference count is touched; a handler that logs reads it again.
        // `dispatch` uncounts the call: the hit path ends in a tail call (fewer
        // registers to keep and nothing to restore after it), and the level is read
        // only once the look-up hit (callgrind, the `format` scenario: `log` 90 ->
        // 73 instructions a call, `dispatch` 225 -> 231; the scenario 1,776 ->
        // 1,765).
        // `try_with`, not `with`: `with` is not inlined. It cannot fail (the
        // thread-local has no destructor), so the `Err` arm compiles away.
        let done = LOCAL.try_with(|l| {
            let target = record.target();
            let epoch = self.manager.epoch();
            let module_path = record.module_path_static();
            // SAFETY: the reference lives across the look-up, and past it only
            // once `readers` counts this call, until `dispatch` returns.
            let cache = unsafe { l.cache() };
            if let Some(e) = cache.get(&self.manager, epoch, target, module_path) {
                let level = level_of(record.level());
                if e.plan.is_enabled_for(level) {
                    let r = &l.held.readers;
                    r.set(r.get().wrapping_add(1));
                    Bridge::dispatch(&e.plan, record, level, &l.held);
                }
                return;
            }
            self.log_miss(record);
        });
        if done.is_err() {
            self.log_miss(record);
        }
    }

    fn flush(&self) {
        self.manager.flush();
    }
}

/// Whether dropping `r` would free nothing (checked in debug builds where the
/// bridge forgets a record instead of dropping it).
fn owns_nothing(r: &LogRecord<'_>) -> bool {
    let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
    borrowed(&r.name)
        && borrowed(&r.message)
        && borrowed(&r.pathname)
        && borrowed(&r.func_name)
        && borrowed(&r.process_name)
        && r.module_path.as_ref().map_or(true, borrowed)
        && r.thread_name.as_ref().map_or(true, borrowed)
        && r.extra.capacity() == 0
        && r.exc_text.is_none()
        && r.stack_info.is_none()
        && r.error.is_none()
        && r.backtrace.is_none()
        && r.request.is_none()
        && r.generation() == 0
}

/// The exception text of an error attached to a record: the error, then each of its
/// causes.
///
/// ```text
/// Error: saving order 42 failed
/// Caused by: connection reset by peer
/// ```
fn error_text(err: &logtree_core::ErrorInfo) -> String {
    let mut s = String::new();
    for (i, link) in err.chain.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(if i == 0 { "Error: " } else { "Caused by: " });
        s.push_str(link);
    }
    s
}

static INSTALLED: OnceLock<Bridge> = OnceLock::new();

/// Why [`install`] failed.
#[derive(Debug)]
pub struct InstallError {
    _private: (),
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("another logger is already installed for the log crate")
    }
}

impl std::error::Error for InstallError {}

/// Installs logtree as the `log` logger, forwarding to [`logtree_core::global`], and
/// keeps `log::max_level()` in step with the tree from now on. Calling it again is
/// harmless; it fails only when another crate's logger was installed first.
pub fn install() -> Result<(), InstallError> {
    let mut fresh = false;
    let bridge = INSTALLED.get_or_init(|| {
        fresh = true;
        Bridge::new(logtree_core::global().clone())
    });
    if fresh {
        logtree_core::add_level_name(Level::TRACE, "TRACE");
        if log::set_logger(bridge).is_err() {
            return Err(InstallError { _private: () });
        }
        let m = bridge.manager();
        m.on_change(|m| log::set_max_level(level_filter_for(m.most_verbose_level())));
        log::set_max_level(level_filter_for(m.most_verbose_level()));
        return Ok(());
    }
    // Installed before by us (the OnceLock was set by a successful call) or a failed
    // attempt; tell which by asking log.
    if std::ptr::eq(
        log::logger() as *const dyn log::Log as *const (),
        bridge as *const Bridge as *const (),
    ) {
        Ok(())
    } else {
        Err(InstallError { _private: () })
    }
}

/// Whether logtree is the installed `log` logger.
pub fn is_installed() -> bool {
    INSTALLED.get().is_some_and(|b| {
        std::ptr::eq(
            log::logger() as *const dyn log::Log as *const (),
            b as *const Bridge as *const (),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use log::Log;
    use logtree_core::{Handler, HandlerCell, Value};
    use parking_lot::Mutex;
    use std::any::Any;
    use std::io;

    type Seen = (
        String,
        String,
        Vec<(String, Value<'static>)>,
        Option<Vec<String>>,
    );
    type Exc = Option<String>;
    #[derive(Default)]
    struct Capture(Mutex<Vec<Seen>>);
    struct Cap(Arc<Capture>, Arc<Mutex<Vec<Exc>>>);
    impl Handler for Cap {
        fn emit(&self, r: &LogRecord<'_>, text: &str) -> io::Result<()> {
            self.0 .0.lock().push((
                r.name.to_string(),
                text.to_owned(),
                r.extra
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone().into_static()))
                    .collect(),
                r.error.as_ref().map(|e| e.chain.clone()),
            ));
            self.1.lock().push(r.exc_text.as_deref().map(str::to_owned));
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn setup() -> (Bridge, Arc<Capture>) {
        setup_exc().0
    }

    type Setup = ((Bridge, Arc<Capture>), Arc<Mutex<Vec<Exc>>>);

    fn setup_exc() -> Setup {
        let m = Manager::new();
        let cap = Arc::new(Capture::default());
        let exc = Arc::new(Mutex::new(Vec::new()));
        m.root()
            .add_handler(HandlerCell::builder(Cap(cap.clone(), exc.clone())).build());
        m.root().set_level(Level::INFO);
        ((Bridge::new(m), cap), exc)
    }

    fn rec<'a>(
        target: &'a str,
        level: log::Level,
        args: std::fmt::Arguments<'a>,
    ) -> log::Record<'a> {
        log::Record::builder()
            .target(target)
            .level(level)
            .args(args)
            .build()
    }

    #[test]
    fn targets_map_to_dotted_loggers_and_levels_apply() {
        let (b, cap) = setup();
        b.manager().get_logger("myapp.db").set_level(Level::DEBUG);
        b.log(&rec(
            "myapp::db::pool",
            log::Level::Debug,
            format_args!("n={}", 3),
        ));
        b.log(&rec(
            "myapp::web",
            log::Level::Debug,
            format_args!("dropped"),
        ));
        b.log(&rec(
            "myapp::web",
            log::Level::Info,
            format_args!("kept {{braces}} %s"),
        ));
        let got: Vec<(String, String)> = cap
            .0
            .lock()
            .iter()
            .map(|c| (c.0.clone(), c.1.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("myapp.db.pool".to_owned(), "n=3".to_owned()),
                ("myapp.web".to_owned(), "kept {braces} %s".to_owned())
            ]
        );
        assert!(b.enabled(
            &log::Metadata::builder()
                .target("myapp::db::x")
                .level(log::Level::Debug)
                .build()
        ));
        assert!(!b.enabled(
            &log::Metadata::builder()
                .target("other")
                .level(log::Level::Debug)
                .build()
        ));
    }

    #[test]
    fn reconfiguration_invalidates_the_cache() {
        let (b, cap) = setup();
        let target = "svc::a";
        b.log(&rec(target, log::Level::Debug, format_args!("1")));
        b.manager().get_logger("svc").set_level(Level::DEBUG);
        b.log(&rec(target, log::Level::Debug, format_args!("2")));
        b.manager().get_logger("svc").set_disabled(true);
        b.log(&rec("svc", log::Level::Error, format_args!("3")));
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert_eq!(msgs, ["2"]);
    }

    #[test]
    fn same_text_at_another_address_is_still_correct() {
        let (b, cap) = setup();
        b.manager().get_logger("a").set_level(Level::ERROR);
        let t1 = String::from("a");
        b.log(&rec(&t1, log::Level::Info, format_args!("x")));
        drop(t1);
        let t2 = String::from("b");
        b.log(&rec(&t2, log::Level::Info, format_args!("y")));
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert_eq!(msgs, ["y"]);
    }

    #[test]
    fn key_values_become_typed_extras_and_errors_keep_their_chain() {
        let ((b, cap), exc) = setup_exc();
        let err = io::Error::new(io::ErrorKind::NotFound, "config missing");
        let wrapped = io::Error::other(Wrapped(err));
        let kvs: [(&str, log::kv::Value<'_>); 4] = [
            ("user", log::kv::Value::from(42u64)),
            ("ratio", log::kv::Value::from(0.5f64)),
            ("who", log::kv::Value::from("ann")),
            ("error", log::kv::Value::from_dyn_error(&wrapped)),
        ];
        let r = log::Record::builder()
            .target("app")
            .level(log::Level::Error)
            .args(format_args!("failed"))
            .key_values(&kvs)
            .build();
        b.log(&r);
        let got = cap.0.lock();
        let (_, _, extra, error) = &got[0];
        assert_eq!(extra[0], ("user".to_owned(), Value::Int(42)));
        assert_eq!(extra[1], ("ratio".to_owned(), Value::Float(0.5)));
        assert_eq!(extra[2], ("who".to_owned(), Value::Str("ann".into())));
        assert_eq!(
            error.as_ref().unwrap(),
            &vec![
                "wrapped: config missing".to_owned(),
                "config missing".to_owned()
            ]
        );
        assert_eq!(
            exc.lock()[0].as_deref(),
            Some("Error: wrapped: config missing\nCaused by: config missing")
        );
    }

    #[derive(Debug)]
    struct Wrapped(io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "wrapped: {}", self.0)
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn every_message_source_gives_the_same_text() {
        let (b, cap) = setup();
        let plan = b.manager().plan_for("app");
        let held = Held {
            readers: Cell::new(0),
            message: UnsafeCell::new(ManuallyDrop::new(String::from("stale"))),
        };
        let send = |args: std::fmt::Arguments<'_>| {
            let before = held.readers.get();
            held.readers.set(before + 1);
            Bridge::dispatch(
                &plan,
                &rec("app", log::Level::Info, args),
                Level::INFO,
                &held,
            );
            assert_eq!(held.readers.get(), before);
        };
        // Not constants: `format_args!` folds constant arguments into a literal.
        let n = std::hint::black_box([1, 2, 3]);
        // A literal; rendered into the buffer; without a buffer (the thread's state
        // is gone); with the buffer in use (a nested call).
        send(format_args!("lit"));
        send(format_args!("n={}", n[0]));
        Bridge::dispatch_fresh(
            &plan,
            &rec("app", log::Level::Info, format_args!("n={}", n[1])),
            Level::INFO,
        );
        // As a nested call finds it: counting an outer call too.
        held.readers.set(1);
        send(format_args!("n={}", n[2]));
        held.readers.set(0);
        let mut held = held;
        assert_eq!(**held.message.get_mut(), "n=1");
        held.free();
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert_eq!(msgs, ["lit", "n=1", "n=2", "n=3"]);
    }

    /// The default target (`module_path!()`, also given as the static module
    /// path) hits by address; the same text elsewhere still hits by its bytes, and
    /// a different text at no matching address misses.
    #[test]
    fn a_static_default_target_hits_by_address() {
        static MODULE: &str = "app::module";
        let (b, cap) = setup();
        b.manager().get_logger("app.other").set_level(Level::ERROR);
        let send = |target: &str, msg: &str| {
            b.log(
                &log::Record::builder()
                    .target(target)
                    .module_path_static(Some(MODULE))
                    .level(log::Level::Info)
                    .args(format_args!("{msg}"))
                    .build(),
            );
        };
        send(MODULE, "1");
        send(MODULE, "2");
        let copy = String::from(MODULE);
        send(&copy, "3");
        send("app::other", "dropped");
        send(MODULE, "4");
        let got: Vec<(String, String)> = cap
            .0
            .lock()
            .iter()
            .map(|c| (c.0.clone(), c.1.clone()))
            .collect();
        let want: Vec<(String, String)> = ["1", "2", "3", "4"]
            .iter()
            .map(|m| ("app.module".to_owned(), (*m).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    /// A record made inside a request scope carries the request; one made outside
    /// carries none.
    #[test]
    fn records_carry_the_current_request() {
        struct Req(Arc<Mutex<Vec<Option<String>>>>);
        impl Handler for Req {
            fn emit(&self, r: &LogRecord<'_>, _: &str) -> io::Result<()> {
                self.0
                    .lock()
                    .push(r.request.as_ref().map(|q| q.path.clone()));
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let m = Manager::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        m.root()
            .add_handler(HandlerCell::builder(Req(seen.clone())).build());
        m.root().set_level(Level::INFO);
        let b = Bridge::new(m);
        let n = std::hint::black_box(1);
        b.log(&rec("app", log::Level::Info, format_args!("before {n}")));
        {
            let _scope = logtree_core::RequestScope::enter(Arc::new(logtree_core::Request::new(
                "GET", "/cart",
            )));
            b.log(&rec("app", log::Level::Info, format_args!("during {n}")));
        }
        b.log(&rec("app", log::Level::Info, format_args!("after")));
        assert_eq!(*seen.lock(), [None, Some("/cart".to_owned()), None]);
    }

    /// The thread's buffer keeps a long message's capacity only until the next
    /// message is rendered; a short one's stays.
    #[test]
    fn a_grown_buffer_is_dropped_at_the_next_message() {
        let (b, cap) = setup();
        let plan = b.manager().plan_for("app");
        let mut held = Held {
            readers: Cell::new(1),
            message: UnsafeCell::new(ManuallyDrop::new(String::new())),
        };
        let long = "x".repeat(MAX_KEPT + 1);
        let n = std::hint::black_box(1);
        let mut send = |args: std::fmt::Arguments<'_>, kept: bool| {
            let before = held.message.get_mut().capacity();
            held.readers.set(1);
            Bridge::dispatch(
                &plan,
                &rec("app", log::Level::Info, args),
                Level::INFO,
                &held,
            );
            let after = held.message.get_mut().capacity();
            assert_eq!((32..=MAX_KEPT).contains(&after), kept, "{after}");
            if kept && (32..=MAX_KEPT).contains(&before) {
                assert_eq!(after, before);
            }
        };
        send(format_args!("{n}"), true);
        send(format_args!("{long}"), false);
        send(format_args!("{n}!"), true);
        send(format_args!("{n}?"), true);
        held.free();
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert_eq!(msgs.len(), 4);
        assert_eq!(msgs[1].len(), MAX_KEPT + 1);
        assert_eq!(msgs[2], "1!");
    }

    /// A handler that logs when dropped, dropped when the cache lets go of the
    /// last plan holding it (a reconfiguration empties the cache on the next
    /// miss): the cache is not borrowed by then, and the nested call is served.
    #[test]
    fn a_handler_dropped_with_a_cached_plan_may_log() {
        struct LogsOnDrop(Arc<Bridge>, Arc<Mutex<u32>>);
        impl Handler for LogsOnDrop {
            fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        impl Drop for LogsOnDrop {
            fn drop(&mut self) {
                *self.1.lock() += 1;
                self.0
                    .log(&rec("dropping", log::Level::Error, format_args!("bye")));
            }
        }
        let (b, cap) = setup();
        let b = Arc::new(b);
        let dropped = Arc::new(Mutex::new(0));
        let sub = b.manager().get_logger("sub");
        sub.add_handler(HandlerCell::builder(LogsOnDrop(b.clone(), dropped.clone())).build());
        b.log(&rec("sub", log::Level::Info, format_args!("one")));
        // The thread's cache now holds the only plan with the handler once the
        // logger lets go of it and the manager replans.
        sub.clear_handlers();
        b.log(&rec("sub", log::Level::Info, format_args!("two")));
        b.log(&rec("other", log::Level::Info, format_args!("three")));
        b.log(&rec("sub", log::Level::Info, format_args!("four")));
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert!(msgs.contains(&"four".to_owned()), "{msgs:?}");
        assert_eq!(*dropped.lock(), 1);
        assert!(msgs.contains(&"bye".to_owned()), "{msgs:?}");
    }

    #[test]
    fn a_display_that_logs_does_not_deadlock() {
        struct Noisy<'a>(&'a Bridge);
        impl std::fmt::Display for Noisy<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.log(&rec(
                    "inner",
                    log::Level::Warn,
                    format_args!("from display {}", 1),
                ));
                f.write_str("outer")
            }
        }
        let (b, cap) = setup();
        b.log(&rec(
            "outer",
            log::Level::Warn,
            format_args!("{}", Noisy(&b)),
        ));
        let msgs: Vec<String> = cap.0.lock().iter().map(|c| c.1.clone()).collect();
        assert_eq!(msgs, ["from display 1", "outer"]);
    }
}
