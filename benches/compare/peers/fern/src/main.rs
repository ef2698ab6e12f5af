//! The comparison workload on fern: `fern::log_file` (a `BufWriter<File>` that fern
//! flushes after every record) or a boxed writer, with the format closure from
//! fern's documentation and chrono's local time.
use harness::{Bench, Output, Scenario, TIME_FORMAT};
use log::LevelFilter;

struct Fern;

impl Bench for Fern {
    harness::log_facade_calls!();
    fn flush(&self) {
        log::logger().flush();
    }
    fn finish(self: Box<Self>) {
        log::logger().flush();
    }
}

fn main() {
    harness::main("fern", |scenario, output| {
        if scenario == Scenario::Async {
            return None; // fern has no non-blocking output
        }
        let mut dispatch = fern::Dispatch::new()
            .format(|out, message, record| {
                out.finish(format_args!(
                    "{} {} {} {}",
                    chrono::Local::now().format(TIME_FORMAT),
                    record.level(),
                    record.target(),
                    message
                ))
            })
            .level(LevelFilter::Info);
        if scenario == Scenario::DisabledOtherDebug {
            dispatch = dispatch.level_for("app.other", LevelFilter::Debug);
        }
        let dispatch = match output {
            Output::Sink => {
                dispatch.chain(Box::new(harness::sink()) as Box<dyn std::io::Write + Send>)
            }
            Output::File(path) => dispatch.chain(fern::log_file(path).expect("log file")),
        };
        dispatch.apply().expect("apply");
        Some(Box::new(Fern))
    });
}
