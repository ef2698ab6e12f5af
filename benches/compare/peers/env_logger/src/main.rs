//! The comparison workload on env_logger: a custom format (env_logger's own
//! timestamps are UTC RFC 3339) writing to `Target::Pipe` (env_logger formats into
//! its reused buffer, then writes and flushes the pipe under a lock, per record).
use std::io::Write;

use env_logger::{Target, WriteStyle};
use harness::{Bench, Output, Scenario, TIME_FORMAT};

struct EnvLogger;

impl Bench for EnvLogger {
    harness::log_facade_calls!();
    fn flush(&self) {
        log::logger().flush();
    }
    fn finish(self: Box<Self>) {
        log::logger().flush();
    }
}

fn main() {
    harness::main("env_logger", |scenario, output| {
        if scenario == Scenario::Async {
            return None; // env_logger has no non-blocking writer
        }
        let filters = if scenario == Scenario::DisabledOtherDebug {
            "info,app.other=debug"
        } else {
            "info"
        };
        let target = match output {
            Output::Sink => Target::Pipe(Box::new(harness::sink())),
            Output::File(path) => {
                Target::Pipe(Box::new(std::fs::File::create(path).expect("create")))
            }
        };
        env_logger::Builder::new()
            .parse_filters(filters)
            .format(|buf, record| {
                writeln!(
                    buf,
                    "{} {} {} {}",
                    chrono::Local::now().format(TIME_FORMAT),
                    record.level(),
                    record.target(),
                    record.args()
                )
            })
            .write_style(WriteStyle::Never)
            .target(target)
            .init();
        Some(Box::new(EnvLogger))
    });
}
