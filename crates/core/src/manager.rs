//! The logger tree: [`Manager`], [`Logger`] and the cached dispatch [`Plan`].
//!
//! This reproduces CPython's `logging.Manager` exactly: `get_logger("a.b.c")` may be
//! called in any order; a dotted ancestor that no one asked for yet is a
//! *placeholder*, and a logger created later in the middle of the tree adopts the
//! children below it (`_fixupParents` / `_fixupChildren`). `propagate`, `disabled`,
//! levels, handlers and filters are per logger; [`Manager::disable`] is Python's
//! `logging.disable`.
//!
//! # Plans and epochs
//! Python walks the tree on every call. Here everything a record needs from the tree
//! is computed once per logger and configuration *epoch* into a [`Plan`]: the
//! threshold (effective level, `disabled` and `disable` folded together), the
//! logger's own filters, and the handlers of the logger and of each ancestor up to
//! the first that does not propagate. Any change to the tree bumps the epoch; plans
//! of an older epoch are rebuilt on next use. A configuration applied inside
//! [`Manager::transaction`] is seen by each record entirely or not at all: plans are
//! not built while a transaction runs, and the epoch moves once at its end.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};

use parking_lot::{Mutex, RwLock};

use crate::filter::Filter;
use crate::handler::{HandlerCell, StderrHandler, TextCache, TEXT};
use crate::level::Level;
use crate::record::{current_thread_id, LogRecord};
use crate::report;

/// The process-wide manager that the `log` bridge and `logtree::get_logger` use.
pub fn global() -> &'static Arc<Manager> {
    static GLOBAL: LazyLock<Arc<Manager>> = LazyLock::new(Manager::new);
    &GLOBAL
}

/// A tree of named loggers.
pub struct Manager {
    me: Weak<Manager>,
    root: Arc<Logger>,
    tree: RwLock<HashMap<Arc<str>, Node>>,
    epoch: AtomicU64,
    disable: AtomicU32,
    last_resort: RwLock<Option<Arc<HandlerCell>>>,
    plans: RwLock<HashMap<Arc<str>, Arc<Plan>>>,
    config_lock: RwLock<()>,
    tx_owner: AtomicU64,
    batch_depth: Mutex<u32>,
    listeners: RwLock<Vec<Listener>>,
    configured: Mutex<Vec<Arc<HandlerCell>>>,
}

type Listener = Box<dyn Fn(&Manager) + Send + Sync>;

enum Node {
    Logger(Arc<Logger>),
    Placeholder(Vec<Weak<Logger>>),
}

impl fmt::Debug for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manager")
            .field("loggers", &self.tree.read().len())
            .field("epoch", &self.epoch())
            .finish()
    }
}

/// One entry of the tree, for configuration loaders and `logtree tree`.
#[derive(Clone, Debug)]
pub enum LoggerEntry {
    /// A logger.
    Logger(Arc<Logger>),
    /// A placeholder: a dotted ancestor no one has asked for.
    Placeholder(String),
}

impl LoggerEntry {
    /// The entry's dotted name.
    pub fn name(&self) -> &str {
        match self {
            LoggerEntry::Logger(l) => l.name(),
            LoggerEntry::Placeholder(n) => n,
        }
    }
}

impl Manager {
    /// A new, empty tree: a root logger at WARNING with no handlers, and a
    /// last-resort handler writing WARNING and above to stderr.
    pub fn new() -> Arc<Manager> {
        Arc::new_cyclic(|me: &Weak<Manager>| Manager {
            me: me.clone(),
            root: Arc::new(Logger::new("root".into(), me.clone(), Level::WARNING)),
            tree: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(1),
            disable: AtomicU32::new(0),
            last_resort: RwLock::new(Some(
                HandlerCell::builder(StderrHandler)
                    .name("lastResort")
                    .level(Level::WARNING)
                    .build(),
            )),
            plans: RwLock::new(HashMap::new()),
            config_lock: RwLock::new(()),
            tx_owner: AtomicU64::new(0),
            batch_depth: Mutex::new(0),
            listeners: RwLock::new(Vec::new()),
            configured: Mutex::new(Vec::new()),
        })
    }

    /// The root logger.
    pub fn root(&self) -> &Arc<Logger> {
        &self.root
    }

    /// Python's `getLogger(name)`: `""` and `"root"` are the root; any other name is
    /// created on first use, with placeholders for dotted ancestors not yet used.
    pub fn get_logger(&self, name: &str) -> Arc<Logger> {
        if name.is_empty() || name == "root" {
            return self.root.clone();
        }
        if let Some(Node::Logger(l)) = self.tree.read().get(name) {
            return l.clone();
        }
        let created = {
            let mut tree = self.tree.write();
            let placeholder = match tree.get(name) {
                Some(Node::Logger(l)) => return l.clone(),
                Some(Node::Placeholder(children)) => Some(children.clone()),
                None => None,
            };
            let logger = Arc::new(Logger::new(name.into(), self.me.clone(), Level::NOTSET));
            tree.insert(logger.name.clone(), Node::Logger(logger.clone()));
            if let Some(children) = placeholder {
                fixup_children(&children, &logger);
            }
            self.fixup_parents(&mut tree, &logger);
            logger
        };
        self.changed();
        created
    }

    fn fixup_parents(&self, tree: &mut HashMap<Arc<str>, Node>, logger: &Arc<Logger>) {
        let name = logger.name();
        let mut parent = None;
        let mut end = name.rfind('.');
        while let Some(i) = end.filter(|&i| i > 0) {
            let sub = &name[..i];
            match tree.get_mut(sub) {
                None => {
                    tree.insert(sub.into(), Node::Placeholder(vec![Arc::downgrade(logger)]));
                }
                Some(Node::Logger(l)) => {
                    parent = Some(l.clone());
                    break;
                }
                Some(Node::Placeholder(children)) => children.push(Arc::downgrade(logger)),
            }
            end = name[..i - 1].rfind('.');
        }
        logger.state.write().parent = Some(parent.unwrap_or_else(|| self.root.clone()));
    }

    /// Every logger and placeholder, sorted by name (the root not included).
    pub fn entries(&self) -> Vec<LoggerEntry> {
        let tree = self.tree.read();
        let mut v: Vec<LoggerEntry> = tree
            .iter()
            .map(|(k, n)| match n {
                Node::Logger(l) => LoggerEntry::Logger(l.clone()),
                Node::Placeholder(_) => LoggerEntry::Placeholder(k.to_string()),
            })
            .collect();
        v.sort_by(|a, b| a.name().cmp(b.name()));
        v
    }

    /// Python's `logging.disable(level)`: records at `level` and below are dropped
    /// everywhere, the last resort included. `Level::NOTSET` undoes it.
    pub fn disable(&self, level: Level) {
        self.disable.store(level.value(), Ordering::Relaxed);
        self.changed();
    }

    /// The level given to [`Manager::disable`].
    pub fn disabled_level(&self) -> Level {
        Level::new(self.disable.load(Ordering::Relaxed))
    }

    /// Replaces the last-resort handler (`None`: records that find no handler are
    /// dropped silently).
    pub fn set_last_resort(&self, handler: Option<Arc<HandlerCell>>) {
        *self.last_resort.write() = handler;
        self.changed();
    }

    /// The last-resort handler.
    pub fn last_resort(&self) -> Option<Arc<HandlerCell>> {
        self.last_resort.read().clone()
    }

    /// The configuration epoch: it changes whenever anything a [`Plan`] depends on
    /// changes.
    #[inline]
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Calls `f` after every change to the tree (once per transaction).
    pub fn on_change(&self, f: impl Fn(&Manager) + Send + Sync + 'static) {
        self.listeners.write().push(Box::new(f));
    }

    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.plans.write().clear();
        if *self.batch_depth.lock() == 0 {
            self.notify();
        }
    }

    fn notify(&self) {
        for l in self.listeners.read().iter() {
            l(self);
        }
    }

    /// Runs `f` as one change: records logged meanwhile on other threads see the
    /// tree as it was before or as it is after, never half-way. `f` may call
    /// [`Manager::get_logger`] and change loggers; it must not wait for other
    /// threads that log.
    pub fn transaction<R>(&self, f: impl FnOnce() -> R) -> R {
        let me = current_thread_id();
        let nested = self.tx_owner.load(Ordering::Acquire) == me;
        let _guard = if nested {
            None
        } else {
            Some(self.config_lock.write())
        };
        if !nested {
            self.tx_owner.store(me, Ordering::Release);
        }
        *self.batch_depth.lock() += 1;
        struct End<'a>(&'a Manager, bool);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                let depth = {
                    let mut d = self.0.batch_depth.lock();
                    *d -= 1;
                    *d
                };
                if !self.1 {
                    self.0.tx_owner.store(0, Ordering::Release);
                }
                self.0.changed_after_batch(depth);
            }
        }
        let _end = End(self, nested);
        f()
    }

    fn changed_after_batch(&self, depth: u32) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.plans.write().clear();
        if depth == 0 {
            self.notify();
        }
    }

    /// The plan for the logger `name` (created if needed), valid for the current
    /// epoch.
    pub fn plan_for(&self, name: &str) -> Arc<Plan> {
        let epoch = self.epoch();
        if let Some(p) = self.plans.read().get(name) {
            if p.epoch == epoch {
                return p.clone();
            }
        }
        self.build_plan(name)
    }

    #[cold]
    fn build_plan(&self, name: &str) -> Arc<Plan> {
        let in_tx = self.tx_owner.load(Ordering::Acquire) == current_thread_id();
        let _cfg = if in_tx {
            None
        } else {
            Some(self.config_lock.read())
        };
        let logger = self.get_logger(name);
        let epoch = self.epoch();
        let plan = Arc::new(self.compute_plan(&logger, epoch));
        if self.epoch() == epoch && !in_tx {
            self.plans.write().insert(logger.name.clone(), plan.clone());
        }
        plan
    }

    fn compute_plan(&self, logger: &Arc<Logger>, epoch: u64) -> Plan {
        let disable = self.disable.load(Ordering::Relaxed).saturating_add(1);
        let st = logger.state.read();
        let threshold = if st.disabled {
            u32::MAX
        } else {
            logger.effective_level().value().max(disable)
        };
        let filters = st.filters.clone();
        let mut handlers = st.handlers.clone();
        let mut propagate = st.propagate;
        let mut parent = st.parent.clone();
        drop(st);
        while propagate {
            let Some(p) = parent else { break };
            let ps = p.state.read();
            handlers.extend(ps.handlers.iter().cloned());
            propagate = ps.propagate;
            parent = ps.parent.clone();
        }
        Plan {
            epoch,
            logger: logger.clone(),
            threshold,
            plain: filters.is_empty() && !handlers.is_empty(),
            filters,
            handlers,
            last_resort: self.last_resort.read().clone(),
        }
    }

    /// The least severe level any logger (existing, or created later below an
    /// existing one) could let through, for the `log` facade's `max_level`.
    pub fn most_verbose_level(&self) -> Level {
        let disable = self.disable.load(Ordering::Relaxed).saturating_add(1);
        let mut min = self.root.effective_level().value();
        for node in self.tree.read().values() {
            if let Node::Logger(l) = node {
                min = min.min(l.effective_level().value());
            }
        }
        Level::new(min.max(disable))
    }

    /// Handlers a configuration made, in creation order, kept so that the next
    /// configuration can close them and incremental ones can find them by name.
    pub fn configured_handlers(&self) -> Vec<Arc<HandlerCell>> {
        self.configured.lock().clone()
    }

    /// Replaces the configured handlers, returning the previous ones.
    pub fn replace_configured_handlers(
        &self,
        handlers: Vec<Arc<HandlerCell>>,
    ) -> Vec<Arc<HandlerCell>> {
        std::mem::replace(&mut *self.configured.lock(), handlers)
    }

    /// A configured handler by name (Python 3.12's `getHandlerByName`).
    pub fn handler_by_name(&self, name: &str) -> Option<Arc<HandlerCell>> {
        self.configured
            .lock()
            .iter()
            .find(|h| h.name() == Some(name))
            .cloned()
    }

    /// Every handler the tree knows: configured ones and those attached to loggers,
    /// each once, newest first (the order Python's `shutdown` closes them in, so a
    /// memory handler flushes into its target before the target closes).
    pub fn all_handlers(&self) -> Vec<Arc<HandlerCell>> {
        let mut all: Vec<Arc<HandlerCell>> = self.configured.lock().clone();
        let mut loggers = vec![self.root.clone()];
        for node in self.tree.read().values() {
            if let Node::Logger(l) = node {
                loggers.push(l.clone());
            }
        }
        for l in loggers {
            all.extend(l.handlers());
        }
        let mut seen = std::collections::HashSet::new();
        all.retain(|h| seen.insert(Arc::as_ptr(h) as usize));
        all.sort_by_key(|h| std::cmp::Reverse(h.seq()));
        all
    }

    /// Flushes every handler.
    pub fn flush(&self) {
        for h in self.all_handlers() {
            h.flush();
        }
    }

    /// Python's `logging.shutdown()`: flushes and closes every handler, newest first.
    /// Records logged afterwards still reach the handlers, which may reopen (a file
    /// handler in append mode does) or drop them.
    pub fn shutdown(&self) {
        for h in self.all_handlers() {
            h.flush();
            h.close();
        }
    }
}

fn fixup_children(children: &[Weak<Logger>], logger: &Arc<Logger>) {
    let name = logger.name();
    for c in children.iter().filter_map(Weak::upgrade) {
        let mut cs = c.state.write();
        let parent = cs.parent.clone();
        if let Some(p) = parent {
            if !p.name().starts_with(name) {
                logger.state.write().parent = Some(p);
                cs.parent = Some(logger.clone());
            }
        }
    }
}

/// A named logger.
pub struct Logger {
    name: Arc<str>,
    static_name: Option<&'static str>,
    manager: Weak<Manager>,
    state: RwLock<LoggerState>,
}

struct LoggerState {
    level: Level,
    propagate: bool,
    disabled: bool,
    parent: Option<Arc<Logger>>,
    handlers: Vec<Arc<HandlerCell>>,
    filters: Vec<Arc<dyn Filter>>,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.read();
        f.debug_struct("Logger")
            .field("name", &self.name)
            .field("level", &st.level)
            .field("propagate", &st.propagate)
            .field("disabled", &st.disabled)
            .field("handlers", &st.handlers.len())
            .finish()
    }
}

impl Logger {
    fn new(name: Arc<str>, manager: Weak<Manager>, level: Level) -> Logger {
        Logger {
            static_name: crate::intern::intern(&name),
            name,
            manager,
            state: RwLock::new(LoggerState {
                level,
                propagate: true,
                disabled: false,
                parent: None,
                handlers: Vec::new(),
                filters: Vec::new(),
            }),
        }
    }

    fn changed(&self) {
        if let Some(m) = self.manager.upgrade() {
            m.changed();
        }
    }

    /// The dotted name (`"root"` for the root).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name as a `'static` string (logger names are interned, as Python keeps
    /// every logger for the life of the process), unless the interner is full.
    pub fn static_name(&self) -> Option<&'static str> {
        self.static_name
    }

    /// The logger's own level (`NOTSET`: inherit).
    pub fn level(&self) -> Level {
        self.state.read().level
    }

    /// Sets the level.
    pub fn set_level(&self, level: Level) {
        self.state.write().level = level;
        self.changed();
    }

    /// Python's `getEffectiveLevel`: this logger's level, or the nearest ancestor's
    /// that is not `NOTSET`.
    pub fn effective_level(&self) -> Level {
        let st = self.state.read();
        if st.level != Level::NOTSET {
            return st.level;
        }
        let mut cur = st.parent.clone();
        drop(st);
        while let Some(l) = cur {
            let s = l.state.read();
            if s.level != Level::NOTSET {
                return s.level;
            }
            cur = s.parent.clone();
        }
        Level::NOTSET
    }

    /// Whether records go on to the parent's handlers.
    pub fn propagate(&self) -> bool {
        self.state.read().propagate
    }

    /// Sets `propagate`.
    pub fn set_propagate(&self, propagate: bool) {
        self.state.write().propagate = propagate;
        self.changed();
    }

    /// Whether the logger is disabled (it drops its own records; records of its
    /// children still reach its handlers).
    pub fn disabled(&self) -> bool {
        self.state.read().disabled
    }

    /// Sets `disabled`.
    pub fn set_disabled(&self, disabled: bool) {
        self.state.write().disabled = disabled;
        self.changed();
    }

    /// The parent logger (`None` for the root).
    pub fn parent(&self) -> Option<Arc<Logger>> {
        self.state.read().parent.clone()
    }

    /// The handlers.
    pub fn handlers(&self) -> Vec<Arc<HandlerCell>> {
        self.state.read().handlers.clone()
    }

    /// Adds a handler (Python ignores adding the same handler twice; so do we).
    pub fn add_handler(&self, handler: Arc<HandlerCell>) {
        {
            let mut st = self.state.write();
            if st.handlers.iter().any(|h| Arc::ptr_eq(h, &handler)) {
                return;
            }
            st.handlers.push(handler);
        }
        self.changed();
    }

    /// Removes a handler (without closing it).
    pub fn remove_handler(&self, handler: &Arc<HandlerCell>) {
        self.state
            .write()
            .handlers
            .retain(|h| !Arc::ptr_eq(h, handler));
        self.changed();
    }

    /// Removes every handler (without closing them).
    pub fn clear_handlers(&self) {
        self.state.write().handlers.clear();
        self.changed();
    }

    /// The filters.
    pub fn filters(&self) -> Vec<Arc<dyn Filter>> {
        self.state.read().filters.clone()
    }

    /// Adds a filter. A logger's filters see only records logged to this logger.
    pub fn add_filter(&self, filter: Arc<dyn Filter>) {
        self.state.write().filters.push(filter);
        self.changed();
    }

    /// Removes every filter.
    pub fn clear_filters(&self) {
        self.state.write().filters.clear();
        self.changed();
    }

    /// Python's `isEnabledFor(level)`.
    pub fn is_enabled_for(&self, level: Level) -> bool {
        match self.manager.upgrade() {
            Some(m) => m.plan_for(&self.name).is_enabled_for(level),
            None => false,
        }
    }

    /// Python's `Logger.log` after the record is made: checks the level, then
    /// handles the record (filters, handlers of this logger and its ancestors, the
    /// last resort).
    pub fn handle(&self, record: &LogRecord<'_>) {
        if let Some(m) = self.manager.upgrade() {
            let plan = m.plan_for(&self.name);
            if plan.is_enabled_for(record.level) {
                plan.dispatch(record);
            }
        }
    }

    /// Logs `message` at `level` from this logger.
    pub fn log(&self, level: Level, message: &str) {
        self.handle(&LogRecord::new(&*self.name, level, message));
    }
}

/// Everything a record of one logger needs from the tree, for one epoch.
pub struct Plan {
    epoch: u64,
    logger: Arc<Logger>,
    threshold: u32,
    /// No filters and some handlers: the record goes to the handlers, tested
    /// with one compare (callgrind, `benches/compare`: format 1,670 -> 1,666, file
    /// 1,676 -> 1,672).
    plain: bool,
    filters: Vec<Arc<dyn Filter>>,
    handlers: Vec<Arc<HandlerCell>>,
    last_resort: Option<Arc<HandlerCell>>,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("logger", &self.logger.name())
            .field("epoch", &self.epoch)
            .field("threshold", &self.threshold)
            .field("handlers", &self.handlers.len())
            .finish()
    }
}

thread_local! {
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How deep a handler may log from inside a handler before records are dropped.
const MAX_DEPTH: u32 = 4;

/// Whether the calling thread is dispatching a record right now (a filter,
/// formatter or handler of it is running). A panic hook uses it: logging a panic
/// that happened inside a handler could wait forever on that handler's own lock.
pub fn in_dispatch() -> bool {
    DEPTH.try_with(|d| d.get() > 0).unwrap_or(false) || TEXT.with(|t| t.try_borrow_mut().is_err())
}

impl Plan {
    /// The epoch this plan was computed for.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The logger.
    pub fn logger(&self) -> &Arc<Logger> {
        &self.logger
    }

    /// The least severe level that passes (`u32::MAX` for a disabled logger).
    #[inline]
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Python's `isEnabledFor`.
    #[inline]
    pub fn is_enabled_for(&self, level: Level) -> bool {
        level.value() >= self.threshold
    }

    /// Python's `Logger.handle` + `callHandlers`: the logger's filters, then every
    /// handler of the chain whose level the record reaches, or the last resort when
    /// the chain has no handler at all. The caller checks [`Plan::is_enabled_for`].
    ///
    /// The outermost dispatch on a thread holds the thread's text cache for the whole
    /// record, which is what marks it as dispatching: a record logged from inside one
    /// of its filters, formatters or handlers finds the cache taken and goes the
    /// nested way, counted in `DEPTH` and dropped beyond 4 levels. So the
    /// common, outermost record keeps no counter of its own (callgrind,
    /// `benches/compare` `file` scenario: 1,748 -> 1,734 instructions a call).
    pub fn dispatch(&self, record: &LogRecord<'_>) {
        let done = TEXT
            .try_with(|t| match t.try_borrow_mut() {
                Ok(mut local) => {
                    self.dispatch_in(record, &mut local.cache);
                    local.after_record();
                    true
                }
                Err(_) => false,
            })
            .unwrap_or(false);
        if !done {
            self.dispatch_nested(record);
        }
    }

    /// A record logged while this thread dispatches another: counted, with a text
    /// cache of its own.
    #[cold]
    #[inline(never)]
    fn dispatch_nested(&self, record: &LogRecord<'_>) {
        let depth = DEPTH.with(|d| {
            let v = d.get();
            d.set(v + 1);
            v
        });
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
            }
        }
        let _reset = Reset;
        // The outermost record is level 0 and holds no count: this is level
        // `depth + 1`.
        if depth + 1 >= MAX_DEPTH {
            recursion_dropped();
            return;
        }
        self.dispatch_in(record, &mut TextCache::default());
    }

    #[inline(always)]
    fn dispatch_in(&self, record: &LogRecord<'_>, cache: &mut TextCache) {
        if self.plain {
            self.to_handlers(record, cache);
        } else {
            self.dispatch_filtered(record, cache);
        }
    }

    #[inline(always)]
    fn to_handlers(&self, record: &LogRecord<'_>, cache: &mut TextCache) {
        cache.key = None;
        match &self.handlers[..] {
            // The only handler: no other reuses its text, which needs no key.
            [h] => {
                if record.level >= h.level() {
                    h.handle_alone(record, cache);
                }
            }
            handlers => {
                for h in handlers {
                    if record.level >= h.level() {
                        h.handle_cached(record, cache);
                    }
                }
            }
        }
    }

    /// [`Plan::dispatch_in`] with filters, or with no handler (the last resort).
    #[inline(never)]
    fn dispatch_filtered(&self, record: &LogRecord<'_>, cache: &mut TextCache) {
        for f in &self.filters {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.filter(record))) {
                Ok(true) => {}
                Ok(false) => return,
                Err(_) => {
                    report::report(&format!(
                        "a filter of logger {:?} panicked; the record was dropped",
                        self.logger.name()
                    ));
                    return;
                }
            }
        }
        if self.handlers.is_empty() {
            if let Some(lr) = &self.last_resort {
                if record.level >= lr.level() {
                    cache.key = None;
                    lr.handle_alone(record, cache);
                }
            }
            return;
        }
        self.to_handlers(record, cache);
    }
}

#[cold]
fn recursion_dropped() {
    static DROPPED: AtomicU64 = AtomicU64::new(0);
    if DROPPED.fetch_add(1, Ordering::Relaxed) == 0 {
        report::report("records logged from inside handlers more than 4 levels deep are dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::Handler;
    use std::any::Any;
    use std::io;

    #[derive(Default)]
    struct Capture(Mutex<Vec<String>>);
    struct Cap(Arc<Capture>, &'static str);
    impl Handler for Cap {
        fn emit(&self, r: &LogRecord<'_>, text: &str) -> io::Result<()> {
            self.0
                 .0
                .lock()
                .push(format!("{}:{}:{}", self.1, r.name, text));
            Ok(())
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }
    fn cap(c: &Arc<Capture>, tag: &'static str) -> Arc<HandlerCell> {
        HandlerCell::builder(Cap(c.clone(), tag)).build()
    }
    fn log(m: &Manager, name: &str, level: Level, msg: &str) {
        m.get_logger(name).handle(&LogRecord::new(name, level, msg));
    }

    #[test]
    fn placeholders_are_adopted_in_any_order() {
        let m = Manager::new();
        let c = m.get_logger("a.b.c");
        assert_eq!(c.parent().unwrap().name(), "root");
        let a = m.get_logger("a");
        assert_eq!(c.parent().unwrap().name(), "a");
        let b = m.get_logger("a.b");
        assert_eq!(c.parent().unwrap().name(), "a.b");
        assert_eq!(b.parent().unwrap().name(), "a");
        assert!(Arc::ptr_eq(&a.parent().unwrap(), m.root()));
        let names: Vec<String> = m.entries().iter().map(|e| e.name().to_owned()).collect();
        assert_eq!(names, ["a", "a.b", "a.b.c"]);
        // A placeholder shows as such until asked for.
        let m = Manager::new();
        m.get_logger("x.y.z");
        assert!(matches!(&m.entries()[0], LoggerEntry::Placeholder(n) if n == "x"));
    }

    #[test]
    fn levels_inherit_through_notset_and_placeholders() {
        let m = Manager::new();
        let leaf = m.get_logger("p.q.r");
        assert_eq!(leaf.effective_level(), Level::WARNING);
        m.get_logger("p").set_level(Level::DEBUG);
        assert_eq!(leaf.effective_level(), Level::DEBUG);
        m.get_logger("p.q").set_level(Level::ERROR);
        assert_eq!(leaf.effective_level(), Level::ERROR);
        assert!(!leaf.is_enabled_for(Level::WARNING));
        assert!(leaf.is_enabled_for(Level::ERROR));
    }

    #[test]
    fn propagation_and_last_resort() {
        let m = Manager::new();
        let c = Arc::new(Capture::default());
        m.root().add_handler(cap(&c, "root"));
        m.get_logger("a").add_handler(cap(&c, "a"));
        m.get_logger("a").set_level(Level::INFO);
        log(&m, "a.b", Level::INFO, "one");
        m.get_logger("a").set_propagate(false);
        log(&m, "a.b", Level::INFO, "two");
        assert_eq!(*c.0.lock(), ["a:a.b:one", "root:a.b:one", "a:a.b:two"]);
        // No handler anywhere: the last resort, WARNING and above only.
        let m = Manager::new();
        let lr = Arc::new(Capture::default());
        m.set_last_resort(Some(
            HandlerCell::builder(Cap(lr.clone(), "lr"))
                .level(Level::WARNING)
                .build(),
        ));
        m.root().set_level(Level::DEBUG);
        log(&m, "x", Level::INFO, "quiet");
        log(&m, "x", Level::WARNING, "loud");
        assert_eq!(*lr.0.lock(), ["lr:x:loud"]);
    }

    #[test]
    fn logger_filters_do_not_see_propagated_records() {
        let m = Manager::new();
        let c = Arc::new(Capture::default());
        let parent = m.get_logger("p");
        parent.add_handler(cap(&c, "p"));
        parent.add_filter(Arc::new(|_: &LogRecord<'_>| false));
        log(&m, "p", Level::ERROR, "own");
        log(&m, "p.child", Level::ERROR, "propagated");
        assert_eq!(*c.0.lock(), ["p:p.child:propagated"]);
    }

    #[test]
    fn disabled_loggers_and_global_disable() {
        let m = Manager::new();
        let c = Arc::new(Capture::default());
        m.root().add_handler(cap(&c, "r"));
        let a = m.get_logger("a");
        a.set_disabled(true);
        log(&m, "a", Level::ERROR, "dropped");
        log(&m, "a.b", Level::ERROR, "kept");
        m.disable(Level::ERROR);
        log(&m, "z", Level::ERROR, "disabled");
        log(&m, "z", Level::CRITICAL, "critical");
        m.disable(Level::NOTSET);
        log(&m, "z", Level::new(0), "level zero never");
        assert_eq!(*c.0.lock(), ["r:a.b:kept", "r:z:critical"]);
    }

    #[test]
    fn most_verbose_level_follows_the_tree() {
        let m = Manager::new();
        assert_eq!(m.most_verbose_level(), Level::WARNING);
        m.get_logger("a.b").set_level(Level::DEBUG);
        assert_eq!(m.most_verbose_level(), Level::DEBUG);
        m.disable(Level::INFO);
        assert_eq!(m.most_verbose_level(), Level::new(21));
        let seen = Arc::new(AtomicU64::new(0));
        let s = seen.clone();
        m.on_change(move |_| {
            s.fetch_add(1, Ordering::Relaxed);
        });
        m.transaction(|| {
            m.get_logger("q").set_level(Level::ERROR);
            m.get_logger("r").set_level(Level::ERROR);
        });
        assert_eq!(seen.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn same_handler_on_parent_and_child_emits_twice() {
        let m = Manager::new();
        let c = Arc::new(Capture::default());
        let h = cap(&c, "h");
        m.root().add_handler(h.clone());
        m.get_logger("a").add_handler(h);
        log(&m, "a", Level::WARNING, "x");
        assert_eq!(c.0.lock().len(), 2);
    }

    #[test]
    fn plans_are_cached_per_epoch() {
        let m = Manager::new();
        let p1 = m.plan_for("a.b");
        let p2 = m.plan_for("a.b");
        assert!(Arc::ptr_eq(&p1, &p2));
        m.get_logger("a").set_level(Level::DEBUG);
        let p3 = m.plan_for("a.b");
        assert!(!Arc::ptr_eq(&p1, &p3));
        assert_eq!(p3.threshold(), 10);
    }

    #[test]
    fn recursion_is_bounded() {
        struct Recursive(Weak<Manager>, AtomicU64);
        impl Handler for Recursive {
            fn emit(&self, r: &LogRecord<'_>, _: &str) -> io::Result<()> {
                assert!(in_dispatch());
                self.1.fetch_add(1, Ordering::SeqCst);
                let m = self.0.upgrade().unwrap();
                m.get_logger("loop")
                    .handle(&LogRecord::new("loop", Level::ERROR, &*r.message));
                Ok(())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let m = Manager::new();
        let cell = HandlerCell::builder(Recursive(Arc::downgrade(&m), AtomicU64::new(0))).build();
        m.root().add_handler(cell.clone());
        let (_g, lines) = report::capture_for_tests();
        assert!(!in_dispatch());
        for round in 1..=3u64 {
            log(&m, "loop", Level::ERROR, "x"); // returns: no stack overflow, no deadlock
                                                // The record and 3 levels logged from inside the handler; the 4th is
                                                // dropped, every time (the count is back to 0 afterwards).
            let emitted = cell
                .downcast::<Recursive>()
                .unwrap()
                .1
                .load(Ordering::SeqCst);
            assert_eq!(emitted, 4 * round);
            assert!(!in_dispatch());
        }
        let lines = lines.lock().clone();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("more than 4 levels deep"), "{lines:?}");
    }

    /// A filter of a logger that logs: the nested record goes through (with a text
    /// buffer of its own), and the outer one is still written whole.
    #[test]
    fn one_handler_plans_and_shared_text_do_not_mix() {
        use crate::formatter::{FormatError, Formatter};
        use std::sync::atomic::AtomicBool;
        struct Tag(&'static str, AtomicBool);
        impl Formatter for Tag {
            fn format(&self, r: &LogRecord<'_>, out: &mut String) -> Result<(), FormatError> {
                if self.1.swap(false, Ordering::Relaxed) {
                    out.push_str("partial");
                    return Err(FormatError::new("fails once"));
                }
                out.push_str(self.0);
                out.push_str(&r.message);
                Ok(())
            }
        }
        let tag = |t: &'static str, fail: bool| -> Arc<dyn Formatter> {
            Arc::new(Tag(t, AtomicBool::new(fail)))
        };
        let m = Manager::new();
        let c = Arc::new(Capture::default());
        let (a, b, f) = (tag("a/", false), tag("b/", false), tag("f/", true));
        let cell = |t: &'static str, f: &Arc<dyn Formatter>| {
            HandlerCell::builder(Cap(c.clone(), t))
                .formatter(f.clone())
                .build()
        };
        // "one": a single handler; "two": two handlers, the second sharing the
        // formatter of "one"; "fail": a single handler whose formatter fails once.
        m.get_logger("one").add_handler(cell("1", &a));
        m.get_logger("two").add_handler(cell("2b", &b));
        m.get_logger("two").add_handler(cell("2a", &a));
        m.get_logger("fail").add_handler(cell("f", &f));
        for name in ["one", "two", "fail"] {
            m.get_logger(name).set_propagate(false);
        }
        let r = LogRecord::new("r", Level::ERROR, "m");
        for name in ["one", "two", "fail", "one", "two", "fail", "two"] {
            m.get_logger(name).handle(&r);
        }
        assert_eq!(
            *c.0.lock(),
            [
                "1:r:a/m", "2b:r:b/m", "2a:r:a/m", "1:r:a/m", "2b:r:b/m", "2a:r:a/m", "f:r:f/m",
                "2b:r:b/m", "2a:r:a/m",
            ]
        );
    }

    #[test]
    fn a_logger_filter_may_log() {
        let m = Manager::new();
        let weak = Arc::downgrade(&m);
        let c = Arc::new(Capture::default());
        m.root().add_handler(cap(&c, "t"));
        m.get_logger("outer")
            .add_filter(Arc::new(move |r: &LogRecord<'_>| {
                if let Some(m) = weak.upgrade() {
                    m.get_logger("inner").handle(&LogRecord::new(
                        "inner",
                        Level::ERROR,
                        "from the filter",
                    ));
                }
                r.level >= Level::INFO
            }));
        log(&m, "outer", Level::ERROR, "outer record");
        assert_eq!(
            *c.0.lock(),
            ["t:inner:from the filter", "t:outer:outer record"]
        );
    }
}
