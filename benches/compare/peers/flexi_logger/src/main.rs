//! The comparison workload on flexi_logger: its file writer in
//! `WriteMode::BufferAndFlush` (the mode its documentation recommends for speed; the
//! default, `Direct`, writes every record), `WriteMode::Async` for the non-blocking
//! writer, and for the discarding writer a `LogWriter` that runs the same format
//! function into a reused buffer, as flexi_logger's own writers do.
use std::cell::RefCell;
use std::io::{self, Write};

use flexi_logger::writers::LogWriter;
use flexi_logger::{DeferredNow, FileSpec, Logger, LoggerHandle, WriteMode};
use harness::{Bench, Output, Scenario, TIME_FORMAT};
use log::Record;

fn line(w: &mut dyn Write, now: &mut DeferredNow, record: &Record<'_>) -> io::Result<()> {
    write!(
        w,
        "{} {} {} {}",
        now.format(TIME_FORMAT),
        record.level(),
        record.target(),
        record.args()
    )
}

struct SinkWriter;

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl LogWriter for SinkWriter {
    fn write(&self, now: &mut DeferredNow, record: &Record<'_>) -> io::Result<()> {
        BUF.with(|b| {
            let mut b = b.borrow_mut();
            b.clear();
            line(&mut *b, now, record)?;
            b.push(b'\n');
            harness::sink().write_all(&b)
        })
    }
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

struct Flexi(LoggerHandle);

impl Bench for Flexi {
    harness::log_facade_calls!();
    fn flush(&self) {
        self.0.flush();
    }
    fn finish(self: Box<Self>) {
        self.0.flush();
        self.0.shutdown();
    }
}

fn main() {
    harness::main("flexi_logger", |scenario, output| {
        let spec = if scenario == Scenario::DisabledOtherDebug {
            "info, app.other=debug"
        } else {
            "info"
        };
        let logger = Logger::try_with_str(spec).expect("spec");
        let logger = match output {
            Output::Sink => logger.log_to_writer(Box::new(SinkWriter)),
            Output::File(path) => logger
                .log_to_file(FileSpec::try_from(path).expect("file spec"))
                .format_for_files(line)
                .write_mode(if scenario == Scenario::Async {
                    WriteMode::Async
                } else {
                    WriteMode::BufferAndFlush
                }),
        };
        let handle = logger.start().expect("start");
        Some(Box::new(Flexi(handle)))
    });
}
