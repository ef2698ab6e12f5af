//! The comparison workload on tracing with tracing-subscriber's `fmt` layer: an
//! event format for the common layout (tracing's own pads the level and adds a
//! colon after the target), chrono's local time, and a `BufWriter<File>` behind a
//! mutex (tracing-appender's file appender writes every event unbuffered). The
//! non-blocking writer is tracing-appender's, made lossless (`lossy(false)`; its
//! default drops events when its queue is full) over a `BufWriter<File>`.
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};

use harness::{Bench, Output, Scenario, TIME_FORMAT};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        write!(
            w,
            "{} {} {} ",
            chrono::Local::now().format(TIME_FORMAT),
            meta.level(),
            meta.target()
        )?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// A buffered file shared by all threads.
struct SharedFile(Mutex<BufWriter<File>>);

impl Write for &SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.lock().unwrap().write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

struct Tracing {
    file: Option<Arc<SharedFile>>,
    guard: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl Bench for Tracing {
    fn info_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        for _ in 0..n {
            tracing::info!(target: "app.db.pool", "user {} did {} in {} ms", a, b, c);
        }
    }
    fn debug_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        for _ in 0..n {
            tracing::debug!(target: "app.db.pool", "user {} did {} in {} ms", a, b, c);
        }
    }
    fn other_debug(&self) {
        let (a, b, c) = harness::args();
        tracing::debug!(target: "app.other", "user {} did {} in {} ms", a, b, c);
    }
    fn flush(&self) {
        if let Some(f) = &self.file {
            (&**f).flush().expect("flush");
        }
    }
    fn finish(mut self: Box<Self>) {
        self.flush();
        // Dropping the guard drains the queue, flushes and joins the worker.
        drop(self.guard.take());
    }
}

fn main() {
    harness::main("tracing", |scenario, output| {
        let filter = if scenario == Scenario::DisabledOtherDebug {
            EnvFilter::new("info,app.other=debug")
        } else {
            EnvFilter::new("info")
        };
        let builder = tracing_subscriber::fmt()
            .event_format(Line)
            .with_env_filter(filter);
        let mut bench = Tracing {
            file: None,
            guard: None,
        };
        match output {
            Output::Sink => builder.with_writer(harness::sink).init(),
            Output::File(path) => {
                let file = File::create(path).expect("create");
                if scenario == Scenario::Async {
                    let (nb, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                        .lossy(false)
                        .finish(BufWriter::new(file));
                    bench.guard = Some(guard);
                    builder.with_writer(nb).init();
                } else {
                    let shared = Arc::new(SharedFile(Mutex::new(BufWriter::new(file))));
                    bench.file = Some(shared.clone());
                    builder.with_writer(shared).init();
                }
            }
        }
        Some(Box::new(bench))
    });
}
