//! The comparison workload on logtree: the `log` bridge, the logger tree, and the
//! stock handlers (`StreamHandler` over the counting sink, `FileHandler` with its
//! default buffered flush policy, `QueueHandler` in front of a `FileHandler`), and
//! logtree-format's `TextFormatter` with the layout in Python's `%` style.
use std::sync::Arc;

use harness::{Bench, Output, Scenario};
use logtree_core::{Formatter, HandlerCell, Level, Manager};
use logtree_format::TextFormatter;
use logtree_handlers::{FileHandler, Mode, QueueHandler, StreamHandler};

/// The workload's layout in Python's terms, as the CPython script has it.
const FORMAT: &str = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s %(message)s";
const DATEFMT: &str = "%Y-%m-%d %H:%M:%S";

fn formatter() -> Arc<dyn Formatter> {
    Arc::new(
        TextFormatter::builder()
            .format(FORMAT)
            .datefmt(DATEFMT)
            .build()
            .expect("formatter"),
    )
}

struct Logtree(Arc<Manager>);

impl Bench for Logtree {
    harness::log_facade_calls!();
    fn flush(&self) {
        self.0.flush();
    }
    fn finish(self: Box<Self>) {
        self.0.shutdown();
    }
}

fn main() {
    harness::main("logtree", |scenario, output| {
        logtree_log::install().expect("install");
        let m = logtree_core::global().clone();
        let cell = match output {
            Output::Sink => HandlerCell::builder(
                StreamHandler::builder()
                    .writer("sink", harness::sink())
                    .build(),
            ),
            Output::File(path) => {
                let file = FileHandler::builder(path)
                    .mode(Mode::Truncate)
                    .build()
                    .expect("file handler");
                if scenario == Scenario::Async {
                    let target = HandlerCell::builder(file).formatter(formatter()).build();
                    let queue = QueueHandler::builder()
                        .handler(target)
                        .build()
                        .expect("queue handler");
                    HandlerCell::builder(queue)
                } else {
                    HandlerCell::builder(file)
                }
            }
        };
        let cell = if scenario == Scenario::Async {
            cell.build()
        } else {
            cell.formatter(formatter()).build()
        };
        m.transaction(|| {
            m.root().set_level(Level::INFO);
            m.root().add_handler(cell);
            if scenario == Scenario::DisabledOtherDebug {
                m.get_logger(harness::OTHER_TARGET).set_level(Level::DEBUG);
            }
        });
        Some(Box::new(Logtree(m)))
    });
}
