//! Criterion benchmarks of the formatter: each style with the comparison layout,
//! next to the baseline of Python's default formatter (the message alone).
//!
//! Two groups:
//!
//! | group | what runs per iteration | baseline |
//! | --- | --- | --- |
//! | `formatter` | `Formatter::format` of one prebuilt record into a cleared `String` (nothing else) | `message_only`: [`MessageFormatter`] |
//! | `format_dispatch` | `log::info!` through the bridge and the tree to a handler that discards the text | `message_only`: a handler with no formatter |
//!
//! The layout is the comparison workload's (`benches/compare/`),
//! `2025-01-31 12:00:00.123 INFO app.db.pool user 42 did login in 3.5 ms`, written in
//! each of Python's three styles; `basic_format` is `logging.BASIC_FORMAT` and
//! `default_asctime` Python's default `asctime` (`,` before the milliseconds).
//!
//! Run: `cargo bench --bench format`.

use std::any::Any;
use std::hint::black_box;
use std::io;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use logtree::core::{
    Formatter, Handler, HandlerCell, Level, LogRecord, LoggerEntry, Manager, MessageFormatter,
};
use logtree::format::{Style, TextFormatter};

/// The styles, each rendering the same line.
fn formatters() -> Vec<(&'static str, Arc<dyn Formatter>)> {
    let build = |format: &str, datefmt: Option<&str>, style: Style| -> Arc<dyn Formatter> {
        let mut b = TextFormatter::builder().format(format).style(style);
        if let Some(d) = datefmt {
            b = b.datefmt(d);
        }
        Arc::new(b.build().expect("formatter"))
    };
    let date = Some("%Y-%m-%d %H:%M:%S");
    vec![
        (
            "message_only",
            Arc::new(MessageFormatter) as Arc<dyn Formatter>,
        ),
        (
            "percent",
            build(
                "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s",
                date,
                Style::Percent,
            ),
        ),
        (
            "brace",
            build(
                "{asctime}.{msecs:03.0f} {levelname} {name} {message}",
                date,
                Style::Brace,
            ),
        ),
        // `$` has no format specs: the milliseconds come with the default asctime.
        (
            "dollar",
            build(
                "${asctime} ${levelname} ${name} ${message}",
                None,
                Style::Dollar,
            ),
        ),
        (
            "basic_format",
            build("%(levelname)s:%(name)s:%(message)s", None, Style::Percent),
        ),
        (
            "default_asctime",
            build(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                None,
                Style::Percent,
            ),
        ),
    ]
}

fn formatter(c: &mut Criterion) {
    let mut g = c.benchmark_group("formatter");
    let record = LogRecord::new("app.db.pool", Level::INFO, "user 42 did login in 3.5 ms");
    let mut out = String::with_capacity(256);
    for (name, f) in formatters() {
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                f.format(black_box(&record), &mut out).expect("format");
                black_box(out.len())
            })
        });
    }
    g.finish();
}

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

fn manager() -> &'static Arc<Manager> {
    logtree::bridge::install().expect("install the log bridge");
    logtree::core::global()
}

fn only_handler(m: &Manager, cell: Arc<HandlerCell>) {
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
}

fn format_dispatch(c: &mut Criterion) {
    let m = manager();
    let mut g = c.benchmark_group("format_dispatch");
    let (a, b, x) = black_box((42, "login", 3.5));
    for (name, f) in formatters() {
        only_handler(m, HandlerCell::builder(Discard).formatter(f).build());
        g.bench_function(name, |bn| {
            bn.iter(|| log::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, x))
        });
    }
    g.finish();
    m.root().clear_handlers();
}

criterion_group!(benches, formatter, format_dispatch);
criterion_main!(benches);
