//! The text buffer each thread formats records into (`logtree_core`'s dispatch)
//! is freed when the thread exits, also when a thread-local destructor logs after
//! the buffer's guard has run. A counting allocator measures the bytes still live
//! after threads that logged have been joined: one test in this binary, so no
//! other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;

use logtree_core::{Handler, HandlerCell, Level, LogRecord, Manager};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged; the counter only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Counting = Counting;

struct Discard;
impl Handler for Discard {
    fn emit(&self, _: &LogRecord<'_>, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Logs a long record when dropped (at thread exit).
struct LogsOnDrop(Option<Arc<Manager>>);
impl Drop for LogsOnDrop {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            m.get_logger("exit").log(Level::ERROR, &"y".repeat(300));
        }
    }
}

thread_local! {
    static LOGS_ON_DROP: std::cell::RefCell<LogsOnDrop> =
        const { std::cell::RefCell::new(LogsOnDrop(None)) };
}

#[test]
fn a_thread_that_logged_leaves_no_text_behind() {
    let m = Manager::new();
    let cell = HandlerCell::builder(Discard).build();
    m.root().add_handler(cell.clone());
    m.get_logger("two")
        .add_handler(HandlerCell::builder(Discard).build());
    m.root().set_level(Level::INFO);
    let run = |m: Arc<Manager>, cell: Arc<HandlerCell>, log_at_exit: bool| {
        std::thread::spawn(move || {
            if log_at_exit {
                // Registered before the text guard: its destructor runs after it.
                LOGS_ON_DROP.with(|l| l.borrow_mut().0 = Some(m.clone()));
            }
            let long = "x".repeat(200);
            for name in ["a", "two", "a.b"] {
                m.get_logger(name).log(Level::INFO, &long);
            }
            cell.handle(&LogRecord::new("direct", Level::INFO, &long));
        })
        .join()
        .unwrap();
    };
    // The first threads fill the manager's own caches (kept: they are shared).
    run(m.clone(), cell.clone(), true);
    run(m.clone(), cell.clone(), false);
    let before = LIVE.load(Ordering::Relaxed);
    for i in 0..6 {
        run(m.clone(), cell.clone(), i % 2 == 0);
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(after, before, "bytes left behind by 6 threads that logged");
}
