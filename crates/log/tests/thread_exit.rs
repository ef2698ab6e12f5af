//! What the bridge keeps per thread (the plan cache's entries, the message buffer)
//! is freed when the thread exits. A counting allocator measures the bytes still
//! live after threads that logged have been joined: one test in this binary, so no
//! other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;

use log::Log;
use logtree_core::{Handler, HandlerCell, Level, LogRecord, Manager};
use logtree_log::Bridge;

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

#[test]
fn a_thread_that_logged_leaves_nothing_behind() {
    let m = Manager::new();
    m.root().add_handler(HandlerCell::builder(Discard).build());
    m.root().set_level(Level::INFO);
    let bridge = Arc::new(Bridge::new(m));
    let run = |b: Arc<Bridge>| {
        std::thread::spawn(move || {
            let long = "x".repeat(200);
            for i in 0..3 {
                for target in ["a", "app.db", "app.db.pool", "another.target.name"] {
                    b.log(
                        &log::Record::builder()
                            .target(target)
                            .level(log::Level::Info)
                            .args(format_args!("{i} {long}"))
                            .build(),
                    );
                }
            }
        })
        .join()
        .unwrap();
    };
    // The first thread fills the manager's own caches (kept: they are shared).
    run(bridge.clone());
    run(bridge.clone());
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..5 {
        run(bridge.clone());
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(after, before, "bytes left behind by 5 threads that logged");
}
