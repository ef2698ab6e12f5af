//! The comparison workload on log4rs: a `FileAppender` (log4rs's file writer, which
//! flushes every record) and, for the discarding writer, a minimal `Append` that runs
//! the same `PatternEncoder` into the counting sink.
use harness::{Bench, Output, Scenario};
use log::{LevelFilter, Record};
use log4rs::append::file::FileAppender;
use log4rs::append::Append;
use log4rs::config::{Appender, Config, Logger, Root};
use log4rs::encode::pattern::PatternEncoder;
use log4rs::encode::writer::simple::SimpleWriter;
use log4rs::encode::Encode;

const PATTERN: &str = "{d(%Y-%m-%d %H:%M:%S%.3f)} {l} {t} {m}{n}";

#[derive(Debug)]
struct SinkAppender(PatternEncoder);

impl Append for SinkAppender {
    fn append(&self, record: &Record<'_>) -> anyhow::Result<()> {
        self.0.encode(&mut SimpleWriter(harness::sink()), record)
    }
    fn flush(&self) {}
}

struct Log4rs;

impl Bench for Log4rs {
    harness::log_facade_calls!();
    fn flush(&self) {
        log::logger().flush();
    }
    fn finish(self: Box<Self>) {
        log::logger().flush();
    }
}

fn main() {
    harness::main("log4rs", |scenario, output| {
        if scenario == Scenario::Async {
            return None; // log4rs has no non-blocking appender
        }
        let appender: Box<dyn Append> = match output {
            Output::Sink => Box::new(SinkAppender(PatternEncoder::new(PATTERN))),
            Output::File(path) => Box::new(
                FileAppender::builder()
                    .encoder(Box::new(PatternEncoder::new(PATTERN)))
                    .append(false)
                    .build(path)
                    .expect("file appender"),
            ),
        };
        let mut config = Config::builder().appender(Appender::builder().build("out", appender));
        if scenario == Scenario::DisabledOtherDebug {
            config = config.logger(Logger::builder().build("app.other", LevelFilter::Debug));
        }
        let config = config
            .build(Root::builder().appender("out").build(LevelFilter::Info))
            .expect("config");
        log4rs::init_config(config).expect("init");
        Some(Box::new(Log4rs))
    });
}
