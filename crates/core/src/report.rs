//! The bounded reporter of handler failures (Python's `Handler.handleError`).
//!
//! Python prints a traceback to stderr for every failed `emit`; a disk that is full
//! for an hour would print a million of them. logtree reports each distinct failure
//! of a handler once (the handler, the error and its `source()` chain), counts the
//! repeats, and says so when the handler works again:
//!
//! ```text
//! logtree: handler "file" (FileHandler) failed: No space left on device (os error 28); further identical failures are counted, not shown
//! logtree: handler "file" (FileHandler) recovered after 1042 failed records
//! ```
//!
//! At most [`MAX_DISTINCT`] distinct failures are shown per handler. This module and
//! the last-resort handler are the only places where library code writes to stderr;
//! [`set_enabled`] silences it (Python's `logging.raiseExceptions = False`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

/// Distinct failures shown per handler before the rest are only counted.
pub const MAX_DISTINCT: usize = 8;

static ENABLED: AtomicBool = AtomicBool::new(true);
static REPORTED: AtomicU64 = AtomicU64::new(0);

type Sink = Arc<Mutex<Vec<String>>>;
static CAPTURE: Mutex<Option<Sink>> = Mutex::new(None);
static CAPTURE_LOCK: Mutex<()> = Mutex::new(());

/// Turns failure reports on or off (on by default).
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// How many lines the reporter has written since the program started.
pub fn reported_count() -> u64 {
    REPORTED.load(Ordering::Relaxed)
}

/// Writes one report line (prefixed `logtree: `) to stderr.
#[cold]
pub fn report(line: &str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    REPORTED.fetch_add(1, Ordering::Relaxed);
    if let Some(sink) = CAPTURE.lock().as_ref() {
        sink.lock().push(line.to_owned());
        return;
    }
    let mut s = String::with_capacity(line.len() + 10);
    s.push_str("logtree: ");
    s.push_str(line);
    s.push('\n');
    let _ = std::io::stderr().lock().write_all(s.as_bytes());
}

/// Sends reports to a vector instead of stderr until the guard drops (tests that
/// capture are serialized by the guard).
#[doc(hidden)]
pub fn capture_for_tests() -> (impl Drop, Sink) {
    struct Guard(#[allow(dead_code)] parking_lot::MutexGuard<'static, ()>);
    impl Drop for Guard {
        fn drop(&mut self) {
            *CAPTURE.lock() = None;
        }
    }
    let g = CAPTURE_LOCK.lock();
    let sink: Sink = Arc::default();
    *CAPTURE.lock() = Some(sink.clone());
    (Guard(g), sink)
}

/// The failure history of one handler.
#[derive(Debug, Default)]
pub(crate) struct FailureLog {
    state: Mutex<FailureState>,
}

#[derive(Debug, Default)]
struct FailureState {
    seen: Vec<String>,
    failed_since_ok: u64,
}

impl FailureLog {
    #[cold]
    pub(crate) fn record(&self, who: &str, err: &dyn std::error::Error) {
        let mut text = err.to_string();
        let mut src = err.source();
        let mut depth = 0;
        while let Some(e) = src {
            if depth == 8 {
                break;
            }
            let _ = write!(text, ": {e}");
            src = e.source();
            depth += 1;
        }
        let mut st = self.state.lock();
        st.failed_since_ok += 1;
        if st.seen.contains(&text) || st.seen.len() >= MAX_DISTINCT {
            return;
        }
        st.seen.push(text.clone());
        let last = st.seen.len() == MAX_DISTINCT;
        drop(st);
        let mut line =
            format!("{who} failed: {text}; further identical failures are counted, not shown");
        if last {
            line.push_str(" (and no further distinct failures of this handler are shown)");
        }
        report(&line);
    }

    #[cold]
    pub(crate) fn recovered(&self, who: &str) {
        let mut st = self.state.lock();
        let n = std::mem::take(&mut st.failed_since_ok);
        st.seen.clear();
        drop(st);
        if n > 0 {
            report(&format!(
                "{who} recovered after {n} failed record{}",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
}
