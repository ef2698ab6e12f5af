//! Criterion benchmarks of a record's way through logtree, each next to a baseline:
//! the disabled call, and the enabled call through the `log` bridge and the logger
//! tree to handlers that do nothing.
//!
//! Every call is the comparison workload, `info!(target: "app.db.pool", "user {} did
//! {} in {} ms", 42, "login", 3.5)` (see `benches/compare/`), made through the
//! installed bridge, exactly as an application makes it. The baselines:
//!
//! | group | baseline | what the other benchmarks add |
//! | --- | --- | --- |
//! | `disabled` | `max_level`: the tree at INFO, so `log`'s own `max_level` check drops the `debug!` | `other_logger_at_debug`: `max_level` is DEBUG because `app.other` runs at DEBUG, so the bridge decides per target (its cache); `…_8_targets` cycles through 8 call-site targets |
//! | `dispatch` | `null_handler`: a `NullHandler` on the root (the record is made and dispatched, nothing is formatted) | `discard_handler`: the message is rendered and the default formatter runs; `literal_message`: no arguments to render; `tree3_*`: a handler on each of three levels (`app.db`, `app`, root); `logger_handle`: the core API without `log` |
//!
//! Run: `cargo bench --bench dispatch` (add `-- <filter>` to pick benchmarks).
//! The `log` logger can be installed once per process: all benchmarks share the
//! global manager and reconfigure it between benchmarks.

use std::any::Any;
use std::hint::black_box;
use std::io;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use logtree::core::{Handler, HandlerCell, Level, LogRecord, LoggerEntry, Manager, NullHandler};

/// Takes the formatted text and does nothing with it.
struct Discard;

impl Handler for Discard {
    fn emit(&self, _: &LogRecord<'_>, text: &str) -> io::Result<()> {
        black_box(text);
        Ok(())
    }
    fn class_name(&self) -> &'static str {
        "Discard"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The global manager, with the bridge installed.
fn manager() -> &'static Arc<Manager> {
    logtree::bridge::install().expect("install the log bridge");
    logtree::core::global()
}

/// Back to an empty tree: root at INFO, every logger at NOTSET, no handlers.
fn reset(m: &Manager) {
    m.transaction(|| {
        m.root().clear_handlers();
        m.root().set_level(Level::INFO);
        for e in m.entries() {
            if let LoggerEntry::Logger(l) = e {
                l.clear_handlers();
                l.set_level(Level::NOTSET);
                l.set_propagate(true);
            }
        }
    });
}

fn disabled(c: &mut Criterion) {
    let m = manager();
    let mut g = c.benchmark_group("disabled");
    let (a, b, x) = black_box((42, "login", 3.5));

    reset(m);
    m.root()
        .add_handler(HandlerCell::builder(NullHandler).build());
    assert_eq!(log::max_level(), log::LevelFilter::Info);
    g.bench_function("max_level", |bn| {
        bn.iter(|| log::debug!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });

    m.get_logger("app.other").set_level(Level::DEBUG);
    assert_eq!(log::max_level(), log::LevelFilter::Debug);
    g.bench_function("other_logger_at_debug", |bn| {
        bn.iter(|| log::debug!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });
    let mut i = 0usize;
    g.bench_function("other_logger_at_debug_8_targets", |bn| {
        bn.iter(|| {
            i = i.wrapping_add(1);
            match i % 8 {
                0 => log::debug!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x),
                1 => log::debug!(target: "app.db.query", "user {} did {} in {} ms", a, b, x),
                2 => log::debug!(target: "app.http", "user {} did {} in {} ms", a, b, x),
                3 => log::debug!(target: "app.http.client", "user {} did {} in {} ms", a, b, x),
                4 => log::debug!(target: "app.cache", "user {} did {} in {} ms", a, b, x),
                5 => log::debug!(target: "app::auth", "user {} did {} in {} ms", a, b, x),
                6 => log::debug!(target: "app::auth::session", "user {} did {} in {} ms", a, b, x),
                _ => log::debug!(target: "worker", "user {} did {} in {} ms", a, b, x),
            }
        })
    });
    g.finish();
    reset(m);
}

fn dispatch(c: &mut Criterion) {
    let m = manager();
    let mut g = c.benchmark_group("dispatch");
    let (a, b, x) = black_box((42, "login", 3.5));

    reset(m);
    m.root()
        .add_handler(HandlerCell::builder(NullHandler).build());
    g.bench_function("null_handler", |bn| {
        bn.iter(|| log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });

    reset(m);
    m.root().add_handler(HandlerCell::builder(Discard).build());
    g.bench_function("discard_handler", |bn| {
        bn.iter(|| log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });
    g.bench_function("discard_handler_literal_message", |bn| {
        bn.iter(|| log::info!(target: "app.db.pool", "user 42 did login in 3.5 ms"))
    });
    let logger = m.get_logger("app.db.pool");
    g.bench_function("discard_handler_logger_handle", |bn| {
        bn.iter(|| {
            logger.handle(&LogRecord::new(
                "app.db.pool",
                Level::INFO,
                "user 42 did login in 3.5 ms",
            ))
        })
    });

    reset(m);
    m.transaction(|| {
        m.get_logger("app.db")
            .add_handler(HandlerCell::builder(NullHandler).build());
        m.get_logger("app")
            .add_handler(HandlerCell::builder(NullHandler).build());
        m.root()
            .add_handler(HandlerCell::builder(NullHandler).build());
    });
    g.bench_function("tree3_null_handlers", |bn| {
        bn.iter(|| log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });

    reset(m);
    m.transaction(|| {
        m.get_logger("app.db")
            .add_handler(HandlerCell::builder(Discard).build());
        m.get_logger("app")
            .add_handler(HandlerCell::builder(Discard).build());
        m.root().add_handler(HandlerCell::builder(Discard).build());
    });
    g.bench_function("tree3_discard_handlers", |bn| {
        bn.iter(|| log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
    });
    g.finish();
    reset(m);
}

criterion_group!(benches, disabled, dispatch);
criterion_main!(benches);
