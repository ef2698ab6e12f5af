//! The background flusher: one thread per process that writes out file buffers
//! whose oldest record has waited `max_delay`, and the exit hook that writes out
//! every buffer when the process exits.
//!
//! Why a thread rather than "the next record flushes if the buffer is old": a
//! service that logs one line and goes idle would otherwise keep that line in memory
//! until the next one, which is exactly when someone runs `tail -f`. The thread only
//! wakes when a buffer has something in it: a file core schedules itself once when
//! its buffer goes from empty to non-empty (one lock and one notify per buffer
//! fill, not per record), and the thread sleeps until the earliest deadline.
//!
//! If the thread cannot be spawned (a process at its thread limit), file cores fall
//! back to writing every record at once ([`background_available`] is false).
//!
//! The exit hook (`atexit`) flushes every live buffered core, so records are not
//! lost when `main` returns or `std::process::exit` is called without a shutdown;
//! it waits at most 100 ms for a core's lock, so a thread stuck in a write cannot
//! hang the exit. The same hook first drains every live queue handler (see
//! `queue.rs`, Lifecycle), so text a queue hands to a buffered file at exit is
//! written too: one hook for both, registered once, so their order does not depend
//! on which kind of handler was built first.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::sink::FileCore;

struct Flusher {
    due: Mutex<Vec<(Instant, Weak<FileCore>)>>,
    wake: Condvar,
}

static FLUSHER: OnceLock<Option<&'static Flusher>> = OnceLock::new();
static ALL: Mutex<Vec<Weak<FileCore>>> = Mutex::new(Vec::new());
static EXIT_HOOK: Once = Once::new();
static UNAVAILABLE: AtomicBool = AtomicBool::new(false);

fn flusher() -> Option<&'static Flusher> {
    *FLUSHER.get_or_init(|| {
        let f: &'static Flusher = Box::leak(Box::new(Flusher {
            due: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("logtree-flusher".to_owned())
            .spawn(move || run(f));
        match spawned {
            Ok(_) => Some(f),
            Err(_) => {
                UNAVAILABLE.store(true, Ordering::Relaxed);
                None
            }
        }
    })
}

/// Whether buffered writing is possible (the flusher thread exists or can be made).
pub(crate) fn background_available() -> bool {
    !UNAVAILABLE.load(Ordering::Relaxed) && flusher().is_some()
}

/// Asks for `core` to be flushed at `due`.
pub(crate) fn schedule(core: Weak<FileCore>, due: Instant) {
    let Some(f) = flusher() else { return };
    let mut list = f.due.lock();
    let earliest = list.iter().map(|(d, _)| *d).min();
    list.push((due, core));
    drop(list);
    if earliest.map_or(true, |e| due < e) {
        f.wake.notify_one();
    }
}

fn run(f: &'static Flusher) {
    let mut list = f.due.lock();
    loop {
        let now = Instant::now();
        let mut ready = Vec::new();
        list.retain(|(d, c)| {
            if *d <= now {
                ready.push(c.clone());
                false
            } else {
                true
            }
        });
        if !ready.is_empty() {
            drop(list);
            for core in ready.iter().filter_map(Weak::upgrade) {
                core.background_flush();
            }
            list = f.due.lock();
            continue;
        }
        match list.iter().map(|(d, _)| *d).min() {
            None => f.wake.wait(&mut list),
            Some(d) => {
                f.wake.wait_until(&mut list, d);
            }
        }
    }
}

/// Registers a buffered core for the exit hook.
pub(crate) fn register(core: Weak<FileCore>) {
    let mut all = ALL.lock();
    all.retain(|w| w.strong_count() > 0);
    all.push(core);
    drop(all);
    register_exit_hook();
}

/// Registers the exit hook, once per process.
pub(crate) fn register_exit_hook() {
    EXIT_HOOK.call_once(|| {
        // SAFETY: `flush_all_at_exit` is an `extern "C" fn()` that never unwinds.
        unsafe {
            libc::atexit(flush_all_at_exit);
        }
    });
}

extern "C" fn flush_all_at_exit() {
    // Queues first: what they hand on may land in a file's buffer.
    let _ = std::panic::catch_unwind(crate::queue::drain_all_at_exit);
    let _ = std::panic::catch_unwind(|| {
        let cores: Vec<_> = match ALL.try_lock_for(Duration::from_millis(100)) {
            Some(all) => all.iter().filter_map(Weak::upgrade).collect(),
            None => return,
        };
        for c in cores {
            c.flush_at_exit(Duration::from_millis(100));
        }
    });
}
