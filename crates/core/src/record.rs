//! The log record: everything Python's `LogRecord` carries, borrowed where it can be.
//!
//! On the synchronous path a [`LogRecord`] borrows the logger name, message, call
//! site and key-values from the caller: nothing is copied for a record that a
//! handler writes straight away. Handlers that keep records past the call (the
//! memory and queue handlers, the e-mail worker) make the one explicit copy,
//! [`LogRecord::to_static`].
//!
//! Python lets filters and formatters add attributes to a record (Django's
//! `ServerFormatter` sets `server_time`, and later handlers' formatters read it).
//! That is [`LogRecord::set_attr`]: attributes added during dispatch, behind a
//! `Cell` because a record never leaves its thread while it is being handled.

use std::backtrace::Backtrace;
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::level::Level;
use crate::value::Value;

/// A log record.
///
/// Build one with [`LogRecord::new`], then set the public fields you need.
///
/// ```
/// use logtree_core::{Level, LogRecord, Value};
/// let mut r = LogRecord::new("app.db", Level::INFO, "pool ready");
/// r.extra.push(("size".into(), Value::Int(8)));
/// assert_eq!(r.name, "app.db");
/// assert_eq!(r.extra_value("size"), Some(Value::Int(8)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct LogRecord<'a> {
    /// The dotted logger name (`""` never: the root logger is `"root"`).
    pub name: Cow<'a, str>,
    /// The level.
    pub level: Level,
    /// The message, already rendered. Never interpreted as a format.
    pub message: Cow<'a, str>,
    /// Seconds since the Unix epoch when the record was made (Python's `created`).
    pub created: f64,
    /// Python's `pathname`: the source file of the call site.
    pub pathname: Cow<'a, str>,
    /// Python's `lineno`.
    pub lineno: u32,
    /// Python's `funcName`. Rust's `log` does not say which function logged, so the
    /// bridge leaves the module path's last segment here.
    pub func_name: Cow<'a, str>,
    /// The Rust module path of the call site, when known.
    pub module_path: Option<Cow<'a, str>>,
    /// Python's `process`: the process id.
    pub process: u64,
    /// Python's `processName`: the program's name.
    pub process_name: Cow<'a, str>,
    /// Python's `thread`: the OS thread id.
    pub thread: u64,
    /// Python's `threadName`; `None` means "the current thread's name", resolved when
    /// asked for (see [`LogRecord::thread_name`]).
    pub thread_name: Option<Cow<'a, str>>,
    /// Extra attributes, in the order given (`log`'s key-values, or `extra`).
    pub extra: Vec<(Cow<'a, str>, Value<'a>)>,
    /// Exception text, appended after the formatted line.
    pub exc_text: Option<Cow<'a, str>>,
    /// Stack text, appended after the exception text.
    pub stack_info: Option<Cow<'a, str>>,
    /// An error attached to the record, with its `source()` chain.
    pub error: Option<Arc<ErrorInfo>>,
    /// A backtrace attached to the record (for example by the panic hook).
    pub backtrace: Option<Arc<Backtrace>>,
    /// The HTTP request the record is about, when there is one.
    pub request: Option<Arc<Request>>,
    attrs: Attrs,
    generation: Cell<u32>,
    statics: Statics,
}

/// The attributes set during dispatch ([`LogRecord::set_attr`]): one word, null
/// until the first is set, where a `RefCell<Vec<..>>` took four, all stored for
/// every record (callgrind, the `format` scenario: 1,699 -> 1,696 instructions a
/// call, `file` 1,717 -> 1,714).
#[derive(Default)]
struct Attrs(Cell<Option<Box<AttrList>>>);

type AttrList = Vec<(String, Value<'static>)>;

impl Attrs {
    /// Runs `f` on the attributes. They are taken out of the cell meanwhile, so a
    /// nested use (none of the callers makes one) would see none, never a
    /// half-changed list.
    fn with<R>(&self, f: impl FnOnce(&mut Option<Box<AttrList>>) -> R) -> R {
        let mut a = self.0.take();
        let r = f(&mut a);
        self.0.set(a);
        r
    }

    /// Runs `f` on the attributes as a slice (empty when none was set).
    fn read<R>(&self, f: impl FnOnce(&[(String, Value<'static>)]) -> R) -> R {
        self.with(|a| f(a.as_deref().map_or(&[], |v| v.as_slice())))
    }
}

impl std::fmt::Debug for Attrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.read(|a| f.debug_list().entries(a.iter()).finish())
    }
}

impl Clone for Attrs {
    fn clone(&self) -> Attrs {
        Attrs(Cell::new(self.with(|a| a.clone())))
    }
}

/// The parts of a record known to be `'static`, so that [`LogRecord::to_static`]
/// borrows them instead of copying (each is used only while the public field still
/// points at it). `func_name` and `process_name` need no proof here: the only
/// `'static` texts a record gets for them are `UNKNOWN_FUNCTION` and the process
/// name, which `to_static` recognizes by their text (4 fewer stores a record;
/// callgrind, the `format` scenario: 1,967 -> 1,964 instructions a call). Nor does
/// the default `pathname`, `"(unknown file)"`: `pathname` is `None` until a static
/// call site is set, and `to_static` then recognizes the default by its text
/// (one store fewer; `format` 1,696 -> 1,695, `file` 1,714 -> 1,713).
#[derive(Clone, Copy, Debug)]
struct Statics {
    name: Option<&'static str>,
    message: Option<&'static str>,
    pathname: Option<&'static str>,
    module_path: Option<&'static str>,
}

/// `c` without a borrow: `s` itself when `c` still points at the static text `s`,
/// else a copy.
fn keep(c: &str, s: Option<&'static str>) -> Cow<'static, str> {
    match s {
        Some(s) if std::ptr::eq(c.as_ptr(), s.as_ptr()) && c.len() == s.len() => Cow::Borrowed(s),
        _ => Cow::Owned(c.to_owned()),
    }
}

/// `c` without a borrow: the static text `s` when `c` has the same text (wherever
/// `c` points), else a copy.
fn keep_known(c: &str, s: &'static str) -> Cow<'static, str> {
    if c == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(c.to_owned())
    }
}

const UNKNOWN_FILE: &str = "(unknown file)";
const UNKNOWN_FUNCTION: &str = "(unknown function)";

impl<'a> LogRecord<'a> {
    /// A record made now, on this thread, with no call site.
    // Always inlined: the `log` bridge makes it in two places, and a call returns
    // the record through memory, copied once more (see `Bridge::dispatch`).
    #[inline(always)]
    pub fn new(
        name: impl Into<Cow<'a, str>>,
        level: Level,
        message: impl Into<Cow<'a, str>>,
    ) -> LogRecord<'a> {
        let process = process_name();
        LogRecord {
            name: name.into(),
            level,
            message: message.into(),
            created: now(),
            pathname: Cow::Borrowed(UNKNOWN_FILE),
            lineno: 0,
            func_name: Cow::Borrowed(UNKNOWN_FUNCTION),
            module_path: None,
            process: current_pid(),
            process_name: Cow::Borrowed(process),
            thread: current_thread_id(),
            thread_name: None,
            extra: Vec::new(),
            exc_text: None,
            stack_info: None,
            error: None,
            backtrace: None,
            request: None,
            attrs: Attrs::default(),
            generation: Cell::new(0),
            statics: Statics {
                name: None,
                message: None,
                pathname: None,
                module_path: None,
            },
        }
    }

    /// Sets the logger name to a `'static` string, which copies of the record
    /// ([`to_static`](LogRecord::to_static)) then borrow instead of allocating.
    #[inline]
    pub fn set_static_name(&mut self, name: &'static str) {
        self.name = Cow::Borrowed(name);
        self.statics.name = Some(name);
    }

    /// Sets the message to a `'static` string (a literal), borrowed by copies.
    #[inline]
    pub fn set_static_message(&mut self, message: &'static str) {
        self.message = Cow::Borrowed(message);
        self.statics.message = Some(message);
    }

    /// Sets the call site from `'static` strings (`file!()`, `module_path!()`),
    /// borrowed by copies.
    #[inline]
    pub fn set_static_call_site(
        &mut self,
        pathname: &'static str,
        lineno: u32,
        module_path: Option<&'static str>,
    ) {
        self.pathname = Cow::Borrowed(pathname);
        self.lineno = lineno;
        self.module_path = module_path.map(Cow::Borrowed);
        self.statics.pathname = Some(pathname);
        self.statics.module_path = module_path;
    }

    /// Python's `levelno`.
    pub fn levelno(&self) -> u32 {
        self.level.value()
    }

    /// Python's `msecs`: the milliseconds part of `created`, truncated.
    pub fn msecs(&self) -> f64 {
        // `+ 0.0` turns a negative zero (a `created` before 1970) into Python's 0.0.
        ((self.created - self.created.trunc()) * 1000.0).trunc() + 0.0
    }

    /// Python's `relativeCreated`: milliseconds since logging started.
    pub fn relative_created(&self) -> f64 {
        (self.created - start_time()) * 1000.0
    }

    /// Python's `filename`: the last component of `pathname` (`os.path.basename`:
    /// only `/` separates on POSIX, `\\` too on Windows).
    pub fn filename(&self) -> &str {
        let p: &str = &self.pathname;
        #[cfg(windows)]
        let last = p.rsplit(['/', '\\']).next();
        #[cfg(not(windows))]
        let last = p.rsplit('/').next();
        last.unwrap_or(p)
    }

    /// Python's `module`: `filename` without its extension (`os.path.splitext`:
    /// leading dots are not an extension, so `.bashrc` stays `.bashrc`).
    pub fn module(&self) -> &str {
        let f = self.filename();
        let lead = f.len() - f.trim_start_matches('.').len();
        match f[lead..].rfind('.') {
            Some(i) => &f[..lead + i],
            None => f,
        }
    }

    /// Python's `threadName`.
    pub fn thread_name(&self) -> Cow<'_, str> {
        match &self.thread_name {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(current_thread_name()),
        }
    }

    /// An extra attribute by name: one set during dispatch ([`set_attr`]) wins over
    /// one given with the record.
    ///
    /// [`set_attr`]: LogRecord::set_attr
    pub fn extra_value(&self, key: &str) -> Option<Value<'_>> {
        if let Some(v) = self.attrs.read(|a| {
            a.iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        }) {
            return Some(v);
        }
        self.extra
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| match v {
                Value::Str(s) => Value::Str(Cow::Borrowed(s)),
                other => other.clone(),
            })
    }

    /// Whether an extra attribute of this name exists.
    pub fn has_extra(&self, key: &str) -> bool {
        self.extra.iter().any(|(k, _)| k == key)
            || self.attrs.read(|a| a.iter().any(|(k, _)| k == key))
    }

    /// Sets an attribute during dispatch, as a Python filter or formatter may
    /// (`record.server_time = ...`). Later filters and formatters see it.
    pub fn set_attr(&self, key: impl Into<String>, value: Value<'static>) {
        let key = key.into();
        self.attrs.with(|a| {
            let attrs = a.get_or_insert_with(Box::default);
            if let Some(slot) = attrs.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            } else {
                attrs.push((key, value));
            }
        });
        // Never back to 0: 0 means "no attribute was ever set" (the `log` bridge
        // relies on it to skip dropping a record that owns nothing).
        let next = self.generation.get().wrapping_add(1);
        self.generation.set(next.max(1));
    }

    /// A counter that changes whenever [`set_attr`](LogRecord::set_attr) is called;
    /// text formatted from the record is reusable while it stays the same. It is 0
    /// exactly when no attribute was ever set.
    pub fn generation(&self) -> u32 {
        self.generation.get()
    }

    /// A copy that borrows nothing, for handlers that keep records (memory, queue).
    ///
    /// Parts known to be `'static` (interned logger and thread names, literal
    /// messages, `file!()` and `module_path!()`) are borrowed, not copied: a record
    /// from the `log` bridge with a literal message copies nothing but its extras.
    pub fn to_static(&self) -> LogRecord<'static> {
        let message = keep(&self.message, self.statics.message);
        let exc = self.exc_text.as_ref().map(|c| keep(c, None));
        let stack = self.stack_info.as_ref().map(|c| keep(c, None));
        self.copy(
            message,
            exc,
            stack,
            self.error.clone(),
            self.backtrace.clone(),
        )
    }

    /// The copy Python's `QueueHandler.prepare` makes: `text` (the record as the
    /// queue handler formatted it) becomes the message, and the exception, stack,
    /// error and backtrace are dropped, since `text` already shows them.
    pub fn to_static_prepared(&self, text: &str) -> LogRecord<'static> {
        let message = if text == &*self.message {
            keep(&self.message, self.statics.message)
        } else {
            Cow::Owned(text.to_owned())
        };
        self.copy(message, None, None, None, None)
    }

    fn copy(
        &self,
        message: Cow<'static, str>,
        exc_text: Option<Cow<'static, str>>,
        stack_info: Option<Cow<'static, str>>,
        error: Option<Arc<ErrorInfo>>,
        backtrace: Option<Arc<Backtrace>>,
    ) -> LogRecord<'static> {
        let st = self.statics;
        let mut extra: Vec<(Cow<'static, str>, Value<'static>)> = self
            .extra
            .iter()
            .map(|(k, v)| (keep(k, None), v.clone().into_static()))
            .collect();
        self.attrs.read(|attrs| {
            for (k, v) in attrs {
                extra.retain(|(ek, _)| ek != k);
                extra.push((Cow::Owned(k.clone()), v.clone()));
            }
        });
        let thread_name = match &self.thread_name {
            Some(n) => keep(n, None),
            None => current_thread_name_static(),
        };
        LogRecord {
            name: keep(&self.name, st.name),
            level: self.level,
            message,
            created: self.created,
            pathname: match st.pathname {
                Some(_) => keep(&self.pathname, st.pathname),
                None => keep_known(&self.pathname, UNKNOWN_FILE),
            },
            lineno: self.lineno,
            func_name: keep_known(&self.func_name, UNKNOWN_FUNCTION),
            module_path: self.module_path.as_ref().map(|c| keep(c, st.module_path)),
            process: self.process,
            process_name: keep_known(&self.process_name, process_name()),
            thread: self.thread,
            thread_name: Some(thread_name),
            extra,
            exc_text,
            stack_info,
            error,
            backtrace,
            request: self.request.clone(),
            attrs: Attrs::default(),
            generation: Cell::new(0),
            statics: st,
        }
    }
}

impl Clone for LogRecord<'_> {
    fn clone(&self) -> Self {
        LogRecord {
            name: self.name.clone(),
            level: self.level,
            message: self.message.clone(),
            created: self.created,
            pathname: self.pathname.clone(),
            lineno: self.lineno,
            func_name: self.func_name.clone(),
            module_path: self.module_path.clone(),
            process: self.process,
            process_name: self.process_name.clone(),
            thread: self.thread,
            thread_name: self.thread_name.clone(),
            extra: self.extra.clone(),
            exc_text: self.exc_text.clone(),
            stack_info: self.stack_info.clone(),
            error: self.error.clone(),
            backtrace: self.backtrace.clone(),
            request: self.request.clone(),
            attrs: self.attrs.clone(),
            generation: Cell::new(self.generation.get()),
            statics: self.statics,
        }
    }
}

/// An error attached to a record: its message and the messages of its `source()`
/// chain, rendered when the record was made so that the record can travel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The error's type name, when known (`std::io::Error`, ...).
    pub type_name: Option<String>,
    /// `to_string()` of the error, then of each `source()` in turn.
    pub chain: Vec<String>,
    /// The error's `Debug` text.
    pub debug: String,
}

impl ErrorInfo {
    /// Renders an error and its `source()` chain (at most 32 links, so that a cyclic
    /// chain ends).
    pub fn from_error(err: &(dyn std::error::Error + 'static)) -> ErrorInfo {
        let mut chain = vec![err.to_string()];
        let mut cur = err.source();
        while let Some(e) = cur {
            if chain.len() >= 32 {
                break;
            }
            chain.push(e.to_string());
            cur = e.source();
        }
        ErrorInfo {
            type_name: None,
            chain,
            debug: format!("{err:?}"),
        }
    }
}

/// The HTTP request a record is about (Django's `record.request`), for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The `Host` the request named.
    pub host: String,
    /// The path, without the query string.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Headers, in the order received.
    pub headers: Vec<(String, String)>,
    /// Cookies.
    pub cookies: Vec<(String, String)>,
    /// Form (POST) parameters.
    pub form: Vec<(String, String)>,
    /// The client's address (Django's `REMOTE_ADDR`).
    pub remote_addr: String,
    /// The authenticated user, when known.
    pub user: Option<String>,
}

impl Request {
    /// A request with a method and a path, from `127.0.0.1` (as Django's
    /// `RequestFactory` makes them).
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            scheme: "http".to_owned(),
            host: "testserver".to_owned(),
            path: path.into(),
            remote_addr: "127.0.0.1".to_owned(),
            ..Request::default()
        }
    }

    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Seconds since the Unix epoch, now.
#[inline]
pub fn now() -> f64 {
    // `clock_gettime` through the vDSO: ~30 instructions, where
    // `SystemTime::now().duration_since(UNIX_EPOCH)` measured ~106 (callgrind, the
    // side-by-side `info!` workload).
    #[cfg(unix)]
    {
        // Not zeroed first: `clock_gettime` fills it (2 stores fewer a record;
        // callgrind: `dispatch` 207 -> 204 instructions a call, `format` 1,630 ->
        // 1,627, `file` 1,645 -> 1,642).
        let mut ts = std::mem::MaybeUninit::<libc::timespec>::uninit();
        // SAFETY: `ts` is valid for writing a timespec; CLOCK_REALTIME always
        // exists. On success (0) `clock_gettime` has written the whole timespec, so
        // it is initialized when read.
        unsafe {
            if libc::clock_gettime(libc::CLOCK_REALTIME, ts.as_mut_ptr()) == 0 {
                let ts = ts.assume_init();
                return ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9;
            }
        }
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn start_time() -> f64 {
    static START: OnceLock<f64> = OnceLock::new();
    *START.get_or_init(now)
}

/// The program's name, as records show it in `processName`.
#[inline]
fn process_name() -> &'static str {
    match PROCESS_NAME.get() {
        Some(name) => name,
        None => init_process_name(),
    }
}

static PROCESS_NAME: OnceLock<String> = OnceLock::new();

#[cold]
fn init_process_name() -> &'static str {
    PROCESS_NAME.get_or_init(|| {
        let _ = start_time();
        std::env::args_os()
            .next()
            .and_then(|a| {
                std::path::Path::new(&a)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "MainProcess".to_owned())
    })
}

thread_local! {
    // 0 until first asked (no OS thread has id 0): a const initializer makes the
    // access one load, with no lazy-initialization state to check.
    static THREAD_ID: Cell<u64> = const { Cell::new(0) };
}

/// The process id, cached: `getpid` is a real system call on current glibc (~50 ns
/// per record otherwise). A forked child resets the cache (`pthread_atfork`).
#[inline]
pub(crate) fn current_pid() -> u64 {
    let pid = PID.load(Ordering::Relaxed);
    if pid != 0 {
        return pid;
    }
    init_pid()
}

static PID: AtomicU64 = AtomicU64::new(0);

#[cold]
fn init_pid() -> u64 {
    #[cfg(unix)]
    extern "C" fn reset() {
        PID.store(0, Ordering::Relaxed);
    }
    #[cfg(unix)]
    {
        static HOOK: std::sync::Once = std::sync::Once::new();
        // SAFETY: registers a handler that only stores to an atomic.
        HOOK.call_once(|| unsafe {
            libc::pthread_atfork(None, None, Some(reset));
        });
    }
    let pid = u64::from(std::process::id());
    PID.store(pid, Ordering::Relaxed);
    pid
}

/// The OS id of the calling thread (cached per thread).
#[inline]
pub fn current_thread_id() -> u64 {
    // Read, and set on the cold path only: the hot one keeps no address of the
    // thread-local for a store it does not make (callgrind: `dispatch` 193 -> 191
    // instructions a call, `format` 1,616 -> 1,614, `file` 1,631 -> 1,629).
    match THREAD_ID.try_with(Cell::get) {
        Ok(0) | Err(_) => init_thread_id(),
        Ok(id) => id,
    }
}

#[cold]
#[inline(never)]
fn init_thread_id() -> u64 {
    let id = os_thread_id();
    let _ = THREAD_ID.try_with(|t| t.set(id));
    id
}

#[cfg(target_os = "linux")]
fn os_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    (unsafe { libc::gettid() }) as u64
}

#[cfg(not(target_os = "linux"))]
fn os_thread_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The calling thread's name as an interned `'static` string, cached per thread
/// (a copy when the interner is full).
fn current_thread_name_static() -> Cow<'static, str> {
    thread_local! {
        static NAME: Cell<Option<&'static str>> = const { Cell::new(None) };
    }
    let cached = NAME.try_with(|n| n.get()).ok().flatten();
    if let Some(n) = cached {
        return Cow::Borrowed(n);
    }
    let name = current_thread_name();
    match crate::intern::intern(&name) {
        Some(s) => {
            let _ = NAME.try_with(|n| n.set(Some(s)));
            Cow::Borrowed(s)
        }
        None => Cow::Owned(name),
    }
}

/// The calling thread's name: its Rust name, `MainThread` for the main thread, or
/// `Thread-<id>` for an unnamed one.
pub fn current_thread_name() -> String {
    let t = std::thread::current();
    match t.name() {
        Some("main") => "MainThread".to_owned(),
        Some(n) => n.to_owned(),
        None => format!("Thread-{}", current_thread_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_fields() {
        let mut r = LogRecord::new("a", Level::INFO, "m");
        r.pathname = "/srv/app/views.py".into();
        r.created = 1_700_000_000.125;
        assert_eq!(r.filename(), "views.py");
        assert_eq!(r.module(), "views");
        assert_eq!(r.msecs(), 125.0);
        r.created = 1_700_000_000.999_9;
        assert_eq!(r.msecs(), 999.0);
        r.pathname = "/home/u/.bashrc".into();
        assert_eq!(r.module(), ".bashrc");
        r.pathname = "a/..b.c.py".into();
        assert_eq!(r.module(), "..b.c");
        // Python: int((-0.0001 - 0) * 1000) + 0.0 == 0.0, not -0.0.
        r.created = -0.0001;
        assert!(r.msecs() == 0.0 && r.msecs().is_sign_positive());
    }

    #[test]
    fn attrs_set_during_dispatch_win_and_travel() {
        let mut r = LogRecord::new("a", Level::INFO, "m");
        r.extra.push(("k".into(), Value::Int(1)));
        let g = r.generation();
        r.set_attr("k", Value::Int(2));
        r.set_attr("server_time", "now".into());
        assert_ne!(g, r.generation());
        assert_eq!(r.extra_value("k"), Some(Value::Int(2)));
        assert!(r.has_extra("server_time") && !r.has_extra("other"));
        r.set_attr("k", Value::Int(3));
        let c = r.clone();
        assert_eq!(c.extra_value("k"), Some(Value::Int(3)));
        assert_eq!(c.generation(), r.generation());
        assert!(format!("{c:?}").contains("server_time"));
        assert_eq!(LogRecord::new("a", Level::INFO, "m").extra_value("k"), None);
        // The default call site is borrowed by copies too; another file is copied.
        let mut d = LogRecord::new("a", Level::INFO, "m");
        assert!(matches!(
            d.to_static().pathname,
            Cow::Borrowed("(unknown file)")
        ));
        let file = String::from("src/x.rs");
        d.pathname = Cow::Borrowed(file.as_str());
        assert!(matches!(d.to_static().pathname, Cow::Owned(ref p) if p == "src/x.rs"));
        let s = r.to_static();
        assert_eq!(s.extra_value("k"), Some(Value::Int(3)));
        assert_eq!(s.extra_value("server_time"), Some(Value::Str("now".into())));
        assert!(s.thread_name.is_some());
    }

    #[test]
    fn copies_borrow_static_parts_and_copy_the_rest() {
        let dynamic = String::from("dynamic message");
        let mut r = LogRecord::new("app.db", Level::INFO, dynamic.as_str());
        r.set_static_name("app.db");
        r.set_static_call_site("src/db.rs", 7, Some("app::db"));
        let c = r.to_static();
        assert!(matches!(c.name, Cow::Borrowed(_)));
        assert!(matches!(c.pathname, Cow::Borrowed(_)));
        assert!(matches!(c.module_path, Some(Cow::Borrowed(_))));
        assert!(matches!(c.func_name, Cow::Borrowed(_)));
        assert!(matches!(c.process_name, Cow::Borrowed(_)));
        assert!(matches!(c.thread_name, Some(Cow::Borrowed(_))));
        assert!(matches!(c.message, Cow::Owned(_)));
        assert_eq!(c.message, "dynamic message");
        // A field changed after it was marked static is copied, not mistaken for it.
        r.pathname = Cow::Owned("src/other.rs".to_owned());
        assert!(matches!(r.to_static().pathname, Cow::Owned(ref p) if p == "src/other.rs"));
        // So are a function and a process name that are not the defaults any more.
        let (func, process) = (String::from("handler"), String::from("worker"));
        r.func_name = Cow::Borrowed(func.as_str());
        r.process_name = Cow::Borrowed(process.as_str());
        let c = r.to_static();
        assert!(matches!(c.func_name, Cow::Owned(ref f) if f == "handler"));
        assert!(matches!(c.process_name, Cow::Owned(ref p) if p == "worker"));
        // The queue's copy: the formatted text is the message, the exception is gone.
        r.set_static_message("literal");
        r.exc_text = Some("Traceback".into());
        let q = r.to_static_prepared("literal");
        assert!(matches!(q.message, Cow::Borrowed("literal")));
        assert!(q.exc_text.is_none());
        assert_eq!(
            r.to_static_prepared("INFO literal\nTraceback").message,
            "INFO literal\nTraceback"
        );
    }

    #[test]
    fn error_chain() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("saving order failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::other("disk on fire"));
        let info = ErrorInfo::from_error(&e);
        assert_eq!(info.chain, vec!["saving order failed", "disk on fire"]);
    }
}
