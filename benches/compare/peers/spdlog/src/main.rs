//! The comparison workload on spdlog-rs: its `FileSink` (a `BufWriter<File>`,
//! formatting into a fresh buffer outside the lock; the logger's default flush
//! policy flushes only when asked), `WriteSink` for the discarding writer, and
//! `AsyncPoolSink` (bounded, blocking when full: its default) for the non-blocking
//! writer. spdlog-rs has loggers, not targets: the logger is named `app.db.pool`.
//! Its `{level}` is lower case, so the upper-case level is a one-line custom pattern.
use std::sync::Arc;

use harness::{Bench, Output, Scenario};
use spdlog::formatter::{pattern, Pattern, PatternContext, PatternFormatter};
use spdlog::sink::{AsyncPoolSink, FileSink, Sink, WriteSink};
use spdlog::{Level, LevelFilter, Logger, Record, StringBuf, ThreadPool};

#[derive(Clone, Default)]
struct UpperLevel;

impl Pattern for UpperLevel {
    fn format(
        &self,
        record: &Record<'_>,
        dest: &mut StringBuf,
        _: &mut PatternContext<'_, '_>,
    ) -> spdlog::Result<()> {
        dest.push_str(match record.level() {
            Level::Critical => "CRITICAL",
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        });
        Ok(())
    }
}

fn formatter() -> PatternFormatter<impl Pattern + Clone> {
    PatternFormatter::new(pattern!(
        "{date} {time}.{millisecond} {$upper_level} {logger} {payload}{eol}",
        {$upper_level} => UpperLevel::default,
    ))
}

struct Spdlog {
    log: Arc<Logger>,
    other: Arc<Logger>,
    file: Option<Arc<FileSink>>,
    pool: Option<(Arc<AsyncPoolSink>, Arc<ThreadPool>)>,
}

impl Bench for Spdlog {
    fn info_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        let log = &*self.log;
        for _ in 0..n {
            spdlog::info!(logger: log, "user {} did {} in {} ms", a, b, c);
        }
    }
    fn debug_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        let log = &*self.log;
        for _ in 0..n {
            spdlog::debug!(logger: log, "user {} did {} in {} ms", a, b, c);
        }
    }
    fn other_debug(&self) {
        let (a, b, c) = harness::args();
        spdlog::debug!(logger: self.other, "user {} did {} in {} ms", a, b, c);
    }
    fn flush(&self) {
        if self.pool.is_none() {
            self.log.flush();
        }
    }
    fn finish(self: Box<Self>) {
        let Spdlog {
            log,
            other,
            file,
            pool,
        } = *self;
        drop((log, other));
        if let Some((sink, pool)) = pool {
            drop(sink);
            // The last reference to the pool: dropping it runs the queued records
            // and joins the worker.
            drop(pool);
        }
        if let Some(f) = file {
            f.flush().expect("flush");
        }
    }
}

fn logger(name: &str, sink: Arc<dyn Sink>, level: Level) -> Arc<Logger> {
    Arc::new(
        Logger::builder()
            .name(name)
            .sink(sink)
            .level_filter(LevelFilter::MoreSevereEqual(level))
            .build()
            .expect("logger"),
    )
}

fn main() {
    harness::main("spdlog-rs", |scenario, output| {
        // Loggers are objects with their own level: "another logger at DEBUG" is a
        // second logger, over the same sink.
        let other_level = if scenario == Scenario::DisabledOtherDebug {
            Level::Debug
        } else {
            Level::Info
        };
        let mut file = None;
        let mut pool = None;
        let sink: Arc<dyn Sink> = match output {
            Output::Sink => Arc::new(
                WriteSink::builder()
                    .target(harness::sink())
                    .formatter(formatter())
                    .build()
                    .expect("sink"),
            ),
            Output::File(path) => {
                let f = FileSink::builder()
                    .path(path)
                    .truncate(true)
                    .formatter(formatter())
                    .build_arc()
                    .expect("file sink");
                file = Some(f.clone());
                if scenario == Scenario::Async {
                    let tp = Arc::new(ThreadPool::new().expect("pool"));
                    let a = AsyncPoolSink::builder()
                        .sink(f)
                        .thread_pool(tp.clone())
                        .build_arc()
                        .expect("async sink");
                    pool = Some((a.clone(), tp));
                    a
                } else {
                    f
                }
            }
        };
        let log = logger(harness::TARGET, sink.clone(), Level::Info);
        let other = logger(harness::OTHER_TARGET, sink, other_level);
        Some(Box::new(Spdlog {
            log,
            other,
            file,
            pool,
        }))
    });
}
