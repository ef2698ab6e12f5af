//! A loop for measuring the formatter's cost per record with callgrind.
//!
//! `format_cost STYLE N` formats N records with one of the layouts below into a
//! cleared buffer. Instruction counts are stable where wall-clock timings on a
//! busy machine are not; the cost per record is the difference between two runs
//! divided by the difference in N (which cancels start-up and the first,
//! uncached second):
//!
//! ```text
//! cargo build --release -p logtree-format --example format_cost
//! for n in 100000 200000; do
//!   valgrind --tool=callgrind --dump-instr=no --callgrind-out-file=/tmp/cg.$n \
//!     target/release/examples/format_cost percent $n 2>&1 | grep refs
//! done
//! ```
//!
//! The record is the comparison workload's (`benches/compare/`): logger
//! `app.db.pool`, level INFO, message `user 42 did login in 3.5 ms`; its `created`
//! advances by a microsecond per record, so all records fall in one second.
use std::hint::black_box;

use logtree_core::{Formatter, Level, LogRecord};
use logtree_format::{Style, TextFormatter};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "percent".to_owned());
    let n: u64 = args.next().map_or(100_000, |s| s.parse().expect("N"));
    let date = Some("%Y-%m-%d %H:%M:%S");
    let (format, datefmt, style) = match which.as_str() {
        "percent" => (
            "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s",
            date,
            Style::Percent,
        ),
        "brace" => (
            "{asctime}.{msecs:03.0f} {levelname} {name} {message}",
            date,
            Style::Brace,
        ),
        "dollar" => (
            "${asctime} ${levelname} ${name} ${message}",
            None,
            Style::Dollar,
        ),
        "default_asctime" => (
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            None,
            Style::Percent,
        ),
        "unfused" => (
            "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s",
            None,
            Style::Percent,
        ),
        "basic_format" => ("%(levelname)s:%(name)s:%(message)s", None, Style::Percent),
        "padded" => (
            "{asctime} {levelname:<8} {name} [{process:d}:{lineno:d}] {message}",
            None,
            Style::Brace,
        ),
        "asctime_only" => ("%(asctime)s", date, Style::Percent),
        "message_only" => ("%(message)s", None, Style::Percent),
        other => panic!("unknown layout {other}"),
    };
    let mut b = TextFormatter::builder().format(format).style(style);
    if let Some(d) = datefmt {
        b = b.datefmt(d);
    }
    let f = b.build().expect("formatter");
    let mut record = LogRecord::new("app.db.pool", Level::INFO, "user 42 did login in 3.5 ms");
    record.created = 1_738_324_800.0;
    let mut out = String::with_capacity(256);
    let mut total = 0usize;
    for _ in 0..n {
        record.created += 1e-6;
        out.clear();
        f.format(black_box(&record), &mut out).expect("format");
        total += black_box(out.len());
    }
    println!("{which}: {out} ({total} bytes)");
}
