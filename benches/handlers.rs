//! Criterion benchmarks of the stock handlers, next to the baseline of a handler
//! that takes the formatted text and discards it.
//!
//! Every iteration is the comparison workload (`benches/compare/`) through the
//! installed `log` bridge, formatted with the comparison layout in Python's `%`
//! style, so a handler's figure minus the baseline is what writing costs.
//!
//! | benchmark | handler | timed |
//! | --- | --- | --- |
//! | `discard` (baseline) | formats, then drops the text | the calls |
//! | `stream_to_sink` | `StreamHandler` over `io::sink()` | the calls |
//! | `file_buffered` | `FileHandler`, default `FlushPolicy` (32 KiB, 1 s, at ERROR) | the calls and the final flush |
//! | `file_every_record` | `FileHandler`, `FlushPolicy::every_record()` (one `write(2)` per record, as Python) | the calls |
//! | `watched_file` | `WatchedFileHandler`, default policy | the calls and the final flush |
//! | `queue_call_site` | `QueueHandler` → `FileHandler`, batches of 4,096 calls that fit in the queue | the calls only |
//! | `queue_until_written` | the same | the calls and `flush()` (waits until the listener wrote everything) |
//!
//! File benchmarks write to a temporary directory and empty the file (untimed)
//! after each sample, so the disk use stays small whatever the iteration count.
//!
//! Run: `cargo bench --bench handlers`.

use std::any::Any;
use std::fs::OpenOptions;
use std::hint::black_box;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use logtree::core::{Formatter, Handler, HandlerCell, Level, LogRecord, LoggerEntry, Manager};
use logtree::format::TextFormatter;
use logtree::handlers::{
    FileHandler, FlushPolicy, Mode, QueueHandler, StreamHandler, WatchedFileHandler,
};

/// Takes the formatted text and does nothing with it.
struct Discard;

impl Handler for Discard {
    fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
        black_box(text);
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn layout() -> Arc<dyn Formatter> {
    Arc::new(
        TextFormatter::builder()
            .format("%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s")
            .datefmt("%Y-%m-%d %H:%M:%S")
            .build()
            .expect("formatter"),
    )
}

fn manager() -> &'static Arc<Manager> {
    logtree::bridge::install().expect("install the log bridge");
    logtree::core::global()
}

/// Makes `cell` the tree's only handler (root at INFO); closes the previous ones.
fn only_handler(m: &Manager, cell: Arc<HandlerCell>) {
    let old = m.root().handlers();
    m.transaction(|| {
        for e in m.entries() {
            if let LoggerEntry::Logger(l) = e {
                l.clear_handlers();
                l.set_level(Level::NOTSET);
            }
        }
        m.root().clear_handlers();
        m.root().set_level(Level::INFO);
        m.root().add_handler(cell);
    });
    for h in old {
        h.close();
    }
}

fn truncate(path: &Path) {
    // The handlers append (O_APPEND): after this their next write lands at 0.
    if let Ok(f) = OpenOptions::new().write(true).open(path) {
        let _ = f.set_len(0);
    }
}

#[inline(always)]
fn workload(n: u64) {
    let (a, b, x) = black_box((42, "login", 3.5));
    for _ in 0..n {
        log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x);
    }
}

fn handlers(c: &mut Criterion) {
    let m = manager();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut g = c.benchmark_group("handlers");

    only_handler(m, HandlerCell::builder(Discard).formatter(layout()).build());
    g.bench_function("discard", |b| b.iter(|| workload(1)));

    let stream = StreamHandler::builder().writer("sink", io::sink()).build();
    only_handler(m, HandlerCell::builder(stream).formatter(layout()).build());
    g.bench_function("stream_to_sink", |b| b.iter(|| workload(1)));

    let file = |name: &str, policy: FlushPolicy| {
        let path = dir.path().join(name);
        let h = FileHandler::builder(&path)
            .mode(Mode::Truncate)
            .flush_policy(policy)
            .build()
            .expect("file handler");
        (path, h)
    };

    let (path, h) = file("buffered.log", FlushPolicy::buffered());
    only_handler(m, HandlerCell::builder(h).formatter(layout()).build());
    g.bench_function("file_buffered", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            workload(iters);
            m.flush();
            let d = t.elapsed();
            truncate(&path);
            d
        })
    });

    let (path, h) = file("every.log", FlushPolicy::every_record());
    only_handler(m, HandlerCell::builder(h).formatter(layout()).build());
    g.bench_function("file_every_record", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            workload(iters);
            let d = t.elapsed();
            truncate(&path);
            d
        })
    });

    let path = dir.path().join("watched.log");
    let h = WatchedFileHandler::builder(&path)
        .mode(Mode::Truncate)
        .build()
        .expect("watched file handler");
    only_handler(m, HandlerCell::builder(h).formatter(layout()).build());
    g.bench_function("watched_file", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            workload(iters);
            m.flush();
            let d = t.elapsed();
            truncate(&path);
            d
        })
    });

    let (path, target) = file("queued.log", FlushPolicy::buffered());
    let target = HandlerCell::builder(target).formatter(layout()).build();
    let queue = QueueHandler::builder()
        .handler(target)
        .build()
        .expect("queue handler");
    only_handler(m, HandlerCell::builder(queue).build());
    g.bench_function("queue_call_site", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(4096);
                let t = Instant::now();
                workload(n);
                timed += t.elapsed();
                m.flush(); // untimed: the listener catches up
                left -= n;
            }
            truncate(&path);
            timed
        })
    });
    g.bench_function("queue_until_written", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            workload(iters);
            m.flush();
            let d = t.elapsed();
            truncate(&path);
            d
        })
    });
    g.finish();
    only_handler(m, HandlerCell::builder(Discard).build());
}

criterion_group!(benches, handlers);
criterion_main!(benches);
