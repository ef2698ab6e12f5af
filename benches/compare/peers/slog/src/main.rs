//! The comparison workload on slog: a drain writing the common layout (slog-term
//! has no layout with the target), formatting into a per-thread buffer outside the
//! writer's lock, the target given as slog's tag (`#"app.db.pool"`). The
//! non-blocking writer is slog-async with `OverflowStrategy::Block` (its default,
//! `DropAndReport`, drops records when its 128-record channel is full).
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};

use harness::{Bench, Output, Scenario, TIME_FORMAT};
use slog::{o, Drain, Level, Logger, OwnedKVList, Record};

struct LineDrain<W: Write + Send>(Mutex<W>);

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<W: Write + Send> Drain for LineDrain<W> {
    type Ok = ();
    type Err = io::Error;
    fn log(&self, record: &Record<'_>, _: &OwnedKVList) -> io::Result<()> {
        BUF.with(|b| {
            let mut b = b.borrow_mut();
            b.clear();
            writeln!(
                b,
                "{} {} {} {}",
                chrono::Local::now().format(TIME_FORMAT),
                record.level().as_str(),
                record.tag(),
                record.msg()
            )?;
            self.0.lock().unwrap().write_all(&b)
        })
    }
}

impl<W: Write + Send> LineDrain<W> {
    fn flush_file(&self) -> io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

struct Slog {
    log: Logger,
    other: Logger,
    file: Option<Arc<LineDrain<BufWriter<File>>>>,
    guard: Option<slog_async::AsyncGuard>,
}

impl Bench for Slog {
    fn info_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        let log = &self.log;
        for _ in 0..n {
            slog::info!(log, #"app.db.pool", "user {} did {} in {} ms", a, b, c);
        }
    }
    fn debug_calls(&self, n: u64) {
        let (a, b, c) = harness::args();
        let log = &self.log;
        for _ in 0..n {
            slog::debug!(log, #"app.db.pool", "user {} did {} in {} ms", a, b, c);
        }
    }
    fn other_debug(&self) {
        let (a, b, c) = harness::args();
        slog::debug!(self.other, #"app.other", "user {} did {} in {} ms", a, b, c);
    }
    fn flush(&self) {
        if let Some(f) = &self.file {
            f.flush_file().expect("flush");
        }
    }
    fn finish(self: Box<Self>) {
        self.flush();
        let Slog {
            log, other, guard, ..
        } = *self;
        drop((log, other));
        // Dropping the guard sends `Finish` and joins the worker, whose drain (and
        // its BufWriter) is dropped, flushing, when the thread ends.
        drop(guard);
    }
}

fn loggers<D>(drain: D, other_level: Level) -> (Logger, Logger)
where
    D: Drain<Ok = (), Err = io::Error> + Send + Sync + std::panic::RefUnwindSafe + 'static,
{
    let drain = Arc::new(drain);
    let log = Logger::root(drain.clone().filter_level(Level::Info).fuse(), o!());
    let other = Logger::root(drain.filter_level(other_level).fuse(), o!());
    (log, other)
}

fn main() {
    harness::main("slog", |scenario, output| {
        // slog's levels are per drain: "another logger at DEBUG" is a second logger
        // whose filter lets DEBUG through, over the same writer.
        let other_level = if scenario == Scenario::DisabledOtherDebug {
            Level::Debug
        } else {
            Level::Info
        };
        let bench = match output {
            Output::Sink => {
                let (log, other) = loggers(LineDrain(Mutex::new(harness::sink())), other_level);
                Slog {
                    log,
                    other,
                    file: None,
                    guard: None,
                }
            }
            Output::File(path) => {
                let file = BufWriter::new(File::create(path).expect("create"));
                if scenario == Scenario::Async {
                    let (drain, guard) = slog_async::Async::new(LineDrain(Mutex::new(file)).fuse())
                        .overflow_strategy(slog_async::OverflowStrategy::Block)
                        .build_with_guard();
                    let drain = drain.filter_level(Level::Info).fuse();
                    let log = Logger::root(drain, o!());
                    Slog {
                        other: log.clone(),
                        log,
                        file: None,
                        guard: Some(guard),
                    }
                } else {
                    let drain = Arc::new(LineDrain(Mutex::new(file)));
                    let (log, other) = loggers(drain.clone(), other_level);
                    Slog {
                        log,
                        other,
                        file: Some(drain),
                        guard: None,
                    }
                }
            }
        };
        Some(Box::new(bench))
    });
}
